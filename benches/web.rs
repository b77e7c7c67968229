//! `quarry serve`'s latency over raw HTTP, as a browser would ask: the release binary serving
//! a project, requests on fresh loopback connections, the time from sending a request to the
//! last byte of its answer. Prints p50 / p95 / max per page:
//! - a search page (`/search?q=...`, the first 50 hits with context), for a few queries;
//! - the longest document's transcript (`/document?name=...`);
//! - a review decision's round trip (POST /review/decide, then GET of the page it sends the
//!   browser to: the next item), once /review is built (until then the row says so).
//!
//! The project: the one in QUARRY_BENCH_PROJECT (e.g. a 1 GB study made with
//! `../shared/bench/corpus.py` and `quarry add`, after `quarry suggest --codebook ...` for
//! review), else a generated one: QUARRY_BENCH_DOCS interviews (default 6,000) of 60 turns
//! made from the sample study's sentences, plus one two-hour transcript of 1,440 turns, with
//! sm-uptake's suggestions (360,000 segments; about 40 s to build on 2 cores). A given project
//! is only read and served; the round trip decides (and leaves) a few suggestions for the
//! coder `bench`.
//!
//! usage: cargo bench --bench web [-- ITERS]       (default 40 requests per row)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;
use common::{sample_turns, Rng};

const QUARRY: &str = env!("CARGO_BIN_EXE_quarry");

/// The search queries measured (words of the sample study, one rare, one common, an OR).
const QUERIES: [&str; 3] = [
    "misinformation",
    "teach*",
    "trust OR \"fake news\" OR unreliable",
];

fn main() {
    let iters: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .and_then(|a| a.parse().ok())
        .unwrap_or(40);
    let config = tempfile::tempdir().expect("a temporary folder");
    let generated;
    let root: PathBuf = match std::env::var_os("QUARRY_BENCH_PROJECT") {
        Some(dir) => PathBuf::from(dir),
        None => {
            generated = tempfile::tempdir().expect("a temporary folder");
            let docs = std::env::var("QUARRY_BENCH_DOCS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(6000);
            build(generated.path(), docs, config.path());
            generated.path().to_path_buf()
        }
    };
    let (docs, segments, longest, longest_turns) = corpus(&root, config.path());
    eprintln!(
        "project {}: {docs} documents, {segments} segments; longest {longest} ({longest_turns} turns)",
        root.display()
    );
    let server = Server::start(&root, config.path());
    let mut rows: Vec<Row> = Vec::new();
    for q in QUERIES {
        let path = format!("/search?q={}", encode(q));
        rows.push(server.measure(&format!("search {q}"), iters, || server.get_ok(&path)));
    }
    let path = format!("/document?name={}", encode(&longest));
    rows.push(server.measure(
        &format!("transcript {longest} ({longest_turns} turns)"),
        iters,
        || server.get_ok(&path),
    ));
    rows.push(review_round_trip(&server, iters));
    print_table(&rows);
}

// ------------------------------------------------------------------- the review round trip

/// A decision's round trip: POST the page's accept form to /review/decide, then GET where
/// the answer sends the browser (the next item), as the review page's keys do.
//
// The review page keeps a walk per coder and address: each round trip decides the item shown
// and the redirect shows the next, as a person pressing `a` over and over would see it.
fn review_round_trip(server: &Server, iters: usize) -> Row {
    let what = "review decision (POST /review/decide + GET next)";
    let (status, _, page) = server.get("/review");
    if status == 501 {
        return Row::missing(what, "GET /review answers 501: not built");
    }
    if status != 200 {
        return Row::missing(what, &format!("GET /review answered {status}"));
    }
    let mut page = page;
    let before = decided(&server.root);
    let row = server.measure(what, iters, || {
        let Some(form) = decide_form(&page) else {
            panic!("no form posting to /review/decide on the review page:\n{page}");
        };
        let (status, head, body) = server.post("/review/decide", &form);
        page = match status {
            303 | 302 => {
                let to = header(&head, "location").expect("a Location");
                let (status, _, next) = server.get(&to);
                assert_eq!(status, 200, "GET {to} after a decision: {next}");
                next
            }
            200 => body,
            _ => panic!("POST /review/decide answered {status}: {body}"),
        };
        page.len()
    });
    // Every round trip stored its decision (the warm-up's too).
    let stored = decided(&server.root) - before;
    assert_eq!(stored, iters + 3, "decisions stored by the round trips");
    if let Some(said) = page.find("Not stored") {
        panic!("{}", &page[said..page.len().min(said + 300)]);
    }
    row
}

/// How many decisions the coder `bench` has in force.
fn decided(root: &Path) -> usize {
    quarry::project::Project::open(root)
        .and_then(|p| Ok(p.store().decisions(Some("bench"))?.len()))
        .expect("reading the decisions")
}

/// The body to POST for the review page's decision form (`<form id="decide">`): its hidden
/// fields and its first button's name and value (accept).
fn decide_form(page: &str) -> Option<String> {
    let start = page.find("<form id=\"decide\"")?;
    let end = start + page[start..].find("</form>")?;
    let form = &page[start..end];
    let mut fields: Vec<String> = Vec::new();
    let mut button = None;
    for tag in form.split('<').skip(1) {
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            let i = tag.find(&key)? + key.len();
            Some(tag[i..i + tag[i..].find('"')?].to_string())
        };
        if tag.starts_with("input") && attr("type").as_deref() == Some("hidden") {
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                fields.push(format!("{}={}", encode(&n), encode(&unescape(&v))));
            }
        } else if tag.starts_with("button") && button.is_none() {
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                button = Some(format!("{}={}", encode(&n), encode(&unescape(&v))));
            }
        }
    }
    fields.extend(button);
    Some(fields.join("&"))
}

// ----------------------------------------------------------------------------- the project

/// Runs the quarry binary in `dir`; panics with its output on failure.
fn quarry(dir: &Path, config: &Path, args: &[&str]) -> String {
    let out = Command::new(QUARRY)
        .current_dir(dir)
        .env("QUARRY_CONFIG", config.join("config.toml"))
        .env_remove("QUARRY_PROJECT")
        .args(args)
        .output()
        .expect("running quarry");
    assert!(
        out.status.success(),
        "quarry {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `(hh:mm:ss) Speaker: text` turns, `n` of them, `step` seconds apart.
fn transcript(rng: &mut Rng, turns: &[String], n: usize, step: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let t = i * step;
        let who = if i % 2 == 0 {
            "Interviewer"
        } else {
            "Participant"
        };
        let said = &turns[rng.below(turns.len())];
        s.push_str(&format!(
            "({:02}:{:02}:{:02}) {who}: {said}\n\n",
            t / 3600,
            t / 60 % 60,
            t % 60
        ));
    }
    s
}

/// A generated project in `dir`: `docs` interviews of 60 turns and one of two hours.
fn build(dir: &Path, docs: usize, config: &Path) {
    let start = Instant::now();
    let turns = sample_turns();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let files = dir.join("files");
    std::fs::create_dir_all(&files).expect("a folder");
    for i in 0..docs {
        let text = transcript(&mut rng, &turns, 60, 20);
        std::fs::write(files.join(format!("interview_{i:05}.txt")), text).expect("writing");
    }
    let long = transcript(&mut rng, &turns, 1440, 5);
    std::fs::write(files.join("two_hour_focus_group.txt"), long).expect("writing");
    quarry(dir, config, &["init"]);
    quarry(dir, config, &["add", "files"]);
    quarry(dir, config, &["suggest", "--codebook", "sm-uptake"]);
    eprintln!(
        "generated {} interviews and a two-hour one in {:.1} s",
        docs,
        start.elapsed().as_secs_f64()
    );
}

/// (documents, segments, the longest document's name, its segments).
fn corpus(root: &Path, config: &Path) -> (usize, u64, String, u64) {
    let list = quarry(root, config, &["list", "documents", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&list).expect("JSON");
    let list = list.as_array().expect("a list of documents");
    let seg = |d: &serde_json::Value| d["segments"].as_u64().unwrap_or(0);
    let longest = list.iter().max_by_key(|d| seg(d)).expect("a document");
    (
        list.len(),
        list.iter().map(seg).sum(),
        longest["name"].as_str().expect("a name").to_string(),
        seg(longest),
    )
}

// ------------------------------------------------------------------------------ the server

/// `quarry serve` on the project, stopped when dropped.
struct Server {
    root: PathBuf,
    child: Child,
    _out: BufReader<std::process::ChildStdout>,
    port: u16,
    cookie: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Server {
    fn start(root: &Path, config: &Path) -> Server {
        let mut child = Command::new(QUARRY)
            .current_dir(root)
            .env("QUARRY_CONFIG", config.join("config.toml"))
            .env_remove("QUARRY_PROJECT")
            .args(["serve", "--no-open", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting quarry serve");
        let mut out = BufReader::new(child.stdout.take().expect("its output"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the address");
        let (base, token) = line
            .trim()
            .split_once("/?token=")
            .expect("an address with a token");
        let port: u16 = base
            .rsplit_once(':')
            .expect("a port")
            .1
            .parse()
            .expect("a port");
        // Let in, and coding as `bench` (the cookie /coder would set).
        let cookie = format!("quarry_{port}={token}; quarry_{port}_coder=bench");
        Server {
            root: root.to_path_buf(),
            child,
            _out: out,
            port,
            cookie,
        }
    }

    /// One request; (status, head, body).
    fn request(&self, head: &str, body: &str) -> (u16, String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(120))).ok();
        s.set_nodelay(true).ok();
        let req = format!(
            "{head}\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nConnection: close\r\n\r\n{body}",
            self.port, self.cookie
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("receive");
        let raw = String::from_utf8_lossy(&raw);
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, head.to_string(), body.to_string())
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        self.request(&format!("GET {path} HTTP/1.1"), "")
    }

    fn post(&self, path: &str, form: &str) -> (u16, String, String) {
        self.request(
            &format!(
                "POST {path} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}",
                form.len()
            ),
            form,
        )
    }

    /// GET that must answer 200; the body's length.
    fn get_ok(&self, path: &str) -> usize {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body.len()
    }

    /// Times `f` (which returns the bytes it received) `iters` times after 3 warm-up runs.
    fn measure(&self, what: &str, iters: usize, mut f: impl FnMut() -> usize) -> Row {
        let mut times = Vec::with_capacity(iters);
        let mut bytes = 0;
        for i in 0..iters + 3 {
            let t = Instant::now();
            bytes = f();
            if i >= 3 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        Row {
            what: what.to_string(),
            figures: Some((times.len(), pct(0.5), pct(0.95), pct(1.0), bytes)),
            note: String::new(),
        }
    }
}

// --------------------------------------------------------------------------------- output

/// One line of the table.
struct Row {
    what: String,
    /// (requests, p50 ms, p95 ms, max ms, bytes of the last answer).
    figures: Option<(usize, f64, f64, f64, usize)>,
    note: String,
}

impl Row {
    fn missing(what: &str, note: &str) -> Row {
        Row {
            what: what.to_string(),
            figures: None,
            note: note.to_string(),
        }
    }
}

fn print_table(rows: &[Row]) {
    let w = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(4);
    println!(
        "{:<w$}  {:>5}  {:>8}  {:>8}  {:>8}  {:>9}",
        "page", "n", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    for r in rows {
        match r.figures {
            Some((n, p50, p95, max, bytes)) => println!(
                "{:<w$}  {n:>5}  {p50:>8.1}  {p95:>8.1}  {max:>8.1}  {bytes:>9}",
                r.what
            ),
            None => println!("{:<w$}  {}", r.what, r.note),
        }
    }
}

/// The value of header `name` (lowercase) in a response head.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// `s` percent-encoded for a query string or form.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The five entities maud writes in attribute values, decoded.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
