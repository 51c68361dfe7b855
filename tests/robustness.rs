//! Bounded fuzzing in every `cargo test`: each entry point of
//! `common/fuzz_targets.rs` is fed mutations of real inputs (photos in every
//! format, detector tensors, worker messages and stored library records) for
//! `FACESORT_FUZZ_SECONDS` seconds (default 8) per target, and must never
//! panic. A failing input is written to `target/fuzz-failures/` to replay.
//! Longer, coverage-guided runs use the same entry points: see tests/fuzz/.

mod common;
#[path = "common/fuzz_targets.rs"]
mod fuzz_targets;

use common::{jpeg, photo_bytes, with_exif_orientation};
use facesort::face::embedding::Embedding;
use facesort::people::book::{Counters, FaceKey, FaceState, Person};
use facesort::people::cluster::{ClusterConfig, PersonId, PhotoId};
use facesort::people::edit::{Change, Edit, EditKind};
use facesort::wire::grouping::{GroupingJob, JobFace, KnownFace, KnownGroup};
use image::{DynamicImage, ImageFormat, RgbImage};
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// A small, seeded generator: runs are repeatable from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Values that break parsers: boundaries, huge sizes, non-finite floats.
const INTERESTING: [&[u8]; 10] = [
    &[0x00],
    &[0xFF],
    &[0x7F, 0xFF, 0xFF, 0xFF],
    &[0xFF, 0xFF, 0xFF, 0xFF],
    &[0x00, 0x00, 0x80, 0x7F], // f32 +inf (LE)
    &[0x00, 0x00, 0xC0, 0x7F], // f32 NaN (LE)
    &[0x80, 0x00, 0x00, 0x00],
    b"-1",
    b"1e999",
    b"null",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => {
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let i = rng.below(len + 1);
                if rng.below(2) == 0 {
                    input.splice(i..i, v.iter().copied());
                } else {
                    let end = (i + v.len()).min(len);
                    input.splice(i..end, v.iter().copied());
                }
            }
            3 if len > 0 => input.truncate(rng.below(len)),
            4 if len > 1 => {
                let (a, b) = (rng.below(len), rng.below(len));
                let (a, b) = (a.min(b), a.max(b));
                input.drain(a..b.min(a + 64));
            }
            5 => {
                // Splice in a piece of another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let to = (from + 1 + rng.below(256)).min(other.len());
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[from..to].iter().copied());
                }
            }
            _ if len > 0 => {
                // Repeat a chunk (sizes and counts past what a decoder expects).
                let from = rng.below(len);
                let to = (from + 1 + rng.below(32)).min(len);
                let chunk = input[from..to].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, chunk);
            }
            _ => input.push(rng.next() as u8),
        }
    }
}

/// Runs `target` on the seeds, then on mutations of them until the time is up.
/// Inputs the long runs (tests/fuzz) once crashed on are kept in
/// tests/fixtures/fuzz-found/NAME and always run first.
fn fuzz(name: &str, mut seeds: Vec<Vec<u8>>, target: fn(&[u8])) {
    let found = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-found")
        .join(name);
    if let Ok(entries) = std::fs::read_dir(found) {
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        seeds.extend(files.iter().map(|f| std::fs::read(f).unwrap()));
    }
    let seconds: f64 = std::env::var("FACESORT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8.0);
    let seed = std::env::var("FACESORT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D_u64 ^ name.len() as u64);
    // Seeds for the coverage-guided fuzzers' corpora (tests/fuzz/).
    if let Ok(dir) = std::env::var("FACESORT_FUZZ_WRITE_SEEDS") {
        let dir = std::path::Path::new(&dir).join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), s).unwrap();
        }
    }
    let mut rng = Rng(seed.max(1));
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut runs = 0u64;
    // The panic hook would print every caught panic; the failure is reported below.
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    let mut i = 0;
    while failure.is_none() && (i < seeds.len() || Instant::now() < end) {
        let mut input = seeds[i % seeds.len()].clone();
        if i >= seeds.len() {
            mutate(&mut rng, &seeds, &mut input);
        }
        i += 1;
        runs += 1;
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| target(&input))) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failure = Some((input, message));
        }
    }
    std::panic::set_hook(quiet);
    let Some((input, message)) = failure else {
        eprintln!("{name}: {runs} runs in {seconds} s (seed {seed}), no panic");
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}-{runs}.bin"));
    std::fs::write(&file, &input).unwrap();
    panic!(
        "{name} panicked on a {} byte input after {runs} runs ({message}); saved to {}",
        input.len(),
        file.display()
    );
}

fn encoded(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image.clone())
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

#[test]
fn decoding_never_panics_on_mutated_photos() {
    let small = image::imageops::thumbnail(
        &image::load_from_memory(&photo_bytes("eileen_collins_nasa.png"))
            .unwrap()
            .to_rgb8(),
        48,
        40,
    );
    let mut seeds = vec![
        jpeg(&small, 80),
        with_exif_orientation(&jpeg(&small, 80), 6),
        encoded(&small, ImageFormat::Png),
        encoded(&small, ImageFormat::WebP),
        encoded(&small, ImageFormat::Gif),
        [&[0, 0, 0, 0x18][..], b"ftypheic\0\0\0\0mif1heic"].concat(),
        b"II*\0\x10\0\0\0CR\x02\0".to_vec(),
    ];
    // A progressive JPEG, as phones and the web make them.
    seeds.push(photo_bytes("rocket_spacex_pd.jpg"));
    fuzz("decode", seeds, fuzz_targets::decode);
}

#[test]
fn detector_output_decoding_never_panics() {
    let floats = |v: &[f32]| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
    let one_anchor = floats(&[
        0.9, 0.9, 0.5, 0.5, 1.0, 1.0, 0.1, 0.1, 0.2, 0.1, 0.15, 0.2, 0.1, 0.3, 0.2, 0.3,
    ]);
    let seeds = vec![
        [&[64, 0, 0, 128][..], &one_anchor].concat(),
        [&[0, 0, 1, 0][..], &one_anchor].concat(),
        [&[8, 0, 2, 0][..], &one_anchor, &one_anchor].concat(),
    ];
    fuzz("detector_output", seeds, fuzz_targets::detector_output);
}

#[test]
fn messages_and_stored_records_never_panic() {
    let e = |x: f32| Embedding::new(vec![x, 0.5, -0.25, 0.125]);
    let job = GroupingJob {
        known: vec![KnownGroup {
            person: PersonId(0),
            faces: vec![
                KnownFace {
                    photo: PhotoId(0),
                    embedding: e(0.1),
                    hood: None,
                },
                KnownFace {
                    photo: PhotoId(1),
                    embedding: e(0.2),
                    hood: None,
                },
            ],
        }],
        faces: vec![
            JobFace {
                photo: PhotoId(2),
                embedding: e(0.15),
                sure: true,
                rejected: vec![],
                hood: None,
            },
            JobFace {
                photo: PhotoId(2),
                embedding: e(0.9),
                sure: false,
                rejected: vec![PersonId(0)],
                hood: None,
            },
        ],
        config: ClusterConfig::default(),
        nearest_people: Some(4),
        start: None,
    };
    let person = |id: u32, name: Option<&str>| Person {
        id: PersonId(id),
        name: name.map(str::to_string),
        hidden: false,
        provisional: false,
        cover: Some(FaceKey::new(0, 0)),
    };
    let face = |p: Option<u32>| FaceState {
        person: p.map(PersonId),
        confirmed: false,
        rejected: vec![],
    };
    let stored = (
        vec![person(0, Some("Ann")), person(1, None)],
        vec![
            (FaceKey::new(0, 0), face(Some(0))),
            (FaceKey::new(1, 0), face(Some(1))),
            (FaceKey::new(1, 1), face(None)),
        ],
        vec![Edit {
            seq: 3,
            what: EditKind::Rename {
                from: "Person 1".into(),
                to: "Ann".into(),
            },
            changes: vec![
                Change::Person {
                    id: PersonId(0),
                    before: Some(person(0, None)),
                    after: Some(person(0, Some("Ann"))),
                },
                Change::Face {
                    key: FaceKey::new(1, 1),
                    before: Some(face(Some(1))),
                    after: None,
                },
            ],
        }],
        Counters {
            next_person: 2,
            next_seq: 4,
            done: 1,
        },
    );
    let seeds = vec![
        serde_json::to_vec(&facesort::wire::worker::ToWorker::Group {
            id: facesort::wire::worker::RequestId(7),
            job: job.clone(),
        })
        .unwrap(),
        serde_json::to_vec(&job).unwrap(),
        serde_json::to_vec(&stored).unwrap(),
        serde_json::to_vec(&facesort::wire::worker::FromWorker::Crashed {
            message: "x".into(),
        })
        .unwrap(),
    ];
    fuzz("records", seeds, fuzz_targets::records);
}
