//! A 2×2, stride-2 max pool for tract graphs, put in place of tract's own.
//!
//! tract's own 2×2 pool is vectorised for stride 1 only; at stride 2 it
//! bounds-checks each tap. YuNet halves its feature maps four times that way,
//! and in WebAssembly those four pools cost about a quarter of the detector's
//! time (37 of 138 ms at 1,024×768 under V8); the same pooling as a plain
//! loop over row pairs takes 5 ms, with the same outputs for finite inputs
//! (tract starts from `f32::MIN` and skips NaN; this takes the first tap).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::cnn::{MaxPool, PaddingSpec};
use tract_onnx::tract_core::ops::nn::DataFormat;
use tract_onnx::tract_core::{args_1, as_op, op_as_typed_op, op_out_of_plan};

/// Max over each 2×2 block of an NCHW f32 tensor, without padding: the
/// output is `floor(H/2) × floor(W/2)`, as ONNX's `MaxPool` with
/// `kernel_shape=[2,2]`, `strides=[2,2]`, no pads and `ceil_mode=0`.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct HalvingMaxPool;

impl Op for HalvingMaxPool {
    fn name(&self) -> StaticName {
        "HalvingMaxPool".into()
    }

    op_as_typed_op!();
}

impl EvalOp for HalvingMaxPool {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let &[n, c, h, w] = input.shape() else {
            bail!("HalvingMaxPool wants NCHW, got {:?}", input.shape());
        };
        let (out_h, out_w) = (h / 2, w / 2);
        let ram = input.try_as_plain_ram()?;
        let source = ram.as_slice::<f32>()?;
        let mut output = Tensor::zero::<f32>(&[n, c, out_h, out_w])?;
        {
            let mut out_ram = output.try_as_plain_ram_mut()?;
            let target = out_ram.as_slice_mut::<f32>()?;
            if out_h > 0 && out_w > 0 {
                for (plane, out_plane) in source
                    .chunks_exact(h * w)
                    .zip(target.chunks_exact_mut(out_h * out_w))
                {
                    for (pair, out_row) in plane
                        .chunks_exact(2 * w)
                        .zip(out_plane.chunks_exact_mut(out_w))
                    {
                        let (top, bottom) = pair.split_at(w);
                        pool_row(top, bottom, out_row);
                    }
                }
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

/// One output row from two input rows; a trailing odd column is left out.
fn pool_row(top: &[f32], bottom: &[f32], out: &mut [f32]) {
    // `>` rather than `f32::max`: the latter's NaN rule keeps V8 from
    // compiling it to a single comparison and select (3x slower here).
    let larger = |a: f32, b: f32| if b > a { b } else { a };
    for ((o, t), b) in out
        .iter_mut()
        .zip(top.chunks_exact(2))
        .zip(bottom.chunks_exact(2))
    {
        *o = larger(larger(t[0], t[1]), larger(b[0], b[1]));
    }
}

impl TypedOp for HalvingMaxPool {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].rank() == 4 && inputs[0].datum_type == f32::datum_type());
        let mut shape = inputs[0].shape.to_tvec();
        shape[2] = shape[2].clone() / 2;
        shape[3] = shape[3].clone() / 2;
        Ok(tvec!(f32::fact(&shape)))
    }

    as_op!();
}

/// Puts [`HalvingMaxPool`] in place of every `MaxPool` of `model` that
/// computes the same thing; returns how many it replaced.
pub fn replace_halving_pools(model: &mut TypedModel) -> TractResult<usize> {
    let pools: Vec<usize> = model
        .nodes()
        .iter()
        .filter(|node| {
            node.op_as::<MaxPool>().is_some_and(is_halving)
                && model
                    .outlet_fact(node.inputs[0])
                    .is_ok_and(|f| f.rank() == 4 && f.datum_type == f32::datum_type())
        })
        .map(|node| node.id)
        .collect();
    for &id in &pools {
        let node = model.node(id);
        TypedModelPatch::replace_single_op(model, node, &node.inputs, HalvingMaxPool)?
            .apply(model)?;
    }
    Ok(pools.len())
}

fn is_halving(pool: &MaxPool) -> bool {
    let spec = &pool.pool_spec;
    pool.with_index_outputs.is_none()
        && spec.data_format == DataFormat::NCHW
        && spec.kernel_shape.as_slice() == [2, 2]
        && spec.strides.as_deref() == Some(&[2, 2])
        && spec.dilations.as_deref().is_none_or(|d| d == [1, 1])
        && spec.padding == PaddingSpec::Valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_core::ops::cnn::PoolSpec;

    fn pool_model(shape: [usize; 4], pool: MaxPool) -> TypedModel {
        let mut model = TypedModel::default();
        let x = model.add_source("x", f32::fact(shape)).unwrap();
        let y = model.wire_node("pool", pool, &[x]).unwrap();
        model.select_output_outlets(&y).unwrap();
        model
    }

    fn halving(channels: usize) -> MaxPool {
        MaxPool {
            pool_spec: PoolSpec {
                data_format: DataFormat::NCHW,
                kernel_shape: tvec!(2, 2),
                padding: PaddingSpec::Valid,
                dilations: None,
                strides: Some(tvec!(2, 2)),
                input_channels: channels,
                output_channels: channels,
            },
            with_index_outputs: None,
        }
    }

    fn run(model: TypedModel, input: &Tensor) -> Tensor {
        let plan = model.into_optimized().unwrap().into_runnable().unwrap();
        plan.run(tvec!(input.clone().into_tvalue()))
            .unwrap()
            .remove(0)
            .into_tensor()
    }

    #[test]
    fn pools_as_tracts_own_max_pool_on_even_and_odd_sizes() {
        for shape in [[1, 3, 6, 8], [2, 2, 7, 5], [1, 1, 3, 3]] {
            let len: usize = shape.iter().product();
            // Values that go up and down, with ties and negatives.
            let values: Vec<f32> = (0..len).map(|i| ((i * 37 % 11) as f32) - 5.0).collect();
            let input = Tensor::from_shape(&shape, &values).unwrap();
            let theirs = run(pool_model(shape, halving(shape[1])), &input);
            let mut model = pool_model(shape, halving(shape[1]));
            assert_eq!(replace_halving_pools(&mut model).unwrap(), 1);
            let ours = run(model, &input);
            assert_eq!(ours.shape(), theirs.shape(), "{shape:?}");
            assert_eq!(ours, theirs, "{shape:?}");
        }
    }

    #[test]
    fn leaves_other_pools_alone() {
        let mut padded = halving(1);
        padded.pool_spec.padding = PaddingSpec::SameUpper;
        let mut wide = halving(1);
        wide.pool_spec.kernel_shape = tvec!(3, 3);
        let mut sliding = halving(1);
        sliding.pool_spec.strides = Some(tvec!(1, 1));
        let mut dilated = halving(1);
        dilated.pool_spec.dilations = Some(tvec!(2, 2));
        let mut channels_last = halving(6);
        channels_last.pool_spec.data_format = DataFormat::NHWC;
        let mut indexed = halving(1);
        indexed.with_index_outputs = Some(i64::datum_type());
        for pool in [padded, wide, sliding, dilated, channels_last, indexed] {
            let mut model = pool_model([1, 1, 6, 6], pool);
            assert_eq!(replace_halving_pools(&mut model).unwrap(), 0);
        }
    }
}
