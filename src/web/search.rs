//! The search page: the query language with its help, filters beside the box (speaker, role,
//! document, attribute, post fields) that become the query's field filters, hits with the
//! matched words marked, the turns around them and a link to each turn; downloads of every
//! hit as the CLI writes them; coding every hit with one code as one undoable batch.
//!
//! A filtered search is the query a person could type in a terminal: the filters are added
//! to it by `ops::find::filtered_query`, and the page shows that query. Downloads go through
//! `report::hits`, as `quarry search --format` does; coding through `ops::find::code_hits`
//! and undoing through `ops::review::undo`, as `quarry search --code-hits` and `quarry undo
//! BATCH` do.

use super::forms;
use super::layout::{marked, page};
use super::pages::{encode, pager, problem_page, with_project, with_project_mut};
use super::App;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use quarry::error::QueryError;
use quarry::ops;
use quarry::ops::find::{FilterChoices, Filters, SearchOptions};
use quarry::project::search::{Hit, SearchConfig, SearchResult};
use quarry::project::Project;
use quarry::report::hits::HitsFormat;
use quarry::text::model::Segment;
use serde::Deserialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Hits shown on one page.
const HITS_PER_PAGE: usize = 50;
/// Turns of context read each side of a hit: the nearest shows, the rest under "More context".
const CONTEXT: usize = 3;
/// Lists longer than this are text fields instead of drop-downs.
const MAX_CHOICES: usize = 300;

/// A search as the page's address holds it: the query, the filters, an optional codebook
/// (for `@code` references and searching by `code`) and the page. Every value is text, so a
/// hand-edited address never fails to parse; empty means not given.
#[derive(Deserialize, Default, Clone)]
pub(super) struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    doc: String,
    #[serde(default)]
    attr: String,
    #[serde(default)]
    hashtag: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    is: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    codebook: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    page: String,
}

impl SearchParams {
    /// The search's parameters that are given (the page aside), for links and hidden fields.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("q", &self.q),
            ("speaker", &self.speaker),
            ("role", &self.role),
            ("doc", &self.doc),
            ("attr", &self.attr),
            ("hashtag", &self.hashtag),
            ("platform", &self.platform),
            ("is", &self.is),
            ("from", &self.from),
            ("to", &self.to),
            ("codebook", &self.codebook),
            ("code", &self.code),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// Nothing asked for yet.
    fn is_blank(&self) -> bool {
        self.pairs().is_empty()
    }

    /// `path` with the search's parameters.
    fn url(&self, path: &str) -> String {
        let q: Vec<String> = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }

    /// The search's parameters as hidden fields of a form.
    fn hidden(&self) -> Markup {
        html! { @for (k, v) in self.pairs() { input type="hidden" name=(k) value=(v); } }
    }

    /// The filters, for `ops::find::filtered_query`.
    fn filters(&self) -> Filters {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Filters {
            speaker: some(&self.speaker),
            role: some(&self.role),
            document: some(&self.doc),
            attribute: some(&self.attr),
            hashtag: some(&self.hashtag),
            platform: some(&self.platform),
            is: some(&self.is),
            from: some(&self.from),
            to: some(&self.to),
        }
    }
}

/// Prepares the search: the query with its filters, the codebook (`book`, else the search's
/// own) checked against those the project knows, so that no name from a form is read as a
/// file. Returns the query as a person would type it, too.
fn prepared(
    p: &Project,
    s: &SearchParams,
    book: Option<&str>,
    limit: usize,
    offset: usize,
    context: usize,
) -> quarry::Result<(String, SearchConfig)> {
    let query = ops::find::filtered_query(&s.q, &s.filters())?;
    let book = book
        .or(Some(s.codebook.trim()))
        .filter(|b| !b.is_empty())
        .map(str::to_string);
    if let Some(b) = &book {
        if !codebooks(p)?.iter().any(|k| k.id == *b) {
            return Err(quarry::Error::Other(format!(
                "this project knows no codebook `{b}`"
            )));
        }
    }
    let opts = SearchOptions {
        words: if query.is_empty() {
            Vec::new()
        } else {
            vec![query.clone()]
        },
        code: Some(s.code.trim().to_string()).filter(|c| !c.is_empty()),
        codebook: book,
        context,
        limit,
        offset,
        rank: false,
    };
    Ok((query, ops::find::prepare(&opts, || Some(p))?))
}

/// What a search came to.
enum Outcome {
    /// Hits of `query`.
    Found { query: String, result: SearchResult },
    /// A query that does not parse (shown with its caret).
    BadQuery { query: String, error: QueryError },
    /// Filters or options that do not fit.
    Refused(String),
}

/// Runs one page of the search, sorting what went wrong into what a person can fix here.
fn run(p: &Project, s: &SearchParams, at: usize) -> quarry::Result<Outcome> {
    let (query, cfg) = match prepared(p, s, None, HITS_PER_PAGE, (at - 1) * HITS_PER_PAGE, CONTEXT)
    {
        Ok(q) => q,
        Err(quarry::Error::Other(m)) => return Ok(Outcome::Refused(m)),
        Err(e) => return Err(e),
    };
    let (mut index, _) = p.index()?;
    match ops::find::search(p, &mut index, &cfg) {
        Ok(result) => Ok(Outcome::Found { query, result }),
        Err(quarry::Error::Query(error)) => Ok(Outcome::BadQuery { query, error }),
        Err(quarry::Error::Other(m)) => Ok(Outcome::Refused(m)),
        Err(e) => Err(e),
    }
}

/// `GET /search?q=&speaker=&role=&doc=&attr=&hashtag=&platform=&is=&from=&to=&page=`: hits
/// in document order with the matched words marked, each with the turns around it and a link
/// to its turn; downloads; coding every hit.
pub(super) async fn search(State(app): State<Arc<App>>, Query(s): Query<SearchParams>) -> Response {
    let at = s.page.trim().parse::<usize>().unwrap_or(1).max(1);
    let asked = s.clone();
    let found = with_project(&app, move |p| {
        let choices = filter_choices(p)?;
        if asked.is_blank() {
            return Ok((choices, None, Vec::new()));
        }
        let outcome = run(p, &asked, at)?;
        let books = match &outcome {
            Outcome::Found { result, .. } if result.total > 0 => codebooks(p)?,
            _ => Vec::new(),
        };
        Ok((choices, Some(outcome), books))
    })
    .await;
    let (choices, outcome, books) = match found {
        Ok(f) => f,
        Err(r) => return r,
    };
    let form = search_form(&s, &choices);
    let body = match outcome {
        None => html! { (form) (syntax_help(true)) },
        Some(Outcome::BadQuery { query, error }) => {
            let caret = format!("{}^", " ".repeat(error.column.saturating_sub(1)));
            html! {
                (form)
                div.problem role="alert" {
                    "This query does not parse: " (error.message)
                    pre.caret { (query) "\n" (caret) }
                }
                (syntax_help(false))
            }
        }
        Some(Outcome::Refused(message)) => html! {
            (form)
            p.problem role="alert" { (message) }
            (syntax_help(false))
        },
        Some(Outcome::Found { query, result }) => html! {
            (form)
            (syntax_help(false))
            (results(&app, &s, &query, &result, at, &books))
        },
    };
    page("Search", "Search", body).into_response()
}

/// The box, the filters beside it and the button.
fn search_form(s: &SearchParams, c: &FilterChoices) -> Markup {
    html! {
        h1 { "Search" }
        form.find method="get" action="/search" role="search" {
            div.search {
                label for="q" { "Query" }
                input #q type="search" name="q" value=(s.q) autofocus
                    aria-describedby="syntax-summary";
                button type="submit" { "Search" }
            }
            fieldset.filters {
                legend { "Only segments that are also…" }
                (choice("f-speaker", "Spoken by", "speaker", &s.speaker, c.speakers.as_deref(), "any speaker"))
                (fixed("f-role", "Speaker's role", "role", &s.role, &[
                    ("", "any role"), ("interviewer", "interviewer"), ("participant", "participant"),
                    ("none", "none (no speaker or no role)")]))
                (choice("f-doc", "In document", "doc", &s.doc, c.documents.as_deref(), "any document"))
                (attribute(&s.attr, c.attributes.as_deref()))
                @if c.posts || !s.hashtag.is_empty() || !s.platform.is_empty() || !s.is.is_empty()
                    || !s.from.is_empty() || !s.to.is_empty() {
                    (choice("f-hashtag", "Post with hashtag", "hashtag", &s.hashtag, None, ""))
                    (fixed("f-platform", "Platform", "platform", &s.platform, &[
                        ("", "any platform"), ("x", "X (Twitter)"), ("mastodon", "Mastodon"),
                        ("reddit", "Reddit"), ("other", "other")]))
                    (fixed("f-is", "Kind of post", "is", &s.is, &[
                        ("", "any kind"), ("original", "original (not a repost or duplicate)"),
                        ("repost", "repost"), ("reply", "reply"), ("quote", "quote"),
                        ("duplicate", "duplicate"), ("post", "any post")]))
                    div.filter {
                        label for="f-from" { "Posted from" }
                        input #f-from type="date" name="from" value=(s.from);
                    }
                    div.filter {
                        label for="f-to" { "Posted up to" }
                        input #f-to type="date" name="to" value=(s.to);
                    }
                }
                div.apply {
                    button type="submit" { "Apply the filters" }
                    @if s.pairs().iter().any(|(k, _)| *k != "q") {
                        " "
                        a href=(SearchParams { q: s.q.clone(), ..Default::default() }.url("/search")) { "Clear them" }
                    }
                }
            }
            @if !s.codebook.is_empty() { input type="hidden" name="codebook" value=(s.codebook); }
            @if !s.code.is_empty() {
                input type="hidden" name="code" value=(s.code);
                p.muted { "Only what the rules of code " code { (s.code) } " of codebook "
                    code { (s.codebook) } " match. " a href=(SearchParams { q: s.q.clone(), ..Default::default() }.url("/search")) { "Search everything" } }
            }
        }
    }
}

/// A filter that is a drop-down of `options` (with `any` first) when the project has few
/// enough, else a text field. A value not among the options is kept as one.
fn choice(
    id: &str,
    label: &str,
    name: &str,
    value: &str,
    options: Option<&[String]>,
    any: &str,
) -> Markup {
    html! {
        div.filter {
            label for=(id) { (label) }
            @match options {
                Some(list) => select #(id) name=(name) {
                    option value="" selected[value.is_empty()] { (any) }
                    @if !value.is_empty() && !list.iter().any(|o| o == value) {
                        option value=(value) selected { (value) }
                    }
                    @for o in list { option value=(o) selected[o == value] { (o) } }
                },
                None => input #(id) type="text" name=(name) value=(value)
                    placeholder=(if name == "hashtag" { "meded" } else { "a name, or its start and *" });,
            }
        }
    }
}

/// A filter with a fixed set of `options` (value, label).
fn fixed(id: &str, label: &str, name: &str, value: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        div.filter {
            label for=(id) { (label) }
            select #(id) name=(name) {
                @if !options.iter().any(|(v, _)| v.eq_ignore_ascii_case(value)) {
                    option value=(value) selected { (value) }
                }
                @for (v, l) in options { option value=(v) selected[v.eq_ignore_ascii_case(value)] { (l) } }
            }
        }
    }
}

/// The attribute filter: a drop-down of `KEY = VALUE` grouped by key, or a text field.
fn attribute(value: &str, options: Option<&[(String, String)]>) -> Markup {
    let mut keys: Vec<(&str, Vec<&str>)> = Vec::new();
    for (k, v) in options.unwrap_or_default() {
        match keys.last_mut() {
            Some((key, vals)) if *key == k => vals.push(v),
            _ => keys.push((k, vec![v])),
        }
    }
    html! {
        div.filter {
            label for="f-attr" { "With attribute" }
            @if options.is_some() {
                select #f-attr name="attr" {
                    option value="" selected[value.is_empty()] { "any attribute" }
                    @if !value.is_empty() && !options.unwrap_or_default().iter().any(|(k, v)| format!("{k}={v}") == value) {
                        option value=(value) selected { (value) }
                    }
                    @for (k, vals) in &keys {
                        optgroup label=(k) {
                            @for v in vals {
                                @let kv = format!("{k}={v}");
                                option value=(kv) selected[kv == value] { (k) " = " (v) }
                            }
                        }
                    }
                }
            } @else {
                input #f-attr type="text" name="attr" value=(value) placeholder="KEY=VALUE";
            }
        }
    }
}

/// The query language, one example per operator, each a link that runs it.
fn syntax_help(open: bool) -> Markup {
    const ROWS: [(&str, &str, &str); 19] = [
        (
            "words",
            "teaching",
            "every form with the same stem: teach, teaches, teaching",
        ),
        (
            "AND (implied)",
            "trust evidence",
            "both words, anywhere in the turn",
        ),
        ("OR", "trust OR belief", "either word"),
        ("-word, NOT", "trust -twitter", "trust, but not twitter"),
        (
            "( )",
            "(trust OR belief) evidence",
            "groups; AND binds tighter than OR",
        ),
        (
            "\"phrase\"",
            "\"social media\"",
            "these words in this order, next to each other",
        ),
        (
            "prefix*",
            "hierarch*",
            "a word starting with these letters (at least two)",
        ),
        (
            "exact:",
            "exact:teaching",
            "this word exactly, not teach or teaches",
        ),
        (
            "NEAR/n",
            "trust NEAR/5 evidence",
            "both within 5 words, either order, in one sentence",
        ),
        (
            "BEFORE/n",
            "read BEFORE/3 post",
            "read, then post at most 3 words after it",
        ),
        (
            "speaker:",
            "speaker:\"Lena Marsh\"",
            "spoken by this speaker (speaker:P* for a start)",
        ),
        (
            "role:",
            "role:participant",
            "spoken by an interviewer, a participant, or none",
        ),
        (
            "doc:",
            "doc:P0*",
            "in this document (or documents starting so)",
        ),
        (
            "attr.KEY:VALUE",
            "attr.country:Canada",
            "in a document, or by a speaker, with this attribute",
        ),
        (
            "author:",
            "author:drsmith",
            "posts by this author (with or without @)",
        ),
        ("hashtag:", "hashtag:meded", "posts with this hashtag"),
        (
            "platform:",
            "platform:x",
            "posts from x, mastodon, reddit or other",
        ),
        (
            "date:",
            "date:[2022-01-01 TO 2022-06-30]",
            "posts from these days (date:2022-03 for a month)",
        ),
        (
            "is:",
            "is:original",
            "posts of this kind: original, repost, reply, quote, duplicate",
        ),
    ];
    html! {
        details.syntax open[open] {
            summary #syntax-summary { "How to write a query" }
            p { "Words match every form with the same stem, in any case. Put the parts together with spaces; "
                "each filter beside the box adds one of the last rows for you." }
            table {
                thead { tr { th { "Operator" } th { "Example (runs it)" } th { "Finds segments with" } } }
                tbody {
                    @for (op, example, meaning) in ROWS {
                        tr {
                            td { code { (op) } }
                            td { a href={ "/search?q=" (encode(example)) } { code { (example) } } }
                            td { (meaning) }
                        }
                    }
                }
            }
        }
    }
}

/// The hits of one page, with the count, the query as typed in a terminal, downloads, the
/// pager and the form that codes every hit.
fn results(
    app: &App,
    s: &SearchParams,
    query: &str,
    result: &SearchResult,
    at: usize,
    books: &[Book],
) -> Markup {
    let pages = result.total.div_ceil(HITS_PER_PAGE).max(1);
    let mut cli = format!("quarry search {}", sh_quote(query));
    if !s.codebook.is_empty() {
        cli.push_str(&format!(" --codebook {}", sh_quote(&s.codebook)));
    }
    if !s.code.is_empty() {
        cli.push_str(&format!(" --code {}", sh_quote(&s.code)));
    }
    let download = |f: &str| format!("{}&format={f}", s.url("/search/download"));
    html! {
        section.results aria-label="Results" {
            p.total { b { (result.total) } @if result.total == 1 { " matching segment" } @else { " matching segments" }
                @if pages > 1 { ", page " (at.min(pages)) " of " (pages) } }
            p.muted.cli { "The same search in a terminal: " code { (cli) } }
            @if result.total > 0 {
                p.downloads {
                    @if result.total == 1 { "Download it as " } @else { "Download all " (result.total) " as " }
                    a href=(download("csv")) { "CSV" } ", "
                    a href=(download("xlsx")) { "Excel (.xlsx)" } " or "
                    a href=(download("json")) { "JSON" } "."
                }
            }
            @for h in &result.hits { (hit(h)) }
            (pager("/search", &s.pairs(), at.min(pages), pages))
            @if result.total > 0 { (code_form(app, s, result.total, books)) }
        }
    }
}

/// `s` as one word for a POSIX shell: in single quotes, each `'` written `'\''`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A turn's speaker and its text, dimmed: the context of a hit.
fn context_turn(c: &Segment) -> Markup {
    html! { div.context { span.who { (c.speaker.as_deref().unwrap_or("—")) ": " } (c.text) } }
}

/// One hit: its place (a link to the turn), the turn before, the turn with the matched words
/// marked, the turn after, and more of both under "More context".
fn hit(h: &Hit) -> Markup {
    let s = &h.segment;
    let link = format!("/document?name={}#s{}", encode(&s.document), s.id);
    html! {
        div class="hit" {
            div.place {
                a href=(link) { (s.document) " #" (s.id) }
                " · " (s.speaker.as_deref().unwrap_or("—"))
                @if let Some(r) = s.role { " (" (r.as_str()) ")" }
                " · " (quarry::text::safe::place(s))
            }
            @if let Some(b) = h.before.last() { (context_turn(b)) }
            div.quote { (marked(&s.text, &h.highlights)) }
            @if let Some(a) = h.after.first() { (context_turn(a)) }
            @if h.before.len() > 1 || h.after.len() > 1 {
                details.more {
                    summary { "More context" }
                    @for b in &h.before { (context_turn(b)) }
                    div.quote.here { span.who { (s.speaker.as_deref().unwrap_or("—")) ": " } (marked(&s.text, &h.highlights)) }
                    @for a in &h.after { (context_turn(a)) }
                    p { a href=(link) { "Read the whole transcript at this turn" } }
                }
            }
        }
    }
}

/// A codebook and its codes (id, name), for the code picker.
struct Book {
    id: String,
    name: String,
    codes: Vec<(String, String)>,
}

/// The codebooks a person can code with here: those the project knows, then the built-in
/// ones it does not know by that id.
fn codebooks(p: &Project) -> quarry::Result<Vec<Book>> {
    let book = |cb: quarry::codebook::Codebook| Book {
        codes: cb
            .codes
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
        id: cb.id,
        name: cb.name,
    };
    let mut out: Vec<Book> = ops::codebooks::in_project(p)?
        .into_iter()
        .filter_map(|(id, _)| p.load_codebook(&id).ok())
        .map(book)
        .collect();
    for (_, cb) in ops::codebooks::built_in()? {
        if !out.iter().any(|b| b.id == cb.id) {
            out.push(book(cb));
        }
    }
    Ok(out)
}

/// The form under the hits that codes every one of them: a code picker grouped by codebook.
/// With the search's own codebook, only its codes (as `--code-hits` takes a code of
/// `--codebook`).
fn code_form(app: &App, s: &SearchParams, total: usize, books: &[Book]) -> Markup {
    let books = books
        .iter()
        .filter(|b| s.codebook.trim().is_empty() || b.id == s.codebook.trim());
    html! {
        form.code-hits method="post" action="/search/code" {
            h2 { "Code these hits" }
            p { @if total == 1 { "Give the matching segment one code. " } @else {
                    "Give the " (total) " matching segments (on every page, not only this one) one code. " }
                "You will be asked to confirm first; the codes are stored as one batch you can undo." }
            (forms::key_field(app))
            (s.hidden())
            label for="apply" { "Code" }
            select #apply name="apply" required {
                option value="" { "Choose a code…" }
                @for b in books {
                    optgroup label={ (b.id) " · " (b.name) } {
                        @for (id, name) in &b.codes {
                            option value={ (b.id) " " (id) } { (id) " — " (name) }
                        }
                    }
                }
            }
            button type="submit" { "Code " (total) " segments…" }
        }
    }
}

/// The filter choices of the project behind `root` at one generation of its database.
type Cached = (PathBuf, u64, Arc<FilterChoices>);

/// The last filter choices read: listing speakers reads every segment, so the list is kept
/// until the project changes.
static CHOICES: Mutex<Option<Cached>> = Mutex::new(None);

/// The project's filter choices, read again only when its database has changed.
fn filter_choices(p: &Project) -> quarry::Result<Arc<FilterChoices>> {
    let generation = p.store().generation()?;
    let root = p.root().to_path_buf();
    if let Ok(c) = CHOICES.lock() {
        if let Some((r, g, choices)) = c.as_ref() {
            if *r == root && *g == generation {
                return Ok(choices.clone());
            }
        }
    }
    let choices = Arc::new(ops::find::filter_choices(p, MAX_CHOICES)?);
    if let Ok(mut c) = CHOICES.lock() {
        *c = Some((root, generation, choices.clone()));
    }
    Ok(choices)
}

/// `GET /search/download?format=csv|xlsx|json&q=…`: every hit of the search (not only a
/// page) as a file, written as `quarry search --format csv|json` writes it (the workbook has
/// the CSV's columns).
pub(super) async fn download(
    State(app): State<Arc<App>>,
    Query(s): Query<SearchParams>,
    Query(f): Query<FormatParam>,
) -> Response {
    let format = match f.format.as_str() {
        "csv" => HitsFormat::Csv,
        "xlsx" => HitsFormat::Xlsx,
        "json" => HitsFormat::Json,
        "jsonl" => HitsFormat::Jsonl,
        other => {
            return problem_page(
                StatusCode::BAD_REQUEST,
                &format!("no download as `{other}`: choose csv, xlsx or json"),
            )
        }
    };
    if s.is_blank() {
        return problem_page(
            StatusCode::BAD_REQUEST,
            "give a query or a filter to download its hits",
        );
    }
    let asked = s.clone();
    let made = with_project(&app, move |p| {
        let (query, cfg) = prepared(p, &asked, None, 0, 0, 0)?;
        let (mut index, _) = p.index()?;
        let result = ops::find::search(p, &mut index, &cfg)?;
        Ok((query, quarry::report::hits::to_bytes(&result, format)?))
    })
    .await;
    let (query, bytes) = match made {
        Ok(m) => m,
        Err(r) => return r,
    };
    let name = format!("search-{}.{}", slug(&query), format.extension());
    (
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The format of a download.
#[derive(Deserialize)]
pub(super) struct FormatParam {
    #[serde(default)]
    format: String,
}

/// A file name's part for a query: lowercase letters and digits, other runs as `-`, at most
/// 40 characters; `hits` when nothing is left.
fn slug(query: &str) -> String {
    let mut out = String::new();
    for c in query.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "hits".into()
    } else {
        out.into()
    }
}

/// The form that codes hits (`action`: empty to ask, `confirm` to code, `undo` to undo a
/// batch), with the search it codes.
#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    form: String,
    #[serde(default)]
    action: String,
    /// The code, as `CODEBOOK CODE`.
    #[serde(default)]
    apply: String,
    /// The number of segments the person confirmed.
    #[serde(default)]
    n: String,
    /// The batch to undo.
    #[serde(default)]
    batch: String,
    #[serde(flatten)]
    search: SearchParams,
}

/// Confirmation forms already carried out, by their form key: a page sent twice (reload,
/// back) shows what was done instead of coding the hits again.
static DONE: Mutex<VecDeque<Done>> = Mutex::new(VecDeque::new());

/// A carried-out confirmation: its form key, the batch, the segments coded, the code's name.
type Done = (String, i64, usize, String);

/// `POST /search/code`: asks "Code N segments with CODE?", then codes every hit of the search
/// as one batch, as the coder of this browser; `action=undo` undoes that batch.
pub(super) async fn code_hits(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    if !app.forms.valid(&f.form) {
        return forms::refused();
    }
    let back = f.search.url("/search");
    let Some(coder) = forms::coder(&app, &headers) else {
        return forms::ask_first(&back);
    };
    if f.action == "undo" {
        return undo(&app, &coder, &f).await;
    }
    let Some((book, code)) = f
        .apply
        .trim()
        .split_once(' ')
        .map(|(b, c)| (b.trim().to_string(), c.trim().to_string()))
    else {
        return problem_page(StatusCode::BAD_REQUEST, "choose a code to give the hits");
    };
    if f.action == "confirm" {
        let done = DONE.lock().ok().and_then(|d| {
            d.iter()
                .find(|(k, ..)| *k == f.form)
                .map(|(_, b, n, name)| (*b, *n, name.clone()))
        });
        if let Some((batch, n, name)) = done {
            return coded(&app, &f.search, &coder, &book, &code, &name, n, batch, true);
        }
        return confirm(&app, &coder, f, book, code).await;
    }
    let s = f.search.clone();
    let (b, c) = (book.clone(), code.clone());
    let asked = with_project(&app, move |p| {
        let (query, cfg) = prepared(p, &s, Some(&b), 1, 0, 0)?;
        let name = code_name(&cfg, &c)?;
        let (mut index, _) = p.index()?;
        Ok((query, name, ops::find::count(p, &mut index, &cfg)?))
    })
    .await;
    match asked {
        Ok((query, name, n)) => ask(
            &app, &f.search, &coder, &book, &code, &name, &query, n, None,
        )
        .into_response(),
        Err(r) => r,
    }
}

/// The name of `code` in the search's codebook; an error when it has no such code.
fn code_name(cfg: &SearchConfig, code: &str) -> quarry::Result<String> {
    cfg.codebook
        .as_ref()
        .and_then(|b| b.code(code).map(|c| c.name.clone()))
        .ok_or_else(|| quarry::Error::Other(format!("the codebook has no code `{code}`")))
}

/// The confirmation: "Code N segments with CODE (Name)?" and the button that does it.
#[allow(clippy::too_many_arguments)]
fn ask(
    app: &App,
    s: &SearchParams,
    coder: &str,
    book: &str,
    code: &str,
    name: &str,
    query: &str,
    n: usize,
    changed: Option<usize>,
) -> Markup {
    let noun = if n == 1 { "segment" } else { "segments" };
    let body = html! {
        h1 { "Code these hits" }
        @if let Some(before) = changed {
            p.problem role="alert" { "The search now finds " (n) " " (noun) ", not " (before)
                ": the project changed since the last page. Nothing was coded yet." }
        }
        @if n == 0 {
            p { "This search finds no segments: there is nothing to code." }
        } @else {
            p.confirm { "Code " (n) " " (noun) " with " code { (code) } " (" (name) ")? "
                "This is one batch; you can undo it." }
            p.muted { "Search: " code { (query) } " · codebook " (book) " · coder " (coder) }
            form.confirm-form method="post" action="/search/code" {
                (forms::key_field(app))
                (s.hidden())
                input type="hidden" name="apply" value={ (book) " " (code) };
                input type="hidden" name="n" value=(n);
                input type="hidden" name="action" value="confirm";
                button type="submit" { "Code " (n) " " (noun) }
                " "
                a href=(s.url("/search")) { "Cancel, back to the search" }
            }
        }
    };
    page("Code these hits", "Search", body)
}

/// Codes every hit, once the count is still the one confirmed.
async fn confirm(app: &Arc<App>, coder: &str, f: CodeForm, book: String, code: String) -> Response {
    let Ok(n) = f.n.trim().parse::<usize>() else {
        return problem_page(
            StatusCode::BAD_REQUEST,
            "the number of segments to code is missing",
        );
    };
    let s = f.search.clone();
    let (b, c, who) = (book.clone(), code.clone(), coder.to_string());
    let done = with_project_mut(app, move |p| {
        let (query, cfg) = prepared(p, &s, Some(&b), 0, 0, 0)?;
        let name = code_name(&cfg, &c)?;
        let (mut index, _) = p.index()?;
        let r = ops::find::search(p, &mut index, &cfg)?;
        drop(index);
        if r.total != n || r.hits.is_empty() {
            return Ok((query, name, r.total, None));
        }
        let coded = ops::find::code_hits(p, &cfg, &r.hits, &c, Some(&who))?;
        Ok((query, name, coded.decisions, Some(coded.batch)))
    })
    .await;
    match done {
        Ok((_, name, decisions, Some(batch))) => {
            if let Ok(mut d) = DONE.lock() {
                if d.len() >= 1000 {
                    d.pop_front();
                }
                d.push_back((f.form.clone(), batch, decisions, name.clone()));
            }
            coded(
                app, &f.search, coder, &book, &code, &name, decisions, batch, false,
            )
        }
        Ok((query, name, now, None)) => ask(
            app,
            &f.search,
            coder,
            &book,
            &code,
            &name,
            &query,
            now,
            Some(n),
        )
        .into_response(),
        Err(r) => r,
    }
}

/// "Coded N segments as batch B", with the button that undoes it.
#[allow(clippy::too_many_arguments)]
fn coded(
    app: &App,
    s: &SearchParams,
    coder: &str,
    book: &str,
    code: &str,
    name: &str,
    n: usize,
    batch: i64,
    again: bool,
) -> Response {
    let noun = if n == 1 { "segment" } else { "segments" };
    let body = html! {
        h1 { "Hits coded" }
        @if again { p.muted { "This was already done; nothing was coded twice." } }
        p.confirm role="status" { "Coded " (n) " " (noun) " with " code { (code) }
            @if !name.is_empty() { " (" (name) ")" } " as batch " (batch) ", coder " (coder) "." }
        form.confirm-form method="post" action="/search/code" {
            (forms::key_field(app))
            (s.hidden())
            input type="hidden" name="apply" value={ (book) " " (code) };
            input type="hidden" name="batch" value=(batch);
            input type="hidden" name="action" value="undo";
            button type="submit" { "Undo batch " (batch) }
            " "
            a href=(s.url("/search")) { "Back to the search" }
        }
        p.muted { "In a terminal, " code { "quarry undo " (batch) " --coder " (sh_quote(coder)) } " undoes it too." }
    };
    page("Hits coded", "Search", body).into_response()
}

/// Undoes a batch of this coder, as `quarry undo BATCH` does.
async fn undo(app: &Arc<App>, coder: &str, f: &CodeForm) -> Response {
    let Ok(batch) = f.batch.trim().parse::<i64>() else {
        return problem_page(StatusCode::BAD_REQUEST, "which batch to undo is missing");
    };
    let who = coder.to_string();
    let done = with_project_mut(app, move |p| ops::review::undo(p, &who, Some(batch))).await;
    let n = match done {
        Ok(ops::review::Undone::Batch { decisions, .. }) => decisions,
        Ok(ops::review::Undone::Last(_)) => 1,
        Err(r) => return r,
    };
    let body = html! {
        h1 { "Batch undone" }
        p.confirm role="status" { "Undid batch " (batch) ": " (n) @if n == 1 { " decision" } @else { " decisions" }
            " of " (coder) " taken back. The segments are as they were before." }
        p { a href=(f.search.url("/search")) { "Back to the search" } }
    };
    page("Batch undone", "Search", body).into_response()
}
