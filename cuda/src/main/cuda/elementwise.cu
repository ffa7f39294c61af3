// Element-wise helpers. fill and copy go through cuMemsetD32Async / cuMemcpyDtoDAsync; only
// axpy needs a kernel.
#include "common.cuh"

// y += a·x
extern "C" __global__ void sl_axpy(float* y, const float* x, float a, long long n) {
    SL_FOR(i, n) y[i] += a * x[i];
}
