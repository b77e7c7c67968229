//! `quarry report`: a study's state in one file, for a supervisor, a co-author or an appendix.
//!
//! [`build`](build()) reads the project into a plain-data [`Report`]: the corpus, codes with
//! their precision, code × attribute and code × code matrices, coverage per document, agreement
//! between coders and the rules ranked by precision. The report is laid out once as a list of
//! blocks (headings, explanations, tables, charts), which [`write_html`] (one self-contained
//! page: inline CSS and hand-written SVG, no script, nothing fetched) and [`write_markdown`]
//! render; [`write_json`] writes the plain data. All user text (names, attribute values,
//! codes, rules) is escaped for the format it goes into. Read-only: nothing is written to the
//! project.
//!
//! The parts: the plain data is defined here, [`build`](build()) (in `build.rs`) fills it,
//! `layout.rs` turns it into blocks, and `html.rs` and `markdown.rs` render the blocks;
//! [`parts`] gives the blocks, charts drawn, to a page that renders them itself (the web app).
//! Beside the report: [`quotes`] (coded quotes as files) and [`hits`] (search hits as files).

mod build;
pub mod hits;
mod html;
mod layout;
mod markdown;
mod parts;
pub mod quotes;

pub use build::build;
pub use parts::{parts, Column, Figure, Label, Part};

use crate::error::{Error, ProjectError, Result};
use crate::review::quality::CodeAgreement;
use crate::review::stats::Agreement;
use layout::{layout, Bars, Block, Cell};
use markdown::markdown;
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// 8. Samples of runs made past this machine, with the estimates their decisions give.
    pub samples: Vec<SampleEstimates>,
}

/// A sample of a larger run (`quarry import matches`) and, per code, the run's count (from
/// the run), the sample's decisions (from this project) and the true matches they estimate.
#[derive(Debug, Clone, Serialize)]
pub struct SampleEstimates {
    /// The run's output it came from.
    pub source: String,
    /// Records the run read, and its matches, where it says.
    pub records: Option<u64>,
    /// Matches of the run.
    pub matches: Option<u64>,
    /// Strata were code and first term.
    pub per_term: bool,
    /// Posts sampled per stratum (0: every match of some codes).
    pub size: u64,
    /// Per code.
    pub codes: Vec<crate::review::estimates::Estimate>,
}
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

/// `report` in `format`: the bytes [`write_file`] writes (and the web app sends).
pub fn render(report: &Report, format: ReportFormat) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    match format {
        ReportFormat::Html => write_html(report, &mut buf),
        ReportFormat::Markdown => write_markdown(report, &mut buf),
        ReportFormat::Json => write_json(report, &mut buf),
    }
    .map_err(|e| Error::Other(format!("laying out the report: {e}")))?;
    Ok(buf)
}

/// Writes `report` to `path` in `format`; an error names the file.
pub fn write_file(report: &Report, format: ReportFormat, path: &Path) -> Result<()> {
    let buf = render(report, format)?;
    std::fs::write(path, buf).map_err(|source| {
        ProjectError::Io {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

#[cfg(test)]
mod tests;
