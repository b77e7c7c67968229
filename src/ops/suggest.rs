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
