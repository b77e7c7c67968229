//! Speaker-labelled text (and prose) into segments.
//!
//! Reads the layouts transcripts come in: `Name: text`, `INTERVIEWER:` / `I:` / `P3:`, `[Name]`
//! on its own line, `**Name:**`, each with or without a timestamp (`[00:01:23]`, `(00:01:23)`,
//! `00:01:23 Name:`), and Otter.ai's `Name  00:13` line followed by the turn. Text without
//! labels becomes one segment per paragraph. An Otter.ai header before the first turn (title,
//! date, `SUMMARY KEYWORDS`, `SPEAKERS`) becomes document attributes, not a segment. Works on
//! the stored text itself, so every segment's byte range slices it exactly. Sans-IO; never
//! fails: the worst case is prose.

use crate::text::model::{ParsedSegment, Role};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

const TS: &str = r"(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)";

static OTTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(\S[^\t]{{0,60}}?)(?:\s{{2,}}|\t+){TS}\s*$")).expect("regex")
});
static LEAD_TS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:\[{TS}\]|\({TS}\)|{TS}(?:\s|$))\s*(?:[-–—]\s*)?"
    ))
    .expect("regex")
});
static BRACKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[([^\]\[]{1,60})\]\s*(.*)$").expect("regex"));
static BOLD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*\*([^*]{1,60}?):?\*\*:?(?:\s+(.*))?$").expect("regex"));
/// Otter.ai's date line under the title: `Tue, 10/20 10:15AM • 52:38`, `Oct 20, 2021, 3:45 PM`.
static OTTER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4},?)\s+\d{1,2}:\d{2}\s*(?:am|pm)?(?:\s*•\s*\d{1,2}:\d{2}(?::\d{2})?)?$",
    )
    .expect("regex")
});
static COLON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^:\s][^:]{0,159}?):(?:\s+(.*))?$").expect("regex"));

/// The role a label says by itself (`Interviewer`, `I`, `Q`, `P3`, `Respondent`...), if any.
pub(crate) fn label_role(label: &str) -> Option<Role> {
    let l = label.trim().to_lowercase();
    let base = l.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '#');
    match base {
        "interviewer" | "int" | "i" | "q" | "moderator" | "facilitator" | "researcher" => {
            Some(Role::Interviewer)
        }
        "participant" | "p" | "r" | "respondent" | "interviewee" | "a" | "informant" => {
            Some(Role::Participant)
        }
        _ => None,
    }
}

/// Parses `h:mm:ss`, `mm:ss` or `m:ss` (with optional fraction) into milliseconds.
pub(crate) fn parse_ts(s: &str) -> Option<u64> {
    let (main, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let parts: Vec<u64> = main
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs = match parts.as_slice() {
        [m, s] => m * 60 + s,
        [h, m, s] => h * 3600 + m * 60 + s,
        _ => return None,
    };
    let ms = if frac.is_empty() {
        0
    } else {
        let f: u64 = frac.parse().ok()?;
        f * 10u64.pow(3u32.saturating_sub(frac.len() as u32))
    };
    Some(secs * 1000 + ms)
}

#[derive(Debug)]
struct Label {
    speaker: String,
    ts: Option<u64>,
    /// Byte offset (in the whole text) where the turn's text starts on this line, or None when
    /// it starts on the next line.
    text_at: Option<usize>,
    /// Label layouts that need no second occurrence to be trusted (Otter, `[Name]`, timestamps).
    strong: bool,
}

/// `s` without parenthesised parts: `The Chair (Hon. Anthony Rota (Nipissing, Lib.))` → `The Chair`.
fn without_parens(s: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn looks_like_name(s: &str) -> bool {
    let full = s.trim();
    if full.chars().count() > 120 || full.contains(['?', '!', ';', '"', '“', '”', '=', '/']) {
        return false;
    }
    let bare = without_parens(full);
    let s = bare.trim();
    let words = s.split_whitespace().count();
    !s.is_empty()
        && words <= 8
        && s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '@')
        && !s.contains(['?', '!', ';', '"', '“', '”', '=', '/'])
        && !s.ends_with(['.', ','])
        && !s.contains("http")
}

/// Reads as a person's name or code: at most four words, each capitalised (`Tom Becker`, `P3`).
fn proper_name(s: &str) -> bool {
    let bare = without_parens(s);
    let words: Vec<&str> = bare.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= 4
        && words.iter().all(|w| {
            w.chars().any(|c| c.is_uppercase() || c.is_ascii_digit())
                || matches!(
                    *w,
                    "de" | "da"
                        | "di"
                        | "du"
                        | "la"
                        | "le"
                        | "van"
                        | "von"
                        | "der"
                        | "al"
                        | "el"
                        | "bin"
                        | "ibn"
                )
        })
}

fn label_of(line: &str, at: usize) -> Option<Label> {
    if let Some(c) = OTTER.captures(line) {
        let name = c.get(1).map_or("", |m| m.as_str()).trim();
        if looks_like_name(name) {
            return Some(Label {
                speaker: name.to_string(),
                ts: c.get(2).and_then(|m| parse_ts(m.as_str())),
                text_at: None,
                strong: true,
            });
        }
    }
    let mut rest = line;
    let mut off = 0;
    let mut ts = None;
    if let Some(c) = LEAD_TS.captures(line) {
        let t = c.get(1).or(c.get(2)).or(c.get(3)).map(|m| m.as_str());
        ts = t.and_then(parse_ts);
        let end = c.get(0).map_or(0, |m| m.end());
        rest = &line[end..];
        off = end;
    }
    let text_at = |m: Option<regex::Match<'_>>| -> Option<usize> {
        m.filter(|m| !m.as_str().trim().is_empty())
            .map(|m| at + off + m.start())
    };
    // `**Name:** text`, then `[Name]` (alone on a line, or before the text), then `Name: text`.
    for (re, bracket) in [(&*BOLD, false), (&*BRACKET, true), (&*COLON, false)] {
        let Some(c) = re.captures(rest) else { continue };
        let name = c.get(1).map_or("", |m| m.as_str());
        if !looks_like_name(name) || (bracket && parse_ts(name).is_some()) {
            continue;
        }
        let alone = c.get(2).is_none_or(|m| m.as_str().trim().is_empty());
        return Some(Label {
            speaker: name.trim().to_string(),
            ts,
            text_at: text_at(c.get(2)),
            // `[Priya Nair]` alone on a line is a label; `[laughs]`, `[IR software]` are not.
            strong: ts.is_some() || (bracket && alone && proper_name(name)),
        });
    }
    None
}

/// The header Otter.ai writes before the first turn, from the lines before it: a title, a
/// date line, `SUMMARY KEYWORDS` and its list, `SPEAKERS` and their names (each part may be
/// missing). Recognised only when a `SUMMARY KEYWORDS` or `SPEAKERS` heading or an Otter date
/// line is there, and nothing else is: returns the attributes (title, date, keywords,
/// speakers) it holds.
fn otter_header(lines: &[(usize, usize, &str)]) -> Option<Vec<(String, String)>> {
    #[derive(PartialEq)]
    enum Part {
        Title,
        Keywords,
        Speakers,
    }
    let mut part = Part::Title;
    let (mut title, mut date, mut keywords, mut speakers) =
        (Vec::new(), None, Vec::new(), Vec::new());
    let mut heading = false;
    for &(_, _, line) in lines {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        match l {
            "SUMMARY KEYWORDS" => {
                part = Part::Keywords;
                heading = true;
            }
            "SPEAKERS" => {
                part = Part::Speakers;
                heading = true;
            }
            _ if part == Part::Title && date.is_none() && OTTER_DATE.is_match(l) => {
                date = Some(l.to_string());
                heading = true;
            }
            // A title is a line or two; anything longer before a heading is prose.
            _ if part == Part::Title && (date.is_some() || title.len() >= 2) => return None,
            _ => match part {
                Part::Title => title.push(l),
                Part::Keywords => keywords.push(l),
                Part::Speakers => speakers.push(l),
            },
        }
    }
    if !heading {
        return None;
    }
    let mut attrs = Vec::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            attrs.push((k.to_string(), v));
        }
    };
    put("title", title.join(" "));
    put("date", date.unwrap_or_default());
    put("keywords", keywords.join(", "));
    put("speakers", speakers.join(", "));
    Some(attrs)
}

/// Splits `text` into segments: speaker turns where the text has speaker labels that recur,
/// paragraphs otherwise (and for any text before the first label).
pub(crate) fn parse(text: &str) -> Vec<ParsedSegment> {
    parse_with_header(text).0
}

/// [`parse`], and the attributes of an Otter.ai header before the first turn (whose lines
/// then make no segment).
pub(crate) fn parse_with_header(text: &str) -> (Vec<ParsedSegment>, Vec<(String, String)>) {
    let mut lines = Vec::new();
    let mut at = 0;
    for (no, line) in text.split('\n').enumerate() {
        lines.push((no + 1, at, line));
        at += line.len() + 1;
    }
    let labels: Vec<Option<Label>> = lines.iter().map(|&(_, at, l)| label_of(l, at)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in labels.iter().flatten() {
        *counts.entry(l.speaker.as_str()).or_default() += 1;
    }
    let trusted = |l: &Label| {
        l.strong
            || label_role(&l.speaker).is_some()
            || counts.get(l.speaker.as_str()).copied().unwrap_or(0) >= 2
    };
    // A label must recur, unless its layout or its name leaves no doubt (see `trusted`). In a
    // transcript with two or more such speakers, a name heard once (`Hon. Andrew Scheer:`, a
    // committee member's one question) is a speaker too; in a transcript with only one
    // labelled person, `Location: Cork.` inside someone's speech is not.
    let distinct_trusted: std::collections::HashSet<&str> = labels
        .iter()
        .flatten()
        .filter(|l| trusted(l))
        .map(|l| l.speaker.as_str())
        .collect();
    let many = distinct_trusted.len() >= 2;
    let mut accepted: Vec<bool> = labels
        .iter()
        .map(|l| {
            l.as_ref()
                .is_some_and(|l| trusted(l) || (many && proper_name(&l.speaker)))
        })
        .collect();
    // After a label whose text starts on the next line (`Name  00:13`), the next non-blank
    // line is that text, whatever it looks like (`[IR software]`).
    let mut i = 0;
    while i < lines.len() {
        if accepted[i] && labels[i].as_ref().is_some_and(|l| l.text_at.is_none()) {
            if let Some(j) = (i + 1..lines.len()).find(|&j| !lines[j].2.trim().is_empty()) {
                accepted[j] = false;
                i = j;
            }
        }
        i += 1;
    }
    let n_accepted = accepted.iter().filter(|&&a| a).count();
    if n_accepted < 2 {
        return (paragraphs(text, &lines, 0, lines.len()), Vec::new());
    }

    let distinct: std::collections::HashSet<&str> = labels
        .iter()
        .zip(&accepted)
        .filter(|(_, &a)| a)
        .filter_map(|(l, _)| l.as_ref().map(|l| l.speaker.as_str()))
        .collect();
    let single_speaker = distinct.len() == 1;
    let mut out = Vec::new();
    let first = accepted.iter().position(|&a| a).unwrap_or(lines.len());
    let header = otter_header(&lines[..first]);
    if header.is_none() {
        out.extend(paragraphs(text, &lines, 0, first));
    }
    let mut i = first;
    while i < lines.len() {
        let label = labels[i].as_ref().expect("accepted lines have labels");
        let mut j = i + 1;
        while j < lines.len() && !accepted[j] {
            j += 1;
        }
        // The turn runs from the label's text (or the next line) to the end of line j-1.
        let start = label
            .text_at
            .unwrap_or_else(|| lines.get(i + 1).map_or(text.len(), |l| l.1));
        if single_speaker {
            // Only one person is labelled (a moderator): their turn is their paragraph, and
            // the unlabelled paragraphs between turns are someone else's, so they stay prose.
            let first = if label.text_at.is_some() {
                i
            } else {
                (i + 1..j)
                    .find(|&k| !lines[k].2.trim().is_empty())
                    .unwrap_or(i)
            };
            let mut k = first;
            while k + 1 < j && !lines[k + 1].2.trim().is_empty() {
                k += 1;
            }
            let end = lines[k].1 + lines[k].2.len();
            let (s, e) = trim(text, start.min(end), end);
            if s < e {
                out.push(ParsedSegment {
                    speaker: Some(label.speaker.clone()),
                    label_role: label_role(&label.speaker),
                    start_ms: label.ts,
                    end_ms: None,
                    line: lines[first].0,
                    byte_start: s,
                    byte_end: e,
                });
            }
            out.extend(paragraphs(text, &lines, k + 1, j));
            i = j;
            continue;
        }
        let end = lines[j - 1].1 + lines[j - 1].2.len();
        let (s, e) = trim(text, start.min(end), end);
        if s < e {
            let line = lines
                .iter()
                .take(j)
                .skip(i)
                .find(|l| l.1 + l.2.len() > s)
                .map_or(lines[i].0, |l| l.0);
            out.push(ParsedSegment {
                speaker: Some(label.speaker.clone()),
                label_role: label_role(&label.speaker),
                start_ms: label.ts,
                end_ms: None,
                line,
                byte_start: s,
                byte_end: e,
            });
        }
        i = j;
    }
    (out, header.unwrap_or_default())
}

/// Paragraph segments (split at blank lines) over lines `from..to`.
fn paragraphs(
    text: &str,
    lines: &[(usize, usize, &str)],
    from: usize,
    to: usize,
) -> Vec<ParsedSegment> {
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if lines[i].2.trim().is_empty() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < to && !lines[j].2.trim().is_empty() {
            j += 1;
        }
        let (s, e) = trim(text, lines[i].1, lines[j - 1].1 + lines[j - 1].2.len());
        if s < e {
            out.push(ParsedSegment {
                speaker: None,
                label_role: None,
                start_ms: None,
                end_ms: None,
                line: lines[i].0,
                byte_start: s,
                byte_end: e,
            });
        }
        i = j;
    }
    out
}

fn trim(text: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &text[s..e];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead == slice.len() {
        return (s, s);
    }
    (s + lead, e - trail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (speaker, line, start_ms, text) of each segment.
    fn check(text: &str) -> Vec<(Option<String>, usize, Option<u64>, String)> {
        parse(text)
            .into_iter()
            .map(|s| {
                (
                    s.speaker,
                    s.line,
                    s.start_ms,
                    text[s.byte_start..s.byte_end].to_string(),
                )
            })
            .collect()
    }
    fn sp(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn name_colon_labels() {
        let t = "Lena Marsh: How do you use Twitter?\nTom Becker: Mostly, you know,\nfor teaching.\n\nAnd research.\nLena Marsh: Thanks.\nTom Becker: Welcome.\n";
        assert_eq!(
            check(t),
            vec![
                (sp("Lena Marsh"), 1, None, "How do you use Twitter?".into()),
                (
                    sp("Tom Becker"),
                    2,
                    None,
                    "Mostly, you know,\nfor teaching.\n\nAnd research.".into()
                ),
                (sp("Lena Marsh"), 6, None, "Thanks.".into()),
                (sp("Tom Becker"), 7, None, "Welcome.".into()),
            ]
        );
    }

    #[test]
    fn role_labels_and_timestamps() {
        let t = "[00:01:23] I: Tell me more.\n[00:01:30] R: Well...\n(00:02:00) P3: Yes.\n00:02:10 INTERVIEWER: Ok.\n";
        let got = check(t);
        assert_eq!(got[0], (sp("I"), 1, Some(83_000), "Tell me more.".into()));
        assert_eq!(got[1].0, sp("R"));
        assert_eq!(got[2], (sp("P3"), 3, Some(120_000), "Yes.".into()));
        assert_eq!(got[3], (sp("INTERVIEWER"), 4, Some(130_000), "Ok.".into()));
        assert_eq!(label_role("I"), Some(Role::Interviewer));
        assert_eq!(label_role("P12"), Some(Role::Participant));
        assert_eq!(label_role("Participant 4"), Some(Role::Participant));
        assert_eq!(label_role("Lena"), None);
    }

    #[test]
    fn otter_layout_with_preamble() {
        let t = "Title line\nSPEAKERS\nBSR01, Sara\n\nBSR01  00:00\nFirst answer.\n\nSara Mannheimer  1:02:13\nA question?\nStill asking.\n";
        let got = check(t);
        // The header is the document's attributes, not a segment.
        assert_eq!(got[0], (sp("BSR01"), 6, Some(0), "First answer.".into()));
        assert_eq!(
            got[1],
            (
                sp("Sara Mannheimer"),
                9,
                Some(3_733_000),
                "A question?\nStill asking.".into()
            )
        );
    }

    fn header(text: &str) -> Vec<(String, String)> {
        parse_with_header(text).1
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn otter_headers_become_attributes_in_every_variant() {
        let turns = "Ana Lima  00:00\nHello.\n\nP7  00:04\nHi there.\n";
        let full = format!(
            "\nGarden study P7\nTue, 3/14 9:05AM • 41:10\nSUMMARY KEYWORDS\ncompost, soil, rain\nSPEAKERS\nAna Lima, P7\n\n{turns}"
        );
        assert_eq!(
            header(&full),
            pairs(&[
                ("title", "Garden study P7"),
                ("date", "Tue, 3/14 9:05AM • 41:10"),
                ("keywords", "compost, soil, rain"),
                ("speakers", "Ana Lima, P7"),
            ])
        );
        let segs = parse(&full);
        assert_eq!(segs.len(), 2, "no segment for the header");
        assert!(segs.iter().all(|s| s.speaker.is_some()));
        // Without keywords; without the speakers line; blank lines between parts (.docx).
        let t = format!("Garden study P7\nSPEAKERS\nAna Lima, P7\n\n{turns}");
        assert_eq!(
            header(&t),
            pairs(&[("title", "Garden study P7"), ("speakers", "Ana Lima, P7")])
        );
        let t = format!("Garden study P7\n\nSUMMARY KEYWORDS\n\ncompost, soil\n\n{turns}");
        assert_eq!(
            header(&t),
            pairs(&[("title", "Garden study P7"), ("keywords", "compost, soil")])
        );
        let t = format!("Garden study P7\nOct 3, 2021, 4:15 PM\n\n{turns}");
        assert_eq!(
            header(&t),
            pairs(&[
                ("title", "Garden study P7"),
                ("date", "Oct 3, 2021, 4:15 PM")
            ])
        );
        assert_eq!(parse(&t).len(), 2);
        // A heading-less title, or prose before the turns, stays a segment.
        for pre in [
            "Garden study P7\n\n",
            "We met at the allotment.\nIt rained.\nThe tape ran long.\nSPEAKERS\nAna\n\n",
        ] {
            let t = format!("{pre}{turns}");
            assert!(header(&t).is_empty(), "{pre:?}");
            assert_eq!(parse(&t)[0].speaker, None, "{pre:?}");
        }
    }

    #[test]
    fn the_line_after_an_otter_label_is_text() {
        let t = "DC01  42:14\nYeah.\n\nSara M  42:16\nWhat system?\n\nDC01  42:23\n[IR software]\n\nSara M  42:27\nOkay.\n";
        let got = check(t);
        assert_eq!(got.len(), 4);
        assert_eq!(
            got[2],
            (sp("DC01"), 8, Some(2_543_000), "[IR software]".into())
        );
    }

    #[test]
    fn bracket_and_bold_labels() {
        let t = "[Lena Marsh]\nHello there.\n\n[Priya Nair]\nHi.\n";
        assert_eq!(check(t)[1], (sp("Priya Nair"), 5, None, "Hi.".into()));
        let t = "# P08 interview\n\n**Interviewer:** First?\n\n**P08:** Answer.\n";
        let got = check(t);
        assert_eq!(got[0], (None, 1, None, "# P08 interview".into()));
        assert_eq!(got[1], (sp("Interviewer"), 3, None, "First?".into()));
        assert_eq!(got[2], (sp("P08"), 5, None, "Answer.".into()));
    }

    #[test]
    fn one_labelled_speaker_keeps_to_their_paragraph() {
        let t = "Intro task 1\n\nMODERATOR: Could you start?\n\n\tAlright, I logged in.\n\nMODERATOR: Thanks.\nStill me.\n\nLocation: Cork.\n";
        let got = check(t);
        let who: Vec<_> = got.iter().map(|g| g.0.clone()).collect();
        assert_eq!(who, [None, sp("MODERATOR"), None, sp("MODERATOR"), None]);
        assert_eq!(got[2].3, "Alright, I logged in.");
        assert_eq!(got[3].3, "Thanks.\nStill me.");
        assert_eq!(got[4].3, "Location: Cork.");
    }

    #[test]
    fn committee_labels_with_affiliations() {
        let t = "The Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)): Order.\nMr. Andrew Scheer (Regina—Qu'Appelle, CPC): Thank you.\nThe Chair (Hon. Anthony Rota (Nipissing—Timiskaming, Lib.)): Go on.\nHon. Bill Blair (Minister of Public Safety and Emergency Preparedness): Yes.\nMr. Andrew Scheer (Regina—Qu'Appelle, CPC): And?\nMr. Chris d'Entremont (West Nova, CPC): Me too.\n";
        let who: Vec<_> = check(t)
            .into_iter()
            .map(|g| g.0.unwrap_or_default())
            .collect();
        assert_eq!(who.len(), 6);
        assert_eq!(
            who[3],
            "Hon. Bill Blair (Minister of Public Safety and Emergency Preparedness)"
        );
        assert_eq!(who[5], "Mr. Chris d'Entremont (West Nova, CPC)");
    }

    #[test]
    fn prose_stays_prose() {
        let t = "We met on Monday.\nNote: one thing only.\n\nSecond paragraph here.";
        let got = check(t);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|g| g.0.is_none()));
        assert_eq!(got[1].3, "Second paragraph here.");
        assert!(check("").is_empty());
        assert!(check("\n\n  \n").is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]
        /// Whatever the lines, segments are trimmed, non-empty, in order, and slice the text.
        #[test]
        fn segments_always_slice_the_text(lines in proptest::collection::vec(
            proptest::prop_oneof![
                "[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?: [a-zé ,.?]{0,40}",
                "(I|R|P[0-9]|INTERVIEWER): [a-z ]{0,30}",
                "\\[[0-9]{2}:[0-9]{2}:[0-9]{2}\\] [A-Z]: [a-z ]{0,20}",
                "[A-Z][a-z]{2,6}  [0-9]{1,2}:[0-9]{2}",
                "\\*\\*[A-Z][a-z]{1,6}:\\*\\* [a-z ]{0,20}",
                "\\[[A-Z][a-z]{1,6}\\]",
                "[a-zA-Z0-9 :\\[\\]()*.é✓\t]{0,50}",
                proptest::strategy::Just(String::new()),
            ],
            0..40,
        )) {
            let text = lines.join("\n");
            let segs = parse(&text);
            let mut prev_end = 0;
            for s in &segs {
                proptest::prop_assert!(s.byte_start < s.byte_end && s.byte_end <= text.len());
                proptest::prop_assert!(s.byte_start >= prev_end, "segments overlap");
                proptest::prop_assert!(text.is_char_boundary(s.byte_start) && text.is_char_boundary(s.byte_end));
                let t = &text[s.byte_start..s.byte_end];
                proptest::prop_assert_eq!(t, t.trim());
                proptest::prop_assert!(s.line >= 1 && s.line <= lines.len().max(1));
                prev_end = s.byte_end;
            }
        }
    }

    #[test]
    fn timestamps_parse() {
        assert_eq!(parse_ts("1:02"), Some(62_000));
        assert_eq!(parse_ts("01:02:03.5"), Some(3_723_500));
        assert_eq!(parse_ts("x:02"), None);
    }
}
