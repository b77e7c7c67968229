//! Tests of the query language: parsing, errors with columns, and evaluation on analysed text.

use super::*;
use crate::text::analyzer::AnalyzerConfig;

fn p(s: &str) -> Result<Query, QueryError> {
    parse(s, &mut Analyzer::new(&AnalyzerConfig::default()).unwrap())
}
fn t(s: &str) -> Query {
    Query::Term(s.into())
}

#[test]
fn terms_are_the_parts_that_find_words_in_written_order() {
    let q = p(
        "teaching OR \"visual abstract\" OR (risk NEAR/3 new -kind) OR exact:kind OR infograph*",
    )
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

#[test]
fn masks_found_through_the_stem_index_are_the_masks_found_by_scanning() {
    let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
    let masks: Vec<Vec<String>> = ["social media", "media", "new social media", "x"]
        .iter()
        .map(|m| a.stems(m))
        .collect();
    for text in [
        "Social media, and media. New social media is social media",
        "media media media",
        "social, media",
        "",
    ] {
        let toks = a.analyze(text);
        let stems = stem_index(&toks);
        let scanned = masked_tokens(&toks, &masks);
        assert_eq!(masked_tokens_with(&toks, &masks, Some(&stems)), scanned);
        // Not nothing: "media" alone is a mask.
        assert_eq!(scanned.contains(&true), text.contains("media"), "{text}");
    }
}
