//! Agreement between coders, per code, with the disagreements to discuss; and the report.

use super::App;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

/// `GET /agreement`.
pub(super) async fn agreement(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `GET /report`: the report's figures and charts.
pub(super) async fn report(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}
