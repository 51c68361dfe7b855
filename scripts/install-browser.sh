#!/usr/bin/env bash
# Installs what the end-to-end tests need: Debian's Chromium, ChromeDriver and Firefox ESR
# (via apt, only those missing) and tests/e2e's npm packages (npm ci, only if
# node_modules is missing or package-lock.json changed since the last install).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/tests/e2e"

# Debian's packages, only those missing: Chromium and its driver for most tests, Firefox ESR
# for the one that runs the app in a browser without Chromium's file APIs.
missing=()
chromium --version >/dev/null 2>&1 || missing+=(chromium chromium-driver)
[ -n "${FIREFOX_PATH:-}" ] || firefox-esr --version >/dev/null 2>&1 || missing+=(firefox-esr)
# The end-to-end tests run in a zone other than UTC (scripts/test.sh).
[ -e /usr/share/zoneinfo/Asia/Kolkata ] || missing+=(tzdata)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing with apt: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi
echo "chromium: $(chromium --version 2>/dev/null)"
echo "firefox: $("${FIREFOX_PATH:-firefox-esr}" --version 2>/dev/null)"

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
echo "puppeteer-core: $(node -p "require('$E2E/node_modules/puppeteer-core/package.json').version")"
