#!/usr/bin/env bash
# Prints BCubed and pairwise precision/recall/F1 over grouping thresholds for a
# labelled set (any folder with labels.csv, scored by ../shared/eval/score.py).
#
#   scripts/sweep.sh SET_DIR [THRESHOLD ...]
#
# The photos are analysed once (`facesort predict --with-embeddings`, kept in
# target/sweep/); each threshold then only regroups (`facesort regroup`), so a
# sweep of lfw-tune takes a minute or two. Other grouping settings go in
# SWEEP_ARGS, e.g. SWEEP_ARGS="--neighbours 0 --shared-weight 0 --all-sure".
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ $# -ge 1 ] || { echo "usage: scripts/sweep.sh SET_DIR [THRESHOLD ...]" >&2; exit 2; }
SET="$(cd "$1" && pwd)"; shift
THRESHOLDS=("$@")
[ ${#THRESHOLDS[@]} -gt 0 ] || THRESHOLDS=(0.58 0.60 0.62 0.63 0.64 0.66)
SCORER="${FACESORT_SCORER:-$ROOT/../shared/eval/score.py}"
out="$ROOT/target/sweep/$(basename "$SET")"
mkdir -p "$out"
cargo build --release --quiet --bin facesort
if [ ! -f "$out/analysed.json" ] || [ -n "${SWEEP_FRESH:-}" ]; then
  ./target/release/facesort predict "$SET" --out "$out/analysed.json" --with-embeddings --quiet ${PREDICT_ARGS:-}
fi
echo "$(basename "$SET") ${SWEEP_ARGS:-(default settings)}"
echo
echo "| threshold | BCubed P / R / F1 | pairwise P / R / F1 | people | unassigned faces |"
echo "|---|---|---|---|---|"
for t in "${THRESHOLDS[@]}"; do
  # shellcheck disable=SC2086
  ./target/release/facesort regroup "$out/analysed.json" --out "$out/t$t.json" --threshold "$t" ${SWEEP_ARGS:-}
  "$ROOT/.venv/bin/python" "$SCORER" "$SET" --pred "$out/t$t.json" --json "$out/t$t.metrics.json" >/dev/null 2>&1
  "$ROOT/.venv/bin/python" - "$t" "$out/t$t.metrics.json" <<'PY'
import json, sys
t, m = sys.argv[1], json.load(open(sys.argv[2]))
b, p = m["bcubed_e2e"], m["pairwise_e2e"]
print(f"| {t} | {b['P']:.3f} / {b['R']:.3f} / {b['F1']:.3f} | {p['P']:.3f} / {p['R']:.3f} / {p['F1']:.3f} "
      f"| {m['pred_clusters_all_faces'] - m['pred_unassigned_faces']} | {m['pred_unassigned_faces']} |")
PY
done
