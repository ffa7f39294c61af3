#!/usr/bin/env bash
# On a GPU box, after scripts/gpu-stage.sh: the DESIGN §5 reference configuration on
# tinyshakespeare for 300 steps with --device cuda, for relu, gelu and swiglu (compare with the
# CPU runs of the same seed: docs/training.md), and a stop/resume check on the GPU.
# Usage: bash scripts/gpu-reference-runs.sh DATA_FILE [OUT_DIR]
set -uo pipefail
data=${1:?usage: gpu-reference-runs.sh tinyshakespeare.txt [out]}
out=${2:-${OUT:-.gpu/out}}
g=.gpu
mkdir -p "$out"
java_bin=java
command -v java >/dev/null 2>&1 || java_bin=$g/jre/bin/java
run() { "$java_bin" --add-modules=jdk.incubator.vector -Xmx8g -jar $g/spikelab.jar "$@"; }
ref=(--device cuda --data "$data" --tokenizer char --d-model 128 --heads 4 --layers 4 --context 128 --batch 16
     --lr 1e-3 --warmup 0 --min-lr 1e-3 --weight-decay 0.1 --clip 1.0 --steps 300 --seed 1337 --no-progress --log-every 100)
runs=$(mktemp -d)
status=0
for a in relu gelu swiglu; do
  echo "== cuda reference run: $a"
  run train "${ref[@]}" --activation $a --out "$runs/$a" > "$out/ref-$a.log" 2>&1 || { status=1; tail -3 "$out/ref-$a.log"; }
  cp "$runs/$a/summary.json" "$out/ref-$a-summary.json" 2>/dev/null
  grep -E '"(final_val_loss|best_val_loss|tokens_per_s|device)"' "$runs/$a/summary.json"
done
echo "== stop at 150 and resume to 300 (gelu): per-step losses against the uninterrupted run"
run train "${ref[@]}" --activation gelu --stop-after 150 --out "$runs/resumed" > "$out/resume-a.log" 2>&1 || status=1
run train --resume "$runs/resumed" --device cuda --no-progress > "$out/resume-b.log" 2>&1 || { status=1; tail -3 "$out/resume-b.log"; }
if cmp -s <(grep -o '"loss":[^,]*' "$runs/gelu/metrics.jsonl") <(grep -o '"loss":[^,]*' "$runs/resumed/metrics.jsonl"); then
  echo "resume: all 300 per-step losses identical to the uninterrupted run"
else
  echo "resume: per-step losses DIFFER"; status=1
fi
rm -rf "$runs"
exit $status
