#!/usr/bin/env bash
# Runs on the GPU machine from the unpacked bundle (gpu/bench/device-bundle.sh): the CUDA tests,
# the semivim GPU step benchmark and the PyTorch reference step. Usage: run-device.sh <outdir> [what]
# what: all (default) | tests | bench
set -uo pipefail
B="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?output directory}"; WHAT="${2:-all}"
mkdir -p "$OUT"
JAVA=("$B/jre/bin/java" --add-modules=jdk.incubator.vector -Xss8m -Xmx24g ${SEMIVIM_JAVA_OPTS:-} -cp "$B/lib/*")
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
if [ "$WHAT" = all ] || [ "$WHAT" = tests ]; then
  "${JAVA[@]}" org.semivim.gpu.DeviceTestMain ${TESTS:-} 2>&1 | tee "$OUT/device-tests.txt"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = bench ]; then
  "${JAVA[@]}" org.semivim.gpu.GpuStepBenchMain ${BENCH_ARGS:---model vim-tiny --batch 128 --steps 10 --warmup 3} 2>&1 | tee "$OUT/semivim-gpu-step.txt"
  GFLOP=$(grep -o 'train_GFLOP/image=[0-9.]*' "$OUT/semivim-gpu-step.txt" | cut -d= -f2)
  [ -n "${SKIP_TORCH:-}" ] || PYTHONUNBUFFERED=1 python3 "$B/vim_torch_step.py" --batch 128 --steps 10 --warmup 3 ${GFLOP:+--train-gflop-per-image "$GFLOP"} 2>&1 | tee "$OUT/torch-step.txt"
fi
