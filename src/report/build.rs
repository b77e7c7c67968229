//! Reading the project into the plain-data [`Report`]: the corpus, the codes with their
//! precision, the matrices, coverage, agreement between coders and the ranked rules.

use super::{
    AttrOf, AttributeMatrix, Attributes, CodeRow, CodebookAgreement, CodebookCodes, CoderRow,
    Cooccurrence, Corpus, Count, Coverage, DocCoverage, Grid, Pair, PairAgreement, RankedRule,
    Report, ReportConfig, Rules, Summary, MAX_CODES, MAX_PAIRS, MAX_VALUES,
};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::quality::{self, RulesReport};
use crate::store::DecisionRow;
use crate::Document;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Segments carrying each (codebook, code) after review.
pub(super) type Codings = BTreeMap<(String, String), BTreeSet<i64>>;

/// Segment id → (document id, speaker).
pub(super) type Owners = HashMap<i64, (i64, Option<String>)>;

/// Reads the project into a report.
pub fn build(project: &Project, cfg: &ReportConfig) -> Result<Report> {
    let store = project.store();
    let run: BTreeSet<String> = store
        .codebooks_run()?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut books: BTreeSet<String> = run.clone();
    books.extend(store.decided_codebooks()?);
    if let Some(only) = &cfg.codebook {
        if !books.contains(only) {
            return Err(Error::Other(format!(
                "codebook {only} has no suggestions or decisions in this project; \
                 run `quarry suggest --codebook {only}` first"
            )));
        }
        books = BTreeSet::from([only.clone()]);
    }
    let docs = store.documents()?;
    let corpus = corpus(project, &docs)?;
    let decisions = store.decisions(None)?;
    let codings = accepted_codings(&decisions, &books);
    let mut quality = BTreeMap::new();
    for book in books.iter().filter(|b| run.contains(*b)) {
        quality.insert(book.clone(), quality::rules(project, book, None)?);
    }
    let ids: Vec<i64> = codings
        .values()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let owners = store.segment_owners(&ids)?;
    let doc_attrs: HashMap<i64, Vec<(String, String)>> =
        docs.iter().map(|d| (d.id, d.attributes.clone())).collect();
    let speaker_attrs = store.speaker_attributes()?;
    let books_list: Vec<String> = books.iter().cloned().collect();
    let suggested = store.suggested_segments_per_document(&books_list)?;
    let names = code_names(&books, &store.codebooks_run()?);
    let codes = code_tables(&books, &quality, &codings, &names);
    let coders = coder_rows(project, &quality, &decisions)?;
    let decided: usize = coders.iter().map(|c| c.decided).sum();
    let accepted: usize = coders.iter().map(|c| c.accepted).sum();
    let summary = Summary {
        documents: docs.len(),
        suggestions: codes
            .iter()
            .flat_map(|b| &b.codes)
            .map(|c| c.suggested)
            .sum(),
        decided,
        accepted,
        precision: (decided > 0).then(|| accepted as f64 / decided as f64),
        coders: coders
            .iter()
            .map(|c| c.coder.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    Ok(Report {
        title: project
            .root()
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "quarry project".into()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        date: crate::text::time::today(),
        codes,
        attributes: attribute_matrices(&codings, &owners, &doc_attrs, &speaker_attrs),
        cooccurrence: cooccurrence(&books, &codings),
        coverage: coverage(&docs, &codings, &owners, &suggested),
        agreement: agreement(project, &books, &decisions)?,
        rules: ranked_rules(&quality, &names),
        samples: samples(project)?,
        codebooks: books_list,
        names,
        summary,
        coders,
        corpus,
    })
}

/// The codes' names of each codebook reported on, from where its last run loaded it (else
/// as a built-in name); a codebook that cannot be loaded is left out, and its ids stand.
fn code_names(
    books: &BTreeSet<String>,
    run: &[(String, String)],
) -> BTreeMap<String, BTreeMap<String, String>> {
    books
        .iter()
        .filter_map(|book| {
            let cb = match run.iter().find(|(id, _)| id == book) {
                Some((_, origin)) => crate::codebook::load_origin(origin).ok(),
                None => crate::codebook::load(book).ok(),
            }?;
            let names = cb.codes.into_iter().map(|c| (c.id, c.name)).collect();
            Some((book.clone(), names))
        })
        .collect()
}

/// Each coder's decisions on the suggestions of each codebook that has been run, as
/// `quarry rules --coder` counts them: their sum is the codes table's decided.
fn coder_rows(
    project: &Project,
    quality: &BTreeMap<String, RulesReport>,
    decisions: &[DecisionRow],
) -> Result<Vec<CoderRow>> {
    let mut out = Vec::new();
    for book in quality.keys() {
        let coders: BTreeSet<&str> = decisions
            .iter()
            .filter(|d| &d.codebook == book)
            .map(|d| d.coder.as_str())
            .collect();
        for coder in coders {
            let q = quality::rules(project, book, Some(coder))?;
            let decided: usize = q.codes.iter().map(|c| c.decided).sum();
            let accepted: usize = q.codes.iter().map(|c| c.accepted).sum();
            if decided > 0 {
                out.push(CoderRow {
                    codebook: book.clone(),
                    coder: coder.to_string(),
                    decided,
                    accepted,
                    precision: Some(accepted as f64 / decided as f64),
                });
            }
        }
    }
    Ok(out)
}

fn corpus(project: &Project, docs: &[Document]) -> Result<Corpus> {
    let store = project.store();
    let speakers = store.speakers()?;
    let mut formats: BTreeMap<&str, u64> = BTreeMap::new();
    for d in docs {
        *formats.entry(d.format.as_str()).or_default() += 1;
    }
    let platforms: Vec<Count> = store
        .posts_per_platform()?
        .into_iter()
        .map(|(label, count)| Count { label, count })
        .collect();
    Ok(Corpus {
        documents: docs.len(),
        segments: store.segment_count()?,
        speakers: speakers.len(),
        interviewers: speakers
            .iter()
            .filter(|s| s.role == Some(crate::Role::Interviewer))
            .count(),
        formats: formats
            .into_iter()
            .map(|(f, count)| Count {
                label: f.to_string(),
                count,
            })
            .collect(),
        posts: platforms.iter().map(|c| c.count).sum(),
        platforms,
        months: months(store.posts_per_month()?),
    })
}

/// Months with posts, with the empty months between them while the span is at most ten
/// years (a chart with gaps left out would mislead); undated posts last.
pub(super) fn months(counted: Vec<(Option<String>, u64)>) -> Vec<Count> {
    let index = |m: &str| -> Option<i64> {
        let (y, mo) = m.split_once('-')?;
        Some(y.parse::<i64>().ok()? * 12 + mo.parse::<i64>().ok()? - 1)
    };
    let dated: Vec<(i64, u64)> = counted
        .iter()
        .filter_map(|(m, n)| Some((index(m.as_deref()?)?, *n)))
        .collect();
    let undated: u64 = counted
        .iter()
        .filter(|(m, _)| m.as_deref().and_then(index).is_none())
        .map(|(_, n)| n)
        .sum();
    let label = |i: i64| format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1);
    let mut out: Vec<Count> = match (dated.first(), dated.last()) {
        (Some(&(first, _)), Some(&(last, _))) if last - first < 120 => {
            let by: HashMap<i64, u64> = dated.iter().copied().collect();
            (first..=last)
                .map(|i| Count {
                    label: label(i),
                    count: by.get(&i).copied().unwrap_or(0),
                })
                .collect()
        }
        _ => dated
            .iter()
            .map(|&(i, count)| Count {
                label: label(i),
                count,
            })
            .collect(),
    };
    if undated > 0 {
        out.push(Count {
            label: "(no date)".into(),
            count: undated,
        });
    }
    out
}

/// The codes that apply to segments after review, per (codebook, code): the standing codings
/// of `quality::standing` (each coder's latest decision per segment and code), and a segment
/// carries a code when any coder's says so.
pub(super) fn accepted_codings(decisions: &[DecisionRow], books: &BTreeSet<String>) -> Codings {
    let mut out = Codings::new();
    for ((_, book, segment, code), v) in quality::standing(decisions) {
        if v.applies && books.contains(&book) {
            out.entry((book, code)).or_default().insert(segment);
        }
    }
    out
}

/// The codings of one codebook, by code id.
fn codings_of<'a>(
    codings: &'a Codings,
    book: &'a str,
) -> impl Iterator<Item = (&'a str, &'a BTreeSet<i64>)> + 'a {
    codings
        .iter()
        .filter(move |((b, _), _)| b == book)
        .map(|((_, c), segs)| (c.as_str(), segs))
}

pub(super) fn code_tables(
    books: &BTreeSet<String>,
    quality: &BTreeMap<String, RulesReport>,
    codings: &Codings,
    names: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<CodebookCodes> {
    books
        .iter()
        .map(|book| {
            let coded: BTreeMap<&str, usize> = codings_of(codings, book)
                .map(|(c, s)| (c, s.len()))
                .collect();
            let mut codes = Vec::new();
            let mut silent = 0;
            let q = quality.get(book);
            for c in q.map(|q| q.codes.as_slice()).unwrap_or_default() {
                let n = coded.get(c.code.as_str()).copied().unwrap_or(0);
                if c.fired == 0 && c.decided == 0 && n == 0 {
                    silent += 1;
                    continue;
                }
                codes.push(CodeRow {
                    code: c.code.clone(),
                    name: name_of(names, book, &c.code).to_string(),
                    suggested: c.fired,
                    decided: c.decided,
                    accepted: c.accepted,
                    rejected: c.decided.saturating_sub(c.accepted),
                    precision: c.precision,
                    interval: c.interval,
                    coded_segments: n,
                });
            }
            // Codes coded without a suggestion of the last run (by hand, or chosen instead).
            for (code, n) in coded {
                if !codes.iter().any(|c| c.code == code) {
                    codes.push(CodeRow {
                        code: code.to_string(),
                        name: name_of(names, book, code).to_string(),
                        suggested: 0,
                        decided: 0,
                        accepted: 0,
                        rejected: 0,
                        precision: None,
                        interval: None,
                        coded_segments: n,
                    });
                }
            }
            CodebookCodes {
                codebook: book.clone(),
                suggested: q.is_some(),
                codes,
                silent,
            }
        })
        .collect()
}

/// A code's name, or "" when its codebook or the code is not known.
pub(super) fn name_of<'a>(
    names: &'a BTreeMap<String, BTreeMap<String, String>>,
    book: &str,
    code: &str,
) -> &'a str {
    names
        .get(book)
        .and_then(|n| n.get(code))
        .map_or("", String::as_str)
}

fn value_of<'a>(attrs: Option<&'a Vec<(String, String)>>, key: &str) -> Option<&'a str> {
    attrs?
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Per codebook and attribute key with few values, how many segments carry each code per
/// value. Values are counted over everything stored, so which keys get a matrix does not
/// depend on what has been coded; a key no coded segment has a value for is left out.
pub(super) fn attribute_matrices(
    codings: &Codings,
    owners: &Owners,
    doc_attrs: &HashMap<i64, Vec<(String, String)>>,
    speaker_attrs: &HashMap<String, Vec<(String, String)>>,
) -> Attributes {
    let mut values: BTreeMap<(AttrOf, &str), BTreeSet<&str>> = BTreeMap::new();
    for (of, all) in [
        (AttrOf::Document, doc_attrs.values().collect::<Vec<_>>()),
        (AttrOf::Speaker, speaker_attrs.values().collect()),
    ] {
        for attrs in all {
            for (k, v) in attrs {
                values
                    .entry((of, k.as_str()))
                    .or_default()
                    .insert(v.as_str());
            }
        }
    }
    let mut left_out = Vec::new();
    let mut keys = Vec::new();
    for ((of, key), vals) in values {
        if vals.len() > MAX_VALUES {
            left_out.push(format!("{} {key} ({} values)", of.as_str(), vals.len()));
        } else {
            keys.push((of, key, vals));
        }
    }
    let books: BTreeSet<&str> = codings.keys().map(|(b, _)| b.as_str()).collect();
    let mut matrices = Vec::new();
    for book in books {
        for (of, key, vals) in &keys {
            let columns: Vec<&str> = vals.iter().copied().collect();
            let mut rows = Vec::new();
            let mut counts = Vec::new();
            for (code, segs) in codings_of(codings, book) {
                // The values' columns, then one for codings without a value.
                let mut row = vec![0u64; columns.len() + 1];
                for seg in segs {
                    let Some((doc, speaker)) = owners.get(seg) else {
                        continue;
                    };
                    let attrs = match of {
                        AttrOf::Document => doc_attrs.get(doc),
                        AttrOf::Speaker => speaker.as_ref().and_then(|s| speaker_attrs.get(s)),
                    };
                    let col = value_of(attrs, key)
                        .and_then(|v| columns.binary_search(&v).ok())
                        .unwrap_or(columns.len());
                    row[col] += 1;
                }
                rows.push(code.to_string());
                counts.push(row);
            }
            if counts
                .iter()
                .all(|r| r[..columns.len()].iter().all(|n| *n == 0))
            {
                continue;
            }
            let mut columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            if counts.iter().any(|r| r[columns.len()] > 0) {
                columns.push("(not set)".into());
            } else {
                for r in &mut counts {
                    r.pop();
                }
            }
            matrices.push(AttributeMatrix {
                codebook: book.to_string(),
                of: *of,
                key: key.to_string(),
                grid: Grid {
                    rows,
                    columns,
                    counts,
                },
            });
        }
    }
    Attributes { matrices, left_out }
}

/// Per codebook, segments carrying both codes of each pair (the [`MAX_CODES`] most used).
pub(super) fn cooccurrence(books: &BTreeSet<String>, codings: &Codings) -> Vec<Cooccurrence> {
    books
        .iter()
        .map(|book| {
            let mut codes: Vec<(&str, &BTreeSet<i64>)> = codings_of(codings, book).collect();
            let all = codes.len();
            // The pairs, over every code of the codebook.
            let mut both: BTreeMap<(usize, usize), u64> = BTreeMap::new();
            for (i, j) in together(&codes) {
                *both.entry((i, j)).or_default() += 1;
            }
            let mut pairs: Vec<Pair> = both
                .into_iter()
                .map(|((i, j), n)| Pair {
                    first: codes[i].0.to_string(),
                    second: codes[j].0.to_string(),
                    first_segments: codes[i].1.len() as u64,
                    second_segments: codes[j].1.len() as u64,
                    both: n,
                })
                .collect();
            // Most first; stable, so ties stay in code order.
            pairs.sort_by_key(|p| std::cmp::Reverse(p.both));
            pairs.truncate(MAX_PAIRS);
            // The matrix, over the most used.
            codes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            codes.truncate(MAX_CODES);
            codes.sort_by(|a, b| a.0.cmp(b.0));
            let mut counts = vec![vec![0u64; codes.len()]; codes.len()];
            for (i, c) in codes.iter().enumerate() {
                counts[i][i] = c.1.len() as u64;
            }
            for (i, j) in together(&codes) {
                counts[i][j] += 1;
                counts[j][i] += 1;
            }
            let names: Vec<String> = codes.iter().map(|(c, _)| c.to_string()).collect();
            Cooccurrence {
                codebook: book.clone(),
                grid: Grid {
                    rows: names.clone(),
                    columns: names,
                    counts,
                },
                left_out: all - codes.len(),
                pairs,
            }
        })
        .collect()
}

/// For each segment carrying two of `codes`, the pair (indexes, the lower first), once per
/// segment.
fn together(codes: &[(&str, &BTreeSet<i64>)]) -> Vec<(usize, usize)> {
    let mut on: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, (_, segs)) in codes.iter().enumerate() {
        for s in *segs {
            on.entry(*s).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for held in on.values() {
        for (k, &i) in held.iter().enumerate() {
            for &j in &held[k + 1..] {
                out.push((i, j));
            }
        }
    }
    out
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

pub(super) fn coverage(
    docs: &[Document],
    codings: &Codings,
    owners: &Owners,
    suggested: &HashMap<i64, u64>,
) -> Coverage {
    let coded_segments: BTreeSet<i64> = codings.values().flatten().copied().collect();
    let mut coded: HashMap<i64, u64> = HashMap::new();
    for s in &coded_segments {
        if let Some((doc, _)) = owners.get(s) {
            *coded.entry(*doc).or_default() += 1;
        }
    }
    let row = |document: String, segments: u64, coded: u64, suggested: u64| DocCoverage {
        document,
        segments,
        coded,
        suggested,
        coded_share: share(coded, segments),
        suggested_share: share(suggested, segments),
    };
    let documents: Vec<DocCoverage> = docs
        .iter()
        .map(|d| {
            row(
                d.name.clone(),
                d.segments as u64,
                coded.get(&d.id).copied().unwrap_or(0),
                suggested.get(&d.id).copied().unwrap_or(0),
            )
        })
        .collect();
    let total = row(
        "(all documents)".into(),
        documents.iter().map(|d| d.segments).sum(),
        documents.iter().map(|d| d.coded).sum(),
        documents.iter().map(|d| d.suggested).sum(),
    );
    Coverage { documents, total }
}

fn agreement(
    project: &Project,
    books: &BTreeSet<String>,
    decisions: &[DecisionRow],
) -> Result<Vec<CodebookAgreement>> {
    let mut out = Vec::new();
    for book in books {
        let coders: Vec<String> = decisions
            .iter()
            .filter(|d| &d.codebook == book)
            .map(|d| d.coder.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut pairs = Vec::new();
        for (i, first) in coders.iter().enumerate() {
            for second in &coders[i + 1..] {
                let r = quality::agreement(project, book, first, Some(second), None)?;
                pairs.push(PairAgreement {
                    first: r.first,
                    second: r.second,
                    overall: r.overall,
                    codes: r.codes,
                    disagreements: r.disagreements.len(),
                });
            }
        }
        out.push(CodebookAgreement {
            codebook: book.clone(),
            coders,
            pairs,
        });
    }
    Ok(out)
}

pub(super) fn ranked_rules(
    quality: &BTreeMap<String, RulesReport>,
    names: &BTreeMap<String, BTreeMap<String, String>>,
) -> Rules {
    let mut ranked = Vec::new();
    let (mut undecided, mut silent) = (0, 0);
    for (book, q) in quality {
        for c in &q.codes {
            for r in &c.rules {
                if r.decided > 0 {
                    ranked.push(RankedRule {
                        codebook: book.clone(),
                        code: c.code.clone(),
                        name: name_of(names, book, &c.code).to_string(),
                        rule: r.rule.clone(),
                        fired: r.fired,
                        decided: r.decided,
                        accepted: r.accepted,
                        precision: r.precision,
                        interval: r.interval,
                    });
                } else if r.fired > 0 {
                    undecided += 1;
                } else {
                    silent += 1;
                }
            }
        }
    }
    let low = |r: &RankedRule| r.interval.map_or(0.0, |i| i.0);
    ranked.sort_by(|a, b| {
        b.precision
            .unwrap_or(0.0)
            .total_cmp(&a.precision.unwrap_or(0.0))
            .then(low(b).total_cmp(&low(a)))
            .then(b.decided.cmp(&a.decided))
            .then_with(|| (&a.codebook, &a.code, &a.rule).cmp(&(&b.codebook, &b.code, &b.rule)))
    });
    Rules {
        ranked,
        undecided,
        silent,
    }
}

/// Every sample of a larger run, with its estimates.
fn samples(project: &Project) -> Result<Vec<super::SampleEstimates>> {
    let store = project.store();
    let mut out = Vec::new();
    for s in store.samples()? {
        let strata = store.sample_strata(s.id)?;
        out.push(super::SampleEstimates {
            source: s.source,
            records: s.records,
            matches: s.matches,
            per_term: s.per_term,
            size: s.size,
            codes: crate::review::estimates::estimate(&strata),
        });
    }
    Ok(out)
}
