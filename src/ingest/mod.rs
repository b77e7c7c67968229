//! Ingest: files on disk into [`ParsedDocument`]s.
//!
//! Finds the files under the given paths, detects each one's format (extension, then content),
//! decodes and normalises its text and splits it into segments (speaker turns or paragraphs).
//! Files are parsed in parallel with rayon and handed to the caller in a fixed order (sorted
//! paths), so the result is the same on one thread or many. A file that cannot be read or
//! parsed becomes an [`IngestError`] naming it, and the others go on. Never writes anything.

pub(crate) mod decode;
mod jsonl;
pub(crate) mod office;
pub mod posts;
mod roles;
pub(crate) mod similar;
pub(crate) mod subtitles;
pub(crate) mod transcript;

pub use roles::{guess_roles, RoleGuess, SpeakerStats};
pub use similar::Similar;

use crate::error::IngestError;
use crate::text::model::{Format, ParsedDocument, ParsedSegment};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Files larger than this are refused (a transcript is never this big; JSONL streams instead).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// One item out of ingest: a document, or a problem with a file (or a line of one).
pub type Item = Result<ParsedDocument, IngestError>;

/// The files under `paths` that quarry can read, sorted, and errors for paths that do not
/// exist or that were named explicitly but have an unsupported format. Inside folders, hidden
/// entries (like `.quarry`) and files of other formats are passed over and counted.
/// With `forced` (`--format`), a file named explicitly is taken whatever its extension.
pub fn discover(
    paths: &[PathBuf],
    forced: Option<Format>,
) -> (Vec<PathBuf>, Vec<IngestError>, usize) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut ignored = 0;
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => errors.push(IngestError::file(
                p,
                "no such file or folder (check the path and the current folder)",
            )),
            Err(e) => errors.push(IngestError::file(p, format!("cannot read: {e}"))),
            Ok(m) if m.is_dir() => {
                let walk = walkdir::WalkDir::new(p)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                    });
                for e in walk {
                    match e {
                        Err(e) => errors.push(IngestError::file(
                            e.path().unwrap_or(p),
                            format!("cannot read: {e}"),
                        )),
                        Ok(e) if e.file_type().is_file() => {
                            let fmt = format_of(e.path());
                            let spreadsheet =
                                fmt == Some(Format::Csv) && !csv_has_text_column(e.path());
                            if fmt.is_some() && !spreadsheet {
                                files.push(e.into_path());
                            } else {
                                ignored += 1;
                            }
                        }
                        Ok(_) => {}
                    }
                }
            }
            Ok(_) => {
                if forced.is_some() || format_of(p).is_some() {
                    files.push(p.clone());
                } else {
                    errors.push(IngestError::file(
                        p,
                        "unsupported format: quarry reads .txt, .md, .vtt, .srt, .docx, .odt, .jsonl, .csv, .tsv, .json and tweets.js (or use --format)",
                    ));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors, ignored)
}

/// The format a file's extension says.
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" => Format::Text,
        "md" | "markdown" => Format::Markdown,
        "vtt" => Format::Vtt,
        "srt" => Format::Srt,
        "docx" => Format::Docx,
        "odt" => Format::Odt,
        "jsonl" | "ndjson" => Format::Jsonl,
        "csv" | "tsv" => Format::Csv,
        "json" => Format::Json,
        // The X archive's tweets.js (`window.YTD.tweets.part0 = [...]`); other scripts are
        // not data.
        "js" if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("tweet")) =>
        {
            Format::Json
        }
        _ => return None,
    })
}

/// How to read what `add` is given.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<Format>,
    /// Column and field choices for post exports.
    pub posts: posts::PostOptions,
}

/// The format to read a file as: the one forced, else the extension's, refined by content:
/// a `.jsonl` of posts rather than turns, a `.txt` of `id|date|text` lines.
fn detect(path: &Path, opts: &ReadOptions) -> Option<Format> {
    if let Some(f) = opts.format {
        return Some(f);
    }
    let f = format_of(path)?;
    Some(match f {
        Format::Jsonl if opts.posts.text_field.is_some() => Format::Json,
        Format::Jsonl if !first_line(path).is_some_and(|l| looks_like_turn(&l)) => Format::Json,
        Format::Text
            if opts.posts.columns.is_some()
                || first_line(path).is_some_and(|l| posts::csv::looks_like_id_date_text(&l)) =>
        {
            Format::Csv
        }
        f => f,
    })
}

/// The first non-blank line of a file (at most 64 KB of it), if it can be read.
fn first_line(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = vec![0u8; 64 << 10];
    let mut f = std::fs::File::open(path).ok()?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    let text = String::from_utf8_lossy(&buf[..n]);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
}

/// A JSON line of a transcript turn (`{"doc": …, "text": …}`) rather than a post.
fn looks_like_turn(line: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(alias = "meeting", alias = "document", alias = "conversation")]
        doc: Option<serde::de::IgnoredAny>,
        text: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Probe>(line).is_ok_and(|p| p.doc.is_some() && p.text.is_some())
}

/// Whether a CSV/TSV found in a folder is a post export (it has a text column); other
/// spreadsheets (participant lists, codebooks) are passed over.
fn csv_has_text_column(path: &Path) -> bool {
    let Some(header) = first_line(path) else {
        return false;
    };
    header
        .split([',', ';', '\t', '|'])
        .map(|c| {
            c.trim()
                .trim_matches('"')
                .to_ascii_lowercase()
                .replace(['_', '-', ' '], "")
        })
        .any(|c| {
            matches!(
                c.as_str(),
                "text"
                    | "fulltext"
                    | "tweet"
                    | "content"
                    | "body"
                    | "message"
                    | "post"
                    | "selftext"
            )
        })
}

/// The longest segment stored. A longer turn (a file that is one enormous line, a paragraph
/// without end) is cut into several of this size or less, at spaces, each with the turn's
/// speaker, times and line: analysing and indexing one segment then needs bounded memory
/// (one 190 MB line took 2.6 GB and 52 s as one segment).
pub(crate) const MAX_SEGMENT_BYTES: usize = 1 << 20;

/// Cuts the segments of `d` longer than [`MAX_SEGMENT_BYTES`] (documents of posts excepted:
/// a post is one segment, and none is near that long).
pub(crate) fn split_long(d: &mut ParsedDocument) {
    split_segments(d, MAX_SEGMENT_BYTES);
}

fn split_segments(d: &mut ParsedDocument, max: usize) {
    if !d.posts.is_empty() || d.segments.iter().all(|s| s.byte_end - s.byte_start <= max) {
        return;
    }
    let text = &d.text;
    let mut out = Vec::with_capacity(d.segments.len() + 1);
    for s in d.segments.drain(..) {
        let mut start = s.byte_start;
        while s.byte_end - start > max {
            let mut limit = start + max;
            while !text.is_char_boundary(limit) {
                limit -= 1;
            }
            // The last space in the second half of the piece, else a cut between characters.
            let (end, next) = match text[start..limit]
                .char_indices()
                .rev()
                .take_while(|(i, _)| *i > max / 2)
                .find(|(_, c)| c.is_whitespace())
            {
                Some((i, c)) => (start + i, start + i + c.len_utf8()),
                None => (limit, limit),
            };
            out.push(ParsedSegment {
                byte_start: start,
                byte_end: end,
                ..s.clone()
            });
            start = next;
        }
        out.push(ParsedSegment {
            byte_start: start,
            ..s
        });
    }
    d.segments = out;
}

/// Items travel to the consumer in batches: one channel message per few hundred documents
/// keeps thread wake-ups off the hot path when documents are small (posts, meeting turns).
pub(crate) struct Out {
    tx: SyncSender<Vec<Item>>,
    buf: Vec<Item>,
    bytes: usize,
}

impl Out {
    const ITEMS: usize = 512;
    const BYTES: usize = 4 << 20;

    /// Queues one item; `Err` when the consumer has gone away.
    pub(crate) fn send(&mut self, mut item: Item) -> Result<(), ()> {
        if let Ok(d) = &mut item {
            split_long(d);
        }
        self.bytes += item.as_ref().map_or(0, |d| d.text.len());
        self.buf.push(item);
        if self.buf.len() >= Self::ITEMS || self.bytes >= Self::BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends what is queued.
    pub(crate) fn flush(&mut self) -> Result<(), ()> {
        self.bytes = 0;
        if self.buf.is_empty() {
            return Ok(());
        }
        self.tx.send(std::mem::take(&mut self.buf)).map_err(|_| ())
    }
}

/// Parses `files` on the rayon pool and returns a channel that yields their documents and
/// errors in file order, in batches. Parsing runs ahead of the consumer by a bounded amount.
pub fn read(files: Vec<PathBuf>, opts: ReadOptions) -> Receiver<Vec<Item>> {
    let (tx, rx) = sync_channel::<Vec<Item>>(8);
    // Like std::thread::spawn (which panics when the system has no thread to give), named.
    std::thread::Builder::new()
        .name("quarry-read".into())
        .spawn(move || {
            let mut out = Out {
                tx,
                buf: Vec::new(),
                bytes: 0,
            };
            let _ = produce(files, &opts, &mut out).and_then(|_| out.flush());
        })
        .expect("the system could not start a thread");
    rx
}

/// [`read`], with the parsing driven from the calling thread and every item handed to `each`
/// (on another thread) in the same order. For the fuzz targets and their replay test: a panic
/// in a parser reaches the caller instead of ending the reading thread quietly.
pub(crate) fn read_each(files: Vec<PathBuf>, opts: &ReadOptions, each: impl FnMut(Item) + Send) {
    let (tx, rx) = sync_channel::<Vec<Item>>(8);
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut each = each;
            for item in rx.into_iter().flatten() {
                each(item);
            }
        });
        let mut out = Out {
            tx,
            buf: Vec::new(),
            bytes: 0,
        };
        let _ = produce(files, opts, &mut out).and_then(|_| out.flush());
    });
}

fn produce(files: Vec<PathBuf>, opts: &ReadOptions, out: &mut Out) -> Result<(), ()> {
    let threads = rayon::current_num_threads().max(1);
    let (streamed, whole): (Vec<_>, Vec<_>) = files
        .into_iter()
        .map(|f| {
            let fmt = detect(&f, opts);
            (f, fmt)
        })
        .enumerate()
        .partition(|(_, (_, fmt))| matches!(fmt, Some(Format::Jsonl | Format::Csv | Format::Json)));
    // Whole files in parallel chunks, in order; streamed files (parallel inside) in their
    // place by path order.
    let stream = |f: &Path, fmt: Format, out: &mut Out| match fmt {
        Format::Jsonl => jsonl::stream(f, out),
        _ => posts::stream(f, fmt, &opts.posts, out),
    };
    let mut streamed = streamed.into_iter().peekable();
    for chunk in whole.chunks(threads * 4) {
        while let Some((_, (f, fmt))) = streamed.next_if(|(i, _)| *i < chunk[0].0) {
            stream(&f, fmt.expect("streamed formats are known"), out)?;
        }
        let parsed: Vec<Item> = chunk
            .par_iter()
            .map(|(_, (f, fmt))| parse_one(f, *fmt))
            .collect();
        for item in parsed {
            out.send(item)?;
        }
    }
    for (_, (f, fmt)) in streamed {
        stream(&f, fmt.expect("streamed formats are known"), out)?;
    }
    Ok(())
}

/// Reads and parses one (non-streamed) file into its document.
fn parse_one(path: &Path, format: Option<Format>) -> Item {
    let format = format.ok_or_else(|| IngestError::file(path, "unsupported format"))?;
    let meta = std::fs::metadata(path)
        .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(IngestError::file(
            path,
            format!(
                "file is {} MB, over the {} MB limit for one transcript",
                meta.len() >> 20,
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
    let (text, segments, format, attributes) = parse_bytes(path, format, &bytes)?;
    if segments.is_empty() {
        return Err(IngestError::file(
            path,
            "holds no text to add (empty file?)",
        ));
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let path_s = abs.to_string_lossy().into_owned();
    Ok(ParsedDocument {
        name: path
            .file_stem()
            .map_or_else(|| "document".into(), |s| s.to_string_lossy().into_owned()),
        key: String::new(),
        path: path_s,
        format,
        hash: decode::hash(&bytes),
        text,
        segments,
        posts: Vec::new(),
        attributes,
    })
}

/// A document from text that did not come from a file of its own (a source in a REFI-QDA
/// project): normalised and split into turns as a `.txt` file would be. `path` says where it
/// came from and `key` identifies it there.
pub(crate) fn parse_text(name: &str, path: &Path, key: &str, text: &str) -> Item {
    let (text, segments, format, attributes) = parse_bytes(path, Format::Text, text.as_bytes())?;
    if segments.is_empty() {
        return Err(IngestError::file(path, format!("{name}: holds no text")));
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut d = ParsedDocument {
        name: name.to_string(),
        key: key.to_string(),
        path: abs.to_string_lossy().into_owned(),
        format,
        hash: decode::hash(text.as_bytes()),
        text,
        segments,
        posts: Vec::new(),
        attributes,
    };
    split_long(&mut d);
    Ok(d)
}

/// What [`parse_bytes`] makes of a file: stored text, segments, the format it was read as,
/// and the attributes the file gives itself (an Otter.ai header's).
pub(crate) type Parsed = (String, Vec<ParsedSegment>, Format, Vec<(String, String)>);

/// Parses a file's bytes as `format` into stored text and segments.
pub(crate) fn parse_bytes(
    path: &Path,
    format: Format,
    bytes: &[u8],
) -> Result<Parsed, IngestError> {
    let err = |m: String| IngestError::file(path, m);
    match format {
        Format::Docx | Format::Odt => {
            let blocks = if format == Format::Docx {
                office::docx_blocks(bytes)
            } else {
                office::odt_blocks(bytes)
            }
            .map_err(|e| err(e.to_string()))?;
            let text = decode::normalize(&render_blocks(&blocks));
            let (segs, attrs) = transcript::parse_with_header(&text);
            Ok((text, segs, format, attrs))
        }
        _ => {
            let (text, _) = decode::decode(bytes).map_err(err)?;
            // Content beats extension: a .txt that is really WebVTT or SubRip.
            let format = match format {
                Format::Text if text.trim_start().starts_with("WEBVTT") => Format::Vtt,
                Format::Text if looks_like_srt(&text) => Format::Srt,
                f => f,
            };
            match format {
                Format::Vtt | Format::Srt => {
                    let cues = if format == Format::Vtt {
                        subtitles::parse_vtt(&text)
                    } else {
                        subtitles::parse_srt(&text)
                    }
                    .map_err(|e| {
                        let msg = e.to_string();
                        let prefix = format!("line {}: ", e.line());
                        let msg = msg.strip_prefix(&prefix).unwrap_or(&msg).to_string();
                        IngestError::at(path, e.line(), msg)
                    })?;
                    let (text, segs) = render_cues(&cues);
                    Ok((text, segs, format, Vec::new()))
                }
                _ => {
                    let (segs, attrs) = transcript::parse_with_header(&text);
                    Ok((text, segs, format, attrs))
                }
            }
        }
    }
}

fn looks_like_srt(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    let second = lines.next().unwrap_or("");
    first.trim().parse::<u64>().is_ok() && second.contains("-->")
}

/// Word/ODT blocks as transcript text: paragraphs apart by a blank line; table rows of
/// `Speaker | Text` (or `Time | Speaker | Text`) written as `Speaker: Text` lines.
fn render_blocks(blocks: &[office::Block]) -> String {
    let mut out = String::new();
    for (i, b) in blocks.iter().enumerate() {
        let piece = match b {
            office::Block::Para(p) => p.trim().to_string(),
            office::Block::Row(cells) => {
                let cells: Vec<&str> = cells
                    .iter()
                    .map(|c| c.trim())
                    .filter(|c| !c.is_empty())
                    .collect();
                let is_header = |c: &[&str]| {
                    c.len() >= 2
                        && matches!(
                            c[c.len() - 2].to_lowercase().as_str(),
                            "speaker" | "name" | "who"
                        )
                        && matches!(
                            c[c.len() - 1].to_lowercase().as_str(),
                            "text" | "transcript" | "utterance" | "dialogue" | "content"
                        )
                };
                if i < 3 && is_header(&cells) {
                    continue;
                }
                match cells.as_slice() {
                    [speaker, text] if speaker.chars().count() <= 60 && !speaker.contains('\n') => {
                        format!("{speaker}: {text}")
                    }
                    [ts, speaker, text]
                        if transcript::parse_ts(ts.trim_matches(['[', ']'])).is_some() =>
                    {
                        format!("[{}] {speaker}: {text}", ts.trim_matches(['[', ']']))
                    }
                    _ => cells.join("\n"),
                }
            }
        };
        if piece.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&piece);
    }
    out.push('\n');
    out
}

/// Caption cues as transcript text: consecutive cues of one speaker merged into one turn,
/// written `Speaker: text` (paragraph per turn), with offsets and times kept.
fn render_cues(cues: &[subtitles::Cue]) -> (String, Vec<ParsedSegment>) {
    let mut text = String::new();
    let mut segs: Vec<ParsedSegment> = Vec::new();
    let mut prev_speaker: Option<&str> = None;
    for cue in cues {
        let body = cue.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if body.is_empty() {
            continue;
        }
        let same =
            !segs.is_empty() && cue.speaker.is_some() && cue.speaker.as_deref() == prev_speaker;
        if same {
            let last = segs.last_mut().expect("not empty");
            text.push(' ');
            text.push_str(&body);
            last.byte_end = text.len();
            last.end_ms = cue.end_ms.or(last.end_ms);
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        if let Some(s) = &cue.speaker {
            text.push_str(s);
            text.push_str(": ");
        }
        let start = text.len();
        text.push_str(&body);
        segs.push(ParsedSegment {
            speaker: cue.speaker.clone(),
            label_role: cue.speaker.as_deref().and_then(transcript::label_role),
            start_ms: cue.start_ms,
            end_ms: cue.end_ms,
            line: cue.line,
            byte_start: start,
            byte_end: text.len(),
        });
        prev_speaker = cue.speaker.as_deref();
    }
    if !text.is_empty() {
        text.push('\n');
    }
    // Cue text was already normalised with the file; joining adds nothing to renormalise.
    (text, segs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> ParsedDocument {
        ParsedDocument {
            name: "d".into(),
            path: "d.txt".into(),
            key: String::new(),
            format: Format::Text,
            hash: 0,
            text: text.into(),
            segments: vec![
                ParsedSegment {
                    speaker: Some("P1".into()),
                    label_role: None,
                    start_ms: Some(5),
                    end_ms: None,
                    line: 3,
                    byte_start: 4,
                    byte_end: text.len(),
                },
                ParsedSegment {
                    speaker: None,
                    label_role: None,
                    start_ms: None,
                    end_ms: None,
                    line: 1,
                    byte_start: 0,
                    byte_end: 3,
                },
            ],
            posts: Vec::new(),
            attributes: Vec::new(),
        }
    }

    #[test]
    fn long_segments_are_cut_at_spaces_within_the_limit() {
        let body = "café naïve 日本語 words ".repeat(40);
        let text = format!("P1: {body}");
        let mut d = doc(&text);
        split_segments(&mut d, 64);
        let long: Vec<&ParsedSegment> = d.segments.iter().filter(|s| s.line == 3).collect();
        assert!(long.len() > 10, "{}", long.len());
        let mut joined = String::new();
        let mut at = 4;
        for (i, s) in long.iter().enumerate() {
            assert!(s.byte_end - s.byte_start <= 64);
            assert!(s.byte_start >= at, "in order, not overlapping");
            // Only the space a cut was made at is left out.
            assert!(text[at..s.byte_start].chars().all(char::is_whitespace));
            assert_eq!(s.speaker.as_deref(), Some("P1"));
            assert_eq!(s.start_ms, Some(5));
            let piece = &text[s.byte_start..s.byte_end];
            // Cuts are made at spaces (the last piece ends where the turn did).
            assert!(i == long.len() - 1 || !piece.ends_with(' '), "{piece:?}");
            joined.push_str(piece);
            joined.push(' ');
            at = s.byte_end;
        }
        assert_eq!(
            joined.split_whitespace().collect::<Vec<_>>(),
            body.split_whitespace().collect::<Vec<_>>()
        );
        // The short segment is untouched, and its place in the order kept.
        assert_eq!(d.segments.last().unwrap().byte_end, 3);
    }

    #[test]
    fn a_piece_without_spaces_is_cut_between_characters() {
        let text = format!("P1: {}", "é".repeat(100));
        let mut d = doc(&text);
        split_segments(&mut d, 33);
        for s in d.segments.iter().filter(|s| s.line == 3) {
            assert!(text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end));
            assert!(s.byte_end - s.byte_start <= 33 && s.byte_end > s.byte_start);
        }
        let covered: usize = d
            .segments
            .iter()
            .filter(|s| s.line == 3)
            .map(|s| s.byte_end - s.byte_start)
            .sum();
        assert_eq!(covered, 200);
    }
}
