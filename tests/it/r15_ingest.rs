//! Issue 15, items 10–14 and 26: ingest that got real files wrong. An Otter.ai header as
//! attributes, `--unlabelled` for think-aloud sessions, near-duplicate documents, plain text
//! in a folder of transcripts and `quarry remove`, `--author` for exports without one,
//! quotes out of place in a CSV, and a path that does not exist.

use super::*;

fn r15(p: &str) -> PathBuf {
    fixture("r15").join(p)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Documents as `list documents --format json` gives them.
fn documents(dir: &Path) -> Vec<serde_json::Value> {
    json(&ok(dir, &["list", "documents", "--format", "json"]))
        .as_array()
        .unwrap()
        .clone()
}

/// A document's attribute, from `list documents --format json`.
fn attr(doc: &serde_json::Value, key: &str) -> Option<String> {
    doc["attributes"]
        .as_array()?
        .iter()
        .find(|kv| kv[0] == key)
        .map(|kv| kv[1].as_str().unwrap().to_string())
}

#[test]
fn r15_otter_header_is_attributes_not_a_segment() {
    let p = project();
    ok(p.path(), &["add", s(&r15("otter_garden.txt"))]);
    let docs = documents(p.path());
    assert_eq!(docs[0]["segments"], 4, "four turns, no header segment");
    assert_eq!(
        attr(&docs[0], "title").as_deref(),
        Some("Garden study interview G7")
    );
    assert_eq!(
        attr(&docs[0], "date").as_deref(),
        Some("Tue, 3/14 9:05AM • 41:10")
    );
    assert_eq!(
        attr(&docs[0], "keywords").as_deref(),
        Some("compost, allotment, seedlings, rainwater, neighbours")
    );
    assert_eq!(attr(&docs[0], "speakers").as_deref(), Some("Ana Lima, G7"));
    // The keyword list no longer ranks as a quote: "compost" is only in the header.
    assert_eq!(count(p.path(), "compost"), 0);
    assert_eq!(count(p.path(), "role:none"), 0);
    // The attributes can be searched on like any other.
    assert_eq!(count(p.path(), "attr.keywords:compost* beans"), 1);
}

#[test]
fn r15_real_otter_files_have_no_header_segment() {
    let Some(d) = shared_data::shared("interviews_mannheimer_qdr/transcripts_txt") else {
        return;
    };
    let p = project();
    ok(p.path(), &["add", s(&d)]);
    let docs = documents(p.path());
    assert_eq!(docs.len(), 14);
    for doc in &docs {
        // Every file has keywords and speakers (QR04's title has no blank line before it).
        let speakers = attr(doc, "speakers").unwrap_or_default();
        assert!(speakers.contains("Sara Mannheimer"), "{doc}");
        assert!(
            attr(doc, "keywords").is_some_and(|k| k.contains("data")),
            "{doc}"
        );
        assert!(attr(doc, "title").is_some_and(|t| t.ends_with("_deidentified")));
    }
    // Every segment is a turn: nothing without a speaker is left.
    assert_eq!(count(p.path(), "role:none"), 0);
    let segs: u64 = docs.iter().map(|d| d["segments"].as_u64().unwrap()).sum();
    assert_eq!(segs, 1240, "1,240 turns (SOURCE.md), nothing else");
}

#[test]
fn r15_unlabelled_paragraphs_go_to_the_participant() {
    let p = project();
    ok(
        p.path(),
        &["add", s(&r15("thinkaloud.txt")), "--unlabelled", "P4"],
    );
    // The title line before the first label is unlabelled too: it is given to P4 as well.
    assert_eq!(count(p.path(), "role:participant"), 5);
    assert_eq!(count(p.path(), "role:participant clicking"), 1);
    assert_eq!(count(p.path(), "speaker:P4 hours"), 2);
    assert_eq!(count(p.path(), "role:none"), 0);
    let sp = ok(p.path(), &["list", "speakers", "--format", "csv"]);
    assert!(sp.contains("P4,participant,user,5,1"), "{sp}");

    // After adding: per document, in the record and the index.
    let p = project();
    ok(p.path(), &["add", s(&r15("thinkaloud.txt"))]);
    assert_eq!(count(p.path(), "role:participant"), 0);
    let out = ok(
        p.path(),
        &["speakers", "unlabelled", "thinkaloud", "Participant 4"],
    );
    assert!(out.contains("5 unlabelled segment(s)"), "{out}");
    assert_eq!(count(p.path(), "role:participant clicking"), 1);
    assert_eq!(count(p.path(), "role:participant pin"), 1);
    assert_eq!(count(p.path(), "role:none"), 0);
    ok(p.path(), &["check"]);
    // Prose documents are left alone by --unlabelled; a document of posts is refused.
    let p = project();
    ok(
        p.path(),
        &["add", s(&r15("folder/README.md")), "--unlabelled", "X"],
    );
    assert_eq!(count(p.path(), "role:none"), 2);
    ok(p.path(), &["add", s(&fixture("posts/meded.csv"))]);
    fails(
        p.path(),
        &["speakers", "unlabelled", "meded.csv", "X"],
        "holds posts",
    );
}

#[test]
fn r15_the_same_interview_in_two_formats_is_added_once() {
    let p = project();
    let out = ok(p.path(), &["add", s(&r15("folder"))]);
    // garden.srt comes first (sorted paths); the .vtt has the same turns cut into other cues.
    assert!(
        out.contains("garden.vtt looks like garden (garden.srt) already in the project ("),
        "{out}"
    );
    assert!(
        out.contains("not added, --allow-duplicates adds it"),
        "{out}"
    );
    let names: Vec<String> = documents(p.path())
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["README", "garden"]);
    // Against a document already stored, too; and --allow-duplicates adds it.
    let p = project();
    ok(p.path(), &["add", s(&r15("folder/garden.vtt"))]);
    let out = ok(p.path(), &["add", s(&r15("folder/garden.srt"))]);
    assert!(
        out.contains("garden.srt looks like garden (garden.vtt)"),
        "{out}"
    );
    assert_eq!(documents(p.path()).len(), 1);
    let out = ok(
        p.path(),
        &["add", s(&r15("folder/garden.srt")), "--allow-duplicates"],
    );
    assert!(out.starts_with("Added 1 document"), "{out}");
    assert_eq!(documents(p.path()).len(), 2);
    // Different interviews of one study are not duplicates.
    let p = project();
    let sample = repo().join("data/sample");
    let out = ok(p.path(), &["add", s(&sample)]);
    assert!(!out.contains("looks like"), "{out}");
}

#[test]
fn r15_real_vtt_and_srt_pairs_are_found() {
    let Some(d) = shared_data::shared("interviews_mannheimer_qdr/derived_vtt_srt") else {
        return;
    };
    let p = project();
    let out = ok(p.path(), &["add", s(&d)]);
    assert_eq!(documents(p.path()).len(), 14, "{out}");
    let found: Vec<&str> = out.lines().filter(|l| l.contains("looks like")).collect();
    assert_eq!(found.len(), 14, "{out}");
    for l in found {
        // BSR01_transcript_deidentified.vtt looks like BSR01_transcript_deidentified (…srt)
        let stem = l.split('.').next().unwrap();
        assert!(
            l.contains(&format!("looks like {stem} ({stem}.srt)")),
            "{l}"
        );
    }
}

#[test]
fn r15_plain_text_in_a_folder_of_transcripts_is_named_and_can_be_removed() {
    let p = project();
    let out = ok(p.path(), &["add", s(&r15("folder"))]);
    assert!(
        out.contains("Added as plain text (no speaker labels, unlike the rest): README;"),
        "{out}"
    );
    // A prose file added on its own is not called out.
    let q = project();
    let out = ok(q.path(), &["add", s(&r15("folder/README.md"))]);
    assert!(!out.contains("plain text"), "{out}");

    // remove: the document, its segments, suggestions and index entries go; check passes.
    ok(p.path(), &["suggest", "--codebook", "kta"]);
    assert_eq!(count(p.path(), "transcription"), 1);
    let out = ok(p.path(), &["remove", "README"]);
    assert!(out.contains("Removed README (2 segment(s))"), "{out}");
    assert_eq!(count(p.path(), "transcription"), 0);
    assert_eq!(documents(p.path()).len(), 1);
    ok(p.path(), &["check"]);
    fails(
        p.path(),
        &["remove", "README"],
        "no document named `README`",
    );

    // A removal takes the whole name, not only its start (as `show` would).
    fails(
        p.path(),
        &["remove", "gard"],
        "is only the start of `garden`",
    );
    assert_eq!(documents(p.path()).len(), 1);

    // Decisions refer to it: refused, counted; --force removes them, the audit says so.
    let seg = json(&ok(
        p.path(),
        &["search", "allotment", "--format", "json", "--limit", "1"],
    ))["hits"][0]["segment"]
        .as_i64()
        .unwrap();
    ok(
        p.path(),
        &[
            "code",
            &seg.to_string(),
            "kta.knowledge_creation",
            "--codebook",
            "kta",
            "--coder",
            "ana",
        ],
    );
    fails(
        p.path(),
        &["remove", "garden"],
        "garden has 1 decision(s) by ana (1 not undone)",
    );
    assert_eq!(documents(p.path()).len(), 1, "nothing removed");
    let out = ok(p.path(), &["remove", "garden", "--force"]);
    assert!(out.contains("1 decision(s)"), "{out}");
    assert!(documents(p.path()).is_empty());
    assert_eq!(count(p.path(), "allotment"), 0);
    ok(p.path(), &["check"]);
    // The file can be added again.
    let out = ok(p.path(), &["add", s(&r15("folder/garden.srt"))]);
    assert!(out.starts_with("Added 1 document"), "{out}");
}

#[test]
fn r15_author_for_exports_without_one() {
    let p = project();
    let out = ok(
        p.path(),
        &[
            "add",
            s(&fixture("posts/health.txt")),
            "--author",
            "healthdesk",
        ],
    );
    assert!(!out.contains("name their author"), "{out}");
    // Every post has the author given.
    let posts: u64 = documents(p.path())
        .iter()
        .map(|d| d["segments"].as_u64().unwrap())
        .sum();
    assert!(posts >= 2, "{posts}");
    assert_eq!(count(p.path(), "author:healthdesk"), posts);
    // A file with an author column keeps its authors, and says so.
    let out = ok(
        p.path(),
        &["add", s(&fixture("posts/meded.csv")), "--author", "x"],
    );
    assert!(
        out.contains("name their author in the file and keep it"),
        "{out}"
    );
    assert_eq!(count(p.path(), "author:x"), 0);
}

#[test]
fn r15_quotes_out_of_place_in_a_csv_are_reported_by_line() {
    let p = project();
    let f = p.path().join("posts.csv");
    std::fs::write(
        &f,
        "id,author,text\n\
         1,amy,first post with inner\" quote\"\n\
         2,bob,\"second \"quoted\" post\",x\n\
         3,cy,\"third, fine \"\"ok\"\" post\"\n\
         4,dee,fourth plain post\n",
    )
    .unwrap();
    let out = ok(p.path(), &["add", s(&f)]);
    // A quote inside an unquoted field is read as it stands, so nothing is said of line 2;
    // line 3's inner quotes were not doubled and its text loses them.
    assert!(!out.contains("posts.csv:2:"), "{out}");
    assert!(out.contains("posts.csv:3: a quote out of place"), "{out}");
    let amy = ok(p.path(), &["search", "author:amy", "--format", "jsonl"]);
    assert!(
        amy.contains(r#""first post with inner\" quote\"""#),
        "{amy}"
    );
    assert!(!out.contains("posts.csv:4:"), "{out}");
    assert!(!out.contains("posts.csv:5:"), "{out}");
    // The rows are kept as read.
    assert_eq!(count(p.path(), "post"), 4);
}

#[test]
fn r15_a_path_that_does_not_exist_is_named() {
    let p = project();
    let out = quarry(p.path())
        .args(["add", "no/such/file.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no/such/file.txt: no such file or folder"),
        "{err}"
    );
    assert!(!err.contains("the rest were"), "{err}");
}
