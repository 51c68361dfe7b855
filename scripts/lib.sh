# Shared helpers for the project's scripts. Every step is idempotent and fast
# when its tool is already present, so the scripts can run on every invocation.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/scripts/wasm-opt/node_modules/.bin:$PATH"
TRUNK_VERSION=0.21.14
LEPTOSFMT_VERSION=0.1.33

step_start=0
step() { # step NAME: prints a heading and, for the previous step, how long it took
  local now; now=$(date +%s)
  if [ "$step_start" != 0 ]; then echo "    ($((now - step_start)) s)"; fi
  step_start=$now
  [ $# -gt 0 ] && echo "==> $*"
  return 0
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
    echo "installing trunk $TRUNK_VERSION (a cold build takes about 30 minutes on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

# Formats Leptos `view!` macro bodies, which rustfmt leaves alone.
ensure_leptosfmt() {
  if ! leptosfmt --version 2>/dev/null | grep -q " $LEPTOSFMT_VERSION"; then
    echo "installing leptosfmt $LEPTOSFMT_VERSION (about 3 minutes on 2 cores)"
    cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked
  fi
}

# wasm-bindgen's CLI must equal the crate version in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock" 2>/dev/null || true)
  [ -n "$want" ] || return 0
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    echo "installing wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# wasm-opt from npm (pinned in scripts/wasm-opt/package-lock.json).
ensure_wasm_opt() {
  local dir="$ROOT/scripts/wasm-opt" stamp want
  stamp="$dir/node_modules/.package-lock.sha256"
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! wasm-opt --version >/dev/null 2>&1; then
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
    echo "$want" > "$stamp"
  fi
}

# One virtualenv for the model converter (exact pins: its output bytes depend on
# them) and for the evaluation scorer (Pillow).
ensure_python_env() {
  local venv="$ROOT/.venv" stamp want
  want=$(cat "$ROOT/models/tools/requirements.txt" "$ROOT/models/tools/requirements-dev.txt" | sha256sum | cut -d' ' -f1)
  stamp="$venv/requirements.sha256"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$ROOT/models/tools/requirements.txt" -r "$ROOT/models/tools/requirements-dev.txt"
    echo "$want" > "$stamp"
  fi
}

ensure_models() {
  "$ROOT/.venv/bin/python" "$ROOT/models/fetch.py"
}
