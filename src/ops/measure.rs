//! Measuring the coding: how precise each rule and term is, how far two coders (or a coder
//! and the rules) agree, and a codebook tuned from those measurements.

use crate::project::Project;
use crate::review::quality::{self, AgreementReport, RulesReport};
use crate::review::tune::{self, TuneConfig, Tuned};
use crate::{Error, Result};
use std::path::Path;

/// What `rules` is asked for.
#[derive(Debug, Clone, Default)]
pub struct RulesOptions {
    /// The codebook (an id, or a file naming one).
    pub codebook: String,
    /// Only this coder's decisions.
    pub coder: Option<String>,
    /// Leave out rules and terms decided fewer times.
    pub min_decided: usize,
    /// Plan the decisions each term needs for a 95% interval narrower than this.
    pub width: f64,
}

/// Per code and rule of the codebook's last run: suggestions made, decided, accepted, and
/// precision with its interval; terms planned for an interval of `width`.
pub fn rules(p: &Project, opts: &RulesOptions) -> Result<RulesReport> {
    let id = super::codebooks::id_of(&opts.codebook);
    let mut r = quality::rules(p, &id, opts.coder.as_deref())?;
    r.min_decided(opts.min_decided);
    r.plan(opts.width, crate::review::stats::Z95);
    Ok(r)
}

/// Who is compared by [`agreement`]: two coders, or a coder and the rules.
#[derive(Debug, Clone)]
pub struct Coders {
    /// The first coder.
    pub first: String,
    /// The second (None: the rules, their suggestions as a second coder).
    pub second: Option<String>,
}

impl Coders {
    /// Two coders, or one with `rules`.
    pub fn new(coders: &[String], rules: bool) -> Result<Coders> {
        match (coders, rules) {
            ([a], true) => Ok(Coders {
                first: a.clone(),
                second: None,
            }),
            ([a, b], false) => Ok(Coders {
                first: a.clone(),
                second: Some(b.clone()),
            }),
            _ => Err(Error::Other(
                "give two coders (--coders A,B), or one with --rules".into(),
            )),
        }
    }
}

/// An agreement and the codebook it is about.
pub struct Agreement {
    /// The codebook's id.
    pub codebook: String,
    /// The measures and the disagreements.
    pub report: AgreementReport,
}

/// Agreement between the coders on `codebook` (default: the one they decided on), for
/// `code` and the codes below it if given.
pub fn agreement(
    p: &Project,
    coders: &Coders,
    codebook: Option<&str>,
    code: Option<&str>,
) -> Result<Agreement> {
    let id = match codebook {
        Some(name) => super::codebooks::id_of(name),
        None => {
            let mut names = vec![coders.first.as_str()];
            names.extend(coders.second.as_deref());
            quality::agreement_codebook(p, &names)?
        }
    };
    let report = quality::agreement(p, &id, &coders.first, coders.second.as_deref(), code)?;
    Ok(Agreement {
        codebook: id,
        report,
    })
}

/// A tuned codebook, and whether it was written.
pub struct Tune {
    /// What was changed and measured.
    pub tuned: Tuned,
    /// Whether `out` was written (only when a term was dropped or masked).
    pub wrote: bool,
}

/// Tunes `codebook` from the decisions on its last run and, when a term changed, writes the
/// tuned codebook to `out` (replacing a file there only with `force`).
pub fn tune(
    p: &Project,
    codebook: &str,
    cfg: &TuneConfig,
    out: &Path,
    force: bool,
) -> Result<Tune> {
    let tuned = tune::tune(p, codebook, cfg)?;
    let wrote = tuned.edits();
    if wrote {
        tuned.write(out, force)?;
    }
    Ok(Tune { tuned, wrote })
}

/// Where `quarry serve` writes a tuned codebook of id `id`: ID-tuned.toml in the project's
/// folder, else ID-tuned-2.toml, ID-tuned-3.toml..., the first that does not exist (a file
/// is never replaced).
pub fn tuned_path(p: &Project, id: &str) -> std::path::PathBuf {
    let at = |n: usize| {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        p.root().join(format!("{id}-tuned{suffix}.toml"))
    };
    (1..).map(at).find(|f| !f.exists()).unwrap_or_else(|| at(1))
}
