#!/usr/bin/env bash
# Runs every test: native unit and integration tests (real models, real photos)
# and a check that the library builds for the browser (wasm32).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
step "wasm32 target"; ensure_wasm_target
step "python environment (.venv)"; ensure_python_env
step "models (models/manifest.json)"; ensure_models
step "native tests (cargo test --release)"
cargo test --release --all-targets
step "library for the browser (wasm32, pipeline feature)"
cargo build --release --lib --target wasm32-unknown-unknown --no-default-features --features pipeline
step
