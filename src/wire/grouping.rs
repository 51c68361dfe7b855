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
            .known
            .iter()
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
        Ok(cluster_with_corrections(
            &known,
            &faces,
            &corrections,
            &self.config,
        ))
    }
}
