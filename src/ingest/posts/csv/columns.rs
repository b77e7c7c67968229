//! Columns: where each part of a post is, found once per file from the header names (or
//! `--columns`), the column options and the names common exports use.

use super::values::{count, flag, is_missing, links, links_to_post, list};
use crate::error::IngestError;
use crate::ingest::posts::{parse_time, Platform, Post, PostOptions};
use std::path::Path;

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

/// What an id in a repost-of column says about the post.
#[derive(Clone, Copy)]
enum Shares {
    Repost,
    Quote,
}

/// Which column holds what, resolved from the header (or `--columns`) once per file.
pub(super) struct Layout {
    /// Column names as written (the keys of `attrs`).
    pub(super) names: Vec<String>,
    pub(super) platform: Platform,
    pub(super) text: usize,
    id: Option<usize>,
    author: Option<usize>,
    pub(super) created: Option<usize>,
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
pub(super) fn normalize(name: &str) -> String {
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
    pub(super) fn new(
        mut names: Vec<String>,
        opts: &PostOptions,
        path: &Path,
    ) -> Result<Layout, IngestError> {
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
    pub(super) fn build<S: AsRef<str>>(&self, fields: &[S], line: usize) -> Post {
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
