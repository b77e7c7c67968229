//! `quarry export quotes` through the real binary on the sample study.

use super::{json, ok, quarry, sample_project};

#[test]
fn coded_quotes_export_with_citations_in_every_format() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let out = quarry(d)
        .args([
            "review",
            "--coder",
            "ana",
            "--code",
            "smu.barriers",
            "--order",
            "document",
        ])
        .write_stdin("a\nr\nc smu.facilitators.accessibility\na\nq\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let file = d.join("q.json");
    let f = file.to_str().unwrap();
    ok(
        d,
        &["export", "quotes", "--cite", "role,country", "--out", f],
    );
    let q = json(&std::fs::read_to_string(&file).unwrap());
    let q = q.as_array().unwrap();
    // Two accepts and one change: three accepted codings; the reject is not there.
    assert_eq!(q.len(), 3, "{q:?}");
    assert!(q
        .iter()
        .all(|x| x["status"] == "accepted" && x["coders"] == serde_json::json!(["ana"])));
    assert!(q
        .iter()
        .any(|x| x["code"] == "smu.facilitators.accessibility"));
    // The citation is built from the participant's attributes (participants.csv).
    for x in q {
        let (role, country) = (&x["attributes"]["role"], &x["attributes"]["country"]);
        let expected = format!(
            "({}, {})",
            role.as_str().unwrap(),
            country.as_str().unwrap()
        );
        assert_eq!(x["citation"], expected.as_str(), "{x}");
        assert!(!x["text"].as_str().unwrap().is_empty());
    }
    // Fields nobody has fall back to who and where.
    ok(d, &["export", "quotes", "--cite", "shoe_size", "--out", f]);
    let q = json(&std::fs::read_to_string(&file).unwrap());
    for x in q.as_array().unwrap() {
        let c = x["citation"].as_str().unwrap();
        assert!(c.contains(x["document"].as_str().unwrap()), "{x}");
    }
    // Pending: open suggestions nobody decided, narrowed by a search.
    ok(
        d,
        &[
            "export",
            "quotes",
            "--status",
            "pending",
            "--query",
            "misinformation",
            "--out",
            f,
        ],
    );
    let pending = json(&std::fs::read_to_string(&file).unwrap());
    let pending = pending.as_array().unwrap();
    assert!(!pending.is_empty());
    assert!(pending.iter().all(|x| x["status"] == "pending"
        && x["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("misinformation")));
    // Markdown for a paper: a heading per code, each quote with its citation.
    let md = d.join("q.md");
    ok(d, &["export", "quotes", "--out", md.to_str().unwrap()]);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("<small>smu.barriers"), "{text}");
    assert_eq!(
        text.matches("\n> ").count() + usize::from(text.starts_with("> ")),
        text.matches("> ").count()
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with('(')).count(),
        3,
        "{text}"
    );
    // CSV and xlsx through the sheet writer: same rows.
    for ext in ["csv", "xlsx"] {
        let f = d.join(format!("q.{ext}"));
        ok(
            d,
            &[
                "export",
                "quotes",
                "--code",
                "smu.barriers",
                "--out",
                f.to_str().unwrap(),
            ],
        );
        let s = quarry::review::sheet::read(&f).unwrap();
        assert_eq!(s.rows.len(), 2, "{ext}");
        assert!(s.column("citation").is_some() && s.column("quote").is_some());
    }
    super::fails(d, &["export", "quotes", "--out", "q.txt"], "--format");
}
