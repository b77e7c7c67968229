//! `check`, `backup`, `restore` and `config`: looking after a project and the user's
//! settings (ops in [`quarry::ops::maintain`]).

use super::{open, Exit, SummaryFormat};
use crate::cli::print;
use anyhow::{Context, Result};
use clap::Args;
use quarry::ops::maintain::{self as op, Setting};
use quarry::project::check::CheckConfig;
use quarry::project::Project;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct CheckArgs {
    /// Rebuild what is derived (the index) when it disagrees; decisions are never touched.
    #[arg(long)]
    repair: bool,
    /// Segments whose words are looked up in the index (0: all).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    sample: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    format: SummaryFormat,
}

pub fn check(a: CheckArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let r = op::check(
        &p,
        &CheckConfig {
            sample: a.sample,
            repair: a.repair,
        },
    )?;
    print::check(out, &r, a.format.into())?;
    Ok(if r.ok() { Exit::Ok } else { Exit::Problems })
}

#[derive(Args)]
pub struct BackupArgs {
    /// The folder to create (it must not exist, or be empty).
    out: PathBuf,
}

pub fn backup(a: BackupArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let dir = a.out;
    let c = op::backup(&p, &dir)?;
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

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup folder.
    backup: PathBuf,
    /// Where to restore (default: the current project).
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
    /// Replace the project that is there.
    #[arg(long)]
    replace: bool,
}

pub fn restore(a: RestoreArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let to = match a.to {
        Some(t) => t,
        None => {
            let cwd = std::env::current_dir().context("reading the current folder")?;
            Project::find(project, &cwd).context(
                "no project here to restore into: give --to DIR (a new folder, or a \
                 project with --replace)",
            )?
        }
    };
    let c = op::restore(&a.backup, &to, a.replace)?;
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

#[derive(Args)]
pub struct ConfigArgs {
    /// Setting (coder).
    key: Option<String>,
    /// New value.
    value: Option<String>,
}

pub fn config(a: ConfigArgs, out: &mut dyn Write) -> Result<Exit> {
    match op::config(a.key.as_deref(), a.value)? {
        Setting::Set { value, path } => writeln!(out, "coder = {value} (in {})", path.display())?,
        Setting::Coder(Some(c)) => writeln!(out, "coder = {c}")?,
        Setting::Coder(None) => writeln!(out, "coder is not set")?,
    }
    Ok(Exit::Ok)
}
