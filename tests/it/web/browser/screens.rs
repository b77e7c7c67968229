//! Screenshots of every page of the sample study at 1280×800, for people to look at (CI keeps
//! them) and checked not to be blank. Ignored by a plain `cargo test`; .ci/run runs it after
//! the tests:
//!
//! `cargo test --test it web::browser::screens -- --ignored --nocapture`
//!
//! The folder is QUARRY_SCREENSHOTS, else `screenshots` in the target folder. A page that is
//! not built yet (501) is still photographed, but only pages that answer 200 must show
//! something; the output says which were checked.

use super::{decode_png, Driver, HEIGHT, WIDTH};
use crate::web::Server;
use crate::{ok, sample_project};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

/// The pages: (file name, address).
const PAGES: [(&str, &str); 12] = [
    ("01-overview", "/"),
    ("02-documents", "/documents"),
    ("03-transcript", "/document?name=P04_interview"),
    ("04-transcript-at-a-turn", "/document?name=P04_interview#s"),
    ("05-search", "/search?q=trust"),
    ("06-search-bad-query", "/search?q=trust+AND+%28"),
    ("07-review", "/review"),
    ("08-codebooks", "/codebook"),
    ("09-codebook-tdf", "/codebook?name=tdf"),
    ("10-agreement", "/agreement"),
    ("11-report", "/report"),
    ("12-coder", "/coder"),
];

/// Where the screenshots go.
fn folder() -> PathBuf {
    if let Some(d) = std::env::var_os("QUARRY_SCREENSHOTS") {
        return PathBuf::from(d);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo().join("target"))
        .join("screenshots")
}

/// What a screenshot holds: (distinct colours, the share of pixels unlike the commonest).
fn ink(pixels: &[[u8; 3]]) -> (usize, f64) {
    let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
    for p in pixels {
        *counts.entry(*p).or_default() += 1;
    }
    let commonest = counts.values().copied().max().unwrap_or(0);
    let share = 1.0 - commonest as f64 / pixels.len().max(1) as f64;
    (counts.len(), share)
}

/// The sample study as a team would have it: sm-uptake and tdf suggested, and ana and bo
/// each through part of the barriers (so review, agreement and the report have something).
fn coded_sample() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    ok(
        d,
        &["suggest", "--codebook", "sm-uptake", "--codebook", "tdf"],
    );
    let order = [
        "--codebook",
        "sm-uptake",
        "--code",
        "smu.barriers",
        "--order",
        "document",
    ];
    crate::review::review(
        d,
        &[&["--coder", "ana"][..], &order].concat(),
        "a\na\nr\na\nr\na\nq\n",
    );
    crate::review::review(
        d,
        &[&["--coder", "bo"][..], &order].concat(),
        "a\nr\nr\na clear case\na\na\nq\n",
    );
    p
}

#[test]
#[ignore = "writes screenshots; .ci/run runs it after the tests"]
fn every_page_at_1280_by_800_shows_something() {
    let p = coded_sample();
    let d = p.path();
    let s = Server::start(d);
    let Some(driver) = Driver::start("no screenshots were taken") else {
        return;
    };
    let b = driver.browser(&s);
    b.as_coder("ana");
    let dir = folder();
    std::fs::create_dir_all(&dir).unwrap();
    // A turn in the middle of the transcript, to show how a quote's link lands.
    let seg: serde_json::Value = serde_json::from_str(&ok(
        d,
        &[
            "list",
            "segments",
            "--document",
            "P04_interview",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let segs = seg.as_array().unwrap();
    let middle = segs[segs.len() / 2]["segment"].to_string();
    let mut out = std::io::stderr().lock();
    writeln!(out, "screenshots in {}:", dir.display()).unwrap();
    let mut blank = Vec::new();
    for (name, path) in PAGES {
        let path = if path.ends_with("#s") {
            format!("{path}{middle}")
        } else {
            path.to_string()
        };
        b.go(&path);
        let status = b.status();
        let png = b.screenshot();
        let file = dir.join(format!("{name}.png"));
        std::fs::write(&file, &png).unwrap();
        let (w, h, pixels) = decode_png(&png);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{name}: the window's size");
        let (colours, share) = ink(&pixels);
        let white = pixels.iter().all(|p| *p == [255, 255, 255]);
        let seen = format!("{colours} colours, {:.1}% ink", share * 100.0);
        if status == 200 {
            let ok = colours > 1 && !white && share > 0.005;
            writeln!(
                out,
                "  {name}.png  {path}  200  {seen}  {}",
                if ok { "checked: not blank" } else { "BLANK" }
            )
            .unwrap();
            if !ok {
                blank.push(format!("{name} ({path}): {seen}"));
            }
        } else {
            writeln!(
                out,
                "  {name}.png  {path}  {status}  {seen}  not checked (not built yet or not 200)"
            )
            .unwrap();
        }
    }
    assert!(blank.is_empty(), "blank pages: {blank:?}");
}
