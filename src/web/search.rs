//! The search page: the query language with its help, hits with the matched words marked
//! and a link to each turn; downloads of every hit; coding every hit as one undoable batch.

use super::forms;
use super::layout::{marked, page};
use super::pages::{encode, pager, with_project};
use super::App;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use quarry::ops;
use quarry::project::Project;
use serde::Deserialize;
use std::sync::Arc;

/// Hits shown on one page.
const HITS_PER_PAGE: usize = 50;

/// Parameters of a search.
#[derive(Deserialize)]
pub(super) struct SearchParams {
    /// The query, in the query language.
    #[serde(default)]
    q: String,
    /// 1-based page.
    page: Option<usize>,
}

/// `GET /search?q=`: hits in document order with the matched words marked, each linking to
/// its turn; a query that does not parse shows where.
pub(super) async fn search(State(app): State<Arc<App>>, Query(q): Query<SearchParams>) -> Response {
    let text = q.q.trim().to_string();
    let at = q.page.unwrap_or(1).max(1);
    let form = html! {
        h1 { "Search" }
        form.search method="get" action="/search" role="search" {
            label for="q" { "Query" }
            input #q type="search" name="q" value=(q.q) autofocus;
            button type="submit" { "Search" }
        }
    };
    if text.is_empty() {
        let help = html! {
            (form)
            p.muted { "Words are matched by stem (teaching finds teach, teaches). "
                "\"exact phrase\", prefix*, exact:word, a OR b, -word, a NEAR/5 b, "
                "role:participant, speaker:NAME, attr.KEY:VALUE, hashtag:tag." }
        };
        return page("Search", "Search", help).into_response();
    }
    let query = text.clone();
    let found = with_project(&app, move |p| {
        let opts = ops::find::SearchOptions {
            words: vec![query],
            limit: HITS_PER_PAGE,
            offset: (at - 1) * HITS_PER_PAGE,
            context: 1,
            ..Default::default()
        };
        let cfg = ops::find::prepare(&opts, || None::<&Project>)?;
        let (mut index, _) = p.index()?;
        match ops::find::search(p, &mut index, &cfg) {
            Ok(r) => Ok(Ok(r)),
            Err(quarry::Error::Query(e)) => Ok(Err(e)),
            Err(e) => Err(e),
        }
    })
    .await;
    let result = match found {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let caret = format!("{}^", " ".repeat(e.column.saturating_sub(1)));
            let body = html! {
                (form)
                div.problem role="alert" {
                    "This query does not parse: " (e.message)
                    pre.caret { (text) "\n" (caret) }
                }
            };
            return page("Search", "Search", body).into_response();
        }
        Err(r) => return r,
    };
    let pages = result.total.div_ceil(HITS_PER_PAGE).max(1);
    let body = html! {
        (form)
        p { b { (result.total) } @if result.total == 1 { " matching segment" } @else { " matching segments" }
            @if pages > 1 { ", page " (at) " of " (pages) } }
        @for h in &result.hits {
            div.hit {
                div.place {
                    a href={ "/document?name=" (encode(&h.segment.document)) "#s" (h.segment.id) } {
                        (h.segment.document) " #" (h.segment.id)
                    }
                    " · " (h.segment.speaker.as_deref().unwrap_or("—"))
                }
                @for c in &h.before { div.context { (c.speaker.as_deref().unwrap_or("—")) ": " (c.text) } }
                div { (marked(&h.segment.text, &h.highlights)) }
                @for c in &h.after { div.context { (c.speaker.as_deref().unwrap_or("—")) ": " (c.text) } }
            }
        }
        (pager("/search", &[("q", &q.q)], at.min(pages), pages))
    };
    page("Search", "Search", body).into_response()
}

/// `GET /search/download?q=&format=csv|xlsx|json`: every hit of the query as a file.
pub(super) async fn download(State(app): State<Arc<App>>) -> Response {
    let _ = (&app, forms::refused);
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `POST /search/code`: codes every hit of the query with one code, as one batch.
pub(super) async fn code_hits(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}
