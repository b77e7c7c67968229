//! What the benchmarks share: a small seeded generator, and the sample study's turns to make
//! transcripts of.

use std::path::Path;

/// A small deterministic random number generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// The turns of the sample study's plain-text interviews, without their labels.
pub fn sample_turns() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut turns = Vec::new();
    for e in std::fs::read_dir(&dir).expect("data/sample") {
        let p = e.expect("an entry").path();
        if p.extension().is_none_or(|x| x != "txt") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&p).expect("a sample file")).into_owned();
        for line in text.lines() {
            let line = line.trim_start_matches(|c: char| "()[]0123456789: ".contains(c));
            if let Some((label, said)) = line.split_once(": ") {
                if label.len() < 30 && said.len() > 20 {
                    turns.push(said.to_string());
                }
            }
        }
    }
    assert!(turns.len() > 100, "{} turns in data/sample", turns.len());
    turns
}
