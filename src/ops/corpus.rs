//! Corpus operations: create a project, add and remove documents, set speakers' roles and
//! attributes, rebuild the index, and list or show what is stored.

use crate::error::IngestError;
use crate::ingest::posts::PostOptions;
use crate::ingest::ReadOptions;
use crate::project::{AddConfig, AddReport, InitConfig, Project, RemoveConfig};
use crate::store::{RemovedDocument, SuggestionListing, SuggestionRow, SuggestionState};
use crate::text::analyzer::{AnalyzerConfig, StemmerKind};
use crate::text::model::{Document, Format, Segment, Speaker};
use crate::{Error, Platform, Result, Role};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What `init` is asked for.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Stemming language (a Snowball language).
    pub language: String,
    /// Stemmer: `snowball` or `rust-stemmers`.
    pub stemmer: String,
}

/// `--stemmer NAME`.
pub(super) fn stemmer_flag(s: &str) -> Result<StemmerKind> {
    StemmerKind::parse(s)
        .ok_or_else(|| Error::Other(format!("--stemmer {s}: expected snowball or rust-stemmers")))
}

/// `--platform NAME`.
pub(super) fn platform_flag(p: &str) -> Result<Platform> {
    Platform::parse(p).ok_or_else(|| {
        Error::Other(format!(
            "--platform {p}: expected x, mastodon, reddit or other"
        ))
    })
}

/// Creates a project in `dir`; the settings it was made with.
pub fn init(dir: &Path, opts: &InitOptions) -> Result<InitConfig> {
    let stemmer = stemmer_flag(&opts.stemmer)?;
    let cfg = InitConfig {
        analyzer: AnalyzerConfig {
            language: opts.language.to_lowercase(),
            stemmer,
        },
    };
    Project::init(dir, &cfg)?;
    Ok(cfg)
}

/// A format `add` can be told to read every file as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
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
    /// Posts as JSON or JSONL.
    Json,
}

/// What `add` is asked for, as a person gives it: attributes as KEY=VALUE, the delimiter and
/// columns as typed.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Files or folders.
    pub paths: Vec<PathBuf>,
    /// Replace documents whose file changed.
    pub replace: bool,
    /// Speakers who are interviewers.
    pub interviewers: Vec<String>,
    /// Speakers who are participants.
    pub participants: Vec<String>,
    /// Attributes for every document added, KEY=VALUE.
    pub attrs: Vec<String>,
    /// Read every file as this format instead of detecting it.
    pub format: Option<InputFormat>,
    /// Who speaks in the unlabelled paragraphs (`{doc}`: the document's name).
    pub unlabelled: Option<String>,
    /// Add files nearly matching a stored document.
    pub allow_duplicates: bool,
    /// Posts: the author of every post in an export without an author column.
    pub author: Option<String>,
    /// Posts: the text column.
    pub text_col: Option<String>,
    /// Posts: the post id column (or JSON field path).
    pub id_col: Option<String>,
    /// Posts: the author column (or JSON field path).
    pub author_col: Option<String>,
    /// Posts: the time column (or JSON field path).
    pub time_col: Option<String>,
    /// Posts: the field delimiter, one character (`\t` or `tab` for a tab).
    pub delimiter: Option<String>,
    /// Posts: column names of a headerless file, comma-separated.
    pub columns: Option<String>,
    /// Posts: dotted path of the text in JSON records.
    pub text_field: Option<String>,
    /// Posts: the platform when the export does not say.
    pub platform: Option<String>,
}

/// Checks `add`'s options and turns them into the library's [`AddConfig`].
pub fn add_config(a: AddOptions) -> Result<AddConfig> {
    let bad = |msg: String| Err(Error::Other(msg));
    let mut attrs = Vec::new();
    for kv in &a.attrs {
        let Some((k, v)) = kv.split_once('=') else {
            return bad(format!("--attr {kv}: expected KEY=VALUE"));
        };
        if k.trim().is_empty() {
            return bad(format!("--attr {kv}: the key is empty"));
        }
        attrs.push((k.trim().to_string(), v.trim().to_string()));
    }
    let delimiter = match a.delimiter.as_deref() {
        None => None,
        Some("\\t" | "tab" | "\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => {
            return bad(format!(
                "--delimiter {d}: expected one ASCII character (or \\t)"
            ))
        }
    };
    let delimiter = delimiter.or(matches!(a.format, Some(InputFormat::Tsv)).then_some(b'\t'));
    let platform = a.platform.as_deref().map(platform_flag).transpose()?;
    let columns = a.columns.map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .collect::<Vec<_>>()
    });
    if columns
        .as_ref()
        .is_some_and(|c| c.iter().any(String::is_empty))
    {
        return bad("--columns: a column name is empty".into());
    }
    let format = a.format.map(|f| match f {
        InputFormat::Text => Format::Text,
        InputFormat::Markdown => Format::Markdown,
        InputFormat::Vtt => Format::Vtt,
        InputFormat::Srt => Format::Srt,
        InputFormat::Docx => Format::Docx,
        InputFormat::Odt => Format::Odt,
        InputFormat::Turns => Format::Jsonl,
        InputFormat::Csv | InputFormat::Tsv => Format::Csv,
        InputFormat::Json => Format::Json,
    });
    // Headerless columns are a delimited-posts layout whatever the extension.
    let format = format.or(columns.as_ref().map(|_| Format::Csv));
    Ok(AddConfig {
        paths: a.paths,
        replace: a.replace,
        interviewers: a.interviewers,
        participants: a.participants,
        attrs,
        unlabelled: a.unlabelled.filter(|n| !n.trim().is_empty()),
        allow_duplicates: a.allow_duplicates,
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
                author: a.author.filter(|n| !n.trim().is_empty()),
            },
        },
    })
}

/// Adds files and folders; `progress` hears (documents, segments) as they are stored.
pub fn add(
    p: &mut Project,
    cfg: &AddConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<AddReport> {
    p.add(cfg, progress)
}

/// Whether an add left something for the person to fix: files that could not be read,
/// changed files not replaced, replacements held back to keep decisions.
pub fn add_had_problems(r: &AddReport) -> bool {
    !(r.errors.is_empty() && r.changed.is_empty() && r.held.is_empty())
}

/// Removes documents with their segments, suggestions and index entries.
pub fn remove(p: &mut Project, cfg: &RemoveConfig) -> Result<Vec<RemovedDocument>> {
    p.remove(cfg)
}

/// Sets a speaker's role; the speaker's name as stored.
pub fn set_role(p: &mut Project, name: &str, role: Role) -> Result<String> {
    Ok(p.store_mut().set_role(name, role)?)
}

/// Gives a document's unlabelled paragraphs to a participant: (the document's name, the
/// segments changed).
pub fn set_unlabelled(p: &mut Project, document: &str, name: &str) -> Result<(String, usize)> {
    p.set_unlabelled(document, name)
}

/// Imports attributes from a CSV whose first column names a document or a speaker: (rows
/// applied, problems by row).
pub fn import_attributes(p: &mut Project, file: &Path) -> Result<(usize, Vec<IngestError>)> {
    p.import_attributes(file)
}

/// What `reindex` did.
pub struct Reindexed {
    /// Segments in the index.
    pub segments: u64,
    /// Seconds it took.
    pub seconds: f64,
}

/// Rebuilds the search index from the project database.
pub fn reindex(p: &Project) -> Result<Reindexed> {
    let t = std::time::Instant::now();
    p.reindex()?;
    let segments = p.store().segment_count()?;
    Ok(Reindexed {
        segments,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// The documents, in the project's order.
pub fn documents(p: &Project) -> Result<Vec<Document>> {
    Ok(p.store().documents()?)
}

/// The speakers.
pub fn speakers(p: &Project) -> Result<Vec<Speaker>> {
    Ok(p.store().speakers()?)
}

/// The stored suggestions, with the rules that fired and their evidence, and for the open
/// ones the ranker's prediction with its reasons (see [`crate::review::learn`]).
pub fn suggestions(p: &Project) -> Result<Vec<SuggestionListing>> {
    let mut rows = p.store().suggestions()?;
    crate::suggest::fill_spans(p.store(), &mut rows)?;
    let mut books: Vec<String> = rows.iter().map(|r| r.codebook.clone()).collect();
    books.sort_unstable();
    books.dedup();
    for book in books {
        let ranker = crate::review::learn::Ranker::fit(p, &book)?;
        let open: Vec<SuggestionRow> = p
            .store()
            .codebook_suggestions(&book, false)?
            .into_iter()
            .filter(|s| s.state == SuggestionState::Open && ranker.learned(&s.code))
            .collect();
        let refs: Vec<&SuggestionRow> = open.iter().collect();
        let predicted: HashMap<(i64, &str), _> = open
            .iter()
            .zip(ranker.predict_rows(p, &refs)?)
            .filter_map(|(s, pr)| Some(((s.segment, s.code.as_str()), pr?)))
            .collect();
        for r in rows.iter_mut().filter(|r| r.codebook == book) {
            if let Some(pr) = predicted.get(&(r.segment, r.code.as_str())) {
                r.likely = Some(pr.likely);
                r.raised = pr.raised.iter().map(ToString::to_string).collect();
                r.lowered = pr.lowered.iter().map(ToString::to_string).collect();
            }
        }
    }
    Ok(rows)
}

/// The segments of every document, or of one (named as [`Project::find_document`] takes it).
pub fn segments(p: &Project, document: Option<&str>) -> Result<Vec<Segment>> {
    let docs = p.store().documents()?;
    let docs: Vec<_> = match document {
        Some(n) => vec![p.find_document(n)?],
        None => docs,
    };
    let mut segs = Vec::new();
    for d in docs {
        segs.extend(p.store().segments(&p.store().segment_ids(d.id)?)?);
    }
    Ok(segs)
}

/// A document, or a part of it around one segment, to print as a transcript.
pub struct Transcript {
    /// The document's name.
    pub document: String,
    /// The segments shown, in order.
    pub segments: Vec<Segment>,
    /// The segment asked for, if one was.
    pub focus: Option<i64>,
}

/// `target` is a document's name (or a unique start of it), optionally with `#SEGMENT`;
/// `#SEGMENT` alone finds the segment's document. With a segment, `context` turns are shown
/// each side of it.
pub fn show(p: &Project, target: &str, context: usize) -> Result<Transcript> {
    let (name, seg) =
        match target.rsplit_once('#') {
            Some((n, s)) => (
                n.trim(),
                Some(s.trim().parse::<i64>().map_err(|e| {
                    super::context(format!("`{s}` after # is not a segment id"), &e)
                })?),
            ),
            None => (target, None),
        };
    // `#ID` alone: segment ids are unique across the project.
    let found = match seg {
        Some(id) if name.is_empty() => p.store().segments(&[id])?.into_iter().next(),
        _ => None,
    };
    let doc = match (&found, seg) {
        (Some(s), _) => p.find_document(&s.document)?,
        (None, Some(id)) if name.is_empty() => {
            return Err(Error::Other(format!("no segment #{id} in this project")))
        }
        _ => p.find_document(name)?,
    };
    let segments = match seg {
        None => p.store().segments(&p.store().segment_ids(doc.id)?)?,
        Some(id) => {
            let Some(s) = p
                .store()
                .segments(&[id])?
                .into_iter()
                .next()
                .filter(|s| s.document_id == doc.id)
            else {
                return Err(Error::Other(format!(
                    "document `{}` has no segment #{id}",
                    doc.name
                )));
            };
            p.store()
                .segments_in(doc.id, s.ord - context as i64, s.ord + context as i64)?
        }
    };
    Ok(Transcript {
        document: doc.name,
        segments,
        focus: seg,
    })
}
