//! Propose: the terms a codebook's rules miss, learned from what people confirmed.
//!
//! For each code, the segments people confirmed for it (accepted suggestions, changes to it,
//! and codes given to segments no rule reached in `review --unsuggested`) are compared with
//! every other segment anyone decided on in the codebook. Words (stems) and two-word phrases
//! that occur in at least `min_confirmed` confirmed segments are candidates; a candidate the
//! code's rules already match on its own is left out. Each is scored by how often a segment
//! holding it was confirmed for the code among the decided segments holding it (precision
//! so far, with its Wilson interval); the best `per_code` by the bottom of that interval are
//! proposed, each with its counts, its segments in the corpus and an example quote.
//!
//! The proposals become a new version of the codebook: each term a new rule of its code,
//! with a comment giving its evidence. Nothing is stored and the original is never written.

use crate::codebook;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::learn::features::is_function_word;
use crate::review::quality::{self, NO_CODE};
use crate::review::{stats, tune};
use crate::text::analyzer::{Analyzer, AnalyzerConfig, Token};
use crate::text::query::Target;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use toml_edit::{DocumentMut, Item, Value};

/// What `propose` should do.
#[derive(Debug, Clone)]
pub struct ProposeConfig {
    /// Terms proposed per code, at most.
    pub per_code: usize,
    /// Confirmed segments a term must be in.
    pub min_confirmed: usize,
    /// The lowest precision so far a proposed term may have.
    pub min_precision: f64,
    /// Only this coder's decisions (None: everyone's).
    pub coder: Option<String>,
}

impl Default for ProposeConfig {
    fn default() -> Self {
        ProposeConfig {
            per_code: 5,
            min_confirmed: 3,
            min_precision: 0.5,
            coder: None,
        }
    }
}

/// One proposed term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// Code id.
    pub code: String,
    /// The rule it becomes: a word, or a quoted two-word phrase.
    pub rule: String,
    /// Segments confirmed for the code that hold it.
    pub confirmed: usize,
    /// Of those, segments no rule of the code had suggested (found by a person).
    pub unsuggested: usize,
    /// Decided segments (any code of the codebook) that hold it.
    pub decided: usize,
    /// `confirmed / decided`.
    pub precision: f64,
    /// Its 95% Wilson interval.
    pub interval: (f64, f64),
    /// Segments of the whole project that hold it.
    pub corpus: usize,
    /// A confirmed segment holding it, and its text.
    pub segment: i64,
    /// The example quote.
    pub example: String,
}

/// A codebook with proposed terms added, not yet written anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    /// The codebook's id.
    pub codebook: String,
    /// Where its text came from.
    pub origin: String,
    /// The new version.
    pub version: String,
    /// The proposals, by code, best first.
    pub proposals: Vec<Proposal>,
    /// The new TOML.
    #[serde(skip)]
    pub text: String,
    /// A unified diff from the original to it.
    #[serde(skip)]
    pub diff: String,
}

impl Proposed {
    /// Writes the new version to `path` (never over the original; an existing file only
    /// with `replace`).
    pub fn write(&self, path: &Path, replace: bool) -> Result<()> {
        tune::write_version(&self.origin, &self.text, path, replace, "propose")
    }
}

/// A candidate term: one stem, or two stems in a row.
pub(crate) type Key = (String, Option<String>);

/// Proposes terms for the codes of `codebook` (its id in the project, a built-in name or a
/// TOML file) from the decisions on it.
pub fn propose(project: &Project, codebook: &str, cfg: &ProposeConfig) -> Result<Proposed> {
    let named = Path::new(codebook).is_file().then(|| codebook.to_string());
    let id = match &named {
        Some(f) => codebook::load(f)?.id,
        None => codebook.to_string(),
    };
    let (_, origin, original, book) = tune::last_run_source(project, codebook, named, &id)?;
    let store = project.store();
    let suggested: BTreeSet<(i64, String)> = store
        .codebook_suggestions(&id, true)?
        .into_iter()
        .map(|s| (s.segment, s.code))
        .collect();
    let mut analyzer = analyzer_for(project, &book)?;
    let g = gather(project, &id, cfg.coder.as_deref(), &mut analyzer)?;
    let Gathered {
        confirmed,
        terms_of,
        texts,
        surface,
        ..
    } = &g;
    let holders = g.holders();
    let mut index = project.index_as_is()?;
    let mut proposals = Vec::new();
    for (code, segs) in confirmed {
        let Some(c) = book.code(code) else { continue };
        let mut counts: BTreeMap<&Key, usize> = BTreeMap::new();
        for s in segs {
            for k in terms_of.get(s).into_iter().flatten() {
                *counts.entry(k).or_default() += 1;
            }
        }
        let mut scored = Vec::new();
        for (key, n) in counts {
            if n < cfg.min_confirmed || covered(c, key, &mut analyzer, surface) {
                continue;
            }
            let holding = holders.get(key).cloned().unwrap_or_default();
            let d = holding.len();
            let precision = n as f64 / d as f64;
            if precision < cfg.min_precision {
                continue;
            }
            let interval = stats::wilson(n as u64, d as u64).unwrap_or((0.0, 1.0));
            scored.push((key, n, d, precision, interval, holding));
        }
        scored.sort_by(|a, b| {
            b.4 .0
                .total_cmp(&a.4 .0)
                .then(b.1.cmp(&a.1))
                .then(a.0.cmp(b.0))
        });
        for (key, n, d, precision, interval, holding) in scored.into_iter().take(cfg.per_code) {
            let rule = rule_text(key, surface.get(key).map_or(&key.0, |w| w));
            let corpus = match &key.1 {
                None => index.doc_freq(&key.0)? as usize,
                Some(_) => crate::project::search::count(project, &mut index, &rule, None)?,
            };
            let example = holding
                .iter()
                .find(|s| segs.contains(s))
                .copied()
                .unwrap_or_default();
            let unsuggested = holding
                .iter()
                .filter(|s| segs.contains(s) && !suggested.contains(&(**s, code.clone())))
                .count();
            proposals.push(Proposal {
                code: code.clone(),
                rule,
                confirmed: n,
                unsuggested,
                decided: d,
                precision,
                interval,
                corpus,
                segment: example,
                example: crate::text::safe::cut_middle(
                    texts.get(&example).map_or("", String::as_str),
                    160,
                    110,
                ),
            });
        }
    }
    edit(&original, &origin, id, proposals)
}

/// The analyzer for a codebook's language, otherwise the project's.
fn analyzer_for(project: &Project, book: &codebook::Codebook) -> Result<Analyzer> {
    Analyzer::new(&AnalyzerConfig {
        language: book.language.clone(),
        ..project.analyzer().clone()
    })
    .map_err(Error::Other)
}

/// What the decisions on a codebook say, term by term.
struct Gathered {
    /// Segments decided in the codebook, in id order.
    ids: Vec<i64>,
    /// Per code, the segments confirmed for it.
    confirmed: BTreeMap<String, BTreeSet<i64>>,
    /// Each decided segment's candidate terms.
    terms_of: HashMap<i64, BTreeSet<Key>>,
    /// Each decided segment's text.
    texts: HashMap<i64, String>,
    /// Each term as first written.
    surface: HashMap<Key, String>,
}

/// Reads the decisions on codebook `id` (of `coder`, or everyone's) and their segments.
fn gather(
    project: &Project,
    id: &str,
    coder: Option<&str>,
    analyzer: &mut Analyzer,
) -> Result<Gathered> {
    let store = project.store();
    let decisions = store.decisions(coder)?;
    let mut decided: BTreeSet<i64> = decisions
        .iter()
        .filter(|d| d.codebook == id)
        .map(|d| d.segment)
        .collect();
    let mut confirmed: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    for ((_, seg, code), yes) in quality::verdicts(&decisions, id) {
        decided.insert(seg);
        if yes && code != NO_CODE {
            confirmed.entry(code).or_default().insert(seg);
        }
    }
    let ids: Vec<i64> = decided.iter().copied().collect();
    let mut terms_of = HashMap::new();
    let mut texts = HashMap::new();
    let mut surface = HashMap::new();
    for chunk in ids.chunks(10_000) {
        for seg in store.segments(chunk)? {
            let found = candidates(&analyzer.analyze(&seg.text));
            let keys = found.keys().cloned().collect();
            for (k, w) in found {
                surface.entry(k).or_insert(w);
            }
            terms_of.insert(seg.id, keys);
            texts.insert(seg.id, seg.text);
        }
    }
    Ok(Gathered {
        ids,
        confirmed,
        terms_of,
        texts,
        surface,
    })
}

impl Gathered {
    /// Each term's decided segments, in id order.
    fn holders(&self) -> HashMap<&Key, Vec<i64>> {
        let mut out: HashMap<&Key, Vec<i64>> = HashMap::new();
        for s in &self.ids {
            for k in self.terms_of.get(s).into_iter().flatten() {
                out.entry(k).or_default().push(*s);
            }
        }
        out
    }
}

/// The `n` segments of `open` (id, text) most like those people confirmed for a code of
/// `codebook`, most alike first. A term in at least two of a code's confirmed segments, with
/// a precision so far of at least one half, weighs the bottom of its Wilson interval; a
/// segment's resemblance to a code is the sum of the weights of the terms it holds, and its
/// resemblance the highest over codes. Segments like none are not returned.
pub fn resemblance(
    project: &Project,
    codebook: &codebook::Codebook,
    open: &[(i64, &str)],
    n: usize,
) -> Result<Vec<i64>> {
    let mut analyzer = analyzer_for(project, codebook)?;
    let g = gather(project, &codebook.id, None, &mut analyzer)?;
    let holders = g.holders();
    let mut weights: Vec<HashMap<&Key, f64>> = Vec::new();
    for segs in g.confirmed.values() {
        let mut counts: HashMap<&Key, usize> = HashMap::new();
        for s in segs {
            for k in g.terms_of.get(s).into_iter().flatten() {
                *counts.entry(k).or_default() += 1;
            }
        }
        let w = counts
            .into_iter()
            .filter_map(|(k, c)| {
                let d = holders.get(k).map_or(0, Vec::len);
                if c < 2 || (c as f64) < 0.5 * d as f64 {
                    return None;
                }
                Some((k, stats::wilson(c as u64, d as u64)?.0))
            })
            .collect();
        weights.push(w);
    }
    let mut scored: Vec<(f64, i64)> = open
        .iter()
        .filter_map(|(id, text)| {
            let terms = candidates(&analyzer.analyze(text));
            let best = weights
                .iter()
                .map(|w| terms.keys().filter_map(|k| w.get(k)).sum::<f64>())
                .fold(0.0, f64::max);
            (best > 0.0).then_some((best, *id))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(scored.into_iter().take(n).map(|(_, id)| id).collect())
}

/// The candidate terms of a segment with the words as written (lowercase): its content
/// words, and each two content words in a row.
pub(crate) fn candidates(tokens: &[Token]) -> BTreeMap<Key, String> {
    let content = |t: &Token| {
        t.lower.chars().count() > 2
            && !is_function_word(&t.lower)
            && !t.lower.chars().all(|c| c.is_ascii_digit())
    };
    let mut out = BTreeMap::new();
    for (i, t) in tokens.iter().enumerate() {
        if !content(t) {
            continue;
        }
        out.entry((t.stem.clone(), None))
            .or_insert_with(|| t.lower.clone());
        if let Some(n) = tokens.get(i + 1).filter(|n| n.position == t.position + 1) {
            if content(n) {
                out.entry((t.stem.clone(), Some(n.stem.clone())))
                    .or_insert_with(|| format!("{} {}", t.lower, n.lower));
            }
        }
    }
    out
}

/// A key as a rule writes it: the word, or the two words quoted as a phrase.
pub(crate) fn rule_text(key: &Key, written: &str) -> String {
    // A word the query language would read as something else (an operator, a field
    // filter such as `a:b`, a prefix) is quoted, as a phrase of one word.
    let plain = written
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '_'))
        && !written.starts_with('-')
        && !["and", "or", "not", "near", "before"]
            .iter()
            .any(|op| written.eq_ignore_ascii_case(op));
    match key.1 {
        None if plain => written.to_string(),
        _ => format!("\"{}\"", written.replace('"', "")),
    }
}

/// Whether the code's rules already match the term on its own (so adding it finds nothing
/// new).
fn covered(
    code: &codebook::Code,
    key: &Key,
    analyzer: &mut Analyzer,
    surface: &HashMap<Key, String>,
) -> bool {
    let tokens = analyzer.analyze(surface.get(key).map_or(&key.0, |w| w));
    let target = Target {
        document: 0,
        speaker: None,
        tokens: &tokens,
        post: None,
    };
    code.rules.iter().any(|r| r.bare.eval(&target).is_some())
}

/// The original text with each proposal added to its code's rules, commented.
fn edit(original: &str, origin: &str, id: String, proposals: Vec<Proposal>) -> Result<Proposed> {
    let mut doc: DocumentMut = original
        .parse()
        .map_err(|e: toml_edit::TomlError| Error::Other(format!("{origin}: {}", e.message())))?;
    for p in &proposals {
        let Some(table) = tune::code_table(&mut doc, &p.code) else {
            continue;
        };
        let note = format!(
            "proposed: {} in {} of {} decided segments coded {} (precision {:.2}, 95% {:.2}-{:.2}; \
             {} found by a person, not a rule); {} segments in the project; e.g. #{} \"{}\"",
            p.rule,
            p.confirmed,
            p.decided,
            p.code,
            p.precision,
            p.interval.0,
            p.interval.1,
            p.unsuggested,
            p.corpus,
            p.segment,
            p.example,
        );
        let rules = match table.get_mut("rules").and_then(Item::as_array_mut) {
            Some(a) => a,
            None => {
                table.insert("rules", toml_edit::value(toml_edit::Array::new()));
                match table.get_mut("rules").and_then(Item::as_array_mut) {
                    Some(a) => a,
                    None => continue,
                }
            }
        };
        let mut v = Value::from(p.rule.as_str());
        v.decor_mut()
            .set_prefix(format!("\n  # {}\n  ", tune::comment_safe(&note)));
        rules.push_formatted(v);
        rules.set_trailing("\n");
        rules.set_trailing_comma(true);
    }
    let version = bump(&mut doc, proposals.len());
    let text = doc.to_string();
    codebook::parse(&text, Path::new("proposed codebook")).map_err(|e| {
        Error::Other(format!(
            "the codebook with proposed terms does not parse ({e}); nothing was written. Please report this."
        ))
    })?;
    let diff = similar::TextDiff::from_lines(original, &text)
        .unified_diff()
        .context_radius(2)
        .header(origin, "proposed")
        .to_string();
    Ok(Proposed {
        codebook: id,
        origin: origin.to_string(),
        version,
        proposals,
        text,
        diff,
    })
}

/// Marks the new version (`1.0` becomes `1.0+proposed.1`, then `+proposed.2`) with a comment
/// above `[codebook]`; returns it.
fn bump(doc: &mut DocumentMut, n: usize) -> String {
    let line = format!(
        "# {n} terms proposed by `quarry codebook propose` on {} from the decisions: review \
         each (its comment gives its evidence), keep or delete it.\n",
        crate::text::time::today()
    );
    tune::new_version(doc, "proposed", &line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::query;

    #[test]
    fn rule_text_is_read_back_as_the_words_it_came_from() {
        let word = |w: &str| ((w.to_string(), None), w.to_string());
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        for w in [
            "mentor", "can’t", "not", "OR", "a:b", "x-ray", "near", "-ish",
        ] {
            let (k, written) = word(w);
            let rule = rule_text(&k, &written);
            let q = query::parse_rule(&rule, &mut a)
                .unwrap_or_else(|e| panic!("{w} as {rule}: {}", e.message));
            let tokens = a.analyze(w);
            let t = crate::text::query::Target {
                document: 0,
                speaker: None,
                tokens: &tokens,
                post: None,
            };
            assert!(q.eval(&t).is_some(), "{w} as {rule} does not match {w}");
        }
        let two = (
            ("car".to_string(), Some("park".to_string())),
            "car park".to_string(),
        );
        assert_eq!(rule_text(&two.0, &two.1), "\"car park\"");
    }
}
