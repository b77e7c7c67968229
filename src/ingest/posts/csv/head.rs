//! The head of the file: what it is and how to read it (a BOM to skip, binary or UTF-16
//! data refused, where lines end, the delimiter), and decoding bytes as UTF-8 or
//! Windows-1252.

use super::HEAD_BYTES;
use std::borrow::Cow;

/// Delimiters tried on the header line, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The length of a UTF-8 BOM to skip, or why the file cannot be read as delimited text.
pub(super) fn check_head(head: &[u8]) -> Result<usize, String> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("this file is UTF-16; save it as UTF-8 (or CSV UTF-8) and add it again".into());
    }
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let body = &head[bom..];
    if (body.len() as u64) < HEAD_BYTES && body.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    if body.contains(&0) {
        return Err("this looks like a binary file (it holds NUL bytes), not CSV or text".into());
    }
    Ok(bom)
}

/// What the head says about the file's lines.
pub(super) struct Lines {
    /// A lone byte 0x85 ends lines (see [`bare_nel_ends_lines`]).
    pub(super) bare_nel: bool,
    /// The first non-blank line (the header, in a CSV file).
    pub(super) first: Vec<u8>,
}

/// Whether a lone byte 0x85 (NEL in Latin-1 and Windows-1252 files) ends lines. In most
/// Windows-1252 text it is an ellipsis `…`, so it is a line end only in a file that has no CR
/// or LF in its head at all. (NEL written as UTF-8, C2 85, always ends a line.)
pub(super) fn bare_nel_ends_lines(body: &[u8]) -> bool {
    !body.iter().any(|&b| b == b'\n' || b == b'\r')
        && body.windows(2).any(|w| w[1] == 0x85 && w[0] < 0x80)
}

/// The first line holding something other than white space (up to the head's end).
pub(super) fn first_line(body: &[u8], bare_nel: bool) -> &[u8] {
    let line = body
        .split(|&b| b == b'\n' || b == b'\r')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    let nel = (1..line.len()).find(|&i| line[i] == 0x85 && (line[i - 1] == 0xC2 || bare_nel));
    match nel {
        Some(i) if line[i - 1] == 0xC2 => &line[..i - 1],
        Some(i) => &line[..i],
        None => line,
    }
}

/// The delimiter among `,` `;` tab `|` that splits the header line into the most columns
/// (quoted text does not count); `,` when none does.
pub(super) fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = DELIMITERS.iter().position(|&d| d == b) {
                counts[k] += 1;
            }
        }
    }
    let mut best = 0;
    for k in 1..counts.len() {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    DELIMITERS[best]
}

/// UTF-8 as is, anything else as Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}
