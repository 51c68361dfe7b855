//! How faces are found: the detector's settings, chosen by whoever asks for
//! a photo to be analysed (the CLI's flags, or the page's request to a worker).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Candidates scoring below this are dropped before non-maximum suppression.
    pub score_threshold: f32,
    pub nms_iou: f32,
    /// Photos are scaled so their longest side is at most this before detection.
    pub max_side: u32,
}

impl DetectorConfig {
    pub const DEFAULT: DetectorConfig = DetectorConfig {
        score_threshold: 0.7,
        nms_iou: 0.3,
        max_side: 1024,
    };
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}
