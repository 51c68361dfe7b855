//! Decoding YuNet's raw outputs into faces, as OpenCV's `FaceDetectorYN` does.
//!
//! Kept free of tract so the arithmetic is tested natively on hand-made tensors.

use crate::face::geometry::{DetectedFace, FaceBox, Landmarks, Point};

/// YuNet's feature strides; each output tensor triple belongs to one of them.
pub const STRIDES: [usize; 3] = [8, 16, 32];

/// The raw outputs of one stride for a single image: `A = (H/s)·(W/s)` anchors,
/// row-major (`anchor = row·(W/s) + col`).
pub struct StrideOutputs<'a> {
    pub stride: usize,
    /// `[A]` class score (already a probability).
    pub cls: &'a [f32],
    /// `[A]` objectness (already a probability).
    pub obj: &'a [f32],
    /// `[A·4]`: centre offsets in strides, then log width/height in strides.
    pub bbox: &'a [f32],
    /// `[A·10]`: five (x, y) landmark offsets in strides.
    pub kps: &'a [f32],
}

/// Turns one stride's outputs into candidate faces scoring at least
/// `score_threshold`, in the pixel coordinates of the padded network input
/// (`input_width` must be the width the network ran at).
pub fn decode_stride(
    out: &StrideOutputs<'_>,
    input_width: usize,
    score_threshold: f32,
    into: &mut Vec<DetectedFace>,
) {
    let s = out.stride as f32;
    let cols = input_width / out.stride;
    if cols == 0 {
        // An input narrower than one stride has no anchors (and no columns to divide by).
        return;
    }
    let anchors = out
        .cls
        .len()
        .min(out.obj.len())
        .min(out.bbox.len() / 4)
        .min(out.kps.len() / 10);
    for idx in 0..anchors {
        // Geometric mean of the two heads, as OpenCV computes it.
        let score = (out.cls[idx].clamp(0.0, 1.0) * out.obj[idx].clamp(0.0, 1.0)).sqrt();
        // A NaN (from a broken model file) is dropped too.
        if score.is_nan() || score < score_threshold {
            continue;
        }
        let col = (idx % cols) as f32;
        let row = (idx / cols) as f32;
        let b = &out.bbox[idx * 4..idx * 4 + 4];
        let center = Point::new((col + b[0]) * s, (row + b[1]) * s);
        let bbox = FaceBox::from_center(center, b[2].exp() * s, b[3].exp() * s);
        let k = &out.kps[idx * 10..idx * 10 + 10];
        let landmarks = Landmarks(std::array::from_fn(|n| {
            Point::new((k[2 * n] + col) * s, (k[2 * n + 1] + row) * s)
        }));
        into.push(DetectedFace {
            bbox,
            landmarks,
            score,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_one_anchor_with_opencv_formulas() {
        // A 64-pixel-wide input at stride 16 has 4 columns; anchor 6 is row 1, col 2.
        let mut cls = vec![0.0; 8];
        let mut obj = vec![0.0; 8];
        cls[6] = 0.81;
        obj[6] = 1.0;
        let mut bbox = vec![0.0; 32];
        bbox[24..28].copy_from_slice(&[0.5, 0.25, 2f32.ln(), 1f32.ln()]);
        let mut kps = vec![0.0; 80];
        for n in 0..5 {
            kps[60 + 2 * n] = 0.1 * n as f32;
            kps[60 + 2 * n + 1] = -0.1 * n as f32;
        }
        let out = StrideOutputs {
            stride: 16,
            cls: &cls,
            obj: &obj,
            bbox: &bbox,
            kps: &kps,
        };
        let mut faces = Vec::new();
        decode_stride(&out, 64, 0.5, &mut faces);
        assert_eq!(faces.len(), 1);
        let f = faces[0];
        assert!((f.score - 0.9).abs() < 1e-6);
        // centre ((2 + 0.5)·16, (1 + 0.25)·16) = (40, 20); size 32 × 16.
        assert_eq!(
            f.bbox,
            FaceBox {
                left: 24.0,
                top: 12.0,
                right: 56.0,
                bottom: 28.0
            }
        );
        assert!((f.landmarks.0[3].x - (2.3 * 16.0)).abs() < 1e-4);
        assert!((f.landmarks.0[3].y - (0.7 * 16.0)).abs() < 1e-4);
    }

    #[test]
    fn scores_below_threshold_and_out_of_range_heads_are_dropped() {
        // cls above 1 is clamped, so sqrt(1 · 0.2) ≈ 0.447 stays under 0.5.
        let out = StrideOutputs {
            stride: 8,
            cls: &[1.7],
            obj: &[0.2],
            bbox: &[0.0; 4],
            kps: &[0.0; 10],
        };
        let mut faces = Vec::new();
        decode_stride(&out, 8, 0.5, &mut faces);
        assert!(faces.is_empty());
    }
}
