//! Photo → faces: one photo in, its faces with embeddings out
//! (decode → detect → align → embed). Needs `image` and `tract`, so only the
//! CLI and the web worker build it.

pub mod align;
pub mod decode;
pub mod detect;
pub mod embed;
pub mod format;
pub mod kernels;
pub mod max_pool;
pub mod measure;
pub mod models;
pub mod nms;
pub mod pixels;
pub mod resize;
pub mod similarity;
pub mod taken;
pub mod thumbnail;
pub mod yunet;
pub mod yunet_stem;

use crate::face::embedding::Embedding;
use crate::face::geometry::{DetectedFace, Point};
use crate::face::quality::{FaceQuality, QualityRules, UnsureReason};
#[cfg(not(target_arch = "wasm32"))]
pub use crate::face::timing::SystemClock;
pub use crate::face::timing::{Clock, StageTimings};
use crate::pipeline::align::{chip_transform, extract_chip, FaceChip, CHIP_TEMPLATE};
use crate::pipeline::decode::{
    decode_photo, DecodeError, DecodeOptions, DecodedPhoto, ScaledDecode,
};
use crate::pipeline::detect::{Detector, DetectorConfig};
use crate::pipeline::embed::Embedder;
use crate::pipeline::measure::measure;
use crate::pipeline::models::ModelError;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// A face found in a photo, in working-image coordinates (see
/// [`DecodedPhoto::face_to_upright`] and [`DecodedPhoto::face_to_stored`]).
#[derive(Clone, Debug)]
pub struct AnalysedFace {
    pub detection: DetectedFace,
    pub embedding: Embedding,
    pub quality: FaceQuality,
}

pub struct AnalysedPhoto {
    pub photo: DecodedPhoto,
    /// The smaller decode the faces were found in, where they were embedded
    /// from a larger one: previews need no more (see
    /// [`thumbnail::PreviewSource`]).
    pub preview: Option<DecodedPhoto>,
    pub faces: Vec<AnalysedFace>,
    pub timings: StageTimings,
}

/// The faces found in a photo's preview, before they are aligned and embedded.
pub struct Found {
    pub preview: DecodedPhoto,
    /// The decode the preview was halved from, if it was: the faces' chips
    /// are cut from it unless one needs more.
    pub larger: Option<DecodedPhoto>,
    pub detections: Vec<DetectedFace>,
    pub decode_ms: f64,
    pub detect_ms: f64,
}

pub struct Pipeline {
    pub detector: Detector,
    pub embedder: Embedder,
    pub decode: DecodeOptions,
    /// Also embed each face mirrored and average the two (test-time flip).
    pub flip: bool,
    /// The rules faces will be judged by (see [`crate::face::quality`]): only
    /// a face they could find sure is worth decoding a photo larger for.
    pub rules: QualityRules,
}

/// Eye distance, in the image a chip is cut from, that gives a chip as good
/// as one cut from the whole photo: twice the chip template's own 53 px
/// (1.25× lost 0.003 BCubed F1 on 1,000 phone photos; 2× lost none).
const CHIP_EYE_PX: f32 = 2.0 * (CHIP_TEMPLATE[1].x - CHIP_TEMPLATE[0].x);

fn eye_distance(face: &DetectedFace) -> f32 {
    let [l, r, ..] = face.landmarks.0;
    ((l.x - r.x).powi(2) + (l.y - r.y).powi(2)).sqrt().max(1.0)
}

impl Pipeline {
    pub fn new(detector_onnx: &[u8], embedder_onnx: &[u8]) -> Result<Self, ModelError> {
        Ok(Pipeline {
            detector: Detector::new(detector_onnx, DetectorConfig::default())?,
            embedder: Embedder::new(embedder_onnx)?,
            decode: DecodeOptions::default(),
            // Measured on lfw-tune: a clear gain for twice the embedding cost.
            flip: true,
            rules: QualityRules::DEFAULT,
        })
    }

    /// Loads both models from a directory laid out as `models/manifest.json` says.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, ModelError> {
        let m = crate::pipeline::models::manifest();
        let read = |file: &str, model: &'static str| {
            std::fs::read(dir.join(file)).map_err(|e| ModelError::Load {
                model,
                reason: format!(
                    "{}: {e} (run scripts/setup.sh to obtain the models)",
                    dir.join(file).display()
                ),
            })
        };
        Self::new(
            &read(&m.detector.file, "face detector")?,
            &read(&m.embedder.file, "face embedder")?,
        )
    }

    /// Decodes, detects and embeds. A large JPEG is decoded small first
    /// ([`decode::first_decode`]) to find its faces, and again larger only
    /// when a face is too small in that decode to give a full-quality chip.
    pub fn analyse(&self, bytes: &[u8], clock: &dyn Clock) -> Result<AnalysedPhoto, PipelineError> {
        let t0 = clock.now_ms();
        // A JPEG the scaled decoder cannot read gets the whole-photo decoder,
        // which says precisely what is wrong with it.
        let first = decode::first_decode(bytes, &self.decode, self.detector.config.max_side);
        let Ok(Some((first, plan))) = first else {
            let photo = decode_photo(bytes, &self.decode)?;
            let decode_ms = clock.now_ms() - t0;
            return self.analyse_decoded(photo, decode_ms, clock);
        };
        let mut found = self.find_scaled(first, plan, clock.now_ms() - t0, clock)?;
        let finer = match self.finer_share(&found) {
            Some(share) => {
                let t = clock.now_ms();
                let finer = decode::decode_with_share(bytes, &self.decode, share)?;
                found.decode_ms += clock.now_ms() - t;
                Some(finer)
            }
            None => None,
        };
        Ok(self.finish(found, finer, clock)?)
    }

    /// The share of full resolution (in width) to decode the photo at again,
    /// when what was decoded has less than some face's chip needs (its eyes
    /// [`CHIP_EYE_PX`] apart); capped at the whole photo. Faces the rules
    /// find unsure for what no resolution changes (small in the photo itself,
    /// turned, cut by its edge, a doubtful detection) are left out: a group
    /// photo's tiny background faces would otherwise have every such photo
    /// decoded whole. Only how blurred a face looks depends on the decode.
    pub fn finer_share(&self, found: &Found) -> Option<f32> {
        let have = found.preview.scale();
        let image = &found.preview.image;
        let needed = found
            .detections
            .iter()
            .filter(|face| eye_distance(face) < CHIP_EYE_PX)
            .filter(|face| {
                chip_transform(&face.landmarks).is_some_and(|t| {
                    let chip = extract_chip(image, &t);
                    let quality = measure(face, &t, &chip, image.dimensions(), have);
                    self.rules
                        .judge(&quality)
                        .iter()
                        .all(|r| *r == UnsureReason::Blurred)
                })
            })
            .map(|face| have * CHIP_EYE_PX / eye_distance(face))
            .fold(0.0, f32::max)
            .min(1.0);
        let decoded = found.larger.as_ref().map_or(have, DecodedPhoto::scale);
        (needed > decoded).then_some(needed)
    }

    /// Finds the faces in a photo's preview (a small decode of it; see
    /// [`decode::preview_scale`]); `decode_ms` is what decoding it took.
    pub fn find(
        &self,
        preview: DecodedPhoto,
        decode_ms: f64,
        clock: &dyn Clock,
    ) -> Result<Found, ModelError> {
        let t = clock.now_ms();
        let detections = self.detector.detect(&preview.image)?;
        Ok(Found {
            detect_ms: clock.now_ms() - t,
            decode_ms,
            preview,
            larger: None,
            detections,
        })
    }

    /// Finds the faces in a large JPEG decoded as `plan` says: in it, or in
    /// its half where it was decoded at twice the preview's size.
    pub fn find_scaled(
        &self,
        decoded: DecodedPhoto,
        plan: ScaledDecode,
        decode_ms: f64,
        clock: &dyn Clock,
    ) -> Result<Found, ModelError> {
        if plan.preview == plan.decode {
            return self.find(decoded, decode_ms, clock);
        }
        let t = clock.now_ms();
        let preview = decoded.halved();
        let mut found = self.find(preview, decode_ms + clock.now_ms() - t, clock)?;
        found.larger = Some(decoded);
        Ok(found)
    }

    /// Aligns and embeds what [`Pipeline::find`] found: from `finer`, a
    /// larger decode of the same photo where [`Pipeline::finer_share`] asked
    /// for one, else from the decode the preview was halved from, else from
    /// the preview.
    pub fn finish(
        &self,
        found: Found,
        finer: Option<DecodedPhoto>,
        clock: &dyn Clock,
    ) -> Result<AnalysedPhoto, ModelError> {
        let Found {
            preview,
            larger,
            detections,
            decode_ms,
            detect_ms,
        } = found;
        let (photo, preview, detections) = match finer.or(larger) {
            None => (preview, None, detections),
            Some(finer) => {
                let kx = finer.image.width() as f32 / preview.image.width() as f32;
                let ky = finer.image.height() as f32 / preview.image.height() as f32;
                let moved = detections
                    .iter()
                    .map(|d| d.map(|p| Point::new(p.x * kx, p.y * ky)))
                    .collect();
                (finer, Some(preview), moved)
            }
        };
        let t = clock.now_ms();
        let faces = self.embed_faces(&photo, detections)?;
        Ok(AnalysedPhoto {
            photo,
            preview,
            faces,
            timings: StageTimings {
                decode_ms,
                detect_ms,
                embed_ms: clock.now_ms() - t,
            },
        })
    }

    /// Detects and embeds the faces of a photo decoded already (by the
    /// browser, say); `decode_ms` is what decoding took.
    pub fn analyse_decoded(
        &self,
        photo: DecodedPhoto,
        decode_ms: f64,
        clock: &dyn Clock,
    ) -> Result<AnalysedPhoto, PipelineError> {
        let found = self.find(photo, decode_ms, clock)?;
        Ok(self.finish(found, None, clock)?)
    }

    /// Aligns and embeds the given detections (faces with degenerate landmarks
    /// cannot be aligned and are dropped).
    pub fn embed_faces(
        &self,
        photo: &DecodedPhoto,
        detections: Vec<DetectedFace>,
    ) -> Result<Vec<AnalysedFace>, ModelError> {
        let dims = photo.image.dimensions();
        let scale = photo.scale();
        let mut kept = Vec::new();
        let mut chips = Vec::new();
        for d in detections {
            let Some(t) = chip_transform(&d.landmarks) else {
                continue;
            };
            let chip = extract_chip(&photo.image, &t);
            kept.push((d, measure(&d, &t, &chip, dims, scale)));
            chips.push(chip);
        }
        let mut embeddings = self.embedder.embed(&chips)?;
        if self.flip {
            let mirrored: Vec<FaceChip> = chips
                .iter()
                .map(|c| FaceChip(image::imageops::flip_horizontal(&c.0)))
                .collect();
            for (e, m) in embeddings.iter_mut().zip(self.embedder.embed(&mirrored)?) {
                *e = e.midpoint(&m);
            }
        }
        Ok(kept
            .into_iter()
            .zip(embeddings)
            .map(|((detection, quality), embedding)| AnalysedFace {
                detection,
                embedding,
                quality,
            })
            .collect())
    }
}
