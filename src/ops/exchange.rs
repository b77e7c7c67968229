//! Exchanging the work: coded quotes for a paper or a spreadsheet, REFI-QDA projects out to
//! and in from other tools, and the study's report in one file.

use crate::project::Project;
use crate::refi::{ExportConfig, ExportReport, ImportConfig, ImportReport};
use crate::report::quotes::{self, QuoteFormat, QuotesConfig, QuotesSummary};
use crate::report::{Report, ReportConfig, ReportFormat};
use crate::{Error, Result};
use std::path::Path;

/// The format to write quotes in: `format` if given, else the one `out`'s extension names.
pub fn quote_format(format: Option<QuoteFormat>, out: &Path) -> Result<QuoteFormat> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    match (format, ext.as_str()) {
        (Some(f), _) => Ok(f),
        (None, "csv") => Ok(QuoteFormat::Csv),
        (None, "xlsx") => Ok(QuoteFormat::Xlsx),
        (None, "md") => Ok(QuoteFormat::Markdown),
        (None, "json") => Ok(QuoteFormat::Json),
        (None, _) => Err(Error::Other(
            "give --format csv|xlsx|md|json, or an --out file with that extension".into(),
        )),
    }
}

/// Writes the coded quotes `cfg` selects (its codebook may be named by a file) to `out` in
/// `format`; what the file holds.
pub fn export_quotes(
    p: &Project,
    cfg: &QuotesConfig,
    format: QuoteFormat,
    out: &Path,
) -> Result<QuotesSummary> {
    let (mut index, _) = p.index()?;
    let cfg = QuotesConfig {
        codebook: cfg.codebook.as_deref().map(super::codebooks::id_of),
        ..cfg.clone()
    };
    let quotes = quotes::quotes(p, &mut index, &cfg)?;
    quotes::write_quotes(&quotes, format, out)?;
    Ok(quotes::summary(&quotes, cfg.unit))
}

/// Writes the project as a REFI-QDA project (.qdpx): every codebook, or only `codebook`.
pub fn export_refi(p: &Project, codebook: Option<&str>, out: &Path) -> Result<ExportReport> {
    let codebook = codebook.map(super::codebooks::id_of);
    crate::refi::export(p, out, &ExportConfig { codebook })
}

/// Imports another tool's REFI-QDA project: documents, codes and codings (`coder` for codings
/// whose user the file does not name).
pub fn import_refi(p: &mut Project, file: &Path, coder: Option<String>) -> Result<ImportReport> {
    crate::refi::import(p, file, &ImportConfig { coder })
}

/// The report's format: `format` (`md`, `json`; anything else HTML) if given, else the one
/// `out`'s extension names.
pub fn report_format(format: Option<&str>, out: &Path) -> ReportFormat {
    match format {
        Some("md") => ReportFormat::Markdown,
        Some("json") => ReportFormat::Json,
        Some(_) => ReportFormat::Html,
        None => ReportFormat::from_path(out),
    }
}

/// Builds the study's report (every codebook with suggestions or decisions, or only
/// `codebook`) and writes it to `out`; the report.
pub fn report(
    p: &Project,
    codebook: Option<&str>,
    format: ReportFormat,
    out: &Path,
) -> Result<Report> {
    let codebook = codebook.map(super::codebooks::id_of);
    let r = crate::report::build(p, &ReportConfig { codebook })?;
    crate::report::write_file(&r, format, out)?;
    Ok(r)
}

/// What `import matches` is asked for.
#[derive(Debug, Clone, Default)]
pub struct ImportMatchesOptions {
    /// What to draw from the run's output.
    pub sample: crate::suggest::sample::SampleOptions,
    /// Codebooks to suggest with once the posts are in (default: the run's, where this
    /// machine can load them).
    pub codebooks: Vec<String>,
}

/// What `import matches` did.
#[derive(Debug, Clone, Default)]
pub struct ImportMatchesReport {
    /// The file of sampled records, in the project, that was added.
    pub file: std::path::PathBuf,
    /// Matched posts read from the run, and records kept.
    pub posts_read: u64,
    /// Records kept (a post in several strata once).
    pub kept: usize,
    /// Strata: the run's matches and the posts sampled in each.
    pub strata: Vec<crate::store::StratumRow>,
    /// Lines of the run's output that could not be read.
    pub problems: Vec<String>,
    /// The add of the sampled records.
    pub add: crate::project::AddReport,
    /// The suggest run on the project, when the codebooks could be loaded here.
    pub suggested: Option<crate::suggest::SuggestReport>,
    /// Codebooks of the run this machine cannot load (a path on the cluster).
    pub not_loaded: Vec<String>,
    /// The sample's id in the project.
    pub sample: i64,
}

/// Brings a sample of a run made past this machine into the project: the sampled posts
/// are added (read as `quarry match` read them), the sample's strata and the run's counts
/// are kept for the report's estimates, and the codebooks are applied, so review, rules and
/// tune work on the sample as on any posts.
pub fn import_matches(
    p: &mut Project,
    opts: &ImportMatchesOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportMatchesReport> {
    use crate::suggest::sample;
    let s = &opts.sample;
    if s.codes.is_empty() && s.size == 0 {
        return Err(Error::Other(
            "--sample 0 keeps nothing: give a size, or --code for all matches of some codes".into(),
        ));
    }
    let drawn = sample::draw(s)?;
    let run = drawn.run.clone().unwrap_or_default();
    let args = MatchArgs::parse(&run.match_args);
    // The sampled records, one a line, in a file of the project's own.
    let dir = p.root().join("imports");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Other(format!("{}: cannot create: {e}", dir.display())))?;
    let stem = s
        .source
        .file_stem()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".json").to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "matches".into());
    let kind = if s.codes.is_empty() {
        "sample"
    } else {
        "codes"
    };
    let file = (1..)
        .map(|i| match i {
            1 => dir.join(format!("{stem}-{kind}.jsonl")),
            _ => dir.join(format!("{stem}-{kind}-{i}.jsonl")),
        })
        .find(|f| !f.exists())
        .expect("some name is free");
    let mut text = String::new();
    for (record, _) in &drawn.records {
        text.push_str(record.trim_end());
        text.push('\n');
    }
    std::fs::write(&file, &text)
        .map_err(|e| Error::Other(format!("{}: cannot write: {e}", file.display())))?;

    let cfg = super::corpus::add_config(super::corpus::AddOptions {
        paths: vec![file.clone()],
        format: Some(super::corpus::InputFormat::Json),
        id_col: args.id_col.clone(),
        author_col: args.author_col.clone(),
        time_col: args.time_col.clone(),
        text_field: args.text_field.clone(),
        platform: args.platform.clone(),
        ..Default::default()
    })?;
    let add = super::corpus::add(p, &cfg, progress)?;

    // Which post each line became, as `add` read it, and the strata it stands for.
    let ids = post_ids(&file, &cfg.read.posts)?;
    let mut posts = Vec::new();
    for ((_, keys), id) in drawn.records.iter().zip(&ids) {
        if let Some(id) = id {
            for (codebook, code, term) in keys {
                posts.push((id.clone(), codebook.clone(), code.clone(), term.clone()));
            }
        }
    }
    let row = crate::store::SampleRow {
        id: 0,
        at: 0,
        source: s.source.display().to_string(),
        file: file.display().to_string(),
        records: run.records,
        matches: run.matches,
        per_term: s.per_term,
        size: if s.codes.is_empty() { s.size as u64 } else { 0 },
    };
    let sample_id = p.store_mut().put_sample(&row, &drawn.strata, &posts)?;

    let names = if opts.codebooks.is_empty() {
        run.codebooks.clone()
    } else {
        opts.codebooks.clone()
    };
    let (mut load, mut not_loaded) = (Vec::new(), Vec::new());
    for n in names {
        match p.codebook(&n) {
            Ok(_) => load.push(n),
            Err(_) => not_loaded.push(n),
        }
    }
    let suggested = if load.is_empty() {
        None
    } else {
        Some(super::suggest::suggest(
            p,
            &super::suggest::SuggestOptions {
                codebooks: load,
                include_interviewer: args.include_interviewer,
                include_reposts: args.include_reposts,
                ..Default::default()
            },
            &mut |_| {},
        )?)
    };
    Ok(ImportMatchesReport {
        file,
        posts_read: drawn.posts,
        kept: drawn.records.len(),
        strata: drawn.strata,
        problems: drawn.problems,
        add,
        suggested,
        not_loaded,
        sample: sample_id,
    })
}

/// The `quarry match` options a run used, as `add` takes them.
#[derive(Debug, Default)]
struct MatchArgs {
    id_col: Option<String>,
    author_col: Option<String>,
    time_col: Option<String>,
    text_field: Option<String>,
    platform: Option<String>,
    include_interviewer: bool,
    include_reposts: bool,
}

impl MatchArgs {
    fn parse(args: &[String]) -> MatchArgs {
        let mut out = MatchArgs::default();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let slot = match a.as_str() {
                "--include-interviewer" => {
                    out.include_interviewer = true;
                    continue;
                }
                "--include-reposts" => {
                    out.include_reposts = true;
                    continue;
                }
                "--id-col" => &mut out.id_col,
                "--author-col" => &mut out.author_col,
                "--time-col" => &mut out.time_col,
                "--text-field" => &mut out.text_field,
                "--platform" => &mut out.platform,
                _ => continue,
            };
            *slot = it.next().cloned();
        }
        out
    }
}

/// Per line of a JSON-lines file of posts, the id `add` gives the post (None for a line it
/// leaves out).
fn post_ids(file: &Path, opts: &crate::ingest::posts::PostOptions) -> Result<Vec<Option<String>>> {
    use crate::ingest::posts;
    let f = std::fs::File::open(file)
        .map_err(|e| Error::Other(format!("{}: cannot read: {e}", file.display())))?;
    let mut reader = std::io::BufReader::new(f);
    let mut ids: Vec<Option<String>> = Vec::new();
    let mut sink = |batch: Vec<std::result::Result<posts::Post, crate::error::IngestError>>| {
        for mut p in batch.into_iter().flatten() {
            if !posts::finish(&mut p) {
                continue;
            }
            let line = p.line;
            if ids.len() < line {
                ids.resize(line, None);
            }
            if p.id.is_empty() {
                p.id = posts::content_id(&p);
            }
            ids[line - 1] = Some(p.id);
        }
        Ok(())
    };
    let _ = posts::json::read_json_lines(&mut reader, file, opts, &mut sink);
    Ok(ids)
}
