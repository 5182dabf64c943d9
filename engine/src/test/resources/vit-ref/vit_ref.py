"""Independent NumPy (float64) forward of a timm VisionTransformer, written from timm's
vision_transformer.py (PatchEmbed conv, Attention with qkv.reshape(B,N,3,H,dh).permute(2,0,3,1,4),
pre-norm Block, final norm, token / avg read-out) and MAE's util/pos_embed.py, to produce golden
logits for VitRefGoldenTest. Run: python3 vit_ref.py  (writes the *.json beside this file)."""
import json
import math
import os

import numpy as np


def sincos_1d(dim, pos):
    omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = np.einsum("m,d->md", pos.reshape(-1), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_2d(dim, grid_size, cls_token):
    gh = np.arange(grid_size, dtype=np.float32)
    gw = np.arange(grid_size, dtype=np.float32)
    grid = np.stack(np.meshgrid(gw, gh), axis=0).reshape([2, 1, grid_size, grid_size])
    emb = np.concatenate([sincos_1d(dim // 2, grid[0]), sincos_1d(dim // 2, grid[1])], axis=1)
    if cls_token:
        emb = np.concatenate([np.zeros([1, dim]), emb], axis=0)
    return emb


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def conv2d_patch(img, w, b, p):
    # nn.Conv2d(C, D, kernel_size=p, stride=p) then flatten(2).transpose(1, 2)
    B, C, H, W = img.shape
    G = H // p
    out = np.zeros((B, w.shape[0], G, G))
    for i in range(G):
        for j in range(G):
            patch = img[:, :, i * p:(i + 1) * p, j * p:(j + 1) * p]
            out[:, :, i, j] = np.einsum("bchw,dchw->bd", patch, w) + b
    return out.reshape(B, w.shape[0], G * G).transpose(0, 2, 1)


def attention(x, P, pre, heads):
    B, N, C = x.shape
    qkv = x @ P[pre + "attn.qkv.weight"].T + P[pre + "attn.qkv.bias"]
    qkv = qkv.reshape(B, N, 3, heads, C // heads).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = (q @ k.transpose(0, 1, 3, 2)) * (C // heads) ** -0.5
    attn = np.exp(attn - attn.max(-1, keepdims=True))
    attn = attn / attn.sum(-1, keepdims=True)
    x = (attn @ v).transpose(0, 2, 1, 3).reshape(B, N, C)
    return x @ P[pre + "attn.proj.weight"].T + P[pre + "attn.proj.bias"]


def forward(cfg, P, img):
    x = conv2d_patch(img, P["patch_embed.proj.weight"], P["patch_embed.proj.bias"], cfg["patch_size"])
    B = x.shape[0]
    if cfg["class_token"]:
        x = np.concatenate([np.broadcast_to(P["cls_token"], (B, 1, cfg["embed_dim"])), x], axis=1)
    if cfg["pos_embed"] == "learned":
        pos = P["pos_embed"]
    else:
        pos = sincos_2d(cfg["embed_dim"], cfg["img_size"] // cfg["patch_size"], cfg["class_token"])[None]
    x = x + pos
    eps = cfg["norm_eps"]
    for i in range(cfg["depth"]):
        pre = "blocks.%d." % i
        x = x + attention(layer_norm(x, P[pre + "norm1.weight"], P[pre + "norm1.bias"], eps), P, pre, cfg["num_heads"])
        h = layer_norm(x, P[pre + "norm2.weight"], P[pre + "norm2.bias"], eps)
        h = gelu(h @ P[pre + "mlp.fc1.weight"].T + P[pre + "mlp.fc1.bias"])
        x = x + h @ P[pre + "mlp.fc2.weight"].T + P[pre + "mlp.fc2.bias"]
    if cfg["global_pool"] == "token":
        x = layer_norm(x, P["norm.weight"], P["norm.bias"], eps)[:, 0]
    else:
        prefix = 1 if cfg["class_token"] else 0
        x = layer_norm(x[:, prefix:].mean(1), P["fc_norm.weight"], P["fc_norm.bias"], eps)
    return x @ P["head.weight"].T + P["head.bias"]


def shapes(cfg):
    D, C, p, K = cfg["embed_dim"], cfg["in_chans"], cfg["patch_size"], cfg["num_classes"]
    hid = int(D * cfg["mlp_ratio"])
    T = (cfg["img_size"] // p) ** 2 + (1 if cfg["class_token"] else 0)
    s = {}
    if cfg["class_token"]:
        s["cls_token"] = (1, 1, D)
    if cfg["pos_embed"] == "learned":
        s["pos_embed"] = (1, T, D)
    s["patch_embed.proj.weight"] = (D, C, p, p)
    s["patch_embed.proj.bias"] = (D,)
    for i in range(cfg["depth"]):
        pre = "blocks.%d." % i
        for n, sh in [("norm1.weight", (D,)), ("norm1.bias", (D,)), ("attn.qkv.weight", (3 * D, D)),
                      ("attn.qkv.bias", (3 * D,)), ("attn.proj.weight", (D, D)), ("attn.proj.bias", (D,)),
                      ("norm2.weight", (D,)), ("norm2.bias", (D,)), ("mlp.fc1.weight", (hid, D)),
                      ("mlp.fc1.bias", (hid,)), ("mlp.fc2.weight", (D, hid)), ("mlp.fc2.bias", (D,))]:
            s[pre + n] = sh
    norm = "norm" if cfg["global_pool"] == "token" else "fc_norm"
    s[norm + ".weight"] = (D,)
    s[norm + ".bias"] = (D,)
    s["head.weight"] = (K, D)
    s["head.bias"] = (K,)
    return s


def make(name, cfg, batch, seed):
    rng = np.random.default_rng(seed)
    P = {}
    for n, sh in shapes(cfg).items():
        scale = 1.0 / math.sqrt(sh[-1]) if len(sh) == 2 else 0.5
        P[n] = rng.normal(0.0, scale, size=sh)
        if n.endswith("norm1.weight") or n.endswith("norm2.weight") or n.endswith("norm.weight"):
            P[n] += 1.0
    C, S = cfg["in_chans"], cfg["img_size"]
    img = rng.normal(0.0, 1.0, size=(batch, C, S, S))
    logits = forward(cfg, P, img)
    doc = {"config": cfg, "batch": batch, "images": img.reshape(-1).tolist(),
           "params": {n: v.reshape(-1).tolist() for n, v in P.items()}, "logits": logits.reshape(-1).tolist()}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".json"), "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    base = dict(img_size=12, patch_size=4, in_chans=2, embed_dim=8, depth=2, num_heads=2, mlp_ratio=3.0,
                num_classes=5, class_token=True, pos_embed="learned", drop_path_rate=0.0, norm_eps=1e-6,
                global_pool="token")
    make("vit-token-learned", base, 3, 1)
    make("vit-avg-sincos", dict(base, pos_embed="sincos", global_pool="avg"), 3, 2)
    make("vit-avg-nocls", dict(base, class_token=False, global_pool="avg"), 3, 3)
    # the sin-cos table alone, MAE's get_2d_sincos_pos_embed(8, 3, cls_token=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sincos-8-3-cls.json"), "w") as f:
        json.dump({"embed_dim": 8, "grid_size": 3, "table": sincos_2d(8, 3, True).reshape(-1).tolist()}, f)
