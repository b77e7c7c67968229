//! Text helpers shared by the post readers: HTML entities and markup, times, and the
//! hashtags, mentions and links found in a post's text.

use super::Post;
pub(crate) use crate::ingest::decode::decode_entities;

/// HTML (Mastodon's `content`) to plain text: tags dropped, `<br>` a line break, paragraphs a
/// blank line apart, entities decoded. Script and style content is dropped whole.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find('>') else {
            // A lone `<` is text.
            out.push_str(rest);
            rest = "";
            break;
        };
        let tag = rest[1..end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        rest = &rest[end + 1..];
        match name {
            "br" => out.push('\n'),
            "p" | "div" | "li" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                if tag.starts_with('/') =>
            {
                out.push_str("\n\n")
            }
            "script" | "style" if !tag.starts_with('/') => {
                let close = format!("</{name}");
                match rest.to_ascii_lowercase().find(&close) {
                    Some(j) => rest = &rest[j..],
                    None => rest = "",
                }
            }
            _ => {}
        }
    }
    out.push_str(rest);
    let text = decode_entities(&out).into_owned();
    // At most one blank line in a row, none at the ends.
    let mut clean = String::with_capacity(text.len());
    let mut newlines = 0;
    for c in text.trim().chars() {
        if c == '\n' {
            newlines += 1;
            if newlines <= 2 {
                clean.push(c);
            }
        } else {
            newlines = 0;
            clean.push(c);
        }
    }
    clean
}

/// Seconds since 1970 for a time as exports write it: Twitter's `Fri Dec 26 23:13:35 +0000
/// 2014`, ISO 8601 / RFC 3339 (`2020-12-20 06:06:44`, `2023-04-03T02:50:24.000Z`,
/// `...+02:00`), a bare date, or Unix seconds (Reddit's `created_utc`, also as `1.6e9`-style
/// floats or milliseconds). Times without an offset are taken as UTC.
pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = s.parse().ok()?;
        // Milliseconds (13 digits) are common in exports too.
        let secs = if secs > 1e11 { secs / 1000.0 } else { secs };
        return Some(secs as i64);
    }
    twitter_time(s).or_else(|| iso_time(s))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn twitter_time(s: &str) -> Option<i64> {
    // Fri Dec 26 23:13:35 +0000 2014
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, mon, day, hms, off, year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as u32 + 1;
    let day: u32 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let secs = hms_secs(hms)?;
    let off = offset_secs(off)?;
    Some(days_from_civil(year, month, day)? * 86_400 + secs - off)
}

fn iso_time(s: &str) -> Option<i64> {
    let (date, rest) = if s.len() > 10 {
        (s.get(..10)?, s.get(10..)?)
    } else {
        (s, "")
    };
    let mut d = date.split('-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    // hh:mm[:ss][.fff][Z|±hh:mm|±hhmm| UTC]
    let cut = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(cut);
    let clock = clock.split('.').next()?;
    let secs = hms_secs(clock)?;
    let zone = zone.trim();
    let off = match zone {
        "" | "Z" | "z" | "UTC" | "GMT" | "+00:00" => 0,
        z => offset_secs(&z.replace(':', ""))?,
    };
    Some(days * 86_400 + secs - off)
}

fn hms_secs(s: &str) -> Option<i64> {
    let mut it = s.split(':');
    let h: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let sec: i64 = match it.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if it.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(h * 3600 + m * 60 + sec)
}

fn offset_secs(s: &str) -> Option<i64> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (None if the date does not exist).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2014-12-26T23:13:35Z` for seconds since 1970.
pub(crate) fn iso_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Fills hashtags, mentions and links from the text where the reader found none, and removes
/// repeats.
pub(crate) fn fill_entities(p: &mut Post) {
    let (need_tags, need_mentions, need_links) = (
        p.hashtags.is_empty(),
        p.mentions.is_empty(),
        p.links.is_empty(),
    );
    if need_tags || need_mentions || need_links {
        let text = p.text.as_str();
        let mut i = 0;
        let bytes = text.as_bytes();
        while i < bytes.len() {
            let c = bytes[i];
            let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
            if (c == b'#' || c == b'@') && at_word_start {
                let body = &text[i + 1..];
                let len = body
                    .char_indices()
                    .find(|&(_, ch)| !(ch.is_alphanumeric() || ch == '_'))
                    .map_or(body.len(), |(j, _)| j);
                let word = &body[..len];
                // A hashtag needs a letter (#1 is not a tag); a handle is ASCII.
                if c == b'#' && need_tags && word.chars().any(char::is_alphabetic) {
                    p.hashtags.push(word.to_string());
                } else if c == b'@'
                    && need_mentions
                    && !word.is_empty()
                    && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    p.mentions.push(word.to_string());
                }
                i += 1 + len;
                continue;
            }
            if need_links && at_word_start && (c == b'h' || c == b'w') {
                let rest = &text[i..];
                if rest.starts_with("http://")
                    || rest.starts_with("https://")
                    || rest.starts_with("www.")
                {
                    let len = rest
                        .find(|ch: char| ch.is_whitespace() || matches!(ch, '<' | '>' | '"' | '…'))
                        .unwrap_or(rest.len());
                    let url =
                        rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
                    if url.len() > 8 {
                        p.links.push(url.to_string());
                    }
                    i += len.max(1);
                    continue;
                }
            }
            i += 1;
        }
    }
    dedup(&mut p.hashtags);
    dedup(&mut p.mentions);
    dedup(&mut p.links);
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Removes repeats (case-insensitively for tags and handles), keeping first spellings.
fn dedup(v: &mut Vec<String>) {
    if v.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.to_lowercase()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a &amp; b &lt;3 &#39;x&#x27; &bogus; & c"),
            "a & b <3 'x' &bogus; & c"
        );
        assert_eq!(decode_entities("&#0; &#xZZ;"), "&#0; &#xZZ;");
        assert!(matches!(decode_entities("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn html() {
        let h = r#"<p>Hello <a href="https://x.org/tags/meded">#<span>MedEd</span></a> &amp; friends</p><p>line<br>two</p><script>alert(1)</script>"#;
        assert_eq!(html_to_text(h), "Hello #MedEd & friends\n\nline\ntwo");
        assert_eq!(html_to_text("a < b"), "a < b");
    }

    #[test]
    fn times() {
        let t = parse_time("Fri Dec 26 23:13:35 +0000 2014").unwrap();
        assert_eq!(iso_utc(t), "2014-12-26T23:13:35Z");
        assert_eq!(parse_time("2014-12-26T23:13:35.000Z"), Some(t));
        assert_eq!(parse_time("2014-12-26 23:13:35"), Some(t));
        assert_eq!(parse_time("2014-12-27T01:13:35+02:00"), Some(t));
        assert_eq!(parse_time("Sat Dec 27 01:13:35 +0200 2014"), Some(t));
        assert_eq!(parse_time(&t.to_string()), Some(t));
        assert_eq!(parse_time(&format!("{t}.0")), Some(t));
        assert_eq!(parse_time(&format!("{t}000")), Some(t));
        assert_eq!(
            iso_utc(parse_time("2024-02-29").unwrap()),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(parse_time("2023-02-29"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2014-12-26 25:00"), None);
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn entities_from_text() {
        let mut p = Post {
            text: "Great #MedEd thread by @dr_smith (see https://ex.org/a.) #meded #2 email a@b.c www.x.org/p".into(),
            ..Post::default()
        };
        fill_entities(&mut p);
        assert_eq!(p.hashtags, ["MedEd"]);
        assert_eq!(p.mentions, ["dr_smith"]);
        assert_eq!(p.links, ["https://ex.org/a", "www.x.org/p"]);
    }
}
