//! Facesort: sort photos by the people in them, entirely on the user's machine.
//!
//! Data flows one way, and the folders follow it:
//!
//! ```text
//! photo bytes ─▶ pipeline ─▶ face ─▶ people ─▶ web (views, downloads)
//!   decode, detect,     boxes,     grouping,     the page and its workers,
//!   align, embed        embeddings who is who    talking through `wire`
//! ```
//!
//! - [`face`]: plain data about a face (box, landmarks, embedding, quality).
//! - [`pipeline`]: decoding and inference (`image`, `tract`); only the CLI
//!   and the web worker enable it, so the page never links tract.
//! - [`people`]: grouping faces into people, the user's corrections, search.
//! - [`wire`]: messages between page and workers, and export formats.
//! - [`web`]: the browser shell (services and UI).
//!
//! Everything but `web` is free of browser types and tested natively.

pub mod face;
pub mod people;
#[cfg(feature = "pipeline")]
pub mod pipeline;
#[cfg(feature = "web")]
pub mod web;
pub mod wire;

pub use face::embedding::Embedding;
pub use face::geometry::{DetectedFace, FaceBox, Landmarks, Point};
pub use people::cluster::{ClusterConfig, Clustering, FaceToCluster, NotPerson, PersonId, PhotoId};
