//! `facesort`: the face pipeline on the command line.

mod batch;
mod bench;
mod people;
mod predict;
mod regroup;
mod sort;

use clap::{Args, Parser, Subcommand};
use facesort::face::quality::QualityRules;
use facesort::people::cluster::ClusterConfig;
use facesort::pipeline::detect::DetectorConfig;
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
    /// Group the faces of a predictions file written with --with-embeddings again,
    /// with other grouping settings (no photo is read: for sweeps).
    Regroup {
        predictions: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        grouping: GroupingOpts,
        #[command(flatten)]
        page: regroup::AsPage,
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
    #[command(flatten)]
    grouping: GroupingOpts,
    /// Minimum detector confidence for a face.
    #[arg(long, default_value_t = DetectorConfig::default().score_threshold)]
    min_score: f32,
    /// Longest side, in pixels, that photos are scaled down to for detection.
    #[arg(long, default_value_t = DetectorConfig::default().max_side)]
    detect_size: u32,
    /// Embed each face only as it is, not also mirrored (half the embedding
    /// cost; lower accuracy, see the README's Evaluation section).
    #[arg(long)]
    no_flip: bool,
    /// Decode every photo whole, instead of a large JPEG small first to find
    /// its faces (the baseline for benchmarks).
    #[arg(long)]
    full_decode: bool,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
}

impl PipelineOpts {
    fn pipeline(&self) -> Result<Pipeline, String> {
        let mut p = Pipeline::from_dir(&self.models).map_err(|e| e.to_string())?;
        p.detector.config.score_threshold = self.min_score;
        p.detector.config.max_side = self.detect_size;
        p.flip = !self.no_flip;
        p.decode.preview = !self.full_decode;
        p.rules = self.quality_rules();
        Ok(p)
    }

    fn cluster_config(&self) -> ClusterConfig {
        self.grouping.cluster_config()
    }

    fn quality_rules(&self) -> QualityRules {
        self.grouping.quality_rules()
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

/// How faces are grouped into people.
#[derive(Args, Clone)]
pub struct GroupingOpts {
    /// Mean face distance below which two groups of faces are one person.
    #[arg(long, default_value_t = ClusterConfig::DEFAULT.threshold)]
    threshold: f32,
    /// Nearest faces that make a face's neighbourhood (0: plain distances).
    #[arg(long, default_value_t = ClusterConfig::DEFAULT.neighbours)]
    neighbours: usize,
    /// How much two faces' distance grows when their neighbourhoods differ.
    #[arg(long, default_value_t = ClusterConfig::DEFAULT.shared_weight)]
    shared_weight: f32,
    /// Mean distance below which an unsure face joins a person.
    #[arg(long, default_value_t = ClusterConfig::DEFAULT.attach_threshold)]
    attach_threshold: f32,
    /// Treat every face as sure (no quality rules).
    #[arg(long)]
    all_sure: bool,
    /// Fewer pixels between the eyes than this make a face unsure.
    #[arg(long, default_value_t = QualityRules::DEFAULT.min_eye_px)]
    min_eye_px: f32,
    /// A detector score below this makes a face unsure.
    #[arg(long, default_value_t = QualityRules::DEFAULT.min_score)]
    min_sure_score: f32,
    /// A chip sharpness below this makes a face unsure.
    #[arg(long, default_value_t = QualityRules::DEFAULT.min_sharpness)]
    min_sharpness: f32,
}

impl GroupingOpts {
    fn cluster_config(&self) -> ClusterConfig {
        ClusterConfig {
            threshold: self.threshold,
            neighbours: self.neighbours,
            shared_weight: self.shared_weight,
            attach_threshold: self.attach_threshold,
        }
    }

    fn quality_rules(&self) -> QualityRules {
        if self.all_sure {
            QualityRules::ACCEPT_ALL
        } else {
            QualityRules {
                min_eye_px: self.min_eye_px,
                min_score: self.min_sure_score,
                min_sharpness: self.min_sharpness,
                ..QualityRules::DEFAULT
            }
        }
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
        Command::Regroup {
            predictions,
            out,
            grouping,
            page,
        } => regroup::run(&predictions, &out, &grouping, &page),
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
