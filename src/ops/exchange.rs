//! Exchanging the work: coded quotes for a paper or a spreadsheet, REFI-QDA projects out to
//! and in from other tools, and the study's report in one file.

use crate::project::Project;
use crate::refi::{ExportConfig, ExportReport, ImportConfig, ImportReport};
use crate::report::quotes::{self, QuoteFormat, QuotesConfig, QuotesSummary};
use crate::report::{Report, ReportConfig, ReportFormat};
use crate::{Error, Result};
use std::path::Path;

/// The format to write quotes in: `format` if given, else the one `out`'s extension names.
pub fn quote_format(format: Option<QuoteFormat>, out: &Path) -> Result<QuoteFormat> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    match (format, ext.as_str()) {
        (Some(f), _) => Ok(f),
        (None, "csv") => Ok(QuoteFormat::Csv),
        (None, "xlsx") => Ok(QuoteFormat::Xlsx),
        (None, "md") => Ok(QuoteFormat::Markdown),
        (None, "json") => Ok(QuoteFormat::Json),
        (None, _) => Err(Error::Other(
            "give --format csv|xlsx|md|json, or an --out file with that extension".into(),
        )),
    }
}

/// Writes the coded quotes `cfg` selects (its codebook may be named by a file) to `out` in
/// `format`; what the file holds.
pub fn export_quotes(
    p: &Project,
    cfg: &QuotesConfig,
    format: QuoteFormat,
    out: &Path,
) -> Result<QuotesSummary> {
    let (mut index, _) = p.index()?;
    let cfg = QuotesConfig {
        codebook: cfg.codebook.as_deref().map(super::codebooks::id_of),
        ..cfg.clone()
    };
    let quotes = quotes::quotes(p, &mut index, &cfg)?;
    quotes::write_quotes(&quotes, format, out)?;
    Ok(quotes::summary(&quotes, cfg.unit))
}

/// Writes the project as a REFI-QDA project (.qdpx): every codebook, or only `codebook`.
pub fn export_refi(p: &Project, codebook: Option<&str>, out: &Path) -> Result<ExportReport> {
    let codebook = codebook.map(super::codebooks::id_of);
    crate::refi::export(p, out, &ExportConfig { codebook })
}

/// Imports another tool's REFI-QDA project: documents, codes and codings (`coder` for codings
/// whose user the file does not name).
pub fn import_refi(p: &mut Project, file: &Path, coder: Option<String>) -> Result<ImportReport> {
    crate::refi::import(p, file, &ImportConfig { coder })
}

/// The report's format: `format` (`md`, `json`; anything else HTML) if given, else the one
/// `out`'s extension names.
pub fn report_format(format: Option<&str>, out: &Path) -> ReportFormat {
    match format {
        Some("md") => ReportFormat::Markdown,
        Some("json") => ReportFormat::Json,
        Some(_) => ReportFormat::Html,
        None => ReportFormat::from_path(out),
    }
}

/// Builds the study's report (every codebook with suggestions or decisions, or only
/// `codebook`) and writes it to `out`; the report.
pub fn report(
    p: &Project,
    codebook: Option<&str>,
    format: ReportFormat,
    out: &Path,
) -> Result<Report> {
    let codebook = codebook.map(super::codebooks::id_of);
    let r = crate::report::build(p, &ReportConfig { codebook })?;
    crate::report::write_file(&r, format, out)?;
    Ok(r)
}
