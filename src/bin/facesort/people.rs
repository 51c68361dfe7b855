//! Clusters a batch's faces into people.

use crate::batch::Batch;
use facesort::face::quality::QualityRules;
use facesort::people::cluster::{cluster, ClusterConfig, FaceToCluster, PersonId, PhotoId};

/// `assignments[photo][face]`: the person of every face, in batch order;
/// `None` for an unsure face close to nobody.
pub struct People {
    pub assignments: Vec<Vec<Option<PersonId>>>,
    pub cluster_ms: f64,
}

pub fn cluster_batch(batch: &Batch, config: &ClusterConfig, rules: &QualityRules) -> People {
    let start = std::time::Instant::now();
    let faces: Vec<FaceToCluster> = batch
        .photos
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            p.result.iter().flatten().map(move |f| FaceToCluster {
                photo: PhotoId(i as u32),
                embedding: &f.embedding,
                sure: rules.is_sure(&f.quality),
                hood: None,
            })
        })
        .collect();
    let clustering = cluster(&faces, config);
    let mut ids = clustering.assignments.into_iter();
    let assignments = batch
        .photos
        .iter()
        .map(|p| {
            p.result
                .iter()
                .flatten()
                .map(|_| ids.next().expect("one id per face"))
                .collect()
        })
        .collect();
    People {
        assignments,
        cluster_ms: start.elapsed().as_secs_f64() * 1000.0,
    }
}
