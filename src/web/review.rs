//! The review page: one suggestion at a time, decided with keys, stored before the next shows.

use super::App;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

/// Each coder's review in progress.
#[derive(Default)]
pub(crate) struct Reviews {}

/// `GET /review`.
pub(super) async fn review(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `POST /review/decide`.
pub(super) async fn decide(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `POST /review/undo`.
pub(super) async fn undo(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `GET /review/codes`.
pub(super) async fn codes(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}
