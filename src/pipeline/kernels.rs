//! Which of tract's WebAssembly matrix kernels multiplies the embedder's
//! deepest layers.
//!
//! In WebAssembly tract runs every f32 matrix product with its 8×8 kernel,
//! which reads the left matrix (a convolution's weights) once for every 8
//! columns of the right one (the positions it is applied at). The embedder's
//! last layers are 3×3 convolutions over 256 channels at 4×4 and 3×3
//! positions: 2.4 MB of weights for 16 or 9 columns, read twice, from memory
//! rather than cache. tract's 4×16 kernel reads them once. Timed under V8
//! (wasm32-wasip1 with SIMD in Node 20, 2-core Intel Xeon) the four 256 × 2,304
//! × 16 products took 1.7–1.9 ms each with the 8×8 kernel and under 0.84 with
//! the 4×16 one, and the whole embedder 29–31 ms a face against 25–27. For
//! wide products (every other layer of the embedder, and all of the
//! detector's, whose depths are 64 at most) the 8×8 kernel stays the
//! fastest: the 4×16 one made the detector ~15% slower.
//!
//! tract asks its dispatch tiers, highest precedence first, which kernel to
//! run for each product when it optimises a model; this one speaks only for
//! deep, narrow f32 products, and leaves every other to tract's own tier.
//! A kernel name tract no longer has only makes the next tier answer.

use tract_linalg::isa::{Arch, IsaSet};
use tract_linalg::mmm::{Query, Suitable};
use tract_linalg::mmm_tiers::MmmTier;
use tract_onnx::prelude::DatumType;

/// tract's 4×16 f32 kernel for WebAssembly SIMD.
pub const NARROW_KERNEL: &str = "wasm_f32_4x16";

/// At most this many columns: a 4×16 tile covers up to 16 at once, so 64
/// reads the weights four times where the 8×8 kernel reads them eight.
const MAX_COLUMNS: usize = 64;

/// At least this deep: the embedder's 3×3 convolutions over 64 channels and
/// more (576 and up); the detector's products are 64 deep at most.
const MIN_DEPTH: usize = 256;

/// The kernel for a product of `query`'s shape, when it is one this tier
/// claims. Matrix-vector products (one column) keep tract's own kernels.
pub fn preferred(
    _isa: &IsaSet,
    accumulator: DatumType,
    query: &Query,
    _suitable: &[Suitable],
) -> Option<&'static str> {
    let narrow = query.n.is_some_and(|n| (2..=MAX_COLUMNS).contains(&n));
    let deep = query.k.is_some_and(|k| k >= MIN_DEPTH);
    (accumulator == DatumType::F32 && narrow && deep).then_some(NARROW_KERNEL)
}

/// Does nothing, but the embedder calls it: a WebAssembly build links only
/// the object files something refers to, and the tier below is registered
/// from this module's (nothing refers to a `submit!`).
#[inline(never)]
pub fn in_use() {}

inventory::submit! {
    MmmTier {
        arch: Some(Arch::Wasm32Simd128),
        // Above tract's own WebAssembly tier (1), so it is asked first.
        precedence: 2,
        name: "facesort: deep, narrow f32 products",
        applies: |_| true,
        preferred,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(m: usize, k: usize, n: usize) -> Option<&'static str> {
        let isa = IsaSet::of_arch(Arch::Wasm32Simd128);
        preferred(
            &isa,
            DatumType::F32,
            &Query::plain(DatumType::F32, Some(m), Some(k), Some(n)),
            &[],
        )
    }

    #[test]
    fn claims_the_embedders_deep_narrow_layers_only() {
        // The embedder's 256- and 128-channel 3×3 convolutions.
        for (m, k, n) in [
            (256, 2304, 16),
            (256, 2304, 9),
            (256, 1152, 9),
            (128, 1152, 64),
        ] {
            assert_eq!(asks(m, k, n), Some(NARROW_KERNEL), "{m}×{k}×{n}");
        }
        // Its wide layers, the detector's shallow ones, and matrix-vector
        // products stay tract's.
        for (m, k, n) in [
            (32, 288, 1225),
            (64, 576, 289),
            (32, 147, 5184),
            (12288, 64, 64),
            (12288, 64, 4),
            (49152, 16, 16),
            (128, 256, 1),
            (256, 2304, 1),
        ] {
            assert_eq!(asks(m, k, n), None, "{m}×{k}×{n}");
        }
        // An unknown number of columns is not claimed either.
        let isa = IsaSet::of_arch(Arch::Wasm32Simd128);
        let open = Query::plain(DatumType::F32, Some(256), Some(2304), None);
        assert_eq!(preferred(&isa, DatumType::F32, &open, &[]), None);
        let ints = Query::plain(DatumType::I32, Some(256), Some(2304), Some(16));
        assert_eq!(preferred(&isa, DatumType::I32, &ints, &[]), None);
    }
}
