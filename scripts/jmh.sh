#!/usr/bin/env bash
# JMH micro-benchmarks of the CPU kernels (model/src/jmh/java), with a GFLOP/s summary.
#
#   scripts/jmh.sh                         all benchmarks (several minutes)
#   scripts/jmh.sh GemmBench -p threads=1  any JMH arguments: a regex, -p name=v1,v2, -f, -wi, -i ...
#
# The sources are compiled by the model module's `jmh` profile into model/target/jmh-classes,
# so `mvn verify` never builds or runs them. The summary divides each rate by the 1024^3
# product measured in the same run ("peak") when that benchmark ran, and by DESIGN 5's
# ~70 GFLOP/s machine ceiling.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/model/target/jmh"
mkdir -p "$out"

build() { mvn -B -q "$@" -Pjmh -pl model test-compile dependency:build-classpath \
            -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt" >&2; }
# offline first (the usual case here); online once when JMH is not yet in ~/.m2
build -o || build || { echo "error: building the JMH benchmarks failed; run 'mvn -B -Pjmh -pl model test-compile' to see why" >&2; exit 2; }

cp="$root/model/target/jmh-classes:$root/model/target/classes:$(cat "$out/classpath.txt")"
result="$out/result.json"
java --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main -rf json -rff "$result" "$@" \
  2> >(grep -v --line-buffered 'WARNING: Using incubator modules' >&2)

python3 - "$result" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
def rate(r):
    g = r.get("secondaryMetrics", {}).get("gflop")
    return g["score"] if g else None
peaks = {}
for r in rows:
    if "1024x1024x1024" in r.get("params", {}).get("shape", ""):
        peaks[r["params"].get("threads")] = rate(r)
print()
print(f"{'benchmark':<24} {'params':<40} {'GFLOP/s':>8} {'of peak':>8} {'of 70':>6}")
for r in rows:
    g = rate(r)
    if g is None:
        continue
    p = r.get("params", {})
    peak = peaks.get(p.get("threads"))
    name = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1]
    params = " ".join(f"{k}={v}" for k, v in sorted(p.items()))
    of_peak = f"{100 * g / peak:7.0f}%" if peak else "       -"
    print(f"{name:<24} {params:<40} {g:8.1f} {of_peak} {100 * g / 70:5.0f}%")
PY
