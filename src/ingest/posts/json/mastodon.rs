//! Mastodon statuses into posts: HTML content to text, boosts, content warnings, tags and
//! mentions.

use super::fields::{attr, first_string, pick, set_time};
use super::typed::{Entity, Rec};
use super::NO_TEXT;
use crate::ingest::posts::{html_to_text, Platform, Post};

/// A Mastodon status (a boost takes the boosted status's text).
pub(super) fn mastodon(s: &Rec) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::Mastodon,
        id: first_string(&[&s.id]).unwrap_or_default(),
        author: s.account.get().and_then(Entity::handle),
        url: s.url.string(),
        lang: s.language.string(),
        likes: s.favourites_count.count(),
        reposts: s.reblogs_count.count(),
        reply_to: s.in_reply_to_id.string(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &s.created_at);
    if let Some(n) = s.replies_count.count() {
        attr(&mut p, "replies_count", n.to_string());
    }
    let mut body = s;
    if let Some(orig) = s.reblog.get() {
        p.is_repost = true;
        p.repost_of = orig.id.string();
        if let Some(h) = orig.account.get().and_then(Entity::handle) {
            attr(
                &mut p,
                "boosted_author",
                format!("@{}", h.trim_start_matches('@')),
            );
        }
        if p.url.is_none() {
            p.url = orig.url.string();
        }
        body = orig;
    }
    if p.url.is_none() {
        p.url = s.uri.string();
    }
    let html = pick(&[("content", &body.content), ("text", &body.text)])?.ok_or(NO_TEXT)?;
    let text = html_to_text(html);
    p.text = match body
        .spoiler_text
        .str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(warning) => format!("{warning}\n\n{text}"),
        None => text,
    };
    p.hashtags = body.tags.0.iter().filter_map(Entity::tag).collect();
    p.mentions = body.mentions.0.iter().filter_map(Entity::handle).collect();
    Ok(p)
}
