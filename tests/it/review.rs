//! Review through the real binary: the line loop driven on stdin, hand coding, batches and
//! undo, decisions surviving codebook edits and a killed process.

use super::{agreement_json, fails, json, ok, quarry, sample_project};
use quarry::project::Project;
use std::path::Path;

/// Runs `quarry review ARGS` with `input` on stdin; returns stdout.
pub(super) fn review(d: &Path, args: &[&str], input: &str) -> String {
    let mut a = vec!["review"];
    a.extend_from_slice(args);
    let out = quarry(d).args(&a).write_stdin(input).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn decisions(d: &Path, coder: &str) -> Vec<quarry::store::DecisionRow> {
    Project::open(d)
        .unwrap()
        .store()
        .decisions(Some(coder))
        .unwrap()
}

#[test]
fn the_line_loop_stores_each_decision_with_its_memo_and_undo_brings_an_item_back() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    // Without a coder nothing is decided.
    fails(d, &["review", "--codebook", "sm-uptake"], "who is coding?");
    let out = review(
        d,
        &["--coder", "ana", "--code", "smu.passive_use", "--order", "document"],
        "a\nr too vague\nc smu.nope\nc smu.active_use posts a lot\nu\nm on reflection\nr\nbogus\ns\nq\n",
    );
    assert!(out.contains("no code smu.nope"), "{out}");
    assert!(out.contains("undone: #"), "{out}");
    assert!(out.contains("unknown command"), "{out}");
    assert!(out.contains("3 decided, 1 skipped, 1 undone"), "{out}");
    let ds = decisions(d, "ana");
    assert_eq!(ds.len(), 3, "{ds:?}");
    assert!(ds[0].accept && ds[0].memo.is_none());
    assert!(!ds[1].accept && ds[1].memo.as_deref() == Some("too vague"));
    // The change was undone; the same item was then rejected with the memo set before.
    assert!(!ds[2].accept && ds[2].replacement.is_none());
    assert_eq!(ds[2].memo.as_deref(), Some("on reflection"));
    // Each decision keeps what it answered.
    let answered: serde_json::Value =
        serde_json::from_str(ds[0].answered.as_ref().unwrap()).unwrap();
    assert!(!answered["rules"].as_array().unwrap().is_empty());
    assert!(!answered["evidence"].as_array().unwrap().is_empty());
    // The undone decision is still in the table, marked undone, and logged.
    let project = Project::open(d).unwrap();
    assert_eq!(project.store().decisions(None).unwrap().len(), 3);
    drop(project);
    // Decided items leave ana's queue, not bo's.
    let again = review(
        d,
        &[
            "--coder",
            "ana",
            "--code",
            "smu.passive_use",
            "--order",
            "document",
        ],
        "q\n",
    );
    let all = review(
        d,
        &[
            "--coder",
            "bo",
            "--code",
            "smu.passive_use",
            "--order",
            "document",
        ],
        "q\n",
    );
    let n = |s: &str| {
        s.split_once(" of ")
            .unwrap()
            .1
            .split(']')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    assert_eq!(n(&again) + 3, n(&all));
    let status = json(&ok(d, &["status", "--format", "json"]));
    let passive = status["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "smu.passive_use")
        .unwrap();
    assert_eq!(passive["coders"][0]["coder"], "ana");
    assert_eq!(passive["coders"][0]["accepted"], 1);
    assert_eq!(passive["coders"][0]["rejected"], 2);
}

#[test]
fn hand_coding_search_batches_and_undo() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let out = ok(
        d,
        &[
            "code",
            "12",
            "smu.barriers",
            "--coder",
            "bo",
            "--memo",
            "implicit",
        ],
    );
    assert!(out.contains("coded smu.barriers (sm-uptake)"), "{out}");
    fails(
        d,
        &["code", "999999", "smu.barriers", "--coder", "bo"],
        "no segment #999999",
    );
    fails(
        d,
        &["code", "12", "smu.nope", "--coder", "bo"],
        "no codebook run in this project has code",
    );
    let out = ok(
        d,
        &[
            "search",
            "lurk*",
            "--codebook",
            "sm-uptake",
            "--code-hits",
            "smu.passive_use",
            "--coder",
            "bo",
            "--limit",
            "3",
        ],
    );
    assert!(
        out.contains("Coded 3 hits smu.passive_use as bo: batch 1"),
        "{out}"
    );
    assert_eq!(decisions(d, "bo").len(), 4);
    // Someone else cannot undo bo's batch; bo can.
    fails(
        d,
        &["undo", "1", "--coder", "ana"],
        "no standing decisions in batch 1",
    );
    ok(d, &["undo", "1", "--coder", "bo"]);
    assert_eq!(decisions(d, "bo").len(), 1);
    ok(d, &["undo", "--coder", "bo"]);
    assert!(decisions(d, "bo").is_empty());
    fails(d, &["undo", "--coder", "bo"], "no decision to undo");
}

#[test]
fn the_coder_comes_from_the_environment_or_the_settings_file() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "kta"]);
    let cfg = d.join("settings");
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = quarry(d);
        c.args(args)
            .env("QUARRY_CONFIG", &cfg)
            .env_remove("QUARRY_CODER");
        if let Some(e) = env {
            c.env("QUARRY_CODER", e);
        }
        c.output().unwrap()
    };
    let out = run(&["config", "coder"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("not set"));
    let out = run(&["config", "coder", "  "], None);
    assert_eq!(out.status.code(), Some(2));
    run(&["config", "coder", "carla"], None);
    let out = run(&["config", "coder"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("coder = carla"));
    let seg = json(&ok(d, &["list", "suggestions", "--format", "json"]))[0]["segment"].to_string();
    let code = json(&ok(d, &["list", "suggestions", "--format", "json"]))[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(run(&["code", &seg, &code], None).status.success());
    assert!(run(&["code", &seg, &code], Some("dana")).status.success());
    assert_eq!(decisions(d, "carla").len(), 1);
    assert_eq!(decisions(d, "dana").len(), 1);
}

#[test]
fn editing_the_codebook_and_suggesting_again_keeps_every_decision() {
    let p = sample_project();
    let d = p.path();
    let book = d.join("study.toml");
    let original = std::fs::read_to_string(super::fixture("codebooks/study.toml")).unwrap();
    std::fs::write(&book, &original).unwrap();
    ok(d, &["suggest", "--codebook", "study.toml"]);
    review(
        d,
        &["--coder", "ana", "--order", "document"],
        "a\nr\na\nr\na\nc study.use\nq\n",
    );
    review(d, &["--coder", "bo", "--order", "score"], "r\nr\na\nq\n");
    let before = Project::open(d).unwrap().store().decisions(None).unwrap();
    assert_eq!(before.len(), 9);
    // Every rule edited or dropped, then suggest again, twice, and once from scratch.
    let edited = original
        .replace("\"lurk*\", ", "")
        .replace("misinformation OR", "misinform* OR")
        .replace("\"paywall* OR bandwidth\"", "\"bandwidth\"");
    std::fs::write(&book, edited).unwrap();
    ok(d, &["suggest", "--codebook", "study.toml"]);
    ok(d, &["suggest", "--codebook", "study.toml"]);
    ok(d, &["suggest", "--codebook", "study.toml", "--rerun"]);
    std::fs::write(&book, "[codebook]\nid = \"study\"\nname = \"emptied\"\n").unwrap();
    ok(d, &["suggest", "--codebook", "study.toml"]);
    let after = Project::open(d).unwrap().store().decisions(None).unwrap();
    assert_eq!(before, after);
    // With no rules left, the decided suggestions stay, withdrawn and marked.
    let rows = json(&ok(d, &["list", "suggestions", "--format", "json"]));
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["state"] == "withdrawn" && r["changed"] == true),
        "{rows:?}"
    );
}

#[test]
fn rule_precision_agreement_and_recall_come_from_the_decisions() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let args = [
        "--codebook",
        "sm-uptake",
        "--code",
        "smu.barriers.misinformation",
        "--order",
        "document",
    ];
    let mut a = vec!["--coder", "ana"];
    a.extend_from_slice(&args);
    review(d, &a, "a\na\nr\nr\nq\n");
    let mut b = vec!["--coder", "bo"];
    b.extend_from_slice(&args);
    review(d, &b, "a\nr\nr\nr\nq\n");
    // Precision of ana's decisions: 2 of 4.
    let r = json(&ok(
        d,
        &[
            "rules",
            "--codebook",
            "sm-uptake",
            "--coder",
            "ana",
            "--format",
            "json",
        ],
    ));
    let code = r["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "smu.barriers.misinformation")
        .unwrap();
    assert_eq!(code["decided"], 4);
    assert_eq!(code["accepted"], 2);
    assert_eq!(code["precision"], 0.5);
    let (lo, hi) = (
        code["interval"][0].as_f64().unwrap(),
        code["interval"][1].as_f64().unwrap(),
    );
    assert!(lo < 0.5 && 0.5 < hi && lo > 0.0 && hi < 1.0, "{lo} {hi}");
    // Every rule's tally is within its code's, and the fired counts add up to at least it.
    let rules = code["rules"].as_array().unwrap();
    assert!(rules
        .iter()
        .all(|x| x["decided"].as_u64() <= code["decided"].as_u64()));
    assert!(
        rules
            .iter()
            .map(|x| x["fired"].as_u64().unwrap())
            .sum::<u64>()
            >= code["fired"].as_u64().unwrap()
    );
    assert!(rules
        .iter()
        .any(|x| !x["rejected_words"].as_array().unwrap().is_empty()));
    // Both coders: yes yes no no against yes no no no. po = 0.75, pe = 0.5, kappa = 0.5.
    let ag = agreement_json(d, "ana,bo", "sm-uptake");
    assert_eq!(ag["overall"]["units"], 4);
    assert_eq!(ag["overall"]["percent"], 75.0);
    assert!(
        (ag["overall"]["kappa"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{ag}"
    );
    assert_eq!(ag["disagreements"].as_array().unwrap().len(), 1);
    // The rules as a coder: they suggested all four.
    let ag = json(&ok(
        d,
        &[
            "agreement",
            "--coders",
            "ana",
            "--rules",
            "--codebook",
            "sm-uptake",
            "--format",
            "json",
        ],
    ));
    assert_eq!(ag["overall"]["units"], 4);
    assert_eq!(ag["disagreements"].as_array().unwrap().len(), 2);
    fails(
        d,
        &["agreement", "--coders", "ana", "--codebook", "sm-uptake"],
        "two coders",
    );
    // Recall: no estimate until unsuggested segments are reviewed.
    assert!(r["recall"].is_null());
    let out = review(
        d,
        &[
            "--coder",
            "ana",
            "--unsuggested",
            "--codebook",
            "sm-uptake",
            "--sample",
            "3",
            "--targeted",
            "0",
        ],
        "c smu.passive_use\nn\nn\nc smu.nope\nn\n",
    );
    assert!(out.contains("no code smu.nope"), "{out}");
    assert!(out.contains("3 recorded"), "{out}");
    let r = json(&ok(
        d,
        &[
            "rules",
            "--codebook",
            "sm-uptake",
            "--coder",
            "ana",
            "--format",
            "json",
        ],
    ));
    assert_eq!(r["recall"]["sampled"], 3);
    assert_eq!(r["recall"]["missed"], 1);
    let rc = r["recall"]["recall"].as_f64().unwrap();
    let (lo, hi) = (
        r["recall"]["interval"][0].as_f64().unwrap(),
        r["recall"]["interval"][1].as_f64().unwrap(),
    );
    assert!(lo <= rc && rc <= hi && 0.0 < rc && rc < 1.0, "{r}");
    // A targeted draw: segments like those ana confirmed; judged, they stay out of the
    // estimate, which says so.
    let out = review(
        d,
        &[
            "--coder",
            "ana",
            "--unsuggested",
            "--codebook",
            "sm-uptake",
            "--sample",
            "2",
            "--targeted",
            "2",
        ],
        "n\nn\n",
    );
    assert!(
        out.contains("(drawn for resembling confirmed segments)"),
        "{out}"
    );
    let r = json(&ok(
        d,
        &[
            "rules",
            "--codebook",
            "sm-uptake",
            "--coder",
            "ana",
            "--format",
            "json",
        ],
    ));
    let (sampled, targeted) = (
        r["recall"]["sampled"].as_u64().unwrap(),
        r["recall"]["targeted"].as_u64().unwrap(),
    );
    assert_eq!(sampled + targeted, 5, "{r}");
    assert!(targeted >= 1, "{r}");
    assert_eq!(r["recall"]["missed"], 1);
    // The same segments are not offered again.
    let out = review(
        d,
        &[
            "--coder",
            "ana",
            "--unsuggested",
            "--codebook",
            "sm-uptake",
            "--sample",
            "200",
        ],
        "q\n",
    );
    let total: usize = out
        .split(" of ")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let t = json(&ok(
        d,
        &["triage", "--codebook", "sm-uptake", "--format", "json"],
    ));
    assert_eq!(total as u64 + 5, t["unsuggested"].as_u64().unwrap());
}

/// Exports ana's queue to `file`, fills decisions in as a person would (via the sheet
/// module, or by editing the CSV text), imports it, and checks what was applied.
fn spreadsheet_round_trip(ext: &str) {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let file = d.join(format!("review.{ext}"));
    let f = file.to_str().unwrap();
    let out = ok(
        d,
        &[
            "review",
            "export",
            "--coder",
            "ana",
            "--code",
            "smu.barriers",
            "--out",
            f,
        ],
    );
    assert!(out.contains("Wrote "), "{out}");
    let mut sheet = quarry::review::sheet::read(&file).unwrap();
    let n = sheet.rows.len();
    assert!(n >= 8, "{n}");
    let col = |s: &quarry::review::sheet::Sheet, c: &str| s.column(c).unwrap();
    let (dec, memo, quote) = (
        col(&sheet, "decision"),
        col(&sheet, "memo"),
        col(&sheet, "quote"),
    );
    // The evidence is marked in a CSV's quote (bold in an .xlsx), and nothing is decided yet.
    assert!(sheet
        .rows
        .iter()
        .all(|r| (ext == "xlsx") != r.cells[quote].contains('«')));
    assert!(sheet.rows.iter().all(|r| r.cells[dec].is_empty()));
    let fill = |r: &mut quarry::review::sheet::SheetRow, v: &str| r.cells[dec] = v.to_string();
    fill(&mut sheet.rows[0], "accept");
    sheet.rows[0].cells[memo] = "=clear case".into(); // not a formula on the way back
    fill(&mut sheet.rows[1], "r");
    fill(&mut sheet.rows[2], "smu.facilitators.accessibility");
    fill(&mut sheet.rows[3], "smu.nope"); // unknown code: row 5
    fill(&mut sheet.rows[4], "yes");
    let mut twin = sheet.rows[4].clone(); // the same suggestion decided twice, two ways
    twin.cells[dec] = "no".into();
    sheet.rows.push(twin);
    let mut stranger = sheet.rows[5].clone(); // a suggestion that does not exist
    stranger.cells[0] = "999999".into();
    stranger.cells[dec] = "a".into();
    sheet.rows.push(stranger);
    let cells: Vec<Vec<String>> = sheet.rows.iter().map(|r| r.cells.clone()).collect();
    let header: Vec<&str> = sheet.header.iter().map(String::as_str).collect();
    quarry::review::sheet::write(&file, &header, &cells).unwrap();
    let out = quarry(d)
        .args(["review", "import", f, "--coder", "ana"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // Bad rows make exit code 1; the valid ones are applied.
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("Applied 3 decisions of ana as batch 1"),
        "{stdout}"
    );
    assert!(stderr.contains("row 5: decision \"smu.nope\""), "{stderr}");
    assert!(stderr.contains("row 6: #"), "{stderr}");
    assert!(stderr.contains(&format!("row {}: #", n + 2)), "{stderr}");
    assert!(
        stderr.contains(&format!("row {}: #999999", n + 3)),
        "{stderr}"
    );
    let ds = decisions(d, "ana");
    assert_eq!(ds.len(), 3);
    assert!(ds[0].accept && ds[0].memo.as_deref() == Some("=clear case"));
    assert!(!ds[1].accept && ds[1].replacement.is_none());
    assert_eq!(
        ds[2].replacement.as_deref(),
        Some("smu.facilitators.accessibility")
    );
    assert!(ds
        .iter()
        .all(|x| x.batch == Some(1) && x.answered.is_some()));
    // Importing again applies nothing twice.
    let out = quarry(d)
        .args(["review", "import", f, "--coder", "ana"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Applied 0 decisions"));
    assert_eq!(decisions(d, "ana").len(), 3);
    // The export now leaves out what ana decided.
    ok(
        d,
        &[
            "review",
            "export",
            "--coder",
            "ana",
            "--code",
            "smu.barriers",
            "--out",
            f,
        ],
    );
    assert_eq!(
        quarry::review::sheet::read(&file).unwrap().rows.len(),
        n - 3
    );
    ok(d, &["undo", "1", "--coder", "ana"]);
    assert!(decisions(d, "ana").is_empty());
}

#[test]
fn review_in_a_csv_spreadsheet() {
    spreadsheet_round_trip("csv");
}

#[test]
fn review_in_an_xlsx_spreadsheet() {
    spreadsheet_round_trip("xlsx");
}

#[test]
fn a_csv_saved_by_a_spreadsheet_with_semicolons_and_bad_rows_is_read() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "kta"]);
    let file = d.join("r.csv");
    ok(
        d,
        &[
            "review",
            "export",
            "--coder",
            "ana",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let sheet = quarry::review::sheet::read(&file).unwrap();
    let first = &sheet.rows[0];
    let get = |c: &str| sheet.get(first, c).unwrap().to_string();
    // What a European Excel saves: `;` separators, only some columns kept, a typo row.
    let text = format!(
        "segment;codebook;code;decision;memo\n{};{};{};A;ok\nabc;kta;x;a;\n",
        get("segment"),
        get("codebook"),
        get("code")
    );
    std::fs::write(&file, text).unwrap();
    let out = quarry(d)
        .args(["review", "import", file.to_str().unwrap(), "--coder", "ana"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 3: segment \"abc\" is not a number"));
    assert_eq!(decisions(d, "ana").len(), 1);
    // A sheet without the key columns is refused whole.
    std::fs::write(&file, "a;b\n1;2\n").unwrap();
    fails(
        d,
        &["review", "import", file.to_str().unwrap(), "--coder", "ana"],
        "no `segment` column",
    );
}

#[test]
fn a_review_killed_at_any_moment_keeps_every_decision_it_confirmed() {
    use std::io::{BufRead, BufReader, Write};
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    for kill_after in [1usize, 4] {
        let coder = format!("k{kill_after}");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("quarry"))
            .current_dir(d)
            .args([
                "review", "--coder", &coder, "--order", "document", "--lines",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Waits until item `n` is on screen.
        let mut shown = 0;
        let mut wait_for = |n: usize| {
            while shown < n {
                let l = lines.next().unwrap().unwrap();
                if l.starts_with('[') && l.contains(" of ") {
                    shown += 1;
                }
            }
        };
        for k in 1..=kill_after {
            wait_for(k);
            writeln!(stdin, "{}", if k % 2 == 0 { "r" } else { "a" }).unwrap();
        }
        // The next item shows only after the last decision was committed.
        wait_for(kill_after + 1);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let ds = decisions(d, &coder);
        assert_eq!(ds.len(), kill_after, "{ds:?}");
        let mut keys: Vec<_> = ds.iter().map(|x| (x.segment, x.code.clone())).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), kill_after, "each decision once");
        // The project opens and the review goes on where it stopped.
        let out = review(d, &["--coder", &coder, "--order", "document"], "q\n");
        assert!(out.contains("[1 of "), "{out}");
    }
}

#[test]
fn two_coders_review_at_once_while_suggest_runs() {
    let p = sample_project();
    let d = p.path();
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let spawn = |args: &[&str], input: String| {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("quarry"));
        c.current_dir(d)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(input.as_bytes());
        });
        child
    };
    let a = spawn(
        &[
            "review",
            "--coder",
            "ana",
            "--codebook",
            "sm-uptake",
            "--order",
            "document",
        ],
        "a\nr\n".repeat(40),
    );
    let b = spawn(
        &[
            "review",
            "--coder",
            "bo",
            "--codebook",
            "sm-uptake",
            "--order",
            "score",
        ],
        "r\na\n".repeat(40),
    );
    let s = spawn(
        &["suggest", "--codebook", "tdf", "--codebook", "kta"],
        String::new(),
    );
    let s2 = spawn(
        &["suggest", "--codebook", "sm-uptake", "--rerun"],
        String::new(),
    );
    for child in [a, b, s, s2] {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(!err.contains("locked"), "{err}");
    }
    assert_eq!(decisions(d, "ana").len(), 80);
    assert_eq!(decisions(d, "bo").len(), 80);
}

#[test]
fn replacing_a_coded_document_moves_its_decisions_or_keeps_the_old_version() {
    let p = super::project();
    let d = p.path();
    let file = d.join("p1.txt");
    let v1 = "Interviewer: How do you use it?\nAlex: I mostly lurk and read threads.\nAlex: I post when angry.\n";
    std::fs::write(&file, v1).unwrap();
    ok(d, &["add", file.to_str().unwrap()]);
    ok(d, &["suggest", "--codebook", "sm-uptake"]);
    let segs = |d: &Path| -> Vec<(i64, String)> {
        let pr = Project::open(d).unwrap();
        let doc = pr.store().documents().unwrap().pop().unwrap();
        let ids = pr.store().segment_ids(doc.id).unwrap();
        pr.store()
            .segments(&ids)
            .unwrap()
            .into_iter()
            .map(|s| (s.id, s.text))
            .collect()
    };
    let lurk = segs(d)[1].0;
    ok(
        d,
        &[
            "code",
            &lurk.to_string(),
            "smu.passive_use",
            "--coder",
            "ana",
        ],
    );
    // A corrected transcript: a line added before, the coded turn unchanged.
    let v2 = format!("Interviewer: Hello.\n{v1}");
    std::fs::write(&file, &v2).unwrap();
    ok(d, &["add", "--replace", file.to_str().unwrap()]);
    let now = segs(d);
    let ds = decisions(d, "ana");
    assert_eq!(ds.len(), 1);
    let moved = now.iter().find(|(id, _)| *id == ds[0].segment).unwrap();
    assert_eq!(moved.1, "I mostly lurk and read threads.");
    assert_ne!(moved.0, lurk);
    // A version that changes the coded turn is not stored: the decision stays as it was.
    let v3 = v2.replace("I mostly lurk", "I lurk");
    std::fs::write(&file, &v3).unwrap();
    let out = quarry(d)
        .args(["add", "--replace", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not replaced") && err.contains(&format!("#{}", moved.0)),
        "{err}"
    );
    assert_eq!(segs(d), now);
    assert_eq!(decisions(d, "ana"), ds);
}
