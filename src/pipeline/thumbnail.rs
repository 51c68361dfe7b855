//! Small JPEG previews: face crops for the people grid and photo thumbnails.

use crate::face::geometry::FaceBox;
use crate::pipeline::resize::resize_rgb;
use image::codecs::jpeg::JpegEncoder;
use image::imageops;
use image::RgbImage;

/// A square crop around the face with room for hair and chin, `size` pixels wide.
pub fn face_crop(image: &RgbImage, face: &FaceBox, size: u32) -> RgbImage {
    let c = face.center();
    let side = face.width().max(face.height()) * 1.6;
    let (w, h) = (image.width() as f32, image.height() as f32);
    let side = side.min(w).min(h).max(1.0);
    let left = (c.x - side / 2.0).clamp(0.0, w - side);
    let top = (c.y - side / 2.0).clamp(0.0, h - side);
    let crop =
        imageops::crop_imm(image, left as u32, top as u32, side as u32, side as u32).to_image();
    resize_rgb(&crop, size, size)
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
}
