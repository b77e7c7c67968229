//! `review` (full-screen in a terminal, line by line otherwise, or as a sheet with `review
//! export|import`), `code`, `undo` and `status`: a person's decisions (ops in
//! [`quarry::ops::review`]).

use super::{lines, open, Exit, OutFormat, UnitArg};
use crate::cli::print;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quarry::ops::review::{self as op, CodeOptions, Undone};
use quarry::review::{Filter, Order};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReviewArgs {
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
    /// With --unsuggested: how many of the sample to draw among the segments most like
    /// those confirmed for a code (where the rules' misses most likely are; they feed
    /// `codebook propose`); the rest are random, and only those estimate recall. Default:
    /// half the sample.
    #[arg(long, value_name = "N", requires = "unsuggested")]
    targeted: Option<usize>,
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
    /// The filter as given; `op::filter` resolves its names.
    fn options(&self) -> Filter {
        Filter {
            codebook: self.codebook.clone(),
            code: self.code.clone(),
            document: self.document.clone(),
            speaker: self.speaker.clone(),
            attrs: self.attr.clone(),
            order: match self.order {
                OrderArg::Score => Order::Score,
                OrderArg::Document => Order::Document,
                OrderArg::Random => Order::Random,
                OrderArg::Likely => Order::Likely,
                OrderArg::Uncertain => Order::Uncertain,
            },
            seed: self.seed,
            sample: self.sample,
            per_term: self.per_term,
            min_fired: self.min_fired,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OrderArg {
    /// Highest score first.
    Score,
    /// Document order.
    Document,
    /// Shuffled (with --seed).
    Random,
    /// Most likely to be accepted first, as learned from the decisions (`quarry learn`).
    Likely,
    /// Closest to even odds first: the decisions that teach the ranker most.
    Uncertain,
}

pub fn review(a: ReviewArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    match a.action {
        Some(ReviewAction::Export {
            queue,
            out: file,
            unit,
        }) => return export_sheet(&queue, &file, unit, project, out),
        Some(ReviewAction::Import { file, coder }) => {
            return import_sheet(&file, coder.as_deref(), project, out)
        }
        None => {}
    }
    let coder = op::coder(a.queue.coder.as_deref())?;
    let mut p = open(project)?;
    let filter = op::filter(&p, &a.queue.options())?;
    if a.unsuggested {
        let cb = op::unsuggested_codebook(&p, &filter)?;
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let sample = a.queue.sample.expect("clap requires it");
        lines::run_unsuggested(
            &mut p,
            &coder,
            &cb,
            sample,
            a.targeted.unwrap_or(sample / 2),
            a.queue.seed,
            &mut input,
            out,
        )?;
        return Ok(Exit::Ok);
    }
    let mut queue = op::queue(&p, &coder, &filter)?;
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
        let s = crate::cli::tui::run(&mut p, &coder, &mut queue)?;
        writeln!(
            out,
            "{} decided, {} skipped, {} undone; {} left.",
            s.decided, s.skipped, s.undone, s.left
        )?;
    } else {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        lines::run_lines(&mut p, &coder, &mut queue, &mut input, out)?;
    }
    Ok(Exit::Ok)
}

/// `review export`: the undecided suggestions to a sheet.
fn export_sheet(
    queue: &QueueArgs,
    file: &Path,
    unit: UnitArg,
    project: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Exit> {
    let coder = op::coder(queue.coder.as_deref())?;
    let p = open(project)?;
    let unit = unit.into();
    let w = op::export_sheet(&p, &coder, &queue.options(), unit, file)?;
    writeln!(
        out,
        "Wrote {} suggestions for {coder} to {} (quotes: {}); fill in the \
         decision column, then `quarry review import {}`.",
        w.rows,
        file.display(),
        print::unit_note(unit, w.rows, w.whole_turns),
        file.display()
    )?;
    Ok(Exit::Ok)
}

/// `review import`: the decisions filled in a sheet.
fn import_sheet(
    file: &Path,
    coder: Option<&str>,
    project: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Exit> {
    let coder = op::coder(coder)?;
    let mut p = open(project)?;
    let r = op::import_sheet(&mut p, &coder, file)?;
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
    Ok(if r.problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

#[derive(Args)]
pub struct CodeArgs {
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
}

pub fn code(a: CodeArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let coder = op::coder(a.coder.as_deref())?;
    let mut p = open(project)?;
    let opts = CodeOptions {
        segment: a.segment,
        code: a.code,
        codebook: a.codebook,
        memo: a.memo,
    };
    let c = op::code(&mut p, &coder, &opts)?;
    writeln!(
        out,
        "#{} coded {} ({}) by {coder}; decision {}.",
        opts.segment, opts.code, c.codebook, c.decision
    )?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct UndoArgs {
    /// Batch number.
    batch: Option<i64>,
    /// Whose decision.
    #[arg(long)]
    coder: Option<String>,
}

pub fn undo(a: UndoArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let coder = op::coder(a.coder.as_deref())?;
    let mut p = open(project)?;
    match op::undo(&mut p, &coder, a.batch)? {
        Undone::Batch { batch, decisions } => {
            writeln!(out, "Undid {decisions} decisions of batch {batch}.")?
        }
        Undone::Last(d) => writeln!(out, "Undid {}.", quarry::review::describe(&d))?,
    }
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct StatusArgs {
    /// Show code ids instead of code names.
    #[arg(long)]
    ids: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
}

pub fn status(a: StatusArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let st = op::status(&p)?;
    let labels = print::Labels {
        names: p.code_names(st.codes.iter().map(|c| c.codebook.as_str())),
        ids: a.ids,
    };
    print::status(out, &st, &labels, a.format.into())?;
    Ok(Exit::Ok)
}
