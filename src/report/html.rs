//! The report as one HTML page: inline CSS, tables, and SVG charts written by hand
//! (horizontal bars, heat maps as grids of cells). Every string from the project goes
//! through [`esc`]; nothing here is a script or points outside the page.

use super::{Block, Cell, Grid, Report};

/// Text for HTML and SVG, in element content and in quoted attributes alike: control
/// characters become U+FFFD (XML has no place for them), markup characters entities.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::safe::sanitize(s, true).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters: a longer label keeps its start and its end (where dotted
/// code ids and thread names differ), with an ellipsis between.
pub(super) fn short(s: &str, n: usize) -> String {
    crate::text::safe::cut_middle(s, n, n.saturating_sub(1) / 3)
}

/// A label in at most two lines of `n` characters, broken between words; what the second
/// line cannot hold is cut from its middle (see [`short`]). One word longer than a line is
/// cut the same way.
pub(super) fn label_lines(s: &str, n: usize) -> Vec<String> {
    if s.chars().count() <= n {
        return vec![s.to_string()];
    }
    let mut first = String::new();
    let mut words = s.split(' ').peekable();
    while let Some(w) = words.peek() {
        let len = first.chars().count() + usize::from(!first.is_empty()) + w.chars().count();
        if len > n {
            break;
        }
        if !first.is_empty() {
            first.push(' ');
        }
        first.push_str(w);
        words.next();
    }
    if first.is_empty() {
        return vec![short(s, n)];
    }
    let rest: Vec<&str> = words.collect();
    vec![first, short(&rest.join(" "), n)]
}

/// The labels' texts, with the id added where two share a text (codes of one name in
/// different places of a codebook), so no two labels read the same.
fn distinct<'a>(labels: impl Iterator<Item = &'a Cell> + Clone) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for l in labels.clone() {
        *seen.entry(l.text.as_str()).or_default() += 1;
    }
    labels
        .map(|l| {
            if seen[l.text.as_str()] > 1 {
                l.full()
            } else {
                l.text.clone()
            }
        })
        .collect()
}

/// An id in small print, with a place to break after each dot and underscore (so a long id
/// wraps between its parts, never inside a word).
fn small_id(id: &str) -> String {
    let breakable = esc(id).replace('.', ".<wbr>").replace('_', "_<wbr>");
    format!("<br><small class=\"id\">{breakable}</small>")
}

/// SVG text of up to two lines at `x`, the first baseline at `y`.
fn svg_lines(lines: &[String], x: f64, y: f64, anchor: &str) -> String {
    let mut t = format!("<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\">");
    for (k, l) in lines.iter().enumerate() {
        if k == 0 {
            t.push_str(&format!("<tspan>{}</tspan>", esc(l)));
        } else {
            t.push_str(&format!(
                "<tspan x=\"{x:.1}\" dy=\"{LINE_H:.0}\">{}</tspan>",
                esc(l)
            ));
        }
    }
    t.push_str("</text>\n");
    t
}

/// Height of a line of chart text.
const LINE_H: f64 = 13.0;

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
   color: #1b1b1b; background: #fff; max-width: 1120px; margin: 2em auto; padding: 0 1.2em;
   line-height: 1.45; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.35em; border-bottom: 2px solid #d0d7de; padding-bottom: .2em; margin-top: 2.2em; }
h3 { font-size: 1.1em; margin-top: 1.6em; }
.meta { color: #555; margin-top: 0; }
nav ol { columns: 2; padding-left: 1.4em; }
p.explain { background: #f5f8fa; border-left: 4px solid #7aa6c2; padding: .5em .9em; max-width: 52em; }
p.note { font-style: italic; color: #555; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
table { max-width: 100%; }
th, td { border: 1px solid #c8ced4; padding: .25em .6em; text-align: left; vertical-align: top;
     overflow-wrap: break-word; word-break: normal; hyphens: manual; }
small.id { color: #6a737d; font-size: .78em; }
.summary { display: flex; flex-wrap: wrap; gap: .6em; margin: 1.2em 0 .4em; }
.summary div { border: 1px solid #d0d7de; border-radius: 6px; padding: .45em .9em; min-width: 8.5em;
     flex: 1 1 8.5em; background: #f8fafc; }
.summary .v { display: block; font-size: 1.6em; font-weight: 600; font-variant-numeric: tabular-nums; }
.summary .l { display: block; font-weight: 600; }
.summary .w { display: block; color: #555; font-size: .85em; }
th { background: #eef2f5; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:last-child td { border-bottom: 1px solid #c8ced4; }
svg { display: block; max-width: 100%; height: auto; margin: .6em 0 1.2em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  nav { display: none; }
  h2, h3 { break-after: avoid; }
  table, svg, p.explain { break-inside: avoid; }
}
";

pub(super) fn page(r: &Report, blocks: &[Block]) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>Report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&r.title)
    ));
    h.push_str(&format!(
        "<header>\n<h1>Report: {}</h1>\n<p class=\"meta\">Made by quarry {} on {}. \
         Codebooks: {}.</p>\n",
        esc(&r.title),
        esc(&r.version),
        esc(&r.date),
        if r.codebooks.is_empty() {
            "none yet".to_string()
        } else {
            esc(&r.codebooks.join(", "))
        }
    ));
    h.push_str("<nav><ol>\n");
    for b in blocks {
        if let Block::Section(id, title) = b {
            h.push_str(&format!("<li><a href=\"#{id}\">{}</a></li>\n", esc(title)));
        }
    }
    h.push_str("</ol></nav>\n</header>\n");
    let mut open = false;
    let mut n = 0;
    for b in blocks {
        match b {
            Block::Section(id, title) => {
                if open {
                    h.push_str("</section>\n");
                }
                open = true;
                n += 1;
                h.push_str(&format!(
                    "<section id=\"{id}\">\n<h2>{n}. {}</h2>\n",
                    esc(title)
                ));
            }
            Block::Heading(t) => h.push_str(&format!("<h3>{}</h3>\n", esc(t))),
            Block::Explain(t) => h.push_str(&format!("<p class=\"explain\">{}</p>\n", esc(t))),
            Block::Note(t) => h.push_str(&format!("<p class=\"note\">{}</p>\n", esc(t))),
            Block::Summary(figures) => {
                h.push_str("<div class=\"summary\">\n");
                for (label, value, what) in figures {
                    h.push_str(&format!(
                        "<div><span class=\"v\">{}</span><span class=\"l\">{}</span>\
                         <span class=\"w\">{}</span></div>\n",
                        esc(value),
                        esc(label),
                        esc(what)
                    ));
                }
                h.push_str("</div>\n");
            }
            Block::Table { head, rows } => table(&mut h, head, rows),
            Block::Bars(bars) => h.push_str(&bar_chart(bars)),
            Block::Heat {
                title,
                grid,
                rows,
                columns,
                diagonal,
                numbered,
                ..
            } => h.push_str(&heat_map(title, grid, rows, columns, *diagonal, *numbered)),
        }
    }
    if open {
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn table(h: &mut String, head: &[(String, bool)], rows: &[Vec<Cell>]) {
    let class = |n: bool| if n { " class=\"n\"" } else { "" };
    h.push_str("<table>\n<thead><tr>");
    for (c, n) in head {
        h.push_str(&format!("<th{}>{}</th>", class(*n), esc(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let n = head.get(i).is_some_and(|x| x.1);
            let id = c.id.as_deref().map(small_id).unwrap_or_default();
            h.push_str(&format!("<td{}>{}{id}</td>", class(n), esc(&c.text)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

const FONT: &str = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, \
                    sans-serif\" font-size=\"12\"";

fn svg_open(title: &str, width: f64, height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{t}\" {FONT}>\n\
         <title>{t}</title>\n",
        t = esc(title)
    )
}

/// Room for a row label.
const LABEL_W: f64 = 290.0;
/// Characters of a label's line.
const LABEL_CHARS: usize = 42;

pub(super) fn bar_chart(b: &super::Bars) -> String {
    const BAR_W: f64 = 420.0;
    const TEXT_W: f64 = 130.0;
    const ROW_H: f64 = 22.0;
    const TOP: f64 = 28.0;
    let width = LABEL_W + BAR_W + TEXT_W;
    // A label of two lines takes a taller row.
    let labels: Vec<Vec<String>> = distinct(b.rows.iter().map(|r| &r.0))
        .iter()
        .map(|t| label_lines(t, LABEL_CHARS))
        .collect();
    let row_h = |k: usize| ROW_H + LINE_H * (labels[k].len() as f64 - 1.0);
    let height = TOP + (0..b.rows.len()).map(row_h).sum::<f64>() + 8.0;
    let mut s = svg_open(&b.title, width, height);
    // Legend.
    let mut x = LABEL_W;
    for (name, colour) in &b.series {
        s.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"16\">{}</text>\n",
            x + 16.0,
            esc(name)
        ));
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
    let mut y = TOP;
    for (i, (label, values, text)) in b.rows.iter().enumerate() {
        let h = row_h(i);
        s.push_str(&format!(
            "<g><title>{}: {}</title>\n",
            esc(&label.full()),
            esc(text)
        ));
        s.push_str(&svg_lines(&labels[i], LABEL_W - 8.0, y + 15.0, "end"));
        // The bars in the middle of a tall row.
        let y_bar = y + (h - ROW_H) / 2.0;
        y += h;
        let y = y_bar;
        let (mut end, mut inner): (f64, f64) = (0.0, 0.0);
        for (k, v) in values.iter().enumerate() {
            let (colour, bar_h) = (
                b.series.get(k).map_or("#777", |x| x.1),
                if k == 0 { 16.0 } else { 9.0 },
            );
            let w = if b.max > 0.0 {
                (v / b.max).clamp(0.0, 1.0) * BAR_W
            } else {
                0.0
            };
            let x = if k == 0 { LABEL_W } else { LABEL_W + inner };
            let w = w.min(LABEL_W + BAR_W - x);
            if k > 0 {
                inner += w;
            }
            end = end.max(x + w - LABEL_W);
            s.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{bar_h:.1}\" fill=\"{colour}\"/>\n",
                y + (ROW_H - bar_h) / 2.0
            ));
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{}</text>\n</g>\n",
            LABEL_W + end + 6.0,
            y + 15.0,
            esc(text)
        ));
    }
    s.push_str(&format!(
        "<line x1=\"{LABEL_W:.1}\" y1=\"{:.1}\" x2=\"{LABEL_W:.1}\" y2=\"{:.1}\" stroke=\"#555\"/>\n</svg>\n",
        TOP - 2.0,
        height - 4.0
    ));
    s
}

/// A cell's fill and text colour: white for none, then light to dark blue with the count.
fn heat_colour(n: u64, max: u64) -> (String, &'static str) {
    if n == 0 || max == 0 {
        return ("#f6f6f6".into(), "#8a8a8a");
    }
    let t = 0.12 + 0.88 * (n as f64 / max as f64).clamp(0.0, 1.0);
    let (from, to) = ([222.0, 235.0, 247.0], [8.0, 48.0, 107.0]);
    let c: Vec<u8> = (0..3)
        .map(|i| (from[i] + (to[i] - from[i]) * t).round() as u8)
        .collect();
    (
        format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]),
        if t > 0.55 { "#ffffff" } else { "#1b1b1b" },
    )
}

/// A grid of counts with `rows` and `columns` as labels; `numbered` numbers the rows and
/// heads the columns with those numbers (the full names on hover).
pub(super) fn heat_map(
    title: &str,
    g: &Grid,
    rows: &[Cell],
    columns: &[Cell],
    diagonal: bool,
    numbered: bool,
) -> String {
    const CELL_W: f64 = 50.0;
    const CELL_H: f64 = 28.0;
    const COL_CHARS: usize = 24;
    let column_text = |j: usize, c: &Cell| {
        if numbered {
            (j + 1).to_string()
        } else {
            short(&c.text, COL_CHARS)
        }
    };
    let col_len = columns
        .iter()
        .enumerate()
        .map(|(j, c)| column_text(j, c).chars().count())
        .max()
        .unwrap_or(0) as f64;
    // Column labels are turned 45°: they rise and reach right by about their length.
    let reach = col_len * 6.4 * std::f64::consts::FRAC_1_SQRT_2;
    let top = reach + 16.0;
    let grid_w = CELL_W * g.columns.len() as f64;
    // At least room for the legend below the grid.
    let width = (LABEL_W + grid_w + reach + 12.0).max(LABEL_W + 320.0);
    let height = top + CELL_H * g.rows.len() as f64 + 36.0;
    let max = g
        .counts
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.iter()
                .enumerate()
                .filter(move |(j, _)| !diagonal || i != *j)
                .map(|(_, n)| *n)
        })
        .max()
        .unwrap_or(0);
    let mut s = svg_open(title, width, height);
    for (j, c) in columns.iter().enumerate() {
        let x = LABEL_W + CELL_W * j as f64 + CELL_W / 2.0;
        let turn = if numbered { "" } else { " rotate(-45)" };
        s.push_str(&format!(
            "<g><title>{}</title><text transform=\"translate({x:.1},{:.1}){turn}\"{}>{}</text></g>\n",
            esc(&c.full()),
            top - 6.0,
            if numbered { " text-anchor=\"middle\"" } else { "" },
            esc(&column_text(j, c))
        ));
    }
    let texts = distinct(rows.iter());
    for (i, (label, row)) in rows.iter().zip(&g.counts).enumerate() {
        let y = top + CELL_H * i as f64;
        let text = if numbered {
            format!("{}. {}", i + 1, texts[i])
        } else {
            texts[i].clone()
        };
        let lines = label_lines(&text, LABEL_CHARS);
        let first = y + CELL_H / 2.0 + 4.0 - LINE_H / 2.0 * (lines.len() as f64 - 1.0);
        s.push_str(&format!("<g><title>{}</title>", esc(&label.full())));
        s.push_str(&svg_lines(&lines, LABEL_W - 8.0, first, "end"));
        s.push_str("</g>\n");
        for (j, n) in row.iter().enumerate() {
            let x = LABEL_W + CELL_W * j as f64;
            let (fill, ink) = if diagonal && i == j {
                ("#d9d9d9".to_string(), "#333333")
            } else {
                heat_colour(*n, max)
            };
            s.push_str(&format!(
                "<g><title>{} × {}: {n}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{CELL_W:.1}\" \
                 height=\"{CELL_H:.1}\" fill=\"{fill}\" stroke=\"#ffffff\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\">{n}</text></g>\n",
                esc(&label.full()),
                esc(&columns.get(j).map_or(String::new(), Cell::full)),
                x + CELL_W / 2.0,
                y + CELL_H / 2.0 + 4.0
            ));
        }
    }
    // Legend: the colours from one to the largest count.
    let y = top + CELL_H * g.rows.len() as f64 + 12.0;
    let mut steps: Vec<u64> = (0..6u64)
        .map(|k| 1 + max.saturating_sub(1) * k / 5)
        .collect();
    steps.dedup();
    if max > 0 {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">fewer</text>\n",
            LABEL_W - 8.0,
            y + 12.0
        ));
        for (k, n) in steps.iter().enumerate() {
            let (fill, _) = heat_colour(*n, max);
            s.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"22\" height=\"16\" fill=\"{fill}\"><title>{n}</title></rect>\n",
                LABEL_W + 22.0 * k as f64
            ));
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\">more (largest: {max})</text>\n",
            LABEL_W + 22.0 * steps.len() as f64 + 8.0,
            y + 12.0
        ));
    }
    s.push_str("</svg>\n");
    s
}
