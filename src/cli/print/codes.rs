//! Codes and what was suggested for them: a codebook as a tree, what a `suggest` run did, the
//! stored suggestions, and the triage of documents and segments by suggestions.

use super::{clip, csv_cell, sanitize, Column, Format, Labels};
use std::io::{self, Write};

/// Prints a codebook as a tree: each code with its id, name, definition, notes and rules.
pub fn codebook(w: &mut dyn Write, cb: &quarry::codebook::Codebook) -> io::Result<()> {
    writeln!(
        w,
        "{} ({}), version {}",
        sanitize(&cb.name, true),
        cb.id,
        cb.version
    )?;
    if !cb.source.is_empty() {
        writeln!(w, "Source: {}", sanitize(&cb.source, true))?;
    }
    if !cb.mask.is_empty() {
        writeln!(
            w,
            "Masked everywhere: {}",
            sanitize(&cb.mask.join(" | "), true)
        )?;
    }
    for c in &cb.codes {
        let pad = "  ".repeat(c.depth);
        writeln!(w)?;
        writeln!(w, "{pad}{}  {}", c.id, sanitize(&c.name, true))?;
        for (label, text) in [
            ("", &c.definition),
            ("include: ", &c.include),
            ("exclude: ", &c.exclude),
        ] {
            if !text.is_empty() {
                writeln!(w, "{pad}  {label}{}", sanitize(text, true))?;
            }
        }
        for r in &c.rules {
            writeln!(w, "{pad}  rule: {}", sanitize(&r.text, true))?;
        }
        if !c.mask.is_empty() {
            writeln!(w, "{pad}  masked: {}", sanitize(&c.mask.join(" | "), true))?;
        }
    }
    Ok(())
}

/// Prints what `suggest` did: per code, the segments it matches (descendants included), its
/// share of the project and its most frequent evidence words.
pub fn suggest_report(
    w: &mut dyn Write,
    r: &quarry::suggest::SuggestReport,
    format: Format,
) -> io::Result<()> {
    let terms = |c: &quarry::suggest::CodeSummary| {
        c.top_terms
            .iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(&r.codes)?),
        Format::Jsonl => r
            .codes
            .iter()
            .try_for_each(|c| writeln!(w, "{}", serde_json::to_string(c)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "codebook",
                "code",
                "name",
                "depth",
                "segments",
                "share",
                "top_terms",
            ])?;
            for x in &r.codes {
                c.write_record([
                    csv_cell(&x.codebook),
                    csv_cell(&x.code),
                    csv_cell(&x.name),
                    x.depth.to_string(),
                    x.segments.to_string(),
                    format!("{:.1}", x.share),
                    csv_cell(&terms(x)),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            for x in &r.codes {
                let pad = "  ".repeat(x.depth.saturating_sub(1));
                writeln!(
                    w,
                    "{:>6} {:>5.1}%  {pad}{}  {}",
                    x.segments,
                    x.share,
                    sanitize(&x.code, true),
                    sanitize(&terms(x), true)
                )?;
            }
            writeln!(
                w,
                "Read {} of {} segments with {} rules{}.",
                r.read,
                r.segments,
                r.rules,
                if r.rules_rerun > 0 {
                    format!(
                        " ({} new or edited rules also read the segments of earlier runs)",
                        r.rules_rerun
                    )
                } else {
                    String::new()
                }
            )?;
            let dry = if r.stored {
                ""
            } else {
                " (dry run: nothing stored)"
            };
            if r.full {
                writeln!(
                    w,
                    "{} suggestions waiting for review, all made afresh; {} kept for a \
                     person's decision{dry}.",
                    r.suggestions, r.kept
                )
            } else {
                writeln!(
                    w,
                    "{} suggestions waiting for review: {} new, {} withdrawn, {} kept for a \
                     person's decision{dry}.",
                    r.suggestions, r.added, r.withdrawn, r.kept
                )
            }
        }
    }
}

/// Code-point ranges as `a-b a-b`.
fn ranges(r: &[(usize, usize)]) -> String {
    r.iter()
        .map(|(a, b)| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn state_name(s: quarry::store::SuggestionState) -> &'static str {
    match s {
        quarry::store::SuggestionState::Open => "open",
        quarry::store::SuggestionState::Covered => "covered",
        quarry::store::SuggestionState::Withdrawn => "withdrawn",
    }
}

/// Prints stored suggestions (table: `*` after the state marks a decided suggestion whose
/// rule has changed since).
pub fn suggestions(
    w: &mut dyn Write,
    rows: &[quarry::store::SuggestionListing],
    labels: &Labels,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(rows)?),
        Format::Jsonl => rows
            .iter()
            .try_for_each(|r| writeln!(w, "{}", serde_json::to_string(r)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "segment", "codebook", "code", "state", "changed", "score", "likely", "rules",
                "words", "evidence", "spans", "raised", "lowered",
            ])?;
            for r in rows {
                c.write_record([
                    r.segment.to_string(),
                    csv_cell(&r.codebook),
                    csv_cell(&r.code),
                    state_name(r.state).to_string(),
                    r.changed.to_string(),
                    format!("{:.3}", r.score),
                    r.likely.map_or(String::new(), |l| format!("{l:.3}")),
                    csv_cell(&r.rules.join(" | ")),
                    csv_cell(&r.words.join(" ")),
                    ranges(&r.evidence),
                    ranges(&r.spans),
                    csv_cell(&r.raised.join("; ")),
                    csv_cell(&r.lowered.join("; ")),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let names = labels.codes(rows.iter().map(|r| (r.codebook.as_str(), r.code.as_str())));
            let col = Column::fit(names.iter().map(String::as_str), 32);
            let cw = col.width.max(32);
            for (r, name) in rows.iter().zip(&names) {
                writeln!(
                    w,
                    "#{:<6} {:cw$} {:>6.2} {:9} {}",
                    r.segment,
                    col.get(name),
                    r.score,
                    if r.changed {
                        format!("{}*", state_name(r.state))
                    } else {
                        state_name(r.state).to_string()
                    },
                    sanitize(&r.rules.join(" | "), true)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints a triage: documents by density, segments by codes, and what nothing was
/// suggested for.
pub fn triage(
    w: &mut dyn Write,
    t: &quarry::suggest::triage::Triage,
    format: Format,
) -> io::Result<()> {
    triage_labelled(w, t, &Labels::default(), format)
}

/// [`triage`], the table naming codes by `labels`.
pub fn triage_labelled(
    w: &mut dyn Write,
    t: &quarry::suggest::triage::Triage,
    labels: &Labels,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(t)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(t)?),
        Format::Csv => triage_csv(w, t),
        Format::Table => triage_table(w, t, labels),
    }
}

/// [`triage_labelled`] as CSV: one list after the other, a column saying which.
fn triage_csv(w: &mut dyn Write, t: &quarry::suggest::triage::Triage) -> io::Result<()> {
    use quarry::suggest::triage::SegmentRank;
    let codes = |c: &[(String, usize)]| {
        c.iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "list",
        "document",
        "segment",
        "speaker",
        "in_scope",
        "suggested",
        "density",
        "codes",
        "score",
        "text",
    ])?;
    for d in &t.documents {
        c.write_record([
            "documents".to_string(),
            csv_cell(&d.document),
            String::new(),
            String::new(),
            d.in_scope.to_string(),
            d.suggested.to_string(),
            format!("{:.3}", d.density),
            csv_cell(&codes(&d.codes)),
            String::new(),
            String::new(),
        ])?;
    }
    let seg_rows = |c: &mut csv::Writer<&mut dyn Write>, list: &str, v: &[SegmentRank]| {
        v.iter().try_for_each(|s| {
            c.write_record([
                list.to_string(),
                csv_cell(&s.document),
                s.segment.to_string(),
                csv_cell(s.speaker.as_deref().unwrap_or("")),
                String::new(),
                String::new(),
                String::new(),
                csv_cell(&s.codes.join(" ")),
                format!("{:.3}", s.score),
                csv_cell(&s.text),
            ])
        })
    };
    seg_rows(&mut c, "segments", &t.segments)?;
    seg_rows(&mut c, "unsuggested", &t.unsuggested_segments)?;
    c.flush()
}

/// [`triage_labelled`] as text: the share suggested, then documents, segments and what nothing
/// was suggested for.
fn triage_table(
    w: &mut dyn Write,
    t: &quarry::suggest::triage::Triage,
    labels: &Labels,
) -> io::Result<()> {
    use quarry::suggest::triage::SegmentRank;
    let named = |c: &[(String, usize)]| {
        c.iter()
            .map(|(c, n)| format!("{} ({n})", labels.code(&t.codebook, c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    writeln!(
        w,
        "{}{}: {} of {} segments in scope have a suggestion ({:.1}%).",
        sanitize(&t.codebook, true),
        t.code
            .as_ref()
            .map(|c| format!(" / {}", sanitize(c, true)))
            .unwrap_or_default(),
        t.suggested,
        t.in_scope,
        pct(t.suggested, t.in_scope)
    )?;
    let of = |shown: usize, total: usize| {
        if shown < total {
            format!(" (the first {shown} of {total}; --limit 0 shows all)")
        } else {
            String::new()
        }
    };
    writeln!(
        w,
        "\nDocuments by suggestion density{}:",
        of(t.documents.len(), t.documents_total)
    )?;
    let docs = Column::fit(t.documents.iter().map(|d| d.document.as_str()), 40);
    let seg_docs = Column::fit(
        t.segments
            .iter()
            .chain(&t.unsuggested_segments)
            .map(|s| s.document.as_str()),
        30,
    );
    for d in &t.documents {
        writeln!(
            w,
            "  {:>5.1}%  {:>5}/{:<5}  {}  {}",
            100.0 * d.density,
            d.suggested,
            d.in_scope,
            docs.get(&d.document),
            sanitize(&named(&d.codes), true)
        )?;
    }
    let seg = |w: &mut dyn Write, s: &SegmentRank| {
        writeln!(
            w,
            "  #{:<6} {} {}: {}",
            s.segment,
            seg_docs.get(&s.document),
            sanitize(s.speaker.as_deref().unwrap_or("-"), true),
            clip(&sanitize(&s.text, true), 70)
        )
    };
    writeln!(
        w,
        "\nSegments with the most codes{}:",
        of(t.segments.len(), t.suggested)
    )?;
    for s in &t.segments {
        seg(w, s)?;
        let names = labels.codes(s.codes.iter().map(|c| (t.codebook.as_str(), c.as_str())));
        let names: Vec<String> = names
            .into_iter()
            .enumerate()
            .map(|(k, n)| match s.likely.get(k).copied().flatten() {
                Some(l) => format!("{n} (likely {l:.2})"),
                None => n,
            })
            .collect();
        writeln!(
            w,
            "           {} (score {:.2})",
            sanitize(&names.join(", "), true),
            s.score
        )?;
    }
    writeln!(
        w,
        "\nIn scope with no suggestion at all: {} segments ({:.1}%); the longest{}:",
        t.unsuggested,
        pct(t.unsuggested, t.in_scope),
        of(t.unsuggested_segments.len(), t.unsuggested)
    )?;
    for s in &t.unsuggested_segments {
        seg(w, s)?;
    }
    Ok(())
}
