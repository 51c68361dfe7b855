#!/usr/bin/env bash
# Installs everything Facesort needs on a fresh Debian machine with Rust (rustup),
# Python 3 and Node/npm: the wasm32 target, trunk, wasm-bindgen-cli matching
# Cargo.lock, the Python environment and the verified model files.
source "$(dirname "$0")/lib.sh"
step "wasm32 target"; ensure_wasm_target
step "python environment (.venv)"; ensure_python_env
step "models (models/manifest.json)"; ensure_models
step "trunk $TRUNK_VERSION"; ensure_trunk
step "wasm-bindgen-cli"; ensure_wasm_bindgen
step
