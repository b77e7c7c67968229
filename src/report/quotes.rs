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
use crate::suggest::excerpt::excerpt;
use crate::suggest::Unit;
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
    /// How much of a segment a quote holds: the whole turn, or the sentences holding the
    /// evidence.
    pub unit: Unit,
}

/// One coded quote: one segment and one code, whoever coded it.
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
    /// The code's name (its id when the codebook cannot be loaded).
    pub name: String,
    /// `accepted` or `pending`.
    pub status: &'static str,
    /// Who accepted it, in name order (empty for a pending suggestion).
    pub coders: Vec<String>,
    /// The coders' memos, each as `coder: memo` when more than one coder accepted it.
    pub memo: Option<String>,
    /// The quote.
    pub text: String,
    /// What the quote holds: `turn` or `sentence` (a quote asked for as sentences whose
    /// coding has no evidence words, such as one coded by hand, is the whole turn).
    pub unit: &'static str,
    /// Document and speaker attributes.
    pub attributes: BTreeMap<String, String>,
    /// "(P3, educator, Canada)".
    pub citation: String,
}

/// The evidence a decision answered (code-point ranges kept in its `answered` JSON).
pub(crate) fn answered_evidence(answered: Option<&str>) -> Vec<(usize, usize)> {
    answered
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .and_then(|v| {
            v.get("evidence")?.as_array().map(|ev| {
                ev.iter()
                    .filter_map(|p| {
                        let p = p.as_array()?;
                        Some((p.first()?.as_u64()? as usize, p.get(1)?.as_u64()? as usize))
                    })
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// One (segment, code) gathered from its codings before it becomes a [`Quote`].
struct Gathered {
    status: &'static str,
    /// (coder, memo) per coder who accepted it.
    coders: Vec<(String, Option<String>)>,
    evidence: Vec<(usize, usize)>,
}

/// (segment, codebook, code) -> what was decided on it
type Key = (i64, String, String);

/// The coded quotes the config asks for, one per segment and code (the coders who
/// accepted it listed together), by code then document order.
pub fn quotes(project: &Project, index: &mut Index, cfg: &QuotesConfig) -> Result<Vec<Quote>> {
    let store = project.store();
    let rows = gather(project, index, cfg)?;
    let mut rows: Vec<(Key, Gathered)> = rows.into_iter().collect();
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
    let mut books: HashMap<String, Option<crate::codebook::Codebook>> = HashMap::new();
    let cite: Vec<String> = if cfg.cite.is_empty() {
        vec!["speaker".into(), "document".into()]
    } else {
        cfg.cite.clone()
    };
    let mut out = Vec::with_capacity(rows.len());
    for ((segment, codebook, code), mut g) in rows {
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
        let name = books
            .entry(codebook.clone())
            .or_insert_with(|| project.load_codebook(&codebook).ok())
            .as_ref()
            .and_then(|cb| cb.code(&code))
            .map_or_else(|| code.clone(), |c| c.name.clone());
        g.coders.sort();
        let memos: Vec<String> = g
            .coders
            .iter()
            .filter_map(|(coder, memo)| {
                let memo = memo.as_deref().filter(|m| !m.trim().is_empty())?;
                Some(if g.coders.len() > 1 {
                    format!("{coder}: {memo}")
                } else {
                    memo.to_string()
                })
            })
            .collect();
        let ex = excerpt(cfg.unit, s, &g.evidence);
        out.push(Quote {
            segment,
            document: s.document.clone(),
            speaker: s.speaker.clone(),
            place: crate::text::safe::place(s),
            codebook,
            code,
            name,
            status: g.status,
            coders: g.coders.into_iter().map(|(c, _)| c).collect(),
            memo: (!memos.is_empty()).then(|| memos.join(" | ")),
            text: ex.text,
            unit: ex.unit.as_str(),
            attributes,
            citation: format!("({})", parts.join(", ")),
        });
    }
    Ok(out)
}

/// The codings [`quotes`] exports, by (segment, codebook, code): the standing accepted
/// decisions, the suggestions still waiting, or both, as the config asks, kept to the
/// segments its query finds.
fn gather(
    project: &Project,
    index: &mut Index,
    cfg: &QuotesConfig,
) -> Result<BTreeMap<Key, Gathered>> {
    let store = project.store();
    let wanted = |book: &str, code: &str| {
        cfg.codebook.as_deref().is_none_or(|b| b == book)
            && cfg.code.as_deref().is_none_or(|c| {
                code == c || code.strip_prefix(c).is_some_and(|r| r.starts_with('.'))
            })
    };
    let mut rows: BTreeMap<Key, Gathered> = BTreeMap::new();
    if cfg.status != Status::Pending {
        let decisions = store.decisions(cfg.coder.as_deref())?;
        for ((coder, book, segment, code), v) in crate::review::quality::standing(&decisions) {
            if v.applies && wanted(&book, &code) {
                let g = rows.entry((segment, book, code)).or_insert(Gathered {
                    status: "accepted",
                    coders: Vec::new(),
                    evidence: Vec::new(),
                });
                g.coders.push((coder, v.decision.memo.clone()));
                g.evidence
                    .extend(answered_evidence(v.decision.answered.as_deref()));
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
                let evidence = crate::review::evidence_chars(&s.evidence);
                let key = (s.segment, s.codebook, s.code);
                if s.state == SuggestionState::Open
                    && wanted(&key.1, &key.2)
                    && !decided.contains(&key)
                {
                    rows.insert(
                        key,
                        Gathered {
                            status: "pending",
                            coders: Vec::new(),
                            evidence,
                        },
                    );
                }
            }
        }
    }
    if let Some(q) = &cfg.query {
        let r = crate::project::search::search(
            project,
            index,
            &crate::project::search::SearchConfig {
                query: q.clone(),
                ..Default::default()
            },
        )?;
        let hits: HashSet<i64> = r.hits.iter().map(|h| h.segment.id).collect();
        rows.retain(|k, _| hits.contains(&k.0));
    }
    Ok(rows)
}

/// Counts for the line that says what an export of quotes holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotesSummary {
    /// Quotes (rows): one per segment and code.
    pub quotes: usize,
    /// Codings merged into them: one per coder who accepted a quote.
    pub codings: usize,
    /// The coders who accepted any of them.
    pub coders: usize,
    /// Quotes asked for as sentences that are whole turns, having no evidence words.
    pub whole_turns: usize,
}

/// What `quotes` holds, for the summary line.
pub fn summary(quotes: &[Quote], unit: Unit) -> QuotesSummary {
    QuotesSummary {
        quotes: quotes.len(),
        codings: quotes.iter().map(|q| q.coders.len()).sum(),
        coders: quotes
            .iter()
            .flat_map(|q| &q.coders)
            .collect::<HashSet<_>>()
            .len(),
        whole_turns: quotes
            .iter()
            .filter(|q| unit == Unit::Sentence && q.unit != unit.as_str())
            .count(),
    }
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

const COLUMNS: [&str; 14] = [
    "code",
    "name",
    "codebook",
    "status",
    "document",
    "speaker",
    "place",
    "quote",
    "unit",
    "citation",
    "coders",
    "memo",
    "segment",
    "attributes",
];

fn row(q: &Quote) -> Vec<String> {
    vec![
        q.code.clone(),
        q.name.clone(),
        q.codebook.clone(),
        q.status.to_string(),
        q.document.clone(),
        q.speaker.clone().unwrap_or_default(),
        q.place.clone(),
        q.text.clone(),
        q.unit.to_string(),
        q.citation.clone(),
        q.coders.join(", "),
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
    crate::output::folder_of(path).map_err(|m| crate::review::sheet::SheetError::Write {
        path: path.to_path_buf(),
        message: m,
    })?;
    let rows: Vec<Vec<String>> = quotes.iter().map(row).collect();
    let io = |e: std::io::Error| -> Error {
        crate::error::ProjectError::Io {
            path: path.to_path_buf(),
            source: e,
        }
        .into()
    };
    match format {
        QuoteFormat::Csv | QuoteFormat::Xlsx => crate::review::sheet::write(path, &COLUMNS, &rows)?,
        QuoteFormat::Json => {
            let text =
                serde_json::to_string_pretty(quotes).map_err(|e| Error::Other(e.to_string()))?;
            std::fs::write(path, text + "\n").map_err(io)?;
        }
        QuoteFormat::Markdown => {
            let mut out = Vec::new();
            let mut code = None;
            for q in quotes {
                if code != Some((&q.codebook, &q.code)) {
                    writeln!(
                        out,
                        "## {} <small>{}</small>\n",
                        md_text(&q.name),
                        md_text(&q.code)
                    )
                    .map_err(io)?;
                    code = Some((&q.codebook, &q.code));
                }
                for line in q.text.lines() {
                    writeln!(out, "> {}", md_text(line)).map_err(io)?;
                }
                write!(out, "\n{}", md_text(&q.citation)).map_err(io)?;
                if !q.coders.is_empty() {
                    write!(out, " · coded by {}", md_text(&q.coders.join(", "))).map_err(io)?;
                }
                writeln!(out, "\n").map_err(io)?;
                if let Some(memo) = &q.memo {
                    writeln!(out, "*Memo:* {}\n", md_text(memo)).map_err(io)?;
                }
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
    for c in crate::text::safe::sanitize(s, true).chars() {
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
    fn excerpts_mark_a_phrase_once_and_keep_only_the_evidence_sentences() {
        let text = "At [X] we use social media a lot. Nothing here. Wi-Fi is slow. Bye.";
        let s = crate::suggest::tests::seg(text, 50);
        let at = |w: &str| {
            let b = text.find(w).unwrap();
            let c = 50 + text[..b].chars().count();
            (c, c + w.chars().count())
        };
        let ev = [at("social"), at("media"), at("Wi"), at("Fi")];
        let marked = |e: &crate::suggest::excerpt::Excerpt| {
            crate::text::safe::mark(&e.text, &e.marks, '«', '»')
        };
        let turn = excerpt(Unit::Turn, &s, &ev);
        assert_eq!(turn.unit, Unit::Turn);
        assert_eq!(
            marked(&turn),
            "At [X] we use «social media» a lot. Nothing here. «Wi-Fi» is slow. Bye."
        );
        let sentences = excerpt(Unit::Sentence, &s, &ev);
        assert_eq!(sentences.unit, Unit::Sentence);
        assert_eq!(
            marked(&sentences),
            "At [X] we use «social media» a lot. … «Wi-Fi» is slow."
        );
        // Without evidence (a coding by hand) the sentence unit falls back to the turn.
        let by_hand = excerpt(Unit::Sentence, &s, &[]);
        assert_eq!((by_hand.unit, by_hand.text.as_str()), (Unit::Turn, text));
    }

    #[test]
    fn markdown_text_cannot_carry_markup_or_html() {
        assert_eq!(md_text("<script>x</script>"), "\\<script\\>x\\</script\\>");
        assert_eq!(md_text("a *b* [c](d)"), "a \\*b\\* \\[c\\](d)");
        assert_eq!(md_text("line\nbreak"), "line break");
    }
}
