// Token + learned position embedding.
#include "common.cuh"

// out[n,:] = wte[idx[n],:] + wpe[n mod T,:]
extern "C" __global__ void sl_embedding_forward(float* out, const int* idx, const float* wte,
                                                const float* wpe, int n, int t, int c) {
    SL_FOR(i, (long long)n * c) {
        int row = (int)(i / c), col = (int)(i % c);
        out[i] = wte[(long long)idx[row] * c + col] + wpe[(long long)(row % t) * c + col];
    }
}

// dwte[tok] += Σ dout[n] over the positions n holding tok, in increasing n (the CPU's order).
// The host groups positions by token when the ids are uploaded: order[] lists positions sorted
// by (token, position), segment s covers order[segStart[s] .. segStart[s+1]) for token segTok[s],
// and *segments says how many there are. Blocks stride over the segments (one block at a time
// per segment), threads over columns: no two threads write one element, no atomics. The launch
// shape depends only on the batch size, never on the batch, so a recorded step can replay it.
extern "C" __global__ void sl_embedding_backward_tokens(float* dwte, const float* dout,
                                                        const int* order, const int* segStart,
                                                        const int* segTok, const int* segments, int c) {
    int count = *segments;
    for (int s = blockIdx.x; s < count; s += gridDim.x) {
        int from = segStart[s], to = segStart[s + 1];
        float* dst = dwte + (long long)segTok[s] * c;
        for (int col = blockIdx.y * blockDim.x + threadIdx.x; col < c; col += gridDim.y * blockDim.x) {
            float acc = dst[col];
            for (int k = from; k < to; k++) acc += dout[(long long)order[k] * c + col];
            dst[col] = acc;
        }
    }
}

// dwpe[t] += Σ_b dout[b,t], b in order
extern "C" __global__ void sl_embedding_backward_positions(float* dwpe, const float* dout,
                                                           int b, int t, int c) {
    SL_FOR(i, (long long)t * c) {
        float acc = dwpe[i];
        for (int bi = 0; bi < b; bi++) acc += dout[(long long)bi * t * c + i];
        dwpe[i] = acc;
    }
}
