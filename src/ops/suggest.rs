//! Suggesting: apply codebooks to the corpus (candidate codes a person then decides on), and
//! see where a codebook's suggestions fall.

use crate::codebook::Widen;
use crate::project::Project;
use crate::suggest::triage::{self, Triage, TriageConfig};
use crate::suggest::{SuggestConfig, SuggestReport, Unit};
use crate::Result;

/// What `suggest` is asked for.
#[derive(Debug, Clone, Default)]
pub struct SuggestOptions {
    /// Codebooks by built-in name, file or the id the project knows.
    pub codebooks: Vec<String>,
    /// Compute and report, store nothing.
    pub dry_run: bool,
    /// Also read interviewers' turns.
    pub include_interviewer: bool,
    /// Also read reposts and duplicate posts.
    pub include_reposts: bool,
    /// What a suggestion stands for.
    pub unit: Unit,
    /// Apply every rule to every segment again.
    pub rerun: bool,
}

/// Applies the codebooks and stores their suggestions (unless a dry run). `note` hears,
/// before the run, what changed since a codebook's last run (a new version...).
pub fn suggest(
    p: &mut Project,
    opts: &SuggestOptions,
    note: &mut dyn FnMut(&str),
) -> Result<SuggestReport> {
    let (mut index, _) = p.index()?;
    let mut books = Vec::new();
    for n in &opts.codebooks {
        books.push(p.codebook(n)?);
    }
    for n in crate::suggest::version_notes(p, &books)? {
        note(&n);
    }
    crate::suggest::run(
        p,
        &mut index,
        &SuggestConfig {
            codebooks: books,
            dry_run: opts.dry_run,
            widen: Widen {
                interviewer: opts.include_interviewer,
                reposts: opts.include_reposts,
            },
            unit: opts.unit,
            rerun: opts.rerun,
        },
    )
}

/// What `triage` is asked for.
#[derive(Debug, Clone, Default)]
pub struct TriageOptions {
    /// The codebook (run with `suggest` first).
    pub codebook: String,
    /// Only this code and its descendants.
    pub code: Option<String>,
    /// Rows per list (0: all).
    pub limit: usize,
}

/// Where a codebook's suggestions fall: documents by density, segments by codes, and the
/// segments in scope that nothing was suggested for.
pub fn triage(p: &Project, opts: &TriageOptions) -> Result<Triage> {
    let mut t = triage::run(
        p,
        &TriageConfig {
            codebook: p.codebook(&opts.codebook)?,
            code: opts.code.clone(),
            limit: opts.limit,
        },
    )?;
    // The listed segments' codes with the ranker's predictions.
    let ranker = crate::review::learn::Ranker::fit(p, &t.codebook)?;
    let listed: std::collections::HashSet<i64> = t.segments.iter().map(|s| s.segment).collect();
    let rows: Vec<crate::store::SuggestionRow> = p
        .store()
        .codebook_suggestions(&t.codebook, false)?
        .into_iter()
        .filter(|s| listed.contains(&s.segment) && ranker.learned(&s.code))
        .collect();
    let refs: Vec<&crate::store::SuggestionRow> = rows.iter().collect();
    let likely: std::collections::HashMap<(i64, &str), f64> = rows
        .iter()
        .zip(ranker.predict_rows(p, &refs)?)
        .filter_map(|(s, pr)| Some(((s.segment, s.code.as_str()), pr?.likely)))
        .collect();
    for s in &mut t.segments {
        s.likely = s
            .codes
            .iter()
            .map(|c| likely.get(&(s.segment, c.as_str())).copied())
            .collect();
    }
    Ok(t)
}

/// What `match` is asked for: codebooks applied to posts on a stream, with no project.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Codebooks by built-in name or file.
    pub codebooks: Vec<String>,
    /// Also read interviewers' records (those whose `role` says so).
    pub include_interviewer: bool,
    /// Also read reposts.
    pub include_reposts: bool,
    /// Stemming language and stemmer (`english`, `snowball`: a new project's).
    pub language: Option<String>,
    /// Stemmer name.
    pub stemmer: Option<String>,
    /// The field holding the post id, author, time (the `add` options).
    pub id_col: Option<String>,
    /// Author field.
    pub author_col: Option<String>,
    /// Time field.
    pub time_col: Option<String>,
    /// Dotted path of the text.
    pub text_field: Option<String>,
    /// The platform of records that do not say.
    pub platform: Option<String>,
}

/// Applies codebooks to the JSON lines of `input`, writing matches, refusals and the
/// closing counts to `out` ([`crate::suggest::matching`]); `refused` hears each record left
/// out. `label` names the input in messages.
pub fn match_posts(
    opts: &MatchOptions,
    input: &mut impl std::io::BufRead,
    label: &std::path::Path,
    out: &mut impl std::io::Write,
    refused: &mut dyn FnMut(&crate::error::IngestError),
) -> Result<crate::suggest::matching::MatchReport> {
    use crate::text::analyzer::AnalyzerConfig;
    let mut codebooks = Vec::new();
    for n in &opts.codebooks {
        codebooks.push(crate::codebook::load(n)?);
    }
    let mut analyzer = AnalyzerConfig::default();
    if let Some(l) = &opts.language {
        analyzer.language = l.trim().to_lowercase();
    }
    if let Some(s) = &opts.stemmer {
        analyzer.stemmer = super::corpus::stemmer_flag(s)?;
    }
    let platform = opts
        .platform
        .as_deref()
        .map(super::corpus::platform_flag)
        .transpose()?;
    let cfg = crate::suggest::matching::MatchConfig {
        codebooks,
        widen: Widen {
            interviewer: opts.include_interviewer,
            reposts: opts.include_reposts,
        },
        analyzer,
        posts: crate::ingest::posts::PostOptions {
            id_col: opts.id_col.clone(),
            author_col: opts.author_col.clone(),
            time_col: opts.time_col.clone(),
            text_field: opts.text_field.clone(),
            platform,
            ..Default::default()
        },
    };
    crate::suggest::matching::run(&cfg, input, label, out, refused)
}
