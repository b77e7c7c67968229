//! The queries behind `quarry report`: a few counts that the other stores' APIs would
//! otherwise have to read row by row (posts per platform and month, suggested segments per
//! document) and the owners (document, speaker) of the segments a report talks about.
//! Read-only: nothing here writes.

use super::sql;
use super::R;
use std::collections::HashMap;

impl super::Store {
    /// Posts per platform, most first (ties by name).
    pub fn posts_per_platform(&self) -> R<Vec<(String, u64)>> {
        let what = "counting posts per platform";
        let mut st = self
            .conn
            .prepare(
                "SELECT platform, count(*) FROM posts GROUP BY platform
                 ORDER BY count(*) DESC, platform",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }

    /// Posts per month of their time (UTC, `YYYY-MM`), oldest first; None counts the posts
    /// without a time, last.
    pub fn posts_per_month(&self) -> R<Vec<(Option<String>, u64)>> {
        let what = "counting posts per month";
        let mut st = self
            .conn
            .prepare(
                "SELECT strftime('%Y-%m', created, 'unixepoch') AS month, count(*) FROM posts
                 GROUP BY month ORDER BY month IS NULL, month",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }

    /// Per document id, the segments that have a suggestion of one of `codebooks` that a
    /// rule still makes (waiting, or covered by a more specific code).
    pub fn suggested_segments_per_document(&self, codebooks: &[String]) -> R<HashMap<i64, u64>> {
        let what = "counting suggested segments";
        let books = serde_json::to_string(codebooks).unwrap_or_else(|_| "[]".into());
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT seg.document_id, count(DISTINCT s.segment_id)
                 FROM {} JOIN segments seg ON seg.id = s.segment_id
                 WHERE s.state != 2 AND c.codebook IN (SELECT value FROM json_each(?1))
                 GROUP BY seg.document_id",
                super::suggestions::SUGGESTIONS
            ))
            .map_err(sql(what))?;
        let rows = st
            .query_map([books], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }

    /// The document id and speaker of each of these segments (unknown ids are left out).
    pub fn segment_owners(&self, ids: &[i64]) -> R<HashMap<i64, (i64, Option<String>)>> {
        let what = "reading segment owners";
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let mut st = self
            .conn
            .prepare(
                "SELECT id, document_id, speaker FROM segments
                 WHERE id IN (SELECT value FROM json_each(?1))",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([list], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }

    /// Codebook ids that have standing decisions, sorted.
    pub fn decided_codebooks(&self) -> R<Vec<String>> {
        let what = "reading decisions";
        let mut st = self
            .conn
            .prepare(
                "SELECT DISTINCT codebook FROM decisions WHERE undone_at IS NULL ORDER BY codebook",
            )
            .map_err(sql(what))?;
        let rows = st.query_map([], |r| r.get(0)).map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }
}
