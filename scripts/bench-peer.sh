#!/usr/bin/env bash
# Peer benchmark: Facesort against face-api.js (pinned, WASM backend) on the same
# photos in the same headless Chromium, one table (tests/e2e/peer-bench.mjs).
#   scripts/bench-peer.sh [SET_DIR]    default: ../shared/facedata/dev
# Phone-size photos: .venv/bin/python ../shared/tools/make_phone_set.py \
#   ../shared/facedata/lfw-tune /tmp/phone1000 1000, then scripts/bench-peer.sh /tmp/phone1000
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SET="${1:-$ROOT/../shared/facedata/dev}"
step "install face-api.js for the peer (npm registry, pinned by tests/e2e/peer/package-lock.json)"
npm ci --prefix tests/e2e/peer --no-audit --no-fund --loglevel=error
[ -d tests/e2e/node_modules ] || npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
step "build the app"
./scripts/build.sh
step "benchmark on $SET"
node tests/e2e/peer-bench.mjs "$SET"
