#!/usr/bin/env python3
"""
Plain PyTorch Vision Mamba training step: the reference for `semivim bench gpu-step` (docs/gpu.md).

The same model as semivim's vim-tiny (vim-spec.md; shared/reference/vim_ref.py is its NumPy
oracle): patch embedding, class token in the middle, learned position embedding, 24 pre-norm
RMSNorm blocks with a bidirectional (bimamba v2, /2) Mamba mixer, final RMSNorm, head on the
class token. The selective scan is written in plain PyTorch, sequentially over the L positions
(no custom CUDA kernel, no mamba_ssm), autograd for the backward; each block is recomputed in
the backward (torch.utils.checkpoint) so that batch 128 at 224 fits in GPU memory. One step:
forward, softmax cross-entropy, backward, torch.optim.AdamW (wd 0.05). Timed with CUDA sync.

    python3 gpu/bench/vim_torch_step.py --batch 128 --steps 10 --warmup 3 \
        --train-gflop-per-image <train_GFLOP/image printed by semivim bench gpu-step> --peak-tflops 67

Prints images/s and, given the FLOP count, the model-FLOP utilisation against --peak-tflops, so
the two benchmarks use the same FLOP count. Not run in the session that wrote it (no GPU).
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def selective_scan(u, delta_raw, delta_bias, A, Bm, Cm, D, z):
    """u, delta_raw, z (B, L, E); Bm, Cm (B, L, N); A (E, N); D, delta_bias (E). Sequential over L."""
    delta = F.softplus(delta_raw + delta_bias)                      # (B, L, E)
    Bsz, L, E = u.shape
    h = u.new_zeros(Bsz, E, A.shape[1])
    ys = []
    for t in range(L):
        dA = torch.exp(delta[:, t, :, None] * A)                     # (B, E, N)
        h = dA * h + (delta[:, t] * u[:, t])[..., None] * Bm[:, t, None, :]
        ys.append(torch.einsum("ben,bn->be", h, Cm[:, t]))
    y = torch.stack(ys, dim=1) + D * u
    return y * F.silu(z)


class Branch(nn.Module):
    """One scan direction: depthwise causal conv, x_proj, dt_proj, scan (vim-spec.md §4)."""

    def __init__(self, E, N, R, K):
        super().__init__()
        self.N, self.R, self.K = N, R, K
        self.conv = nn.Conv1d(E, E, K, groups=E, padding=K - 1)
        self.x_proj = nn.Linear(E, R + 2 * N, bias=False)
        self.dt_proj = nn.Linear(R, E)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).repeat(E, 1))
        self.D = nn.Parameter(torch.ones(E))

    def forward(self, x, z):                                          # (B, L, E) in processing order
        L = x.shape[1]
        u = F.silu(self.conv(x.transpose(1, 2))[..., :L].transpose(1, 2))
        xdbl = self.x_proj(u)
        dtr, Bm, Cm = xdbl.split([self.R, self.N, self.N], dim=-1)
        delta_raw = F.linear(dtr, self.dt_proj.weight)                # dt_proj without its bias
        return selective_scan(u, delta_raw, self.dt_proj.bias, -torch.exp(self.A_log), Bm, Cm, self.D, z)


class Mixer(nn.Module):
    def __init__(self, D, N=16, expand=2, K=4):
        super().__init__()
        E, R = expand * D, math.ceil(D / 16)
        self.E = E
        self.in_proj = nn.Linear(D, 2 * E, bias=False)
        self.fwd, self.bwd = Branch(E, N, R, K), Branch(E, N, R, K)
        self.out_proj = nn.Linear(E, D, bias=False)

    def forward(self, hs):
        x, z = self.in_proj(hs).split([self.E, self.E], dim=-1)
        out_f = self.fwd(x, z)
        out_b = self.bwd(x.flip(1), z.flip(1)).flip(1)
        return self.out_proj((out_f + out_b) / 2)


class Block(nn.Module):
    def __init__(self, D):
        super().__init__()
        self.norm = RMSNorm(D)
        self.mixer = Mixer(D)

    def forward(self, residual, h):
        residual = h if residual is None else residual + h
        return residual, self.mixer(self.norm(residual))


class VisionMamba(nn.Module):
    def __init__(self, img=224, patch=16, chans=3, D=192, depth=24, classes=1000):
        super().__init__()
        self.patch_embed = nn.Conv2d(chans, D, patch, patch)
        M = (img // patch) ** 2
        self.cls_index = M // 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(torch.randn(1, M + 1, D) * 0.02)
        self.blocks = nn.ModuleList(Block(D) for _ in range(depth))
        self.norm_f = RMSNorm(D)
        self.head = nn.Linear(D, classes)

    def forward(self, img):
        t = self.patch_embed(img).flatten(2).transpose(1, 2)          # (B, M, D)
        c = self.cls_index
        x = torch.cat([t[:, :c], self.cls_token.expand(t.shape[0], -1, -1), t[:, c:]], dim=1) + self.pos_embed
        residual, h = None, x
        for blk in self.blocks:
            if residual is None:
                residual, h = blk(residual, h)
            else:
                residual, h = checkpoint(blk, residual, h, use_reentrant=False)
        return self.head(self.norm_f(residual + h)[:, c])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--img", type=int, default=224)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--train-gflop-per-image", type=float, default=None)
    ap.add_argument("--peak-tflops", type=float, default=67.0, help="fp32 peak (H100 SXM / H200: 67)")
    ap.add_argument("--depth", type=int, default=24)
    ap.add_argument("--device", default="cuda", help="cuda (the benchmark) or cpu (a smoke test at small sizes)")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False                     # fp32 like semivim
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    torch.manual_seed(0)
    model = VisionMamba(img=args.img, depth=args.depth).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    images = torch.randn(args.batch, 3, args.img, args.img, device=dev)
    labels = torch.randint(0, 1000, (args.batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        opt.step()

    name = torch.cuda.get_device_name(0) if cuda else "cpu"
    print(f"torch={torch.__version__} device={name} params={sum(p.numel() for p in model.parameters())}"
          f" batch={args.batch}")
    for _ in range(args.warmup):
        step()
    sync()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]
    ips = args.batch / median
    line = f"step_ms(median)={median * 1e3:.1f} images/s={ips:.1f} peak_mem_GiB={(torch.cuda.max_memory_allocated() if cuda else 0) / 2**30:.1f}"
    if args.train_gflop_per_image:
        tflops = ips * args.train_gflop_per_image / 1e3
        line += f" achieved_TFLOP/s={tflops:.2f} MFU={tflops / args.peak_tflops:.3f}"
    print(line)


if __name__ == "__main__":
    main()
