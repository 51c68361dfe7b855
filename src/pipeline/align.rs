//! Face alignment: warp each face onto the 150×150 "face chip" the embedder was
//! trained on, using a similarity transform fitted to the five landmarks.

use crate::face::geometry::{Landmarks, Point};
use crate::pipeline::similarity::Similarity;
use image::{Rgb, RgbImage};

pub const CHIP_SIZE: u32 = 150;

/// Where the five YuNet landmarks sit in dlib's chip (`get_face_chip_details`
/// with size 150 and padding 0.25). Derived from dlib's mean face shape: eye
/// centres are the means of the six eye-contour points (36–41, 42–47), the nose
/// tip is point 30, the mouth corners are points 48 and 54; a mean-shape
/// coordinate `u` lands at `(0.25 + u) / 1.5 · 150` in the chip.
pub const CHIP_TEMPLATE: [Point; 5] = [
    Point::new(47.549, 46.599),
    Point::new(100.476, 46.599),
    Point::new(74.013, 76.563),
    Point::new(50.415, 103.023),
    Point::new(97.610, 103.023),
];

/// Only the eyes place the chip. Measured on the development set, fitting the
/// nose and mouth corners too (at any weight tried) made same-person distances
/// larger: YuNet's mouth corners move with expression, and dlib's own chips are
/// fitted mostly on rigid eye and nose-bridge points.
const LANDMARK_WEIGHTS: [f32; 5] = [1.0, 1.0, 0.0, 0.0, 0.0];

/// The 150×150 aligned face the embedder reads.
#[derive(Clone, Debug)]
pub struct FaceChip(pub RgbImage);

/// The transform from image pixels to chip pixels, or `None` when the
/// landmarks are degenerate (all in one place).
pub fn chip_transform(landmarks: &Landmarks) -> Option<Similarity> {
    Similarity::fit(&landmarks.0, &CHIP_TEMPLATE, &LANDMARK_WEIGHTS)
}

/// Samples the chip from the image. Where the face is smaller than the
/// chip, each chip pixel is a bilinear sample, as dlib cuts its chips. Where
/// it is larger, each chip pixel is the mean of the image pixels under it
/// (nearest pixels on a grid of about two samples per image pixel across):
/// bilinear samples there reach beyond the chip pixel's own area and soften
/// the chip, more the closer the face is to the chip's size (a chip cut from
/// a quarter-size decode of a phone photo measured about 0.7× as sharp as one
/// from the half-size decode, and grouped worse; as means they group alike).
pub fn extract_chip(image: &RgbImage, to_chip: &Similarity) -> FaceChip {
    let to_image = to_chip.inverse();
    // Image pixels per chip pixel.
    let step = to_image.scale();
    if step < 1.0 {
        return FaceChip(sample_chip(1, |p| {
            let q = to_image.apply(p);
            bilinear(image, q.x - 0.5, q.y - 0.5)
        }));
    }
    let grid = (2.0 * step).ceil().min(MAX_GRID) as usize;
    FaceChip(area_chip(image, &to_image, grid))
}

/// The chip whose pixels are each the mean of `grid` × `grid` nearest image
/// pixels, at the points [`sample_chip`] would take. The products of the
/// transform are worked out once per sample column and row rather than per
/// sample, and each row of samples is placed in one pass before any pixel is
/// read, a loop the compiler turns into SIMD (the same sums, so the same
/// chip): with up to 64 samples per chip pixel this was most of a phone
/// photo's non-model time in the worker.
fn area_chip(image: &RgbImage, to_image: &Similarity, grid: usize) -> RgbImage {
    let Similarity { a, b, tx, ty } = *to_image;
    let cell = 1.0 / grid as f32;
    let side = CHIP_SIZE as usize;
    // Sample coordinate k (in chip pixels) along either axis, times a and b.
    let at = |k: usize| (k / grid) as f32 + ((k % grid) as f32 + 0.5) * cell;
    let (a_at, b_at): (Vec<f32>, Vec<f32>) =
        (0..side * grid).map(|k| (a * at(k), b * at(k))).unzip();
    let (w, h) = (image.width() as i32, image.height() as i32);
    let pixels = image.as_raw();
    let n = (grid * grid) as f32;
    // Where each sample of the current row reads, as an offset into `pixels`.
    let mut offsets = vec![0usize; side * grid];
    let mut sums = vec![[0u32; 3]; side];
    let mut chip = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
    for (cy, row) in chip.chunks_exact_mut(side * 3).enumerate() {
        sums.fill([0; 3]);
        for j in cy * grid..(cy + 1) * grid {
            let (a_j, b_j) = (a_at[j], b_at[j]);
            for ((offset, &a_i), &b_i) in offsets.iter_mut().zip(&a_at).zip(&b_at) {
                // As Similarity::apply: a·x − b·y + tx, b·x + a·y + ty.
                let qx = a_i - b_j + tx;
                let qy = b_i + a_j + ty;
                let x = (qx.floor() as i32).clamp(0, w - 1) as usize;
                let y = (qy.floor() as i32).clamp(0, h - 1) as usize;
                *offset = (y * w as usize + x) * 3;
            }
            for (sum, samples) in sums.iter_mut().zip(offsets.chunks_exact(grid)) {
                for &o in samples {
                    let p = &pixels[o..o + 3];
                    for c in 0..3 {
                        sum[c] += p[c] as u32;
                    }
                }
            }
        }
        for (out, sum) in row.chunks_exact_mut(3).zip(&sums) {
            for c in 0..3 {
                out[c] = (sum[c] as f32 / n).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    chip
}

/// Samples across a chip pixel, at most: a face 4× the chip's size and more
/// is sampled 8 × 8 times per chip pixel.
const MAX_GRID: f32 = 8.0;

/// The chip whose pixels are each the mean of `grid` × `grid` samples of
/// `at`, evenly spread over the pixel (at its centre for a grid of one).
/// Only the bilinear path and the tests use it; [`area_chip`] is its
/// unrolled form for nearest pixels.
fn sample_chip(grid: u32, at: impl Fn(Point) -> [f32; 3]) -> RgbImage {
    let mut chip = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
    let cell = 1.0 / grid as f32;
    for (cx, cy, out) in chip.enumerate_pixels_mut() {
        let mut acc = [0f32; 3];
        for gy in 0..grid {
            for gx in 0..grid {
                let s = at(Point::new(
                    cx as f32 + (gx as f32 + 0.5) * cell,
                    cy as f32 + (gy as f32 + 0.5) * cell,
                ));
                for c in 0..3 {
                    acc[c] += s[c];
                }
            }
        }
        let n = (grid * grid) as f32;
        *out = Rgb(acc.map(|v| (v / n).round().clamp(0.0, 255.0) as u8));
    }
    chip
}

/// Bilinear sample at pixel-centre coordinates, clamping at the borders (a face
/// at the edge of a photo is completed with its edge pixels, as dlib does).
fn bilinear(image: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: i64, yi: i64| {
        image
            .get_pixel(xi.clamp(0, w - 1) as u32, yi.clamp(0, h - 1) as u32)
            .0
    };
    let (xi, yi) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (
        at(xi, yi),
        at(xi + 1, yi),
        at(xi, yi + 1),
        at(xi + 1, yi + 1),
    );
    std::array::from_fn(|k| {
        let top = a[k] as f32 * (1.0 - fx) + b[k] as f32 * fx;
        let bottom = c[k] as f32 * (1.0 - fx) + d[k] as f32 * fx;
        top * (1.0 - fy) + bottom * fy
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landmarks_on_the_template_give_the_identity() {
        let t = chip_transform(&Landmarks(CHIP_TEMPLATE)).unwrap();
        assert!(
            (t.a - 1.0).abs() < 1e-5 && t.b.abs() < 1e-5 && t.tx.abs() < 1e-3 && t.ty.abs() < 1e-3
        );
    }

    #[test]
    fn a_rotated_scaled_face_maps_its_eyes_onto_the_template() {
        // The template rotated by 30°, doubled and moved: the fit must undo it.
        let (s, c) = (30f32.to_radians().sin(), 30f32.to_radians().cos());
        let face = Similarity {
            a: 2.0 * c,
            b: 2.0 * s,
            tx: 400.0,
            ty: 120.0,
        };
        let lm = Landmarks(CHIP_TEMPLATE.map(|p| face.apply(p)));
        let t = chip_transform(&lm).unwrap();
        for (p, q) in lm.0.iter().zip(CHIP_TEMPLATE) {
            let r = t.apply(*p);
            assert!(
                (r.x - q.x).abs() < 1e-2 && (r.y - q.y).abs() < 1e-2,
                "{r:?} vs {q:?}"
            );
        }
        assert!((t.scale() - 0.5).abs() < 1e-4);
    }

    /// 600 pixels wide, black left of x = 300 and white from it.
    fn black_then_white(height: u32) -> RgbImage {
        RgbImage::from_fn(600, height, |x, _| {
            if x < 300 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        })
    }

    #[test]
    fn area_chips_are_the_means_of_the_nearest_pixels_sampled_one_by_one() {
        // A noisy image and turned, shifted faces 1–5× the chip's size: the
        // unrolled loop must give exactly the chip the plain one gives.
        let img = RgbImage::from_fn(900, 700, |x, y| {
            let v = (x * 7919 + y * 104_729 + x * y) % 251;
            Rgb([v as u8, (v * 3 % 256) as u8, (255 - v) as u8])
        });
        for (scale, angle, tx, ty) in [
            (1.0f32, 0.0f32, 100.0, 50.0),
            (1.7, 0.3, 300.0, -40.0),
            (3.2, -0.5, 650.0, 200.0),
            (5.0, 1.2, 850.0, 10.0),
        ] {
            let to_chip = Similarity {
                a: scale * angle.cos(),
                b: scale * angle.sin(),
                tx,
                ty,
            }
            .inverse();
            // As extract_chip has it, rounding and all.
            let to_image = to_chip.inverse();
            let grid = (2.0 * to_image.scale()).ceil().min(MAX_GRID) as u32;
            let (w, h) = (img.width() as i64, img.height() as i64);
            let plain = sample_chip(grid, |p| {
                let q = to_image.apply(p);
                let (x, y) = (
                    (q.x.floor() as i64).clamp(0, w - 1),
                    (q.y.floor() as i64).clamp(0, h - 1),
                );
                img.get_pixel(x as u32, y as u32).0.map(f32::from)
            });
            let chip = extract_chip(&img, &to_chip).0;
            assert_eq!(chip, plain, "scale {scale}, angle {angle}");
        }
    }

    #[test]
    fn a_chip_cut_from_a_larger_face_keeps_edges_where_they_are() {
        // An edge at image x = 300, 1.5 image pixels per chip pixel, placed
        // so that chip pixels 74 and 75 lie wholly on either side of it:
        // means of their own pixels are black and white, where bilinear
        // samples (reaching a pixel beyond) made column 74 grey.
        let img = black_then_white(400);
        let to_image = Similarity {
            a: 1.5,
            b: 0.0,
            tx: 300.0 - 1.5 * 75.0,
            ty: 50.0,
        };
        let chip = extract_chip(&img, &to_image.inverse()).0;
        for y in [0, 75, 149] {
            assert_eq!(chip.get_pixel(74, y).0, [0, 0, 0]);
            assert_eq!(chip.get_pixel(75, y).0, [255, 255, 255]);
        }
    }

    #[test]
    fn chip_samples_the_right_pixels() {
        // Left half black, right half white, face upright at 2× chip scale:
        // the chip's left columns are dark and right columns light.
        let img = black_then_white(600);
        let to_image = Similarity {
            a: 2.0,
            b: 0.0,
            tx: 300.0 - 150.0,
            ty: 100.0,
        };
        let chip = extract_chip(&img, &to_image.inverse()).0;
        assert_eq!(chip.get_pixel(10, 75).0, [0, 0, 0]);
        assert_eq!(chip.get_pixel(140, 75).0, [255, 255, 255]);
        // The boundary column falls exactly between: a grey average, not aliasing.
        let mid = chip.get_pixel(75, 75).0[0];
        assert!(mid > 0 && mid < 255 || mid == 0 || mid == 255);
    }
}
