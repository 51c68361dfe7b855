//! Messages between the page and its workers. Plain serde types: the same
//! definitions are used on both sides and tested natively. Photo bytes travel
//! beside these messages as a transferred `ArrayBuffer`, never copied through
//! serde.

use crate::face::embedding::Embedding;
use crate::face::geometry::{FaceBox, Landmarks};
use crate::face::quality::FaceQuality;
use crate::face::timing::StageTimings;
use crate::people::book::GroupingJob;
use crate::people::cluster::Clustering;
use serde::{Deserialize, Serialize};

/// The JS property that carries a photo's bytes next to [`ToWorker::Analyse`].
pub const BYTES_FIELD: &str = "bytes";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ToWorker {
    /// Analyse the photo whose bytes are attached under [`BYTES_FIELD`].
    Analyse { id: u32 },
    /// Place faces among known people or into new ones.
    Cluster { job: GroupingJob },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FromWorker {
    /// The models are loaded; the worker takes photos from now on.
    Ready,
    /// The models could not be loaded: nothing will work in this worker.
    ModelsFailed {
        message: String,
    },
    Analysed {
        id: u32,
        report: PhotoReport,
    },
    /// The photo could not be analysed; the sentence says why.
    Failed {
        id: u32,
        message: String,
    },
    /// The job's outcome, one person per face of the job, in its order.
    Clustered {
        clustering: Clustering,
    },
}

/// What the page keeps of a photo: small previews and the numbers, never the
/// decoded pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoReport {
    /// Upright, full resolution.
    pub width: u32,
    pub height: u32,
    #[serde(with = "serde_bytes")]
    pub thumbnail_jpeg: Vec<u8>,
    pub faces: Vec<FaceReport>,
    pub timings: StageTimings,
    /// When it was taken (EXIF), as wall-clock milliseconds; see the `taken` module.
    /// Absent in libraries saved before it was recorded.
    #[serde(default)]
    pub taken_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceReport {
    /// In upright full-resolution pixels.
    pub bbox: FaceBox,
    pub landmarks: Landmarks,
    pub score: f32,
    pub embedding: Embedding,
    #[serde(with = "serde_bytes")]
    pub crop_jpeg: Vec<u8>,
    /// Absent in libraries saved before faces were judged: those count as sure.
    #[serde(default)]
    pub quality: Option<FaceQuality>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::geometry::Point;

    #[test]
    fn messages_round_trip_with_a_kind_tag() {
        let report = PhotoReport {
            width: 640,
            height: 480,
            thumbnail_jpeg: vec![0xFF, 0xD8],
            faces: vec![FaceReport {
                bbox: FaceBox {
                    left: 1.0,
                    top: 2.0,
                    right: 30.0,
                    bottom: 40.0,
                },
                landmarks: Landmarks([Point::new(5.0, 6.0); 5]),
                score: 0.9,
                embedding: Embedding::new(vec![0.25; 128]),
                crop_jpeg: vec![1, 2, 3],
                quality: None,
            }],
            timings: StageTimings {
                decode_ms: 1.0,
                detect_ms: 2.0,
                embed_ms: 3.0,
            },
            taken_ms: Some(1.7e12),
        };
        let msg = FromWorker::Analysed { id: 7, report };
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["kind"], "Analysed");
        assert_eq!(serde_json::from_value::<FromWorker>(json).unwrap(), msg);
        let req = ToWorker::Cluster {
            job: GroupingJob {
                known: vec![crate::people::book::KnownGroup {
                    person: crate::PersonId(3),
                    faces: vec![(crate::PhotoId(1), Embedding::new(vec![0.5]))],
                }],
                faces: vec![crate::people::book::JobFace {
                    photo: crate::PhotoId(2),
                    embedding: Embedding::new(vec![0.0]),
                    sure: false,
                    rejected: vec![crate::PersonId(3)],
                }],
                config: crate::ClusterConfig::DEFAULT,
            },
        };
        assert_eq!(
            serde_json::from_str::<ToWorker>(&serde_json::to_string(&req).unwrap()).unwrap(),
            req
        );
    }
}
