//! Finding quotes: a search (or only its count) from what a person typed, the corpus words its
//! words miss, and coding every hit of a search as one batch; filters beside a query box
//! written into the query as its field filters, and what those filters can offer.

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

/// Filters a front end shows beside the query box. Each is a field filter of the query
/// language, ANDed to the query, so a filtered search is one a person could type
/// (`quarry search '(trust) speaker:"Ana Silva"'`): [`filtered_query`] writes it. Empty
/// values are no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `speaker:`, a speaker's name (`*` at the end: a prefix).
    pub speaker: Option<String>,
    /// `role:`: interviewer, participant or none.
    pub role: Option<String>,
    /// `doc:`, a document's name (`*` at the end: a prefix).
    pub document: Option<String>,
    /// `attr.KEY:VALUE`, given as `KEY=VALUE`.
    pub attribute: Option<String>,
    /// `hashtag:`, a post's hashtag.
    pub hashtag: Option<String>,
    /// `platform:`: x, mastodon, reddit or other.
    pub platform: Option<String>,
    /// `is:`: original, repost, reply, quote, duplicate or post.
    pub is: Option<String>,
    /// With `to`, `date:[FROM TO TO]`: posts from this day (`2022-03-01`), month or year on.
    pub from: Option<String>,
    /// Posts up to this day, month or year (included).
    pub to: Option<String>,
}

/// `query` with the `filters` added as field filters: `(QUERY) speaker:"…" role:…`, or the
/// filters alone for an empty query, or the query as it is without filters. A value that
/// the query language cannot hold (a double quote; an attribute key with a space) or that is
/// not one of a filter's choices is refused, naming the filter.
pub fn filtered_query(query: &str, filters: &Filters) -> Result<String> {
    let bad = |msg: String| Err(Error::Other(msg));
    fn value(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let quoted = |what: &str, v: &str| {
        if v.contains(['"', '“', '”']) {
            Err(Error::Other(format!(
                "the {what} filter cannot hold a double quote (\"); use the part before it with * at the end"
            )))
        } else {
            Ok(format!("\"{v}\""))
        }
    };
    let one_of = |what: &str, v: &str, choices: &[&str]| {
        let v = v.to_lowercase();
        if choices.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(Error::Other(format!(
                "{what} `{v}`: expected {}",
                choices.join(", ")
            )))
        }
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = value(&filters.speaker) {
        parts.push(format!("speaker:{}", quoted("speaker", v)?));
    }
    if let Some(v) = value(&filters.role) {
        let roles = ["interviewer", "participant", "none"];
        parts.push(format!("role:{}", one_of("role", v, &roles)?));
    }
    if let Some(v) = value(&filters.document) {
        parts.push(format!("doc:{}", quoted("document", v)?));
    }
    if let Some(v) = value(&filters.attribute) {
        let Some((key, val)) = v.split_once('=') else {
            return bad(format!(
                "attribute `{v}`: expected KEY=VALUE, as in country=Canada"
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || "()\"“”".contains(c)) {
            return bad(format!(
                "attribute `{key}`: a key for a filter has no spaces, brackets or quotes"
            ));
        }
        parts.push(format!("attr.{key}:{}", quoted("attribute", val.trim())?));
    }
    if let Some(v) = value(&filters.hashtag) {
        parts.push(format!("hashtag:{}", quoted("hashtag", v)?));
    }
    if let Some(v) = value(&filters.platform) {
        let platforms = ["x", "mastodon", "reddit", "other"];
        parts.push(format!("platform:{}", one_of("platform", v, &platforms)?));
    }
    if let Some(v) = value(&filters.is) {
        let kinds = ["original", "repost", "reply", "quote", "duplicate", "post"];
        parts.push(format!("is:{}", one_of("kind of post", v, &kinds)?));
    }
    let (from, to) = (value(&filters.from), value(&filters.to));
    if from.is_some() || to.is_some() {
        let day = |v: Option<&str>| match v {
            None => Ok("*".to_string()),
            Some(d) if !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == '-') => {
                Ok(d.to_string())
            }
            Some(d) => Err(Error::Other(format!(
                "date `{d}`: expected a day (2022-03-01), a month (2022-03) or a year (2022)"
            ))),
        };
        parts.push(format!("date:[{} TO {}]", day(from)?, day(to)?));
    }
    let query = query.trim();
    Ok(match (query.is_empty(), parts.is_empty()) {
        (_, true) => query.to_string(),
        (true, false) => parts.join(" "),
        (false, false) => format!("({query}) {}", parts.join(" ")),
    })
}

/// What the filters beside a query box can offer as lists: the speakers, the documents and
/// the attributes (`KEY`, `VALUE`) of this project, each None when it has more than `max`
/// (a text field then), and whether it holds posts (for the post filters).
#[derive(Debug, Clone, Default)]
pub struct FilterChoices {
    /// Speakers' names, sorted.
    pub speakers: Option<Vec<String>>,
    /// Documents' names, in the order they were added.
    pub documents: Option<Vec<String>>,
    /// Document and speaker attributes, sorted, each pair once.
    pub attributes: Option<Vec<(String, String)>>,
    /// Whether any document holds posts.
    pub posts: bool,
}

/// The [`FilterChoices`] of the project. Listing speakers counts their turns over every
/// segment, so past `max` documents they are not listed.
pub fn filter_choices(p: &Project, max: usize) -> Result<FilterChoices> {
    use crate::text::model::Format;
    let docs = super::corpus::documents(p)?;
    let posts = docs
        .iter()
        .any(|d| matches!(d.format, Format::Csv | Format::Json));
    let mut attributes: std::collections::BTreeSet<(String, String)> = docs
        .iter()
        .flat_map(|d| d.attributes.iter().cloned())
        .collect();
    attributes.extend(p.store().speaker_attributes()?.into_values().flatten());
    let few = docs.len() <= max;
    let speakers = if few {
        let names: Vec<String> = super::corpus::speakers(p)?
            .into_iter()
            .map(|s| s.name)
            .collect();
        Some(names).filter(|n| n.len() <= max)
    } else {
        None
    };
    Ok(FilterChoices {
        speakers,
        documents: few.then(|| docs.into_iter().map(|d| d.name).collect()),
        attributes: Some(attributes.into_iter().collect()).filter(|a: &Vec<_>| a.len() <= max),
        posts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_field_filters_anded_to_the_query() {
        let none = Filters::default();
        assert_eq!(
            filtered_query(" trust OR belief ", &none).unwrap(),
            "trust OR belief"
        );
        let f = Filters {
            speaker: Some("Anouk Jansen".into()),
            role: Some("Participant".into()),
            document: Some("P0*".into()),
            attribute: Some("country = South Africa".into()),
            hashtag: Some(" ".into()),
            is: Some("original".into()),
            to: Some("2022-06".into()),
            ..Default::default()
        };
        assert_eq!(
            filtered_query("trust OR belief", &f).unwrap(),
            "(trust OR belief) speaker:\"Anouk Jansen\" role:participant doc:\"P0*\" \
             attr.country:\"South Africa\" is:original date:[* TO 2022-06]"
        );
        let only = Filters {
            platform: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(filtered_query("", &only).unwrap(), "platform:x");
        let refused = |f: Filters, says: &str| {
            let e = filtered_query("trust", &f).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        };
        refused(
            Filters {
                speaker: Some("say \"hi\"".into()),
                ..Default::default()
            },
            "double quote",
        );
        refused(
            Filters {
                role: Some("boss".into()),
                ..Default::default()
            },
            "expected interviewer",
        );
        refused(
            Filters {
                attribute: Some("country".into()),
                ..Default::default()
            },
            "KEY=VALUE",
        );
        refused(
            Filters {
                attribute: Some("the country=x".into()),
                ..Default::default()
            },
            "no spaces",
        );
        refused(
            Filters {
                from: Some("2022-01-01] OR x".into()),
                ..Default::default()
            },
            "expected a day",
        );
    }
}
