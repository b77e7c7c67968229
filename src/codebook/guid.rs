//! Codes' GUIDs, as REFI-QDA codebooks and projects carry them: UUIDv5 of the code id, so an
//! export gives the same GUIDs every time and a codebook imported earlier is recognised.

use uuid::Uuid;

/// The GUID of a code: UUIDv5 of its id, in quarry's namespace.
pub fn guid(code_id: &str) -> Uuid {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://quarry.invalid/codebook");
    Uuid::new_v5(&namespace, code_id.as_bytes())
}

/// The GUID of a quarry code: the one the `.qdc` codebook export gives it (UUIDv5 of the id).
pub fn code_guid(code_id: &str) -> String {
    guid(code_id).to_string()
}

/// Whether the schema accepts `guid` (`8-4-4-4-12` hex digits, optionally in braces).
pub fn is_guid(guid: &str) -> bool {
    let bare = guid
        .strip_prefix('{')
        .and_then(|g| g.strip_suffix('}'))
        .unwrap_or(guid);
    bare.len() == 36
        && bare.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
