//! Stage benchmarks (criterion) on the bundled sample study: the analyzer (words, lowercase,
//! stems, with and without a warm cache, for both stemmers) and query parsing. Whole-pipeline
//! figures against the baselines come from benches/compare.sh.
//! `cargo bench --bench stages`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quarry::text::analyzer::{Analyzer, AnalyzerConfig, StemmerKind};
use std::hint::black_box;

fn sample_text() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
    let mut s = String::new();
    for e in std::fs::read_dir(dir).expect("data/sample") {
        let p = e.expect("entry").path();
        if p.extension()
            .is_some_and(|x| x == "txt" || x == "md" || x == "vtt" || x == "srt")
        {
            s.push_str(&String::from_utf8_lossy(&std::fs::read(&p).expect("read")));
        }
    }
    s
}

fn analyzer(c: &mut Criterion) {
    let text = sample_text();
    let mut g = c.benchmark_group("analyzer");
    g.throughput(Throughput::Bytes(text.len() as u64));
    for kind in [StemmerKind::Snowball, StemmerKind::RustStemmers] {
        let cfg = AnalyzerConfig {
            language: "english".into(),
            stemmer: kind,
        };
        let mut a = Analyzer::new(&cfg).expect("analyzer");
        g.bench_function(format!("words+stems, warm cache, {}", kind.as_str()), |b| {
            b.iter(|| {
                let mut n = 0usize;
                a.for_each_word(black_box(&text), |_, _, _, _, s| n += s.len());
                n
            })
        });
    }
    g.bench_function("words+stems, cold cache", |b| {
        b.iter(|| {
            let mut a = Analyzer::new(&AnalyzerConfig::default()).expect("analyzer");
            let mut n = 0usize;
            a.for_each_word(black_box(&text), |_, _, _, _, s| n += s.len());
            n
        })
    });
    g.finish();
}

fn queries(c: &mut Criterion) {
    let mut a = Analyzer::new(&AnalyzerConfig::default()).expect("analyzer");
    c.bench_function("query parse", |b| {
        b.iter(|| {
            quarry::text::query::parse(
                black_box(
                    "(trust* OR \"fake news\") AND misinformation NEAR/5 worry -role:interviewer",
                ),
                &mut a,
            )
            .expect("parses")
        })
    });
}

criterion_group!(benches, analyzer, queries);
criterion_main!(benches);
