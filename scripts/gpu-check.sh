#!/usr/bin/env bash
# The GPU check in one command, for a bare GPU machine (no Maven, no network), run from the repo
# root after scripts/gpu-stage.sh filled .gpu/:   bash .gpu/gpu-check.sh   (or scripts/gpu-check.sh)
# In order of what a short GPU session needs most:
# 1. tests: the cuda module's test suite (CUDA vs CPU for every op, bf16 products and training
#    steps against the CPU emulation, training steps, determinism)
# 2. bench: spikelab bench --device cuda, bf16 first: the DESIGN §5 reference model and the
#    GPT-2-small shape (vocabularies 65 and 50,257), then fp32 and TF32, and fp32 with CUDA graphs
# 3. runs: bench --runs K, aggregate tokens/s of K concurrent runs of the study's GPU cell
#    (d_model 256, depth 8), K = 1, 4, 8 in threads (a stream each) and K = 4 in processes,
#    K = 1 and 8 with CUDA graphs, and one run at depth 32
# 4. torch: PyTorch bf16 autocast on the same GPU at the GPT-2-small shape (vocabularies 65 and
#    50,257; explicit attention like ours, and scaled_dot_product_attention) and the reference
#    model; with TORCH_FP32=1 also eager fp32 and TF32 (measured before, on 2026-11-23)
# 5. train: spikelab train on the built-in corpus, 20 small-model steps cpu vs cuda (fp32, bf16),
#    then 1000 reference steps on cuda
# A deadline keeps the whole check inside one call of the device tool (10 minutes at most):
# DEADLINE seconds (default 540) after the start, what has not begun is skipped and listed, and
# every command has its own timeout, so a hang costs minutes, not the session. Logs go to $OUT
# (when set) or .gpu/out as they are written, so a cut-off call still returns what ran. Exit
# status: 0 all ran and passed, 1 something failed, 3 all that ran passed but some was skipped.
# Choose parts: bash gpu-check.sh [tests] [bench] [runs] [torch] [train]   (default: all, in
# this order). SKIP_GPT2=1 leaves out the GPT-2-small shape.
set -uo pipefail
g=.gpu
[[ -f $g/spikelab.jar ]] || { echo "gpu-check: $g/spikelab.jar missing: run scripts/gpu-stage.sh first" >&2; exit 2; }
out=${OUT:-$g/out}
mkdir -p "$out"
parts=" ${*:-tests bench runs torch train} "
deadline=${DEADLINE:-540}
start=$(date +%s)
status=0
skipped=()

elapsed() { echo $(( $(date +%s) - start )); }
# true when there is time to start something; else records it as skipped
time_for() {
  if (( $(elapsed) < deadline )); then return 0; fi
  skipped+=("$1")
  echo "== skipped (deadline ${deadline} s passed): $1"
  return 1
}
wanted() { [[ $parts == *" $1 "* ]]; }

java_bin=""
if command -v java >/dev/null 2>&1; then
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [[ -n $v && $v -ge 17 ]] && java_bin=java
fi
[[ -z $java_bin ]] && java_bin=$g/jre/bin/java
jopts=(--add-modules=jdk.incubator.vector -Xmx8g)
spikelab() { "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar "$@"; }
echo "== java: $java_bin ($("$java_bin" -version 2>&1 | head -1)); parts:$parts; deadline ${deadline} s"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"
spikelab info 2>&1 | tee "$out/info.txt"

if wanted tests && time_for "GPU test suite"; then
  echo "== [$(elapsed) s] GPU test suite"
  timeout 300 "$java_bin" "${jopts[@]}" -jar $g/junit-console.jar execute --disable-banner --details=tree \
    --class-path "$g/spikelab.jar:$g/test-classes" --select-package spikelab.cuda \
    --reports-dir "$out/junit" 2>&1 | tee "$out/tests.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
fi

bench() {  # label, then spikelab bench options
  local label=$1; shift
  time_for "bench $label" || return 0
  echo "== [$(elapsed) s] spikelab bench $label: $*"
  timeout 180 "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar bench --device cuda --json "$@" 2>&1 | tee -a "$out/bench.txt" \
    | tail -1 >> "$out/bench.jsonl"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
}
ref=(--activation gelu --layers 4 --d-model 128 --heads 4 --context 128 --batch 16 --bench-steps 50 --bench-warmup 5)
gpt2=(--activation gelu --layers 12 --d-model 768 --heads 12 --context 1024 --batch 8 --bench-steps 5 --bench-warmup 2)
if wanted bench; then
  : > "$out/bench.jsonl"
  bench "reference bf16" "${ref[@]}" --precision bf16
  if [[ -z ${SKIP_GPT2:-} ]]; then
    bench "gpt2-small bf16" "${gpt2[@]}" --precision bf16
    bench "gpt2-small bf16, vocab 50257" "${gpt2[@]}" --precision bf16 --vocab 50257
  fi
  bench "reference fp32" "${ref[@]}"
  bench "reference tf32" "${ref[@]}" --tf32
  bench "reference fp32, CUDA graphs" "${ref[@]}" --cuda-graphs
  if [[ -z ${SKIP_GPT2:-} ]]; then
    bench "gpt2-small fp32" "${gpt2[@]}"
    bench "gpt2-small tf32" "${gpt2[@]}" --tf32
  fi
fi

if wanted runs; then
  # the GPU study preset's cells: K runs of depth 8 side by side, then one run of depth 32 alone
  cell=(--activation gelu --d-model 256 --heads 8 --context 128 --batch 16 --bench-steps 40 --bench-warmup 5)
  : > "$out/runs.jsonl"
  # threads: one context, a stream per run (the default on a GPU); processes: a context each,
  # time-sliced; :graphs replays each run's step as a CUDA graph (--cuda-graphs)
  for mode in threads:1 threads:4 threads:8 processes:4 threads:1:graphs threads:8:graphs; do
    IFS=: read -r m k gr <<< "$mode"
    extra=(); [[ -n $gr ]] && extra=(--cuda-graphs)
    time_for "bench --runs $k --runs-in $m ${extra[*]}" || continue
    echo "== [$(elapsed) s] spikelab bench --runs $k --runs-in $m ${extra[*]}: study cell, depth 8"
    timeout 240 "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar bench --device cuda --json "${cell[@]}" --layers 8 --runs $k --runs-in $m "${extra[@]}" 2>&1 \
      | tee -a "$out/runs.txt" | tail -1 >> "$out/runs.jsonl"
    [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  done
  bench "study cell, depth 32" "${cell[@]}" --layers 32
fi

torch_bench() {  # label, then torch_gpu_bench.py options
  local label=$1; shift
  time_for "torch $label" || return 0
  echo "== [$(elapsed) s] PyTorch $label: $*"
  PYTHONUNBUFFERED=1 timeout 180 python3 $g/torch_gpu_bench.py "$@" 2>&1 | tee -a "$out/torch.txt"
}
if wanted torch; then
  if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    tref=(--layers 4 --d-model 128 --heads 4 --context 128 --batch 16 --steps 50)
    tgpt2=(--layers 12 --d-model 768 --heads 12 --context 1024 --batch 8 --steps 5)
    for v in 65 50257; do
      for att in explicit sdpa; do
        torch_bench "bf16 gpt2-small vocab $v, $att attention" --precision bf16 --attention $att --vocab $v "${tgpt2[@]}"
      done
    done
    torch_bench "bf16 reference" --precision bf16 "${tref[@]}"
    if [[ -n ${TORCH_FP32:-} ]]; then
      for tf in 0 1; do
        torch_bench "eager tf32=$tf reference" --tf32 $tf "${tref[@]}"
        torch_bench "eager tf32=$tf gpt2-small" --tf32 $tf "${tgpt2[@]}"
      done
    fi
  else
    echo "== PyTorch with CUDA not importable here: torch part skipped" | tee -a "$out/torch.txt"
  fi
fi

if wanted train; then
  # the whole trainer path (eval, probes, run files) on the GPU, and its first steps against the CPU
  runs=$(mktemp -d)
  # a small model so the CPU side takes seconds
  small=(--layers 2 --d-model 64 --heads 4 --context 64 --batch 8 --steps 20 --eval-every 10 --eval-batches 2 --probe-every 10)
  for p in fp32 bf16; do
    time_for "train cpu vs cuda, $p" || continue
    echo "== [$(elapsed) s] spikelab train --precision $p, built-in corpus, small model, 20 steps on cpu and on cuda (same seed): loss per step"
    for d in cpu cuda; do
      timeout 120 "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar train --device $d --precision $p "${small[@]}" \
        --no-progress --out "$runs/$d-$p" > "$out/train-$d-$p.log" 2>&1 || { status=1; tail -5 "$out/train-$d-$p.log"; }
    done
    paste <(grep -o '"loss":[^,]*' "$runs/cpu-$p/metrics.jsonl") <(grep -o '"loss":[^,]*' "$runs/cuda-$p/metrics.jsonl") \
      | tee "$out/train-compare-$p.txt"
  done
  if time_for "train --device cuda, 1000 steps"; then
    echo "== [$(elapsed) s] spikelab train --device cuda, 1000 steps"
    timeout 180 "$java_bin" "${jopts[@]}" -jar $g/spikelab.jar train --device cuda --steps 1000 --no-progress --out "$runs/long" \
      > "$out/train-long.log" 2>&1 || status=1
    tail -3 "$out/train-long.log"
    cat "$runs/long/summary.json" | tee "$out/train-summary.json"
  fi
  rm -rf "$runs"
fi

echo "== gpu-check: $(elapsed) s, status $status" | tee "$out/check.txt"
if (( ${#skipped[@]} > 0 )); then
  printf 'skipped for the deadline (rerun with just those parts, e.g. bash gpu-check.sh torch train):\n' | tee -a "$out/check.txt"
  printf '  %s\n' "${skipped[@]}" | tee -a "$out/check.txt"
  (( status == 0 )) && status=3
fi
exit $status
