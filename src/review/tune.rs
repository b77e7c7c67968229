//! Tune: a new version of a codebook without the terms people's decisions show to be bad.
//!
//! [`tune`] reads the per-term figures of [`crate::review::quality::rules`] and picks the terms whose
//! precision interval (at the confidence asked for) lies wholly below a threshold. Each is
//! either masked in context, when most of its rejected uses share a two-word phrase and its
//! other uses hold up (`kind` in "kind of"), or dropped: its alternative of the rule (the part
//! between top-level ORs) goes, and a rule left with none goes too. The file is edited with
//! `toml_edit`, so everything else (comments, order, quoting) stays as written, and each change
//! gets a comment with its figures. The result must parse as a codebook. What the change does
//! is measured, not guessed: the tuned rules are run on every segment the code suggested, and
//! the suggestions and decisions they would lose are counted per code.
//!
//! Nothing is stored and the original file is never written: the caller writes
//! [`Tuned::text`] elsewhere, and `suggest` with it follows its usual rules (decisions stay).

use crate::codebook::{self, Codebook};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::quality::{self, RulesReport};
use crate::review::stats;
use crate::store::{SuggestionRow, SuggestionState, NO_WORD};
use crate::text::analyzer::{Analyzer, AnalyzerConfig};
use crate::text::query::{self, Query};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// What `tune` should do.
#[derive(Debug, Clone)]
pub struct TuneConfig {
    /// A term goes when the top of its precision interval is below this.
    pub below: f64,
    /// Confidence of the interval (0.95: the 95% Wilson interval).
    pub confidence: f64,
    /// Only this coder's decisions (None: everyone's).
    pub coder: Option<String>,
    /// A new id for the tuned codebook (None: the original's, so its suggestions and the
    /// decisions on them stay one codebook's). Under a new id it is a codebook of its own:
    /// decisions on the original do not carry over.
    pub id: Option<String>,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig {
            below: 0.2,
            confidence: 0.95,
            coder: None,
            id: None,
        }
    }
}

/// What was done to one bad term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "detail")]
pub enum Action {
    /// Its alternative of the rule was removed (the rule kept its others).
    Dropped,
    /// The rule had no other alternative and was removed.
    RuleDropped,
    /// Its uses inside this phrase were masked for the code.
    Masked(String),
    /// The term holds up, but people rejected it in this phrase (a learned context): its
    /// uses there were masked for the code. With the rejected and accepted suggestions that
    /// had it there.
    Context(String, usize, usize),
    /// Left as it is, for this reason (the person edits it by hand).
    Kept(String),
}

/// One bad term and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// Code id.
    pub code: String,
    /// The rule as written.
    pub rule: String,
    /// The term, by its stems.
    pub term: String,
    /// Decisions on suggestions it found.
    pub decided: usize,
    /// Of those, accepts.
    pub accepted: usize,
    /// The precision interval at the confidence asked for.
    pub interval: (f64, f64),
    /// Accepted suggestions no other term of the code found.
    pub only: usize,
    /// What was done.
    pub action: Action,
}

/// What the tuned codebook would do to one code's suggestions, from running it.
#[derive(Debug, Clone, Serialize)]
pub struct CodeChange {
    /// Code id.
    pub code: String,
    /// Its suggestions now (waiting or covered).
    pub before: usize,
    /// Of those, the ones the tuned rules still make.
    pub after: usize,
    /// Decided suggestions now, and the accepted among them.
    pub decided_before: (usize, usize),
    /// The same among the suggestions kept.
    pub decided_after: (usize, usize),
}

impl CodeChange {
    /// Precision among decided suggestions before and after.
    pub fn precision(&self) -> (Option<f64>, Option<f64>) {
        let p = |(d, a): (usize, usize)| (d > 0).then(|| a as f64 / d as f64);
        (p(self.decided_before), p(self.decided_after))
    }
}

/// A tuned codebook, not yet written anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct Tuned {
    /// The codebook's id.
    pub codebook: String,
    /// Where its text came from.
    pub origin: String,
    /// The tuned codebook's id (the original's, or `TuneConfig::id`) and version.
    pub tuned: (String, String),
    /// Every term below the threshold and what became of it.
    pub changes: Vec<Change>,
    /// Per code whose rules changed (or whose ancestors' masks did), the measured effect.
    pub codes: Vec<CodeChange>,
    /// The tuned TOML.
    #[serde(skip)]
    pub text: String,
    /// A unified diff from the original to the tuned text.
    #[serde(skip)]
    pub diff: String,
}

/// Tunes `codebook` (its id in the project, a built-in name or a TOML file) from the decisions
/// on its last run.
pub fn tune(project: &Project, codebook: &str, cfg: &TuneConfig) -> Result<Tuned> {
    let (z, named, id) = check_args(codebook, cfg)?;
    let (run, origin, original, book) = last_run_source(project, codebook, named, &id)?;
    let report = quality::precision_only(project, &id, cfg.coder.as_deref())?;
    let rows: Vec<SuggestionRow> = project
        .store()
        .codebook_suggestions(&id, false)?
        .into_iter()
        .filter(|s| s.state != SuggestionState::Withdrawn)
        .collect();
    let decisions = project.store().decisions(cfg.coder.as_deref())?;
    let verdicts = quality::verdicts(&decisions, &id);
    let mut votes: HashMap<(i64, &str), (usize, usize)> = HashMap::new();
    for ((_, seg, code), yes) in &verdicts {
        let v = votes.entry((*seg, code.as_str())).or_default();
        v.0 += 1;
        v.1 += usize::from(*yes);
    }
    let mut doc: DocumentMut = original
        .parse()
        .map_err(|e: toml_edit::TomlError| Error::Other(format!("{origin}: {}", e.message())))?;
    let mut analyzer = Analyzer::new(&AnalyzerConfig {
        language: book.language.clone(),
        ..AnalyzerConfig::default()
    })
    .map_err(Error::Other)?;
    let occurrences = Occurrences {
        project,
        rows: &rows,
        votes: &votes,
    };
    let mut changes = Vec::new();
    let mut edited: BTreeSet<String> = BTreeSet::new();
    let mut masked: BTreeSet<String> = BTreeSet::new();
    let bad_list = bad_terms(&report, cfg.below, z);
    let bad_keys: HashSet<(i64, u16)> = bad_list
        .iter()
        .flat_map(|(_, r, b)| b.iter().map(move |t| (r.id, t.index)))
        .collect();
    for (code, rule, bad) in bad_list {
        let mut actions: Vec<(usize, Action)> = Vec::new();
        let mut drop_terms: HashSet<String> = HashSet::new();
        for (k, t) in bad.iter().enumerate() {
            let action =
                match mask_phrase(&occurrences, &mut analyzer, &code, rule.id, t, cfg.below)? {
                    Some(phrase) => Action::Masked(phrase),
                    None => {
                        drop_terms.insert(t.term.clone());
                        Action::Dropped
                    }
                };
            actions.push((k, action));
        }
        let Some(table) = code_table(&mut doc, &code) else {
            // The file changed since the run: say so for each term, change nothing.
            for t in &bad {
                let gone = Action::Kept("its code is no longer in the file".into());
                changes.push(t.change(&code, &rule.rule, gone));
            }
            continue;
        };
        let mut notes: Vec<String> = Vec::new();
        if !drop_terms.is_empty() {
            let outcome = drop_from_rule(table, &rule.rule, &drop_terms, &mut analyzer)?;
            for (k, action) in &mut actions {
                if *action != Action::Dropped {
                    continue;
                }
                *action = match outcome.get(&bad[*k].term) {
                    Some(a) => a.clone(),
                    None => Action::Kept("not found in the rule as the file now has it".into()),
                };
            }
        }
        let edits = Edits {
            code: &code,
            rule: &rule.rule,
            table,
            notes: &mut notes,
            edited: &mut edited,
            masked: &mut masked,
            changes: &mut changes,
        };
        record(edits, &bad, &actions, cfg);
        if !notes.is_empty() {
            comment_above(table, "rules", &notes);
        }
    }
    for (code, rule, terms, actions) in learned_contexts(
        &occurrences,
        &mut analyzer,
        &report,
        &bad_keys,
        cfg.below,
        z,
    )? {
        let Some(table) = code_table(&mut doc, &code) else {
            continue;
        };
        let mut notes = Vec::new();
        let edits = Edits {
            code: &code,
            rule: &rule.rule,
            table,
            notes: &mut notes,
            edited: &mut edited,
            masked: &mut masked,
            changes: &mut changes,
        };
        record(edits, &terms, &actions, cfg);
    }
    if !changes.is_empty() {
        bump_version(&mut doc, &changes, cfg);
        if let Some(new_id) = &cfg.id {
            if let Some(v) = doc
                .get_mut("codebook")
                .and_then(|h| h.get_mut("id"))
                .and_then(Item::as_value_mut)
            {
                let decor = v.decor().clone();
                *v = Value::from(new_id.as_str());
                *v.decor_mut() = decor;
            }
        }
    }
    let text = doc.to_string();
    let tuned = codebook::parse(&text, Path::new("tuned codebook")).map_err(|e| {
        Error::Other(format!(
            "the tuned codebook does not parse ({e}); nothing was written. Please report this."
        ))
    })?;
    let codes = measure(
        project, &book, &tuned, &rows, &votes, &edited, &masked, &run.widen,
    )?;
    let diff = similar::TextDiff::from_lines(&original, &text)
        .unified_diff()
        .context_radius(2)
        .header(&origin, "tuned")
        .to_string();
    Ok(Tuned {
        tuned: (tuned.id.clone(), tuned.version.clone()),
        codebook: id,
        origin,
        changes,
        codes,
        text,
        diff,
    })
}

/// The codebook a new version starts from: the file named (`named`), else the one the last
/// `suggest` run of `id` applied. Returns that run, the file's name (or `built-in:NAME`), its
/// text and the codebook parsed from it. `codebook` is as the person named it, for messages.
pub(crate) fn last_run_source(
    project: &Project,
    codebook: &str,
    named: Option<String>,
    id: &str,
) -> Result<(crate::store::RunState, String, String, Codebook)> {
    let run = project.store().suggest_run(id)?.ok_or_else(|| {
        Error::Other(format!(
            "codebook {id} has no suggestions yet: run `quarry suggest --codebook {codebook}` first"
        ))
    })?;
    let origin = named.unwrap_or_else(|| run.origin.clone());
    let (original, _) = codebook::source(origin.strip_prefix("built-in:").unwrap_or(&origin))
        .map_err(|e| {
            Error::Other(format!(
                "{e} (the codebook the last run used; name its file instead)"
            ))
        })?;
    let book = codebook::parse(&original, Path::new(&origin))?;
    Ok((run, origin, original, book))
}

/// The arguments checked: the z of `--confidence`, the codebook file if one was named, and
/// the codebook's id.
fn check_args(codebook: &str, cfg: &TuneConfig) -> Result<(f64, Option<String>, String)> {
    let z = stats::z_for(cfg.confidence).ok_or_else(|| {
        Error::Other(format!(
            "--confidence {}: give a number between 0 and 1, such as 0.95",
            cfg.confidence
        ))
    })?;
    if !(cfg.below > 0.0 && cfg.below <= 1.0) {
        return Err(Error::Other(format!(
            "--below {}: give a precision between 0 and 1, such as 0.2",
            cfg.below
        )));
    }
    // The file: the one named, else the one the last run used.
    let named = Path::new(codebook).is_file().then(|| codebook.to_string());
    let id = match &named {
        Some(f) => codebook::load(f)?.id,
        None => codebook.to_string(),
    };
    if let Some(new_id) = &cfg.id {
        if *new_id == id {
            return Err(Error::Other(format!(
                "--id {id} is the codebook's own id; leave --id out to keep it"
            )));
        }
        if !codebook::valid_id(new_id) {
            return Err(Error::Other(format!(
                "--id {new_id}: an id is lowercase letters, digits, `_`, `-` and `.`"
            )));
        }
    }
    Ok((z, named, id))
}

/// Where [`record`] writes what it did to one rule's bad terms.
struct Edits<'a> {
    code: &'a str,
    rule: &'a str,
    table: &'a mut toml_edit::Table,
    notes: &'a mut Vec<String>,
    edited: &'a mut BTreeSet<String>,
    masked: &'a mut BTreeSet<String>,
    changes: &'a mut Vec<Change>,
}

/// Records each bad term's action: a note for the file, the mask added to the code's table,
/// the codes edited or masked, and the change for the report.
fn record(e: Edits<'_>, bad: &[BadTerm], actions: &[(usize, Action)], cfg: &TuneConfig) {
    for (k, action) in actions {
        let t = &bad[*k];
        let figures = format!(
            "{} of {} accepted, {}% interval {:.2}-{:.2} below {}; {} accepted found by it alone",
            t.accepted,
            t.decided,
            percent(cfg.confidence),
            t.interval_at.0,
            t.interval_at.1,
            cfg.below,
            t.only
        );
        let rule_text = comment_safe(e.rule);
        match action {
            Action::Dropped => e.notes.push(format!(
                "tuned: dropped `{}` from rule `{rule_text}`: {figures}",
                t.term
            )),
            Action::RuleDropped => e.notes.push(format!(
                "tuned: dropped rule `{rule_text}` (its term `{}`): {figures}",
                t.term
            )),
            Action::Masked(phrase) => {
                add_mask(
                    e.table,
                    phrase,
                    &format!(
                        "tuned: masked \"{phrase}\" for `{}` of rule `{rule_text}`: {figures}",
                        t.term
                    ),
                );
                e.masked.insert(e.code.to_string());
            }
            Action::Context(phrase, rejected, accepted) => {
                add_mask(
                    e.table,
                    phrase,
                    &format!(
                        "tuned: masked \"{phrase}\" for `{}` of rule `{rule_text}` (a context \
                         learned from the decisions): {accepted} of {} suggestions with it in \
                         that phrase accepted; the term overall {} of {}",
                        t.term,
                        rejected + accepted,
                        t.accepted,
                        t.decided
                    ),
                );
                e.masked.insert(e.code.to_string());
            }
            Action::Kept(_) => {}
        }
        if !matches!(action, Action::Kept(_)) {
            e.edited.insert(e.code.to_string());
        }
        e.changes.push(t.change(e.code, e.rule, action.clone()));
    }
}

impl Tuned {
    /// Whether any term was dropped or masked (else there is nothing to write).
    pub fn edits(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::Kept(_)))
    }

    /// Writes the tuned text to `path` (whole or not at all), refusing the file it came from
    /// and, unless `replace`, any file that exists.
    pub fn write(&self, path: &Path, replace: bool) -> Result<()> {
        write_version(&self.origin, &self.text, path, replace, "tune")
    }
}

/// Writes a new version of the codebook from `origin` to `path`: never over `origin`, over
/// an existing file only with `replace`. `verb` names the command in the messages.
pub(crate) fn write_version(
    origin: &str,
    text: &str,
    path: &Path,
    replace: bool,
    verb: &str,
) -> Result<()> {
    let io = |source| {
        Error::from(crate::error::ProjectError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let same = std::fs::canonicalize(origin)
        .ok()
        .zip(std::fs::canonicalize(path).ok())
        .is_some_and(|(a, b)| a == b);
    if same {
        return Err(Error::Other(format!(
            "{}: that is the codebook it started from; {verb} never edits it, choose another --out",
            path.display()
        )));
    }
    if path.exists() && !replace {
        return Err(Error::Other(format!(
            "{} exists; choose another --out, or add --force to replace it",
            path.display()
        )));
    }
    crate::output::write_whole(path, &format!(".quarry-{verb}-"), |file| {
        std::io::Write::write_all(file, text.as_bytes())
    })
    .map_err(io)
}

/// A confidence as a percentage for people: 0.95 gives 95, 0.999 gives 99.9.
pub fn percent(confidence: f64) -> f64 {
    (confidence * 1000.0).round() / 10.0
}

/// A bad term with its figures at the confidence asked for.
#[derive(Debug, Clone)]
struct BadTerm {
    index: u16,
    term: String,
    decided: usize,
    accepted: usize,
    only: usize,
    interval_at: (f64, f64),
}

impl BadTerm {
    fn change(&self, code: &str, rule: &str, action: Action) -> Change {
        Change {
            code: code.to_string(),
            rule: rule.to_string(),
            term: self.term.clone(),
            decided: self.decided,
            accepted: self.accepted,
            interval: self.interval_at,
            only: self.only,
            action,
        }
    }
}

/// A rule of the report, by id and text.
struct RuleRef {
    id: i64,
    rule: String,
}

/// The terms whose interval (quantile `z`) lies below `below`, grouped by code and rule.
fn bad_terms(report: &RulesReport, below: f64, z: f64) -> Vec<(String, RuleRef, Vec<BadTerm>)> {
    let mut out = Vec::new();
    for c in &report.codes {
        for r in &c.rules {
            let bad: Vec<BadTerm> = r
                .terms
                .iter()
                .enumerate()
                .filter_map(|(k, t)| {
                    let i = stats::wilson_z(t.accepted as u64, t.decided as u64, z)?;
                    (i.1 < below).then(|| BadTerm {
                        index: k as u16,
                        term: t.term.clone(),
                        decided: t.decided,
                        accepted: t.accepted,
                        only: t.only,
                        interval_at: i,
                    })
                })
                .collect();
            if !bad.is_empty() {
                out.push((
                    c.code.clone(),
                    RuleRef {
                        id: r.id,
                        rule: r.rule.clone(),
                    },
                    bad,
                ));
            }
        }
    }
    out
}

// ---------------------------------------------------------------- masking

/// What the mask decision reads: the code's suggestions and the decisions on them.
struct Occurrences<'a> {
    project: &'a Project,
    rows: &'a [SuggestionRow],
    votes: &'a HashMap<(i64, &'a str), (usize, usize)>,
}

/// The two words around each use of a term: `[previous word + term, term + next word]`, as
/// written (lowercase), either empty at an edge or across punctuation.
type Around = [String; 2];

/// A decided suggestion's (decisions, accepts) and the phrases around each use of a term.
type Use = ((usize, usize), Vec<Around>);

/// Each decided suggestion of `code` that term `index` of rule `rule` found: its (decisions,
/// accepts) and the phrases around each use of the term.
fn uses_of(
    occ: &Occurrences<'_>,
    analyzer: &mut Analyzer,
    code: &str,
    rule: i64,
    index: u16,
) -> Result<Vec<Use>> {
    let mine: Vec<&SuggestionRow> = occ
        .rows
        .iter()
        .filter(|s| s.code == code && occ.votes.contains_key(&(s.segment, s.code.as_str())))
        .filter(|s| {
            s.evidence
                .iter()
                .any(|e| e.rule == rule && e.term == index && e.word != NO_WORD)
        })
        .collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = mine.iter().map(|s| s.segment).collect();
    let segments: HashMap<i64, crate::text::model::Segment> = occ
        .project
        .store()
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // Per suggestion: its (decisions, accepts) and the phrases around each use of the term.
    let mut uses: Vec<((usize, usize), Vec<Around>)> = Vec::new();
    for s in &mine {
        let Some(seg) = segments.get(&s.segment) else {
            continue;
        };
        let toks = analyzer.analyze(&seg.text);
        let ranges = crate::review::byte_ranges(
            seg,
            &s.evidence
                .iter()
                .filter(|e| e.rule == rule && e.term == index)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let mut around = Vec::new();
        for (a, _) in ranges {
            let Some(i) = toks.iter().position(|t| t.start == a) else {
                continue;
            };
            let word = &toks[i].lower;
            let prev = i
                .checked_sub(1)
                .map(|j| &toks[j])
                .filter(|t| t.position + 1 == toks[i].position);
            let next = toks
                .get(i + 1)
                .filter(|t| t.position == toks[i].position + 1);
            around.push([
                prev.map_or(String::new(), |p| format!("{} {word}", p.lower)),
                next.map_or(String::new(), |n| format!("{word} {}", n.lower)),
            ]);
        }
        let v = occ.votes[&(s.segment, s.code.as_str())];
        uses.push((v, around));
    }
    Ok(uses)
}

/// What a rule's terms get from [`learned_contexts`]: each term and its action.
type Contexts = Vec<(String, RuleRef, Vec<BadTerm>, Vec<(usize, Action)>)>;

/// For each one-word term that holds up overall (not in `bad`), the phrase people rejected
/// it in, if any ([`context_phrase`]): masking it there is a context learned from the
/// decisions. Grouped by code and rule.
fn learned_contexts(
    occ: &Occurrences<'_>,
    analyzer: &mut Analyzer,
    report: &RulesReport,
    bad: &HashSet<(i64, u16)>,
    below: f64,
    z: f64,
) -> Result<Contexts> {
    let mut out = Vec::new();
    for c in &report.codes {
        for r in &c.rules {
            let (mut terms, mut actions) = (Vec::new(), Vec::new());
            for (k, t) in r.terms.iter().enumerate() {
                let k16 = k as u16;
                if bad.contains(&(r.id, k16)) || t.term.contains(' ') || t.decided < MIN_CONTEXT {
                    continue;
                }
                let uses = uses_of(occ, analyzer, &c.code, r.id, k16)?;
                if let Some((phrase, rej, acc)) = context_phrase(&uses, below, z) {
                    actions.push((terms.len(), Action::Context(phrase, rej, acc)));
                    terms.push(BadTerm {
                        index: k16,
                        term: t.term.clone(),
                        decided: t.decided,
                        accepted: t.accepted,
                        only: t.only,
                        interval_at: stats::wilson_z(t.accepted as u64, t.decided as u64, z)
                            .unwrap_or((0.0, 1.0)),
                    });
                }
            }
            if !terms.is_empty() {
                let rule = RuleRef {
                    id: r.id,
                    rule: r.rule.clone(),
                };
                out.push((c.code.clone(), rule, terms, actions));
            }
        }
    }
    Ok(out)
}

/// Rejected suggestions a learned context must hold, at least, to be masked.
pub const MIN_CONTEXT: usize = 5;

/// A phrase around a term that holds up overall, in which people rejected it: at least
/// [`MIN_CONTEXT`] rejected suggestions have every use of the term inside it, and the
/// precision interval (quantile `z`) of the suggestions with a use inside it lies wholly
/// below `below`. The one with the most rejections, with its rejected and accepted counts.
fn context_phrase(uses: &[Use], below: f64, z: f64) -> Option<(String, usize, usize)> {
    let mut rejected: HashMap<&str, usize> = HashMap::new();
    let mut accepted: HashMap<&str, usize> = HashMap::new();
    for ((d, a), around) in uses {
        let phrases: HashSet<&str> = around
            .iter()
            .flat_map(|p| p.iter().map(String::as_str))
            .filter(|p| !p.is_empty())
            .collect();
        for p in phrases {
            if *a > 0 {
                *accepted.entry(p).or_default() += 1;
            } else if *d > 0 && around.iter().all(|x| x.iter().any(|q| q == p)) {
                *rejected.entry(p).or_default() += 1;
            }
        }
    }
    rejected
        .into_iter()
        .filter(|(_, r)| *r >= MIN_CONTEXT)
        .filter_map(|(p, r)| {
            let a = accepted.get(p).copied().unwrap_or(0);
            let i = stats::wilson_z(a as u64, (a + r) as u64, z)?;
            (i.1 < below).then(|| (p.to_string(), r, a))
        })
        .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
}

/// The two-word phrase to mask a one-word term in, if most of its rejected uses share it and
/// its other uses hold up: at least half the decided suggestions it found and rejected have
/// every use of the term inside the phrase, and the decided suggestions with a use outside it
/// have precision at or above `below`. None: drop the term.
fn mask_phrase(
    occ: &Occurrences<'_>,
    analyzer: &mut Analyzer,
    code: &str,
    rule: i64,
    term: &BadTerm,
    below: f64,
) -> Result<Option<String>> {
    if term.term.contains(' ') {
        return Ok(None); // a phrase or a pair: nothing narrower to mask it in
    }
    let uses = uses_of(occ, analyzer, code, rule, term.index)?;
    // The phrase most rejected suggestions have every use inside.
    let inside = |around: &[Around], phrase: &str| {
        !around.is_empty() && around.iter().all(|a| a.iter().any(|p| p == phrase))
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for ((d, a), around) in &uses {
        if a < d {
            let candidates: HashSet<&str> = around
                .iter()
                .flat_map(|p| p.iter().map(String::as_str))
                .filter(|p| !p.is_empty())
                .collect();
            for p in candidates {
                if inside(around, p) {
                    *counts.entry(p).or_default() += 1;
                }
            }
        }
    }
    let rejected = uses.iter().filter(|((d, a), _)| a < d).count();
    let Some((phrase, n)) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
    else {
        return Ok(None);
    };
    if n < 2 || 2 * n < rejected {
        return Ok(None);
    }
    let (mut d_out, mut a_out) = (0, 0);
    for ((d, a), around) in &uses {
        if !inside(around, phrase) {
            d_out += d;
            a_out += a;
        }
    }
    let holds = d_out > 0 && a_out as f64 / d_out as f64 >= below;
    Ok(holds.then(|| phrase.to_string()))
}

// ---------------------------------------------------------------- editing

/// The `[[code]]` table with this id.
pub(crate) fn code_table<'d>(
    doc: &'d mut DocumentMut,
    code: &str,
) -> Option<&'d mut toml_edit::Table> {
    doc.get_mut("code")?
        .as_array_of_tables_mut()?
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(code))
}

/// Removes the alternatives of `rule` (in `table`'s `rules`) that hold a term of `drop`;
/// removes the rule when none is left. Returns what became of each term.
fn drop_from_rule(
    table: &mut toml_edit::Table,
    rule: &str,
    drop: &HashSet<String>,
    analyzer: &mut Analyzer,
) -> Result<HashMap<String, Action>> {
    let mut out = HashMap::new();
    let Some(rules) = table.get_mut("rules").and_then(Item::as_array_mut) else {
        return Ok(out);
    };
    let Some(at) = rules.iter().position(|v| v.as_str() == Some(rule)) else {
        return Ok(out);
    };
    let parts = query::alternatives(rule).map_err(|e| Error::Other(e.message))?;
    let mut keep = Vec::new();
    for part in &parts {
        let q = query::parse_rule(part, analyzer).map_err(|e| Error::Other(e.message))?;
        let own: Vec<String> = q.terms().iter().map(|t| t.term_text()).collect();
        let hit: Vec<&String> = own.iter().filter(|t| drop.contains(*t)).collect();
        if hit.is_empty() {
            keep.push(part.as_str());
        } else if droppable(&q) {
            for t in hit {
                out.insert(t.clone(), Action::Dropped);
            }
        } else {
            keep.push(part.as_str());
            for t in hit {
                out.insert(
                    t.clone(),
                    Action::Kept("inside brackets with other terms: edit the rule by hand".into()),
                );
            }
        }
    }
    for t in drop {
        if !out.contains_key(t) && rule.contains('@') {
            out.insert(
                t.clone(),
                Action::Kept("found through an @reference: tune the referenced code".into()),
            );
        }
    }
    if keep.len() == parts.len() {
        return Ok(out);
    }
    if keep.is_empty() {
        remove_element(rules, at);
        for a in out.values_mut() {
            if *a == Action::Dropped {
                *a = Action::RuleDropped;
            }
        }
    } else {
        replace_keeping_quotes(rules, at, &keep.join(" OR "));
    }
    Ok(out)
}

/// Replaces string element `i` of `a` with `text`, written in single quotes (a TOML literal
/// string) when the old one was and `text` allows it, so the file keeps its style.
fn replace_keeping_quotes(a: &mut toml_edit::Array, i: usize, text: &str) {
    let Some(old) = a.get(i) else {
        return;
    };
    let literal = old.to_string().trim_start().starts_with('\'');
    let mut value = if literal && !text.contains(['\'', '\n', '\r']) {
        format!("'{text}'")
            .parse::<Value>()
            .unwrap_or_else(|_| Value::from(text))
    } else {
        Value::from(text)
    };
    *value.decor_mut() = old.decor().clone();
    a.replace_formatted(i, value);
}

/// Whether a rule's alternative can go as a whole: a term, or terms and exclusions joined by
/// AND (brackets with ORs inside are left to the person).
fn droppable(q: &Query) -> bool {
    match q {
        Query::And(parts) => parts
            .iter()
            .all(|p| is_term(p) || matches!(p, Query::Not(_))),
        q => is_term(q),
    }
}

fn is_term(q: &Query) -> bool {
    !q.term_text().is_empty()
}

/// Removes element `i` of a multi-line array and keeps each remaining element's comment with
/// it: a comment after an element sits in the next element's prefix (or the array's trailing
/// text), so the removed element's comment is dropped and its predecessor's kept.
fn remove_element(a: &mut toml_edit::Array, i: usize) {
    let prefix = raw(a.get(i).and_then(|v| v.decor().prefix()));
    a.remove(i);
    // The text after the removed element up to its line's end is its comment.
    let follower = if i < a.len() {
        raw(a.get(i).and_then(|v| v.decor().prefix()))
    } else {
        a.trailing().as_str().unwrap_or_default().to_string()
    };
    let Some(nl) = follower.find('\n') else {
        // One line: the new first element takes the old first's spacing (`[` then no space).
        if i == 0 {
            if let Some(v) = a.get_mut(0) {
                v.decor_mut().set_prefix(prefix);
            }
        }
        return;
    };
    // The predecessor's comment (head of the removed prefix) and the follower's indent.
    let head = prefix
        .find('\n')
        .map_or(String::new(), |k| prefix[..=k].to_string());
    let fixed = format!("{head}{}", &follower[nl + 1..]);
    if i < a.len() {
        if let Some(v) = a.get_mut(i) {
            v.decor_mut().set_prefix(fixed);
        }
    } else {
        a.set_trailing(fixed);
    }
}

fn raw(r: Option<&toml_edit::RawString>) -> String {
    r.and_then(toml_edit::RawString::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Adds `phrase` to the code's own `mask`, with a comment above the key.
fn add_mask(table: &mut toml_edit::Table, phrase: &str, note: &str) {
    match table.get_mut("mask").and_then(Item::as_array_mut) {
        Some(m) => {
            if !m.iter().any(|v| v.as_str() == Some(phrase)) {
                m.push(phrase);
            }
        }
        None => {
            let mut m = toml_edit::Array::new();
            m.push(phrase);
            table.insert("mask", toml_edit::value(m));
        }
    }
    comment_above(table, "mask", &[note.to_string()]);
}

/// Writes comment lines above `key` in `table`, after any it has.
fn comment_above(table: &mut toml_edit::Table, key: &str, lines: &[String]) {
    let Some(mut k) = table.key_mut(key) else {
        return;
    };
    let decor = k.leaf_decor_mut();
    let old = raw(decor.prefix());
    let (before, indent) = match old.rfind('\n') {
        Some(i) => (&old[..=i], &old[i + 1..]),
        None => ("", old.as_str()),
    };
    let mut text = before.to_string();
    for l in lines {
        text.push_str(&format!("{indent}# {}\n", comment_safe(l)));
    }
    text.push_str(indent);
    decor.set_prefix(text);
}

/// A text on one comment line: line breaks become spaces.
pub(crate) fn comment_safe(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Marks a new version made by a command: `1.0` becomes `1.0+LABEL.1`, `1.0+LABEL.1`
/// becomes `1.0+LABEL.2`; `note` (comment lines) goes above `[codebook]`. Returns the new
/// version.
pub(crate) fn new_version(doc: &mut DocumentMut, label: &str, note: &str) -> String {
    let Some(header) = doc.get_mut("codebook").and_then(Item::as_table_mut) else {
        return String::new();
    };
    let old = header
        .get("version")
        .and_then(Item::as_str)
        .unwrap_or("")
        .to_string();
    let mark = format!("+{label}.");
    let new = match old.rsplit_once(mark.as_str()) {
        Some((base, n)) if n.parse::<u32>().is_ok() => {
            format!("{base}{mark}{}", n.parse::<u32>().unwrap_or(0) + 1)
        }
        _ if old.is_empty() => format!("{label}.1"),
        _ => format!("{old}{mark}1"),
    };
    match header.get_mut("version").and_then(Item::as_value_mut) {
        Some(v) => {
            let decor = v.decor().clone();
            *v = Value::from(new.as_str());
            *v.decor_mut() = decor;
        }
        None => {
            header.insert("version", toml_edit::value(new.as_str()));
        }
    }
    let decor = header.decor_mut();
    let before = raw(decor.prefix());
    decor.set_prefix(format!("{before}{note}"));
    new
}

/// Marks the new version: `1.0` becomes `1.0+tuned.1`, `1.0+tuned.1` becomes `1.0+tuned.2`;
/// a comment above `[codebook]` says how it was made.
fn bump_version(doc: &mut DocumentMut, changes: &[Change], cfg: &TuneConfig) {
    let count = |f: fn(&Action) -> bool| changes.iter().filter(|c| f(&c.action)).count();
    let line = format!(
        "# Tuned by `quarry codebook tune` on {}: terms whose {}% precision interval lies \
         below {}{}: {} dropped, {} masked, {} left for a person; {} masked in a phrase \
         people rejected them in.\n",
        crate::text::time::today(),
        percent(cfg.confidence),
        cfg.below,
        cfg.coder.as_deref().map_or(String::new(), |c| format!(
            " ({}'s decisions)",
            comment_safe(c)
        )),
        count(|a| matches!(a, Action::Dropped | Action::RuleDropped)),
        count(|a| matches!(a, Action::Masked(_))),
        count(|a| matches!(a, Action::Kept(_))),
        count(|a| matches!(a, Action::Context(..))),
    );
    new_version(doc, "tuned", &line);
}

// ---------------------------------------------------------------- measuring

/// Runs the tuned rules on every segment each affected code suggested and counts what stays.
#[allow(clippy::too_many_arguments)]
fn measure(
    project: &Project,
    book: &Codebook,
    tuned: &Codebook,
    rows: &[SuggestionRow],
    votes: &HashMap<(i64, &str), (usize, usize)>,
    edited: &BTreeSet<String>,
    masked: &BTreeSet<String>,
    widen: &str,
) -> Result<Vec<CodeChange>> {
    // A code's suggestions depend on its own rules and its descendants' (so its ancestors
    // change with it), and on its ancestors' masks (so a mask changes its descendants).
    let mut affected: BTreeSet<usize> = BTreeSet::new();
    for (i, c) in book.codes.iter().enumerate() {
        if edited.contains(&c.id) {
            let mut a = Some(i);
            while let Some(k) = a {
                affected.insert(k);
                a = book.codes[k].parent;
            }
        }
        if masked.contains(&c.id) {
            affected.extend(book.subtree(i));
        }
    }
    let widen = crate::suggest::parse_widen(widen);
    let mut analyzer = Analyzer::new(project.analyzer()).map_err(Error::Other)?;
    let mut out = Vec::new();
    for i in affected {
        let id = &book.codes[i].id;
        let Some(ti) = tuned.codes.iter().position(|c| &c.id == id) else {
            continue;
        };
        let mut parts = Vec::new();
        for j in tuned.subtree(ti) {
            for r in 0..tuned.codes[j].rules.len() {
                parts.push(tuned.rule_query(j, r, widen));
            }
        }
        let mut q = Query::Or(parts);
        crate::project::search::resolve_fields(project, &mut q)?;
        let mine: Vec<&SuggestionRow> = rows.iter().filter(|s| &s.code == id).collect();
        let ids: Vec<i64> = mine.iter().map(|s| s.segment).collect();
        let mut change = CodeChange {
            code: id.clone(),
            before: mine.len(),
            after: 0,
            decided_before: (0, 0),
            decided_after: (0, 0),
        };
        for seg in project.store().segments(&ids)? {
            let stays = crate::project::search::highlight_ranges(&q, &mut analyzer, &seg).is_some();
            let v = votes.get(&(seg.id, id.as_str())).copied();
            change.after += usize::from(stays);
            if let Some((d, a)) = v {
                change.decided_before.0 += d;
                change.decided_before.1 += a;
                if stays {
                    change.decided_after.0 += d;
                    change.decided_after.1 += a;
                }
            }
        }
        out.push(change);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn without(toml: &str, i: usize) -> String {
        let mut doc: DocumentMut = toml.parse().unwrap();
        let a = doc["rules"].as_array_mut().unwrap();
        remove_element(a, i);
        doc.to_string()
    }

    const LIST: &str =
        "rules = [\n  \"a\",  # about a\n  \"b\",  # about b\n  \"c\",  # about c\n]\n";

    #[test]
    fn removing_an_element_takes_its_comment_and_keeps_the_others() {
        assert_eq!(
            without(LIST, 1),
            "rules = [\n  \"a\",  # about a\n  \"c\",  # about c\n]\n"
        );
        assert_eq!(
            without(LIST, 0),
            "rules = [\n  \"b\",  # about b\n  \"c\",  # about c\n]\n"
        );
        assert_eq!(
            without(LIST, 2),
            "rules = [\n  \"a\",  # about a\n  \"b\",  # about b\n]\n"
        );
        assert_eq!(without("rules = [\"a\", \"b\"]\n", 0), "rules = [\"b\"]\n");
    }

    #[test]
    fn a_replaced_rule_keeps_its_quotes() {
        let mut doc: DocumentMut = "r = ['a OR \"b c\"', \"d OR e\", 'x']  # c\n"
            .parse()
            .unwrap();
        let a = doc["r"].as_array_mut().unwrap();
        replace_keeping_quotes(a, 0, "\"b c\"");
        replace_keeping_quotes(a, 1, "d");
        replace_keeping_quotes(a, 2, "it's");
        assert_eq!(doc.to_string(), "r = ['\"b c\"', \"d\", \"it's\"]  # c\n");
    }

    #[test]
    fn comments_go_above_the_key_at_its_indent() {
        let mut doc: DocumentMut = "[t]\n# keep\n  rules = []\n".parse().unwrap();
        let t = doc["t"].as_table_mut().unwrap();
        comment_above(t, "rules", &["one".into(), "two\nlines".into()]);
        assert_eq!(
            doc.to_string(),
            "[t]\n# keep\n  # one\n  # two lines\n  rules = []\n"
        );
    }
}
