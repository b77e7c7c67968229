//! A project on disk: `DIR/.quarry/quarry.db` (the record) and `DIR/.quarry/index/` (derived).
//!
//! Finds a project as git does (walk up from the current folder), creates one, and runs the
//! stages that need both the store and the index: `add` (ingest → store → index), `reindex`,
//! and keeping the index in step with the database. Nothing here parses or prints.

/// Folder of a project (next to `.quarry`) where imported codebooks are written.
pub const CODEBOOK_DIR: &str = "codebooks";

pub mod backup;
pub mod check;
pub mod search;

use crate::error::{IngestError, ProjectError, Result, StoreError};
use crate::index::Index;
use crate::ingest::{self, RoleGuess, SpeakerStats};
use crate::store::{post_key, AttrTarget, PostIndex, RemovedDocument, Store, Stored};
use crate::text::analyzer::{AnalyzerConfig, StemmerKind};
use crate::text::model::{Format, Role, RoleSource};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Name of the folder that marks a project.
pub const DIR_NAME: &str = ".quarry";

/// Settings fixed at `init`.
#[derive(Debug, Clone, Default)]
pub struct InitConfig {
    /// The analyzer: language and stemmer.
    pub analyzer: AnalyzerConfig,
}

/// What `add` should do.
#[derive(Debug, Clone, Default)]
pub struct AddConfig {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Replace documents whose file changed.
    pub replace: bool,
    /// Speakers to record as interviewers.
    pub interviewers: Vec<String>,
    /// Speakers to record as participants.
    pub participants: Vec<String>,
    /// Attributes for every document added.
    pub attrs: Vec<(String, String)>,
    /// The participant who speaks in the unlabelled paragraphs of documents that label
    /// other speakers (think-aloud sessions that label only the moderator). `{doc}` in it
    /// stands for the document's name.
    pub unlabelled: Option<String>,
    /// Add files whose text nearly matches a stored document's (the same interview in
    /// another format) instead of reporting them.
    pub allow_duplicates: bool,
    /// Format and column choices.
    pub read: ingest::ReadOptions,
}

/// What `add` did.
#[derive(Debug, Clone, Default)]
pub struct AddReport {
    /// Number of documents added.
    pub added: usize,
    /// Names of documents replaced.
    pub replaced: Vec<String>,
    /// Number of documents already stored, unchanged.
    pub unchanged: usize,
    /// Documents whose file changed but `--replace` was not given.
    pub changed: Vec<String>,
    /// Documents not replaced because segments people coded are not in the new version,
    /// with those segments.
    pub held: Vec<(String, Vec<i64>)>,
    /// (document name, the stored twin) for content already stored from another path.
    pub duplicates: Vec<(String, String)>,
    /// Files not added because their text nearly matches a stored document's: (the file's
    /// name, the stored document's name, its file's name, percent of the text shared).
    pub similar: Vec<(String, String, String, u32)>,
    /// Documents added without any speaker label while others of this add have them (a
    /// README or notes in a folder of transcripts), by name.
    pub plain: Vec<String>,
    /// Files and lines that could not be read.
    pub errors: Vec<IngestError>,
    /// Files in folders that are not in a format quarry reads.
    pub ignored: usize,
    /// Segments stored.
    pub segments: usize,
    /// Distinct speakers in what was added.
    pub speakers: usize,
    /// Bytes of stored text added.
    pub bytes: u64,
    /// Roles guessed.
    pub guesses: Vec<RoleGuess>,
    /// Posts stored (each is also a segment).
    pub posts: usize,
    /// Posts passed over because a post with the same platform and id is stored already
    /// (an overlapping export) or came earlier in this run.
    pub posts_known: usize,
    /// Authors whose attributes (posts, original share, first and last post) were updated.
    pub authors: usize,
    /// Things left out on purpose, per file (posts without text).
    pub notes: Vec<IngestError>,
}

/// What `remove` should do.
#[derive(Debug, Clone, Default)]
pub struct RemoveConfig {
    /// Document names.
    pub documents: Vec<String>,
    /// Remove documents people made decisions on, with those decisions.
    pub force: bool,
}

/// An open project.
pub struct Project {
    root: PathBuf,
    store: Store,
    analyzer: AnalyzerConfig,
}

impl Project {
    /// Creates a project in `dir` (made if missing).
    pub fn init(dir: &Path, config: &InitConfig) -> Result<Project> {
        let qdir = dir.join(DIR_NAME);
        if qdir.join("quarry.db").exists() {
            return Err(ProjectError::Exists(dir.to_path_buf()).into());
        }
        crate::text::analyzer::Analyzer::new(&config.analyzer).map_err(ProjectError::Config)?;
        std::fs::create_dir_all(&qdir).map_err(|source| ProjectError::Io {
            path: qdir.clone(),
            source,
        })?;
        let store = Store::create(
            &qdir.join("quarry.db"),
            &[
                ("language", &config.analyzer.language),
                ("stemmer", config.analyzer.stemmer.as_str()),
                ("generation", "0"),
            ],
        )?;
        let p = Project {
            root: dir.to_path_buf(),
            store,
            analyzer: config.analyzer.clone(),
        };
        let idx = Index::recreate(&p.index_dir(), &p.analyzer)?;
        idx.writer(1)?.commit(0)?;
        Ok(p)
    }

    /// Finds the project folder: `explicit` if given, else `start` or the nearest folder
    /// above it that holds `.quarry`.
    pub fn find(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
        if let Some(dir) = explicit {
            let dir = if dir.file_name().is_some_and(|n| n == DIR_NAME) {
                dir.parent().unwrap_or(dir)
            } else {
                dir
            };
            if dir.join(DIR_NAME).join("quarry.db").exists() {
                return Ok(dir.to_path_buf());
            }
            return Err(ProjectError::NotFound(dir.to_path_buf()).into());
        }
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let mut cur = Some(start.as_path());
        while let Some(dir) = cur {
            if dir.join(DIR_NAME).join("quarry.db").exists() {
                return Ok(dir.to_path_buf());
            }
            cur = dir.parent();
        }
        Err(ProjectError::NotFound(start).into())
    }

    /// Opens the project in `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let store = Store::open(&root.join(DIR_NAME).join("quarry.db"))?;
        let language = store
            .setting("language")?
            .unwrap_or_else(|| "english".into());
        let stemmer = store
            .setting("stemmer")?
            .and_then(|s| StemmerKind::parse(&s))
            .unwrap_or(StemmerKind::Snowball);
        Ok(Project {
            root: root.to_path_buf(),
            store,
            analyzer: AnalyzerConfig { language, stemmer },
        })
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The database, for changes.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The analyzer settings.
    pub fn analyzer(&self) -> &AnalyzerConfig {
        &self.analyzer
    }

    fn index_dir(&self) -> PathBuf {
        self.root.join(DIR_NAME).join("index")
    }

    /// The index, rebuilt first when it does not reflect the database (say after an
    /// interrupted `add`). Returns whether it was rebuilt.
    ///
    /// While another process is writing (an `add` in progress holds the index's writer
    /// lock), the index is used as it is: that process brings it up to date when it commits.
    /// The index returned holds `.quarry/index.lock` shared until it is dropped, and a rebuild
    /// holds it exclusively (it deletes the folder), so a rebuild waits for the processes
    /// using the index and they wait for it; two processes that find the index stale rebuild
    /// it once.
    pub fn index(&self) -> Result<(Index, bool)> {
        let mut rebuilt = false;
        // Another process may rebuild or write between our rebuild and our look; three
        // rounds are plenty, after which the index is used as it is.
        for _ in 0..3 {
            let shared = self.index_lock(false);
            if let Some(idx) = self.current_index() {
                return Ok((idx.holding(shared), rebuilt));
            }
            drop(shared);
            let _rebuilding = self.index_lock(true);
            if self.current_index().is_none() {
                self.rebuild_index()?;
                rebuilt = true;
            }
        }
        let shared = self.index_lock(false);
        Ok((
            Index::open_or_create(&self.index_dir(), &self.analyzer)?.holding(shared),
            rebuilt,
        ))
    }

    /// The index on disk when it reflects the database, or when an `add` is writing it (an
    /// index with a commit behind it). An index being rebuilt has no commit yet: None, so
    /// the caller waits for the rebuild rather than search a half-made index.
    fn current_index(&self) -> Option<Index> {
        let idx = Index::open_or_create(&self.index_dir(), &self.analyzer).ok()?;
        let generation = idx.generation()?;
        (Some(generation) == self.store.generation().ok() || idx.is_being_written()).then_some(idx)
    }

    /// A lock on `.quarry/index.lock`, exclusive or shared, held while the file lives; blocks
    /// until it is granted. None when the lock file cannot be made (a read-only project,
    /// which nobody can be writing).
    fn index_lock(&self, exclusive: bool) -> Option<std::fs::File> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(DIR_NAME).join("index.lock"))
            .ok()?;
        if exclusive {
            f.lock().ok()?;
        } else {
            f.lock_shared().ok()?;
        }
        Some(f)
    }

    /// The index as it is on disk, not rebuilt even when stale (for `quarry check`).
    pub fn index_as_is(&self) -> Result<Index> {
        Ok(Index::open_or_create(&self.index_dir(), &self.analyzer)?)
    }

    /// A codebook of this project by id: from where `suggest` last read it, else built in,
    /// else the one an import wrote to `codebooks/`.
    pub fn load_codebook(
        &self,
        id: &str,
    ) -> std::result::Result<crate::codebook::Codebook, crate::codebook::CodebookError> {
        use crate::codebook;
        let origin = self
            .store
            .codebooks_run()
            .ok()
            .and_then(|runs| runs.into_iter().find(|(b, _)| b == id).map(|(_, o)| o));
        let first = match origin {
            Some(o) => codebook::load_origin(&o),
            None => codebook::load(id),
        };
        first.or_else(|e| {
            let imported = self.root.join(CODEBOOK_DIR).join(format!("{id}.toml"));
            if imported.exists() {
                codebook::load(&imported.to_string_lossy())
            } else {
                Err(e)
            }
        })
    }

    /// The document a person means by `name`: the one of that name (case aside), else the
    /// one whose name starts with it. Several starting so are listed; no match lists the
    /// closest names.
    pub fn find_document(&self, name: &str) -> Result<crate::text::model::Document> {
        if let Some(d) = self.store.document_by_name(name)? {
            return Ok(d);
        }
        let docs = self.store.documents()?;
        let lower = name.to_lowercase();
        let mut starting: Vec<crate::text::model::Document> = docs
            .iter()
            .filter(|d| d.name.to_lowercase().starts_with(&lower))
            .cloned()
            .collect();
        if starting.len() == 1 && !name.is_empty() {
            return Ok(starting.remove(0));
        }
        let listed = |names: Vec<&str>| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if starting.len() > 1 && !name.is_empty() {
            const SHOWN: usize = 10;
            let more = starting.len().saturating_sub(SHOWN);
            return Err(crate::Error::Other(format!(
                "`{name}` starts {} document names: {}{}; give more of the name",
                starting.len(),
                listed(
                    starting
                        .iter()
                        .take(SHOWN)
                        .map(|d| d.name.as_str())
                        .collect()
                ),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )));
        }
        let near = closest(name, docs.iter().map(|d| d.name.as_str()), 3);
        Err(crate::store::StoreError::NotFound(if near.is_empty() {
            format!("no document named `{name}`; `quarry list documents` shows them")
        } else {
            format!(
                "no document named `{name}`; the closest: {} (`quarry list documents` shows \
                 them all)",
                listed(near)
            )
        })
        .into())
    }

    /// The codebooks this project knows by id besides the built-in ones, with where each is
    /// read from: those `suggest` ran (their last origin) and those an import wrote to
    /// `codebooks/`.
    pub fn stored_codebooks(&self) -> Result<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = self
            .store
            .codebooks_run()?
            .into_iter()
            .filter(|(_, origin)| !origin.starts_with("built-in:"))
            .collect();
        if let Ok(dir) = std::fs::read_dir(self.root.join(CODEBOOK_DIR)) {
            for e in dir.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    if let Some(id) = path.file_stem().and_then(|s| s.to_str()) {
                        if !out.iter().any(|(b, _)| b == id) {
                            out.push((id.to_string(), path.to_string_lossy().into_owned()));
                        }
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A codebook named on the command line: a built-in name (any case) or a TOML file, else
    /// the id of a codebook this project knows ([`Project::stored_codebooks`]). An unknown
    /// name gets the list of what is available.
    pub fn codebook(&self, name_or_path: &str) -> Result<crate::codebook::Codebook> {
        let e = match crate::codebook::load(name_or_path) {
            Err(e) if e.not_found() => e,
            other => return Ok(other?),
        };
        let stored = self.stored_codebooks()?;
        if let Some((_, origin)) = stored
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(name_or_path.trim()))
        {
            return Ok(crate::codebook::load(origin)?);
        }
        if stored.is_empty() {
            return Err(e.into());
        }
        Err(crate::Error::Other(format!(
            "{}. This project also knows: {}",
            e.message,
            stored
                .iter()
                .map(|(id, origin)| format!("{id} ({origin})"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    /// The names of the codes of these codebooks, by (codebook, code id), from each
    /// codebook as [`Project::load_codebook`] finds it (a codebook that cannot be read
    /// gives no names: its ids are shown).
    pub fn code_names<'a>(
        &self,
        codebooks: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<(String, String), String> {
        let mut books: Vec<&str> = codebooks.into_iter().collect();
        books.sort();
        books.dedup();
        let mut names = HashMap::new();
        for b in books {
            if let Ok(cb) = self.load_codebook(b) {
                for c in cb.codes {
                    names.insert((b.to_string(), c.id), c.name);
                }
            }
        }
        names
    }

    /// Rebuilds the index from the database (waiting for whoever is using it). The index
    /// returned holds no lock: use [`Project::index`] to search.
    pub fn reindex(&self) -> Result<Index> {
        let _rebuilding = self.index_lock(true);
        self.rebuild_index()
    }

    /// [`Project::reindex`] with the index lock held by the caller.
    fn rebuild_index(&self) -> Result<Index> {
        let generation = self.store.generation()?;
        let idx = Index::recreate(&self.index_dir(), &self.analyzer)?;
        let mut w = idx.writer(rayon::current_num_threads())?;
        self.store
            .for_each_document(|doc, text, segs| self.index_segments(&mut w, doc, text, segs))?;
        w.commit(generation)?;
        Ok(idx)
    }

    /// Queues a stored document's segments (with their posts) for the index.
    fn index_segments(
        &self,
        w: &mut crate::index::IndexWriterHandle,
        doc: i64,
        text: &str,
        segs: Vec<crate::store::SegmentRow>,
    ) -> Result<()> {
        let posts = match (segs.first(), segs.last()) {
            (Some(a), Some(b)) => self.store.posts_between(a.id, b.id)?,
            _ => Vec::new(),
        };
        let mut posts = posts.into_iter().peekable();
        for s in segs {
            let t = text.get(s.byte_start..s.byte_end).unwrap_or("");
            let post = posts.next_if(|(id, _)| *id == s.id).map(|(_, p)| p);
            w.add(s.id, doc, s.speaker.as_deref(), t, post.as_ref())?;
        }
        Ok(())
    }

    /// Removes documents with their segments and everything derived from them (index
    /// entries, posts, attributes, suggestions). A document people made decisions on is
    /// removed only with `force`, and then its decisions go too (the audit lists them);
    /// otherwise nothing is removed and the error says how many decisions would go.
    pub fn remove(&mut self, cfg: &RemoveConfig) -> Result<Vec<RemovedDocument>> {
        let mut ids = Vec::new();
        let mut held = Vec::new();
        for name in &cfg.documents {
            // A removal takes a whole name (case aside), never just its start.
            let d = self.find_document(name)?;
            if d.name.to_lowercase() != name.to_lowercase() {
                return Err(crate::Error::Other(format!(
                    "nothing removed: `{name}` is only the start of `{}`; `quarry remove` \
                     takes a document's whole name",
                    d.name
                )));
            }
            if ids.contains(&d.id) {
                continue;
            }
            let dec = self.store.document_decisions(d.id)?;
            if dec.total > 0 && !cfg.force {
                held.push(format!(
                    "{} has {} decision(s) by {} ({} not undone)",
                    d.name,
                    dec.total,
                    dec.coders.join(", "),
                    dec.standing
                ));
            }
            ids.push(d.id);
        }
        if !held.is_empty() {
            return Err(StoreError::Conflict(format!(
                "nothing removed: {}; --force removes the decisions with the document(s) \
                 (the audit keeps a list of them)",
                held.join("; ")
            ))
            .into());
        }
        let (idx, _) = self.index()?;
        let mut iw = idx.writer(1)?;
        let mut w = self.store.writer()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(w.remove_document(id)?);
            iw.delete_document(id);
        }
        w.commit()?;
        if out.iter().any(|r| r.posts) {
            self.store.refresh_author_attributes()?;
        }
        iw.commit(self.store.generation()?)?;
        Ok(out)
    }

    /// Gives the unlabelled segments of document `doc` (those without a speaker) the speaker
    /// `name`, a participant unless their role is known, in the record and the index.
    /// Returns the document's name and how many segments changed.
    pub fn set_unlabelled(&mut self, doc: &str, name: &str) -> Result<(String, usize)> {
        let d = self.find_document(doc)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::NotFound("the speaker's name is empty".into()).into());
        }
        if matches!(d.format, Format::Csv | Format::Json) {
            return Err(StoreError::Conflict(format!(
                "{} holds posts: their authors are their speakers (`add --author` names one \
                 for exports without)",
                d.name
            ))
            .into());
        }
        let (idx, _) = self.index()?;
        let mut iw = idx.writer(1)?;
        let mut w = self.store.writer()?;
        let n = w.set_unlabelled(d.id, name)?;
        w.commit()?;
        if n > 0 {
            iw.delete_document(d.id);
            let (text, rows) = self.store.document_rows(d.id)?;
            self.index_segments(&mut iw, d.id, &text, rows)?;
        }
        iw.commit(self.store.generation()?)?;
        Ok((d.name, n))
    }

    /// Ingests files: parses in parallel, stores each document whole, indexes what is new,
    /// guesses roles. Calls `progress(documents, segments)` as it goes.
    pub fn add(
        &mut self,
        cfg: &AddConfig,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<AddReport> {
        let mut report = AddReport::default();
        let (files, errors, ignored) = ingest::discover(&cfg.paths, cfg.read.format);
        report.errors = errors;
        report.ignored = ignored;
        // What is known of stored posts is loaded only when posts may come.
        let may_have_posts = cfg.read.format.is_some()
            || files.iter().any(|f| {
                matches!(
                    ingest::format_of(f),
                    Some(Format::Csv | Format::Json | Format::Jsonl | Format::Text)
                )
            });
        let rx = ingest::read(files, cfg.read.clone());
        self.store_parsed(rx, may_have_posts, cfg, report, progress, None)
    }

    /// Stores documents parsed elsewhere (a REFI-QDA project's sources) as `add` stores
    /// files, and says for each what storing it did, in order.
    pub(crate) fn add_parsed(
        &mut self,
        docs: Vec<crate::text::model::ParsedDocument>,
        cfg: &AddConfig,
    ) -> Result<(AddReport, Vec<Stored>)> {
        let mut outcomes = Vec::with_capacity(docs.len());
        let report = self.store_parsed(
            [docs.into_iter().map(Ok).collect()],
            false,
            cfg,
            AddReport::default(),
            &mut |_, _| {},
            Some(&mut outcomes),
        )?;
        Ok((report, outcomes))
    }

    /// `add` from parsing on: stores batches of parsed documents, indexes what is new,
    /// records roles. With `outcomes`, keeps what storing each document did.
    fn store_parsed(
        &mut self,
        batches: impl IntoIterator<Item = Vec<ingest::Item>>,
        may_have_posts: bool,
        cfg: &AddConfig,
        mut report: AddReport,
        progress: &mut dyn FnMut(usize, usize),
        mut outcomes: Option<&mut Vec<Stored>>,
    ) -> Result<AddReport> {
        // `idx` holds the index lock (shared) to the end: no rebuild deletes the index under
        // this writer.
        let (idx, _) = self.index()?;
        let mut iw = idx.writer(rayon::current_num_threads())?;
        let mut post_index = if may_have_posts {
            self.store.post_index()?
        } else {
            PostIndex::default()
        };
        let mut seen = SpeakersSeen::default();
        let mut w = self.store.writer()?;
        let mut pending_bytes = 0usize;
        // QUARRY_BATCH_BYTES (tests only) makes batches small, so a kill lands between commits.
        let batch_bytes = std::env::var("QUARRY_BATCH_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256usize << 20);
        let mut docs_done = 0;
        let mut similar = ingest::Similar::default();
        for batch in batches {
            let mut docs = new_documents(batch, cfg, &mut post_index, &mut report);
            let stored = w.put_documents(
                &mut docs,
                cfg.replace,
                &mut post_index,
                (!cfg.allow_duplicates).then_some(&mut similar),
            )?;
            for (doc, stored) in docs.iter().zip(stored) {
                if let Some(o) = outcomes.as_deref_mut() {
                    o.push(stored.clone());
                }
                let Some((id, seg_ids)) =
                    outcome(doc, stored, cfg, &mut iw, &mut report, &mut seen)
                else {
                    continue;
                };
                index_document(doc, id, &seg_ids, &mut iw, &mut seen)?;
                // What the file says of itself first, so that --attr wins.
                for (k, v) in doc.attributes.iter().chain(&cfg.attrs) {
                    w.put_document_attribute(id, k, v)?;
                }
                report.posts += doc.posts.len();
                report.segments += seg_ids.len();
                report.bytes += doc.text.len() as u64;
                docs_done += 1;
                pending_bytes += doc.text.len() + doc.segments.len() * 64;
            }
            progress(docs_done, report.segments);
            // Commit in batches: each document is whole in one transaction. Large batches:
            // every commit rewrites the index pages it touched (1 GB corpus: 83 s with 64 MB
            // batches, 76 s with 256 MB).
            if pending_bytes > batch_bytes {
                w.commit()?;
                w = self.store.writer()?;
                pending_bytes = 0;
            }
        }
        // Roles: labels, then what the person said, then guesses for the rest.
        for (s, r) in &seen.label_roles {
            w.put_role(s, *r, RoleSource::Label)?;
        }
        for (names, role) in [
            (&cfg.interviewers, Role::Interviewer),
            (&cfg.participants, Role::Participant),
        ] {
            for n in names {
                w.put_role(n, role, RoleSource::User)?;
            }
        }
        // The speakers --unlabelled named are participants, as the person said.
        for n in &seen.unlabelled {
            w.put_role(n, Role::Participant, RoleSource::User)?;
        }
        w.commit()?;
        let known: HashMap<String, Role> = self
            .store
            .roles()?
            .into_iter()
            .map(|(k, (r, _))| (k, r))
            .collect();
        report.guesses = ingest::guess_roles(&seen.stats, &known);
        let mut w = self.store.writer()?;
        for g in &report.guesses {
            w.put_role(&g.speaker, g.role, RoleSource::Guess)?;
        }
        w.commit()?;
        if report.posts > 0 {
            report.authors = self.store.refresh_author_attributes()?;
        }
        iw.commit(self.store.generation()?)?;
        report.speakers = seen.names.len();
        if seen.labelled {
            report.plain = seen.speakerless;
        }
        Ok(report)
    }

    /// Imports attributes from a CSV whose first column names a document or a speaker.
    /// Returns (rows applied, problems by row).
    pub fn import_attributes(&mut self, path: &Path) -> Result<(usize, Vec<IngestError>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
        let headers = rdr
            .headers()
            .map_err(|e| IngestError::file(path, format!("cannot read the header: {e}")))?
            .clone();
        if headers.len() < 2 {
            return Err(IngestError::at(
                path,
                1,
                "expected a key column (document or speaker) and at least one attribute column",
            )
            .into());
        }
        let mut applied = 0;
        let mut problems = Vec::new();
        for (i, row) in rdr.records().enumerate() {
            let line = i + 2;
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    problems.push(IngestError::at(path, line, e.to_string()));
                    continue;
                }
            };
            let key = row.get(0).unwrap_or("").trim();
            if key.is_empty() {
                problems.push(IngestError::at(path, line, "the first column is empty"));
                continue;
            }
            let attrs: Vec<(String, String)> = headers
                .iter()
                .zip(row.iter())
                .skip(1)
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            match self.store.set_attributes(key, &attrs)? {
                AttrTarget::Unknown => problems.push(IngestError::at(
                    path,
                    line,
                    format!("no document or speaker named `{key}` in this project"),
                )),
                _ => applied += 1,
            }
        }
        Ok((applied, problems))
    }
}

/// What an `add` learns about speakers while it stores documents.
#[derive(Default)]
struct SpeakersSeen {
    /// Per conversation (two speakers or more): turns and questions per speaker.
    stats: Vec<SpeakerStats>,
    /// Roles the labels gave (`Interviewer:`).
    label_roles: BTreeMap<String, Role>,
    /// Every speaker name.
    names: std::collections::BTreeSet<String>,
    /// Whether a document of this add has speakers.
    labelled: bool,
    /// The documents (not posts) that have none, by name.
    speakerless: Vec<String>,
    /// The speakers `--unlabelled` named.
    unlabelled: std::collections::BTreeSet<String>,
}

/// A batch's documents to store: errors and notes go to the report; posts already stored
/// are dropped (a document left with none is dropped whole); `--unlabelled` is applied.
fn new_documents(
    batch: Vec<ingest::Item>,
    cfg: &AddConfig,
    post_index: &mut PostIndex,
    report: &mut AddReport,
) -> Vec<crate::text::model::ParsedDocument> {
    let mut docs = Vec::with_capacity(batch.len());
    for item in batch {
        match item {
            Ok(mut d) => {
                if !d.posts.is_empty() {
                    report.posts_known += ingest::posts::retain_posts(&mut d, |p| {
                        !post_index.seen(post_key(p.platform, &p.id))
                    });
                    if d.segments.is_empty() {
                        continue;
                    }
                }
                if let Some(name) = &cfg.unlabelled {
                    assign_unlabelled(&mut d, name);
                }
                docs.push(d)
            }
            Err(e) if e.note => report.notes.push(e),
            Err(e) => report.errors.push(e),
        }
    }
    docs
}

/// Counts what became of one document in the report; for a document stored (added or
/// replacing another) its id and its segments' ids, which the index then needs.
fn outcome(
    doc: &crate::text::model::ParsedDocument,
    stored: Stored,
    cfg: &AddConfig,
    iw: &mut crate::index::IndexWriterHandle,
    report: &mut AddReport,
    seen: &mut SpeakersSeen,
) -> Option<(i64, Vec<i64>)> {
    match stored {
        Stored::Added { id, segments, name } => {
            report.added += 1;
            if let Some(n) = cfg.unlabelled.as_deref() {
                let n = unlabelled_name(n, &doc.name);
                if doc
                    .segments
                    .iter()
                    .any(|s| s.speaker.as_deref() == Some(&n))
                {
                    seen.unlabelled.insert(n);
                }
            }
            if doc.posts.is_empty() {
                if doc.segments.iter().any(|s| s.speaker.is_some()) {
                    seen.labelled = true;
                } else {
                    seen.speakerless.push(name);
                }
            }
            Some((id, segments))
        }
        Stored::Replaced {
            id,
            name,
            old_id,
            segments,
        } => {
            iw.delete_document(old_id);
            report.replaced.push(name);
            Some((id, segments))
        }
        Stored::Unchanged { .. } => {
            report.unchanged += 1;
            None
        }
        Stored::Changed { name } => {
            report.changed.push(name);
            None
        }
        Stored::Held { name, segments } => {
            report.held.push((name, segments));
            None
        }
        Stored::Duplicate { name } => {
            report.duplicates.push((doc.name.clone(), name));
            None
        }
        Stored::Similar {
            name,
            file,
            percent,
        } => {
            let own = Path::new(&doc.path)
                .file_name()
                .map_or_else(|| doc.name.clone(), |f| f.to_string_lossy().into());
            report.similar.push((own, name, file, percent));
            None
        }
    }
}

/// Adds a stored document's segments to the index and counts its speakers' turns and
/// questions.
fn index_document(
    doc: &crate::text::model::ParsedDocument,
    id: i64,
    seg_ids: &[i64],
    iw: &mut crate::index::IndexWriterHandle,
    seen: &mut SpeakersSeen,
) -> Result<()> {
    let mut st = SpeakerStats::default();
    for (i, (s, sid)) in doc.segments.iter().zip(seg_ids).enumerate() {
        let text = &doc.text[s.byte_start..s.byte_end];
        iw.add(*sid, id, s.speaker.as_deref(), text, doc.posts.get(i))?;
        if let Some(sp) = &s.speaker {
            // Speaker names are copied once per document, not once per turn.
            if !st.speakers.contains_key(sp) {
                st.speakers.insert(sp.clone(), (0, 0));
                if !seen.names.contains(sp) {
                    seen.names.insert(sp.clone());
                }
                if let Some(r) = s.label_role {
                    seen.label_roles.insert(sp.clone(), r);
                }
            }
            if let Some(e) = st.speakers.get_mut(sp) {
                e.0 += 1;
                e.1 += usize::from(text.contains('?'));
            }
        }
    }
    // Only conversations tell who asks and who answers; a post or a monologue (one
    // speaker) says nothing about roles, and keeping it would cost memory.
    if st.speakers.len() >= 2 && doc.posts.is_empty() {
        seen.stats.push(st);
    }
    Ok(())
}

/// The name `--unlabelled` gives in document `doc`: `{doc}` stands for its name.
fn unlabelled_name(pattern: &str, doc: &str) -> String {
    pattern.replace("{doc}", doc).trim().to_string()
}

/// Gives the segments without a speaker the speaker `--unlabelled` names, in a transcript
/// that labels other speakers (not posts, not prose).
fn assign_unlabelled(d: &mut crate::text::model::ParsedDocument, pattern: &str) {
    if !d.posts.is_empty() || d.segments.iter().all(|s| s.speaker.is_none()) {
        return;
    }
    let name = unlabelled_name(pattern, &d.name);
    if name.is_empty() {
        return;
    }
    for s in d.segments.iter_mut().filter(|s| s.speaker.is_none()) {
        s.speaker = Some(name.clone());
    }
}

/// Up to `n` of `names` closest to `name` (case aside): by edit distance, a name that starts
/// with it or that it starts with counting as near; only names within half their length.
pub fn closest<'a>(name: &str, names: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let want: Vec<char> = name.to_lowercase().chars().collect();
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .filter_map(|cand| {
            let c: Vec<char> = cand.to_lowercase().chars().collect();
            let d = if c.starts_with(&want) || want.starts_with(&c) {
                0
            } else {
                edit_distance(&want, &c)
            };
            (d <= want.len().max(c.len()) / 2).then_some((d, cand))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// Levenshtein distance between two strings of characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn closest_names_by_edit_distance_and_prefix() {
        let names = [
            "P07_interview",
            "P08_interview",
            "fieldnotes",
            "P17_interview",
        ];
        assert_eq!(closest("P7_interview", names, 1), ["P07_interview"]);
        assert_eq!(closest("fieldnote", names, 3), ["fieldnotes"]);
        assert!(closest("zzz", names, 3).is_empty());
    }
}
