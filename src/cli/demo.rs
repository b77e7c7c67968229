//! `quarry demo`: the main job on the bundled sample study, start to finish.
//!
//! The sample study is compiled into the binary, so the demo runs from any folder: it writes
//! the files into a fresh project (a temporary folder unless `--out`), adds them, imports the
//! participants' attributes, runs a few searches, suggests, reviews a few suggestions by
//! script, and ends by writing `quarry report` (HTML) and printing its path.

use crate::cli::corpus::{add_with_progress, print_add_report};
use crate::cli::print::{self, Style};
use crate::cli::Exit;
use anyhow::{Context, Result};
use clap::Args;
use quarry::index::Index;
use quarry::project::search::{self, SearchConfig};
use quarry::project::{AddConfig, InitConfig, Project};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DemoArgs {
    /// Keep the demo project in DIR (default: a temporary folder, removed afterwards).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Folder with the sample study (default: data/sample next to the binary's sources).
    #[arg(long, hide = true)]
    data: Option<PathBuf>,
    /// Then serve the demo project in the browser (as `quarry serve`); the project is kept.
    #[arg(long)]
    serve: bool,
    #[command(flatten)]
    web: super::serve::ServeArgs,
}

/// `quarry demo`.
pub fn command(a: DemoArgs, out: &mut dyn Write) -> Result<Exit> {
    if !a.serve {
        run(out, a.data.as_deref(), a.out.as_deref(), super::style())?;
        return Ok(Exit::Ok);
    }
    // Served: the project must outlive the demo, so it gets a folder that is not removed.
    let root = match &a.out {
        Some(d) => d.clone(),
        None => tempfile::Builder::new()
            .prefix("quarry-demo-")
            .tempdir()
            .context("creating a folder for the demo project")?
            .keep(),
    };
    run(out, a.data.as_deref(), Some(&root), super::style())?;
    writeln!(out, "\nThe demo project is kept in {}.", root.display())?;
    super::serve::command(a.web, Some(&root), out)
}

macro_rules! sample {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../data/sample/", $name)) as &[u8])),*]
    };
}

/// The sample study's files.
const SAMPLE: &[(&str, &[u8])] = sample!(
    "P01_interview.txt",
    "P02_interview.txt",
    "P03_interview.txt",
    "P04_interview.txt",
    "P05_interview.txt",
    "P06_interview.txt",
    "P07_interview.txt",
    "P08_interview.md",
    "P09_interview.vtt",
    "P10_interview.vtt",
    "P11_interview.srt",
    "P12_interview.docx",
    "P13_interview.docx",
    "P14_interview.odt",
    "fieldnotes.md",
    "participants.csv",
    "meded_posts.csv",
);

/// Searches the demo runs, with what each shows.
pub const SEARCHES: &[(&str, &str)] = &[
    (
        "misinformation OR \"fake news\" OR unreliable",
        "barriers: content people do not trust",
    ),
    (
        "hierarch* role:participant",
        "non-hierarchical exchange, in participants' words only",
    ),
    (
        "(\"visual abstracts\" OR infographic*) teach",
        "social-media formats used in teaching (stemmed: teaches, teaching)",
    ),
    (
        "attr.social_media_use:passive (lurk* OR scroll*)",
        "passive use, among passive users",
    ),
    (
        "(trust OR misinformation) hashtag:meded is:original",
        "the same topic in #MedEd posts, reposts and copies left out",
    ),
    (
        "attr.original_share:0.33",
        "posts by an author who mostly reposts (a third original)",
    ),
];

/// Commands the demo suggests trying on its project, from inside the project's folder (each
/// is run as printed by `tests/it/r15_demo.rs`).
pub const TRY: &[&str] = &[
    "quarry search 'confiden* NEAR/5 post' --context 1",
    "quarry search 'trust attr.role:educator' --format csv > quotes.csv",
    "quarry show P06_interview",
    "quarry show 'meded_posts.csv thread 1500000000000000006'",
    "quarry search 'date:2022-03 is:reply' --format json",
    "quarry list speakers",
    "quarry codebook show tdf",
    "quarry codebook check sm-uptake --corpus",
    "quarry list suggestions",
    "quarry triage --codebook tdf --code tdf.knowledge",
    "quarry review --coder YOU --codebook tdf",
    "quarry review export --coder YOU --codebook tdf --out review.xlsx",
    "quarry agreement --coders YOU,demo --codebook sm-uptake",
    "quarry report --out report.html",
];

/// `s` as one word for a POSIX shell: as it is when it holds nothing the shell reads
/// specially, else in single quotes.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Runs the demo, writing to `out`. `data` overrides the bundled sample with a folder.
pub fn run(
    out: &mut dyn Write,
    data: Option<&Path>,
    dir: Option<&Path>,
    style: Style,
) -> Result<()> {
    // Declared first, so the temporary project is removed last.
    let tmp;
    let root = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("quarry-demo-")
                .tempdir()
                .context("creating a temporary folder")?;
            tmp.path().to_path_buf()
        }
    };
    let sample_dir = match data {
        Some(d) => d.to_path_buf(),
        None => write_sample(&root)?,
    };
    let mut p = build(out, &root, &sample_dir)?;
    let (mut index, _) = p.index()?;
    searches(out, &p, &mut index, style)?;
    suggest(out, &mut p, &mut index)?;
    review(out, &mut p)?;
    summary(out, &p, dir)?;
    report(out, &p, dir)
}

/// Writes the bundled sample study into ROOT/sample; that folder.
fn write_sample(root: &Path) -> Result<PathBuf> {
    let d = root.join("sample");
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    for (name, bytes) in SAMPLE {
        std::fs::write(d.join(name), bytes).with_context(|| format!("writing {name}"))?;
    }
    Ok(d)
}

/// The study, the project made in `root`, the sample added and its attributes imported.
fn build(out: &mut dyn Write, root: &Path, sample_dir: &Path) -> Result<Project> {
    writeln!(
        out,
        "quarry demo: a synthetic study of how health professions educators take up"
    )?;
    writeln!(
        out,
        "knowledge shared on social media (14 interviews in 9 formats and 25 #MedEd posts,"
    )?;
    writeln!(out, "all written for quarry).")?;
    writeln!(out)?;
    writeln!(out, "$ quarry init {}", root.display())?;
    let mut p = Project::init(root, &InitConfig::default())?;
    writeln!(out, "$ quarry add {}", sample_dir.display())?;
    let report = add_with_progress(
        &mut p,
        &AddConfig {
            paths: vec![sample_dir.to_path_buf()],
            ..Default::default()
        },
    )?;
    print_add_report(out, &report)?;
    let csv = sample_dir.join("participants.csv");
    writeln!(out, "$ quarry attrs import {}", csv.display())?;
    let (n, problems) = p.import_attributes(&csv)?;
    writeln!(out, "Attributes applied to {n} documents.")?;
    for e in problems {
        writeln!(out, "  {e}")?;
    }
    Ok(p)
}

/// The [`SEARCHES`], then a code of the study's own codebook searched through its rules.
fn searches(out: &mut dyn Write, p: &Project, index: &mut Index, style: Style) -> Result<()> {
    for (q, why) in SEARCHES {
        writeln!(out)?;
        writeln!(out, "$ quarry search '{q}' --limit 3      # {why}")?;
        let r = search::search(
            p,
            index,
            &SearchConfig {
                query: q.to_string(),
                limit: 3,
                ..Default::default()
            },
        )?;
        print::hits(out, &r, print::Format::Table, style)?;
        writeln!(out, "{} matching segments", r.total)?;
    }
    // A code of the study's own codebook, searched through its rules.
    let (book, code) = ("sm-uptake", "smu.barriers.misinformation");
    writeln!(out)?;
    writeln!(
        out,
        "$ quarry search --codebook {book} --code {code} --limit 3      # a code's keyword rules, participants only"
    )?;
    let r = search::search(
        p,
        index,
        &SearchConfig {
            limit: 3,
            codebook: Some(quarry::codebook::load(book)?),
            code: Some(code.into()),
            ..Default::default()
        },
    )?;
    print::hits(out, &r, print::Format::Table, style)?;
    writeln!(out, "{} matching segments", r.total)?;
    Ok(())
}

/// Suggestions for a person to review, from two codebooks, and where they fall.
fn suggest(out: &mut dyn Write, p: &mut Project, index: &mut Index) -> Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "$ quarry suggest --codebook sm-uptake --codebook tdf      # candidate codes, nothing coded"
    )?;
    let mut report = quarry::suggest::run(
        p,
        index,
        &quarry::suggest::SuggestConfig {
            codebooks: vec![
                quarry::codebook::load("sm-uptake")?,
                quarry::codebook::load("tdf")?,
            ],
            ..Default::default()
        },
    )?;
    // The TDF's 84 constructs would fill the screen: its 14 domains stand for them here.
    report.codes.retain(|c| c.codebook != "tdf" || c.depth == 1);
    print::suggest_report(out, &report, print::Format::Table)?;
    writeln!(out)?;
    writeln!(out, "$ quarry triage --codebook sm-uptake --limit 3")?;
    let t = quarry::suggest::triage::run(
        p,
        &quarry::suggest::triage::TriageConfig {
            codebook: quarry::codebook::load("sm-uptake")?,
            code: None,
            limit: 3,
        },
    )?;
    print::triage(out, &t, print::Format::Table)?;
    Ok(())
}

/// A person decides; here a script stands in for one, with fixed verdicts, to show what the
/// decisions feed: then the precision of what was reviewed.
fn review(out: &mut dyn Write, p: &mut Project) -> Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "$ quarry review --coder demo --codebook sm-uptake --code smu.barriers      # scripted: a, a, r, a, r, a"
    )?;
    let filter = quarry::review::Filter {
        codebook: Some("sm-uptake".into()),
        code: Some("smu.barriers".into()),
        ..Default::default()
    };
    let queue = quarry::review::queue(p, "demo", &filter)?;
    for (i, verdict) in ["a", "a", "r", "a", "r", "a"]
        .iter()
        .enumerate()
        .take(queue.items.len())
    {
        let item = queue.item(p, i)?;
        let cmd = quarry::review::parse_command(verdict).map_err(anyhow::Error::msg)?;
        quarry::review::apply(p, &queue, "demo", &item, &cmd, None)?;
        writeln!(
            out,
            "  {} #{} {}: {}",
            if *verdict == "a" {
                "accepted"
            } else {
                "rejected"
            },
            item.segment.id,
            print::sanitize(&item.suggestion.code, true),
            print::kwic(&item.segment.text, &item.highlights, 60, false)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "$ quarry rules --codebook sm-uptake      # precision of what was reviewed"
    )?;
    let mut r = quarry::review::quality::rules(p, "sm-uptake", None)?;
    r.codes.retain(|c| c.decided > 0);
    for c in &mut r.codes {
        c.rules.retain(|x| x.decided > 0);
    }
    print::rules(out, &r, print::Format::Table)?;
    Ok(())
}

/// The project in numbers, and the commands to try on it.
fn summary(out: &mut dyn Write, p: &Project, dir: Option<&Path>) -> Result<()> {
    let docs = p.store().documents()?;
    let speakers = p.store().speakers()?;
    writeln!(out)?;
    writeln!(
        out,
        "Summary: {} documents, {} segments, {} speakers ({} interviewer).",
        docs.len(),
        p.store().segment_count()?,
        speakers.len(),
        speakers
            .iter()
            .filter(|s| s.role == Some(quarry::Role::Interviewer))
            .count()
    )?;
    writeln!(out)?;
    match dir {
        Some(d) => {
            writeln!(out, "The project is in {}. Try:", d.display())?;
            writeln!(out, "  cd {}", shell_word(&d.display().to_string()))?;
        }
        None => {
            writeln!(
                out,
                "This project was temporary and is gone. To try more on it, keep one:"
            )?;
            writeln!(out, "  quarry demo --out quarry-demo")?;
            writeln!(out, "  cd quarry-demo")?;
        }
    }
    for cmd in TRY {
        writeln!(out, "  {cmd}")?;
    }
    Ok(())
}

/// The report of the demo project, kept: in the project when it is kept, else beside the
/// temporary project, which is removed.
fn report(out: &mut dyn Write, p: &Project, dir: Option<&Path>) -> Result<()> {
    let report = quarry::report::build(p, &quarry::report::ReportConfig::default())?;
    let path = match dir {
        Some(d) => d.join("report.html"),
        None => {
            let (_, path) = tempfile::Builder::new()
                .prefix("quarry-demo-report-")
                .suffix(".html")
                .tempfile()
                .context("creating the report file")?
                .keep()
                .context("keeping the report file")?;
            path
        }
    };
    quarry::report::write_file(&report, quarry::report::ReportFormat::Html, &path)?;
    writeln!(out)?;
    writeln!(
        out,
        "The demo's report (corpus, codes, matrices, coverage, agreement, rules), for a browser:"
    )?;
    writeln!(out, "Report: {}", path.display())?;
    Ok(())
}
