//! The page's UI (Leptos, client-side rendered). Components read what the
//! library service publishes and send it commands; the only state they own
//! is where the user is ([`context::Ui`]) and what they are typing or ticking.
//! [`app`] puts the screens together; [`words`] holds every sentence about
//! edits and counts.

mod album;
mod app;
mod context;
mod edits;
mod exports;
mod find;
mod focus;
mod guest;
mod history;
mod import;
mod move_target;
mod originals;
mod people;
mod people_files;
mod photo;
mod preview;
mod progress;
pub mod search;
mod share;
pub mod words;

pub use app::mount;
