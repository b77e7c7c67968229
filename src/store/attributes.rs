//! Attributes: `key=value` pairs on documents and on speakers, set by name, in bulk, or while
//! adding.

use super::{sql, Store, Writer, R};
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

impl Store {
    /// Every speaker's attributes, by speaker name.
    pub fn speaker_attributes(&self) -> R<HashMap<String, Vec<(String, String)>>> {
        self.attributes_by("speaker")
    }

    /// Every document's attributes, by document id (documents without any left out).
    pub fn document_attributes(&self) -> R<HashMap<i64, Vec<(String, String)>>> {
        self.attributes_by("document_id")
    }

    /// The attributes of every holder in `column` (`speaker` or `document_id`), by holder,
    /// each holder's in key order.
    fn attributes_by<K: rusqlite::types::FromSql + std::hash::Hash + Eq>(
        &self,
        column: &str,
    ) -> R<HashMap<K, Vec<(String, String)>>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {column}, key, value FROM attributes WHERE {column} IS NOT NULL
                 ORDER BY {column}, key"
            ))
            .map_err(sql("reading attributes"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, K>(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql("reading attributes"))?;
        let mut out: HashMap<K, Vec<(String, String)>> = HashMap::new();
        for row in rows {
            let (holder, k, v) = row.map_err(sql("reading attributes"))?;
            out.entry(holder).or_default().push((k, v));
        }
        Ok(out)
    }

    /// Sets attributes on a document (by name) or, when no document has that name, on a
    /// speaker. Returns what the key named, or an error naming the key.
    pub fn set_attributes(&mut self, target: &str, attrs: &[(String, String)]) -> R<AttrTarget> {
        let doc = self.document_by_name(target)?;
        let speaker: Option<String> = if doc.is_none() {
            self.conn
                .query_row(
                    "SELECT name FROM speakers WHERE name = ?1 OR lower(name) = lower(?1)
                     ORDER BY name = ?1 DESC LIMIT 1",
                    [target],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("finding the speaker"))?
        } else {
            None
        };
        let tx = self.conn.transaction().map_err(sql("setting attributes"))?;
        let what = match (&doc, &speaker) {
            (Some(d), _) => {
                for (k, v) in attrs {
                    tx.execute(
                        "INSERT INTO attributes(document_id, key, value) VALUES (?1, ?2, ?3)
                         ON CONFLICT(document_id, key) WHERE document_id IS NOT NULL DO UPDATE SET value = ?3",
                        params![d.id, k, v],
                    )
                    .map_err(sql("setting attributes"))?;
                }
                AttrTarget::Document(d.name.clone())
            }
            (None, Some(s)) => {
                for (k, v) in attrs {
                    tx.execute(
                        "INSERT INTO attributes(speaker, key, value) VALUES (?1, ?2, ?3)
                         ON CONFLICT(speaker, key) WHERE speaker IS NOT NULL DO UPDATE SET value = ?3",
                        params![s, k, v],
                    )
                    .map_err(sql("setting attributes"))?;
                }
                AttrTarget::Speaker(s.clone())
            }
            (None, None) => AttrTarget::Unknown,
        };
        tx.commit().map_err(sql("setting attributes"))?;
        Ok(what)
    }

    /// Sets attributes in one transaction: on documents by id and on speakers by exact name
    /// (a name no segment has is passed over). Returns how many were set.
    pub fn put_attributes(
        &mut self,
        documents: &[(i64, Vec<(String, String)>)],
        speakers: &[(String, Vec<(String, String)>)],
    ) -> R<usize> {
        let what = "setting attributes";
        let tx = self.conn.transaction().map_err(sql(what))?;
        let mut n = 0;
        {
            let mut doc = tx
                .prepare(
                    "INSERT INTO attributes(document_id, key, value)
                     SELECT id, ?2, ?3 FROM documents WHERE id = ?1
                     ON CONFLICT(document_id, key) WHERE document_id IS NOT NULL
                     DO UPDATE SET value = excluded.value",
                )
                .map_err(sql(what))?;
            for (id, attrs) in documents {
                for (k, v) in attrs {
                    n += doc.execute(params![id, k, v]).map_err(sql(what))?;
                }
            }
            let mut sp = tx
                .prepare(
                    "INSERT INTO attributes(speaker, key, value)
                     SELECT name, ?2, ?3 FROM speakers WHERE name = ?1
                     ON CONFLICT(speaker, key) WHERE speaker IS NOT NULL
                     DO UPDATE SET value = excluded.value",
                )
                .map_err(sql(what))?;
            for (name, attrs) in speakers {
                for (k, v) in attrs {
                    n += sp.execute(params![name, k, v]).map_err(sql(what))?;
                }
            }
        }
        tx.commit().map_err(sql(what))?;
        Ok(n)
    }
}

impl Writer<'_> {
    /// Attaches attributes to a document.
    pub fn put_document_attribute(&mut self, document_id: i64, key: &str, value: &str) -> R<()> {
        self.tx
            .execute(
                "INSERT INTO attributes(document_id, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT(document_id, key) WHERE document_id IS NOT NULL DO UPDATE SET value = ?3",
                params![document_id, key, value],
            )
            .map_err(sql("storing attributes"))?;
        Ok(())
    }
}

/// What `set_attributes` attached attributes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrTarget {
    /// A document of that name.
    Document(String),
    /// A speaker of that name.
    Speaker(String),
    /// Nothing had that name.
    Unknown,
}
