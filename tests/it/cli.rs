//! The commands end to end on our own fixtures.

use super::*;
use predicates::str::contains;

#[test]
fn init_creates_a_project_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["init"]);
    assert!(out.contains("Created a quarry project"));
    assert!(dir.path().join(".quarry/quarry.db").is_file());
    assert!(dir.path().join(".quarry/index").is_dir());
    quarry(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains("already holds a quarry project"));
}

#[test]
fn commands_without_a_project_say_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    quarry(dir.path())
        .args(["search", "x"])
        .assert()
        .code(2)
        .stderr(contains("no quarry project"))
        .stderr(contains("quarry init"));
}

#[test]
fn project_is_found_upwards_and_from_the_environment() {
    let p = project();
    ok(
        p.path(),
        &["add", fixture("good/labels.txt").to_str().unwrap()],
    );
    let sub = p.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(count(&sub, "teach"), 2);
    let elsewhere = tempfile::tempdir().unwrap();
    let out = quarry(elsewhere.path())
        .env("QUARRY_PROJECT", p.path())
        .args(["search", "teach", "--count"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    let out = ok(
        elsewhere.path(),
        &["--project", p.path().to_str().unwrap(), "list", "documents"],
    );
    assert!(out.contains("labels"));
}

#[test]
fn init_rejects_an_unknown_language_or_stemmer() {
    let dir = tempfile::tempdir().unwrap();
    fails(dir.path(), &["init", "--language", "klingon"], "klingon");
    fails(dir.path(), &["init", "--stemmer", "porter9"], "porter9");
    ok(dir.path(), &["init", "--stemmer", "rust-stemmers"]);
}

#[test]
fn every_fixture_format_becomes_turns() {
    let p = project();
    let out = ok(p.path(), &["add", fixture("good").to_str().unwrap()]);
    assert!(out.contains("Added 6 documents"), "{out}");
    let segs = json(&ok(p.path(), &["list", "segments", "--format", "json"]));
    let segs = segs.as_array().unwrap();
    let of = |doc: &str| -> Vec<(String, String)> {
        segs.iter()
            .filter(|s| s["document"] == doc)
            .map(|s| {
                (
                    s["speaker"].as_str().unwrap_or("").to_string(),
                    s["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let labels = of("labels");
    assert_eq!(labels.len(), 4);
    assert_eq!(labels[1].0, "P7");
    assert_eq!(
        labels[1].1,
        "I mean, I teach with threads. My students read them before class.\n\nI also tweet about assessment."
    );
    // Consecutive cues of one speaker merge into one turn, with its start time.
    let zoom = of("zoom");
    assert_eq!(zoom.len(), 4);
    assert_eq!(
        zoom[1],
        (
            "Ben Okoro".into(),
            "Peer review matters to me. I teach residents to check the source first.".into()
        )
    );
    let z1 = segs
        .iter()
        .find(|s| s["document"] == "zoom" && s["speaker"] == "Ben Okoro")
        .unwrap();
    assert_eq!(z1["start_ms"], 4500);
    assert_eq!(z1["end_ms"], 12000);
    assert_eq!(of("session").len(), 4);
    assert_eq!(
        of("notes").len(),
        3,
        "markdown prose: one segment per paragraph"
    );
    assert_eq!(of("meeting-1").len(), 2);
    assert_eq!(
        of("meeting-2"),
        [("Chair".to_string(), "Budget next.".to_string())]
    );
    // Roles: from labels, and guessed from who asks.
    let sp = json(&ok(p.path(), &["list", "speakers", "--format", "json"]));
    let role = |n: &str| {
        sp.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()["role"]
            .clone()
    };
    assert_eq!(role("Interviewer"), "interviewer");
    assert_eq!(role("P7"), "participant");
    assert_eq!(role("Ana Ruiz"), "interviewer");
    assert_eq!(role("Cara Lind"), "participant");
}

#[test]
fn bad_files_are_reported_and_the_rest_is_added() {
    let p = project();
    let out = quarry(p.path())
        .args(["add", fixture("bad").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(err.contains("broken.vtt:6: bad timing line"), "{err}");
    assert!(
        err.contains("binary.txt: this looks like a binary file"),
        "{err}"
    );
    assert!(err.contains("fake.docx: not a zip archive"), "{err}");
    assert!(err.contains("empty.txt: holds no text"), "{err}");
    assert!(err.contains("turns.jsonl:2: not a JSON object"), "{err}");
    assert!(err.contains("turns.jsonl:3: no \"text\" field"), "{err}");
    assert!(stdout.contains("Added 2 documents"), "{stdout}");
    let docs = ok(p.path(), &["list", "documents", "--format", "csv"]);
    assert!(docs.contains(",ok,") && docs.contains(",m,"), "{docs}");
    // The JSONL document keeps its good lines.
    assert_eq!(count(p.path(), "doc:m"), 2);
}

#[test]
fn readding_is_a_no_op_and_changes_need_replace() {
    let p = project();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("talk.txt");
    std::fs::write(
        &f,
        "I: What helps?\nR: Open access helps.\nI: Anything else?\nR: Time.\n",
    )
    .unwrap();
    let fs = f.to_str().unwrap();
    ok(p.path(), &["add", fs]);
    let out = ok(p.path(), &["add", fs]);
    assert!(
        out.contains("Added 0 documents") && out.contains("unchanged: 1"),
        "{out}"
    );
    std::fs::write(
        &f,
        "I: What helps?\nR: Podcasts help.\nI: Anything else?\nR: Time.\n",
    )
    .unwrap();
    quarry(p.path())
        .args(["add", fs])
        .assert()
        .code(1)
        .stderr(contains("--replace"));
    assert_eq!(count(p.path(), "podcast"), 0);
    let out = ok(p.path(), &["add", "--replace", fs]);
    assert!(out.contains("Replaced 1"), "{out}");
    assert_eq!(count(p.path(), "podcast"), 1);
    assert_eq!(count(p.path(), "open"), 0);
    assert_eq!(
        ok(p.path(), &["list", "documents", "--format", "csv"])
            .lines()
            .count(),
        2
    );
    // The same content from another path is not added twice.
    let copy = dir.path().join("copy.txt");
    std::fs::copy(&f, &copy).unwrap();
    let out = ok(p.path(), &["add", copy.to_str().unwrap()]);
    assert!(out.contains("same content as talk"), "{out}");
}

#[test]
fn encodings_are_read_and_normalised() {
    let p = project();
    let dir = tempfile::tempdir().unwrap();
    // Windows-1252 with CRLF, and UTF-16LE with a BOM.
    std::fs::write(
        dir.path().join("w1252.txt"),
        b"I: Caf\xe9?\r\nR: Na\xefve \x93quotes\x94.\r\nI: Ok.\r\nR: Bye.\r\n",
    )
    .unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "I: Zoë?\nR: Café.\nI: Ok.\nR: Bye.\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    std::fs::write(dir.path().join("u16.txt"), utf16).unwrap();
    ok(p.path(), &["add", dir.path().to_str().unwrap()]);
    let segs = ok(p.path(), &["list", "segments", "--format", "csv"]);
    assert!(segs.contains("Naïve “quotes”."), "{segs}");
    assert!(segs.contains("Café."), "{segs}");
    assert!(!segs.contains('\r'));
    assert_eq!(count(p.path(), "café"), 2);
}

#[test]
fn sample_study_ingests_every_format() {
    let p = sample_project();
    let docs = json(&ok(p.path(), &["list", "documents", "--format", "json"]));
    let docs = docs.as_array().unwrap();
    assert_eq!(
        docs.len(),
        20,
        "14 interviews, the field notes, 4 post threads and the loose posts"
    );
    for d in docs
        .iter()
        .filter(|d| d["name"].as_str().unwrap().starts_with('P'))
    {
        assert!(d["segments"].as_u64().unwrap() >= 25, "{d}");
        let attrs = d["attributes"].as_array().unwrap();
        assert!(
            attrs.iter().any(|a| a[0] == "country"),
            "attributes imported: {d}"
        );
    }
    let formats: std::collections::BTreeSet<_> =
        docs.iter().map(|d| d["format"].as_str().unwrap()).collect();
    assert_eq!(
        formats.into_iter().collect::<Vec<_>>(),
        ["csv", "docx", "markdown", "odt", "srt", "text", "vtt"]
    );
    let sp = json(&ok(p.path(), &["list", "speakers", "--format", "json"]));
    let interviewers: Vec<_> = sp
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["role"] == "interviewer")
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        interviewers,
        ["I", "INTERVIEWER", "Interviewer", "Lena Marsh"]
    );
    assert!(
        sp.as_array()
            .unwrap()
            .iter()
            .filter(|s| !s["name"].as_str().unwrap().starts_with('@'))
            .all(|s| !s["role"].is_null()),
        "every speaker in the interviews has a role"
    );
    // Post authors have none: a post says nothing about who interviews whom.
    assert!(sp
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with('@'))
        .all(|s| s["role"].is_null()));
}

#[test]
fn search_outputs_quotes_with_place_and_highlight() {
    let p = sample_project();
    let out = ok(p.path(), &["search", "lurker", "--limit", "2"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("P02_interview") && first.contains("P02") && first.contains("L7"),
        "{out}"
    );
    assert!(out.contains("matching segments; showing 1-2"), "{out}");
    // Colour when asked for through a terminal is tested in print; here NO_COLOR keeps it plain.
    assert!(!out.contains('\x1b'));
    let j = json(&ok(
        p.path(),
        &["search", "lurker", "--format", "json", "--limit", "0"],
    ));
    let total = j["total"].as_u64().unwrap();
    assert_eq!(j["hits"].as_array().unwrap().len() as u64, total);
    for h in j["hits"].as_array().unwrap() {
        let text: Vec<char> = h["text"].as_str().unwrap().chars().collect();
        for r in h["highlights"].as_array().unwrap() {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            let w: String = text[a..b].iter().collect();
            assert!(w.to_lowercase().starts_with("lurker"), "{w}");
        }
    }
    let csv = ok(p.path(), &["search", "lurker", "--format", "csv"]);
    assert!(csv.starts_with("segment,document,speaker,role,start,line"));
    let jsonl = ok(
        p.path(),
        &["search", "lurker", "--format", "jsonl", "--limit", "0"],
    );
    assert_eq!(jsonl.lines().count() as u64, total);
    // Context turns come from the same document, around the hit.
    let j = json(&ok(
        p.path(),
        &[
            "search",
            "lurker",
            "--format",
            "json",
            "--context",
            "1",
            "--limit",
            "1",
        ],
    ));
    let h = &j["hits"][0];
    assert_eq!(h["before"].as_array().unwrap().len(), 1);
    assert_eq!(h["before"][0]["document"], h["document"]);
    assert_eq!(h["before"][0]["speaker"], "INTERVIEWER");
}

#[test]
fn ranked_search_and_paging() {
    let p = sample_project();
    let all = json(&ok(
        p.path(),
        &["search", "hierarchy", "--format", "json", "--limit", "0"],
    ));
    let ranked = json(&ok(
        p.path(),
        &[
            "search",
            "hierarchy",
            "--format",
            "json",
            "--limit",
            "0",
            "--rank",
        ],
    ));
    let ids = |v: &serde_json::Value| {
        let mut x: Vec<u64> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["segment"].as_u64().unwrap())
            .collect();
        x.sort();
        x
    };
    assert_eq!(ids(&all), ids(&ranked), "same hits in another order");
    let page2 = json(&ok(
        p.path(),
        &[
            "search",
            "hierarchy",
            "--format",
            "json",
            "--limit",
            "2",
            "--offset",
            "2",
        ],
    ));
    assert_eq!(page2["hits"][0]["segment"], all["hits"][2]["segment"]);
}

#[test]
fn syntax_errors_point_at_the_column() {
    let p = project();
    quarry(p.path())
        .args(["search", "trust AND (evidence"])
        .assert()
        .code(2)
        .stderr(contains("bad query: this `(` is never closed"))
        .stderr(contains("\n            ^"));
    fails(p.path(), &["search", "role:boss"], "role:interviewer");
}

#[test]
fn show_and_list() {
    let p = sample_project();
    let out = ok(p.path(), &["show", "P09_interview"]);
    assert!(out.starts_with("P09_interview"));
    assert!(out.contains("Lena Marsh (interviewer)") && out.contains("Zoë Campbell (participant)"));
    let seg = json(&ok(
        p.path(),
        &["search", "lurker", "--format", "json", "--limit", "1"],
    ))["hits"][0]["segment"]
        .as_u64()
        .unwrap();
    let out = ok(
        p.path(),
        &["show", &format!("P02_interview#{seg}"), "--context", "1"],
    );
    assert!(out.contains(&format!("▶#{seg}")), "{out}");
    assert_eq!(
        out.matches('#').count(),
        3,
        "the segment and one turn either side: {out}"
    );
    fails(p.path(), &["show", "nope"], "no document named `nope`");
    let csv = ok(
        p.path(),
        &[
            "list",
            "segments",
            "--document",
            "P01_interview",
            "--format",
            "csv",
        ],
    );
    assert!(csv.lines().count() > 20);
    let sp = ok(p.path(), &["list", "speakers"]);
    assert!(sp.contains("Lena Marsh") && sp.contains("guess"));
}

#[test]
fn speakers_set_overrides_a_role() {
    let p = sample_project();
    let before = count(p.path(), "role:interviewer");
    ok(
        p.path(),
        &["speakers", "set", "Tom Becker", "--role", "interviewer"],
    );
    assert!(count(p.path(), "role:interviewer") > before);
    let sp = ok(p.path(), &["list", "speakers", "--format", "csv"]);
    assert!(sp.contains("Tom Becker,interviewer,user"), "{sp}");
    fails(
        p.path(),
        &["speakers", "set", "Nobody", "--role", "participant"],
        "no speaker `Nobody`",
    );
}

#[test]
fn add_overrides_and_attributes() {
    let p = project();
    ok(
        p.path(),
        &[
            "add",
            fixture("good/session.srt").to_str().unwrap(),
            "--interviewer",
            "Cara Lind",
            "--attr",
            "site=Leeds",
        ],
    );
    assert_eq!(count(p.path(), "role:interviewer"), 2);
    assert_eq!(count(p.path(), "attr.site:leeds"), 4);
    fails(
        p.path(),
        &["add", "x.txt", "--attr", "novalue"],
        "KEY=VALUE",
    );
}

#[test]
fn attribute_import_reports_bad_rows() {
    let p = project();
    ok(
        p.path(),
        &["add", fixture("good/labels.txt").to_str().unwrap()],
    );
    let out = quarry(p.path())
        .args([
            "attrs",
            "import",
            fixture("attrs_bad.csv").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("attrs_bad.csv:3: no document or speaker named `no-such-document`"),
        "{err}"
    );
    assert!(
        err.contains("attrs_bad.csv:4: the first column is empty"),
        "{err}"
    );
    assert_eq!(count(p.path(), "attr.country:canada"), 4);
}

#[test]
fn reindex_and_a_lost_index_give_the_same_results() {
    let p = sample_project();
    let q = [
        "search",
        "trust OR evidence",
        "--format",
        "json",
        "--limit",
        "0",
    ];
    let before = ok(p.path(), &q);
    assert!(ok(p.path(), &["reindex"]).contains("Rebuilt the index"));
    assert_eq!(ok(p.path(), &q), before);
    std::fs::remove_dir_all(p.path().join(".quarry/index")).unwrap();
    let out = quarry(p.path()).args(q).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("rebuilt"));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), before);
}

#[test]
fn parallel_and_single_thread_ingest_store_the_same() {
    let a = project();
    let b = project();
    let sample = repo().join("data/sample");
    ok(
        a.path(),
        &["--threads", "1", "add", sample.to_str().unwrap()],
    );
    ok(
        b.path(),
        &["--threads", "2", "add", sample.to_str().unwrap()],
    );
    let list = |d: &Path| ok(d, &["list", "segments", "--format", "csv"]);
    assert_eq!(list(a.path()), list(b.path()));
    let sp = |d: &Path| ok(d, &["list", "speakers", "--format", "csv"]);
    assert_eq!(sp(a.path()), sp(b.path()));
}

#[test]
fn demo_runs_the_main_job() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dir.path(),
        &["demo", "--out", dir.path().join("demo").to_str().unwrap()],
    );
    assert!(out.contains("Added 20 documents"), "{out}");
    assert!(out.contains("Posts: 24 added"), "{out}");
    assert!(out.contains("1 post without text"), "{out}");
    assert!(out.contains("Guessed: Lena Marsh is interviewer"), "{out}");
    assert!(out.matches("matching segments").count() >= 6, "{out}");
    // The kept project works with the other commands.
    let n = count(&dir.path().join("demo"), "misinformation");
    assert!(n >= 3);
}

#[test]
fn output_is_never_a_terminal_escape_or_a_formula() {
    let p = project();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.txt"),
        "I: =HYPERLINK(\"http://x\") teaching\nR: \x1b[31mteaching\x1b[0m\x07 again\nI: ok\nR: ok\n",
    )
    .unwrap();
    ok(p.path(), &["add", dir.path().to_str().unwrap()]);
    let table = ok(p.path(), &["search", "teaching"]);
    assert!(
        !table.contains('\x1b') && !table.contains('\x07'),
        "{table:?}"
    );
    let csv = ok(p.path(), &["search", "teaching", "--format", "csv"]);
    assert!(
        csv.contains("'=HYPERLINK") && !csv.contains(",=HYPERLINK"),
        "{csv}"
    );
}

#[test]
fn documents_with_one_file_name_get_names_apart() {
    let p = project();
    let dir = tempfile::tempdir().unwrap();
    for (sub, word) in [("a", "first"), ("b", "second")] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(
            dir.path().join(sub).join("talk.txt"),
            format!("I: Which?\nR: The {word} one.\nI: Sure?\nR: Yes.\n"),
        )
        .unwrap();
    }
    ok(p.path(), &["add", dir.path().to_str().unwrap()]);
    let docs = ok(p.path(), &["list", "documents", "--format", "csv"]);
    assert!(
        docs.contains(",talk,") && docs.contains(",talk (2),"),
        "{docs}"
    );
    assert!(ok(p.path(), &["show", "talk (2)"]).contains("second"));
    assert!(
        ok(p.path(), &["show", "TALK"]).contains("first"),
        "names match case-insensitively"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error_in_any_format() {
    let p = super::sample_project();
    let d = p.path();
    for format in ["table", "csv", "json"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("quarry"))
            .current_dir(d)
            .args([
                "search",
                "trust OR evidence OR teach*",
                "--limit",
                "0",
                "--format",
                format,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before quarry writes (`quarry search ... | head -0`).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{format}: {:?}", out.status);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
    }
}
