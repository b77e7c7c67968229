//! The review tests of `quarry serve`.
