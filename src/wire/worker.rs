//! Messages between the page and its workers: each request type has its own
//! reply and error types ([`WorkerRequest`]), and every request carries an id
//! the page's pool gave it, which the reply carries back. Plain serde types,
//! the same on both sides and tested natively. A photo's bytes travel beside
//! the message as a transferred `ArrayBuffer`, never copied through serde.

use crate::face::detection::DetectorConfig;
use crate::face::embedding::Embedding;
use crate::face::geometry::{FaceBox, Landmarks};
use crate::face::quality::FaceQuality;
use crate::face::timing::StageTimings;
use crate::people::cluster::Clustering;
use crate::wire::grouping::{GroupingError, GroupingJob};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The JS property that carries a photo's bytes next to [`ToWorker::Analyse`].
pub const BYTES_FIELD: &str = "bytes";

/// Given by the page's pool to each request; unique among those in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u32);

/// Analyse one photo (its bytes beside the message) with these settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyseRequest {
    pub detector: DetectorConfig,
    /// Decode with the browser's own decoder (`createImageBitmap`) rather
    /// than Facesort's. Off by default: on 12-megapixel photos in Chromium it
    /// measured slower (the pixels come back through a canvas) and used more
    /// memory; see the README's Benchmark section.
    #[serde(default)]
    pub browser_decode: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ToWorker {
    Analyse {
        id: RequestId,
        request: AnalyseRequest,
    },
    /// Place faces among known people or into new ones.
    Group { id: RequestId, job: GroupingJob },
}

impl ToWorker {
    pub fn id(&self) -> RequestId {
        match self {
            ToWorker::Analyse { id, .. } | ToWorker::Group { id, .. } => *id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FromWorker {
    /// The models are loaded; the worker takes requests from now on.
    Ready,
    /// The models could not be loaded: nothing will work in this worker.
    ModelsFailed { error: ModelsError },
    Analysed {
        id: RequestId,
        reply: Result<PhotoReport, AnalyseError>,
    },
    Grouped {
        id: RequestId,
        reply: Result<Clustering, GroupingError>,
    },
    /// The worker panicked (its message): whatever it was doing will not be
    /// answered, and its wasm instance cannot be used again.
    Crashed { message: String },
    /// A request the worker could not read (a page of another version, say);
    /// `id` when at least that could be read.
    Unreadable {
        id: Option<RequestId>,
        error: String,
    },
}

impl FromWorker {
    /// The request this answers, if any.
    pub fn id(&self) -> Option<RequestId> {
        match self {
            FromWorker::Analysed { id, .. } | FromWorker::Grouped { id, .. } => Some(*id),
            FromWorker::Unreadable { id, .. } => *id,
            FromWorker::Ready | FromWorker::ModelsFailed { .. } | FromWorker::Crashed { .. } => {
                None
            }
        }
    }
}

/// Why a worker could not start.
#[derive(Clone, Debug, PartialEq, Error, Serialize, Deserialize)]
pub enum ModelsError {
    #[error("the {role} model ({url}) could not be loaded: {why}")]
    Fetch {
        role: String,
        url: String,
        why: String,
    },
    /// Fetched and verified, but the inference engine refused it.
    #[error("{0}")]
    Build(String),
}

/// Why a photo could not be analysed, as the worker saw it.
#[derive(Clone, Debug, PartialEq, Error, Serialize, Deserialize)]
pub enum AnalyseError {
    /// Not a photo, damaged, or too large: the decoder's sentence.
    #[error("{0}")]
    Decode(String),
    /// The models failed on it.
    #[error("{0}")]
    Model(String),
    #[error("the photo's bytes did not reach the worker")]
    NoBytes,
}

/// A request with its own reply and error: the pool sends it and matches
/// the reply to it by id.
pub trait WorkerRequest {
    type Reply;
    type Error: std::error::Error;
    fn into_message(self, id: RequestId) -> ToWorker;
    /// The reply in `message`, or `None` when it is not this request's kind.
    fn reply(message: FromWorker) -> Option<Result<Self::Reply, Self::Error>>;
}

impl WorkerRequest for AnalyseRequest {
    type Reply = PhotoReport;
    type Error = AnalyseError;
    fn into_message(self, id: RequestId) -> ToWorker {
        ToWorker::Analyse { id, request: self }
    }
    fn reply(message: FromWorker) -> Option<Result<PhotoReport, AnalyseError>> {
        match message {
            FromWorker::Analysed { reply, .. } => Some(reply),
            _ => None,
        }
    }
}

impl WorkerRequest for GroupingJob {
    type Reply = Clustering;
    type Error = GroupingError;
    fn into_message(self, id: RequestId) -> ToWorker {
        ToWorker::Group { id, job: self }
    }
    fn reply(message: FromWorker) -> Option<Result<Clustering, GroupingError>> {
        match message {
            FromWorker::Grouped { reply, .. } => Some(reply),
            _ => None,
        }
    }
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
        let msg = FromWorker::Analysed {
            id: RequestId(7),
            reply: Ok(report),
        };
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["kind"], "Analysed");
        assert_eq!(serde_json::from_value::<FromWorker>(json).unwrap(), msg);
        let req = ToWorker::Group {
            id: RequestId(8),
            job: GroupingJob {
                known: vec![crate::wire::grouping::KnownGroup {
                    person: crate::people::cluster::PersonId(3),
                    faces: vec![crate::wire::grouping::KnownFace {
                        photo: crate::people::cluster::PhotoId(1),
                        embedding: Embedding::new(vec![0.5]),
                        hood: None,
                    }],
                }],
                faces: vec![crate::wire::grouping::JobFace {
                    photo: crate::people::cluster::PhotoId(2),
                    embedding: Embedding::new(vec![0.0]),
                    sure: false,
                    rejected: vec![crate::people::cluster::PersonId(3)],
                    hood: None,
                }],
                config: crate::people::cluster::ClusterConfig::DEFAULT,
                nearest_people: None,
                start: None,
            },
        };
        assert_eq!(
            serde_json::from_str::<ToWorker>(&serde_json::to_string(&req).unwrap()).unwrap(),
            req
        );
    }

    #[test]
    fn replies_are_matched_to_their_request_kind() {
        let grouped = FromWorker::Grouped {
            id: RequestId(1),
            reply: Err(GroupingError::MixedLengths(vec![3, 128])),
        };
        assert_eq!(grouped.id(), Some(RequestId(1)));
        assert!(AnalyseRequest::reply(grouped.clone()).is_none());
        assert!(matches!(
            GroupingJob::reply(grouped),
            Some(Err(GroupingError::MixedLengths(_)))
        ));
        let request = AnalyseRequest::default().into_message(RequestId(4));
        assert_eq!(request.id(), RequestId(4));
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["kind"], "Analyse");
        assert_eq!(json["id"], 4);
    }
}
