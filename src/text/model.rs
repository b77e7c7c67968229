//! The plain data that flows between stages: documents, segments, speakers and roles.
//!
//! Nothing here does IO or knows about SQLite, tantivy or clap. Offsets are into the document's
//! stored text: `byte_start..byte_end` slices it in Rust, `char_start..char_end` counts Unicode
//! code points from 0 (what REFI-QDA and most tools expect).

use serde::Serialize;
use std::fmt;

/// Who a speaker is in an interview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Asks the questions (Interviewer, I, Q, Moderator, Facilitator, or guessed).
    Interviewer,
    /// Answers them.
    Participant,
}

impl Role {
    /// The lowercase name used in queries and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Interviewer => "interviewer",
            Role::Participant => "participant",
        }
    }
    /// Parses `interviewer` / `participant` (case-insensitive).
    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_lowercase().as_str() {
            "interviewer" => Some(Role::Interviewer),
            "participant" => Some(Role::Participant),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a speaker's role came from, in order of authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleSource {
    /// Guessed from the batch (who asks the questions, who appears in most interviews).
    Guess,
    /// Read from the label itself (`Interviewer:`, `P3:`).
    Label,
    /// Set by a person (`--interviewer`, `quarry speakers set`).
    User,
}

impl RoleSource {
    /// Lowercase name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleSource::Guess => "guess",
            RoleSource::Label => "label",
            RoleSource::User => "user",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<RoleSource> {
        match s {
            "guess" => Some(RoleSource::Guess),
            "label" => Some(RoleSource::Label),
            "user" => Some(RoleSource::User),
            _ => None,
        }
    }
}

/// The input formats quarry reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text with speaker labels (or prose).
    Text,
    /// Markdown (labels like `**Name:**`, or prose).
    Markdown,
    /// WebVTT captions (Zoom, Teams).
    Vtt,
    /// SubRip captions.
    Srt,
    /// Word.
    Docx,
    /// OpenDocument text.
    Odt,
    /// JSON lines of turns: `{"doc", "speaker", "text"}`.
    Jsonl,
    /// Posts from a CSV/TSV export or headerless delimited lines.
    Csv,
    /// Posts from a JSON or JSONL export (X, Mastodon, Reddit, generic).
    Json,
}

impl Format {
    /// Lowercase name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Vtt => "vtt",
            Format::Srt => "srt",
            Format::Docx => "docx",
            Format::Odt => "odt",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// One segment as parsed, before it is stored: a speaker turn or a prose paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSegment {
    /// The speaker label as written (`None` for prose).
    pub speaker: Option<String>,
    /// The role the label itself says (`Interviewer:` → interviewer), if any.
    pub label_role: Option<Role>,
    /// Start time in milliseconds, where the source has one.
    pub start_ms: Option<u64>,
    /// End time in milliseconds, where the source has one.
    pub end_ms: Option<u64>,
    /// 1-based line in the source file where the turn starts.
    pub line: usize,
    /// Byte range of the turn's text in the document's stored text.
    pub byte_start: usize,
    /// End of that byte range (exclusive).
    pub byte_end: usize,
}

/// A document as parsed from one file (or one document of a JSONL file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDocument {
    /// Proposed name (the file stem, or the `doc` field).
    pub name: String,
    /// The source path (absolute).
    pub path: String,
    /// What identifies it within its file: empty for a whole file, the document id for one
    /// document of a JSONL file. Unique within a file.
    pub key: String,
    /// What it was read as.
    pub format: Format,
    /// Hash of the source bytes, to notice re-adds and changes.
    pub hash: u64,
    /// The stored text, normalised (no BOM, LF line ends, NFC).
    pub text: String,
    /// Segments in document order; their byte ranges slice `text`.
    pub segments: Vec<ParsedSegment>,
    /// For a document of posts: each segment's post, in the same order (empty otherwise).
    pub posts: Vec<PostMeta>,
    /// Attributes the file itself gives (an Otter.ai header's title, date, keywords and
    /// speakers), stored as document attributes.
    pub attributes: Vec<(String, String)>,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Database id.
    pub id: i64,
    /// Unique name within the project.
    pub name: String,
    /// Source path when added.
    pub path: String,
    /// Format it was read as.
    pub format: Format,
    /// Number of segments.
    pub segments: usize,
    /// Attributes as (key, value) pairs, sorted by key.
    pub attributes: Vec<(String, String)>,
}

/// A stored segment, with its place in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Database id, stable for the life of the document.
    pub id: i64,
    /// The document's id.
    pub document_id: i64,
    /// The document's name.
    pub document: String,
    /// 0-based order within the document.
    pub ord: i64,
    /// Speaker label, if any.
    pub speaker: Option<String>,
    /// The speaker's role, if known.
    pub role: Option<Role>,
    /// Start time in ms.
    pub start_ms: Option<u64>,
    /// End time in ms.
    pub end_ms: Option<u64>,
    /// 1-based source line.
    pub line: usize,
    /// Code point offsets into the stored text.
    pub char_start: usize,
    /// End (exclusive).
    pub char_end: usize,
    /// Byte offsets into the stored text.
    pub byte_start: usize,
    /// End (exclusive).
    pub byte_end: usize,
    /// The segment's text: exactly `document_text[byte_start..byte_end]`.
    pub text: String,
    /// What the project knows of it as a post (None for a transcript turn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<PostMeta>,
}

/// Where a post was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// X / Twitter.
    X,
    /// Mastodon (or another server speaking Mastodon's API).
    Mastodon,
    /// Reddit.
    Reddit,
    /// Not known (a spreadsheet, a generic JSONL).
    #[default]
    Other,
}

impl Platform {
    /// Lowercase name, as stored and as `platform:` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::X => "x",
            Platform::Mastodon => "mastodon",
            Platform::Reddit => "reddit",
            Platform::Other => "other",
        }
    }
    /// Parses a platform name (`x`, `twitter`, `mastodon`, `reddit`, `other`).
    pub fn parse(s: &str) -> Option<Platform> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "x" | "twitter" => Platform::X,
            "mastodon" => Platform::Mastodon,
            "reddit" => Platform::Reddit,
            "other" => Platform::Other,
            _ => return None,
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A post's metadata: what a segment that is a post carries besides its text and author
/// (the segment's speaker).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PostMeta {
    /// Where it was published.
    pub platform: Platform,
    /// The platform's id (for a post without one, quarry makes `h:` + a content hash).
    pub id: String,
    /// When it was posted, seconds since 1970 UTC.
    #[serde(skip)]
    pub created: Option<i64>,
    /// The same time as ISO 8601 UTC (`2014-12-26T23:13:35Z`).
    pub created_at: Option<String>,
    /// Link to the post.
    pub url: Option<String>,
    /// Language code.
    pub lang: Option<String>,
    /// Hashtags without `#`.
    pub hashtags: Vec<String>,
    /// Mentioned handles without `@`.
    pub mentions: Vec<String>,
    /// Links.
    pub links: Vec<String>,
    /// Likes / favourites / upvotes.
    pub likes: Option<u64>,
    /// Reposts / retweets / boosts.
    pub reposts: Option<u64>,
    /// A repost of another post.
    pub is_repost: bool,
    /// A reply.
    pub is_reply: bool,
    /// Quotes another post.
    pub is_quote: bool,
    /// The same text as a post stored earlier (not a repost).
    pub is_duplicate: bool,
    /// Id of the reposted or quoted post, where the export says.
    pub repost_of: Option<String>,
    /// Id of the post it replies to.
    pub reply_to: Option<String>,
    /// Thread key (conversation, reply chain root or Reddit link id).
    pub thread: Option<String>,
    /// Segment id of the earliest stored post with the same text (for reposts and
    /// duplicates), when the project holds it.
    pub original: Option<i64>,
    /// Other fields of the record.
    pub attrs: Vec<(String, String)>,
}

impl PostMeta {
    /// An original post: neither a repost nor a duplicate.
    pub fn is_original(&self) -> bool {
        !self.is_repost && !self.is_duplicate
    }
}

/// A speaker and what the project knows of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Speaker {
    /// Label as written.
    pub name: String,
    /// Role, if known.
    pub role: Option<Role>,
    /// Where the role came from.
    pub role_source: Option<RoleSource>,
    /// Number of turns.
    pub turns: usize,
    /// Number of documents they speak in.
    pub documents: usize,
}

/// Formats milliseconds as `H:MM:SS` (or `M:SS` under an hour).
pub fn format_ms(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// FNV-1a 64-bit hash: stable across builds and platforms, for content hashes and the integer
/// keys of the database's name indexes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The terms of a post's `tags` field: what `hashtag:`, `platform:` and `is:` look up.
pub(crate) fn post_tags(p: &PostMeta) -> Vec<String> {
    let mut tags = vec![
        format!("platform:{}", p.platform.as_str()),
        "is:post".to_string(),
    ];
    for (on, name) in [
        (p.is_original(), "is:original"),
        (p.is_repost, "is:repost"),
        (p.is_reply, "is:reply"),
        (p.is_quote, "is:quote"),
        (p.is_duplicate, "is:duplicate"),
    ] {
        if on {
            tags.push(name.to_string());
        }
    }
    tags.extend(p.hashtags.iter().map(|h| format!("#{}", h.to_lowercase())));
    tags
}
