//! Facesort's face pipeline: decode a photo, detect faces, align and embed them,
//! and cluster the embeddings into people.
//!
//! The pipeline never touches browser types, so it compiles and is tested natively
//! with `cargo test`; the web app and worker, and the `facesort` command-line tool,
//! are thin shells over it. Data flows one way:
//! photo bytes → [`decode`] → [`detect`] → [`align`] → [`embed`] → [`cluster`].
//!
//! Modules that need `image` or `tract` sit behind the `pipeline` feature so the
//! browser's main thread can use the pure parts (geometry, embeddings, clustering)
//! without linking the inference engine.

pub mod cluster;
pub mod embedding;
pub mod export;
pub mod geometry;
pub mod nms;
pub mod people;
pub mod protocol;
pub mod quality;
pub mod search;
pub mod similarity;
pub mod timeline;
pub mod timing;
pub mod yunet;

#[cfg(feature = "web")]
pub mod web;

#[cfg(feature = "pipeline")]
pub mod align;
#[cfg(feature = "pipeline")]
pub mod decode;
#[cfg(feature = "pipeline")]
pub mod detect;
#[cfg(feature = "pipeline")]
pub mod embed;
#[cfg(feature = "pipeline")]
pub mod models;
#[cfg(feature = "pipeline")]
pub mod pipeline;
#[cfg(feature = "pipeline")]
pub mod resize;
#[cfg(feature = "pipeline")]
pub mod taken;
#[cfg(feature = "pipeline")]
pub mod thumbnail;

pub use cluster::{ClusterConfig, Clustering, FaceToCluster, NotPerson, PersonId, PhotoId};
pub use embedding::Embedding;
pub use geometry::{DetectedFace, FaceBox, Landmarks, Point};
