//! Export: the project mapped to a [`RefiProject`] and written as a `.qdpx`, one step a part:
//! the codebooks' code trees, the coders as users, attributes as variables, documents as
//! sources with a selection per standing accepted code, participants as cases, and notes for
//! what the format has no place for.

use super::decisions_note::decisions_note;
use super::qdc;
use super::qdpx::{
    self, RefiCase, RefiCode, RefiCoding, RefiNote, RefiProject, RefiSelection, RefiSource,
    RefiUser, RefiValue, RefiVariable, VariableType,
};
use super::{book_guid, Standing};
use crate::codebook::Codebook;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::review::quality;
use crate::store::{DecisionRow, Store, SuggestionState};
use crate::text::model::{Document, Role};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

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
    let book_ids = chosen_codebooks(&run, &standing, cfg, &wanted)?;

    let mut not_exported = Vec::new();
    // (codebook, code) -> GUID of the exported code.
    let mut code_guids: HashMap<(String, String), String> = HashMap::new();
    let codes = exported_codes(
        project,
        &book_ids,
        &standing,
        &mut code_guids,
        &mut not_exported,
    );
    let users = coders_as_users(&standing, &wanted);

    // Variables from document and participant attributes.
    let docs = store.documents()?;
    let roles = store.roles()?;
    let speaker_docs = store.speaker_documents()?;
    let speaker_attrs = store.speaker_attributes()?;
    let participants: Vec<&String> = speaker_docs
        .keys()
        .filter(|s| !matches!(roles.get(*s), Some((Role::Interviewer, _))))
        .collect();
    let variables = attribute_variables(&docs, &participants, &speaker_attrs);

    // Sources, and a selection with one coding per standing accepted code.
    let (selections, codings) = coded_selections(store, &standing, &wanted, &code_guids)?;
    let (sources, source_guid, has_posts) = documents_as_sources(store, &docs, selections)?;
    let cases = participants_as_cases(&participants, &speaker_attrs, &speaker_docs, &source_guid);

    // What REFI has no place for.
    let mut notes = Vec::new();
    notes.extend(rejected_note(store, &standing, &wanted, &mut not_exported)?);
    notes.extend(decisions_note(store, &standing, &wanted, &code_guids)?);
    left_out(
        store,
        &run,
        &book_ids,
        &standing,
        has_posts,
        &mut not_exported,
    )?;
    notes.extend(not_exported_note(&not_exported));

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

/// The codebooks to export: those suggestions were made from and those decisions name, or
/// the one asked for (an error when the project has no such codebook).
fn chosen_codebooks(
    run: &BTreeMap<String, String>,
    standing: &Standing,
    cfg: &ExportConfig,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<BTreeSet<String>> {
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
    Ok(book_ids)
}

/// Each codebook's code tree, under one top-level code per codebook when there are several.
/// Records each code's GUID in `code_guids`, and a codebook that cannot be read in
/// `not_exported`.
fn exported_codes(
    project: &Project,
    book_ids: &BTreeSet<String>,
    standing: &Standing,
    code_guids: &mut HashMap<(String, String), String>,
    not_exported: &mut Vec<String>,
) -> Vec<RefiCode> {
    let mut used_guids = HashSet::new();
    let mut trees = Vec::new();
    for id in book_ids {
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
        let codes = code_tree(id, cb.as_ref(), &coded, &mut used_guids, code_guids);
        trees.push((id.clone(), cb, codes));
    }
    if trees.len() == 1 {
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
    }
}

/// The users: everyone with a standing decision exported.
fn coders_as_users(standing: &Standing, wanted: &dyn Fn(&str) -> bool) -> Vec<RefiUser> {
    let coders: BTreeSet<&str> = standing
        .keys()
        .filter(|k| wanted(&k.1))
        .map(|k| k.0.as_str())
        .collect();
    coders
        .iter()
        .map(|c| RefiUser {
            guid: user_guid(c),
            name: c.to_string(),
        })
        .collect()
}

/// The variables: the names of document and participant attributes, each typed by its values.
fn attribute_variables(
    docs: &[Document],
    participants: &[&String],
    speaker_attrs: &HashMap<String, Vec<(String, String)>>,
) -> Vec<RefiVariable> {
    let mut values_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in docs.iter().flat_map(|d| &d.attributes).chain(
        participants
            .iter()
            .filter_map(|s| speaker_attrs.get(*s))
            .flatten(),
    ) {
        values_of.entry(k).or_default().push(v);
    }
    values_of
        .iter()
        .map(|(k, vs)| RefiVariable {
            guid: qdpx::stable_guid("variable", k),
            name: k.to_string(),
            kind: variable_type(vs),
            description: String::new(),
        })
        .collect()
}

/// A value of the variable named `k`.
fn value(k: &str, v: &str) -> RefiValue {
    RefiValue {
        variable_guid: qdpx::stable_guid("variable", k),
        value: v.to_string(),
    }
}

/// A selection with one coding per standing accepted code, by document id, and how many.
fn coded_selections(
    store: &Store,
    standing: &Standing,
    wanted: &dyn Fn(&str) -> bool,
    code_guids: &HashMap<(String, String), String>,
) -> Result<(HashMap<i64, Vec<RefiSelection>>, usize)> {
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
    Ok((selections, codings))
}

/// Every document as a plain-text source with its selections and attributes; also each
/// document's source GUID, and whether any document holds posts.
fn documents_as_sources(
    store: &Store,
    docs: &[Document],
    mut selections: HashMap<i64, Vec<RefiSelection>>,
) -> Result<(Vec<RefiSource>, HashMap<i64, String>, bool)> {
    let mut sources = Vec::with_capacity(docs.len());
    let mut source_guid: HashMap<i64, String> = HashMap::new();
    let mut has_posts = false;
    for d in docs {
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
    Ok((sources, source_guid, has_posts))
}

/// Every participant as a case, with their attributes and their documents' sources.
fn participants_as_cases(
    participants: &[&String],
    speaker_attrs: &HashMap<String, Vec<(String, String)>>,
    speaker_docs: &BTreeMap<String, Vec<i64>>,
    source_guid: &HashMap<i64, String>,
) -> Vec<RefiCase> {
    participants
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
        .collect()
}

/// The note listing the rejected suggestions (REFI-QDA has no place for a rejection), if
/// there are any; says so in `not_exported`.
fn rejected_note(
    store: &Store,
    standing: &Standing,
    wanted: &dyn Fn(&str) -> bool,
    not_exported: &mut Vec<String>,
) -> Result<Option<RefiNote>> {
    let rejected: Vec<_> = standing
        .iter()
        .filter(|(k, v)| !v.applies && wanted(&k.1))
        .collect();
    if rejected.is_empty() {
        return Ok(None);
    }
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
    not_exported.push(format!(
        "{} rejected suggestion(s): listed in the note \"quarry: rejected suggestions\"",
        rejected.len()
    ));
    Ok(Some(RefiNote {
        guid: qdpx::stable_guid("note", "rejected"),
        name: "quarry: rejected suggestions".into(),
        text,
        creating_user: None,
        created: None,
    }))
}

/// What else the export leaves out, in `not_exported`: suggestions nobody decided on,
/// codebook rules (written into descriptions) and post metadata.
fn left_out(
    store: &Store,
    run: &BTreeMap<String, String>,
    book_ids: &BTreeSet<String>,
    standing: &Standing,
    has_posts: bool,
    not_exported: &mut Vec<String>,
) -> Result<()> {
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
    Ok(())
}

/// The note saying what this project holds that REFI-QDA cannot, if anything.
fn not_exported_note(not_exported: &[String]) -> Option<RefiNote> {
    if not_exported.is_empty() {
        return None;
    }
    Some(RefiNote {
        guid: qdpx::stable_guid("note", "not exported"),
        name: "quarry: not exported".into(),
        text: format!(
            "What this quarry project holds that REFI-QDA cannot:\n\n- {}",
            not_exported.join("\n- ")
        ),
        creating_user: None,
        created: None,
    })
}

/// The GUID of a coder's user.
fn user_guid(coder: &str) -> String {
    qdpx::stable_guid("user", coder)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook;

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
