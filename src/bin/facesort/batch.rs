//! Runs the pipeline over a folder with a pool of threads and a progress bar.

use crate::PipelineOpts;
use facesort::face::embedding::Embedding;
use facesort::face::geometry::DetectedFace;
use facesort::face::quality::FaceQuality;
use facesort::pipeline::format::{sniff, FileKind};
use facesort::pipeline::{Pipeline, StageTimings, SystemClock};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// A face, with its box in the photo's stored pixel coordinates.
pub struct Face {
    pub stored: DetectedFace,
    pub embedding: Embedding,
    pub quality: FaceQuality,
}

pub struct PhotoOutcome {
    /// Path relative to the folder, with `/` separators.
    pub rel: String,
    pub path: PathBuf,
    pub result: Result<Vec<Face>, String>,
    pub timings: StageTimings,
}

pub struct Batch {
    pub photos: Vec<PhotoOutcome>,
    pub wall_s: f64,
    pub jobs: usize,
}

impl Batch {
    pub fn face_count(&self) -> usize {
        self.photos
            .iter()
            .filter_map(|p| p.result.as_ref().ok())
            .map(Vec::len)
            .sum()
    }

    pub fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.photos.iter().filter_map(|p| {
            p.result
                .as_ref()
                .err()
                .map(|e| (p.rel.as_str(), e.as_str()))
        })
    }
}

/// Extensions always handed to the decoder, so a damaged or empty photo is
/// reported with its precise error rather than skipped as "not a photo".
const PHOTO_EXTENSIONS: [&str; 17] = [
    "jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "avif", "tif", "tiff", "dng", "cr2",
    "cr3", "nef", "arw", "orf", "rw2",
];

/// Why a file under the folder was not analysed.
#[derive(Debug, PartialEq, Eq)]
pub enum Skip {
    /// Names starting with a dot are system files (`.DS_Store`, macOS's
    /// `._IMG_1.jpg`, Android's `.thumbnails/`): analysing them would add
    /// copies and junk.
    Hidden,
    HiddenFolder,
    /// Neither its name nor its first bytes say photo.
    NotAPhoto,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Skip::Hidden => "hidden file (its name starts with a dot)",
            Skip::HiddenFolder => "hidden folder (its name starts with a dot), not looked into",
            Skip::NotAPhoto => "not a photo",
        })
    }
}

/// What is under a folder: the files to analyse, sorted so every run sees
/// the same order, and every other entry with why it is left out.
#[derive(Debug, Default)]
pub struct Listing {
    pub photos: Vec<(String, PathBuf)>,
    pub skipped: Vec<(String, Skip)>,
}

pub fn list_photos(dir: &Path) -> Result<Listing, String> {
    let mut listing = Listing::default();
    let mut stack = vec![dir.to_path_buf()];
    let relative = |path: &Path| {
        path.strip_prefix(dir)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| format!("cannot read folder {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read folder {}: {e}", d.display()))?;
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if path.is_dir() {
                if hidden {
                    listing
                        .skipped
                        .push((relative(&path) + "/", Skip::HiddenFolder));
                } else {
                    stack.push(path);
                }
            } else if hidden {
                listing.skipped.push((relative(&path), Skip::Hidden));
            } else if looks_like_photo(&path) {
                listing.photos.push((relative(&path), path));
            } else {
                listing.skipped.push((relative(&path), Skip::NotAPhoto));
            }
        }
    }
    listing.photos.sort();
    listing.skipped.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(listing)
}

/// By its extension, or else by its first bytes (a photo saved without one).
fn looks_like_photo(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if PHOTO_EXTENSIONS.contains(&ext.as_str()) {
        return true;
    }
    let mut head = Vec::with_capacity(64 * 1024);
    let read = std::fs::File::open(path).and_then(|f| {
        std::io::Read::read_to_end(&mut std::io::Read::take(f, 64 * 1024), &mut head)
    });
    read.is_ok() && sniff(&head) != FileKind::NotAPhoto
}

pub fn run(dir: &Path, opts: &PipelineOpts, pipeline: &Pipeline) -> Result<Batch, String> {
    let Listing {
        photos: files,
        skipped,
    } = list_photos(dir)?;
    for (rel, why) in &skipped {
        eprintln!("skipped: {rel}: {why}");
    }
    if files.is_empty() {
        return Err(format!(
            "no photos (JPEG, PNG, WebP, GIF) under {}",
            dir.display()
        ));
    }
    let jobs = opts.jobs().min(files.len());
    let bar = if opts.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(files.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} photos  {per_sec}  eta {eta}  {msg}")
            .expect("valid template")
            .progress_chars("##-"),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<PhotoOutcome>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let clock = SystemClock::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((rel, path)) = files.get(i) else {
                        break;
                    };
                    let outcome = analyse_file(pipeline, rel, path, &clock);
                    if let Err(e) = &outcome.result {
                        // Printed around the bar (println on a hidden bar prints nothing).
                        bar.suspend(|| eprintln!("error: {rel}: {e}"));
                    }
                    results.lock().expect("no worker panicked")[i] = Some(outcome);
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let photos = results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|o| o.expect("every photo processed"))
        .collect();
    if !skipped.is_empty() {
        eprintln!(
            "note: {} not analysed (named above as \"skipped\")",
            match skipped.len() {
                1 => "1 file or folder was".to_string(),
                n => format!("{n} files or folders were"),
            }
        );
    }
    Ok(Batch {
        photos,
        wall_s: start.elapsed().as_secs_f64(),
        jobs,
    })
}

/// Hands the memory of a photo just analysed back to the system. Its
/// buffers (tens of megabytes, on several threads) are freed into glibc's
/// heaps, which fragment: 1,000 phone-size photos grew to 10 GB of RSS.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn analyse_file(pipeline: &Pipeline, rel: &str, path: &Path, clock: &SystemClock) -> PhotoOutcome {
    let outcome = analyse_bytes(pipeline, rel, path, clock);
    release_freed_memory();
    outcome
}

fn analyse_bytes(pipeline: &Pipeline, rel: &str, path: &Path, clock: &SystemClock) -> PhotoOutcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return PhotoOutcome {
                rel: rel.into(),
                path: path.into(),
                result: Err(format!("cannot read: {e}")),
                timings: StageTimings::default(),
            }
        }
    };
    match pipeline.analyse(&bytes, clock) {
        Ok(a) => {
            let faces = a
                .faces
                .into_iter()
                .map(|f| Face {
                    stored: a.photo.face_to_stored(&f.detection),
                    embedding: f.embedding,
                    quality: f.quality,
                })
                .collect();
            PhotoOutcome {
                rel: rel.into(),
                path: path.into(),
                result: Ok(faces),
                timings: a.timings,
            }
        }
        Err(e) => PhotoOutcome {
            rel: rel.into(),
            path: path.into(),
            result: Err(e.to_string()),
            timings: StageTimings::default(),
        },
    }
}
