#!/usr/bin/env python3
"""Draws the app icons in public/icons/ (run with the project's .venv: it has Pillow).

A person's head and shoulders with the yellow face box the app draws, on the
accent blue of public/style.css. "icon-*.png" have rounded corners; "maskable-*.png"
fill the square and keep the drawing inside the central safe zone (80%).
Palette PNGs, so each file stays a few KB.
"""
from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (0x1A, 0x56, 0xDB, 255)  # --accent
BOX = (0xFF, 0xD4, 0x00, 255)  # --box
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"
SUPERSAMPLE = 4


def draw(size: int, maskable: bool) -> Image.Image:
    s = size * SUPERSAMPLE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, s, s], fill=ACCENT)
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=round(0.22 * s), fill=ACCENT)
    # The drawing lives in a unit square scaled to the safe zone for maskable icons.
    k = 0.78 if maskable else 1.0
    off = (1 - k) / 2

    def p(x: float, y: float) -> tuple[int, int]:
        return (round((off + k * x) * s), round((off + k * y) * s))

    # Shoulders: the top of an ellipse, cut by the icon's bottom edge.
    shoulders = Image.new("L", (s, s), 0)
    ImageDraw.Draw(shoulders).ellipse([*p(0.2, 0.66), *p(0.8, 1.2)], fill=255)
    clip = Image.new("L", (s, s), 0)
    ImageDraw.Draw(clip).rectangle([0, 0, s, p(0, 0.86)[1]], fill=255)
    shoulders = Image.composite(shoulders, Image.new("L", (s, s), 0), clip)
    img.paste(WHITE, mask=Image.composite(shoulders, Image.new("L", (s, s), 0), img.getchannel("A")))
    d = ImageDraw.Draw(img)
    d.ellipse([*p(0.36, 0.28), *p(0.64, 0.6)], fill=WHITE)  # head
    d.rounded_rectangle([*p(0.27, 0.18), *p(0.73, 0.68)], radius=round(0.03 * k * s),
                        outline=BOX, width=round(0.045 * k * s))  # the face box
    return img.resize((size, size), Image.LANCZOS)


def save(img: Image.Image, name: str) -> None:
    q = img.quantize(colors=48, method=Image.Quantize.FASTOCTREE)
    q.save(OUT / name, optimize=True)
    print(f"{name}: {(OUT / name).stat().st_size} bytes")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        save(draw(size, maskable=False), f"icon-{size}.png")
    save(draw(512, maskable=True), "maskable-512.png")
