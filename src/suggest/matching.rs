//! `quarry match`: codebooks applied to posts streamed as JSON lines, with no project, for
//! corpora too large for one machine (a Spark job pipes each partition through it).
//!
//! Records are read as `quarry add` reads a JSONL post export (the same readers and the same
//! cleaning), in batches; each batch is evaluated on the thread pool by the rules `suggest`
//! runs ([`super::evaluate`]), and written out in input order, so memory is bounded by the
//! batch whatever the input's size (a batch's refusals come before its matches). Every
//! output line is a JSON object with a `kind`:
//!
//! - `match`: one (record, code) with its evidence, as `suggest` would store it for the post;
//! - `refused`: a record that was not matched (not JSON, no text...), with its line and, when
//!   it could be read, its id;
//! - `counts` (last): how many records were read, and per stem that rules can find, in how
//!   many records it occurs. A suggestion's score (the sum over its evidence stems of
//!   ln(1 + records / records with the stem)) needs the whole corpus's counts, which a stream
//!   only knows at its end: each match lists its `stems`, and whoever gathers the streams
//!   (the Spark job) adds the counts up and scores.
//!
//! What one record cannot tell: whether its text repeats an earlier post's (`quarry add`
//! settles that across the project, and `suggest` leaves such duplicates out). Here every
//! post is matched on its own; each match carries `text_hash`, the key `add` compares, so
//! repeats can be counted once. A record's author is its speaker, and its `role` field (if
//! any) that speaker's role, for the scope that leaves interviewers out.

use super::{rule_hash, Chunk, Prepared, Seg, Worker};
use crate::codebook::{Codebook, Widen};
use crate::error::{Error, IngestError, Result};
use crate::ingest::posts::PostOptions;
use crate::text::analyzer::{Analyzer, AnalyzerConfig, Token};
use crate::text::query::{FieldFilter, Query, Resolved};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;

/// Records evaluated as one task of the thread pool.
const TASK: usize = 512;

/// What `quarry match` is asked for.
#[derive(Debug, Clone, Default)]
pub struct MatchConfig {
    /// The codebooks to apply.
    pub codebooks: Vec<Codebook>,
    /// What the rules read beyond their codes' default scope.
    pub widen: Widen,
    /// Words and stems, as in the project whose `suggest` the output must equal.
    pub analyzer: AnalyzerConfig,
    /// How to read the records (the `quarry add` options for posts).
    pub posts: PostOptions,
}

/// What a stream gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchReport {
    /// Records matched against the rules (posts with text).
    pub records: u64,
    /// Records refused or left out, each reported on its own line.
    pub refused: u64,
    /// (record, code) matches written.
    pub matches: u64,
}

/// One rule as the stream applies it, with what the output names it by.
struct Named {
    text: String,
    terms: Vec<String>,
}

/// The words a rule can take as evidence, to count per record: every stem named, and
/// every prefix (a word's stem is counted when the word or its stem agrees with a prefix).
#[derive(Default)]
struct Counted {
    stems: FxHashSet<String>,
    prefixes: Vec<String>,
}

impl Counted {
    fn add(&mut self, q: &Query, a: &mut Analyzer) {
        match q {
            Query::Term(s) => {
                self.stems.insert(s.clone());
            }
            Query::Exact(w) => {
                let stem = a.stem_lower(w).to_string();
                self.stems.insert(stem);
            }
            Query::Prefix(p) => self.prefixes.push(p.clone()),
            Query::Phrase(v) => self.stems.extend(v.iter().cloned()),
            Query::Near(x, y, _) | Query::Before(x, y, _) => {
                self.add(x, a);
                self.add(y, a);
            }
            Query::Masked(q, _) => self.add(q, a),
            Query::And(v) | Query::Or(v) => v.iter().for_each(|q| self.add(q, a)),
            // Words under NOT are never evidence.
            _ => {}
        }
    }

    /// Whether a word (lowercased) with this stem may be evidence. Stemming can change the
    /// letters a prefix covers (`happy*` finds "happy", stem "happi", which "happiness" has
    /// too): a stem no longer than a prefix is counted when it agrees with it up to its last
    /// letter, so that every record holding it is counted, not only those whose word starts
    /// with the prefix. (A few stems too many are counted; their counts are never used.)
    fn wants(&self, lower: &str, stem: &str) -> bool {
        self.stems.contains(stem)
            || self.prefixes.iter().any(|p| {
                lower.starts_with(p.as_str())
                    || stem.starts_with(p.as_str())
                    || (stem.len() >= 2
                        && stem.len() <= p.len()
                        && stem.as_bytes()[..stem.len() - 1] == p.as_bytes()[..stem.len() - 1])
            })
    }
}

/// One match as written.
#[derive(Serialize)]
struct MatchLine<'a> {
    kind: &'static str,
    id: &'a str,
    line: usize,
    codebook: &'a str,
    code: &'a str,
    /// The rules that found it, as written, and their terms that did.
    rule: Vec<&'a str>,
    term: Vec<&'a str>,
    evidence: Vec<EvidenceLine<'a>>,
    stems: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<&'a str>,
    platform: &'a str,
    text_hash: String,
}

/// One evidence word: code-point offsets in the post's text, and indexes into the match's
/// `rule` and `term` lists (no offsets: the rule matched without a word, `is:reply` say).
#[derive(Serialize)]
struct EvidenceLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    word: Option<&'a str>,
    rule: usize,
    term: usize,
}

#[derive(Serialize)]
struct RefusedLine<'a> {
    kind: &'static str,
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct CountsLine<'a> {
    kind: &'static str,
    records: u64,
    refused: u64,
    matches: u64,
    df: &'a std::collections::BTreeMap<String, u64>,
}

/// A record being matched: the segment the rules see and what the output names it by.
struct Record {
    seg: Seg,
    line: usize,
    role: Option<String>,
}

/// Applies the codebooks to the JSON lines of `input` and writes the output lines to `out`
/// (see the module's doc). `label` names the input in refusals; `refused` hears each one
/// (the CLI prints them). Fails only when the codebooks cannot be applied without a project
/// or the output cannot be written.
pub fn run(
    cfg: &MatchConfig,
    input: &mut impl BufRead,
    label: &Path,
    out: &mut impl Write,
    refused: &mut dyn FnMut(&IngestError),
) -> Result<MatchReport> {
    let mut analyzer = Analyzer::new(&cfg.analyzer).map_err(Error::Other)?;
    let Rules {
        rules,
        named,
        mask_sets,
        fields,
    } = prepare(cfg);
    let mut counted = Counted::default();
    for r in &rules {
        counted.add(&r.query, &mut analyzer);
    }
    let workers: Vec<Mutex<Worker>> = (0..rayon::current_num_threads())
        .map(|_| {
            Mutex::new(Worker {
                analyzer: analyzer.clone(),
                tokens: Vec::new(),
            })
        })
        .collect();
    let fixed = Run {
        table: super::triggers::Triggers::new(&rules),
        froms: vec![i64::MIN; cfg.codebooks.len()],
        mask_sets,
        workers,
    };
    let mut report = MatchReport::default();
    let mut df: FxHashMap<String, u64> = FxHashMap::default();
    let mut failure: Option<Error> = None;
    let mut next_line = 0usize;
    {
        let mut sink =
            |batch: Vec<std::result::Result<crate::ingest::posts::Post, IngestError>>| {
                let step = || -> Result<()> {
                    let mut records = Vec::with_capacity(batch.len());
                    let mut posts = batch;
                    posts.par_iter_mut().with_min_len(256).for_each(|r| {
                        if let Ok(p) = r {
                            if !crate::ingest::posts::finish(p) {
                                p.text.clear();
                            }
                        }
                    });
                    for r in posts {
                        match r {
                            Err(e) => {
                                report.refused += 1;
                                refused(&e);
                                write_refused(out, e.line, None, &e.message)?;
                            }
                            Ok(p) if p.text.is_empty() => {
                                report.refused += 1;
                                let e = IngestError::at(label, p.line, "no text: left out");
                                refused(&e);
                                write_refused(out, Some(p.line), Some(&p.id), &e.message)?;
                            }
                            Ok(p) => {
                                next_line += 1;
                                let role = p
                                    .attrs
                                    .iter()
                                    .find(|(k, _)| k.eq_ignore_ascii_case("role"))
                                    .map(|(_, v)| v.trim().to_lowercase());
                                let (author, line, text, meta) = crate::ingest::posts::split(p);
                                let n = next_line as i64;
                                records.push(Record {
                                    seg: Seg {
                                        segment: n,
                                        document: n,
                                        speaker: author.map(|a| a.to_lowercase()),
                                        text,
                                        char_start: 0,
                                        post: Some(meta),
                                    },
                                    line,
                                    role,
                                });
                            }
                        }
                    }
                    report.records += records.len() as u64;
                    // Resolving filters changes no rule's trigger words: one table serves.
                    let resolved;
                    let now = if fields {
                        resolved = resolve(&rules, &records);
                        &resolved
                    } else {
                        &rules
                    };
                    let found = evaluate_batch(&records, now, &fixed, &counted);
                    for (chunk, stems) in found {
                        for s in stems {
                            *df.entry(s).or_default() += 1;
                        }
                        report.matches += write_matches(out, cfg, &named, &records, chunk)?;
                    }
                    Ok(())
                };
                step().map_err(|e| {
                    failure.get_or_insert(e);
                })
            };
        let _ = crate::ingest::posts::json::read_json_lines(input, label, &cfg.posts, &mut sink);
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let df: std::collections::BTreeMap<String, u64> = df.into_iter().collect();
    let counts = CountsLine {
        kind: "counts",
        records: report.records,
        refused: report.refused,
        matches: report.matches,
        df: &df,
    };
    write_line(out, &counts)?;
    out.flush().map_err(write_error)?;
    Ok(report)
}

/// The codebooks' rules as the stream applies them.
struct Rules {
    rules: Vec<Prepared>,
    /// Per rule: what the output names it by.
    named: Vec<Named>,
    mask_sets: Vec<Vec<Vec<String>>>,
    /// Whether any rule has field filters (the scope's `role:`) to resolve per batch.
    fields: bool,
}

/// Every rule of the codebooks, as `suggest` prepares them (the same rule twice in a code
/// runs once).
fn prepare(cfg: &MatchConfig) -> Rules {
    let mut out = Rules {
        rules: Vec::new(),
        named: Vec::new(),
        mask_sets: Vec::new(),
        fields: false,
    };
    for (b, cb) in cfg.codebooks.iter().enumerate() {
        let mut seen = FxHashSet::default();
        for (c, code) in cb.codes.iter().enumerate() {
            for r in 0..code.rules.len() {
                let hash = rule_hash(&cb.rule_query(c, r, cfg.widen));
                if !seen.insert((c, hash)) {
                    continue;
                }
                let (query, masks) = cb.rule_parts(c, r, cfg.widen);
                out.fields |= has_fields(&query);
                out.named.push(Named {
                    text: code.rules[r].text.clone(),
                    terms: query.terms().into_iter().map(Query::term_text).collect(),
                });
                let id = out.rules.len() as i64;
                let rule = Prepared::new((b, c), id, query, masks, &mut out.mask_sets);
                out.rules.push(rule);
            }
        }
    }
    out
}

fn has_fields(q: &Query) -> bool {
    match q {
        Query::Field(..) => true,
        Query::And(v) | Query::Or(v) => v.iter().any(has_fields),
        Query::Not(q) | Query::Masked(q, _) => has_fields(q),
        _ => false,
    }
}

/// The rules with their speaker filters resolved against this batch's authors (and the
/// roles its records give): what a project resolves against all its speakers.
fn resolve(rules: &[Prepared], records: &[Record]) -> Vec<Prepared> {
    let mut out: Vec<Prepared> = rules
        .iter()
        .map(|r| Prepared {
            query: r.query.clone(),
            terms: r.terms.clone(),
            ..*r
        })
        .collect();
    let mut speakers: FxHashMap<&str, &str> = FxHashMap::default();
    for r in records {
        if let Some(s) = r.seg.speaker.as_deref() {
            let role = r.role.as_deref().unwrap_or("none");
            speakers.entry(s).or_insert(role);
        }
    }
    for r in &mut out {
        r.query.resolve_fields(&mut |f| {
            let mut res = Resolved::default();
            if let FieldFilter::Role(x) = f {
                res.no_speaker = x == "none";
            }
            for (&name, &role) in &speakers {
                if crate::store::speaker_passes(f, name, role) {
                    res.speakers.insert(name.to_string());
                }
            }
            res
        });
    }
    out
}

/// What every batch of a stream shares.
struct Run {
    table: super::triggers::Triggers,
    froms: Vec<i64>,
    mask_sets: Vec<Vec<Vec<String>>>,
    workers: Vec<Mutex<Worker>>,
}

/// The batch evaluated on the pool, in order: per task, what it found and the distinct
/// countable stems of each of its records.
fn evaluate_batch(
    records: &[Record],
    rules: &[Prepared],
    run: &Run,
    counted: &Counted,
) -> Vec<(Chunk, Vec<String>)> {
    let (table, froms, mask_sets, workers) = (&run.table, &run.froms, &run.mask_sets, &run.workers);
    records
        .par_chunks(TASK)
        .map(|recs| {
            let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
            let mut w = workers[slot].lock().unwrap_or_else(|p| p.into_inner());
            let mut chunk = Chunk::default();
            let mut stems = Vec::new();
            for r in recs {
                super::evaluate(&r.seg, &mut w, rules, mask_sets, froms, table, &mut chunk);
                // `evaluate` leaves the record's words in the worker's buffer.
                count_stems(&w.tokens, counted, &mut stems);
            }
            (chunk, stems)
        })
        .collect()
}

/// Adds each distinct countable stem of one record's words.
fn count_stems(toks: &[Token], counted: &Counted, out: &mut Vec<String>) {
    let start = out.len();
    for t in toks {
        if counted.wants(&t.lower, &t.stem) && !out[start..].contains(&t.stem) {
            out.push(t.stem.clone());
        }
    }
}

/// Writes a task's matches in record order; how many.
fn write_matches(
    out: &mut impl Write,
    cfg: &MatchConfig,
    named: &[Named],
    records: &[Record],
    chunk: Chunk,
) -> Result<u64> {
    let mut n = 0;
    for f in chunk.found {
        // Segments are numbered from 1 across the stream; the batch's first is records[0].
        let first = records.first().map_or(0, |r| r.seg.segment);
        let Some(rec) = records.get((f.segment - first) as usize) else {
            continue;
        };
        let mut ev = f.evidence;
        ev.sort_unstable_by_key(|e| (e.start, e.end, e.rule, e.word));
        ev.dedup();
        let mut rule_ix: Vec<i64> = Vec::new();
        let mut term_ix: Vec<(i64, u16)> = Vec::new();
        let mut stems: Vec<&str> = Vec::new();
        let mut evidence = Vec::with_capacity(ev.len());
        for e in &ev {
            let r = index_of(&mut rule_ix, e.rule);
            let t = index_of(&mut term_ix, (e.rule, e.term));
            let word = chunk.words.get(e.word as usize);
            if let Some((_, stem)) = word {
                if !stems.contains(&stem.as_str()) {
                    stems.push(stem);
                }
            }
            evidence.push(EvidenceLine {
                start: word.map(|_| e.start),
                end: word.map(|_| e.end),
                word: word.map(|(w, _)| w.as_str()),
                rule: r,
                term: t,
            });
        }
        let cb = &cfg.codebooks[f.book];
        let post = rec.seg.post.as_ref();
        let line = MatchLine {
            kind: "match",
            id: post.map_or("", |p| p.id.as_str()),
            line: rec.line,
            codebook: &cb.id,
            code: &cb.codes[f.code].id,
            rule: rule_ix
                .iter()
                .map(|&i| named[i as usize].text.as_str())
                .collect(),
            term: term_ix
                .iter()
                .map(|&(i, t)| {
                    named[i as usize]
                        .terms
                        .get(t as usize)
                        .map_or("", String::as_str)
                })
                .collect(),
            evidence,
            stems,
            time: post.and_then(|p| p.created_at.as_deref()),
            platform: post.map_or("other", |p| p.platform.as_str()),
            text_hash: format!("{:016x}", crate::store::text_key(&rec.seg.text)),
        };
        write_line(out, &line)?;
        n += 1;
    }
    Ok(n)
}

/// The index of `x` in `v`, added at the end if new.
fn index_of<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
    match v.iter().position(|y| *y == x) {
        Some(i) => i,
        None => {
            v.push(x);
            v.len() - 1
        }
    }
}

fn write_refused(
    out: &mut impl Write,
    line: Option<usize>,
    id: Option<&str>,
    reason: &str,
) -> Result<()> {
    let id = id.filter(|s| !s.is_empty());
    write_line(
        out,
        &RefusedLine {
            kind: "refused",
            line,
            id,
            reason,
        },
    )
}

fn write_line(out: &mut impl Write, v: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(|e| Error::Other(format!("writing: {e}")))?;
    out.write_all(b"\n").map_err(write_error)
}

fn write_error(e: std::io::Error) -> Error {
    Error::Other(format!("writing the matches: {e}"))
}
