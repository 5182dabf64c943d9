#!/usr/bin/env bash
# Builds a self-contained bundle for a GPU machine that has neither a JDK nor Maven (the project's
# lent GPU machines have CUDA and PyTorch only): a jlinked Java 17 runtime, the gpu module's test
# classpath (its jar, test classes, dependencies, the JUnit launcher) and the scripts, as one
# .tar.xz. On the GPU machine: tar xJf bundle.tar.xz && bundle/run-device.sh <outdir>
# Usage: gpu/bench/device-bundle.sh [target-dir]   (default: .devbundle, ignored by git)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-$ROOT/.devbundle}"
cd "$ROOT"
mvn -B -ntp -q -pl gpu -am install -DskipTests
mvn -B -ntp -q -pl gpu test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/gpu/target/test-cp.txt"
STAGE="$(mktemp -d)/bundle"
mkdir -p "$STAGE/lib"
tr ':' '\n' < gpu/target/test-cp.txt | while read -r j; do [ -n "$j" ] && cp "$j" "$STAGE/lib/"; done
cp gpu/target/semivim-gpu-*.jar "$STAGE/lib/"
(cd gpu/target/test-classes && jar cf "$STAGE/lib/semivim-gpu-tests.jar" .)
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.xml,java.sql,jdk.unsupported,jdk.incubator.vector,jdk.management \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$STAGE/jre"
cp gpu/bench/run-device.sh gpu/bench/vim_torch_step.py "$STAGE/"
mkdir -p "$DEST"
tar -C "$(dirname "$STAGE")" -cJf "$DEST/bundle.tar.xz" bundle
rm -rf "$(dirname "$STAGE")"
ls -la "$DEST/bundle.tar.xz"
