//! The page shell every page shares (title, navigation, the stylesheet), and small pieces of
//! markup: text with marked ranges, errors.

use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};

/// The stylesheet, compiled into the binary: the shell's, then each page's.
const CSS: &str = concat!(
    include_str!("app.css"),
    include_str!("search.css"),
    include_str!("review.css"),
    include_str!("codebook.css"),
    include_str!("agreement.css"),
);
/// The one script: keys on the review page, the code picker, counts kept current.
const JS: &str = include_str!("app.js");

/// `GET /app.js`.
pub(super) async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
}

/// `GET /app.css`.
pub(super) async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// The navigation: (address, name).
const NAV: [(&str, &str); 7] = [
    ("/", "Overview"),
    ("/documents", "Documents"),
    ("/search", "Search"),
    ("/review", "Review"),
    ("/codebook", "Codebooks"),
    ("/agreement", "Agreement"),
    ("/report", "Report"),
];

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
                script src="/app.js" defer {}
            }
            body {
                nav {
                    a.brand href="/" { "quarry" }
                    @for (href, name) in NAV {
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
