"""Compares the bundle's `semivim train` runs (run-device.sh train): per device the steps logged, the
first and last losses, the largest loss difference against the first device over the first steps
(the GPU agrees with the CPU to rounding, not bit for bit: docs/gpu.md, Determinism on the GPU) and
the final test accuracy of student and teacher. Usage: compare_runs.py <outdir> <device> [<device> ...]"""
import json
import os
import sys

out, devices = sys.argv[1], sys.argv[2:]
runs = {}
for dev in devices:
    path = os.path.join(out, f"metrics-{dev}.jsonl")
    if not os.path.exists(path):
        print(f"{dev}: no metrics.jsonl (the run failed: see train-{dev}.txt)")
        continue
    with open(path) as f:
        runs[dev] = [json.loads(line) for line in f if line.strip()]
    ev_path = os.path.join(out, f"eval-{dev}.json")
    ev = json.load(open(ev_path)) if os.path.exists(ev_path) else None
    losses = [r["loss"] for r in runs[dev]]
    acc = (f"student top1 {ev['student']['top1']:.4f}, teacher top1 {ev['teacher']['top1']:.4f}"
           if ev and ev.get("teacher") else "no final evaluation")
    print(f"{dev}: {len(losses)} steps, loss {losses[0]:.5f} -> {losses[-1]:.5f}, {acc}")
if len(runs) >= 2:
    first, *rest = list(runs)
    for dev in rest:
        n = min(10, len(runs[first]), len(runs[dev]))
        diff = max(abs(a["loss"] - b["loss"]) for a, b in zip(runs[first][:n], runs[dev][:n]))
        print(f"largest |loss({first}) - loss({dev})| over the first {n} steps: {diff:.3e}")
