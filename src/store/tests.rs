//! Unit tests of the record: an older project migrates, and its rules and evidence read back.

use super::schema::MIGRATIONS;
use super::suggestions::{decode_evidence, encode_evidence, encode_terms};
use super::*;

#[test]
fn a_version_4_project_migrates_and_reads_its_rules_and_evidence_as_one_term() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quarry.db");
    {
        let conn = Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..4] {
            conn.execute_batch(m).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 4;
             INSERT INTO rules(codebook, code, hash, text) VALUES ('t', 't.k', 7, 'kind OR help*');",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let rules = store.rules("t").unwrap();
    assert_eq!(rules[0].terms, ["kind OR help*"]);
    // A run of the new version names the terms.
    store
        .put_rules(&[NewRule {
            codebook: "t",
            code: "t.k",
            hash: 7,
            text: "kind OR help*",
            terms: vec!["kind".into(), "help*".into()],
        }])
        .unwrap();
    assert_eq!(store.rules("t").unwrap()[0].terms, ["kind", "help*"]);
    // Evidence stored without terms reads as the first term; with terms, as stored.
    let ev = vec![
        Evidence {
            rule: 1,
            term: 0,
            word: 3,
            start: 10,
            end: 14,
        },
        Evidence {
            rule: 1,
            term: 1,
            word: 4,
            start: 20,
            end: 24,
        },
    ];
    let blob = encode_evidence(&ev);
    assert!(decode_evidence(&blob, None).iter().all(|e| e.term == 0));
    assert_eq!(decode_evidence(&blob, encode_terms(&ev).as_deref()), ev);
    assert_eq!(encode_terms(&ev[..1]), None);
}
