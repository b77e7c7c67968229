//! Search hits as a table (keyword in context, with the turns around), CSV, JSON or JSON
//! lines (written by [`quarry::report::hits`], which the browser's downloads use too), and
//! the note on other forms of a search word the corpus holds.

use super::{place, sanitize, Column, Format, Style, DIM_ON, HL_OFF, HL_ON};
use quarry::project::search::{OtherForms, SearchResult};
use quarry::report::hits;
use quarry::text::model::Segment;
use std::io::{self, Write};

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

/// Prints search hits.
pub fn hits(w: &mut dyn Write, r: &SearchResult, format: Format, style: Style) -> io::Result<()> {
    match format {
        Format::Json => hits::write_json(w, r),
        Format::Jsonl => hits::write_jsonl(w, &r.hits),
        Format::Csv => hits::write_csv(w, &r.hits),
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
