//! Search hits as files: JSON, JSON lines, CSV and `.xlsx`, with the same fields everywhere.
//!
//! A hit's JSON is its segment's fields (place, speaker, quote, a post's fields), the matched
//! words, their ranges in characters, and the context turns when there are any. The CSV and
//! the workbook are that JSON flattened into one row per hit ([`columns`]): lists joined
//! with `; `, context turns as `speaker: text` lines. `quarry search --format csv|json|jsonl`
//! and the browser's downloads both write through here, so the same query gives the same
//! file. In a CSV no cell starts a formula (`text::safe::csv_cell`); in a workbook every cell
//! is a string cell, so nothing needs that guard there.

use crate::error::{Error, ProjectError, Result};
use crate::project::search::{Hit, SearchResult};
use crate::text::model::{format_ms, PostMeta, Segment};
use crate::text::safe::csv_cell;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::path::Path;

/// The files hits are written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitsFormat {
    /// CSV with a header row (no byte order mark, LF line ends).
    Csv,
    /// An Excel workbook with [`columns`] as its header.
    Xlsx,
    /// One JSON document: `{"total", "hits"}`.
    Json,
    /// One JSON object per line.
    Jsonl,
}

impl HitsFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            HitsFormat::Csv => "csv",
            HitsFormat::Xlsx => "xlsx",
            HitsFormat::Json => "json",
            HitsFormat::Jsonl => "jsonl",
        }
    }

    /// The media type a web server sends it as.
    pub fn media_type(self) -> &'static str {
        match self {
            HitsFormat::Csv => "text/csv; charset=utf-8",
            HitsFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            HitsFormat::Json => "application/json",
            HitsFormat::Jsonl => "application/jsonl",
        }
    }
}

/// A segment as JSON: its id, document, speaker, role, times, line, character range and
/// text, and its post's fields when it is a post.
pub fn segment_json(s: &Segment) -> Value {
    let mut v = json!({
        "segment": s.id,
        "document": s.document,
        "speaker": s.speaker,
        "role": s.role,
        "start_ms": s.start_ms,
        "end_ms": s.end_ms,
        "start": s.start_ms.map(format_ms),
        "line": s.line,
        "char_start": s.char_start,
        "char_end": s.char_end,
        "text": s.text,
    });
    if let Some(p) = &s.post {
        v["post"] = json!(p);
    }
    v
}

/// Byte ranges of `text` as character ranges.
fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    ranges
        .iter()
        .map(|&(s, e)| (text[..s].chars().count(), text[..e].chars().count()))
        .collect()
}

/// A hit as JSON: [`segment_json`] with `matches` (the matched words), `highlights` (their
/// character ranges) and, when the search asked for context, `before` and `after`.
pub fn hit_json(h: &Hit) -> Value {
    let mut v = segment_json(&h.segment);
    let words: Vec<&str> = h
        .highlights
        .iter()
        .map(|&(s, e)| &h.segment.text[s..e])
        .collect();
    v["matches"] = json!(words);
    v["highlights"] = json!(char_ranges(&h.segment.text, &h.highlights));
    if !h.before.is_empty() || !h.after.is_empty() {
        v["before"] = json!(h.before.iter().map(segment_json).collect::<Vec<_>>());
        v["after"] = json!(h.after.iter().map(segment_json).collect::<Vec<_>>());
    }
    v
}

/// The columns of a hit's row: every field of its JSON, flattened. The first ten are the
/// JSON keys of the same name (`quote` is `text`), then `start_ms`, `end_ms`, `highlights`,
/// one `post_FIELD` per field of `post`, and the context turns (`before`, `after`).
pub fn columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "segment",
        "document",
        "speaker",
        "role",
        "start",
        "line",
        "char_start",
        "char_end",
        "matches",
        "quote",
        "start_ms",
        "end_ms",
        "highlights",
    ]
    .map(String::from)
    .to_vec();
    if let Value::Object(m) = json!(PostMeta::default()) {
        cols.extend(m.keys().map(|k| format!("post_{k}")));
    }
    cols.extend(["before".to_string(), "after".to_string()]);
    cols
}

/// A JSON value as one cell: lists joined with `; `, pairs with `-` (numbers, such as
/// highlight ranges) or `=` (a key and its value), strings passed through `cell` (the formula
/// guard in a CSV).
fn flat(v: &Value, cell: fn(&str) -> String) -> String {
    fn plain(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(a) => {
                let sep = if a.iter().all(Value::is_number) {
                    "-"
                } else {
                    "="
                };
                a.iter().map(plain).collect::<Vec<_>>().join(sep)
            }
            other => other.to_string(),
        }
    }
    match v {
        Value::Array(a) => cell(&a.iter().map(plain).collect::<Vec<_>>().join("; ")),
        Value::String(s) => cell(s),
        other => plain(other),
    }
}

/// One hit as the row of `columns` ([`columns`]); context turns as `speaker: text`, one a
/// line; every text passed through `cell`.
pub fn row(h: &Hit, columns: &[String], cell: fn(&str) -> String) -> Vec<String> {
    let v = hit_json(h);
    let turns = |segs: &[Segment]| {
        cell(
            &segs
                .iter()
                .map(|s| match &s.speaker {
                    Some(sp) => format!("{sp}: {}", s.text),
                    None => s.text.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    columns
        .iter()
        .map(|col| match col.as_str() {
            "quote" => flat(&v["text"], cell),
            "before" => turns(&h.before),
            "after" => turns(&h.after),
            c => match c.strip_prefix("post_") {
                Some(k) => flat(&v["post"][k], cell),
                None => flat(&v[c], cell),
            },
        })
        .collect()
}

/// Writes the hits as one JSON document, `{"total", "hits"}`, indented, with a final line
/// end.
pub fn write_json(w: &mut dyn Write, r: &SearchResult) -> io::Result<()> {
    let v = json!({"total": r.total, "hits": r.hits.iter().map(hit_json).collect::<Vec<_>>()});
    writeln!(w, "{}", serde_json::to_string_pretty(&v)?)
}

/// Writes one JSON object per hit, one a line.
pub fn write_jsonl(w: &mut dyn Write, hits: &[Hit]) -> io::Result<()> {
    for h in hits {
        writeln!(w, "{}", hit_json(h))?;
    }
    Ok(())
}

/// Writes the hits as CSV: the header row of [`columns`], then one row per hit, no cell a
/// formula.
pub fn write_csv(w: &mut dyn Write, hits: &[Hit]) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    let columns = columns();
    c.write_record(&columns)?;
    for h in hits {
        c.write_record(row(h, &columns, csv_cell))?;
    }
    c.flush()
}

/// Writes the hits to `path` as an `.xlsx` workbook: the rows of the CSV, each cell a string
/// (through [`crate::review::sheet::write`]).
pub fn write_xlsx(path: &Path, hits: &[Hit]) -> Result<()> {
    let columns = columns();
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|h| row(h, &columns, str::to_owned))
        .collect();
    crate::review::sheet::write(path, &header, &rows)?;
    Ok(())
}

/// The hits as the bytes of a whole file in `format` (what a download sends).
pub fn to_bytes(r: &SearchResult, format: HitsFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let io = |e: io::Error| -> Error { Error::Other(format!("writing the hits: {e}")) };
    match format {
        HitsFormat::Csv => write_csv(&mut out, &r.hits).map_err(io)?,
        HitsFormat::Json => write_json(&mut out, r).map_err(io)?,
        HitsFormat::Jsonl => write_jsonl(&mut out, &r.hits).map_err(io)?,
        HitsFormat::Xlsx => {
            let dir = tempfile::tempdir().map_err(io)?;
            let path = dir.path().join("hits.xlsx");
            write_xlsx(&path, &r.hits)?;
            out = std::fs::read(&path).map_err(|e| ProjectError::Io { path, source: e })?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(text: &str, marks: Vec<(usize, usize)>) -> Hit {
        Hit {
            segment: Segment {
                id: 7,
                document_id: 1,
                document: "P01".into(),
                ord: 0,
                speaker: Some("Ana".into()),
                role: None,
                start_ms: None,
                end_ms: None,
                line: 1,
                char_start: 0,
                char_end: text.chars().count(),
                byte_start: 0,
                byte_end: text.len(),
                text: text.into(),
                post: None,
            },
            highlights: marks,
            before: Vec::new(),
            after: Vec::new(),
        }
    }

    #[test]
    fn csv_guards_formulas_and_the_workbook_keeps_text_as_written() {
        let h = hit("=HYPERLINK(\"x\") trust", vec![(16, 21)]);
        let cols = columns();
        let quote = cols.iter().position(|c| c == "quote").unwrap();
        assert_eq!(row(&h, &cols, csv_cell)[quote], "'=HYPERLINK(\"x\") trust");
        assert_eq!(
            row(&h, &cols, str::to_owned)[quote],
            "=HYPERLINK(\"x\") trust"
        );
        let r = SearchResult {
            total: 1,
            hits: vec![h],
        };
        let csv = String::from_utf8(to_bytes(&r, HitsFormat::Csv).unwrap()).unwrap();
        assert!(csv.starts_with("segment,document,speaker,"), "{csv}");
        assert!(csv.contains(",trust,\"'=HYPERLINK"), "{csv}");
        let json: Value = serde_json::from_slice(&to_bytes(&r, HitsFormat::Json).unwrap()).unwrap();
        assert_eq!(json["total"], 1);
        assert_eq!(json["hits"][0]["matches"][0], "trust");
        let xlsx = to_bytes(&r, HitsFormat::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK"), "a zip archive");
    }
}
