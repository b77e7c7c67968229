//! CSV / TSV post exports and headerless delimited lines into raw [`Post`]s.
//!
//! Reads spreadsheets and tool exports with a header row (rtweet, Kaggle sets, academic tools),
//! and lines like `id|created_at|text` without one (`--columns`, or the UCI health-news layout,
//! found by [`looks_like_id_date_text`]). Columns are matched by name once per file; each record
//! becomes one post or one error naming its line. The file is streamed: a batch of raw records is
//! read while the previous one is turned into posts on rayon's threads, so memory stays bounded
//! by the batch size. Text is decoded per field (per line without a header): UTF-8, otherwise
//! Windows-1252. Never panics on bad input and never calls `finish` (the caller does).

use super::{parse_time, Platform, Post, PostOptions, Sink};
use crate::error::IngestError;
use csv::ByteRecord;
use rayon::prelude::*;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Cursor, Read};
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

/// Delimiters tried on the header line, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

// Column names for each part of a post, in order of preference, matched ignoring case, `_`,
// `-`, `.` and spaces.
const TEXT: &str = "text full_text tweet content body message post selftext";
const ID: &str = "id_str status_id tweet_id id post_id";
const AUTHOR: &str = "screen_name username user_screen_name user_name author user name handle";
const CREATED: &str = "created_at date timestamp created time datetime created_utc";
const LANG: &str = "lang language";
const REPOST_FLAG: &str = "is_retweet retweeted is_repost";
const REPLY_FLAG: &str = "is_reply";
const QUOTE_FLAG: &str = "is_quote is_quote_status";
const REPLY_TO: &str =
    "reply_to_status_id in_reply_to_status_id in_reply_to_status_id_str reply_to";
const THREAD: &str = "conversation_id link_id thread_id";
const REPOST_OF: &str = "retweet_status_id retweeted_status_id";
const QUOTE_OF: &str = "quoted_status_id";
const LIKES: &str = "favorite_count favorites like_count likes score";
const REPOSTS: &str = "retweet_count retweets repost_count reblogs_count";
const HASHTAGS: &str = "hashtags entities_hashtags";
const MENTIONS: &str = "mentions mentions_screen_name";
const LINKS: &str = "urls urls_expanded_url links";
const URL: &str = "status_url url";
/// Any of these in the header says the file came from X / Twitter, or from Reddit.
const X_HINTS: &str = "screen_name status_id is_retweet retweet_count retweets favorite_count \
    full_text tweet_id is_quote_status";
const REDDIT_HINTS: &str = "subreddit selftext created_utc";

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

// ---------------------------------------------------------------------------------------------
// The head of the file: what it is and how to read it.

/// The length of a UTF-8 BOM to skip, or why the file cannot be read as delimited text.
fn check_head(head: &[u8]) -> Result<usize, String> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("this file is UTF-16; save it as UTF-8 (or CSV UTF-8) and add it again".into());
    }
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let body = &head[bom..];
    if (body.len() as u64) < HEAD_BYTES && body.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    if body.contains(&0) {
        return Err("this looks like a binary file (it holds NUL bytes), not CSV or text".into());
    }
    Ok(bom)
}

/// What the head says about the file's lines.
struct Lines {
    /// A lone byte 0x85 ends lines (see [`bare_nel_ends_lines`]).
    bare_nel: bool,
    /// The first non-blank line (the header, in a CSV file).
    first: Vec<u8>,
}

/// Whether a lone byte 0x85 (NEL in Latin-1 and Windows-1252 files) ends lines. In most
/// Windows-1252 text it is an ellipsis `…`, so it is a line end only in a file that has no CR
/// or LF in its head at all. (NEL written as UTF-8, C2 85, always ends a line.)
fn bare_nel_ends_lines(body: &[u8]) -> bool {
    !body.iter().any(|&b| b == b'\n' || b == b'\r')
        && body.windows(2).any(|w| w[1] == 0x85 && w[0] < 0x80)
}

/// The first line holding something other than white space (up to the head's end).
fn first_line(body: &[u8], bare_nel: bool) -> &[u8] {
    let line = body
        .split(|&b| b == b'\n' || b == b'\r')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    let nel = (1..line.len()).find(|&i| line[i] == 0x85 && (line[i - 1] == 0xC2 || bare_nel));
    match nel {
        Some(i) if line[i - 1] == 0xC2 => &line[..i - 1],
        Some(i) => &line[..i],
        None => line,
    }
}

/// The delimiter among `,` `;` tab `|` that splits the header line into the most columns
/// (quoted text does not count); `,` when none does.
fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = DELIMITERS.iter().position(|&d| d == b) {
                counts[k] += 1;
            }
        }
    }
    let mut best = 0;
    for k in 1..counts.len() {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    DELIMITERS[best]
}

/// UTF-8 as is, anything else as Windows-1252.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Columns: where each part of a post is, found once per file.

/// What an id in a repost-of column says about the post.
#[derive(Clone, Copy)]
enum Shares {
    Repost,
    Quote,
}

/// Which column holds what, resolved from the header (or `--columns`) once per file.
struct Layout {
    /// Column names as written (the keys of `attrs`).
    names: Vec<String>,
    platform: Platform,
    text: usize,
    id: Option<usize>,
    author: Option<usize>,
    created: Option<usize>,
    lang: Option<usize>,
    /// `status_url` (taken as is) or `url` (taken only when it links to the post).
    url: Option<(usize, bool)>,
    repost_flag: Option<usize>,
    reply_flag: Option<usize>,
    quote_flag: Option<usize>,
    reply_to: Option<usize>,
    thread: Option<usize>,
    /// Columns naming a shared post; the first with a value wins, row by row.
    shared: Vec<(usize, Shares)>,
    likes: Option<usize>,
    reposts: Option<usize>,
    hashtags: Option<usize>,
    mentions: Option<usize>,
    links: Option<usize>,
    /// Every other column, kept in `attrs` (a checked `url` too, when it is not the post's).
    attrs: Vec<usize>,
}

/// Header names lowercased, without `_`, `-`, `.` and spaces: `Full Text` and `full_text`
/// are the same column.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Hands out columns by name, each at most once.
struct Picker {
    norm: Vec<String>,
    taken: Vec<bool>,
}

impl Picker {
    fn pick(&mut self, candidates: &str) -> Option<usize> {
        candidates.split_whitespace().find_map(|c| {
            let c = normalize(c);
            let i = (0..self.norm.len()).find(|&i| !self.taken[i] && self.norm[i] == c)?;
            self.taken[i] = true;
            Some(i)
        })
    }
    fn has(&self, candidates: &str) -> bool {
        candidates
            .split_whitespace()
            .any(|c| self.norm.contains(&normalize(c)))
    }
}

impl Layout {
    /// Finds the columns in `names`; a column named by an option must exist, and so must a
    /// text column.
    fn new(mut names: Vec<String>, opts: &PostOptions, path: &Path) -> Result<Layout, IngestError> {
        let listed = || {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut p = Picker {
            norm: names.iter().map(|n| normalize(n)).collect(),
            taken: vec![false; names.len()],
        };
        // An unnamed first column holds row numbers (R, pandas).
        if names.first().is_some_and(|n| n.is_empty()) {
            p.taken[0] = true;
        }
        let chosen = |flag: &str, name: &Option<String>, auto: &str, p: &mut Picker| {
            let Some(name) = name else {
                return Ok(p.pick(auto));
            };
            let exact = names.iter().position(|n| n == name.trim());
            match exact.or_else(|| p.norm.iter().position(|n| *n == normalize(name))) {
                Some(i) => {
                    p.taken[i] = true;
                    Ok(Some(i))
                }
                None => Err(IngestError::file(
                    path,
                    format!(
                        "{flag} `{name}` is not a column of this file; its columns are: {}",
                        listed()
                    ),
                )),
            }
        };
        let text = chosen("--text-col", &opts.text_col, TEXT, &mut p)?;
        let id = chosen("--id-col", &opts.id_col, ID, &mut p)?;
        let author = chosen("--author-col", &opts.author_col, AUTHOR, &mut p)?;
        let created = chosen("--time-col", &opts.time_col, CREATED, &mut p)?;
        let Some(text) = text else {
            return Err(IngestError::file(
                path,
                format!(
                    "no text column found (looked for {}); the columns are: {}; name the text \
                     column with --text-col",
                    TEXT.replace(' ', ", "),
                    listed()
                ),
            ));
        };
        let platform = opts.platform.unwrap_or(if p.has(X_HINTS) {
            Platform::X
        } else if p.has(REDDIT_HINTS) {
            Platform::Reddit
        } else {
            Platform::Other
        });
        let url = p.pick(URL).map(|i| (i, p.norm[i] == "url"));
        let mut shared = Vec::new();
        while let Some(i) = p.pick(REPOST_OF) {
            shared.push((i, Shares::Repost));
        }
        if let Some(i) = p.pick(QUOTE_OF) {
            shared.push((i, Shares::Quote));
        }
        let mut layout = Layout {
            platform,
            text,
            id,
            author,
            created,
            url,
            shared,
            lang: p.pick(LANG),
            repost_flag: p.pick(REPOST_FLAG),
            reply_flag: p.pick(REPLY_FLAG),
            quote_flag: p.pick(QUOTE_FLAG),
            reply_to: p.pick(REPLY_TO),
            thread: p.pick(THREAD),
            likes: p.pick(LIKES),
            reposts: p.pick(REPOSTS),
            hashtags: p.pick(HASHTAGS),
            mentions: p.pick(MENTIONS),
            links: p.pick(LINKS),
            // A `url` that is not the post's own stays an attribute.
            attrs: (0..names.len())
                .filter(|&i| !p.taken[i] || url == Some((i, true)))
                .collect(),
            names: Vec::new(),
        };
        for (i, n) in names.iter_mut().enumerate() {
            if n.is_empty() {
                *n = format!("column {}", i + 1);
            }
        }
        layout.names = names;
        Ok(layout)
    }

    /// The post in one record's fields (already decoded).
    fn build<S: AsRef<str>>(&self, fields: &[S], line: usize) -> Post {
        let field = |i: usize| {
            let v = fields.get(i)?.as_ref().trim();
            (!is_missing(v)).then_some(v)
        };
        let opt = |i: Option<usize>| i.and_then(field);
        let owned = |i: Option<usize>| opt(i).map(str::to_owned);
        let mut p = Post {
            platform: self.platform,
            line,
            text: fields
                .get(self.text)
                .map_or_else(String::new, |s| s.as_ref().to_owned()),
            id: opt(self.id).unwrap_or_default().to_owned(),
            author: owned(self.author),
            lang: owned(self.lang),
            is_repost: opt(self.repost_flag).is_some_and(flag),
            is_reply: opt(self.reply_flag).is_some_and(flag),
            is_quote: opt(self.quote_flag).is_some_and(flag),
            reply_to: owned(self.reply_to),
            thread: owned(self.thread),
            likes: opt(self.likes).and_then(count),
            reposts: opt(self.reposts).and_then(count),
            hashtags: opt(self.hashtags).map_or_else(Vec::new, |v| list(v, '#')),
            mentions: opt(self.mentions).map_or_else(Vec::new, |v| list(v, '@')),
            links: opt(self.links).map_or_else(Vec::new, links),
            ..Post::default()
        };
        if let Some(t) = opt(self.created) {
            p.created = parse_time(t);
            if p.created.is_none() {
                p.attrs.push(("created_at".into(), t.to_owned()));
            }
        }
        if let Some((v, kind)) = self.shared.iter().find_map(|&(i, k)| Some((field(i)?, k))) {
            p.repost_of = Some(v.to_owned());
            match kind {
                Shares::Repost => p.is_repost = true,
                Shares::Quote => p.is_quote = true,
            }
        }
        let mut url_col = None;
        if let Some((i, check)) = self.url {
            if let Some(v) = field(i).filter(|v| !check || links_to_post(v, &p.id)) {
                p.url = Some(v.to_owned());
                url_col = Some(i);
            }
        }
        for &i in &self.attrs {
            if Some(i) == url_col {
                continue;
            }
            if let Some(v) = field(i) {
                p.attrs.push((self.names[i].clone(), v.to_owned()));
            }
        }
        // Fields beyond the header: kept under their position rather than lost.
        for i in self.names.len()..fields.len() {
            if let Some(v) = field(i) {
                p.attrs.push((format!("column {}", i + 1), v.to_owned()));
            }
        }
        p
    }
}

// ---------------------------------------------------------------------------------------------
// Values.

/// Empty, or a spreadsheet's or R's / pandas' word for "no value".
fn is_missing(v: &str) -> bool {
    matches!(
        v,
        "" | "NA" | "N/A" | "NaN" | "nan" | "null" | "NULL" | "None" | "none"
    )
}

/// `True`, `TRUE`, `true`, `T`, `yes`, `1` are true; anything else is false.
fn flag(v: &str) -> bool {
    ["true", "t", "yes", "y", "1"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

/// A count as exports write it: `12`, `1,234`, `3.0`. Anything else is no count.
fn count(v: &str) -> Option<u64> {
    if let Ok(n) = v.parse() {
        return Some(n);
    }
    let plain: String = v
        .chars()
        .filter(|&c| c != ',' && c != '_' && c != ' ')
        .collect();
    if let Ok(n) = plain.parse() {
        return Some(n);
    }
    let f: f64 = plain.parse().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
}

/// The items of a list column: `['MedEd', 'HPE']` (Python), `c("MedEd", "HPE")` (R),
/// `MedEd HPE`, `MedEd,HPE`, `#MedEd #HPE`. `sigil` (`#`, `@`) is dropped from each item.
fn list(v: &str, sigil: char) -> Vec<String> {
    items(v, true)
        .into_iter()
        .map(|s| s.trim().trim_start_matches(sigil).trim())
        .filter(|s| !is_missing(s))
        .map(str::to_owned)
        .collect()
}

/// Links in a list column: as [`list`], but a comma splits only where a new link starts.
fn links(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items(v, false) {
        let mut pieces = item.split(',').map(str::trim);
        let Some(first) = pieces.next() else {
            continue;
        };
        let mut link = first.to_owned();
        for piece in pieces {
            if piece.starts_with("http") || piece.starts_with("www.") {
                out.push(std::mem::replace(&mut link, piece.to_owned()));
            } else {
                link.push(',');
                link.push_str(piece);
            }
        }
        out.push(link);
    }
    out.retain(|l| !is_missing(l));
    out
}

/// The raw items of a list value: the quoted strings when it has quotes, else the words
/// (split at commas and semicolons too when `commas`).
fn items(v: &str, commas: bool) -> Vec<&str> {
    let v = v.trim();
    let inner = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .or_else(|| v.strip_prefix("c(").and_then(|s| s.strip_suffix(')')))
        .unwrap_or(v);
    if !inner.contains(['\'', '"']) {
        return inner
            .split(|c: char| c.is_whitespace() || (commas && (c == ',' || c == ';')))
            .filter(|s| !s.is_empty())
            .collect();
    }
    let mut out = Vec::new();
    let mut rest = inner;
    while let Some(i) = rest.find(['\'', '"']) {
        let quote = if rest.as_bytes()[i] == b'"' {
            '"'
        } else {
            '\''
        };
        let body = &rest[i + 1..];
        match body.find(quote) {
            Some(j) => {
                out.push(&body[..j]);
                rest = &body[j + 1..];
            }
            None => {
                out.push(body);
                break;
            }
        }
    }
    out
}

/// Whether a `url` value is the post's own address rather than, say, the author's homepage.
fn links_to_post(url: &str, id: &str) -> bool {
    url.contains("/status/") || (id.len() >= 5 && url.contains(id))
}

// ---------------------------------------------------------------------------------------------
// The pipeline shared by both modes.

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

// ---------------------------------------------------------------------------------------------
// CSV and TSV with a header row.

fn read_csv<R: Read + Send>(
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

// ---------------------------------------------------------------------------------------------
// Headerless delimited lines.

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

fn read_lines<R: Read + Send>(
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
    /// A lone byte 0x85 ends lines (see [`bare_nel_ends_lines`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    type Out = Vec<Result<Post, IngestError>>;

    /// Reads `bytes` as a file called `name` (`.tsv` says TSV) and returns what the sink got.
    fn run(name: &str, bytes: &[u8], opts: &PostOptions) -> Out {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        run_path(&path, opts)
    }

    fn run_path(path: &Path, opts: &PostOptions) -> Out {
        let tsv = path.extension().is_some_and(|e| e == "tsv");
        let mut out = Vec::new();
        let mut sink = |batch: Out| {
            out.extend(batch);
            Ok(())
        };
        read(path, opts, tsv, &mut sink).unwrap();
        out
    }

    /// The posts, failing on any error.
    fn posts(out: Out) -> Vec<Post> {
        out.into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("unexpected error: {e}")))
            .collect()
    }

    /// `(line, message)` of each error, and `(line, text)` of each post, in order.
    fn outline(out: &Out) -> Vec<(Option<usize>, String)> {
        out.iter()
            .map(|r| match r {
                Ok(p) => (Some(p.line), p.text.clone()),
                Err(e) => (e.line, format!("ERR {}", e.message)),
            })
            .collect()
    }

    fn attr<'a>(p: &'a Post, name: &str) -> Option<&'a str> {
        p.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn file_error(out: &Out) -> String {
        assert_eq!(out.len(), 1, "{:?}", outline(out));
        let e = out[0].as_ref().unwrap_err();
        assert_eq!(e.line, None);
        e.message.clone()
    }

    fn no_opts() -> PostOptions {
        PostOptions::default()
    }

    #[test]
    fn rtweet_header_with_unnamed_first_column_and_multiline_text() {
        let csv = "\"\",\"created_at\",\"id\",\"full_text\",\"retweet_count\",\"favorite_count\",\"lang\",\"name\",\"screen_name\",\"url\",\"location\"\n\
            \"1\",\"2023-04-03 02:50:24\",\"1642570185889439744\",\"Gold!\n\n#Judo https://t.co/x\",\"41\",\"281\",\"en\",\"Judo\",\"Judo\",\"https://t.co/AdAU\",\"Worldwide\"\n\
            \"2\",\"2023-04-02 22:49:13\",\"1642509490355355648\",\"Of \"\"COURSE\"\"\",\"36\",\"NA\",\"en\",\"Judo\",\"Judo\",\"https://x.com/Judo/status/1642509490355355648\",NA\n";
        let ps = posts(run("judo.csv", csv.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 2);
        let (a, b) = (&ps[0], &ps[1]);
        assert_eq!(a.platform, Platform::X);
        assert_eq!((a.line, b.line), (2, 5));
        assert_eq!(a.id, "1642570185889439744");
        assert_eq!(a.text, "Gold!\n\n#Judo https://t.co/x");
        assert_eq!(a.author.as_deref(), Some("Judo"));
        assert_eq!(a.created, parse_time("2023-04-03T02:50:24Z"));
        assert_eq!((a.reposts, a.likes), (Some(41), Some(281)));
        assert_eq!(a.lang.as_deref(), Some("en"));
        // The author's homepage is not the post's address; the row number is not kept.
        assert_eq!(a.url, None);
        assert_eq!(
            a.attrs,
            [
                ("name", "Judo"),
                ("url", "https://t.co/AdAU"),
                ("location", "Worldwide")
            ]
            .map(|(n, v)| (n.to_string(), v.to_string()))
        );
        assert_eq!(b.text, "Of \"COURSE\"");
        assert_eq!(b.likes, None);
        assert_eq!(
            b.url.as_deref(),
            Some("https://x.com/Judo/status/1642509490355355648")
        );
        assert_eq!(attr(b, "location"), None);
    }

    #[test]
    fn kaggle_columns_with_python_list_hashtags_and_is_retweet() {
        let csv = "id,user_name,user_location,user_verified,date,text,hashtags,source,retweets,favorites,is_retweet\n\
            1340539111971516416,Rachel Roh,\"La Crescenta-Montrose, CA\",False,2020-12-20 06:06:44,Same folks #PfizerBioNTech,['PfizerBioNTech'],Twitter for Android,0,0,False\n\
            1337858199140118533,eli,,False,2020-12-12 20:33:45,\"#coronavirus #SputnikV\nRussian vaccine\",\"['coronavirus', 'SputnikV']\",Twitter Web App,\"1,234\",2.0,True\n";
        let ps = posts(run("vaccination.csv", csv.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].platform, Platform::X);
        assert_eq!(ps[0].author.as_deref(), Some("Rachel Roh"));
        assert_eq!(ps[0].hashtags, ["PfizerBioNTech"]);
        assert!(!ps[0].is_repost);
        assert_eq!(
            attr(&ps[0], "user_location"),
            Some("La Crescenta-Montrose, CA")
        );
        assert_eq!(attr(&ps[0], "user_verified"), Some("False"));
        assert_eq!(attr(&ps[0], "source"), Some("Twitter for Android"));
        assert_eq!(ps[1].hashtags, ["coronavirus", "SputnikV"]);
        assert!(ps[1].is_repost);
        assert_eq!((ps[1].reposts, ps[1].likes), (Some(1234), Some(2)));
        assert_eq!(ps[1].created, parse_time("2020-12-12T20:33:45Z"));
        assert_eq!(ps[1].line, 3);
    }

    #[test]
    fn tsv_and_semicolons() {
        let tsv = "tweet_id\tusername\ttweet\tlikes\n1\tann\thello, world; hi\t3\n";
        let ps = posts(run("export.tsv", tsv.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 1);
        assert_eq!(
            (ps[0].id.as_str(), ps[0].text.as_str()),
            ("1", "hello, world; hi")
        );
        assert_eq!(ps[0].likes, Some(3));
        assert_eq!(ps[0].platform, Platform::X);
        // A tab-separated file without the extension is found by sniffing too.
        assert_eq!(
            posts(run("export.txt", tsv.as_bytes(), &no_opts())).len(),
            1
        );

        let semi = "Post ID;Author;Message;Date;Language\r\n7;bob;Feedback, please;2021-03-04;de\r\n8;cy;\"two; parts\";bad date;\r\n";
        let ps = posts(run("spreadsheet.csv", semi.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].platform, Platform::Other);
        assert_eq!(
            (ps[0].id.as_str(), ps[0].author.as_deref()),
            ("7", Some("bob"))
        );
        assert_eq!(ps[0].text, "Feedback, please");
        assert_eq!(ps[0].lang.as_deref(), Some("de"));
        assert_eq!(ps[0].created, parse_time("2021-03-04"));
        // A time that does not parse is kept, not an error.
        assert_eq!((ps[1].line, ps[1].text.as_str()), (3, "two; parts"));
        assert_eq!(ps[1].created, None);
        assert_eq!(attr(&ps[1], "created_at"), Some("bad date"));
    }

    #[test]
    fn reddit_columns() {
        let csv = "id,author,subreddit,title,selftext,score,created_utc,link_id,url\n\
            abc12,u/teach_doc,medicine,Q,Is this normal?,-3,1609459200,t3_abc12,https://reddit.com/r/medicine/comments/abc12/q\n";
        let ps = posts(run("reddit.csv", csv.as_bytes(), &no_opts()));
        assert_eq!(ps[0].platform, Platform::Reddit);
        assert_eq!(ps[0].text, "Is this normal?");
        assert_eq!(ps[0].likes, None);
        assert_eq!(ps[0].created, Some(1_609_459_200));
        assert_eq!(ps[0].thread.as_deref(), Some("t3_abc12"));
        assert!(ps[0].url.as_deref().is_some_and(|u| u.contains("abc12")));
        assert_eq!(attr(&ps[0], "title"), Some("Q"));
    }

    #[test]
    fn overrides_and_unknown_override_columns() {
        let csv = "who,said,when,ref,note\nann,hello there,2021-01-02,r1,x\n";
        let opts = PostOptions {
            text_col: Some("Said".into()),
            id_col: Some("ref".into()),
            author_col: Some("who".into()),
            time_col: Some("when".into()),
            platform: Some(Platform::Mastodon),
            ..PostOptions::default()
        };
        let ps = posts(run("o.csv", csv.as_bytes(), &opts));
        assert_eq!(ps[0].text, "hello there");
        assert_eq!(
            (ps[0].id.as_str(), ps[0].author.as_deref()),
            ("r1", Some("ann"))
        );
        assert_eq!(ps[0].created, parse_time("2021-01-02"));
        assert_eq!(ps[0].platform, Platform::Mastodon);
        assert_eq!(ps[0].attrs, [("note".to_string(), "x".to_string())]);

        let opts = PostOptions {
            author_col: Some("speaker".into()),
            ..PostOptions::default()
        };
        let msg = file_error(&run("o.csv", b"text,who\nhi,ann\n", &opts));
        assert!(msg.contains("--author-col `speaker`"), "{msg}");
        assert!(msg.contains("`text`, `who`"), "{msg}");

        let msg = file_error(&run("o.csv", csv.as_bytes(), &no_opts()));
        assert!(
            msg.contains("no text column") && msg.contains("--text-col"),
            "{msg}"
        );
        assert!(
            msg.contains("`who`, `said`, `when`, `ref`, `note`"),
            "{msg}"
        );
    }

    #[test]
    fn headerless_lines_keep_delimiters_in_the_text() {
        let lines = "1|Fri Dec 26 23:13:35 +0000 2014|a | b | c\n\n2|Sat Dec 27 01:00:00 +0000 2014|plain\n3|no date\n";
        let opts = PostOptions {
            delimiter: Some(b'|'),
            columns: Some(vec!["id".into(), "created_at".into(), "text".into()]),
            ..PostOptions::default()
        };
        let out = run("h.txt", lines.as_bytes(), &opts);
        assert_eq!(
            outline(&out),
            [
                (Some(1), "a | b | c".into()),
                (Some(3), "plain".into()),
                (Some(4), "ERR this line has 2 field(s) separated by `|`, expected 3 (id, created_at, text)".into()),
            ]
        );
        let p = out[0].as_ref().unwrap();
        assert_eq!(p.platform, Platform::X);
        assert_eq!(p.created, parse_time("2014-12-26T23:13:35Z"));
        // Found without options too, from the first line.
        assert_eq!(
            outline(&run("h.txt", lines.as_bytes(), &no_opts())),
            outline(&out)
        );

        // The text in the middle: columns before it from the left, after it from the right.
        let opts = PostOptions {
            delimiter: Some(b';'),
            columns: Some(vec![
                "id".into(),
                "body".into(),
                "user".into(),
                "likes".into(),
            ]),
            ..PostOptions::default()
        };
        let ps = posts(run("m.txt", b"9;x; y;z;ann;5\n", &opts));
        assert_eq!(ps[0].text, "x; y;z");
        assert_eq!(
            (ps[0].author.as_deref(), ps[0].likes),
            (Some("ann"), Some(5))
        );
        assert_eq!(ps[0].platform, Platform::Other);
    }

    #[test]
    fn mixed_utf8_and_windows_1252() {
        let mut lines =
            b"1|Fri Dec 26 23:13:35 +0000 2014|caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d\r\n".to_vec();
        lines.extend(b"2|Fri Dec 26 23:13:35 +0000 2014|caf\xe9 \x93quoted\x94 and more\x85\r\n");
        let texts: Vec<_> = posts(run("mixed.txt", &lines, &no_opts()))
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(texts, ["café “ok”", "café “quoted” and more…"]);

        let csv = b"id,text,place\n1,caf\xe9,M\xfcnchen\n2,caf\xc3\xa9,Z\xc3\xbcrich\n";
        let ps = posts(run("mixed.csv", csv, &no_opts()));
        assert_eq!(
            (ps[0].text.as_str(), attr(&ps[0], "place")),
            ("café", Some("München"))
        );
        assert_eq!(
            (ps[1].text.as_str(), attr(&ps[1], "place")),
            ("café", Some("Zürich"))
        );
    }

    #[test]
    fn nel_and_cr_line_ends() {
        let opts = PostOptions {
            delimiter: Some(b'|'),
            columns: Some(vec!["id".into(), "text".into()]),
            ..PostOptions::default()
        };
        // UTF-8 NEL, lone CR, CRLF and LF in one file.
        let bytes = "1|one\u{85}2|two\r3|three\r\n\r\n4|four\n5|fünf".as_bytes();
        let out = run("ends.txt", bytes, &opts);
        let want = [
            (1, "one"),
            (2, "two"),
            (3, "three"),
            (5, "four"),
            (6, "fünf"),
        ];
        assert_eq!(outline(&out), want.map(|(l, t)| (Some(l), t.to_string())));
        // A Latin-1 / Windows-1252 file ended by NEL bytes.
        let out = run("nel.txt", b"1|caf\xe9\x852|two\x85\x853|three\x85", &opts);
        let want = [(1, "café"), (2, "two"), (4, "three")];
        assert_eq!(outline(&out), want.map(|(l, t)| (Some(l), t.to_string())));
        // In a CRLF file, a 0x85 byte is Windows-1252's ellipsis.
        let out = run("ell.txt", b"1|wait\x85 what\r\n2|x\r\n", &opts);
        assert_eq!(outline(&out)[0], (Some(1), "wait… what".to_string()));
    }

    #[test]
    fn line_numbers_after_multiline_records_blank_lines_and_crlf() {
        let csv = "id,text\r\n1,\"a\r\nb\r\nc\"\r\n\r\n\r\n2,d\r\n3,\"e\n\nf\"\n4,g\n\n5,h";
        let out = run("lines.csv", csv.as_bytes(), &no_opts());
        let lines: Vec<_> = out.iter().map(|r| r.as_ref().unwrap().line).collect();
        assert_eq!(lines, [2, 7, 8, 11, 13]);
    }

    #[test]
    fn bad_records_are_reported_with_their_line_and_the_rest_goes_on() {
        let csv = "id,name,text\n1,ann,first\n2,bob\n3,cy,\"third\nline\"\n,,\n4,,\n5,dee,fifth\n";
        let out = run("bad.csv", csv.as_bytes(), &no_opts());
        assert_eq!(
            outline(&out),
            [
                (Some(2), "first".into()),
                (Some(3), "ERR this record has 2 field(s), but the text is in column 3 (`text`) of the header".into()),
                (Some(4), "third\nline".into()),
                (Some(7), String::new()),
                (Some(8), "fifth".into()),
            ]
        );
        // The record with an empty text still arrives (the caller skips it), without an id.
        let p = out[3].as_ref().unwrap();
        assert_eq!((p.id.as_str(), p.author.as_ref()), ("4", None));
        let p = posts(run("noid.csv", b"id,text\n,hi\n", &no_opts()));
        assert_eq!(p[0].id, "");
    }

    #[test]
    fn unterminated_quote_at_the_end() {
        let out = run(
            "open.csv",
            b"id,text\n1,ok\n2,\"never closed\n3,more\n",
            &no_opts(),
        );
        assert_eq!(
            outline(&out),
            [
                (Some(2), "ok".into()),
                (Some(3), "ERR a quoted field in this record is never closed: the file ends inside quotes".into()),
            ]
        );
        // Quotes that do close are fine, and a quote inside an unquoted field is read as it
        // stands; a quoted field with an inner quote not doubled loses it, and a note names
        // its line (issue 15: it was passed on without a word).
        let out = run(
            "ok.csv",
            b"id,text\n1,\"a \"\"b\"\"\"\n2,5\" screen\n3,\"a \"b\" c\",x\n",
            &no_opts(),
        );
        let notes: Vec<usize> = out
            .iter()
            .filter_map(|r| r.as_ref().err())
            .inspect(|e| assert!(e.note && e.message.contains("quote out of place"), "{e}"))
            .filter_map(|e| e.line)
            .collect();
        assert_eq!(notes, [4]);
        let ps = posts(out.into_iter().filter(|r| r.is_ok()).collect());
        assert_eq!(
            (ps[0].text.as_str(), ps[1].text.as_str()),
            ("a \"b\"", "5\" screen")
        );
    }

    #[test]
    fn overlong_records_are_refused_without_holding_the_file() {
        // A quote opened early never closes: the reader stops instead of keeping the rest.
        let mut csv = String::from("id,text\n1,ok\n2,\"open\n");
        while csv.len() < 3 * MAX_RECORD_BYTES {
            csv.push_str("3,more text\n");
        }
        let out = run("long.csv", csv.as_bytes(), &no_opts());
        assert_eq!(out.len(), 2);
        assert_eq!(outline(&out)[0], (Some(2), "ok".into()));
        let e = out[1].as_ref().unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("never closed"), "{}", e.message);

        // A line over the limit is left out, and the lines after it are read.
        let opts = PostOptions {
            delimiter: Some(b'|'),
            columns: Some(vec!["id".into(), "text".into()]),
            ..PostOptions::default()
        };
        let x = |n| "x".repeat(n);
        let long = format!(
            "1|a\n2|{}\r\n3|b\n4|{}\r5|c",
            x(MAX_RECORD_BYTES + 1),
            x(3 << 20)
        );
        let out = run("long.txt", long.as_bytes(), &opts);
        let too_long = "ERR this line is longer than 1 MB; it was left out";
        assert_eq!(
            outline(&out),
            [
                (Some(1), "a".into()),
                (Some(2), too_long.into()),
                (Some(3), "b".into()),
                (Some(4), too_long.into()),
                (Some(5), "c".into()),
            ]
        );
    }

    #[test]
    fn file_errors() {
        assert_eq!(
            file_error(&run("e.csv", b"", &no_opts())),
            "the file is empty"
        );
        assert_eq!(
            file_error(&run("e.csv", b"\xef\xbb\xbf \r\n\n", &no_opts())),
            "the file is empty"
        );
        let msg = file_error(&run(
            "b.csv",
            b"PK\x03\x04\x00\x00\x01\x02garbage,\xff\xfe",
            &no_opts(),
        ));
        assert!(msg.contains("binary"), "{msg}");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("id,text\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(file_error(&run("u.csv", &utf16, &no_opts())).contains("UTF-16"));
        let dir = tempfile::tempdir().unwrap();
        let msg = file_error(&run_path(&dir.path().join("missing.csv"), &no_opts()));
        assert!(msg.starts_with("cannot read"), "{msg}");
        // A BOM before the header is not part of the first column's name.
        let ps = posts(run("bom.csv", b"\xef\xbb\xbfid,text\n1,hi\n", &no_opts()));
        assert_eq!((ps[0].id.as_str(), ps[0].text.as_str()), ("1", "hi"));
    }

    #[test]
    fn many_records_keep_their_order_across_batches() {
        let mut csv = String::from("id,text\n");
        for i in 0..(3 * BATCH_RECORDS + 7) {
            if i % 1000 == 0 {
                csv.push_str(&format!("{i},\"multi\nline {i}\"\n"));
            } else {
                csv.push_str(&format!("{i},text {i}\n"));
            }
        }
        let ps = posts(run("many.csv", csv.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 3 * BATCH_RECORDS + 7);
        let mut line = 2;
        for (i, p) in ps.iter().enumerate() {
            assert_eq!((p.id.as_str(), p.line), (i.to_string().as_str(), line));
            line += if i % 1000 == 0 { 2 } else { 1 };
        }

        let mut lines = String::new();
        for i in 0..300_000 {
            lines.push_str(&format!(
                "{i}|Fri Dec 26 23:13:35 +0000 2014|text {i} | with a bar\r\n"
            ));
        }
        let ps = posts(run("many.txt", lines.as_bytes(), &no_opts()));
        assert_eq!(ps.len(), 300_000);
        assert!(ps
            .iter()
            .enumerate()
            .all(|(i, p)| p.line == i + 1 && p.id == i.to_string()));
    }

    #[test]
    fn a_sink_that_hangs_up_stops_the_reader() {
        let mut csv = String::from("id,text\n");
        for i in 0..(5 * BATCH_RECORDS) {
            csv.push_str(&format!("{i},t\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stop.csv");
        std::fs::write(&path, csv).unwrap();
        let mut calls = 0;
        let mut sink = |_: Out| {
            calls += 1;
            Err(())
        };
        assert_eq!(read(&path, &no_opts(), false, &mut sink), Err(()));
        assert_eq!(calls, 1);
        let mut calls = 0;
        let mut sink = |_: Out| {
            calls += 1;
            Err(())
        };
        assert_eq!(
            read(&dir.path().join("gone.csv"), &no_opts(), false, &mut sink),
            Err(())
        );
        assert_eq!(calls, 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any bytes give posts and errors, never a panic, and every line named is in the file.
        #[test]
        fn never_panics(
            bytes in proptest::collection::vec(proptest::sample::select(vec![
                b'a', b'1', b' ', b',', b';', b'|', b'\t', b'"', b'\n', b'\r', 0x85, 0xC2, 0xE9, 0,
            ]), 0..400),
            headerless in proptest::bool::ANY,
        ) {
            let header = b"id,text,hashtags\n".iter().chain(&bytes).copied().collect::<Vec<_>>();
            let opts = PostOptions {
                columns: headerless.then(|| vec!["id".into(), "text".into(), "likes".into()]),
                ..PostOptions::default()
            };
            let lines = bytes.len() + 2;
            for (file, opts) in [(&bytes, &opts), (&header, &no_opts())] {
                for r in run("any.csv", file, opts) {
                    let line = match r {
                        Ok(p) => Some(p.line),
                        Err(e) => e.line,
                    };
                    proptest::prop_assert!(line.is_none_or(|l| (1..=lines).contains(&l)));
                }
            }
        }
    }

    #[test]
    fn id_date_text_lines_are_recognised() {
        assert!(looks_like_id_date_text(
            "585978391360221184|Thu Apr 09 01:31:50 +0000 2015|Breast cancer risk test devised\r"
        ));
        assert!(looks_like_id_date_text(
            "\u{feff}1|Thu Apr 09 01:31:50 -0500 2015|"
        ));
        assert!(!looks_like_id_date_text(
            "585978391360221184|Thu Apr 09 01:31:50 +0000 2015"
        ));
        assert!(!looks_like_id_date_text(
            "x1|Thu Apr 09 01:31:50 +0000 2015|t"
        ));
        assert!(!looks_like_id_date_text("1|2015-04-09 01:31:50|t"));
        assert!(!looks_like_id_date_text(
            "1|Thu Abc 09 01:31:50 +0000 2015|t"
        ));
        assert!(!looks_like_id_date_text("id|created_at|text"));
    }

    #[test]
    fn values() {
        let tags = |v| list(v, '#');
        for v in [
            "['MedEd', 'HPE']",
            "MedEd HPE",
            "MedEd,HPE",
            "#MedEd #HPE",
            "c(\"MedEd\", \"HPE\")",
            "[\"MedEd\",\"HPE\"]",
        ] {
            assert_eq!(tags(v), ["MedEd", "HPE"], "{v}");
        }
        assert!(tags("NA").is_empty() && tags("[]").is_empty() && tags("").is_empty());
        assert_eq!(list("['@ann', 'bob']", '@'), ["ann", "bob"]);
        assert_eq!(
            links("https://a.org/x,y https://b.org"),
            ["https://a.org/x,y", "https://b.org"]
        );
        assert_eq!(
            links("['https://a.org', 't.co/x']"),
            ["https://a.org", "t.co/x"]
        );
        assert_eq!(
            links("https://a.org,https://b.org"),
            ["https://a.org", "https://b.org"]
        );
        assert!(links("NA").is_empty() && links("").is_empty());
        assert_eq!(
            links("['https://a.org', 'https://b.org']"),
            ["https://a.org", "https://b.org"]
        );
        for t in ["True", "TRUE", "true", "1", "yes", "T"] {
            assert!(flag(t), "{t}");
        }
        for f in ["False", "FALSE", "false", "0", "no", "F", "NA"] {
            assert!(!flag(f), "{f}");
        }
        assert_eq!(count("12"), Some(12));
        assert_eq!(count("1,234"), Some(1234));
        assert_eq!(count("1.0"), Some(1));
        for bad in ["-1", "1.5", "many", "NaN", "inf"] {
            assert_eq!(count(bad), None, "{bad}");
        }
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\""), b';');
        assert_eq!(sniff_delimiter(b"a|b\tc|d"), b'|');
        assert_eq!(sniff_delimiter(b"text"), b',');
        assert_eq!(normalize("Full Text"), normalize("full_text"));
    }

    // ---- The real exports under ../shared/data (read in place, never copied).

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

    /// The file, or `None` (with a note) when it is not on this machine.
    fn real(rel: &str) -> Option<std::path::PathBuf> {
        let p = Path::new(DATA).join(rel);
        if p.exists() {
            Some(p)
        } else {
            crate::test_skipped(&format!("{} is not here", p.display()));
            None
        }
    }

    /// Non-blank lines, counted independently of the reader: LF, CR, CRLF and UTF-8 NEL end
    /// lines.
    fn count_lines(bytes: &[u8]) -> usize {
        let text = String::from_utf8_lossy(bytes);
        text.split(['\n', '\r', '\u{85}'])
            .filter(|l| !l.trim().is_empty())
            .count()
    }

    #[test]
    fn real_uci_health_news_lines() {
        let Some(dir) = real("tweets_health_news_uci") else {
            return;
        };
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        let (mut total_lines, mut total_posts, mut total_errors) = (0, 0, 0);
        for f in &files {
            let lines = count_lines(&std::fs::read(f).unwrap());
            let out = run_path(f, &no_opts());
            let errors: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
            let posts: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
            eprintln!(
                "{}: {lines} lines, {} posts, {} errors",
                f.file_name().unwrap().to_string_lossy(),
                posts.len(),
                errors.len()
            );
            for e in errors.iter().take(3) {
                eprintln!("  {e}");
            }
            assert_eq!(posts.len() + errors.len(), lines, "{}", f.display());
            assert!(posts.len() * 100 >= lines * 99, "{}", f.display());
            for p in &posts {
                assert!(
                    !p.id.is_empty() && p.id.bytes().all(|b| b.is_ascii_digit()),
                    "{p:?}"
                );
                assert!(p.created.is_some(), "{p:?}");
                assert_eq!(p.platform, Platform::X);
            }
            total_lines += lines;
            total_posts += posts.len();
            total_errors += errors.len();
        }
        eprintln!(
            "{} files: {total_lines} lines, {total_posts} posts, {total_errors} errors",
            files.len()
        );
        if files.len() == 8 {
            assert_eq!(total_lines, 32_207);
            assert_eq!(total_posts + total_errors, 32_207);
        }
    }

    #[test]
    fn real_kaggle_pfizer_csv() {
        let Some(path) = real("tweets_covid_vaccine_pfizer/vaccination_tweets_part.csv") else {
            return;
        };
        let mut rdr = ::csv::Reader::from_path(&path).unwrap();
        let hashtags = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "hashtags")
            .unwrap();
        let records: Vec<_> = rdr.records().map(Result::unwrap).collect();
        let ps = posts(run_path(&path, &no_opts()));
        eprintln!(
            "vaccination_tweets_part.csv: {} records, {} posts",
            records.len(),
            ps.len()
        );
        assert_eq!(ps.len(), records.len());
        assert!(ps
            .iter()
            .all(|p| !p.id.is_empty() && p.id.bytes().all(|b| b.is_ascii_digit())));
        assert!(ps
            .iter()
            .all(|p| p.platform == Platform::X && p.created.is_some()));
        let first = &records[0][hashtags];
        let want: Vec<String> = first
            .trim_matches(['[', ']'])
            .split(',')
            .map(|t| t.trim().trim_matches('\'').to_string())
            .collect();
        assert_eq!(ps[0].hashtags, want, "{first}");
        // Texts with line breaks inside quotes, as in the source records.
        let multiline = records.iter().filter(|r| r[10].contains('\n')).count();
        assert_eq!(
            ps.iter().filter(|p| p.text.contains('\n')).count(),
            multiline
        );
        // `is_retweet` is False throughout this part of the set.
        assert!(ps.iter().all(|p| !p.is_repost));
    }

    #[test]
    fn real_rtweet_csv() {
        let Some(path) = real("tweets_archive_and_rtweet_samples/rtweet_judo_tweets_data.csv")
        else {
            return;
        };
        let ps = posts(run_path(&path, &no_opts()));
        eprintln!("rtweet_judo_tweets_data.csv: {} posts", ps.len());
        assert_eq!(ps.len(), 100);
        assert_eq!(ps[0].author.as_deref(), Some("Judo"));
        assert_eq!(ps[0].reposts, Some(41));
        assert_eq!(ps[0].likes, Some(281));
        for p in &ps {
            assert_eq!(p.platform, Platform::X);
            assert!(p.author.is_some() && p.created.is_some(), "{p:?}");
            assert!(p.reposts.is_some() && p.likes.is_some(), "{p:?}");
            assert!(attr(p, "followers_count").is_some_and(|n| n.parse::<u64>().is_ok()));
            assert!(attr(p, "").is_none() && attr(p, "column 1").is_none());
        }
        assert_eq!(attr(&ps[0], "location"), Some("Worldwide"));
        assert!(
            attr(&ps[0], "description").is_some_and(|d| d.starts_with("Official Twitter Account"))
        );
        assert_eq!(attr(&ps[0], "name"), Some("Judo"));
        // Lines: the first record starts on line 2 and spans several lines.
        assert_eq!(ps[0].line, 2);
        assert!(ps[1].line > 3);
    }
}
