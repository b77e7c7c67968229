//! Tests of the WebVTT and SubRip parsers: cues, timings, markup, speaker labels and the
//! errors that name their line.

use super::*;

/// Build the expected cue.
fn cue(line: usize, start: u64, end: u64, speaker: Option<&str>, text: &str) -> Cue {
    Cue {
        line,
        start_ms: Some(start),
        end_ms: Some(end),
        speaker: speaker.map(str::to_owned),
        text: text.to_owned(),
    }
}

/// Parse WebVTT that must succeed.
fn vtt(input: &str) -> Vec<Cue> {
    match parse_vtt(input) {
        Ok(cues) => cues,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Parse SubRip that must succeed.
fn srt(input: &str) -> Vec<Cue> {
    match parse_srt(input) {
        Ok(cues) => cues,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Parse WebVTT that must fail; returns the line and the message.
fn vtt_err(input: &str) -> (usize, String) {
    match parse_vtt(input) {
        Ok(cues) => panic!("expected an error, got {cues:?}"),
        Err(e) => (e.line(), e.to_string()),
    }
}

/// Parse SubRip that must fail; returns the line and the message.
fn srt_err(input: &str) -> (usize, String) {
    match parse_srt(input) {
        Ok(cues) => panic!("expected an error, got {cues:?}"),
        Err(e) => (e.line(), e.to_string()),
    }
}

#[test]
fn zoom_style_transcript() {
    let input = "WEBVTT\n\n1\n00:00:00.050 --> 00:00:01.790\nLena Marsh: So tell me about it.\n\n\
                 2\n00:00:02.070 --> 00:00:04.050\nDr. Omar Q. Said: Well, it started in 2019.\n\n\
                 3\n00:00:05.000 --> 00:00:06.000\nHmm.\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(5, 50, 1790, Some("Lena Marsh"), "So tell me about it."),
            cue(
                9,
                2070,
                4050,
                Some("Dr. Omar Q. Said"),
                "Well, it started in 2019."
            ),
            cue(13, 5000, 6000, None, "Hmm."),
        ]
    );
}

#[test]
fn labels_that_are_not_names() {
    let cases = [
        "Okay. So: this is it",
        "and the answer is simple: yes",
        "So: here it goes",
        "The answer: yes",
        "Okay: fine",
        "Wait, John: listen",
        "Really?: yes",
        "2019: a good year",
        "see https: //example.com",
        "One two three four five six seven: too many words",
        "This label is definitely much longer than forty characters: x",
        "Time:10:30",
        "Lena Marsh:",
    ];
    for case in cases {
        let cues = vtt(&format!("WEBVTT\n\n00:01.000 --> 00:02.000\n{case}\n"));
        assert_eq!(cues[0].speaker, None, "{case}");
        assert_eq!(cues[0].text, case, "{case}");
    }
    for (case, name) in [
        ("john smith: lower-case display names count", "john smith"),
        ("Speaker 1: hi", "Speaker 1"),
        ("Q: and then?", "Q"),
        ("I: so tell me", "I"),
        ("R: well, yes", "R"),
        ("An Nguyen: hi", "An Nguyen"),
        ("Zoë Ōkawa-Brandt (host): hi", "Zoë Ōkawa-Brandt (host)"),
    ] {
        let cues = vtt(&format!("WEBVTT\n\n00:01.000 --> 00:02.000\n{case}\n"));
        assert_eq!(cues[0].speaker.as_deref(), Some(name), "{case}");
    }
}

/// Decision: a `Note: ...` line inside a cue is ordinary text. It is not a NOTE block
/// (those are `NOTE` in capitals, at the start of a block) and `Note` is not taken as
/// a speaker, so the cue keeps its full text and has no speaker.
#[test]
fn note_colon_line_is_cue_text() {
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\nNote: this is important.\n\n\
                 00:02.000 --> 00:03.000\nPlease note: the room changed.\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(4, 1000, 2000, None, "Note: this is important."),
            cue(7, 2000, 3000, None, "Please note: the room changed."),
        ]
    );
    // Outside a cue, only `NOTE` (also `NOTE:`) opens a comment block; a stray
    // `Note: ...` paragraph is text that cannot be a cue, hence an error.
    assert_eq!(vtt("WEBVTT\n\nNOTE: this is a comment\n"), vec![]);
    assert_eq!(vtt_err("WEBVTT\n\nNote: this is a comment\n").0, 3);
    let srt_cues = srt("1\n00:00:01,000 --> 00:00:02,000\nNote: this is important.\n");
    assert_eq!(
        srt_cues,
        vec![cue(3, 1000, 2000, None, "Note: this is important.")]
    );
}

#[test]
fn voice_tags_with_and_without_closing() {
    let input =
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Roger Bingham>We are in New York City</v>\n\n\
                 00:02.000 --> 00:03.000\n<v Neil deGrasse Tyson>Hi\nthere\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(
                4,
                1000,
                2000,
                Some("Roger Bingham"),
                "We are in New York City"
            ),
            cue(7, 2000, 3000, Some("Neil deGrasse Tyson"), "Hi\nthere"),
        ]
    );
}

#[test]
fn class_voice_tags_and_voice_beats_label() {
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v.first.loud   Esme  Ng>Bob: yes</v>\n\n\
                 00:02.000 --> 00:03.000\n<v>Ann: unnamed voice falls back to the label\n\n\
                 00:03.000 --> 00:04.000\n<v Tom &amp; Jerry>both\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(4, 1000, 2000, Some("Esme Ng"), "Bob: yes"),
            cue(
                7,
                2000,
                3000,
                Some("Ann"),
                "unnamed voice falls back to the label"
            ),
            cue(10, 3000, 4000, Some("Tom & Jerry"), "both"),
        ]
    );
}

#[test]
fn nested_and_other_tags_are_stripped() {
    let input = "WEBVTT\n\n00:01.000 --> 00:05.000\n\
                 <v Ann><c.yellow><i>Hello <b>big</b></i> <u>world</u></c></v>\n\
                 <lang en-GB>colour</lang> <00:00:03.000>then <c>a < b</c> <3\n\
                 <ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby> done\n";
    assert_eq!(
        vtt(input),
        vec![cue(
            4,
            1000,
            5000,
            Some("Ann"),
            "Hello big world\ncolour then a < b <3\n漢字 done"
        )]
    );
}

#[test]
fn entities_are_decoded() {
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\n\
                 Tom &amp; Jerry &lt;3 &gt; it&#39;s &#x27;ok&#X27; a&nbsp;b &lrm;x&rlm; &copy; &#xD800; & &amp\n";
    assert_eq!(
        vtt(input)[0].text,
        "Tom & Jerry <3 > it's 'ok' a\u{a0}b \u{200e}x\u{200f} &copy; &#xD800; & &amp"
    );
}

#[test]
fn note_style_region_blocks_are_skipped() {
    let input = "WEBVTT - Some title\nKind: captions\nLanguage: en\n\n\
                 STYLE\n::cue { color: red; }\n\n\
                 REGION\nid:fred width:40%\n\n\
                 NOTE\nA comment with a timing-like line 00:01.000 -> x\n\n\
                 NOTE: one line, colon style\n\n\
                 00:01.000 --> 00:02.000\nHi\n\n\
                 NOTE another comment\nover two lines\n\n\
                 00:02.000 --> 00:03.000\nBye\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(17, 1000, 2000, None, "Hi"),
            cue(23, 2000, 3000, None, "Bye")
        ]
    );
}

#[test]
fn cue_identifiers() {
    let input = "WEBVTT\n\n1\n00:01.000 --> 00:02.000\nOne\n\n\
                 3f2a1b7c-9d4e-4f11-a2b3-c4d5e6f70812/12-0\n00:02.000 --> 00:03.000\nTwo\n\n\
                 intro -- part one\n00:03.000 --> 00:04.000\nThree\n\n\
                 NOTE\n00:04.000 --> 00:05.000\nA cue whose id is NOTE\n";
    let cues = vtt(input);
    let texts: Vec<&str> = cues.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["One", "Two", "Three", "A cue whose id is NOTE"]);
    assert_eq!(cues[1].line, 9);
}

#[test]
fn timing_forms_and_settings() {
    let input = "WEBVTT\n\n01:02.003 --> 01:04.500 align:start position:10%\nShort\n\n\
                 123:00:00.000 --> 123:00:01.000 line:0\nLong hours\n\n\
                 00:00:01,000-->00:00:02,000\nCommas, no spaces\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(4, 62_003, 64_500, None, "Short"),
            cue(7, 442_800_000, 442_801_000, None, "Long hours"),
            cue(10, 1000, 2000, None, "Commas, no spaces"),
        ]
    );
}

#[test]
fn multi_line_cues_and_missing_blank_line() {
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\n  first   line  \nsecond\tline\n\
                 00:02.000 --> 00:03.000\nnext cue without a blank line\n\n\n\n\
                 00:03.000 --> 00:04.000\nlast";
    assert_eq!(
        vtt(input),
        vec![
            cue(4, 1000, 2000, None, "first line\nsecond line"),
            cue(7, 2000, 3000, None, "next cue without a blank line"),
            cue(12, 3000, 4000, None, "last"),
        ]
    );
}

#[test]
fn empty_cues_are_dropped() {
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\n\n\
                 00:02.000 --> 00:03.000\n<i></i>\n&nbsp;\n\n\
                 00:03.000 --> 00:04.000\n<v Ann></v>\n\n\
                 00:04.000 --> 00:05.000\n<b></b>\nkept\n";
    assert_eq!(vtt(input), vec![cue(14, 4000, 5000, None, "kept")]);
    assert_eq!(vtt("WEBVTT\n"), vec![]);
    assert_eq!(vtt("WEBVTT"), vec![]);
}

#[test]
fn vtt_errors_name_the_line() {
    assert_eq!(
        vtt_err("1\n00:01.000 --> 00:02.000\nHi\n"),
        (1, "line 1: a WebVTT file must start with WEBVTT".to_owned())
    );
    assert_eq!(vtt_err("").0, 1);
    assert_eq!(vtt_err("\n\nWEBVT\n").0, 3);
    assert_eq!(
        vtt("\n  WEBVTT\n\n00:01.000 --> 00:02.000\nlate header\n"),
        vec![cue(5, 1000, 2000, None, "late header")]
    );
    let input = "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n\
                 7\n00:00:01 -> 00:00:02\ntext\n";
    assert_eq!(
        vtt_err(input),
        (
            7,
            "line 7: bad timing line `00:00:01 -> 00:00:02`: \
             expected `HH:MM:SS.mmm --> HH:MM:SS.mmm`"
                .to_owned()
        )
    );
    let (line, message) = vtt_err("WEBVTT\n\n00:01.000 --> 00:61:00.000\nx\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("end time `00:61:00.000` has minutes above 59"),
        "{message}"
    );
    let (line, message) = vtt_err("WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\nstray text\nmore\n");
    assert_eq!(line, 6);
    assert!(
        message.starts_with("line 6: `stray text` is not part of a cue"),
        "{message}"
    );
    assert_eq!(vtt_err("WEBVTT\n\nx\n00:01.000 --> \n").0, 4);
    assert_eq!(vtt_err("WEBVTT\n\n00:01.000 --> 00:02.00\n").0, 3);
    assert_eq!(
        vtt_err("WEBVTT\n\n99999999999999:00:00.000 --> 00:02.000\n").0,
        3
    );
}

#[test]
fn srt_with_commas_dots_and_coordinates() {
    let input =
        "1\n00:00:01,000 --> 00:00:02,500 X1:10 X2:20 Y1:30 Y2:40\n<i>Lena Marsh: Hello</i>\n\
                 <font color=\"#ff0000\">second</font> {\\an8}line\n\n\
                 2\n00:00:03.000 --> 00:00:04.000\n<B>[Omar Said] Dots</B> &amp; <unclear> text\n";
    assert_eq!(
        srt(input),
        vec![
            cue(3, 1000, 2500, Some("Lena Marsh"), "Hello\nsecond line"),
            cue(8, 3000, 4000, Some("Omar Said"), "Dots & <unclear> text"),
        ]
    );
}

#[test]
fn srt_missing_index_odd_spacing_and_no_final_newline() {
    let input = "\n\n00:00:01,000   -->   00:00:02,000  \n  Hi there  \n\n\n\n\
                 2  \n00:00:02,000 --> 00:00:03,000\nsecond\n3\n00:00:03,000 --> 00:00:04,000\nthird";
    assert_eq!(
        srt(input),
        vec![
            cue(4, 1000, 2000, None, "Hi there"),
            cue(10, 2000, 3000, None, "second"),
            cue(13, 3000, 4000, None, "third"),
        ]
    );
}

#[test]
fn srt_overrides_and_unknown_markup() {
    let input = "00:00:01,000 --> 00:00:02,000\n{\\an8}{\\i1}x{\\i0} {\\a{\\b}c {\\open\n\
                 {not an override} <I>y</I> <FONT size=2>z</font> <br> <b class=x>w</b>\n";
    assert_eq!(
        srt(input),
        vec![cue(
            2,
            1000,
            2000,
            None,
            "x {\\ac {\\open\n{not an override} y z <br> w"
        )]
    );
}

#[test]
fn srt_blank_line_inside_text_continues_the_cue() {
    let input = "1\n00:00:01,000 --> 00:00:02,000\nfirst part\n\nsecond part\n\n\
                 2\n00:00:02,000 --> 00:00:03,000\nnext\n";
    assert_eq!(
        srt(input),
        vec![
            cue(3, 1000, 2000, None, "first part\nsecond part"),
            cue(9, 2000, 3000, None, "next"),
        ]
    );
}

#[test]
fn srt_bracket_labels() {
    let input = "1\n00:00:01,000 --> 00:00:02,000\n[Laughs] yeah\n\n\
                 2\n00:00:02,000 --> 00:00:03,000\n[MUSIC PLAYING]\n\n\
                 3\n00:00:03,000 --> 00:00:04,000\n[Ann]: right\n\n\
                 4\n00:00:04,000 --> 00:00:05,000\n[inaudible] word\n";
    assert_eq!(
        srt(input),
        vec![
            cue(3, 1000, 2000, None, "[Laughs] yeah"),
            cue(7, 2000, 3000, None, "[MUSIC PLAYING]"),
            cue(11, 3000, 4000, Some("Ann"), "right"),
            cue(15, 4000, 5000, None, "[inaudible] word"),
        ]
    );
    // Brackets are SubRip-only: in WebVTT they stay text.
    let cues = vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n[Ann] hi\n");
    assert_eq!(cues[0].speaker, None);
}

#[test]
fn srt_errors_name_the_line() {
    let input = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:01 -> 00:00:02\ntext\n";
    assert_eq!(
        srt_err(input),
        (
            6,
            "line 6: bad timing line `00:00:01 -> 00:00:02`: \
             expected `HH:MM:SS,mmm --> HH:MM:SS,mmm`"
                .to_owned()
        )
    );
    let (line, message) = srt_err("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nno timing\n");
    assert_eq!(line, 5);
    assert!(
        message.contains("cue number `2` is not followed by a timing line"),
        "{message}"
    );
    assert_eq!(
        srt_err("Title of the film\n\n1\n00:00:01,000 --> 00:00:02,000\nx\n").0,
        1
    );
    assert_eq!(srt_err("1\n00:00:01,000 --> 00:00:02;000\nx\n").0, 2);
    assert_eq!(
        srt_err("1\n00:00:01,000 --> 00:00:02,000\nx\n\n00:00:0a,000 --> x\n").0,
        5
    );
}

#[test]
fn crlf_free_and_stray_carriage_returns() {
    let lf = "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n";
    assert_eq!(srt(lf), vec![cue(3, 1000, 2000, Some("Ann"), "hi")]);
    // Not expected (input is normalised), but a leftover `\r` does no harm.
    assert_eq!(srt(&lf.replace('\n', "\r\n")), srt(lf));
    let vtt_lf = "WEBVTT\n\n00:01.000 --> 00:02.000\nAnn: hi\n";
    assert_eq!(vtt(&vtt_lf.replace('\n', "\r\n")), vtt(vtt_lf));
}

#[test]
fn non_ascii_text() {
    let input =
        "WEBVTT\n\n00:01.000 --> 00:02.000\nRenée Çelik: Café au lait? 😀 Ja, schön — 東京\n\n\
                 00:02.000 --> 00:03.000\n<v Zoë>é😀</v>\n";
    assert_eq!(
        vtt(input),
        vec![
            cue(
                4,
                1000,
                2000,
                Some("Renée Çelik"),
                "Café au lait? 😀 Ja, schön — 東京"
            ),
            cue(7, 2000, 3000, Some("Zoë"), "é😀"),
        ]
    );
    let cues = srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Ærø: 😀 é\n");
    assert_eq!(cues, vec![cue(3, 1000, 2000, Some("Ærø"), "😀 é")]);
}

#[test]
fn awkward_inputs_do_not_panic() {
    let inputs = [
        "",
        "\n",
        "WEBVTT\n\n<",
        "WEBVTT\n\n-->",
        "WEBVTT\n\n00:01.000 -->",
        "é-->é",
        "1\n-->\n",
        "&#",
        "<v",
        "{\\",
        "1\n00:00:01,000 --> 00:00:02,000\n<v é",
        "😀:😀 ",
        "WEBVTT\n\n00:01.000 --> 00:02.000\n&#99999999999; &#x110000; <v.😀 😀>😀\n",
        "1\n00:00:01,000 --> 00:00:02,000\n[😀] 😀\n[é",
        "NOTE\n",
        "WEBVTT\nNOTE",
        "9:9:9.9",
    ];
    for input in inputs {
        let _ = parse_vtt(input);
        let _ = parse_srt(input);
        let _ = parse_vtt(&format!("WEBVTT\n\n00:01.000 --> 00:02.000\n{input}"));
        let _ = parse_srt(&format!("1\n00:00:01,000 --> 00:00:02,000\n{input}"));
    }
}
