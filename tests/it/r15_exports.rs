//! Issue 15 (exports and review sheets): one quote per segment and code with its coders,
//! quotes and sheets by sentence, sheets imported twice, evidence marks that transcripts do not
//! use, a missing output folder named, rejections through the REFI round trip, and a MAXQDA
//! project whose texts are not in the file.

use super::review::review;
use super::{agreement_json, json, ok, project, quarry, repo, sample_project, skipped};
use quarry::project::Project;
use std::collections::BTreeSet;
use std::path::Path;

/// The sample study with sm-uptake's barriers reviewed by ana and bo: both accept the first
/// four in document order (bo with memos on two of them), then ana rejects one bo accepts.
fn two_coders() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let order = ["--code", "smu.barriers", "--order", "document"];
    review(
        d,
        &[&["--coder", "ana"][..], &order].concat(),
        "a\na\na\na\nr\nq\n",
    );
    review(
        d,
        &[&["--coder", "bo"][..], &order].concat(),
        "a clear case\na\na\na another\na\nq\n",
    );
    p
}

/// `quarry review export --coder CODER [EXTRA...] --out FILE`; returns stdout.
fn export_sheet(d: &Path, coder: &str, extra: &[&str], file: &Path) -> String {
    let mut args = vec!["review", "export", "--coder", coder];
    args.extend_from_slice(extra);
    args.extend(["--out", file.to_str().unwrap()]);
    ok(d, &args)
}

fn read_json(file: &Path) -> serde_json::Value {
    json(&std::fs::read_to_string(file).unwrap())
}

#[test]
fn r15_a_quote_accepted_by_two_coders_is_exported_once_with_both() {
    let p = two_coders();
    let d = p.path();
    let file = d.join("q.json");
    let out = ok(d, &["export", "quotes", "--out", file.to_str().unwrap()]);
    let q = read_json(&file);
    let q = q.as_array().unwrap();
    // Four segments both accepted, one only bo: five quotes, eight codings merged.
    assert_eq!(q.len(), 5, "{q:#?}");
    let keys: BTreeSet<(i64, &str)> = q
        .iter()
        .map(|x| (x["segment"].as_i64().unwrap(), x["code"].as_str().unwrap()))
        .collect();
    assert_eq!(keys.len(), q.len());
    let both = q
        .iter()
        .filter(|x| x["coders"] == serde_json::json!(["ana", "bo"]))
        .count();
    assert_eq!(both, 4);
    assert!(
        out.contains("5 quotes") && out.contains("the 9 codings of 2 coders merged"),
        "{out}"
    );
    // bo's memos are kept, attributed where two coders share the quote.
    let memos: Vec<&str> = q.iter().filter_map(|x| x["memo"].as_str()).collect();
    assert!(memos.contains(&"bo: clear case"), "{memos:?}");
    assert!(memos.contains(&"bo: another"), "{memos:?}");
    // Markdown: one quote each, under the code's name with its id in small print.
    let md = d.join("q.md");
    ok(d, &["export", "quotes", "--out", md.to_str().unwrap()]);
    let md = std::fs::read_to_string(md).unwrap();
    assert_eq!(md.matches("coded by").count(), 5, "{md}");
    let heading = md.lines().find(|l| l.starts_with("## ")).unwrap();
    assert!(
        heading.contains("<small>smu.barriers") && !heading.starts_with("## smu"),
        "{heading}"
    );
    // CSV: one row per segment and code, with a coders column.
    let csv = d.join("q.csv");
    ok(d, &["export", "quotes", "--out", csv.to_str().unwrap()]);
    let sheet = quarry::review::sheet::read(&csv).unwrap();
    assert_eq!(sheet.rows.len(), 5);
    let coders = sheet.column("coders").unwrap();
    assert_eq!(
        sheet
            .rows
            .iter()
            .filter(|r| r.cells[coders] == "ana, bo")
            .count(),
        4
    );
}

#[test]
fn r15_quotes_and_sheets_by_sentence_say_their_unit() {
    let p = two_coders();
    let d = p.path();
    // A hand coding has no evidence: its quote stays the whole turn, and says so.
    let hit = json(&ok(
        d,
        &["search", "time", "--format", "json", "--limit", "1"],
    ));
    let seg = hit["hits"][0]["segment"].as_i64().unwrap().to_string();
    ok(d, &["code", &seg, "smu.online_identity", "--coder", "bo"]);
    let turns = d.join("turns.json");
    let sentences = d.join("sentences.json");
    ok(d, &["export", "quotes", "--out", turns.to_str().unwrap()]);
    let out = ok(
        d,
        &[
            "export",
            "quotes",
            "--unit",
            "sentence",
            "--out",
            sentences.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("the sentences holding the evidence; 1 of 6 are whole turns"),
        "{out}"
    );
    let (turns, sentences) = (read_json(&turns), read_json(&sentences));
    let (turns, sentences) = (turns.as_array().unwrap(), sentences.as_array().unwrap());
    assert_eq!(turns.len(), sentences.len());
    let mut shorter = 0;
    for (t, s) in turns.iter().zip(sentences) {
        assert_eq!(t["segment"], s["segment"]);
        assert_eq!(t["unit"], "turn");
        let (tt, st) = (t["text"].as_str().unwrap(), s["text"].as_str().unwrap());
        if t["code"] == "smu.online_identity" {
            assert_eq!((s["unit"].as_str(), st), (Some("turn"), tt));
        } else {
            assert_eq!(s["unit"], "sentence");
            // Each piece of a sentence quote is part of its turn.
            assert!(st.split(" … ").all(|piece| tt.contains(piece)), "{st}");
            shorter += usize::from(st.len() < tt.len());
        }
    }
    assert!(shorter > 0, "no sentence quote is shorter than its turn");
    // The review sheet too.
    let sheet = d.join("s.csv");
    let out = export_sheet(
        d,
        "cy",
        &["--code", "smu.barriers", "--unit", "sentence"],
        &sheet,
    );
    assert!(
        out.contains("quotes: the sentences holding the evidence"),
        "{out}"
    );
    let s = quarry::review::sheet::read(&sheet).unwrap();
    let unit = s.column("unit").unwrap();
    assert!(s.rows.iter().all(|r| r.cells[unit] == "sentence"));
}

/// Exports cy's sheet of smu.barriers as `file`, fills `decisions` into its first rows and
/// writes it back.
fn fill(d: &Path, file: &Path, decisions: &[&str]) -> quarry::review::sheet::Sheet {
    let mut sheet = quarry::review::sheet::read(file).unwrap();
    let dec = sheet.column("decision").unwrap();
    for (row, v) in sheet.rows.iter_mut().zip(decisions) {
        row.cells[dec] = v.to_string();
    }
    let header: Vec<&str> = sheet.header.iter().map(String::as_str).collect();
    let cells: Vec<Vec<String>> = sheet.rows.iter().map(|r| r.cells.clone()).collect();
    quarry::review::sheet::write(file, &header, &cells).unwrap();
    let _ = d;
    sheet
}

#[test]
fn r15_a_sheet_filled_in_two_sittings_imports_twice() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let file = d.join("s.xlsx");
    let f = file.to_str().unwrap();
    export_sheet(d, "cy", &["--code", "smu.barriers"], &file);
    let import = || {
        quarry(d)
            .args(["review", "import", f, "--coder", "cy"])
            .output()
            .unwrap()
    };
    fill(d, &file, &["a", "r"]);
    let out = import();
    assert!(out.status.success());
    // The same sheet again, then with two more rows filled: nothing is an error.
    let out = import();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Applied 0 decisions of cy; 2 rows already applied"),
        "{stdout}"
    );
    fill(d, &file, &["a", "r", "yes", "no"]);
    let out = import();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Applied 2 decisions of cy as batch")
            && stdout.contains("2 rows already applied"),
        "{stdout}"
    );
    let stored = || {
        Project::open(d)
            .unwrap()
            .store()
            .decisions(Some("cy"))
            .unwrap()
            .len()
    };
    assert_eq!(stored(), 4);
    // A row that now says otherwise than what is recorded is a problem, by row.
    fill(d, &file, &["r", "r", "yes", "no"]);
    let out = import();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("row 2: #") && stderr.contains("cy already decided it otherwise"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stored(), 4);
}

/// A project with one interview holding a redaction in brackets and guillemets of its own,
/// and a codebook with a phrase rule and a word rule.
fn marked_project() -> tempfile::TempDir {
    let p = project();
    let d = p.path();
    std::fs::write(
        d.join("P1.txt"),
        "Interviewer: How do you share your work?\n\n\
         P1: At [X University] we use social media a lot. I worry about privacy. \
         They call it «open» science. Another sentence without it.\n",
    )
    .unwrap();
    std::fs::write(
        d.join("cb.toml"),
        "[codebook]\nid = \"cb\"\nname = \"CB\"\n\n\
         [[code]]\nid = \"cb.sharing\"\nname = \"Sharing\"\n\
         rules = ['\"social media\"', 'privacy']\n",
    )
    .unwrap();
    ok(d, &["add", "P1.txt"]);
    ok(d, &["suggest", "--codebook", "cb.toml"]);
    p
}

#[test]
fn r15_sheets_mark_evidence_with_guillemets_or_bold_not_brackets() {
    let p = marked_project();
    let d = p.path();
    let csv = d.join("s.csv");
    export_sheet(d, "ana", &[], &csv);
    let sheet = quarry::review::sheet::read(&csv).unwrap();
    let quote = &sheet.rows[0].cells[sheet.column("quote").unwrap()];
    // One pair for the phrase, one for the word; the redaction and the text's own
    // guillemets as they were.
    assert!(quote.contains("«social media»"), "{quote}");
    assert!(quote.contains("«privacy»"), "{quote}");
    assert!(
        quote.contains("[X University]") && quote.contains("«open»"),
        "{quote}"
    );
    assert_eq!(quote.matches('[').count(), 1, "{quote}");
    // In an .xlsx the evidence is bold rich text, the cell's text unmarked.
    let xlsx = d.join("s.xlsx");
    export_sheet(d, "ana", &[], &xlsx);
    let read = quarry::review::sheet::read(&xlsx).unwrap();
    let cell = &read.rows[0].cells[read.column("quote").unwrap()];
    assert!(
        cell.contains(" social media a lot") && !cell.contains("«social"),
        "{cell}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    let bold_runs: Vec<&str> = strings
        .split("<r>")
        .filter(|r| r.contains("<b/>"))
        .filter_map(|r| r.split("<t>").nth(1).or_else(|| r.split("\">").nth(1)))
        .map(|t| t.split("</t>").next().unwrap())
        .collect();
    assert!(bold_runs.contains(&"social media"), "{strings}");
    assert!(bold_runs.contains(&"privacy"), "{strings}");
    // Importing does not depend on the marks, even with guillemets in the text.
    for f in [&csv, &xlsx] {
        fill(d, f, &["a"]);
    }
    let out = ok(
        d,
        &["review", "import", csv.to_str().unwrap(), "--coder", "ana"],
    );
    assert!(out.contains("Applied 1 decisions"), "{out}");
    let out = ok(
        d,
        &["review", "import", xlsx.to_str().unwrap(), "--coder", "bo"],
    );
    assert!(out.contains("Applied 1 decisions"), "{out}");
}

#[test]
fn r15_writing_into_a_missing_folder_names_the_folder() {
    let p = marked_project();
    let d = p.path();
    for (args, file) in [
        (
            &["review", "export", "--coder", "ana", "--out"][..],
            "gone/s.csv",
        ),
        (
            &["review", "export", "--coder", "ana", "--out"][..],
            "gone/s.xlsx",
        ),
        (
            &["export", "quotes", "--status", "pending", "--out"][..],
            "gone/q.csv",
        ),
        (
            &["export", "quotes", "--status", "pending", "--out"][..],
            "gone/q.md",
        ),
    ] {
        let out = quarry(d).args(args).arg(file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("the folder gone does not exist") && !stderr.contains(".tmp"),
            "{file}: {stderr}"
        );
    }
}

/// Agreement of ana and bo on sm-uptake, and each coder's accepted and rejected counts.
fn agreement_and_counts(d: &Path) -> (serde_json::Value, BTreeSet<(String, String, bool)>) {
    let a = agreement_json(d, "ana,bo", "sm-uptake");
    let p = Project::open(d).unwrap();
    let store = p.store();
    let segs: std::collections::HashMap<i64, (String, usize)> = store
        .decisions(None)
        .unwrap()
        .iter()
        .map(|x| {
            let s = store.segments(&[x.segment]).unwrap().pop().unwrap();
            (x.segment, (s.document, s.char_start))
        })
        .collect();
    let decided = store
        .decisions(None)
        .unwrap()
        .into_iter()
        .map(|x| {
            let (doc, at) = &segs[&x.segment];
            (
                x.coder,
                format!("{doc}@{at} {} {:?}", x.code, x.replacement),
                x.accept,
            )
        })
        .collect();
    (a, decided)
}

#[test]
fn r15_rejections_survive_the_refi_round_trip() {
    let p = two_coders();
    let d = p.path();
    // A change to another code, with a memo.
    review(
        d,
        &[
            "--coder",
            "ana",
            "--code",
            "smu.barriers",
            "--order",
            "document",
        ],
        "c smu.facilitators.accessibility why not\nq\n",
    );
    let before = agreement_and_counts(d);
    assert!(before.1.iter().any(|x| !x.2), "no rejection to carry");
    let file = d.join("study.qdpx");
    ok(d, &["export", "refi", "--out", file.to_str().unwrap()]);
    let q = project();
    let out = ok(q.path(), &["import", "refi", file.to_str().unwrap()]);
    assert!(out.contains("decisions by ana, bo"), "{out}");
    let after = agreement_and_counts(q.path());
    assert_eq!(before.0, after.0);
    assert_eq!(before.1, after.1);
    // Importing the same file again adds nothing.
    let again = ok(q.path(), &["import", "refi", file.to_str().unwrap()]);
    assert!(again.contains("no new decisions"), "{again}");
    assert_eq!(agreement_and_counts(q.path()).1, after.1);
}

/// A MAXQDA-style project file: a long project name, nested codes with descriptions, and two
/// sources whose texts live outside the file.
const MAXQDA_LIKE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="2025-06-16 A Very Long Project Name For Themes" origin="MAXQDA 24">
<Users><User guid="11111111-1111-4111-8111-111111111111" name="jd"/></Users>
<CodeBook><Codes>
<Code guid="22222222-2222-4222-8222-222222222201" name="Theories and Frameworks" isCodable="true"><Description>The frameworks.</Description>
<Code guid="22222222-2222-4222-8222-222222222202" name="THEME - Anti-deficit, Strengths-Based Perspectives" isCodable="true"><Description>Strengths.</Description></Code>
<Code guid="22222222-2222-4222-8222-222222222203" name="THEME - Anti-deficit, Strengths-Based Views" isCodable="true"><Description>Views.</Description></Code>
</Code>
</Codes></CodeBook>
<Sources>
<TextSource guid="33333333-3333-4333-8333-333333333301" name="Paper 1" plainTextPath="internal://33333333-3333-4333-8333-333333333301.txt"/>
<TextSource guid="33333333-3333-4333-8333-333333333302" name="Paper 2" plainTextPath="internal://33333333-3333-4333-8333-333333333302.txt"/>
</Sources>
</Project>
"#;

/// Imports `file` into a new project: (project, exit code, stdout).
fn import_refi(file: &Path) -> (tempfile::TempDir, Option<i32>, String) {
    let p = project();
    let out = quarry(p.path())
        .args(["import", "refi"])
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (p, out.status.code(), stdout)
}

#[test]
fn r15_a_project_without_its_texts_says_once_what_came_in_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("themes.qde");
    std::fs::write(&file, MAXQDA_LIKE).unwrap();
    let (p, code, out) = import_refi(&file);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        !out.contains("nobody") && !out.contains("kept empty"),
        "{out}"
    );
    let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{out}");
    for said in [
        "its 3 code(s), with their descriptions, came in",
        "none of its sources' texts (\"Paper 1\", \"Paper 2\")",
        "export the project again as a .qdpx with its sources embedded",
    ] {
        assert!(warnings[0].contains(said), "{said}: {out}");
    }
    // Short ids from the names, unique, the same on every import.
    let toml = std::fs::read_to_string(p.path().join("codebooks/themes.toml")).unwrap();
    let cb = quarry::codebook::parse(&toml, Path::new("themes.toml")).unwrap();
    let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "theories_and_frameworks",
            "theories_and_frameworks.theme_anti_deficit_strengths",
            "theories_and_frameworks.theme_anti_deficit_strengths_2",
        ]
    );
    let (q, ..) = import_refi(&file);
    assert_eq!(
        std::fs::read_to_string(q.path().join("codebooks/themes.toml")).unwrap(),
        toml
    );
    // The real MAXQDA file, where it is here.
    let real = repo().join("../shared/data/refi_qda_samples/maxqda24_ICLS_themes_project.qde");
    if !real.exists() {
        skipped("../shared/data/refi_qda_samples is not here");
        return;
    }
    let (p, code, out) = import_refi(&real);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        !out.contains("nobody") && !out.contains("kept empty"),
        "{out}"
    );
    assert!(
        out.contains("its 307 code(s)") && out.contains("\"ICLS 2024 3-10\""),
        "{out}"
    );
    let book = std::fs::read_dir(p.path().join("codebooks"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let cb = quarry::codebook::load(&book.to_string_lossy()).unwrap();
    assert!(cb.codes.iter().all(|c| !c.id.starts_with("maxqda24")));
    // Two levels of at most 32 characters each.
    assert!(cb.codes.iter().all(|c| c.id.len() <= 65), "long ids");
}
