//! Export: coded quotes for papers and spreadsheets.
//!
//! [`quotes`] gathers one row per coded segment (accepted decisions and codes applied in
//! their place, and/or suggestions still waiting) with its document, speaker, attributes,
//! place and a citation built from the attributes a researcher picks. The writers put them
//! in CSV (no cell starts a formula), xlsx, Markdown ready to paste into a paper, or JSON.

use crate::error::{Error, Result};
use crate::index::Index;
use crate::project::Project;
use crate::store::SuggestionState;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// Which codings to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Codes people accepted (or applied instead of a suggestion, or by hand).
    #[default]
    Accepted,
    /// Suggestions nobody has decided on.
    Pending,
    /// Both.
    All,
}

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct QuotesConfig {
    /// Only this codebook.
    pub codebook: Option<String>,
    /// Only this code and the codes below it.
    pub code: Option<String>,
    /// Only segments this search finds.
    pub query: Option<String>,
    /// Which codings.
    pub status: Status,
    /// Only this coder's decisions.
    pub coder: Option<String>,
    /// The fields of a citation: attribute names, `speaker` or `document` (default:
    /// speaker, document).
    pub cite: Vec<String>,
}

/// One coded quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// Segment id.
    pub segment: i64,
    /// Document name.
    pub document: String,
    /// Speaker or author.
    pub speaker: Option<String>,
    /// Time, date or line.
    pub place: String,
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// `accepted` or `pending`.
    pub status: &'static str,
    /// Who coded it (None for a pending suggestion).
    pub coder: Option<String>,
    /// Their memo.
    pub memo: Option<String>,
    /// The quote.
    pub text: String,
    /// Document and speaker attributes.
    pub attributes: BTreeMap<String, String>,
    /// "(P3, educator, Canada)".
    pub citation: String,
}

/// The coded quotes the config asks for, by code then document order.
pub fn quotes(project: &Project, index: &mut Index, cfg: &QuotesConfig) -> Result<Vec<Quote>> {
    let store = project.store();
    let wanted = |book: &str, code: &str| {
        cfg.codebook.as_deref().is_none_or(|b| b == book)
            && cfg.code.as_deref().is_none_or(|c| {
                code == c || code.strip_prefix(c).is_some_and(|r| r.starts_with('.'))
            })
    };
    // (segment, codebook, code) -> (status, coder, memo)
    type Key = (i64, String, String);
    let mut rows: Vec<(Key, &'static str, Option<String>, Option<String>)> = Vec::new();
    if cfg.status != Status::Pending {
        let decisions = store.decisions(cfg.coder.as_deref())?;
        for ((coder, book, segment, code), v) in crate::quality::standing(&decisions) {
            if v.applies && wanted(&book, &code) {
                rows.push((
                    (segment, book, code),
                    "accepted",
                    Some(coder),
                    v.decision.memo.clone(),
                ));
            }
        }
    }
    if cfg.status != Status::Accepted {
        let decided: HashSet<(i64, String, String)> = store
            .decisions(None)?
            .into_iter()
            .map(|d| (d.segment, d.codebook, d.code))
            .collect();
        for (book, _) in store.codebooks_run()? {
            for s in store.codebook_suggestions(&book, false)? {
                let key = (s.segment, s.codebook, s.code);
                if s.state == SuggestionState::Open
                    && wanted(&key.1, &key.2)
                    && !decided.contains(&key)
                {
                    rows.push((key, "pending", None, None));
                }
            }
        }
    }
    if let Some(q) = &cfg.query {
        let r = crate::search::search(
            project,
            index,
            &crate::search::SearchConfig {
                query: q.clone(),
                ..Default::default()
            },
        )?;
        let hits: HashSet<i64> = r.hits.iter().map(|h| h.segment.id).collect();
        rows.retain(|r| hits.contains(&r.0 .0));
    }
    rows.sort_by(|a, b| (&a.0 .2, a.0 .0).cmp(&(&b.0 .2, b.0 .0)));
    let ids: Vec<i64> = rows.iter().map(|r| r.0 .0).collect();
    let segs: HashMap<i64, crate::Segment> = store
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let doc_attrs: HashMap<i64, Vec<(String, String)>> = store
        .documents()?
        .into_iter()
        .map(|d| (d.id, d.attributes))
        .collect();
    let speaker_attrs = store.speaker_attributes()?;
    let cite: Vec<String> = if cfg.cite.is_empty() {
        vec!["speaker".into(), "document".into()]
    } else {
        cfg.cite.clone()
    };
    let mut out = Vec::with_capacity(rows.len());
    for ((segment, codebook, code), status, coder, memo) in rows {
        let Some(s) = segs.get(&segment) else {
            continue;
        };
        let mut attributes = BTreeMap::new();
        for (k, v) in doc_attrs.get(&s.document_id).into_iter().flatten() {
            attributes.insert(k.clone(), v.clone());
        }
        if let Some(sp) = &s.speaker {
            for (k, v) in speaker_attrs.get(sp).into_iter().flatten() {
                attributes.insert(k.clone(), v.clone());
            }
        }
        let pick = |fields: &[String]| -> Vec<String> {
            fields
                .iter()
                .filter_map(|f| match f.as_str() {
                    "speaker" => s.speaker.clone(),
                    "document" => Some(s.document.clone()),
                    other => attributes.get(other).cloned(),
                })
                .filter(|v| !v.is_empty())
                .collect()
        };
        let mut parts = pick(&cite);
        if parts.is_empty() {
            // None of the fields asked for is known for this segment: who and where.
            parts = pick(&["speaker".into(), "document".into()]);
        }
        out.push(Quote {
            segment,
            document: s.document.clone(),
            speaker: s.speaker.clone(),
            place: crate::print::place(s),
            codebook,
            code,
            status,
            coder,
            memo,
            text: s.text.clone(),
            attributes,
            citation: format!("({})", parts.join(", ")),
        });
    }
    Ok(out)
}

/// Output formats of quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteFormat {
    /// CSV (UTF-8 with a BOM, no cell a formula).
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// Markdown for a paper: quotes under their codes, each with its citation.
    Markdown,
    /// A JSON array.
    Json,
}

const COLUMNS: [&str; 12] = [
    "code",
    "codebook",
    "status",
    "document",
    "speaker",
    "place",
    "quote",
    "citation",
    "coder",
    "memo",
    "segment",
    "attributes",
];

fn row(q: &Quote) -> Vec<String> {
    vec![
        q.code.clone(),
        q.codebook.clone(),
        q.status.to_string(),
        q.document.clone(),
        q.speaker.clone().unwrap_or_default(),
        q.place.clone(),
        q.text.clone(),
        q.citation.clone(),
        q.coder.clone().unwrap_or_default(),
        q.memo.clone().unwrap_or_default(),
        q.segment.to_string(),
        q.attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; "),
    ]
}

/// Writes quotes to `path` in `format`.
pub fn write_quotes(quotes: &[Quote], format: QuoteFormat, path: &Path) -> Result<()> {
    let rows: Vec<Vec<String>> = quotes.iter().map(row).collect();
    let io = |e: std::io::Error| -> Error {
        crate::error::ProjectError::Io {
            path: path.to_path_buf(),
            source: e,
        }
        .into()
    };
    match format {
        QuoteFormat::Csv | QuoteFormat::Xlsx => crate::sheet::write(path, &COLUMNS, &rows)?,
        QuoteFormat::Json => {
            let text =
                serde_json::to_string_pretty(quotes).map_err(|e| Error::Other(e.to_string()))?;
            std::fs::write(path, text + "\n").map_err(io)?;
        }
        QuoteFormat::Markdown => {
            let mut out = Vec::new();
            let mut code = None;
            for q in quotes {
                if code != Some(&q.code) {
                    writeln!(out, "## {}\n", md_text(&q.code)).map_err(io)?;
                    code = Some(&q.code);
                }
                for line in q.text.lines() {
                    writeln!(out, "> {}", md_text(line)).map_err(io)?;
                }
                writeln!(out, "\n{}\n", md_text(&q.citation)).map_err(io)?;
            }
            std::fs::write(path, out).map_err(io)?;
        }
    }
    Ok(())
}

/// Text for Markdown: characters that would start markup or HTML are escaped, so a quote
/// shows as written and nothing in it runs when the Markdown is rendered.
pub(crate) fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::print::sanitize(s, true).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_cannot_carry_markup_or_html() {
        assert_eq!(md_text("<script>x</script>"), "\\<script\\>x\\</script\\>");
        assert_eq!(md_text("a *b* [c](d)"), "a \\*b\\* \\[c\\](d)");
        assert_eq!(md_text("line\nbreak"), "line break");
    }
}
