//! Where a coder is in a review in the browser: the items in the order shown, what was done
//! with each, and which is on screen. Skipped items go to the end and come back; `j`/`k` step
//! back and forth over decided ones. What is stored lives in the project; this is only the
//! walk through it, kept per coder and filter while the server runs.

use quarry::review::Queue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What was done with one item in this walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Done {
    /// Not yet decided.
    Open,
    /// Passed over; it comes back once the others are decided.
    Skipped,
    /// Decided: the decision's id, and what it was ("accepted", "rejected", "changed to X",
    /// a code for a segment no rule reached, "no code").
    Decided(i64, String),
}

/// What is reviewed: a codebook's suggestions, or segments no rule of a codebook reached.
pub(crate) enum Items {
    /// Suggestions waiting for the coder.
    Suggestions(Box<Queue>),
    /// Segments without a suggestion (`review --unsuggested`), by id.
    Unsuggested {
        /// The codebook whose misses are estimated.
        codebook: Box<quarry::codebook::Codebook>,
        /// The sample of segments.
        segments: quarry::review::UnsuggestedSample,
    },
}

impl Items {
    fn len(&self) -> usize {
        match self {
            Items::Suggestions(q) => q.items.len(),
            Items::Unsuggested { segments, .. } => segments.segments.len(),
        }
    }
}

/// One coder's walk through one filtered queue.
pub(crate) struct Walk {
    /// What is reviewed, in review order.
    pub items: Items,
    /// Item indexes in the order shown (a skipped item moves to the end).
    order: Vec<usize>,
    /// What was done with each item, by item index (changed only through `set`, which keeps
    /// the tallies).
    pub done: Vec<Done>,
    /// Each item's group: its code's place among the queue's codes.
    group: Vec<u32>,
    /// Counts over every item.
    all: Counts,
    /// Counts per group.
    per: Vec<Counts>,
    /// Position in `order` of the item on screen (`order.len()`: past the end).
    pos: usize,
    /// What the last action did, said once on the next page.
    pub said: Option<String>,
}

/// Counts of one walk, or of one code's items in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Items.
    pub total: usize,
    /// Decided to apply the code (accepted, or a code chosen for an unsuggested segment).
    pub accepted: usize,
    /// Decided otherwise (rejected, changed, no code).
    pub rejected: usize,
    /// Skipped and not decided since.
    pub skipped: usize,
}

impl Walk {
    /// A walk over `items` from the first.
    pub fn new(items: Items) -> Walk {
        let n = items.len();
        // Items are grouped by code, so that a code's progress is kept as it changes rather
        // than counted over a queue that may hold millions.
        let mut group = vec![0u32; n];
        let mut codes: HashMap<&str, u32> = HashMap::new();
        if let Items::Suggestions(q) = &items {
            for (g, s) in group.iter_mut().zip(&q.items) {
                let next = codes.len() as u32;
                *g = *codes.entry(s.code.as_str()).or_insert(next);
            }
        }
        let mut per = vec![Counts::default(); codes.len().max(1)];
        for &g in &group {
            per[g as usize].total += 1;
        }
        Walk {
            order: (0..n).collect(),
            done: vec![Done::Open; n],
            group,
            all: Counts {
                total: n,
                ..Counts::default()
            },
            per,
            pos: 0,
            said: None,
            items,
        }
    }

    /// Sets what was done with item `i`, keeping the counts.
    fn set(&mut self, i: usize, d: Done) {
        let g = self.group[i] as usize;
        let old = std::mem::replace(&mut self.done[i], d);
        for (done, step) in [(&old, -1i64), (&self.done[i], 1)] {
            for c in [&mut self.all, &mut self.per[g]] {
                let slot = match done {
                    Done::Open => continue,
                    Done::Skipped => &mut c.skipped,
                    Done::Decided(_, what) if applies(what) => &mut c.accepted,
                    Done::Decided(..) => &mut c.rejected,
                };
                *slot = slot.saturating_add_signed(step as isize);
            }
        }
    }

    /// The item on screen, if any is left to show.
    pub fn current(&self) -> Option<usize> {
        self.order.get(self.pos).copied()
    }

    /// The on-screen item's place in the order shown, 1-based.
    pub fn place(&self) -> usize {
        self.pos + 1
    }

    /// Records that item `i` was decided and moves on to the next one still open.
    pub fn decided(&mut self, i: usize, id: i64, what: String) {
        if i < self.done.len() {
            self.set(i, Done::Decided(id, what));
        }
        self.advance();
    }

    /// Lets the queue's ranker learn a decision on item `i` (accepted: the code applies) and,
    /// in the `likely` and `uncertain` orders, ranks the open items after the one on screen
    /// again. Skipped and decided items keep their places.
    pub fn learn(
        &mut self,
        p: &quarry::project::Project,
        i: usize,
        accepted: bool,
    ) -> quarry::Result<()> {
        let Items::Suggestions(q) = &mut self.items else {
            return Ok(());
        };
        q.learn(p, i, accepted)?;
        let done = &self.done;
        let places: Vec<usize> = (self.pos + 1..self.order.len())
            .filter(|&at| self.order[at] != i && done[self.order[at]] == Done::Open)
            .collect();
        let mut open: Vec<usize> = places.iter().map(|&at| self.order[at]).collect();
        q.reorder(&mut open);
        for (at, x) in places.into_iter().zip(open) {
            self.order[at] = x;
        }
        Ok(())
    }

    /// Passes over the item on screen: it goes to the end and comes back after the others.
    pub fn skip(&mut self) {
        let Some(i) = self.current() else { return };
        if matches!(self.done[i], Done::Decided(..)) {
            self.advance();
            return;
        }
        self.set(i, Done::Skipped);
        self.order.remove(self.pos);
        self.order.push(i);
        // The next open item from here, else the longest skipped (the one just skipped last).
        let n = self.order.len();
        let is = |w: &Walk, p: usize, d: &Done| {
            std::mem::discriminant(&w.done[w.order[p]]) == std::mem::discriminant(d)
        };
        self.pos = (self.pos..n)
            .chain(0..self.pos.min(n))
            .find(|&p| is(self, p, &Done::Open))
            .or_else(|| (0..n).find(|&p| is(self, p, &Done::Skipped)))
            .unwrap_or(n);
    }

    /// `k`: the next item in the order shown, decided or not.
    pub fn forward(&mut self) {
        self.pos = (self.pos + 1).min(self.order.len().saturating_sub(1));
    }

    /// `j`: the previous item in the order shown.
    pub fn back(&mut self) {
        self.pos = self.pos.saturating_sub(1).min(self.order.len());
    }

    /// Before [`Walk::undone`]: the queue's ranker forgets the decision, when it was made in
    /// this walk. Only the order of what is left depends on it; a failure to read the
    /// segment again leaves the ranker as it was, which the next review start corrects.
    pub fn unlearn(&mut self, p: &quarry::project::Project, decision: i64) {
        let found = self
            .done
            .iter()
            .position(|d| matches!(d, Done::Decided(id, _) if *id == decision));
        if let (Some(i), Items::Suggestions(q)) = (found, &mut self.items) {
            let _ = q.unlearn(p, i);
        }
    }

    /// An undone decision: its item is open again and on screen. False when the decision
    /// was not made in this walk.
    pub fn undone(&mut self, decision: i64) -> bool {
        let Some(i) = self
            .done
            .iter()
            .position(|d| matches!(d, Done::Decided(id, _) if *id == decision))
        else {
            return false;
        };
        self.set(i, Done::Open);
        if let Some(at) = self.order.iter().position(|&x| x == i) {
            self.pos = at;
        }
        true
    }

    /// Counts over every item.
    pub fn counts(&self) -> Counts {
        self.all
    }

    /// Counts over the items of item `i`'s code.
    pub fn code_counts(&self, i: usize) -> Counts {
        self.per[self.group[i] as usize]
    }

    /// Moves to the next open item after the one on screen, then to skipped ones, wrapping
    /// round; past the end when every item is decided.
    fn advance(&mut self) {
        let n = self.order.len();
        let open = |w: &Walk, p: usize| matches!(w.done[w.order[p]], Done::Open);
        let skipped = |w: &Walk, p: usize| matches!(w.done[w.order[p]], Done::Skipped);
        let from = self.pos + 1;
        let found = (from..n)
            .chain(0..from.min(n))
            .find(|&p| open(self, p))
            .or_else(|| (from..n).chain(0..from.min(n)).find(|&p| skipped(self, p)));
        self.pos = found.unwrap_or(n);
    }
}

/// Whether a decision's description says the code applies.
fn applies(what: &str) -> bool {
    what == "accepted" || what.starts_with("coded ")
}

/// Every walk in progress, by coder and filter.
#[derive(Default)]
pub(crate) struct Reviews {
    walks: Mutex<HashMap<String, Arc<Mutex<Walk>>>>,
}

impl Reviews {
    /// The walk kept under `key`, if any.
    pub fn get(&self, key: &str) -> Option<Arc<Mutex<Walk>>> {
        self.walks.lock().ok()?.get(key).cloned()
    }

    /// Keeps `walk` under `key` (replacing any) and returns it.
    pub fn put(&self, key: String, walk: Walk) -> Arc<Mutex<Walk>> {
        let w = Arc::new(Mutex::new(walk));
        if let Ok(mut m) = self.walks.lock() {
            m.insert(key, w.clone());
        }
        w
    }

    /// Forgets the walk under `key` (to start it again from the store).
    pub fn drop_walk(&self, key: &str) {
        if let Ok(mut m) = self.walks.lock() {
            m.remove(key);
        }
    }

    /// The walks of `coder` (keys start with the coder's name and a NUL).
    pub fn of_coder(&self, coder: &str) -> Vec<Arc<Mutex<Walk>>> {
        let prefix = format!("{coder}\0");
        self.walks.lock().map_or_else(
            |_| Vec::new(),
            |m| {
                m.iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, w)| w.clone())
                    .collect()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(n: usize) -> Walk {
        Walk::new(Items::Unsuggested {
            codebook: Box::new(quarry::codebook::load("tdf").unwrap()),
            segments: quarry::review::UnsuggestedSample {
                segments: (0..n as i64).collect(),
                targeted: Default::default(),
            },
        })
    }

    #[test]
    fn decided_items_leave_and_skipped_ones_come_back_at_the_end() {
        let mut w = walk(4);
        assert_eq!(w.current(), Some(0));
        w.skip();
        assert_eq!(w.current(), Some(1));
        w.decided(1, 10, "accepted".into());
        assert_eq!(w.current(), Some(2));
        w.decided(2, 11, "rejected".into());
        assert_eq!(w.current(), Some(3));
        w.decided(3, 12, "accepted".into());
        assert_eq!(w.current(), Some(0), "the skipped item comes back");
        let c = w.counts();
        assert_eq!((c.total, c.accepted, c.rejected, c.skipped), (4, 2, 1, 1));
        w.decided(0, 13, "changed to x".into());
        assert_eq!(w.current(), None, "all decided");
        let c = w.counts();
        assert_eq!((c.accepted, c.rejected, c.skipped), (2, 2, 0));
    }

    #[test]
    fn undo_brings_its_item_back_and_j_k_step_over_decided_ones() {
        let mut w = walk(3);
        w.decided(0, 20, "accepted".into());
        w.decided(1, 21, "accepted".into());
        assert_eq!(w.current(), Some(2));
        w.back();
        assert_eq!(w.current(), Some(1));
        w.back();
        w.back();
        assert_eq!(w.current(), Some(0));
        w.forward();
        w.forward();
        w.forward();
        assert_eq!(w.current(), Some(2), "k stops at the last");
        assert!(w.undone(20));
        assert_eq!(w.current(), Some(0));
        assert_eq!(w.done[0], Done::Open);
        assert!(!w.undone(99), "not made here");
    }

    #[test]
    fn skipping_the_only_open_item_keeps_it_on_screen() {
        let mut w = walk(2);
        w.decided(0, 1, "accepted".into());
        w.skip();
        assert_eq!(w.current(), Some(1));
        w.skip();
        assert_eq!(w.current(), Some(1));
        assert_eq!(walk(0).current(), None);
    }
}
