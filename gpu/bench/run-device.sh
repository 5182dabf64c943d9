#!/usr/bin/env bash
# Runs on the GPU machine from the unpacked bundle (gpu/bench/device-bundle.sh): the CUDA tests,
# the semivim GPU step benchmark and the PyTorch reference step, and an end-to-end `semivim train`
# on the GPU and on the CPU; the scan kernels alone, every variant. Usage: run-device.sh <outdir> [what]
# what: all (default) | tests | bench | scan | train
#   bench: the gpu-step benchmark (its scan part times the forward at 1–8 chunks and the backward at
#          segments of 4–16 and prints the fraction of the DRAM bandwidth of each) and the PyTorch step;
#   scan:  the scan kernels alone, every chunk count and segment length, through the JVM (GpuStepBenchMain --scan-only true,
#          about a minute) and, where nvcc is installed, the standalone scan_bench.cu build.
# env: TESTS= (test classes for DeviceTestMain), BENCH_ARGS=, SCAN_ARGS=, SKIP_TORCH=1,
#      TRAIN_ARGS= (extra `semivim train` arguments, e.g. steps=20), TRAIN_DEVICES= (default "cuda cpu")
set -uo pipefail
B="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?output directory}"; WHAT="${2:-all}"
mkdir -p "$OUT"
JAVA=("$B/jre/bin/java" --add-modules=jdk.incubator.vector -Xss8m -Xmx24g ${SEMIVIM_JAVA_OPTS:-} -cp "$B/lib/*")
# The launcher's flags (./semivim): Chronicle Map's opens/exports, its analytics off.
CLI_FLAGS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED -Dchronicle.analytics.disable=true
  -Dchronicle.announcer.disable=true)
export OPENBLAS_NUM_THREADS=1
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
if [ "$WHAT" = all ] || [ "$WHAT" = tests ]; then
  "${JAVA[@]}" org.semivim.gpu.DeviceTestMain ${TESTS:-} 2>&1 | tee "$OUT/device-tests.txt"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = bench ]; then
  "${JAVA[@]}" org.semivim.gpu.GpuStepBenchMain ${BENCH_ARGS:---model vim-tiny --batch 128 --steps 10 --warmup 3} 2>&1 | tee "$OUT/semivim-gpu-step.txt"
  GFLOP=$(grep -o 'train_GFLOP/image=[0-9.]*' "$OUT/semivim-gpu-step.txt" | cut -d= -f2)
  [ -n "${SKIP_TORCH:-}" ] || PYTHONUNBUFFERED=1 python3 "$B/vim_torch_step.py" --batch 128 --steps 10 --warmup 3 ${GFLOP:+--train-gflop-per-image "$GFLOP"} 2>&1 | tee "$OUT/torch-step.txt"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = scan ]; then
  "${JAVA[@]}" org.semivim.gpu.GpuStepBenchMain ${SCAN_ARGS:---model vim-tiny --batch 128} --scan-only true 2>&1 | tee "$OUT/scan-kernels.txt"
  if command -v nvcc > /dev/null && [ -f "$B/scan/gpu/bench/scan_bench.cu" ]; then
    nvcc -O3 -arch=native -o "$OUT/scan_bench" "$B/scan/gpu/bench/scan_bench.cu" > "$OUT/scan-bench-build.txt" 2>&1 \
      && "$OUT/scan_bench" 2>&1 | tee "$OUT/scan-bench.txt"
    rm -f "$OUT/scan_bench"
  else
    echo "nvcc not found: the standalone scan_bench.cu was not built" | tee "$OUT/scan-bench.txt"
  fi
fi
if [ "$WHAT" = all ] || [ "$WHAT" = train ]; then
  RUNS="$(mktemp -d)"
  for dev in ${TRAIN_DEVICES:-cuda cpu}; do
    start=$(date +%s%N)
    "${JAVA[@]}" "${CLI_FLAGS[@]}" org.semivim.cli.Main train --config "$B/gpu-train.conf" --run-dir "$RUNS/$dev" \
      --device "$dev" --no-report --progress lines ${TRAIN_ARGS:-} > "$OUT/train-$dev.txt" 2>&1
    rc=$?
    end=$(date +%s%N)
    echo "train --device $dev: exit $rc, $(( (end - start) / 1000000 )) ms wall" | tee -a "$OUT/train-summary.txt"
    cp "$RUNS/$dev/metrics.jsonl" "$OUT/metrics-$dev.jsonl" 2>/dev/null || true
    cp "$RUNS/$dev/report/eval.json" "$OUT/eval-$dev.json" 2>/dev/null || true
  done
  python3 "$B/compare_runs.py" "$OUT" ${TRAIN_DEVICES:-cuda cpu} 2>&1 | tee -a "$OUT/train-summary.txt"
fi
