//! JSON and JSONL post exports into [`Post`]s: X API v1.1 and v2 (pages with `includes`
//! too), the X archive's `tweets.js`, Mastodon statuses, Reddit comments, submissions and
//! listings, and generic records (`--text-field`).
//!
//! The layout is read from the content, not the extension: one record per line (JSONL), or a
//! document (a top-level array, streamed element by element; a `window.YTD… = [` archive; an
//! object). Records are cut out of the file in batches without being parsed, then parsed in
//! parallel into typed structs that borrow from the batch, so the file is never held whole.
//! A bad line or element becomes an error naming its line and the rest goes on. Hands raw
//! posts to the sink; `finish` is the caller's. Must never panic, whatever the input.

use super::{html_to_text, parse_time, Platform, Post, PostOptions, Sink};
use crate::error::IngestError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;
use std::path::Path;

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

fn is_jsonl_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

// ---------------------------------------------------------------------------------------------
// Layout: JSONL or one JSON document.

#[derive(Debug, PartialEq)]
enum Layout {
    /// One record per line.
    Lines,
    /// A top-level array (streamed element by element) or object(s).
    Document,
}

/// Reads the start of the file and says how to read the rest, with the line the reader is at.
/// Passes over a byte-order mark, leading blank lines and a `window.YTD.tweets.part0 =`
/// assignment.
fn detect(reader: &mut BufReader<File>) -> Result<(Layout, usize), String> {
    let mut line = 1;
    let head = fill(reader)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text: save the file as UTF-8 and add it again".into());
    }
    skip_space(reader, &mut line)?;
    let head = fill(reader)?;
    let Some(&first) = head.first() else {
        return Err("empty file: no posts in it".into());
    };
    if let Some(what) = scalar_kind(head) {
        return Err(format!(
            "the file is a single JSON {what}, not posts: expected objects, one per line, or an array of them"
        ));
    }
    match first {
        b'[' => Ok((Layout::Document, line)),
        b'{' => Ok((object_layout(head), line)),
        b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => {
            // `window.YTD.tweets.part0 = [ ... ]` (the X archive): skip to the value.
            let prefix = &head[..head.len().min(512)];
            let eq = prefix.iter().position(|&b| b == b'=').filter(|&i| {
                prefix[..i]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"_$.[]'\" \t".contains(&b))
            });
            let Some(eq) = eq else {
                return Err(format!(
                    "not JSON: the file starts with {}",
                    show_byte(first)
                ));
            };
            reader.consume(eq + 1);
            skip_space(reader, &mut line)?;
            match fill(reader)?.first() {
                Some(b'[' | b'{') => Ok((Layout::Document, line)),
                _ => Err(format!(
                    "line {line}: expected `[` after the `=` of a JavaScript export"
                )),
            }
        }
        _ => Err(format!(
            "not JSON: the file starts with {} (is it a binary file?)",
            show_byte(first)
        )),
    }
}

fn fill(reader: &mut BufReader<File>) -> Result<&[u8], String> {
    reader.fill_buf().map_err(|e| format!("cannot read: {e}"))
}

/// Consumes whitespace, counting line breaks, until a non-space byte or the end of the file.
fn skip_space(reader: &mut BufReader<File>, line: &mut usize) -> Result<(), String> {
    loop {
        let buf = fill(reader)?;
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        *line += buf[..n].iter().filter(|&&b| b == b'\n').count();
        let more = n == buf.len();
        reader.consume(n);
        if !more {
            return Ok(());
        }
    }
}

/// What kind of JSON scalar `head` starts with, if it starts with one.
fn scalar_kind(head: &[u8]) -> Option<&'static str> {
    let literal = |word: &[u8]| {
        head.starts_with(word)
            && head
                .get(word.len())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'))
    };
    match head.first()? {
        b'"' => Some("string"),
        b'-' | b'0'..=b'9' => Some("number"),
        _ if literal(b"true") || literal(b"false") => Some("boolean"),
        _ if literal(b"null") => Some("null"),
        _ => None,
    }
}

/// A file starting with `{` is JSONL when its first record ends on the first line, or when
/// the first line is broken but the next one starts a record too; otherwise it is one
/// (pretty-printed) object.
fn object_layout(head: &[u8]) -> Layout {
    let mut depth = 0usize;
    let (mut in_str, mut esc) = (false, false);
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            let next = head[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            return match next {
                Some(b'{') | None => Layout::Lines,
                Some(_) => Layout::Document,
            };
        }
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Layout::Lines;
                }
            }
            _ => {}
        }
    }
    // A first line longer than the look-ahead: a long JSONL line, or a minified document,
    // which reads the same way.
    Layout::Lines
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

// ---------------------------------------------------------------------------------------------
// Reading: lines, or the values of a document, in batches.

/// A record's bytes in the batch buffer and the line it starts on.
struct Span {
    line: usize,
    start: usize,
    end: usize,
    /// A JSONL line too long to keep (its bytes were skipped).
    oversize: bool,
}

struct Ctx<'p> {
    path: &'p Path,
    opts: &'p PostOptions,
}

impl Ctx<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> IngestError {
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

fn read_lines(
    reader: &mut BufReader<File>,
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
fn skip_line(reader: &mut BufReader<File>) -> std::io::Result<()> {
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

fn read_document(
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

fn too_big() -> String {
    let mb = MAX_RECORD >> 20;
    format!("a record larger than {mb} MB starts here: write one record per line (JSONL) instead")
}

/// Whether the splitter filled a batch or ran out of bytes.
enum Scan {
    Full,
    NeedMore,
}

/// The bytes that matter to the splitter inside a string, and outside strings.
static IN_STRING: [bool; 256] = byte_set(b"\"\\\n");
static OUTSIDE: [bool; 256] = byte_set(b"\"{}[]\n");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// What may come next inside the top-level array.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// After `[`: a value or `]`.
    First,
    /// After `,`: a value.
    Value,
    /// After a value: `,` or `]`.
    Comma,
}

/// Cuts a JSON document into records without parsing them: the elements of a top-level
/// array, or top-level values. Only brackets and strings are tracked; serde checks the rest.
struct Splitter {
    /// Current line (1-based) at `pos`.
    line: usize,
    /// Next byte to look at.
    pos: usize,
    /// Line of the open top-level array, while inside one.
    array: Option<usize>,
    expect: Expect,
    /// Start offset and line of the record being scanned.
    record: Option<(usize, usize)>,
    /// Closing brackets the record still owes.
    closers: Vec<u8>,
    in_str: bool,
    esc: bool,
    /// The record is a bare number or literal (ends at a delimiter).
    scalar: bool,
}

impl Splitter {
    fn new(line: usize) -> Splitter {
        Splitter {
            line,
            pos: 0,
            array: None,
            expect: Expect::First,
            record: None,
            closers: Vec::new(),
            in_str: false,
            esc: false,
            scalar: false,
        }
    }

    /// Scans `buf` from where it left off, adding finished records to `out`. Stops when the
    /// batch is full or the bytes run out. `Err((line, message))` on a structural error.
    fn scan(&mut self, buf: &[u8], out: &mut Vec<Span>) -> Result<Scan, (usize, String)> {
        while self.pos < buf.len() {
            if let Some((start, line)) = self.record {
                let Some(end) = self.record_end(buf)? else {
                    break;
                };
                if end - start > MAX_RECORD {
                    return Err((line, too_big()));
                }
                out.push(Span {
                    line,
                    start,
                    end,
                    oversize: false,
                });
                self.record = None;
                if self.array.is_some() {
                    self.expect = Expect::Comma;
                }
                let bytes = end - out[0].start;
                if out.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                    return Ok(Scan::Full);
                }
                continue;
            }
            let b = buf[self.pos];
            let in_array = self.array.is_some();
            match b {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.line += 1,
                b',' if in_array && self.expect == Expect::Comma => self.expect = Expect::Value,
                b']' if in_array && self.expect != Expect::Value => self.array = None,
                b'[' if !in_array => {
                    self.array = Some(self.line);
                    self.expect = Expect::First;
                }
                // A trailing `;` after a JavaScript assignment.
                b';' if !in_array => {}
                b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                    if !(in_array && self.expect == Expect::Comma) =>
                {
                    self.record = Some((self.pos, self.line));
                    self.closers.clear();
                    self.in_str = b == b'"';
                    self.esc = false;
                    self.scalar = !matches!(b, b'{' | b'[' | b'"');
                    match b {
                        b'{' => self.closers.push(b'}'),
                        b'[' => self.closers.push(b']'),
                        _ => {}
                    }
                }
                _ => return Err((self.line, self.unexpected(b))),
            }
            self.pos += 1;
        }
        Ok(Scan::NeedMore)
    }

    fn unexpected(&self, b: u8) -> String {
        let found = show_byte(b);
        match (self.array, self.expect) {
            (Some(_), Expect::Comma) => {
                format!("not JSON: expected `,` or `]` after a record, found {found}")
            }
            (Some(_), Expect::Value) => {
                format!("not JSON: expected a record after `,`, found {found}")
            }
            _ => format!("not JSON: unexpected {found}"),
        }
    }

    /// Moves through the record being scanned; its end offset once it is complete.
    fn record_end(&mut self, buf: &[u8]) -> Result<Option<usize>, (usize, String)> {
        if self.scalar {
            let rest = &buf[self.pos..];
            let end = rest.iter().position(|b| b",]} \t\r\n".contains(b));
            self.pos += end.unwrap_or(rest.len());
            return Ok(end.map(|_| self.pos));
        }
        loop {
            if self.esc {
                // The byte after a backslash, whatever it is.
                let Some(&b) = buf.get(self.pos) else {
                    return Ok(None);
                };
                self.line += usize::from(b == b'\n');
                self.pos += 1;
                self.esc = false;
            }
            let wanted = if self.in_str { &IN_STRING } else { &OUTSIDE };
            let rest = &buf[self.pos..];
            let Some(skip) = rest.iter().position(|&b| wanted[usize::from(b)]) else {
                self.pos = buf.len();
                return Ok(None);
            };
            let b = rest[skip];
            self.pos += skip + 1;
            match (self.in_str, b) {
                (_, b'\n') => self.line += 1,
                (true, b'\\') => self.esc = true,
                (true, _) => {
                    self.in_str = false;
                    if self.closers.is_empty() {
                        return Ok(Some(self.pos));
                    }
                }
                (false, b'"') => self.in_str = true,
                (false, b'{') => self.closers.push(b'}'),
                (false, b'[') => self.closers.push(b']'),
                (false, _) => {
                    if self.closers.pop() != Some(b) {
                        let message =
                            format!("not JSON: `{}` does not close what is open here", b as char);
                        return Err((self.line, message));
                    }
                    if self.closers.is_empty() {
                        return Ok(Some(self.pos));
                    }
                }
            }
        }
    }

    /// At the end of the file: a record or array still open is an error.
    fn at_end(&mut self, len: usize, out: &mut Vec<Span>) -> Result<(), (usize, String)> {
        if let Some((start, line)) = self.record.take() {
            if self.scalar {
                out.push(Span {
                    line,
                    start,
                    end: len,
                    oversize: false,
                });
            } else {
                return Err((
                    line,
                    "not JSON: the file ends inside the record that starts here (cut short?)"
                        .into(),
                ));
            }
        }
        match self.array {
            Some(open) => Err((
                self.line,
                format!("not JSON: the file ends before the array opened on line {open} is closed with `]` (cut short?)"),
            )),
            None => Ok(()),
        }
    }

    /// The first byte still needed.
    fn keep_from(&self) -> usize {
        self.record.map_or(self.pos, |(start, _)| start)
    }

    /// The buffer lost its first `n` bytes.
    fn shift(&mut self, n: usize) {
        self.pos -= n;
        if let Some((start, _)) = &mut self.record {
            *start -= n;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One record (a line or an array element) into posts.

impl Ctx<'_> {
    /// Adds the posts in one record to `out`: usually one; a page of results or a listing
    /// gives several.
    fn record(
        &self,
        bytes: &[u8],
        line: usize,
        jsonl: bool,
        out: &mut Vec<Result<Post, IngestError>>,
    ) {
        let found = match self.found(bytes, line, jsonl) {
            Ok(found) => found,
            Err(e) => return out.push(Err(e)),
        };
        out.extend(found.into_iter().map(|r| match r {
            Ok(mut p) => {
                p.line = line;
                Ok(p)
            }
            Err(message) => Err(self.error(line, message)),
        }));
    }

    /// The posts, and problems with them, in one record; `Err` when it is not an object.
    fn found(
        &self,
        bytes: &[u8],
        line: usize,
        jsonl: bool,
    ) -> Result<Vec<Result<Post, String>>, IngestError> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first != Some(b'{') {
            if let Err(e) = serde_json::from_slice::<IgnoredAny>(bytes) {
                return Err(self.syntax_error(&e, line, jsonl));
            }
            let what = match first {
                Some(b'[') => "an array",
                Some(b'"') => "a string",
                Some(b't' | b'f') => "a boolean",
                Some(b'n') => "null",
                _ => "a number",
            };
            let unit = if jsonl { "line" } else { "array element" };
            let message = format!("{what}, not an object: expected one post per {unit}");
            return Err(self.error(line, message));
        }
        if self.opts.text_field.is_some() {
            return self.generic(bytes, line, jsonl);
        }
        TOO_DEEP.with(|t| t.set(false));
        // One check of the whole record is cheaper than one per string.
        let parsed = match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str::<Rec>(text),
            Err(_) => serde_json::from_slice::<Rec>(bytes),
        };
        let Ok(rec) = parsed else {
            // Not JSON: the generic reader says where.
            return self.generic(bytes, line, jsonl);
        };
        let Some(mut found) = typed(&rec) else {
            return self.generic(bytes, line, jsonl);
        };
        if TOO_DEEP.with(|t| t.replace(false)) {
            let message = format!(
                "records nested more than {MAX_NESTING} deep (a long reply chain?) were skipped"
            );
            found.push(Err(message));
        }
        Ok(found)
    }

    fn syntax_error(&self, e: &serde_json::Error, line: usize, jsonl: bool) -> IngestError {
        let full = e.to_string();
        let what = full
            .rfind(" at line ")
            .map_or(full.as_str(), |i| &full[..i]);
        let what = match what {
            "recursion limit exceeded" => "nested more than 128 levels deep".to_string(),
            _ => format!("not JSON: {what}"),
        };
        if jsonl {
            self.error(line, format!("{what} at column {}", e.column()))
        } else if e.line() > 1 {
            let message = format!("{what} at column {}", e.column());
            self.error(line + e.line() - 1, message)
        } else {
            self.error(line, what)
        }
    }

    fn generic(
        &self,
        bytes: &[u8],
        line: usize,
        jsonl: bool,
    ) -> Result<Vec<Result<Post, String>>, IngestError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => Ok(generic_posts(&v, self.opts)),
            Err(e) => Err(self.syntax_error(&e, line, jsonl)),
        }
    }
}

/// The posts of a record of a known shape; `None` for a record of no known shape.
fn typed(rec: &Rec) -> Option<Vec<Result<Post, String>>> {
    let mut out = Vec::new();
    expand(rec, &mut out).then_some(out)
}

/// Adds the posts in `rec` (unwrapping archive entries, result pages and Reddit listings) to
/// `out`. Returns `false`, adding nothing, when `rec` is a record of no known shape.
fn expand(rec: &Rec, out: &mut Vec<Result<Post, String>>) -> bool {
    if let Some(t) = rec.tweet.get() {
        out.push(x_v1(t));
        return true;
    }
    match &rec.data {
        Data::Many(items) => {
            let page = Page::new(rec.includes.get());
            for t in items {
                out.push(leaf(t, &page, true).unwrap_or_else(|| Err(NO_TEXT.into())));
            }
            return true;
        }
        Data::One(inner) => match rec.kind.str() {
            Some("t1") => {
                out.push(reddit(inner, RedditKind::Comment));
                if let Some(replies) = inner.replies.get() {
                    expand(replies, out);
                }
                return true;
            }
            Some("t3") => {
                out.push(reddit(inner, RedditKind::Submission));
                return true;
            }
            // Reddit's "load more comments" stub: no post.
            Some("more") => return true,
            _ if rec.kind.str() == Some("Listing") || !inner.children.0.is_empty() => {
                children(&inner.children.0, out);
                return true;
            }
            _ if rec.includes.get().is_some() || shape(inner, false) == Some(Shape::XV2) => {
                let page = Page::new(rec.includes.get());
                out.push(leaf(inner, &page, true).unwrap_or_else(|| Err(NO_TEXT.into())));
                return true;
            }
            _ => {}
        },
        Data::Absent => {}
    }
    if !rec.children.0.is_empty() {
        children(&rec.children.0, out);
        return true;
    }
    match leaf(rec, &Page::default(), false) {
        Some(found) => {
            out.push(found);
            true
        }
        None => false,
    }
}

fn children(items: &[Rec], out: &mut Vec<Result<Post, String>>) {
    for c in items {
        if !expand(c, out) {
            out.push(Err(NO_TEXT.into()));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Mastodon,
    Reddit(RedditKind),
    XV1,
    XV2,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RedditKind {
    Comment,
    Submission,
}

/// Which platform's record `r` is, by its fields. Inside a page of X API v2 results
/// (`in_page`), a record of no other shape is taken as a v2 tweet.
fn shape(r: &Rec, in_page: bool) -> Option<Shape> {
    let has = |v: &Val| !v.is_null();
    if r.account.get().is_some() || (has(&r.content) && (has(&r.uri) || r.reblog.get().is_some())) {
        return Some(Shape::Mastodon);
    }
    if has(&r.body) && (has(&r.subreddit) || has(&r.link_id) || has(&r.parent_id)) {
        return Some(Shape::Reddit(RedditKind::Comment));
    }
    if has(&r.title) && (has(&r.subreddit) || has(&r.selftext) || has(&r.num_comments)) {
        return Some(Shape::Reddit(RedditKind::Submission));
    }
    let v1_user = r.user.get().is_some_and(|u| has(&u.screen_name));
    if has(&r.full_text)
        || (has(&r.text) && (has(&r.id_str) || v1_user))
        || r.retweeted_status.get().is_some()
        || r.extended_tweet.get().is_some()
    {
        return Some(Shape::XV1);
    }
    let v2 = has(&r.author_id)
        || has(&r.conversation_id)
        || r.public_metrics.get().is_some()
        || !r.referenced_tweets.0.is_empty()
        || r.note_tweet.get().is_some();
    if in_page || (has(&r.text) && v2) {
        return Some(Shape::XV2);
    }
    None
}

fn leaf(r: &Rec, page: &Page, in_page: bool) -> Option<Result<Post, String>> {
    Some(match shape(r, in_page)? {
        Shape::Mastodon => mastodon(r),
        Shape::Reddit(kind) => reddit(r, kind),
        Shape::XV1 => x_v1(r),
        Shape::XV2 => x_v2(r, page),
    })
}

// ---------------------------------------------------------------------------------------------
// The platforms' records.

/// X API v1.1 (and the archive's tweets, which have no `user`).
fn x_v1(t: &Rec) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::X,
        id: first_string(&[&t.id_str, &t.id]).unwrap_or_default(),
        lang: t.lang.string(),
        likes: t.favorite_count.count(),
        reposts: t.retweet_count.count(),
        reply_to: first_string(&[&t.in_reply_to_status_id_str, &t.in_reply_to_status_id]),
        is_quote: t.is_quote_status.truthy(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &t.created_at);
    if let Some(u) = t.user.get() {
        p.author = u.handle();
        if let Some(place) = u.location.string() {
            attr(&mut p, "user.location", place);
        }
        if let Some(n) = u.followers_count.count() {
            attr(&mut p, "user.followers_count", n.to_string());
        }
    }
    if let Some(s) = t.source.str() {
        attr(&mut p, "source", strip_tags(s));
    }
    // A retweet's own text is cut at 140 characters: take the original's.
    let mut body = t;
    match t.retweeted_status.get().filter(|rt| has_v1_text(rt)) {
        Some(rt) => {
            p.is_repost = true;
            p.repost_of = first_string(&[&rt.id_str, &rt.id]);
            if let Some(h) = rt.user.get().and_then(Entity::handle) {
                attr(
                    &mut p,
                    "retweeted_author",
                    format!("@{}", h.trim_start_matches('@')),
                );
            }
            body = rt;
        }
        None if p.is_quote => p.repost_of = t.quoted_status_id_str.string(),
        None => {}
    }
    let (text, entities) = v1_text(body)?;
    p.text = text.to_string();
    if !p.is_repost {
        if let Some(h) = rt_author(text) {
            attr(&mut p, "retweeted_author", format!("@{h}"));
        }
    }
    if let Some(e) = entities {
        take_entities(&mut p, e);
    }
    Ok(p)
}

fn has_v1_text(t: &Rec) -> bool {
    !t.full_text.is_null() || !t.text.is_null() || t.extended_tweet.get().is_some()
}

/// A v1.1 tweet's whole text and the entities that go with it.
fn v1_text<'r, 'a>(t: &'r Rec<'a>) -> Result<(&'r str, Option<&'r Entities<'a>>), String> {
    if let Some(ext) = t.extended_tweet.get() {
        if t.truncated.truthy() || (t.full_text.is_null() && t.text.is_null()) {
            if let Some(s) = ext.full_text.str() {
                return Ok((s, ext.entities.get().or(t.entities.get())));
            }
        }
    }
    match pick(&[("full_text", &t.full_text), ("text", &t.text)])? {
        Some(s) => Ok((s, t.entities.get())),
        None => Err(NO_TEXT.into()),
    }
}

/// `name` in a text starting `RT @name: `.
fn rt_author(text: &str) -> Option<&str> {
    let (name, _) = text.strip_prefix("RT @")?.split_once(':')?;
    let ok = !name.is_empty()
        && name.len() <= 50
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(name)
}

/// The users and tweets a page of X API v2 results includes, by id.
#[derive(Default)]
struct Page<'r, 'a> {
    users: FxHashMap<String, &'r str>,
    tweets: FxHashMap<String, &'r Rec<'a>>,
}

impl<'r, 'a> Page<'r, 'a> {
    fn new(includes: Option<&'r Includes<'a>>) -> Self {
        let mut page = Page::default();
        if let Some(inc) = includes {
            for u in &inc.users.0 {
                if let (Some(id), Some(name)) = (u.id.string(), u.username.str()) {
                    page.users.insert(id, name);
                }
            }
            for t in &inc.tweets.0 {
                if let Some(id) = t.id.string() {
                    page.tweets.insert(id, t);
                }
            }
        }
        page
    }

    /// The handle of a v2 tweet's author: embedded (twarc's flattened `author`), or found
    /// through `author_id` in the page's users.
    fn author(&self, t: &Rec) -> Option<String> {
        t.author.get().and_then(Entity::handle).or_else(|| {
            let id = t.author_id.string()?;
            self.users.get(&id).map(|s| s.to_string())
        })
    }
}

/// X API v2.
fn x_v2(t: &Rec, page: &Page) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::X,
        id: first_string(&[&t.id, &t.id_str]).unwrap_or_default(),
        lang: t.lang.string(),
        thread: t.conversation_id.string(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &t.created_at);
    p.author = page.author(t);
    if p.author.is_none() {
        if let Some(id) = t.author_id.string() {
            attr(&mut p, "author_id", id);
        }
    }
    if let Some(m) = t.public_metrics.get() {
        p.likes = m.like_count.count();
        p.reposts = m.retweet_count.count();
        for (name, v) in [
            ("reply_count", &m.reply_count),
            ("quote_count", &m.quote_count),
        ] {
            if let Some(n) = v.count() {
                attr(&mut p, name, n.to_string());
            }
        }
    }
    if let Some(id) = t.in_reply_to_user_id.string() {
        attr(&mut p, "in_reply_to_user_id", id);
    }
    if let Some(s) = t.source.str() {
        attr(&mut p, "source", strip_tags(s));
    }
    let mut original = None;
    let mut quoted = None;
    for r in &t.referenced_tweets.0 {
        let Some(id) = r.id.string() else { continue };
        match r.ref_type.str() {
            Some("retweeted") => {
                p.is_repost = true;
                // twarc's flattened output embeds the referenced tweet itself.
                original = page
                    .tweets
                    .get(&id)
                    .copied()
                    .or((!r.text.is_null()).then_some(r));
                p.repost_of = Some(id);
            }
            Some("quoted") => {
                p.is_quote = true;
                quoted = Some(id);
            }
            Some("replied_to") => p.reply_to = Some(id),
            _ => {}
        }
    }
    if !p.is_repost {
        p.repost_of = quoted;
    }
    let body = original.unwrap_or(t);
    if let Some(o) = original {
        if let Some(h) = page.author(o) {
            attr(
                &mut p,
                "retweeted_author",
                format!("@{}", h.trim_start_matches('@')),
            );
        }
    }
    // Long posts: the whole text is in `note_tweet`.
    let note = body.note_tweet.get().filter(|n| n.text.str().is_some());
    let (text, entities) = match note {
        Some(n) => (n.text.str(), n.entities.get().or(body.entities.get())),
        None => (pick(&[("text", &body.text)])?, body.entities.get()),
    };
    p.text = text.ok_or(NO_TEXT)?.to_string();
    if let Some(e) = entities {
        take_entities(&mut p, e);
    }
    Ok(p)
}

/// A Mastodon status (a boost takes the boosted status's text).
fn mastodon(s: &Rec) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::Mastodon,
        id: first_string(&[&s.id]).unwrap_or_default(),
        author: s.account.get().and_then(Entity::handle),
        url: s.url.string(),
        lang: s.language.string(),
        likes: s.favourites_count.count(),
        reposts: s.reblogs_count.count(),
        reply_to: s.in_reply_to_id.string(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &s.created_at);
    if let Some(n) = s.replies_count.count() {
        attr(&mut p, "replies_count", n.to_string());
    }
    let mut body = s;
    if let Some(orig) = s.reblog.get() {
        p.is_repost = true;
        p.repost_of = orig.id.string();
        if let Some(h) = orig.account.get().and_then(Entity::handle) {
            attr(
                &mut p,
                "boosted_author",
                format!("@{}", h.trim_start_matches('@')),
            );
        }
        if p.url.is_none() {
            p.url = orig.url.string();
        }
        body = orig;
    }
    if p.url.is_none() {
        p.url = s.uri.string();
    }
    let html = pick(&[("content", &body.content), ("text", &body.text)])?.ok_or(NO_TEXT)?;
    let text = html_to_text(html);
    p.text = match body
        .spoiler_text
        .str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(warning) => format!("{warning}\n\n{text}"),
        None => text,
    };
    p.hashtags = body.tags.0.iter().filter_map(Entity::tag).collect();
    p.mentions = body.mentions.0.iter().filter_map(Entity::handle).collect();
    Ok(p)
}

/// A Reddit comment or submission (`kind` from the `t1`/`t3` wrapper, or from the fields).
fn reddit(r: &Rec, kind: RedditKind) -> Result<Post, String> {
    let name = r.name.string();
    let fullname_id = name
        .as_deref()
        .and_then(|n| n.split_once('_'))
        .map(|(_, id)| id.to_string());
    let mut p = Post {
        platform: Platform::Reddit,
        id: r.id.string().or(fullname_id).unwrap_or_default(),
        author: r.author.get().and_then(Entity::handle),
        likes: r.score.count(),
        url: r.permalink.string().map(|l| {
            if l.starts_with('/') {
                format!("https://www.reddit.com{l}")
            } else {
                l
            }
        }),
        ..Post::default()
    };
    let time = if r.created_utc.is_null() {
        &r.created_at
    } else {
        &r.created_utc
    };
    set_time(&mut p, "created_utc", time);
    if let Some(s) = r.subreddit.string() {
        attr(&mut p, "subreddit", s);
    }
    match kind {
        RedditKind::Comment => {
            p.text = pick(&[("body", &r.body)])?.ok_or(NO_TEXT)?.to_string();
            p.thread = r.link_id.string().map(|l| strip_fullname(&l));
            p.reply_to = r.parent_id.string().map(|l| strip_fullname(&l));
            p.is_reply = true;
        }
        RedditKind::Submission => {
            let title = pick(&[("title", &r.title)])?.unwrap_or("");
            let body = pick(&[("selftext", &r.selftext)])?.unwrap_or("");
            if title.is_empty() && body.is_empty() {
                return Err(NO_TEXT.into());
            }
            p.text = match (title.trim().is_empty(), body.trim().is_empty()) {
                (false, false) => format!("{title}\n\n{body}"),
                (false, true) => title.to_string(),
                _ => body.to_string(),
            };
            p.thread = (!p.id.is_empty()).then(|| p.id.clone());
            if let Some(n) = r.num_comments.count() {
                attr(&mut p, "num_comments", n.to_string());
            }
            // The link a link post points to (a self post's `url` is its own page).
            if let Some(link) = r.url.string() {
                if !r.is_self.truthy() && !link.contains("reddit.com/r/") {
                    attr(&mut p, "url", link);
                }
            }
        }
    }
    Ok(p)
}

/// `abc` from Reddit's `t3_abc`.
fn strip_fullname(s: &str) -> String {
    match s.split_once('_') {
        Some((kind, id)) if kind.len() == 2 && kind.starts_with('t') => id.to_string(),
        _ => s.to_string(),
    }
}

/// Generic records: the text at `--text-field` (or under a common name), the rest from
/// `--id-col`, `--author-col`, `--time-col` or common names; other scalar fields as attrs.
fn generic_posts(v: &Value, opts: &PostOptions) -> Vec<Result<Post, String>> {
    // A page of results (`{"data": [...]}`) whose records hold the text field.
    if let (Some(field), Some(Value::Array(items))) = (&opts.text_field, v.get("data")) {
        if lookup(v, field).is_none() {
            return items.iter().map(|r| generic_post(r, opts)).collect();
        }
    }
    vec![generic_post(v, opts)]
}

const TEXT_NAMES: [&str; 4] = ["full_text", "text", "body", "content"];
const ID_NAMES: [&str; 2] = ["id", "id_str"];
const AUTHOR_NAMES: [&str; 4] = ["author", "user", "username", "screen_name"];
const TIME_NAMES: [&str; 5] = ["created_at", "date", "timestamp", "time", "created_utc"];
/// Generic records keep at most this many other fields, each at most this long.
const MAX_ATTRS: usize = 20;
const MAX_ATTR_LEN: usize = 500;

fn generic_post(r: &Value, opts: &PostOptions) -> Result<Post, String> {
    let Value::Object(map) = r else {
        return Err(format!("{}, not an object", value_kind(r)));
    };
    let mut used: Vec<&str> = Vec::new();
    let text = match &opts.text_field {
        Some(field) => match lookup(r, field) {
            None => return Err(format!("no `{field}` in this record (the --text-field)")),
            Some(Value::String(s)) => {
                used.push(top_name(field));
                s
            }
            Some(other) => return Err(format!("`{field}` is {}, not text", value_kind(other))),
        },
        None => {
            let (name, v) = TEXT_NAMES
                .iter()
                .find_map(|&n| map.get(n).filter(|v| v.is_string()).map(|v| (n, v)))
                .or_else(|| {
                    TEXT_NAMES
                        .iter()
                        .find_map(|&n| map.get(n).filter(|v| !v.is_null()).map(|v| (n, v)))
                })
                .ok_or(NO_TEXT)?;
            let Value::String(s) = v else {
                return Err(format!("`{name}` is {}, not text", value_kind(v)));
            };
            used.push(name);
            s
        }
    };
    let mut p = Post {
        platform: opts.platform.unwrap_or_default(),
        text: text.clone(),
        ..Post::default()
    };
    if let Some((name, v)) = field(r, opts.id_col.as_deref(), &ID_NAMES) {
        used.push(top_name(name));
        p.id = scalar_text(v).unwrap_or_default();
    }
    if let Some((name, v)) = field(r, opts.author_col.as_deref(), &AUTHOR_NAMES) {
        used.push(top_name(name));
        p.author = match v {
            Value::Object(o) => ["username", "screen_name", "acct", "name"]
                .iter()
                .find_map(|&k| o.get(k).and_then(scalar_text)),
            _ => scalar_text(v),
        };
    }
    if let Some((name, v)) = field(r, opts.time_col.as_deref(), &TIME_NAMES) {
        used.push(top_name(name));
        if let Some(raw) = scalar_text(v) {
            match parse_time(&raw) {
                Some(t) => p.created = Some(t),
                None => attr(&mut p, name, raw),
            }
        }
    }
    for (k, v) in map {
        if p.attrs.len() >= MAX_ATTRS {
            break;
        }
        if used.contains(&k.as_str()) {
            continue;
        }
        if let Some(s) = scalar_text(v).filter(|s| s.len() <= MAX_ATTR_LEN && !s.trim().is_empty())
        {
            p.attrs.push((k.clone(), s));
        }
    }
    Ok(p)
}

/// The field at `path` if given (it may be absent), else the first of `names` present; with
/// the path or name it was found under.
fn field<'v, 'n>(
    r: &'v Value,
    path: Option<&'n str>,
    names: &[&'n str],
) -> Option<(&'n str, &'v Value)> {
    match path {
        Some(path) => lookup(r, path).map(|v| (path, v)),
        None => names
            .iter()
            .find_map(|&n| r.get(n).filter(|v| !v.is_null()).map(|v| (n, v))),
    }
}

fn top_name(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// The value at a dotted path (`data.body`, `items.0.text`); a key holding dots is found too.
fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    path.split('.').try_fold(v, |cur, key| match cur {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for building posts.

fn attr(p: &mut Post, name: &str, value: impl Into<String>) {
    if p.attrs.capacity() == 0 {
        p.attrs.reserve_exact(4);
    }
    p.attrs.push((name.to_string(), value.into()));
}

/// Sets `created`, or keeps the raw value as an attribute when it does not parse.
fn set_time(p: &mut Post, name: &str, v: &Val) {
    if let Some(raw) = v.string() {
        match parse_time(&raw) {
            Some(t) => p.created = Some(t),
            None => attr(p, name, raw),
        }
    }
}

/// The first present field's text, or an error when that field is not a string.
fn pick<'v>(fields: &[(&str, &'v Val)]) -> Result<Option<&'v str>, String> {
    for (name, v) in fields {
        match v {
            Val::Null => continue,
            Val::Str(s) => return Ok(Some(s)),
            other => return Err(format!("`{name}` is {}, not text", other.kind())),
        }
    }
    Ok(None)
}

fn first_string(vals: &[&Val]) -> Option<String> {
    vals.iter().find_map(|v| v.string())
}

fn take_entities(p: &mut Post, e: &Entities) {
    p.hashtags
        .extend(e.hashtags.0.iter().filter_map(Entity::tag));
    let mentions = e.user_mentions.0.iter().chain(&e.mentions.0);
    p.mentions.extend(mentions.filter_map(Entity::handle));
    p.links.extend(e.urls.0.iter().filter_map(Entity::link));
}

/// `Twitter Web App` from `<a href="…">Twitter Web App</a>` (the text of the first element;
/// a source is never more than one link).
fn strip_tags(s: &str) -> String {
    match s
        .trim_start()
        .strip_prefix('<')
        .and_then(|t| t.split_once('>'))
    {
        Some((_, rest)) => rest.split('<').next().unwrap_or("").trim().to_string(),
        None => s.trim().to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Typed records. One struct holds the fields of every known shape; strings borrow from the
// batch where they have no escapes. Sub-objects and lists of the wrong type are passed over
// rather than failing the record.

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rec<'a> {
    #[serde(borrow)]
    id: Val<'a>,
    #[serde(borrow)]
    id_str: Val<'a>,
    /// Reddit's fullname (`t1_abc`).
    #[serde(borrow)]
    name: Val<'a>,
    /// Reddit's `t1`/`t3`/`Listing`.
    #[serde(borrow)]
    kind: Val<'a>,
    /// An X v2 referenced tweet's `retweeted`/`quoted`/`replied_to`.
    #[serde(borrow, rename = "type")]
    ref_type: Val<'a>,

    #[serde(borrow)]
    full_text: Val<'a>,
    #[serde(borrow)]
    text: Val<'a>,
    #[serde(borrow)]
    content: Val<'a>,
    #[serde(borrow)]
    body: Val<'a>,
    #[serde(borrow)]
    title: Val<'a>,
    #[serde(borrow)]
    selftext: Val<'a>,
    #[serde(borrow)]
    spoiler_text: Val<'a>,
    #[serde(borrow)]
    truncated: Val<'a>,
    #[serde(borrow)]
    extended_tweet: Opt<Rec<'a>>,
    #[serde(borrow)]
    note_tweet: Opt<Rec<'a>>,

    #[serde(borrow)]
    created_at: Val<'a>,
    #[serde(borrow)]
    created_utc: Val<'a>,

    #[serde(borrow)]
    user: Opt<Entity<'a>>,
    #[serde(borrow)]
    author: Opt<Entity<'a>>,
    #[serde(borrow)]
    account: Opt<Entity<'a>>,
    #[serde(borrow)]
    author_id: Val<'a>,

    #[serde(borrow)]
    entities: Opt<Entities<'a>>,
    #[serde(borrow)]
    tags: List<Entity<'a>>,
    #[serde(borrow)]
    mentions: List<Entity<'a>>,
    #[serde(borrow)]
    lang: Val<'a>,
    #[serde(borrow)]
    language: Val<'a>,

    #[serde(borrow)]
    favorite_count: Val<'a>,
    #[serde(borrow)]
    retweet_count: Val<'a>,
    #[serde(borrow)]
    favourites_count: Val<'a>,
    #[serde(borrow)]
    reblogs_count: Val<'a>,
    #[serde(borrow)]
    replies_count: Val<'a>,
    #[serde(borrow)]
    score: Val<'a>,
    #[serde(borrow)]
    num_comments: Val<'a>,
    #[serde(borrow)]
    public_metrics: Opt<Metrics<'a>>,

    #[serde(borrow)]
    in_reply_to_status_id_str: Val<'a>,
    #[serde(borrow)]
    in_reply_to_status_id: Val<'a>,
    #[serde(borrow)]
    in_reply_to_id: Val<'a>,
    #[serde(borrow)]
    in_reply_to_user_id: Val<'a>,
    #[serde(borrow)]
    is_quote_status: Val<'a>,
    #[serde(borrow)]
    quoted_status_id_str: Val<'a>,
    #[serde(borrow)]
    conversation_id: Val<'a>,
    #[serde(borrow)]
    link_id: Val<'a>,
    #[serde(borrow)]
    parent_id: Val<'a>,
    #[serde(borrow)]
    retweeted_status: Opt<Rec<'a>>,
    #[serde(borrow)]
    reblog: Opt<Rec<'a>>,
    #[serde(borrow)]
    referenced_tweets: List<Rec<'a>>,

    /// The X archive's `{"tweet": {...}}` wrapper.
    #[serde(borrow)]
    tweet: Opt<Rec<'a>>,
    /// A page's records, or a Reddit thing's or listing's content.
    #[serde(borrow)]
    data: Data<'a>,
    #[serde(borrow)]
    children: List<Rec<'a>>,
    /// A Reddit comment's replies (a listing).
    #[serde(borrow)]
    replies: Opt<Rec<'a>>,
    #[serde(borrow)]
    includes: Opt<Includes<'a>>,

    #[serde(borrow)]
    url: Val<'a>,
    #[serde(borrow)]
    uri: Val<'a>,
    #[serde(borrow)]
    permalink: Val<'a>,
    #[serde(borrow)]
    subreddit: Val<'a>,
    #[serde(borrow)]
    source: Val<'a>,
    #[serde(borrow)]
    is_self: Val<'a>,
}

/// A user, hashtag, mention or link: an object with some of these fields, or a bare string
/// (kept in `name`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Entity<'a> {
    #[serde(borrow)]
    screen_name: Val<'a>,
    #[serde(borrow)]
    username: Val<'a>,
    #[serde(borrow)]
    acct: Val<'a>,
    #[serde(borrow)]
    name: Val<'a>,
    #[serde(borrow)]
    text: Val<'a>,
    #[serde(borrow)]
    tag: Val<'a>,
    #[serde(borrow)]
    expanded_url: Val<'a>,
    #[serde(borrow)]
    url: Val<'a>,
    #[serde(borrow)]
    id: Val<'a>,
    #[serde(borrow)]
    location: Val<'a>,
    #[serde(borrow)]
    followers_count: Val<'a>,
}

impl Entity<'_> {
    fn handle(&self) -> Option<String> {
        first_string(&[&self.screen_name, &self.acct, &self.username, &self.name])
    }
    fn tag(&self) -> Option<String> {
        first_string(&[&self.tag, &self.text, &self.name])
            .map(|t| t.trim_start_matches('#').to_string())
    }
    fn link(&self) -> Option<String> {
        first_string(&[&self.expanded_url, &self.url, &self.name])
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entities<'a> {
    #[serde(borrow)]
    hashtags: List<Entity<'a>>,
    #[serde(borrow)]
    user_mentions: List<Entity<'a>>,
    #[serde(borrow)]
    mentions: List<Entity<'a>>,
    #[serde(borrow)]
    urls: List<Entity<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics<'a> {
    #[serde(borrow)]
    like_count: Val<'a>,
    #[serde(borrow)]
    retweet_count: Val<'a>,
    #[serde(borrow)]
    reply_count: Val<'a>,
    #[serde(borrow)]
    quote_count: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Includes<'a> {
    #[serde(borrow)]
    users: List<Entity<'a>>,
    #[serde(borrow)]
    tweets: List<Rec<'a>>,
}

/// Any JSON value; strings and numbers are kept, arrays and objects only noted.
#[derive(Debug, Default)]
enum Val<'a> {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl Val<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A non-blank string (trimmed) or a number, as text.
    fn string(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string),
            Val::Int(n) => Some(n.to_string()),
            Val::UInt(n) => Some(n.to_string()),
            Val::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    /// A count: a non-negative number, or a string holding one (the archive's `"3"`).
    fn count(&self) -> Option<u64> {
        match self {
            Val::Int(n) => u64::try_from(*n).ok(),
            Val::UInt(n) => Some(*n),
            Val::Float(f) if f.is_finite() && *f >= 0.0 => Some(*f as u64),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn truthy(&self) -> bool {
        matches!(self, Val::Bool(true)) || self.str() == Some("true")
    }

    fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Int(_) | Val::UInt(_) | Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Array => "an array",
            Val::Object => "an object",
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor(PhantomData))
    }
}

struct ValVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ValVisitor<'a> {
    type Value = Val<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Val<'a>, E> {
        Ok(Val::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Val<'a>, E> {
        Ok(Val::Int(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Val<'a>, E> {
        Ok(Val::UInt(n))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Val<'a>, E> {
        Ok(Val::Float(n))
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'a>, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Val<'a>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Val::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Val<'a>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Val::Object)
    }
}

/// Visitor methods that pass over scalars, leaving the field at its default.
macro_rules! pass_over_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

/// A type read from a JSON object (and, for some, from a bare string). `None` passes the
/// object over.
trait Loose<'de>: Sized {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error>;
    fn from_name(_name: Cow<'de, str>) -> Option<Self> {
        None
    }
}

thread_local! {
    /// Records open around the one being read, on this thread.
    static NESTING: Cell<u32> = const { Cell::new(0) };
    /// Set when records nested too deeply were passed over.
    static TOO_DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Counts records inside records, so that a hostile file cannot exhaust the stack.
struct Nested;

impl Nested {
    fn enter() -> Option<Nested> {
        NESTING.with(|n| {
            let depth = n.get();
            (depth < MAX_NESTING).then(|| {
                n.set(depth + 1);
                Nested
            })
        })
    }
}

impl Drop for Nested {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

impl<'de: 'a, 'a> Loose<'de> for Rec<'a> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        let Some(_nested) = Nested::enter() else {
            TOO_DEEP.with(|t| t.set(true));
            return IgnoredAny.visit_map(map).map(|_| None);
        };
        Rec::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

impl<'de: 'a, 'a> Loose<'de> for Entity<'a> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        Entity::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    fn from_name(name: Cow<'de, str>) -> Option<Self> {
        Some(Entity {
            name: Val::Str(name),
            ..Entity::default()
        })
    }
}

macro_rules! loose_from_map {
    ($($t:ident),*) => {$(
        impl<'de: 'a, 'a> Loose<'de> for $t<'a> {
            fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                $t::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
        }
    )*};
}
loose_from_map!(Entities, Metrics, Includes);

/// An optional sub-object: absent when the field is missing, null or of another type.
struct Opt<T>(Option<Box<T>>);

impl<T> Default for Opt<T> {
    fn default() -> Self {
        Opt(None)
    }
}

impl<T> Opt<T> {
    fn get(&self) -> Option<&T> {
        self.0.as_deref()
    }
}

impl<'de, T: Loose<'de>> Deserialize<'de> for Opt<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Loosely::deserialize(d).map(|l| Opt(l.0.map(Box::new)))
    }
}

/// A sub-object, or `None` for a value of another type (and objects `T` passes over).
struct Loosely<T>(Option<T>);

impl<'de, T: Loose<'de>> Deserialize<'de> for Loosely<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooselyVisitor(PhantomData))
    }
}

struct LooselyVisitor<T>(PhantomData<T>);

impl<'de, T: Loose<'de>> Visitor<'de> for LooselyVisitor<T> {
    type Value = Loosely<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Loosely<T>, A::Error> {
        T::from_map(map).map(Loosely)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Loosely<T>, E> {
        Ok(Loosely(T::from_name(Cow::Borrowed(s))))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Loosely<T>, E> {
        Ok(Loosely(T::from_name(Cow::Owned(s.to_string()))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loosely<T>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Loosely(None))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loosely<T>, E> {
        Ok(Loosely(None))
    }
}

/// A list of sub-objects; elements of another type are passed over, and so is a field that
/// is not a list.
struct List<T>(Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Loose<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Loose<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(Loosely(item)) = seq.next_element::<Loosely<T>>()? {
            items.extend(item);
        }
        Ok(List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| List::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
        Ok(List::default())
    }
    pass_over_scalars!();
}

/// A record's `data`: a page's list of records, or one record (a Reddit thing's content).
#[derive(Default)]
enum Data<'a> {
    #[default]
    Absent,
    Many(Vec<Rec<'a>>),
    One(Box<Rec<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DataVisitor(PhantomData))
    }
}

struct DataVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
    type Value = Data<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array or an object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data<'a>, A::Error> {
        ListVisitor::<Rec<'a>>(PhantomData)
            .visit_seq(seq)
            .map(|l| Data::Many(l.0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Data<'a>, A::Error> {
        Rec::from_map(map).map(|r| r.map_or(Data::Absent, |r| Data::One(Box::new(r))))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Data<'a>, E> {
        Ok(Data::Absent)
    }
    pass_over_scalars!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// What a file gave: the posts, and the errors as `line: message` (`-` for the file).
    struct Got {
        posts: Vec<Post>,
        errors: Vec<String>,
    }

    fn read_file(path: &Path, opts: &PostOptions) -> Got {
        let mut got = Got {
            posts: Vec::new(),
            errors: Vec::new(),
        };
        let mut sink = |batch: Vec<Result<Post, IngestError>>| {
            for r in batch {
                match r {
                    Ok(p) => got.posts.push(p),
                    Err(e) => {
                        let line = e.line.map_or("-".to_string(), |l| l.to_string());
                        got.errors.push(format!("{line}: {}", e.message));
                    }
                }
            }
            Ok(())
        };
        read(path, opts, &mut sink).expect("the sink never refuses");
        got
    }

    fn check_with(content: &[u8], opts: &PostOptions) -> Got {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("posts.json");
        std::fs::write(&path, content).unwrap();
        read_file(&path, opts)
    }

    fn check(content: &str) -> Got {
        check_with(content.as_bytes(), &PostOptions::default())
    }

    fn attr<'p>(p: &'p Post, name: &str) -> Option<&'p str> {
        p.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    const V1: &str = r#"{"id":1,"id_str":"1","created_at":"Fri Dec 26 23:13:35 +0000 2014","text":"Feedback on a busy ward is hard and the #MedEd literature says little about nights, so I tried a new ap… https://t.co/abc","truncated":true,"extended_tweet":{"full_text":"Feedback on a busy ward is hard and the #MedEd literature says little about nights, so I tried a new approach with @resident_a this week. #nightshift","entities":{"hashtags":[{"text":"MedEd"},{"text":"nightshift"}],"user_mentions":[{"screen_name":"resident_a","name":"Dr A"}],"urls":[]}},"entities":{"hashtags":[{"text":"MedEd"}],"user_mentions":[],"urls":[{"url":"https://t.co/abc","expanded_url":"https://twitter.com/i/web/status/1"}]},"user":{"screen_name":"ward_teacher","location":"Leeds","followers_count":120},"source":"<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>","lang":"en","favorite_count":3,"retweet_count":1}
{"id_str":"2","created_at":"Sat Dec 27 10:00:00 +0000 2014","full_text":"RT @drsmith: Students remember feedback that is specific, timely and kind. Our study of 40 interns found the same pattern on every ward we vis…","truncated":false,"entities":{"user_mentions":[{"screen_name":"drsmith"}]},"user":{"screen_name":"ward_teacher"},"retweeted_status":{"id_str":"90","full_text":"Students remember feedback that is specific, timely and kind. Our study of 40 interns found the same pattern on every ward we visited. https://t.co/xyz","entities":{"hashtags":[],"user_mentions":[],"urls":[{"url":"https://t.co/xyz","expanded_url":"https://example.org/study"}]},"user":{"screen_name":"drsmith"}},"retweet_count":12,"favorite_count":0}
{"id_str":"3","text":"RT @longposter: The long original cut…","truncated":false,"user":{"screen_name":"ward_teacher"},"retweeted_status":{"id_str":"91","text":"The long original cut…","truncated":true,"extended_tweet":{"full_text":"The long original, in full, about #feedback"},"user":{"screen_name":"longposter"}}}
{"id_str":"4","full_text":"@drsmith Agreed, see this","in_reply_to_status_id_str":"90","is_quote_status":true,"quoted_status_id_str":"77","created_at":"not a date","user":{"screen_name":"ward_teacher"}}
"#;

    #[test]
    fn x_v1_extended_retweets_replies_and_quotes() {
        let got = check(V1);
        assert_eq!(got.errors, Vec::<String>::new());
        let [long, rt, compat_rt, reply] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };

        assert_eq!(
            (long.platform, long.id.as_str(), long.line),
            (Platform::X, "1", 1)
        );
        assert!(
            long.text
                .ends_with("with @resident_a this week. #nightshift"),
            "{}",
            long.text
        );
        assert_eq!(long.hashtags, ["MedEd", "nightshift"]);
        assert_eq!(long.mentions, ["resident_a"]);
        assert_eq!(long.author.as_deref(), Some("ward_teacher"));
        assert_eq!(long.created, parse_time("2014-12-26T23:13:35Z"));
        assert_eq!(
            (long.likes, long.reposts, long.lang.as_deref()),
            (Some(3), Some(1), Some("en"))
        );
        assert_eq!(attr(long, "source"), Some("Twitter Web App"));
        assert_eq!(attr(long, "user.location"), Some("Leeds"));
        assert_eq!(attr(long, "user.followers_count"), Some("120"));

        assert!(rt.is_repost);
        assert_eq!(rt.repost_of.as_deref(), Some("90"));
        assert!(
            rt.text.starts_with("Students remember")
                && rt.text.ends_with("every ward we visited. https://t.co/xyz")
        );
        assert_eq!(attr(rt, "retweeted_author"), Some("@drsmith"));
        assert_eq!(rt.links, ["https://example.org/study"]);
        assert_eq!(
            (rt.author.as_deref(), rt.reposts),
            (Some("ward_teacher"), Some(12))
        );

        assert!(compat_rt.is_repost);
        assert_eq!(
            compat_rt.text,
            "The long original, in full, about #feedback"
        );
        assert_eq!(attr(compat_rt, "retweeted_author"), Some("@longposter"));

        assert_eq!(reply.reply_to.as_deref(), Some("90"));
        assert!(reply.is_quote && !reply.is_repost);
        assert_eq!(reply.repost_of.as_deref(), Some("77"));
        assert_eq!(reply.created, None);
        assert_eq!(attr(reply, "created_at"), Some("not a date"));
    }

    const V2_PAGE: &str = r#"{"data":[{"id":"200","text":"RT @drsmith: Students remember feedback that is…","author_id":"11","created_at":"2023-04-03T02:50:24.000Z","conversation_id":"200","referenced_tweets":[{"type":"retweeted","id":"150"}],"public_metrics":{"retweet_count":5,"like_count":0,"reply_count":1,"quote_count":0},"lang":"en"},{"id":"201","text":"@drsmith Which wards?","author_id":"12","conversation_id":"150","in_reply_to_user_id":"10","referenced_tweets":[{"type":"replied_to","id":"150"}],"entities":{"mentions":[{"start":0,"end":8,"username":"drsmith"}]},"created_at":"2023-04-03T03:00:00Z"},{"id":"202","text":"Short cut of a long post…","note_tweet":{"text":"The whole long post about #residents","entities":{"hashtags":[{"tag":"residents"}]}},"author_id":"99","conversation_id":"202","created_at":"2023-04-03T04:00:00Z"}],"includes":{"users":[{"id":"11","username":"ward_teacher"},{"id":"12","username":"intern_b"},{"id":"10","username":"drsmith"}],"tweets":[{"id":"150","text":"Students remember feedback that is specific, timely and kind, and the whole text is here.","author_id":"10"}]},"meta":{"result_count":3}}"#;

    fn check_v2_page(posts: &[Post], line: usize) {
        let [rt, reply, long] = posts else {
            panic!("{} posts", posts.len())
        };
        assert!(rt.is_repost);
        assert_eq!(rt.repost_of.as_deref(), Some("150"));
        assert_eq!(rt.text, "Students remember feedback that is specific, timely and kind, and the whole text is here.");
        assert_eq!(attr(rt, "retweeted_author"), Some("@drsmith"));
        assert_eq!(
            (rt.author.as_deref(), rt.reposts, rt.likes),
            (Some("ward_teacher"), Some(5), Some(0))
        );
        assert_eq!(attr(rt, "reply_count"), Some("1"));
        assert_eq!(rt.created, parse_time("2023-04-03T02:50:24Z"));

        assert_eq!(reply.reply_to.as_deref(), Some("150"));
        assert_eq!(reply.thread.as_deref(), Some("150"));
        assert_eq!(reply.author.as_deref(), Some("intern_b"));
        assert_eq!(reply.mentions, ["drsmith"]);
        assert_eq!(attr(reply, "in_reply_to_user_id"), Some("10"));

        assert_eq!(long.text, "The whole long post about #residents");
        assert_eq!(long.hashtags, ["residents"]);
        assert_eq!(long.author, None);
        assert_eq!(attr(long, "author_id"), Some("99"));
        assert!(posts
            .iter()
            .all(|p| p.platform == Platform::X && p.line == line));
    }

    #[test]
    fn x_v2_pages_as_jsonl_and_as_a_document() {
        let got = check(&format!("{V2_PAGE}\n\n{V2_PAGE}\n"));
        assert_eq!(got.errors, Vec::<String>::new());
        check_v2_page(&got.posts[..3], 1);
        check_v2_page(&got.posts[3..], 3);

        let v: Value = serde_json::from_str(V2_PAGE).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let got = check(&format!("\n{pretty}"));
        assert_eq!(got.errors, Vec::<String>::new());
        check_v2_page(&got.posts, 2);
    }

    const TWEETS_JS: &str = r#"window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "id_str" : "500",
      "id" : "500",
      "full_text" : "Trying #quarto with @posit_pbc",
      "created_at" : "Wed Oct 19 20:07:25 +0000 2022",
      "favorite_count" : "4",
      "retweet_count" : "1",
      "entities" : {
        "hashtags" : [ { "text" : "quarto", "indices" : [ "7", "14" ] } ],
        "user_mentions" : [ { "name" : "Posit", "screen_name" : "posit_pbc" } ],
        "urls" : [ ]
      }
    }
  },
  {
    "tweet" : {
      "id_str" : "501",
      "full_text" : "RT @someone: a retweet as the archive keeps it",
      "created_at" : "Thu Oct 20 20:07:25 +0000 2022"
    }
  }
]"#;

    #[test]
    fn x_archive_tweets_js() {
        let got = check(TWEETS_JS);
        assert_eq!(got.errors, Vec::<String>::new());
        let [first, rt] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };
        assert_eq!(
            (first.id.as_str(), first.line, first.author.as_ref()),
            ("500", 2, None)
        );
        assert_eq!((first.likes, first.reposts), (Some(4), Some(1)));
        assert_eq!(first.hashtags, ["quarto"]);
        assert_eq!(first.mentions, ["posit_pbc"]);
        assert_eq!(first.created, parse_time("2022-10-19T20:07:25Z"));
        assert_eq!((rt.id.as_str(), rt.line), ("501", 17));
        assert_eq!(attr(rt, "retweeted_author"), Some("@someone"));
    }

    const MASTODON: &str = r##"[
 {"id":"300","created_at":"2023-01-05T10:00:00.000Z","content":"<p>Night shifts &amp; <a href=\"https://med.social/tags/meded\" class=\"mention hashtag\">#<span>MedEd</span></a></p><p>second para<br>line</p>","account":{"acct":"nurse_j@med.social","username":"nurse_j"},"url":"https://med.social/@nurse_j/300","language":"en","favourites_count":2,"reblogs_count":1,"replies_count":0,"in_reply_to_id":null,"reblog":null,"tags":[{"name":"meded","url":"https://med.social/tags/meded"}],"mentions":[],"spoiler_text":""},
 {"id":"301","created_at":"2023-01-05T11:00:00Z","content":"","uri":"https://med.social/users/booster/statuses/301/activity","account":{"acct":"booster"},"reblog":{"id":"300","content":"<p>Night shifts &amp; more</p>","url":"https://med.social/@nurse_j/300","account":{"acct":"nurse_j@med.social"},"spoiler_text":"","tags":[]},"spoiler_text":""},
 {"id":"302","created_at":"2023-01-05T12:00:00Z","content":"<p>It was a hard week.</p>","spoiler_text":"burnout, death","account":{"acct":"nurse_j"},"in_reply_to_id":"300","mentions":[{"acct":"booster","username":"booster"}]}
]"##;

    #[test]
    fn mastodon_html_boost_and_spoiler() {
        let got = check(MASTODON);
        assert_eq!(got.errors, Vec::<String>::new());
        let [status, boost, cw] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };
        assert!(got
            .posts
            .iter()
            .all(|p| p.platform == Platform::Mastodon && p.thread.is_none()));
        assert_eq!(status.text, "Night shifts & #MedEd\n\nsecond para\nline");
        assert_eq!(status.hashtags, ["meded"]);
        assert_eq!(status.author.as_deref(), Some("nurse_j@med.social"));
        assert_eq!(
            status.url.as_deref(),
            Some("https://med.social/@nurse_j/300")
        );
        assert_eq!(
            (status.likes, status.reposts, status.lang.as_deref()),
            (Some(2), Some(1), Some("en"))
        );
        assert_eq!((status.line, status.reply_to.as_ref()), (2, None));

        assert!(boost.is_repost);
        assert_eq!(boost.repost_of.as_deref(), Some("300"));
        assert_eq!(boost.text, "Night shifts & more");
        assert_eq!(boost.author.as_deref(), Some("booster"));
        assert_eq!(
            boost.url.as_deref(),
            Some("https://med.social/@nurse_j/300")
        );
        assert_eq!(attr(boost, "boosted_author"), Some("@nurse_j@med.social"));

        assert_eq!(cw.text, "burnout, death\n\nIt was a hard week.");
        assert_eq!(cw.reply_to.as_deref(), Some("300"));
        assert_eq!(cw.mentions, ["booster"]);
        assert_eq!(cw.line, 4);
    }

    const REDDIT: &str = r#"{"kind":"Listing","data":{"after":null,"children":[{"kind":"t3","data":{"id":"abc","name":"t3_abc","title":"Feedback on night shifts?","selftext":"How do you give feedback at 3am?","author":"teach_doc","created_utc":1672531200.0,"subreddit":"medicine","score":42,"num_comments":2,"permalink":"/r/medicine/comments/abc/feedback/","url":"https://www.reddit.com/r/medicine/comments/abc/feedback/","is_self":true}},{"kind":"t1","data":{"id":"c1","name":"t1_c1","body":"Write it down and talk in the morning.","author":"nurse_k","created_utc":"1672534800","link_id":"t3_abc","parent_id":"t3_abc","subreddit":"medicine","score":7,"permalink":"/r/medicine/comments/abc/feedback/c1/"}},{"kind":"more","data":{"count":3,"children":["c9","c10"]}}]}}
{"id":"c2","body":"[deleted]","author":"[deleted]","created_utc":1672538400,"link_id":"t3_abc","parent_id":"t1_c1","subreddit":"medicine","score":1}
{"name":"t3_def","title":"A study on feedback","selftext":"","url":"https://example.org/paper","is_self":false,"subreddit":"medicine","num_comments":0,"author":"researcher","created_utc":1672540000}
"#;

    #[test]
    fn reddit_listing_comments_and_submissions() {
        let got = check(REDDIT);
        assert_eq!(got.errors, Vec::<String>::new());
        let [post, comment, deleted, link] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };
        assert!(got.posts.iter().all(|p| p.platform == Platform::Reddit));
        assert_eq!(
            post.text,
            "Feedback on night shifts?\n\nHow do you give feedback at 3am?"
        );
        assert_eq!(
            (post.id.as_str(), post.thread.as_deref()),
            ("abc", Some("abc"))
        );
        assert_eq!(
            (post.author.as_deref(), post.likes),
            (Some("teach_doc"), Some(42))
        );
        assert_eq!(post.created, Some(1_672_531_200));
        assert_eq!(
            post.url.as_deref(),
            Some("https://www.reddit.com/r/medicine/comments/abc/feedback/")
        );
        assert_eq!(attr(post, "num_comments"), Some("2"));
        assert_eq!(attr(post, "url"), None);
        assert_eq!(attr(post, "subreddit"), Some("medicine"));

        assert_eq!(comment.text, "Write it down and talk in the morning.");
        assert_eq!(
            (comment.thread.as_deref(), comment.reply_to.as_deref()),
            (Some("abc"), Some("abc"))
        );
        assert!(comment.is_reply);
        assert_eq!(comment.created, Some(1_672_534_800));

        assert_eq!((deleted.text.as_str(), deleted.line), ("[deleted]", 2));
        assert_eq!(deleted.reply_to.as_deref(), Some("c1"));

        assert_eq!(
            (link.id.as_str(), link.text.as_str()),
            ("def", "A study on feedback")
        );
        assert_eq!(attr(link, "url"), Some("https://example.org/paper"));
        assert!(!link.is_reply);
    }

    #[test]
    fn reddit_reply_trees() {
        let reply = |id: &str, parent: &str, replies: &str| {
            format!(
                r#"{{"kind":"t1","data":{{"id":"{id}","body":"reply {id}","author":"u{id}","link_id":"t3_abc","parent_id":"{parent}","replies":{replies}}}}}"#
            )
        };
        let listing = |children: Vec<String>| {
            format!(
                r#"{{"kind":"Listing","data":{{"children":[{}]}}}}"#,
                children.join(",")
            )
        };
        let leaf = reply("c3", "t1_c2", r#""""#);
        let inner = reply("c2", "t1_c1", &listing(vec![leaf]));
        let top = reply("c1", "t3_abc", &listing(vec![inner]));
        let thread = format!(
            "[{}, {}]",
            listing(vec![]),
            listing(vec![top, reply("c4", "t3_abc", r#""""#)])
        );
        let got = check(&thread);
        assert_eq!(got.errors, Vec::<String>::new());
        let posts: Vec<_> = got
            .posts
            .iter()
            .map(|p| (p.id.as_str(), p.reply_to.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            posts,
            [("c1", "abc"), ("c2", "c1"), ("c3", "c2"), ("c4", "abc")]
        );
    }

    #[test]
    fn generic_records_with_a_text_field_path() {
        let opts = PostOptions {
            text_field: Some("data.body".into()),
            id_col: Some("meta.id".into()),
            author_col: Some("data.who".into()),
            time_col: Some("meta.at".into()),
            ..PostOptions::default()
        };
        let lines = r#"{"data":{"body":"Hello from a custom export","who":"ana"},"meta":{"id":7,"at":"2024-02-01T10:00:00Z"},"channel":"forum"}
{"data":{"nobody":"x"},"meta":{"id":8}}
{"data":{"body":42},"meta":{"id":9}}
{"data":{"body":"no id, odd time"},"meta":{"at":"soon"}}
"#;
        let got = check_with(lines.as_bytes(), &opts);
        assert_eq!(
            got.errors,
            [
                "2: no `data.body` in this record (the --text-field)",
                "3: `data.body` is a number, not text"
            ]
        );
        let [p, q] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };
        assert_eq!(
            (p.text.as_str(), p.id.as_str(), p.author.as_deref()),
            ("Hello from a custom export", "7", Some("ana"))
        );
        assert_eq!(p.created, parse_time("2024-02-01T10:00:00Z"));
        assert_eq!((p.platform, p.line), (Platform::Other, 1));
        assert_eq!(attr(p, "channel"), Some("forum"));
        assert_eq!((q.id.as_str(), q.created, q.line), ("", None, 4));
        assert_eq!(attr(q, "meta.at"), Some("soon"));

        let opts = PostOptions {
            text_field: Some("items.0.text".into()),
            platform: Some(Platform::Reddit),
            ..PostOptions::default()
        };
        let got = check_with(
            br#"{"items":[{"text":"first item"}],"id":"x1","user":{"username":"bo"}}"#,
            &opts,
        );
        assert_eq!(got.errors, Vec::<String>::new());
        assert_eq!(got.posts[0].text, "first item");
        assert_eq!(
            (got.posts[0].id.as_str(), got.posts[0].author.as_deref()),
            ("x1", Some("bo"))
        );
        assert_eq!(got.posts[0].platform, Platform::Reddit);
    }

    #[test]
    fn generic_records_without_options_use_common_names() {
        let got = check("{\"id_str\":5,\"content\":\"plain record\",\"author\":\"bob\",\"date\":\"2024-01-01\",\"mood\":\"ok\"}\n");
        assert_eq!(got.errors, Vec::<String>::new());
        let p = &got.posts[0];
        assert_eq!(
            (p.text.as_str(), p.id.as_str(), p.author.as_deref()),
            ("plain record", "5", Some("bob"))
        );
        assert_eq!(
            (p.platform, p.created),
            (Platform::Other, parse_time("2024-01-01"))
        );
        assert_eq!(p.attrs, [("mood".to_string(), "ok".to_string())]);
    }

    #[test]
    fn jsonl_bad_lines_are_reported_and_the_rest_arrives() {
        let lines = r#"{"id":"1","text":"one","author_id":"5"}
{"id":"2","text": oops}
[1,2]
{"id":"4","text":"four"}

{"id":"6","message":"no text field"}
"just a string"
{"id_str":"8","full_text":123}
{"id":"9","text":"nine"}"#;
        let got = check(lines);
        assert_eq!(
            got.errors,
            [
                "2: not JSON: expected value at column 19",
                "3: an array, not an object: expected one post per line",
                "6: no text: expected one of full_text, text, body, content (or use --text-field)",
                "7: a string, not an object: expected one post per line",
                "8: `full_text` is a number, not text",
            ]
        );
        let ids: Vec<_> = got.posts.iter().map(|p| (p.id.as_str(), p.line)).collect();
        assert_eq!(ids, [("1", 1), ("4", 4), ("9", 9)]);
    }

    #[test]
    fn an_array_broken_midway_keeps_what_came_before() {
        let doc = r#"[
  {"id": "1", "text": "one"},
  {"id": "2", "text": "two"},
  {"id": "3", "text": "three" "oops": 1},
  {"id": "4",
   "text": "four"},
  {"id": "5", "text": "five"
"#;
        let got = check(doc);
        let ids: Vec<_> = got.posts.iter().map(|p| (p.id.as_str(), p.line)).collect();
        assert_eq!(ids, [("1", 2), ("2", 3), ("4", 5)]);
        assert_eq!(
            got.errors,
            [
                "4: not JSON: expected `,` or `}`",
                "7: not JSON: the file ends inside the record that starts here (cut short?)",
            ]
        );

        let got = check("[{\"text\": \"a\"},\n {\"text\": \"b\"}\n {\"text\": \"c\"}]");
        assert_eq!(got.posts.len(), 2);
        assert_eq!(
            got.errors,
            ["3: not JSON: expected `,` or `]` after a record, found `{`"]
        );

        let got = check("[{\"text\": \"a\"},\n {\"text\": [\"b\"}]");
        assert_eq!(got.posts.len(), 1);
        assert_eq!(
            got.errors,
            ["2: not JSON: `}` does not close what is open here"]
        );

        let got = check("[{\"text\": \"a\"},\n {\"text\": \"b\"},\n");
        assert_eq!(got.posts.len(), 2);
        assert_eq!(
            got.errors,
            ["3: not JSON: the file ends before the array opened on line 1 is closed with `]` (cut short?)"]
        );
    }

    #[test]
    fn escapes_across_read_boundaries() {
        // The backslash is the last byte of the first read, the quote it escapes the first of
        // the next; records straddle the boundary.
        let head = "[{\"id\":\"1\",\"text\":\"";
        let pad = "a".repeat(CHUNK - 1 - head.len());
        let doc =
            format!("{head}{pad}\\\" and [brackets}} in text\"}},\n{{\"text\":\"two \\\\\"}}]");
        assert_eq!(doc.as_bytes()[CHUNK - 1], b'\\');
        let got = check(&doc);
        assert_eq!(got.errors, Vec::<String>::new());
        let [one, two] = got.posts.as_slice() else {
            panic!("{} posts", got.posts.len())
        };
        assert!(one.text.ends_with("a\" and [brackets} in text"));
        assert_eq!((two.text.as_str(), two.line), ("two \\", 2));
    }

    #[test]
    fn oversized_records_are_refused() {
        let big = format!("{{\"text\":\"{}\"}}", "x".repeat(MAX_RECORD + 10));
        let small = "{\"text\":\"small\"}";
        let got = check(&format!("{small}\n{big}\n{small}\n"));
        assert_eq!(got.errors, ["2: line longer than 2 MB: skipped"]);
        assert_eq!(got.posts.iter().map(|p| p.line).collect::<Vec<_>>(), [1, 3]);

        let got = check(&format!("[{small},\n{big},\n{small}]"));
        assert_eq!(
            got.errors,
            ["2: a record larger than 2 MB starts here: write one record per line (JSONL) instead"]
        );
        assert_eq!(got.posts.len(), 1);
    }

    #[test]
    fn a_refusing_sink_stops_the_reader() {
        let line = "{\"id\":\"1\",\"text\":\"hello\"}";
        let jsonl = vec![line; 3 * BATCH_RECORDS].join("\n");
        let array = format!("[{}]", vec![line; 3 * BATCH_RECORDS].join(",\n"));
        for content in [jsonl, array] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("posts.json");
            std::fs::write(&path, content).unwrap();
            let mut calls = 0;
            let mut sink = |_: Vec<Result<Post, IngestError>>| {
                calls += 1;
                Err(())
            };
            assert_eq!(read(&path, &PostOptions::default(), &mut sink), Err(()));
            assert_eq!(calls, 1);
        }
    }

    #[test]
    fn empty_binary_and_scalar_files_are_one_error() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "-: empty file: no posts in it"),
            (b" \n\r\n\t", "-: empty file: no posts in it"),
            (&[0; 64], "-: not JSON: the file starts with byte 0x00 (is it a binary file?)"),
            (&[0xFF, 0xFE, b'{', 0], "-: UTF-16 text: save the file as UTF-8 and add it again"),
            (b"42\n", "-: the file is a single JSON number, not posts: expected objects, one per line, or an array of them"),
            (b"\"hi\"", "-: the file is a single JSON string, not posts: expected objects, one per line, or an array of them"),
        ];
        for (content, error) in cases {
            let got = check_with(content, &PostOptions::default());
            assert!(got.posts.is_empty());
            assert_eq!(got.errors, [error]);
        }
        let got = check("\u{feff}{\"text\":\"after a byte-order mark\"}");
        assert_eq!((got.posts.len(), got.errors.len()), (1, 0));
    }

    #[test]
    fn deeply_nested_records_are_bounded() {
        // Records inside records, and arrays inside arrays, in both layouts.
        let deep = format!(
            "{}{{\"text\":\"x\"}}{}",
            "{\"tweet\":".repeat(300),
            "}".repeat(300)
        );
        let got = check(&deep);
        assert_eq!(
            (got.posts.len(), got.errors.len()),
            (0, 2),
            "{:?}",
            got.errors
        );
        let got = check(&format!("[{deep}]"));
        assert_eq!(
            (got.posts.len(), got.errors.len()),
            (0, 2),
            "{:?}",
            got.errors
        );
        // Deep enough to be passed over, not so deep that serde_json refuses the record.
        let chain = format!(
            "{}{{\"text\":\"x\"}}{}",
            "{\"tweet\":".repeat(60),
            "}".repeat(60)
        );
        let got = check(&chain);
        assert_eq!(
            got.errors,
            [
                "1: no text: expected one of full_text, text, body, content (or use --text-field)",
                "1: records nested more than 48 deep (a long reply chain?) were skipped",
            ]
        );
        let got = check(&format!("[{}]", "[".repeat(100_000)));
        assert_eq!(got.posts.len(), 0);
        let field = PostOptions {
            text_field: Some("a.b".into()),
            ..PostOptions::default()
        };
        let got = check_with(deep.as_bytes(), &field);
        assert_eq!(
            got.errors,
            ["1: nested more than 128 levels deep at column 1144"]
        );
    }

    /// A small xorshift generator: `next(n)` is below `n`.
    fn random(mut seed: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn random_and_mutated_input_never_panics() {
        // Random bytes drawn from JSON's structural characters (and bytes that are not UTF-8).
        let alphabet = b"{}[]\",:\\ \nat0-{\"text\":\xff\xc3\x00=;";
        let mut next = random(0x2545_f491);
        for _ in 0..300 {
            let len = next(200);
            let bytes: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            for start in [&b"["[..], b"{", b""] {
                check_with(&[start, &bytes[..]].concat(), &PostOptions::default());
            }
        }
        // The fixtures with a few bytes deleted, inserted or overwritten.
        let pieces: [&[u8]; 8] = [
            b"null", b"1", b"\"s\"", b"[]", b"{}", b"[{}]", b"\\", b"\xff",
        ];
        let field = PostOptions {
            text_field: Some("data.0.text".into()),
            ..PostOptions::default()
        };
        for fixture in [V1, V2_PAGE, MASTODON, REDDIT, TWEETS_JS] {
            for _ in 0..40 {
                let mut bytes = fixture.as_bytes().to_vec();
                for _ in 0..=next(3) {
                    let at = next(bytes.len());
                    let end = (at + next(3) * next(8)).min(bytes.len());
                    bytes.splice(at..end, pieces[next(pieces.len())].iter().copied());
                }
                check_with(&bytes, &PostOptions::default());
                check_with(&bytes, &field);
            }
        }
    }

    /// The real X archive of smithjd (see the data folder's SOURCE.md), read in place.
    #[test]
    fn real_x_archive() {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/tweets_archive_and_rtweet_samples/twitter_archive_smithjd/data/tweets.js"));
        if !path.exists() {
            crate::test_skipped(&format!("{} is not here", path.display()));
            return;
        }
        let got = read_file(path, &PostOptions::default());
        assert_eq!(got.errors, Vec::<String>::new());
        assert_eq!(got.posts.len(), 1758);
        assert!(got
            .posts
            .iter()
            .all(|p| !p.id.is_empty() && p.created.is_some() && p.author.is_none()));
        assert!(got.posts.windows(2).all(|w| w[0].line < w[1].line));
        let by_id = |id: &str| got.posts.iter().find(|p| p.id == id).expect(id);
        let quarto = by_id("1580696888344707072");
        assert_eq!(quarto.hashtags, ["quartopub", "GoogleDocs", "googledrive"]);
        let reply = by_id("1582825767519809536");
        assert_eq!(reply.mentions, ["sharon000", "lorenzwalthert", "krlmlr"]);
        assert_eq!(reply.reply_to.as_deref(), Some("1582702502297755653"));
        assert_eq!((reply.likes, reply.line), (Some(1), 2));
        let retweets = got
            .posts
            .iter()
            .filter(|p| attr(p, "retweeted_author").is_some())
            .count();
        assert_eq!(retweets, 128);
        // Counted in the file with Python's json module.
        let count = |f: fn(&Post) -> bool| got.posts.iter().filter(|p| f(p)).count();
        assert_eq!(count(|p| p.reply_to.is_some()), 160);
        assert_eq!(count(|p| !p.hashtags.is_empty()), 1121);
        assert_eq!(count(|p| !p.mentions.is_empty()), 442);
        // What the caller does next keeps every one, and sees the retweets.
        let mut finished = got.posts.clone();
        assert!(finished.iter_mut().all(super::super::finish));
        assert_eq!(finished.iter().filter(|p| p.is_repost).count(), 128);
    }

    const BENCH: &str = "/tmp/bench/posts-100mb.jsonl";

    /// The first 2,000 lines of the benchmark corpus (generated, see the bench README).
    #[test]
    fn bench_corpus_sample() {
        let Ok(file) = File::open(BENCH) else {
            crate::test_skipped(&format!("{BENCH} is not here"));
            return;
        };
        let lines: Vec<String> = BufReader::new(file)
            .lines()
            .take(2000)
            .map(Result::unwrap)
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let got = read_file(&path, &PostOptions::default());
        assert_eq!(got.errors, Vec::<String>::new());
        assert_eq!(got.posts.len(), 2000);
        let mut reposts = 0;
        for (p, line) in got.posts.iter().zip(&lines) {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(p.id, v["id_str"].as_str().unwrap());
            assert_eq!(p.author.as_deref(), v["user"]["screen_name"].as_str());
            if let Some(original) = v["retweeted_status"]["full_text"].as_str() {
                reposts += 1;
                assert!(p.is_repost);
                assert_eq!(p.text, original);
            } else {
                assert_eq!(p.text, v["full_text"].as_str().unwrap());
            }
        }
        let replies = got.posts.iter().filter(|p| p.reply_to.is_some()).count();
        eprintln!("bench sample: {reposts} reposts, {replies} replies in 2000");
        assert!((200..=400).contains(&reposts), "{reposts} reposts");
        assert!((300..=500).contains(&replies), "{replies} replies");
    }

    /// Throughput, by hand: `cargo test --release --lib posts::json::tests::throughput --
    /// --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput() {
        let path =
            PathBuf::from(std::env::var("QUARRY_JSON_BENCH").unwrap_or_else(|_| BENCH.into()));
        let Ok(meta) = std::fs::metadata(&path) else {
            crate::test_skipped(&format!("{} is not here", path.display()));
            return;
        };
        let (mut posts, mut errors) = (0usize, 0usize);
        let start = std::time::Instant::now();
        let mut sink = |batch: Vec<Result<Post, IngestError>>| {
            for r in batch {
                match r {
                    Ok(_) => posts += 1,
                    Err(_) => errors += 1,
                }
            }
            Ok(())
        };
        read(&path, &PostOptions::default(), &mut sink).unwrap();
        let secs = start.elapsed().as_secs_f64();
        let mb = meta.len() as f64 / 1e6;
        eprintln!(
            "{}: {posts} posts, {errors} errors, {mb:.0} MB in {secs:.2} s: {:.0} MB/s on {} threads",
            path.display(),
            mb / secs,
            rayon::current_num_threads()
        );
    }
}
