//! Tests of the `.qdpx` reader and writer: round trips, schema validity, what export refuses,
//! positions counted other ways, source files found and decoded, unsafe archives, other
//! tools' oddities and the sample projects.

use super::archive::Limits;
use super::positions::Counting;
use super::read::read_with;
use super::*;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The reader's warnings, `lost: ` before those that dropped coded work.
fn said(p: &RefiProject) -> Vec<String> {
    p.warnings
        .iter()
        .map(|w| format!("{}{}", if w.lost { "lost: " } else { "" }, w.message))
        .collect()
}

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/spec/refi-qda/Project-mrt2019.xsd"
);
const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/refi_qda_samples"
);

/// Checks project XML against the REFI-QDA project schema with xmllint, when both are
/// there.
fn assert_valid(xml: &str, label: &str) {
    crate::refi::qdc::assert_schema_valid(XSD, xml, "project.qde", label);
}

/// `project.qde` of an archive.
fn qde_of(path: &Path) -> String {
    let mut zip = ZipArchive::new(File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("project.qde")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// Writes a zip archive of the entries.
fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = ZipWriter::new(File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Code-point offsets of the first `needle` in `text`.
fn span(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?}"));
    let start = text[..at].chars().count();
    (start, start + needle.chars().count())
}

/// The text between two code-point offsets.
fn slice(text: &str, start: usize, end: usize) -> &str {
    let byte = |cp: usize| text.char_indices().nth(cp).map_or(text.len(), |(b, _)| b);
    &text[byte(start)..byte(end)]
}

/// The slices of a source's selections.
fn quotes(s: &RefiSource) -> Vec<&str> {
    s.selections
        .iter()
        .map(|sel| slice(&s.text, sel.start, sel.end))
        .collect()
}

const TEXT_1: &str = "Ana: Ça me fait peur 😟, vraiment.\r\nBen: Je comprends — l'avenir 🌍 est flou.\r\nAna: Oui, « très » flou.\r\n";
const TEXT_2: &str = "Notes de terrain sur 信任 et la confiance.\nDeuxième ligne: über 🎉 alles.";

fn selection(
    text: &str,
    needle: &str,
    key: &str,
    codes: &[&str],
    user: Option<&str>,
) -> RefiSelection {
    let (start, end) = span(text, needle);
    RefiSelection {
        guid: stable_guid("selection", key),
        start,
        end,
        creating_user: user.map(str::to_string),
        created: user.map(|_| "2024-05-01T10:00:00Z".to_string()),
        note: None,
        codings: codes
            .iter()
            .enumerate()
            .map(|(i, code)| RefiCoding {
                guid: stable_guid("coding", &format!("{key}/{i}")),
                code_guid: code_guid(code),
                creating_user: user.map(str::to_string),
                created: user.map(|_| "2024-05-01T10:00:00.25+02:00".to_string()),
            })
            .collect(),
    }
}

/// A small project with everything the format keeps: accents, emoji, CRLF, nesting.
fn sample() -> RefiProject {
    let ana = stable_guid("user", "ana");
    let coder = stable_guid("user", "coder");
    let (s1, s2) = (stable_guid("source", "1"), stable_guid("source", "2"));
    let (age, role) = (
        stable_guid("variable", "age"),
        stable_guid("variable", "role"),
    );
    let mut first = selection(TEXT_1, "Ça me fait peur", "1", &["t.peur"], Some(&ana));
    first.note = Some("Première peur\r\nsur deux lignes & <plus>".into());
    RefiProject {
        name: "Étude « confiance » & co".into(),
        origin: "quarry 0.1".into(),
        users: vec![
            RefiUser {
                guid: ana.clone(),
                name: "José Müller".into(),
            },
            RefiUser {
                guid: coder.clone(),
                name: "Coder <2> & \"friends\"".into(),
            },
        ],
        codes: vec![
            RefiCode {
                guid: code_guid("t.peur"),
                name: "Peur & \"risque\" <nouveau>".into(),
                description: "Ce qui inquiète.\nInclude: l'avenir.\tTab.\r\nCR kept".into(),
                colour: Some("#1f77b4".into()),
                children: vec![RefiCode {
                    guid: code_guid("t.peur.eco"),
                    name: "Écologie".into(),
                    description: String::new(),
                    colour: Some("#2ca02c".into()),
                    children: vec![RefiCode {
                        guid: code_guid("t.peur.eco.oko"),
                        name: "Ökosystem 🌱".into(),
                        ..Default::default()
                    }],
                }],
            },
            RefiCode {
                guid: code_guid("t.hope"),
                name: "Espoir".into(),
                ..Default::default()
            },
        ],
        variables: vec![
            RefiVariable {
                guid: age.clone(),
                name: "Âge".into(),
                kind: VariableType::Integer,
                description: String::new(),
            },
            RefiVariable {
                guid: role.clone(),
                name: "Rôle".into(),
                kind: VariableType::Text,
                description: "Rôle dans l'étude".into(),
            },
        ],
        cases: vec![
            RefiCase {
                guid: stable_guid("case", "Ana"),
                name: "Ana".into(),
                description: "Enseignante".into(),
                values: vec![
                    RefiValue {
                        variable_guid: age.clone(),
                        value: "34".into(),
                    },
                    RefiValue {
                        variable_guid: role.clone(),
                        value: "enseignante, « cheffe »".into(),
                    },
                ],
                sources: vec![s1.clone()],
            },
            RefiCase {
                guid: stable_guid("case", "Ben"),
                name: "Ben".into(),
                description: String::new(),
                values: vec![RefiValue {
                    variable_guid: role.clone(),
                    value: "élève".into(),
                }],
                sources: vec![s1.clone(), s2.clone()],
            },
        ],
        sources: vec![
            RefiSource {
                guid: s1.clone(),
                name: "entretien-1 (Ana & Ben).txt".into(),
                text: TEXT_1.into(),
                creating_user: Some(ana.clone()),
                created: Some("2024-04-30T09:00:00Z".into()),
                selections: vec![
                    first,
                    selection(TEXT_1, "😟", "2", &["t.peur", "t.peur.eco"], None),
                    selection(TEXT_1, "vraiment.\r\nBen", "3", &["t.hope"], Some(&coder)),
                    selection(TEXT_1, "l'avenir 🌍", "4", &["t.peur.eco.oko"], None),
                    selection(TEXT_1, "« très » flou.\r\n", "5", &["t.hope"], None),
                    selection(TEXT_1, "", "6", &["t.hope"], None),
                ],
                codings: vec![RefiCoding {
                    guid: stable_guid("coding", "whole"),
                    code_guid: code_guid("t.hope"),
                    creating_user: None,
                    created: None,
                }],
                values: vec![RefiValue {
                    variable_guid: role,
                    value: "entretien".into(),
                }],
            },
            RefiSource {
                guid: s2,
                name: "terrain".into(),
                text: TEXT_2.into(),
                selections: vec![
                    selection(TEXT_2, "信任", "7", &["t.peur"], None),
                    selection(TEXT_2, "🎉 alles.", "8", &["t.hope", "t.peur"], None),
                ],
                ..Default::default()
            },
        ],
        notes: vec![RefiNote {
            guid: stable_guid("note", "not-exported"),
            name: "Not exported".into(),
            text: "12 rejected suggestions were not exported.\nRules: fear*; hope NEAR/3 future."
                .into(),
            creating_user: Some(ana),
            created: None,
        }],
        warnings: Vec::new(),
    }
}

#[test]
fn a_project_round_trips_with_every_selection_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("étude.qdpx");
    let p = sample();
    write_qdpx(&p, &file).unwrap();
    let back = read_qdpx(&file).unwrap();
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back, p);
    let q = quotes(&back.sources[0]);
    assert_eq!(
        q,
        [
            "Ça me fait peur",
            "😟",
            "vraiment.\r\nBen",
            "l'avenir 🌍",
            "« très » flou.\r\n",
            ""
        ]
    );
    assert_eq!(quotes(&back.sources[1]), ["信任", "🎉 alles."]);
    // Only the archive is left in the folder, and writing twice gives the same bytes.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["étude.qdpx"]);
    let again = dir.path().join("again.qdpx");
    write_qdpx(&p, &again).unwrap();
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(&again).unwrap()
    );
    // Overwriting works.
    write_qdpx(&p, &file).unwrap();
}

#[test]
fn the_export_is_valid_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.qdpx");
    let p = sample();
    write_qdpx(&p, &file).unwrap();
    let xml = qde_of(&file);
    assert_valid(&xml, "the sample project");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Étude « confiance » &amp; co\" origin=\"quarry 0.1\">"), "{xml}");
    assert!(xml.contains(&format!("<Code guid=\"{}\" name=\"Peur &amp; &quot;risque&quot; &lt;nouveau&gt;\" isCodable=\"true\" color=\"#1f77b4\">", code_guid("t.peur"))), "{xml}");
    assert!(
        xml.contains("name=\"Coder &lt;2&gt; &amp; &quot;friends&quot;\""),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<Description>Ce qui inquiète.\nInclude: l'avenir.\tTab.&#13;\nCR kept</Description>"
        ),
        "{xml}"
    );
    let s1 = &p.sources[0];
    assert!(
        xml.contains(&format!("plainTextPath=\"internal://{}.txt\"", s1.guid)),
        "{xml}"
    );
    // Positions are code points: "😟" is one character, after 21.
    assert!(
        xml.contains(&format!(
            "<PlainTextSelection guid=\"{}\" startPosition=\"21\" endPosition=\"22\">",
            s1.selections[1].guid
        )),
        "{xml}"
    );
    assert!(xml.contains("<IntegerValue>34</IntegerValue>"), "{xml}");
    // The schema's order: Users, CodeBook, Variables, Cases, Sources, Notes, NoteRef.
    let at = |s: &str| xml.find(s).unwrap_or_else(|| panic!("{s}"));
    let order = [
        "<Users>",
        "<CodeBook>",
        "<Variables>",
        "<Cases>",
        "<Sources>",
        "<Notes>",
        "<NoteRef ",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{xml}");
    // The source file is the text, UTF-8, no BOM.
    let mut zip = ZipArchive::new(File::open(&file).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name(&format!("sources/{}.txt", s1.guid))
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(bytes, TEXT_1.as_bytes());
}

#[test]
fn an_empty_project_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.qdpx");
    let p = RefiProject {
        name: "empty".into(),
        ..Default::default()
    };
    write_qdpx(&p, &file).unwrap();
    assert_valid(&qde_of(&file), "an empty project");
    assert_eq!(read_qdpx(&file).unwrap(), p);
}

#[test]
fn export_refuses_what_other_tools_would() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.qdpx");
    let refused = |p: &RefiProject| match write_qdpx(p, &file) {
        Err(QdpxError::Invalid { path, message }) => {
            assert_eq!(path, file);
            assert!(!file.exists());
            message
        }
        other => panic!("{other:?}"),
    };
    type Change = fn(&mut RefiProject);
    let changes: [(Change, &str); 9] = [
        (
            |p| p.sources[0].selections[0].codings[0].code_guid = code_guid("t.unknown"),
            "selection 5–20: code 7f607c80-4e6e-56a2-b173-0272f96c77bc is not in the codebook",
        ),
        (
            |p| p.sources[0].selections[1].end = TEXT_1.chars().count() + 1,
            "selection 21–104: outside the text (103 characters)",
        ),
        (
            |p| p.sources[0].selections[1].start = 23,
            "selection 23–22: outside the text",
        ),
        (
            |p| p.codes[0].children[0].colour = Some("blue".into()),
            "code `Écologie`: colour `blue` is not #rrggbb",
        ),
        (
            |p| p.users[1].guid = "not-a-guid".into(),
            "user `Coder <2> & \"friends\"` has a malformed GUID `not-a-guid`",
        ),
        (
            |p| p.cases[1].guid = p.cases[0].guid.to_uppercase(),
            "case `Ben`: GUID",
        ),
        (
            |p| p.cases[0].values[0].value = "thirty".into(),
            "case `Ana`: `thirty` is not a valid Integer value",
        ),
        (
            |p| p.notes[0].created = Some("2024-05-01 10:00".into()),
            "note `Not exported`: `2024-05-01 10:00` is not an xsd:dateTime",
        ),
        (
            |p| p.cases[0].sources.push(stable_guid("source", "9")),
            "is not among the sources",
        ),
    ];
    for (change, expected) in changes {
        let mut p = sample();
        change(&mut p);
        let m = refused(&p);
        assert!(
            m.starts_with("cannot export this project: ") && m.contains(expected),
            "{expected}\n{m}"
        );
    }
    let mut p = sample();
    p.users.clear();
    let m = refused(&p);
    assert!(
        m.contains("is not among the users") && m.contains("; and 1 more"),
        "{m}"
    );
    // Nothing was left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A project as another tool might write it: one source, `doc.txt`, with a selection of
/// each span at the given positions.
fn foreign_qde(origin: &str, path: &str, spans: &[(u64, u64)]) -> String {
    let selections: String = spans
        .iter()
        .enumerate()
        .map(|(i, (s, e))| {
            format!(
                "<PlainTextSelection guid=\"{{5E1EC7{i:02}-0000-4000-8000-000000000000}}\" startPosition=\"{s}\" endPosition=\"{e}\"><Coding guid=\"C0D1{i:04}-0000-4000-8000-000000000000\"><CodeRef targetGUID=\"C0DE0000-0000-4000-8000-000000000001\"/></Coding></PlainTextSelection>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"t\" origin=\"{origin}\"><CodeBook><Codes><Code guid=\"C0DE0000-0000-4000-8000-000000000001\" name=\"Quote\" isCodable=\"true\"/></Codes></CodeBook><Sources><TextSource guid=\"D0C00000-0000-4000-8000-000000000001\" name=\"doc\" plainTextPath=\"{path}\">{selections}</TextSource></Sources></Project>"
    )
}

/// The position of code point `cp` of `text` counted the `counting` way.
fn counted(text: &str, cp: usize, counting: Counting) -> u64 {
    let chars: Vec<char> = text.chars().collect();
    (0..cp)
        .map(|i| {
            if counting.crlf_as_one() && chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
                0
            } else if counting.utf16() {
                chars[i].len_utf16() as u64
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn positions_counted_other_ways_are_converted() {
    let text = "Ana: 😀 premier, puis 🎉 la fête\r\nBen: d'accord 👍🏽 très bien\r\nAna: fin 🌍 du monde\r\n";
    let wanted = [
        "premier",
        "la fête",
        "d'accord",
        "très bien",
        "fin",
        "du monde\r\n",
    ];
    let dir = tempfile::tempdir().unwrap();
    for counting in [
        Counting::CodePoints,
        Counting::CrlfAsOne,
        Counting::Utf16,
        Counting::Utf16CrlfAsOne,
    ] {
        let spans: Vec<(u64, u64)> = wanted
            .iter()
            .map(|w| {
                let (s, e) = span(text, w);
                (counted(text, s, counting), counted(text, e, counting))
            })
            .collect();
        let file = dir.path().join(format!("{counting:?}.qdpx"));
        let xml = foreign_qde("ATLAS.ti for Windows 23", "internal://doc.txt", &spans);
        zip_of(
            &file,
            &[
                ("project.qde", xml.as_bytes()),
                ("sources/doc.txt", text.as_bytes()),
            ],
        );
        let p = read_qdpx(&file).unwrap();
        assert_eq!(quotes(&p.sources[0]), wanted, "{counting:?}");
        if counting == Counting::CodePoints {
            assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        } else {
            assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
            assert!(
                p.warnings[0].message.contains(counting.describe()),
                "{:?}",
                p.warnings
            );
        }
        // The GUIDs are read lowercase, without braces.
        assert_eq!(
            p.sources[0].selections[0].guid,
            "5e1ec700-0000-4000-8000-000000000000"
        );
        assert_eq!(
            p.sources[0].selections[0].codings[0].code_guid,
            p.codes[0].guid
        );
    }
}

#[test]
fn crlf_counted_as_one_is_detected_on_plain_words() {
    let text = "First line of the interview\r\nSecond speaker says something\r\nThird: the quote we want\r\nEnd of it\r\n";
    let wanted = [
        "Second speaker",
        "something",
        "the quote we want",
        "End of it",
    ];
    let dir = tempfile::tempdir().unwrap();
    for counting in [Counting::CodePoints, Counting::CrlfAsOne] {
        let spans: Vec<(u64, u64)> = wanted
            .iter()
            .map(|w| {
                let (s, e) = span(text, w);
                (counted(text, s, counting), counted(text, e, counting))
            })
            .collect();
        let file = dir.path().join("crlf.qdpx");
        let xml = foreign_qde("x", "internal://doc.txt", &spans);
        zip_of(
            &file,
            &[
                ("project.qde", xml.as_bytes()),
                ("sources/doc.txt", text.as_bytes()),
            ],
        );
        let p = read_qdpx(&file).unwrap();
        assert_eq!(quotes(&p.sources[0]), wanted, "{counting:?}");
        assert_eq!(
            p.warnings.len(),
            usize::from(counting != Counting::CodePoints)
        );
    }
    // The conversions themselves.
    let (s, _) = span(text, "Third");
    assert_eq!(positions_crlf_as_one(text, s - 2), s);
    assert_eq!(positions_crlf_as_one(text, 0), 0);
    assert_eq!(positions_crlf_as_one(text, 27), 27); // before the first CRLF
    assert_eq!(positions_crlf_as_one(text, 28), 29); // after it
    assert_eq!(positions_crlf_as_one(text, 10_000), text.chars().count());
    let emoji = "a😀b🎉c";
    assert_eq!(positions_utf16(emoji, 3), 2);
    assert_eq!(positions_utf16(emoji, 6), 4);
    assert_eq!(positions_utf16(emoji, 2), 2); // half an emoji: after it
}

#[test]
fn an_end_past_the_code_points_is_read_as_utf16() {
    // One selection only, at the end: in code points it would not fit.
    let text = "Emoji 😀😀 first, then 🎉 party words here";
    let end = counted(text, text.chars().count(), Counting::Utf16);
    let start = counted(text, span(text, "words").0, Counting::Utf16);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("u.qdpx");
    let xml = foreign_qde("x", "internal://doc.txt", &[(start, end)]);
    zip_of(
        &file,
        &[
            ("project.qde", xml.as_bytes()),
            ("sources/doc.txt", text.as_bytes()),
        ],
    );
    let p = read_qdpx(&file).unwrap();
    assert_eq!(quotes(&p.sources[0]), ["words here"]);
    assert!(p.warnings[0].message.contains("UTF-16"), "{:?}", p.warnings);
    // A selection that fits no counting is dropped, and said so.
    let xml = foreign_qde("x", "internal://doc.txt", &[(0, 5), (3, 500), (9, 4)]);
    zip_of(
        &file,
        &[
            ("project.qde", xml.as_bytes()),
            ("sources/doc.txt", text.as_bytes()),
        ],
    );
    let p = read_qdpx(&file).unwrap();
    assert_eq!(quotes(&p.sources[0]), ["Emoji"]);
    assert_eq!(said(&p), ["lost: source `doc`: 2 selection(s) outside its text (39 characters) were dropped: 3–500, 9–4"]);
}

#[test]
fn source_files_are_found_and_decoded() {
    let text = "Un café, s'il vous plaît\r\n";
    let (s, e) = span(text, "café");
    let mut utf8_bom = b"\xEF\xBB\xBF".to_vec();
    utf8_bom.extend(text.as_bytes());
    let utf16 = |big: bool, bom: bool| {
        let mut out = Vec::new();
        if bom {
            out.extend(if big { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
        }
        for unit in text.encode_utf16() {
            out.extend(if big {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    };
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let cases: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        ("internal://a.txt", "sources/a.txt", utf8_bom, None),
        (
            "sources/b.txt",
            "sources/b.txt",
            utf16(false, true),
            Some("read as UTF-16"),
        ),
        (
            "c.txt",
            "sources/c.txt",
            utf16(true, true),
            Some("read as UTF-16"),
        ),
        (
            "relative://d.txt",
            "sources/d.txt",
            utf16(false, false),
            Some("read as UTF-16 (no BOM)"),
        ),
        (
            "internal://e%20f.txt",
            "sources/e f.txt",
            cp1252.into_owned(),
            Some("read as Windows-1252"),
        ),
        (
            "internal://g.txt",
            "Sources/G.TXT",
            text.as_bytes().to_vec(),
            None,
        ),
        (
            "C:\\Users\\me\\h.txt",
            "sources/h.txt",
            text.as_bytes().to_vec(),
            None,
        ),
        ("plain.txt", "plain.txt", text.as_bytes().to_vec(), None),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (reference, entry, bytes, note) in cases {
        let file = dir.path().join("s.qdpx");
        let xml = foreign_qde(
            "x",
            &reference.replace('&', "&amp;"),
            &[(s as u64, e as u64)],
        );
        zip_of(&file, &[("project.qde", xml.as_bytes()), (entry, &bytes)]);
        let p = read_qdpx(&file).unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(p.sources[0].text, text, "{reference}");
        assert_eq!(quotes(&p.sources[0]), ["café"], "{reference}");
        match note {
            Some(note) => assert!(
                p.warnings.len() == 1 && p.warnings[0].message.contains(note),
                "{reference}: {:?}",
                p.warnings
            ),
            None => assert!(p.warnings.is_empty(), "{reference}: {:?}", p.warnings),
        }
    }
}

#[test]
fn a_bare_qde_reads_its_sources_from_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Bonjour 🌍 à tous";
    let (s, e) = span(text, "à tous");
    std::fs::create_dir(dir.path().join("sources")).unwrap();
    std::fs::write(dir.path().join("sources/doc.txt"), text).unwrap();
    let qde = dir.path().join("project.qde");
    std::fs::write(
        &qde,
        foreign_qde("MAXQDA 24", "internal://doc.txt", &[(s as u64, e as u64)]),
    )
    .unwrap();
    let p = read_qdpx(&qde).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(quotes(&p.sources[0]), ["à tous"]);
    // Without the file, the source is kept empty, its selections dropped, with warnings.
    std::fs::remove_file(dir.path().join("sources/doc.txt")).unwrap();
    let p = read_qdpx(&qde).unwrap();
    assert_eq!(p.sources[0].text, "");
    assert!(p.sources[0].selections.is_empty());
    assert_eq!(
        said(&p),
        [
            "source `doc`: its text `internal://doc.txt` is not in the folder of project.qde; kept empty",
            "lost: source `doc`: 1 selection(s) dropped with its missing text"
        ]
    );
    // A path out of the folder is not followed.
    std::fs::write(&qde, foreign_qde("x", "../secret.txt", &[])).unwrap();
    let p = read_qdpx(&qde).unwrap();
    assert_eq!(said(&p), ["source `doc`: its text `../secret.txt` is a path with `..`, outside the project; kept empty"]);
}

#[test]
fn unsafe_and_oversized_archives_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.qdpx");
    let qde = foreign_qde("x", "internal://doc.txt", &[]);
    for name in [
        "../evil.txt",
        "sources/../../evil.txt",
        "/etc/evil.txt",
        "C:/evil.txt",
        "sources\\..\\..\\evil.txt",
    ] {
        zip_of(&file, &[("project.qde", qde.as_bytes()), (name, b"x")]);
        match read_qdpx(&file) {
            Err(e @ QdpxError::Refused { .. }) => {
                let m = e.to_string();
                assert!(
                    m.starts_with(&format!("{} ({name}): refused: ", file.display())),
                    "{m}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    let limits = Limits {
        total: 1 << 20,
        entries: 10,
        qde: 4096,
    };
    // A source that unpacks past the limit (2 MiB of zeros, a few KB packed).
    let zeros = vec![b'0'; 2 << 20];
    let mut zip = ZipWriter::new(File::create(&file).unwrap());
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("project.qde", deflate).unwrap();
    zip.write_all(qde.as_bytes()).unwrap();
    zip.start_file("sources/doc.txt", deflate).unwrap();
    zip.write_all(&zeros).unwrap();
    zip.finish().unwrap();
    assert!(std::fs::metadata(&file).unwrap().len() < 20_000);
    let e = read_with(&file, limits).unwrap_err().to_string();
    assert!(
        e.contains("(sources/doc.txt): refused: the archive unpacks to more than 1 MiB"),
        "{e}"
    );
    assert!(read_qdpx(&file).is_ok());

    // Too many entries.
    let names: Vec<String> = (0..11).map(|i| format!("sources/{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    zip_of(&file, &entries);
    let e = read_with(&file, limits).unwrap_err().to_string();
    assert!(
        e.contains("refused: the archive has 11 entries; quarry reads at most 10"),
        "{e}"
    );

    // A project.qde past its own limit.
    let big = foreign_qde("x".repeat(5000).as_str(), "internal://doc.txt", &[]);
    zip_of(&file, &[("project.qde", big.as_bytes())]);
    let e = read_with(&file, limits).unwrap_err().to_string();
    assert!(
        e.contains("(project.qde): refused: project.qde is larger than 4096 bytes"),
        "{e}"
    );
}

#[test]
fn broken_files_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.qdpx");
    zip_of(
        &file,
        &[(
            "project.qde",
            b"<Project name=\"x\">\n  <Users>\n</Project>\n",
        )],
    );
    let e = read_qdpx(&file).unwrap_err();
    assert!(
        matches!(
            e,
            QdpxError::Xml {
                line: 3,
                column: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "{} (project.qde): line 3, column 1: malformed XML",
            file.display()
        )),
        "{e}"
    );

    zip_of(&file, &[("project.qde", b"<CodeBook><Codes/></CodeBook>")]);
    let e = read_qdpx(&file).unwrap_err().to_string();
    assert!(
        e.contains("the root element is <CodeBook>, not <Project>") && e.contains("codebook"),
        "{e}"
    );

    zip_of(&file, &[("readme.txt", b"hello")]);
    let e = read_qdpx(&file).unwrap_err().to_string();
    assert!(e.contains("holds no project.qde"), "{e}");

    std::fs::write(&file, b"PK\x03\x04 not really a zip").unwrap();
    assert!(matches!(read_qdpx(&file), Err(QdpxError::Zip { .. })));

    let e = read_qdpx(&dir.path().join("absent.qdpx")).unwrap_err();
    assert!(matches!(e, QdpxError::Io { .. }), "{e:?}");

    let qde = dir.path().join("entity.qde");
    std::fs::write(
        &qde,
        "<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Project name=\"&x;\"/>",
    )
    .unwrap();
    let e = read_qdpx(&qde).unwrap_err().to_string();
    assert!(e.contains("entity.qde: line 1"), "{e}");
}

#[test]
fn other_tools_oddities_are_read_leniently() {
    let xml = r##"<?xml version="1.0" encoding="utf-8"?>
<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="Odd" origin="Some Tool 1.0">
  <qda:Users><qda:User guid="{AAAAAAAA-0000-4000-8000-000000000001}" name="Zoë"/><qda:User guid="aaaaaaaa-0000-4000-8000-000000000001" name="Zoë again"/></qda:Users>
  <qda:CodeBook><qda:Codes>
    <qda:Code guid="abc" name="Not a GUID" isCodable="true" color="#ABC">
      <qda:Description><![CDATA[A <cdata> description]]> &amp; more</qda:Description>
      <qda:Code guid="BBBBBBBB-0000-4000-8000-000000000002" name="Child" isCodable="false"/>
    </qda:Code>
  </qda:Codes></qda:CodeBook>
  <qda:Variables><qda:Variable guid="CCCCCCCC-0000-4000-8000-000000000003" name="Age" typeOfVariable="Integer"/></qda:Variables>
  <qda:Cases><qda:Case guid="DDDDDDDD-0000-4000-8000-000000000004" name="P1">
    <qda:CodeRef targetGUID="abc"/>
    <qda:VariableValue><qda:VariableRef targetGUID="cccccccc-0000-4000-8000-000000000003"/><qda:IntegerValue> 41 </qda:IntegerValue></qda:VariableValue>
    <qda:VariableValue><qda:VariableRef targetGUID="CCCCCCCC-0000-4000-8000-000000000003"/><qda:IntegerValue>old</qda:IntegerValue></qda:VariableValue>
    <qda:SourceRef targetGUID="EEEEEEEE-0000-4000-8000-000000000005"/>
    <qda:SourceRef targetGUID="FFFFFFFF-0000-4000-8000-000000000006"/>
  </qda:Case></qda:Cases>
  <qda:Sources>
    <qda:TextSource guid="EEEEEEEE-0000-4000-8000-000000000005" name="Inline" creatingUser="{AAAAAAAA-0000-4000-8000-000000000001}" creationDateTime="yesterday">
      <qda:PlainTextContent>Zoë said: trust matters.</qda:PlainTextContent>
      <qda:PlainTextSelection guid="11111111-0000-4000-8000-000000000007" startPosition="10" endPosition="24" creatingUser="99999999-0000-4000-8000-000000000000">
        <qda:Description>why</qda:Description>
        <qda:Coding guid="22222222-0000-4000-8000-000000000008"><qda:CodeRef targetGUID="abc"/></qda:Coding>
        <qda:Coding guid="33333333-0000-4000-8000-000000000009"><qda:CodeRef targetGUID="00000000-0000-4000-8000-00000000dead"/></qda:Coding>
      </qda:PlainTextSelection>
      <qda:PlainTextSelection guid="44444444-0000-4000-8000-000000000010" startPosition="x" endPosition="3"/>
      <qda:Coding guid="55555555-0000-4000-8000-000000000011"><qda:CodeRef targetGUID="{BBBBBBBB-0000-4000-8000-000000000002}"/></qda:Coding>
    </qda:TextSource>
    <qda:PDFSource guid="FFFFFFFF-0000-4000-8000-000000000006" name="paper.pdf" path="internal://paper.pdf"/>
  </qda:Sources>
  <qda:Notes><qda:Note guid="66666666-0000-4000-8000-000000000012" name="Memo"><qda:PlainTextContent>A memo.</qda:PlainTextContent></qda:Note></qda:Notes>
  <qda:Sets><qda:Set guid="77777777-0000-4000-8000-000000000013" name="S"/></qda:Sets>
</qda:Project>"##;
    let dir = tempfile::tempdir().unwrap();
    let qde = dir.path().join("odd.qde");
    std::fs::write(&qde, format!("\u{feff}{xml}")).unwrap();
    let p = read_qdpx(&qde).unwrap();
    assert_eq!(p.name, "Odd");
    assert_eq!(p.users[0].guid, "aaaaaaaa-0000-4000-8000-000000000001");
    assert_ne!(p.users[1].guid, p.users[0].guid);
    let code = &p.codes[0];
    assert_eq!(code.guid, stable_guid("foreign", "abc"));
    assert_eq!(code.description, "A <cdata> description & more");
    assert_eq!(code.colour.as_deref(), Some("#aabbcc"));
    assert_eq!(
        code.children[0].guid,
        "bbbbbbbb-0000-4000-8000-000000000002"
    );
    let case = &p.cases[0];
    assert_eq!(
        case.values,
        [RefiValue {
            variable_guid: "cccccccc-0000-4000-8000-000000000003".into(),
            value: "41".into()
        }]
    );
    assert_eq!(case.sources, ["eeeeeeee-0000-4000-8000-000000000005"]);
    let s = &p.sources[0];
    assert_eq!(
        s.creating_user.as_deref(),
        Some("aaaaaaaa-0000-4000-8000-000000000001")
    );
    assert_eq!(s.created, None);
    assert_eq!(quotes(s), ["trust matters."]);
    let sel = &s.selections[0];
    assert_eq!(sel.note.as_deref(), Some("why"));
    assert_eq!(sel.creating_user, None);
    assert_eq!(sel.codings.len(), 1);
    assert_eq!(sel.codings[0].code_guid, code.guid);
    assert_eq!(s.codings[0].code_guid, code.children[0].guid);
    assert_eq!(p.notes[0].text, "A memo.");
    assert_eq!(
        said(&p),
        [
            "1 links from cases to codes or selections were not read",
            "lost: source `Inline`: 1 selection(s) without valid positions were dropped",
            "1 <PDFSource> element(s) skipped: quarry reads text sources only",
            "1 sets were not read",
            "lost: 1 dates that are not xsd:dateTime dropped",
            "lost: 1 references to unknown users dropped",
            "lost: 1 codings of codes not in the codebook dropped",
            "lost: 1 variable values of unknown variables or of the wrong type dropped",
            "lost: 1 case links to sources not read dropped",
            "1 GUIDs used more than once were replaced (references keep the first)",
        ]
    );
    // What was read can be written, and reads back the same.
    let file = dir.path().join("odd.qdpx");
    write_qdpx(&p, &file).unwrap();
    assert_valid(&qde_of(&file), "the odd project re-exported");
    let mut back = read_qdpx(&file).unwrap();
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    back.warnings = p.warnings.clone();
    assert_eq!(back, p);
}

#[test]
fn values_are_checked_as_the_schema_types_them() {
    for ok in [
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00",
        "2024-05-01T23:59:59.125+14:00",
    ] {
        assert!(is_date_time(ok), "{ok}");
    }
    for bad in [
        "2024-05-01",
        "2024-13-01T10:00:00Z",
        "2024-05-01 10:00:00",
        "yesterday",
    ] {
        assert!(!is_date_time(bad), "{bad}");
    }
    assert!(VariableType::Date.accepts("2024-02-29") && !VariableType::Date.accepts("2024-2-29"));
    assert!(VariableType::Integer.accepts("-12") && !VariableType::Integer.accepts("1.5"));
    assert!(VariableType::Float.accepts("1.5") && !VariableType::Float.accepts("1e3"));
    assert!(VariableType::Boolean.accepts("0") && !VariableType::Boolean.accepts("yes"));
    assert!(is_guid("{0A1B2C3D-0000-4000-8000-00000000ABCD}") && !is_guid("0A1B2C3D"));
    assert_eq!(
        norm_guid(" {0A1B2C3D-0000-4000-8000-00000000ABCD} "),
        "0a1b2c3d-0000-4000-8000-00000000abcd"
    );
}

#[test]
fn line_ends_become_lf_with_the_selections() {
    let mut s = sample().sources.remove(0);
    let before: Vec<String> = quotes(&s).iter().map(|q| q.replace("\r\n", "\n")).collect();
    to_lf(&mut s);
    assert!(!s.text.contains('\r'));
    assert_eq!(s.text, TEXT_1.replace("\r\n", "\n"));
    assert_eq!(quotes(&s), before);
    let mut lone = RefiSource {
        text: "a\rb\r\nc".into(),
        selections: vec![RefiSelection {
            start: 5,
            end: 6,
            ..Default::default()
        }],
        ..Default::default()
    };
    to_lf(&mut lone);
    assert_eq!(lone.text, "a\nb\nc");
    assert_eq!(quotes(&lone), ["c"]);
}

#[test]
fn the_sample_projects_read() {
    let samples = [
        "atlasti_23_blank-atlas-project.qdpx",
        "atlasti_23_target-atlas-project.qdpx",
        "maxqda24_ICLS_themes_project.qde",
    ];
    if !Path::new(SAMPLES).exists() {
        crate::test_skipped(&format!(
            "{SAMPLES} is absent; the sample projects were not read"
        ));
        return;
    }
    fn count(codes: &[RefiCode]) -> usize {
        codes.iter().map(|c| 1 + count(&c.children)).sum()
    }
    let dir = tempfile::tempdir().unwrap();
    let mut summary = Vec::new();
    for name in samples {
        let path = Path::new(SAMPLES).join(name);
        let p = read_qdpx(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut codings = 0;
        for s in &p.sources {
            let length = s.text.chars().count();
            for sel in &s.selections {
                assert!(sel.start < sel.end && sel.end <= length, "{name}: {sel:?}");
                assert!(!slice(&s.text, sel.start, sel.end).is_empty());
                codings += sel.codings.len();
            }
            codings += s.codings.len();
        }
        let selections: usize = p.sources.iter().map(|s| s.selections.len()).sum();
        eprintln!(
            "{name}: {} users, {} codes ({} top-level), {} sources ({} with text), {selections} selections, {codings} codings, {} cases, {} variables; warnings: {:?}",
            p.users.len(),
            count(&p.codes),
            p.codes.len(),
            p.sources.len(),
            p.sources.iter().filter(|s| !s.text.is_empty()).count(),
            p.cases.len(),
            p.variables.len(),
            p.warnings
        );
        summary.push((
            p.users.len(),
            count(&p.codes),
            p.codes.len(),
            p.sources.len(),
            codings,
        ));
        // Each re-exports to a valid project that reads back the same.
        let file = dir.path().join(format!("{name}.qdpx"));
        write_qdpx(&p, &file).unwrap_or_else(|e| panic!("{e}"));
        assert_valid(&qde_of(&file), &format!("{name} re-exported"));
        let mut back = read_qdpx(&file).unwrap();
        assert!(back.warnings.is_empty(), "{name}: {:?}", back.warnings);
        back.warnings = p.warnings.clone();
        assert_eq!(back, p, "{name}");
    }
    assert_eq!(
        summary,
        [(2, 0, 0, 0, 0), (2, 3, 1, 0, 0), (1, 307, 18, 10, 0)]
    );
}
