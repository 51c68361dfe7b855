//! Browser-side unit tests, run inside a dedicated worker in headless
//! Chromium (where the worker protocol is decoded):
//! `scripts/test.sh` runs them with wasm-bindgen-test-runner and chromedriver.
#![cfg(target_arch = "wasm32")]

use facesort::face::embedding::Embedding;
use facesort::face::geometry::{FaceBox, Landmarks, Point};
use facesort::face::timing::StageTimings;
use facesort::web::js::{blob, sha256_hex};
use facesort::wire::export::ZipBuilder;
use facesort::wire::worker::{FaceReport, FromWorker, PhotoReport, ToWorker};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn report() -> PhotoReport {
    PhotoReport {
        width: 4000,
        height: 3000,
        thumbnail_jpeg: vec![0xFF, 0xD8, 0xFF, 0xD9],
        faces: vec![FaceReport {
            bbox: FaceBox {
                left: 10.0,
                top: 20.0,
                right: 110.0,
                bottom: 140.0,
            },
            landmarks: Landmarks([Point::new(40.0, 60.0); 5]),
            score: 0.93,
            embedding: Embedding::new((0..128).map(|i| i as f32 / 128.0).collect()),
            crop_jpeg: (0..=255).collect(),
            quality: Some(facesort::face::quality::FaceQuality {
                eye_px: 41.5,
                yaw: 0.07,
                outside: 0.0,
                sharpness: 63.0,
                score: 0.93,
            }),
        }],
        timings: StageTimings {
            decode_ms: 1.5,
            detect_ms: 20.0,
            embed_ms: 9.0,
        },
        taken_ms: Some(1_711_927_805_000.0),
    }
}

#[wasm_bindgen_test]
fn photo_reports_cross_the_js_boundary_with_bytes_as_uint8array() {
    let msg = FromWorker::Analysed {
        id: 42,
        report: report(),
    };
    let value = serde_wasm_bindgen::to_value(&msg).unwrap();
    assert_eq!(
        Reflect::get(&value, &"kind".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("Analysed")
    );
    // Bytes must arrive as a typed array, not an array of 256 numbers.
    let report_js = Reflect::get(&value, &"report".into()).unwrap();
    let thumb = Reflect::get(&report_js, &"thumbnail_jpeg".into()).unwrap();
    assert!(thumb.is_instance_of::<Uint8Array>());
    // Structured clone (what postMessage does) keeps everything intact.
    let cloned = js_sys::JSON::parse(
        &js_sys::JSON::stringify(&Reflect::get(&report_js, &"timings".into()).unwrap())
            .unwrap()
            .as_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        Reflect::get(&cloned, &"detect_ms".into()).unwrap().as_f64(),
        Some(20.0)
    );
    let back: FromWorker = serde_wasm_bindgen::from_value(value).unwrap();
    assert_eq!(back, msg);
}

#[wasm_bindgen_test]
fn requests_carry_the_photo_beside_the_message() {
    let value = serde_wasm_bindgen::to_value(&ToWorker::Analyse { id: 3 }).unwrap();
    let bytes = Uint8Array::from(&[1u8, 2, 3][..]);
    Reflect::set(
        &value,
        &facesort::wire::worker::BYTES_FIELD.into(),
        &bytes.buffer(),
    )
    .unwrap();
    // The extra field does not disturb decoding of the typed part.
    let back: ToWorker = serde_wasm_bindgen::from_value(value.clone()).unwrap();
    assert_eq!(back, ToWorker::Analyse { id: 3 });
    let carried = Reflect::get(&value, &facesort::wire::worker::BYTES_FIELD.into()).unwrap();
    assert_eq!(Uint8Array::new(&carried).to_vec(), vec![1, 2, 3]);
}

#[wasm_bindgen_test]
async fn sha256_uses_the_browser_and_matches_the_standard_vector() {
    let digest = sha256_hex(&Uint8Array::from(&b"abc"[..])).await.unwrap();
    assert_eq!(
        digest,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[wasm_bindgen_test]
async fn a_zip_built_in_the_browser_reads_back_byte_for_byte() {
    let photo: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut zip = ZipBuilder::default();
    zip.add("Person 1", "a.jpg", &photo).unwrap();
    zip.add("no-faces", "b.png", b"png").unwrap();
    let bytes = zip.finish().unwrap();
    // Through a Blob and back, as the download path does.
    let b = blob(&bytes, "application/zip");
    assert_eq!(b.size() as usize, bytes.len());
    let buffer = wasm_bindgen_futures::JsFuture::from(b.array_buffer())
        .await
        .unwrap();
    let round = Uint8Array::new(&buffer).to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(round)).unwrap();
    let mut entry = archive.by_name("Person 1/a.jpg").unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut out).unwrap();
    assert_eq!(out, photo);
}
