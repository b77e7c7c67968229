//! The tantivy index: derived from the database, rebuildable at any time.
//!
//! Holds, per segment, its id, its document id, its speaker (lowercased) and its text twice:
//! stemmed with positions (field `text`, through the one [`Analyzer`]) and lowercased unstemmed
//! (field `exact`, for `exact:` and `prefix*`); for a post also its tags (`#hashtag`,
//! `platform:x`, `is:repost`, ...) and its time (field `time`, seconds). Text is not stored
//! here: quotes come from the
//! database. Each commit records the database generation it reflects, so a stale index (an
//! interrupted `add`) is noticed. Only this module and `search` name tantivy types.

pub use crate::error::IndexError;
use crate::text::analyzer::{lower_words, Analyzer, AnalyzerConfig};
use crate::text::model::{post_tags, PostMeta};
use crate::text::query::{PostFilter, Query};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use tantivy::indexer::UserOperation;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query as TQuery, RegexQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STRING,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

type R<T> = Result<T, IndexError>;

/// What the index's content follows, recorded with each commit beside the database
/// generation: an index written under another version is stale and rebuilt on first use.
/// `p2`: positions carry clause and sentence breaks (see `analyzer`); before it, a bare
/// generation number.
pub const INDEX_VERSION: &str = "p2";

/// Speaker term indexed for segments without a speaker.
const NO_SPEAKER: &str = "\u{0}";

/// The index's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub seg: Field,
    pub doc: Field,
    pub speaker: Field,
    pub text: Field,
    pub exact: Field,
    pub tags: Field,
    pub time: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // `seg` is only read (ordering, ids of hits), never looked up: a fast field without
    // terms, which spares the term dictionary one unique term per segment.
    let seg = b.add_u64_field("seg", FAST);
    let doc = b.add_u64_field("doc", INDEXED | FAST);
    let speaker = b.add_text_field("speaker", STRING);
    let text = b.add_text_field(
        "text",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("quarry")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let exact = b.add_text_field(
        "exact",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("quarry_exact")
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        ),
    );
    let tags = b.add_text_field("tags", STRING);
    // `date:` ranges run on the fast field.
    let time = b.add_i64_field("time", FAST);
    (
        b.build(),
        Fields {
            seg,
            doc,
            speaker,
            text,
            exact,
            tags,
            time,
        },
    )
}

/// The analyzer as a tantivy tokenizer: stems when `stem`, else lowercases only.
#[derive(Clone)]
struct QuarryTokenizer {
    analyzer: Analyzer,
    stem: bool,
    tokens: Vec<Token>,
    /// Hashes of the words already given in this segment (unstemmed field only).
    seen: rustc_hash::FxHashSet<u64>,
}

struct VecStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for VecStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for QuarryTokenizer {
    type TokenStream<'a> = VecStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream<'a> {
        let QuarryTokenizer {
            analyzer,
            stem,
            tokens,
            seen,
        } = self;
        let mut n = 0usize;
        let mut put = |start: usize, end: usize, position: u32, term: &str| {
            if n == tokens.len() {
                tokens.push(Token::default());
            }
            let t = &mut tokens[n];
            t.offset_from = start;
            t.offset_to = end;
            t.position = position as usize;
            t.position_length = 1;
            t.text.clear();
            t.text.push_str(term);
            n += 1;
        };
        if *stem {
            analyzer.for_each_word(text, |s, e, p, _, st| put(s, e, p, st));
        } else {
            // Only which words a segment holds matters here (no positions, no frequencies),
            // so each word goes to tantivy once per segment.
            seen.clear();
            let mut k = 0;
            for (s, w) in lower_words(text) {
                if seen.insert(rustc_hash::FxBuildHasher.hash_one(&*w)) {
                    put(s, s + w.len(), k, &w);
                    k += 1;
                }
            }
        }
        VecStream {
            tokens: &mut tokens[..n],
            next: 0,
        }
    }
}

/// What [`Index::audit`] found.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// Every segment id in the index, sorted.
    pub ids: Vec<i64>,
    /// (segment id, stem) pairs the index should have and does not.
    pub missing: Vec<(i64, String)>,
}

/// An open index.
pub struct Index {
    index: tantivy::Index,
    fields: Fields,
    dir: PathBuf,
    reader: Option<IndexReader>,
    /// A shared lock on the project's index lock file, held as long as this lives so that no
    /// rebuild deletes the files under it (see `Project::index`).
    hold: Option<std::fs::File>,
}

impl Index {
    /// Opens the index in `dir`, creating an empty one when there is none.
    pub fn open_or_create(dir: &Path, config: &AnalyzerConfig) -> R<Index> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.into(),
            source,
        })?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| tv("opening the index")(e.into()))?;
        let index =
            tantivy::Index::open_or_create(mmap, schema).map_err(tv("opening the index"))?;
        let analyzer = Analyzer::new(config).map_err(|e| {
            tv("setting up the analyzer")(tantivy::TantivyError::InvalidArgument(e))
        })?;
        index.tokenizers().register(
            "quarry",
            QuarryTokenizer {
                analyzer: analyzer.clone(),
                stem: true,
                tokens: Vec::new(),
                seen: Default::default(),
            },
        );
        index.tokenizers().register(
            "quarry_exact",
            QuarryTokenizer {
                analyzer,
                stem: false,
                tokens: Vec::new(),
                seen: Default::default(),
            },
        );
        Ok(Index {
            index,
            fields,
            dir: dir.to_path_buf(),
            reader: None,
            hold: None,
        })
    }

    /// This index, keeping `lock` (held) until it is dropped.
    pub(crate) fn holding(mut self, lock: Option<std::fs::File>) -> Index {
        self.hold = lock;
        self
    }

    /// Deletes the index folder and creates an empty index in its place.
    pub fn recreate(dir: &Path, config: &AnalyzerConfig) -> R<Index> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|source| IndexError::Io {
                path: dir.into(),
                source,
            })?;
        }
        Index::open_or_create(dir, config)
    }

    /// The database generation recorded by the last commit (None for a new index, or one
    /// written by a quarry whose [`INDEX_VERSION`] differs: it is stale and gets rebuilt).
    pub fn generation(&self) -> Option<u64> {
        let payload = self.index.load_metas().ok()?.payload?;
        let (version, generation) = payload.split_once('/')?;
        (version == INDEX_VERSION).then(|| generation.parse().ok())?
    }

    /// Whether another writer holds the index's lock right now.
    pub fn is_being_written(&self) -> bool {
        matches!(
            self.index
                .writer_with_num_threads::<TantivyDocument>(1, 15_000_000),
            Err(tantivy::TantivyError::LockFailure(..))
        )
    }

    /// A writer with `threads` indexing threads.
    pub fn writer(&self, threads: usize) -> R<IndexWriterHandle> {
        let threads = threads.clamp(1, 8);
        let w = self
            .index
            .writer_with_num_threads(threads, threads * 128_000_000)
            .map_err(tv("opening the index writer"))?;
        // Merge small segments only: merging large ones during `add` costs about as much CPU
        // as indexing them again, for a search speed-up that is hard to measure.
        let mut policy = tantivy::merge_policy::LogMergePolicy::default();
        policy.set_max_docs_before_merge(1_000_000);
        w.set_merge_policy(Box::new(policy));
        Ok(IndexWriterHandle {
            w,
            fields: self.fields,
            pending: Vec::with_capacity(BATCH),
            speaker: Default::default(),
        })
    }

    /// In how many segments a stem occurs (the `text` field's document frequency).
    pub fn doc_freq(&mut self, stem: &str) -> R<u64> {
        let term = Term::from_field_text(self.fields.text, stem);
        self.reader()?
            .searcher()
            .doc_freq(&term)
            .map_err(tv("reading a word's frequency"))
    }

    /// The words of the unstemmed field (lowercased, as written) that start with `prefix`,
    /// each with the number of segments holding it, in word order.
    pub fn words_starting(&mut self, prefix: &str) -> R<Vec<(String, u64)>> {
        let exact = self.fields.exact;
        let searcher = self.reader()?.searcher();
        let mut words = std::collections::BTreeSet::new();
        for r in searcher.segment_readers() {
            let inverted = r.inverted_index(exact).map_err(tv("reading the index"))?;
            let mut terms = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(|e| tv("reading the index")(e.into()))?;
            while terms.advance() {
                if !terms.key().starts_with(prefix.as_bytes()) {
                    break;
                }
                if let Ok(w) = std::str::from_utf8(terms.key()) {
                    words.insert(w.to_string());
                }
            }
        }
        let mut out = Vec::with_capacity(words.len());
        for w in words {
            // Counted by a search, so deleted segments not yet merged away do not count.
            let q = TermQuery::new(Term::from_field_text(exact, &w), IndexRecordOption::Basic);
            let n = searcher
                .search(&q, &tantivy::collector::Count)
                .map_err(tv("counting a word"))?;
            if n > 0 {
                out.push((w, n as u64));
            }
        }
        Ok(out)
    }

    /// The number of segments indexed.
    pub fn segment_count(&mut self) -> R<u64> {
        Ok(self.reader()?.searcher().num_docs())
    }

    /// What `quarry check` compares with the database: every segment id the index holds
    /// (sorted; a repeat means a segment indexed twice), and for each `(segment id, stems)`
    /// of `probe`, the stems the index lacks for that segment.
    pub fn audit(&mut self, probe: &[(i64, Vec<String>)]) -> R<Audit> {
        use tantivy::{DocSet, TERMINATED};
        let text = self.fields.text;
        let searcher = self.reader()?.searcher();
        let mut ids = Vec::new();
        // Where each probed segment is: (index segment, document number).
        let wanted: std::collections::HashMap<i64, usize> = probe
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        let mut at: Vec<Option<(u32, u32)>> = vec![None; probe.len()];
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let col = reader
                .fast_fields()
                .u64("seg")
                .map_err(tv("reading segment ids"))?;
            for doc in reader.doc_ids_alive() {
                if let Some(v) = col.first(doc) {
                    let id = v as i64;
                    ids.push(id);
                    if let Some(&i) = wanted.get(&id) {
                        at[i] = Some((ord as u32, doc));
                    }
                }
            }
        }
        ids.sort_unstable();
        let mut missing = Vec::new();
        for ((id, stems), place) in probe.iter().zip(&at) {
            let Some((ord, doc)) = *place else { continue };
            let inverted = searcher
                .segment_reader(ord)
                .inverted_index(text)
                .map_err(tv("reading the index"))?;
            for stem in stems {
                let term = Term::from_field_text(text, stem);
                let found = inverted
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(|e| tv("reading the index")(e.into()))?
                    .is_some_and(|mut p| p.seek(doc) == doc && doc != TERMINATED);
                if !found {
                    missing.push((*id, stem.clone()));
                }
            }
        }
        Ok(Audit { ids, missing })
    }

    /// The folder the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn reader(&mut self) -> R<&IndexReader> {
        if self.reader.is_none() {
            let r = self
                .index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(tv("opening the index reader"))?;
            self.reader = Some(r);
        }
        Ok(self.reader.as_ref().expect("just set"))
    }

    /// Runs `q` and returns the total number of matching segments and the ids of the hits
    /// from `offset`, at most `limit` of them (0: all), in segment order or by relevance.
    pub fn search(
        &mut self,
        q: &Query,
        limit: usize,
        offset: usize,
        rank: bool,
    ) -> R<(usize, Vec<i64>)> {
        let fields = self.fields;
        let tq = to_tantivy(q, &fields);
        let searcher = self.reader()?.searcher();
        let count = tantivy::collector::Count;
        if !rank && limit > 0 {
            // Count and the first hits in one pass over the matches.
            let top = tantivy::collector::TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_u64_field("seg", tantivy::Order::Asc);
            let (total, hits) = searcher
                .search(&*tq, &(count, top))
                .map_err(tv("searching"))?;
            let ids = hits
                .into_iter()
                .filter_map(|(v, _)| v.map(|v| v as i64))
                .collect();
            return Ok((total, ids));
        }
        let total = searcher.search(&*tq, &count).map_err(tv("searching"))?;
        let want = if limit == 0 {
            total.saturating_sub(offset)
        } else {
            limit
        };
        if want == 0 || offset >= total {
            return Ok((total, Vec::new()));
        }
        let top = tantivy::collector::TopDocs::with_limit(want).and_offset(offset);
        let ids = if rank {
            let hits = searcher
                .search(&*tq, &top.order_by_score())
                .map_err(tv("searching"))?;
            let mut ids = Vec::with_capacity(hits.len());
            // One `seg` column per index segment, opened when first needed.
            let mut cols = vec![None; searcher.segment_readers().len()];
            for (_, addr) in hits {
                let ord = addr.segment_ord as usize;
                if cols[ord].is_none() {
                    let col = searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64("seg")
                        .map_err(tv("reading segment ids"))?;
                    cols[ord] = Some(col);
                }
                if let Some(v) = cols[ord].as_ref().and_then(|c| c.first(addr.doc_id)) {
                    ids.push(v as i64);
                }
            }
            ids
        } else {
            searcher
                .search(&*tq, &top.order_by_u64_field("seg", tantivy::Order::Asc))
                .map_err(tv("searching"))?
                .into_iter()
                .filter_map(|(v, _)| v.map(|v| v as i64))
                .collect()
        };
        Ok((total, ids))
    }
}

/// Adds and deletes segments; nothing is visible until [`IndexWriterHandle::commit`].
/// Operations are handed to tantivy's indexing threads in batches, in order.
pub struct IndexWriterHandle {
    w: IndexWriter,
    fields: Fields,
    pending: Vec<UserOperation>,
    /// The last speaker seen, as written and lowercased.
    speaker: (String, String),
}

const BATCH: usize = 2048;

impl IndexWriterHandle {
    /// Queues one segment.
    pub fn add(
        &mut self,
        seg: i64,
        doc: i64,
        speaker: Option<&str>,
        text: &str,
        post: Option<&PostMeta>,
    ) -> R<()> {
        let f = &self.fields;
        let mut d = TantivyDocument::new();
        d.add_u64(f.seg, seg as u64);
        d.add_u64(f.doc, doc as u64);
        match speaker {
            Some(s) => {
                // Turns of one speaker come in runs: lowercase the name once per run.
                if self.speaker.0 != s {
                    self.speaker = (s.to_string(), s.to_lowercase());
                }
                d.add_text(f.speaker, &self.speaker.1)
            }
            None => d.add_text(f.speaker, NO_SPEAKER),
        }
        d.add_text(f.text, text);
        d.add_text(f.exact, text);
        if let Some(p) = post {
            for t in post_tags(p) {
                d.add_text(f.tags, t);
            }
            if let Some(t) = p.created {
                d.add_i64(f.time, t);
            }
        }
        self.pending.push(UserOperation::Add(d));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> R<()> {
        if !self.pending.is_empty() {
            let ops = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
            self.w.run(ops).map_err(tv("indexing"))?;
        }
        Ok(())
    }

    /// Queues the deletion of every segment of a document.
    pub fn delete_document(&mut self, doc: i64) {
        let t = Term::from_field_u64(self.fields.doc, doc as u64);
        self.pending.push(UserOperation::Delete(t));
    }

    /// Makes the changes durable and records the database generation they reflect.
    pub fn commit(mut self, generation: u64) -> R<()> {
        self.flush()?;
        let mut pc = self
            .w
            .prepare_commit()
            .map_err(tv("committing the index"))?;
        pc.set_payload(&format!("{INDEX_VERSION}/{generation}"));
        pc.commit().map_err(tv("committing the index"))?;
        self.w
            .wait_merging_threads()
            .map_err(tv("merging the index"))?;
        Ok(())
    }
}

fn term_q(t: Term) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(t, IndexRecordOption::Basic))
}

/// Translates a parsed query to tantivy, following the same semantics as [`Query::eval`].
pub(crate) fn to_tantivy(q: &Query, f: &Fields) -> Box<dyn TQuery> {
    match q {
        Query::Term(s) => term_q(Term::from_field_text(f.text, s)),
        Query::Exact(w) => term_q(Term::from_field_text(f.exact, w)),
        Query::Prefix(p) => {
            let pattern = format!("{}.*", regex::escape(p));
            match RegexQuery::from_pattern(&pattern, f.exact) {
                Ok(r) => Box::new(r),
                Err(_) => Box::new(EmptyQuery),
            }
        }
        Query::Phrase(stems) => {
            let terms: Vec<Term> = stems
                .iter()
                .map(|s| Term::from_field_text(f.text, s))
                .collect();
            Box::new(PhraseQuery::new(terms))
        }
        // Two words (or OR-groups of words) within n positions: a two-word phrase with slop
        // n - 1 taken in both orders matches positions p and q exactly when
        // 1 <= |p - q| <= n, as the evaluator says. Any other side: the segments holding
        // both, a superset that search checks with the evaluator (see `needs_check`).
        Query::Near(a, b, n) if crate::text::query::exact_near(a, b) => {
            let (wa, wb) = (
                a.word_set().unwrap_or_default(),
                b.word_set().unwrap_or_default(),
            );
            let mut pairs: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
            for x in &wa {
                for y in &wb {
                    let (tx, ty) = (
                        Term::from_field_text(f.text, x),
                        Term::from_field_text(f.text, y),
                    );
                    for terms in [vec![tx.clone(), ty.clone()], vec![ty, tx]] {
                        let mut p = PhraseQuery::new(terms);
                        p.set_slop(n - 1);
                        pairs.push((Occur::Should, Box::new(p)));
                    }
                }
            }
            Box::new(BooleanQuery::new(pairs))
        }
        Query::Near(a, b, _) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, to_tantivy(a, f)),
            (Occur::Must, to_tantivy(b, f)),
        ])),
        Query::Field(_, r) => {
            let mut parts: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
            if !r.documents.is_empty() {
                let terms = r
                    .documents
                    .iter()
                    .map(|&d| Term::from_field_u64(f.doc, d as u64));
                parts.push((Occur::Should, Box::new(TermSetQuery::new(terms))));
            }
            let mut speakers: Vec<Term> = r
                .speakers
                .iter()
                .map(|s| Term::from_field_text(f.speaker, s))
                .collect();
            if r.no_speaker {
                speakers.push(Term::from_field_text(f.speaker, NO_SPEAKER));
            }
            if !speakers.is_empty() {
                parts.push((Occur::Should, Box::new(TermSetQuery::new(speakers))));
            }
            if parts.is_empty() {
                Box::new(EmptyQuery)
            } else {
                Box::new(BooleanQuery::new(parts))
            }
        }
        // Ordered within n words: a superset (the NEAR of the two sides), which search
        // checks with the evaluator.
        Query::Before(a, b, n) => to_tantivy(&Query::Near(a.clone(), b.clone(), *n), f),
        Query::Ref(_) => Box::new(EmptyQuery),
        // Masks only take evidence away: the rules' own matches are a superset.
        Query::Masked(q, _) => to_tantivy(q, f),
        Query::Post(PostFilter::Date { from, to }) => Box::new(tantivy::query::RangeQuery::new(
            std::ops::Bound::Included(Term::from_field_i64(f.time, *from)),
            std::ops::Bound::Included(Term::from_field_i64(f.time, *to)),
        )),
        Query::Post(p) => term_q(Term::from_field_text(f.tags, &p.tag())),
        Query::And(qs) if qs.is_empty() => Box::new(AllQuery),
        Query::And(qs) => Box::new(BooleanQuery::new(
            qs.iter().map(|q| (Occur::Must, to_tantivy(q, f))).collect(),
        )),
        Query::Or(qs) => Box::new(BooleanQuery::new(
            qs.iter()
                .map(|q| (Occur::Should, to_tantivy(q, f)))
                .collect(),
        )),
        // What the index finds for a query it cannot decide exactly is a superset; its
        // negation would be a subset. So NOT of such a query takes everything and leaves
        // the decision to the check with the evaluator.
        Query::Not(q) if q.needs_check() => Box::new(AllQuery),
        Query::Not(q) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn TQuery>),
            (Occur::MustNot, to_tantivy(q, f)),
        ])),
    }
}

/// Wraps a tantivy error with what was being done.
pub(crate) fn tv(context: &'static str) -> impl FnOnce(tantivy::TantivyError) -> IndexError {
    move |source| IndexError::Tantivy {
        context,
        source: Box::new(source),
    }
}
