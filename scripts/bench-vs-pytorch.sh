#!/usr/bin/env bash
# spikelab's CPU backend against PyTorch on the same machine, in the same run.
#
#   scripts/bench-vs-pytorch.sh                      # DESIGN §5 reference model, 3 alternating rounds
#   scripts/bench-vs-pytorch.sh --rounds 5 --activation swiglu
#   scripts/bench-vs-pytorch.sh --table              # d-model 64..512 x depth 2..16 table (docs/performance.md)
#
# Each round runs PyTorch with every thread count in --torch-threads and then `spikelab bench`,
# so both see the same machine state; a figure is the median over rounds. PyTorch's best is the
# best thread setting's median. Peak memory is the process's maximum resident set (GNU time),
# the same measure for both. Both train the identical model (scripts/torch_reference.py is
# DESIGN §1 in PyTorch, same parameter count) with full steps: forward, backward, clipping, AdamW.
#
# PyTorch gets its BLAS at its best: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (which some machines
# set, this project's among them, forcing OpenBLAS's 256-bit Haswell kernels on AVX-512 cores)
# are unset for it, and OPENBLAS_NUM_THREADS is pinned to its thread count so OpenBLAS does not
# start a second pool of its own. The OpenBLAS core it then runs on is printed first.
#
# Options: --rounds N (3), --torch-threads LIST (1,2), --threads N (spikelab; default all cores),
#          --table, --out FILE (also write every measurement as JSON lines), --from FILE (only
#          summarise measurements an earlier --out saved), and model options
#          --activation --layers --d-model --heads --context --batch --vocab (reference values by
#          default; --vocab 50257 is GPT-2's, whose output layer then dominates the step).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py=/usr/bin/python3

rounds=3; torch_threads=1,2; threads=""; table=0; out=""; from=""
activation=gelu; layers=4; d_model=128; heads=4; context=128; batch=16; vocab=65
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --torch-threads) torch_threads="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --table) table=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --from) from="$2"; shift 2 ;;
    --activation) activation="$2"; shift 2 ;;
    --layers) layers="$2"; shift 2 ;;
    --d-model) d_model="$2"; shift 2 ;;
    --heads) heads="$2"; shift 2 ;;
    --context) context="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --vocab) vocab="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-vs-pytorch: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$from" ]]; then
# PyTorch: Debian's python3-torch, installed when missing, with OpenBLAS behind it. Debian's
# torch calls whatever libblas.so.3 the alternatives system points at; with only the reference
# BLAS installed a 1024^3 product runs at ~6 GFLOP/s instead of ~100, and PyTorch would train
# ~6x slower than it can, which is no comparison at all.
need=()
"$py" -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [[ ${#need[@]} -gt 0 ]]; then
  echo "bench-vs-pytorch: installing ${need[*]} (one time)" >&2
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${need[@]}" >/dev/null
  "$py" -c 'import torch' || { echo "bench-vs-pytorch: python3-torch did not install; install it and rerun" >&2; exit 1; }
fi
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
[[ "$blas" == *openblas* ]] || echo "bench-vs-pytorch: warning: libblas.so.3 is $blas, not OpenBLAS; PyTorch will be slow (update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2
[[ -x /usr/bin/time ]] || { echo "bench-vs-pytorch: needs GNU time (apt-get install time)" >&2; exit 1; }

# build once, then never again inside the timed loop
"$root/scripts/spikelab" --version >/dev/null
export SPIKELAB_NO_BUILD=1

tmp="$(mktemp)"; results="$tmp"; trap 'rm -f "$tmp" "$tmp".*' EXIT

# steps per measurement: ~20 timed steps on the reference model, at least 3 on the largest
steps_for() { # layers d_model
  "$py" -c "import sys; L,C=int(sys.argv[1]),int(sys.argv[2]); n=12*L*C*C; print(max(3,min(20,round(1.6e7/n))))" "$1" "$2"
}

# one measurement: appends a JSON line {impl, threads, tokens_per_s, mfu?, rss_mb, ...}
measure() { # impl threads layers d_model heads
  local impl="$1" th="$2" L="$3" C="$4" H="$5" steps warm json rss
  steps=$(steps_for "$L" "$C"); warm=$(( steps >= 10 ? 3 : 1 ))
  if [[ "$impl" == pytorch ]]; then
    json=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$th" \
      /usr/bin/time -f 'RSS %M' -o "$results.time" "$py" "$root/scripts/torch_reference.py" bench \
      --threads "$th" --activation "$activation" --layers "$L" --d-model "$C" --heads "$H" \
      --context "$context" --batch "$batch" --vocab "$vocab" --warmup-steps "$warm" --bench-steps "$steps" | tail -1)
  else
    json=$(/usr/bin/time -f 'RSS %M' -o "$results.time" "$root/scripts/spikelab" bench --device cpu \
      ${th:+--threads "$th"} --activation "$activation" --layers "$L" --d-model "$C" --heads "$H" \
      --context "$context" --batch "$batch" --vocab "$vocab" --bench-warmup "$warm" --bench-steps "$steps" \
      --json 2>/dev/null | tail -1)
  fi
  [[ "$json" == "{"* ]] || { echo "bench-vs-pytorch: the $impl run printed no result (last line: ${json:-nothing}); rerun it alone to see why" >&2; exit 1; }
  rss=$(awk '/^RSS/ {print int($2/1024)}' "$results.time")
  "$py" - "$impl" "$L" "$C" "$rss" "$json" >>"$results" <<'EOF'
import json, sys
impl, layers, c, rss, line = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
r = json.loads(line)
print(json.dumps({"impl": impl, "layers": layers, "d_model": c, "threads": r.get("threads"),
                  "tokens_per_s": float(r["tokens_per_s"]), "mfu": r.get("mfu"),
                  "peak_gflops": r.get("peak_gflops"), "params": r.get("parameter_count"),
                  "rss_mb": rss, "heap_mb": r.get("peak_memory_mb")}))
EOF
  tail -1 "$results" >&2
}

cells=()
if [[ $table == 1 ]]; then
  for C in 64 128 256 512; do for L in 2 4 8 16; do cells+=("$L $C $(( C / 32 ))"); done; done
  [[ "$rounds" == 3 ]] && rounds=1   # one round per cell unless asked: the table is 16 models
else
  cells+=("$layers $d_model $heads")
fi

# which kernels OpenBLAS picks for PyTorch once the overrides are gone (AVX-512 cores: SkylakeX or Cooperlake)
core=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" -c '
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1]); lib.openblas_get_corename.restype = ctypes.c_char_p
print(lib.openblas_get_corename().decode())' "$blas" 2>/dev/null || echo "unknown")
echo "bench-vs-pytorch: $activation, T=$context B=$batch V=$vocab, $rounds round(s), torch threads $torch_threads, $(nproc) cores, BLAS $blas, OpenBLAS core $core (OPENBLAS_CORETYPE/L2_SIZE unset for PyTorch)" >&2
for cell in "${cells[@]}"; do
  read -r L C H <<<"$cell"
  for ((r = 1; r <= rounds; r++)); do
    for th in ${torch_threads//,/ }; do measure pytorch "$th" "$L" "$C" "$H"; done
    measure spikelab "$threads" "$L" "$C" "$H"
  done
done
[[ -n "$out" ]] && cp "$results" "$out"
else
  [[ -f "$from" ]] || { echo "bench-vs-pytorch: --from $from: no such file" >&2; exit 2; }
  results="$from"
fi

"$py" - "$results" "$table" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
table = sys.argv[2] == "1"
cells = sorted({(r["d_model"], r["layers"]) for r in rows})
def med(rs, key):
    return statistics.median(r[key] for r in rs)
out = []
for c, l in cells:
    cell = [r for r in rows if (r["d_model"], r["layers"]) == (c, l)]
    ours = [r for r in cell if r["impl"] == "spikelab"]
    torch_by_threads = {}
    for r in cell:
        if r["impl"] == "pytorch":
            torch_by_threads.setdefault(r["threads"], []).append(r)
    best_th, best = max(((th, med(rs, "tokens_per_s")) for th, rs in torch_by_threads.items()), key=lambda x: x[1])
    tps = med(ours, "tokens_per_s")
    out.append(dict(c=c, l=l, params=ours[0]["params"], tps=tps, mfu=med(ours, "mfu"),
                    peak=med(ours, "peak_gflops"), rss=max(r["rss_mb"] for r in ours),
                    threads=ours[0]["threads"], torch=best, torch_th=best_th,
                    torch_all={th: med(rs, "tokens_per_s") for th, rs in sorted(torch_by_threads.items())},
                    torch_rss=max(r["rss_mb"] for r in torch_by_threads[best_th])))
if table:
    # one peak for the whole table, the best any run measured: each run times its own 1024^3
    # product, and on a shared machine a slow moment there would inflate that run's MFU
    peak = max(r["peak_gflops"] for r in rows if r["impl"] == "spikelab")
    print(f"MFU against {peak:.0f} GFLOP/s, the best 1024^3 product any run measured; "
          "FLOPs per token 6N + 6LCT for both implementations.\n")
    print("| d_model | layers | params | spikelab tokens/s | spikelab MFU | spikelab peak RSS | PyTorch best tokens/s (threads) | PyTorch MFU | PyTorch peak RSS | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for o in out:
        achieved = o['mfu'] * o['peak']  # GFLOP/s of the spikelab run
        flops_per_token = achieved / o['tps']
        print(f"| {o['c']} | {o['l']} | {o['params']:,} | {o['tps']:,.0f} | {100*achieved/peak:.1f}% | {o['rss']:,} MB "
              f"| {o['torch']:,.0f} ({o['torch_th']}) | {100*o['torch']*flops_per_token/peak:.1f}% | {o['torch_rss']:,} MB "
              f"| {o['tps']/o['torch']:.2f}× |")
else:
    o = out[0]
    for th, v in o["torch_all"].items():
        print(f"PyTorch, {th} thread(s):  {v:,.0f} tokens/s (median)")
    print(f"PyTorch best:            {o['torch']:,.0f} tokens/s ({o['torch_th']} thread(s)), peak RSS {o['torch_rss']:,} MB")
    print(f"spikelab ({o['threads']} threads):   {o['tps']:,.0f} tokens/s, MFU {100*o['mfu']:.1f}% of "
          f"{o['peak']:.0f} GFLOP/s measured, peak RSS {o['rss']:,} MB")
    print(f"ratio spikelab / PyTorch best: {o['tps']/o['torch']:.2f}")
EOF
