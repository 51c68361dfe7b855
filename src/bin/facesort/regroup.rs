//! `facesort regroup`: groups the faces of a predictions file again with other
//! settings, without reading a photo, so a sweep over thresholds takes seconds.

use crate::GroupingOpts;
use facesort::face::embedding::Embedding;
use facesort::face::quality::FaceQuality;
use facesort::people::cluster::{cluster, FaceToCluster, PhotoId};
use serde_json::Value;
use std::path::Path;

pub fn run(predictions: &Path, out: &Path, opts: &GroupingOpts) -> Result<(), String> {
    let text = std::fs::read_to_string(predictions)
        .map_err(|e| format!("cannot read {}: {e}", predictions.display()))?;
    let mut doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not JSON: {e}", predictions.display()))?;
    let not_dumped = || {
        format!(
            "{} has no embeddings and qualities; write it with `facesort predict --with-embeddings`",
            predictions.display()
        )
    };
    let images = doc
        .get_mut("images")
        .and_then(Value::as_object_mut)
        .ok_or_else(not_dumped)?;
    let rules = opts.quality_rules();
    let mut faces: Vec<(PhotoId, Embedding, bool)> = Vec::new();
    let mut sure = Vec::new();
    for (photo, (_, list)) in images.iter().enumerate() {
        for face in list.as_array().into_iter().flatten() {
            let embedding: Embedding =
                serde_json::from_value(face["embedding"].clone()).map_err(|_| not_dumped())?;
            let quality: FaceQuality =
                serde_json::from_value(face["quality"].clone()).map_err(|_| not_dumped())?;
            sure.push(rules.is_sure(&quality));
            faces.push((PhotoId(photo as u32), embedding, rules.is_sure(&quality)));
        }
    }
    let input: Vec<FaceToCluster<'_>> = faces
        .iter()
        .map(|(photo, embedding, sure)| FaceToCluster {
            photo: *photo,
            embedding,
            sure: *sure,
        })
        .collect();
    let clustering = cluster(&input, &opts.cluster_config());
    let mut ids = clustering.assignments.into_iter();
    let mut sure = sure.into_iter();
    for (_, list) in images.iter_mut() {
        for face in list.as_array_mut().into_iter().flatten() {
            let id = ids.next().flatten();
            face["cluster"] = serde_json::json!(id.map(|p| p.0));
            face["sure"] = serde_json::json!(sure.next().unwrap_or(true));
        }
    }
    let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}
