#!/usr/bin/env bash
# Everything the GPU machine should run for issue 7 (docs/gpu.md, "Running on a GPU machine"):
# the CUDA tests, the semivim GPU benchmark and the PyTorch reference. Needs a JDK 17+, Maven,
# the NVIDIA driver and CUDA 12.x cuBLAS (libcublas.so.12) for JCuda 12.6; PyTorch with CUDA for
# the reference. Writes its logs under ${OUT:-gpu-run}/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/gpu-run}"
mkdir -p "$OUT"
cd "$ROOT"
nvidia-smi | tee "$OUT/nvidia-smi.txt" || true
java -version 2>&1 | tee "$OUT/java.txt"
# 1. every CUDA test (they skip without a device, so check the report says 0 skipped)
mvn -B -ntp -pl gpu -am verify -Dsurefire.heap=8g 2>&1 | tee "$OUT/gpu-tests.txt"
grep -h "Tests run" gpu/target/surefire-reports/*.txt | tee "$OUT/gpu-tests-summary.txt"
# 2. the semivim benchmark: vim-tiny at 224, batch 128
mvn -B -ntp -q -DskipTests install
./semivim bench gpu-step --model vim-tiny --batch 128 --steps 10 --warmup 3 2>&1 | tee "$OUT/semivim-gpu-step.txt"
GFLOP=$(grep -o 'train_GFLOP/image=[0-9.]*' "$OUT/semivim-gpu-step.txt" | cut -d= -f2)
# 3. the PyTorch reference on the same machine, with the same FLOP count
python3 gpu/bench/vim_torch_step.py --batch 128 --steps 10 --warmup 3 --train-gflop-per-image "$GFLOP" 2>&1 | tee "$OUT/torch-step.txt"
