//! `quarry serve`: the project in a browser (see `crate::web`).

use super::Exit;
use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::Path;

/// Flags of `quarry serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Do not open a browser; only print the address.
    #[arg(long)]
    no_open: bool,
}

/// Serves the project until Ctrl-C.
pub fn command(a: ServeArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = quarry::project::Project::find(project, &cwd)?;
    // Opened once here so that a folder that is not a project fails now, not in the browser.
    quarry::project::Project::open(&root)
        .with_context(|| format!("opening the project in {}", root.display()))?;
    let opts = crate::web::ServeOptions {
        root,
        port: a.port,
        open: !a.no_open,
    };
    crate::web::serve(&opts, out)?;
    Ok(Exit::Ok)
}
