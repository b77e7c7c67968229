//! Social-media posts: exports (CSV/TSV, delimited lines, JSON/JSONL of X, Mastodon, Reddit)
//! into [`Post`]s, grouped by thread into documents.
//!
//! The format readers (`csv.rs`, `json.rs`) turn records into raw [`Post`]s; [`finish`] gives
//! every post the same treatment whatever its format (entities decoded, text normalised,
//! hashtags, mentions and links found, repost prefix recognised, author written the platform's
//! way); [`group`] then gathers a file's posts into thread documents and file documents.

pub(crate) mod csv;
pub(crate) mod json;
mod text;

pub(crate) use text::{decode_entities, html_to_text, iso_utc, parse_time};

use std::fmt;

/// Where a post was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Platform {
    /// X / Twitter.
    X,
    /// Mastodon (or another ActivityPub server with Mastodon's API).
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
}

/// Readers hand posts over in batches; the sink answers `Err(())` when the consumer has gone
/// away, and the reader then stops.
pub(crate) type Sink<'a> = dyn FnMut(Vec<Result<Post, crate::error::IngestError>>) -> Result<(), ()> + 'a;

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
            Some(match p.platform {
                Platform::X | Platform::Mastodon => format!("@{a}"),
                Platform::Reddit => format!("u/{a}"),
                Platform::Other => a.to_string(),
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
        p.url = Some(match &p.author {
            Some(a) => format!("https://x.com/{}/status/{}", &a[1..], p.id),
            None => format!("https://x.com/i/web/status/{}", p.id),
        });
    }
    true
}

fn is_handle(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 50
        && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(p.text, "RT @drsmith: Feedback & #MedEd\ntips https://t.co/x");
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
