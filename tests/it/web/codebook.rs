//! The codebook page against the command line: its codes, each rule's search (the count
//! `quarry search --count` gives), the corpus words of `codebook check --corpus`, the
//! precision of `quarry rules`, and the tune panel writing what `codebook tune` writes.

use super::{form_key, Server};
use crate::{count, json, ok, quarry, sample_project};

/// `s` as maud writes it in HTML text.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A query value percent-decoded.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The part of the page about one rule: after its `Rule` line, to the next rule.
fn rule_part<'a>(page: &'a str, rule: &str) -> &'a str {
    let marker = format!(
        "<span class=\"label\">Rule</span> <code>{}</code>",
        html(rule)
    );
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("rule {rule} is not on the page"));
    let rest = &page[at + marker.len()..];
    &rest[..rest.find("<div class=\"rule\">").unwrap_or(rest.len())]
}

/// The part of the page about one code: its item, up to the next code's.
fn code_part<'a>(page: &'a str, code: &str) -> &'a str {
    let marker = format!("<li class=\"code\" id=\"code-{code}\">");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("code {code} is not on the page"));
    let rest = &page[at + marker.len()..];
    &rest[..rest.find("<li class=\"code\"").unwrap_or(rest.len())]
}

/// The search link (decoded) in a part of the page, after `after`.
fn search_link(part: &str, after: &str) -> String {
    let from = &part[part.find(after).expect("the link's place")..];
    let at = from.find("href=\"/search?q=").expect("a search link") + 16;
    decode(&from[at..at + from[at..].find('"').unwrap()])
}

/// The number of matching segments a search page reports.
fn search_page_count(page: &str) -> u64 {
    let text = regex::Regex::new("<[^>]*>").unwrap().replace_all(page, "");
    let n = regex::Regex::new(r"(\d+) matching segments?")
        .unwrap()
        .captures(&text)
        .unwrap_or_else(|| panic!("a count on the search page: {page}"));
    n[1].parse().unwrap()
}

#[test]
fn the_page_shows_every_code_each_rule_as_a_search_and_the_words_it_catches() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    // The list: every built-in codebook, and which one this project applied.
    let list = s.page("/codebook");
    for name in ["tdf", "kta", "sm-uptake"] {
        assert!(
            list.contains(&format!("href=\"/codebook?name={name}\"")),
            "{list}"
        );
    }
    let row = |name: &str| {
        let at = list.find(&format!("?name={name}\"")).unwrap();
        list[at..at + list[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(row("sm-uptake").contains("Applied"), "{list}");
    assert!(row("tdf").contains("Not applied yet"), "{list}");

    let page = s.page("/codebook?name=sm-uptake");
    let cb = quarry::codebook::load("sm-uptake").unwrap();
    for c in &cb.codes {
        let part = code_part(&page, &c.id);
        assert!(part.contains(&html(&c.name)), "{} has no name", c.id);
        assert!(part.contains(&html(&c.definition)), "{}", c.id);
        if let Some(col) = &c.colour {
            // A swatch and the colour written out: colour is never the only signal.
            assert!(part.contains(&format!("fill=\"{col}\"")), "{}", c.id);
            assert!(part.contains(&format!("</svg> {col}</dd>")), "{}", c.id);
        }
        for r in &c.rules {
            rule_part(part, &r.text);
        }
    }
    // Each code's search is what `codebook explain` says it is.
    let explain = ok(d, &["codebook", "explain", "sm-uptake"]);
    let lines: Vec<&str> = explain.lines().collect();
    for c in cb.codes.iter().filter(|c| c.depth == 1) {
        let at = lines.iter().position(|l| *l == c.id).unwrap();
        let is = lines[at + 2].trim_start().strip_prefix("is: ").unwrap();
        assert_eq!(
            search_link(code_part(&page, &c.id), "<p class=\"whole\">"),
            is
        );
    }
    // Each rule's link runs a search with the count `quarry search --count` gives; a sample
    // of the rules (every fifth), since each costs a search on both sides.
    let rules: Vec<&str> = cb
        .codes
        .iter()
        .flat_map(|c| c.rules.iter().map(|r| r.text.as_str()))
        .collect();
    let mut nonzero = 0;
    for rule in rules.iter().step_by(5) {
        let q = search_link(rule_part(&page, rule), "As a search");
        assert!(q.contains(&format!("({rule})")), "{q}");
        let shown = search_page_count(&s.page(&format!(
            "/search?q={}",
            q.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
        )));
        assert_eq!(shown, count(d, &q), "{q}");
        nonzero += usize::from(shown > 0);
    }
    assert!(nonzero > 5, "the sampled rules find something");
    // The corpus words and segments of each rule, as `codebook check --corpus` prints them.
    let out = quarry(d)
        .args(["codebook", "check", "sm-uptake", "--corpus"])
        .output()
        .unwrap();
    let check = String::from_utf8(out.stdout).unwrap();
    let mut checked = 0;
    let mut part = "";
    for line in check.lines() {
        if let Some(words) = line.strip_prefix("      catches: ") {
            let (words, more) = match words.strip_suffix(" more") {
                Some(w) => {
                    let (w, n) = w.rsplit_once(" and ").unwrap();
                    (w, Some(n))
                }
                None => (words, None),
            };
            for w in words.split(", ") {
                assert!(part.contains(&format!("<li>{}</li>", html(w))), "{w}");
            }
            if let Some(n) = more {
                assert!(part.contains(&format!("and {n} more")), "{n} more");
            }
            checked += 1;
        } else if line.starts_with("  ") && !line.starts_with("   ") {
            let (rule, rest) = line[2..].rsplit_once("  ").unwrap();
            let n = rest.split(' ').next().unwrap();
            part = rule_part(&page, rule);
            assert!(
                part.contains(&format!("<b class=\"segments\">{n}</b>")),
                "{rule}: {n}"
            );
        }
    }
    assert!(checked > 50, "{check}");
}

/// The figures row of `quarry rules --format json`'s rule or term `x`, as the page shows it
/// from the fired column on.
fn figures(x: &serde_json::Value) -> String {
    let f2 = |v: &serde_json::Value| v.as_f64().map_or("-".into(), |v| format!("{v:.2}"));
    let interval = match x["interval"].as_array() {
        Some(iv) => format!("{}-{}", f2(&iv[0]), f2(&iv[1])),
        None => "-".into(),
    };
    format!(
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{interval}</td>",
        x["fired"],
        x["decided"],
        x["accepted"],
        f2(&x["precision"])
    )
}

#[test]
fn precision_once_decisions_exist_is_what_quarry_rules_gives() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    let before = s.page("/codebook?name=sm-uptake");
    assert!(before.contains("No suggestion of this codebook has been decided yet"));
    assert!(!before.contains("<table class=\"precision\">"));
    for (coder, keys) in [("ana", "a\na\nr\nr\nr\na\nq\n"), ("bo", "r\na\na\nq\n")] {
        crate::review::review(
            d,
            &[
                "--coder",
                coder,
                "--codebook",
                "sm-uptake",
                "--code",
                "smu.barriers.misinformation",
                "--order",
                "document",
            ],
            keys,
        );
    }
    crate::review::review(
        d,
        &[
            "--coder",
            "ana",
            "--codebook",
            "sm-uptake",
            "--code",
            "smu.use.teaching_tools",
        ],
        "a\nr\na\nq\n",
    );
    let page = s.page("/codebook?name=sm-uptake");
    let r = json(&ok(
        d,
        &["rules", "--codebook", "sm-uptake", "--format", "json"],
    ));
    let mut rows = 0;
    for code in r["codes"].as_array().unwrap() {
        let part = code_part(&page, code["code"].as_str().unwrap());
        if code["decided"].as_u64().unwrap() > 0 {
            let iv = &code["interval"];
            let line = format!(
                "Suggested {} times; {} decided, {} accepted; precision <b>{:.2}</b> \
                 (95% interval {:.2}-{:.2}).",
                code["fired"],
                code["decided"],
                code["accepted"],
                code["precision"].as_f64().unwrap(),
                iv[0].as_f64().unwrap(),
                iv[1].as_f64().unwrap()
            );
            assert!(part.contains(&line), "{line}");
        }
        for rule in code["rules"].as_array().unwrap() {
            let text = rule["rule"].as_str().unwrap();
            let rp = rule_part(part, text);
            if rule["decided"].as_u64().unwrap() == 0 {
                assert!(!rp.contains("<table class=\"precision\">"), "{text}");
                continue;
            }
            let terms = rule["terms"].as_array().unwrap();
            let more =
                |t: &serde_json::Value| t["more"].as_u64().map_or("-".into(), |m| m.to_string());
            let own_more = if terms.len() == 1 {
                more(&terms[0])
            } else {
                "-".into()
            };
            let row = format!(
                "<th scope=\"row\">the rule</th>{}<td class=\"num\"></td><td class=\"num\">{own_more}</td>",
                figures(rule)
            );
            assert!(rp.contains(&row), "{text}: {row}\n{rp}");
            rows += 1;
            for t in terms.iter().filter(|_| terms.len() > 1) {
                let row = format!(
                    "<th scope=\"row\">term <code>{}</code></th>{}<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    html(t["term"].as_str().unwrap()),
                    figures(t),
                    t["only"],
                    more(t)
                );
                assert!(rp.contains(&row), "{text}: {row}\n{rp}");
                rows += 1;
            }
            for w in rule["rejected_words"].as_array().unwrap() {
                let shown = format!("{} ({})", html(w[0].as_str().unwrap()), w[1]);
                assert!(rp.contains(&shown), "{text}: {shown}");
            }
        }
    }
    assert!(rows >= 6, "{rows} rows compared");
    // Nothing to tune on so few decisions: the panel says so and offers no button.
    assert!(page.contains("nothing to tune"), "{page}");
    assert!(!page.contains("action=\"/codebook/tune\""));
}

#[test]
fn tune_previews_without_writing_and_writes_what_the_cli_writes_only_when_asked() {
    let p = crate::learn::decided_project();
    let d = p.path();
    let original = std::fs::read(d.join("cb.toml")).unwrap();
    let s = Server::start(d);
    let list = s.page("/codebook");
    assert!(list.contains("href=\"/codebook?name=t\""), "{list}");
    let page = s.page("/codebook?name=t");
    // The preview: the terms, what is done to each, the measured change, the diff.
    assert!(page.contains("<code>admit</code>"), "{page}");
    assert!(page.contains("the rule is dropped (it had no other term)"));
    assert!(page.contains("dropped from the rule"));
    assert!(page.contains("masked in “kind of”"));
    assert!(page.contains("<td class=\"num\">69 → 9</td>"), "{page}");
    assert!(
        page.contains("<td class=\"num\">0.13 → 1.00</td>"),
        "{page}"
    );
    assert!(
        page.contains("<span class=\"del\">-  &quot;admit&quot;,"),
        "{page}"
    );
    assert!(page.contains("<span class=\"add\">+mask = [&quot;kind of&quot;]"));
    let target = d.join("t-tuned.toml");
    assert!(page.contains("t-tuned.toml</code>"), "{page}");
    assert!(!target.exists(), "a preview writes nothing");

    // A POST without a form key, or with one this server never made, writes nothing.
    for body in ["name=t&below=0.2&confidence=0.95", "form=0000&name=t"] {
        let (status, _, _) = s.post("/codebook/tune", body);
        assert_eq!(status, 403, "{body}");
        assert!(!target.exists());
    }

    ok(
        d,
        &[
            "codebook",
            "tune",
            "t",
            "--below",
            "0.2",
            "--out",
            "cli-tuned.toml",
        ],
    );
    let key = form_key(&page);
    let (status, _, body) = s.post(
        "/codebook/tune",
        &format!("form={key}&name=t&below=0.2&confidence=0.95"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Tuned codebook written"), "{body}");
    assert!(body.contains("t-tuned.toml</code>"), "{body}");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(d.join("cli-tuned.toml")).unwrap(),
        "the page writes the file the command line writes"
    );
    assert_eq!(std::fs::read(d.join("cb.toml")).unwrap(), original);
    // Asked again, it never replaces the file it wrote: the next name.
    let page = s.page("/codebook?name=t");
    let next = d.join("t-tuned-2.toml");
    assert!(page.contains("t-tuned-2.toml</code>"), "{page}");
    let (status, _, _) = s.post(
        "/codebook/tune",
        &format!("form={}&name=t", form_key(&page)),
    );
    assert_eq!(status, 200);
    assert!(next.exists());
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(d.join("cli-tuned.toml")).unwrap()
    );
    // Bad thresholds are said in words, and write nothing.
    let bad = s.page("/codebook?name=t&below=lots");
    assert!(
        bad.contains("The precision threshold `lots` is not a number"),
        "{bad}"
    );
    let (status, _, _) = s.post(
        "/codebook/tune",
        &format!("form={}&name=t&below=lots", form_key(&page)),
    );
    assert_eq!(status, 400);
    assert!(!d.join("t-tuned-3.toml").exists());
}

/// A small project with `book.toml` applied; the codebook's one code has `name`.
fn small_project(name: &str) -> tempfile::TempDir {
    let p = crate::project();
    let d = p.path();
    std::fs::write(
        d.join("a.txt"),
        "Interviewer: Tell me.\nP1: I trust the evidence I read.\n",
    )
    .unwrap();
    std::fs::write(d.join("book.toml"), book(name)).unwrap();
    ok(d, &["add", "a.txt"]);
    ok(d, &["suggest", "--codebook", "book.toml"]);
    p
}

fn book(name: &str) -> String {
    format!(
        "[codebook]\nid = \"mine\"\nname = \"My book\"\nversion = \"1.0\"\n\n\
         [[code]]\nid = \"mine.trust\"\nname = {name:?}\ncolour = \"#aa3300\"\nrules = [\"trust\"]\n"
    )
}

#[test]
fn unknown_names_are_404_a_broken_file_shows_its_error_and_text_is_escaped() {
    let p = small_project("<script>alert(1)</script> & \"trust\"");
    let d = p.path();
    let s = Server::start(d);
    let page = s.page("/codebook?name=mine");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;trust&quot;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));
    assert!(
        !page.contains("style="),
        "no inline style: the CSP refuses it"
    );
    // Unknown names, and names that are files but not codebooks this project knows.
    for name in ["nope", "book.toml", "/etc/passwd", "..%2Fbook.toml"] {
        let (status, _, body) = s.get(
            &format!("/codebook?name={name}"),
            &[("Cookie", &s.cookie())],
        );
        assert_eq!(status, 404, "{name}");
        assert!(body.contains("There is no codebook called"), "{body}");
        assert!(body.contains("href=\"/codebook?name=mine\""), "{body}");
    }
    // The file breaks: the list and the page say why, with the file's line.
    std::fs::write(d.join("book.toml"), "[codebook]\nid = \"mine\"\nname = \n").unwrap();
    let list = s.page("/codebook");
    assert!(list.contains("its file does not load"), "{list}");
    let page = s.page("/codebook?name=mine");
    assert!(page.contains("no longer loads"), "{page}");
    assert!(page.contains("book.toml:3:"), "{page}");
    // Tuning a name nobody knows: 404, nothing written.
    let key = form_key(&s.page("/coder"));
    let (status, _, _) = s.post("/codebook/tune", &format!("form={key}&name=nope"));
    assert_eq!(status, 404);
    let tuned = std::fs::read_dir(d)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("tuned")
        })
        .count();
    assert_eq!(tuned, 0, "nothing written");
}
