//! `facesort bench`: photos/s, time per stage and peak memory, as a table.

use crate::{batch, people, PipelineOpts};
use std::path::Path;

/// The seed project's pipeline (dlib HOG + DBSCAN) on the dev set, measured on
/// this kind of machine before Facesort existed; printed for comparison.
const SEED_PHOTOS_PER_S: f64 = 1.56;

pub fn run(set_dir: &Path, opts: &PipelineOpts) -> Result<(), String> {
    let load_start = std::time::Instant::now();
    let pipeline = opts.pipeline()?;
    let load_ms = load_start.elapsed().as_secs_f64() * 1000.0;
    let batch = batch::run(set_dir, opts, &pipeline)?;
    let people = people::cluster_batch(&batch, &opts.cluster_config(), &opts.quality_rules());

    let n = batch.photos.len() as f64;
    let ok = batch.photos.iter().filter(|p| p.result.is_ok()).count();
    let per_photo = |f: fn(&facesort::pipeline::StageTimings) -> f64| {
        batch.photos.iter().map(|p| f(&p.timings)).sum::<f64>() / n
    };
    let faces = batch.face_count();
    let embed_total: f64 = batch.photos.iter().map(|p| p.timings.embed_ms).sum();
    let total_s = batch.wall_s + people.cluster_ms / 1000.0;

    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| photos (decoded ok / failed) | {} ({} / {}) |",
        batch.photos.len(),
        ok,
        batch.photos.len() - ok
    );
    println!("| faces found | {faces} |");
    println!(
        "| people | {} |",
        people
            .assignments
            .iter()
            .flatten()
            .flatten()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    println!("| threads | {} |", batch.jobs);
    println!("| model load | {load_ms:.0} ms |");
    println!("| wall time, all photos + clustering | {total_s:.2} s |");
    println!("| **photos/s end to end** | **{:.2}** |", n / total_s);
    println!(
        "| decode, ms per photo (per thread) | {:.1} |",
        per_photo(|t| t.decode_ms)
    );
    println!(
        "| detect, ms per photo (per thread) | {:.1} |",
        per_photo(|t| t.detect_ms)
    );
    println!(
        "| align + embed, ms per photo (per thread) | {:.1} |",
        per_photo(|t| t.embed_ms)
    );
    println!(
        "| align + embed, ms per face | {:.1} |",
        if faces > 0 {
            embed_total / faces as f64
        } else {
            0.0
        }
    );
    println!("| cluster, ms total | {:.1} |", people.cluster_ms);
    println!(
        "| peak memory (RSS high-water mark) | {} |",
        peak_rss().map_or("n/a".into(), |kb| format!("{:.0} MiB", kb as f64 / 1024.0))
    );
    println!("| seed pipeline (dlib HOG + DBSCAN), reference | {SEED_PHOTOS_PER_S:.2} photos/s |");
    println!(
        "| speed-up over the seed | {:.1}× |",
        n / total_s / SEED_PHOTOS_PER_S
    );
    Ok(())
}

/// Peak resident set size in KiB, from Linux's `/proc/self/status`.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
