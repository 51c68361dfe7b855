//! Face embedding with dlib's ResNet-34 (converted to ONNX by `models/tools`).

use crate::face::embedding::Embedding;
use crate::pipeline::align::{FaceChip, CHIP_SIZE};
use crate::pipeline::models::ModelError;
use std::io::Cursor;
use std::sync::Arc;
use tract_onnx::prelude::*;

const MODEL: &str = "face embedder (dlib ResNet)";

/// Two plans: tract runs a fixed batch of one ~40% faster than the same graph
/// with a symbolic batch size, while a symbolic batch of several faces costs
/// about a quarter per face. Most photos have one face; group shots many.
pub struct Embedder {
    single: Arc<TypedRunnableModel>,
    batched: Arc<TypedRunnableModel>,
}

impl Embedder {
    /// The model takes raw RGB 0..255 chips, NCHW, with a symbolic batch size;
    /// its mean subtraction and scaling are inside the graph.
    pub fn new(onnx: &[u8]) -> Result<Self, ModelError> {
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
        let single = typed
            .set_symbols(&std::collections::HashMap::from([(n, 1.to_dim())]))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(load)?;
        let batched = typed
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(load)?;
        Ok(Embedder { single, batched })
    }

    /// Embeds all chips in one batch.
    pub fn embed(&self, chips: &[FaceChip]) -> Result<Vec<Embedding>, ModelError> {
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let run = |e: TractError| ModelError::Run {
            model: MODEL,
            reason: format!("{e:#}"),
        };
        let s = CHIP_SIZE as usize;
        let plane = s * s;
        let mut data = vec![0f32; chips.len() * 3 * plane];
        for (n, chip) in chips.iter().enumerate() {
            let base = n * 3 * plane;
            for (i, px) in chip.0.pixels().enumerate() {
                for c in 0..3 {
                    data[base + c * plane + i] = px[c] as f32;
                }
            }
        }
        let input = Tensor::from_shape(&[chips.len(), 3, s, s], &data).map_err(run)?;
        let plan = if chips.len() == 1 {
            &self.single
        } else {
            &self.batched
        };
        let out = plan.run(tvec!(input.into_tvalue())).map_err(run)?;
        let values = out[0]
            .try_as_plain_ram()
            .and_then(|v| v.as_slice::<f32>())
            .map_err(run)?;
        let dim = values.len() / chips.len();
        Ok(values
            .chunks_exact(dim)
            .map(|c| Embedding::new(c.to_vec()))
            .collect())
    }
}
