//! Documents and their segments as stored: reading them back (whole, by id, by range, with the
//! text of each segment cut from its document's), and removing a document with everything that
//! hangs on it.

use super::{sql, unix_ms, Store, StoreError, Writer, R};
use crate::text::model::{fnv1a, Document, Format, Role, Segment};
use rusqlite::{params, OptionalExtension};
use std::collections::HashMap;

/// A segment's row without its text, for the index and listings.
#[derive(Debug, Clone)]
pub struct SegmentRow {
    /// Segment id.
    pub id: i64,
    /// Document id.
    pub document_id: i64,
    /// Order in the document.
    pub ord: i64,
    /// Speaker label.
    pub speaker: Option<String>,
    /// Start time.
    pub start_ms: Option<u64>,
    /// End time.
    pub end_ms: Option<u64>,
    /// Source line.
    pub line: usize,
    /// Byte offsets.
    pub byte_start: usize,
    /// Byte end.
    pub byte_end: usize,
    /// Char offsets.
    pub char_start: usize,
    /// Char end.
    pub char_end: usize,
}

const SEG_COLS: &str = "s.id, s.document_id, s.ord, s.speaker, s.start_ms, s.end_ms, s.line, \
                        s.byte_start, s.byte_end, s.char_start, s.char_end";

/// The segments of document `?1`, by their id range.
pub(super) const DOC_SEGMENTS: &str = "FROM documents d JOIN segments s
     ON s.id BETWEEN d.first_segment AND d.first_segment + d.segment_count - 1
     WHERE d.id = ?1 ORDER BY s.id";

const SEG_JOINS: &str = "FROM segments s JOIN documents d ON d.id = s.document_id
                         LEFT JOIN speakers sp ON sp.name = s.speaker";

/// A segment row followed by its document's name and its speaker's role.
fn full_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(SegmentRow, String, Option<String>)> {
    Ok((seg_row(r)?, r.get(11)?, r.get(12)?))
}

fn seg_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SegmentRow> {
    Ok(SegmentRow {
        id: r.get(0)?,
        document_id: r.get(1)?,
        ord: r.get(2)?,
        speaker: r.get(3)?,
        start_ms: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        end_ms: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
        line: r.get::<_, i64>(6)? as usize,
        byte_start: r.get::<_, i64>(7)? as usize,
        byte_end: r.get::<_, i64>(8)? as usize,
        char_start: r.get::<_, i64>(9)? as usize,
        char_end: r.get::<_, i64>(10)? as usize,
    })
}

impl Store {
    /// All documents, by id.
    pub fn documents(&self) -> R<Vec<Document>> {
        self.documents_where(None)
    }

    /// One document (`Some(id)`) or all of them.
    fn documents_where(&self, only: Option<i64>) -> R<Vec<Document>> {
        let mut attrs: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        // `?1 IS NULL OR id = ?1` would make SQLite scan the table for one document.
        let one = if only.is_some() { "= ?1" } else { "IS NOT ?1" };
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT document_id, key, value FROM attributes
                 WHERE document_id IS NOT NULL AND document_id {one} ORDER BY key"
            ))
            .map_err(sql("listing attributes"))?;
        let rows = st
            .query_map([only], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql("listing attributes"))?;
        for row in rows {
            let (d, k, v) = row.map_err(sql("listing attributes"))?;
            attrs.entry(d).or_default().push((k, v));
        }
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT d.id, d.name, src.path, d.format,
                        d.segment_count
                 FROM documents d JOIN sources src ON src.id = d.source_id
                 WHERE d.id {one} ORDER BY d.id"
            ))
            .map_err(sql("listing documents"))?;
        let rows = st
            .query_map([only], |r| {
                Ok(Document {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    path: r.get(2)?,
                    format: parse_format(&r.get::<_, String>(3)?),
                    segments: r.get::<_, i64>(4)? as usize,
                    attributes: Vec::new(),
                })
            })
            .map_err(sql("listing documents"))?;
        let mut out = Vec::new();
        for row in rows {
            let mut d = row.map_err(sql("listing documents"))?;
            d.attributes = attrs.remove(&d.id).unwrap_or_default();
            out.push(d);
        }
        Ok(out)
    }

    /// A document by name (exact, then case-insensitive).
    pub fn document_by_name(&self, name: &str) -> R<Option<Document>> {
        let exact: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM documents WHERE name_key = ?1 AND name = ?2",
                params![fnv1a(name.as_bytes()) as i64, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("finding the document"))?;
        let id = match exact {
            Some(id) => Some(id),
            None => self
                .conn
                .query_row(
                    "SELECT id FROM documents WHERE lower(name) = lower(?1) ORDER BY id LIMIT 1",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("finding the document"))?,
        };
        let Some(id) = id else { return Ok(None) };
        Ok(self.documents_where(Some(id))?.pop())
    }

    /// Every segment row in id order, by pages, for `f`; then the document texts are fetched
    /// once per document. Used by reindex.
    pub fn for_each_document(
        &self,
        f: impl FnMut(i64, &str, Vec<SegmentRow>) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        self.for_each_document_after(i64::MIN, f)
    }

    /// [`Store::for_each_document`] for the documents whose segments come after segment
    /// `after` (a document's segments are numbered together when it is stored).
    pub fn for_each_document_after(
        &self,
        after: i64,
        mut f: impl FnMut(i64, &str, Vec<SegmentRow>) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        let what = "reading documents";
        let mut docs = self
            .conn
            .prepare(
                "SELECT id, text, first_segment, segment_count FROM documents
                 WHERE first_segment > ?1 ORDER BY id",
            )
            .map_err(sql(what))?;
        let mut one = self
            .conn
            .prepare(&format!("SELECT {SEG_COLS} {DOC_SEGMENTS}"))
            .map_err(sql(what))?;
        // Documents are numbered in the order their segments are: one pass over the segments
        // in id order serves them all (a query per document would cost more than the rows
        // when documents are single posts). A document whose segments are not where that
        // order puts them is read on its own.
        let mut all = self
            .conn
            .prepare(&format!(
                "SELECT {SEG_COLS} FROM segments s WHERE s.id > ?1 ORDER BY s.id"
            ))
            .map_err(sql(what))?;
        let mut segs = all.query_map([after], seg_row).map_err(sql(what))?;
        let mut next = segs.next().transpose().map_err(sql(what))?;
        let mut rows = docs.query([after]).map_err(sql(what))?;
        while let Some(row) = rows.next().map_err(sql(what))? {
            let id: i64 = row.get(0).map_err(sql(what))?;
            let text = String::from_utf8_lossy(
                row.get_ref(1)
                    .map_err(sql(what))?
                    .as_bytes_or_null()
                    .map_err(|e| sql(what)(e.into()))?
                    .unwrap_or_default(),
            );
            let first: i64 = row.get(2).map_err(sql(what))?;
            let count: i64 = row.get(3).map_err(sql(what))?;
            let mut list = Vec::with_capacity(count.clamp(0, 1 << 16) as usize);
            while let Some(s) = next.take_if(|s| s.id < first.saturating_add(count)) {
                if s.id >= first {
                    list.push(s);
                }
                next = segs.next().transpose().map_err(sql(what))?;
            }
            if list.len() as i64 != count || list.first().is_some_and(|s| s.id != first) {
                list = one
                    .query_map([id], seg_row)
                    .map_err(sql(what))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql(what))?;
            }
            f(id, &text, list)?;
        }
        Ok(())
    }

    /// A document's stored text.
    pub fn document_text(&self, id: i64) -> R<String> {
        let bytes: Vec<u8> = self
            .conn
            .query_row("SELECT text FROM documents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .map_err(sql("reading a document"))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Segments with their text, in the order of `ids` (unknown ids are left out). Reads only
    /// the bytes of each segment from the document text (incremental blob IO), and only the
    /// names and roles it needs, so a hit costs the same in a small project and a large one.
    pub fn segments(&self, ids: &[i64]) -> R<Vec<Segment>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SEG_COLS}, d.name, sp.role {SEG_JOINS} WHERE s.id = ?1"
            ))
            .map_err(sql("reading segments"))?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let row = st
                .query_row([id], full_row)
                .optional()
                .map_err(sql("reading segments"))?;
            if let Some(row) = row {
                out.push(self.with_text(row)?);
            }
        }
        Ok(out)
    }

    /// Segments of a document whose `ord` lies in `from..=to`, with their text.
    pub fn segments_in(&self, document_id: i64, from: i64, to: i64) -> R<Vec<Segment>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SEG_COLS}, d.name, sp.role {SEG_JOINS}
                 WHERE s.id BETWEEN (SELECT first_segment FROM documents WHERE id = ?1) + max(?2, 0)
                   AND (SELECT first_segment + min(?3, segment_count - 1) FROM documents WHERE id = ?1)
                 ORDER BY s.id"
            ))
            .map_err(sql("reading segments"))?;
        let rows = st
            .query_map(params![document_id, from, to], full_row)
            .map_err(sql("reading segments"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("reading segments"))?;
        rows.into_iter().map(|r| self.with_text(r)).collect()
    }

    fn with_text(&self, (r, name, role): (SegmentRow, String, Option<String>)) -> R<Segment> {
        let mut buf = vec![0u8; r.byte_end.saturating_sub(r.byte_start)];
        let blob = self
            .conn
            .blob_open(rusqlite::MAIN_DB, "documents", "text", r.document_id, true)
            .map_err(sql("reading a quote"))?;
        blob.read_at_exact(&mut buf, r.byte_start)
            .map_err(sql("reading a quote"))?;
        Ok(Segment {
            id: r.id,
            document_id: r.document_id,
            document: name,
            ord: r.ord,
            role: role.as_deref().and_then(Role::parse),
            speaker: r.speaker,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            line: r.line,
            char_start: r.char_start,
            char_end: r.char_end,
            byte_start: r.byte_start,
            byte_end: r.byte_end,
            text: String::from_utf8_lossy(&buf).into_owned(),
            post: self.posts_between(r.id, r.id)?.pop().map(|(_, p)| p),
        })
    }

    /// Document id → name.
    pub fn document_names(&self) -> R<HashMap<i64, String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name FROM documents")
            .map_err(sql("reading document names"))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("reading document names"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading document names"))
    }

    /// All segment ids of one document, in order.
    pub fn segment_ids(&self, document_id: i64) -> R<Vec<i64>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT s.id {DOC_SEGMENTS}"))
            .map_err(sql("reading segments"))?;
        let rows = st
            .query_map([document_id], |r| r.get(0))
            .map_err(sql("reading segments"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading segments"))
    }

    /// Number of segments.
    pub fn segment_count(&self) -> R<u64> {
        self.conn
            .query_row("SELECT count(*) FROM segments", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(sql("counting segments"))
    }

    /// The highest segment id (0 in an empty project).
    pub fn last_segment(&self) -> R<i64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM segments", [], |r| {
                r.get(0)
            })
            .map_err(sql("reading segments"))
    }
}

/// The decisions people made on a document's segments, as `remove` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentDecisions {
    /// Decision rows (undone ones included: they are a person's acts too).
    pub total: usize,
    /// Of those, the ones not undone.
    pub standing: usize,
    /// Who made them, sorted.
    pub coders: Vec<String>,
}

/// A document as `remove` took it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedDocument {
    /// Its id (its segments are gone from the index too).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Segments removed with it.
    pub segments: usize,
    /// Decisions removed with it.
    pub decisions: usize,
    /// Whether it held posts.
    pub posts: bool,
}

impl Store {
    /// The decisions on document `id`'s segments.
    pub fn document_decisions(&self, id: i64) -> R<DocumentDecisions> {
        let what = "counting a document's decisions";
        let mut st = self
            .conn
            .prepare(
                "SELECT x.coder, count(*), sum(x.undone_at IS NULL) FROM documents d
                 JOIN decisions x ON x.segment_id
                   BETWEEN d.first_segment AND d.first_segment + d.segment_count - 1
                 WHERE d.id = ?1 GROUP BY x.coder ORDER BY x.coder",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as usize,
                    r.get::<_, i64>(2)? as usize,
                ))
            })
            .map_err(sql(what))?;
        let mut out = DocumentDecisions::default();
        for row in rows {
            let (coder, n, standing) = row.map_err(sql(what))?;
            out.total += n;
            out.standing += standing;
            out.coders.push(coder);
        }
        Ok(out)
    }

    /// How many speakers document `id` has.
    pub fn speakers_in(&self, id: i64) -> R<usize> {
        self.conn
            .query_row(
                "SELECT count(DISTINCT s.speaker) FROM documents d JOIN segments s
                   ON s.id BETWEEN d.first_segment AND d.first_segment + d.segment_count - 1
                 WHERE d.id = ?1",
                [id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(sql("counting a document's speakers"))
    }

    /// A document's text and segment rows, in order.
    pub fn document_rows(&self, id: i64) -> R<(String, Vec<SegmentRow>)> {
        let text = self.document_text(id)?;
        let mut st = self
            .conn
            .prepare(&format!("SELECT {SEG_COLS} {DOC_SEGMENTS}"))
            .map_err(sql("reading segments"))?;
        let rows = st
            .query_map([id], seg_row)
            .map_err(sql("reading segments"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("reading segments"))?;
        Ok((text, rows))
    }
}

impl Writer<'_> {
    /// Removes document `id` with everything that hangs on it: segments, posts, attributes,
    /// suggestions, and the decisions on its segments (the caller has asked the person). The
    /// audit keeps a row saying what went, decisions listed. Posts elsewhere that named one of
    /// its posts as their original no longer do.
    pub fn remove_document(&mut self, id: i64) -> R<RemovedDocument> {
        let what = "removing a document";
        let tx = &self.tx;
        let (name, first, count, format): (String, i64, i64, String) = tx
            .query_row(
                "SELECT name, first_segment, segment_count, format FROM documents WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(sql(what))?
            .ok_or_else(|| StoreError::NotFound(format!("no document with id {id}")))?;
        let last = first + count - 1;
        let decisions: Vec<String> = {
            let mut st = tx
                .prepare(
                    "SELECT id || ' ' || coder || ' ' || codebook || ':' || code || ' ' || verdict
                       || CASE WHEN undone_at IS NULL THEN '' ELSE ' (undone)' END
                     FROM decisions WHERE segment_id BETWEEN ?1 AND ?2 ORDER BY id",
                )
                .map_err(sql(what))?;
            let rows = st
                .query_map([first, last], |r| r.get(0))
                .map_err(sql(what))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql(what))?;
            rows
        };
        let mut detail = format!("document `{name}` removed with its {count} segment(s)");
        if !decisions.is_empty() {
            detail.push_str(&format!(
                " and {} decision(s): {}",
                decisions.len(),
                decisions.join("; ")
            ));
        }
        tx.execute(
            "INSERT INTO audit(at, coder, action, detail) VALUES (?1, 'quarry', 'remove', ?2)",
            params![unix_ms(), detail],
        )
        .map_err(sql(what))?;
        tx.execute(
            "UPDATE audit SET decision_id = NULL WHERE decision_id IN
               (SELECT id FROM decisions WHERE segment_id BETWEEN ?1 AND ?2)",
            [first, last],
        )
        .map_err(sql(what))?;
        tx.execute(
            "DELETE FROM decisions WHERE segment_id BETWEEN ?1 AND ?2",
            [first, last],
        )
        .map_err(sql(what))?;
        let posts = matches!(format.as_str(), "csv" | "json");
        if posts {
            tx.execute(
                "UPDATE posts SET original = NULL WHERE original BETWEEN ?1 AND ?2",
                [first, last],
            )
            .map_err(sql(what))?;
        }
        // Segments, their posts and suggestions, and the document's attributes cascade.
        tx.execute("DELETE FROM documents WHERE id = ?1", [id])
            .map_err(sql(what))?;
        Ok(RemovedDocument {
            id,
            name,
            segments: count as usize,
            decisions: decisions.len(),
            posts,
        })
    }
}

fn parse_format(s: &str) -> Format {
    match s {
        "markdown" => Format::Markdown,
        "vtt" => Format::Vtt,
        "srt" => Format::Srt,
        "docx" => Format::Docx,
        "odt" => Format::Odt,
        "jsonl" => Format::Jsonl,
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => Format::Text,
    }
}
