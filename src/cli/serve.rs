//! `quarry serve`: the project in a browser (see `crate::web`).

use super::Exit;
use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::Path;

/// Flags of `quarry serve` (and of `quarry demo --serve`).
#[derive(Args)]
pub struct ServeArgs {
    /// The port (0: any free port).
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Do not open a browser; only print the address.
    #[arg(long)]
    no_open: bool,
    /// Who codes in a browser that has not said (each browser can set its own).
    #[arg(long)]
    coder: Option<String>,
    /// Listen on this address instead of 127.0.0.1 (e.g. 0.0.0.0): anyone on the network
    /// with the printed address can then read and code the study.
    #[arg(long, value_name = "ADDRESS")]
    bind: Option<std::net::IpAddr>,
}

/// What `quarry serve`'s flags ask for, for a project at `root`.
pub fn options(a: &ServeArgs, root: std::path::PathBuf) -> crate::web::ServeOptions {
    let mut o = crate::web::ServeOptions::local(root, a.port);
    if let Some(ip) = a.bind {
        o.bind = ip;
    }
    o.open = !a.no_open;
    o.coder = a.coder.clone();
    o
}

/// Serves the project until Ctrl-C.
pub fn command(a: ServeArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = quarry::project::Project::find(project, &cwd)?;
    // Opened once here so that a folder that is not a project fails now, not in the browser.
    quarry::project::Project::open(&root)
        .with_context(|| format!("opening the project in {}", root.display()))?;
    let opts = options(&a, root);
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: --bind {} lets other machines reach this study; only the printed address \
             (with its key) gets in, but the traffic is not encrypted",
            opts.bind
        );
    }
    crate::web::serve(&opts, out)?;
    Ok(Exit::Ok)
}
