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
    ok(d, &["--threads", "2", "suggest", "--codebook", "tdf"]);
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
