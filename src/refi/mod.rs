//! REFI-QDA projects to and from the project database.
//!
//! [`export`] maps the record to a [`RefiProject`] and writes it as a `.qdpx`: the coders as
//! users, each codebook's tree (codes keep the GUIDs the `.qdc` export gives them), every
//! document as a plain-text source with its attributes, every participant as a case, and one
//! selection with one coding per standing accepted code (the turn's span, in code points).
//! What the format has no place for (rejected suggestions, suggestions nobody decided on,
//! post metadata) goes into notes and a "not exported" list.
//!
//! [`import`] reads another tool's project into this one: sources become documents split into
//! turns as on `add`, codes are matched by GUID to the codebooks the project knows (so a
//! project exported from quarry comes back onto its own codebooks) or written as a new
//! codebook file, and each coding becomes a decision of its user on every turn its selection
//! covers. quarry codes whole turns: a selection's exact span is not kept.

pub mod qdc;
pub mod qdpx;

use crate::codebook::{self, Codebook};
use crate::error::{Error, Result};
use crate::ingest;
use crate::project::{AddConfig, Project};
use crate::review::quality;
use crate::store::{DecisionRow, NewDecision, Stored, SuggestionState};
use crate::text::model::Role;
use qdpx::{
    RefiCase, RefiCode, RefiCoding, RefiNote, RefiProject, RefiSelection, RefiSource, RefiUser,
    RefiValue, RefiVariable, VariableType,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use crate::project::CODEBOOK_DIR;

// ---------------------------------------------------------------------------------- export

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportConfig {
    /// Only this codebook's codes and codings (default: every codebook the project used).
    pub codebook: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ExportReport {
    /// Documents, as sources.
    pub sources: usize,
    /// Codes, codebooks included when there are several.
    pub codes: usize,
    /// Codings (one selection each).
    pub codings: usize,
    /// Coders.
    pub users: usize,
    /// Participants, as cases.
    pub cases: usize,
    /// Attribute names, as variables.
    pub variables: usize,
    /// What the format cannot hold, and where it went instead.
    pub not_exported: Vec<String>,
}

/// Writes the project as a REFI-QDA 1.0 `.qdpx` at `out`.
pub fn export(project: &Project, out: &Path, cfg: &ExportConfig) -> Result<ExportReport> {
    let store = project.store();
    let decisions = store.decisions(None)?;
    let standing = quality::standing(&decisions);
    let wanted = |book: &str| cfg.codebook.as_deref().is_none_or(|c| c == book);

    // The codebooks: those suggestions were made from and those decisions name.
    let run: BTreeMap<String, String> = store.codebooks_run()?.into_iter().collect();
    let mut book_ids: BTreeSet<String> = run.keys().cloned().collect();
    book_ids.extend(standing.keys().map(|k| k.1.clone()));
    if let Some(c) = &cfg.codebook {
        if !book_ids.contains(c) {
            return Err(Error::Other(format!(
                "no codebook {c} in this project (it has: {})",
                if book_ids.is_empty() {
                    "none".to_string()
                } else {
                    book_ids.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            )));
        }
    }
    book_ids.retain(|b| wanted(b));

    let mut not_exported = Vec::new();
    let mut used_guids = HashSet::new();
    // (codebook, code) -> GUID of the exported code.
    let mut code_guids: HashMap<(String, String), String> = HashMap::new();
    let mut trees = Vec::new();
    for id in &book_ids {
        let loaded = project.load_codebook(id);
        let cb = match loaded {
            Ok(cb) => Some(cb),
            Err(e) => {
                not_exported.push(format!(
                    "codebook {id} could not be read ({e}): its coded codes are exported by id, \
                     without names or descriptions"
                ));
                None
            }
        };
        // Every code decided on, rejected ones too: the decisions note names them by GUID.
        let coded: BTreeSet<String> = standing
            .keys()
            .filter(|k| k.1 == *id)
            .map(|k| k.3.clone())
            .collect();
        let codes = code_tree(id, cb.as_ref(), &coded, &mut used_guids, &mut code_guids);
        trees.push((id.clone(), cb, codes));
    }
    let codes: Vec<RefiCode> = if trees.len() == 1 {
        trees.pop().map(|t| t.2).unwrap_or_default()
    } else {
        // Several codebooks: one top-level code each, named after it.
        trees
            .into_iter()
            .map(|(id, cb, children)| RefiCode {
                guid: book_guid(&id),
                name: cb.as_ref().map_or_else(|| id.clone(), |c| c.name.clone()),
                description: cb.as_ref().map_or_else(String::new, book_description),
                colour: None,
                children,
            })
            .collect()
    };

    // Users: everyone with a standing decision exported.
    let coders: BTreeSet<&str> = standing
        .keys()
        .filter(|k| wanted(&k.1))
        .map(|k| k.0.as_str())
        .collect();
    let users: Vec<RefiUser> = coders
        .iter()
        .map(|c| RefiUser {
            guid: user_guid(c),
            name: c.to_string(),
        })
        .collect();

    // Variables from document and participant attributes.
    let docs = store.documents()?;
    let roles = store.roles()?;
    let speaker_docs = store.speaker_documents()?;
    let speaker_attrs = store.speaker_attributes()?;
    let participants: Vec<&String> = speaker_docs
        .keys()
        .filter(|s| !matches!(roles.get(*s), Some((Role::Interviewer, _))))
        .collect();
    let mut values_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in docs.iter().flat_map(|d| &d.attributes).chain(
        participants
            .iter()
            .filter_map(|s| speaker_attrs.get(*s))
            .flatten(),
    ) {
        values_of.entry(k).or_default().push(v);
    }
    let variables: Vec<RefiVariable> = values_of
        .iter()
        .map(|(k, vs)| RefiVariable {
            guid: qdpx::stable_guid("variable", k),
            name: k.to_string(),
            kind: variable_type(vs),
            description: String::new(),
        })
        .collect();
    let value = |k: &str, v: &str| RefiValue {
        variable_guid: qdpx::stable_guid("variable", k),
        value: v.to_string(),
    };

    // Sources, and a selection with one coding per standing accepted code.
    let coded: Vec<_> = standing
        .iter()
        .filter(|(k, v)| v.applies && wanted(&k.1))
        .collect();
    let seg_ids: Vec<i64> = coded
        .iter()
        .map(|(k, _)| k.2)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let segments: HashMap<i64, crate::Segment> = store
        .segments(&seg_ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut selections: HashMap<i64, Vec<RefiSelection>> = HashMap::new();
    let mut codings = 0;
    for ((coder, book, seg, code), v) in coded {
        let Some(s) = segments.get(seg) else { continue };
        let key = format!("{coder}\0{book}\0{}\0{}\0{code}", s.document, s.char_start);
        let created = Some(iso_ms(v.decision.at));
        let user = Some(user_guid(coder));
        selections
            .entry(s.document_id)
            .or_default()
            .push(RefiSelection {
                guid: qdpx::stable_guid("selection", &key),
                start: s.char_start,
                end: s.char_end,
                creating_user: user.clone(),
                created: created.clone(),
                note: selection_note(v.decision, code),
                codings: vec![RefiCoding {
                    guid: qdpx::stable_guid("coding", &key),
                    code_guid: code_guids[&(book.clone(), code.clone())].clone(),
                    creating_user: user,
                    created,
                }],
            });
        codings += 1;
    }
    let mut sources = Vec::with_capacity(docs.len());
    let mut source_guid: HashMap<i64, String> = HashMap::new();
    let mut has_posts = false;
    for d in &docs {
        // Posts are read into documents of these formats, transcripts never.
        has_posts |= matches!(
            d.format,
            crate::text::model::Format::Csv | crate::text::model::Format::Json
        );
        let guid = qdpx::stable_guid("source", &d.name);
        source_guid.insert(d.id, guid.clone());
        let mut sel = selections.remove(&d.id).unwrap_or_default();
        sel.sort_by(|a, b| (a.start, &a.guid).cmp(&(b.start, &b.guid)));
        sources.push(RefiSource {
            guid,
            name: d.name.clone(),
            text: store.document_text(d.id)?,
            creating_user: None,
            created: None,
            selections: sel,
            codings: Vec::new(),
            values: d.attributes.iter().map(|(k, v)| value(k, v)).collect(),
        });
    }

    let cases: Vec<RefiCase> = participants
        .iter()
        .map(|s| RefiCase {
            guid: qdpx::stable_guid("case", s),
            name: s.to_string(),
            description: String::new(),
            values: speaker_attrs
                .get(*s)
                .into_iter()
                .flatten()
                .map(|(k, v)| value(k, v))
                .collect(),
            sources: speaker_docs[*s]
                .iter()
                .filter_map(|d| source_guid.get(d).cloned())
                .collect(),
        })
        .collect();

    // What REFI has no place for.
    let mut notes = Vec::new();
    let rejected: Vec<_> = standing
        .iter()
        .filter(|(k, v)| !v.applies && wanted(&k.1))
        .collect();
    if !rejected.is_empty() {
        let ids: Vec<i64> = rejected.iter().map(|(k, _)| k.2).collect();
        let segs: HashMap<i64, crate::Segment> = store
            .segments(&ids)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut text = String::from(
            "Codes quarry suggested that a coder rejected. REFI-QDA has no place for a \
             rejection, so they are listed here: document, characters (from 0), speaker, \
             codebook, code, coder, time, memo.\n",
        );
        for ((coder, book, seg, code), v) in &rejected {
            let Some(s) = segs.get(seg) else { continue };
            text.push_str(&format!(
                "\n{} [{}-{}] {}: {book} {code}, rejected by {coder} at {}{}",
                s.document,
                s.char_start,
                s.char_end,
                s.speaker.as_deref().unwrap_or("-"),
                iso_ms(v.decision.at),
                v.decision
                    .memo
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            ));
        }
        notes.push(RefiNote {
            guid: qdpx::stable_guid("note", "rejected"),
            name: "quarry: rejected suggestions".into(),
            text,
            creating_user: None,
            created: None,
        });
        not_exported.push(format!(
            "{} rejected suggestion(s): listed in the note \"quarry: rejected suggestions\"",
            rejected.len()
        ));
    }
    notes.extend(decisions_note(store, &standing, &wanted, &code_guids)?);
    let decided: HashSet<(&str, i64, &str)> = standing
        .keys()
        .map(|k| (k.1.as_str(), k.2, k.3.as_str()))
        .collect();
    let mut pending = 0;
    for book in book_ids.iter().filter(|b| run.contains_key(*b)) {
        pending += store
            .codebook_suggestions(book, false)?
            .iter()
            .filter(|s| {
                s.state == SuggestionState::Open
                    && !decided.contains(&(book.as_str(), s.segment, s.code.as_str()))
            })
            .count();
    }
    if pending > 0 {
        not_exported.push(format!(
            "{pending} suggestion(s) nobody has decided on: not codings, not exported \
             (`quarry review` them, or `quarry export quotes --status pending`)"
        ));
    }
    if !book_ids.is_empty() {
        not_exported
            .push("codebook rules: written into each code's description (\"Rules: ...\")".into());
    }
    if has_posts {
        not_exported.push(
            "post metadata (platform, ids, times, hashtags, counts): not exported; each \
             post's text is in its document's text"
                .into(),
        );
    }
    if !not_exported.is_empty() {
        notes.push(RefiNote {
            guid: qdpx::stable_guid("note", "not exported"),
            name: "quarry: not exported".into(),
            text: format!(
                "What this quarry project holds that REFI-QDA cannot:\n\n- {}",
                not_exported.join("\n- ")
            ),
            creating_user: None,
            created: None,
        });
    }

    let name = project
        .root()
        .file_name()
        .map_or_else(|| "quarry".into(), |n| n.to_string_lossy().into_owned());
    let refi = RefiProject {
        name,
        origin: format!("quarry {}", env!("CARGO_PKG_VERSION")),
        users,
        codes,
        variables,
        cases,
        sources,
        notes,
        warnings: Vec::new(),
    };
    qdpx::write_qdpx(&refi, out)?;
    Ok(ExportReport {
        sources: refi.sources.len(),
        codes: count_codes(&refi.codes),
        codings,
        users: refi.users.len(),
        cases: refi.cases.len(),
        variables: refi.variables.len(),
        not_exported,
    })
}

/// The title of the note that holds quarry's decisions for quarry to read back.
const DECISIONS_NOTE: &str = "quarry: decisions (machine-readable)";

/// The first line of that note: what it is, and the version of what follows.
const DECISIONS_MARKER: &str = "quarry-decisions/1";

/// One decision as the decisions note keeps it: REFI-QDA has codings for accepted codes but
/// no place for a rejection, so every standing decision is kept here, one JSON object a
/// line, where other tools see a note and quarry reads the decisions back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct KeptDecision {
    /// The coder.
    coder: String,
    /// The GUID of the document's source.
    source: String,
    /// The turn, in code points of the source's text.
    start: usize,
    /// End of the turn.
    end: usize,
    /// The GUID of the code decided on.
    code: String,
    /// Accepted (true) or rejected.
    accept: bool,
    /// The GUID of the code applied instead, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    instead: Option<String>,
    /// The coder's memo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    memo: Option<String>,
    /// When, in milliseconds since 1970.
    at: i64,
    /// The suggestion it answered, as stored with the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answered: Option<String>,
}

/// The note holding every standing decision of the exported codebooks (see [`KeptDecision`]),
/// in the order they were made.
fn decisions_note(
    store: &crate::store::Store,
    standing: &BTreeMap<quality::VerdictKey, quality::Verdict<'_>>,
    wanted: &dyn Fn(&str) -> bool,
    code_guids: &HashMap<(String, String), String>,
) -> Result<Option<RefiNote>> {
    let mut rows: Vec<&DecisionRow> = standing
        .iter()
        .filter(|(k, _)| wanted(&k.1))
        .map(|(_, v)| v.decision)
        .collect();
    rows.sort_by_key(|d| d.id);
    rows.dedup_by_key(|d| d.id);
    if rows.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = rows.iter().map(|d| d.segment).collect();
    let segs: HashMap<i64, crate::Segment> = store
        .segments(&ids)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut text = format!(
        "{DECISIONS_MARKER}\nEvery decision quarry's coders made (accepted and rejected \
         suggestions, codes applied instead), one JSON object a line, for `quarry import \
         refi` to read back. Other tools can leave this note alone.\n"
    );
    for d in rows {
        let guid = |code: &str| {
            code_guids
                .get(&(d.codebook.clone(), code.to_string()))
                .cloned()
        };
        let (Some(s), Some(code)) = (segs.get(&d.segment), guid(&d.code)) else {
            continue;
        };
        let kept = KeptDecision {
            coder: d.coder.clone(),
            source: qdpx::stable_guid("source", &s.document),
            start: s.char_start,
            end: s.char_end,
            code,
            accept: d.accept,
            instead: d.replacement.as_deref().and_then(guid),
            memo: d.memo.clone(),
            at: d.at,
            answered: d.answered.clone(),
        };
        text.push_str(&serde_json::to_string(&kept).map_err(|e| Error::Other(e.to_string()))?);
        text.push('\n');
    }
    Ok(Some(RefiNote {
        guid: qdpx::stable_guid("note", "decisions"),
        name: DECISIONS_NOTE.into(),
        text,
        creating_user: None,
        created: None,
    }))
}

/// The decisions kept in a project's quarry decisions note, if it has one that reads.
fn kept_decisions(notes: &[RefiNote]) -> Option<Vec<KeptDecision>> {
    let note = notes.iter().find(|n| n.name == DECISIONS_NOTE)?;
    let mut lines = note.text.lines();
    if lines.next()?.trim() != DECISIONS_MARKER {
        return None;
    }
    Some(
        lines
            .filter(|l| l.trim_start().starts_with('{'))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
    )
}

/// The GUID of a coder's user.
fn user_guid(coder: &str) -> String {
    qdpx::stable_guid("user", coder)
}

/// The GUID of the top-level code that stands for a whole codebook.
fn book_guid(id: &str) -> String {
    qdpx::stable_guid("codebook", id)
}

fn book_description(cb: &Codebook) -> String {
    [cb.description.trim(), cb.source.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn count_codes(codes: &[RefiCode]) -> usize {
    codes.iter().map(|c| 1 + count_codes(&c.children)).sum()
}

/// A codebook's codes as a REFI tree, with the codes coded in the project that it no longer
/// has (placed under their nearest ancestor that it has). Records each code's GUID in
/// `guids`; a GUID another codebook took already is replaced by one made from both ids.
fn code_tree(
    book: &str,
    cb: Option<&Codebook>,
    coded: &BTreeSet<String>,
    used: &mut HashSet<String>,
    guids: &mut HashMap<(String, String), String>,
) -> Vec<RefiCode> {
    // Flat: (id, code without children, parent index).
    let mut flat: Vec<(String, RefiCode, Option<usize>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for c in cb.map(|cb| cb.codes.as_slice()).unwrap_or_default() {
        at.insert(c.id.clone(), flat.len());
        flat.push((
            c.id.clone(),
            RefiCode {
                guid: c.refi_guid(),
                name: c.name.clone(),
                description: qdc::description(c),
                colour: c.colour.clone(),
                children: Vec::new(),
            },
            c.parent,
        ));
    }
    for id in coded {
        if at.contains_key(id) {
            continue;
        }
        let mut parent = None;
        let mut up = id.as_str();
        while let Some((p, _)) = up.rsplit_once('.') {
            if let Some(&i) = at.get(p) {
                parent = Some(i);
                break;
            }
            up = p;
        }
        at.insert(id.clone(), flat.len());
        flat.push((
            id.clone(),
            RefiCode {
                guid: qdpx::code_guid(id),
                name: id.rsplit('.').next().unwrap_or(id).to_string(),
                description: match cb {
                    Some(_) => {
                        format!("{id}: coded in this project, no longer in codebook {book}.")
                    }
                    None => id.clone(),
                },
                colour: None,
                children: Vec::new(),
            },
            parent,
        ));
    }
    for (id, code, _) in &mut flat {
        if !used.insert(code.guid.clone()) {
            code.guid = qdpx::stable_guid("code", &format!("{book}\0{id}"));
            used.insert(code.guid.clone());
        }
        guids.insert((book.to_string(), id.clone()), code.guid.clone());
    }
    // Nest: children after their parents, so build from the end.
    let mut children: Vec<Vec<RefiCode>> = vec![Vec::new(); flat.len()];
    let mut roots = Vec::new();
    for (i, (_, mut code, parent)) in flat.into_iter().enumerate().rev() {
        code.children = std::mem::take(&mut children[i]);
        code.children.reverse();
        match parent {
            Some(p) if p < i => children[p].push(code),
            _ => roots.push(code),
        }
    }
    roots.reverse();
    roots
}

/// The selection's description: the coder's memo and where the coding came from.
fn selection_note(d: &DecisionRow, code: &str) -> Option<String> {
    let mut lines: Vec<String> = d.memo.iter().cloned().collect();
    let rules = d
        .answered
        .as_deref()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
        .and_then(|v| {
            v.get("rules")?.as_array().map(|rs| {
                rs.iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
        })
        .unwrap_or_default();
    if d.code != code {
        lines.push(format!(
            "quarry suggested {}; {} applied this code instead.",
            d.code, d.coder
        ));
    } else if !rules.is_empty() {
        lines.push(format!(
            "Suggested by quarry (rule: {}), accepted by {}.",
            rules.join("; "),
            d.coder
        ));
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The narrowest REFI type every value fits (Text when any does not).
fn variable_type(values: &[&str]) -> VariableType {
    let all = |f: fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| f(v.trim()));
    if all(|v| matches!(v, "true" | "false")) {
        VariableType::Boolean
    } else if all(|v| {
        let d = v.strip_prefix('-').unwrap_or(v);
        !d.is_empty() && d.len() < 19 && d.bytes().all(|b| b.is_ascii_digit())
    }) {
        VariableType::Integer
    } else if all(|v| {
        let d = v.strip_prefix('-').unwrap_or(v);
        let mut parts = d.split('.');
        let whole = parts.next().unwrap_or("");
        let frac = parts.next();
        parts.next().is_none()
            && !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    }) {
        VariableType::Float
    } else if all(|v| {
        v.len() == 10
            && crate::text::time::parse_time(v).is_some()
            && v.as_bytes()[4] == b'-'
            && v.as_bytes()[7] == b'-'
    }) {
        VariableType::Date
    } else {
        VariableType::Text
    }
}

/// `2024-05-01T10:00:00Z` for milliseconds since 1970.
fn iso_ms(ms: i64) -> String {
    crate::text::time::iso_utc(ms.div_euclid(1000))
}

// ---------------------------------------------------------------------------------- import

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

/// Reads the REFI-QDA project `file` (`.qdpx` or `.qde`) into `project`.
pub fn import(project: &mut Project, file: &Path, cfg: &ImportConfig) -> Result<ImportReport> {
    let mut refi = qdpx::read_qdpx(file)?;
    let shown = file.display().to_string();
    let mut report = ImportReport::default();
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

    // Codes: those the project knows by GUID, and a new codebook for the rest.
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

    // Sources: texts as quarry stores them, positions moved with them.
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
            &shown,
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

    // Codings: one decision per coding and turn.
    let users: HashMap<&str, &str> = refi
        .users
        .iter()
        .map(|u| (u.guid.as_str(), u.name.trim()))
        .filter(|(_, n)| !n.is_empty())
        .collect();
    let fallback = cfg.coder.clone().unwrap_or_else(|| "imported".into());
    let decisions = store.decisions(None)?;
    let standing = quality::standing(&decisions);
    let mut seen: HashSet<(String, String, i64, String)> = standing
        .iter()
        .filter(|(_, v)| v.applies)
        .map(|(k, _)| k.clone())
        .collect();
    let mut new = Vec::new();
    let mut coders = BTreeSet::new();
    // quarry's own decisions (rejections too), kept in a note by its export: they stand for
    // the codings they made, which are then not read a second time.
    let doc_of: HashMap<&str, i64> = documents
        .iter()
        .map(|(i, d)| (refi.sources[*i].guid.as_str(), d.0))
        .collect();
    let mut from_note: HashSet<(String, String, usize, usize, String)> = HashSet::new();
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
    let (mut outside, mut whole, mut unknown, mut on_books) = (0, 0, 0, 0);
    for (&i, (doc_id, _)) in &documents {
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
        project.store_mut().decide_batch(&new)?;
    }
    report.decisions = new.len();
    report.coders = coders.into_iter().collect();

    // Attributes: sources' values on their documents; cases named like a speaker on that
    // speaker, other cases on their documents.
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
    for (i, (id, _)) in &documents {
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
    Ok(report)
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
    use super::*;

    #[test]
    fn variable_types_are_the_narrowest_that_fit() {
        assert_eq!(variable_type(&["1", "-20"]), VariableType::Integer);
        assert_eq!(variable_type(&["1", "2.5"]), VariableType::Float);
        assert_eq!(variable_type(&["true", "false"]), VariableType::Boolean);
        assert_eq!(variable_type(&["2024-05-01"]), VariableType::Date);
        assert_eq!(variable_type(&["2024-05-01", "soon"]), VariableType::Text);
        assert_eq!(variable_type(&["1.", "x"]), VariableType::Text);
        assert_eq!(variable_type(&["1e5"]), VariableType::Text);
        assert_eq!(variable_type(&["2024-13-45"]), VariableType::Text);
    }

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

    #[test]
    fn code_trees_keep_nesting_and_add_codes_no_longer_in_the_codebook() {
        let cb = codebook::load("tdf").unwrap();
        let coded: BTreeSet<String> = ["tdf.knowledge.gone".to_string()].into();
        let (mut used, mut guids) = (HashSet::new(), HashMap::new());
        let tree = code_tree("tdf", Some(&cb), &coded, &mut used, &mut guids);
        assert_eq!(count_codes(&tree), cb.codes.len() + 1);
        assert_eq!(
            tree.len(),
            cb.codes.iter().filter(|c| c.parent.is_none()).count()
        );
        let knowledge = tree
            .iter()
            .find(|c| c.guid == qdpx::code_guid("tdf.knowledge"))
            .unwrap();
        assert!(knowledge
            .children
            .iter()
            .any(|c| c.name == "gone" && c.description.contains("no longer in codebook tdf")));
        // A second codebook with the same code ids gets other GUIDs.
        let again = code_tree("tdf2", Some(&cb), &coded, &mut used, &mut guids);
        assert_eq!(count_codes(&again), count_codes(&tree));
        assert_ne!(
            guids[&("tdf".to_string(), "tdf.knowledge".to_string())],
            guids[&("tdf2".to_string(), "tdf.knowledge".to_string())]
        );
    }
}
