//! Learning from decisions: the per-term review sample and `codebook tune`, on fixtures whose
//! answers are known by construction.

use super::{fails, json, ok, quarry};
use std::path::Path;

/// A codebook with comments, odd spacing and an inline array, to check that tune keeps all of
/// it but the terms it changes.
const CODEBOOK: &str = r#"# Staff and waiting (a test fixture).
[codebook]
id = "t"
name = "Ward experience"
version = "1.0"

# ------------------------------------------------ staff

[[code]]
id = "t.staff"
name = "Staff attitude"
definition = "How staff treated the patient."
rules = [
  "kind OR helpful",   # kindness and help
  "admit",             # "admitted me quickly"
  "friendly",          # a friendly face
]

[[code]]
id = "t.wait"
name = "Waiting"
rules = ["wait* OR queue", 'exact:delay']   # inline, mixed quotes
"#;

/// The fixture transcript and, per turn, whether it is about staff (the reviewer's answer).
/// By construction: "kind" is rejected 40 times inside "kind of" and accepted twice outside
/// it; "admit" is rejected 20 times ("I must admit"); "queue" is rejected 20 times in varied
/// phrases; "helpful", "friendly" and "wait*" are always right.
fn transcript() -> String {
    let mut t = String::new();
    let mut turn = |q: &str| t.push_str(&format!("Interviewer: And?\nP1: {q}\n"));
    for i in 0..40 {
        turn(&format!("The parking was kind of awkward on day {i}."));
    }
    turn("Staff were kind to me.");
    turn("A nurse was so kind and calm.");
    for i in 0..20 {
        turn(&format!(
            "I must admit the canteen food was cold on day {i}."
        ));
    }
    for (i, w) in ["the", "a long", "no", "that"]
        .iter()
        .cycle()
        .take(20)
        .enumerate()
    {
        turn(&format!("There was {w} queue for the car park, visit {i}."));
    }
    for i in 0..4 {
        turn(&format!("The porter was helpful, time {i}."));
    }
    for i in 0..3 {
        turn(&format!("A friendly receptionist, time {i}."));
    }
    for i in 0..5 {
        turn(&format!("We waited for hours, time {i}."));
    }
    t
}

/// Whether the reviewer applies `code` to `quote` (as the sheet shows it, evidence in
/// brackets).
fn answer(quote: &str, code: &str) -> bool {
    let quote = quote.replace(['[', ']', '«', '»'], "");
    match code {
        "t.staff" => {
            quote.contains("Staff were kind")
                || quote.contains("so kind")
                || quote.contains("helpful")
                || quote.contains("friendly")
        }
        "t.wait" => quote.contains("waited"),
        _ => false,
    }
}

/// A project with the fixture, suggested.
fn suggested_project() -> tempfile::TempDir {
    let p = super::project();
    let d = p.path();
    std::fs::write(d.join("ward.txt"), transcript()).unwrap();
    std::fs::write(d.join("cb.toml"), CODEBOOK).unwrap();
    ok(d, &["add", "ward.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    p
}

/// [`suggested_project`] with every suggestion decided by `answer`.
pub(super) fn decided_project() -> tempfile::TempDir {
    let p = suggested_project();
    decide_all(p.path(), &[]);
    p
}

/// `review export` of `coder`'s queue of codebook `t` (with `extra` arguments) to
/// `sheet.csv`; returns the sheet.
fn export(d: &Path, coder: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "review",
        "export",
        "--coder",
        coder,
        "--out",
        "sheet.csv",
        "--codebook",
        "t",
    ];
    args.extend_from_slice(extra);
    ok(d, &args);
    std::fs::read_to_string(d.join("sheet.csv")).unwrap()
}

/// Exports ana's queue (with `extra` arguments) to a CSV sheet, fills every decision
/// by [`answer`], imports it.
fn decide_all(d: &Path, extra: &[&str]) {
    export(d, "ana", extra);
    let mut r = csv::Reader::from_path(d.join("sheet.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (quote, code, decision) = (col("quote"), col("code"), col("decision"));
    let mut w = csv::Writer::from_path(d.join("filled.csv")).unwrap();
    w.write_record(&header).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        let mut cells: Vec<String> = rec.iter().map(str::to_string).collect();
        let yes = answer(&cells[quote], &cells[code]);
        cells[decision] = if yes { "accept" } else { "reject" }.into();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
    ok(d, &["review", "import", "filled.csv", "--coder", "ana"]);
}

#[test]
fn tune_drops_or_masks_exactly_the_bad_terms_and_keeps_the_rest_of_the_file() {
    let p = decided_project();
    let d = p.path();
    let before = json(&ok(d, &["status", "--format", "json"]));
    let out = ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--below",
            "0.2",
            "--out",
            "tuned.toml",
        ],
    );
    // The original is untouched.
    assert_eq!(
        std::fs::read_to_string(d.join("cb.toml")).unwrap(),
        CODEBOOK
    );
    let tuned = std::fs::read_to_string(d.join("tuned.toml")).unwrap();
    // Exactly the expected edits: every other line as it was.
    let expected = CODEBOOK
        .replace("version = \"1.0\"", "version = \"1.0+tuned.1\"")
        .replace("  \"admit\",             # \"admitted me quickly\"\n", "")
        .replace(
            "rules = [\"wait* OR queue\", 'exact:delay']",
            "rules = [\"wait*\", 'exact:delay']",
        );
    let strip = |s: &str| {
        s.lines()
            .filter(|l| {
                !l.trim_start().starts_with("# Tuned") && !l.trim_start().starts_with("# tuned")
            })
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let mut want = strip(&expected);
    // The mask goes at the end of the staff code's table.
    let at = want
        .iter()
        .position(|l| l.starts_with("  \"friendly\""))
        .unwrap()
        + 2;
    want.insert(at, "mask = [\"kind of\"]".into());
    assert_eq!(strip(&tuned), want, "{tuned}");
    // Each change carries a comment with its figures.
    assert!(
        tuned.contains("# tuned: dropped rule `admit` (its term `admit`): 0 of 20 accepted"),
        "{tuned}"
    );
    assert!(
        tuned.contains("# tuned: dropped `queue` from rule `wait* OR queue`: 0 of 20 accepted"),
        "{tuned}"
    );
    assert!(
        tuned.contains("# tuned: masked \"kind of\" for `kind`"),
        "{tuned}"
    );
    assert!(
        tuned.contains("# Tuned by `quarry codebook tune`"),
        "{tuned}"
    );
    // The report: the diff, the terms, the measured change per code.
    assert!(out.contains("-  \"admit\","), "{out}");
    assert!(out.contains("+mask = [\"kind of\"]"), "{out}");
    // t.staff: 42 kind + 20 admit + 4 helpful + 3 friendly suggestions; 40 kind-of and 20
    // admit go, the 9 accepted stay.
    assert!(out.contains("69->9"), "{out}");
    assert!(out.contains("0.13->1.00"), "{out}");
    // t.wait: 20 queue + 5 waited; the queue ones go.
    assert!(out.contains("25->5"), "{out}");
    // The tuned file is a valid codebook.
    ok(d, &["codebook", "check", "tuned.toml"]);
    // JSON names every change.
    let j = json(&ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--out",
            "tuned2.toml",
            "--format",
            "json",
        ],
    ));
    let kinds: Vec<String> = j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["term"].as_str().unwrap(),
                c["action"]["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(kinds, ["kind masked", "admit ruledropped", "queue dropped"]);
    // How many more decisions each term needs: "queue" (0 of 20) is already narrower than
    // 0.2 (z²/(20+z²) = 0.16) but needs 35 decisions for 0.1, so 15 more.
    let worst = |width: &str| {
        json(&ok(
            d,
            &[
                "rules",
                "--codebook",
                "cb.toml",
                "--worst",
                "--width",
                width,
                "--format",
                "json",
            ],
        ))
    };
    let more = |w: &serde_json::Value, term: &str| {
        w.as_array()
            .unwrap()
            .iter()
            .find(|t| t["term"] == term)
            .unwrap()["more"]
            .clone()
    };
    assert_eq!(more(&worst("0.2"), "queue"), 0);
    assert_eq!(more(&worst("0.1"), "queue"), 15);
    // Suggest with the tuned codebook: the bad suggestions are withdrawn but every decision
    // stays, and the code's figures now come from the tuned rules.
    ok(d, &["suggest", "--codebook", "tuned.toml"]);
    let after = json(&ok(d, &["status", "--format", "json"]));
    assert_eq!(decided(&before), decided(&after), "{before}\n{after}");
    assert_eq!(decided(&after).iter().map(|x| x.2 + x.3).sum::<u64>(), 94);
    let r = json(&ok(d, &["rules", "--codebook", "t", "--format", "json"]));
    assert_eq!(r["codes"][0]["code"], "t.staff");
    assert_eq!(r["codes"][0]["fired"], 9, "{r}");
    assert_eq!(r["codes"][0]["accepted"], 9, "{r}");
    // Nothing left to tune.
    let again = ok(
        d,
        &["codebook", "tune", "tuned.toml", "--out", "tuned3.toml"],
    );
    assert!(again.contains("nothing to tune"), "{again}");
    assert!(!d.join("tuned3.toml").exists());
}

/// (code, coder, accepted, rejected) from `status --format json`.
fn decided(status: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    let mut out = Vec::new();
    for c in status["codes"].as_array().unwrap() {
        for k in c["coders"].as_array().unwrap() {
            out.push((
                c["code"].as_str().unwrap().to_string(),
                k["coder"].as_str().unwrap().to_string(),
                k["accepted"].as_u64().unwrap(),
                k["rejected"].as_u64().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn tune_refuses_to_overwrite_the_original_or_another_file() {
    let p = decided_project();
    let d = p.path();
    fails(
        d,
        &["codebook", "tune", "t", "--out", "cb.toml", "--force"],
        "never edits it",
    );
    assert_eq!(
        std::fs::read_to_string(d.join("cb.toml")).unwrap(),
        CODEBOOK
    );
    std::fs::write(d.join("other.toml"), "keep me").unwrap();
    fails(
        d,
        &["codebook", "tune", "t", "--out", "other.toml"],
        "exists",
    );
    assert_eq!(
        std::fs::read_to_string(d.join("other.toml")).unwrap(),
        "keep me"
    );
    // A stricter confidence keeps more: at 99.9% even 0 of 20 leaves the interval's top at
    // z²/(20+z²) = 0.35, and 2 of 42 at 0.27.
    let out = ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--confidence",
            "0.999",
            "--out",
            "strict.toml",
        ],
    );
    assert!(out.contains("99.9% precision interval"), "{out}");
    assert!(out.contains("nothing to tune"), "{out}");
    assert!(!d.join("strict.toml").exists());
    // A file edited since the run: a code that is gone is listed, not an error, and the
    // rest is still tuned.
    let edited = CODEBOOK.replace("id = \"t.staff\"", "id = \"t.people\"");
    std::fs::write(d.join("edited.toml"), &edited).unwrap();
    let out = ok(
        d,
        &[
            "codebook",
            "tune",
            "edited.toml",
            "--out",
            "edited-tuned.toml",
        ],
    );
    assert!(
        out.contains("kept: its code is no longer in the file"),
        "{out}"
    );
    let tuned = std::fs::read_to_string(d.join("edited-tuned.toml")).unwrap();
    assert!(
        tuned.contains("rules = [\"wait*\", 'exact:delay']"),
        "{tuned}"
    );
    assert!(tuned.contains("\"admit\","), "{tuned}");
    for bad in ["0", "1", "1.5"] {
        fails(
            d,
            &[
                "codebook",
                "tune",
                "t",
                "--confidence",
                bad,
                "--out",
                "x.toml",
            ],
            "--confidence",
        );
    }
}

#[test]
fn a_per_term_sample_reaches_the_rare_terms() {
    let p = suggested_project();
    let d = p.path();
    // Six terms fire (kind, help, admit, friend, wait*, queue; delay never does): six slots
    // drawn by term give each one, where a plain sample of six of the 94 suggestions would
    // mostly hold "kind of", "admit" and "queue".
    for seed in ["1", "2", "3"] {
        let args = [
            "--sample",
            "6",
            "--per-term",
            "--min-fired",
            "1",
            "--seed",
            seed,
        ];
        let s = export(d, "ana", &args);
        for word in ["kind", "helpful", "admit", "friendly", "waited", "queue"] {
            assert!(s.contains(word), "seed {seed}: no {word} in\n{s}");
        }
        assert_eq!(
            s,
            export(d, "ana", &args),
            "the same seed draws the same sample"
        );
    }
    // By default a sample of N has N/20 strata (at least one), the terms that fire most: here
    // only "kind", so all six are "kind" suggestions.
    let k = export(d, "ana", &["--sample", "6", "--per-term"]);
    assert_eq!(k.matches("«kind»").count(), 6, "{k}");
    // The summary line of an interactive review.
    let out = quarry(d)
        .args([
            "review",
            "--lines",
            "--coder",
            "ana",
            "--codebook",
            "t",
            "--sample",
            "6",
            "--per-term",
            "--min-fired",
            "1",
        ])
        .write_stdin("q\n")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Per-term sample (seed 1): 6 suggestions for 6 of the 6 terms"),
        "{text}"
    );
    // Decisions already made count: once ana has decided every staff suggestion, a sample
    // of two for bo goes to the two waiting terms, which have none, though "kind" fires most.
    decide_all(d, &["--code", "t.staff"]);
    let s = export(
        d,
        "bo",
        &["--sample", "2", "--per-term", "--min-fired", "1"],
    );
    assert!(s.contains("waited") && s.contains("queue"), "{s}");
    // --per-term without --sample is refused.
    fails(
        d,
        &["review", "--lines", "--coder", "ana", "--per-term"],
        "--sample <N>",
    );
}
