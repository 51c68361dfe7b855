//! Pixel layouts other decoders hand over, made into the RGB rows the
//! pipeline works on.

/// A 4-byte pixel's order (the fourth byte, alpha or padding, is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FourBytes {
    Rgbx,
    Bgrx,
}

/// Packs 4-byte pixels into RGB in place and trims, so a 12 MB decode needs
/// no second buffer. Four pixels at a time, with the byte order known when
/// compiled (a 16-byte shuffle in wasm SIMD): byte by byte, this took ~7 ms
/// of a phone photo in the worker. Each group is read whole before it is
/// written, and written no later than where it was read, so nothing is
/// overwritten unread.
pub fn pack_rgb(pixels: &mut Vec<u8>, order: FourBytes) {
    match order {
        FourBytes::Rgbx => pack::<0, 2>(pixels),
        FourBytes::Bgrx => pack::<2, 0>(pixels),
    }
}

fn pack<const R: usize, const B: usize>(pixels: &mut Vec<u8>) {
    let count = pixels.len() / 4;
    let whole = count / 4;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        wasm::pack_groups::<R>(pixels, whole);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for i in 0..whole {
        let mut four = [0u8; 16];
        four.copy_from_slice(&pixels[16 * i..16 * i + 16]);
        let mut three = [0u8; 12];
        for p in 0..4 {
            three[3 * p] = four[4 * p + R];
            three[3 * p + 1] = four[4 * p + 1];
            three[3 * p + 2] = four[4 * p + B];
        }
        pixels[12 * i..12 * i + 12].copy_from_slice(&three);
    }
    for i in 4 * whole..count {
        let rgb = [pixels[4 * i + R], pixels[4 * i + 1], pixels[4 * i + B]];
        pixels[3 * i..3 * i + 3].copy_from_slice(&rgb);
    }
    pixels.truncate(3 * count);
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use core::arch::wasm32::{i8x16_shuffle, v128, v128_load, v128_store};

    /// The first `groups` groups of four pixels, each by one 16-byte shuffle
    /// (red first at byte `R`, blue at the other end).
    /// Whole 16-byte stores: the four bytes past a group's twelve land where
    /// the next group is written, within bytes already read.
    pub(super) fn pack_groups<const R: usize>(pixels: &mut [u8], groups: usize) {
        assert!(groups * 16 <= pixels.len());
        let base = pixels.as_mut_ptr();
        for i in 0..groups {
            // SAFETY: group i is bytes 16i..16i+16, within `pixels` (asserted);
            // the store covers 12i..12i+16, which ends no later than it.
            unsafe {
                let four = v128_load(base.add(16 * i) as *const v128);
                let three = if R == 0 {
                    i8x16_shuffle::<0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0>(four, four)
                } else {
                    i8x16_shuffle::<2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0, 0, 0, 0>(four, four)
                };
                v128_store(base.add(12 * i) as *mut v128, three);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixel k is (k, k + 100, 200 - k) as RGB, its fourth byte 255.
    fn four_byte(count: u8, order: FourBytes) -> Vec<u8> {
        (0..count)
            .flat_map(|k| {
                let (r, g, b) = (k, k + 100, 200 - k);
                match order {
                    FourBytes::Rgbx => [r, g, b, 255],
                    FourBytes::Bgrx => [b, g, r, 255],
                }
            })
            .collect()
    }

    #[test]
    fn either_order_packs_to_the_same_rgb_for_any_pixel_count() {
        for count in [0u8, 1, 3, 4, 5, 8, 19] {
            let expected: Vec<u8> = (0..count).flat_map(|k| [k, k + 100, 200 - k]).collect();
            for order in [FourBytes::Rgbx, FourBytes::Bgrx] {
                let mut pixels = four_byte(count, order);
                pack_rgb(&mut pixels, order);
                assert_eq!(pixels, expected, "{count} pixels, {order:?}");
            }
        }
    }
}
