//! Tests of the report: building it from a project's decisions, the matrices and coverage,
//! agreement, the layout and the HTML, Markdown and JSON writers.

use super::build::{
    accepted_codings, attribute_matrices, code_tables, cooccurrence, coverage, months,
    ranked_rules, Codings, Owners,
};
use super::*;
use crate::store::DecisionRow;
use crate::text::model::Format;
use crate::Document;
use std::collections::{BTreeSet, HashMap};

fn decision(coder: &str, segment: i64, code: &str, accept: bool) -> DecisionRow {
    DecisionRow {
        id: 0,
        coder: coder.into(),
        segment,
        codebook: "cb".into(),
        code: code.into(),
        accept,
        replacement: None,
        memo: None,
        at: 0,
        answered: None,
        batch: None,
    }
}

fn doc(id: i64, name: &str, segments: usize, attrs: &[(&str, &str)]) -> Document {
    Document {
        id,
        name: name.into(),
        path: format!("{name}.txt"),
        format: Format::Text,
        segments,
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// Two documents of three segments each: segments 1-3 in `a` (country Kenya, role
/// educator), 4-6 in `<script>alert(1)</script>` (country `"&<>`, no role); speakers
/// `ann` on odd segments, `bo` on even ones.
fn dataset() -> (Vec<Document>, Owners) {
    let docs = vec![
        doc(1, "a", 3, &[("country", "Kenya"), ("role", "educator")]),
        doc(2, "<script>alert(1)</script>", 3, &[("country", "\"&<>")]),
    ];
    let owners: Owners = (1..=6)
        .map(|s| {
            let speaker = if s % 2 == 1 { "ann" } else { "bo" };
            (s, (if s <= 3 { 1 } else { 2 }, Some(speaker.to_string())))
        })
        .collect();
    (docs, owners)
}

fn books() -> BTreeSet<String> {
    BTreeSet::from(["cb".to_string()])
}

/// Codings: x on 1, 2, 4; y on 2, 4, 5 (5 through a change from z); z rejected on 5;
/// bo's later reject of x on 1 does not undo ann's accept; ann's own later reject of y on
/// 6 replaces her accept.
fn codings() -> Codings {
    let mut change = decision("ann", 5, "z", false);
    change.replacement = Some("y".into());
    let ds = vec![
        decision("ann", 1, "x", true),
        decision("bo", 1, "x", false),
        decision("ann", 2, "x", true),
        decision("ann", 2, "y", true),
        decision("bo", 4, "x", true),
        decision("bo", 4, "y", true),
        change,
        decision("ann", 6, "y", true),
        decision("ann", 6, "y", false),
        DecisionRow {
            codebook: "other".into(),
            ..decision("ann", 3, "x", true)
        },
    ];
    accepted_codings(&ds, &books())
}

#[test]
fn accepted_codings_follow_the_latest_standing_decision_of_each_coder() {
    let c = codings();
    let segs = |code: &str| -> Vec<i64> {
        c.get(&("cb".to_string(), code.to_string()))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    };
    assert_eq!(segs("x"), vec![1, 2, 4]);
    assert_eq!(segs("y"), vec![2, 4, 5]);
    assert!(segs("z").is_empty());
    assert_eq!(c.len(), 2, "the other codebook is not asked for");
}

#[test]
fn matrices_count_coded_segments_per_value_and_pair() {
    let (docs, owners) = dataset();
    let doc_attrs = docs.iter().map(|d| (d.id, d.attributes.clone())).collect();
    let mut speaker_attrs = HashMap::new();
    speaker_attrs.insert("ann".to_string(), vec![("team".into(), "north".into())]);
    // Fourteen distinct values: too many for a matrix.
    for i in 0..14 {
        speaker_attrs.insert(format!("s{i}"), vec![("id".into(), format!("v{i}"))]);
    }
    let a = attribute_matrices(&codings(), &owners, &doc_attrs, &speaker_attrs);
    let find = |of: AttrOf, key: &str| {
        a.matrices
            .iter()
            .find(|m| m.of == of && m.key == key)
            .unwrap_or_else(|| panic!("{key}: {a:?}"))
    };
    let country = find(AttrOf::Document, "country");
    // Sorted values: `"&<>` before Kenya.
    assert_eq!(country.grid.columns, vec!["\"&<>", "Kenya"]);
    assert_eq!(country.grid.rows, vec!["x", "y"]);
    assert_eq!(country.grid.counts, vec![vec![1, 2], vec![2, 1]]);
    let role = find(AttrOf::Document, "role");
    assert_eq!(role.grid.columns, vec!["educator", "(not set)"]);
    assert_eq!(role.grid.counts, vec![vec![2, 1], vec![1, 2]]);
    // ann speaks segments 1 and 5 among the coded ones.
    let team = find(AttrOf::Speaker, "team");
    assert_eq!(team.grid.counts, vec![vec![1, 2], vec![1, 2]]);
    assert_eq!(a.left_out, vec!["speaker id (14 values)"]);

    let co = cooccurrence(&books(), &codings());
    assert_eq!(co.len(), 1);
    assert_eq!(co[0].grid.rows, vec!["x", "y"]);
    // x and y share segments 2 and 4.
    assert_eq!(co[0].grid.counts, vec![vec![3, 2], vec![2, 3]]);
    assert_eq!(co[0].left_out, 0);

    let mut suggested = HashMap::new();
    suggested.insert(1, 3);
    let cov = coverage(&docs, &codings(), &owners, &suggested);
    assert_eq!(cov.documents[0].coded, 2);
    assert_eq!(cov.documents[1].coded, 2);
    assert_eq!(cov.total.coded, 4);
    assert_eq!(cov.total.suggested, 3);
    assert!((cov.total.coded_share - 4.0 / 6.0).abs() < 1e-9);
}

#[test]
fn months_fill_the_gaps_and_keep_undated_posts_last() {
    let m = months(vec![
        (Some("2021-11".into()), 2),
        (Some("2022-02".into()), 1),
        (None, 4),
    ]);
    let labels: Vec<&str> = m.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["2021-11", "2021-12", "2022-01", "2022-02", "(no date)"]
    );
    assert_eq!(m.iter().map(|c| c.count).sum::<u64>(), 7);
}

/// A report over the hand-made dataset, with a hostile document name and attribute value.
pub(super) fn report() -> Report {
    let (docs, owners) = dataset();
    let doc_attrs = docs.iter().map(|d| (d.id, d.attributes.clone())).collect();
    let c = codings();
    Report {
        title: "study <b>".into(),
        version: "0".into(),
        date: "2024-01-01".into(),
        codebooks: vec!["cb".into()],
        corpus: Corpus {
            documents: 2,
            segments: 6,
            speakers: 2,
            interviewers: 0,
            formats: vec![Count {
                label: "text".into(),
                count: 2,
            }],
            posts: 0,
            platforms: vec![],
            months: vec![],
        },
        codes: code_tables(&books(), &BTreeMap::new(), &c, &BTreeMap::new()),
        names: BTreeMap::new(),
        summary: Summary {
            documents: 2,
            suggestions: 4,
            decided: 2,
            accepted: 1,
            precision: Some(0.5),
            coders: vec!["ann".into()],
        },
        coders: vec![CoderRow {
            codebook: "cb".into(),
            coder: "ann".into(),
            decided: 2,
            accepted: 1,
            precision: Some(0.5),
        }],
        attributes: attribute_matrices(&c, &owners, &doc_attrs, &HashMap::new()),
        cooccurrence: cooccurrence(&books(), &c),
        coverage: coverage(&docs, &c, &owners, &HashMap::new()),
        agreement: vec![CodebookAgreement {
            codebook: "cb".into(),
            coders: vec!["ann".into()],
            pairs: vec![],
        }],
        rules: Rules {
            ranked: vec![RankedRule {
                codebook: "cb".into(),
                code: "x".into(),
                name: String::new(),
                rule: "a | b_c *d* `e`".into(),
                fired: 4,
                decided: 2,
                accepted: 1,
                precision: Some(0.5),
                interval: crate::review::stats::wilson(1, 2),
            }],
            undecided: 0,
            silent: 1,
        },
        samples: vec![super::SampleEstimates {
            source: "s3a://run <b>".into(),
            records: Some(1000),
            matches: Some(120),
            per_term: true,
            size: 10,
            codes: crate::review::estimates::estimate(&[crate::store::StratumRow {
                codebook: "cb".into(),
                code: "x".into(),
                term: "fear*".into(),
                matches: 120,
                sampled: 10,
                decided: 10,
                accepted: 4,
            }]),
        }],
    }
}

fn render(f: fn(&Report, &mut dyn Write) -> io::Result<()>, r: &Report) -> String {
    let mut out = Vec::new();
    f(r, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn user_text_is_escaped_in_html_and_markdown() {
    let r = report();
    let html = render(write_html, &r);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&amp;&lt;&gt;"), "the attribute value");
    assert!(!html.contains("\"&<>"));
    let md = render(write_markdown, &r);
    // Every `<` is escaped, so `\<script\>` shows as text and never opens a tag.
    assert!(
        md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
        "{md}"
    );
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    assert!(md.contains("\"&\\<\\>"), "{md}");
    // Table cells cannot end early or start markup.
    assert!(md.contains("a \\| b\\_c \\*d\\* \\`e\\`"), "{md}");
    let json = render(write_json, &r);
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back["coverage"]["documents"][1]["document"],
        "<script>alert(1)</script>"
    );
}

/// Every `<svg>…</svg>` of the page, parsed as XML: tags balance, attributes are quoted,
/// entities are known.
#[test]
fn svg_charts_are_well_formed_xml() {
    let mut r = report();
    r.corpus.platforms = vec![Count {
        label: "x".into(),
        count: 3,
    }];
    r.corpus.months = months(vec![
        (Some("2022-01".into()), 2),
        (Some("2022-03".into()), 1),
    ]);
    r.corpus.posts = 3;
    let html = render(write_html, &r);
    let mut n = 0;
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed") + start + 6;
        let svg = &rest[start..end];
        let mut reader = quick_xml::Reader::from_str(svg);
        let mut depth = 0i64;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Text(t)) => {
                    t.decode().expect("text decodes");
                }
                Ok(quick_xml::events::Event::GeneralRef(r)) => {
                    let name = r.decode().expect("a reference decodes");
                    assert!(
                        r.resolve_char_ref().ok().flatten().is_some()
                            || ["amp", "lt", "gt", "quot", "apos"].contains(&&*name),
                        "&{name}; is not an XML entity"
                    );
                }
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}: {svg}"),
            }
        }
        assert_eq!(depth, 0, "{svg}");
        n += 1;
        rest = &rest[end..];
    }
    // Posts by platform and by month, codes, two attribute maps, co-occurrence, coverage.
    assert_eq!(n, 7, "{html}");
    assert!(html.contains("<rect"));
}

#[test]
fn empty_sections_say_nothing_yet() {
    let r = Report {
        title: "empty".into(),
        version: "0".into(),
        date: "2024-01-01".into(),
        codebooks: vec![],
        corpus: Corpus {
            documents: 0,
            segments: 0,
            speakers: 0,
            interviewers: 0,
            formats: vec![],
            posts: 0,
            platforms: vec![],
            months: vec![],
        },
        codes: vec![],
        attributes: Attributes {
            matrices: vec![],
            left_out: vec![],
        },
        cooccurrence: vec![],
        coverage: Coverage {
            documents: vec![],
            total: coverage(&[], &Codings::new(), &Owners::new(), &HashMap::new()).total,
        },
        agreement: vec![],
        rules: ranked_rules(&BTreeMap::new(), &BTreeMap::new()),
        samples: vec![],
        names: BTreeMap::new(),
        summary: Summary {
            documents: 0,
            suggestions: 0,
            decided: 0,
            accepted: 0,
            precision: None,
            coders: vec![],
        },
        coders: vec![],
    };
    for text in [render(write_html, &r), render(write_markdown, &r)] {
        assert_eq!(text.matches("Nothing yet").count(), 7, "{text}");
    }
    let html = render(write_html, &r);
    assert_eq!(html.matches("<section").count(), 7);
}

#[test]
fn one_coder_is_said_plainly() {
    let md = render(write_markdown, &report());
    assert!(md.contains("Only one coder (ann)"), "{md}");
}

// r15 item 24: forty codes read as a list of pairs, not a matrix forty cells wide.
#[test]
fn r15_many_codes_together_are_listed_as_their_top_pairs() {
    let mut c = Codings::new();
    for k in 0..40i64 {
        // Code k on segments k..k+3: neighbours share segments.
        let segs = (k..k + 3).collect();
        c.insert(("cb".into(), format!("c{k:02}")), segs);
    }
    let books = books();
    let co = cooccurrence(&books, &c);
    let pairs = &co[0].pairs;
    assert_eq!(pairs.len(), MAX_PAIRS);
    assert!(
        pairs.windows(2).all(|w| w[0].both >= w[1].both),
        "{pairs:?}"
    );
    assert_eq!(
        (
            pairs[0].first.as_str(),
            pairs[0].second.as_str(),
            pairs[0].both
        ),
        ("c00", "c01", 2)
    );
    let mut r = report();
    r.cooccurrence = co;
    r.names = BTreeMap::from([(
        "cb".to_string(),
        BTreeMap::from([("c00".to_string(), "First code".to_string())]),
    )]);
    let blocks = layout(&r);
    let at = blocks
        .iter()
        .position(|b| matches!(b, Block::Section("cooccurrence", _)))
        .unwrap();
    let section: Vec<&Block> = blocks[at + 1..]
        .iter()
        .take_while(|b| !matches!(b, Block::Section(..)))
        .collect();
    assert!(
        !section.iter().any(|b| matches!(b, Block::Heat { .. })),
        "{section:?}"
    );
    let rows = section
        .iter()
        .find_map(|b| match b {
            Block::Table { head, rows } if head[2].0 == "together with" => Some(rows),
            _ => None,
        })
        .expect("a table of pairs");
    assert_eq!(rows.len(), MAX_PAIRS);
    assert_eq!(rows[0][0].text, "First code");
    assert_eq!(rows[0][0].id.as_deref(), Some("c00"));
    // A few codes still get the matrix, numbered, with names on hover.
    let html = render(write_html, &report());
    assert!(html.contains("segments carrying both codes"));
}

// r15 item 24: chart labels wrap between words; two long names stay apart.
#[test]
fn r15_chart_labels_wrap_and_stay_apart() {
    let a = html::label_lines(
        "Beliefs about consequences of sharing on social media platforms",
        30,
    );
    let b = html::label_lines(
        "Beliefs about consequences of sharing on social media accounts",
        30,
    );
    assert_ne!(a, b);
    assert_eq!(a[0], "Beliefs about consequences of");
    assert!(a.iter().all(|l| l.chars().count() <= 30), "{a:?}");
    // No word is cut when the label fits two lines.
    let c = html::label_lines("Social/professional role and identity of educators", 30);
    assert_eq!(c, ["Social/professional role and", "identity of educators"]);
    assert_eq!(html::label_lines("Barriers", 30), ["Barriers"]);
    // Two codes of one name are told apart by their ids.
    let mut r = report();
    r.names = BTreeMap::from([(
        "cb".to_string(),
        BTreeMap::from([
            ("x".to_string(), "Optimism".to_string()),
            ("y".to_string(), "Optimism".to_string()),
        ]),
    )]);
    let html = render(write_html, &r);
    assert!(html.contains("<tspan>Optimism (x)</tspan>"), "{html}");
    assert!(html.contains("<tspan>Optimism (y)</tspan>"), "{html}");
}

#[test]
fn long_labels_keep_their_start_and_end() {
    assert_eq!(html::short("smu.use", 10), "smu.use");
    let s = html::short(
        "tdf.environmental_context_and_resources.material_resources",
        20,
    );
    assert_eq!(s.chars().count(), 20);
    assert_eq!(s, "tdf.en…ial_resources");
}

#[test]
fn formats_follow_the_extension() {
    assert_eq!(
        ReportFormat::from_path(Path::new("r.MD")),
        ReportFormat::Markdown
    );
    assert_eq!(
        ReportFormat::from_path(Path::new("r.json")),
        ReportFormat::Json
    );
    assert_eq!(
        ReportFormat::from_path(Path::new("report")),
        ReportFormat::Html
    );
}
