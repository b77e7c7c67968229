//! Output files written whole or not at all. Every writer of a user-facing file (sheets,
//! `.qdpx` exports, quote exports, tuned codebooks) goes through [`write_whole`], so a failed
//! or interrupted write never leaves half a file, and errors name the folder, never the
//! temporary file.

use std::fs::File;
use std::io;
use std::path::Path;

/// Writes `path` whole or not at all: into a temporary file beside it (named from `prefix`),
/// synced, then renamed over it, with the usual permissions (the umask applies; temporary
/// files are private). The folder is checked first, and no error names the temporary file,
/// whose name means nothing to the person. Every export writer goes through here.
pub fn write_whole(
    path: &Path,
    prefix: &str,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = folder_of(path).map_err(|m| io::Error::new(io::ErrorKind::NotFound, m))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let plain = |e: io::Error| io::Error::new(e.kind(), e.kind().to_string());
    let mut tmp = builder.tempfile_in(dir).map_err(plain)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(plain)?;
    tmp.persist(path).map_err(|e| plain(e.error))?;
    Ok(())
}

/// The folder `path` is to be written in (`.` for a bare name), or why not ("the folder X does
/// not exist"), checked before a temporary file is made there so that its name never ends up
/// in an error. Every export writer calls it.
pub fn folder_of(path: &Path) -> Result<&Path, String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!("the folder {} does not exist", dir.display()))
    }
}
