//! `codebook propose`: terms the rules miss, learned from confirmed segments, on a fixture
//! where the answer is known: people confirm "training" turns that name a mentor, and code
//! by hand turns about a mentor that no rule reached; "mentor" is the term to propose, and
//! no word of the rejected turns is.

use super::{json, ok};

const CODEBOOK: &str = r#"# Training (a test fixture).
[codebook]
id = "t"
name = "Training"
version = "1.0"

[[code]]
id = "t.train"
name = "Training"
rules = ["training"]   # the one rule
"#;

fn transcript() -> String {
    let mut t = String::new();
    let mut turn = |q: String| t.push_str(&format!("Interviewer: And?\nP1: {q}\n"));
    for i in 0..6 {
        turn(format!("The training with my mentor was useful, week {i}."));
    }
    for i in 0..6 {
        turn(format!("The training room had no windows, week {i}."));
    }
    for i in 0..4 {
        turn(format!(
            "My mentor showed me the ropes on the ward, week {i}."
        ));
    }
    for i in 0..4 {
        turn(format!("The car park was full on the ward, week {i}."));
    }
    t
}

#[test]
fn propose_adds_the_missed_term_with_its_evidence_and_keeps_the_original() {
    let p = super::project();
    let d = p.path();
    std::fs::write(d.join("one.txt"), transcript()).unwrap();
    std::fs::write(d.join("cb.toml"), CODEBOOK).unwrap();
    ok(d, &["add", "one.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    // Nothing decided yet: nothing to propose, nothing written.
    let none = ok(d, &["codebook", "propose", "t", "--out", "new.toml"]);
    assert!(none.contains("No term to propose"), "{none}");
    assert!(!d.join("new.toml").exists());
    // Decide: the mentor turns no rule reached coded by hand; then, in a sheet, the mentor
    // training turns accepted and the room ones rejected.
    let segs: Vec<serde_json::Value> = ok(d, &["list", "segments", "--format", "jsonl"])
        .lines()
        .map(json)
        .collect();
    for s in &segs {
        let text = s["text"].as_str().unwrap();
        let id = s["segment"].to_string();
        if text.contains("showed me") {
            ok(d, &["code", &id, "t.train", "--coder", "ana"]);
        }
    }
    super::decide_by_sheet(d, "ana", "t", |quote, _| quote.contains("mentor"));

    let out = json(&ok(
        d,
        &[
            "codebook", "propose", "t", "--out", "new.toml", "--format", "json",
        ],
    ));
    let proposals = out["proposals"].as_array().unwrap();
    let rules: Vec<&str> = proposals
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(proposals[0]["rule"], "mentor", "{out}");
    let mentor = &proposals[0];
    // 6 accepted training turns and 4 coded by hand hold it; no rejected one does.
    assert_eq!(mentor["confirmed"], 10);
    assert_eq!(mentor["unsuggested"], 4);
    assert_eq!(mentor["decided"], 10);
    assert_eq!(mentor["precision"], 1.0);
    assert_eq!(mentor["corpus"], 10);
    // Words of the rejected turns, and the rule's own word, are never proposed.
    for bad in ["room", "windows", "training"] {
        assert!(!rules.iter().any(|r| r.contains(bad)), "{rules:?}");
    }
    // The new version: the original untouched, the term added with its evidence, and it
    // parses as a codebook that `suggest` applies.
    assert_eq!(
        std::fs::read_to_string(d.join("cb.toml")).unwrap(),
        CODEBOOK
    );
    let new = std::fs::read_to_string(d.join("new.toml")).unwrap();
    assert!(new.contains("version = \"1.0+proposed.1\""), "{new}");
    assert!(
        new.contains("\"training\",   # the one rule") || new.contains("\"training\""),
        "{new}"
    );
    assert!(
        new.contains("# proposed: mentor in 10 of 10 decided segments coded t.train"),
        "{new}"
    );
    assert!(new.contains("\n  \"mentor\","), "{new}");
    ok(d, &["suggest", "--codebook", "new.toml"]);
    let hits = ok(d, &["list", "suggestions", "--format", "jsonl"]);
    assert_eq!(
        hits.lines().filter(|l| l.contains("\"t.train\"")).count(),
        16,
        "12 training turns and the 4 mentor turns: {hits}"
    );
    // It never writes over the codebook it starts from (now new.toml, the last run's),
    // nor over another file without --force.
    super::fails(
        d,
        &["codebook", "propose", "t", "--out", "new.toml", "--force"],
        "never edits it",
    );
    super::fails(
        d,
        &["codebook", "propose", "t", "--out", "cb.toml"],
        "--force",
    );
    assert_eq!(
        std::fs::read_to_string(d.join("cb.toml")).unwrap(),
        CODEBOOK
    );
}
