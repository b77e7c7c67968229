//! Agreement between coders, per code, with the disagreements to discuss; and the report,
//! its headline figures, tables and charts, with the whole file to download.
//!
//! The agreement page shows what `quarry agreement` prints (the same library call): per code
//! the units both coders judged, the share judged alike, Cohen's κ and Krippendorff's α;
//! then each (segment, code) they judged differently with its quote, evidence marked, both
//! decisions and memos. The report page renders `quarry report`'s blocks with this app's
//! look; its charts are the report's own SVG (escaped by the report, no style attributes).

use super::layout::{marked, page, problem};
use super::pages::{encode, pager, problem_page, with_project};
use super::App;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use quarry::ops::measure::{self, Coders, Deciders, Discussion};
use quarry::report::{Part, ReportConfig, ReportFormat};
use quarry::review::quality::{AgreementReport, Disagreement};
use quarry::review::stats::Agreement;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Disagreements shown on one page.
const DISAGREEMENTS_PER_PAGE: usize = 50;

/// Up to this many coders on a codebook, every pair's overall agreement is listed too.
const PAIRS_UP_TO: usize = 8;

/// Parameters of the agreement page.
#[derive(Deserialize)]
pub(super) struct AgreementParams {
    /// The codebook's id (default: the one with the most decisions by two or more coders).
    codebook: Option<String>,
    /// The first coder (default: the one with the most decisions on it).
    first: Option<String>,
    /// The second coder (default: the next); empty: the rules, their suggestions as a coder.
    second: Option<String>,
    /// 1-based page of the disagreements.
    page: Option<usize>,
}

/// Code names of one codebook, by id.
type Names = HashMap<(String, String), String>;

/// What the page shows, read from the project in one go.
enum Outcome {
    /// Nobody decided anything yet.
    Nobody,
    /// The codebook asked for has no decisions.
    Unknown(String),
    /// Only one coder decided on the codebook.
    Alone {
        deciders: Vec<Deciders>,
        codebook: String,
        coder: String,
    },
    /// Two coders (or a coder and the rules) compared.
    Compared(Box<Compared>),
}

/// Two sides compared on one codebook.
struct Compared {
    deciders: Vec<Deciders>,
    codebook: String,
    coders: Coders,
    /// None when the same coder was chosen twice.
    report: Option<AgreementReport>,
    /// The page of disagreements shown, with what each needs beside its quote.
    shown: Vec<(Disagreement, Discussion)>,
    /// The page shown and how many there are.
    at: usize,
    pages: usize,
    /// Every pair of the codebook's coders, when there are three to [`PAIRS_UP_TO`].
    pairs: Vec<(String, String, Agreement)>,
    names: Names,
}

/// `GET /agreement?codebook=&first=&second=`: agreement of two coders per code, and what
/// they judged differently.
pub(super) async fn agreement(
    State(app): State<Arc<App>>,
    Query(q): Query<AgreementParams>,
) -> Response {
    let outcome = match with_project(&app, move |p| compare(p, q)).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let body = match outcome {
        Outcome::Nobody => html! {
            h1 { "Agreement between coders" }
            p { "Nobody has decided anything yet, so there is nothing to compare. "
                "Review some suggestions first (" a href="/review" { "Review" } "); once two people "
                "have each reviewed the same codebook, how far they agree shows here." }
        },
        Outcome::Unknown(book) => {
            return problem_page(
                StatusCode::NOT_FOUND,
                &format!("Nobody has decided on a codebook called {book}."),
            )
        }
        Outcome::Alone {
            deciders,
            codebook,
            coder,
        } => alone(&deciders, &codebook, &coder),
        Outcome::Compared(c) => compared(&c),
    };
    let body = html! { div.agreement-page { (body) } };
    page("Agreement", "Agreement", body).into_response()
}

/// Reads what the page needs: the codebooks and coders, the agreement of the chosen pair,
/// and the page of disagreements.
fn compare(p: &quarry::project::Project, q: AgreementParams) -> quarry::Result<Outcome> {
    let deciders = measure::deciders(p)?;
    let Some((best, ..)) = measure::busiest(&deciders) else {
        return Ok(Outcome::Nobody);
    };
    let codebook = q.codebook.filter(|c| !c.is_empty()).unwrap_or(best);
    let Some(on) = deciders.iter().find(|d| d.codebook == codebook) else {
        return Ok(Outcome::Unknown(codebook));
    };
    let known = |c: &String| on.coders.iter().any(|(k, _)| k == c);
    let first = q
        .first
        .filter(known)
        .unwrap_or_else(|| on.coders[0].0.clone());
    let second = match q.second {
        Some(s) if s.is_empty() => None,
        Some(s) if known(&s) => Some(s),
        _ => match on.coders.iter().find(|(k, _)| *k != first) {
            Some((k, _)) => Some(k.clone()),
            None => {
                return Ok(Outcome::Alone {
                    codebook: codebook.clone(),
                    coder: first,
                    deciders,
                })
            }
        },
    };
    let coders = Coders { first, second };
    let names = p.code_names([codebook.as_str()]);
    let same = coders.second.as_deref() == Some(coders.first.as_str());
    let report = if same {
        None
    } else {
        Some(measure::agreement(p, &coders, Some(&codebook), None)?.report)
    };
    let all = report.as_ref().map_or(&[][..], |r| &r.disagreements[..]);
    let pages = all.len().div_ceil(DISAGREEMENTS_PER_PAGE).max(1);
    let at = q.page.unwrap_or(1).clamp(1, pages);
    let slice =
        &all[(at - 1) * DISAGREEMENTS_PER_PAGE..(at * DISAGREEMENTS_PER_PAGE).min(all.len())];
    let shown = slice
        .iter()
        .cloned()
        .zip(measure::discussion(p, &codebook, &coders, slice)?)
        .collect();
    let mut pairs = Vec::new();
    if (3..=PAIRS_UP_TO).contains(&on.coders.len()) {
        let mut who: Vec<&String> = on.coders.iter().map(|c| &c.0).collect();
        who.sort();
        for (i, a) in who.iter().enumerate() {
            for b in &who[i + 1..] {
                let pair = Coders {
                    first: a.to_string(),
                    second: Some(b.to_string()),
                };
                let r = measure::agreement(p, &pair, Some(&codebook), None)?;
                pairs.push((a.to_string(), b.to_string(), r.report.overall));
            }
        }
    }
    Ok(Outcome::Compared(Box::new(Compared {
        deciders,
        codebook,
        coders,
        report,
        shown,
        at,
        pages,
        pairs,
        names,
    })))
}

/// The codebook and coder pickers (a GET form: choosing changes nothing).
fn picker(deciders: &[Deciders], codebook: &str, first: &str, second: Option<&str>) -> Markup {
    let coders = deciders
        .iter()
        .find(|d| d.codebook == codebook)
        .map_or(&[][..], |d| &d.coders[..]);
    let option = |name: &str, n: usize, chosen: bool| {
        html! {
            option value=(name) selected[chosen] {
                (name) " (" (n) @if n == 1 { " decision)" } @else { " decisions)" }
            }
        }
    };
    html! {
        form.pick method="get" action="/agreement" {
            div {
                label for="codebook" { "Codebook" }
                select #codebook name="codebook" {
                    @for d in deciders {
                        option value=(d.codebook) selected[d.codebook == codebook] { (d.codebook) }
                    }
                }
            }
            div {
                label for="first" { "First coder" }
                select #first name="first" {
                    @for (c, n) in coders { (option(c, *n, c == first)) }
                }
            }
            div {
                label for="second" { "Second coder" }
                select #second name="second" {
                    @for (c, n) in coders { (option(c, *n, Some(c.as_str()) == second)) }
                    option value="" selected[second.is_none()] { "the rules (their suggestions)" }
                }
            }
            button type="submit" { "Compare" }
        }
        @if deciders.len() > 1 {
            p.muted { "After choosing another codebook, press Compare: its coders are then offered." }
        }
    }
}

/// The page when only one person decided on the codebook: how to get a second coder.
fn alone(deciders: &[Deciders], codebook: &str, coder: &str) -> Markup {
    let rules = format!(
        "/agreement?codebook={}&first={}&second=",
        encode(codebook),
        encode(coder)
    );
    html! {
        h1 { "Agreement between coders" }
        (picker(deciders, codebook, coder, Some(coder)))
        div.alone {
            h2 { "Only " (coder) " has decided on " (codebook) " so far" }
            p { "Agreement needs a second person who reviews the same suggestions on their own, "
                "without seeing the first person's decisions. To add one:" }
            ol {
                li { "Open this study in another browser, or a private window, with the address "
                     code { "quarry serve" } " printed (it holds the key)." }
                li { "When asked who is coding, give a different name or initials." }
                li { "Review the " (codebook) " codebook there (" a href="/review" { "Review" } ")." }
            }
            p { "If you are that second person and are using this browser, "
                a href="/coder?next=%2Freview" { "change who is coding here" } " first." }
            p { "Meanwhile you can " a href=(rules) { "compare " (coder) " with the rules" }
                ": how often " (coder) " accepted what the rules suggested." }
        }
    }
}

/// The agreement of two coders: figures per code, what they mean, and what to discuss.
fn compared(c: &Compared) -> Markup {
    let second = c.coders.second.as_deref();
    let second_name = second.unwrap_or("the rules");
    html! {
        h1 { "Agreement between coders" }
        (picker(&c.deciders, &c.codebook, &c.coders.first, second))
        @match &c.report {
            None => { (problem("Choose two different coders to compare.")) }
            Some(r) => {
                h2 { (c.coders.first) " and " (second_name) " on " (c.codebook) }
                (figures(r, &c.names, &c.codebook))
                (explain())
                @if !c.pairs.is_empty() { (pairs(c)) }
                (to_discuss(c, r, second_name))
            }
        }
    }
}

/// What the figures mean, one plain sentence each.
fn explain() -> Markup {
    html! {
        dl.explain {
            dt { "Units" }
            dd { "The segments and codes both coders judged. An accept says the code applies, a "
                 "reject that it does not, and a change that the new code applies instead." }
            dt { "Agreement" }
            dd { "The share of those units both judged alike, not corrected for chance." }
            dt { "Cohen's κ (kappa)" }
            dd { "How far the coders agree beyond what they would by chance, given how often "
                 "each of them says a code applies: 1 is perfect, 0 no better than chance." }
            dt { "Krippendorff's α (alpha)" }
            dd { "The same idea with both coders' answers pooled, so it also counts against "
                 "them when they use a code more or less often than each other; above 0.8 is "
                 "usually read as reliable, 0.67 to 0.8 as tentative." }
            dt { "—" }
            dd { "Not defined: there is nothing to tell apart, for example when both coders "
                 "accepted every suggestion of a code." }
        }
    }
}

/// The per-code table and the overall row.
fn figures(r: &AgreementReport, names: &Names, codebook: &str) -> Markup {
    html! {
        @if r.overall.units == 0 {
            p.problem role="status" {
                "No segment and code was judged by both yet, so there is nothing to agree or "
                "disagree on: " (r.first) " judged " (r.judged.0) " and " (r.second) " judged "
                (r.judged.1) " in " (r.codebook) "."
            }
        }
        div.scroll {
            table.agreement {
                thead { tr {
                    th { "Code" } th.num { "Units" } th.num { "Agreed" } th.num { "Agreement" }
                    th.num { abbr title="Cohen's kappa" { "κ" } } th.num { abbr title="Krippendorff's alpha" { "α" } }
                } }
                tbody {
                    @for x in &r.codes {
                        tr data-code=(x.code) {
                            td { (code_label(names, codebook, &x.code)) }
                            (numbers(&x.agreement))
                        }
                    }
                }
                tfoot {
                    tr data-code="(all codes)" {
                        th { "All codes" }
                        (numbers(&r.overall))
                    }
                }
            }
        }
    }
}

/// Units, agreed, agreement, κ and α, as cells; what the command line prints, to the same
/// precision as the report.
fn numbers(a: &Agreement) -> Markup {
    let coef = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"));
    html! {
        td.num { (a.units) }
        td.num { (a.agreed) }
        td.num { (a.percent().map_or_else(|| "—".to_string(), |p| format!("{p:.1}%"))) }
        td.num { (coef(a.kappa)) }
        td.num { (coef(a.alpha)) }
    }
}

/// A code by its name with its id in small print (its id alone when the name is unknown).
fn code_label(names: &Names, codebook: &str, code: &str) -> Markup {
    match names.get(&(codebook.to_string(), code.to_string())) {
        Some(name) if !name.is_empty() => html! { (name) " " small.id { (code) } },
        _ => html! { (code) },
    }
}

/// Every pair of the codebook's coders, overall, each a link to compare them.
fn pairs(c: &Compared) -> Markup {
    html! {
        h2 { "Every pair of coders on " (c.codebook) }
        div.scroll {
            table {
                thead { tr { th { "Coders" } th.num { "Units" } th.num { "Agreed" } th.num { "Agreement" } th.num { "κ" } th.num { "α" } } }
                tbody {
                    @for (a, b, x) in &c.pairs {
                        tr {
                            td { a href={ "/agreement?codebook=" (encode(&c.codebook)) "&first=" (encode(a)) "&second=" (encode(b)) } { (a) " and " (b) } }
                            (numbers(x))
                        }
                    }
                }
            }
        }
    }
}

/// Each disagreement with its quote, evidence marked, a link to its turn and both sides'
/// decisions and memos.
fn to_discuss(c: &Compared, r: &AgreementReport, second_name: &str) -> Markup {
    let total = r.disagreements.len();
    let params = [
        ("codebook", c.codebook.as_str()),
        ("first", c.coders.first.as_str()),
        ("second", c.coders.second.as_deref().unwrap_or("")),
    ];
    html! {
        h2 #discuss { "To discuss (" (total) ")" }
        @if total == 0 {
            p.muted { "Nothing: wherever both judged a segment and code, they judged it alike." }
        } @else {
            p.muted { "Each segment and code judged differently, with both decisions. "
                @if c.pages > 1 { "Page " (c.at) " of " (c.pages) "." } }
            @for (d, more) in &c.shown {
                article.disagreement {
                    h3 { (code_label(&c.names, &c.codebook, &d.code)) }
                    p.place {
                        a href={ "/document?name=" (encode(&d.document)) "#s" (d.segment) } {
                            (d.document) " #" (d.segment)
                        }
                        @if let Some(s) = &more.speaker { " · " (s) }
                    }
                    blockquote { (marked(&d.text, &more.evidence)) }
                    dl.verdicts {
                        (verdict(&c.coders.first, d.first, &d.first_decision, more.first_memo.as_deref(), c))
                        (verdict(second_name, d.second, &d.second_decision, more.second_memo.as_deref(), c))
                    }
                }
            }
            (pager("/agreement", &params, c.at, c.pages))
        }
    }
}

/// One side's decision: whether the code applies (in words and a sign, never colour alone),
/// what was decided (a changed-to code by its name too) and the memo.
fn verdict(who: &str, applies: bool, words: &str, memo: Option<&str>, c: &Compared) -> Markup {
    let named = ["changed to ", "applied instead of "]
        .iter()
        .find_map(|lead| words.strip_prefix(lead).map(|code| (*lead, code)));
    html! {
        div {
            dt { (who) }
            dd {
                @if applies { span.applies { "✓ applies" } } @else { span.not { "✗ does not apply" } }
                " · "
                @match named {
                    Some((lead, code)) => { (lead) (code_label(&c.names, &c.codebook, code)) },
                    None => { (words) },
                }
                @if let Some(m) = memo.filter(|m| !m.trim().is_empty()) {
                    p.memo { "Memo: " (m) }
                }
            }
        }
    }
}

/// Parameters of the report page.
#[derive(Deserialize)]
pub(super) struct ReportParams {
    /// `html`, `md` or `json`: the whole report as a file, as `quarry report --out` writes it.
    download: Option<String>,
}

/// `GET /report`: the report's headline figures, tables and charts, and (`?download=html`,
/// `md` or `json`) the whole report as a file.
pub(super) async fn report(State(app): State<Arc<App>>, Query(q): Query<ReportParams>) -> Response {
    let format = match q.download.as_deref() {
        None => None,
        Some("html") => Some((ReportFormat::Html, "html", "text/html; charset=utf-8")),
        Some("md") => Some((ReportFormat::Markdown, "md", "text/markdown; charset=utf-8")),
        Some("json") => Some((ReportFormat::Json, "json", "application/json")),
        Some(_) => {
            return problem_page(
                StatusCode::BAD_REQUEST,
                "The report can be downloaded as html, md or json.",
            )
        }
    };
    let built = with_project(&app, move |p| {
        let r = quarry::report::build(p, &ReportConfig::default())?;
        Ok(match format {
            Some((f, ..)) => Err(quarry::report::render(&r, f)?),
            None => Ok((r.title.clone(), r.date.clone(), quarry::report::parts(&r))),
        })
    })
    .await;
    match built {
        Err(r) => r,
        Ok(Err(bytes)) => {
            let (_, ext, mime) = format.unwrap_or((ReportFormat::Html, "html", "text/html"));
            let name = file_name(&app.root);
            (
                [
                    (header::CONTENT_TYPE, mime.to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"report-{name}.{ext}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Ok((title, date, parts))) => {
            page("Report", "Report", report_page(&title, &date, &parts)).into_response()
        }
    }
}

/// The project's folder name with only letters, digits, `-`, `_` and `.`, for a file name.
fn file_name(root: &std::path::Path) -> String {
    let name: String = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_matches('.').to_string();
    if name.is_empty() {
        "study".into()
    } else {
        name
    }
}

/// The report's parts with this app's look.
fn report_page(title: &str, date: &str, parts: &[Part]) -> Markup {
    let sections: Vec<(&str, &str)> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Section { anchor, title } => Some((anchor.as_str(), title.as_str())),
            _ => None,
        })
        .collect();
    html! { div.report-page {
        h1 { "Report: " (title) }
        p.muted { "As of " (date) ": what " code { "quarry report" } " writes, here with its tables and charts." }
        p.downloads {
            "Download the whole report: "
            a href="/report?download=html" download { "HTML (one page, charts included)" } " · "
            a href="/report?download=md" download { "Markdown" } " · "
            a href="/report?download=json" download { "JSON (the figures as data)" }
        }
        @for p in parts {
            @match p {
                Part::Section { anchor, title } => {
                    @let n = sections.iter().position(|s| s.0 == anchor).map_or(0, |k| k + 1);
                    @if n == 1 {
                        nav.contents aria-label="Sections of the report" {
                            ol { @for (anchor, t) in &sections { li { a href={ "#" (anchor) } { (t) } } } }
                        }
                    }
                    h2 id=(anchor) { (n) ". " (title) }
                },
                Part::Heading(t) => { h3 { (t) } },
                Part::Explain(t) => { p.explain { (t) } },
                Part::Note(t) => { p.muted { (t) } },
                Part::Figures(fs) => {
                    div.figures {
                        @for f in fs {
                            div.figure { b { (f.value) } span.label { (f.label) } span.what { (f.what) } }
                        }
                    }
                },
                Part::Table { head, rows } => {
                    div.scroll { table {
                        thead { tr { @for c in head { @if c.numeric { th.num { (c.title) } } @else { th { (c.title) } } } } }
                        tbody { @for row in rows { tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @let text = html! { (cell.text) @if let Some(id) = &cell.id { " " small.id { (id) } } };
                                @if head.get(i).is_some_and(|c| c.numeric) { td.num { (text) } } @else { td { (text) } }
                            }
                        } } }
                    } }
                },
                // The report's own SVG: every string in it escaped by the report, no style
                // attribute, no script (see quarry::report::parts).
                Part::Chart { title, svg } => {
                    figure.chart aria-label=(title) { (PreEscaped(svg)) }
                },
            }
        }
    } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_only_safe_characters() {
        let name = |p: &str| file_name(std::path::Path::new(p));
        assert_eq!(name("/home/ana/My Study (2024)"), "My_Study__2024_");
        assert_eq!(name("/tmp/.tmpAb1"), "tmpAb1");
        assert_eq!(name("/tmp/\"\\n<x>"), "__n_x_");
        assert_eq!(name("/"), "study");
        assert_eq!(name("/data/Zoë"), "Zo_");
    }
}
