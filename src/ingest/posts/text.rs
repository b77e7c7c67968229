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
    use crate::text::time::{iso_utc, parse_time};
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
