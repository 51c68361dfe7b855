//! The worker's decoding by the browser's own decoder (`createImageBitmap`),
//! in a dedicated worker in headless Chromium: every EXIF orientation comes
//! out upright, big photos are scaled to the working size, and files the
//! browser cannot read give the same typed errors as Facesort's decoder.
//! `scripts/test.sh` runs it with the worker's features.
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

mod common;

use common::{jpeg, with_exif_orientation};
use facesort::pipeline::decode::{
    decode_with_share, probe, DecodeError, DecodeOptions, Orientation,
};
use facesort::web::worker::{decode_in_browser, decode_scaled_in_browser};
use image::{DynamicImage, Rgb, RgbImage};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::DedicatedWorkerGlobalScope;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// 64×32 upright: a red block top-left, blue elsewhere.
fn upright_reference() -> RgbImage {
    RgbImage::from_fn(64, 32, |x, y| {
        if x < 24 && y < 16 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 150 && p[2] < 110
}

fn inverse(o: Orientation) -> Orientation {
    match o {
        Orientation::Rotate90 => Orientation::Rotate270,
        Orientation::Rotate270 => Orientation::Rotate90,
        other => other,
    }
}

/// `upright` as a camera would store it with EXIF orientation `tag`: the
/// stored pixels and the JPEG file.
fn stored_with_tag(upright: &RgbImage, tag: u8) -> (RgbImage, Vec<u8>) {
    let mut stored = DynamicImage::ImageRgb8(upright.clone());
    stored.apply_orientation(inverse(Orientation::from_exif(tag).unwrap()));
    let stored = stored.to_rgb8();
    let bytes = with_exif_orientation(&jpeg(&stored, 95), tag as u16);
    (stored, bytes)
}

/// The reference, upright at 64×32: red top-left, blue bottom-right.
fn assert_is_the_reference(image: &RgbImage, tag: u8) {
    assert_eq!(image.dimensions(), (64, 32), "tag {tag}: upright size");
    assert!(
        is_red(image.get_pixel(4, 4)),
        "tag {tag}: red must be top-left"
    );
    assert!(
        !is_red(image.get_pixel(60, 28)),
        "tag {tag}: bottom-right must be blue"
    );
}

#[wasm_bindgen_test]
async fn every_exif_orientation_comes_out_upright() {
    for tag in 1..=8u8 {
        let (stored, bytes) = stored_with_tag(&upright_reference(), tag);
        let photo = decode_in_browser(&scope(), &bytes, 16_000_000)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("tag {tag}: the browser did not decode it"));
        assert_eq!(
            photo.orientation,
            Orientation::from_exif(tag).unwrap(),
            "tag {tag}"
        );
        assert_is_the_reference(&photo.image, tag);
        assert_eq!(
            (photo.stored_width, photo.stored_height),
            stored.dimensions()
        );
    }
}

#[wasm_bindgen_test]
async fn a_big_photo_is_scaled_to_the_working_size_upright() {
    // 6 × 8 tiles of the reference, stored turned (tag 6), limited to a quarter.
    let big = RgbImage::from_fn(640, 320, |x, y| {
        *upright_reference().get_pixel(x % 64, y % 32)
    });
    let (_, bytes) = stored_with_tag(&big, 6);
    let photo = decode_in_browser(&scope(), &bytes, 640 * 320 / 4)
        .await
        .unwrap()
        .expect("decoded by the browser");
    assert_eq!(photo.image.dimensions(), (320, 160));
    assert_eq!(photo.upright_size(), (640, 320));
    assert!((photo.scale() - 0.5).abs() < 1e-6);
    assert!(is_red(photo.image.get_pixel(4, 4)));
}

#[wasm_bindgen_test]
async fn what_is_not_a_photo_is_refused_by_the_header_check() {
    assert!(matches!(
        decode_in_browser(&scope(), &[], 16_000_000).await,
        Err(DecodeError::Empty)
    ));
    assert!(matches!(
        decode_in_browser(&scope(), b"just some text", 16_000_000).await,
        Err(DecodeError::UnsupportedFormat)
    ));
}

#[wasm_bindgen_test]
async fn a_jpeg_scaled_by_the_browser_comes_out_upright_as_facesorts_own_would() {
    // The reference at twice its size, so half of it is the reference again.
    let big = image::imageops::resize(
        &upright_reference(),
        128,
        64,
        image::imageops::FilterType::Nearest,
    );
    for tag in 1..=8u8 {
        let (_, bytes) = stored_with_tag(&big, tag);
        let header = probe(&bytes).unwrap();
        let photo = decode_scaled_in_browser(&js_sys::Uint8Array::from(&bytes[..]), &header, 2)
            .await
            .unwrap_or_else(|| panic!("tag {tag}: the browser did not decode it"));
        assert_is_the_reference(&photo.image, tag);
        assert_eq!(photo.upright_size(), (128, 64), "tag {tag}");
        // Facesort's decoder at the same DCT scale: the same picture.
        let own = decode_with_share(&bytes, &DecodeOptions::default(), 0.5).unwrap();
        assert_eq!(
            own.image.dimensions(),
            photo.image.dimensions(),
            "tag {tag}"
        );
        let diff: u64 = own
            .image
            .as_raw()
            .iter()
            .zip(photo.image.as_raw())
            .map(|(a, b)| a.abs_diff(*b) as u64)
            .sum();
        let mean = diff as f64 / own.image.as_raw().len() as f64;
        assert!(
            mean < 6.0,
            "tag {tag}: mean difference {mean:.1} from Facesort's decode"
        );
    }
}
