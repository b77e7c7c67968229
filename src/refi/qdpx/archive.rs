//! Where a project's files are read from: a zip archive or the folder of a bare
//! `project.qde`, with the limits that keep a hostile archive from filling memory and the
//! entry names that would lead outside it refused.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use super::QdpxError;

/// How much an archive may hold: what it unpacks to in all, how many entries, and how large
/// `project.qde` may be.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) total: u64,
    pub(super) entries: usize,
    pub(super) qde: u64,
}

pub(super) const LIMITS: Limits = Limits {
    total: 1 << 30,
    entries: 100_000,
    qde: 512 << 20,
};

/// Why an archive entry name (or a relative path) is unsafe to follow: it is absolute, or
/// climbs out with `..`.
pub(super) fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        Some("an absolute path")
    } else if name.as_bytes().get(1) == Some(&b':') {
        Some("a path with a drive letter")
    } else if name.split(['/', '\\']).any(|part| part == "..") {
        Some("a path with `..`")
    } else if name.contains('\0') {
        Some("a name with a NUL character")
    } else {
        None
    }
}

/// `1 GiB`, `3 MiB`, `100 bytes`.
fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Where a project's files are read from: a zip archive, or the folder of a bare
/// `project.qde`. Keeps count of the bytes read against the limit.
pub(super) struct Files {
    /// The archive, or the `.qde`.
    path: PathBuf,
    limits: Limits,
    /// Bytes that may still be unpacked.
    left: u64,
    kind: Kind,
}

enum Kind {
    Zip {
        archive: Box<ZipArchive<BufReader<File>>>,
        /// Entry name to index.
        exact: HashMap<String, usize>,
        /// Lowercase entry name to index (the first of equals), for tools that change case.
        folded: HashMap<String, usize>,
    },
    Dir(PathBuf),
}

impl Files {
    pub(super) fn open(path: &Path, limits: Limits) -> Result<Files, QdpxError> {
        let io = |source| QdpxError::Io {
            path: path.to_path_buf(),
            entry: None,
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let mut magic = Vec::with_capacity(2);
        (&mut file).take(2).read_to_end(&mut magic).map_err(io)?;
        if magic != b"PK" {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            return Ok(Files {
                path: path.to_path_buf(),
                limits,
                left: limits.total,
                kind: Kind::Dir(dir),
            });
        }
        std::io::Seek::rewind(&mut file).map_err(io)?;
        let bad = |e: zip::result::ZipError| QdpxError::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let refused = |entry: Option<&str>, reason: String| QdpxError::Refused {
            path: path.to_path_buf(),
            entry: entry.map(str::to_string),
            reason,
        };
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(bad)?;
        if archive.len() > limits.entries {
            return Err(refused(
                None,
                format!(
                    "the archive has {} entries; quarry reads at most {}",
                    archive.len(),
                    limits.entries
                ),
            ));
        }
        let (mut exact, mut folded) = (HashMap::new(), HashMap::new());
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(bad)?;
            let name = entry.name().to_string();
            if let Some(why) = unsafe_name(&name) {
                return Err(refused(
                    Some(&name),
                    format!("{why}: the entries of a .qdpx must stay inside it"),
                ));
            }
            total = total.saturating_add(entry.size());
            if total > limits.total {
                return Err(refused(
                    Some(&name),
                    format!(
                        "the archive unpacks to more than {}; quarry reads at most that",
                        human_size(limits.total)
                    ),
                ));
            }
            if !entry.is_dir() {
                folded.entry(name.to_lowercase()).or_insert(i);
                exact.insert(name, i);
            }
        }
        Ok(Files {
            path: path.to_path_buf(),
            limits,
            left: limits.total,
            kind: Kind::Zip {
                archive: Box::new(archive),
                exact,
                folded,
            },
        })
    }

    /// Where files are looked for, for messages.
    pub(super) fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Zip { .. } => "the archive",
            Kind::Dir(_) => "the folder of project.qde",
        }
    }

    fn refused(&self, entry: Option<&str>, reason: String) -> QdpxError {
        QdpxError::Refused {
            path: self.path.clone(),
            entry: entry.map(str::to_string),
            reason,
        }
    }

    /// The bytes of `project.qde` and its entry name (None for a bare `.qde`).
    pub(super) fn project_qde(&mut self) -> Result<(Option<String>, Vec<u8>), QdpxError> {
        let limit = self.limits.qde;
        match &self.kind {
            Kind::Dir(_) => {
                let path = self.path.clone();
                let bytes = self.read_file(&path, None, limit)?;
                Ok((None, bytes))
            }
            Kind::Zip { exact, folded, .. } => {
                let single_qde = || {
                    let mut qde = exact
                        .iter()
                        .filter(|(n, _)| n.to_lowercase().ends_with(".qde"));
                    match (qde.next(), qde.next()) {
                        (Some((_, &i)), None) => Some(i),
                        _ => None,
                    }
                };
                let Some(i) = exact
                    .get("project.qde")
                    .or_else(|| folded.get("project.qde"))
                    .copied()
                    .or_else(single_qde)
                else {
                    return Err(QdpxError::Invalid {
                        path: self.path.clone(),
                        message: "the archive holds no project.qde: not a REFI-QDA project".into(),
                    });
                };
                let (name, bytes) = self.read_entry(i, limit)?;
                Ok((Some(name), bytes))
            }
        }
    }

    /// The bytes of the file `name` (a safe relative path), or None when there is none.
    pub(super) fn get(&mut self, name: &str) -> Result<Option<Vec<u8>>, QdpxError> {
        let left = self.left;
        match &self.kind {
            Kind::Dir(dir) => {
                let path = dir.join(name);
                if !path.is_file() {
                    return Ok(None);
                }
                self.read_file(&path, Some(name), left).map(Some)
            }
            Kind::Zip { exact, folded, .. } => {
                let Some(i) = exact
                    .get(name)
                    .or_else(|| folded.get(&name.to_lowercase()))
                    .copied()
                else {
                    return Ok(None);
                };
                self.read_entry(i, left).map(|(_, bytes)| Some(bytes))
            }
        }
    }

    /// Reads a file of a bare project, at most `limit` bytes (and what is left).
    fn read_file(
        &mut self,
        path: &Path,
        name: Option<&str>,
        limit: u64,
    ) -> Result<Vec<u8>, QdpxError> {
        let limit = limit.min(self.left);
        let io = |source| QdpxError::Io {
            path: path.to_path_buf(),
            entry: None,
            source,
        };
        let mut bytes = Vec::new();
        File::open(path)
            .map_err(io)?
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > limit {
            return Err(self.refused(
                name,
                format!("{} is larger than {}", path.display(), human_size(limit)),
            ));
        }
        self.left -= bytes.len() as u64;
        Ok(bytes)
    }

    /// Unpacks entry `i`, at most `limit` bytes (and what is left), whatever size it claims.
    fn read_entry(&mut self, i: usize, limit: u64) -> Result<(String, Vec<u8>), QdpxError> {
        let limit = limit.min(self.left);
        let Kind::Zip { archive, .. } = &mut self.kind else {
            unreachable!("read_entry is called for archives only")
        };
        let path = self.path.clone();
        let entry = archive.by_index(i).map_err(|e| QdpxError::Zip {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|source| QdpxError::Io {
                path: path.clone(),
                entry: Some(name.clone()),
                source,
            })?;
        if bytes.len() as u64 > limit {
            let reason = if limit == self.limits.qde {
                format!("project.qde is larger than {}", human_size(limit))
            } else {
                format!(
                    "the archive unpacks to more than {}; quarry reads at most that",
                    human_size(self.limits.total)
                )
            };
            return Err(self.refused(Some(&name), reason));
        }
        self.left -= bytes.len() as u64;
        Ok((name, bytes))
    }
}
