//! Face embedding with dlib's ResNet-34 (converted to ONNX by `models/tools`).

use crate::face::embedding::Embedding;
use crate::pipeline::align::{FaceChip, CHIP_SIZE};
use crate::pipeline::models::ModelError;
use std::io::Cursor;
use std::sync::Arc;
use tract_onnx::prelude::*;

const MODEL: &str = "face embedder (dlib ResNet)";

/// One plan, for one face: tract runs the graph with a fixed batch of one
/// faster per face than with a symbolic batch, even for several faces at once
/// (2-4 faces: 29 against 38 ms a face under V8, 10.9 against 14.4 natively),
/// so the faces of a group photo go through it one after another.
pub struct Embedder {
    plan: Arc<TypedRunnableModel>,
}

impl Embedder {
    /// The model takes raw RGB 0..255 chips, NCHW, its batch size symbolic
    /// (fixed at one here); its mean subtraction and scaling are inside the
    /// graph.
    pub fn new(onnx: &[u8]) -> Result<Self, ModelError> {
        // Before optimising: tract chooses its matrix kernels then.
        crate::pipeline::kernels::in_use();
        let load = |e: TractError| ModelError::Load {
            model: MODEL,
            reason: format!("{e:#}"),
        };
        // The file declares its output as [N,128]; a fixed batch must not be
        // unified with that symbol.
        let mut model = tract_onnx::onnx()
            .with_ignore_output_shapes(true)
            .model_for_read(&mut Cursor::new(onnx))
            .map_err(load)?;
        let n = model.symbols.sym("N");
        let s = CHIP_SIZE as usize;
        model
            .set_input_fact(
                0,
                f32::fact(&[n.clone().into(), 3.to_dim(), s.to_dim(), s.to_dim()]).into(),
            )
            .map_err(load)?;
        let typed = model
            .into_typed()
            .and_then(|m| m.into_decluttered())
            .map_err(load)?;
        let plan = typed
            .set_symbols(&std::collections::HashMap::from([(n, 1.to_dim())]))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(load)?;
        Ok(Embedder { plan })
    }

    /// Embeds each chip.
    pub fn embed(&self, chips: &[FaceChip]) -> Result<Vec<Embedding>, ModelError> {
        chips.iter().map(|chip| self.embed_one(chip)).collect()
    }

    fn embed_one(&self, chip: &FaceChip) -> Result<Embedding, ModelError> {
        let run = |e: TractError| ModelError::Run {
            model: MODEL,
            reason: format!("{e:#}"),
        };
        let s = CHIP_SIZE as usize;
        let plane = s * s;
        let mut data = vec![0f32; 3 * plane];
        for (i, px) in chip.0.pixels().enumerate() {
            for c in 0..3 {
                data[c * plane + i] = px[c] as f32;
            }
        }
        let input = Tensor::from_shape(&[1, 3, s, s], &data).map_err(run)?;
        let out = self.plan.run(tvec!(input.into_tvalue())).map_err(run)?;
        let values = out[0]
            .try_as_plain_ram()
            .and_then(|v| v.as_slice::<f32>())
            .map_err(run)?;
        Ok(Embedding::new(values.to_vec()))
    }
}
