//! X (Twitter) records into posts: API v1.1 tweets (and the archive's), and API v2 tweets
//! with the users and tweets their page includes.

use super::fields::{attr, first_string, pick, set_time, strip_tags, take_entities};
use super::typed::{Entities, Entity, Includes, Rec};
use super::NO_TEXT;
use crate::ingest::posts::{Platform, Post};
use rustc_hash::FxHashMap;

/// X API v1.1 (and the archive's tweets, which have no `user`).
pub(super) fn x_v1(t: &Rec) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::X,
        id: first_string(&[&t.id_str, &t.id]).unwrap_or_default(),
        lang: t.lang.string(),
        likes: t.favorite_count.count(),
        reposts: t.retweet_count.count(),
        reply_to: first_string(&[&t.in_reply_to_status_id_str, &t.in_reply_to_status_id]),
        is_quote: t.is_quote_status.truthy(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &t.created_at);
    if let Some(u) = t.user.get() {
        p.author = u.handle();
        if let Some(place) = u.location.string() {
            attr(&mut p, "user.location", place);
        }
        if let Some(n) = u.followers_count.count() {
            attr(&mut p, "user.followers_count", n.to_string());
        }
    }
    if let Some(s) = t.source.str() {
        attr(&mut p, "source", strip_tags(s));
    }
    // A retweet's own text is cut at 140 characters: take the original's.
    let mut body = t;
    match t.retweeted_status.get().filter(|rt| has_v1_text(rt)) {
        Some(rt) => {
            p.is_repost = true;
            p.repost_of = first_string(&[&rt.id_str, &rt.id]);
            if let Some(h) = rt.user.get().and_then(Entity::handle) {
                attr(
                    &mut p,
                    "retweeted_author",
                    format!("@{}", h.trim_start_matches('@')),
                );
            }
            body = rt;
        }
        None if p.is_quote => p.repost_of = t.quoted_status_id_str.string(),
        None => {}
    }
    let (text, entities) = v1_text(body)?;
    p.text = text.to_string();
    if !p.is_repost {
        if let Some(h) = rt_author(text) {
            attr(&mut p, "retweeted_author", format!("@{h}"));
        }
    }
    if let Some(e) = entities {
        take_entities(&mut p, e);
    }
    Ok(p)
}

fn has_v1_text(t: &Rec) -> bool {
    !t.full_text.is_null() || !t.text.is_null() || t.extended_tweet.get().is_some()
}

/// A v1.1 tweet's whole text and the entities that go with it.
fn v1_text<'r, 'a>(t: &'r Rec<'a>) -> Result<(&'r str, Option<&'r Entities<'a>>), String> {
    if let Some(ext) = t.extended_tweet.get() {
        if t.truncated.truthy() || (t.full_text.is_null() && t.text.is_null()) {
            if let Some(s) = ext.full_text.str() {
                return Ok((s, ext.entities.get().or(t.entities.get())));
            }
        }
    }
    match pick(&[("full_text", &t.full_text), ("text", &t.text)])? {
        Some(s) => Ok((s, t.entities.get())),
        None => Err(NO_TEXT.into()),
    }
}

/// `name` in a text starting `RT @name: `.
fn rt_author(text: &str) -> Option<&str> {
    let (name, _) = text.strip_prefix("RT @")?.split_once(':')?;
    let ok = !name.is_empty()
        && name.len() <= 50
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(name)
}

/// The users and tweets a page of X API v2 results includes, by id.
#[derive(Default)]
pub(super) struct Page<'r, 'a> {
    users: FxHashMap<String, &'r str>,
    tweets: FxHashMap<String, &'r Rec<'a>>,
}

impl<'r, 'a> Page<'r, 'a> {
    pub(super) fn new(includes: Option<&'r Includes<'a>>) -> Self {
        let mut page = Page::default();
        if let Some(inc) = includes {
            for u in &inc.users.0 {
                if let (Some(id), Some(name)) = (u.id.string(), u.username.str()) {
                    page.users.insert(id, name);
                }
            }
            for t in &inc.tweets.0 {
                if let Some(id) = t.id.string() {
                    page.tweets.insert(id, t);
                }
            }
        }
        page
    }

    /// The handle of a v2 tweet's author: embedded (twarc's flattened `author`), or found
    /// through `author_id` in the page's users.
    fn author(&self, t: &Rec) -> Option<String> {
        t.author.get().and_then(Entity::handle).or_else(|| {
            let id = t.author_id.string()?;
            self.users.get(&id).map(|s| s.to_string())
        })
    }
}

/// X API v2.
pub(super) fn x_v2(t: &Rec, page: &Page) -> Result<Post, String> {
    let mut p = Post {
        platform: Platform::X,
        id: first_string(&[&t.id, &t.id_str]).unwrap_or_default(),
        lang: t.lang.string(),
        thread: t.conversation_id.string(),
        ..Post::default()
    };
    set_time(&mut p, "created_at", &t.created_at);
    p.author = page.author(t);
    if p.author.is_none() {
        if let Some(id) = t.author_id.string() {
            attr(&mut p, "author_id", id);
        }
    }
    if let Some(m) = t.public_metrics.get() {
        p.likes = m.like_count.count();
        p.reposts = m.retweet_count.count();
        for (name, v) in [
            ("reply_count", &m.reply_count),
            ("quote_count", &m.quote_count),
        ] {
            if let Some(n) = v.count() {
                attr(&mut p, name, n.to_string());
            }
        }
    }
    if let Some(id) = t.in_reply_to_user_id.string() {
        attr(&mut p, "in_reply_to_user_id", id);
    }
    if let Some(s) = t.source.str() {
        attr(&mut p, "source", strip_tags(s));
    }
    let mut original = None;
    let mut quoted = None;
    for r in &t.referenced_tweets.0 {
        let Some(id) = r.id.string() else { continue };
        match r.ref_type.str() {
            Some("retweeted") => {
                p.is_repost = true;
                // twarc's flattened output embeds the referenced tweet itself.
                original = page
                    .tweets
                    .get(&id)
                    .copied()
                    .or((!r.text.is_null()).then_some(r));
                p.repost_of = Some(id);
            }
            Some("quoted") => {
                p.is_quote = true;
                quoted = Some(id);
            }
            Some("replied_to") => p.reply_to = Some(id),
            _ => {}
        }
    }
    if !p.is_repost {
        p.repost_of = quoted;
    }
    let body = original.unwrap_or(t);
    if let Some(o) = original {
        if let Some(h) = page.author(o) {
            attr(
                &mut p,
                "retweeted_author",
                format!("@{}", h.trim_start_matches('@')),
            );
        }
    }
    // Long posts: the whole text is in `note_tweet`.
    let note = body.note_tweet.get().filter(|n| n.text.str().is_some());
    let (text, entities) = match note {
        Some(n) => (n.text.str(), n.entities.get().or(body.entities.get())),
        None => (pick(&[("text", &body.text)])?, body.entities.get()),
    };
    p.text = text.ok_or(NO_TEXT)?.to_string();
    if let Some(e) = entities {
        take_entities(&mut p, e);
    }
    Ok(p)
}
