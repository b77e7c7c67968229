//! Finding quotes: a search (or only its count) from what a person typed, the corpus words its
//! words miss, and coding every hit of a search as one batch.

use crate::codebook::Codebook;
use crate::index::Index;
use crate::project::search::{self, Hit, OtherForms, SearchConfig, SearchResult};
use crate::project::Project;
use crate::store::NewDecision;
use crate::{Error, Result};
use std::borrow::Borrow;

/// A search as a person asks for it.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// The query's words, joined with spaces (empty: only `code`).
    pub words: Vec<String>,
    /// Search what this code's rules (and its descendants') match.
    pub code: Option<String>,
    /// The codebook for `code` and `@code` references (found as [`super::codebooks::find`]).
    pub codebook: Option<String>,
    /// Turns of context each side of a hit.
    pub context: usize,
    /// At most this many hits (0: all).
    pub limit: usize,
    /// Skip this many hits.
    pub offset: usize,
    /// Order by relevance instead of document order.
    pub rank: bool,
}

/// Loads the codebook, checks the options fit together (a code needs a codebook that has
/// it, with rules; no code needs a query) and builds the search. `project` is asked for only
/// to find a codebook by the id a project knows it by.
pub fn prepare<P: Borrow<Project>>(
    opts: &SearchOptions,
    project: impl FnOnce() -> Option<P>,
) -> Result<SearchConfig> {
    let codebook = match &opts.codebook {
        Some(name) => Some(super::codebooks::find(name, project)?),
        None => None,
    };
    let bad = |msg: String| Err(Error::Other(msg));
    match (&opts.code, &codebook) {
        (Some(id), Some(cb)) => {
            let Some(i) = cb.codes.iter().position(|c| c.id == *id) else {
                return bad(format!(
                    "codebook `{}` has no code `{id}`; `quarry codebook show {}` lists them",
                    cb.id, cb.id
                ));
            };
            if cb.code_query(i).is_none() {
                return bad(format!("code `{id}` and the codes below it have no rules"));
            }
        }
        (Some(_), None) => {
            return bad("--code needs --codebook NAME (tdf, kta, sm-uptake or a file)".into())
        }
        (None, _) if opts.words.is_empty() => {
            return bad("give a query, or --code ID with --codebook NAME".into())
        }
        (None, _) => {}
    }
    // With --code, the query (if any) narrows the code down.
    Ok(SearchConfig {
        query: opts.words.join(" "),
        limit: opts.limit,
        offset: opts.offset,
        context: opts.context,
        rank: opts.rank,
        codebook,
        code: opts.code.clone(),
    })
}

/// Runs the search.
pub fn search(p: &Project, index: &mut Index, cfg: &SearchConfig) -> Result<SearchResult> {
    search::search(p, index, cfg)
}

/// The number of segments the search matches (its limit, offset and context aside).
pub fn count(p: &Project, index: &mut Index, cfg: &SearchConfig) -> Result<usize> {
    if cfg.code.is_some() {
        let one = SearchConfig {
            query: cfg.query.clone(),
            limit: 1,
            offset: 0,
            context: 0,
            rank: false,
            codebook: cfg.codebook.clone(),
            code: cfg.code.clone(),
        };
        Ok(search::search(p, index, &one)?.total)
    } else {
        search::count(p, index, &cfg.query, cfg.codebook.as_ref())
    }
}

/// Corpus words the query's words miss (see [`search::other_forms`]); None for a search by
/// code, whose words are the codebook's.
pub fn other_forms(
    p: &Project,
    index: &mut Index,
    cfg: &SearchConfig,
) -> Result<Option<Vec<OtherForms>>> {
    if cfg.code.is_some() {
        return Ok(None);
    }
    let (q, mut analyzer) = search::prepare_with(p, &cfg.query, cfg.codebook.as_ref())?;
    Ok(Some(search::other_forms(index, &mut analyzer, &q)?))
}

/// Hits coded by [`code_hits`].
pub struct CodedHits {
    /// Who coded them.
    pub coder: String,
    /// Decisions stored.
    pub decisions: usize,
    /// Their batch, which `quarry undo BATCH` reverts.
    pub batch: i64,
}

/// Codes every hit with `code` of the search's codebook as `coder` (None: the configured
/// coder), as one batch; each decision's memo names the search.
pub fn code_hits(
    p: &mut Project,
    cfg: &SearchConfig,
    hits: &[Hit],
    code: &str,
    coder: Option<&str>,
) -> Result<CodedHits> {
    let coder = crate::review::coder(coder)?;
    let book: &Codebook = cfg
        .codebook
        .as_ref()
        .ok_or_else(|| Error::Other("coding the hits needs a codebook".into()))?;
    if book.code(code).is_none() {
        return Err(Error::Other(format!(
            "codebook `{}` has no code `{code}`",
            book.id
        )));
    }
    let decisions: Vec<_> = hits
        .iter()
        .map(|h| NewDecision {
            coder: coder.clone(),
            segment: h.segment.id,
            codebook: book.id.clone(),
            code: code.to_string(),
            accept: true,
            replacement: None,
            memo: Some(format!("search: {}", cfg.query)),
            answered: None,
            at: None,
        })
        .collect();
    let batch = crate::review::decide_batch(p, &decisions)?;
    Ok(CodedHits {
        coder,
        decisions: decisions.len(),
        batch,
    })
}
