//! Requests that change something, and who is making them.
//!
//! Every page with a form gets a fresh random form key in a hidden field; a POST is carried
//! out only with a key this server issued (the session cookie alone is not enough, so a page
//! elsewhere cannot make a browser decide something). Who is coding is a cookie per browser,
//! asked for on the first visit that needs it (`/coder`), else `serve --coder`, else the
//! `quarry config coder` setting.

use super::layout::page;
use super::App;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// Form keys kept (the oldest is forgotten first); a page older than this many page views
/// must be reloaded before its form works.
const KEEP: usize = 20_000;

/// The form keys this server issued.
#[derive(Default)]
pub(crate) struct Forms {
    keys: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Forms {
    /// A new key for one page's forms.
    pub fn issue(&self) -> String {
        let key = super::guard::new_token().unwrap_or_else(|_| "unavailable".into());
        let mut k = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if k.1.len() >= KEEP {
            if let Some(old) = k.1.pop_front() {
                k.0.remove(&old);
            }
        }
        k.0.insert(key.clone());
        k.1.push_back(key.clone());
        key
    }

    /// Whether `key` was issued by this server.
    pub fn valid(&self, key: &str) -> bool {
        key != "unavailable" && self.keys.lock().is_ok_and(|k| k.0.contains(key))
    }
}

/// The hidden field every form that changes something carries.
pub(super) fn key_field(app: &App) -> Markup {
    html! { input type="hidden" name="form" value=(app.forms.issue()); }
}

/// The answer to a POST whose form key is missing or unknown.
pub(super) fn refused() -> Response {
    let body = page(
        "Refused",
        "",
        html! {
            p.problem role="alert" {
                "This change was refused: the page it came from is not one this server made, or it is \
                 too old. Go back, reload the page and try again."
            }
        },
    );
    (StatusCode::FORBIDDEN, body).into_response()
}

/// The cookie that says who is coding in this browser.
fn coder_cookie(app: &App) -> String {
    format!("quarry_{}_coder", app.port)
}

/// Who is coding in this browser: its cookie, else `serve --coder`, else the settings file.
pub(super) fn coder(app: &App, headers: &HeaderMap) -> Option<String> {
    let name = coder_cookie(app);
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| decode(v));
    from_cookie
        .or_else(|| app.coder.clone())
        .or_else(|| quarry::review::coder(None).ok())
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

/// Parameters of the coder page.
#[derive(Deserialize)]
pub(super) struct CoderParams {
    /// Where to go once the name is given.
    #[serde(default)]
    next: String,
}

/// `GET /coder`: asks who is coding in this browser.
pub(super) async fn ask(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<CoderParams>,
) -> Response {
    let now = coder(&app, &headers).unwrap_or_default();
    let body = html! {
        h1 { "Who is coding?" }
        p { "Every decision made in this browser is stored under this name. Two people coding the \
             same project each give their own, in their own browser." }
        form.search method="post" action="/coder" {
            (key_field(&app))
            input type="hidden" name="next" value=(safe_next(&q.next));
            label for="coder" { "Your name or initials" }
            input #coder type="text" name="coder" value=(now) required autofocus autocomplete="name";
            button type="submit" { "Save" }
        }
    };
    page("Who is coding?", "", body).into_response()
}

/// The coder form.
#[derive(Deserialize)]
pub(super) struct CoderForm {
    form: String,
    coder: String,
    #[serde(default)]
    next: String,
}

/// `POST /coder`: keeps the name in this browser's cookie and goes on.
pub(super) async fn set(State(app): State<Arc<App>>, Form(f): Form<CoderForm>) -> Response {
    if !app.forms.valid(&f.form) {
        return refused();
    }
    let name = f.coder.trim();
    if name.is_empty() || name.chars().any(char::is_control) || name.len() > 100 {
        let body = html! { p.problem role="alert" { "Give a name of 1 to 100 characters." } p { a href="/coder" { "Try again" } } };
        return (StatusCode::BAD_REQUEST, page("Who is coding?", "", body)).into_response();
    }
    let cookie = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000",
        coder_cookie(&app),
        super::pages::encode(name)
    );
    let mut res = Redirect::to(&safe_next(&f.next)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// A place on this server to go back to: a path, never another site.
pub(super) fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Sends the browser to `/coder`, to come back to `here` once a name is given.
pub(super) fn ask_first(here: &str) -> Response {
    Redirect::to(&format!("/coder?next={}", super::pages::encode(here))).into_response()
}

/// Percent-decoding of a cookie or query value (`+` stays itself).
pub(super) fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_issued_keys_are_valid_and_old_ones_are_forgotten() {
        let f = Forms::default();
        let a = f.issue();
        assert!(f.valid(&a));
        assert!(!f.valid("0000"));
        assert!(!f.valid(""));
        for _ in 0..KEEP {
            f.issue();
        }
        assert!(!f.valid(&a), "the oldest key is forgotten");
    }

    #[test]
    fn next_never_leaves_this_server_and_names_round_trip() {
        assert_eq!(safe_next("/review?code=a"), "/review?code=a");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        let name = "Zoë O'Brien; a=b";
        assert_eq!(decode(&super::super::pages::encode(name)), name);
        assert_eq!(decode("%zz%4"), "%zz%4");
    }
}
