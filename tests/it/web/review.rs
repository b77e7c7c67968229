//! The review page over raw HTTP: who is coding, each action's decision in the store (read
//! back through the library), skip, undo, stepping, refusals, two coders at once, and the
//! unsuggested mode.

use super::{form_key, Server};
use crate::{ok, sample_project};
use quarry::project::Project;
use quarry::store::DecisionRow;
use std::path::Path;

/// The value of the hidden field `name` on a page (attribute escapes undone).
fn field(page: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&pat)
        .unwrap_or_else(|| panic!("a field {name} in {page}"));
    let rest = &page[at + pat.len()..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// `s` percent-encoded for a form body.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The segment and code of the suggestion on screen.
fn on_screen(page: &str) -> (i64, String) {
    let focus = &page[page.find("id=\"focus\"").expect("an item on screen")..];
    let at = focus.find("#s").unwrap() + 2;
    let seg: String = focus[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let line = &page[page.find("class=\"codeline\"").unwrap()..];
    let code = line[line.find("(").unwrap() + 1..line.find(" in ").unwrap()].to_string();
    (seg.parse().unwrap(), code)
}

/// "P / N · A accepted · R rejected · S skipped" of the whole queue.
fn progress(page: &str) -> String {
    let at = page.find("id=\"progress\">").expect("progress") + "id=\"progress\">".len();
    page[at..at + page[at..].find('<').unwrap()].to_string()
}

fn decisions(dir: &Path, coder: &str) -> Vec<DecisionRow> {
    Project::open(dir)
        .unwrap()
        .store()
        .decisions(Some(coder))
        .unwrap()
}

/// The review page as `cookie`.
fn review(s: &Server, cookie: &str, query: &str) -> String {
    let (status, _, body) = s.get(&format!("/review{query}"), &[("Cookie", cookie)]);
    assert_eq!(status, 200, "{body}");
    body
}

/// Acts on the item on `page` (verdict and extra fields) and returns the next page.
fn act(s: &Server, cookie: &str, page: &str, verdict: &str, extra: &str) -> String {
    let body = format!(
        "form={}&back={}&item={}&verdict={verdict}{extra}",
        form_key(page),
        enc(&field(page, "back")),
        field(page, "item")
    );
    let (status, head, body) = s.post_as("/review/decide", &body, cookie);
    assert_eq!(status, 303, "{head}{body}");
    let back = field(page, "back");
    review(s, cookie, &format!("?{back}"))
}

#[test]
fn each_key_of_the_review_stores_what_the_terminal_review_stores() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    // Nobody said who is coding: the page asks first, then comes back.
    let (status, head, _) = s.get("/review", &[("Cookie", &s.cookie())]);
    assert_eq!(status, 303);
    assert!(head.contains("location: /coder?next=%2Freview"), "{head}");
    let ask = s.page("/coder?next=/review");
    let (status, head, _) = s.post(
        "/coder",
        &format!("form={}&coder=ann&next=%2Freview", form_key(&ask)),
    );
    assert_eq!(status, 303, "{head}");
    assert!(
        head.contains(&format!("quarry_{}_coder=ann; HttpOnly", s.port)),
        "{head}"
    );
    let ann = s.cookie_as("ann");

    let status: serde_json::Value =
        serde_json::from_str(&ok(d, &["status", "--format", "json"])).unwrap();
    let waiting: u64 = status["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["suggested"].as_u64().unwrap())
        .sum();
    let page = review(&s, &ann, "?codebook=sm-uptake");
    assert!(page.contains("Coding as <b>ann</b>"), "{page}");
    assert_eq!(
        progress(&page),
        format!("1 / {waiting} · 0 accepted · 0 rejected · 0 skipped")
    );

    // a: accepted, stored before the next item shows.
    let first = on_screen(&page);
    let page = act(&s, &ann, &page, "accept", "");
    let ds = decisions(d, "ann");
    assert_eq!(ds.len(), 1);
    assert_eq!(
        (ds[0].segment, &ds[0].code, ds[0].accept),
        (first.0, &first.1, true)
    );
    assert!(ds[0].answered.is_some(), "kept as it was shown");
    assert_eq!(
        progress(&page),
        format!("2 / {waiting} · 1 accepted · 0 rejected · 0 skipped")
    );
    assert!(page.contains("accepted.</p>"), "{page}");

    // r with a memo.
    let second = on_screen(&page);
    assert_ne!(first, second);
    let page = act(&s, &ann, &page, "reject", "&memo=too+vague");
    let ds = decisions(d, "ann");
    assert_eq!(ds.len(), 2);
    assert_eq!((ds[1].segment, &ds[1].code), (second.0, &second.1));
    assert!(!ds[1].accept);
    assert_eq!(ds[1].memo.as_deref(), Some("too vague"));

    // c: changed to the code the picker offers first for "teach".
    let (status, _, json) = s.get(
        "/review/codes?codebook=sm-uptake&q=teach",
        &[("Cookie", &ann)],
    );
    assert_eq!(status, 200);
    let ranked: Vec<(String, String)> = serde_json::from_str(&json).unwrap();
    assert_eq!(ranked[0].0, "smu.use.teaching_tools", "{json}");
    let third = on_screen(&page);
    let target = if third.1 == "smu.use.teaching_tools" {
        &ranked[1].0
    } else {
        &ranked[0].0
    };
    let page = act(&s, &ann, &page, "change", &format!("&code={target}"));
    let ds = decisions(d, "ann");
    assert_eq!(ds.len(), 3);
    assert_eq!(ds[2].replacement.as_deref(), Some(target.as_str()));
    assert_eq!((ds[2].segment, &ds[2].code), (third.0, &third.1));
    // A code that is not in the codebook is refused and nothing is stored.
    let fourth = on_screen(&page);
    let page = act(&s, &ann, &page, "change", "&code=no.such.code");
    assert!(page.contains("Not stored: no code no.such.code"), "{page}");
    assert_eq!(decisions(d, "ann").len(), 3);
    assert_eq!(on_screen(&page), fourth);

    // s: skipped, nothing stored, the next item shows.
    let page = act(&s, &ann, &page, "skip", "");
    assert_eq!(decisions(d, "ann").len(), 3);
    assert_ne!(on_screen(&page), fourth);
    assert_eq!(
        progress(&page),
        format!("4 / {waiting} · 1 accepted · 2 rejected · 1 skipped")
    );

    // u: the last decision (the change) is undone and its item comes back on screen.
    let undo = format!(
        "form={}&back={}",
        form_key(&page),
        enc(&field(&page, "back"))
    );
    assert_eq!(s.post_as("/review/undo", &undo, &ann).0, 303);
    let page = review(&s, &ann, "?codebook=sm-uptake");
    assert_eq!(decisions(d, "ann").len(), 2);
    assert_eq!(on_screen(&page), third);
    assert!(page.contains("Undone: #"), "{page}");

    // The history lists the decisions, newest first, each undoable: undo the first accept.
    let hist = &page[page.find("Your last decisions").unwrap()..];
    assert!(
        hist.find(&format!("#{} {} rejected", second.0, second.1))
            .unwrap()
            < hist
                .find(&format!("#{} {} accepted", first.0, first.1))
                .unwrap()
    );
    let id = decisions(d, "ann")[0].id;
    let body = format!(
        "form={}&back={}&decision={id}",
        form_key(&page),
        enc(&field(&page, "back"))
    );
    assert_eq!(s.post_as("/review/undo", &body, &ann).0, 303);
    let left = decisions(d, "ann");
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].segment, &left[0].code), (second.0, &second.1));
    let page = review(&s, &ann, "?codebook=sm-uptake");
    assert_eq!(on_screen(&page), first, "the undone item is back");

    // j / k step over items, decided ones included, and decide nothing.
    let page = act(&s, &ann, &page, "next", "");
    assert_eq!(on_screen(&page), second);
    assert!(
        page.contains("You decided this one: <b>rejected</b>"),
        "{page}"
    );
    assert!(page.contains("value=\"accept\" disabled"), "{page}");
    let page = act(&s, &ann, &page, "prev", "");
    assert_eq!(on_screen(&page), first);
    assert_eq!(decisions(d, "ann").len(), 1);

    // Refused: a POST without a key this server issued, and a GET that would decide.
    let forged = format!(
        "form={}&back=codebook%3Dsm-uptake&item=0&verdict=accept",
        "0".repeat(64)
    );
    assert_eq!(s.post_as("/review/decide", &forged, &ann).0, 403);
    assert_eq!(
        s.get("/review/decide?verdict=accept&item=0", &[("Cookie", &ann)])
            .0,
        405
    );
    assert_eq!(decisions(d, "ann").len(), 1);
}

#[test]
fn two_coders_deciding_at_once_lose_nothing() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    const EACH: usize = 12;
    std::thread::scope(|scope| {
        for coder in ["ann", "bob"] {
            let s = &s;
            scope.spawn(move || {
                let cookie = s.cookie_as(coder);
                let mut page = review(s, &cookie, "?codebook=sm-uptake");
                for i in 0..EACH {
                    let verdict = if i % 3 == 0 { "reject" } else { "accept" };
                    page = act(s, &cookie, &page, verdict, "");
                    assert!(!page.contains("Not stored"), "{page}");
                }
            });
        }
    });
    for coder in ["ann", "bob"] {
        let ds = decisions(d, coder);
        assert_eq!(ds.len(), EACH, "{coder}");
        assert_eq!(ds.iter().filter(|d| !d.accept).count(), EACH / 3, "{coder}");
    }
    // The counts the pages keep current come from the store.
    let (status, _, json) = s.get("/status.json", &[("Cookie", &s.cookie())]);
    assert_eq!(status, 200);
    let st: serde_json::Value = serde_json::from_str(&json).unwrap();
    let accepted = |coder: &str| -> u64 {
        st["codes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["coders"].as_array().unwrap())
            .filter(|c| c["coder"] == coder)
            .map(|c| c["accepted"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(accepted("ann"), (EACH - EACH / 3) as u64);
    assert_eq!(accepted("bob"), (EACH - EACH / 3) as u64);
}

#[test]
fn segments_no_rule_reached_get_a_code_or_none() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start_with(d, &["--coder", "cy"]);
    let cookie = s.cookie();
    let page = review(&s, &cookie, "?codebook=sm-uptake&unsuggested=1&sample=3");
    assert!(page.contains("that no rule of sm-uptake reached"), "{page}");
    assert!(progress(&page).starts_with("1 / 3 "), "{page}");
    let page = act(&s, &cookie, &page, "code", "&code=smu.use.teaching_tools");
    let page = act(&s, &cookie, &page, "none", "");
    let page = act(&s, &cookie, &page, "code", "&code=nonsense");
    assert!(
        page.contains("Not stored: choose a code of sm-uptake"),
        "{page}"
    );
    let ds = decisions(d, "cy");
    assert_eq!(ds.len(), 2);
    assert_eq!(ds[0].code, "smu.use.teaching_tools");
    assert!(ds[0].accept);
    assert_eq!(ds[1].code, quarry::review::quality::NO_CODE);
    assert!(ds
        .iter()
        .all(|d| d.answered.as_deref() == Some(quarry::review::quality::UNSUGGESTED)));
    // The queue without a codebook is refused with a reason, not a crash.
    let (status, _, body) = s.get("/review?unsuggested=1", &[("Cookie", &cookie)]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("choose a codebook"), "{body}");
}
