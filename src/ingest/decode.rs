//! Bytes to normalised text: encoding detection and the one normalisation every document gets.
//!
//! UTF-8 (with or without BOM), UTF-16 with a BOM and Windows-1252 are read; then the BOM is
//! dropped, CRLF and lone CR become LF, and the text is put in Unicode NFC. Offsets everywhere
//! else refer to this normalised text. Binary files are refused rather than stored as noise.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Which encoding the bytes were read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
    Windows1252,
}

/// Decodes and normalises a text file's bytes, or says why it is not text.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    let (text, enc) = if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let body = &bytes[bom..];
        if enc == encoding_rs::UTF_8 {
            (utf8_or_1252(body)?, Encoding::Utf8)
        } else {
            let (s, had_errors) = enc.decode_without_bom_handling(body);
            if had_errors {
                return Err("invalid UTF-16 text".into());
            }
            (s.into_owned(), Encoding::Utf16)
        }
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), Encoding::Utf8),
            Err(_) => (utf8_or_1252(bytes)?, Encoding::Windows1252),
        }
    };
    if text.contains('\0') {
        return Err("this looks like a binary file (it holds NUL bytes), not text".into());
    }
    Ok((normalize(&text), enc))
}

fn utf8_or_1252(bytes: &[u8]) -> Result<String, String> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let controls = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    if controls * 100 > bytes.len().max(1) {
        return Err("this looks like a binary file, not text".into());
    }
    let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Ok(s.into_owned())
}

/// Line ends to LF, NFC. (Strings from parsers of other formats go through this too.)
pub(crate) fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lf = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    };
    match is_nfc_quick(lf.chars()) {
        IsNormalized::Yes => lf,
        _ => lf.nfc().collect(),
    }
}

/// The content hash used to notice re-adds and changed files.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    crate::text::model::fnv1a(bytes)
}

/// If `at` starts with an HTML character reference (`&amp; &lt; &gt; &quot; &apos; &nbsp;
/// &lrm; &rlm;`, `&#39;`, `&#x1F600;`), the character and the reference's length in bytes. Captions and post
/// exports both carry them.
pub(crate) fn entity_at(at: &str) -> Option<(char, usize)> {
    let inner = at.strip_prefix('&')?;
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .unwrap_or(inner.len());
    if name_len == 0 || name_len > 32 || !inner[name_len..].starts_with(';') {
        return None;
    }
    let name = &inner[..name_len];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "lrm" => '\u{200e}',
        "rlm" => '\u{200f}',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
                    number.parse::<u32>().ok()?
                }
                _ => return None,
            };
            char::from_u32(code).filter(|c| *c != '\0')?
        }
    };
    Some((decoded, name_len + 2))
}

/// Decodes the character references in a string; unknown or malformed ones stay as written.
pub(crate) fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        let (before, at) = rest.split_at(pos);
        out.push_str(before);
        match entity_at(at) {
            Some((decoded, len)) => {
                out.push(decoded);
                rest = &at[len..];
            }
            None => {
                out.push('&');
                rest = &at[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_normalisation() {
        assert_eq!(decode(b"\xef\xbb\xbfa\r\nb\rc").unwrap().0, "a\nb\nc");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("café\r\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(
            decode(&utf16).unwrap(),
            ("café\n".to_string(), Encoding::Utf16)
        );
        assert_eq!(
            decode(b"caf\xe9 \x93quoted\x94").unwrap(),
            ("café “quoted”".to_string(), Encoding::Windows1252)
        );
        // NFD input comes out NFC.
        assert_eq!(decode("cafe\u{301}".as_bytes()).unwrap().0, "café");
        assert!(decode(b"PK\x03\x04\x00\x00binary").is_err());
        assert_eq!(decode(b"").unwrap().0, "");
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_ne!(hash(b"a"), hash(b"b"));
    }
}
