//! Posts (segments of social media exports): their platform data, the keys that tell a new post
//! from one already stored and a repost or duplicate from its original, and the per-author
//! attributes computed from them.

use super::{sql, Store, R};
use crate::text::model::{fnv1a, ParsedDocument, Platform, PostMeta};
use rusqlite::params;

const REPOST: i64 = 1;

const REPLY: i64 = 2;

const QUOTE: i64 = 4;

const DUPLICATE: i64 = 8;

/// The key a post is known by: its platform and id, hashed.
pub fn post_key(platform: Platform, id: &str) -> u64 {
    let mut h = fnv1a(platform.as_str().as_bytes());
    for &b in [0u8].iter().chain(id.as_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What a post's text is compared on to find reposts and duplicates: the text without a
/// leading `RT @name: `, lowercased.
pub fn text_key(text: &str) -> u64 {
    let body = match text.strip_prefix("RT @").and_then(|r| r.split_once(": ")) {
        Some((handle, rest)) if !handle.contains(char::is_whitespace) => rest,
        _ => text,
    };
    fnv1a(body.trim().to_lowercase().as_bytes())
}

/// The posts a project holds, as hashes in memory: which ids are stored (to add only new
/// posts from an overlapping export) and the first original post of each text (to link
/// reposts and duplicates to it). About 40 bytes a post.
#[derive(Debug, Default)]
pub struct PostIndex {
    keys: rustc_hash::FxHashSet<u64>,
    texts: rustc_hash::FxHashMap<u64, i64>,
}

impl PostIndex {
    /// Whether a post with this key is stored (or was seen earlier in this run); records it.
    pub fn seen(&mut self, key: u64) -> bool {
        !self.keys.insert(key)
    }
}

fn join_list(v: &[String]) -> String {
    v.join(" ")
}

fn split_list(s: String) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(' ').map(str::to_string).collect()
    }
}

const POST_COLS: &str = "p.segment_id, p.platform, p.post_id, p.created, p.url, p.lang, \
     p.hashtags, p.mentions, p.links, p.likes, p.reposts, p.flags, p.repost_of, p.reply_to, \
     p.thread, p.original, p.attrs";

fn post_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, PostMeta)> {
    let flags: i64 = r.get(11)?;
    let created: Option<i64> = r.get(3)?;
    let attrs: Option<String> = r.get(16)?;
    let attrs: Vec<(String, String)> = attrs
        .and_then(|a| serde_json::from_str(&a).ok())
        .unwrap_or_default();
    Ok((
        r.get(0)?,
        PostMeta {
            platform: Platform::parse(&r.get::<_, String>(1)?).unwrap_or_default(),
            id: r.get(2)?,
            created,
            created_at: created.map(crate::text::time::iso_utc),
            url: r.get(4)?,
            lang: r.get(5)?,
            hashtags: split_list(r.get(6)?),
            mentions: split_list(r.get(7)?),
            links: split_list(r.get(8)?),
            likes: r.get::<_, Option<i64>>(9)?.map(|v| v as u64),
            reposts: r.get::<_, Option<i64>>(10)?.map(|v| v as u64),
            is_repost: flags & REPOST != 0,
            is_reply: flags & REPLY != 0,
            is_quote: flags & QUOTE != 0,
            is_duplicate: flags & DUPLICATE != 0,
            repost_of: r.get(12)?,
            reply_to: r.get(13)?,
            thread: r.get(14)?,
            original: r.get(15)?,
            attrs,
        },
    ))
}

impl Store {
    /// Loads what `add` needs to know of the stored posts (nothing to read in a project
    /// without posts).
    pub fn post_index(&self) -> R<PostIndex> {
        let mut idx = PostIndex::default();
        let mut st = self
            .conn
            .prepare("SELECT post_key, text_hash, segment_id, flags, original FROM posts")
            .map_err(sql("reading posts"))?;
        let mut rows = st.query([]).map_err(sql("reading posts"))?;
        while let Some(r) = rows.next().map_err(sql("reading posts"))? {
            let key: i64 = r.get(0).map_err(sql("reading posts"))?;
            let text: i64 = r.get(1).map_err(sql("reading posts"))?;
            let seg: i64 = r.get(2).map_err(sql("reading posts"))?;
            let flags: i64 = r.get(3).map_err(sql("reading posts"))?;
            idx.keys.insert(key as u64);
            if flags & (REPOST | DUPLICATE) == 0 {
                idx.texts.entry(text as u64).or_insert(seg);
            }
        }
        Ok(idx)
    }

    /// The post data of segments `from..=to` (those that are posts), by segment id.
    pub fn posts_between(&self, from: i64, to: i64) -> R<Vec<(i64, PostMeta)>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {POST_COLS} FROM posts p WHERE p.segment_id BETWEEN ?1 AND ?2 ORDER BY p.segment_id"
            ))
            .map_err(sql("reading posts"))?;
        let rows = st
            .query_map([from, to], post_row)
            .map_err(sql("reading posts"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("reading posts"));
        rows
    }

    /// Recomputes the per-author attributes of everyone who has posts: `posts`,
    /// `original_posts`, `reposts`, `original_share` (originals ÷ posts, two decimals),
    /// `first_post` and `last_post` (dates, UTC).
    pub fn refresh_author_attributes(&mut self) -> R<usize> {
        let tx = self
            .conn
            .transaction()
            .map_err(sql("computing author attributes"))?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS author_stats(speaker TEXT PRIMARY KEY, n INTEGER,
                originals INTEGER, reposts INTEGER, first INTEGER, last INTEGER);
             DELETE FROM author_stats;
             INSERT INTO author_stats
               SELECT s.speaker, count(*), sum((p.flags & 9) = 0), sum((p.flags & 1) != 0),
                      min(p.created), max(p.created)
               FROM posts p JOIN segments s ON s.id = p.segment_id
               WHERE s.speaker IS NOT NULL GROUP BY s.speaker;",
        )
        .map_err(sql("computing author attributes"))?;
        let authors: i64 = tx
            .query_row("SELECT count(*) FROM author_stats", [], |r| r.get(0))
            .map_err(sql("computing author attributes"))?;
        for (key, expr) in [
            ("posts", "n"),
            ("original_posts", "originals"),
            ("reposts", "reposts"),
            ("original_share", "printf('%.2f', 1.0 * originals / n)"),
            ("first_post", "date(first, 'unixepoch')"),
            ("last_post", "date(last, 'unixepoch')"),
        ] {
            tx.execute_batch(&format!(
                "INSERT INTO attributes(speaker, key, value)
                   SELECT speaker, '{key}', {expr} FROM author_stats WHERE {expr} IS NOT NULL
                 ON CONFLICT(speaker, key) WHERE speaker IS NOT NULL
                   DO UPDATE SET value = excluded.value;"
            ))
            .map_err(sql("storing author attributes"))?;
        }
        tx.commit().map_err(sql("storing author attributes"))?;
        Ok(authors as usize)
    }
}

/// Stores the post rows of a document whose segments are `first..`, settling on the way
/// which posts are duplicates of an earlier post's text and which original a repost has.
pub(super) fn put_posts(
    st: &mut rusqlite::Statement<'_>,
    doc: &mut ParsedDocument,
    first: i64,
    index: &mut PostIndex,
) -> R<()> {
    let ParsedDocument {
        text,
        segments,
        posts,
        ..
    } = doc;
    for (ord, (s, p)) in segments.iter().zip(posts.iter_mut()).enumerate() {
        let seg_id = first + ord as i64;
        let body = &text[s.byte_start..s.byte_end];
        let h = text_key(body);
        match index.texts.get(&h) {
            Some(&o) => {
                p.original = Some(o);
                p.is_duplicate = !p.is_repost;
            }
            None if !p.is_repost => {
                index.texts.insert(h, seg_id);
            }
            None => {}
        }
        let flags = [
            (p.is_repost, REPOST),
            (p.is_reply, REPLY),
            (p.is_quote, QUOTE),
            (p.is_duplicate, DUPLICATE),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        let attrs =
            (!p.attrs.is_empty()).then(|| serde_json::to_string(&p.attrs).unwrap_or_default());
        st.execute(params![
            seg_id,
            p.platform.as_str(),
            p.id,
            post_key(p.platform, &p.id) as i64,
            p.created,
            p.url,
            p.lang,
            join_list(&p.hashtags),
            join_list(&p.mentions),
            join_list(&p.links),
            p.likes.map(|v| v as i64),
            p.reposts.map(|v| v as i64),
            flags,
            p.repost_of,
            p.reply_to,
            p.thread,
            p.original,
            h as i64,
            attrs
        ])
        .map_err(sql("storing posts"))?;
    }
    Ok(())
}
