#!/usr/bin/env bash
# The activation x depth stability study as one resumable sweep.
#
#   scripts/reproduce-activation-study.sh cpu            # this 2-core machine, small models
#   scripts/reproduce-activation-study.sh gpu            # one NVIDIA GPU, larger models, depths to 32
#   scripts/reproduce-activation-study.sh cpu --norm post --out runs/study-post   # extra options go to the sweep/train
#
# Rerunning the same command resumes: finished cells are skipped. The report
# (summary.csv, report.md, plots/) is written into the sweep directory at the end;
# regenerate it any time with: scripts/spikelab report <sweep dir>
# To split the grid over machines or a Slurm array, add --shard I/N --no-report (docs/sweeps.md).
# The data is train's default, tinyshakespeare (char tokens). docs/results.md was measured on the
# synthetic corpus before that became the default: add --data synthetic to repeat it exactly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

preset="${1:-}"
case "$preset" in
  cpu)
    # 3 activations x 4 depths x 3 seeds x 7 learning rates = 252 runs of a d_model-32 model,
    # 300 steps each: the lr grid steps by ~3x from well below the optimum (1e-3) to 1, where
    # every cell diverges, so each activation's breaking point is bracketed. Measured on the
    # 2-vCPU machine: ~20 min (runs that diverge stop early).
    # W=50 instead of DESIGN's 100: with 300 steps the default window would still hold the
    # initial loss drop for a third of the run.
    out="runs/activation-study-cpu"
    args=(--activations relu,gelu,swiglu --depths 2,4,8,16 --seeds 1,2,3
          --lrs 1e-3,3e-3,1e-2,3e-2,1e-1,3e-1,1
          --device cpu --d-model 32 --heads 4 --context 32 --batch 8 --steps 300 --warmup 30
          --spike-window 50 --eval-every 50 --eval-batches 4 --probe-every 50)
    ;;
  gpu)
    # 4 activations x 5 depths x 3 seeds x 6 learning rates = 360 runs of a d_model-256
    # model, 1500 steps each; the lr grid is Wortsman et al. 2023's from 1e-3 up (3e-4 is
    # below every cell's optimum at this size). Measured on one H100 (spikelab's own SGEMM,
    # no cuBLAS 12): 116k tokens/s at depth 32, so ~110 s per depth-32 cell and ~4 h for the
    # grid; --shard i/n splits it over GPUs (docs/sweeps.md).
    out="runs/activation-study-gpu"
    args=(--activations relu,gelu,swiglu,geglu --depths 2,4,8,16,32 --seeds 1,2,3
          --lrs 1e-3,3e-3,1e-2,3e-2,1e-1,3e-1
          --device cuda --d-model 256 --heads 8 --context 256 --batch 32 --steps 1500 --warmup 150
          --eval-every 150 --eval-batches 8 --probe-every 150)
    ;;
  *)
    echo "usage: $0 cpu|gpu [more sweep or train options, e.g. --norm post --out DIR]" >&2
    exit 2
    ;;
esac
shift

# a later --out on the command line wins over the preset's
for a in "$@"; do [[ "$a" == --out || "$a" == --out=* ]] && out=""; done
[[ -n "$out" ]] && args+=(--out "$out")

echo "activation study, $preset preset: scripts/spikelab sweep ${args[*]} $*" >&2
exec "$root/scripts/spikelab" sweep "${args[@]}" --no-progress "$@"
