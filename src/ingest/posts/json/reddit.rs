//! Reddit comments and submissions into posts: fullnames, permalinks, threads and the title
//! with the self text.

use super::fields::{attr, pick, set_time};
use super::record::RedditKind;
use super::typed::{Entity, Rec};
use super::NO_TEXT;
use crate::ingest::posts::{Platform, Post};

/// A Reddit comment or submission (`kind` from the `t1`/`t3` wrapper, or from the fields).
pub(super) fn reddit(r: &Rec, kind: RedditKind) -> Result<Post, String> {
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
