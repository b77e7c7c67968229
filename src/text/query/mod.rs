//! The query language shared by `quarry search` and (later) codebook rules.
//!
//! [`parse`] turns text into a [`Query`] tree, analysing words with the one [`Analyzer`], so
//! `teaching` in a query is the stem `teach` exactly as in the index. [`Query::eval`] decides
//! whether one analysed segment matches and returns the evidence (matched word ranges); the
//! tantivy translation lives in `index`. Both follow the semantics written in README.md, and a
//! test checks they agree on every segment. Sans-IO: field filters are resolved by the caller.

use crate::error::QueryError;
use crate::text::analyzer::{Analyzer, Token, MAX_NEAR};
use crate::text::model::{Platform, PostMeta};
use std::collections::HashSet;

mod parse;
#[cfg(test)]
mod tests;

pub use parse::{alternatives, parse, parse_rule, phrase_stems, MAX_NESTING};

/// Default distance of a bare `NEAR`.
pub const DEFAULT_NEAR: u32 = 10;

/// A field filter as written (`speaker:`, `role:`, `doc:`, `attr.NAME:`). Values compare
/// case-insensitively; a value ending in `*` matches by prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldFilter {
    /// `speaker:NAME`
    Speaker(String),
    /// `role:interviewer|participant|none`
    Role(String),
    /// `doc:NAME`
    Doc(String),
    /// `author:NAME` (a post's author, with or without `@` / `u/`)
    Author(String),
    /// `attr.NAME:VALUE`
    Attr {
        /// Attribute name.
        name: String,
        /// Attribute value.
        value: String,
    },
}

/// What a field filter stands for in this project: the documents and speakers it selects. A
/// segment passes when its document or its speaker is in the sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Document ids.
    pub documents: HashSet<i64>,
    /// Speaker labels, lowercased.
    pub speakers: HashSet<String>,
    /// Whether segments without a speaker pass (`role:none`).
    pub no_speaker: bool,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A word, matched by stem.
    Term(String),
    /// `exact:word`: the lowercased word, unstemmed.
    Exact(String),
    /// `prefix*`: any lowercased word starting with it.
    Prefix(String),
    /// `"a phrase"`: stems at consecutive positions.
    Phrase(Vec<String>),
    /// `a NEAR/n b`: an occurrence of each side, at most `n` positions apart, either order.
    /// A side is a word, `exact:` word, prefix, phrase or an OR of those; the distance runs
    /// from the end of the first occurrence to the start of the second.
    Near(Box<Query>, Box<Query>, u32),
    /// `a BEFORE/n b`: `a`, then `b` starting at most `n` positions after `a` ends.
    Before(Box<Query>, Box<Query>, u32),
    /// `@code.id` in a codebook rule, until the codebook replaces it with that code's rules.
    Ref(String),
    /// A codebook code's rules with its masks: words inside an occurrence of a masked phrase
    /// (given as stems) never count as evidence.
    Masked(Box<Query>, Vec<Vec<String>>),
    /// A field filter and, once resolved, what it selects.
    Field(FieldFilter, Resolved),
    /// A condition on a post's metadata (never true of a transcript turn).
    Post(PostFilter),
    /// All must match.
    And(Vec<Query>),
    /// Any may match.
    Or(Vec<Query>),
    /// Must not match.
    Not(Box<Query>),
}

/// `hashtag:`, `platform:`, `is:` and `date:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostFilter {
    /// `hashtag:meded` (lowercased, without `#`).
    Hashtag(String),
    /// `platform:x`.
    Platform(String),
    /// `is:post|original|repost|reply|quote|duplicate`.
    Is(String),
    /// `date:[2022-01-01 TO 2022-06-30]`, `date:2022-03`: seconds, both ends included.
    Date {
        /// First second.
        from: i64,
        /// Last second.
        to: i64,
    },
}

impl PostFilter {
    /// The term of the index's `tags` field it looks up (not for `Date`).
    pub fn tag(&self) -> String {
        match self {
            PostFilter::Hashtag(h) => format!("#{h}"),
            PostFilter::Platform(p) => format!("platform:{p}"),
            PostFilter::Is(k) => format!("is:{k}"),
            PostFilter::Date { .. } => String::new(),
        }
    }

    fn holds(&self, p: &PostMeta) -> bool {
        match self {
            PostFilter::Date { from, to } => p.created.is_some_and(|t| (*from..=*to).contains(&t)),
            f => {
                let tag = f.tag();
                crate::text::model::post_tags(p).contains(&tag)
            }
        }
    }
}

/// The segment a query is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Its document id.
    pub document: i64,
    /// Its speaker, lowercased.
    pub speaker: Option<&'a str>,
    /// Its analysed words.
    pub tokens: &'a [Token],
    /// Its post data, if it is a post.
    pub post: Option<&'a PostMeta>,
}

/// Where each stem occurs among a segment's tokens (token indexes, in order): built once
/// when many queries are tried on one segment, so a word is looked up instead of searched.
pub type StemIndex<'a> = rustc_hash::FxHashMap<&'a str, Vec<usize>>;

/// The [`StemIndex`] of some tokens.
pub fn stem_index(tokens: &[Token]) -> StemIndex<'_> {
    let mut m = StemIndex::default();
    for (i, t) in tokens.iter().enumerate() {
        m.entry(t.stem.as_str()).or_default().push(i);
    }
    m
}

/// The indexes of the tokens with stem `s`: looked up when there is an index, else searched.
fn with_stem<'t>(
    toks: &[Token],
    stems: Option<&'t StemIndex<'_>>,
    s: &str,
) -> std::borrow::Cow<'t, [usize]> {
    match stems {
        Some(m) => std::borrow::Cow::Borrowed(m.get(s).map_or(&[][..], Vec::as_slice)),
        None => std::borrow::Cow::Owned(idx(toks, |k| k.stem == s).collect()),
    }
}

impl Query {
    /// The terms of a rule: the parts that find evidence words (a word, an `exact:` word, a
    /// prefix, a phrase, a NEAR or BEFORE pair), in the order written. Parts under NOT find
    /// none and are left out; masks and `@code` references are looked through.
    pub fn terms(&self) -> Vec<&Query> {
        let mut out = Vec::new();
        self.collect_terms(&mut out);
        out
    }

    fn collect_terms<'a>(&'a self, out: &mut Vec<&'a Query>) {
        match self {
            Query::Term(_)
            | Query::Exact(_)
            | Query::Prefix(_)
            | Query::Phrase(_)
            | Query::Near(..)
            | Query::Before(..) => out.push(self),
            Query::Masked(q, _) => q.collect_terms(out),
            Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| q.collect_terms(out)),
            Query::Not(_) | Query::Ref(_) | Query::Field(..) | Query::Post(_) => {}
        }
    }

    /// A term as a person reads it in a report, by its stems: `fear*`, `"visual abstract"`,
    /// `risk NEAR/3 new`, `exact:kind`. Empty for a query that is not a term.
    pub fn term_text(&self) -> String {
        match self {
            Query::Term(s) => s.clone(),
            Query::Exact(w) => format!("exact:{w}"),
            Query::Prefix(p) => format!("{p}*"),
            Query::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
            Query::Near(a, b, n) => format!("{} NEAR/{n} {}", a.side_text(), b.side_text()),
            Query::Before(a, b, n) => {
                format!("{} BEFORE/{n} {}", a.side_text(), b.side_text())
            }
            _ => String::new(),
        }
    }

    /// A side of NEAR or BEFORE as a person reads it: a term, or a bracketed OR of terms.
    fn side_text(&self) -> String {
        match self {
            Query::Or(qs) => format!(
                "({})",
                qs.iter()
                    .map(Query::side_text)
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            q => q.term_text(),
        }
    }

    /// The stems of its plain words (not phrases, prefixes or `exact:` words), also inside
    /// OR-groups and on either side of NEAR and BEFORE; not under NOT. In the order written,
    /// without repeats.
    pub fn word_stems(&self) -> Vec<&str> {
        fn walk<'a>(q: &'a Query, out: &mut Vec<&'a str>) {
            match q {
                Query::Term(s) if !out.contains(&s.as_str()) => out.push(s),
                Query::Near(a, b, _) | Query::Before(a, b, _) => {
                    walk(a, out);
                    walk(b, out);
                }
                Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| walk(q, out)),
                Query::Masked(q, _) => walk(q, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// The prefixes it looks for (`trust*` gives `trust`), not under NOT.
    pub fn prefixes(&self) -> Vec<&str> {
        match self {
            Query::Prefix(p) => vec![p.as_str()],
            Query::Near(a, b, _) | Query::Before(a, b, _) => {
                let mut v = a.prefixes();
                v.extend(b.prefixes());
                v
            }
            Query::And(qs) | Query::Or(qs) => qs.iter().flat_map(Query::prefixes).collect(),
            Query::Masked(q, _) => q.prefixes(),
            _ => Vec::new(),
        }
    }

    /// Whether what it matches depends on word positions (a phrase, NEAR, BEFORE or a mask),
    /// and so on how the analyzer places words around punctuation.
    pub fn uses_positions(&self) -> bool {
        match self {
            Query::Phrase(_) | Query::Near(..) | Query::Before(..) | Query::Masked(..) => true,
            Query::And(qs) | Query::Or(qs) => qs.iter().any(Query::uses_positions),
            Query::Not(q) => q.uses_positions(),
            _ => false,
        }
    }

    /// The stems of a side of NEAR made only of words (`trust`, `(twitter OR tweets)`),
    /// which the index can pair up exactly; None for a side with a prefix, an `exact:` word or
    /// a phrase.
    pub(crate) fn word_set(&self) -> Option<Vec<&str>> {
        match self {
            Query::Term(s) => Some(vec![s.as_str()]),
            Query::Or(qs) => {
                let mut out = Vec::new();
                for q in qs {
                    out.extend(q.word_set()?);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Where a side of NEAR or BEFORE occurs among the tokens: the first and last position
    /// and the first and last token of each occurrence.
    fn occurrences(
        &self,
        toks: &[Token],
        stems: Option<&StemIndex<'_>>,
        out: &mut Vec<Occurrence>,
    ) {
        let one = |i: usize| Occurrence {
            first: toks[i].position,
            last: toks[i].position,
            from: i,
            to: i,
        };
        match self {
            Query::Term(s) => out.extend(with_stem(toks, stems, s).iter().map(|&i| one(i))),
            Query::Exact(w) => out.extend(idx(toks, |k| k.lower == *w).map(one)),
            Query::Prefix(p) => out.extend(idx(toks, |k| k.lower.starts_with(p.as_str())).map(one)),
            Query::Phrase(words) => phrase_starts(toks, stems, words, |i| {
                let to = i + words.len() - 1;
                out.push(Occurrence {
                    first: toks[i].position,
                    last: toks[to].position,
                    from: i,
                    to,
                })
            }),
            Query::Or(qs) => qs.iter().for_each(|q| q.occurrences(toks, stems, out)),
            // The parser builds no other side.
            _ => {}
        }
    }

    /// Whether the query matches; with the indexes (into `tokens`) of the words that are evidence.
    pub fn eval(&self, t: &Target<'_>) -> Option<Vec<usize>> {
        self.eval_with(t, None)
    }

    /// [`Query::eval`] with the segment's [`StemIndex`] (the same result, faster when the
    /// index serves many queries).
    pub fn eval_with(&self, t: &Target<'_>, stems: Option<&StemIndex<'_>>) -> Option<Vec<usize>> {
        let mut ev = Vec::new();
        if self.eval_into(t, stems, &mut ev) {
            ev.sort_unstable();
            ev.dedup();
            Some(ev)
        } else {
            None
        }
    }

    fn eval_into(
        &self,
        t: &Target<'_>,
        stems: Option<&StemIndex<'_>>,
        ev: &mut Vec<usize>,
    ) -> bool {
        let toks = t.tokens;
        let before = ev.len();
        match self {
            Query::Term(s) => ev.extend_from_slice(&with_stem(toks, stems, s)),
            Query::Exact(w) => ev.extend(idx(toks, |k| k.lower == *w)),
            Query::Prefix(p) => ev.extend(idx(toks, |k| k.lower.starts_with(p.as_str()))),
            Query::Phrase(words) => {
                phrase_starts(toks, stems, words, |i| ev.extend(i..i + words.len()));
            }
            Query::Near(a, b, n) | Query::Before(a, b, n) => {
                let ordered = matches!(self, Query::Before(..));
                let (mut oa, mut ob) = (Vec::new(), Vec::new());
                a.occurrences(toks, stems, &mut oa);
                if oa.is_empty() {
                    return false;
                }
                b.occurrences(toks, stems, &mut ob);
                for x in &oa {
                    for y in &ob {
                        // Words between the end of the one and the start of the other,
                        // plus one; occurrences that overlap are not two.
                        let apart = if y.first > x.last {
                            y.first - x.last
                        } else if x.first > y.last && !ordered {
                            x.first - y.last
                        } else {
                            continue;
                        };
                        if apart <= *n {
                            ev.extend(x.from..=x.to);
                            ev.extend(y.from..=y.to);
                        }
                    }
                }
            }
            Query::Ref(_) => return false,
            Query::Masked(inner, masks) => {
                let masked = masked_tokens(toks, masks);
                if !masked.contains(&true) {
                    return inner.eval_into(t, stems, ev);
                }
                // Evaluate on the words left (positions kept, so a phrase cannot span a
                // masked word), then map the evidence back.
                let kept: Vec<usize> = (0..toks.len()).filter(|&i| !masked[i]).collect();
                let sub: Vec<Token> = kept.iter().map(|&i| toks[i].clone()).collect();
                let mut inner_ev = Vec::new();
                let target = Target { tokens: &sub, ..*t };
                // The index counts the masked words: not valid for the words left.
                let hit = inner.eval_into(&target, None, &mut inner_ev);
                ev.extend(inner_ev.into_iter().map(|i| kept[i]));
                return hit;
            }
            Query::Post(f) => return t.post.is_some_and(|p| f.holds(p)),
            Query::Field(_, r) => {
                let by_speaker = match t.speaker {
                    Some(s) => r.speakers.contains(s),
                    None => r.no_speaker,
                };
                return by_speaker || r.documents.contains(&t.document);
            }
            Query::And(qs) => {
                for q in qs {
                    if !q.eval_into(t, stems, ev) {
                        ev.truncate(before);
                        return false;
                    }
                }
                return true;
            }
            Query::Or(qs) => {
                let mut any = false;
                for q in qs {
                    any |= q.eval_into(t, stems, ev);
                }
                return any;
            }
            Query::Not(q) => {
                let mut scratch = Vec::new();
                return !q.eval_into(t, stems, &mut scratch);
            }
        }
        ev.len() > before
    }

    /// Replaces each field filter's selection with what `resolve` says it selects.
    pub fn resolve_fields(&mut self, resolve: &mut dyn FnMut(&FieldFilter) -> Resolved) {
        match self {
            Query::Field(f, r) => *r = resolve(f),
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    q.resolve_fields(resolve)
                }
            }
            Query::Not(q) | Query::Masked(q, _) => q.resolve_fields(resolve),
            _ => {}
        }
    }

    /// Replaces each `@code` reference with what `resolve` gives (left as it is on None).
    pub fn resolve_refs(&mut self, resolve: &mut dyn FnMut(&str) -> Option<Query>) {
        match self {
            Query::Ref(id) => {
                if let Some(q) = resolve(id) {
                    *self = q;
                }
            }
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    q.resolve_refs(resolve)
                }
            }
            Query::Not(q) | Query::Masked(q, _) => q.resolve_refs(resolve),
            _ => {}
        }
    }

    /// How many nodes the query has (a measure of the work evaluating it takes).
    pub fn size(&self) -> usize {
        1 + match self {
            Query::And(qs) | Query::Or(qs) => qs.iter().map(Query::size).sum(),
            Query::Not(q) | Query::Masked(q, _) => q.size(),
            _ => 0,
        }
    }

    /// How deep the query nests (1 for a word).
    pub fn depth(&self) -> usize {
        1 + match self {
            Query::And(qs) | Query::Or(qs) => qs.iter().map(Query::depth).max().unwrap_or(0),
            Query::Not(q) | Query::Masked(q, _) => q.depth(),
            _ => 0,
        }
    }

    /// The first `@code` reference left unresolved, if any.
    pub fn unresolved_ref(&self) -> Option<&str> {
        match self {
            Query::Ref(id) => Some(id),
            Query::And(qs) | Query::Or(qs) => qs.iter().find_map(Query::unresolved_ref),
            Query::Not(q) | Query::Masked(q, _) => q.unresolved_ref(),
            _ => None,
        }
    }

    /// Whether the index alone cannot decide it exactly, so its candidates must be checked
    /// with [`Query::eval`] (`BEFORE`: the index's phrase slop lets the words swap places;
    /// NEAR with a side that is not only words, or with many pairs of words: the index finds
    /// the segments that hold both sides).
    pub fn needs_check(&self) -> bool {
        match self {
            Query::Before(..) | Query::Masked(..) => true,
            Query::Near(a, b, _) => !exact_near(a, b),
            Query::And(qs) | Query::Or(qs) => qs.iter().any(Query::needs_check),
            Query::Not(q) => q.needs_check(),
            _ => false,
        }
    }

    /// Whether the query has any word condition (a pure field filter has none).
    pub fn has_words(&self) -> bool {
        match self {
            Query::Field(..) | Query::Post(_) | Query::Ref(_) => false,
            Query::And(qs) | Query::Or(qs) => qs.iter().any(Query::has_words),
            Query::Not(q) => q.has_words(),
            _ => true,
        }
    }
}

/// One occurrence of a side of NEAR or BEFORE.
struct Occurrence {
    /// Position of its first word.
    first: u32,
    /// Position of its last word.
    last: u32,
    /// Index of its first token.
    from: usize,
    /// Index of its last token.
    to: usize,
}

/// The most pairs of words a NEAR between two OR-groups of words is translated to for the
/// index; above it the index finds the segments holding both sides and search checks them.
pub(crate) const MAX_NEAR_PAIRS: usize = 64;

/// Whether the index decides `a NEAR b` exactly: both sides are words (or ORs of words),
/// no word is on both sides (tantivy's phrase slop would pair a word with itself) and they
/// make at most [`MAX_NEAR_PAIRS`] pairs.
pub(crate) fn exact_near(a: &Query, b: &Query) -> bool {
    match (a.word_set(), b.word_set()) {
        (Some(x), Some(y)) => {
            x.len() * y.len() <= MAX_NEAR_PAIRS && !x.iter().any(|w| y.contains(w))
        }
        _ => false,
    }
}

/// Calls `f` with each token index where the phrase `words` (stems at consecutive
/// positions) starts.
fn phrase_starts(
    toks: &[Token],
    stems: Option<&StemIndex<'_>>,
    words: &[String],
    mut f: impl FnMut(usize),
) {
    let Some(first) = words.first() else { return };
    for &i in with_stem(toks, stems, first).iter() {
        let hit = words.iter().enumerate().skip(1).all(|(j, s)| {
            toks.get(i + j)
                .is_some_and(|k| k.stem == *s && k.position == toks[i].position + j as u32)
        });
        if hit {
            f(i)
        }
    }
}

/// Which tokens lie inside an occurrence of one of `masks` (phrases as stem sequences).
pub fn masked_tokens(toks: &[Token], masks: &[Vec<String>]) -> Vec<bool> {
    masked_tokens_with(toks, masks, None)
}

/// [`masked_tokens`] with the tokens' [`StemIndex`]: only where a mask's first stem occurs is
/// the rest of it compared (the same result, faster with many masks).
pub fn masked_tokens_with(
    toks: &[Token],
    masks: &[Vec<String>],
    stems: Option<&StemIndex<'_>>,
) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    for m in masks.iter().filter(|m| !m.is_empty()) {
        for &i in with_stem(toks, stems, &m[0]).iter() {
            let hit = m.iter().enumerate().all(|(j, s)| {
                toks.get(i + j)
                    .is_some_and(|k| k.stem == *s && k.position == toks[i].position + j as u32)
            });
            if hit {
                out[i..i + m.len()].iter_mut().for_each(|x| *x = true);
            }
        }
    }
    out
}

fn idx<'a>(toks: &'a [Token], f: impl Fn(&Token) -> bool + 'a) -> impl Iterator<Item = usize> + 'a {
    toks.iter()
        .enumerate()
        .filter(move |(_, k)| f(k))
        .map(|(i, _)| i)
}
