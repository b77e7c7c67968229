//! What is on a run of segments, for a transcript's margin: the codes people applied (with
//! who and their memos) and the suggestions still open, kept apart, each with its code's name
//! and colour.

use super::quality::NO_CODE;
use crate::error::Result;
use crate::project::Project;
use crate::store::SuggestionState;
use std::collections::{BTreeMap, HashMap};

/// A code applied to a segment by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Who applied it (sorted, each once).
    pub coders: Vec<String>,
    /// Their memos, as `coder: memo`.
    pub memos: Vec<String>,
}

/// A suggestion no one has decided on yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Open {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// The rule score.
    pub score: f64,
}

/// One segment's margin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Margin {
    /// Codes people applied (accepted, changed to, or coded by hand).
    pub applied: Vec<Applied>,
    /// Open suggestions nobody has decided on.
    pub suggested: Vec<Open>,
}

/// Code names and colours by (codebook id, code id).
pub type CodeNames = HashMap<(String, String), (String, Option<String>)>;

/// A code's name and colour, by (codebook, code), from the codebooks run on the project that
/// still load.
pub fn code_names(project: &Project) -> Result<CodeNames> {
    let mut out = HashMap::new();
    for (id, origin) in project.store().codebooks_run()? {
        if let Ok(cb) = crate::codebook::load_origin(&origin) {
            for c in cb.codes {
                out.insert((id.clone(), c.id), (c.name, c.colour));
            }
        }
    }
    Ok(out)
}

/// The margins of segments `from..=to`, by segment id (segments with nothing left out).
pub fn margins(project: &Project, from: i64, to: i64) -> Result<BTreeMap<i64, Margin>> {
    let store = project.store();
    let mut out: BTreeMap<i64, Margin> = BTreeMap::new();
    let decisions = store.decisions_between(from, to)?;
    // The latest standing decision per coder and suggestion decides what that coder applied.
    let mut latest: BTreeMap<(i64, &str, &str, &str), &crate::store::DecisionRow> = BTreeMap::new();
    for d in &decisions {
        latest.insert((d.segment, &d.coder, &d.codebook, &d.code), d);
    }
    let mut applied: BTreeMap<(i64, String, String), Applied> = BTreeMap::new();
    for d in latest.values() {
        let code = match (&d.replacement, d.accept) {
            (Some(r), _) => r.clone(),
            (None, true) if d.code != NO_CODE => d.code.clone(),
            _ => continue,
        };
        let a = applied
            .entry((d.segment, d.codebook.clone(), code.clone()))
            .or_insert_with(|| Applied {
                codebook: d.codebook.clone(),
                code,
                coders: Vec::new(),
                memos: Vec::new(),
            });
        if !a.coders.contains(&d.coder) {
            a.coders.push(d.coder.clone());
            a.coders.sort();
        }
        if let Some(m) = &d.memo {
            a.memos.push(format!("{}: {m}", d.coder));
        }
    }
    for ((seg, _, _), a) in applied {
        out.entry(seg).or_default().applied.push(a);
    }
    let decided: std::collections::HashSet<(i64, &str, &str)> = decisions
        .iter()
        .map(|d| (d.segment, d.codebook.as_str(), d.code.as_str()))
        .collect();
    for s in store.suggestions_between(from, to)? {
        if s.state != SuggestionState::Open
            || decided.contains(&(s.segment, s.codebook.as_str(), s.code.as_str()))
        {
            continue;
        }
        out.entry(s.segment).or_default().suggested.push(Open {
            codebook: s.codebook,
            code: s.code,
            score: s.score,
        });
    }
    Ok(out)
}

/// How many segments of each document carry a code a person applied, by document id (the
/// documents list's "coded" column).
pub fn coded_segments(project: &Project) -> Result<HashMap<i64, usize>> {
    let store = project.store();
    let mut segs: Vec<i64> = store
        .decisions(None)?
        .into_iter()
        .filter(|d| d.replacement.is_some() || (d.accept && d.code != NO_CODE))
        .map(|d| d.segment)
        .collect();
    segs.sort_unstable();
    segs.dedup();
    let mut out = HashMap::new();
    if segs.is_empty() {
        return Ok(out);
    }
    for seg in store.segments(&segs)? {
        *out.entry(seg.document_id).or_insert(0) += 1;
    }
    Ok(out)
}
