//! The search tests of `quarry serve`.
