//! A grouping job as it travels to a worker: plain data (photo ids and
//! embeddings, no face keys), built from what the book asks to be grouped.

use crate::face::embedding::Embedding;
use crate::people::book::{FaceKey, RegroupRequest};
use crate::people::cluster::{
    cluster_with_corrections, ClusterConfig, Clustering, FaceToCluster, KnownPerson, NotPerson,
    PersonId, PhotoId,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Error, Serialize, Deserialize)]
pub enum GroupingError {
    #[error("some faces' descriptors have another length than the rest ({0:?} values): the library holds damaged faces")]
    MixedLengths(Vec<usize>),
}

/// A grouping as sent to a worker: plain data, no keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupingJob {
    pub known: Vec<KnownGroup>,
    pub faces: Vec<JobFace>,
    pub config: ClusterConfig,
    /// When placing (see [`crate::people::run::RunPolicy`]): each new face
    /// meets only this many of the known people nearest to it, so placing a
    /// few photos costs the same in a library of any size. A re-forming
    /// meets everyone (`None`).
    #[serde(default)]
    pub nearest_people: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownGroup {
    pub person: PersonId,
    pub faces: Vec<(PhotoId, Embedding)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFace {
    pub photo: PhotoId,
    pub embedding: Embedding,
    /// Unsure faces (see [`crate::face::quality`]) join people but never found one.
    pub sure: bool,
    pub rejected: Vec<PersonId>,
}

impl GroupingJob {
    /// The work for a grouping worker, with each face's embedding and
    /// whether it is sure enough to found a person.
    pub fn for_request(
        request: &RegroupRequest,
        embedding: impl Fn(FaceKey) -> Embedding,
        sure: impl Fn(FaceKey) -> bool,
        config: ClusterConfig,
    ) -> GroupingJob {
        let face = |key: &FaceKey| (key.photo, embedding(*key));
        GroupingJob {
            known: request
                .known
                .iter()
                .map(|(person, keys)| KnownGroup {
                    person: *person,
                    faces: keys.iter().map(face).collect(),
                })
                .collect(),
            faces: request
                .faces
                .iter()
                .zip(&request.rejected)
                .map(|(key, rejected)| JobFace {
                    photo: key.photo,
                    embedding: embedding(*key),
                    sure: sure(*key),
                    rejected: rejected.clone(),
                })
                .collect(),
            config,
            nearest_people: None,
        }
    }

    /// Groups the job's faces. Every descriptor must be comparable (one
    /// model, one length): a damaged one is refused, never guessed at.
    pub fn run(&self) -> Result<Clustering, GroupingError> {
        let lengths = self
            .known
            .iter()
            .flat_map(|k| k.faces.iter().map(|(_, e)| e))
            .chain(self.faces.iter().map(|f| &f.embedding))
            .map(Embedding::len);
        let mut lengths = lengths.collect::<Vec<_>>();
        lengths.sort_unstable();
        lengths.dedup();
        if lengths.len() > 1 {
            return Err(GroupingError::MixedLengths(lengths));
        }
        let known: Vec<KnownPerson<'_>> = self
            .nearest_known()
            .into_iter()
            .map(|k| KnownPerson {
                id: k.person,
                faces: k
                    .faces
                    .iter()
                    .map(|(photo, embedding)| FaceToCluster {
                        photo: *photo,
                        embedding,
                        // The user confirmed (or a finished run settled) these.
                        sure: true,
                    })
                    .collect(),
            })
            .collect();
        let faces: Vec<FaceToCluster<'_>> = self
            .faces
            .iter()
            .map(|f| FaceToCluster {
                photo: f.photo,
                embedding: &f.embedding,
                sure: f.sure,
            })
            .collect();
        let corrections: Vec<NotPerson> = self
            .faces
            .iter()
            .enumerate()
            .flat_map(|(face, f)| {
                f.rejected
                    .iter()
                    .map(move |&person| NotPerson { face, person })
            })
            .collect();
        let mut clustering = cluster_with_corrections(&known, &faces, &corrections, &self.config);
        // New people are numbered after every known id, left out or not.
        let first_new = self.known.iter().map(|k| k.person.0 + 1).max().unwrap_or(0);
        let shown = known.iter().map(|k| k.id.0 + 1).max().unwrap_or(0);
        if first_new > shown {
            let known_ids: Vec<PersonId> = known.iter().map(|k| k.id).collect();
            for id in clustering.assignments.iter_mut().flatten() {
                if !known_ids.contains(id) {
                    id.0 += first_new - shown;
                }
            }
        }
        Ok(clustering)
    }

    /// The known people this job's faces meet: all of them, or when placing,
    /// the few nearest to each new face.
    fn nearest_known(&self) -> Vec<&KnownGroup> {
        let Some(n) = self.nearest_people else {
            return self.known.iter().collect();
        };
        let mut keep = vec![false; self.known.len()];
        for face in &self.faces {
            let mut near: Vec<(f32, usize)> = self
                .known
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let d = k
                        .faces
                        .iter()
                        .map(|(_, e)| e.distance(&face.embedding))
                        .fold(f32::INFINITY, f32::min);
                    (d, i)
                })
                .collect();
            near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (_, i) in near.into_iter().take(n) {
                keep[i] = true;
            }
        }
        self.known
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(g, _)| g)
            .collect()
    }
}
