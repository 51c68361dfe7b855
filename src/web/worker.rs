//! The worker side: loads and verifies the models once, then answers
//! [`ToWorker`] requests one at a time, each with the reply its kind has.

mod browser_decode;

pub use browser_decode::{decode_in_browser, decode_scaled_in_browser};

use super::js::{describe, now_ms, sha256_hex, PerformanceClock};
use crate::pipeline::decode::{decode_with_share, probe, share_scale, ScaledDecode};
use crate::pipeline::format::{sniff, FileKind, OtherPhoto};
use crate::pipeline::models::{manifest, ModelEntry};
use crate::pipeline::thumbnail::{encode_jpeg, PreviewSource};
use crate::pipeline::{AnalysedPhoto, Pipeline, PipelineError};
use crate::wire::worker::{
    AnalyseError, AnalyseRequest, FaceReport, FromWorker, ModelsError, PhotoReport, RequestId,
    ToWorker, BYTES_FIELD,
};
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

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
    let digest = sha256_hex(&bytes)
        .await
        .map_err(|e| failed(e.to_string()))?;
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
            let file = Reflect::get(data, &BYTES_FIELD.into())
                .ok()
                .and_then(|b| b.dyn_into::<ArrayBuffer>().ok())
                .map(|b| Uint8Array::new(&b));
            let reply = match file {
                None => Err(AnalyseError::NoBytes),
                Some(file) => analyse(pipeline, scope, request, &file.to_vec(), &file).await,
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
    file: &Uint8Array,
) -> Result<PhotoReport, AnalyseError> {
    let typed = |e: PipelineError| match e {
        PipelineError::Decode(e) => AnalyseError::Decode(e.to_string()),
        PipelineError::Model(e) => AnalyseError::Model(e.to_string()),
    };
    pipeline.borrow_mut().detector.config = request.detector;
    let analysed = match analyse_scaled_in_browser(pipeline, bytes, file).await {
        Some(analysed) => analysed,
        None => analyse_whole(pipeline, scope, request, bytes).await,
    }
    .map_err(typed)?;
    let photo = &analysed.photo;
    let previews = PreviewSource {
        image: &photo.image,
        smaller: analysed.preview.as_ref().map(|p| &p.image),
    };
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
                crop_jpeg: encode_jpeg(&previews.face_crop(&f.detection.bbox, CROP_SIDE), 85),
                quality: Some(f.quality),
            }
        })
        .collect();
    let thumbnail_jpeg = encode_jpeg(&previews.thumbnail(THUMBNAIL_SIDE), 80);
    Ok(PhotoReport {
        width,
        height,
        thumbnail_jpeg,
        faces,
        timings: analysed.timings,
        taken_ms: crate::pipeline::taken::taken_ms(bytes),
    })
}

/// A large JPEG as Facesort's own decoder takes it ([`Pipeline::analyse`]),
/// decoded by the browser's: at a DCT scale about (or twice) the detector's
/// size, which finds the faces ([`ScaledDecode`]), and again larger only if
/// a face's chip needs it. `None` where this does not apply (not a large JPEG,
/// a header Facesort's decoder refuses, no `ImageDecoder`), so the photo goes
/// the usual way, errors and all. `file` holds `bytes` as the browser does,
/// so its decoder reads them without a copy out of wasm memory.
async fn analyse_scaled_in_browser(
    pipeline: &RefCell<Pipeline>,
    bytes: &[u8],
    file: &Uint8Array,
) -> Option<Result<AnalysedPhoto, PipelineError>> {
    let (options, side) = {
        let p = pipeline.borrow();
        (p.decode, p.detector.config.max_side)
    };
    if !options.preview {
        return None;
    }
    let header = probe(bytes).ok()?;
    let t0 = now_ms();
    let plan = ScaledDecode::for_photo(&header, &options, side)?;
    let decoded = decode_scaled_in_browser(file, &header, plan.decode).await?;
    let found = pipeline
        .borrow()
        .find_scaled(decoded, plan, now_ms() - t0, &PerformanceClock);
    let mut found = match found {
        Ok(found) => found,
        Err(e) => return Some(Err(e.into())),
    };
    let share = pipeline.borrow().finer_share(&found);
    let finer = match share {
        None => None,
        Some(share) => {
            let t = now_ms();
            let by_browser = match share_scale(&header, &options, share) {
                Some(denom) => decode_scaled_in_browser(file, &header, denom).await,
                None => None,
            };
            let finer = match by_browser {
                Some(finer) => finer,
                None => match decode_with_share(bytes, &options, share) {
                    Ok(finer) => finer,
                    Err(e) => return Some(Err(e.into())),
                },
            };
            found.decode_ms += now_ms() - t;
            Some(finer)
        }
    };
    Some(
        pipeline
            .borrow()
            .finish(found, finer, &PerformanceClock)
            .map_err(Into::into),
    )
}

/// Any photo, decoded whole (or scaled to the working size) by the browser
/// where only it reads the format or where asked, else by Facesort's decoder.
async fn analyse_whole(
    pipeline: &RefCell<Pipeline>,
    scope: &DedicatedWorkerGlobalScope,
    request: AnalyseRequest,
    bytes: &[u8],
) -> Result<AnalysedPhoto, PipelineError> {
    let max_pixels = pipeline.borrow().decode.max_pixels;
    let t0 = now_ms();
    let decoded = match sniff(bytes) {
        // Formats only the browser decodes (AVIF everywhere, HEIC in Safari).
        FileKind::Other(kind @ (OtherPhoto::Avif | OtherPhoto::Heic)) => {
            Some(browser_decode::decode_other_in_browser(scope, bytes, max_pixels, kind).await?)
        }
        _ if request.browser_decode => decode_in_browser(scope, bytes, max_pixels).await?,
        _ => None,
    };
    let pipeline = pipeline.borrow();
    match decoded {
        Some(photo) => pipeline.analyse_decoded(photo, now_ms() - t0, &PerformanceClock),
        // The browser could not: Facesort's own decoder says why, or decodes it.
        None => pipeline.analyse(bytes, &PerformanceClock),
    }
}
