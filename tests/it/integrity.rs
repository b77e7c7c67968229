//! `quarry check`, `quarry backup` and `quarry restore` through the real binary: damage made
//! on purpose is found and named, `--repair` rebuilds only the index, and a backup comes back
//! whole.

use super::{fixture, json, ok, quarry, sample_project};
use std::path::Path;

fn db(project: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(project.join(".quarry/quarry.db")).unwrap()
}

/// Runs `quarry check` and returns (exit code, stdout).
fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = quarry(dir).arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A sample project with suggestions and two decisions.
fn coded() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let out = quarry(d)
        .args(["review", "--coder", "ana", "--order", "document"])
        .write_stdin("a\nr\nq\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    p
}

fn decisions(dir: &Path) -> i64 {
    db(dir)
        .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_whole_project_checks_out() {
    let p = coded();
    let (code, out) = check(p.path(), &["--sample", "0"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("The project is whole."), "{out}");
    assert_eq!(
        out.matches("\nok ").count() + usize::from(out.starts_with("ok ")),
        4
    );
}

#[test]
fn a_damaged_index_is_found_and_repair_rebuilds_only_it() {
    let p = coded();
    let d = p.path();
    let before = decisions(d);
    // An index from another project: written for another state of the database, so it is
    // noted as stale (the next search rebuilds it), not called damaged.
    let other = sample_project();
    ok(other.path(), &["add", fixture("good").to_str().unwrap()]);
    let index = d.join(".quarry/index");
    std::fs::remove_dir_all(&index).unwrap();
    copy_dir(&other.path().join(".quarry/index"), &index);
    let (code, out) = check(d, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("note  index against the database"), "{out}");
    assert!(out.contains("another state of the database"), "{out}");
    // Its own index with its files damaged is.
    ok(d, &["reindex"]);
    for e in std::fs::read_dir(&index).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with('.') && !name.ends_with(".json") {
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            std::fs::write(&path, vec![0x5a; len]).unwrap();
        }
    }
    let (code, out) = check(d, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  index against the database"), "{out}");
    assert!(out.contains("--repair` rebuilds it"), "{out}");

    let (code, out) = check(d, &["--repair"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("fixed index"), "{out}");
    assert!(out.contains("repaired: index rebuilt"), "{out}");
    assert_eq!(decisions(d), before);
    let (code, out) = check(d, &["--sample", "0"]);
    assert_eq!(code, 0, "{out}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn wrong_offsets_and_unknown_codes_are_named() {
    let p = coded();
    let d = p.path();
    let c = db(d);
    let seg: i64 = c
        .query_row(
            "SELECT id FROM segments ORDER BY id LIMIT 1 OFFSET 7",
            [],
            |r| r.get(0),
        )
        .unwrap();
    c.execute(
        "UPDATE segments SET char_end = char_end + 1 WHERE id = ?1",
        [seg],
    )
    .unwrap();
    let big: i64 = seg + 1;
    c.execute(
        "UPDATE segments SET byte_end = byte_end + 1000000 WHERE id = ?1",
        [big],
    )
    .unwrap();
    c.execute(
        "UPDATE decisions SET code = 'smu.no_such_code' WHERE id = (SELECT min(id) FROM decisions)",
        [],
    )
    .unwrap();
    drop(c);
    let (code, out) = check(d, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("segment {seg}: recorded as characters")),
        "{out}"
    );
    assert!(out.contains(&format!("segment {big}: bytes")), "{out}");
    assert!(out.contains("outside its text"), "{out}");
    assert!(
        out.contains("code smu.no_such_code is not in codebook sm-uptake"),
        "{out}"
    );
    // --repair does not touch the record: the same problems remain.
    let (code, again) = check(d, &["--repair"]);
    assert_eq!(code, 1, "{again}");
    assert!(again.contains("smu.no_such_code"));
}

#[test]
fn a_damaged_database_file_is_reported_not_read_on() {
    let p = coded();
    let d = p.path();
    // Checkpoint, then overwrite a page in the middle of the file, its header too (so that
    // the damage is to the file's structure whatever kind of page lies there: the text of
    // a document alone is not checked by SQLite).
    db(d)
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let file = d.join(".quarry/quarry.db");
    let mut bytes = std::fs::read(&file).unwrap();
    let page = 4096;
    let at = (bytes.len() / page / 2) * page;
    for b in &mut bytes[at..at + 3000] {
        *b = 0x5a;
    }
    std::fs::write(&file, bytes).unwrap();
    let out = quarry(d).arg("check").output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("FAIL  database file") || all.contains("malformed"),
        "{all}"
    );
}

#[test]
fn a_backup_restores_whole_and_keeps_what_it_replaces() {
    let p = coded();
    let d = p.path();
    let bk = tempfile::tempdir().unwrap();
    let dest = bk.path().join("b1");
    let out = ok(d, &["backup", dest.to_str().unwrap()]);
    assert!(out.contains("2 decisions"), "{out}");
    // The backup is a project of its own.
    let (code, c) = check(&dest, &[]);
    assert_eq!(code, 0, "{c}");
    let docs = |dir: &Path| {
        json(&ok(dir, &["list", "documents", "--format", "json"]))
            .as_array()
            .unwrap()
            .len()
    };
    let n = docs(d);
    assert_eq!(docs(&dest), n);
    // Not into a folder that holds something.
    quarry(d)
        .args(["backup", dest.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not empty"));

    // Work goes on, then the backup is restored over it.
    ok(d, &["add", fixture("good").to_str().unwrap()]);
    ok(d, &["code", "1", "smu.barriers", "--coder", "bo"]);
    let later = docs(d);
    assert!(later > n);
    quarry(d)
        .args(["restore", dest.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--replace"));
    let out = ok(d, &["restore", dest.to_str().unwrap(), "--replace"]);
    assert!(out.contains("is kept as"), "{out}");
    assert_eq!(docs(d), n);
    assert_eq!(decisions(d), 2);
    let (code, c) = check(d, &["--sample", "0"]);
    assert_eq!(code, 0, "{c}");
    // What was replaced is kept, whole.
    let kept = std::fs::read_dir(d.join(".quarry"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("before-restore-"))
        .unwrap();
    let k = rusqlite::Connection::open(&kept).unwrap();
    let kept_docs: i64 = k
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept_docs as usize, later);

    // Into a new folder.
    let fresh = bk.path().join("fresh");
    ok(
        d,
        &[
            "restore",
            dest.to_str().unwrap(),
            "--to",
            fresh.to_str().unwrap(),
        ],
    );
    assert_eq!(docs(&fresh), n);
    assert_eq!(decisions(&fresh), 2);
}

#[test]
fn a_damaged_backup_is_refused_and_changes_nothing() {
    let p = coded();
    let d = p.path();
    let bk = tempfile::tempdir().unwrap();
    let dest = bk.path().join("b");
    ok(d, &["backup", dest.to_str().unwrap()]);
    let file = dest.join(".quarry/quarry.db");
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    for b in &mut bytes[at..at + 3000] {
        *b = 0xa5;
    }
    std::fs::write(&file, bytes).unwrap();
    let before = decisions(d);
    let out = quarry(d)
        .args(["restore", dest.to_str().unwrap(), "--replace"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("quarry.db"), "{err}");
    assert_eq!(decisions(d), before);
    let (code, c) = check(d, &[]);
    assert_eq!(code, 0, "{c}");
}

#[test]
fn rebuilds_adds_and_searches_at_once_wait_for_each_other() {
    let p = sample_project();
    let d = p.path();
    let count = |out: &[u8]| -> u64 { String::from_utf8_lossy(out).trim().parse().unwrap() };
    let mut want = count(
        &quarry(d)
            .args(["search", "trust", "--count"])
            .output()
            .unwrap()
            .stdout,
    );
    for round in 0..4 {
        // Two rebuilds, two searches and an add of one more turn about trust: each search
        // finds the index stale, half made or being written, and must wait for a whole one
        // (or use the last committed one) rather than fail or count on an empty one.
        let extra = format!("extra{round}.txt");
        std::fs::write(
            d.join(&extra),
            format!("P1: I trust it now, round {round}.\n"),
        )
        .unwrap();
        let children: Vec<(&str, std::process::Child)> = [
            ("reindex", vec!["reindex"]),
            ("reindex", vec!["reindex"]),
            ("search", vec!["search", "trust", "--count"]),
            ("add", vec!["add", extra.as_str()]),
            ("search", vec!["search", "trust", "--count"]),
        ]
        .into_iter()
        .map(|(what, args)| {
            let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("quarry"))
                .current_dir(d)
                .args(&args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (what, child)
        })
        .collect();
        for (what, child) in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {what} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if what == "search" {
                let n = count(&out.stdout);
                assert!(
                    n == want || n == want + 1,
                    "round {round}: {n}, expected {want} or one more"
                );
            }
        }
        want += 1;
        let after = quarry(d)
            .args(["search", "trust", "--count"])
            .output()
            .unwrap();
        assert_eq!(count(&after.stdout), want, "round {round}");
    }
    assert_eq!(check(d, &[]).0, 0);
}
