#!/usr/bin/env bash
# Sets everything up, builds the deployable app into dist/ and serves that
# build, as it is, on http://127.0.0.1:${PORT:-8080}/. Nothing development-only
# (no Trunk autoreload) is written into dist/, so it can be copied to a host.
# For live rebuilds while editing, use `trunk serve --dist target/serve` instead.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/build.sh"
cd "$ROOT"
echo "serving dist/ on http://127.0.0.1:${PORT:-8080}/ (Ctrl+C to stop)"
exec node tests/e2e/server.mjs dist "${PORT:-8080}"
