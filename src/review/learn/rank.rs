//! A review queue's ranking: each pending suggestion's predicted chance of being accepted,
//! kept current as the reviewer decides (each decision is learned and every prediction
//! redone from the suggestions' feature ids, a sum each), and the `likely` and `uncertain`
//! orders built on it.

use super::{Feature, Prediction, Ranker};
use crate::project::Project;
use crate::review::Order;
use crate::store::SuggestionRow;
use crate::Result;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;

/// After a learned decision, how many of the items left are put in order (the rest follow
/// in no particular order; the next decision ranks them again). Sorting 300,000 items after
/// every decision took longer than the decision.
pub const HEAD: usize = 500;

/// The rankers of a queue's codebooks and, in the `likely` and `uncertain` orders, every
/// item's prediction.
#[derive(Default)]
pub struct Ranking {
    rankers: HashMap<String, Ranker>,
    /// Per item: the model's feature ids (None: its code gets no prediction). Empty until
    /// [`Ranking::score_all`].
    ids: Vec<Option<Vec<u32>>>,
    /// Per item: P(accept), when it has one.
    likely: Vec<Option<f64>>,
    /// Per item: its codebook, as an index into `books`.
    book_of: Vec<u16>,
    /// The codebooks of the items, in the order `book_of` numbers them.
    books: Vec<String>,
    /// Items learned in this queue: item index → (code, features, accepted), to unlearn.
    learned: HashMap<usize, (Vec<Feature>, bool)>,
}

impl Ranking {
    /// Fits a ranker for each of `codebooks`.
    pub fn fit<'a>(
        project: &Project,
        codebooks: impl IntoIterator<Item = &'a str>,
    ) -> Result<Ranking> {
        let mut rankers = HashMap::new();
        for book in codebooks {
            rankers.insert(book.to_string(), Ranker::fit(project, book)?);
        }
        Ok(Ranking {
            rankers,
            ..Ranking::default()
        })
    }

    /// The ranker of `codebook`, if the queue has one.
    pub fn ranker(&self, codebook: &str) -> Option<&Ranker> {
        self.rankers.get(codebook)
    }

    /// Predicts every item (reading each one's segment once).
    pub fn score_all(&mut self, project: &Project, items: &[SuggestionRow]) -> Result<()> {
        self.ids = vec![None; items.len()];
        self.likely = vec![None; items.len()];
        let mut books: Vec<String> = self.rankers.keys().cloned().collect();
        books.sort_unstable();
        self.book_of = items
            .iter()
            .map(|s| {
                books
                    .iter()
                    .position(|b| *b == s.codebook)
                    .unwrap_or(books.len()) as u16
            })
            .collect();
        self.books = books;
        for (book, ranker) in &self.rankers {
            let idx: Vec<usize> = (0..items.len())
                .filter(|&i| &items[i].codebook == book && ranker.learned(&items[i].code))
                .collect();
            let rows: Vec<&SuggestionRow> = idx.iter().map(|&i| &items[i]).collect();
            let feats = ranker.features(project, &rows)?;
            for (&i, f) in idx.iter().zip(&feats) {
                let ids = ranker.ids(&items[i].code, f);
                self.likely[i] = ids.as_deref().map(|x| ranker.likely(x));
                self.ids[i] = ids;
            }
        }
        Ok(())
    }

    /// Puts the items' predictions in the order `idx` gives (item `k` of the new order was
    /// item `idx[k]`), before anything is learned.
    pub fn permute(&mut self, idx: &[usize]) {
        if !self.ids.is_empty() {
            let mut old = std::mem::take(&mut self.ids);
            self.ids = idx.iter().map(|&i| old[i].take()).collect();
            self.likely = idx.iter().map(|&i| self.likely[i]).collect();
            self.book_of = idx.iter().map(|&i| self.book_of[i]).collect();
        }
    }

    /// Item `i`'s P(accept), once [`Ranking::score_all`] has run.
    pub fn likely(&self, i: usize) -> Option<f64> {
        self.likely.get(i).copied().flatten()
    }

    /// Item `i`'s prediction with its reasons (its segment read again).
    pub fn predict(&self, project: &Project, item: &SuggestionRow) -> Result<Option<Prediction>> {
        let Some(r) = self.rankers.get(&item.codebook) else {
            return Ok(None);
        };
        if !r.learned(&item.code) {
            return Ok(None);
        }
        let f = r.features(project, &[item])?;
        Ok(f.first().and_then(|f| r.predict(&item.code, f)))
    }

    /// Learns a decision on item `i` (accepted: the code applies) and redoes the
    /// predictions of its codebook's items.
    pub fn learn(
        &mut self,
        project: &Project,
        items: &[SuggestionRow],
        i: usize,
        accepted: bool,
    ) -> Result<()> {
        let s = &items[i];
        let Some(r) = self.rankers.get_mut(&s.codebook) else {
            return Ok(());
        };
        if self.learned.contains_key(&i) {
            self.unlearn(project, items, i)?;
            return self.learn(project, items, i, accepted);
        }
        let f = r.features(project, &[s])?.pop().unwrap_or_default();
        let was = r.learned(&s.code);
        r.add(&s.code, &f, accepted);
        r.refit();
        let turned = (was != r.learned(&s.code)).then_some(s.code.as_str());
        self.learned.insert(i, (f, accepted));
        self.rescore(project, items, &s.codebook, turned)
    }

    /// Forgets what [`Ranking::learn`] learned from item `i` (its decision was undone).
    pub fn unlearn(&mut self, project: &Project, items: &[SuggestionRow], i: usize) -> Result<()> {
        let Some((f, accepted)) = self.learned.remove(&i) else {
            return Ok(());
        };
        let s = &items[i];
        let Some(r) = self.rankers.get_mut(&s.codebook) else {
            return Ok(());
        };
        let was = r.learned(&s.code);
        r.remove(&s.code, &f, accepted);
        r.refit();
        let turned = (was != r.learned(&s.code)).then_some(s.code.as_str());
        self.rescore(project, items, &s.codebook, turned)
    }

    /// Redoes the predictions of `book`'s items (in parallel: a sum over each one's feature
    /// ids); the items of `turned`, a code that just gained or lost its predictions, are
    /// read again first.
    fn rescore(
        &mut self,
        project: &Project,
        items: &[SuggestionRow],
        book: &str,
        turned: Option<&str>,
    ) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let r = &self.rankers[book];
        let Some(b) = self.books.iter().position(|x| x == book) else {
            return Ok(());
        };
        let b = b as u16;
        if let Some(code) = turned {
            let stale: Vec<usize> = (0..items.len())
                .filter(|&i| self.book_of[i] == b && items[i].code == code)
                .collect();
            let rows: Vec<&SuggestionRow> = stale.iter().map(|&i| &items[i]).collect();
            let feats = r.features(project, &rows)?;
            for (&i, f) in stale.iter().zip(&feats) {
                self.ids[i] = r.ids(&items[i].code, f);
            }
        }
        self.likely
            .par_iter_mut()
            .zip(self.ids.par_iter())
            .zip(self.book_of.par_iter())
            .filter(|(_, &ib)| ib == b)
            .for_each(|((l, ids), _)| *l = ids.as_deref().map(|x| r.likely(x)));
        Ok(())
    }

    /// Sorts item indexes `idx` in `order` (the `likely` and `uncertain` orders; any other
    /// leaves them as they are). Items without a prediction come after the predicted ones
    /// in `likely` and before them in `uncertain` (they teach the model most), each group
    /// by rule score; ties go by segment and code.
    pub fn sort(&self, order: Order, items: &[SuggestionRow], idx: &mut [usize]) {
        if matches!(order, Order::Likely | Order::Uncertain) {
            idx.sort_by(|&a, &b| self.compare(order, items, a, b));
        }
    }

    /// [`Ranking::sort`] for the first [`HEAD`] of `idx` only: they are the best in order,
    /// the rest follow in no particular order.
    pub fn sort_head(&self, order: Order, items: &[SuggestionRow], idx: &mut [usize]) {
        if idx.len() <= HEAD {
            return self.sort(order, items, idx);
        }
        if matches!(order, Order::Likely | Order::Uncertain) {
            idx.select_nth_unstable_by(HEAD - 1, |&a, &b| self.compare(order, items, a, b));
            self.sort(order, items, &mut idx[..HEAD]);
        }
    }

    /// Whether item `a` comes before item `b` in `order` (see [`Ranking::sort`]).
    fn compare(&self, order: Order, items: &[SuggestionRow], a: usize, b: usize) -> Ordering {
        let by_score = || {
            items[b]
                .score
                .total_cmp(&items[a].score)
                .then((items[a].segment, &items[a].code).cmp(&(items[b].segment, &items[b].code)))
        };
        match (order, self.likely(a), self.likely(b)) {
            (Order::Likely, Some(x), Some(y)) => y.total_cmp(&x).then_with(by_score),
            (Order::Uncertain, Some(x), Some(y)) => (x - 0.5)
                .abs()
                .total_cmp(&(y - 0.5).abs())
                .then_with(by_score),
            (Order::Likely, Some(_), None) | (Order::Uncertain, None, Some(_)) => Ordering::Less,
            (Order::Likely, None, Some(_)) | (Order::Uncertain, Some(_), None) => Ordering::Greater,
            _ => by_score(),
        }
    }
}
