//! Who may use the server: a browser that came with the token, on this machine.
//!
//! The address `quarry serve` prints carries a random token; the first request trades it for
//! an HttpOnly, SameSite=Strict cookie (named after the port, since cookies do not tell ports
//! apart) and is redirected to the same page without it. Any request without the cookie, or
//! whose Host is not this server's loopback address (DNS rebinding), gets 403. Every response
//! carries a content security policy that allows nothing but this server's own stylesheet.

use super::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A fresh token: 32 random bytes as hex.
pub(super) fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The middleware: Host, then token or cookie; headers on every response.
pub(super) async fn check(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut res = decide(&app, req, next).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
             connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn decide(app: &App, req: Request, next: Next) -> Response {
    if !host_ok(app.port, app.bind, req.headers().get(header::HOST)) {
        return forbidden("this server answers only to 127.0.0.1 and localhost");
    }
    let cookie = format!("quarry_{}", app.port);
    if let Some(token) = query_token(req.uri().query()) {
        if !same(token, &app.token) {
            return forbidden("the key in this address is not this server's: use the one `quarry serve` printed last");
        }
        let set = format!("{cookie}={}; HttpOnly; SameSite=Strict; Path=/", app.token);
        // The same page, with the other parameters and without the token.
        let rest: Vec<&str> = req
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("token="))
            .collect();
        let to = if rest.is_empty() {
            req.uri().path().to_string()
        } else {
            format!("{}?{}", req.uri().path(), rest.join("&"))
        };
        let mut res = StatusCode::SEE_OTHER.into_response();
        if let (Ok(set), Ok(to)) = (HeaderValue::from_str(&set), HeaderValue::from_str(&to)) {
            res.headers_mut().insert(header::SET_COOKIE, set);
            res.headers_mut().insert(header::LOCATION, to);
        }
        return res;
    }
    let has_cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .any(|(k, v)| k == cookie && same(v, &app.token));
    if !has_cookie {
        return forbidden(
            "open the address `quarry serve` printed (it holds the key); this browser has not been let in",
        );
    }
    next.run(req).await
}

/// Whether the Host header names this server: 127.0.0.1 or localhost on its port, or (when a
/// person bound another address) that address, or any address literal when bound to all. A
/// host name other than localhost is always refused: that is what DNS rebinding sends.
fn host_ok(port: u16, bind: std::net::IpAddr, host: Option<&HeaderValue>) -> bool {
    let Some(host) = host.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) => (n, p.parse::<u16>().ok()),
        None => (host, Some(80)),
    };
    let literal = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .ok();
    let named = matches!(name, "127.0.0.1" | "localhost")
        || literal.is_some_and(|ip| ip == bind || bind.is_unspecified());
    p == Some(port) && named
}

/// The `token` parameter of a query string.
fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn forbidden(why: &str) -> Response {
    (StatusCode::FORBIDDEN, format!("403: {why}\n")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_other_than_this_loopback_address_are_refused() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        let local: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        assert!(host_ok(7878, local, Some(&h("127.0.0.1:7878"))));
        assert!(host_ok(7878, local, Some(&h("localhost:7878"))));
        assert!(!host_ok(7878, local, Some(&h("127.0.0.1:7879"))));
        assert!(!host_ok(7878, local, Some(&h("evil.example:7878"))));
        assert!(!host_ok(80, local, Some(&h("attacker.test"))));
        assert!(!host_ok(7878, local, Some(&h("10.0.0.5:7878"))));
        assert!(!host_ok(7878, local, None));
        // Bound elsewhere by a person's choice: that address too, never a host name.
        let lan: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        assert!(host_ok(7878, lan, Some(&h("10.0.0.5:7878"))));
        assert!(!host_ok(7878, lan, Some(&h("10.0.0.6:7878"))));
        let all: std::net::IpAddr = "0.0.0.0".parse().unwrap();
        assert!(host_ok(7878, all, Some(&h("10.0.0.6:7878"))));
        assert!(!host_ok(7878, all, Some(&h("rebind.example:7878"))));
    }

    #[test]
    fn tokens_are_new_each_time_and_compared_whole() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..63]));
        assert_eq!(query_token(Some("x=1&token=ab")), Some("ab"));
        assert_eq!(query_token(Some("tokens=ab")), None);
    }
}
