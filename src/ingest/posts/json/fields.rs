//! Small helpers for building posts from typed records: attributes, times, the first field
//! present, entities and a source's link text.

use super::typed::{Entities, Entity, Val};
use crate::ingest::posts::{parse_time, Post};

pub(super) fn attr(p: &mut Post, name: &str, value: impl Into<String>) {
    if p.attrs.capacity() == 0 {
        p.attrs.reserve_exact(4);
    }
    p.attrs.push((name.to_string(), value.into()));
}

/// Sets `created`, or keeps the raw value as an attribute when it does not parse.
pub(super) fn set_time(p: &mut Post, name: &str, v: &Val) {
    if let Some(raw) = v.string() {
        match parse_time(&raw) {
            Some(t) => p.created = Some(t),
            None => attr(p, name, raw),
        }
    }
}

/// The first present field's text, or an error when that field is not a string.
pub(super) fn pick<'v>(fields: &[(&str, &'v Val)]) -> Result<Option<&'v str>, String> {
    for (name, v) in fields {
        match v {
            Val::Null => continue,
            Val::Str(s) => return Ok(Some(s)),
            other => return Err(format!("`{name}` is {}, not text", other.kind())),
        }
    }
    Ok(None)
}

pub(super) fn first_string(vals: &[&Val]) -> Option<String> {
    vals.iter().find_map(|v| v.string())
}

pub(super) fn take_entities(p: &mut Post, e: &Entities) {
    p.hashtags
        .extend(e.hashtags.0.iter().filter_map(Entity::tag));
    let mentions = e.user_mentions.0.iter().chain(&e.mentions.0);
    p.mentions.extend(mentions.filter_map(Entity::handle));
    p.links.extend(e.urls.0.iter().filter_map(Entity::link));
}

/// `Twitter Web App` from `<a href="…">Twitter Web App</a>` (the text of the first element;
/// a source is never more than one link).
pub(super) fn strip_tags(s: &str) -> String {
    match s
        .trim_start()
        .strip_prefix('<')
        .and_then(|t| t.split_once('>'))
    {
        Some((_, rest)) => rest.split('<').next().unwrap_or("").trim().to_string(),
        None => s.trim().to_string(),
    }
}
