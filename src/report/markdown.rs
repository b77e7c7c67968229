//! The report's blocks as Markdown: headings, explanations, tables, and heat maps as tables of
//! counts (bar charts are left to the tables beside them). All user text is escaped.

use super::{Block, Cell, Report};

pub(super) fn markdown(r: &Report, blocks: &[Block]) -> String {
    use crate::report::quotes::md_text as md;
    let mut s = format!(
        "# Report: {}\n\nMade by quarry {} on {}. Codebooks: {}.\n",
        md(&r.title),
        md(&r.version),
        md(&r.date),
        if r.codebooks.is_empty() {
            "none yet".to_string()
        } else {
            md(&r.codebooks.join(", "))
        }
    );
    let table = |s: &mut String, head: &[(String, bool)], rows: &[Vec<Cell>]| {
        s.push('\n');
        let cells = |v: Vec<String>| format!("| {} |\n", v.join(" | "));
        s.push_str(&cells(head.iter().map(|(h, _)| md(h)).collect()));
        s.push_str(&cells(
            head.iter()
                .map(|(_, n)| if *n { "---:" } else { "---" }.to_string())
                .collect(),
        ));
        for r in rows {
            s.push_str(&cells(r.iter().map(|c| md(&c.full())).collect()));
        }
    };
    let mut n = 0;
    for b in blocks {
        match b {
            Block::Section(_, title) => {
                n += 1;
                s.push_str(&format!("\n## {n}. {}\n", md(title)));
            }
            Block::Heading(t) => s.push_str(&format!("\n### {}\n", md(t))),
            Block::Explain(t) => s.push_str(&format!("\n{}\n", md(t))),
            Block::Note(t) => s.push_str(&format!("\n*{}*\n", md(t))),
            Block::Summary(figures) => {
                s.push('\n');
                for (label, value, what) in figures {
                    s.push_str(&format!(
                        "- **{}: {}** ({})\n",
                        md(label),
                        md(value),
                        md(what)
                    ));
                }
            }
            Block::Table { head, rows } => table(&mut s, head, rows),
            Block::Bars(_) => {}
            Block::Heat {
                corner,
                grid,
                rows,
                columns,
                numbered,
                ..
            } => {
                let mut h = vec![(corner.clone(), false)];
                h.extend(columns.iter().enumerate().map(|(j, c)| {
                    (
                        if *numbered {
                            (j + 1).to_string()
                        } else {
                            c.text.clone()
                        },
                        true,
                    )
                }));
                let rows: Vec<Vec<Cell>> = rows
                    .iter()
                    .zip(&grid.counts)
                    .enumerate()
                    .map(|(i, (label, counts))| {
                        let mut label = label.clone();
                        if *numbered {
                            label.text = format!("{}. {}", i + 1, label.text);
                        }
                        std::iter::once(label)
                            .chain(counts.iter().map(|n| Cell::from(n.to_string())))
                            .collect()
                    })
                    .collect();
                table(&mut s, &h, &rows);
            }
        }
    }
    s
}
