//! Tests of the review view: keys move the state as the line loop would, and the screen
//! shows what a person needs, on a test backend.

use super::state::Mode;
use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use quarry::review::pick::rank;
use quarry::review::Command;
use quarry::store::{DecisionRow, Evidence, SuggestionRow, SuggestionState};
use quarry::text::model::Segment;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

fn press(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    press(KeyCode::Char(c))
}

fn typed(v: &mut View, s: &str) {
    for c in s.chars() {
        assert_eq!(v.key(ch(c)), Action::None);
    }
}

fn codes() -> Option<Vec<(String, String)>> {
    Some(vec![
        ("sm.trust".into(), "Trust in sources".into()),
        ("sm.time".into(), "Time pressure".into()),
        ("sm.peers".into(), "Peer influence".into()),
    ])
}

fn segment(id: i64, ord: i64, speaker: &str, text: &str) -> Segment {
    Segment {
        id,
        document_id: 1,
        document: "P01_interview".into(),
        ord,
        speaker: Some(speaker.into()),
        role: None,
        start_ms: None,
        end_ms: None,
        line: 3,
        char_start: 0,
        char_end: text.chars().count(),
        byte_start: 0,
        byte_end: text.len(),
        text: text.into(),
        post: None,
    }
}

fn item() -> Item {
    let text = "I mostly trust tweets from colleagues I know.\nOthers less so.";
    let at = text.find("trust").unwrap();
    Item {
        suggestion: SuggestionRow {
            code_id: 1,
            segment: 12,
            codebook: "sm-uptake".into(),
            code: "sm.trust".into(),
            version: "1".into(),
            score: 0.875,
            evidence: Vec::<Evidence>::new(),
            state: SuggestionState::Open,
            changed: false,
        },
        segment: segment(12, 4, "P01", text),
        before: Some(segment(
            11,
            3,
            "Interviewer",
            "Which sources do you believe?",
        )),
        after: Some(segment(13, 5, "Interviewer", "Why colleagues?")),
        name: "Trust in sources".into(),
        definition: "Whether a source is believed.".into(),
        include: "Statements about believing a source.".into(),
        exclude: "Trust in institutions.".into(),
        rules: vec!["trust NEAR/3 (tweet OR post)".into()],
        highlights: vec![(at, at + "trust".len())],
        prediction: None,
    }
}

fn render(v: &View, item: Option<&Item>, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let shown = item.map(|item| Shown {
        item,
        progress: v.progress(),
        code_progress: (1, 2),
    });
    t.draw(|f| {
        draw(f, v, shown.as_ref());
    })
    .unwrap();
    t.backend().buffer().clone()
}

fn screen(b: &ratatui::buffer::Buffer) -> String {
    let a = b.area;
    let mut s = String::new();
    for y in 0..a.height {
        for x in 0..a.width {
            s.push_str(b[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn decisions_leave_the_queue_and_an_undo_brings_its_item_back_in_front() {
    let mut v = View::new(3);
    assert_eq!(v.current(), Some(0));
    assert_eq!(v.key(ch('a')), Action::Decide(Command::Accept(None)));
    v.decided(Ok(Some(100)), "accepted");
    assert_eq!((v.current(), v.progress()), (Some(1), (2, 3)));
    assert_eq!(v.key(ch('r')), Action::Decide(Command::Reject(None)));
    v.decided(Ok(Some(101)), "rejected");
    assert_eq!(v.key(ch('u')), Action::Undo);
    let undone = DecisionRow {
        id: 101,
        coder: "x".into(),
        segment: 5,
        codebook: "b".into(),
        code: "b.c".into(),
        accept: false,
        replacement: None,
        memo: None,
        at: 0,
        answered: None,
        batch: None,
    };
    v.undone(Ok(Some(undone.clone())));
    assert_eq!(v.current(), Some(1));
    assert!(v.status.as_deref().unwrap().starts_with("undone: "));
    // A decision from before this session is undone without touching the queue.
    v.undone(Ok(Some(DecisionRow { id: 7, ..undone })));
    assert_eq!(v.current(), Some(1));
    v.undone(Ok(None));
    assert!(v.error);
    assert_eq!(v.key(ch('s')), Action::None);
    assert_eq!(v.current(), Some(2));
    assert_eq!(
        v.session(),
        Session {
            decided: 1,
            skipped: 1,
            undone: 2,
            left: 1
        }
    );
}

#[test]
fn a_memo_goes_with_the_next_decision_only_and_survives_a_failed_one() {
    let mut v = View::new(3);
    v.key(ch('m'));
    typed(&mut v, "unsure");
    v.key(press(KeyCode::Backspace));
    v.key(press(KeyCode::Enter));
    assert_eq!(v.memo.as_deref(), Some("unsur"));
    assert_eq!(v.mode, Mode::Normal);
    let cmd = v.key(ch('a'));
    assert_eq!(cmd, Action::Decide(Command::Accept(Some("unsur".into()))));
    v.decided(Err(quarry::Error::Other("disk full".into())), "accepted");
    assert_eq!(v.memo.as_deref(), Some("unsur"));
    assert_eq!(v.status.as_deref(), Some("disk full"));
    assert_eq!(v.current(), Some(0));
    v.decided(Ok(Some(1)), "accepted");
    assert_eq!(v.memo, None);
    // Esc leaves the memo as it was; a skip drops it.
    v.key(ch('m'));
    typed(&mut v, "x");
    v.key(press(KeyCode::Esc));
    assert_eq!((v.memo.as_deref(), &v.mode), (None, &Mode::Normal));
    v.key(ch('m'));
    typed(&mut v, "later");
    v.key(press(KeyCode::Enter));
    v.key(ch('s'));
    assert_eq!(v.memo, None);
    // Keys typed into a memo are text, not commands.
    v.key(ch('m'));
    typed(&mut v, "q a");
    assert_eq!(v.mode, Mode::Memo { text: "q a".into() });
}

#[test]
fn change_filters_by_id_or_name_and_applies_the_chosen_code() {
    let mut v = View::new(2);
    v.set_codes(codes());
    v.key(ch('c'));
    assert_eq!(v.matches().len(), 3);
    typed(&mut v, "t");
    // "sm.trust", "sm.time" (ids) and "Trust in sources", "Time pressure", but not peers.
    assert_eq!(v.matches().len(), 2);
    v.key(press(KeyCode::Down));
    v.key(press(KeyCode::Down));
    v.key(press(KeyCode::Down));
    assert_eq!(
        v.mode,
        Mode::Change {
            filter: "t".into(),
            selected: 1
        }
    );
    assert_eq!(
        v.key(press(KeyCode::Enter)),
        Action::Decide(Command::Change("sm.time".into(), None))
    );
    assert_eq!(v.mode, Mode::Normal);
    // By name, ignoring case; nothing matching keeps the list open with a message.
    v.key(ch('c'));
    typed(&mut v, "PEER");
    assert_eq!(v.matches(), vec![&codes().unwrap()[2]]);
    typed(&mut v, "zz");
    assert_eq!(v.key(press(KeyCode::Enter)), Action::None);
    assert!(v.error && matches!(v.mode, Mode::Change { .. }));
    assert_eq!(v.key(press(KeyCode::Esc)), Action::None);
    assert_eq!(v.mode, Mode::Normal);
}

#[test]
fn without_a_codebook_the_code_id_is_typed() {
    let mut v = View::new(1);
    v.set_codes(None);
    v.key(ch('c'));
    assert_eq!(v.key(press(KeyCode::Enter)), Action::None);
    assert!(v.error);
    typed(&mut v, " x.y ");
    assert_eq!(
        v.key(press(KeyCode::Enter)),
        Action::Decide(Command::Change("x.y".into(), None))
    );
    // An unknown code comes back as an error and the item stays.
    v.decided(
        Err(quarry::Error::Other("no code x.y in codebook b".into())),
        "",
    );
    assert_eq!(v.current(), Some(0));
    assert!(v.error);
}

#[test]
fn quit_help_and_unknown_keys() {
    let mut v = View::new(1);
    assert_eq!(v.key(ch('q')), Action::Quit);
    assert_eq!(v.key(ch('Q')), Action::Quit);
    assert_eq!(v.key(press(KeyCode::Esc)), Action::Quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(v.key(ctrl_c), Action::Quit);
    v.key(ch('m'));
    assert_eq!(v.key(ctrl_c), Action::Quit);
    v.mode = Mode::Normal;
    v.key(ch('?'));
    assert_eq!(v.mode, Mode::Help);
    // Any key closes the help and does nothing else.
    assert_eq!(v.key(ch('q')), Action::None);
    assert_eq!(v.mode, Mode::Normal);
    assert_eq!(v.key(ch('x')), Action::None);
    assert!(v.error);
    let mut release = ch('a');
    release.kind = KeyEventKind::Release;
    assert_eq!(v.key(release), Action::None);
    // With nothing left, only undo, help and quit do anything.
    v.key(ch('s'));
    assert_eq!(v.current(), None);
    assert_eq!(v.key(ch('a')), Action::None);
    assert_eq!(v.key(ch('u')), Action::Undo);
}

#[test]
fn the_screen_shows_the_segment_the_code_and_the_keys_with_evidence_marked() {
    let v = View::new(2);
    let it = item();
    let b = render(&v, Some(&it), 120, 30);
    let s = screen(&b);
    for want in [
        "I mostly trust tweets",
        "Others less so.",
        "Which sources do you believe?",
        "Why colleagues?",
        "sm.trust",
        "Trust in sources",
        "Whether a source is believed.",
        "Trust in institutions.",
        "trust NEAR/3 (tweet OR post)",
        "score 0.88",
        "P01_interview",
        "1 of 2 · 1 of 2 for this code",
        "a accept",
        "q quit",
    ] {
        assert!(s.contains(want), "{want:?} not on screen:\n{s}");
    }
    // The evidence word is highlighted, its neighbours are not.
    let (y, line) = s
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("I mostly trust"))
        .unwrap();
    let x = line[..line.find("trust tweets").unwrap()].chars().count() as u16;
    let y = y as u16;
    for k in 0..5 {
        let m = b[(x + k, y)].modifier;
        assert!(m.contains(Modifier::BOLD | Modifier::REVERSED), "{m:?}");
    }
    assert!(!b[(x + 6, y)].modifier.contains(Modifier::REVERSED));
    assert!(!b[(x - 2, y)].modifier.contains(Modifier::REVERSED));
    // The turn before is dim.
    let (y, line) = s
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Which sources"))
        .unwrap();
    let x = line[..line.find("Which").unwrap()].chars().count() as u16;
    assert!(b[(x, y as u16)].modifier.contains(Modifier::DIM));
}

/// Whether the word `w` is on screen with the evidence highlight.
fn highlighted(b: &ratatui::buffer::Buffer, w: &str) -> bool {
    let s = screen(b);
    s.lines().enumerate().any(|(y, line)| {
        line.match_indices(w).any(|(at, _)| {
            let x = line[..at].chars().count() as u16;
            (0..w.chars().count() as u16)
                .all(|k| b[(x + k, y as u16)].modifier.contains(Modifier::REVERSED))
        })
    })
}

// r15 item 21: a long turn whose evidence is near its end opens scrolled to it.
#[test]
fn a_long_turn_opens_at_its_evidence_and_scrolls_by_hand_from_there() {
    let mut it = item();
    let filler = "We talked about the timetable and the rota for a while. ".repeat(40);
    let text = format!("{filler}\n\nIn the end I only trust posts from colleagues I know.");
    let at = text.find("trust").unwrap();
    it.segment.text = text.clone();
    it.highlights = vec![(at, at + "trust".len())];
    let mut v = View::new(1);
    let mut t = Terminal::new(TestBackend::new(120, 24)).unwrap();
    let shown = Shown {
        item: &it,
        progress: (1, 1),
        code_progress: (1, 1),
    };
    let mut scrolled = 0;
    t.draw(|f| scrolled = draw(f, &v, Some(&shown))).unwrap();
    let first = t.backend().buffer().clone();
    assert!(highlighted(&first, "trust"), "{}", screen(&first));
    assert!(scrolled > 0);
    // A line of context above: the paragraph break before the evidence's line.
    assert!(screen(&first).contains("rota for a while."));
    // Scrolling by hand goes on from where it opened, up and back down.
    v.scroll = Some(scrolled);
    for _ in 0..3 {
        v.key(press(KeyCode::Up));
    }
    let mut up = 0;
    t.draw(|f| up = draw(f, &v, Some(&shown))).unwrap();
    assert_eq!(up, scrolled - 3);
    v.key(press(KeyCode::PageDown));
    let mut down = 0;
    t.draw(|f| down = draw(f, &v, Some(&shown))).unwrap();
    assert!(down > up && highlighted(t.backend().buffer(), "trust"));
    // The next item opens at its own evidence again; a short turn stays at the top.
    v.decided(Ok(Some(1)), "accepted");
    assert_eq!(v.scroll, None);
    let short = item();
    let b = render(&v, Some(&short), 120, 24);
    assert!(screen(&b).contains("Which sources do you believe?"));
    assert!(highlighted(&b, "trust"));
}

// r15 item 22: "professional ro" picks the construct named so, not the domain whose id
// and name contain the letters.
#[test]
fn change_ranks_names_before_ids_as_typed_in_the_tdf() {
    let tdf = quarry::codebook::load("tdf").unwrap();
    let mut v = View::new(1);
    v.set_codes(Some(
        tdf.codes
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
    ));
    v.key(ch('c'));
    typed(&mut v, "professional ro");
    assert_eq!(
        v.key(press(KeyCode::Enter)),
        Action::Decide(Command::Change(
            "tdf.social_professional_role_and_identity.professional_role".into(),
            None
        ))
    );
    // The order of the ranks on one list.
    let codes = [
        ("x.role", "Roles and identity"),
        ("x.pro_role", "Social/professional role"),
        ("x.professional_role", "Professional role"),
        ("x.prc", "Pro role"),
        ("professional_ro.x", "Something else"),
        ("x.y", "Proud"),
    ];
    let ranked: Vec<_> = codes
        .iter()
        .map(|(id, name)| rank("professional ro", id, name))
        .collect();
    assert_eq!(
        ranked,
        vec![None, Some(2), Some(1), None, Some(3), None],
        "{codes:?}"
    );
    assert_eq!(rank("pro role", "x.prc", "Pro role"), Some(0));
    assert_eq!(rank("prrl", "x.prc", "Pro role"), Some(4));
    assert_eq!(rank("professional ro", "a.professional_role", "Z"), Some(3));
}

#[test]
fn overlays_show_the_code_list_the_memo_and_the_help() {
    let it = item();
    let mut v = View::new(1);
    v.set_codes(codes());
    v.key(ch('c'));
    typed(&mut v, "ti");
    let s = screen(&render(&v, Some(&it), 100, 30));
    assert!(s.contains("code: ti"), "{s}");
    assert!(s.contains("sm.time"));
    assert!(!s.contains("sm.peers"));
    assert!(s.contains("Esc cancel"));
    v.key(press(KeyCode::Esc));
    v.key(ch('m'));
    typed(&mut v, "check with team");
    let s = screen(&render(&v, Some(&it), 100, 30));
    assert!(s.contains("memo: check with team"), "{s}");
    v.key(press(KeyCode::Enter));
    let s = screen(&render(&v, Some(&it), 100, 30));
    assert!(s.contains("memo kept for the next decision · memo: check with team"));
    v.key(ch('?'));
    let s = screen(&render(&v, Some(&it), 100, 30));
    assert!(s.contains("undo your last decision"), "{s}");
    v.set_codes(None);
    v.mode = Mode::Change {
        filter: String::new(),
        selected: 0,
    };
    let s = screen(&render(&v, Some(&it), 100, 30));
    assert!(s.contains("cannot be loaded"), "{s}");
}

#[test]
fn user_text_cannot_drive_the_terminal() {
    let mut it = item();
    it.segment.text = "bad \x1b[2J\x07 text\r\nnext\tline".into();
    it.highlights = vec![(0, 3), (1, 2), (100, 200), (5, 4)];
    it.name = "evil\x1b]0;title\x07".into();
    let s = screen(&render(&View::new(1), Some(&it), 120, 30));
    assert!(!s.contains('\x1b') && !s.contains('\x07') && !s.contains('\r'));
    assert!(s.contains("next    line"), "{s}");
}

#[test]
fn small_and_empty_screens_do_not_panic() {
    let mut it = item();
    it.segment.text = "word ".repeat(500);
    it.highlights = vec![(0, 4), (10, 14)];
    let mut v = View::new(3);
    v.set_codes(codes());
    v.memo = Some("m".repeat(300));
    v.status = Some("s".repeat(300));
    let modes = [
        Mode::Normal,
        Mode::Help,
        Mode::Memo {
            text: "x".repeat(200),
        },
        Mode::Change {
            filter: String::new(),
            selected: 99,
        },
    ];
    for (w, h) in [
        (40, 10),
        (20, 5),
        (1, 1),
        (3, 2),
        (100, 4),
        (0, 0),
        (200, 60),
    ] {
        for mode in &modes {
            v.mode = mode.clone();
            v.scroll = Some(u16::MAX);
            render(&v, Some(&it), w, h);
            render(&v, None, w, h);
        }
    }
    let s = screen(&render(&View::new(3), Some(&it), 40, 10));
    assert!(s.contains("1/3 · code 1/2"), "{s}");
    let s = screen(&render(&View::new(0), None, 100, 10));
    assert!(s.contains("Nothing left to review"), "{s}");
}
