//! Tidy: rules about the code itself, checked by reading the sources (issue 16).
//!
//! - The folders under `src/` are layers, each importing only from the layers below it
//!   ([`LAYERS`]); two folders of one layer do not import each other. So the module graph
//!   over folders has no circle, which [`folder_graph_has_no_circle`] checks on its own by
//!   sorting the graph. `cargo test --test it tidy -- --nocapture` prints the graph.
//! - Only `index/` names tantivy, only `store/` names rusqlite (runs SQL), only `cli/` names
//!   clap, and only `review/` (over `store/`) writes or undoes decisions.
//! - No function outside tests is longer than 150 lines; no file is longer than 1,200 lines;
//!   every file opens with a `//!` doc saying what it does.
//!
//! Test code (`#[cfg(test)]` modules, `tests.rs` files) is free to import what it needs.
//! The rules are checked on the tree, and each one is shown to fail on a deliberately bad
//! source, so a rule that cannot fail would be noticed.

use super::repo;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, lowest first. A folder (or foundation file) may import from a lower rank only,
/// or from inside itself. `cli` is the binary's; it sees the library as `quarry::`.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("output", 0),
    ("text", 1),
    ("ingest", 2),
    ("store", 3),
    ("index", 3),
    ("codebook", 4),
    ("project", 5),
    ("suggest", 6),
    ("review", 7),
    ("refi", 8),
    ("report", 8),
    ("ops", 9),
    ("fuzz", 9),
    ("web", 10),
    ("cli", 11),
];

/// Names the crate root re-exports, and the layer they belong to.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("Result", "error"),
    ("Document", "text"),
    ("Platform", "text"),
    ("PostMeta", "text"),
    ("Role", "text"),
    ("Segment", "text"),
    ("Speaker", "text"),
];

/// The longest function outside tests, in lines.
const MAX_FN_LINES: usize = 150;
/// The longest file, in lines.
const MAX_FILE_LINES: usize = 1200;

/// Calls that write or undo a decision: only `review/` makes them (and `store/` defines them).
const DECISION_WRITES: &[&str] = &[".decide(", ".decide_batch(", ".undo_last(", ".undo_batch("];

/// A source file: its path under `src/` and its text.
struct Source {
    path: String,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = repo().join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Source>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(Source {
                path: p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                text: std::fs::read_to_string(&p).expect("read source"),
            });
        }
    }
}

/// The layer a file belongs to: its first folder, or its name for a file at the top
/// (`main.rs` is the binary's, so `cli`; `lib.rs` is none).
fn layer_of(path: &str) -> Option<&'static str> {
    let first = path.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    let name = if name == "main" { "cli" } else { name };
    LAYERS.iter().map(|(l, _)| *l).find(|l| *l == name)
}

fn rank(layer: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(l, _)| *l == layer)
        .map(|(_, r)| *r)
        .expect("a known layer")
}

/// Whether a file is part of the binary (where the library is `quarry::`).
fn in_binary(path: &str) -> bool {
    path == "main.rs" || path.starts_with("cli/") || path.starts_with("web/")
}

/// The text of a file without its tests and comments: what the rules look at. Line numbers
/// stay (removed lines are left empty). An item under `#[cfg(test)]` runs to the `}` at its
/// own indent, as rustfmt lays it out.
fn code_of(s: &Source) -> String {
    if s.path.ends_with("/tests.rs") || s.path == "tests.rs" {
        return String::new();
    }
    let lines: Vec<&str> = s.text.lines().collect();
    let mut kept = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            let indent = &line[..line.len() - t.len()];
            let close = format!("{indent}}}");
            // The item it marks: a line ending in `;`, or a block to its closing brace.
            let mut end = i + 1;
            let one_line = |l: &str| l.trim_end().ends_with(';') || l.trim_end().ends_with("{}");
            if !lines.get(end).is_some_and(|l| one_line(l)) {
                while end < lines.len() && lines[end].trim_end() != close {
                    end += 1;
                }
            }
            for _ in i..=end.min(lines.len() - 1) {
                kept.push('\n');
            }
            i = end + 1;
            continue;
        }
        if !t.starts_with("//") {
            kept.push_str(strip_trailing_comment(line));
        }
        kept.push('\n');
        i += 1;
    }
    kept
}

/// A line without a `//` comment at its end (one outside a string literal).
fn strip_trailing_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            '/' if !in_str && prev == '/' => return &line[..i - 1],
            _ => {}
        }
        prev = c;
    }
    line
}

/// The layers a file's code names: `crate::X` (or, in the binary, `quarry::X`), with groups
/// `crate::{a, b::c}` opened.
fn imports(path: &str, code: &str) -> BTreeSet<&'static str> {
    let prefixes: &[&str] = if in_binary(path) {
        &["quarry::", "crate::"]
    } else {
        &["crate::"]
    };
    let mut found = BTreeSet::new();
    for prefix in prefixes {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                top_level_names(group)
            } else {
                vec![leading_ident(rest)]
            };
            for name in names {
                let layer = if *prefix == "crate::" && in_binary(path) {
                    // The binary's own modules: the front ends, cli and web.
                    match name {
                        "web" => Some("web"),
                        _ => Some("cli"),
                    }
                } else {
                    resolve(name)
                };
                if let Some(l) = layer {
                    found.insert(l);
                }
            }
        }
    }
    found
}

/// The layer a first path segment names: a layer, or an item the crate root re-exports.
fn resolve(name: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .map(|(l, _)| *l)
        .find(|l| *l == name)
        .or_else(|| ROOT_ITEMS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l))
}

fn leading_ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment of each item of a `{...}` group (the text after the `{`).
fn top_level_names(group: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut start = Some(0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = Some(i + 1),
            _ => {}
        }
        if let Some(s) = start {
            let item = group[s..].trim_start();
            if !item.is_empty() && !item.starts_with(',') {
                names.push(leading_ident(item));
                start = None;
            }
        }
    }
    names
}

/// Every rule broken by `files` (path under `src/`, text), one line each.
fn problems(files: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for s in files {
        let code = code_of(s);
        let here = layer_of(&s.path);
        if let Some(here) = here {
            for there in imports(&s.path, &code) {
                if there != here && rank(there) >= rank(here) {
                    out.push(format!(
                        "src/{}: {here} (layer {}) imports {there} (layer {}): only lower layers",
                        s.path,
                        rank(here),
                        rank(there)
                    ));
                }
            }
        }
        for (word, only) in [
            ("tantivy::", "index"),
            ("rusqlite", "store"),
            ("clap::", "cli"),
        ] {
            if code.contains(word) && here != Some(only) {
                out.push(format!(
                    "src/{}: names `{word}`, which only {only}/ may",
                    s.path
                ));
            }
        }
        if !matches!(here, Some("review" | "store")) {
            for call in DECISION_WRITES {
                if code.contains(call) {
                    out.push(format!(
                        "src/{}: calls `{call}`: only review/ writes decisions",
                        s.path
                    ));
                }
            }
        }
        let lines = s.text.lines().count();
        if lines > MAX_FILE_LINES {
            out.push(format!(
                "src/{}: {lines} lines (at most {MAX_FILE_LINES})",
                s.path
            ));
        }
        if !s.text.starts_with("//!") {
            out.push(format!("src/{}: does not open with a `//!` doc", s.path));
        }
        for (name, line, n) in long_functions(&code) {
            out.push(format!(
                "src/{}:{line}: fn {name} is {n} lines (at most {MAX_FN_LINES})",
                s.path
            ));
        }
    }
    out
}

/// Functions longer than [`MAX_FN_LINES`]: (name, first line, lines), from where `fn` starts
/// a line to the `}` at the same indent.
fn long_functions(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        let sig = t
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("const ")
            .trim_start_matches("unsafe ");
        let Some(rest) = sig.strip_prefix("fn ") else {
            continue;
        };
        let close = format!("{indent}}}");
        let Some(end) = lines[i..]
            .iter()
            .position(|l| l.trim_end() == close || (l.trim_end().ends_with(';') && *l == *line))
        else {
            continue;
        };
        if end + 1 > MAX_FN_LINES {
            out.push((leading_ident(rest).to_string(), i + 1, end + 1));
        }
    }
    out
}

/// The folder graph: which layer's code names which other layer.
fn graph(files: &[Source]) -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut g: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for s in files {
        if let Some(here) = layer_of(&s.path) {
            let to = g.entry(here).or_default();
            for there in imports(&s.path, &code_of(s)) {
                if there != here {
                    to.insert(there);
                }
            }
        }
    }
    g
}

/// A circle in `g`, if there is one (depth-first search).
fn circle(g: &BTreeMap<&'static str, BTreeSet<&'static str>>) -> Option<Vec<&'static str>> {
    fn visit(
        n: &'static str,
        g: &BTreeMap<&'static str, BTreeSet<&'static str>>,
        state: &mut BTreeMap<&'static str, u8>,
        path: &mut Vec<&'static str>,
    ) -> Option<Vec<&'static str>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut c = path[from..].to_vec();
                c.push(n);
                return Some(c);
            }
            _ => {}
        }
        state.insert(n, 1);
        path.push(n);
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_tree_keeps_every_rule() {
    let files = sources();
    assert!(files.len() > 50, "read {} files under src/", files.len());
    for s in &files {
        assert!(
            s.path == "lib.rs" || layer_of(&s.path).is_some(),
            "src/{} is in no layer: add its folder to LAYERS and ARCHITECTURE.md",
            s.path
        );
    }
    let p = problems(&files);
    assert!(p.is_empty(), "{} problems:\n{}", p.len(), p.join("\n"));
}

#[test]
fn folder_graph_has_no_circle() {
    let g = graph(&sources());
    for (from, to) in &g {
        println!(
            "{from} -> {}",
            to.iter().copied().collect::<Vec<_>>().join(" ")
        );
    }
    assert!(g.len() >= 12, "{g:?}");
    assert_eq!(circle(&g), None);
}

fn src(path: &str, text: &str) -> Source {
    Source {
        path: path.to_string(),
        text: format!("//! A file.\n{text}"),
    }
}

#[test]
fn rules_fail_on_bad_sources() {
    let bad = [
        (
            "store/x.rs",
            "use crate::review::Queue;\n",
            "store (layer 3) imports review",
        ),
        (
            "store/x.rs",
            "use crate::{text::model::Segment, suggest::Unit};\n",
            "imports suggest",
        ),
        (
            "index/x.rs",
            "fn f() { crate::store::Store::open(); }\n",
            "index (layer 3) imports store",
        ),
        (
            "text/x.rs",
            "use crate::Segment;\nuse crate::project::Project;\n",
            "imports project",
        ),
        ("cli/x.rs", "use quarry::ops;\nuse crate::cli::print;\n", ""),
        ("review/x.rs", "use tantivy::Term;\n", "names `tantivy::`"),
        (
            "project/x.rs",
            "fn f(c: &rusqlite::Connection) {}\n",
            "names `rusqlite`",
        ),
        ("ops/x.rs", "use clap::Parser;\n", "names `clap::`"),
        (
            "ops/x.rs",
            "fn f() { p.store_mut().decide_batch(&d); }\n",
            "only review/ writes",
        ),
        (
            "refi/x.rs",
            "fn f() { s.undo_last(\"ana\"); }\n",
            "only review/ writes",
        ),
    ];
    for (path, text, expect) in bad {
        let p = problems(&[src(path, text)]);
        if expect.is_empty() {
            assert!(p.is_empty(), "{path}: {text}: {p:?}");
        } else {
            assert!(
                p.iter().any(|l| l.contains(expect)),
                "{path}: {text}: {p:?}"
            );
        }
    }
    // Test code and comments are not imports.
    let tests =
        "// see crate::review\n#[cfg(test)]\nmod tests {\n    use crate::review::Queue;\n}\n";
    assert!(problems(&[src("store/x.rs", tests)]).is_empty());
    // Sizes and docs.
    let long = format!("fn f() {{\n{}}}\n", "    let x = 1;\n".repeat(MAX_FN_LINES));
    assert!(problems(&[src("store/x.rs", &long)])[0].contains("fn f is 152 lines"));
    let big = "const X: u8 = 1;\n".repeat(MAX_FILE_LINES);
    assert!(problems(&[src("store/x.rs", &big)])[0].contains("1201 lines"));
    let undocumented = Source {
        path: "store/x.rs".into(),
        text: "use std::io;\n".into(),
    };
    assert!(problems(&[undocumented])[0].contains("`//!` doc"));
    // A circle is found.
    let g: BTreeMap<&str, BTreeSet<&str>> = [
        ("store", BTreeSet::from(["text"])),
        ("text", BTreeSet::from(["review"])),
        ("review", BTreeSet::from(["store"])),
    ]
    .into_iter()
    .collect();
    assert_eq!(circle(&g), Some(vec!["review", "store", "text", "review"]));
}
