//! Area-aware RGB resizing without float intermediates.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Resizes with a bilinear kernel widened by the scale factor, so shrinking
/// averages every source pixel instead of skipping most of them.
pub fn resize_rgb(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    if src.dimensions() == (width, height) {
        return src.clone();
    }
    let from = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
        .expect("RgbImage buffers are exactly w·h·3");
    let mut to = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &from,
            &mut to,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)),
        )
        .expect("source and destination are both U8x3");
    RgbImage::from_raw(width, height, to.into_vec()).expect("destination buffer is w·h·3")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn shrinking_a_fine_checkerboard_averages_to_grey() {
        let src = RgbImage::from_fn(400, 200, |x, y| {
            if (x + y) % 2 == 0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let out = resize_rgb(&src, 40, 20);
        assert_eq!(out.dimensions(), (40, 20));
        for p in out.pixels() {
            assert!((100..=155).contains(&p[0]), "{p:?}");
        }
    }
}
