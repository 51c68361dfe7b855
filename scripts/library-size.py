#!/usr/bin/env python3
"""How grouping fares in smaller libraries: a labelled set's faces (a predictions file
written by `facesort predict --with-embeddings`, as scripts/eval-gate.sh leaves in
target/eval/SET/) are grouped again at once with `facesort regroup` on random samples
of the set's photos (1, 1/2, 1/4, 1/10 of them, a few seeds each) and scored with
../shared/eval/score.py on the same sample. Prints one table: mean BCubed P / R / F1
and pairwise P per sample size. A user's library starts small; the evaluation sets
are scored whole.

usage: scripts/library-size.py SET_DIR PREDICTIONS [--seeds N] [-- REGROUP_ARGS...]
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCORER = os.environ.get('FACESORT_SCORER', os.path.join(ROOT, '..', 'shared', 'eval', 'score.py'))
FACESORT = os.path.join(ROOT, 'target', 'release', 'facesort')
FRACTIONS = (1.0, 0.5, 0.25, 0.1)


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    argv = argv[:argv.index('--')] if '--' in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('set_dir')
    ap.add_argument('predictions')
    ap.add_argument('--seeds', type=int, default=3)
    args = ap.parse_args(argv)
    set_dir = os.path.abspath(args.set_dir)
    with open(os.path.join(set_dir, 'labels.csv'), newline='') as fh:
        rows = list(csv.DictReader(fh))
    with open(args.predictions) as fh:
        predictions = json.load(fh)
    if not os.path.exists(FACESORT):
        sys.exit(f'{FACESORT} is missing: cargo build --release --bin facesort')
    print("| photos sampled | photos | BCubed P | BCubed R | BCubed F1 | pairwise P |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for fraction in FRACTIONS:
            seeds = 1 if fraction == 1.0 else args.seeds
            scores = [sample(set_dir, rows, predictions, fraction, seed, extra, tmp)
                      for seed in range(1, seeds + 1)]
            mean = lambda k: sum(s[k] for s in scores) / len(scores)
            print(f"| {fraction:g} ({seeds} sample{'s' if seeds > 1 else ''}) | {mean('photos'):.0f} "
                  f"| {mean('P'):.3f} | {mean('R'):.3f} | {mean('F1'):.3f} | {mean('pairP'):.3f} |")
    print(f"\n{os.path.basename(set_dir)}; regroup {' '.join(extra) or 'with the default settings'}")


def sample(set_dir, rows, predictions, fraction, seed, extra, tmp):
    rng = random.Random(seed)
    keep = [r for r in rows if fraction == 1.0 or rng.random() < fraction]
    out = os.path.join(tmp, f'{fraction}-{seed}')
    os.makedirs(out)
    # score.py reads images' sizes for 'center' targets, relative to the set it is given.
    for entry in os.listdir(set_dir):
        if entry != 'labels.csv':
            os.symlink(os.path.join(set_dir, entry), os.path.join(out, entry))
    with open(os.path.join(out, 'labels.csv'), 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(keep)
    files = {r['file'] for r in keep}
    doc = dict(predictions)
    doc['images'] = {k: v for k, v in predictions['images'].items() if k in files}
    with open(os.path.join(out, 'in.json'), 'w') as fh:
        json.dump(doc, fh)
    # regroup reports its cost on stderr: shown only if it fails.
    run = subprocess.run([FACESORT, 'regroup', os.path.join(out, 'in.json'), '--out', os.path.join(out, 'out.json'), *extra],
                         stderr=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit(f'facesort regroup failed:\n{run.stderr}')
    subprocess.run([sys.executable, SCORER, out, '--pred', os.path.join(out, 'out.json'), '--json',
                    os.path.join(out, 'metrics.json')], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, 'metrics.json')) as fh:
        m = json.load(fh)
    b = m['bcubed_e2e']
    return {'photos': len(keep), 'P': b['P'], 'R': b['R'], 'F1': b['F1'], 'pairP': m['pairwise_e2e']['P']}


if __name__ == '__main__':
    main()
