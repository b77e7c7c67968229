//! REFI-QDA projects (`.qdpx`, QDA-XML 1.0), both ways: [`write_qdpx`] exports a project for
//! NVivo, ATLAS.ti, MAXQDA and the other tools that read the REFI-QDA exchange format, and
//! [`read_qdpx`] imports one. Only plain data crosses this module ([`RefiProject`]); mapping it
//! to and from the project database is the caller's job.
//!
//! A `.qdpx` is a zip archive holding `project.qde` (XML, namespace `urn:QDA-XML:project:1.0`,
//! schema `Project.xsd`) and the project's files under `sources/`. Export writes each source
//! as UTF-8 plain text, `sources/<guid>.txt`, referenced as `internal://<guid>.txt`; codes
//! keep the GUIDs of the `.qdc` codebook export ([`code_guid`]), so both files link up.
//!
//! **Positions.** A `<PlainTextSelection>` names its text with `startPosition` and
//! `endPosition`: Unicode code points from 0, the end exclusive. Export writes exactly that.
//! Tools do not all count that way, so import decides once per project how its positions
//! were counted, among: code points (the standard), code points with CRLF counted as one
//! character, UTF-16 code units, and UTF-16 units with CRLF as one (only the countings that
//! differ on the project's texts are tried). The counting under which most selections fit in
//! their text wins; among equals, the one whose selection boundaries fall least often inside
//! a word or between the CR and LF of a line break; the standard one on a tie. Positions
//! that come out of [`read_qdpx`] are always code points into [`RefiSource::text`] as read
//! (BOM dropped, line ends kept: see [`to_lf`]).
//!
//! **Export is strict, import is lenient.** [`write_qdpx`] refuses a project the format
//! cannot hold (a malformed GUID, a coding of an unknown code, a selection outside its text…)
//! rather than write a file other tools reject. [`read_qdpx`] refuses only what it cannot read
//! at all (not a zip, malformed XML, unsafe or oversized archives) and otherwise keeps what
//! it can, saying in [`RefiProject::warnings`] what it changed or left out, so that what it
//! returns can always be written back. Non-text sources (PDF, pictures, audio, video), sets,
//! links and graphs are not read.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use regex::Regex;
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

pub use crate::codebook::guid::{code_guid, is_guid};
pub use crate::error::QdpxError;
use crate::refi::qdc;

/// The QDA-XML project namespace.
const NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// How much an archive may hold: what it unpacks to in all, how many entries, and how large
/// `project.qde` may be.
#[derive(Debug, Clone, Copy)]
struct Limits {
    total: u64,
    entries: usize,
    qde: u64,
}

const LIMITS: Limits = Limits {
    total: 1 << 30,
    entries: 100_000,
    qde: 512 << 20,
};

/// Deepest element nesting read (codes nest; nothing real comes near this).
const MAX_DEPTH: usize = 256;

// ------------------------------------------------------------------------------ plain data

/// A REFI-QDA project as plain data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiProject {
    /// The project's name (`<Project name>`).
    pub name: String,
    /// The program that wrote it (`origin`), e.g. `quarry 0.1`; omitted when empty.
    pub origin: String,
    /// The people (and programs) named as creators.
    pub users: Vec<RefiUser>,
    /// The codebook: top-level codes, each with its children.
    pub codes: Vec<RefiCode>,
    /// Variables, whose values cases and sources carry.
    pub variables: Vec<RefiVariable>,
    /// Cases (a participant is a case).
    pub cases: Vec<RefiCase>,
    /// Text sources, with their selections and codings.
    pub sources: Vec<RefiSource>,
    /// Notes on the project as a whole (e.g. what the export left out).
    pub notes: Vec<RefiNote>,
    /// What [`read_qdpx`] changed or left out, one sentence each. [`write_qdpx`] ignores it.
    pub warnings: Vec<RefiWarning>,
}

/// Something [`read_qdpx`] changed or left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefiWarning {
    /// Whether coded work was lost (a selection or coding dropped), rather than converted or
    /// passed over (positions recounted, a PDF source or a set not read).
    pub lost: bool,
    /// What happened, one sentence.
    pub message: String,
    /// The name of the source whose text could not be read, when that is what it says (the
    /// source is then kept with an empty text).
    pub missing_text: Option<String>,
}

impl std::fmt::Display for RefiWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The reader's warnings as it collects them: `push` a note, `lost` what was dropped.
#[derive(Default)]
struct Warnings(Vec<RefiWarning>);

impl Warnings {
    fn push(&mut self, message: String) {
        self.0.push(RefiWarning {
            lost: false,
            message,
            missing_text: None,
        });
    }

    fn lost(&mut self, message: String) {
        self.0.push(RefiWarning {
            lost: true,
            message,
            missing_text: None,
        });
    }
}

/// A user: someone who created sources, selections or codings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiUser {
    /// The user's GUID.
    pub guid: String,
    /// The user's name.
    pub name: String,
}

/// A code, with its sub-codes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiCode {
    /// The code's GUID; for a quarry code, [`code_guid`] of its id.
    pub guid: String,
    /// The code's name.
    pub name: String,
    /// The description other tools show (for quarry: definition, notes and rules).
    pub description: String,
    /// `#rrggbb` (`#rgb` is accepted on export; import gives `#rrggbb`, lowercase).
    pub colour: Option<String>,
    /// Sub-codes.
    pub children: Vec<RefiCode>,
}

/// A text source (a document) and what is coded in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiSource {
    /// The source's GUID.
    pub guid: String,
    /// The source's name.
    pub name: String,
    /// The plain text. Selections count code points of this text.
    pub text: String,
    /// The GUID of the user who created it.
    pub creating_user: Option<String>,
    /// When it was created (`xsd:dateTime`, e.g. `2024-05-01T10:00:00Z`).
    pub created: Option<String>,
    /// Selections (quotations), each with its codings.
    pub selections: Vec<RefiSelection>,
    /// Codings of the whole source.
    pub codings: Vec<RefiCoding>,
    /// Variable values of the source (document attributes).
    pub values: Vec<RefiValue>,
}

/// A selected span of a source's text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiSelection {
    /// The selection's GUID.
    pub guid: String,
    /// First code point, from 0.
    pub start: usize,
    /// Code point after the last (exclusive).
    pub end: usize,
    /// The GUID of the user who made it.
    pub creating_user: Option<String>,
    /// When it was made (`xsd:dateTime`).
    pub created: Option<String>,
    /// A comment on the selection (written as its `<Description>`).
    pub note: Option<String>,
    /// The codes applied to it.
    pub codings: Vec<RefiCoding>,
}

/// One code applied to a selection (or a whole source).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiCoding {
    /// The coding's GUID.
    pub guid: String,
    /// The GUID of the code applied.
    pub code_guid: String,
    /// The GUID of the user who applied it.
    pub creating_user: Option<String>,
    /// When it was applied (`xsd:dateTime`).
    pub created: Option<String>,
}

/// The types a variable can have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VariableType {
    /// Any text.
    #[default]
    Text,
    /// `true`, `false`, `1` or `0`.
    Boolean,
    /// A whole number.
    Integer,
    /// A decimal number (`-1.5`; no exponent).
    Float,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDThh:mm:ss`, with an optional fraction and time zone.
    DateTime,
}

impl VariableType {
    /// The name in `typeOfVariable`.
    fn name(self) -> &'static str {
        match self {
            VariableType::Text => "Text",
            VariableType::Boolean => "Boolean",
            VariableType::Integer => "Integer",
            VariableType::Float => "Float",
            VariableType::Date => "Date",
            VariableType::DateTime => "DateTime",
        }
    }

    fn from_name(name: &str) -> Option<VariableType> {
        [
            VariableType::Text,
            VariableType::Boolean,
            VariableType::Integer,
            VariableType::Float,
            VariableType::Date,
            VariableType::DateTime,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }

    /// The element holding a value of this type.
    fn value_element(self) -> &'static str {
        match self {
            VariableType::Text => "TextValue",
            VariableType::Boolean => "BooleanValue",
            VariableType::Integer => "IntegerValue",
            VariableType::Float => "FloatValue",
            VariableType::Date => "DateValue",
            VariableType::DateTime => "DateTimeValue",
        }
    }

    /// Whether the schema accepts `value` for this type.
    fn accepts(self, value: &str) -> bool {
        static INTEGER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[+-]?\d+$").unwrap());
        static DECIMAL: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^[+-]?(\d+(\.\d*)?|\.\d+)$").unwrap());
        match self {
            VariableType::Text => true,
            VariableType::Boolean => matches!(value, "true" | "false" | "1" | "0"),
            VariableType::Integer => INTEGER.is_match(value),
            VariableType::Float => DECIMAL.is_match(value),
            VariableType::Date => is_date(value),
            VariableType::DateTime => is_date_time(value),
        }
    }
}

/// A variable (an attribute of cases or sources).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiVariable {
    /// The variable's GUID.
    pub guid: String,
    /// The variable's name.
    pub name: String,
    /// What its values are.
    pub kind: VariableType,
    /// What it means.
    pub description: String,
}

/// A variable's value on a case or a source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiValue {
    /// The GUID of the variable.
    pub variable_guid: String,
    /// The value, as text (checked against the variable's type on export).
    pub value: String,
}

/// A case: a participant, or any unit of analysis, with its variable values and sources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiCase {
    /// The case's GUID.
    pub guid: String,
    /// The case's name.
    pub name: String,
    /// What the case is.
    pub description: String,
    /// The case's variable values.
    pub values: Vec<RefiValue>,
    /// The GUIDs of the sources that belong to the case.
    pub sources: Vec<String>,
}

/// A note on the project as a whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefiNote {
    /// The note's GUID.
    pub guid: String,
    /// The note's title.
    pub name: String,
    /// The note's text.
    pub text: String,
    /// The GUID of the user who wrote it.
    pub creating_user: Option<String>,
    /// When it was written (`xsd:dateTime`).
    pub created: Option<String>,
}

// ----------------------------------------------------------------------------------- GUIDs

/// A stable GUID for anything else quarry exports: UUIDv5 of `kind` and `key` (e.g.
/// `("source", "12")`, `("coding", "12/5")`) in quarry's project namespace, so exporting
/// twice gives the same GUIDs.
pub fn stable_guid(kind: &str, key: &str) -> String {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://quarry.invalid/project");
    Uuid::new_v5(&namespace, format!("{kind}\u{0}{key}").as_bytes()).to_string()
}

/// A GUID as import gives it: lowercase, no braces. Anything that is not a GUID becomes a
/// stable GUID made from it, the same wherever it is used, so references still match.
fn norm_guid(guid: &str) -> String {
    let guid = guid.trim();
    if is_guid(guid) {
        guid.trim_start_matches('{')
            .trim_end_matches('}')
            .to_ascii_lowercase()
    } else {
        stable_guid("foreign", guid)
    }
}

/// A source's file name inside the archive, from its GUID.
fn file_key(guid: &str) -> String {
    guid.trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// The parts of the XML Schema date and time formats.
const DATE: &str = r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])";
const TIME: &str = r"(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?)";
const ZONE: &str = r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?";

/// Whether the value is an `xsd:date` (`2024-05-01`, optionally with a time zone).
fn is_date(value: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{DATE}{ZONE}$")).unwrap());
    RE.is_match(value)
}

/// Whether the value is an `xsd:dateTime` (`2024-05-01T10:00:00Z`, `…T10:00:00.5+02:00`).
fn is_date_time(value: &str) -> bool {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!("^{DATE}T{TIME}{ZONE}$")).unwrap());
    RE.is_match(value)
}

// ---------------------------------------------------------------------------------- export

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
    if !p.variables.is_empty() {
        open(&mut w, BytesStart::new("Variables"));
        for v in &p.variables {
            let el = start(
                "Variable",
                &[
                    ("guid", Some(&v.guid)),
                    ("name", Some(&v.name)),
                    ("typeOfVariable", Some(v.kind.name())),
                ],
            );
            if v.description.is_empty() {
                empty(&mut w, el);
            } else {
                open(&mut w, el);
                text_element(&mut w, "Description", &v.description);
                close(&mut w, "Variable");
            }
        }
        close(&mut w, "Variables");
    }
    if !p.cases.is_empty() {
        open(&mut w, BytesStart::new("Cases"));
        for case in &p.cases {
            open(
                &mut w,
                start(
                    "Case",
                    &[("guid", Some(&case.guid)), ("name", Some(&case.name))],
                ),
            );
            if !case.description.is_empty() {
                text_element(&mut w, "Description", &case.description);
            }
            write_values(&mut w, &case.values, &kinds);
            for s in &case.sources {
                reference(&mut w, "SourceRef", s);
            }
            close(&mut w, "Case");
        }
        close(&mut w, "Cases");
    }
    if !p.sources.is_empty() {
        open(&mut w, BytesStart::new("Sources"));
        for s in &p.sources {
            let path = format!("internal://{}.txt", file_key(&s.guid));
            open(
                &mut w,
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
                    &mut w,
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
                    text_element(&mut w, "Description", note);
                }
                for c in &sel.codings {
                    write_coding(&mut w, c);
                }
                close(&mut w, "PlainTextSelection");
            }
            for c in &s.codings {
                write_coding(&mut w, c);
            }
            write_values(&mut w, &s.values, &kinds);
            close(&mut w, "TextSource");
        }
        close(&mut w, "Sources");
    }
    if !p.notes.is_empty() {
        open(&mut w, BytesStart::new("Notes"));
        for n in &p.notes {
            open(
                &mut w,
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
            text_element(&mut w, "PlainTextContent", &n.text);
            close(&mut w, "Note");
        }
        close(&mut w, "Notes");
        // The notes are about the project as a whole.
        for n in &p.notes {
            reference(&mut w, "NoteRef", &n.guid);
        }
    }
    close(&mut w, "Project");
    let mut xml = String::from_utf8(w.into_inner()).expect("the writer was given only UTF-8");
    xml.push('\n');
    xml
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

// ---------------------------------------------------------------------------------- import

/// Reads a REFI-QDA project: a `.qdpx` archive, or a bare `project.qde` (whose source files
/// are then looked for next to it, in `sources/` first). Zip archives are recognised by
/// their content, not their name.
///
/// Source texts are decoded from UTF-8 (a BOM is dropped), UTF-16 (with a BOM, or
/// recognisable without) or, failing those, Windows-1252; line ends are kept as they are.
/// A source's `plainTextPath` may be `internal://name` (`sources/name` in the archive), a
/// path inside the archive, or a bare file name under `sources/`; a source whose text is not
/// in the archive is kept with an empty text and a warning. Selection positions are
/// converted to code points (see the module documentation).
///
/// Refuses archive entries with `..` or absolute paths, more than 100,000 entries, more than
/// 1 GiB unpacked, and a `project.qde` that is not well-formed XML or not a `<Project>`.
pub fn read_qdpx(path: &Path) -> Result<RefiProject, QdpxError> {
    read_with(path, LIMITS)
}

fn read_with(path: &Path, limits: Limits) -> Result<RefiProject, QdpxError> {
    let mut files = Files::open(path, limits)?;
    let (entry, bytes) = files.project_qde()?;
    let xml = decode_xml(&bytes).map_err(|message| QdpxError::Xml {
        path: path.to_path_buf(),
        entry: entry.clone(),
        line: 1,
        column: 1,
        message,
    })?;
    drop(bytes);
    let root = parse_tree(&xml).map_err(|(at, message)| {
        let e = qdc::error_at(&xml, at, message);
        QdpxError::Xml {
            path: path.to_path_buf(),
            entry: entry.clone(),
            line: e.line,
            column: e.column,
            message: e.message,
        }
    })?;
    if root.name != "Project" {
        let hint = if root.name == "CodeBook" {
            " (a .qdc codebook: import it as a codebook)"
        } else {
            ""
        };
        return Err(QdpxError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "the root element is <{}>, not <Project>: not a REFI-QDA project{hint}",
                root.name
            ),
        });
    }
    drop(xml);

    let mut warnings = Warnings::default();
    let mut p = RefiProject {
        name: root.attr("name").unwrap_or_default().to_string(),
        origin: root.attr("origin").unwrap_or_default().to_string(),
        ..Default::default()
    };
    for u in root.path(&["Users", "User"]) {
        p.users.push(RefiUser {
            guid: guid_of(u),
            name: u.attr("name").unwrap_or_default().to_string(),
        });
    }
    p.codes = root
        .path(&["CodeBook", "Codes", "Code"])
        .into_iter()
        .map(read_code)
        .collect();
    for v in root.path(&["Variables", "Variable"]) {
        let name = v.attr("name").unwrap_or_default().to_string();
        let kind_name = v.attr("typeOfVariable").unwrap_or("Text").trim();
        let kind = VariableType::from_name(kind_name).unwrap_or_else(|| {
            warnings.push(format!(
                "variable `{name}`: unknown type `{kind_name}`, read as Text"
            ));
            VariableType::Text
        });
        p.variables.push(RefiVariable {
            guid: guid_of(v),
            name,
            kind,
            description: v.child_text("Description"),
        });
    }
    let mut case_links = 0;
    for c in root.path(&["Cases", "Case"]) {
        case_links += c.children("CodeRef").count() + c.children("SelectionRef").count();
        p.cases.push(RefiCase {
            guid: guid_of(c),
            name: c.attr("name").unwrap_or_default().to_string(),
            description: c.child_text("Description"),
            values: c.children("VariableValue").filter_map(read_value).collect(),
            sources: c
                .children("SourceRef")
                .filter_map(|r| r.attr("targetGUID").map(norm_guid))
                .collect(),
        });
    }
    if case_links > 0 {
        warnings.push(format!(
            "{case_links} links from cases to codes or selections were not read"
        ));
    }

    let mut pending = Vec::new();
    let mut skipped: Vec<(String, usize)> = Vec::new();
    for el in root
        .path(&["Sources"])
        .into_iter()
        .flat_map(|s| s.children.iter())
    {
        if el.name == "TextSource" {
            pending.push(read_text_source(el, &mut files, &mut warnings)?);
        } else {
            match skipped.iter_mut().find(|(name, _)| *name == el.name) {
                Some((_, n)) => *n += 1,
                None => skipped.push((el.name.clone(), 1)),
            }
        }
    }
    for (kind, n) in skipped {
        warnings.push(format!(
            "{n} <{kind}> element(s) skipped: quarry reads text sources only"
        ));
    }
    for n in root.path(&["Notes", "Note"]) {
        let name = n.attr("name").unwrap_or_default().to_string();
        let text = match (n.child("PlainTextContent"), n.attr("plainTextPath")) {
            (Some(c), _) => c.text.clone(),
            (None, Some(r)) => file_text(r, &format!("note `{name}`"), &mut files, &mut warnings)?
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        p.notes.push(RefiNote {
            guid: guid_of(n),
            name,
            text,
            creating_user: n.attr("creatingUser").map(norm_guid),
            created: n.attr("creationDateTime").map(|d| d.trim().to_string()),
        });
    }
    for (element, what) in [("Sets", "sets"), ("Links", "links"), ("Graphs", "graphs")] {
        let n: usize = root.children(element).map(|e| e.children.len()).sum();
        if n > 0 {
            warnings.push(format!("{n} {what} were not read"));
        }
    }

    p.sources = fix_positions(pending, &mut warnings);
    tidy(&mut p, &mut warnings);
    p.warnings = warnings.0;
    Ok(p)
}

/// The GUID of an element (normalised); a stable made-up one when it has none.
fn guid_of(el: &El) -> String {
    match el.attr("guid").filter(|g| !g.trim().is_empty()) {
        Some(g) => norm_guid(g),
        None => stable_guid("missing", &format!("{}@{}", el.name, el.at)),
    }
}

fn read_code(el: &El) -> RefiCode {
    RefiCode {
        guid: guid_of(el),
        name: el.attr("name").unwrap_or_default().to_string(),
        description: el.child_text("Description"),
        colour: el.attr("color").and_then(qdc::colour),
        children: el.children("Code").map(read_code).collect(),
    }
}

fn read_coding(el: &El) -> RefiCoding {
    RefiCoding {
        guid: guid_of(el),
        code_guid: el
            .child("CodeRef")
            .and_then(|r| r.attr("targetGUID"))
            .map(norm_guid)
            .unwrap_or_default(),
        creating_user: el.attr("creatingUser").map(norm_guid),
        created: el.attr("creationDateTime").map(|d| d.trim().to_string()),
    }
}

fn read_value(el: &El) -> Option<RefiValue> {
    let variable_guid = norm_guid(el.child("VariableRef")?.attr("targetGUID")?);
    let value = el
        .children
        .iter()
        .find(|c| c.name.ends_with("Value"))
        .map(|c| {
            if c.name == "TextValue" {
                c.text.clone()
            } else {
                c.text.trim().to_string()
            }
        })?;
    Some(RefiValue {
        variable_guid,
        value,
    })
}

/// A selection as read, its positions still in the project's counting.
struct RawSelection {
    selection: RefiSelection,
    start: u64,
    end: u64,
}

/// A source as read, before its positions are converted.
struct PendingSource {
    source: RefiSource,
    /// Whether its text was found.
    found: bool,
    selections: Vec<RawSelection>,
}

fn read_text_source(
    el: &El,
    files: &mut Files,
    warnings: &mut Warnings,
) -> Result<PendingSource, QdpxError> {
    let name = el.attr("name").unwrap_or_default().to_string();
    let what = format!("source `{name}`");
    let before = warnings.0.len();
    let text = if let Some(content) = el.child("PlainTextContent") {
        Some(content.text.clone())
    } else if let Some(reference) = el.attr("plainTextPath") {
        file_text(reference, &what, files, warnings)?
    } else {
        let rich = if el.attr("richTextPath").is_some() {
            " (only a rich-text file, which quarry does not read)"
        } else {
            ""
        };
        warnings.push(format!("{what} has no plain text{rich}; kept empty"));
        None
    };
    if text.is_none() {
        for w in &mut warnings.0[before..] {
            w.missing_text = Some(name.clone());
        }
    }
    let mut selections = Vec::new();
    let mut bad = 0;
    for s in el.children("PlainTextSelection") {
        let position = |key: &str| s.attr(key).and_then(|v| v.trim().parse::<u64>().ok());
        let (Some(start), Some(end)) = (position("startPosition"), position("endPosition")) else {
            bad += 1;
            continue;
        };
        selections.push(RawSelection {
            selection: RefiSelection {
                guid: guid_of(s),
                start: 0,
                end: 0,
                creating_user: s.attr("creatingUser").map(norm_guid),
                created: s.attr("creationDateTime").map(|d| d.trim().to_string()),
                note: Some(s.child_text("Description")).filter(|n| !n.is_empty()),
                codings: s.children("Coding").map(read_coding).collect(),
            },
            start,
            end,
        });
    }
    if bad > 0 {
        warnings.lost(format!(
            "{what}: {bad} selection(s) without valid positions were dropped"
        ));
    }
    Ok(PendingSource {
        source: RefiSource {
            guid: guid_of(el),
            name,
            text: text.clone().unwrap_or_default(),
            creating_user: el.attr("creatingUser").map(norm_guid),
            created: el.attr("creationDateTime").map(|d| d.trim().to_string()),
            selections: Vec::new(),
            codings: el.children("Coding").map(read_coding).collect(),
            values: el
                .children("VariableValue")
                .filter_map(read_value)
                .collect(),
        },
        found: text.is_some(),
        selections,
    })
}

/// The text of the file a `plainTextPath` names, or None (with a warning) when it cannot be
/// found or points outside the project.
fn file_text(
    reference: &str,
    what: &str,
    files: &mut Files,
    warnings: &mut Warnings,
) -> Result<Option<String>, QdpxError> {
    let names = match candidates(reference) {
        Ok(names) => names,
        Err(why) => {
            warnings.push(format!("{what}: its text `{reference}` {why}; kept empty"));
            return Ok(None);
        }
    };
    for name in &names {
        if let Some(bytes) = files.get(name)? {
            let (text, note) = decode_text(&bytes);
            if let Some(note) = note {
                warnings.push(format!("{what} ({name}): {note}"));
            }
            return Ok(Some(text));
        }
    }
    warnings.push(format!(
        "{what}: its text `{reference}` is not in {}; kept empty",
        files.describe()
    ));
    Ok(None)
}

/// Where a `plainTextPath` may point, most likely first, as paths relative to the archive's
/// root (or the folder of a bare `project.qde`); Err when it points outside.
///
/// `internal://x` is `sources/x`; `relative://x` and plain relative paths are tried as they
/// are, then under `sources/`; absolute paths and `file://` URLs (files outside the archive,
/// never read) only by their file name under `sources/`.
fn candidates(reference: &str) -> Result<Vec<String>, String> {
    let reference = reference.trim();
    let scheme = |s: &str| {
        reference
            .get(..s.len())
            .filter(|head| head.eq_ignore_ascii_case(s))
            .map(|_| &reference[s.len()..])
    };
    let (rest, internal, external) = if let Some(rest) = scheme("internal://") {
        (rest, true, false)
    } else if let Some(rest) = scheme("relative://") {
        (rest, false, false)
    } else if let Some(rest) = scheme("file://") {
        (rest, false, true)
    } else {
        (reference, false, false)
    };
    let rest = rest.replace('\\', "/");
    let mut variants = vec![rest.clone()];
    if let Some(decoded) = percent_decode(&rest) {
        variants.push(decoded);
    }
    let mut out: Vec<String> = Vec::new();
    for v in &variants {
        let mut v = v.as_str();
        while let Some(rest) = v.strip_prefix("./") {
            v = rest;
        }
        let base = v.rsplit('/').next().unwrap_or(v);
        if base.is_empty() {
            continue;
        }
        let absolute = v.starts_with('/') || v.as_bytes().get(1) == Some(&b':');
        if external || absolute {
            out.push(format!("sources/{base}"));
            continue;
        }
        if let Some(why) = unsafe_name(v) {
            return Err(format!("is {why}, outside the project"));
        }
        if internal {
            out.push(format!("sources/{v}"));
            out.push(v.to_string());
        } else {
            out.push(v.to_string());
            out.push(format!("sources/{v}"));
        }
        out.push(format!("sources/{base}"));
    }
    let mut seen = HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    Ok(out)
}

/// `%20`-style escapes decoded, when there are any and they make UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|d| d != text)
}

/// Why an archive entry name (or a relative path) is unsafe to follow: it is absolute, or
/// climbs out with `..`.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        Some("an absolute path")
    } else if name.as_bytes().get(1) == Some(&b':') {
        Some("a path with a drive letter")
    } else if name.split(['/', '\\']).any(|part| part == "..") {
        Some("a path with `..`")
    } else if name.contains('\0') {
        Some("a name with a NUL character")
    } else {
        None
    }
}

/// `1 GiB`, `3 MiB`, `100 bytes`.
fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Where a project's files are read from: a zip archive, or the folder of a bare
/// `project.qde`. Keeps count of the bytes read against the limit.
struct Files {
    /// The archive, or the `.qde`.
    path: PathBuf,
    limits: Limits,
    /// Bytes that may still be unpacked.
    left: u64,
    kind: Kind,
}

enum Kind {
    Zip {
        archive: Box<ZipArchive<BufReader<File>>>,
        /// Entry name to index.
        exact: HashMap<String, usize>,
        /// Lowercase entry name to index (the first of equals), for tools that change case.
        folded: HashMap<String, usize>,
    },
    Dir(PathBuf),
}

impl Files {
    fn open(path: &Path, limits: Limits) -> Result<Files, QdpxError> {
        let io = |source| QdpxError::Io {
            path: path.to_path_buf(),
            entry: None,
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut magic = Vec::with_capacity(2);
        (&mut file).take(2).read_to_end(&mut magic).map_err(io)?;
        if magic != b"PK" {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            return Ok(Files {
                path: path.to_path_buf(),
                limits,
                left: limits.total,
                kind: Kind::Dir(dir),
            });
        }
        std::io::Seek::rewind(&mut file).map_err(io)?;
        let bad = |e: zip::result::ZipError| QdpxError::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let refused = |entry: Option<&str>, reason: String| QdpxError::Refused {
            path: path.to_path_buf(),
            entry: entry.map(str::to_string),
            reason,
        };
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(bad)?;
        if archive.len() > limits.entries {
            return Err(refused(
                None,
                format!(
                    "the archive has {} entries; quarry reads at most {}",
                    archive.len(),
                    limits.entries
                ),
            ));
        }
        let (mut exact, mut folded) = (HashMap::new(), HashMap::new());
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(bad)?;
            let name = entry.name().to_string();
            if let Some(why) = unsafe_name(&name) {
                return Err(refused(
                    Some(&name),
                    format!("{why}: the entries of a .qdpx must stay inside it"),
                ));
            }
            total = total.saturating_add(entry.size());
            if total > limits.total {
                return Err(refused(
                    Some(&name),
                    format!(
                        "the archive unpacks to more than {}; quarry reads at most that",
                        human_size(limits.total)
                    ),
                ));
            }
            if !entry.is_dir() {
                folded.entry(name.to_lowercase()).or_insert(i);
                exact.insert(name, i);
            }
        }
        Ok(Files {
            path: path.to_path_buf(),
            limits,
            left: limits.total,
            kind: Kind::Zip {
                archive: Box::new(archive),
                exact,
                folded,
            },
        })
    }

    /// Where files are looked for, for messages.
    fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Zip { .. } => "the archive",
            Kind::Dir(_) => "the folder of project.qde",
        }
    }

    fn refused(&self, entry: Option<&str>, reason: String) -> QdpxError {
        QdpxError::Refused {
            path: self.path.clone(),
            entry: entry.map(str::to_string),
            reason,
        }
    }

    /// The bytes of `project.qde` and its entry name (None for a bare `.qde`).
    fn project_qde(&mut self) -> Result<(Option<String>, Vec<u8>), QdpxError> {
        let limit = self.limits.qde;
        match &self.kind {
            Kind::Dir(_) => {
                let path = self.path.clone();
                let bytes = self.read_file(&path, None, limit)?;
                Ok((None, bytes))
            }
            Kind::Zip { exact, folded, .. } => {
                let single_qde = || {
                    let mut qde = exact
                        .iter()
                        .filter(|(n, _)| n.to_lowercase().ends_with(".qde"));
                    match (qde.next(), qde.next()) {
                        (Some((_, &i)), None) => Some(i),
                        _ => None,
                    }
                };
                let Some(i) = exact
                    .get("project.qde")
                    .or_else(|| folded.get("project.qde"))
                    .copied()
                    .or_else(single_qde)
                else {
                    return Err(QdpxError::Invalid {
                        path: self.path.clone(),
                        message: "the archive holds no project.qde: not a REFI-QDA project".into(),
                    });
                };
                let (name, bytes) = self.read_entry(i, limit)?;
                Ok((Some(name), bytes))
            }
        }
    }

    /// The bytes of the file `name` (a safe relative path), or None when there is none.
    fn get(&mut self, name: &str) -> Result<Option<Vec<u8>>, QdpxError> {
        let left = self.left;
        match &self.kind {
            Kind::Dir(dir) => {
                let path = dir.join(name);
                if !path.is_file() {
                    return Ok(None);
                }
                self.read_file(&path, Some(name), left).map(Some)
            }
            Kind::Zip { exact, folded, .. } => {
                let Some(i) = exact
                    .get(name)
                    .or_else(|| folded.get(&name.to_lowercase()))
                    .copied()
                else {
                    return Ok(None);
                };
                self.read_entry(i, left).map(|(_, bytes)| Some(bytes))
            }
        }
    }

    /// Reads a file of a bare project, at most `limit` bytes (and what is left).
    fn read_file(
        &mut self,
        path: &Path,
        name: Option<&str>,
        limit: u64,
    ) -> Result<Vec<u8>, QdpxError> {
        let limit = limit.min(self.left);
        let io = |source| QdpxError::Io {
            path: path.to_path_buf(),
            entry: None,
            source,
        };
        let mut bytes = Vec::new();
        File::open(path)
            .map_err(io)?
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > limit {
            return Err(self.refused(
                name,
                format!("{} is larger than {}", path.display(), human_size(limit)),
            ));
        }
        self.left -= bytes.len() as u64;
        Ok(bytes)
    }

    /// Unpacks entry `i`, at most `limit` bytes (and what is left), whatever size it claims.
    fn read_entry(&mut self, i: usize, limit: u64) -> Result<(String, Vec<u8>), QdpxError> {
        let limit = limit.min(self.left);
        let Kind::Zip { archive, .. } = &mut self.kind else {
            unreachable!("read_entry is called for archives only")
        };
        let path = self.path.clone();
        let entry = archive.by_index(i).map_err(|e| QdpxError::Zip {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|source| QdpxError::Io {
                path: path.clone(),
                entry: Some(name.clone()),
                source,
            })?;
        if bytes.len() as u64 > limit {
            let reason = if limit == self.limits.qde {
                format!("project.qde is larger than {}", human_size(limit))
            } else {
                format!(
                    "the archive unpacks to more than {}; quarry reads at most that",
                    human_size(self.limits.total)
                )
            };
            return Err(self.refused(Some(&name), reason));
        }
        self.left -= bytes.len() as u64;
        Ok((name, bytes))
    }
}

/// The text of `project.qde`: UTF-8 (a BOM dropped) or UTF-16 with a BOM.
fn decode_xml(bytes: &[u8]) -> Result<String, String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if errors {
            return Err(format!("invalid {} text", encoding.name()));
        }
        return Ok(text.into_owned());
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// A source file's text, and a note when it was not plain UTF-8. A BOM is dropped; line
/// ends and everything else are kept, since positions count them.
fn decode_text(bytes: &[u8]) -> (String, Option<String>) {
    let decode = |encoding: &'static encoding_rs::Encoding, body: &[u8], note: Option<&str>| {
        let (text, errors) = encoding.decode_without_bom_handling(body);
        let note = match (note, errors) {
            (Some(n), true) => Some(format!("{n}; invalid bytes were replaced")),
            (Some(n), false) => Some(n.to_string()),
            (None, true) => Some("invalid bytes were replaced".to_string()),
            (None, false) => None,
        };
        (text.into_owned(), note)
    };
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let note = (encoding != encoding_rs::UTF_8).then_some("read as UTF-16");
        return decode(encoding, &bytes[bom..], note);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), None);
    }
    // UTF-16 without a BOM: Latin text has a zero in every other byte.
    if bytes.len().is_multiple_of(2) {
        let head = &bytes[..bytes.len().min(4096)];
        let zeros = |parity: usize| {
            head.iter()
                .skip(parity)
                .step_by(2)
                .filter(|&&b| b == 0)
                .count()
        };
        let pairs = head.len() / 2;
        let (even, odd) = (zeros(0), zeros(1));
        if odd * 10 >= pairs * 3 && even * 20 < pairs {
            return decode(
                encoding_rs::UTF_16LE,
                bytes,
                Some("read as UTF-16 (no BOM)"),
            );
        }
        if even * 10 >= pairs * 3 && odd * 20 < pairs {
            return decode(
                encoding_rs::UTF_16BE,
                bytes,
                Some("read as UTF-16 (no BOM)"),
            );
        }
    }
    decode(
        encoding_rs::WINDOWS_1252,
        bytes,
        Some("not UTF-8: read as Windows-1252"),
    )
}

/// An XML element, as far as import needs it: local names, attributes unescaped, its own
/// text (CDATA and references resolved).
#[derive(Debug)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
    /// Byte offset of its start tag.
    at: u64,
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child called `name`, or "".
    fn child_text(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }

    /// The elements reached by following child names from here.
    fn path<'a>(&'a self, names: &[&str]) -> Vec<&'a El> {
        let mut level = vec![self];
        for name in names {
            level = level
                .into_iter()
                .flat_map(|e| e.children.iter().filter(|c| c.name == *name))
                .collect();
        }
        level
    }
}

/// Parses XML into a tree of [`El`], or says where it is malformed (a byte offset). No
/// entity other than XML's five and character references is expanded; nesting deeper than
/// [`MAX_DEPTH`] is refused.
fn parse_tree(xml: &str) -> Result<El, (u64, String)> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().expand_empty_elements = true;
    let decoder = reader.decoder();
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if root.is_some() {
                    return Err((at, format!("<{name}> after the end of the root element")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err((at, format!("elements nested more than {MAX_DEPTH} deep")));
                }
                let mut attrs = Vec::new();
                for a in start.attributes() {
                    let a = a.map_err(|e| (at, format!("<{name}>: {e}")))?;
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let value = a
                        .decode_and_unescape_value(decoder)
                        .map_err(|e| (at, format!("<{name}> attribute `{key}`: {e}")))?;
                    attrs.push((key, value.into_owned()));
                }
                stack.push(El {
                    name,
                    attrs,
                    text: String::new(),
                    children: Vec::new(),
                    at,
                });
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err((at, "an end tag without a start tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| (at, format!("malformed text: {e}")))?;
                    top.text.push_str(&text);
                }
            }
            Event::CData(text) => {
                if let Some(top) = stack.last_mut() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| (at, format!("malformed CDATA: {e}")))?;
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                let text = qdc::resolve(&reference).map_err(|e| (at, e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::Eof => break,
            Event::Empty(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            xml.len() as u64,
            format!("the XML ends before <{}> is closed", open.name),
        ));
    }
    root.ok_or_else(|| (0, "no XML element: this is not a REFI-QDA project".into()))
}

// ------------------------------------------------------------------------------- positions

/// How a tool counted selection positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counting {
    /// Unicode code points, as the standard says.
    CodePoints,
    /// Code points, a CRLF line end counted as one.
    CrlfAsOne,
    /// UTF-16 code units (a character beyond the BMP, like most emoji, counts two).
    Utf16,
    /// UTF-16 code units, a CRLF line end counted as one.
    Utf16CrlfAsOne,
}

impl Counting {
    fn crlf_as_one(self) -> bool {
        matches!(self, Counting::CrlfAsOne | Counting::Utf16CrlfAsOne)
    }

    fn utf16(self) -> bool {
        matches!(self, Counting::Utf16 | Counting::Utf16CrlfAsOne)
    }

    fn describe(self) -> &'static str {
        match self {
            Counting::CodePoints => "code points",
            Counting::CrlfAsOne => "code points with CRLF line ends counted as one character",
            Counting::Utf16 => "UTF-16 units (emoji counted as two characters)",
            Counting::Utf16CrlfAsOne => {
                "UTF-16 units (emoji counted as two) with CRLF line ends counted as one"
            }
        }
    }
}

/// A position converted to a code-point offset, with how plausible a selection boundary it
/// is there: 1 between words, 0 inside a word, -1 between the CR and LF of a line end.
#[derive(Debug, Clone, Copy)]
struct Mapped {
    at: usize,
    score: i64,
}

/// Converts positions counted the `counting` way to code-point offsets of `text`; None for
/// a position past the end. A position inside a character that counts two (half an emoji
/// in UTF-16) goes to the end of that character. One pass over the text.
fn map_positions(text: &str, counting: Counting, positions: &[u64]) -> Vec<Option<Mapped>> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut out = vec![None; positions.len()];
    let mut chars = text.chars().peekable();
    let (mut units, mut at) = (0u64, 0usize);
    let mut before: Option<char> = None;
    for i in order {
        let target = positions[i];
        while units < target {
            let Some(c) = chars.next() else { break };
            let next = chars.peek().copied();
            units += if counting.crlf_as_one() && c == '\r' && next == Some('\n') {
                // The pair counts once: as its LF.
                0
            } else if counting.utf16() {
                c.len_utf16() as u64
            } else {
                1
            };
            at += 1;
            before = Some(c);
        }
        if units >= target {
            let after = chars.peek().copied();
            let score = match (before, after) {
                (Some('\r'), Some('\n')) => -1,
                (Some(b), Some(a)) if b.is_alphanumeric() && a.is_alphanumeric() => 0,
                _ => 1,
            };
            out[i] = Some(Mapped { at, score });
        }
    }
    out
}

/// The code-point offset in `text` of a position counted with each CRLF line end as one
/// character (as some tools on Windows count); the text's length past the end.
pub fn positions_crlf_as_one(text: &str, pos: usize) -> usize {
    convert(text, Counting::CrlfAsOne, pos)
}

/// The code-point offset in `text` of a position counted in UTF-16 code units (as tools
/// built on UTF-16 strings count); the text's length past the end.
pub fn positions_utf16(text: &str, pos: usize) -> usize {
    convert(text, Counting::Utf16, pos)
}

fn convert(text: &str, counting: Counting, pos: usize) -> usize {
    map_positions(text, counting, &[pos as u64])[0].map_or_else(|| text.chars().count(), |m| m.at)
}

/// Turns the CRLF and lone CR line ends of a source's text into LF, as quarry stores text,
/// and moves its selections with the text.
pub fn to_lf(source: &mut RefiSource) {
    if !source.text.contains('\r') {
        return;
    }
    // Code-point offsets of the CRs dropped (those of CRLF pairs).
    let mut dropped = Vec::new();
    let mut text = String::with_capacity(source.text.len());
    let mut chars = source.text.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => dropped.push(i),
            '\r' => text.push('\n'),
            c => text.push(c),
        }
    }
    let moved = |pos: usize| pos - dropped.partition_point(|&d| d < pos);
    for s in &mut source.selections {
        s.start = moved(s.start);
        s.end = moved(s.end);
    }
    source.text = text;
}

/// Decides how the project counted positions (see the module documentation), converts every
/// selection to code points and drops, with a warning, those that do not fit their text.
fn fix_positions(pending: Vec<PendingSource>, warnings: &mut Warnings) -> Vec<RefiSource> {
    let with_selections = || {
        pending
            .iter()
            .filter(|p| p.found && !p.selections.is_empty())
    };
    let crlf = with_selections().any(|p| p.source.text.contains("\r\n"));
    let astral = with_selections().any(|p| p.source.text.chars().any(|c| c > '\u{ffff}'));
    let mut countings = vec![Counting::CodePoints];
    if crlf {
        countings.push(Counting::CrlfAsOne);
    }
    if astral {
        countings.push(Counting::Utf16);
    }
    if crlf && astral {
        countings.push(Counting::Utf16CrlfAsOne);
    }
    let mapped = |p: &PendingSource, counting: Counting| {
        let positions: Vec<u64> = p.selections.iter().flat_map(|s| [s.start, s.end]).collect();
        map_positions(&p.source.text, counting, &positions)
    };
    let mut best = (Counting::CodePoints, 0usize, i64::MIN);
    for &counting in &countings {
        let (mut fits, mut score) = (0usize, 0i64);
        for p in with_selections() {
            for pair in mapped(p, counting).chunks(2) {
                if let [Some(a), Some(b)] = pair {
                    if a.at <= b.at {
                        fits += 1;
                        score += a.score + b.score;
                    }
                }
            }
        }
        if (fits, score) > (best.1, best.2) {
            best = (counting, fits, score);
        }
    }
    let counting = best.0;
    if counting != Counting::CodePoints {
        warnings.push(format!(
            "selection positions were counted in {}, not in code points as the standard says; \
             converted",
            counting.describe()
        ));
    }

    let mut sources = Vec::with_capacity(pending.len());
    for p in pending {
        let PendingSource {
            mut source,
            found,
            selections,
        } = p;
        if !found {
            if !selections.is_empty() {
                warnings.lost(format!(
                    "source `{}`: {} selection(s) dropped with its missing text",
                    source.name,
                    selections.len()
                ));
            }
            sources.push(source);
            continue;
        }
        let positions: Vec<u64> = selections.iter().flat_map(|s| [s.start, s.end]).collect();
        let mapped = map_positions(&source.text, counting, &positions);
        let mut dropped: Vec<String> = Vec::new();
        for (raw, pair) in selections.into_iter().zip(mapped.chunks(2)) {
            match pair {
                [Some(a), Some(b)] if a.at <= b.at => {
                    let mut selection = raw.selection;
                    selection.start = a.at;
                    selection.end = b.at;
                    source.selections.push(selection);
                }
                _ => dropped.push(format!("{}–{}", raw.start, raw.end)),
            }
        }
        if !dropped.is_empty() {
            warnings.lost(format!(
                "source `{}`: {} selection(s) outside its text ({} characters) were dropped: {}",
                source.name,
                dropped.len(),
                source.text.chars().count(),
                dropped[..dropped.len().min(5)].join(", ")
            ));
        }
        sources.push(source);
    }
    sources
}

/// Drops what import read but export would refuse (references to unknown users, codes,
/// variables and sources; dates and values the schema does not accept), with warnings.
fn tidy(p: &mut RefiProject, warnings: &mut Warnings) {
    struct Known {
        users: HashSet<String>,
        codes: HashSet<String>,
        kinds: HashMap<String, VariableType>,
        sources: HashSet<String>,
        /// Counts of what was dropped, by description.
        dropped: Vec<(&'static str, usize)>,
    }
    impl Known {
        fn count(&mut self, what: &'static str) {
            match self.dropped.iter_mut().find(|(w, _)| *w == what) {
                Some((_, n)) => *n += 1,
                None => self.dropped.push((what, 1)),
            }
        }
        fn who(&mut self, user: &mut Option<String>, created: &mut Option<String>) {
            if user.as_ref().is_some_and(|u| !self.users.contains(u)) {
                *user = None;
                self.count("references to unknown users");
            }
            if created.as_deref().is_some_and(|d| !is_date_time(d)) {
                *created = None;
                self.count("dates that are not xsd:dateTime");
            }
        }
        fn codings(&mut self, codings: &mut Vec<RefiCoding>) {
            codings.retain(|c| {
                let known = self.codes.contains(&c.code_guid);
                if !known {
                    self.count("codings of codes not in the codebook");
                }
                known
            });
            for c in codings {
                self.who(&mut c.creating_user, &mut c.created);
            }
        }
        fn values(&mut self, values: &mut Vec<RefiValue>) {
            values.retain(|v| {
                let ok = self
                    .kinds
                    .get(&v.variable_guid)
                    .is_some_and(|k| k.accepts(&v.value));
                if !ok {
                    self.count("variable values of unknown variables or of the wrong type");
                }
                ok
            });
        }
    }
    let mut codes = HashSet::new();
    let mut stack: Vec<&RefiCode> = p.codes.iter().collect();
    while let Some(c) = stack.pop() {
        codes.insert(c.guid.clone());
        stack.extend(&c.children);
    }
    let mut known = Known {
        users: p.users.iter().map(|u| u.guid.clone()).collect(),
        codes,
        kinds: p
            .variables
            .iter()
            .map(|v| (v.guid.clone(), v.kind))
            .collect(),
        sources: p.sources.iter().map(|s| s.guid.clone()).collect(),
        dropped: Vec::new(),
    };
    for s in &mut p.sources {
        known.who(&mut s.creating_user, &mut s.created);
        known.values(&mut s.values);
        known.codings(&mut s.codings);
        for sel in &mut s.selections {
            known.who(&mut sel.creating_user, &mut sel.created);
            known.codings(&mut sel.codings);
        }
    }
    for case in &mut p.cases {
        known.values(&mut case.values);
        case.sources.retain(|s| {
            let ok = known.sources.contains(s);
            if !ok {
                known.count("case links to sources not read");
            }
            ok
        });
    }
    for n in &mut p.notes {
        known.who(&mut n.creating_user, &mut n.created);
    }
    for (what, n) in known.dropped {
        warnings.lost(format!("{n} {what} dropped"));
    }
    let duplicates = dedupe(p);
    if duplicates > 0 {
        warnings.push(format!(
            "{duplicates} GUIDs used more than once were replaced (references keep the first)"
        ));
    }
}

/// Gives every element that repeats an earlier element's GUID a new stable one; returns how
/// many. References keep meaning the first.
fn dedupe(p: &mut RefiProject) -> usize {
    fn codes(list: &mut [RefiCode], fix: &mut impl FnMut(&mut String)) {
        for c in list {
            fix(&mut c.guid);
            codes(&mut c.children, fix);
        }
    }
    let mut seen = HashSet::new();
    let mut count = 0;
    let mut fix = |guid: &mut String| {
        if !seen.insert(guid.clone()) {
            count += 1;
            *guid = stable_guid("duplicate", &format!("{guid}/{count}"));
            seen.insert(guid.clone());
        }
    };
    p.users.iter_mut().for_each(|u| fix(&mut u.guid));
    codes(&mut p.codes, &mut fix);
    p.variables.iter_mut().for_each(|v| fix(&mut v.guid));
    p.cases.iter_mut().for_each(|c| fix(&mut c.guid));
    for s in &mut p.sources {
        fix(&mut s.guid);
        s.codings.iter_mut().for_each(|c| fix(&mut c.guid));
        for sel in &mut s.selections {
            fix(&mut sel.guid);
            sel.codings.iter_mut().for_each(|c| fix(&mut c.guid));
        }
    }
    p.notes.iter_mut().for_each(|n| fix(&mut n.guid));
    count
}

#[cfg(test)]
mod tests {
    use super::*;

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
    const TEXT_2: &str =
        "Notes de terrain sur 信任 et la confiance.\nDeuxième ligne: über 🎉 alles.";

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
                text:
                    "12 rejected suggestions were not exported.\nRules: fear*; hope NEAR/3 future."
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
        assert!(xml.contains("<Description>Ce qui inquiète.\nInclude: l'avenir.\tTab.&#13;\nCR kept</Description>"), "{xml}");
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
        assert!(
            VariableType::Date.accepts("2024-02-29") && !VariableType::Date.accepts("2024-2-29")
        );
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
}
