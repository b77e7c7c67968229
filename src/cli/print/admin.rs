//! Reports of the project's housekeeping: what `quarry check` found, and what a REFI-QDA
//! export wrote or an import brought in.

use super::{sanitize, Format};
use std::io::{self, Write};

/// What `quarry check` found, area by area.
pub fn check(
    w: &mut dyn Write,
    r: &quarry::project::check::CheckReport,
    format: Format,
) -> io::Result<()> {
    if matches!(format, Format::Json | Format::Jsonl) {
        return writeln!(w, "{}", serde_json::to_string_pretty(r)?);
    }
    for a in &r.areas {
        let mark = match (&a.note, a.problems.is_empty(), &a.repaired) {
            (Some(_), true, _) => "note",
            (_, true, _) => "ok",
            (_, false, Some(_)) => "fixed",
            (_, false, None) => "FAIL",
        };
        writeln!(w, "{mark:<5} {} ({} checked)", a.name, a.checked)?;
        for p in &a.problems {
            writeln!(w, "      - {}", sanitize(p, true))?;
        }
        if let Some(n) = &a.note {
            writeln!(w, "      {}", sanitize(n, true))?;
        }
        if let Some(f) = &a.repaired {
            writeln!(w, "      repaired: {f}")?;
        }
    }
    if r.ok() {
        return writeln!(w, "The project is whole.");
    }
    let failed = |a: &quarry::project::check::Area| !a.problems.is_empty() && a.repaired.is_none();
    let (index, record): (Vec<_>, Vec<_>) = r
        .areas
        .iter()
        .filter(|a| failed(a))
        .partition(|a| a.name.starts_with("index"));
    if !index.is_empty() {
        writeln!(
            w,
            "The index is derived: `quarry check --repair` rebuilds it (decisions are never \
             changed)."
        )?;
    }
    if !record.is_empty() {
        writeln!(
            w,
            "The record itself has problems that --repair cannot mend: restore the last \
             backup (`quarry restore`), or keep this output and ask for help."
        )?;
    }
    Ok(())
}

/// What `export refi` wrote, and what it could not.
pub fn refi_export(
    w: &mut dyn Write,
    r: &quarry::refi::ExportReport,
    file: &std::path::Path,
    format: Format,
) -> io::Result<()> {
    if matches!(format, Format::Json | Format::Jsonl) {
        return writeln!(w, "{}", serde_json::to_string_pretty(r)?);
    }
    writeln!(
        w,
        "Wrote {}: {} documents, {} codes, {} codings by {} coder(s), {} cases, {} variables.",
        sanitize(&file.display().to_string(), true),
        r.sources,
        r.codes,
        r.codings,
        r.users,
        r.cases,
        r.variables
    )?;
    if !r.not_exported.is_empty() {
        writeln!(
            w,
            "Not exported as codings (REFI-QDA has no place for them):"
        )?;
        for n in &r.not_exported {
            writeln!(w, "  - {}", sanitize(n, true))?;
        }
    }
    Ok(())
}

/// What `import refi` did, and what it could not import.
pub fn refi_import(
    w: &mut dyn Write,
    r: &quarry::refi::ImportReport,
    file: &std::path::Path,
    format: Format,
) -> io::Result<()> {
    if matches!(format, Format::Json | Format::Jsonl) {
        return writeln!(w, "{}", serde_json::to_string_pretty(r)?);
    }
    writeln!(
        w,
        "Imported {}: {} documents added ({} already here), {}, {} attributes.",
        sanitize(&file.display().to_string(), true),
        r.documents,
        r.documents_known,
        match (r.decisions, r.decisions_known) {
            (0, 0) => "no decisions".to_string(),
            (0, known) => format!("no new decisions ({known} already here)"),
            (n, known) => format!(
                "{n} decisions by {} ({known} already here)",
                sanitize(&r.coders.join(", "), true)
            ),
        },
        r.attributes
    )?;
    writeln!(
        w,
        "Codes: {} matched to codebooks this project knows, {} new.",
        r.codes_known, r.codes_new
    )?;
    if let Some(f) = &r.codebook_file {
        writeln!(
            w,
            "New codebook: {} (add rules to its codes, then `quarry codebook check` it).",
            sanitize(&f.display().to_string(), true)
        )?;
    }
    if r.spanning > 0 {
        writeln!(
            w,
            "{} coding(s) covered several turns: each turn is coded (quarry codes whole turns).",
            r.spanning
        )?;
    }
    for n in &r.notes {
        writeln!(w, "note: {}", sanitize(n, true))?;
    }
    for p in &r.problems {
        writeln!(w, "warning: {}", sanitize(p, true))?;
    }
    Ok(())
}
