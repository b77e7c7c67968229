//! Choosing a code by typing: how well a code matches what was typed (names before ids,
//! exact and word-prefix matches first), and the codes a suggestion can be changed to. The
//! terminal review and the web app's picker rank codes with these.

use super::{Item, Queue};

/// The codes a suggestion can be changed to (id, name): its codebook's, less the suggested
/// one; None when its codebook cannot be loaded.
pub fn change_targets(queue: &Queue, item: &Item) -> Option<Vec<(String, String)>> {
    let cb = queue.codebook(&item.suggestion.codebook)?;
    Some(
        cb.codes
            .iter()
            .filter(|c| c.id != item.suggestion.code)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
    )
}

/// The codes matching `filter`, best first (see [`rank`]), in the given order within a rank;
/// all of them when it is empty.
pub fn ranked<'a>(codes: &'a [(String, String)], filter: &str) -> Vec<&'a (String, String)> {
    let mut r: Vec<(u8, &(String, String))> = codes
        .iter()
        .filter_map(|c| Some((rank(filter, &c.0, &c.1)?, c)))
        .collect();
    r.sort_by_key(|(k, _)| *k);
    r.into_iter().map(|(_, c)| c).collect()
}

/// How well a code (`id`, `name`) matches what was typed in the change dialog, ignoring case:
/// 0 the name or id itself, 1 a prefix of the name, 2 every typed word starts a word of the name,
/// 3 the name or id contains the text, 4 its letters appear in that order in the name or id;
/// None: no match. Everything matches an empty filter, at 0.
pub fn rank(filter: &str, id: &str, name: &str) -> Option<u8> {
    let f = filter.trim().to_lowercase();
    let (id, name) = (id.to_lowercase(), name.to_lowercase());
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let typed = words(&f);
    let name_words = words(&name);
    // Typed with spaces where an id has underscores or dots.
    let id_text = id.replace(['_', '.', '-'], " ");
    let in_order = |hay: &str| {
        let mut rest = hay.chars();
        f.chars()
            .filter(|c| !c.is_whitespace())
            .all(|c| rest.any(|h| h == c))
    };
    if f.is_empty() || name == f || id == f {
        Some(0)
    } else if name.starts_with(&f) {
        Some(1)
    } else if !typed.is_empty()
        && typed
            .iter()
            .all(|t| name_words.iter().any(|w| w.starts_with(t.as_str())))
    {
        Some(2)
    } else if name.contains(&f) || id.contains(&f) || id_text.contains(&f) {
        Some(3)
    } else if in_order(&name) || in_order(&id) {
        Some(4)
    } else {
        None
    }
}
