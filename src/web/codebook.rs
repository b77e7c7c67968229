//! The codebook page: codes with their definitions, each rule with the search it equals, the
//! words it catches, each term's precision once decisions exist, and the tune panel.

use super::App;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

/// `GET /codebook?name=`.
pub(super) async fn codebook(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}

/// `POST /codebook/tune`: writes the tuned codebook file when asked.
pub(super) async fn tune(State(app): State<Arc<App>>) -> Response {
    let _ = &app;
    super::pages::problem_page(axum::http::StatusCode::NOT_IMPLEMENTED, "not yet")
}
