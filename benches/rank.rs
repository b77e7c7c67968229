//! The ranker's cost in a review: what one review action takes when the queue is in
//! `--order likely` and every decision is learned at once (the decision stored, the model
//! refitted from where it was, every pending suggestion's prediction redone, the rest of the
//! queue sorted again), as the web review and the line review do. Prints p50 / p95 / max of
//! the whole action and of its learning part, and the time to build the queue.
//!
//! The project: QUARRY_BENCH_PROJECT (after `quarry suggest`; its codebook in
//! QUARRY_BENCH_CODEBOOK, default tdf), else a generated one: QUARRY_BENCH_DOCS interviews
//! (default 3,500) of 80 turns, each participant turn two of the sample study's turns, with
//! the built-in tdf codebook's suggestions. Before timing, a scripted coder `bench-seed`
//! decides 2,000 suggestions (accepting those whose turn names a patient, student or
//! colleague), so codes have predictions; the coder `bench` then decides ACTIONS more.
//!
//! usage: cargo bench --bench rank [-- ACTIONS]      (default 200 actions)

#[path = "common/mod.rs"]
mod common;

use common::{sample_turns, Rng};
use quarry::project::Project;
use quarry::review::{self, Command, Filter, Order};
use quarry::store::NewDecision;
use std::path::{Path, PathBuf};
use std::time::Instant;

const QUARRY: &str = env!("CARGO_BIN_EXE_quarry");

fn main() {
    let actions: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let config = tempfile::tempdir().expect("a temporary folder");
    std::env::set_var("QUARRY_CONFIG", config.path().join("none.toml"));
    let generated;
    let book = std::env::var("QUARRY_BENCH_CODEBOOK").unwrap_or_else(|_| "tdf".into());
    let root: PathBuf = match std::env::var_os("QUARRY_BENCH_PROJECT") {
        Some(dir) => PathBuf::from(dir),
        None => {
            generated = tempfile::tempdir().expect("a temporary folder");
            let docs = std::env::var("QUARRY_BENCH_DOCS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3500);
            build(generated.path(), docs);
            generated.path().to_path_buf()
        }
    };
    let mut p = Project::open(&root).expect("the project");
    seed_decisions(&mut p, &book, 2000);
    let filter = Filter {
        codebook: Some(book.clone()),
        order: Order::Likely,
        ..Filter::default()
    };
    let t = Instant::now();
    let mut q = review::queue(&p, "bench", &filter).expect("the queue");
    let built = t.elapsed().as_secs_f64();
    let predicted = (0..q.items.len())
        .filter(|&i| q.likely(i).is_some())
        .count();
    eprintln!(
        "queue of {} suggestions ({predicted} with a prediction) built in {built:.2} s",
        q.items.len()
    );
    let mut left: Vec<usize> = (0..q.items.len()).collect();
    let (mut whole, mut learning) = (Vec::new(), Vec::new());
    for k in 0..actions.min(q.items.len()) {
        let i = left.remove(0);
        let t = Instant::now();
        let item = q.item(&p, i).expect("an item");
        let cmd = if k % 3 == 0 {
            Command::Reject(None)
        } else {
            Command::Accept(None)
        };
        review::apply(&mut p, &q, "bench", &item, &cmd, None).expect("a decision");
        let l = Instant::now();
        q.learn(&p, i, matches!(cmd, Command::Accept(_)))
            .expect("learning");
        q.reorder(&mut left);
        learning.push(l.elapsed().as_secs_f64() * 1000.0);
        whole.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{} suggestions pending, {} actions (decide, learn, rank again):",
        q.items.len(),
        whole.len()
    );
    for (name, v) in [
        ("whole action", &mut whole),
        ("learn + rank", &mut learning),
    ] {
        v.sort_by(f64::total_cmp);
        let at = |f: f64| v[((v.len() as f64 * f) as usize).min(v.len() - 1)];
        println!(
            "  {name:14} p50 {:7.1} ms   p95 {:7.1} ms   max {:7.1} ms",
            at(0.5),
            at(0.95),
            v[v.len() - 1]
        );
    }
}

/// A generated project in `dir`: `docs` interviews of 80 turns, with tdf's suggestions.
fn build(dir: &Path, docs: usize) {
    let start = Instant::now();
    let turns = sample_turns();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let files = dir.join("files");
    std::fs::create_dir_all(&files).expect("a folder");
    for d in 0..docs {
        let mut s = String::new();
        for i in 0..80 {
            if i % 2 == 0 {
                s.push_str(&format!(
                    "Interviewer: {}\n\n",
                    turns[rng.below(turns.len())]
                ));
            } else {
                let (a, b) = (
                    turns[rng.below(turns.len())].clone(),
                    rng.below(turns.len()),
                );
                s.push_str(&format!("Participant: {a} {}\n\n", turns[b]));
            }
        }
        std::fs::write(files.join(format!("interview_{d:05}.txt")), s).expect("writing");
    }
    run(dir, &["init"]);
    run(dir, &["add", "files"]);
    run(dir, &["suggest", "--codebook", "tdf"]);
    eprintln!(
        "generated {docs} interviews in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn run(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new(QUARRY)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("quarry runs");
    assert!(
        out.status.success(),
        "quarry {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `n` decisions by a scripted coder, spread over the queue (every k-th suggestion).
fn seed_decisions(p: &mut Project, book: &str, n: usize) {
    let filter = Filter {
        codebook: Some(book.to_string()),
        ..Filter::default()
    };
    let q = review::queue(p, "bench-seed", &filter).expect("the queue");
    if q.items.is_empty() {
        return;
    }
    let step = (q.items.len() / n).max(1);
    let mut decisions = Vec::new();
    for i in (0..q.items.len()).step_by(step).take(n) {
        let item = q.item(p, i).expect("an item");
        let text = item.segment.text.to_lowercase();
        let accept = ["patient", "student", "colleague"]
            .iter()
            .any(|w| text.contains(w));
        decisions.push(NewDecision {
            coder: "bench-seed".into(),
            segment: item.suggestion.segment,
            codebook: item.suggestion.codebook.clone(),
            code: item.suggestion.code.clone(),
            accept,
            replacement: None,
            memo: None,
            answered: Some(review::answered(&item)),
            at: None,
        });
    }
    review::decide_batch(p, &decisions).expect("seeding decisions");
}
