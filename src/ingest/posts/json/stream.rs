//! Reading a JSON file in batches: JSONL line by line, or a document cut into records by the
//! [`Splitter`]; each batch is parsed in parallel and handed to the sink in file order.

use super::splitter::{Scan, Splitter};
use super::{Sink, BATCH_BYTES, BATCH_RECORDS, CHUNK, MAX_RECORD};
use crate::error::IngestError;
use crate::ingest::posts::{Post, PostOptions};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A record's bytes in the batch buffer and the line it starts on.
pub(super) struct Span {
    pub(super) line: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    /// A JSONL line too long to keep (its bytes were skipped).
    pub(super) oversize: bool,
}

pub(super) struct Ctx<'p> {
    pub(super) path: &'p Path,
    pub(super) opts: &'p PostOptions,
}

impl Ctx<'_> {
    pub(super) fn error(&self, line: usize, message: impl Into<String>) -> IngestError {
        IngestError::at(self.path, line, message)
    }

    /// Parses a batch of records in parallel, keeping their order.
    fn parse(&self, buf: &[u8], spans: &[Span], jsonl: bool) -> Vec<Result<Post, IngestError>> {
        let parsed: Vec<Vec<Result<Post, IngestError>>> = spans
            .par_iter()
            .with_min_len(16)
            .fold(Vec::new, |mut out, s| {
                if s.oversize {
                    let mb = MAX_RECORD >> 20;
                    let message = format!("line longer than {mb} MB: skipped");
                    out.push(Err(self.error(s.line, message)));
                } else {
                    self.record(&buf[s.start..s.end], s.line, jsonl, &mut out);
                }
                out
            })
            .collect();
        let mut batch = Vec::with_capacity(parsed.iter().map(Vec::len).sum());
        batch.extend(parsed.into_iter().flatten());
        batch
    }

    /// Parses the batch and hands it to the sink.
    fn flush(
        &self,
        buf: &[u8],
        spans: &mut Vec<Span>,
        jsonl: bool,
        sink: &mut Sink,
    ) -> Result<(), ()> {
        let batch = self.parse(buf, spans, jsonl);
        spans.clear();
        if batch.is_empty() {
            return Ok(());
        }
        sink(batch)
    }
}

pub(super) fn read_lines(
    reader: &mut impl BufRead,
    first_line: usize,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<(), ()> {
    let mut line_no = first_line - 1;
    let mut buf = Vec::new();
    let mut spans = Vec::new();
    loop {
        buf.clear();
        spans.clear();
        let mut eof = false;
        let mut failure = None;
        while buf.len() < BATCH_BYTES && spans.len() < BATCH_RECORDS {
            let start = buf.len();
            match reader
                .by_ref()
                .take(MAX_RECORD as u64 + 1)
                .read_until(b'\n', &mut buf)
            {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {
                    line_no += 1;
                    if buf.len() - start > MAX_RECORD && buf.last() != Some(&b'\n') {
                        buf.truncate(start);
                        if let Err(e) = skip_line(reader) {
                            failure = Some(ctx.error(line_no, format!("cannot read: {e}")));
                            eof = true;
                            break;
                        }
                        spans.push(Span {
                            line: line_no,
                            start,
                            end: start,
                            oversize: true,
                        });
                        continue;
                    }
                    let mut end = buf.len();
                    while end > start && matches!(buf[end - 1], b'\n' | b'\r') {
                        end -= 1;
                    }
                    if buf[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
                        spans.push(Span {
                            line: line_no,
                            start,
                            end,
                            oversize: false,
                        });
                    }
                }
                Err(e) => {
                    failure = Some(ctx.error(line_no + 1, format!("cannot read: {e}")));
                    eof = true;
                    break;
                }
            }
        }
        ctx.flush(&buf, &mut spans, true, sink)?;
        if let Some(e) = failure {
            sink(vec![Err(e)])?;
        }
        if eof {
            return Ok(());
        }
    }
}

/// Reads and drops the rest of an overlong line.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    let mut scratch = Vec::new();
    loop {
        scratch.clear();
        let n = reader
            .by_ref()
            .take(CHUNK as u64)
            .read_until(b'\n', &mut scratch)?;
        if n == 0 || scratch.last() == Some(&b'\n') {
            return Ok(());
        }
    }
}

pub(super) fn read_document(
    reader: &mut BufReader<File>,
    line: usize,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<(), ()> {
    let mut split = Splitter::new(line);
    let mut buf: Vec<u8> = Vec::with_capacity(2 * CHUNK);
    let mut spans = Vec::new();
    let mut eof = false;
    loop {
        let scanned = split.scan(&buf, &mut spans);
        let (full, problem) = match scanned {
            Ok(Scan::Full) => (true, None),
            Ok(Scan::NeedMore) if eof => (false, Some(split.at_end(buf.len(), &mut spans))),
            Ok(Scan::NeedMore) => (false, None),
            Err(e) => (false, Some(Err(e))),
        };
        if full || problem.is_some() {
            ctx.flush(&buf, &mut spans, false, sink)?;
        }
        match problem {
            Some(Ok(())) => return Ok(()),
            Some(Err((l, message))) => return sink(vec![Err(ctx.error(l, message))]),
            None => {}
        }
        if spans.is_empty() {
            // Keep only the record being scanned.
            let keep = split.keep_from();
            buf.drain(..keep);
            split.shift(keep);
        }
        if full {
            continue;
        }
        if let Some((start, l)) = split.record {
            if buf.len() - start > MAX_RECORD {
                ctx.flush(&buf, &mut spans, false, sink)?;
                return sink(vec![Err(ctx.error(l, too_big()))]);
            }
        }
        let len = buf.len();
        buf.resize(len + CHUNK, 0);
        let got = loop {
            match reader.read(&mut buf[len..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match got {
            Ok(n) => {
                buf.truncate(len + n);
                eof = n == 0;
            }
            Err(e) => {
                buf.truncate(len);
                ctx.flush(&buf, &mut spans, false, sink)?;
                return sink(vec![
                    Err(ctx.error(split.line, format!("cannot read: {e}"))),
                ]);
            }
        }
    }
}

pub(super) fn too_big() -> String {
    let mb = MAX_RECORD >> 20;
    format!("a record larger than {mb} MB starts here: write one record per line (JSONL) instead")
}
