//! `facesort regroup`: groups the faces of a predictions file again with other
//! settings, without reading a photo, so a sweep over thresholds takes seconds.
//! With `--as-page` it replays how the page groups while photos arrive (the
//! same `Book` and grouping jobs, [`RunPolicy`]), and says what that costs.

use crate::GroupingOpts;
use clap::Args;
use facesort::face::embedding::Embedding;
use facesort::face::quality::FaceQuality;
use facesort::people::book::{Book, FaceKey};
use facesort::people::cluster::{cluster, ClusterConfig, FaceToCluster, PersonId, PhotoId};
use facesort::people::run::RunPolicy;
use facesort::wire::grouping::GroupingJob;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

#[derive(Args, Clone)]
pub struct AsPage {
    /// Group as the page does while photos arrive, instead of all at once.
    #[arg(long)]
    as_page: bool,
    /// Photos between groupings.
    #[arg(long, default_value_t = RunPolicy::PAGE.every)]
    every: usize,
    /// Re-form the run's people when its faces have grown this many times.
    #[arg(long, default_value_t = RunPolicy::PAGE.reform_growth)]
    reform_growth: f32,
    /// Faces that represent a known person in a grouping.
    #[arg(long, default_value_t = RunPolicy::PAGE.per_person)]
    per_person: usize,
    /// Known people each new face meets when placing.
    #[arg(long, default_value_t = RunPolicy::PAGE.nearest_people)]
    nearest_people: usize,
    /// Photos arrive in a shuffled order (this seed) instead of by file name.
    #[arg(long)]
    shuffle: Option<u64>,
}

struct Face {
    embedding: Embedding,
    sure: bool,
}

pub fn run(
    predictions: &Path,
    out: &Path,
    opts: &GroupingOpts,
    page: &AsPage,
) -> Result<(), String> {
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
    let mut photos: Vec<Vec<Face>> = Vec::new();
    for (_, list) in images.iter() {
        let mut faces = Vec::new();
        for face in list.as_array().into_iter().flatten() {
            let embedding: Embedding =
                serde_json::from_value(face["embedding"].clone()).map_err(|_| not_dumped())?;
            let quality: FaceQuality =
                serde_json::from_value(face["quality"].clone()).map_err(|_| not_dumped())?;
            faces.push(Face {
                embedding,
                sure: rules.is_sure(&quality),
            });
        }
        photos.push(faces);
    }
    let config = opts.cluster_config();
    let people = if page.as_page {
        as_page(&photos, page, &config)?
    } else {
        at_once(&photos, &config)
    };
    let mut ids = people.into_iter();
    for ((_, list), faces) in images.iter_mut().zip(&photos) {
        for (face, f) in list.as_array_mut().into_iter().flatten().zip(faces) {
            let id = ids.next().flatten();
            face["cluster"] = serde_json::json!(id.map(|p| p.0));
            face["sure"] = serde_json::json!(f.sure);
        }
    }
    let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Every face grouped in one go: each face's person, in file order.
fn at_once(photos: &[Vec<Face>], config: &ClusterConfig) -> Vec<Option<PersonId>> {
    let input: Vec<FaceToCluster<'_>> = photos
        .iter()
        .enumerate()
        .flat_map(|(p, faces)| {
            faces.iter().map(move |f| FaceToCluster {
                photo: PhotoId(p as u32),
                embedding: &f.embedding,
                sure: f.sure,
            })
        })
        .collect();
    cluster(&input, config).assignments
}

/// The page's run, replayed: photos arrive one by one, a grouping every
/// `every` photos over the unsettled faces, windows settled as they fill.
fn as_page(
    photos: &[Vec<Face>],
    page: &AsPage,
    config: &ClusterConfig,
) -> Result<Vec<Option<PersonId>>, String> {
    let mut order: Vec<usize> = (0..photos.len()).collect();
    if let Some(seed) = page.shuffle {
        shuffle(&mut order, seed);
    }
    let face_of: HashMap<FaceKey, &Face> = photos
        .iter()
        .enumerate()
        .flat_map(|(p, faces)| {
            faces.iter().enumerate().map(move |(i, f)| {
                let key = FaceKey {
                    photo: PhotoId(p as u32),
                    index: i as u32,
                };
                (key, f)
            })
        })
        .collect();
    let mut book = Book::default();
    let mut arrived: Vec<FaceKey> = Vec::new();
    let (mut groupings, mut total_ms, mut longest_ms, mut largest) = (0, 0.0f64, 0.0f64, 0);
    let started = Instant::now();
    let policy = RunPolicy {
        every: page.every,
        reform_growth: page.reform_growth,
        per_person: page.per_person,
        nearest_people: page.nearest_people,
    };
    let mut reformed_at = 0;
    let mut group = |book: &mut Book, arrived: &[FaceKey], last: bool| -> Result<(), String> {
        let reform = last || policy.reform(reformed_at, arrived.len());
        let mut request = if reform {
            reformed_at = arrived.len();
            book.regroup_request(arrived.iter().copied())
        } else {
            book.placing_request(arrived.iter().copied(), policy.per_person)
        };
        request.represent(policy.per_person);
        if !request.faces.is_empty() {
            let t0 = Instant::now();
            let mut job = GroupingJob::for_request(
                &request,
                |k| face_of[&k].embedding.clone(),
                |k| face_of[&k].sure,
                *config,
            );
            if !reform {
                job.nearest_people = Some(policy.nearest_people);
            }
            let clustering = job.run().map_err(|e| e.to_string())?;
            book.apply_regroup(&request, &clustering);
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            groupings += 1;
            total_ms += ms;
            longest_ms = longest_ms.max(ms);
            largest = largest
                .max(request.faces.len() + request.known.iter().map(|k| k.1.len()).sum::<usize>());
        }
        if last {
            book.settle();
        }
        Ok(())
    };
    for (n, &p) in order.iter().enumerate() {
        arrived.extend((0..photos[p].len()).map(|i| FaceKey {
            photo: PhotoId(p as u32),
            index: i as u32,
        }));
        if (n + 1) % page.every.max(1) == 0 {
            group(&mut book, &arrived, false)?;
        }
    }
    group(&mut book, &arrived, true)?;
    eprintln!(
        "as the page: {} faces of {} photos, {groupings} groupings, {:.2} s grouping ({:.1} ms per photo, longest {:.0} ms, largest job {largest} faces), {:.2} s in all, peak memory {}",
        arrived.len(),
        photos.len(),
        total_ms / 1e3,
        total_ms / photos.len().max(1) as f64,
        longest_ms,
        started.elapsed().as_secs_f64(),
        crate::bench::peak_rss().map_or("unknown".into(), |k| format!("{} MiB", k / 1024))
    );
    Ok(face_of_order(photos)
        .map(|key| book.person_of(key))
        .collect())
}

fn face_of_order(photos: &[Vec<Face>]) -> impl Iterator<Item = FaceKey> + '_ {
    photos.iter().enumerate().flat_map(|(p, faces)| {
        (0..faces.len()).map(move |i| FaceKey {
            photo: PhotoId(p as u32),
            index: i as u32,
        })
    })
}

/// A deterministic Fisher–Yates shuffle (xorshift), so runs can be compared.
fn shuffle(order: &mut [usize], seed: u64) {
    let mut x = seed.max(1);
    for i in (1..order.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
}
