//! What the corpus holds: a document's transcript, and the lists of documents, segments and
//! speakers.

use super::{csv_cell, kwic, place, sanitize, seg_json, Column, Format, Style, HL_OFF, HL_ON};
use quarry::text::model::{Document, PostMeta, Segment, Speaker};
use std::io::{self, Write};

/// What a post is besides original: `repost`, `reply`, `quote`, `duplicate`.
fn post_kinds(p: &PostMeta) -> Vec<&'static str> {
    [
        (p.is_repost, "repost"),
        (p.is_reply, "reply"),
        (p.is_quote, "quote"),
        (p.is_duplicate, "duplicate"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| k)
    .collect()
}

/// Prints a transcript: each segment with its id, place, speaker and full text. The segment
/// `mark` (if any) is flagged.
pub fn transcript(
    w: &mut dyn Write,
    doc: &str,
    segs: &[Segment],
    mark: Option<i64>,
    style: Style,
) -> io::Result<()> {
    writeln!(w, "{}", sanitize(doc, true))?;
    writeln!(w)?;
    for s in segs {
        let flag = if Some(s.id) == mark { "▶" } else { " " };
        let mut who = match (&s.speaker, s.role) {
            (Some(sp), Some(r)) => format!("{} ({r})", sanitize(sp, true)),
            (Some(sp), None) => sanitize(sp, true),
            (None, _) => String::new(),
        };
        if let Some(p) = &s.post {
            for k in post_kinds(p) {
                who.push_str(" · ");
                who.push_str(k);
            }
            if let Some(u) = &p.url {
                who.push_str("  ");
                who.push_str(&sanitize(u, true));
            }
        }
        let (on, off) = if style.color && Some(s.id) == mark {
            (HL_ON, HL_OFF)
        } else {
            ("", "")
        };
        writeln!(w, "{flag}#{:<6} {:>8}  {on}{who}{off}", s.id, place(s))?;
        for line in sanitize(&s.text, false).lines() {
            writeln!(w, "           {line}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Prints documents.
pub fn documents(w: &mut dyn Write, docs: &[Document], format: Format) -> io::Result<()> {
    let attrs = |d: &Document| {
        d.attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(docs)?),
        Format::Jsonl => docs
            .iter()
            .try_for_each(|d| writeln!(w, "{}", serde_json::to_string(d)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["id", "name", "format", "segments", "attributes", "path"])?;
            for d in docs {
                c.write_record([
                    d.id.to_string(),
                    csv_cell(&d.name),
                    d.format.as_str().into(),
                    d.segments.to_string(),
                    csv_cell(&attrs(d)),
                    csv_cell(&d.path),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let nw = docs
                .iter()
                .map(|d| d.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(
                w,
                "{:>4}  {:nw$}  {:8}  {:>8}  attributes",
                "id", "name", "format", "segments"
            )?;
            for d in docs {
                writeln!(
                    w,
                    "{:>4}  {:nw$}  {:8}  {:>8}  {}",
                    d.id,
                    sanitize(&d.name, true),
                    d.format.as_str(),
                    d.segments,
                    sanitize(&attrs(d), true)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints segments.
pub fn segments(w: &mut dyn Write, segs: &[Segment], format: Format) -> io::Result<()> {
    match format {
        Format::Json => writeln!(
            w,
            "{}",
            serde_json::to_string_pretty(&segs.iter().map(seg_json).collect::<Vec<_>>())?
        ),
        Format::Jsonl => segs.iter().try_for_each(|s| writeln!(w, "{}", seg_json(s))),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "id",
                "document",
                "ord",
                "speaker",
                "role",
                "start_ms",
                "end_ms",
                "line",
                "char_start",
                "char_end",
                "text",
                "platform",
                "post_id",
                "created_at",
                "url",
                "hashtags",
                "kind",
            ])?;
            for s in segs {
                let p = s.post.as_ref();
                c.write_record([
                    s.id.to_string(),
                    csv_cell(&s.document),
                    s.ord.to_string(),
                    csv_cell(s.speaker.as_deref().unwrap_or("")),
                    s.role.map(|r| r.to_string()).unwrap_or_default(),
                    s.start_ms.map(|v| v.to_string()).unwrap_or_default(),
                    s.end_ms.map(|v| v.to_string()).unwrap_or_default(),
                    s.line.to_string(),
                    s.char_start.to_string(),
                    s.char_end.to_string(),
                    csv_cell(&s.text),
                    p.map(|p| p.platform.as_str().to_string())
                        .unwrap_or_default(),
                    csv_cell(p.map_or("", |p| p.id.as_str())),
                    p.and_then(|p| p.created_at.clone()).unwrap_or_default(),
                    csv_cell(p.and_then(|p| p.url.as_deref()).unwrap_or("")),
                    csv_cell(&p.map(|p| p.hashtags.join(" ")).unwrap_or_default()),
                    p.map(|p| {
                        let k = post_kinds(p);
                        if k.is_empty() {
                            "original".to_string()
                        } else {
                            k.join(" ")
                        }
                    })
                    .unwrap_or_default(),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let docs = Column::fit(segs.iter().map(|s| s.document.as_str()), 20);
            let speakers =
                Column::fit(segs.iter().map(|s| s.speaker.as_deref().unwrap_or("-")), 16);
            let (dw, sw) = (docs.width.max(20), speakers.width.max(16));
            for s in segs {
                writeln!(
                    w,
                    "#{:<6} {:dw$} {:sw$} {:>8} {:>6}..{:<6} {}",
                    s.id,
                    docs.get(&s.document),
                    speakers.get(s.speaker.as_deref().unwrap_or("-")),
                    place(s),
                    s.char_start,
                    s.char_end,
                    kwic(&s.text, &[], 50, false)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints speakers.
pub fn speakers(w: &mut dyn Write, sp: &[Speaker], format: Format) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(sp)?),
        Format::Jsonl => sp
            .iter()
            .try_for_each(|s| writeln!(w, "{}", serde_json::to_string(s)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["speaker", "role", "role_source", "turns", "documents"])?;
            for s in sp {
                c.write_record([
                    csv_cell(&s.name),
                    s.role.map(|r| r.to_string()).unwrap_or_default(),
                    s.role_source
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                    s.turns.to_string(),
                    s.documents.to_string(),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let names = Column::fit(sp.iter().map(|s| s.name.as_str()), 40);
            let nw = names.width.max(7);
            writeln!(
                w,
                "{:nw$}  {:12} {:7} {:>6} {:>9}",
                "speaker", "role", "from", "turns", "documents"
            )?;
            for s in sp {
                writeln!(
                    w,
                    "{:nw$}  {:12} {:7} {:>6} {:>9}",
                    names.get(&s.name),
                    s.role.map_or("-".to_string(), |r| r.to_string()),
                    s.role_source.map_or("-", |r| r.as_str()),
                    s.turns,
                    s.documents
                )?;
            }
            Ok(())
        }
    }
}
