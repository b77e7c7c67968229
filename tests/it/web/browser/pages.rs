//! The pages that exist today, in a browser: let in with the token, search and a hit's turn,
//! the documents filter, the keyboard alone, who is coding in two browsers at once, and markup
//! in the study shown as text.

use super::{Browser, Driver};
use crate::web::Server;
use crate::{ok, sample_project};
use serde_json::{json, Value};

/// The browser is let in with the token, and the page's scripts cannot read its cookies.
fn let_in(b: &Browser, s: &Server) {
    assert_eq!(b.status(), 200);
    assert!(b.title().ends_with("· quarry"), "{}", b.title());
    assert_eq!(b.query(), None, "the token is no longer in the address");
    assert_eq!(
        b.url(),
        format!("{}/", b.base),
        "the token is no longer in the address"
    );
    assert_eq!(
        b.js("return document.cookie"),
        json!(""),
        "HttpOnly cookies"
    );
    // A browser without the cookie (a second window, its own profile) gets nothing.
    let stranger = b.driver.window(s);
    stranger.go("/documents");
    assert_eq!(stranger.status(), 403);
    assert!(stranger.text("body").contains("open the address"));
}

#[test]
fn a_person_searches_opens_a_hit_at_its_turn_and_filters_documents() {
    let p = sample_project();
    let d = p.path();
    let s = Server::start(d);
    let Some(driver) = Driver::start("the search and documents pages were not used in a browser")
    else {
        return;
    };
    let b = driver.browser(&s);
    let_in(&b, &s);

    // Search from the form, as typed.
    b.click("nav a[href='/search']");
    b.wait_until("the search page", |b| b.path() == "/search");
    b.fill("#q", "trust");
    b.click("form[action='/search'] button[type=submit]");
    b.wait_until("the search's results", |b| {
        b.param("q").as_deref() == Some("trust")
    });
    let n = crate::count(d, "trust") as usize;
    assert!(n > 1, "the sample study says trust more than once");
    let said = b.text("p.total");
    assert!(
        said.starts_with(&format!("{n} matching segments")),
        "{said}"
    );
    assert_eq!(b.count(".hit"), n.min(50));
    assert!(b
        .text(".hit > .quote mark")
        .to_lowercase()
        .starts_with("trust"));

    // The second hit's link opens its transcript scrolled to that turn, marked as the target.
    let link = b.all(".hit .place a")[1].clone();
    let href = b.run("reading the link", link.attr("href")).unwrap();
    let turn = href.rsplit_once('#').unwrap().1.to_string();
    let quote = b.js("return document.querySelectorAll('.hit > .quote')[1].textContent");
    b.run("following the hit's link", link.click());
    b.wait_until("the transcript", |b| b.path() == "/document");
    assert_eq!(b.fragment().as_deref(), Some(turn.as_str()));
    let target = b.js(
        "const t = document.querySelector(':target'); if (!t) return null;
         const r = t.getBoundingClientRect();
         return { id: t.id, top: r.top, bottom: r.bottom, height: innerHeight,
                  text: t.querySelector('.said-text').textContent,
                  background: getComputedStyle(t).backgroundColor }",
    );
    assert_eq!(target["id"], json!(turn), "{target}");
    assert_eq!(target["text"], quote, "the turn is the hit's segment");
    let (top, bottom) = (
        target["top"].as_f64().unwrap(),
        target["bottom"].as_f64().unwrap(),
    );
    assert!(
        top >= -1.0 && top < target["height"].as_f64().unwrap() && bottom > 0.0,
        "the turn is scrolled into view: {target}"
    );
    let plain = b.js(
        "return getComputedStyle(document.querySelector('.turn:not(:target)')).backgroundColor",
    );
    assert_ne!(target["background"], plain, "the targeted turn stands out");

    // The documents list, filtered by name.
    b.click("nav a[href='/documents']");
    b.wait_for_text("20 of 20 documents");
    b.fill("#filter", "P0");
    b.press("Enter");
    b.wait_for_text("9 of 20 documents");
    let names = b.texts("tbody td:first-child a");
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(
        names.iter().all(|n| n.to_lowercase().contains("p0")),
        "{names:?}"
    );
    assert_eq!(b.attr("#filter", "value").as_deref(), Some("P0"));
    b.fill("#filter", "no such name");
    b.press("Enter");
    b.wait_for_text("0 of 20 documents");
    assert_eq!(b.count("tbody tr"), 0);
}

#[test]
fn the_keyboard_alone_reaches_search_and_submits() {
    let p = sample_project();
    let d = p.path();
    let s = Server::start(d);
    let Some(driver) = Driver::start("the pages were not used with the keyboard in a browser")
    else {
        return;
    };
    let b = driver.browser(&s);
    // From the top of the overview, Tab walks the navigation in order to Search.
    let mut seen = Vec::new();
    while b.focused() != "a \"Search\"" {
        assert!(seen.len() < 10, "Tab never reached Search: {seen:?}");
        b.press("Tab");
        seen.push(b.focused());
    }
    assert_eq!(
        seen,
        [
            "a \"quarry\"",
            "a \"Overview\"",
            "a \"Documents\"",
            "a \"Search\""
        ]
    );
    // Focus is visible: a solid outline.
    let outline = b.js("return getComputedStyle(document.activeElement).outlineStyle");
    assert_eq!(outline, json!("solid"));
    b.press("Enter");
    b.wait_until("the search page", |b| b.path() == "/search");
    // The query box has the focus on arrival; Enter submits it.
    b.wait_until("the focus in the query box", |b| b.focused() == "input#q");
    b.type_keys("misinformation");
    b.press("Enter");
    b.wait_until("the results", |b| {
        b.param("q").as_deref() == Some("misinformation")
    });
    let n = crate::count(d, "misinformation");
    b.wait_for_text(&format!("{n} matching segments"));

    // On the documents list Tab goes through the navigation, then to the filter box.
    b.go("/documents");
    let mut tabs = 0;
    while b.focused() != "input#filter" {
        assert!(tabs < 12, "Tab never reached the filter box");
        b.press("Tab");
        tabs += 1;
    }
    assert_eq!(tabs, 9, "the brand and seven pages, then the filter box");
    b.press("Shift+Tab");
    assert_eq!(b.focused(), "a \"Report\"", "Shift+Tab goes back");
    b.press("Tab");
    b.type_keys("interview");
    b.press("Enter");
    b.wait_for_text("14 of 20 documents");
}

#[test]
fn each_browser_says_who_is_coding() {
    let p = sample_project();
    let s = Server::start(p.path());
    let Some(driver) = Driver::start("two browsers were not used as two coders") else {
        return;
    };
    let ana = driver.browser(&s);
    let bo = driver.browser(&s);
    ana.go("/coder?next=/search");
    ana.wait_until("the focus in the name box", |b| {
        b.focused() == "input#coder"
    });
    ana.fill("#coder", "Ana Álvarez");
    ana.press("Enter");
    ana.wait_until("the page asked for next", |b| b.path() == "/search");
    bo.as_coder("bo");
    // Each window keeps its own name, in a cookie the page's scripts cannot read.
    ana.go("/coder");
    assert_eq!(ana.attr("#coder", "value").as_deref(), Some("Ana Álvarez"));
    assert_eq!(ana.js("return document.cookie"), json!(""));
    bo.go("/coder");
    assert_eq!(bo.attr("#coder", "value").as_deref(), Some("bo"));
    // A blank name is refused with a message, and the name stays.
    bo.fill("#coder", "   ");
    bo.press("Enter");
    bo.wait_for_text("Give a name of 1 to 100 characters.");
    bo.go("/coder");
    assert_eq!(bo.attr("#coder", "value").as_deref(), Some("bo"));
}

#[test]
fn markup_in_the_study_is_shown_as_text_and_never_runs() {
    let p = crate::project();
    let d = p.path();
    let evil = "Interviewer: <script>document.title='owned'</script> hello?\n\n\
                P1: \"><img src=x onerror=\"document.title='owned'\"> trust &amp; more\n";
    std::fs::write(d.join("evil.txt"), evil).unwrap();
    std::fs::write(
        d.join("<i onmouseover=\"document.title='owned'\">P15.txt"),
        "Interviewer: Do you trust it?\n\nP15: Mostly.\n",
    )
    .unwrap();
    ok(d, &["add", "."]);
    let segs: Value = serde_json::from_str(&ok(
        d,
        &["list", "segments", "--document", "evil", "--format", "json"],
    ))
    .unwrap();
    let sources: Vec<&str> = segs
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{segs}");
    let s = Server::start(d);
    let Some(driver) = Driver::start("markup in the study was not checked in a browser") else {
        return;
    };
    let b = driver.browser(&s);
    let no_markup_ran = |b: &Browser, title: &str| {
        assert_eq!(
            b.title(),
            format!("{title} · quarry"),
            "no script set the title"
        );
        assert_eq!(b.count("img"), 0, "no image element was made");
        assert_eq!(b.count("main script, main i"), 0);
        assert_eq!(b.count("script:not([src='/app.js'])"), 0);
    };

    // The documents list: the name with markup is text, and its link works.
    b.go("/documents");
    no_markup_ran(&b, "Documents");
    let odd = "<i onmouseover=\"document.title='owned'\">P15";
    let links = b.all("tbody td:first-child a");
    let names = b.texts("tbody td:first-child a");
    let at = names
        .iter()
        .position(|n| n == odd)
        .unwrap_or_else(|| panic!("{odd} in {names:?}"));
    b.run("following its link", links[at].click());
    b.wait_until("its transcript", |b| b.path() == "/document");
    assert_eq!(b.text("h1"), odd);
    no_markup_ran(&b, odd);

    // The transcript: each turn's text in the page is the stored text, character for character.
    b.go("/document?name=evil");
    no_markup_ran(&b, "evil");
    let shown =
        b.js("return [...document.querySelectorAll('.turn .said-text')].map(t => t.textContent)");
    assert_eq!(shown, json!(sources));

    // Search results: the quote with its mark, still text.
    b.go("/search?q=trust");
    no_markup_ran(&b, "Search");
    let quotes =
        b.js("return [...document.querySelectorAll('.hit > .quote')].map(q => q.textContent)");
    assert!(
        quotes.as_array().unwrap().contains(&json!(sources[1])),
        "{quotes}"
    );
    assert_eq!(
        b.count(".hit > .quote mark"),
        2,
        "trust in each of the two documents"
    );
}
