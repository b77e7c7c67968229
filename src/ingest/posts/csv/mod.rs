//! CSV / TSV post exports and headerless delimited lines into raw [`Post`]s.
//!
//! Reads spreadsheets and tool exports with a header row (rtweet, Kaggle sets, academic tools),
//! and lines like `id|created_at|text` without one (`--columns`, or the UCI health-news layout,
//! found by [`looks_like_id_date_text`]). Columns are matched by name once per file; each record
//! becomes one post or one error naming its line. The file is streamed: a batch of raw records is
//! read while the previous one is turned into posts on rayon's threads, so memory stays bounded
//! by the batch size. Text is decoded per field (per line without a header): UTF-8, otherwise
//! Windows-1252. Never panics on bad input and never calls `finish` (the caller does).
//!
//! The parts: [`head`] looks at the start of the file (BOM, binary data, line ends, delimiter),
//! [`columns`] finds which column holds what, [`values`] reads the cells (flags, counts,
//! lists), [`records`] reads files with a header row through the csv crate and [`lines`]
//! reads headerless lines; both feed the [`pipeline`] here.

mod columns;
mod head;
mod lines;
mod records;
mod values;

use super::{parse_time, Post, PostOptions, Sink};
use crate::error::IngestError;
use head::{bare_nel_ends_lines, check_head, decode, first_line, sniff_delimiter, Lines};
use lines::read_lines;
use records::read_csv;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

/// Bytes looked at before reading: BOM, binary data, delimiter, layout.
const HEAD_BYTES: u64 = 64 << 10;
/// A batch ends after this many records or this many bytes of them.
const BATCH_RECORDS: usize = 4096;
const BATCH_BYTES: usize = 4 << 20;
/// A record (or line) longer than this is an error: most likely a quote that never closes.
/// (Small in tests, so that they can reach it.)
const MAX_RECORD_BYTES: usize = if cfg!(test) { 1 << 20 } else { 64 << 20 };
/// Bytes read from the file at a time in headerless mode.
const READ_CHUNK: usize = 1 << 20;

/// Streams a delimited file into `sink`. `tsv` says the extension was `.tsv`.
pub(crate) fn read(path: &Path, opts: &PostOptions, tsv: bool, sink: &mut Sink) -> Result<(), ()> {
    let fail = |sink: &mut Sink, msg: String| sink(vec![Err(IngestError::file(path, msg))]);
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(sink, format!("cannot read: {e}")),
    };
    let mut head = Vec::new();
    if let Err(e) = file.by_ref().take(HEAD_BYTES).read_to_end(&mut head) {
        return fail(sink, format!("cannot read: {e}"));
    }
    let bom = match check_head(&head) {
        Ok(bom) => bom,
        Err(msg) => return fail(sink, msg),
    };
    let body = &head[bom..];
    let bare_nel = bare_nel_ends_lines(body);
    let lines = Lines {
        bare_nel,
        first: first_line(body, bare_nel).to_vec(),
    };
    let sniffed = || {
        if tsv {
            b'\t'
        } else {
            sniff_delimiter(&lines.first)
        }
    };

    // The head is read again by the parsers, from just after the BOM.
    let mut start = Cursor::new(head);
    start.set_position(bom as u64);
    let stream = start.chain(file);

    if let Some(columns) = &opts.columns {
        let delim = opts.delimiter.unwrap_or_else(sniffed);
        return read_lines(path, stream, columns, delim, &lines, opts, sink);
    }
    if matches!(opts.delimiter, None | Some(b'|')) && looks_like_id_date_text(&decode(&lines.first))
    {
        let columns = ["id", "created_at", "text"].map(String::from);
        return read_lines(path, stream, &columns, b'|', &lines, opts, sink);
    }
    let delim = opts.delimiter.unwrap_or_else(sniffed);
    read_csv(path, stream, delim, opts, sink)
}

/// Whether a file's first non-empty line is `DIGITS|Www Mmm DD HH:MM:SS +ZZZZ YYYY|text`, the
/// layout of the UCI "Health News in Twitter" files (read as headerless `id,created_at,text`).
pub(crate) fn looks_like_id_date_text(first_line: &str) -> bool {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    let Some((id, rest)) = line.split_once('|') else {
        return false;
    };
    let Some((date, _text)) = rest.split_once('|') else {
        return false;
    };
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && is_twitter_date(date)
}

/// `Fri Dec 26 23:13:35 +0000 2014`, exactly as the X API v1.1 writes it.
fn is_twitter_date(s: &str) -> bool {
    const SHAPE: &[u8] = b"aaa aaa 99 99:99:99 s9999 9999";
    let s = s.trim();
    s.len() == SHAPE.len()
        && s.bytes().zip(SHAPE).all(|(b, &c)| match c {
            b'a' => b.is_ascii_alphabetic(),
            b'9' => b.is_ascii_digit(),
            b's' => b == b'+' || b == b'-',
            _ => b == c,
        })
        && parse_time(s).is_some()
}

/// Fills batches with `fill` (which says whether more may follow) while the previous batch is
/// turned into posts by `convert`, and hands them to `sink` in file order.
fn pipeline<B, F, C>(mut fill: F, convert: C, sink: &mut Sink) -> Result<(), ()>
where
    B: Default + Send + Sync,
    F: FnMut(&mut B) -> bool + Send,
    C: Fn(&B) -> Vec<Result<Post, IngestError>> + Sync,
{
    let (mut current, mut next) = (B::default(), B::default());
    let mut more = fill(&mut current);
    loop {
        let (posts, more_next) = if more {
            rayon::join(|| convert(&current), || fill(&mut next))
        } else {
            (convert(&current), false)
        };
        if !posts.is_empty() {
            sink(posts)?;
        }
        if !more {
            return Ok(());
        }
        std::mem::swap(&mut current, &mut next);
        more = more_next;
    }
}

#[cfg(test)]
mod tests;
