//! Area-aware RGB resizing without float intermediates.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

/// Resizes with a bilinear kernel widened by the scale factor, so shrinking
/// averages every source pixel instead of skipping most of them.
pub fn resize_rgb(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    resize_with(src, width, height, FilterType::Bilinear)
}

/// Halves an image (its size rounded up): each pixel the mean of the 2 × 2
/// under it, as a JPEG decoded at the next DCT scale down would have it (an
/// odd last row or column is the mean of what there is). A bilinear kernel,
/// two source pixels wide each side at this scale, would blur it further.
/// Means of pairs down each column, then of those pairs across, each
/// rounded half up: the same pixels as the resizer's box filter this replaced (so
/// the same detections), in loops the compiler vectorises, where the
/// resizer's general filter took ~8 ms of a phone photo in the worker.
pub fn halve_rgb(src: &RgbImage) -> RgbImage {
    let (width, height) = (src.width() as usize, src.height() as usize);
    let (half_w, half_h) = (width.div_ceil(2), height.div_ceil(2));
    let row_len = width * 3;
    let pixels = src.as_raw();
    let mut out = vec![0u8; half_w * half_h * 3];
    // Two rows' means, with one pixel more where the width is odd (a copy
    // of the last, which has no pair: so it keeps its own value).
    let mut down = vec![0u8; half_w * 2 * 3];
    for (y, out_row) in out.chunks_exact_mut(half_w * 3).enumerate() {
        let top = &pixels[2 * y * row_len..][..row_len];
        let bottom = &pixels[(2 * y + 1).min(height - 1) * row_len..][..row_len];
        for ((d, &t), &b) in down.iter_mut().zip(top).zip(bottom) {
            *d = ((t as u16 + b as u16 + 1) >> 1) as u8;
        }
        if width % 2 == 1 {
            down.copy_within(row_len - 3..row_len, row_len);
        }
        for (o, pair) in out_row.chunks_exact_mut(3).zip(down.chunks_exact(6)) {
            for c in 0..3 {
                o[c] = ((pair[c] as u16 + pair[c + 3] as u16 + 1) >> 1) as u8;
            }
        }
    }
    RgbImage::from_raw(half_w as u32, half_h as u32, out).expect("buffer is w·h·3")
}

/// A part of `src` (`left`, `top`, `side` × `side`, inside it) resized as
/// [`resize_rgb`] does, read in place rather than copied out first.
pub fn resize_square_rgb(src: &RgbImage, left: u32, top: u32, side: u32, size: u32) -> RgbImage {
    let side = f64::from(side.max(1));
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
        .crop(f64::from(left), f64::from(top), side, side);
    resize_into(src, size.max(1), size.max(1), &options)
}

fn resize_with(src: &RgbImage, width: u32, height: u32, filter: FilterType) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    if src.dimensions() == (width, height) {
        return src.clone();
    }
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    resize_into(src, width, height, &options)
}

fn resize_into(src: &RgbImage, width: u32, height: u32, options: &ResizeOptions) -> RgbImage {
    let from = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
        .expect("RgbImage buffers are exactly w·h·3");
    let mut to = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(&from, &mut to, options)
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
    fn an_odd_last_row_and_column_are_the_means_of_what_is_there() {
        // 3 × 3: the last column is 10s and 30s, the last row 50 and 70.
        let src = RgbImage::from_fn(3, 3, |x, y| {
            let v = [[0, 0, 10], [0, 0, 30], [50, 70, 90]][y as usize][x as usize];
            Rgb([v, v / 2, v + 100])
        });
        let out = halve_rgb(&src);
        assert_eq!(out.get_pixel(1, 0).0, [20, 10, 120]);
        assert_eq!(out.get_pixel(0, 1).0, [60, 30, 160]);
        assert_eq!(out.get_pixel(1, 1).0, [90, 45, 190]);
    }

    #[test]
    fn halving_rounds_half_up_as_the_resizer_did() {
        // The resizer's box filter, which this replaced, on noise of an even
        // size (a phone photo's halves are even): the same image. Small
        // values, so that which way each rounding goes shows (rounding
        // across first, then down, differs in a pixel of eight here).
        let src = RgbImage::from_fn(640, 480, |x, y| {
            let h = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663))
                .wrapping_mul(2_654_435_761)
                >> 16;
            Rgb([(h % 6) as u8, (h / 6 % 6) as u8, (h / 36 % 256) as u8])
        });
        assert_eq!(
            halve_rgb(&src),
            resize_with(&src, 320, 240, FilterType::Box)
        );
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
