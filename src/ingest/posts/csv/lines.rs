//! Headerless delimited lines (`--columns`, or the UCI `id|created_at|text` layout): lines
//! cut at LF, CRLF, CR or NEL, each split into at most as many fields as there are columns.

use super::columns::Layout;
use super::head::{decode, Lines};
use super::{is_twitter_date, pipeline, BATCH_BYTES, MAX_RECORD_BYTES, READ_CHUNK};
use crate::error::IngestError;
use crate::ingest::posts::{Platform, Post, PostOptions, Sink};
use rayon::prelude::*;
use std::io::{self, Read};
use std::path::Path;

/// How a headerless line splits into fields: at most `n`, and a text holding the delimiter
/// stays whole (the fields before it are cut from the left, those after it from the right).
struct Split {
    delim: char,
    n: usize,
    text: usize,
}

impl Split {
    fn fields<'a>(&self, line: &'a str) -> Option<Vec<&'a str>> {
        let mut fields = Vec::with_capacity(self.n);
        let mut rest = line;
        for _ in 0..self.text {
            let (field, after) = rest.split_once(self.delim)?;
            fields.push(field);
            rest = after;
        }
        let mut tail = Vec::with_capacity(self.n - self.text - 1);
        for _ in self.text + 1..self.n {
            let (before, field) = rest.rsplit_once(self.delim)?;
            tail.push(field);
            rest = before;
        }
        fields.push(rest);
        fields.extend(tail.into_iter().rev());
        Some(fields)
    }
}

pub(super) fn read_lines<R: Read + Send>(
    path: &Path,
    stream: R,
    columns: &[String],
    delim: u8,
    lines: &Lines,
    opts: &PostOptions,
    sink: &mut Sink,
) -> Result<(), ()> {
    let names = columns.iter().map(|c| c.trim().to_owned()).collect();
    let mut layout = match Layout::new(names, opts, path) {
        Ok(l) => l,
        Err(e) => return sink(vec![Err(e)]),
    };
    let split = Split {
        delim: char::from(delim),
        n: layout.names.len(),
        text: layout.text,
    };
    if opts.platform.is_none() {
        let first = decode(&lines.first);
        let time = split
            .fields(&first)
            .and_then(|f| Some(f.get(layout.created?)?.trim()));
        layout.platform = match time {
            Some(t) if is_twitter_date(t) => Platform::X,
            _ => Platform::Other,
        };
    }
    let mut src = LineSource {
        inner: stream,
        path,
        bare_nel: lines.bare_nel,
        carry: Vec::new(),
        line: 1,
        eof: false,
        skipping: false,
    };
    pipeline(
        |b| src.fill(b),
        |b| convert_lines(&layout, &split, path, b),
        sink,
    )
}

/// Whole lines read but not yet parsed.
#[derive(Default)]
struct LineBatch {
    data: Vec<u8>,
    items: Vec<LineItem>,
}

enum LineItem {
    /// A line (without its line end) at `data[start..end]`.
    Line {
        no: usize,
        start: usize,
        end: usize,
    },
    Error(IngestError),
}

/// Cuts a stream into lines ended by LF, CRLF, CR or NEL.
struct LineSource<'a, R> {
    inner: R,
    path: &'a Path,
    /// A lone byte 0x85 ends lines (see
    /// [`bare_nel_ends_lines`](super::head::bare_nel_ends_lines)).
    bare_nel: bool,
    /// The start of a line that did not fit in the last batch.
    carry: Vec<u8>,
    /// 1-based number of the line being cut.
    line: usize,
    eof: bool,
    /// Inside a line too long to keep: drop it up to its end.
    skipping: bool,
}

impl<R: Read> LineSource<'_, R> {
    fn fill(&mut self, b: &mut LineBatch) -> bool {
        b.data.clear();
        b.items.clear();
        b.data.append(&mut self.carry);
        let (mut start, mut scan) = (0, 0);
        loop {
            self.cut(b, &mut start, &mut scan);
            if self.eof {
                if start < b.data.len() && !self.skipping {
                    let (no, end) = (self.line, b.data.len());
                    b.items.push(LineItem::Line { no, start, end });
                }
                return false;
            }
            if start > 0 && b.data.len() >= BATCH_BYTES {
                self.carry.extend_from_slice(&b.data[start..]);
                b.data.truncate(start);
                return true;
            }
            if b.data.len() - start > MAX_RECORD_BYTES {
                if !self.skipping {
                    b.items
                        .push(LineItem::Error(too_long(self.path, self.line)));
                    self.skipping = true;
                }
                b.data.truncate(start);
                scan = start;
            }
            if let Err(e) = self.read_more(&mut b.data) {
                let msg = format!("cannot read: {e}");
                b.items
                    .push(LineItem::Error(IngestError::at(self.path, self.line, msg)));
                return false;
            }
        }
    }

    fn read_more(&mut self, data: &mut Vec<u8>) -> io::Result<()> {
        let old = data.len();
        data.resize(old + READ_CHUNK, 0);
        loop {
            match self.inner.read(&mut data[old..]) {
                Ok(n) => {
                    data.truncate(old + n);
                    self.eof = n == 0;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    data.truncate(old);
                    return Err(e);
                }
            }
        }
    }

    /// Records the complete lines in `b.data` from `start`, looking for line ends from `scan`.
    fn cut(&mut self, b: &mut LineBatch, start: &mut usize, scan: &mut usize) {
        let LineBatch { data, items } = b;
        let mut i = *scan;
        let mut wait_at = None;
        while let Some(off) = data[i..]
            .iter()
            .position(|&c| matches!(c, b'\n' | b'\r' | 0x85))
        {
            let at = i + off;
            let (end, next) = match data[at] {
                b'\n' => (at, at + 1),
                b'\r' => match data.get(at + 1) {
                    Some(b'\n') => (at, at + 2),
                    Some(_) => (at, at + 1),
                    None if self.eof => (at, at + 1),
                    // The next byte may be the LF of a CRLF.
                    None => {
                        wait_at = Some(at);
                        break;
                    }
                },
                _ if at > *start && data[at - 1] == 0xC2 => (at - 1, at + 1),
                _ if self.bare_nel => (at, at + 1),
                _ => {
                    i = at + 1;
                    continue;
                }
            };
            if self.skipping {
                self.skipping = false;
            } else if end - *start > MAX_RECORD_BYTES {
                items.push(LineItem::Error(too_long(self.path, self.line)));
            } else {
                items.push(LineItem::Line {
                    no: self.line,
                    start: *start,
                    end,
                });
            }
            self.line += 1;
            *start = next;
            i = next;
        }
        *scan = wait_at.unwrap_or(data.len());
    }
}

fn too_long(path: &Path, line: usize) -> IngestError {
    let msg = format!(
        "this line is longer than {} MB; it was left out",
        MAX_RECORD_BYTES >> 20
    );
    IngestError::at(path, line, msg)
}

fn convert_lines(
    layout: &Layout,
    split: &Split,
    path: &Path,
    b: &LineBatch,
) -> Vec<Result<Post, IngestError>> {
    b.items
        .par_iter()
        .with_min_len(256)
        .filter_map(|item| match item {
            LineItem::Line { no, start, end } => line_to_post(
                layout,
                split,
                path,
                *no,
                b.data.get(*start..*end).unwrap_or_default(),
            ),
            LineItem::Error(e) => Some(Err(e.clone())),
        })
        .collect()
}

/// One headerless line as a post; `None` for a blank line.
fn line_to_post(
    layout: &Layout,
    split: &Split,
    path: &Path,
    no: usize,
    bytes: &[u8],
) -> Option<Result<Post, IngestError>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if bytes.contains(&0) {
        return Some(Err(IngestError::at(
            path,
            no,
            "this line holds NUL bytes (binary data?)",
        )));
    }
    let line = decode(bytes);
    if line.trim().is_empty() {
        return None;
    }
    Some(match split.fields(&line) {
        Some(fields) => Ok(layout.build(&fields, no)),
        None => Err(IngestError::at(
            path,
            no,
            format!(
                "this line has {} field(s) separated by `{}`, expected {} ({})",
                line.split(split.delim).count(),
                split.delim,
                split.n,
                layout.names.join(", ")
            ),
        )),
    })
}
