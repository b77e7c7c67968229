//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz) and for the test that replays
//! their inputs: one function per parser of user files and user text, taking arbitrary bytes.
//!
//! Each runs the real parser on the bytes and throws the result away. Errors are expected; a
//! panic, a hang or an unbounded allocation is a bug. Where a parser promises something cheap
//! to check (a segment's byte range slices the text; a selection lies inside its source), it is
//! asserted here. Parsers that read a file are given one in a fresh temporary folder. Hidden
//! from the documentation and not part of quarry's API: it may change at any time.

use crate::ingest::{self, ReadOptions};
use crate::text::analyzer::{Analyzer, AnalyzerConfig, Token};
use crate::text::model::{Format, ParsedDocument, ParsedSegment, Platform, PostMeta};
use crate::text::query::{self, Query, Resolved, Target};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Transcript text (`.txt`): decoding, the VTT/SRT sniffing and the speaker-label rules.
pub fn transcript(data: &[u8]) {
    bytes_as(Format::Text, data);
    let text = String::from_utf8_lossy(data);
    check_segments(&text, &crate::ingest::transcript::parse(&text));
}

/// WebVTT captions.
pub fn vtt(data: &[u8]) {
    bytes_as(Format::Vtt, data);
}

/// SubRip captions.
pub fn srt(data: &[u8]) {
    bytes_as(Format::Srt, data);
}

/// A Word document (the whole `.docx` file).
pub fn docx(data: &[u8]) {
    bytes_as(Format::Docx, data);
}

/// An OpenDocument text (the whole `.odt` file).
pub fn odt(data: &[u8]) {
    bytes_as(Format::Odt, data);
}

/// A `.docx` whose `word/document.xml` is `data` (the zip is made here, so the fuzzer works
/// on the XML instead of on compressed bytes).
pub fn docx_xml(data: &[u8]) {
    bytes_as(Format::Docx, &zip_of(&[("word/document.xml", data)]));
}

/// An `.odt` whose `content.xml` is `data`.
pub fn odt_xml(data: &[u8]) {
    let mimetype = b"application/vnd.oasis.opendocument.text".as_slice();
    bytes_as(
        Format::Odt,
        &zip_of(&[("mimetype", mimetype), ("content.xml", data)]),
    );
}

/// A CSV export of posts.
pub fn posts_csv(data: &[u8]) {
    read_file("posts.csv", data, ReadOptions::default());
}

/// A JSON or JSONL export of posts (X, Mastodon, Reddit, generic).
pub fn posts_json(data: &[u8]) {
    read_file("posts.json", data, ReadOptions::default());
}

/// JSON lines of transcript turns.
pub fn jsonl_turns(data: &[u8]) {
    let opts = ReadOptions {
        format: Some(Format::Jsonl),
        ..Default::default()
    };
    read_file("turns.jsonl", data, opts);
}

/// The X archive's `tweets.js`.
pub fn tweets_js(data: &[u8]) {
    read_file("tweets.js", data, ReadOptions::default());
}

/// Codebook TOML, with everything a loaded codebook is asked afterwards.
pub fn codebook_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cb) = crate::codebook::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    check_codebook(&cb);
}

/// A codebook rule (the query language about words, with `@code` references).
pub fn rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = with_analyzer(|a| query::parse_rule(text, a));
    if let Ok(q) = parsed {
        check_query(q);
    }
}

/// A search query.
pub fn query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = with_analyzer(|a| query::parse(text, a));
    if let Ok(q) = parsed {
        check_query(q);
    }
}

/// A REFI-QDA codebook (`.qdc`): imported as TOML, which must then load.
pub fn qdc(data: &[u8]) {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(toml) = crate::refi::qdc::import(xml, "fuzz", "fuzz.qdc") else {
        return;
    };
    match crate::codebook::parse(&toml, Path::new("fuzz.toml")) {
        Ok(cb) => check_codebook(&cb),
        Err(e) => panic!("an imported codebook does not load: {e}\n{toml}"),
    }
}

/// A REFI-QDA project (the whole `.qdpx` file), read as a project and as a codebook.
pub fn qdpx(data: &[u8]) {
    let dir = temp_dir();
    let path = write(&dir, "project.qdpx", data);
    read_qdpx(&path);
}

/// A `.qdpx` whose `project.qde` is `data` and whose `sources/` hold two small texts.
pub fn qdpx_xml(data: &[u8]) {
    let dir = temp_dir();
    let zip = zip_of(&[
        ("project.qde", data),
        ("sources/a.txt", b"Ann: hello there\r\nBo: yes\n".as_slice()),
        ("sources/b.txt", "caf\u{e9} \u{1F600} na\u{ef}ve".as_bytes()),
    ]);
    let path = write(&dir, "project.qdpx", &zip);
    read_qdpx(&path);
}

/// A review spreadsheet saved as `.xlsx`.
pub fn sheet_xlsx(data: &[u8]) {
    read_sheet("review.xlsx", data);
}

/// A review spreadsheet saved as CSV.
pub fn sheet_csv(data: &[u8]) {
    read_sheet("review.csv", data);
}

/// A fuzz target: arbitrary bytes in, nothing out.
pub type FuzzFn = fn(&[u8]);

/// Every target by name, as `fuzz/fuzz_targets/` and `fuzz/regressions/` name them.
pub const TARGETS: &[(&str, FuzzFn)] = &[
    ("transcript", transcript),
    ("vtt", vtt),
    ("srt", srt),
    ("docx", docx),
    ("odt", odt),
    ("docx_xml", docx_xml),
    ("odt_xml", odt_xml),
    ("posts_csv", posts_csv),
    ("posts_json", posts_json),
    ("jsonl_turns", jsonl_turns),
    ("tweets_js", tweets_js),
    ("codebook_toml", codebook_toml),
    ("rule", rule),
    ("query", query),
    ("qdc", qdc),
    ("qdpx", qdpx),
    ("qdpx_xml", qdpx_xml),
    ("sheet_xlsx", sheet_xlsx),
    ("sheet_csv", sheet_csv),
];

// ---------------------------------------------------------------------------------------------

fn bytes_as(format: Format, data: &[u8]) {
    let path = Path::new("fuzz");
    if let Ok((text, segments, _, _)) = ingest::parse_bytes(path, format, data) {
        check_segments(&text, &segments);
    }
}

fn read_file(name: &str, data: &[u8], opts: ReadOptions) {
    let dir = temp_dir();
    let path = write(&dir, name, data);
    ingest::read_each(vec![path], &opts, |item| {
        if let Ok(doc) = item {
            check_document(&doc);
        }
    });
}

fn read_qdpx(path: &Path) {
    if let Ok(p) = crate::refi::qdpx::read_qdpx(path) {
        for s in &p.sources {
            let chars = s.text.chars().count();
            for sel in &s.selections {
                assert!(
                    sel.start <= sel.end && sel.end <= chars,
                    "selection {}..{} outside a source of {chars} characters",
                    sel.start,
                    sel.end
                );
            }
        }
    }
    if let Ok(xml) = crate::refi::qdc::read_file(path) {
        let _ = crate::refi::qdc::import(&xml, "fuzz", "project.qdpx");
    }
}

fn read_sheet(name: &str, data: &[u8]) {
    let dir = temp_dir();
    let path = write(&dir, name, data);
    if let Ok(sheet) = crate::review::sheet::read(&path) {
        for row in &sheet.rows {
            assert!(
                row.cells.len() >= sheet.header.len(),
                "row {} is shorter than the header",
                row.line
            );
        }
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("quarry-fuzz")
        .tempdir()
        .expect("a temporary folder")
}

fn write(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, data).expect("writing a temporary file");
    path
}

/// A zip archive of `entries`, stored without compression.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// What ingest promises of a document: segments in order, each slicing the text on
/// character boundaries; posts one per segment (or none).
fn check_document(doc: &ParsedDocument) {
    check_segments(&doc.text, &doc.segments);
    assert!(
        doc.posts.is_empty() || doc.posts.len() == doc.segments.len(),
        "{} posts for {} segments",
        doc.posts.len(),
        doc.segments.len()
    );
}

fn check_segments(text: &str, segments: &[ParsedSegment]) {
    let mut prev_end = 0;
    for s in segments {
        assert!(
            s.byte_start <= s.byte_end && s.byte_end <= text.len(),
            "segment {}..{} outside a text of {} bytes",
            s.byte_start,
            s.byte_end,
            text.len()
        );
        assert!(
            text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end),
            "segment {}..{} cuts a character",
            s.byte_start,
            s.byte_end
        );
        assert!(
            s.byte_start >= prev_end,
            "segment {}..{} overlaps the one before (ending at {prev_end})",
            s.byte_start,
            s.byte_end
        );
        prev_end = s.byte_end;
    }
}

fn check_codebook(cb: &crate::codebook::Codebook) {
    let _ = cb.lint();
    let _ = cb.scope_query(Default::default());
    for i in 0..cb.codes.len() {
        let _ = cb.subtree(i);
        let _ = cb.code_search_text(i);
        if let Some(q) = cb.code_query(i) {
            check_query(q);
        }
    }
}

thread_local! {
    static ANALYZER: RefCell<Analyzer> = RefCell::new(
        Analyzer::new(&AnalyzerConfig::default()).expect("the default analyzer"),
    );
    static TOKENS: Vec<Token> = ANALYZER.with_borrow_mut(|a| a.analyze(SENTENCE));
}

/// The segment queries are evaluated on: stems, repeats, an apostrophe, accents, emoji.
const SENTENCE: &str = "I don't trust the tweets about trust, but the nurses' café \
    trusted them: #MedEd 😀 running runs ran, teach teaching taught trust.";

fn with_analyzer<T>(f: impl FnOnce(&mut Analyzer) -> T) -> T {
    ANALYZER.with_borrow_mut(f)
}

/// Evaluates a parsed query on a fixed segment (a post with a speaker), once with its field
/// filters matching nothing and once everything, and asks it what the callers ask.
fn check_query(mut q: Query) {
    let _ = format!("{q:?}");
    let _ = q.needs_check();
    let _ = q.has_words();
    let _ = q.unresolved_ref();
    let _ = crate::codebook::rule_terms(&q);
    let post = PostMeta {
        platform: Platform::X,
        id: "1".into(),
        created: Some(1_700_000_000),
        hashtags: vec!["MedEd".into()],
        is_reply: true,
        ..Default::default()
    };
    TOKENS.with(|tokens| {
        for all in [false, true] {
            q.resolve_fields(&mut |_| Resolved {
                documents: if all { [7].into() } else { Default::default() },
                speakers: Default::default(),
                no_speaker: all,
            });
            let target = Target {
                document: 7,
                speaker: Some("ann"),
                tokens,
                post: Some(&post),
            };
            if let Some(ev) = q.eval(&target) {
                assert!(
                    ev.iter().all(|&i| i < tokens.len()),
                    "evidence outside the segment: {ev:?}"
                );
            }
            let stems = query::stem_index(tokens);
            let _ = q.eval_with(&target, Some(&stems));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays every input kept for a fuzz target: the crashes found (`fuzz/regressions/`)
    /// and the seeds (`fuzz/seeds/`). A panic here is a regression.
    #[test]
    fn replay_fuzz_inputs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut ran = 0;
        for kind in ["regressions", "seeds"] {
            for (name, target) in TARGETS {
                let dir = root.join(kind).join(name);
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
                files.sort();
                for f in files {
                    let data = std::fs::read(&f).unwrap();
                    eprintln!("{}", f.display());
                    target(&data);
                    ran += 1;
                }
            }
        }
        assert!(
            ran >= TARGETS.len(),
            "only {ran} fuzz inputs found under {root:?}"
        );
    }

    #[test]
    fn every_target_survives_nothing_and_noise() {
        for (_, target) in TARGETS {
            target(b"");
            target(b"\xff\xfe\x00\x01PK\x03\x04{[\"");
        }
    }
}
