//! Properties of search on the sample study: tantivy and the query evaluator agree on every
//! segment, hits hold their constraints, offsets slice the stored text.

use super::*;
use proptest::prelude::*;
use quarry::project::Project;
use quarry::text::analyzer::Analyzer;
use quarry::text::query::{Query, Target};
use quarry::Segment;
use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, OnceLock};

struct Corpus {
    _dir: tempfile::TempDir,
    project: Project,
    segments: Vec<Segment>,
}

/// The sample study, built once for all tests (the database connection is not `Sync`).
fn corpus() -> MutexGuard<'static, Corpus> {
    static C: OnceLock<Mutex<Corpus>> = OnceLock::new();
    let m = C.get_or_init(|| {
        let dir = sample_project();
        let project = Project::open(dir.path()).unwrap();
        let mut segments = Vec::new();
        for d in project.store().documents().unwrap() {
            segments.extend(
                project
                    .store()
                    .segments(&project.store().segment_ids(d.id).unwrap())
                    .unwrap(),
            );
        }
        Mutex::new(Corpus {
            _dir: dir,
            project,
            segments,
        })
    });
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// (ids from the index, ids from evaluating the query on every segment, the query).
fn both(c: &Corpus, q: &str) -> (BTreeSet<i64>, BTreeSet<i64>, Query) {
    let (query, mut analyzer) = quarry::project::search::prepare(&c.project, q).unwrap();
    let (mut index, _) = c.project.index().unwrap();
    // The index, and where it can only narrow down (BEFORE), its candidates checked.
    let (total, ids) =
        quarry::project::search::run(&c.project, &mut index, &query, &mut analyzer, 0, 0, false)
            .unwrap();
    assert_eq!(total, ids.len());
    let by_eval = c
        .segments
        .iter()
        .filter(|s| eval(&query, &mut analyzer, s).is_some())
        .map(|s| s.id)
        .collect();
    (ids.into_iter().collect(), by_eval, query)
}

fn eval(q: &Query, a: &mut Analyzer, s: &Segment) -> Option<Vec<usize>> {
    let toks = a.analyze(&s.text);
    let sp = s.speaker.as_ref().map(|x| x.to_lowercase());
    let t = Target {
        document: s.document_id,
        speaker: sp.as_deref(),
        tokens: &toks,
        post: s.post.as_ref(),
    };
    let plain = q.eval(&t);
    // With the segment's stem index (as suggest evaluates) the result is the same.
    let stems = quarry::text::query::stem_index(&toks);
    assert_eq!(plain, q.eval_with(&t, Some(&stems)), "{q:?}");
    plain
}

#[test]
fn index_and_evaluator_agree_on_written_queries() {
    let c = corpus();
    for q in [
        "teaching",
        "teach tweets",
        "trust OR evidence",
        "\"social media\"",
        "\"you know\"",
        "hierarch*",
        "exact:teaching",
        "misinformation NEAR/5 worry",
        "evidence NEAR/3 trust",
        "-twitter",
        "twitter -teaching",
        "NOT (twitter OR x)",
        "role:participant confident",
        "role:none",
        "speaker:\"lena marsh\" confident*",
        "doc:P0* lurk*",
        "attr.country:canada",
        "attr.role:educator (tweet* OR thread*)",
        "(threads OR thread) AND NOT role:interviewer",
        "don't",
        "café",
        // NEAR and BEFORE between prefixes, phrases and OR-groups (issue 15).
        "confiden* NEAR/5 post",
        "\"social media\" NEAR/5 teach",
        "aware* NEAR/4 guideline*",
        "anonymity NEAR/5 (twitter OR tweets)",
        "(trust OR evidence) NEAR/4 (student* OR colleagues)",
        "exact:twitter NEAR/3 \"you know\"",
        "\"social media\" BEFORE/3 (teach* OR time)",
        "(read OR post) BEFORE/2 post",
        "-(trust NEAR/3 data*)",
        "research NEAR/2 research",
        // Phrases and NEAR stop at punctuation.
        "\"like and\"",
        "\"know i\"",
        "twitter NEAR/50 teaching",
    ] {
        let (idx, ev, _) = both(&c, q);
        assert_eq!(idx, ev, "query {q}");
    }
    assert!(!both(&c, "teaching").0.is_empty());
}

#[test]
fn word_hits_hold_a_token_with_the_query_stem() {
    let c = corpus();
    let mut a = Analyzer::new(c.project.analyzer()).unwrap();
    for word in ["teaching", "confident", "trusted", "platforms", "hierarchy"] {
        let stem = a.stems(word).pop().unwrap();
        let (ids, _, _) = both(&c, word);
        assert!(!ids.is_empty(), "{word}");
        for s in c.segments.iter().filter(|s| ids.contains(&s.id)) {
            assert!(
                a.analyze(&s.text).iter().any(|t| t.stem == stem),
                "{word} in {}",
                s.text
            );
        }
    }
}

#[test]
fn phrase_near_and_field_hits_hold_their_constraints() {
    let c = corpus();
    let mut a = Analyzer::new(c.project.analyzer()).unwrap();
    let (ids, _, _) = both(&c, "\"social media\"");
    assert!(!ids.is_empty());
    for s in c.segments.iter().filter(|s| ids.contains(&s.id)) {
        let t = a.analyze(&s.text);
        assert!(
            t.windows(2).any(|w| w[0].stem == "social"
                && w[1].stem == "media"
                && w[1].position == w[0].position + 1),
            "{}",
            s.text
        );
    }
    let (ids, _, _) = both(&c, "paper NEAR/3 read");
    assert!(!ids.is_empty());
    for s in c.segments.iter().filter(|s| ids.contains(&s.id)) {
        let t = a.analyze(&s.text);
        let pos = |st: &str| {
            t.iter()
                .filter(|x| x.stem == st)
                .map(|x| x.position as i64)
                .collect::<Vec<_>>()
        };
        let ok = pos("paper")
            .iter()
            .any(|p| pos("read").iter().any(|q| (p - q).abs() <= 3));
        assert!(ok, "{}", s.text);
    }
    let (ids, _, _) = both(&c, "speaker:\"lena marsh\"");
    for s in c.segments.iter().filter(|s| ids.contains(&s.id)) {
        assert_eq!(s.speaker.as_deref(), Some("Lena Marsh"));
    }
    let (ids, _, _) = both(&c, "role:participant");
    for s in c.segments.iter().filter(|s| ids.contains(&s.id)) {
        assert_eq!(s.role, Some(quarry::Role::Participant));
    }
}

#[test]
fn stored_offsets_slice_the_document_text() {
    let c = corpus();
    for d in c.project.store().documents().unwrap() {
        let text = c.project.store().document_text(d.id).unwrap();
        let chars: Vec<char> = text.chars().collect();
        for s in c.segments.iter().filter(|s| s.document_id == d.id) {
            assert_eq!(&text[s.byte_start..s.byte_end], s.text);
            let by_chars: String = chars[s.char_start..s.char_end].iter().collect();
            assert_eq!(by_chars, s.text);
            assert!(!s.text.trim().is_empty());
        }
    }
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "teach",
        "twitter",
        "trust",
        "evidence",
        "time",
        "students",
        "thread",
        "post",
        "know",
        "confident",
        "colleagues",
        "research",
        "worry",
        "access",
        "hierarchy",
        "read",
        "like",
    ])
    .prop_map(String::from)
}

/// A side of NEAR or BEFORE: a word, prefix, `exact:` word, phrase or OR-group.
fn side() -> impl Strategy<Value = String> {
    let one = prop_oneof![
        word(),
        word().prop_map(|w| format!("{}*", &w[..2.max(w.len() - 2)])),
        word().prop_map(|w| format!("exact:{w}")),
        (word(), word()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
    ];
    prop_oneof![
        3 => one.clone(),
        1 => prop::collection::vec(one, 2..4).prop_map(|v| format!("({})", v.join(" OR "))),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        word(),
        word().prop_map(|w| format!("{}*", &w[..2.max(w.len() - 2)])),
        (word(), word()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
        (word(), word(), 1u32..8).prop_map(|(a, b, n)| format!("{a} NEAR/{n} {b}")),
        (side(), side(), 1u32..8, any::<bool>()).prop_map(|(a, b, n, ordered)| {
            let op = if ordered { "BEFORE" } else { "NEAR" };
            format!("{a} {op}/{n} {b}")
        }),
        word().prop_map(|w| format!("exact:{w}")),
        prop::sample::select(vec![
            "role:participant",
            "role:interviewer",
            "attr.social_media_use:active",
            "doc:P1*"
        ])
        .prop_map(String::from),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} {b})")),
            inner.prop_map(|a| format!("-({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn index_and_evaluator_agree_on_random_queries(q in query()) {
        let (idx, ev, _) = both(&corpus(), &q);
        prop_assert_eq!(idx, ev, "query {}", q);
    }
}

#[test]
fn a_codes_rules_and_its_search_match_the_same_segments() {
    let c = corpus();
    let path = fixture("codebooks/study.toml");
    let cb = quarry::codebook::load(path.to_str().unwrap()).unwrap();
    let mut a = Analyzer::new(c.project.analyzer()).unwrap();
    let mut nonempty = 0;
    for (i, code) in cb.codes.iter().enumerate() {
        // What the code's rules (and its descendants') match, by the evaluator on every segment.
        let mut q = cb.code_query(i).unwrap();
        quarry::project::search::resolve_fields(&c.project, &mut q).unwrap();
        let by_rules: BTreeSet<i64> = c
            .segments
            .iter()
            .filter(|s| eval(&q, &mut a, s).is_some())
            .map(|s| s.id)
            .collect();
        // What `quarry search --codebook FILE --code ID` finds.
        let hits = json(&ok(
            c.project.root(),
            &[
                "search",
                "--codebook",
                path.to_str().unwrap(),
                "--code",
                &code.id,
                "--limit",
                "0",
                "--format",
                "json",
            ],
        ));
        let by_search: BTreeSet<i64> = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["segment"].as_i64().unwrap())
            .collect();
        assert_eq!(by_rules, by_search, "code {}", code.id);
        // The default scope leaves interviewers' turns out; `scope = "all"` does not.
        let interviewer_hits = hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["role"] == "interviewer")
            .count();
        match code.scope {
            quarry::codebook::Scope::Participants => assert_eq!(interviewer_hits, 0, "{}", code.id),
            quarry::codebook::Scope::All => assert!(interviewer_hits > 0, "{}", code.id),
        }
        assert_eq!(hits["total"].as_u64().unwrap() as usize, by_search.len());
        nonempty += usize::from(!by_rules.is_empty());
    }
    assert_eq!(
        nonempty,
        cb.codes.len(),
        "every test code matches something"
    );
}

#[test]
fn before_holds_its_order_and_distance() {
    let c = corpus();
    let (idx, ev, q) = both(&c, "read BEFORE/3 post");
    assert_eq!(idx, ev);
    assert!(!idx.is_empty());
    let mut a = Analyzer::new(c.project.analyzer()).unwrap();
    for s in c.segments.iter().filter(|s| idx.contains(&s.id)) {
        let toks = a.analyze(&s.text);
        let ok = toks.iter().any(|x| {
            x.stem == "read"
                && toks.iter().any(|y| {
                    y.stem == "post" && y.position > x.position && y.position - x.position <= 3
                })
        });
        assert!(ok, "{q:?}: {}", s.text);
    }
}
