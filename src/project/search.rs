//! Quote search: a query string in, hits with their quotes, places and highlights out.
//!
//! Parses the query with the project's analyzer, resolves field filters against the store,
//! runs it on the index, then fetches each hit's text from the database and marks the matched
//! words by evaluating the same query on the segment (so highlights show exactly why it
//! matched). Returns plain data; printing is the caller's.

use crate::codebook::Codebook;
use crate::error::Result;
use crate::index::Index;
use crate::project::Project;
use crate::text::analyzer::Analyzer;
use crate::text::model::Segment;
use crate::text::query::{self, Query, Target};
use serde::Serialize;

/// What to search for and how much to return.
#[derive(Debug, Clone, Default)]
pub struct SearchConfig {
    /// The query text.
    pub query: String,
    /// At most this many hits (0: all).
    pub limit: usize,
    /// Skip this many hits first.
    pub offset: usize,
    /// Turns of context before and after each hit.
    pub context: usize,
    /// Order by relevance instead of document order.
    pub rank: bool,
    /// Resolves `@code` references in the query.
    pub codebook: Option<Codebook>,
    /// Search what this code of `codebook` matches (its rules, its descendants', masks
    /// applied), AND the query if it is not empty.
    pub code: Option<String>,
}

/// One hit: the segment, the byte ranges of matched words in its text, and context turns.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The segment.
    pub segment: Segment,
    /// Matched words as byte ranges into `segment.text`.
    pub highlights: Vec<(usize, usize)>,
    /// Turns before, in order.
    pub before: Vec<Segment>,
    /// Turns after, in order.
    pub after: Vec<Segment>,
}

/// All hits of a search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    /// Number of matching segments in the whole project.
    pub total: usize,
    /// The hits returned.
    pub hits: Vec<Hit>,
}

/// Parses `text` and resolves its field filters against the project.
pub fn prepare(project: &Project, text: &str) -> Result<(Query, Analyzer)> {
    prepare_with(project, text, None)
}

/// As [`prepare`], resolving `@code` references with `codebook`.
pub fn prepare_with(
    project: &Project,
    text: &str,
    codebook: Option<&Codebook>,
) -> Result<(Query, Analyzer)> {
    let mut analyzer = Analyzer::new(project.analyzer()).map_err(crate::Error::Other)?;
    let mut q = query::parse(text, &mut analyzer)?;
    if let Some(cb) = codebook {
        q.resolve_refs(&mut |id| {
            cb.codes
                .iter()
                .position(|c| c.id == id)
                .map(|i| cb.code_query(i).unwrap_or(Query::Or(Vec::new())))
        });
    }
    if let Some(id) = q.unresolved_ref() {
        return Err(crate::Error::Other(format!(
            "`@{id}` refers to a code: name its codebook with --codebook"
        )));
    }
    resolve_fields(project, &mut q)?;
    Ok((q, analyzer))
}

/// Resolves a query's field filters (`speaker:`, `role:`, `attr.`...) against the project.
pub fn resolve_fields(project: &Project, q: &mut Query) -> Result<()> {
    let mut failure = None;
    q.resolve_fields(&mut |f| match project.store().resolve(f) {
        Ok(r) => r,
        Err(e) => {
            failure.get_or_insert(e);
            Default::default()
        }
    });
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The query of a code (see [`Codebook::code_query`]), AND `extra` when it is not empty.
pub fn prepare_code(
    project: &Project,
    cb: &Codebook,
    id: &str,
    extra: &str,
) -> Result<(Query, Analyzer)> {
    let i =
        cb.codes.iter().position(|c| c.id == id).ok_or_else(|| {
            crate::Error::Other(format!("codebook `{}` has no code `{id}`", cb.id))
        })?;
    let mut code = cb.code_query(i).unwrap_or(Query::Or(Vec::new()));
    resolve_fields(project, &mut code)?;
    if extra.trim().is_empty() {
        let analyzer = Analyzer::new(project.analyzer()).map_err(crate::Error::Other)?;
        return Ok((code, analyzer));
    }
    let (q, analyzer) = prepare_with(project, extra, Some(cb))?;
    Ok((Query::And(vec![code, q]), analyzer))
}

/// Counts the segments matching a query (`@code` references resolved with `codebook`).
pub fn count(
    project: &Project,
    index: &mut Index,
    text: &str,
    codebook: Option<&Codebook>,
) -> Result<usize> {
    let (q, mut analyzer) = prepare_with(project, text, codebook)?;
    Ok(run(project, index, &q, &mut analyzer, 1, 0, false)?.0)
}

/// The number of matches and the ids of the hits from `offset` (at most `limit`; 0: all).
/// The index decides; for a query it can only narrow down (`BEFORE`), every candidate is
/// checked with the evaluator on its stored text.
pub fn run(
    project: &Project,
    index: &mut Index,
    q: &Query,
    analyzer: &mut Analyzer,
    limit: usize,
    offset: usize,
    rank: bool,
) -> Result<(usize, Vec<i64>)> {
    if !q.needs_check() {
        return Ok(index.search(q, limit, offset, rank)?);
    }
    let (_, candidates) = index.search(q, 0, 0, rank)?;
    let mut kept = Vec::new();
    for chunk in candidates.chunks(1024) {
        for seg in project.store().segments(chunk)? {
            if highlight_ranges(q, analyzer, &seg).is_some() {
                kept.push(seg.id);
            }
        }
    }
    let total = kept.len();
    let page: Vec<i64> = kept
        .into_iter()
        .skip(offset)
        .take(if limit == 0 { usize::MAX } else { limit })
        .collect();
    Ok((total, page))
}

/// Runs a search.
pub fn search(project: &Project, index: &mut Index, cfg: &SearchConfig) -> Result<SearchResult> {
    let (q, mut analyzer) = match (&cfg.code, &cfg.codebook) {
        (Some(id), Some(cb)) => prepare_code(project, cb, id, &cfg.query)?,
        _ => prepare_with(project, &cfg.query, cfg.codebook.as_ref())?,
    };
    let (total, ids) = run(
        project,
        index,
        &q,
        &mut analyzer,
        cfg.limit,
        cfg.offset,
        cfg.rank,
    )?;
    let segments = project.store().segments(&ids)?;
    let mut hits = Vec::with_capacity(segments.len());
    for seg in segments {
        let highlights = highlight(&q, &mut analyzer, &seg);
        let (before, after) = if cfg.context > 0 {
            let ctx = project.store().segments_in(
                seg.document_id,
                seg.ord - cfg.context as i64,
                seg.ord + cfg.context as i64,
            )?;
            let (b, a): (Vec<_>, Vec<_>) = ctx
                .into_iter()
                .filter(|s| s.id != seg.id)
                .partition(|s| s.ord < seg.ord);
            (b, a)
        } else {
            (Vec::new(), Vec::new())
        };
        hits.push(Hit {
            segment: seg,
            highlights,
            before,
            after,
        });
    }
    Ok(SearchResult { total, hits })
}

/// Corpus words that begin like a search word (with its stem) but have another stem, so the
/// word does not find them: `trust` and "trustworthy".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherForms {
    /// The search word's stem.
    pub stem: String,
    /// The most frequent such words, each with the number of segments holding it (at most
    /// [`OTHER_FORMS_SHOWN`]; most segments first).
    pub words: Vec<(String, u64)>,
    /// How many more such words there are.
    pub more: usize,
}

/// How many words [`other_forms`] names per search word.
pub const OTHER_FORMS_SHOWN: usize = 5;

/// Stems shorter than this get no [`OtherForms`]: too many words begin with them.
const OTHER_FORMS_MIN_STEM: usize = 4;

/// For each plain word of `q` (see [`Query::word_stems`]), the corpus words that start with
/// its stem but have another stem and that nothing else in `q` finds (no other word of it
/// has their stem, no prefix of it starts them). Search words with none are left out.
pub fn other_forms(
    index: &mut Index,
    analyzer: &mut Analyzer,
    q: &Query,
) -> Result<Vec<OtherForms>> {
    let stems = q.word_stems();
    let prefixes = q.prefixes();
    let mut out = Vec::new();
    for stem in &stems {
        if stem.chars().count() < OTHER_FORMS_MIN_STEM {
            continue;
        }
        let mut words: Vec<(String, u64)> = index
            .words_starting(stem)?
            .into_iter()
            .filter(|(w, _)| {
                !stems.contains(&analyzer.stem_lower(w))
                    && !prefixes.iter().any(|p| w.starts_with(p))
            })
            .collect();
        if words.is_empty() {
            continue;
        }
        words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let more = words.len().saturating_sub(OTHER_FORMS_SHOWN);
        words.truncate(OTHER_FORMS_SHOWN);
        out.push(OtherForms {
            stem: stem.to_string(),
            words,
            more,
        });
    }
    Ok(out)
}

/// Byte ranges in `seg.text` of the words that make `q` match.
pub fn highlight(q: &Query, analyzer: &mut Analyzer, seg: &Segment) -> Vec<(usize, usize)> {
    highlight_ranges(q, analyzer, seg).unwrap_or_default()
}

/// The evidence of `q` in a segment, or None when it does not match.
pub(crate) fn highlight_ranges(
    q: &Query,
    analyzer: &mut Analyzer,
    seg: &Segment,
) -> Option<Vec<(usize, usize)>> {
    let tokens = analyzer.analyze(&seg.text);
    let speaker = seg.speaker.as_ref().map(|s| s.to_lowercase());
    let target = Target {
        document: seg.document_id,
        speaker: speaker.as_deref(),
        tokens: &tokens,
        post: seg.post.as_ref(),
    };
    q.eval(&target).map(|ev| {
        ev.into_iter()
            .map(|i| (tokens[i].start, tokens[i].end))
            .collect()
    })
}
