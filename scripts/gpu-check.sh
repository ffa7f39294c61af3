#!/usr/bin/env bash
# The GPU check in one command, for a bare GPU machine (no Maven, no network), run from the repo
# root after scripts/gpu-stage.sh filled .gpu/:   bash .gpu/gpu-check.sh   (or scripts/gpu-check.sh)
# 1. the cuda module's test suite (CUDA vs CPU for every op, training steps, determinism)
# 2. spikelab bench --device cuda: DESIGN §5 reference model and a GPT-2-small shape, fp32, TF32 and bf16
#    (bf16 also with GPT-2's 50,257-token vocabulary)
# 5. PyTorch eager fp32 and TF32 on the same GPU and shapes, and bf16 autocast at the GPT-2-small shape
#    (vocabularies 65 and 50,257; explicit attention like ours, and scaled_dot_product_attention)
# 4. spikelab train on the built-in corpus: 20 small-model steps cpu vs cuda (fp32, then bf16), then
#    1000 reference steps on cuda
# 3. bench --runs K: aggregate tokens/s of K concurrent runs of the study's GPU cell (d_model 256, depth 8),
#    K = 1, 4, 8 in threads (a stream each) and K = 4 in processes
# Logs go to $OUT (when set) or .gpu/out. SKIP_TESTS=1 / SKIP_BENCH=1 / SKIP_GPT2=1 / SKIP_RUNS=1 / SKIP_TRAIN=1 /
# SKIP_TORCH=1 skip parts.
set -uo pipefail
g=.gpu
[[ -f $g/spikelab.jar ]] || { echo "gpu-check: $g/spikelab.jar missing: run scripts/gpu-stage.sh first" >&2; exit 2; }
out=${OUT:-$g/out}
mkdir -p "$out"

java_bin=""
if command -v java >/dev/null 2>&1; then
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [[ -n $v && $v -ge 17 ]] && java_bin=java
fi
[[ -z $java_bin ]] && java_bin=$g/jre/bin/java
jopts=(--add-modules=jdk.incubator.vector -Xmx8g)
echo "== java: $java_bin ($("$java_bin" -version 2>&1 | head -1))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"
"$java_bin" "${jopts[@]}" -jar $g/spikelab.jar info 2>&1 | tee "$out/info.txt"
status=0

if [[ -z ${SKIP_TESTS:-} ]]; then
  echo "== GPU test suite"
  "$java_bin" "${jopts[@]}" -jar $g/junit-console.jar execute --disable-banner --details=tree \
    --class-path "$g/spikelab.jar:$g/test-classes" --select-package spikelab.cuda \
    --reports-dir "$out/junit" 2>&1 | tee "$out/tests.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
fi

bench() {  # label, then spikelab bench options
  local label=$1; shift
  echo "== spikelab bench $label: $*"
  "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar bench --device cuda --json "$@" 2>&1 | tee -a "$out/bench.txt" \
    | tail -1 >> "$out/bench.jsonl" || status=1
}
ref=(--activation gelu --layers 4 --d-model 128 --heads 4 --context 128 --batch 16)
gpt2=(--activation gelu --layers 12 --d-model 768 --heads 12 --context 1024 --batch 8 --bench-steps 5 --bench-warmup 2)
if [[ -z ${SKIP_BENCH:-} ]]; then
  : > "$out/bench.jsonl"
  bench "reference fp32" "${ref[@]}" --bench-steps 50 --bench-warmup 5
  bench "reference tf32" "${ref[@]}" --bench-steps 50 --bench-warmup 5 --tf32
  bench "reference bf16" "${ref[@]}" --bench-steps 50 --bench-warmup 5 --precision bf16
  if [[ -z ${SKIP_GPT2:-} ]]; then
    bench "gpt2-small fp32" "${gpt2[@]}"
    bench "gpt2-small tf32" "${gpt2[@]}" --tf32
    bench "gpt2-small bf16" "${gpt2[@]}" --precision bf16
    bench "gpt2-small bf16, vocab 50257" "${gpt2[@]}" --precision bf16 --vocab 50257
  fi
fi

if [[ -z ${SKIP_RUNS:-} ]]; then
  # the GPU study preset's cells: one run of each depth alone, then K runs of depth 8 side by side
  cell=(--activation gelu --d-model 256 --heads 8 --context 128 --batch 16 --bench-steps 40 --bench-warmup 5)
  : > "$out/runs.jsonl"
  bench "study cell, depth 32" "${cell[@]}" --layers 32
  # threads: one context, a stream per run (the default on a GPU); processes: a context each, time-sliced
  for mode in threads:1 threads:4 threads:8 processes:4; do
    k=${mode#*:}; m=${mode%%:*}
    echo "== spikelab bench --runs $k --runs-in $m: study cell, depth 8"
    "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar bench --device cuda --json "${cell[@]}" --layers 8 --runs $k --runs-in $m 2>&1 \
      | tee -a "$out/runs.txt" | tail -1 >> "$out/runs.jsonl" || status=1
  done
fi

if [[ -z ${SKIP_TRAIN:-} ]]; then
  # the whole trainer path (eval, probes, run files) on the GPU, and its first steps against the CPU
  runs=$(mktemp -d)
  # a small model so the CPU side takes seconds
  small=(--layers 2 --d-model 64 --heads 4 --context 64 --batch 8 --steps 20 --eval-every 10 --eval-batches 2 --probe-every 10)
  for p in fp32 bf16; do
    echo "== spikelab train --precision $p, built-in corpus, small model, 20 steps on cpu and on cuda (same seed): loss per step"
    for d in cpu cuda; do
      "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar train --device $d --precision $p "${small[@]}" \
        --no-progress --out "$runs/$d-$p" > "$out/train-$d-$p.log" 2>&1 || { status=1; tail -5 "$out/train-$d-$p.log"; }
    done
    paste <(grep -o '"loss":[^,]*' "$runs/cpu-$p/metrics.jsonl") <(grep -o '"loss":[^,]*' "$runs/cuda-$p/metrics.jsonl") \
      | tee "$out/train-compare-$p.txt"
  done
  echo "== spikelab train --device cuda, 1000 steps"
  "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar train --device cuda --steps 1000 --no-progress --out "$runs/long" \
    > "$out/train-long.log" 2>&1 || status=1
  tail -3 "$out/train-long.log"
  cat "$runs/long/summary.json" | tee "$out/train-summary.json"
  rm -rf "$runs"
fi

if [[ -z ${SKIP_TORCH:-} ]] && python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  echo "== PyTorch eager on the same GPU"
  for tf in 0 1; do
    PYTHONUNBUFFERED=1 python3 $g/torch_gpu_bench.py --tf32 $tf --layers 4 --d-model 128 --heads 4 --context 128 --batch 16 --steps 50 \
      2>&1 | tee -a "$out/torch.txt"
    PYTHONUNBUFFERED=1 python3 $g/torch_gpu_bench.py --tf32 $tf --layers 12 --d-model 768 --heads 12 --context 1024 --batch 8 --steps 5 \
      2>&1 | tee -a "$out/torch.txt"
  done
  PYTHONUNBUFFERED=1 python3 $g/torch_gpu_bench.py --precision bf16 --layers 4 --d-model 128 --heads 4 --context 128 --batch 16 \
    --steps 50 2>&1 | tee -a "$out/torch.txt"
  for v in 65 50257; do
    for att in explicit sdpa; do
      PYTHONUNBUFFERED=1 python3 $g/torch_gpu_bench.py --precision bf16 --attention $att --vocab $v --layers 12 --d-model 768 \
        --heads 12 --context 1024 --batch 8 --steps 5 2>&1 | tee -a "$out/torch.txt"
    done
  done
fi
exit $status
