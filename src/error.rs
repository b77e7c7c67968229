//! Errors of the library: one enum per stage, wrapped by [`Error`].
//!
//! Every variant carries what a person needs to fix the problem: the file, the line or column,
//! the segment. The binary adds its own context and prints the chain; the library never prints.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error the library can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Finding, creating or opening a project.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The project database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A query that does not parse.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Reading or parsing one input file.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Reading or writing a spreadsheet.
    #[error(transparent)]
    Sheet(#[from] SheetError),
    /// Reading or writing a REFI-QDA project.
    #[error(transparent)]
    Refi(#[from] QdpxError),
    /// A codebook file that does not load.
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    /// Reading the terminal or writing output.
    #[error("input/output: {0}")]
    Io(#[from] std::io::Error),
    /// Anything else, with a message in plain words.
    #[error("{0}")]
    Other(String),
}

/// Problems finding or creating a project.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No `.quarry` folder here or above.
    #[error(
        "no quarry project in {0} or any folder above it; create one with `quarry init`, \
         or point to one with --project DIR or QUARRY_PROJECT"
    )]
    NotFound(PathBuf),
    /// `init` on a folder that already has a project.
    #[error("{0} already holds a quarry project")]
    Exists(PathBuf),
    /// An unsupported language or stemmer.
    #[error("{0}")]
    Config(String),
    /// A filesystem error with the path it concerns.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Problems with the SQLite project database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An SQLite error, with what was being done.
    #[error("project database ({context}): {source}")]
    Sqlite {
        /// What quarry was doing.
        context: &'static str,
        /// The SQLite error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A database written by a newer quarry.
    #[error("the project database has schema version {found}, newer than this quarry ({supported}); upgrade quarry")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// Something named by the user that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request that conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
}

/// Problems with the tantivy index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A tantivy error, with what was being done.
    #[error("search index ({context}): {source}; `quarry reindex` rebuilds it from the database")]
    Tantivy {
        /// What quarry was doing.
        context: &'static str,
        /// The tantivy error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Filesystem trouble in the index folder.
    #[error("search index {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A query or rule that does not parse, with the column (1-based, in characters) of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct QueryError {
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A file that could not be read or parsed. Displays as `path:line: what is wrong`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct IngestError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, where there is one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// A note rather than an error: something was left out on purpose (posts without
    /// text, repeated ids) and the file is otherwise fine.
    pub note: bool,
}

impl IngestError {
    /// A note about a file: reported, but the file was read as it should be.
    pub fn note(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        IngestError {
            path: path.into(),
            line: None,
            message: message.into(),
            note: true,
        }
    }
    /// An error about a whole file.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        IngestError {
            path: path.into(),
            line: None,
            message: message.into(),
            note: false,
        }
    }
    /// An error at one line of a file.
    pub fn at(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        IngestError {
            path: path.into(),
            line: Some(line),
            message: message.into(),
            note: false,
        }
    }
}

/// Problems writing or reading a review sheet. Each names the file, in the
/// `path:line: what is wrong` form of [`crate::error::IngestError`].
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{}: cannot write: {message}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Not a sheet quarry can use: an unknown extension, or content that is not the format
    /// the extension says.
    #[error("{}: {message}", path.display())]
    NotSheet {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A CSV file that cannot be parsed. `line` is the line in the file as a text editor
    /// shows it.
    #[error("{}:{line}: {message}", path.display())]
    BadCsv {
        /// The file.
        path: PathBuf,
        /// 1-based line of the text file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A sheet with no rows at all.
    #[error("{}: no header row: the first row should name the columns", path.display())]
    NoHeader {
        /// The file.
        path: PathBuf,
    },
    /// A file above the size limits.
    #[error("{}: {message}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Which limit, and by how much.
        message: String,
    },
}

/// A `.qdpx` or `.qde` that could not be written or read, naming the file (and the archive
/// entry) and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum QdpxError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", place(.path, .entry.as_deref()))]
    Io {
        /// The file.
        path: PathBuf,
        /// The archive entry, if it was one.
        entry: Option<String>,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not a readable zip archive.
    #[error("{}: not a readable .qdpx (zip) archive: {message}", .path.display())]
    Zip {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The archive was refused: an unsafe entry name, too many entries, too large.
    #[error("{}: refused: {reason}", place(.path, .entry.as_deref()))]
    Refused {
        /// The archive (or `.qde`).
        path: PathBuf,
        /// The entry refused, if one is to blame.
        entry: Option<String>,
        /// Why.
        reason: String,
    },
    /// `project.qde` is not well-formed XML.
    #[error("{}: line {line}, column {column}: {message}", place(.path, .entry.as_deref()))]
    Xml {
        /// The file.
        path: PathBuf,
        /// The archive entry (`project.qde`), if in an archive.
        entry: Option<String>,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Not a REFI-QDA project, or (on export) a project the format cannot hold.
    #[error("{}: {message}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A codebook that could not be read. Displays as `file:line:column: what is wrong`, or only
/// what is wrong when no codebook of that name was found (line 0).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", if *line == 0 { message.clone() } else { format!("{}:{line}:{column}: {message}", path.display()) })]
pub struct CodebookError {
    /// The file (or `built-in:NAME`).
    pub path: PathBuf,
    /// 1-based line; 0 when there is no such codebook.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// `file` or `file (entry)` for messages.
fn place(path: &std::path::Path, entry: Option<&str>) -> String {
    match entry {
        Some(entry) => format!("{} ({entry})", path.display()),
        None => path.display().to_string(),
    }
}
