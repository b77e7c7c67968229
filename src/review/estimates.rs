//! Estimates of a larger run's true matches, per code, from what people decided on a
//! sample of it (`quarry import matches`; the report's section 8).

use crate::store::StratumRow;
use std::collections::BTreeMap;

/// The estimated number of true matches of one code in the full run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Matches in the full run (from the run).
    pub matches: u64,
    /// Posts sampled (from the run's output).
    pub sampled: u64,
    /// Sampled posts decided on.
    pub decided: u64,
    /// Decided posts accepted.
    pub accepted: u64,
    /// Strata of the code.
    pub strata: usize,
    /// Strata nobody has decided on yet.
    pub undecided_strata: usize,
    /// Estimated true matches, with a conservative 95% interval; None before any decision.
    pub estimate: Option<(f64, f64, f64)>,
}

/// Per code: the true matches in the run, estimated from the decisions on its sample. Per
/// stratum h with N matches, n decided posts and a accepted, the estimate adds N·a/n, and
/// the interval adds N times the ends of the Wilson 95% interval of a/n (an exact a when
/// every match was decided): adding up per-stratum bounds makes the interval wider than a
/// joint one, never narrower. A stratum nobody decided on yet adds the code's pooled share
/// to the estimate and all of 0..N to the interval.
pub fn estimate(strata: &[StratumRow]) -> Vec<Estimate> {
    let mut by_code: BTreeMap<(&str, &str), Vec<&StratumRow>> = BTreeMap::new();
    for s in strata {
        by_code.entry((&s.codebook, &s.code)).or_default().push(s);
    }
    by_code
        .into_iter()
        .map(|((codebook, code), rows)| {
            let sum = |f: fn(&StratumRow) -> u64| rows.iter().map(|r| f(r)).sum::<u64>();
            let (decided, accepted) = (sum(|r| r.decided), sum(|r| r.accepted));
            let pooled = (decided > 0).then(|| accepted as f64 / decided as f64);
            let estimate = pooled.map(|pooled| {
                let (mut point, mut low, mut high) = (0.0, 0.0, 0.0);
                for r in &rows {
                    let n = r.matches as f64;
                    if r.decided == 0 {
                        point += n * pooled;
                        high += n;
                        continue;
                    }
                    let share = r.accepted as f64 / r.decided as f64;
                    point += n * share;
                    if r.decided >= r.matches {
                        low += n * share;
                        high += n * share;
                    } else if let Some((lo, hi)) = super::stats::wilson(r.accepted, r.decided) {
                        low += n * lo;
                        high += n * hi;
                    }
                }
                (point, low, high)
            });
            Estimate {
                codebook: codebook.to_string(),
                code: code.to_string(),
                matches: sum(|r| r.matches),
                sampled: sum(|r| r.sampled),
                decided,
                accepted,
                strata: rows.len(),
                undecided_strata: rows.iter().filter(|r| r.decided == 0).count(),
                estimate,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_add_strata_and_bound_the_undecided() {
        let row = |term: &str, matches, decided, accepted| StratumRow {
            codebook: "b".into(),
            code: "b.x".into(),
            term: term.into(),
            matches,
            sampled: decided,
            decided,
            accepted,
        };
        // 1,000 matches under "a", half true in 100 decided; 10 under "c", all decided.
        let e = estimate(&[row("a", 1000, 100, 50), row("c", 10, 10, 10)]);
        let (point, low, high) = e[0].estimate.unwrap();
        assert!((point - 510.0).abs() < 1e-9);
        let (lo, hi) = super::super::stats::wilson(50, 100).unwrap();
        assert!((low - (1000.0 * lo + 10.0)).abs() < 1e-9, "{low}");
        assert!((high - (1000.0 * hi + 10.0)).abs() < 1e-9, "{high}");
        assert!(low < point && point < high);
        // A stratum nobody decided on: the pooled share, and 0..N in the interval.
        let e = estimate(&[row("a", 100, 10, 5), row("d", 50, 0, 0)]);
        let (point, low, high) = e[0].estimate.unwrap();
        assert!((point - 75.0).abs() < 1e-9);
        let (lo, hi) = super::super::stats::wilson(5, 10).unwrap();
        assert!((low - 100.0 * lo).abs() < 1e-9 && (high - (100.0 * hi + 50.0)).abs() < 1e-9);
        assert_eq!(e[0].undecided_strata, 1);
        // Nothing decided: no estimate.
        assert_eq!(estimate(&[row("a", 100, 0, 0)])[0].estimate, None);
    }
}
