//! quarry: find every quote about a topic across interviews and posts, and triage a corpus
//! against a coding framework, with a person deciding every code.
//!
//! The pipeline, one folder a stage, each using only the ones before it: [`text`] (the one
//! analyzer, the query language, the data at the seams), [`ingest`] reads files into
//! documents and segments, [`store`] keeps them in the project's SQLite database (the record),
//! [`index`] builds a tantivy index from it, [`codebook`] loads codebooks, [`project`] holds
//! a study (adding, searching, checking), [`suggest`] applies codebooks, [`review`] records a
//! person's decisions and measures them, [`refi`] and [`report`] export them, and [`ops`]
//! offers one function per user-facing operation to the front ends. See ARCHITECTURE.md.
//!
//! ```no_run
//! use quarry::project::{search, AddConfig, InitConfig, Project};
//! let dir = std::path::Path::new("study");
//! let mut p = Project::init(dir, &InitConfig::default())?;
//! p.add(&AddConfig { paths: vec!["data/sample".into()], ..Default::default() }, &mut |_, _| {})?;
//! let (mut index, _) = p.index()?;
//! let cfg = search::SearchConfig { query: "trust NEAR/5 tweets".into(), limit: 10, ..Default::default() };
//! for hit in search::search(&p, &mut index, &cfg)?.hits {
//!     println!("{} {:?}: {}", hit.segment.document, hit.segment.speaker, hit.segment.text);
//! }
//! # Ok::<(), quarry::Error>(())
//! ```

#![warn(missing_docs)]

pub mod codebook;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod index;
pub mod ingest;
pub mod ops;
pub mod output;
pub mod project;
pub mod refi;
pub mod report;
pub mod review;
pub mod store;
pub mod suggest;
pub mod text;

pub use error::{Error, Result};

/// Tells whoever runs `cargo test` that a check did not run because its data or tool is not
/// here. Written to stderr itself, past the test harness's capture, so the note is seen.
#[cfg(test)]
pub(crate) fn test_skipped(what: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {what}");
}
pub use text::model::{Document, Platform, PostMeta, Role, Segment, Speaker};
