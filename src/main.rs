//! The `quarry` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

mod cli;
mod demo;

// Ingest allocates in parsing threads and frees in the writer thread; glibc's allocator
// spends much of a post import on that (arena locks, consolidation), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code.into(),
        Err(e) => {
            // A closed pipe (`quarry search x | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            cli::Exit::Fatal.into()
        }
    }
}
