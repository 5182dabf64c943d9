#!/usr/bin/env bash
# Builds a self-contained bundle for a GPU machine that has neither a JDK nor Maven (the project's
# lent GPU machines have CUDA and PyTorch only): a jlinked Java 17 runtime, the gpu module's test
# classpath (its jar, test classes, dependencies, the JUnit launcher), the CLI's runtime classpath
# (so `semivim train --device cuda` runs there) and the scripts, as one .tar.xz.
# On the GPU machine: tar xJf bundle.tar.xz && bundle/run-device.sh <outdir> [tests|bench|scan|train|all]
#
# The device tool sends at most 64 MiB, so the bundle is made small: every jar is repacked without
# compression (xz then compresses the class files together, about twice as well as deflate did),
# and JCuda's natives jar keeps only the libraries the backend loads (driver, runtime, NVRTC, the
# cuBLAS wrapper), not the 24 MB PTX compiler.
# Usage: gpu/bench/device-bundle.sh [target-dir]   (default: .devbundle, ignored by git)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-$ROOT/.devbundle}"
cd "$ROOT"
mvn -B -ntp -q -pl cli -am install -DskipTests
mvn -B -ntp -q -pl gpu test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/gpu/target/test-cp.txt"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/bundle"
mkdir -p "$STAGE/lib" "$WORK/unpack"

# The union of the gpu test classpath and the CLI's runtime classpath, one copy per file name.
{ tr ':' '\n' < gpu/target/test-cp.txt; echo; ls cli/target/lib/*.jar; ls gpu/target/semivim-gpu-*.jar; echo cli/target/semivim-cli.jar; } \
  | while read -r j; do [ -n "$j" ] && [ ! -e "$STAGE/lib/$(basename "$j")" ] && cp "$j" "$STAGE/lib/"; done
(cd gpu/target/test-classes && jar cf "$STAGE/lib/semivim-gpu-tests.jar" .)

# Repack stored (zip -0); drop the natives the backend never loads.
for j in "$STAGE"/lib/*.jar; do
  rm -rf "$WORK/unpack" && mkdir "$WORK/unpack"
  (cd "$WORK/unpack" && unzip -q "$j" && rm -f lib/libJNvPTXCompiler-*.so && rm -f "$j" && zip -q -0 -r -X "$j" .)
done

JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
# jdk.compiler: Chronicle Map generates and compiles classes at run time; jdk.crypto.ec and
# jdk.zipfs: Pekko's remoting and the jar file system. No java.desktop: the bundle's train runs
# pass --no-report (the PNG plots need AWT).
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.xml,java.sql,jdk.unsupported,jdk.incubator.vector,jdk.management,jdk.compiler,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=0 --output "$STAGE/jre"
cp gpu/bench/run-device.sh gpu/bench/vim_torch_step.py gpu/bench/gpu-train.conf gpu/bench/compare_runs.py "$STAGE/"
# the standalone scan benchmark and the sources it includes (run-device.sh scan builds it with nvcc there)
mkdir -p "$STAGE/scan/gpu/bench" "$STAGE/scan/gpu/src/main/cuda"
cp gpu/bench/scan_bench.cu "$STAGE/scan/gpu/bench/"
cp gpu/src/main/cuda/scan.cu gpu/src/main/cuda/scan_bwd.cu gpu/src/main/cuda/scan_common.cuh gpu/src/main/cuda/common.cuh "$STAGE/scan/gpu/src/main/cuda/"
mkdir -p "$DEST"
XZ_OPT=-9 tar -C "$WORK" -cJf "$DEST/bundle.tar.xz" bundle
ls -la "$DEST/bundle.tar.xz"
