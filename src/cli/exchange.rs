//! `export quotes|refi`, `import refi` and `report`: the work out to papers, spreadsheets and
//! other tools, and in from them (ops in [`quarry::ops::exchange`]).

use super::{open, Exit, SummaryFormat, UnitArg};
use crate::cli::print;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quarry::ops::exchange as op;
use quarry::report::quotes::{QuoteFormat, QuotesConfig, Status};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ExportCmd {
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
pub enum ImportCmd {
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
    /// A sample of a run made past this machine (contrib/spark/quarry_match.py's output
    /// folder): the sampled posts are added, their codebooks applied, and the run's counts
    /// kept, so that the report can estimate the true matches of the whole run.
    Matches {
        /// The run's output folder (or one file of its posts/ lines).
        source: PathBuf,
        /// Posts to sample per code (per code and term with --per-term).
        #[arg(long, value_name = "N", default_value_t = 50)]
        sample: usize,
        /// Sample per code and the first term that found the post, so every term is seen.
        #[arg(long)]
        per_term: bool,
        /// Instead of a sample, every match of this code and its descendants (repeatable).
        #[arg(long, value_name = "ID", conflicts_with_all = ["per_term"])]
        code: Vec<String>,
        /// Seed of the sample: the same seed draws the same posts.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Codebooks to apply (default: the run's, where this machine can load them).
        #[arg(long, value_name = "NAME|FILE")]
        codebook: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusArg {
    /// Codes people accepted or applied.
    Accepted,
    /// Suggestions nobody decided on.
    Pending,
    /// Both.
    All,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum QuoteFormatArg {
    /// CSV.
    Csv,
    /// Excel workbook.
    Xlsx,
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

pub fn export(cmd: ExportCmd, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    match cmd {
        ExportCmd::Quotes {
            codebook,
            code,
            query,
            status,
            coder,
            cite,
            unit,
            format,
            out: file,
        } => {
            let format = op::quote_format(
                format.map(|f| match f {
                    QuoteFormatArg::Csv => QuoteFormat::Csv,
                    QuoteFormatArg::Xlsx => QuoteFormat::Xlsx,
                    QuoteFormatArg::Md => QuoteFormat::Markdown,
                    QuoteFormatArg::Json => QuoteFormat::Json,
                }),
                &file,
            )?;
            let p = open(project)?;
            let cfg = QuotesConfig {
                codebook,
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
            };
            let sum = op::export_quotes(&p, &cfg, format, &file)?;
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
        }
        ExportCmd::Refi {
            codebook,
            format,
            out: file,
        } => {
            let p = open(project)?;
            let r = op::export_refi(&p, codebook.as_deref(), &file)?;
            print::refi_export(out, &r, &file, format.into())?;
        }
    }
    Ok(Exit::Ok)
}

pub fn import(cmd: ImportCmd, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let (file, coder, format) = match cmd {
        ImportCmd::Refi {
            file,
            coder,
            format,
        } => (file, coder, format),
        ImportCmd::Matches {
            source,
            sample,
            per_term,
            code,
            seed,
            codebook,
        } => {
            let opts = op::ImportMatchesOptions {
                sample: quarry::suggest::sample::SampleOptions {
                    source,
                    size: sample,
                    per_term,
                    codes: code,
                    seed,
                },
                codebooks: codebook,
            };
            return import_matches(&opts, project, out);
        }
    };
    let mut p = open(project)?;
    let r = op::import_refi(&mut p, &file, coder)?;
    print::refi_import(out, &r, &file, format.into())?;
    // A file that could not be read whole is "some inputs had problems".
    Ok(if r.problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

fn import_matches(
    opts: &op::ImportMatchesOptions,
    project: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Exit> {
    let mut p = open(project)?;
    let r = op::import_matches(&mut p, opts, &mut |_, _| {})?;
    for problem in &r.problems {
        eprintln!("{}", print::sanitize(problem, true));
    }
    super::corpus::print_add_report(out, &r.add)?;
    writeln!(
        out,
        "Sample {}: {} records of {} matched posts read, in {}.",
        r.sample,
        r.kept,
        r.posts_read,
        print::sanitize(&r.file.display().to_string(), true)
    )?;
    writeln!(out, "{:>9} {:>8}  stratum", "run", "sampled")?;
    for s in &r.strata {
        let term = if s.term.is_empty() {
            String::new()
        } else {
            format!("  {}", s.term)
        };
        writeln!(
            out,
            "{:>9} {:>8}  {}{}",
            s.matches,
            s.sampled,
            print::sanitize(&s.code, true),
            print::sanitize(&term, true)
        )?;
    }
    if let Some(s) = &r.suggested {
        print::suggest_report(out, s, print::Format::Table)?;
    }
    for n in &r.not_loaded {
        writeln!(
            out,
            "note: the run's codebook {} cannot be loaded here; apply it with \
             `quarry suggest --codebook FILE`",
            print::sanitize(n, true)
        )?;
    }
    writeln!(
        out,
        "Next: quarry review; `quarry report` estimates each code's true matches in the run."
    )?;
    Ok(if r.problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

#[derive(Args)]
pub struct ReportArgs {
    /// The file to write: .html (one self-contained page), .md or .json.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Format (default: from the file's extension; HTML for any other).
    #[arg(long, value_parser = ["html", "md", "json"])]
    format: Option<String>,
    /// Only this codebook (default: every codebook with suggestions or decisions).
    #[arg(long, value_name = "NAME")]
    codebook: Option<String>,
}

pub fn report(a: ReportArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let format = op::report_format(a.format.as_deref(), &a.out);
    let p = open(project)?;
    let r = op::report(&p, a.codebook.as_deref(), format, &a.out)?;
    writeln!(
        out,
        "Wrote the report ({} documents, {} codebooks) to {}.",
        r.corpus.documents,
        r.codebooks.len(),
        a.out.display()
    )?;
    Ok(Exit::Ok)
}
