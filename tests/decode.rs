//! Decoding: EXIF orientation, bad input, and memory on huge photos.

mod common;

use common::{jpeg, with_exif_orientation};
use facesort::face::geometry::Point;
use facesort::pipeline::decode::{
    decode_photo, decode_with_share, first_decode, DecodeError, DecodeOptions, Orientation,
    PhotoHeader, ScaledDecode,
};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Counts live heap bytes so a test can read the peak a call needed.
struct CountingAlloc;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Tests run on several threads; the memory test must not see others' allocations.
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// A 64×32 upright picture: red block top-left, blue elsewhere.
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
        other => other, // the remaining six are their own inverse
    }
}

#[test]
fn every_exif_orientation_is_applied_and_maps_back_to_stored_pixels() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for tag in 1..=8u8 {
        let o = Orientation::from_exif(tag).unwrap();
        // Store the picture the way a camera would for this tag.
        let mut stored = DynamicImage::ImageRgb8(upright_reference());
        stored.apply_orientation(inverse(o));
        let stored = stored.to_rgb8();
        let bytes = with_exif_orientation(&jpeg(&stored, 95), tag as u16);

        let photo = decode_photo(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(photo.orientation, o, "tag {tag}");
        assert_eq!(
            photo.image.dimensions(),
            (64, 32),
            "tag {tag}: upright size"
        );
        assert!(
            is_red(photo.image.get_pixel(4, 4)),
            "tag {tag}: red block must be top-left"
        );
        assert!(
            !is_red(photo.image.get_pixel(60, 28)),
            "tag {tag}: bottom-right must be blue"
        );
        assert_eq!(photo.upright_size(), (64, 32));
        assert_eq!(
            (photo.stored_width, photo.stored_height),
            stored.dimensions()
        );

        // A point inside the red block maps to a red pixel of the stored file.
        let s = photo.to_stored(Point::new(6.5, 5.5));
        assert!(
            is_red(stored.get_pixel(s.x as u32, s.y as u32)),
            "tag {tag}: to_stored gave {s:?}"
        );
        let far = photo.to_stored(Point::new(58.5, 26.5));
        assert!(
            !is_red(stored.get_pixel(far.x as u32, far.y as u32)),
            "tag {tag}: to_stored gave {far:?}"
        );
    }
}

#[test]
fn png_webp_and_gif_decode_to_the_same_pixels() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let img = DynamicImage::ImageRgb8(upright_reference());
    for format in [ImageFormat::Png, ImageFormat::WebP, ImageFormat::Gif] {
        let mut bytes = Vec::new();
        let source = if format == ImageFormat::Gif {
            DynamicImage::ImageRgba8(img.to_rgba8())
        } else {
            img.clone()
        };
        source
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        let photo = decode_photo(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(photo.image.dimensions(), (64, 32), "{format:?}");
        assert!(is_red(photo.image.get_pixel(2, 2)), "{format:?}");
        assert!(!is_red(photo.image.get_pixel(40, 20)), "{format:?}");
    }
}

#[test]
fn bad_input_gives_typed_errors_never_panics() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let opts = DecodeOptions::default();
    assert_eq!(decode_photo(&[], &opts).unwrap_err(), DecodeError::Empty);
    assert_eq!(
        decode_photo(b"name,person\nalice,1\n", &opts).unwrap_err(),
        DecodeError::UnsupportedFormat
    );
    assert_eq!(
        decode_photo(b"%PDF-1.7\n", &opts).unwrap_err(),
        DecodeError::UnsupportedFormat
    );

    let good = jpeg(
        &RgbImage::from_fn(320, 240, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90])),
        90,
    );
    let truncated = &good[..good.len() / 2];
    assert!(
        matches!(
            decode_photo(truncated, &opts),
            Err(DecodeError::Corrupt { format: "JPEG", .. })
        ),
        "{:?}",
        decode_photo(truncated, &opts).map(|p| p.image.dimensions())
    );
    let mut garbage = vec![0xFF, 0xD8, 0xFF];
    garbage.extend((0..4000u32).map(|i| (i * 7919 % 251) as u8));
    assert!(matches!(
        decode_photo(&garbage, &opts),
        Err(DecodeError::Corrupt { .. })
    ));
    // The decoder's own words stay out of what a user reads: a JPEG start
    // followed by noise is a file that ends before its image does.
    let mut noise = vec![0xFF, 0xD8, 0xFF, 0xE0];
    noise.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let said = decode_photo(&noise, &opts)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        !said.contains("Format error") && !said.contains(" )"),
        "{said}"
    );

    let mut png = Vec::new();
    DynamicImage::ImageRgb8(upright_reference())
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    assert!(matches!(
        decode_photo(&png[..png.len() - 30], &opts),
        Err(DecodeError::Corrupt { format: "PNG", .. })
    ));
    // The message names the problem in words a person can act on.
    assert_eq!(DecodeError::Empty.to_string(), "the file is empty");
}

#[test]
fn a_100_megapixel_jpeg_is_downscaled_without_holding_it_at_full_size() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (w, h) = (12_500u32, 8_000u32);
    let bytes = {
        let big = image::GrayImage::from_fn(w, h, |x, y| {
            image::Luma([((x / 50 + y / 50) % 2 * 200) as u8 + 20])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&big)
            .unwrap();
        out
    };
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let photo = decode_photo(&bytes, &DecodeOptions::default()).unwrap();
    let peak_mib = (PEAK.load(Ordering::Relaxed) - before) as f64 / (1 << 20) as f64;

    let (pw, ph) = photo.image.dimensions();
    assert!(pw as u64 * ph as u64 <= DecodeOptions::default().max_pixels);
    assert!(
        ((pw as f32 / ph as f32) - 1.5625).abs() < 0.01,
        "aspect kept: {pw}×{ph}"
    );
    assert_eq!(photo.upright_size(), (w, h));
    // Full-size RGB alone would be 286 MiB; the decoder's own buffers double it.
    assert!(
        peak_mib < 200.0,
        "decoding needed {peak_mib:.0} MiB at peak"
    );
    eprintln!("100 MP JPEG: working image {pw}×{ph}, peak {peak_mib:.0} MiB");

    // Its first decode, to find faces in, is 1/4 (halved to the detector's
    // 1/8), within the cap as well.
    let (first, plan) = first_decode(&bytes, &DecodeOptions::default(), 1024)
        .unwrap()
        .unwrap();
    assert_eq!(
        plan,
        ScaledDecode {
            decode: 4,
            preview: 8
        }
    );
    assert_eq!(first.image.dimensions(), (3125, 2000));
    assert_eq!(first.halved().image.dimensions(), (1563, 1000));

    // A face that needs half the photo's resolution still gets no more than
    // the cap (half of 12,500 × 8,000 would be 25 MP).
    let finer = decode_with_share(&bytes, &DecodeOptions::default(), 0.5).unwrap();
    let (fw, fh) = finer.image.dimensions();
    assert!(
        fw as u64 * fh as u64 <= DecodeOptions::default().max_pixels,
        "decoded for a face at {fw}×{fh}"
    );
}

/// A PNG that declares `w`×`h` RGB pixels, all zero: a few hundred kilobytes
/// to megabytes of file for gigabytes of pixels.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    use flate2::{write::ZlibEncoder, Compression};
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.finalize().to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    let row = vec![0u8; 1 + 3 * w as usize];
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header_in_bounded_memory() {
    let bomb = png_bomb(30_000, 30_000);
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let error = decode_photo(&bomb, &DecodeOptions::default()).unwrap_err();
    let peak_mib = (PEAK.load(Ordering::Relaxed) - before) as f64 / (1 << 20) as f64;
    assert_eq!(
        error.to_string(),
        "30000 × 30000 pixels is more than Facesort reads (120 megapixels)"
    );
    assert!(peak_mib < 64.0, "refusing it took {peak_mib:.0} MiB");
    eprintln!(
        "{} kB PNG bomb refused with {peak_mib:.1} MiB at peak",
        bomb.len() / 1000
    );
}

#[test]
fn photos_in_formats_it_does_not_read_are_named_not_called_not_a_photo() {
    let heic = [&[0, 0, 0, 0x18][..], b"ftypheic\0\0\0\0mif1heic", &[0; 64]].concat();
    let error = decode_photo(&heic, &DecodeOptions::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("HEIC photos cannot be read here yet"),
        "{error}"
    );
    let cr2 = [&b"II*\0\x10\0\0\0CR\x02\0"[..], &[0; 64]].concat();
    assert_eq!(
        decode_photo(&cr2, &DecodeOptions::default())
            .unwrap_err()
            .to_string(),
        "CR2 is a camera RAW format, which Facesort does not read: export the photo as JPEG"
    );
}

#[test]
fn a_large_jpeg_is_decoded_once_at_twice_its_preview_within_the_cap() {
    let jpeg = |stored_width, stored_height| PhotoHeader {
        format: "JPEG",
        stored_width,
        stored_height,
        orientation: Orientation::NoTransforms,
    };
    let options = DecodeOptions::default();
    let plan = |header| ScaledDecode::for_photo(&header, &options, 1024);
    // A 12-megapixel phone photo: found at 1/4, decoded at 1/2.
    assert_eq!(
        plan(jpeg(4032, 3024)),
        Some(ScaledDecode {
            decode: 2,
            preview: 4
        })
    );
    // Found at 1/2: decoding whole instead would not be a saving.
    assert_eq!(
        plan(jpeg(2400, 1800)),
        Some(ScaledDecode {
            decode: 2,
            preview: 2
        })
    );
    // Too small to scale, or not a JPEG.
    assert_eq!(plan(jpeg(1600, 1200)), None);
    assert_eq!(
        plan(PhotoHeader {
            format: "PNG",
            ..jpeg(4032, 3024)
        }),
        None
    );
    // 1/4 of 40,000 × 30,000 would pass the 16-megapixel working-size cap:
    // decoded at the preview's own 1/8.
    assert_eq!(
        plan(jpeg(40_000, 30_000)),
        Some(ScaledDecode {
            decode: 8,
            preview: 8
        })
    );
}
