//! CSV / TSV exports and headerless delimited lines into [`Post`]s.
//! (Being written: see the module's tests for what it must do.)

use super::{PostOptions, Sink};
use std::path::Path;

/// Streams a delimited file into `sink`. `tsv` says the extension was `.tsv`.
pub(crate) fn read(path: &Path, opts: &PostOptions, tsv: bool, sink: &mut Sink) -> Result<(), ()> {
    let _ = (path, opts, tsv, sink);
    Ok(())
}
