//! Hostile and broken input, as the table in README.md ("Hostile input") lists it: each file
//! is refused (or read in a stated way) with an error that names it, the rest of the batch is
//! added, and nothing is stored half.

use super::{json, ok, project, quarry, zip};
use std::io::Write;
use std::path::Path;

/// A zip entry that unpacks to `mb` megabytes of one repeated byte, written in pieces.
fn zip_bomb(path: &Path, entry: &str, mb: usize) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("[Content_Types].xml", o).unwrap();
    z.write_all(b"<Types/>").unwrap();
    z.start_file(entry, o).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..mb {
        z.write_all(&block).unwrap();
    }
    z.finish().unwrap();
}

/// Runs `quarry add DIR` and returns (exit code, stderr).
fn add(project: &Path, dir: &Path) -> (i32, String) {
    let out = quarry(project)
        .args(["add", dir.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The line of `stderr` about `file`.
fn line_about<'a>(stderr: &'a str, file: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| l.contains(file))
        .unwrap_or_else(|| panic!("nothing said about {file}:\n{stderr}"))
}

#[test]
fn hostile_files_are_refused_by_name_and_the_rest_is_added() {
    let src = tempfile::tempdir().unwrap();
    let d = src.path();
    let good = "Interviewer: What helps?\nP1: Colleagues who share what works.\n";
    std::fs::write(d.join("good.txt"), good).unwrap();
    // Zip bombs: a document part that unpacks to 300 MB.
    zip_bomb(&d.join("bomb.docx"), "word/document.xml", 300);
    zip_bomb(&d.join("bomb.odt"), "content.xml", 300);
    // Entity expansion ("billion laughs"): never expanded.
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"#;
    zip(
        &d.join("laughs.docx"),
        &[
            ("[Content_Types].xml", b"<Types/>".as_slice()),
            ("word/document.xml", laughs.as_bytes()),
        ],
    );
    // Deeply nested JSON.
    let nested = format!("{}1{}", "{\"a\":".repeat(200_000), "}".repeat(200_000));
    std::fs::write(d.join("nested.json"), nested).unwrap();
    // Binary data named .txt, and text with NUL bytes.
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(d.join("binary.txt"), binary).unwrap();
    std::fs::write(d.join("nul.txt"), b"P1: hello\0world\n").unwrap();
    // Not UTF-8: read as Windows-1252 (stated), not refused.
    std::fs::write(d.join("latin1.txt"), b"P1: caf\xe9 au lait, na\xefve\n").unwrap();
    // A CSV of posts whose quote never closes.
    std::fs::write(
        d.join("unclosed.csv"),
        "id,created_at,text\n1,2024-01-01,\"fine\"\n2,2024-01-02,\"never closed\n3,2024-01-03,x\n",
    )
    .unwrap();
    // An empty file, and a file that is gone by the time it is read (a dangling link).
    std::fs::write(d.join("empty.txt"), "").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("gone.txt"), d.join("vanished.txt")).unwrap();
    // Over the size limit for one transcript (sparse: nothing is written).
    let big = std::fs::File::create(d.join("huge.txt")).unwrap();
    big.set_len(300 << 20).unwrap();

    let p = project();
    let (code, err) = add(p.path(), d);
    assert_eq!(code, 1, "{err}");
    for (file, says) in [
        ("bomb.docx", "zip bomb"),
        ("bomb.odt", "zip bomb"),
        ("nested.json", "nest"),
        ("binary.txt", "binary"),
        ("nul.txt", "NUL"),
        ("unclosed.csv:3", "never closed"),
        ("empty.txt", "no text"),
        ("huge.txt", "limit"),
    ] {
        let line = line_about(&err, file);
        assert!(line.contains(says), "{file}: {line}");
    }
    #[cfg(unix)]
    assert!(
        line_about(&err, "vanished.txt").contains("cannot read"),
        "{err}"
    );

    // What was readable went in, whole; the entity was left as it was, not expanded.
    let docs = json(&ok(p.path(), &["list", "documents", "--format", "json"]));
    let names: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for name in ["good", "latin1", "laughs"] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    let latin = ok(p.path(), &["show", "latin1"]);
    assert!(latin.contains("café au lait, naïve"), "{latin}");
    let laughs = ok(p.path(), &["show", "laughs"]);
    assert!(!laughs.contains("lollol"), "{laughs}");
    // The posts before the broken record are kept; the error names its line.
    assert!(
        names.iter().any(|n| n.starts_with("unclosed.csv")),
        "{names:?}"
    );
    let posts = ok(p.path(), &["search", "fine", "--count"]);
    assert_eq!(posts.trim(), "1");
    let check = quarry(p.path()).arg("check").output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn hostile_refi_projects_are_refused_by_name_and_store_nothing() {
    let src = tempfile::tempdir().unwrap();
    let d = src.path();
    let qde = br#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>
<TextSource guid="50000000-0000-4000-8000-000000000001" name="a" plainTextPath="internal://a.txt"/>
</Sources></Project>"#;
    zip(
        &d.join("escape.qdpx"),
        &[
            ("project.qde", qde.as_slice()),
            ("../../a.txt", b"P1: out of the archive".as_slice()),
        ],
    );
    zip_bomb(&d.join("bomb.qdpx"), "sources/a.txt", 1100);
    let p = project();
    for (file, says) in [("escape.qdpx", ".."), ("bomb.qdpx", "GiB")] {
        let out = quarry(p.path())
            .args(["import", "refi"])
            .arg(d.join(file))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(file) && err.contains(says), "{file}: {err}");
    }
    let docs = json(&ok(p.path(), &["list", "documents", "--format", "json"]));
    assert!(docs.as_array().unwrap().is_empty());
    assert!(!d.parent().unwrap().join("a.txt").exists());
}
