//! What every layer says about a face: where it is ([`geometry`]), who it
//! looks like ([`embedding`]), how clear it is ([`quality`]), and how long
//! finding it took ([`timing`]). Plain data, no heavy dependencies: the page
//! uses these as they are.

pub mod detection;
pub mod embedding;
pub mod geometry;
pub mod quality;
pub mod timing;
