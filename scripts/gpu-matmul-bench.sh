#!/usr/bin/env bash
# Runs on the GPU machine from the staged folder (see gpu-matmul-bench-stage.sh):
#   bash .gpu-gemm/gpu-matmul-bench.sh [env] [tests] [bench] [torch] [ptxas] [ncu]
# Writes logs to $OUT when set.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-/tmp}"
what="${*:-env tests bench torch}"
java="$here/jre/bin/java"
cp="$here/classes:$(ls "$here"/lib/*.jar | grep -v console-standalone | tr '\n' ':')"
has() { [[ " $what " == *" $1 "* ]]; }
if has env; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  nvcc --version | tail -2
  ls /usr/lib/x86_64-linux-gnu /usr/local/cuda*/lib64 2>/dev/null | grep -i cublas | sort -u | head
  find / -xdev -name 'libcublas.so*' 2>/dev/null | head
  echo "which java: $(which java || echo none)"
fi
if has ptxas; then
  nvcc -cubin -arch=sm_90 -O3 -std=c++17 -Xptxas -v -o /tmp/m.cubin "$here/matmul.cu" 2>&1 | grep -E "Function properties|Used|spill" | paste - - - | awk '{print $5, $12, $13, $18, $19, $22, $23, $24}'
fi
if has tests; then
  "$java" -Xmx8g --add-modules jdk.incubator.vector -jar "$here"/lib/junit-platform-console-standalone-*.jar \
    execute --class-path "$here/test-classes:$cp" --select-package spikelab.cuda.matmul \
    --details=tree --disable-banner --disable-ansi-colors 2>&1 | tee "$out/tests.log" | grep -vE "^\s*$" | tail -40
fi
if has bench; then
  "$java" -Xmx8g -cp "$cp" spikelab.cuda.matmul.MatmulBench 15 2>&1 | tee "$out/bench.log"
fi
if has torch; then
  PYTHONUNBUFFERED=1 python3 "$here/gpu-matmul-bench.py" 2>&1 | tee "$out/torch.log"
fi
if has ncu; then
  # stall reasons of the default fp32 kernel on the FFN input product (one launch after warm-up)
  ncu --clock-control none --kernel-name regex:spikelab_sgemm_nt_v --launch-skip 3 --launch-count 1 \
    --section SpeedOfLight --section Occupancy --section SchedulerStats --section WarpStateStats \
    --section MemoryWorkloadAnalysis \
    "$java" -cp "$cp" spikelab.cuda.matmul.MatmulBench 3 50257 "ffn in fwd" > "$out/ncu.log" 2>&1
  grep -vE "^\s*$|----" "$out/ncu.log" | grep -E "Throughput|Stall|Warp Cycles|Issued|Eligible|Active Warps|Occupancy|Registers|Duration|SM Frequency|Bank|smsp__pcsamp|No Eligible|Hit Rate|OPT|L1|Shared" | head -60
fi
