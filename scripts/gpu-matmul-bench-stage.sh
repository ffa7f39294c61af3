#!/usr/bin/env bash
# Stages everything the GPU machine needs to test and time the matmul code into DEST
# (default /work/main/.gpu-gemm, which travels as a `carry` path): a jlink runtime, the jars,
# this worktree's compiled classes (PTX included) and the device-side scripts.
# Build first: mvn -B -o -q test-compile -pl cuda -am
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-/work/main/.gpu-gemm}"
m2="$HOME/.m2/repository"
mkdir -p "$dest/lib"
if [[ ! -x "$dest/jre/bin/java" ]]; then
  jlink --add-modules java.base,java.logging,java.xml,jdk.unsupported,jdk.incubator.vector \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$dest/jre"
fi
for j in org/jcuda/jcuda/12.6.0/jcuda-12.6.0.jar \
         org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar \
         org/jcuda/jcublas/12.6.0/jcublas-12.6.0.jar \
         org/jcuda/jcublas-natives/12.6.0/jcublas-natives-12.6.0-linux-x86_64.jar \
         org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar \
         ch/qos/logback/logback-classic/1.5.21/logback-classic-1.5.21.jar \
         ch/qos/logback/logback-core/1.5.21/logback-core-1.5.21.jar \
         org/junit/platform/junit-platform-console-standalone/1.13.4/junit-platform-console-standalone-1.13.4.jar; do
  cp -u "$m2/$j" "$dest/lib/"
done
rm -rf "$dest/classes" "$dest/test-classes"
cp -r "$root/cuda/target/classes" "$dest/classes"
cp -r "$root/cuda/target/test-classes" "$dest/test-classes"
cp "$root/scripts/gpu-matmul-bench.py" "$root/scripts/gpu-matmul-bench.sh" "$root/cuda/src/main/cuda/matmul.cu" "$dest/"
ls "$dest/classes/spikelab/cuda/ptx/matmul.ptx" >/dev/null
du -sh "$dest"
