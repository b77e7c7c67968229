//! Cutting a JSON document into records without parsing them: the elements of a top-level
//! array, or top-level values, tracked by brackets and strings alone.

use super::layout::show_byte;
use super::stream::{too_big, Span};
use super::{BATCH_BYTES, BATCH_RECORDS, MAX_RECORD};

/// Whether the splitter filled a batch or ran out of bytes.
pub(super) enum Scan {
    Full,
    NeedMore,
}

/// The bytes that matter to the splitter inside a string, and outside strings.
static IN_STRING: [bool; 256] = byte_set(b"\"\\\n");
static OUTSIDE: [bool; 256] = byte_set(b"\"{}[]\n");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// What may come next inside the top-level array.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// After `[`: a value or `]`.
    First,
    /// After `,`: a value.
    Value,
    /// After a value: `,` or `]`.
    Comma,
}

/// Cuts a JSON document into records without parsing them: the elements of a top-level
/// array, or top-level values. Only brackets and strings are tracked; serde checks the rest.
pub(super) struct Splitter {
    /// Current line (1-based) at `pos`.
    pub(super) line: usize,
    /// Next byte to look at.
    pos: usize,
    /// Line of the open top-level array, while inside one.
    array: Option<usize>,
    expect: Expect,
    /// Start offset and line of the record being scanned.
    pub(super) record: Option<(usize, usize)>,
    /// Closing brackets the record still owes.
    closers: Vec<u8>,
    in_str: bool,
    esc: bool,
    /// The record is a bare number or literal (ends at a delimiter).
    scalar: bool,
}

impl Splitter {
    pub(super) fn new(line: usize) -> Splitter {
        Splitter {
            line,
            pos: 0,
            array: None,
            expect: Expect::First,
            record: None,
            closers: Vec::new(),
            in_str: false,
            esc: false,
            scalar: false,
        }
    }

    /// Scans `buf` from where it left off, adding finished records to `out`. Stops when the
    /// batch is full or the bytes run out. `Err((line, message))` on a structural error.
    pub(super) fn scan(
        &mut self,
        buf: &[u8],
        out: &mut Vec<Span>,
    ) -> Result<Scan, (usize, String)> {
        while self.pos < buf.len() {
            if let Some((start, line)) = self.record {
                let Some(end) = self.record_end(buf)? else {
                    break;
                };
                if end - start > MAX_RECORD {
                    return Err((line, too_big()));
                }
                out.push(Span {
                    line,
                    start,
                    end,
                    oversize: false,
                });
                self.record = None;
                if self.array.is_some() {
                    self.expect = Expect::Comma;
                }
                let bytes = end - out[0].start;
                if out.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                    return Ok(Scan::Full);
                }
                continue;
            }
            let b = buf[self.pos];
            let in_array = self.array.is_some();
            match b {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.line += 1,
                b',' if in_array && self.expect == Expect::Comma => self.expect = Expect::Value,
                b']' if in_array && self.expect != Expect::Value => self.array = None,
                b'[' if !in_array => {
                    self.array = Some(self.line);
                    self.expect = Expect::First;
                }
                // A trailing `;` after a JavaScript assignment.
                b';' if !in_array => {}
                b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
                    if !(in_array && self.expect == Expect::Comma) =>
                {
                    self.record = Some((self.pos, self.line));
                    self.closers.clear();
                    self.in_str = b == b'"';
                    self.esc = false;
                    self.scalar = !matches!(b, b'{' | b'[' | b'"');
                    match b {
                        b'{' => self.closers.push(b'}'),
                        b'[' => self.closers.push(b']'),
                        _ => {}
                    }
                }
                _ => return Err((self.line, self.unexpected(b))),
            }
            self.pos += 1;
        }
        Ok(Scan::NeedMore)
    }

    fn unexpected(&self, b: u8) -> String {
        let found = show_byte(b);
        match (self.array, self.expect) {
            (Some(_), Expect::Comma) => {
                format!("not JSON: expected `,` or `]` after a record, found {found}")
            }
            (Some(_), Expect::Value) => {
                format!("not JSON: expected a record after `,`, found {found}")
            }
            _ => format!("not JSON: unexpected {found}"),
        }
    }

    /// Moves through the record being scanned; its end offset once it is complete.
    fn record_end(&mut self, buf: &[u8]) -> Result<Option<usize>, (usize, String)> {
        if self.scalar {
            let rest = &buf[self.pos..];
            let end = rest.iter().position(|b| b",]} \t\r\n".contains(b));
            self.pos += end.unwrap_or(rest.len());
            return Ok(end.map(|_| self.pos));
        }
        loop {
            if self.esc {
                // The byte after a backslash, whatever it is.
                let Some(&b) = buf.get(self.pos) else {
                    return Ok(None);
                };
                self.line += usize::from(b == b'\n');
                self.pos += 1;
                self.esc = false;
            }
            let wanted = if self.in_str { &IN_STRING } else { &OUTSIDE };
            let rest = &buf[self.pos..];
            let Some(skip) = rest.iter().position(|&b| wanted[usize::from(b)]) else {
                self.pos = buf.len();
                return Ok(None);
            };
            let b = rest[skip];
            self.pos += skip + 1;
            match (self.in_str, b) {
                (_, b'\n') => self.line += 1,
                (true, b'\\') => self.esc = true,
                (true, _) => {
                    self.in_str = false;
                    if self.closers.is_empty() {
                        return Ok(Some(self.pos));
                    }
                }
                (false, b'"') => self.in_str = true,
                (false, b'{') => self.closers.push(b'}'),
                (false, b'[') => self.closers.push(b']'),
                (false, _) => {
                    if self.closers.pop() != Some(b) {
                        let message =
                            format!("not JSON: `{}` does not close what is open here", b as char);
                        return Err((self.line, message));
                    }
                    if self.closers.is_empty() {
                        return Ok(Some(self.pos));
                    }
                }
            }
        }
    }

    /// At the end of the file: a record or array still open is an error.
    pub(super) fn at_end(
        &mut self,
        len: usize,
        out: &mut Vec<Span>,
    ) -> Result<(), (usize, String)> {
        if let Some((start, line)) = self.record.take() {
            if self.scalar {
                out.push(Span {
                    line,
                    start,
                    end: len,
                    oversize: false,
                });
            } else {
                return Err((
                    line,
                    "not JSON: the file ends inside the record that starts here (cut short?)"
                        .into(),
                ));
            }
        }
        match self.array {
            Some(open) => Err((
                self.line,
                format!("not JSON: the file ends before the array opened on line {open} is closed with `]` (cut short?)"),
            )),
            None => Ok(()),
        }
    }

    /// The first byte still needed.
    pub(super) fn keep_from(&self) -> usize {
        self.record.map_or(self.pos, |(start, _)| start)
    }

    /// The buffer lost its first `n` bytes.
    pub(super) fn shift(&mut self, n: usize) {
        self.pos -= n;
        if let Some((start, _)) = &mut self.record {
            *start -= n;
        }
    }
}
