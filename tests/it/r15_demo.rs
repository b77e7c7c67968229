//! Issue 15 item 25: every command `quarry demo` tells the user to try next works as printed,
//! run through a shell in the folder it says to `cd` to, with this build of quarry first on
//! PATH; and a demo whose project was temporary names nothing of that deleted project.

use super::*;

/// The indented lines after the "try" sentence of the demo's output, up to the next blank.
fn suggested(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !(l.ends_with(" Try:") || l.ends_with(", keep one:")))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn r15_every_command_the_demo_suggests_runs_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("demo project");
    let out = ok(dir.path(), &["demo", "--out", project.to_str().unwrap()]);
    let cmds = suggested(&out);
    assert!(cmds.len() > 5, "no suggestions found in:\n{out}");
    // The first is where to go; it must name the kept project, quoted for the shell.
    let cd = &cmds[0];
    assert!(cd.starts_with("cd "), "{cmds:?}");
    let bin = assert_cmd::cargo::cargo_bin("quarry");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failed = Vec::new();
    for cmd in &cmds[1..] {
        assert!(cmd.starts_with("quarry "), "{cmd}");
        // As a user pastes it: the cd line, then the command, in one shell.
        let run = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{cd} && {cmd}"))
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env_remove("QUARRY_PROJECT")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("running sh");
        let code = run.status.code();
        // `codebook check` exits 1 when it flags a rule: it ran and says what it found.
        let fine = code == Some(0) || (code == Some(1) && cmd.starts_with("quarry codebook check"));
        if !fine || run.stdout.is_empty() && !cmd.contains('>') {
            failed.push(format!(
                "{cmd}\n  exit {code:?}: {}",
                String::from_utf8_lossy(&run.stderr).trim()
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "suggested commands that fail:\n{}",
        failed.join("\n")
    );
    // What they wrote is in the project.
    for f in ["quotes.csv", "review.xlsx", "report.html"] {
        assert!(project.join(f).is_file(), "{f} not written");
    }
}

#[test]
fn r15_a_temporary_demo_suggests_nothing_of_the_project_it_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["demo"]);
    let cmds = suggested(&out);
    // It says how to keep a project first, then the commands to run in it.
    assert_eq!(
        cmds.first().map(String::as_str),
        Some("quarry demo --out quarry-demo"),
        "{out}"
    );
    assert_eq!(
        cmds.get(1).map(String::as_str),
        Some("cd quarry-demo"),
        "{out}"
    );
    // The same commands as a kept demo suggests, which the test above runs.
    let kept = ok(
        dir.path(),
        &["demo", "--out", dir.path().join("kept").to_str().unwrap()],
    );
    assert_eq!(cmds[2..], suggested(&kept)[1..], "{out}");
}
