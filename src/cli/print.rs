//! Output: search hits, transcripts and listings as aligned text, CSV, JSON or JSON lines.
//!
//! Text that came from a user's files is neutralised on the way out: control and escape
//! characters never reach the terminal, and no CSV cell starts like a spreadsheet formula.
//! Colour only when asked (the CLI turns it on for a terminal without `NO_COLOR`).

use quarry::project::search::{Hit, OtherForms, SearchResult};
use quarry::text::model::{format_ms, Document, PostMeta, Segment, Speaker};
pub use quarry::text::safe::{csv_cell, cut_middle, mark, place, sanitize};
use serde_json::json;
use std::io::{self, Write};

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

/// What a post is besides original: `repost`, `reply`, `quote`, `duplicate`.
fn post_kinds(p: &PostMeta) -> Vec<&'static str> {
    [
        (p.is_repost, "repost"),
        (p.is_reply, "reply"),
        (p.is_quote, "quote"),
        (p.is_duplicate, "duplicate"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| k)
    .collect()
}

fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    ranges
        .iter()
        .map(|&(s, e)| (text[..s].chars().count(), text[..e].chars().count()))
        .collect()
}

/// A keyword-in-context snippet: about `width` characters around the first highlight, on one
/// line, with highlights marked when `color`.
pub fn kwic(text: &str, highlights: &[(usize, usize)], width: usize, color: bool) -> String {
    let first = highlights.first().map_or(0, |h| h.0);
    let mut start = first.saturating_sub(width);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    if start > 0 {
        // Start at a word boundary.
        if let Some(sp) = text[start..first].find(char::is_whitespace) {
            start += sp + 1;
        }
    }
    let mut end = (first + width * 2).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end < text.len() {
        if let Some(sp) = text[first.min(end)..end].rfind(char::is_whitespace) {
            end = first + sp;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in highlights {
        if s < at || e > end {
            continue;
        }
        out.push_str(&sanitize(&text[at..s], true));
        if color {
            out.push_str(HL_ON);
        }
        out.push_str(&sanitize(&text[s..e], true));
        if color {
            out.push_str(HL_OFF);
        }
        at = e;
    }
    out.push_str(&sanitize(&text[at..end], true));
    if end < text.len() {
        out.push('…');
    }
    collapse_spaces(&out)
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_space = false;
    for c in s.chars() {
        if c == ' ' {
            if !prev_space {
                out.push(c);
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    out
}

fn seg_json(s: &Segment) -> serde_json::Value {
    let mut v = json!({
        "segment": s.id,
        "document": s.document,
        "speaker": s.speaker,
        "role": s.role,
        "start_ms": s.start_ms,
        "end_ms": s.end_ms,
        "start": s.start_ms.map(format_ms),
        "line": s.line,
        "char_start": s.char_start,
        "char_end": s.char_end,
        "text": s.text,
    });
    if let Some(p) = &s.post {
        v["post"] = json!(p);
    }
    v
}

fn hit_json(h: &Hit) -> serde_json::Value {
    let mut v = seg_json(&h.segment);
    let words: Vec<&str> = h
        .highlights
        .iter()
        .map(|&(s, e)| &h.segment.text[s..e])
        .collect();
    v["matches"] = json!(words);
    v["highlights"] = json!(char_ranges(&h.segment.text, &h.highlights));
    if !h.before.is_empty() || !h.after.is_empty() {
        v["before"] = json!(h.before.iter().map(seg_json).collect::<Vec<_>>());
        v["after"] = json!(h.after.iter().map(seg_json).collect::<Vec<_>>());
    }
    v
}

/// One line per search word whose stem misses corpus words that begin like it (see
/// [`quarry::project::search::other_forms`]): `also in the corpus (segments): trustworthy (9),
/// trustworthiness (6); try trust*`.
pub fn other_forms(w: &mut dyn Write, forms: &[OtherForms], indent: &str) -> io::Result<()> {
    for f in forms {
        let list: Vec<String> = f.words.iter().map(|(w, n)| format!("{w} ({n})")).collect();
        let more = if f.more > 0 {
            format!(" and {} more", f.more)
        } else {
            String::new()
        };
        let line = format!(
            "also in the corpus (segments): {}{more}; try {}*",
            list.join(", "),
            f.stem
        );
        writeln!(w, "{indent}{}", sanitize(&line, true))?;
    }
    Ok(())
}

/// The columns of `search --format csv`: every field of a hit's JSON, flattened. The first ten
/// are the JSON keys of the same name (`quote` is `text`), then `start_ms`, `end_ms`,
/// `highlights`, one `post_FIELD` per field of `post`, and the context turns (`before`,
/// `after`).
fn hit_csv_columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "segment",
        "document",
        "speaker",
        "role",
        "start",
        "line",
        "char_start",
        "char_end",
        "matches",
        "quote",
        "start_ms",
        "end_ms",
        "highlights",
    ]
    .map(String::from)
    .to_vec();
    if let serde_json::Value::Object(m) = json!(PostMeta::default()) {
        cols.extend(m.keys().map(|k| format!("post_{k}")));
    }
    cols.extend(["before".to_string(), "after".to_string()]);
    cols
}

/// A JSON value as one CSV cell: lists joined with `; `, pairs with `-` (numbers, such as
/// highlight ranges) or `=` (a key and its value), strings formula-guarded.
fn csv_flat(v: &serde_json::Value) -> String {
    use serde_json::Value;
    fn plain(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(a) => {
                let sep = if a.iter().all(Value::is_number) {
                    "-"
                } else {
                    "="
                };
                a.iter().map(plain).collect::<Vec<_>>().join(sep)
            }
            other => other.to_string(),
        }
    }
    match v {
        Value::Array(a) => csv_cell(&a.iter().map(plain).collect::<Vec<_>>().join("; ")),
        Value::String(s) => csv_cell(s),
        other => plain(other),
    }
}

/// One hit as the row of [`hit_csv_columns`]; context turns as `speaker: text`, one a line.
fn hit_csv_row(h: &Hit, columns: &[String]) -> Vec<String> {
    let v = hit_json(h);
    let turns = |segs: &[Segment]| {
        csv_cell(
            &segs
                .iter()
                .map(|s| match &s.speaker {
                    Some(sp) => format!("{sp}: {}", s.text),
                    None => s.text.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    columns
        .iter()
        .map(|col| match col.as_str() {
            "quote" => csv_flat(&v["text"]),
            "before" => turns(&h.before),
            "after" => turns(&h.after),
            c => match c.strip_prefix("post_") {
                Some(k) => csv_flat(&v["post"][k]),
                None => csv_flat(&v[c]),
            },
        })
        .collect()
}

/// Prints search hits.
pub fn hits(w: &mut dyn Write, r: &SearchResult, format: Format, style: Style) -> io::Result<()> {
    match format {
        Format::Json => {
            let v =
                json!({"total": r.total, "hits": r.hits.iter().map(hit_json).collect::<Vec<_>>()});
            writeln!(w, "{}", serde_json::to_string_pretty(&v)?)
        }
        Format::Jsonl => {
            for h in &r.hits {
                writeln!(w, "{}", hit_json(h))?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            let columns = hit_csv_columns();
            c.write_record(&columns)?;
            for h in &r.hits {
                c.write_record(hit_csv_row(h, &columns))?;
            }
            c.flush()
        }
        Format::Table => {
            let docs = Column::fit(r.hits.iter().map(|h| h.segment.document.as_str()), 28);
            let segs = r
                .hits
                .iter()
                .flat_map(|h| h.before.iter().chain([&h.segment]).chain(h.after.iter()));
            let speakers = Column::fit(segs.map(|s| s.speaker.as_deref().unwrap_or("")), 20);
            let dw = docs.width;
            let sw = speakers.width;
            for h in &r.hits {
                for b in &h.before {
                    context_line(w, b, dw, &speakers, style)?;
                }
                let s = &h.segment;
                writeln!(
                    w,
                    "{:dw$}  {:sw$}  {:>8}  {}",
                    docs.get(&s.document),
                    speakers.get(s.speaker.as_deref().unwrap_or("")),
                    place(s),
                    kwic(&s.text, &h.highlights, 70, style.color),
                )?;
                for a in &h.after {
                    context_line(w, a, dw, &speakers, style)?;
                }
                if !h.before.is_empty() || !h.after.is_empty() {
                    writeln!(w)?;
                }
            }
            Ok(())
        }
    }
}

fn context_line(
    w: &mut dyn Write,
    s: &Segment,
    dw: usize,
    speakers: &Column,
    style: Style,
) -> io::Result<()> {
    let (on, off) = if style.color {
        (DIM_ON, HL_OFF)
    } else {
        ("", "")
    };
    let sw = speakers.width;
    writeln!(
        w,
        "{on}{:dw$}  {:sw$}  {:>8}  {}{off}",
        "",
        speakers.get(s.speaker.as_deref().unwrap_or("")),
        place(s),
        kwic(&s.text, &[], 70, false),
    )
}

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

/// Prints a transcript: each segment with its id, place, speaker and full text. The segment
/// `mark` (if any) is flagged.
pub fn transcript(
    w: &mut dyn Write,
    doc: &str,
    segs: &[Segment],
    mark: Option<i64>,
    style: Style,
) -> io::Result<()> {
    writeln!(w, "{}", sanitize(doc, true))?;
    writeln!(w)?;
    for s in segs {
        let flag = if Some(s.id) == mark { "▶" } else { " " };
        let mut who = match (&s.speaker, s.role) {
            (Some(sp), Some(r)) => format!("{} ({r})", sanitize(sp, true)),
            (Some(sp), None) => sanitize(sp, true),
            (None, _) => String::new(),
        };
        if let Some(p) = &s.post {
            for k in post_kinds(p) {
                who.push_str(" · ");
                who.push_str(k);
            }
            if let Some(u) = &p.url {
                who.push_str("  ");
                who.push_str(&sanitize(u, true));
            }
        }
        let (on, off) = if style.color && Some(s.id) == mark {
            (HL_ON, HL_OFF)
        } else {
            ("", "")
        };
        writeln!(w, "{flag}#{:<6} {:>8}  {on}{who}{off}", s.id, place(s))?;
        for line in sanitize(&s.text, false).lines() {
            writeln!(w, "           {line}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Prints documents.
pub fn documents(w: &mut dyn Write, docs: &[Document], format: Format) -> io::Result<()> {
    let attrs = |d: &Document| {
        d.attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(docs)?),
        Format::Jsonl => docs
            .iter()
            .try_for_each(|d| writeln!(w, "{}", serde_json::to_string(d)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["id", "name", "format", "segments", "attributes", "path"])?;
            for d in docs {
                c.write_record([
                    d.id.to_string(),
                    csv_cell(&d.name),
                    d.format.as_str().into(),
                    d.segments.to_string(),
                    csv_cell(&attrs(d)),
                    csv_cell(&d.path),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let nw = docs
                .iter()
                .map(|d| d.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(
                w,
                "{:>4}  {:nw$}  {:8}  {:>8}  attributes",
                "id", "name", "format", "segments"
            )?;
            for d in docs {
                writeln!(
                    w,
                    "{:>4}  {:nw$}  {:8}  {:>8}  {}",
                    d.id,
                    sanitize(&d.name, true),
                    d.format.as_str(),
                    d.segments,
                    sanitize(&attrs(d), true)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints segments.
pub fn segments(w: &mut dyn Write, segs: &[Segment], format: Format) -> io::Result<()> {
    match format {
        Format::Json => writeln!(
            w,
            "{}",
            serde_json::to_string_pretty(&segs.iter().map(seg_json).collect::<Vec<_>>())?
        ),
        Format::Jsonl => segs.iter().try_for_each(|s| writeln!(w, "{}", seg_json(s))),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "id",
                "document",
                "ord",
                "speaker",
                "role",
                "start_ms",
                "end_ms",
                "line",
                "char_start",
                "char_end",
                "text",
                "platform",
                "post_id",
                "created_at",
                "url",
                "hashtags",
                "kind",
            ])?;
            for s in segs {
                let p = s.post.as_ref();
                c.write_record([
                    s.id.to_string(),
                    csv_cell(&s.document),
                    s.ord.to_string(),
                    csv_cell(s.speaker.as_deref().unwrap_or("")),
                    s.role.map(|r| r.to_string()).unwrap_or_default(),
                    s.start_ms.map(|v| v.to_string()).unwrap_or_default(),
                    s.end_ms.map(|v| v.to_string()).unwrap_or_default(),
                    s.line.to_string(),
                    s.char_start.to_string(),
                    s.char_end.to_string(),
                    csv_cell(&s.text),
                    p.map(|p| p.platform.as_str().to_string())
                        .unwrap_or_default(),
                    csv_cell(p.map_or("", |p| p.id.as_str())),
                    p.and_then(|p| p.created_at.clone()).unwrap_or_default(),
                    csv_cell(p.and_then(|p| p.url.as_deref()).unwrap_or("")),
                    csv_cell(&p.map(|p| p.hashtags.join(" ")).unwrap_or_default()),
                    p.map(|p| {
                        let k = post_kinds(p);
                        if k.is_empty() {
                            "original".to_string()
                        } else {
                            k.join(" ")
                        }
                    })
                    .unwrap_or_default(),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let docs = Column::fit(segs.iter().map(|s| s.document.as_str()), 20);
            let speakers =
                Column::fit(segs.iter().map(|s| s.speaker.as_deref().unwrap_or("-")), 16);
            let (dw, sw) = (docs.width.max(20), speakers.width.max(16));
            for s in segs {
                writeln!(
                    w,
                    "#{:<6} {:dw$} {:sw$} {:>8} {:>6}..{:<6} {}",
                    s.id,
                    docs.get(&s.document),
                    speakers.get(s.speaker.as_deref().unwrap_or("-")),
                    place(s),
                    s.char_start,
                    s.char_end,
                    kwic(&s.text, &[], 50, false)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints speakers.
pub fn speakers(w: &mut dyn Write, sp: &[Speaker], format: Format) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(sp)?),
        Format::Jsonl => sp
            .iter()
            .try_for_each(|s| writeln!(w, "{}", serde_json::to_string(s)?)),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["speaker", "role", "role_source", "turns", "documents"])?;
            for s in sp {
                c.write_record([
                    csv_cell(&s.name),
                    s.role.map(|r| r.to_string()).unwrap_or_default(),
                    s.role_source
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                    s.turns.to_string(),
                    s.documents.to_string(),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            let names = Column::fit(sp.iter().map(|s| s.name.as_str()), 40);
            let nw = names.width.max(7);
            writeln!(
                w,
                "{:nw$}  {:12} {:7} {:>6} {:>9}",
                "speaker", "role", "from", "turns", "documents"
            )?;
            for s in sp {
                writeln!(
                    w,
                    "{:nw$}  {:12} {:7} {:>6} {:>9}",
                    names.get(&s.name),
                    s.role.map_or("-".to_string(), |r| r.to_string()),
                    s.role_source.map_or("-", |r| r.as_str()),
                    s.turns,
                    s.documents
                )?;
            }
            Ok(())
        }
    }
}

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
                "segment", "codebook", "code", "state", "changed", "score", "rules", "words",
                "evidence", "spans",
            ])?;
            for r in rows {
                c.write_record([
                    r.segment.to_string(),
                    csv_cell(&r.codebook),
                    csv_cell(&r.code),
                    state_name(r.state).to_string(),
                    r.changed.to_string(),
                    format!("{:.3}", r.score),
                    csv_cell(&r.rules.join(" | ")),
                    csv_cell(&r.words.join(" ")),
                    ranges(&r.evidence),
                    ranges(&r.spans),
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
    use quarry::suggest::triage::SegmentRank;
    let named = |c: &[(String, usize)]| {
        c.iter()
            .map(|(c, n)| format!("{} ({n})", labels.code(&t.codebook, c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let codes = |c: &[(String, usize)]| {
        c.iter()
            .map(|(c, n)| format!("{c} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(t)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(t)?),
        Format::Csv => {
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
        Format::Table => {
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
                writeln!(
                    w,
                    "           {} (score {:.2})",
                    sanitize(
                        &labels
                            .codes(s.codes.iter().map(|c| (t.codebook.as_str(), c.as_str())))
                            .join(", "),
                        true
                    ),
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
    }
}

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

fn opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

fn interval(x: Option<(f64, f64)>) -> String {
    x.map_or("-".into(), |(a, b)| format!("{a:.2}-{b:.2}"))
}

/// Prints `quarry rules`.
pub fn rules(
    w: &mut dyn Write,
    r: &quarry::review::quality::RulesReport,
    format: Format,
) -> io::Result<()> {
    let words = |v: &[(String, usize)]| {
        v.iter()
            .map(|(w, n)| format!("{w} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(r)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(r)?),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code",
                "rule",
                "fired",
                "decided",
                "accepted",
                "precision",
                "low",
                "high",
                "rejected_words",
                "term",
                "only",
                "more_for_width",
            ])?;
            for code in &r.codes {
                let row = |rule: &str,
                           f: usize,
                           d: usize,
                           a: usize,
                           p: Option<f64>,
                           i: Option<(f64, f64)>,
                           rw: String| {
                    vec![
                        csv_cell(&code.code),
                        csv_cell(rule),
                        f.to_string(),
                        d.to_string(),
                        a.to_string(),
                        p.map_or(String::new(), |v| format!("{v:.4}")),
                        i.map_or(String::new(), |v| format!("{:.4}", v.0)),
                        i.map_or(String::new(), |v| format!("{:.4}", v.1)),
                        csv_cell(&rw),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]
                };
                c.write_record(row(
                    "",
                    code.fired,
                    code.decided,
                    code.accepted,
                    code.precision,
                    code.interval,
                    String::new(),
                ))?;
                for x in &code.rules {
                    c.write_record(row(
                        &x.rule,
                        x.fired,
                        x.decided,
                        x.accepted,
                        x.precision,
                        x.interval,
                        words(&x.rejected_words),
                    ))?;
                    for t in x.terms.iter().filter(|_| x.terms.len() > 1) {
                        let mut rec = row(
                            &x.rule,
                            t.fired,
                            t.decided,
                            t.accepted,
                            t.precision,
                            t.interval,
                            String::new(),
                        );
                        rec[9] = csv_cell(&t.term);
                        rec[10] = t.only.to_string();
                        rec[11] = t.more.map_or(String::new(), |m| m.to_string());
                        c.write_record(rec)?;
                    }
                }
            }
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{}: precision = accepted / decided ({}), with its 95% Wilson interval",
                sanitize(&r.codebook, true),
                r.coder
                    .as_deref()
                    .map_or("every coder".into(), |c| sanitize(c, true))
            )?;
            writeln!(
                w,
                "{:>6} {:>7} {:>8} {:>9} {:>11}  code / rule",
                "fired", "decided", "accepted", "precision", "interval"
            )?;
            let rule_col = Column::fit(
                r.codes
                    .iter()
                    .flat_map(|c| c.rules.iter().map(|x| x.rule.as_str())),
                60,
            );
            let term_col = Column::fit(
                r.codes
                    .iter()
                    .flat_map(|c| c.rules.iter().flat_map(|x| x.terms.iter()))
                    .map(|t| t.term.as_str()),
                40,
            );
            for code in &r.codes {
                writeln!(
                    w,
                    "{:>6} {:>7} {:>8} {:>9} {:>11}  {}",
                    code.fired,
                    code.decided,
                    code.accepted,
                    opt(code.precision),
                    interval(code.interval),
                    sanitize(&code.code, true)
                )?;
                for x in &code.rules {
                    writeln!(
                        w,
                        "{:>6} {:>7} {:>8} {:>9} {:>11}    {}{}",
                        x.fired,
                        x.decided,
                        x.accepted,
                        opt(x.precision),
                        interval(x.interval),
                        rule_col.get(&x.rule),
                        if x.rejected_words.is_empty() {
                            String::new()
                        } else {
                            format!("  rejected: {}", sanitize(&words(&x.rejected_words), true))
                        }
                    )?;
                    for t in x.terms.iter().filter(|_| x.terms.len() > 1) {
                        writeln!(
                            w,
                            "{:>6} {:>7} {:>8} {:>9} {:>11}      term {}{}",
                            t.fired,
                            t.decided,
                            t.accepted,
                            opt(t.precision),
                            interval(t.interval),
                            term_col.get(&t.term),
                            match t.only_share {
                                Some(s) if t.only > 0 => format!(
                                    "  alone in {} accepted ({:.0}% of the code's)",
                                    t.only,
                                    100.0 * s
                                ),
                                _ => String::new(),
                            }
                        )?;
                    }
                }
            }
            match &r.recall {
                Some(rc) => writeln!(
                    w,
                    "\nRecall about {:.2} (range {:.2}-{:.2}): {} of {} sampled unsuggested segments \
                     had a code; {} unsuggested and {} suggested segments, segment precision {:.2}.",
                    rc.recall, rc.interval.0, rc.interval.1, rc.missed, rc.sampled, rc.unsuggested,
                    rc.suggested, rc.segment_precision
                ),
                None => writeln!(
                    w,
                    "\nRecall: review a sample of segments with no suggestion first \
                     (quarry review --unsuggested --codebook {} --sample 30).",
                    sanitize(&r.codebook, true)
                ),
            }
        }
    }
}

/// Prints `quarry rules --worst`: terms across rules, worst first.
pub fn worst_terms(
    w: &mut dyn Write,
    terms: &[quarry::review::quality::RankedTerm],
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(terms)?),
        Format::Jsonl => {
            for t in terms {
                writeln!(w, "{}", serde_json::to_string(t)?)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code",
                "rule",
                "term",
                "fired",
                "decided",
                "accepted",
                "precision",
                "low",
                "high",
                "only",
                "only_share",
                "more_for_width",
            ])?;
            for t in terms {
                let q = &t.quality;
                c.write_record([
                    csv_cell(&t.code),
                    csv_cell(&t.rule),
                    csv_cell(&q.term),
                    q.fired.to_string(),
                    q.decided.to_string(),
                    q.accepted.to_string(),
                    q.precision.map_or(String::new(), |v| format!("{v:.4}")),
                    q.interval.map_or(String::new(), |v| format!("{:.4}", v.0)),
                    q.interval.map_or(String::new(), |v| format!("{:.4}", v.1)),
                    q.only.to_string(),
                    q.only_share.map_or(String::new(), |v| format!("{v:.4}")),
                    q.more.map_or(String::new(), |v| v.to_string()),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{:>7} {:>8} {:>9} {:>11} {:>5} {:>5}  term (code: rule)",
                "decided", "accepted", "precision", "interval", "alone", "more"
            )?;
            let rule_col = Column::fit(terms.iter().map(|t| t.rule.as_str()), 50);
            for t in terms {
                let q = &t.quality;
                writeln!(
                    w,
                    "{:>7} {:>8} {:>9} {:>11} {:>5} {:>5}  {} ({}: {})",
                    q.decided,
                    q.accepted,
                    opt(q.precision),
                    interval(q.interval),
                    q.only,
                    q.more.map_or("-".into(), |m| m.to_string()),
                    sanitize(&q.term, true),
                    sanitize(&t.code, true),
                    rule_col.get(&t.rule)
                )?;
            }
            Ok(())
        }
    }
}

/// Prints `quarry codebook tune`: the diff, each bad term and what became of it, and the
/// measured change per code; `wrote` is where the tuned codebook went (None: nothing to write).
pub fn tuned(
    w: &mut dyn Write,
    t: &quarry::review::tune::Tuned,
    cfg: &quarry::review::tune::TuneConfig,
    wrote: Option<&std::path::Path>,
    format: Format,
) -> io::Result<()> {
    use quarry::review::tune::Action;
    let action = |a: &Action| match a {
        Action::Dropped => "dropped".to_string(),
        Action::RuleDropped => "rule dropped".to_string(),
        Action::Masked(p) => format!("masked in \"{p}\""),
        Action::Kept(why) => format!("kept: {why}"),
    };
    match format {
        Format::Json | Format::Jsonl => {
            let v = serde_json::json!({
                "codebook": t.codebook,
                "origin": t.origin,
                "below": cfg.below,
                "confidence": cfg.confidence,
                "written": wrote.map(|p| p.display().to_string()),
                "tuned_id": t.tuned.0,
                "tuned_version": t.tuned.1,
                "changes": t.changes,
                "codes": t.codes,
                "diff": t.diff,
            });
            if matches!(format, Format::Json) {
                writeln!(w, "{}", serde_json::to_string_pretty(&v)?)
            } else {
                writeln!(w, "{}", serde_json::to_string(&v)?)
            }
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code", "rule", "term", "decided", "accepted", "low", "high", "only", "action",
            ])?;
            for ch in &t.changes {
                c.write_record([
                    csv_cell(&ch.code),
                    csv_cell(&ch.rule),
                    csv_cell(&ch.term),
                    ch.decided.to_string(),
                    ch.accepted.to_string(),
                    format!("{:.4}", ch.interval.0),
                    format!("{:.4}", ch.interval.1),
                    ch.only.to_string(),
                    csv_cell(&action(&ch.action)),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            if t.changes.is_empty() {
                return writeln!(
                    w,
                    "{}: no term's {}% precision interval lies below {}; nothing to tune \
                     (`quarry rules --codebook {} --worst` shows how many decisions each term has).",
                    sanitize(&t.codebook, true),
                    quarry::review::tune::percent(cfg.confidence),
                    cfg.below,
                    sanitize(&t.codebook, true)
                );
            }
            writeln!(w, "{}", sanitize(&t.diff, false))?;
            writeln!(
                w,
                "Terms whose {}% interval lies below {}:",
                quarry::review::tune::percent(cfg.confidence),
                cfg.below
            )?;
            writeln!(
                w,
                "{:>7} {:>8} {:>11} {:>5}  term (code: rule) -> what was done",
                "decided", "accepted", "interval", "alone"
            )?;
            let rule_col = Column::fit(t.changes.iter().map(|c| c.rule.as_str()), 50);
            for ch in &t.changes {
                writeln!(
                    w,
                    "{:>7} {:>8} {:>11} {:>5}  {} ({}: {}) -> {}",
                    ch.decided,
                    ch.accepted,
                    interval(Some(ch.interval)),
                    ch.only,
                    sanitize(&ch.term, true),
                    sanitize(&ch.code, true),
                    rule_col.get(&ch.rule),
                    sanitize(&action(&ch.action), true)
                )?;
            }
            if !t.codes.is_empty() {
                writeln!(
                    w,
                    "\nExpected change, from running the tuned rules on each code's suggestions:"
                )?;
                writeln!(
                    w,
                    "{:>11} {:>11} {:>15} {:>15}  code",
                    "suggested", "decided", "accepted", "precision"
                )?;
                for c in &t.codes {
                    let (p0, p1) = c.precision();
                    writeln!(
                        w,
                        "{:>11} {:>11} {:>15} {:>15}  {}",
                        format!("{}->{}", c.before, c.after),
                        format!("{}->{}", c.decided_before.0, c.decided_after.0),
                        format!("{}->{}", c.decided_before.1, c.decided_after.1),
                        if p0.is_none() && p1.is_none() {
                            "-".to_string()
                        } else {
                            format!("{}->{}", opt(p0), opt(p1))
                        },
                        sanitize(&c.code, true)
                    )?;
                }
            }
            match (wrote, &cfg.id) {
                (Some(p), None) => writeln!(
                    w,
                    "\nWrote {} (the original is unchanged), codebook `{}` version {}. Check it \
                     with `quarry codebook check {}`; `quarry suggest --codebook {}` applies it \
                     in place of the rules the last run used, and decisions stay. (A later \
                     `suggest --codebook {}` by name applies the original again, and says so.)",
                    p.display(),
                    sanitize(&t.codebook, true),
                    sanitize(&t.tuned.1, true),
                    p.display(),
                    p.display(),
                    sanitize(&t.codebook, true)
                ),
                (Some(p), Some(id)) => writeln!(
                    w,
                    "\nWrote {} (the original is unchanged) as codebook `{}` version {}, a \
                     codebook of its own: `quarry suggest --codebook {}` makes its own \
                     suggestions, and decisions on `{}` do not carry over to it.",
                    p.display(),
                    sanitize(id, true),
                    sanitize(&t.tuned.1, true),
                    p.display(),
                    sanitize(&t.codebook, true)
                ),
                (None, _) => writeln!(
                    w,
                    "\nNothing could be changed automatically; nothing was written."
                ),
            }
        }
    }
}

/// Prints `quarry agreement`: per code and overall ("–" where no unit was judged by both,
/// with a sentence why), then each disagreement with its quote, code and both decisions.
pub fn agreement(
    w: &mut dyn Write,
    r: &quarry::review::quality::AgreementReport,
    labels: &Labels,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(r)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(r)?),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["code", "units", "agreed", "percent", "kappa", "alpha"])?;
            let mut row = |code: &str, a: &quarry::review::stats::Agreement| {
                c.write_record([
                    csv_cell(code),
                    a.units.to_string(),
                    a.agreed.to_string(),
                    a.percent().map_or(String::new(), |p| format!("{p:.1}")),
                    a.kappa.map_or(String::new(), |v| format!("{v:.4}")),
                    a.alpha.map_or(String::new(), |v| format!("{v:.4}")),
                ])
            };
            for x in &r.codes {
                row(&x.code, &x.agreement)?;
            }
            row("(overall)", &r.overall)?;
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{}: {} and {}, over the (segment, code) pairs both judged",
                sanitize(&r.codebook, true),
                sanitize(&r.first, true),
                sanitize(&r.second, true)
            )?;
            writeln!(
                w,
                "{:>6} {:>8} {:>6} {:>6}  code",
                "units", "agree", "kappa", "alpha"
            )?;
            let line = |w: &mut dyn Write, code: &str, a: &quarry::review::stats::Agreement| {
                writeln!(
                    w,
                    "{:>6} {:>8} {:>6} {:>6}  {}",
                    a.units,
                    a.percent().map_or("–".to_string(), |p| format!("{p:.1}%")),
                    opt(a.kappa),
                    opt(a.alpha),
                    sanitize(code, true)
                )
            };
            let names = labels.codes(
                r.codes
                    .iter()
                    .map(|x| (r.codebook.as_str(), x.code.as_str())),
            );
            for (x, name) in r.codes.iter().zip(&names) {
                line(w, name, &x.agreement)?;
            }
            line(w, "(overall)", &r.overall)?;
            if r.overall.units == 0 {
                writeln!(
                    w,
                    "\nNo (segment, code) pair was judged by both, so there is nothing to agree \
                     or disagree on yet: {} judged {} and {} judged {} in {}.",
                    sanitize(&r.first, true),
                    r.judged.0,
                    sanitize(&r.second, true),
                    r.judged.1,
                    sanitize(&r.codebook, true)
                )?;
            }
            if !r.disagreements.is_empty() {
                const QUOTE: usize = 160;
                writeln!(w, "\nTo discuss ({}):", r.disagreements.len())?;
                for d in &r.disagreements {
                    let len = d.text.chars().count();
                    writeln!(
                        w,
                        "  #{} {} · {}",
                        d.segment,
                        sanitize(&d.document, true),
                        sanitize(&labels.code(&r.codebook, &d.code), true)
                    )?;
                    writeln!(
                        w,
                        "    \"{}\"{}",
                        clip(&sanitize(&d.text, true), QUOTE),
                        if len > QUOTE {
                            format!(
                                " (first {} of {len} characters; `quarry show '#{}'` shows it whole)",
                                QUOTE - 1,
                                d.segment
                            )
                        } else {
                            String::new()
                        }
                    )?;
                    writeln!(
                        w,
                        "    {}: {} · {}: {}",
                        sanitize(&r.first, true),
                        sanitize(&d.first_decision, true),
                        sanitize(&r.second, true),
                        sanitize(&d.second_decision, true)
                    )?;
                }
            }
            Ok(())
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-x"), "'-x");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("plain"), "plain");
    }

    #[test]
    fn terminal_escapes_are_neutralised() {
        assert_eq!(
            sanitize("a\x1b[31mred\x07", true),
            "a\u{fffd}[31mred\u{fffd}"
        );
        assert_eq!(sanitize("a\nb", true), "a b");
        assert_eq!(sanitize("a\nb", false), "a\nb");
    }

    #[test]
    fn names_are_cut_in_the_middle_and_never_to_the_same_text() {
        let a = "tdf.knowledge_and_skills_of_the_professional.procedural_knowledge";
        let b = "tdf.knowledge_and_skills_of_the_professional.procedural_skills";
        assert_eq!(a[..44], b[..44]);
        let c = cut(a, 20);
        assert_eq!(c.chars().count(), 20);
        assert_eq!(c, "tdf.knowle…knowledge");
        let col = Column::fit([a, b, "short"], 44);
        assert_ne!(col.get(a), col.get(b));
        assert!(col.width <= 44);
        assert_eq!(col.get("short"), "short");
        // Values that differ only in the middle widen the column until they differ.
        let x = format!("{}x{}", "a".repeat(30), "z".repeat(30));
        let y = format!("{}y{}", "a".repeat(30), "z".repeat(30));
        let col = Column::fit([x.as_str(), y.as_str()], 10);
        assert_ne!(col.get(&x), col.get(&y));
        // Names several codes share get their ids; --ids shows ids.
        let mut labels = Labels::default();
        for (c, n) in [("b.x", "Other"), ("b.y", "Other"), ("b.z", "Trust")] {
            labels.names.insert(("b".into(), c.into()), n.into());
        }
        assert_eq!(
            labels.codes([("b", "b.x"), ("b", "b.y"), ("b", "b.z"), ("b", "b.q")]),
            ["Other (b.x)", "Other (b.y)", "Trust", "b.q"]
        );
        labels.ids = true;
        assert_eq!(labels.code("b", "b.z"), "b.z");
    }

    #[test]
    fn kwic_windows_and_marks() {
        let t = "one two three four five six seven eight nine ten";
        let s = t.find("five").unwrap();
        let k = kwic(t, &[(s, s + 4)], 10, true);
        assert!(k.starts_with('…') && k.ends_with('…'), "{k}");
        assert!(k.contains(&format!("{HL_ON}five{HL_OFF}")), "{k}");
        assert_eq!(kwic("short text", &[], 70, false), "short text");
        // Multi-byte text never splits a character.
        let t = "é".repeat(100);
        let _ = kwic(&t, &[(100, 102)], 7, false);
    }
}
