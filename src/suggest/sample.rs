//! Samples of a run made past this machine (`contrib/spark/quarry_match.py`, or any
//! gathering of `quarry match` output in its `posts/` shape), for `quarry import matches`.
//!
//! The run's matched posts are read once, as a stream: each line is one post,
//! `{"record": "<the JSON line quarry match read>", "matches": [{"codebook", "code",
//! "term": [...]}]}`. Each (post, code) falls in one stratum: the code, or with `per_term`
//! the code and the first term that found the post (the term of its earliest evidence), so
//! strata never overlap. From each stratum the `size` posts of lowest rank are kept, the
//! rank being a seeded hash of the record: a uniform sample without replacement, the same
//! for the same seed, drawn in memory bounded by the sample. Asked for codes instead, every
//! post of those codes is kept.
//!
//! `review::estimates` turns what people decided on the sampled posts into an estimate of the
//! true matches among the run's, per code.

use crate::error::{Error, Result};
use crate::store::StratumRow;
use crate::text::model::fnv1a;
use serde::Deserialize;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    /// The run's output folder (with `posts/` and `run.json`) or one file of its lines.
    pub source: PathBuf,
    /// Posts per stratum.
    pub size: usize,
    /// Strata are (code, first term) rather than codes.
    pub per_term: bool,
    /// Instead of a sample: every post of these codes (a code id takes its descendants).
    pub codes: Vec<String>,
    /// Seed of the ranks.
    pub seed: u64,
}

/// What the run says of itself (`run.json`), where it says it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RunInfo {
    /// The codebooks as the run was given them.
    #[serde(default)]
    pub codebooks: Vec<String>,
    /// The options `quarry match` read the records with.
    #[serde(default)]
    pub match_args: Vec<String>,
    /// Records read.
    pub records: Option<u64>,
    /// Matches found.
    pub matches: Option<u64>,
}

/// A drawn sample.
#[derive(Debug, Clone, Default)]
pub struct Drawn {
    /// The records kept, in the order read, each with the strata (codebook, code, term) it
    /// was kept for.
    pub records: Vec<(String, Vec<Stratum>)>,
    /// Every stratum with the run's matches in it and how many were kept.
    pub strata: Vec<StratumRow>,
    /// The run's own account, if it has a run.json.
    pub run: Option<RunInfo>,
    /// Lines that could not be read (`file:line: why`); the rest was read.
    pub problems: Vec<String>,
    /// Posts read.
    pub posts: u64,
}

#[derive(Deserialize)]
struct Line {
    record: String,
    matches: Vec<Match>,
}

#[derive(Deserialize)]
struct Match {
    codebook: String,
    code: String,
    #[serde(default)]
    term: Vec<String>,
}

/// A stratum: (codebook, code, term; empty when strata are codes).
pub type Stratum = (String, String, String);
type Key = Stratum;

/// Reads the run's matched posts and draws the sample.
pub fn draw(opts: &SampleOptions) -> Result<Drawn> {
    let (files, run) = sources(&opts.source)?;
    let mut out = Drawn {
        run,
        ..Drawn::default()
    };
    // Per stratum: the run's count and the kept (rank, post) pairs, largest rank on top.
    let mut strata: BTreeMap<Key, (u64, BinaryHeap<(u64, u64)>)> = BTreeMap::new();
    // Posts kept by some stratum: number -> (record, strata).
    let mut kept: HashMap<u64, (String, Vec<Key>)> = HashMap::new();
    let census = !opts.codes.is_empty();
    let wanted = |code: &str| {
        opts.codes.iter().any(|c| {
            code == c
                || code
                    .strip_prefix(c.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    };
    for file in &files {
        let reader = open(file)?;
        for (i, line) in reader.lines().enumerate() {
            let at = || format!("{}:{}", file.display(), i + 1);
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    out.problems.push(format!("{}: cannot read: {e}", at()));
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            let post: Line = match serde_json::from_str(&line) {
                Ok(p) => p,
                Err(e) => {
                    out.problems
                        .push(format!("{}: not a matched post: {e}", at()));
                    continue;
                }
            };
            let n = out.posts;
            out.posts += 1;
            let rank = fnv1a(format!("{}\u{0}{}", opts.seed, post.record).as_bytes());
            for m in post.matches {
                if census && !wanted(&m.code) {
                    continue;
                }
                let term = if opts.per_term {
                    m.term.into_iter().next().unwrap_or_default()
                } else {
                    String::new()
                };
                let key = (m.codebook, m.code, term);
                let (count, heap) = strata.entry(key.clone()).or_default();
                *count += 1;
                if !census {
                    if heap.len() == opts.size && heap.peek().is_some_and(|&(r, _)| r > rank) {
                        if let Some((_, gone)) = heap.pop() {
                            drop_stratum(&mut kept, gone, &key);
                        }
                    }
                    if heap.len() >= opts.size {
                        continue;
                    }
                    heap.push((rank, n));
                }
                kept.entry(n)
                    .or_insert_with(|| (post.record.clone(), Vec::new()))
                    .1
                    .push(key);
            }
        }
    }
    let mut posts: Vec<(u64, (String, Vec<Key>))> = kept.into_iter().collect();
    posts.sort_unstable_by_key(|(n, _)| *n);
    let mut sampled: HashMap<Key, u64> = HashMap::new();
    for (_, (_, keys)) in &posts {
        for k in keys {
            *sampled.entry(k.clone()).or_default() += 1;
        }
    }
    out.strata = strata
        .into_iter()
        .map(|(k, (matches, _))| StratumRow {
            sampled: sampled.get(&k).copied().unwrap_or(0),
            codebook: k.0,
            code: k.1,
            term: k.2,
            matches,
            ..StratumRow::default()
        })
        .collect();
    out.records = posts.into_iter().map(|(_, v)| v).collect();
    Ok(out)
}

/// A post leaves a stratum's sample; it goes when no stratum keeps it.
fn drop_stratum(kept: &mut HashMap<u64, (String, Vec<Key>)>, post: u64, key: &Key) {
    if let Some((_, keys)) = kept.get_mut(&post) {
        keys.retain(|k| k != key);
        if keys.is_empty() {
            kept.remove(&post);
        }
    }
}

/// The files of matched posts, in name order, and the run's account.
fn sources(source: &Path) -> Result<(Vec<PathBuf>, Option<RunInfo>)> {
    let cannot =
        |e: std::io::Error| Error::Other(format!("{}: cannot read: {e}", source.display()));
    if !source.is_dir() {
        std::fs::metadata(source).map_err(cannot)?;
        return Ok((vec![source.to_path_buf()], None));
    }
    let posts = source.join("posts");
    let dir = if posts.is_dir() {
        posts
    } else {
        source.to_path_buf()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(cannot)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with(['.', '_'])
                && [".json", ".json.gz", ".jsonl", ".jsonl.gz"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Other(format!(
            "{}: no matched posts here (expected posts/part-*.json.gz, as the Spark job writes)",
            source.display()
        )));
    }
    let run = match std::fs::read_to_string(source.join("run.json")) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| Error::Other(format!("{}: {e}", source.join("run.json").display())))?,
        ),
        Err(_) => None,
    };
    Ok((files, run))
}

/// A file of lines, gunzipped when it is gzip.
fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| Error::Other(format!("{}: cannot read: {e}", path.display())))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).unwrap_or(0);
    let f = std::fs::File::open(path)
        .map_err(|e| Error::Other(format!("{}: cannot read: {e}", path.display())))?;
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(f)))
    } else {
        Box::new(BufReader::new(f))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, lines: &[String]) -> PathBuf {
        let p = dir.join("posts.json");
        std::fs::write(&p, lines.join("\n")).unwrap();
        p
    }

    fn post(i: usize, codes: &[(&str, &str)]) -> String {
        let matches: Vec<serde_json::Value> = codes
            .iter()
            .map(|(c, t)| serde_json::json!({"codebook": "b", "code": c, "term": [t, "other"]}))
            .collect();
        serde_json::json!({"record": format!("{{\"id\":\"{i}\",\"text\":\"t{i}\"}}"), "matches": matches})
            .to_string()
    }

    #[test]
    fn every_stratum_keeps_its_size_and_the_draw_depends_on_the_seed_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = (0..500)
            .map(|i| post(i, &[("b.x", if i % 3 == 0 { "a" } else { "b" })]))
            .collect();
        lines.push(post(999, &[("b.y", "c"), ("b.x", "a")]));
        lines.push("not json".into());
        let path = write(dir.path(), &lines);
        let opts = SampleOptions {
            source: path.clone(),
            size: 20,
            per_term: true,
            seed: 1,
            ..SampleOptions::default()
        };
        let d = draw(&opts).unwrap();
        assert_eq!(d.posts, 501);
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        assert!(
            d.problems[0].ends_with(":502: not a matched post: expected ident at line 1 column 2")
        );
        let counts: Vec<(&str, &str, u64, u64)> = d
            .strata
            .iter()
            .map(|s| (s.code.as_str(), s.term.as_str(), s.matches, s.sampled))
            .collect();
        assert_eq!(
            counts,
            [
                ("b.x", "a", 168, 20),
                ("b.x", "b", 333, 20),
                ("b.y", "c", 1, 1)
            ]
        );
        // Each kept record is kept for the strata it stands in, and no record twice.
        let kept: usize = d.records.iter().map(|(_, k)| k.len()).sum();
        assert_eq!(kept, 41);
        let mut seen: Vec<&String> = d.records.iter().map(|(r, _)| r).collect();
        seen.dedup();
        assert_eq!(seen.len(), d.records.len());
        // The same seed draws the same posts; another seed others.
        let again = draw(&opts).unwrap();
        assert_eq!(again.records, d.records);
        let other = draw(&SampleOptions {
            seed: 2,
            ..opts.clone()
        })
        .unwrap();
        assert_ne!(other.records, d.records);
        // By code: one stratum per code.
        let by_code = draw(&SampleOptions {
            per_term: false,
            ..opts.clone()
        })
        .unwrap();
        assert_eq!(by_code.strata.len(), 2);
        assert_eq!(
            (by_code.strata[0].matches, by_code.strata[0].sampled),
            (501, 20)
        );
        // Codes asked for: every post of them, nothing else.
        let all = draw(&SampleOptions {
            codes: vec!["b.y".into()],
            ..opts
        })
        .unwrap();
        assert_eq!(all.records.len(), 1);
        assert_eq!(all.strata.len(), 1);
    }
}
