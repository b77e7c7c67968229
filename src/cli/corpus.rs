//! `init`, `add`, `remove`, `speakers`, `attrs import`, `reindex`, `list` and `show`: the
//! commands that build the corpus and look at it (ops in [`quarry::ops::corpus`]).

use super::{open, style, Exit, OutFormat};
use crate::cli::print;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use quarry::ops::corpus::{self as op, AddOptions, InitOptions, InputFormat};
use quarry::project::{AddConfig, AddReport, Project, RemoveConfig};
use quarry::Role;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct InitArgs {
    /// Folder for the project.
    dir: Option<PathBuf>,
    /// Stemming language (a Snowball language: english, german, french, spanish, ...).
    #[arg(long, default_value = "english")]
    language: String,
    /// Stemmer: snowball (current Snowball, default) or rust-stemmers (2019 Snowball).
    #[arg(long, default_value = "snowball")]
    stemmer: String,
}

pub fn init(a: InitArgs, out: &mut dyn Write) -> Result<Exit> {
    let dir = a.dir.unwrap_or_else(|| PathBuf::from("."));
    let opts = InitOptions {
        language: a.language,
        stemmer: a.stemmer,
    };
    let cfg = op::init(&dir, &opts)?;
    writeln!(
        out,
        "Created a quarry project in {} ({} stemming, {}).",
        dir.display(),
        cfg.analyzer.language,
        cfg.analyzer.stemmer.as_str()
    )?;
    writeln!(out, "Next: quarry add FILES_OR_FOLDERS")?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct AddArgs {
    /// Files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Replace documents whose file changed since it was added.
    #[arg(long)]
    replace: bool,
    /// This speaker is an interviewer (repeatable).
    #[arg(long, value_name = "NAME")]
    interviewer: Vec<String>,
    /// This speaker is a participant (repeatable).
    #[arg(long, value_name = "NAME")]
    participant: Vec<String>,
    /// Attribute for every document added, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    attr: Vec<String>,
    /// Read every file as this format instead of detecting it.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<InFormat>,
    /// In transcripts that label some speakers (a moderator), the unlabelled paragraphs are
    /// this participant's; `{doc}` stands for the document's name.
    #[arg(long, value_name = "NAME")]
    unlabelled: Option<String>,
    /// Add files whose text nearly matches a document already in the project (the same
    /// interview as .vtt and .srt); by default they are reported and not added.
    #[arg(long)]
    allow_duplicates: bool,
    /// Posts: the author of every post in an export without an author column.
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Post exports",
        conflicts_with = "author_col"
    )]
    author: Option<String>,
    /// Posts: the column (CSV) holding the text.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    text_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the post id.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    id_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the author.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    author_col: Option<String>,
    /// Posts: the column (or JSON field path) holding the time.
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    time_col: Option<String>,
    /// Posts: the field delimiter (one character; `\t` for tab).
    #[arg(long, value_name = "CHAR", help_heading = "Post exports")]
    delimiter: Option<String>,
    /// Posts: column names of a file without a header row, as in id,created_at,text.
    #[arg(long, value_name = "A,B,C", help_heading = "Post exports")]
    columns: Option<String>,
    /// Posts: dotted path of the text in JSON records, as in data.body.
    #[arg(long, value_name = "PATH", help_heading = "Post exports")]
    text_field: Option<String>,
    /// Posts: the platform to record when the export does not say (x, mastodon, reddit, other).
    #[arg(long, value_name = "NAME", help_heading = "Post exports")]
    platform: Option<String>,
}

/// Input formats `--format` can force.
#[derive(Clone, Copy, ValueEnum)]
enum InFormat {
    /// Plain-text transcript.
    Text,
    /// Markdown transcript.
    Markdown,
    /// WebVTT captions.
    Vtt,
    /// SubRip captions.
    Srt,
    /// Word document.
    Docx,
    /// OpenDocument text.
    Odt,
    /// JSON lines of transcript turns.
    Turns,
    /// Posts as CSV, TSV or delimited lines.
    Csv,
    /// Posts as TSV.
    Tsv,
    /// Posts as JSON or JSONL (X, Mastodon, Reddit, generic).
    Json,
}

impl From<InFormat> for InputFormat {
    fn from(f: InFormat) -> Self {
        match f {
            InFormat::Text => InputFormat::Text,
            InFormat::Markdown => InputFormat::Markdown,
            InFormat::Vtt => InputFormat::Vtt,
            InFormat::Srt => InputFormat::Srt,
            InFormat::Docx => InputFormat::Docx,
            InFormat::Odt => InputFormat::Odt,
            InFormat::Turns => InputFormat::Turns,
            InFormat::Csv => InputFormat::Csv,
            InFormat::Tsv => InputFormat::Tsv,
            InFormat::Json => InputFormat::Json,
        }
    }
}

impl From<AddArgs> for AddOptions {
    fn from(a: AddArgs) -> Self {
        AddOptions {
            paths: a.paths,
            replace: a.replace,
            interviewers: a.interviewer,
            participants: a.participant,
            attrs: a.attr,
            format: a.format.map(Into::into),
            unlabelled: a.unlabelled,
            allow_duplicates: a.allow_duplicates,
            author: a.author,
            text_col: a.text_col,
            id_col: a.id_col,
            author_col: a.author_col,
            time_col: a.time_col,
            delimiter: a.delimiter,
            columns: a.columns,
            text_field: a.text_field,
            platform: a.platform,
        }
    }
}

pub fn add(a: AddArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let mut p = open(project)?;
    let cfg = op::add_config(a.into())?;
    let report = add_with_progress(&mut p, &cfg)?;
    print_add_report(out, &report)?;
    Ok(if op::add_had_problems(&report) {
        Exit::Problems
    } else {
        Exit::Ok
    })
}

/// Runs `add` with a spinner on stderr when stderr is a terminal.
pub fn add_with_progress(p: &mut Project, cfg: &AddConfig) -> Result<AddReport> {
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("template"),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(b)
    } else {
        None
    };
    let r = op::add(p, cfg, &mut |docs, segs| {
        if let Some(b) = &bar {
            b.set_message(format!("{docs} documents, {segs} segments"));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(r?)
}

/// Prints what `add` did, problems last (on stderr).
pub fn print_add_report(out: &mut dyn Write, r: &AddReport) -> Result<()> {
    writeln!(
        out,
        "Added {} document{} ({} segments, {} speakers, {:.1} MB of text).",
        r.added,
        if r.added == 1 { "" } else { "s" },
        r.segments,
        r.speakers,
        r.bytes as f64 / 1e6
    )?;
    if !r.replaced.is_empty() {
        writeln!(
            out,
            "Replaced {} changed document(s): {}",
            r.replaced.len(),
            r.replaced.join(", ")
        )?;
    }
    if r.unchanged > 0 {
        writeln!(
            out,
            "Already in the project, unchanged: {} document(s).",
            r.unchanged
        )?;
    }
    for (d, twin) in &r.duplicates {
        writeln!(
            out,
            "Skipped {d}: same content as {twin}, already in the project."
        )?;
    }
    for (file, twin, twin_file, percent) in &r.similar {
        let [file, twin, twin_file] = [file, twin, twin_file].map(|v| print::sanitize(v, true));
        writeln!(
            out,
            "{file} looks like {twin} ({twin_file}) already in the project ({percent}% of the \
             text the same); not added, --allow-duplicates adds it."
        )?;
    }
    if !r.plain.is_empty() {
        writeln!(
            out,
            "Added as plain text (no speaker labels, unlike the rest): {}; `quarry remove NAME` \
             takes one out.",
            print::sanitize(&r.plain.join(", "), true)
        )?;
    }
    if r.posts > 0 || r.posts_known > 0 {
        writeln!(
            out,
            "Posts: {} added, {} already in the project (same id) passed over; attributes of {} author(s) updated.",
            r.posts, r.posts_known, r.authors
        )?;
    }
    for n in &r.notes {
        writeln!(out, "{n}")?;
    }
    if r.ignored > 0 {
        writeln!(
            out,
            "Passed over {} file(s) in folders that are not in a format quarry reads.",
            r.ignored
        )?;
    }
    for g in &r.guesses {
        writeln!(
            out,
            "Guessed: {} is {} ({}); `quarry speakers set` changes it.",
            g.speaker, g.role, g.reason
        )?;
    }
    print_add_problems(r);
    Ok(())
}

/// The part of `add`'s report that needs the person: on stderr.
fn print_add_problems(r: &AddReport) {
    for d in &r.changed {
        eprintln!("{d}: the file changed since it was added; add it with --replace to replace it");
    }
    for (d, segs) in &r.held {
        let ids: Vec<String> = segs.iter().map(|s| format!("#{s}")).collect();
        eprintln!(
            "{d}: not replaced: the new version lacks {} coded segment(s) ({}), same speaker \
             and text; decisions are never dropped. Undo them, or keep this version.",
            segs.len(),
            ids.join(", ")
        );
    }
    for e in &r.errors {
        eprintln!("{e}");
    }
    if !r.errors.is_empty() {
        let anything = r.added + r.unchanged + r.replaced.len() + r.duplicates.len() > 0;
        eprintln!(
            "{} file(s) or line(s) could not be added{}",
            r.errors.len(),
            if anything { "; the rest were." } else { "." }
        );
    }
}

#[derive(Args)]
pub struct ShowArgs {
    /// Document name (or a unique start of it), optionally with #SEGMENT (a segment id);
    /// #SEGMENT alone finds the segment's document.
    target: String,
    /// With #SEGMENT: turns shown around it.
    #[arg(long, default_value_t = 2)]
    context: usize,
}

pub fn show(a: ShowArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let t = op::show(&p, &a.target, a.context)?;
    print::transcript(out, &t.document, &t.segments, t.focus, style())?;
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct ListArgs {
    /// What to list.
    what: ListWhat,
    /// Only this document (for segments; a unique start of its name will do).
    #[arg(long)]
    document: Option<String>,
    /// Show code ids instead of code names (suggestions).
    #[arg(long)]
    ids: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListWhat {
    Documents,
    Segments,
    Speakers,
    /// Stored suggestions, with the rules that fired and their evidence.
    Suggestions,
}

pub fn list(a: ListArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let format = a.format.into();
    match a.what {
        ListWhat::Documents => print::documents(out, &op::documents(&p)?, format)?,
        ListWhat::Speakers => print::speakers(out, &op::speakers(&p)?, format)?,
        ListWhat::Suggestions => {
            let rows = op::suggestions(&p)?;
            let labels = print::Labels {
                names: p.code_names(rows.iter().map(|r| r.codebook.as_str())),
                ids: a.ids,
            };
            print::suggestions(out, &rows, &labels, format)?
        }
        ListWhat::Segments => {
            print::segments(out, &op::segments(&p, a.document.as_deref())?, format)?
        }
    }
    Ok(Exit::Ok)
}

#[derive(Subcommand)]
pub enum SpeakersCmd {
    /// Set a speaker's role.
    Set {
        /// Speaker label as listed by `quarry list speakers`.
        name: String,
        /// The role.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Give a document's unlabelled paragraphs (no speaker) to a participant: think-aloud
    /// sessions that label only the moderator.
    Unlabelled {
        /// Document name.
        document: String,
        /// The participant speaking in them.
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Interviewer,
    Participant,
}

pub fn speakers(cmd: SpeakersCmd, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let mut p = open(project)?;
    match cmd {
        SpeakersCmd::Set { name, role } => {
            let role = match role {
                RoleArg::Interviewer => Role::Interviewer,
                RoleArg::Participant => Role::Participant,
            };
            let found = op::set_role(&mut p, &name, role)?;
            writeln!(out, "{found} is now {role}")?;
        }
        SpeakersCmd::Unlabelled { document, name } => {
            let (doc, n) = op::set_unlabelled(&mut p, &document, &name)?;
            let name = print::sanitize(name.trim(), true);
            let doc = print::sanitize(&doc, true);
            if n == 0 {
                writeln!(out, "{doc} has no unlabelled segments; nothing changed.")?;
            } else {
                writeln!(out, "{n} unlabelled segment(s) of {doc} are now {name}'s.")?;
            }
        }
    }
    Ok(Exit::Ok)
}

#[derive(Args)]
pub struct RemoveArgs {
    /// Document names (as `quarry list documents` shows them).
    #[arg(required = true)]
    documents: Vec<String>,
    /// Also remove documents people made decisions on, with those decisions.
    #[arg(long)]
    force: bool,
}

pub fn remove(a: RemoveArgs, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let mut p = open(project)?;
    let removed = op::remove(
        &mut p,
        &RemoveConfig {
            documents: a.documents,
            force: a.force,
        },
    )?;
    for r in &removed {
        write!(
            out,
            "Removed {} ({} segment(s)",
            print::sanitize(&r.name, true),
            r.segments
        )?;
        if r.decisions > 0 {
            write!(out, ", {} decision(s)", r.decisions)?;
        }
        writeln!(out, ").")?;
    }
    Ok(Exit::Ok)
}

#[derive(Subcommand)]
pub enum AttrsCmd {
    /// Import attributes from a CSV whose first column is a document name or a speaker.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

pub fn attrs(cmd: AttrsCmd, project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let AttrsCmd::Import { file } = cmd;
    let mut p = open(project)?;
    let (n, problems) = op::import_attributes(&mut p, &file)?;
    writeln!(
        out,
        "Attributes from {} applied to {n} documents or speakers.",
        file.display()
    )?;
    for e in &problems {
        eprintln!("{e}");
    }
    Ok(if problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Problems
    })
}

pub fn reindex(project: Option<&Path>, out: &mut dyn Write) -> Result<Exit> {
    let p = open(project)?;
    let r = op::reindex(&p)?;
    writeln!(
        out,
        "Rebuilt the index of {} segments in {:.1} s.",
        r.segments, r.seconds
    )?;
    Ok(Exit::Ok)
}
