//! Near-duplicate documents: the same interview added twice in two formats (`.vtt` and
//! `.srt`, `.txt` and `.docx`), which the content hash cannot see.
//!
//! A document's [`Fingerprint`] is a sample (one in four, by hash) of the hashes of its
//! five-word shingles, taken over the words of its segments in order: speaker labels,
//! timestamps and headers are not in segments, and turn or cue boundaries are ignored, so
//! merging or splitting cues changes almost nothing. Two documents are alike when the share
//! of shingles they have in common, of the larger one's, reaches [`THRESHOLD`]. [`Similar`]
//! keeps the fingerprints `add` has compared with. Pure: `store` reads the stored texts.

use rustc_hash::{FxHashMap, FxHashSet};

/// Words per shingle.
const SHINGLE: usize = 5;
/// One shingle in this many is kept.
const SAMPLE: u64 = 4;
/// Documents with fewer sampled shingles (about 30 words) are too short to judge.
const MIN_SAMPLE: usize = 8;
/// The share of shared shingles from which two documents count as the same text.
pub(crate) const THRESHOLD: f64 = 0.8;

/// A sample of a document's shingle hashes, sorted, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint(Vec<u64>);

fn mix(mut x: u64) -> u64 {
    // SplitMix64's finaliser: spreads a combined hash over all bits before sampling.
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Fingerprint {
    /// The fingerprint of the text of these segments, in order: words are runs of letters and
    /// digits, compared lowercased.
    pub(crate) fn of<'a>(segments: impl IntoIterator<Item = &'a str>) -> Fingerprint {
        let mut window = [0u64; SHINGLE];
        let mut n = 0usize;
        let mut out = Vec::new();
        let mut word = String::new();
        let mut push = |w: &str, n: &mut usize, out: &mut Vec<u64>| {
            window[*n % SHINGLE] = crate::text::model::fnv1a(w.as_bytes());
            *n += 1;
            if *n >= SHINGLE {
                let h =
                    (0..SHINGLE).fold(0u64, |h, i| mix(h ^ window[(*n - SHINGLE + i) % SHINGLE]));
                if h % SAMPLE == 0 {
                    out.push(h);
                }
            }
        };
        for seg in segments {
            for c in seg.chars() {
                if c.is_alphanumeric() {
                    word.extend(c.to_lowercase());
                } else if !word.is_empty() {
                    push(&word, &mut n, &mut out);
                    word.clear();
                }
            }
            if !word.is_empty() {
                push(&word, &mut n, &mut out);
                word.clear();
            }
        }
        out.sort_unstable();
        out.dedup();
        Fingerprint(out)
    }

    /// Whether the document is long enough to be compared.
    pub(crate) fn usable(&self) -> bool {
        self.0.len() >= MIN_SAMPLE
    }
}

/// The documents `add` has fingerprinted: stored ones read when a new document of about
/// their length came, and the ones this add stored. Shingle → documents, so a new document
/// is compared through the shingles it has.
#[derive(Default)]
pub struct Similar {
    /// The stored whole-file transcripts (id, bytes of text), once listed.
    stored: Option<Vec<(i64, usize)>>,
    sizes: FxHashMap<i64, usize>,
    postings: FxHashMap<u64, Vec<i64>>,
    /// Stored documents read (fingerprinted, or found too short).
    seen: FxHashSet<i64>,
}

impl Similar {
    /// Whether the stored documents have been listed.
    pub(crate) fn listed(&self) -> bool {
        self.stored.is_some()
    }

    /// Keeps the list of stored whole-file transcripts: (id, bytes of text).
    pub(crate) fn list(&mut self, stored: Vec<(i64, usize)>) {
        self.stored = Some(stored);
    }

    /// The listed documents whose text is from half to twice `len` bytes long (labels and
    /// timestamps make a format's text longer than another's, never twice as long).
    pub(crate) fn candidates(&self, len: usize) -> Vec<i64> {
        self.stored
            .iter()
            .flatten()
            .filter(|&&(_, l)| l >= len / 2 && l <= len.saturating_mul(2))
            .map(|&(id, _)| id)
            .collect()
    }

    /// Records a document just stored, `len` bytes of text, with its fingerprint.
    pub(crate) fn insert_stored(&mut self, id: i64, len: usize, fp: &Fingerprint) {
        if let Some(s) = &mut self.stored {
            s.push((id, len));
        }
        self.insert(id, fp);
    }

    /// Whether document `id` has been read.
    pub(crate) fn has(&self, id: i64) -> bool {
        self.seen.contains(&id)
    }

    /// Records document `id`'s fingerprint.
    pub(crate) fn insert(&mut self, id: i64, fp: &Fingerprint) {
        self.seen.insert(id);
        if !fp.usable() {
            return;
        }
        self.sizes.insert(id, fp.0.len());
        for &h in &fp.0 {
            self.postings.entry(h).or_default().push(id);
        }
    }

    /// The document among `candidates` most like `fp`, with its likeness, when that reaches
    /// [`THRESHOLD`].
    pub(crate) fn best(&self, fp: &Fingerprint, candidates: &[i64]) -> Option<(i64, f64)> {
        if !fp.usable() {
            return None;
        }
        let wanted: FxHashSet<i64> = candidates.iter().copied().collect();
        let mut common: FxHashMap<i64, usize> = FxHashMap::default();
        for h in &fp.0 {
            for d in self.postings.get(h).into_iter().flatten() {
                if wanted.contains(d) {
                    *common.entry(*d).or_default() += 1;
                }
            }
        }
        common
            .into_iter()
            .map(|(d, n)| (d, n as f64 / self.sizes[&d].max(fp.0.len()) as f64))
            .filter(|&(_, share)| share >= THRESHOLD)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The share of shingles two fingerprints have in common, of the larger one's.
    fn likeness(a: &Fingerprint, b: &Fingerprint) -> f64 {
        let (mut i, mut j, mut common) = (0, 0, 0usize);
        while i < a.0.len() && j < b.0.len() {
            match a.0[i].cmp(&b.0[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common as f64 / a.0.len().max(b.0.len()).max(1) as f64
    }

    const TURNS: [&str; 4] = [
        "So tell me how the allotment started, and who was there in the first year.",
        "It was my neighbour's idea really. She had the keys to the old school garden and we \
         cleared it over one wet spring, six of us, mostly on Sunday mornings.",
        "And what did you grow first?",
        "Beans, because they forgive everything. Then potatoes, which the slugs ate, and \
         later a whole bed of herbs that the children planted and named themselves.",
    ];

    #[test]
    fn merging_or_splitting_turns_changes_nothing_and_other_text_is_apart() {
        let a = Fingerprint::of(TURNS);
        assert!(a.usable());
        // Cues cut at other places, with other punctuation and case.
        let joined = TURNS.join(" ").to_uppercase().replace(',', "");
        let halves = joined.split_at(joined.len() / 2);
        let b = Fingerprint::of([halves.0, halves.1]);
        assert!(likeness(&a, &b) > 0.9, "{}", likeness(&a, &b));
        let other = Fingerprint::of([
            "The survey went out in March to every member of the association, with a reminder \
             after two weeks and a prize draw for those who answered all the questions.",
        ]);
        assert!(likeness(&a, &other) < 0.1);
        // A document that is a small part of another is not its duplicate.
        let part = Fingerprint::of(TURNS[1..2].iter().copied());
        assert!(likeness(&a, &part) < THRESHOLD);
        let mut s = Similar::default();
        s.insert(1, &other);
        s.insert(2, &a);
        assert_eq!(s.best(&b, &[1, 2]).map(|x| x.0), Some(2));
        assert_eq!(s.best(&b, &[1]), None, "only the candidates named");
        assert!(!Fingerprint::of(["Yes. No. Maybe so."]).usable());
    }
}
