// FFN hidden activations, the formulas of spikelab.model.Activation (gate ids follow its Gate
// enum order: 0 relu, 1 gelu_tanh, 2 silu, 3 sigmoid, 4 identity).
#include "common.cuh"

#define SQRT_2_OVER_PI 0.7978845608028654f

__device__ __forceinline__ float sl_sigmoid(float u) { return 1.f / (1.f + expf(-u)); }

// g(u)
__device__ __forceinline__ float sl_gate(int g, float u) {
    switch (g) {
        case 0: return u > 0.f ? u : 0.f;
        case 1: {  // 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³)))
            float inner = SQRT_2_OVER_PI * (u + 0.044715f * u * u * u);
            return 0.5f * u * (1.f + tanhf(inner));
        }
        case 2: return u / (1.f + expf(-u));
        case 3: return sl_sigmoid(u);
        default: return u;
    }
}

// g'(u); relu'(0) = 0
__device__ __forceinline__ float sl_gate_grad(int g, float u) {
    switch (g) {
        case 0: return u > 0.f ? 1.f : 0.f;
        case 1: {
            float u2 = u * u;
            float th = tanhf(SQRT_2_OVER_PI * (u + 0.044715f * u2 * u));
            float sech2 = 1.f - th * th;
            return 0.5f * (1.f + th) + 0.5f * u * sech2 * SQRT_2_OVER_PI * (1.f + 3.f * 0.044715f * u2);
        }
        case 2: {
            float s = sl_sigmoid(u);
            return s * (1.f + u * (1.f - s));
        }
        case 3: {
            float s = sl_sigmoid(u);
            return s * (1.f - s);
        }
        default: return 1.f;
    }
}

// plain: out = g(pre);  gated: pre row = (a | u), out = g(a) ⊙ u
extern "C" __global__ void sl_activation_forward(float* out, const float* pre, int n, int hidden,
                                                 int gate, int gated) {
    int pw = gated ? 2 * hidden : hidden;
    SL_FOR(i, (long long)n * hidden) {
        long long r = i / hidden, j = i % hidden;
        const float* p = pre + r * pw;
        float y = sl_gate(gate, p[j]);
        out[i] = gated ? y * p[hidden + j] : y;
    }
}

// plain: dpre = dout·g'(pre);  gated: da = dout·u·g'(a), du = dout·g(a)   (overwrites dpre)
extern "C" __global__ void sl_activation_backward(float* dpre, const float* dout, const float* pre,
                                                  int n, int hidden, int gate, int gated) {
    int pw = gated ? 2 * hidden : hidden;
    SL_FOR(i, (long long)n * hidden) {
        long long r = i / hidden, j = i % hidden;
        const float* p = pre + r * pw;
        float* dp = dpre + r * pw;
        float g = dout[i], a = p[j];
        if (gated) {
            dp[j] = g * p[hidden + j] * sl_gate_grad(gate, a);
            dp[hidden + j] = g * sl_gate(gate, a);
        } else {
            dp[j] = g * sl_gate_grad(gate, a);
        }
    }
}
