//! Cell values as exports write them: missing values, flags, counts and list columns
//! (Python and R lists, words, hashtags, links).

/// Empty, or a spreadsheet's or R's / pandas' word for "no value".
pub(super) fn is_missing(v: &str) -> bool {
    matches!(
        v,
        "" | "NA" | "N/A" | "NaN" | "nan" | "null" | "NULL" | "None" | "none"
    )
}

/// `True`, `TRUE`, `true`, `T`, `yes`, `1` are true; anything else is false.
pub(super) fn flag(v: &str) -> bool {
    ["true", "t", "yes", "y", "1"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
}

/// A count as exports write it: `12`, `1,234`, `3.0`. Anything else is no count.
pub(super) fn count(v: &str) -> Option<u64> {
    if let Ok(n) = v.parse() {
        return Some(n);
    }
    let plain: String = v
        .chars()
        .filter(|&c| c != ',' && c != '_' && c != ' ')
        .collect();
    if let Ok(n) = plain.parse() {
        return Some(n);
    }
    let f: f64 = plain.parse().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
}

/// The items of a list column: `['MedEd', 'HPE']` (Python), `c("MedEd", "HPE")` (R),
/// `MedEd HPE`, `MedEd,HPE`, `#MedEd #HPE`. `sigil` (`#`, `@`) is dropped from each item.
pub(super) fn list(v: &str, sigil: char) -> Vec<String> {
    items(v, true)
        .into_iter()
        .map(|s| s.trim().trim_start_matches(sigil).trim())
        .filter(|s| !is_missing(s))
        .map(str::to_owned)
        .collect()
}

/// Links in a list column: as [`list`], but a comma splits only where a new link starts.
pub(super) fn links(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items(v, false) {
        let mut pieces = item.split(',').map(str::trim);
        let Some(first) = pieces.next() else {
            continue;
        };
        let mut link = first.to_owned();
        for piece in pieces {
            if piece.starts_with("http") || piece.starts_with("www.") {
                out.push(std::mem::replace(&mut link, piece.to_owned()));
            } else {
                link.push(',');
                link.push_str(piece);
            }
        }
        out.push(link);
    }
    out.retain(|l| !is_missing(l));
    out
}

/// The raw items of a list value: the quoted strings when it has quotes, else the words
/// (split at commas and semicolons too when `commas`).
fn items(v: &str, commas: bool) -> Vec<&str> {
    let v = v.trim();
    let inner = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .or_else(|| v.strip_prefix("c(").and_then(|s| s.strip_suffix(')')))
        .unwrap_or(v);
    if !inner.contains(['\'', '"']) {
        return inner
            .split(|c: char| c.is_whitespace() || (commas && (c == ',' || c == ';')))
            .filter(|s| !s.is_empty())
            .collect();
    }
    let mut out = Vec::new();
    let mut rest = inner;
    while let Some(i) = rest.find(['\'', '"']) {
        let quote = if rest.as_bytes()[i] == b'"' {
            '"'
        } else {
            '\''
        };
        let body = &rest[i + 1..];
        match body.find(quote) {
            Some(j) => {
                out.push(&body[..j]);
                rest = &body[j + 1..];
            }
            None => {
                out.push(body);
                break;
            }
        }
    }
    out
}

/// Whether a `url` value is the post's own address rather than, say, the author's homepage.
pub(super) fn links_to_post(url: &str, id: &str) -> bool {
    url.contains("/status/") || (id.len() >= 5 && url.contains(id))
}
