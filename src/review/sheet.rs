//! Review sheets: a table of code suggestions written for a person to decide in a
//! spreadsheet, and read back with the decisions filled in.
//!
//! Two formats, chosen by the file's extension ([`SheetFormat::from_path`]):
//!
//! - **CSV**: written as UTF-8 with a byte order mark, so that Excel opens it as UTF-8, and
//!   with every cell passed through [`crate::text::safe::csv_cell`], so that no cell is run as a
//!   formula. Read back tolerantly: the BOM is stripped, `,`, `;` or tab is taken as the
//!   delimiter (whichever the header row uses most; Excel in many locales saves with `;`), an
//!   Excel `sep=X` first line is honoured, rows may be ragged, a file that is not UTF-8 is read
//!   as Windows-1252 (what Excel and LibreOffice save in Western locales), and the quote that
//!   `csv_cell` puts before a leading `=`, `+`, `-`, `@`, tab or CR is removed again.
//! - **XLSX**: one worksheet named `review`, the header bold and frozen, with a filter. Every
//!   cell is written as a string cell, never a formula, even when it starts with `=`, so no
//!   guard prefix is added there: the value stays exactly as it is. Read back from the first
//!   worksheet; numbers come back without a trailing `.0` (`12`, not `12.0`).
//!
//! Rows are numbered as the person sees them in the spreadsheet: the header is row 1 and
//! blank rows still count, so an error can say "row 14" and be found.
//!
//! Limits: a file above [`MAX_FILE_BYTES`] is refused before it is read. An `.xlsx` is a zip
//! archive and calamine has no guard against one that unpacks to far more than its size, so
//! before calamine opens it the archive is unpacked once into nothing, counting the bytes, and
//! refused past [`MAX_XLSX_UNPACKED_BYTES`]. That counts real bytes, not the sizes the archive
//! claims, so a forged header does not get past it.
//!
//! Cell values are neither trimmed nor cleaned of control characters here: ids and quotes
//! must come back exactly as written. Whoever prints a value to a terminal passes it through
//! [`crate::text::safe::sanitize`] first.

pub use crate::error::SheetError;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

/// The largest sheet file read or written: 200 MB.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// The most an `.xlsx` may unpack to, all its parts together: 1 GiB.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;

/// Name of the worksheet in the `.xlsx` files quarry writes.
const WORKSHEET: &str = "review";

/// Column widths in the `.xlsx`, in characters. Longer columns wrap their text.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

/// The characters that `csv_cell` guards with a leading quote.
const GUARDED: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The file formats of a review sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Comma-separated values (`.csv`).
    Csv,
    /// An Excel workbook (`.xlsx`).
    Xlsx,
}

impl SheetFormat {
    /// The format named by a file's extension (`.csv` or `.xlsx`, any case), if it is one.
    pub fn from_path(path: &Path) -> Option<SheetFormat> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("csv") {
            Some(SheetFormat::Csv)
        } else if ext.eq_ignore_ascii_case("xlsx") {
            Some(SheetFormat::Xlsx)
        } else {
            None
        }
    }
}

/// A sheet read back: its header and its non-blank rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The column names, as written in the first non-blank row.
    pub header: Vec<String>,
    /// The rows below the header, blank rows left out.
    pub rows: Vec<SheetRow>,
}

/// One row of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The row number the person sees in the spreadsheet: the header is row 1 (unless rows
    /// above it are blank), and blank rows count although they are left out.
    pub line: usize,
    /// The cells, at least as many as the header has columns (missing ones are empty).
    pub cells: Vec<String>,
}

impl Sheet {
    /// The index of a column, by name: case-insensitive, surrounding spaces ignored. The
    /// first match wins when two columns share a name.
    pub fn column(&self, name: &str) -> Option<usize> {
        let want = name.trim();
        self.header.iter().position(|h| {
            h.trim()
                .chars()
                .flat_map(char::to_lowercase)
                .eq(want.chars().flat_map(char::to_lowercase))
        })
    }

    /// A row's cell in the named column (see [`Sheet::column`]); `None` when the sheet has
    /// no such column, `Some("")` when the row stops short of it.
    pub fn get<'a>(&'a self, row: &'a SheetRow, column: &str) -> Option<&'a str> {
        let i = self.column(column)?;
        Some(row.cells.get(i).map_or("", String::as_str))
    }
}

fn not_sheet(path: &Path, message: impl Into<String>) -> SheetError {
    SheetError::NotSheet {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn write_error(path: &Path, message: impl ToString) -> SheetError {
    SheetError::Write {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn format_of(path: &Path) -> Result<SheetFormat, SheetError> {
    SheetFormat::from_path(path).ok_or_else(|| {
        not_sheet(
            path,
            "not a review sheet: the name must end in .csv or .xlsx",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Marks in one column of a sheet: for each row, byte ranges of that row's cell (in order,
/// not overlapping) to show as marked (the evidence of a suggestion).
#[derive(Debug, Clone, Copy)]
pub struct Marks<'a> {
    /// The column the ranges are in.
    pub column: usize,
    /// Per row (as many as the rows written, or fewer), the ranges of its cell.
    pub ranges: &'a [Vec<(usize, usize)>],
}

/// How a CSV sheet shows a mark: between these, which transcripts do not use (square brackets
/// are their redactions, "[X University]").
pub const MARK_OPEN: char = '«';
/// See [`MARK_OPEN`].
pub const MARK_CLOSE: char = '»';

/// Writes a sheet: `header`, then `rows`, in the format of `path`'s extension. The file is
/// written beside its final place and renamed into it, so a crash leaves the old file or the
/// new one, never half of one.
pub fn write(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), SheetError> {
    write_marked(path, header, rows, None)
}

/// [`write()`] with `marks` shown in one column: bold in an `.xlsx` (rich text), between
/// [`MARK_OPEN`] and [`MARK_CLOSE`] in a CSV. Reading a sheet back never depends on them.
pub fn write_marked(
    path: &Path,
    header: &[&str],
    rows: &[Vec<String>],
    marks: Option<Marks<'_>>,
) -> Result<(), SheetError> {
    let format = format_of(path)?;
    crate::output::write_whole(path, ".quarry-sheet-", |file| {
        match format {
            SheetFormat::Csv => {
                let marked: Vec<Vec<String>>;
                let rows = match marks {
                    Some(m) => {
                        marked = rows
                            .iter()
                            .enumerate()
                            .map(|(r, row)| {
                                let mut row = row.clone();
                                if let (Some(cell), Some(ranges)) =
                                    (row.get_mut(m.column), m.ranges.get(r))
                                {
                                    *cell = crate::text::safe::mark(
                                        cell, ranges, MARK_OPEN, MARK_CLOSE,
                                    );
                                }
                                row
                            })
                            .collect();
                        &marked
                    }
                    None => rows,
                };
                write_csv(file, header, rows)
            }
            SheetFormat::Xlsx => write_xlsx(file, header, rows, marks),
        }
        .map_err(io::Error::other)
    })
    .map_err(|e| write_error(path, e))
}

fn write_csv(file: &mut File, header: &[&str], rows: &[Vec<String>]) -> Result<(), String> {
    let mut out = BufWriter::new(file);
    out.write_all("\u{feff}".as_bytes())
        .map_err(|e| e.to_string())?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let guarded = |cells: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        cells.map(crate::text::safe::csv_cell).collect()
    };
    w.write_record(guarded(&mut header.iter().copied()))
        .map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(guarded(&mut row.iter().map(String::as_str)))
            .map_err(|e| e.to_string())?;
    }
    w.into_inner()
        .map_err(|e| e.error().to_string())?
        .flush()
        .map_err(|e| e.to_string())
}

fn write_xlsx(
    file: &mut File,
    header: &[&str],
    rows: &[Vec<String>],
    marks: Option<Marks<'_>>,
) -> Result<(), String> {
    use rust_xlsxwriter::{Format, FormatAlign, Workbook};

    let columns = rows
        .iter()
        .map(Vec::len)
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    let last_col = u16::try_from(columns.saturating_sub(1))
        .map_err(|_| format!("{columns} columns are more than an .xlsx sheet holds"))?;
    let last_row = u32::try_from(rows.len())
        .map_err(|_| format!("{} rows are more than an .xlsx sheet holds", rows.len()))?;

    // Width of each column: its longest line, within bounds; columns that hit the upper
    // bound or hold line breaks wrap their text.
    let mut longest = vec![0usize; columns];
    let mut breaks = vec![false; columns];
    let all_rows = std::iter::once(header.to_vec())
        .chain(rows.iter().map(|r| r.iter().map(String::as_str).collect()));
    for row in all_rows {
        for (c, cell) in row.iter().enumerate() {
            let line = cell.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            longest[c] = longest[c].max(line);
            breaks[c] |= cell.contains('\n');
        }
    }
    let wraps: Vec<bool> = (0..columns)
        .map(|c| breaks[c] || longest[c] > MAX_WIDTH)
        .collect();

    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let unwrapped = Format::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(WORKSHEET).map_err(|e| e.to_string())?;
    let at = |r: u32, c: usize, e: rust_xlsxwriter::XlsxError| {
        format!("row {}, column {}: {e}", r as u64 + 1, c + 1)
    };
    for (c, name) in header.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &bold)
            .map_err(|e| at(0, c, e))?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1; // fits: rows.len() fits in u32, checked above
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            // Always a string cell: text starting with `=` stays text, never a formula.
            let ranges = marks
                .filter(|m| m.column == c)
                .and_then(|m| m.ranges.get(r as usize - 1))
                .filter(|m| !m.is_empty());
            let plain = if wraps[c] { &wrap } else { &unwrapped };
            let written = if let Some(ranges) = ranges {
                let parts = rich_parts(cell, ranges, plain, &bold);
                sheet.write_rich_string_with_format(r, c as u16, &parts, plain)
            } else if wraps[c] {
                sheet.write_string_with_format(r, c as u16, cell, &wrap)
            } else {
                sheet.write_string(r, c as u16, cell)
            };
            written.map_err(|e| at(r, c, e))?;
        }
    }
    for (c, &chars) in longest.iter().enumerate() {
        let width = chars.clamp(MIN_WIDTH, MAX_WIDTH) + 2;
        sheet
            .set_column_width(c as u16, width as f64)
            .map_err(|e| e.to_string())?;
    }
    if columns > 0 {
        sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        sheet
            .autofilter(0, 0, last_row, last_col)
            .map_err(|e| e.to_string())?;
    }
    let mut out = BufWriter::new(file);
    book.save_to_writer(&mut out).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// A cell's text cut at `ranges` (byte ranges, in order) into the parts of an `.xlsx` rich
/// string: the ranges in `mark`, the rest in `plain`. Empty parts, which Excel refuses, and
/// ranges that do not fall on the text's characters are left out.
fn rich_parts<'a>(
    text: &'a str,
    ranges: &[(usize, usize)],
    plain: &'a rust_xlsxwriter::Format,
    mark: &'a rust_xlsxwriter::Format,
) -> Vec<(&'a rust_xlsxwriter::Format, &'a str)> {
    let mut parts = Vec::new();
    let mut at = 0;
    for &(a, b) in ranges {
        if a < at || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        parts.push((plain, &text[at..a]));
        parts.push((mark, &text[a..b]));
        at = b;
    }
    parts.push((plain, &text[at..]));
    parts.retain(|(_, t)| !t.is_empty());
    parts
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads a sheet written by [`write()`] and edited by a person, in the format of `path`'s
/// extension. Blank rows are left out; every row has at least as many cells as the header.
pub fn read(path: &Path) -> Result<Sheet, SheetError> {
    let format = format_of(path)?;
    let read_error = |source| SheetError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(read_error(io::Error::other("not a file")));
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge {
            path: path.to_path_buf(),
            message: format!(
                "the file is {} MB; quarry reads review sheets up to {} MB",
                size.div_ceil(1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    let rows = match format {
        SheetFormat::Csv => {
            let mut bytes = Vec::new();
            // The file may have grown since its size was taken: read no more than the limit.
            (&mut file)
                .take(MAX_FILE_BYTES)
                .read_to_end(&mut bytes)
                .map_err(read_error)?;
            read_csv(path, &bytes)?
        }
        SheetFormat::Xlsx => {
            check_unpacked_size(path, &mut file, MAX_XLSX_UNPACKED_BYTES)?;
            file.rewind().map_err(read_error)?;
            read_xlsx(path, file)?
        }
    };
    into_sheet(path, rows)
}

/// Makes a [`Sheet`] of numbered rows: the first non-blank row is the header, later blank
/// rows are dropped, short rows are padded and empty cells past the header are cut.
fn into_sheet(path: &Path, rows: Vec<(usize, Vec<String>)>) -> Result<Sheet, SheetError> {
    let is_blank = |cells: &[String]| cells.iter().all(|c| c.trim().is_empty());
    let mut rows = rows.into_iter().filter(|(_, cells)| !is_blank(cells));
    let (_, header) = rows.next().ok_or_else(|| SheetError::NoHeader {
        path: path.to_path_buf(),
    })?;
    let width = header.len();
    let rows = rows
        .map(|(line, mut cells)| {
            while cells.len() > width && cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            if cells.len() < width {
                cells.resize(width, String::new());
            }
            SheetRow { line, cells }
        })
        .collect();
    Ok(Sheet { header, rows })
}

// --- CSV

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(not_sheet(
            path,
            "this is a zip archive, not a CSV file (an .xlsx workbook renamed to .csv?)",
        ));
    }
    let text = decode(bytes);
    if text.contains('\0') {
        return Err(not_sheet(
            path,
            "this holds binary data, not a CSV file; save the sheet as CSV or .xlsx",
        ));
    }
    let (delimiter, body, first_line) = delimiter_of(&text);
    let rows = parse_csv(path, body, delimiter, first_line)?;
    Ok(rows
        .into_iter()
        .map(|(line, cells)| (line, cells.into_iter().map(unguard).collect()))
        .collect())
}

/// The text of a CSV file: UTF-8 or UTF-16 when a BOM says so (the BOM dropped), else UTF-8
/// when the bytes are valid UTF-8, else Windows-1252.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// The delimiter of a CSV text, the text after any `sep=` line, and that text's first line
/// number. An Excel `sep=X` first line names the delimiter; otherwise it is whichever of
/// `,`, `;` and tab the first non-empty line holds most of outside quotes (`,` on a tie).
fn delimiter_of(text: &str) -> (u8, &str, usize) {
    if let Some(rest) = text.strip_prefix("sep=") {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        if let [d] = &rest.as_bytes()[..end] {
            let body = &rest[end..];
            let body = body
                .strip_prefix("\r\n")
                .or_else(|| body.strip_prefix(['\r', '\n']))
                .unwrap_or(body);
            return (*d, body, 2);
        }
    }
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in text.trim_start_matches(['\r', '\n']).as_bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some((_, n)) = counts.iter_mut().find(|(d, _)| *d == b) {
                    *n += 1;
                }
            }
            _ => {}
        }
    }
    // `max_by_key` keeps the last maximum: reverse so that `,` wins a tie.
    let delimiter = counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(d, _)| *d);
    (delimiter, text, 1)
}

/// How many line breaks (`\r\n`, `\n` or a lone `\r`) a text holds.
fn line_breaks(text: &[u8]) -> usize {
    text.iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Splits CSV text into rows of cells, each with its spreadsheet row number: every record
/// counts, an empty line too (as a row with one empty cell). Quoted cells may hold
/// delimiters, doubled quotes and line breaks. Like Excel, the parser is lenient: a quote in
/// the middle of an unquoted cell, or text after a closing quote, is kept as it is. The only
/// error is a quoted cell that never closes: the file was cut short or a quote is stray.
/// `first_line` is the text line `text` starts on, for that error.
fn parse_csv(
    path: &Path,
    text: &str,
    delimiter: u8,
    first_line: usize,
) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    let b = text.as_bytes();
    let mut rows = Vec::new();
    let mut i = 0;
    let mut line = first_line;
    // Every byte compared is ASCII, and ASCII bytes never occur inside a multi-byte UTF-8
    // character, so every index used to slice `text` is on a character boundary.
    while i < b.len() {
        let row = rows.len() + 1;
        let mut cells = Vec::new();
        loop {
            let mut cell = String::new();
            if b.get(i) == Some(&b'"') {
                let opened = line;
                i += 1;
                loop {
                    let Some(q) = b[i..].iter().position(|&c| c == b'"') else {
                        return Err(SheetError::BadCsv {
                            path: path.to_path_buf(),
                            line: opened,
                            message: format!(
                                "the quoted cell that starts here (row {row}) never closes"
                            ),
                        });
                    };
                    let end = i + q;
                    line += line_breaks(&b[i..end]);
                    cell.push_str(&text[i..end]);
                    i = end + 1;
                    if b.get(i) == Some(&b'"') {
                        cell.push('"');
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            // An unquoted cell, or whatever follows a closing quote.
            let start = i;
            while i < b.len() && b[i] != delimiter && b[i] != b'\n' && b[i] != b'\r' {
                i += 1;
            }
            cell.push_str(&text[start..i]);
            cells.push(cell);
            if b.get(i) == Some(&delimiter) {
                i += 1;
                continue;
            }
            // The end of the record: a line break or the end of the text.
            if i < b.len() {
                i += if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                line += 1;
            }
            break;
        }
        rows.push((row, cells));
    }
    Ok(rows)
}

/// Undoes [`crate::text::safe::csv_cell`]: drops the quote it puts before a leading `=`, `+`,
/// `-`, `@`, tab or CR. A value that itself began with such a quote loses it (`'=x` comes
/// back as `=x`); `csv_cell` leaves no way to tell the two apart.
fn unguard(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(GUARDED) => rest.to_string(),
        _ => cell,
    }
}

// --- XLSX

/// Unpacks every part of the archive into nothing, counting bytes, and refuses it past
/// `limit`: calamine would unpack it all into memory with no limit of its own.
fn check_unpacked_size(path: &Path, file: &mut File, limit: u64) -> Result<(), SheetError> {
    let not_xlsx = |e: &dyn std::fmt::Display| {
        not_sheet(
            path,
            format!(
                "not an .xlsx workbook ({e}); a password-protected workbook or an old .xls \
                 renamed to .xlsx cannot be read: save it as .xlsx without a password"
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| not_xlsx(&e))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| not_xlsx(&e))?;
        let budget = limit - total; // total <= limit here
        let n = io::copy(&mut entry.take(budget.saturating_add(1)), &mut io::sink())
            .map_err(|e| not_xlsx(&e))?;
        total += n;
        if total > limit {
            return Err(SheetError::TooLarge {
                path: path.to_path_buf(),
                message: format!(
                    "the workbook unpacks to more than {} MB; quarry reads review sheets up \
                     to that",
                    limit.div_ceil(1024 * 1024)
                ),
            });
        }
    }
    Ok(())
}

fn read_xlsx(path: &Path, file: File) -> Result<Vec<(usize, Vec<String>)>, SheetError> {
    use calamine::{Reader, Xlsx};

    let not_xlsx =
        |e: &dyn std::fmt::Display| not_sheet(path, format!("not a readable .xlsx workbook: {e}"));
    let mut book = Xlsx::new(BufReader::new(file)).map_err(|e| not_xlsx(&e))?;
    let range = match book.worksheet_range_at(0) {
        None => return Err(not_sheet(path, "the workbook has no worksheet")),
        Some(r) => r.map_err(|e| not_xlsx(&e))?,
    };
    // The range starts at its first used cell; row numbers count from the top of the sheet.
    let Some((top, _)) = range.start() else {
        return Ok(Vec::new());
    };
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let line = top as usize + i + 1;
            (line, cells.iter().map(cell_text).collect())
        })
        .collect())
}

/// A cell as text: strings as they are, numbers as Excel shows them by default (`12`, not
/// `12.0`), dates as ISO 8601, errors as Excel writes them (`#N/A`).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => date_text(d),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as text. Rust prints floats in the shortest form that reads back the same, with
/// no `.0` on whole numbers: 12.0 is `12`, 0.5 is `0.5`.
fn number_text(f: f64) -> String {
    if f == 0.0 {
        "0".to_string() // not `-0`
    } else {
        f.to_string()
    }
}

/// A date cell as `YYYY-MM-DD`, `HH:MM:SS` or `YYYY-MM-DD HH:MM:SS`; durations and dates
/// outside the years 1900 to 9999 as their number.
fn date_text(d: &calamine::ExcelDateTime) -> String {
    let v = d.as_f64();
    // Excel's last date, 9999-12-31, is day 2,958,465.
    if !d.is_datetime() || !(0.0..2_958_466.0).contains(&v) {
        return number_text(v);
    }
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    let date = format!("{y:04}-{mo:02}-{day:02}");
    let time = format!("{h:02}:{mi:02}:{s:02}");
    match (v >= 1.0, v.fract() != 0.0) {
        (true, false) => date,
        (false, _) => time,
        (true, true) => format!("{date} {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [&str; 8] = [
        "id",
        "document",
        "speaker",
        "quote",
        "code",
        "definition",
        "decision",
        "memo",
    ];

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    /// Rows with everything a sheet must carry through unchanged.
    fn tricky_rows() -> Vec<Vec<String>> {
        vec![
            row(&[
                "12",
                "int-01.docx",
                "P1",
                "I said \"no\", then left",
                "trust",
                "Belief, or not",
                "",
                "",
            ]),
            row(&[
                "13",
                "café.txt",
                "Émile",
                "line one\nline two\r\nline three",
                "émotion 😀",
                "a; b",
                "accept",
                "memo",
            ]),
            row(&[
                "14",
                "d",
                "s",
                "=HYPERLINK(\"http://x\")",
                "+1",
                "-minus",
                "@SUM(A1)",
                "\tstarts with tab",
            ]),
            row(&[
                "15",
                "d",
                "s",
                "'quoted already",
                "_x0041_ literal",
                "ctl\u{1}char",
                "",
                "  spaced  ",
            ]),
        ]
    }

    fn expected(rows: &[Vec<String>]) -> Vec<SheetRow> {
        rows.iter()
            .enumerate()
            .map(|(i, cells)| SheetRow {
                line: i + 2,
                cells: cells.clone(),
            })
            .collect()
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(
            SheetFormat::from_path(Path::new("a/b.CSV")),
            Some(SheetFormat::Csv)
        );
        assert_eq!(
            SheetFormat::from_path(Path::new("b.Xlsx")),
            Some(SheetFormat::Xlsx)
        );
        assert_eq!(SheetFormat::from_path(Path::new("b.xls")), None);
        assert_eq!(SheetFormat::from_path(Path::new("csv")), None);
    }

    #[test]
    fn csv_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.csv");
        let rows = tricky_rows();
        write(&path, &HEADER, &rows).unwrap();

        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM missing");
        let text = String::from_utf8(bytes).unwrap();
        // Written guarded, so no spreadsheet runs them.
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
        assert!(
            text.contains(",'+1,'-minus,'@SUM(A1),'\tstarts with tab"),
            "{text}"
        );

        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, HEADER);
        assert_eq!(sheet.rows, expected(&rows));
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn xlsx_round_trip_and_no_formulas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.xlsx");
        let mut rows = tricky_rows();
        rows.push(row(&[
            "16",
            "d",
            "s",
            &"long ".repeat(40),
            "",
            "",
            "",
            "\rcr",
        ]));
        write(&path, &HEADER, &rows).unwrap();

        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, HEADER);
        assert_eq!(sheet.rows, expected(&rows));

        // The `=` cell is stored as a string: the sheet XML has no formula element.
        let mut zip = zip::ZipArchive::new(File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "{xml}");
        assert!(xml.contains("t=\"s\""), "string cells expected: {xml}");
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        use calamine::Reader as _;
        let range = book.worksheet_range("review").unwrap();
        assert_eq!(
            range.get_value((3, 3)),
            Some(&calamine::Data::String("=HYPERLINK(\"http://x\")".into()))
        );
    }

    #[test]
    fn xlsx_numbers_dates_and_row_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edited.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        // Row 1 blank, header on row 2, a blank row 4, data on rows 3 and 5.
        ws.write_string(1, 0, "id").unwrap();
        ws.write_string(1, 1, "when").unwrap();
        ws.write_string(1, 2, "score").unwrap();
        ws.write_number(2, 0, 12.0).unwrap();
        ws.write_number(2, 2, 0.5).unwrap();
        ws.write_number(4, 0, -3.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 5).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(4, 1, &date, &fmt).unwrap();
        ws.write_boolean(4, 2, true).unwrap();
        book.save(&path).unwrap();

        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, ["id", "when", "score"]);
        assert_eq!(
            sheet.rows,
            [
                SheetRow {
                    line: 3,
                    cells: row(&["12", "", "0.5"])
                },
                SheetRow {
                    line: 5,
                    cells: row(&["-3", "2024-03-05", "TRUE"])
                },
            ]
        );
    }

    #[test]
    fn semicolon_delimited_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("excel-fr.csv");
        std::fs::write(
            &path,
            "\u{feff}id;quote;decision\r\n1;\"a; b, c\";accept\r\n2;x,y;'=no\r\n",
        )
        .unwrap();
        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, ["id", "quote", "decision"]);
        assert_eq!(sheet.rows[0].cells, ["1", "a; b, c", "accept"]);
        assert_eq!(sheet.rows[1].cells, ["2", "x,y", "=no"]);
    }

    #[test]
    fn sep_line_names_the_delimiter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sep.csv");
        std::fs::write(&path, "sep=;\r\nid;a,b\r\n1;2,3\r\n").unwrap();
        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, ["id", "a,b"]);
        assert_eq!(
            sheet.rows,
            [SheetRow {
                line: 2,
                cells: row(&["1", "2,3"])
            }]
        );
    }

    #[test]
    fn windows_1252_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin.csv");
        std::fs::write(&path, b"id;memo\r\n1;caf\xe9 \x80 \x96 na\xefve\r\n").unwrap();
        let sheet = read(&path).unwrap();
        assert_eq!(sheet.rows[0].cells, ["1", "café € – naïve"]);
    }

    #[test]
    fn utf16_csv_with_bom() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("unicode.csv");
        let mut bytes = vec![0xff, 0xfe];
        for u in "id\tmemo\r\n1\tété\r\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        std::fs::write(&path, bytes).unwrap();
        let sheet = read(&path).unwrap();
        assert_eq!(sheet.header, ["id", "memo"]);
        assert_eq!(sheet.rows[0].cells, ["1", "été"]);
    }

    #[test]
    fn ragged_and_blank_rows_and_numbering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ragged.csv");
        let text = "id,Decision,memo\n\
                    1,accept\n\
                    \n\
                    ,,\n\
                    2,reject,\"two\nlines\",extra\n\
                    3\n\
                    4,,,,\n\
                    \"5\",\"x\"";
        std::fs::write(&path, text).unwrap();
        let sheet = read(&path).unwrap();
        let got: Vec<(usize, Vec<String>)> = sheet
            .rows
            .iter()
            .map(|r| (r.line, r.cells.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (2, row(&["1", "accept", ""])),
                (5, row(&["2", "reject", "two\nlines", "extra"])),
                (6, row(&["3", "", ""])),
                (7, row(&["4", "", ""])),
                (8, row(&["5", "x", ""])),
            ]
        );
        let r = &sheet.rows[1];
        assert_eq!(sheet.get(r, " DECISION "), Some("reject"));
        assert_eq!(sheet.get(&sheet.rows[2], "memo"), Some(""));
        assert_eq!(sheet.get(r, "code"), None);
        let short = SheetRow {
            line: 9,
            cells: vec![],
        };
        assert_eq!(sheet.get(&short, "memo"), Some(""));
    }

    #[test]
    fn unclosed_quote_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.csv");
        std::fs::write(&path, "id,memo\n1,ok\n2,\"cut\nshort").unwrap();
        let err = read(&path).unwrap_err();
        assert!(matches!(err, SheetError::BadCsv { line: 3, .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{}:3:", path.display())), "{msg}");
        assert!(msg.contains("row 3"), "{msg}");
    }

    #[test]
    fn missing_wrong_and_empty_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nowhere.csv");
        let err = read(&missing).unwrap_err();
        assert!(matches!(err, SheetError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("nowhere.csv"), "{err}");

        let txt = dir.path().join("notes.txt");
        std::fs::write(&txt, "id,memo\n").unwrap();
        let err = read(&txt).unwrap_err();
        assert!(matches!(err, SheetError::NotSheet { .. }), "{err:?}");
        assert!(err.to_string().contains("notes.txt"), "{err}");
        let err = write(&txt, &["id"], &[]).unwrap_err();
        assert!(err.to_string().contains("notes.txt"), "{err}");

        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, "\u{feff}\r\n,,\r\n").unwrap();
        let err = read(&empty).unwrap_err();
        assert!(matches!(err, SheetError::NoHeader { .. }), "{err:?}");
        assert!(err.to_string().contains("empty.csv"), "{err}");

        // An .xlsx that is not one, and a zip named .csv.
        let fake = dir.path().join("fake.xlsx");
        std::fs::write(&fake, "id,memo\n").unwrap();
        let err = read(&fake).unwrap_err();
        assert!(matches!(err, SheetError::NotSheet { .. }), "{err:?}");
        assert!(err.to_string().contains("fake.xlsx"), "{err}");
        let real = dir.path().join("real.xlsx");
        write(&real, &["id"], &[row(&["1"])]).unwrap();
        let renamed = dir.path().join("renamed.csv");
        std::fs::copy(&real, &renamed).unwrap();
        let err = read(&renamed).unwrap_err();
        assert!(matches!(err, SheetError::NotSheet { .. }), "{err:?}");

        // Writing into a folder that does not exist.
        let folder = dir.path().join("folder.csv");
        std::fs::create_dir(&folder).unwrap();
        let err = read(&folder).unwrap_err();
        assert!(matches!(err, SheetError::Read { .. }), "{err:?}");
        let err = write(&dir.path().join("no/such.csv"), &["id"], &[]).unwrap_err();
        assert!(matches!(err, SheetError::Write { .. }), "{err:?}");
    }

    #[test]
    fn size_limits() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.csv");
        // Sparse: takes no room on disk.
        File::create(&big)
            .unwrap()
            .set_len(MAX_FILE_BYTES + 1)
            .unwrap();
        let err = read(&big).unwrap_err();
        assert!(matches!(err, SheetError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("big.csv"), "{err}");

        let path = dir.path().join("small.xlsx");
        write(&path, &HEADER, &tricky_rows()).unwrap();
        let mut file = File::open(&path).unwrap();
        check_unpacked_size(&path, &mut file, MAX_XLSX_UNPACKED_BYTES).unwrap();
        let err = check_unpacked_size(&path, &mut file, 1000).unwrap_err();
        assert!(matches!(err, SheetError::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn overwrites_an_existing_sheet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        write(&path, &["id"], &[row(&["1"]), row(&["2"])]).unwrap();
        write(&path, &["id"], &[row(&["3"])]).unwrap();
        let sheet = read(&path).unwrap();
        assert_eq!(
            sheet.rows,
            [SheetRow {
                line: 2,
                cells: row(&["3"])
            }]
        );
    }
}
