//! The agreement tests of `quarry serve`.
