#!/usr/bin/env python3
"""Crowd photos, to measure how small a face the detector still finds in a 12 MP photo.

  scripts/crowd.py make SRC_SET OUT_DIR TILE N   N photos of 4032x3024: SRC_SET's portraits
                                                 (e.g. lfw-tune) tiled TILE px square, with
                                                 sensor-like noise, JPEG q90; the tiles are
                                                 kept in OUT_DIR/truth.json
  scripts/crowd.py score OUT_DIR PREDICTIONS     the share of tiles whose own face (the one
                                                 near the tile's centre, the LFW convention)
                                                 was found, from `facesort predict` output

e.g. for t in 240 160 120 96; do scripts/crowd.py make ../shared/facedata/lfw-tune /tmp/crowd$t $t 3; done
     facesort predict /tmp/crowd120 --no-flip --detect-size 768 --out /tmp/p.json
     scripts/crowd.py score /tmp/crowd120 /tmp/p.json
"""
import csv
import json
import os
import sys

W, H = 4032, 3024


def make(src, out, tile, n):
    import numpy as np
    from PIL import Image
    with open(os.path.join(src, 'labels.csv'), newline='') as fh:
        rows = list(csv.DictReader(fh))
    os.makedirs(os.path.join(out, 'images'), exist_ok=True)
    truth, k = {}, 0
    for i in range(n):
        canvas = Image.new('RGB', (W, H), (128, 128, 128))
        tiles = []
        for y in range(0, H - tile + 1, tile):
            for x in range(0, W - tile + 1, tile):
                r = rows[k % len(rows)]
                k += 1
                im = Image.open(os.path.join(src, r['file'])).convert('RGB').resize((tile, tile), Image.BICUBIC)
                canvas.paste(im, (x, y))
                tiles.append([x, y, tile])
        a = np.asarray(canvas, dtype=np.int16)
        a = np.clip(a + np.random.default_rng(i).normal(0, 6, a.shape), 0, 255).astype(np.uint8)
        name = f'images/crowd{tile}_{i:02d}.jpg'
        Image.fromarray(a).save(os.path.join(out, name), quality=90)
        truth[name] = tiles
    with open(os.path.join(out, 'truth.json'), 'w') as fh:
        json.dump(truth, fh)


def score(out, pred_file):
    with open(os.path.join(out, 'truth.json')) as fh:
        truth = json.load(fh)
    with open(pred_file) as fh:
        pred = json.load(fh)['images']
    found = total = other = 0
    widths = []
    for name, tiles in truth.items():
        hit = set()
        for face in pred.get(name, []):
            left, top, right, bottom = face['box']
            cx, cy = (left + right) / 2, (top + bottom) / 2
            mine = [i for i, (x, y, s) in enumerate(tiles)
                    if abs(cx - (x + s / 2)) < s * 0.2 and abs(cy - (y + s / 2)) < s * 0.25]
            if mine:
                hit.update(mine)
                widths.append(right - left)
            else:
                other += 1
        found += len(hit)
        total += len(tiles)
    if total == 0:
        sys.exit(f'no tiles in {out}: the tile size is larger than the photo')
    widths.sort()
    median = widths[len(widths) // 2] if widths else 0
    print(f'portraits\' faces found {found}/{total} = {found / total:.3f} (median width {median:.0f} px); '
          f'{other} other faces (background people in the portraits, or false)')


if __name__ == '__main__':
    if len(sys.argv) == 6 and sys.argv[1] == 'make':
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) == 4 and sys.argv[1] == 'score':
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
