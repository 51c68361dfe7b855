#!/usr/bin/env bash
# Installs what the end-to-end tests need: Debian's Chromium and ChromeDriver (via apt,
# only if `chromium --version` fails) and tests/e2e's npm packages (npm ci, only if
# node_modules is missing or package-lock.json changed since the last install).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"

if chromium --version >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null)"
else
  echo "chromium: not found, installing chromium and chromium-driver with apt"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium chromium-driver
  echo "chromium: $(chromium --version 2>/dev/null)"
fi

stamp="$E2E/node_modules/.package-lock.sha256"
want=$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)
if [ -d "$E2E/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "tests/e2e/node_modules: up to date with package-lock.json"
else
  echo "tests/e2e/node_modules: running npm ci"
  (cd "$E2E" && npm ci --no-audit --no-fund)
  echo "$want" > "$stamp"
fi
echo "playwright-core: $(node -p "require('$E2E/node_modules/playwright-core/package.json').version")"
