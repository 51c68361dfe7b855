//! How far a face can be trusted to say who someone is.
//!
//! A partial face cut by the photo's edge, a tiny face in the background, a
//! blurred or strongly turned face, or a doubtful detection gives an embedding
//! that lands near many people at once. Grouped like any other face such faces
//! chain strangers together, so they are judged here and grouping treats the
//! unsure ones with suspicion (see [`crate::people::cluster`]): they never found a
//! person on their own and join one only when they are clearly close to it.

use serde::{Deserialize, Serialize};

/// Measurements of one face, made where the pixels are (the worker or the CLI)
/// and stored with the face, so the rules can change without re-analysing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceQuality {
    /// Distance between the eye centres, in the photo's full-resolution pixels.
    pub eye_px: f32,
    /// How far the nose sits off the line midway between the eyes, as a
    /// fraction of the eye distance: about 0 facing the camera, 0.5 and more
    /// in profile.
    pub yaw: f32,
    /// Share of the aligned face (the embedder's chip without its margin) that
    /// lies outside the photo.
    pub outside: f32,
    /// Variance of the Laplacian of the chip's grey face region (0–255 scale).
    pub sharpness: f32,
    /// The detector's confidence.
    pub score: f32,
}

/// Why a face is unsure; a face can have several reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UnsureReason {
    /// Too few pixels between the eyes for the embedder to see a person.
    Small,
    /// Partly outside the photo.
    Cut,
    /// Turned too far from the camera.
    Turned,
    /// Out of focus or moving.
    Blurred,
    /// The detector was not confident it is a face at all.
    Faint,
}

impl UnsureReason {
    /// Short words for the page and the CLI.
    pub fn describe(self) -> &'static str {
        match self {
            UnsureReason::Small => "small",
            UnsureReason::Cut => "cut by the edge",
            UnsureReason::Turned => "turned away",
            UnsureReason::Blurred => "blurred",
            UnsureReason::Faint => "unclear",
        }
    }
}

/// Where each measurement stops being trustworthy. The defaults were chosen on
/// `lfw-tune` and `dev` together (see the README's Evaluation section).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityRules {
    /// dlib's chip puts 53 pixels between the eyes; below 24 more than half
    /// of the chip's detail is interpolation. Measured on lfw-tune: every
    /// labelled face has at least 30 px (1st percentile), while background
    /// faces of 19–26 px formed people of strangers.
    pub min_eye_px: f32,
    pub max_yaw: f32,
    pub max_outside: f32,
    pub min_sharpness: f32,
    pub min_score: f32,
}

impl QualityRules {
    pub const DEFAULT: QualityRules = QualityRules {
        min_eye_px: 24.0,
        max_yaw: 0.45,
        max_outside: 0.08,
        min_sharpness: 12.0,
        // Labelled faces of both sets score 0.90 or more (1st percentile);
        // half of the background faces of lfw-tune score under 0.875.
        min_score: 0.88,
    };

    /// Every face is sure: grouping as it was before faces were judged.
    pub const ACCEPT_ALL: QualityRules = QualityRules {
        min_eye_px: 0.0,
        max_yaw: f32::INFINITY,
        max_outside: 1.0,
        min_sharpness: f32::NEG_INFINITY,
        min_score: 0.0,
    };

    /// The reasons a face is unsure; empty when it is sure.
    pub fn judge(&self, q: &FaceQuality) -> Vec<UnsureReason> {
        let mut reasons = Vec::new();
        if q.eye_px < self.min_eye_px {
            reasons.push(UnsureReason::Small);
        }
        if q.outside > self.max_outside {
            reasons.push(UnsureReason::Cut);
        }
        if q.yaw > self.max_yaw {
            reasons.push(UnsureReason::Turned);
        }
        if q.sharpness < self.min_sharpness {
            reasons.push(UnsureReason::Blurred);
        }
        if q.score < self.min_score {
            reasons.push(UnsureReason::Faint);
        }
        reasons
    }

    pub fn is_sure(&self, q: &FaceQuality) -> bool {
        self.judge(q).is_empty()
    }
}

impl Default for QualityRules {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> FaceQuality {
        FaceQuality {
            eye_px: 60.0,
            yaw: 0.05,
            outside: 0.0,
            sharpness: 80.0,
            score: 0.95,
        }
    }

    #[test]
    fn a_clear_frontal_face_is_sure() {
        assert!(QualityRules::DEFAULT.is_sure(&good()));
    }

    #[test]
    fn each_weakness_is_named() {
        let r = QualityRules::DEFAULT;
        let cases = [
            (
                FaceQuality {
                    eye_px: 8.0,
                    ..good()
                },
                UnsureReason::Small,
            ),
            (
                FaceQuality {
                    outside: 0.4,
                    ..good()
                },
                UnsureReason::Cut,
            ),
            (FaceQuality { yaw: 0.8, ..good() }, UnsureReason::Turned),
            (
                FaceQuality {
                    sharpness: 1.0,
                    ..good()
                },
                UnsureReason::Blurred,
            ),
            (
                FaceQuality {
                    score: 0.71,
                    ..good()
                },
                UnsureReason::Faint,
            ),
        ];
        for (q, reason) in cases {
            assert_eq!(r.judge(&q), vec![reason], "{q:?}");
        }
    }
}
