//! Guessing who the interviewer is when labels are names.
//!
//! Labels such as `Interviewer`, `I` or `P3` say the role themselves. Where labels are names,
//! the person who appears in most of the batch's interviews and asks the most questions is
//! the interviewer, and the others in those interviews are participants. Roles a person set,
//! or that a label said, are never overridden by a guess. Sans-IO.

use crate::text::model::Role;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one document says about its speakers: turns and questions per speaker.
#[derive(Debug, Clone, Default)]
pub struct SpeakerStats {
    /// speaker → (turns, turns with a question mark)
    pub speakers: BTreeMap<String, (usize, usize)>,
}

/// One guessed role, with the reason to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGuess {
    /// The speaker.
    pub speaker: String,
    /// The guess.
    pub role: Role,
    /// Why, in plain words.
    pub reason: String,
}

/// Guesses roles for speakers that `known` has no role for.
pub fn guess_roles(docs: &[SpeakerStats], known: &HashMap<String, Role>) -> Vec<RoleGuess> {
    let mut docs_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut turns: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for d in docs {
        for (s, &(t, q)) in &d.speakers {
            *docs_of.entry(s).or_default() += 1;
            let e = turns.entry(s).or_default();
            e.0 += t;
            e.1 += q;
        }
    }
    let share = |s: &str| {
        let (t, q) = turns.get(s).copied().unwrap_or((0, 0));
        if t == 0 {
            0.0
        } else {
            q as f64 / t as f64
        }
    };
    let mut out = Vec::new();
    let mut guessed: BTreeSet<String> = BTreeSet::new();
    let mut interviewers: BTreeSet<String> = known
        .iter()
        .filter(|(_, r)| **r == Role::Interviewer)
        .map(|(s, _)| s.clone())
        .collect();
    // Across the batch: the unknown speaker in most documents (two at least), most questions.
    let best = docs_of
        .iter()
        .filter(|(s, _)| !known.contains_key(**s))
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(share(a.0).total_cmp(&share(b.0)))
                .then(b.0.cmp(a.0))
        });
    if let Some((s, &n)) = best {
        let others_max = docs_of
            .iter()
            .filter(|(o, _)| *o != s)
            .map(|(_, &c)| c)
            .max()
            .unwrap_or(0);
        if n >= 2 && n > others_max {
            out.push(RoleGuess {
                speaker: s.to_string(),
                role: Role::Interviewer,
                reason: format!(
                    "speaks in {n} of {} documents, questions in {:.0}% of turns",
                    docs.len(),
                    share(s) * 100.0
                ),
            });
            guessed.insert(s.to_string());
            interviewers.insert(s.to_string());
        }
    }
    for d in docs {
        let unknown: Vec<&String> = d
            .speakers
            .keys()
            .filter(|s| !known.contains_key(*s) && !guessed.contains(*s))
            .collect();
        if unknown.is_empty() {
            continue;
        }
        let has_interviewer = d.speakers.keys().any(|s| interviewers.contains(s));
        let mut asker: Option<&String> = None;
        if !has_interviewer && d.speakers.len() >= 2 {
            // Within the document: the one who asks the most questions.
            asker = unknown
                .iter()
                .copied()
                .filter(|s| d.speakers[*s].1 > 0)
                .max_by(|a, b| {
                    let fa = d.speakers[*a].1 as f64 / d.speakers[*a].0.max(1) as f64;
                    let fb = d.speakers[*b].1 as f64 / d.speakers[*b].0.max(1) as f64;
                    fa.total_cmp(&fb).then(b.cmp(a))
                });
        }
        for s in unknown {
            let (role, reason) = if Some(s) == asker {
                (
                    Role::Interviewer,
                    "asks the most questions in their document".to_string(),
                )
            } else if has_interviewer || asker.is_some() {
                (Role::Participant, "speaks with the interviewer".to_string())
            } else {
                continue;
            };
            if guessed.insert(s.clone()) {
                if role == Role::Interviewer {
                    interviewers.insert(s.clone());
                }
                out.push(RoleGuess {
                    speaker: s.clone(),
                    role,
                    reason,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(v: &[(&str, usize, usize)]) -> SpeakerStats {
        SpeakerStats {
            speakers: v
                .iter()
                .map(|(s, t, q)| (s.to_string(), (*t, *q)))
                .collect(),
        }
    }

    #[test]
    fn the_recurring_questioner_is_the_interviewer() {
        let docs = [
            doc(&[("Lena", 20, 18), ("Tom", 20, 1)]),
            doc(&[("Lena", 15, 14), ("Ana", 15, 2)]),
            doc(&[("I", 10, 10), ("P3", 10, 0)]),
        ];
        let known: HashMap<String, Role> = [
            ("I".to_string(), Role::Interviewer),
            ("P3".to_string(), Role::Participant),
        ]
        .into();
        let g = guess_roles(&docs, &known);
        let roles: Vec<_> = g.iter().map(|g| (g.speaker.as_str(), g.role)).collect();
        assert_eq!(
            roles,
            [
                ("Lena", Role::Interviewer),
                ("Tom", Role::Participant),
                ("Ana", Role::Participant)
            ]
        );
    }

    #[test]
    fn single_document_uses_question_share() {
        let g = guess_roles(
            &[doc(&[("Sara", 30, 25), ("BSR01", 30, 3)])],
            &HashMap::new(),
        );
        let role = |n: &str| g.iter().find(|g| g.speaker == n).map(|g| g.role);
        assert_eq!(role("Sara"), Some(Role::Interviewer));
        assert_eq!(role("BSR01"), Some(Role::Participant));
    }

    #[test]
    fn known_roles_are_never_guessed_over() {
        let known: HashMap<String, Role> = [("Sara".to_string(), Role::Participant)].into();
        let g = guess_roles(&[doc(&[("Sara", 30, 25), ("Bo", 30, 3)])], &known);
        assert!(g.iter().all(|g| g.speaker != "Sara"));
    }
}
