//! Operations: one function per thing a person asks quarry to do, shared by every front end
//! (the command line now, a web app next), so no front end holds logic another would copy.
//!
//! The rule: an op takes the project (the front end finds and opens it) and a plain options
//! struct, and returns plain data or a [`crate::Error`]. It never prints, reads no terminal,
//! knows no clap; notes for the person come back as data or through a callback. Where the
//! library already has the operation (`project::check::run`, `report::build`...), the op calls
//! it; what an op adds is the decision logic between the flags and the library: resolving
//! names, validating combinations, choosing defaults, writing the result where it was asked.
//!
//! The groups: [`corpus`] (init, add, remove, speakers, attributes, reindex, list, show),
//! [`find`] (search, count, other forms, coding the hits), [`codebooks`], [`suggest`]
//! (suggest, triage), [`review`] (queues, sheets, coding by hand, undo, status), [`measure`]
//! (rules, agreement, tune), [`exchange`] (quotes, REFI-QDA, the report) and [`maintain`]
//! (check, backup, restore, settings).

pub mod codebooks;
pub mod corpus;
pub mod exchange;
pub mod find;
pub mod maintain;
pub mod measure;
pub mod review;
pub mod suggest;

use crate::Error;

/// `what` over `e`, as one message: "what: e: its causes". It reads as the binary prints an
/// error with a context (each cause after a colon), for the failures an op names itself.
pub(crate) fn context(
    what: impl std::fmt::Display,
    e: &(dyn std::error::Error + 'static),
) -> Error {
    let mut msg = what.to_string();
    let mut cause = Some(e);
    while let Some(c) = cause {
        msg.push_str(": ");
        msg.push_str(&c.to_string());
        cause = c.source();
    }
    Error::Other(msg)
}
