//! The layout of a JSON file, read from its first bytes: one record per line (JSONL) or one
//! document (an array, an object, or the X archive's `window.YTD… = [` assignment).

use std::fs::File;
use std::io::{BufRead, BufReader};

#[derive(Debug, PartialEq)]
pub(super) enum Layout {
    /// One record per line.
    Lines,
    /// A top-level array (streamed element by element) or object(s).
    Document,
}

/// Reads the start of the file and says how to read the rest, with the line the reader is at.
/// Passes over a byte-order mark, leading blank lines and a `window.YTD.tweets.part0 =`
/// assignment.
pub(super) fn detect(reader: &mut BufReader<File>) -> Result<(Layout, usize), String> {
    let mut line = 1;
    let head = fill(reader)?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16 text: save the file as UTF-8 and add it again".into());
    }
    skip_space(reader, &mut line)?;
    let head = fill(reader)?;
    let Some(&first) = head.first() else {
        return Err("empty file: no posts in it".into());
    };
    if let Some(what) = scalar_kind(head) {
        return Err(format!(
            "the file is a single JSON {what}, not posts: expected objects, one per line, or an array of them"
        ));
    }
    match first {
        b'[' => Ok((Layout::Document, line)),
        b'{' => Ok((object_layout(head), line)),
        b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => {
            // `window.YTD.tweets.part0 = [ ... ]` (the X archive): skip to the value.
            let prefix = &head[..head.len().min(512)];
            let eq = prefix.iter().position(|&b| b == b'=').filter(|&i| {
                prefix[..i]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"_$.[]'\" \t".contains(&b))
            });
            let Some(eq) = eq else {
                return Err(format!(
                    "not JSON: the file starts with {}",
                    show_byte(first)
                ));
            };
            reader.consume(eq + 1);
            skip_space(reader, &mut line)?;
            match fill(reader)?.first() {
                Some(b'[' | b'{') => Ok((Layout::Document, line)),
                _ => Err(format!(
                    "line {line}: expected `[` after the `=` of a JavaScript export"
                )),
            }
        }
        _ => Err(format!(
            "not JSON: the file starts with {} (is it a binary file?)",
            show_byte(first)
        )),
    }
}

fn fill(reader: &mut BufReader<File>) -> Result<&[u8], String> {
    reader.fill_buf().map_err(|e| format!("cannot read: {e}"))
}

/// Consumes whitespace, counting line breaks, until a non-space byte or the end of the file.
fn skip_space(reader: &mut BufReader<File>, line: &mut usize) -> Result<(), String> {
    loop {
        let buf = fill(reader)?;
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        *line += buf[..n].iter().filter(|&&b| b == b'\n').count();
        let more = n == buf.len();
        reader.consume(n);
        if !more {
            return Ok(());
        }
    }
}

/// What kind of JSON scalar `head` starts with, if it starts with one.
fn scalar_kind(head: &[u8]) -> Option<&'static str> {
    let literal = |word: &[u8]| {
        head.starts_with(word)
            && head
                .get(word.len())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'))
    };
    match head.first()? {
        b'"' => Some("string"),
        b'-' | b'0'..=b'9' => Some("number"),
        _ if literal(b"true") || literal(b"false") => Some("boolean"),
        _ if literal(b"null") => Some("null"),
        _ => None,
    }
}

/// A file starting with `{` is JSONL when its first record ends on the first line, or when
/// the first line is broken but the next one starts a record too; otherwise it is one
/// (pretty-printed) object.
fn object_layout(head: &[u8]) -> Layout {
    let mut depth = 0usize;
    let (mut in_str, mut esc) = (false, false);
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' {
            let next = head[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            return match next {
                Some(b'{') | None => Layout::Lines,
                Some(_) => Layout::Document,
            };
        }
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Layout::Lines;
                }
            }
            _ => {}
        }
    }
    // A first line longer than the look-ahead: a long JSONL line, or a minified document,
    // which reads the same way.
    Layout::Lines
}

pub(super) fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}
