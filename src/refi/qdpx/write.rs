//! Export: a [`RefiProject`] checked against what the format (and other tools) accept, then
//! written as a `.qdpx` archive: `project.qde`, elements in the schema's order, and one UTF-8
//! text file per source.

use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::Path;

use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::{
    is_date_time, is_guid, QdpxError, RefiCase, RefiCode, RefiCoding, RefiNote, RefiProject,
    RefiSource, RefiValue, RefiVariable, VariableType,
};
use crate::refi::qdc;

/// The QDA-XML project namespace.
const NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// A source's file name inside the archive, from its GUID.
fn file_key(guid: &str) -> String {
    guid.trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// Writes the project as a REFI-QDA `.qdpx` archive at `path`: `project.qde` and one
/// `sources/<guid>.txt` (UTF-8) per source. The archive is written to a temporary file next
/// to `path` and renamed over it, so `path` never holds half a file.
///
/// Refuses (as [`QdpxError::Invalid`], writing nothing) a project that other tools would
/// reject: GUIDs that are malformed or used twice, references to unknown codes, users,
/// variables or sources, selections outside their text, dates and values the schema does
/// not accept, colours that are not `#rrggbb`.
pub fn write_qdpx(p: &RefiProject, path: &Path) -> Result<(), QdpxError> {
    let problems = check(p);
    if !problems.is_empty() {
        let mut message = format!(
            "cannot export this project: {}",
            problems[..problems.len().min(5)].join("; ")
        );
        if problems.len() > 5 {
            message.push_str(&format!("; and {} more", problems.len() - 5));
        }
        return Err(QdpxError::Invalid {
            path: path.to_path_buf(),
            message,
        });
    }
    let xml = project_xml(p);
    let io = |source| QdpxError::Io {
        path: path.to_path_buf(),
        entry: None,
        source,
    };
    let zip_error = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => e,
        other => std::io::Error::other(other),
    };
    crate::output::write_whole(path, ".quarry-export-", |file| {
        let mut zip = ZipWriter::new(BufWriter::new(file));
        let options = |len: usize| {
            SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .large_file(len as u64 >= u64::from(u32::MAX))
        };
        zip.start_file("project.qde", options(xml.len()))
            .map_err(zip_error)?;
        zip.write_all(xml.as_bytes())?;
        for s in &p.sources {
            let name = format!("sources/{}.txt", file_key(&s.guid));
            zip.start_file(name, options(s.text.len()))
                .map_err(zip_error)?;
            zip.write_all(s.text.as_bytes())?;
        }
        zip.finish().map_err(zip_error)?.flush()
    })
    .map_err(io)
}

/// Everything in the project that the format (or other tools) would not accept.
fn check(p: &RefiProject) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // `label` names the element: "user `Ana`", "a coding in source `x`".
    let mut guid = |label: &str, guid: &str, problems: &mut Vec<String>| {
        if !is_guid(guid) {
            problems.push(format!("{label} has a malformed GUID `{guid}`"));
        } else if !seen.insert(file_key(guid)) {
            problems.push(format!("{label}: GUID {guid} is used twice"));
        }
    };

    let users: HashSet<String> = p.users.iter().map(|u| file_key(&u.guid)).collect();
    for u in &p.users {
        guid(&format!("user `{}`", u.name), &u.guid, &mut problems);
    }
    let mut codes = HashSet::new();
    let mut stack: Vec<&RefiCode> = p.codes.iter().collect();
    while let Some(c) = stack.pop() {
        guid(&format!("code `{}`", c.name), &c.guid, &mut problems);
        codes.insert(file_key(&c.guid));
        if let Some(colour) = &c.colour {
            if qdc::colour(colour).is_none() {
                problems.push(format!(
                    "code `{}`: colour `{colour}` is not #rrggbb",
                    c.name
                ));
            }
        }
        stack.extend(&c.children);
    }
    let mut kinds = HashMap::new();
    for v in &p.variables {
        guid(&format!("variable `{}`", v.name), &v.guid, &mut problems);
        kinds.insert(file_key(&v.guid), v.kind);
    }
    let sources: HashSet<String> = p.sources.iter().map(|s| file_key(&s.guid)).collect();

    let who = |what: &str,
               user: &Option<String>,
               created: &Option<String>,
               problems: &mut Vec<String>| {
        if let Some(user) = user {
            if !users.contains(&file_key(user)) {
                problems.push(format!(
                    "{what}: creating user {user} is not among the users"
                ));
            }
        }
        if let Some(created) = created {
            if !is_date_time(created) {
                problems.push(format!(
                    "{what}: `{created}` is not an xsd:dateTime (like 2024-05-01T10:00:00Z)"
                ));
            }
        }
    };
    let values = |what: &str, values: &[RefiValue], problems: &mut Vec<String>| {
        for v in values {
            match kinds.get(&file_key(&v.variable_guid)) {
                None => problems.push(format!("{what}: variable {} is unknown", v.variable_guid)),
                Some(kind) if !kind.accepts(&v.value) => problems.push(format!(
                    "{what}: `{}` is not a valid {} value",
                    v.value,
                    kind.name()
                )),
                Some(_) => {}
            }
        }
    };
    let coding = |what: &str, c: &RefiCoding, problems: &mut Vec<String>| {
        if !codes.contains(&file_key(&c.code_guid)) {
            problems.push(format!(
                "{what}: code {} is not in the codebook",
                c.code_guid
            ));
        }
        who(what, &c.creating_user, &c.created, problems);
    };

    for case in &p.cases {
        guid(&format!("case `{}`", case.name), &case.guid, &mut problems);
        let what = format!("case `{}`", case.name);
        values(&what, &case.values, &mut problems);
        for s in &case.sources {
            if !sources.contains(&file_key(s)) {
                problems.push(format!("{what}: source {s} is not among the sources"));
            }
        }
    }
    for s in &p.sources {
        guid(&format!("source `{}`", s.name), &s.guid, &mut problems);
        let what = format!("source `{}`", s.name);
        who(&what, &s.creating_user, &s.created, &mut problems);
        values(&what, &s.values, &mut problems);
        for c in &s.codings {
            guid(&format!("a coding in {what}"), &c.guid, &mut problems);
            coding(&what, c, &mut problems);
        }
        let length = s.text.chars().count();
        for sel in &s.selections {
            let what = format!("source `{}`, selection {}–{}", s.name, sel.start, sel.end);
            guid(&what, &sel.guid, &mut problems);
            if sel.start > sel.end || sel.end > length {
                problems.push(format!("{what}: outside the text ({length} characters)"));
            }
            who(&what, &sel.creating_user, &sel.created, &mut problems);
            for c in &sel.codings {
                guid(&format!("a coding in {what}"), &c.guid, &mut problems);
                coding(&what, c, &mut problems);
            }
        }
    }
    for n in &p.notes {
        guid(&format!("note `{}`", n.name), &n.guid, &mut problems);
        who(
            &format!("note `{}`", n.name),
            &n.creating_user,
            &n.created,
            &mut problems,
        );
    }
    problems
}

/// An element's start tag with the attributes that have a value.
fn start<'a>(name: &'a str, attributes: &[(&str, Option<&str>)]) -> BytesStart<'a> {
    let mut el = BytesStart::new(name);
    for (key, value) in attributes {
        if let Some(value) = value {
            qdc::set(&mut el, key, value);
        }
    }
    el
}

fn open(w: &mut Writer<Vec<u8>>, el: BytesStart) {
    qdc::put(w, Event::Start(el));
}

fn close(w: &mut Writer<Vec<u8>>, name: &str) {
    qdc::put(w, Event::End(BytesEnd::new(name)));
}

fn empty(w: &mut Writer<Vec<u8>>, el: BytesStart) {
    qdc::put(w, Event::Empty(el));
}

/// `<name>text</name>`, escaped so that it reads back exactly (CR included).
fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) {
    open(w, BytesStart::new(name));
    let text = partial_escape(qdc::xml_chars(text).as_str()).replace('\r', "&#13;");
    qdc::put(w, Event::Text(BytesText::from_escaped(text)));
    close(w, name);
}

/// `<TargetElement targetGUID="…"/>`.
fn reference(w: &mut Writer<Vec<u8>>, name: &str, guid: &str) {
    empty(w, start(name, &[("targetGUID", Some(guid))]));
}

/// The XML of `project.qde`, elements in the order of the schema's sequences.
fn project_xml(p: &RefiProject) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    qdc::put(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let origin = Some(p.origin.as_str()).filter(|o| !o.is_empty());
    open(
        &mut w,
        start(
            "Project",
            &[
                ("xmlns", Some(NAMESPACE)),
                ("name", Some(&p.name)),
                ("origin", origin),
            ],
        ),
    );
    if !p.users.is_empty() {
        open(&mut w, BytesStart::new("Users"));
        for u in &p.users {
            empty(
                &mut w,
                start("User", &[("guid", Some(&u.guid)), ("name", Some(&u.name))]),
            );
        }
        close(&mut w, "Users");
    }
    if !p.codes.is_empty() {
        open(&mut w, BytesStart::new("CodeBook"));
        open(&mut w, BytesStart::new("Codes"));
        for c in &p.codes {
            write_code(&mut w, c);
        }
        close(&mut w, "Codes");
        close(&mut w, "CodeBook");
    }
    let kinds: HashMap<String, VariableType> = p
        .variables
        .iter()
        .map(|v| (file_key(&v.guid), v.kind))
        .collect();
    write_variables(&mut w, &p.variables);
    write_cases(&mut w, &p.cases, &kinds);
    write_sources(&mut w, &p.sources, &kinds);
    write_notes(&mut w, &p.notes);
    close(&mut w, "Project");
    let mut xml = String::from_utf8(w.into_inner()).expect("the writer was given only UTF-8");
    xml.push('\n');
    xml
}

/// `<Variables>`, when there are any.
fn write_variables(w: &mut Writer<Vec<u8>>, variables: &[RefiVariable]) {
    if !variables.is_empty() {
        open(w, BytesStart::new("Variables"));
        for v in variables {
            let el = start(
                "Variable",
                &[
                    ("guid", Some(&v.guid)),
                    ("name", Some(&v.name)),
                    ("typeOfVariable", Some(v.kind.name())),
                ],
            );
            if v.description.is_empty() {
                empty(w, el);
            } else {
                open(w, el);
                text_element(w, "Description", &v.description);
                close(w, "Variable");
            }
        }
        close(w, "Variables");
    }
}

/// `<Cases>`, when there are any, each with its values and its sources.
fn write_cases(w: &mut Writer<Vec<u8>>, cases: &[RefiCase], kinds: &HashMap<String, VariableType>) {
    if !cases.is_empty() {
        open(w, BytesStart::new("Cases"));
        for case in cases {
            open(
                w,
                start(
                    "Case",
                    &[("guid", Some(&case.guid)), ("name", Some(&case.name))],
                ),
            );
            if !case.description.is_empty() {
                text_element(w, "Description", &case.description);
            }
            write_values(w, &case.values, kinds);
            for s in &case.sources {
                reference(w, "SourceRef", s);
            }
            close(w, "Case");
        }
        close(w, "Cases");
    }
}

/// `<Sources>`, when there are any: each text source with its selections, its codings and
/// its values.
fn write_sources(
    w: &mut Writer<Vec<u8>>,
    sources: &[RefiSource],
    kinds: &HashMap<String, VariableType>,
) {
    if !sources.is_empty() {
        open(w, BytesStart::new("Sources"));
        for s in sources {
            let path = format!("internal://{}.txt", file_key(&s.guid));
            open(
                w,
                start(
                    "TextSource",
                    &[
                        ("guid", Some(&s.guid)),
                        ("name", Some(&s.name)),
                        ("plainTextPath", Some(&path)),
                        ("creatingUser", s.creating_user.as_deref()),
                        ("creationDateTime", s.created.as_deref()),
                    ],
                ),
            );
            for sel in &s.selections {
                let (start_at, end_at) = (sel.start.to_string(), sel.end.to_string());
                open(
                    w,
                    start(
                        "PlainTextSelection",
                        &[
                            ("guid", Some(&sel.guid)),
                            ("startPosition", Some(&start_at)),
                            ("endPosition", Some(&end_at)),
                            ("creatingUser", sel.creating_user.as_deref()),
                            ("creationDateTime", sel.created.as_deref()),
                        ],
                    ),
                );
                if let Some(note) = sel.note.as_deref().filter(|n| !n.is_empty()) {
                    text_element(w, "Description", note);
                }
                for c in &sel.codings {
                    write_coding(w, c);
                }
                close(w, "PlainTextSelection");
            }
            for c in &s.codings {
                write_coding(w, c);
            }
            write_values(w, &s.values, kinds);
            close(w, "TextSource");
        }
        close(w, "Sources");
    }
}

/// `<Notes>`, when there are any, and the `<NoteRef>`s that make them the project's.
fn write_notes(w: &mut Writer<Vec<u8>>, notes: &[RefiNote]) {
    if !notes.is_empty() {
        open(w, BytesStart::new("Notes"));
        for n in notes {
            open(
                w,
                start(
                    "Note",
                    &[
                        ("guid", Some(&n.guid)),
                        ("name", Some(&n.name)),
                        ("creatingUser", n.creating_user.as_deref()),
                        ("creationDateTime", n.created.as_deref()),
                    ],
                ),
            );
            text_element(w, "PlainTextContent", &n.text);
            close(w, "Note");
        }
        close(w, "Notes");
        // The notes are about the project as a whole.
        for n in notes {
            reference(w, "NoteRef", &n.guid);
        }
    }
}

fn write_code(w: &mut Writer<Vec<u8>>, c: &RefiCode) {
    let colour = c.colour.as_deref().and_then(qdc::colour);
    let el = start(
        "Code",
        &[
            ("guid", Some(&c.guid)),
            ("name", Some(&c.name)),
            ("isCodable", Some("true")),
            ("color", colour.as_deref()),
        ],
    );
    if c.description.is_empty() && c.children.is_empty() {
        empty(w, el);
        return;
    }
    open(w, el);
    if !c.description.is_empty() {
        text_element(w, "Description", &c.description);
    }
    for child in &c.children {
        write_code(w, child);
    }
    close(w, "Code");
}

fn write_coding(w: &mut Writer<Vec<u8>>, c: &RefiCoding) {
    open(
        w,
        start(
            "Coding",
            &[
                ("guid", Some(&c.guid)),
                ("creatingUser", c.creating_user.as_deref()),
                ("creationDateTime", c.created.as_deref()),
            ],
        ),
    );
    reference(w, "CodeRef", &c.code_guid);
    close(w, "Coding");
}

fn write_values(
    w: &mut Writer<Vec<u8>>,
    values: &[RefiValue],
    kinds: &HashMap<String, VariableType>,
) {
    for v in values {
        let kind = kinds
            .get(&file_key(&v.variable_guid))
            .copied()
            .unwrap_or_default();
        open(w, BytesStart::new("VariableValue"));
        reference(w, "VariableRef", &v.variable_guid);
        text_element(w, kind.value_element(), &v.value);
        close(w, "VariableValue");
    }
}
