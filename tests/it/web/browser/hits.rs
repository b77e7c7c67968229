//! "Code these hits" in a browser: choose a code under a search's results, confirm the count,
//! every hit coded as one batch (checked in the store), then undone from the page.

use super::Driver;
use crate::web::Server;
use crate::{ok, sample_project};
use quarry::project::Project;

#[test]
fn a_search_s_hits_are_coded_as_one_batch_and_undone_from_the_page() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let n: usize = ok(d, &["search", "--count", "trust"])
        .trim()
        .parse()
        .unwrap();
    assert!(n > 1);
    let s = Server::start(d);
    let Some(driver) = Driver::start("coding search hits was not tried in a browser") else {
        return;
    };
    let b = driver.browser(&s);
    b.as_coder("ana");
    b.go("/search?q=trust");
    b.wait_for_text("Code these hits");
    b.js("document.querySelector('#apply').value = 'sm-uptake smu.use.teaching_tools'; return 1");
    b.click("form.code-hits button[type=submit]");
    // Asked first, with the count; nothing is stored until confirmed.
    b.wait_for_text(&format!("Code {n} segments with smu.use.teaching_tools"));
    let standing = |coder: &str| {
        Project::open(d)
            .unwrap()
            .store()
            .decisions(Some(coder))
            .unwrap()
    };
    assert!(standing("ana").is_empty());
    b.click("form.confirm-form button[type=submit]");
    b.wait_for_text(&format!("Coded {n} segments"));
    let ds = standing("ana");
    assert_eq!(ds.len(), n);
    assert!(ds
        .iter()
        .all(|x| x.code == "smu.use.teaching_tools" && x.accept));
    let batch = ds[0].batch.expect("one batch");
    assert!(ds.iter().all(|x| x.batch == Some(batch)));
    let hits: serde_json::Value =
        serde_json::from_str(&ok(d, &["search", "trust", "--format", "json"])).unwrap();
    let mut want: Vec<i64> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["segment"].as_i64().unwrap())
        .collect();
    let mut got: Vec<i64> = ds.iter().map(|x| x.segment).collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "the coded segments are the search's hits");
    // Undo from the page takes the whole batch back.
    b.click("form.confirm-form button[type=submit]");
    b.wait_for_text(&format!("Undid batch {batch}: {n} decisions"));
    assert!(standing("ana").is_empty());
}
