//! Output: search hits, transcripts and listings as aligned text, CSV, JSON or JSON lines.
//!
//! Text that came from a user's files is neutralised on the way out: control and escape
//! characters never reach the terminal, and no CSV cell starts like a spreadsheet formula.
//! Colour only when asked (the CLI turns it on for a terminal without `NO_COLOR`). This file
//! holds the formats and the columns and labels every listing shares; the listings themselves
//! are in the files beside it, by what they print.

use quarry::report::hits::segment_json as seg_json;
pub use quarry::text::safe::{csv_cell, cut_middle, mark, place, sanitize};

mod admin;
mod codes;
mod corpus;
mod quality;
mod review;
mod search;
#[cfg(test)]
mod tests;

pub use admin::{check, refi_export, refi_import};
pub use codes::{codebook, suggest_report, suggestions, triage, triage_labelled};
pub use corpus::{documents, segments, speakers, transcript};
pub use quality::{agreement, discovered, learned, proposed, rules, tuned, worst_terms};
pub use review::{review_item, status, unit_note};
pub use search::{hits, kwic, other_forms};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// How text output looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Highlight matched words with terminal colour.
    pub color: bool,
}

const HL_ON: &str = "\x1b[1;31m";
const HL_OFF: &str = "\x1b[0m";
const DIM_ON: &str = "\x1b[2m";

/// A quote shortened to `n` characters at its end, with `…` saying so.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A name or id shortened to `n` characters in the middle, keeping its start and its end
/// (where ids that share a long prefix differ), with `…` saying so.
fn cut(s: &str, n: usize) -> String {
    let keep = n.saturating_sub(1);
    cut_middle(s, n, keep - keep / 2)
}

/// A column of names or ids, each shortened in the middle to at most `max` characters, but
/// never two different values to the same text: the column widens until they differ.
pub struct Column {
    cuts: std::collections::HashMap<String, String>,
    /// The widest shortened value, in characters.
    pub width: usize,
}

impl Column {
    /// Fits `values` (terminal escapes neutralised) into at most `max` characters where
    /// that keeps them apart.
    pub fn fit<'a>(values: impl IntoIterator<Item = &'a str>, max: usize) -> Column {
        let mut all: Vec<String> = values.into_iter().map(|v| sanitize(v, true)).collect();
        all.sort();
        all.dedup();
        let longest = all.iter().map(|v| v.chars().count()).max().unwrap_or(0);
        let mut n = max.max(1).min(longest);
        loop {
            let cuts: std::collections::HashMap<String, String> =
                all.iter().map(|v| (v.clone(), cut(v, n))).collect();
            let distinct: std::collections::HashSet<&String> = cuts.values().collect();
            if distinct.len() == all.len() || n >= longest {
                let width = cuts.values().map(|c| c.chars().count()).max().unwrap_or(0);
                return Column { cuts, width };
            }
            n += 1;
        }
    }

    /// `value` as the column shows it.
    pub fn get(&self, value: &str) -> String {
        let v = sanitize(value, true);
        self.cuts.get(&v).cloned().unwrap_or(v)
    }
}

/// How codes are labelled in tables: by name (the default; a name several codes share gets
/// its id too), or by id (`--ids`).
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// (codebook, code id) to the code's name.
    pub names: std::collections::HashMap<(String, String), String>,
    /// Show ids instead of names.
    pub ids: bool,
}

impl Labels {
    /// The label of each (codebook, code), in order.
    pub fn codes<'a>(&self, codes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
        let codes: Vec<(&str, &str)> = codes.into_iter().collect();
        let name = |b: &str, c: &str| {
            self.names
                .get(&(b.to_string(), c.to_string()))
                .filter(|n| !self.ids && !n.trim().is_empty())
                .cloned()
        };
        // A name is shared when different codes carry it.
        let mut owners: std::collections::HashMap<String, std::collections::HashSet<(&str, &str)>> =
            Default::default();
        for &(b, c) in &codes {
            if let Some(n) = name(b, c) {
                owners.entry(n).or_default().insert((b, c));
            }
        }
        codes
            .iter()
            .map(|&(b, c)| match name(b, c) {
                Some(n) if owners[&n].len() > 1 => format!("{n} ({c})"),
                Some(n) => n,
                None => c.to_string(),
            })
            .collect()
    }

    /// The label of one code.
    pub fn code(&self, codebook: &str, code: &str) -> String {
        self.codes([(codebook, code)]).remove(0)
    }
}
