//! Small JPEG previews: face crops for the people grid and photo thumbnails.

use crate::face::geometry::{FaceBox, Point};
use crate::pipeline::resize::{resize_rgb, resize_square_rgb};
use image::codecs::jpeg::JpegEncoder;
use image::RgbImage;

/// A photo's decode, and the smaller one its faces were found in where
/// they were embedded from a larger one (see [`super::AnalysedPhoto`]).
/// Previews are cut from the smaller wherever it has the pixels they need:
/// a phone photo's thumbnail and crops resized from a quarter of the pixels.
pub struct PreviewSource<'a> {
    pub image: &'a RgbImage,
    pub smaller: Option<&'a RgbImage>,
}

impl PreviewSource<'_> {
    /// The smaller image where `extent` pixels of the larger are at least
    /// `pixels` in it, else the larger; with the factor from the larger's
    /// coordinates to its.
    fn enough_for(&self, extent: f32, pixels: u32) -> (&RgbImage, f32) {
        let image = self.image;
        self.smaller
            .map(|small| (small, small.width() as f32 / image.width().max(1) as f32))
            .filter(|(_, k)| extent * k >= pixels as f32)
            .unwrap_or((image, 1.0))
    }

    /// [`face_crop`] of `face` (in the larger image's pixels).
    pub fn face_crop(&self, face: &FaceBox, size: u32) -> RgbImage {
        let (image, k) = self.enough_for(crop_side(face), size);
        face_crop(image, &face.map(|p| Point::new(p.x * k, p.y * k)), size)
    }

    /// [`photo_thumbnail`] of the photo.
    pub fn thumbnail(&self, max_side: u32) -> RgbImage {
        let (w, h) = self.image.dimensions();
        let (image, _) = self.enough_for(w.max(h) as f32, max_side);
        photo_thumbnail(image, max_side)
    }
}

fn crop_side(face: &FaceBox) -> f32 {
    face.width().max(face.height()) * 1.6
}

/// A square crop around the face with room for hair and chin, `size` pixels wide.
pub fn face_crop(image: &RgbImage, face: &FaceBox, size: u32) -> RgbImage {
    let c = face.center();
    let (w, h) = (image.width() as f32, image.height() as f32);
    let side = crop_side(face).min(w).min(h).max(1.0);
    let left = (c.x - side / 2.0).clamp(0.0, w - side);
    let top = (c.y - side / 2.0).clamp(0.0, h - side);
    resize_square_rgb(image, left as u32, top as u32, side as u32, size)
}

/// The whole photo, scaled so its longer side is at most `max_side`.
pub fn photo_thumbnail(image: &RgbImage, max_side: u32) -> RgbImage {
    let (w, h) = image.dimensions();
    let f = (max_side as f32 / w.max(h) as f32).min(1.0);
    if f >= 1.0 {
        return image.clone();
    }
    resize_rgb(
        image,
        (w as f32 * f).round() as u32,
        (h as f32 * f).round() as u32,
    )
}

pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encoding to memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_is_square_inside_the_image_and_thumbnail_keeps_aspect() {
        let img = RgbImage::new(400, 300);
        let edge = FaceBox {
            left: 380.0,
            top: 0.0,
            right: 420.0,
            bottom: 50.0,
        };
        assert_eq!(face_crop(&img, &edge, 96).dimensions(), (96, 96));
        assert_eq!(photo_thumbnail(&img, 200).dimensions(), (200, 150));
        let jpeg = encode_jpeg(&face_crop(&img, &edge, 64), 85);
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn previews_come_from_the_smaller_decode_where_it_has_the_pixels() {
        let large = RgbImage::from_fn(800, 600, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        });
        let small = crate::pipeline::resize::halve_rgb(&large);
        let source = PreviewSource {
            image: &large,
            smaller: Some(&small),
        };
        let halved = |b: &FaceBox| b.map(|p| Point::new(p.x / 2.0, p.y / 2.0));
        // A crop 160 px wide in the large image is 80 in the small one.
        let big = FaceBox::from_center(Point::new(300.0, 200.0), 100.0, 100.0);
        assert_eq!(
            source.face_crop(&big, 64),
            face_crop(&small, &halved(&big), 64)
        );
        assert_eq!(source.face_crop(&big, 128), face_crop(&large, &big, 128));
        // The thumbnail's longer side: 400 px in the small image.
        assert_eq!(source.thumbnail(360), photo_thumbnail(&small, 360));
        assert_eq!(source.thumbnail(480), photo_thumbnail(&large, 480));
        let alone = PreviewSource {
            image: &large,
            smaller: None,
        };
        assert_eq!(alone.face_crop(&big, 64), face_crop(&large, &big, 64));
    }
}
