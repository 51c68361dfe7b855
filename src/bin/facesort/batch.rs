//! Runs the pipeline over a folder with a pool of threads and a progress bar.

use crate::PipelineOpts;
use facesort::face::embedding::Embedding;
use facesort::face::geometry::DetectedFace;
use facesort::face::quality::FaceQuality;
use facesort::pipeline::{Pipeline, StageTimings, SystemClock};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const IMAGE_EXTENSIONS: [&str; 5] = ["jpg", "jpeg", "png", "webp", "gif"];

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

/// Image files under `dir` (by extension, hidden entries skipped), sorted so
/// every run sees the same order; also the number of other files left out.
pub fn list_photos(dir: &Path) -> Result<(Vec<(String, PathBuf)>, usize), String> {
    let mut found = Vec::new();
    let mut others = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| format!("cannot read folder {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read folder {}: {e}", d.display()))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((rel, path));
            } else {
                others += 1;
            }
        }
    }
    found.sort();
    Ok((found, others))
}

pub fn run(dir: &Path, opts: &PipelineOpts, pipeline: &Pipeline) -> Result<Batch, String> {
    let (files, skipped_non_images) = list_photos(dir)?;
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
    if skipped_non_images > 0 {
        let files = if skipped_non_images == 1 {
            "file that is"
        } else {
            "files that are"
        };
        eprintln!("note: left out {skipped_non_images} {files} not a JPEG, PNG, WebP or GIF photo");
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
