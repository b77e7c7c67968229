//! The server's guard, the overview, documents, transcripts and search, over raw HTTP and in
//! headless Chromium.

use super::Server;
use crate::{ok, sample_project};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn only_a_browser_with_the_token_on_this_machine_gets_in() {
    let p = sample_project();
    let s = Server::start(p.path());
    // No cookie, a wrong token, a wrong Host: 403, whatever the page.
    for path in ["/", "/documents", "/search?q=trust", "/app.css"] {
        let (status, head, _) = s.get(path, &[]);
        assert_eq!(status, 403, "{path}");
        assert!(
            head.contains("content-security-policy: default-src 'none'"),
            "{head}"
        );
    }
    let (status, _, _) = s.get(&format!("/?token={}", "0".repeat(64)), &[]);
    assert_eq!(status, 403);
    let wrong = format!("quarry_{}={}", s.port, "f".repeat(64));
    assert_eq!(s.get("/", &[("Cookie", &wrong)]).0, 403);
    let cookie = s.cookie();
    for host in ["evil.test", &format!("evil.test:{}", s.port), "127.0.0.1:1"] {
        let (status, _, _) = s.get("/", &[("Cookie", &cookie), ("Host", host)]);
        assert_eq!(status, 403, "Host: {host}");
    }
    assert_eq!(
        s.get(
            "/",
            &[
                ("Cookie", &cookie),
                ("Host", &format!("localhost:{}", s.port))
            ]
        )
        .0,
        200
    );
    // The token is traded for a cookie the page's scripts cannot read, and the browser goes
    // on to the page it asked for, without the token in its address.
    let (status, head, _) = s.get(
        &format!("/document?name=P06_interview&token={}", s.token),
        &[],
    );
    assert_eq!(status, 303, "{head}");
    let head = head.to_lowercase();
    assert!(
        head.contains(&format!(
            "set-cookie: {}; httponly; samesite=strict; path=/",
            cookie.to_lowercase()
        )),
        "{head}"
    );
    assert!(
        head.contains("location: /document?name=p06_interview\r\n"),
        "{head}"
    );
    // State never changes through GET: nothing here takes a POST yet, and a POST is refused.
    let mut st = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    write!(st, "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {cookie}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", s.port).unwrap();
    let mut raw = String::new();
    st.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
}

#[test]
fn overview_documents_transcripts_and_search_show_what_the_cli_shows() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    let home = s.page("/");
    assert!(home.contains("<b>20</b>documents"), "{home}");
    assert!(home.contains("smu.barriers.misinformation"), "{home}");

    let docs = s.page("/documents");
    assert!(docs.contains("20 of 20 documents"), "{docs}");
    assert!(
        docs.contains("href=\"/document?name=P06_interview\""),
        "{docs}"
    );
    let some = s.page("/documents?filter=p0");
    assert!(some.contains("9 of 20 documents"), "{some}");

    // A transcript: every turn, each with its anchor, in order.
    let cli = ok(
        d,
        &[
            "list",
            "segments",
            "--document",
            "P06_interview",
            "--format",
            "json",
        ],
    );
    let segs: serde_json::Value = serde_json::from_str(&cli).unwrap();
    let segs = segs.as_array().unwrap();
    let page = s.page("/document?name=P06_interview");
    let mut at = 0;
    for seg in segs {
        let anchor = format!("id=\"s{}\"", seg["segment"]);
        let i = page[at..]
            .find(&anchor)
            .unwrap_or_else(|| panic!("{anchor} in order"));
        at += i;
    }
    assert!(page.contains(&format!("{} turns", segs.len())));
    assert_eq!(
        s.get("/document?name=nothing_like_it", &[("Cookie", &s.cookie())])
            .0,
        404
    );

    // Search: the CLI's count, the words marked, each hit linked to its turn.
    let n: usize = ok(d, &["search", "--count", "trust"])
        .trim()
        .parse()
        .unwrap();
    let hits = s.page("/search?q=trust");
    assert!(
        hits.contains(&format!("<b>{n}</b> matching segments")),
        "{hits}"
    );
    assert_eq!(hits.matches("<div class=\"hit\">").count(), n);
    assert!(
        hits.contains("<mark>trust</mark>") || hits.contains("<mark>Trust</mark>"),
        "{hits}"
    );
    assert!(
        hits.contains("/document?name=") && hits.contains("#s"),
        "{hits}"
    );
    // A query that does not parse says where.
    let bad = s.page("/search?q=trust+AND+%28");
    assert!(bad.contains("This query does not parse"), "{bad}");
    assert!(bad.contains("trust AND (\n           ^"), "{bad}");
}

#[test]
fn user_text_is_shown_as_text_never_run() {
    let p = crate::project();
    let d = p.path();
    let evil = "Interviewer: <script>document.title='owned'</script> hello?\n\n\
                P1: \"><img src=x onerror=\"document.title='owned'\"> trust &amp; more\n";
    std::fs::write(d.join("evil.txt"), evil).unwrap();
    ok(d, &["add", "evil.txt"]);
    let s = Server::start(d);
    for page in [s.page("/document?name=evil"), s.page("/search?q=trust")] {
        // The one script is the server's own file.
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(
            page.contains("<script src=\"/app.js\" defer></script>"),
            "{page}"
        );
        assert!(!page.contains("<img"), "{page}");
        assert!(page.contains("&lt;script&gt;"), "{page}");
        assert!(page.contains("&amp;amp;"), "{page}");
    }
    // In a real browser: the text is there as text, and no script ran.
    let Some(browser) = crate::report::chromium_or_skip("the web page was not opened in a browser")
    else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let out = d.join("dom.html");
    let mut c = std::process::Command::new(browser);
    crate::report::headless(&mut c, profile.path());
    c.arg("--dump-dom").arg(format!(
        "http://127.0.0.1:{}/document?name=evil&token={}",
        s.port, s.token
    ));
    let (done, err) = crate::report::run_for(&mut c, &out, Duration::from_secs(90));
    assert!(done, "{err}");
    let dom = std::fs::read_to_string(&out).unwrap();
    assert!(
        dom.contains("<title>evil · quarry</title>"),
        "a script changed the title: {dom}"
    );
    assert!(
        dom.contains("&lt;script&gt;document.title='owned'&lt;/script&gt; hello?"),
        "{dom}"
    );
    assert!(!dom.contains("<img"), "{dom}");
}

#[test]
fn a_transcript_shows_applied_codes_apart_from_open_suggestions() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    // Segment 345 of P11 has one open suggestion (passive use); code it by hand as bob with
    // a memo, and accept another of its suggestions as ann.
    let list: serde_json::Value =
        serde_json::from_str(&ok(d, &["list", "suggestions", "--format", "json"])).unwrap();
    let on = |seg: i64| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["segment"] == seg)
            .map(|s| s["code"].as_str().unwrap().to_string())
            .collect()
    };
    let seg = list.as_array().unwrap()[0]["segment"].as_i64().unwrap();
    let codes = on(seg);
    ok(
        d,
        &[
            "code",
            &seg.to_string(),
            "smu.use.teaching_tools",
            "--coder",
            "bob",
            "--memo",
            "uses <b>it</b> to teach",
        ],
    );
    let s = Server::start(d);
    let doc: serde_json::Value =
        serde_json::from_str(&ok(d, &["list", "segments", "--format", "json"])).unwrap();
    let name = doc
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["segment"] == seg)
        .unwrap()["document"]
        .as_str()
        .unwrap()
        .to_string();
    let page = s.page(&format!("/document?name={name}"));
    let turn = &page[page.find(&format!("id=\"s{seg}\"")).unwrap()..];
    let turn = &turn[..turn.find("class=\"turn\"").unwrap_or(turn.len())];
    assert!(
        turn.contains(
            "<span class=\"badge confirmed\">coded</span> Teaching tools (smu.use.teaching_tools)"
        ),
        "{turn}"
    );
    assert!(turn.contains("bob"), "{turn}");
    assert!(
        turn.contains("memo bob: uses &lt;b&gt;it&lt;/b&gt; to teach"),
        "{turn}"
    );
    for c in codes.iter().filter(|c| *c != "smu.use.teaching_tools") {
        assert!(
            turn.contains(&format!("({c})</div>")) && turn.contains("badge suggested"),
            "{c} as suggested: {turn}"
        );
    }
    // The documents list sorted by coded share puts that document first.
    let docs = s.page("/documents?sort=coded");
    let first = &docs[docs.find("<tbody>").unwrap()..];
    assert!(
        first[..first.find("</tr>").unwrap()].contains(&format!(">{name}</a>")),
        "{first}"
    );
}

#[test]
fn demo_serve_keeps_the_demo_project_and_serves_it() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let mut child = std::process::Command::new(crate::quarry(dir.path()).get_program())
        .current_dir(dir.path())
        .env("QUARRY_CONFIG", dir.path().join("settings"))
        .env_remove("QUARRY_CODER")
        .args(["demo", "--serve", "--no-open", "--port", "0", "--out"])
        .arg(&out)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("http://127.0.0.1:"))
        .expect("the address after the demo");
    let (base, token) = url.split_once("/?token=").unwrap();
    let port: u16 = base.rsplit_once(':').unwrap().1.parse().unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: quarry_{port}={token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    s.read_to_string(&mut page).unwrap();
    child.kill().ok();
    child.wait().ok();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<b>20</b>documents"), "{page}");
    assert!(out.join(".quarry").exists(), "the demo project is kept");
}
