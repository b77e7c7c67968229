//! `quarry match`: what it writes for a stream of posts equals what `suggest` stores for the
//! same posts in a project (codes, rules, evidence and, with the stream's counts, scores);
//! bad records are named and the rest is matched; rules that need a project are refused.

use super::{fixture, ok, project, quarry, repo};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A codebook of the post-only kind: words, phrases, prefixes, exact words, NEAR, BEFORE,
/// masks, and a code read in every post (reposts too).
const POSTS_BOOK: &str = r#"
[codebook]
id = "postbook"
name = "Rules for posts"
version = "2"
mask = ["social media"]

[[code]]
id = "postbook.teaching"
name = "Teaching"
rules = ["teach* NEAR/4 resident*", "exact:twitter OR \"peer review\""]

[[code]]
id = "postbook.media"
name = "Media"
scope = "all"
rules = ["media NEAR/2 social", "video BEFORE/3 technique", "meded"]
"#;

/// Posts made from the sample interviews' paragraphs: one post each, with authors, times,
/// platforms, replies, reposts and hashtags spread over them; no two texts alike.
fn sample_posts() -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    let mut n = 0;
    for i in 1..=7 {
        let path = repo().join(format!("data/sample/P0{i}_interview.txt"));
        // One of them is in Windows-1252 on purpose (for `add`): taken as it decodes.
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).replace('\r', "");
        for para in text.split("\n\n") {
            let (author, body) = match para.split_once(": ") {
                Some((a, b)) if a.len() < 40 => (Some(a.trim()), b.trim()),
                _ => (None, para.trim()),
            };
            if body.is_empty() || !seen.insert(body.to_lowercase()) {
                continue;
            }
            n += 1;
            let mut body = body.to_string();
            if n % 11 == 0 {
                body.push_str(" #MedEd");
            }
            if n % 13 == 0 {
                body = format!("RT @someone: {body}");
            }
            let mut rec = json!({"id": format!("p{n}"), "text": body});
            if let Some(a) = author {
                rec["author"] = json!(a);
            }
            if n % 3 == 0 {
                rec["is_reply"] = json!(true);
            }
            match n % 5 {
                0 => rec["platform"] = json!("reddit"),
                1 => rec["platform"] = json!("x"),
                _ => {}
            }
            if n % 2 == 0 {
                rec["created_at"] = json!(format!("2023-0{}-1{}T10:00:00Z", 1 + n % 9, n % 10));
            }
            out.push_str(&rec.to_string());
            out.push('\n');
        }
    }
    assert!(n > 200, "{n} posts");
    out
}

/// Runs `quarry match` with `args` on `input`: (exit code, stdout lines, stderr).
fn run_match(dir: &Path, args: &[&str], input: Vec<u8>) -> (i32, Vec<Value>, String) {
    let out = quarry(dir)
        .arg("match")
        .args(args)
        .write_stdin(input)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code().unwrap_or(-1), lines, err)
}

/// One (post, code): rules, evidence (code points in the post's text; `list` shows each
/// place once), words and score.
type Key = (String, String, String);
type Got = (
    BTreeSet<String>,
    BTreeSet<(u64, u64)>,
    BTreeSet<String>,
    f64,
);

#[test]
fn match_gives_what_suggest_stores_for_the_same_posts() {
    let p = project();
    let d = p.path();
    let posts = sample_posts();
    std::fs::write(d.join("posts.jsonl"), &posts).unwrap();
    std::fs::write(d.join("postbook.toml"), POSTS_BOOK).unwrap();
    let study = fixture("codebooks/study.toml");
    let books = [
        "tdf",
        "kta",
        "sm-uptake",
        study.to_str().unwrap(),
        "postbook.toml",
    ];
    let mut args = Vec::new();
    for b in books {
        args.extend(["--codebook", b]);
    }

    // The stream.
    let (code, lines, err) = run_match(d, &args, posts.clone().into_bytes());
    assert_eq!(code, 0, "{err}");
    let counts = lines.last().unwrap();
    assert_eq!(counts["kind"], "counts");
    let records = counts["records"].as_u64().unwrap() as f64;
    let df = counts["df"].as_object().unwrap();
    let mut matched: BTreeMap<Key, Got> = BTreeMap::new();
    for l in &lines[..lines.len() - 1] {
        assert_eq!(l["kind"], "match", "{l}");
        let rules: Vec<String> = serde_json::from_value(l["rule"].clone()).unwrap();
        let with_words = || {
            let ev = l["evidence"].as_array().unwrap().iter();
            ev.filter(|e| e.get("start").is_some())
        };
        let evidence = with_words()
            .map(|e| (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap()))
            .collect();
        let words = with_words()
            .map(|e| e["word"].as_str().unwrap().to_string())
            .collect();
        let score: f64 = l["stems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let n = df[s.as_str().unwrap()].as_u64().unwrap() as f64;
                (1.0 + records / n).ln()
            })
            .sum();
        let key = (
            l["id"].as_str().unwrap().to_string(),
            l["codebook"].as_str().unwrap().to_string(),
            l["code"].as_str().unwrap().to_string(),
        );
        let old = matched.insert(key, (rules.into_iter().collect(), evidence, words, score));
        assert!(old.is_none(), "one line per (post, code): {l}");
    }

    // The project.
    ok(d, &["add", "posts.jsonl"]);
    let mut sargs = vec!["suggest"];
    sargs.extend(&args);
    ok(d, &sargs);
    let segs = super::json(&ok(d, &["list", "segments", "--format", "json"]));
    let segs: BTreeMap<u64, (String, u64, bool)> = segs
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment"].as_u64().unwrap(),
                (
                    s["post"]["id"].as_str().unwrap().to_string(),
                    s["char_start"].as_u64().unwrap(),
                    s["post"]["is_duplicate"].as_bool().unwrap(),
                ),
            )
        })
        .collect();
    assert!(
        segs.values().all(|s| !s.2),
        "the posts hold no repeated text"
    );
    assert_eq!(segs.len() as f64, records);
    let rows = super::json(&ok(d, &["list", "suggestions", "--format", "json"]));
    let mut stored: BTreeMap<Key, Got> = BTreeMap::new();
    for r in rows.as_array().unwrap() {
        let (id, base, _) = &segs[&r["segment"].as_u64().unwrap()];
        let rules: Vec<String> = serde_json::from_value(r["rules"].clone()).unwrap();
        let evidence = r["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_u64().unwrap() - base, e[1].as_u64().unwrap() - base))
            .collect();
        let words: Vec<String> = serde_json::from_value(r["words"].clone()).unwrap();
        let key = (
            id.clone(),
            r["codebook"].as_str().unwrap().to_string(),
            r["code"].as_str().unwrap().to_string(),
        );
        stored.insert(
            key,
            (
                rules.into_iter().collect(),
                evidence,
                words.into_iter().collect(),
                r["score"].as_f64().unwrap(),
            ),
        );
    }

    // Every code of every codebook, and the post-data rules, had something to find.
    for book in ["tdf", "kta", "sm-uptake", "study", "postbook"] {
        assert!(stored.keys().any(|k| k.1 == book), "nothing for {book}");
    }
    for code in ["postbook.teaching", "postbook.media"] {
        assert!(stored.keys().any(|k| k.2 == code), "nothing for {code}");
    }
    assert!(stored.len() > 300, "{} suggestions", stored.len());
    let only_stream: Vec<_> = matched.keys().filter(|k| !stored.contains_key(k)).collect();
    let only_store: Vec<_> = stored.keys().filter(|k| !matched.contains_key(k)).collect();
    assert!(
        only_stream.is_empty() && only_store.is_empty(),
        "only matched: {only_stream:?}\nonly stored: {only_store:?}"
    );
    for (k, (rules, ev, words, score)) in &stored {
        let (mrules, mev, mwords, mscore) = &matched[k];
        assert_eq!(rules, mrules, "{k:?}");
        assert_eq!(ev, mev, "{k:?}");
        assert_eq!(words, mwords, "{k:?}");
        assert!((score - mscore).abs() < 1e-9, "{k:?}: {score} vs {mscore}");
    }
}

#[test]
fn match_names_bad_records_and_matches_the_rest() {
    let p = tempfile::tempdir().unwrap();
    let d = p.path();
    let good = |id: &str| json!({"id": id, "text": "I don't trust the evidence on social media."});
    let evidence = "the evidence";
    let mut input: Vec<u8> = Vec::new();
    let mut push = |bytes: &[u8]| {
        input.extend_from_slice(bytes);
        input.push(b'\n');
    };
    push(good("g1").to_string().as_bytes());
    push(b"{\"id\": \"bad-utf8\", \"text\": \"caf\xe9 trust\"}");
    push(b"{\"id\": \"nul\", \"text\": \"a raw \x00 byte\"}");
    push(b"[1, 2]");
    push(br#"{"id": "no-text", "body": null}"#);
    push(br#"{"id": "num", "text": 5}"#);
    push(b"");
    // An escaped NUL is text like any other; a 5 MB post is matched like a short one.
    let nul = format!("trust\u{0}{evidence}");
    push(
        json!({"id": "escaped-nul", "text": nul})
            .to_string()
            .as_bytes(),
    );
    let big = format!("{} {evidence} at the end", "word ".repeat(1 << 20));
    push(json!({"id": "big", "text": big}).to_string().as_bytes());
    push(good("g2").to_string().as_bytes());
    let (code, lines, err) = run_match(d, &["--codebook", "tdf"], input);
    assert_eq!(code, 1, "some records were left out: {err}");
    let refused: Vec<u64> = lines
        .iter()
        .filter(|l| l["kind"] == "refused")
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(refused, vec![2, 3, 4, 5, 6], "{lines:?}");
    for line in [2, 3, 4, 5, 6] {
        assert!(err.contains(&format!("stdin:{line}:")), "{err}");
    }
    let ids: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "match")
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from(["g1", "g2", "escaped-nul", "big"]),
        "{lines:?}"
    );
    let counts = lines.last().unwrap();
    assert_eq!(counts["kind"], "counts");
    assert_eq!(counts["records"], 4);
    assert_eq!(counts["refused"], 5);
    assert!(err.contains("4 records"), "{err}");
}

#[test]
fn match_refuses_unknown_or_broken_codebooks() {
    let p = tempfile::tempdir().unwrap();
    let d = p.path();
    std::fs::write(
        d.join("broken.toml"),
        "[codebook]\nid = \"b\"\nname = \"b\"\n\n[[code]]\nid = \"b.a\"\nname = \"a\"\n\
         rules = [\"trust NEAR/\"]\n",
    )
    .unwrap();
    let line = b"{\"id\": \"1\", \"text\": \"trust\"}\n".to_vec();
    for (book, named) in [("broken.toml", "broken.toml:8"), ("nope", "nope")] {
        let (code, lines, err) = run_match(d, &["--codebook", book], line.clone());
        assert_eq!(code, 2, "{err}");
        assert!(lines.is_empty(), "{lines:?}");
        assert!(err.contains(named), "{err}");
    }
}

/// A run's output as the Spark job writes it, made here from `quarry match` on the sample
/// posts: posts/ with each matched record and its matches, and run.json.
fn run_output(d: &Path, posts: &str, book: &str) -> std::path::PathBuf {
    let (code, lines, err) = run_match(d, &["--codebook", book], posts.as_bytes().to_vec());
    assert_eq!(code, 0, "{err}");
    let records: Vec<&str> = posts.lines().collect();
    let mut by_line: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["kind"] == "match") {
        by_line
            .entry(l["line"].as_u64().unwrap())
            .or_default()
            .push(json!({"codebook": l["codebook"], "code": l["code"], "term": l["term"]}));
    }
    let out = d.join("run-out");
    std::fs::create_dir_all(out.join("posts")).unwrap();
    let mut text = String::new();
    for (line, matches) in &by_line {
        let rec = json!({"record": records[*line as usize - 1], "matches": matches});
        text.push_str(&rec.to_string());
        text.push('\n');
    }
    text.push_str("not a matched post\n");
    std::fs::write(out.join("posts/part-00000.json"), text).unwrap();
    let counts = lines.last().unwrap();
    let run = json!({"codebooks": [book], "match_args": [], "records": counts["records"],
                     "matches": counts["matches"]});
    std::fs::write(out.join("run.json"), run.to_string()).unwrap();
    out
}

#[test]
fn a_run_sample_imports_and_its_decisions_estimate_the_run() {
    let p = project();
    let d = p.path();
    let out = run_output(d, &sample_posts(), "tdf");
    let run = out.to_str().unwrap();
    let o = quarry(d)
        .args(["import", "matches", run, "--sample", "4", "--per-term"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // The bad line is named, the rest imported.
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("part-00000.json:") && stderr.contains("not a matched post"));
    assert!(stdout.contains("Sample 1:"), "{stdout}");
    assert!(
        stdout.contains("suggestions waiting for review"),
        "{stdout}"
    );
    let store = quarry::project::Project::open(d).unwrap();
    let strata = store.store().sample_strata(1).unwrap();
    assert!(strata.len() > 10, "{strata:?}");
    assert!(
        strata.iter().all(|s| s.sampled == s.matches.min(4)),
        "{strata:?}"
    );

    // Everything accepted: each code's estimate is the run's count, exactly where every
    // match was decided. (A parent code covered by a child's suggestion on a post is not
    // asked about, so a few sampled posts stay undecided.)
    let review = quarry(d)
        .args(["review", "--lines", "--codebook", "tdf", "--coder", "ana"])
        .write_stdin("a\n".repeat(5000))
        .output()
        .unwrap();
    assert!(review.status.success());
    ok(d, &["report", "--out", "report.json"]);
    let report = super::json(&std::fs::read_to_string(d.join("report.json")).unwrap());
    let sample = &report["samples"][0];
    assert_eq!(sample["per_term"], true);
    assert_eq!(sample["size"], 4);
    let codes = sample["codes"].as_array().unwrap();
    assert!(!codes.is_empty());
    let decided: u64 = codes.iter().map(|c| c["decided"].as_u64().unwrap()).sum();
    let sampled: u64 = codes.iter().map(|c| c["sampled"].as_u64().unwrap()).sum();
    assert!(decided * 10 > sampled * 8, "{decided} of {sampled} decided");
    for c in codes {
        assert!(c["decided"].as_u64() <= c["sampled"].as_u64(), "{c}");
        assert_eq!(c["accepted"], c["decided"], "{c}");
        if c["decided"] == 0 {
            assert!(c["estimate"].is_null());
            continue;
        }
        let est = c["estimate"].as_array().unwrap();
        let matches = c["matches"].as_f64().unwrap();
        assert!((est[0].as_f64().unwrap() - matches).abs() < 1e-9, "{c}");
        assert!(est[1].as_f64().unwrap() <= matches, "{c}");
    }

    // All of one code instead of a sample: every match of it, in a second sample.
    let o = quarry(d)
        .args(["import", "matches", run, "--code", "tdf.knowledge"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let strata = store.store().sample_strata(2).unwrap();
    assert!(!strata.is_empty());
    assert!(strata.iter().all(|s| s.code.starts_with("tdf.knowledge")
        && s.sampled == s.matches
        && s.term.is_empty()));
}
