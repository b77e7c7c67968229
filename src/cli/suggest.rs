//! `suggest` and `triage`: apply codebooks to the corpus, and see where their suggestions
//! fall (ops in [`quarry::ops::suggest`]).

use super::{open, Exit, OutFormat, UnitArg};
use crate::cli::print;
use anyhow::Result;
use clap::Args;
use quarry::ops::suggest::{self as op, SuggestOptions, TriageOptions};
use std::io::Write;
use std::path::Path;

#[derive(Args)]
pub struct SuggestArgs {
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
}

pub fn suggest(a: SuggestArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let mut p = open(project)?;
    let opts = SuggestOptions {
        codebooks: a.codebook,
        dry_run: a.dry_run,
        include_interviewer: a.include_interviewer,
        include_reposts: a.include_reposts,
        unit: a.unit.into(),
        rerun: a.rerun,
    };
    let report = op::suggest(&mut p, &opts, &mut |note| {
        eprintln!("note: {}", print::sanitize(note, true));
    })?;
    print::suggest_report(out, &report, a.format.into())?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct MatchArgs {
    /// A built-in codebook (tdf, kta, sm-uptake) or a TOML file (repeatable).
    #[arg(long, value_name = "NAME|FILE", required = true)]
    codebook: Vec<String>,
    /// Output format: JSON lines (the only one).
    #[arg(long, value_enum, default_value_t = MatchFormat::Jsonl)]
    format: MatchFormat,
    /// Also match records whose `role` is interviewer (left out by default, as in suggest).
    #[arg(long)]
    include_interviewer: bool,
    /// Also match reposts (left out by default, as in suggest).
    #[arg(long)]
    include_reposts: bool,
    /// Stemming language, as the project whose suggestions these must equal.
    #[arg(long, value_name = "NAME")]
    language: Option<String>,
    /// Stemmer: snowball (default) or rust-stemmers.
    #[arg(long, value_name = "NAME")]
    stemmer: Option<String>,
    /// The field holding the post id.
    #[arg(long, value_name = "NAME", help_heading = "Records")]
    id_col: Option<String>,
    /// The field holding the author.
    #[arg(long, value_name = "NAME", help_heading = "Records")]
    author_col: Option<String>,
    /// The field holding the time.
    #[arg(long, value_name = "NAME", help_heading = "Records")]
    time_col: Option<String>,
    /// Dotted path of the text, as in data.body.
    #[arg(long, value_name = "PATH", help_heading = "Records")]
    text_field: Option<String>,
    /// The platform of records that do not say (x, mastodon, reddit, other).
    #[arg(long, value_name = "NAME", help_heading = "Records")]
    platform: Option<String>,
}

/// What `match` writes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum MatchFormat {
    /// One JSON object a line.
    Jsonl,
}

/// `quarry match`: stdin to stdout, no project. Records left out are named on stderr.
pub fn matches(a: MatchArgs) -> Result<Exit> {
    let MatchFormat::Jsonl = a.format;
    let opts = op::MatchOptions {
        codebooks: a.codebook,
        include_interviewer: a.include_interviewer,
        include_reposts: a.include_reposts,
        language: a.language,
        stemmer: a.stemmer,
        id_col: a.id_col,
        author_col: a.author_col,
        time_col: a.time_col,
        text_field: a.text_field,
        platform: a.platform,
    };
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 20, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let report = op::match_posts(&opts, &mut input, Path::new("stdin"), &mut out, &mut |e| {
        eprintln!("{}", print::sanitize(&e.to_string(), true));
    })?;
    out.flush()?;
    eprintln!(
        "{} records, {} matches, {} left out",
        report.records, report.matches, report.refused
    );
    Ok(if report.refused > 0 {
        Exit::Problems
    } else {
        Exit::Ok
    })
}

#[derive(Args)]
pub struct TriageArgs {
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
}

pub fn triage(a: TriageArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let t = op::triage(
        &p,
        &TriageOptions {
            codebook: a.codebook,
            code: a.code,
            limit: a
                .limit
                .unwrap_or(if a.format == OutFormat::Table { 10 } else { 0 }),
        },
    )?;
    let labels = print::Labels {
        names: p.code_names([t.codebook.as_str()]),
        ids: a.ids,
    };
    print::triage_labelled(out, &t, &labels, a.format.into())?;
    if a.format != OutFormat::Table && t.cut() {
        eprintln!(
            "note: --limit {} left rows out (documents {} of {}, segments {} of {}, \
             unsuggested {} of {}); without --limit every row is written",
            a.limit.unwrap_or(0),
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
