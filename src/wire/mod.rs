//! What crosses a boundary: messages between the page and its workers
//! ([`worker`]) and what leaves the app as files ([`export`]).

pub mod export;
pub mod grouping;
pub mod worker;
