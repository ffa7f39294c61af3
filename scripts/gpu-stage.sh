#!/usr/bin/env bash
# Stages everything the GPU check needs into .gpu/ (gitignored), so that a bare GPU machine with
# no Maven, no network and maybe no Java can run `bash .gpu/gpu-check.sh` from the repo root:
#   .gpu/spikelab.jar        the CLI with all modules and the PTX kernels (needs nvcc here)
#   .gpu/test-classes/       the cuda module's tests (they also need the CPU backend: in the jar)
#   .gpu/junit-console.jar   JUnit console launcher 1.13.4 (Jupiter engine included)
#   .gpu/jre/                a jlink'd Java runtime, used only where the GPU box has no java 17+
#   .gpu/gpu-check.sh, .gpu/torch_gpu_bench.py
# Usage: scripts/gpu-stage.sh [DEST]   (DEST defaults to ./.gpu; e.g. /work/main/.gpu)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$(realpath -m "${1:-$root/.gpu}")
cd "$root"
command -v nvcc >/dev/null || { echo "gpu-stage: nvcc not on the PATH; the jar would carry no kernels" >&2; exit 1; }

mvn -B -o -q package -DskipTests
listing=$(unzip -l trainer/target/spikelab.jar)
grep -q 'spikelab/cuda/ptx/attention.ptx' <<<"$listing" || { echo "gpu-stage: PTX missing from trainer/target/spikelab.jar" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest"
cp trainer/target/spikelab.jar "$dest/spikelab.jar"
# JCuda's PTX-compiler natives (24 MB) are never loaded by spikelab: drop them to stay small
zip -q -d "$dest/spikelab.jar" 'lib/libJNvPTXCompiler-*' >/dev/null 2>&1 || true
# nor the Hugging Face tokenizers' natives (~18 MB): the check and the GPU preset use character
# tokens, and the device call carries at most 64 MiB (--tokenizer gpt2 there says the library is missing)
zip -q -d "$dest/spikelab.jar" 'native/lib/*' >/dev/null 2>&1 || true
# nor JNA's natives for other platforms, nor XChart's PDF/SVG export (plots there are PNG, when
# the runtime has java.desktop at all): ~5 MB, the margin that keeps jar + runtime + tree under 64 MiB
zip -q -d "$dest/spikelab.jar" 'org/apache/pdfbox/*' 'org/apache/fontbox/*' 'de/rototor/*' 'de/erichseifert/*' >/dev/null 2>&1 || true
for n in $(unzip -Z1 "$dest/spikelab.jar" 'com/sun/jna/*/*' 2>/dev/null | grep -v '^com/sun/jna/linux-x86-64/' | grep -E '\.(so|a|dll|jnilib|dylib)$'); do
  zip -q -d "$dest/spikelab.jar" "$n" >/dev/null
done
cp -r cuda/target/test-classes "$dest/test-classes"
# not a build dependency, so a fresh ~/.m2 lacks it: fetch it once from Maven Central
console=org.junit.platform:junit-platform-console-standalone:1.13.4
console_jar=~/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.13.4/junit-platform-console-standalone-1.13.4.jar
[[ -f $console_jar ]] || mvn -B -q dependency:get -Dartifact=$console -Dtransitive=false \
  || { echo "gpu-stage: could not fetch $console (needs Maven Central once)" >&2; exit 1; }
cp "$console_jar" "$dest/junit-console.jar"
cp scripts/gpu-check.sh scripts/torch_gpu_bench.py "$dest/"

jdk=${JLINK_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
# java.xml for logback, jdk.zipfs for JUnit scanning the jar; no java.desktop (plots are not part of the check): keeps the runtime at ~40 MB
mods=java.base,java.logging,java.management,java.xml,java.naming,jdk.zipfs,jdk.unsupported,jdk.incubator.vector
"$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$dest/jre" 2>/dev/null
{ du -sh "$dest"/*; du -sh "$dest"; } | sed "s/^/gpu-stage: /"
# the device call carries the tree (tracked and untracked files git does not ignore) and .gpu
# together, 64 MiB at most
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
total=$(( tree + $(du -sb "$dest" | cut -f1) ))
echo "gpu-stage: tree + $(basename "$dest") = $(( total / 1048576 )) MiB of the 64 MiB a device call carries"
(( total < 64 * 1048576 )) || { echo "gpu-stage: over the device call's 64 MiB: trim $dest or the tree" >&2; exit 1; }
