//! `quarry backup` and `quarry restore`: a consistent copy of a live project, and the way
//! back from one.
//!
//! A backup is a project folder of its own: `OUT/.quarry/quarry.db` (the database as of one
//! moment, taken while others may be writing) and `OUT/codebooks/` (codebooks imported into
//! the project). The index is derived, so it is not copied: it is rebuilt on restore, or on
//! the first search in the backup folder.

use crate::error::{Error, Result};
use crate::project::CODEBOOK_DIR;
use crate::project::{Project, DIR_NAME};
use crate::store::Store;
use std::path::{Path, PathBuf};

/// What a backup or a restore holds.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Copied {
    /// Where it went.
    pub path: PathBuf,
    /// Documents.
    pub documents: u64,
    /// Segments.
    pub segments: u64,
    /// Standing decisions.
    pub decisions: u64,
    /// Codebook files copied.
    pub codebooks: usize,
    /// Where the replaced database was kept (restore over a project).
    pub kept: Option<PathBuf>,
}

/// Copies the project to `out`, a folder that does not exist or is empty. The copy is
/// checked (SQLite integrity) before this returns.
pub fn backup(project: &Project, out: &Path) -> Result<Copied> {
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Other(format!(
            "{}: not empty; back up into a new folder",
            out.display()
        )));
    }
    let qdir = out.join(DIR_NAME);
    std::fs::create_dir_all(&qdir).map_err(|e| io(&qdir, e))?;
    let db = qdir.join("quarry.db");
    project.store().copy_to(&db)?;
    let codebooks = copy_codebooks(&project.root().join(CODEBOOK_DIR), &out.join(CODEBOOK_DIR))?;
    let copy = Store::open(&db)?;
    let problems = copy.integrity_problems()?;
    if !problems.is_empty() {
        return Err(Error::Other(format!(
            "{}: the copy does not check out: {}",
            db.display(),
            problems.join("; ")
        )));
    }
    let (documents, segments, decisions) = copy.totals()?;
    Ok(Copied {
        path: out.to_path_buf(),
        documents,
        segments,
        decisions,
        codebooks,
        kept: None,
    })
}

/// Restores the backup folder `from` into `to`. A project already in `to` is replaced only
/// with `replace`, and its database is first copied to `.quarry/before-restore-TIME.db`.
/// The backup is checked before anything is changed; the index is rebuilt after.
pub fn restore(from: &Path, to: &Path, replace: bool) -> Result<Copied> {
    let source_db = from.join(DIR_NAME).join("quarry.db");
    if !source_db.is_file() {
        return Err(Error::Other(format!(
            "{}: not a quarry backup (no {DIR_NAME}/quarry.db in it)",
            from.display()
        )));
    }
    let source = Store::open(&source_db)?;
    let problems = source.integrity_problems()?;
    if !problems.is_empty() {
        return Err(Error::Other(format!(
            "{}: the backup is damaged, nothing was restored: {}",
            source_db.display(),
            problems.join("; ")
        )));
    }
    let target_db = to.join(DIR_NAME).join("quarry.db");
    let mut kept = None;
    if target_db.exists() {
        if !replace {
            return Err(Error::Other(format!(
                "{} holds a project; give --replace to replace it (its database is kept \
                 beside it first)",
                to.display()
            )));
        }
        let mut current = Store::open(&target_db)?;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = to.join(DIR_NAME).join(format!("before-restore-{secs}.db"));
        current.copy_to(&aside)?;
        kept = Some(aside);
        current.replace_with(&source)?;
    } else {
        let qdir = to.join(DIR_NAME);
        std::fs::create_dir_all(&qdir).map_err(|e| io(&qdir, e))?;
        source.copy_to(&target_db)?;
    }
    drop(source);
    let codebooks = copy_codebooks(&from.join(CODEBOOK_DIR), &to.join(CODEBOOK_DIR))?;
    let project = Project::open(to)?;
    project.reindex()?;
    let (documents, segments, decisions) = project.store().totals()?;
    Ok(Copied {
        path: to.to_path_buf(),
        documents,
        segments,
        decisions,
        codebooks,
        kept,
    })
}

/// Copies the codebook files of `from` (if any) into `to`. A different file already there
/// is kept as `NAME.before-restore`.
fn copy_codebooks(from: &Path, to: &Path) -> Result<usize> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    let mut n = 0;
    for e in entries {
        let e = e.map_err(|e| io(from, e))?;
        let src = e.path();
        if !src.is_file() {
            continue;
        }
        std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
        let dest = to.join(e.file_name());
        let bytes = std::fs::read(&src).map_err(|e| io(&src, e))?;
        if dest.exists() {
            let old = std::fs::read(&dest).map_err(|e| io(&dest, e))?;
            if old == bytes {
                continue;
            }
            let mut aside = dest.clone().into_os_string();
            aside.push(".before-restore");
            std::fs::rename(&dest, &aside).map_err(|e| io(&dest, e))?;
        }
        std::fs::write(&dest, bytes).map_err(|e| io(&dest, e))?;
        n += 1;
    }
    Ok(n)
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Other(format!("{}: {e}", path.display()))
}
