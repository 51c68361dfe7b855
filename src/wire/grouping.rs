//! A grouping job as it travels to a worker: plain data (photo ids and
//! embeddings, no face keys), built from what the book asks to be grouped.

use crate::face::embedding::Embedding;
use crate::people::book::{FaceKey, RegroupRequest};
use crate::people::cluster::{
    cluster_from, cluster_with_corrections, ClusterConfig, Clustering, FaceToCluster, Hood,
    KnownPerson, NotPerson, PersonId, PhotoId,
};
use crate::people::nearest::FaceHoods;
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
    /// When settling a run: the group each new face starts in (as the run
    /// left it), so the last grouping refines the run's people rather than
    /// forming them from single faces ([`cluster_from`]).
    #[serde(default)]
    pub start: Option<Vec<u32>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownGroup {
    pub person: PersonId,
    pub faces: Vec<KnownFace>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnownFace {
    pub photo: PhotoId,
    #[serde(with = "packed")]
    pub embedding: Embedding,
    #[serde(default)]
    pub hood: Option<JobHood>,
}

/// A face's number and nearest faces in the whole library
/// ([`crate::people::nearest`]), when the page keeps them.
/// It travels as one run of bytes (little-endian `u32`s, the number first),
/// like descriptors: a job carries thousands of them.
#[derive(Clone, Debug, PartialEq)]
pub struct JobHood {
    pub number: u32,
    pub nearest: Vec<u32>,
}

impl Serialize for JobHood {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = std::iter::once(self.number)
            .chain(self.nearest.iter().copied())
            .flat_map(u32::to_le_bytes)
            .collect();
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for JobHood {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut numbers = words(d, "a face's neighbourhood")?.map(u32::from_le_bytes);
        let number = numbers.next().ok_or_else(|| {
            <D::Error as serde::de::Error>::custom("a face's neighbourhood is empty")
        })?;
        Ok(JobHood {
            number,
            nearest: numbers.collect(),
        })
    }
}

impl JobHood {
    fn borrowed(&self) -> Hood<'_> {
        Hood {
            number: self.number,
            nearest: &self.nearest,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFace {
    pub photo: PhotoId,
    #[serde(with = "packed")]
    pub embedding: Embedding,
    /// Unsure faces (see [`crate::face::quality`]) join people but never found one.
    pub sure: bool,
    pub rejected: Vec<PersonId>,
    #[serde(default)]
    pub hood: Option<JobHood>,
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
        Self::with_hoods(request, embedding, sure, None, config)
    }

    /// As [`GroupingJob::for_request`], each face with its library-wide
    /// neighbourhood (a face `hoods` lacks makes the worker find them among
    /// the job's faces, as without).
    pub fn with_hoods(
        request: &RegroupRequest,
        embedding: impl Fn(FaceKey) -> Embedding,
        sure: impl Fn(FaceKey) -> bool,
        hoods: Option<&FaceHoods>,
        config: ClusterConfig,
    ) -> GroupingJob {
        let hood = |key: FaceKey| {
            hoods
                .and_then(|h| h.hood(key))
                .map(|(number, nearest)| JobHood { number, nearest })
        };
        let face = |key: &FaceKey| KnownFace {
            photo: key.photo,
            embedding: embedding(*key),
            hood: hood(*key),
        };
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
                    hood: hood(*key),
                })
                .collect(),
            config,
            nearest_people: None,
            start: None,
        }
    }

    /// Groups the job's faces. Every descriptor must be comparable (one
    /// model, one length): a damaged one is refused, never guessed at.
    pub fn run(&self) -> Result<Clustering, GroupingError> {
        let lengths = self
            .known
            .iter()
            .flat_map(|k| k.faces.iter().map(|f| &f.embedding))
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
                    .map(|f| FaceToCluster {
                        photo: f.photo,
                        embedding: &f.embedding,
                        // The user confirmed (or a finished run settled) these.
                        sure: true,
                        hood: f.hood.as_ref().map(JobHood::borrowed),
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
                hood: f.hood.as_ref().map(JobHood::borrowed),
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
        let mut clustering = match &self.start {
            Some(start) if start.len() == faces.len() => {
                cluster_from(&known, &faces, &corrections, start, &self.config)
            }
            _ => cluster_with_corrections(&known, &faces, &corrections, &self.config),
        };
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
                        .map(|f| f.embedding.distance(&face.embedding))
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

/// Descriptors travel as bytes (little-endian `f32`s): to a page's
/// serialiser each number of a descriptor is a JS value of its own, and a
/// placing job carries thousands of descriptors every few photos.
mod packed {
    use crate::face::embedding::Embedding;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(e: &Embedding, s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = e.as_slice().iter().flat_map(|v| v.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Embedding, D::Error> {
        let words = super::words(d, "a descriptor")?;
        Ok(Embedding::new(words.map(f32::from_le_bytes).collect()))
    }
}

/// The 4-byte words of a run of bytes, which must be whole words.
fn words<'de, D: serde::Deserializer<'de>>(
    d: D,
    what: &str,
) -> Result<impl Iterator<Item = [u8; 4]>, D::Error> {
    use serde::de::Error;
    let bytes = serde_bytes::ByteBuf::deserialize(d)?.into_vec();
    if bytes.len() % 4 != 0 {
        return Err(D::Error::custom(format!(
            "{what} of {} bytes is not a run of 4-byte numbers",
            bytes.len()
        )));
    }
    Ok((0..bytes.len() / 4).map(move |i| {
        [
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(embedding: Vec<f32>) -> GroupingJob {
        GroupingJob {
            known: vec![KnownGroup {
                person: PersonId(1),
                faces: vec![KnownFace {
                    photo: PhotoId(1),
                    embedding: Embedding::new(embedding.clone()),
                    hood: None,
                }],
            }],
            faces: vec![JobFace {
                photo: PhotoId(2),
                embedding: Embedding::new(embedding),
                sure: true,
                rejected: Vec::new(),
                hood: None,
            }],
            config: ClusterConfig::DEFAULT,
            nearest_people: Some(5),
            start: None,
        }
    }

    #[test]
    fn descriptors_travel_as_bytes_exactly() {
        let job = job(vec![0.25, -1.5e-7, f32::MAX, -0.0, 1.0 / 3.0]);
        let json = serde_json::to_value(&job).unwrap();
        // Bytes (one number per byte in JSON), not the five floats.
        assert_eq!(json["faces"][0]["embedding"].as_array().unwrap().len(), 20);
        let back: GroupingJob = serde_json::from_value(json).unwrap();
        assert_eq!(back, job);
        // So do a face's neighbours.
        let mut with_hood = job.clone();
        with_hood.faces[0].hood = Some(JobHood {
            number: 7,
            nearest: vec![1, 70_000, u32::MAX],
        });
        let json = serde_json::to_value(&with_hood).unwrap();
        assert_eq!(json["faces"][0]["hood"].as_array().unwrap().len(), 16);
        assert_eq!(
            serde_json::from_value::<GroupingJob>(json).unwrap(),
            with_hood
        );
        let mut torn = serde_json::to_value(&with_hood).unwrap();
        torn["faces"][0]["hood"].as_array_mut().unwrap().pop();
        assert!(serde_json::from_value::<GroupingJob>(torn).is_err());
        assert_eq!(
            back.faces[0].embedding.as_slice()[3].to_bits(),
            (-0.0f32).to_bits()
        );
    }

    #[test]
    fn a_descriptor_cut_mid_number_is_refused() {
        let mut json = serde_json::to_value(job(vec![0.5, 0.5])).unwrap();
        json["faces"][0]["embedding"].as_array_mut().unwrap().pop();
        let e = serde_json::from_value::<GroupingJob>(json).unwrap_err();
        assert!(e.to_string().contains("7 bytes"), "{e}");
    }
}
