//! The database file as a whole: SQLite's own integrity checks, what it holds in numbers, a
//! consistent copy while others write, and restoring from one.

use super::{sql, Store, StoreError, R};
use rusqlite::Connection;
use std::path::Path;

impl Store {
    /// What SQLite's own checks find wrong (`PRAGMA integrity_check`, then
    /// `PRAGMA foreign_key_check`), in its words; empty when the file is sound.
    pub fn integrity_problems(&self) -> R<Vec<String>> {
        let what = "checking the database";
        let mut out = Vec::new();
        let mut st = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(sql(what))?;
        for row in rows {
            let row = row.map_err(sql(what))?;
            if row != "ok" {
                out.push(row);
            }
        }
        let mut st = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| {
                Ok(format!(
                    "a row of {} (rowid {}) points at a missing row of {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?
                        .map_or_else(|| "-".into(), |v| v.to_string()),
                    r.get::<_, String>(2)?
                ))
            })
            .map_err(sql(what))?;
        for row in rows {
            out.push(row.map_err(sql(what))?);
        }
        Ok(out)
    }

    /// Numbers of (documents, segments, standing decisions), to say what a copy holds.
    pub fn totals(&self) -> R<(u64, u64, u64)> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM segments),
                        (SELECT count(*) FROM decisions WHERE undone_at IS NULL)",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        r.get::<_, i64>(1)? as u64,
                        r.get::<_, i64>(2)? as u64,
                    ))
                },
            )
            .map_err(sql("counting"))
    }

    /// Writes a consistent copy of the database to `dest` (a new file) while other
    /// processes may go on writing: one read transaction (`VACUUM INTO`), so the copy is the
    /// database as of one moment, compacted.
    pub fn copy_to(&self, dest: &Path) -> R<()> {
        let what = "copying the database";
        self.conn
            .execute("VACUUM INTO ?1", [dest.to_string_lossy()])
            .map_err(sql(what))?;
        // Keep the project's journal mode in the copy.
        let copy = Connection::open(dest).map_err(sql(what))?;
        copy.execute_batch("PRAGMA journal_mode = WAL;")
            .map_err(sql(what))?;
        Ok(())
    }

    /// Replaces this database's content with `source`'s (SQLite's online backup, in one
    /// transaction of this connection: a reader sees the old content or the new).
    pub fn replace_with(&mut self, source: &Store) -> R<()> {
        let what = "restoring the database";
        let backup =
            rusqlite::backup::Backup::new(&source.conn, &mut self.conn).map_err(sql(what))?;
        // All pages in one step; a writer holding the file makes SQLite say busy: wait, for
        // as long as any other statement would.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match backup.step(-1).map_err(sql(what))? {
                rusqlite::backup::StepResult::Done => return Ok(()),
                _ if std::time::Instant::now() > deadline => {
                    return Err(StoreError::Conflict(
                        "another process kept the project busy for 60 s".into(),
                    ))
                }
                _ => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }
}
