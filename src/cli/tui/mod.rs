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

mod render;
mod state;
#[cfg(test)]
mod tests;

pub use render::{draw, Shown};
use state::stored;
pub use state::{Action, View};

use crossterm::event::{self, Event};
use quarry::error::Result;
use quarry::project::Project;
use quarry::review::{self, Command, Item, Queue, Session};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Reviews `queue` full-screen as `coder`, storing each decision before the next item is
/// drawn. Needs a terminal on stdin and stdout. Returns what the session did.
pub fn run(project: &mut Project, coder: &str, queue: &mut Queue) -> Result<Session> {
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
                    view.set_codes(quarry::review::pick::change_targets(queue, &item));
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
                let outcome = review::undo_last(project, coder);
                view.undone(outcome);
                // The item back in front: the ranker forgets its decision (in the ranked
                // orders; a failure only leaves the order as it was).
                if let Some(i) = view.current() {
                    let _ = queue.unlearn(project, i);
                }
            }
            Action::Decide(cmd) => {
                if let Some((i, item)) = &loaded {
                    let outcome = review::apply(project, queue, coder, item, &cmd, None);
                    let stored_ok = matches!(outcome, Ok(Some(_)));
                    view.decided(outcome, &stored(&cmd));
                    // In `--order likely|uncertain` the ranker learns the decision and what
                    // is left is ranked again; a failure only leaves the order as it was.
                    if stored_ok
                        && queue
                            .learn(project, *i, matches!(cmd, Command::Accept(_)))
                            .is_ok()
                    {
                        queue.reorder(view.rest_mut());
                    }
                }
            }
        }
    }
    drop(terminal);
    Ok(view.session())
}
