//! The codebook page: codes with their definitions, each rule with the search it equals, the
//! words it catches, each term's precision once decisions exist, and the tune panel.
//!
//! `GET /codebook` lists the built-in codebooks and the project's own
//! (`ops::codebooks::listing`); `GET /codebook?name=KEY` shows one: the tree of codes, each
//! rule with its search (`ops::codebooks::explain`), what it catches in this project
//! (`codebook check --corpus`), its precision (`quarry rules`) and a preview of `codebook
//! tune`, which writes nothing. `POST /codebook/tune` writes the tuned codebook to a new file
//! beside the project (`ops::measure::tuned_path`), never over one.

use super::forms;
use super::layout::{page, problem};
use super::pages::{encode, problem_page, with_project};
use super::App;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use quarry::codebook::{Code, Codebook, Scope};
use quarry::ops::codebooks::{self as op, CorpusCheck, Explained, Flag, Listed, RuleCheck};
use quarry::ops::measure::{self, RulesOptions};
use quarry::review::quality::{RuleQuality, RulesReport, TermQuality};
use quarry::review::tune::{self, Action, TuneConfig, Tuned};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Projects up to this many segments get the corpus words on every view; larger ones when
/// asked (running every rule on every segment takes a while there).
const CORPUS_AUTO: u64 = 200_000;
/// Corpus words shown before "and N more".
const CATCHES_SHOWN: usize = 12;
/// A rule matching more than this share of segments (percent) is flagged, as `codebook
/// check --corpus` does by default.
const MAX_SHARE: f64 = 10.0;
/// The interval width the "more needed" column plans for (`quarry rules --width`'s default).
const WIDTH: f64 = 0.2;

/// Parameters of the codebook page.
#[derive(Deserialize)]
pub(super) struct CodebookParams {
    /// Which codebook (the key the list links with); empty: the list.
    #[serde(default)]
    name: String,
    /// Tune's threshold (default 0.2).
    #[serde(default)]
    below: String,
    /// Tune's confidence (default 0.95).
    #[serde(default)]
    confidence: String,
    /// Run the rules on the corpus even in a large project.
    #[serde(default)]
    corpus: String,
}

/// One codebook and everything its page shows.
struct Detail {
    /// Where it comes from and whether it ran here (its `codebook` taken out into `cb`).
    listed: Listed,
    /// The codebook.
    cb: Codebook,
    /// Each code's rules as a search, in code order.
    explained: Vec<Explained>,
    /// Every rule run on the project (None: a large project that did not ask).
    corpus: Option<CorpusCheck>,
    /// Segments in the project.
    segments: u64,
    /// Precision per code, rule and term (None: not run here).
    rules: Option<RulesReport>,
    /// The tune thresholds, or what is wrong with those given.
    cfg: Result<TuneConfig, String>,
    /// The preview of `codebook tune` (None: not run here).
    tune: Option<Result<Tuned, String>>,
    /// Where a tuned codebook would be written.
    tuned_path: PathBuf,
}

/// What a codebook name led to.
enum Found {
    /// No codebook of that name: the names there are.
    Unknown(Vec<String>),
    /// Its file does not load.
    Broken(Box<Listed>),
    /// The page.
    Page(Box<Detail>),
}

/// `GET /codebook?name=`: the list, or one codebook.
pub(super) async fn codebook(
    State(app): State<Arc<App>>,
    Query(q): Query<CodebookParams>,
) -> Response {
    if q.name.is_empty() {
        return match with_project(&app, op::listing).await {
            Ok(list) => page("Codebooks", "Codebooks", list_page(&list)).into_response(),
            Err(r) => r,
        };
    }
    let key = q.name.clone();
    let cfg = thresholds(&q.below, &q.confidence);
    let want_corpus = !q.corpus.is_empty();
    let found = with_project(&app, move |p| {
        let Some(mut listed) = op::listed(p, &key)? else {
            let names = op::listing(p)?.into_iter().map(|l| l.key).collect();
            return Ok(Found::Unknown(names));
        };
        let cb = match std::mem::replace(&mut listed.codebook, Err(String::new())) {
            Ok(cb) => cb,
            Err(e) => {
                listed.codebook = Err(e);
                return Ok(Found::Broken(Box::new(listed)));
            }
        };
        let explained = op::explain(&cb, None)?;
        let segments = p.store().segment_count()?;
        let corpus = if segments <= CORPUS_AUTO || want_corpus {
            Some(op::check_corpus(p, &cb, MAX_SHARE)?)
        } else {
            None
        };
        let (rules, tune) = if listed.run {
            let opts = RulesOptions {
                codebook: listed.id.clone(),
                coder: None,
                min_decided: 0,
                width: WIDTH,
            };
            let preview = match &cfg {
                Ok(c) => tune::tune(p, listed.tune_name(), c).map_err(|e| e.to_string()),
                Err(e) => Err(e.clone()),
            };
            (Some(measure::rules(p, &opts)?), Some(preview))
        } else {
            (None, None)
        };
        let tuned_path = measure::tuned_path(p, &listed.id);
        Ok(Found::Page(Box::new(Detail {
            listed,
            cb,
            explained,
            corpus,
            segments,
            rules,
            cfg,
            tune,
            tuned_path,
        })))
    })
    .await;
    match found {
        Ok(Found::Page(d)) => {
            let title = d.cb.name.clone();
            page(&title, "Codebooks", detail_page(&app, &d)).into_response()
        }
        Ok(Found::Broken(l)) => page(&l.key, "Codebooks", broken_page(&l)).into_response(),
        Ok(Found::Unknown(names)) => unknown(&q.name, &names),
        Err(r) => r,
    }
}

/// The tune thresholds from the form's text (empty: the defaults), or what is wrong.
fn thresholds(below: &str, confidence: &str) -> Result<TuneConfig, String> {
    let d = TuneConfig::default();
    let num = |s: &str, default: f64, what: &str| -> Result<f64, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(default);
        }
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{what} `{s}` is not a number: give one such as {default}."))
    };
    Ok(TuneConfig {
        below: num(below, d.below, "The precision threshold")?,
        confidence: num(confidence, d.confidence, "The confidence")?,
        ..d
    })
}

/// The 404 page of a codebook name this project does not know.
fn unknown(name: &str, names: &[String]) -> Response {
    let body = html! {
        h1 { "No such codebook" }
        (problem(&format!("There is no codebook called “{name}” in this project.")))
        p { "The codebooks there are: "
            @for (i, n) in names.iter().enumerate() {
                @if i > 0 { ", " }
                a href={ "/codebook?name=" (encode(n)) } { (n) }
            }
            "." }
        p { a href="/codebook" { "All codebooks" } }
    };
    (
        StatusCode::NOT_FOUND,
        page("No such codebook", "Codebooks", body),
    )
        .into_response()
}

/// The page of a codebook whose file does not load now.
fn broken_page(l: &Listed) -> Markup {
    let why = l.codebook.as_ref().err().map_or("", String::as_str);
    html! {
        h1 { "Codebook " (l.id) }
        div.problem role="alert" {
            p { "This codebook's file no longer loads, so its codes cannot be shown:" }
            pre.caret { (why) }
        }
        p { "The file: " code { (l.origin) } ". Fix it (the message gives the line and column), \
             then reload this page. Decisions already made on its codes are kept." }
        p { a href="/codebook" { "All codebooks" } }
    }
}

/// `GET /codebook`: every codebook a person can open here.
fn list_page(list: &[Listed]) -> Markup {
    html! {
        h1 { "Codebooks" }
        p { "A codebook is a set of codes, each with rules that suggest where it applies. Open one \
             to read its codes, see what its rules find in this study and, once suggestions have \
             been reviewed, how often each rule was right." }
        table.codebooks {
            thead { tr { th { "Codebook" } th.num { "Codes" } th { "Comes from" } th { "In this project" } } }
            tbody {
                @for l in list {
                    tr {
                        td {
                            a href={ "/codebook?name=" (encode(&l.key)) } {
                                @match &l.codebook { Ok(cb) => (cb.name), Err(_) => (l.id) }
                            }
                            br; span.id { (l.id) }
                        }
                        td.num { @if let Ok(cb) = &l.codebook { (cb.codes.len()) } }
                        td { @if l.built_in { "built into quarry" } @else { code { (l.origin) } } }
                        td {
                            @if let Err(e) = &l.codebook {
                                span.flag { "⚠ its file does not load: " } (e)
                            } @else if l.run {
                                "Applied: its rules have made suggestions here"
                            } @else if let Some(o) = &l.other_run {
                                "Not this version: the project last applied " (l.id) " from " code { (o) }
                            } @else {
                                span.muted { "Not applied yet" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One codebook's page.
fn detail_page(app: &App, d: &Detail) -> Markup {
    let cb = &d.cb;
    let rules_count: usize = cb.codes.iter().map(|c| c.rules.len()).sum();
    let decided = d
        .rules
        .as_ref()
        .is_some_and(|r| r.codes.iter().any(|c| c.decided > 0));
    html! {
        h1 { (cb.name) }
        p.muted {
            "Codebook " code { (cb.id) } " · version " (cb.version) " · " (cb.codes.len()) " codes, "
            (rules_count) " rules · "
            @if d.listed.built_in { "built into quarry" } @else { "from " code { (d.listed.origin) } }
        }
        @if !cb.description.is_empty() { p { (cb.description) } }
        @if !cb.source.is_empty() { p.muted { "Source: " (cb.source) } }
        (run_note(d))
        @if !cb.mask.is_empty() {
            p { "Phrases never counted as evidence for any code: " (phrases(&cb.mask)) "." }
        }
        (corpus_note(d))
        @if let Some(r) = &d.rules {
            @if decided {
                p { "Precision is the share of decided suggestions that were accepted (everyone's \
                     decisions), with its 95% Wilson interval. “More needed” is how many more \
                     decisions a term needs for an interval narrower than " (WIDTH)
                     " if its precision holds (the review page's per-term sample draws them)." }
                (recall_note(r))
            } @else {
                p.muted { "No suggestion of this codebook has been decided yet: each rule's \
                           precision appears here once someone reviews its suggestions." }
            }
        }
        nav.toc aria-label="Codes" {
            h2 { "Codes" }
            (toc(cb, None))
        }
        ol.tree { @for i in children(cb, None) { (code_item(d, i)) } }
        (tune_panel(app, d))
    }
}

/// Whether (and which version of) the codebook was applied to the project.
fn run_note(d: &Detail) -> Markup {
    html! {
        @if d.listed.run {
            p { "Applied to this project: its rules have made suggestions here." }
        } @else if let Some(o) = &d.listed.other_run {
            p.note { "This project last applied codebook " code { (d.listed.id) } " from another file, "
                code { (o) } ". The precision figures and tuning are on that codebook's page "
                "(see " a href="/codebook" { "all codebooks" } ")." }
        } @else {
            p.note { "Not applied to this project yet: its rules have made no suggestions here, so \
                      there is nothing to review or measure. (Whoever runs quarry can apply it with "
                code { "quarry suggest --codebook " (d.listed.tune_name()) } ".)" }
        }
    }
}

/// What running the rules on the corpus covered, or a link to do it in a large project.
fn corpus_note(d: &Detail) -> Markup {
    html! {
        @match &d.corpus {
            Some(c) => p {
                "Each rule below was run on all " (c.segments) " segments of this study: the \
                 segments it matches and the words of the study it catches. "
                @if c.flagged > 0 { span.flag { "⚠ " (c.flagged) " flagged" } " (matching nothing, or more than "
                    (MAX_SHARE) "% of segments)." }
            },
            None => p.note {
                "This study has " (d.segments) " segments, so the rules were not run on all of \
                 them for this page. "
                a href={ "/codebook?name=" (encode(&d.listed.key)) "&corpus=1" } {
                    "Show the words each rule catches (takes a while)" }
            },
        }
    }
}

/// The recall estimate, as `quarry rules` words it.
fn recall_note(r: &RulesReport) -> Markup {
    html! {
        @match &r.recall {
            Some(rc) => p {
                "Recall about " (f2(rc.recall)) " (range " (f2(rc.interval.0)) "-" (f2(rc.interval.1)) "): "
                (rc.missed) " of " (rc.sampled) " sampled unsuggested segments had a code; "
                (rc.unsuggested) " unsuggested and " (rc.suggested) " suggested segments, segment precision "
                (f2(rc.segment_precision)) "."
            },
            None => p.muted { "Recall: not estimated yet (it needs a reviewed sample of segments \
                               that got no suggestion)." },
        }
    }
}

/// The codes under `parent` (None: the top level), in codebook order.
fn children(cb: &Codebook, parent: Option<usize>) -> Vec<usize> {
    (0..cb.codes.len())
        .filter(|&i| cb.codes[i].parent == parent)
        .collect()
}

/// The table of contents: the code tree as links.
fn toc(cb: &Codebook, parent: Option<usize>) -> Markup {
    let kids = children(cb, parent);
    html! {
        @if !kids.is_empty() {
            ul {
                @for i in kids {
                    li {
                        a href={ "#code-" (cb.codes[i].id) } { (cb.codes[i].name) }
                        (toc(cb, Some(i)))
                    }
                }
            }
        }
    }
}

/// A colour swatch: an SVG square (a presentation attribute, which the page's security
/// policy allows where it refuses inline styles). Decorative: the colour is also written.
fn swatch(colour: &str) -> Markup {
    html! {
        svg.swatch width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false" {
            rect x="0.5" y="0.5" width="13" height="13" rx="3" fill=(colour) stroke="#5b6570" {}
        }
    }
}

/// A heading of the level that fits a code's depth.
fn heading(depth: usize, inner: Markup) -> Markup {
    html! {
        @match depth {
            0 | 1 => h2 { (inner) },
            2 => h3 { (inner) },
            3 => h4 { (inner) },
            4 => h5 { (inner) },
            _ => h6 { (inner) },
        }
    }
}

/// Phrases as a list in quotes.
fn phrases(list: &[String]) -> Markup {
    html! {
        @for (i, m) in list.iter().enumerate() {
            @if i > 0 { ", " }
            "“" (m) "”"
        }
    }
}

/// One code: its notes, figures, rules and the codes below it.
fn code_item(d: &Detail, i: usize) -> Markup {
    let cb = &d.cb;
    let c = &cb.codes[i];
    let quality = d
        .rules
        .as_ref()
        .and_then(|r| r.codes.iter().find(|q| q.code == c.id));
    let explained = d.explained.iter().find(|e| e.code == c.id);
    let kids = children(cb, Some(i));
    // The masks beyond the codebook's own (which the page names once, at the top).
    let own_masks: Vec<String> = explained
        .map(|e| {
            e.masks
                .iter()
                .filter(|m| !cb.mask.contains(m))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    html! {
        li.code id={ "code-" (c.id) } {
            (heading(c.depth, html! {
                @if let Some(col) = &c.colour { (swatch(col)) " " }
                (c.name) " " span.id { (c.id) }
            }))
            (notes(c, &own_masks))
            @if let Some(q) = quality.filter(|q| q.fired > 0) {
                p.figures {
                    "Suggested " (q.fired) " times; " (q.decided) " decided, " (q.accepted) " accepted"
                    @if let (Some(p), Some(iv)) = (q.precision, q.interval) {
                        "; precision " b { (f2(p)) } " (95% interval " (interval(iv)) ")"
                    }
                    "."
                }
            }
            @if let Some(s) = explained.and_then(Explained::search) {
                p.whole {
                    a.query href={ "/search?q=" (encode(&s)) } {
                        "Search for everything this code's rules find"
                        @if !kids.is_empty() { " (with the codes below it)" }
                    }
                }
                details.whole {
                    summary { "Show that search" }
                    code { (s) }
                    p.muted { "A search cannot leave out masked phrases, so it may find a little \
                               more than the rules do." }
                }
            }
            @if !c.rules.is_empty() {
                div.rules {
                    @for (k, r) in c.rules.iter().enumerate() {
                        (rule_item(d, i, k, &r.text, explained))
                    }
                }
            }
            @if !kids.is_empty() {
                ol.tree { @for j in kids { (code_item(d, j)) } }
            }
        }
    }
}

/// A code's definition, notes, colour, scope and `masks` (its own and its ancestors').
fn notes(c: &Code, masks: &[String]) -> Markup {
    html! {
        dl.notes {
            @if !c.definition.is_empty() { dt { "Definition" } dd { (c.definition) } }
            @if !c.include.is_empty() { dt { "Use it for" } dd { (c.include) } }
            @if !c.exclude.is_empty() { dt { "Not for" } dd { (c.exclude) } }
            @if let Some(col) = &c.colour { dt { "Colour" } dd { (swatch(col)) " " (col) } }
            dt { "Reads" }
            dd { @match c.scope {
                Scope::Participants => "participants' turns (not interviewers', reposts or duplicates)",
                Scope::All => "every segment",
            } }
            @if !masks.is_empty() { dt { "Also masked" } dd { (phrases(masks)) " (never evidence for it)" } }
        }
    }
}

/// The corpus check of the `k`th rule of code `i`.
fn rule_check(d: &Detail, i: usize, k: usize) -> Option<&RuleCheck> {
    let before: usize = d.cb.codes[..i].iter().map(|c| c.rules.len()).sum();
    d.corpus.as_ref()?.rules.get(before + k)
}

/// The precision of rule `text` of code `i`, from the last run.
fn rule_quality<'a>(d: &'a Detail, i: usize, text: &str) -> Option<&'a RuleQuality> {
    let code = &d.cb.codes[i].id;
    d.rules
        .as_ref()?
        .codes
        .iter()
        .find(|q| q.code == *code)?
        .rules
        .iter()
        .find(|r| r.rule == text)
}

/// One rule: as written, its search, what it catches, how precise it was.
fn rule_item(d: &Detail, i: usize, k: usize, text: &str, e: Option<&Explained>) -> Markup {
    let check = rule_check(d, i, k).filter(|c| c.rule == text);
    let quality = rule_quality(d, i, text);
    html! {
        div.rule {
            p.written { span.label { "Rule" } " " code { (text) } }
            @if let Some(e) = e {
                @let s = e.rule_search(text);
                p { "As a search: " a.query href={ "/search?q=" (encode(&s)) } { code { (s) } } }
            }
            @if let Some(c) = check {
                p {
                    "Matches " b.segments { (c.segments) } @if c.segments == 1 { " segment" } @else { " segments" }
                    " (" (format!("{:.1}", c.share)) "%)."
                    @match c.flag {
                        Some(Flag::Nothing) => { " " span.flag { "⚠ matches nothing in this study" } }
                        Some(Flag::TooBroad) => { " " span.flag { "⚠ matches more than " (MAX_SHARE) "% of segments: is it too broad?" } }
                        None => {}
                    }
                }
                @if !c.catches.is_empty() { (catches(&c.catches)) }
                @for f in &c.other_forms {
                    p.muted {
                        "Also in the study, not caught (segments): "
                        @for (j, (w, n)) in f.words.iter().enumerate() {
                            @if j > 0 { ", " }
                            (w) " (" (n) ")"
                        }
                        @if f.more > 0 { " and " (f.more) " more" }
                        "; try " code { (f.stem) "*" } "."
                    }
                }
            }
            @if let Some(q) = quality { (precision(q)) }
        }
    }
}

/// The corpus words a rule catches, the most frequent first; the rest behind a disclosure.
fn catches(list: &[(String, usize)]) -> Markup {
    let (shown, rest) = list.split_at(list.len().min(CATCHES_SHOWN));
    html! {
        div.catches {
            span.label { "Catches" }
            ul.words { @for (w, n) in shown { li { (w) " (" (n) ")" } } }
            @if !rest.is_empty() {
                details {
                    summary { "and " (rest.len()) " more" }
                    ul.words { @for (w, n) in rest { li { (w) " (" (n) ")" } } }
                }
            }
        }
    }
}

/// A number as `quarry rules` prints it.
fn f2(x: f64) -> String {
    format!("{x:.2}")
}

/// An interval as `quarry rules` prints it.
fn interval(iv: (f64, f64)) -> String {
    format!("{:.2}-{:.2}", iv.0, iv.1)
}

/// One row of figures: suggested, decided, accepted, precision, interval, alone, more.
fn figures_row(label: Markup, t: &TermQuality, fired: usize, alone: bool) -> Markup {
    html! {
        tr {
            th scope="row" { (label) }
            td.num { (fired) }
            td.num { (t.decided) }
            td.num { (t.accepted) }
            td.num { (t.precision.map_or("-".into(), f2)) }
            td.num { (t.interval.map_or("-".into(), interval)) }
            td.num { @if alone { (t.only) } @else { "" } }
            td.num { (t.more.map_or("-".into(), |m| m.to_string())) }
        }
    }
}

/// A rule's precision and its terms', once any of its suggestions was decided.
fn precision(q: &RuleQuality) -> Markup {
    // The rule's row carries its figures; its one term's "more" when it has one term.
    let own = TermQuality {
        term: q.rule.clone(),
        fired: q.fired,
        decided: q.decided,
        accepted: q.accepted,
        precision: q.precision,
        interval: q.interval,
        only: 0,
        only_share: None,
        more: match q.terms.as_slice() {
            [t] => t.more,
            _ => None,
        },
    };
    html! {
        @if q.decided == 0 {
            @if q.fired > 0 {
                p.muted { "Suggested " (q.fired) " times; none decided yet." }
            }
        } @else {
            table.precision {
                thead { tr {
                    th { span.visually-hidden { "What" } }
                    th.num { "Suggested" } th.num { "Decided" } th.num { "Accepted" }
                    th.num { "Precision" } th.num { "95% interval" }
                    th.num { abbr title="accepted suggestions no other term of the code found" { "Alone" } }
                    th.num { "More needed" }
                } }
                tbody {
                    (figures_row(html! { "the rule" }, &own, q.fired, false))
                    @if q.terms.len() > 1 {
                        @for t in &q.terms {
                            (figures_row(html! { "term " code { (t.term) } }, t, t.fired, true))
                        }
                    }
                }
            }
            @if !q.rejected_words.is_empty() {
                p.muted { "Evidence words of rejected suggestions: "
                    @for (j, (w, n)) in q.rejected_words.iter().enumerate() {
                        @if j > 0 { ", " }
                        (w) " (" (n) ")"
                    }
                }
            }
        }
    }
}

/// The tune panel: the thresholds, the preview (terms, measured change, diff) and the form
/// that writes the tuned file.
fn tune_panel(app: &App, d: &Detail) -> Markup {
    let (below, confidence) = match &d.cfg {
        Ok(c) => (c.below.to_string(), c.confidence.to_string()),
        Err(_) => ("0.2".to_string(), "0.95".to_string()),
    };
    html! {
        section.tune #tune aria-labelledby="tune-title" {
            h2 #tune-title { "Tune the rules" }
            p { "Tuning makes a new version of this codebook without the terms the decisions show to \
                 be bad: those whose whole precision interval lies below a threshold. Each is \
                 dropped, or masked in the phrase most of its rejected uses share (“kind” in “kind \
                 of”). The preview below changes nothing; the original codebook is never edited." }
            @if d.tune.is_none() {
                p.muted { "Tuning needs this codebook applied to the project and some of its \
                           suggestions decided." }
            } @else {
                form.tune-options method="get" action="/codebook#tune" {
                    input type="hidden" name="name" value=(d.listed.key);
                    label for="below" { "Precision below" }
                    input #below type="text" inputmode="decimal" name="below" value=(below) size="5";
                    label for="confidence" { "Confidence" }
                    input #confidence type="text" inputmode="decimal" name="confidence" value=(confidence) size="5";
                    button type="submit" { "Preview" }
                }
            }
            @match &d.tune {
                None => {}
                Some(Err(e)) => (problem(e)),
                Some(Ok(t)) => (tune_preview(app, d, t)),
            }
        }
    }
}

/// What tuning would do, and the button that writes it.
fn tune_preview(app: &App, d: &Detail, t: &Tuned) -> Markup {
    let Ok(cfg) = &d.cfg else {
        return html! {};
    };
    let pct = tune::percent(cfg.confidence);
    html! {
        @if t.changes.is_empty() {
            p { "No term's " (pct) "% precision interval lies below " (cfg.below) ": nothing to tune. \
                 (A term needs enough decisions for its interval to be narrow; the figures above \
                 say how many more each needs.)" }
        } @else {
            h3 { "Terms whose " (pct) "% interval lies below " (cfg.below) }
            (changes_table(t))
            @if !t.codes.is_empty() {
                h3 { "Measured change" }
                p.muted { "From running the tuned rules on each code's suggestions." }
                (measured_table(t))
            }
            h3 { "Changes to the file" }
            (diff(&t.diff))
            @if t.edits() {
                form.write method="post" action="/codebook/tune" {
                    (forms::key_field(app))
                    input type="hidden" name="name" value=(d.listed.key);
                    input type="hidden" name="below" value=(cfg.below);
                    input type="hidden" name="confidence" value=(cfg.confidence);
                    p { "The tuned codebook will be written to a new file, "
                        code { (d.tuned_path.display()) } "; no file is replaced." }
                    button type="submit" { "Write the tuned codebook" }
                }
            } @else {
                p { "Every term was kept (the table says why): nothing to write." }
            }
        }
    }
}

/// Each bad term and what tuning does to it.
fn changes_table(t: &Tuned) -> Markup {
    html! {
        table.changes {
            thead { tr {
                th { "Term" } th { "Code" } th { "Rule" } th.num { "Decided" } th.num { "Accepted" }
                th.num { "Interval" } th.num { "Alone" } th { "What is done" }
            } }
            tbody {
                @for c in &t.changes {
                    tr {
                        td { code { (c.term) } }
                        td { (c.code) }
                        td { code { (c.rule) } }
                        td.num { (c.decided) }
                        td.num { (c.accepted) }
                        td.num { (interval(c.interval)) }
                        td.num { (c.only) }
                        td { (action(&c.action)) }
                    }
                }
            }
        }
    }
}

/// The measured change per code.
fn measured_table(t: &Tuned) -> Markup {
    let p = |x: Option<f64>| x.map_or("-".into(), f2);
    html! {
        table.measured {
            thead { tr {
                th { "Code" } th.num { "Suggested" } th.num { "Decided" } th.num { "Accepted" }
                th.num { "Precision" }
            } }
            tbody {
                @for c in &t.codes {
                    @let (p0, p1) = c.precision();
                    tr {
                        td { (c.code) }
                        td.num { (c.before) " → " (c.after) }
                        td.num { (c.decided_before.0) " → " (c.decided_after.0) }
                        td.num { (c.decided_before.1) " → " (c.decided_after.1) }
                        td.num { (p(p0)) " → " (p(p1)) }
                    }
                }
            }
        }
    }
}

/// What became of a bad term, in words.
fn action(a: &Action) -> String {
    match a {
        Action::Dropped => "dropped from the rule".into(),
        Action::RuleDropped => "the rule is dropped (it had no other term)".into(),
        Action::Masked(p) => format!("masked in “{p}”"),
        Action::Context(p, r, a) => {
            format!(
                "masked in “{p}” (learned context: {a} of {} accepted)",
                r + a
            )
        }
        Action::Kept(why) => format!("kept: {why}"),
    }
}

/// A unified diff, each line marked by its sign as well as its colour.
fn diff(text: &str) -> Markup {
    html! {
        pre.diff {
            @for line in text.lines() {
                @let class = if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
                    "head"
                } else if line.starts_with('+') {
                    "add"
                } else if line.starts_with('-') {
                    "del"
                } else {
                    "same"
                };
                span class=(class) { (line) "\n" }
            }
        }
    }
}

/// The tune form.
#[derive(Deserialize)]
pub(super) struct TuneForm {
    #[serde(default)]
    form: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    below: String,
    #[serde(default)]
    confidence: String,
}

/// `POST /codebook/tune`: writes the tuned codebook file when asked.
pub(super) async fn tune(State(app): State<Arc<App>>, Form(f): Form<TuneForm>) -> Response {
    if !app.forms.valid(&f.form) {
        return forms::refused();
    }
    let cfg = match thresholds(&f.below, &f.confidence) {
        Ok(c) => c,
        Err(m) => return problem_page(StatusCode::BAD_REQUEST, &m),
    };
    let key = f.name.clone();
    let shown = cfg.clone();
    let done = with_project(&app, move |p| {
        let Some(l) = op::listed(p, &key)? else {
            return Ok(None);
        };
        if !l.run {
            return Err(quarry::Error::Other(format!(
                "codebook {} is not the one this project last applied, so there are no \
                 decisions on its rules to tune from",
                l.key
            )));
        }
        let out = measure::tuned_path(p, &l.id);
        let t = measure::tune(p, l.tune_name(), &cfg, &out, false)?;
        Ok(Some((l.key, l.origin, out, t)))
    })
    .await;
    let (key, origin, out, t) = match done {
        Ok(Some(v)) => v,
        Ok(None) => return unknown(&f.name, &[]),
        Err(r) => return r,
    };
    let back = format!("/codebook?name={}", encode(&key));
    let body = html! {
        @if t.wrote {
            h1 { "Tuned codebook written" }
            p.done role="status" { "Wrote " code { (out.display()) } "." }
            p { "Its version is " (t.tuned.tuned.1) "; the original, " code { (origin) }
                ", is unchanged. The tuned codebook keeps the id " code { (t.tuned.tuned.0) }
                ", so the decisions made stay with it. To use it, whoever runs quarry applies it with "
                code { "quarry suggest --codebook " (out.display()) } "." }
            h2 { "What changed" }
            (changes_table(&t.tuned))
        } @else {
            h1 { "Nothing written" }
            p { "No term's " (tune::percent(shown.confidence)) "% interval lies below " (shown.below)
                ", or every such term was kept: there is no tuned codebook to write." }
        }
        p { a href=(back) { "Back to the codebook" } }
    };
    let title = if t.wrote {
        "Tuned codebook written"
    } else {
        "Nothing written"
    };
    page(title, "Codebooks", body).into_response()
}
