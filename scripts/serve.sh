#!/usr/bin/env bash
# Sets everything up, builds the app in release mode and serves it on
# http://127.0.0.1:${PORT:-8080}/.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
exec trunk serve --release --address 127.0.0.1 --port "${PORT:-8080}"
