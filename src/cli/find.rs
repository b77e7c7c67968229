//! `search`: quotes for a query or a code's rules, as a table or data, with the corpus words
//! the query's words miss; `--count` only counts, `--code-hits` codes every hit (ops in
//! [`quarry::ops::find`]).

use super::{open, style, Exit, OutFormat};
use crate::cli::print;
use anyhow::Result;
use clap::Args;
use quarry::ops::find::{self as op, SearchOptions};
use quarry::project::Project;
use std::io::Write;
use std::path::Path;

#[derive(Args)]
pub struct SearchArgs {
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

pub fn search(a: SearchArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let opts = SearchOptions {
        words: a.query,
        code: a.code,
        codebook: a.codebook,
        context: a.context,
        limit: a
            .limit
            .unwrap_or(if a.format == OutFormat::Table { 20 } else { 0 }),
        offset: a.offset,
        rank: a.rank,
    };
    let cfg = op::prepare(&opts, || open(project).ok())?;
    let query = &cfg.query;
    let p = open(project)?;
    let (mut index, rebuilt) = p.index()?;
    if rebuilt {
        eprintln!("note: the search index was out of date and has been rebuilt");
    }
    if a.count {
        let n = op::count(&p, &mut index, &cfg).map_err(query_error(query))?;
        writeln!(out, "{n}")?;
        out.flush()?;
        exit_fast(p, index);
        return Ok(Exit::Ok);
    }
    let r = op::search(&p, &mut index, &cfg).map_err(query_error(query))?;
    print::hits(out, &r, a.format.into(), style())?;
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
    if let Some(forms) = op::other_forms(&p, &mut index, &cfg)? {
        if a.format == OutFormat::Table {
            print::other_forms(out, &forms, "")?;
        } else {
            print::other_forms(&mut std::io::stderr(), &forms, "note: ")?;
        }
    }
    if let Some(code) = &a.code_hits {
        let mut p = p;
        let c = op::code_hits(&mut p, &cfg, &r.hits, code, a.coder.as_deref())?;
        writeln!(
            out,
            "Coded {} hits {code} as {}: batch {} (`quarry undo {}` reverts it).",
            c.decisions, c.coder, c.batch, c.batch
        )?;
        return Ok(Exit::Ok);
    }
    out.flush()?;
    exit_fast(p, index);
    Ok(Exit::Ok)
}

/// A search only reads: its output is written, so the project and index are left to the
/// operating system instead of being closed one map and one file at a time. Closing the last
/// database connection would also checkpoint and delete the write-ahead log, which the next
/// command recreates; together that is a third of a one-query process on a 1 GB project.
fn exit_fast(p: Project, index: quarry::index::Index) {
    std::mem::forget(index);
    std::mem::forget(p);
}

/// A query that does not parse, shown with a caret under the column where it went wrong.
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
