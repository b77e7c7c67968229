//! Command line: the only module that knows clap. Parses flags, validates them, turns them
//! into the library's config values, runs the stage and prints its outcome. Problems with
//! single inputs are listed at the end and give exit code 1; anything that stops the command
//! gives exit code 2.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use quarry::analyzer::{AnalyzerConfig, StemmerKind};
use quarry::ingest::posts::PostOptions;
use quarry::ingest::ReadOptions;
use quarry::model::Format;
use quarry::print::{self, Style};
use quarry::project::{AddConfig, AddReport, InitConfig, Project};
use quarry::search::{self, SearchConfig};
use quarry::{Platform, Role};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// The command ran, but some inputs had problems (listed on stderr).
    Problems = 1,
    /// The command could not run.
    Fatal = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

#[derive(Parser)]
#[command(name = "quarry", version, about = "Find every quote about a topic across interviews and posts", long_about = None)]
struct Cli {
    /// Project folder (default: the nearest folder holding .quarry, from here upwards).
    #[arg(long, global = true, env = "QUARRY_PROJECT", value_name = "DIR")]
    project: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project in DIR (default: the current folder).
    Init {
        /// Folder for the project.
        dir: Option<PathBuf>,
        /// Stemming language (a Snowball language: english, german, french, spanish, ...).
        #[arg(long, default_value = "english")]
        language: String,
        /// Stemmer: snowball (current Snowball, default) or rust-stemmers (2019 Snowball).
        #[arg(long, default_value = "snowball")]
        stemmer: String,
    },
    /// Add transcripts and post exports (files or folders, recursive) to the project.
    Add(Box<AddArgs>),
    /// Search quotes; see README.md for the query syntax.
    Search(SearchArgs),
    /// Print a document as a transcript, or one segment in its place (DOC#SEGMENT).
    Show {
        /// Document name, optionally with #SEGMENT (a segment id).
        target: String,
        /// With #SEGMENT: turns shown around it.
        #[arg(long, default_value_t = 2)]
        context: usize,
    },
    /// List documents, segments or speakers.
    List {
        /// What to list.
        what: ListWhat,
        /// Only this document (for segments).
        #[arg(long)]
        document: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutFormat::Table)]
        format: OutFormat,
    },
    /// Speakers: set a role by hand.
    Speakers {
        #[command(subcommand)]
        cmd: SpeakersCmd,
    },
    /// Attributes: import them from a CSV.
    Attrs {
        #[command(subcommand)]
        cmd: AttrsCmd,
    },
    /// Rebuild the search index from the project database.
    Reindex,
    /// Run the whole pipeline on the bundled sample study.
    Demo {
        /// Keep the demo project in DIR (default: a temporary folder, removed afterwards).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Folder with the sample study (default: data/sample next to the binary's sources).
        #[arg(long, hide = true)]
        data: Option<PathBuf>,
    },
}

#[derive(Args)]
struct AddArgs {
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

#[derive(Args)]
struct SearchArgs {
    /// The query (several words are joined with spaces, as if quoted together).
    #[arg(required = true)]
    query: Vec<String>,
    /// Turns of context before and after each hit.
    #[arg(long, short = 'C', default_value_t = 0)]
    context: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutFormat::Table)]
    format: OutFormat,
    /// At most this many hits (0: all).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Skip this many hits.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Order by relevance instead of document order.
    #[arg(long)]
    rank: bool,
    /// Print only the number of matching segments.
    #[arg(long)]
    count: bool,
}

#[derive(Subcommand)]
enum SpeakersCmd {
    /// Set a speaker's role.
    Set {
        /// Speaker label as listed by `quarry list speakers`.
        name: String,
        /// The role.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Subcommand)]
enum AttrsCmd {
    /// Import attributes from a CSV whose first column is a document name or a speaker.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Interviewer,
    Participant,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListWhat {
    Documents,
    Segments,
    Speakers,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutFormat {
    Table,
    Csv,
    Json,
    Jsonl,
}

impl From<OutFormat> for print::Format {
    fn from(f: OutFormat) -> Self {
        match f {
            OutFormat::Table => print::Format::Table,
            OutFormat::Csv => print::Format::Csv,
            OutFormat::Json => print::Format::Json,
            OutFormat::Jsonl => print::Format::Jsonl,
        }
    }
}

fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn open(cli_project: Option<&Path>) -> Result<Project> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = Project::find(cli_project, &cwd)?;
    Project::open(&root).with_context(|| format!("opening the project in {}", root.display()))
}

/// Parses the command line and runs it.
pub fn run() -> Result<Exit> {
    let cli = Cli::parse();
    let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("quarry-work-{i}"));
    if let Some(n) = cli.threads {
        pool = pool.num_threads(n.max(1));
    }
    pool.build_global().context("setting up worker threads")?;
    let project = cli.project.as_deref();
    let out = std::io::stdout();
    let mut out = out.lock();
    match cli.command {
        Command::Init {
            dir,
            language,
            stemmer,
        } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let Some(stemmer) = StemmerKind::parse(&stemmer) else {
                bail!("--stemmer {stemmer}: expected snowball or rust-stemmers");
            };
            let cfg = InitConfig {
                analyzer: AnalyzerConfig {
                    language: language.to_lowercase(),
                    stemmer,
                },
            };
            Project::init(&dir, &cfg)?;
            writeln!(
                out,
                "Created a quarry project in {} ({} stemming, {}).",
                dir.display(),
                cfg.analyzer.language,
                stemmer.as_str()
            )?;
            writeln!(out, "Next: quarry add FILES_OR_FOLDERS")?;
            Ok(Exit::Ok)
        }
        Command::Add(a) => {
            let mut p = open(project)?;
            let cfg = add_config(*a)?;
            let report = add_with_progress(&mut p, &cfg)?;
            print_add_report(&mut out, &report)?;
            Ok(if report.errors.is_empty() && report.changed.is_empty() {
                Exit::Ok
            } else {
                Exit::Problems
            })
        }
        Command::Search(a) => {
            let query = a.query.join(" ");
            let p = open(project)?;
            let (mut index, rebuilt) = p.index()?;
            if rebuilt {
                eprintln!("note: the search index was out of date and has been rebuilt");
            }
            if a.count {
                let n = search::count(&p, &mut index, &query).map_err(query_error(&query))?;
                writeln!(out, "{n}")?;
                out.flush()?;
                exit_fast(p, index);
                return Ok(Exit::Ok);
            }
            let cfg = SearchConfig {
                query: query.clone(),
                limit: a.limit,
                offset: a.offset,
                context: a.context,
                rank: a.rank,
            };
            let r = search::search(&p, &mut index, &cfg).map_err(query_error(&query))?;
            print::hits(&mut out, &r, a.format.into(), style())?;
            if a.format == OutFormat::Table {
                let shown = r.hits.len();
                if shown < r.total {
                    writeln!(
                        out,
                        "{} matching segments; showing {}-{} (--limit 0 shows all)",
                        r.total,
                        a.offset + 1,
                        a.offset + shown
                    )?;
                } else {
                    writeln!(
                        out,
                        "{} matching segment{}",
                        r.total,
                        if r.total == 1 { "" } else { "s" }
                    )?;
                }
            }
            out.flush()?;
            exit_fast(p, index);
            Ok(Exit::Ok)
        }
        Command::Show { target, context } => {
            let p = open(project)?;
            let (name, seg) = match target.rsplit_once('#') {
                Some((n, s)) => (
                    n,
                    Some(
                        s.parse::<i64>()
                            .with_context(|| format!("`{s}` after # is not a segment id"))?,
                    ),
                ),
                None => (target.as_str(), None),
            };
            let Some(doc) = p.store().document_by_name(name)? else {
                bail!("no document named `{name}`; `quarry list documents` shows them");
            };
            let segs = match seg {
                None => p.store().segments(&p.store().segment_ids(doc.id)?)?,
                Some(id) => {
                    let Some(s) = p
                        .store()
                        .segments(&[id])?
                        .into_iter()
                        .next()
                        .filter(|s| s.document_id == doc.id)
                    else {
                        bail!("document `{}` has no segment #{id}", doc.name);
                    };
                    p.store()
                        .segments_in(doc.id, s.ord - context as i64, s.ord + context as i64)?
                }
            };
            print::transcript(&mut out, &doc.name, &segs, seg, style())?;
            Ok(Exit::Ok)
        }
        Command::List {
            what,
            document,
            format,
        } => {
            let p = open(project)?;
            match what {
                ListWhat::Documents => {
                    print::documents(&mut out, &p.store().documents()?, format.into())?
                }
                ListWhat::Speakers => {
                    print::speakers(&mut out, &p.store().speakers()?, format.into())?
                }
                ListWhat::Segments => {
                    let docs = p.store().documents()?;
                    let docs: Vec<_> = match &document {
                        Some(n) => {
                            let Some(d) = p.store().document_by_name(n)? else {
                                bail!(
                                    "no document named `{n}`; `quarry list documents` shows them"
                                );
                            };
                            vec![d]
                        }
                        None => docs,
                    };
                    let mut segs = Vec::new();
                    for d in docs {
                        segs.extend(p.store().segments(&p.store().segment_ids(d.id)?)?);
                    }
                    print::segments(&mut out, &segs, format.into())?;
                }
            }
            Ok(Exit::Ok)
        }
        Command::Speakers {
            cmd: SpeakersCmd::Set { name, role },
        } => {
            let mut p = open(project)?;
            let role = match role {
                RoleArg::Interviewer => Role::Interviewer,
                RoleArg::Participant => Role::Participant,
            };
            let found = p.store_mut().set_role(&name, role)?;
            writeln!(out, "{found} is now {role}")?;
            Ok(Exit::Ok)
        }
        Command::Attrs {
            cmd: AttrsCmd::Import { file },
        } => {
            let mut p = open(project)?;
            let (n, problems) = p.import_attributes(&file)?;
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
        Command::Reindex => {
            let p = open(project)?;
            let t = std::time::Instant::now();
            p.reindex()?;
            writeln!(
                out,
                "Rebuilt the index of {} segments in {:.1} s.",
                p.store().segment_count()?,
                t.elapsed().as_secs_f64()
            )?;
            Ok(Exit::Ok)
        }
        Command::Demo { out: dir, data } => {
            crate::demo::run(&mut out, data.as_deref(), dir.as_deref(), style())?;
            Ok(Exit::Ok)
        }
    }
}

/// A search only reads: its output is written, so the project and index are left to the
/// operating system instead of being closed one map and one file at a time. Closing the last
/// database connection would also checkpoint and delete the write-ahead log, which the next
/// command recreates; together that is a third of a one-query process on a 1 GB project.
fn exit_fast(p: Project, index: quarry::index::Index) {
    std::mem::forget(index);
    std::mem::forget(p);
}

fn query_error(q: &str) -> impl FnOnce(quarry::Error) -> anyhow::Error + '_ {
    move |e| match e {
        quarry::Error::Query(qe) => {
            anyhow::anyhow!(
                "bad query: {}\n  {q}\n  {}^",
                qe.message,
                " ".repeat(qe.column.saturating_sub(1))
            )
        }
        other => other.into(),
    }
}

fn add_config(a: AddArgs) -> Result<AddConfig> {
    let mut attrs = Vec::new();
    for kv in &a.attr {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--attr {kv}: expected KEY=VALUE");
        };
        if k.trim().is_empty() {
            bail!("--attr {kv}: the key is empty");
        }
        attrs.push((k.trim().to_string(), v.trim().to_string()));
    }
    let delimiter = match a.delimiter.as_deref() {
        None => None,
        Some("\\t" | "tab" | "\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter {d}: expected one ASCII character (or \\t)"),
    };
    let delimiter = delimiter.or(matches!(a.format, Some(InFormat::Tsv)).then_some(b'\t'));
    let platform =
        match a.platform.as_deref() {
            None => None,
            Some(p) => Some(Platform::parse(p).with_context(|| {
                format!("--platform {p}: expected x, mastodon, reddit or other")
            })?),
        };
    let columns = a.columns.map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .collect::<Vec<_>>()
    });
    if columns
        .as_ref()
        .is_some_and(|c| c.iter().any(String::is_empty))
    {
        bail!("--columns: a column name is empty");
    }
    let format = a.format.map(|f| match f {
        InFormat::Text => Format::Text,
        InFormat::Markdown => Format::Markdown,
        InFormat::Vtt => Format::Vtt,
        InFormat::Srt => Format::Srt,
        InFormat::Docx => Format::Docx,
        InFormat::Odt => Format::Odt,
        InFormat::Turns => Format::Jsonl,
        InFormat::Csv | InFormat::Tsv => Format::Csv,
        InFormat::Json => Format::Json,
    });
    // Headerless columns are a delimited-posts layout whatever the extension.
    let format = format.or(columns.as_ref().map(|_| Format::Csv));
    Ok(AddConfig {
        paths: a.paths,
        replace: a.replace,
        interviewers: a.interviewer,
        participants: a.participant,
        attrs,
        read: ReadOptions {
            format,
            posts: PostOptions {
                text_col: a.text_col,
                id_col: a.id_col,
                author_col: a.author_col,
                time_col: a.time_col,
                delimiter,
                columns,
                text_field: a.text_field,
                platform,
            },
        },
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
    let r = p.add(cfg, &mut |docs, segs| {
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
    for d in &r.changed {
        eprintln!("{d}: the file changed since it was added; add it with --replace to replace it");
    }
    for e in &r.errors {
        eprintln!("{e}");
    }
    if !r.errors.is_empty() {
        eprintln!(
            "{} file(s) or line(s) could not be added; the rest were.",
            r.errors.len()
        );
    }
    Ok(())
}
