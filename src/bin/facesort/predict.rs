//! `facesort predict`: predictions in the evaluation format.

use crate::{batch, people, PipelineOpts};
use serde_json::{json, Map, Value};
use std::path::Path;

pub fn run(
    set_dir: &Path,
    out: &Path,
    with_embeddings: bool,
    opts: &PipelineOpts,
) -> Result<(), String> {
    let pipeline = opts.pipeline()?;
    let batch = batch::run(set_dir, opts, &pipeline)?;
    let rules = opts.quality_rules();
    let people = people::cluster_batch(&batch, &opts.cluster_config(), &rules);

    let mut images = Map::new();
    let mut errors = Map::new();
    for (photo, ids) in batch.photos.iter().zip(&people.assignments) {
        let faces: Vec<Value> = photo
            .result
            .iter()
            .flatten()
            .zip(ids)
            .map(|(f, id)| {
                let b = f.stored.bbox;
                let mut face = json!({ "box": [b.left, b.top, b.right, b.bottom], "cluster": id.map(|id| id.0), "score": f.stored.score, "sure": rules.is_sure(&f.quality) });
                if with_embeddings {
                    face["embedding"] = json!(f.embedding.as_slice());
                    face["landmarks"] = json!(f.stored.landmarks.0.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>());
                    face["quality"] = json!(f.quality);
                }
                face
            })
            .collect();
        images.insert(photo.rel.clone(), Value::Array(faces));
        if let Err(e) = &photo.result {
            errors.insert(photo.rel.clone(), Value::String(e.clone()));
        }
    }
    let sum = |f: fn(&facesort::pipeline::StageTimings) -> f64| {
        batch.photos.iter().map(|p| f(&p.timings)).sum::<f64>() / 1000.0
    };
    let timing = json!({
        "n_images": batch.photos.len(),
        "threads": batch.jobs,
        "stage_times": "decode/detect/encode are summed over threads; total is wall clock",
        "decode_s": sum(|t| t.decode_ms),
        "detect_s": sum(|t| t.detect_ms),
        "encode_s": sum(|t| t.embed_ms),
        "cluster_s": people.cluster_ms / 1000.0,
        "total_s": batch.wall_s + people.cluster_ms / 1000.0,
    });
    let doc = json!({ "images": images, "errors": errors, "timing": timing });
    let text = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "{} photos, {} faces, {} failed; wrote {}",
        batch.photos.len(),
        batch.face_count(),
        batch.failures().count(),
        out.display()
    );
    Ok(())
}
