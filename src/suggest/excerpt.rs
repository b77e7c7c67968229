//! A segment's text as a unit shows it (the whole turn, or the sentences that hold the
//! evidence), with the evidence marked: what quote exports and review sheets print.

use crate::suggest::Unit;

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
