#!/usr/bin/env python3
"""Convert face-api's dlib ResNet-34 face descriptor net (TFJS, uint8) to ONNX.

Source: npm `@vladmandic/face-api@1.7.15`, files `model/face_recognition_model-weights_manifest.json`
and `model/face_recognition_model.bin`. The graph mirrors face-api's `FaceRecognitionNet.forwardInput`
(src/faceRecognitionNet/*.ts, same code in dist/): input `input` [N,3,150,150] float32 raw RGB 0..255,
output `embedding` [N,128]. The output file is byte-for-byte reproducible.

usage: python3 convert_dlib_resnet.py --package-dir DIR --out PATH.onnx
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MANIFEST = "face_recognition_model-weights_manifest.json"
# Refuse anything but the exact files we validated against TFJS.
EXPECTED_SHA256 = {
    MANIFEST: "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b",
    "face_recognition_model.bin": "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589",
}
MEAN_RGB = (122.782, 117.001, 104.298)  # face-api normalize(); then .div(255), not 256
OPSET, IR_VERSION = 13, 7
INPUT_HW = 150
BLOCKS = (["conv32_1", "conv32_2", "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3",
           "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2",
           "conv256_down_out"])


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def sha256(path):
    return hashlib.sha256(read_bytes(path)).hexdigest()


def load_weights(model_dir):
    """Return {name: (raw ndarray, quantization dict or None)} exactly as stored in the shards."""
    for name, want in EXPECTED_SHA256.items():
        got = sha256(os.path.join(model_dir, name))
        if got != want:
            sys.exit(f"{name}: sha256 {got} != expected {want}")
    with open(os.path.join(model_dir, MANIFEST)) as f:
        manifest = json.load(f)
    out = {}
    for group in manifest:
        # A group's shards are one contiguous buffer; tensors may straddle shard boundaries.
        buf = b"".join(read_bytes(os.path.join(model_dir, p)) for p in group["paths"])
        off = 0
        for w in group["weights"]:
            q = w.get("quantization")
            dtype = np.dtype(q["dtype"] if q else w["dtype"]).newbyteorder("<")
            n = int(np.prod(w["shape"], dtype=np.int64))
            arr = np.frombuffer(buf, dtype=dtype, count=n, offset=off).reshape(w["shape"])
            off += n * dtype.itemsize
            out[w["name"]] = (arr, q)
        if off != len(buf):
            sys.exit(f"manifest does not cover shard bytes ({off} != {len(buf)})")
    return out


class Builder:
    def __init__(self, weights):
        self.w, self.nodes, self.inits, self.n = weights, [], [], 0

    def node(self, op, inputs, **attrs):
        self.n += 1
        out = f"{op.lower()}_{self.n}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def param(self, tf_name, layout):
        """Initialiser for a TF weight, rearranged to ONNX layout, dequantised inside the graph.

        Layout changes are applied to the uint8 codes (per-tensor affine quantisation commutes with
        any permutation/reshape), so the file keeps 1 byte per weight. The dequantise runs in
        float32. Float64 would reproduce TFJS's weights bit for bit (it dequantises in JS doubles;
        float32 differs in the last bit, ~4e-6 at the output), but tract only folds constants
        whose result stays under 4 MiB, and the 256-channel filters in float64 exceed that: they
        were then dequantised again on every run, making the net 10x slower.
        """
        arr, q = self.w[tf_name]
        arr = layout(arr)
        if q is None:  # the conv64_* filters are stored as plain float32 in the shard
            return self.const(tf_name, arr.astype(np.float32))
        if q["dtype"] != "uint8":
            sys.exit(f"{tf_name}: unsupported quantisation {q['dtype']}")
        codes = self.const(tf_name + "/q", arr)
        scale = self.const(tf_name + "/scale", np.array(q["scale"], np.float32))
        zero = self.const(tf_name + "/min", np.array(q["min"], np.float32))
        x = self.node("Cast", [codes], to=TensorProto.FLOAT)
        return self.node("Add", [self.node("Mul", [x, scale]), zero])

    def conv_layer(self, x, prefix, stride, relu, pad):
        """face-api convLayer: conv2d + bias, then scale layer (x*weights + biases), optional relu."""
        hwio_to_oihw = lambda a: a.transpose(3, 2, 0, 1)
        per_channel = lambda a: a.reshape(-1, 1, 1)
        k = self.w[prefix + "/conv/filters"][0].shape[0]
        # face-api uses 'valid' for every stride-2 conv and 'same' only at stride 1, where TF pads
        # an odd kernel symmetrically; TF's asymmetric stride-2 'same' padding never arises.
        assert pad == "valid" or stride == 1, (prefix, stride, pad)
        p = (k - 1) // 2 if pad == "same" else 0
        y = self.node("Conv", [x, self.param(prefix + "/conv/filters", hwio_to_oihw),
                               self.param(prefix + "/conv/bias", lambda a: a)],
                      kernel_shape=[k, k], strides=[stride, stride], pads=[p, p, p, p])
        y = self.node("Mul", [y, self.param(prefix + "/scale/weights", per_channel)])
        y = self.node("Add", [y, self.param(prefix + "/scale/biases", per_channel)])
        return self.node("Relu", [y]) if relu else y

    def pad(self, x, pads):
        return self.node("Pad", [x, self.const(f"pads_{self.n + 1}", np.array(pads, np.int64))])


def build(weights):
    b = Builder(weights)
    mean = b.const("mean_rgb", np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1))
    x = b.node("Div", [b.node("Sub", ["input", mean]), b.const("div", np.array(255, np.float32))])
    x = b.conv_layer(x, "conv32_down", 2, True, "valid")
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    hw, ch = ((INPUT_HW - 7) // 2 + 1 - 3) // 2 + 1, 32  # static spatial size tracking
    for blk in BLOCKS:
        out_ch = b.w[blk + "/conv1/conv/filters"][0].shape[3]
        if "_down" not in blk:
            y = b.conv_layer(x, blk + "/conv1", 1, True, "same")
            y = b.conv_layer(y, blk + "/conv2", 1, False, "same")
            x = b.node("Relu", [b.node("Add", [y, x])])
            continue
        y = b.conv_layer(x, blk + "/conv1", 2, True, "valid")
        y = b.conv_layer(y, blk + "/conv2", 1, False, "same")
        pooled = b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        conv_hw, pool_hw = (hw - 3) // 2 + 1, (hw - 2) // 2 + 1
        if conv_hw != pool_hw:
            # residualDown concatenates one zero row, then one zero column, after the conv branch.
            assert pool_hw == conv_hw + 1, (blk, hw)
            y = b.pad(y, [0, 0, 0, 0, 0, 0, 1, 1])
        if out_ch != ch:
            # ...and zero channels after the pooled shortcut (it only supports doubling).
            assert out_ch == 2 * ch, (blk, ch, out_ch)
            pooled = b.pad(pooled, [0, 0, 0, 0, 0, ch, 0, 0])
        x = b.node("Relu", [b.node("Add", [pooled, y])])
        hw, ch = pool_hw, out_ch
    x = b.node("ReduceMean", [x], axes=[2, 3], keepdims=0)
    b.nodes.append(helper.make_node("MatMul", [x, b.param("fc", lambda a: a)], ["embedding"],
                                    name="fc"))
    graph = helper.make_graph(
        b.nodes, "dlib_resnet34_face_descriptor",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, INPUT_HW, INPUT_HW])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 128])],
        initializer=b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="facesort-convert_dlib_resnet", producer_version="1")
    model.ir_version = IR_VERSION
    model.doc_string = ("dlib_face_recognition_resnet_model_v1 (weights CC0, Davis King) via "
                        "@vladmandic/face-api@1.7.15 (MIT). Input raw RGB 0..255 NCHW; "
                        "(x - mean) / 255 is done in-graph.")
    for k, v in sorted(EXPECTED_SHA256.items()):
        model.metadata_props.append(onnx.StringStringEntryProto(key="sha256:" + k, value=v))
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package-dir", required=True, help="extracted npm tarball's package/ folder")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.package_dir, "package.json")) as f:
        pkg = json.load(f)
    if (pkg.get("name"), pkg.get("version")) != ("@vladmandic/face-api", "1.7.15"):
        sys.exit(f"expected @vladmandic/face-api 1.7.15, got {pkg.get('name')} {pkg.get('version')}")
    model = build(load_weights(os.path.join(args.package_dir, "model")))
    onnx.checker.check_model(model, full_check=True)
    data = model.SerializeToString(deterministic=True)
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
