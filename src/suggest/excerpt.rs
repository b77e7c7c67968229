//! Units of text: the code-point ranges a suggestion stands for (`spans`: the turn, or the
//! sentences that hold its evidence; `fill_spans` fills them in stored rows), and a segment's
//! text as its unit shows it with the evidence marked (`excerpt`), which quote exports and
//! review sheets print.

use crate::error::Result;
use crate::suggest::Unit;
use crate::text::model::Segment;
use rustc_hash::FxHashMap;

/// A segment's text as a unit shows it, with the evidence marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The turn, or its sentences that hold evidence (joined by " … " where sentences
    /// between them are left out).
    pub text: String,
    /// The evidence as byte ranges of `text`, in order; words of one phrase (only spaces or
    /// hyphens between them: "social media", "Wi-Fi") form one range.
    pub marks: Vec<(usize, usize)>,
    /// The unit the text is: a sentence excerpt without evidence falls back to the turn.
    pub unit: Unit,
}

/// The part of `seg` that `unit` stands for (through [`crate::suggest::spans`], as
/// `suggest --unit` reads it), with `evidence` (code-point ranges in the document) marked.
pub fn excerpt(unit: Unit, seg: &crate::Segment, evidence: &[(usize, usize)]) -> Excerpt {
    let unit = if evidence.is_empty() {
        Unit::Turn
    } else {
        unit
    };
    let mut chars: Vec<(usize, usize)> = evidence.to_vec();
    chars.sort_unstable();
    chars.dedup();
    let evidence = byte_ranges(seg, &chars);
    let mut text = String::new();
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for (ba, bb) in byte_ranges(seg, &crate::suggest::spans(unit, seg, &chars)) {
        if !text.is_empty() {
            text.push_str(" … ");
        }
        let offset = text.len();
        text.push_str(&seg.text[ba..bb]);
        for &(x, y) in &evidence {
            if x < ba || y > bb || x >= y {
                continue;
            }
            let (x, y) = (x - ba + offset, y - ba + offset);
            match marks.last_mut() {
                Some(last) if x <= last.1 => last.1 = last.1.max(y),
                Some(last) if text[last.1..x].chars().all(|c| matches!(c, ' ' | '-')) => last.1 = y,
                _ => marks.push((x, y)),
            }
        }
    }
    if text.is_empty() {
        // No span could be placed (offsets from another version of the text): the turn.
        return Excerpt {
            text: seg.text.clone(),
            marks: Vec::new(),
            unit: Unit::Turn,
        };
    }
    Excerpt { text, marks, unit }
}

/// Code-point ranges in the document as byte ranges of `seg.text`, in the same order; those
/// that do not lie inside the segment are left out.
pub fn byte_ranges(seg: &crate::Segment, chars: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // Code point -> byte, walking the text once.
    let starts: Vec<usize> = seg
        .text
        .char_indices()
        .map(|(b, _)| b)
        .chain([seg.text.len()])
        .collect();
    chars
        .iter()
        .filter_map(|&(a, b)| {
            let a = a.checked_sub(seg.char_start)?;
            let b = b.checked_sub(seg.char_start)?;
            Some((*starts.get(a)?, *starts.get(b)?))
        })
        .collect()
}

/// The code-point ranges a suggestion stands for in its document: the whole segment for
/// [`Unit::Turn`]; for [`Unit::Sentence`], the sentences (Unicode sentence boundaries) that
/// hold evidence, neighbours merged, without the spaces around them.
pub fn spans(unit: Unit, seg: &Segment, evidence: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let whole = vec![(seg.char_start, seg.char_end)];
    if unit == Unit::Turn || evidence.is_empty() {
        return whole;
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut chars = seg.char_start;
    let mut previous_taken = false;
    let starts: Vec<usize> = crate::text::analyzer::sentence_starts(&seg.text).collect();
    let ends = starts.iter().skip(1).copied().chain([seg.text.len()]);
    for sentence in starts.iter().zip(ends).map(|(&a, b)| &seg.text[a..b]) {
        let n = sentence.chars().count();
        let lead = sentence.chars().take_while(|c| c.is_whitespace()).count();
        let body = sentence.trim().chars().count();
        let (a, b) = (chars + lead, chars + lead + body);
        let taken = body > 0 && evidence.iter().any(|&(s, _)| s >= chars && s < chars + n);
        if taken {
            match out.last_mut() {
                Some(last) if previous_taken => last.1 = b,
                _ => out.push((a, b)),
            }
        }
        if body > 0 {
            previous_taken = taken;
        }
        chars += n;
    }
    if out.is_empty() {
        whole
    } else {
        out
    }
}

/// Fills in the spans of listed suggestions, from their segments and their codebook's unit.
pub fn fill_spans(
    store: &crate::store::Store,
    rows: &mut [crate::store::SuggestionListing],
) -> Result<()> {
    let mut units: FxHashMap<String, Unit> = FxHashMap::default();
    for r in rows.iter_mut() {
        let unit = match units.get(&r.codebook) {
            Some(u) => *u,
            None => {
                let u = store
                    .suggest_run(&r.codebook)?
                    .map_or(Unit::Turn, |s| Unit::parse(&s.unit));
                units.insert(r.codebook.clone(), u);
                u
            }
        };
        if let Some(seg) = store.segments(&[r.segment])?.pop() {
            r.spans = spans(unit, &seg, &r.evidence);
        }
    }
    Ok(())
}
