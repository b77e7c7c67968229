//! JSON and JSONL post exports into [`Post`](super::Post)s: X API v1.1 and v2 (pages with
//! `includes` too), the X archive's `tweets.js`, Mastodon statuses, Reddit comments,
//! submissions and listings, and generic records (`--text-field`).
//!
//! The layout is read from the content, not the extension: one record per line (JSONL), or a
//! document (a top-level array, streamed element by element; a `window.YTD… = [` archive; an
//! object). Records are cut out of the file in batches without being parsed, then parsed in
//! parallel into typed structs that borrow from the batch, so the file is never held whole.
//! A bad line or element becomes an error naming its line and the rest goes on. Hands raw
//! posts to the sink; `finish` is the caller's. Must never panic, whatever the input.
//!
//! The parts, in the order a record meets them: [`layout`] looks at the start of the file,
//! [`stream`] reads lines or cuts a document into records with [`splitter`], [`record`] parses
//! one record and finds its shape, [`x`], [`mastodon`], [`reddit`] and [`generic`] turn the
//! platforms' records into posts (with [`fields`]), and [`typed`] holds the typed records
//! serde reads them into.

mod fields;
mod generic;
mod layout;
mod mastodon;
mod record;
mod reddit;
mod splitter;
mod stream;
mod typed;
mod x;

use super::{PostOptions, Sink};
use crate::error::IngestError;
use layout::{detect, Layout};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use stream::{read_document, read_lines, Ctx};

/// A batch is handed on once it holds this many bytes of records...
const BATCH_BYTES: usize = 4 << 20;
/// ...or this many records.
const BATCH_RECORDS: usize = 4096;
/// A single line or array element larger than this is refused (memory stays bounded). Tests
/// use a smaller limit.
const MAX_RECORD: usize = if cfg!(test) { 2 << 20 } else { 128 << 20 };
/// How much of a document is read at a time.
const CHUNK: usize = 1 << 20;
/// How deeply records may sit inside records (a retweet in a tweet; a Reddit reply takes
/// four levels). Deeper ones are skipped and reported: each level costs stack (about 3 KB
/// optimised, 17 KB in a debug build; rayon's threads have 2 MB).
const MAX_NESTING: u32 = 48;

const NO_TEXT: &str =
    "no text: expected one of full_text, text, body, content (or use --text-field)";

/// Streams a JSON or JSONL file into `sink`. `Err` only when the sink has gone away.
pub(crate) fn read(path: &Path, opts: &PostOptions, sink: &mut Sink) -> Result<(), ()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return sink(vec![Err(IngestError::file(
                path,
                format!("cannot read: {e}"),
            ))])
        }
    };
    let mut reader = BufReader::with_capacity(CHUNK, file);
    let ctx = Ctx { path, opts };
    match detect(&mut reader) {
        Ok((Layout::Lines, line)) => read_lines(&mut reader, line, &ctx, sink),
        Ok((Layout::Document, line)) => read_document(&mut reader, line, &ctx, sink),
        // A `.jsonl` whose first line is not JSON is still lines: that line is reported and
        // the rest of the file goes in.
        Err(message)
            if is_jsonl_name(path)
                && message.starts_with("not JSON")
                && !message.contains("binary") =>
        {
            match File::open(path) {
                Ok(f) => read_lines(&mut BufReader::with_capacity(CHUNK, f), 1, &ctx, sink),
                Err(e) => sink(vec![Err(IngestError::file(
                    path,
                    format!("cannot read: {e}"),
                ))]),
            }
        }
        Err(message) => sink(vec![Err(IngestError::file(path, message))]),
    }
}

/// Streams JSON lines from any reader into `sink` (`quarry match` reads standard input);
/// errors name `label` and the line. `Err` only when the sink has gone away.
pub(crate) fn read_json_lines(
    reader: &mut impl std::io::BufRead,
    label: &Path,
    opts: &PostOptions,
    sink: &mut Sink,
) -> Result<(), ()> {
    read_lines(reader, 1, &Ctx { path: label, opts }, sink)
}

fn is_jsonl_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

#[cfg(test)]
mod tests;
