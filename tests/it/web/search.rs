//! The search tests of `quarry serve`: filters as the query's field filters (the CLI's counts),
//! downloads of every hit (the CLI's files), coding every hit as one batch and undoing it,
//! refused forms, and hostile text shown as text.

use super::{form_key, Server};
use crate::{ok, sample_project};
use quarry::project::Project;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

/// A raw request with `cookies` (beside the token's) and a form `body` (POST when given);
/// (status, head, body bytes).
fn request(s: &Server, path: &str, cookies: &str, body: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut st = TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
    st.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let method = if body.is_some() { "POST" } else { "GET" };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}{cookies}\r\nConnection: close\r\n",
        s.port,
        s.cookie()
    );
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    st.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    st.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head[9..12].parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

/// POST `body` to `/search/code` as the coder Ana; (status, page).
fn code(s: &Server, body: &str) -> (u16, String) {
    let (status, _, page) = request(
        s,
        "/search/code",
        &format!("; quarry_{}_coder=Ana", s.port),
        Some(body),
    );
    (status, String::from_utf8(page).unwrap())
}

/// The number a results page shows (`<b>N</b> matching segment`).
fn shown(page: &str) -> usize {
    let at = page.find("</b> matching segment").expect("a count");
    page[..at].rsplit("<b>").next().unwrap().parse().unwrap()
}

/// `quarry search --count QUERY`.
fn count(d: &Path, query: &str) -> usize {
    ok(d, &["search", "--count", query]).trim().parse().unwrap()
}

/// The standing decisions of the project, read through the library.
fn decisions(d: &Path) -> Vec<quarry::store::DecisionRow> {
    Project::open(d).unwrap().store().decisions(None).unwrap()
}

#[test]
fn filters_are_the_querys_field_filters_with_the_clis_counts() {
    let p = sample_project();
    let d = p.path();
    let s = Server::start(d);
    // Each filter, as the page's form sends it, against the query a person would type.
    let cases = [
        (
            "q=trust&role=participant",
            "(trust) role:participant",
            "trust",
        ),
        ("speaker=Anouk+Jansen", "speaker:\"Anouk Jansen\"", ""),
        (
            "q=social&doc=P05_interview",
            "(social) doc:\"P05_interview\"",
            "social",
        ),
        (
            "q=social&attr=country%3DCanada",
            "(social) attr.country:\"Canada\"",
            "social",
        ),
        (
            "hashtag=meded&is=original",
            "hashtag:\"meded\" is:original",
            "hashtag:meded",
        ),
        (
            "q=social&from=2022-02-01",
            "(social) date:[2022-02-01 TO *]",
            "social",
        ),
        (
            "q=social&platform=x&to=2022-12-31",
            "(social) platform:x date:[* TO 2022-12-31]",
            "social",
        ),
    ];
    for (params, typed, unfiltered) in cases {
        let page = s.page(&format!("/search?{params}"));
        let n = count(d, typed);
        assert!(n > 0, "{typed} finds something in the sample");
        assert_eq!(shown(&page), n, "{params}: {page}");
        if !unfiltered.is_empty() {
            assert!(n < count(d, unfiltered), "{params} narrows {unfiltered}");
        }
        let cli = typed.replace('"', "&quot;");
        assert!(
            page.contains(&format!("quarry search '{cli}'")),
            "{params}: {page}"
        );
    }
    // The drop-downs hold the project's speakers, documents and attributes; post filters
    // show, since the sample holds posts.
    let page = s.page("/search?q=trust");
    for option in [
        "<option value=\"Anouk Jansen\">",
        "<option value=\"P05_interview\">",
        "<option value=\"country=Canada\">",
        "name=\"hashtag\"",
        "<option value=\"original\">",
    ] {
        assert!(page.contains(option), "{option}: {page}");
    }
    // A chosen value stays chosen.
    let page = s.page("/search?q=trust&role=participant");
    assert!(
        page.contains("<option value=\"participant\" selected>"),
        "{page}"
    );
    // A value the query language cannot hold is refused on the page, saying why.
    let page = s.page("/search?q=trust&speaker=Ana%22s");
    assert!(page.contains("cannot hold a double quote"), "{page}");
    assert!(!page.contains("matching segment"), "{page}");
    // A codebook is one the project knows, never a file read from a form.
    let page = s.page("/search?q=trust&codebook=%2Fetc%2Fpasswd");
    assert!(page.contains("knows no codebook"), "{page}");
}

#[test]
fn downloads_hold_every_hit_as_the_cli_writes_them() {
    let p = sample_project();
    let d = p.path();
    let s = Server::start(d);
    let total = count(d, "social");
    assert!(total > 50, "more hits than one page shows");
    let get = |path: &str| {
        let (status, head, body) = request(&s, path, "", None);
        assert_eq!(status, 200, "{path}: {head}");
        (head.to_lowercase(), body)
    };
    // CSV and JSON: byte for byte what the CLI writes, every hit.
    let (head, csv) = get("/search/download?q=social&format=csv");
    assert!(
        head.contains("content-disposition: attachment; filename=\"search-social.csv\""),
        "{head}"
    );
    assert!(head.contains("content-type: text/csv"), "{head}");
    let cli_csv = ok(d, &["search", "social", "--format", "csv"]);
    assert_eq!(String::from_utf8(csv).unwrap(), cli_csv);
    let rows = csv::Reader::from_reader(cli_csv.as_bytes())
        .records()
        .count();
    assert_eq!(rows, total, "a row per hit");
    let (head, json) = get("/search/download?q=social&format=json");
    assert!(head.contains("filename=\"search-social.json\""), "{head}");
    let cli_json = ok(d, &["search", "social", "--format", "json"]);
    assert_eq!(String::from_utf8(json).unwrap(), cli_json);
    // With filters: the hits of the query they make.
    let (_, csv) = get("/search/download?q=social&role=participant&format=csv");
    let typed = ok(
        d,
        &["search", "(social) role:participant", "--format", "csv"],
    );
    assert_eq!(String::from_utf8(csv).unwrap(), typed);
    // XLSX: a workbook with the CSV's columns and a row per hit, each quote as written.
    let (head, xlsx) = get("/search/download?q=social&format=xlsx");
    assert!(head.contains("filename=\"search-social.xlsx\""), "{head}");
    assert!(head.contains("spreadsheetml"), "{head}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hits.xlsx");
    std::fs::write(&file, xlsx).unwrap();
    let sheet = quarry::review::sheet::read(&file).unwrap();
    assert_eq!(sheet.rows.len(), total);
    let header = cli_csv.lines().next().unwrap();
    assert_eq!(sheet.header.join(","), header);
    let hits: serde_json::Value = serde_json::from_str(&cli_json).unwrap();
    for (row, hit) in sheet.rows.iter().zip(hits["hits"].as_array().unwrap()) {
        assert_eq!(sheet.get(row, "quote"), hit["text"].as_str());
        assert_eq!(
            sheet.get(row, "segment").unwrap(),
            hit["segment"].to_string()
        );
    }
    // What cannot be downloaded says so.
    let (status, _, _) = request(&s, "/search/download?q=social&format=pdf", "", None);
    assert_eq!(status, 400);
    let (status, _, body) = request(&s, "/search/download?q=trust+AND+(&format=csv", "", None);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn coding_hits_stores_one_batch_that_undo_takes_back() {
    let p = sample_project();
    let d = p.path();
    let s = Server::start(d);
    let query = "(trust) role:participant";
    let n = count(d, query);
    let page = s.page("/search?q=trust&role=participant");
    assert!(
        page.contains("<option value=\"tdf tdf.knowledge\">tdf.knowledge — Knowledge</option>"),
        "{page}"
    );
    let search = "q=trust&role=participant&apply=tdf+tdf.knowledge";

    // No key, or one this server never issued: refused, nothing stored.
    for key in ["", "form=0000&"] {
        let (status, _, body) = s.post(
            "/search/code",
            &format!("{key}{search}&action=confirm&n={n}"),
        );
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("This change was refused"), "{body}");
    }
    assert!(decisions(d).is_empty());

    // First the question, which stores nothing.
    let (status, ask) = code(&s, &format!("form={}&{search}", form_key(&page)));
    assert_eq!(status, 200, "{ask}");
    assert!(
        ask.contains(&format!(
            "Code {n} segments with <code>tdf.knowledge</code> (Knowledge)? This is one batch; you can undo it."
        )),
        "{ask}"
    );
    assert!(decisions(d).is_empty());

    // Then every hit, as one batch of Ana's.
    let key = form_key(&ask);
    let confirm = format!("form={key}&{search}&action=confirm&n={n}");
    let (status, done) = code(&s, &confirm);
    assert_eq!(status, 200, "{done}");
    let stored = decisions(d);
    assert_eq!(stored.len(), n);
    let batch = stored[0].batch.expect("a batch");
    assert!(
        done.contains(&format!(
            "Coded {n} segments with <code>tdf.knowledge</code> (Knowledge) as batch {batch}"
        )),
        "{done}"
    );
    assert!(stored.iter().all(|r| r.batch == Some(batch)
        && r.coder == "Ana"
        && r.codebook == "tdf"
        && r.code == "tdf.knowledge"
        && r.accept));
    let cli: serde_json::Value =
        serde_json::from_str(&ok(d, &["search", query, "--format", "json"])).unwrap();
    let mut want: Vec<i64> = cli["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["segment"].as_i64().unwrap())
        .collect();
    let mut got: Vec<i64> = stored.iter().map(|r| r.segment).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the CLI's hits, each once");

    // The same confirmation sent again (a reload) codes nothing twice.
    let (_, again) = code(&s, &confirm);
    assert!(again.contains("already done"), "{again}");
    assert_eq!(decisions(d).len(), n);
    // A confirmation of another count than the search now finds asks again.
    let (_, stale) = code(
        &s,
        &format!("form={key}x&{search}&action=confirm&n={}", n + 1),
    );
    assert!(
        stale.contains("refused"),
        "a changed key is refused: {stale}"
    );
    let (_, stale) = code(
        &s,
        &format!(
            "form={}&{search}&action=confirm&n={}",
            form_key(&page),
            n + 1
        ),
    );
    assert!(
        stale.contains(&format!("The search now finds {n} segments, not {}", n + 1)),
        "{stale}"
    );
    assert_eq!(decisions(d).len(), n);

    // Undo: refused without a key, then the whole batch, as `quarry undo BATCH`.
    let undo = format!("{search}&action=undo&batch={batch}");
    let (status, _) = code(&s, &format!("form=nope&{undo}"));
    assert_eq!(status, 403);
    assert_eq!(decisions(d).len(), n);
    let (status, undone) = code(&s, &format!("form={}&{undo}", form_key(&done)));
    assert_eq!(status, 200, "{undone}");
    assert!(
        undone.contains(&format!("Undid batch {batch}: {n} decisions")),
        "{undone}"
    );
    assert!(decisions(d).is_empty());
    // Undoing it twice says there is nothing left.
    let (status, twice) = code(&s, &format!("form={}&{undo}", form_key(&done)));
    assert_eq!(status, 400, "{twice}");
    assert!(twice.contains("no standing decisions in batch"), "{twice}");
}

#[test]
fn hostile_text_in_hits_filters_and_queries_is_shown_as_text() {
    let p = crate::project();
    let d = p.path();
    let evil = "Interviewer: Do you <script>document.title='owned'</script> trust it?\n\n\
                P1: \"><img src=x onerror=\"document.title='owned'\"> trust &amp; more\n\n\
                Interviewer: And <b>after</b> that?\n";
    std::fs::write(d.join("ev\"il<i>.txt"), evil).unwrap();
    ok(
        d,
        &[
            "add",
            "ev\"il<i>.txt",
            "--attr",
            "site=<img src=y onerror=alert(1)>",
        ],
    );
    let s = Server::start(d);
    let page = s.page("/search?q=trust&speaker=%3Cscript%3Ex%3C%2Fscript%3E*");
    assert!(page.contains("<b>0</b> matching segments"), "{page}");
    for page in [
        page,
        s.page("/search?q=trust"),
        s.page("/search?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ] {
        for raw in ["<script>", "<img", "<i>", "<b>after"] {
            assert!(!page.contains(raw), "{raw} in {page}");
        }
        assert!(page.contains("&lt;script&gt;"), "{page}");
    }
    let page = s.page("/search?q=trust");
    assert!(page.contains("<b>2</b> matching segments"), "{page}");
    assert!(page.contains("&lt;img src=x onerror="), "{page}");
    assert!(page.contains("ev&quot;il&lt;i&gt;"), "{page}");
    assert!(page.contains("&amp;amp;"), "{page}");
    assert!(
        page.contains("site = &lt;img src=y onerror=alert(1)&gt;"),
        "{page}"
    );
    // The confirmation repeats the query as text too.
    let (status, ask) = code(
        &s,
        &format!(
            "form={}&q=trust+OR+%3Cscript%3E&apply=tdf+tdf.knowledge",
            form_key(&page)
        ),
    );
    assert_eq!(status, 200, "{ask}");
    assert!(!ask.contains("<script>"), "{ask}");
    assert!(ask.contains("trust OR &lt;script&gt;"), "{ask}");
}
