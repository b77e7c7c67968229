//! Tests of the CSV / TSV reader: real exports' headers, delimiters, encodings, quotes,
//! headerless lines, list columns and the real corpora where they are present.

use super::columns::normalize;
use super::values::{count, flag, links, list};
use super::*;
use crate::ingest::posts::Platform;

type Out = Vec<Result<Post, IngestError>>;

/// Reads `bytes` as a file called `name` (`.tsv` says TSV) and returns what the sink got.
fn run(name: &str, bytes: &[u8], opts: &PostOptions) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    run_path(&path, opts)
}

fn run_path(path: &Path, opts: &PostOptions) -> Out {
    let tsv = path.extension().is_some_and(|e| e == "tsv");
    let mut out = Vec::new();
    let mut sink = |batch: Out| {
        out.extend(batch);
        Ok(())
    };
    read(path, opts, tsv, &mut sink).unwrap();
    out
}

/// The posts, failing on any error.
fn posts(out: Out) -> Vec<Post> {
    out.into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("unexpected error: {e}")))
        .collect()
}

/// `(line, message)` of each error, and `(line, text)` of each post, in order.
fn outline(out: &Out) -> Vec<(Option<usize>, String)> {
    out.iter()
        .map(|r| match r {
            Ok(p) => (Some(p.line), p.text.clone()),
            Err(e) => (e.line, format!("ERR {}", e.message)),
        })
        .collect()
}

fn attr<'a>(p: &'a Post, name: &str) -> Option<&'a str> {
    p.attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn file_error(out: &Out) -> String {
    assert_eq!(out.len(), 1, "{:?}", outline(out));
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.line, None);
    e.message.clone()
}

fn no_opts() -> PostOptions {
    PostOptions::default()
}

#[test]
fn rtweet_header_with_unnamed_first_column_and_multiline_text() {
    let csv = "\"\",\"created_at\",\"id\",\"full_text\",\"retweet_count\",\"favorite_count\",\"lang\",\"name\",\"screen_name\",\"url\",\"location\"\n\
        \"1\",\"2023-04-03 02:50:24\",\"1642570185889439744\",\"Gold!\n\n#Judo https://t.co/x\",\"41\",\"281\",\"en\",\"Judo\",\"Judo\",\"https://t.co/AdAU\",\"Worldwide\"\n\
        \"2\",\"2023-04-02 22:49:13\",\"1642509490355355648\",\"Of \"\"COURSE\"\"\",\"36\",\"NA\",\"en\",\"Judo\",\"Judo\",\"https://x.com/Judo/status/1642509490355355648\",NA\n";
    let ps = posts(run("judo.csv", csv.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 2);
    let (a, b) = (&ps[0], &ps[1]);
    assert_eq!(a.platform, Platform::X);
    assert_eq!((a.line, b.line), (2, 5));
    assert_eq!(a.id, "1642570185889439744");
    assert_eq!(a.text, "Gold!\n\n#Judo https://t.co/x");
    assert_eq!(a.author.as_deref(), Some("Judo"));
    assert_eq!(a.created, parse_time("2023-04-03T02:50:24Z"));
    assert_eq!((a.reposts, a.likes), (Some(41), Some(281)));
    assert_eq!(a.lang.as_deref(), Some("en"));
    // The author's homepage is not the post's address; the row number is not kept.
    assert_eq!(a.url, None);
    assert_eq!(
        a.attrs,
        [
            ("name", "Judo"),
            ("url", "https://t.co/AdAU"),
            ("location", "Worldwide")
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
    );
    assert_eq!(b.text, "Of \"COURSE\"");
    assert_eq!(b.likes, None);
    assert_eq!(
        b.url.as_deref(),
        Some("https://x.com/Judo/status/1642509490355355648")
    );
    assert_eq!(attr(b, "location"), None);
}

#[test]
fn kaggle_columns_with_python_list_hashtags_and_is_retweet() {
    let csv = "id,user_name,user_location,user_verified,date,text,hashtags,source,retweets,favorites,is_retweet\n\
        1340539111971516416,Rachel Roh,\"La Crescenta-Montrose, CA\",False,2020-12-20 06:06:44,Same folks #PfizerBioNTech,['PfizerBioNTech'],Twitter for Android,0,0,False\n\
        1337858199140118533,eli,,False,2020-12-12 20:33:45,\"#coronavirus #SputnikV\nRussian vaccine\",\"['coronavirus', 'SputnikV']\",Twitter Web App,\"1,234\",2.0,True\n";
    let ps = posts(run("vaccination.csv", csv.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].platform, Platform::X);
    assert_eq!(ps[0].author.as_deref(), Some("Rachel Roh"));
    assert_eq!(ps[0].hashtags, ["PfizerBioNTech"]);
    assert!(!ps[0].is_repost);
    assert_eq!(
        attr(&ps[0], "user_location"),
        Some("La Crescenta-Montrose, CA")
    );
    assert_eq!(attr(&ps[0], "user_verified"), Some("False"));
    assert_eq!(attr(&ps[0], "source"), Some("Twitter for Android"));
    assert_eq!(ps[1].hashtags, ["coronavirus", "SputnikV"]);
    assert!(ps[1].is_repost);
    assert_eq!((ps[1].reposts, ps[1].likes), (Some(1234), Some(2)));
    assert_eq!(ps[1].created, parse_time("2020-12-12T20:33:45Z"));
    assert_eq!(ps[1].line, 3);
}

#[test]
fn tsv_and_semicolons() {
    let tsv = "tweet_id\tusername\ttweet\tlikes\n1\tann\thello, world; hi\t3\n";
    let ps = posts(run("export.tsv", tsv.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 1);
    assert_eq!(
        (ps[0].id.as_str(), ps[0].text.as_str()),
        ("1", "hello, world; hi")
    );
    assert_eq!(ps[0].likes, Some(3));
    assert_eq!(ps[0].platform, Platform::X);
    // A tab-separated file without the extension is found by sniffing too.
    assert_eq!(
        posts(run("export.txt", tsv.as_bytes(), &no_opts())).len(),
        1
    );

    let semi = "Post ID;Author;Message;Date;Language\r\n7;bob;Feedback, please;2021-03-04;de\r\n8;cy;\"two; parts\";bad date;\r\n";
    let ps = posts(run("spreadsheet.csv", semi.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].platform, Platform::Other);
    assert_eq!(
        (ps[0].id.as_str(), ps[0].author.as_deref()),
        ("7", Some("bob"))
    );
    assert_eq!(ps[0].text, "Feedback, please");
    assert_eq!(ps[0].lang.as_deref(), Some("de"));
    assert_eq!(ps[0].created, parse_time("2021-03-04"));
    // A time that does not parse is kept, not an error.
    assert_eq!((ps[1].line, ps[1].text.as_str()), (3, "two; parts"));
    assert_eq!(ps[1].created, None);
    assert_eq!(attr(&ps[1], "created_at"), Some("bad date"));
}

#[test]
fn reddit_columns() {
    let csv = "id,author,subreddit,title,selftext,score,created_utc,link_id,url\n\
        abc12,u/teach_doc,medicine,Q,Is this normal?,-3,1609459200,t3_abc12,https://reddit.com/r/medicine/comments/abc12/q\n";
    let ps = posts(run("reddit.csv", csv.as_bytes(), &no_opts()));
    assert_eq!(ps[0].platform, Platform::Reddit);
    assert_eq!(ps[0].text, "Is this normal?");
    assert_eq!(ps[0].likes, None);
    assert_eq!(ps[0].created, Some(1_609_459_200));
    assert_eq!(ps[0].thread.as_deref(), Some("t3_abc12"));
    assert!(ps[0].url.as_deref().is_some_and(|u| u.contains("abc12")));
    assert_eq!(attr(&ps[0], "title"), Some("Q"));
}

#[test]
fn overrides_and_unknown_override_columns() {
    let csv = "who,said,when,ref,note\nann,hello there,2021-01-02,r1,x\n";
    let opts = PostOptions {
        text_col: Some("Said".into()),
        id_col: Some("ref".into()),
        author_col: Some("who".into()),
        time_col: Some("when".into()),
        platform: Some(Platform::Mastodon),
        ..PostOptions::default()
    };
    let ps = posts(run("o.csv", csv.as_bytes(), &opts));
    assert_eq!(ps[0].text, "hello there");
    assert_eq!(
        (ps[0].id.as_str(), ps[0].author.as_deref()),
        ("r1", Some("ann"))
    );
    assert_eq!(ps[0].created, parse_time("2021-01-02"));
    assert_eq!(ps[0].platform, Platform::Mastodon);
    assert_eq!(ps[0].attrs, [("note".to_string(), "x".to_string())]);

    let opts = PostOptions {
        author_col: Some("speaker".into()),
        ..PostOptions::default()
    };
    let msg = file_error(&run("o.csv", b"text,who\nhi,ann\n", &opts));
    assert!(msg.contains("--author-col `speaker`"), "{msg}");
    assert!(msg.contains("`text`, `who`"), "{msg}");

    let msg = file_error(&run("o.csv", csv.as_bytes(), &no_opts()));
    assert!(
        msg.contains("no text column") && msg.contains("--text-col"),
        "{msg}"
    );
    assert!(
        msg.contains("`who`, `said`, `when`, `ref`, `note`"),
        "{msg}"
    );
}

#[test]
fn headerless_lines_keep_delimiters_in_the_text() {
    let lines = "1|Fri Dec 26 23:13:35 +0000 2014|a | b | c\n\n2|Sat Dec 27 01:00:00 +0000 2014|plain\n3|no date\n";
    let opts = PostOptions {
        delimiter: Some(b'|'),
        columns: Some(vec!["id".into(), "created_at".into(), "text".into()]),
        ..PostOptions::default()
    };
    let out = run("h.txt", lines.as_bytes(), &opts);
    assert_eq!(
        outline(&out),
        [
            (Some(1), "a | b | c".into()),
            (Some(3), "plain".into()),
            (
                Some(4),
                "ERR this line has 2 field(s) separated by `|`, expected 3 (id, created_at, text)"
                    .into()
            ),
        ]
    );
    let p = out[0].as_ref().unwrap();
    assert_eq!(p.platform, Platform::X);
    assert_eq!(p.created, parse_time("2014-12-26T23:13:35Z"));
    // Found without options too, from the first line.
    assert_eq!(
        outline(&run("h.txt", lines.as_bytes(), &no_opts())),
        outline(&out)
    );

    // The text in the middle: columns before it from the left, after it from the right.
    let opts = PostOptions {
        delimiter: Some(b';'),
        columns: Some(vec![
            "id".into(),
            "body".into(),
            "user".into(),
            "likes".into(),
        ]),
        ..PostOptions::default()
    };
    let ps = posts(run("m.txt", b"9;x; y;z;ann;5\n", &opts));
    assert_eq!(ps[0].text, "x; y;z");
    assert_eq!(
        (ps[0].author.as_deref(), ps[0].likes),
        (Some("ann"), Some(5))
    );
    assert_eq!(ps[0].platform, Platform::Other);
}

#[test]
fn mixed_utf8_and_windows_1252() {
    let mut lines =
        b"1|Fri Dec 26 23:13:35 +0000 2014|caf\xc3\xa9 \xe2\x80\x9cok\xe2\x80\x9d\r\n".to_vec();
    lines.extend(b"2|Fri Dec 26 23:13:35 +0000 2014|caf\xe9 \x93quoted\x94 and more\x85\r\n");
    let texts: Vec<_> = posts(run("mixed.txt", &lines, &no_opts()))
        .into_iter()
        .map(|p| p.text)
        .collect();
    assert_eq!(texts, ["café “ok”", "café “quoted” and more…"]);

    let csv = b"id,text,place\n1,caf\xe9,M\xfcnchen\n2,caf\xc3\xa9,Z\xc3\xbcrich\n";
    let ps = posts(run("mixed.csv", csv, &no_opts()));
    assert_eq!(
        (ps[0].text.as_str(), attr(&ps[0], "place")),
        ("café", Some("München"))
    );
    assert_eq!(
        (ps[1].text.as_str(), attr(&ps[1], "place")),
        ("café", Some("Zürich"))
    );
}

#[test]
fn nel_and_cr_line_ends() {
    let opts = PostOptions {
        delimiter: Some(b'|'),
        columns: Some(vec!["id".into(), "text".into()]),
        ..PostOptions::default()
    };
    // UTF-8 NEL, lone CR, CRLF and LF in one file.
    let bytes = "1|one\u{85}2|two\r3|three\r\n\r\n4|four\n5|fünf".as_bytes();
    let out = run("ends.txt", bytes, &opts);
    let want = [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (5, "four"),
        (6, "fünf"),
    ];
    assert_eq!(outline(&out), want.map(|(l, t)| (Some(l), t.to_string())));
    // A Latin-1 / Windows-1252 file ended by NEL bytes.
    let out = run("nel.txt", b"1|caf\xe9\x852|two\x85\x853|three\x85", &opts);
    let want = [(1, "café"), (2, "two"), (4, "three")];
    assert_eq!(outline(&out), want.map(|(l, t)| (Some(l), t.to_string())));
    // In a CRLF file, a 0x85 byte is Windows-1252's ellipsis.
    let out = run("ell.txt", b"1|wait\x85 what\r\n2|x\r\n", &opts);
    assert_eq!(outline(&out)[0], (Some(1), "wait… what".to_string()));
}

#[test]
fn line_numbers_after_multiline_records_blank_lines_and_crlf() {
    let csv = "id,text\r\n1,\"a\r\nb\r\nc\"\r\n\r\n\r\n2,d\r\n3,\"e\n\nf\"\n4,g\n\n5,h";
    let out = run("lines.csv", csv.as_bytes(), &no_opts());
    let lines: Vec<_> = out.iter().map(|r| r.as_ref().unwrap().line).collect();
    assert_eq!(lines, [2, 7, 8, 11, 13]);
}

#[test]
fn bad_records_are_reported_with_their_line_and_the_rest_goes_on() {
    let csv = "id,name,text\n1,ann,first\n2,bob\n3,cy,\"third\nline\"\n,,\n4,,\n5,dee,fifth\n";
    let out = run("bad.csv", csv.as_bytes(), &no_opts());
    assert_eq!(
        outline(&out),
        [
            (Some(2), "first".into()),
            (Some(3), "ERR this record has 2 field(s), but the text is in column 3 (`text`) of the header".into()),
            (Some(4), "third\nline".into()),
            (Some(7), String::new()),
            (Some(8), "fifth".into()),
        ]
    );
    // The record with an empty text still arrives (the caller skips it), without an id.
    let p = out[3].as_ref().unwrap();
    assert_eq!((p.id.as_str(), p.author.as_ref()), ("4", None));
    let p = posts(run("noid.csv", b"id,text\n,hi\n", &no_opts()));
    assert_eq!(p[0].id, "");
}

#[test]
fn unterminated_quote_at_the_end() {
    let out = run(
        "open.csv",
        b"id,text\n1,ok\n2,\"never closed\n3,more\n",
        &no_opts(),
    );
    assert_eq!(
        outline(&out),
        [
            (Some(2), "ok".into()),
            (
                Some(3),
                "ERR a quoted field in this record is never closed: the file ends inside quotes"
                    .into()
            ),
        ]
    );
    // Quotes that do close are fine, and a quote inside an unquoted field is read as it
    // stands; a quoted field with an inner quote not doubled loses it, and a note names
    // its line (issue 15: it was passed on without a word).
    let out = run(
        "ok.csv",
        b"id,text\n1,\"a \"\"b\"\"\"\n2,5\" screen\n3,\"a \"b\" c\",x\n",
        &no_opts(),
    );
    let notes: Vec<usize> = out
        .iter()
        .filter_map(|r| r.as_ref().err())
        .inspect(|e| assert!(e.note && e.message.contains("quote out of place"), "{e}"))
        .filter_map(|e| e.line)
        .collect();
    assert_eq!(notes, [4]);
    let ps = posts(out.into_iter().filter(|r| r.is_ok()).collect());
    assert_eq!(
        (ps[0].text.as_str(), ps[1].text.as_str()),
        ("a \"b\"", "5\" screen")
    );
}

#[test]
fn overlong_records_are_refused_without_holding_the_file() {
    // A quote opened early never closes: the reader stops instead of keeping the rest.
    let mut csv = String::from("id,text\n1,ok\n2,\"open\n");
    while csv.len() < 3 * MAX_RECORD_BYTES {
        csv.push_str("3,more text\n");
    }
    let out = run("long.csv", csv.as_bytes(), &no_opts());
    assert_eq!(out.len(), 2);
    assert_eq!(outline(&out)[0], (Some(2), "ok".into()));
    let e = out[1].as_ref().unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("never closed"), "{}", e.message);

    // A line over the limit is left out, and the lines after it are read.
    let opts = PostOptions {
        delimiter: Some(b'|'),
        columns: Some(vec!["id".into(), "text".into()]),
        ..PostOptions::default()
    };
    let x = |n| "x".repeat(n);
    let long = format!(
        "1|a\n2|{}\r\n3|b\n4|{}\r5|c",
        x(MAX_RECORD_BYTES + 1),
        x(3 << 20)
    );
    let out = run("long.txt", long.as_bytes(), &opts);
    let too_long = "ERR this line is longer than 1 MB; it was left out";
    assert_eq!(
        outline(&out),
        [
            (Some(1), "a".into()),
            (Some(2), too_long.into()),
            (Some(3), "b".into()),
            (Some(4), too_long.into()),
            (Some(5), "c".into()),
        ]
    );
}

#[test]
fn file_errors() {
    assert_eq!(
        file_error(&run("e.csv", b"", &no_opts())),
        "the file is empty"
    );
    assert_eq!(
        file_error(&run("e.csv", b"\xef\xbb\xbf \r\n\n", &no_opts())),
        "the file is empty"
    );
    let msg = file_error(&run(
        "b.csv",
        b"PK\x03\x04\x00\x00\x01\x02garbage,\xff\xfe",
        &no_opts(),
    ));
    assert!(msg.contains("binary"), "{msg}");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("id,text\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert!(file_error(&run("u.csv", &utf16, &no_opts())).contains("UTF-16"));
    let dir = tempfile::tempdir().unwrap();
    let msg = file_error(&run_path(&dir.path().join("missing.csv"), &no_opts()));
    assert!(msg.starts_with("cannot read"), "{msg}");
    // A BOM before the header is not part of the first column's name.
    let ps = posts(run("bom.csv", b"\xef\xbb\xbfid,text\n1,hi\n", &no_opts()));
    assert_eq!((ps[0].id.as_str(), ps[0].text.as_str()), ("1", "hi"));
}

#[test]
fn many_records_keep_their_order_across_batches() {
    let mut csv = String::from("id,text\n");
    for i in 0..(3 * BATCH_RECORDS + 7) {
        if i % 1000 == 0 {
            csv.push_str(&format!("{i},\"multi\nline {i}\"\n"));
        } else {
            csv.push_str(&format!("{i},text {i}\n"));
        }
    }
    let ps = posts(run("many.csv", csv.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 3 * BATCH_RECORDS + 7);
    let mut line = 2;
    for (i, p) in ps.iter().enumerate() {
        assert_eq!((p.id.as_str(), p.line), (i.to_string().as_str(), line));
        line += if i % 1000 == 0 { 2 } else { 1 };
    }

    let mut lines = String::new();
    for i in 0..300_000 {
        lines.push_str(&format!(
            "{i}|Fri Dec 26 23:13:35 +0000 2014|text {i} | with a bar\r\n"
        ));
    }
    let ps = posts(run("many.txt", lines.as_bytes(), &no_opts()));
    assert_eq!(ps.len(), 300_000);
    assert!(ps
        .iter()
        .enumerate()
        .all(|(i, p)| p.line == i + 1 && p.id == i.to_string()));
}

#[test]
fn a_sink_that_hangs_up_stops_the_reader() {
    let mut csv = String::from("id,text\n");
    for i in 0..(5 * BATCH_RECORDS) {
        csv.push_str(&format!("{i},t\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stop.csv");
    std::fs::write(&path, csv).unwrap();
    let mut calls = 0;
    let mut sink = |_: Out| {
        calls += 1;
        Err(())
    };
    assert_eq!(read(&path, &no_opts(), false, &mut sink), Err(()));
    assert_eq!(calls, 1);
    let mut calls = 0;
    let mut sink = |_: Out| {
        calls += 1;
        Err(())
    };
    assert_eq!(
        read(&dir.path().join("gone.csv"), &no_opts(), false, &mut sink),
        Err(())
    );
    assert_eq!(calls, 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Any bytes give posts and errors, never a panic, and every line named is in the file.
    #[test]
    fn never_panics(
        bytes in proptest::collection::vec(proptest::sample::select(vec![
            b'a', b'1', b' ', b',', b';', b'|', b'\t', b'"', b'\n', b'\r', 0x85, 0xC2, 0xE9, 0,
        ]), 0..400),
        headerless in proptest::bool::ANY,
    ) {
        let header = b"id,text,hashtags\n".iter().chain(&bytes).copied().collect::<Vec<_>>();
        let opts = PostOptions {
            columns: headerless.then(|| vec!["id".into(), "text".into(), "likes".into()]),
            ..PostOptions::default()
        };
        let lines = bytes.len() + 2;
        for (file, opts) in [(&bytes, &opts), (&header, &no_opts())] {
            for r in run("any.csv", file, opts) {
                let line = match r {
                    Ok(p) => Some(p.line),
                    Err(e) => e.line,
                };
                proptest::prop_assert!(line.is_none_or(|l| (1..=lines).contains(&l)));
            }
        }
    }
}

#[test]
fn id_date_text_lines_are_recognised() {
    assert!(looks_like_id_date_text(
        "585978391360221184|Thu Apr 09 01:31:50 +0000 2015|Breast cancer risk test devised\r"
    ));
    assert!(looks_like_id_date_text(
        "\u{feff}1|Thu Apr 09 01:31:50 -0500 2015|"
    ));
    assert!(!looks_like_id_date_text(
        "585978391360221184|Thu Apr 09 01:31:50 +0000 2015"
    ));
    assert!(!looks_like_id_date_text(
        "x1|Thu Apr 09 01:31:50 +0000 2015|t"
    ));
    assert!(!looks_like_id_date_text("1|2015-04-09 01:31:50|t"));
    assert!(!looks_like_id_date_text(
        "1|Thu Abc 09 01:31:50 +0000 2015|t"
    ));
    assert!(!looks_like_id_date_text("id|created_at|text"));
}

#[test]
fn values() {
    let tags = |v| list(v, '#');
    for v in [
        "['MedEd', 'HPE']",
        "MedEd HPE",
        "MedEd,HPE",
        "#MedEd #HPE",
        "c(\"MedEd\", \"HPE\")",
        "[\"MedEd\",\"HPE\"]",
    ] {
        assert_eq!(tags(v), ["MedEd", "HPE"], "{v}");
    }
    assert!(tags("NA").is_empty() && tags("[]").is_empty() && tags("").is_empty());
    assert_eq!(list("['@ann', 'bob']", '@'), ["ann", "bob"]);
    assert_eq!(
        links("https://a.org/x,y https://b.org"),
        ["https://a.org/x,y", "https://b.org"]
    );
    assert_eq!(
        links("['https://a.org', 't.co/x']"),
        ["https://a.org", "t.co/x"]
    );
    assert_eq!(
        links("https://a.org,https://b.org"),
        ["https://a.org", "https://b.org"]
    );
    assert!(links("NA").is_empty() && links("").is_empty());
    assert_eq!(
        links("['https://a.org', 'https://b.org']"),
        ["https://a.org", "https://b.org"]
    );
    for t in ["True", "TRUE", "true", "1", "yes", "T"] {
        assert!(flag(t), "{t}");
    }
    for f in ["False", "FALSE", "false", "0", "no", "F", "NA"] {
        assert!(!flag(f), "{f}");
    }
    assert_eq!(count("12"), Some(12));
    assert_eq!(count("1,234"), Some(1234));
    assert_eq!(count("1.0"), Some(1));
    for bad in ["-1", "1.5", "many", "NaN", "inf"] {
        assert_eq!(count(bad), None, "{bad}");
    }
    assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\""), b';');
    assert_eq!(sniff_delimiter(b"a|b\tc|d"), b'|');
    assert_eq!(sniff_delimiter(b"text"), b',');
    assert_eq!(normalize("Full Text"), normalize("full_text"));
}

// ---- The real exports under ../shared/data (read in place, never copied).

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data");

/// The file, or `None` (with a note) when it is not on this machine.
fn real(rel: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(DATA).join(rel);
    if p.exists() {
        Some(p)
    } else {
        crate::test_skipped(&format!("{} is not here", p.display()));
        None
    }
}

/// Non-blank lines, counted independently of the reader: LF, CR, CRLF and UTF-8 NEL end
/// lines.
fn count_lines(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    text.split(['\n', '\r', '\u{85}'])
        .filter(|l| !l.trim().is_empty())
        .count()
}

#[test]
fn real_uci_health_news_lines() {
    let Some(dir) = real("tweets_health_news_uci") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let (mut total_lines, mut total_posts, mut total_errors) = (0, 0, 0);
    for f in &files {
        let lines = count_lines(&std::fs::read(f).unwrap());
        let out = run_path(f, &no_opts());
        let errors: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
        let posts: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
        eprintln!(
            "{}: {lines} lines, {} posts, {} errors",
            f.file_name().unwrap().to_string_lossy(),
            posts.len(),
            errors.len()
        );
        for e in errors.iter().take(3) {
            eprintln!("  {e}");
        }
        assert_eq!(posts.len() + errors.len(), lines, "{}", f.display());
        assert!(posts.len() * 100 >= lines * 99, "{}", f.display());
        for p in &posts {
            assert!(
                !p.id.is_empty() && p.id.bytes().all(|b| b.is_ascii_digit()),
                "{p:?}"
            );
            assert!(p.created.is_some(), "{p:?}");
            assert_eq!(p.platform, Platform::X);
        }
        total_lines += lines;
        total_posts += posts.len();
        total_errors += errors.len();
    }
    eprintln!(
        "{} files: {total_lines} lines, {total_posts} posts, {total_errors} errors",
        files.len()
    );
    if files.len() == 8 {
        assert_eq!(total_lines, 32_207);
        assert_eq!(total_posts + total_errors, 32_207);
    }
}

#[test]
fn real_kaggle_pfizer_csv() {
    let Some(path) = real("tweets_covid_vaccine_pfizer/vaccination_tweets_part.csv") else {
        return;
    };
    let mut rdr = ::csv::Reader::from_path(&path).unwrap();
    let hashtags = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "hashtags")
        .unwrap();
    let records: Vec<_> = rdr.records().map(Result::unwrap).collect();
    let ps = posts(run_path(&path, &no_opts()));
    eprintln!(
        "vaccination_tweets_part.csv: {} records, {} posts",
        records.len(),
        ps.len()
    );
    assert_eq!(ps.len(), records.len());
    assert!(ps
        .iter()
        .all(|p| !p.id.is_empty() && p.id.bytes().all(|b| b.is_ascii_digit())));
    assert!(ps
        .iter()
        .all(|p| p.platform == Platform::X && p.created.is_some()));
    let first = &records[0][hashtags];
    let want: Vec<String> = first
        .trim_matches(['[', ']'])
        .split(',')
        .map(|t| t.trim().trim_matches('\'').to_string())
        .collect();
    assert_eq!(ps[0].hashtags, want, "{first}");
    // Texts with line breaks inside quotes, as in the source records.
    let multiline = records.iter().filter(|r| r[10].contains('\n')).count();
    assert_eq!(
        ps.iter().filter(|p| p.text.contains('\n')).count(),
        multiline
    );
    // `is_retweet` is False throughout this part of the set.
    assert!(ps.iter().all(|p| !p.is_repost));
}

#[test]
fn real_rtweet_csv() {
    let Some(path) = real("tweets_archive_and_rtweet_samples/rtweet_judo_tweets_data.csv") else {
        return;
    };
    let ps = posts(run_path(&path, &no_opts()));
    eprintln!("rtweet_judo_tweets_data.csv: {} posts", ps.len());
    assert_eq!(ps.len(), 100);
    assert_eq!(ps[0].author.as_deref(), Some("Judo"));
    assert_eq!(ps[0].reposts, Some(41));
    assert_eq!(ps[0].likes, Some(281));
    for p in &ps {
        assert_eq!(p.platform, Platform::X);
        assert!(p.author.is_some() && p.created.is_some(), "{p:?}");
        assert!(p.reposts.is_some() && p.likes.is_some(), "{p:?}");
        assert!(attr(p, "followers_count").is_some_and(|n| n.parse::<u64>().is_ok()));
        assert!(attr(p, "").is_none() && attr(p, "column 1").is_none());
    }
    assert_eq!(attr(&ps[0], "location"), Some("Worldwide"));
    assert!(attr(&ps[0], "description").is_some_and(|d| d.starts_with("Official Twitter Account")));
    assert_eq!(attr(&ps[0], "name"), Some("Judo"));
    // Lines: the first record starts on line 2 and spans several lines.
    assert_eq!(ps[0].line, 2);
    assert!(ps[1].line > 3);
}
