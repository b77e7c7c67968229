//! Quality: how good each rule is and how far coders agree, from people's decisions.
//!
//! [`rules`] gives, per code and per rule of a codebook's last run, how often it fired, how
//! many of its suggestions were decided and accepted, the precision with a 95% Wilson
//! interval, and the evidence words most often rejected; with a sample of segments that got
//! no suggestion reviewed (`review --unsuggested`), an estimate of recall. [`agreement`]
//! compares two coders (or a coder and the rules) code by code. Read-only.

use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::stats::{self, Agreement};
use crate::store::{DecisionRow, SuggestionState, NO_WORD};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The `answered` mark of a decision made on a segment that got no suggestion, drawn at
/// random (these estimate recall).
pub const UNSUGGESTED: &str = r#"{"unsuggested":true}"#;

/// The same for a segment drawn because it resembles confirmed ones (these feed
/// `codebook propose` but would bias the recall estimate, so it leaves them out).
pub const UNSUGGESTED_TARGETED: &str = r#"{"unsuggested":"targeted"}"#;

/// The code of such a decision when no code applies.
pub const NO_CODE: &str = "";

/// How one rule did.
#[derive(Debug, Clone, Serialize)]
pub struct RuleQuality {
    /// Its id in the project's `rules` table (what evidence names).
    #[serde(skip)]
    pub id: i64,
    /// The rule as written.
    pub rule: String,
    /// Suggestions it made (waiting or covered).
    pub fired: usize,
    /// Of those, decided.
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// 95% Wilson interval of the precision.
    pub interval: Option<(f64, f64)>,
    /// Evidence words of its rejected suggestions, most frequent first.
    pub rejected_words: Vec<(String, usize)>,
    /// Its terms (a rule of one term has one, the rule itself).
    pub terms: Vec<TermQuality>,
}

/// How one term of a rule did: the suggestions whose evidence it found.
#[derive(Debug, Clone, Serialize)]
pub struct TermQuality {
    /// The term, by its stems (`fear*`, `"visual abstract"`, `risk NEAR/3 new`).
    pub term: String,
    /// Suggestions it found evidence for.
    pub fired: usize,
    /// Decisions on those.
    pub decided: usize,
    /// Of those, accepts.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// 95% Wilson interval of the precision.
    pub interval: Option<(f64, f64)>,
    /// Accepts of suggestions no other term of the code found: what dropping this term
    /// would cost.
    pub only: usize,
    /// `only` as a share of the code's accepts.
    pub only_share: Option<f64>,
    /// Decisions still needed to narrow the interval below the width given to
    /// [`RulesReport::plan`], if precision stays where it is (None: not planned, or out of
    /// reach).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<u64>,
}

/// How one code did.
#[derive(Debug, Clone, Serialize)]
pub struct CodeQuality {
    /// Code id.
    pub code: String,
    /// Suggestions of the code (waiting or covered).
    pub fired: usize,
    /// Of those, decided.
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// 95% Wilson interval.
    pub interval: Option<(f64, f64)>,
    /// Its rules.
    pub rules: Vec<RuleQuality>,
}

/// An estimate of recall from a reviewed sample of segments that got no suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Recall {
    /// Unsuggested segments reviewed from the random part of the samples (the estimate's).
    pub sampled: usize,
    /// Unsuggested segments reviewed from the targeted part (left out of the estimate).
    pub targeted: usize,
    /// Of those, segments a code applied to (missed by the rules).
    pub missed: usize,
    /// In-scope segments with no suggestion.
    pub unsuggested: usize,
    /// Segments with a suggestion.
    pub suggested: usize,
    /// Share of decided suggested segments with an accepted code.
    pub segment_precision: f64,
    /// Estimated share of segments a code applies to that got a suggestion.
    pub recall: f64,
    /// Its range from the 95% interval of the missed share.
    pub interval: (f64, f64),
}

/// The rule report of one codebook.
#[derive(Debug, Clone, Serialize)]
pub struct RulesReport {
    /// Codebook id.
    pub codebook: String,
    /// Whose decisions (None: everyone's).
    pub coder: Option<String>,
    /// Per code, in the order of the last run's rules.
    pub codes: Vec<CodeQuality>,
    /// Recall, when a sample of unsuggested segments was reviewed.
    pub recall: Option<Recall>,
}

fn precision(accepted: usize, decided: usize) -> (Option<f64>, Option<(f64, f64)>) {
    (
        (decided > 0).then(|| accepted as f64 / decided as f64),
        stats::wilson(accepted as u64, decided as u64),
    )
}

/// A coder's standing verdict on one code of one segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verdict<'a> {
    /// Whether the code applies.
    pub applies: bool,
    /// The decision that says so (for a change, the one that applied the other code).
    pub decision: &'a DecisionRow,
}

/// Key of a [`Verdict`]: (coder, codebook, segment, code).
pub(crate) type VerdictKey = (String, String, i64, String);

/// Each coder's latest standing decision per (codebook, segment, code), as "applies": an
/// accept says yes, a reject no, and a change says yes for the code changed to. `decisions`
/// come oldest first, as [`crate::store::Store::decisions`] gives them.
pub(crate) fn standing(decisions: &[DecisionRow]) -> BTreeMap<VerdictKey, Verdict<'_>> {
    let mut out = BTreeMap::new();
    for d in decisions {
        let key = |code: &str| {
            (
                d.coder.clone(),
                d.codebook.clone(),
                d.segment,
                code.to_string(),
            )
        };
        if d.code != NO_CODE {
            out.insert(
                key(&d.code),
                Verdict {
                    applies: d.accept,
                    decision: d,
                },
            );
        }
        if let Some(r) = d.replacement.as_deref().filter(|r| *r != NO_CODE) {
            out.insert(
                key(r),
                Verdict {
                    applies: true,
                    decision: d,
                },
            );
        }
    }
    out
}

/// [`standing`] for one codebook, as (coder, segment, code) → applies.
pub(crate) fn verdicts(
    decisions: &[DecisionRow],
    codebook: &str,
) -> BTreeMap<(String, i64, String), bool> {
    standing(decisions)
        .into_iter()
        .filter(|((_, book, ..), _)| book == codebook)
        .map(|((coder, _, seg, code), v)| ((coder, seg, code), v.applies))
        .collect()
}

/// One term with the code and rule it belongs to, for a list of terms across rules.
#[derive(Debug, Clone, Serialize)]
pub struct RankedTerm {
    /// Code id.
    pub code: String,
    /// The rule as written.
    pub rule: String,
    /// How the term did.
    #[serde(flatten)]
    pub quality: TermQuality,
}

impl RulesReport {
    /// Leaves out the rules and terms decided fewer than `n` times (codes stay).
    pub fn min_decided(&mut self, n: usize) {
        for c in &mut self.codes {
            c.rules.retain(|r| r.decided >= n);
            for r in &mut c.rules {
                r.terms.retain(|t| t.decided >= n);
            }
        }
    }

    /// Sets each term's [`TermQuality::more`]: the decisions that would narrow its interval
    /// (quantile `z`) below `width`.
    pub fn plan(&mut self, width: f64, z: f64) {
        for t in self
            .codes
            .iter_mut()
            .flat_map(|c| c.rules.iter_mut())
            .flat_map(|r| r.terms.iter_mut())
        {
            t.more = stats::more_for_width(t.accepted as u64, t.decided as u64, width, z);
        }
    }

    /// Every decided term, worst first: by the top of its precision interval (the terms
    /// surely bad come first), then by precision, then by decisions (most first).
    pub fn worst_terms(&self) -> Vec<RankedTerm> {
        let mut out: Vec<RankedTerm> = self
            .codes
            .iter()
            .flat_map(|c| {
                c.rules.iter().flat_map(move |r| {
                    r.terms
                        .iter()
                        .filter(|t| t.decided > 0)
                        .map(move |t| RankedTerm {
                            code: c.code.clone(),
                            rule: r.rule.clone(),
                            quality: t.clone(),
                        })
                })
            })
            .collect();
        let key = |t: &RankedTerm| {
            (
                t.quality.interval.map_or(1.0, |i| i.1),
                t.quality.precision.unwrap_or(1.0),
            )
        };
        out.sort_by(|a, b| {
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.quality.decided.cmp(&a.quality.decided))
        });
        out
    }
}

/// The rule report of `codebook`'s last run, from `coder`'s decisions (or everyone's).
pub fn rules(project: &Project, codebook: &str, coder: Option<&str>) -> Result<RulesReport> {
    tally(project, codebook, coder, true)
}

/// [`rules`] without the recall estimate, which runs a triage of the whole project: for
/// callers that need the per-term counts only (a per-term sample, `tune`).
pub(crate) fn precision_only(
    project: &Project,
    codebook: &str,
    coder: Option<&str>,
) -> Result<RulesReport> {
    tally(project, codebook, coder, false)
}

fn tally(
    project: &Project,
    codebook: &str,
    coder: Option<&str>,
    with_recall: bool,
) -> Result<RulesReport> {
    let store = project.store();
    let run = store.suggest_run(codebook)?.ok_or_else(|| {
        Error::Other(format!(
            "codebook {codebook} has no suggestions yet: run `quarry suggest --codebook {codebook}` first"
        ))
    })?;
    let rules: HashMap<i64, (String, String, Vec<String>)> = store
        .rules(codebook)?
        .into_iter()
        .map(|r| (r.id, (r.code, r.text, r.terms)))
        .collect();
    let words: HashMap<u32, String> = store
        .words()?
        .into_iter()
        .map(|(id, w, _)| (id, w))
        .collect();
    let decisions = store.decisions(coder)?;
    let verdicts = verdicts(&decisions, codebook);
    // Per (segment, code): the decisions on it (one per coder).
    let mut on: HashMap<(i64, &str), Vec<bool>> = HashMap::new();
    for ((_, seg, code), yes) in &verdicts {
        on.entry((*seg, code.as_str())).or_default().push(*yes);
    }
    // Tallies per rule id and per code.
    let mut by_rule: HashMap<i64, Tally> = HashMap::new();
    let mut by_term: HashMap<(i64, u16), Tally> = HashMap::new();
    let mut by_code: HashMap<String, Tally> = HashMap::new();
    let mut suggested_segments = HashSet::new();
    let mut decided_segments: HashMap<i64, bool> = HashMap::new();
    for s in store.codebook_suggestions(codebook, false)? {
        if s.state == SuggestionState::Withdrawn {
            continue;
        }
        suggested_segments.insert(s.segment);
        let votes = on.get(&(s.segment, s.code.as_str()));
        let (decided, accepted) =
            votes.map_or((0, 0), |v| (v.len(), v.iter().filter(|x| **x).count()));
        if decided > 0 {
            let e = decided_segments.entry(s.segment).or_default();
            *e |= accepted > 0;
        }
        let code = by_code.entry(s.code.clone()).or_default();
        code.fired += 1;
        code.decided += decided;
        code.accepted += accepted;
        let mut seen = HashSet::new();
        let mut terms = HashSet::new();
        for e in &s.evidence {
            let t = by_rule.entry(e.rule).or_default();
            if seen.insert(e.rule) {
                t.fired += 1;
                t.decided += decided;
                t.accepted += accepted;
            }
            if decided > accepted && e.word != NO_WORD {
                *t.rejected_words.entry(e.word).or_default() += decided - accepted;
            }
            if terms.insert((e.rule, e.term)) {
                let t = by_term.entry((e.rule, e.term)).or_default();
                t.fired += 1;
                t.decided += decided;
                t.accepted += accepted;
            }
        }
        if terms.len() == 1 {
            if let Some(k) = terms.iter().next() {
                by_term.entry(*k).or_default().only += accepted;
            }
        }
    }
    let mut codes: Vec<CodeQuality> = Vec::new();
    for id in &run.rules {
        let Some((code, text, term_texts)) = rules.get(id) else {
            continue;
        };
        // Rule ids follow when a rule was first stored, so an edited rule comes after its
        // code's others: find the code's entry rather than assume it is the last.
        let at = match codes.iter().position(|c| &c.code == code) {
            Some(k) => k,
            None => {
                let t = by_code.remove(code).unwrap_or_default();
                let (p, i) = precision(t.accepted, t.decided);
                codes.push(CodeQuality {
                    code: code.clone(),
                    fired: t.fired,
                    decided: t.decided,
                    accepted: t.accepted,
                    precision: p,
                    interval: i,
                    rules: Vec::new(),
                });
                codes.len() - 1
            }
        };
        let code_accepts = codes[at].accepted;
        let t = by_rule.remove(id).unwrap_or_default();
        let rule = rule_quality(*id, text, term_texts, t, &mut by_term, &words, code_accepts);
        codes[at].rules.push(rule);
    }
    in_codebook_order(&mut codes, &run.origin);
    let recall = if with_recall {
        recall(
            project,
            codebook,
            &decisions,
            &suggested_segments,
            &decided_segments,
        )?
    } else {
        None
    };
    Ok(RulesReport {
        codebook: codebook.to_string(),
        coder: coder.map(str::to_string),
        codes,
        recall,
    })
}

/// Tallies per rule id, term and code: what fired, what was decided and accepted.
#[derive(Default)]
struct Tally {
    fired: usize,
    decided: usize,
    accepted: usize,
    rejected_words: HashMap<u32, usize>,
    only: usize,
}

/// One rule's precision, its most rejected evidence words and its terms' precision, from
/// its tallies (`code_accepts`: its code's acceptances, for each term's share of them).
fn rule_quality(
    id: i64,
    text: &str,
    term_texts: &[String],
    t: Tally,
    by_term: &mut HashMap<(i64, u16), Tally>,
    words: &HashMap<u32, String>,
    code_accepts: usize,
) -> RuleQuality {
    let (p, i) = precision(t.accepted, t.decided);
    let mut rejected: Vec<(String, usize)> = t
        .rejected_words
        .into_iter()
        .filter_map(|(w, n)| Some((words.get(&w)?.clone(), n)))
        .collect();
    rejected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rejected.truncate(5);
    let terms = term_texts
        .iter()
        .enumerate()
        .map(|(k, term)| {
            let t = by_term.remove(&(id, k as u16)).unwrap_or_default();
            let (p, i) = precision(t.accepted, t.decided);
            TermQuality {
                term: term.clone(),
                fired: t.fired,
                decided: t.decided,
                accepted: t.accepted,
                precision: p,
                interval: i,
                only: t.only,
                only_share: (code_accepts > 0).then(|| t.only as f64 / code_accepts as f64),
                more: None,
            }
        })
        .collect();
    RuleQuality {
        id,
        rule: text.to_string(),
        fired: t.fired,
        decided: t.decided,
        accepted: t.accepted,
        precision: p,
        interval: i,
        rejected_words: rejected,
        terms,
    }
}

/// Codes and their rules in the codebook's order, when the file the run used can still be
/// read.
fn in_codebook_order(codes: &mut [CodeQuality], origin: &str) {
    if let Ok(cb) = crate::codebook::load_origin(origin) {
        let place = |id: &str| cb.codes.iter().position(|c| c.id == id);
        codes.sort_by_key(|c| place(&c.code).unwrap_or(usize::MAX));
        for c in codes.iter_mut() {
            if let Some(k) = place(&c.code) {
                let texts: Vec<&str> = cb.codes[k].rules.iter().map(|r| r.text.as_str()).collect();
                c.rules.sort_by_key(|r| {
                    texts
                        .iter()
                        .position(|t| *t == r.rule)
                        .unwrap_or(usize::MAX)
                });
            }
        }
    }
}

/// Recall from the unsuggested segments people reviewed: the missed share `m` of that sample
/// (with its Wilson interval) stands for all `U` unsuggested segments; the segment precision
/// `p` of the decided suggestions stands for all `S` suggested segments; recall is
/// `p·S / (p·S + m·U)`.
fn recall(
    project: &Project,
    codebook: &str,
    decisions: &[DecisionRow],
    suggested: &HashSet<i64>,
    decided: &HashMap<i64, bool>,
) -> Result<Option<Recall>> {
    let mut sample: HashMap<i64, bool> = HashMap::new();
    let targeted: HashSet<i64> = decisions
        .iter()
        .filter(|d| d.codebook == codebook && d.answered.as_deref() == Some(UNSUGGESTED_TARGETED))
        .map(|d| d.segment)
        .collect();
    for d in decisions
        .iter()
        .filter(|d| d.codebook == codebook && d.answered.as_deref() == Some(UNSUGGESTED))
    {
        let applies = d.code != NO_CODE && d.accept;
        *sample.entry(d.segment).or_default() |= applies;
    }
    if sample.is_empty() || decided.is_empty() {
        return Ok(None);
    }
    let cb = project
        .store()
        .suggest_run(codebook)?
        .and_then(|r| crate::codebook::load_origin(&r.origin).ok());
    let Some(cb) = cb else {
        return Ok(None);
    };
    let t = crate::suggest::triage::run(
        project,
        &crate::suggest::triage::TriageConfig {
            codebook: cb,
            code: None,
            limit: 1,
        },
    )?;
    let missed = sample.values().filter(|x| **x).count();
    let n = sample.len();
    let p = decided.values().filter(|x| **x).count() as f64 / decided.len() as f64;
    let found = p * suggested.len() as f64;
    let u = t.unsuggested as f64;
    let at = |m: f64| {
        if found + m * u == 0.0 {
            1.0
        } else {
            found / (found + m * u)
        }
    };
    let (lo, hi) = stats::wilson(missed as u64, n as u64).unwrap_or((0.0, 1.0));
    Ok(Some(Recall {
        sampled: n,
        targeted: targeted.len(),
        missed,
        unsuggested: t.unsuggested,
        suggested: suggested.len(),
        segment_precision: p,
        recall: at(missed as f64 / n as f64),
        interval: (at(hi), at(lo)),
    }))
}

/// A (segment, code) the two sides judged differently.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// Segment id.
    pub segment: i64,
    /// Code id.
    pub code: String,
    /// Whether the first says it applies.
    pub first: bool,
    /// Whether the second says it applies.
    pub second: bool,
    /// The first side's decision in words (`accepted`, `rejected`, `changed to CODE`,
    /// `applied instead of CODE`; for the rules `suggested` or `not suggested`).
    pub first_decision: String,
    /// The second side's, in the same words.
    pub second_decision: String,
    /// The segment's document.
    pub document: String,
    /// The segment's text, whole.
    pub text: String,
}

/// Agreement on one code.
#[derive(Debug, Clone, Serialize)]
pub struct CodeAgreement {
    /// Code id.
    pub code: String,
    /// The figures.
    #[serde(flatten)]
    pub agreement: Agreement,
}

/// Agreement between two coders, or a coder and the rules.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementReport {
    /// Codebook id.
    pub codebook: String,
    /// First coder.
    pub first: String,
    /// Second coder (`rules` for the rules).
    pub second: String,
    /// Per code.
    pub codes: Vec<CodeAgreement>,
    /// Over every (segment, code) both judged.
    pub overall: Agreement,
    /// What to discuss.
    pub disagreements: Vec<Disagreement>,
    /// (segment, code) pairs each side judged in this codebook (within `code`): the units
    /// are the pairs both judged.
    pub judged: (usize, usize),
}

/// The codebook to measure agreement on when none is named: the one codebook these coders
/// decided on (else the one the project ran); several are listed.
pub fn agreement_codebook(project: &Project, coders: &[&str]) -> Result<String> {
    let mut books: Vec<String> = project
        .store()
        .decisions(None)?
        .into_iter()
        .filter(|d| coders.contains(&d.coder.as_str()))
        .map(|d| d.codebook)
        .collect();
    if books.is_empty() {
        books = project
            .store()
            .codebooks_run()?
            .into_iter()
            .map(|(b, _)| b)
            .collect();
    }
    books.sort();
    books.dedup();
    match books.len() {
        1 => Ok(books.remove(0)),
        0 => Err(crate::Error::Other(format!(
            "{} decided nothing yet, and no codebook has been run: nothing to compare",
            coders.join(" and ")
        ))),
        _ => Err(crate::Error::Other(format!(
            "{} decided on several codebooks ({}); choose one with --codebook",
            coders.join(" and "),
            books.join(", ")
        ))),
    }
}

/// Agreement of `first` and `second` (None: the rules) on `codebook`, over the (segment,
/// code) pairs both judged: a decision of each coder, or for the rules every pair the coder
/// judged (the rules say yes where they made a suggestion). Only `code` and the codes below
/// it when given.
pub fn agreement(
    project: &Project,
    codebook: &str,
    first: &str,
    second: Option<&str>,
    code: Option<&str>,
) -> Result<AgreementReport> {
    let store = project.store();
    let decisions = store.decisions(None)?;
    let wanted = |c: &str| {
        code.is_none_or(|w| c == w || c.strip_prefix(w).is_some_and(|r| r.starts_with('.')))
    };
    // (segment, code) -> (applies, the decision in words).
    type Side = BTreeMap<(i64, String), (bool, String)>;
    let said = |code: &str, v: &Verdict| {
        let d = v.decision;
        match (&d.replacement, d.code == code) {
            (Some(r), true) => format!("changed to {r}"),
            (Some(_), false) => format!("applied instead of {}", d.code),
            (None, _) if d.accept => "accepted".to_string(),
            (None, _) => "rejected".to_string(),
        }
    };
    let standing = standing(&decisions);
    let mine = |who: &str| -> Side {
        standing
            .iter()
            .filter(|((c, book, _, k), _)| c == who && book == codebook && wanted(k))
            .map(|((_, _, s, k), v)| ((*s, k.clone()), (v.applies, said(k, v))))
            .collect()
    };
    let a = mine(first);
    let b: Side = match second {
        Some(who) => mine(who),
        None => {
            let live: HashSet<(i64, String)> = store
                .codebook_suggestions(codebook, false)?
                .into_iter()
                .filter(|s| s.state != SuggestionState::Withdrawn)
                .map(|s| (s.segment, s.code))
                .collect();
            a.keys()
                .map(|k| {
                    let yes = live.contains(k);
                    let words = if yes { "suggested" } else { "not suggested" };
                    (k.clone(), (yes, words.to_string()))
                })
                .collect()
        }
    };
    let mut per_code: BTreeMap<String, Vec<(bool, bool)>> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for ((seg, c), (x, xd)) in &a {
        let Some((y, yd)) = b.get(&(*seg, c.clone())) else {
            continue;
        };
        per_code.entry(c.clone()).or_default().push((*x, *y));
        if x != y {
            disagreements.push(Disagreement {
                segment: *seg,
                code: c.clone(),
                first: *x,
                second: *y,
                first_decision: xd.clone(),
                second_decision: yd.clone(),
                document: String::new(),
                text: String::new(),
            });
        }
    }
    let ids: Vec<i64> = disagreements.iter().map(|d| d.segment).collect();
    let segments: HashMap<i64, crate::text::model::Segment> = store
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for d in &mut disagreements {
        if let Some(s) = segments.get(&d.segment) {
            d.document = s.document.clone();
            d.text = s.text.clone();
        }
    }
    let all: Vec<(bool, bool)> = per_code.values().flatten().copied().collect();
    Ok(AgreementReport {
        codebook: codebook.to_string(),
        first: first.to_string(),
        second: second.unwrap_or("rules").to_string(),
        codes: per_code
            .into_iter()
            .map(|(code, pairs)| CodeAgreement {
                code,
                agreement: stats::agreement(&pairs),
            })
            .collect(),
        overall: stats::agreement(&all),
        disagreements,
        judged: (a.len(), b.len()),
    })
}
