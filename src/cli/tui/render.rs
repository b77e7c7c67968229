//! Drawing the review view: a function of its state ([`View`]) and the item on screen, so it
//! is tested on a test backend. The segment with its turns of context and the evidence
//! marked, the code's definition and rules beside it, the status and key lines, and the
//! overlays (help, memo, change of code).

use super::state::{Mode, View};
use crate::cli::print::{place, sanitize};
use quarry::review::Item;
use quarry::text::model::Segment;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

/// How the evidence words are drawn.
pub const HIGHLIGHT: Style = Style::new()
    .add_modifier(Modifier::BOLD)
    .add_modifier(Modifier::REVERSED);

const DIM: Style = Style::new().add_modifier(Modifier::DIM);
const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);

/// The keys, in the footer.
const KEYS: &str = "a accept · r reject · c change · m memo · s skip · u undo · ? help · q quit";

/// The help overlay.
const HELP_LINES: &[(&str, &str)] = &[
    ("a", "accept the suggested code"),
    ("r", "reject it"),
    (
        "c",
        "change: reject it and apply another code (type to filter, ↑/↓, Enter)",
    ),
    ("m", "memo: a note kept for the next decision"),
    ("s", "skip: leave it for later"),
    ("u", "undo your last decision (its item comes back)"),
    ("↑/↓ PgUp/PgDn", "scroll the text"),
    ("?", "this help"),
    ("q Esc Ctrl-C", "quit (every decision is already stored)"),
];

/// Longest part of the turns before and after shown, in characters.
const CONTEXT_CHARS: usize = 400;

/// The item on screen with where it stands in the queue.
pub struct Shown<'a> {
    /// The item.
    pub item: &'a Item,
    /// Its place in the queue and the queue's length.
    pub progress: (usize, usize),
    /// Its place among the items of its code and their number.
    pub code_progress: (usize, usize),
}

/// Draws the view. Returns the rows the text panel is scrolled down by (within what it can
/// scroll; at the first evidence word when `view.scroll` is None), for the view to keep.
pub fn draw(frame: &mut Frame, view: &View, shown: Option<&Shown>) -> u16 {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return 0;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let mut scrolled = 0;
    match shown {
        Some(s) => {
            draw_header(frame, header, s);
            // Side by side when wide, one above the other when narrow.
            let [text_area, code_area] = if body.width >= 100 {
                Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                    .areas(body)
            } else {
                Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)])
                    .areas(body)
            };
            scrolled = draw_text(frame, text_area, s.item, view.scroll);
            draw_code(frame, code_area, s);
        }
        None => {
            frame.render_widget(Paragraph::new(Line::styled("quarry review", BOLD)), header);
            let (n, _) = view.progress();
            let msg = format!(
                "Nothing left to review ({} of {} decided or skipped). u undoes the last \
                 decision, q quits.",
                n - 1,
                view.total
            );
            frame.render_widget(
                Paragraph::new(msg)
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered()),
                body,
            );
        }
    }

    draw_status(frame, status, view);
    let keys = match view.mode {
        Mode::Normal => KEYS,
        Mode::Change { .. } => "type to filter · ↑/↓ choose · Enter apply · Esc cancel",
        Mode::Memo { .. } => "type the memo · Enter keep it for the next decision · Esc cancel",
        Mode::Help => "any key closes the help",
    };
    frame.render_widget(Paragraph::new(Line::styled(keys, DIM)), footer);

    match &view.mode {
        Mode::Normal => {}
        Mode::Help => draw_help(frame, body),
        Mode::Memo { text } => draw_memo(frame, body, text),
        Mode::Change { filter, selected } => {
            let book = shown.map(|s| s.item.suggestion.codebook.as_str());
            draw_change(frame, body, view, filter, *selected, book.unwrap_or(""));
        }
    }
    scrolled
}

fn who(s: &Segment) -> String {
    match (&s.speaker, s.role) {
        (Some(sp), Some(r)) => format!("{} ({r})", sanitize(sp, true)),
        (Some(sp), None) => sanitize(sp, true),
        (None, _) => "-".to_string(),
    }
}

fn draw_header(frame: &mut Frame, area: Rect, s: &Shown) {
    let seg = &s.item.segment;
    let (n, total) = s.progress;
    let (k, of_code) = s.code_progress;
    let right = if area.width >= 80 {
        format!("{n} of {total} · {k} of {of_code} for this code")
    } else {
        format!("{n}/{total} · code {k}/{of_code}")
    };
    let left = Line::from(vec![
        Span::styled(sanitize(&seg.document, true), BOLD),
        Span::raw(format!(" · {} · {} · #{}", who(seg), place(seg), seg.id)),
    ]);
    let width = (right.chars().count() as u16 + 1).min(area.width / 2);
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(Line::from(right).right_aligned()), r);
}

/// Appends `text` to `lines` in `style`, starting new lines at its newlines.
fn push_text(lines: &mut Vec<Line<'static>>, text: &str, style: Style) {
    let clean = sanitize(&text.replace("\r\n", "\n"), false).replace('\t', "    ");
    for (k, part) in clean.split('\n').enumerate() {
        if k > 0 || lines.is_empty() {
            lines.push(Line::default());
        }
        if !part.is_empty() {
            if let Some(last) = lines.last_mut() {
                last.push_span(Span::styled(part.to_string(), style));
            }
        }
    }
}

/// The segment's text as lines, with the byte ranges `highlights` in [`HIGHLIGHT`].
pub fn segment_lines(text: &str, highlights: &[(usize, usize)]) -> Vec<Line<'static>> {
    let mut ranges: Vec<(usize, usize)> = highlights.to_vec();
    ranges.sort_unstable();
    let mut lines = vec![Line::default()];
    let mut at = 0;
    for (a, b) in ranges {
        // Overlapping evidence is merged; ranges off the text or a char boundary are ignored.
        let a = a.max(at);
        if b <= a || text.get(a..b).is_none() {
            continue;
        }
        push_text(&mut lines, &text[at..a], Style::new());
        push_text(&mut lines, &text[a..b], HIGHLIGHT);
        at = b;
    }
    push_text(&mut lines, &text[at..], Style::new());
    lines
}

/// A turn of context cut to [`CONTEXT_CHARS`], keeping its end (`tail`) or its start.
fn context(text: &str, tail: bool) -> String {
    let one = sanitize(text, true);
    let n = one.chars().count();
    if n <= CONTEXT_CHARS {
        return one;
    }
    if tail {
        let rest: String = one.chars().skip(n - CONTEXT_CHARS).collect();
        format!("…{rest}")
    } else {
        let head: String = one.chars().take(CONTEXT_CHARS).collect();
        format!("{head}…")
    }
}

/// Rows `lines` take when word-wrapped at `width`, as the text panel wraps them.
fn rows(lines: &[Line<'static>], width: u16) -> usize {
    Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width)
}

/// The row (0-based, wrapped at `width`) of the first word marked [`HIGHLIGHT`] in `lines`.
fn evidence_row(lines: &[Line<'static>], width: u16) -> Option<usize> {
    let (li, si) = lines.iter().enumerate().find_map(|(li, l)| {
        let si = l.spans.iter().position(|s| s.style == HIGHLIGHT)?;
        Some((li, si))
    })?;
    // The line up to the evidence's first word wraps as the whole line does up to there.
    let mut head = Line::from(lines[li].spans[..si].to_vec());
    let word = lines[li].spans[si].content.split_whitespace().next();
    head.push_span(Span::raw(word.unwrap_or("").to_string()));
    Some(rows(&lines[..li], width) + rows(&[head], width).saturating_sub(1))
}

/// Rows of context kept above the evidence when an item opens scrolled to it.
const CONTEXT_ROWS: usize = 2;

/// Draws the segment with its context, scrolled by `scroll` (None: so the first evidence
/// word is in view). Returns the scroll used.
fn draw_text(frame: &mut Frame, area: Rect, item: &Item, scroll: Option<u16>) -> u16 {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(b) = &item.before {
        lines.push(Line::styled(
            format!("{}:", who(b)),
            DIM.add_modifier(Modifier::ITALIC),
        ));
        lines.push(Line::styled(context(&b.text, true), DIM));
        lines.push(Line::default());
    }
    lines.push(Line::styled(format!("{}:", who(&item.segment)), BOLD));
    lines.extend(segment_lines(&item.segment.text, &item.highlights));
    if let Some(a) = &item.after {
        lines.push(Line::default());
        lines.push(Line::styled(
            format!("{}:", who(a)),
            DIM.add_modifier(Modifier::ITALIC),
        ));
        lines.push(Line::styled(context(&a.text, false), DIM));
    }
    let block = Block::bordered().title(" Segment ");
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let max = rows(&lines, inner.width).saturating_sub(height);
    let scroll = match scroll {
        Some(s) => usize::from(s),
        // Left at the top when the evidence shows there, else a little context above it.
        None => match evidence_row(&lines, inner.width) {
            Some(row) if row >= height => row.saturating_sub(CONTEXT_ROWS),
            _ => 0,
        },
    };
    let scroll = u16::try_from(scroll.min(max)).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        area,
    );
    scroll
}

fn draw_code(frame: &mut Frame, area: Rect, s: &Shown) {
    let item = s.item;
    let mut lines = vec![Line::from(vec![
        Span::styled(sanitize(&item.suggestion.code, true), BOLD),
        Span::raw(if item.name.is_empty() {
            String::new()
        } else {
            format!("  {}", sanitize(&item.name, true))
        }),
    ])];
    lines.push(Line::from(format!(
        "score {:.2} · codebook {}",
        item.suggestion.score,
        sanitize(&item.suggestion.codebook, true)
    )));
    for (label, text) in [
        ("Definition", &item.definition),
        ("Include", &item.include),
        ("Exclude", &item.exclude),
    ] {
        if !text.trim().is_empty() {
            lines.push(Line::default());
            lines.push(Line::styled(label, BOLD));
            lines.push(Line::raw(sanitize(text.trim(), true)));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("Rules that fired", BOLD));
    if item.rules.is_empty() {
        lines.push(Line::styled("(none recorded)", DIM));
    }
    for r in &item.rules {
        lines.push(Line::raw(format!("• {}", sanitize(r, true))));
    }
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Suggested code ")),
        area,
    );
}

fn draw_status(frame: &mut Frame, area: Rect, view: &View) {
    let mut spans = Vec::new();
    if let Some(msg) = &view.status {
        let style = if view.error {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Green)
        };
        spans.push(Span::styled(sanitize(msg, true), style));
    }
    if let Some(m) = &view.memo {
        if !spans.is_empty() {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled("memo: ", BOLD));
        spans.push(Span::raw(sanitize(m, true)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle in the middle of `area`, at most `w` by `h`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = HELP_LINES
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>14}  "), BOLD),
                Span::raw(*what),
            ])
        })
        .collect();
    let r = centered(area, 90, HELP_LINES.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Keys ")),
        r,
    );
}

fn input_line(label: &str, text: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(label.to_string(), BOLD),
        Span::raw(sanitize(text, true)),
        Span::styled("▏", Style::new().add_modifier(Modifier::SLOW_BLINK)),
    ])
}

fn draw_memo(frame: &mut Frame, area: Rect, text: &str) {
    let r = centered(area, 80, 3);
    frame.render_widget(Clear, r);
    // Keep the end of a long memo in view.
    let inner = r.width.saturating_sub(2 + 7) as usize;
    let n = text.chars().count();
    let visible: String = text.chars().skip(n.saturating_sub(inner)).collect();
    frame.render_widget(
        Paragraph::new(input_line("memo: ", &visible))
            .block(Block::bordered().title(" Memo for the next decision ")),
        r,
    );
}

fn draw_change(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    filter: &str,
    selected: usize,
    book: &str,
) {
    let r = centered(area, 80, area.height.saturating_sub(2).max(8));
    frame.render_widget(Clear, r);
    let block = Block::bordered().title(" Change to which code? ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [input, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(input_line("code: ", filter)), input);
    if view.codes.is_none() {
        frame.render_widget(
            Paragraph::new(format!(
                "Codebook {} cannot be loaded: type the code id and press Enter.",
                sanitize(book, true)
            ))
            .wrap(Wrap { trim: true })
            .style(DIM),
            list_area,
        );
        return;
    }
    let matches = view.matches();
    if matches.is_empty() {
        frame.render_widget(Paragraph::new("no code matches").style(DIM), list_area);
        return;
    }
    let items: Vec<ListItem> = matches
        .iter()
        .map(|(id, name)| {
            ListItem::new(Line::from(vec![
                Span::styled(sanitize(id, true), BOLD),
                Span::raw(format!("  {}", sanitize(name, true))),
            ]))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(selected.min(matches.len() - 1)));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .highlight_symbol("> "),
        list_area,
        &mut state,
    );
}
