//! The tables: the schema as a list of migrations, one per version, applied in order when a
//! project is opened (SQLite's `PRAGMA user_version` says how many a file has had).

use super::{sql, Store, StoreError, R};

/// The newest schema this build writes.
pub const SCHEMA_VERSION: i64 = 6;

pub(super) const MIGRATIONS: &[&str] = &[
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
    // version 6: samples of runs made past this machine (`quarry import matches`): where
    // they came from, the full run's count per stratum (a code, or a code and the first term
    // that found a post), and which stratum each sampled post stands for.
    "CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        source TEXT NOT NULL,
        file TEXT NOT NULL,
        records INTEGER,
        matches INTEGER,
        per_term INTEGER NOT NULL,
        size INTEGER NOT NULL
     );
     CREATE TABLE sample_strata (
        sample_id INTEGER NOT NULL REFERENCES samples(id),
        codebook TEXT NOT NULL,
        code TEXT NOT NULL,
        term TEXT NOT NULL,
        matches INTEGER NOT NULL,
        sampled INTEGER NOT NULL,
        PRIMARY KEY (sample_id, codebook, code, term)
     );
     CREATE TABLE sample_posts (
        sample_id INTEGER NOT NULL REFERENCES samples(id),
        post_id TEXT NOT NULL,
        codebook TEXT NOT NULL,
        code TEXT NOT NULL,
        term TEXT NOT NULL
     );
     CREATE INDEX sample_posts_post ON sample_posts(post_id);",
];

impl Store {
    pub(super) fn migrate(&mut self) -> R<()> {
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
}
