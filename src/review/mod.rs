//! Review: a person accepts, rejects or changes each suggestion, and every decision is stored
//! the moment it is made.
//!
//! [`queue`] picks a coder's pending suggestions (open, not decided by them) with the filters
//! and order asked for; [`Queue::item`] loads what a reviewer needs to judge one (the segment
//! with its evidence, a turn of context each side, the code's definition and notes, the rules
//! that fired); [`apply`] turns a [`Command`] into a stored decision. The line loop
//! (the CLI's `review --lines`) and the full-screen view share these, so both store exactly the same thing.

pub mod discover;
pub mod estimates;
pub mod learn;
pub mod margin;
pub mod pick;
pub mod propose;
pub mod quality;
pub mod sheet;
pub mod stats;
pub mod tune;
pub mod unsuggested;
pub use unsuggested::{record_unsuggested, unsuggested_sample, UnsuggestedSample};

use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::store::{DecisionRow, Evidence, NewDecision, SuggestionRow, NO_WORD};
use crate::text::model::Segment;
use crate::text::query::{FieldFilter, Query, Target};
use std::collections::HashMap;
use std::path::PathBuf;

// ---------------------------------------------------------------- coder

/// The user's settings file: `$QUARRY_CONFIG`, else `$XDG_CONFIG_HOME/quarry/config`, else
/// `~/.config/quarry/config`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QUARRY_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("quarry").join("config"))
}

/// A setting from the user's settings file (`key = value` lines).
fn config_value(key: &str) -> Option<String> {
    let text = std::fs::read_to_string(config_path()?).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// Sets a value in the user's settings file, keeping the other lines. Returns the file.
pub fn set_config(key: &str, value: &str) -> Result<PathBuf> {
    let path = config_path()
        .ok_or_else(|| Error::Other("no settings folder: set HOME or QUARRY_CONFIG".into()))?;
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| l.split_once('=').is_none_or(|(k, _)| k.trim() != key))
        .map(str::to_string)
        .collect();
    lines.push(format!("{key} = {value}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_at(dir, e))?;
    }
    std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| io_at(&path, e))?;
    Ok(path)
}

fn io_at(path: &std::path::Path, source: std::io::Error) -> Error {
    crate::error::ProjectError::Io {
        path: path.to_path_buf(),
        source,
    }
    .into()
}

/// Who is deciding: `--coder`, else `QUARRY_CODER`, else `quarry config coder`. Never blank.
pub fn coder(flag: Option<&str>) -> Result<String> {
    let name = flag
        .map(str::to_string)
        .or_else(|| std::env::var("QUARRY_CODER").ok())
        .or_else(|| config_value("coder"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    name.ok_or_else(|| {
        Error::Other(
            "who is coding? Give --coder NAME, set QUARRY_CODER, or run `quarry config coder NAME`"
                .into(),
        )
    })
}

// ---------------------------------------------------------------- queue

/// Order of the review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Highest score first.
    #[default]
    Score,
    /// Document order.
    Document,
    /// Shuffled with a seed.
    Random,
    /// Most likely to be accepted first, as the ranker learned from the decisions (see
    /// [`learn`]); suggestions of codes without a prediction after, by score.
    Likely,
    /// Closest to even odds first (what teaches the ranker most); suggestions without a
    /// prediction before them.
    Uncertain,
}

/// Which suggestions to review.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this codebook.
    pub codebook: Option<String>,
    /// Only this code and its descendants.
    pub code: Option<String>,
    /// Only documents with this name (`*` at the end: a prefix).
    pub document: Option<String>,
    /// Only this speaker.
    pub speaker: Option<String>,
    /// Only segments with these attributes (`KEY=VALUE`).
    pub attrs: Vec<String>,
    /// Order.
    pub order: Order,
    /// Seed of the random order and of `sample`.
    pub seed: u64,
    /// A random sample of this many (to estimate precision without reviewing everything).
    pub sample: Option<usize>,
    /// Draw `sample` by term: see [`TermSample`].
    pub per_term: bool,
    /// In a per-term sample, the fewest suggestions a term must have made to be a stratum
    /// (None: as many of the most frequent terms as can get [`PER_STRATUM`] decisions each).
    pub min_fired: Option<usize>,
}

/// Decisions a per-term sample aims to give each stratum when no `min_fired` is given: with
/// 0 of 20 accepted the 95% interval's top is 0.16, so a bad term can show as bad.
pub const PER_STRATUM: usize = 20;

/// How a per-term sample was drawn (`review --sample N --per-term`).
///
/// Every term (a word, phrase, prefix or NEAR pair of a rule) of the pending suggestions that
/// made at least `min_fired` suggestions is a stratum; by default the `N / PER_STRATUM` terms
/// that made the most (ties included), so the sample is not spread too thin to judge any.
/// Slots go one at a time to the term with the fewest decisions so far, counting those
/// already made by anyone and those the sample will bring, ties to the term that fires most;
/// the term's next suggestion, in seeded random order, is drawn. A suggestion drawn for
/// one term counts for every term that found it. Slots left when every stratum is drawn out
/// go to the other suggestions at random.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSample {
    /// Suggestions drawn.
    pub drawn: usize,
    /// Terms with pending suggestions that fired often enough to be strata.
    pub terms: usize,
    /// Terms with a suggestion in the sample.
    pub covered: usize,
    /// The fewest decisions a covered term will have once the sample is reviewed.
    pub least: usize,
}

/// A coder's review queue.
pub struct Queue {
    /// The pending suggestions, in review order.
    pub items: Vec<SuggestionRow>,
    /// How a per-term sample was drawn, when one was.
    pub term_sample: Option<TermSample>,
    codebooks: HashMap<String, Option<Codebook>>,
    rules: HashMap<i64, String>,
    order: Order,
    ranking: learn::rank::Ranking,
}

/// Everything a reviewer sees for one suggestion.
#[derive(Debug, Clone)]
pub struct Item {
    /// The suggestion.
    pub suggestion: SuggestionRow,
    /// Its segment.
    pub segment: Segment,
    /// The turn before, if any.
    pub before: Option<Segment>,
    /// The turn after, if any.
    pub after: Option<Segment>,
    /// The code's name (empty when its codebook cannot be loaded).
    pub name: String,
    /// Its definition.
    pub definition: String,
    /// When to apply it.
    pub include: String,
    /// When not to.
    pub exclude: String,
    /// The rules that fired, as written.
    pub rules: Vec<String>,
    /// The evidence words as byte ranges in `segment.text`.
    pub highlights: Vec<(usize, usize)>,
    /// How likely it is to be accepted, and why (None until its code has enough decisions).
    pub prediction: Option<learn::Prediction>,
}

/// The suggestions `coder` has not decided on, filtered and ordered.
pub fn queue(project: &Project, coder: &str, f: &Filter) -> Result<Queue> {
    let store = project.store();
    let mut items = store.pending(coder, f.codebook.as_deref())?;
    if let Some(code) = &f.code {
        let prefix = format!("{code}.");
        items.retain(|s| &s.code == code || s.code.starts_with(&prefix));
    }
    // Document, speaker and attribute filters, as the search's field filters.
    let mut filters = Vec::new();
    if let Some(d) = &f.document {
        filters.push(FieldFilter::Doc(d.to_lowercase()));
    }
    if let Some(s) = &f.speaker {
        filters.push(FieldFilter::Speaker(s.to_lowercase()));
    }
    for a in &f.attrs {
        let (name, value) = a
            .split_once('=')
            .ok_or_else(|| Error::Other(format!("--attr {a}: expected KEY=VALUE")))?;
        filters.push(FieldFilter::Attr {
            name: name.trim().to_lowercase(),
            value: value.trim().to_lowercase(),
        });
    }
    if !filters.is_empty() {
        let mut q = Query::And(
            filters
                .into_iter()
                .map(|f| Query::Field(f, Default::default()))
                .collect(),
        );
        crate::project::search::resolve_fields(project, &mut q)?;
        let ids: Vec<i64> = items.iter().map(|s| s.segment).collect();
        let mut keep = std::collections::HashSet::new();
        for seg in store.segments(&ids)? {
            let speaker = seg.speaker.as_ref().map(|s| s.to_lowercase());
            let t = Target {
                document: seg.document_id,
                speaker: speaker.as_deref(),
                tokens: &[],
                post: seg.post.as_ref(),
            };
            if q.eval(&t).is_some() {
                keep.insert(seg.id);
            }
        }
        items.retain(|s| keep.contains(&s.segment));
    }
    let mut rng = SplitMix(f.seed);
    let mut term_sample = None;
    match f.sample {
        Some(n) if f.per_term => {
            let (drawn, how) = sample_by_term(project, items, n, f.min_fired, &mut rng)?;
            items = drawn;
            term_sample = Some(how);
        }
        Some(n) => {
            rng.shuffle(&mut items);
            items.truncate(n);
        }
        None => {}
    }
    match f.order {
        Order::Score => items.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then((a.segment, &a.code).cmp(&(b.segment, &b.code)))
        }),
        Order::Document => items.sort_by(|a, b| (a.segment, &a.code).cmp(&(b.segment, &b.code))),
        Order::Random => {
            if f.sample.is_none() {
                rng.shuffle(&mut items);
            }
        }
        Order::Likely | Order::Uncertain => {}
    }
    let mut books: Vec<&str> = items.iter().map(|s| s.codebook.as_str()).collect();
    books.sort_unstable();
    books.dedup();
    let mut ranking = learn::rank::Ranking::fit(project, books)?;
    if matches!(f.order, Order::Likely | Order::Uncertain) {
        ranking.score_all(project, &items)?;
        let mut idx: Vec<usize> = (0..items.len()).collect();
        ranking.sort(f.order, &items, &mut idx);
        ranking.permute(&idx);
        let mut slots: Vec<Option<SuggestionRow>> = items.into_iter().map(Some).collect();
        items = idx.iter().filter_map(|&i| slots[i].take()).collect();
    }
    let mut codebooks = HashMap::new();
    for (id, origin) in store.codebooks_run()? {
        codebooks.insert(id, crate::codebook::load_origin(&origin).ok());
    }
    Ok(Queue {
        items,
        term_sample,
        codebooks,
        rules: store.rule_texts()?,
        order: f.order,
        ranking,
    })
}

/// Draws `n` of `items` stratified by term (see [`TermSample`]), in the order drawn.
fn sample_by_term(
    project: &Project,
    items: Vec<SuggestionRow>,
    n: usize,
    min_fired: Option<usize>,
    rng: &mut SplitMix,
) -> Result<(Vec<SuggestionRow>, TermSample)> {
    use std::cmp::Reverse;
    use std::collections::{BTreeMap, BinaryHeap, HashSet};
    type TermKey = (i64, u16);
    // Decisions each term has, and how often it fired, from every coder's decisions.
    let mut decided: HashMap<TermKey, usize> = HashMap::new();
    let mut fired: HashMap<TermKey, usize> = HashMap::new();
    let books: std::collections::BTreeSet<&str> =
        items.iter().map(|s| s.codebook.as_str()).collect();
    for book in books {
        for code in crate::review::quality::precision_only(project, book, None)?.codes {
            for r in code.rules {
                for (k, t) in r.terms.iter().enumerate() {
                    decided.insert((r.id, k as u16), t.decided);
                    fired.insert((r.id, k as u16), t.fired);
                }
            }
        }
    }
    let terms_of: Vec<Vec<TermKey>> = items
        .iter()
        .map(|s| {
            let mut t: Vec<TermKey> = s.evidence.iter().map(|e| (e.rule, e.term)).collect();
            t.sort_unstable();
            t.dedup();
            t
        })
        .collect();
    let fires = |t: &TermKey| fired.get(t).copied().unwrap_or(0);
    // Each term's candidates, in a seeded random order (terms visited in key order so the
    // draw depends on the seed alone).
    let min_fired = min_fired.unwrap_or_else(|| {
        let mut pending: Vec<TermKey> = terms_of.iter().flatten().copied().collect();
        pending.sort_unstable();
        pending.dedup();
        let mut counts: Vec<usize> = pending.iter().map(fires).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let strata = (n / PER_STRATUM).max(1);
        counts
            .get(strata - 1)
            .or(counts.last())
            .copied()
            .unwrap_or(0)
    });
    let often = |t: &TermKey| fires(t) >= min_fired;
    let mut candidates: BTreeMap<TermKey, Vec<usize>> = BTreeMap::new();
    for (i, ts) in terms_of.iter().enumerate() {
        for t in ts.iter().filter(|t| often(t)) {
            candidates.entry(*t).or_default().push(i);
        }
    }
    for c in candidates.values_mut() {
        rng.shuffle(c);
    }
    let mut level: HashMap<TermKey, usize> = candidates
        .keys()
        .map(|t| (*t, decided.get(t).copied().unwrap_or(0)))
        .collect();
    let mut heap: BinaryHeap<Reverse<(usize, Reverse<usize>, TermKey)>> = candidates
        .keys()
        .map(|t| Reverse((level[t], Reverse(fires(t)), *t)))
        .collect();
    let mut next: HashMap<TermKey, usize> = HashMap::new();
    let mut picked: HashSet<usize> = HashSet::new();
    let mut order: Vec<usize> = Vec::new();
    let mut covered: HashSet<TermKey> = HashSet::new();
    while order.len() < n {
        let Some(Reverse((l, f, t))) = heap.pop() else {
            break;
        };
        if l != level[&t] {
            heap.push(Reverse((level[&t], f, t)));
            continue;
        }
        let list = &candidates[&t];
        let at = next.entry(t).or_default();
        while *at < list.len() && picked.contains(&list[*at]) {
            *at += 1;
        }
        let Some(&i) = list.get(*at) else {
            continue; // every suggestion of this term is drawn
        };
        picked.insert(i);
        order.push(i);
        for u in terms_of[i].iter().filter(|u| often(u)) {
            *level.get_mut(u).expect("a candidate's term") += 1;
            covered.insert(*u);
        }
        heap.push(Reverse((level[&t], f, t)));
    }
    if order.len() < n {
        let mut rest: Vec<usize> = (0..items.len()).filter(|i| !picked.contains(i)).collect();
        rng.shuffle(&mut rest);
        order.extend(rest.into_iter().take(n - order.len()));
    }
    let how = TermSample {
        drawn: order.len(),
        terms: candidates.len(),
        covered: covered.len(),
        least: covered.iter().map(|t| level[t]).min().unwrap_or(0),
    };
    let mut slots: Vec<Option<SuggestionRow>> = items.into_iter().map(Some).collect();
    let drawn = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Ok((drawn, how))
}

impl Queue {
    /// The codebook a suggestion came from, if it can still be loaded.
    pub fn codebook(&self, id: &str) -> Option<&Codebook> {
        self.codebooks.get(id).and_then(Option::as_ref)
    }

    /// Loads what a reviewer needs to judge suggestion `i`.
    pub fn item(&self, project: &Project, i: usize) -> Result<Item> {
        let s = &self.items[i];
        let store = project.store();
        let segment = store
            .segments(&[s.segment])?
            .pop()
            .ok_or_else(|| Error::Other(format!("segment #{} is gone", s.segment)))?;
        let near = store.segments_in(segment.document_id, segment.ord - 1, segment.ord + 1)?;
        let before = near.iter().find(|x| x.ord == segment.ord - 1).cloned();
        let after = near.iter().find(|x| x.ord == segment.ord + 1).cloned();
        let code = self.codebook(&s.codebook).and_then(|cb| cb.code(&s.code));
        let mut rule_ids: Vec<i64> = s.evidence.iter().map(|e| e.rule).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        let highlights = byte_ranges(&segment, &s.evidence);
        Ok(Item {
            suggestion: s.clone(),
            before,
            after,
            name: code.map(|c| c.name.clone()).unwrap_or_default(),
            definition: code.map(|c| c.definition.clone()).unwrap_or_default(),
            include: code.map(|c| c.include.clone()).unwrap_or_default(),
            exclude: code.map(|c| c.exclude.clone()).unwrap_or_default(),
            rules: rule_ids
                .iter()
                .filter_map(|r| self.rules.get(r).cloned())
                .collect(),
            highlights,
            segment,
            prediction: self.ranking.predict(project, s)?,
        })
    }

    /// Item `i`'s predicted chance of being accepted, in the `likely` and `uncertain`
    /// orders (None in the others, and for codes with too few decisions).
    pub fn likely(&self, i: usize) -> Option<f64> {
        self.ranking.likely(i)
    }

    /// Learns a decision on item `i` (accepted: its code applies), so the predictions of
    /// the items left follow it, in the `likely` and `uncertain` orders (in the others the
    /// order does not depend on it, and the next queue learns it); see [`Queue::reorder`].
    /// Stores nothing.
    pub fn learn(&mut self, project: &Project, i: usize, accepted: bool) -> Result<()> {
        // Only the ranked orders depend on it; elsewhere the next queue learns it.
        if !self.ranked() {
            return Ok(());
        }
        self.ranking.learn(project, &self.items, i, accepted)
    }

    /// Whether the queue is in the `likely` or `uncertain` order.
    pub fn ranked(&self) -> bool {
        matches!(self.order, Order::Likely | Order::Uncertain)
    }

    /// Forgets what [`Queue::learn`] learned from item `i` (its decision was undone).
    pub fn unlearn(&mut self, project: &Project, i: usize) -> Result<()> {
        if !self.ranked() {
            return Ok(());
        }
        self.ranking.unlearn(project, &self.items, i)
    }

    /// Sorts item indexes (those still to show) in the queue's order as the predictions now
    /// stand: in the `likely` and `uncertain` orders the first
    /// [`learn::rank::HEAD`] of them (the rest follow unordered until the next decision
    /// ranks them again); other orders keep them as they are.
    pub fn reorder(&self, idx: &mut [usize]) {
        self.ranking.sort_head(self.order, &self.items, idx);
    }

    /// For item `i`: its place among the items of its code (1-based) and how many there are.
    pub fn code_progress(&self, i: usize) -> (usize, usize) {
        let code = &self.items[i].code;
        let same = |s: &&SuggestionRow| &s.code == code;
        (
            self.items[..=i].iter().filter(same).count(),
            self.items.iter().filter(same).count(),
        )
    }
}

/// A suggestion's evidence as byte ranges in its segment's text.
pub(crate) fn byte_ranges(seg: &Segment, evidence: &[Evidence]) -> Vec<(usize, usize)> {
    let mut chars = evidence_chars(evidence);
    chars.sort_unstable();
    chars.dedup();
    crate::suggest::excerpt::byte_ranges(seg, &chars)
}

/// The evidence words as code-point ranges in the document (rules that matched on no word
/// left out).
pub(crate) fn evidence_chars(evidence: &[Evidence]) -> Vec<(usize, usize)> {
    evidence
        .iter()
        .filter(|e| e.word != NO_WORD)
        .map(|e| (e.start, e.end))
        .collect()
}

/// A small seeded generator (SplitMix64), so `--seed` gives the same order everywhere.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------- decisions

/// What a reviewer can do with the item in front of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Accept the suggested code (with an optional memo).
    Accept(Option<String>),
    /// Reject it.
    Reject(Option<String>),
    /// Reject it and apply this code instead.
    Change(String, Option<String>),
    /// Attach a memo to the next decision on this item.
    Memo(String),
    /// Leave it for later.
    Skip,
    /// Undo the coder's last decision.
    Undo,
    /// Show the keys.
    Help,
    /// Stop.
    Quit,
}

/// The keys, for `?`.
pub const HELP: &str = "a [memo]  accept          r [memo]  reject
c CODE [memo]  change to another code (reject this one, apply CODE)
m TEXT  memo for the next decision   s  skip   u  undo the last decision
?  help   q  quit";

/// Parses one line of the line loop.
pub fn parse_command(line: &str) -> std::result::Result<Command, String> {
    let line = line.trim();
    let (head, rest) = match line.split_once(char::is_whitespace) {
        Some((h, r)) => (h, r.trim()),
        None => (line, ""),
    };
    let memo = (!rest.is_empty()).then(|| rest.to_string());
    Ok(match head.to_lowercase().as_str() {
        "a" | "accept" => Command::Accept(memo),
        "r" | "reject" => Command::Reject(memo),
        "c" | "change" => {
            let (code, memo) = match rest.split_once(char::is_whitespace) {
                Some((c, m)) => (c, Some(m.trim().to_string())),
                None => (rest, None),
            };
            if code.is_empty() {
                return Err("c needs a code: c CODE [memo]".into());
            }
            Command::Change(code.to_string(), memo.filter(|m| !m.is_empty()))
        }
        "m" | "memo" => match memo {
            Some(m) => Command::Memo(m),
            None => return Err("m needs text: m TEXT".into()),
        },
        "s" | "skip" | "" => Command::Skip,
        "u" | "undo" => Command::Undo,
        "?" | "h" | "help" => Command::Help,
        "q" | "quit" => Command::Quit,
        other => return Err(format!("unknown command {other:?} (? for help)")),
    })
}

/// What a suggestion looked like when a person answered it, kept with the decision.
pub fn answered(item: &Item) -> String {
    serde_json::json!({
        "version": item.suggestion.version,
        "score": item.suggestion.score,
        "rules": item.rules,
        "evidence": item.suggestion.evidence.iter()
            .filter(|e| e.word != NO_WORD)
            .map(|e| [e.start, e.end]).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Stores the decision `cmd` makes on `item` (with `memo` if the command has none). Returns
/// the decision id, or None for commands that decide nothing. A changed-to code must exist in
/// the suggestion's codebook when that codebook can be loaded.
pub fn apply(
    project: &mut Project,
    queue: &Queue,
    coder: &str,
    item: &Item,
    cmd: &Command,
    memo: Option<String>,
) -> Result<Option<i64>> {
    let s = &item.suggestion;
    let (accept, replacement, own_memo) = match cmd {
        Command::Accept(m) => (true, None, m.clone()),
        Command::Reject(m) => (false, None, m.clone()),
        Command::Change(code, m) => {
            if let Some(cb) = queue.codebook(&s.codebook) {
                if cb.code(code).is_none() {
                    return Err(Error::Other(format!(
                        "no code {code} in codebook {}",
                        s.codebook
                    )));
                }
            }
            (false, Some(code.clone()), m.clone())
        }
        _ => return Ok(None),
    };
    let id = project.store_mut().decide(&NewDecision {
        coder: coder.to_string(),
        segment: s.segment,
        codebook: s.codebook.clone(),
        code: s.code.clone(),
        accept,
        replacement,
        memo: own_memo.or(memo),
        answered: Some(answered(item)),
        at: None,
    })?;
    Ok(Some(id))
}

/// What a review session did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// Decisions stored.
    pub decided: usize,
    /// Items skipped.
    pub skipped: usize,
    /// Decisions undone.
    pub undone: usize,
    /// Items left when the session ended.
    pub left: usize,
}

/// Stores one decision a person made outside the queue (`quarry code`, the web app), committed
/// before it returns; its id.
pub fn decide(project: &mut Project, decision: &NewDecision) -> Result<i64> {
    Ok(project.store_mut().decide(decision)?)
}

/// Stores decisions a person made together (coding every hit of a search, an imported
/// project's codings) as one batch, committed whole or not at all; the batch's id, which
/// `quarry undo BATCH` reverts.
pub fn decide_batch(project: &mut Project, decisions: &[NewDecision]) -> Result<i64> {
    Ok(project.store_mut().decide_batch(decisions)?)
}

/// Undoes `coder`'s latest standing decision (marks it; nothing is deleted) and returns it.
pub fn undo_last(project: &mut Project, coder: &str) -> Result<Option<DecisionRow>> {
    Ok(project.store_mut().undo_last(coder)?)
}

/// Undoes one of `coder`'s standing decisions by id (marks it; nothing is deleted) and
/// returns it; None when they have no standing decision with that id.
pub fn undo_one(project: &mut Project, coder: &str, id: i64) -> Result<Option<DecisionRow>> {
    Ok(project.store_mut().undo_decision(coder, id)?)
}

/// `coder`'s latest `limit` standing decisions, newest first.
pub fn recent(project: &Project, coder: &str, limit: usize) -> Result<Vec<DecisionRow>> {
    Ok(project.store().recent_decisions(coder, limit)?)
}

/// Undoes every standing decision of `coder`'s batch `batch`; returns how many.
pub fn undo_batch(project: &mut Project, coder: &str, batch: i64) -> Result<usize> {
    Ok(project.store_mut().undo_batch(coder, batch)?)
}

/// One line about a decision.
pub fn describe(d: &DecisionRow) -> String {
    let verdict = match (&d.replacement, d.accept) {
        (Some(r), _) => format!("changed to {r}"),
        (None, true) => "accepted".into(),
        (None, false) => "rejected".into(),
    };
    format!("#{} {} {verdict}", d.segment, d.code)
}

// ---------------------------------------------------------------- spreadsheets

/// The columns of a review sheet.
pub const SHEET_COLUMNS: [&str; 15] = [
    "segment",
    "codebook",
    "code",
    "document",
    "speaker",
    "place",
    "quote",
    "unit",
    "code name",
    "definition",
    "rules",
    "score",
    "decision",
    "memo",
    "help",
];

const SHEET_HELP: &str = "decision: accept (a, yes) / reject (r, no) / another code id to apply \
                          instead; leave empty to decide later";

/// What [`export_sheet`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SheetWritten {
    /// Rows, one per suggestion.
    pub rows: usize,
    /// Rows asked for as sentences whose quote is the whole turn (no evidence words).
    pub whole_turns: usize,
}

/// Writes the suggestions `coder` has not decided on (filtered as for [`queue`]) to a
/// spreadsheet (`.xlsx` or `.csv`, by extension) with empty decision and memo columns. The
/// quote is the turn or the sentences holding the evidence (`unit`), the evidence bold in an
/// `.xlsx` and «between these marks» in a CSV, one pair per phrase.
pub fn export_sheet(
    project: &Project,
    coder: &str,
    filter: &Filter,
    unit: crate::suggest::Unit,
    path: &std::path::Path,
) -> Result<SheetWritten> {
    let q = queue(project, coder, filter)?;
    let mut rows = Vec::with_capacity(q.items.len());
    let mut marks = Vec::with_capacity(q.items.len());
    let mut whole_turns = 0;
    for i in 0..q.items.len() {
        let evidence = evidence_chars(&q.items[i].evidence);
        let it = q.item(project, i)?;
        let s = &it.segment;
        let ex = crate::suggest::excerpt::excerpt(unit, s, &evidence);
        if ex.unit != unit {
            whole_turns += 1;
        }
        marks.push(ex.marks);
        rows.push(vec![
            s.id.to_string(),
            it.suggestion.codebook.clone(),
            it.suggestion.code.clone(),
            s.document.clone(),
            s.speaker.clone().unwrap_or_default(),
            crate::text::safe::place(s),
            ex.text,
            ex.unit.as_str().to_string(),
            it.name.clone(),
            it.definition.clone(),
            it.rules.join(" | "),
            format!("{:.2}", it.suggestion.score),
            String::new(),
            String::new(),
            if i == 0 {
                SHEET_HELP.to_string()
            } else {
                String::new()
            },
        ]);
    }
    let column = SHEET_COLUMNS.iter().position(|c| *c == "quote");
    crate::review::sheet::write_marked(
        path,
        &SHEET_COLUMNS,
        &rows,
        column.map(|column| crate::review::sheet::Marks {
            column,
            ranges: &marks,
        }),
    )?;
    Ok(SheetWritten {
        rows: rows.len(),
        whole_turns,
    })
}

/// What importing a filled-in review sheet did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetImport {
    /// Decisions stored.
    pub applied: usize,
    /// Rows left without a decision.
    pub blank: usize,
    /// Rows whose decision the coder has already recorded, exactly so (a sheet imported
    /// again, or filled in two sittings).
    pub already_applied: usize,
    /// Rows not applied: (spreadsheet row, why).
    pub problems: Vec<(usize, String)>,
    /// The batch the decisions were stored as (`quarry undo BATCH`), if any.
    pub batch: Option<i64>,
}

/// A decision cell: accept, reject, or another code to apply instead.
fn verdict(cell: &str) -> Option<(bool, Option<String>)> {
    let v = cell.trim();
    match v.to_lowercase().as_str() {
        "" => None,
        "a" | "accept" | "accepted" | "yes" | "y" | "1" | "x" => Some((true, None)),
        "r" | "reject" | "rejected" | "no" | "n" | "0" => Some((false, None)),
        _ => Some((false, Some(v.to_string()))),
    }
}

/// Applies the decisions `coder` filled in a review sheet. Rows whose decision the coder has
/// already recorded the same way (decision, code and memo) are counted as already applied, so
/// a sheet can be imported again after more rows are filled in. Rows that match no pending
/// suggestion of the coder, contradict a decision already recorded, name an unknown code, or
/// contradict another row are reported by row number and skipped; the valid rows are stored
/// as one batch.
pub fn import_sheet(
    project: &mut Project,
    coder: &str,
    path: &std::path::Path,
) -> Result<SheetImport> {
    let sheet = crate::review::sheet::read(path)?;
    for col in ["segment", "codebook", "code", "decision"] {
        if sheet.column(col).is_none() {
            return Err(Error::Other(format!(
                "{}: no `{col}` column (a sheet from `quarry review export` has it)",
                path.display()
            )));
        }
    }
    let q = queue(project, coder, &Filter::default())?;
    let pending: HashMap<(i64, &str, &str), usize> = q
        .items
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.segment, s.codebook.as_str(), s.code.as_str()), i))
        .collect();
    // The coder's standing decision per suggestion (the latest; decisions come oldest first).
    let recorded: HashMap<(i64, String, String), DecisionRow> = project
        .store()
        .decisions(Some(coder))?
        .into_iter()
        .map(|d| ((d.segment, d.codebook.clone(), d.code.clone()), d))
        .collect();
    let mut out = SheetImport::default();
    type Row = (usize, usize, (bool, Option<String>), Option<String>);
    let mut chosen: HashMap<(i64, String, String), Vec<Row>> = HashMap::new();
    let mut decisions = Vec::new();
    for row in &sheet.rows {
        let cell = |c: &str| sheet.get(row, c).unwrap_or("").trim();
        let Some(v) = verdict(cell("decision")) else {
            out.blank += 1;
            continue;
        };
        let problem = |why: String| (row.line, why);
        let Ok(segment) = cell("segment").parse::<i64>() else {
            out.problems.push(problem(format!(
                "segment {:?} is not a number",
                cell("segment")
            )));
            continue;
        };
        let (book, code) = (cell("codebook"), cell("code"));
        let memo = cell("memo");
        let memo = (!memo.is_empty()).then(|| memo.to_string());
        if let Some(d) = recorded.get(&(segment, book.to_string(), code.to_string())) {
            let same_verdict = match (&d.replacement, &v.1) {
                (Some(a), Some(b)) => a == b,
                (None, None) => d.accept == v.0,
                _ => false,
            };
            if same_verdict && d.memo == memo {
                out.already_applied += 1;
            } else {
                let differs = if same_verdict {
                    "with another memo"
                } else {
                    "otherwise"
                };
                out.problems.push(problem(format!(
                    "{}: {coder} already decided it {differs}, so this row was not applied \
                     (`quarry undo` or `quarry review` changes a decision)",
                    describe(d)
                )));
            }
            continue;
        }
        let Some(&i) = pending.get(&(segment, book, code)) else {
            out.problems.push(problem(format!(
                "#{segment} {code}: not a suggestion waiting for {coder} (decided already, \
                 withdrawn, or not in this project)"
            )));
            continue;
        };
        if let (Some(other), Some(cb)) = (&v.1, q.codebook(book)) {
            if cb.code(other).is_none() {
                out.problems.push(problem(format!(
                    "decision {other:?}: neither accept, reject nor a code of {book}"
                )));
                continue;
            }
        }
        chosen
            .entry((segment, book.to_string(), code.to_string()))
            .or_default()
            .push((row.line, i, v, memo));
    }
    // A suggestion decided twice the same way counts once; decided two ways, not at all.
    let mut keys: Vec<_> = chosen.into_iter().collect();
    keys.sort_by_key(|(_, rows)| rows[0].0);
    for ((segment, book, code), rows) in keys {
        let (_, i, v, memo) = rows[0].clone();
        if rows.iter().any(|r| r.2 != v) {
            let lines: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
            for r in &rows {
                out.problems.push((
                    r.0,
                    format!(
                        "#{segment} {code}: rows {} decide it differently; none applied",
                        lines.join(", ")
                    ),
                ));
            }
            continue;
        }
        let item = q.item(project, i)?;
        decisions.push(NewDecision {
            coder: coder.to_string(),
            segment,
            codebook: book,
            code,
            accept: v.0,
            replacement: v.1,
            memo,
            answered: Some(answered(&item)),
            at: None,
        });
    }
    out.problems.sort();
    if !decisions.is_empty() {
        out.batch = Some(project.store_mut().decide_batch(&decisions)?);
        out.applied = decisions.len();
    }
    Ok(out)
}

// ---------------------------------------------------------------- status

/// Decisions of one coder on one code.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CoderCounts {
    /// The coder.
    pub coder: String,
    /// Accepted (suggested or coded by hand).
    pub accepted: usize,
    /// Rejected (changed to another code included).
    pub rejected: usize,
    /// Applied in place of another suggested code.
    pub changed_to: usize,
    /// Open suggestions of the code this coder has not decided on.
    pub pending: usize,
}

/// Where one code stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CodeStatus {
    /// Codebook id.
    pub codebook: String,
    /// Code id.
    pub code: String,
    /// Suggestions waiting for review.
    pub suggested: usize,
    /// Per coder.
    pub coders: Vec<CoderCounts>,
}

/// What a project holds and how far its review is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    /// Documents.
    pub documents: usize,
    /// Segments.
    pub segments: u64,
    /// The coders who decided anything.
    pub coders: Vec<String>,
    /// Per code with suggestions or decisions, by codebook then code.
    pub codes: Vec<CodeStatus>,
}

/// Counts for `quarry status`.
pub fn status(project: &Project) -> Result<Status> {
    let store = project.store();
    let decisions = store.decisions(None)?;
    let mut coders: Vec<String> = decisions.iter().map(|d| d.coder.clone()).collect();
    coders.sort();
    coders.dedup();
    // (codebook, code) -> open suggestion segments.
    let mut open: std::collections::BTreeMap<(String, String), Vec<i64>> = Default::default();
    for (book, _) in store.codebooks_run()? {
        for (code, segment) in store.open_suggestions(&book)? {
            open.entry((book.clone(), code)).or_default().push(segment);
        }
    }
    for d in &decisions {
        open.entry((d.codebook.clone(), d.code.clone()))
            .or_default();
        if let Some(r) = &d.replacement {
            open.entry((d.codebook.clone(), r.clone())).or_default();
        }
    }
    let mut decided: std::collections::HashSet<(&str, &str, &str, i64)> = Default::default();
    for d in &decisions {
        decided.insert((&d.coder, &d.codebook, &d.code, d.segment));
    }
    let codes = open
        .iter()
        .map(|((book, code), segs)| CodeStatus {
            codebook: book.clone(),
            code: code.clone(),
            suggested: segs.len(),
            coders: coders
                .iter()
                .map(|c| {
                    let mine = decisions
                        .iter()
                        .filter(|d| &d.coder == c && &d.codebook == book);
                    let on = |d: &&DecisionRow| &d.code == code;
                    CoderCounts {
                        coder: c.clone(),
                        accepted: mine.clone().filter(on).filter(|d| d.accept).count(),
                        rejected: mine.clone().filter(on).filter(|d| !d.accept).count(),
                        changed_to: mine
                            .filter(|d| d.replacement.as_deref() == Some(code.as_str()))
                            .count(),
                        pending: segs
                            .iter()
                            .filter(|&&s| {
                                !decided.contains(&(c.as_str(), book.as_str(), code.as_str(), s))
                            })
                            .count(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Status {
        documents: store.documents()?.len(),
        segments: store.segment_count()?,
        coders,
        codes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_memos_and_refuse_what_is_unknown() {
        assert_eq!(parse_command("a"), Ok(Command::Accept(None)));
        assert_eq!(
            parse_command("r  too vague "),
            Ok(Command::Reject(Some("too vague".into())))
        );
        assert_eq!(
            parse_command("c tdf.skills because of the training"),
            Ok(Command::Change(
                "tdf.skills".into(),
                Some("because of the training".into())
            ))
        );
        assert_eq!(
            parse_command("c tdf.skills"),
            Ok(Command::Change("tdf.skills".into(), None))
        );
        assert!(parse_command("c").is_err());
        assert!(parse_command("m").is_err());
        assert!(parse_command("x").is_err());
        assert_eq!(parse_command(""), Ok(Command::Skip));
        assert_eq!(parse_command("Q"), Ok(Command::Quit));
    }

    #[test]
    fn the_seeded_shuffle_is_repeatable_and_moves_things() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix(7).shuffle(&mut a);
        SplitMix(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
        let mut c: Vec<u32> = (0..50).collect();
        SplitMix(8).shuffle(&mut c);
        assert_ne!(a, c);
    }
}
