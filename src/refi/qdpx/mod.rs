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
//!
//! The folder: this file holds the plain data ([`RefiProject`] and its parts) and the GUID and
//! date rules both ways share; `write.rs` writes an archive; `read.rs` reads one, with
//! `archive.rs` (the zip or the folder of a bare `project.qde`, and their limits), `xml.rs`
//! (the XML as a tree of elements) and `positions.rs` (how other tools counted positions).

use std::sync::LazyLock;

use regex::Regex;
use uuid::Uuid;

pub use crate::codebook::guid::{code_guid, is_guid};
pub use crate::error::QdpxError;

mod archive;
mod positions;
mod read;
mod write;
mod xml;

pub use positions::{positions_crlf_as_one, positions_utf16, to_lf};
pub use read::read_qdpx;
pub use write::write_qdpx;

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

#[cfg(test)]
mod tests;
