#!/usr/bin/env bash
# Installs everything Facesort needs on a fresh Debian machine with Rust (rustup),
# Python 3 and Node/npm: the wasm32 target, trunk, wasm-bindgen-cli matching
# Cargo.lock, wasm-opt, leptosfmt, the Python environment, the verified model files, and
# Debian's Chromium with the end-to-end tests' npm packages.
source "$(dirname "$0")/lib.sh"
step "wasm32 target"; ensure_wasm_target
step "python environment (.venv)"; ensure_python_env
step "models (models/manifest.json)"; ensure_models
step "trunk $TRUNK_VERSION"; ensure_trunk
step "wasm-bindgen-cli"; ensure_wasm_bindgen
step "wasm-opt (binaryen from npm)"; ensure_wasm_opt
step "leptosfmt $LEPTOSFMT_VERSION"; ensure_leptosfmt
step "browser for the end-to-end tests"; "$ROOT/scripts/install-browser.sh"
step
