#!/usr/bin/env python3
"""How "Find a person"'s minimum similarity trades right photos for wrong ones.

Each labelled single-face photo of a set in turn is the reference (then random pairs of
one person's photos, as two references), searched against every other photo of the set
labelled with one person, the way the page searches: a photo's similarity is its best
face's 1 - (mean Euclidean distance to the references). Prints micro precision, recall,
F0.5 (precision weighs double: a stranger's photo handed to a guest costs more than a
missed one) and the share of searches that showed at least one wrong photo, per minimum.

Usage: scripts/find-threshold.py SET_DIR PREDICTIONS.json
PREDICTIONS.json is `facesort predict SET --with-embeddings` output; scripts/eval-gate.sh
leaves one per set in target/eval/<set>/predictions.json. Needs numpy.
"""
import csv
import json
import random
import sys
from collections import defaultdict

import numpy as np

MINIMA = [0.42, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.58, 0.60]


def main(set_dir, predictions):
    labels = {r["file"]: r for r in csv.DictReader(open(f"{set_dir}/labels.csv"))}
    images = json.load(open(predictions))["images"]
    photos = []  # (identity, embeddings of its faces)
    for name, faces in sorted(images.items()):
        row = labels.get(name)
        if not row or row["person_count"] != "1" or not row["identity"] or not faces:
            continue
        photos.append((row["identity"], np.array([f["embedding"] for f in faces], dtype=np.float64)))
    faces = np.concatenate([e for _, e in photos])
    owner = np.concatenate([[i] * len(e) for i, (_, e) in enumerate(photos)])
    identity = np.array([who for who, _ in photos])

    def best_similarity(refs):
        distance = np.mean([np.linalg.norm(faces - r, axis=1) for r in refs], axis=0)
        best = np.full(len(photos), -np.inf)
        np.maximum.at(best, owner, 1.0 - distance)
        return best

    # References are photos with one face found, as a user's selfie would be.
    by_person = defaultdict(list)
    for i, (who, e) in enumerate(photos):
        if len(e) == 1:
            by_person[who].append(i)
    for n_refs in (1, 2):
        rng = random.Random(7)
        tp, fp, wrong_search = (defaultdict(int) for _ in range(3))
        to_find = searches = 0
        for who, members in sorted(by_person.items()):
            if len(members) < n_refs + 1:
                continue
            ref_sets = ([[m] for m in members] if n_refs == 1
                        else [rng.sample(members, 2) for _ in range(min(len(members), 5))])
            for refs in ref_sets:
                similarity = best_similarity([photos[m][1][0] for m in refs])
                others = np.ones(len(photos), bool)
                others[refs] = False
                truth = identity[others] == who
                score = similarity[others]
                to_find += int(truth.sum())
                searches += 1
                for t in MINIMA:
                    shown = score >= t
                    tp[t] += int((shown & truth).sum())
                    fp[t] += int((shown & ~truth).sum())
                    wrong_search[t] += int((shown & ~truth).any())
        print(f"{set_dir.rstrip('/').split('/')[-1]}: {n_refs} reference(s), {searches} searches, {to_find} photos to find")
        print("  minimum  precision  recall  F0.5   searches showing a wrong photo")
        for t in MINIMA:
            p = tp[t] / max(1, tp[t] + fp[t])
            r = tp[t] / max(1, to_find)
            f = 1.25 * p * r / max(1e-9, 0.25 * p + r)
            print(f"  {t:.2f}     {p:.3f}      {r:.3f}   {f:.3f}  {wrong_search[t] / max(1, searches):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
