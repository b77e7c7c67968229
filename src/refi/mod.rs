//! REFI-QDA projects to and from the project database.
//!
//! [`export()`] maps the record to a [`RefiProject`](qdpx::RefiProject) and writes it as a
//! `.qdpx`: the coders as users, each codebook's tree (codes keep the GUIDs the `.qdc` export
//! gives them), every document as a plain-text source with its attributes, every participant
//! as a case, and one selection with one coding per standing accepted code (the turn's span,
//! in code points). What the format has no place for (rejected suggestions, suggestions
//! nobody decided on, post metadata) goes into notes and a "not exported" list.
//!
//! [`import()`] reads another tool's project into this one: sources become documents split
//! into turns as on `add`, codes are matched by GUID to the codebooks the project knows (so a
//! project exported from quarry comes back onto its own codebooks) or written as a new
//! codebook file, and each coding becomes a decision of its user on every turn its selection
//! covers. quarry codes whole turns: a selection's exact span is not kept.
//!
//! The folder: `export.rs` and `import.rs` do the mapping, step by step; `decisions_note.rs`
//! keeps quarry's decisions (rejections too) in a note the export writes and the import reads
//! back; [`qdpx`] reads and writes the `.qdpx` format as plain data; [`qdc`] reads and writes
//! `.qdc` codebooks.

pub mod qdc;
pub mod qdpx;

mod decisions_note;
mod export;
mod import;

pub use crate::project::CODEBOOK_DIR;
pub use export::{export, ExportConfig, ExportReport};
pub use import::{import, ImportConfig, ImportReport};

use crate::review::quality;
use std::collections::BTreeMap;

/// The standing decisions, by (coder, codebook, segment, code).
type Standing<'a> = BTreeMap<quality::VerdictKey, quality::Verdict<'a>>;

/// The GUID of the top-level code that stands for a whole codebook.
fn book_guid(id: &str) -> String {
    qdpx::stable_guid("codebook", id)
}
