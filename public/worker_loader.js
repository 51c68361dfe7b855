// Starts the worker's wasm (Trunk's own loader shim passes the path the way wasm-bindgen
// has deprecated, which logged a warning for every worker started).
//
// Two builds of the same worker: one with WebAssembly's relaxed SIMD (tract's matrix
// kernels multiply and add in one instruction; built by scripts/relaxed-worker.mjs), taken
// where the browser validates it, and the baseline one elsewhere (a module with an
// instruction the browser lacks would not load at all). `?simd=baseline` on the page's
// address asks for the baseline build (passed on by the page).
// The smallest module using a relaxed-SIMD instruction: a function returning
// i8x16.relaxed_swizzle of two splats.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0,
  65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11,
]);
const asked = new URL(self.location.href).searchParams.get("simd");
const relaxed = asked !== "baseline" && WebAssembly.validate(RELAXED_SIMD_PROBE);
const build = relaxed ? "worker_relaxed" : "worker";
importScripts(`./${build}.js`);
wasm_bindgen({ module_or_path: `./${build}_bg.wasm` });
