//! Reviewing: who is coding, the queue of suggestions a person decides on (from names as a
//! person gives them), review sheets out and back in, coding a segment by hand, undoing, and
//! the project's status. Every decision is stored through [`crate::review`].

use crate::codebook::Codebook;
use crate::project::Project;
use crate::review::{Filter, Queue, SheetImport, SheetWritten, Status};
use crate::store::{DecisionRow, NewDecision};
use crate::suggest::Unit;
use crate::{Error, Result};
use std::path::Path;

/// Who is coding: `flag` if given, else QUARRY_CODER, else the `coder` setting.
pub fn coder(flag: Option<&str>) -> Result<String> {
    crate::review::coder(flag)
}

/// The queue's filter as a person gave it, with the names resolved against the project: a
/// codebook file becomes its id, a document a unique start of its name.
pub fn filter(p: &Project, named: &Filter) -> Result<Filter> {
    // A document is named as `show` takes it (a unique start will do); `NAME*` is a
    // pattern and stays one.
    let document = match &named.document {
        Some(d) if !d.ends_with('*') => Some(p.find_document(d)?.name),
        other => other.clone(),
    };
    Ok(Filter {
        // A codebook file names its codebook by the id inside it.
        codebook: named.codebook.as_deref().map(super::codebooks::id_of),
        document,
        ..named.clone()
    })
}

/// `coder`'s queue: the suggestions the filter selects that they have not decided.
pub fn queue(p: &Project, coder: &str, filter: &Filter) -> Result<Queue> {
    crate::review::queue(p, coder, filter)
}

/// The codebook whose unsuggested segments are reviewed (`review --unsuggested`): the
/// filter's.
pub fn unsuggested_codebook(p: &Project, filter: &Filter) -> Result<Codebook> {
    let name = filter
        .codebook
        .as_deref()
        .ok_or_else(|| Error::Other("--unsuggested needs --codebook".into()))?;
    p.codebook(name)
}

/// Writes `coder`'s undecided suggestions of the queue to a sheet (.xlsx or .csv) to fill in.
pub fn export_sheet(
    p: &Project,
    coder: &str,
    named: &Filter,
    unit: Unit,
    file: &Path,
) -> Result<SheetWritten> {
    crate::review::export_sheet(p, coder, &filter(p, named)?, unit, file)
}

/// Applies the decisions filled in a sheet from [`export_sheet`], as `coder`.
pub fn import_sheet(p: &mut Project, coder: &str, file: &Path) -> Result<SheetImport> {
    crate::review::import_sheet(p, coder, file)
}

/// A segment coded by hand.
#[derive(Debug, Clone, Default)]
pub struct CodeOptions {
    /// The segment's id.
    pub segment: i64,
    /// The code's id.
    pub code: String,
    /// The codebook (default: the one run in this project that has the code).
    pub codebook: Option<String>,
    /// A memo.
    pub memo: Option<String>,
}

/// What [`code`] stored.
pub struct Coded {
    /// The codebook the code was taken from.
    pub codebook: String,
    /// The decision's id.
    pub decision: i64,
}

/// Codes a segment by hand as `coder`.
pub fn code(p: &mut Project, coder: &str, opts: &CodeOptions) -> Result<Coded> {
    let segment = opts.segment;
    if p.store().segments(&[segment])?.is_empty() {
        return Err(Error::Other(format!(
            "no segment #{segment} in this project"
        )));
    }
    let book = codebook_of(p, &opts.code, opts.codebook.as_deref())?;
    let id = crate::review::decide(
        p,
        &NewDecision {
            coder: coder.to_string(),
            segment,
            codebook: book.clone(),
            code: opts.code.clone(),
            accept: true,
            replacement: None,
            memo: opts.memo.clone(),
            answered: None,
            at: None,
        },
    )?;
    Ok(Coded {
        codebook: book,
        decision: id,
    })
}

/// The codebook a hand-coded code belongs to: `given` (its id), else the one codebook run in
/// this project that has the code.
pub fn codebook_of(p: &Project, code: &str, given: Option<&str>) -> Result<String> {
    if let Some(name) = given {
        let cb = crate::codebook::load(name)?;
        if cb.code(code).is_none() {
            return Err(Error::Other(format!(
                "codebook `{}` has no code `{code}`",
                cb.id
            )));
        }
        return Ok(cb.id);
    }
    let mut found = Vec::new();
    for (id, origin) in p.store().codebooks_run()? {
        if crate::codebook::load_origin(&origin).is_ok_and(|cb| cb.code(code).is_some()) {
            found.push(id);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::Other(format!(
            "no codebook run in this project has code `{code}`; give --codebook NAME"
        ))),
        _ => Err(Error::Other(format!(
            "code `{code}` is in several codebooks ({}); give --codebook",
            found.join(", ")
        ))),
    }
}

/// What [`undo`] undid.
pub enum Undone {
    /// Every standing decision of a batch.
    Batch {
        /// The batch.
        batch: i64,
        /// Decisions undone.
        decisions: usize,
    },
    /// The coder's last decision.
    Last(DecisionRow),
}

/// Undoes `coder`'s last decision, or their batch `batch`.
pub fn undo(p: &mut Project, coder: &str, batch: Option<i64>) -> Result<Undone> {
    match batch {
        Some(b) => {
            let n = crate::review::undo_batch(p, coder, b)?;
            if n == 0 {
                return Err(Error::Other(format!(
                    "{coder} has no standing decisions in batch {b}"
                )));
            }
            Ok(Undone::Batch {
                batch: b,
                decisions: n,
            })
        }
        None => match crate::review::undo_last(p, coder)? {
            Some(d) => Ok(Undone::Last(d)),
            None => Err(Error::Other(format!("{coder} has no decision to undo"))),
        },
    }
}

/// Documents, segments and suggestions pending, accepted and rejected per code and coder.
pub fn status(p: &Project) -> Result<Status> {
    crate::review::status(p)
}

/// What `quarry learn` found for one codebook.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Learned {
    /// Codebook id.
    pub codebook: String,
    /// Decisions learned from (one per coder and suggestion).
    pub decisions: usize,
    /// Each code with decisions: how many, and what raises and lowers its predictions most.
    pub codes: Vec<LearnedCode>,
    /// How well it predicts decisions it was not fitted on (5-fold).
    pub validation: Option<crate::review::learn::Validation>,
    /// Suggestions of the codebook waiting (no one has decided them).
    pub undecided: usize,
    /// Of them, with a prediction.
    pub predicted: usize,
}

/// One code in [`Learned`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct LearnedCode {
    /// Code id.
    pub code: String,
    /// Decisions on its suggestions.
    pub decided: usize,
    /// Of them, accepted.
    pub accepted: usize,
    /// Whether its suggestions get predictions.
    pub learned: bool,
    /// The features that raise its predictions most.
    pub raises: Vec<crate::review::learn::Reason>,
    /// The features that lower them most.
    pub lowers: Vec<crate::review::learn::Reason>,
}

/// Fits the ranker of `codebook` (or of every codebook with suggestions) from the decisions
/// and says what it learned. Stores nothing: predictions are made again whenever a queue or
/// a listing needs them.
pub fn learn(p: &Project, codebook: Option<&str>) -> Result<Vec<Learned>> {
    use crate::review::learn::{Ranker, REASONS};
    let books: Vec<String> = match codebook {
        Some(b) => vec![super::codebooks::id_of(b)],
        None => p
            .store()
            .codebooks_run()?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
    };
    let mut out = Vec::new();
    for book in books {
        let r = Ranker::fit(p, &book)?;
        let decided = p.store().decided(&book)?;
        let open: Vec<(String, i64)> = p
            .store()
            .open_suggestions(&book)?
            .into_iter()
            .filter(|(code, seg)| !decided.contains(&(*seg, code.clone())))
            .collect();
        let codes = r
            .codes()
            .iter()
            .map(|c| {
                let w = r.weights(&c.code);
                LearnedCode {
                    code: c.code.clone(),
                    decided: c.decided,
                    accepted: c.accepted,
                    learned: c.learned(),
                    raises: w
                        .iter()
                        .filter(|x| x.weight > 0.0)
                        .take(REASONS)
                        .cloned()
                        .collect(),
                    lowers: w
                        .iter()
                        .rev()
                        .filter(|x| x.weight < 0.0)
                        .take(REASONS)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        out.push(Learned {
            decisions: r.examples(),
            validation: r.validate(5),
            predicted: open.iter().filter(|(code, _)| r.learned(code)).count(),
            undecided: open.len(),
            codebook: book,
            codes,
        });
    }
    Ok(out)
}

/// The codebook `discover` and `codebook new --from-cluster` look at: the one named, else
/// the only codebook with suggestions.
fn discovered_codebook(p: &Project, codebook: Option<&str>) -> Result<Codebook> {
    match codebook {
        Some(name) => p.codebook(name),
        None => {
            let run = p.store().codebooks_run()?;
            match run.as_slice() {
                [(id, _)] => p.codebook(id),
                [] => Err(Error::Other(
                    "no codebook has suggestions yet: run `quarry suggest --codebook NAME` first"
                        .into(),
                )),
                more => Err(Error::Other(format!(
                    "several codebooks have suggestions ({}): choose one with --codebook",
                    more.iter()
                        .map(|(id, _)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        }
    }
}

/// What no code of `codebook` covers: its distinctive terms in clusters (`quarry discover`).
pub fn discover(
    p: &Project,
    codebook: Option<&str>,
    cfg: &crate::review::discover::DiscoverConfig,
) -> Result<crate::review::discover::Discovery> {
    let book = discovered_codebook(p, codebook)?;
    crate::review::discover::discover(p, &book, cfg)
}

/// Writes `NAME.toml` (never over a file): a codebook of draft codes made from the clusters
/// `numbers` of [`discover`] with the same arguments.
pub fn draft_codebook(
    p: &Project,
    name: &str,
    codebook: Option<&str>,
    cfg: &crate::review::discover::DiscoverConfig,
    numbers: &[usize],
) -> Result<std::path::PathBuf> {
    let d = discover(p, codebook, cfg)?;
    let text = crate::review::discover::draft(&d, name, numbers)?;
    let file = std::path::PathBuf::from(format!("{name}.toml"));
    if file.exists() {
        return Err(Error::Other(format!(
            "{} exists; choose another name",
            file.display()
        )));
    }
    crate::output::write_whole(&file, ".quarry-draft-", |f| {
        std::io::Write::write_all(f, text.as_bytes())
    })
    .map_err(|source| {
        Error::from(crate::error::ProjectError::Io {
            path: file.clone(),
            source,
        })
    })?;
    Ok(file)
}
