//! Triage: where a codebook's suggestions fall, and what it misses.
//!
//! From the suggestions a `suggest` run stored: documents ranked by suggestion density (the
//! share of their in-scope segments that have a suggestion), segments ranked by how many codes
//! they drew, and the in-scope segments with no suggestion at all, which a researcher reads to
//! find what the codebook misses. Reads every segment once (to know which are in scope); writes
//! nothing.

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::store::SuggestionState;
use crate::text::query::Target;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// What to triage.
#[derive(Debug, Clone)]
pub struct TriageConfig {
    /// The codebook (it must have been run with `suggest`).
    pub codebook: Codebook,
    /// Only this code and its descendants (documents and segments); None: every code.
    pub code: Option<String>,
    /// At most this many rows per list (0: all).
    pub limit: usize,
}

/// A document and how dense its suggestions are.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRank {
    /// Its name.
    pub document: String,
    /// Segments in scope.
    pub in_scope: usize,
    /// Of those, segments with a suggestion.
    pub suggested: usize,
    /// `suggested / in_scope`.
    pub density: f64,
    /// The codes suggested most in it, with their segment counts.
    pub codes: Vec<(String, usize)>,
}

/// A segment and the suggestions it drew.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentRank {
    /// Segment id.
    pub segment: i64,
    /// Document name.
    pub document: String,
    /// Speaker or author.
    pub speaker: Option<String>,
    /// The codes suggested for it (most specific).
    pub codes: Vec<String>,
    /// Sum of their scores.
    pub score: f64,
    /// Each code's predicted chance of being accepted (see `review::learn`), in the order of
    /// `codes`; empty until the caller fills it, None for a code with too few decisions.
    pub likely: Vec<Option<f64>>,
    /// Its text.
    pub text: String,
}

/// The triage of one codebook.
#[derive(Debug, Clone, Serialize)]
pub struct Triage {
    /// Codebook id.
    pub codebook: String,
    /// The code looked at, if one.
    pub code: Option<String>,
    /// Segments in the codebook's scope.
    pub in_scope: usize,
    /// Of those, segments with a suggestion (of `code` when given).
    pub suggested: usize,
    /// Documents by density, densest first.
    pub documents: Vec<DocumentRank>,
    /// Documents with segments in scope (`documents` may hold fewer: `limit`).
    pub documents_total: usize,
    /// Segments by number of codes, then score.
    pub segments: Vec<SegmentRank>,
    /// In-scope segments with no suggestion of any code of the codebook.
    pub unsuggested: usize,
    /// The longest of them first (short turns such as "Yes." rarely matter).
    pub unsuggested_segments: Vec<SegmentRank>,
}

/// Triage of a codebook's stored suggestions.
pub fn run(project: &Project, cfg: &TriageConfig) -> Result<Triage> {
    let cb = &cfg.codebook;
    let store = project.store();
    let Some(state) = store.suggest_run(&cb.id)? else {
        return Err(Error::Other(format!(
            "codebook {} has no suggestions yet: run `quarry suggest --codebook {}` first",
            cb.id, cb.id
        )));
    };
    let wanted: Option<FxHashSet<&str>> = match &cfg.code {
        None => None,
        Some(id) => {
            let i = cb
                .codes
                .iter()
                .position(|c| &c.id == id)
                .ok_or_else(|| Error::Other(format!("no code {id} in codebook {}", cb.id)))?;
            Some(
                cb.subtree(i)
                    .into_iter()
                    .map(|j| cb.codes[j].id.as_str())
                    .collect(),
            )
        }
    };
    // Live suggestions per segment: (code, score), most specific codes only.
    let mut any: FxHashSet<i64> = FxHashSet::default();
    let mut by_segment: FxHashMap<i64, Vec<(String, f64)>> = FxHashMap::default();
    for s in store.codebook_suggestions(&cb.id, false)? {
        if s.state == SuggestionState::Withdrawn {
            continue;
        }
        any.insert(s.segment);
        let counts = wanted.as_ref().is_none_or(|w| w.contains(s.code.as_str()));
        if counts && s.state == SuggestionState::Open {
            by_segment
                .entry(s.segment)
                .or_default()
                .push((s.code, s.score));
        }
    }
    let scope = match cb.scope_query(crate::suggest::parse_widen(&state.widen)) {
        Some(mut q) => {
            crate::project::search::resolve_fields(project, &mut q)?;
            Some(q)
        }
        None => None,
    };
    let names = store.document_names()?;
    let mut documents = Vec::new();
    let mut segments = Vec::new();
    let mut unsuggested = Vec::new();
    let (mut in_scope, mut suggested, mut missed) = (0, 0, 0);
    store.for_each_document(|doc, text, rows| {
        let posts = match (rows.first(), rows.last()) {
            (Some(a), Some(b)) => store.posts_between(a.id, b.id)?,
            _ => Vec::new(),
        };
        let mut posts = posts.into_iter().peekable();
        let name = names.get(&doc).cloned().unwrap_or_default();
        let (mut doc_scope, mut doc_suggested) = (0, 0);
        let mut doc_codes: FxHashMap<&str, usize> = FxHashMap::default();
        for s in &rows {
            let post = posts.next_if(|(id, _)| *id == s.id).map(|(_, p)| p);
            let speaker = s.speaker.as_ref().map(|x| x.to_lowercase());
            let target = Target {
                document: doc,
                speaker: speaker.as_deref(),
                tokens: &[],
                post: post.as_ref(),
            };
            if scope.as_ref().is_some_and(|q| q.eval(&target).is_none()) {
                continue;
            }
            doc_scope += 1;
            let rank = |codes: Vec<String>, score: f64| SegmentRank {
                segment: s.id,
                document: name.clone(),
                speaker: s.speaker.clone(),
                codes,
                score,
                likely: Vec::new(),
                text: text.get(s.byte_start..s.byte_end).unwrap_or("").to_string(),
            };
            if let Some(codes) = by_segment.get(&s.id) {
                doc_suggested += 1;
                for (c, _) in codes {
                    *doc_codes.entry(c.as_str()).or_default() += 1;
                }
                segments.push(rank(
                    codes.iter().map(|(c, _)| c.clone()).collect(),
                    codes.iter().map(|(_, x)| x).sum(),
                ));
            } else if !any.contains(&s.id) {
                missed += 1;
                unsuggested.push(rank(Vec::new(), 0.0));
            }
        }
        in_scope += doc_scope;
        suggested += doc_suggested;
        if doc_scope > 0 {
            let mut codes: Vec<(String, usize)> = doc_codes
                .into_iter()
                .map(|(c, n)| (c.to_string(), n))
                .collect();
            codes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            codes.truncate(3);
            documents.push(DocumentRank {
                document: name,
                in_scope: doc_scope,
                suggested: doc_suggested,
                density: doc_suggested as f64 / doc_scope as f64,
                codes,
            });
        }
        // Keep memory bounded on large corpora: only the best rows need to be kept.
        if cfg.limit > 0 {
            trim(&mut segments, cfg.limit, by_codes);
            trim(&mut unsuggested, cfg.limit, by_length);
        }
        Ok(())
    })?;
    documents.sort_by(|a, b| {
        b.density
            .total_cmp(&a.density)
            .then(b.suggested.cmp(&a.suggested))
            .then(a.document.cmp(&b.document))
    });
    segments.sort_by(by_codes);
    unsuggested.sort_by(by_length);
    let documents_total = documents.len();
    if cfg.limit > 0 {
        documents.truncate(cfg.limit);
        segments.truncate(cfg.limit);
        unsuggested.truncate(cfg.limit);
    }
    Ok(Triage {
        codebook: cb.id.clone(),
        code: cfg.code.clone(),
        in_scope,
        suggested,
        documents,
        documents_total,
        segments,
        unsuggested: missed,
        unsuggested_segments: unsuggested,
    })
}

impl Triage {
    /// Whether `limit` left rows out of any list.
    pub fn cut(&self) -> bool {
        self.documents.len() < self.documents_total
            || self.segments.len() < self.suggested
            || self.unsuggested_segments.len() < self.unsuggested
    }
}

/// More codes first, then a higher score, then document order.
fn by_codes(a: &SegmentRank, b: &SegmentRank) -> std::cmp::Ordering {
    b.codes
        .len()
        .cmp(&a.codes.len())
        .then(b.score.total_cmp(&a.score))
        .then(a.segment.cmp(&b.segment))
}

/// Longer text first, then document order.
fn by_length(a: &SegmentRank, b: &SegmentRank) -> std::cmp::Ordering {
    b.text
        .len()
        .cmp(&a.text.len())
        .then(a.segment.cmp(&b.segment))
}

/// Keeps the best `n` of `v` once it has grown past twice that.
fn trim(
    v: &mut Vec<SegmentRank>,
    n: usize,
    order: fn(&SegmentRank, &SegmentRank) -> std::cmp::Ordering,
) {
    if v.len() > 2 * n {
        v.sort_by(order);
        v.truncate(n);
    }
}
