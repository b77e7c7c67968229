//! Import: a `.qdpx` archive (or a bare `project.qde`) read leniently into a [`RefiProject`]:
//! the elements quarry keeps, source texts found and decoded, positions converted, and what
//! export would refuse dropped with a warning.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::archive::{unsafe_name, Files, Limits, LIMITS};
use super::positions::{fix_positions, PendingSource, RawSelection};
use super::xml::{decode_xml, parse_tree, El};
use super::{
    is_date_time, norm_guid, stable_guid, QdpxError, RefiCase, RefiCode, RefiCoding, RefiNote,
    RefiProject, RefiSelection, RefiSource, RefiUser, RefiValue, RefiVariable, VariableType,
    Warnings,
};
use crate::refi::qdc;

/// Reads a REFI-QDA project: a `.qdpx` archive, or a bare `project.qde` (whose source files
/// are then looked for next to it, in `sources/` first). Zip archives are recognised by
/// their content, not their name.
///
/// Source texts are decoded from UTF-8 (a BOM is dropped), UTF-16 (with a BOM, or
/// recognisable without) or, failing those, Windows-1252; line ends are kept as they are.
/// A source's `plainTextPath` may be `internal://name` (`sources/name` in the archive), a
/// path inside the archive, or a bare file name under `sources/`; a source whose text is not
/// in the archive is kept with an empty text and a warning. Selection positions are
/// converted to code points (see the module documentation).
///
/// Refuses archive entries with `..` or absolute paths, more than 100,000 entries, more than
/// 1 GiB unpacked, and a `project.qde` that is not well-formed XML or not a `<Project>`.
pub fn read_qdpx(path: &Path) -> Result<RefiProject, QdpxError> {
    read_with(path, LIMITS)
}

pub(super) fn read_with(path: &Path, limits: Limits) -> Result<RefiProject, QdpxError> {
    let mut files = Files::open(path, limits)?;
    let (entry, bytes) = files.project_qde()?;
    let xml = decode_xml(&bytes).map_err(|message| QdpxError::Xml {
        path: path.to_path_buf(),
        entry: entry.clone(),
        line: 1,
        column: 1,
        message,
    })?;
    drop(bytes);
    let root = parse_tree(&xml).map_err(|(at, message)| {
        let e = qdc::error_at(&xml, at, message);
        QdpxError::Xml {
            path: path.to_path_buf(),
            entry: entry.clone(),
            line: e.line,
            column: e.column,
            message: e.message,
        }
    })?;
    if root.name != "Project" {
        let hint = if root.name == "CodeBook" {
            " (a .qdc codebook: import it as a codebook)"
        } else {
            ""
        };
        return Err(QdpxError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "the root element is <{}>, not <Project>: not a REFI-QDA project{hint}",
                root.name
            ),
        });
    }
    drop(xml);

    let mut warnings = Warnings::default();
    let mut p = RefiProject {
        name: root.attr("name").unwrap_or_default().to_string(),
        origin: root.attr("origin").unwrap_or_default().to_string(),
        ..Default::default()
    };
    for u in root.path(&["Users", "User"]) {
        p.users.push(RefiUser {
            guid: guid_of(u),
            name: u.attr("name").unwrap_or_default().to_string(),
        });
    }
    p.codes = root
        .path(&["CodeBook", "Codes", "Code"])
        .into_iter()
        .map(read_code)
        .collect();
    for v in root.path(&["Variables", "Variable"]) {
        let name = v.attr("name").unwrap_or_default().to_string();
        let kind_name = v.attr("typeOfVariable").unwrap_or("Text").trim();
        let kind = VariableType::from_name(kind_name).unwrap_or_else(|| {
            warnings.push(format!(
                "variable `{name}`: unknown type `{kind_name}`, read as Text"
            ));
            VariableType::Text
        });
        p.variables.push(RefiVariable {
            guid: guid_of(v),
            name,
            kind,
            description: v.child_text("Description"),
        });
    }
    let mut case_links = 0;
    for c in root.path(&["Cases", "Case"]) {
        case_links += c.children("CodeRef").count() + c.children("SelectionRef").count();
        p.cases.push(RefiCase {
            guid: guid_of(c),
            name: c.attr("name").unwrap_or_default().to_string(),
            description: c.child_text("Description"),
            values: c.children("VariableValue").filter_map(read_value).collect(),
            sources: c
                .children("SourceRef")
                .filter_map(|r| r.attr("targetGUID").map(norm_guid))
                .collect(),
        });
    }
    if case_links > 0 {
        warnings.push(format!(
            "{case_links} links from cases to codes or selections were not read"
        ));
    }

    let mut pending = Vec::new();
    let mut skipped: Vec<(String, usize)> = Vec::new();
    for el in root
        .path(&["Sources"])
        .into_iter()
        .flat_map(|s| s.children.iter())
    {
        if el.name == "TextSource" {
            pending.push(read_text_source(el, &mut files, &mut warnings)?);
        } else {
            match skipped.iter_mut().find(|(name, _)| *name == el.name) {
                Some((_, n)) => *n += 1,
                None => skipped.push((el.name.clone(), 1)),
            }
        }
    }
    for (kind, n) in skipped {
        warnings.push(format!(
            "{n} <{kind}> element(s) skipped: quarry reads text sources only"
        ));
    }
    for n in root.path(&["Notes", "Note"]) {
        let name = n.attr("name").unwrap_or_default().to_string();
        let text = match (n.child("PlainTextContent"), n.attr("plainTextPath")) {
            (Some(c), _) => c.text.clone(),
            (None, Some(r)) => file_text(r, &format!("note `{name}`"), &mut files, &mut warnings)?
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        p.notes.push(RefiNote {
            guid: guid_of(n),
            name,
            text,
            creating_user: n.attr("creatingUser").map(norm_guid),
            created: n.attr("creationDateTime").map(|d| d.trim().to_string()),
        });
    }
    for (element, what) in [("Sets", "sets"), ("Links", "links"), ("Graphs", "graphs")] {
        let n: usize = root.children(element).map(|e| e.children.len()).sum();
        if n > 0 {
            warnings.push(format!("{n} {what} were not read"));
        }
    }

    p.sources = fix_positions(pending, &mut warnings);
    tidy(&mut p, &mut warnings);
    p.warnings = warnings.0;
    Ok(p)
}

/// The GUID of an element (normalised); a stable made-up one when it has none.
fn guid_of(el: &El) -> String {
    match el.attr("guid").filter(|g| !g.trim().is_empty()) {
        Some(g) => norm_guid(g),
        None => stable_guid("missing", &format!("{}@{}", el.name, el.at)),
    }
}

fn read_code(el: &El) -> RefiCode {
    RefiCode {
        guid: guid_of(el),
        name: el.attr("name").unwrap_or_default().to_string(),
        description: el.child_text("Description"),
        colour: el.attr("color").and_then(qdc::colour),
        children: el.children("Code").map(read_code).collect(),
    }
}

fn read_coding(el: &El) -> RefiCoding {
    RefiCoding {
        guid: guid_of(el),
        code_guid: el
            .child("CodeRef")
            .and_then(|r| r.attr("targetGUID"))
            .map(norm_guid)
            .unwrap_or_default(),
        creating_user: el.attr("creatingUser").map(norm_guid),
        created: el.attr("creationDateTime").map(|d| d.trim().to_string()),
    }
}

fn read_value(el: &El) -> Option<RefiValue> {
    let variable_guid = norm_guid(el.child("VariableRef")?.attr("targetGUID")?);
    let value = el
        .children
        .iter()
        .find(|c| c.name.ends_with("Value"))
        .map(|c| {
            if c.name == "TextValue" {
                c.text.clone()
            } else {
                c.text.trim().to_string()
            }
        })?;
    Some(RefiValue {
        variable_guid,
        value,
    })
}

fn read_text_source(
    el: &El,
    files: &mut Files,
    warnings: &mut Warnings,
) -> Result<PendingSource, QdpxError> {
    let name = el.attr("name").unwrap_or_default().to_string();
    let what = format!("source `{name}`");
    let before = warnings.0.len();
    let text = if let Some(content) = el.child("PlainTextContent") {
        Some(content.text.clone())
    } else if let Some(reference) = el.attr("plainTextPath") {
        file_text(reference, &what, files, warnings)?
    } else {
        let rich = if el.attr("richTextPath").is_some() {
            " (only a rich-text file, which quarry does not read)"
        } else {
            ""
        };
        warnings.push(format!("{what} has no plain text{rich}; kept empty"));
        None
    };
    if text.is_none() {
        for w in &mut warnings.0[before..] {
            w.missing_text = Some(name.clone());
        }
    }
    let mut selections = Vec::new();
    let mut bad = 0;
    for s in el.children("PlainTextSelection") {
        let position = |key: &str| s.attr(key).and_then(|v| v.trim().parse::<u64>().ok());
        let (Some(start), Some(end)) = (position("startPosition"), position("endPosition")) else {
            bad += 1;
            continue;
        };
        selections.push(RawSelection {
            selection: RefiSelection {
                guid: guid_of(s),
                start: 0,
                end: 0,
                creating_user: s.attr("creatingUser").map(norm_guid),
                created: s.attr("creationDateTime").map(|d| d.trim().to_string()),
                note: Some(s.child_text("Description")).filter(|n| !n.is_empty()),
                codings: s.children("Coding").map(read_coding).collect(),
            },
            start,
            end,
        });
    }
    if bad > 0 {
        warnings.lost(format!(
            "{what}: {bad} selection(s) without valid positions were dropped"
        ));
    }
    Ok(PendingSource {
        source: RefiSource {
            guid: guid_of(el),
            name,
            text: text.clone().unwrap_or_default(),
            creating_user: el.attr("creatingUser").map(norm_guid),
            created: el.attr("creationDateTime").map(|d| d.trim().to_string()),
            selections: Vec::new(),
            codings: el.children("Coding").map(read_coding).collect(),
            values: el
                .children("VariableValue")
                .filter_map(read_value)
                .collect(),
        },
        found: text.is_some(),
        selections,
    })
}

/// The text of the file a `plainTextPath` names, or None (with a warning) when it cannot be
/// found or points outside the project.
fn file_text(
    reference: &str,
    what: &str,
    files: &mut Files,
    warnings: &mut Warnings,
) -> Result<Option<String>, QdpxError> {
    let names = match candidates(reference) {
        Ok(names) => names,
        Err(why) => {
            warnings.push(format!("{what}: its text `{reference}` {why}; kept empty"));
            return Ok(None);
        }
    };
    for name in &names {
        if let Some(bytes) = files.get(name)? {
            let (text, note) = decode_text(&bytes);
            if let Some(note) = note {
                warnings.push(format!("{what} ({name}): {note}"));
            }
            return Ok(Some(text));
        }
    }
    warnings.push(format!(
        "{what}: its text `{reference}` is not in {}; kept empty",
        files.describe()
    ));
    Ok(None)
}

/// Where a `plainTextPath` may point, most likely first, as paths relative to the archive's
/// root (or the folder of a bare `project.qde`); Err when it points outside.
///
/// `internal://x` is `sources/x`; `relative://x` and plain relative paths are tried as they
/// are, then under `sources/`; absolute paths and `file://` URLs (files outside the archive,
/// never read) only by their file name under `sources/`.
fn candidates(reference: &str) -> Result<Vec<String>, String> {
    let reference = reference.trim();
    let scheme = |s: &str| {
        reference
            .get(..s.len())
            .filter(|head| head.eq_ignore_ascii_case(s))
            .map(|_| &reference[s.len()..])
    };
    let (rest, internal, external) = if let Some(rest) = scheme("internal://") {
        (rest, true, false)
    } else if let Some(rest) = scheme("relative://") {
        (rest, false, false)
    } else if let Some(rest) = scheme("file://") {
        (rest, false, true)
    } else {
        (reference, false, false)
    };
    let rest = rest.replace('\\', "/");
    let mut variants = vec![rest.clone()];
    if let Some(decoded) = percent_decode(&rest) {
        variants.push(decoded);
    }
    let mut out: Vec<String> = Vec::new();
    for v in &variants {
        let mut v = v.as_str();
        while let Some(rest) = v.strip_prefix("./") {
            v = rest;
        }
        let base = v.rsplit('/').next().unwrap_or(v);
        if base.is_empty() {
            continue;
        }
        let absolute = v.starts_with('/') || v.as_bytes().get(1) == Some(&b':');
        if external || absolute {
            out.push(format!("sources/{base}"));
            continue;
        }
        if let Some(why) = unsafe_name(v) {
            return Err(format!("is {why}, outside the project"));
        }
        if internal {
            out.push(format!("sources/{v}"));
            out.push(v.to_string());
        } else {
            out.push(v.to_string());
            out.push(format!("sources/{v}"));
        }
        out.push(format!("sources/{base}"));
    }
    let mut seen = HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    Ok(out)
}

/// `%20`-style escapes decoded, when there are any and they make UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|d| d != text)
}

/// A source file's text, and a note when it was not plain UTF-8. A BOM is dropped; line
/// ends and everything else are kept, since positions count them.
fn decode_text(bytes: &[u8]) -> (String, Option<String>) {
    let decode = |encoding: &'static encoding_rs::Encoding, body: &[u8], note: Option<&str>| {
        let (text, errors) = encoding.decode_without_bom_handling(body);
        let note = match (note, errors) {
            (Some(n), true) => Some(format!("{n}; invalid bytes were replaced")),
            (Some(n), false) => Some(n.to_string()),
            (None, true) => Some("invalid bytes were replaced".to_string()),
            (None, false) => None,
        };
        (text.into_owned(), note)
    };
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let note = (encoding != encoding_rs::UTF_8).then_some("read as UTF-16");
        return decode(encoding, &bytes[bom..], note);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), None);
    }
    // UTF-16 without a BOM: Latin text has a zero in every other byte.
    if bytes.len().is_multiple_of(2) {
        let head = &bytes[..bytes.len().min(4096)];
        let zeros = |parity: usize| {
            head.iter()
                .skip(parity)
                .step_by(2)
                .filter(|&&b| b == 0)
                .count()
        };
        let pairs = head.len() / 2;
        let (even, odd) = (zeros(0), zeros(1));
        if odd * 10 >= pairs * 3 && even * 20 < pairs {
            return decode(
                encoding_rs::UTF_16LE,
                bytes,
                Some("read as UTF-16 (no BOM)"),
            );
        }
        if even * 10 >= pairs * 3 && odd * 20 < pairs {
            return decode(
                encoding_rs::UTF_16BE,
                bytes,
                Some("read as UTF-16 (no BOM)"),
            );
        }
    }
    decode(
        encoding_rs::WINDOWS_1252,
        bytes,
        Some("not UTF-8: read as Windows-1252"),
    )
}

/// Drops what import read but export would refuse (references to unknown users, codes,
/// variables and sources; dates and values the schema does not accept), with warnings.
fn tidy(p: &mut RefiProject, warnings: &mut Warnings) {
    struct Known {
        users: HashSet<String>,
        codes: HashSet<String>,
        kinds: HashMap<String, VariableType>,
        sources: HashSet<String>,
        /// Counts of what was dropped, by description.
        dropped: Vec<(&'static str, usize)>,
    }
    impl Known {
        fn count(&mut self, what: &'static str) {
            match self.dropped.iter_mut().find(|(w, _)| *w == what) {
                Some((_, n)) => *n += 1,
                None => self.dropped.push((what, 1)),
            }
        }
        fn who(&mut self, user: &mut Option<String>, created: &mut Option<String>) {
            if user.as_ref().is_some_and(|u| !self.users.contains(u)) {
                *user = None;
                self.count("references to unknown users");
            }
            if created.as_deref().is_some_and(|d| !is_date_time(d)) {
                *created = None;
                self.count("dates that are not xsd:dateTime");
            }
        }
        fn codings(&mut self, codings: &mut Vec<RefiCoding>) {
            codings.retain(|c| {
                let known = self.codes.contains(&c.code_guid);
                if !known {
                    self.count("codings of codes not in the codebook");
                }
                known
            });
            for c in codings {
                self.who(&mut c.creating_user, &mut c.created);
            }
        }
        fn values(&mut self, values: &mut Vec<RefiValue>) {
            values.retain(|v| {
                let ok = self
                    .kinds
                    .get(&v.variable_guid)
                    .is_some_and(|k| k.accepts(&v.value));
                if !ok {
                    self.count("variable values of unknown variables or of the wrong type");
                }
                ok
            });
        }
    }
    let mut codes = HashSet::new();
    let mut stack: Vec<&RefiCode> = p.codes.iter().collect();
    while let Some(c) = stack.pop() {
        codes.insert(c.guid.clone());
        stack.extend(&c.children);
    }
    let mut known = Known {
        users: p.users.iter().map(|u| u.guid.clone()).collect(),
        codes,
        kinds: p
            .variables
            .iter()
            .map(|v| (v.guid.clone(), v.kind))
            .collect(),
        sources: p.sources.iter().map(|s| s.guid.clone()).collect(),
        dropped: Vec::new(),
    };
    for s in &mut p.sources {
        known.who(&mut s.creating_user, &mut s.created);
        known.values(&mut s.values);
        known.codings(&mut s.codings);
        for sel in &mut s.selections {
            known.who(&mut sel.creating_user, &mut sel.created);
            known.codings(&mut sel.codings);
        }
    }
    for case in &mut p.cases {
        known.values(&mut case.values);
        case.sources.retain(|s| {
            let ok = known.sources.contains(s);
            if !ok {
                known.count("case links to sources not read");
            }
            ok
        });
    }
    for n in &mut p.notes {
        known.who(&mut n.creating_user, &mut n.created);
    }
    for (what, n) in known.dropped {
        warnings.lost(format!("{n} {what} dropped"));
    }
    let duplicates = dedupe(p);
    if duplicates > 0 {
        warnings.push(format!(
            "{duplicates} GUIDs used more than once were replaced (references keep the first)"
        ));
    }
}

/// Gives every element that repeats an earlier element's GUID a new stable one; returns how
/// many. References keep meaning the first.
fn dedupe(p: &mut RefiProject) -> usize {
    fn codes(list: &mut [RefiCode], fix: &mut impl FnMut(&mut String)) {
        for c in list {
            fix(&mut c.guid);
            codes(&mut c.children, fix);
        }
    }
    let mut seen = HashSet::new();
    let mut count = 0;
    let mut fix = |guid: &mut String| {
        if !seen.insert(guid.clone()) {
            count += 1;
            *guid = stable_guid("duplicate", &format!("{guid}/{count}"));
            seen.insert(guid.clone());
        }
    };
    p.users.iter_mut().for_each(|u| fix(&mut u.guid));
    codes(&mut p.codes, &mut fix);
    p.variables.iter_mut().for_each(|v| fix(&mut v.guid));
    p.cases.iter_mut().for_each(|c| fix(&mut c.guid));
    for s in &mut p.sources {
        fix(&mut s.guid);
        s.codings.iter_mut().for_each(|c| fix(&mut c.guid));
        for sel in &mut s.selections {
            fix(&mut sel.guid);
            sel.codings.iter_mut().for_each(|c| fix(&mut c.guid));
        }
    }
    p.notes.iter_mut().for_each(|n| fix(&mut n.guid));
    count
}
