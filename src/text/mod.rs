//! The ground every stage stands on: how text becomes words ([`analyzer`]), the query and
//! rule language ([`query`]), the plain data passed between stages ([`model`]), how user text
//! is made safe to show ([`safe`]), where sentences start (`sentences`) and time stamps ([`time`]).
//!
//! Nothing here does IO or names another part of quarry except [`crate::error`].

pub mod analyzer;
pub mod model;
pub mod query;
pub mod safe;
mod sentences;
pub mod time;
