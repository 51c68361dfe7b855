//! Area-aware RGB resizing without float intermediates.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Resizes with a bilinear kernel widened by the scale factor, so shrinking
/// averages every source pixel instead of skipping most of them.
pub fn resize_rgb(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    resize_with(src, width, height, FilterType::Bilinear)
}

/// Halves an image (its size rounded up) with a box filter: each pixel the
/// mean of the 2 × 2 under it, as a JPEG decoded at the next DCT scale down
/// would have it; the bilinear kernel, two source pixels wide each side at
/// this scale, would blur it further.
pub fn halve_rgb(src: &RgbImage) -> RgbImage {
    let (width, height) = src.dimensions();
    resize_with(src, width.div_ceil(2), height.div_ceil(2), FilterType::Box)
}

fn resize_with(src: &RgbImage, width: u32, height: u32, filter: FilterType) -> RgbImage {
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
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
        )
        .expect("source and destination are both U8x3");
    RgbImage::from_raw(width, height, to.into_vec()).expect("destination buffer is w·h·3")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn halving_gives_each_pixel_the_mean_of_the_two_by_two_under_it() {
        // Columns alternate 0 and 200, rows add 0 or 40: a 2 × 2 block's mean
        // is 120, its left column's 20 and its top row's 100, so any kernel
        // reaching beyond the block (or a block off by a pixel) shows.
        let src = RgbImage::from_fn(6, 4, |x, y| {
            let v = (x % 2) as u8 * 200 + (y % 2) as u8 * 40;
            Rgb([v, v, v])
        });
        let out = halve_rgb(&src);
        assert_eq!(out.dimensions(), (3, 2));
        for p in out.pixels() {
            assert_eq!(p.0, [120, 120, 120]);
        }
        assert_eq!(halve_rgb(&RgbImage::new(7, 5)).dimensions(), (4, 3));
    }

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
