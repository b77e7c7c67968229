//! The review page: one suggestion at a time, in its turn with the evidence marked, the code's
//! definition and notes beside it; accept, reject, change, memo, skip, undo, step back and
//! forth, by key or button. Each decision is stored through `quarry::review::apply` (the
//! terminal review's call) before the next item is shown. Also the unsuggested mode: segments
//! no rule reached, each given a code or "no code" (`review --unsuggested`).

use super::forms;
use super::layout::{marked, page};
use super::pages::{encode, problem_page, with_project, with_project_mut};
use super::walk::{Counts, Done, Items, Walk};
use super::App;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use quarry::project::Project;
use quarry::review::{self, Command, Filter, Order};
use quarry::store::DecisionRow;
use quarry::text::model::Segment;
use serde::Deserialize;
use std::sync::{Arc, Mutex};

pub(crate) use super::walk::Reviews;

/// Decisions in the history panel.
const HISTORY: usize = 50;

/// What to review, as the page's address says it (the same choices as `quarry review`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ReviewParams {
    #[serde(default)]
    codebook: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    attr: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    sample: String,
    #[serde(default)]
    per_term: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    unsuggested: String,
}

impl ReviewParams {
    /// The parameters as a query string, in a fixed order (the walk's key and the way back).
    fn query(&self) -> String {
        let pairs = [
            ("codebook", &self.codebook),
            ("code", &self.code),
            ("document", &self.document),
            ("speaker", &self.speaker),
            ("attr", &self.attr),
            ("order", &self.order),
            ("sample", &self.sample),
            ("per_term", &self.per_term),
            ("seed", &self.seed),
            ("unsuggested", &self.unsuggested),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn unsuggested(&self) -> bool {
        !self.unsuggested.is_empty() && self.unsuggested != "0"
    }

    fn some(s: &str) -> Option<String> {
        Some(s.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// The queue filter, as a person named things (resolved by `ops::review::filter`).
    fn filter(&self) -> Result<Filter, String> {
        let order = match self.order.trim() {
            "" | "score" => Order::Score,
            "document" => Order::Document,
            "random" => Order::Random,
            "likely" => Order::Likely,
            "uncertain" => Order::Uncertain,
            other => {
                return Err(format!(
                    "no order {other:?}: score, document, random, likely or uncertain"
                ))
            }
        };
        let number = |what: &str, s: &str| -> Result<Option<u64>, String> {
            match s.trim() {
                "" => Ok(None),
                t => t
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{what} must be a whole number, not {t:?}")),
            }
        };
        Ok(Filter {
            codebook: Self::some(&self.codebook),
            code: Self::some(&self.code),
            document: Self::some(&self.document),
            speaker: Self::some(&self.speaker),
            attrs: Self::some(&self.attr).into_iter().collect(),
            order,
            seed: number("seed", &self.seed)?.unwrap_or(1),
            sample: number("sample", &self.sample)?.map(|n| n as usize),
            per_term: !self.per_term.is_empty() && self.per_term != "0",
            min_fired: None,
        })
    }
}

/// Builds the walk for `params` from the store.
fn start(p: &Project, coder: &str, params: &ReviewParams) -> quarry::Result<Walk> {
    let named = params.filter().map_err(quarry::Error::Other)?;
    let filter = quarry::ops::review::filter(p, &named)?;
    if params.unsuggested() {
        let cb = quarry::ops::review::unsuggested_codebook(p, &filter)?;
        let n = filter.sample.unwrap_or(50);
        let segments = review::unsuggested_sample(p, coder, &cb, n, n / 2, filter.seed)?;
        return Ok(Walk::new(Items::Unsuggested {
            codebook: Box::new(cb),
            segments,
        }));
    }
    Ok(Walk::new(Items::Suggestions(Box::new(
        quarry::ops::review::queue(p, coder, &filter)?,
    ))))
}

/// The walk for this coder and these parameters: the one in progress, else a new one.
async fn walk_for(
    app: &Arc<App>,
    coder: &str,
    params: &ReviewParams,
) -> Result<Arc<Mutex<Walk>>, Response> {
    let key = format!("{coder}\0{}", params.query());
    if let Some(w) = app.reviews.get(&key) {
        return Ok(w);
    }
    let (c, p) = (coder.to_string(), params.clone());
    let walk = with_project(app, move |project| start(project, &c, &p)).await?;
    Ok(app.reviews.put(key, walk))
}

/// What the page shows of the item on screen.
enum Shown {
    /// A suggestion.
    Suggestion {
        index: usize,
        item: Box<review::Item>,
        targets: Vec<(String, String)>,
        code: Counts,
        done: Done,
        applied: Vec<review::margin::Applied>,
    },
    /// A segment no rule reached.
    Segment {
        index: usize,
        segment: Box<Segment>,
        before: Option<Box<Segment>>,
        after: Option<Box<Segment>>,
        codes: Vec<(String, String)>,
        done: Done,
    },
}

/// Everything the page shows.
struct View {
    coder: String,
    params: ReviewParams,
    codebooks: Vec<String>,
    counts: Counts,
    place: usize,
    shown: Option<Shown>,
    history: Vec<DecisionRow>,
    said: Option<String>,
    how_drawn: Option<String>,
}

/// Reads what the page shows from the walk and the store.
fn view(p: &Project, coder: &str, params: ReviewParams, walk: &mut Walk) -> quarry::Result<View> {
    let codebooks = p
        .store()
        .codebooks_run()?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let shown = match walk.current() {
        None => None,
        Some(i) => Some(shown(p, walk, i)?),
    };
    let how_drawn = match &walk.items {
        Items::Suggestions(q) => q.term_sample.as_ref().map(|t| {
            format!(
                "A sample by term: {} suggestions drawn over {} of {} terms; each covered term \
                 will have at least {} decisions.",
                t.drawn, t.covered, t.terms, t.least
            )
        }),
        Items::Unsuggested { codebook, segments } => Some(format!(
            "{} segments that no rule of {} reached ({} drawn at random, which estimate what the \
             codebook misses; the others for resembling segments confirmed for a code): say \
             which code applies, or none.",
            segments.segments.len(),
            codebook.id,
            segments.segments.len() - segments.targeted.len()
        )),
    };
    Ok(View {
        coder: coder.to_string(),
        params,
        codebooks,
        counts: walk.counts(),
        place: walk.place(),
        shown,
        history: review::recent(p, coder, HISTORY)?,
        said: walk.said.take(),
        how_drawn,
    })
}

/// The item `i` of the walk, loaded.
fn shown(p: &Project, walk: &Walk, i: usize) -> quarry::Result<Shown> {
    let done = walk.done[i].clone();
    match &walk.items {
        Items::Suggestions(q) => {
            let item = q.item(p, i)?;
            let targets = review::pick::change_targets(q, &item).unwrap_or_default();
            let counts = walk.code_counts(i);
            let seg = item.segment.id;
            let applied = review::margin::margins(p, seg, seg)?
                .remove(&seg)
                .map(|m| m.applied)
                .unwrap_or_default();
            Ok(Shown::Suggestion {
                index: i,
                item: Box::new(item),
                targets,
                code: counts,
                done,
                applied,
            })
        }
        Items::Unsuggested { codebook, segments } => {
            let store = p.store();
            let id = segments.segments[i];
            let segment = store.segments(&[id])?.pop().ok_or_else(|| {
                quarry::store::StoreError::NotFound(format!("segment #{id} is gone"))
            })?;
            let near = store.segments_in(segment.document_id, segment.ord - 1, segment.ord + 1)?;
            let at = |o: i64| near.iter().find(|x| x.ord == o).cloned().map(Box::new);
            Ok(Shown::Segment {
                index: i,
                before: at(segment.ord - 1),
                after: at(segment.ord + 1),
                segment: Box::new(segment),
                codes: codebook
                    .codes
                    .iter()
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect(),
                done,
            })
        }
    }
}

/// `GET /review`: the item on screen, or the choice of what to review.
pub(super) async fn review(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(params): Query<ReviewParams>,
) -> Response {
    let Some(coder) = forms::coder(&app, &headers) else {
        return forms::ask_first(&format!("/review?{}", params.query()));
    };
    if let Err(e) = params.filter() {
        return problem_page(StatusCode::BAD_REQUEST, &e);
    }
    if params.unsuggested() && params.codebook.trim().is_empty() {
        return problem_page(
            StatusCode::BAD_REQUEST,
            "Segments no rule reached are drawn for one codebook: choose a codebook.",
        );
    }
    let walk = match walk_for(&app, &coder, &params).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let c = coder.clone();
    let v = with_project(&app, move |p| {
        let mut w = walk.lock().unwrap_or_else(|e| e.into_inner());
        view(p, &c, params, &mut w)
    })
    .await;
    match v {
        Ok(v) => page("Review", "Review", render(&app, &v)).into_response(),
        Err(r) => r,
    }
}

/// A decision form.
#[derive(Deserialize)]
pub(super) struct DecideForm {
    form: String,
    /// The review's parameters (query string) to come back to.
    #[serde(default)]
    back: String,
    /// The item's index in the walk.
    item: usize,
    /// accept, reject, change, code, none, skip, next, prev, restart.
    verdict: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    memo: String,
}

/// `POST /review/decide`: stores the decision on the item (or moves through the walk), then
/// shows the next item.
pub(super) async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<DecideForm>,
) -> Response {
    if !app.forms.valid(&f.form) {
        return forms::refused();
    }
    let Some(coder) = forms::coder(&app, &headers) else {
        return forms::ask_first("/review");
    };
    let params: ReviewParams = match serde_urlencoded_params(&f.back) {
        Some(p) => p,
        None => return problem_page(StatusCode::BAD_REQUEST, "the review's address is damaged"),
    };
    let back = format!("/review?{}", params.query());
    let key = format!("{coder}\0{}", params.query());
    if f.verdict == "restart" {
        app.reviews.drop_walk(&key);
        return Redirect::to(&back).into_response();
    }
    let walk = match walk_for(&app, &coder, &params).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let outcome = with_project_mut(&app, move |p| {
        let mut w = walk.lock().unwrap_or_else(|e| e.into_inner());
        let said = step(p, &coder, &mut w, &f);
        w.said = Some(match said {
            Ok(s) => s,
            Err(e) => format!("Not stored: {e}"),
        });
        Ok(())
    })
    .await;
    match outcome {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(r) => r,
    }
}

/// Parses the `back` field (a query string) into the review's parameters.
fn serde_urlencoded_params(back: &str) -> Option<ReviewParams> {
    let mut p = ReviewParams::default();
    for kv in back.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=')?;
        let v = forms::decode(&v.replace('+', " "));
        let slot = match k {
            "codebook" => &mut p.codebook,
            "code" => &mut p.code,
            "document" => &mut p.document,
            "speaker" => &mut p.speaker,
            "attr" => &mut p.attr,
            "order" => &mut p.order,
            "sample" => &mut p.sample,
            "per_term" => &mut p.per_term,
            "seed" => &mut p.seed,
            "unsuggested" => &mut p.unsuggested,
            _ => return None,
        };
        *slot = v;
    }
    Some(p)
}

/// Carries out one form on the walk; what to say about it.
fn step(p: &mut Project, coder: &str, w: &mut Walk, f: &DecideForm) -> quarry::Result<String> {
    match f.verdict.as_str() {
        "skip" => {
            w.skip();
            return Ok("Skipped: it comes back at the end.".into());
        }
        "next" => {
            w.forward();
            return Ok(String::new());
        }
        "prev" => {
            w.back();
            return Ok(String::new());
        }
        _ => {}
    }
    let i = f.item;
    match w.done.get(i) {
        None => {
            return Err(quarry::Error::Other(
                "that item is not in this review".into(),
            ))
        }
        Some(Done::Decided(..)) => {
            return Err(quarry::Error::Other(
                "you decided this item already; undo that decision to decide again".into(),
            ))
        }
        Some(_) => {}
    }
    let memo = Some(f.memo.trim().to_string()).filter(|m| !m.is_empty());
    let code = f.code.trim().to_string();
    let (id, what) = match &w.items {
        Items::Suggestions(q) => {
            let cmd = match f.verdict.as_str() {
                "accept" => Command::Accept(memo),
                "reject" => Command::Reject(memo),
                "change" if !code.is_empty() => Command::Change(code.clone(), memo),
                "change" => {
                    return Err(quarry::Error::Other("choose the code to change to".into()))
                }
                other => return Err(quarry::Error::Other(format!("no action {other:?}"))),
            };
            let item = q.item(p, i)?;
            let Some(id) = review::apply(p, q, coder, &item, &cmd, None)? else {
                return Err(quarry::Error::Other("nothing was decided".into()));
            };
            let what = match &cmd {
                Command::Accept(_) => "accepted".to_string(),
                Command::Change(c, _) => format!("changed to {c}"),
                _ => "rejected".to_string(),
            };
            let s = &q.items[i];
            let mut said = format!("#{} {}: {what}.", s.segment, s.code);
            // The decision is stored; if the ranker cannot learn it, only the order of what
            // is left misses it, and the coder is told.
            if let Err(e) = w.learn(p, i, matches!(cmd, Command::Accept(_))) {
                said.push_str(&format!(" (the order could not learn from it: {e})"));
            }
            w.decided(i, id, what);
            return Ok(said);
        }
        Items::Unsuggested { codebook, segments } => {
            let (code, what) = match f.verdict.as_str() {
                "none" => (review::quality::NO_CODE.to_string(), "no code".to_string()),
                "code" if codebook.code(&code).is_some() => (code.clone(), format!("coded {code}")),
                "code" => {
                    return Err(quarry::Error::Other(format!(
                        "choose a code of {} (or no code)",
                        codebook.id
                    )))
                }
                other => return Err(quarry::Error::Other(format!("no action {other:?}"))),
            };
            let seg = segments.segments[i];
            let targeted = segments.targeted.contains(&seg);
            let id = review::record_unsuggested(p, coder, codebook, seg, &code, memo, targeted)?;
            (id, what)
        }
    };
    let said = match &w.items {
        Items::Unsuggested { segments, .. } => format!("#{}: {what}.", segments.segments[i]),
        Items::Suggestions(_) => String::new(),
    };
    w.decided(i, id, what);
    Ok(said)
}

/// An undo form.
#[derive(Deserialize)]
pub(super) struct UndoForm {
    form: String,
    #[serde(default)]
    back: String,
    /// The decision to undo (default: the coder's last).
    decision: Option<i64>,
}

/// `POST /review/undo`: undoes the coder's last decision, or the one named; its item comes
/// back on screen when it was made in this review.
pub(super) async fn undo(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<UndoForm>,
) -> Response {
    if !app.forms.valid(&f.form) {
        return forms::refused();
    }
    let Some(coder) = forms::coder(&app, &headers) else {
        return forms::ask_first("/review");
    };
    let params = serde_urlencoded_params(&f.back).unwrap_or_default();
    let back = format!("/review?{}", params.query());
    let c = coder.clone();
    let walks = app.reviews.of_coder(&coder);
    let undone = with_project_mut(&app, move |p| {
        let d = match f.decision {
            Some(id) => review::undo_one(p, &c, id),
            None => review::undo_last(p, &c),
        }?;
        if let Some(d) = &d {
            for w in &walks {
                if let Ok(mut w) = w.lock() {
                    w.unlearn(p, d.id);
                    w.undone(d.id);
                }
            }
        }
        Ok(d)
    })
    .await;
    let said = match undone {
        Ok(Some(d)) => format!("Undone: {}.", review::describe(&d)),
        Ok(None) => "Nothing to undo.".to_string(),
        Err(r) => return r,
    };
    let key = format!("{coder}\0{}", params.query());
    if let Some(w) = app.reviews.get(&key) {
        if let Ok(mut w) = w.lock() {
            w.said = Some(said);
        }
    }
    Redirect::to(&back).into_response()
}

/// Parameters of the code picker's ranking.
#[derive(Deserialize)]
pub(super) struct CodesParams {
    codebook: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    except: String,
}

/// `GET /review/codes?codebook=&q=`: the codebook's codes best matching what was typed
/// (`review::pick::ranked`, as in the terminal), as JSON `[[id, name], ...]`.
pub(super) async fn codes(State(app): State<Arc<App>>, Query(q): Query<CodesParams>) -> Response {
    let found = with_project(&app, move |p| {
        let cb = p.codebook(&q.codebook)?;
        let all: Vec<(String, String)> = cb
            .codes
            .iter()
            .filter(|c| c.id != q.except)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        Ok(review::pick::ranked(&all, &q.q)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>())
    })
    .await;
    match found {
        Ok(list) => axum::Json(list).into_response(),
        Err(r) => r,
    }
}

// ---------------------------------------------------------------- rendering

/// "37 / 412 · 30 accepted · 5 rejected · 2 skipped".
fn progress(place: usize, c: &Counts) -> String {
    format!(
        "{} / {} · {} accepted · {} rejected · {} skipped",
        place.min(c.total),
        c.total,
        c.accepted,
        c.rejected,
        c.skipped
    )
}

fn render(app: &App, v: &View) -> Markup {
    let back = v.params.query();
    let key = app.forms.issue();
    html! {
        div.review-head {
            h1 { "Review" }
            p.muted {
                "Coding as " b { (v.coder) } " · "
                a href={ "/coder?next=" (encode(&format!("/review?{back}"))) } { "not you?" }
            }
        }
        (filters(v))
        @if let Some(h) = &v.how_drawn { p.muted { (h) } }
        @if let Some(s) = v.said.as_ref().filter(|s| !s.is_empty()) {
            p.said role="status" { (s) }
        }
        p.progress #progress { (progress(v.place, &v.counts)) }
        div.review-grid {
            div {
                @match &v.shown {
                    None => (finished(&key, v)),
                    Some(Shown::Suggestion { index, item, targets, code, done, .. }) => {
                        p.progress.muted { (item.suggestion.code) ": " (progress(code.accepted + code.rejected + 1, code)) }
                        (unit(&item.segment, item.before.as_ref(), item.after.as_ref(), &item.highlights))
                        (decision_form(&key, &back, *index, done, Some((item, targets)), None))
                        (rules(item))
                    }
                    Some(Shown::Segment { index, segment, before, after, codes, done }) => {
                        (unit(segment, before.as_deref(), after.as_deref(), &[]))
                        (decision_form(&key, &back, *index, done, None, Some(codes)))
                    }
                }
                (help())
            }
            div {
                @if let Some(Shown::Suggestion { item, applied, .. }) = &v.shown {
                    (suggestion(item))
                    @if !applied.is_empty() {
                        section.card aria-label="Codes people applied here" {
                            p { "Already coded here:" }
                            ul.plain {
                                @for a in applied {
                                    li { span.badge.confirmed { "coded" } " " (a.code) span.muted { " · " (a.coders.join(", ")) } }
                                }
                            }
                        }
                    }
                }
                (history(&key, &back, &v.history))
            }
        }
    }
}

fn filters(v: &View) -> Markup {
    let p = &v.params;
    html! {
        details.filters open[v.shown.is_none() && v.counts.total == 0] {
            summary { "What to review" }
            form.filters method="get" action="/review" {
                label { "Codebook "
                    select name="codebook" {
                        option value="" selected[p.codebook.is_empty()] { "all" }
                        @for b in &v.codebooks { option value=(b) selected[&p.codebook == b] { (b) } }
                    }
                }
                label { "Code (and its sub-codes) " input type="text" name="code" value=(p.code) size="14"; }
                label { "Document " input type="text" name="document" value=(p.document) size="14"; }
                label { "Speaker " input type="text" name="speaker" value=(p.speaker) size="10"; }
                label { "Attribute KEY=VALUE " input type="text" name="attr" value=(p.attr) size="14"; }
                label { "Order "
                    select name="order" {
                        @for (o, name) in [("score", "highest score first"), ("likely", "most likely accepted first"), ("uncertain", "least certain first (teaches the ranker)"), ("document", "document order"), ("random", "random")] {
                            option value=(o) selected[p.order == o || (p.order.is_empty() && o == "score")] { (name) }
                        }
                    }
                }
                label { "Sample of " input type="number" name="sample" min="1" value=(p.sample) size="5"; }
                label { input type="checkbox" name="per_term" value="1" checked[!p.per_term.is_empty()]; " by term" }
                label { input type="checkbox" name="unsuggested" value="1" checked[!p.unsuggested.is_empty()]; " segments no rule reached (needs a codebook)" }
                button type="submit" { "Review these" }
            }
        }
    }
}

fn finished(key: &str, v: &View) -> Markup {
    let back = v.params.query();
    html! {
        div.finished {
            @if v.counts.total == 0 {
                p { "Nothing waiting for " (v.coder) " here." }
                p.muted { "Suggestions appear once a codebook has been applied to the project \
                           (`quarry suggest --codebook NAME`), and leave the queue as you decide them. \
                           Choose other filters above, or look at the " a href="/" { "overview" } "." }
            } @else {
                p { "All " (v.counts.total) " decided. Thank you." }
            }
            form method="post" action="/review/decide" {
                input type="hidden" name="form" value=(key);
                input type="hidden" name="back" value=(back);
                input type="hidden" name="item" value="0";
                button type="submit" name="verdict" value="restart" { "Look for new suggestions" }
            }
        }
    }
}

/// The suggestion: code and notes, then the turn with its neighbours, then what fired.
fn suggestion(item: &review::Item) -> Markup {
    let s = &item.suggestion;
    let mut words: Vec<String> = Vec::new();
    for w in item
        .highlights
        .iter()
        .filter_map(|&(a, b)| item.segment.text.get(a..b))
    {
        if !words.iter().any(|x| x.eq_ignore_ascii_case(w)) {
            words.push(w.to_string());
        }
    }
    html! {
        section.card aria-label="The suggested code" {
            p.codeline {
                span.badge.suggested { "suggested" } " "
                b { @if item.name.is_empty() { (s.code) } @else { (item.name) } }
                " " span.muted { "(" (s.code) " in " (s.codebook) ") · score " (format!("{:.2}", s.score)) }
            }
            dl.notes {
                @if !item.definition.is_empty() { dt { "Definition" } dd { (item.definition) } }
                @if !item.include.is_empty() { dt { "Use it when" } dd { (item.include) } }
                @if !item.exclude.is_empty() { dt { "Not when" } dd { (item.exclude) } }
                @if !words.is_empty() { dt { "Fired on" } dd { (words.join(", ")) } }
                @if let Some(pr) = &item.prediction {
                    dt { "Likely" }
                    dd.likely {
                        b { (pr.percent()) } " likely to be accepted, as learned from the decisions"
                        @if !pr.raised.is_empty() {
                            br; span.up { "raised: " } (pr.raised.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                        }
                        @if !pr.lowered.is_empty() {
                            br; span.down { "lowered: " } (pr.lowered.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                        }
                    }
                }
            }
        }
    }
}

/// The rules that fired, as written, folded away.
fn rules(item: &review::Item) -> Markup {
    html! {
        details.rules {
            summary { @if item.rules.len() > 1 { "The rules that fired" } @else { "The rule that fired" } }
            @for r in &item.rules { pre { (r) } }
        }
    }
}

/// A turn with the turns around it, evidence marked.
fn unit(
    s: &Segment,
    before: Option<&Segment>,
    after: Option<&Segment>,
    marks: &[(usize, usize)],
) -> Markup {
    let who = |s: &Segment| -> String {
        let mut w = s.speaker.clone().unwrap_or_else(|| "—".into());
        if let Some(r) = s.role {
            w.push_str(&format!(" ({})", r.as_str()));
        }
        w
    };
    html! {
        section.unit aria-label="The passage" {
            @if let Some(b) = before { div.context { span.who { (who(b)) } " " (b.text) } }
            div.focus #focus {
                div.who {
                    (who(s))
                    @if let Some(ms) = s.start_ms { " · " (quarry::text::model::format_ms(ms)) }
                    " · " a href={ "/document?name=" (encode(&s.document)) "#s" (s.id) } { (s.document) " #" (s.id) }
                }
                div.text { (marked(&s.text, marks)) }
            }
            @if let Some(a) = after { div.context { span.who { (who(a)) } " " (a.text) } }
        }
    }
}

/// The buttons, memo and code picker for one item.
fn decision_form(
    key: &str,
    back: &str,
    index: usize,
    done: &Done,
    suggestion: Option<(&review::Item, &Vec<(String, String)>)>,
    codes: Option<&Vec<(String, String)>>,
) -> Markup {
    let decided = matches!(done, Done::Decided(..));
    let book = suggestion
        .map(|(i, _)| i.suggestion.codebook.clone())
        .unwrap_or_default();
    let except = suggestion
        .map(|(i, _)| i.suggestion.code.clone())
        .unwrap_or_default();
    html! {
        @if let Done::Decided(_, what) = done {
            p.said { "You decided this one: " b { (what) } ". Undo it in the list of your decisions to decide again." }
        }
        form #decide method="post" action="/review/decide" {
            input type="hidden" name="form" value=(key);
            input type="hidden" name="back" value=(back);
            input type="hidden" name="item" value=(index);
            div.buttons {
                @if let Some(_) = suggestion {
                    button #accept type="submit" name="verdict" value="accept" disabled[decided] { "Accept " kbd { "a" } }
                    button #reject.secondary type="submit" name="verdict" value="reject" disabled[decided] { "Reject " kbd { "r" } }
                } @else {
                    button #none.secondary type="submit" name="verdict" value="none" disabled[decided] { "No code applies " kbd { "r" } }
                }
                button #skip.plain type="submit" name="verdict" value="skip" { "Skip " kbd { "s" } }
                button #prev.plain type="submit" name="verdict" value="prev" { "Previous " kbd { "j" } }
                button #next.plain type="submit" name="verdict" value="next" { "Next " kbd { "k" } }
            }
            div.change {
                label for="pick" { @if suggestion.is_some() { "Change to another code " } @else { "The code that applies " } kbd { "c" } }
                input #pick type="search" placeholder="type to find a code" autocomplete="off"
                    data-codebook=(book) data-except=(except);
                select #code name="code" size="6" aria-label="Codes" {
                    @for (id, name) in suggestion.map(|(_, t)| t).or(codes).into_iter().flatten() {
                        option value=(id) { (name) " — " (id) }
                    }
                }
                @if suggestion.is_some() {
                    button #change.secondary type="submit" name="verdict" value="change" disabled[decided] { "Change to the chosen code" }
                } @else {
                    button #apply type="submit" name="verdict" value="code" disabled[decided] { "Apply the chosen code" }
                }
            }
            label for="memo" { "Memo for this decision " kbd { "m" } }
            textarea #memo name="memo" rows="2" {}
        }
        form #undo method="post" action="/review/undo" {
            input type="hidden" name="form" value=(key);
            input type="hidden" name="back" value=(back);
            button.plain type="submit" { "Undo my last decision " kbd { "u" } }
        }
    }
}

fn help() -> Markup {
    html! {
        details #help {
            summary { "Keys " kbd { "?" } }
            table.keys {
                tr { td { kbd { "a" } " or " kbd { "Enter" } } td { "accept" } }
                tr { td { kbd { "r" } " or " kbd { "x" } } td { "reject (in the unsuggested mode: no code applies)" } }
                tr { td { kbd { "c" } } td { "change: type to find a code, arrows to choose, Enter to apply" } }
                tr { td { kbd { "m" } } td { "write a memo; it goes with the next decision (Esc leaves the box)" } }
                tr { td { kbd { "s" } } td { "skip: the item comes back at the end" } }
                tr { td { kbd { "u" } } td { "undo your last decision" } }
                tr { td { kbd { "j" } " / " kbd { "k" } } td { "previous / next item" } }
                tr { td { kbd { "?" } } td { "show or hide these keys" } }
            }
            p.muted { "Every decision is stored the moment you make it. Buttons do the same as keys." }
        }
    }
}

fn history(key: &str, back: &str, rows: &[DecisionRow]) -> Markup {
    html! {
        aside.history aria-label="Your last decisions" {
            h2 { "Your last decisions" }
            @if rows.is_empty() { p.muted { "None yet." } }
            ol {
                @for d in rows {
                    li {
                        span { (review::describe(d)) }
                        @if let Some(m) = &d.memo { span.muted { " — " (m) } }
                        form.inline method="post" action="/review/undo" {
                            input type="hidden" name="form" value=(key);
                            input type="hidden" name="back" value=(back);
                            input type="hidden" name="decision" value=(d.id);
                            button.link type="submit" aria-label={ "Undo " (review::describe(d)) } { "undo" }
                        }
                    }
                }
            }
        }
    }
}
