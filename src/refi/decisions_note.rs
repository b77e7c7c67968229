//! The decisions note: REFI-QDA has codings for accepted codes but no place for a rejection,
//! so export keeps every standing decision in a project note, one JSON object a line, and
//! import reads them back from it.

use super::qdpx::{self, RefiNote};
use crate::error::{Error, Result};
use crate::review::quality;
use crate::store::DecisionRow;
use std::collections::{BTreeMap, HashMap};

/// The title of the note that holds quarry's decisions for quarry to read back.
const DECISIONS_NOTE: &str = "quarry: decisions (machine-readable)";

/// The first line of that note: what it is, and the version of what follows.
const DECISIONS_MARKER: &str = "quarry-decisions/1";

/// One decision as the decisions note keeps it: REFI-QDA has codings for accepted codes but
/// no place for a rejection, so every standing decision is kept here, one JSON object a
/// line, where other tools see a note and quarry reads the decisions back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct KeptDecision {
    /// The coder.
    pub(super) coder: String,
    /// The GUID of the document's source.
    pub(super) source: String,
    /// The turn, in code points of the source's text.
    pub(super) start: usize,
    /// End of the turn.
    pub(super) end: usize,
    /// The GUID of the code decided on.
    pub(super) code: String,
    /// Accepted (true) or rejected.
    pub(super) accept: bool,
    /// The GUID of the code applied instead, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) instead: Option<String>,
    /// The coder's memo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) memo: Option<String>,
    /// When, in milliseconds since 1970.
    pub(super) at: i64,
    /// The suggestion it answered, as stored with the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) answered: Option<String>,
}

/// The note holding every standing decision of the exported codebooks (see [`KeptDecision`]),
/// in the order they were made.
pub(super) fn decisions_note(
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
pub(super) fn kept_decisions(notes: &[RefiNote]) -> Option<Vec<KeptDecision>> {
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
