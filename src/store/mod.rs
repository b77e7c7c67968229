//! The project database (SQLite): the system of record.
//!
//! Documents (with their stored text), segments (offsets into that text), speakers and their
//! roles, and attributes live here; the tantivy index is derived from it. Only this module
//! speaks SQL. Every change happens in a transaction, so a document is stored whole or not at
//! all, and each write bumps a generation number that the index records, so a stale index is
//! noticed and rebuilt.
//!
//! This file opens the database and starts writes; the files beside it each keep one family of
//! tables: the schema and its migrations, documents and segments (reading, adding, removing),
//! speakers, attributes (and search filters over them), posts, suggestions, decisions, the
//! file as a whole, and the counts of a report.

pub use crate::error::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use std::path::Path;

mod add;
mod attributes;
mod decisions;
mod documents;
mod file;
mod filter;
mod posts;
mod report;
mod samples;
mod schema;
mod speakers;
mod suggestions;
#[cfg(test)]
mod tests;

pub use add::Stored;
pub use attributes::AttrTarget;
pub use decisions::{DecisionCodes, DecisionRow, NewDecision};
pub use documents::{DocumentDecisions, RemovedDocument, SegmentRow};
pub use filter::speaker_passes;
pub use posts::{post_key, text_key, PostIndex};
pub use samples::{SampleRow, SampledPost, StratumRow};
pub use schema::SCHEMA_VERSION;
pub use suggestions::{
    Evidence, NewRule, RuleRow, RunState, SuggestionChange, SuggestionListing, SuggestionRow,
    SuggestionState, SuggestionWriter, NO_WORD,
};

type R<T> = Result<T, StoreError>;

/// An open project database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Creates a new database at `path` with these settings in `meta`.
    pub fn create(path: &Path, settings: &[(&str, &str)]) -> R<Store> {
        let mut store = Store::connect(path)?;
        // Write-ahead logging is a property of the file: set once here, kept by every open.
        store
            .conn
            .execute_batch("PRAGMA journal_mode = WAL;")
            .map_err(sql("setting up the database"))?;
        store.migrate()?;
        let tx = store
            .conn
            .transaction()
            .map_err(sql("creating the project"))?;
        for (k, v) in settings {
            tx.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map_err(sql("writing settings"))?;
        }
        tx.commit().map_err(sql("creating the project"))?;
        Ok(store)
    }

    /// Opens an existing database, applying forward migrations.
    pub fn open(path: &Path) -> R<Store> {
        let mut store = Store::connect(path)?;
        store.migrate()?;
        Ok(store)
    }

    /// Another connection to the same database, for reading on another thread while this
    /// one writes (write-ahead logging lets both go on).
    pub fn reader(&self) -> R<Store> {
        match self.conn.path() {
            Some(p) if !p.is_empty() => Store::connect(Path::new(p)),
            _ => Err(StoreError::Sqlite {
                context: "opening a second connection",
                source: Box::new(rusqlite::Error::InvalidPath("an in-memory database".into())),
            }),
        }
    }

    fn connect(path: &Path) -> R<Store> {
        let conn = Connection::open(path).map_err(sql("opening the database"))?;
        conn.busy_timeout(std::time::Duration::from_secs(60))
            .map_err(sql("setting the busy timeout"))?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;",
        )
        .map_err(sql("setting up the connection"))?;
        Ok(Store { conn })
    }

    /// A setting from `meta`.
    pub fn setting(&self, key: &str) -> R<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(sql("reading settings"))
    }

    /// The generation: bumped by every change to documents or segments.
    pub fn generation(&self) -> R<u64> {
        Ok(self
            .setting("generation")?
            .and_then(|g| g.parse().ok())
            .unwrap_or(0))
    }

    /// Starts a write transaction that bumps the generation.
    pub fn writer(&mut self) -> R<Writer<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql("starting a write"))?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1')
             ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            [],
        )
        .map_err(sql("bumping the generation"))?;
        Ok(Writer {
            tx,
            sources: HashMap::new(),
            speakers: HashSet::new(),
        })
    }
}

/// A write transaction. Dropping it without [`Writer::commit`] rolls everything back.
pub struct Writer<'a> {
    tx: Transaction<'a>,
    /// Source path → (id, whether this writer created it: then no document of it existed).
    sources: HashMap<String, (i64, bool)>,
    /// Speakers already recorded in this transaction.
    speakers: HashSet<String>,
}

impl Writer<'_> {
    /// Makes everything written durable.
    pub fn commit(self) -> R<()> {
        self.tx.commit().map_err(sql("committing"))
    }
}

/// Milliseconds since the Unix epoch.
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Wraps an SQLite error with what was being done.
pub(crate) fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite {
        context,
        source: Box::new(source),
    }
}
