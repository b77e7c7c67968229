//! Codebooks: a tree of codes tied to a framework, each with keyword rules written in the
//! query language.
//!
//! A codebook is a TOML file (`[codebook]` header and `[[code]]` tables; see
//! `data/codebooks/` and README.md). Rules are parsed by [`crate::text::query`] with the project's
//! analyzer, so a rule means exactly what the same search means. A code's parent is the code
//! whose id is its id without the last dotted part. References (`@tdf.goals`) are replaced by
//! the referenced code's rules. Errors name the file, line and column.

pub mod guid;

pub use crate::error::CodebookError;
use crate::text::analyzer::{Analyzer, AnalyzerConfig};
use crate::text::query::{self, Query};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The codebooks compiled into quarry: (name, TOML text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("tdf", include_str!("../../data/codebooks/tdf.toml")),
    ("kta", include_str!("../../data/codebooks/kta.toml")),
    (
        "sm-uptake",
        include_str!("../../data/codebooks/sm-uptake.toml"),
    ),
];

/// What `quarry codebook new NAME` writes (`NAME` replaced).
pub const TEMPLATE: &str = r##"# A quarry codebook. Rules use the search syntax (see README.md, "Query syntax"); a code
# matches a segment when one of its rules, or one of the rules of a code below it, matches.
[codebook]
id = "NAME"
name = "NAME codebook"
version = "0.1"
language = "english"        # the Snowball language of the rules
source = ""                 # the framework's citation
description = ""
# Phrases whose words never count as evidence (interview fillers).
mask = ["you know", "I mean", "kind of", "sort of"]

[[code]]
id = "NAME.example_domain"  # stable: change the name, keep the id
name = "Example domain"
definition = "What the code means."
include = "When to apply it."
exclude = "What looks like it but is coded elsewhere."
colour = "#1f77b4"
rules = [
  "\"evidence base\"",                  # a phrase (stemmed, consecutive words)
  "guideline NEAR/5 follow",              # two words at most 5 apart, either order
]

[[code]]
id = "NAME.example_domain.example_construct"   # a child: the parent's id and one more part
name = "Example construct"
definition = "A narrower idea within the domain."
rules = ["confident BEFORE/4 teach", "exact:guidelines -\"clinical guidelines\""]
"##;

/// A loaded codebook.
#[derive(Debug, Clone)]
pub struct Codebook {
    /// Short id (`tdf`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// Version of the codebook file.
    pub version: String,
    /// Snowball language of its rules.
    pub language: String,
    /// Citation of the framework.
    pub source: String,
    /// What it is for.
    pub description: String,
    /// Phrases whose words never count as evidence, for every code.
    pub mask: Vec<String>,
    /// Codes, parents before children.
    pub codes: Vec<Code>,
    /// Where it came from.
    pub origin: PathBuf,
}

/// One code of a codebook.
#[derive(Debug, Clone)]
pub struct Code {
    /// Stable id (`tdf.knowledge.procedural_knowledge`).
    pub id: String,
    /// Name.
    pub name: String,
    /// What it means.
    pub definition: String,
    /// When to apply it.
    pub include: String,
    /// When not to.
    pub exclude: String,
    /// Colour, `#rrggbb`.
    pub colour: Option<String>,
    /// The GUID another tool gave it (REFI-QDA import), kept so exports name the same code;
    /// None for quarry's own codes, whose GUIDs are made from their ids.
    pub guid: Option<String>,
    /// Index of the parent code in [`Codebook::codes`].
    pub parent: Option<usize>,
    /// Depth: 1 for a top-level code.
    pub depth: usize,
    /// Its rules.
    pub rules: Vec<Rule>,
    /// Phrases masked for this code only.
    pub mask: Vec<String>,
    /// Whose segments its rules read.
    pub scope: Scope,
    /// Every mask that applies to its rules (the codebook's, its own, its ancestors'), as
    /// stems.
    pub masks: Vec<Vec<String>>,
}

impl Code {
    /// Its REFI-QDA GUID: the one it was imported with, else UUIDv5 of its id.
    pub fn refi_guid(&self) -> String {
        self.guid
            .clone()
            .unwrap_or_else(|| guid::code_guid(&self.id))
    }
}

/// Whose segments a code's rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Everything but interviewers' turns, reposts and duplicates (the default: questions
    /// often repeat the framework's words, and a repost is someone else's post).
    #[default]
    Participants,
    /// Every segment.
    All,
}

/// A rule: its text as written and the query it means (references expanded).
#[derive(Debug, Clone)]
pub struct Rule {
    /// As written.
    pub text: String,
    /// What it matches: parsed, `@code` references replaced by those codes' rules, masks
    /// and scope applied.
    pub query: Query,
    /// Parsed and references replaced, without masks and scope.
    pub bare: Query,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    codebook: Header,
    #[serde(default)]
    code: Vec<CodeEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default = "english")]
    language: Spanned<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    mask: Vec<Spanned<String>>,
}

fn english() -> Spanned<String> {
    Spanned::new(0..0, "english".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeEntry {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    include: String,
    #[serde(default)]
    exclude: String,
    #[serde(default)]
    colour: Option<Spanned<String>>,
    #[serde(default)]
    guid: Option<Spanned<String>>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    mask: Vec<Spanned<String>>,
    /// Inherited from the parent when not given.
    #[serde(default)]
    scope: Option<Scope>,
}

/// Loads a codebook by built-in name (`tdf`, `kta`, `sm-uptake`) or from a TOML file.
pub fn load(name_or_path: &str) -> Result<Codebook, CodebookError> {
    let (text, origin) = source(name_or_path)?;
    parse(&text, &origin)
}

/// The TOML text of a codebook named as [`load`] takes it, with the origin errors name
/// (`built-in:NAME` or the file). A built-in name is found whatever its case, unless a file
/// of that spelling exists.
pub fn source(name_or_path: &str) -> Result<(String, PathBuf), CodebookError> {
    let built_in = |exact: bool| {
        BUILT_IN.iter().find(|(n, _)| {
            if exact {
                *n == name_or_path
            } else {
                n.eq_ignore_ascii_case(name_or_path.trim())
            }
        })
    };
    if let Some((name, text)) = built_in(true) {
        return Ok((text.to_string(), PathBuf::from(format!("built-in:{name}"))));
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        if let Some((name, text)) = built_in(false) {
            return Ok((text.to_string(), PathBuf::from(format!("built-in:{name}"))));
        }
        return Err(CodebookError {
            path: path.into(),
            line: 0,
            column: 0,
            message: format!(
                "no codebook `{name_or_path}`: no such file, and no built-in codebook of \
                 that name (built in: {}); give the path of a codebook's TOML file",
                built_in_names().join(", ")
            ),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| CodebookError {
        path: path.into(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    Ok((text, path.to_path_buf()))
}

/// The names of the built-in codebooks.
pub fn built_in_names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(n, _)| *n).collect()
}

impl CodebookError {
    /// Whether no codebook of the name was found (neither built in nor a file).
    pub fn not_found(&self) -> bool {
        self.line == 0
    }
}

/// Where a codebook came from, as recorded in a project: `built-in:NAME` or the file's
/// absolute path.
pub fn origin_of(cb: &Codebook) -> String {
    let o = cb.origin.to_string_lossy();
    if o.starts_with("built-in:") {
        o.into_owned()
    } else {
        std::fs::canonicalize(&cb.origin)
            .unwrap_or_else(|_| cb.origin.clone())
            .to_string_lossy()
            .into_owned()
    }
}

/// Loads a codebook again from what [`origin_of`] recorded.
pub fn load_origin(origin: &str) -> Result<Codebook, CodebookError> {
    load(origin.strip_prefix("built-in:").unwrap_or(origin))
}

/// Parses codebook TOML; `origin` names it in errors.
pub fn parse(text: &str, origin: &Path) -> Result<Codebook, CodebookError> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        CodebookError {
            path: origin.into(),
            line,
            column,
            message,
        }
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(offset, e.message().trim().to_string())
    })?;
    let h = file.codebook;
    let language = h.language.get_ref().to_lowercase();
    let mut analyzer = Analyzer::new(&AnalyzerConfig {
        language: language.clone(),
        ..AnalyzerConfig::default()
    })
    .map_err(|e| at(h.language.span().start, e))?;
    if !valid_id(h.id.get_ref()) {
        return Err(at(
            h.id.span().start,
            format!(
                "`{}`: an id is lowercase letters, digits, `_`, `-` and `.`",
                h.id.get_ref()
            ),
        ));
    }
    let mut codes: Vec<Code> = Vec::with_capacity(file.code.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    // Rules are parsed once every code is known, so references can point forward.
    let mut raw_rules: Vec<Vec<Spanned<String>>> = Vec::new();
    let mut raw_masks: Vec<Vec<Spanned<String>>> = Vec::new();
    for c in file.code {
        let id = c.id.get_ref().clone();
        if !valid_id(&id) {
            return Err(at(
                c.id.span().start,
                format!("`{id}`: an id is lowercase letters, digits, `_`, `-` and `.`"),
            ));
        }
        if index.contains_key(&id) {
            return Err(at(c.id.span().start, format!("duplicate code id `{id}`")));
        }
        let parent = id.rsplit_once('.').and_then(|(p, _)| index.get(p).copied());
        if let Some((p, _)) = id.rsplit_once('.') {
            if parent.is_none() && p != h.id.get_ref() && p.contains('.') {
                return Err(at(
                    c.id.span().start,
                    format!("`{id}`: its parent `{p}` is not defined above it"),
                ));
            }
        }
        check_colour_and_guid(&c, &at)?;
        let depth = parent.map_or(1, |p| codes[p].depth + 1);
        let scope = c
            .scope
            .or(parent.map(|p| codes[p].scope))
            .unwrap_or_default();
        index.insert(id.clone(), codes.len());
        codes.push(Code {
            id,
            name: c.name,
            definition: c.definition,
            include: c.include,
            exclude: c.exclude,
            colour: c.colour.map(Spanned::into_inner),
            guid: c.guid.map(|g| g.into_inner().to_ascii_lowercase()),
            parent,
            depth,
            rules: Vec::new(),
            mask: c.mask.iter().map(|m| m.get_ref().clone()).collect(),
            scope,
            masks: Vec::new(),
        });
        raw_rules.push(c.rules);
        raw_masks.push(c.mask);
    }
    // Parse every rule.
    let mut parsed: Vec<Vec<(String, Query, usize)>> = Vec::with_capacity(codes.len());
    for rules in &raw_rules {
        let mut out = Vec::new();
        for r in rules {
            // The span covers the quoted string; the rule's columns start after the quote.
            let start = r.span().start + 1;
            let q = query::parse_rule(r.get_ref(), &mut analyzer).map_err(|e| {
                at(
                    start + char_to_byte(r.get_ref(), e.column.saturating_sub(1)),
                    e.message,
                )
            })?;
            out.push((r.get_ref().clone(), q, r.span().start));
        }
        parsed.push(out);
    }
    // Masks, as stems: the codebook's, then each code's own and its ancestors'.
    let stems = |phrases: &[Spanned<String>], analyzer: &mut Analyzer| {
        phrases
            .iter()
            .map(|m| {
                let s = crate::text::query::phrase_stems(analyzer, m.get_ref())
                    .map_err(|e| at(m.span().start, format!("mask {e}")))?;
                if s.is_empty() {
                    Err(at(
                        m.span().start,
                        format!("mask `{}` holds no word", m.get_ref()),
                    ))
                } else {
                    Ok(s)
                }
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let book_masks = stems(&h.mask, &mut analyzer)?;
    let mut own_masks = Vec::with_capacity(codes.len());
    for m in &raw_masks {
        own_masks.push(stems(m, &mut analyzer)?);
    }
    // Expand references (`@id`), refusing unknown ids and cycles; then apply the masks.
    expand_rules(&mut codes, &parsed, &index, &book_masks, &own_masks, &at)?;
    Ok(Codebook {
        id: h.id.into_inner(),
        name: h.name,
        version: h.version,
        language,
        source: h.source,
        description: h.description,
        mask: h.mask.into_iter().map(Spanned::into_inner).collect(),
        codes,
        origin: origin.into(),
    })
}

/// A code's `colour` (`#rrggbb`) and `guid` (8-4-4-4-12 hex digits), if given.
fn check_colour_and_guid(
    c: &CodeEntry,
    at: &impl Fn(usize, String) -> CodebookError,
) -> Result<(), CodebookError> {
    if let Some(col) = &c.colour {
        let v = col.get_ref();
        if !(v.len() == 7 && v.starts_with('#') && v[1..].bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(at(
                col.span().start,
                format!("colour `{v}`: expected #rrggbb"),
            ));
        }
    }
    if let Some(g) = &c.guid {
        if !guid::is_guid(g.get_ref()) {
            return Err(at(
                g.span().start,
                format!("guid `{}`: expected 8-4-4-4-12 hex digits", g.get_ref()),
            ));
        }
    }
    Ok(())
}

/// Each code's rules with their references (`@id`) expanded, unknown ids, cycles and rules
/// nesting too deep refused, and the masks (the codebook's, the code's and its ancestors')
/// applied.
fn expand_rules(
    codes: &mut [Code],
    parsed: &[Vec<(String, Query, usize)>],
    index: &HashMap<String, usize>,
    book_masks: &[Vec<String>],
    own_masks: &[Vec<Vec<String>>],
    at: &impl Fn(usize, String) -> CodebookError,
) -> Result<(), CodebookError> {
    for (ci, rules) in parsed.iter().enumerate() {
        let mut masks = book_masks.to_vec();
        let mut a = Some(ci);
        while let Some(k) = a {
            masks.extend(own_masks[k].iter().cloned());
            a = codes[k].parent;
        }
        codes[ci].masks = masks;
        for (text, q, offset) in rules {
            let mut q = q.clone();
            let mut stack = vec![codes[ci].id.clone()];
            let mut budget = MAX_EXPANDED;
            expand(&mut q, parsed, index, &mut stack, &mut budget).map_err(|m| at(*offset, m))?;
            // Each reference adds its rules' nesting to this one's: keep the whole within
            // what a worker thread's stack evaluates safely.
            if q.depth() > 2 * query::MAX_NESTING {
                return Err(at(
                    *offset,
                    format!(
                        "through its references this rule nests more than {} deep",
                        2 * query::MAX_NESTING
                    ),
                ));
            }
            let full = wrap(q.clone(), &codes[ci].masks, codes[ci].scope);
            codes[ci].rules.push(Rule {
                text: text.clone(),
                query: full,
                bare: q,
            });
        }
    }
    Ok(())
}

/// The most parts (query nodes) a rule may grow to through its `@references`: a codebook
/// whose references branch and meet again would otherwise grow without bound.
const MAX_EXPANDED: usize = 100_000;

/// The deepest chain of references (`@a` whose rules say `@b` whose rules say ...).
const MAX_REFERENCE_DEPTH: usize = 32;

/// Replaces `@id` references in `q` with the referenced code's rules (OR-ed), recursively.
fn expand(
    q: &mut Query,
    parsed: &[Vec<(String, Query, usize)>],
    index: &HashMap<String, usize>,
    stack: &mut Vec<String>,
    budget: &mut usize,
) -> Result<(), String> {
    let mut failure = None;
    q.resolve_refs(&mut |id| {
        if failure.is_some() {
            return None;
        }
        let Some(&ci) = index.get(id) else {
            failure = Some(format!("`@{id}`: no code with this id"));
            return None;
        };
        if stack.iter().any(|s| s == id) {
            failure = Some(format!(
                "`@{id}`: references go round in a circle ({} → {id})",
                stack.join(" → ")
            ));
            return None;
        }
        if stack.len() > MAX_REFERENCE_DEPTH {
            failure = Some(format!(
                "`@{id}`: references are chained more than {MAX_REFERENCE_DEPTH} deep"
            ));
            return None;
        }
        stack.push(id.to_string());
        let mut alternatives = Vec::new();
        for (_, rq, _) in &parsed[ci] {
            let mut rq = rq.clone();
            if let Err(e) = expand(&mut rq, parsed, index, stack, budget) {
                failure = Some(e);
                break;
            }
            let n = rq.size();
            if n > *budget {
                failure = Some(format!(
                    "`@{id}`: through its references this rule grows past {MAX_EXPANDED} parts"
                ));
                break;
            }
            *budget -= n;
            alternatives.push(rq);
        }
        stack.pop();
        Some(match alternatives.len() {
            1 => alternatives.pop().expect("one"),
            // A code without rules matches nothing: an empty OR.
            _ => Query::Or(alternatives),
        })
    });
    match failure {
        Some(m) => Err(m),
        None => Ok(()),
    }
}

/// Rules sharing masks and scope: (masks, scope, rules).
type RuleGroup<'a> = (&'a [Vec<String>], Scope, Vec<Query>);

/// A query with masks and scope applied.
fn wrap(q: Query, masks: &[Vec<String>], scope: Scope) -> Query {
    let q = if masks.is_empty() {
        q
    } else {
        Query::Masked(Box::new(q), masks.to_vec())
    };
    match scope {
        Scope::Participants => Query::And(vec![q, participants_scope()]),
        Scope::All => q,
    }
}

/// The default scope as a query: not an interviewer's turn, not a repost, not a duplicate.
/// Its field filter is resolved against a project before use.
fn participants_scope() -> Query {
    widened_scope(Widen::default()).expect("the default scope excludes something")
}

/// What a run may read beyond a code's default scope (`suggest --include-interviewer`,
/// `--include-reposts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Widen {
    /// Interviewers' turns too.
    pub interviewer: bool,
    /// Reposts and duplicates too.
    pub reposts: bool,
}

/// The participants scope less what `w` widens; None when nothing is left out.
fn widened_scope(w: Widen) -> Option<Query> {
    use crate::text::query::{FieldFilter, PostFilter, Resolved};
    let mut parts = Vec::new();
    if !w.interviewer {
        parts.push(Query::Not(Box::new(Query::Field(
            FieldFilter::Role("interviewer".into()),
            Resolved::default(),
        ))));
    }
    if !w.reposts {
        parts.push(Query::Not(Box::new(Query::Post(PostFilter::Is(
            "repost".into(),
        )))));
        parts.push(Query::Not(Box::new(Query::Post(PostFilter::Is(
            "duplicate".into(),
        )))));
    }
    (!parts.is_empty()).then(|| Query::And(parts))
}

/// Whether `id` is a valid codebook or code id.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && !id.ends_with('.')
        && !id.contains("..")
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Byte length of the first `n` characters of `s`.
fn char_to_byte(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

impl Codebook {
    /// A rule's query with its code's masks, and its scope widened by `w`.
    pub fn rule_query(&self, code: usize, rule: usize, w: Widen) -> Query {
        let c = &self.codes[code];
        let q = c.rules[rule].bare.clone();
        let q = if c.masks.is_empty() {
            q
        } else {
            Query::Masked(Box::new(q), c.masks.clone())
        };
        match (c.scope, widened_scope(w)) {
            (Scope::Participants, Some(scope)) => Query::And(vec![q, scope]),
            _ => q,
        }
    }

    /// Whose segments a run widened by `w` reads for any code: None when it reads every
    /// segment, else the scope as a query (field filters unresolved).
    pub fn scope_query(&self, w: Widen) -> Option<Query> {
        if self.codes.iter().any(|c| c.scope == Scope::All) {
            return None;
        }
        widened_scope(w)
    }

    /// [`Codebook::rule_query`] in two parts, for running many rules on one segment: the
    /// query without its masks, and the masks (empty: none). Masks are the same for every
    /// rule of a code, so a caller can find masked words once per segment and mask set.
    pub fn rule_parts(&self, code: usize, rule: usize, w: Widen) -> (Query, &[Vec<String>]) {
        let c = &self.codes[code];
        let q = c.rules[rule].bare.clone();
        let q = match (c.scope, widened_scope(w)) {
            (Scope::Participants, Some(scope)) => Query::And(vec![q, scope]),
            _ => q,
        };
        (q, &c.masks)
    }

    /// The code with this id.
    pub fn code(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// Indexes of a code and all its descendants.
    pub fn subtree(&self, i: usize) -> Vec<usize> {
        let mut out = vec![i];
        let mut k = 0;
        while k < out.len() {
            let p = out[k];
            out.extend(
                self.codes
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.parent == Some(p))
                    .map(|(j, _)| j),
            );
            k += 1;
        }
        out
    }

    /// What a code matches as one query: its own rules and its descendants', OR-ed (a domain
    /// matches wherever one of its constructs does). None when the subtree has no rules.
    pub fn code_query(&self, i: usize) -> Option<Query> {
        // Rules that share masks and scope are wrapped once, so masks are found once per
        // segment, not once per rule.
        let mut groups: Vec<RuleGroup<'_>> = Vec::new();
        for j in self.subtree(i) {
            let c = &self.codes[j];
            for r in &c.rules {
                match groups
                    .iter_mut()
                    .find(|(m, s, _)| *m == c.masks.as_slice() && *s == c.scope)
                {
                    Some(g) => g.2.push(r.bare.clone()),
                    None => groups.push((&c.masks, c.scope, vec![r.bare.clone()])),
                }
            }
        }
        let mut all: Vec<Query> = groups
            .into_iter()
            .map(|(m, s, mut qs)| {
                let q = if qs.len() == 1 {
                    qs.pop().expect("one")
                } else {
                    Query::Or(qs)
                };
                wrap(q, m, s)
            })
            .collect();
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Query::Or(all)),
        }
    }

    /// A code's rules (its own and its descendants') as one search string: the query that
    /// `quarry search` runs for it.
    pub fn code_search_text(&self, i: usize) -> Option<String> {
        let texts: Vec<String> = self
            .subtree(i)
            .into_iter()
            .flat_map(|j| self.codes[j].rules.iter().map(|r| format!("({})", r.text)))
            .collect();
        (!texts.is_empty()).then(|| texts.join(" OR "))
    }
}

/// A problem `quarry codebook check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The code it is about.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

impl Codebook {
    /// Problems visible without a corpus: codes with no rules in their subtree, rules written
    /// twice (in one code or across codes), rules with no word to look for.
    pub fn lint(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (i, c) in self.codes.iter().enumerate() {
            if self.code_query(i).is_none() {
                out.push(Finding {
                    code: c.id.clone(),
                    message: "no rules here or below: it can never be suggested".into(),
                });
            }
            for r in &c.rules {
                let key = r
                    .text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                match seen.get(&key) {
                    Some(other) => out.push(Finding {
                        code: c.id.clone(),
                        message: format!("rule `{}` is also a rule of {other}", r.text),
                    }),
                    None => {
                        seen.insert(key, &c.id);
                    }
                }
                if !r.query.has_words() {
                    out.push(Finding {
                        code: c.id.clone(),
                        message: format!("rule `{}` looks for no word", r.text),
                    });
                }
            }
        }
        out
    }
}

/// The stems a query looks for (words, phrases, NEAR and BEFORE) and its prefixes and exact
/// words: what `check --corpus` lists corpus words for.
pub fn rule_terms(q: &Query) -> (Vec<String>, Vec<String>, Vec<String>) {
    fn walk(q: &Query, t: &mut (Vec<String>, Vec<String>, Vec<String>)) {
        match q {
            Query::Term(s) => t.0.push(s.clone()),
            Query::Phrase(v) => t.0.extend(v.iter().cloned()),
            Query::Near(a, b, _) | Query::Before(a, b, _) => {
                walk(a, t);
                walk(b, t);
            }
            Query::Prefix(p) => t.1.push(p.clone()),
            Query::Exact(w) => t.2.push(w.clone()),
            Query::And(v) | Query::Or(v) => v.iter().for_each(|q| walk(q, t)),
            // Words under NOT are what a rule avoids, not what it catches.
            Query::Not(_) => {}
            Query::Masked(q, _) => walk(q, t),
            Query::Field(..) | Query::Post(_) | Query::Ref(_) => {}
        }
    }
    let mut t = Default::default();
    walk(q, &mut t);
    for v in [&mut t.0, &mut t.1, &mut t.2] {
        v.sort();
        v.dedup();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> CodebookError {
        parse(text, Path::new("cb.toml")).unwrap_err()
    }

    const HEAD: &str = "[codebook]\nid = \"t\"\nname = \"Test\"\n";

    /// A codebook of `n` flat codes `t.c0` ... where code i's rules are `rule(i)`.
    fn chain(n: usize, rule: impl Fn(usize) -> String) -> String {
        let mut t = HEAD.to_string();
        for i in 0..n {
            t.push_str(&format!(
                "\n[[code]]\nid = \"t.c{i}\"\nname = \"C{i}\"\nrules = [{}]\n",
                rule(i)
            ));
        }
        t
    }

    #[test]
    fn references_are_bounded_in_depth_and_in_growth() {
        // A chain of 20 references is fine; of 40, refused.
        let refs = |n: usize| {
            chain(n, move |i| {
                if i + 1 < n {
                    format!("\"@t.c{}\"", i + 1)
                } else {
                    "\"word\"".into()
                }
            })
        };
        assert!(parse(&refs(20), Path::new("cb.toml")).is_ok());
        let e = err(&refs(40));
        assert!(e.message.contains("chained more than"), "{e}");
        // Each code names the next twice: 2^25 copies of the last rule if expanded.
        let diamond = chain(26, |i| {
            if i < 25 {
                format!("\"@t.c{0} OR word{i}\", \"@t.c{0}\"", i + 1)
            } else {
                "\"word\"".into()
            }
        });
        let e = err(&diamond);
        assert!(e.message.contains("grows past"), "{e}");
        // Ten references, each under 60 NOTs: 600 levels in all.
        let nested = chain(10, |i| {
            let inner = if i < 9 {
                format!("@t.c{}", i + 1)
            } else {
                "word".into()
            };
            format!("\"{}{inner}\"", "NOT ".repeat(60))
        });
        let e = err(&nested);
        assert!(e.message.contains("nests more than"), "{e}");
    }

    #[test]
    fn a_small_codebook_parses_into_a_tree() {
        let cb = parse(
            &format!(
                "{HEAD}mask = [\"you know\"]\n\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"trust NEAR/3 evidence\", \"@t.a.b\"]\n\n[[code]]\nid = \"t.a.b\"\nname = \"B\"\nrules = [\"\\\"visual abstract\\\"\", \"infograph*\"]\n"
            ),
            Path::new("cb.toml"),
        )
        .unwrap();
        assert_eq!(cb.codes.len(), 2);
        assert_eq!(cb.codes[1].parent, Some(0));
        assert_eq!(cb.codes[1].depth, 2);
        assert_eq!(cb.mask, ["you know"]);
        // The reference became B's two rules.
        let Query::And(parts) = &cb.codes[0].rules[1].query else {
            panic!("scoped: {:?}", cb.codes[0].rules[1].query)
        };
        assert!(matches!(&parts[0],
            Query::Masked(q, m) if matches!(&**q, Query::Or(v) if v.len() == 2) && m == &[vec!["you".to_string(), "know".to_string()]]));
        assert_eq!(cb.codes[1].scope, Scope::Participants);
        assert_eq!(cb.subtree(0), [0, 1]);
        assert_eq!(
            cb.code_search_text(0).unwrap(),
            "(trust NEAR/3 evidence) OR (@t.a.b) OR (\"visual abstract\") OR (infograph*)"
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"trust AND (evidence\"]\n"
        ));
        assert_eq!((e.line, e.column), (8, 21), "{e}");
        assert!(e.message.contains("never closed"), "{e}");
        assert!(e.to_string().starts_with("cb.toml:8:21: "), "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\ncolor = \"#fff\"\n"
        ));
        assert_eq!(e.line, 8, "{e}");
        assert!(e.message.contains("unknown field `color`"), "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\n\n[[code]]\nid = \"t.a\"\nname = \"A again\"\n"
        ));
        assert_eq!((e.line, e.column), (10, 6), "{e}");
        assert!(e.message.contains("duplicate code id `t.a`"), "{e}");

        let e = err("[codebook]\nid = \"t\"\nname = \"T\"\nlanguage = \"klingon\"\n");
        assert_eq!(e.line, 4, "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"@t.zzz\"]\n"
        ));
        assert!(e.message.contains("`@t.zzz`: no code"), "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"@t.b\"]\n\n[[code]]\nid = \"t.b\"\nname = \"B\"\nrules = [\"@t.a\"]\n"
        ));
        assert!(e.message.contains("circle"), "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nguid = \"not-a-guid\"\n"
        ));
        assert_eq!((e.line, e.column), (8, 8), "{e}");
        assert!(e.message.contains("guid `not-a-guid`"), "{e}");

        let e = err(&format!("{HEAD}\n[[code]]\nid = \"t.a.b\"\nname = \"B\"\n"));
        assert!(e.message.contains("parent `t.a` is not defined"), "{e}");

        let e = err(&format!(
            "{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"speaker:P1 trust\"]\n"
        ));
        assert!(e.message.contains("rules cannot filter"), "{e}");

        let e = err(&format!("{HEAD}mask = [\"...\"]\n"));
        assert!(e.message.contains("holds no word"), "{e}");
    }

    #[test]
    fn lint_finds_empty_codes_and_repeated_rules() {
        let cb = parse(
            &format!("{HEAD}\n[[code]]\nid = \"t.a\"\nname = \"A\"\nrules = [\"trust  evidence\"]\n\n[[code]]\nid = \"t.b\"\nname = \"B\"\nrules = [\"Trust evidence\"]\n\n[[code]]\nid = \"t.c\"\nname = \"C\"\n"),
            Path::new("cb.toml"),
        )
        .unwrap();
        let f = cb.lint();
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].code == "t.b" && f[0].message.contains("also a rule of t.a"),
            "{f:?}"
        );
        assert!(
            f[1].code == "t.c" && f[1].message.contains("no rules"),
            "{f:?}"
        );
        let (stems, prefixes, exact) = rule_terms(&cb.codes[0].rules[0].query);
        assert_eq!(
            (stems, prefixes, exact),
            (
                vec!["evid".to_string(), "trust".to_string()],
                vec![],
                vec![]
            )
        );
    }

    proptest::proptest! {
        /// Evidence lies inside the text and never inside a masked phrase, whatever the words.
        #[test]
        fn evidence_never_falls_inside_a_mask(
            words in proptest::collection::vec(
                proptest::sample::select(vec!["you", "know", "I", "mean", "we", "knew", "it", "Know,", "meaning", "YOU"]),
                0..40,
            )
        ) {
            use crate::text::query::{masked_tokens, Target};
            let cb = parse(
                &format!("{HEAD}mask = [\"you know\", \"I mean\"]\n\n[[code]]\nid = \"t.k\"\nname = \"K\"\nscope = \"all\"\nrules = [\"know OR mean\", \"know NEAR/2 mean\", \"\\\"you know\\\"\"]\n"),
                Path::new("cb.toml"),
            ).unwrap();
            let q = cb.code_query(0).unwrap();
            let text = words.join(" ");
            let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
            let toks = a.analyze(&text);
            let masks: Vec<Vec<String>> = vec![a.stems("you know"), a.stems("I mean")];
            let masked = masked_tokens(&toks, &masks);
            if let Some(ev) = q.eval(&Target { document: 1, speaker: None, tokens: &toks, post: None }) {
                proptest::prop_assert!(!ev.is_empty());
                for i in ev {
                    proptest::prop_assert!(!masked[i], "evidence {i} is masked in {text:?}");
                    proptest::prop_assert!(toks[i].end <= text.len());
                }
            }
        }
    }

    #[test]
    fn masked_phrases_never_count_as_evidence() {
        use crate::text::query::Target;
        let cb = parse(
            &format!("{HEAD}mask = [\"you know\"]\n\n[[code]]\nid = \"t.k\"\nname = \"K\"\nrules = [\"know\", \"\\\"know about\\\"\"]\n"),
            Path::new("cb.toml"),
        )
        .unwrap();
        let q = cb.code_query(0).unwrap();
        let mut a = Analyzer::new(&AnalyzerConfig::default()).unwrap();
        let hit = |text: &str, a: &mut Analyzer| {
            let toks = a.analyze(text);
            q.eval(&Target {
                document: 1,
                speaker: None,
                tokens: &toks,
                post: None,
            })
        };
        assert_eq!(hit("it was fine, you know, fine", &mut a), None);
        // Another "know" still counts, and only it is evidence.
        assert_eq!(hit("you know, I know it", &mut a), Some(vec![3]));
        assert_eq!(hit("what you know about it", &mut a), None);
        assert!(hit("what we know about it", &mut a).is_some());
    }

    #[test]
    fn the_built_in_codebooks_load() {
        for (name, _) in BUILT_IN {
            let cb = load(name).unwrap_or_else(|e| panic!("{e}"));
            assert!(cb.codes.len() >= 10, "{name}: {} codes", cb.codes.len());
            assert!(cb.codes.iter().all(|c| !c.definition.is_empty()), "{name}");
        }
        let t = TEMPLATE.replace("NAME", "mine");
        let cb = parse(&t, Path::new("mine.toml")).unwrap();
        assert_eq!(cb.codes.len(), 2);
        let tdf = load("tdf").unwrap();
        let domains: Vec<&str> = tdf
            .codes
            .iter()
            .filter(|c| c.depth == 1)
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(domains.len(), 14, "{domains:?}");
        assert!(domains.contains(&"tdf.memory_attention_and_decision_processes"));
        assert!(load("kta")
            .unwrap()
            .code("kta.adapt_knowledge_to_local_context")
            .is_some());
    }
}
