//! `rules`, `agreement` and `learn`: how precise the codebook's rules are, how far coders
//! agree, and what the ranker learned from the decisions (ops in [`quarry::ops::measure`]
//! and [`quarry::ops::review::learn`]; `codebook tune` is in [`super::codebooks`]).

use super::{open, Exit, OutFormat};
use crate::cli::print;
use anyhow::Result;
use clap::Args;
use quarry::ops::measure::{self as op, Coders, RulesOptions};
use std::io::Write;
use std::path::Path;

#[derive(Args)]
pub struct RulesArgs {
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
}

pub fn rules(a: RulesArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let width = a.width;
    let r = op::rules(
        &p,
        &RulesOptions {
            codebook: a.codebook,
            coder: a.coder,
            min_decided: a.min_decided,
            width,
        },
    )?;
    if a.worst {
        print::worst_terms(out, &r.worst_terms(), a.format.into())?;
        if matches!(a.format, OutFormat::Table) {
            writeln!(
                out,
                "\nalone: accepted suggestions no other term of the code found (what dropping \
                 the term would cost). more: decisions the term still needs for a 95% \
                 interval narrower than {width} if its precision holds \
                 (`quarry review --sample N --per-term` draws them)."
            )?;
        }
    } else {
        print::rules(out, &r, a.format.into())?;
    }
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct AgreementArgs {
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
}

pub fn agreement(a: AgreementArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let coders = Coders::new(&a.coders, a.rules)?;
    let p = open(project)?;
    let r = op::agreement(&p, &coders, a.codebook.as_deref(), a.code.as_deref())?;
    let labels = print::Labels {
        names: p.code_names([r.codebook.as_str()]),
        ids: a.ids,
    };
    print::agreement(out, &r.report, &labels, a.format.into())?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct LearnArgs {
    /// Only this codebook (default: every codebook with suggestions).
    #[arg(long, value_name = "NAME")]
    codebook: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
}

pub fn learn(a: LearnArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let learned = quarry::ops::review::learn(&p, a.codebook.as_deref())?;
    print::learned(out, &learned, a.format.into())?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct DiscoverArgs {
    /// The codebook (default: the only one with suggestions).
    #[arg(long, value_name = "NAME")]
    codebook: Option<String>,
    /// Distinctive terms to group.
    #[arg(long, default_value_t = 30, value_name = "N")]
    top: usize,
    /// Uncovered segments a term must be in.
    #[arg(long, default_value_t = 3, value_name = "N")]
    min_segments: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
}

impl DiscoverArgs {
    pub fn config(&self) -> quarry::review::discover::DiscoverConfig {
        quarry::review::discover::DiscoverConfig {
            top: self.top,
            min_segments: self.min_segments,
        }
    }
}

pub fn discover(a: DiscoverArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let d = quarry::ops::review::discover(&p, a.codebook.as_deref(), &a.config())?;
    print::discovered(out, &d, a.top, a.format.into())?;
    Ok(Exit::Ok)
}
