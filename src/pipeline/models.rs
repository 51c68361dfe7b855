//! The model files the pipeline runs, as pinned in `models/manifest.json`, and
//! the errors of loading and running them.

use serde::Deserialize;

/// The manifest is the single source of truth for file names and checksums,
/// shared with the scripts that obtain the files.
pub const MANIFEST_JSON: &str = include_str!("../../models/manifest.json");

#[derive(Clone, Debug, Deserialize)]
pub struct ModelEntry {
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub licence: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    pub detector: ModelEntry,
    pub embedder: ModelEntry,
}

pub fn manifest() -> Manifest {
    serde_json::from_str(MANIFEST_JSON).expect("models/manifest.json is valid (checked by tests)")
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the {model} model could not be loaded: {reason}")]
    Load { model: &'static str, reason: String },
    #[error("the {model} model failed while running: {reason}")]
    Run { model: &'static str, reason: String },
}

#[cfg(test)]
mod tests {
    #[test]
    fn manifest_parses_and_pins_sha256_checksums() {
        let m = super::manifest();
        for e in [m.detector, m.embedder] {
            assert_eq!(e.sha256.len(), 64, "{}", e.name);
            assert!(e.sha256.chars().all(|c| c.is_ascii_hexdigit()));
            assert!(e.file.ends_with(".onnx"));
        }
    }
}
