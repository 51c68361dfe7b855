#!/usr/bin/env python3
"""Make the 150x150 RGB face chips in tests/fixtures/embedder/ used by the embedder parity test.

usage: python3 models/tools/make_chips.py [--repo DIR]   (Pillow pinned in requirements-dev.txt)
"""
import argparse
import os

from PIL import Image

# Square crops (left, top, right, bottom) picked by eye, roughly like a dlib face chip with
# padding 0.25: eyes a third of the way down, face centred. Collins' eyes are at about
# (202,102) and (247,102) in the 512x512 photo.
CHIPS = {
    "chip_collins.png": ("eileen_collins_nasa.png", (160, 60, 290, 190), False),
    "chip_collins_mirror.png": ("eileen_collins_nasa.png", (160, 60, 290, 190), True),
    "chip_cameraman.png": ("cameraman_cc0.png", (160, 95, 284, 219), False),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = ap.parse_args()
    out_dir = os.path.join(args.repo, "tests", "fixtures", "embedder")
    os.makedirs(out_dir, exist_ok=True)
    for name, (src, box, mirror) in sorted(CHIPS.items()):
        with Image.open(os.path.join(args.repo, "tests", "photos", src)) as im:
            # The cameraman photo is 8-bit grayscale; the embedder wants 3 equal RGB channels.
            chip = im.convert("RGB").crop(box).resize((150, 150), Image.Resampling.LANCZOS)
        if mirror:
            chip = chip.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        # Drop inherited metadata (the Collins photo's sRGB ICC profile): pixels only, so the
        # bytes depend on nothing but the pinned Pillow.
        chip.info = {}
        chip.save(os.path.join(out_dir, name), format="PNG", optimize=False, compress_level=9)
        print(name)


if __name__ == "__main__":
    main()
