//! The trigger table: every rule filed under the words one of which it needs, so that a
//! segment's words find the few rules that could match it by lookup instead of evaluating
//! every rule on every segment.

use super::Prepared;
use crate::text::analyzer::Token;
use crate::text::query::Query;
use rustc_hash::FxHashMap;

/// A word that must occur for a rule to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Trigger {
    /// A word with this stem.
    Stem(String),
    /// This word, lowercased (`exact:`).
    Word(String),
    /// A word starting with this (`prefix*`).
    Prefix(String),
}

/// Which rules could match a segment, from its words: every rule is filed under the words
/// one of which it needs, so a segment's words find its candidate rules by lookup.
pub(super) struct Triggers {
    by_stem: FxHashMap<String, Vec<usize>>,
    by_word: FxHashMap<String, Vec<usize>>,
    by_prefix: FxHashMap<String, Vec<usize>>,
    /// The longest prefix, in bytes.
    longest_prefix: usize,
    /// Rules with no such word (only NOT, for instance): always tried.
    always: Vec<usize>,
}

impl Triggers {
    pub(super) fn new(rules: &[Prepared]) -> Triggers {
        let mut t = Triggers {
            by_stem: FxHashMap::default(),
            by_word: FxHashMap::default(),
            by_prefix: FxHashMap::default(),
            longest_prefix: 0,
            always: Vec::new(),
        };
        for (i, p) in rules.iter().enumerate() {
            match triggers(&p.query) {
                Some(words) => {
                    for w in words {
                        let (map, key) = match w {
                            Trigger::Stem(s) => (&mut t.by_stem, s),
                            Trigger::Word(s) => (&mut t.by_word, s),
                            Trigger::Prefix(s) => {
                                t.longest_prefix = t.longest_prefix.max(s.len());
                                (&mut t.by_prefix, s)
                            }
                        };
                        map.entry(key).or_default().push(i);
                    }
                }
                None => t.always.push(i),
            }
        }
        t
    }

    /// Rules that could match these words (with repeats).
    pub(super) fn candidates(&self, toks: &[Token]) -> Vec<usize> {
        let mut out = self.always.clone();
        for t in toks {
            if let Some(rs) = self.by_stem.get(&t.stem) {
                out.extend_from_slice(rs);
            }
            if !self.by_word.is_empty() {
                if let Some(rs) = self.by_word.get(&t.lower) {
                    out.extend_from_slice(rs);
                }
            }
            if !self.by_prefix.is_empty() {
                let w = t.lower.as_str();
                for (end, c) in w.char_indices() {
                    let end = end + c.len_utf8();
                    if end > self.longest_prefix {
                        break;
                    }
                    if let Some(rs) = self.by_prefix.get(&w[..end]) {
                        out.extend_from_slice(rs);
                    }
                }
            }
        }
        out
    }
}

/// Words one of which must occur for `q` to match; None when no such set is known (a rule
/// that is only NOT).
pub(super) fn triggers(q: &Query) -> Option<Vec<Trigger>> {
    match q {
        Query::Term(s) => Some(vec![Trigger::Stem(s.clone())]),
        Query::Exact(w) => Some(vec![Trigger::Word(w.clone())]),
        Query::Prefix(p) => Some(vec![Trigger::Prefix(p.clone())]),
        Query::Phrase(v) => v.first().map(|s| vec![Trigger::Stem(s.clone())]),
        Query::Near(a, _, _) | Query::Before(a, _, _) => triggers(a),
        // Any one conjunct's triggers will do; take the first that has some.
        Query::And(v) => v.iter().find_map(triggers),
        Query::Or(v) => {
            let mut all = Vec::new();
            for q in v {
                all.extend(triggers(q)?);
            }
            Some(all)
        }
        Query::Masked(q, _) => triggers(q),
        _ => None,
    }
}
