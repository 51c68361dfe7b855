#!/usr/bin/env bash
# Evaluation gate: predict on the labelled development set and require
# BCubed F1 >= 0.99 (end to end), every labelled face found and no face on
# the no-face photos. SET defaults to ../shared/facedata/dev beside the checkout.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SET="${FACESORT_EVAL_SET:-$ROOT/../shared/facedata/dev}"
SCORER="${FACESORT_SCORER:-$ROOT/../shared/eval/score.py}"
out="$ROOT/target/eval"
mkdir -p "$out"
step "predict on $SET"
cargo run --release --quiet --bin facesort -- predict "$SET" --out "$out/predictions.json" --quiet
step "score"
"$ROOT/.venv/bin/python" "$SCORER" "$SET" --pred "$out/predictions.json" --json "$out/metrics.json"
step "gate"
"$ROOT/.venv/bin/python" - "$out/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
checks = [
    ("end-to-end BCubed F1 >= 0.99", m["bcubed_e2e"]["F1"] >= 0.99, f"{m['bcubed_e2e']['F1']:.4f}"),
    ("all labelled faces found", m["labelled_faces_detected"] == m["labelled_faces"], f"{m['labelled_faces_detected']}/{m['labelled_faces']}"),
    ("no face on no-face photos", m["noface_images_with_false_detection"] == 0, f"{m['noface_images_with_false_detection']}/{m['noface_images']} photos with a false face"),
]
for name, ok, value in checks:
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
sys.exit(0 if all(ok for _, ok, _ in checks) else 1)
PY
step
