//! One record (a JSONL line or an array element) into posts: parsed into the typed [`Rec`],
//! unwrapped (archive entries, result pages, Reddit listings) and told apart by its fields;
//! records of no known shape, and all records under `--text-field`, go to the generic reader.

use super::generic::generic_posts;
use super::mastodon::mastodon;
use super::reddit::reddit;
use super::stream::Ctx;
use super::typed::{Data, Rec, Val, TOO_DEEP};
use super::x::{x_v1, x_v2, Page};
use super::{MAX_NESTING, NO_TEXT};
use crate::error::IngestError;
use crate::ingest::posts::Post;
use serde::de::IgnoredAny;
use serde_json::Value;

impl Ctx<'_> {
    /// Adds the posts in one record to `out`: usually one; a page of results or a listing
    /// gives several.
    pub(super) fn record(
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
pub(super) enum RedditKind {
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
