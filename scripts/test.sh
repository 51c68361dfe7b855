#!/usr/bin/env bash
# Runs every test: native unit and integration tests (real models, real photos),
# then the web app built in release and driven end to end in headless Chromium.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
step "formatting and lints (rustfmt, leptosfmt, clippy -D warnings on every target)"
cargo fmt --check
leptosfmt --quiet --config-file leptosfmt.toml --check src/web/ui
cargo clippy --release --all-targets -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --no-default-features --features app \
  --lib --bin app --test web -- -D warnings
cargo clippy --release --target wasm32-unknown-unknown --no-default-features --features worker \
  --lib --bin worker --test browser_decode --test wasm_kernels -- -D warnings
step "native tests (cargo test --release)"
cargo test --release --all-targets
step "browser unit tests (wasm-bindgen-test in headless Chromium)"
CHROMEDRIVER="$(command -v chromedriver)" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown --no-default-features --features app --test web
CHROMEDRIVER="$(command -v chromedriver)" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --release --target wasm32-unknown-unknown --no-default-features --features worker --test browser_decode --test wasm_kernels
"$ROOT/scripts/build.sh"
step "end-to-end tests in headless Chromium and Firefox (tests/e2e)"
# In a zone half an hour off UTC (this machine keeps UTC): where the user's local time is
# meant (zip entries' dates, "first seen"), a time taken as UTC then fails.
TZ=Asia/Kolkata node --test --test-concurrency=1 tests/e2e/
step
