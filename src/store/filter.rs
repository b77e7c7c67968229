//! What a field filter of a search (`speaker:`, `author:`, `doc:`, `role:`, `attr:`) selects in
//! this project: the speakers and documents it names.

use super::{sql, Store, R};
use crate::text::query::{FieldFilter, Resolved};

impl Store {
    /// What a field filter selects in this project.
    pub fn resolve(&self, f: &FieldFilter) -> R<Resolved> {
        let mut out = Resolved::default();
        match f {
            FieldFilter::Speaker(_) | FieldFilter::Author(_) => {
                for s in self.speaker_names()? {
                    if speaker_passes(f, &s, "") {
                        out.speakers.insert(s.to_lowercase());
                    }
                }
            }
            FieldFilter::Doc(v) => {
                let (v, prefix) = like(v);
                for (id, name) in self.document_names()? {
                    if matches(&name, &v, prefix) {
                        out.documents.insert(id);
                    }
                }
            }
            FieldFilter::Role(r) => {
                if r == "none" {
                    out.no_speaker = true;
                }
                let roles = self.roles()?;
                for s in self.speaker_names()? {
                    let role = roles.get(&s).map(|x| x.0.as_str()).unwrap_or("none");
                    if speaker_passes(f, &s, role) {
                        out.speakers.insert(s.to_lowercase());
                    }
                }
            }
            FieldFilter::Attr { name, value } => {
                let (v, prefix) = like(value);
                let mut st = self
                    .conn
                    .prepare("SELECT document_id, speaker, key, value FROM attributes")
                    .map_err(sql("reading attributes"))?;
                let rows = st
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, Option<i64>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    })
                    .map_err(sql("reading attributes"))?;
                for row in rows {
                    let (d, s, k, val) = row.map_err(sql("reading attributes"))?;
                    if k.to_lowercase() == *name && matches(&val, &v, prefix) {
                        if let Some(d) = d {
                            out.documents.insert(d);
                        }
                        if let Some(s) = s {
                            out.speakers.insert(s.to_lowercase());
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Whether a speaker (as labelled, with this role) passes a `speaker:`, `author:` or `role:`
/// filter; false for the other filters. `author:drsmith` finds @drsmith and u/drsmith,
/// `author:@drsmith` only the first; a value ending in `*` is a prefix.
pub fn speaker_passes(f: &FieldFilter, speaker: &str, role: &str) -> bool {
    match f {
        FieldFilter::Speaker(v) => {
            let (v, prefix) = like(v);
            matches(speaker, &v, prefix)
        }
        FieldFilter::Author(v) => {
            let (v, prefix) = like(v);
            let bare = speaker.trim_start_matches('@').trim_start_matches("u/");
            matches(speaker, &v, prefix) || matches(bare, &v, prefix)
        }
        FieldFilter::Role(r) => role == r,
        _ => false,
    }
}

/// A filter's value without a trailing `*`, and whether it had one (a prefix).
fn like(v: &str) -> (String, bool) {
    match v.strip_suffix('*') {
        Some(p) => (p.to_string(), true),
        None => (v.to_string(), false),
    }
}

/// Whether a name, lowercased, is `v` (or starts with it).
fn matches(cand: &str, v: &str, prefix: bool) -> bool {
    let c = cand.to_lowercase();
    if prefix {
        c.starts_with(v)
    } else {
        c == v
    }
}
