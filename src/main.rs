//! The `quarry` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

mod cli;
mod web;

// Ingest allocates in parsing threads and frees in the writer thread; glibc's allocator
// spends much of a post import on that (arena locks, consolidation), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code.into(),
        Err(e) => {
            // A closed pipe (`quarry search x | head`) is not a failure.
            if e.chain().any(broken_pipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            cli::Exit::Fatal.into()
        }
    }
}

/// Whether an error is a closed pipe: an I/O error of that kind, or one wrapped in the CSV
/// writer's error inside another I/O error (what the CSV printers return).
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let pipe = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        if pipe(io) {
            return true;
        }
        if let Some(inner) = io.get_ref() {
            return broken_pipe(inner);
        }
    }
    matches!(e.downcast_ref::<csv::Error>().map(csv::Error::kind), Some(csv::ErrorKind::Io(io)) if pipe(io))
}
