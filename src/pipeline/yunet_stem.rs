//! YuNet's first block as one pass over the photo, put in place of tract's
//! six nodes for it.
//!
//! The block runs at half the detector's input size, the largest feature
//! map of the network: a 3×3 stride-2 convolution from the 3 colour planes
//! to 16 channels, ReLU, a 1×1 convolution, a 3×3 depthwise convolution,
//! ReLU, then the 2×2 max pool that ends it. tract runs each as a node of
//! its own over the whole map: it pads the input, lowers the first
//! convolution to a matrix product whose depth is only 27 (its kernels are
//! made for deep ones), and repacks the 1×1 convolution's 12 MB input. In
//! WebAssembly that took about 35 of the detector's 110 ms at 1,024×768
//! under V8. Here each row of the block is computed from the rows above it
//! while they are still in cache, with the 16 channels of a pixel held in
//! four SIMD registers; the outputs are the same to rounding (tests against
//! tract's own nodes, and on the real graph as the detector loads it).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cnn::conv::KernelFormat;
use tract_onnx::tract_core::ops::cnn::{Conv, PaddingSpec};
use tract_onnx::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_core::ops::nn::DataFormat;
use tract_onnx::tract_core::{args_1, as_op, op_as_typed_op, op_out_of_plan};

use crate::pipeline::max_pool::HalvingMaxPool;

/// Channels of the block: a pixel's are one [`Lanes`].
const C: usize = 16;

/// The block's weights, laid out for the pass: for each input tap, the 16
/// output channels' weights side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct YuNetStem {
    /// First convolution, `[colour * 9 + ky * 3 + kx][out]`.
    conv: [[f32; C]; 27],
    conv_bias: [f32; C],
    /// 1×1 convolution, `[in][out]`.
    mix: [[f32; C]; C],
    mix_bias: [f32; C],
    /// Depthwise convolution, `[ky * 3 + kx][channel]`.
    depthwise: [[f32; C]; 9],
    depthwise_bias: [f32; C],
}

// The weights are exact floats from the model file: hash their bits.
impl std::hash::Hash for YuNetStem {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let all = self
            .conv
            .iter()
            .chain(self.mix.iter())
            .chain(self.depthwise.iter())
            .chain([&self.conv_bias, &self.mix_bias, &self.depthwise_bias]);
        for row in all {
            for v in row {
                v.to_bits().hash(state);
            }
        }
    }
}

impl Eq for YuNetStem {}

impl Op for YuNetStem {
    fn name(&self) -> StaticName {
        "YuNetStem".into()
    }

    op_as_typed_op!();
}

impl EvalOp for YuNetStem {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[n, 3, h, w] = input.shape() else {
            bail!("YuNetStem wants N×3×H×W, got {:?}", input.shape());
        };
        let (oh, ow) = output_size(h, w);
        let ram = input.try_as_plain_ram()?;
        let source = ram.as_slice::<f32>()?;
        let mut output = Tensor::zero::<f32>(&[n, C, oh, ow])?;
        {
            let mut out_ram = output.try_as_plain_ram_mut()?;
            let target = out_ram.as_slice_mut::<f32>()?;
            if oh > 0 && ow > 0 {
                for (photo, out) in source
                    .chunks_exact(3 * h * w)
                    .zip(target.chunks_exact_mut(C * oh * ow))
                {
                    self.run(photo, h, w, out);
                }
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for YuNetStem {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape = &inputs[0].shape;
        ensure!(inputs[0].datum_type == f32::datum_type() && shape.rank() == 4);
        let half = |d: &TDim| (d.clone() + 1) / 2 / 2;
        Ok(tvec!(f32::fact([
            shape[0].clone(),
            C.to_dim(),
            half(&shape[2]),
            half(&shape[3]),
        ])))
    }

    as_op!();
}

/// The block's output size for an `h`×`w` input: the stride-2 convolution
/// (padded by one) gives ⌈h/2⌉, the pool halves that, rounding down.
fn output_size(h: usize, w: usize) -> (usize, usize) {
    (h.div_ceil(2) / 2, w.div_ceil(2) / 2)
}

impl YuNetStem {
    /// One photo: `photo` is 3 planes of `h`×`w`, `out` 16 planes of the
    /// output size.
    fn run(&self, photo: &[f32], h: usize, w: usize, out: &mut [f32]) {
        let conv: Vec<Lanes> = self.conv.iter().map(Lanes::from).collect();
        let mix: Vec<Lanes> = self.mix.iter().map(Lanes::from).collect();
        let depthwise: Vec<Lanes> = self.depthwise.iter().map(Lanes::from).collect();
        let conv_bias = Lanes::from(&self.conv_bias);
        let mix_bias = Lanes::from(&self.mix_bias);
        let depthwise_bias = Lanes::from(&self.depthwise_bias);
        let (sh, sw) = (h.div_ceil(2), w.div_ceil(2));
        let (oh, ow) = output_size(h, w);
        let plane = h * w;
        // The nine input rows a row of the first convolution reads (colour,
        // ky), each with a zero before and after it: the padding.
        let stride = w + 2;
        let mut taps = vec![0f32; 9 * stride];
        // Rows of the 1×1 convolution's output, with a zero pixel before and
        // after each (the depthwise convolution's padding): row r in slot r % 3.
        let mut mixed: Vec<Vec<Lanes>> = (0..3).map(|_| vec![Lanes::ZERO; sw + 2]).collect();
        let zeros = vec![Lanes::ZERO; sw + 2];
        // The depthwise convolution's output, two rows for the pool.
        let mut pooled: [Vec<Lanes>; 2] = [vec![Lanes::ZERO; sw], vec![Lanes::ZERO; sw]];

        let first_and_mix = |r: usize, taps: &mut [f32], dst: &mut [Lanes]| {
            for colour in 0..3 {
                for ky in 0..3 {
                    let row = &mut taps[(colour * 3 + ky) * stride..][..stride];
                    match (2 * r + ky).checked_sub(1).filter(|&y| y < h) {
                        Some(y) => {
                            row[0] = 0.0;
                            row[1..=w].copy_from_slice(&photo[colour * plane + y * w..][..w]);
                            row[w + 1] = 0.0;
                        }
                        None => row.fill(0.0),
                    }
                }
            }
            // Output pixel x reads padded columns 2x, 2x+1, 2x+2; two pixels
            // at a time share each weight load.
            let pixel = |x: usize| {
                let mut acc = conv_bias;
                for k in 0..9 {
                    let row = &taps[k * stride + 2 * x..][..3];
                    acc.add_scaled(row[0], &conv[3 * k]);
                    acc.add_scaled(row[1], &conv[3 * k + 1]);
                    acc.add_scaled(row[2], &conv[3 * k + 2]);
                }
                acc
            };
            let mix_pixel = |first: Lanes| {
                let a = first.relu().to_array();
                let mut acc = mix_bias;
                for (v, weights) in a.iter().zip(&mix) {
                    acc.add_scaled(*v, weights);
                }
                acc
            };
            let mut x = 0;
            while x + 1 < sw {
                let (mut a, mut b) = (conv_bias, conv_bias);
                for k in 0..9 {
                    let row = &taps[k * stride + 2 * x..][..5];
                    let (w0, w1, w2) = (&conv[3 * k], &conv[3 * k + 1], &conv[3 * k + 2]);
                    a.add_scaled(row[0], w0);
                    b.add_scaled(row[2], w0);
                    a.add_scaled(row[1], w1);
                    b.add_scaled(row[3], w1);
                    a.add_scaled(row[2], w2);
                    b.add_scaled(row[4], w2);
                }
                dst[x + 1] = mix_pixel(a);
                dst[x + 2] = mix_pixel(b);
                x += 2;
            }
            if x < sw {
                dst[x + 1] = mix_pixel(pixel(x));
            }
        };

        first_and_mix(0, &mut taps, &mut mixed[0]);
        for r in 0..sh {
            if r + 1 < sh {
                first_and_mix(r + 1, &mut taps, &mut mixed[(r + 1) % 3]);
            }
            let above = if r == 0 { &zeros } else { &mixed[(r + 2) % 3] };
            let here = &mixed[r % 3];
            let below = if r + 1 < sh {
                &mixed[(r + 1) % 3]
            } else {
                &zeros
            };
            let row = &mut pooled[r % 2];
            for (x, o) in row.iter_mut().enumerate() {
                let mut acc = depthwise_bias;
                for kx in 0..3 {
                    acc.add_product(&above[x + kx], &depthwise[kx]);
                    acc.add_product(&here[x + kx], &depthwise[3 + kx]);
                    acc.add_product(&below[x + kx], &depthwise[6 + kx]);
                }
                *o = acc.relu();
            }
            if r % 2 == 1 && r / 2 < oh {
                let y = r / 2;
                let (top, bottom) = (&pooled[0], &pooled[1]);
                for x in 0..ow {
                    let m = top[2 * x]
                        .max(&top[2 * x + 1])
                        .max(&bottom[2 * x].max(&bottom[2 * x + 1]))
                        .to_array();
                    for (c, v) in m.iter().enumerate() {
                        out[c * oh * ow + y * ow + x] = *v;
                    }
                }
            }
        }
    }
}

/// A pixel's 16 channels: four WebAssembly SIMD registers in the worker.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Clone, Copy, Debug)]
struct Lanes([std::arch::wasm32::v128; 4]);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Lanes {
    const ZERO: Lanes = Lanes([std::arch::wasm32::f32x4(0.0, 0.0, 0.0, 0.0); 4]);

    fn from(v: &[f32; C]) -> Lanes {
        use std::arch::wasm32::f32x4;
        Lanes(std::array::from_fn(|j| {
            f32x4(v[4 * j], v[4 * j + 1], v[4 * j + 2], v[4 * j + 3])
        }))
    }

    #[inline(always)]
    fn add_scaled(&mut self, s: f32, w: &Lanes) {
        use std::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat};
        let s = f32x4_splat(s);
        for (a, w) in self.0.iter_mut().zip(&w.0) {
            *a = f32x4_add(*a, f32x4_mul(s, *w));
        }
    }

    #[inline(always)]
    fn add_product(&mut self, x: &Lanes, w: &Lanes) {
        use std::arch::wasm32::{f32x4_add, f32x4_mul};
        for ((a, x), w) in self.0.iter_mut().zip(&x.0).zip(&w.0) {
            *a = f32x4_add(*a, f32x4_mul(*x, *w));
        }
    }

    /// `pmax` is `b > a ? b : a`, one instruction, as tract's ReLU.
    #[inline(always)]
    fn relu(self) -> Lanes {
        use std::arch::wasm32::{f32x4_pmax, f32x4_splat};
        Lanes(self.0.map(|a| f32x4_pmax(a, f32x4_splat(0.0))))
    }

    #[inline(always)]
    fn max(&self, o: &Lanes) -> Lanes {
        use std::arch::wasm32::f32x4_pmax;
        Lanes(std::array::from_fn(|j| f32x4_pmax(self.0[j], o.0[j])))
    }

    #[inline(always)]
    fn to_array(self) -> [f32; C] {
        use std::arch::wasm32::f32x4_extract_lane as lane;
        let mut out = [0f32; C];
        for (j, v) in self.0.iter().enumerate() {
            out[4 * j] = lane::<0>(*v);
            out[4 * j + 1] = lane::<1>(*v);
            out[4 * j + 2] = lane::<2>(*v);
            out[4 * j + 3] = lane::<3>(*v);
        }
        out
    }
}

/// A pixel's 16 channels; natively the compiler vectorises the loops.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[derive(Clone, Copy, Debug)]
struct Lanes([f32; C]);

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
impl Lanes {
    const ZERO: Lanes = Lanes([0.0; C]);

    fn from(v: &[f32; C]) -> Lanes {
        Lanes(*v)
    }

    #[inline(always)]
    fn add_scaled(&mut self, s: f32, w: &Lanes) {
        for (a, w) in self.0.iter_mut().zip(&w.0) {
            *a += s * w;
        }
    }

    #[inline(always)]
    fn add_product(&mut self, x: &Lanes, w: &Lanes) {
        for ((a, x), w) in self.0.iter_mut().zip(&x.0).zip(&w.0) {
            *a += x * w;
        }
    }

    #[inline(always)]
    fn relu(self) -> Lanes {
        Lanes(self.0.map(|a| if 0.0 > a { 0.0 } else { a }))
    }

    #[inline(always)]
    fn max(&self, o: &Lanes) -> Lanes {
        Lanes(std::array::from_fn(|j| {
            if o.0[j] > self.0[j] {
                o.0[j]
            } else {
                self.0[j]
            }
        }))
    }

    #[inline(always)]
    fn to_array(self) -> [f32; C] {
        self.0
    }
}

/// Puts [`YuNetStem`] in place of YuNet's first block (from the first
/// convolution to the first pool, which [`super::max_pool`] must have made a
/// [`HalvingMaxPool`] already) where the graph has it as YuNet's export
/// does; returns whether it did. Any other graph is left as it is.
pub fn replace_yunet_stem(model: &mut TypedModel) -> TractResult<bool> {
    let Some((input, stem, pool)) = find_stem(model) else {
        return Ok(false);
    };
    let mut patch = TypedModelPatch::default();
    let x = patch.tap_model(model, input)?;
    let y = patch.wire_node("yunet_stem", stem, &[x])?;
    patch.shunt_outside(model, OutletId::new(pool, 0), y[0])?;
    patch.apply(model)?;
    Ok(true)
}

/// The block's input, its weights, and the pool node that ends it.
fn find_stem(model: &TypedModel) -> Option<(OutletId, YuNetStem, usize)> {
    model.nodes().iter().find_map(|first| {
        let conv0 = first.op_as::<Conv>()?;
        if !is_conv(conv0, 3, 1, 2) {
            return None;
        }
        let conv_w = konst(model, first.inputs.get(1)?, &[C, 3, 3, 3])?;
        let conv_b = konst(model, first.inputs.get(2)?, &[C])?;
        let relu1 = only_successor(model, first)?;
        is_relu(model, relu1).then_some(())?;
        let mix = only_successor(model, relu1)?;
        let einsum = mix.op_as::<EinSum>()?;
        if einsum.q_params.is_some() || einsum.axes.to_string() != "NIHW,OI->NOHW" {
            return None;
        }
        (mix.inputs.first()? == &OutletId::new(relu1.id, 0)).then_some(())?;
        let mix_w = konst(model, mix.inputs.get(1)?, &[C, C])?;
        let add = only_successor(model, mix)?;
        let bias = add.op_as::<TypedBinOp>()?;
        (bias.0.name() == "Add" && bias.1.is_none()).then_some(())?;
        let mix_b = other_konst(model, add, mix.id, &[1, C, 1, 1])?;
        let dw = only_successor(model, add)?;
        let conv3 = dw.op_as::<Conv>()?;
        if !is_conv(conv3, C, C, 1) || dw.inputs.first()? != &OutletId::new(add.id, 0) {
            return None;
        }
        let dw_w = konst(model, dw.inputs.get(1)?, &[C, 1, 3, 3])?;
        let dw_b = konst(model, dw.inputs.get(2)?, &[C])?;
        let relu4 = only_successor(model, dw)?;
        is_relu(model, relu4).then_some(())?;
        let pool = only_successor(model, relu4)?;
        pool.op_as::<HalvingMaxPool>()?;
        let mut stem = YuNetStem {
            conv: [[0.0; C]; 27],
            conv_bias: [0.0; C],
            mix: [[0.0; C]; C],
            mix_bias: [0.0; C],
            depthwise: [[0.0; C]; 9],
            depthwise_bias: [0.0; C],
        };
        for o in 0..C {
            for t in 0..27 {
                stem.conv[t][o] = conv_w[o * 27 + t];
            }
            for i in 0..C {
                stem.mix[i][o] = mix_w[o * C + i];
            }
            for t in 0..9 {
                stem.depthwise[t][o] = dw_w[o * 9 + t];
            }
            stem.conv_bias[o] = conv_b[o];
            stem.mix_bias[o] = mix_b[o];
            stem.depthwise_bias[o] = dw_b[o];
        }
        Some((first.inputs[0], stem, pool.id))
    })
}

/// A float NCHW/OIHW 3×3 convolution padded by one on every side, from
/// `input` channels in groups of `group`, to 16 channels, at `stride`.
fn is_conv(conv: &Conv, input: usize, group: usize, stride: usize) -> bool {
    let spec = &conv.pool_spec;
    let ones = |d: &Option<TVec<usize>>| d.as_deref().is_none_or(|d| d == [1, 1]);
    let strides_ok = match spec.strides.as_deref() {
        None => stride == 1,
        Some(s) => s == [stride, stride],
    };
    conv.q_params.is_none()
        && conv.kernel_fmt == KernelFormat::OIHW
        && conv.group == group
        && spec.data_format == DataFormat::NCHW
        && spec.kernel_shape.as_slice() == [3, 3]
        && strides_ok
        && ones(&spec.dilations)
        && spec.padding == PaddingSpec::Explicit(tvec!(1, 1), tvec!(1, 1))
        && spec.input_channels == input
        && spec.output_channels == C
}

fn only_successor<'m>(model: &'m TypedModel, node: &TypedNode) -> Option<&'m TypedNode> {
    match (node.outputs.as_slice(), model.output_outlets().ok()?) {
        ([only], outputs) if only.successors.len() == 1 => {
            // A node the graph also outputs is needed as it is.
            if outputs.contains(&OutletId::new(node.id, 0)) {
                return None;
            }
            Some(model.node(only.successors[0].node))
        }
        _ => None,
    }
}

/// `max(x, 0)`, as tract declutters ONNX's `Relu`.
fn is_relu(model: &TypedModel, node: &TypedNode) -> bool {
    let Some(op) = node.op_as::<TypedBinOp>() else {
        return false;
    };
    op.0.name() == "Max"
        && op.1.is_none()
        && node.inputs.len() == 2
        && model
            .outlet_fact(node.inputs[1])
            .ok()
            .and_then(|f| f.konst.clone())
            .is_some_and(|k| {
                k.try_as_plain_ram()
                    .and_then(|r| r.as_slice::<f32>().map(|s| s.iter().all(|v| *v == 0.0)))
                    .unwrap_or(false)
            })
}

/// A constant input's values, if it is a float tensor of that shape.
fn konst(model: &TypedModel, outlet: &OutletId, shape: &[usize]) -> Option<Vec<f32>> {
    let k = model.outlet_fact(*outlet).ok()?.konst.clone()?;
    if k.shape() != shape || k.datum_type() != f32::datum_type() {
        return None;
    }
    let ram = k.try_as_plain_ram().ok()?;
    Some(ram.as_slice::<f32>().ok()?.to_vec())
}

/// The constant input of a binary node other than the one from `from`.
fn other_konst(
    model: &TypedModel,
    node: &TypedNode,
    from: usize,
    shape: &[usize],
) -> Option<Vec<f32>> {
    let [a, b] = node.inputs.as_slice() else {
        return None;
    };
    match (a.node == from, b.node == from) {
        (true, false) => konst(model, b, shape),
        (false, true) => konst(model, a, shape),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::max_pool::replace_halving_pools;
    use std::io::Cursor;

    fn yunet_onnx(h: usize, w: usize) -> InferenceModel {
        let onnx = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/yunet_s_dynamic.onnx"),
        )
        .expect("models/yunet_s_dynamic.onnx (run scripts/setup.sh)");
        let mut model = tract_onnx::onnx()
            .with_ignore_output_shapes(true)
            .with_ignore_value_info(true)
            .model_for_read(&mut Cursor::new(onnx))
            .unwrap();
        model
            .set_input_fact(0, f32::fact([1, 3, h, w]).into())
            .unwrap();
        model
    }

    /// YuNet's whole graph at `h`×`w` (multiples of 32), decluttered.
    fn yunet(h: usize, w: usize) -> TypedModel {
        yunet_onnx(h, w)
            .into_typed()
            .unwrap()
            .into_decluttered()
            .unwrap()
    }

    /// YuNet's graph with its first block as the model's output, at `h`×`w`.
    fn first_block(h: usize, w: usize) -> TypedModel {
        let mut model = yunet_onnx(h, w);
        // Cut before the rest of the network, which wants larger inputs.
        let pool = model.node_by_name("MaxPool_5").unwrap().id;
        model
            .select_output_outlets(&[OutletId::new(pool, 0)])
            .unwrap();
        let mut typed = model.into_typed().unwrap().into_decluttered().unwrap();
        replace_halving_pools(&mut typed).unwrap();
        typed
    }

    fn run(model: TypedModel, input: &Tensor) -> Tensor {
        let plan = model.into_optimized().unwrap().into_runnable().unwrap();
        plan.run(tvec!(input.clone().into_tvalue()))
            .unwrap()
            .remove(0)
            .into_tensor()
    }

    /// A photo-like input: 0..255 with edges and flat runs.
    fn photo(h: usize, w: usize) -> Tensor {
        let mut seed = 7u32;
        let values: Vec<f32> = (0..3 * h * w)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let x = (i % w) as f32;
                ((seed >> 25) as f32 + x * 1.7) % 256.0
            })
            .collect();
        Tensor::from_shape(&[1, 3, h, w], &values).unwrap()
    }

    #[test]
    fn computes_what_tracts_nodes_compute_on_yunets_weights() {
        // Multiples of 32 (as the detector pads) and odd sizes.
        for (h, w) in [(64, 96), (32, 32), (37, 51), (6, 10), (5, 3)] {
            let input = photo(h, w);
            let theirs = run(first_block(h, w), &input);
            let mut model = first_block(h, w);
            assert!(replace_yunet_stem(&mut model).unwrap(), "{h}×{w}");
            assert!(model.nodes().iter().any(|n| n.op_is::<YuNetStem>()));
            let ours = run(model, &input);
            assert_eq!(ours.shape(), theirs.shape(), "{h}×{w}");
            let (ours, theirs) = (
                ours.try_as_plain_ram().unwrap(),
                theirs.try_as_plain_ram().unwrap(),
            );
            let (a, b) = (
                ours.as_slice::<f32>().unwrap(),
                theirs.as_slice::<f32>().unwrap(),
            );
            let scale = b.iter().fold(1f32, |m, v| m.max(v.abs()));
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert!((x - y).abs() <= 1e-5 * scale, "{h}×{w} at {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn the_whole_detector_graph_gives_the_same_outputs() {
        let (h, w) = (96, 128);
        let whole = || {
            let mut model = yunet(h, w);
            replace_halving_pools(&mut model).unwrap();
            model
        };
        let input = photo(h, w);
        let plan = |m: TypedModel| m.into_optimized().unwrap().into_runnable().unwrap();
        let theirs = plan(whole())
            .run(tvec!(input.clone().into_tvalue()))
            .unwrap();
        let mut model = whole();
        assert!(replace_yunet_stem(&mut model).unwrap());
        let ours = plan(model).run(tvec!(input.into_tvalue())).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (o, t) in ours.iter().zip(&theirs) {
            let (o, t) = (o.try_as_plain_ram().unwrap(), t.try_as_plain_ram().unwrap());
            let (o, t) = (o.as_slice::<f32>().unwrap(), t.as_slice::<f32>().unwrap());
            let scale = t.iter().fold(1f32, |m, v| m.max(v.abs()));
            for (x, y) in o.iter().zip(t) {
                assert!((x - y).abs() <= 1e-4 * scale, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn leaves_a_graph_without_the_block_alone() {
        // The block with its pool still tract's: not the pattern.
        assert!(!replace_yunet_stem(&mut yunet(32, 32)).unwrap());
        // And the block's first convolution used twice: not the pattern either.
        let mut block = first_block(32, 32);
        let relu = block.node_by_name("Relu_1.low").unwrap().id;
        let pool = block.node_by_name("MaxPool_5").unwrap().id;
        block
            .select_output_outlets(&[OutletId::new(pool, 0), OutletId::new(relu, 0)])
            .unwrap();
        assert!(!replace_yunet_stem(&mut block).unwrap());
    }
}
