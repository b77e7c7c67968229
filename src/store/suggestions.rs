//! What `suggest` keeps: the rules it applied, the evidence words, each codebook's last run,
//! and the suggestions with their evidence (packed in blobs) and where they stand.

use super::{sql, Store, R};
use rusqlite::{params, OptionalExtension};
use std::collections::{HashMap, HashSet};

/// A matched word behind a suggestion: which rule matched it, which word it is, and where it
/// is in the document (code points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    /// The rule's id in the `rules` table.
    pub rule: i64,
    /// Which of the rule's terms found it (its index in [`RuleRow::terms`]).
    pub term: u16,
    /// The word's id in the `words` table ([`NO_WORD`]: the rule matched on no word).
    pub word: u32,
    /// Start in the document, in code points.
    pub start: usize,
    /// End.
    pub end: usize,
}

/// The word id of evidence that names no word (a rule that matched without one).
pub const NO_WORD: u32 = u32::MAX;

/// Where a suggestion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionState {
    /// Waiting for a person.
    Open,
    /// A more specific code matched the same segment; that one is shown instead.
    Covered,
    /// No rule makes it any more; kept because a person decided on it.
    Withdrawn,
}

impl SuggestionState {
    fn code(self) -> i64 {
        match self {
            SuggestionState::Open => 0,
            SuggestionState::Covered => 1,
            SuggestionState::Withdrawn => 2,
        }
    }

    fn from_code(n: i64) -> Self {
        match n {
            1 => SuggestionState::Covered,
            2 => SuggestionState::Withdrawn,
            _ => SuggestionState::Open,
        }
    }
}

/// A suggestion as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestionRow {
    /// Its code's number in the `codes` table (0 before it is stored).
    pub code_id: i64,
    /// The segment.
    pub segment: i64,
    /// The codebook's id.
    pub codebook: String,
    /// The code's id.
    pub code: String,
    /// The codebook's version when it was last made.
    pub version: String,
    /// Its score (see README.md).
    pub score: f64,
    /// The words that made it, in document order.
    pub evidence: Vec<Evidence>,
    /// Where it stands.
    pub state: SuggestionState,
    /// A person decided on it and a rule that made it has changed since.
    pub changed: bool,
}

/// A rule some run applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRow {
    /// Its id.
    pub id: i64,
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Hash of what it matches.
    pub hash: u64,
    /// As written.
    pub text: String,
    /// Its terms (see [`crate::text::query::Query::terms`]), as a report names them; one, the
    /// whole rule, for a rule stored before terms were.
    pub terms: Vec<String>,
}

/// A rule as `suggest` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule<'a> {
    /// Codebook id.
    pub codebook: &'a str,
    /// Code id.
    pub code: &'a str,
    /// Hash of what it matches.
    pub hash: u64,
    /// As written.
    pub text: &'a str,
    /// Its terms, as a report names them.
    pub terms: Vec<String>,
}

/// What the last `suggest` run of a codebook applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunState {
    /// Codebook version.
    pub version: String,
    /// Segments up to this id were read.
    pub last_segment: i64,
    /// The rules applied (ids).
    pub rules: Vec<i64>,
    /// The unit of the suggestions (`turn` or `sentence`).
    pub unit: String,
    /// Hash of the interviewers' names when it ran (the default scope leaves them out).
    pub scope: u64,
    /// What it read beyond the default scope (`interviewer`, `reposts`, comma-separated).
    pub widen: String,
    /// Where the codebook came from: a built-in name or a file path.
    pub origin: String,
}

/// A change to one stored suggestion.
#[derive(Debug, Clone, PartialEq)]
pub enum SuggestionChange {
    /// A new suggestion.
    Insert(SuggestionRow),
    /// New evidence, score or state for a stored one.
    Update(SuggestionRow),
    /// No rule makes it any more and nobody decided on it: (segment, code number).
    Delete(i64, i64),
}

/// A suggestion ready to print: rules and words by their text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SuggestionListing {
    /// The segment.
    pub segment: i64,
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Codebook version.
    pub version: String,
    /// Score.
    pub score: f64,
    /// Where it stands.
    pub state: SuggestionState,
    /// A rule that made it changed after a person decided on it.
    pub changed: bool,
    /// The rules that matched, as written.
    pub rules: Vec<String>,
    /// The matched words' code-point ranges in the document.
    pub evidence: Vec<(usize, usize)>,
    /// The matched words.
    pub words: Vec<String>,
    /// What the suggestion stands for (the unit of its run: the turn, or the sentences
    /// holding the evidence), as code-point ranges in the document. Empty until
    /// [`crate::suggest::fill_spans`] fills it.
    pub spans: Vec<(usize, usize)>,
    /// For an open suggestion: how likely a person is to accept it, as the ranker learned
    /// from the decisions (`crate::review::learn`); None before its code has enough
    /// decisions, or until the listing asks for it.
    pub likely: Option<f64>,
    /// What raised that prediction most, in words.
    pub raised: Vec<String>,
    /// What lowered it most.
    pub lowered: Vec<String>,
}

pub(super) fn encode_evidence(ev: &[Evidence]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ev.len() * 16);
    for e in ev {
        for n in [e.rule as u32, e.word, e.start as u32, e.end as u32] {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    out
}

/// The terms of `ev` as one u16 each, or None when every one is the first term (as in
/// every suggestion stored before terms were).
pub(super) fn encode_terms(ev: &[Evidence]) -> Option<Vec<u8>> {
    ev.iter()
        .any(|e| e.term != 0)
        .then(|| ev.iter().flat_map(|e| e.term.to_le_bytes()).collect())
}

pub(super) fn decode_evidence(b: &[u8], terms: Option<&[u8]>) -> Vec<Evidence> {
    let terms = terms.unwrap_or_default();
    b.chunks_exact(16)
        .enumerate()
        .map(|(k, c)| {
            let n = |i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            let term = terms
                .get(2 * k..2 * k + 2)
                .map_or(0, |t| u16::from_le_bytes([t[0], t[1]]));
            Evidence {
                rule: i64::from(n(0)),
                term,
                word: n(4),
                start: n(8) as usize,
                end: n(12) as usize,
            }
        })
        .collect()
}

fn suggestion_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SuggestionRow> {
    let ev: Vec<u8> = r.get(6)?;
    Ok(SuggestionRow {
        code_id: r.get(0)?,
        segment: r.get(1)?,
        codebook: r.get(2)?,
        code: r.get(3)?,
        version: r.get(4)?,
        score: r.get(5)?,
        evidence: decode_evidence(&ev, r.get::<_, Option<Vec<u8>>>(9)?.as_deref()),
        state: SuggestionState::from_code(r.get(7)?),
        changed: r.get::<_, i64>(8)? != 0,
    })
}

/// Whether suggestion `s` (its code `c`) has a standing decision of anyone.
const DECIDED: &str = "EXISTS (SELECT 1 FROM decisions d WHERE d.codebook = c.codebook
                       AND d.code = c.code AND d.segment_id = s.segment_id
                       AND d.undone_at IS NULL)";

/// Suggestions `s` with their codes `c`. CROSS JOIN keeps `suggestions` the outer loop: with
/// `codes` outside, SQLite would scan every suggestion once per code.
pub(super) const SUGGESTIONS: &str = "suggestions s CROSS JOIN codes c ON c.id = s.code_id";

/// The writes of one `suggest` run, in one transaction (see [`Store::suggestion_writer`]):
/// rolled back if dropped before [`SuggestionWriter::finish`]. Decisions are never touched.
pub struct SuggestionWriter<'a> {
    store: &'a mut Store,
    /// Codebook -> code -> id in `codes`.
    code_ids: rustc_hash::FxHashMap<String, rustc_hash::FxHashMap<String, i64>>,
    finished: bool,
}

impl SuggestionWriter<'_> {
    /// The database as written so far, for reading.
    pub fn store(&self) -> &Store {
        self.store
    }

    /// Deletes a codebook's suggestions nobody decided on (a full run replaces them).
    pub fn clear(&mut self, codebook: &str) -> R<()> {
        let conn = &self.store.conn;
        // When every stored suggestion is this codebook's and nobody decided on any of its
        // codes, the whole table goes at once (SQLite then frees its pages instead of
        // deleting row by row: 1.2 s for 1.5 million rows otherwise).
        let alone: bool = conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM suggestions WHERE code_id NOT IN
                                      (SELECT id FROM codes WHERE codebook = ?1))
                    AND NOT EXISTS (SELECT 1 FROM decisions WHERE codebook = ?1)",
                [codebook],
                |r| r.get(0),
            )
            .map_err(sql("storing suggestions"))?;
        if alone {
            conn.execute("DELETE FROM suggestions", [])
                .map_err(sql("storing suggestions"))?;
            return Ok(());
        }
        // The decided pairs are listed once: a lookup per row took 2.5 times as long.
        conn.execute(
            "DELETE FROM suggestions AS s
             WHERE s.code_id IN (SELECT id FROM codes WHERE codebook = ?1)
               AND (s.segment_id, s.code_id) NOT IN
                   (SELECT d.segment_id, c.id FROM decisions d JOIN codes c
                      ON d.codebook = c.codebook AND d.code = c.code
                    WHERE d.codebook = ?1 AND d.undone_at IS NULL)",
            [codebook],
        )
        .map_err(sql("storing suggestions"))?;
        Ok(())
    }

    /// Stores new evidence words (id, word, stem).
    pub fn words(&mut self, words: &[(u32, String, String)]) -> R<()> {
        let what = "storing suggestions";
        let mut w = self
            .store
            .conn
            .prepare_cached("INSERT INTO words(id, word, stem) VALUES (?1, ?2, ?3)")
            .map_err(sql(what))?;
        for (id, word, stem) in words {
            w.execute(params![i64::from(*id), word, stem])
                .map_err(sql(what))?;
        }
        Ok(())
    }

    /// Stores changes to single suggestions.
    pub fn changes(&mut self, changes: &[SuggestionChange]) -> R<()> {
        let what = "storing suggestions";
        let conn = &self.store.conn;
        // An insert meets a stored row only when someone decided on it after the run read
        // the decisions: the row is then brought up to date.
        let mut ins = conn
            .prepare_cached(
                "INSERT INTO suggestions(segment_id, code_id, version, score, evidence, state,
                                         changed, terms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(segment_id, code_id) DO UPDATE SET
                    version = excluded.version, score = excluded.score,
                    evidence = excluded.evidence, state = excluded.state,
                    terms = excluded.terms",
            )
            .map_err(sql(what))?;
        let mut upd = conn
            .prepare_cached(
                "UPDATE suggestions SET version = ?3, score = ?4, evidence = ?5, state = ?6,
                                        changed = ?7, terms = ?8
                 WHERE segment_id = ?1 AND code_id = ?2",
            )
            .map_err(sql(what))?;
        let mut del = conn
            .prepare_cached("DELETE FROM suggestions WHERE segment_id = ?1 AND code_id = ?2")
            .map_err(sql(what))?;
        let mut code_id = conn
            .prepare_cached(
                "INSERT INTO codes(codebook, code) VALUES (?1, ?2)
                 ON CONFLICT DO UPDATE SET code = excluded.code RETURNING id",
            )
            .map_err(sql(what))?;
        for c in changes {
            let s = match c {
                SuggestionChange::Delete(seg, code) => {
                    del.execute([seg, code]).map_err(sql(what))?;
                    continue;
                }
                SuggestionChange::Insert(s) | SuggestionChange::Update(s) => s,
            };
            let known = self.code_ids.get(&s.codebook).and_then(|c| c.get(&s.code));
            let (st, cid) = match (c, known) {
                (SuggestionChange::Update(_), _) => (&mut upd, s.code_id),
                (_, Some(&id)) => (&mut ins, id),
                _ => {
                    let id: i64 = code_id
                        .query_row(params![s.codebook, s.code], |r| r.get(0))
                        .map_err(sql(what))?;
                    self.code_ids
                        .entry(s.codebook.clone())
                        .or_default()
                        .insert(s.code.clone(), id);
                    (&mut ins, id)
                }
            };
            // Both statements take the same parameters.
            st.execute(params![
                s.segment,
                cid,
                s.version,
                s.score,
                encode_evidence(&s.evidence),
                s.state.code(),
                s.changed,
                encode_terms(&s.evidence)
            ])
            .map_err(sql(what))?;
        }
        Ok(())
    }

    /// Records what each codebook's run applied, and makes every write of the run durable.
    pub fn finish(mut self, runs: &[(&str, &RunState)]) -> R<()> {
        let what = "storing suggestions";
        {
            let mut run = self
                .store
                .conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO suggest_runs(codebook, version, last_segment, rules,
                                                        unit, scope, widen, origin, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, unixepoch())",
                )
                .map_err(sql(what))?;
            for (codebook, st) in runs {
                let rules: Vec<String> = st.rules.iter().map(i64::to_string).collect();
                run.execute(params![
                    codebook,
                    st.version,
                    st.last_segment,
                    rules.join(" "),
                    st.unit,
                    st.scope as i64,
                    st.widen,
                    st.origin
                ])
                .map_err(sql(what))?;
            }
        }
        // Should the commit fail, dropping the writer rolls back.
        let done = self.store.conn.execute_batch("COMMIT").map_err(sql(what));
        self.finished = done.is_ok();
        done
    }
}

impl Drop for SuggestionWriter<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Nothing of an unfinished run is kept; should the rollback itself fail, SQLite
            // rolls back when the connection closes.
            let _ = self.store.conn.execute_batch("ROLLBACK");
        }
        // Outside a transaction again: foreign keys are checked as before.
        if self.store.conn.is_autocommit() {
            let _ = self.store.conn.execute_batch("PRAGMA foreign_keys = ON");
        }
    }
}

const SUGGESTION_COLS: &str =
    "s.code_id, s.segment_id, c.codebook, c.code, s.version, s.score, s.evidence, s.state,
     s.changed, s.terms";

impl Store {
    /// Every rule of a codebook that a run has applied, current or not.
    pub fn rules(&self, codebook: &str) -> R<Vec<RuleRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, codebook, code, hash, text, terms FROM rules WHERE codebook = ?1
                 ORDER BY id",
            )
            .map_err(sql("reading rules"))?;
        let rows = st
            .query_map([codebook], |r| {
                let text: String = r.get(4)?;
                let terms = r
                    .get::<_, Option<String>>(5)?
                    .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| vec![text.clone()]);
                Ok(RuleRow {
                    id: r.get(0)?,
                    codebook: r.get(1)?,
                    code: r.get(2)?,
                    hash: r.get::<_, i64>(3)? as u64,
                    text,
                    terms,
                })
            })
            .map_err(sql("reading rules"))?;
        rows.collect::<Result<_, _>>().map_err(sql("reading rules"))
    }

    /// The ids of these rules, adding the ones not known yet.
    pub fn put_rules(&mut self, rules: &[NewRule<'_>]) -> R<Vec<i64>> {
        let tx = self.conn.transaction().map_err(sql("storing rules"))?;
        let mut ids = Vec::with_capacity(rules.len());
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO rules(codebook, code, hash, text, terms) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(codebook, code, hash)
                     DO UPDATE SET text = excluded.text, terms = excluded.terms
                     RETURNING id",
                )
                .map_err(sql("storing rules"))?;
            for r in rules {
                let terms = serde_json::to_string(&r.terms).unwrap_or_default();
                let id: i64 = ins
                    .query_row(
                        params![r.codebook, r.code, r.hash as i64, r.text, terms],
                        |row| row.get(0),
                    )
                    .map_err(sql("storing rules"))?;
                ids.push(id);
            }
        }
        tx.commit().map_err(sql("storing rules"))?;
        Ok(ids)
    }

    /// The evidence words known so far: (id, word, stem).
    pub fn words(&self) -> R<Vec<(u32, String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT id, word, stem FROM words ORDER BY id")
            .map_err(sql("reading words"))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?))
            })
            .map_err(sql("reading words"))?;
        rows.collect::<Result<_, _>>().map_err(sql("reading words"))
    }

    /// What the last run of a codebook applied, if it ever ran.
    pub fn suggest_run(&self, codebook: &str) -> R<Option<RunState>> {
        self.conn
            .query_row(
                "SELECT version, last_segment, rules, unit, scope, widen, origin FROM suggest_runs
                 WHERE codebook = ?1",
                [codebook],
                |r| {
                    let rules: String = r.get(2)?;
                    Ok(RunState {
                        version: r.get(0)?,
                        last_segment: r.get(1)?,
                        rules: rules.split(' ').filter_map(|x| x.parse().ok()).collect(),
                        unit: r.get(3)?,
                        scope: r.get::<_, i64>(4)? as u64,
                        widen: r.get(5)?,
                        origin: r.get(6)?,
                    })
                },
            )
            .optional()
            .map_err(sql("reading suggest runs"))
    }

    /// A codebook's stored suggestions (only those someone decided on, if `decided_only`),
    /// in no particular order.
    pub fn codebook_suggestions(
        &self,
        codebook: &str,
        decided_only: bool,
    ) -> R<Vec<SuggestionRow>> {
        self.codebook_suggestions_between(codebook, decided_only, i64::MIN, i64::MAX)
    }

    /// A codebook's open suggestions as (code, segment), without their evidence: what review
    /// counts need, cheaply.
    pub fn open_suggestions(&self, codebook: &str) -> R<Vec<(String, i64)>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT c.code, s.segment_id FROM {SUGGESTIONS} WHERE c.codebook = ?1 AND s.state NOT IN (1, 2)"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map([codebook], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("reading suggestions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggestions"))
    }

    /// Every codebook's suggestions on segments `from..=to`, in segment order.
    pub fn suggestions_between(&self, from: i64, to: i64) -> R<Vec<SuggestionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {SUGGESTION_COLS} FROM {SUGGESTIONS}
                 WHERE s.segment_id BETWEEN ?1 AND ?2 ORDER BY s.segment_id, c.codebook, c.code"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map(params![from, to], suggestion_row)
            .map_err(sql("reading suggestions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggestions"))
    }

    /// Starts writing a `suggest` run: one transaction for every codebook it runs, taking
    /// batches of changes as the run goes. Nothing is kept unless [`SuggestionWriter::finish`]
    /// is called.
    pub fn suggestion_writer(&mut self) -> R<SuggestionWriter<'_>> {
        // Foreign keys are not checked while the run writes (two lookups a row, a good part
        // of the cost of a large run): its rows are for segments it read and codes it
        // stored, and no other write can come between, as the transaction starts here with
        // the write lock. It never deletes a parent row, so no cascade is missed.
        self.conn
            .execute_batch("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE")
            .map_err(sql("storing suggestions"))?;
        Ok(SuggestionWriter {
            store: self,
            code_ids: Default::default(),
            finished: false,
        })
    }

    /// A codebook's stored suggestions on segments after `after` up to `to` (only those
    /// someone decided on, if `decided_only`), in no particular order.
    pub fn codebook_suggestions_between(
        &self,
        codebook: &str,
        decided_only: bool,
        after: i64,
        to: i64,
    ) -> R<Vec<SuggestionRow>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SUGGESTION_COLS} FROM {SUGGESTIONS}
                 WHERE s.segment_id > ?3 AND s.segment_id <= ?4 AND c.codebook = ?1
                 AND (NOT ?2 OR {DECIDED})"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map(params![codebook, decided_only, after, to], suggestion_row)
            .map_err(sql("reading suggestions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggestions"))
    }

    /// Stored suggestions with their rules and words spelled out, by segment then code.
    pub fn suggestions(&self) -> R<Vec<SuggestionListing>> {
        let rules = self.rule_texts()?;
        let words: HashMap<u32, String> = self
            .words()?
            .into_iter()
            .map(|(id, w, _)| (id, w))
            .collect();
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {SUGGESTION_COLS} FROM {SUGGESTIONS}
                 ORDER BY s.segment_id, c.codebook, c.code"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map([], suggestion_row)
            .map_err(sql("reading suggestions"))?;
        let mut out = Vec::new();
        for row in rows {
            let s = row.map_err(sql("reading suggestions"))?;
            let mut rule_ids: Vec<i64> = s.evidence.iter().map(|e| e.rule).collect();
            rule_ids.sort_unstable();
            rule_ids.dedup();
            let mut seen = HashSet::new();
            out.push(SuggestionListing {
                segment: s.segment,
                codebook: s.codebook,
                code: s.code,
                version: s.version,
                score: s.score,
                state: s.state,
                changed: s.changed,
                rules: rule_ids
                    .iter()
                    .map(|id| rules.get(id).cloned().unwrap_or_default())
                    .collect(),
                evidence: s
                    .evidence
                    .iter()
                    .filter(|e| e.word != NO_WORD && seen.insert((e.start, e.end)))
                    .map(|e| (e.start, e.end))
                    .collect(),
                words: {
                    let mut w: Vec<String> = s
                        .evidence
                        .iter()
                        .filter_map(|e| words.get(&e.word).cloned())
                        .collect();
                    w.sort();
                    w.dedup();
                    w
                },
                spans: Vec::new(),
                likely: None,
                raised: Vec::new(),
                lowered: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Open suggestions the coder has no standing decision on, by segment then code.
    pub fn pending(&self, coder: &str, codebook: Option<&str>) -> R<Vec<SuggestionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {SUGGESTION_COLS} FROM {SUGGESTIONS}
                 WHERE s.state = 0 AND (?2 IS NULL OR c.codebook = ?2)
                   AND NOT EXISTS (SELECT 1 FROM decisions d
                                   WHERE d.segment_id = s.segment_id AND d.codebook = c.codebook
                                     AND d.code = c.code AND d.coder = ?1
                                     AND d.undone_at IS NULL)
                 ORDER BY s.segment_id, c.code"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map(params![coder, codebook], suggestion_row)
            .map_err(sql("reading suggestions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggestions"))
    }

    /// Codebook ids that have been run, with where each was loaded from.
    pub fn codebooks_run(&self) -> R<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT codebook, origin FROM suggest_runs ORDER BY codebook")
            .map_err(sql("reading suggest runs"))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("reading suggest runs"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggest runs"))
    }

    /// Rule texts by id.
    pub fn rule_texts(&self) -> R<HashMap<i64, String>> {
        let mut st = self
            .conn
            .prepare("SELECT id, text FROM rules")
            .map_err(sql("reading rules"))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("reading rules"))?;
        rows.collect::<Result<_, _>>().map_err(sql("reading rules"))
    }
}
