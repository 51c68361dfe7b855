//! The worker side: loads and verifies the models once, then answers
//! [`ToWorker`] requests one at a time, each with the reply its kind has.

use super::js::{blob, describe, now_ms, sha256_hex, PerformanceClock};
use crate::pipeline::decode::{probe, DecodeError, DecodedPhoto};
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
    console_error_panic_hook::set_once();
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
    let decoded = if request.browser_decode {
        decode_in_browser(scope, bytes, max_pixels)
            .await
            .map_err(|e| typed(e.into()))?
    } else {
        None
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
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    if (width, height) != header.upright_size() {
        options.set_resize_width(width);
        options.set_resize_height(height);
        options.set_resize_quality(ResizeQuality::High);
    }
    let Ok(promise) =
        scope.create_image_bitmap_with_blob_and_image_bitmap_options(&blob(bytes, ""), &options)
    else {
        return Ok(None);
    };
    let Ok(bitmap) = JsFuture::from(promise).await else {
        return Ok(None);
    };
    let bitmap: ImageBitmap = bitmap.unchecked_into();
    // Where a browser resizes before it orients, the sizes disagree: let
    // Facesort's decoder do it rather than guess.
    let rgba = if (bitmap.width(), bitmap.height()) == (width, height) {
        pixels(&bitmap, width, height)
    } else {
        None
    };
    bitmap.close();
    let Some(rgba) = rgba else { return Ok(None) };
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Ok(RgbImage::from_raw(width, height, rgb)
        .map(|image| DecodedPhoto::from_upright(&header, image)))
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
