//! `facesort`: the face pipeline on the command line.

mod batch;
mod bench;
mod people;
mod predict;
mod sort;

use clap::{Args, Parser, Subcommand};
use facesort::cluster::ClusterConfig;
use facesort::detect::DetectorConfig;
use facesort::pipeline::Pipeline;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "facesort",
    version,
    about = "Sort photos by the people in them, on your own machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect and cluster faces in every photo under SET_DIR and write predictions JSON
    /// (the format of shared/eval/score.py).
    Predict {
        set_dir: PathBuf,
        #[arg(long, default_value = "predictions.json")]
        out: PathBuf,
        /// Also write each face's embedding (for studying thresholds offline).
        #[arg(long)]
        with_embeddings: bool,
        #[command(flatten)]
        opts: PipelineOpts,
    },
    /// Copy photos into one folder per person (a photo with three people goes to
    /// three folders), plus `no-faces/` for photos without a face.
    Sort {
        in_dir: PathBuf,
        out_dir: PathBuf,
        #[command(flatten)]
        opts: PipelineOpts,
    },
    /// Measure throughput, time per stage and peak memory on a folder of photos.
    Bench {
        set_dir: PathBuf,
        #[command(flatten)]
        opts: PipelineOpts,
    },
}

#[derive(Args, Clone)]
pub struct PipelineOpts {
    /// Directory holding the model files named in models/manifest.json.
    #[arg(long, env = "FACESORT_MODELS", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models"))]
    models: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Mean face distance below which two groups of faces are one person.
    #[arg(long, default_value_t = ClusterConfig::DEFAULT_THRESHOLD)]
    threshold: f32,
    /// Minimum detector confidence for a face.
    #[arg(long, default_value_t = DetectorConfig::default().score_threshold)]
    min_score: f32,
    /// Longest side, in pixels, that photos are scaled down to for detection.
    #[arg(long, default_value_t = DetectorConfig::default().max_side)]
    detect_size: u32,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
}

impl PipelineOpts {
    fn pipeline(&self) -> Result<Pipeline, String> {
        let mut p = Pipeline::from_dir(&self.models).map_err(|e| e.to_string())?;
        p.detector.config.score_threshold = self.min_score;
        p.detector.config.max_side = self.detect_size;
        Ok(p)
    }

    fn cluster_config(&self) -> ClusterConfig {
        ClusterConfig {
            threshold: self.threshold,
        }
    }

    fn jobs(&self) -> usize {
        self.jobs
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
            .max(1)
    }
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Predict {
            set_dir,
            out,
            with_embeddings,
            opts,
        } => predict::run(&set_dir, &out, with_embeddings, &opts),
        Command::Sort {
            in_dir,
            out_dir,
            opts,
        } => sort::run(&in_dir, &out_dir, &opts),
        Command::Bench { set_dir, opts } => bench::run(&set_dir, &opts),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
