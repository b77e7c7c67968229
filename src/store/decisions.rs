//! People's decisions, the system's most valuable rows: recording them (one or a batch, each
//! with its audit event), reading them, and undoing them (marked, never deleted).

use super::{sql, unix_ms, Store, R};
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::HashSet;

/// A person's decision, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    /// Who decided.
    pub coder: String,
    /// The segment.
    pub segment: i64,
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Accepted (true) or rejected.
    pub accept: bool,
    /// The code applied instead, when rejected in favour of another.
    pub replacement: Option<String>,
    /// A note.
    pub memo: Option<String>,
    /// The suggestion it answered (its rules and evidence, as JSON), None for a coding by
    /// hand.
    pub answered: Option<String>,
    /// When it was made, in milliseconds since 1970, if not now (a coding imported from
    /// another tool keeps its time).
    pub at: Option<i64>,
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DecisionRow {
    /// Its id.
    pub id: i64,
    /// Who decided.
    pub coder: String,
    /// The segment.
    pub segment: i64,
    /// Codebook id.
    pub codebook: String,
    /// Code id decided on.
    pub code: String,
    /// Accepted or rejected.
    pub accept: bool,
    /// The code applied instead.
    pub replacement: Option<String>,
    /// A note.
    pub memo: Option<String>,
    /// When, in milliseconds since 1970.
    pub at: i64,
    /// The suggestion it answered (JSON), None for a coding by hand.
    pub answered: Option<String>,
    /// The batch it was made in (`search --code-hits`), if any.
    pub batch: Option<i64>,
}

const DECISION_COLS: &str =
    "id, coder, segment_id, codebook, code, verdict, replacement, memo, at, answered, batch";

fn decision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.get(0)?,
        coder: r.get(1)?,
        segment: r.get(2)?,
        codebook: r.get(3)?,
        code: r.get(4)?,
        accept: r.get::<_, String>(5)? == "accept",
        replacement: r.get(6)?,
        memo: r.get(7)?,
        at: r.get(8)?,
        answered: r.get(9)?,
        batch: r.get(10)?,
    })
}

fn insert_decision(tx: &Transaction<'_>, d: &NewDecision, batch: Option<i64>) -> R<i64> {
    let what = "storing a decision";
    let now = unix_ms();
    let made = d.at.unwrap_or(now);
    let id: i64 = tx
        .query_row(
            "INSERT INTO decisions(coder, segment_id, codebook, code, verdict, replacement,
                                   memo, at, answered, batch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![
                d.coder,
                d.segment,
                d.codebook,
                d.code,
                if d.accept { "accept" } else { "reject" },
                d.replacement,
                d.memo,
                made,
                d.answered,
                batch
            ],
            |r| r.get(0),
        )
        .map_err(sql(what))?;
    tx.execute(
        "INSERT INTO audit(at, coder, action, decision_id) VALUES (?1, ?2, 'decide', ?3)",
        params![now, d.coder, id],
    )
    .map_err(sql(what))?;
    Ok(id)
}

impl Store {
    /// Records a decision and its audit event, committed before returning. Returns its id.
    pub fn decide(&mut self, d: &NewDecision) -> R<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql("storing a decision"))?;
        let id = insert_decision(&tx, d, None)?;
        tx.commit().map_err(sql("storing a decision"))?;
        Ok(id)
    }

    /// Records several decisions as one batch (one transaction). Returns the batch number.
    pub fn decide_batch(&mut self, ds: &[NewDecision]) -> R<i64> {
        let what = "storing decisions";
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(what))?;
        let batch: i64 = tx
            .query_row(
                "SELECT coalesce(max(batch), 0) + 1 FROM decisions",
                [],
                |r| r.get(0),
            )
            .map_err(sql(what))?;
        for d in ds {
            insert_decision(&tx, d, Some(batch))?;
        }
        tx.commit().map_err(sql(what))?;
        Ok(batch)
    }

    /// A coder's standing decisions (not undone), or everyone's; oldest first.
    pub fn decisions(&self, coder: Option<&str>) -> R<Vec<DecisionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {DECISION_COLS} FROM decisions
                 WHERE undone_at IS NULL AND (?1 IS NULL OR coder = ?1) ORDER BY id"
            ))
            .map_err(sql("reading decisions"))?;
        let rows = st
            .query_map([coder], decision_row)
            .map_err(sql("reading decisions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading decisions"))
    }

    /// Undoes a coder's latest standing decision: it stays in the table, marked undone, and
    /// the undo is logged. Returns it, or None when the coder has none.
    pub fn undo_last(&mut self, coder: &str) -> R<Option<DecisionRow>> {
        let what = "undoing a decision";
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(what))?;
        let last = tx
            .query_row(
                &format!(
                    "SELECT {DECISION_COLS} FROM decisions
                     WHERE coder = ?1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1"
                ),
                [coder],
                decision_row,
            )
            .optional()
            .map_err(sql(what))?;
        if let Some(d) = &last {
            mark_undone(&tx, coder, &[d.id])?;
        }
        tx.commit().map_err(sql(what))?;
        Ok(last)
    }

    /// Undoes one of a coder's standing decisions, by id (the web app's history panel). Returns
    /// it, or None when the coder has no standing decision with that id.
    pub fn undo_decision(&mut self, coder: &str, id: i64) -> R<Option<DecisionRow>> {
        let what = "undoing a decision";
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(what))?;
        let found = tx
            .query_row(
                &format!(
                    "SELECT {DECISION_COLS} FROM decisions
                     WHERE id = ?1 AND coder = ?2 AND undone_at IS NULL"
                ),
                params![id, coder],
                decision_row,
            )
            .optional()
            .map_err(sql(what))?;
        if let Some(d) = &found {
            mark_undone(&tx, coder, &[d.id])?;
        }
        tx.commit().map_err(sql(what))?;
        Ok(found)
    }

    /// Everyone's standing decisions on segments `from..=to`, oldest first.
    pub fn decisions_between(&self, from: i64, to: i64) -> R<Vec<DecisionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {DECISION_COLS} FROM decisions
                 WHERE undone_at IS NULL AND segment_id BETWEEN ?1 AND ?2 ORDER BY id"
            ))
            .map_err(sql("reading decisions"))?;
        let rows = st
            .query_map(params![from, to], decision_row)
            .map_err(sql("reading decisions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading decisions"))
    }

    /// A coder's latest `limit` standing decisions, newest first.
    pub fn recent_decisions(&self, coder: &str, limit: usize) -> R<Vec<DecisionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {DECISION_COLS} FROM decisions
                 WHERE undone_at IS NULL AND coder = ?1 ORDER BY id DESC LIMIT ?2"
            ))
            .map_err(sql("reading decisions"))?;
        let rows = st
            .query_map(params![coder, limit as i64], decision_row)
            .map_err(sql("reading decisions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading decisions"))
    }

    /// Undoes a batch of a coder's decisions. Returns how many were undone.
    pub fn undo_batch(&mut self, coder: &str, batch: i64) -> R<usize> {
        let what = "undoing a batch";
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(what))?;
        let ids: Vec<i64> = {
            let mut st = tx
                .prepare(
                    "SELECT id FROM decisions WHERE coder = ?1 AND batch = ?2
                     AND undone_at IS NULL",
                )
                .map_err(sql(what))?;
            let rows = st
                .query_map(params![coder, batch], |r| r.get(0))
                .map_err(sql(what))?;
            rows.collect::<Result<_, _>>().map_err(sql(what))?
        };
        mark_undone(&tx, coder, &ids)?;
        tx.commit().map_err(sql(what))?;
        Ok(ids.len())
    }

    /// (segment, code) pairs of a codebook that someone has a standing decision on.
    pub fn decided(&self, codebook: &str) -> R<HashSet<(i64, String)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT DISTINCT segment_id, code FROM decisions
                 WHERE codebook = ?1 AND undone_at IS NULL",
            )
            .map_err(sql("reading decisions"))?;
        let rows = st
            .query_map([codebook], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("reading decisions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading decisions"))
    }

    /// Every decision's (id, codebook, code, code applied instead), undone ones included.
    pub fn decision_codes(&self) -> R<Vec<DecisionCodes>> {
        let what = "reading decisions";
        let mut st = self
            .conn
            .prepare("SELECT id, codebook, code, replacement FROM decisions ORDER BY id")
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(sql(what))?;
        rows.collect::<Result<_, _>>().map_err(sql(what))
    }
}

/// A decision's (id, codebook, code, code applied instead).
pub type DecisionCodes = (i64, String, String, Option<String>);

fn mark_undone(tx: &Transaction<'_>, coder: &str, ids: &[i64]) -> R<()> {
    let what = "undoing decisions";
    let now = unix_ms();
    for id in ids {
        tx.execute(
            "UPDATE decisions SET undone_at = ?2 WHERE id = ?1",
            params![id, now],
        )
        .map_err(sql(what))?;
        tx.execute(
            "INSERT INTO audit(at, coder, action, decision_id) VALUES (?1, ?2, 'undo', ?3)",
            params![now, coder, id],
        )
        .map_err(sql(what))?;
    }
    Ok(())
}
