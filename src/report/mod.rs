//! `quarry report`: a study's state in one file, for a supervisor, a co-author or an appendix.
//!
//! [`build`] reads the project into a plain-data [`Report`]: the corpus, codes with their
//! precision, code × attribute and code × code matrices, coverage per document, agreement
//! between coders and the rules ranked by precision. The report is laid out once as a list of
//! blocks (headings, explanations, tables, charts), which [`write_html`] (one self-contained
//! page: inline CSS and hand-written SVG, no script, nothing fetched) and [`write_markdown`]
//! render; [`write_json`] writes the plain data. All user text (names, attribute values,
//! codes, rules) is escaped for the format it goes into. Read-only: nothing is written to the
//! project.

pub mod quotes;

use crate::error::{Error, ProjectError, Result};
use crate::project::Project;
use crate::review::quality::{self, CodeAgreement, RulesReport};
use crate::review::stats::Agreement;
use crate::store::DecisionRow;
use crate::Document;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::Path;

/// Attribute keys with more distinct values than this get no matrix (an id, a date, a name).
pub const MAX_VALUES: usize = 12;

/// A co-occurrence matrix shows at most this many codes, the most used.
pub const MAX_CODES: usize = 40;

/// Past this many codes the co-occurrence is shown as its top pairs only (a matrix that
/// wide cannot be read); the JSON keeps the whole matrix.
pub const MATRIX_CODES: usize = 12;

/// The pairs of codes listed as most often together.
pub const MAX_PAIRS: usize = 20;

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct ReportConfig {
    /// Only this codebook (its id). None: every codebook that has suggestions or decisions.
    pub codebook: Option<String>,
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML page with SVG charts.
    Html,
    /// The same tables in Markdown.
    Markdown,
    /// The plain data as JSON.
    Json,
}

impl ReportFormat {
    /// The format a file's extension asks for: `.md` or `.markdown` Markdown, `.json` JSON,
    /// anything else HTML.
    pub fn from_path(path: &Path) -> ReportFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "md" | "markdown" => ReportFormat::Markdown,
            "json" => ReportFormat::Json,
            _ => ReportFormat::Html,
        }
    }
}

/// A label with a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// What is counted.
    pub label: String,
    /// How many.
    pub count: u64,
}

/// What the project holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corpus {
    /// Documents.
    pub documents: usize,
    /// Segments (turns, paragraphs, cues, posts).
    pub segments: u64,
    /// Distinct speakers and post authors.
    pub speakers: usize,
    /// Of those, interviewers.
    pub interviewers: usize,
    /// Documents per format.
    pub formats: Vec<Count>,
    /// Posts.
    pub posts: u64,
    /// Posts per platform.
    pub platforms: Vec<Count>,
    /// Posts per month (UTC, `YYYY-MM`, oldest first; months without posts in between
    /// included while the span is at most ten years; `(no date)` last).
    pub months: Vec<Count>,
}

/// One code of a codebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeRow {
    /// Code id.
    pub code: String,
    /// The code's name in its codebook (empty when the codebook cannot be loaded).
    pub name: String,
    /// Suggestions of the code (waiting or covered), as `quarry rules` counts them.
    pub suggested: usize,
    /// Decisions on those suggestions (one per coder).
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// Of those, rejected.
    pub rejected: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// 95% Wilson interval of the precision.
    pub interval: Option<(f64, f64)>,
    /// Segments carrying the code after review: accepted suggestions, codes chosen instead
    /// of a suggestion and codes applied by hand, by anyone.
    pub coded_segments: usize,
}

/// The codes of one codebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodebookCodes {
    /// Codebook id.
    pub codebook: String,
    /// Whether `suggest` has run with it (else only decisions made by hand are known).
    pub suggested: bool,
    /// Codes with a suggestion, a decision or a coding.
    pub codes: Vec<CodeRow>,
    /// Codes of the last run with none of these, not listed.
    pub silent: usize,
}

/// Counts laid out as rows × columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grid {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub columns: Vec<String>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<u64>>,
}

/// Whose attribute a matrix is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttrOf {
    /// The document's (as imported with `attrs import`).
    Document,
    /// The speaker's or post author's.
    Speaker,
}

impl AttrOf {
    fn as_str(self) -> &'static str {
        match self {
            AttrOf::Document => "document",
            AttrOf::Speaker => "speaker",
        }
    }
}

/// Accepted codings per code and value of one attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeMatrix {
    /// Codebook id.
    pub codebook: String,
    /// Whose attribute.
    pub of: AttrOf,
    /// The attribute's key.
    pub key: String,
    /// Codes × values (a last `(not set)` column counts codings where it has no value).
    pub grid: Grid,
}

/// The code × attribute matrices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attributes {
    /// One per codebook and attribute key with at most [`MAX_VALUES`] values that some coded
    /// segment has.
    pub matrices: Vec<AttributeMatrix>,
    /// Keys left out for having too many values, as `document participant (14 values)`.
    pub left_out: Vec<String>,
}

/// Segments carrying both codes, per pair of codes of one codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cooccurrence {
    /// Codebook id.
    pub codebook: String,
    /// Codes × the same codes; the diagonal holds each code's own segments.
    pub grid: Grid,
    /// Codes with codings left out (beyond the [`MAX_CODES`] most used).
    pub left_out: usize,
    /// The pairs of different codes most often on one segment, most first (at most
    /// [`MAX_PAIRS`]).
    pub pairs: Vec<Pair>,
}

/// Two codes and the segments carrying both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    /// One code's id.
    pub first: String,
    /// The other's.
    pub second: String,
    /// Segments carrying the first.
    pub first_segments: u64,
    /// Segments carrying the second.
    pub second_segments: u64,
    /// Segments carrying both.
    pub both: u64,
}

/// One coder's decisions on the suggestions of one codebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoderRow {
    /// Codebook id.
    pub codebook: String,
    /// Coder.
    pub coder: String,
    /// Suggestions decided.
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
}

/// The headline figures, over every codebook reported on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Documents.
    pub documents: usize,
    /// Suggestions (waiting, covered or decided).
    pub suggestions: usize,
    /// Decisions on them (one per coder and suggestion).
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// Everyone with a standing decision.
    pub coders: Vec<String>,
}

/// Coverage of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocCoverage {
    /// Document name.
    pub document: String,
    /// Its segments.
    pub segments: u64,
    /// Segments with at least one accepted coding.
    pub coded: u64,
    /// Segments with at least one suggestion.
    pub suggested: u64,
    /// coded / segments (0 for a document without segments).
    pub coded_share: f64,
    /// suggested / segments.
    pub suggested_share: f64,
}

/// Coverage per document and overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Per document, in the order they were added.
    pub documents: Vec<DocCoverage>,
    /// All of them together.
    pub total: DocCoverage,
}

/// Agreement of two coders on one codebook.
#[derive(Debug, Clone, Serialize)]
pub struct PairAgreement {
    /// First coder.
    pub first: String,
    /// Second coder.
    pub second: String,
    /// Over every (segment, code) both judged.
    pub overall: Agreement,
    /// Per code.
    pub codes: Vec<CodeAgreement>,
    /// (segment, code) pairs they judged differently.
    pub disagreements: usize,
}

/// The coders of one codebook and how far each pair agrees.
#[derive(Debug, Clone, Serialize)]
pub struct CodebookAgreement {
    /// Codebook id.
    pub codebook: String,
    /// Everyone with a standing decision on it.
    pub coders: Vec<String>,
    /// Every pair of them.
    pub pairs: Vec<PairAgreement>,
}

/// One rule with its precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedRule {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// The code's name (empty when unknown).
    pub name: String,
    /// The rule as written.
    pub rule: String,
    /// Suggestions it took part in.
    pub fired: usize,
    /// Of those, decided.
    pub decided: usize,
    /// Of those, accepted.
    pub accepted: usize,
    /// accepted / decided.
    pub precision: Option<f64>,
    /// 95% Wilson interval.
    pub interval: Option<(f64, f64)>,
}

/// Rules by precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    /// Rules with decided suggestions: highest precision first, then the more certain.
    pub ranked: Vec<RankedRule>,
    /// Rules whose suggestions nobody decided yet.
    pub undecided: usize,
    /// Rules that made no suggestion.
    pub silent: usize,
}

/// The whole report, as plain data.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The project's name (its folder).
    pub title: String,
    /// The quarry version that made it.
    pub version: String,
    /// The date it was made (UTC, `YYYY-MM-DD`).
    pub date: String,
    /// The codebooks reported on.
    pub codebooks: Vec<String>,
    /// Code names per codebook and code id (codebooks that cannot be loaded are missing).
    pub names: BTreeMap<String, BTreeMap<String, String>>,
    /// The headline figures.
    pub summary: Summary,
    /// Decisions per coder and codebook.
    pub coders: Vec<CoderRow>,
    /// 1. What the project holds.
    pub corpus: Corpus,
    /// 2. Codes per codebook.
    pub codes: Vec<CodebookCodes>,
    /// 3. Codes by attribute.
    pub attributes: Attributes,
    /// 4. Codes by code.
    pub cooccurrence: Vec<Cooccurrence>,
    /// 5. Coverage per document.
    pub coverage: Coverage,
    /// 6. Agreement between coders.
    pub agreement: Vec<CodebookAgreement>,
    /// 7. Rules by precision.
    pub rules: Rules,
}

// ------------------------------------------------------------------------------ building

/// Segments carrying each (codebook, code) after review.
type Codings = BTreeMap<(String, String), BTreeSet<i64>>;

/// Segment id → (document id, speaker).
type Owners = HashMap<i64, (i64, Option<String>)>;

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
fn months(counted: Vec<(Option<String>, u64)>) -> Vec<Count> {
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
fn accepted_codings(decisions: &[DecisionRow], books: &BTreeSet<String>) -> Codings {
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

fn code_tables(
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
fn name_of<'a>(
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
fn attribute_matrices(
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
fn cooccurrence(books: &BTreeSet<String>, codings: &Codings) -> Vec<Cooccurrence> {
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

fn coverage(
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

fn ranked_rules(
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

// ------------------------------------------------------------------------------ layout

/// What a report is made of, in order; both text renderers walk the same list, so HTML and
/// Markdown always hold the same tables. All strings are plain text, escaped on the way out.
#[derive(Debug)]
enum Block {
    /// A numbered section: anchor id and title.
    Section(&'static str, String),
    /// A sub-heading.
    Heading(String),
    /// What the numbers mean.
    Explain(String),
    /// A note, such as "nothing yet".
    Note(String),
    /// The headline figures: (label, value, what it counts).
    Summary(Vec<(String, String, String)>),
    /// A table; numeric columns are right-aligned.
    Table {
        head: Vec<(String, bool)>,
        rows: Vec<Vec<Cell>>,
    },
    /// Horizontal bars (HTML only: the table beside it holds the numbers).
    Bars(Bars),
    /// A heat map (HTML: SVG; Markdown: a table of the counts). `rows` and `columns` label
    /// the grid's; `numbered` heads the columns with the rows' numbers (a code × code grid).
    Heat {
        title: String,
        corner: String,
        grid: Grid,
        rows: Vec<Cell>,
        columns: Vec<Cell>,
        diagonal: bool,
        numbered: bool,
    },
}

/// A table cell or chart label: its text, and an id (of a code) shown in small print beside
/// a name, and on hover.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cell {
    text: String,
    id: Option<String>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, id: None }
    }
}

impl Cell {
    /// The text with the id after it, for a hover note or plain text.
    fn full(&self) -> String {
        match &self.id {
            Some(id) => format!("{} ({id})", self.text),
            None => self.text.clone(),
        }
    }
}

/// Plain cells.
fn cells(v: Vec<String>) -> Vec<Cell> {
    v.into_iter().map(Cell::from).collect()
}

/// A code as its name with its id in small print, or its id alone when the name is unknown.
fn code_cell(r: &Report, book: &str, code: &str) -> Cell {
    match name_of(&r.names, book, code) {
        "" => Cell::from(code.to_string()),
        name => Cell {
            text: name.to_string(),
            id: Some(code.to_string()),
        },
    }
}

/// A code cell, then plain ones.
fn code_row(r: &Report, book: &str, code: &str, rest: Vec<String>) -> Vec<Cell> {
    std::iter::once(code_cell(r, book, code))
        .chain(cells(rest))
        .collect()
}

/// A bar chart. Per row, the first series is a wide bar from the axis; the others are thin
/// bars laid end to end over it (accepted then rejected over suggested), so a row shows a
/// whole and how it splits. `text` follows the bars.
#[derive(Debug)]
struct Bars {
    title: String,
    series: Vec<(String, &'static str)>,
    rows: Vec<(Cell, Vec<f64>, String)>,
    max: f64,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), pct)
}

fn interval(x: Option<(f64, f64)>) -> String {
    x.map_or_else(
        || "—".into(),
        |(a, b)| format!("{:.1}–{:.1}%", a * 100.0, b * 100.0),
    )
}

fn coef(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn head(cols: &[(&str, bool)]) -> Vec<(String, bool)> {
    cols.iter().map(|(c, n)| (c.to_string(), *n)).collect()
}

const LIGHT: &str = "#9ecae1";
const DARK: &str = "#08519c";
const REJECTED: &str = "#d95f0e";

fn layout(r: &Report) -> Vec<Block> {
    let mut b = Vec::new();
    summary_block(r, &mut b);
    corpus_blocks(r, &mut b);
    codes_blocks(r, &mut b);
    attribute_blocks(r, &mut b);
    cooccurrence_blocks(r, &mut b);
    coverage_blocks(r, &mut b);
    agreement_blocks(r, &mut b);
    rules_blocks(r, &mut b);
    b
}

fn summary_block(r: &Report, b: &mut Vec<Block>) {
    let s = &r.summary;
    let coders = match s.coders.as_slice() {
        [] => "nobody has decided yet".to_string(),
        names => names.join(", "),
    };
    b.push(Block::Summary(vec![
        (
            "Documents".into(),
            s.documents.to_string(),
            format!("{} segments", r.corpus.segments),
        ),
        (
            "Suggestions".into(),
            s.suggestions.to_string(),
            "made by the codebooks' rules".into(),
        ),
        (
            "Decided".into(),
            s.decided.to_string(),
            "decisions on them, one per coder".into(),
        ),
        (
            "Accepted".into(),
            s.accepted.to_string(),
            format!("{} rejected", s.decided - s.accepted),
        ),
        (
            "Precision".into(),
            opt_pct(s.precision),
            "accepted ÷ decided".into(),
        ),
        ("Coders".into(), s.coders.len().to_string(), coders),
    ]));
}

fn corpus_blocks(r: &Report, b: &mut Vec<Block>) {
    let c = &r.corpus;
    b.push(Block::Section("corpus", "Corpus overview".into()));
    b.push(Block::Explain(
        "What the project holds. A segment is the unit quarry searches and codes: a speaker's \
         turn, a paragraph, a caption cue or a post. Speakers are the distinct speaker labels \
         and post authors; interviewers are those whose role is interviewer."
            .into(),
    ));
    if c.documents == 0 {
        b.push(Block::Note(
            "Nothing yet: no documents have been added (`quarry add FILES`).".into(),
        ));
        return;
    }
    b.push(Block::Table {
        head: head(&[("", false), ("count", true)]),
        rows: vec![
            cells(vec!["Documents".into(), c.documents.to_string()]),
            cells(vec!["Segments".into(), c.segments.to_string()]),
            cells(vec!["Speakers".into(), c.speakers.to_string()]),
            cells(vec!["Interviewers".into(), c.interviewers.to_string()]),
            cells(vec!["Posts".into(), c.posts.to_string()]),
        ],
    });
    b.push(Block::Heading("Documents by format".into()));
    b.push(Block::Table {
        head: head(&[("format", false), ("documents", true)]),
        rows: c
            .formats
            .iter()
            .map(|f| cells(vec![f.label.clone(), f.count.to_string()]))
            .collect(),
    });
    for (title, what, counts) in [
        ("Posts by platform", "platform", &c.platforms),
        ("Posts by month (UTC)", "month", &c.months),
    ] {
        b.push(Block::Heading(title.into()));
        if counts.is_empty() {
            b.push(Block::Note(
                "Nothing yet: the project holds no posts.".into(),
            ));
            continue;
        }
        b.push(Block::Table {
            head: head(&[(what, false), ("posts", true)]),
            rows: counts
                .iter()
                .map(|x| cells(vec![x.label.clone(), x.count.to_string()]))
                .collect(),
        });
        b.push(Block::Bars(Bars {
            title: title.into(),
            series: vec![("posts".into(), DARK)],
            rows: counts
                .iter()
                .map(|x| {
                    (
                        Cell::from(x.label.clone()),
                        vec![x.count as f64],
                        x.count.to_string(),
                    )
                })
                .collect(),
            max: counts.iter().map(|x| x.count).max().unwrap_or(0) as f64,
        }));
    }
}

fn no_codebooks(b: &mut Vec<Block>) {
    b.push(Block::Note(
        "Nothing yet: no codebook has suggestions or decisions (`quarry suggest --codebook NAME`, \
         then `quarry review`)."
            .into(),
    ));
}

fn codes_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section(
        "codes",
        "Codes: suggested, accepted, rejected".into(),
    ));
    b.push(Block::Explain(
        "Suggested counts the segments a codebook's rules proposed the code for. Decided, \
         accepted and rejected count coders' decisions on those suggestions: each coder decides \
         a suggestion once, so with two coders decided can be up to twice suggested (the table \
         of decisions per coder below splits them). Precision is accepted ÷ decided: the share of reviewed \
         suggestions that were right. The 95% interval (Wilson) shows how sure that figure is; \
         it is wide while few suggestions are decided. Coded segments counts the segments that \
         carry the code after review, including codes applied by hand or chosen instead of a \
         suggestion. In the chart, the light bar is a code's suggestions and the thin bars over \
         it its accepts (blue) and rejects (orange)."
            .into(),
    ));
    if r.codes.is_empty() {
        no_codebooks(b);
    }
    for cb in &r.codes {
        b.push(Block::Heading(format!("Codebook {}", cb.codebook)));
        if !cb.suggested {
            b.push(Block::Note(format!(
                "{} has not been run by `quarry suggest`: only codings made by hand are counted.",
                cb.codebook
            )));
        }
        if cb.codes.is_empty() {
            b.push(Block::Note(
                "Nothing yet: no code has a suggestion or a coding.".into(),
            ));
            continue;
        }
        b.push(Block::Table {
            head: head(&[
                ("code", false),
                ("suggested", true),
                ("decided", true),
                ("accepted", true),
                ("rejected", true),
                ("precision", true),
                ("95% interval", true),
                ("coded segments", true),
            ]),
            rows: cb
                .codes
                .iter()
                .map(|c| {
                    code_row(
                        r,
                        &cb.codebook,
                        &c.code,
                        vec![
                            c.suggested.to_string(),
                            c.decided.to_string(),
                            c.accepted.to_string(),
                            c.rejected.to_string(),
                            opt_pct(c.precision),
                            interval(c.interval),
                            c.coded_segments.to_string(),
                        ],
                    )
                })
                .collect(),
        });
        if cb.silent > 0 {
            b.push(Block::Note(format!(
                "Not listed: {} of {} with no suggestion and no coding.",
                plural(cb.silent, "more code"),
                cb.codebook
            )));
        }
        b.push(Block::Bars(Bars {
            title: format!(
                "{}: suggestions per code and how they were decided",
                cb.codebook
            ),
            series: vec![
                ("suggested".into(), LIGHT),
                ("accepted".into(), DARK),
                ("rejected".into(), REJECTED),
            ],
            rows: cb
                .codes
                .iter()
                .map(|c| {
                    (
                        code_cell(r, &cb.codebook, &c.code),
                        vec![c.suggested as f64, c.accepted as f64, c.rejected as f64],
                        format!("{} / {} / {}", c.suggested, c.accepted, c.rejected),
                    )
                })
                .collect(),
            max: cb
                .codes
                .iter()
                .map(|c| c.suggested.max(c.decided))
                .max()
                .unwrap_or(0) as f64,
        }));
        let coders: Vec<&CoderRow> = r
            .coders
            .iter()
            .filter(|c| c.codebook == cb.codebook)
            .collect();
        if !coders.is_empty() {
            b.push(Block::Heading(format!(
                "Codebook {}: decisions per coder",
                cb.codebook
            )));
            b.push(Block::Table {
                head: head(&[
                    ("coder", false),
                    ("decided", true),
                    ("accepted", true),
                    ("rejected", true),
                    ("precision", true),
                ]),
                rows: coders
                    .iter()
                    .map(|c| {
                        cells(vec![
                            c.coder.clone(),
                            c.decided.to_string(),
                            c.accepted.to_string(),
                            (c.decided - c.accepted).to_string(),
                            opt_pct(c.precision),
                        ])
                    })
                    .collect(),
            });
        }
    }
}

fn attribute_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("attributes", "Codes by attribute".into()));
    b.push(Block::Explain(format!(
        "For each document or speaker attribute with at most {MAX_VALUES} different values \
         (role, country, ...), how many coded segments of each code fall under each value. A \
         darker cell holds more; the number is in the cell. (not set) counts coded segments \
         whose document or speaker has no value for the attribute. Read the counts against how \
         many documents or speakers have each value: a value shared by more people draws more \
         codings."
    )));
    let a = &r.attributes;
    if a.matrices.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no coded segment has an attribute with few enough values \
             (`quarry attrs import FILE.csv` adds attributes)."
                .into(),
        ));
    }
    for m in &a.matrices {
        let title = format!("{}: codes by {} {}", m.codebook, m.of.as_str(), m.key);
        b.push(Block::Heading(title.clone()));
        b.push(Block::Heat {
            title,
            corner: format!("code \\ {}", m.key),
            rows: m
                .grid
                .rows
                .iter()
                .map(|c| code_cell(r, &m.codebook, c))
                .collect(),
            columns: cells(m.grid.columns.clone()),
            grid: m.grid.clone(),
            diagonal: false,
            numbered: false,
        });
    }
    if !a.left_out.is_empty() {
        b.push(Block::Note(format!(
            "Left out for having more than {MAX_VALUES} values: {}.",
            a.left_out.join(", ")
        )));
    }
}

fn cooccurrence_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("cooccurrence", "Codes together".into()));
    b.push(Block::Explain(format!(
        "How many segments carry both codes, from the codings after review: first the pairs \
             most often together, then (up to {MATRIX_CODES} codes) every pair as a matrix whose \
             diagonal (grey) holds each code's own number of segments. Codes that often come \
             together may overlap in meaning, or point to a theme that joins them."
    )));
    if r.cooccurrence.is_empty() {
        no_codebooks(b);
    }
    for c in &r.cooccurrence {
        let title = format!("{}: segments carrying both codes", c.codebook);
        b.push(Block::Heading(title.clone()));
        if c.grid.rows.is_empty() {
            b.push(Block::Note(
                "Nothing yet: no segment carries a code of this codebook.".into(),
            ));
            continue;
        }
        if c.pairs.is_empty() {
            b.push(Block::Note(
                "No segment carries two codes of this codebook yet.".into(),
            ));
        } else {
            b.push(Block::Table {
                head: head(&[
                    ("code", false),
                    ("segments", true),
                    ("together with", false),
                    ("segments", true),
                    ("both", true),
                ]),
                rows: c
                    .pairs
                    .iter()
                    .map(|p| {
                        vec![
                            code_cell(r, &c.codebook, &p.first),
                            p.first_segments.to_string().into(),
                            code_cell(r, &c.codebook, &p.second),
                            p.second_segments.to_string().into(),
                            p.both.to_string().into(),
                        ]
                    })
                    .collect(),
            });
        }
        let rows: Vec<Cell> = c
            .grid
            .rows
            .iter()
            .map(|x| code_cell(r, &c.codebook, x))
            .collect();
        let matrix = rows.len() <= MATRIX_CODES;
        if matrix {
            b.push(Block::Heat {
                title,
                corner: "code".into(),
                columns: rows.clone(),
                rows,
                grid: c.grid.clone(),
                diagonal: true,
                numbered: true,
            });
        } else {
            let all = rows.len() + c.left_out;
            b.push(Block::Note(if c.pairs.len() < MAX_PAIRS {
                format!(
                    "{all} codes are too many for a readable matrix: the list above holds every \
                     pair found together (the JSON report has the matrix of the {} most used).",
                    rows.len()
                )
            } else {
                format!(
                    "{all} codes are too many for a readable matrix: the list above holds the \
                     {MAX_PAIRS} pairs most often together, of all {all} codes (the JSON report \
                     has the matrix of the {} most used).",
                    rows.len()
                )
            }));
        }
        if c.left_out > 0 && matrix {
            b.push(Block::Note(format!(
                "The {MAX_CODES} most used codes are shown; {} more are left out.",
                c.left_out
            )));
        }
    }
}

fn coverage_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("coverage", "Coverage per document".into()));
    b.push(Block::Explain(
        "Coded is the share of a document's segments that carry at least one code after \
         review; suggested is the share with at least one suggestion. Interviewers' turns count \
         among the segments, so an interview rarely reaches 100%. A document far below the \
         others may be off-topic, or a place where the rules miss something."
            .into(),
    ));
    let c = &r.coverage;
    if c.documents.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no documents have been added.".into(),
        ));
        return;
    }
    let row = |d: &DocCoverage| {
        cells(vec![
            d.document.clone(),
            d.segments.to_string(),
            d.coded.to_string(),
            pct(d.coded_share),
            d.suggested.to_string(),
            pct(d.suggested_share),
        ])
    };
    let mut rows: Vec<Vec<Cell>> = c.documents.iter().map(row).collect();
    rows.push(row(&c.total));
    b.push(Block::Table {
        head: head(&[
            ("document", false),
            ("segments", true),
            ("coded", true),
            ("coded share", true),
            ("suggested", true),
            ("suggested share", true),
        ]),
        rows,
    });
    if c.total.coded == 0 && c.total.suggested == 0 {
        b.push(Block::Note(
            "Nothing yet: no segment has a suggestion or a coding.".into(),
        ));
        return;
    }
    b.push(Block::Bars(Bars {
        title: "Share of segments suggested and coded, per document".into(),
        series: vec![("suggested".into(), LIGHT), ("coded".into(), DARK)],
        rows: c
            .documents
            .iter()
            .map(|d| {
                (
                    Cell::from(d.document.clone()),
                    vec![d.suggested_share, d.coded_share],
                    format!("{} / {}", pct(d.suggested_share), pct(d.coded_share)),
                )
            })
            .collect(),
        max: 1.0,
    }));
}

fn agreement_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section(
        "agreement",
        "Agreement between coders".into(),
    ));
    b.push(Block::Explain(
        "For each pair of coders, over the (segment, code) pairs both judged: an accept says the \
         code applies, a reject that it does not, a change that the code changed to applies. \
         Agreement is the plain share of those judged alike. Cohen's kappa and Krippendorff's \
         alpha correct it for agreement by chance: 1 is perfect, 0 no better than chance; above \
         0.8 is usually read as reliable, 0.67 to 0.8 as tentative. They are undefined (—) when \
         there is nothing to tell apart, such as both coders accepting everything."
            .into(),
    ));
    if r.agreement.is_empty() {
        no_codebooks(b);
    }
    for a in &r.agreement {
        b.push(Block::Heading(format!("Codebook {}", a.codebook)));
        match a.coders.as_slice() {
            [] => {
                b.push(Block::Note(format!(
                    "Nothing yet: nobody has decided on {} yet, so there is no agreement to \
                     measure; it needs two coders judging the same segments.",
                    a.codebook
                )));
                continue;
            }
            [one] => {
                b.push(Block::Note(format!(
                    "Only one coder ({one}) has decided on {}: agreement needs at least two \
                     coders judging the same segments (`quarry review --coder NAME`).",
                    a.codebook
                )));
                continue;
            }
            _ => {}
        }
        for p in &a.pairs {
            let row = |code: Cell, x: &Agreement| {
                let mut v = vec![code];
                v.extend(cells(vec![
                    x.units.to_string(),
                    x.percent()
                        .map_or_else(|| "–".to_string(), |v| format!("{v:.1}%")),
                    coef(x.kappa),
                    coef(x.alpha),
                ]));
                v
            };
            b.push(Block::Explain(format!(
                "{} and {}: {} (segment, code) pairs judged by both, {} judged differently.",
                p.first, p.second, p.overall.units, p.disagreements
            )));
            if p.overall.units == 0 {
                b.push(Block::Note(
                    "Nothing yet: they have not judged the same segment and code.".into(),
                ));
                continue;
            }
            let mut rows: Vec<Vec<Cell>> = p
                .codes
                .iter()
                .map(|c| row(code_cell(r, &a.codebook, &c.code), &c.agreement))
                .collect();
            rows.push(row(Cell::from("(all codes)".to_string()), &p.overall));
            b.push(Block::Table {
                head: head(&[
                    ("code", false),
                    ("units", true),
                    ("agreement", true),
                    ("kappa", true),
                    ("alpha", true),
                ]),
                rows,
            });
        }
    }
}

fn rules_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("rules", "Rules ranked by precision".into()));
    b.push(Block::Explain(
        "Each rule of a codebook with the suggestions it took part in, how many decisions were \
         made on those (one per coder, so two coders can make decided exceed fired) and \
         accepted, and its precision (accepted ÷ decided) with the 95% Wilson \
         interval. Rules with the same precision are ranked by the lower end of the interval: \
         more decisions make a rule's figure surer. Rules at the bottom are the first to \
         sharpen or drop."
            .into(),
    ));
    let x = &r.rules;
    if x.ranked.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no suggestion of any rule has been decided (`quarry review`).".into(),
        ));
    } else {
        b.push(Block::Table {
            head: head(&[
                ("#", true),
                ("codebook", false),
                ("code", false),
                ("rule", false),
                ("fired", true),
                ("decided", true),
                ("accepted", true),
                ("precision", true),
                ("95% interval", true),
            ]),
            rows: x
                .ranked
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut row = cells(vec![(i + 1).to_string(), q.codebook.clone()]);
                    row.push(code_cell(r, &q.codebook, &q.code));
                    row.extend(cells(vec![
                        q.rule.clone(),
                        q.fired.to_string(),
                        q.decided.to_string(),
                        q.accepted.to_string(),
                        opt_pct(q.precision),
                        interval(q.interval),
                    ]));
                    row
                })
                .collect(),
        });
    }
    if x.undecided + x.silent > 0 {
        b.push(Block::Note(format!(
            "Not ranked: {} whose suggestions nobody has decided yet, and {} that made no \
             suggestion.",
            plural(x.undecided, "rule"),
            plural(x.silent, "rule")
        )));
    }
}

// ------------------------------------------------------------------------------ writers

/// Writes `report` as one self-contained HTML page: inline CSS, SVG charts, no script and
/// nothing loaded from anywhere (the page's content security policy forbids it too).
pub fn write_html(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(html::page(report, &layout(report)).as_bytes())
}

/// Writes `report` as Markdown: the same sections, explanations and tables (heat maps as
/// tables of counts; bar charts are left to the tables beside them).
pub fn write_markdown(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(markdown(report, &layout(report)).as_bytes())
}

/// Writes `report`'s plain data as pretty-printed JSON.
pub fn write_json(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// Writes `report` to `path` in `format`; an error names the file.
pub fn write_file(report: &Report, format: ReportFormat, path: &Path) -> Result<()> {
    let mut buf = Vec::new();
    match format {
        ReportFormat::Html => write_html(report, &mut buf),
        ReportFormat::Markdown => write_markdown(report, &mut buf),
        ReportFormat::Json => write_json(report, &mut buf),
    }
    .map_err(|e| Error::Other(format!("laying out the report: {e}")))?;
    std::fs::write(path, buf).map_err(|source| {
        ProjectError::Io {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn markdown(r: &Report, blocks: &[Block]) -> String {
    use crate::report::quotes::md_text as md;
    let mut s = format!(
        "# Report: {}\n\nMade by quarry {} on {}. Codebooks: {}.\n",
        md(&r.title),
        md(&r.version),
        md(&r.date),
        if r.codebooks.is_empty() {
            "none yet".to_string()
        } else {
            md(&r.codebooks.join(", "))
        }
    );
    let table = |s: &mut String, head: &[(String, bool)], rows: &[Vec<Cell>]| {
        s.push('\n');
        let cells = |v: Vec<String>| format!("| {} |\n", v.join(" | "));
        s.push_str(&cells(head.iter().map(|(h, _)| md(h)).collect()));
        s.push_str(&cells(
            head.iter()
                .map(|(_, n)| if *n { "---:" } else { "---" }.to_string())
                .collect(),
        ));
        for r in rows {
            s.push_str(&cells(r.iter().map(|c| md(&c.full())).collect()));
        }
    };
    let mut n = 0;
    for b in blocks {
        match b {
            Block::Section(_, title) => {
                n += 1;
                s.push_str(&format!("\n## {n}. {}\n", md(title)));
            }
            Block::Heading(t) => s.push_str(&format!("\n### {}\n", md(t))),
            Block::Explain(t) => s.push_str(&format!("\n{}\n", md(t))),
            Block::Note(t) => s.push_str(&format!("\n*{}*\n", md(t))),
            Block::Summary(figures) => {
                s.push('\n');
                for (label, value, what) in figures {
                    s.push_str(&format!(
                        "- **{}: {}** ({})\n",
                        md(label),
                        md(value),
                        md(what)
                    ));
                }
            }
            Block::Table { head, rows } => table(&mut s, head, rows),
            Block::Bars(_) => {}
            Block::Heat {
                corner,
                grid,
                rows,
                columns,
                numbered,
                ..
            } => {
                let mut h = vec![(corner.clone(), false)];
                h.extend(columns.iter().enumerate().map(|(j, c)| {
                    (
                        if *numbered {
                            (j + 1).to_string()
                        } else {
                            c.text.clone()
                        },
                        true,
                    )
                }));
                let rows: Vec<Vec<Cell>> = rows
                    .iter()
                    .zip(&grid.counts)
                    .enumerate()
                    .map(|(i, (label, counts))| {
                        let mut label = label.clone();
                        if *numbered {
                            label.text = format!("{}. {}", i + 1, label.text);
                        }
                        std::iter::once(label)
                            .chain(counts.iter().map(|n| Cell::from(n.to_string())))
                            .collect()
                    })
                    .collect();
                table(&mut s, &h, &rows);
            }
        }
    }
    s
}

mod html;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::model::Format;

    fn decision(coder: &str, segment: i64, code: &str, accept: bool) -> DecisionRow {
        DecisionRow {
            id: 0,
            coder: coder.into(),
            segment,
            codebook: "cb".into(),
            code: code.into(),
            accept,
            replacement: None,
            memo: None,
            at: 0,
            answered: None,
            batch: None,
        }
    }

    fn doc(id: i64, name: &str, segments: usize, attrs: &[(&str, &str)]) -> Document {
        Document {
            id,
            name: name.into(),
            path: format!("{name}.txt"),
            format: Format::Text,
            segments,
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Two documents of three segments each: segments 1-3 in `a` (country Kenya, role
    /// educator), 4-6 in `<script>alert(1)</script>` (country `"&<>`, no role); speakers
    /// `ann` on odd segments, `bo` on even ones.
    fn dataset() -> (Vec<Document>, Owners) {
        let docs = vec![
            doc(1, "a", 3, &[("country", "Kenya"), ("role", "educator")]),
            doc(2, "<script>alert(1)</script>", 3, &[("country", "\"&<>")]),
        ];
        let owners: Owners = (1..=6)
            .map(|s| {
                let speaker = if s % 2 == 1 { "ann" } else { "bo" };
                (s, (if s <= 3 { 1 } else { 2 }, Some(speaker.to_string())))
            })
            .collect();
        (docs, owners)
    }

    fn books() -> BTreeSet<String> {
        BTreeSet::from(["cb".to_string()])
    }

    /// Codings: x on 1, 2, 4; y on 2, 4, 5 (5 through a change from z); z rejected on 5;
    /// bo's later reject of x on 1 does not undo ann's accept; ann's own later reject of y on
    /// 6 replaces her accept.
    fn codings() -> Codings {
        let mut change = decision("ann", 5, "z", false);
        change.replacement = Some("y".into());
        let ds = vec![
            decision("ann", 1, "x", true),
            decision("bo", 1, "x", false),
            decision("ann", 2, "x", true),
            decision("ann", 2, "y", true),
            decision("bo", 4, "x", true),
            decision("bo", 4, "y", true),
            change,
            decision("ann", 6, "y", true),
            decision("ann", 6, "y", false),
            DecisionRow {
                codebook: "other".into(),
                ..decision("ann", 3, "x", true)
            },
        ];
        accepted_codings(&ds, &books())
    }

    #[test]
    fn accepted_codings_follow_the_latest_standing_decision_of_each_coder() {
        let c = codings();
        let segs = |code: &str| -> Vec<i64> {
            c.get(&("cb".to_string(), code.to_string()))
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default()
        };
        assert_eq!(segs("x"), vec![1, 2, 4]);
        assert_eq!(segs("y"), vec![2, 4, 5]);
        assert!(segs("z").is_empty());
        assert_eq!(c.len(), 2, "the other codebook is not asked for");
    }

    #[test]
    fn matrices_count_coded_segments_per_value_and_pair() {
        let (docs, owners) = dataset();
        let doc_attrs = docs.iter().map(|d| (d.id, d.attributes.clone())).collect();
        let mut speaker_attrs = HashMap::new();
        speaker_attrs.insert("ann".to_string(), vec![("team".into(), "north".into())]);
        // Fourteen distinct values: too many for a matrix.
        for i in 0..14 {
            speaker_attrs.insert(format!("s{i}"), vec![("id".into(), format!("v{i}"))]);
        }
        let a = attribute_matrices(&codings(), &owners, &doc_attrs, &speaker_attrs);
        let find = |of: AttrOf, key: &str| {
            a.matrices
                .iter()
                .find(|m| m.of == of && m.key == key)
                .unwrap_or_else(|| panic!("{key}: {a:?}"))
        };
        let country = find(AttrOf::Document, "country");
        // Sorted values: `"&<>` before Kenya.
        assert_eq!(country.grid.columns, vec!["\"&<>", "Kenya"]);
        assert_eq!(country.grid.rows, vec!["x", "y"]);
        assert_eq!(country.grid.counts, vec![vec![1, 2], vec![2, 1]]);
        let role = find(AttrOf::Document, "role");
        assert_eq!(role.grid.columns, vec!["educator", "(not set)"]);
        assert_eq!(role.grid.counts, vec![vec![2, 1], vec![1, 2]]);
        // ann speaks segments 1 and 5 among the coded ones.
        let team = find(AttrOf::Speaker, "team");
        assert_eq!(team.grid.counts, vec![vec![1, 2], vec![1, 2]]);
        assert_eq!(a.left_out, vec!["speaker id (14 values)"]);

        let co = cooccurrence(&books(), &codings());
        assert_eq!(co.len(), 1);
        assert_eq!(co[0].grid.rows, vec!["x", "y"]);
        // x and y share segments 2 and 4.
        assert_eq!(co[0].grid.counts, vec![vec![3, 2], vec![2, 3]]);
        assert_eq!(co[0].left_out, 0);

        let mut suggested = HashMap::new();
        suggested.insert(1, 3);
        let cov = coverage(&docs, &codings(), &owners, &suggested);
        assert_eq!(cov.documents[0].coded, 2);
        assert_eq!(cov.documents[1].coded, 2);
        assert_eq!(cov.total.coded, 4);
        assert_eq!(cov.total.suggested, 3);
        assert!((cov.total.coded_share - 4.0 / 6.0).abs() < 1e-9);
    }

    #[test]
    fn months_fill_the_gaps_and_keep_undated_posts_last() {
        let m = months(vec![
            (Some("2021-11".into()), 2),
            (Some("2022-02".into()), 1),
            (None, 4),
        ]);
        let labels: Vec<&str> = m.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            ["2021-11", "2021-12", "2022-01", "2022-02", "(no date)"]
        );
        assert_eq!(m.iter().map(|c| c.count).sum::<u64>(), 7);
    }

    /// A report over the hand-made dataset, with a hostile document name and attribute value.
    fn report() -> Report {
        let (docs, owners) = dataset();
        let doc_attrs = docs.iter().map(|d| (d.id, d.attributes.clone())).collect();
        let c = codings();
        Report {
            title: "study <b>".into(),
            version: "0".into(),
            date: "2024-01-01".into(),
            codebooks: vec!["cb".into()],
            corpus: Corpus {
                documents: 2,
                segments: 6,
                speakers: 2,
                interviewers: 0,
                formats: vec![Count {
                    label: "text".into(),
                    count: 2,
                }],
                posts: 0,
                platforms: vec![],
                months: vec![],
            },
            codes: code_tables(&books(), &BTreeMap::new(), &c, &BTreeMap::new()),
            names: BTreeMap::new(),
            summary: Summary {
                documents: 2,
                suggestions: 4,
                decided: 2,
                accepted: 1,
                precision: Some(0.5),
                coders: vec!["ann".into()],
            },
            coders: vec![CoderRow {
                codebook: "cb".into(),
                coder: "ann".into(),
                decided: 2,
                accepted: 1,
                precision: Some(0.5),
            }],
            attributes: attribute_matrices(&c, &owners, &doc_attrs, &HashMap::new()),
            cooccurrence: cooccurrence(&books(), &c),
            coverage: coverage(&docs, &c, &owners, &HashMap::new()),
            agreement: vec![CodebookAgreement {
                codebook: "cb".into(),
                coders: vec!["ann".into()],
                pairs: vec![],
            }],
            rules: Rules {
                ranked: vec![RankedRule {
                    codebook: "cb".into(),
                    code: "x".into(),
                    name: String::new(),
                    rule: "a | b_c *d* `e`".into(),
                    fired: 4,
                    decided: 2,
                    accepted: 1,
                    precision: Some(0.5),
                    interval: crate::review::stats::wilson(1, 2),
                }],
                undecided: 0,
                silent: 1,
            },
        }
    }

    fn render(f: fn(&Report, &mut dyn Write) -> io::Result<()>, r: &Report) -> String {
        let mut out = Vec::new();
        f(r, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn user_text_is_escaped_in_html_and_markdown() {
        let r = report();
        let html = render(write_html, &r);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&amp;&lt;&gt;"), "the attribute value");
        assert!(!html.contains("\"&<>"));
        let md = render(write_markdown, &r);
        // Every `<` is escaped, so `\<script\>` shows as text and never opens a tag.
        assert!(
            md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
            "{md}"
        );
        assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
        assert!(md.contains("\"&\\<\\>"), "{md}");
        // Table cells cannot end early or start markup.
        assert!(md.contains("a \\| b\\_c \\*d\\* \\`e\\`"), "{md}");
        let json = render(write_json, &r);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back["coverage"]["documents"][1]["document"],
            "<script>alert(1)</script>"
        );
    }

    /// Every `<svg>…</svg>` of the page, parsed as XML: tags balance, attributes are quoted,
    /// entities are known.
    #[test]
    fn svg_charts_are_well_formed_xml() {
        let mut r = report();
        r.corpus.platforms = vec![Count {
            label: "x".into(),
            count: 3,
        }];
        r.corpus.months = months(vec![
            (Some("2022-01".into()), 2),
            (Some("2022-03".into()), 1),
        ]);
        r.corpus.posts = 3;
        let html = render(write_html, &r);
        let mut n = 0;
        let mut rest = html.as_str();
        while let Some(start) = rest.find("<svg") {
            let end = rest[start..].find("</svg>").expect("closed") + start + 6;
            let svg = &rest[start..end];
            let mut reader = quick_xml::Reader::from_str(svg);
            let mut depth = 0i64;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                    Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                    Ok(quick_xml::events::Event::Text(t)) => {
                        t.decode().expect("text decodes");
                    }
                    Ok(quick_xml::events::Event::GeneralRef(r)) => {
                        let name = r.decode().expect("a reference decodes");
                        assert!(
                            r.resolve_char_ref().ok().flatten().is_some()
                                || ["amp", "lt", "gt", "quot", "apos"].contains(&&*name),
                            "&{name}; is not an XML entity"
                        );
                    }
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{e}: {svg}"),
                }
            }
            assert_eq!(depth, 0, "{svg}");
            n += 1;
            rest = &rest[end..];
        }
        // Posts by platform and by month, codes, two attribute maps, co-occurrence, coverage.
        assert_eq!(n, 7, "{html}");
        assert!(html.contains("<rect"));
    }

    #[test]
    fn empty_sections_say_nothing_yet() {
        let r = Report {
            title: "empty".into(),
            version: "0".into(),
            date: "2024-01-01".into(),
            codebooks: vec![],
            corpus: Corpus {
                documents: 0,
                segments: 0,
                speakers: 0,
                interviewers: 0,
                formats: vec![],
                posts: 0,
                platforms: vec![],
                months: vec![],
            },
            codes: vec![],
            attributes: Attributes {
                matrices: vec![],
                left_out: vec![],
            },
            cooccurrence: vec![],
            coverage: Coverage {
                documents: vec![],
                total: coverage(&[], &Codings::new(), &Owners::new(), &HashMap::new()).total,
            },
            agreement: vec![],
            rules: ranked_rules(&BTreeMap::new(), &BTreeMap::new()),
            names: BTreeMap::new(),
            summary: Summary {
                documents: 0,
                suggestions: 0,
                decided: 0,
                accepted: 0,
                precision: None,
                coders: vec![],
            },
            coders: vec![],
        };
        for text in [render(write_html, &r), render(write_markdown, &r)] {
            assert_eq!(text.matches("Nothing yet").count(), 7, "{text}");
        }
        let html = render(write_html, &r);
        assert_eq!(html.matches("<section").count(), 7);
    }

    #[test]
    fn one_coder_is_said_plainly() {
        let md = render(write_markdown, &report());
        assert!(md.contains("Only one coder (ann)"), "{md}");
    }

    // r15 item 24: forty codes read as a list of pairs, not a matrix forty cells wide.
    #[test]
    fn r15_many_codes_together_are_listed_as_their_top_pairs() {
        let mut c = Codings::new();
        for k in 0..40i64 {
            // Code k on segments k..k+3: neighbours share segments.
            let segs = (k..k + 3).collect();
            c.insert(("cb".into(), format!("c{k:02}")), segs);
        }
        let books = books();
        let co = cooccurrence(&books, &c);
        let pairs = &co[0].pairs;
        assert_eq!(pairs.len(), MAX_PAIRS);
        assert!(
            pairs.windows(2).all(|w| w[0].both >= w[1].both),
            "{pairs:?}"
        );
        assert_eq!(
            (
                pairs[0].first.as_str(),
                pairs[0].second.as_str(),
                pairs[0].both
            ),
            ("c00", "c01", 2)
        );
        let mut r = report();
        r.cooccurrence = co;
        r.names = BTreeMap::from([(
            "cb".to_string(),
            BTreeMap::from([("c00".to_string(), "First code".to_string())]),
        )]);
        let blocks = layout(&r);
        let at = blocks
            .iter()
            .position(|b| matches!(b, Block::Section("cooccurrence", _)))
            .unwrap();
        let section: Vec<&Block> = blocks[at + 1..]
            .iter()
            .take_while(|b| !matches!(b, Block::Section(..)))
            .collect();
        assert!(
            !section.iter().any(|b| matches!(b, Block::Heat { .. })),
            "{section:?}"
        );
        let rows = section
            .iter()
            .find_map(|b| match b {
                Block::Table { head, rows } if head[2].0 == "together with" => Some(rows),
                _ => None,
            })
            .expect("a table of pairs");
        assert_eq!(rows.len(), MAX_PAIRS);
        assert_eq!(rows[0][0].text, "First code");
        assert_eq!(rows[0][0].id.as_deref(), Some("c00"));
        // A few codes still get the matrix, numbered, with names on hover.
        let html = render(write_html, &report());
        assert!(html.contains("segments carrying both codes"));
    }

    // r15 item 24: chart labels wrap between words; two long names stay apart.
    #[test]
    fn r15_chart_labels_wrap_and_stay_apart() {
        let a = html::label_lines(
            "Beliefs about consequences of sharing on social media platforms",
            30,
        );
        let b = html::label_lines(
            "Beliefs about consequences of sharing on social media accounts",
            30,
        );
        assert_ne!(a, b);
        assert_eq!(a[0], "Beliefs about consequences of");
        assert!(a.iter().all(|l| l.chars().count() <= 30), "{a:?}");
        // No word is cut when the label fits two lines.
        let c = html::label_lines("Social/professional role and identity of educators", 30);
        assert_eq!(c, ["Social/professional role and", "identity of educators"]);
        assert_eq!(html::label_lines("Barriers", 30), ["Barriers"]);
        // Two codes of one name are told apart by their ids.
        let mut r = report();
        r.names = BTreeMap::from([(
            "cb".to_string(),
            BTreeMap::from([
                ("x".to_string(), "Optimism".to_string()),
                ("y".to_string(), "Optimism".to_string()),
            ]),
        )]);
        let html = render(write_html, &r);
        assert!(html.contains("<tspan>Optimism (x)</tspan>"), "{html}");
        assert!(html.contains("<tspan>Optimism (y)</tspan>"), "{html}");
    }

    #[test]
    fn long_labels_keep_their_start_and_end() {
        assert_eq!(html::short("smu.use", 10), "smu.use");
        let s = html::short(
            "tdf.environmental_context_and_resources.material_resources",
            20,
        );
        assert_eq!(s.chars().count(), 20);
        assert_eq!(s, "tdf.en…ial_resources");
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            ReportFormat::from_path(Path::new("r.MD")),
            ReportFormat::Markdown
        );
        assert_eq!(
            ReportFormat::from_path(Path::new("r.json")),
            ReportFormat::Json
        );
        assert_eq!(
            ReportFormat::from_path(Path::new("report")),
            ReportFormat::Html
        );
    }
}
