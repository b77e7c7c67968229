//! The report for a page that brings its own look (`quarry serve`): the same blocks, in the
//! same order, as the HTML file, as plain data, each chart already drawn as SVG.
//!
//! The SVG is the file's own ([`super::html`]): every string from the project escaped, only
//! presentation attributes (no `style`, no script, nothing fetched), so it can sit inside a
//! page whose content security policy forbids inline styles and scripts.

use super::html;
use super::layout::{layout, Block, Cell};
use super::Report;

/// One part of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A numbered section: its anchor (`corpus`, `codes`, ...) and title.
    Section {
        /// The anchor, for a table of contents.
        anchor: String,
        /// The title.
        title: String,
    },
    /// A sub-heading.
    Heading(String),
    /// What the numbers mean.
    Explain(String),
    /// A note, such as "nothing yet".
    Note(String),
    /// The headline figures.
    Figures(Vec<Figure>),
    /// A table.
    Table {
        /// The columns.
        head: Vec<Column>,
        /// The rows, one label per column.
        rows: Vec<Vec<Label>>,
    },
    /// A chart: its title and its SVG (escaped, presentation attributes only).
    Chart {
        /// What it shows.
        title: String,
        /// The `<svg>` element.
        svg: String,
    },
}

/// A headline figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What it is ("Documents").
    pub label: String,
    /// Its value as the report writes it ("20", "62.5%").
    pub value: String,
    /// What it counts, in words.
    pub what: String,
}

/// A table's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its heading.
    pub title: String,
    /// Whether it holds numbers (right-aligned).
    pub numeric: bool,
}

/// A table cell: its text and, for a code shown by its name, the code's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The text.
    pub text: String,
    /// The code's id, shown in small print beside its name.
    pub id: Option<String>,
}

impl From<&Cell> for Label {
    fn from(c: &Cell) -> Label {
        Label {
            text: c.text.clone(),
            id: c.id.clone(),
        }
    }
}

/// The report's parts, in the order the HTML file shows them.
pub fn parts(r: &Report) -> Vec<Part> {
    layout(r)
        .iter()
        .map(|b| match b {
            Block::Section(anchor, title) => Part::Section {
                anchor: anchor.to_string(),
                title: title.clone(),
            },
            Block::Heading(t) => Part::Heading(t.clone()),
            Block::Explain(t) => Part::Explain(t.clone()),
            Block::Note(t) => Part::Note(t.clone()),
            Block::Summary(figures) => Part::Figures(
                figures
                    .iter()
                    .map(|(label, value, what)| Figure {
                        label: label.clone(),
                        value: value.clone(),
                        what: what.clone(),
                    })
                    .collect(),
            ),
            Block::Table { head, rows } => Part::Table {
                head: head
                    .iter()
                    .map(|(title, numeric)| Column {
                        title: title.clone(),
                        numeric: *numeric,
                    })
                    .collect(),
                rows: rows
                    .iter()
                    .map(|row| row.iter().map(Label::from).collect())
                    .collect(),
            },
            Block::Bars(bars) => Part::Chart {
                title: bars.title.clone(),
                svg: html::bar_chart(bars),
            },
            Block::Heat {
                title,
                grid,
                rows,
                columns,
                diagonal,
                numbered,
                ..
            } => Part::Chart {
                title: title.clone(),
                svg: html::heat_map(title, grid, rows, columns, *diagonal, *numbered),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_carry_no_style_or_script_and_escape_names() {
        let mut r = super::super::tests::report();
        r.corpus.platforms = vec![super::super::Count {
            label: "<script>alert(1)</script>\" style=\"x".into(),
            count: 3,
        }];
        r.corpus.posts = 3;
        let parts = parts(&r);
        let charts: Vec<&String> = parts
            .iter()
            .filter_map(|p| match p {
                Part::Chart { svg, .. } => Some(svg),
                _ => None,
            })
            .collect();
        assert!(charts.len() >= 2, "{parts:?}");
        for svg in &charts {
            assert!(svg.starts_with("<svg "), "{svg}");
            let lower = svg.to_lowercase();
            // As attributes or elements: the escaped name may say `style=&quot;` as text.
            for bad in [
                "style=\"",
                "<style",
                "<script",
                "href=",
                "onload=\"",
                "onerror=\"",
            ] {
                assert!(!lower.contains(bad), "{bad} in {svg}");
            }
        }
        assert!(charts
            .iter()
            .any(|s| s.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; style=&quot;x")));
        assert!(matches!(parts.first(), Some(Part::Figures(f)) if f[0].label == "Documents"));
    }
}
