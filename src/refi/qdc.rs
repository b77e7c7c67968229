//! REFI-QDA codebooks (`.qdc`, QDA-XML 1.0), both ways: [`export`] writes a quarry codebook
//! for other QDA tools (ATLAS.ti, MAXQDA, NVivo, QualCoder, Taguette…), and [`import`] turns
//! their codebook into a quarry codebook TOML skeleton, to which a researcher adds rules.
//!
//! The format (schema: `Codebook.xsd`, namespace `urn:QDA-XML:codebook:1.0`) is a tree of
//! `<Code guid name isCodable color>` elements, each with an optional `<Description>`. It
//! has no place for quarry's notes and rules, so export appends them to the description
//! ("Include: …", "Exclude: …", "Rules: r1; r2"), where another tool's user sees them. GUIDs
//! are UUIDv5 of the code id, so exporting twice gives the same file.
//!
//! Import reads a `<CodeBook>` root, or the `<CodeBook>` inside a `<Project>` root (a .qdpx
//! project's `project.qde`). It keeps names, nesting, descriptions (as definitions) and
//! colours; sets, GUIDs, `isCodable` and anything unknown are ignored. Rules start empty.

use quick_xml::encoding::Decoder;
use quick_xml::escape::{escape, partial_escape, resolve_predefined_entity};
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde::Serialize;
use std::collections::HashSet;
use unicode_normalization::UnicodeNormalization;

use crate::codebook::{Code, Codebook};

/// The QDA-XML codebook namespace.
const NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// Longest id part made from a code name (longer names are cut at a word): ids are typed and
/// shown in tables (`THEME - Anti-deficit, Strengths-Based Perspectives` →
/// `theme_anti_deficit_strengths`).
const MAX_PART: usize = 32;

/// A .qdc that could not be read: line and column of the problem where known.
#[derive(Debug, Clone, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct QdcError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

// ---------------------------------------------------------------------------------- export

/// Writes a codebook as REFI-QDA codebook XML (.qdc). GUIDs are stable: UUIDv5 of the code id
/// in a fixed namespace, so exporting twice gives the same file.
///
/// The schema wants at least one code; a codebook without codes gives an empty `<Codes>`.
pub fn export(cb: &Codebook) -> String {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); cb.codes.len()];
    let mut roots = Vec::new();
    for (i, code) in cb.codes.iter().enumerate() {
        match code.parent {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let origin = if cb.version.is_empty() {
        format!("quarry: {}", cb.id)
    } else {
        format!("quarry: {} v{}", cb.id, cb.version)
    };
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    put(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let mut root = BytesStart::new("CodeBook");
    set(&mut root, "xmlns", NAMESPACE);
    set(&mut root, "origin", &origin);
    put(&mut w, Event::Start(root));
    put(&mut w, Event::Start(BytesStart::new("Codes")));
    for &i in &roots {
        write_code(&mut w, cb, &children, i);
    }
    put(&mut w, Event::End(BytesEnd::new("Codes")));
    put(&mut w, Event::End(BytesEnd::new("CodeBook")));
    let mut xml = String::from_utf8(w.into_inner()).expect("the writer was given only UTF-8");
    xml.push('\n');
    xml
}

/// Writes one code and, nested inside it, its children.
fn write_code(w: &mut Writer<Vec<u8>>, cb: &Codebook, children: &[Vec<usize>], i: usize) {
    let code = &cb.codes[i];
    let mut el = BytesStart::new("Code");
    set(&mut el, "guid", &code.refi_guid());
    set(&mut el, "name", &code.name);
    set(&mut el, "isCodable", "true");
    if let Some(colour) = &code.colour {
        set(&mut el, "color", colour);
    }
    let description = description(code);
    if description.is_empty() && children[i].is_empty() {
        put(w, Event::Empty(el));
        return;
    }
    put(w, Event::Start(el));
    if !description.is_empty() {
        put(w, Event::Start(BytesStart::new("Description")));
        let text = partial_escape(xml_chars(&description)).replace('\r', "&#13;");
        put(w, Event::Text(BytesText::from_escaped(text)));
        put(w, Event::End(BytesEnd::new("Description")));
    }
    for &k in &children[i] {
        write_code(w, cb, children, k);
    }
    put(w, Event::End(BytesEnd::new("Code")));
}

/// A code's description for other tools: its definition, then its notes and rules.
pub(crate) fn description(code: &Code) -> String {
    let mut lines = Vec::new();
    if !code.definition.trim().is_empty() {
        lines.push(code.definition.trim().to_string());
    }
    if !code.include.trim().is_empty() {
        lines.push(format!("Include: {}", code.include.trim()));
    }
    if !code.exclude.trim().is_empty() {
        lines.push(format!("Exclude: {}", code.exclude.trim()));
    }
    if !code.rules.is_empty() {
        let rules: Vec<&str> = code.rules.iter().map(|r| r.text.trim()).collect();
        lines.push(format!("Rules: {}", rules.join("; ")));
    }
    lines.join("\n")
}

/// Adds an attribute, escaped so that it reads back exactly (newlines and tabs included).
pub(crate) fn set(el: &mut BytesStart, key: &str, value: &str) {
    let value = escape(xml_chars(value))
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;");
    el.push_attribute((key.as_bytes(), value.as_bytes()));
}

/// The text without the characters XML 1.0 cannot hold (most control characters).
pub(crate) fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{d7ff}').contains(&c)
                || ('\u{e000}'..='\u{fffd}').contains(&c)
                || c >= '\u{10000}'
        })
        .collect()
}

pub(crate) fn put(w: &mut Writer<Vec<u8>>, event: Event) {
    w.write_event(event).expect("writing to memory cannot fail");
}

// ---------------------------------------------------------------------------------- import

/// The XML text of a codebook file: a `.qdc` as it is, a `.qdpx` project's `project.qde`
/// (read from the zip, at most 256 MB).
pub fn read_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let is_qdpx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"));
    if !is_qdpx {
        return std::fs::read_to_string(path);
    }
    let bad = |e: zip::result::ZipError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?).map_err(bad)?;
    let entry = zip.by_name("project.qde").map_err(bad)?;
    let mut text = String::new();
    entry.take(256 << 20).read_to_string(&mut text)?;
    Ok(text)
}

/// Reads a REFI-QDA codebook (.qdc, or the `<CodeBook>` inside a .qdpx project's
/// `project.qde`, given as XML text) into a codebook TOML skeleton that
/// [`crate::codebook::parse`] loads.
///
/// `id` is the file stem: its snake_case (hyphens kept: `My Codes` → `my_codes`) is the
/// codebook id and the first part of every code id; a code's id is its parent's id plus the snake_case of its
/// name (`_2`, `_3` on collisions). `origin` names the file (`themes.qdc`) in the `source`
/// line, with the file's own `origin` attribute. Each code keeps its name, its description as
/// the definition and its colour; its `rules` are empty, to be written.
///
/// Refuses malformed XML, a root other than `<CodeBook>` or `<Project>`, and a file without
/// codes, naming the line and column.
pub fn import(xml: &str, id: &str, origin: &str) -> Result<String, QdcError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let book = read(xml)?;
    Ok(to_toml(&book, id, origin).0)
}

/// The codebook TOML for `book` (see [`import`]) and the id given to each of its codes.
pub(crate) fn to_toml(book: &Book, id: &str, origin: &str) -> (String, Vec<String>) {
    let book_id = book_id(id);
    let mut ids: Vec<String> = Vec::with_capacity(book.codes.len());
    let mut used: HashSet<String> = HashSet::new();
    for code in &book.codes {
        // A top-level code's id is its name's, a child's its parent's and its own: the
        // codebook's id is no part of it (decisions name the codebook beside the code).
        let base = match code.parent {
            Some(p) => format!("{}.{}", ids[p], id_part(&code.name)),
            None => id_part(&code.name),
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while !used.insert(candidate.clone()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        ids.push(candidate);
    }

    let mut source = format!("imported from {}", origin.trim());
    if let Some(tool) = book
        .origin
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        source.push_str(&format!(" ({tool})"));
    }
    // The project's name, else the file stem.
    let name = [book.name.as_deref().unwrap_or(""), id]
        .into_iter()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or(book_id.as_str());
    let file = TomlFile {
        codebook: TomlHeader {
            id: &book_id,
            name,
            language: "english",
            source,
        },
        code: book
            .codes
            .iter()
            .zip(&ids)
            .map(|(code, id)| TomlCode {
                id,
                name: &code.name,
                definition: code.description.trim(),
                colour: code.colour.as_deref(),
                guid: code.guid.as_deref(),
                rules: Vec::new(),
            })
            .collect(),
    };
    let body = toml::to_string(&file).expect("a codebook of strings serialises to TOML");
    let text = format!(
        "# Imported from REFI-QDA XML by quarry. Every code still needs rules (see README.md,\n\
         # \"Codebooks\"); ids may be shortened, as long as a child's id stays its parent's id\n\
         # plus one dotted part. A `guid` keeps the code's identity in other tools.\n{body}"
    );
    (text, ids)
}

#[derive(Serialize)]
struct TomlFile<'a> {
    codebook: TomlHeader<'a>,
    code: Vec<TomlCode<'a>>,
}

#[derive(Serialize)]
struct TomlHeader<'a> {
    id: &'a str,
    name: &'a str,
    language: &'a str,
    source: String,
}

#[derive(Serialize)]
struct TomlCode<'a> {
    id: &'a str,
    name: &'a str,
    definition: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    colour: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guid: Option<&'a str>,
    rules: Vec<String>,
}

/// What a codebook file holds, as far as quarry keeps it.
#[derive(Debug, Default)]
pub(crate) struct Book {
    /// The `origin` attribute (of `<CodeBook>`, else of `<Project>`).
    pub(crate) origin: Option<String>,
    /// The project's `name` attribute.
    pub(crate) name: Option<String>,
    /// Codes in document order: parents before children.
    pub(crate) codes: Vec<ImportedCode>,
}

/// A code read from another tool.
#[derive(Debug)]
pub(crate) struct ImportedCode {
    pub(crate) name: String,
    pub(crate) colour: Option<String>,
    pub(crate) description: String,
    /// Its GUID (lowercase, no braces), when it had a well-formed one.
    pub(crate) guid: Option<String>,
    pub(crate) parent: Option<usize>,
}

/// Where the reader is: the element being read, as far as it matters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    Project,
    CodeBook,
    Codes,
    /// A code (its index in [`Book::codes`]).
    Code(usize),
    /// A code's description.
    Description(usize),
    /// Anything else, and everything inside it.
    Other,
}

/// Reads the codes of a `<CodeBook>` (or a `<Project>`'s `<CodeBook>`).
fn read(xml: &str) -> Result<Book, QdcError> {
    let err = |offset: u64, message: String| error_at(xml, offset, message);
    let mut reader = Reader::from_str(xml);
    // `<Code .../>` and `<Sets/>` come as a start and an end, like any element.
    reader.config_mut().expand_empty_elements = true;
    let decoder = reader.decoder();

    let mut book = Book::default();
    // The open elements: what each is, and its name for messages.
    let mut stack: Vec<(Frame, String)> = Vec::new();
    let mut root_at: Option<u64> = None;
    let mut codebook_at: Option<u64> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| err(reader.error_position(), format!("malformed XML: {e}")))?;
        match event {
            Event::Start(el) => {
                let name = String::from_utf8_lossy(el.local_name().as_ref()).into_owned();
                let attr = |key: &str| {
                    attribute(&el, key, decoder).map_err(|e| err(at, format!("<{name}>: {e}")))
                };
                let frame = match (stack.last().map(|f| f.0), name.as_str()) {
                    (None, _) if root_at.is_some() => {
                        return Err(err(
                            at,
                            format!("<{name}> after the end of the root element"),
                        ))
                    }
                    (None, "CodeBook") => {
                        book.origin = attr("origin")?;
                        codebook_at = Some(at);
                        Frame::CodeBook
                    }
                    (None, "Project") => {
                        book.origin = attr("origin")?;
                        book.name = attr("name")?;
                        Frame::Project
                    }
                    (None, _) => {
                        return Err(err(
                            at,
                            format!(
                                "the root element is <{name}>: expected <CodeBook> (a .qdc \
                                 codebook) or <Project> (a .qdpx project's project.qde)"
                            ),
                        ))
                    }
                    (Some(Frame::Project), "CodeBook") if codebook_at.is_none() => {
                        if let Some(origin) = attr("origin")? {
                            book.origin = Some(origin);
                        }
                        codebook_at = Some(at);
                        Frame::CodeBook
                    }
                    (Some(Frame::CodeBook), "Codes") => Frame::Codes,
                    (Some(parent @ (Frame::Codes | Frame::Code(_))), "Code") => {
                        let name = attr("name")?.unwrap_or_default();
                        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                        book.codes.push(ImportedCode {
                            name: if name.is_empty() { "code".into() } else { name },
                            colour: attr("color")?.as_deref().and_then(colour),
                            description: String::new(),
                            guid: attr("guid")?
                                .map(|g| g.trim().trim_matches(['{', '}']).to_ascii_lowercase())
                                .filter(|g| crate::refi::qdpx::is_guid(g)),
                            parent: match parent {
                                Frame::Code(p) => Some(p),
                                _ => None,
                            },
                        });
                        Frame::Code(book.codes.len() - 1)
                    }
                    (Some(Frame::Code(i)), "Description") => Frame::Description(i),
                    _ => Frame::Other,
                };
                if root_at.is_none() {
                    root_at = Some(at);
                }
                stack.push((frame, name));
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(text) => {
                if let Some((Frame::Description(i), _)) = stack.last() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| err(at, format!("malformed text: {e}")))?;
                    book.codes[*i].description.push_str(&text);
                }
            }
            Event::CData(text) => {
                if let Some((Frame::Description(i), _)) = stack.last() {
                    let text = text
                        .xml10_content()
                        .map_err(|e| err(at, format!("malformed CDATA: {e}")))?;
                    book.codes[*i].description.push_str(&text);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some((Frame::Description(i), _)) = stack.last() {
                    let text = resolve(&reference).map_err(|e| err(at, e))?;
                    book.codes[*i].description.push_str(&text);
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

    let end = xml.len() as u64;
    if let Some((_, name)) = stack.last() {
        return Err(err(end, format!("the XML ends before <{name}> is closed")));
    }
    let Some(root_at) = root_at else {
        return Err(err(0, "no XML element: this is not a codebook".into()));
    };
    let Some(codebook_at) = codebook_at else {
        return Err(err(
            root_at,
            "no codes: the project holds no <CodeBook> (it has no codes to import)".into(),
        ));
    };
    if book.codes.is_empty() {
        return Err(err(
            codebook_at,
            "no codes: the <CodeBook> holds no <Code>".into(),
        ));
    }
    Ok(book)
}

/// The value of an element's attribute, by local name (a prefix is ignored), unescaped.
fn attribute(el: &BytesStart, key: &str, decoder: Decoder) -> Result<Option<String>, String> {
    for a in el.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        if a.key.local_name().as_ref() == key.as_bytes() {
            let value = a
                .decode_and_unescape_value(decoder)
                .map_err(|e| format!("attribute `{key}`: {e}"))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The text of a character reference or one of XML's five predefined entities.
pub(crate) fn resolve(reference: &BytesRef) -> Result<String, String> {
    let name = reference.decode().map_err(|e| e.to_string())?;
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(format!("`&{name};` is not a valid character")),
        };
    }
    resolve_predefined_entity(&name)
        .map(str::to_string)
        .ok_or_else(|| format!("unknown entity `&{name};`"))
}

/// A colour as quarry writes it (`#rrggbb`, lowercase), from `#rgb` or `#rrggbb`; None for
/// anything else.
pub(crate) fn colour(value: &str) -> Option<String> {
    let hex = value.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    match hex.len() {
        6 => Some(format!("#{hex}")),
        3 => Some(hex.chars().fold(String::from("#"), |mut s, c| {
            s.push(c);
            s.push(c);
            s
        })),
        _ => None,
    }
}

/// The snake_case of a name for an id, at most [`MAX_PART`] long: `Über-Kosten (€)` →
/// `uber_kosten`; `code` when no letter or digit is left.
fn id_part(name: &str) -> String {
    let part = snake_case(name);
    if part.is_empty() {
        "code".into()
    } else {
        part
    }
}

/// A codebook id from a file stem: snake_case, keeping hyphens (`sm-uptake`).
pub(crate) fn book_id(stem: &str) -> String {
    let parts: Vec<String> = stem
        .split('-')
        .map(snake_case)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        "codebook".into()
    } else {
        parts.join("-")
    }
}

/// Lowercase ASCII letters and digits joined by `_`, accents dropped, at most [`MAX_PART`]
/// long (cut at a word); empty when the text has no Latin letter or digit.
fn snake_case(text: &str) -> String {
    let mut out = String::new();
    for c in text.nfkd() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            continue;
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.len() > MAX_PART {
        // All ASCII, so any byte offset is a character boundary.
        let cut = out[..=MAX_PART].rfind('_').unwrap_or(MAX_PART);
        out.truncate(cut);
    }
    out.trim_end_matches('_').to_string()
}

/// A QdcError at a byte offset of `text`.
pub(crate) fn error_at(text: &str, offset: u64, message: String) -> QdcError {
    let mut offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    QdcError {
        line: before.matches('\n').count() + 1,
        column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
        message,
    }
}

/// Checks XML against an XSD with xmllint, when both are there (tests of the REFI-QDA
/// writers); says so and passes when they are not.
#[cfg(test)]
pub(crate) fn assert_schema_valid(xsd: &str, xml: &str, file_name: &str, label: &str) {
    use std::process::Command;
    let required = std::env::var_os("QUARRY_REQUIRE_TOOLS").is_some();
    if Command::new("xmllint").arg("--version").output().is_err() {
        assert!(!required, "xmllint is not on PATH");
        crate::test_skipped(&format!(
            "xmllint is not on PATH; {label} not checked against the schema"
        ));
        return;
    }
    if !std::path::Path::new(xsd).exists() {
        assert!(!required, "{xsd} is absent");
        crate::test_skipped(&format!(
            "{xsd} is absent; {label} not checked against the schema"
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(file_name);
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{label} does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::guid::guid;
    use crate::codebook::{self, parse};
    use std::path::Path;
    use uuid::Uuid;

    const XSD: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/spec/refi-qda/Codebook.xsd"
    );
    const SAMPLES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/refi_qda_samples"
    );

    const SMALL: &str = r##"[codebook]
id = "t"
name = "Test"
version = "0.3"

[[code]]
id = "t.fears"
name = 'Fears & "risks" <new>'
definition = "What worries people.\nSecond line: a < b & c > d, 'quoted'."
include = "Worries about the future."
exclude = "Past events."
colour = "#1F77B4"
rules = ["fear*", "risk NEAR/3 new"]

[[code]]
id = "t.fears.loss"
name = "Loss"
definition = "Fear of losing something."
rules = ['"job loss"']

[[code]]
id = "t.hope"
name = "Hope"
definition = "Tab\there, a backslash \\ and a bell \u0007."
"##;

    fn small() -> Codebook {
        parse(SMALL, Path::new("small.toml")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Checks the XML against the REFI-QDA codebook schema with xmllint, when it is there.
    fn assert_valid(xml: &str, label: &str) {
        super::assert_schema_valid(XSD, xml, "codebook.qdc", label);
    }

    /// A codebook's tree as the format keeps it: names, colours, definitions' first lines
    /// (without the control characters XML cannot hold).
    #[derive(Debug, PartialEq)]
    struct Node {
        name: String,
        colour: Option<String>,
        first_line: String,
        children: Vec<Node>,
    }

    fn tree(cb: &Codebook) -> Vec<Node> {
        fn below(cb: &Codebook, parent: Option<usize>) -> Vec<Node> {
            cb.codes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.parent == parent)
                .map(|(i, c)| Node {
                    name: c.name.clone(),
                    colour: c.colour.as_ref().map(|c| c.to_lowercase()),
                    first_line: (c.definition.lines().next().unwrap_or("").trim().chars())
                        .filter(|&ch| ch == '\t' || !ch.is_control())
                        .collect(),
                    children: below(cb, Some(i)),
                })
                .collect()
        }
        below(cb, None)
    }

    fn import_and_load(xml: &str, id: &str) -> Codebook {
        let toml = import(xml, id, &format!("{id}.qdc")).unwrap_or_else(|e| panic!("{e}"));
        parse(&toml, Path::new("imported.toml")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
    }

    fn guid_of(xml: &str, name: &str) -> String {
        let at = xml.find(&format!("name=\"{name}\"")).expect(name);
        let start = xml[..at].rfind("guid=\"").unwrap() + 6;
        xml[start..start + 36].to_string()
    }

    #[test]
    fn export_writes_a_valid_nested_codebook() {
        let xml = export(&small());
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"quarry: t v0.3\">"), "{xml}");
        assert!(!xml.contains("<Sets"), "{xml}");
        assert!(
            xml.contains("name=\"Fears &amp; &quot;risks&quot; &lt;new&gt;\" isCodable=\"true\" color=\"#1F77B4\">"),
            "{xml}"
        );
        assert!(xml.contains("<Description>What worries people.\nSecond line: a &lt; b &amp; c &gt; d, 'quoted'.\nInclude: Worries about the future.\nExclude: Past events.\nRules: fear*; risk NEAR/3 new</Description>"), "{xml}");
        // Loss is nested inside Fears; Hope is not.
        let (fears, loss, hope) = (
            xml.find("name=\"Fears").unwrap(),
            xml.find("name=\"Loss\"").unwrap(),
            xml.find("name=\"Hope\"").unwrap(),
        );
        let fears_end = fears + xml[fears..].find("\n    </Code>").unwrap();
        assert!(
            fears < loss && loss < fears_end && fears_end < hope,
            "{xml}"
        );
        // No control character other than tab and newline gets into the file.
        assert!(
            xml.contains("Tab\there, a backslash \\ and a bell ."),
            "{xml}"
        );
        assert_valid(&xml, "the small codebook");
    }

    #[test]
    fn the_built_in_codebooks_export_and_validate() {
        for (name, _) in codebook::BUILT_IN {
            let cb = codebook::load(name).unwrap();
            let xml = export(&cb);
            assert_eq!(xml.matches("<Code ").count(), cb.codes.len(), "{name}");
            assert!(
                xml.contains(&format!("origin=\"quarry: {} v{}\"", cb.id, cb.version)),
                "{name}"
            );
            assert_valid(&xml, &format!("built-in codebook {name}"));
        }
    }

    #[test]
    fn guids_are_stable() {
        let cb = small();
        assert_eq!(export(&cb), export(&cb));
        // Frozen: changing the namespace or the scheme would break links in other tools.
        assert_eq!(
            guid("t.fears").to_string(),
            Uuid::new_v5(
                &Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://quarry.invalid/codebook"),
                b"t.fears"
            )
            .to_string()
        );
        assert_eq!(guid("t.fears").get_version_num(), 5);
        // A code's GUID depends on its id only, not on where it stands.
        let moved = parse(
            "[codebook]\nid = \"t\"\nname = \"Other\"\n\n[[code]]\nid = \"t.new\"\nname = \"New\"\n\n[[code]]\nid = \"t.hope\"\nname = \"Hope renamed\"\n\n[[code]]\nid = \"t.fears\"\nname = \"Fears\"\n\n[[code]]\nid = \"t.fears.loss\"\nname = \"Loss\"\n",
            Path::new("moved.toml"),
        )
        .unwrap();
        let (a, b) = (export(&cb), export(&moved));
        assert_eq!(guid_of(&a, "Hope"), guid_of(&b, "Hope renamed"));
        assert_eq!(guid_of(&a, "Loss"), guid_of(&b, "Loss"));
        assert_ne!(guid_of(&a, "Hope"), guid_of(&a, "Loss"));
    }

    #[test]
    fn export_then_import_keeps_the_tree() {
        let mut books = vec![small()];
        for (name, _) in codebook::BUILT_IN {
            books.push(codebook::load(name).unwrap());
        }
        for cb in books {
            let back = import_and_load(&export(&cb), &cb.id);
            assert_eq!(tree(&back), tree(&cb), "{}", cb.id);
            assert_eq!(back.id, cb.id);
            assert_eq!(back.language, "english");
            assert!(
                back.source
                    .starts_with(&format!("imported from {}.qdc (quarry: {}", cb.id, cb.id)),
                "{}",
                back.source
            );
            assert!(back.codes.iter().all(|c| c.rules.is_empty()));
            // The imported codes keep the GUIDs they were exported with, and export again
            // with them, though their ids are new.
            let guids = |cb: &Codebook| cb.codes.iter().map(Code::refi_guid).collect::<Vec<_>>();
            assert_eq!(guids(&back), guids(&cb), "{}", cb.id);
            assert!(back.codes.iter().all(|c| c.guid.is_some()));
            assert_eq!(export(&back).matches(" guid=").count(), cb.codes.len());
            // Every id is its parent's id plus one part; a top-level code's is one part.
            for c in &back.codes {
                let rest = match c.parent {
                    Some(p) => {
                        c.id.strip_prefix(&format!("{}.", back.codes[p].id))
                            .unwrap()
                    }
                    None => c.id.as_str(),
                };
                assert!(!rest.contains('.'), "{}", c.id);
            }
        }
    }

    #[test]
    fn names_and_descriptions_round_trip_with_escaping() {
        let back = import_and_load(&export(&small()), "small");
        let fears = &back.codes[0];
        assert_eq!(fears.name, "Fears & \"risks\" <new>");
        assert_eq!(fears.id, "fears_risks_new");
        assert_eq!(fears.colour.as_deref(), Some("#1f77b4"));
        assert_eq!(
            fears.definition,
            "What worries people.\nSecond line: a < b & c > d, 'quoted'.\nInclude: Worries about the future.\nExclude: Past events.\nRules: fear*; risk NEAR/3 new"
        );
        assert_eq!(back.codes[1].id, "fears_risks_new.loss");
        assert_eq!(
            back.codes[2].definition,
            "Tab\there, a backslash \\ and a bell ."
        );

        // Attributes keep newlines, tabs and both quotes; TOML escapes what it must.
        let xml = "<CodeBook><Codes><Code guid=\"1\" isCodable=\"true\" name='a \"b\" &apos;c&apos; \\ d'><Description>x\\y \"z\"\r\n\u{1}?</Description></Code></Codes></CodeBook>";
        let back = import_and_load(xml, "q");
        assert_eq!(back.codes[0].name, "a \"b\" 'c' \\ d");
        assert_eq!(back.codes[0].definition, "x\\y \"z\"\n\u{1}?");
    }

    #[test]
    fn a_taguette_codebook_with_empty_sets_imports() {
        let xml = include_str!("../../tests/fixtures/qdc/taguette.qdc");
        let toml = import(xml, "taguette_codebook", "taguette_codebook.qdc").unwrap();
        assert!(
            toml.contains("source = \"imported from taguette_codebook.qdc (Taguette 1.4.1)\""),
            "{toml}"
        );
        let cb = parse(&toml, Path::new("t.toml")).unwrap();
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["interesting", "barriers_to_access", "trust_credibility"]
        );
        assert_eq!(cb.codes[2].name, "trust & credibility");
        assert!(cb
            .codes
            .iter()
            .all(|c| c.colour.is_none() && c.definition.is_empty() && c.depth == 1));
        assert!(toml.contains("rules = []"), "{toml}");
    }

    #[test]
    fn odd_but_readable_files_import() {
        // BOM, declaration with encoding, namespace prefix, unknown elements and attributes,
        // isCodable="false", CDATA and entities, blank and repeated names, #rgb colours, a set.
        let xml = include_str!("../../tests/fixtures/qdc/odd.qdc");
        assert!(xml.starts_with('\u{feff}'));
        let toml = import(xml, "Odd Codes", "Odd Codes.qdc").unwrap();
        let cb = parse(&toml, Path::new("odd.toml")).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        assert_eq!(cb.id, "odd_codes");
        assert_eq!(cb.name, "Odd Codes");
        assert_eq!(cb.source, "imported from Odd Codes.qdc (Hand & Co 0.1)");
        let got: Vec<(&str, &str, Option<&str>, usize)> = cb
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.colour.as_deref(), c.depth))
            .collect();
        assert_eq!(
            got,
            [
                ("barriers_to_use", "Barriers to use", Some("#aa00bb"), 1),
                ("barriers_to_use.paywalls", "Paywalls", Some("#1f77b4"), 2),
                ("barriers_to_use.paywalls_2", "paywalls", None, 2),
                ("barriers_to_use.code", "code", None, 2),
                ("barriers_to_use.uber_kosten", "Über-Kosten (€)", None, 2),
                ("barriers_to_use_2", "Barriers to use", None, 1),
            ]
        );
        assert_eq!(
            cb.codes[0].definition,
            "Anything <in the way> of using what was read \u{2014} e.g. \"paywalls\"."
        );
    }

    #[test]
    fn ids_are_snake_case_and_short() {
        assert_eq!(
            id_part("THEME - Affinity Spaces (Gee)"),
            "theme_affinity_spaces_gee"
        );
        assert_eq!(id_part("  Ça  va?? "), "ca_va");
        assert_eq!(id_part("信任"), "code");
        let long =
            id_part("a very long name that goes on and on about many different things at once");
        assert_eq!(long, "a_very_long_name_that_goes_on");
        let one = id_part("Supercalifragilisticexpialidocious".repeat(3).as_str());
        assert!(one.len() <= MAX_PART, "{one}");
        assert_eq!(book_id("sm-uptake"), "sm-uptake");
        assert_eq!(book_id("My Codebook v1.2"), "my_codebook_v1_2");
        assert_eq!(book_id("***"), "codebook");
        assert_eq!(colour("#AbC"), Some("#aabbcc".into()));
        assert_eq!(colour("#12345"), None);
    }

    #[test]
    fn bad_files_are_refused_with_line_and_column() {
        let err = |xml: &str| import(xml, "x", "x.qdc").unwrap_err();

        let e = err("<CodeBook>\n  <Codes>\n    <Code guid=\"1\" name=\"A\" isCodable=\"true\">\n  </Codes>\n</CodeBook>\n");
        assert_eq!((e.line, e.column), (4, 3), "{e}");
        assert!(
            e.message.contains("malformed XML") && e.message.contains("</Codes>"),
            "{e}"
        );
        assert!(e.to_string().starts_with("line 4, column 3: "), "{e}");

        let e =
            err("<CodeBook>\n  <Codes>\n    <Code guid=\"1\" name=\"A\" isCodable=\"true\"/>\n");
        assert_eq!((e.line, e.column), (4, 1), "{e}");
        assert!(e.message.contains("before <Codes> is closed"), "{e}");

        let e = err("<CodeBook><Codes>\n<Code name=\"A&B\" guid=\"1\" isCodable=\"true\"/></Codes></CodeBook>");
        assert_eq!((e.line, e.column), (2, 1), "{e}");

        let e = err("<?xml version=\"1.0\"?>\n<html><body/></html>");
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("root element is <html>"), "{e}");

        let e = err(
            "<?xml version=\"1.0\"?>\n<CodeBook origin=\"t\">\n  <Codes/>\n  <Sets/>\n</CodeBook>",
        );
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("no codes"), "{e}");

        let e = err("<CodeBook><Codes><Code name=\"A\"><Description>&nbsp;</Description></Code></Codes></CodeBook>");
        assert!(e.message.contains("unknown entity `&nbsp;`"), "{e}");

        let e = err("<CodeBook><Codes><Code name=\"A\"/></Codes></CodeBook>\n<CodeBook/>");
        assert_eq!((e.line, e.column), (2, 1), "{e}");

        let e = err("");
        assert_eq!((e.line, e.column), (1, 1), "{e}");
        assert!(e.message.contains("no XML element"), "{e}");
    }

    /// Number of `<Code ` elements in the text (what a reader should find).
    fn code_elements(xml: &str) -> usize {
        xml.matches("<Code ").count()
    }

    #[test]
    fn the_maxqda_project_imports() {
        let path = Path::new(SAMPLES).join("maxqda24_ICLS_themes_project.qde");
        let Ok(xml) = std::fs::read_to_string(&path) else {
            crate::test_skipped(&format!("{} is absent", path.display()));
            return;
        };
        let toml = import(&xml, "icls_themes", "maxqda24_ICLS_themes_project.qdpx").unwrap();
        let cb = parse(&toml, Path::new("icls.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cb.codes.len(), code_elements(&xml));
        assert_eq!(cb.codes.len(), 307);
        assert_eq!(cb.codes.iter().filter(|c| c.depth == 1).count(), 18);
        assert_eq!(cb.name, "2025-06-16_ICLS_Conf_Themes_ALL_just10");
        assert!(
            cb.source.contains("(MAXQDA 24 (Release 24.7.0))"),
            "{}",
            cb.source
        );
        let first = &cb.codes[0];
        assert_eq!(first.id, "additional_themes_and_ideas");
        assert_eq!(first.colour.as_deref(), Some("#ef8256"));
        assert!(first.definition.starts_with("This category encompasses"));
        assert_eq!(
            cb.codes[1].id,
            "additional_themes_and_ideas.theme_affinity_spaces_gee"
        );
        assert!(cb.codes.iter().all(|c| !c.definition.is_empty()));
        // Re-exported, it still validates.
        assert_valid(&export(&cb), "the MAXQDA codebook re-exported");
    }

    /// The text of `project.qde` in a .qdpx archive.
    fn project_qde(path: &Path) -> Option<String> {
        use std::io::Read;
        let file = std::fs::File::open(path).ok()?;
        let mut archive = zip::ZipArchive::new(file).expect("a .qdpx is a zip archive");
        let mut entry = archive.by_name("project.qde").expect("project.qde");
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("UTF-8 XML");
        Some(text)
    }

    #[test]
    fn the_atlas_ti_projects_import() {
        let target = Path::new(SAMPLES).join("atlasti_23_target-atlas-project.qdpx");
        let blank = Path::new(SAMPLES).join("atlasti_23_blank-atlas-project.qdpx");
        let (Some(target), Some(blank)) = (project_qde(&target), project_qde(&blank)) else {
            crate::test_skipped("the ATLAS.ti samples are absent");
            return;
        };
        let toml = import(&target, "target-atlas-project", "target-atlas-project.qdpx").unwrap();
        let cb = parse(&toml, Path::new("atlas.toml")).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        assert_eq!(cb.codes.len(), code_elements(&target));
        let got: Vec<(&str, usize)> = cb.codes.iter().map(|c| (c.id.as_str(), c.depth)).collect();
        assert_eq!(
            got,
            [
                ("commits", 1),
                ("commits.2022_05_10t02_05_59z_19e4dce", 2),
                ("commits.2022_02_11t10_39_25z_cdbfd92", 2),
            ]
        );
        assert_eq!(cb.codes[1].name, "2022-05-10T02:05:59Z 19e4dce");
        assert!(cb.source.contains("(ATLAS.ti for Windows 23.2.3.27778)"));

        assert_eq!(code_elements(&blank), 0);
        let e = import(&blank, "blank", "blank.qdpx").unwrap_err();
        assert!(
            e.message.contains("no codes") && e.message.contains("no <CodeBook>"),
            "{e}"
        );
        assert_eq!((e.line, e.column), (2, 1), "{e}");
    }
}
