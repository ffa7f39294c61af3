#!/usr/bin/env bash
# Compiles every CUDA C file under src/main/cuda to PTX inside the jar's resources.
# Called by Maven (generate-resources). Without nvcc it warns and the jar ships without kernels;
# the CUDA backend then refuses to start with a message saying so.
set -euo pipefail
src_dir="$1"; out_dir="$2"
nvcc_bin="${NVCC:-}"
if [[ -z "$nvcc_bin" ]]; then
  for c in nvcc /usr/local/cuda/bin/nvcc; do
    if command -v "$c" >/dev/null 2>&1; then nvcc_bin="$c"; break; fi
  done
fi
if [[ -z "$nvcc_bin" ]]; then
  echo "[build-ptx] WARNING: nvcc not found; the CUDA backend in this build has no kernels" >&2
  exit 0
fi
mkdir -p "$out_dir"
shopt -s nullglob
for cu in "$src_dir"/*.cu; do
  name=$(basename "$cu" .cu)
  ptx="$out_dir/$name.ptx"
  if [[ ! -f "$ptx" || "$cu" -nt "$ptx" || -n "$(find "$src_dir" -name '*.cuh' -newer "$ptx" 2>/dev/null)" ]]; then
    # compute_80 PTX: the driver JIT-compiles it for the GPU at hand (A100, H100, ...).
    "$nvcc_bin" -ptx -arch=compute_80 -O3 -std=c++17 -I "$src_dir" -o "$ptx.tmp" "$cu"
    mv "$ptx.tmp" "$ptx"
  fi
done
