//! Discover: what no code covers, as a start for inductive coding.
//!
//! The in-scope segments a codebook left alone (no suggestion, no person's code) are compared
//! with those it reached (a suggestion, or a person's code): words and two-word phrases much
//! more frequent among the uncovered segments (Dunning's log-likelihood, G²) are its
//! distinctive terms. The best `top` are grouped into clusters of terms that occur in the
//! same segments (a term joins the cluster holding the term it shares the most segments
//! with, by Jaccard, when that is at least [`JOIN`]); each cluster has its segments and
//! three example quotes. [`draft`] turns clusters into a codebook of draft codes, one per
//! cluster, whose rules are the cluster's terms. Nothing is stored.

use crate::codebook::{self, Codebook};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::propose::{candidates, rule_text, Key};
use crate::review::quality;
use crate::suggest::triage::{self, TriageConfig};
use crate::text::analyzer::{Analyzer, AnalyzerConfig};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The least Jaccard similarity between two terms' segments for them to share a cluster.
pub const JOIN: f64 = 0.15;

/// What `discover` should do.
#[derive(Debug, Clone)]
pub struct DiscoverConfig {
    /// Distinctive terms to cluster.
    pub top: usize,
    /// Uncovered segments a term must be in.
    pub min_segments: usize,
}

impl Default for DiscoverConfig {
    fn default() -> Self {
        DiscoverConfig {
            top: 30,
            min_segments: 3,
        }
    }
}

/// A distinctive term of the uncovered segments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// As a rule would write it: a word, or a quoted two-word phrase.
    pub rule: String,
    /// Uncovered segments holding it.
    pub uncovered: usize,
    /// Covered segments holding it.
    pub covered: usize,
    /// Log-likelihood of the difference (higher: more distinctive).
    pub g2: f64,
}

/// Terms that occur together, with the segments they are in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    /// Its number, from 1 (`codebook new --from-cluster N`).
    pub number: usize,
    /// Its terms, most distinctive first.
    pub terms: Vec<Term>,
    /// Uncovered segments holding any of its terms.
    pub segments: usize,
    /// Three of them, those holding the most of its terms first: (segment id, document,
    /// whole text).
    pub examples: Vec<(i64, String, String)>,
}

/// What `discover` found.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// Codebook id.
    pub codebook: String,
    /// In-scope segments.
    pub in_scope: usize,
    /// Of them, with no suggestion and no person's code.
    pub uncovered: usize,
    /// The clusters, the one with the most distinctive term first.
    pub clusters: Vec<Cluster>,
}

/// Finds what `codebook` (loaded) leaves uncovered in the project.
pub fn discover(project: &Project, book: &Codebook, cfg: &DiscoverConfig) -> Result<Discovery> {
    let t = triage::run(
        project,
        &TriageConfig {
            codebook: book.clone(),
            code: None,
            limit: 0,
        },
    )?;
    // Segments a person coded count as covered.
    let decisions = project.store().decisions(None)?;
    let coded: BTreeSet<i64> = quality::verdicts(&decisions, &book.id)
        .into_iter()
        .filter(|(_, yes)| *yes)
        .map(|((_, seg, _), _)| seg)
        .collect();
    let mut analyzer = Analyzer::new(&AnalyzerConfig {
        language: book.language.clone(),
        ..project.analyzer().clone()
    })
    .map_err(Error::Other)?;
    let mut surface: HashMap<Key, String> = HashMap::new();
    let mut terms_of = |text: &str, surface: &mut HashMap<Key, String>| -> BTreeSet<Key> {
        let found = candidates(&analyzer.analyze(text));
        let keys = found.keys().cloned().collect();
        for (k, w) in found {
            surface.entry(k).or_insert(w);
        }
        keys
    };
    // Covered: segments with a suggestion (in scope), or coded. The covered in-scope
    // segments without an open suggestion (decided ones) are among the unsuggested rows
    // only when no suggestion at all exists, so `coded` catches the rest.
    let mut covered_df: HashMap<Key, usize> = HashMap::new();
    let mut covered = 0usize;
    for s in &t.segments {
        covered += 1;
        for k in terms_of(&s.text, &mut surface) {
            *covered_df.entry(k).or_default() += 1;
        }
    }
    let mut uncovered: Vec<(i64, String, String, BTreeSet<Key>)> = Vec::new();
    for s in &t.unsuggested_segments {
        let terms = terms_of(&s.text, &mut surface);
        if coded.contains(&s.segment) {
            covered += 1;
            for k in terms {
                *covered_df.entry(k).or_default() += 1;
            }
        } else {
            uncovered.push((s.segment, s.document.clone(), s.text.clone(), terms));
        }
    }
    let mut df: HashMap<&Key, Vec<usize>> = HashMap::new();
    for (i, (.., terms)) in uncovered.iter().enumerate() {
        for k in terms {
            df.entry(k).or_default().push(i);
        }
    }
    let (nu, nc) = (uncovered.len() as f64, covered as f64);
    let mut scored: Vec<(&Key, f64, usize, usize)> = df
        .iter()
        .filter(|(_, segs)| segs.len() >= cfg.min_segments)
        .filter_map(|(k, segs)| {
            let a = segs.len() as f64;
            let b = covered_df.get(*k).copied().unwrap_or(0) as f64;
            // Only terms relatively more frequent where no code reached.
            if a / nu.max(1.0) <= b / nc.max(1.0) {
                return None;
            }
            Some((*k, g2(a, nu, b, nc), segs.len(), b as usize))
        })
        .collect();
    scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(y.0)));
    scored.truncate(cfg.top);
    let rule_of = |k: &Key| rule_text(k, surface.get(k).map_or(&k.0, |w| w));
    let sets: Vec<BTreeSet<usize>> = scored
        .iter()
        .map(|(k, ..)| df[*k].iter().copied().collect())
        .collect();
    let members = cluster(&sets);
    let clusters = members
        .into_iter()
        .enumerate()
        .map(|(n, m)| {
            let mut holding: HashMap<usize, usize> = HashMap::new();
            for &i in &m {
                for &s in &sets[i] {
                    *holding.entry(s).or_default() += 1;
                }
            }
            let mut best: Vec<(usize, usize)> = holding.iter().map(|(&s, &k)| (s, k)).collect();
            best.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then(uncovered[b.0].2.len().cmp(&uncovered[a.0].2.len()))
                    .then(a.0.cmp(&b.0))
            });
            Cluster {
                number: n + 1,
                terms: m
                    .iter()
                    .map(|&i| Term {
                        rule: rule_of(scored[i].0),
                        uncovered: scored[i].2,
                        covered: scored[i].3,
                        g2: scored[i].1,
                    })
                    .collect(),
                segments: holding.len(),
                examples: best
                    .iter()
                    .take(3)
                    .map(|&(s, _)| {
                        let (id, doc, text, _) = &uncovered[s];
                        (
                            *id,
                            doc.clone(),
                            crate::text::safe::cut_middle(text, 200, 140),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Discovery {
        codebook: book.id.clone(),
        in_scope: t.in_scope,
        uncovered: uncovered.len(),
        clusters,
    })
}

/// Dunning's log-likelihood for a term in `a` of `n1` segments against `b` of `n2`.
pub fn g2(a: f64, n1: f64, b: f64, n2: f64) -> f64 {
    let e1 = n1 * (a + b) / (n1 + n2);
    let e2 = n2 * (a + b) / (n1 + n2);
    let part = |o: f64, e: f64| if o > 0.0 { o * (o / e).ln() } else { 0.0 };
    2.0 * (part(a, e1) + part(b, e2))
}

/// Greedy clustering of terms by their segments, most distinctive term first: each term
/// joins the cluster holding the term it is most alike (Jaccard, at least [`JOIN`]), else
/// starts one. Returns each cluster's term indexes.
fn cluster(sets: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<usize>> = Vec::new();
    for i in 0..sets.len() {
        let best = members
            .iter()
            .enumerate()
            .map(|(c, m)| {
                let sim = m
                    .iter()
                    .map(|&j| jaccard(&sets[i], &sets[j]))
                    .fold(0.0, f64::max);
                (c, sim)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((c, sim)) if sim >= JOIN => members[c].push(i),
            _ => members.push(vec![i]),
        }
    }
    members
}

fn jaccard(a: &BTreeSet<usize>, b: &BTreeSet<usize>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// A new codebook `id` with one draft code per chosen cluster (numbers as [`discover`] gave
/// them), its rules the cluster's terms: TOML text, checked to parse.
pub fn draft(d: &Discovery, id: &str, numbers: &[usize]) -> Result<String> {
    if !codebook::valid_id(id) {
        return Err(Error::Other(format!(
            "{id}: a codebook id is lowercase letters, digits, `_`, `-` and `.`"
        )));
    }
    let mut doc = toml_edit::DocumentMut::new();
    let mut header = toml_edit::Table::new();
    header.insert("id", toml_edit::value(id));
    header.insert(
        "name",
        toml_edit::value(format!("Themes emerging beyond {}", d.codebook)),
    );
    header.insert("version", toml_edit::value("0.1"));
    header.decor_mut().set_prefix(format!(
        "# Draft codes from `quarry discover --codebook {}` on {}: terms the codebook's rules \
         and coders left uncovered, grouped by the segments they share. Name each code, write \
         its definition, and keep only the rules that fit; then `quarry suggest --codebook` \
         this file.\n",
        d.codebook,
        crate::text::time::today()
    ));
    doc.insert("codebook", toml_edit::Item::Table(header));
    let mut codes = toml_edit::ArrayOfTables::new();
    for &n in numbers {
        let c = d.clusters.iter().find(|c| c.number == n).ok_or_else(|| {
            Error::Other(format!(
                "no cluster {n}: `quarry discover` found {} (numbered from 1)",
                d.clusters.len()
            ))
        })?;
        let mut t = toml_edit::Table::new();
        t.insert("id", toml_edit::value(format!("{id}.cluster{n}")));
        let names: Vec<&str> = c.terms.iter().take(3).map(|t| t.rule.as_str()).collect();
        t.insert(
            "name",
            toml_edit::value(format!(
                "Cluster {n}: {}",
                names.join(", ").replace('"', "")
            )),
        );
        t.insert(
            "definition",
            toml_edit::value(format!(
                "Draft: {} uncovered segments share these terms. Describe the theme here.",
                c.segments
            )),
        );
        let mut rules = toml_edit::Array::new();
        for term in &c.terms {
            let mut v = toml_edit::Value::from(term.rule.as_str());
            v.decor_mut().set_prefix(format!(
                "\n  # in {} uncovered and {} covered segments (G2 {:.1})\n  ",
                term.uncovered, term.covered, term.g2
            ));
            rules.push_formatted(v);
        }
        rules.set_trailing("\n");
        rules.set_trailing_comma(true);
        t.insert("rules", toml_edit::value(rules));
        codes.push(t);
    }
    doc.insert("code", toml_edit::Item::ArrayOfTables(codes));
    let text = doc.to_string();
    codebook::parse(&text, std::path::Path::new("draft codebook")).map_err(|e| {
        Error::Other(format!(
            "the draft codebook does not parse ({e}); nothing was written. Please report this."
        ))
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g2_is_zero_for_equal_rates_and_grows_with_the_gap() {
        assert!(g2(10.0, 100.0, 10.0, 100.0).abs() < 1e-12);
        let small = g2(12.0, 100.0, 8.0, 100.0);
        let big = g2(30.0, 100.0, 2.0, 100.0);
        assert!(small > 0.0 && big > small);
        // 10 in 1000 against 0 in 1000: both expectations 5, so 2 * 10 * ln 2.
        assert!((g2(10.0, 1000.0, 0.0, 1000.0) - 13.863).abs() < 1e-3);
    }

    #[test]
    fn terms_sharing_segments_share_a_cluster() {
        let set = |v: &[usize]| v.iter().copied().collect::<BTreeSet<usize>>();
        // 0 and 2 share most segments, 1 and 3 too; 4 shares nothing.
        let sets = [
            set(&[1, 2, 3, 4]),
            set(&[10, 11, 12]),
            set(&[2, 3, 4, 5]),
            set(&[11, 12, 13]),
            set(&[20]),
        ];
        assert_eq!(cluster(&sets), vec![vec![0, 2], vec![1, 3], vec![4]]);
    }

    #[test]
    fn jaccard_of_sets() {
        let a: BTreeSet<usize> = [1, 2, 3].into();
        let b: BTreeSet<usize> = [2, 3, 4].into();
        assert!((jaccard(&a, &b) - 0.5).abs() < 1e-12);
        assert_eq!(jaccard(&BTreeSet::new(), &BTreeSet::new()), 0.0);
    }
}
