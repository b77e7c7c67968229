//! CSV / TSV exports and headerless delimited lines into [`Post`]s.
//! (Being written: see the module's tests for what it must do.)

use super::{PostOptions, Sink};
use std::path::Path;

/// Streams a delimited file into `sink`. `tsv` says the extension was `.tsv`.
pub(crate) fn read(path: &Path, opts: &PostOptions, tsv: bool, sink: &mut Sink) -> Result<(), ()> {
    let _ = (path, opts, tsv, sink);
    Ok(())
}

/// Whether a line looks like `DIGITS|Www Mmm DD HH:MM:SS +ZZZZ YYYY|text`.
pub(crate) fn looks_like_id_date_text(first_line: &str) -> bool {
    let mut f = first_line.splitn(3, '|');
    let (Some(id), Some(date), Some(_)) = (f.next(), f.next(), f.next()) else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && date.split_whitespace().count() == 6
        && super::parse_time(date).is_some()
}
