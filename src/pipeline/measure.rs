//! Measuring a face's quality (see [`crate::face::quality`] for the rules
//! that judge the measurements): size, turn, how much is outside the photo,
//! sharpness.

use crate::face::geometry::{DetectedFace, Point};
use crate::face::quality::FaceQuality;
use crate::pipeline::align::{FaceChip, CHIP_SIZE};
use crate::pipeline::similarity::Similarity;

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
        (((nose.x - mid.x) * (le.x - re.x) + (nose.y - mid.y) * (le.y - re.y)) / (eye * eye)).abs()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::geometry::{DetectedFace, FaceBox, Landmarks, Point};
    use crate::face::quality::{QualityRules, UnsureReason};
    use crate::pipeline::align::{chip_transform, extract_chip};
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
