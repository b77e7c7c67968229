//! How a `suggest` run moves: three stages at once, in batches, so that memory stays bounded
//! whatever the corpus and the number of matches, and both cores stay busy.
//!
//! 1. A reader thread, on its own database connection, reads the segments some rule must see,
//!    in order, in batches of about [`BATCH_BYTES`] of text.
//! 2. The calling thread evaluates each batch on the thread pool ([`super::evaluate`]).
//! 3. A store thread takes the findings in order: numbers their evidence words, merges them
//!    with the stored suggestions of the same segments ([`super::merge`]), scores, counts and
//!    writes them, all in the one transaction of [`SuggestionWriter`]; the run counts only
//!    when every batch is written.
//!
//! Merging is per segment, so merging batch by batch gives what merging everything at once
//! gives. Stored suggestions are read in windows of segment ids, so an incremental run never
//! holds them all either.

use super::{changes, merge, score, CodeSummary, Plan, Prepared, Seg, SuggestConfig};
use super::{Chunk, SuggestReport};
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::project::Project;
use crate::store::{Evidence, Store, SuggestionState, SuggestionWriter, NO_WORD};
use crate::text::analyzer::Analyzer;
use crate::text::model::fnv1a;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;

/// Text read per batch, in bytes.
const BATCH_BYTES: usize = 2 << 20;

/// Segments evaluated as one task of the thread pool.
const TASK: usize = 512;

/// Segment ids whose stored suggestions are read and merged at a time.
const WINDOW: i64 = 1 << 16;

/// Batch bytes and window: [`BATCH_BYTES`] and [`WINDOW`] unless `QUARRY_SUGGEST_BATCH`
/// says `BYTES,SEGMENTS` (tests make both tiny, so that runs cross every kind of boundary).
fn sizes() -> (usize, i64) {
    std::env::var("QUARRY_SUGGEST_BATCH")
        .ok()
        .and_then(|v| {
            let (b, w) = v.split_once(',')?;
            Some((b.trim().parse().ok()?, w.trim().parse::<i64>().ok()?.max(1)))
        })
        .unwrap_or((BATCH_BYTES, WINDOW))
}

/// A word new to the project: (id, word, stem).
type NewWord = (u32, String, String);

/// Findings per codebook, in segment order: (segment, code index, evidence).
type Hits = Vec<Vec<(i64, usize, Vec<Evidence>)>>;

/// Segments read together, in order, and the last segment id they cover.
struct Batch {
    segs: Vec<Seg>,
    last: i64,
}

/// Reads what the plans need, evaluates, merges with what is stored and saves.
pub(super) fn apply(
    project: &mut Project,
    index: &mut Index,
    cfg: &SuggestConfig,
    rules: &[Prepared],
    mask_sets: &[Vec<Vec<String>>],
    plans: &[Plan],
    last: i64,
) -> Result<SuggestReport> {
    let mut clock = super::Clock::new();
    let table = super::triggers::Triggers::new(rules);
    let analyzer = Analyzer::new(project.analyzer()).map_err(Error::Other)?;
    // Each pool thread keeps its own analyzer (and word cache) from batch to batch.
    let workers: Vec<Mutex<super::Worker>> = (0..rayon::current_num_threads())
        .map(|_| {
            Mutex::new(super::Worker {
                analyzer: analyzer.clone(),
                tokens: Vec::new(),
            })
        })
        .collect();
    let froms: Vec<i64> = plans.iter().map(|p| p.from).collect();
    // Segments after `from` are read: those some rule must see.
    let from = plans
        .iter()
        .map(|p| if p.fresh.is_empty() { p.from } else { i64::MIN })
        .min()
        .unwrap_or(i64::MAX);
    let store = project.store();
    let total = store.segment_count()? as usize;
    let decided = cfg
        .codebooks
        .iter()
        .map(|cb| {
            Ok(store
                .decided(&cb.id)?
                .into_iter()
                .map(|(seg, code)| (seg, fnv1a(code.as_bytes())))
                .collect())
        })
        .collect::<Result<Vec<FxHashSet<(i64, u64)>>>>()?;
    let words = Words::load(store, index)?;
    let reader = store.reader()?;
    let sink = if cfg.dry_run {
        Sink::Dry(project.store_mut())
    } else {
        Sink::Write(project.store_mut().suggestion_writer()?)
    };
    let (batch_bytes, window) = sizes();
    let mut stage = Stage::new(cfg, plans, decided, words, index, sink, total)?;
    stage.window = window;
    stage.report.rules = rules.len();
    stage.report.rules_rerun = rules
        .iter()
        .filter(|r| r.fresh && plans[r.book].from != i64::MIN)
        .count();
    clock.lap("start");

    let report = std::thread::scope(|s| {
        let (seg_tx, seg_rx) = sync_channel::<Result<Batch>>(2);
        // `None` says every batch was sent: without it the store stage records nothing.
        let (found_tx, found_rx) = sync_channel::<Option<(Vec<Chunk>, i64)>>(2);
        std::thread::Builder::new()
            .name("quarry-read".into())
            .spawn_scoped(s, move || {
                read_batches(&reader, from, last, batch_bytes, &seg_tx)
            })
            .map_err(|e| Error::Other(format!("starting a thread: {e}")))?;
        let store = std::thread::Builder::new()
            .name("quarry-store".into())
            .spawn_scoped(s, move || {
                for found in found_rx {
                    match found {
                        Some((chunks, hi)) => stage.take(chunks, hi)?,
                        None => return stage.finish(last),
                    }
                }
                // The evaluating side stopped early (its error is what the run reports);
                // dropping the stage rolls back everything written.
                Err(Error::Other("the run stopped before its end".into()))
            })
            .map_err(|e| Error::Other(format!("starting a thread: {e}")))?;
        let mut read = 0;
        let mut failed = None;
        for batch in seg_rx {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            read += batch.segs.len();
            let chunks: Vec<Chunk> = batch
                .segs
                .par_chunks(TASK)
                .map(|segs| {
                    let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                    let mut a = workers[slot].lock().unwrap_or_else(|p| p.into_inner());
                    let mut chunk = Chunk::default();
                    for s in segs {
                        super::evaluate(s, &mut a, rules, mask_sets, &froms, &table, &mut chunk);
                    }
                    chunk
                })
                .collect();
            // A closed channel means the store stage failed: its error is reported below.
            if found_tx.send(Some((chunks, batch.last))).is_err() {
                break;
            }
        }
        if failed.is_none() {
            // Every batch was read: the store stage may record the run.
            let _ = found_tx.send(None);
        }
        drop(found_tx);
        let stored = match store.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        // A reading error comes first: the store stage only stopped because of it.
        if let Some(e) = failed {
            return Err(e);
        }
        let mut report = stored?;
        report.read = read;
        Ok(report)
    })?;
    clock.lap("read, evaluate, store");
    Ok(report)
}

/// Sends the segments after `from` (up to `last`) in batches, in order; stops at the first
/// error (sent on) or when nobody listens any more.
fn read_batches(
    store: &Store,
    from: i64,
    last: i64,
    batch_bytes: usize,
    tx: &SyncSender<Result<Batch>>,
) {
    let mut segs: Vec<Seg> = Vec::new();
    let mut bytes = 0;
    let stopped = || Error::Other("the run stopped".into());
    // A batch's posts, read with one query when it is sent.
    let with_posts = |mut segs: Vec<Seg>| -> Result<Batch> {
        let (Some(a), Some(b)) = (segs.first(), segs.last()) else {
            return Ok(Batch {
                segs,
                last: i64::MIN,
            });
        };
        let (first, last) = (a.segment, b.segment);
        let mut posts = store.posts_between(first, last)?.into_iter().peekable();
        for s in &mut segs {
            while posts.next_if(|(id, _)| *id < s.segment).is_some() {}
            s.post = posts.next_if(|(id, _)| *id == s.segment).map(|(_, p)| p);
        }
        Ok(Batch { segs, last })
    };
    let result = store.for_each_document_after(from, |doc, text, rows| {
        for s in rows {
            // Segments added since the run started wait for the next run.
            if s.id > last {
                continue;
            }
            let text = text.get(s.byte_start..s.byte_end).unwrap_or("").to_string();
            bytes += text.len();
            segs.push(Seg {
                segment: s.id,
                document: doc,
                speaker: s.speaker.map(|x| x.to_lowercase()),
                text,
                char_start: s.char_start,
                post: None,
            });
        }
        if bytes >= batch_bytes {
            bytes = 0;
            let batch = with_posts(std::mem::take(&mut segs))?;
            tx.send(Ok(batch)).map_err(|_| stopped())?;
        }
        Ok(())
    });
    let _ = match result {
        Ok(()) if segs.is_empty() => Ok(()),
        Ok(()) => tx.send(with_posts(segs)),
        Err(e) => tx.send(Err(e)),
    };
}

/// Evidence words with their project-wide ids and rarity.
struct Words {
    ids: FxHashMap<String, u32>,
    /// Per id: the word (empty for an id not in use).
    names: Vec<String>,
    /// Per id: its stem's number and rarity, ln(1 + N / df).
    rarity: Vec<Option<(u32, f64)>>,
    stems: FxHashMap<String, (u32, f64)>,
    /// Segments in the index.
    n: f64,
    next: u32,
}

impl Words {
    /// The stored words.
    fn load(store: &Store, index: &mut Index) -> Result<Words> {
        let mut words = Words {
            ids: FxHashMap::default(),
            names: Vec::new(),
            rarity: Vec::new(),
            stems: FxHashMap::default(),
            n: index.segment_count()?.max(1) as f64,
            next: 1,
        };
        for (id, word, stem) in store.words()? {
            words.put(index, id, word, &stem)?;
        }
        Ok(words)
    }

    fn put(&mut self, index: &mut Index, id: u32, word: String, stem: &str) -> Result<()> {
        let r = match self.stems.get(stem) {
            Some(r) => *r,
            None => {
                let df = index.doc_freq(stem)?.max(1) as f64;
                let r = (self.stems.len() as u32, (1.0 + self.n / df).ln());
                self.stems.insert(stem.to_string(), r);
                r
            }
        };
        let i = id as usize;
        if self.rarity.len() <= i {
            self.rarity.resize(i + 1, None);
            self.names.resize(i + 1, String::new());
        }
        self.rarity[i] = Some(r);
        self.names[i] = word.clone();
        self.ids.insert(word, id);
        self.next = self.next.max(id + 1);
        Ok(())
    }

    /// Gives the chunks' evidence words their project-wide ids (stored words keep theirs):
    /// the words new to the project (id, word, stem), and the findings per codebook.
    fn number(
        &mut self,
        index: &mut Index,
        chunks: Vec<Chunk>,
        books: usize,
    ) -> Result<(Vec<NewWord>, Hits)> {
        let mut new = Vec::new();
        let mut hits: Hits = vec![Vec::new(); books];
        for chunk in chunks {
            // The chunk's word numbers -> project-wide ids: one lookup per word per chunk.
            let mut global = Vec::with_capacity(chunk.words.len());
            for (word, stem) in chunk.words {
                let id = match self.ids.get(word.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = self.next;
                        self.put(index, id, word.clone(), &stem)?;
                        new.push((id, word, stem));
                        id
                    }
                };
                global.push(id);
            }
            for mut f in chunk.found {
                for e in &mut f.evidence {
                    if e.word != NO_WORD {
                        e.word = global[e.word as usize];
                    }
                }
                hits[f.book].push((f.segment, f.code, f.evidence));
            }
        }
        Ok((new, hits))
    }

    /// Whether a word is found in more than a tenth of all segments ("the", "to" in
    /// phrases): it says little about a code, and summaries leave it out of top terms.
    fn common(&self, word: u32) -> bool {
        self.rarity
            .get(word as usize)
            .copied()
            .flatten()
            .is_some_and(|(_, idf)| idf < (1.0f64 + 10.0).ln())
    }
}

/// Adds the time since `t` to step `i` of `spent`; the time now.
fn lap(spent: &mut Option<[f64; 5]>, i: usize, t: std::time::Instant) -> std::time::Instant {
    let now = std::time::Instant::now();
    if let Some(s) = spent {
        s[i] += (now - t).as_secs_f64();
    }
    now
}

/// Where the store stage writes: the run's transaction, or nowhere (a dry run).
enum Sink<'a> {
    Write(SuggestionWriter<'a>),
    Dry(&'a mut Store),
}

impl Sink<'_> {
    fn store(&self) -> &Store {
        match self {
            Sink::Write(w) => w.store(),
            Sink::Dry(s) => s,
        }
    }
}

/// Per code of a codebook, counted batch by batch: the segments its subtree has live
/// suggestions on, and how many segments each evidence word is evidence in (each with the
/// last segment counted, as rows come in segment order).
struct Tally {
    segs: Vec<(usize, i64)>,
    terms: Vec<FxHashMap<u32, (usize, i64)>>,
}

impl Tally {
    fn new(cb: &Codebook) -> Tally {
        Tally {
            segs: vec![(0, i64::MIN); cb.codes.len()],
            terms: vec![FxHashMap::default(); cb.codes.len()],
        }
    }

    /// Counts live rows (in segment order) for their code and every ancestor.
    fn add(&mut self, cb: &Codebook, rows: &[super::Merged], words: &Words) {
        for m in rows {
            let (r, Some(c)) = (&m.row, m.code) else {
                continue;
            };
            if r.evidence.is_empty() {
                continue;
            }
            let mut at = Some(c);
            while let Some(a) = at {
                if self.segs[a].1 != r.segment {
                    self.segs[a] = (self.segs[a].0 + 1, r.segment);
                }
                for e in r.evidence.iter().filter(|e| !words.common(e.word)) {
                    let t = self.terms[a].entry(e.word).or_insert((0, i64::MIN));
                    if t.1 != r.segment {
                        *t = (t.0 + 1, r.segment);
                    }
                }
                at = cb.codes[a].parent;
            }
        }
    }

    fn summaries(self, cb: &Codebook, total: usize, words: &Words) -> Vec<CodeSummary> {
        cb.codes
            .iter()
            .zip(self.segs)
            .zip(self.terms)
            .map(|((code, (n, _)), terms)| {
                let mut top: Vec<(String, usize)> = terms
                    .into_iter()
                    .filter_map(|(w, (k, _))| {
                        let name = words.names.get(w as usize)?;
                        (!name.is_empty()).then(|| (name.clone(), k))
                    })
                    .collect();
                top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
                top.truncate(5);
                CodeSummary {
                    codebook: cb.id.clone(),
                    code: code.id.clone(),
                    name: code.name.clone(),
                    depth: code.depth,
                    segments: n,
                    share: 100.0 * n as f64 / total.max(1) as f64,
                    top_terms: top,
                }
            })
            .collect()
    }
}

/// The store stage: everything a run does after evaluation, one batch at a time.
struct Stage<'a> {
    cfg: &'a SuggestConfig,
    plans: &'a [Plan],
    /// Per codebook: (segment, hash of code) pairs someone decided on.
    decided: Vec<FxHashSet<(i64, u64)>>,
    words: Words,
    index: &'a mut Index,
    sink: Sink<'a>,
    tallies: Vec<Tally>,
    report: SuggestReport,
    /// Segments up to here are merged and written.
    done: i64,
    /// Segment ids whose stored suggestions are merged at a time.
    window: i64,
    /// Seconds spent per step, when `QUARRY_TIMINGS` is set.
    spent: Option<[f64; 5]>,
}

impl<'a> Stage<'a> {
    fn new(
        cfg: &'a SuggestConfig,
        plans: &'a [Plan],
        decided: Vec<FxHashSet<(i64, u64)>>,
        words: Words,
        index: &'a mut Index,
        mut sink: Sink<'a>,
        total: usize,
    ) -> Result<Stage<'a>> {
        let mut report = SuggestReport {
            segments: total,
            stored: !cfg.dry_run,
            ..SuggestReport::default()
        };
        for (cb, plan) in cfg.codebooks.iter().zip(plans) {
            // A full run replaces every suggestion nobody decided on.
            let full = plan.from == i64::MIN;
            report.full |= full;
            if let (true, Sink::Write(w)) = (full, &mut sink) {
                w.clear(&cb.id)?;
            }
        }
        Ok(Stage {
            cfg,
            plans,
            decided,
            words,
            index,
            sink,
            tallies: cfg.codebooks.iter().map(Tally::new).collect(),
            report,
            // Segment ids start at 1.
            done: 0,
            window: WINDOW,
            spent: std::env::var_os("QUARRY_TIMINGS").map(|_| [0.0; 5]),
        })
    }

    /// Takes the findings of the segments up to `hi`.
    fn take(&mut self, chunks: Vec<Chunk>, hi: i64) -> Result<()> {
        let t = std::time::Instant::now();
        let (new, mut hits) = self.words.number(self.index, chunks, self.plans.len())?;
        if let Sink::Write(w) = &mut self.sink {
            w.words(&new)?;
        }
        lap(&mut self.spent, 0, t);
        // Stored suggestions are read a window of segments at a time.
        while self.done < hi {
            let to = hi.min(self.done.saturating_add(self.window));
            let part = hits
                .iter_mut()
                .map(|h| {
                    let n = h.partition_point(|(s, _, _)| *s <= to);
                    h.drain(..n).collect()
                })
                .collect();
            self.merge(part, to)?;
        }
        Ok(())
    }

    /// Merges the findings on segments after `self.done` up to `to` with what is stored there,
    /// scores, counts and writes them.
    fn merge(&mut self, hits: Hits, to: i64) -> Result<()> {
        for (b, hits) in hits.into_iter().enumerate() {
            let cb = &self.cfg.codebooks[b];
            let plan = &self.plans[b];
            let decided = &self.decided[b];
            let full = plan.from == i64::MIN;
            // A full run only keeps the suggestions someone decided on.
            let t = std::time::Instant::now();
            let old = if full && decided.is_empty() {
                Vec::new()
            } else {
                self.sink
                    .store()
                    .codebook_suggestions_between(&cb.id, full, self.done, to)?
            };
            if old.is_empty() && hits.is_empty() {
                continue;
            }
            let t = lap(&mut self.spent, 1, t);
            let mut merged = merge(cb, plan, old, hits, decided);
            let t = lap(&mut self.spent, 2, t);
            for m in &mut merged {
                if m.new_evidence && !m.row.evidence.is_empty() {
                    m.row.score = score(&m.row.evidence, &self.words.rarity);
                    m.row.version = cb.version.clone();
                }
                match m.row.state {
                    SuggestionState::Withdrawn => self.report.kept += 1,
                    SuggestionState::Open if !m.row.evidence.is_empty() => {
                        self.report.suggestions += 1
                    }
                    _ => {}
                }
            }
            self.tallies[b].add(cb, &merged, &self.words);
            let changes = changes(merged, &mut self.report);
            let t = lap(&mut self.spent, 3, t);
            if let Sink::Write(w) = &mut self.sink {
                w.changes(&changes)?;
            }
            lap(&mut self.spent, 4, t);
        }
        self.done = to;
        Ok(())
    }

    /// Merges what is stored past the last segment read, and records the run.
    fn finish(mut self, last: i64) -> Result<SuggestReport> {
        if let Some(s) = self.spent {
            let steps = [
                "number words",
                "read stored",
                "merge",
                "score and count",
                "write",
            ];
            for (what, secs) in steps.iter().zip(s) {
                eprintln!("suggest: store stage: {what:>15} {secs:>8.3} s");
            }
        }
        let books = self.plans.len();
        if self.done < last {
            self.take(Vec::new(), last)?;
        }
        // Suggestions on segments added since the run started (by another run).
        self.merge(vec![Vec::new(); books], i64::MAX)?;
        let total = self.report.segments;
        for (cb, tally) in self
            .cfg
            .codebooks
            .iter()
            .zip(std::mem::take(&mut self.tallies))
        {
            let sums = tally.summaries(cb, total, &self.words);
            self.report.codes.extend(sums);
        }
        if let Sink::Write(w) = self.sink {
            let runs: Vec<(&str, &crate::store::RunState)> = self
                .cfg
                .codebooks
                .iter()
                .zip(self.plans)
                .map(|(cb, p)| (cb.id.as_str(), &p.state))
                .collect();
            w.finish(&runs)?;
        }
        Ok(self.report)
    }
}
