//! The pages. Each handler reads its parameters, asks the library for plain data on a
//! blocking thread (opening the project for that request) and renders it; no handler holds
//! logic the command line does not share.

use super::layout::{page, problem};
use super::App;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use quarry::ops;
use quarry::project::Project;
use serde::Deserialize;
use std::sync::Arc;

/// Documents listed on one page.
const DOCUMENTS_PER_PAGE: usize = 100;

/// Runs `f` on the project, opened for this request, off the server's thread; an error
/// becomes a page saying what went wrong.
pub(super) async fn with_project<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&Project) -> quarry::Result<T> + Send + 'static,
) -> Result<T, Response> {
    with_project_mut(app, move |p| f(p)).await
}

/// [`with_project`] for what changes the project (decisions, undo).
pub(super) async fn with_project_mut<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&mut Project) -> quarry::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let root = app.root.clone();
    let done =
        tokio::task::spawn_blocking(move || Project::open(&root).and_then(|mut p| f(&mut p))).await;
    match done {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(failed(&e)),
        Err(e) => Err(problem_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the request stopped: {e}"),
        )),
    }
}

/// The page for a library error: 404 for what does not exist, 400 for what was asked wrongly,
/// 500 otherwise.
pub(super) fn failed(e: &quarry::Error) -> Response {
    use quarry::store::StoreError;
    let status = match e {
        quarry::Error::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
        quarry::Error::Query(_) | quarry::Error::Codebook(_) | quarry::Error::Other(_) => {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    problem_page(status, &e.to_string())
}

/// A page that says what went wrong, with `status`.
pub(super) fn problem_page(status: StatusCode, message: &str) -> Response {
    (status, page("Problem", "", problem(message))).into_response()
}

/// `GET /`: what the project holds and how far review is.
pub(super) async fn overview(State(app): State<Arc<App>>) -> Response {
    let status = match with_project(&app, quarry::review::status).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = app.root.file_name().map_or_else(
        || app.root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let body = html! {
        h1 { "Study " (name) }
        div.figures {
            div.figure { b { (status.documents) } "documents" }
            div.figure { b { (status.segments) } "segments" }
            div.figure { b { (status.coders.len()) } "coders" }
        }
        p { a href="/documents" { "Read the documents" } " · " a href="/search" { "Search every segment" } }
        h2 { "Review by code" }
        @if status.codes.is_empty() {
            p.muted { "Nothing yet: no codebook has been applied (`quarry suggest --codebook NAME`)." }
        } @else {
            table {
                thead { tr { th { "Codebook" } th { "Code" } th.num { "Waiting" } th { "Decided, per coder" } } }
                tbody {
                    @for c in &status.codes {
                        tr {
                            td { (c.codebook) }
                            td { (c.code) }
                            td.num { (c.suggested) }
                            td {
                                @for (i, k) in c.coders.iter().enumerate() {
                                    @if i > 0 { "; " }
                                    (k.coder) ": " (k.accepted) " accepted, " (k.rejected) " rejected"
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Overview", "Overview", body).into_response()
}

/// `GET /status.json`: the review counts (what the overview and the review page show), for
/// the script that keeps them current while two people code.
pub(super) async fn status_json(State(app): State<Arc<App>>) -> Response {
    match with_project(&app, quarry::review::status).await {
        Ok(s) => axum::Json(s).into_response(),
        Err(r) => r,
    }
}

/// Parameters of the documents list.
#[derive(Deserialize)]
pub(super) struct DocumentsParams {
    /// Only names containing this (any case).
    #[serde(default)]
    filter: String,
    /// 1-based page.
    page: Option<usize>,
}

/// `GET /documents`: every document, filtered by name, a page at a time.
pub(super) async fn documents(
    State(app): State<Arc<App>>,
    Query(q): Query<DocumentsParams>,
) -> Response {
    let docs = match with_project(&app, ops::corpus::documents).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let needle = q.filter.to_lowercase();
    let shown: Vec<_> = docs
        .iter()
        .filter(|d| needle.is_empty() || d.name.to_lowercase().contains(&needle))
        .collect();
    let pages = shown.len().div_ceil(DOCUMENTS_PER_PAGE).max(1);
    let at = q.page.unwrap_or(1).clamp(1, pages);
    let slice = shown
        .iter()
        .skip((at - 1) * DOCUMENTS_PER_PAGE)
        .take(DOCUMENTS_PER_PAGE);
    let body = html! {
        h1 { "Documents" }
        form.search method="get" action="/documents" role="search" {
            label for="filter" { "Name contains" }
            input #filter type="search" name="filter" value=(q.filter);
            button type="submit" { "Filter" }
        }
        p.muted { (shown.len()) " of " (docs.len()) " documents" @if pages > 1 { ", page " (at) " of " (pages) } "." }
        table {
            thead { tr { th { "Name" } th { "Format" } th.num { "Segments" } th { "Attributes" } } }
            tbody {
                @for d in slice {
                    tr {
                        td { a href={ "/document?name=" (encode(&d.name)) } { (d.name) } }
                        td { (d.format.as_str()) }
                        td.num { (d.segments) }
                        td {
                            @for (i, (k, v)) in d.attributes.iter().enumerate() {
                                @if i > 0 { ", " }
                                (k) "=" (v)
                            }
                        }
                    }
                }
            }
        }
        (pager("/documents", &[("filter", &q.filter)], at, pages))
    };
    page("Documents", "Documents", body).into_response()
}

/// Parameters of a transcript.
#[derive(Deserialize)]
pub(super) struct TranscriptParams {
    /// The document's name.
    name: String,
}

/// `GET /document?name=`: a whole transcript, each turn with its speaker, time and an anchor
/// (`#s123`), so every quote can link to its place.
pub(super) async fn transcript(
    State(app): State<Arc<App>>,
    Query(q): Query<TranscriptParams>,
) -> Response {
    let name = q.name.clone();
    let t = match with_project(&app, move |p| ops::corpus::show(p, &name, 0)).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = html! {
        h1 { (t.document) }
        p.muted { (t.segments.len()) " turns" }
        @for s in &t.segments {
            div.turn id={ "s" (s.id) } {
                div.who {
                    a href={ "#s" (s.id) } { "#" (s.id) }
                    " · " (s.speaker.as_deref().unwrap_or("—"))
                    @if let Some(r) = s.role { " (" (r.as_str()) ")" }
                    @if let Some(ms) = s.start_ms { " · " (quarry::text::model::format_ms(ms)) }
                }
                div { (s.text) }
            }
        }
    };
    page(&t.document, "Documents", body).into_response()
}

/// Links to the previous and next page, keeping `params`.
pub(super) fn pager(path: &str, params: &[(&str, &str)], at: usize, pages: usize) -> Markup {
    let link = |page: usize| {
        let mut q: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}&", encode(v)))
            .collect();
        q.push_str(&format!("page={page}"));
        format!("{path}?{q}")
    };
    html! {
        @if pages > 1 {
            div.pager {
                @if at > 1 { a href=(link(at - 1)) rel="prev" { "← previous" } }
                @if at < pages { a href=(link(at + 1)) rel="next" { "next →" } }
            }
        }
    }
}

/// `s` percent-encoded for a query string.
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
