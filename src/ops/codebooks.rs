//! Codebook operations: find one by name, list, lint, run its rules on the corpus, explain
//! its rules as searches, write a template, and convert to and from REFI-QDA codebooks.

use crate::codebook::{self, Codebook, Finding};
use crate::project::search::{self, OtherForms};
use crate::project::Project;
use crate::{Error, Result};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A codebook by built-in name, TOML file, or (in a project) the id of one the project knows;
/// an unknown name lists what is available. `project` is asked for only when the name is
/// neither built in nor a file (None: there is no project), so a built-in needs no project.
pub fn find<P: Borrow<Project>>(
    name: &str,
    project: impl FnOnce() -> Option<P>,
) -> Result<Codebook> {
    match codebook::load(name) {
        Err(e) if e.not_found() => match project() {
            Some(p) => p.borrow().codebook(name),
            None => Err(e.into()),
        },
        r => Ok(r?),
    }
}

/// The id a codebook is stored under: a codebook file names its codebook by the id inside
/// it; any other name is taken as the id.
pub fn id_of(name: &str) -> String {
    codebook::load(name)
        .map(|c| c.id)
        .unwrap_or_else(|_| name.to_string())
}

/// The built-in codebooks, by the name that loads them.
pub fn built_in() -> Result<Vec<(&'static str, Codebook)>> {
    let mut out = Vec::new();
    for (name, _) in codebook::BUILT_IN {
        out.push((*name, codebook::load(name)?));
    }
    Ok(out)
}

/// The codebooks a project knows by id: (id, where it was loaded from).
pub fn in_project(p: &Project) -> Result<Vec<(String, String)>> {
    p.stored_codebooks()
}

/// What `codebook check` finds without a corpus.
pub struct Lint {
    /// Codes.
    pub codes: usize,
    /// Rules over all codes.
    pub rules: usize,
    /// Problems (empty codes, repeated rules...).
    pub findings: Vec<Finding>,
}

/// Lints a codebook that loaded (so its syntax, ids and references are fine).
pub fn lint(cb: &Codebook) -> Lint {
    Lint {
        codes: cb.codes.len(),
        rules: cb.codes.iter().map(|c| c.rules.len()).sum(),
        findings: cb.lint(),
    }
}

/// Why a rule is flagged by [`check_corpus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// It matches no segment of the project.
    Nothing,
    /// It matches more than the share allowed.
    TooBroad,
}

/// One rule run on every segment of the project.
pub struct RuleCheck {
    /// The code it belongs to.
    pub code: String,
    /// The rule as written.
    pub rule: String,
    /// Segments it matches.
    pub segments: usize,
    /// Those segments as a percentage of all.
    pub share: f64,
    /// Corpus words its words catch, with their counts: most frequent first.
    pub catches: Vec<(String, usize)>,
    /// Corpus words its words miss (see [`search::other_forms`]).
    pub other_forms: Vec<OtherForms>,
    /// Whether it is flagged.
    pub flag: Option<Flag>,
}

/// `codebook check --corpus`: each rule run on every segment of the project.
pub struct CorpusCheck {
    /// Per rule, in codebook order.
    pub rules: Vec<RuleCheck>,
    /// Segments in the project.
    pub segments: usize,
    /// Rules flagged.
    pub flagged: usize,
}

/// Runs each rule on every segment of the project: the segments each matches and the corpus
/// words its words catch; rules matching nothing or more than `max_share` percent of
/// segments are flagged.
pub fn check_corpus(p: &Project, cb: &Codebook, max_share: f64) -> Result<CorpusCheck> {
    let mut analyzer = crate::text::analyzer::Analyzer::new(p.analyzer()).map_err(Error::Other)?;
    let mut rules: Vec<(&str, codebook::Rule)> = cb
        .codes
        .iter()
        .flat_map(|c| c.rules.iter().map(move |r| (c.id.as_str(), r.clone())))
        .collect();
    // The scope (not interviewers' turns...) names roles: resolve it against this project.
    for (_, r) in &mut rules {
        search::resolve_fields(p, &mut r.query)?;
    }
    let mut hits = vec![0usize; rules.len()];
    let mut words: HashMap<String, BTreeMap<String, usize>> = Default::default();
    let mut segments = 0usize;
    for d in p.store().documents()? {
        for seg in p.store().segments(&p.store().segment_ids(d.id)?)? {
            segments += 1;
            let toks = analyzer.analyze(&seg.text);
            for t in &toks {
                *words
                    .entry(t.stem.clone())
                    .or_default()
                    .entry(t.lower.clone())
                    .or_default() += 1;
            }
            let speaker = seg.speaker.as_ref().map(|s| s.to_lowercase());
            let target = crate::text::query::Target {
                document: seg.document_id,
                speaker: speaker.as_deref(),
                tokens: &toks,
                post: seg.post.as_ref(),
            };
            for (k, (_, r)) in rules.iter().enumerate() {
                if r.query.eval(&target).is_some() {
                    hits[k] += 1;
                }
            }
        }
    }
    let (mut index, _) = p.index()?;
    let mut checked = Vec::new();
    let mut flagged = 0;
    for (k, (code, r)) in rules.iter().enumerate() {
        let share = 100.0 * hits[k] as f64 / segments.max(1) as f64;
        let flag = if hits[k] == 0 {
            Some(Flag::Nothing)
        } else if share > max_share {
            Some(Flag::TooBroad)
        } else {
            None
        };
        flagged += usize::from(flag.is_some());
        checked.push(RuleCheck {
            code: code.to_string(),
            rule: r.text.clone(),
            segments: hits[k],
            share,
            catches: catches(&r.query, &words),
            other_forms: search::other_forms(&mut index, &mut analyzer, &r.query)?,
            flag,
        });
    }
    Ok(CorpusCheck {
        rules: checked,
        segments,
        flagged,
    })
}

/// The corpus words (`words`: stem → word → count) a rule's stems, prefixes and exact words
/// catch, most frequent first.
fn catches(
    query: &crate::text::query::Query,
    words: &HashMap<String, BTreeMap<String, usize>>,
) -> Vec<(String, usize)> {
    let (stems, prefixes, exact) = codebook::rule_terms(query);
    let mut caught: Vec<(String, usize)> = Vec::new();
    for s in &stems {
        if let Some(m) = words.get(s) {
            caught.extend(m.iter().map(|(w, n)| (w.clone(), *n)));
        }
    }
    for pre in &prefixes {
        for m in words.values() {
            caught.extend(
                m.iter()
                    .filter(|(w, _)| w.starts_with(pre.as_str()))
                    .map(|(w, n)| (w.clone(), *n)),
            );
        }
    }
    for e in &exact {
        for m in words.values() {
            if let Some(n) = m.get(e) {
                caught.push((e.clone(), *n));
            }
        }
    }
    caught.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    caught.dedup();
    caught
}

/// A code's rules as the search that finds what they match.
pub struct Explained {
    /// The code's id.
    pub code: String,
    /// The search text of its rules and its descendants'; None when there are none.
    pub query: Option<String>,
    /// What the code's scope adds as search filters ("" for every segment).
    pub scope: &'static str,
    /// The phrases masked for it (the codebook's and its ancestors').
    pub masks: Vec<String>,
}

impl Explained {
    /// The whole search, as `codebook explain` writes it: `(rules)` and the scope's filters.
    pub fn search(&self) -> Option<String> {
        self.query.as_ref().map(|q| format!("({q}){}", self.scope))
    }

    /// One of the code's rules (`text`, as written) as the search that finds what it
    /// matches, the same way: what the masks leave out aside.
    pub fn rule_search(&self, text: &str) -> String {
        format!("({text}){}", self.scope)
    }
}

/// Each code's rules (only `code` and the codes below it, if given) as search text, with what
/// the text cannot say: the scope and the masked phrases.
pub fn explain(cb: &Codebook, code: Option<&str>) -> Result<Vec<Explained>> {
    let which: Vec<usize> = match code {
        Some(id) => vec![cb
            .codes
            .iter()
            .position(|c| c.id == *id)
            .ok_or_else(|| Error::Other(format!("codebook `{}` has no code `{id}`", cb.id)))?],
        None => (0..cb.codes.len()).collect(),
    };
    let mut out = Vec::new();
    for i in which {
        let c = &cb.codes[i];
        let Some(q) = cb.code_search_text(i) else {
            out.push(Explained {
                code: c.id.clone(),
                query: None,
                scope: "",
                masks: Vec::new(),
            });
            continue;
        };
        // The text query and, where they apply, what it leaves to --code: masks and scope
        // cannot be written in a search.
        let scope = match c.scope {
            codebook::Scope::Participants => {
                " AND NOT role:interviewer AND NOT is:repost AND NOT is:duplicate"
            }
            codebook::Scope::All => "",
        };
        let masks = cb
            .mask
            .iter()
            .chain(
                std::iter::successors(Some(i), |&k| cb.codes[k].parent)
                    .flat_map(|k| cb.codes[k].mask.iter()),
            )
            .cloned()
            .collect();
        out.push(Explained {
            code: c.id.clone(),
            query: Some(q),
            scope,
            masks,
        });
    }
    Ok(out)
}

/// Writes a commented template codebook with id `name` to NAME.toml in the current folder;
/// its path.
pub fn new(name: &str) -> Result<PathBuf> {
    let file = PathBuf::from(format!("{name}.toml"));
    if file.exists() {
        return Err(Error::Other(format!(
            "{} exists; choose another name",
            file.display()
        )));
    }
    let text = codebook::TEMPLATE.replace("NAME", name);
    // The template must itself be a valid codebook.
    codebook::parse(&text, &file)?;
    std::fs::write(&file, text)
        .map_err(|e| super::context(format!("writing {}", file.display()), &e))?;
    Ok(file)
}

/// A codebook written from a REFI-QDA codebook.
pub struct Imported {
    /// The TOML file written.
    pub path: PathBuf,
    /// Its codes.
    pub codes: usize,
}

/// Turns a REFI-QDA codebook (.qdc, or a .qdpx project's codes) into a TOML skeleton at
/// `out` (default: the file's name with .toml, in the current folder), never over a file.
pub fn import_qdc(file: &Path, out: Option<PathBuf>) -> Result<Imported> {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_else(|| "imported".into());
    let id: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let xml = crate::refi::qdc::read_file(file)
        .map_err(|e| super::context(format!("reading {}", file.display()), &e))?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let toml = crate::refi::qdc::import(&xml, &id, &name)
        .map_err(|e| Error::Other(format!("{}: {e}", file.display())))?;
    let dest = out.unwrap_or_else(|| PathBuf::from(format!("{id}.toml")));
    if dest.exists() {
        return Err(Error::Other(format!(
            "{} exists; choose another with --out",
            dest.display()
        )));
    }
    let cb = codebook::parse(&toml, &dest)?;
    std::fs::write(&dest, toml)
        .map_err(|e| super::context(format!("writing {}", dest.display()), &e))?;
    Ok(Imported {
        path: dest,
        codes: cb.codes.len(),
    })
}

/// Writes the codebook `name` (found as [`find`] does) as a REFI-QDA codebook in `format`
/// (only `qdc`) to `out` (default: ID.qdc in the current folder); the file and its codes.
pub fn export_qdc<P: Borrow<Project>>(
    name: &str,
    format: &str,
    out: Option<PathBuf>,
    project: impl FnOnce() -> Option<P>,
) -> Result<(PathBuf, usize)> {
    if format != "qdc" {
        return Err(Error::Other(format!(
            "--format {format}: only qdc (REFI-QDA codebook) is written"
        )));
    }
    let cb = find(name, project)?;
    let dest = out.unwrap_or_else(|| PathBuf::from(format!("{}.qdc", cb.id)));
    std::fs::write(&dest, crate::refi::qdc::export(&cb))
        .map_err(|e| super::context(format!("writing {}", dest.display()), &e))?;
    Ok((dest, cb.codes.len()))
}

/// One codebook a person can open in a project (the list `quarry serve` shows).
pub struct Listed {
    /// What opens it: a built-in's name; else the id the project knows it by, or its file
    /// when that id is also a built-in's name.
    pub key: String,
    /// The id a run of it is stored under.
    pub id: String,
    /// Where it comes from: `built-in:NAME` or its file.
    pub origin: String,
    /// Whether it is built in.
    pub built_in: bool,
    /// Whether the project's last `suggest` run of its id applied this very codebook.
    pub run: bool,
    /// Where the last run of its id came from, when that was another codebook of the same id.
    pub other_run: Option<String>,
    /// The codebook, or why its file does not load now.
    pub codebook: std::result::Result<Codebook, String>,
}

impl Listed {
    /// The name `tune` and `rules` are given for it: a built-in's name, else its file.
    pub fn tune_name(&self) -> &str {
        if self.built_in {
            &self.key
        } else {
            &self.origin
        }
    }
}

/// The built-in codebooks, then the project's own ([`in_project`]), each with whether this
/// project ran it.
pub fn listing(p: &Project) -> Result<Vec<Listed>> {
    let runs: HashMap<String, String> = p.store().codebooks_run()?.into_iter().collect();
    let ran = |id: &str, origin: &str| match runs.get(id) {
        Some(o) if o == origin => (true, None),
        Some(o) => (false, Some(o.clone())),
        None => (false, None),
    };
    let mut out = Vec::new();
    for (name, cb) in built_in()? {
        let origin = codebook::origin_of(&cb);
        let (run, other_run) = ran(&cb.id, &origin);
        out.push(Listed {
            key: name.to_string(),
            id: cb.id.clone(),
            origin,
            built_in: true,
            run,
            other_run,
            codebook: Ok(cb),
        });
    }
    for (id, origin) in in_project(p)? {
        let (run, other_run) = ran(&id, &origin);
        let key = if codebook::BUILT_IN.iter().any(|(n, _)| *n == id) {
            origin.clone()
        } else {
            id.clone()
        };
        out.push(Listed {
            key,
            id,
            codebook: codebook::load_origin(&origin).map_err(|e| e.to_string()),
            origin,
            built_in: false,
            run,
            other_run,
        });
    }
    Ok(out)
}

/// The codebook of [`listing`] that `key` opens, if any: nothing else is read, so a name
/// cannot open an arbitrary file.
pub fn listed(p: &Project, key: &str) -> Result<Option<Listed>> {
    Ok(listing(p)?.into_iter().find(|l| l.key == key))
}
