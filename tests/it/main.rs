//! Integration tests: the real `quarry` binary on fixture files (tests/fixtures, data/sample)
//! and, where present, on the third-party corpora in ../shared/data.

mod cli;
mod codebooks;
mod crash;
mod discover;
mod export;
mod hostile;
mod integrity;
mod learn;
mod matching;
mod posts;
mod propose;
mod props;
mod r15_codebooks;
mod r15_demo;
mod r15_exports;
mod r15_ingest;
mod r15_outputs;
mod r15_query;
mod rank;
mod refi;
mod report;
mod review;
mod shared_data;
mod suggest;
mod tidy;
mod web;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tells whoever runs `cargo test` that a check did not run because its data or tool is not
/// here. Written to stderr itself, past the test harness's capture, so the note is seen.
pub fn skipped(what: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {what}");
}

/// A fixture path.
pub fn fixture(p: &str) -> PathBuf {
    repo().join("tests/fixtures").join(p)
}

/// `quarry` run in `dir`, with a clean environment for the variables it reads.
pub fn quarry(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("quarry").expect("binary");
    c.current_dir(dir)
        .env_remove("QUARRY_PROJECT")
        .env("NO_COLOR", "1");
    c
}

/// Runs quarry with `args` in `dir`, expects success, returns stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    succeed(quarry(dir), args)
}

/// Runs `cmd` with `args`, expects success, returns stdout.
pub fn succeed(mut cmd: Command, args: &[&str]) -> String {
    let out = cmd.args(args).output().expect("run");
    assert!(
        out.status.success(),
        "quarry {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs quarry with `args` in `dir`, expects exit code 2 and `message` on stderr.
pub fn fails(dir: &Path, args: &[&str], message: &str) {
    quarry(dir)
        .args(args)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(message));
}

/// `quarry agreement --coders CODERS --codebook BOOK --format json`, parsed.
pub fn agreement_json(dir: &Path, coders: &str, book: &str) -> serde_json::Value {
    json(&ok(
        dir,
        &[
            "agreement",
            "--coders",
            coders,
            "--codebook",
            book,
            "--format",
            "json",
        ],
    ))
}

/// Decides `coder`'s whole queue of `codebook` through a review sheet (CSV), as a person with
/// a spreadsheet would: `accept(quote, code)` says which suggestions to accept; the rest are
/// rejected.
pub fn decide_by_sheet(d: &Path, coder: &str, codebook: &str, accept: impl Fn(&str, &str) -> bool) {
    let sheet = d.join("sheet.csv");
    ok(
        d,
        &[
            "review",
            "export",
            "--coder",
            coder,
            "--codebook",
            codebook,
            "--out",
            sheet.to_str().unwrap(),
        ],
    );
    let mut r = csv::Reader::from_path(&sheet).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (quote, code, decision) = (col("quote"), col("code"), col("decision"));
    let filled = d.join("filled.csv");
    let mut w = csv::Writer::from_path(&filled).unwrap();
    w.write_record(&header).unwrap();
    for rec in r.records() {
        let mut cells: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        let yes = accept(&cells[quote], &cells[code]);
        cells[decision] = if yes { "accept" } else { "reject" }.into();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
    ok(
        d,
        &[
            "review",
            "import",
            filled.to_str().unwrap(),
            "--coder",
            coder,
        ],
    );
}

/// A new project in a temporary folder.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    ok(dir.path(), &["init"]);
    dir
}

/// A project holding the sample study with its attributes.
pub fn sample_project() -> tempfile::TempDir {
    let dir = project();
    let sample = repo().join("data/sample");
    ok(dir.path(), &["add", sample.to_str().unwrap()]);
    ok(
        dir.path(),
        &[
            "attrs",
            "import",
            sample.join("participants.csv").to_str().unwrap(),
        ],
    );
    dir
}

/// The number of segments `query` matches (`quarry search --count`).
pub fn count(dir: &Path, query: &str) -> u64 {
    ok(dir, &["search", query, "--count"])
        .trim()
        .parse()
        .expect("a number")
}

/// Writes a zip archive with the given (name, bytes) entries, deflated.
pub fn zip(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).expect("create the zip"));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in entries {
        z.start_file(*name, o).expect("zip entry");
        z.write_all(bytes).expect("zip write");
    }
    z.finish().expect("zip finish");
}

/// Parses `--format json` output.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("valid JSON")
}
