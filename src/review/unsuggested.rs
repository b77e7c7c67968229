//! The sample `review --unsuggested` shows: in-scope segments that got no suggestion from a
//! codebook, judged by a person to estimate what the codebook misses and to find the terms
//! it lacks. Part of the sample is random, and only that part estimates recall; the rest is
//! targeted at the segments most like those people confirmed for a code (where the rules'
//! misses most likely are), which feeds `codebook propose` but would bias the estimate.

use super::{NewDecision, SplitMix};
use crate::codebook::Codebook;
use crate::error::Result;
use crate::project::Project;
use crate::review::quality::{NO_CODE, UNSUGGESTED, UNSUGGESTED_TARGETED};
use std::collections::HashSet;

/// A sample of unsuggested segments, in the order shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsuggestedSample {
    /// The segments (random and targeted draws interleaved).
    pub segments: Vec<i64>,
    /// Those drawn because they resemble confirmed segments (left out of the recall
    /// estimate).
    pub targeted: HashSet<i64>,
}

/// A sample (seeded) of `sample` in-scope segments that got no suggestion from `codebook`
/// and that `coder` has not judged yet: `targeted` of them the segments most like those
/// people confirmed for a code (see [`crate::review::propose::resemblance`]), the others
/// drawn at random. With nothing confirmed yet, all are random.
pub fn unsuggested_sample(
    project: &Project,
    coder: &str,
    codebook: &Codebook,
    sample: usize,
    targeted: usize,
    seed: u64,
) -> Result<UnsuggestedSample> {
    let t = crate::suggest::triage::run(
        project,
        &crate::suggest::triage::TriageConfig {
            codebook: codebook.clone(),
            code: None,
            limit: 0,
        },
    )?;
    let judged: HashSet<i64> = project
        .store()
        .decisions(Some(coder))?
        .into_iter()
        .filter(|d| {
            d.codebook == codebook.id
                && matches!(
                    d.answered.as_deref(),
                    Some(UNSUGGESTED | UNSUGGESTED_TARGETED)
                )
        })
        .map(|d| d.segment)
        .collect();
    let mut open: Vec<(i64, &str)> = t
        .unsuggested_segments
        .iter()
        .filter(|s| !judged.contains(&s.segment))
        .map(|s| (s.segment, s.text.as_str()))
        .collect();
    open.sort_unstable();
    let targeted = targeted.min(sample);
    let chosen: Vec<i64> = if targeted > 0 {
        crate::review::propose::resemblance(project, codebook, &open, targeted)?
    } else {
        Vec::new()
    };
    let taken: HashSet<i64> = chosen.iter().copied().collect();
    let mut rest: Vec<i64> = open
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| !taken.contains(s))
        .collect();
    SplitMix(seed).shuffle(&mut rest);
    rest.truncate(sample - chosen.len());
    // Interleaved, so a person who stops early has judged some of each.
    let mut segments = Vec::with_capacity(sample);
    let (mut a, mut b) = (rest.iter(), chosen.iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => segments.extend(x.into_iter().chain(y).copied()),
        }
    }
    Ok(UnsuggestedSample {
        segments,
        targeted: taken,
    })
}

/// Records `coder`'s judgement of a segment from [`unsuggested_sample`]: `code` applies, or
/// [`NO_CODE`] when none does; `targeted` says which part of the sample it came from.
/// Committed before it returns.
pub fn record_unsuggested(
    project: &mut Project,
    coder: &str,
    codebook: &Codebook,
    segment: i64,
    code: &str,
    memo: Option<String>,
    targeted: bool,
) -> Result<i64> {
    let answered = if targeted {
        UNSUGGESTED_TARGETED
    } else {
        UNSUGGESTED
    };
    Ok(project.store_mut().decide(&NewDecision {
        coder: coder.to_string(),
        segment,
        codebook: codebook.id.clone(),
        code: code.to_string(),
        accept: code != NO_CODE,
        replacement: None,
        memo,
        answered: Some(answered.to_string()),
        at: None,
    })?)
}
