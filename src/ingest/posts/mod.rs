//! Social-media posts: exports (CSV/TSV, delimited lines, JSON/JSONL of X, Mastodon, Reddit)
//! into [`Post`]s, grouped by thread into documents.
//!
//! The format readers (`csv/`, `json/`) turn records into raw [`Post`]s; [`finish`] gives
//! every post the same treatment whatever its format (entities decoded, text normalised,
//! hashtags, mentions and links found, repost prefix recognised, author written the platform's
//! way); [`group`] then gathers a file's posts into thread documents and file documents.

pub(crate) mod csv;
pub(crate) mod json;
pub(crate) mod text;

pub(crate) use crate::text::time::iso_utc;
pub(crate) use crate::text::time::parse_time;
pub(crate) use text::{decode_entities, html_to_text};

pub use crate::text::model::Platform;

use super::Out;
use crate::error::IngestError;
use crate::text::model::{Format, ParsedDocument, ParsedSegment, PostMeta};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;

/// One post as read from an export. Readers fill what their format holds; [`finish`] does the
/// rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Post {
    /// Where it was published.
    pub platform: Platform,
    /// The platform's id for it (empty when the export has none).
    pub id: String,
    /// Author handle (readers give it as found, with or without `@`).
    pub author: Option<String>,
    /// When it was posted, in seconds since 1970-01-01 UTC.
    pub created: Option<i64>,
    /// Link to the post, where the export has or implies one.
    pub url: Option<String>,
    /// Language code as the export gives it.
    pub lang: Option<String>,
    /// The text (readers may leave HTML entities in; [`finish`] decodes them).
    pub text: String,
    /// Hashtags without `#`, as written.
    pub hashtags: Vec<String>,
    /// Mentioned handles without `@`.
    pub mentions: Vec<String>,
    /// Links (expanded where the export gives the expansion).
    pub links: Vec<String>,
    /// Likes / favourites / upvotes.
    pub likes: Option<u64>,
    /// Reposts / retweets / boosts.
    pub reposts: Option<u64>,
    /// A repost of someone else's post (retweet, boost).
    pub is_repost: bool,
    /// A reply to another post.
    pub is_reply: bool,
    /// Quotes another post.
    pub is_quote: bool,
    /// Id of the reposted (or quoted) post, where known.
    pub repost_of: Option<String>,
    /// Id of the post this replies to.
    pub reply_to: Option<String>,
    /// Thread the platform names (X conversation id, Reddit link id).
    pub thread: Option<String>,
    /// Other fields of the record, as (name, value).
    pub attrs: Vec<(String, String)>,
    /// 1-based line in the source file where the record starts.
    pub line: usize,
}

/// How to read post exports: the `quarry add` options for posts.
#[derive(Debug, Clone, Default)]
pub struct PostOptions {
    /// Column holding the text (overrides detection).
    pub text_col: Option<String>,
    /// Column holding the post id.
    pub id_col: Option<String>,
    /// Column holding the author.
    pub author_col: Option<String>,
    /// Column holding the time.
    pub time_col: Option<String>,
    /// Field delimiter for headerless delimited lines (`|`), or to override CSV/TSV detection.
    pub delimiter: Option<u8>,
    /// Column names for a file without a header row (`id,created_at,text`).
    pub columns: Option<Vec<String>>,
    /// Dotted path of the text in generic JSON/JSONL records (`data.body`).
    pub text_field: Option<String>,
    /// Platform to record when the export does not say.
    pub platform: Option<Platform>,
    /// Author of every post that names none (an account's own export, without an author
    /// column).
    pub author: Option<String>,
}

/// Readers hand posts over in batches; the sink answers `Err(())` when the consumer has gone
/// away, and the reader then stops.
pub(crate) type Sink<'a> =
    dyn FnMut(Vec<Result<Post, crate::error::IngestError>>) -> Result<(), ()> + 'a;

/// Gives a raw post the treatment every format gets. Returns `false` when nothing is left to
/// store (no text at all).
pub(crate) fn finish(p: &mut Post) -> bool {
    let decoded = decode_entities(&p.text);
    p.text = crate::ingest::decode::normalize(decoded.trim());
    if p.text.is_empty() {
        return false;
    }
    if let Some(a) = &p.author {
        let a = a.trim().trim_start_matches('@');
        let a = match p.platform {
            Platform::Reddit => a.trim_start_matches("u/").trim_start_matches("/u/"),
            _ => a,
        };
        p.author = if a.is_empty() {
            None
        } else {
            // A display name ("Rachel Roh", in some exports' user_name) is not a handle.
            let handle = !a.contains(char::is_whitespace);
            Some(match p.platform {
                Platform::X | Platform::Mastodon if handle => format!("@{a}"),
                Platform::Reddit if handle => format!("u/{a}"),
                _ => a.to_string(),
            })
        };
    }
    // "RT @name: ..." is a retweet whatever the export's flags say.
    if !p.is_repost {
        if let Some(rest) = p.text.strip_prefix("RT @") {
            if rest.split_once(':').is_some_and(|(h, _)| is_handle(h)) {
                p.is_repost = true;
            }
        }
    }
    if p.reply_to.is_some() {
        p.is_reply = true;
    }
    text::fill_entities(p);
    if p.url.is_none() && !p.id.is_empty() && p.platform == Platform::X {
        p.url = Some(
            match p.author.as_deref().and_then(|a| a.strip_prefix('@')) {
                Some(h) => format!("https://x.com/{h}/status/{}", p.id),
                None => format!("https://x.com/i/web/status/{}", p.id),
            },
        );
    }
    true
}

/// How many parsed posts are held to find threads before they are written as documents.
/// A thread whose posts lie further apart in the file than this becomes several documents
/// (each post keeps its thread key, so `show` and `thread:` still bring it together).
const WINDOW_BYTES: usize = 16 << 20;
/// ... and at most this many posts (a parsed post takes about 1 KB besides its text).
const WINDOW_POSTS: usize = 50_000;
/// Posts that belong to no thread are written in documents of at most this many.
const LOOSE_POSTS: usize = 5_000;

/// Streams one post export into documents on `out`: thread documents, and file documents
/// for the posts that belong to no thread. `Err` only when the receiver has gone away.
pub(crate) fn stream(
    path: &Path,
    format: Format,
    opts: &PostOptions,
    out: &mut Out,
) -> Result<(), ()> {
    let mut g = Grouper::new(path, format);
    // Posts that name their own author, and those given `opts.author`.
    let (mut own, mut given) = (0usize, 0usize);
    {
        let mut sink = |mut batch: Vec<Result<Post, IngestError>>| -> Result<(), ()> {
            if let Some(a) = &opts.author {
                for p in batch.iter_mut().flatten() {
                    if p.author.as_deref().is_some_and(|x| !x.trim().is_empty()) {
                        own += 1;
                    } else {
                        p.author = Some(a.clone());
                        given += 1;
                    }
                }
            }
            batch.par_iter_mut().with_min_len(256).for_each(|r| {
                if let Ok(p) = r {
                    if !finish(p) {
                        p.text.clear();
                    }
                }
            });
            for r in batch {
                match r {
                    Ok(p) => g.push(p, out)?,
                    Err(e) => out.send(Err(e))?,
                }
            }
            Ok(())
        };
        let tsv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
        match format {
            Format::Csv => csv::read(path, opts, tsv, &mut sink)?,
            _ => json::read(path, opts, &mut sink)?,
        }
    }
    if own > 0 {
        out.send(Err(IngestError::note(
            path,
            format!(
                "{own} post(s) name their author in the file and keep it; --author was given \
                 to the {given} without one"
            ),
        )))?;
    }
    g.finish(out)
}

struct Grouper {
    path: std::path::PathBuf,
    abs: String,
    stem: String,
    format: Format,
    window: Vec<Post>,
    bytes: usize,
    loose_docs: usize,
    empty: usize,
    /// Thread keys (hashed) written so far, and how often.
    threads: HashMap<u64, u32>,
    /// Posts held at most (WINDOW_POSTS; small in tests).
    window_posts: usize,
}

impl Grouper {
    fn new(path: &Path, format: Format) -> Grouper {
        Grouper {
            path: path.to_path_buf(),
            abs: std::path::absolute(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .to_string_lossy()
                .into_owned(),
            stem: path
                .file_name()
                .map_or_else(|| "posts".into(), |s| s.to_string_lossy().into_owned()),
            format,
            window: Vec::new(),
            bytes: 0,
            loose_docs: 0,
            empty: 0,
            threads: HashMap::default(),
            window_posts: WINDOW_POSTS,
        }
    }

    fn push(&mut self, mut p: Post, out: &mut Out) -> Result<(), ()> {
        if p.text.is_empty() {
            self.empty += 1;
            return Ok(());
        }
        if p.id.is_empty() {
            p.id = content_id(&p);
        }
        self.bytes += p.text.len() + 256;
        self.window.push(p);
        if self.bytes >= WINDOW_BYTES || self.window.len() >= self.window_posts {
            self.flush(out)?;
        }
        Ok(())
    }

    fn finish(mut self, out: &mut Out) -> Result<(), ()> {
        self.flush(out)?;
        if self.empty > 0 {
            out.send(Err(IngestError::note(
                &self.path,
                format!(
                    "{} post{} without text (media only, or emptied) left out",
                    self.empty,
                    if self.empty == 1 { "" } else { "s" }
                ),
            )))?;
        }
        Ok(())
    }

    /// Writes the window out: posts of one thread together in time order, the rest in file
    /// order.
    fn flush(&mut self, out: &mut Out) -> Result<(), ()> {
        let posts = std::mem::take(&mut self.window);
        self.bytes = 0;
        if posts.is_empty() {
            return Ok(());
        }
        let keys = thread_keys(&posts);
        let mut groups: Vec<Vec<Post>> = Vec::new();
        let mut group_of: HashMap<&str, usize> = HashMap::default();
        let mut loose: Vec<Post> = Vec::new();
        let mut sizes: HashMap<&str, usize> = HashMap::default();
        for k in &keys {
            *sizes.entry(k.as_str()).or_default() += 1;
        }
        let mut placed: Vec<(Option<usize>, Post)> = Vec::with_capacity(posts.len());
        for (p, k) in posts.into_iter().zip(&keys) {
            if sizes[k.as_str()] >= 2 {
                let next = group_of.len();
                let g = *group_of.entry(k.as_str()).or_insert(next);
                placed.push((Some(g), p));
            } else {
                placed.push((None, p));
            }
        }
        groups.resize_with(group_of.len(), Vec::new);
        let mut group_keys = vec![String::new(); group_of.len()];
        for (k, &g) in &group_of {
            group_keys[g] = k.to_string();
        }
        for (g, mut p) in placed {
            match g {
                Some(g) => {
                    p.thread = Some(group_keys[g].clone());
                    groups[g].push(p);
                }
                None => loose.push(p),
            }
        }
        for (mut posts, key) in groups.into_iter().zip(group_keys) {
            posts.sort_by_key(|p| (p.created.unwrap_or(i64::MAX), p.line));
            // A thread met again in a later window continues in a document of its own.
            let seen = self
                .threads
                .entry(crate::text::model::fnv1a(key.as_bytes()))
                .or_insert(0);
            *seen += 1;
            let name = match *seen {
                1 => format!("{} thread {key}", self.stem),
                n => format!("{} thread {key} part {n}", self.stem),
            };
            out.send(Ok(self.document(name, posts)))?;
        }
        let mut rest = loose.into_iter().peekable();
        while rest.peek().is_some() {
            let chunk: Vec<Post> = rest.by_ref().take(LOOSE_POSTS).collect();
            self.loose_docs += 1;
            let name = if self.loose_docs == 1 {
                self.stem.clone()
            } else {
                format!("{} part {}", self.stem, self.loose_docs)
            };
            out.send(Ok(self.document(name, chunk)))?;
        }
        Ok(())
    }

    /// A document of posts: each written as a header line (author and time) and its text,
    /// a blank line apart; a segment is the text.
    fn document(&self, name: String, posts: Vec<Post>) -> ParsedDocument {
        let mut text = String::new();
        let mut segments = Vec::with_capacity(posts.len());
        let mut metas = Vec::with_capacity(posts.len());
        for p in posts {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(p.author.as_deref().unwrap_or("(unknown author)"));
            if let Some(t) = p.created {
                let iso = iso_utc(t);
                text.push_str(" · ");
                text.push_str(&iso[..10]);
                text.push(' ');
                text.push_str(&iso[11..16]);
            }
            if p.is_repost {
                text.push_str(" · repost");
            }
            text.push('\n');
            let start = text.len();
            let (author, line, body, meta) = split(p);
            text.push_str(&body);
            segments.push(ParsedSegment {
                speaker: author,
                label_role: None,
                start_ms: None,
                end_ms: None,
                line,
                byte_start: start,
                byte_end: text.len(),
            });
            metas.push(meta);
        }
        text.push('\n');
        ParsedDocument {
            key: name.clone(),
            name,
            path: self.abs.clone(),
            format: self.format,
            hash: crate::text::model::fnv1a(text.as_bytes()),
            text,
            segments,
            posts: metas,
            attributes: Vec::new(),
        }
    }
}

/// The id of a post without one: known by its content (author, time, text), so that adding
/// the same export again adds nothing.
pub(crate) fn content_id(p: &Post) -> String {
    let mut h = crate::text::model::fnv1a(p.author.as_deref().unwrap_or("").as_bytes());
    h ^= p.created.unwrap_or(0) as u64;
    h = h.wrapping_mul(0x0100_0000_01b3) ^ crate::text::model::fnv1a(p.text.as_bytes());
    format!("h:{h:016x}")
}

/// A finished post as its author, line, text and the data stored with it. Whether it
/// repeats an earlier post's text is settled when it is stored (`is_duplicate` is false).
pub(crate) fn split(p: Post) -> (Option<String>, usize, String, PostMeta) {
    let meta = PostMeta {
        platform: p.platform,
        id: p.id,
        created: p.created,
        created_at: p.created.map(iso_utc),
        url: p.url,
        lang: p.lang,
        hashtags: p.hashtags,
        mentions: p.mentions,
        links: p.links,
        likes: p.likes,
        reposts: p.reposts,
        is_repost: p.is_repost,
        is_reply: p.is_reply,
        is_quote: p.is_quote,
        is_duplicate: false,
        repost_of: p.repost_of,
        reply_to: p.reply_to,
        thread: p.thread,
        original: None,
        attrs: p.attrs,
    };
    (p.author, p.line, p.text, meta)
}

/// Keeps only the posts of a document of posts for which `keep` says so (all of its text is
/// rewritten so that offsets stay right). Returns how many were dropped.
pub fn retain_posts(doc: &mut ParsedDocument, mut keep: impl FnMut(&PostMeta) -> bool) -> usize {
    let flags: Vec<bool> = doc.posts.iter().map(&mut keep).collect();
    let dropped = flags.iter().filter(|k| !**k).count();
    if dropped == 0 {
        return 0;
    }
    let mut text = String::with_capacity(doc.text.len());
    let mut segments = Vec::with_capacity(doc.segments.len() - dropped);
    let mut posts = Vec::with_capacity(doc.segments.len() - dropped);
    let mut block_start = 0;
    let old_segments = std::mem::take(&mut doc.segments);
    let old_posts = std::mem::take(&mut doc.posts);
    for ((mut s, p), k) in old_segments.into_iter().zip(old_posts).zip(flags) {
        // A post's block runs from after the blank line that ends the one before it.
        let block = &doc.text[block_start..s.byte_end];
        block_start = s.byte_end + 2;
        if !k {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let shift = text.len() + block.len() - (s.byte_end - s.byte_start);
        text.push_str(block);
        s.byte_start = shift;
        s.byte_end = text.len();
        segments.push(s);
        posts.push(p);
    }
    if !text.is_empty() {
        text.push('\n');
    }
    doc.hash = crate::text::model::fnv1a(text.as_bytes());
    doc.text = text;
    doc.segments = segments;
    doc.posts = posts;
    dropped
}

/// Each post's thread key: the thread the platform names; else the root of its reply chain
/// within `posts` (a reply to a post not here takes that post's id, so its siblings join
/// it); else its own id, so that later replies join it.
fn thread_keys(posts: &[Post]) -> Vec<String> {
    let by_id: HashMap<&str, usize> = posts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut keys: Vec<Option<String>> = vec![None; posts.len()];
    for i in 0..posts.len() {
        if keys[i].is_some() {
            continue;
        }
        // Walk up the chain (bounded: a cycle in bad data must not hang).
        let mut chain = vec![i];
        let mut cur = i;
        let key = loop {
            let p = &posts[cur];
            if let Some(t) = &p.thread {
                break t.clone();
            }
            if let Some(k) = &keys[cur] {
                break k.clone();
            }
            match p.reply_to.as_deref() {
                Some(parent) => match by_id.get(parent) {
                    Some(&j) if j != cur && chain.len() < 10_000 && !chain.contains(&j) => {
                        chain.push(j);
                        cur = j;
                    }
                    _ => break parent.to_string(),
                },
                None => break p.id.clone(),
            }
        };
        for c in chain {
            if keys[c].is_none() {
                keys[c] = Some(match &posts[c].thread {
                    Some(t) => t.clone(),
                    None => key.clone(),
                });
            }
        }
    }
    keys.into_iter().map(Option::unwrap_or_default).collect()
}

fn is_handle(h: &str) -> bool {
    !h.is_empty() && h.len() <= 50 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str, thread: Option<&str>, reply_to: Option<&str>, created: i64) -> Post {
        let mut p = Post {
            platform: Platform::X,
            id: id.into(),
            author: Some(format!("user{id}")),
            created: Some(created),
            text: format!("post {id}"),
            thread: thread.map(str::to_string),
            reply_to: reply_to.map(str::to_string),
            line: created as usize,
            ..Post::default()
        };
        assert!(finish(&mut p));
        p
    }

    /// Runs posts through a grouper holding `window` posts at a time; returns the documents.
    fn group(posts: Vec<Post>, window: usize) -> Vec<ParsedDocument> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1000);
        let mut out = Out {
            tx,
            buf: Vec::new(),
            bytes: 0,
        };
        let mut g = Grouper::new(Path::new("export.jsonl"), Format::Json);
        g.window_posts = window;
        for p in posts {
            g.push(p, &mut out).unwrap();
        }
        g.finish(&mut out).unwrap();
        out.flush().unwrap();
        drop(out);
        rx.into_iter().flatten().map(|i| i.unwrap()).collect()
    }

    #[test]
    fn threads_are_grouped_in_time_order_and_the_rest_by_file() {
        // A reply chain given newest first, a reply to a post not in the file, two loose posts.
        let docs = group(
            vec![
                post("3", None, Some("2"), 30),
                post("9", None, None, 5),
                post("2", None, Some("1"), 20),
                post("1", None, None, 10),
                post("7", None, Some("404"), 40),
                post("8", None, Some("404"), 41),
                post("6", None, None, 50),
            ],
            100,
        );
        let summary: Vec<(String, Vec<&str>)> = docs
            .iter()
            .map(|d| {
                (
                    d.name.clone(),
                    d.posts.iter().map(|p| p.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("export.jsonl thread 1".to_string(), vec!["1", "2", "3"]),
                ("export.jsonl thread 404".to_string(), vec!["7", "8"]),
                ("export.jsonl".to_string(), vec!["9", "6"]),
            ]
        );
        // Offsets slice the text; each post has a header line before it.
        for d in &docs {
            for (s, p) in d.segments.iter().zip(&d.posts) {
                assert_eq!(&d.text[s.byte_start..s.byte_end], format!("post {}", p.id));
            }
        }
        assert!(docs[0]
            .text
            .starts_with("@user1 · 1970-01-01 00:00\npost 1\n\n@user2"));
    }

    #[test]
    fn a_thread_met_again_in_a_later_window_continues_in_its_own_document() {
        let posts = (0..6)
            .map(|i| post(&format!("{i}"), Some("c1"), None, i))
            .collect();
        let docs = group(posts, 4);
        let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            ["export.jsonl thread c1", "export.jsonl thread c1 part 2"]
        );
        assert!(docs
            .iter()
            .all(|d| d.posts.iter().all(|p| p.thread.as_deref() == Some("c1"))));
    }

    #[test]
    fn dropping_posts_rewrites_text_and_offsets() {
        let mut docs = group(
            vec![
                post("1", Some("t"), None, 1),
                post("2", Some("t"), None, 2),
                post("3", Some("t"), None, 3),
            ],
            100,
        );
        let mut d = docs.remove(0);
        assert_eq!(retain_posts(&mut d, |p| p.id != "2"), 1);
        let ids: Vec<&str> = d.posts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["1", "3"]);
        for (s, p) in d.segments.iter().zip(&d.posts) {
            assert_eq!(&d.text[s.byte_start..s.byte_end], format!("post {}", p.id));
        }
        assert!(!d.text.contains("post 2"));
        assert_eq!(retain_posts(&mut d, |_| false), 2);
        assert!(d.segments.is_empty() && d.text.is_empty());
    }

    #[test]
    fn finish_normalises_author_text_and_flags() {
        let mut p = Post {
            platform: Platform::X,
            id: "42".into(),
            author: Some("@MedEdNow".into()),
            text: "RT @drsmith: Feedback &amp; #MedEd\r\ntips https://t.co/x".into(),
            ..Post::default()
        };
        assert!(finish(&mut p));
        assert_eq!(p.author.as_deref(), Some("@MedEdNow"));
        assert_eq!(
            p.text,
            "RT @drsmith: Feedback & #MedEd\ntips https://t.co/x"
        );
        assert!(p.is_repost);
        assert_eq!(p.hashtags, ["MedEd"]);
        assert_eq!(p.mentions, ["drsmith"]);
        assert_eq!(p.links, ["https://t.co/x"]);
        assert_eq!(p.url.as_deref(), Some("https://x.com/MedEdNow/status/42"));
    }

    #[test]
    fn finish_refuses_empty_text_and_writes_reddit_authors() {
        let mut p = Post {
            text: "  &#32; ".into(),
            ..Post::default()
        };
        assert!(!finish(&mut p));
        let mut r = Post {
            platform: Platform::Reddit,
            author: Some("u/teach_doc".into()),
            text: "x".into(),
            ..Post::default()
        };
        assert!(finish(&mut r));
        assert_eq!(r.author.as_deref(), Some("u/teach_doc"));
        assert!(r.url.is_none());
    }
}
