//! `quarry serve`: the project in a browser, on 127.0.0.1 only, behind a random token.
//!
//! A thin front end, like the command line: every page asks `quarry::ops` (or the library
//! beside it) for plain data and renders it as HTML with maud, which escapes every piece of
//! user text. Each request opens the project afresh on a blocking thread (SQLite in WAL mode
//! lets a `serve`, a terminal review and a second `serve` work on one project at once).
//! [`guard`] keeps everyone else out; [`pages`] holds the pages, [`layout`] the page shell.

mod guard;
mod layout;
mod pages;

use anyhow::{Context, Result};
use axum::routing::get;
use axum::Router;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// How `quarry serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The project's folder.
    pub root: PathBuf,
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// Open the default browser at the address.
    pub open: bool,
}

/// What every handler shares: where the project is and the secret that lets a browser in.
pub(crate) struct App {
    /// The project's folder.
    pub root: PathBuf,
    /// The token of this run (64 hex digits).
    pub token: String,
    /// The port the server listens on (for the Host check and the cookie's name).
    pub port: u16,
}

/// Serves the project until Ctrl-C. Prints the address (with its token) first, on its own
/// line, so that a script or a test can read it.
pub fn serve(opts: &ServeOptions, out: &mut dyn std::io::Write) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("starting the web server")?;
    rt.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} (is another program using the port? try --port)"))?;
        let port = listener.local_addr()?.port();
        let app = Arc::new(App {
            root: opts.root.clone(),
            token: guard::new_token()?,
            port,
        });
        let url = format!("http://127.0.0.1:{port}/?token={}", app.token);
        writeln!(out, "{url}")?;
        writeln!(
            out,
            "Serving {} on 127.0.0.1 only; open the address above (it holds the key). Ctrl-C stops.",
            opts.root.display()
        )?;
        out.flush()?;
        if opts.open {
            open_browser(&url);
        }
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")?;
        Ok(())
    })
}

/// Every route, behind the guard.
fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/documents", get(pages::documents))
        .route("/document", get(pages::transcript))
        .route("/search", get(pages::search))
        .route("/app.css", get(layout::stylesheet))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::check,
        ))
        .with_state(app)
}

/// Asks the desktop to open `url`; says nothing when it cannot (the address is printed).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
