//! A review queue's ranking: each pending suggestion's predicted chance of being accepted,
//! kept current as the reviewer decides (each decision is learned and every prediction
//! redone from the suggestions' feature ids, a sum each), and the `likely` and `uncertain`
//! orders built on it.

use super::{Feature, Prediction, Ranker};
use crate::project::Project;
use crate::review::Order;
use crate::store::SuggestionRow;
use crate::Result;
use std::cmp::Ordering;
use std::collections::HashMap;

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
        r.add(&s.code, &f, accepted);
        r.refit();
        self.learned.insert(i, (f, accepted));
        self.rescore(project, items, &s.codebook)
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
        r.remove(&s.code, &f, accepted);
        r.refit();
        self.rescore(project, items, &s.codebook)
    }

    /// Redoes the predictions of `book`'s items.
    fn rescore(&mut self, project: &Project, items: &[SuggestionRow], book: &str) -> Result<()> {
        if self.ids.is_empty() {
            return Ok(());
        }
        let r = &self.rankers[book];
        // Codes that gained (or lost) predictions: their items' ids are read now.
        let stale: Vec<usize> = (0..items.len())
            .filter(|&i| {
                items[i].codebook == book && r.learned(&items[i].code) != self.ids[i].is_some()
            })
            .collect();
        if !stale.is_empty() {
            let rows: Vec<&SuggestionRow> = stale.iter().map(|&i| &items[i]).collect();
            let feats = r.features(project, &rows)?;
            for (&i, f) in stale.iter().zip(&feats) {
                self.ids[i] = r.ids(&items[i].code, f);
            }
        }
        for (i, s) in items.iter().enumerate() {
            if s.codebook == book {
                self.likely[i] = self.ids[i].as_deref().map(|x| r.likely(x));
            }
        }
        Ok(())
    }

    /// Sorts item indexes `idx` in `order` (the `likely` and `uncertain` orders; any other
    /// leaves them as they are). Items without a prediction come after the predicted ones
    /// in `likely` and before them in `uncertain` (they teach the model most), each group
    /// by rule score; ties go by segment and code.
    pub fn sort(&self, order: Order, items: &[SuggestionRow], idx: &mut [usize]) {
        let by_score = |a: usize, b: usize| {
            items[b]
                .score
                .total_cmp(&items[a].score)
                .then((items[a].segment, &items[a].code).cmp(&(items[b].segment, &items[b].code)))
        };
        let cmp = |&a: &usize, &b: &usize| -> Ordering {
            match (order, self.likely(a), self.likely(b)) {
                (Order::Likely, Some(x), Some(y)) => y.total_cmp(&x).then(by_score(a, b)),
                (Order::Uncertain, Some(x), Some(y)) => (x - 0.5)
                    .abs()
                    .total_cmp(&(y - 0.5).abs())
                    .then(by_score(a, b)),
                (Order::Likely, Some(_), None) | (Order::Uncertain, None, Some(_)) => {
                    Ordering::Less
                }
                (Order::Likely, None, Some(_)) | (Order::Uncertain, Some(_), None) => {
                    Ordering::Greater
                }
                _ => by_score(a, b),
            }
        };
        if matches!(order, Order::Likely | Order::Uncertain) {
            idx.sort_by(cmp);
        }
    }
}
