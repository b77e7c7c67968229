//! Command line: the only module that knows clap. Each command group has a file that parses
//! its flags into an op's options (`quarry::ops`), calls the op and prints its outcome; this
//! file holds the top-level command list and hands each command to its group. Problems with
//! single inputs are listed at the end and give exit code 1; anything that stops the command
//! gives exit code 2.

mod codebooks;
mod corpus;
mod demo;
mod exchange;
mod find;
mod lines;
mod maintain;
mod measure;
pub mod print;
mod review;
mod serve;
mod suggest;
pub mod tui;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use print::Style;
use quarry::project::Project;
use std::io::IsTerminal;
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
    Init(corpus::InitArgs),
    /// Add transcripts and post exports (files or folders, recursive) to the project.
    Add(Box<corpus::AddArgs>),
    /// Search quotes; see README.md for the query syntax.
    Search(find::SearchArgs),
    /// Print a document as a transcript, or one segment in its place (DOC#SEGMENT or #SEGMENT).
    Show(corpus::ShowArgs),
    /// List documents, segments or speakers.
    List(corpus::ListArgs),
    /// Speakers: set a role by hand, or name who speaks in a document's unlabelled paragraphs.
    Speakers {
        #[command(subcommand)]
        cmd: corpus::SpeakersCmd,
    },
    /// Remove documents with their segments, suggestions and index entries.
    Remove(corpus::RemoveArgs),
    /// Apply codebooks: store candidate codes for a person to confirm or reject.
    Suggest(suggest::SuggestArgs),
    /// Apply codebooks to posts as JSON lines on stdin, with no project: a line of JSON per
    /// match on stdout (for corpora past one machine; see README "More than one machine").
    Match(suggest::MatchArgs),
    /// Where a codebook's suggestions fall: documents by density, segments by codes, and
    /// the segments in scope that nothing was suggested for.
    Triage(suggest::TriageArgs),
    /// Review suggestions: accept, reject or change each one; every decision is stored at once.
    Review(Box<review::ReviewArgs>),
    /// Code a segment by hand.
    Code(review::CodeArgs),
    /// Undo your last decision, or a batch (`search --code-hits` prints its number).
    Undo(review::UndoArgs),
    /// Your settings: `quarry config coder NAME` sets who you are when coding.
    Config(maintain::ConfigArgs),
    /// Per code and rule: suggestions made, decided, accepted, precision with its 95%
    /// interval, the evidence words most often rejected; and recall, estimated from
    /// `review --unsuggested`.
    Rules(measure::RulesArgs),
    /// Agreement between two coders (or a coder and the rules): percent, Cohen's kappa,
    /// Krippendorff's alpha, per code and overall, and the disagreements.
    Agreement(measure::AgreementArgs),
    /// Learn from the decisions: fit the ranker that orders `review --order likely` and
    /// predicts each suggestion's chance of being accepted, and show what it learned and
    /// how well it predicts decisions it was not fitted on.
    Learn(measure::LearnArgs),
    /// What no code covers: the distinctive words and phrases of the in-scope segments no
    /// rule or coder reached, grouped by the segments they share, with example quotes; a
    /// start for inductive codes (`quarry codebook new NAME --from-cluster N`).
    Discover(measure::DiscoverArgs),
    /// Documents, segments and suggestions pending, accepted and rejected per code and coder.
    Status(review::StatusArgs),
    /// Export coded quotes (CSV, xlsx, Markdown for a paper, JSON) or a REFI-QDA project.
    Export {
        #[command(subcommand)]
        cmd: exchange::ExportCmd,
    },
    /// Import another tool's REFI-QDA project (.qdpx): documents, codes and codings.
    Import {
        #[command(subcommand)]
        cmd: exchange::ImportCmd,
    },
    /// Codebooks: list, show and explain them.
    Codebook {
        #[command(subcommand)]
        cmd: codebooks::CodebookCmd,
    },
    /// Attributes: import them from a CSV.
    Attrs {
        #[command(subcommand)]
        cmd: corpus::AttrsCmd,
    },
    /// Rebuild the search index from the project database.
    Reindex,
    /// Verify the project: the database file, every segment's offsets, every decision's
    /// code, and the index against the database. Exits 1 when anything is wrong.
    Check(maintain::CheckArgs),
    /// Copy the project, consistently even while others work in it, into a new folder
    /// (itself a project; `quarry restore` brings it back).
    Backup(maintain::BackupArgs),
    /// Restore a backup made by `quarry backup`: into a new folder, or over a project with
    /// --replace (whose database is first kept beside it). The index is rebuilt.
    Restore(maintain::RestoreArgs),
    /// A report of the study in one file: corpus, codes with precision, codes by attribute
    /// and by code, coverage per document, agreement between coders, rules by precision.
    Report(exchange::ReportArgs),
    /// Run the whole pipeline on the bundled sample study.
    Demo(demo::DemoArgs),
    /// Open the project in a browser: documents, transcripts and search (127.0.0.1 only).
    Serve(serve::ServeArgs),
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
    let out = &mut out;
    match cli.command {
        Command::Init(a) => corpus::init(a, out),
        Command::Add(a) => corpus::add(*a, project, out),
        Command::Search(a) => find::search(a, project, out),
        Command::Show(a) => corpus::show(a, project, out),
        Command::List(a) => corpus::list(a, project, out),
        Command::Speakers { cmd } => corpus::speakers(cmd, project, out),
        Command::Remove(a) => corpus::remove(a, project, out),
        Command::Suggest(a) => suggest::suggest(a, project, out),
        Command::Match(a) => suggest::matches(a),
        Command::Triage(a) => suggest::triage(a, project, out),
        Command::Review(a) => review::review(*a, project, out),
        Command::Code(a) => review::code(a, project, out),
        Command::Undo(a) => review::undo(a, project, out),
        Command::Config(a) => maintain::config(a, out),
        Command::Rules(a) => measure::rules(a, project, out),
        Command::Agreement(a) => measure::agreement(a, project, out),
        Command::Learn(a) => measure::learn(a, project, out),
        Command::Discover(a) => measure::discover(a, project, out),
        Command::Status(a) => review::status(a, project, out),
        Command::Export { cmd } => exchange::export(cmd, project, out),
        Command::Import { cmd } => exchange::import(cmd, project, out),
        Command::Codebook { cmd } => codebooks::run(cmd, project, out),
        Command::Attrs { cmd } => corpus::attrs(cmd, project, out),
        Command::Reindex => corpus::reindex(project, out),
        Command::Check(a) => maintain::check(a, project, out),
        Command::Backup(a) => maintain::backup(a, project, out),
        Command::Restore(a) => maintain::restore(a, project, out),
        Command::Report(a) => exchange::report(a, project, out),
        Command::Demo(a) => demo::command(a, out),
        Command::Serve(a) => serve::command(a, project, out),
    }
}

/// Opens the project: `--project` (or QUARRY_PROJECT), else the nearest one from here up.
fn open(cli_project: Option<&Path>) -> Result<Project> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = Project::find(cli_project, &cwd)?;
    Project::open(&root).with_context(|| format!("opening the project in {}", root.display()))
}

/// Colour when stdout is a terminal and NO_COLOR is not set.
fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// `--unit`: what a suggestion or a quote stands for.
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

/// `--format` of listings: a table for people, or data.
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
