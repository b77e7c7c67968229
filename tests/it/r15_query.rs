//! Issue 15, items 7 to 9: NEAR and BEFORE between prefixes, phrases and OR-groups; phrases
//! and NEAR that respect punctuation (in search, in rules, and in an index written before);
//! the corpus words a stem misses, named under the hits and by `codebook check --corpus`.

use super::*;

/// A project with one interview whose turns hold the punctuation cases.
fn punctuated() -> tempfile::TempDir {
    let p = project();
    std::fs::write(
        p.path().join("talk.txt"),
        "Interviewer: Tell me about it.\n\
         P1: It was so like, and I think that was it.\n\
         P1: I use social media for teaching.\n\
         P1: I trust them. Data is another matter.\n\
         P1: I trust them, data is what they share.\n\
         P1: We became aware of the new guidelines late.\n\
         P1: Anonymity on twitter matters; my tweets are public.\n\
         P1: Trustworthy sources, trustworthiness and trusting colleagues.\n",
    )
    .unwrap();
    ok(p.path(), &["add", "talk.txt"]);
    p
}

/// The quotes `query` finds.
fn quotes(d: &Path, query: &str) -> Vec<String> {
    json(&ok(d, &["search", query, "--format", "json"]))["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn r15_near_and_before_take_prefixes_phrases_and_groups() {
    let p = punctuated();
    let d = p.path();
    assert_eq!(
        quotes(d, "aware* NEAR/4 guideline*"),
        ["We became aware of the new guidelines late."]
    );
    assert_eq!(
        quotes(d, "\"social media\" NEAR/2 teaching"),
        ["I use social media for teaching."]
    );
    assert!(quotes(d, "\"social media\" NEAR/1 teaching").is_empty());
    assert_eq!(
        quotes(d, "anonymity NEAR/5 (twitter OR tweets)"),
        ["Anonymity on twitter matters; my tweets are public."]
    );
    assert_eq!(
        quotes(d, "exact:use BEFORE/3 \"social media\""),
        ["I use social media for teaching."]
    );
    assert!(quotes(d, "teaching BEFORE/5 \"social media\"").is_empty());
    // What is still refused points at the offending part.
    let out = quarry(d)
        .args(["search", "trust NEAR/3 speaker:p1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a field filter"), "{err}");
    assert!(
        err.contains(&format!("\n  {}^", " ".repeat("trust NEAR/3 ".len()))),
        "{err}"
    );
}

#[test]
fn r15_phrases_and_near_respect_punctuation() {
    let p = punctuated();
    let d = p.path();
    assert!(quotes(d, "\"like and\"").is_empty());
    assert_eq!(
        quotes(d, "\"social media\""),
        ["I use social media for teaching."]
    );
    // Across a comma NEAR still joins (the comma counts as one word); across a sentence end
    // it never does.
    assert_eq!(
        quotes(d, "trust NEAR/3 data"),
        ["I trust them, data is what they share."]
    );
    // In a codebook rule the same: "likes and" does not fire on "so like, and".
    std::fs::write(
        d.join("cb.toml"),
        "[codebook]\nid = \"t\"\nname = \"T\"\n\n[[code]]\nid = \"t.a\"\nname = \"A\"\n\
         rules = [\"\\\"likes and\\\"\", \"aware* NEAR/4 guideline*\"]\n",
    )
    .unwrap();
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    let s = json(&ok(d, &["list", "suggestions", "--format", "json"]));
    let rows = s.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{s}");
    assert_eq!(rows[0]["rules"][0], "aware* NEAR/4 guideline*", "{s}");
    assert_eq!(
        rows[0]["words"],
        serde_json::json!(["aware", "guidelines"]),
        "{s}"
    );
}

#[test]
fn r15_a_turn_wrapped_over_lines_keeps_its_phrases() {
    // A turn typed over several lines: a single line break is not a sentence end, so the
    // phrase and NEAR hold across it; a full stop before the break, or a blank line, ends one.
    let p = project();
    std::fs::write(
        p.path().join("talk.txt"),
        "Interviewer: How do you learn?\n\
         P1: I mostly learn on social\nmedia these days, with colleagues.\n\
         Interviewer: Do you trust it.\nData like that is new to me\n\
         P1: I trust it\n\ndata is another matter\n",
    )
    .unwrap();
    ok(p.path(), &["add", "talk.txt"]);
    let d = p.path();
    assert_eq!(quotes(d, "\"social media\"").len(), 1);
    assert_eq!(quotes(d, "learn NEAR/3 media").len(), 1);
    assert!(quotes(d, "trust NEAR/3 data").is_empty());
}

#[test]
fn r15_an_index_written_with_old_positions_is_rebuilt() {
    let p = punctuated();
    let d = p.path();
    assert!(quotes(d, "\"like and\"").is_empty());
    // An index from before positions carried punctuation recorded a bare generation.
    let meta = d.join(".quarry/index/meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let payload = v["payload"].as_str().unwrap();
    let (version, generation) = payload.split_once('/').expect("version/generation");
    assert_eq!(version, quarry::index::INDEX_VERSION);
    std::fs::write(
        &meta,
        text.replace(&format!("\"{payload}\""), &format!("\"{generation}\"")),
    )
    .unwrap();
    let out = quarry(d)
        .args(["search", "\"like and\"", "--count"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rebuilt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

#[test]
fn r15_search_names_the_corpus_words_a_stem_misses() {
    let p = punctuated();
    let d = p.path();
    // Under the table: trusting has the stem of trust; trustworthy and trustworthiness do not.
    let out = ok(d, &["search", "trust"]);
    assert!(
        out.contains(
            "also in the corpus (segments): trustworthiness (1), trustworthy (1); try trust*"
        ),
        "{out}"
    );
    // Not in a machine format's body: on stderr.
    let o = quarry(d)
        .args(["search", "trust", "--format", "csv"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("also in the corpus"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("try trust*"));
    // A prefix that finds them already, or a short stem, draws no note.
    assert!(!ok(d, &["search", "trust OR trustworth*"]).contains("also in the corpus"));
    // Per rule term in `codebook check --corpus`.
    std::fs::write(
        d.join("cb.toml"),
        "[codebook]\nid = \"t\"\nname = \"T\"\n\n[[code]]\nid = \"t.a\"\nname = \"A\"\n\
         rules = [\"trust NEAR/3 data\"]\n",
    )
    .unwrap();
    let out = quarry(d)
        .args(["codebook", "check", "cb.toml", "--corpus"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("try trust*"), "{text}");
}

#[test]
fn r15_the_sample_study_names_trustworthy_under_trust() {
    let p = sample_project();
    let out = ok(p.path(), &["search", "trust"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("also in the corpus"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("trustworthy ("), "{line}");
    assert!(line.ends_with("try trust*"), "{line}");
}
