//! The project database (SQLite): the system of record.
//!
//! Documents (with their stored text), segments (offsets into that text), speakers and their
//! roles, and attributes live here; the tantivy index is derived from it. Only this module
//! speaks SQL. Every change happens in a transaction, so a document is stored whole or not at
//! all, and each write bumps a generation number that the index records, so a stale index is
//! noticed and rebuilt.

pub use crate::error::StoreError;
use crate::ingest::similar::Fingerprint;
use crate::ingest::Similar;
use crate::text::model::{
    fnv1a, Document, Format, ParsedDocument, Platform, PostMeta, Role, RoleSource, Segment, Speaker,
};
use crate::text::query::{FieldFilter, Resolved};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

mod report;

/// The newest schema this build writes.
pub const SCHEMA_VERSION: i64 = 5;

type R<T> = Result<T, StoreError>;

const MIGRATIONS: &[&str] = &[
    // version 1
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
     CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        -- Integer keys for the two lookups (FNV-1a of the name, of the key): their indexes
        -- stay small enough to be cached while millions of documents go in. Two names with
        -- one hash only make the second a `name (2)`.
        name_key INTEGER NOT NULL UNIQUE,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        key TEXT NOT NULL,
        key_hash INTEGER NOT NULL,
        format TEXT NOT NULL,
        hash INTEGER NOT NULL,
        added_at INTEGER NOT NULL DEFAULT (unixepoch()),
        text BLOB NOT NULL,
        first_segment INTEGER NOT NULL,
        segment_count INTEGER NOT NULL
     );
     CREATE INDEX documents_key ON documents(source_id, key_hash);
     CREATE INDEX documents_hash ON documents(hash) WHERE key = '';
     CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        speaker TEXT,
        start_ms INTEGER,
        end_ms INTEGER,
        line INTEGER NOT NULL,
        byte_start INTEGER NOT NULL,
        byte_end INTEGER NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL
     );
     CREATE TABLE speakers (
        name TEXT PRIMARY KEY,
        role TEXT CHECK (role IN ('interviewer', 'participant')),
        role_source TEXT CHECK (role_source IN ('guess', 'label', 'user'))
     );
     CREATE TABLE attributes (
        document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
        speaker TEXT,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        CHECK ((document_id IS NULL) <> (speaker IS NULL))
     );
     CREATE UNIQUE INDEX attributes_doc ON attributes(document_id, key) WHERE document_id IS NOT NULL;
     CREATE UNIQUE INDEX attributes_speaker ON attributes(speaker, key) WHERE speaker IS NOT NULL;",
    // version 2: posts. A post is a segment (its author is the segment's speaker) with this
    // row beside it. `post_key` and `text_hash` are FNV-1a hashes that `add` keeps in memory
    // to skip posts already stored and to link reposts and duplicates; no index is kept on
    // them, so inserting millions of posts stays cheap.
    "CREATE TABLE posts (
        segment_id INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        post_id TEXT NOT NULL,
        post_key INTEGER NOT NULL,
        created INTEGER,
        url TEXT,
        lang TEXT,
        hashtags TEXT NOT NULL,
        mentions TEXT NOT NULL,
        links TEXT NOT NULL,
        likes INTEGER,
        reposts INTEGER,
        -- 1 repost, 2 reply, 4 quote, 8 duplicate
        flags INTEGER NOT NULL,
        repost_of TEXT,
        reply_to TEXT,
        thread TEXT,
        original INTEGER,
        text_hash INTEGER NOT NULL,
        attrs TEXT
     );",
    // version 3: suggestions, candidate codes waiting for a person. `evidence` holds
    // (start, end) code-point offsets into the document, as little-endian u32 pairs.
    "CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        codebook TEXT NOT NULL,
        version TEXT NOT NULL,
        code TEXT NOT NULL,
        rules TEXT NOT NULL,
        score REAL NOT NULL,
        evidence BLOB NOT NULL,
        UNIQUE (codebook, code, segment_id)
     );",
    // version 4: incremental suggestions and people's decisions. Version 3's suggestions
    // held rule text and no rule identity; they are derived data, so they are dropped and
    // the next `suggest` makes them again.
    "DROP TABLE suggestions;
     -- Every rule a run has applied: what it matches (text, masks, scope) is hashed, so an
     -- edited rule is a new row and its old version stays for the evidence that names it.
     CREATE TABLE rules (
        id INTEGER PRIMARY KEY,
        codebook TEXT NOT NULL,
        code TEXT NOT NULL,
        hash INTEGER NOT NULL,
        text TEXT NOT NULL,
        UNIQUE (codebook, code, hash)
     );
     -- Evidence words, so evidence is stored as numbers.
     CREATE TABLE words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, stem TEXT NOT NULL);
     -- Per codebook, what the last run applied: segments up to `last_segment` have been
     -- read by the rules listed (ids, space-separated).
     CREATE TABLE suggest_runs (
        codebook TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        last_segment INTEGER NOT NULL,
        rules TEXT NOT NULL,
        unit TEXT NOT NULL,
        -- what it read beyond the default scope: '', 'interviewer', 'reposts' or both
        widen TEXT NOT NULL,
        -- where the codebook was loaded from (a built-in name or a file path)
        origin TEXT NOT NULL,
        -- hash of the speakers whose role is interviewer: the default scope depends on it
        scope INTEGER NOT NULL,
        at INTEGER NOT NULL
     );
     -- `evidence`: per matched word, four little-endian u32: rule id, word id, start and end
     -- in code points of the document (word id 0xFFFFFFFF: a rule that matched on no word).
     -- `state`: 0 waiting for review, 1 a more specific code matched the same segment (not
     -- queued), 2 no rule makes it any more but a person decided on it.
     -- `changed`: a person decided on it and a rule that made it has since changed.
     -- Codes suggestions are made for, numbered so that a suggestion row is all numbers
     -- and its key (segment, code) grows in segment order as a run inserts.
     CREATE TABLE codes (
        id INTEGER PRIMARY KEY,
        codebook TEXT NOT NULL,
        code TEXT NOT NULL,
        UNIQUE (codebook, code)
     );
     -- One B-tree, keyed by (segment, code): a run inserts in segment order.
     CREATE TABLE suggestions (
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        code_id INTEGER NOT NULL REFERENCES codes(id),
        version TEXT NOT NULL,
        score REAL NOT NULL,
        evidence BLOB NOT NULL,
        state INTEGER NOT NULL,
        changed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (segment_id, code_id)
     ) WITHOUT ROWID;
     -- A person's decision on a code for a segment. Rows are never deleted: undo sets
     -- `undone_at`. `answered` holds the suggestion's rules and evidence as it was shown
     -- (NULL for a coding made by hand).
     CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        coder TEXT NOT NULL CHECK (length(trim(coder)) > 0),
        segment_id INTEGER NOT NULL REFERENCES segments(id),
        codebook TEXT NOT NULL,
        code TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
        replacement TEXT,
        memo TEXT,
        at INTEGER NOT NULL,
        answered TEXT,
        batch INTEGER,
        undone_at INTEGER
     );
     CREATE INDEX decisions_code ON decisions(codebook, code, segment_id);
     CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        coder TEXT NOT NULL,
        action TEXT NOT NULL,
        decision_id INTEGER REFERENCES decisions(id),
        detail TEXT
     );",
    // version 5: which term of its rule found each evidence word (u16 per evidence record,
    // NULL: all the first), and each rule's terms as text (JSON array).
    "ALTER TABLE suggestions ADD COLUMN terms BLOB;
     ALTER TABLE rules ADD COLUMN terms TEXT;",
];

/// An open project database.
pub struct Store {
    conn: Connection,
}

/// What storing one document did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Added under this name, with these segment ids.
    Added {
        /// Document id.
        id: i64,
        /// Name given (may differ from the proposed one when that was taken).
        name: String,
        /// The new segments' ids, in order.
        segments: Vec<i64>,
    },
    /// Replaced an earlier version of the same path.
    Replaced {
        /// New document id.
        id: i64,
        /// Name kept.
        name: String,
        /// Old document id (its segments are gone from the index too).
        old_id: i64,
        /// The new segments' ids, in order.
        segments: Vec<i64>,
    },
    /// Already there, unchanged.
    Unchanged {
        /// Its name.
        name: String,
    },
    /// The same content is already stored under another source.
    Duplicate {
        /// The stored document's name.
        name: String,
    },
    /// Nearly the same text as a stored document (the same interview in another format), and
    /// duplicates were not allowed: not stored.
    Similar {
        /// The stored document's name.
        name: String,
        /// Its source file's name.
        file: String,
        /// Percent of the text the two share.
        percent: u32,
    },
    /// The file changed since it was added and `--replace` was not given.
    Changed {
        /// The stored document's name.
        name: String,
    },
    /// `--replace` was given, but segments people coded are not in the new version (same
    /// speaker, same text): the stored version stays.
    Held {
        /// The stored document's name.
        name: String,
        /// The coded segments missing from the new version.
        segments: Vec<i64>,
    },
}

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
const DOC_SEGMENTS: &str = "FROM documents d JOIN segments s
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

    fn migrate(&mut self) -> R<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql("reading the schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(sql("migrating"))?;
            tx.execute_batch(m).map_err(sql("migrating the schema"))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(sql("migrating"))?;
            tx.commit().map_err(sql("migrating"))?;
        }
        Ok(())
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

    /// Speakers with turn and document counts, by name.
    pub fn speakers(&self) -> R<Vec<Speaker>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.speaker, sp.role, sp.role_source, count(*), count(DISTINCT s.document_id)
                 FROM segments s LEFT JOIN speakers sp ON sp.name = s.speaker
                 WHERE s.speaker IS NOT NULL GROUP BY s.speaker ORDER BY s.speaker",
            )
            .map_err(sql("listing speakers"))?;
        let rows = st
            .query_map([], |r| {
                Ok(Speaker {
                    name: r.get(0)?,
                    role: r.get::<_, Option<String>>(1)?.and_then(|s| Role::parse(&s)),
                    role_source: r
                        .get::<_, Option<String>>(2)?
                        .and_then(|s| RoleSource::parse(&s)),
                    turns: r.get::<_, i64>(3)? as usize,
                    documents: r.get::<_, i64>(4)? as usize,
                })
            })
            .map_err(sql("listing speakers"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("listing speakers"))
    }

    /// Roles of all speakers that have one.
    pub fn roles(&self) -> R<HashMap<String, (Role, RoleSource)>> {
        let mut st = self
            .conn
            .prepare("SELECT name, role, role_source FROM speakers WHERE role IS NOT NULL")
            .map_err(sql("reading roles"))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sql("reading roles"))?;
        let mut out = HashMap::new();
        for row in rows {
            let (n, r, s) = row.map_err(sql("reading roles"))?;
            if let (Some(r), Some(s)) = (Role::parse(&r), RoleSource::parse(&s)) {
                out.insert(n, (r, s));
            }
        }
        Ok(out)
    }

    /// A hash of the names of the speakers whose role is interviewer.
    pub fn interviewers_key(&self) -> R<u64> {
        let mut names: Vec<String> = self
            .roles()?
            .into_iter()
            .filter(|(_, (r, _))| *r == Role::Interviewer)
            .map(|(n, _)| n)
            .collect();
        names.sort();
        Ok(fnv1a(names.join("\n").as_bytes()))
    }

    /// Sets a speaker's role by hand. Errors when no segment has that speaker.
    pub fn set_role(&mut self, name: &str, role: Role) -> R<String> {
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT name FROM speakers WHERE name = ?1 OR lower(name) = lower(?1)
                 ORDER BY name = ?1 DESC LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("finding the speaker"))?;
        let Some(found) = found else {
            return Err(StoreError::NotFound(format!(
                "no speaker `{name}` in this project; `quarry list speakers` shows them"
            )));
        };
        self.conn
            .execute(
                "INSERT INTO speakers(name, role, role_source) VALUES (?1, ?2, 'user')
                 ON CONFLICT(name) DO UPDATE SET role = ?2, role_source = 'user'",
                params![found, role.as_str()],
            )
            .map_err(sql("setting a role"))?;
        Ok(found)
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
        let mut docs = self
            .conn
            .prepare("SELECT id, text FROM documents WHERE first_segment > ?1 ORDER BY id")
            .map_err(sql("reading documents"))?;
        let mut segs = self
            .conn
            .prepare(&format!("SELECT {SEG_COLS} {DOC_SEGMENTS}"))
            .map_err(sql("reading segments"))?;
        let mut rows = docs.query([after]).map_err(sql("reading documents"))?;
        while let Some(row) = rows.next().map_err(sql("reading documents"))? {
            let id: i64 = row.get(0).map_err(sql("reading documents"))?;
            let bytes: Vec<u8> = row.get(1).map_err(sql("reading documents"))?;
            let text = String::from_utf8_lossy(&bytes);
            let list = segs
                .query_map([id], seg_row)
                .map_err(sql("reading segments"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql("reading segments"))?;
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

    /// What a field filter selects in this project.
    pub fn resolve(&self, f: &FieldFilter) -> R<Resolved> {
        let mut out = Resolved::default();
        let like = |v: &str| -> (String, bool) {
            match v.strip_suffix('*') {
                Some(p) => (p.to_string(), true),
                None => (v.to_string(), false),
            }
        };
        let matches = |cand: &str, v: &str, prefix: bool| {
            let c = cand.to_lowercase();
            if prefix {
                c.starts_with(v)
            } else {
                c == v
            }
        };
        match f {
            FieldFilter::Speaker(v) => {
                let (v, prefix) = like(v);
                for s in self.speaker_names()? {
                    if matches(&s, &v, prefix) {
                        out.speakers.insert(s.to_lowercase());
                    }
                }
            }
            FieldFilter::Author(v) => {
                // `author:drsmith` finds @drsmith and u/drsmith; `author:@drsmith` only the
                // first.
                let (v, prefix) = like(v);
                for s in self.speaker_names()? {
                    let bare = s.trim_start_matches('@').trim_start_matches("u/");
                    if matches(&s, &v, prefix) || matches(bare, &v, prefix) {
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
                    if role == r {
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

    fn speaker_names(&self) -> R<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name FROM speakers")
            .map_err(sql("reading speakers"))?;
        let rows = st
            .query_map([], |r| r.get(0))
            .map_err(sql("reading speakers"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading speakers"))
    }

    /// Every speaker's attributes, by speaker name.
    pub fn speaker_attributes(&self) -> R<HashMap<String, Vec<(String, String)>>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT speaker, key, value FROM attributes WHERE speaker IS NOT NULL
                 ORDER BY speaker, key",
            )
            .map_err(sql("reading attributes"))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql("reading attributes"))?;
        let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for row in rows {
            let (sp, k, v) = row.map_err(sql("reading attributes"))?;
            out.entry(sp).or_default().push((k, v));
        }
        Ok(out)
    }

    /// The documents each speaker has segments in, by speaker name (ids ascending).
    pub fn speaker_documents(&self) -> R<BTreeMap<String, Vec<i64>>> {
        let what = "reading speakers' documents";
        let mut st = self
            .conn
            .prepare(
                "SELECT DISTINCT speaker, document_id FROM segments WHERE speaker IS NOT NULL
                 ORDER BY speaker, document_id",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql(what))?;
        let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let (sp, d) = row.map_err(sql(what))?;
            out.entry(sp).or_default().push(d);
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
}

impl Store {
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

/// A decision's (id, codebook, code, code applied instead).
pub type DecisionCodes = (i64, String, String, Option<String>);

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

/// A write transaction. Dropping it without [`Writer::commit`] rolls everything back.
pub struct Writer<'a> {
    tx: Transaction<'a>,
    /// Source path → (id, whether this writer created it: then no document of it existed).
    sources: HashMap<String, (i64, bool)>,
    /// Speakers already recorded in this transaction.
    speakers: HashSet<String>,
}

impl Writer<'_> {
    /// Stores parsed documents, each whole, or reports that it is already there or changed.
    /// `replace` allows replacing a changed file at the same path. Statements are prepared
    /// once per call, so pass documents in batches.
    ///
    /// Documents of posts hold only posts that are new (the caller has checked them against
    /// `posts`); storing them settles which are duplicates and which original a repost has,
    /// in `doc.posts`, and records their texts in `posts`.
    ///
    /// With `similar`, a whole file whose text is nearly that of a stored document (or of one
    /// stored before it in this add) is not stored but reported as [`Stored::Similar`].
    pub fn put_documents(
        &mut self,
        docs: &mut [ParsedDocument],
        replace: bool,
        posts: &mut PostIndex,
        mut similar: Option<&mut Similar>,
    ) -> R<Vec<Stored>> {
        let Writer {
            tx,
            sources,
            speakers,
        } = self;
        let prep = |q: &str| tx.prepare(q).map_err(sql("preparing a statement"));
        let mut st = Stmts {
            source: prep("SELECT id FROM sources WHERE path = ?1")?,
            new_source: prep("INSERT INTO sources(path) VALUES (?1)")?,
            same: prep(
                "SELECT id, name, hash FROM documents
                 WHERE source_id = ?1 AND key_hash = ?2 AND key = ?3",
            )?,
            twin: prep("SELECT name FROM documents WHERE hash = ?1 AND key = '' LIMIT 1")?,
            delete: prep("DELETE FROM documents WHERE id = ?1")?,
            insert: prep(
                "INSERT INTO documents(name, name_key, source_id, key, key_hash, format, hash,
                   text, first_segment, segment_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )?,
            key_taken: prep(
                "SELECT 1 FROM documents WHERE source_id = ?1 AND key_hash = ?2 AND key = ?3",
            )?,
            segment: prep(
                "INSERT INTO segments(id, document_id, ord, speaker, start_ms, end_ms, line,
                   byte_start, byte_end, char_start, char_end)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            // Never an id a suggest run has passed: its segments would be taken as read.
            next_segment: prep(
                "SELECT max(coalesce((SELECT max(id) FROM segments), 0),
                            coalesce((SELECT max(last_segment) FROM suggest_runs), 0)) + 1",
            )?,
            speaker: prep("INSERT OR IGNORE INTO speakers(name) VALUES (?1)")?,
            post: prep(
                "INSERT INTO posts(segment_id, platform, post_id, post_key, created, url, lang,
                   hashtags, mentions, links, likes, reposts, flags, repost_of, reply_to, thread,
                   original, text_hash, attrs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                   ?17, ?18, ?19)",
            )?,
        };
        let mut out = Vec::with_capacity(docs.len());
        for doc in docs {
            out.push(put_one(
                tx,
                &mut st,
                sources,
                speakers,
                doc,
                replace,
                posts,
                similar.as_deref_mut(),
            )?);
        }
        Ok(out)
    }

    /// Records a role for a speaker unless one with more authority is already there.
    pub fn put_role(&mut self, name: &str, role: Role, source: RoleSource) -> R<()> {
        let current: Option<String> = self
            .tx
            .prepare_cached("SELECT role_source FROM speakers WHERE name = ?1")
            .and_then(|mut s| s.query_row([name], |r| r.get(0)).optional())
            .map_err(sql("reading roles"))?
            .flatten();
        if let Some(cur) = current.as_deref().and_then(RoleSource::parse) {
            if cur > source {
                return Ok(());
            }
        }
        self.tx
            .execute(
                "INSERT INTO speakers(name, role, role_source) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET role = ?2, role_source = ?3",
                params![name, role.as_str(), source.as_str()],
            )
            .map_err(sql("storing roles"))?;
        Ok(())
    }

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

    /// Gives the segments of document `id` that have no speaker the speaker `name`, who is
    /// recorded as a participant unless their role is already known. Returns how many.
    pub fn set_unlabelled(&mut self, id: i64, name: &str) -> R<usize> {
        let what = "naming unlabelled speech";
        let n = self
            .tx
            .execute(
                "UPDATE segments SET speaker = ?2 WHERE speaker IS NULL AND id BETWEEN
                   (SELECT first_segment FROM documents WHERE id = ?1)
                   AND (SELECT first_segment + segment_count - 1 FROM documents WHERE id = ?1)",
                params![id, name],
            )
            .map_err(sql(what))?;
        if n > 0 {
            self.tx
                .execute(
                    "INSERT INTO speakers(name, role, role_source) VALUES (?1, 'participant', 'user')
                     ON CONFLICT(name) DO UPDATE SET role = 'participant', role_source = 'user'
                     WHERE role IS NULL",
                    [name],
                )
                .map_err(sql(what))?;
        }
        Ok(n)
    }

    /// Makes everything written durable.
    pub fn commit(self) -> R<()> {
        self.tx.commit().map_err(sql("committing"))
    }
}

struct Stmts<'t> {
    source: rusqlite::Statement<'t>,
    new_source: rusqlite::Statement<'t>,
    same: rusqlite::Statement<'t>,
    twin: rusqlite::Statement<'t>,
    delete: rusqlite::Statement<'t>,
    insert: rusqlite::Statement<'t>,
    key_taken: rusqlite::Statement<'t>,
    segment: rusqlite::Statement<'t>,
    next_segment: rusqlite::Statement<'t>,
    speaker: rusqlite::Statement<'t>,
    post: rusqlite::Statement<'t>,
}

#[allow(clippy::too_many_arguments)]
fn put_one(
    tx: &Transaction<'_>,
    st: &mut Stmts<'_>,
    sources: &mut HashMap<String, (i64, bool)>,
    speakers: &mut HashSet<String>,
    doc: &mut ParsedDocument,
    replace: bool,
    posts: &mut PostIndex,
    mut similar: Option<&mut Similar>,
) -> R<Stored> {
    let (source_id, fresh) = match sources.get(&doc.path) {
        Some(&s) => s,
        None => {
            let found: Option<i64> = st
                .source
                .query_row([&doc.path], |r| r.get(0))
                .optional()
                .map_err(sql("looking for the source file"))?;
            let entry = match found {
                Some(id) => (id, false),
                None => {
                    let id = st
                        .new_source
                        .insert([&doc.path])
                        .map_err(sql("storing the source file"))?;
                    (id, true)
                }
            };
            sources.insert(doc.path.clone(), entry);
            entry
        }
    };
    let hash = doc.hash as i64;
    let key_hash = fnv1a(doc.key.as_bytes()) as i64;
    let mut old_id = None;
    let mut fingerprint = None;
    let mut moves: Vec<(i64, usize)> = Vec::new();
    let mut name = doc.name.clone();
    // A source this writer created has no stored documents yet: skip the lookup. Documents
    // of posts are never the same as a stored one: their posts were checked one by one.
    let is_posts = !doc.posts.is_empty();
    let same: Option<(i64, String, i64)> = if fresh || is_posts {
        None
    } else {
        st.same
            .query_row(params![source_id, key_hash, doc.key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(sql("looking for the document"))?
    };
    if let Some((id, stored_name, stored_hash)) = same {
        if stored_hash == hash {
            return Ok(Stored::Unchanged { name: stored_name });
        }
        if !replace {
            return Ok(Stored::Changed { name: stored_name });
        }
        moves = match decided_moves(tx, id, doc)? {
            Ok(m) => m,
            Err(missing) => {
                return Ok(Stored::Held {
                    name: stored_name,
                    segments: missing,
                })
            }
        };
        if !moves.is_empty() {
            // The decisions point at old segments until they are moved below.
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")
                .map_err(sql("replacing the document"))?;
        }
        st.delete
            .execute([id])
            .map_err(sql("replacing the document"))?;
        old_id = Some(id);
        name = stored_name;
    } else if doc.key.is_empty() && !is_posts {
        // A whole file whose content is already stored from another path is not added twice.
        // (Documents inside a JSONL file are identified by their id, not their content.)
        let twin: Option<String> = st
            .twin
            .query_row([hash], |r| r.get(0))
            .optional()
            .map_err(sql("looking for the document"))?;
        if let Some(twin) = twin {
            return Ok(Stored::Duplicate { name: twin });
        }
        if let Some(sim) = similar.as_deref_mut() {
            let fp = Fingerprint::of(
                doc.segments
                    .iter()
                    .map(|s| &doc.text[s.byte_start..s.byte_end]),
            );
            if let Some((id, share)) = near_twin(tx, sim, doc.text.len(), &fp)? {
                let (name, path): (String, String) = tx
                    .query_row(
                        "SELECT d.name, src.path FROM documents d JOIN sources src
                         ON src.id = d.source_id WHERE d.id = ?1",
                        [id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .map_err(sql("looking for the document"))?;
                let file = Path::new(&path)
                    .file_name()
                    .map_or(path.clone(), |f| f.to_string_lossy().into_owned());
                return Ok(Stored::Similar {
                    name,
                    file,
                    percent: (share * 100.0).floor() as u32,
                });
            }
            fingerprint = Some(fp);
        }
    }
    // A document's segments take consecutive ids, so the document row holds their range.
    let first: i64 = st
        .next_segment
        .query_row([], |r| r.get(0))
        .map_err(sql("numbering segments"))?;
    let base = name.clone();
    let mut n = 1;
    while st
        .insert
        .execute(params![
            name,
            fnv1a(name.as_bytes()) as i64,
            source_id,
            doc.key,
            key_hash,
            doc.format.as_str(),
            hash,
            doc.text.as_bytes(),
            first,
            doc.segments.len() as i64
        ])
        .map_err(sql("storing the document"))?
        == 0
    {
        // The name is taken, or (against what the parser guarantees) the key is. Documents
        // of posts may meet their names again (a thread continued in a later export).
        if !is_posts
            && st
                .key_taken
                .exists(params![source_id, key_hash, doc.key])
                .map_err(sql("storing the document"))?
        {
            return Err(StoreError::Conflict(format!(
                "{}: document `{}` appears twice in the file",
                doc.path, doc.key
            )));
        }
        n += 1;
        name = format!("{base} ({n})");
    }
    let id = tx.last_insert_rowid();
    if let (Some(sim), Some(fp)) = (similar, fingerprint) {
        sim.insert_stored(id, doc.text.len(), &fp);
    }
    for sp in doc.segments.iter().filter_map(|s| s.speaker.as_deref()) {
        if !speakers.contains(sp) {
            st.speaker.execute([sp]).map_err(sql("storing speakers"))?;
            speakers.insert(sp.to_string());
        }
    }
    let mut chars = CharCounter::new(&doc.text);
    let mut ids = Vec::with_capacity(doc.segments.len());
    for (ord, s) in doc.segments.iter().enumerate() {
        let cs = chars.at(s.byte_start);
        let ce = chars.at(s.byte_end);
        let seg_id = first + ord as i64;
        st.segment
            .execute(params![
                seg_id,
                id,
                ord as i64,
                s.speaker,
                s.start_ms.map(|v| v as i64),
                s.end_ms.map(|v| v as i64),
                s.line as i64,
                s.byte_start as i64,
                s.byte_end as i64,
                cs as i64,
                ce as i64
            ])
            .map_err(sql("storing segments"))?;
        ids.push(seg_id);
    }
    if is_posts {
        put_posts(&mut st.post, doc, first, posts)?;
    }
    for (old, ord) in moves {
        let new = first + ord as i64;
        tx.execute(
            "UPDATE decisions SET segment_id = ?2 WHERE segment_id = ?1",
            params![old, new],
        )
        .map_err(sql("moving decisions to the new version"))?;
        tx.execute(
            "INSERT INTO audit(at, coder, action, detail) VALUES (?1, 'quarry', 'move',
             ?2)",
            params![
                unix_ms(),
                format!(
                    "segment {old} -> {new}: {} replaced, same speaker and text",
                    name
                )
            ],
        )
        .map_err(sql("moving decisions to the new version"))?;
    }
    Ok(match old_id {
        Some(old_id) => Stored::Replaced {
            id,
            name,
            old_id,
            segments: ids,
        },
        None => Stored::Added {
            id,
            name,
            segments: ids,
        },
    })
}

/// The stored document whose text is most like `fp` (a new document of `len` bytes), with
/// the share of text they have in common, when that share makes them the same text. Stored
/// whole-file transcripts of about that length are read once per add (`similar` keeps them).
fn near_twin(
    tx: &Transaction<'_>,
    similar: &mut Similar,
    len: usize,
    fp: &Fingerprint,
) -> R<Option<(i64, f64)>> {
    let what = "comparing with stored documents";
    if !fp.usable() {
        return Ok(None);
    }
    if !similar.listed() {
        let mut st = tx
            .prepare(
                "SELECT id, length(text) FROM documents WHERE key = ''
                 AND format IN ('text', 'markdown', 'vtt', 'srt', 'docx', 'odt')",
            )
            .map_err(sql(what))?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(sql(what))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql(what))?;
        similar.list(rows);
    }
    let candidates = similar.candidates(len);
    let mut text = tx
        .prepare_cached("SELECT text FROM documents WHERE id = ?1")
        .map_err(sql(what))?;
    let mut ranges = tx
        .prepare_cached(&format!("SELECT s.byte_start, s.byte_end {DOC_SEGMENTS}"))
        .map_err(sql(what))?;
    for &id in &candidates {
        if similar.has(id) {
            continue;
        }
        let bytes: Vec<u8> = text.query_row([id], |r| r.get(0)).map_err(sql(what))?;
        let body = String::from_utf8_lossy(&bytes);
        let spans = ranges
            .query_map([id], |r| {
                Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize))
            })
            .map_err(sql(what))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql(what))?;
        let stored = Fingerprint::of(spans.iter().filter_map(|&(a, b)| body.get(a..b)));
        similar.insert(id, &stored);
    }
    Ok(similar.best(fp, &candidates))
}

/// (old segment id, index of the new segment) pairs, or the segments that have none.
type Moves = Result<Vec<(i64, usize)>, Vec<i64>>;

/// For a document about to be replaced: where the segments people decided on are in the new
/// version (old segment id, new segment's index), matched by speaker and text (the nearest
/// one when a text repeats). Err with the decided segments the new version lacks.
fn decided_moves(tx: &Transaction<'_>, old_doc: i64, doc: &ParsedDocument) -> R<Moves> {
    let what = "looking for decisions on the document";
    let mut st = tx
        .prepare(
            "SELECT DISTINCT s.id, s.ord, s.speaker, s.byte_start, s.byte_end
             FROM decisions x JOIN segments s ON s.id = x.segment_id
             WHERE s.document_id = ?1 ORDER BY s.id",
        )
        .map_err(sql(what))?;
    let decided = st
        .query_map([old_doc], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
            ))
        })
        .map_err(sql(what))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql(what))?;
    if decided.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let old_text: Vec<u8> = tx
        .query_row("SELECT text FROM documents WHERE id = ?1", [old_doc], |r| {
            r.get(0)
        })
        .map_err(sql(what))?;
    let mut used = HashSet::new();
    let mut moves = Vec::new();
    let mut missing = Vec::new();
    for (id, ord, speaker, a, b) in decided {
        let text = old_text.get(a..b).unwrap_or_default();
        let found = doc
            .segments
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                !used.contains(i)
                    && s.speaker == speaker
                    && doc.text.as_bytes().get(s.byte_start..s.byte_end) == Some(text)
            })
            .min_by_key(|(i, _)| (*i as i64 - ord).abs())
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                used.insert(i);
                moves.push((id, i));
            }
            None => missing.push(id),
        }
    }
    Ok(if missing.is_empty() {
        Ok(moves)
    } else {
        Err(missing)
    })
}

/// Converts byte offsets to code point offsets, for offsets that only move forward.
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    fn new(text: &'a str) -> Self {
        CharCounter {
            text,
            byte: 0,
            chars: 0,
        }
    }
    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        let byte = byte.min(self.text.len());
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

// ---------------------------------------------------------------- posts

const REPOST: i64 = 1;
const REPLY: i64 = 2;
const QUOTE: i64 = 4;
const DUPLICATE: i64 = 8;

/// The key a post is known by: its platform and id, hashed.
pub fn post_key(platform: Platform, id: &str) -> u64 {
    let mut h = fnv1a(platform.as_str().as_bytes());
    for &b in [0u8].iter().chain(id.as_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What a post's text is compared on to find reposts and duplicates: the text without a
/// leading `RT @name: `, lowercased.
pub fn text_key(text: &str) -> u64 {
    let body = match text.strip_prefix("RT @").and_then(|r| r.split_once(": ")) {
        Some((handle, rest)) if !handle.contains(char::is_whitespace) => rest,
        _ => text,
    };
    fnv1a(body.trim().to_lowercase().as_bytes())
}

/// The posts a project holds, as hashes in memory: which ids are stored (to add only new
/// posts from an overlapping export) and the first original post of each text (to link
/// reposts and duplicates to it). About 40 bytes a post.
#[derive(Debug, Default)]
pub struct PostIndex {
    keys: rustc_hash::FxHashSet<u64>,
    texts: rustc_hash::FxHashMap<u64, i64>,
}

impl PostIndex {
    /// Whether a post with this key is stored (or was seen earlier in this run); records it.
    pub fn seen(&mut self, key: u64) -> bool {
        !self.keys.insert(key)
    }
}

fn join_list(v: &[String]) -> String {
    v.join(" ")
}

fn split_list(s: String) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(' ').map(str::to_string).collect()
    }
}

const POST_COLS: &str = "p.segment_id, p.platform, p.post_id, p.created, p.url, p.lang, \
     p.hashtags, p.mentions, p.links, p.likes, p.reposts, p.flags, p.repost_of, p.reply_to, \
     p.thread, p.original, p.attrs";

fn post_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, PostMeta)> {
    let flags: i64 = r.get(11)?;
    let created: Option<i64> = r.get(3)?;
    let attrs: Option<String> = r.get(16)?;
    let attrs: Vec<(String, String)> = attrs
        .and_then(|a| serde_json::from_str(&a).ok())
        .unwrap_or_default();
    Ok((
        r.get(0)?,
        PostMeta {
            platform: Platform::parse(&r.get::<_, String>(1)?).unwrap_or_default(),
            id: r.get(2)?,
            created,
            created_at: created.map(crate::text::time::iso_utc),
            url: r.get(4)?,
            lang: r.get(5)?,
            hashtags: split_list(r.get(6)?),
            mentions: split_list(r.get(7)?),
            links: split_list(r.get(8)?),
            likes: r.get::<_, Option<i64>>(9)?.map(|v| v as u64),
            reposts: r.get::<_, Option<i64>>(10)?.map(|v| v as u64),
            is_repost: flags & REPOST != 0,
            is_reply: flags & REPLY != 0,
            is_quote: flags & QUOTE != 0,
            is_duplicate: flags & DUPLICATE != 0,
            repost_of: r.get(12)?,
            reply_to: r.get(13)?,
            thread: r.get(14)?,
            original: r.get(15)?,
            attrs,
        },
    ))
}

impl Store {
    /// Loads what `add` needs to know of the stored posts (nothing to read in a project
    /// without posts).
    pub fn post_index(&self) -> R<PostIndex> {
        let mut idx = PostIndex::default();
        let mut st = self
            .conn
            .prepare("SELECT post_key, text_hash, segment_id, flags, original FROM posts")
            .map_err(sql("reading posts"))?;
        let mut rows = st.query([]).map_err(sql("reading posts"))?;
        while let Some(r) = rows.next().map_err(sql("reading posts"))? {
            let key: i64 = r.get(0).map_err(sql("reading posts"))?;
            let text: i64 = r.get(1).map_err(sql("reading posts"))?;
            let seg: i64 = r.get(2).map_err(sql("reading posts"))?;
            let flags: i64 = r.get(3).map_err(sql("reading posts"))?;
            idx.keys.insert(key as u64);
            if flags & (REPOST | DUPLICATE) == 0 {
                idx.texts.entry(text as u64).or_insert(seg);
            }
        }
        Ok(idx)
    }

    /// The post data of segments `from..=to` (those that are posts), by segment id.
    pub fn posts_between(&self, from: i64, to: i64) -> R<Vec<(i64, PostMeta)>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {POST_COLS} FROM posts p WHERE p.segment_id BETWEEN ?1 AND ?2 ORDER BY p.segment_id"
            ))
            .map_err(sql("reading posts"))?;
        let rows = st
            .query_map([from, to], post_row)
            .map_err(sql("reading posts"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql("reading posts"));
        rows
    }

    /// Recomputes the per-author attributes of everyone who has posts: `posts`,
    /// `original_posts`, `reposts`, `original_share` (originals ÷ posts, two decimals),
    /// `first_post` and `last_post` (dates, UTC).
    pub fn refresh_author_attributes(&mut self) -> R<usize> {
        let tx = self
            .conn
            .transaction()
            .map_err(sql("computing author attributes"))?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS author_stats(speaker TEXT PRIMARY KEY, n INTEGER,
                originals INTEGER, reposts INTEGER, first INTEGER, last INTEGER);
             DELETE FROM author_stats;
             INSERT INTO author_stats
               SELECT s.speaker, count(*), sum((p.flags & 9) = 0), sum((p.flags & 1) != 0),
                      min(p.created), max(p.created)
               FROM posts p JOIN segments s ON s.id = p.segment_id
               WHERE s.speaker IS NOT NULL GROUP BY s.speaker;",
        )
        .map_err(sql("computing author attributes"))?;
        let authors: i64 = tx
            .query_row("SELECT count(*) FROM author_stats", [], |r| r.get(0))
            .map_err(sql("computing author attributes"))?;
        for (key, expr) in [
            ("posts", "n"),
            ("original_posts", "originals"),
            ("reposts", "reposts"),
            ("original_share", "printf('%.2f', 1.0 * originals / n)"),
            ("first_post", "date(first, 'unixepoch')"),
            ("last_post", "date(last, 'unixepoch')"),
        ] {
            tx.execute_batch(&format!(
                "INSERT INTO attributes(speaker, key, value)
                   SELECT speaker, '{key}', {expr} FROM author_stats WHERE {expr} IS NOT NULL
                 ON CONFLICT(speaker, key) WHERE speaker IS NOT NULL
                   DO UPDATE SET value = excluded.value;"
            ))
            .map_err(sql("storing author attributes"))?;
        }
        tx.commit().map_err(sql("storing author attributes"))?;
        Ok(authors as usize)
    }
}

/// Stores the post rows of a document whose segments are `first..`, settling on the way
/// which posts are duplicates of an earlier post's text and which original a repost has.
fn put_posts(
    st: &mut rusqlite::Statement<'_>,
    doc: &mut ParsedDocument,
    first: i64,
    index: &mut PostIndex,
) -> R<()> {
    let ParsedDocument {
        text,
        segments,
        posts,
        ..
    } = doc;
    for (ord, (s, p)) in segments.iter().zip(posts.iter_mut()).enumerate() {
        let seg_id = first + ord as i64;
        let body = &text[s.byte_start..s.byte_end];
        let h = text_key(body);
        match index.texts.get(&h) {
            Some(&o) => {
                p.original = Some(o);
                p.is_duplicate = !p.is_repost;
            }
            None if !p.is_repost => {
                index.texts.insert(h, seg_id);
            }
            None => {}
        }
        let flags = [
            (p.is_repost, REPOST),
            (p.is_reply, REPLY),
            (p.is_quote, QUOTE),
            (p.is_duplicate, DUPLICATE),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        let attrs =
            (!p.attrs.is_empty()).then(|| serde_json::to_string(&p.attrs).unwrap_or_default());
        st.execute(params![
            seg_id,
            p.platform.as_str(),
            p.id,
            post_key(p.platform, &p.id) as i64,
            p.created,
            p.url,
            p.lang,
            join_list(&p.hashtags),
            join_list(&p.mentions),
            join_list(&p.links),
            p.likes.map(|v| v as i64),
            p.reposts.map(|v| v as i64),
            flags,
            p.repost_of,
            p.reply_to,
            p.thread,
            p.original,
            h as i64,
            attrs
        ])
        .map_err(sql("storing posts"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- suggestions

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
}

fn encode_evidence(ev: &[Evidence]) -> Vec<u8> {
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
fn encode_terms(ev: &[Evidence]) -> Option<Vec<u8>> {
    ev.iter()
        .any(|e| e.term != 0)
        .then(|| ev.iter().flat_map(|e| e.term.to_le_bytes()).collect())
}

fn decode_evidence(b: &[u8], terms: Option<&[u8]>) -> Vec<Evidence> {
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
const SUGGESTIONS: &str = "suggestions s CROSS JOIN codes c ON c.id = s.code_id";

/// What one codebook's `suggest` run stores.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestRun {
    /// Codebook id.
    pub codebook: String,
    /// What the run applied.
    pub state: RunState,
    /// Delete the codebook's undecided suggestions first (a full run).
    pub replace: bool,
    /// Changes to single suggestions.
    pub changes: Vec<SuggestionChange>,
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

    /// The highest segment id (0 in an empty project).
    pub fn last_segment(&self) -> R<i64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM segments", [], |r| {
                r.get(0)
            })
            .map_err(sql("reading segments"))
    }

    /// A codebook's stored suggestions (only those someone decided on, if `decided_only`),
    /// in no particular order.
    pub fn codebook_suggestions(
        &self,
        codebook: &str,
        decided_only: bool,
    ) -> R<Vec<SuggestionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {SUGGESTION_COLS} FROM {SUGGESTIONS} WHERE c.codebook = ?1
                 AND (NOT ?2 OR {DECIDED})"
            ))
            .map_err(sql("reading suggestions"))?;
        let rows = st
            .query_map(params![codebook, decided_only], suggestion_row)
            .map_err(sql("reading suggestions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("reading suggestions"))
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

    /// Stores what a `suggest` run found, for every codebook it ran, in one transaction:
    /// the new evidence words, the changes to suggestions and each codebook's run state.
    /// Decisions are not touched.
    pub fn save_suggestions(
        &mut self,
        words: &[(u32, String, String)],
        runs: &[SuggestRun],
    ) -> R<()> {
        let what = "storing suggestions";
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(what))?;
        {
            let mut w = tx
                .prepare("INSERT INTO words(id, word, stem) VALUES (?1, ?2, ?3)")
                .map_err(sql(what))?;
            for (id, word, stem) in words {
                w.execute(params![i64::from(*id), word, stem])
                    .map_err(sql(what))?;
            }
            // An insert meets a stored row only when someone decided on it after the run
            // read the decisions: the row is then brought up to date.
            let mut ins = tx
                .prepare(
                    "INSERT INTO suggestions(segment_id, code_id, version, score, evidence, state,
                                             changed, terms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(segment_id, code_id) DO UPDATE SET
                        version = excluded.version, score = excluded.score,
                        evidence = excluded.evidence, state = excluded.state,
                        terms = excluded.terms",
                )
                .map_err(sql(what))?;
            let mut upd = tx
                .prepare(
                    "UPDATE suggestions SET version = ?3, score = ?4, evidence = ?5, state = ?6,
                                            changed = ?7, terms = ?8
                     WHERE segment_id = ?1 AND code_id = ?2",
                )
                .map_err(sql(what))?;
            let mut del = tx
                .prepare("DELETE FROM suggestions WHERE segment_id = ?1 AND code_id = ?2")
                .map_err(sql(what))?;
            let mut clear = tx
                .prepare(
                    "DELETE FROM suggestions AS s
                     WHERE s.code_id IN (SELECT id FROM codes WHERE codebook = ?1)
                       AND NOT EXISTS (SELECT 1 FROM codes c JOIN decisions d
                                         ON d.codebook = c.codebook AND d.code = c.code
                                       WHERE c.id = s.code_id AND d.segment_id = s.segment_id
                                         AND d.undone_at IS NULL)",
                )
                .map_err(sql(what))?;
            let mut code_id = tx
                .prepare(
                    "INSERT INTO codes(codebook, code) VALUES (?1, ?2)
                     ON CONFLICT DO UPDATE SET code = excluded.code RETURNING id",
                )
                .map_err(sql(what))?;
            let mut code_ids: HashMap<(String, String), i64> = HashMap::new();
            let mut run = tx
                .prepare(
                    "INSERT OR REPLACE INTO suggest_runs(codebook, version, last_segment, rules,
                                                        unit, scope, widen, origin, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, unixepoch())",
                )
                .map_err(sql(what))?;
            for r in runs {
                if r.replace {
                    clear.execute([&r.codebook]).map_err(sql(what))?;
                }
                for c in &r.changes {
                    match c {
                        SuggestionChange::Insert(s) => {
                            let key = (s.codebook.clone(), s.code.clone());
                            let cid = match code_ids.get(&key) {
                                Some(id) => *id,
                                None => {
                                    let id: i64 = code_id
                                        .query_row(params![s.codebook, s.code], |r| r.get(0))
                                        .map_err(sql(what))?;
                                    code_ids.insert(key, id);
                                    id
                                }
                            };
                            ins.execute(params![
                                s.segment,
                                cid,
                                s.version,
                                s.score,
                                encode_evidence(&s.evidence),
                                s.state.code(),
                                s.changed,
                                encode_terms(&s.evidence)
                            ])
                        }
                        SuggestionChange::Update(s) => upd.execute(params![
                            s.segment,
                            s.code_id,
                            s.version,
                            s.score,
                            encode_evidence(&s.evidence),
                            s.state.code(),
                            s.changed,
                            encode_terms(&s.evidence)
                        ]),
                        SuggestionChange::Delete(seg, code) => del.execute([seg, code]),
                    }
                    .map_err(sql(what))?;
                }
                let st = &r.state;
                let rules: Vec<String> = st.rules.iter().map(i64::to_string).collect();
                run.execute(params![
                    r.codebook,
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
        tx.commit().map_err(sql(what))
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
            });
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------- decisions

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_4_project_migrates_and_reads_its_rules_and_evidence_as_one_term() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("quarry.db");
        {
            let conn = Connection::open(&path).unwrap();
            for m in &MIGRATIONS[..4] {
                conn.execute_batch(m).unwrap();
            }
            conn.execute_batch(
                "PRAGMA user_version = 4;
                 INSERT INTO rules(codebook, code, hash, text) VALUES ('t', 't.k', 7, 'kind OR help*');",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let rules = store.rules("t").unwrap();
        assert_eq!(rules[0].terms, ["kind OR help*"]);
        // A run of the new version names the terms.
        store
            .put_rules(&[NewRule {
                codebook: "t",
                code: "t.k",
                hash: 7,
                text: "kind OR help*",
                terms: vec!["kind".into(), "help*".into()],
            }])
            .unwrap();
        assert_eq!(store.rules("t").unwrap()[0].terms, ["kind", "help*"]);
        // Evidence stored without terms reads as the first term; with terms, as stored.
        let ev = vec![
            Evidence {
                rule: 1,
                term: 0,
                word: 3,
                start: 10,
                end: 14,
            },
            Evidence {
                rule: 1,
                term: 1,
                word: 4,
                start: 20,
                end: 24,
            },
        ];
        let blob = encode_evidence(&ev);
        assert!(decode_evidence(&blob, None).iter().all(|e| e.term == 0));
        assert_eq!(decode_evidence(&blob, encode_terms(&ev).as_deref()), ev);
        assert_eq!(encode_terms(&ev[..1]), None);
    }
}
