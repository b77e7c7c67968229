//! The page shell every page shares (title, navigation, the stylesheet), and small pieces of
//! markup: text with marked ranges, errors.

use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet, compiled into the binary.
const CSS: &str = include_str!("app.css");

/// `GET /app.css`.
pub(super) async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// A whole page: `title`, the navigation with `current` marked, and `body`.
pub(super) fn page(title: &str, current: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · quarry" }
                link rel="stylesheet" href="/app.css";
            }
            body {
                nav {
                    a.brand href="/" { "quarry" }
                    @for (href, name) in [("/", "Overview"), ("/documents", "Documents"), ("/search", "Search")] {
                        @if name == current {
                            a href=(href) aria-current="page" { (name) }
                        } @else {
                            a href=(href) { (name) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// `text` with the byte ranges `marks` (in order, inside `text`) wrapped in `<mark>`.
pub(super) fn marked(text: &str, marks: &[(usize, usize)]) -> Markup {
    let mut parts: Vec<(&str, bool)> = Vec::new();
    let mut at = 0;
    for &(a, b) in marks {
        if a < at
            || b > text.len()
            || a >= b
            || !text.is_char_boundary(a)
            || !text.is_char_boundary(b)
        {
            continue;
        }
        parts.push((&text[at..a], false));
        parts.push((&text[a..b], true));
        at = b;
    }
    parts.push((&text[at..], false));
    html! {
        @for (s, hit) in parts {
            @if hit { mark { (s) } } @else { (s) }
        }
    }
}

/// A message that something went wrong, with the page still around it.
pub(super) fn problem(message: &str) -> Markup {
    html! { p.problem role="alert" { (message) } }
}
