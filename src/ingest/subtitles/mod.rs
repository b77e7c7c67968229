//! Parse WebVTT (`.vtt`) and SubRip (`.srt`) transcript files into [`Cue`]s.
//!
//! A cue keeps its 1-based line number, its start and end times, the speaker (from a
//! WebVTT `<v Name>` voice tag, a leading `Name: ` label or a SubRip `[Name] ` label)
//! and its plain text with markup removed and entities decoded. The cues feed the
//! ingest stage, which turns them into quotable, citable passages.
//! The input must already be decoded text with LF line endings and no BOM.
//! This module must never panic or recurse on input, and never skip text it cannot
//! place silently: such text is an error naming its line.

/// The timing format named in WebVTT error messages.
const VTT_TIMING: &str = "HH:MM:SS.mmm --> HH:MM:SS.mmm";
/// The timing format named in SubRip error messages.
const SRT_TIMING: &str = "HH:MM:SS,mmm --> HH:MM:SS,mmm";
/// At most this many characters of an offending line are quoted in an error.
const MAX_QUOTED_CHARS: usize = 80;
/// A `Name: ` label may have at most this many characters before the colon.
const MAX_LABEL_CHARS: usize = 40;
/// A `Name: ` label may have at most this many words before the colon.
const MAX_LABEL_WORDS: usize = 6;

/// Abbreviations that may end in `.` inside a speaker label (`Dr. Melissa Ko`).
const NAME_ABBREVIATIONS: &str = "\
    dr mr mrs ms mx prof jr sr st rev fr hon sgt capt lt col gen gov sen rep pres mme \
    mlle";

/// Lower-case words that mark a label as part of a sentence rather than a name
/// (`and the answer is simple: yes`). Only words written in lower case are checked,
/// so capitalised names such as `An Nguyen` or `Will Smith` stay speakers.
const FUNCTION_WORDS: &str = "\
    a about an and are as at be because been but by can could did do does for from had \
    has have he her here his how i if in is it its just me my not of on or our she \
    should so that the their them then there these they this those to was we were what \
    when where which who why will with would you your";

/// Words that end a label which is a heading rather than a speaker (`Note: ...`,
/// `Please note: ...`), compared case-insensitively with the label's last word.
const NOT_NAME_LAST_WORDS: &str = "\
    caption captions caveat caution disclaimer edit example fyi hint important link nb \
    note notes ps re reminder source spoiler subject summary tip todo transcript \
    translation update url warning";

/// Words that never open a speaker label (`The answer: yes`), compared
/// case-insensitively with the label's first word. `I` (interviewer) is not one.
const NOT_NAME_FIRST_WORDS: &str = "\
    and because but how if it its my or our so that the their these they this those we \
    what when where which why your";

/// Single words that open a sentence rather than name a speaker (`Okay: here it is`),
/// compared case-insensitively with a one-word label.
const NOT_NAME_SINGLE_WORDS: &str = "\
    also anyway basically hmm like listen look no now oh ok okay remember right see then \
    there um uh well wow yeah yes";

/// URL schemes and prefixes: a label ending in one of these is not a speaker.
const URL_WORDS: &str = "file ftp ftps http https mailto www";

/// Sound descriptions in SubRip brackets (`[Laughs] yeah`): a bracket label containing
/// one of these words (case-insensitive) is not a speaker.
const SOUND_WORDS: &str = "\
    applause background beeps breathing cheering cheers chuckles chuckling clapping \
    coughing coughs crosstalk crying door footsteps gasps groans inaudible indistinct \
    knocking laughing laughs laughter music noise pause phone playing ringing rings \
    screaming screams sighing sighs silence singing sniffs song sound sounds static \
    unintelligible whispering whispers";

/// One subtitle cue: a timed block of transcript text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cue {
    /// 1-based line number of the cue's first text line in the input.
    pub line: usize,
    /// Start time in milliseconds.
    pub start_ms: Option<u64>,
    /// End time in milliseconds.
    pub end_ms: Option<u64>,
    /// The speaker, from a `<v Name>` voice tag or a leading `Name: ` label; None for plain captions.
    pub speaker: Option<String>,
    /// The cue's text with tags removed and entities decoded; the cue's lines joined by '\n'.
    pub text: String,
}

/// Why a subtitle file could not be parsed; every variant names the 1-based input line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SubtitleError {
    /// The first line of a WebVTT file is not the `WEBVTT` signature.
    #[error("line {line}: a WebVTT file must start with WEBVTT")]
    MissingHeader {
        /// The first non-blank line (1 for an empty file).
        line: usize,
    },
    /// A timing line whose arrow or timestamps cannot be read.
    #[error("line {line}: bad timing line `{text}`: {problem}")]
    BadTiming {
        /// The timing line.
        line: usize,
        /// The timing line as written (shortened if very long).
        text: String,
        /// What is wrong, ending with the expected format.
        problem: String,
    },
    /// A non-blank line outside any cue that is neither a timing line nor followed by one.
    #[error(
        "line {line}: `{text}` is not part of a cue: expected a timing line `{expected}` \
         on this line or the next"
    )]
    StrayText {
        /// The offending line.
        line: usize,
        /// The line as written (shortened if very long).
        text: String,
        /// The expected timing format.
        expected: &'static str,
    },
    /// A SubRip cue number that is not followed by a timing line.
    #[error("line {line}: cue number `{number}` is not followed by a timing line `{expected}`")]
    MissingTiming {
        /// The line of the cue number.
        line: usize,
        /// The cue number as written.
        number: String,
        /// The expected timing format.
        expected: &'static str,
    },
}

impl SubtitleError {
    /// The 1-based input line the error is about.
    pub(crate) const fn line(&self) -> usize {
        match self {
            Self::MissingHeader { line }
            | Self::BadTiming { line, .. }
            | Self::StrayText { line, .. }
            | Self::MissingTiming { line, .. } => *line,
        }
    }
}

/// Parse a WebVTT file into cues, in input order.
///
/// The first non-blank line must start with `WEBVTT`; it, the header lines up to the
/// first blank line, and `NOTE` (also `NOTE:`), `STYLE` and `REGION` blocks are skipped.
/// A cue is an optional identifier line, a timing line (`HH:MM:SS.mmm` or `MM:SS.mmm`,
/// hours may have more than two digits, `,` is accepted for `.`, settings after the end
/// time are ignored) and text lines up to a blank line or the next valid timing line.
/// Voice tags set the speaker (the first named one wins); all other tags are removed,
/// as is `<rt>` ruby text. Without a voice tag, a `Name: ` label on the first text line
/// sets the speaker (see [`split_name_label`]). Cues left without text are dropped;
/// any other non-blank line that is not part of a cue is an error.
pub(crate) fn parse_vtt(input: &str) -> Result<Vec<Cue>, SubtitleError> {
    let lines = split_lines(input);
    // Blank lines before the signature are tolerated (ingest sniffs `trim_start()`).
    let header = lines.iter().position(|l| !l.is_empty()).unwrap_or(0);
    if !lines
        .get(header)
        .is_some_and(|l| l.trim_start().starts_with("WEBVTT"))
    {
        return Err(SubtitleError::MissingHeader { line: header + 1 });
    }
    // Header lines end at the first blank line (or at a cue that follows without one).
    let mut i = header + 1;
    while i < lines.len() && !lines[i].is_empty() && !lines[i].contains("-->") {
        i += 1;
    }
    let mut cues = Vec::new();
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let next = lines.get(i + 1).copied().filter(|l| !l.is_empty());
        let timing_at = if is_vtt_comment_start(line) {
            match next {
                Some(n) if parse_timing(n).is_ok() => i + 1,
                _ => {
                    i = skip_comment_block(&lines, i + 1);
                    continue;
                }
            }
        } else if line.contains("-->") {
            i
        } else if next.is_some_and(|n| n.contains("-->")) {
            i + 1
        } else if looks_like_timing(line) {
            i
        } else if next.is_some_and(looks_like_timing) {
            i + 1
        } else {
            return Err(SubtitleError::StrayText {
                line: i + 1,
                text: quote(line),
                expected: VTT_TIMING,
            });
        };
        let (start, end) = timing_or_error(&lines, timing_at, VTT_TIMING)?;
        let (text_lines, after) = collect_text(&lines, timing_at + 1, |l| {
            l.contains("-->") && parse_timing(l).is_ok()
        });
        if let Some(cue) = build_cue(start, end, &text_lines, Markup::Vtt) {
            cues.push(cue);
        }
        i = after;
    }
    Ok(cues)
}

/// Parse a SubRip file into cues, in input order.
///
/// Blocks are separated by one or more blank lines. A block is an optional cue number,
/// a timing line (`HH:MM:SS,mmm --> HH:MM:SS,mmm`, `.` accepted for `,`, anything after
/// the end time such as `X1:..` ignored) and text lines. `<i> <b> <u> <s> <font ...>`
/// tags and `{\an8}`-style overrides are removed (other `<...>` text is kept), entities
/// are decoded as in WebVTT. A leading `Name: ` or `[Name] ` label sets the speaker.
/// A block without a timing line that does not start with a cue number continues the
/// previous cue's text (a blank line inside a subtitle); before the first cue it is an
/// error. Cues left without text are dropped.
pub(crate) fn parse_srt(input: &str) -> Result<Vec<Cue>, SubtitleError> {
    let lines = split_lines(input);
    let mut raw: Vec<RawCue<'_>> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let timing_at = if looks_like_timing(line) {
            Some(i)
        } else if starts_srt_cue(&lines, i) {
            Some(i + 1)
        } else {
            None
        };
        match timing_at {
            Some(t) => {
                let (start, end) = timing_or_error(&lines, t, SRT_TIMING)?;
                let (mut text, mut after) = collect_text(&lines, t + 1, |l| l.contains("-->"));
                // A cue that follows without a blank line: its number is not text.
                if after < lines.len()
                    && !lines[after].is_empty()
                    && text.last().is_some_and(|(_, l)| is_cue_number(l))
                {
                    text.pop();
                    after -= 1;
                }
                raw.push(RawCue { start, end, text });
                i = after;
            }
            None if is_cue_number(line) => {
                return Err(SubtitleError::MissingTiming {
                    line: i + 1,
                    number: quote(line.trim()),
                    expected: SRT_TIMING,
                });
            }
            None => {
                let Some(prev) = raw.last_mut() else {
                    return Err(SubtitleError::StrayText {
                        line: i + 1,
                        text: quote(line),
                        expected: SRT_TIMING,
                    });
                };
                // Text after a blank line inside a subtitle, up to the next blank line,
                // timing-like line or numbered cue (both left for the next round).
                let mut more = Vec::new();
                while i < lines.len()
                    && !lines[i].is_empty()
                    && !looks_like_timing(lines[i])
                    && !starts_srt_cue(&lines, i)
                {
                    more.push((i + 1, lines[i]));
                    i += 1;
                }
                prev.text.extend(more);
            }
        }
    }
    Ok(raw
        .iter()
        .filter_map(|r| build_cue(r.start, r.end, &r.text, Markup::Srt))
        .collect())
}

/// Whether line `i` is a SubRip cue number followed by a timing-like line.
fn starts_srt_cue(lines: &[&str], i: usize) -> bool {
    lines.get(i).is_some_and(|l| is_cue_number(l))
        && lines.get(i + 1).is_some_and(|l| looks_like_timing(l))
}

/// A SubRip cue before its text is cleaned: times and raw `(line number, text)` lines.
struct RawCue<'a> {
    /// Start time in milliseconds.
    start: u64,
    /// End time in milliseconds.
    end: u64,
    /// The raw text lines with their 1-based line numbers.
    text: Vec<(usize, &'a str)>,
}

/// Which markup rules apply to cue text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Markup {
    /// WebVTT: every tag is markup; voice tags name the speaker.
    Vtt,
    /// SubRip: only basic formatting tags and `{\...}` overrides are markup.
    Srt,
}

/// Split the input into lines, trailing whitespace removed (so blank lines are empty).
fn split_lines(input: &str) -> Vec<&str> {
    input.split('\n').map(str::trim_end).collect()
}

/// Whether a line opens a WebVTT `NOTE`, `STYLE` or `REGION` block.
fn is_vtt_comment_start(line: &str) -> bool {
    ["NOTE", "STYLE", "REGION"].iter().any(|kw| {
        line.strip_prefix(kw).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with([' ', '\t'])
                || (*kw == "NOTE" && rest.starts_with(':'))
        })
    })
}

/// Skip the rest of a comment block from `i`; it ends at a blank line or at a valid
/// timing line (a cue that follows without a blank line). Returns the next index.
fn skip_comment_block(lines: &[&str], mut i: usize) -> usize {
    while i < lines.len() && !lines[i].is_empty() {
        if lines[i].contains("-->") && parse_timing(lines[i]).is_ok() {
            break;
        }
        i += 1;
    }
    i
}

/// Collect cue text lines from `i` up to a blank line or a line for which `stops` is
/// true (the timing line of a cue that follows without a blank line). Returns the
/// lines with their 1-based numbers and the index where collection stopped.
fn collect_text<'a>(
    lines: &[&'a str],
    mut i: usize,
    stops: impl Fn(&str) -> bool,
) -> (Vec<(usize, &'a str)>, usize) {
    let mut text = Vec::new();
    while i < lines.len() && !lines[i].is_empty() {
        if stops(lines[i]) {
            break;
        }
        text.push((i + 1, lines[i]));
        i += 1;
    }
    (text, i)
}

/// Whether a line is a SubRip cue number (digits only, surrounding spaces allowed).
fn is_cue_number(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a line is meant as a timing line: it contains `-->`, or it starts with a
/// digit and contains another arrow (`->`, `=>`, `–>`, `—>`, `→`).
fn looks_like_timing(line: &str) -> bool {
    if line.contains("-->") {
        return true;
    }
    let t = line.trim_start();
    t.starts_with(|c: char| c.is_ascii_digit())
        && ["->", "=>", "–>", "—>", "→"].iter().any(|a| t.contains(a))
}

/// Parse the timing line at index `at`, or build the error naming it.
fn timing_or_error(
    lines: &[&str],
    at: usize,
    expected: &'static str,
) -> Result<(u64, u64), SubtitleError> {
    let text = lines.get(at).copied().unwrap_or_default();
    parse_timing(text).map_err(|detail| SubtitleError::BadTiming {
        line: at + 1,
        text: quote(text.trim()),
        problem: match detail {
            Some(d) => format!("{d}; expected `{expected}`"),
            None => format!("expected `{expected}`"),
        },
    })
}

/// Parse `start --> end [settings]` into milliseconds. The error is a detail to show
/// before the expected format, or None when the line has no `-->` at all.
fn parse_timing(line: &str) -> Result<(u64, u64), Option<String>> {
    let (left, right) = line.split_once("-->").ok_or(None)?;
    let start = left.trim();
    let end = right.split_whitespace().next().unwrap_or_default();
    if start.is_empty() {
        return Err(Some("the start time is missing".to_owned()));
    }
    if end.is_empty() {
        return Err(Some("the end time is missing".to_owned()));
    }
    let start_ms = parse_timestamp(start).map_err(|e| Some(format!("start time {e}")))?;
    let end_ms = parse_timestamp(end).map_err(|e| Some(format!("end time {e}")))?;
    Ok((start_ms, end_ms))
}

/// Parse `[H...:]MM:SS.mmm` (or `,mmm`) into milliseconds; the error says what is wrong.
fn parse_timestamp(s: &str) -> Result<u64, String> {
    let shown = quote(s);
    let not_a_time = || format!("`{shown}` is not a timestamp");
    let (clock, millis) = s.rsplit_once(['.', ',']).ok_or_else(not_a_time)?;
    let mut parts = clock.split(':');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    if parts.next().is_some() {
        return Err(not_a_time());
    }
    let (hours, minutes, seconds) = match (first, second, third) {
        (Some(h), Some(m), Some(s)) => (h, m, s),
        (Some(m), Some(s), None) => ("0", m, s),
        _ => return Err(not_a_time()),
    };
    let digits = |t: &str, min: usize, max: usize| {
        (min..=max).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(hours, 1, 12)
        || !digits(minutes, 2, 2)
        || !digits(seconds, 2, 2)
        || !digits(millis, 3, 3)
    {
        return Err(not_a_time());
    }
    let number = |t: &str| t.parse::<u64>().map_err(|_| not_a_time());
    let (h, m, sec, ms) = (
        number(hours)?,
        number(minutes)?,
        number(seconds)?,
        number(millis)?,
    );
    if m > 59 {
        return Err(format!("`{shown}` has minutes above 59"));
    }
    if sec > 59 {
        return Err(format!("`{shown}` has seconds above 59"));
    }
    h.checked_mul(3_600_000)
        .and_then(|t| t.checked_add(m * 60_000 + sec * 1000 + ms))
        .ok_or_else(|| format!("`{shown}` is too large"))
}

/// Shorten a line for an error message, at a character boundary.
fn quote(line: &str) -> String {
    if line.chars().count() <= MAX_QUOTED_CHARS {
        line.to_owned()
    } else {
        let mut short: String = line.chars().take(MAX_QUOTED_CHARS).collect();
        short.push('…');
        short
    }
}

/// Clean a cue's raw lines and find its speaker; None if no text is left.
fn build_cue(start: u64, end: u64, raw: &[(usize, &str)], markup: Markup) -> Option<Cue> {
    let mut state = VttState::default();
    let mut lines: Vec<(usize, String)> = Vec::with_capacity(raw.len());
    for &(number, text) in raw {
        let cleaned = match markup {
            Markup::Vtt => clean_vtt_line(text, &mut state),
            Markup::Srt => clean_srt_line(text),
        };
        let tidy = tidy_spaces(&cleaned);
        if !is_invisible(&tidy) {
            lines.push((number, tidy));
        }
    }
    let (line, first) = lines.first_mut()?;
    let line = *line;
    let mut speaker = state.voice;
    if speaker.is_none() {
        let label = split_name_label(first).or_else(|| match markup {
            Markup::Srt => split_bracket_label(first),
            Markup::Vtt => None,
        });
        if let Some((name, rest)) = label {
            speaker = Some(name);
            *first = rest;
        }
    }
    let text = lines
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    Some(Cue {
        line,
        start_ms: Some(start),
        end_ms: Some(end),
        speaker,
        text,
    })
}

/// Markup state carried across the lines of one WebVTT cue.
#[derive(Default)]
struct VttState {
    /// The first named voice (`<v Name>`) seen in the cue.
    voice: Option<String>,
    /// Inside `<rt>` ruby text, which is dropped.
    in_ruby_text: bool,
}

/// Remove WebVTT tags from one line and decode entities, noting the voice in `state`.
/// A `<` that does not open a tag (`a < b`, `<3`) is kept as text.
fn clean_vtt_line(line: &str, state: &mut VttState) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find(['<', '&']) {
        let (before, at) = rest.split_at(pos);
        if !state.in_ruby_text {
            out.push_str(before);
        }
        if at.starts_with('<') {
            if let Some((body, len)) = tag_at(at) {
                apply_vtt_tag(body, state);
                rest = at.get(len..).unwrap_or_default();
                continue;
            }
        } else if let Some((decoded, len)) = super::decode::entity_at(at) {
            if !state.in_ruby_text {
                out.push(decoded);
            }
            rest = at.get(len..).unwrap_or_default();
            continue;
        }
        // A literal `<` or `&` (both one byte long).
        if !state.in_ruby_text {
            out.push_str(at.get(..1).unwrap_or_default());
        }
        rest = at.get(1..).unwrap_or_default();
    }
    if !state.in_ruby_text {
        out.push_str(rest);
    }
    out
}

/// If `at` starts with a tag (`<` then a letter, `/` or digit, up to `>` with no other
/// `<`), return the text between the brackets and the tag's length in bytes.
fn tag_at(at: &str) -> Option<(&str, usize)> {
    let inner = at.strip_prefix('<')?;
    if !inner.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '/') {
        return None;
    }
    let close = inner.find(['>', '<'])?;
    if !inner[close..].starts_with('>') {
        return None;
    }
    Some((&inner[..close], close + 2))
}

/// Update the cue state for one WebVTT tag body (the text between `<` and `>`).
fn apply_vtt_tag(body: &str, state: &mut VttState) {
    if let Some(closing) = body.strip_prefix('/') {
        let name = closing.trim();
        if name.eq_ignore_ascii_case("rt") || name.eq_ignore_ascii_case("ruby") {
            state.in_ruby_text = false;
        }
        return;
    }
    let name_end = body.find(['.', ' ', '\t']).unwrap_or(body.len());
    let name = &body[..name_end];
    if name.eq_ignore_ascii_case("rt") {
        state.in_ruby_text = true;
    } else if name.eq_ignore_ascii_case("v") && state.voice.is_none() {
        // `<v.class Name>`: the annotation follows the first whitespace.
        let annotation = body
            .find([' ', '\t'])
            .and_then(|ws| body.get(ws..))
            .unwrap_or_default();
        let voice = tidy_spaces(&super::decode::decode_entities(annotation));
        if !voice.is_empty() {
            state.voice = Some(voice);
        }
    }
}

/// Remove SubRip formatting from one line (`<i> <b> <u> <s> <font ...>` and their
/// closing tags, `{\...}` overrides) and decode entities; other text is kept.
fn clean_srt_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find(['<', '{', '&']) {
        let (before, at) = rest.split_at(pos);
        out.push_str(before);
        let markup_len = if at.starts_with('<') {
            tag_at(at)
                .filter(|(body, _)| is_srt_format_tag(body))
                .map(|(_, len)| len)
        } else if at.starts_with("{\\") {
            // Overrides cannot nest, so stop at the next `{` (keeps this linear).
            let close = at.get(1..).and_then(|inner| inner.find(['{', '}']));
            close
                .filter(|&c| at.get(c + 1..).is_some_and(|t| t.starts_with('}')))
                .map(|c| c + 2)
        } else if let Some((decoded, len)) = super::decode::entity_at(at) {
            out.push(decoded);
            Some(len)
        } else {
            None
        };
        match markup_len {
            Some(len) => rest = at.get(len..).unwrap_or_default(),
            None => {
                out.push_str(at.get(..1).unwrap_or_default());
                rest = at.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a tag body is a SubRip formatting tag: `i b u s font`, opening or closing.
fn is_srt_format_tag(body: &str) -> bool {
    let name = body.strip_prefix('/').unwrap_or(body);
    let name_end = name.find([' ', '\t']).unwrap_or(name.len());
    ["i", "b", "u", "s", "font"]
        .iter()
        .any(|tag| name[..name_end].eq_ignore_ascii_case(tag))
}

/// Trim a line and collapse runs of spaces and tabs into one space (other whitespace,
/// such as a decoded `&nbsp;`, is kept inside the line).
fn tidy_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.trim().chars() {
        if c == ' ' || c == '\t' {
            pending_space = true;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Whether a cleaned line shows nothing: only whitespace and invisible format marks.
fn is_invisible(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
    })
}

/// Split a leading `Name: ` speaker label (Zoom style) off a cleaned first line.
///
/// The text before the first colon is a speaker when the colon is followed by a space
/// and text, and it looks like a name: at most 40 characters and 6 words, starting
/// with a letter or digit and containing a letter; no `? ! , ;`; a `.` only in a title
/// abbreviation or initial (`Dr. Melissa Ko`, `J. R. Smith`); no lower-case sentence
/// word (`and the answer is: ...`) and no opening word such as `The` or `So`; not a
/// heading such as `Note`, `Please note` or `Example`, not a lone interjection such as
/// `Okay` or `Yes`; and not a URL scheme.
/// Returns the name and the rest of the line.
fn split_name_label(line: &str) -> Option<(String, String)> {
    let (label, rest) = line.split_once(':')?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    let label = label.trim();
    if rest.is_empty() || !looks_like_name(label) {
        return None;
    }
    let words: Vec<&str> = label.split_whitespace().collect();
    let first = words.first()?.trim_end_matches('.').to_lowercase();
    let last = words.last()?.trim_end_matches('.').to_lowercase();
    let single = words.len() == 1;
    if in_list(NOT_NAME_FIRST_WORDS, &first)
        || in_list(NOT_NAME_LAST_WORDS, &last)
        || in_list(URL_WORDS, &last)
        || (single && in_list(NOT_NAME_SINGLE_WORDS, &last))
    {
        return None;
    }
    Some((words.join(" "), rest.to_owned()))
}

/// Split a leading `[Name] ` speaker label (SubRip) off a cleaned first line; `[Name]:`
/// is accepted too. The name must pass the `Name: ` checks, start with an upper-case
/// letter or digit and contain no sound word (`[Laughs] yeah` has no speaker).
fn split_bracket_label(line: &str) -> Option<(String, String)> {
    let inner = line.strip_prefix('[')?;
    let close = inner.find(']')?;
    let label = inner[..close].trim();
    let after = &inner[close + 1..];
    let after = after.strip_prefix(':').unwrap_or(after);
    if !after.starts_with([' ', '\t']) {
        return None;
    }
    let rest = after.trim();
    if rest.is_empty()
        || !label.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        || !looks_like_name(label)
        || label
            .split_whitespace()
            .any(|w| in_list(SOUND_WORDS, &w.to_lowercase()))
    {
        return None;
    }
    let name = label.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((name, rest.to_owned()))
}

/// The shape checks shared by `Name: ` and `[Name] ` labels (see [`split_name_label`]).
fn looks_like_name(label: &str) -> bool {
    if label.is_empty()
        || label.chars().count() > MAX_LABEL_CHARS
        || label.split_whitespace().count() > MAX_LABEL_WORDS
        || !label.starts_with(char::is_alphanumeric)
        || !label.chars().any(char::is_alphabetic)
        || label.contains(['?', '!', ',', ';', '[', ']'])
        || label.contains("//")
    {
        return false;
    }
    label.split_whitespace().all(|word| {
        (!word.contains('.') || is_abbreviation(word)) && !in_list(FUNCTION_WORDS, word)
    })
}

/// Whether `word` is one of the space-separated words of `list`.
fn in_list(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// Whether a word with dots is a title abbreviation (`Dr.`) or initials (`J.`, `J.R.`).
fn is_abbreviation(word: &str) -> bool {
    let bare = word.strip_suffix('.').unwrap_or(word);
    if in_list(NAME_ABBREVIATIONS, &bare.to_lowercase()) {
        return true;
    }
    bare.split('.').all(|part| {
        let mut chars = part.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase())
    })
}

#[cfg(test)]
mod tests;
