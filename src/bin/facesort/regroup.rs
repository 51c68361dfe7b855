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
use facesort::people::nearest::FaceHoods;
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
    /// Re-form only this many of the run's latest faces (0: all).
    #[arg(long, default_value_t = RunPolicy::PAGE.window)]
    window: usize,
    /// Measure shared neighbours among the faces of each grouping only, not
    /// the whole library (as the page did before it kept them).
    #[arg(long)]
    local_neighbours: bool,
    /// End the run by forming its people again from single faces (as the
    /// page did before), instead of refining them as they stand.
    #[arg(long)]
    reform_at_end: bool,
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
                hood: None,
            })
        })
        .collect();
    cluster(&input, config).assignments
}

/// The page's run, replayed ([`RunPolicy`]): photos arrive one by one, each
/// face's neighbourhood is kept up to date, new faces are placed every
/// `every` photos, the latest faces re-formed now and then, and the run's
/// people refined at the end.
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
    let policy = RunPolicy {
        every: page.every,
        reform_growth: page.reform_growth,
        per_person: page.per_person,
        nearest_people: page.nearest_people,
        window: page.window,
    };
    let mut hoods = FaceHoods::new(config.neighbours);
    let mut cost = Cost::default();
    let started = Instant::now();
    let mut reformed_at = 0;
    let mut group = |book: &mut Book,
                     arrived: &[FaceKey],
                     hoods: &FaceHoods,
                     cost: &mut Cost,
                     last: bool|
     -> Result<(), String> {
        let refine = last && !page.reform_at_end;
        let reform = !refine && (last || policy.reform(reformed_at, arrived.len()));
        let mut request = if refine {
            book.regroup_request(arrived.iter().copied())
        } else if reform {
            reformed_at = arrived.len();
            let start = policy.window_start(arrived);
            book.window_request(
                arrived[..start].iter().copied(),
                arrived[start..].iter().copied(),
            )
        } else {
            book.placing_request(
                arrived.iter().copied(),
                policy.per_person,
                (!page.local_neighbours).then_some(hoods),
            )
        };
        request.represent(policy.per_person);
        if !request.faces.is_empty() {
            let t0 = Instant::now();
            let mut job = GroupingJob::with_hoods(
                &request,
                |k| face_of[&k].embedding.clone(),
                |k| face_of[&k].sure,
                (!page.local_neighbours).then_some(hoods),
                *config,
            );
            if !reform && !refine {
                job.nearest_people = Some(policy.nearest_people);
            }
            if refine {
                job.start = Some(book.starting_groups(&request));
            }
            let clustering = job.run().map_err(|e| e.to_string())?;
            book.apply_regroup(&request, &clustering);
            let size = request.faces.len() + request.known.iter().map(|k| k.1.len()).sum::<usize>();
            cost.grouped(t0.elapsed().as_secs_f64() * 1e3, size);
        }
        if last {
            book.settle();
        }
        Ok(())
    };
    for (n, &p) in order.iter().enumerate() {
        for (i, face) in photos[p].iter().enumerate() {
            let key = FaceKey {
                photo: PhotoId(p as u32),
                index: i as u32,
            };
            arrived.push(key);
            if !page.local_neighbours {
                let t0 = Instant::now();
                hoods.add(key, &face.embedding);
                cost.neighbours_ms += t0.elapsed().as_secs_f64() * 1e3;
            }
        }
        if (n + 1) % page.every.max(1) == 0 {
            group(&mut book, &arrived, &hoods, &mut cost, false)?;
        }
        if (n + 1) % 1000 == 0 {
            cost.thousand(arrived.len());
        }
    }
    group(&mut book, &arrived, &hoods, &mut cost, true)?;
    cost.thousand(arrived.len());
    let total_ms = cost.total(|r| r.grouping_ms);
    eprintln!(
        "as the page: {} faces of {} photos, {} groupings, {:.2} s grouping ({:.1} ms per photo, longest {:.0} ms, largest job {} faces), neighbours {:.2} s, {:.2} s in all, peak memory {}",
        arrived.len(),
        photos.len(),
        cost.groupings,
        total_ms / 1e3,
        total_ms / photos.len().max(1) as f64,
        cost.most(|r| r.longest_ms),
        cost.most(|r| r.largest as f64),
        cost.total(|r| r.neighbours_ms) / 1e3,
        started.elapsed().as_secs_f64(),
        crate::bench::peak_rss().map_or("unknown".into(), |k| format!("{} MiB", k / 1024))
    );
    if cost.rows.len() > 1 {
        eprintln!("\n| photos | faces | grouping, s | neighbours, s | longest grouping, ms | largest job, faces |\n|---|---|---|---|---|---|");
        for (i, r) in cost.rows.iter().enumerate() {
            let upto = ((i + 1) * 1000).min(photos.len());
            eprintln!(
                "| {}–{upto} | {} | {:.2} | {:.2} | {:.0} | {} |",
                i * 1000 + 1,
                r.faces,
                r.grouping_ms / 1e3,
                r.neighbours_ms / 1e3,
                r.longest_ms,
                r.largest
            );
        }
    }
    Ok(face_of_order(photos)
        .map(|key| book.person_of(key))
        .collect())
}

/// What grouping cost while photos arrived, per 1,000 photos (the run's
/// totals are those of its rows).
#[derive(Default)]
struct Cost {
    groupings: usize,
    neighbours_ms: f64,
    this: Row,
    rows: Vec<Row>,
}

#[derive(Default, Clone)]
struct Row {
    faces: usize,
    grouping_ms: f64,
    neighbours_ms: f64,
    longest_ms: f64,
    largest: usize,
}

impl Cost {
    fn grouped(&mut self, ms: f64, size: usize) {
        self.groupings += 1;
        self.this.grouping_ms += ms;
        self.this.longest_ms = self.this.longest_ms.max(ms);
        self.this.largest = self.this.largest.max(size);
    }

    /// Closes a row of the table (the faces so far).
    fn thousand(&mut self, faces: usize) {
        let mut row = std::mem::take(&mut self.this);
        row.faces = faces;
        row.neighbours_ms = std::mem::take(&mut self.neighbours_ms);
        if row.grouping_ms > 0.0 || row.neighbours_ms > 0.0 {
            self.rows.push(row);
        }
    }

    fn total(&self, of: impl Fn(&Row) -> f64) -> f64 {
        self.rows.iter().map(of).sum()
    }

    fn most(&self, of: impl Fn(&Row) -> f64) -> f64 {
        self.rows.iter().map(of).fold(0.0, f64::max)
    }
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
