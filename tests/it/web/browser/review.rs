//! The review page in a browser, by keys alone: accept, reject, change through the picker, a
//! memo, skip and undo, each checked in the store through the library; and a second coder in a
//! second browser deciding at the same time, with the overview's counts following without a
//! reload.

use super::{Browser, Driver};
use crate::web::Server;
use crate::{ok, sample_project};
use quarry::project::Project;
use quarry::store::DecisionRow;
use std::path::Path;

/// `coder`'s decisions in force, oldest first.
fn decisions(d: &Path, coder: &str) -> Vec<DecisionRow> {
    Project::open(d)
        .unwrap()
        .store()
        .decisions(Some(coder))
        .unwrap()
}

/// The item on the review page: (segment, code).
fn item(b: &Browser) -> (i64, String) {
    let href = b.attr("#focus .who a", "href").expect("a link to the turn");
    let seg = href.rsplit_once("#s").expect("#sN").1.parse().unwrap();
    let code = b.attr("#pick", "data-except").expect("the suggested code");
    (seg, code)
}

#[test]
fn two_coders_review_by_keys_at_once_and_every_decision_is_stored() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let s = Server::start(d);
    let Some(driver) = Driver::start("the review was not used in a browser") else {
        return;
    };
    let ana = driver.browser(&s);
    let bo = driver.browser(&s);
    // Without a name the review asks for one first, then comes back.
    ana.go("/review?codebook=sm-uptake&order=document");
    ana.wait_until("the coder page", |b| b.path() == "/coder");
    ana.fill("#coder", "ana");
    ana.press("Enter");
    ana.wait_until("the review", |b| b.path() == "/review");
    bo.as_coder("bo");
    let (seg1, code1) = item(&ana);

    // a: accept.
    ana.press_and_load("a");
    let ds = decisions(d, "ana");
    assert_eq!(ds.len(), 1, "{ds:?}");
    assert!(
        (ds[0].segment, &ds[0].code, ds[0].accept) == (seg1, &code1, true),
        "{ds:?}"
    );

    // r: reject, while bo watches the overview: ana's count there follows within a few
    // seconds, without a reload.
    let (seg2, code2) = item(&ana);
    assert_ne!((seg2, &code2), (seg1, &code1), "the next item shows");
    bo.go("/");
    let cell = format!("[data-count='sm-uptake|{code2}|ana|rejected']");
    let before: u64 = bo.text(&cell).parse().unwrap();
    bo.js("window.quarryTestOldPage = true; return 1");
    ana.press_and_load("r");
    bo.wait_until("ana's count to follow her decision", |b| {
        b.text(&cell).parse::<u64>().unwrap() == before + 1
    });
    assert_eq!(bo.js("return window.quarryTestOldPage === true"), true);
    // bo accepts two in his own browser, between ana's decisions.
    bo.go("/review?codebook=sm-uptake&order=document");
    bo.press_and_load("a");

    // c: the picker; type, the best match is chosen, Enter changes the code.
    let (seg3, code3) = item(&ana);
    ana.press("c");
    ana.wait_until("the focus in the picker", |b| b.focused() == "input#pick");
    let word = if code3.contains("passive") {
        "identity"
    } else {
        "passive"
    };
    ana.type_keys(word);
    ana.wait_until("the picker's ranking", |b| {
        b.text("#code option:checked").to_lowercase().contains(word)
    });
    let chosen = ana.attr("#code option:checked", "value").unwrap();
    ana.press_and_load("Enter");
    bo.press_and_load("Enter");

    // m: a memo, Escape, then a.
    let (seg4, code4) = item(&ana);
    ana.press("m");
    ana.wait_until("the focus in the memo", |b| b.focused() == "textarea#memo");
    ana.type_keys("a clear case, said twice");
    ana.press("Escape");
    ana.press_and_load("a");
    let ds = decisions(d, "ana");
    let got: Vec<_> = ds
        .iter()
        .map(|x| {
            (
                x.segment,
                x.code.as_str(),
                x.accept,
                x.replacement.as_deref(),
                x.memo.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (seg1, code1.as_str(), true, None, None),
            (seg2, code2.as_str(), false, None, None),
            (seg3, code3.as_str(), false, Some(chosen.as_str()), None),
            (
                seg4,
                code4.as_str(),
                true,
                None,
                Some("a clear case, said twice")
            ),
        ]
    );

    // s: skip stores nothing and moves on; u: undo takes back the last decision.
    let fifth = item(&ana);
    ana.press_and_load("s");
    assert_ne!(item(&ana), fifth, "skip moves on");
    assert_eq!(decisions(d, "ana").len(), 4);
    ana.press_and_load("u");
    let ds = decisions(d, "ana");
    assert_eq!(ds.len(), 3, "{ds:?}");
    assert_eq!(ds[2].replacement.as_deref(), Some(chosen.as_str()));

    // bo's two decisions are his, none lost beside ana's.
    let theirs = decisions(d, "bo");
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert!(theirs.iter().all(|x| x.accept && x.coder == "bo"));
}
