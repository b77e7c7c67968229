//! Measuring the coding: how precise each rule and term is, how far two coders (or a coder
//! and the rules) agree, and a codebook tuned from those measurements.

use crate::project::Project;
use crate::review::quality::{self, AgreementReport, Disagreement, RulesReport};
use crate::review::tune::{self, TuneConfig, Tuned};
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// What `rules` is asked for.
#[derive(Debug, Clone, Default)]
pub struct RulesOptions {
    /// The codebook (an id, or a file naming one).
    pub codebook: String,
    /// Only this coder's decisions.
    pub coder: Option<String>,
    /// Leave out rules and terms decided fewer times.
    pub min_decided: usize,
    /// Plan the decisions each term needs for a 95% interval narrower than this.
    pub width: f64,
}

/// Per code and rule of the codebook's last run: suggestions made, decided, accepted, and
/// precision with its interval; terms planned for an interval of `width`.
pub fn rules(p: &Project, opts: &RulesOptions) -> Result<RulesReport> {
    let id = super::codebooks::id_of(&opts.codebook);
    let mut r = quality::rules(p, &id, opts.coder.as_deref())?;
    r.min_decided(opts.min_decided);
    r.plan(opts.width, crate::review::stats::Z95);
    Ok(r)
}

/// Who is compared by [`agreement`]: two coders, or a coder and the rules.
#[derive(Debug, Clone)]
pub struct Coders {
    /// The first coder.
    pub first: String,
    /// The second (None: the rules, their suggestions as a second coder).
    pub second: Option<String>,
}

impl Coders {
    /// Two coders, or one with `rules`.
    pub fn new(coders: &[String], rules: bool) -> Result<Coders> {
        match (coders, rules) {
            ([a], true) => Ok(Coders {
                first: a.clone(),
                second: None,
            }),
            ([a, b], false) => Ok(Coders {
                first: a.clone(),
                second: Some(b.clone()),
            }),
            _ => Err(Error::Other(
                "give two coders (--coders A,B), or one with --rules".into(),
            )),
        }
    }
}

/// An agreement and the codebook it is about.
pub struct Agreement {
    /// The codebook's id.
    pub codebook: String,
    /// The measures and the disagreements.
    pub report: AgreementReport,
}

/// Agreement between the coders on `codebook` (default: the one they decided on), for
/// `code` and the codes below it if given.
pub fn agreement(
    p: &Project,
    coders: &Coders,
    codebook: Option<&str>,
    code: Option<&str>,
) -> Result<Agreement> {
    let id = match codebook {
        Some(name) => super::codebooks::id_of(name),
        None => {
            let mut names = vec![coders.first.as_str()];
            names.extend(coders.second.as_deref());
            quality::agreement_codebook(p, &names)?
        }
    };
    let report = quality::agreement(p, &id, &coders.first, coders.second.as_deref(), code)?;
    Ok(Agreement {
        codebook: id,
        report,
    })
}

/// The coders who decided on one codebook, for choosing whom to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deciders {
    /// The codebook's id.
    pub codebook: String,
    /// Each coder with standing decisions on it and how many, most first (then by name).
    pub coders: Vec<(String, usize)>,
}

impl Deciders {
    /// Standing decisions on the codebook, everyone's.
    pub fn decisions(&self) -> usize {
        self.coders.iter().map(|c| c.1).sum()
    }
}

/// Every codebook someone decided on (by id), with its coders, most decisions first.
pub fn deciders(p: &Project) -> Result<Vec<Deciders>> {
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for d in p.store().decisions(None)? {
        *counts
            .entry(d.codebook)
            .or_default()
            .entry(d.coder)
            .or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|(codebook, by)| {
            let mut coders: Vec<(String, usize)> = by.into_iter().collect();
            coders.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Deciders { codebook, coders }
        })
        .collect())
}

/// What to compare when nobody said: the codebook with the most decisions among those two
/// or more coders decided on (else the one with the most decisions), and its two coders with
/// the most decisions (the second None when only one decided).
pub fn busiest(deciders: &[Deciders]) -> Option<(String, String, Option<String>)> {
    let best = deciders.iter().max_by(|a, b| {
        (a.coders.len() >= 2, a.decisions())
            .cmp(&(b.coders.len() >= 2, b.decisions()))
            .then_with(|| b.codebook.cmp(&a.codebook))
    })?;
    let first = best.coders.first()?.0.clone();
    let second = best.coders.get(1).map(|c| c.0.clone());
    Some((best.codebook.clone(), first, second))
}

/// What a disagreement needs beside its quote to be discussed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discussion {
    /// The segment's speaker.
    pub speaker: Option<String>,
    /// The evidence words as byte ranges of the disagreement's text, in order: the
    /// suggestion's, else what either decision answered (none for a coding by hand).
    pub evidence: Vec<(usize, usize)>,
    /// The first coder's memo on the decision that stands.
    pub first_memo: Option<String>,
    /// The second coder's (None for the rules).
    pub second_memo: Option<String>,
}

/// For each of `items` (disagreements of an [`agreement`] of `coders` on `codebook`), in
/// order: the speaker, the evidence words and both coders' memos.
pub fn discussion(
    p: &Project,
    codebook: &str,
    coders: &Coders,
    items: &[Disagreement],
) -> Result<Vec<Discussion>> {
    let store = p.store();
    let decisions = store.decisions(None)?;
    let standing = quality::standing(&decisions);
    let wanted: HashSet<(i64, &str)> = items.iter().map(|d| (d.segment, d.code.as_str())).collect();
    let mut suggested: HashMap<(i64, String), Vec<(usize, usize)>> = HashMap::new();
    for s in store.codebook_suggestions(codebook, true)? {
        if wanted.contains(&(s.segment, s.code.as_str())) {
            suggested.insert(
                (s.segment, s.code),
                crate::review::evidence_chars(&s.evidence),
            );
        }
    }
    let ids: Vec<i64> = items.iter().map(|d| d.segment).collect();
    let segments: HashMap<i64, crate::Segment> = store
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let verdict = |who: &str, d: &Disagreement| {
        standing.get(&(
            who.to_string(),
            codebook.to_string(),
            d.segment,
            d.code.clone(),
        ))
    };
    Ok(items
        .iter()
        .map(|d| {
            let first = verdict(&coders.first, d);
            let second = coders.second.as_deref().and_then(|w| verdict(w, d));
            let mut chars = suggested
                .get(&(d.segment, d.code.clone()))
                .cloned()
                .filter(|e| !e.is_empty())
                .or_else(|| {
                    [first, second]
                        .into_iter()
                        .flatten()
                        .map(|v| {
                            crate::report::quotes::answered_evidence(v.decision.answered.as_deref())
                        })
                        .find(|e| !e.is_empty())
                })
                .unwrap_or_default();
            chars.sort_unstable();
            chars.dedup();
            let seg = segments.get(&d.segment);
            Discussion {
                speaker: seg.and_then(|s| s.speaker.clone()),
                evidence: seg
                    .map(|s| crate::suggest::excerpt::byte_ranges(s, &chars))
                    .unwrap_or_default(),
                first_memo: first.and_then(|v| v.decision.memo.clone()),
                second_memo: second.and_then(|v| v.decision.memo.clone()),
            }
        })
        .collect())
}

/// A tuned codebook, and whether it was written.
pub struct Tune {
    /// What was changed and measured.
    pub tuned: Tuned,
    /// Whether `out` was written (only when a term was dropped or masked).
    pub wrote: bool,
}

/// Tunes `codebook` from the decisions on its last run and, when a term changed, writes the
/// tuned codebook to `out` (replacing a file there only with `force`).
pub fn tune(
    p: &Project,
    codebook: &str,
    cfg: &TuneConfig,
    out: &Path,
    force: bool,
) -> Result<Tune> {
    let tuned = tune::tune(p, codebook, cfg)?;
    let wrote = tuned.edits();
    if wrote {
        tuned.write(out, force)?;
    }
    Ok(Tune { tuned, wrote })
}

/// Where `quarry serve` writes a tuned codebook of id `id`: ID-tuned.toml in the project's
/// folder, else ID-tuned-2.toml, ID-tuned-3.toml..., the first that does not exist (a file
/// is never replaced).
pub fn tuned_path(p: &Project, id: &str) -> std::path::PathBuf {
    let at = |n: usize| {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        p.root().join(format!("{id}-tuned{suffix}.toml"))
    };
    (1..).map(at).find(|f| !f.exists()).unwrap_or_else(|| at(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(id: &str, coders: &[(&str, usize)]) -> Deciders {
        Deciders {
            codebook: id.into(),
            coders: coders.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn the_busiest_codebook_with_two_coders_is_compared_first() {
        assert_eq!(busiest(&[]), None);
        // One coder only: that codebook and coder, no second.
        let alone = [book("a", &[("ana", 9)])];
        assert_eq!(busiest(&alone), Some(("a".into(), "ana".into(), None)));
        // Two coders beat more decisions by one; the two with the most decisions.
        let books = [
            book("a", &[("ana", 90)]),
            book("b", &[("bo", 5), ("cy", 3), ("ana", 1)]),
            book("c", &[("ana", 4), ("bo", 4)]),
        ];
        assert_eq!(
            busiest(&books),
            Some(("b".into(), "bo".into(), Some("cy".into())))
        );
        assert_eq!(books[1].decisions(), 9);
    }
}
