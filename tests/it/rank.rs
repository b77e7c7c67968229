//! The ranker learned from decisions (`quarry learn`, `review --order likely|uncertain`,
//! `list suggestions`' `likely`), on a fixture whose right answers are known by
//! construction: "training" is accepted when it "helped" and rejected when it names a room.

use super::{json, ok, quarry};
use quarry::project::Project;
use quarry::review::{self, Filter, Order};
use std::path::Path;

const CODEBOOK: &str = r#"[codebook]
id = "t"
name = "Training"
version = "1"

[[code]]
id = "t.train"
name = "Training"
rules = ["training"]

[[code]]
id = "t.nurse"
name = "Nurses"
rules = ["nurse"]
"#;

/// Turns of three kinds, numbered from `from`: `helped` accepted, `room` rejected, and
/// `budget` (only pending, never decided in the fixture).
fn transcript(from: usize, helped: usize, room: usize, budget: usize) -> String {
    let mut t = String::new();
    let mut turn = |q: String| t.push_str(&format!("Interviewer: And?\nP1: {q}\n"));
    for i in from..from + helped {
        turn(format!(
            "The training helped me learn new skills, week {i}."
        ));
    }
    for i in from..from + room {
        turn(format!("The training room was cold again, week {i}."));
    }
    for i in from..from + budget {
        turn(format!("The training budget was cut, week {i}."));
    }
    for i in from..from + 5.min(helped) {
        turn(format!("A nurse sat with me, week {i}."));
    }
    t
}

/// A project whose first interview is decided (30 helped, 30 room, 5 nurse) and whose
/// second waits: 5 helped, 5 room, 5 budget, 5 nurse.
fn project() -> tempfile::TempDir {
    let p = super::project();
    let d = p.path();
    std::fs::write(d.join("one.txt"), transcript(0, 30, 30, 0)).unwrap();
    std::fs::write(d.join("cb.toml"), CODEBOOK).unwrap();
    ok(d, &["add", "one.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    // Before any decision: no prediction at all.
    let rows = listing(d);
    assert!(rows.iter().all(|r| r["likely"].is_null()), "{rows:?}");
    // ana accepts what "helped" or names a nurse, and rejects the rest.
    super::decide_by_sheet(d, "ana", "t", |quote, _| {
        quote.contains("helped") || quote.contains("nurse")
    });
    std::fs::write(d.join("two.txt"), transcript(100, 5, 5, 5)).unwrap();
    ok(d, &["add", "two.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    p
}

/// `list suggestions --format jsonl`, parsed.
fn listing(d: &Path) -> Vec<serde_json::Value> {
    ok(d, &["list", "suggestions", "--format", "jsonl"])
        .lines()
        .map(json)
        .collect()
}

/// Which kind of turn each segment of document `two` is, by id.
fn kinds(d: &Path) -> std::collections::HashMap<i64, &'static str> {
    ok(d, &["list", "segments", "--format", "jsonl"])
        .lines()
        .map(json)
        .filter(|s| s["document"] == "two")
        .map(|s| {
            let text = s["text"].as_str().unwrap().to_string();
            let kind = ["helped", "room", "budget", "nurse"]
                .into_iter()
                .find(|k| text.contains(k))
                .unwrap_or("?");
            (s["segment"].as_i64().unwrap(), kind)
        })
        .collect()
}

#[test]
fn predictions_follow_the_decisions_and_explain_themselves() {
    let p = project();
    let d = p.path();
    let rows = listing(d);
    let kinds = kinds(d);
    // The second interview's suggestions (ana decided the first one's).
    let open: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| kinds.contains_key(&r["segment"].as_i64().unwrap()))
        .collect();
    assert_eq!(open.len(), 20, "{open:?}");
    for r in &open {
        let seg = r["segment"].as_i64().unwrap();
        let likely = r["likely"].as_f64();
        match (r["code"].as_str().unwrap(), kinds[&seg]) {
            ("t.train", "helped") => assert!(likely.unwrap() > 0.8, "{r}"),
            ("t.train", "room") => {
                assert!(likely.unwrap() < 0.2, "{r}");
                let lowered: Vec<&str> = r["lowered"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect();
                assert!(
                    lowered.contains(&"followed by 'room' (rejected 30 of 30 times)"),
                    "{lowered:?}"
                );
            }
            ("t.train", "budget") => {
                let l = likely.unwrap();
                assert!(l > 0.2 && l < 0.8, "unseen context, no strong opinion: {r}");
            }
            // Five decisions: too few for a prediction.
            ("t.nurse", _) => assert!(r["likely"].is_null(), "{r}"),
            other => panic!("unexpected {other:?}: {r}"),
        }
    }
    // `learn` says what it learned, checked on decisions it was not fitted on.
    let learned = json(&ok(d, &["learn", "--codebook", "t", "--format", "json"]));
    let book = &learned[0];
    assert_eq!(book["decisions"], 65);
    assert_eq!(book["undecided"], 20);
    assert_eq!(book["predicted"], 15);
    assert!(book["validation"]["auc"].as_f64().unwrap() > 0.95, "{book}");
    let train = book["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "t.train")
        .unwrap();
    assert_eq!(train["decided"], 60);
    assert_eq!(train["learned"], true);
    let lowers = train["lowers"].to_string();
    assert!(
        lowers.contains("room") || lowers.contains("cold"),
        "{lowers}"
    );
    let table = ok(d, &["learn"]);
    assert!(table.contains("Codebook t: 65 decisions"), "{table}");
    assert!(table.contains("(no predictions yet)"), "{table}");
}

#[test]
fn the_likely_order_puts_what_will_be_accepted_first_and_learns_each_decision() {
    let p = project();
    let d = p.path();
    // In a terminal loop: the first five shown are the ones that "helped", each with its
    // prediction and reasons.
    let out = quarry(d)
        .args([
            "review",
            "--coder",
            "bob",
            "--codebook",
            "t",
            "--document",
            "two",
            "--order",
            "likely",
        ])
        .write_stdin("s\ns\ns\ns\ns\ns\nq\n")
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let shown: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("| "))
        .collect();
    assert!(shown.len() >= 6, "{out}");
    assert!(shown[..5].iter().all(|l| l.contains("helped")), "{shown:?}");
    assert!(!shown[5].contains("helped"), "{shown:?}");
    assert!(
        out.contains("likely over 99%") || out.contains("likely 9"),
        "{out}"
    );
    assert!(out.contains("raised: "), "{out}");

    // In the library: rejecting budget suggestions one by one lowers the others' odds and
    // moves them down the queue; undoing brings the odds back.
    let proj = Project::open(d).unwrap();
    let filter = Filter {
        codebook: Some("t".into()),
        document: Some("two".into()),
        order: Order::Likely,
        ..Filter::default()
    };
    let mut q = review::queue(&proj, "bob", &filter).unwrap();
    let text = |q: &review::Queue, i: usize| q.item(&proj, i).unwrap().segment.text;
    let budget: Vec<usize> = (0..q.items.len())
        .filter(|&i| text(&q, i).contains("budget"))
        .collect();
    let room: Vec<usize> = (0..q.items.len())
        .filter(|&i| text(&q, i).contains("room"))
        .collect();
    assert_eq!(budget.len(), 5);
    let before = q.likely(budget[4]).unwrap();
    assert!(
        q.likely(room[0]).unwrap() < before,
        "rooms start below budgets"
    );
    for &i in &budget[..4] {
        q.learn(&proj, i, false).unwrap();
    }
    let after = q.likely(budget[4]).unwrap();
    assert!(after < before - 0.1, "{before} -> {after}");
    let mut rest: Vec<usize> = vec![room[0], budget[4], room[1]];
    q.reorder(&mut rest);
    let odds: Vec<f64> = rest.iter().map(|&i| q.likely(i).unwrap()).collect();
    assert!(odds.windows(2).all(|w| w[0] >= w[1]), "{odds:?}");
    for &i in &budget[..4] {
        q.unlearn(&proj, i).unwrap();
    }
    let undone = q.likely(budget[4]).unwrap();
    assert!((undone - before).abs() < 0.05, "{before} -> {undone}");
    // Nothing was stored: bob has decided nothing.
    assert!(proj.store().decisions(Some("bob")).unwrap().is_empty());
}

#[test]
fn tune_masks_the_context_people_rejected_a_sound_term_in() {
    let p = project();
    let d = p.path();
    // "training" is right half the time: not a bad term; but never in "training room".
    let out = json(&ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--out",
            "tuned.toml",
            "--format",
            "json",
        ],
    ));
    let changes = out["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{out}");
    assert_eq!(changes[0]["term"], "train");
    assert_eq!(changes[0]["action"]["kind"], "context");
    assert_eq!(
        changes[0]["action"]["detail"],
        serde_json::json!(["training room", 30, 0])
    );
    let tuned = std::fs::read_to_string(d.join("tuned.toml")).unwrap();
    assert!(tuned.contains("mask = [\"training room\"]"), "{tuned}");
    assert!(
        tuned.contains("(a context learned from the decisions): 0 of 30 suggestions"),
        "{tuned}"
    );
    // Applied: the second interview's room turns are no longer suggested; the rest stay.
    ok(d, &["suggest", "--codebook", "tuned.toml"]);
    let kinds = kinds(d);
    let open: Vec<&str> = listing(d)
        .iter()
        .filter(|r| r["state"] == "open" && r["code"] == "t.train")
        .filter_map(|r| kinds.get(&r["segment"].as_i64().unwrap()).copied())
        .collect();
    assert_eq!(open.iter().filter(|k| **k == "room").count(), 0, "{open:?}");
    assert_eq!(open.iter().filter(|k| **k == "helped").count(), 5);
    assert_eq!(open.iter().filter(|k| **k == "budget").count(), 5);
}

#[test]
fn the_browser_review_orders_by_likely_and_shows_why() {
    let p = project();
    let d = p.path();
    let s = super::web::Server::start(d);
    let (status, _, page) = s.get(
        "/review?codebook=t&document=two&order=likely",
        &[("Cookie", &s.cookie_as("bob"))],
    );
    assert_eq!(status, 200, "{page}");
    // The first item is one that "helped", with its prediction and reasons in words.
    assert!(page.contains("helped me learn new skills"), "{page}");
    assert!(!page.contains("room was cold"), "{page}");
    assert!(
        page.contains("accepted, as learned from the decisions"),
        "{page}"
    );
    assert!(page.contains("raised: "), "{page}");
    assert!(page.contains("most likely accepted first"), "{page}");
}
