//! In-process search latency with quotes: for each query of a `kind<TAB>query` file, the full
//! `quarry search` work (parse, count, top 20 in document order, quotes from the database,
//! highlights), repeated; prints `kind<TAB>query<TAB>hits<TAB>p50_ms<TAB>p95_ms` per query and a
//! summary line on stderr. Build a project first (`quarry init`, `quarry add CORPUS`).
//!
//! usage: cargo bench --bench latency -- PROJECT_DIR QUERIES_TSV [ITERS]

use quarry::project::search::{self, SearchConfig};
use quarry::project::Project;
use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(dir), Some(qfile)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo bench --bench latency -- PROJECT_DIR QUERIES_TSV [ITERS]");
        eprintln!("(nothing to measure without a project: exiting)");
        return;
    };
    let iters: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50);
    let p = Project::open(std::path::Path::new(dir)).expect("open the project");
    let (mut index, _) = p.index().expect("open the index");
    let text = std::fs::read_to_string(qfile).expect("read the queries");
    let mut all = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (kind, q) = line.split_once('\t').expect("kind<TAB>query");
        let cfg = SearchConfig {
            query: q.to_string(),
            limit: 20,
            offset: 0,
            ..Default::default()
        };
        let mut times = Vec::with_capacity(iters);
        let mut hits = 0;
        for i in 0..iters + 2 {
            let t = Instant::now();
            let r = search::search(&p, &mut index, &cfg).expect("search");
            let quote_bytes: usize = r
                .hits
                .iter()
                .map(|h| h.segment.text.len() + h.highlights.len())
                .sum();
            std::hint::black_box(quote_bytes);
            if i >= 2 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            hits = r.total;
        }
        all.extend_from_slice(&times);
        println!(
            "{kind}\t{q}\t{hits}\t{:.3}\t{:.3}",
            pct(&mut times, 0.5),
            pct(&mut times, 0.95)
        );
    }
    eprintln!(
        "tool=quarry-latency queries={} iters={iters} p50_ms={:.3} p95_ms={:.3} max_ms={:.3}",
        text.lines().filter(|l| !l.trim().is_empty()).count(),
        pct(&mut all, 0.5),
        pct(&mut all, 0.95),
        pct(&mut all, 1.0)
    );
}
