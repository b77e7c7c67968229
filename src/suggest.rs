//! Suggest: apply codebooks to every segment in scope and keep candidate codes for a person
//! to decide on. Nothing here ever writes a coding.
//!
//! One pass per segment: analyse it once, look its stems up in a table built from every rule's
//! trigger words, and evaluate only the rules that could match (plus the few that have no
//! trigger). Segments are processed in parallel chunks and the results kept in segment order,
//! so one thread and many give the same suggestions.

use crate::analyzer::{Analyzer, Token};
use crate::codebook::Codebook;
use crate::error::Result;
use crate::index::Index;
use crate::model::PostMeta;
use crate::project::Project;
use crate::query::{Query, Target};
use crate::store::SuggestionRow;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// What `suggest` should do.
#[derive(Debug, Clone, Default)]
pub struct SuggestConfig {
    /// The codebooks to apply.
    pub codebooks: Vec<Codebook>,
    /// Compute and report, but store nothing.
    pub dry_run: bool,
    /// Read more than the codebooks' default scope.
    pub widen: crate::codebook::Widen,
}

/// What one code did across the project.
#[derive(Debug, Clone, Serialize)]
pub struct CodeSummary {
    /// The codebook's id.
    pub codebook: String,
    /// The code's id.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Depth in the tree (1: top level).
    pub depth: usize,
    /// Segments the code matches, its descendants included (what `search --code` counts).
    pub segments: usize,
    /// Share of the segments of the project, in percent.
    pub share: f64,
    /// The words most often evidence for it, with counts.
    pub top_terms: Vec<(String, usize)>,
}

/// What `suggest` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuggestReport {
    /// Segments read.
    pub segments: usize,
    /// Suggestions (segment, code) made, one per most specific code that matched.
    pub suggestions: usize,
    /// Per code, in codebook order.
    pub codes: Vec<CodeSummary>,
    /// Whether they were stored.
    pub stored: bool,
}

/// One rule ready to run: which code it belongs to and the words that must occur for it to
/// match (None: it must always be tried).
struct Prepared {
    book: usize,
    code: usize,
    rule: usize,
    query: Query,
}

/// A suggestion before it is stored.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    segment: i64,
    book: usize,
    code: usize,
    rules: Vec<usize>,
    /// Evidence as code-point ranges in the stored document.
    evidence: Vec<(usize, usize)>,
    /// Distinct evidence stems (for the score).
    stems: Vec<String>,
    /// Distinct evidence words, lowercased (for the summary).
    words: Vec<String>,
}

/// Runs the codebooks over the project.
pub fn run(project: &mut Project, index: &mut Index, cfg: &SuggestConfig) -> Result<SuggestReport> {
    // Every rule, with its field filters (the scope names roles) resolved for this project.
    let mut rules = Vec::new();
    for (b, cb) in cfg.codebooks.iter().enumerate() {
        for (c, code) in cb.codes.iter().enumerate() {
            for r in 0..code.rules.len() {
                let mut query = cb.rule_query(c, r, cfg.widen);
                crate::search::resolve_fields(project, &mut query)?;
                rules.push(Prepared {
                    book: b,
                    code: c,
                    rule: r,
                    query,
                });
            }
        }
    }
    // Trigger table: stem -> rules that cannot match without it.
    let mut by_stem: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut always = Vec::new();
    for (i, p) in rules.iter().enumerate() {
        match triggers(&p.query) {
            Some(stems) => {
                for s in stems {
                    by_stem.entry(s).or_default().push(i);
                }
            }
            None => always.push(i),
        }
    }
    let analyzer = Analyzer::new(project.analyzer()).map_err(crate::Error::Other)?;
    // Read every document and segment once, in order.
    let mut units: Vec<Unit> = Vec::new();
    let store = project.store();
    store.for_each_document(|doc, text, segs| {
        let posts = match (segs.first(), segs.last()) {
            (Some(a), Some(b)) => store.posts_between(a.id, b.id)?,
            _ => Vec::new(),
        };
        let mut posts = posts.into_iter().peekable();
        for s in segs {
            let post = posts.next_if(|(id, _)| *id == s.id).map(|(_, p)| p);
            units.push(Unit {
                segment: s.id,
                document: doc,
                speaker: s.speaker.map(|x| x.to_lowercase()),
                text: text.get(s.byte_start..s.byte_end).unwrap_or("").to_string(),
                char_start: s.char_start,
                post,
            });
        }
        Ok(())
    })?;
    let found: Vec<Found> = units
        .par_chunks(512)
        .map_init(
            || analyzer.clone(),
            |a, chunk| {
                let mut out = Vec::new();
                for u in chunk {
                    evaluate(u, a, &rules, &by_stem, &always, &mut out);
                }
                out
            },
        )
        .flatten_iter()
        .collect();
    let report = summarise(&cfg.codebooks, &found, units.len());
    // Word rarity for the scores, looked up once per stem.
    let mut idf: FxHashMap<&str, f64> = FxHashMap::default();
    let n = index.segment_count()?.max(1) as f64;
    for f in &found {
        for s in &f.stems {
            if !idf.contains_key(s.as_str()) {
                let df = index.doc_freq(s)?.max(1) as f64;
                idf.insert(s, (1.0 + n / df).ln());
            }
        }
    }
    if !cfg.dry_run {
        let rows: Vec<SuggestionRow> = most_specific(&cfg.codebooks, &found)
            .into_iter()
            .map(|f| {
                let cb = &cfg.codebooks[f.book];
                SuggestionRow {
                    segment: f.segment,
                    codebook: cb.id.clone(),
                    version: cb.version.clone(),
                    code: cb.codes[f.code].id.clone(),
                    rules: f
                        .rules
                        .iter()
                        .map(|&r| cb.codes[f.code].rules[r].text.clone())
                        .collect(),
                    score: f.stems.iter().map(|s| idf[s.as_str()]).sum(),
                    evidence: f.evidence.clone(),
                }
            })
            .collect();
        let ids: Vec<String> = cfg.codebooks.iter().map(|c| c.id.clone()).collect();
        project.store_mut().put_suggestions(&ids, &rows)?;
    }
    Ok(SuggestReport {
        stored: !cfg.dry_run,
        ..report
    })
}

struct Unit {
    segment: i64,
    document: i64,
    speaker: Option<String>,
    text: String,
    char_start: usize,
    post: Option<PostMeta>,
}

/// Per (codebook, code): the rules that fired and their evidence token indexes.
type Hits = ((usize, usize), Vec<usize>, Vec<usize>);

/// The rules that match one segment, as suggestions per (codebook, code).
fn evaluate(
    u: &Unit,
    a: &mut Analyzer,
    rules: &[Prepared],
    by_stem: &FxHashMap<String, Vec<usize>>,
    always: &[usize],
    out: &mut Vec<Found>,
) {
    let toks = a.analyze(&u.text);
    let mut candidates: FxHashSet<usize> = always.iter().copied().collect();
    for t in &toks {
        if let Some(rs) = by_stem.get(&t.stem) {
            candidates.extend(rs.iter().copied());
        }
    }
    if candidates.is_empty() {
        return;
    }
    let mut candidates: Vec<usize> = candidates.into_iter().collect();
    candidates.sort_unstable();
    let target = Target {
        document: u.document,
        speaker: u.speaker.as_deref(),
        tokens: &toks,
        post: u.post.as_ref(),
    };
    let mut per_code: Vec<Hits> = Vec::new();
    for i in candidates {
        let p = &rules[i];
        if let Some(ev) = p.query.eval(&target) {
            match per_code.iter_mut().find(|(k, _, _)| *k == (p.book, p.code)) {
                Some((_, rs, evs)) => {
                    rs.push(p.rule);
                    evs.extend(ev);
                }
                None => per_code.push(((p.book, p.code), vec![p.rule], ev)),
            }
        }
    }
    per_code.sort_by_key(|(k, _, _)| *k);
    for ((book, code), rules, mut ev) in per_code {
        ev.sort_unstable();
        ev.dedup();
        out.push(Found {
            segment: u.segment,
            book,
            code,
            rules,
            evidence: char_ranges(&u.text, &toks, &ev, u.char_start),
            stems: distinct(ev.iter().map(|&i| toks[i].stem.clone())),
            words: distinct(ev.iter().map(|&i| toks[i].lower.clone())),
        });
    }
}

fn distinct(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.collect();
    v.sort();
    v.dedup();
    v
}

/// Token indexes as code-point ranges in the document.
fn char_ranges(text: &str, toks: &[Token], ev: &[usize], base: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(ev.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    for &i in ev {
        let t = &toks[i];
        chars += text[byte..t.start].chars().count();
        let start = chars;
        let end = start + text[t.start..t.end].chars().count();
        byte = t.start;
        out.push((base + start, base + end));
    }
    out
}

/// Stems one of which must occur for `q` to match; None when no such set is known (a rule
/// that is only NOT, or a prefix).
fn triggers(q: &Query) -> Option<Vec<String>> {
    match q {
        Query::Term(s) => Some(vec![s.clone()]),
        Query::Phrase(v) => v.first().map(|s| vec![s.clone()]),
        Query::Near(a, _, _) | Query::Before(a, _, _) => Some(vec![a.clone()]),
        // Any one conjunct's triggers will do; take the first that has some.
        Query::And(v) => v.iter().find_map(triggers),
        Query::Or(v) => {
            let mut all = Vec::new();
            for q in v {
                all.extend(triggers(q)?);
            }
            Some(all)
        }
        Query::Masked(q, _) => triggers(q),
        _ => None,
    }
}

/// Keeps, per segment, only the most specific codes that matched: a code is left out when
/// one of its descendants matched the same segment.
fn most_specific<'a>(books: &[Codebook], found: &'a [Found]) -> Vec<&'a Found> {
    let mut out = Vec::with_capacity(found.len());
    let mut i = 0;
    while i < found.len() {
        let seg = found[i].segment;
        let mut j = i;
        while j < found.len() && found[j].segment == seg {
            j += 1;
        }
        let group = &found[i..j];
        for f in group {
            let cb = &books[f.book];
            let has_descendant = group
                .iter()
                .any(|g| g.book == f.book && g.code != f.code && is_ancestor(cb, f.code, g.code));
            if !has_descendant {
                out.push(f);
            }
        }
        i = j;
    }
    out
}

fn is_ancestor(cb: &Codebook, a: usize, mut d: usize) -> bool {
    while let Some(p) = cb.codes[d].parent {
        if p == a {
            return true;
        }
        d = p;
    }
    false
}

fn summarise(books: &[Codebook], found: &[Found], segments: usize) -> SuggestReport {
    let mut codes = Vec::new();
    for (b, cb) in books.iter().enumerate() {
        for (c, code) in cb.codes.iter().enumerate() {
            let subtree: FxHashSet<usize> = cb.subtree(c).into_iter().collect();
            let mut segs = FxHashSet::default();
            let mut terms: FxHashMap<&str, usize> = FxHashMap::default();
            for f in found
                .iter()
                .filter(|f| f.book == b && subtree.contains(&f.code))
            {
                segs.insert(f.segment);
                for s in &f.words {
                    *terms.entry(s.as_str()).or_default() += 1;
                }
            }
            let mut top: Vec<(String, usize)> =
                terms.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            top.truncate(5);
            codes.push(CodeSummary {
                codebook: cb.id.clone(),
                code: code.id.clone(),
                name: code.name.clone(),
                depth: code.depth,
                segments: segs.len(),
                share: 100.0 * segs.len() as f64 / segments.max(1) as f64,
                top_terms: top,
            });
        }
    }
    SuggestReport {
        segments,
        suggestions: most_specific(books, found).len(),
        codes,
        stored: false,
    }
}
