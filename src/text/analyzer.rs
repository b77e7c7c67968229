//! The one analyzer: UAX #29 words, lowercased, Snowball-stemmed.
//!
//! The index (through a tantivy tokenizer in `index`), query parsing in `query`, and later the
//! codebook rules all call [`Analyzer::analyze`], so a word means the same thing everywhere: a rule
//! and the same search always match the same segments. Sans-IO; never panics on any text.
//! Words longer than [`MAX_WORD_BYTES`] are skipped (they are not words a person searches for,
//! and tantivy refuses huge terms); they take no position.
//!
//! Positions carry the text's punctuation, so that the index and the evaluator see the same
//! breaks: consecutive words differ by one; across a clause break (a comma, colon, semicolon,
//! dash or bracket) by [`CLAUSE_STEP`], so no phrase spans it; across a sentence
//! end (Unicode sentence boundaries, as `suggest --unit sentence` uses: after `.`, `!` or `?`
//! followed by a capital or a line break, and at every line break) by [`SENTENCE_STEP`], more
//! than any NEAR or BEFORE distance, so nothing joins words of two sentences.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;

/// Longest word kept, in bytes.
pub const MAX_WORD_BYTES: usize = 80;

/// The largest distance `NEAR/n` and `BEFORE/n` accept.
pub const MAX_NEAR: u32 = 50;

/// How far apart the positions of two words are across a clause break: a phrase (consecutive
/// positions) never spans one, and NEAR counts it as one word more.
pub const CLAUSE_STEP: u32 = 2;

/// How far apart the positions of two words are across a sentence end: more than
/// [`MAX_NEAR`], so neither NEAR nor BEFORE joins words of two sentences.
pub const SENTENCE_STEP: u32 = MAX_NEAR + 1;

/// How far the position moves from one word to the next, given the text between them
/// (`gap`) and whether a sentence ends there.
fn step(gap: &str, sentence_end: bool) -> u32 {
    if sentence_end {
        return SENTENCE_STEP;
    }
    // Dashes and brackets break wherever they are; the others only when a space or line
    // break goes with them, so that `10:30`, `e-mail` and `3,5` stay one stretch.
    let spaced = gap.chars().any(char::is_whitespace);
    let breaks = gap.chars().any(|c| {
        matches!(c, '–' | '—' | '―' | '(' | ')' | '[' | ']' | '{' | '}')
            || (spaced && matches!(c, ',' | ';' | ':' | '-' | '.' | '!' | '?' | '…'))
    });
    if breaks {
        CLAUSE_STEP
    } else {
        1
    }
}

/// Which stemmer implementation follows the Snowball algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StemmerKind {
    /// frostem: tracks current Snowball (the default; as tantivy 0.27 and PyStemmer).
    Snowball,
    /// rust-stemmers 1.2.0 (Snowball as of 2019; merges university/universe).
    RustStemmers,
}

impl StemmerKind {
    /// Name as stored in the project and accepted by `--stemmer`.
    pub fn as_str(self) -> &'static str {
        match self {
            StemmerKind::Snowball => "snowball",
            StemmerKind::RustStemmers => "rust-stemmers",
        }
    }
    /// Parses `snowball` (alias `frostem`) or `rust-stemmers`.
    pub fn parse(s: &str) -> Option<StemmerKind> {
        match s {
            "snowball" | "frostem" => Some(StemmerKind::Snowball),
            "rust-stemmers" => Some(StemmerKind::RustStemmers),
            _ => None,
        }
    }
}

/// Analyzer settings: a language and a stemmer. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzerConfig {
    /// Snowball language name, lowercase English name (`english`, `german`, ...).
    pub language: String,
    /// Stemmer implementation.
    pub stemmer: StemmerKind,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            language: "english".into(),
            stemmer: StemmerKind::Snowball,
        }
    }
}

enum Stem {
    Frostem(frostem::Stemmer),
    Rs(rust_stemmers::Stemmer),
}

/// One analysed word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the word in the analysed text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Word position (0-based; consecutive words differ by one, more across punctuation: see
    /// the module doc).
    pub position: u32,
    /// Lowercased word.
    pub lower: String,
    /// Its stem.
    pub stem: String,
}

/// Analyzer with a word → stem cache. Not `Sync`: give each thread its own clone.
pub struct Analyzer {
    config: AnalyzerConfig,
    stem: Stem,
    /// Lowercased word -> index of its stem in `stems`.
    cache: FxHashMap<Box<str>, u32>,
    stems: Vec<Box<str>>,
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        // A clone gets a fresh cache: the clone lives on another thread.
        Analyzer::new(&self.config).expect("config was valid when first built")
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("config", &self.config)
            .finish()
    }
}

/// Cache entries kept before the cache is cleared (bounded memory on odd corpora).
const CACHE_LIMIT: usize = 1 << 20;

impl Analyzer {
    /// Builds an analyzer, or says which languages are supported.
    pub fn new(config: &AnalyzerConfig) -> Result<Analyzer, String> {
        let stem = match config.stemmer {
            StemmerKind::Snowball => {
                let alg = frostem::Algorithm::from_name(&config.language)
                    .map_err(|_| format!("unknown stemming language `{}`", config.language))?;
                Stem::Frostem(frostem::Stemmer::new(alg))
            }
            StemmerKind::RustStemmers => Stem::Rs(rust_stemmers::Stemmer::create(rs_algorithm(
                &config.language,
            )?)),
        };
        Ok(Analyzer {
            config: config.clone(),
            stem,
            cache: FxHashMap::default(),
            stems: Vec::new(),
        })
    }

    /// The settings this analyzer was built with.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Stems one already-lowercased word, through the cache.
    pub fn stem_lower(&mut self, lower: &str) -> &str {
        // One lookup for a word seen before (the stem is found by index, so the map's
        // borrow ends before anything is inserted).
        if let Some(&i) = self.cache.get(lower) {
            return &self.stems[i as usize];
        }
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
            self.stems.clear();
        }
        let s: Box<str> = match &self.stem {
            Stem::Frostem(s) => s.stem(lower).into(),
            Stem::Rs(s) => s.stem(lower).into(),
        };
        self.cache.insert(lower.into(), self.stems.len() as u32);
        self.stems.push(s);
        self.stems.last().expect("just pushed")
    }

    /// Calls `f(start, end, position, lower, stem)` for each word of `text`, in order.
    pub fn for_each_word(&mut self, text: &str, mut f: impl FnMut(usize, usize, u32, &str, &str)) {
        let mut positions = Positions::new(text);
        self.for_each_stem(text, |start, end, lower, stem| {
            f(start, end, positions.next(start, end), lower, stem)
        });
    }

    /// Calls `f(start, end, lower, stem)` for each word of `text`, in order: the words of
    /// [`Analyzer::for_each_word`] without their positions (which take finding sentences).
    fn for_each_stem(&mut self, text: &str, mut f: impl FnMut(usize, usize, &str, &str)) {
        let mut lower = String::new();
        for (start, word) in text.unicode_word_indices() {
            if word.len() > MAX_WORD_BYTES {
                continue;
            }
            lowercase_into(word, &mut lower);
            let stem = self.stem_lower(&lower);
            f(start, start + word.len(), &lower, stem);
        }
    }

    /// All words of `text` with offsets, positions, lowercase forms and stems.
    pub fn analyze(&mut self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.analyze_into(text, &mut out);
        out
    }

    /// [`Analyzer::analyze`] into `out`, whose tokens (and their strings) are reused: what a
    /// loop over many texts calls, to allocate only when a text has more words or longer
    /// ones than any before.
    pub fn analyze_into(&mut self, text: &str, out: &mut Vec<Token>) {
        self.words_into(text, out);
        fill_positions(text, out);
    }

    /// [`Analyzer::analyze_into`] but every position left at 0: the words and stems alone,
    /// for a caller that may not need positions. [`fill_positions`] sets them.
    pub fn words_into(&mut self, text: &str, out: &mut Vec<Token>) {
        let mut n = 0;
        self.for_each_stem(text, |start, end, lower, stem| {
            match out.get_mut(n) {
                Some(t) => {
                    (t.start, t.end, t.position) = (start, end, 0);
                    t.lower.clear();
                    t.lower.push_str(lower);
                    t.stem.clear();
                    t.stem.push_str(stem);
                }
                None => out.push(Token {
                    start,
                    end,
                    position: 0,
                    lower: lower.to_string(),
                    stem: stem.to_string(),
                }),
            }
            n += 1;
        });
        out.truncate(n);
    }

    /// The stem of a single query word (lowercased first). A string that holds no word gives
    /// `None`; a string of several words gives the stem of each.
    pub fn stems(&mut self, text: &str) -> Vec<String> {
        self.analyze(text).into_iter().map(|t| t.stem).collect()
    }
}

/// Sets the positions of the words of `text` found by [`Analyzer::words_into`].
pub fn fill_positions(text: &str, toks: &mut [Token]) {
    let mut positions = Positions::new(text);
    for t in toks {
        t.position = positions.next(t.start, t.end);
    }
}

/// Word positions, given each word's offsets in order (see the module doc).
struct Positions<'t> {
    text: &'t str,
    /// Where the sentences start (after the first), in order.
    sentences: std::iter::Peekable<std::iter::Skip<std::vec::IntoIter<usize>>>,
    /// End and position of the previous word.
    last: Option<(usize, u32)>,
}

impl<'t> Positions<'t> {
    fn new(text: &'t str) -> Positions<'t> {
        Positions {
            text,
            sentences: sentence_starts(text).skip(1).peekable(),
            last: None,
        }
    }

    /// The position of the next word, at `start..end`.
    fn next(&mut self, start: usize, end: usize) -> u32 {
        let mut sentence_end = false;
        while let Some(b) = self.sentences.next_if(|&b| b <= start) {
            // A boundary inside the previous word (`end.Next` is one word) ends nothing.
            sentence_end |= self.last.is_none_or(|(end, _)| b >= end);
        }
        let position = match self.last {
            None => 0,
            Some((last, p)) => p.saturating_add(step(&self.text[last..start], sentence_end)),
        };
        self.last = Some((end, position));
        position
    }
}

/// Where the sentences of `text` start (byte offsets, the first at 0): Unicode's sentence
/// boundaries (UAX #29), except that a single line break does not end a sentence: a turn
/// typed over several lines breaks them anywhere ("social\nmedia"); a blank line, or a full
/// stop before the break, still ends one. Index, rules and sentence units use this.
pub fn sentence_starts(text: &str) -> std::vec::IntoIter<usize> {
    super::sentences::starts(&unwrap_lines(text)).into_iter()
}

/// `text` with each line break that is alone (a run of spaces holding one line end, `\n`,
/// `\r\n` or `\r`) turned into spaces: same length, so offsets carry over.
fn unwrap_lines(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut out = text.as_bytes().to_vec();
    let mut i = 0;
    while i < out.len() {
        if !matches!(out[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
            continue;
        }
        let start = i;
        while i < out.len() && matches!(out[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let run = &out[start..i];
        let ends = run.iter().filter(|&&c| c == b'\n').count()
            + run
                .windows(2)
                .filter(|w| w[0] == b'\r' && w[1] != b'\n')
                .count()
            + usize::from(run.last() == Some(&b'\r'));
        if ends == 1 {
            out[start..i].fill(b' ');
        }
    }
    // Only ASCII whitespace became ASCII spaces, so the bytes are still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

/// Lowercases `word` into `buf` (ASCII fast path).
pub fn lowercase_into(word: &str, buf: &mut String) {
    buf.clear();
    if word.is_ascii() {
        buf.push_str(word);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// Lowercased words of `text` (no stemming): what the `exact:` field holds.
pub fn lower_words(text: &str) -> impl Iterator<Item = (usize, Cow<'_, str>)> {
    text.unicode_word_indices()
        .filter(|(_, w)| w.len() <= MAX_WORD_BYTES)
        .map(|(i, w)| {
            if w.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                let mut s = String::new();
                lowercase_into(w, &mut s);
                (i, Cow::Owned(s))
            } else {
                (i, Cow::Borrowed(w))
            }
        })
}

fn rs_algorithm(language: &str) -> Result<rust_stemmers::Algorithm, String> {
    use rust_stemmers::Algorithm as A;
    Ok(match language {
        "arabic" => A::Arabic,
        "danish" => A::Danish,
        "dutch" => A::Dutch,
        "english" | "en" => A::English,
        "finnish" => A::Finnish,
        "french" => A::French,
        "german" => A::German,
        "greek" => A::Greek,
        "hungarian" => A::Hungarian,
        "italian" => A::Italian,
        "norwegian" => A::Norwegian,
        "portuguese" => A::Portuguese,
        "romanian" => A::Romanian,
        "russian" => A::Russian,
        "spanish" => A::Spanish,
        "swedish" => A::Swedish,
        "tamil" => A::Tamil,
        "turkish" => A::Turkish,
        other => return Err(format!("rust-stemmers has no stemmer for `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(kind: StemmerKind, text: &str) -> Vec<String> {
        let mut a = Analyzer::new(&AnalyzerConfig {
            language: "english".into(),
            stemmer: kind,
        })
        .unwrap();
        a.stems(text)
    }

    #[test]
    fn snowball_keeps_apart_words_rust_stemmers_merges() {
        // Pinned: current Snowball (frostem) vs rust-stemmers 1.2.0.
        let s = stems(
            StemmerKind::Snowball,
            "university universe organization added",
        );
        assert_ne!(
            s[0], s[1],
            "current Snowball keeps university and universe apart"
        );
        assert_ne!(s[2], "organ");
        assert_ne!(s[3], "ad");
        let r = stems(
            StemmerKind::RustStemmers,
            "university universe organization added",
        );
        assert_eq!(r, ["univers", "univers", "organ", "ad"]);
    }

    #[test]
    fn words_follow_uax29_and_lowercase() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let toks = a.analyze("Don't stop, U.S. Teachers — café!");
        let lower: Vec<_> = toks.iter().map(|t| t.lower.as_str()).collect();
        assert_eq!(lower, ["don't", "stop", "u.s", "teachers", "café"]);
        let stems: Vec<_> = toks.iter().map(|t| t.stem.as_str()).collect();
        assert_eq!(stems[3], "teacher");
        for t in &toks {
            assert!(t.end > t.start);
        }
        assert_eq!(
            &"Don't stop, U.S. Teachers — café!"[toks[4].start..toks[4].end],
            "café"
        );
        // A comma and a dash step over one position, a sentence end (after "U.S." comes a
        // capital) over more than any NEAR.
        let c = 1 + CLAUSE_STEP;
        assert_eq!(
            toks.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 1, c, c + SENTENCE_STEP, c + SENTENCE_STEP + CLAUSE_STEP]
        );
    }

    #[test]
    fn a_single_line_break_does_not_end_a_sentence() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let positions =
            |a: &mut Analyzer, t: &str| a.analyze(t).iter().map(|t| t.position).collect::<Vec<_>>();
        // A turn typed over several lines: the phrase "social media" holds.
        assert_eq!(
            positions(&mut a, "I use social\nmedia daily"),
            [0, 1, 2, 3, 4]
        );
        assert_eq!(positions(&mut a, "social \r\n media"), [0, 1]);
        // A full stop before the break, or a blank line, still ends the sentence.
        assert_eq!(positions(&mut a, "social.\nMedia"), [0, SENTENCE_STEP]);
        assert_eq!(positions(&mut a, "social\n\nmedia"), [0, SENTENCE_STEP]);
        assert_eq!(positions(&mut a, "social\n \n media"), [0, SENTENCE_STEP]);
        let starts: Vec<usize> = sentence_starts("One\ntwo. Three\n\nfour").collect();
        // "One two. " | "Three\n" | "\n" (each line end of a blank line breaks) | "four".
        assert_eq!(starts, [0, 9, 15, 16]);
    }

    #[test]
    fn words_then_positions_are_the_analysis_and_the_index_words() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let mut toks = Vec::new();
        for text in [
            "Thank you, Chair. Next: the U.S. budget (in 3.5 parts) \u{2014} yes\n\nno",
            "social\nmedia, \u{e9}t\u{e9}! and \u{3002} more",
            "",
        ] {
            a.words_into(text, &mut toks);
            assert!(toks.iter().all(|t| t.position == 0));
            fill_positions(text, &mut toks);
            let mut indexed = Vec::new();
            a.for_each_word(text, |s, e, p, l, st| {
                indexed.push((s, e, p, l.to_string(), st.to_string()))
            });
            let analysed: Vec<_> = toks
                .iter()
                .map(|t| (t.start, t.end, t.position, t.lower.clone(), t.stem.clone()))
                .collect();
            assert_eq!(analysed, indexed, "{text}");
            assert_eq!(a.analyze(text), toks);
        }
    }

    #[test]
    fn long_words_are_skipped_without_a_position() {
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        let toks = a.analyze(&format!("one {long} two"));
        assert_eq!(toks.len(), 2);
        assert_eq!(toks[1].position, 1);
    }

    #[test]
    fn unknown_language_is_an_error() {
        let cfg = AnalyzerConfig {
            language: "klingon".into(),
            stemmer: StemmerKind::Snowball,
        };
        assert!(Analyzer::new(&cfg).is_err());
    }
}
