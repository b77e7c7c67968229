//! The codebook tests of `quarry serve`.
