#!/usr/bin/env python3
"""Writes the safetensors test fixtures with numpy + struct + json only (no safetensors package),
following the format described in the huggingface/safetensors README:

  8 bytes   N, little-endian u64: length of the JSON header
  N bytes   JSON header, UTF-8: {"__metadata__": {str: str}, "name": {"dtype": ..., "shape": [...],
            "data_offsets": [begin, end]}, ...}, padded with spaces (0x20) to a multiple of 8
            (as the reference Rust writer does); compact JSON, "__metadata__" first
  rest      raw little-endian tensor bytes; data_offsets are relative to the first byte after the header

Tensors are written in the order given (offsets contiguous). Run from this directory:
  python3 make_fixtures.py
It writes
  mixed_dtypes.safetensors   F32, F16, BF16 and F64 tensors (incl. a scalar and an empty tensor)
  mixed_dtypes.expected.json for every tensor: shape and the float32 bit patterns numpy gets when it
                             converts the stored values to float32 (what the Java reader must return)
  f32_only.safetensors       F32 tensors in a non-sorted order, with metadata: the Java writer must
                             produce exactly these bytes from the same tensors, order and metadata
"""
import json
import struct

import numpy as np


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype string, raw little-endian bytes, shape)."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, raw, shape in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, raw, _ in tensors:
            f.write(raw)


def bf16_from_f32(a):
    """bfloat16 by round-to-nearest-even of the float32 bits (numpy has no bfloat16 dtype)."""
    bits = a.astype("<f4").view("<u4").astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def main():
    tensors = []      # (name, dtype, raw bytes, shape)
    expected = {}     # name -> {"shape": [...], "f32_bits": [...]}

    def add(name, dtype, raw, shape, as_f32):
        tensors.append((name, dtype, raw, shape))
        expected[name] = {"shape": list(shape),
                          "f32_bits": [int(b) for b in np.asarray(as_f32, dtype="<f4").reshape(-1).view("<u4")]}

    # F32: non-trivial values (thirds, sevenths) and signed zero
    w = (np.arange(12, dtype=np.float64).reshape(3, 4) / 3.0 - 1.0 / 7.0).astype("<f4")
    w[0, 0] = -0.0
    add("blocks.0.weight", "F32", w.tobytes(), w.shape, w)

    # F16: normal, subnormal (2^-24), max (65504), -0, inf, nan
    h = np.array([1.0, -2.5, 2.0 ** -24, 65504.0, -0.0, np.inf, np.nan, 0.1], dtype="<f2")
    add("blocks.0.half", "F16", h.tobytes(), (2, 4), h.astype("<f4"))

    # BF16 from rounded float32 values
    src = np.array([3.14159265, -1e-3, 1e30, 0.5, -7.0, 2.0 ** -130], dtype="<f4")
    b = bf16_from_f32(src)
    add("blocks.0.brain", "BF16", b.tobytes(), (3, 2), (b.astype(np.uint32) << 16).view("<f4"))

    # F64: values that need rounding to float32, plus one that overflows to inf
    d = np.array([0.1, -1.0 / 3.0, 1e-50, 1e300, 123456789.123456789], dtype="<f8")
    with np.errstate(over="ignore"):
        add("head.bias", "F64", d.tobytes(), (5,), d.astype("<f4"))

    # scalar (shape []) and an empty tensor (shape [0, 3])
    s = np.array(42.25, dtype="<f4")
    add("scale", "F32", s.tobytes(), (), s)
    e = np.zeros((0, 3), dtype="<f4")
    add("empty", "F32", e.tobytes(), (0, 3), e)

    write_safetensors("mixed_dtypes.safetensors", tensors, {"format": "pt", "note": "mixed dtypes"})
    with open("mixed_dtypes.expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")

    # F32 only, deliberately not in sorted order; metadata with a non-ASCII value and an escaped quote
    a = (np.arange(6, dtype=np.float64).reshape(2, 3) * 0.37 - 0.5).astype("<f4")
    c = (np.linspace(-1.0, 1.0, 5)).astype("<f4")
    z = np.array([[[1.5]]], dtype="<f4")
    write_safetensors("f32_only.safetensors",
                      [("zeta.weight", "F32", a.tobytes(), a.shape),
                       ("alpha.bias", "F32", c.tobytes(), c.shape),
                       ("mid.cls_token", "F32", z.tobytes(), z.shape)],
                      {"step": "12", "comment": "Gr\u00fc\u00dfe \"quoted\""})


if __name__ == "__main__":
    main()
