//! Looking after a project and its user: verify (and repair) it, back it up and restore it,
//! and the user's settings.

use crate::project::backup::{self, Copied};
use crate::project::check::{self, CheckConfig, CheckReport};
use crate::project::Project;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Verifies the database file, every segment's offsets, every decision's code and the index
/// against the database; with `repair`, rebuilds the index when it disagrees.
pub fn check(p: &Project, cfg: &CheckConfig) -> Result<CheckReport> {
    check::run(p, cfg)
}

/// Copies the project, consistently, into a new folder `out` (itself a project).
pub fn backup(p: &Project, out: &Path) -> Result<Copied> {
    backup::backup(p, out)
}

/// Restores a backup into `to`: a new folder, or a project with `replace` (its database is
/// kept beside it first). The index is rebuilt.
pub fn restore(from: &Path, to: &Path, replace: bool) -> Result<Copied> {
    backup::restore(from, to, replace)
}

/// A setting, after [`config`].
pub enum Setting {
    /// The coder was set to `value`, in the settings file `path`.
    Set {
        /// The value stored.
        value: String,
        /// The settings file.
        path: PathBuf,
    },
    /// Who the coder is (None: not set).
    Coder(Option<String>),
}

/// Reads a setting (`key` None or `coder`), or sets one when `value` is given. The only
/// setting is `coder`, who you are when coding.
pub fn config(key: Option<&str>, value: Option<String>) -> Result<Setting> {
    match (key, value) {
        (Some("coder"), Some(v)) => {
            if v.trim().is_empty() {
                return Err(Error::Other("a coder's name cannot be blank".into()));
            }
            let path = crate::review::set_config("coder", v.trim())?;
            Ok(Setting::Set {
                value: v.trim().to_string(),
                path,
            })
        }
        (Some("coder"), None) | (None, _) => Ok(Setting::Coder(crate::review::coder(None).ok())),
        (Some(k), _) => Err(Error::Other(format!(
            "unknown setting {k:?} (settings: coder)"
        ))),
    }
}
