//! What a person reviewing sees: one suggestion with its context, evidence and code, the note
//! on what a sheet's quotes hold, and `quarry status` (who decided how much of what).

use super::{clip, csv_cell, mark, place, sanitize, Column, Format, Labels};
use quarry::text::model::Segment;
use std::io::{self, Write};

/// What the quotes of an export or a review sheet hold: whole turns, or the sentences holding
/// the evidence (and how many of `rows` fell back to the whole turn, having no evidence).
pub fn unit_note(unit: quarry::suggest::Unit, rows: usize, whole_turns: usize) -> String {
    match unit {
        quarry::suggest::Unit::Turn => "whole turns".to_string(),
        quarry::suggest::Unit::Sentence if whole_turns == 0 => {
            "the sentences holding the evidence".to_string()
        }
        quarry::suggest::Unit::Sentence => format!(
            "the sentences holding the evidence; {whole_turns} of {rows} are whole turns, \
             having no evidence words (coded by hand)"
        ),
    }
}

/// `text` with the byte ranges `marks` (in order, not overlapping) put in [brackets].
pub fn bracket(text: &str, marks: &[(usize, usize)]) -> String {
    mark(text, marks, '[', ']')
}

/// Prints one suggestion for review: where it is, the turn before, the segment with its
/// evidence in [brackets], the turn after, the code with its definition and notes, and the
/// rules that fired. `progress` is (n, of N) in the queue, `code_progress` within its code.
pub fn review_item(
    w: &mut dyn Write,
    item: &quarry::review::Item,
    progress: (usize, usize),
    code_progress: (usize, usize),
) -> io::Result<()> {
    let s = &item.segment;
    let who = |x: &Segment| match (&x.speaker, x.role) {
        (Some(sp), Some(r)) => format!("{} ({r})", sanitize(sp, true)),
        (Some(sp), None) => sanitize(sp, true),
        (None, _) => "-".to_string(),
    };
    writeln!(w)?;
    writeln!(
        w,
        "[{} of {}] {}{} ({} of {} for this code, score {:.2})",
        progress.0,
        progress.1,
        sanitize(&item.suggestion.code, true),
        if item.name.is_empty() {
            String::new()
        } else {
            format!(": {}", sanitize(&item.name, true))
        },
        code_progress.0,
        code_progress.1,
        item.suggestion.score
    )?;
    writeln!(
        w,
        "{} · {} · {} · #{}",
        sanitize(&s.document, true),
        who(s),
        place(s),
        s.id
    )?;
    if let Some(b) = &item.before {
        writeln!(
            w,
            "  before, {}: {}",
            who(b),
            clip(&sanitize(&b.text, true), 200)
        )?;
    }
    let marked = sanitize(&bracket(&s.text, &item.highlights), false);
    for line in marked.lines() {
        writeln!(w, "  | {line}")?;
    }
    if let Some(a) = &item.after {
        writeln!(
            w,
            "  after, {}: {}",
            who(a),
            clip(&sanitize(&a.text, true), 200)
        )?;
    }
    for (label, text) in [
        ("definition", &item.definition),
        ("include", &item.include),
        ("exclude", &item.exclude),
    ] {
        if !text.is_empty() {
            writeln!(w, "  {label}: {}", sanitize(text, true))?;
        }
    }
    writeln!(w, "  rules: {}", sanitize(&item.rules.join(" | "), true))?;
    if let Some(p) = &item.prediction {
        writeln!(w, "  {}", sanitize(&p.summary(), true))?;
    }
    writeln!(
        w,
        "  a accept · r reject · c CODE change · m memo · s skip · u undo · ? help · q quit"
    )
}

/// Prints `quarry status`.
pub fn status(
    w: &mut dyn Write,
    st: &quarry::review::Status,
    labels: &Labels,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(st)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(st)?),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "codebook",
                "code",
                "suggested",
                "coder",
                "accepted",
                "rejected",
                "changed_to",
                "pending",
            ])?;
            for x in &st.codes {
                for k in &x.coders {
                    c.write_record([
                        csv_cell(&x.codebook),
                        csv_cell(&x.code),
                        x.suggested.to_string(),
                        csv_cell(&k.coder),
                        k.accepted.to_string(),
                        k.rejected.to_string(),
                        k.changed_to.to_string(),
                        k.pending.to_string(),
                    ])?;
                }
                if x.coders.is_empty() {
                    c.write_record([
                        csv_cell(&x.codebook),
                        csv_cell(&x.code),
                        x.suggested.to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        x.suggested.to_string(),
                    ])?;
                }
            }
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{} documents, {} segments; coders: {}",
                st.documents,
                st.segments,
                if st.coders.is_empty() {
                    "none yet".to_string()
                } else {
                    sanitize(&st.coders.join(", "), true)
                }
            )?;
            if st.codes.is_empty() {
                return writeln!(
                    w,
                    "No suggestions yet: run `quarry suggest --codebook NAME`."
                );
            }
            writeln!(w)?;
            let names = labels.codes(
                st.codes
                    .iter()
                    .map(|x| (x.codebook.as_str(), x.code.as_str())),
            );
            let col = Column::fit(names.iter().map(String::as_str), 44);
            let cw = col.width.max(4);
            let coders = Column::fit(st.coders.iter().map(String::as_str), 22);
            let kw = coders.width.max(22);
            write!(w, "{:cw$} {:>9}", "code", "suggested")?;
            for c in &st.coders {
                write!(w, "  {:>kw$}", coders.get(c))?;
            }
            writeln!(w)?;
            write!(w, "{:cw$} {:>9}", "", "")?;
            for _ in &st.coders {
                write!(w, "  {:>kw$}", "acc/rej/pending")?;
            }
            writeln!(w)?;
            for (x, name) in st.codes.iter().zip(&names) {
                write!(w, "{:cw$} {:>9}", col.get(name), x.suggested)?;
                for k in &x.coders {
                    write!(
                        w,
                        "  {:>kw$}",
                        format!("{}/{}/{}", k.accepted + k.changed_to, k.rejected, k.pending)
                    )?;
                }
                writeln!(w)?;
            }
            Ok(())
        }
    }
}
