//! Faces → people: grouping embeddings into people ([`cluster`]), who is who
//! with the user's corrections and undo ([`book`], [`edit`]), searching by a
//! reference face ([`search`]), when people were seen ([`timeline`]) and
//! named people carried between libraries ([`pack`]).
//! Pure logic over [`crate::face`] types: it runs natively and in the page.

pub mod book;
pub mod cluster;
pub mod edit;
pub mod nearest;
pub mod pack;
pub mod run;
pub mod search;
pub mod timeline;
