//! `quarry check`: is the project whole? The database file (SQLite's own checks), the stored
//! offsets against the stored text, the decisions against the segments and codebooks, and
//! the index against the database. `--repair` rebuilds what is derived (the index) and never
//! touches the record.

use crate::error::{Error, Result};
use crate::project::Project;
use crate::text::analyzer::Analyzer;
use std::collections::{BTreeSet, HashMap};

/// What to check.
#[derive(Debug, Clone, Copy)]
pub struct CheckConfig {
    /// Segments whose words are looked up in the index (0: every segment).
    pub sample: usize,
    /// Rebuild the index when it disagrees with the database.
    pub repair: bool,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            sample: 1000,
            repair: false,
        }
    }
}

/// One area checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Area {
    /// What was checked.
    pub name: &'static str,
    /// How many things were looked at.
    pub checked: u64,
    /// What is wrong, in plain words (empty: all is well).
    pub problems: Vec<String>,
    /// What `--repair` did about it.
    pub repaired: Option<String>,
    /// Why it was not checked, or checked only in part.
    pub note: Option<String>,
}

/// What [`run`] found.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CheckReport {
    /// Each area, in the order checked.
    pub areas: Vec<Area>,
}

impl CheckReport {
    /// Whether anything is wrong that was not repaired.
    pub fn ok(&self) -> bool {
        self.areas
            .iter()
            .all(|a| a.problems.is_empty() || a.repaired.is_some())
    }
}

/// At most this many problems are listed per area; the rest are counted.
const LISTED: usize = 20;

fn area(name: &'static str, checked: u64, mut problems: Vec<String>) -> Area {
    if problems.len() > LISTED {
        let more = problems.len() - LISTED;
        problems.truncate(LISTED);
        problems.push(format!("... and {more} more"));
    }
    Area {
        name,
        checked,
        problems,
        repaired: None,
        note: None,
    }
}

/// Checks the project.
pub fn run(project: &Project, cfg: &CheckConfig) -> Result<CheckReport> {
    let store = project.store();
    let mut report = CheckReport::default();

    let problems = store.integrity_problems()?;
    let damaged = !problems.is_empty();
    let mut db = area("database file (SQLite integrity, references)", 1, problems);
    if damaged {
        db.problems.push(
            "the database file is damaged: restore the last backup (`quarry restore`)".into(),
        );
    }
    report.areas.push(db);
    if damaged {
        // Reading on from a damaged file tells little and may mislead.
        return Ok(report);
    }

    let (offsets, segment_ids, readable) = check_offsets(store)?;
    report.areas.push(offsets);

    report.areas.push(check_decisions(project)?);

    // The index holds every segment once, with its words.
    let ids = Ids {
        all: &segment_ids,
        readable: &readable,
    };
    let index_area = check_index(project, cfg, &ids)?;
    let broken = !index_area.problems.is_empty();
    report.areas.push(index_area);
    if broken && cfg.repair {
        project.reindex()?;
        let again = check_index(project, cfg, &ids)?;
        let last = report.areas.last_mut().expect("just pushed");
        if again.problems.is_empty() {
            last.repaired = Some("index rebuilt from the database; it now agrees".into());
        } else {
            return Err(Error::Other(format!(
                "the index was rebuilt and still disagrees with the database: {}",
                again.problems.join("; ")
            )));
        }
    }
    Ok(report)
}

/// Every segment's offsets slice the stored text as recorded: the area, every segment id,
/// and the ids of segments whose text can be read (for the index probe).
fn check_offsets(store: &crate::store::Store) -> Result<(Area, Vec<i64>, Vec<i64>)> {
    // Every segment's offsets slice the stored text as recorded.
    let docs = store.documents()?;
    let names: HashMap<i64, &str> = docs.iter().map(|d| (d.id, d.name.as_str())).collect();
    let counts: HashMap<i64, usize> = docs.iter().map(|d| (d.id, d.segments)).collect();
    let mut problems = Vec::new();
    let mut segment_ids = Vec::new();
    // Segments whose text can be read (offsets in bounds), for the index probe.
    let mut readable = Vec::new();
    let mut checked = 0u64;
    store.for_each_document(|doc, text, segs| {
        let name = names.get(&doc).copied().unwrap_or("?");
        if counts.get(&doc) != Some(&segs.len()) {
            problems.push(format!(
                "document {name}: records {} segments, has {}",
                counts.get(&doc).copied().unwrap_or(0),
                segs.len()
            ));
        }
        // Code-point offsets of the byte offsets, in one pass over the text.
        let mut bounds: Vec<usize> = segs
            .iter()
            .flat_map(|s| [s.byte_start, s.byte_end])
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut chars_at: HashMap<usize, usize> = HashMap::with_capacity(bounds.len());
        let mut next = bounds.iter().peekable();
        for (n, (b, _)) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
            .enumerate()
        {
            while let Some(&&want) = next.peek() {
                if want > b {
                    break;
                }
                if want == b {
                    chars_at.insert(b, n);
                }
                next.next();
            }
        }
        for s in &segs {
            checked += 1;
            segment_ids.push(s.id);
            let place = || format!("document {name}, segment {}", s.id);
            if s.byte_start > s.byte_end || s.byte_end > text.len() {
                problems.push(format!(
                    "{}: bytes {}..{} outside its text of {} bytes",
                    place(),
                    s.byte_start,
                    s.byte_end,
                    text.len()
                ));
                continue;
            }
            readable.push(s.id);
            let (Some(&c0), Some(&c1)) = (chars_at.get(&s.byte_start), chars_at.get(&s.byte_end))
            else {
                problems.push(format!(
                    "{}: bytes {}..{} cut a character in two",
                    place(),
                    s.byte_start,
                    s.byte_end
                ));
                continue;
            };
            if (c0, c1) != (s.char_start, s.char_end) {
                problems.push(format!(
                    "{}: recorded as characters {}..{}, its bytes are characters {c0}..{c1}",
                    place(),
                    s.char_start,
                    s.char_end
                ));
            }
        }
        Ok(())
    })?;
    let a = area("segment offsets against the stored text", checked, problems);
    Ok((a, segment_ids, readable))
}

/// Every decision names a code its codebook has.
fn check_decisions(project: &Project) -> Result<Area> {
    let store = project.store();
    // Every decision names a code its codebook has.
    let decisions = store.decision_codes()?;
    let mut books: HashMap<String, Option<BTreeSet<String>>> = HashMap::new();
    let mut problems = Vec::new();
    for (id, book, code, replacement) in &decisions {
        let codes = books.entry(book.clone()).or_insert_with(|| {
            project
                .load_codebook(book)
                .ok()
                .map(|cb| cb.codes.into_iter().map(|c| c.id).collect())
        });
        let Some(codes) = codes else { continue };
        for c in std::iter::once(code)
            .chain(replacement)
            .filter(|c| !c.is_empty())
        {
            if !codes.contains(c) {
                problems.push(format!(
                    "decision {id}: code {c} is not in codebook {book} (any more)"
                ));
            }
        }
    }
    for (book, codes) in &books {
        if codes.is_none() {
            problems.push(format!(
                "codebook {book} cannot be read, so its decisions' codes were not checked \
                 (the decisions are safe; `quarry suggest --codebook FILE` records where it is)"
            ));
        }
    }
    Ok(area(
        "decisions against segments and codebooks",
        decisions.len() as u64,
        problems,
    ))
}

/// The database's segment ids: all of them, and those whose text can be read.
struct Ids<'a> {
    all: &'a [i64],
    readable: &'a [i64],
}

fn check_index(project: &Project, cfg: &CheckConfig, ids: &Ids<'_>) -> Result<Area> {
    match compare_index(project, cfg, ids) {
        // An index that cannot be read is damaged like one that disagrees.
        Err(Error::Index(e)) => Ok(area(
            "index against the database",
            ids.all.len() as u64,
            vec![format!("the index cannot be read: {e}")],
        )),
        other => other,
    }
}

fn compare_index(project: &Project, cfg: &CheckConfig, ids: &Ids<'_>) -> Result<Area> {
    let store = project.store();
    let mut idx = project.index_as_is()?;
    if idx.is_being_written() {
        let mut a = area("index against the database", 0, Vec::new());
        a.note = Some(
            "another quarry command is writing the index right now; check again when it is done"
                .into(),
        );
        return Ok(a);
    }
    // A missing or stale index is not damage: it is derived, and the next command that
    // searches rebuilds it (as after an interrupted `add`). Only an index that claims to be
    // current and disagrees is.
    let generation = store.generation()?;
    let stale = match idx.generation() {
        Some(g) if g == generation => None,
        Some(g) => Some(format!(
            "the index was written for another state of the database (generation {g}; the \
             database is at {generation}): the next search rebuilds it, `--repair` now"
        )),
        None => {
            Some("there is no index yet (or one an older quarry wrote): the next search builds it, `--repair` now".to_string())
        }
    };
    if let Some(note) = stale {
        let mut a = area("index against the database", 0, Vec::new());
        a.note = Some(note);
        if cfg.repair {
            project.reindex()?;
            return check_index(
                project,
                &CheckConfig {
                    repair: false,
                    ..*cfg
                },
                ids,
            );
        }
        return Ok(a);
    }
    let mut problems = Vec::new();
    // The probe: every segment, or an even spread of `sample` of them.
    let step = if cfg.sample == 0 {
        1
    } else {
        ids.readable.len().div_ceil(cfg.sample).max(1)
    };
    let probe_ids: Vec<i64> = ids.readable.iter().step_by(step).copied().collect();
    let mut analyzer = Analyzer::new(project.analyzer()).map_err(Error::Other)?;
    let mut probe = Vec::with_capacity(probe_ids.len());
    for chunk in probe_ids.chunks(1000) {
        for s in store.segments(chunk)? {
            let stems: BTreeSet<String> = analyzer.stems(&s.text).into_iter().collect();
            probe.push((s.id, stems.into_iter().collect::<Vec<_>>()));
        }
    }
    let audit = idx.audit(&probe)?;
    let mut in_db: Vec<i64> = ids.all.to_vec();
    in_db.sort_unstable();
    let (mut missing, mut extra, mut twice) = (Vec::new(), Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < in_db.len() || j < audit.ids.len() {
        match (in_db.get(i), audit.ids.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
                while audit.ids.get(j) == Some(b) {
                    twice.push(*b);
                    j += 1;
                }
            }
            (Some(a), Some(b)) if a < b => {
                missing.push(*a);
                i += 1;
            }
            (Some(_), None) => {
                missing.push(in_db[i]);
                i += 1;
            }
            (_, Some(b)) => {
                extra.push(*b);
                j += 1;
            }
            (None, None) => break,
        }
    }
    let few = |v: &[i64]| {
        let shown: Vec<String> = v.iter().take(5).map(|x| x.to_string()).collect();
        format!(
            "{}{}",
            shown.join(", "),
            if v.len() > 5 { ", ..." } else { "" }
        )
    };
    if !missing.is_empty() {
        problems.push(format!(
            "{} segment(s) of the database are not in the index (searches miss them): {}",
            missing.len(),
            few(&missing)
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "{} segment(s) in the index are no longer in the database: {}",
            extra.len(),
            few(&extra)
        ));
    }
    if !twice.is_empty() {
        problems.push(format!(
            "{} segment(s) are in the index twice: {}",
            twice.len(),
            few(&twice)
        ));
    }
    if !audit.missing.is_empty() {
        let (seg, stem) = &audit.missing[0];
        let segs: BTreeSet<i64> = audit.missing.iter().map(|m| m.0).collect();
        problems.push(format!(
            "{} segment(s) lack words of their text in the index (e.g. segment {seg}: `{stem}`)",
            segs.len()
        ));
    }
    Ok(area(
        "index against the database",
        ids.all.len() as u64,
        problems,
    ))
}
