//! Generic JSON records into posts: the text at `--text-field` (a dotted path) or under a
//! common name, the other parts from the column options or common names, and other scalar
//! fields as attributes. A record may say its `platform` and flags (`is_repost`, `is_reply`,
//! `is_quote`, `reply_to`), as `quarry match` input written by other tools does.

use super::fields::attr;
use super::NO_TEXT;
use crate::ingest::posts::{parse_time, Platform, Post, PostOptions};
use serde_json::Value;

/// Generic records: the text at `--text-field` (or under a common name), the rest from
/// `--id-col`, `--author-col`, `--time-col` or common names; other scalar fields as attrs.
pub(super) fn generic_posts(v: &Value, opts: &PostOptions) -> Vec<Result<Post, String>> {
    // A page of results (`{"data": [...]}`) whose records hold the text field.
    if let (Some(field), Some(Value::Array(items))) = (&opts.text_field, v.get("data")) {
        if lookup(v, field).is_none() {
            return items.iter().map(|r| generic_post(r, opts)).collect();
        }
    }
    vec![generic_post(v, opts)]
}

const TEXT_NAMES: [&str; 4] = ["full_text", "text", "body", "content"];
const ID_NAMES: [&str; 2] = ["id", "id_str"];
const AUTHOR_NAMES: [&str; 5] = ["author", "user", "username", "screen_name", "speaker"];
const TIME_NAMES: [&str; 5] = ["created_at", "date", "timestamp", "time", "created_utc"];
/// Generic records keep at most this many other fields, each at most this long.
const MAX_ATTRS: usize = 20;
const MAX_ATTR_LEN: usize = 500;

fn generic_post(r: &Value, opts: &PostOptions) -> Result<Post, String> {
    let Value::Object(map) = r else {
        return Err(format!("{}, not an object", value_kind(r)));
    };
    let mut used: Vec<&str> = Vec::new();
    let text = match &opts.text_field {
        Some(field) => match lookup(r, field) {
            None => return Err(format!("no `{field}` in this record (the --text-field)")),
            Some(Value::String(s)) => {
                used.push(top_name(field));
                s
            }
            Some(other) => return Err(format!("`{field}` is {}, not text", value_kind(other))),
        },
        None => {
            let (name, v) = TEXT_NAMES
                .iter()
                .find_map(|&n| map.get(n).filter(|v| v.is_string()).map(|v| (n, v)))
                .or_else(|| {
                    TEXT_NAMES
                        .iter()
                        .find_map(|&n| map.get(n).filter(|v| !v.is_null()).map(|v| (n, v)))
                })
                .ok_or(NO_TEXT)?;
            let Value::String(s) = v else {
                return Err(format!("`{name}` is {}, not text", value_kind(v)));
            };
            used.push(name);
            s
        }
    };
    let mut p = Post {
        platform: opts.platform.unwrap_or_default(),
        text: text.clone(),
        ..Post::default()
    };
    if let Some((name, v)) = field(r, opts.id_col.as_deref(), &ID_NAMES) {
        used.push(top_name(name));
        p.id = scalar_text(v).unwrap_or_default();
    }
    if let Some((name, v)) = field(r, opts.author_col.as_deref(), &AUTHOR_NAMES) {
        used.push(top_name(name));
        p.author = match v {
            Value::Object(o) => ["username", "screen_name", "acct", "name"]
                .iter()
                .find_map(|&k| o.get(k).and_then(scalar_text)),
            _ => scalar_text(v),
        };
    }
    if let Some((name, v)) = field(r, opts.time_col.as_deref(), &TIME_NAMES) {
        used.push(top_name(name));
        if let Some(raw) = scalar_text(v) {
            match parse_time(&raw) {
                Some(t) => p.created = Some(t),
                None => attr(&mut p, name, raw),
            }
        }
    }
    // The platform, when the options do not say, and what kind of post it is.
    if let (None, Some(pl)) = (
        opts.platform,
        map.get("platform")
            .and_then(scalar_text)
            .and_then(|s| Platform::parse(&s)),
    ) {
        used.push("platform");
        p.platform = pl;
    }
    for (name, flag) in [
        ("is_repost", &mut p.is_repost),
        ("is_reply", &mut p.is_reply),
        ("is_quote", &mut p.is_quote),
    ] {
        if let Some(Value::Bool(b)) = map.get(name) {
            used.push(name);
            *flag = *b;
        }
    }
    if let Some(to) = map.get("reply_to").and_then(scalar_text) {
        used.push("reply_to");
        p.reply_to = Some(to);
    }
    for (k, v) in map {
        if p.attrs.len() >= MAX_ATTRS {
            break;
        }
        if used.contains(&k.as_str()) {
            continue;
        }
        if let Some(s) = scalar_text(v).filter(|s| s.len() <= MAX_ATTR_LEN && !s.trim().is_empty())
        {
            p.attrs.push((k.clone(), s));
        }
    }
    Ok(p)
}

/// The field at `path` if given (it may be absent), else the first of `names` present; with
/// the path or name it was found under.
fn field<'v, 'n>(
    r: &'v Value,
    path: Option<&'n str>,
    names: &[&'n str],
) -> Option<(&'n str, &'v Value)> {
    match path {
        Some(path) => lookup(r, path).map(|v| (path, v)),
        None => names
            .iter()
            .find_map(|&n| r.get(n).filter(|v| !v.is_null()).map(|v| (n, v))),
    }
}

fn top_name(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// The value at a dotted path (`data.body`, `items.0.text`); a key holding dots is found too.
fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    path.split('.').try_fold(v, |cur, key| match cur {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
