//! Issue 15, outputs: machine formats write every row, search CSV carries every JSON field,
//! names and ids are never cut to the same text, documents and codebooks are found by the
//! names people type, agreement says what it compares, a tuned codebook says which version runs.

use super::{fails, json, ok, quarry, repo, sample_project};
use std::path::Path;

/// Parses CSV output into its header and rows.
fn csv_rows(s: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(s.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Runs quarry, expects success, returns (stdout, stderr).
fn run(d: &Path, args: &[&str]) -> (String, String) {
    let out = quarry(d).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "quarry {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

// Item 1: machine formats are not cut at the table's page size.
#[test]
fn r15_machine_formats_write_every_hit_unless_limit_is_given() {
    let p = sample_project();
    let d = p.path();
    let q = "role:participant";
    let total = super::count(d, q) as usize;
    assert!(total > 20, "the query must match more than a page: {total}");
    let (_, rows) = csv_rows(&ok(d, &["search", q, "--format", "csv"]));
    assert_eq!(rows.len(), total);
    let j = json(&ok(d, &["search", q, "--format", "json"]));
    assert_eq!(j["hits"].as_array().unwrap().len(), total);
    let lines = ok(d, &["search", q, "--format", "jsonl"]);
    assert_eq!(lines.lines().count(), total);
    // An explicit --limit is obeyed, and the cut is said on stderr.
    let (out, err) = run(d, &["search", q, "--format", "csv", "--limit", "5"]);
    assert_eq!(csv_rows(&out).1.len(), 5);
    assert!(
        err.contains(&format!("wrote 5 of {total} matching")),
        "{err}"
    );
    // The table pages, and says so.
    let table = ok(d, &["search", q]);
    assert!(
        table.contains(&format!(
            "{total} matching segments; showing 1-20 (--limit 0 shows all)"
        )),
        "{table}"
    );
}

#[test]
fn r15_triage_machine_formats_write_every_row_and_the_table_says_when_cut() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "tdf"]);
    let t = json(&ok(d, &["triage", "--codebook", "tdf", "--format", "json"]));
    let suggested = t["suggested"].as_u64().unwrap() as usize;
    assert!(suggested > 10, "{suggested}");
    assert_eq!(t["segments"].as_array().unwrap().len(), suggested);
    assert_eq!(
        t["unsuggested_segments"].as_array().unwrap().len() as u64,
        t["unsuggested"].as_u64().unwrap()
    );
    let table = ok(d, &["triage", "--codebook", "tdf"]);
    assert!(
        table.contains(&format!(
            "Segments with the most codes (the first 10 of {suggested}; --limit 0 shows all)"
        )),
        "{table}"
    );
    // Codes by name (item 16), ids on request.
    let id = t["documents"][0]["codes"][0][0].as_str().unwrap();
    let name = ok(d, &["codebook", "show", "tdf"])
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{id}  "))
                .map(str::to_string)
        })
        .unwrap();
    let first = |out: &str| {
        out.lines()
            .find(|l| l.contains('%') && l.contains('/'))
            .unwrap()
            .to_string()
    };
    assert!(first(&table).contains(&name), "{table}");
    assert!(first(&ok(d, &["triage", "--codebook", "tdf", "--ids"])).contains(id));
}

// Item 4: every JSON key of a post hit has a CSV column, with the same value.
#[test]
fn r15_search_csv_carries_every_json_field_of_a_post() {
    let p = sample_project();
    let d = p.path();
    let q = "hashtag:meded";
    let j = json(&ok(d, &["search", q, "--format", "json"]));
    let (header, rows) = csv_rows(&ok(d, &["search", q, "--format", "csv"]));
    let hits = j["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert_eq!(rows.len(), hits.len());
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no CSV column {name}: {header:?}"))
    };
    for (hit, row) in hits.iter().zip(&rows) {
        for (k, v) in hit.as_object().unwrap() {
            if k == "post" {
                for (pk, pv) in v.as_object().unwrap() {
                    let cell = &row[col(&format!("post_{pk}"))];
                    match pv {
                        serde_json::Value::String(s) => assert_eq!(cell, s, "post_{pk}"),
                        serde_json::Value::Array(a) if a.iter().all(|x| x.is_string()) => {
                            let want: Vec<&str> = a.iter().map(|x| x.as_str().unwrap()).collect();
                            assert_eq!(cell, &want.join("; "), "post_{pk}");
                        }
                        serde_json::Value::Null => assert_eq!(cell, "", "post_{pk}"),
                        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {}
                        other => assert_eq!(cell, &other.to_string(), "post_{pk}"),
                    }
                }
            } else if k == "text" {
                assert_eq!(&row[col("quote")], v.as_str().unwrap());
            } else {
                col(k);
            }
        }
        assert!(!row[col("post_id")].is_empty() && !row[col("post_url")].is_empty());
        assert!(row[col("post_hashtags")].to_lowercase().contains("meded"));
    }
}

/// A codebook whose two codes share their first 44 (and more) characters.
const LONG_IDS: &str = r#"
[codebook]
id = "long"
name = "Long ids"
version = "1"

[[code]]
id = "long.a_domain_whose_id_goes_on_and_on_and_on_and_on"
name = "Domain"
rules = ["rota"]

[[code]]
id = "long.a_domain_whose_id_goes_on_and_on_and_on_and_on.students_asking"
name = "Students asking"
rules = ["asked"]

[[code]]
id = "long.a_domain_whose_id_goes_on_and_on_and_on_and_on.students_answering"
name = "Students answering"
rules = ["question*"]
"#;

// Item 16: names by default, ids on request, never two values cut alike.
#[test]
fn r15_long_code_ids_sharing_a_prefix_stay_distinct_and_names_are_shown() {
    let p = sample_project();
    let d = p.path();
    std::fs::write(d.join("long.toml"), LONG_IDS).unwrap();
    ok(d, &["suggest", "--codebook", "long.toml"]);
    let ids = [
        "long.a_domain_whose_id_goes_on_and_on_and_on_and_on.students_asking",
        "long.a_domain_whose_id_goes_on_and_on_and_on_and_on.students_answering",
    ];
    assert_eq!(ids[0][..44], ids[1][..44]);
    let status = ok(d, &["status"]);
    assert!(status.contains("Students asking"), "{status}");
    assert!(status.contains("Students answering"), "{status}");
    let labels = |out: &str, n: usize| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("long.") || l.starts_with('#'))
            .map(|l| l.split_whitespace().nth(n).unwrap_or_default().to_string())
            .collect()
    };
    let by_id = ok(d, &["status", "--ids"]);
    let shown = labels(&by_id, 0);
    assert!(
        shown.iter().any(|s| s.ends_with("students_asking")),
        "{by_id}"
    );
    assert!(
        shown.iter().any(|s| s.ends_with("students_answering")),
        "{by_id}"
    );
    let mut distinct = shown.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), shown.len(), "two ids shown alike: {by_id}");
    // Each shown id is the id or keeps both its start and its end.
    for s in &shown {
        let (head, tail) = s.split_once('…').unwrap_or((s, ""));
        assert!(
            ids.iter()
                .chain(["long.a_domain_whose_id_goes_on_and_on_and_on_and_on"].iter())
                .any(|id| id.starts_with(head) && id.ends_with(tail)),
            "{s}"
        );
    }
    let listed = ok(d, &["list", "suggestions"]);
    assert!(listed.contains("Students asking"), "{listed}");
    let listed = ok(d, &["list", "suggestions", "--ids"]);
    let codes: std::collections::BTreeSet<String> = labels(&listed, 1).into_iter().collect();
    // Three codes, three different labels, each keeping its id's distinguishing end.
    assert_eq!(codes.len(), 3, "{listed}");
    assert!(codes.iter().any(|s| s.ends_with("_asking")), "{listed}");
    assert!(codes.iter().any(|s| s.ends_with("_answering")), "{listed}");
}

// Item 17: a unique start of a document name, `#ID` alone, and helpful misses.
#[test]
fn r15_show_finds_documents_by_prefix_and_segments_by_id() {
    let p = sample_project();
    let d = p.path();
    let whole = ok(d, &["show", "P07"]);
    assert!(whole.starts_with("P07_interview"), "{whole}");
    let seg = json(&ok(
        d,
        &["list", "segments", "--document", "P07", "--format", "json"],
    ));
    let id = seg[3]["segment"].as_i64().unwrap();
    let one = ok(d, &["show", &format!("#{id}")]);
    assert!(one.starts_with("P07_interview"), "{one}");
    assert!(one.contains(&format!("▶#{id}")), "{one}");
    assert!(ok(d, &["show", &format!("P07#{id}")]).contains(&format!("▶#{id}")));
    fails(d, &["show", "P0"], "`P0` starts 9 document names");
    fails(d, &["show", "P7_interview"], "the closest: `P07_interview`");
    fails(d, &["show", "#999999"], "no segment #999999");
}

// Item 18: built-in names in any case; an unknown name lists what there is.
#[test]
fn r15_codebook_names_are_case_insensitive_and_unknown_ones_list_the_choices() {
    let p = sample_project();
    let d = p.path();
    assert!(ok(d, &["codebook", "show", "TDF"]).contains("(tdf)"));
    ok(d, &["suggest", "--codebook", "Kta", "--dry-run"]);
    let out = quarry(d)
        .args(["suggest", "--codebook", "tdff"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(!err.contains(":1:1"), "{err}");
    assert!(err.contains("tdf, kta, sm-uptake"), "{err}");
    assert!(err.contains("path"), "{err}");
    // A codebook the project ran from a file is known by its id, and listed.
    std::fs::write(d.join("long.toml"), LONG_IDS).unwrap();
    ok(d, &["suggest", "--codebook", "long.toml"]);
    std::fs::create_dir(d.join("elsewhere")).unwrap();
    let sub = d.join("elsewhere");
    assert!(ok(&sub, &["codebook", "show", "long"]).contains("(long)"));
    fails(
        &sub,
        &["codebook", "show", "lon"],
        "This project also knows: long (",
    );
    assert!(ok(&sub, &["codebook", "list"]).contains("long       in this project"));
}

// Item 19: agreement finds its codebook, says "–" without shared units, and shows what to
// discuss.
#[test]
fn r15_agreement_without_codebook_no_shared_units_and_quotes_to_discuss() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "tdf"]);
    ok(
        d,
        &[
            "review", "export", "--coder", "ana", "--out", "ana.csv", "--sample", "6",
        ],
    );
    let fill = |file: &str, out: &str, yes: &dyn Fn(usize) -> bool| {
        let mut r = csv::Reader::from_path(d.join(file)).unwrap();
        let header = r.headers().unwrap().clone();
        let col = header.iter().position(|h| h == "decision").unwrap();
        let mut w = csv::Writer::from_path(d.join(out)).unwrap();
        w.write_record(&header).unwrap();
        for (i, rec) in r.records().enumerate() {
            let mut cells: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
            cells[col] = if yes(i) { "accept" } else { "reject" }.into();
            w.write_record(&cells).unwrap();
        }
        w.flush().unwrap();
    };
    fill("ana.csv", "ana-filled.csv", &|_| true);
    ok(d, &["review", "import", "ana-filled.csv", "--coder", "ana"]);
    // Nobody else decided yet: no shared units.
    let none = ok(d, &["agreement", "--coders", "ana,bo"]);
    assert!(none.contains("     0        –"), "{none}");
    assert!(
        none.contains("No (segment, code) pair was judged by both"),
        "{none}"
    );
    let j = json(&ok(
        d,
        &["agreement", "--coders", "ana,bo", "--format", "json"],
    ));
    assert!(j["overall"]["percent"].is_null(), "{j}");
    // bo decides the same suggestions, rejecting the first.
    ok(
        d,
        &[
            "review", "export", "--coder", "bo", "--out", "bo.csv", "--sample", "6",
        ],
    );
    fill("bo.csv", "bo-filled.csv", &|i| i > 0);
    ok(d, &["review", "import", "bo-filled.csv", "--coder", "bo"]);
    let j = json(&ok(
        d,
        &["agreement", "--coders", "ana,bo", "--format", "json"],
    ));
    let dis = &j["disagreements"][0];
    assert_eq!(dis["first_decision"], "accepted");
    assert_eq!(dis["second_decision"], "rejected");
    let text = dis["text"].as_str().unwrap();
    let code = dis["code"].as_str().unwrap();
    let name = ok(d, &["codebook", "show", "tdf"])
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{code}  "))
                .map(str::to_string)
        })
        .unwrap();
    let table = ok(d, &["agreement", "--coders", "ana,bo"]);
    assert!(table.contains("ana: accepted · bo: rejected"), "{table}");
    assert!(table.contains(&name), "{table}");
    let start: String = text.chars().take(40).collect();
    assert!(table.contains(&start), "{table}");
    if text.chars().count() > 160 {
        assert!(table.contains("characters; `quarry show"), "{table}");
    }
}

// Item 20: suggest says which version of a codebook it applies after a tuned run.
#[test]
fn r15_suggest_says_which_version_it_applies_after_a_tuned_run() {
    let p = super::learn::decided_project();
    let d = p.path();
    ok(d, &["codebook", "tune", "t", "--out", "tuned.toml"]);
    let (_, err) = run(d, &["suggest", "--codebook", "tuned.toml"]);
    assert!(
        err.contains("applying version 1.0+tuned.1 from")
            && err.contains("its last run applied version 1.0 from"),
        "{err}"
    );
    // Back to the original file: said, not silent.
    let (_, err) = run(d, &["suggest", "--codebook", "cb.toml"]);
    assert!(err.contains("applying version 1.0 from"), "{err}");
    assert!(err.contains("tuned.toml"), "{err}");
    // --id makes a codebook of its own, and the original's later runs name it.
    let out = ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--out",
            "mine.toml",
            "--id",
            "t-tuned",
        ],
    );
    assert!(out.contains("codebook `t-tuned`"), "{out}");
    let mine = std::fs::read_to_string(d.join("mine.toml")).unwrap();
    assert!(mine.contains("id = \"t-tuned\""), "{mine}");
    ok(d, &["suggest", "--codebook", "mine.toml"]);
    ok(d, &["suggest", "--codebook", "tuned.toml"]);
    let (_, err) = run(d, &["suggest", "--codebook", "cb.toml"]);
    assert!(err.contains("the project also has t-tuned from"), "{err}");
    fails(
        d,
        &["codebook", "tune", "t", "--out", "x.toml", "--id", "t"],
        "is the codebook's own id",
    );
    let _ = repo();
}
