//! Posts through the real binary: our fixtures in tests/fixtures/posts.

use super::{count, fixture, json, ok, project, quarry};

fn add_meded() -> tempfile::TempDir {
    let dir = project();
    let out = ok(
        dir.path(),
        &["add", fixture("posts/meded.csv").to_str().unwrap()],
    );
    assert!(out.contains("Posts: 9 added"), "{out}");
    assert!(out.contains("1 post without text"), "{out}");
    dir
}

#[test]
fn a_csv_export_becomes_threads_and_loose_posts() {
    let dir = add_meded();
    let d = dir.path();
    // The three-post thread 1001 → 1002 → 1003 is one document, in order; the rest are loose.
    let docs = json(&ok(d, &["list", "documents", "--format", "json"]));
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["meded.csv thread 1001", "meded.csv"], "{docs}");
    let thread = ok(d, &["show", "meded.csv thread 1001"]);
    let (a, b, c) = (
        thread.find("1/3").unwrap(),
        thread.find("2/3").unwrap(),
        thread.find("3/3").unwrap(),
    );
    assert!(a < b && b < c, "{thread}");
    assert!(thread.contains("@ana_teaches"), "{thread}");
    assert!(thread.contains("2022-01-10 09:15"), "{thread}");
    // Entities are decoded in the stored text.
    assert!(thread.contains("noticed first & listening"), "{thread}");
    assert!(
        thread.contains("https://x.com/ana_teaches/status/1001"),
        "{thread}"
    );
    // The segment carries the post's data.
    let segs = json(&ok(
        d,
        &[
            "list",
            "segments",
            "--document",
            "meded.csv thread 1001",
            "--format",
            "json",
        ],
    ));
    let first = &segs[0]["post"];
    assert_eq!(first["id"], "1001");
    assert_eq!(first["platform"], "x");
    assert_eq!(first["created_at"], "2022-01-10T09:15:00Z");
    assert_eq!(first["likes"], 12);
    assert_eq!(first["reposts"], 3);
    assert_eq!(first["hashtags"], serde_json::json!(["MedEd"]));
    assert_eq!(segs[1]["post"]["is_reply"], true);
    assert_eq!(segs[1]["post"]["reply_to"], "1001");
    assert_eq!(segs[1]["post"]["thread"], "1001");
}

#[test]
fn post_filters_select_what_they_say() {
    let dir = add_meded();
    let d = dir.path();
    assert_eq!(count(d, "hashtag:meded"), 5);
    assert_eq!(count(d, "hashtag:#MedEd is:original"), 3);
    assert_eq!(count(d, "is:repost"), 1);
    assert_eq!(count(d, "is:reply"), 2);
    assert_eq!(count(d, "is:duplicate"), 1);
    assert_eq!(count(d, "is:post"), 9);
    assert_eq!(count(d, "platform:x"), 9);
    assert_eq!(count(d, "platform:reddit"), 0);
    assert_eq!(count(d, "author:drkofi"), 3);
    assert_eq!(count(d, "author:@drkofi feedback"), 1);
    assert_eq!(count(d, "date:[2022-01-01 TO 2022-01-31]"), 4);
    assert_eq!(count(d, "date:2022-03"), 2);
    assert_eq!(count(d, "date:2022-06-30"), 1);
    assert_eq!(count(d, "date:[2022-03-01 TO *] trust"), 2);
    assert_eq!(count(d, "feedback -is:repost"), 2);
    // The duplicate and the repost point at their originals.
    let hits = json(&ok(
        d,
        &["search", "is:duplicate OR is:repost", "--format", "json"],
    ));
    for h in hits["hits"].as_array().unwrap() {
        assert!(h["post"]["original"].is_i64(), "{h}");
    }
    // A bad filter value points at its column.
    quarry(d)
        .args(["search", "trust is:retweeted"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is:retweeted: expected"));
    quarry(d)
        .args(["search", "date:[2022-05-01 TO 2022-01-01]"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("ends before it starts"));
}

#[test]
fn author_attributes_are_computed_on_ingest() {
    let dir = add_meded();
    let d = dir.path();
    // ana_teaches and drkofi: three posts each, one of drkofi's a repost; lee_md: two with
    // text, both original; spam_bot: one.
    assert_eq!(count(d, "attr.posts:3"), 6);
    assert_eq!(count(d, "attr.original_share:0.67"), 3);
    assert_eq!(count(d, "attr.first_post:2022-03-15"), 3);
    assert_eq!(count(d, "attr.last_post:2022-06-30"), 2);
    assert_eq!(count(d, "attr.reposts:1"), 3);
}

#[test]
fn an_overlapping_export_adds_only_new_posts() {
    let dir = add_meded();
    let d = dir.path();
    let out = ok(
        d,
        &["add", fixture("posts/meded_more.csv").to_str().unwrap()],
    );
    assert!(
        out.contains("Posts: 1 added, 1 already in the project"),
        "{out}"
    );
    assert_eq!(count(d, "is:post"), 10);
    // Adding the first export again adds nothing.
    let out = ok(d, &["add", fixture("posts/meded.csv").to_str().unwrap()]);
    assert!(out.contains("Posts: 0 added, 9 already"), "{out}");
    assert_eq!(count(d, "is:post"), 10);
    assert_eq!(count(d, "attr.posts:4"), 4);
}

#[test]
fn headerless_delimited_lines_keep_the_delimiter_in_the_text() {
    let dir = project();
    let d = dir.path();
    // Detected from the content: id|Twitter date|text.
    let out = ok(d, &["add", fixture("posts/health.txt").to_str().unwrap()]);
    assert!(out.contains("Posts: 3 added"), "{out}");
    let segs = json(&ok(d, &["list", "segments", "--format", "json"]));
    let texts: Vec<&str> = segs
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Flu season: what GPs should know | a short guide http://ex.org/flu"),
        "{texts:?}"
    );
    // A Windows-1252 line among UTF-8 lines.
    assert!(
        texts.iter().any(|t| t.starts_with("Café culture")),
        "{texts:?}"
    );
    assert_eq!(segs[0]["post"]["created_at"], "2014-12-26T23:13:35Z");
    // The same layout named explicitly, under another name.
    let dir2 = project();
    let copy = dir2.path().join("lines.dat");
    std::fs::copy(fixture("posts/health.txt"), &copy).unwrap();
    let out = ok(
        dir2.path(),
        &[
            "add",
            copy.to_str().unwrap(),
            "--delimiter",
            "|",
            "--columns",
            "id,created_at,text",
        ],
    );
    assert!(out.contains("Posts: 3 added"), "{out}");
}

#[test]
fn a_v2_export_with_a_bad_line_threads_by_conversation() {
    let dir = project();
    let d = dir.path();
    let out = quarry(d)
        .args(["add", fixture("posts/v2.jsonl").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("v2.jsonl:2:"), "{err}");
    let docs = ok(d, &["list", "documents"]);
    assert!(docs.contains("v2.jsonl thread 3001"), "{docs}");
    assert_eq!(count(d, "author:kim_hpe"), 2);
    assert_eq!(count(d, "podcast"), 3);
    assert_eq!(count(d, "is:reply"), 2);
}

#[test]
fn posts_and_transcripts_share_one_search() {
    let dir = project();
    let d = dir.path();
    ok(
        d,
        &[
            "add",
            fixture("posts/meded.csv").to_str().unwrap(),
            fixture("good/zoom.vtt").to_str().unwrap(),
        ],
    );
    // "trust" is said in the interview and posted about.
    let all = count(d, "trust");
    let posts = count(d, "trust is:post");
    assert_eq!(posts, 2);
    assert!(all > posts, "{all} {posts}");
    assert_eq!(count(d, "trust -is:post"), all - posts);
    assert_eq!(count(d, "trust date:2022"), posts);
}

#[test]
fn a_rebuilt_index_keeps_the_post_filters() {
    let dir = add_meded();
    let d = dir.path();
    let queries = [
        "hashtag:meded",
        "is:repost",
        "is:original trust",
        "date:2022-03",
        "platform:x -is:reply",
    ];
    let before: Vec<u64> = queries.iter().map(|q| count(d, q)).collect();
    ok(d, &["reindex"]);
    let after: Vec<u64> = queries.iter().map(|q| count(d, q)).collect();
    assert_eq!(before, after);
    assert!(before.iter().all(|&n| n > 0), "{before:?}");
}

#[test]
fn a_grown_export_adds_its_new_posts_to_new_documents() {
    let dir = project();
    let d = dir.path();
    let file = d.join("feed.csv");
    let original = std::fs::read_to_string(fixture("posts/meded.csv")).unwrap();
    std::fs::write(&file, &original).unwrap();
    ok(d, &["add", file.to_str().unwrap()]);
    // The export grows: a fourth post in the thread, and one more loose post.
    let grown = format!(
        "{original}1012,2022-01-12 10:00:00,ana_teaches,\"Follow-up to the feedback thread 4/3\",FALSE,1003,1,0,,en,Lisbon\n\
         1013,2022-08-01 10:00:00,lee_md,A new question about #MedEd journals,FALSE,,0,0,MedEd,en,\n"
    );
    std::fs::write(&file, grown).unwrap();
    let out = ok(d, &["add", file.to_str().unwrap()]);
    assert!(out.contains("Posts: 2 added, 9 already"), "{out}");
    assert_eq!(count(d, "is:post"), 11);
    assert_eq!(count(d, "hashtag:meded journal"), 1);
}

#[test]
fn a_jsonl_export_whose_first_line_is_broken_keeps_the_rest() {
    let dir = project();
    let d = dir.path();
    let f = d.join("feed.jsonl");
    std::fs::write(
        &f,
        "not json\n{\"id_str\":\"5\",\"full_text\":\"a real post about #MedEd\",\"user\":{\"screen_name\":\"kim\"}}\n",
    )
    .unwrap();
    let out = quarry(d)
        .args(["add", f.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("feed.jsonl:1:"));
    assert_eq!(count(d, "hashtag:meded author:kim"), 1);
}
