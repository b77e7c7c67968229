//! CSV and TSV with a header row, read by the csv crate, with the physical line where each
//! record starts, quotes left open or out of place reported, and each record made a post.

use super::columns::Layout;
use super::head::decode;
use super::{pipeline, BATCH_BYTES, BATCH_RECORDS, MAX_RECORD_BYTES};
use crate::error::IngestError;
use crate::ingest::posts::{Post, PostOptions, Sink};
use csv::ByteRecord;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, Read};
use std::path::Path;

pub(super) fn read_csv<R: Read + Send>(
    path: &Path,
    stream: R,
    delim: u8,
    opts: &PostOptions,
    sink: &mut Sink,
) -> Result<(), ()> {
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .buffer_capacity(1 << 16)
        .from_reader(Tee::new(stream));
    let mut src = CsvSource {
        rdr,
        path,
        delim,
        lines: LineCounter::default(),
        end: 0,
        odd_quotes: false,
    };
    let mut header = ByteRecord::new();
    let names = match src.next(&mut header) {
        Ok(Some(_)) => header.iter().map(|f| decode(f).trim().to_owned()).collect(),
        Ok(None) => return sink(vec![Err(IngestError::file(path, "the file is empty"))]),
        Err(e) => return sink(vec![Err(e)]),
    };
    let layout = match Layout::new(names, opts, path) {
        Ok(l) => l,
        Err(e) => return sink(vec![Err(e)]),
    };
    pipeline(|b| src.fill(b), |b| convert_csv(&layout, path, b), sink)
}

/// Records read but not yet parsed; the records are reused from batch to batch.
#[derive(Default)]
struct CsvBatch {
    /// (line where the record starts, its fields); only the first `len` are this batch's.
    records: Vec<(usize, ByteRecord)>,
    len: usize,
    /// Lines of this batch's records whose quotes are out of place (kept as read).
    odd_quotes: Vec<usize>,
    /// A problem that ended the file after these records.
    end: Option<IngestError>,
}

/// The csv crate's reader, plus what it does not tell: the physical line where each record
/// starts (after blank lines and CRLF), and a quote left open at the end of the file.
struct CsvSource<'a, R> {
    rdr: csv::Reader<Tee<R>>,
    path: &'a Path,
    delim: u8,
    lines: LineCounter,
    /// Stream offset where the previous record ended.
    end: u64,
    /// Whether the record just read has a quote out of place.
    odd_quotes: bool,
}

impl<R: Read> CsvSource<'_, R> {
    fn fill(&mut self, b: &mut CsvBatch) -> bool {
        b.len = 0;
        b.end = None;
        b.odd_quotes.clear();
        let mut bytes = 0;
        while b.len < BATCH_RECORDS && bytes < BATCH_BYTES {
            if b.len == b.records.len() {
                b.records.push((0, ByteRecord::new()));
            }
            let (line, record) = &mut b.records[b.len];
            match self.next(record) {
                Ok(Some(l)) => {
                    *line = l;
                    if self.odd_quotes {
                        b.odd_quotes.push(l);
                    }
                    bytes += record.as_slice().len() + 8 * record.len();
                    b.len += 1;
                }
                Ok(None) => return false,
                Err(e) => {
                    b.end = Some(e);
                    return false;
                }
            }
        }
        true
    }

    /// Reads one record; its starting line, or `None` at the end of the file.
    fn next(&mut self, record: &mut ByteRecord) -> Result<Option<usize>, IngestError> {
        self.rdr.get_mut().start_record(self.end);
        let read = self.rdr.read_byte_record(record);
        let tee = self.rdr.get_ref();
        let to = match read {
            Ok(true) => self.rdr.position().byte(),
            Ok(false) => return Ok(None),
            Err(e) => {
                let line = self.lines.start_of(tee.slice(self.end, tee.total));
                let msg = if tee.too_long {
                    format!(
                        "a record starting here runs over {} MB: most likely a quote that is never \
                         closed; the rest of the file was not read",
                        MAX_RECORD_BYTES >> 20
                    )
                } else {
                    format!("cannot read: {e}")
                };
                return Err(IngestError::at(self.path, line, msg));
            }
        };
        let raw = tee.slice(self.end, to);
        self.odd_quotes = quote_out_of_place(raw, self.delim);
        let line = self.lines.start_of(raw);
        self.lines.advance(raw);
        self.end = to;
        if tee.eof && to == tee.total && ends_inside_quotes(raw, self.delim) {
            return Err(IngestError::at(
                self.path,
                line,
                "a quoted field in this record is never closed: the file ends inside quotes",
            ));
        }
        Ok(Some(line))
    }
}

/// Passes the stream through to the csv reader and keeps the bytes of the record being read,
/// so that lines can be counted exactly. Refuses to keep more than [`MAX_RECORD_BYTES`].
struct Tee<R> {
    inner: R,
    kept: Vec<u8>,
    /// Stream offset of `kept[0]`.
    kept_from: u64,
    /// Bytes read so far.
    total: u64,
    /// Stream offset where the record being read starts.
    record_start: u64,
    eof: bool,
    too_long: bool,
}

impl<R> Tee<R> {
    fn new(inner: R) -> Self {
        Tee {
            inner,
            kept: Vec::new(),
            kept_from: 0,
            total: 0,
            record_start: 0,
            eof: false,
            too_long: false,
        }
    }
    /// The bytes between two stream offsets (both within what was kept).
    fn slice(&self, from: u64, to: u64) -> &[u8] {
        let at = |o: u64| usize::try_from(o.saturating_sub(self.kept_from)).unwrap_or(usize::MAX);
        self.kept.get(at(from)..at(to)).unwrap_or_default()
    }
    /// Marks where the next record starts, and drops the kept bytes before it (once there are
    /// enough to be worth moving the rest).
    fn start_record(&mut self, offset: u64) {
        self.record_start = offset;
        let n = usize::try_from(offset.saturating_sub(self.kept_from)).unwrap_or(usize::MAX);
        if n >= 1 << 20 {
            let n = n.min(self.kept.len());
            self.kept.drain(..n);
            self.kept_from += n as u64;
        }
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.total - self.record_start > MAX_RECORD_BYTES as u64 {
            self.too_long = true;
            return Err(io::Error::other("record too long"));
        }
        let n = self.inner.read(buf)?;
        self.eof = n == 0;
        self.kept.extend_from_slice(&buf[..n]);
        self.total += n as u64;
        Ok(n)
    }
}

/// Counts physical lines over consecutive pieces of a stream: LF, CRLF and lone CR each end
/// one line, also when a CRLF is split between two pieces.
#[derive(Clone, Copy)]
struct LineCounter {
    /// 1-based line at the end of what was counted.
    line: usize,
    after_cr: bool,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter {
            line: 1,
            after_cr: false,
        }
    }
}

impl LineCounter {
    fn advance(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let lf = bytes.iter().filter(|&&b| b == b'\n').count();
        let cr = bytes.iter().filter(|&&b| b == b'\r').count();
        let mut crlf = if cr > 0 {
            bytes.windows(2).filter(|w| w == b"\r\n").count()
        } else {
            0
        };
        if self.after_cr && bytes[0] == b'\n' {
            crlf += 1;
        }
        self.line += lf + cr - crlf;
        self.after_cr = last == b'\r';
    }
    /// The line where a record begins in `raw`, the bytes the csv reader consumed for it (it
    /// skips the line ends before a record).
    fn start_of(&self, raw: &[u8]) -> usize {
        let skipped = raw
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let mut c = *self;
        c.advance(&raw[..skipped]);
        c.line
    }
}

/// Whether a record's raw bytes end inside a quoted field (read as the csv reader reads them:
/// a quote opens a field only at its start, and `""` inside quotes is a quote).
fn ends_inside_quotes(raw: &[u8], delim: u8) -> bool {
    let (mut quoted, mut at_start, mut after_quote) = (false, true, false);
    for &b in raw {
        if quoted {
            if b == b'"' {
                quoted = false;
                after_quote = true;
            }
        } else if b == b'"' && (at_start || after_quote) {
            quoted = true;
            at_start = false;
            after_quote = false;
        } else {
            after_quote = false;
            at_start = b == delim || b == b'\n' || b == b'\r';
        }
    }
    quoted
}

/// Whether a record's raw bytes hold a quoted field whose closing quote is followed by more
/// text (`"a "b" c"`: an inner quote not doubled). The csv reader joins such a field with
/// its quotes dropped, so the reader says so instead of passing it on silently. A quote
/// inside a field that does not start with one (`a 5" screen`) is read as it stands.
fn quote_out_of_place(raw: &[u8], delim: u8) -> bool {
    #[derive(Clone, Copy)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut at = At::FieldStart;
    for &b in raw {
        let ends_field = b == delim || b == b'\n' || b == b'\r';
        at = match (at, b) {
            (At::FieldStart, b'"') => At::Quoted,
            (At::FieldStart | At::Unquoted, _) if ends_field => At::FieldStart,
            (At::FieldStart | At::Unquoted, _) => At::Unquoted,
            (At::Quoted, b'"') => At::QuoteInQuoted,
            (At::Quoted, _) => At::Quoted,
            (At::QuoteInQuoted, b'"') => At::Quoted,
            (At::QuoteInQuoted, _) if ends_field => At::FieldStart,
            (At::QuoteInQuoted, _) => return true,
        };
    }
    false
}

fn convert_csv(layout: &Layout, path: &Path, b: &CsvBatch) -> Vec<Result<Post, IngestError>> {
    let mut out: Vec<_> = b.records[..b.len]
        .par_iter()
        .with_min_len(64)
        .filter_map(|(line, record)| record_to_post(layout, path, *line, record))
        .collect();
    out.extend(b.odd_quotes.iter().map(|&line| {
        let mut e = IngestError::at(
            path,
            line,
            "a quote out of place (text after the closing quote of a quoted field: an inner \
             quote not doubled as \"\"): the record was kept as read, without that quote; \
             check its text",
        );
        e.note = true;
        Err(e)
    }));
    out.extend(b.end.clone().map(Err));
    out
}

/// One CSV record as a post; `None` for a record with nothing in it.
fn record_to_post(
    layout: &Layout,
    path: &Path,
    line: usize,
    record: &ByteRecord,
) -> Option<Result<Post, IngestError>> {
    if record.as_slice().contains(&0) {
        return Some(Err(IngestError::at(
            path,
            line,
            "this record holds NUL bytes (binary data?)",
        )));
    }
    let fields: Vec<Cow<str>> = record.iter().map(decode).collect();
    if fields.iter().all(|f| f.trim().is_empty()) {
        return None;
    }
    if fields.len() <= layout.text {
        let msg = format!(
            "this record has {} field(s), but the text is in column {} (`{}`) of the header",
            fields.len(),
            layout.text + 1,
            layout.names[layout.text]
        );
        return Some(Err(IngestError::at(path, line, msg)));
    }
    Some(Ok(layout.build(&fields, line)))
}
