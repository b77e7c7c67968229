//! `quarry report` through the real binary on the sample study: HTML, Markdown and JSON
//! against what `status`, `rules` and `agreement` print, and the HTML page rendered by a real
//! browser (headless Chromium) when one is installed.

use super::{agreement_json, fails, json, ok, project, quarry, sample_project};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `quarry review ARGS` with `input` on stdin.
fn review(d: &Path, args: &[&str], input: &str) {
    let mut a = vec!["review", "--lines"];
    a.extend_from_slice(args);
    let out = quarry(d).args(&a).write_stdin(input).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The sample study with a document whose name is markup, sm-uptake suggestions, two coders'
/// scripted reviews of the same code and one coding by hand.
fn coded_study() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    let extra = tempfile::tempdir().unwrap();
    std::fs::write(
        extra.path().join("<i onmouseover=alert(1)>P15.txt"),
        "Interviewer: How do you keep up?\nP15: I lurk on Twitter and scroll past misinformation.\n",
    )
    .unwrap();
    ok(d, &["add", extra.path().to_str().unwrap()]);
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let queue = [
        "--codebook",
        "sm-uptake",
        "--code",
        "smu.barriers",
        "--order",
        "document",
    ];
    let ana = [&queue[..], &["--coder", "ana"]].concat();
    review(d, &ana, "a\nr\nc smu.facilitators.accessibility\na\nq\n");
    let bo = [&queue[..], &["--coder", "bo"]].concat();
    review(d, &bo, "a\na\nr\nr\nq\n");
    let hit = json(&ok(
        d,
        &[
            "search",
            "visual abstracts",
            "--format",
            "json",
            "--limit",
            "1",
        ],
    ));
    let seg = hit["hits"][0]["segment"]
        .as_i64()
        .unwrap_or_else(|| panic!("{hit}"));
    ok(
        d,
        &["code", &seg.to_string(), "smu.active_use", "--coder", "ana"],
    );
    p
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

const SECTIONS: [&str; 7] = [
    "Corpus overview",
    "Codes: suggested, accepted, rejected",
    "Codes by attribute",
    "Codes together",
    "Coverage per document",
    "Agreement between coders",
    "Rules ranked by precision",
];

#[test]
fn report_in_html_markdown_and_json_matches_the_other_commands() {
    let p = coded_study();
    let d = p.path();
    let said = ok(d, &["report", "--out", "r.html"]);
    assert!(said.contains("r.html"), "{said}");
    let html = read(&d.join("r.html"));
    for (i, s) in SECTIONS.iter().enumerate() {
        assert!(html.contains(&format!("{}. {s}</h2>", i + 1)), "{s}");
    }
    assert!(html.contains("P01_interview") && html.contains("smu.barriers"));
    assert!(html.matches("<svg").count() >= 6, "charts and heat maps");
    // Self-contained and inert: no script, nothing fetched, the odd name escaped.
    assert!(!html.contains("<script") && !html.contains("<i onmouseover"));
    assert!(html.contains("&lt;i onmouseover=alert(1)&gt;P15"));
    for outside in ["<link", "src=", "@import", "url(", "href=\"http"] {
        assert!(!html.contains(outside), "{outside}");
    }
    assert!(html.contains("Only one coder") || html.contains("ana and bo"));

    ok(d, &["report", "--out", "r.json"]);
    let r = json(&read(&d.join("r.json")));
    let status = json(&ok(d, &["status", "--format", "json"]));
    let docs = json(&ok(d, &["list", "documents", "--format", "json"]));
    assert_eq!(r["corpus"]["documents"], docs.as_array().unwrap().len());
    assert_eq!(r["corpus"]["documents"], status["documents"]);
    assert_eq!(r["corpus"]["segments"], status["segments"]);
    assert_eq!(
        r["corpus"]["documents"], 21,
        "20 of the sample and one more"
    );
    assert!(r["corpus"]["posts"].as_u64().unwrap() > 0);
    let months: u64 = r["corpus"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["count"].as_u64().unwrap())
        .sum();
    assert_eq!(Value::from(months), r["corpus"]["posts"]);
    assert_eq!(r["codebooks"], serde_json::json!(["sm-uptake"]));

    // Codes: the same figures as `quarry rules`.
    let rules = json(&ok(
        d,
        &["rules", "--codebook", "sm-uptake", "--format", "json"],
    ));
    let codes = r["codes"][0]["codes"].as_array().unwrap();
    let code = |id: &str| codes.iter().find(|c| c["code"] == id).cloned();
    for q in rules["codes"].as_array().unwrap() {
        let Some(c) = code(q["code"].as_str().unwrap()) else {
            assert_eq!(q["fired"], 0, "{q}");
            continue;
        };
        assert_eq!(c["suggested"], q["fired"]);
        assert_eq!(c["decided"], q["decided"]);
        assert_eq!(c["accepted"], q["accepted"]);
        assert_eq!(c["precision"], q["precision"]);
    }
    let decided: u64 = codes.iter().map(|c| c["decided"].as_u64().unwrap()).sum();
    assert!(decided >= 8, "two coders, four decisions each: {decided}");
    // Codings after review: the change and the coding by hand count too.
    assert!(code("smu.facilitators.accessibility").unwrap()["coded_segments"] == 1);
    assert!(code("smu.active_use").unwrap()["coded_segments"].as_u64() >= Some(1));

    // Attribute matrices: every coded segment lands in one column of each.
    let coded: std::collections::HashMap<&str, u64> = codes
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["coded_segments"].as_u64().unwrap(),
            )
        })
        .collect();
    let matrices = r["attributes"]["matrices"].as_array().unwrap();
    let role = matrices
        .iter()
        .find(|m| m["of"] == "document" && m["key"] == "role")
        .expect("a code × role matrix");
    for (code, counts) in role["grid"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(role["grid"]["counts"].as_array().unwrap())
    {
        let sum: u64 = counts
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(sum, coded[code.as_str().unwrap()], "{code}");
    }
    assert!(matrices.iter().any(|m| m["key"] == "country"));
    assert!(r["attributes"]["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k.as_str().unwrap().starts_with("document participant")));

    // Coverage: the coded segments add up.
    let distinct: u64 = r["coverage"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["coded"].as_u64().unwrap())
        .sum();
    assert_eq!(r["coverage"]["total"]["coded"], distinct);
    assert!(distinct >= 4);

    // Agreement: the same figures as `quarry agreement`.
    let pair = &r["agreement"][0]["pairs"][0];
    assert_eq!(
        (&pair["first"], &pair["second"]),
        (&"ana".into(), &"bo".into())
    );
    let a = agreement_json(d, "ana,bo", "sm-uptake");
    assert_eq!(pair["overall"], a["overall"]);
    assert_eq!(
        pair["disagreements"],
        a["disagreements"].as_array().unwrap().len()
    );
    // Rules: ranked by precision, highest first.
    let ranked = r["rules"]["ranked"].as_array().unwrap();
    assert!(!ranked.is_empty());
    let p: Vec<f64> = ranked
        .iter()
        .map(|x| x["precision"].as_f64().unwrap())
        .collect();
    assert!(p.windows(2).all(|w| w[0] >= w[1]), "{p:?}");

    // Markdown: the same tables, user text escaped.
    ok(d, &["report", "--out", "r.txt", "--format", "md"]);
    let md = read(&d.join("r.txt"));
    for (i, s) in SECTIONS.iter().enumerate() {
        assert!(md.contains(&format!("## {}. {s}", i + 1)), "{s}");
    }
    assert!(md.contains("| code | suggested | decided |"), "{md}");
    assert!(md.contains("\\<i onmouseover=alert(1)\\>P15"), "{md}");
    assert!(md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')));
    // Only one codebook; an unknown one is refused.
    ok(
        d,
        &["report", "--codebook", "sm-uptake", "--out", "one.html"],
    );
    fails(
        d,
        &["report", "--codebook", "tdf", "--out", "x.html"],
        "has no suggestions or decisions",
    );
    // A file that cannot be written is named.
    fails(d, &["report", "--out", "no/such/folder/r.html"], "r.html");
}

// r15 item 24: names where ids were, a headline summary, decisions per coder, pairs of
// codes, and the .md and .json forms carry the names too.
#[test]
fn r15_report_leads_with_a_summary_and_names_codes() {
    let p = coded_study();
    let d = p.path();
    ok(d, &["report", "--out", "r.json"]);
    let r = json(&read(&d.join("r.json")));
    // Names in the JSON, beside every code id.
    let codes = r["codes"][0]["codes"].as_array().unwrap();
    let barriers = codes.iter().find(|c| c["code"] == "smu.barriers").unwrap();
    assert_eq!(barriers["name"], "Barriers");
    assert_eq!(
        r["names"]["sm-uptake"]["smu.facilitators.accessibility"],
        "Accessibility"
    );
    assert!(r["rules"]["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| !x["name"].as_str().unwrap().is_empty()));
    // The summary adds up to the tables, and per coder to the codes' decided.
    let s = &r["summary"];
    let sum = |key: &str| -> u64 { codes.iter().map(|c| c[key].as_u64().unwrap()).sum() };
    assert_eq!(s["documents"], r["corpus"]["documents"]);
    assert_eq!(s["suggestions"], sum("suggested"));
    assert_eq!(s["decided"], sum("decided"));
    assert_eq!(s["accepted"], sum("accepted"));
    assert_eq!(s["coders"], serde_json::json!(["ana", "bo"]));
    let coders = r["coders"].as_array().unwrap();
    assert_eq!(coders.len(), 2, "{coders:?}");
    let per: u64 = coders.iter().map(|c| c["decided"].as_u64().unwrap()).sum();
    assert_eq!(per, sum("decided"));

    ok(d, &["report", "--out", "r.html"]);
    let html = read(&d.join("r.html"));
    let summary = &html[html.find("class=\"summary\"").expect("a summary")..];
    let summary = &summary[..summary.find("</div>\n</div>").unwrap()];
    for want in [
        "Documents",
        "Suggestions",
        "Decided",
        "Accepted",
        "Precision",
        "Coders",
        "ana, bo",
    ] {
        assert!(summary.contains(want), "{want} not in {summary}");
    }
    // It comes before the first section.
    assert!(html.find("class=\"summary\"") < html.find("<section"));
    // A code's name, with its id in small print that breaks only between its parts.
    assert!(
        html.contains("<td>Barriers<br><small class=\"id\">smu.<wbr>barriers</small></td>"),
        "no name with id"
    );
    assert!(html.contains("decisions per coder"));
    assert!(
        !html.contains("overflow-wrap: anywhere"),
        "breaks words anywhere"
    );
    // Markdown: names with their ids.
    ok(d, &["report", "--out", "r.md"]);
    let md = read(&d.join("r.md"));
    assert!(md.contains("| Barriers (smu.barriers) |"), "{md}");
    assert!(md.contains("**Decided:"), "{md}");
}

#[test]
fn an_empty_project_reports_nothing_yet() {
    let p = project();
    ok(p.path(), &["report", "--out", "r.md"]);
    let md = read(&p.path().join("r.md"));
    assert_eq!(md.matches("Nothing yet").count(), 7, "{md}");
}

// ------------------------------------------------------------------------------ Chromium

/// A Chromium to render with: `QUARRY_CHROMIUM`, else the first of the usual names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QUARRY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// A Chromium, or None after saying the check was skipped (`what`); with
/// QUARRY_REQUIRE_TOOLS set (as in CI) a missing Chromium is a failure instead.
pub(super) fn chromium_or_skip(what: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var_os("QUARRY_REQUIRE_TOOLS").is_some() {
            panic!(
                "QUARRY_REQUIRE_TOOLS is set but no chromium on PATH (apt-get install chromium)"
            );
        }
        super::skipped(&format!(
            "no chromium on PATH (apt-get install chromium, or set QUARRY_CHROMIUM): {what}"
        ));
    }
    found
}

/// The flags every headless run takes, with its own profile folder.
pub(super) fn headless(c: &mut Command, profile: &Path) {
    c.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
}

/// Runs `cmd` with stdout to `stdout`, killing it after `limit`. Returns whether it
/// succeeded, with its standard error.
pub(super) fn run_for(cmd: &mut Command, stdout: &Path, limit: Duration) -> (bool, String) {
    let err = stdout.with_extension("stderr");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("starting chromium");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium took more than {limit:?}: {}", read(&err));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (
        status.success(),
        std::fs::read_to_string(&err).unwrap_or_default(),
    )
}

/// The report as a browser shows it: a screenshot that is not blank and holds the charts'
/// colours, and a DOM with the tables and SVG charts. Skipped when no Chromium is installed,
/// unless QUARRY_REQUIRE_TOOLS is set (as in CI), which makes that a failure.
#[test]
fn chromium_renders_the_report() {
    let Some(browser) = chromium_or_skip("the report was not rendered in a browser") else {
        return;
    };
    let p = coded_study();
    let d = p.path();
    let page = d.join("report.html");
    ok(d, &["report", "--out", page.to_str().unwrap()]);
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let profile = tempfile::tempdir().unwrap();
    let base = |c: &mut Command| {
        headless(c, profile.path());
        c.args(["--hide-scrollbars", "--force-color-profile=srgb"]);
    };
    let limit = Duration::from_secs(90);

    let shot = d.join("shot.png");
    let mut c = Command::new(&browser);
    base(&mut c);
    c.arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,4000")
        .arg(&url);
    let (done, err) = run_for(&mut c, &d.join("shot.out"), limit);
    assert!(done && shot.exists(), "no screenshot: {err}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    assert_eq!((info.width, info.height), (1280, 4000));
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let inked = pixels.iter().filter(|p| p.iter().any(|&v| v < 240)).count();
    let share = inked as f64 / pixels.len() as f64;
    assert!(
        share > 0.02,
        "the page looks blank: {:.2}% inked",
        share * 100.0
    );
    // The dark bars (#08519c) and several blues of the heat maps' scale.
    let near = |p: &[u8; 3], q: [u8; 3]| p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= 4);
    let dark = pixels.iter().filter(|p| near(p, [8, 81, 156])).count();
    assert!(dark > 500, "{dark} pixels of the bars' dark blue");
    let blues: std::collections::BTreeSet<[u8; 3]> = pixels
        .iter()
        .filter(|p| p[2] > 100 && p[2] as i32 - p[0] as i32 > 40)
        .copied()
        .collect();
    assert!(blues.len() >= 6, "{} blues", blues.len());

    let dom = d.join("dom.html");
    let mut c = Command::new(&browser);
    base(&mut c);
    c.arg("--dump-dom").arg(&url);
    let (done, err) = run_for(&mut c, &dom, limit);
    assert!(done, "no DOM: {err}");
    let dom = read(&dom);
    assert!(dom.matches("<table").count() >= 8, "{dom}");
    assert!(dom.matches("<svg").count() >= 6);
    assert!(dom.matches("<rect").count() >= 20);
    for s in SECTIONS {
        assert!(dom.contains(s), "{s}");
    }
    assert!(!dom.contains("<script"));
}
