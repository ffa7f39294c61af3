#!/usr/bin/env bash
# The study's GPU preset on a bare GPU box (no Maven, maybe no Java), after scripts/gpu-stage.sh
# filled .gpu/ here:   bash scripts/gpu-study.sh [SECONDS [more sweep options]]
# Runs `scripts/reproduce-activation-study.sh gpu` with .gpu's jar and runtime. SECONDS (default
# 480, the issue's 8 minutes) is a wall-clock guard: when it passes, every run gets SIGTERM,
# stops after its current step and checkpoints, so what it measured is kept and rerunning this
# script resumes the preset. The run files (no checkpoints) are packed into $OUT/gpu-runs.tgz
# (or .gpu/out) for `spikelab report` on any machine; the log is study.log beside it.
set -uo pipefail
cd "$(dirname "$0")/.."
limit=${1:-480}; shift $(( $# > 0 ? 1 : 0 ))
out=${OUT:-.gpu/out}
mkdir -p "$out"
[[ -f .gpu/spikelab.jar ]] || { echo "gpu-study: .gpu/spikelab.jar missing: run scripts/gpu-stage.sh first" >&2; exit 2; }
export SPIKELAB_JAR=$PWD/.gpu/spikelab.jar
if ! command -v java >/dev/null 2>&1; then export JAVA=$PWD/.gpu/jre/bin/java; fi
start=$(date +%s)
# its own session, so the guard can signal every process of the preset (shards' JVMs included)
setsid bash scripts/reproduce-activation-study.sh gpu "$@" > "$out/study.log" 2>&1 &
pid=$!
( sleep "$limit"; echo "gpu-study: ${limit} s passed: stopping every run (they checkpoint)" >> "$out/study.log"; kill -TERM -- "-$pid" 2>/dev/null ) &
guard=$!
wait "$pid"; rc=$?
kill "$guard" 2>/dev/null
# runs stopped by the guard finish their step and checkpoint after the shell has gone
while pgrep -f 'spikelab.jar' >/dev/null; do sleep 1; done
echo "gpu-study: exit $rc after $(( $(date +%s) - start )) s" | tee -a "$out/study.log"
tail -5 "$out/study.log"
tar czf "$out/gpu-runs.tgz" --exclude='checkpoint*' --exclude='*.safetensors' runs/activation-study-gpu 2>/dev/null
ls -la "$out"
exit $rc
