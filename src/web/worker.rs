//! The worker side: loads and verifies the models once, then answers
//! [`ToWorker`] requests one at a time, each with the reply its kind has.

use super::js::{blob, describe, now_ms, sha256_hex, PerformanceClock};
use crate::pipeline::decode::{
    limit_megapixels, probe, DecodeError, DecodedPhoto, Orientation, PhotoHeader,
};
use crate::pipeline::format::{sniff, FileKind, OtherPhoto};
use crate::pipeline::models::{manifest, ModelEntry};
use crate::pipeline::thumbnail::{encode_jpeg, face_crop, photo_thumbnail};
use crate::pipeline::{Pipeline, PipelineError};
use crate::wire::worker::{
    AnalyseError, AnalyseRequest, FaceReport, FromWorker, ModelsError, PhotoReport, RequestId,
    ToWorker, BYTES_FIELD,
};
use image::RgbImage;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};
use web_sys::{
    ImageBitmap, ImageBitmapOptions, ImageOrientation, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d, ResizeQuality,
};

const THUMBNAIL_SIDE: u32 = 360;
const CROP_SIDE: u32 = 128;

pub fn run() {
    std::panic::set_hook(Box::new(report_panic));
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    wasm_bindgen_futures::spawn_local(async move {
        let pipeline = match load_pipeline(&scope).await {
            Ok(p) => Rc::new(RefCell::new(p)),
            Err(error) => return post(&scope, &FromWorker::ModelsFailed { error }),
        };
        // Requests are answered one at a time, in order: decoding awaits the
        // browser, and the pipeline is never borrowed across that await.
        let (queue, mut requests) = futures::channel::mpsc::unbounded::<JsValue>();
        let reply_to = scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(data) = futures::StreamExt::next(&mut requests).await {
                let reply = handle(&pipeline, &reply_to, &data).await;
                post(&reply_to, &reply);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let _ = queue.unbounded_send(event.data());
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The worker lives as long as the page: the handler is never dropped.
        on_message.forget();
        post(&scope, &FromWorker::Ready);
    });
}

/// Tells the page before the instance traps, so the photo being analysed
/// fails with a reason and the page replaces this worker (a wasm panic
/// aborts: nothing in this instance can run safely afterwards).
fn report_panic(info: &std::panic::PanicHookInfo) {
    console_error_panic_hook::hook(info);
    let what = info
        .payload_as_str()
        .unwrap_or("an internal error")
        .to_string();
    let message = match info.location() {
        Some(at) => format!("{what}, at {}:{}", at.file(), at.line()),
        None => what,
    };
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if let Ok(value) = serde_wasm_bindgen::to_value(&FromWorker::Crashed { message }) {
        let _ = scope.post_message(&value);
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    let value = serde_wasm_bindgen::to_value(message).expect("protocol messages serialise");
    scope.post_message(&value).expect("posting to the page");
}

async fn load_pipeline(scope: &DedicatedWorkerGlobalScope) -> Result<Pipeline, ModelsError> {
    let m = manifest();
    let detector = fetch_model(scope, "face detection", &m.detector).await?;
    let embedder = fetch_model(scope, "face recognition", &m.embedder).await?;
    Pipeline::new(&detector, &embedder).map_err(|e| ModelsError::Build(e.to_string()))
}

/// Fetches a model next to the app and checks it against the pinned SHA-256,
/// so a truncated or tampered file is a clear message rather than garbage faces.
async fn fetch_model(
    scope: &DedicatedWorkerGlobalScope,
    role: &str,
    entry: &ModelEntry,
) -> Result<Vec<u8>, ModelsError> {
    let url = format!("models/{}", entry.file);
    let failed = |why: String| ModelsError::Fetch {
        role: role.into(),
        url: url.clone(),
        why,
    };
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_str(&url))
        .await
        .map_err(|e| failed(describe(&e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(failed(format!("the server answered {}", response.status())));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| failed(describe(&e)))?)
        .await
        .map_err(|e| failed(describe(&e)))?;
    let bytes = Uint8Array::new(&buffer);
    let digest = sha256_hex(&bytes).await.map_err(&failed)?;
    if digest != entry.sha256 {
        return Err(failed(
            "the file is damaged or not the expected version (checksum mismatch); reload the page, and if this stays, the site's copy needs replacing".into(),
        ));
    }
    Ok(bytes.to_vec())
}

async fn handle(
    pipeline: &RefCell<Pipeline>,
    scope: &DedicatedWorkerGlobalScope,
    data: &JsValue,
) -> FromWorker {
    let message: ToWorker = match serde_wasm_bindgen::from_value(data.clone()) {
        Ok(m) => m,
        Err(e) => {
            // Answer the request if at least its id can be read.
            let id = Reflect::get(data, &"id".into())
                .ok()
                .and_then(|v| v.as_f64())
                .map(|v| RequestId(v as u32));
            return FromWorker::Unreadable {
                id,
                error: e.to_string(),
            };
        }
    };
    match message {
        ToWorker::Analyse { id, request } => {
            let bytes = Reflect::get(data, &BYTES_FIELD.into())
                .ok()
                .and_then(|b| b.dyn_into::<ArrayBuffer>().ok())
                .map(|b| Uint8Array::new(&b).to_vec());
            let reply = match bytes {
                None => Err(AnalyseError::NoBytes),
                Some(bytes) => analyse(pipeline, scope, request, &bytes).await,
            };
            FromWorker::Analysed { id, reply }
        }
        ToWorker::Group { id, job } => FromWorker::Grouped {
            id,
            reply: job.run(),
        },
    }
}

async fn analyse(
    pipeline: &RefCell<Pipeline>,
    scope: &DedicatedWorkerGlobalScope,
    request: AnalyseRequest,
    bytes: &[u8],
) -> Result<PhotoReport, AnalyseError> {
    let typed = |e: PipelineError| match e {
        PipelineError::Decode(e) => AnalyseError::Decode(e.to_string()),
        PipelineError::Model(e) => AnalyseError::Model(e.to_string()),
    };
    pipeline.borrow_mut().detector.config = request.detector;
    let max_pixels = pipeline.borrow().decode.max_pixels;
    let t0 = now_ms();
    let decoded = match sniff(bytes) {
        // Formats only the browser decodes (AVIF everywhere, HEIC in Safari).
        FileKind::Other(kind @ (OtherPhoto::Avif | OtherPhoto::Heic)) => Some(
            decode_other_in_browser(scope, bytes, max_pixels, kind)
                .await
                .map_err(|e| typed(e.into()))?,
        ),
        _ if request.browser_decode => decode_in_browser(scope, bytes, max_pixels)
            .await
            .map_err(|e| typed(e.into()))?,
        _ => None,
    };
    let pipeline = pipeline.borrow();
    let analysed = match decoded {
        Some(photo) => pipeline.analyse_decoded(photo, now_ms() - t0, &PerformanceClock),
        // The browser could not: Facesort's own decoder says why, or decodes it.
        None => pipeline.analyse(bytes, &PerformanceClock),
    }
    .map_err(typed)?;
    let photo = &analysed.photo;
    let (width, height) = photo.upright_size();
    let faces = analysed
        .faces
        .iter()
        .map(|f| {
            let upright = photo.face_to_upright(&f.detection);
            FaceReport {
                bbox: upright.bbox,
                landmarks: upright.landmarks,
                score: upright.score,
                embedding: f.embedding.clone(),
                crop_jpeg: encode_jpeg(&face_crop(&photo.image, &f.detection.bbox, CROP_SIDE), 85),
                quality: Some(f.quality),
            }
        })
        .collect();
    let thumbnail_jpeg = encode_jpeg(&photo_thumbnail(&photo.image, THUMBNAIL_SIDE), 80);
    Ok(PhotoReport {
        width,
        height,
        thumbnail_jpeg,
        faces,
        timings: analysed.timings,
        taken_ms: crate::pipeline::taken::taken_ms(bytes),
    })
}

/// Decodes with the browser's own decoder (`createImageBitmap`, EXIF
/// orientation applied, scaled to at most `max_pixels`), after the header
/// has been checked by Facesort's (so errors read the same either way).
/// `Ok(None)`: the browser could not, and Facesort's decoder should.
pub async fn decode_in_browser(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    max_pixels: u64,
) -> Result<Option<DecodedPhoto>, DecodeError> {
    let header = probe(bytes)?;
    let (width, height) = header.working_size(max_pixels);
    let resize = (width, height) != header.upright_size();
    let Some(bitmap) = bitmap(scope, bytes, resize.then_some((width, height))).await else {
        return Ok(None);
    };
    // Where a browser resizes before it orients, the sizes disagree: let
    // Facesort's decoder do it rather than guess.
    let rgba = if (bitmap.width(), bitmap.height()) == (width, height) {
        pixels(&bitmap, width, height)
    } else {
        None
    };
    bitmap.close();
    let Some(rgba) = rgba else { return Ok(None) };
    Ok(RgbImage::from_raw(width, height, rgb(&rgba))
        .map(|image| DecodedPhoto::from_upright(&header, image)))
}

/// A photo in a format Facesort's decoder does not read, decoded by the
/// browser if it can (upright, so its pixels are its stored pixels); refused
/// by name if it cannot.
async fn decode_other_in_browser(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    max_pixels: u64,
    kind: OtherPhoto,
) -> Result<DecodedPhoto, DecodeError> {
    let refused = || DecodeError::NotRead(kind);
    let format = match kind {
        OtherPhoto::Avif => "AVIF",
        _ => "HEIC",
    };
    let whole = bitmap(scope, bytes, None).await.ok_or_else(refused)?;
    let header = PhotoHeader {
        format,
        stored_width: whole.width(),
        stored_height: whole.height(),
        orientation: Orientation::NoTransforms,
    };
    let limit_mp = limit_megapixels(format);
    if header.stored_width as u64 * header.stored_height as u64 > limit_mp * 1_000_000 {
        whole.close();
        return Err(DecodeError::TooLarge {
            width: header.stored_width,
            height: header.stored_height,
            limit_mp,
        });
    }
    let (width, height) = header.working_size(max_pixels);
    let working = if (width, height) == header.upright_size() {
        whole
    } else {
        whole.close();
        bitmap(scope, bytes, Some((width, height)))
            .await
            .ok_or_else(refused)?
    };
    let rgba = pixels(&working, width, height);
    working.close();
    rgba.and_then(|rgba| RgbImage::from_raw(width, height, rgb(&rgba)))
        .map(|image| DecodedPhoto::from_upright(&header, image))
        .ok_or_else(refused)
}

/// The browser's decode of `bytes`, EXIF orientation applied, resized to
/// `size` if given; `None` if the browser cannot decode it.
async fn bitmap(
    scope: &DedicatedWorkerGlobalScope,
    bytes: &[u8],
    size: Option<(u32, u32)>,
) -> Option<ImageBitmap> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    if let Some((width, height)) = size {
        options.set_resize_width(width);
        options.set_resize_height(height);
        options.set_resize_quality(ResizeQuality::High);
    }
    let promise = scope
        .create_image_bitmap_with_blob_and_image_bitmap_options(&blob(bytes, ""), &options)
        .ok()?;
    Some(JsFuture::from(promise).await.ok()?.unchecked_into())
}

fn rgb(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// The bitmap's RGBA pixels, drawn through an `OffscreenCanvas`.
fn pixels(bitmap: &ImageBitmap, width: u32, height: u32) -> Option<Vec<u8>> {
    let canvas = OffscreenCanvas::new(width, height).ok()?;
    let context: OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
        .ok()?;
    let data = context
        .get_image_data(0.0, 0.0, width as f64, height as f64)
        .ok()?;
    Some(data.data().0)
}
