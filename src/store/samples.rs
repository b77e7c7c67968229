//! Samples of runs made past this machine (`quarry import matches`): where each came from,
//! the full run's count of matches per stratum, which stratum each sampled post stands for,
//! and what people decided on them, for the estimates `quarry report` gives.

use super::{sql, Store, R};
use rusqlite::params;

/// A sample as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRow {
    /// Its id.
    pub id: i64,
    /// When it was imported (seconds since 1970).
    pub at: i64,
    /// The run's output it came from.
    pub source: String,
    /// The file of sampled records added to the project.
    pub file: String,
    /// Records the run read, and matches it found, when its run.json says.
    pub records: Option<u64>,
    /// Matches of the run.
    pub matches: Option<u64>,
    /// Strata are (code, first term) rather than codes.
    pub per_term: bool,
    /// Posts asked for per stratum (0: all of some codes).
    pub size: u64,
}

/// One stratum of a sample: the run's matches in it, the posts sampled from it, and (when
/// read back) the sampled posts people decided on and those they accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StratumRow {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// The first term that found its posts (empty: the stratum is the whole code).
    pub term: String,
    /// Matches in the full run.
    pub matches: u64,
    /// Posts sampled.
    pub sampled: u64,
    /// Sampled posts with a live decision on the code (the latest counts).
    pub decided: u64,
    /// Of those, accepted.
    pub accepted: u64,
}

/// A sampled post and the stratum it stands for: (post id, codebook, code, term).
pub type SampledPost = (String, String, String, String);

impl Store {
    /// Records a sample: its origin, strata and posts, in one transaction. Its id.
    pub fn put_sample(
        &mut self,
        s: &SampleRow,
        strata: &[StratumRow],
        posts: &[SampledPost],
    ) -> R<i64> {
        let what = "storing the sample";
        let tx = self.conn.transaction().map_err(sql(what))?;
        tx.execute(
            "INSERT INTO samples(at, source, file, records, matches, per_term, size)
             VALUES (unixepoch(), ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                s.source,
                s.file,
                s.records.map(|n| n as i64),
                s.matches.map(|n| n as i64),
                s.per_term,
                s.size as i64
            ],
        )
        .map_err(sql(what))?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO sample_strata(sample_id, codebook, code, term, matches, sampled)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(sql(what))?;
            for r in strata {
                st.execute(params![
                    id,
                    r.codebook,
                    r.code,
                    r.term,
                    r.matches as i64,
                    r.sampled as i64
                ])
                .map_err(sql(what))?;
            }
            let mut st = tx
                .prepare(
                    "INSERT INTO sample_posts(sample_id, post_id, codebook, code, term)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql(what))?;
            for (post, codebook, code, term) in posts {
                st.execute(params![id, post, codebook, code, term])
                    .map_err(sql(what))?;
            }
        }
        tx.commit().map_err(sql(what))?;
        Ok(id)
    }

    /// Every sample, oldest first.
    pub fn samples(&self) -> R<Vec<SampleRow>> {
        let what = "reading samples";
        let mut st = self
            .conn
            .prepare(
                "SELECT id, at, source, file, records, matches, per_term, size FROM samples
                 ORDER BY id",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| {
                Ok(SampleRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    source: r.get(2)?,
                    file: r.get(3)?,
                    records: r.get::<_, Option<i64>>(4)?.map(|n| n as u64),
                    matches: r.get::<_, Option<i64>>(5)?.map(|n| n as u64),
                    per_term: r.get(6)?,
                    size: r.get::<_, i64>(7)? as u64,
                })
            })
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }

    /// A sample's strata with what people decided on its posts: per (segment, code) the
    /// latest decision not undone; a code changed to another counts as rejected.
    pub fn sample_strata(&self, sample: i64) -> R<Vec<StratumRow>> {
        let what = "reading a sample";
        let mut st = self
            .conn
            .prepare(
                "WITH latest AS (
                    SELECT segment_id, codebook, code, max(id) AS id FROM decisions
                    WHERE undone_at IS NULL GROUP BY segment_id, codebook, code
                 ),
                 judged AS (
                    SELECT sp.codebook, sp.code, sp.term,
                           count(*) AS decided,
                           sum(d.verdict = 'accept' AND d.replacement IS NULL) AS accepted
                    FROM sample_posts sp
                    JOIN posts p ON p.post_id = sp.post_id
                    JOIN latest l ON l.segment_id = p.segment_id
                                 AND l.codebook = sp.codebook AND l.code = sp.code
                    JOIN decisions d ON d.id = l.id
                    WHERE sp.sample_id = ?1
                    GROUP BY sp.codebook, sp.code, sp.term
                 )
                 SELECT s.codebook, s.code, s.term, s.matches, s.sampled,
                        coalesce(j.decided, 0), coalesce(j.accepted, 0)
                 FROM sample_strata s
                 LEFT JOIN judged j ON j.codebook = s.codebook AND j.code = s.code
                                   AND j.term = s.term
                 WHERE s.sample_id = ?1
                 ORDER BY s.codebook, s.code, s.term",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([sample], |r| {
                Ok(StratumRow {
                    codebook: r.get(0)?,
                    code: r.get(1)?,
                    term: r.get(2)?,
                    matches: r.get::<_, i64>(3)? as u64,
                    sampled: r.get::<_, i64>(4)? as u64,
                    decided: r.get::<_, i64>(5)? as u64,
                    accepted: r.get::<_, i64>(6)? as u64,
                })
            })
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }
}
