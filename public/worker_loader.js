// Starts the worker's wasm (Trunk's own loader shim passes the path the way wasm-bindgen
// has deprecated, which logged a warning for every worker started).
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" });
