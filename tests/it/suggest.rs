//! `quarry suggest` through the real binary on the sample study.

use super::{count, json, ok, sample_project};
use quarry::project::Project;

#[test]
fn every_code_counts_what_its_search_finds_and_sm_uptake_finds_its_themes() {
    let p = sample_project();
    let d = p.path();
    let summary = json(&ok(
        d,
        &["suggest", "--codebook", "sm-uptake", "--format", "json"],
    ));
    let codes = summary.as_array().unwrap();
    assert_eq!(codes.len(), 16);
    for c in codes {
        let code = c["code"].as_str().unwrap();
        let n = c["segments"].as_u64().unwrap();
        // The sample was written to hold every theme of its codebook.
        assert!(n > 0, "{code} suggests nothing");
        let searched: u64 = ok(
            d,
            &[
                "search",
                "--count",
                "--codebook",
                "sm-uptake",
                "--code",
                code,
            ],
        )
        .trim()
        .parse()
        .unwrap();
        assert_eq!(n, searched, "{code}");
        assert!(
            c["top_terms"].as_array().is_some_and(|t| !t.is_empty()),
            "{c}"
        );
    }
    // Nothing is coded: suggestions wait in their own table.
    let stored = json(&ok(d, &["list", "suggestions", "--format", "json"]));
    assert!(!stored.as_array().unwrap().is_empty());
    assert!(count(d, "misinformation") > 0);
}

#[test]
fn evidence_slices_the_stored_text_to_the_matched_words() {
    let p = sample_project();
    let d = p.path();
    ok(
        d,
        &["suggest", "--codebook", "sm-uptake", "--codebook", "tdf"],
    );
    let project = Project::open(d).unwrap();
    let rows = project.store().suggestions().unwrap();
    assert!(rows.len() > 100, "{}", rows.len());
    let mut texts = std::collections::HashMap::new();
    for r in &rows {
        let seg = project
            .store()
            .segments(&[r.segment])
            .unwrap()
            .pop()
            .unwrap();
        let doc: &Vec<char> = texts.entry(seg.document_id).or_insert_with(|| {
            project
                .store()
                .document_text(seg.document_id)
                .unwrap()
                .chars()
                .collect()
        });
        assert!(!r.evidence.is_empty(), "{r:?}");
        for &(a, b) in &r.evidence {
            assert!(
                seg.char_start <= a && b <= seg.char_end && a < b,
                "{r:?} {seg:?}"
            );
            let word: String = doc[a..b].iter().collect();
            assert!(word.chars().next().unwrap().is_alphanumeric(), "{word:?}");
            assert!(!word.contains(char::is_whitespace), "{word:?}");
        }
        // The default scope: no interviewer turn, no repost.
        assert_ne!(seg.role, Some(quarry::Role::Interviewer), "{r:?}");
        assert!(!seg.post.as_ref().is_some_and(|p| p.is_repost), "{r:?}");
    }
}

#[test]
fn one_thread_and_two_give_the_same_suggestions_and_reruns_change_nothing() {
    let p = sample_project();
    let d = p.path();
    let list = || ok(d, &["list", "suggestions", "--format", "csv"]);
    ok(d, &["--threads", "1", "suggest", "--codebook", "tdf"]);
    let one = list();
    // A second run has nothing new to read.
    let again = ok(d, &["suggest", "--codebook", "tdf"]);
    assert!(again.contains("Read 0 of"), "{again}");
    assert_eq!(one, list());
    ok(
        d,
        &["--threads", "2", "suggest", "--codebook", "tdf", "--rerun"],
    );
    assert_eq!(one, list());
    // A dry run reports and stores nothing new.
    let out = ok(d, &["suggest", "--codebook", "kta", "--dry-run"]);
    assert!(out.contains("dry run"), "{out}");
    assert_eq!(one, list());
}

#[test]
fn widening_the_scope_reads_interviewers_and_reposts_too() {
    let p = sample_project();
    let d = p.path();
    let total = |args: &[&str]| -> u64 {
        let mut a = vec!["suggest", "--codebook", "sm-uptake", "--format", "json"];
        a.extend_from_slice(args);
        json(&ok(d, &a))
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["depth"] == 1)
            .map(|c| c["segments"].as_u64().unwrap())
            .sum()
    };
    let narrow = total(&[]);
    let with_interviewer = total(&["--include-interviewer"]);
    let with_reposts = total(&["--include-reposts"]);
    assert!(with_interviewer > narrow, "{with_interviewer} {narrow}");
    assert!(with_reposts > narrow, "{with_reposts} {narrow}");
    // The last run (reposts included) stored suggestions on reposts, none on interviewers.
    let project = Project::open(d).unwrap();
    let segs: Vec<_> = project
        .store()
        .suggestions()
        .unwrap()
        .iter()
        .map(|r| {
            project
                .store()
                .segments(&[r.segment])
                .unwrap()
                .pop()
                .unwrap()
        })
        .collect();
    assert!(segs
        .iter()
        .any(|s| s.post.as_ref().is_some_and(|p| p.is_repost)));
    assert!(segs
        .iter()
        .all(|s| s.role != Some(quarry::Role::Interviewer)));
}

/// Suggestions as (segment, code, state, words, evidence), without scores (a score is
/// computed when its suggestion is made, from the corpus as it was then).
fn listed(d: &std::path::Path) -> Vec<String> {
    json(&ok(d, &["list", "suggestions", "--format", "json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {}",
                r["segment"], r["code"], r["state"], r["words"], r["evidence"]
            )
        })
        .collect()
}

#[test]
fn after_an_add_only_the_new_segments_are_read() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let more = super::fixture("posts/meded_more.csv");
    ok(d, &["add", more.to_str().unwrap()]);
    let out = ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let project = Project::open(d).unwrap();
    let new_docs = project
        .store()
        .documents()
        .unwrap()
        .into_iter()
        .filter(|x| x.name.contains("meded_more"))
        .map(|x| x.segments)
        .sum::<usize>();
    assert!(new_docs > 0);
    assert!(
        out.contains(&format!("Read {new_docs} of")),
        "{new_docs}: {out}"
    );
    let incremental = listed(d);
    ok(d, &["suggest", "--codebook", "sm-uptake", "--rerun"]);
    assert_eq!(incremental, listed(d));
}

#[test]
fn an_edited_codebook_reruns_its_changed_rules_and_keeps_decisions() {
    let p = sample_project();
    let d = p.path();
    let (book, original) = study_book(d);
    let b = book.to_str().unwrap();
    ok(d, &["suggest", "--codebook", b]);
    // A person decides on two suggestions of the rule about to go.
    let mut project = Project::open(d).unwrap();
    let rows = project.store().suggestions().unwrap();
    let lurk: Vec<_> = rows
        .iter()
        .filter(|r| r.rules == ["lurk*"])
        .cloned()
        .collect();
    assert!(lurk.len() >= 3, "{lurk:?}");
    for (r, accept) in lurk.iter().take(2).zip([true, false]) {
        project
            .store_mut()
            .decide(&quarry::store::NewDecision {
                coder: "ana".into(),
                segment: r.segment,
                codebook: r.codebook.clone(),
                code: r.code.clone(),
                accept,
                replacement: None,
                memo: None,
                answered: None,
                at: None,
            })
            .unwrap();
    }
    drop(project);
    // The rule is dropped and another one edited.
    let edited = original.replace("\"lurk*\", ", "").replace(
        "\"paywall* OR bandwidth\"",
        "\"paywall* OR bandwidth OR firewall\"",
    );
    assert_ne!(edited, original);
    std::fs::write(&book, &edited).unwrap();
    let out = ok(d, &["suggest", "--codebook", b]);
    // The edited rule, and the rule of study.use that refers to its code.
    assert!(out.contains("(2 new or edited rules also read"), "{out}");
    let after = Project::open(d).unwrap().store().suggestions().unwrap();
    for (i, r) in lurk.iter().enumerate() {
        let now = after
            .iter()
            .find(|x| x.segment == r.segment && x.code == r.code);
        if i < 2 {
            // Decided: kept, marked as coming from a changed rule.
            let now = now.expect("a decided suggestion is kept");
            assert!(now.changed, "{now:?}");
        } else if let Some(now) = now {
            // Undecided: gone, unless another rule still makes it.
            assert!(!now.rules.contains(&"lurk*".to_string()), "{now:?}");
        }
    }
    // The decisions themselves are untouched.
    let project = Project::open(d).unwrap();
    assert_eq!(project.store().decided("study").unwrap().len(), 2);
    drop(project);
    // What the edited codebook suggests is what a full run of it suggests, besides the
    // decided suggestions kept.
    let incremental: Vec<String> = listed(d)
        .into_iter()
        .filter(|l| !l.contains("withdrawn"))
        .collect();
    let fresh = sample_project();
    std::fs::write(fresh.path().join("study.toml"), &edited).unwrap();
    ok(fresh.path(), &["suggest", "--codebook", "study.toml"]);
    let full = listed(fresh.path());
    // Segment ids are the same in both projects (same files, same order).
    assert_eq!(incremental, full);
}

#[test]
fn sentence_units_are_tighter_than_turns_and_hold_the_evidence() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "tdf", "--unit", "sentence"]);
    let rows = json(&ok(d, &["list", "suggestions", "--format", "json"]));
    let project = Project::open(d).unwrap();
    let mut tighter = 0;
    for r in rows.as_array().unwrap() {
        let seg = segment_of(&project, r);
        let spans: Vec<(usize, usize)> = serde_json::from_value(r["spans"].clone()).unwrap();
        let evidence: Vec<(usize, usize)> = serde_json::from_value(r["evidence"].clone()).unwrap();
        assert!(!spans.is_empty());
        for &(a, b) in &spans {
            assert!(seg.char_start <= a && a < b && b <= seg.char_end, "{r}");
        }
        // Every matched word lies in a span.
        for &(a, b) in &evidence {
            assert!(spans.iter().any(|&(x, y)| x <= a && b <= y), "{r}");
        }
        let covered: usize = spans.iter().map(|(a, b)| b - a).sum();
        if covered < seg.char_end - seg.char_start {
            tighter += 1;
        }
    }
    assert!(tighter > 10, "{tighter}");
    // The default unit is the turn: switching back re-runs and spans the whole segments.
    ok(d, &["suggest", "--codebook", "tdf"]);
    let rows = json(&ok(d, &["list", "suggestions", "--format", "json"]));
    let r = &rows[0];
    let seg = segment_of(&project, r);
    assert_eq!(r["spans"][0][0], seg.char_start);
    assert_eq!(r["spans"][0][1], seg.char_end);
}

/// The segment a listed suggestion is about.
fn segment_of(project: &Project, r: &serde_json::Value) -> quarry::Segment {
    let id = r["segment"].as_i64().unwrap();
    project.store().segments(&[id]).unwrap().pop().unwrap()
}

#[test]
fn triage_ranks_documents_and_lists_what_nothing_was_suggested_for() {
    let p = sample_project();
    let d = p.path();
    // Before any suggest run it says what to do.
    super::fails(d, &["triage", "--codebook", "sm-uptake"], "quarry suggest");
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let t = json(&ok(
        d,
        &[
            "triage",
            "--codebook",
            "sm-uptake",
            "--limit",
            "0",
            "--format",
            "json",
        ],
    ));
    let in_scope = t["in_scope"].as_u64().unwrap();
    let suggested = t["suggested"].as_u64().unwrap();
    let unsuggested = t["unsuggested"].as_u64().unwrap();
    assert!(suggested > 0 && unsuggested > 0);
    assert_eq!(suggested + unsuggested, in_scope);
    // Densities are in order and add up to the totals.
    let docs = t["documents"].as_array().unwrap();
    let dens: Vec<f64> = docs
        .iter()
        .map(|x| x["density"].as_f64().unwrap())
        .collect();
    assert!(dens.windows(2).all(|w| w[0] >= w[1]), "{dens:?}");
    let sum = |k: &str| docs.iter().map(|x| x[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("in_scope"), in_scope);
    assert_eq!(sum("suggested"), suggested);
    // The unsuggested list is what it says: no suggestion at all, and in scope (no
    // interviewer turn).
    let stored: std::collections::HashSet<i64> =
        json(&ok(d, &["list", "suggestions", "--format", "json"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["segment"].as_i64().unwrap())
            .collect();
    let project = Project::open(d).unwrap();
    let missed = t["unsuggested_segments"].as_array().unwrap();
    assert_eq!(missed.len() as u64, unsuggested);
    for m in missed {
        assert!(!stored.contains(&m["segment"].as_i64().unwrap()), "{m}");
        assert_ne!(
            segment_of(&project, m).role,
            Some(quarry::Role::Interviewer)
        );
    }
    // One code: fewer suggested segments, each with a code of that branch.
    let b = json(&ok(
        d,
        &[
            "triage",
            "--codebook",
            "sm-uptake",
            "--code",
            "smu.barriers",
            "--format",
            "json",
        ],
    ));
    assert!(b["suggested"].as_u64().unwrap() < suggested);
    for s in b["segments"].as_array().unwrap() {
        assert!(s["codes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.as_str().unwrap().starts_with("smu.barriers")));
    }
    let table = ok(d, &["triage", "--codebook", "sm-uptake"]);
    assert!(table.contains("Documents by suggestion density"), "{table}");
    assert!(table.contains("no suggestion at all"), "{table}");
}

#[test]
fn each_term_of_a_rule_is_measured_on_its_own() {
    let p = super::project();
    let d = p.path();
    std::fs::write(
        d.join("ward.txt"),
        "Interviewer: How was it?\nP1: She was kind of late.\n\
         Interviewer: And the staff?\nP1: Staff were kind and helpful.\n\
         Interviewer: The nurse?\nP1: Very helpful nurse.\n\
         Interviewer: Anything else?\nP1: A friendly face.\n\
         Interviewer: Food?\nP1: It was kind of fine.\n",
    )
    .unwrap();
    std::fs::write(
        d.join("cb.toml"),
        "[codebook]\nid = \"t\"\nname = \"T\"\n\n[[code]]\nid = \"t.k\"\nname = \"Kind staff\"\n\
         rules = [\"kind OR helpful\", \"friendly\"]\n",
    )
    .unwrap();
    ok(d, &["add", "ward.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    let out = super::quarry(d)
        .args([
            "review",
            "--coder",
            "ana",
            "--order",
            "document",
            "--codebook",
            "cb.toml",
        ])
        .write_stdin("r\na\na\na\nr\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let r = json(&ok(
        d,
        &["rules", "--codebook", "cb.toml", "--format", "json"],
    ));
    let code = &r["codes"][0];
    assert_eq!(code["accepted"], 3, "{code}");
    let rule = &code["rules"][0];
    assert_eq!(rule["rule"], "kind OR helpful");
    let term = |name: &str| {
        rule["terms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["term"] == name)
            .unwrap_or_else(|| panic!("{name}: {rule}"))
            .clone()
    };
    // "kind" found three suggestions, one accepted; none of the accepted ones alone.
    let kind = term("kind");
    assert_eq!(
        (&kind["fired"], &kind["decided"], &kind["accepted"]),
        (&3.into(), &3.into(), &1.into())
    );
    assert_eq!(kind["only"], 0);
    // "helpful" (stem "help") found two, both accepted, one of them alone: a third of the
    // code's accepts would go with it.
    let help = term("help");
    assert_eq!(
        (&help["fired"], &help["accepted"], &help["only"]),
        (&2.into(), &2.into(), &1.into())
    );
    assert!((help["only_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // A rule of one term: its term is the rule.
    let friendly = &code["rules"][1]["terms"];
    assert_eq!(friendly.as_array().unwrap().len(), 1);
    assert_eq!(friendly[0]["only"], 1);
    // Worst first: "kind" (1 of 3) leads; --min-decided drops what is decided too rarely.
    let worst = json(&ok(
        d,
        &[
            "rules",
            "--codebook",
            "cb.toml",
            "--worst",
            "--format",
            "json",
        ],
    ));
    assert_eq!(worst[0]["term"], "kind", "{worst}");
    assert_eq!(worst.as_array().unwrap().len(), 3);
    let few = json(&ok(
        d,
        &[
            "rules",
            "--codebook",
            "cb.toml",
            "--worst",
            "--min-decided",
            "2",
            "--format",
            "json",
        ],
    ));
    let names: Vec<&str> = few
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kind", "help"]);
    let table = ok(d, &["rules", "--codebook", "cb.toml"]);
    assert!(table.contains("term kind"), "{table}");
    assert!(
        table.contains("alone in 1 accepted (33% of the code's)"),
        "{table}"
    );
}

/// Runs quarry in `dir` with the suggest pipeline's batches and windows as small as they go.
fn ok_small_batches(dir: &std::path::Path, args: &[&str]) -> String {
    let mut cmd = super::quarry(dir);
    cmd.env("QUARRY_SUGGEST_BATCH", "1,2");
    super::succeed(cmd, args)
}

/// The study codebook copied into the project: its path there and its text.
fn study_book(d: &std::path::Path) -> (std::path::PathBuf, String) {
    let book = d.join("study.toml");
    let original = std::fs::read_to_string(super::fixture("codebooks/study.toml")).unwrap();
    std::fs::write(&book, &original).unwrap();
    (book, original)
}

#[test]
fn batches_and_windows_of_any_size_store_the_same_suggestions() {
    // The same runs (first, after an add, after a decision and an edited rule) with the
    // default batches and with one segment per batch and two per window of stored rows.
    let runs: [fn(&std::path::Path, &[&str]) -> String; 2] = [ok, ok_small_batches];
    let mut seen = Vec::new();
    for run in runs {
        let p = sample_project();
        let d = p.path();
        let (book, original) = study_book(d);
        let b = book.to_str().unwrap();
        let mut out = vec![run(d, &["suggest", "--codebook", b, "--codebook", "tdf"])];
        let more = super::fixture("posts/meded_more.csv");
        ok(d, &["add", more.to_str().unwrap()]);
        out.push(run(d, &["suggest", "--codebook", b, "--codebook", "tdf"]));
        let rows = Project::open(d).unwrap().store().suggestions().unwrap();
        let first = rows.iter().find(|r| r.codebook == "tdf").unwrap().clone();
        ok(
            d,
            &[
                "code",
                &first.segment.to_string(),
                &first.code,
                "--coder",
                "ana",
            ],
        );
        let edited = original.replace("\"lurk*\", ", "");
        assert_ne!(edited, original);
        std::fs::write(&book, &edited).unwrap();
        out.push(run(d, &["suggest", "--codebook", b, "--codebook", "tdf"]));
        out.push(ok(d, &["list", "suggestions", "--format", "json"]));
        seen.push(out);
    }
    assert_eq!(seen[0], seen[1]);
    // Each run did something: suggestions made, then read again.
    assert!(seen[0][1].contains("Read "), "{}", seen[0][1]);
}

#[test]
fn a_reading_error_midway_stores_nothing_of_the_run() {
    let p = sample_project();
    let d = p.path();
    // The last segment's row becomes unreadable: the run has written batches by then.
    let conn = rusqlite::Connection::open(d.join(".quarry/quarry.db")).unwrap();
    conn.execute(
        "UPDATE segments SET byte_start = 'x' WHERE id = (SELECT max(id) FROM segments)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = super::quarry(d)
        .env("QUARRY_SUGGEST_BATCH", "1,2")
        .args(["suggest", "--codebook", "tdf"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reading"), "{err}");
    let project = Project::open(d).unwrap();
    assert!(project.store().suggest_run("tdf").unwrap().is_none());
    assert!(project.store().suggestions().unwrap().is_empty());
}
