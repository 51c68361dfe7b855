//! Small helpers over wasm-bindgen and web-sys used on both sides.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// A browser API's failure, as the browser worded it (a DOMException's
/// message, say): the one thing there is to show of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BrowserError(pub String);

impl From<JsValue> for BrowserError {
    fn from(e: JsValue) -> Self {
        BrowserError(describe(&e))
    }
}

/// A JS exception or value as a sentence.
pub fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// `performance.now()` in a window or a worker.
pub fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Adds a User Timing measure from `start_ms` (of [`now_ms`]) to now, as
/// `performance.measure(name, { start })` does; nothing where it is missing.
pub fn measure_since(name: &str, start_ms: f64) {
    let Some(performance) = Reflect::get(&js_sys::global(), &"performance".into()).ok() else {
        return;
    };
    let Some(measure) = Reflect::get(&performance, &"measure".into())
        .ok()
        .and_then(|m| m.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"start".into(), &start_ms.into());
    let _ = measure.call2(&performance, &name.into(), &options);
}

/// The pipeline's clock in the browser.
pub struct PerformanceClock;

impl crate::face::timing::Clock for PerformanceClock {
    fn now_ms(&self) -> f64 {
        now_ms()
    }
}

/// SHA-256 through the browser's native SubtleCrypto, as lowercase hex.
pub async fn sha256_hex(data: &Uint8Array) -> Result<String, BrowserError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let subtle: web_sys::SubtleCrypto = Reflect::get(&crypto, &"subtle".into())?.unchecked_into();
    let promise = subtle.digest_with_str_and_buffer_source("SHA-256", data)?;
    let digest = JsFuture::from(promise).await?;
    Ok(crate::wire::gallery::to_hex(
        &Uint8Array::new(&digest).to_vec(),
    ))
}

/// A Blob of the given bytes and MIME type.
pub fn blob(bytes: &[u8], mime: &str) -> web_sys::Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .expect("a Blob from bytes")
}

/// Now, as [`local_wall_ms`] counts it: the time exports date their files with.
pub fn wall_now() -> crate::wire::export::WallTime {
    crate::wire::export::WallTime(local_wall_ms(js_sys::Date::now()))
}

/// A moment as this computer's wall-clock time counted as UTC, the form EXIF
/// times have, so file times and camera times fall in the same local days.
pub fn local_wall_ms(ms: f64) -> f64 {
    ms - js_sys::Date::new(&ms.into()).get_timezone_offset() * 60_000.0
}

/// A function the browser may lack (`showDirectoryPicker`), found on `window`.
pub fn window_function(name: &str) -> Option<js_sys::Function> {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &name.into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
}

/// A DOMException's name (`NotFoundError`, `AbortError`), or "".
pub fn error_name(e: &JsValue) -> String {
    Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

/// Calls a file-system picker (`showDirectoryPicker`, `showSaveFilePicker`)
/// with `options`; `Ok(None)` when the browser has none or the user closed it.
pub async fn pick(name: &str, options: &js_sys::Object) -> Result<Option<JsValue>, BrowserError> {
    let Some(f) = window_function(name) else {
        return Ok(None);
    };
    let promise = f.call1(&JsValue::NULL, options)?;
    match JsFuture::from(js_sys::Promise::from(promise)).await {
        Ok(handle) => Ok(Some(handle)),
        Err(e) if error_name(&e) == "AbortError" => Ok(None),
        Err(e) => Err(e.into()),
    }
}
