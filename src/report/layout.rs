//! The report laid out once as a list of blocks (sections, explanations, tables, bar charts,
//! heat maps) that both text renderers walk, so HTML and Markdown hold the same tables.

use super::build::name_of;
use super::{CoderRow, DocCoverage, Grid, Report, MATRIX_CODES, MAX_CODES, MAX_PAIRS, MAX_VALUES};
use crate::review::stats::Agreement;

/// What a report is made of, in order; both text renderers walk the same list, so HTML and
/// Markdown always hold the same tables. All strings are plain text, escaped on the way out.
#[derive(Debug)]
pub(super) enum Block {
    /// A numbered section: anchor id and title.
    Section(&'static str, String),
    /// A sub-heading.
    Heading(String),
    /// What the numbers mean.
    Explain(String),
    /// A note, such as "nothing yet".
    Note(String),
    /// The headline figures: (label, value, what it counts).
    Summary(Vec<(String, String, String)>),
    /// A table; numeric columns are right-aligned.
    Table {
        head: Vec<(String, bool)>,
        rows: Vec<Vec<Cell>>,
    },
    /// Horizontal bars (HTML only: the table beside it holds the numbers).
    Bars(Bars),
    /// A heat map (HTML: SVG; Markdown: a table of the counts). `rows` and `columns` label
    /// the grid's; `numbered` heads the columns with the rows' numbers (a code × code grid).
    Heat {
        title: String,
        corner: String,
        grid: Grid,
        rows: Vec<Cell>,
        columns: Vec<Cell>,
        diagonal: bool,
        numbered: bool,
    },
}

/// A table cell or chart label: its text, and an id (of a code) shown in small print beside
/// a name, and on hover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) id: Option<String>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, id: None }
    }
}

impl Cell {
    /// The text with the id after it, for a hover note or plain text.
    pub(super) fn full(&self) -> String {
        match &self.id {
            Some(id) => format!("{} ({id})", self.text),
            None => self.text.clone(),
        }
    }
}

/// Plain cells.
fn cells(v: Vec<String>) -> Vec<Cell> {
    v.into_iter().map(Cell::from).collect()
}

/// A code as its name with its id in small print, or its id alone when the name is unknown.
fn code_cell(r: &Report, book: &str, code: &str) -> Cell {
    match name_of(&r.names, book, code) {
        "" => Cell::from(code.to_string()),
        name => Cell {
            text: name.to_string(),
            id: Some(code.to_string()),
        },
    }
}

/// A code cell, then plain ones.
fn code_row(r: &Report, book: &str, code: &str, rest: Vec<String>) -> Vec<Cell> {
    std::iter::once(code_cell(r, book, code))
        .chain(cells(rest))
        .collect()
}

/// A bar chart. Per row, the first series is a wide bar from the axis; the others are thin
/// bars laid end to end over it (accepted then rejected over suggested), so a row shows a
/// whole and how it splits. `text` follows the bars.
#[derive(Debug)]
pub(super) struct Bars {
    pub(super) title: String,
    pub(super) series: Vec<(String, &'static str)>,
    pub(super) rows: Vec<(Cell, Vec<f64>, String)>,
    pub(super) max: f64,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), pct)
}

fn interval(x: Option<(f64, f64)>) -> String {
    x.map_or_else(
        || "—".into(),
        |(a, b)| format!("{:.1}–{:.1}%", a * 100.0, b * 100.0),
    )
}

fn coef(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn head(cols: &[(&str, bool)]) -> Vec<(String, bool)> {
    cols.iter().map(|(c, n)| (c.to_string(), *n)).collect()
}

const LIGHT: &str = "#9ecae1";
const DARK: &str = "#08519c";
const REJECTED: &str = "#d95f0e";

pub(super) fn layout(r: &Report) -> Vec<Block> {
    let mut b = Vec::new();
    summary_block(r, &mut b);
    corpus_blocks(r, &mut b);
    codes_blocks(r, &mut b);
    attribute_blocks(r, &mut b);
    cooccurrence_blocks(r, &mut b);
    coverage_blocks(r, &mut b);
    agreement_blocks(r, &mut b);
    rules_blocks(r, &mut b);
    sample_blocks(r, &mut b);
    b
}

fn summary_block(r: &Report, b: &mut Vec<Block>) {
    let s = &r.summary;
    let coders = match s.coders.as_slice() {
        [] => "nobody has decided yet".to_string(),
        names => names.join(", "),
    };
    b.push(Block::Summary(vec![
        (
            "Documents".into(),
            s.documents.to_string(),
            format!("{} segments", r.corpus.segments),
        ),
        (
            "Suggestions".into(),
            s.suggestions.to_string(),
            "made by the codebooks' rules".into(),
        ),
        (
            "Decided".into(),
            s.decided.to_string(),
            "decisions on them, one per coder".into(),
        ),
        (
            "Accepted".into(),
            s.accepted.to_string(),
            format!("{} rejected", s.decided - s.accepted),
        ),
        (
            "Precision".into(),
            opt_pct(s.precision),
            "accepted ÷ decided".into(),
        ),
        ("Coders".into(), s.coders.len().to_string(), coders),
    ]));
}

fn corpus_blocks(r: &Report, b: &mut Vec<Block>) {
    let c = &r.corpus;
    b.push(Block::Section("corpus", "Corpus overview".into()));
    b.push(Block::Explain(
        "What the project holds. A segment is the unit quarry searches and codes: a speaker's \
         turn, a paragraph, a caption cue or a post. Speakers are the distinct speaker labels \
         and post authors; interviewers are those whose role is interviewer."
            .into(),
    ));
    if c.documents == 0 {
        b.push(Block::Note(
            "Nothing yet: no documents have been added (`quarry add FILES`).".into(),
        ));
        return;
    }
    b.push(Block::Table {
        head: head(&[("", false), ("count", true)]),
        rows: vec![
            cells(vec!["Documents".into(), c.documents.to_string()]),
            cells(vec!["Segments".into(), c.segments.to_string()]),
            cells(vec!["Speakers".into(), c.speakers.to_string()]),
            cells(vec!["Interviewers".into(), c.interviewers.to_string()]),
            cells(vec!["Posts".into(), c.posts.to_string()]),
        ],
    });
    b.push(Block::Heading("Documents by format".into()));
    b.push(Block::Table {
        head: head(&[("format", false), ("documents", true)]),
        rows: c
            .formats
            .iter()
            .map(|f| cells(vec![f.label.clone(), f.count.to_string()]))
            .collect(),
    });
    for (title, what, counts) in [
        ("Posts by platform", "platform", &c.platforms),
        ("Posts by month (UTC)", "month", &c.months),
    ] {
        b.push(Block::Heading(title.into()));
        if counts.is_empty() {
            b.push(Block::Note(
                "Nothing yet: the project holds no posts.".into(),
            ));
            continue;
        }
        b.push(Block::Table {
            head: head(&[(what, false), ("posts", true)]),
            rows: counts
                .iter()
                .map(|x| cells(vec![x.label.clone(), x.count.to_string()]))
                .collect(),
        });
        b.push(Block::Bars(Bars {
            title: title.into(),
            series: vec![("posts".into(), DARK)],
            rows: counts
                .iter()
                .map(|x| {
                    (
                        Cell::from(x.label.clone()),
                        vec![x.count as f64],
                        x.count.to_string(),
                    )
                })
                .collect(),
            max: counts.iter().map(|x| x.count).max().unwrap_or(0) as f64,
        }));
    }
}

fn no_codebooks(b: &mut Vec<Block>) {
    b.push(Block::Note(
        "Nothing yet: no codebook has suggestions or decisions (`quarry suggest --codebook NAME`, \
         then `quarry review`)."
            .into(),
    ));
}

fn codes_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section(
        "codes",
        "Codes: suggested, accepted, rejected".into(),
    ));
    b.push(Block::Explain(
        "Suggested counts the segments a codebook's rules proposed the code for. Decided, \
         accepted and rejected count coders' decisions on those suggestions: each coder decides \
         a suggestion once, so with two coders decided can be up to twice suggested (the table \
         of decisions per coder below splits them). Precision is accepted ÷ decided: the share of reviewed \
         suggestions that were right. The 95% interval (Wilson) shows how sure that figure is; \
         it is wide while few suggestions are decided. Coded segments counts the segments that \
         carry the code after review, including codes applied by hand or chosen instead of a \
         suggestion. In the chart, the light bar is a code's suggestions and the thin bars over \
         it its accepts (blue) and rejects (orange)."
            .into(),
    ));
    if r.codes.is_empty() {
        no_codebooks(b);
    }
    for cb in &r.codes {
        b.push(Block::Heading(format!("Codebook {}", cb.codebook)));
        if !cb.suggested {
            b.push(Block::Note(format!(
                "{} has not been run by `quarry suggest`: only codings made by hand are counted.",
                cb.codebook
            )));
        }
        if cb.codes.is_empty() {
            b.push(Block::Note(
                "Nothing yet: no code has a suggestion or a coding.".into(),
            ));
            continue;
        }
        b.push(Block::Table {
            head: head(&[
                ("code", false),
                ("suggested", true),
                ("decided", true),
                ("accepted", true),
                ("rejected", true),
                ("precision", true),
                ("95% interval", true),
                ("coded segments", true),
            ]),
            rows: cb
                .codes
                .iter()
                .map(|c| {
                    code_row(
                        r,
                        &cb.codebook,
                        &c.code,
                        vec![
                            c.suggested.to_string(),
                            c.decided.to_string(),
                            c.accepted.to_string(),
                            c.rejected.to_string(),
                            opt_pct(c.precision),
                            interval(c.interval),
                            c.coded_segments.to_string(),
                        ],
                    )
                })
                .collect(),
        });
        if cb.silent > 0 {
            b.push(Block::Note(format!(
                "Not listed: {} of {} with no suggestion and no coding.",
                plural(cb.silent, "more code"),
                cb.codebook
            )));
        }
        b.push(Block::Bars(Bars {
            title: format!(
                "{}: suggestions per code and how they were decided",
                cb.codebook
            ),
            series: vec![
                ("suggested".into(), LIGHT),
                ("accepted".into(), DARK),
                ("rejected".into(), REJECTED),
            ],
            rows: cb
                .codes
                .iter()
                .map(|c| {
                    (
                        code_cell(r, &cb.codebook, &c.code),
                        vec![c.suggested as f64, c.accepted as f64, c.rejected as f64],
                        format!("{} / {} / {}", c.suggested, c.accepted, c.rejected),
                    )
                })
                .collect(),
            max: cb
                .codes
                .iter()
                .map(|c| c.suggested.max(c.decided))
                .max()
                .unwrap_or(0) as f64,
        }));
        let coders: Vec<&CoderRow> = r
            .coders
            .iter()
            .filter(|c| c.codebook == cb.codebook)
            .collect();
        if !coders.is_empty() {
            b.push(Block::Heading(format!(
                "Codebook {}: decisions per coder",
                cb.codebook
            )));
            b.push(Block::Table {
                head: head(&[
                    ("coder", false),
                    ("decided", true),
                    ("accepted", true),
                    ("rejected", true),
                    ("precision", true),
                ]),
                rows: coders
                    .iter()
                    .map(|c| {
                        cells(vec![
                            c.coder.clone(),
                            c.decided.to_string(),
                            c.accepted.to_string(),
                            (c.decided - c.accepted).to_string(),
                            opt_pct(c.precision),
                        ])
                    })
                    .collect(),
            });
        }
    }
}

fn attribute_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("attributes", "Codes by attribute".into()));
    b.push(Block::Explain(format!(
        "For each document or speaker attribute with at most {MAX_VALUES} different values \
         (role, country, ...), how many coded segments of each code fall under each value. A \
         darker cell holds more; the number is in the cell. (not set) counts coded segments \
         whose document or speaker has no value for the attribute. Read the counts against how \
         many documents or speakers have each value: a value shared by more people draws more \
         codings."
    )));
    let a = &r.attributes;
    if a.matrices.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no coded segment has an attribute with few enough values \
             (`quarry attrs import FILE.csv` adds attributes)."
                .into(),
        ));
    }
    for m in &a.matrices {
        let title = format!("{}: codes by {} {}", m.codebook, m.of.as_str(), m.key);
        b.push(Block::Heading(title.clone()));
        b.push(Block::Heat {
            title,
            corner: format!("code \\ {}", m.key),
            rows: m
                .grid
                .rows
                .iter()
                .map(|c| code_cell(r, &m.codebook, c))
                .collect(),
            columns: cells(m.grid.columns.clone()),
            grid: m.grid.clone(),
            diagonal: false,
            numbered: false,
        });
    }
    if !a.left_out.is_empty() {
        b.push(Block::Note(format!(
            "Left out for having more than {MAX_VALUES} values: {}.",
            a.left_out.join(", ")
        )));
    }
}

fn cooccurrence_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("cooccurrence", "Codes together".into()));
    b.push(Block::Explain(format!(
        "How many segments carry both codes, from the codings after review: first the pairs \
             most often together, then (up to {MATRIX_CODES} codes) every pair as a matrix whose \
             diagonal (grey) holds each code's own number of segments. Codes that often come \
             together may overlap in meaning, or point to a theme that joins them."
    )));
    if r.cooccurrence.is_empty() {
        no_codebooks(b);
    }
    for c in &r.cooccurrence {
        let title = format!("{}: segments carrying both codes", c.codebook);
        b.push(Block::Heading(title.clone()));
        if c.grid.rows.is_empty() {
            b.push(Block::Note(
                "Nothing yet: no segment carries a code of this codebook.".into(),
            ));
            continue;
        }
        if c.pairs.is_empty() {
            b.push(Block::Note(
                "No segment carries two codes of this codebook yet.".into(),
            ));
        } else {
            b.push(Block::Table {
                head: head(&[
                    ("code", false),
                    ("segments", true),
                    ("together with", false),
                    ("segments", true),
                    ("both", true),
                ]),
                rows: c
                    .pairs
                    .iter()
                    .map(|p| {
                        vec![
                            code_cell(r, &c.codebook, &p.first),
                            p.first_segments.to_string().into(),
                            code_cell(r, &c.codebook, &p.second),
                            p.second_segments.to_string().into(),
                            p.both.to_string().into(),
                        ]
                    })
                    .collect(),
            });
        }
        let rows: Vec<Cell> = c
            .grid
            .rows
            .iter()
            .map(|x| code_cell(r, &c.codebook, x))
            .collect();
        let matrix = rows.len() <= MATRIX_CODES;
        if matrix {
            b.push(Block::Heat {
                title,
                corner: "code".into(),
                columns: rows.clone(),
                rows,
                grid: c.grid.clone(),
                diagonal: true,
                numbered: true,
            });
        } else {
            let all = rows.len() + c.left_out;
            b.push(Block::Note(if c.pairs.len() < MAX_PAIRS {
                format!(
                    "{all} codes are too many for a readable matrix: the list above holds every \
                     pair found together (the JSON report has the matrix of the {} most used).",
                    rows.len()
                )
            } else {
                format!(
                    "{all} codes are too many for a readable matrix: the list above holds the \
                     {MAX_PAIRS} pairs most often together, of all {all} codes (the JSON report \
                     has the matrix of the {} most used).",
                    rows.len()
                )
            }));
        }
        if c.left_out > 0 && matrix {
            b.push(Block::Note(format!(
                "The {MAX_CODES} most used codes are shown; {} more are left out.",
                c.left_out
            )));
        }
    }
}

fn coverage_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("coverage", "Coverage per document".into()));
    b.push(Block::Explain(
        "Coded is the share of a document's segments that carry at least one code after \
         review; suggested is the share with at least one suggestion. Interviewers' turns count \
         among the segments, so an interview rarely reaches 100%. A document far below the \
         others may be off-topic, or a place where the rules miss something."
            .into(),
    ));
    let c = &r.coverage;
    if c.documents.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no documents have been added.".into(),
        ));
        return;
    }
    let row = |d: &DocCoverage| {
        cells(vec![
            d.document.clone(),
            d.segments.to_string(),
            d.coded.to_string(),
            pct(d.coded_share),
            d.suggested.to_string(),
            pct(d.suggested_share),
        ])
    };
    let mut rows: Vec<Vec<Cell>> = c.documents.iter().map(row).collect();
    rows.push(row(&c.total));
    b.push(Block::Table {
        head: head(&[
            ("document", false),
            ("segments", true),
            ("coded", true),
            ("coded share", true),
            ("suggested", true),
            ("suggested share", true),
        ]),
        rows,
    });
    if c.total.coded == 0 && c.total.suggested == 0 {
        b.push(Block::Note(
            "Nothing yet: no segment has a suggestion or a coding.".into(),
        ));
        return;
    }
    b.push(Block::Bars(Bars {
        title: "Share of segments suggested and coded, per document".into(),
        series: vec![("suggested".into(), LIGHT), ("coded".into(), DARK)],
        rows: c
            .documents
            .iter()
            .map(|d| {
                (
                    Cell::from(d.document.clone()),
                    vec![d.suggested_share, d.coded_share],
                    format!("{} / {}", pct(d.suggested_share), pct(d.coded_share)),
                )
            })
            .collect(),
        max: 1.0,
    }));
}

fn agreement_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section(
        "agreement",
        "Agreement between coders".into(),
    ));
    b.push(Block::Explain(
        "For each pair of coders, over the (segment, code) pairs both judged: an accept says the \
         code applies, a reject that it does not, a change that the code changed to applies. \
         Agreement is the plain share of those judged alike. Cohen's kappa and Krippendorff's \
         alpha correct it for agreement by chance: 1 is perfect, 0 no better than chance; above \
         0.8 is usually read as reliable, 0.67 to 0.8 as tentative. They are undefined (—) when \
         there is nothing to tell apart, such as both coders accepting everything."
            .into(),
    ));
    if r.agreement.is_empty() {
        no_codebooks(b);
    }
    for a in &r.agreement {
        b.push(Block::Heading(format!("Codebook {}", a.codebook)));
        match a.coders.as_slice() {
            [] => {
                b.push(Block::Note(format!(
                    "Nothing yet: nobody has decided on {} yet, so there is no agreement to \
                     measure; it needs two coders judging the same segments.",
                    a.codebook
                )));
                continue;
            }
            [one] => {
                b.push(Block::Note(format!(
                    "Only one coder ({one}) has decided on {}: agreement needs at least two \
                     coders judging the same segments (`quarry review --coder NAME`).",
                    a.codebook
                )));
                continue;
            }
            _ => {}
        }
        for p in &a.pairs {
            let row = |code: Cell, x: &Agreement| {
                let mut v = vec![code];
                v.extend(cells(vec![
                    x.units.to_string(),
                    x.percent()
                        .map_or_else(|| "–".to_string(), |v| format!("{v:.1}%")),
                    coef(x.kappa),
                    coef(x.alpha),
                ]));
                v
            };
            b.push(Block::Explain(format!(
                "{} and {}: {} (segment, code) pairs judged by both, {} judged differently.",
                p.first, p.second, p.overall.units, p.disagreements
            )));
            if p.overall.units == 0 {
                b.push(Block::Note(
                    "Nothing yet: they have not judged the same segment and code.".into(),
                ));
                continue;
            }
            let mut rows: Vec<Vec<Cell>> = p
                .codes
                .iter()
                .map(|c| row(code_cell(r, &a.codebook, &c.code), &c.agreement))
                .collect();
            rows.push(row(Cell::from("(all codes)".to_string()), &p.overall));
            b.push(Block::Table {
                head: head(&[
                    ("code", false),
                    ("units", true),
                    ("agreement", true),
                    ("kappa", true),
                    ("alpha", true),
                ]),
                rows,
            });
        }
    }
}

fn rules_blocks(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Section("rules", "Rules ranked by precision".into()));
    b.push(Block::Explain(
        "Each rule of a codebook with the suggestions it took part in, how many decisions were \
         made on those (one per coder, so two coders can make decided exceed fired) and \
         accepted, and its precision (accepted ÷ decided) with the 95% Wilson \
         interval. Rules with the same precision are ranked by the lower end of the interval: \
         more decisions make a rule's figure surer. Rules at the bottom are the first to \
         sharpen or drop."
            .into(),
    ));
    let x = &r.rules;
    if x.ranked.is_empty() {
        b.push(Block::Note(
            "Nothing yet: no suggestion of any rule has been decided (`quarry review`).".into(),
        ));
    } else {
        b.push(Block::Table {
            head: head(&[
                ("#", true),
                ("codebook", false),
                ("code", false),
                ("rule", false),
                ("fired", true),
                ("decided", true),
                ("accepted", true),
                ("precision", true),
                ("95% interval", true),
            ]),
            rows: x
                .ranked
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut row = cells(vec![(i + 1).to_string(), q.codebook.clone()]);
                    row.push(code_cell(r, &q.codebook, &q.code));
                    row.extend(cells(vec![
                        q.rule.clone(),
                        q.fired.to_string(),
                        q.decided.to_string(),
                        q.accepted.to_string(),
                        opt_pct(q.precision),
                        interval(q.interval),
                    ]));
                    row
                })
                .collect(),
        });
    }
    if x.undecided + x.silent > 0 {
        b.push(Block::Note(format!(
            "Not ranked: {} whose suggestions nobody has decided yet, and {} that made no \
             suggestion.",
            plural(x.undecided, "rule"),
            plural(x.silent, "rule")
        )));
    }
}

/// Samples of larger runs: what comes from the run, what from the sample, and what the
/// sample's decisions say of the run.
fn sample_blocks(r: &Report, b: &mut Vec<Block>) {
    if r.samples.is_empty() {
        return;
    }
    b.push(Block::Section("samples", "Samples of larger runs".into()));
    b.push(Block::Explain(
        "Codebooks applied past this machine (`quarry match`, on Spark) and a sample of their \
         matches brought here (`quarry import matches`). From the run: its matches per code. \
         From this project: the sampled posts and the decisions on them (the latest per post \
         and code). Estimated true matches: per stratum (a code, or a code and the first term \
         that found the post), the run's matches times the share accepted, added up; the \
         interval adds each stratum's 95% Wilson bounds, so it is wider than a joint one, and \
         a stratum nobody decided on yet counts as anything from none to all of its matches."
            .into(),
    ));
    for s in &r.samples {
        let what = match (s.size, s.per_term) {
            (0, _) => "every match of some codes".to_string(),
            (n, true) => format!("{n} posts per code and term"),
            (n, false) => format!("{n} posts per code"),
        };
        let run = match (s.records, s.matches) {
            (Some(n), Some(m)) => format!("; the run read {n} records and found {m} matches"),
            _ => String::new(),
        };
        b.push(Block::Heading(format!("{} ({what}{run})", s.source)));
        b.push(Block::Table {
            head: head(&[
                ("code", false),
                ("run: matches", true),
                ("sampled", true),
                ("decided", true),
                ("accepted", true),
                ("estimated true matches", true),
                ("95% interval", true),
                ("strata undecided", true),
            ]),
            rows: s
                .codes
                .iter()
                .map(|e| {
                    let (point, range) = match e.estimate {
                        Some((p, lo, hi)) => (format!("{p:.0}"), format!("{lo:.0}–{hi:.0}")),
                        None => ("—".into(), "—".into()),
                    };
                    code_row(
                        r,
                        &e.codebook,
                        &e.code,
                        vec![
                            e.matches.to_string(),
                            e.sampled.to_string(),
                            e.decided.to_string(),
                            e.accepted.to_string(),
                            point,
                            range,
                            format!("{} of {}", e.undecided_strata, e.strata),
                        ],
                    )
                })
                .collect(),
        });
    }
}
