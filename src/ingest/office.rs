//! Text extraction from Word `.docx` and OpenDocument `.odt` files.
//!
//! Opens the archive, reads the main body part (`word/document.xml` or
//! `content.xml`) and turns it into [`Block`]s in reading order: one
//! paragraph or one table row each. These blocks feed transcript ingestion,
//! which finds speaker labels in them and cuts the speakers' turns into quotes.
//! This module must never panic, recurse on document depth, fetch anything,
//! expand DTD entities or read more than [`MAX_PART_BYTES`] from one entry:
//! any bad or hostile input ends in an [`OfficeError`].

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;
use zip::result::ZipError;
use zip::ZipArchive;

/// Largest uncompressed size read from one archive entry (256 MiB); also the
/// most text a document may expand to.
pub(crate) const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// Archives with more entries than this are refused outright.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// Most spaces one ODF `<text:s text:c="N"/>` may produce; larger counts are clamped.
const MAX_SPACE_RUN: usize = 1024;

/// Most cells a row may reach by expanding `table:number-columns-repeated`.
const MAX_ROW_CELLS: usize = 1024;

/// Largest buffer reserved up front from an entry's declared size.
const MAX_PREALLOC: u64 = 8 * 1024 * 1024;

/// The main part of a `.docx` archive.
const DOCX_PART: &str = "word/document.xml";
/// The main part of an `.odt` archive.
const ODT_PART: &str = "content.xml";

/// The XML namespaces this module tells apart, by URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// WordprocessingML (`w:`), transitional or strict.
    Word,
    /// Office Math (`m:`), transitional or strict.
    Math,
    /// Markup compatibility (`mc:`).
    Compat,
    /// ODF `text:`.
    Text,
    /// ODF `table:`.
    Table,
    /// ODF `office:`.
    Office,
    /// ODF `svg:` (frame titles and descriptions).
    Svg,
    /// ODF `presentation:` (speaker notes).
    Presentation,
    /// Any other namespace, or none.
    Other,
}

impl Ns {
    /// Identifies a namespace by its URI (as written in the `xmlns` attribute).
    fn from_uri(uri: &[u8]) -> Ns {
        match uri {
            b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
            | b"http://purl.oclc.org/ooxml/wordprocessingml/main" => Ns::Word,
            b"http://schemas.openxmlformats.org/officeDocument/2006/math"
            | b"http://purl.oclc.org/ooxml/officeDocument/math" => Ns::Math,
            b"http://schemas.openxmlformats.org/markup-compatibility/2006" => Ns::Compat,
            b"urn:oasis:names:tc:opendocument:xmlns:text:1.0" => Ns::Text,
            b"urn:oasis:names:tc:opendocument:xmlns:table:1.0" => Ns::Table,
            b"urn:oasis:names:tc:opendocument:xmlns:office:1.0" => Ns::Office,
            b"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" => Ns::Svg,
            b"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" => Ns::Presentation,
            _ => Ns::Other,
        }
    }
}

/// Namespace prefixes in scope. quick-xml's `NsReader` is not used: in
/// 0.38 its depth counter is a `u16` that overflows (a panic in debug
/// builds) past 65,535 nested elements, and its lookups scan every binding
/// in scope. Here each lookup is one hash-map access.
#[derive(Debug, Default)]
struct Scopes {
    /// For each prefix (empty for the default namespace), its bindings in
    /// scope, innermost last.
    bound: HashMap<Vec<u8>, Vec<Ns>>,
    /// Prefixes declared by the open elements, in document order.
    declared: Vec<Vec<u8>>,
    /// How many prefixes each open element declared, innermost last.
    per_element: Vec<usize>,
}

impl Scopes {
    /// Opens the scope of an element, adding its `xmlns` declarations.
    fn push(&mut self, start: &BytesStart<'_>) {
        let mut count = 0usize;
        let mut attributes = start.attributes();
        // Duplicate checks are quadratic in the number of attributes.
        attributes.with_checks(false);
        for attribute in attributes {
            let Ok(attribute) = attribute else { break };
            let key = attribute.key.as_ref();
            let prefix = if key == b"xmlns" {
                &b""[..]
            } else if let Some(prefix) = key.strip_prefix(b"xmlns:") {
                prefix
            } else {
                continue;
            };
            self.bound
                .entry(prefix.to_vec())
                .or_default()
                .push(Ns::from_uri(attribute.value.as_ref()));
            self.declared.push(prefix.to_vec());
            count = count.saturating_add(1);
        }
        self.per_element.push(count);
    }

    /// Closes the innermost scope.
    fn pop(&mut self) {
        for _ in 0..self.per_element.pop().unwrap_or(0) {
            let Some(prefix) = self.declared.pop() else {
                break;
            };
            if let Some(stack) = self.bound.get_mut(&prefix) {
                stack.pop();
                if stack.is_empty() {
                    self.bound.remove(&prefix);
                }
            }
        }
    }

    /// The namespace of an element name's prefix (`None` for the default).
    fn resolve(&self, prefix: Option<&[u8]>) -> Ns {
        self.bound
            .get(prefix.unwrap_or(b""))
            .and_then(|stack| stack.last().copied())
            .unwrap_or(Ns::Other)
    }
}

/// One unit of document text, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A paragraph (or heading, or list item) in reading order; runs concatenated.
    Para(String),
    /// One table row: the text of each cell (a cell's paragraphs joined by '\n').
    Row(Vec<String>),
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OfficeError {
    /// The bytes are not a zip archive at all.
    #[error("not a zip archive: {0}")]
    NotZip(String),
    /// The bytes start like a zip archive but its directory is unreadable.
    #[error("damaged or truncated zip archive: {0}")]
    BadZip(String),
    /// The archive lists more entries than [`MAX_ENTRIES`].
    #[error("the archive has {count} entries, more than the {limit} allowed")]
    TooManyEntries {
        /// Entries listed in the archive.
        count: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The archive has no entry with the expected name.
    #[error("no {part} in the archive")]
    MissingPart {
        /// Name of the missing entry.
        part: &'static str,
    },
    /// The entry is bigger, uncompressed, than the limit.
    #[error("{part} is larger than the {} limit (a zip bomb?)", human_size(*limit))]
    TooLarge {
        /// Name of the entry.
        part: &'static str,
        /// The limit in force, in bytes.
        limit: u64,
    },
    /// The entry's text would grow past the limit (for instance through
    /// huge space counts).
    #[error("{part} expands to more text than the {} limit", human_size(*limit))]
    TooMuchText {
        /// Name of the entry.
        part: &'static str,
        /// The limit in force, in bytes.
        limit: u64,
    },
    /// The entry could not be decompressed (corrupt data, bad checksum,
    /// unsupported compression or encryption).
    #[error("{part}: cannot read it from the archive: {detail}")]
    Read {
        /// Name of the entry.
        part: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The entry is not well-formed XML (or not UTF-8).
    #[error("{part}: XML error at byte {position}: {detail}")]
    Xml {
        /// Name of the entry.
        part: &'static str,
        /// Byte offset in the uncompressed entry.
        position: u64,
        /// The parser's message.
        detail: quick_xml::Error,
    },
    /// The XML stops before its root element is closed.
    #[error("{part}: the XML ends before the document is closed (truncated?)")]
    Unclosed {
        /// Name of the entry.
        part: &'static str,
    },
}

/// Extracts the body text of a Word `.docx` file given as bytes.
pub(crate) fn docx_blocks(bytes: &[u8]) -> Result<Vec<Block>, OfficeError> {
    blocks_with_limit(bytes, Dialect::Docx, MAX_PART_BYTES)
}

/// Extracts the body text of an OpenDocument `.odt` file given as bytes.
pub(crate) fn odt_blocks(bytes: &[u8]) -> Result<Vec<Block>, OfficeError> {
    blocks_with_limit(bytes, Dialect::Odt, MAX_PART_BYTES)
}

/// Formats a byte count for messages ("256 MiB", "100 bytes").
fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    // MIB is a power of two: a whole number of MiB has its low 20 bits clear.
    if bytes >= MIB && bytes & (MIB - 1) == 0 {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Which file format is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// WordprocessingML (`.docx`).
    Docx,
    /// OpenDocument Text (`.odt`).
    Odt,
}

impl Dialect {
    /// The archive entry holding the body.
    fn part(self) -> &'static str {
        match self {
            Dialect::Docx => DOCX_PART,
            Dialect::Odt => ODT_PART,
        }
    }
}

/// Reads `dialect`'s main part from the archive `bytes`, with `limit` as the
/// most bytes of uncompressed XML and of extracted text.
fn blocks_with_limit(
    bytes: &[u8],
    dialect: Dialect,
    limit: u64,
) -> Result<Vec<Block>, OfficeError> {
    let part = dialect.part();
    let xml = read_part(bytes, part, limit)?;
    parse_blocks(&xml, dialect, part, limit)
}

/// Describes a zip error, including the underlying I/O error if any.
fn zip_detail(err: &ZipError) -> String {
    match err {
        ZipError::Io(io) => format!("i/o error: {io}"),
        other => other.to_string(),
    }
}

/// Reads one entry of a zip archive held in memory, refusing archives with
/// too many entries and entries over `limit` bytes uncompressed.
fn read_part(bytes: &[u8], part: &'static str, limit: u64) -> Result<Vec<u8>, OfficeError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|err| {
        if bytes.starts_with(b"PK") {
            OfficeError::BadZip(zip_detail(&err))
        } else {
            OfficeError::NotZip(zip_detail(&err))
        }
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(OfficeError::TooManyEntries {
            count: archive.len(),
            limit: MAX_ENTRIES,
        });
    }
    let file = match archive.by_name(part) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => return Err(OfficeError::MissingPart { part }),
        Err(err) => {
            return Err(OfficeError::Read {
                part,
                detail: zip_detail(&err),
            });
        }
    };
    // The declared size is only a hint: a hostile archive may understate it,
    // so the read below is capped as well.
    if file.size() > limit {
        return Err(OfficeError::TooLarge { part, limit });
    }
    let reserve = usize::try_from(file.size().min(MAX_PREALLOC)).unwrap_or(0);
    let mut xml = Vec::with_capacity(reserve);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut xml)
        .map_err(|err| OfficeError::Read {
            part,
            detail: err.to_string(),
        })?;
    if u64::try_from(xml.len()).unwrap_or(u64::MAX) > limit {
        return Err(OfficeError::TooLarge { part, limit });
    }
    Ok(xml)
}

/// What an element means for text extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A paragraph: its text becomes a block (or part of a cell).
    Para,
    /// A table.
    Table,
    /// A table row.
    Row,
    /// A table cell, standing for `repeat` cells in a row.
    Cell {
        /// How many columns this cell covers as copies (ODF repetition).
        repeat: usize,
    },
    /// An element whose character data is text (docx `w:t`).
    TextHolder,
    /// An element standing for `count` copies of a character.
    Chars {
        /// The character.
        ch: char,
        /// How many of them.
        count: usize,
    },
    /// An element whose whole subtree is ignored.
    Skip,
    /// Any other element: transparent.
    Plain,
}

/// An open element, as remembered on the explicit stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// An open paragraph (its text is on `Builder::paras`).
    Para,
    /// An open table.
    Table,
    /// An open row; `opened` if it is a row of an outermost table.
    Row {
        /// Whether this element started `Builder::row`.
        opened: bool,
    },
    /// An open cell; `opened` if it is a cell of an outermost table's row.
    Cell {
        /// Whether this element started `Builder::cell`.
        opened: bool,
        /// How many copies of the cell to put in the row.
        repeat: usize,
    },
    /// An open text holder (docx `w:t`).
    TextHolder,
    /// Any other open element.
    Plain,
}

/// Classifies a WordprocessingML element.
fn classify_docx(ns: Ns, local: &[u8]) -> Role {
    match (ns, local) {
        (Ns::Word, b"p") => Role::Para,
        (Ns::Word, b"tbl") => Role::Table,
        (Ns::Word, b"tr") => Role::Row,
        (Ns::Word, b"tc") => Role::Cell { repeat: 1 },
        (Ns::Word | Ns::Math, b"t") => Role::TextHolder,
        (Ns::Word, b"tab" | b"ptab") => Role::Chars { ch: '\t', count: 1 },
        (Ns::Word, b"br" | b"cr") => Role::Chars { ch: '\n', count: 1 },
        (Ns::Word, b"noBreakHyphen") => Role::Chars { ch: '-', count: 1 },
        // Deleted or moved-away text, field codes, and property blocks
        // (`w:pPr` holds tab-stop definitions also named `w:tab`).
        (
            Ns::Word,
            b"del" | b"moveFrom" | b"delText" | b"instrText" | b"delInstrText" | b"pPr" | b"rPr"
            | b"sectPr" | b"tblPr" | b"trPr" | b"tcPr" | b"sdtPr" | b"sdtEndPr",
        ) => Role::Skip,
        // `mc:Choice` already carries what the fallback repeats.
        (Ns::Compat, b"Fallback") => Role::Skip,
        _ => Role::Plain,
    }
}

/// Classifies an OpenDocument element; `start` gives access to attributes.
fn classify_odt(ns: Ns, local: &[u8], start: &BytesStart<'_>) -> Role {
    match (ns, local) {
        (Ns::Text, b"p" | b"h") => Role::Para,
        (Ns::Text, b"tab") => Role::Chars { ch: '\t', count: 1 },
        (Ns::Text, b"line-break") => Role::Chars { ch: '\n', count: 1 },
        (Ns::Text, b"s") => Role::Chars {
            ch: ' ',
            count: numeric_attr(start, b"c").clamp(1, MAX_SPACE_RUN),
        },
        // Notes, tracked-change records (deleted text lives there), cached
        // list labels, ruby annotations and index templates.
        (Ns::Text, b"note" | b"tracked-changes" | b"number" | b"ruby-text") => Role::Skip,
        (Ns::Text, _) if local.ends_with(b"-source") => Role::Skip,
        (Ns::Table, b"table") => Role::Table,
        (Ns::Table, b"table-row") => Role::Row,
        (Ns::Table, b"table-cell") => Role::Cell {
            repeat: numeric_attr(start, b"number-columns-repeated").clamp(1, MAX_ROW_CELLS),
        },
        (Ns::Table, b"covered-table-cell") => Role::Skip,
        (Ns::Office, b"annotation" | b"binary-data" | b"forms" | b"scripts") => Role::Skip,
        (Ns::Svg, b"title" | b"desc") | (Ns::Presentation, b"notes") => Role::Skip,
        _ => Role::Plain,
    }
}

/// Reads an attribute (by local name) as a decimal number; 0 when absent or
/// not a number, saturating when too large.
fn numeric_attr(start: &BytesStart<'_>, local: &[u8]) -> usize {
    let mut attributes = start.attributes();
    attributes.with_checks(false);
    for attr in attributes {
        let Ok(attr) = attr else { break };
        if attr.key.local_name().as_ref() == local {
            let digits = attr.value.as_ref().trim_ascii();
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return 0;
            }
            return digits.iter().fold(0usize, |acc, d| {
                acc.saturating_mul(10)
                    .saturating_add(usize::from(d.saturating_sub(b'0')))
            });
        }
    }
    0
}

/// A paragraph being collected.
#[derive(Debug, Default)]
struct OpenPara {
    /// Text so far.
    text: String,
    /// Whether the last character came from collapsible source whitespace.
    last_space: bool,
}

/// Accumulates blocks while the XML is walked.
struct Builder {
    /// Finished blocks.
    blocks: Vec<Block>,
    /// Open paragraphs, innermost last (text boxes nest paragraphs).
    paras: Vec<OpenPara>,
    /// How many tables are open.
    table_depth: usize,
    /// The open row of the outermost table.
    row: Option<Vec<String>>,
    /// Paragraph texts of the open cell of the outermost table.
    cell: Option<Vec<String>>,
    /// Whether source whitespace is collapsed (ODF rules).
    collapse: bool,
    /// Bytes of text produced so far.
    produced: u64,
    /// The most bytes of text allowed.
    limit: u64,
    /// The entry being read, for errors.
    part: &'static str,
}

impl Builder {
    /// Counts `len` bytes of text against the limit.
    fn charge(&mut self, len: usize) -> Result<(), OfficeError> {
        self.produced = self
            .produced
            .saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
        if self.produced > self.limit {
            return Err(OfficeError::TooMuchText {
                part: self.part,
                limit: self.limit,
            });
        }
        Ok(())
    }

    /// Appends character data from the document to the innermost paragraph.
    fn push_source(&mut self, text: &str) -> Result<(), OfficeError> {
        if self.paras.is_empty() || text.is_empty() {
            return Ok(());
        }
        self.charge(text.len())?;
        let collapse = self.collapse;
        if let Some(para) = self.paras.last_mut() {
            if collapse {
                for ch in text.chars() {
                    if matches!(ch, ' ' | '\t' | '\n' | '\r') {
                        if !para.last_space {
                            para.text.push(' ');
                            para.last_space = true;
                        }
                    } else {
                        para.text.push(ch);
                        para.last_space = false;
                    }
                }
            } else {
                para.text.push_str(text);
            }
        }
        Ok(())
    }

    /// Appends `count` copies of a character produced by markup.
    fn push_chars(&mut self, ch: char, count: usize) -> Result<(), OfficeError> {
        if self.paras.is_empty() {
            return Ok(());
        }
        self.charge(ch.len_utf8().saturating_mul(count))?;
        if let Some(para) = self.paras.last_mut() {
            para.text.extend(std::iter::repeat_n(ch, count));
            para.last_space = false;
        }
        Ok(())
    }

    /// Handles the start of an element with the given role and returns the
    /// frame to remember for its end.
    fn open(&mut self, role: Role) -> Result<Frame, OfficeError> {
        Ok(match role {
            Role::Para => {
                self.paras.push(OpenPara::default());
                Frame::Para
            }
            Role::Table => {
                self.table_depth = self.table_depth.saturating_add(1);
                Frame::Table
            }
            Role::Row => {
                let opened = self.table_depth == 1 && self.row.is_none();
                if opened {
                    self.row = Some(Vec::new());
                }
                Frame::Row { opened }
            }
            Role::Cell { repeat } => {
                let opened = self.table_depth == 1 && self.row.is_some() && self.cell.is_none();
                if opened {
                    self.cell = Some(Vec::new());
                }
                Frame::Cell { opened, repeat }
            }
            Role::TextHolder => Frame::TextHolder,
            Role::Chars { ch, count } => {
                self.push_chars(ch, count)?;
                Frame::Plain
            }
            Role::Skip | Role::Plain => Frame::Plain,
        })
    }

    /// Handles the end of an element.
    fn close(&mut self, frame: Frame) -> Result<(), OfficeError> {
        match frame {
            Frame::Para => {
                let Some(para) = self.paras.pop() else {
                    return Ok(());
                };
                if para.text.trim().is_empty() {
                    return Ok(());
                }
                match self.cell.as_mut() {
                    Some(cell) => cell.push(para.text),
                    None => self.blocks.push(Block::Para(para.text)),
                }
            }
            Frame::Table => self.table_depth = self.table_depth.saturating_sub(1),
            Frame::Row { opened: true } => {
                if let Some(cells) = self.row.take() {
                    if cells.iter().any(|cell| !cell.trim().is_empty()) {
                        self.blocks.push(Block::Row(cells));
                    }
                }
            }
            Frame::Cell {
                opened: true,
                repeat,
            } => {
                let text = self.cell.take().unwrap_or_default().join("\n");
                let Some(filled) = self.row.as_ref().map(Vec::len) else {
                    return Ok(());
                };
                let room = MAX_ROW_CELLS.saturating_sub(filled).max(1);
                let extra = repeat.clamp(1, room).saturating_sub(1);
                self.charge(text.len().saturating_add(1).saturating_mul(extra))?;
                if let Some(row) = self.row.as_mut() {
                    row.extend(std::iter::repeat_n(text.clone(), extra));
                    row.push(text);
                }
            }
            Frame::Row { opened: false }
            | Frame::Cell { opened: false, .. }
            | Frame::TextHolder
            | Frame::Plain => {}
        }
        Ok(())
    }
}

/// Walks the XML of a main part and collects its blocks, with an explicit
/// stack (no recursion) so that depth cannot overflow the call stack.
fn parse_blocks(
    xml: &[u8],
    dialect: Dialect,
    part: &'static str,
    limit: u64,
) -> Result<Vec<Block>, OfficeError> {
    let mut reader = Reader::from_reader(xml);
    {
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.trim_text(false);
    }
    let mut builder = Builder {
        blocks: Vec::new(),
        paras: Vec::new(),
        table_depth: 0,
        row: None,
        cell: None,
        collapse: dialect == Dialect::Odt,
        produced: 0,
        limit,
        part,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut scopes = Scopes::default();
    // Depth inside an ignored subtree (0 when not skipping); such elements
    // are not put on `stack`.
    let mut skip_depth: usize = 0;

    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(detail) => {
                return Err(OfficeError::Xml {
                    part,
                    position: reader.error_position(),
                    detail,
                });
            }
        };
        let xml_err = |detail: quick_xml::Error, position: u64| OfficeError::Xml {
            part,
            position,
            detail,
        };
        match event {
            Event::Start(start) => {
                if skip_depth > 0 {
                    skip_depth = skip_depth.saturating_add(1);
                    continue;
                }
                scopes.push(&start);
                let name = start.name();
                let (local, prefix) = name.decompose();
                let ns = scopes.resolve(prefix.as_ref().map(AsRef::as_ref));
                let role = match dialect {
                    Dialect::Docx => classify_docx(ns, local.as_ref()),
                    Dialect::Odt => classify_odt(ns, local.as_ref(), &start),
                };
                if role == Role::Skip {
                    // Nothing inside is looked at, so the scope can go now.
                    scopes.pop();
                    skip_depth = 1;
                    continue;
                }
                let frame = builder.open(role)?;
                stack.push(frame);
            }
            Event::End(_) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                scopes.pop();
                if let Some(frame) = stack.pop() {
                    builder.close(frame)?;
                }
            }
            Event::Text(text) => {
                if takes_text(dialect, skip_depth, &stack) {
                    let position = reader.buffer_position();
                    let text = text
                        .xml10_content()
                        .map_err(|e| xml_err(e.into(), position))?;
                    builder.push_source(&text)?;
                }
            }
            Event::CData(data) => {
                if takes_text(dialect, skip_depth, &stack) {
                    let position = reader.buffer_position();
                    let text = data.decode().map_err(|e| xml_err(e.into(), position))?;
                    builder.push_source(&text)?;
                }
            }
            Event::GeneralRef(reference) => {
                if takes_text(dialect, skip_depth, &stack) {
                    let position = reader.buffer_position();
                    let text = resolve_reference(&reference).map_err(|e| xml_err(e, position))?;
                    builder.push_source(&text)?;
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions and DOCTYPE
            // carry no text; a DOCTYPE's entity declarations are never used.
            Event::Empty(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() || skip_depth > 0 {
        return Err(OfficeError::Unclosed { part });
    }
    Ok(builder.blocks)
}

/// Whether character data at the current point belongs to the text.
fn takes_text(dialect: Dialect, skip_depth: usize, stack: &[Frame]) -> bool {
    if skip_depth > 0 {
        return false;
    }
    match dialect {
        // Word keeps text only in `w:t`; anything else is layout whitespace.
        Dialect::Docx => stack.last() == Some(&Frame::TextHolder),
        // ODF paragraphs hold their text directly (whether inside a paragraph
        // is checked when pushing).
        Dialect::Odt => true,
    }
}

/// Turns an entity or character reference into text: character references
/// and the five predefined entities are resolved; any other entity (which
/// only a DTD could define) is kept literally as `&name;`, never expanded.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, quick_xml::Error> {
    let name = reference.decode()?;
    if reference.is_char_ref() {
        return Ok(match reference.resolve_char_ref() {
            Ok(Some(ch)) => ch.to_string(),
            // Invalid code points such as `&#0;` are kept as written.
            Ok(None) | Err(_) => format!("&{name};"),
        });
    }
    Ok(match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(text) => text.to_owned(),
        None => format!("&{name};"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    /// Builds a zip archive in memory from (name, content) pairs.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).expect("start entry");
            writer.write_all(content).expect("write entry");
        }
        writer.finish().expect("finish zip").into_inner()
    }

    /// Wraps WordprocessingML body content into a docx archive.
    fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body}</w:body></w:document>"#
        );
        zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", xml.as_bytes()),
        ])
    }

    /// Wraps ODF body content into an odt archive.
    fn odt(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
        );
        zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", xml.as_bytes()),
        ])
    }

    /// Shorthand for a paragraph block.
    fn para(text: &str) -> Block {
        Block::Para(text.to_owned())
    }

    /// Shorthand for a row block.
    fn row(cells: &[&str]) -> Block {
        Block::Row(cells.iter().map(|c| (*c).to_owned()).collect())
    }

    #[test]
    fn docx_paragraphs_and_runs() {
        let bytes = docx(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Interviewer:  </w:t></w:r>
<w:r><w:t>Hello &amp; welcome</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">   </w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:t>Second</w:t></w:r></w:p>"#,
        );
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("Interviewer:  Hello & welcome"), para("Second")]
        );
    }

    #[test]
    fn docx_tabs_breaks_and_hyphens() {
        let bytes = docx(
            r#"<w:p><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t><w:cr/><w:t>e</w:t><w:noBreakHyphen/><w:t>mail &#233;&#x2014;</w:t></w:r></w:p>"#,
        );
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("A\tB\nC\ne-mail é—")]
        );
    }

    #[test]
    fn docx_tracked_changes_and_field_codes() {
        let bytes = docx(
            r#"<w:p><w:r><w:t xml:space="preserve">I said </w:t></w:r>
<w:del w:id="1" w:author="x"><w:r><w:delText>no</w:delText></w:r></w:del>
<w:ins w:id="2" w:author="x"><w:r><w:t>yes</w:t></w:r></w:ins>
<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>.</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:p><w:del w:id="3" w:author="x"><w:r><w:delText>gone entirely</w:delText></w:r></w:del></w:p>"#,
        );
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("I said yes.")]
        );
    }

    #[test]
    fn docx_speaker_table_gives_rows() {
        let bytes = docx(
            r#"<w:p><w:r><w:t>Before</w:t></w:r></w:p>
<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>
<w:tr><w:tc><w:p><w:r><w:t>Speaker</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Text</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>I</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>How did it start?</w:t></w:r></w:p><w:p><w:r><w:t>Take your time.</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>R</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Slowly.</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc></w:tr>
<w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>
</w:tbl>
<w:p><w:r><w:t>After</w:t></w:r></w:p>"#,
        );
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![
                para("Before"),
                row(&["Speaker", "Text"]),
                row(&["I", "How did it start?\nTake your time."]),
                row(&["R", "Slowly.\ninner"]),
                para("After"),
            ]
        );
    }

    #[test]
    fn docx_alternate_content_not_duplicated() {
        let bytes = docx(
            r#"<w:p><w:r><w:t>Anchor</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Box</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Box</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
        );
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("Box"), para("Anchor")]
        );
    }

    #[test]
    fn odt_paragraphs_spaces_and_lists() {
        let bytes = odt(
            r#"<text:sequence-decls><text:sequence-decl text:name="Table"/></text:sequence-decls>
<text:h text:outline-level="1">Session <text:span>one</text:span></text:h>
<text:p>P1:<text:s text:c="3"/>Yes<text:s/>and<text:tab/>then<text:line-break/>more <text:a xlink:href="http://x">link</text:a></text:p>
<text:list><text:list-item><text:p>item <text:soft-page-break/>one</text:p></text:list-item></text:list>
<text:section><text:p>in   a
   section</text:p></text:section>
<text:p><text:s text:c="4"/></text:p>
<text:p>Note<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>footnote body</text:p></text:note-body></text:note> here<office:annotation><text:p>a comment</text:p></office:annotation>.</text:p>"#,
        );
        assert_eq!(
            odt_blocks(&bytes).expect("odt parses"),
            vec![
                para("Session one"),
                para("P1:   Yes and\tthen\nmore link"),
                para("item one"),
                para("in a section"),
                para("Note here."),
            ]
        );
    }

    #[test]
    fn odt_tracked_deletions_skipped() {
        let bytes = odt(
            r#"<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>removed words</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:p>kept <text:change text:change-id="c1"/>text</text:p>"#,
        );
        assert_eq!(
            odt_blocks(&bytes).expect("odt parses"),
            vec![para("kept text")]
        );
    }

    #[test]
    fn odt_speaker_table_gives_rows() {
        let bytes = odt(
            r#"<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>
<table:table-header-rows><table:table-row><table:table-cell><text:p>Speaker</text:p></table:table-cell><table:table-cell><text:p>Text</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell><text:p>Moderator</text:p></table:table-cell><table:table-cell><text:p>Start with task 1.</text:p><text:p>Take your time.</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>merged</text:p></table:table-cell><table:covered-table-cell><text:p>hidden</text:p></table:covered-table-cell></table:table-row>
</table:table>"#,
        );
        assert_eq!(
            odt_blocks(&bytes).expect("odt parses"),
            vec![
                row(&["Speaker", "Text"]),
                row(&["Moderator", "Start with task 1.\nTake your time."]),
                row(&["x", "x"]),
                row(&["merged"]),
            ]
        );
    }

    #[test]
    fn huge_space_count_is_clamped() {
        let bytes = odt(r#"<text:p>a<text:s text:c="99999999999999999999999"/>b</text:p>"#);
        let blocks = odt_blocks(&bytes).expect("odt parses");
        assert_eq!(
            blocks,
            vec![para(&format!("a{}b", " ".repeat(MAX_SPACE_RUN)))]
        );
    }

    #[test]
    fn non_zip_input_is_an_error() {
        let err = docx_blocks(b"just some text, not an archive").expect_err("must fail");
        assert!(matches!(err, OfficeError::NotZip(_)), "{err:?}");
        assert!(err.to_string().starts_with("not a zip archive: "), "{err}");
        let err = odt_blocks(&[]).expect_err("must fail");
        assert!(matches!(err, OfficeError::NotZip(_)), "{err:?}");
    }

    #[test]
    fn missing_part_is_an_error() {
        let bytes = odt("<text:p>odt, not docx</text:p>");
        let err = docx_blocks(&bytes).expect_err("must fail");
        assert!(
            matches!(err, OfficeError::MissingPart { part: DOCX_PART }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "no word/document.xml in the archive");
        let err = odt_blocks(&docx("")).expect_err("must fail");
        assert_eq!(err.to_string(), "no content.xml in the archive");
    }

    #[test]
    fn oversized_entry_is_refused() {
        // Highly compressible, like a zip bomb; the limit is lowered so the
        // test stays small.
        let body = "<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>".repeat(2000);
        let bytes = docx(&body);
        assert!(bytes.len() < 4096, "fixture is {} bytes", bytes.len());
        let err = blocks_with_limit(&bytes, Dialect::Docx, 10_000).expect_err("must fail");
        assert!(
            matches!(
                err,
                OfficeError::TooLarge {
                    part: DOCX_PART,
                    limit: 10_000
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "word/document.xml is larger than the 10000 bytes limit (a zip bomb?)"
        );
        assert!(blocks_with_limit(&bytes, Dialect::Docx, 1 << 20).is_ok());
    }

    #[test]
    fn too_large_message_in_mib() {
        let err = OfficeError::TooLarge {
            part: DOCX_PART,
            limit: MAX_PART_BYTES,
        };
        assert_eq!(
            err.to_string(),
            "word/document.xml is larger than the 256 MiB limit (a zip bomb?)"
        );
    }

    #[test]
    fn too_many_entries_is_refused() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for i in 0..=MAX_ENTRIES {
            writer
                .start_file(format!("{i}"), options)
                .expect("start entry");
        }
        let bytes = writer.finish().expect("finish zip").into_inner();
        let err = docx_blocks(&bytes).expect_err("must fail");
        assert!(matches!(err, OfficeError::TooManyEntries { .. }), "{err:?}");
    }

    #[test]
    fn truncated_archive_is_an_error() {
        let bytes = docx("<w:p><w:r><w:t>Hello</w:t></w:r></w:p>");
        for cut in [bytes.len() / 2, bytes.len() - 1, 10, 2] {
            let err = docx_blocks(&bytes[..cut]).expect_err("must fail");
            assert!(matches!(err, OfficeError::BadZip(_)), "cut {cut}: {err:?}");
            assert!(err
                .to_string()
                .starts_with("damaged or truncated zip archive: "));
        }
    }

    #[test]
    fn corrupt_entry_data_is_an_error() {
        let text = "Hello world, hello world.".repeat(20);
        let xml = format!(
            "<w:document xmlns:w=\"{}\"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
            "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        );
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        writer.start_file(DOCX_PART, options).expect("start entry");
        writer.write_all(xml.as_bytes()).expect("write entry");
        let mut bytes = writer.finish().expect("finish zip").into_inner();
        let at = bytes
            .windows(5)
            .position(|w| w == b"Hello")
            .expect("stored text present");
        bytes[at] = b'J';
        let err = docx_blocks(&bytes).expect_err("checksum must fail");
        assert!(matches!(err, OfficeError::Read { .. }), "{err:?}");
    }

    #[test]
    fn malformed_xml_is_an_error() {
        let bytes = zip_of(&[(DOCX_PART, b"<w:document><w:body><w:p></w:body>")]);
        let err = docx_blocks(&bytes).expect_err("must fail");
        assert!(matches!(err, OfficeError::Xml { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("word/document.xml: XML error at byte "),
            "{err}"
        );
        let bytes = zip_of(&[(ODT_PART, b"<office:document-content><text:p>cut")]);
        let err = odt_blocks(&bytes).expect_err("must fail");
        assert!(matches!(err, OfficeError::Unclosed { .. }), "{err:?}");
        let bytes = zip_of(&[(DOCX_PART, &[0xff, 0xfe, 0x00, 0x3c][..])]);
        assert!(docx_blocks(&bytes).is_err());
    }

    #[test]
    fn doctype_entities_are_never_expanded() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE w:document [
  <!ENTITY foo "EXPANDED">
  <!ENTITY ext SYSTEM "file:///etc/passwd">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>a &foo; b &ext; c</w:t></w:r></w:p></w:body></w:document>"#;
        let bytes = zip_of(&[(DOCX_PART, xml.as_bytes())]);
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("a &foo; b &ext; c")]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 200_000;
        let mut xml = String::from(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><text:p>"#,
        );
        xml.push_str(&"<text:span>".repeat(depth));
        xml.push_str("deep");
        xml.push_str(&"</text:span>".repeat(depth));
        xml.push_str("</text:p></office:body></office:document-content>");
        let bytes = zip_of(&[(ODT_PART, xml.as_bytes())]);
        assert_eq!(odt_blocks(&bytes).expect("odt parses"), vec![para("deep")]);
    }

    #[test]
    fn docx_namespace_prefix_is_resolved_not_assumed() {
        let xml = r#"<document xmlns="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w="urn:other"><body>
<p><r><t>default</t></r></p><x:p><x:r><x:t>prefixed</x:t></x:r></x:p>
<p><r><w:t>other namespace</w:t></r></p></body></document>"#;
        let bytes = zip_of(&[(DOCX_PART, xml.as_bytes())]);
        assert_eq!(
            docx_blocks(&bytes).expect("docx parses"),
            vec![para("default"), para("prefixed")]
        );
    }

    #[test]
    fn mangled_xml_never_panics() {
        let docx_xml = format!(
            r#"<w:document xmlns:w="{}"><w:body><w:p><w:r><w:t>a&amp;b&#x41;</w:t><w:tab/></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#,
            "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        );
        let odt_xml = r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><text:p>a<text:s text:c="2"/>b</text:p><table:table><table:table-row><table:table-cell table:number-columns-repeated="3"><text:p>c</text:p></table:table-cell></table:table-row></table:table></office:body></office:document-content>"#;
        for (xml, dialect) in [
            (docx_xml.as_bytes(), Dialect::Docx),
            (odt_xml.as_bytes(), Dialect::Odt),
        ] {
            // Every truncation, and every byte replaced by markup characters.
            for cut in 0..xml.len() {
                let _ = parse_blocks(&xml[..cut], dialect, "x", 1 << 20);
            }
            for at in 0..xml.len() {
                for byte in [b'<', b'>', b'&', b'/', b'"', b':', b'#', 0xC3, 0] {
                    let mut mangled = xml.to_vec();
                    mangled[at] = byte;
                    let _ = parse_blocks(&mangled, dialect, "x", 1 << 20);
                }
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let good = docx("<w:p><w:r><w:t>Hello</w:t></w:r></w:p>");
        // Flip bytes one at a time across the archive: errors are fine,
        // panics are not.
        let mut state: u32 = 12345;
        for i in 0..good.len() {
            let mut bytes = good.clone();
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            bytes[i] ^= u8::try_from(state >> 24).unwrap_or(1) | 1;
            let _ = docx_blocks(&bytes);
            let _ = odt_blocks(&bytes);
        }
    }
}
