#!/usr/bin/env bash
# SIGKILL a training run at random instants (KILLS, default 20) and resume it each time, with a
# checkpoint every step so that many kills land inside a checkpoint write. Then check that the
# pieced-together run equals an uninterrupted one (every step's loss, gradient norm and
# validation loss, and the final weights byte for byte) and that no temporaries are left.
#   scripts/kill-resume.sh            # 20 kills, about a minute on 2 cores
#   KILLS=50 SEED=7 scripts/kill-resume.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
launcher="$root/scripts/spikelab"
kills="${KILLS:-20}"
RANDOM="${SEED:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/kill-resume.XXXXXX")"
echo "working in $work"

"$launcher" info >/dev/null   # builds the jar first if needed, so no kill lands in the build
common=(train --device cpu --threads 1 --layers 2 --d-model 32 --heads 2 --context 16 --batch 4
        --steps 600 --eval-every 25 --eval-batches 1 --probe-every 25 --spike-window 10 --warmup 10
        --lr 3e-3 --seed 3 --no-progress --log-every 100000)
SPIKELAB_NO_BUILD=1 "$launcher" "${common[@]}" --out "$work/whole" >"$work/whole.log" 2>&1

run="$work/pieced"
metrics="$run/metrics.jsonl"
lines() { [[ -f "$metrics" ]] && wc -l <"$metrics" || echo 0; }
in_write=0
for ((i = 1; i <= kills; i++)); do
  if [[ $i == 1 ]]; then args=("${common[@]}" --checkpoint-every 1 --out "$run")
  else args=(train --resume "$run" --no-progress --log-every 100000); fi
  SPIKELAB_NO_BUILD=1 "$launcher" "${args[@]}" >>"$work/pieced.log" 2>&1 &
  pid=$!
  start=$(lines)
  if (( RANDOM % 5 == 0 && i > 1 )); then
    sleep "0.$((RANDOM % 9 + 1))"            # during start-up or resuming
  else
    target=$((start + 1 + RANDOM % 25))      # after 1..25 more steps, then a random few ms later
    while (( $(lines) < target )) && kill -0 "$pid" 2>/dev/null; do sleep 0.005; done
    sleep "0.0$((RANDOM % 10))"
  fi
  kill -9 "$pid" 2>/dev/null || { echo "run ended before kill $i: raise --steps in this script" >&2; exit 1; }
  wait "$pid" 2>/dev/null || true
  left="$(find "$run" -name '*.tmp' | wc -l)"
  (( left > 0 )) && in_write=$((in_write + 1))
  printf 'kill %2d at step %4s  (temporaries left behind: %s)\n' "$i" "$(lines)" "$left"
done

SPIKELAB_NO_BUILD=1 "$launcher" train --resume "$run" --no-progress --log-every 100000 >>"$work/pieced.log" 2>&1 \
  || { echo "FAIL: the final resume failed; see $work/pieced.log" >&2; tail -3 "$work/pieced.log" >&2; exit 1; }

python3 - "$work/whole/metrics.jsonl" "$metrics" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b) == 600, (len(a), len(b))
for x, y in zip(a, b):
    for k in ("step", "loss", "grad_norm", "update_ratio", "val_loss", "dead_fraction"):
        assert x.get(k) == y.get(k), f"step {x['step']} {k}: {x.get(k)} vs {y.get(k)}"
print("metrics: all 600 steps identical (loss, grad_norm, update_ratio, val_loss, dead_fraction)")
PY
cmp "$work/whole/model.safetensors" "$run/model.safetensors" && echo "model.safetensors: byte-identical"
python3 - "$work/whole/train_state.safetensors" "$run/train_state.safetensors" <<'PY'
import struct, sys
def data(path):                      # the tensors; the header's metadata holds wall-clock timings
    b = open(path, "rb").read()
    return b[8 + struct.unpack("<Q", b[:8])[0]:]
assert data(sys.argv[1]) == data(sys.argv[2]), "train_state tensors differ"
print("train_state.safetensors: tensors byte-identical (AdamW moments, step, sampler state)")
PY
left="$(find "$run" -name '*.tmp' | wc -l)"
[[ "$left" == 0 ]] || { echo "FAIL: $left temporaries left" >&2; exit 1; }
echo "PASS: $kills kills ($in_write inside a checkpoint write), resumed every time; no temporaries left"
