//! `quarry discover` and `codebook new --from-cluster`: what no code covers, on a fixture
//! with two themes no rule reaches (parking, and night shifts on the rota) beside the one the
//! codebook codes (training).

use super::{json, ok};

const CODEBOOK: &str = r#"[codebook]
id = "t"
name = "Training"
version = "1"

[[code]]
id = "t.train"
name = "Training"
rules = ["training"]
"#;

fn transcript() -> String {
    let mut t = String::new();
    let mut turn = |q: String| t.push_str(&format!("Interviewer: And?\nP1: {q}\n"));
    for i in 0..8 {
        turn(format!(
            "The training helped me with the new ward, day {i}."
        ));
    }
    for i in 0..6 {
        turn(format!(
            "Parking was impossible and the car park was full, day {i}."
        ));
    }
    for i in 0..5 {
        turn(format!(
            "Night shifts on the rota left me exhausted, day {i}."
        ));
    }
    turn("Yes.".to_string());
    t
}

#[test]
fn discover_groups_the_uncovered_themes_and_drafts_codes_from_them() {
    let p = super::project();
    let d = p.path();
    std::fs::write(d.join("one.txt"), transcript()).unwrap();
    std::fs::write(d.join("cb.toml"), CODEBOOK).unwrap();
    ok(d, &["add", "one.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    let found = json(&ok(d, &["discover", "--format", "json"]));
    assert_eq!(found["codebook"], "t");
    // Participants' turns are in scope (a codebook's default), the interviewer's not.
    assert_eq!(found["in_scope"], 20);
    let clusters = found["clusters"].as_array().unwrap();
    let terms = |c: &serde_json::Value| -> Vec<String> {
        c["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let parking = clusters
        .iter()
        .find(|c| terms(c).iter().any(|t| t == "parking"))
        .expect("a parking cluster");
    let night = clusters
        .iter()
        .find(|c| terms(c).iter().any(|t| t == "rota"))
        .expect("a rota cluster");
    assert_ne!(
        parking["number"], night["number"],
        "two themes, two clusters"
    );
    assert!(
        terms(parking).iter().any(|t| t == "\"car park\""),
        "{parking}"
    );
    assert!(terms(night).iter().any(|t| t.contains("night")), "{night}");
    assert_eq!(parking["segments"], 6);
    assert_eq!(night["segments"], 5);
    assert_eq!(parking["examples"].as_array().unwrap().len(), 3);
    // Words of the covered turns are not distinctive of the uncovered ones.
    for c in clusters {
        for t in terms(c) {
            assert!(!t.contains("training") && !t.contains("helped"), "{t}");
        }
    }
    // The table names the command that drafts a code.
    let table = ok(d, &["discover"]);
    assert!(table.contains("--from-cluster"), "{table}");

    // Both clusters as draft codes of a new codebook, which suggest applies.
    let numbers = format!("{},{}", parking["number"], night["number"]);
    ok(
        d,
        &[
            "codebook",
            "new",
            "emerging",
            "--from-cluster",
            &numbers,
            "--codebook",
            "t",
        ],
    );
    let draft = std::fs::read_to_string(d.join("emerging.toml")).unwrap();
    assert!(draft.contains("id = \"emerging\""), "{draft}");
    assert!(draft.contains("\"parking\""), "{draft}");
    ok(d, &["suggest", "--codebook", "emerging.toml"]);
    let rows: Vec<serde_json::Value> = ok(d, &["list", "suggestions", "--format", "jsonl"])
        .lines()
        .map(json)
        .filter(|r| r["codebook"] == "emerging")
        .collect();
    let segments: std::collections::BTreeSet<i64> = rows
        .iter()
        .map(|r| r["segment"].as_i64().unwrap())
        .collect();
    assert_eq!(
        segments.len(),
        11,
        "the 6 parking and 5 night-shift turns: {rows:?}"
    );
    // A cluster that does not exist is refused, and nothing is written.
    super::fails(
        d,
        &[
            "codebook",
            "new",
            "other",
            "--from-cluster",
            "99",
            "--codebook",
            "t",
        ],
        "no cluster 99",
    );
    assert!(!d.join("other.toml").exists());
}
