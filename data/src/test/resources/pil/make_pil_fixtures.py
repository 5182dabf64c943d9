#!/usr/bin/python3
"""Golden outputs of Pillow's image ops for PilGoldenTest (run with Debian's python3-pil: /usr/bin/python3).

Writes pil_ops.json.gz: three 28x28 "L" input images (hex) and, for every op/argument pair used by the
FixMatch RandAugment pool (kekmodel/FixMatch-pytorch dataset/randaugment.py), the output bytes (hex).
Regenerate: /usr/bin/python3 make_pil_fixtures.py  (Pillow version recorded in the file).
"""
import gzip
import json
import math
import PIL
from PIL import Image, ImageEnhance, ImageOps

S = 28


def textured():  # spans 0..255 with edges, gradients and texture
    return bytes(((x * 9 + y * 5) ^ (x * y)) % 256 if (x - 14) ** 2 + (y - 12) ** 2 < 90 else (x * 7 + 3 * y) % 64
                 for y in range(S) for x in range(S))


def garment():  # a low-contrast, Fashion-MNIST-like silhouette on black
    out = []
    for y in range(S):
        for x in range(S):
            inside = 4 <= y <= 24 and abs(x - 13.5) < 5 + y / 3
            out.append(int(40 + 120 * (0.5 + 0.5 * math.sin(x * 0.7 + y * 0.3))) if inside else 0)
    return bytes(out)


def sparse():  # mostly black with a few bright pixels
    return bytes(250 if (x * 31 + y * 17) % 23 == 0 else (3 if (x + y) % 5 == 0 else 0) for y in range(S) for x in range(S))


def levels_float(max_v, bias):
    return [v * max_v / 10 + bias for v in range(1, 10)]


def main():
    inputs = [textured(), garment(), sparse()]
    cases = []

    def add(op, arg, fn):
        for i, raw in enumerate(inputs):
            img = Image.frombytes("L", (S, S), raw)
            cases.append({"op": op, "arg": arg, "input": i, "output": fn(img).tobytes().hex()})

    add("autocontrast", 0, ImageOps.autocontrast)
    add("equalize", 0, ImageOps.equalize)
    for bits in range(1, 9):
        add("posterize", bits, lambda im, b=bits: ImageOps.posterize(im, b))
    for t in [256 - int(v * 256 / 10) for v in range(1, 10)] + [0, 128, 256]:
        add("solarize", t, lambda im, t=t: ImageOps.solarize(im, t))
    for f in levels_float(0.9, 0.05) + [0.0, 1.0, 1.7]:
        add("brightness", f, lambda im, f=f: ImageEnhance.Brightness(im).enhance(f))
        add("contrast", f, lambda im, f=f: ImageEnhance.Contrast(im).enhance(f))
        add("sharpness", f, lambda im, f=f: ImageEnhance.Sharpness(im).enhance(f))
        add("color", f, lambda im, f=f: ImageEnhance.Color(im).enhance(f))
    for deg in [3 * v for v in range(1, 10)] + [-3 * v for v in range(1, 10)] + [45, 90, 180, 270, -90, 0, 360]:
        add("rotate", deg, lambda im, d=deg: im.rotate(d))
    for v in levels_float(0.3, 0):
        for s in (v, -v):
            add("shearX", s, lambda im, s=s: im.transform(im.size, Image.AFFINE, (1, s, 0, 0, 1, 0)))
            add("shearY", s, lambda im, s=s: im.transform(im.size, Image.AFFINE, (1, 0, 0, s, 1, 0)))
            px = int(s * S)
            add("translateX", px, lambda im, p=px: im.transform(im.size, Image.AFFINE, (1, 0, p, 0, 1, 0)))
            add("translateY", px, lambda im, p=px: im.transform(im.size, Image.AFFINE, (1, 0, 0, 0, 1, p)))

    with gzip.open("pil_ops.json.gz", "wt") as f:
        json.dump({"pillow": PIL.__version__, "size": S, "inputs": [b.hex() for b in inputs], "cases": cases}, f)
    print(len(cases), "cases, Pillow", PIL.__version__)


if __name__ == "__main__":
    main()
