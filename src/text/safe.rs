//! User text made safe to show: no control or bidi character reaches a terminal, no CSV cell
//! starts a formula, long names are cut in the middle, and evidence is marked with brackets.
//! Every front end and every written file goes through these.

use crate::text::model::{format_ms, Segment};

/// Replaces control characters (escape sequences included) so user text cannot drive a
/// terminal; newlines and tabs become spaces when `one_line`.
pub fn sanitize(s: &str, one_line: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' if one_line => ' ',
            '\n' | '\t' => c,
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                '\u{fffd}'
            }
            c => c,
        })
        .collect()
}

/// A CSV cell that no spreadsheet will run as a formula.
pub fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Where a segment is: its start time, a post's date and time (UTC), else its line.
pub fn place(s: &Segment) -> String {
    if let Some(at) = s.post.as_ref().and_then(|p| p.created_at.as_deref()) {
        return format!(
            "{} {}",
            &at[..10.min(at.len())],
            at.get(11..16).unwrap_or("")
        );
    }
    match s.start_ms {
        Some(ms) => format_ms(ms),
        None => format!("L{}", s.line),
    }
}

/// `s` itself when it has at most `n` characters, else its first `head` characters, `…`, and
/// as many of its last ones as make `n` in all. Tables and the report's charts shorten names
/// with this.
pub fn cut_middle(s: &str, n: usize, head: usize) -> String {
    let len = s.chars().count();
    if len <= n {
        return s.to_string();
    }
    let head = head.min(n.saturating_sub(1));
    let tail = n.saturating_sub(1) - head;
    let mut t: String = s.chars().take(head).collect();
    t.push('…');
    t.extend(s.chars().skip(len - tail));
    t
}

/// `text` with the byte ranges `marks` (in order, not overlapping) put between `open` and
/// `close`.
pub fn mark(text: &str, marks: &[(usize, usize)], open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len() + 4 * marks.len());
    let mut at = 0;
    for &(a, b) in marks {
        if a < at || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push(open);
        out.push_str(&text[a..b]);
        out.push(close);
        at = b;
    }
    out.push_str(&text[at..]);
    out
}
