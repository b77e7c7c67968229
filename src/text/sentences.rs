//! Where sentences start (UAX #29 sentence boundaries), fast for the common case.
//!
//! The index, the rules and sentence units all need sentence starts for every segment, and
//! the general segmenter (unicode-segmentation) looks every character up in a large table:
//! about a fifth of indexing and of suggesting went there. Most text is ASCII plus a few
//! typographic marks whose sentence-break classes are fixed, so text made only of characters
//! listed in [`class`] is split here by the rules SB3–SB11 directly; any other text goes to
//! the general segmenter. Both give the same starts: the tests compare them on random text
//! over every listed character and on every listed character in every context that matters.

use unicode_segmentation::UnicodeSegmentation;

/// A character's sentence-break class (UAX #29), for the characters [`class`] knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Sp,
    Lf,
    Cr,
    /// `!`, `?`: always ends a sentence.
    STerm,
    /// `.`: ends one unless a number, a lowercase word or an abbreviation follows.
    ATerm,
    Close,
    SContinue,
    Numeric,
    Upper,
    Lower,
    Other,
}

/// The class of `c`, when it is one this module knows (ASCII, Latin-1 letters, no-break
/// space, guillemets, curly quotes, en and em dashes, the ellipsis).
const fn class(c: char) -> Option<Class> {
    use Class::*;
    Some(match c {
        '\t' | '\u{b}' | '\u{c}' | ' ' | '\u{a0}' => Sp,
        '\n' => Lf,
        '\r' => Cr,
        '!' | '?' => STerm,
        '.' => ATerm,
        '"' | '\'' | '(' | ')' | '[' | ']' | '{' | '}' | '\u{ab}' | '\u{bb}' => Close,
        '\u{2018}'..='\u{201f}' => Close,
        ',' | '-' | ':' | ';' | '\u{2013}' | '\u{2014}' => SContinue,
        '0'..='9' => Numeric,
        'A'..='Z' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{de}' => Upper,
        'a'..='z' | '\u{df}'..='\u{f6}' | '\u{f8}'..='\u{ff}' => Lower,
        '\0'..='\u{7f}' | '\u{2026}' => Other,
        _ => return None,
    })
}

/// The class of each ASCII character.
const ASCII: [Class; 128] = {
    let mut t = [Class::Other; 128];
    let mut i = 0;
    while i < 128 {
        if let Some(k) = class(i as u8 as char) {
            t[i] = k;
        }
        i += 1;
    }
    t
};

/// Byte offsets where the sentences of `text` start (0 first, for non-empty text), as
/// `split_sentence_bound_indices` gives them.
pub(crate) fn starts(text: &str) -> Vec<usize> {
    if text.is_ascii() {
        let classes: Vec<Class> = text.bytes().map(|b| ASCII[b as usize]).collect();
        return by_rules(&classes, |i| i);
    }
    let mut offsets = Vec::with_capacity(text.len());
    let mut classes = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match class(c) {
            Some(k) => {
                offsets.push(i);
                classes.push(k);
            }
            None => {
                return text
                    .split_sentence_bound_indices()
                    .map(|(i, _)| i)
                    .collect()
            }
        }
    }
    by_rules(&classes, |i| offsets[i])
}

/// The sentence starts of a text given as the class of each character and a function from
/// a character's index to its byte offset.
fn by_rules(classes: &[Class], offset: impl Fn(usize) -> usize) -> Vec<usize> {
    use Class::*;
    let n = classes.len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    out.push(0);
    let sep = |k: Class| matches!(k, Lf | Cr);
    for (t, &k) in classes.iter().enumerate() {
        // SB4: a break after every paragraph separator (SB3: none inside CR LF).
        if sep(k) {
            let crlf = k == Cr && classes.get(t + 1) == Some(&Lf);
            if !crlf && t + 1 < n {
                out.push(offset(t + 1));
            }
            continue;
        }
        if !matches!(k, STerm | ATerm) {
            continue;
        }
        // A terminator, then Close* Sp*: SB9 and SB10 keep those with it, so the only place
        // it can end its sentence is where they stop.
        let mut j = t + 1;
        while j < n && classes[j] == Close {
            j += 1;
        }
        while j < n && classes[j] == Sp {
            j += 1;
        }
        // At the end of the text, or before a paragraph separator (which breaks after itself).
        if j == n || sep(classes[j]) {
            continue;
        }
        let next = classes[j];
        let joined = k == ATerm
            && (
                // SB6: `3.5`.
                (j == t + 1 && next == Numeric)
                // SB7: `U.S.A`.
                || (j == t + 1 && next == Upper && t > 0 && matches!(classes[t - 1], Upper | Lower))
                // SB8: a lowercase word follows before any letter, separator or terminator.
                || classes[j..]
                    .iter()
                    .find(|c| matches!(c, Upper | Lower | Lf | Cr | STerm | ATerm))
                    == Some(&Lower)
            );
        // SB8a: a continuing mark or another terminator.
        let continued = matches!(next, SContinue | STerm | ATerm);
        // SB11 otherwise.
        if !joined && !continued {
            out.push(offset(j));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn general(text: &str) -> Vec<usize> {
        text.split_sentence_bound_indices()
            .map(|(i, _)| i)
            .collect()
    }

    /// Every character the fast path knows, and one it does not.
    const ALPHABET: &[char] = &[
        ' ', '\t', '\u{a0}', '\n', '\r', '!', '?', '.', '"', '\'', '(', ')', ']', '\u{bb}',
        '\u{2019}', '\u{201c}', ',', '-', ':', ';', '\u{2013}', '\u{2014}', '0', '7', 'A', 'Z',
        '\u{c9}', 'a', 'z', '\u{e9}', '\u{df}', '#', '\u{2026}', '\u{1}', '\u{3002}',
    ];

    #[test]
    fn every_known_character_has_the_general_class_in_every_context() {
        let known: Vec<char> = (0u32..0x2100)
            .filter_map(char::from_u32)
            .filter(|&c| class(c).is_some())
            .collect();
        // Contexts where each class decides whether a sentence ends.
        let contexts = [
            "{}",
            "a.{}b",
            "a. {}b",
            "a.{} b",
            "A.{}",
            "x.{}",
            "a.{}B",
            "a.) {}",
            "Go! {}x",
            "{}. b",
            "{}.B",
            "a {}. c",
            "end.{}\n",
            "a.\"{}\" b",
            "a.{}{}a",
        ];
        for c in known {
            for ctx in contexts {
                let text = ctx.replace("{}", &c.to_string());
                assert_eq!(starts(&text), general(&text), "{c:?} in {text:?}");
            }
        }
    }

    #[test]
    fn common_text() {
        for text in [
            "",
            "One two. Three four! Five? six",
            "He said \u{201c}no.\u{201d} Then left.",
            "U.S. Army at 3.5 p.m. today. Next",
            "Line\r\nnext\n\nthird.\r\rfourth",
            "Wait\u{2026} what? Yes \u{2014} no.",
            "Caf\u{e9}. \u{c9}t\u{e9} ici.",
            "Mixed \u{3002} text. With a CJK stop",
        ] {
            assert_eq!(starts(text), general(text), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn same_starts_as_the_general_segmenter(
            picks in proptest::collection::vec(0..ALPHABET.len(), 0..40)
        ) {
            let text: String = picks.iter().map(|&i| ALPHABET[i]).collect();
            prop_assert_eq!(starts(&text), general(&text), "{:?}", text);
        }

        #[test]
        fn same_starts_on_ascii_text(picks in proptest::collection::vec(0u8..128, 0..40)) {
            let text: String = picks.iter().map(|&b| b as char).collect();
            prop_assert_eq!(starts(&text), general(&text), "{:?}", text);
        }
    }

    /// `QUARRY_SENTENCES_FILE=corpus.jsonl cargo test --lib -- --ignored sentences_on_a_corpus`
    #[test]
    #[ignore]
    fn sentences_on_a_corpus() {
        let path = std::env::var("QUARRY_SENTENCES_FILE").unwrap();
        let mut bad = 0;
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = v["text"].as_str().unwrap_or("");
            if starts(t) != general(t) {
                bad += 1;
                if bad < 5 {
                    eprintln!("{t:?}: {:?} vs {:?}", starts(t), general(t));
                }
            }
        }
        assert_eq!(bad, 0);
    }
}
