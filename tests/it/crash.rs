//! A killed `add` leaves the project as it was before the document being stored: every stored
//! document has all its segments, and search still works (the index is rebuilt if stale).

use super::*;
use std::io::Write;

#[test]
fn kill_during_add_loses_nothing_stored_and_halves_nothing() {
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    // 400 documents of 150 turns each (about 20 MB): long enough to be killed mid-way.
    for d in 0..400 {
        for t in 0..150 {
            writeln!(
                f,
                r#"{{"doc":"d{d}","speaker":"S{}","text":"turn {t} of document {d}: teaching with threads and evidence, you know, every week"}}"#,
                t % 3
            )
            .unwrap();
        }
    }
    drop(f);
    for delay_ms in [15u64, 30, 45] {
        let p = project();
        let bin = assert_cmd::cargo::cargo_bin("quarry");
        let mut child = std::process::Command::new(bin)
            .current_dir(p.path())
            .args(["add", file.to_str().unwrap()])
            .env("QUARRY_BATCH_BYTES", "1000000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until commits are under way (the write-ahead log grows), then a little more.
        let wal = p.path().join(".quarry/quarry.db-wal");
        let start = std::time::Instant::now();
        while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 4_000_000
            && start.elapsed() < std::time::Duration::from_secs(20)
        {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let docs = json(&ok(p.path(), &["list", "documents", "--format", "json"]));
        for d in docs.as_array().unwrap() {
            assert_eq!(
                d["segments"], 150,
                "document stored whole or not at all: {d}"
            );
        }
        let n = docs.as_array().unwrap().len() as u64;
        eprintln!("killed {delay_ms} ms into the commits: {n} of 400 documents stored");
        let hits: u64 = count(p.path(), "teaching");
        assert_eq!(
            hits,
            n * 150,
            "the index agrees with the database after the kill"
        );
        // Running the add again completes the job.
        ok(p.path(), &["add", file.to_str().unwrap()]);
        let hits: u64 = count(p.path(), "teaching");
        assert_eq!(hits, 400 * 150);
    }
}
