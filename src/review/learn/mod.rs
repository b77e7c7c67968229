//! The ranker: from a project's own decisions, a model per codebook that predicts how likely a
//! person is to accept each pending suggestion, and says why in words.
//!
//! Every standing decision on a suggestion of the codebook (every coder's; an accept says
//! yes, a reject or a change to another code says no) is one example. Its [`Feature`]s are
//! read from the suggestion's segment and evidence; each feature is weighed twice, once
//! shared by the codebook's codes and once for the code alone, so a code with many
//! decisions learns its own contexts and one with few borrows from the rest. The model is
//! L2-penalised logistic regression ([`model`]). A code with fewer than [`MIN_DECISIONS`]
//! decisions gets no prediction (its rule score orders it, unchanged).
//!
//! Nothing here stores anything: predictions are computed when asked for, from the
//! decisions as they stand, and never become decisions.

pub mod features;
pub mod model;
pub mod rank;

pub use features::Feature;
use model::{Example, Model};

use crate::project::Project;
use crate::store::SuggestionRow;
use crate::text::analyzer::{Analyzer, AnalyzerConfig};
use crate::{Error, Result, Segment};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Decisions a code needs before its suggestions get a prediction.
pub const MIN_DECISIONS: usize = 20;

/// The L2 penalty: with features worth one each, a word seen in a handful of decisions
/// moves a prediction a little and one seen in dozens moves it a lot.
pub const L2: f64 = 1.0;

/// L-BFGS iterations for a fit from nothing, and for a refit after one more decision (which
/// starts from the fit before and stops at a looser tolerance: a review action must stay
/// quick, see benches/rank.rs).
const ITERATIONS: usize = 300;
const REFIT_ITERATIONS: usize = 10;
const REFIT_TOLERANCE: f64 = 1e-4;

/// Reasons an explanation gives each way.
pub const REASONS: usize = 3;

/// Segments read from the store at a time when predicting.
const CHUNK: usize = 20_000;

/// A feature weighed for one code (`Some(code index)`) or for all (`None`).
type Key = (Option<u32>, Feature);

/// How much a code has to learn from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeFit {
    /// Code id.
    pub code: String,
    /// Decisions on its suggestions (one per coder and segment).
    pub decided: usize,
    /// Of them, accepted.
    pub accepted: usize,
}

impl CodeFit {
    /// Whether its suggestions get predictions (at least [`MIN_DECISIONS`] decisions).
    pub fn learned(&self) -> bool {
        self.decided >= MIN_DECISIONS
    }
}

/// One reason a prediction is what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The feature in words ("followed by 'group'").
    pub what: String,
    /// How far it moves the log-odds (positive: raises).
    pub weight: f64,
    /// Decisions with this feature: for the code itself, or, when `across_codes`, for the
    /// codebook's codes together.
    pub decided: u32,
    /// Of them, accepted.
    pub accepted: u32,
    /// The counts are the codebook's (the code has never decided this feature).
    pub across_codes: bool,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (verb, n) = if self.weight >= 0.0 {
            ("accepted", self.accepted)
        } else {
            ("rejected", self.decided - self.accepted)
        };
        let times = if self.decided == 1 { "time" } else { "times" };
        let across = if self.across_codes {
            " across codes"
        } else {
            ""
        };
        write!(
            f,
            "{} ({verb} {n} of {} {times}{across})",
            self.what, self.decided
        )
    }
}

/// A suggestion's predicted chance of being accepted, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// P(accept), 0 to 1.
    pub likely: f64,
    /// The features that raised it most, strongest first.
    pub raised: Vec<Reason>,
    /// The features that lowered it most, strongest first.
    pub lowered: Vec<Reason>,
}

impl Prediction {
    /// The chance as a person reads it: a whole percentage, never a certain 0% or 100%.
    pub fn percent(&self) -> String {
        let pct = self.likely * 100.0;
        if pct < 1.0 {
            "under 1%".to_string()
        } else if pct > 99.0 {
            "over 99%".to_string()
        } else {
            format!("{pct:.0}%")
        }
    }

    /// One line: "likely 83%; raised: ...; lowered: ...".
    pub fn summary(&self) -> String {
        let list = |r: &[Reason]| {
            r.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = format!("likely {}", self.percent());
        if !self.raised.is_empty() {
            out.push_str(&format!("; raised: {}", list(&self.raised)));
        }
        if !self.lowered.is_empty() {
            out.push_str(&format!("; lowered: {}", list(&self.lowered)));
        }
        out
    }
}

/// A codebook's ranker, fitted on the decisions as they stood when it was made.
pub struct Ranker {
    codebook: String,
    config: AnalyzerConfig,
    code_index: HashMap<String, u32>,
    codes: Vec<CodeFit>,
    ids: HashMap<Key, u32>,
    keys: Vec<Key>,
    model: Model,
    examples: Vec<Example>,
    /// Per example: its code's index.
    example_codes: Vec<u32>,
    /// Per key id: (decided, accepted) of the examples that have it.
    counts: Vec<(u32, u32)>,
    terms: HashMap<(i64, u16), String>,
    surfaces: HashMap<String, String>,
    attrs: HashMap<i64, Vec<(String, String)>>,
    /// Per segment, the codes of the codebook's open suggestions on it.
    suggested: HashMap<i64, Vec<String>>,
}

/// Each decided suggestion of `codebook` with its standing verdicts (one per coder).
fn decided(project: &Project, codebook: &str) -> Result<Vec<(SuggestionRow, Vec<bool>)>> {
    let store = project.store();
    let decisions = store.decisions(None)?;
    let mut on: HashMap<(i64, String), Vec<bool>> = HashMap::new();
    for ((_, seg, code), yes) in super::quality::verdicts(&decisions, codebook) {
        on.entry((seg, code)).or_default().push(yes);
    }
    let mut out: Vec<(SuggestionRow, Vec<bool>)> = store
        .codebook_suggestions(codebook, true)?
        .into_iter()
        .filter_map(|s| {
            let votes = on.remove(&(s.segment, s.code.clone()))?;
            Some((s, votes))
        })
        .collect();
    out.sort_by(|a, b| (a.0.segment, &a.0.code).cmp(&(b.0.segment, &b.0.code)));
    Ok(out)
}

/// The segments of `rows`, in their order (an error names a segment that is gone).
fn segments_of(project: &Project, rows: &[&SuggestionRow]) -> Result<Vec<Segment>> {
    let ids: Vec<i64> = rows.iter().map(|s| s.segment).collect();
    let found: HashMap<i64, Segment> = project
        .store()
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    rows.iter()
        .map(|s| {
            found
                .get(&s.segment)
                .cloned()
                .ok_or_else(|| Error::Other(format!("segment #{} is gone", s.segment)))
        })
        .collect()
}

impl Ranker {
    /// Fits `codebook`'s ranker on the project's decisions.
    pub fn fit(project: &Project, codebook: &str) -> Result<Ranker> {
        let store = project.store();
        if store.suggest_run(codebook)?.is_none() {
            return Err(Error::Other(format!(
                "codebook {codebook} has no suggestions yet: run `quarry suggest --codebook {codebook}` first"
            )));
        }
        let terms = store
            .rules(codebook)?
            .into_iter()
            .flat_map(|r| {
                let id = r.id;
                r.terms
                    .into_iter()
                    .enumerate()
                    .map(move |(k, t)| ((id, k as u16), t))
            })
            .collect();
        let mut r = Ranker {
            codebook: codebook.to_string(),
            config: project.analyzer().clone(),
            code_index: HashMap::new(),
            codes: Vec::new(),
            ids: HashMap::new(),
            keys: Vec::new(),
            model: Model::default(),
            examples: Vec::new(),
            example_codes: Vec::new(),
            counts: Vec::new(),
            terms,
            surfaces: HashMap::new(),
            attrs: store.document_attributes()?,
            suggested: HashMap::new(),
        };
        for (code, seg) in store.open_suggestions(codebook)? {
            r.suggested.entry(seg).or_default().push(code);
        }
        let rows = decided(project, codebook)?;
        let mut analyzer = Analyzer::new(&r.config).map_err(Error::Other)?;
        for chunk in rows.chunks(CHUNK) {
            let refs: Vec<&SuggestionRow> = chunk.iter().map(|(s, _)| s).collect();
            let segs = segments_of(project, &refs)?;
            for ((s, votes), seg) in chunk.iter().zip(&segs) {
                let attrs = r.attrs.get(&seg.document_id).map_or(&[][..], Vec::as_slice);
                let mut f = features::features(
                    &mut analyzer,
                    seg,
                    &s.evidence,
                    attrs,
                    Some(&mut r.surfaces),
                );
                f.extend(r.also(s));
                for &yes in votes {
                    r.add(&s.code, &f, yes);
                }
            }
        }
        r.model = Model::fit(&r.examples, r.keys.len(), L2, None, ITERATIONS);
        Ok(r)
    }

    /// The other codes suggested for the segment of suggestion `s`, as features.
    fn also<'a>(&'a self, s: &'a SuggestionRow) -> impl Iterator<Item = Feature> + 'a {
        self.suggested
            .get(&s.segment)
            .into_iter()
            .flatten()
            .filter(move |c| **c != s.code)
            .map(|c| Feature::Also(c.clone()))
    }

    /// The codebook's id.
    pub fn codebook(&self) -> &str {
        &self.codebook
    }

    /// Each code that has decisions, with how many.
    pub fn codes(&self) -> &[CodeFit] {
        &self.codes
    }

    /// Examples the model was fitted on.
    pub fn examples(&self) -> usize {
        self.examples.len()
    }

    /// Whether suggestions of `code` get predictions.
    pub fn learned(&self, code: &str) -> bool {
        self.code_index
            .get(code)
            .is_some_and(|&c| self.codes[c as usize].learned())
    }

    fn intern(&mut self, key: Key) -> u32 {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.clone());
        self.ids.insert(key, id);
        self.counts.push((0, 0));
        id
    }

    /// Adds one decision as an example (the model is not refitted: see [`Ranker::refit`]).
    pub fn add(&mut self, code: &str, features: &[Feature], accepted: bool) {
        let next = self.codes.len() as u32;
        let c = *self.code_index.entry(code.to_string()).or_insert(next);
        if c == next {
            self.codes.push(CodeFit {
                code: code.to_string(),
                decided: 0,
                accepted: 0,
            });
        }
        let fit = &mut self.codes[c as usize];
        fit.decided += 1;
        fit.accepted += usize::from(accepted);
        let mut x = Vec::with_capacity(features.len() * 2);
        for f in features {
            for scope in [None, Some(c)] {
                if scope.is_none() && *f == Feature::Bias {
                    continue; // the shared bias is the model's intercept
                }
                let id = self.intern((scope, f.clone()));
                let n = &mut self.counts[id as usize];
                n.0 += 1;
                n.1 += u32::from(accepted);
                x.push((id, 1.0));
            }
        }
        self.examples.push(Example { x, y: accepted });
        self.example_codes.push(c);
    }

    /// Takes back one decision [`Ranker::add`] added (the model is not refitted).
    pub fn remove(&mut self, code: &str, features: &[Feature], accepted: bool) {
        let Some(&c) = self.code_index.get(code) else {
            return;
        };
        let mut x = Vec::with_capacity(features.len() * 2);
        for f in features {
            for scope in [None, Some(c)] {
                if scope.is_none() && *f == Feature::Bias {
                    continue;
                }
                if let Some(&id) = self.ids.get(&(scope, f.clone())) {
                    x.push((id, 1.0));
                }
            }
        }
        let Some(at) = self
            .examples
            .iter()
            .rposition(|e| e.y == accepted && e.x == x)
        else {
            return;
        };
        self.examples.remove(at);
        self.example_codes.remove(at);
        for &(id, _) in &x {
            let n = &mut self.counts[id as usize];
            n.0 -= 1;
            n.1 -= u32::from(accepted);
        }
        let fit = &mut self.codes[c as usize];
        fit.decided -= 1;
        fit.accepted -= usize::from(accepted);
    }

    /// Refits the model, starting from the current one (cheap after one more example).
    pub fn refit(&mut self) {
        self.model = Model::fit_to(
            &self.examples,
            self.keys.len(),
            L2,
            Some(&self.model),
            REFIT_ITERATIONS,
            REFIT_TOLERANCE,
        );
    }

    /// The features of `rows` (all of this codebook), read in parallel.
    pub fn features(
        &self,
        project: &Project,
        rows: &[&SuggestionRow],
    ) -> Result<Vec<Vec<Feature>>> {
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let segs = segments_of(project, chunk)?;
            let analyzer = Analyzer::new(&self.config).map_err(Error::Other)?;
            let part: Vec<Vec<Feature>> = chunk
                .par_iter()
                .zip(&segs)
                .map_init(
                    || analyzer.clone(),
                    |a, (s, seg)| {
                        let attrs = self
                            .attrs
                            .get(&seg.document_id)
                            .map_or(&[][..], Vec::as_slice);
                        let mut f = features::features(a, seg, &s.evidence, attrs, None);
                        f.extend(self.also(s));
                        f
                    },
                )
                .collect();
            out.extend(part);
        }
        Ok(out)
    }

    /// The model's feature ids for a suggestion of `code` with `features` (those the model
    /// knows), or None when the code gets no prediction. With them, [`Ranker::likely`] is a
    /// sum, cheap enough to rescore a whole queue after every decision.
    pub fn ids(&self, code: &str, features: &[Feature]) -> Option<Vec<u32>> {
        let &c = self.code_index.get(code)?;
        if !self.codes[c as usize].learned() {
            return None;
        }
        let mut x = Vec::with_capacity(features.len() * 2);
        for f in features {
            for scope in [None, Some(c)] {
                if let Some(&id) = self.ids.get(&(scope, f.clone())) {
                    x.push(id);
                }
            }
        }
        Some(x)
    }

    /// P(accept) from [`Ranker::ids`].
    pub fn likely(&self, ids: &[u32]) -> f64 {
        let z = self.model.bias
            + ids
                .iter()
                .map(|&i| self.model.weights.get(i as usize).copied().unwrap_or(0.0))
                .sum::<f64>();
        model::sigmoid(z)
    }

    /// The prediction for a suggestion of `code` with `features`, explained; None when the
    /// code has fewer than [`MIN_DECISIONS`] decisions.
    pub fn predict(&self, code: &str, features: &[Feature]) -> Option<Prediction> {
        let &c = self.code_index.get(code)?;
        if !self.codes[c as usize].learned() {
            return None;
        }
        let weight = |id: u32| self.model.weights.get(id as usize).copied().unwrap_or(0.0);
        let mut z = self.model.bias;
        let mut reasons = Vec::new();
        for f in features {
            let shared = self.ids.get(&(None, f.clone())).copied();
            let own = self.ids.get(&(Some(c), f.clone())).copied();
            let w = shared.map_or(0.0, weight) + own.map_or(0.0, weight);
            z += w;
            if *f == Feature::Bias || w == 0.0 {
                continue;
            }
            let Some((id, across)) = self.evidence_of(own, shared) else {
                continue;
            };
            let (decided, accepted) = self.counts[id as usize];
            // A feature of every decision of the code (its rule's word, a word always next
            // to it) says nothing about this suggestion apart from the others: its weight
            // counts, but it is not given as a reason.
            if !across && decided as usize == self.codes[c as usize].decided {
                continue;
            }
            reasons.push((f, w, decided, accepted, across));
        }
        let names = features::Names {
            terms: &self.terms,
            surfaces: &self.surfaces,
        };
        let reason =
            |&(f, w, decided, accepted, across): &(&Feature, f64, u32, u32, bool)| Reason {
                what: f.describe(&names),
                weight: w,
                decided,
                accepted,
                across_codes: across,
            };
        reasons.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let raised = reasons
            .iter()
            .filter(|r| r.1 > 0.0)
            .take(REASONS)
            .map(reason)
            .collect();
        let lowered = reasons
            .iter()
            .rev()
            .filter(|r| r.1 < 0.0)
            .take(REASONS)
            .map(reason)
            .collect();
        Some(Prediction {
            likely: model::sigmoid(z),
            raised,
            lowered,
        })
    }

    /// Predictions for `rows` (suggestions of this codebook), in their order.
    pub fn predict_rows(
        &self,
        project: &Project,
        rows: &[&SuggestionRow],
    ) -> Result<Vec<Option<Prediction>>> {
        let feats = self.features(project, rows)?;
        Ok(rows
            .iter()
            .zip(&feats)
            .map(|(s, f)| self.predict(&s.code, f))
            .collect())
    }

    /// Which counts a reason gives for a feature weighed for the code (`own`) and for all
    /// codes (`shared`): the codebook's when its weight clearly moves the prediction more
    /// (half as much again), else the code's own, so the counts
    /// say why it moves the way it does. (id, whether they are the codebook's).
    fn evidence_of(&self, own: Option<u32>, shared: Option<u32>) -> Option<(u32, bool)> {
        let weight = |id: u32| self.model.weights.get(id as usize).map_or(0.0, |w| w.abs());
        match (own, shared) {
            (Some(o), Some(s)) if weight(s) > 1.5 * weight(o) => Some((s, true)),
            (Some(o), _) => Some((o, false)),
            (None, Some(s)) => Some((s, true)),
            (None, None) => None,
        }
    }

    /// What the model learned for `code`: its features by weight (shared and own summed),
    /// strongest raising first and strongest lowering last; features seen in fewer than
    /// three of the code's decisions are left out (their weights are small and their
    /// counts say little).
    pub fn weights(&self, code: &str) -> Vec<Reason> {
        let Some(&c) = self.code_index.get(code) else {
            return Vec::new();
        };
        let names = features::Names {
            terms: &self.terms,
            surfaces: &self.surfaces,
        };
        let mut out: Vec<Reason> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(id, (scope, f))| {
                *scope == Some(c) && *f != Feature::Bias && self.counts[*id].0 >= 3
            })
            .map(|(id, (_, f))| {
                let shared = self.ids.get(&(None, f.clone())).copied();
                let w =
                    self.model.weights[id] + shared.map_or(0.0, |s| self.model.weights[s as usize]);
                let (from, across) = self
                    .evidence_of(Some(id as u32), shared)
                    .unwrap_or((id as u32, false));
                let (decided, accepted) = self.counts[from as usize];
                Reason {
                    what: f.describe(&names),
                    weight: w,
                    decided,
                    accepted,
                    across_codes: across,
                }
            })
            .collect();
        out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.what.cmp(&b.what)));
        out
    }
}

/// How well the ranker predicts decisions it was not fitted on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// Folds: each decision is predicted by a model fitted on the other folds.
    pub folds: usize,
    /// Decisions predicted (those of codes with predictions).
    pub decisions: usize,
    /// Of them, accepted.
    pub accepted: usize,
    /// Area under the ROC curve: the chance an accepted suggestion is ranked above a
    /// rejected one (0.5: no better than chance).
    pub auc: f64,
    /// Share predicted right at 0.5.
    pub accuracy: f64,
    /// The share right by always saying the more common verdict.
    pub baseline: f64,
}

impl Ranker {
    /// Cross-validates the ranker on its own decisions, `folds` ways (decisions dealt to
    /// folds in turn, in segment order). None when the codes with predictions have no
    /// accepted or no rejected decision.
    pub fn validate(&self, folds: usize) -> Option<Validation> {
        let folds = folds.max(2);
        let keep: Vec<usize> = (0..self.examples.len())
            .filter(|&i| self.codes[self.example_codes[i] as usize].learned())
            .collect();
        let mut scored: Vec<(f64, bool)> = Vec::with_capacity(keep.len());
        for k in 0..folds {
            let train: Vec<Example> = (0..self.examples.len())
                .filter(|i| i % folds != k)
                .map(|i| self.examples[i].clone())
                .collect();
            let m = Model::fit(&train, self.keys.len(), L2, Some(&self.model), ITERATIONS);
            for &i in keep.iter().filter(|&&i| i % folds == k) {
                let e = &self.examples[i];
                scored.push((m.probability(&e.x), e.y));
            }
        }
        let accepted = scored.iter().filter(|s| s.1).count();
        let n = scored.len();
        if accepted == 0 || accepted == n {
            return None;
        }
        let right = scored.iter().filter(|(p, y)| (*p >= 0.5) == *y).count();
        Some(Validation {
            folds,
            decisions: n,
            accepted,
            auc: auc(&scored),
            accuracy: right as f64 / n as f64,
            baseline: accepted.max(n - accepted) as f64 / n as f64,
        })
    }
}

/// The area under the ROC curve of (score, positive) pairs, ties counted half.
pub fn auc(scored: &[(f64, bool)]) -> f64 {
    let mut v = scored.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let pos = v.iter().filter(|s| s.1).count() as f64;
    let neg = v.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 0.5;
    }
    // Mann-Whitney: sum of the positives' ranks (ties share the mean rank).
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum += mean_rank * v[i..j].iter().filter(|s| s.1).count() as f64;
        i = j;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prediction_never_reads_as_certain() {
        let p = |likely| Prediction {
            likely,
            raised: Vec::new(),
            lowered: Vec::new(),
        };
        assert_eq!(p(0.996).summary(), "likely over 99%");
        assert_eq!(p(0.004).percent(), "under 1%");
        assert_eq!(p(0.424).percent(), "42%");
    }

    #[test]
    fn auc_counts_pairs_in_order_and_ties_half() {
        assert_eq!(auc(&[(0.9, true), (0.1, false)]), 1.0);
        assert_eq!(auc(&[(0.1, true), (0.9, false)]), 0.0);
        assert_eq!(auc(&[(0.5, true), (0.5, false)]), 0.5);
        // 3 positives, 2 negatives: pairs in order 5 of 6.
        let v = [
            (0.9, true),
            (0.8, true),
            (0.3, true),
            (0.5, false),
            (0.1, false),
        ];
        assert!((auc(&v) - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn reasons_say_which_way_and_how_often() {
        let r = Reason {
            what: "followed by 'group'".into(),
            weight: -1.2,
            decided: 15,
            accepted: 1,
            across_codes: false,
        };
        assert_eq!(
            r.to_string(),
            "followed by 'group' (rejected 14 of 15 times)"
        );
        let up = Reason {
            weight: 0.4,
            decided: 1,
            accepted: 1,
            across_codes: true,
            ..r
        };
        assert_eq!(
            up.to_string(),
            "followed by 'group' (accepted 1 of 1 time across codes)"
        );
    }
}
