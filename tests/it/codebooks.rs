//! Codebooks through the real binary: the built-in ones, a file of ours, errors.

use super::{fixture, json, ok, quarry, sample_project};

#[test]
fn built_in_codebooks_pass_check_and_match_the_sample_study() {
    let p = sample_project();
    let d = p.path();
    let list = ok(d, &["codebook", "list"]);
    for name in ["tdf", "kta", "sm-uptake"] {
        assert!(list.contains(name), "{list}");
        let out = ok(d, &["codebook", "check", name]);
        assert!(!out.contains("warning"), "{name}: {out}");
        // Each top-level code is a search; together they match a good part of the study.
        let show = ok(d, &["codebook", "explain", name]);
        let tops: Vec<&str> = show
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.is_empty() && l.matches('.').count() == 1)
            .collect();
        assert!(!tops.is_empty(), "{show}");
        let mut matched = 0;
        for code in &tops {
            let n: u64 = ok(
                d,
                &["search", "--count", "--codebook", name, "--code", code],
            )
            .trim()
            .parse()
            .unwrap();
            matched += u64::from(n > 0);
        }
        assert!(
            matched * 2 >= tops.len() as u64,
            "{name}: only {matched} of {} top-level codes match the sample",
            tops.len()
        );
    }
}

#[test]
fn sm_uptake_codes_each_find_their_quotes() {
    let p = sample_project();
    let d = p.path();
    // The study's own codebook: every code matches something in its own sample.
    let explain = ok(d, &["codebook", "explain", "sm-uptake"]);
    for code in explain.lines().filter(|l| l.starts_with("smu.")) {
        let hits = json(&ok(
            d,
            &[
                "search",
                "--codebook",
                "sm-uptake",
                "--code",
                code,
                "--limit",
                "0",
                "--format",
                "json",
            ],
        ));
        assert!(
            hits["total"].as_u64().unwrap() > 0,
            "{code} matches nothing"
        );
    }
}

#[test]
fn codebook_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(
        &f,
        "[codebook]\nid = \"b\"\nname = \"Bad\"\n\n[[code]]\nid = \"b.x\"\nname = \"X\"\nrules = [\"trust NEAR/0 evidence\"]\n",
    )
    .unwrap();
    quarry(dir.path())
        .args(["codebook", "show", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.toml:8:"))
        .stderr(predicates::str::contains("NEAR/0 can never match"));
    quarry(dir.path())
        .args(["codebook", "show", "no-such-codebook"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("built in: tdf, kta, sm-uptake"));
}

#[test]
fn check_with_the_corpus_shows_what_rules_catch() {
    let p = sample_project();
    let d = p.path();
    let book = fixture("codebooks/study.toml");
    let out = quarry(d)
        .args([
            "codebook",
            "check",
            book.to_str().unwrap(),
            "--corpus",
            "--max-share",
            "3",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("study.passive"), "{text}");
    // The prefix rule lists the words it catches, with counts.
    assert!(text.contains("lurker ("), "{text}");
    assert!(text.contains("rules run on 492 segments"), "{text}");
    // Rules over 3% of segments are flagged, and then the exit code says so.
    if text.contains("is it too broad") {
        assert_eq!(out.status.code(), Some(1));
    }
}

#[test]
fn new_writes_a_template_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["codebook", "new", "mine"]);
    let show = ok(d, &["codebook", "show", "mine.toml"]);
    assert!(
        show.contains("mine.example_domain.example_construct"),
        "{show}"
    );
    quarry(d)
        .args(["codebook", "new", "mine"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("exists"));
}

#[test]
fn qdc_export_and_import_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &["codebook", "export", "kta", "-o", "kta.qdc"]);
    assert!(out.contains("Wrote kta.qdc (11 codes)"), "{out}");
    let xml = std::fs::read_to_string(d.join("kta.qdc")).unwrap();
    assert!(xml.contains("urn:QDA-XML:codebook:1.0"), "{xml}");
    // The same export twice is the same file (stable GUIDs).
    ok(d, &["codebook", "export", "kta", "-o", "again.qdc"]);
    assert_eq!(xml, std::fs::read_to_string(d.join("again.qdc")).unwrap());
    let out = ok(d, &["codebook", "import", "kta.qdc", "-o", "back.toml"]);
    assert!(out.contains("11 codes"), "{out}");
    let show = ok(d, &["codebook", "show", "back.toml"]);
    assert!(show.contains("Adapt knowledge to local context"), "{show}");
    // A Taguette-style codebook with an empty <Sets/> imports.
    let tag = fixture("qdc/taguette.qdc");
    ok(
        d,
        &[
            "codebook",
            "import",
            tag.to_str().unwrap(),
            "-o",
            "tag.toml",
        ],
    );
    quarry(d)
        .args(["codebook", "export", "kta", "--format", "csv"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only qdc"));
}
