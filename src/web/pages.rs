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

/// `GET /`: what the project holds and how far review is, per code and coder; the counts
/// follow other coders' decisions while the page is open.
pub(super) async fn overview(State(app): State<Arc<App>>) -> Response {
    let found = with_project(&app, |p| {
        Ok((quarry::review::status(p)?, ops::corpus::speakers(p)?.len()))
    })
    .await;
    let (status, speakers) = match found {
        Ok(s) => s,
        Err(r) => return r,
    };
    let name = app.root.file_name().map_or_else(
        || app.root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let books: std::collections::BTreeSet<&str> =
        status.codes.iter().map(|c| c.codebook.as_str()).collect();
    let body = html! {
        h1 { "Study " (name) }
        div.figures {
            div.figure { b { (status.documents) } "documents" }
            div.figure { b { (status.segments) } "segments" }
            div.figure { b { (speakers) } "speakers" }
            div.figure { b { (books.len()) } "codebooks applied" }
            div.figure { b { (status.coders.len()) } "coders" }
        }
        p {
            a href="/documents" { "Read the documents" } " · "
            a href="/search" { "Search every segment" } " · "
            a href="/review" { "Review suggestions" } " · "
            a href="/codebook" { "Codebooks and their rules" } " · "
            a href="/agreement" { "Agreement between coders" } " · "
            a href="/report" { "The report" }
        }
        h2 { "Review by code" }
        @if status.codes.is_empty() {
            p.muted { "Nothing yet: no codebook has been applied (`quarry suggest --codebook NAME`)." }
        } @else {
            p.muted { "Open: the code's suggestions still standing; each coder's column says how many they accepted, rejected and have left. Counts update by themselves while others code." }
            table {
                thead { tr {
                    th { "Codebook" } th { "Code" } th.num { "Open" }
                    @for c in &status.coders { th.num { (c) ": accepted / rejected / left" } }
                } }
                tbody {
                    @for c in &status.codes {
                        tr {
                            td { (c.codebook) }
                            td { a href={ "/review?codebook=" (encode(&c.codebook)) "&code=" (encode(&c.code)) } { (c.code) } }
                            td.num data-count={ (c.codebook) "|" (c.code) "||suggested" } { (c.suggested) }
                            @for k in &c.coders {
                                td.num {
                                    span data-count={ (c.codebook) "|" (c.code) "|" (k.coder) "|accepted" } { (k.accepted) }
                                    " / "
                                    span data-count={ (c.codebook) "|" (c.code) "|" (k.coder) "|rejected" } { (k.rejected) }
                                    " / "
                                    span data-count={ (c.codebook) "|" (c.code) "|" (k.coder) "|pending" } { (k.pending) }
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
    /// Only names or attribute values containing this (any case).
    #[serde(default)]
    filter: String,
    /// The column to sort by: name, format, segments or coded.
    #[serde(default)]
    sort: String,
    /// 1-based page.
    page: Option<usize>,
}

/// `GET /documents`: every document, filtered by name or attribute, sorted by a column, a
/// page at a time; each with its speakers and the share of its segments coded.
pub(super) async fn documents(
    State(app): State<Arc<App>>,
    Query(q): Query<DocumentsParams>,
) -> Response {
    let found = with_project(&app, |p| {
        Ok((
            ops::corpus::documents(p)?,
            quarry::review::margin::coded_segments(p)?,
        ))
    })
    .await;
    let (docs, coded) = match found {
        Ok(d) => d,
        Err(r) => return r,
    };
    let needle = q.filter.to_lowercase();
    let mut shown: Vec<_> = docs
        .iter()
        .filter(|d| {
            needle.is_empty()
                || d.name.to_lowercase().contains(&needle)
                || d.attributes
                    .iter()
                    .any(|(k, v)| format!("{k}={v}").to_lowercase().contains(&needle))
        })
        .collect();
    let share = |d: &quarry::text::model::Document| -> f64 {
        coded.get(&d.id).copied().unwrap_or(0) as f64 / d.segments.max(1) as f64
    };
    match q.sort.as_str() {
        "format" => shown.sort_by(|a, b| a.format.as_str().cmp(b.format.as_str())),
        "segments" => shown.sort_by_key(|d| std::cmp::Reverse(d.segments)),
        "coded" => shown.sort_by(|a, b| share(b).total_cmp(&share(a))),
        "name" => shown.sort_by_key(|d| d.name.to_lowercase()),
        _ => {}
    }
    let pages = shown.len().div_ceil(DOCUMENTS_PER_PAGE).max(1);
    let at = q.page.unwrap_or(1).clamp(1, pages);
    let slice: Vec<_> = shown
        .iter()
        .skip((at - 1) * DOCUMENTS_PER_PAGE)
        .take(DOCUMENTS_PER_PAGE)
        .copied()
        .collect();
    let ids: Vec<i64> = slice.iter().map(|d| d.id).collect();
    let speakers = match with_project(&app, move |p| {
        ids.iter()
            .map(|&id| Ok(p.store().speakers_in(id)?))
            .collect::<quarry::Result<Vec<usize>>>()
    })
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sort_link = |key: &str, name: &str| -> Markup {
        let href = format!("/documents?filter={}&sort={key}", encode(&q.filter));
        html! {
            @if q.sort == key { a href=(href) aria-current="true" { (name) " ▾" } }
            @else { a href=(href) { (name) } }
        }
    };
    let body = html! {
        h1 { "Documents" }
        form.search method="get" action="/documents" role="search" {
            label for="filter" { "Name or attribute contains" }
            input #filter type="search" name="filter" value=(q.filter);
            input type="hidden" name="sort" value=(q.sort);
            button type="submit" { "Filter" }
        }
        p.muted { (shown.len()) " of " (docs.len()) " documents" @if pages > 1 { ", page " (at) " of " (pages) } ". Sort by a column by choosing its name." }
        table {
            thead { tr {
                th { (sort_link("name", "Name")) } th { (sort_link("format", "Format")) }
                th.num { "Speakers" } th.num { (sort_link("segments", "Segments")) }
                th.num { (sort_link("coded", "Coded")) } th { "Attributes" }
            } }
            tbody {
                @for (d, n) in slice.iter().zip(&speakers) {
                    tr {
                        td { a href={ "/document?name=" (encode(&d.name)) } { (d.name) } }
                        td { (d.format.as_str()) }
                        td.num { (n) }
                        td.num { (d.segments) }
                        td.num { (format!("{:.0}%", 100.0 * share(d))) }
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
        (pager("/documents", &[("filter", &q.filter), ("sort", &q.sort)], at, pages))
    };
    page("Documents", "Documents", body).into_response()
}

/// Parameters of a transcript.
#[derive(Deserialize)]
pub(super) struct TranscriptParams {
    /// The document's name.
    name: String,
}

/// `GET /document?name=`: a whole transcript, each turn with its speaker, role, time and an
/// anchor (`#s123`) so every quote can link to its place, and in a margin the codes people
/// applied (solid, with who) apart from the suggestions still open (dashed, "suggested").
/// A post shows its author, time, link and flags.
pub(super) async fn transcript(
    State(app): State<Arc<App>>,
    Query(q): Query<TranscriptParams>,
) -> Response {
    let name = q.name.clone();
    let found = with_project(&app, move |p| {
        let t = ops::corpus::show(p, &name, 0)?;
        let (from, to) = (
            t.segments.first().map_or(0, |s| s.id),
            t.segments.last().map_or(-1, |s| s.id),
        );
        let margins = quarry::review::margin::margins(p, from, to)?;
        let names = quarry::review::margin::code_names(p)?;
        Ok((t, margins, names))
    })
    .await;
    let (t, margins, names) = match found {
        Ok(v) => v,
        Err(r) => return r,
    };
    let empty = quarry::review::margin::Margin::default();
    let coded = margins.values().filter(|m| !m.applied.is_empty()).count();
    let body = html! {
        h1 { (t.document) }
        p.muted {
            (t.segments.len()) " turns · " (coded) " coded · "
            span.badge.confirmed { "coded" } " a person applied the code · "
            span.badge.suggested { "suggested" } " a rule proposed it, nobody has decided yet"
        }
        @for s in &t.segments {
            div.turn id={ "s" (s.id) } {
                div.who {
                    a href={ "#s" (s.id) } { "#" (s.id) }
                    " · " (s.speaker.as_deref().unwrap_or("—"))
                    @if let Some(r) = s.role { " (" (r.as_str()) ")" }
                    @if let Some(ms) = s.start_ms { " · " (quarry::text::model::format_ms(ms)) }
                    @if let Some(post) = &s.post { (post_line(post)) }
                }
                div.said-text { (s.text) }
                (margin(margins.get(&s.id).unwrap_or(&empty), &names))
            }
        }
    };
    page(&t.document, "Documents", body).into_response()
}

use quarry::review::margin::CodeNames as Names;

/// A post's time, link and flags under its author.
fn post_line(p: &quarry::text::model::PostMeta) -> Markup {
    let mut flags = Vec::new();
    for (on, name) in [
        (p.is_repost, "repost"),
        (p.is_reply, "reply"),
        (p.is_quote, "quote"),
        (p.is_duplicate, "same text as an earlier post"),
    ] {
        if on {
            flags.push(name);
        }
    }
    // Only web links become links; anything else stays text.
    let link = p
        .url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    html! {
        br;
        @if let Some(t) = &p.created_at { (t) }
        @if let Some(u) = link { " · " a href=(u) rel="noopener noreferrer" { "original post" } }
        @if !flags.is_empty() { " · " (flags.join(", ")) }
        @if let Some(n) = p.likes { " · " (n) " likes" }
    }
}

/// A turn's margin: applied codes, then open suggestions.
fn margin(m: &quarry::review::margin::Margin, names: &Names) -> Markup {
    let label = |book: &str, code: &str| -> (String, Option<String>) {
        names
            .get(&(book.to_string(), code.to_string()))
            .map(|(n, c)| (format!("{n} ({code})"), c.clone()))
            .unwrap_or_else(|| (code.to_string(), None))
    };
    html! {
        div.margin {
            @for a in &m.applied {
                @let (name, colour) = label(&a.codebook, &a.code);
                div.code.confirmed {
                    (swatch(colour.as_deref()))
                    span.badge.confirmed { "coded" } " " (name)
                    span.muted { " · " (a.coders.join(", ")) }
                    @for memo in &a.memos { div.memo { "memo " (memo) } }
                }
            }
            @for o in &m.suggested {
                @let (name, colour) = label(&o.codebook, &o.code);
                div.code.suggested {
                    (swatch(colour.as_deref()))
                    span.badge.suggested { "suggested" } " " (name)
                }
            }
        }
    }
}

/// A small square in a code's colour (an SVG attribute, which the page's policy allows), or
/// nothing when the code has no valid `#rrggbb` colour.
fn swatch(colour: Option<&str>) -> Markup {
    let valid = colour.filter(|c| {
        c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
    });
    html! {
        @if let Some(c) = valid {
            svg.swatch width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" {
                rect width="10" height="10" fill=(c) {}
            }
            " "
        }
    }
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
