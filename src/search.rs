//! Quote search: a query string in, hits with their quotes, places and highlights out.
//!
//! Parses the query with the project's analyzer, resolves field filters against the store,
//! runs it on the index, then fetches each hit's text from the database and marks the matched
//! words by evaluating the same query on the segment (so highlights show exactly why it
//! matched). Returns plain data; printing is the caller's.

use crate::analyzer::Analyzer;
use crate::error::Result;
use crate::index::Index;
use crate::model::Segment;
use crate::project::Project;
use crate::query::{self, Query, Target};
use serde::Serialize;

/// What to search for and how much to return.
#[derive(Debug, Clone)]
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
    let mut analyzer = Analyzer::new(project.analyzer()).map_err(crate::Error::Other)?;
    let mut q = query::parse(text, &mut analyzer)?;
    let mut failure = None;
    q.resolve_fields(&mut |f| match project.store().resolve(f) {
        Ok(r) => r,
        Err(e) => {
            failure.get_or_insert(e);
            Default::default()
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    Ok((q, analyzer))
}

/// Counts the segments matching a query.
pub fn count(project: &Project, index: &mut Index, text: &str) -> Result<usize> {
    let (q, _) = prepare(project, text)?;
    Ok(index.search(&q, 1, 0, false)?.0)
}

/// Runs a search.
pub fn search(project: &Project, index: &mut Index, cfg: &SearchConfig) -> Result<SearchResult> {
    let (q, mut analyzer) = prepare(project, &cfg.query)?;
    let (total, ids) = index.search(&q, cfg.limit, cfg.offset, cfg.rank)?;
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

/// Byte ranges in `seg.text` of the words that make `q` match.
pub fn highlight(q: &Query, analyzer: &mut Analyzer, seg: &Segment) -> Vec<(usize, usize)> {
    let tokens = analyzer.analyze(&seg.text);
    let speaker = seg.speaker.as_ref().map(|s| s.to_lowercase());
    let target = Target {
        document: seg.document_id,
        speaker: speaker.as_deref(),
        tokens: &tokens,
        post: seg.post.as_ref(),
    };
    q.eval(&target)
        .unwrap_or_default()
        .into_iter()
        .map(|i| (tokens[i].start, tokens[i].end))
        .collect()
}
