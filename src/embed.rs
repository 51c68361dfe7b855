//! Face embedding with dlib's ResNet-34 (converted to ONNX by `models/tools`).

use crate::align::{FaceChip, CHIP_SIZE};
use crate::embedding::Embedding;
use crate::models::ModelError;
use std::io::Cursor;
use std::sync::Arc;
use tract_onnx::prelude::*;

const MODEL: &str = "face embedder (dlib ResNet)";

pub struct Embedder {
    plan: Arc<TypedRunnableModel>,
}

impl Embedder {
    /// The model takes raw RGB 0..255 chips, NCHW, with a symbolic batch size;
    /// its mean subtraction and scaling are inside the graph.
    pub fn new(onnx: &[u8]) -> Result<Self, ModelError> {
        let load = |e: TractError| ModelError::Load { model: MODEL, reason: format!("{e:#}") };
        let mut model = tract_onnx::onnx().model_for_read(&mut Cursor::new(onnx)).map_err(load)?;
        let n = model.symbols.sym("N");
        let s = CHIP_SIZE as usize;
        model.set_input_fact(0, f32::fact(&[n.into(), 3.to_dim(), s.to_dim(), s.to_dim()]).into()).map_err(load)?;
        let plan = model.into_optimized().and_then(|m| m.into_runnable()).map_err(load)?;
        Ok(Embedder { plan })
    }

    /// Embeds all chips in one batch.
    pub fn embed(&self, chips: &[FaceChip]) -> Result<Vec<Embedding>, ModelError> {
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let run = |e: TractError| ModelError::Run { model: MODEL, reason: format!("{e:#}") };
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
        let out = self.plan.run(tvec!(input.into_tvalue())).map_err(run)?;
        let values = out[0].try_as_plain_ram().and_then(|v| v.as_slice::<f32>()).map_err(run)?;
        let dim = values.len() / chips.len();
        Ok(values.chunks_exact(dim).map(|c| Embedding::new(c.to_vec())).collect())
    }
}
