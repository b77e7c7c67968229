//! The review without a full-screen terminal: one item printed, one command read per line, each
//! decision stored (through [`quarry::review`]) before the next item is shown. Scripts and
//! tests drive quarry through this loop; the full-screen view ([`super::tui`]) stores the same.

use crate::cli::print;
use quarry::codebook::Codebook;
use quarry::project::Project;
use quarry::review::{self, describe, parse_command, Command, Queue, Session, HELP};
use quarry::Result;
use std::io::{BufRead, Write};

/// The review loop without a terminal: prints each item to `out`, reads one command per line
/// from `input`, stores each decision before showing the next item. Ends at `q`, at the end
/// of input, or when the queue is done.
pub fn run_lines(
    project: &mut Project,
    coder: &str,
    queue: &mut Queue,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Session> {
    let mut session = Session::default();
    // Items still to show: an undo puts its item back in front.
    let mut order: std::collections::VecDeque<usize> = (0..queue.items.len()).collect();
    let mut done: Vec<(usize, i64)> = Vec::new();
    let mut memo: Option<String> = None;
    let mut shown = None;
    let mut line = String::new();
    while let Some(&i) = order.front() {
        let item = queue.item(project, i)?;
        if shown != Some(i) {
            let (k, n) = queue.code_progress(i);
            print::review_item(
                out,
                &item,
                (queue.items.len() - order.len() + 1, queue.items.len()),
                (k, n),
            )?;
            shown = Some(i);
        }
        write!(out, "> ")?;
        out.flush()?;
        line.clear();
        if input.read_line(&mut line)? == 0 {
            break;
        }
        let cmd = match parse_command(&line) {
            Ok(c) => c,
            Err(e) => {
                writeln!(out, "{e}")?;
                continue;
            }
        };
        match &cmd {
            Command::Quit => break,
            Command::Help => writeln!(out, "{HELP}")?,
            Command::Memo(m) => {
                memo = Some(m.clone());
                writeln!(out, "memo kept for the next decision")?;
            }
            Command::Skip => {
                order.pop_front();
                session.skipped += 1;
                memo = None;
            }
            Command::Undo => match review::undo_last(project, coder)? {
                Some(d) => {
                    session.undone += 1;
                    writeln!(out, "undone: {}", describe(&d))?;
                    if let Some(pos) = done.iter().position(|(_, id)| *id == d.id) {
                        let (j, _) = done.remove(pos);
                        if let Err(e) = queue.unlearn(project, j) {
                            writeln!(out, "(the order could not forget it: {e})")?;
                        }
                        order.push_front(j);
                        session.decided -= 1;
                    }
                }
                None => writeln!(out, "nothing to undo")?,
            },
            Command::Accept(_) | Command::Reject(_) | Command::Change(..) => {
                match review::apply(project, queue, coder, &item, &cmd, memo.take()) {
                    Ok(Some(id)) => {
                        // Said once the decision is committed: what a person (or a script)
                        // can rely on being stored.
                        let verdict = match &cmd {
                            Command::Accept(_) => "accepted".to_string(),
                            Command::Change(code, _) => format!("changed to {code}"),
                            _ => "rejected".to_string(),
                        };
                        writeln!(
                            out,
                            "saved: #{} {} {verdict} (decision {id})",
                            item.suggestion.segment, item.suggestion.code
                        )?;
                        done.push((i, id));
                        order.pop_front();
                        // The ranker learns the decision; in the `likely` and `uncertain`
                        // orders what is left is ranked again. The decision is stored
                        // either way: a failure here only leaves the order as it was.
                        match queue.learn(project, i, matches!(cmd, Command::Accept(_))) {
                            Ok(()) => queue.reorder(order.make_contiguous()),
                            Err(e) => writeln!(out, "(the order could not learn from it: {e})")?,
                        }
                        session.decided += 1;
                    }
                    Ok(None) => {}
                    Err(e) => writeln!(out, "{e}")?,
                }
            }
        }
    }
    session.left = order.len();
    writeln!(
        out,
        "{} decided, {} skipped, {} undone; {} left.",
        session.decided, session.skipped, session.undone, session.left
    )?;
    Ok(session)
}

/// Reviews a sample of in-scope segments that got no suggestion from `codebook` (`targeted`
/// of them drawn for resembling confirmed segments, the rest at random; see
/// [`review::unsuggested_sample`]), to estimate what the codebook misses: for each, `c CODE [memo]` records a code that applies
/// (several may), `n` moves on (recording "no code" when none was given), `s` skips, `q`
/// quits. Segments the coder has already judged this way are not shown again.
#[allow(clippy::too_many_arguments)]
pub fn run_unsuggested(
    project: &mut Project,
    coder: &str,
    codebook: &Codebook,
    sample: usize,
    targeted: usize,
    seed: u64,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Session> {
    use quarry::review::quality::NO_CODE;
    let drawn = review::unsuggested_sample(project, coder, codebook, sample, targeted, seed)?;
    let ids = &drawn.segments;
    let mut session = Session::default();
    let mut line = String::new();
    let record = |project: &mut Project, seg: i64, code: &str, memo: Option<String>| {
        let targeted = drawn.targeted.contains(&seg);
        review::record_unsuggested(project, coder, codebook, seg, code, memo, targeted)
    };
    let mut k = 0;
    'items: while k < ids.len() {
        let Some(seg) = project.store().segments(&[ids[k]])?.pop() else {
            k += 1;
            continue;
        };
        writeln!(
            out,
            "\n[{} of {}] no suggestion from {}{}: {} · {} · #{}",
            k + 1,
            ids.len(),
            codebook.id,
            if drawn.targeted.contains(&ids[k]) {
                " (drawn for resembling confirmed segments)"
            } else {
                ""
            },
            print::sanitize(&seg.document, true),
            print::sanitize(seg.speaker.as_deref().unwrap_or("-"), true),
            seg.id
        )?;
        for l in print::sanitize(&seg.text, false).lines() {
            writeln!(out, "  | {l}")?;
        }
        writeln!(
            out,
            "  c CODE [memo] a code applies · n next (no code) · s skip · q quit"
        )?;
        let mut coded = 0;
        loop {
            write!(out, "> ")?;
            out.flush()?;
            line.clear();
            if input.read_line(&mut line)? == 0 {
                break 'items;
            }
            match parse_command(&line) {
                Ok(Command::Quit) => break 'items,
                Ok(Command::Change(code, memo)) => {
                    if codebook.code(&code).is_none() {
                        writeln!(out, "no code {code} in codebook {}", codebook.id)?;
                        continue;
                    }
                    record(project, seg.id, &code, memo)?;
                    session.decided += 1;
                    coded += 1;
                }
                Ok(Command::Skip) if line.trim() == "s" => {
                    session.skipped += 1;
                    break;
                }
                _ if matches!(line.trim(), "n" | "next") => {
                    if coded == 0 {
                        record(project, seg.id, NO_CODE, None)?;
                        session.decided += 1;
                    }
                    break;
                }
                _ => writeln!(out, "c CODE [memo] · n next · s skip · q quit")?,
            }
        }
        k += 1;
    }
    session.left = ids.len() - k.min(ids.len());
    writeln!(
        out,
        "{} recorded, {} skipped; {} left.",
        session.decided, session.skipped, session.left
    )?;
    Ok(session)
}
