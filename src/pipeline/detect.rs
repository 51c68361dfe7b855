//! Face detection with YuNet (2023mar weights) run by tract.
//!
//! Scale choice: the network runs on the photo itself, downscaled only when its
//! longer side exceeds [`DetectorConfig::max_side`] and padded to a multiple of 32.
//! YuNet finds faces from about 10 to 300 pixels at its input, so 1024 px keeps
//! faces down to ~1% of the photo's width (a face in the back row of a group
//! shot) while a 250-pixel portrait costs 16× less than a fixed 640×640 input.
//! Faces larger than the detector's range (a close-up filling a small photo) are
//! caught by a second pass on a half-size copy when the first finds nothing.
//!
//! tract runs a graph with symbolic height and width about 12x slower than one
//! with fixed sizes, so each padded input size gets its own optimised plan,
//! built on first use (~30 ms) and cached.

use crate::face::geometry::{DetectedFace, Point};
use crate::pipeline::max_pool::replace_halving_pools;
use crate::pipeline::models::ModelError;
use crate::pipeline::nms::non_max_suppression;
use crate::pipeline::yunet::{decode_stride, StrideOutputs, STRIDES};
use crate::pipeline::yunet_stem::replace_yunet_stem;
use image::RgbImage;
use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use tract_onnx::prelude::*;

const MODEL: &str = "face detector (YuNet)";

pub use crate::face::detection::DetectorConfig;

/// Distinct input sizes kept optimised; photos scaled to `max_side` share a
/// few dozen, so this only bounds pathological folders.
const MAX_CACHED_PLANS: usize = 64;

pub struct Detector {
    /// Decluttered graph with symbolic `H` and `W`.
    model: TypedModel,
    symbols: (Symbol, Symbol),
    plans: Mutex<HashMap<(usize, usize), Arc<TypedRunnableModel>>>,
    /// Output positions of (cls, obj, bbox, kps) for strides 8, 16, 32.
    outputs: [[usize; 4]; 3],
    pub config: DetectorConfig,
}

impl Detector {
    /// Loads YuNet with symbolic input height and width. The file's stale
    /// output shapes and value_info are ignored: they pin sizes the dynamic
    /// export no longer has.
    pub fn new(onnx: &[u8], config: DetectorConfig) -> Result<Self, ModelError> {
        let load = |reason: String| ModelError::Load {
            model: MODEL,
            reason,
        };
        let mut model = tract_onnx::onnx()
            .with_ignore_output_shapes(true)
            .with_ignore_value_info(true)
            .model_for_read(&mut Cursor::new(onnx))
            .map_err(|e| load(format!("{e:#}")))?;
        let (h, w) = (model.symbols.sym("H"), model.symbols.sym("W"));
        let fact = f32::fact(&[1.to_dim(), 3.to_dim(), h.clone().into(), w.clone().into()]);
        model
            .set_input_fact(0, fact.into())
            .map_err(|e| load(format!("{e:#}")))?;
        let names: Vec<String> = model
            .output_outlets()
            .map_err(|e| load(e.to_string()))?
            .iter()
            .map(|o| model.node(o.node).name.clone())
            .collect();
        let labels: Vec<String> = (0..names.len())
            .map(|i| {
                model
                    .outlet_label(model.output_outlets().unwrap()[i])
                    .map(str::to_string)
                    .unwrap_or_else(|| names[i].clone())
            })
            .collect();
        let find = |head: &str, stride: usize| {
            let want = format!("{head}_{stride}");
            labels
                .iter()
                .position(|l| *l == want)
                .ok_or_else(|| load(format!("output {want} missing (outputs: {labels:?})")))
        };
        let mut outputs = [[0; 4]; 3];
        for (s, stride) in STRIDES.iter().enumerate() {
            for (k, head) in ["cls", "obj", "bbox", "kps"].iter().enumerate() {
                outputs[s][k] = find(head, *stride)?;
            }
        }
        let model = model
            .into_typed()
            .and_then(|m| m.into_decluttered())
            .map_err(|e| load(format!("{e:#}")))?;
        let detector = Detector {
            model,
            symbols: (h, w),
            plans: Mutex::new(HashMap::new()),
            outputs,
            config,
        };
        // Fail at load time, not on the first photo, if the graph cannot be specialised.
        detector.plan(32, 32).map_err(|e| load(e.to_string()))?;
        Ok(detector)
    }

    fn plan(&self, height: usize, width: usize) -> Result<Arc<TypedRunnableModel>, ModelError> {
        if let Some(plan) = self
            .plans
            .lock()
            .expect("plan cache lock")
            .get(&(height, width))
        {
            return Ok(plan.clone());
        }
        let subs = HashMap::from([
            (self.symbols.0.clone(), height.to_dim()),
            (self.symbols.1.clone(), width.to_dim()),
        ]);
        let plan = self
            .model
            .set_symbols(&subs)
            .and_then(|mut m| {
                replace_halving_pools(&mut m)?;
                replace_yunet_stem(&mut m)?;
                m.into_optimized()
            })
            .and_then(|m| m.into_runnable())
            .map_err(|e| ModelError::Run {
                model: MODEL,
                reason: format!("{e:#}"),
            })?;
        let mut plans = self.plans.lock().expect("plan cache lock");
        if plans.len() >= MAX_CACHED_PLANS {
            plans.clear();
        }
        plans.insert((height, width), plan.clone());
        Ok(plan)
    }

    /// Finds faces in an upright RGB image; coordinates are that image's pixels.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<DetectedFace>, ModelError> {
        let (w, h) = image.dimensions();
        let longest = w.max(h) as f32;
        let scale = (self.config.max_side as f32 / longest).min(1.0);
        let mut faces = self.detect_at(image, scale)?;
        if faces.is_empty() && longest * scale > 160.0 {
            faces = self.detect_at(image, scale * 0.5)?;
        }
        let (wf, hf) = (w as f32, h as f32);
        for f in &mut faces {
            f.bbox = f.bbox.clamped(wf, hf);
        }
        Ok(faces)
    }

    fn detect_at(&self, image: &RgbImage, scale: f32) -> Result<Vec<DetectedFace>, ModelError> {
        let (w, h) = image.dimensions();
        let (sw, sh) = (
            ((w as f32 * scale).round() as u32).max(1),
            ((h as f32 * scale).round() as u32).max(1),
        );
        let resized;
        let input_image = if (sw, sh) == (w, h) {
            image
        } else {
            resized = crate::pipeline::resize::resize_rgb(image, sw, sh);
            &resized
        };
        let (pw, ph) = (sw.div_ceil(32) as usize * 32, sh.div_ceil(32) as usize * 32);
        let run = |e: TractError| ModelError::Run {
            model: MODEL,
            reason: format!("{e:#}"),
        };
        let input = bgr_planes(input_image, pw, ph).map_err(run)?;
        let result = self
            .plan(ph, pw)?
            .run(tvec!(input.into_tvalue()))
            .map_err(run)?;
        let mut candidates = Vec::new();
        for (s, &stride) in STRIDES.iter().enumerate() {
            let view = |k: usize| -> Result<&[f32], ModelError> {
                result[self.outputs[s][k]]
                    .try_as_plain_ram()
                    .and_then(|v| v.as_slice::<f32>())
                    .map_err(run)
            };
            let out = StrideOutputs {
                stride,
                cls: view(0)?,
                obj: view(1)?,
                bbox: view(2)?,
                kps: view(3)?,
            };
            decode_stride(&out, pw, self.config.score_threshold, &mut candidates);
        }
        let inv = 1.0 / scale;
        let faces = non_max_suppression(candidates, self.config.nms_iou);
        Ok(faces
            .into_iter()
            .map(|f| f.map(|p| Point::new(p.x * inv, p.y * inv)))
            .collect())
    }
}

/// NCHW float BGR 0..255 (YuNet's training convention), zero-padded right and
/// bottom. Written into the tensor's own buffer a plane row at a time (one
/// pass over a row of pixels per plane vectorises; a per-pixel loop into a
/// vector the tensor then copied took ~5 ms of a phone photo in the worker),
/// every value once: zeroing the buffer first took another 2.5 ms.
fn bgr_planes(image: &RgbImage, width: usize, height: usize) -> TractResult<Tensor> {
    let (image_width, image_height) = (image.width() as usize, image.height() as usize);
    if image_width > width || image_height > height {
        return Err(TractError::msg(format!(
            "a {image_width}×{image_height} image does not fit a {width}×{height} input"
        )));
    }
    // SAFETY: every value of the buffer is written below before the tensor
    // is returned, and any bits are a valid f32.
    let mut tensor = unsafe { Tensor::uninitialized::<f32>(&[1, 3, height, width])? };
    let mut planes = tensor.try_as_plain_ram_mut()?;
    let data = planes.as_slice_mut::<f32>()?;
    let plane = width * height;
    for (y, row) in image
        .as_raw()
        .chunks_exact((image_width * 3).max(1))
        .enumerate()
    {
        // B, G, R: channels 2, 1, 0 of each pixel.
        for (p, channel) in [2, 1, 0].into_iter().enumerate() {
            let out = &mut data[p * plane + y * width..][..width];
            let (pixels, padding) = out.split_at_mut(image_width);
            for (o, px) in pixels.iter_mut().zip(row.chunks_exact(3)) {
                *o = px[channel] as f32;
            }
            padding.fill(0.0);
        }
    }
    for p in 0..3 {
        data[p * plane + image_height * width..][..(height - image_height) * width].fill(0.0);
    }
    Ok(tensor)
}
