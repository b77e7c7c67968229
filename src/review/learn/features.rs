//! What the ranker sees of a suggestion: the rule terms that fired, the matched words, the
//! words just before and after them, the other words of the unit, the speaker's role, the
//! document's attributes, the unit's length and the other codes suggested for it, each a
//! [`Feature`] that can say itself in words. Every word goes through the project's analyzer, as everywhere else.

use crate::store::{Evidence, NO_WORD};
use crate::text::analyzer::Analyzer;
use crate::Segment;
use std::collections::HashMap;

/// Words each side of a matched word that count as its neighbours.
pub const WINDOW: usize = 3;

/// One thing about a suggestion the model weighs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// A term of a rule fired: (rule id, term index).
    Term(i64, u16),
    /// A matched word (stem).
    Matched(String),
    /// A word (stem) up to [`WINDOW`] words before a matched word.
    Before(String),
    /// A word (stem) up to [`WINDOW`] words after one.
    After(String),
    /// Another content word (stem) of the unit.
    Unit(String),
    /// The speaker's role (`none` when unknown).
    Role(String),
    /// A document attribute (name, value), lowercase.
    Attr(String, String),
    /// The unit's length in words, as a bucket (see [`LENGTHS`]).
    Length(usize),
    /// Another code of the codebook is suggested for the same segment (its id).
    Also(String),
    /// The code itself (its base rate).
    Bias,
}

/// Upper bounds of the length buckets, in words.
pub const LENGTHS: [usize; 5] = [10, 25, 60, 150, usize::MAX];

/// What a feature's description needs that the feature does not hold.
pub struct Names<'a> {
    /// Rule terms as written, by (rule id, term index).
    pub terms: &'a HashMap<(i64, u16), String>,
    /// A word seen for each stem.
    pub surfaces: &'a HashMap<String, String>,
}

impl Feature {
    /// The feature in words, as an explanation names it.
    pub fn describe(&self, names: &Names<'_>) -> String {
        let word = |s: &String| names.surfaces.get(s).unwrap_or(s).clone();
        match self {
            Feature::Term(rule, term) => match names.terms.get(&(*rule, *term)) {
                Some(t) => format!("the term `{t}` fired"),
                None => format!("a term of rule {rule} fired"),
            },
            Feature::Matched(s) => format!("matched '{}'", word(s)),
            Feature::Before(s) => format!("after '{}'", word(s)),
            Feature::After(s) => format!("followed by '{}'", word(s)),
            Feature::Unit(s) => format!("says '{}'", word(s)),
            Feature::Role(r) if r == "none" => "speaker's role unknown".to_string(),
            Feature::Role(r) => format!("said by the {r}"),
            Feature::Attr(k, v) => format!("{k} = {v}"),
            Feature::Length(b) => {
                let lo = if *b == 0 { 0 } else { LENGTHS[b - 1] + 1 };
                match LENGTHS.get(*b) {
                    Some(&hi) if hi != usize::MAX => format!("{lo}-{hi} words long"),
                    _ => format!("over {} words long", lo.saturating_sub(1)),
                }
            }
            Feature::Also(code) => format!("{code} also suggested"),
            Feature::Bias => "the code's share accepted".to_string(),
        }
    }
}

/// Short words that say little about a topic, left out of [`Feature::Unit`] (kept as
/// neighbours, where "not" or "no" can matter).
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "but", "by", "can", "could", "did", "do", "does",
    "doing", "for", "from", "get", "got", "had", "has", "have", "having", "he", "her", "here",
    "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "like", "me", "mean",
    "more", "my", "of", "oh", "on", "one", "or", "our", "out", "really", "she", "so", "some",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "thing",
    "things", "think", "this", "those", "to", "uh", "um", "up", "us", "very", "was", "we", "were",
    "what", "when", "where", "which", "who", "will", "with", "would", "yeah", "yes", "you", "your",
];

/// Whether `lower` is one of the short words [`Feature::Unit`] leaves out.
pub fn is_function_word(lower: &str) -> bool {
    FUNCTION_WORDS.binary_search(&lower).is_ok()
}

/// The features of one suggestion: its segment, its evidence and its document's
/// attributes. `surfaces`, when given, learns a word for each stem seen.
pub fn features(
    analyzer: &mut Analyzer,
    seg: &Segment,
    evidence: &[Evidence],
    attrs: &[(String, String)],
    mut surfaces: Option<&mut HashMap<String, String>>,
) -> Vec<Feature> {
    let tokens = analyzer.analyze(&seg.text);
    let chars: Vec<(usize, usize)> = evidence
        .iter()
        .filter(|e| e.word != NO_WORD)
        .map(|e| (e.start, e.end))
        .collect();
    let marks = crate::suggest::excerpt::byte_ranges(seg, &chars);
    let matched: Vec<bool> = tokens
        .iter()
        .map(|t| marks.iter().any(|&(a, b)| t.start < b && a < t.end))
        .collect();
    let mut out = vec![Feature::Bias];
    for e in evidence {
        out.push(Feature::Term(e.rule, e.term));
    }
    // Words within the window of a matched word are its neighbours, not unit words.
    let mut near = vec![false; tokens.len()];
    for i in (0..tokens.len()).filter(|&i| matched[i]) {
        let hi = (i + WINDOW + 1).min(tokens.len());
        for n in &mut near[i.saturating_sub(WINDOW)..hi] {
            *n = true;
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        if let Some(s) = surfaces.as_deref_mut() {
            s.entry(t.stem.clone()).or_insert_with(|| t.lower.clone());
        }
        if matched[i] {
            out.push(Feature::Matched(t.stem.clone()));
            let lo = i.saturating_sub(WINDOW);
            for j in (lo..i).filter(|&j| !matched[j]) {
                out.push(Feature::Before(tokens[j].stem.clone()));
            }
            let hi = (i + WINDOW + 1).min(tokens.len());
            for j in (i + 1..hi).filter(|&j| !matched[j]) {
                out.push(Feature::After(tokens[j].stem.clone()));
            }
        } else if !near[i] && !is_function_word(&t.lower) {
            out.push(Feature::Unit(t.stem.clone()));
        }
    }
    out.push(Feature::Role(
        seg.role.map_or("none", |r| r.as_str()).to_string(),
    ));
    for (k, v) in attrs {
        out.push(Feature::Attr(k.to_lowercase(), v.to_lowercase()));
    }
    let bucket = LENGTHS
        .iter()
        .position(|&hi| tokens.len() <= hi)
        .unwrap_or(LENGTHS.len() - 1);
    out.push(Feature::Length(bucket));
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyzer::AnalyzerConfig;

    fn seg(text: &str) -> Segment {
        Segment {
            id: 1,
            document_id: 1,
            document: "d".into(),
            ord: 0,
            speaker: Some("P1".into()),
            role: Some(crate::Role::Participant),
            start_ms: None,
            end_ms: None,
            line: 1,
            char_start: 100,
            char_end: 100 + text.chars().count(),
            byte_start: 100,
            byte_end: 100 + text.len(),
            text: text.into(),
            post: None,
        }
    }

    #[test]
    fn function_words_are_sorted_for_the_search() {
        let mut sorted = FUNCTION_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, FUNCTION_WORDS);
        assert!(is_function_word("the") && !is_function_word("teaching"));
    }

    #[test]
    fn neighbours_units_role_and_length() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        // "teaching" is the evidence: code points 100+10..100+18 in the document.
        let s = seg("We liked teaching the group sessions, honestly.");
        let ev = [Evidence {
            rule: 7,
            term: 0,
            word: 1,
            start: 109,
            end: 117,
        }];
        let mut surfaces = HashMap::new();
        let f = features(
            &mut a,
            &s,
            &ev,
            &[("Site".into(), "North".into())],
            Some(&mut surfaces),
        );
        let has = |x: Feature| f.contains(&x);
        assert!(has(Feature::Term(7, 0)));
        assert!(has(Feature::Matched("teach".into())));
        assert!(has(Feature::Before("like".into())));
        assert!(has(Feature::Before("we".into())));
        assert!(has(Feature::After("the".into())));
        assert!(has(Feature::After("group".into())));
        assert!(has(Feature::After("session".into())));
        // Four words after: out of the window, but a content word of the unit.
        assert!(!has(Feature::After("honest".into())));
        assert!(has(Feature::Unit("honest".into())));
        // Function words are not unit words; matched words are not either.
        assert!(!has(Feature::Unit("the".into())));
        assert!(!has(Feature::Unit("teach".into())));
        assert!(has(Feature::Role("participant".into())));
        assert!(has(Feature::Attr("site".into(), "north".into())));
        assert!(has(Feature::Length(0)));
        assert_eq!(surfaces["teach"], "teaching");
        let names = Names {
            terms: &HashMap::from([((7, 0), "teach*".to_string())]),
            surfaces: &surfaces,
        };
        assert_eq!(
            Feature::After("session".into()).describe(&names),
            "followed by 'sessions'"
        );
        assert_eq!(
            Feature::Term(7, 0).describe(&names),
            "the term `teach*` fired"
        );
        assert_eq!(Feature::Length(1).describe(&names), "11-25 words long");
        assert_eq!(Feature::Length(4).describe(&names), "over 150 words long");
    }
}
