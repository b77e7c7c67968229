//! `quarry serve`: the project in a browser, on 127.0.0.1 only, behind a random token.
//!
//! A thin front end, like the command line: every page asks `quarry::ops` (or the library
//! beside it) for plain data and renders it as HTML with maud, which escapes every piece of
//! user text. Each request opens the project afresh on a blocking thread (SQLite in WAL mode
//! lets a `serve`, a terminal review and a second `serve` work on one project at once).
//! [`guard`] keeps everyone else out, [`forms`] checks every change and knows who is
//! coding; [`pages`] holds the overview and the transcripts, [`search`], [`review`],
//! [`codebook`] and [`agreement`] their pages, [`layout`] the page shell and the script.

mod agreement;
mod codebook;
mod forms;
mod guard;
mod layout;
mod pages;
mod review;
mod search;
mod walk;

use anyhow::{Context, Result};
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// How `quarry serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The project's folder.
    pub root: PathBuf,
    /// The port (0: any free one).
    pub port: u16,
    /// The address to listen on: 127.0.0.1 unless a person asked for another (`--bind`).
    pub bind: IpAddr,
    /// Open the default browser at the address.
    pub open: bool,
    /// Who codes in a browser that has not said (`--coder`).
    pub coder: Option<String>,
}

impl ServeOptions {
    /// Serving `root` on 127.0.0.1:`port`.
    pub fn local(root: PathBuf, port: u16) -> ServeOptions {
        ServeOptions {
            root,
            port,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            open: false,
            coder: None,
        }
    }
}

/// What every handler shares: where the project is and the secret that lets a browser in.
pub(crate) struct App {
    /// The project's folder.
    pub root: PathBuf,
    /// The token of this run (64 hex digits).
    pub token: String,
    /// The port the server listens on (for the Host check and the cookie's name).
    pub port: u16,
    /// The address it listens on.
    pub bind: IpAddr,
    /// Who codes in a browser that has not said.
    pub coder: Option<String>,
    /// The form keys issued.
    pub forms: forms::Forms,
    /// Each coder's review in progress.
    pub reviews: review::Reviews,
}

/// Serves the project until Ctrl-C. Prints the address (with its token) first, on its own
/// line, so that a script or a test can read it.
pub fn serve(opts: &ServeOptions, out: &mut dyn std::io::Write) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("starting the web server")?;
    rt.block_on(async {
        let addr = SocketAddr::from((opts.bind, opts.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} (is another program using the port? try --port)"))?;
        let port = listener.local_addr()?.port();
        let app = Arc::new(App {
            root: opts.root.clone(),
            token: guard::new_token()?,
            port,
            bind: opts.bind,
            coder: opts.coder.clone(),
            forms: Default::default(),
            reviews: Default::default(),
        });
        let host = if opts.bind.is_unspecified() || opts.bind.is_loopback() {
            "127.0.0.1".to_string()
        } else {
            opts.bind.to_string()
        };
        let url = format!("http://{host}:{port}/?token={}", app.token);
        writeln!(out, "{url}")?;
        if opts.bind.is_loopback() {
            writeln!(
                out,
                "Serving {} on 127.0.0.1 only; open the address above (it holds the key). Ctrl-C stops.",
                opts.root.display()
            )?;
        } else {
            writeln!(
                out,
                "Serving {} on {}: anyone who can reach this machine and has the address above can \
                 read and code this study. Ctrl-C stops.",
                opts.root.display(),
                opts.bind
            )?;
        }
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
        .route("/status.json", get(pages::status_json))
        .route("/search", get(search::search))
        .route("/search/download", get(search::download))
        .route("/search/code", post(search::code_hits))
        .route("/review", get(review::review))
        .route("/review/decide", post(review::decide))
        .route("/review/undo", post(review::undo))
        .route("/review/codes", get(review::codes))
        .route("/codebook", get(codebook::codebook))
        .route("/codebook/tune", post(codebook::tune))
        .route("/agreement", get(agreement::agreement))
        .route("/report", get(agreement::report))
        .route("/coder", get(forms::ask).post(forms::set))
        .route("/app.css", get(layout::stylesheet))
        .route("/app.js", get(layout::script))
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
