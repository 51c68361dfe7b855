//! In the worker's own build (wasm32 with SIMD), tract multiplies the
//! embedder's deep, narrow layers with the kernel `pipeline::kernels` names,
//! and every other product as it would by itself: the name must be one of
//! tract's kernels there, or the choice silently falls back.
//! `scripts/test.sh` runs it with the worker's features.
#![cfg(all(target_arch = "wasm32", feature = "worker"))]

use facesort::pipeline::kernels::{in_use, NARROW_KERNEL};
use tract_linalg::mmm::MmmDispatch;
use tract_onnx::prelude::DatumType;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn kernel(m: usize, k: usize, n: usize) -> String {
    MmmDispatch::native()
        .preferred_kernel(DatumType::F32, Some(m), Some(k), Some(n))
        .map(|kernel| kernel.name().to_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn deep_narrow_products_run_the_narrow_kernel_and_others_tracts_choice() {
    // As the embedder does, so this test's build links the tier.
    in_use();
    assert_eq!(kernel(256, 2304, 16), NARROW_KERNEL);
    assert_eq!(kernel(256, 2304, 9), NARROW_KERNEL);
    assert_eq!(kernel(32, 288, 1225), "wasm_f32_8x8");
    assert_eq!(kernel(49152, 16, 16), "wasm_f32_8x8");
}
