//! `window.facesortStats`: the run's figures, read by the in-browser benchmark
//! (`tests/e2e/bench.mjs`).

use super::views::Progress;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

pub fn publish(p: &Progress, workers: usize) {
    let stats = js_sys::Object::new();
    let set = |k: &str, v: f64| {
        let _ = Reflect::set(&stats, &k.into(), &JsValue::from_f64(v));
    };
    set("workers", workers as f64);
    set("total", p.total as f64);
    set("done", p.done as f64);
    set("failed", p.failed.len() as f64);
    set("startedMs", p.started_ms);
    set("finishedMs", p.finished_ms.unwrap_or(f64::NAN));
    set("decodeMs", p.stages.decode_ms);
    set("detectMs", p.stages.detect_ms);
    set("embedMs", p.stages.embed_ms);
    set("savingMs", p.saving_ms);
    set("saves", p.saves as f64);
    set("groupingMs", p.grouping_ms);
    if let Some(w) = web_sys::window() {
        let _ = Reflect::set(&w, &"facesortStats".into(), &stats);
    }
}
