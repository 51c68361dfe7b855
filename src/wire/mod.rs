//! What crosses a boundary: messages between the page and its workers
//! ([`worker`]) and what leaves the app as files ([`export`], and the
//! sealed [`gallery`] guests open with a code).

pub mod export;
pub mod gallery;
pub mod grouping;
pub mod worker;
