//! Command line: the only module that knows clap. Parses flags, validates them, turns them
//! into the library's config values, runs the stage and prints its outcome. Problems with
//! single inputs are listed at the end and give exit code 1; anything that stops the command
//! gives exit code 2.

mod demo;
mod lines;
pub mod print;
pub mod tui;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use print::Style;
use quarry::codebook;
use quarry::ingest::posts::PostOptions;
use quarry::ingest::ReadOptions;
use quarry::project::search::{self, SearchConfig};
use quarry::project::{AddConfig, AddReport, InitConfig, Project, RemoveConfig};
use quarry::text::analyzer::{AnalyzerConfig, StemmerKind};
use quarry::text::model::Format;
use quarry::{Platform, Role};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// The command ran, but some inputs had problems (listed on stderr).
    Problems = 1,
    /// The command could not run.
    Fatal = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

#[derive(Parser)]
#[command(name = "quarry", version, about = "Find every quote about a topic across interviews and posts", long_about = None)]
struct Cli {
    /// Project folder (default: the nearest folder holding .quarry, from here upwards).
    #[arg(long, global = true, env = "QUARRY_PROJECT", value_name = "DIR")]
    project: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project in DIR (default: the current folder).
    Init {
        /// Folder for the project.
        dir: Option<PathBuf>,
        /// Stemming language (a Snowball language: english, german, french, spanish, ...).
        #[arg(long, default_value = "english")]
        language: String,
        /// Stemmer: snowball (current Snowball, default) or rust-stemmers (2019 Snowball).
        #[arg(long, default_value = "snowball")]
        stemmer: String,
    },
    /// Add transcripts and post exports (files or folders, recursive) to the project.
    Add(Box<AddArgs>),
    /// Search quotes; see README.md for the query syntax.
    Search(SearchArgs),
    /// Print a document as a transcript, or one segment in its place (DOC#SEGMENT or #SEGMENT).
    Show {
        /// Document name (or a unique start of it), optionally with #SEGMENT (a segment id);
        /// #SEGMENT alone finds the segment's document.
        target: String,
        /// With #SEGMENT: turns shown around it.
        #[arg(long, default_value_t = 2)]
        context: usize,
    },
    /// List documents, segments or speakers.
    List {
        /// What to list.
        what: ListWhat,
        /// Only this document (for segments; a unique start of its name will do).
        #[arg(long)]
        document: Option<String>,
        /// Show code ids instead of code names (suggestions).
        #[arg(long)]
        ids: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Speakers: set a role by hand, or name who speaks in a document's unlabelled paragraphs.
    Speakers {
        #[command(subcommand)]
        cmd: SpeakersCmd,
    },
    /// Remove documents with their segments, suggestions and index entries.
    Remove {
        /// Document names (as `quarry list documents` shows them).
        #[arg(required = true)]
        documents: Vec<String>,
        /// Also remove documents people made decisions on, with those decisions.
        #[arg(long)]
        force: bool,
    },
    /// Apply codebooks: store candidate codes for a person to confirm or reject.
    Suggest {
        /// A built-in codebook (tdf, kta, sm-uptake) or a TOML file (repeatable).
        #[arg(long, value_name = "NAME|FILE", required = true)]
        codebook: Vec<String>,
        /// Compute and report, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also read interviewers' turns (left out by default).
        #[arg(long)]
        include_interviewer: bool,
        /// Also read reposts and duplicate posts (left out by default).
        #[arg(long)]
        include_reposts: bool,
        /// What a suggestion stands for: the whole turn, or the sentences holding its
        /// evidence (tighter codings for long turns).
        #[arg(long, value_enum, default_value_t = UnitArg::Turn)]
        unit: UnitArg,
        /// Apply every rule to every segment again (by default only new segments and new
        /// or edited rules are run). Decisions are kept either way.
        #[arg(long)]
        rerun: bool,
        /// Output format of the per-code summary.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Where a codebook's suggestions fall: documents by density, segments by codes, and
    /// the segments in scope that nothing was suggested for.
    Triage {
        /// The codebook (run `quarry suggest` with it first).
        #[arg(long, value_name = "NAME|FILE")]
        codebook: String,
        /// Only this code and its descendants.
        #[arg(long, value_name = "ID")]
        code: Option<String>,
        /// Rows per list (0: all). Default: 10 in the table, every row in csv, json and jsonl.
        #[arg(long)]
        limit: Option<usize>,
        /// Show code ids instead of code names.
        #[arg(long)]
        ids: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Review suggestions: accept, reject or change each one; every decision is stored at once.
    Review(Box<ReviewArgs>),
    /// Code a segment by hand.
    Code {
        /// Segment id (as `quarry search` and `quarry show` print them).
        segment: i64,
        /// Code id.
        code: String,
        /// The codebook the code belongs to (default: the one run by `suggest` that has it).
        #[arg(long, value_name = "NAME|FILE")]
        codebook: Option<String>,
        /// A memo.
        #[arg(long)]
        memo: Option<String>,
        /// Who is coding.
        #[arg(long)]
        coder: Option<String>,
    },
    /// Undo your last decision, or a batch (`search --code-hits` prints its number).
    Undo {
        /// Batch number.
        batch: Option<i64>,
        /// Whose decision.
        #[arg(long)]
        coder: Option<String>,
    },
    /// Your settings: `quarry config coder NAME` sets who you are when coding.
    Config {
        /// Setting (coder).
        key: Option<String>,
        /// New value.
        value: Option<String>,
    },
    /// Per code and rule: suggestions made, decided, accepted, precision with its 95%
    /// interval, the evidence words most often rejected; and recall, estimated from
    /// `review --unsuggested`.
    Rules {
        /// The codebook (its last `suggest` run).
        #[arg(long, value_name = "NAME")]
        codebook: String,
        /// Only this coder's decisions (default: everyone's).
        #[arg(long)]
        coder: Option<String>,
        /// List every term across rules, worst first (by the top of its interval).
        #[arg(long)]
        worst: bool,
        /// Leave out rules and terms decided fewer than N times.
        #[arg(long, value_name = "N", default_value_t = 0)]
        min_decided: usize,
        /// Count the decisions each term still needs for an interval narrower than this (`more`
        /// in --worst's table and in CSV and JSON).
        #[arg(long, value_name = "W", default_value_t = 0.2)]
        width: f64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Agreement between two coders (or a coder and the rules): percent, Cohen's kappa,
    /// Krippendorff's alpha, per code and overall, and the disagreements.
    Agreement {
        /// Two coders, A,B; or one coder with --rules.
        #[arg(long, value_name = "A,B", value_delimiter = ',', required = true)]
        coders: Vec<String>,
        /// Compare the coder with the rules (the suggestions as a second coder).
        #[arg(long)]
        rules: bool,
        /// The codebook (default: the one the coders decided on).
        #[arg(long, value_name = "NAME")]
        codebook: Option<String>,
        /// Only this code and the codes below it.
        #[arg(long, value_name = "ID")]
        code: Option<String>,
        /// Show code ids instead of code names.
        #[arg(long)]
        ids: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Documents, segments and suggestions pending, accepted and rejected per code and coder.
    Status {
        /// Show code ids instead of code names.
        #[arg(long)]
        ids: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Export coded quotes (CSV, xlsx, Markdown for a paper, JSON) or a REFI-QDA project.
    Export {
        #[command(subcommand)]
        cmd: ExportCmd,
    },
    /// Import another tool's REFI-QDA project (.qdpx): documents, codes and codings.
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Codebooks: list, show and explain them.
    Codebook {
        #[command(subcommand)]
        cmd: CodebookCmd,
    },
    /// Attributes: import them from a CSV.
    Attrs {
        #[command(subcommand)]
        cmd: AttrsCmd,
    },
    /// Rebuild the search index from the project database.
    Reindex,
    /// Verify the project: the database file, every segment's offsets, every decision's
    /// code, and the index against the database. Exits 1 when anything is wrong.
    Check {
        /// Rebuild what is derived (the index) when it disagrees; decisions are never touched.
        #[arg(long)]
        repair: bool,
        /// Segments whose words are looked up in the index (0: all).
        #[arg(long, default_value_t = 1000, value_name = "N")]
        sample: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// Copy the project, consistently even while others work in it, into a new folder
    /// (itself a project; `quarry restore` brings it back).
    Backup {
        /// The folder to create (it must not exist, or be empty).
        out: PathBuf,
    },
    /// Restore a backup made by `quarry backup`: into a new folder, or over a project with
    /// --replace (whose database is first kept beside it). The index is rebuilt.
    Restore {
        /// The backup folder.
        backup: PathBuf,
        /// Where to restore (default: the current project).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        /// Replace the project that is there.
        #[arg(long)]
        replace: bool,
    },
    /// A report of the study in one file: corpus, codes with precision, codes by attribute
    /// and by code, coverage per document, agreement between coders, rules by precision.
    Report {
        /// The file to write: .html (one self-contained page), .md or .json.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Format (default: from the file's extension; HTML for any other).
        #[arg(long, value_parser = ["html", "md", "json"])]
        format: Option<String>,
        /// Only this codebook (default: every codebook with suggestions or decisions).
        #[arg(long, value_name = "NAME")]
        codebook: Option<String>,
    },
    /// Run the whole pipeline on the bundled sample study.
    Demo {
        /// Keep the demo project in DIR (default: a temporary folder, removed afterwards).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Folder with the sample study (default: data/sample next to the binary's sources).
        #[arg(long, hide = true)]
        data: Option<PathBuf>,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct ReviewArgs {
    #[command(subcommand)]
    action: Option<ReviewAction>,
    #[command(flatten)]
    queue: QueueArgs,
    /// Read commands line by line even in a terminal.
    #[arg(long)]
    lines: bool,
    /// Review segments that got no suggestion from --codebook instead (with --sample N):
    /// mark the codes that apply, to estimate what the codebook misses.
    #[arg(long, requires_all = ["codebook", "sample"])]
    unsuggested: bool,
}

#[derive(Subcommand)]
enum ReviewAction {
    /// Write the suggestions you have not decided yet to a spreadsheet (.xlsx or .csv) to
    /// fill in.
    Export {
        #[command(flatten)]
        queue: QueueArgs,
        /// The file to write (.xlsx or .csv).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The quote column: the whole turn, or the sentences holding the evidence.
        #[arg(long, value_enum, default_value_t = UnitArg::Turn)]
        unit: UnitArg,
    },
    /// Apply the decisions filled in a sheet from `review export`.
    Import {
        /// The filled-in sheet.
        file: PathBuf,
        /// Who decided (default QUARRY_CODER or `quarry config coder`).
        #[arg(long)]
        coder: Option<String>,
    },
}

/// Whose queue, and which part of it.
#[derive(Args)]
struct QueueArgs {
    /// Who is reviewing (default QUARRY_CODER or `quarry config coder`).
    #[arg(long)]
    coder: Option<String>,
    /// Only this codebook's suggestions.
    #[arg(long, value_name = "NAME")]
    codebook: Option<String>,
    /// Only this code and the codes below it.
    #[arg(long, value_name = "ID")]
    code: Option<String>,
    /// Only this document (a unique start of its name will do; `*` at the end: every name
    /// starting so).
    #[arg(long, value_name = "NAME")]
    document: Option<String>,
    /// Only this speaker.
    #[arg(long, value_name = "NAME")]
    speaker: Option<String>,
    /// Only segments with this attribute (KEY=VALUE, repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    attr: Vec<String>,
    /// Order of the queue.
    #[arg(long, value_enum, default_value_t = OrderArg::Score)]
    order: OrderArg,
    /// Seed for --order random and --sample.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A random sample of N suggestions (to measure precision without reviewing all).
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Draw --sample by term: each slot goes to the word, phrase or NEAR pair with the
    /// fewest decisions so far, so every term that fires gets decisions.
    #[arg(long, requires = "sample")]
    per_term: bool,
    /// With --per-term: only terms that made at least N suggestions are strata. Default: the
    /// most frequent terms, as many as the sample can give 20 decisions each.
    #[arg(long, value_name = "N", requires = "per_term")]
    min_fired: Option<usize>,
}

impl QueueArgs {
    fn filter(&self, p: &Project) -> Result<quarry::review::Filter> {
        // A document is named as `show` takes it (a unique start will do); `NAME*` is a
        // pattern and stays one.
        let document = match &self.document {
            Some(d) if !d.ends_with('*') => Some(p.find_document(d)?.name),
            other => other.clone(),
        };
        Ok(quarry::review::Filter {
            // A codebook file names its codebook by the id inside it.
            codebook: self.codebook.as_ref().map(|b| {
                codebook::load(b)
                    .map(|c| c.id)
                    .unwrap_or_else(|_| b.clone())
            }),
            code: self.code.clone(),
            document,
            speaker: self.speaker.clone(),
            attrs: self.attr.clone(),
            order: match self.order {
                OrderArg::Score => quarry::review::Order::Score,
                OrderArg::Document => quarry::review::Order::Document,
                OrderArg::Random => quarry::review::Order::Random,
            },
            seed: self.seed,
            sample: self.sample,
            per_term: self.per_term,
            min_fired: self.min_fired,
        })
    }
}

#[derive(Subcommand)]
enum ExportCmd {
    /// One row per coded segment: quote, document, speaker, attributes, place, code, coder,
    /// memo and a citation.
    Quotes {
        /// Only this codebook.
        #[arg(long, value_name = "NAME")]
        codebook: Option<String>,
        /// Only this code and the codes below it.
        #[arg(long, value_name = "ID")]
        code: Option<String>,
        /// Only segments this search finds.
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// Accepted codings, pending suggestions, or both.
        #[arg(long, value_enum, default_value_t = StatusArg::Accepted)]
        status: StatusArg,
        /// Only this coder's decisions.
        #[arg(long)]
        coder: Option<String>,
        /// Citation fields: attribute names, speaker, document (default: speaker,document).
        #[arg(long, value_delimiter = ',', value_name = "FIELDS")]
        cite: Vec<String>,
        /// A quote is the whole turn, or the sentences holding the evidence.
        #[arg(long, value_enum, default_value_t = UnitArg::Turn)]
        unit: UnitArg,
        /// Format (default: from the file's extension).
        #[arg(long, value_enum)]
        format: Option<QuoteFormatArg>,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// A REFI-QDA 1.0 project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder: documents,
    /// codebooks, attributes, and every accepted coding.
    Refi {
        /// Only this codebook (default: every codebook used in the project).
        #[arg(long, value_name = "NAME")]
        codebook: Option<String>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
        /// The .qdpx file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// A REFI-QDA project (.qdpx or project.qde): its texts become documents (split into
    /// turns as on `add`), its codes are matched to known codebooks by GUID or written as a
    /// new codebook in codebooks/, and its codings become decisions of their coders.
    Refi {
        /// The .qdpx (or .qde) file.
        file: PathBuf,
        /// Coder for codings whose user the file does not name (default: imported).
        #[arg(long)]
        coder: Option<String>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
}

/// How a command's summary is printed.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SummaryFormat {
    /// Sentences for people.
    Table,
    /// One JSON document.
    Json,
}

impl From<SummaryFormat> for print::Format {
    fn from(f: SummaryFormat) -> Self {
        match f {
            SummaryFormat::Table => print::Format::Table,
            SummaryFormat::Json => print::Format::Json,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum StatusArg {
    /// Codes people accepted or applied.
    Accepted,
    /// Suggestions nobody decided on.
    Pending,
    /// Both.
    All,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum QuoteFormatArg {
    /// CSV.
    Csv,
    /// Excel workbook.
    Xlsx,
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OrderArg {
    /// Highest score first.
    Score,
    /// Document order.
    Document,
    /// Shuffled (with --seed).
    Random,
}

#[derive(Args)]
struct AddArgs {
    /// Files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Replace documents whose file changed since it was added.
    #[arg(long)]
    replace: bool,
    /// This speaker is an interviewer (repeatable).
    #[arg(long, value_name = "NAME")]
    interviewer: Vec<String>,
    /// This speaker is a participant (repeatable).
    #[arg(long, value_name = "NAME")]
    participant: Vec<String>,
    /// Attribute for every document added, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    attr: Vec<String>,
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<InFormat>,
    /// In transcripts that label some speakers (a moderator), the unlabelled paragraphs are
    /// this participant's; `{doc}` stands for the document's name.
    #[arg(long, value_name = "NAME")]
    unlabelled: Option<String>,
    /// Add files whose text nearly matches a document already in the project (the same
    /// interview as .vtt and .srt); by default they are reported and not added.
    #[arg(long)]
    allow_duplicates: bool,
    /// Posts: the author of every post in an export without an author column.
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Post exports",
        conflicts_with = "author_col"
    )]
    author: Option<String>,
    /// Posts: the column (CSV) holding the text.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    text_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the post id.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    id_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the author.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    author_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the time.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    time_col: Option<String>,
    /// Posts: the field delimiter (one character; `\t` for tab).
    #[arg(long, value_name = "CHAR", help_heading = "Post exports")]
    delimiter: Option<String>,
    /// Posts: column names of a file without a header row, as in id,created_at,text.
    #[arg(long, value_name = "A,B,C", help_heading = "Post exports")]
    columns: Option<String>,
    /// Posts: dotted path of the text in JSON records, as in data.body.
    #[arg(long, value_name = "PATH", help_heading = "Post exports")]
    text_field: Option<String>,
    /// Posts: the platform to record when the export does not say (x, mastodon, reddit, other).
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    platform: Option<String>,
}

/// Input formats `--format` can force.
#[derive(Clone, Copy, ValueEnum)]
enum InFormat {
    /// Plain-text transcript.
    Text,
    /// Markdown transcript.
    Markdown,
    /// WebVTT captions.
    Vtt,
    /// SubRip captions.
    Srt,
    /// Word document.
    Docx,
    /// OpenDocument text.
    Odt,
    /// JSON lines of transcript turns.
    Turns,
    /// Posts as CSV, TSV or delimited lines.
    Csv,
    /// Posts as TSV.
    Tsv,
    /// Posts as JSON or JSONL (X, Mastodon, Reddit, generic).
    Json,
}

#[derive(Args)]
struct SearchArgs {
    /// The query (several words are joined with spaces, as if quoted together).
    query: Vec<String>,
    /// Search what this code's rules (and its descendants') match; needs --codebook.
    #[arg(long, value_name = "ID")]
    code: Option<String>,
    /// Codebook for --code and for `@code` references: tdf, kta, sm-uptake or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    codebook: Option<String>,
    /// Turns of context before and after each hit.
    #[arg(long, short = 'C', default_value_t = 0)]
    context: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
    /// At most this many hits (0: all). Default: 20 in the table, every hit in csv, json
    /// and jsonl.
    #[arg(long)]
    limit: Option<usize>,
    /// Skip this many hits.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Order by relevance instead of document order.
    #[arg(long)]
    rank: bool,
    /// Print only the number of matching segments.
    #[arg(long)]
    count: bool,
    /// Code every hit of this search (the ones just read) with CODE of --codebook, as one
    /// batch that `quarry undo BATCH` reverts.
    #[arg(long, value_name = "CODE", requires = "codebook")]
    code_hits: Option<String>,
    /// Who is coding (for --code-hits; default QUARRY_CODER or `quarry config coder`).
    #[arg(long)]
    coder: Option<String>,
}

#[derive(Subcommand)]
enum SpeakersCmd {
    /// Set a speaker's role.
    Set {
        /// Speaker label as listed by `quarry list speakers`.
        name: String,
        /// The role.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Give a document's unlabelled paragraphs (no speaker) to a participant: think-aloud
    /// sessions that label only the moderator.
    Unlabelled {
        /// Document name.
        document: String,
        /// The participant speaking in them.
        name: String,
    },
}

#[derive(Subcommand)]
enum CodebookCmd {
    /// List the built-in codebooks (and, in a project, the codebooks it knows by id).
    List,
    /// Print a codebook's tree: ids, names, definitions, notes and rules.
    Show {
        /// A built-in name (tdf, kta, sm-uptake) or a TOML file.
        codebook: String,
    },
    /// Lint a codebook: syntax, ids, references, empty codes, repeated rules; with --corpus,
    /// what each rule catches in this project.
    Check {
        /// A built-in name or a TOML file.
        codebook: String,
        /// Also run every rule on the project's segments: the corpus words each rule's
        /// words catch (with counts), rules matching nothing, rules matching too much.
        #[arg(long)]
        corpus: bool,
        /// With --corpus: flag rules matching more than this share of segments (percent).
        #[arg(long, default_value_t = 10.0, value_name = "PERCENT")]
        max_share: f64,
    },
    /// Turn a REFI-QDA codebook (.qdc, or a .qdpx project's codes) into a TOML skeleton.
    Import {
        /// The .qdc or .qdpx file.
        file: PathBuf,
        /// Where to write the TOML (default: the file's name with .toml, here).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Write a codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder.
    Export {
        /// A built-in name or a TOML file.
        codebook: String,
        /// Output format (only qdc).
        #[arg(long, default_value = "qdc")]
        format: String,
        /// Where to write it (default: ID.qdc here).
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Write a commented template codebook to NAME.toml.
    New {
        /// The codebook's id; the file is NAME.toml in the current folder.
        name: String,
    },
    /// Write a new version of a codebook without the terms whose precision interval, from
    /// the decisions on its last run, lies below --below: each is dropped, or masked in the
    /// phrase most of its rejected uses share ("kind of"). Prints the diff and the measured
    /// change per code; never edits the original.
    Tune {
        /// The codebook: its id in this project, a built-in name or its TOML file.
        codebook: String,
        /// Tune terms whose whole interval lies below this precision.
        #[arg(long, default_value_t = 0.2, value_name = "P")]
        below: f64,
        /// Confidence of the interval.
        #[arg(long, default_value_t = 0.95, value_name = "C")]
        confidence: f64,
        /// Only this coder's decisions (default: everyone's).
        #[arg(long)]
        coder: Option<String>,
        /// Where to write the tuned codebook.
        #[arg(long, short = 'o', value_name = "FILE.toml")]
        out: PathBuf,
        /// Give the tuned codebook this id, as a codebook of its own (default: the
        /// original's id, so the decisions made on its suggestions stay with it).
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Replace --out if it exists (never the codebook being tuned).
        #[arg(long)]
        force: bool,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Print each code's rules as the search query that finds what they match.
    Explain {
        /// A built-in name or a TOML file.
        codebook: String,
        /// Only this code (with the codes below it).
        #[arg(long, value_name = "ID")]
        code: Option<String>,
    },
}

#[derive(Subcommand)]
enum AttrsCmd {
    /// Import attributes from a CSV whose first column is a document name or a speaker.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Interviewer,
    Participant,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListWhat {
    Documents,
    Segments,
    Speakers,
    /// Stored suggestions, with the rules that fired and their evidence.
    Suggestions,
}

/// A codebook by built-in name, TOML file, or (in a project) the id of one the project knows;
/// an unknown name lists what is available.
fn book(project: Option<&Path>, name: &str) -> Result<codebook::Codebook> {
    match codebook::load(name) {
        Err(e) if e.not_found() => match open(project) {
            Ok(p) => Ok(p.codebook(name)?),
            Err(_) => Err(e.into()),
        },
        r => Ok(r?),
    }
}

/// The codebook a hand-coded code belongs to: `--codebook` (its id), else the one codebook
/// run in this project that has the code.
fn codebook_of(p: &Project, code: &str, given: Option<&str>) -> Result<String> {
    if let Some(name) = given {
        let cb = codebook::load(name)?;
        if cb.code(code).is_none() {
            bail!("codebook `{}` has no code `{code}`", cb.id);
        }
        return Ok(cb.id);
    }
    let mut found = Vec::new();
    for (id, origin) in p.store().codebooks_run()? {
        if codebook::load_origin(&origin).is_ok_and(|cb| cb.code(code).is_some()) {
            found.push(id);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!("no codebook run in this project has code `{code}`; give --codebook NAME"),
        _ => bail!(
            "code `{code}` is in several codebooks ({}); give --codebook",
            found.join(", ")
        ),
    }
}

/// `suggest --unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum UnitArg {
    /// The whole turn or post.
    Turn,
    /// The sentences holding the evidence.
    Sentence,
}

impl From<UnitArg> for quarry::suggest::Unit {
    fn from(u: UnitArg) -> Self {
        match u {
            UnitArg::Turn => quarry::suggest::Unit::Turn,
            UnitArg::Sentence => quarry::suggest::Unit::Sentence,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutFormat {
    Table,
    Csv,
    Json,
    Jsonl,
}

impl From<OutFormat> for print::Format {
    fn from(f: OutFormat) -> Self {
        match f {
            OutFormat::Table => print::Format::Table,
            OutFormat::Csv => print::Format::Csv,
            OutFormat::Json => print::Format::Json,
            OutFormat::Jsonl => print::Format::Jsonl,
        }
    }
}

fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn open(cli_project: Option<&Path>) -> Result<Project> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = Project::find(cli_project, &cwd)?;
    Project::open(&root).with_context(|| format!("opening the project in {}", root.display()))
}

/// Parses the command line and runs it.
pub fn run() -> Result<Exit> {
    let cli = Cli::parse();
    // The worker pool starts when first used (a search never starts it); --threads sizes it.
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("quarry-work-{i}"))
            .num_threads(n.max(1))
            .build_global()
            .context("setting up worker threads")?;
    }
    let project = cli.project.as_deref();
    let out = std::io::stdout();
    let mut out = out.lock();
    match cli.command {
        Command::Init {
            dir,
            language,
            stemmer,
        } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let Some(stemmer) = StemmerKind::parse(&stemmer) else {
                bail!("--stemmer {stemmer}: expected snowball or rust-stemmers");
            };
            let cfg = InitConfig {
                analyzer: AnalyzerConfig {
                    language: language.to_lowercase(),
                    stemmer,
                },
            };
            Project::init(&dir, &cfg)?;
            writeln!(
                out,
                "Created a quarry project in {} ({} stemming, {}).",
                dir.display(),
                cfg.analyzer.language,
                stemmer.as_str()
            )?;
            writeln!(out, "Next: quarry add FILES_OR_FOLDERS")?;
            Ok(Exit::Ok)
        }
        Command::Add(a) => {
            let mut p = open(project)?;
            let cfg = add_config(*a)?;
            let report = add_with_progress(&mut p, &cfg)?;
            print_add_report(&mut out, &report)?;
            Ok(
                if report.errors.is_empty() && report.changed.is_empty() && report.held.is_empty() {
                    Exit::Ok
                } else {
                    Exit::Problems
                },
            )
        }
        Command::Search(a) => {
            let codebook = match &a.codebook {
                Some(name) => Some(book(project, name)?),
                None => None,
            };
            match (&a.code, &codebook) {
                (Some(id), Some(cb)) => {
                    let Some(i) = cb.codes.iter().position(|c| c.id == *id) else {
                        bail!("codebook `{}` has no code `{id}`; `quarry codebook show {}` lists them", cb.id, cb.id);
                    };
                    if cb.code_query(i).is_none() {
                        bail!("code `{id}` and the codes below it have no rules");
                    }
                }
                (Some(_), None) => {
                    bail!("--code needs --codebook NAME (tdf, kta, sm-uptake or a file)")
                }
                (None, _) if a.query.is_empty() => {
                    bail!("give a query, or --code ID with --codebook NAME")
                }
                (None, _) => {}
            }
            // With --code, the query (if any) narrows the code down.
            let query = a.query.join(" ");
            let p = open(project)?;
            let (mut index, rebuilt) = p.index()?;
            if rebuilt {
                eprintln!("note: the search index was out of date and has been rebuilt");
            }
            if a.count {
                let n = if a.code.is_some() {
                    let cfg = SearchConfig {
                        query: query.clone(),
                        limit: 1,
                        offset: 0,
                        context: 0,
                        rank: false,
                        codebook,
                        code: a.code.clone(),
                    };
                    search::search(&p, &mut index, &cfg)
                        .map_err(query_error(&query))?
                        .total
                } else {
                    search::count(&p, &mut index, &query, codebook.as_ref())
                        .map_err(query_error(&query))?
                };
                writeln!(out, "{n}")?;
                out.flush()?;
                exit_fast(p, index);
                return Ok(Exit::Ok);
            }
            let cfg = SearchConfig {
                query: query.clone(),
                limit: a
                    .limit
                    .unwrap_or(if a.format == OutFormat::Table { 20 } else { 0 }),
                offset: a.offset,
                context: a.context,
                rank: a.rank,
                codebook,
                code: a.code.clone(),
            };
            let r = search::search(&p, &mut index, &cfg).map_err(query_error(&query))?;
            print::hits(&mut out, &r, a.format.into(), style())?;
            let shown = r.hits.len();
            if a.format == OutFormat::Table {
                if shown < r.total {
                    writeln!(
                        out,
                        "{} matching segments; showing {}-{} (--limit 0 shows all)",
                        r.total,
                        a.offset + 1,
                        a.offset + shown
                    )?;
                } else {
                    writeln!(
                        out,
                        "{} matching segment{}",
                        r.total,
                        if r.total == 1 { "" } else { "s" }
                    )?;
                }
            } else if shown < r.total {
                eprintln!(
                    "note: wrote {shown} of {} matching segments (--limit {}, --offset {}); \
                     without --limit every one is written",
                    r.total, cfg.limit, a.offset
                );
            }
            // Corpus words the query's words miss: under a table, on stderr otherwise.
            if a.code.is_none() {
                let (q, mut analyzer) = search::prepare_with(&p, &query, cfg.codebook.as_ref())?;
                let forms = search::other_forms(&mut index, &mut analyzer, &q)?;
                if a.format == OutFormat::Table {
                    print::other_forms(&mut out, &forms, "")?;
                } else {
                    print::other_forms(&mut std::io::stderr(), &forms, "note: ")?;
                }
            }
            if let Some(code) = &a.code_hits {
                let coder = quarry::review::coder(a.coder.as_deref())?;
                let book = cfg.codebook.as_ref().expect("clap requires --codebook");
                if book.code(code).is_none() {
                    bail!("codebook `{}` has no code `{code}`", book.id);
                }
                let decisions: Vec<_> = r
                    .hits
                    .iter()
                    .map(|h| quarry::store::NewDecision {
                        coder: coder.clone(),
                        segment: h.segment.id,
                        codebook: book.id.clone(),
                        code: code.clone(),
                        accept: true,
                        replacement: None,
                        memo: Some(format!("search: {query}")),
                        answered: None,
                        at: None,
                    })
                    .collect();
                let mut p = p;
                let batch = p.store_mut().decide_batch(&decisions)?;
                writeln!(
                    out,
                    "Coded {} hits {code} as {coder}: batch {batch} (`quarry undo {batch}` reverts it).",
                    decisions.len()
                )?;
                return Ok(Exit::Ok);
            }
            out.flush()?;
            exit_fast(p, index);
            Ok(Exit::Ok)
        }
        Command::Show { target, context } => {
            let p = open(project)?;
            let (name, seg) = match target.rsplit_once('#') {
                Some((n, s)) => (
                    n.trim(),
                    Some(
                        s.trim()
                            .parse::<i64>()
                            .with_context(|| format!("`{s}` after # is not a segment id"))?,
                    ),
                ),
                None => (target.as_str(), None),
            };
            // `#ID` alone: segment ids are unique across the project.
            let found = match seg {
                Some(id) if name.is_empty() => p.store().segments(&[id])?.into_iter().next(),
                _ => None,
            };
            let doc = match (&found, seg) {
                (Some(s), _) => p.find_document(&s.document)?,
                (None, Some(id)) if name.is_empty() => {
                    bail!("no segment #{id} in this project")
                }
                _ => p.find_document(name)?,
            };
            let segs = match seg {
                None => p.store().segments(&p.store().segment_ids(doc.id)?)?,
                Some(id) => {
                    let Some(s) = p
                        .store()
                        .segments(&[id])?
                        .into_iter()
                        .next()
                        .filter(|s| s.document_id == doc.id)
                    else {
                        bail!("document `{}` has no segment #{id}", doc.name);
                    };
                    p.store()
                        .segments_in(doc.id, s.ord - context as i64, s.ord + context as i64)?
                }
            };
            print::transcript(&mut out, &doc.name, &segs, seg, style())?;
            Ok(Exit::Ok)
        }
        Command::List {
            what,
            document,
            ids,
            format,
        } => {
            let p = open(project)?;
            match what {
                ListWhat::Documents => {
                    print::documents(&mut out, &p.store().documents()?, format.into())?
                }
                ListWhat::Speakers => {
                    print::speakers(&mut out, &p.store().speakers()?, format.into())?
                }
                ListWhat::Suggestions => {
                    let mut rows = p.store().suggestions()?;
                    quarry::suggest::fill_spans(p.store(), &mut rows)?;
                    let labels = print::Labels {
                        names: p.code_names(rows.iter().map(|r| r.codebook.as_str())),
                        ids,
                    };
                    print::suggestions(&mut out, &rows, &labels, format.into())?
                }
                ListWhat::Segments => {
                    let docs = p.store().documents()?;
                    let docs: Vec<_> = match &document {
                        Some(n) => vec![p.find_document(n)?],
                        None => docs,
                    };
                    let mut segs = Vec::new();
                    for d in docs {
                        segs.extend(p.store().segments(&p.store().segment_ids(d.id)?)?);
                    }
                    print::segments(&mut out, &segs, format.into())?;
                }
            }
            Ok(Exit::Ok)
        }
        Command::Speakers {
            cmd: SpeakersCmd::Set { name, role },
        } => {
            let mut p = open(project)?;
            let role = match role {
                RoleArg::Interviewer => Role::Interviewer,
                RoleArg::Participant => Role::Participant,
            };
            let found = p.store_mut().set_role(&name, role)?;
            writeln!(out, "{found} is now {role}")?;
            Ok(Exit::Ok)
        }
        Command::Speakers {
            cmd: SpeakersCmd::Unlabelled { document, name },
        } => {
            let mut p = open(project)?;
            let (doc, n) = p.set_unlabelled(&document, &name)?;
            let name = print::sanitize(name.trim(), true);
            let doc = print::sanitize(&doc, true);
            if n == 0 {
                writeln!(out, "{doc} has no unlabelled segments; nothing changed.")?;
            } else {
                writeln!(out, "{n} unlabelled segment(s) of {doc} are now {name}'s.")?;
            }
            Ok(Exit::Ok)
        }
        Command::Remove { documents, force } => {
            let mut p = open(project)?;
            let removed = p.remove(&RemoveConfig { documents, force })?;
            for r in &removed {
                write!(
                    out,
                    "Removed {} ({} segment(s)",
                    print::sanitize(&r.name, true),
                    r.segments
                )?;
                if r.decisions > 0 {
                    write!(out, ", {} decision(s)", r.decisions)?;
                }
                writeln!(out, ").")?;
            }
            Ok(Exit::Ok)
        }
        Command::Suggest {
            codebook: names,
            dry_run,
            include_interviewer,
            include_reposts,
            unit,
            rerun,
            format,
        } => {
            let mut p = open(project)?;
            let (mut index, _) = p.index()?;
            let mut books = Vec::new();
            for n in &names {
                books.push(p.codebook(n)?);
            }
            for note in quarry::suggest::version_notes(&p, &books)? {
                eprintln!("note: {}", print::sanitize(&note, true));
            }
            let report = quarry::suggest::run(
                &mut p,
                &mut index,
                &quarry::suggest::SuggestConfig {
                    codebooks: books,
                    dry_run,
                    widen: codebook::Widen {
                        interviewer: include_interviewer,
                        reposts: include_reposts,
                    },
                    unit: unit.into(),
                    rerun,
                },
            )?;
            print::suggest_report(&mut out, &report, format.into())?;
            Ok(Exit::Ok)
        }
        Command::Review(a) => {
            match a.action {
                Some(ReviewAction::Export {
                    queue,
                    out: file,
                    unit,
                }) => {
                    let coder = quarry::review::coder(queue.coder.as_deref())?;
                    let p = open(project)?;
                    let unit = unit.into();
                    let w =
                        quarry::review::export_sheet(&p, &coder, &queue.filter(&p)?, unit, &file)?;
                    writeln!(
                        out,
                        "Wrote {} suggestions for {coder} to {} (quotes: {}); fill in the \
                         decision column, then `quarry review import {}`.",
                        w.rows,
                        file.display(),
                        print::unit_note(unit, w.rows, w.whole_turns),
                        file.display()
                    )?;
                    return Ok(Exit::Ok);
                }
                Some(ReviewAction::Import { file, coder }) => {
                    let coder = quarry::review::coder(coder.as_deref())?;
                    let mut p = open(project)?;
                    let r = quarry::review::import_sheet(&mut p, &coder, &file)?;
                    for (line, why) in &r.problems {
                        eprintln!(
                            "{}: row {line}: {}",
                            file.display(),
                            print::sanitize(why, true)
                        );
                    }
                    writeln!(
                        out,
                        "Applied {} decisions of {coder}{}; {}{} rows left blank, {} rows \
                         skipped.",
                        r.applied,
                        r.batch
                            .map(|b| format!(" as batch {b} (`quarry undo {b}` reverts it)"))
                            .unwrap_or_default(),
                        if r.already_applied > 0 {
                            format!("{} rows already applied, ", r.already_applied)
                        } else {
                            String::new()
                        },
                        r.blank,
                        r.problems.len()
                    )?;
                    return Ok(if r.problems.is_empty() {
                        Exit::Ok
                    } else {
                        Exit::Problems
                    });
                }
                None => {}
            }
            let coder = quarry::review::coder(a.queue.coder.as_deref())?;
            let mut p = open(project)?;
            let filter = a.queue.filter(&p)?;
            if a.unsuggested {
                let cb = p.codebook(filter.codebook.as_deref().expect("clap requires it"))?;
                let stdin = std::io::stdin();
                let mut input = stdin.lock();
                lines::run_unsuggested(
                    &mut p,
                    &coder,
                    &cb,
                    a.queue.sample.expect("clap requires it"),
                    a.queue.seed,
                    &mut input,
                    &mut out,
                )?;
                return Ok(Exit::Ok);
            }
            let queue = quarry::review::queue(&p, &coder, &filter)?;
            if queue.items.is_empty() {
                writeln!(out, "Nothing to review for {coder}.")?;
                return Ok(Exit::Ok);
            }
            if let Some(t) = &queue.term_sample {
                writeln!(
                    out,
                    "Per-term sample (seed {}): {} suggestions for {} of the {} terms that found \
                     pending ones; once reviewed, each of those terms has at least {} decisions. \
                     `quarry rules --codebook NAME --worst` then shows how many more each needs.",
                    filter.seed, t.drawn, t.covered, t.terms, t.least
                )?;
            }
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && !a.lines {
                let s = crate::cli::tui::run(&mut p, &coder, &queue)?;
                writeln!(
                    out,
                    "{} decided, {} skipped, {} undone; {} left.",
                    s.decided, s.skipped, s.undone, s.left
                )?;
            } else {
                let stdin = std::io::stdin();
                let mut input = stdin.lock();
                lines::run_lines(&mut p, &coder, &queue, &mut input, &mut out)?;
            }
            Ok(Exit::Ok)
        }
        Command::Code {
            segment,
            code,
            codebook: book,
            memo,
            coder,
        } => {
            let coder = quarry::review::coder(coder.as_deref())?;
            let mut p = open(project)?;
            if p.store().segments(&[segment])?.is_empty() {
                bail!("no segment #{segment} in this project");
            }
            let book = codebook_of(&p, &code, book.as_deref())?;
            let id = p.store_mut().decide(&quarry::store::NewDecision {
                coder: coder.clone(),
                segment,
                codebook: book.clone(),
                code: code.clone(),
                accept: true,
                replacement: None,
                memo,
                answered: None,
                at: None,
            })?;
            writeln!(
                out,
                "#{segment} coded {code} ({book}) by {coder}; decision {id}."
            )?;
            Ok(Exit::Ok)
        }
        Command::Undo { batch, coder } => {
            let coder = quarry::review::coder(coder.as_deref())?;
            let mut p = open(project)?;
            match batch {
                Some(b) => {
                    let n = p.store_mut().undo_batch(&coder, b)?;
                    if n == 0 {
                        bail!("{coder} has no standing decisions in batch {b}");
                    }
                    writeln!(out, "Undid {n} decisions of batch {b}.")?;
                }
                None => match p.store_mut().undo_last(&coder)? {
                    Some(d) => writeln!(out, "Undid {}.", quarry::review::describe(&d))?,
                    None => bail!("{coder} has no decision to undo"),
                },
            }
            Ok(Exit::Ok)
        }
        Command::Config { key, value } => {
            match (key.as_deref(), value) {
                (Some("coder"), Some(v)) => {
                    if v.trim().is_empty() {
                        bail!("a coder's name cannot be blank");
                    }
                    let path = quarry::review::set_config("coder", v.trim())?;
                    writeln!(out, "coder = {} (in {})", v.trim(), path.display())?;
                }
                (Some("coder"), None) | (None, _) => match quarry::review::coder(None) {
                    Ok(c) => writeln!(out, "coder = {c}")?,
                    Err(_) => writeln!(out, "coder is not set")?,
                },
                (Some(k), _) => bail!("unknown setting {k:?} (settings: coder)"),
            }
            Ok(Exit::Ok)
        }
        Command::Rules {
            codebook: name,
            coder,
            worst,
            min_decided,
            width,
            format,
        } => {
            let p = open(project)?;
            let id = codebook::load(&name).map(|c| c.id).unwrap_or(name);
            let mut r = quarry::review::quality::rules(&p, &id, coder.as_deref())?;
            r.min_decided(min_decided);
            r.plan(width, quarry::review::stats::Z95);
            if worst {
                print::worst_terms(&mut out, &r.worst_terms(), format.into())?;
                if matches!(format, OutFormat::Table) {
                    writeln!(
                        out,
                        "\nalone: accepted suggestions no other term of the code found (what dropping \
                         the term would cost). more: decisions the term still needs for a 95% \
                         interval narrower than {width} if its precision holds \
                         (`quarry review --sample N --per-term` draws them)."
                    )?;
                }
            } else {
                print::rules(&mut out, &r, format.into())?;
            }
            Ok(Exit::Ok)
        }
        Command::Agreement {
            coders,
            rules,
            codebook: name,
            code,
            ids,
            format,
        } => {
            let (first, second) = match (coders.as_slice(), rules) {
                ([a], true) => (a.clone(), None),
                ([a, b], false) => (a.clone(), Some(b.clone())),
                _ => bail!("give two coders (--coders A,B), or one with --rules"),
            };
            let p = open(project)?;
            let id = match name {
                Some(name) => codebook::load(&name).map(|c| c.id).unwrap_or(name),
                None => quarry::review::quality::agreement_codebook(
                    &p,
                    &coders.iter().map(String::as_str).collect::<Vec<_>>(),
                )?,
            };
            let r = quarry::review::quality::agreement(
                &p,
                &id,
                &first,
                second.as_deref(),
                code.as_deref(),
            )?;
            let labels = print::Labels {
                names: p.code_names([id.as_str()]),
                ids,
            };
            print::agreement(&mut out, &r, &labels, format.into())?;
            Ok(Exit::Ok)
        }
        Command::Status { ids, format } => {
            let p = open(project)?;
            let st = quarry::review::status(&p)?;
            let labels = print::Labels {
                names: p.code_names(st.codes.iter().map(|c| c.codebook.as_str())),
                ids,
            };
            print::status(&mut out, &st, &labels, format.into())?;
            Ok(Exit::Ok)
        }
        Command::Triage {
            codebook: name,
            code,
            limit,
            ids,
            format,
        } => {
            let p = open(project)?;
            let t = quarry::suggest::triage::run(
                &p,
                &quarry::suggest::triage::TriageConfig {
                    codebook: p.codebook(&name)?,
                    code,
                    limit: limit.unwrap_or(if format == OutFormat::Table { 10 } else { 0 }),
                },
            )?;
            let labels = print::Labels {
                names: p.code_names([t.codebook.as_str()]),
                ids,
            };
            print::triage_labelled(&mut out, &t, &labels, format.into())?;
            if format != OutFormat::Table && t.cut() {
                eprintln!(
                    "note: --limit {} left rows out (documents {} of {}, segments {} of {}, \
                     unsuggested {} of {}); without --limit every row is written",
                    limit.unwrap_or(0),
                    t.documents.len(),
                    t.documents_total,
                    t.segments.len(),
                    t.suggested,
                    t.unsuggested_segments.len(),
                    t.unsuggested
                );
            }
            Ok(Exit::Ok)
        }
        Command::Export {
            cmd:
                ExportCmd::Quotes {
                    codebook: book,
                    code,
                    query,
                    status,
                    coder,
                    cite,
                    unit,
                    format,
                    out: file,
                },
        } => {
            use quarry::report::quotes::{QuoteFormat, Status};
            let ext = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_lowercase)
                .unwrap_or_default();
            let format = match (format, ext.as_str()) {
                (Some(QuoteFormatArg::Csv), _) | (None, "csv") => QuoteFormat::Csv,
                (Some(QuoteFormatArg::Xlsx), _) | (None, "xlsx") => QuoteFormat::Xlsx,
                (Some(QuoteFormatArg::Md), _) | (None, "md") => QuoteFormat::Markdown,
                (Some(QuoteFormatArg::Json), _) | (None, "json") => QuoteFormat::Json,
                (None, _) => {
                    bail!("give --format csv|xlsx|md|json, or an --out file with that extension")
                }
            };
            let p = open(project)?;
            let (mut index, _) = p.index()?;
            let book = book.map(|b| codebook::load(&b).map(|c| c.id).unwrap_or(b));
            let quotes = quarry::report::quotes::quotes(
                &p,
                &mut index,
                &quarry::report::quotes::QuotesConfig {
                    codebook: book,
                    code,
                    query,
                    status: match status {
                        StatusArg::Accepted => Status::Accepted,
                        StatusArg::Pending => Status::Pending,
                        StatusArg::All => Status::All,
                    },
                    coder,
                    cite,
                    unit: unit.into(),
                },
            )?;
            quarry::report::quotes::write_quotes(&quotes, format, &file)?;
            let sum = quarry::report::quotes::summary(&quotes, unit.into());
            writeln!(
                out,
                "Wrote {} quotes to {}: one row per segment and code{} (quotes: {}).",
                sum.quotes,
                file.display(),
                if sum.codings > sum.quotes {
                    format!(
                        ", the {} codings of {} coders merged",
                        sum.codings, sum.coders
                    )
                } else {
                    String::new()
                },
                print::unit_note(unit.into(), sum.quotes, sum.whole_turns)
            )?;
            Ok(Exit::Ok)
        }
        Command::Export {
            cmd:
                ExportCmd::Refi {
                    codebook: book,
                    format,
                    out: file,
                },
        } => {
            let p = open(project)?;
            let book = book.map(|b| codebook::load(&b).map(|c| c.id).unwrap_or(b));
            let r =
                quarry::refi::export(&p, &file, &quarry::refi::ExportConfig { codebook: book })?;
            print::refi_export(&mut out, &r, &file, format.into())?;
            Ok(Exit::Ok)
        }
        Command::Import {
            cmd:
                ImportCmd::Refi {
                    file,
                    coder,
                    format,
                },
        } => {
            let mut p = open(project)?;
            let r = quarry::refi::import(&mut p, &file, &quarry::refi::ImportConfig { coder })?;
            print::refi_import(&mut out, &r, &file, format.into())?;
            // A file that could not be read whole is "some inputs had problems".
            Ok(if r.problems.is_empty() {
                Exit::Ok
            } else {
                Exit::Problems
            })
        }
        Command::Codebook { cmd } => {
            match cmd {
                CodebookCmd::List => {
                    for (name, _) in codebook::BUILT_IN {
                        let cb = codebook::load(name)?;
                        writeln!(
                            out,
                            "{name:10} {} ({} codes; {})",
                            cb.name,
                            cb.codes.len(),
                            cb.source
                        )?;
                    }
                    if let Ok(p) = open(project) {
                        for (id, origin) in p.stored_codebooks()? {
                            writeln!(out, "{id:10} in this project: {origin}")?;
                        }
                    }
                }
                CodebookCmd::Check {
                    codebook: name,
                    corpus,
                    max_share,
                } => {
                    let cb = book(project, &name)?;
                    let rules: usize = cb.codes.iter().map(|c| c.rules.len()).sum();
                    writeln!(
                        out,
                        "{}: {} codes, {rules} rules; syntax, ids and references are fine.",
                        cb.id,
                        cb.codes.len()
                    )?;
                    let findings = cb.lint();
                    for f in &findings {
                        writeln!(out, "warning: {}: {}", f.code, f.message)?;
                    }
                    let mut problems = findings.len();
                    if corpus {
                        let p = open(project)?;
                        problems += check_corpus(&mut out, &p, &cb, max_share)?;
                    }
                    return Ok(if problems == 0 {
                        Exit::Ok
                    } else {
                        Exit::Problems
                    });
                }
                CodebookCmd::Import { file, out: dest } => {
                    let stem = file
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_lowercase())
                        .unwrap_or_else(|| "imported".into());
                    let id: String = stem
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    let xml = quarry::refi::qdc::read_file(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let name = file.file_name().unwrap_or_default().to_string_lossy();
                    let toml = quarry::refi::qdc::import(&xml, &id, &name)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                    let dest = dest.unwrap_or_else(|| PathBuf::from(format!("{id}.toml")));
                    if dest.exists() {
                        bail!("{} exists; choose another with --out", dest.display());
                    }
                    let cb = codebook::parse(&toml, &dest)?;
                    std::fs::write(&dest, toml)
                        .with_context(|| format!("writing {}", dest.display()))?;
                    writeln!(
                        out,
                        "Wrote {} ({} codes, no rules yet: add them, then `quarry codebook check {}`).",
                        dest.display(),
                        cb.codes.len(),
                        dest.display()
                    )?;
                }
                CodebookCmd::Export {
                    codebook: name,
                    format,
                    out: dest,
                } => {
                    if format != "qdc" {
                        bail!("--format {format}: only qdc (REFI-QDA codebook) is written");
                    }
                    let cb = book(project, &name)?;
                    let dest = dest.unwrap_or_else(|| PathBuf::from(format!("{}.qdc", cb.id)));
                    std::fs::write(&dest, quarry::refi::qdc::export(&cb))
                        .with_context(|| format!("writing {}", dest.display()))?;
                    writeln!(out, "Wrote {} ({} codes).", dest.display(), cb.codes.len())?;
                }
                CodebookCmd::New { name } => {
                    let file = PathBuf::from(format!("{name}.toml"));
                    if file.exists() {
                        bail!("{} exists; choose another name", file.display());
                    }
                    let text = codebook::TEMPLATE.replace("NAME", &name);
                    // The template must itself be a valid codebook.
                    codebook::parse(&text, &file)?;
                    std::fs::write(&file, text)
                        .with_context(|| format!("writing {}", file.display()))?;
                    writeln!(
                        out,
                        "Wrote {}. Check it with `quarry codebook show {}`.",
                        file.display(),
                        file.display()
                    )?;
                }
                CodebookCmd::Show { codebook: name } => {
                    let cb = book(project, &name)?;
                    print::codebook(&mut out, &cb)?;
                }
                CodebookCmd::Tune {
                    codebook: name,
                    below,
                    confidence,
                    coder,
                    out: dest,
                    id,
                    force,
                    format,
                } => {
                    let p = open(project)?;
                    let cfg = quarry::review::tune::TuneConfig {
                        below,
                        confidence,
                        coder,
                        id,
                    };
                    let t = quarry::review::tune::tune(&p, &name, &cfg)?;
                    let wrote = t.edits();
                    if wrote {
                        t.write(&dest, force)?;
                    }
                    print::tuned(
                        &mut out,
                        &t,
                        &cfg,
                        wrote.then_some(dest.as_path()),
                        format.into(),
                    )?;
                }
                CodebookCmd::Explain {
                    codebook: name,
                    code,
                } => {
                    let cb = book(project, &name)?;
                    let which: Vec<usize> = match &code {
                        Some(id) => {
                            vec![cb.codes.iter().position(|c| c.id == *id).with_context(|| {
                                format!("codebook `{}` has no code `{id}`", cb.id)
                            })?]
                        }
                        None => (0..cb.codes.len()).collect(),
                    };
                    for i in which {
                        let c = &cb.codes[i];
                        let Some(q) = cb.code_search_text(i) else {
                            writeln!(out, "{}\n  (no rules here or below)\n", c.id)?;
                            continue;
                        };
                        // The text query and, where they apply, what it leaves to --code:
                        // masks and scope cannot be written in a search.
                        let scope = match c.scope {
                            codebook::Scope::Participants => {
                                " AND NOT role:interviewer AND NOT is:repost AND NOT is:duplicate"
                            }
                            codebook::Scope::All => "",
                        };
                        writeln!(
                            out,
                            "{}\n  quarry search --codebook {name} --code {}\n  is: ({}){scope}",
                            c.id,
                            c.id,
                            print::sanitize(&q, true)
                        )?;
                        let masks: Vec<&str> = cb
                            .mask
                            .iter()
                            .chain(
                                std::iter::successors(Some(i), |&k| cb.codes[k].parent)
                                    .flat_map(|k| cb.codes[k].mask.iter()),
                            )
                            .map(String::as_str)
                            .collect();
                        if !masks.is_empty() {
                            writeln!(
                                out,
                                "  with these phrases masked: {}",
                                print::sanitize(&masks.join(" | "), true)
                            )?;
                        }
                        writeln!(out)?;
                    }
                }
            }
            Ok(Exit::Ok)
        }
        Command::Attrs {
            cmd: AttrsCmd::Import { file },
        } => {
            let mut p = open(project)?;
            let (n, problems) = p.import_attributes(&file)?;
            writeln!(
                out,
                "Attributes from {} applied to {n} documents or speakers.",
                file.display()
            )?;
            for e in &problems {
                eprintln!("{e}");
            }
            Ok(if problems.is_empty() {
                Exit::Ok
            } else {
                Exit::Problems
            })
        }
        Command::Check {
            repair,
            sample,
            format,
        } => {
            let p = open(project)?;
            let r = quarry::project::check::run(
                &p,
                &quarry::project::check::CheckConfig { sample, repair },
            )?;
            print::check(&mut out, &r, format.into())?;
            Ok(if r.ok() { Exit::Ok } else { Exit::Problems })
        }
        Command::Backup { out: dir } => {
            let p = open(project)?;
            let c = quarry::project::backup::backup(&p, &dir)?;
            writeln!(
                out,
                "Backed up {} documents, {} segments and {} decisions ({} codebook files) to {}.\n\
                 It is a project folder: `quarry --project {} status` reads it, `quarry restore {}` brings it back.",
                c.documents,
                c.segments,
                c.decisions,
                c.codebooks,
                dir.display(),
                dir.display(),
                dir.display()
            )?;
            Ok(Exit::Ok)
        }
        Command::Restore {
            backup,
            to,
            replace,
        } => {
            let to = match to {
                Some(t) => t,
                None => {
                    let cwd = std::env::current_dir().context("reading the current folder")?;
                    Project::find(project, &cwd).context(
                        "no project here to restore into: give --to DIR (a new folder, or a \
                         project with --replace)",
                    )?
                }
            };
            let c = quarry::project::backup::restore(&backup, &to, replace)?;
            writeln!(
                out,
                "Restored {} documents, {} segments and {} decisions into {}; the index is rebuilt.",
                c.documents,
                c.segments,
                c.decisions,
                to.display()
            )?;
            if let Some(k) = c.kept {
                writeln!(out, "The database it replaced is kept as {}.", k.display())?;
            }
            Ok(Exit::Ok)
        }
        Command::Reindex => {
            let p = open(project)?;
            let t = std::time::Instant::now();
            p.reindex()?;
            writeln!(
                out,
                "Rebuilt the index of {} segments in {:.1} s.",
                p.store().segment_count()?,
                t.elapsed().as_secs_f64()
            )?;
            Ok(Exit::Ok)
        }
        Command::Report {
            out: file,
            format,
            codebook: book,
        } => {
            use quarry::report::{ReportConfig, ReportFormat};
            let format = match format.as_deref() {
                Some("md") => ReportFormat::Markdown,
                Some("json") => ReportFormat::Json,
                Some(_) => ReportFormat::Html,
                None => ReportFormat::from_path(&file),
            };
            let p = open(project)?;
            let book = book.map(|b| codebook::load(&b).map(|c| c.id).unwrap_or(b));
            let r = quarry::report::build(&p, &ReportConfig { codebook: book })?;
            quarry::report::write_file(&r, format, &file)?;
            writeln!(
                out,
                "Wrote the report ({} documents, {} codebooks) to {}.",
                r.corpus.documents,
                r.codebooks.len(),
                file.display()
            )?;
            Ok(Exit::Ok)
        }
        Command::Demo { out: dir, data } => {
            demo::run(&mut out, data.as_deref(), dir.as_deref(), style())?;
            Ok(Exit::Ok)
        }
    }
}

/// A search only reads: its output is written, so the project and index are left to the
/// operating system instead of being closed one map and one file at a time. Closing the last
/// database connection would also checkpoint and delete the write-ahead log, which the next
/// command recreates; together that is a third of a one-query process on a 1 GB project.
fn exit_fast(p: Project, index: quarry::index::Index) {
    std::mem::forget(index);
    std::mem::forget(p);
}

fn query_error(q: &str) -> impl FnOnce(quarry::Error) -> anyhow::Error + '_ {
    move |e| match e {
        quarry::Error::Query(qe) => {
            anyhow::anyhow!(
                "bad query: {}\n  {q}\n  {}^",
                qe.message,
                " ".repeat(qe.column.saturating_sub(1))
            )
        }
        other => other.into(),
    }
}

fn add_config(a: AddArgs) -> Result<AddConfig> {
    let mut attrs = Vec::new();
    for kv in &a.attr {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--attr {kv}: expected KEY=VALUE");
        };
        if k.trim().is_empty() {
            bail!("--attr {kv}: the key is empty");
        }
        attrs.push((k.trim().to_string(), v.trim().to_string()));
    }
    let delimiter = match a.delimiter.as_deref() {
        None => None,
        Some("\\t" | "tab" | "\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter {d}: expected one ASCII character (or \\t)"),
    };
    let delimiter = delimiter.or(matches!(a.format, Some(InFormat::Tsv)).then_some(b'\t'));
    let platform =
        match a.platform.as_deref() {
            None => None,
            Some(p) => Some(Platform::parse(p).with_context(|| {
                format!("--platform {p}: expected x, mastodon, reddit or other")
            })?),
        };
    let columns = a.columns.map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .collect::<Vec<_>>()
    });
    if columns
        .as_ref()
        .is_some_and(|c| c.iter().any(String::is_empty))
    {
        bail!("--columns: a column name is empty");
    }
    let format = a.format.map(|f| match f {
        InFormat::Text => Format::Text,
        InFormat::Markdown => Format::Markdown,
        InFormat::Vtt => Format::Vtt,
        InFormat::Srt => Format::Srt,
        InFormat::Docx => Format::Docx,
        InFormat::Odt => Format::Odt,
        InFormat::Turns => Format::Jsonl,
        InFormat::Csv | InFormat::Tsv => Format::Csv,
        InFormat::Json => Format::Json,
    });
    // Headerless columns are a delimited-posts layout whatever the extension.
    let format = format.or(columns.as_ref().map(|_| Format::Csv));
    Ok(AddConfig {
        paths: a.paths,
        replace: a.replace,
        interviewers: a.interviewer,
        participants: a.participant,
        attrs,
        unlabelled: a.unlabelled.filter(|n| !n.trim().is_empty()),
        allow_duplicates: a.allow_duplicates,
        read: ReadOptions {
            format,
            posts: PostOptions {
                text_col: a.text_col,
                id_col: a.id_col,
                author_col: a.author_col,
                time_col: a.time_col,
                delimiter,
                columns,
                text_field: a.text_field,
                platform,
                author: a.author.filter(|n| !n.trim().is_empty()),
            },
        },
    })
}

/// `codebook check --corpus`: each rule run on every segment of the project. Prints per code
/// and rule the number of segments matched and the corpus words its words catch; returns the
/// number of rules that match nothing or more than `max_share` percent of segments.
fn check_corpus(
    out: &mut dyn Write,
    p: &Project,
    cb: &codebook::Codebook,
    max_share: f64,
) -> Result<usize> {
    let mut analyzer =
        quarry::text::analyzer::Analyzer::new(p.analyzer()).map_err(anyhow::Error::msg)?;
    let mut rules: Vec<(&str, codebook::Rule)> = cb
        .codes
        .iter()
        .flat_map(|c| c.rules.iter().map(move |r| (c.id.as_str(), r.clone())))
        .collect();
    // The scope (not interviewers' turns...) names roles: resolve it against this project.
    for (_, r) in &mut rules {
        search::resolve_fields(p, &mut r.query)?;
    }
    let mut hits = vec![0usize; rules.len()];
    let mut words: std::collections::HashMap<String, std::collections::BTreeMap<String, usize>> =
        Default::default();
    let mut segments = 0usize;
    for d in p.store().documents()? {
        for seg in p.store().segments(&p.store().segment_ids(d.id)?)? {
            segments += 1;
            let toks = analyzer.analyze(&seg.text);
            for t in &toks {
                *words
                    .entry(t.stem.clone())
                    .or_default()
                    .entry(t.lower.clone())
                    .or_default() += 1;
            }
            let speaker = seg.speaker.as_ref().map(|s| s.to_lowercase());
            let target = quarry::text::query::Target {
                document: seg.document_id,
                speaker: speaker.as_deref(),
                tokens: &toks,
                post: seg.post.as_ref(),
            };
            for (k, (_, r)) in rules.iter().enumerate() {
                if r.query.eval(&target).is_some() {
                    hits[k] += 1;
                }
            }
        }
    }
    let (mut index, _) = p.index()?;
    let mut problems = 0;
    let mut last = "";
    for (k, (code, r)) in rules.iter().enumerate() {
        if *code != last {
            writeln!(out, "\n{code}")?;
            last = code;
        }
        let share = 100.0 * hits[k] as f64 / segments.max(1) as f64;
        writeln!(
            out,
            "  {}  {} segment{} ({share:.1}%)",
            print::sanitize(&r.text, true),
            hits[k],
            if hits[k] == 1 { "" } else { "s" }
        )?;
        let (stems, prefixes, exact) = codebook::rule_terms(&r.query);
        let mut caught: Vec<(String, usize)> = Vec::new();
        for s in &stems {
            if let Some(m) = words.get(s) {
                caught.extend(m.iter().map(|(w, n)| (w.clone(), *n)));
            }
        }
        for pre in &prefixes {
            for m in words.values() {
                caught.extend(
                    m.iter()
                        .filter(|(w, _)| w.starts_with(pre.as_str()))
                        .map(|(w, n)| (w.clone(), *n)),
                );
            }
        }
        for e in &exact {
            for m in words.values() {
                if let Some(n) = m.get(e) {
                    caught.push((e.clone(), *n));
                }
            }
        }
        caught.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        caught.dedup();
        if !caught.is_empty() {
            let list: Vec<String> = caught
                .iter()
                .take(12)
                .map(|(w, n)| format!("{w} ({n})"))
                .collect();
            let more = caught.len().saturating_sub(12);
            writeln!(
                out,
                "      catches: {}{}",
                print::sanitize(&list.join(", "), true),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
        let forms = search::other_forms(&mut index, &mut analyzer, &r.query)?;
        print::other_forms(out, &forms, "      ")?;
        if hits[k] == 0 {
            problems += 1;
            writeln!(out, "      warning: matches nothing in this project")?;
        } else if share > max_share {
            problems += 1;
            writeln!(
                out,
                "      warning: matches more than {max_share}% of segments; is it too broad?"
            )?;
        }
    }
    writeln!(
        out,
        "\n{} rules run on {segments} segments; {problems} flagged.",
        rules.len()
    )?;
    Ok(problems)
}

/// Runs `add` with a spinner on stderr when stderr is a terminal.
pub fn add_with_progress(p: &mut Project, cfg: &AddConfig) -> Result<AddReport> {
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("template"),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(b)
    } else {
        None
    };
    let r = p.add(cfg, &mut |docs, segs| {
        if let Some(b) = &bar {
            b.set_message(format!("{docs} documents, {segs} segments"));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(r?)
}

/// Prints what `add` did, problems last (on stderr).
pub fn print_add_report(out: &mut dyn Write, r: &AddReport) -> Result<()> {
    writeln!(
        out,
        "Added {} document{} ({} segments, {} speakers, {:.1} MB of text).",
        r.added,
        if r.added == 1 { "" } else { "s" },
        r.segments,
        r.speakers,
        r.bytes as f64 / 1e6
    )?;
    if !r.replaced.is_empty() {
        writeln!(
            out,
            "Replaced {} changed document(s): {}",
            r.replaced.len(),
            r.replaced.join(", ")
        )?;
    }
    if r.unchanged > 0 {
        writeln!(
            out,
            "Already in the project, unchanged: {} document(s).",
            r.unchanged
        )?;
    }
    for (d, twin) in &r.duplicates {
        writeln!(
            out,
            "Skipped {d}: same content as {twin}, already in the project."
        )?;
    }
    for (file, twin, twin_file, percent) in &r.similar {
        let [file, twin, twin_file] = [file, twin, twin_file].map(|v| print::sanitize(v, true));
        writeln!(
            out,
            "{file} looks like {twin} ({twin_file}) already in the project ({percent}% of the \
             text the same); not added, --allow-duplicates adds it."
        )?;
    }
    if !r.plain.is_empty() {
        writeln!(
            out,
            "Added as plain text (no speaker labels, unlike the rest): {}; `quarry remove NAME` \
             takes one out.",
            print::sanitize(&r.plain.join(", "), true)
        )?;
    }
    if r.posts > 0 || r.posts_known > 0 {
        writeln!(
            out,
            "Posts: {} added, {} already in the project (same id) passed over; attributes of {} author(s) updated.",
            r.posts, r.posts_known, r.authors
        )?;
    }
    for n in &r.notes {
        writeln!(out, "{n}")?;
    }
    if r.ignored > 0 {
        writeln!(
            out,
            "Passed over {} file(s) in folders that are not in a format quarry reads.",
            r.ignored
        )?;
    }
    for g in &r.guesses {
        writeln!(
            out,
            "Guessed: {} is {} ({}); `quarry speakers set` changes it.",
            g.speaker, g.role, g.reason
        )?;
    }
    for d in &r.changed {
        eprintln!("{d}: the file changed since it was added; add it with --replace to replace it");
    }
    for (d, segs) in &r.held {
        let ids: Vec<String> = segs.iter().map(|s| format!("#{s}")).collect();
        eprintln!(
            "{d}: not replaced: the new version lacks {} coded segment(s) ({}), same speaker \
             and text; decisions are never dropped. Undo them, or keep this version.",
            segs.len(),
            ids.join(", ")
        );
    }
    for e in &r.errors {
        eprintln!("{e}");
    }
    if !r.errors.is_empty() {
        let anything = r.added + r.unchanged + r.replaced.len() + r.duplicates.len() > 0;
        eprintln!(
            "{} file(s) or line(s) could not be added{}",
            r.errors.len(),
            if anything { "; the rest were." } else { "." }
        );
    }
    Ok(())
}
