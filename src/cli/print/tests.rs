//! Unit tests of the output: safe cells and text, columns and labels, keyword in context.

use super::*;

#[test]
fn csv_cells_never_start_a_formula() {
    assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(csv_cell("+1"), "'+1");
    assert_eq!(csv_cell("-x"), "'-x");
    assert_eq!(csv_cell("@SUM"), "'@SUM");
    assert_eq!(csv_cell("plain"), "plain");
}

#[test]
fn terminal_escapes_are_neutralised() {
    assert_eq!(
        sanitize("a\x1b[31mred\x07", true),
        "a\u{fffd}[31mred\u{fffd}"
    );
    assert_eq!(sanitize("a\nb", true), "a b");
    assert_eq!(sanitize("a\nb", false), "a\nb");
}

#[test]
fn names_are_cut_in_the_middle_and_never_to_the_same_text() {
    let a = "tdf.knowledge_and_skills_of_the_professional.procedural_knowledge";
    let b = "tdf.knowledge_and_skills_of_the_professional.procedural_skills";
    assert_eq!(a[..44], b[..44]);
    let c = cut(a, 20);
    assert_eq!(c.chars().count(), 20);
    assert_eq!(c, "tdf.knowle…knowledge");
    let col = Column::fit([a, b, "short"], 44);
    assert_ne!(col.get(a), col.get(b));
    assert!(col.width <= 44);
    assert_eq!(col.get("short"), "short");
    // Values that differ only in the middle widen the column until they differ.
    let x = format!("{}x{}", "a".repeat(30), "z".repeat(30));
    let y = format!("{}y{}", "a".repeat(30), "z".repeat(30));
    let col = Column::fit([x.as_str(), y.as_str()], 10);
    assert_ne!(col.get(&x), col.get(&y));
    // Names several codes share get their ids; --ids shows ids.
    let mut labels = Labels::default();
    for (c, n) in [("b.x", "Other"), ("b.y", "Other"), ("b.z", "Trust")] {
        labels.names.insert(("b".into(), c.into()), n.into());
    }
    assert_eq!(
        labels.codes([("b", "b.x"), ("b", "b.y"), ("b", "b.z"), ("b", "b.q")]),
        ["Other (b.x)", "Other (b.y)", "Trust", "b.q"]
    );
    labels.ids = true;
    assert_eq!(labels.code("b", "b.z"), "b.z");
}

#[test]
fn kwic_windows_and_marks() {
    let t = "one two three four five six seven eight nine ten";
    let s = t.find("five").unwrap();
    let k = kwic(t, &[(s, s + 4)], 10, true);
    assert!(k.starts_with('…') && k.ends_with('…'), "{k}");
    assert!(k.contains(&format!("{HL_ON}five{HL_OFF}")), "{k}");
    assert_eq!(kwic("short text", &[], 70, false), "short text");
    // Multi-byte text never splits a character.
    let t = "é".repeat(100);
    let _ = kwic(&t, &[(100, 102)], 7, false);
}
