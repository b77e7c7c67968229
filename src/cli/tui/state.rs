//! The review view's state machine: the queue's order, the mode (reviewing, changing the
//! code, writing a memo, help), the memo waiting for the next decision and the status line,
//! moved by keys. It knows nothing of the terminal or the store.

use crate::cli::print::sanitize;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use quarry::error::Result;
use quarry::review::pick::ranked;
use quarry::review::{self, Command, Session};
use quarry::store::DecisionRow;
use std::collections::VecDeque;

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
    pub(super) total: usize,
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
    pub(super) codes: Option<Vec<(String, String)>>,
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
        // Stable: codebook order within a rank.
        ranked(self.codes.as_deref().unwrap_or(&[]), filter)
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

    /// The items still to show, in order (to rank them again).
    pub fn rest_mut(&mut self) -> &mut [usize] {
        self.order.make_contiguous()
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

/// One line about a command that was stored.
pub(super) fn stored(cmd: &Command) -> String {
    match cmd {
        Command::Accept(_) => "accepted".into(),
        Command::Reject(_) => "rejected".into(),
        Command::Change(code, _) => format!("changed to {}", sanitize(code, true)),
        _ => String::new(),
    }
}
