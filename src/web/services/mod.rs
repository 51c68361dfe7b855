//! The page's services: everything but the UI. The [`library`] service owns
//! the library (photos, who is who, storage, workers) and applies commands;
//! the rest are what it is built from, plus downloads and exports.

pub mod claims;
pub mod crypto;
pub mod download;
pub mod error;
pub mod export;
pub mod gallery;
pub mod import;
pub mod library;
pub mod originals;
pub mod pool;
pub mod stats;
pub mod store;
mod streamed;
pub mod tabs;
pub mod views;
