//! JSON lines of turns (`{"doc", "speaker", "text"}`) streamed into documents.
//!
//! Consecutive lines with the same document id form one document; its stored text is the
//! turns written `Speaker: text`, a blank line apart. The file is read in batches of whole
//! lines, parsed in parallel, and never held whole in memory. A malformed line is reported as
//! `path:line` and skipped; the rest of the file goes in.

use super::Out;
use crate::error::IngestError;
use crate::text::model::{Format, ParsedDocument, ParsedSegment};
use rayon::prelude::*;
use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::path::Path;

const BATCH_BYTES: usize = 8 << 20;
/// A document is cut into parts beyond this many turns, to keep memory bounded.
const MAX_TURNS: usize = 100_000;

#[derive(Deserialize)]
struct Rec {
    #[serde(alias = "meeting", alias = "document", alias = "conversation")]
    doc: Option<serde_json::Value>,
    #[serde(alias = "author", alias = "name")]
    speaker: Option<String>,
    #[serde(alias = "content", alias = "utterance")]
    text: Option<String>,
    start_ms: Option<u64>,
    end_ms: Option<u64>,
}

struct Turn {
    line: usize,
    doc: String,
    speaker: Option<String>,
    text: String,
    start_ms: Option<u64>,
    end_ms: Option<u64>,
}

fn parse_line(line: &[u8]) -> Result<Turn, String> {
    let r: Rec = serde_json::from_slice(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let text = r.text.ok_or("no \"text\" field")?;
    let doc = match r.doc {
        Some(serde_json::Value::String(s)) => s,
        Some(v @ serde_json::Value::Number(_)) => v.to_string(),
        Some(_) => return Err("\"doc\" must be a string or number".into()),
        None => String::new(),
    };
    Ok(Turn {
        line: 0,
        doc,
        speaker: r
            .speaker
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        text: super::decode::normalize(text.trim()),
        start_ms: r.start_ms,
        end_ms: r.end_ms,
    })
}

struct Builder<'a> {
    path: &'a Path,
    abs: String,
    stem: String,
    doc: Option<String>,
    part: usize,
    text: String,
    segs: Vec<ParsedSegment>,
    /// How often each document id (by hash) has started a document.
    seen: std::collections::HashMap<u64, u32>,
}

impl Builder<'_> {
    fn push(&mut self, t: Turn, out: &mut Out) -> Result<(), ()> {
        if self.doc.as_deref() != Some(t.doc.as_str()) || self.segs.len() >= MAX_TURNS {
            self.part = if self.doc.as_deref() == Some(t.doc.as_str()) {
                self.part + 1
            } else {
                1
            };
            self.flush(out)?;
            self.doc = Some(t.doc.clone());
        }
        if t.text.is_empty() {
            return Ok(());
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        if let Some(s) = &t.speaker {
            self.text.push_str(s);
            self.text.push_str(": ");
        }
        let start = self.text.len();
        self.text.push_str(&t.text);
        self.segs.push(ParsedSegment {
            label_role: t.speaker.as_deref().and_then(super::transcript::label_role),
            speaker: t.speaker,
            start_ms: t.start_ms,
            end_ms: t.end_ms,
            line: t.line,
            byte_start: start,
            byte_end: self.text.len(),
        });
        Ok(())
    }

    fn flush(&mut self, out: &mut Out) -> Result<(), ()> {
        if self.segs.is_empty() {
            self.text.clear();
            return Ok(());
        }
        let mut text = std::mem::take(&mut self.text);
        text.push('\n');
        let doc = self.doc.clone().unwrap_or_default();
        let id_hash = super::decode::hash(doc.as_bytes());
        let seen = self.seen.entry(id_hash).or_insert(0);
        *seen += 1;
        let repeat = *seen;
        let mut name = if doc.is_empty() {
            self.stem.clone()
        } else {
            doc.clone()
        };
        if self.part > 1 {
            name = format!("{name} part {}", self.part);
        } else if repeat > 1 {
            // The same id again, after other documents: its own document, named apart.
            name = format!("{name} ({repeat})");
        }
        let hash = super::decode::hash(format!("{name}\n{text}").as_bytes());
        let d = ParsedDocument {
            key: name.clone(),
            name,
            path: self.abs.clone(),
            format: Format::Jsonl,
            // The document id is part of what a JSONL document is: two meetings with the same
            // turns under different ids are two documents.
            hash,
            text,
            segments: std::mem::take(&mut self.segs),
            posts: Vec::new(),
            attributes: Vec::new(),
        };
        out.send(Ok(d))
    }
}

/// Streams one JSONL file into `out`. `Err` only when the receiver has gone away.
pub(super) fn stream(path: &Path, out: &mut Out) -> Result<(), ()> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return out.send(Err(IngestError::file(path, format!("cannot read: {e}")))),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut b = Builder {
        path,
        abs: std::path::absolute(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .to_string_lossy()
            .into_owned(),
        stem: path
            .file_stem()
            .map_or_else(|| "document".into(), |s| s.to_string_lossy().into_owned()),
        doc: None,
        part: 1,
        text: String::new(),
        segs: Vec::new(),
        seen: Default::default(),
    };
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    loop {
        buf.clear();
        spans.clear();
        let mut eof = false;
        while buf.len() < BATCH_BYTES {
            let start = buf.len();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {
                    line_no += 1;
                    let mut end = buf.len();
                    while end > start && matches!(buf[end - 1], b'\n' | b'\r') {
                        end -= 1;
                    }
                    if buf[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
                        spans.push((line_no, start, end));
                    }
                }
                Err(e) => {
                    let _ = out.send(Err(IngestError::at(
                        b.path,
                        line_no + 1,
                        format!("cannot read: {e}"),
                    )));
                    eof = true;
                    break;
                }
            }
        }
        let parsed: Vec<(usize, Result<Turn, String>)> = spans
            .par_iter()
            .with_min_len(256)
            .map(|&(no, s, e)| {
                let mut r = parse_line(&buf[s..e]);
                if let Ok(t) = &mut r {
                    t.line = no;
                }
                (no, r)
            })
            .collect();
        for (no, r) in parsed {
            match r {
                Ok(t) => b.push(t, out)?,
                Err(m) => out.send(Err(IngestError::at(b.path, no, m)))?,
            }
        }
        if eof {
            break;
        }
    }
    b.flush(out)
}
