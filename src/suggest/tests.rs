//! Tests of the rule engine: triggers, incremental runs, merging with stored suggestions and
//! decisions, evidence and spans.

use super::*;
use crate::text::model::Segment;

pub(crate) fn seg(text: &str, char_start: usize) -> Segment {
    Segment {
        id: 1,
        document_id: 1,
        document: "d".into(),
        ord: 0,
        speaker: None,
        role: None,
        start_ms: None,
        end_ms: None,
        line: 1,
        char_start,
        char_end: char_start + text.chars().count(),
        byte_start: 0,
        byte_end: text.len(),
        text: text.into(),
        post: None,
    }
}

#[test]
fn sentence_units_hold_the_evidence_sentences_only() {
    let text = "I liked it. The thread on burnout was good. It helped me. Burnout is real. Bye.";
    let s = seg(text, 100);
    let at = |w: &str| {
        let b = text.find(w).unwrap();
        let a = 100 + text[..b].chars().count();
        (a, a + w.chars().count())
    };
    let slice =
        |(a, b): (usize, usize)| -> String { text.chars().skip(a - 100).take(b - a).collect() };
    // Turn: the whole segment.
    assert_eq!(
        spans(Unit::Turn, &s, &[at("thread")]),
        vec![(100, 100 + text.chars().count())]
    );
    // Two sentences apart: two spans, each trimmed.
    let got = spans(Unit::Sentence, &s, &[at("thread"), at("Burnout")]);
    let texts: Vec<String> = got.into_iter().map(slice).collect();
    assert_eq!(
        texts,
        ["The thread on burnout was good.", "Burnout is real."]
    );
    // Neighbouring sentences: one span.
    let got = spans(Unit::Sentence, &s, &[at("thread"), at("helped")]);
    let texts: Vec<String> = got.into_iter().map(slice).collect();
    assert_eq!(texts, ["The thread on burnout was good. It helped me."]);
    // No evidence: the whole turn.
    assert_eq!(spans(Unit::Sentence, &s, &[]).len(), 1);
}

#[test]
fn a_rule_is_known_by_what_it_matches() {
    let mut an = Analyzer::new(&Default::default()).unwrap();
    let a = crate::text::query::parse_rule("burnout OR exhaustion", &mut an).unwrap();
    let b = crate::text::query::parse_rule("burnout  OR  exhausted", &mut an).unwrap();
    let c = crate::text::query::parse_rule("burnout OR fatigue", &mut an).unwrap();
    // Same stems: the same rule, however it is spelled.
    assert_eq!(rule_hash(&a), rule_hash(&b));
    assert_ne!(rule_hash(&a), rule_hash(&c));
}
