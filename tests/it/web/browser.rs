//! The browser tests of `quarry serve`.
