#!/usr/bin/env bash
# Builds the deployable app into dist/ (release, no development autoreload),
# from a fresh shell: sets up the pinned tools first (wasm-opt, trunk,
# wasm-bindgen-cli), which a bare `trunk build` would not find.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
step "web app (trunk build --release into dist/)"
trunk build --release "$@"
step "check: dist/ is deployable"
node "$ROOT/scripts/check-dist.mjs" dist
step
