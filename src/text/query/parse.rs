//! The query language's text to a [`Query`]: a lexer (words, quotes, operators, columns for
//! errors) and a recursive-descent parser with a nesting limit.

use super::*;

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Minus,
    /// NEAR/n (false) or BEFORE/n (true).
    Near(u32, bool),
    /// A bare word (may hold `field:` and a trailing `*`).
    Word(String),
    /// A quoted string; `field` set when written as `field:"..."`.
    Quoted(Option<String>, String),
}

fn err(column: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column,
        message: message.into(),
    }
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((col, Tok::LParen));
            i += 1;
        } else if c == ')' {
            out.push((col, Tok::RParen));
            i += 1;
        } else if c == '"' || c == '“' || c == '”' {
            let (s, next) = quoted(&chars, i)?;
            out.push((col, Tok::Quoted(None, s)));
            i = next;
        } else if chars[i..].starts_with(&['d', 'a', 't', 'e', ':', '[']) {
            // `date:[A TO B]` holds spaces: one word up to its `]`.
            let close = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or_else(|| err(col, "this `date:[` is never closed with `]`"))?;
            out.push((col, Tok::Word(chars[i..=i + close].iter().collect())));
            i += close + 1;
        } else if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            out.push((col, Tok::Minus));
            i += 1;
        } else {
            let start = i;
            let mut word = String::new();
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '"' | '“' | '”')
            {
                word.push(chars[i]);
                i += 1;
            }
            if word.ends_with(':') && i < chars.len() && matches!(chars[i], '"' | '“' | '”') {
                let (s, next) = quoted(&chars, i)?;
                word.pop();
                out.push((col, Tok::Quoted(Some(word), s)));
                i = next;
                continue;
            }
            let tok = match word.as_str() {
                "AND" | "&&" => Tok::And,
                "OR" | "||" => Tok::Or,
                "NOT" => Tok::Not,
                "NEAR" => Tok::Near(DEFAULT_NEAR, false),
                "BEFORE" => Tok::Near(DEFAULT_NEAR, true),
                w if w.starts_with("NEAR/") || w.starts_with("BEFORE/") => {
                    let (op, num) = w.split_once('/').expect("has a slash");
                    let n: u32 = num.parse().map_err(|_| {
                        err(
                            start + 1,
                            format!("`{w}`: {op}/ needs a number of words, as in {op}/5"),
                        )
                    })?;
                    if n == 0 {
                        return Err(err(
                            start + 1,
                            format!("{op}/0 can never match; use {op}/1 or more"),
                        ));
                    }
                    if n > MAX_NEAR {
                        return Err(err(
                            start + 1,
                            format!("{op}/{n}: at most {op}/{MAX_NEAR} (NEAR and BEFORE stay within a sentence)"),
                        ));
                    }
                    Tok::Near(n, op == "BEFORE")
                }
                _ => Tok::Word(word),
            };
            out.push((col, tok));
        }
    }
    Ok(out)
}

/// The top-level alternatives of a query as written: the texts between the ORs that are not
/// inside brackets, trimmed (`a OR (b OR c) d` gives `a` and `(b OR c) d`). Joining them with
/// ` OR ` means what the query means.
pub fn alternatives(input: &str) -> Result<Vec<String>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut depth = 0usize;
    let mut cuts = Vec::new(); // (start, end) of each top-level OR, in chars
    for (col, tok) in lex(input)? {
        match tok {
            Tok::LParen => depth += 1,
            Tok::RParen => depth = depth.saturating_sub(1),
            Tok::Or if depth == 0 => cuts.push((col - 1, col + 1)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut from = 0;
    for (a, b) in cuts.into_iter().chain([(chars.len(), chars.len())]) {
        out.push(chars[from..a].iter().collect::<String>().trim().to_string());
        from = b;
    }
    Ok(out)
}

fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let mut s = String::new();
    let mut i = open + 1;
    while i < chars.len() {
        if matches!(chars[i], '"' | '“' | '”') {
            return Ok((s, i + 1));
        }
        s.push(chars[i]);
        i += 1;
    }
    Err(err(open + 1, "this quote is never closed"))
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end_col: usize,
    analyzer: &'a mut Analyzer,
    /// Parsing a codebook rule: field filters are refused.
    rule: bool,
    /// Brackets and NOTs open around the current position.
    depth: usize,
}

/// The deepest nesting of brackets and NOTs a query may have: deeper ones would exhaust the
/// stack of the recursive parser and evaluator, and no person writes them.
pub const MAX_NESTING: usize = 100;

/// Parses a query, analysing its words with `analyzer`.
pub fn parse(input: &str, analyzer: &mut Analyzer) -> Result<Query, QueryError> {
    parse_with(input, analyzer, false)
}

/// Parses a codebook rule: the query language about words only (no field filters), plus
/// references to other codes (`@tdf.goals`), left as [`Query::Ref`] for the codebook.
pub fn parse_rule(input: &str, analyzer: &mut Analyzer) -> Result<Query, QueryError> {
    parse_with(input, analyzer, true)
}

fn parse_with(input: &str, analyzer: &mut Analyzer, rule: bool) -> Result<Query, QueryError> {
    let toks = lex(input)?;
    let end_col = input.chars().count() + 1;
    if toks.is_empty() {
        return Err(err(1, "the query is empty"));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end_col,
        analyzer,
        rule,
        depth: 0,
    };
    let q = p.or()?;
    if let Some((col, t)) = p.toks.get(p.pos) {
        let what = if *t == Tok::RParen {
            "this `)` has no matching `(`".to_string()
        } else {
            format!("unexpected {}", describe(t))
        };
        return Err(err(*col, what));
    }
    Ok(q)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::And => "AND".into(),
        Tok::Or => "OR".into(),
        Tok::Not => "NOT".into(),
        Tok::Minus => "`-`".into(),
        Tok::Near(n, false) => format!("NEAR/{n}"),
        Tok::Near(n, true) => format!("BEFORE/{n}"),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Quoted(_, s) => format!("\"{s}\""),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(c, _)| *c)
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    parts.push(self.unary()?);
                }
                None | Some(Tok::Or) | Some(Tok::RParen) => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Query::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                let col = self.col();
                self.pos += 1;
                self.deeper(col)?;
                let q = Query::Not(Box::new(self.unary()?));
                self.depth -= 1;
                Ok(q)
            }
            _ => self.near(),
        }
    }

    /// Enters one more level of brackets or NOTs, refusing more than [`MAX_NESTING`].
    fn deeper(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err(
                col,
                format!("brackets and NOTs are nested more than {MAX_NESTING} deep here"),
            ));
        }
        Ok(())
    }

    fn near(&mut self) -> Result<Query, QueryError> {
        let left_col = self.col();
        let left = self.primary()?;
        if let Some(&Tok::Near(n, ordered)) = self.peek() {
            self.pos += 1;
            let right_col = self.col();
            let right = self.primary()?;
            let a = Box::new(side(left, left_col)?);
            let b = Box::new(side(right, right_col)?);
            if let Some(Tok::Near(..)) = self.peek() {
                return Err(err(
                    self.col(),
                    "NEAR and BEFORE join two terms; combine several with AND",
                ));
            }
            return Ok(if ordered {
                Query::Before(a, b, n)
            } else {
                Query::Near(a, b, n)
            });
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        let col = self.col();
        let Some((_, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(err(col, "the query ends where a word was expected"));
        };
        self.pos += 1;
        match tok {
            Tok::LParen => {
                self.deeper(col)?;
                let q = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(err(col, "this `(` is never closed"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(q)
            }
            Tok::Quoted(None, s) => self.phrase(&s, col),
            Tok::Quoted(Some(field), s) => self.field(&field, &s, col),
            Tok::Word(w) => self.word(&w, col),
            other => Err(err(
                col,
                format!("expected a word, found {}", describe(&other)),
            )),
        }
    }

    fn phrase(&mut self, s: &str, col: usize) -> Result<Query, QueryError> {
        let stems = phrase_stems(self.analyzer, s).map_err(|m| err(col, m))?;
        match stems.len() {
            0 => Err(err(col, "this phrase holds no word")),
            1 => Ok(Query::Term(stems.into_iter().next().expect("one stem"))),
            _ => Ok(Query::Phrase(stems)),
        }
    }

    fn word(&mut self, w: &str, col: usize) -> Result<Query, QueryError> {
        // `@tdf.goals`: a code (in rules always; in a search when it has a dot, so that
        // `@drsmith` still searches the word).
        if let Some(id) = w.strip_prefix('@') {
            if (self.rule || id.contains('.'))
                && !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return Ok(Query::Ref(id.to_lowercase()));
            }
        }
        if let Some((field, value)) = w.split_once(':') {
            if is_field(field) {
                return self.field(field, value, col);
            }
        }
        if let Some(prefix) = w.strip_suffix('*') {
            let words: Vec<_> = crate::text::analyzer::lower_words(prefix).collect();
            return match words.as_slice() {
                [(_, p)] if p.chars().count() >= 2 => Ok(Query::Prefix(p.to_string())),
                [(_, _)] => Err(err(col, "a prefix needs at least two letters before `*`")),
                _ => Err(err(col, format!("`{w}`: `*` ends a single word"))),
            };
        }
        let stems = phrase_stems(self.analyzer, w).map_err(|m| err(col, m))?;
        match stems.len() {
            0 => Err(err(col, format!("`{w}` holds no word to search for"))),
            1 => Ok(Query::Term(stems.into_iter().next().expect("one stem"))),
            // `e-mail`, `10:30`: several words written together mean the phrase.
            _ => Ok(Query::Phrase(stems)),
        }
    }

    fn field(&mut self, field: &str, value: &str, col: usize) -> Result<Query, QueryError> {
        let value = value.trim();
        if self.rule && field != "exact" {
            return Err(err(
                col,
                format!("`{field}:`: rules cannot filter by speaker, document or post; they are about words (the scope says whose turns they read)"),
            ));
        }
        if value.is_empty() {
            return Err(err(col, format!("`{field}:` needs a value")));
        }
        let lower = value.to_lowercase();
        let filter = match field {
            "exact" => {
                let words: Vec<_> = crate::text::analyzer::lower_words(value).collect();
                return match words.as_slice() {
                    [(_, w)] => Ok(Query::Exact(w.to_string())),
                    _ => Err(err(col, "`exact:` takes one word")),
                };
            }
            "speaker" => FieldFilter::Speaker(lower),
            "doc" => FieldFilter::Doc(lower),
            "author" => FieldFilter::Author(lower),
            "hashtag" | "tag" => {
                let tag = lower.trim_start_matches('#');
                if tag.is_empty() {
                    return Err(err(col, "`hashtag:` needs a tag, as in hashtag:meded"));
                }
                return Ok(Query::Post(PostFilter::Hashtag(tag.to_string())));
            }
            "platform" => {
                let Some(p) = Platform::parse(&lower) else {
                    return Err(err(
                        col,
                        format!("platform:{value}: expected x, mastodon, reddit or other"),
                    ));
                };
                return Ok(Query::Post(PostFilter::Platform(p.as_str().to_string())));
            }
            "is" => {
                if !matches!(
                    lower.as_str(),
                    "post" | "original" | "repost" | "reply" | "quote" | "duplicate"
                ) {
                    return Err(err(
                        col,
                        format!("is:{value}: expected is:original, is:repost, is:reply, is:quote, is:duplicate or is:post"),
                    ));
                }
                return Ok(Query::Post(PostFilter::Is(lower)));
            }
            "date" => {
                let (from, to) = date_range(value).map_err(|m| err(col, m))?;
                return Ok(Query::Post(PostFilter::Date { from, to }));
            }
            "role" => {
                if !matches!(lower.as_str(), "interviewer" | "participant" | "none") {
                    return Err(err(
                        col,
                        format!("role:{value}: expected role:interviewer, role:participant or role:none"),
                    ));
                }
                FieldFilter::Role(lower)
            }
            f => match f.strip_prefix("attr.") {
                Some(name) if !name.is_empty() => FieldFilter::Attr {
                    name: name.to_lowercase(),
                    value: lower,
                },
                _ => return Err(err(col, format!("unknown field `{f}:`"))),
            },
        };
        Ok(Query::Field(filter, Resolved::default()))
    }
}

fn is_field(f: &str) -> bool {
    matches!(
        f,
        "speaker"
            | "role"
            | "doc"
            | "exact"
            | "author"
            | "hashtag"
            | "tag"
            | "platform"
            | "is"
            | "date"
    ) || f.starts_with("attr.")
}

/// `[A TO B]` (either end `*`), or one day, month or year: the seconds it spans, inclusive.
fn date_range(v: &str) -> Result<(i64, i64), String> {
    let bad = || {
        format!(
            "date:{v}: expected a date (2022-03-01), a month (2022-03), a year (2022) or a range [2022-01-01 TO 2022-06-30]"
        )
    };
    if let Some(inner) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let (a, b) = inner.split_once(" TO ").ok_or_else(bad)?;
        let from = match a.trim() {
            "*" => i64::MIN,
            a => span(a).ok_or_else(bad)?.0,
        };
        let to = match b.trim() {
            "*" => i64::MAX,
            b => span(b).ok_or_else(bad)?.1,
        };
        if from > to {
            return Err(format!("date:{v}: the range ends before it starts"));
        }
        return Ok((from, to));
    }
    span(v).ok_or_else(bad)
}

/// The first and last second of a year, month, day or exact time.
fn span(v: &str) -> Option<(i64, i64)> {
    use crate::text::time::parse_time;
    let parts: Vec<&str> = v.split('-').collect();
    let all_digits = |s: &&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] if y.len() == 4 && all_digits(y) => {
            let y: i64 = y.parse().ok()?;
            Some((
                parse_time(&format!("{y}-01-01"))?,
                parse_time(&format!("{}-01-01", y + 1))? - 1,
            ))
        }
        [y, m] if y.len() == 4 && all_digits(y) && all_digits(m) => {
            let (y, m): (i64, u32) = (y.parse().ok()?, m.parse().ok()?);
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some((
                parse_time(&format!("{y}-{m:02}-01"))?,
                parse_time(&format!("{ny}-{nm:02}-01"))? - 1,
            ))
        }
        _ if v.len() == 10 => {
            let start = parse_time(v)?;
            Some((start, start + 86_399))
        }
        _ => parse_time(v).map(|t| (t, t)),
    }
}

/// A side of NEAR or BEFORE: a word, `exact:` word, prefix, phrase, or a bracketed OR of
/// those; anything else is refused at `col`, where it starts.
fn side(q: Query, col: usize) -> Result<Query, QueryError> {
    fn what(q: &Query) -> Option<&'static str> {
        match q {
            Query::Term(_) | Query::Exact(_) | Query::Prefix(_) | Query::Phrase(_) => None,
            Query::Or(qs) => qs.iter().find_map(what),
            Query::And(_) => Some("terms joined by AND (write two NEARs and AND them)"),
            Query::Not(_) => Some("a NOT"),
            Query::Near(..) | Query::Before(..) => Some("another NEAR or BEFORE"),
            Query::Ref(_) | Query::Masked(..) => Some("a code reference"),
            Query::Field(..) | Query::Post(_) => Some("a field filter"),
        }
    }
    match what(&q) {
        None => Ok(q),
        Some(w) => Err(err(
            col,
            format!("NEAR and BEFORE join words, prefixes, exact: words, phrases or bracketed OR-groups of them, not {w}"),
        )),
    }
}

/// The stems of a phrase, refused when its words are not consecutive: punctuation between
/// them that no phrase matches across (see `analyzer`).
pub fn phrase_stems(analyzer: &mut Analyzer, text: &str) -> Result<Vec<String>, String> {
    let toks = analyzer.analyze(text);
    if toks.windows(2).any(|w| w[1].position != w[0].position + 1) {
        return Err(format!(
            "`{text}`: a phrase never matches across a comma, colon, semicolon, dash, bracket or sentence end; drop the punctuation, or join the parts with NEAR"
        ));
    }
    Ok(toks.into_iter().map(|t| t.stem).collect())
}
