//! The full-screen review view: one suggestion at a time, with its turn of context each side,
//! the evidence words marked, and the code's definition and notes beside it.
//!
//! It stores exactly what the line loop (`super::lines::run_lines`) stores, through
//! [`review::apply`], and keeps the same queue rules: an undo puts the undone item back in
//! front, a skip moves on, a memo goes with the next decision.
//!
//! The key handling is a plain state machine ([`View`]) and drawing is a function of it
//! ([`draw`]), so both are tested without a terminal. [`run`] wires them to crossterm and puts
//! the terminal back on every way out: normal return, error (a guard's `Drop`) and panic (a
//! hook that restores the screen before the panic message is printed).

use crate::cli::print::{place, sanitize};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use quarry::error::Result;
use quarry::project::Project;
use quarry::review::{self, Command, Item, Queue, Session};
use quarry::store::DecisionRow;
use quarry::text::model::Segment;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::{Frame, Terminal};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

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

// ---------------------------------------------------------------- state

/// What the view is doing with the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Reviewing: one key per command.
    Normal,
    /// Choosing the code to change to.
    Change {
        /// What has been typed.
        filter: String,
        /// Position in the filtered list.
        selected: usize,
    },
    /// Writing a memo.
    Memo {
        /// What has been typed.
        text: String,
    },
    /// The help overlay.
    Help,
}

/// What the driver must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond drawing again.
    None,
    /// Store this decision on the current item, then report with [`View::decided`].
    Decide(Command),
    /// Undo the coder's last decision, then report with [`View::undone`].
    Undo,
    /// Leave the view.
    Quit,
}

/// The review view's state: the queue's order, the mode, the memo waiting for the next
/// decision and the status line. Knows nothing of the terminal or the store.
#[derive(Debug, Clone)]
pub struct View {
    /// Items still to show (indexes into the queue); the first is on screen.
    order: VecDeque<usize>,
    /// Items decided in this session with their decision ids, oldest first.
    done: Vec<(usize, i64)>,
    /// Items in the queue.
    total: usize,
    /// What keys do now.
    pub mode: Mode,
    /// A memo for the next decision.
    pub memo: Option<String>,
    /// One line of news: what happened, or what went wrong.
    pub status: Option<String>,
    /// Whether the status is an error.
    pub error: bool,
    /// The codes one can change to for the current item (id, name); None when its codebook
    /// cannot be loaded, and then the code id is typed.
    codes: Option<Vec<(String, String)>>,
    /// Rows the text panel is scrolled down by; None opens the item at its first evidence
    /// word (the draw says where that was, and scrolling by hand goes on from there).
    pub scroll: Option<u16>,
    /// Counts for the summary.
    session: Session,
}

impl View {
    /// A view on a queue of `total` items, in queue order.
    pub fn new(total: usize) -> View {
        View {
            order: (0..total).collect(),
            done: Vec::new(),
            total,
            mode: Mode::Normal,
            memo: None,
            status: None,
            error: false,
            codes: None,
            scroll: None,
            session: Session::default(),
        }
    }

    /// The item on screen, if any is left.
    pub fn current(&self) -> Option<usize> {
        self.order.front().copied()
    }

    /// Position of the current item, 1-based, and the queue's length (as the line loop
    /// counts: decided and skipped items are behind).
    pub fn progress(&self) -> (usize, usize) {
        (self.total - self.order.len() + 1, self.total)
    }

    /// What the session did so far.
    pub fn session(&self) -> Session {
        Session {
            left: self.order.len(),
            ..self.session.clone()
        }
    }

    /// Sets the codes one can change the current item to (None: its codebook is unknown).
    pub fn set_codes(&mut self, codes: Option<Vec<(String, String)>>) {
        self.codes = codes;
    }

    /// The codes matching the change filter being typed.
    pub fn matches(&self) -> Vec<&(String, String)> {
        match &self.mode {
            Mode::Change { filter, .. } => self.matching(filter),
            _ => self.matching(""),
        }
    }

    /// The codes matching `filter`, best first (see [`rank`]); all of them, in codebook
    /// order, when it is empty.
    fn matching(&self, filter: &str) -> Vec<&(String, String)> {
        let mut ranked: Vec<(u8, &(String, String))> = self
            .codes
            .iter()
            .flatten()
            .filter_map(|c| Some((rank(filter, &c.0, &c.1)?, c)))
            .collect();
        // Stable: codebook order within a rank.
        ranked.sort_by_key(|(r, _)| *r);
        ranked.into_iter().map(|(_, c)| c).collect()
    }

    fn say(&mut self, msg: impl Into<String>) {
        self.status = Some(msg.into());
        self.error = false;
    }

    fn fail(&mut self, msg: impl Into<String>) {
        self.status = Some(msg.into());
        self.error = true;
    }

    /// Handles one key.
    pub fn key(&mut self, k: KeyEvent) -> Action {
        if k.kind == KeyEventKind::Release {
            return Action::None;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(k.code, KeyCode::Char('c' | 'C')) {
            return Action::Quit;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal_key(k, ctrl),
            Mode::Help => Action::None,
            Mode::Memo { text } => self.memo_key(k, ctrl, text),
            Mode::Change { filter, selected } => self.change_key(k, ctrl, filter, selected),
        }
    }

    fn normal_key(&mut self, k: KeyEvent, ctrl: bool) -> Action {
        if ctrl || k.modifiers.contains(KeyModifiers::ALT) {
            return Action::None;
        }
        let have_item = self.current().is_some();
        let c = match k.code {
            KeyCode::Char(c) => c.to_ascii_lowercase(),
            KeyCode::Esc => return Action::Quit,
            KeyCode::Down => {
                self.scroll = Some(self.scroll.unwrap_or(0).saturating_add(1));
                return Action::None;
            }
            KeyCode::Up => {
                self.scroll = Some(self.scroll.unwrap_or(0).saturating_sub(1));
                return Action::None;
            }
            KeyCode::PageDown => {
                self.scroll = Some(self.scroll.unwrap_or(0).saturating_add(10));
                return Action::None;
            }
            KeyCode::PageUp => {
                self.scroll = Some(self.scroll.unwrap_or(0).saturating_sub(10));
                return Action::None;
            }
            _ => return Action::None,
        };
        match c {
            'q' => Action::Quit,
            '?' | 'h' => {
                self.mode = Mode::Help;
                Action::None
            }
            'u' => Action::Undo,
            _ if !have_item => {
                self.fail("nothing left to review: u undoes the last decision, q quits");
                Action::None
            }
            'a' => Action::Decide(Command::Accept(self.memo.clone())),
            'r' => Action::Decide(Command::Reject(self.memo.clone())),
            'c' => {
                self.mode = Mode::Change {
                    filter: String::new(),
                    selected: 0,
                };
                Action::None
            }
            'm' => {
                self.mode = Mode::Memo {
                    text: self.memo.clone().unwrap_or_default(),
                };
                Action::None
            }
            's' => {
                self.order.pop_front();
                self.session.skipped += 1;
                self.memo = None;
                self.scroll = None;
                self.say("skipped");
                Action::None
            }
            other => {
                self.fail(format!("no key {other:?} (? for help)"));
                Action::None
            }
        }
    }

    fn memo_key(&mut self, k: KeyEvent, ctrl: bool, mut text: String) -> Action {
        match k.code {
            KeyCode::Esc => self.say("memo not changed"),
            KeyCode::Enter => {
                let t = text.trim();
                if t.is_empty() {
                    self.memo = None;
                    self.say("no memo for the next decision");
                } else {
                    self.memo = Some(t.to_string());
                    self.say("memo kept for the next decision");
                }
            }
            KeyCode::Backspace => {
                text.pop();
                self.mode = Mode::Memo { text };
            }
            KeyCode::Char(c) if !ctrl => {
                text.push(c);
                self.mode = Mode::Memo { text };
            }
            _ => self.mode = Mode::Memo { text },
        }
        Action::None
    }

    fn change_key(
        &mut self,
        k: KeyEvent,
        ctrl: bool,
        mut filter: String,
        mut selected: usize,
    ) -> Action {
        match k.code {
            KeyCode::Esc => {
                self.say("not changed");
                return Action::None;
            }
            KeyCode::Enter => {
                let code = if self.codes.is_some() {
                    self.matching(&filter)
                        .get(selected)
                        .map(|(id, _)| id.clone())
                } else {
                    Some(filter.trim().to_string()).filter(|c| !c.is_empty())
                };
                return match code {
                    Some(code) => Action::Decide(Command::Change(code, self.memo.clone())),
                    None => {
                        let msg = if self.codes.is_some() {
                            format!("no code matches {:?}", filter.trim())
                        } else {
                            "type a code id".to_string()
                        };
                        self.fail(msg);
                        self.mode = Mode::Change { filter, selected };
                        Action::None
                    }
                };
            }
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down => selected = selected.saturating_add(1),
            KeyCode::PageUp => selected = selected.saturating_sub(10),
            KeyCode::PageDown => selected = selected.saturating_add(10),
            KeyCode::Home => selected = 0,
            KeyCode::End => selected = usize::MAX,
            KeyCode::Backspace => {
                filter.pop();
                selected = 0;
            }
            KeyCode::Char(c) if !ctrl => {
                filter.push(c);
                selected = 0;
            }
            _ => {}
        }
        self.mode = Mode::Change { filter, selected };
        // Keep the choice inside the list.
        let n = self.matches().len();
        if let Mode::Change { selected, .. } = &mut self.mode {
            *selected = (*selected).min(n.saturating_sub(1));
        }
        Action::None
    }

    /// Reports how storing the decision asked for went: the item leaves on success, the
    /// error shows in the status line otherwise (and the memo is kept).
    pub fn decided(&mut self, outcome: Result<Option<i64>>, what: &str) {
        match outcome {
            Ok(Some(id)) => {
                if let Some(i) = self.order.pop_front() {
                    self.done.push((i, id));
                }
                self.session.decided += 1;
                self.memo = None;
                self.mode = Mode::Normal;
                self.scroll = None;
                self.say(what);
            }
            Ok(None) => {}
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Reports an undo: an item decided in this session comes back in front.
    pub fn undone(&mut self, outcome: Result<Option<DecisionRow>>) {
        match outcome {
            Ok(Some(d)) => {
                self.session.undone += 1;
                let msg = format!("undone: {}", review::describe(&d));
                if let Some(pos) = self.done.iter().position(|(_, id)| *id == d.id) {
                    let (i, _) = self.done.remove(pos);
                    self.order.push_front(i);
                    self.session.decided -= 1;
                    self.scroll = None;
                    self.say(msg);
                } else {
                    self.say(format!("{msg} (from an earlier session)"));
                }
            }
            Ok(None) => self.fail("nothing to undo"),
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Drops the current item when it cannot be loaded, counting it as skipped.
    pub fn unloadable(&mut self, e: &quarry::Error) {
        if self.order.pop_front().is_some() {
            self.session.skipped += 1;
        }
        self.scroll = None;
        self.fail(format!("skipped an item that cannot be shown: {e}"));
    }
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

/// One line about a command that was stored.
fn stored(cmd: &Command) -> String {
    match cmd {
        Command::Accept(_) => "accepted".into(),
        Command::Reject(_) => "rejected".into(),
        Command::Change(code, _) => format!("changed to {}", sanitize(code, true)),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------- drawing

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

// ---------------------------------------------------------------- terminal

/// Whether this process has the terminal in raw mode on the alternate screen.
static TAKEN: AtomicBool = AtomicBool::new(false);
static HOOK: std::sync::Once = std::sync::Once::new();

/// Puts the terminal back, once, whoever calls first.
fn restore() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::LeaveAlternateScreen,
            crossterm::cursor::Show
        );
    }
}

/// Holds the terminal; gives it back when dropped (on return, `?` and unwinding alike).
struct Guard;

impl Guard {
    fn take() -> std::io::Result<Guard> {
        // A panic message should land on a normal screen: restore first, then print.
        HOOK.call_once(|| {
            let before = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                before(info);
            }));
        });
        crossterm::terminal::enable_raw_mode()?;
        TAKEN.store(true, Ordering::SeqCst);
        let guard = Guard;
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )?;
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// The codes a suggestion can be changed to: its codebook's, less the suggested one.
fn change_targets(queue: &Queue, item: &Item) -> Option<Vec<(String, String)>> {
    let cb = queue.codebook(&item.suggestion.codebook)?;
    Some(
        cb.codes
            .iter()
            .filter(|c| c.id != item.suggestion.code)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
    )
}

/// Reviews `queue` full-screen as `coder`, storing each decision before the next item is
/// drawn. Needs a terminal on stdin and stdout. Returns what the session did.
pub fn run(project: &mut Project, coder: &str, queue: &Queue) -> Result<Session> {
    let _guard = Guard::take()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let mut view = View::new(queue.items.len());
    let mut loaded: Option<(usize, Item)> = None;
    loop {
        // Load the item in front when it changed; one that cannot be loaded is passed over.
        while let Some(i) = view.current() {
            if loaded.as_ref().is_some_and(|(j, _)| *j == i) {
                break;
            }
            match queue.item(project, i) {
                Ok(item) => {
                    view.set_codes(change_targets(queue, &item));
                    loaded = Some((i, item));
                }
                Err(e) => view.unloadable(&e),
            }
        }
        if view.current().is_none() {
            loaded = None;
        }
        let shown = loaded.as_ref().map(|(i, item)| Shown {
            item,
            progress: view.progress(),
            code_progress: queue.code_progress(*i),
        });
        let mut scrolled = 0;
        terminal.draw(|f| scrolled = draw(f, &view, shown.as_ref()))?;
        view.scroll = Some(scrolled);
        let key = match event::read()? {
            Event::Key(k) => k,
            _ => continue,
        };
        match view.key(key) {
            Action::None => {}
            Action::Quit => break,
            Action::Undo => {
                let outcome = project.store_mut().undo_last(coder).map_err(Into::into);
                view.undone(outcome);
            }
            Action::Decide(cmd) => {
                if let Some((_, item)) = &loaded {
                    let outcome = review::apply(project, queue, coder, item, &cmd, None);
                    view.decided(outcome, &stored(&cmd));
                }
            }
        }
    }
    drop(terminal);
    Ok(view.session())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quarry::store::{Evidence, SuggestionRow, SuggestionState};
    use ratatui::backend::TestBackend;

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
}
