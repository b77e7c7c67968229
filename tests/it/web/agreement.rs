//! The agreement page against `quarry agreement`, with the disagreements to discuss and
//! hostile text in a quote; the report page against `quarry report`, and its downloads.

use super::Server;
use crate::review::review;
use crate::{agreement_json, json, ok, sample_project};
use std::path::Path;

/// A turn the rules of sm-uptake suggest "Teaching tools" for, full of markup.
const HOSTILE: &str = "Interviewer: Tell me about your teaching.\n\nZed: I put it on a slide \
    <script>alert(1)</script> and used it in class \"><img src=x onerror=alert(1)> every week.\n";

/// The sample study with sm-uptake suggested and decided by ana and bo (agreeing on some
/// suggestions, not on others: a reject, and a change to another code with a hostile memo),
/// and one decision by cy.
fn decided() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    std::fs::create_dir(d.join("extra")).unwrap();
    std::fs::write(d.join("extra/hostile.txt"), HOSTILE).unwrap();
    ok(d, &["add", "extra/hostile.txt"]);
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let misinformation = |coder: &str, input: &str| {
        let args = [
            "--coder",
            coder,
            "--codebook",
            "sm-uptake",
            "--code",
            "smu.barriers.misinformation",
            "--order",
            "document",
            "--lines",
        ];
        review(d, &args, input);
    };
    misinformation("ana", "a\na\nr\nr\nq\n");
    misinformation("bo", "a\nr\nr\nr\nq\n");
    misinformation("cy", "r\nq\n");
    let hostile = |coder: &str, input: &str| {
        let args = [
            "--coder",
            coder,
            "--codebook",
            "sm-uptake",
            "--document",
            "hostile",
            "--code",
            "smu.use.teaching_tools",
            "--lines",
        ];
        review(d, &args, input);
    };
    hostile("ana", "a <i>clear</i> case & more\nq\n");
    hostile(
        "bo",
        "c smu.use.research_methods not teaching <script>x</script>\nq\n",
    );
    p
}

/// Text with tags dropped and the five entities maud writes decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The cells' texts of the table row marked `data-code="CODE"`.
fn row(page: &str, code: &str) -> Vec<String> {
    let at = page
        .find(&format!("data-code=\"{code}\""))
        .unwrap_or_else(|| panic!("a row for {code} in {page}"));
    let rest = &page[at..];
    let tr = &rest[..rest.find("</tr>").unwrap()];
    tr.split("</td>")
        .filter_map(|c| c.rfind("<td class=\"num\">").map(|k| text(&c[k..])))
        .collect()
}

/// What the page shows for one agreement figure set of `quarry agreement --format json`.
fn expected(a: &serde_json::Value) -> Vec<String> {
    let coef = |v: &serde_json::Value| v.as_f64().map_or("—".into(), |x| format!("{x:.2}"));
    vec![
        a["units"].to_string(),
        a["agreed"].to_string(),
        a["percent"]
            .as_f64()
            .map_or("—".into(), |p| format!("{p:.1}%")),
        coef(&a["kappa"]),
        coef(&a["alpha"]),
    ]
}

/// The page's disagreements, each as its HTML.
fn articles(page: &str) -> Vec<&str> {
    page.split("<article class=\"disagreement\">")
        .skip(1)
        .map(|a| &a[..a.find("</article>").unwrap()])
        .collect()
}

#[test]
fn agreement_shows_what_the_cli_computes_with_each_disagreement_to_discuss() {
    let p = decided();
    let d = p.path();
    let cli = agreement_json(d, "ana,bo", "sm-uptake");
    let s = Server::start(d);
    // By default: the codebook and the two coders with the most decisions.
    let page = s.page("/agreement");
    assert!(page.contains("<option value=\"ana\" selected>"), "{page}");
    let second = &page[page.find("id=\"second\"").unwrap()..];
    assert!(second.contains("<option value=\"bo\" selected>"), "{page}");
    assert!(page.contains("Cohen's κ (kappa)") && page.contains("Krippendorff's α (alpha)"));
    // The figures per code and overall are the command line's.
    let codes = cli["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2, "{cli}");
    for c in codes {
        assert_eq!(row(&page, c["code"].as_str().unwrap()), expected(c), "{c}");
    }
    assert_eq!(row(&page, "(all codes)"), expected(&cli["overall"]));
    assert_eq!(cli["overall"]["units"], 5);
    assert_eq!(cli["overall"]["agreed"], 3);
    // Each disagreement with its quote, a link to its turn and both decisions, in order.
    let dis = cli["disagreements"].as_array().unwrap();
    let shown = articles(&page);
    assert_eq!(shown.len(), dis.len());
    assert_eq!(dis.len(), 2, "{cli}");
    assert!(page.contains(&format!("To discuss ({})", dis.len())));
    for (a, x) in shown.iter().zip(dis) {
        let quote = &a[a.find("<blockquote>").unwrap()..a.find("</blockquote>").unwrap()];
        assert_eq!(text(quote), x["text"].as_str().unwrap());
        let link = format!(
            "href=\"/document?name={}#s{}\"",
            x["document"].as_str().unwrap(),
            x["segment"]
        );
        assert!(a.contains(&link), "{link} in {a}");
        let said = text(a);
        for (who, words) in [("ana", &x["first_decision"]), ("bo", &x["second_decision"])] {
            let words = words.as_str().unwrap();
            let lead = words.split(" smu.").next().unwrap();
            assert!(said.contains(lead), "{who}: {words} in {said}");
            assert!(a.contains(&format!("<dt>{who}</dt>")), "{a}");
        }
        assert!(said.contains("✓ applies") && said.contains("✗ does not apply"));
    }
    // The hostile turn: escaped everywhere, evidence marked, memos and the changed-to code
    // by its name.
    let hostile = shown
        .iter()
        .find(|a| a.contains("name=hostile#s"))
        .expect("the hostile turn");
    assert!(
        hostile.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{hostile}"
    );
    assert!(hostile.contains("<mark>slide</mark>"), "{hostile}");
    assert!(hostile.contains("Memo: &lt;i&gt;clear&lt;/i&gt; case &amp; more"));
    assert!(hostile.contains("Memo: not teaching &lt;script&gt;x&lt;/script&gt;"));
    assert!(text(hostile).contains("changed to Research methods smu.use.research_methods"));
    for raw in ["<script>alert", "<img src", "<script>x", "<i>clear"] {
        assert!(!page.contains(raw), "{raw} unescaped");
    }
    // Three coders: every pair, each a link to compare them.
    assert!(page.contains("/agreement?codebook=sm-uptake&amp;first=ana&amp;second=cy"));
    let pair = json(&ok(
        d,
        &[
            "agreement",
            "--coders",
            "bo,cy",
            "--codebook",
            "sm-uptake",
            "--format",
            "json",
        ],
    ));
    assert_eq!(pair["overall"]["units"], 1);
    let bo_cy = s.page("/agreement?codebook=sm-uptake&first=bo&second=cy");
    assert_eq!(row(&bo_cy, "(all codes)"), expected(&pair["overall"]));
    // A coder and the rules, as `--rules`.
    let rules = json(&ok(
        d,
        &[
            "agreement",
            "--coders",
            "ana",
            "--rules",
            "--codebook",
            "sm-uptake",
            "--format",
            "json",
        ],
    ));
    let page = s.page("/agreement?codebook=sm-uptake&first=ana&second=");
    assert!(page.contains("ana and the rules on sm-uptake"), "{page}");
    assert_eq!(row(&page, "(all codes)"), expected(&rules["overall"]));
    assert_eq!(
        articles(&page).len(),
        rules["disagreements"].as_array().unwrap().len()
    );
    // The same coder twice, and a codebook nobody decided on.
    let page = s.page("/agreement?codebook=sm-uptake&first=ana&second=ana");
    assert!(page.contains("Choose two different coders"), "{page}");
    let (status, _, body) = s.get("/agreement?codebook=nope", &[("Cookie", &s.cookie())]);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("Nobody has decided on a codebook called nope"));
}

#[test]
fn with_fewer_than_two_coders_the_page_says_how_to_get_a_second() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    let page = s.page("/agreement");
    assert!(page.contains("Nobody has decided anything yet"), "{page}");
    review(
        d,
        &[
            "--coder",
            "ana",
            "--codebook",
            "sm-uptake",
            "--order",
            "document",
            "--lines",
        ],
        "a\nr\nq\n",
    );
    let page = s.page("/agreement");
    assert!(
        page.contains("Only ana has decided on sm-uptake so far"),
        "{page}"
    );
    assert!(page.contains("another browser"), "{page}");
    assert!(page.contains("href=\"/coder?next=%2Freview\""), "{page}");
    assert!(page.contains("href=\"/agreement?codebook=sm-uptake&amp;first=ana&amp;second=\""));
    assert!(!page.contains("<article"), "{page}");
}

/// The report's headline figures as (label, value): the file's `<span class="v">` and
/// `<span class="l">`, or the page's `<b>` and `<span class="label">`.
fn headline(html: &str, value: &str, label: &str) -> Vec<(String, String)> {
    html.split(value)
        .skip(1)
        .map(|part| {
            let v = &part[..part.find('<').unwrap()];
            let l = &part[part.find(label).unwrap() + label.len()..];
            (text(&l[..l.find('<').unwrap()]), text(v))
        })
        .collect()
}

#[test]
fn the_report_page_shows_the_cli_report_and_downloads_it_byte_for_byte() {
    let p = decided();
    let d = p.path();
    let s = Server::start(d);
    let page = s.page("/report");
    let ours = headline(&page, "<div class=\"figure\"><b>", "<span class=\"label\">");
    for (ext, query) in [("html", "html"), ("md", "md"), ("json", "json")] {
        let file = d.join(format!("r.{ext}"));
        ok(d, &["report", "--out", file.to_str().unwrap()]);
        let want = std::fs::read_to_string(&file).unwrap();
        let (status, head, body) = s.get(
            &format!("/report?download={query}"),
            &[("Cookie", &s.cookie())],
        );
        assert_eq!(status, 200, "{body}");
        let head = head.to_lowercase();
        assert!(
            head.contains(&format!(
                "content-disposition: attachment; filename=\"report-{}.{ext}\"",
                file_stem(d).to_lowercase()
            )),
            "{head}"
        );
        assert_eq!(
            body, want,
            "the {ext} download differs from `quarry report`"
        );
        if ext == "html" {
            // The headline figures are the file's.
            let theirs = headline(&want, "<span class=\"v\">", "<span class=\"l\">");
            assert_eq!(ours, theirs);
            assert_eq!(ours.len(), 6, "{ours:?}");
            // As many charts as the file, drawn with no style attribute (the page's policy
            // forbids inline styles).
            assert_eq!(page.matches("<svg ").count(), want.matches("<svg ").count());
            assert!(page.matches("<svg ").count() >= 3);
        }
        if ext == "json" {
            let r = json(&want);
            let find = |l: &str| ours.iter().find(|x| x.0 == l).unwrap().1.clone();
            assert_eq!(find("Documents"), r["summary"]["documents"].to_string());
            assert_eq!(find("Decided"), r["summary"]["decided"].to_string());
            assert_eq!(find("Accepted"), r["summary"]["accepted"].to_string());
            assert_eq!(find("Coders"), "3");
        }
    }
    assert!(!page.contains("style=\""), "no inline style");
    assert!(!page.contains("<script>"), "no inline script");
    // Every section, with the agreement table of `quarry agreement`'s figures.
    assert!(page.contains("<h2 id=\"agreement\">"), "{page}");
    assert!(page.contains("href=\"#rules\""));
    let (status, _, _) = s.get("/report?download=exe", &[("Cookie", &s.cookie())]);
    assert_eq!(status, 400);
}

/// The project folder's name as the download's file name has it.
fn file_stem(d: &Path) -> String {
    d.file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('.')
        .to_string()
}
