//! Import: another tool's REFI-QDA project read into this one, one step a part: the reader's
//! warnings said, its codes matched by GUID to codebooks the project knows (the rest written
//! as a new codebook), its sources added as documents, its codings (and quarry's own kept
//! decisions) stored as decisions on the turns they cover, and its variables set as
//! attributes.

use super::decisions_note::kept_decisions;
use super::qdpx::{self, RefiCase, RefiCode, RefiProject, RefiSource, RefiValue};
use super::{book_guid, qdc, Standing, CODEBOOK_DIR};
use crate::codebook::{self, Codebook};
use crate::error::Result;
use crate::ingest;
use crate::project::{AddConfig, Project};
use crate::review::quality;
use crate::store::{NewDecision, Store, Stored};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportConfig {
    /// The coder of codings whose user the file does not name (default: `imported`).
    pub coder: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ImportReport {
    /// Documents added.
    pub documents: usize,
    /// Sources already in the project (imported before, or the same text).
    pub documents_known: usize,
    /// Codes matched by GUID to a codebook the project knows.
    pub codes_known: usize,
    /// Codes written to a new codebook.
    pub codes_new: usize,
    /// The new codebook file, if one was written.
    pub codebook_file: Option<PathBuf>,
    /// Decisions stored (one per coding and turn).
    pub decisions: usize,
    /// Codings already in the project as the same coder's accepted code.
    pub decisions_known: usize,
    /// Codings whose selection spans more than one turn (each turn is coded).
    pub spanning: usize,
    /// The coders the codings were stored under.
    pub coders: Vec<String>,
    /// Attributes set on documents and speakers.
    pub attributes: usize,
    /// What could not be imported, each naming the file.
    pub problems: Vec<String>,
    /// What the reader changed or passed over that holds no coding (positions converted,
    /// notes, sets), each naming the file.
    pub notes: Vec<String>,
}

/// Where an imported code went.
#[derive(Debug, Clone)]
enum Target {
    /// A code of a codebook: (codebook id, code id).
    Code(String, String),
    /// The top-level code quarry's export makes for each codebook: not a code.
    Book,
}

/// What the steps after the sources read: the file as shown in messages, the import's
/// settings, the project as read, the documents its sources became (source index ->
/// (document id, name)) and where each of its codes went (by GUID).
#[derive(Clone, Copy)]
struct Mapped<'a> {
    shown: &'a str,
    cfg: &'a ImportConfig,
    refi: &'a RefiProject,
    documents: &'a HashMap<usize, (i64, String)>,
    target: &'a HashMap<String, Target>,
}

/// A coding the decisions note stands for: (coder, source GUID, start, end, code GUID).
type FromNote = (String, String, usize, usize, String);

/// Reads the REFI-QDA project `file` (`.qdpx` or `.qde`) into `project`.
pub fn import(project: &mut Project, file: &Path, cfg: &ImportConfig) -> Result<ImportReport> {
    let mut refi = qdpx::read_qdpx(file)?;
    let shown = file.display().to_string();
    let mut report = ImportReport::default();
    reader_warnings(&refi, &shown, &mut report);

    // Codes: those the project knows by GUID, and a new codebook for the rest.
    let target = match_codes(project, file, &refi, &mut report)?;

    // Sources: texts as quarry stores them, positions moved with them.
    let documents = add_sources(project, file, &shown, &mut refi, &mut report)?;

    // Codings: one decision per coding and turn.
    let mapped = Mapped {
        shown: &shown,
        cfg,
        refi: &refi,
        documents: &documents,
        target: &target,
    };
    let store = project.store();
    let decisions = store.decisions(None)?;
    let standing = quality::standing(&decisions);
    let mut new = Vec::new();
    let mut coders = BTreeSet::new();
    let from_note = note_decisions(
        store,
        &mapped,
        &standing,
        &mut report,
        &mut new,
        &mut coders,
    )?;
    selection_decisions(
        store,
        &mapped,
        &standing,
        &from_note,
        &mut report,
        &mut new,
        &mut coders,
    )?;
    // quarry's own notes say what its export did; they are not the researcher's.
    let others = refi
        .notes
        .iter()
        .filter(|n| !n.name.starts_with("quarry: "))
        .count();
    if others > 0 {
        report.notes.push(format!(
            "{shown}: {others} project note(s): not imported (quarry keeps no notes)"
        ));
    }
    if !new.is_empty() {
        crate::review::decide_batch(project, &new)?;
    }
    report.decisions = new.len();
    report.coders = coders.into_iter().collect();

    // Attributes: sources' values on their documents; cases named like a speaker on that
    // speaker, other cases on their documents.
    set_attributes(project, &mapped, &mut report)?;
    Ok(report)
}

/// The reader's warnings, each naming the file: a problem or a note.
fn reader_warnings(refi: &RefiProject, shown: &str, report: &mut ImportReport) {
    // What the reader could not keep (selections outside their text, codings of unknown
    // codes) is a problem; what it converted or passed over, a note.
    for w in &refi.warnings {
        if w.missing_text.is_some() {
            // Said once, below, with what to do.
            continue;
        }
        let list = if w.lost {
            &mut report.problems
        } else {
            &mut report.notes
        };
        list.push(format!("{shown}: {w}"));
    }
}

/// Where each of the file's codes goes, by GUID: to the code of a codebook the project knows,
/// or to a new codebook written for the rest.
fn match_codes(
    project: &Project,
    file: &Path,
    refi: &RefiProject,
    report: &mut ImportReport,
) -> Result<HashMap<String, Target>> {
    let known = known_codes(project)?;
    let mut flat: Vec<(&RefiCode, Option<usize>)> = Vec::new();
    flatten(&refi.codes, None, &mut flat);
    let mut target: HashMap<String, Target> = HashMap::new();
    let mut new_book = qdc::Book {
        origin: Some(refi.origin.clone()).filter(|o| !o.trim().is_empty()),
        name: Some(refi.name.clone()).filter(|n| !n.trim().is_empty()),
        codes: Vec::new(),
    };
    let mut new_index: HashMap<usize, usize> = HashMap::new();
    for (i, (code, parent)) in flat.iter().enumerate() {
        if let Some(t) = known.get(&code.guid) {
            report.codes_known += usize::from(matches!(t, Target::Code(..)));
            target.insert(code.guid.clone(), t.clone());
            continue;
        }
        new_index.insert(i, new_book.codes.len());
        new_book.codes.push(qdc::ImportedCode {
            name: {
                let n = code.name.split_whitespace().collect::<Vec<_>>().join(" ");
                if n.is_empty() {
                    "code".into()
                } else {
                    n
                }
            },
            colour: code.colour.clone(),
            description: code.description.clone(),
            guid: Some(code.guid.clone()),
            parent: parent.and_then(|p| new_index.get(&p).copied()),
        });
    }
    if !new_book.codes.is_empty() {
        let (path, book_id, ids) = write_codebook(project, file, &new_book)?;
        for (code, id) in new_book.codes.iter().zip(ids) {
            if let Some(g) = &code.guid {
                target.insert(g.clone(), Target::Code(book_id.clone(), id));
            }
        }
        report.codes_new = new_book.codes.len();
        report.codebook_file = Some(path);
    }
    Ok(target)
}

/// Adds the sources with a text as documents (split into turns as on `add`); returns, by
/// source index, the document each became or already was.
fn add_sources(
    project: &mut Project,
    file: &Path,
    shown: &str,
    refi: &mut RefiProject,
    report: &mut ImportReport,
) -> Result<HashMap<usize, (i64, String)>> {
    let mut parsed = Vec::new();
    let mut kept: Vec<usize> = Vec::new();
    let (mut empty, mut empty_codings) = (Vec::new(), 0);
    for (i, src) in refi.sources.iter_mut().enumerate() {
        if src.text.trim().is_empty() {
            empty.push(src.name.clone());
            empty_codings += src
                .selections
                .iter()
                .map(|s| s.codings.len())
                .sum::<usize>()
                + src.codings.len();
            continue;
        }
        qdpx::to_lf(src);
        normalise(src);
        match ingest::parse_text(&document_name(&src.name), file, &src.guid, &src.text) {
            Ok(doc) if doc.text == src.text => {
                parsed.push(doc);
                kept.push(i);
            }
            Ok(_) => report.problems.push(format!(
                "{shown}: source \"{}\" changed when stored; its codings are not imported",
                src.name
            )),
            Err(e) => report.problems.push(e.to_string()),
        }
    }
    if !empty.is_empty() {
        report.problems.push(missing_texts(
            shown,
            &empty,
            empty_codings,
            refi.sources.len(),
            report.codes_known + report.codes_new,
        ));
    }
    let (_, outcomes) = project.add_parsed(parsed, &AddConfig::default())?;
    let store = project.store();
    // Source index -> (document id, name).
    let mut documents: HashMap<usize, (i64, String)> = HashMap::new();
    for (&i, stored) in kept.iter().zip(&outcomes) {
        let src = &refi.sources[i];
        let found = match stored {
            Stored::Added { id, name, .. } | Stored::Replaced { id, name, .. } => {
                report.documents += 1;
                Some((*id, name.clone()))
            }
            Stored::Unchanged { name }
            | Stored::Duplicate { name }
            | Stored::Similar { name, .. } => {
                report.documents_known += 1;
                store.document_by_name(name)?.map(|d| (d.id, d.name))
            }
            Stored::Changed { name } | Stored::Held { name, .. } => {
                report.problems.push(format!(
                    "{shown}: source \"{}\": the document {name} from this file is in the \
                     project with other text; its codings are not imported",
                    src.name
                ));
                None
            }
        };
        if let Some(f) = found {
            documents.insert(i, f);
        }
    }
    Ok(documents)
}

/// The decisions quarry's export kept in its note (rejections too), on the turns of their
/// documents; returns the codings they stand for, which are then not read a second time.
fn note_decisions(
    store: &Store,
    mapped: &Mapped,
    standing: &Standing,
    report: &mut ImportReport,
    new: &mut Vec<NewDecision>,
    coders: &mut BTreeSet<String>,
) -> Result<HashSet<FromNote>> {
    let Mapped {
        refi,
        documents,
        target,
        ..
    } = *mapped;
    // quarry's own decisions (rejections too), kept in a note by its export: they stand for
    // the codings they made, which are then not read a second time.
    let doc_of: HashMap<&str, i64> = documents
        .iter()
        .map(|(i, d)| (refi.sources[*i].guid.as_str(), d.0))
        .collect();
    let mut from_note: HashSet<FromNote> = HashSet::new();
    for k in kept_decisions(&refi.notes).unwrap_or_default() {
        let Some(&doc_id) = doc_of.get(k.source.as_str()) else {
            continue;
        };
        let Some(Target::Code(book, code)) = target.get(&k.code) else {
            continue;
        };
        let instead = match k.instead.as_deref().map(|g| target.get(g)) {
            None => None,
            Some(Some(Target::Code(_, c))) => Some(c.clone()),
            Some(_) => continue,
        };
        for g in std::iter::once(&k.code).chain(k.instead.as_ref()) {
            from_note.insert((k.coder.clone(), k.source.clone(), k.start, k.end, g.clone()));
        }
        let ids = store.segment_ids(doc_id)?;
        for s in store.segments(&ids)? {
            if !overlaps(&s, k.start, k.end) {
                continue;
            }
            let same = standing
                .get(&(k.coder.clone(), book.clone(), s.id, code.clone()))
                .is_some_and(|v| {
                    v.decision.accept == k.accept
                        && v.decision.replacement == instead
                        && v.decision.code == *code
                });
            if same {
                report.decisions_known += 1;
                continue;
            }
            coders.insert(k.coder.clone());
            new.push(NewDecision {
                coder: k.coder.clone(),
                segment: s.id,
                codebook: book.clone(),
                code: code.clone(),
                accept: k.accept,
                replacement: instead.clone(),
                memo: k.memo.clone(),
                answered: k.answered.clone(),
                at: Some(k.at),
            });
        }
    }
    Ok(from_note)
}

/// One decision per coding and turn its selection covers, under the coding's user (or the
/// fallback coder); what cannot be imported is counted in the report's problems.
fn selection_decisions(
    store: &Store,
    mapped: &Mapped,
    standing: &Standing,
    from_note: &HashSet<FromNote>,
    report: &mut ImportReport,
    new: &mut Vec<NewDecision>,
    coders: &mut BTreeSet<String>,
) -> Result<()> {
    let Mapped {
        shown,
        cfg,
        refi,
        documents,
        target,
    } = *mapped;
    let users: HashMap<&str, &str> = refi
        .users
        .iter()
        .map(|u| (u.guid.as_str(), u.name.trim()))
        .filter(|(_, n)| !n.is_empty())
        .collect();
    let fallback = cfg.coder.clone().unwrap_or_else(|| "imported".into());
    let mut seen: HashSet<(String, String, i64, String)> = standing
        .iter()
        .filter(|(_, v)| v.applies)
        .map(|(k, _)| k.clone())
        .collect();
    let (mut outside, mut whole, mut unknown, mut on_books) = (0, 0, 0, 0);
    for (&i, (doc_id, _)) in documents {
        let src = &refi.sources[i];
        whole += src.codings.len();
        let ids = store.segment_ids(*doc_id)?;
        let segs = store.segments(&ids)?;
        for sel in &src.selections {
            let covered: Vec<&crate::Segment> = segs
                .iter()
                .filter(|s| overlaps(s, sel.start, sel.end))
                .collect();
            if covered.is_empty() {
                outside += sel.codings.len();
                continue;
            }
            if covered.len() > 1 {
                report.spanning += sel.codings.len();
            }
            for c in &sel.codings {
                let (book, code) = match target.get(&c.code_guid) {
                    Some(Target::Code(b, c)) => (b, c),
                    Some(Target::Book) => {
                        on_books += 1;
                        continue;
                    }
                    None => {
                        unknown += 1;
                        continue;
                    }
                };
                let coder = c
                    .creating_user
                    .as_deref()
                    .or(sel.creating_user.as_deref())
                    .and_then(|g| users.get(g).copied())
                    .map_or_else(|| fallback.clone(), str::to_string);
                let kept = (
                    coder.clone(),
                    src.guid.clone(),
                    sel.start,
                    sel.end,
                    c.code_guid.clone(),
                );
                if from_note.contains(&kept) {
                    continue;
                }
                let at = c
                    .created
                    .as_deref()
                    .or(sel.created.as_deref())
                    .and_then(crate::text::time::parse_time)
                    .map(|s| s * 1000);
                for s in &covered {
                    let key = (coder.clone(), book.clone(), s.id, code.clone());
                    if !seen.insert(key) {
                        report.decisions_known += 1;
                        continue;
                    }
                    coders.insert(coder.clone());
                    new.push(NewDecision {
                        coder: coder.clone(),
                        segment: s.id,
                        codebook: book.clone(),
                        code: code.clone(),
                        accept: true,
                        replacement: None,
                        memo: sel.note.clone().filter(|n| !n.trim().is_empty()),
                        answered: None,
                        at,
                    });
                }
            }
        }
    }
    for (n, what) in [
        (
            outside,
            "coding(s) of text outside every turn (speaker labels, blank lines)",
        ),
        (whole, "coding(s) of whole documents (quarry codes turns)"),
        (unknown, "coding(s) of codes the file does not define"),
        (on_books, "coding(s) of a whole codebook's top-level code"),
    ] {
        if n > 0 {
            report
                .problems
                .push(format!("{shown}: {n} {what}: not imported"));
        }
    }
    Ok(())
}

/// Sets the file's variable values as attributes: sources' on their documents, cases' on
/// the speaker they are named like or on their documents.
fn set_attributes(project: &mut Project, mapped: &Mapped, report: &mut ImportReport) -> Result<()> {
    let Mapped {
        shown,
        refi,
        documents,
        ..
    } = *mapped;
    let variables: HashMap<&str, &str> = refi
        .variables
        .iter()
        .map(|v| (v.guid.as_str(), v.name.as_str()))
        .collect();
    let attrs = |values: &[RefiValue]| -> Vec<(String, String)> {
        values
            .iter()
            .filter_map(|v| {
                let name = variables.get(v.variable_guid.as_str())?;
                (!v.value.trim().is_empty()).then(|| (name.to_string(), v.value.clone()))
            })
            .collect()
    };
    let mut on_docs: Vec<(i64, Vec<(String, String)>)> = Vec::new();
    let mut on_speakers: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let by_guid: HashMap<&str, i64> = documents
        .iter()
        .map(|(i, d)| (refi.sources[*i].guid.as_str(), d.0))
        .collect();
    for (i, (id, _)) in documents {
        let a = attrs(&refi.sources[*i].values);
        if !a.is_empty() {
            on_docs.push((*id, a));
        }
    }
    // A case named like a speaker is that speaker. Another case (a participant whose
    // documents are not turns of a named speaker) describes its documents: those of no other
    // such case, where its values cannot clash with another's.
    let speakers = project.store().speaker_documents()?;
    let (named, unnamed): (Vec<&RefiCase>, Vec<&RefiCase>) = refi
        .cases
        .iter()
        .partition(|c| speakers.contains_key(c.name.as_str()));
    for case in named {
        let a = attrs(&case.values);
        if !a.is_empty() {
            on_speakers.push((case.name.clone(), a));
        }
    }
    let mut cases_of: HashMap<&str, usize> = HashMap::new();
    for g in unnamed.iter().flat_map(|c| &c.sources) {
        *cases_of.entry(g.as_str()).or_default() += 1;
    }
    let mut shared = 0;
    for case in unnamed {
        let mut a = attrs(&case.values);
        a.push(("case".into(), case.name.clone()));
        for g in &case.sources {
            match (by_guid.get(g.as_str()), cases_of[g.as_str()]) {
                (Some(id), 1) => on_docs.push((*id, a.clone())),
                (Some(_), _) => shared += 1,
                (None, _) => {}
            }
        }
    }
    if shared > 0 {
        report.notes.push(format!(
            "{shown}: {shared} case link(s) to documents that belong to several cases: \
             those cases' values were not set on them"
        ));
    }
    report.attributes = project.store_mut().put_attributes(&on_docs, &on_speakers)?;
    Ok(())
}

/// The one message for sources whose texts the file names but does not hold (MAXQDA's `.qde`
/// keeps them beside it): which, what is lost with them, and what to do.
fn missing_texts(
    shown: &str,
    names: &[String],
    codings: usize,
    sources: usize,
    codes: usize,
) -> String {
    const LISTED: usize = 3;
    let mut list: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("\"{n}\""))
        .collect();
    if names.len() > LISTED {
        list.push(format!("{} more", names.len() - LISTED));
    }
    let of = if names.len() == sources {
        "none of its sources' texts".to_string()
    } else {
        format!("the texts of {} of its {sources} sources", names.len())
    };
    let lost = if codings > 0 {
        format!(", nor their {codings} coding(s)")
    } else {
        String::new()
    };
    let came = if codes > 0 {
        format!("its {codes} code(s), with their descriptions, came in; ")
    } else {
        String::new()
    };
    format!(
        "{shown}: {came}the file holds {of} ({}), so they are not imported as documents{lost}. \
         To bring the texts in, export the project again as a .qdpx with its sources embedded \
         and import that (codes are matched by GUID, nothing is doubled), or `quarry add` the \
         transcripts themselves",
        list.join(", ")
    )
}

/// Whether the code-point range `[start, end)` covers a letter or digit of segment `s`.
fn overlaps(s: &crate::Segment, start: usize, end: usize) -> bool {
    let from = start.max(s.char_start);
    let to = end.min(s.char_end);
    from < to
        && s.text
            .chars()
            .skip(from - s.char_start)
            .take(to - from)
            .any(char::is_alphanumeric)
}

/// Codes by GUID from the codebooks the project knows: the built-in ones, those suggestions
/// were made from, and those earlier imports wrote. quarry's own top-level codebook codes
/// are known too, as [`Target::Book`].
fn known_codes(project: &Project) -> Result<HashMap<String, Target>> {
    let mut books: Vec<Codebook> = Vec::new();
    for (name, _) in codebook::BUILT_IN {
        if let Ok(cb) = codebook::load(name) {
            books.push(cb);
        }
    }
    for (_, origin) in project.store().codebooks_run()? {
        if let Ok(cb) = codebook::load_origin(&origin) {
            books.push(cb);
        }
    }
    if let Ok(dir) = std::fs::read_dir(project.root().join(CODEBOOK_DIR)) {
        let mut files: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            if let Ok(cb) = codebook::load(&f.to_string_lossy()) {
                books.push(cb);
            }
        }
    }
    let mut out = HashMap::new();
    for cb in &books {
        out.entry(book_guid(&cb.id)).or_insert(Target::Book);
        for c in &cb.codes {
            out.entry(c.refi_guid())
                .or_insert_with(|| Target::Code(cb.id.clone(), c.id.clone()));
        }
    }
    Ok(out)
}

/// Codes in document order, each with its parent's index.
fn flatten<'a>(
    codes: &'a [RefiCode],
    parent: Option<usize>,
    out: &mut Vec<(&'a RefiCode, Option<usize>)>,
) {
    for c in codes {
        let i = out.len();
        out.push((c, parent));
        flatten(&c.children, Some(i), out);
    }
}

/// Writes the codes the project did not know as a codebook in `codebooks/` of the project,
/// named after the file. Returns the file, the codebook's id and its codes' ids.
fn write_codebook(
    project: &Project,
    file: &Path,
    book: &qdc::Book,
) -> Result<(PathBuf, String, Vec<String>)> {
    let stem = file
        .file_stem()
        .map_or_else(|| "imported".into(), |s| s.to_string_lossy().to_lowercase());
    let dir = project.root().join(CODEBOOK_DIR);
    std::fs::create_dir_all(&dir)?;
    let taken: HashSet<String> = codebook::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .chain(
            project
                .store()
                .codebooks_run()?
                .into_iter()
                .map(|(id, _)| id),
        )
        .collect();
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}_{n}")
        };
        let id = qdc::book_id(&candidate);
        let path = dir.join(format!("{id}.toml"));
        n += 1;
        if taken.contains(&id) || path.exists() {
            continue;
        }
        let (toml, ids) = qdc::to_toml(book, &candidate, &file.to_string_lossy());
        // What is written must load.
        codebook::parse(&toml, &path)?;
        std::fs::write(&path, toml)?;
        return Ok((path, id, ids));
    }
}

/// A document's name from a source's: without the extension of the file it was made from.
fn document_name(name: &str) -> String {
    let name = name.trim();
    let stem = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && matches!(
                    ext.to_ascii_lowercase().as_str(),
                    "txt" | "docx" | "doc" | "rtf" | "odt" | "pdf" | "md" | "vtt" | "srt"
                ) =>
        {
            stem
        }
        _ => name,
    };
    if stem.is_empty() {
        "source".into()
    } else {
        stem.to_string()
    }
}

/// Normalises a source's text (LF line ends already) as quarry stores text (NFC, no BOM)
/// and moves its selections with it.
fn normalise(src: &mut RefiSource) {
    let stored = ingest::decode::normalize(&src.text);
    if stored == src.text {
        return;
    }
    let mut cuts: Vec<usize> = src
        .selections
        .iter()
        .flat_map(|s| [s.start, s.end])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    // Each cut's new place: the normalised length of the text before it, piece by piece.
    let chars: Vec<(usize, char)> = src.text.char_indices().collect();
    let byte_at = |cp: usize| chars.get(cp).map_or(src.text.len(), |c| c.0);
    let mut moved: HashMap<usize, usize> = HashMap::new();
    let (mut from, mut len) = (0usize, 0usize);
    for &cut in &cuts {
        let cut_byte = byte_at(cut);
        if cut_byte > from {
            len += ingest::decode::normalize(&src.text[from..cut_byte])
                .chars()
                .count();
            from = cut_byte;
        }
        moved.insert(cut, len);
    }
    let total = stored.chars().count();
    for s in &mut src.selections {
        s.start = moved[&s.start].min(total);
        s.end = moved[&s.end].min(total);
    }
    src.text = stored;
}

#[cfg(test)]
mod tests {
    use super::qdpx::RefiSelection;
    use super::*;

    #[test]
    fn document_names_drop_the_file_extension_only() {
        assert_eq!(document_name("Interview 1.docx"), "Interview 1");
        assert_eq!(document_name("P3.txt"), "P3");
        assert_eq!(document_name("Dr. Smith"), "Dr. Smith");
        assert_eq!(document_name("  "), "source");
        assert_eq!(document_name(".txt"), ".txt");
    }

    #[test]
    fn normalising_moves_selections_with_the_text() {
        // "Cafe\u{301}" (5 code points) becomes "Café" (4).
        let mut src = RefiSource {
            text: "Cafe\u{301} au lait, cafe\u{301}.".into(),
            selections: vec![
                RefiSelection {
                    start: 0,
                    end: 5,
                    ..Default::default()
                },
                RefiSelection {
                    start: 15,
                    end: 20,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        normalise(&mut src);
        let pick = |s: &RefiSelection| -> String {
            src.text
                .chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect()
        };
        assert_eq!(src.text, "Café au lait, café.");
        assert_eq!(pick(&src.selections[0]), "Café");
        assert_eq!(pick(&src.selections[1]), "café");
    }
}
