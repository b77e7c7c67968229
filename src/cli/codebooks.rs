//! `codebook list|show|check|import|export|new|tune|explain`: codebooks read, linted (with
//! `--corpus`, run on the project), converted and tuned (ops in [`quarry::ops::codebooks`],
//! tuning in [`quarry::ops::measure`]).

use super::{open, Exit, OutFormat};
use crate::cli::print;
use anyhow::Result;
use clap::Subcommand;
use quarry::ops::codebooks::{self as op, CorpusCheck, Flag};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum CodebookCmd {
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
        /// Instead of the template, draft codes from these clusters of `quarry discover`
        /// (run with the same --codebook, --top and --min-segments).
        #[arg(long, value_name = "N,M", value_delimiter = ',')]
        from_cluster: Vec<usize>,
        /// With --from-cluster: the codebook discover looked at.
        #[arg(long, value_name = "NAME", requires = "from_cluster")]
        codebook: Option<String>,
        /// With --from-cluster: discover's --top.
        #[arg(
            long,
            default_value_t = 30,
            value_name = "N",
            requires = "from_cluster"
        )]
        top: usize,
        /// With --from-cluster: discover's --min-segments.
        #[arg(long, default_value_t = 3, value_name = "N", requires = "from_cluster")]
        min_segments: usize,
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
    /// Write a new version of a codebook with the terms its rules miss: words and two-word
    /// phrases over-represented in the segments people confirmed for a code (accepted, or
    /// coded by hand in `review --unsuggested`) against the other decided segments, each
    /// added as a rule with its evidence in a comment. Never edits the original.
    Propose {
        /// The codebook: its id in this project, a built-in name or its TOML file.
        codebook: String,
        /// Where to write the new version.
        #[arg(long, short = 'o', value_name = "FILE.toml")]
        out: PathBuf,
        /// Terms proposed per code, at most.
        #[arg(long, default_value_t = 5, value_name = "N")]
        per_code: usize,
        /// Confirmed segments a term must be in.
        #[arg(long, default_value_t = 3, value_name = "N")]
        min_confirmed: usize,
        /// The lowest precision so far a proposed term may have.
        #[arg(long, default_value_t = 0.5, value_name = "P")]
        min_precision: f64,
        /// Only this coder's decisions (default: everyone's).
        #[arg(long)]
        coder: Option<String>,
        /// Replace --out if it exists (never the codebook it starts from).
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

pub fn run(cmd: CodebookCmd, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let lookup = || open(project).ok();
    match cmd {
        CodebookCmd::List => {
            for (name, cb) in op::built_in()? {
                writeln!(
                    out,
                    "{name:10} {} ({} codes; {})",
                    cb.name,
                    cb.codes.len(),
                    cb.source
                )?;
            }
            if let Ok(p) = open(project) {
                for (id, origin) in op::in_project(&p)? {
                    writeln!(out, "{id:10} in this project: {origin}")?;
                }
            }
        }
        CodebookCmd::Check {
            codebook: name,
            corpus,
            max_share,
        } => return check(&name, corpus, max_share, project, out),
        CodebookCmd::Import { file, out: dest } => {
            let w = op::import_qdc(&file, dest)?;
            writeln!(
                out,
                "Wrote {} ({} codes, no rules yet: add them, then `quarry codebook check {}`).",
                w.path.display(),
                w.codes,
                w.path.display()
            )?;
        }
        CodebookCmd::Export {
            codebook: name,
            format,
            out: dest,
        } => {
            let (dest, codes) = op::export_qdc(&name, &format, dest, lookup)?;
            writeln!(out, "Wrote {} ({codes} codes).", dest.display())?;
        }
        CodebookCmd::New {
            name,
            from_cluster,
            codebook,
            top,
            min_segments,
        } => {
            let file = if from_cluster.is_empty() {
                op::new(&name)?
            } else {
                let p = open(project)?;
                let cfg = quarry::review::discover::DiscoverConfig { top, min_segments };
                quarry::ops::review::draft_codebook(
                    &p,
                    &name,
                    codebook.as_deref(),
                    &cfg,
                    &from_cluster,
                )?
            };
            writeln!(
                out,
                "Wrote {}. Check it with `quarry codebook show {}`.",
                file.display(),
                file.display()
            )?;
        }
        CodebookCmd::Show { codebook: name } => {
            let cb = op::find(&name, lookup)?;
            print::codebook(out, &cb)?;
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
            let t = quarry::ops::measure::tune(&p, &name, &cfg, &dest, force)?;
            print::tuned(
                out,
                &t.tuned,
                &cfg,
                t.wrote.then_some(dest.as_path()),
                format.into(),
            )?;
        }
        CodebookCmd::Propose {
            codebook: name,
            out: dest,
            per_code,
            min_confirmed,
            min_precision,
            coder,
            force,
            format,
        } => {
            let p = open(project)?;
            let cfg = quarry::review::propose::ProposeConfig {
                per_code,
                min_confirmed,
                min_precision,
                coder,
            };
            let proposed = quarry::review::propose::propose(&p, &name, &cfg)?;
            let wrote = !proposed.proposals.is_empty();
            if wrote {
                proposed.write(&dest, force)?;
            }
            print::proposed(
                out,
                &proposed,
                wrote.then_some(dest.as_path()),
                format.into(),
            )?;
        }
        CodebookCmd::Explain {
            codebook: name,
            code,
        } => explain(&name, code.as_deref(), project, out)?,
    }
    Ok(Exit::Ok)
}

/// `codebook check`: the lint, then with `corpus` each rule run on the project.
fn check(
    name: &str,
    corpus: bool,
    max_share: f64,
    project: Option<&Path>,
    out: &mut dyn Write,
) -> Result<Exit> {
    let cb = op::find(name, || open(project).ok())?;
    let lint = op::lint(&cb);
    writeln!(
        out,
        "{}: {} codes, {} rules; syntax, ids and references are fine.",
        cb.id, lint.codes, lint.rules
    )?;
    for f in &lint.findings {
        writeln!(out, "warning: {}: {}", f.code, f.message)?;
    }
    let mut problems = lint.findings.len();
    if corpus {
        let p = open(project)?;
        let c = op::check_corpus(&p, &cb, max_share)?;
        print_corpus_check(out, &c, max_share)?;
        problems += c.flagged;
    }
    Ok(if problems == 0 {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

/// Prints `codebook check --corpus`: per code and rule the number of segments matched and the
/// corpus words its words catch, and the rules flagged.
fn print_corpus_check(out: &mut dyn Write, c: &CorpusCheck, max_share: f64) -> Result<()> {
    let mut last = "";
    for r in &c.rules {
        if r.code != last {
            writeln!(out, "\n{}", r.code)?;
            last = &r.code;
        }
        writeln!(
            out,
            "  {}  {} segment{} ({:.1}%)",
            print::sanitize(&r.rule, true),
            r.segments,
            if r.segments == 1 { "" } else { "s" },
            r.share
        )?;
        if !r.catches.is_empty() {
            let list: Vec<String> = r
                .catches
                .iter()
                .take(12)
                .map(|(w, n)| format!("{w} ({n})"))
                .collect();
            let more = r.catches.len().saturating_sub(12);
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
        print::other_forms(out, &r.other_forms, "      ")?;
        match r.flag {
            Some(Flag::Nothing) => writeln!(out, "      warning: matches nothing in this project")?,
            Some(Flag::TooBroad) => writeln!(
                out,
                "      warning: matches more than {max_share}% of segments; is it too broad?"
            )?,
            None => {}
        }
    }
    writeln!(
        out,
        "\n{} rules run on {} segments; {} flagged.",
        c.rules.len(),
        c.segments,
        c.flagged
    )?;
    Ok(())
}

/// `codebook explain`: each code's rules as the search that finds what they match.
fn explain(
    name: &str,
    code: Option<&str>,
    project: Option<&Path>,
    out: &mut dyn Write,
) -> Result<()> {
    let cb = op::find(name, || open(project).ok())?;
    for e in op::explain(&cb, code)? {
        let Some(q) = &e.query else {
            writeln!(out, "{}\n  (no rules here or below)\n", e.code)?;
            continue;
        };
        writeln!(
            out,
            "{}\n  quarry search --codebook {name} --code {}\n  is: ({}){}",
            e.code,
            e.code,
            print::sanitize(q, true),
            e.scope
        )?;
        if !e.masks.is_empty() {
            writeln!(
                out,
                "  with these phrases masked: {}",
                print::sanitize(&e.masks.join(" | "), true)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
