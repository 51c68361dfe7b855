//! How far a face can be trusted to say who someone is.
//!
//! A partial face cut by the photo's edge, a tiny face in the background, a
//! blurred or strongly turned face, or a doubtful detection gives an embedding
//! that lands near many people at once. Grouped like any other face such faces
//! chain strangers together, so they are judged here and grouping treats the
//! unsure ones with suspicion (see [`crate::cluster`]): they never found a
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

#[cfg(feature = "pipeline")]
pub use measure::measure;

#[cfg(feature = "pipeline")]
mod measure {
    use super::FaceQuality;
    use crate::align::{FaceChip, CHIP_SIZE};
    use crate::geometry::{DetectedFace, Point};
    use crate::similarity::Similarity;

    /// The face proper inside dlib's chip (padding 0.25 on each side): the
    /// region whose pixels say who someone is.
    const FACE_LO: f32 = CHIP_SIZE as f32 * 0.25 / 1.5;
    const FACE_HI: f32 = CHIP_SIZE as f32 - FACE_LO;

    /// Measures a face found in a working image of `width`×`height` pixels
    /// that is `scale` times the photo's full resolution.
    pub fn measure(
        face: &DetectedFace,
        to_chip: &Similarity,
        chip: &FaceChip,
        (width, height): (u32, u32),
        scale: f32,
    ) -> FaceQuality {
        let lm = &face.landmarks;
        let (re, le, nose) = (lm.right_eye(), lm.left_eye(), lm.nose());
        let eye = (le.x - re.x).hypot(le.y - re.y);
        let mid = Point::new((re.x + le.x) / 2.0, (re.y + le.y) / 2.0);
        // Signed offset of the nose along the eye line, in eye distances.
        let yaw = if eye > 0.0 {
            (((nose.x - mid.x) * (le.x - re.x) + (nose.y - mid.y) * (le.y - re.y)) / (eye * eye))
                .abs()
        } else {
            1.0
        };
        FaceQuality {
            eye_px: eye / scale.max(f32::MIN_POSITIVE),
            yaw,
            outside: outside_share(to_chip, width as f32, height as f32),
            sharpness: sharpness(chip),
            score: face.score,
        }
    }

    fn outside_share(to_chip: &Similarity, width: f32, height: f32) -> f32 {
        let to_image = to_chip.inverse();
        const N: usize = 16;
        let step = (FACE_HI - FACE_LO) / N as f32;
        let mut outside = 0;
        for i in 0..N {
            for j in 0..N {
                let p = to_image.apply(Point::new(
                    FACE_LO + (i as f32 + 0.5) * step,
                    FACE_LO + (j as f32 + 0.5) * step,
                ));
                if p.x < 0.0 || p.y < 0.0 || p.x >= width || p.y >= height {
                    outside += 1;
                }
            }
        }
        outside as f32 / (N * N) as f32
    }

    fn sharpness(chip: &FaceChip) -> f32 {
        let grey = |x: u32, y: u32| {
            let p = chip.0.get_pixel(x, y).0;
            0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
        };
        let (lo, hi) = (FACE_LO as u32 + 1, FACE_HI as u32 - 1);
        let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
        for y in lo..hi {
            for x in lo..hi {
                let l = grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1)
                    - 4.0 * grey(x, y);
                sum += l as f64;
                sum2 += (l * l) as f64;
                n += 1.0;
            }
        }
        let mean = sum / n;
        (sum2 / n - mean * mean) as f32
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

#[cfg(all(test, feature = "pipeline"))]
mod measure_tests {
    use super::*;
    use crate::align::{chip_transform, extract_chip};
    use crate::geometry::{DetectedFace, FaceBox, Landmarks, Point};
    use image::{Rgb, RgbImage};

    fn face_at(x: f32, y: f32, eye: f32, nose_dx: f32) -> DetectedFace {
        let lm = Landmarks([
            Point::new(x - eye / 2.0, y),
            Point::new(x + eye / 2.0, y),
            Point::new(x + nose_dx, y + 0.55 * eye),
            Point::new(x - 0.45 * eye, y + eye),
            Point::new(x + 0.45 * eye, y + eye),
        ]);
        DetectedFace {
            bbox: FaceBox::from_center(Point::new(x, y + 0.4 * eye), 2.0 * eye, 2.4 * eye),
            landmarks: lm,
            score: 0.93,
        }
    }

    fn judge(
        image: &RgbImage,
        face: &DetectedFace,
        scale: f32,
    ) -> (FaceQuality, Vec<UnsureReason>) {
        let t = chip_transform(&face.landmarks).unwrap();
        let chip = extract_chip(image, &t);
        let q = measure(face, &t, &chip, image.dimensions(), scale);
        (q, QualityRules::DEFAULT.judge(&q))
    }

    #[test]
    fn measurements_name_what_is_wrong_with_a_face() {
        // A fine checkerboard stands in for a sharp face.
        let sharp = RgbImage::from_fn(400, 300, |x, y| {
            Rgb([if (x / 2 + y / 2) % 2 == 0 { 30 } else { 220 }; 3])
        });
        let (q, reasons) = judge(&sharp, &face_at(200.0, 130.0, 60.0, 0.0), 1.0);
        assert!(reasons.is_empty(), "{q:?}");
        assert!((q.eye_px - 60.0).abs() < 1e-3 && q.yaw < 1e-3 && q.outside == 0.0);

        let (q, reasons) = judge(&sharp, &face_at(8.0, 130.0, 60.0, 0.0), 1.0);
        assert!(reasons.contains(&UnsureReason::Cut), "{q:?}");

        let (q, reasons) = judge(&sharp, &face_at(200.0, 130.0, 60.0, 33.0), 1.0);
        assert!((q.yaw - 0.55).abs() < 1e-3);
        assert_eq!(reasons, vec![UnsureReason::Turned]);

        // The working image was a quarter of the photo's size: 10 px there is 40.
        let (q, _) = judge(&sharp, &face_at(200.0, 130.0, 10.0, 0.0), 0.25);
        assert!((q.eye_px - 40.0).abs() < 1e-3);
        let (_, reasons) = judge(&sharp, &face_at(200.0, 130.0, 20.0, 0.0), 1.0);
        assert!(reasons.contains(&UnsureReason::Small));

        let flat = RgbImage::from_pixel(400, 300, Rgb([128; 3]));
        let (_, reasons) = judge(&flat, &face_at(200.0, 130.0, 60.0, 0.0), 1.0);
        assert_eq!(reasons, vec![UnsureReason::Blurred]);
    }
}
