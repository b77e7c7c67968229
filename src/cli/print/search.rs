//! Search hits as a table (keyword in context, with the turns around), CSV, JSON or JSON
//! lines, and the note on other forms of a search word the corpus holds.

use super::{csv_cell, place, sanitize, seg_json, Column, Format, Style, DIM_ON, HL_OFF, HL_ON};
use quarry::project::search::{Hit, OtherForms, SearchResult};
use quarry::text::model::{PostMeta, Segment};
use serde_json::json;
use std::io::{self, Write};

fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    ranges
        .iter()
        .map(|&(s, e)| (text[..s].chars().count(), text[..e].chars().count()))
        .collect()
}

/// A keyword-in-context snippet: about `width` characters around the first highlight, on one
/// line, with highlights marked when `color`.
pub fn kwic(text: &str, highlights: &[(usize, usize)], width: usize, color: bool) -> String {
    let first = highlights.first().map_or(0, |h| h.0);
    let mut start = first.saturating_sub(width);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        // Start at a word boundary.
        if let Some(sp) = text[start..first].find(char::is_whitespace) {
            start += sp + 1;
        }
    }
    let mut end = (first + width * 2).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len() {
        if let Some(sp) = text[first.min(end)..end].rfind(char::is_whitespace) {
            end = first + sp;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in highlights {
        if s < at || e > end {
            continue;
        }
        out.push_str(&sanitize(&text[at..s], true));
        if color {
            out.push_str(HL_ON);
        }
        out.push_str(&sanitize(&text[s..e], true));
        if color {
            out.push_str(HL_OFF);
        }
        at = e;
    }
    out.push_str(&sanitize(&text[at..end], true));
    if end < text.len() {
        out.push('…');
    }
    collapse_spaces(&out)
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = false;
    for c in s.chars() {
        if c == ' ' {
            if !prev_space {
                out.push(c);
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    out
}

fn hit_json(h: &Hit) -> serde_json::Value {
    let mut v = seg_json(&h.segment);
    let words: Vec<&str> = h
        .highlights
        .iter()
        .map(|&(s, e)| &h.segment.text[s..e])
        .collect();
    v["matches"] = json!(words);
    v["highlights"] = json!(char_ranges(&h.segment.text, &h.highlights));
    if !h.before.is_empty() || !h.after.is_empty() {
        v["before"] = json!(h.before.iter().map(seg_json).collect::<Vec<_>>());
        v["after"] = json!(h.after.iter().map(seg_json).collect::<Vec<_>>());
    }
    v
}

/// One line per search word whose stem misses corpus words that begin like it (see
/// [`quarry::project::search::other_forms`]): `also in the corpus (segments): trustworthy (9),
/// trustworthiness (6); try trust*`.
pub fn other_forms(w: &mut dyn Write, forms: &[OtherForms], indent: &str) -> io::Result<()> {
    for f in forms {
        let list: Vec<String> = f.words.iter().map(|(w, n)| format!("{w} ({n})")).collect();
        let more = if f.more > 0 {
            format!(" and {} more", f.more)
        } else {
            String::new()
        };
        let line = format!(
            "also in the corpus (segments): {}{more}; try {}*",
            list.join(", "),
            f.stem
        );
        writeln!(w, "{indent}{}", sanitize(&line, true))?;
    }
    Ok(())
}

/// The columns of `search --format csv`: every field of a hit's JSON, flattened. The first ten
/// are the JSON keys of the same name (`quote` is `text`), then `start_ms`, `end_ms`,
/// `highlights`, one `post_FIELD` per field of `post`, and the context turns (`before`,
/// `after`).
fn hit_csv_columns() -> Vec<String> {
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
    if let serde_json::Value::Object(m) = json!(PostMeta::default()) {
        cols.extend(m.keys().map(|k| format!("post_{k}")));
    }
    cols.extend(["before".to_string(), "after".to_string()]);
    cols
}

/// A JSON value as one CSV cell: lists joined with `; `, pairs with `-` (numbers, such as
/// highlight ranges) or `=` (a key and its value), strings formula-guarded.
fn csv_flat(v: &serde_json::Value) -> String {
    use serde_json::Value;
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
        Value::Array(a) => csv_cell(&a.iter().map(plain).collect::<Vec<_>>().join("; ")),
        Value::String(s) => csv_cell(s),
        other => plain(other),
    }
}

/// One hit as the row of [`hit_csv_columns`]; context turns as `speaker: text`, one a line.
fn hit_csv_row(h: &Hit, columns: &[String]) -> Vec<String> {
    let v = hit_json(h);
    let turns = |segs: &[Segment]| {
        csv_cell(
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
            "quote" => csv_flat(&v["text"]),
            "before" => turns(&h.before),
            "after" => turns(&h.after),
            c => match c.strip_prefix("post_") {
                Some(k) => csv_flat(&v["post"][k]),
                None => csv_flat(&v[c]),
            },
        })
        .collect()
}

/// Prints search hits.
pub fn hits(w: &mut dyn Write, r: &SearchResult, format: Format, style: Style) -> io::Result<()> {
    match format {
        Format::Json => {
            let v =
                json!({"total": r.total, "hits": r.hits.iter().map(hit_json).collect::<Vec<_>>()});
            writeln!(w, "{}", serde_json::to_string_pretty(&v)?)
        }
        Format::Jsonl => {
            for h in &r.hits {
                writeln!(w, "{}", hit_json(h))?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            let columns = hit_csv_columns();
            c.write_record(&columns)?;
            for h in &r.hits {
                c.write_record(hit_csv_row(h, &columns))?;
            }
            c.flush()
        }
        Format::Table => {
            let docs = Column::fit(r.hits.iter().map(|h| h.segment.document.as_str()), 28);
            let segs = r
                .hits
                .iter()
                .flat_map(|h| h.before.iter().chain([&h.segment]).chain(h.after.iter()));
            let speakers = Column::fit(segs.map(|s| s.speaker.as_deref().unwrap_or("")), 20);
            let dw = docs.width;
            let sw = speakers.width;
            for h in &r.hits {
                for b in &h.before {
                    context_line(w, b, dw, &speakers, style)?;
                }
                let s = &h.segment;
                writeln!(
                    w,
                    "{:dw$}  {:sw$}  {:>8}  {}",
                    docs.get(&s.document),
                    speakers.get(s.speaker.as_deref().unwrap_or("")),
                    place(s),
                    kwic(&s.text, &h.highlights, 70, style.color),
                )?;
                for a in &h.after {
                    context_line(w, a, dw, &speakers, style)?;
                }
                if !h.before.is_empty() || !h.after.is_empty() {
                    writeln!(w)?;
                }
            }
            Ok(())
        }
    }
}

fn context_line(
    w: &mut dyn Write,
    s: &Segment,
    dw: usize,
    speakers: &Column,
    style: Style,
) -> io::Result<()> {
    let (on, off) = if style.color {
        (DIM_ON, HL_OFF)
    } else {
        ("", "")
    };
    let sw = speakers.width;
    writeln!(
        w,
        "{on}{:dw$}  {:sw$}  {:>8}  {}{off}",
        "",
        speakers.get(s.speaker.as_deref().unwrap_or("")),
        place(s),
        kwic(&s.text, &[], 70, false),
    )
}
