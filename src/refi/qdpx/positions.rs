//! Selection positions as other tools counted them (code points, UTF-16 units, CRLF as one)
//! turned into code points: the counting that fits a project best is chosen once for it.

use super::{RefiSelection, RefiSource, Warnings};

/// A selection as read, its positions still in the project's counting.
pub(super) struct RawSelection {
    pub(super) selection: RefiSelection,
    pub(super) start: u64,
    pub(super) end: u64,
}

/// A source as read, before its positions are converted.
pub(super) struct PendingSource {
    pub(super) source: RefiSource,
    /// Whether its text was found.
    pub(super) found: bool,
    pub(super) selections: Vec<RawSelection>,
}

/// How a tool counted selection positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counting {
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
    pub(super) fn crlf_as_one(self) -> bool {
        matches!(self, Counting::CrlfAsOne | Counting::Utf16CrlfAsOne)
    }

    pub(super) fn utf16(self) -> bool {
        matches!(self, Counting::Utf16 | Counting::Utf16CrlfAsOne)
    }

    pub(super) fn describe(self) -> &'static str {
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
pub(super) fn fix_positions(
    pending: Vec<PendingSource>,
    warnings: &mut Warnings,
) -> Vec<RefiSource> {
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
