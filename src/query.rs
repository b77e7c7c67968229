//! The query language shared by `quarry search` and (later) codebook rules.
//!
//! [`parse`] turns text into a [`Query`] tree, analysing words with the one [`Analyzer`], so
//! `teaching` in a query is the stem `teach` exactly as in the index. [`Query::eval`] decides
//! whether one analysed segment matches and returns the evidence (matched word ranges); the
//! tantivy translation lives in `index`. Both follow the semantics written in README.md, and a
//! test checks they agree on every segment. Sans-IO: field filters are resolved by the caller.

use crate::analyzer::{Analyzer, Token, MAX_NEAR};
use crate::error::QueryError;
use crate::model::{Platform, PostMeta};
use std::collections::HashSet;

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
                crate::index::post_tags(p).contains(&tag)
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
    let mut out = vec![false; toks.len()];
    for m in masks.iter().filter(|m| !m.is_empty()) {
        for i in 0..toks.len() {
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

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Minus,
    /// NEAR/n (false) or BEFORE/n (true).
    Near(u32, bool),
    /// A bare word (may hold `field:` and a trailing `*`).
    Word(String),
    /// A quoted string; `field` set when written as `field:"..."`.
    Quoted(Option<String>, String),
}

fn err(column: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column,
        message: message.into(),
    }
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((col, Tok::LParen));
            i += 1;
        } else if c == ')' {
            out.push((col, Tok::RParen));
            i += 1;
        } else if c == '"' || c == '“' || c == '”' {
            let (s, next) = quoted(&chars, i)?;
            out.push((col, Tok::Quoted(None, s)));
            i = next;
        } else if chars[i..].starts_with(&['d', 'a', 't', 'e', ':', '[']) {
            // `date:[A TO B]` holds spaces: one word up to its `]`.
            let close = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or_else(|| err(col, "this `date:[` is never closed with `]`"))?;
            out.push((col, Tok::Word(chars[i..=i + close].iter().collect())));
            i += close + 1;
        } else if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            out.push((col, Tok::Minus));
            i += 1;
        } else {
            let start = i;
            let mut word = String::new();
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '"' | '“' | '”')
            {
                word.push(chars[i]);
                i += 1;
            }
            if word.ends_with(':') && i < chars.len() && matches!(chars[i], '"' | '“' | '”') {
                let (s, next) = quoted(&chars, i)?;
                word.pop();
                out.push((col, Tok::Quoted(Some(word), s)));
                i = next;
                continue;
            }
            let tok = match word.as_str() {
                "AND" | "&&" => Tok::And,
                "OR" | "||" => Tok::Or,
                "NOT" => Tok::Not,
                "NEAR" => Tok::Near(DEFAULT_NEAR, false),
                "BEFORE" => Tok::Near(DEFAULT_NEAR, true),
                w if w.starts_with("NEAR/") || w.starts_with("BEFORE/") => {
                    let (op, num) = w.split_once('/').expect("has a slash");
                    let n: u32 = num.parse().map_err(|_| {
                        err(
                            start + 1,
                            format!("`{w}`: {op}/ needs a number of words, as in {op}/5"),
                        )
                    })?;
                    if n == 0 {
                        return Err(err(
                            start + 1,
                            format!("{op}/0 can never match; use {op}/1 or more"),
                        ));
                    }
                    if n > MAX_NEAR {
                        return Err(err(
                            start + 1,
                            format!("{op}/{n}: at most {op}/{MAX_NEAR} (NEAR and BEFORE stay within a sentence)"),
                        ));
                    }
                    Tok::Near(n, op == "BEFORE")
                }
                _ => Tok::Word(word),
            };
            out.push((col, tok));
        }
    }
    Ok(out)
}

/// The top-level alternatives of a query as written: the texts between the ORs that are not
/// inside brackets, trimmed (`a OR (b OR c) d` gives `a` and `(b OR c) d`). Joining them with
/// ` OR ` means what the query means.
pub fn alternatives(input: &str) -> Result<Vec<String>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut depth = 0usize;
    let mut cuts = Vec::new(); // (start, end) of each top-level OR, in chars
    for (col, tok) in lex(input)? {
        match tok {
            Tok::LParen => depth += 1,
            Tok::RParen => depth = depth.saturating_sub(1),
            Tok::Or if depth == 0 => cuts.push((col - 1, col + 1)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut from = 0;
    for (a, b) in cuts.into_iter().chain([(chars.len(), chars.len())]) {
        out.push(chars[from..a].iter().collect::<String>().trim().to_string());
        from = b;
    }
    Ok(out)
}

fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let mut s = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        if matches!(chars[i], '"' | '“' | '”') {
            return Ok((s, i + 1));
        }
        s.push(chars[i]);
        i += 1;
    }
    Err(err(open + 1, "this quote is never closed"))
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end_col: usize,
    analyzer: &'a mut Analyzer,
    /// Parsing a codebook rule: field filters are refused.
    rule: bool,
    /// Brackets and NOTs open around the current position.
    depth: usize,
}

/// The deepest nesting of brackets and NOTs a query may have: deeper ones would exhaust the
/// stack of the recursive parser and evaluator, and no person writes them.
pub const MAX_NESTING: usize = 100;

/// Parses a query, analysing its words with `analyzer`.
pub fn parse(input: &str, analyzer: &mut Analyzer) -> Result<Query, QueryError> {
    parse_with(input, analyzer, false)
}

/// Parses a codebook rule: the query language about words only (no field filters), plus
/// references to other codes (`@tdf.goals`), left as [`Query::Ref`] for the codebook.
pub fn parse_rule(input: &str, analyzer: &mut Analyzer) -> Result<Query, QueryError> {
    parse_with(input, analyzer, true)
}

fn parse_with(input: &str, analyzer: &mut Analyzer, rule: bool) -> Result<Query, QueryError> {
    let toks = lex(input)?;
    let end_col = input.chars().count() + 1;
    if toks.is_empty() {
        return Err(err(1, "the query is empty"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end_col,
        analyzer,
        rule,
        depth: 0,
    };
    let q = p.or()?;
    if let Some((col, t)) = p.toks.get(p.pos) {
        let what = if *t == Tok::RParen {
            "this `)` has no matching `(`".to_string()
        } else {
            format!("unexpected {}", describe(t))
        };
        return Err(err(*col, what));
    }
    Ok(q)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
        Tok::Minus => "`-`".into(),
        Tok::Near(n, false) => format!("NEAR/{n}"),
        Tok::Near(n, true) => format!("BEFORE/{n}"),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Quoted(_, s) => format!("\"{s}\""),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(c, _)| *c)
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    parts.push(self.unary()?);
                }
                None | Some(Tok::Or) | Some(Tok::RParen) => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Query::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                let col = self.col();
                self.pos += 1;
                self.deeper(col)?;
                let q = Query::Not(Box::new(self.unary()?));
                self.depth -= 1;
                Ok(q)
            }
            _ => self.near(),
        }
    }

    /// Enters one more level of brackets or NOTs, refusing more than [`MAX_NESTING`].
    fn deeper(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err(
                col,
                format!("brackets and NOTs are nested more than {MAX_NESTING} deep here"),
            ));
        }
        Ok(())
    }

    fn near(&mut self) -> Result<Query, QueryError> {
        let left_col = self.col();
        let left = self.primary()?;
        if let Some(&Tok::Near(n, ordered)) = self.peek() {
            self.pos += 1;
            let right_col = self.col();
            let right = self.primary()?;
            let a = Box::new(side(left, left_col)?);
            let b = Box::new(side(right, right_col)?);
            if let Some(Tok::Near(..)) = self.peek() {
                return Err(err(
                    self.col(),
                    "NEAR and BEFORE join two terms; combine several with AND",
                ));
            }
            return Ok(if ordered {
                Query::Before(a, b, n)
            } else {
                Query::Near(a, b, n)
            });
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        let col = self.col();
        let Some((_, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(err(col, "the query ends where a word was expected"));
        };
        self.pos += 1;
        match tok {
            Tok::LParen => {
                self.deeper(col)?;
                let q = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(err(col, "this `(` is never closed"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(q)
            }
            Tok::Quoted(None, s) => self.phrase(&s, col),
            Tok::Quoted(Some(field), s) => self.field(&field, &s, col),
            Tok::Word(w) => self.word(&w, col),
            other => Err(err(
                col,
                format!("expected a word, found {}", describe(&other)),
            )),
        }
    }

    fn phrase(&mut self, s: &str, col: usize) -> Result<Query, QueryError> {
        let stems = phrase_stems(self.analyzer, s).map_err(|m| err(col, m))?;
        match stems.len() {
            0 => Err(err(col, "this phrase holds no word")),
            1 => Ok(Query::Term(stems.into_iter().next().expect("one stem"))),
            _ => Ok(Query::Phrase(stems)),
        }
    }

    fn word(&mut self, w: &str, col: usize) -> Result<Query, QueryError> {
        // `@tdf.goals`: a code (in rules always; in a search when it has a dot, so that
        // `@drsmith` still searches the word).
        if let Some(id) = w.strip_prefix('@') {
            if (self.rule || id.contains('.'))
                && !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return Ok(Query::Ref(id.to_lowercase()));
            }
        }
        if let Some((field, value)) = w.split_once(':') {
            if is_field(field) {
                return self.field(field, value, col);
            }
        }
        if let Some(prefix) = w.strip_suffix('*') {
            let words: Vec<_> = crate::analyzer::lower_words(prefix).collect();
            return match words.as_slice() {
                [(_, p)] if p.chars().count() >= 2 => Ok(Query::Prefix(p.to_string())),
                [(_, _)] => Err(err(col, "a prefix needs at least two letters before `*`")),
                _ => Err(err(col, format!("`{w}`: `*` ends a single word"))),
            };
        }
        let stems = phrase_stems(self.analyzer, w).map_err(|m| err(col, m))?;
        match stems.len() {
            0 => Err(err(col, format!("`{w}` holds no word to search for"))),
            1 => Ok(Query::Term(stems.into_iter().next().expect("one stem"))),
            // `e-mail`, `10:30`: several words written together mean the phrase.
            _ => Ok(Query::Phrase(stems)),
        }
    }

    fn field(&mut self, field: &str, value: &str, col: usize) -> Result<Query, QueryError> {
        let value = value.trim();
        if self.rule && field != "exact" {
            return Err(err(
                col,
                format!("`{field}:`: rules cannot filter by speaker, document or post; they are about words (the scope says whose turns they read)"),
            ));
        }
        if value.is_empty() {
            return Err(err(col, format!("`{field}:` needs a value")));
        }
        let lower = value.to_lowercase();
        let filter = match field {
            "exact" => {
                let words: Vec<_> = crate::analyzer::lower_words(value).collect();
                return match words.as_slice() {
                    [(_, w)] => Ok(Query::Exact(w.to_string())),
                    _ => Err(err(col, "`exact:` takes one word")),
                };
            }
            "speaker" => FieldFilter::Speaker(lower),
            "doc" => FieldFilter::Doc(lower),
            "author" => FieldFilter::Author(lower),
            "hashtag" | "tag" => {
                let tag = lower.trim_start_matches('#');
                if tag.is_empty() {
                    return Err(err(col, "`hashtag:` needs a tag, as in hashtag:meded"));
                }
                return Ok(Query::Post(PostFilter::Hashtag(tag.to_string())));
            }
            "platform" => {
                let Some(p) = Platform::parse(&lower) else {
                    return Err(err(
                        col,
                        format!("platform:{value}: expected x, mastodon, reddit or other"),
                    ));
                };
                return Ok(Query::Post(PostFilter::Platform(p.as_str().to_string())));
            }
            "is" => {
                if !matches!(
                    lower.as_str(),
                    "post" | "original" | "repost" | "reply" | "quote" | "duplicate"
                ) {
                    return Err(err(
                        col,
                        format!("is:{value}: expected is:original, is:repost, is:reply, is:quote, is:duplicate or is:post"),
                    ));
                }
                return Ok(Query::Post(PostFilter::Is(lower)));
            }
            "date" => {
                let (from, to) = date_range(value).map_err(|m| err(col, m))?;
                return Ok(Query::Post(PostFilter::Date { from, to }));
            }
            "role" => {
                if !matches!(lower.as_str(), "interviewer" | "participant" | "none") {
                    return Err(err(
                        col,
                        format!("role:{value}: expected role:interviewer, role:participant or role:none"),
                    ));
                }
                FieldFilter::Role(lower)
            }
            f => match f.strip_prefix("attr.") {
                Some(name) if !name.is_empty() => FieldFilter::Attr {
                    name: name.to_lowercase(),
                    value: lower,
                },
                _ => return Err(err(col, format!("unknown field `{f}:`"))),
            },
        };
        Ok(Query::Field(filter, Resolved::default()))
    }
}

fn is_field(f: &str) -> bool {
    matches!(
        f,
        "speaker"
            | "role"
            | "doc"
            | "exact"
            | "author"
            | "hashtag"
            | "tag"
            | "platform"
            | "is"
            | "date"
    ) || f.starts_with("attr.")
}

/// `[A TO B]` (either end `*`), or one day, month or year: the seconds it spans, inclusive.
fn date_range(v: &str) -> Result<(i64, i64), String> {
    let bad = || {
        format!(
            "date:{v}: expected a date (2022-03-01), a month (2022-03), a year (2022) or a range [2022-01-01 TO 2022-06-30]"
        )
    };
    if let Some(inner) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let (a, b) = inner.split_once(" TO ").ok_or_else(bad)?;
        let from = match a.trim() {
            "*" => i64::MIN,
            a => span(a).ok_or_else(bad)?.0,
        };
        let to = match b.trim() {
            "*" => i64::MAX,
            b => span(b).ok_or_else(bad)?.1,
        };
        if from > to {
            return Err(format!("date:{v}: the range ends before it starts"));
        }
        return Ok((from, to));
    }
    span(v).ok_or_else(bad)
}

/// The first and last second of a year, month, day or exact time.
fn span(v: &str) -> Option<(i64, i64)> {
    use crate::ingest::posts::parse_time;
    let parts: Vec<&str> = v.split('-').collect();
    let all_digits = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] if y.len() == 4 && all_digits(y) => {
            let y: i64 = y.parse().ok()?;
            Some((
                parse_time(&format!("{y}-01-01"))?,
                parse_time(&format!("{}-01-01", y + 1))? - 1,
            ))
        }
        [y, m] if y.len() == 4 && all_digits(y) && all_digits(m) => {
            let (y, m): (i64, u32) = (y.parse().ok()?, m.parse().ok()?);
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some((
                parse_time(&format!("{y}-{m:02}-01"))?,
                parse_time(&format!("{ny}-{nm:02}-01"))? - 1,
            ))
        }
        _ if v.len() == 10 => {
            let start = parse_time(v)?;
            Some((start, start + 86_399))
        }
        _ => parse_time(v).map(|t| (t, t)),
    }
}

/// A side of NEAR or BEFORE: a word, `exact:` word, prefix, phrase, or a bracketed OR of
/// those; anything else is refused at `col`, where it starts.
fn side(q: Query, col: usize) -> Result<Query, QueryError> {
    fn what(q: &Query) -> Option<&'static str> {
        match q {
            Query::Term(_) | Query::Exact(_) | Query::Prefix(_) | Query::Phrase(_) => None,
            Query::Or(qs) => qs.iter().find_map(what),
            Query::And(_) => Some("terms joined by AND (write two NEARs and AND them)"),
            Query::Not(_) => Some("a NOT"),
            Query::Near(..) | Query::Before(..) => Some("another NEAR or BEFORE"),
            Query::Ref(_) | Query::Masked(..) => Some("a code reference"),
            Query::Field(..) | Query::Post(_) => Some("a field filter"),
        }
    }
    match what(&q) {
        None => Ok(q),
        Some(w) => Err(err(
            col,
            format!("NEAR and BEFORE join words, prefixes, exact: words, phrases or bracketed OR-groups of them, not {w}"),
        )),
    }
}

/// The stems of a phrase, refused when its words are not consecutive: punctuation between
/// them that no phrase matches across (see `analyzer`).
pub fn phrase_stems(analyzer: &mut Analyzer, text: &str) -> Result<Vec<String>, String> {
    let toks = analyzer.analyze(text);
    if toks.windows(2).any(|w| w[1].position != w[0].position + 1) {
        return Err(format!(
            "`{text}`: a phrase never matches across a comma, colon, semicolon, dash, bracket or sentence end; drop the punctuation, or join the parts with NEAR"
        ));
    }
    Ok(toks.into_iter().map(|t| t.stem).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::AnalyzerConfig;

    fn p(s: &str) -> Result<Query, QueryError> {
        parse(s, &mut Analyzer::new(&AnalyzerConfig::default()).unwrap())
    }
    fn t(s: &str) -> Query {
        Query::Term(s.into())
    }

    #[test]
    fn terms_are_the_parts_that_find_words_in_written_order() {
        let q = p("teaching OR \"visual abstract\" OR (risk NEAR/3 new -kind) OR exact:kind OR infograph*")
            .unwrap();
        let terms: Vec<String> = q.terms().iter().map(|t| t.term_text()).collect();
        assert_eq!(
            terms,
            [
                "teach",
                "\"visual abstract\"",
                "risk NEAR/3 new",
                "exact:kind",
                "infograph*"
            ]
        );
        // Masks are looked through; filters and NOT have no terms.
        let masked = Query::Masked(Box::new(q.clone()), vec![vec!["kind".into()]]);
        assert_eq!(masked.terms().len(), 5);
        assert!(p("-kind").unwrap().terms().is_empty());
        assert_eq!(p("hashtag:meded trust").unwrap().terms().len(), 1);
    }

    #[test]
    fn words_are_stemmed_and_anded() {
        assert_eq!(
            p("teaching Tools").unwrap(),
            Query::And(vec![t("teach"), t("tool")])
        );
        assert_eq!(
            p("teaching AND tools").unwrap(),
            Query::And(vec![t("teach"), t("tool")])
        );
    }

    #[test]
    fn precedence_or_below_and_not_binds_tight() {
        let q = p("a1 OR b1 c1 -d1").unwrap();
        assert_eq!(
            q,
            Query::Or(vec![
                t("a1"),
                Query::And(vec![t("b1"), t("c1"), Query::Not(Box::new(t("d1")))])
            ])
        );
        assert_eq!(
            p("(x1 OR y1) z1").unwrap(),
            Query::And(vec![Query::Or(vec![t("x1"), t("y1")]), t("z1")])
        );
    }

    #[test]
    fn phrases_prefixes_near_and_fields() {
        assert_eq!(
            p("\"social media\"").unwrap(),
            Query::Phrase(vec!["social".into(), "media".into()])
        );
        assert_eq!(p("tweet*").unwrap(), Query::Prefix("tweet".into()));
        assert_eq!(
            p("trust NEAR/5 evidence").unwrap(),
            Query::Near(Box::new(t("trust")), Box::new(t("evid")), 5)
        );
        assert_eq!(
            p("exact:Teaching").unwrap(),
            Query::Exact("teaching".into())
        );
        assert_eq!(
            p("speaker:\"Lena Marsh\"").unwrap(),
            Query::Field(
                FieldFilter::Speaker("lena marsh".into()),
                Resolved::default()
            )
        );
        assert_eq!(
            p("attr.country:Canada").unwrap(),
            Query::Field(
                FieldFilter::Attr {
                    name: "country".into(),
                    value: "canada".into()
                },
                Resolved::default()
            )
        );
        // A colon that is not a field is just text.
        assert_eq!(
            p("10:30").unwrap(),
            Query::Phrase(vec!["10".into(), "30".into()])
        );
    }

    #[test]
    fn nesting_is_bounded_not_a_stack_overflow() {
        let deep = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert!(p(&deep(MAX_NESTING)).is_ok());
        let e = p(&deep(100_000)).unwrap_err();
        assert_eq!(e.column, MAX_NESTING + 1);
        assert!(e.message.contains("nested more than"), "{}", e.message);
        assert!(p(&format!("{}a", "NOT ".repeat(MAX_NESTING))).is_ok());
        assert!(p(&format!("{}a", "NOT ".repeat(100_000))).is_err());
        assert!(p(&format!("{}a", "-".repeat(100_000))).is_err());
        // Side by side is not nesting.
        assert!(p(&vec!["(a)"; 10_000].join(" OR ")).is_ok());
    }

    #[test]
    fn alternatives_split_at_top_level_ors_only() {
        assert_eq!(alternatives("a").unwrap(), ["a"]);
        assert_eq!(
            alternatives("a OR (b OR c) d || \"e OR f\"").unwrap(),
            ["a", "(b OR c) d", "\"e OR f\""]
        );
        assert_eq!(
            alternatives("kind NEAR/3 staff OR exact:kind -\"kind of\"").unwrap(),
            ["kind NEAR/3 staff", "exact:kind -\"kind of\""]
        );
        // Multi-byte text keeps its characters.
        assert_eq!(
            alternatives("café OR “naïve”").unwrap(),
            ["café", "“naïve”"]
        );
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(p("a1 (b1").unwrap_err().column, 4);
        assert_eq!(p("a1 b1)").unwrap_err().column, 6);
        assert_eq!(p("x \"open").unwrap_err().column, 3);
        assert_eq!(p("x NEAR/zz y").unwrap_err().column, 3);
        assert_eq!(p("x OR").unwrap_err().column, 5);
        assert_eq!(p("role:boss").unwrap_err().column, 1);
        assert!(p("a b nosuch.field:x").unwrap().has_words());
        assert_eq!(p("x attr.:y").unwrap_err().column, 3);
        // What NEAR still refuses is pointed at where it starts.
        assert_eq!(p("x NEAR speaker:y").unwrap_err().column, 8);
        assert_eq!(p("x1 y1 NEAR/3 (a1 b1)").unwrap_err().column, 14);
        assert_eq!(p("x1 NEAR/51 y1").unwrap_err().column, 4);
        assert_eq!(p("x1 \"so like, and\"").unwrap_err().column, 4);
        assert!(p("   ").is_err());
        assert!(p("!!!").is_err());
    }

    #[test]
    fn near_and_before_join_prefixes_phrases_and_groups() {
        let q = p("confiden* NEAR/5 post").unwrap();
        assert_eq!(
            q,
            Query::Near(
                Box::new(Query::Prefix("confiden".into())),
                Box::new(t("post")),
                5
            )
        );
        assert_eq!(q.term_text(), "confiden* NEAR/5 post");
        let q = p("anonymity NEAR/5 (twitter OR tweets)").unwrap();
        assert_eq!(q.term_text(), "anonym NEAR/5 (twitter OR tweet)");
        assert!(!q.needs_check(), "words on both sides: the index decides");
        let q = p("\"social media\" BEFORE/2 exact:privacy").unwrap();
        assert_eq!(q.term_text(), "\"social media\" BEFORE/2 exact:privacy");
        assert!(q.needs_check());
        assert!(p("aware* NEAR/4 guideline*").unwrap().needs_check());
        assert!(parse_rule(
            "aware* NEAR/4 guideline*",
            &mut Analyzer::new(&AnalyzerConfig::default()).unwrap()
        )
        .is_ok());
    }

    /// The token indexes `q` finds as evidence in `text`, or None.
    fn ev(q: &str, text: &str) -> Option<Vec<usize>> {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let toks = a.analyze(text);
        let target = Target {
            document: 1,
            speaker: None,
            tokens: &toks,
            post: None,
        };
        parse(q, &mut a).unwrap().eval(&target)
    }

    #[test]
    fn near_counts_from_a_phrases_last_or_first_word() {
        // 0 social, 1 media, 2 and, 3 my, 4 privacy
        let text = "social media and my privacy";
        assert_eq!(
            ev("\"social media\" NEAR/3 privacy", text),
            Some(vec![0, 1, 4])
        );
        assert_eq!(ev("\"social media\" NEAR/2 privacy", text), None);
        assert_eq!(
            ev("privacy NEAR/3 \"social media\"", text),
            Some(vec![0, 1, 4])
        );
        assert_eq!(
            ev("\"social media\" BEFORE/3 privacy", text),
            Some(vec![0, 1, 4])
        );
        assert_eq!(ev("privacy BEFORE/10 \"social media\"", text), None);
        assert_eq!(ev("priva* NEAR/2 (my OR your)", text), Some(vec![3, 4]));
        // A side never pairs with itself or with an occurrence it overlaps.
        assert_eq!(ev("social NEAR/3 \"social media\"", text), None);
        assert_eq!(
            ev("(media OR privacy) NEAR/3 (privacy OR hat)", text),
            Some(vec![1, 4])
        );
    }

    #[test]
    fn phrases_and_near_respect_punctuation() {
        assert_eq!(ev("\"likes and\"", "so like, and I think"), None);
        assert_eq!(ev("\"like and\"", "so like and I think"), Some(vec![1, 2]));
        assert_eq!(ev("\"social media\"", "on social media."), Some(vec![1, 2]));
        for punct in [",", ":", ";", " -", " —", "—", " (", ")"] {
            assert_eq!(
                ev("\"trust data\"", &format!("trust{punct} data")),
                None,
                "{punct}"
            );
        }
        // Within words punctuation is no break.
        assert!(ev("\"10 30\"", "at 10:30 then").is_some());
        assert!(ev("e-mail", "by e-mail").is_some());
        // NEAR works across a comma, which counts as one word more ...
        assert!(ev("trust NEAR/3 data", "I trust them, data is").is_some());
        assert!(ev("trust NEAR/2 data", "I trust them, data is").is_none());
        // ... and never across a sentence end.
        assert_eq!(ev("trust NEAR/3 data", "I trust them. Data is"), None);
        assert_eq!(ev("trust NEAR/50 data", "I trust them! Data is"), None);
        assert_eq!(ev("trust BEFORE/50 data", "I trust them?\ndata is"), None);
        assert_eq!(ev("trust NEAR/50 data", "I trust them\n\ndata is"), None);
    }

    #[test]
    fn eval_returns_evidence() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let toks = a.analyze("I teach with tweets, and teaching is fun");
        let target = Target {
            document: 1,
            speaker: Some("p1"),
            tokens: &toks,
            post: None,
        };
        let q = parse("teach -boring", &mut a).unwrap();
        assert_eq!(q.eval(&target), Some(vec![1, 5]));
        let q = parse("\"teaching is\"", &mut a).unwrap();
        assert_eq!(q.eval(&target), Some(vec![5, 6]));
        let q = parse("tweet NEAR/3 teaching", &mut a).unwrap();
        assert_eq!(q.eval(&target), Some(vec![1, 3, 5]));
        let q = parse("tweet NEAR/1 teaching", &mut a).unwrap();
        assert_eq!(q.eval(&target), None);
        let mut q = parse("speaker:p1 fun", &mut a).unwrap();
        q.resolve_fields(&mut |_| Resolved {
            speakers: ["p1".to_string()].into(),
            ..Default::default()
        });
        assert_eq!(q.eval(&target), Some(vec![7]));
    }
}
