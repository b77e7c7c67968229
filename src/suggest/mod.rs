//! Suggest: apply codebooks to the segments in scope and keep candidate codes for a person to
//! decide on. Nothing here ever writes a coding.
//!
//! One pass per segment: analyse it once, look its stems up in a table built from every rule's
//! trigger words, and evaluate only the rules that could match (plus the few that have no
//! trigger). Segments are read, evaluated and stored at once, in batches (`pipeline`), and the
//! results kept in segment order, so one thread and many give the same suggestions.
//!
//! Runs are incremental. Each rule is known by a hash of what it matches; a codebook's last
//! run records the rules it applied and the last segment it read. The next run applies every
//! rule to the segments added since, and only new or edited rules to the others; evidence from
//! rules that are gone is dropped. A suggestion left with no evidence is deleted, unless a
//! person has decided on it: then it stays, withdrawn, and is marked as coming from a changed
//! rule. Decisions themselves are never touched here.

mod pipeline;
mod triggers;

pub mod excerpt;
pub mod matching;
pub mod sample;

pub mod triage;

pub use excerpt::{fill_spans, spans};
use triggers::Triggers;

use crate::codebook::{Codebook, Widen};
use crate::error::Result;
use crate::index::Index;
use crate::project::Project;
use crate::store::{Evidence, RunState, SuggestionChange, SuggestionRow, SuggestionState, NO_WORD};
use crate::text::analyzer::{Analyzer, Token};
use crate::text::model::{fnv1a, PostMeta};
use crate::text::query::{Query, Target};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// The stretch of text a suggestion is about, when exported or reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// The whole turn or post.
    #[default]
    Turn,
    /// The sentences that hold the evidence (for long turns).
    Sentence,
}

impl Unit {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Turn => "turn",
            Unit::Sentence => "sentence",
        }
    }

    /// From its stored name (anything unknown is a turn).
    pub fn parse(s: &str) -> Unit {
        if s == "sentence" {
            Unit::Sentence
        } else {
            Unit::Turn
        }
    }
}

/// What `suggest` should do.
#[derive(Debug, Clone, Default)]
pub struct SuggestConfig {
    /// The codebooks to apply.
    pub codebooks: Vec<Codebook>,
    /// Compute and report, but store nothing.
    pub dry_run: bool,
    /// Read more than the codebooks' default scope.
    pub widen: Widen,
    /// The unit a suggestion stands for.
    pub unit: Unit,
    /// Apply every rule to every segment again, as if the codebooks had never run.
    pub rerun: bool,
}

/// What one code did across the project.
#[derive(Debug, Clone, Serialize)]
pub struct CodeSummary {
    /// The codebook's id.
    pub codebook: String,
    /// The code's id.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Depth in the tree (1: top level).
    pub depth: usize,
    /// Segments the code matches, its descendants included (what `search --code` counts).
    pub segments: usize,
    /// Share of the segments of the project, in percent.
    pub share: f64,
    /// The words most often evidence for it, with the number of segments they are evidence
    /// in; words found in more than a tenth of all segments are left out.
    pub top_terms: Vec<(String, usize)>,
}

/// What `suggest` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuggestReport {
    /// Segments in the project.
    pub segments: usize,
    /// Segments this run read.
    pub read: usize,
    /// Rules applied.
    pub rules: usize,
    /// Rules this run applied to segments an earlier run had read (new or edited rules).
    pub rules_rerun: usize,
    /// Suggestions waiting for review after the run (one per most specific code that matched
    /// a segment).
    pub suggestions: usize,
    /// Suggestions this run made.
    pub added: usize,
    /// Suggestions no rule makes any more, deleted.
    pub withdrawn: usize,
    /// Suggestions no rule makes any more, kept because a person decided on them.
    pub kept: usize,
    /// Per code, in codebook order.
    pub codes: Vec<CodeSummary>,
    /// Whether the results were stored.
    pub stored: bool,
    /// Whether some codebook ran in full (first run, --rerun, new interviewers): its
    /// undecided suggestions were replaced, so none count as withdrawn.
    pub full: bool,
}

/// One rule ready to run.
struct Prepared {
    book: usize,
    /// Its id in the store (negative: not stored, in a dry run).
    id: i64,
    /// New or edited since the last run: applied to every segment read.
    fresh: bool,
    code: usize,
    /// What it matches, masks left out...
    query: Query,
    /// ...which are these (an index into the run's mask sets), if any.
    masks: Option<usize>,
    /// Its terms, when it has more than one (which term found each evidence word is then
    /// worked out; a rule of one term needs no work).
    terms: Vec<Query>,
}

impl Prepared {
    /// Code `c` of codebook `b`'s rule, its masks found in the run's mask sets (added if
    /// new), its terms listed when it has more than one. Fresh.
    fn new(
        (book, code): (usize, usize),
        id: i64,
        query: Query,
        masks: &[Vec<String>],
        mask_sets: &mut Vec<Vec<Vec<String>>>,
    ) -> Prepared {
        let masks = (!masks.is_empty()).then(|| {
            mask_sets
                .iter()
                .position(|m| m == masks)
                .unwrap_or_else(|| {
                    mask_sets.push(masks.to_vec());
                    mask_sets.len() - 1
                })
        });
        let terms: Vec<Query> = query.terms().into_iter().cloned().collect();
        Prepared {
            book,
            id,
            fresh: true,
            code,
            query,
            masks,
            terms: if terms.len() > 1 { terms } else { Vec::new() },
        }
    }
}

/// Per codebook: what this run does.
struct Plan {
    /// Segments after this one get every rule; the others only fresh rules.
    from: i64,
    /// Rules of the last run that are gone (their evidence is dropped).
    removed: FxHashSet<i64>,
    /// Rules applied to every segment read (their old evidence is replaced).
    fresh: FxHashSet<i64>,
    /// What to record for the run.
    state: RunState,
}

/// A segment to read.
struct Seg {
    segment: i64,
    document: i64,
    speaker: Option<String>,
    text: String,
    char_start: usize,
    post: Option<PostMeta>,
}

/// What one (segment, code) matched in this run. Evidence words are numbered within the
/// chunk of segments that found them ([`Chunk::words`]; [`NO_WORD`] for a rule that matched
/// on no word) until the run gives them project-wide ids.
struct Found {
    segment: i64,
    book: usize,
    code: usize,
    evidence: Vec<Evidence>,
}

/// What one parallel chunk of segments found, with its own table of words.
#[derive(Default)]
struct Chunk {
    found: Vec<Found>,
    /// (lowercased word, stem), numbered by position.
    words: Vec<(String, String)>,
    ids: FxHashMap<String, u32>,
}

impl Chunk {
    /// The chunk's number for a word.
    fn word(&mut self, t: &Token) -> u32 {
        if let Some(&id) = self.ids.get(t.lower.as_str()) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(t.lower.clone(), id);
        self.words.push((t.lower.clone(), t.stem.clone()));
        id
    }
}

/// A suggestion's score: the rarity of each distinct stem among its evidence words, summed.
fn score(evidence: &[Evidence], rarity: &[Option<(u32, f64)>]) -> f64 {
    let mut stems: Vec<(u32, f64)> = evidence
        .iter()
        .filter_map(|e| rarity.get(e.word as usize).copied().flatten())
        .collect();
    stems.sort_unstable_by_key(|s| s.0);
    stems.dedup_by_key(|s| s.0);
    stems.iter().map(|s| s.1).sum()
}

/// Phase timings on stderr when `QUARRY_TIMINGS` is set (for benchmarks).
struct Clock(Option<std::time::Instant>);

impl Clock {
    fn new() -> Clock {
        Clock(std::env::var_os("QUARRY_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn lap(&mut self, what: &str) {
        if let Some(t) = &mut self.0 {
            eprintln!("suggest: {what:>20} {:>8.3} s", t.elapsed().as_secs_f64());
            *t = std::time::Instant::now();
        }
    }
}

/// How a run's widening is recorded.
fn widen_name(w: Widen) -> String {
    let mut parts = Vec::new();
    if w.interviewer {
        parts.push("interviewer");
    }
    if w.reposts {
        parts.push("reposts");
    }
    parts.join(",")
}

/// The widening a run recorded.
pub fn parse_widen(s: &str) -> Widen {
    Widen {
        interviewer: s.split(',').any(|p| p == "interviewer"),
        reposts: s.split(',').any(|p| p == "reposts"),
    }
}

/// The hash that identifies a rule: what it matches (its query with masks and scope).
///
/// What a rule that reads word positions (a phrase, NEAR, BEFORE, a mask) matches also
/// depends on where the analyzer puts positions: such a rule's hash carries
/// [`crate::index::INDEX_VERSION`], so when positions change, an existing project's next run
/// applies it afresh (and drops its old evidence) while other rules' suggestions stay.
fn rule_hash(q: &Query) -> u64 {
    if q.uses_positions() {
        fnv1a(format!("{}{q:?}", crate::index::INDEX_VERSION).as_bytes())
    } else {
        fnv1a(format!("{q:?}").as_bytes())
    }
}

/// Which version of each codebook a run applies, where the project's last run of the same id
/// applied another (a tuned file after the built-in one, or the built-in one after a tuned
/// file): one sentence each, for the person to see which rules now make the suggestions.
pub fn version_notes(project: &Project, codebooks: &[Codebook]) -> Result<Vec<String>> {
    let describe = |origin: &str, version: &str| match origin.strip_prefix("built-in:") {
        Some(name) => format!("the built-in {name} (version {version})"),
        None => format!("version {version} from {origin}"),
    };
    let mut notes = Vec::new();
    for cb in codebooks {
        let Some(last) = project.store().suggest_run(&cb.id)? else {
            continue;
        };
        let origin = crate::codebook::origin_of(cb);
        if last.origin == origin {
            continue;
        }
        let other = project
            .stored_codebooks()?
            .into_iter()
            .filter(|(id, o)| id != &cb.id && id.starts_with(&cb.id) && *o != origin)
            .map(|(id, o)| format!("{id} from {o}"))
            .collect::<Vec<_>>();
        notes.push(format!(
            "applying {} as codebook `{}`; its last run applied {}. Suggestions only those \
             rules made are withdrawn (decisions stay){}.",
            describe(&origin, &cb.version),
            cb.id,
            describe(&last.origin, &last.version),
            if other.is_empty() {
                String::new()
            } else {
                format!("; the project also has {}", other.join(", "))
            }
        ));
    }
    Ok(notes)
}

/// Runs the codebooks over the project.
pub fn run(project: &mut Project, index: &mut Index, cfg: &SuggestConfig) -> Result<SuggestReport> {
    let last = project.store().last_segment()?;
    let scope = project.store().interviewers_key()?;
    // Every current rule, with its id, and what each codebook's run must do.
    let mut rules: Vec<Prepared> = Vec::new();
    let mut mask_sets: Vec<Vec<Vec<String>>> = Vec::new();
    let mut plans = Vec::new();
    for (b, cb) in cfg.codebooks.iter().enumerate() {
        let known: FxHashMap<(String, u64), i64> = project
            .store()
            .rules(&cb.id)?
            .into_iter()
            .map(|r| ((r.code, r.hash), r.id))
            .collect();
        let mut mine = Vec::new();
        for (c, code) in cb.codes.iter().enumerate() {
            for r in 0..code.rules.len() {
                let query = cb.rule_query(c, r, cfg.widen);
                mine.push((c, r, rule_hash(&query), query));
            }
        }
        let ids: Vec<i64> = if cfg.dry_run {
            // Not stored: unknown rules get ids no stored evidence has.
            let mut next = -1;
            mine.iter()
                .map(|(c, _, h, _)| {
                    known
                        .get(&(cb.codes[*c].id.clone(), *h))
                        .copied()
                        .unwrap_or_else(|| {
                            next -= 1;
                            next
                        })
                })
                .collect()
        } else {
            let rows: Vec<crate::store::NewRule<'_>> = mine
                .iter()
                .map(|(c, r, h, q)| {
                    let code = &cb.codes[*c];
                    crate::store::NewRule {
                        codebook: cb.id.as_str(),
                        code: code.id.as_str(),
                        hash: *h,
                        text: code.rules[*r].text.as_str(),
                        terms: q.terms().iter().map(|t| t.term_text()).collect(),
                    }
                })
                .collect();
            project.store_mut().put_rules(&rows)?
        };
        let prev = project.store().suggest_run(&cb.id)?;
        let reuse = prev
            .as_ref()
            // The unit only changes how spans are read back: no reason to run again.
            .filter(|p| !cfg.rerun && p.scope == scope);
        let before: FxHashSet<i64> =
            reuse.map_or_else(FxHashSet::default, |p| p.rules.iter().copied().collect());
        let current: FxHashSet<i64> = ids.iter().copied().collect();
        let fresh: FxHashSet<i64> = current.difference(&before).copied().collect();
        let removed: FxHashSet<i64> = match (reuse, &prev) {
            (Some(_), _) => before.difference(&current).copied().collect(),
            // A full run: all old evidence goes, and so does every rule it came from.
            (None, Some(p)) => p
                .rules
                .iter()
                .copied()
                .filter(|r| !current.contains(r))
                .collect(),
            (None, None) => FxHashSet::default(),
        };
        let mut seen = FxHashSet::default();
        for ((c, r, _, _), id) in mine.into_iter().zip(&ids) {
            if seen.insert(*id) {
                let (mut query, masks) = cb.rule_parts(c, r, cfg.widen);
                crate::project::search::resolve_fields(project, &mut query)?;
                let rule = Prepared::new((b, c), *id, query, masks, &mut mask_sets);
                rules.push(Prepared {
                    fresh: fresh.contains(id),
                    ..rule
                });
            }
        }
        let mut applied: Vec<i64> = current.into_iter().collect();
        applied.sort_unstable();
        plans.push(Plan {
            from: reuse.map_or(i64::MIN, |p| p.last_segment),
            removed,
            fresh,
            state: RunState {
                version: cb.version.clone(),
                last_segment: last.max(reuse.map_or(0, |p| p.last_segment)),
                rules: applied,
                unit: cfg.unit.as_str().to_string(),
                scope,
                widen: widen_name(cfg.widen),
                origin: crate::codebook::origin_of(cb),
            },
        });
    }
    pipeline::apply(project, index, cfg, &rules, &mask_sets, &plans, last)
}

/// The changes to store for one codebook's merged suggestions, counted in `report`.
fn changes(merged: Vec<Merged>, report: &mut SuggestReport) -> Vec<SuggestionChange> {
    let mut changes = Vec::new();
    for m in merged {
        let keep = !m.row.evidence.is_empty() || m.row.state == SuggestionState::Withdrawn;
        match (m.before, keep) {
            (None, true) => {
                report.added += 1;
                changes.push(SuggestionChange::Insert(m.row));
            }
            (None, false) => {}
            (Some(b), false) => {
                report.withdrawn += 1;
                changes.push(SuggestionChange::Delete(m.row.segment, b.code_id));
            }
            (Some(b), true) => {
                if m.new_evidence || b.state != m.row.state || b.changed != m.row.changed {
                    changes.push(SuggestionChange::Update(m.row));
                }
            }
        }
    }
    changes
}

/// A stored suggestion before this run: what the merge must compare against.
struct Before {
    code_id: i64,
    state: SuggestionState,
    changed: bool,
}

/// A suggestion after the merge.
struct Merged {
    /// As it was, if it was stored.
    before: Option<Before>,
    /// Whether its evidence differs from what was stored.
    new_evidence: bool,
    /// As it is now (no evidence: to be deleted, unless withdrawn).
    row: SuggestionRow,
    /// Its code's index in the codebook (None: a code no longer there).
    code: Option<usize>,
}

/// The stored suggestions of one codebook with this run's findings merged in, by segment
/// then code. `decided` holds (segment, hash of code) pairs someone decided on.
fn merge(
    cb: &Codebook,
    plan: &Plan,
    old: Vec<SuggestionRow>,
    found: Vec<(i64, usize, Vec<Evidence>)>,
    decided: &FxHashSet<(i64, u64)>,
) -> Vec<Merged> {
    // With nothing stored, the findings are the rows, already in order.
    let ordered = old.is_empty();
    let mut in_order = Vec::new();
    let mut hits: FxHashMap<(i64, usize), Vec<Evidence>> = FxHashMap::default();
    if ordered {
        in_order = found;
    } else {
        hits = found.into_iter().map(|(s, c, e)| ((s, c), e)).collect();
    }
    let code_index: FxHashMap<&str, usize> = cb
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let is_decided = |seg: i64, code: &str| decided.contains(&(seg, fnv1a(code.as_bytes())));
    let sort = |ev: &mut Vec<Evidence>| {
        ev.sort_unstable_by_key(|e| (e.start, e.end, e.rule, e.word));
        ev.dedup();
    };
    let mut rows: Vec<Merged> = Vec::with_capacity(old.len() + hits.len());
    for mut row in old {
        let code = code_index.get(row.code.as_str()).copied();
        let before = row.evidence.len();
        let from_removed = row.evidence.iter().any(|e| plan.removed.contains(&e.rule));
        row.evidence.retain(|e| {
            !plan.removed.contains(&e.rule)
                && !plan.fresh.contains(&e.rule)
                // A full run replaces everything.
                && plan.from != i64::MIN
        });
        let mut new_evidence = row.evidence.len() != before;
        if let Some(new) = code.and_then(|c| hits.remove(&(row.segment, c))) {
            let kept = row.evidence.len();
            row.evidence.extend(new);
            sort(&mut row.evidence);
            // Evidence found again (a full run) is no change.
            new_evidence |= row.evidence.len() != kept || kept == 0;
        }
        let b = Before {
            code_id: row.code_id,
            state: row.state,
            changed: row.changed,
        };
        if from_removed && is_decided(row.segment, &row.code) {
            row.changed = true;
        }
        rows.push(Merged {
            before: Some(b),
            new_evidence,
            row,
            code,
        });
    }
    let fresh = in_order
        .into_iter()
        .chain(hits.into_iter().map(|((s, c), e)| (s, c, e)));
    for (segment, code, mut evidence) in fresh {
        sort(&mut evidence);
        rows.push(Merged {
            before: None,
            new_evidence: true,
            row: SuggestionRow {
                code_id: 0,
                segment,
                codebook: cb.id.clone(),
                code: cb.codes[code].id.clone(),
                version: cb.version.clone(),
                score: 0.0,
                evidence,
                state: SuggestionState::Open,
                changed: false,
            },
            code: Some(code),
        });
    }
    if !ordered {
        rows.sort_unstable_by(|a, b| {
            (a.row.segment, a.code, &a.row.code).cmp(&(b.row.segment, b.code, &b.row.code))
        });
    }
    // States: a live suggestion is covered when a descendant code is live on the same
    // segment; one with no evidence left is withdrawn if someone decided on it.
    let mut i = 0;
    while i < rows.len() {
        let seg = rows[i].row.segment;
        let mut j = i;
        while j < rows.len() && rows[j].row.segment == seg {
            j += 1;
        }
        let live: Vec<usize> = rows[i..j]
            .iter()
            .filter(|r| !r.row.evidence.is_empty())
            .filter_map(|r| r.code)
            .collect();
        for r in &mut rows[i..j] {
            r.row.state = if r.row.evidence.is_empty() {
                if is_decided(seg, &r.row.code) {
                    SuggestionState::Withdrawn
                } else {
                    SuggestionState::Open
                }
            } else if live.len() > 1
                && r.code
                    .is_some_and(|c| live.iter().any(|&d| d != c && is_ancestor(cb, c, d)))
            {
                SuggestionState::Covered
            } else {
                SuggestionState::Open
            };
        }
        i = j;
    }
    rows
}

/// What each pool thread keeps from one segment to the next: its analyzer (with its word
/// cache) and the token buffer it analyses into.
struct Worker {
    analyzer: Analyzer,
    tokens: Vec<Token>,
}

/// A segment's words as a mask set leaves them: the indexes of the words left and those
/// words, or None when the set masks nothing in the segment.
type MaskView = Option<(Vec<usize>, Vec<Token>)>;

/// Per (codebook, code): (rule id, term, token index; None for a rule that matched on no
/// word).
type CodeHits = ((usize, usize), Vec<(i64, u16, Option<usize>)>);

/// The rules that match one segment, as findings per (codebook, code).
fn evaluate(
    s: &Seg,
    a: &mut Worker,
    rules: &[Prepared],
    mask_sets: &[Vec<Vec<String>>],
    froms: &[i64],
    table: &Triggers,
    out: &mut Chunk,
) {
    let (a, toks) = (&mut a.analyzer, &mut a.tokens);
    // Words and stems pick the candidate rules; positions (which take finding sentences) are
    // worked out only for a segment some rule may match.
    a.words_into(&s.text, toks);
    let mut candidates = table.candidates(toks);
    candidates.retain(|&i| rules[i].fresh || s.segment > froms[rules[i].book]);
    if candidates.is_empty() {
        return;
    }
    crate::text::analyzer::fill_positions(&s.text, toks);
    let toks = &toks[..];
    candidates.sort_unstable();
    candidates.dedup();
    let stems = crate::text::query::stem_index(toks);
    let target = Target {
        document: s.document,
        speaker: s.speaker.as_deref(),
        tokens: toks,
        post: s.post.as_ref(),
    };
    // Per mask set, found once per segment: None while not needed yet.
    let mut masked: Vec<Option<MaskView>> = vec![None; mask_sets.len()];
    let mut per_code: Vec<CodeHits> = Vec::new();
    for i in candidates {
        let p = &rules[i];
        let view = p.masks.map(|m| {
            masked[m].get_or_insert_with(|| {
                let hidden =
                    crate::text::query::masked_tokens_with(toks, &mask_sets[m], Some(&stems));
                hidden.contains(&true).then(|| {
                    let kept: Vec<usize> = (0..toks.len()).filter(|&i| !hidden[i]).collect();
                    let sub = kept.iter().map(|&i| toks[i].clone()).collect();
                    (kept, sub)
                })
            })
        });
        let view: Option<&MaskView> = view.map(|v| &*v);
        let eval = |q: &Query| match view {
            // Words inside a masked phrase are not there for this rule (positions kept, so
            // a phrase cannot span them); evidence maps back to the segment's words.
            Some(Some((kept, sub))) => q
                .eval(&Target {
                    tokens: sub,
                    ..target
                })
                .map(|ev| ev.into_iter().map(|i| kept[i]).collect::<Vec<_>>()),
            _ => q.eval_with(&target, Some(&stems)),
        };
        let Some(ev) = eval(&p.query) else {
            continue;
        };
        // Which term found each word: the first (in the order written) whose own matches
        // hold it.
        let by_term: Vec<Vec<usize>> = p
            .terms
            .iter()
            .map(|t| eval(t).unwrap_or_default())
            .collect();
        let term_of = |tok: usize| {
            by_term
                .iter()
                .position(|found| found.binary_search(&tok).is_ok())
                .map_or(0, |i| i as u16)
        };
        let items: Vec<(i64, u16, Option<usize>)> = if ev.is_empty() {
            vec![(p.id, 0, None)]
        } else {
            ev.into_iter()
                .map(|t| (p.id, term_of(t), Some(t)))
                .collect()
        };
        match per_code.iter_mut().find(|(k, _)| *k == (p.book, p.code)) {
            Some((_, v)) => v.extend(items),
            None => per_code.push(((p.book, p.code), items)),
        }
    }
    if per_code.is_empty() {
        return;
    }
    // Code-point offsets of every evidence word, computed once.
    let mut used: Vec<usize> = per_code
        .iter()
        .flat_map(|(_, v)| v.iter().filter_map(|(_, _, t)| *t))
        .collect();
    used.sort_unstable();
    used.dedup();
    let ranges = char_ranges(&s.text, toks, &used, s.char_start);
    per_code.sort_by_key(|(k, _)| *k);
    for ((book, code), items) in per_code {
        let evidence = items
            .into_iter()
            .map(|(rule, term, t)| match t {
                None => Evidence {
                    rule,
                    term,
                    word: NO_WORD,
                    start: 0,
                    end: 0,
                },
                Some(t) => {
                    let (start, end) = ranges[used.binary_search(&t).expect("collected above")];
                    Evidence {
                        rule,
                        term,
                        word: out.word(&toks[t]),
                        start,
                        end,
                    }
                }
            })
            .collect();
        out.found.push(Found {
            segment: s.segment,
            book,
            code,
            evidence,
        });
    }
}

/// Token indexes as code-point ranges in the document.
fn char_ranges(text: &str, toks: &[Token], ev: &[usize], base: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(ev.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    for &i in ev {
        let t = &toks[i];
        chars += text[byte..t.start].chars().count();
        let start = chars;
        let end = start + text[t.start..t.end].chars().count();
        byte = t.start;
        out.push((base + start, base + end));
    }
    out
}

fn is_ancestor(cb: &Codebook, a: usize, mut d: usize) -> bool {
    while let Some(p) = cb.codes[d].parent {
        if p == a {
            return true;
        }
        d = p;
    }
    false
}

#[cfg(test)]
pub(crate) mod tests;
