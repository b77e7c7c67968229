//! `quarry export refi` and `quarry import refi` through the real binary: schema validity,
//! the round trip, another tool's file with the known traps, and bad files.

use super::{json, ok, project, quarry, repo, sample_project, skipped};
use quarry::refi::qdpx::{read_qdpx, RefiProject};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const PROJECT_XSD: &str = "../shared/spec/refi-qda/Project-mrt2019.xsd";

/// CI sets this: the external checkers must be there, not skipped.
fn required() -> bool {
    std::env::var_os("QUARRY_REQUIRE_TOOLS").is_some()
}

/// Validates the `project.qde` in `qdpx` against the REFI-QDA project schema with xmllint.
fn assert_valid(qdpx: &Path) {
    let xsd = repo().join(PROJECT_XSD);
    let have_xmllint = Command::new("xmllint").arg("--version").output().is_ok();
    if !have_xmllint || !xsd.exists() {
        assert!(!required(), "xmllint or {} missing", xsd.display());
        skipped("xmllint or the schema is not here; not validated");
        return;
    }
    let mut zip = zip::ZipArchive::new(std::fs::File::open(qdpx).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("project.qde");
    std::fs::write(&file, qde).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate: {}",
        qdpx.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tests/refi_reader.py` (Python with lxml: another reader than quarry's) on an export
/// and the quotes export of the same project.
fn independent_reader(qdpx: &Path, quotes: &Path) {
    // The system's Python may have lxml where the first one on PATH does not.
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import lxml"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(!required(), "no python3 with lxml");
        skipped("no python3 with lxml here; the independent reader did not run");
        return;
    };
    let mut cmd = Command::new(python);
    cmd.arg(repo().join("tests/refi_reader.py"))
        .arg(qdpx)
        .arg(quotes);
    let xsd = repo().join(PROJECT_XSD);
    if xsd.exists() {
        cmd.arg(xsd);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 coded passages match"));
}

/// Every coding of a project as (source name, start, end, code name, user name, selected text).
fn codings(p: &RefiProject) -> BTreeSet<(String, usize, usize, String, String, String)> {
    let mut names = std::collections::HashMap::new();
    fn walk<'a>(
        codes: &'a [quarry::refi::qdpx::RefiCode],
        out: &mut std::collections::HashMap<&'a str, &'a str>,
    ) {
        for c in codes {
            out.insert(c.guid.as_str(), c.name.as_str());
            walk(&c.children, out);
        }
    }
    walk(&p.codes, &mut names);
    let user = |g: &Option<String>| {
        p.users
            .iter()
            .find(|u| Some(&u.guid) == g.as_ref())
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    for s in &p.sources {
        for sel in &s.selections {
            let text: String = s
                .text
                .chars()
                .skip(sel.start)
                .take(sel.end - sel.start)
                .collect();
            for c in &sel.codings {
                out.insert((
                    s.name.clone(),
                    sel.start,
                    sel.end,
                    names[c.code_guid.as_str()].to_string(),
                    user(&c.creating_user),
                    text.clone(),
                ));
            }
        }
    }
    out
}

/// The sample study coded by two people: ana through review, bo by hand.
fn coded_sample() -> tempfile::TempDir {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let out = quarry(d)
        .args(["review", "--coder", "ana", "--code", "smu.barriers"])
        .args(["--order", "document"])
        .write_stdin("a\nr\nc smu.facilitators.accessibility\na memo with <xml> & \"quotes\"\nq\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let hits = json(&ok(
        d,
        &["search", "time", "--format", "json", "--limit", "2"],
    ));
    for h in hits["hits"].as_array().unwrap() {
        let seg = h["segment"].as_i64().unwrap().to_string();
        ok(d, &["code", &seg, "smu.online_identity", "--coder", "bo"]);
    }
    p
}

#[test]
fn export_then_import_keeps_documents_codes_and_every_coding() {
    let p = coded_sample();
    let d = p.path();
    let file = d.join("study.qdpx");
    let summary = ok(d, &["export", "refi", "--out", file.to_str().unwrap()]);
    // The reject, and the suggestion changed to another code.
    assert!(summary.contains("2 rejected suggestion"), "{summary}");
    assert_valid(&file);
    let first = read_qdpx(&file).unwrap();
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let before = codings(&first);
    // Three of ana's (two accepts and a change) and bo's two.
    assert_eq!(before.len(), 5, "{before:#?}");
    assert_eq!(before.iter().filter(|c| c.4 == "bo").count(), 2);
    // The participants are cases with their attributes, the documents are sources.
    let docs = json(&ok(d, &["list", "documents", "--format", "json"]));
    assert_eq!(first.sources.len(), docs.as_array().unwrap().len());
    assert!(first.cases.iter().any(|c| !c.values.is_empty()));
    assert!(first.variables.iter().any(|v| v.name == "country"));
    // A coding's selection is its turn, exactly as quarry quotes it.
    let quotes_file = d.join("q.json");
    ok(
        d,
        &["export", "quotes", "--out", quotes_file.to_str().unwrap()],
    );
    let quotes = json(&std::fs::read_to_string(&quotes_file).unwrap());
    let texts: BTreeSet<String> = quotes
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        before.iter().map(|c| c.5.clone()).collect::<BTreeSet<_>>(),
        texts
    );
    // An independent reader (Python's zipfile and lxml) finds the same passages.
    independent_reader(&file, &d.join("q.json"));
    // The rejected suggestion is in a note.
    assert!(first
        .notes
        .iter()
        .any(|n| n.name == "quarry: rejected suggestions" && n.text.contains("rejected by ana")));

    // Into a new project, and out again: the same documents, codes and codings.
    let q = project();
    let out = ok(q.path(), &["import", "refi", file.to_str().unwrap()]);
    // ana's two accepts, her reject and her change, and bo's two codings.
    assert!(out.contains("6 decisions by ana, bo"), "{out}");
    let again = q.path().join("again.qdpx");
    ok(
        q.path(),
        &["export", "refi", "--out", again.to_str().unwrap()],
    );
    assert_valid(&again);
    let second = read_qdpx(&again).unwrap();
    assert_eq!(codings(&second), before);
    let texts = |p: &RefiProject| {
        p.sources
            .iter()
            .map(|s| (s.name.clone(), s.text.clone()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(texts(&second), texts(&first));
    // The codes came back onto the built-in codebook (same GUIDs), no new codebook.
    assert!(!q.path().join("codebooks").exists());
    let ana = json(&ok(q.path(), &["status", "--format", "json"]));
    assert!(ana.to_string().contains("sm-uptake"), "{ana}");

    // Importing the same file again adds nothing.
    let out = ok(
        q.path(),
        &["import", "refi", file.to_str().unwrap(), "--format", "json"],
    );
    let r = json(&out);
    assert_eq!(r["documents"], 0);
    assert_eq!(r["decisions"], 0);
    assert_eq!(r["decisions_known"], 6);
}

/// A project as another tool might write it: a user named with accents, codes with accents
/// and emoji, a CRLF text with emoji, positions that count CRLF as one character, a
/// `plainTextPath` without `internal://`.
fn other_tool_qdpx(path: &Path) {
    let text = "Interviewer: What worries you about teaching online?\r\n\
                P1: Honestly the workload 😩 and the time it takes.\r\n\
                Interviewer: And your students?\r\n\
                P1: They love the flexibility, café or home.\r\n";
    // Positions with CRLF as one character.
    let lf = text.replace("\r\n", "\n");
    let pos = |word: &str| {
        let at = lf.find(word).unwrap();
        let start = lf[..at].chars().count();
        (start, start + word.chars().count())
    };
    let (w0, w1) = pos("workload 😩 and the time");
    let (f0, f1) = pos("flexibility, café");
    let (t0, t1) = pos("time it takes");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Étude" origin="OtherTool 3.1">
  <Users>
    <User guid="{{A1B2C3D4-0000-4000-8000-000000000001}}" name="Zoë Ñúñez"/>
    <User guid="a1b2c3d4-0000-4000-8000-000000000002" name="Bo"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="c0000000-0000-4000-8000-000000000001" name="Charge de travail 😩" isCodable="true">
        <Code guid="c0000000-0000-4000-8000-000000000002" name="Temps épuisé" isCodable="true"/>
      </Code>
      <Code guid="c0000000-0000-4000-8000-000000000003" name="Flexibilité" isCodable="true" color="#00aa00"/>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="70000000-0000-4000-8000-000000000001" name="profession" typeOfVariable="Text"/>
    <Variable guid="70000000-0000-4000-8000-000000000002" name="country" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="80000000-0000-4000-8000-000000000001" name="Interview one">
      <VariableValue><VariableRef targetGUID="70000000-0000-4000-8000-000000000001"/><TextValue>nurse educator</TextValue></VariableValue>
      <SourceRef targetGUID="50000000-0000-4000-8000-000000000001"/>
    </Case>
    <Case guid="80000000-0000-4000-8000-000000000002" name="P1">
      <VariableValue><VariableRef targetGUID="70000000-0000-4000-8000-000000000002"/><TextValue>France</TextValue></VariableValue>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="50000000-0000-4000-8000-000000000001" name="P1 interview.docx" plainTextPath="p1.txt">
      <PlainTextSelection guid="51000000-0000-4000-8000-000000000001" startPosition="{w0}" endPosition="{w1}" creatingUser="A1B2C3D4-0000-4000-8000-000000000001" creationDateTime="2024-03-01T10:00:00Z">
        <Coding guid="52000000-0000-4000-8000-000000000001" creatingUser="A1B2C3D4-0000-4000-8000-000000000001">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000001"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="51000000-0000-4000-8000-000000000002" startPosition="{f0}" endPosition="{f1}" creatingUser="a1b2c3d4-0000-4000-8000-000000000002">
        <Coding guid="52000000-0000-4000-8000-000000000002" creatingUser="a1b2c3d4-0000-4000-8000-000000000002">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000003"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="51000000-0000-4000-8000-000000000003" startPosition="{t0}" endPosition="{t1}" creatingUser="a1b2c3d4-0000-4000-8000-000000000002">
        <Coding guid="52000000-0000-4000-8000-000000000003" creatingUser="a1b2c3d4-0000-4000-8000-000000000002">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"##
    );
    super::zip(
        path,
        &[
            ("project.qde", qde.as_bytes()),
            ("sources/p1.txt", text.as_bytes()),
        ],
    );
}

#[test]
fn another_tools_project_imports_onto_the_right_turns() {
    let p = project();
    let d = p.path();
    let file = d.join("other.qdpx");
    other_tool_qdpx(&file);
    let r = json(&ok(
        d,
        &["import", "refi", file.to_str().unwrap(), "--format", "json"],
    ));
    assert_eq!(r["documents"], 1, "{r}");
    assert_eq!(r["codes_new"], 3, "{r}");
    assert_eq!(r["decisions"], 3, "{r}");
    assert_eq!(r["coders"], serde_json::json!(["Bo", "Zoë Ñúñez"]));
    assert!(r["problems"].as_array().unwrap().is_empty(), "{r}");
    // The reader noticed how the positions were counted.
    assert!(r["notes"].to_string().contains("CRLF"), "{}", r["notes"]);
    // The new codebook keeps the codes' names and GUIDs and loads.
    let book = d.join("codebooks/other.toml");
    let toml = std::fs::read_to_string(&book).unwrap();
    assert!(toml.contains("name = \"Temps épuisé\""), "{toml}");
    assert!(toml.contains("guid = \"c0000000-0000-4000-8000-000000000002\""));
    ok(d, &["codebook", "show", book.to_str().unwrap()]);
    // Each coding is on the participant's turn that holds its words.
    let q = d.join("q.json");
    ok(d, &["export", "quotes", "--out", q.to_str().unwrap()]);
    let q = json(&std::fs::read_to_string(&q).unwrap());
    let got: BTreeSet<(String, String, String)> = q
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| {
            x["coders"].as_array().unwrap().iter().map(move |c| {
                (
                    c.as_str().unwrap().to_string(),
                    x["code"].as_str().unwrap().to_string(),
                    x["text"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let workload = "Honestly the workload 😩 and the time it takes.";
    let flexible = "They love the flexibility, café or home.";
    let expected: BTreeSet<(String, String, String)> = [
        ("Zoë Ñúñez", "charge_de_travail", workload),
        ("Bo", "charge_de_travail.temps_epuise", workload),
        ("Bo", "flexibilite", flexible),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.into(), b.into(), c.into()))
    .collect();
    assert_eq!(got, expected);
    // The case named like the speaker describes the speaker; the other, its document.
    for x in q.as_array().unwrap() {
        assert_eq!(x["speaker"], "P1");
        assert_eq!(x["attributes"]["country"], "France", "{x}");
        assert_eq!(x["attributes"]["profession"], "nurse educator", "{x}");
        assert_eq!(x["attributes"]["case"], "Interview one", "{x}");
    }
    // The imported codings can be measured: two coders on one codebook.
    let out = quarry(d)
        .args(["agreement", "--coders", "Zoë Ñúñez,Bo", "--codebook"])
        .arg(&book)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Exported again, the codes keep their GUIDs.
    let back = d.join("back.qdpx");
    ok(d, &["export", "refi", "--out", back.to_str().unwrap()]);
    assert_valid(&back);
    let back = read_qdpx(&back).unwrap();
    let guids: BTreeSet<&str> = back.codes.iter().map(|c| c.guid.as_str()).collect();
    assert!(
        guids.contains("c0000000-0000-4000-8000-000000000001"),
        "{guids:?}"
    );
}

#[test]
fn a_bad_file_is_refused_by_name_and_changes_nothing() {
    let p = sample_project();
    let d = p.path();
    let docs = || {
        json(&ok(d, &["list", "documents", "--format", "json"]))
            .as_array()
            .unwrap()
            .len()
    };
    let n = docs();
    let bad = d.join("broken.qdpx");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    quarry(d)
        .args(["import", "refi", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("broken.qdpx"));
    let bad = d.join("bad.qde");
    std::fs::write(&bad, "<Project xmlns=\"urn:QDA-XML:project:1.0\"><Sources>").unwrap();
    quarry(d)
        .args(["import", "refi", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.qde"));
    assert_eq!(docs(), n);
    // An unwritable destination is named too, and no partial file is left.
    let out = d.join("no/such/dir/x.qdpx");
    quarry(d)
        .args(["export", "refi", "--out", out.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("x.qdpx"));
}
