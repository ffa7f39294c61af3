package spikelab.backend.cpu;

import java.util.Arrays;

/**
 * Causal multi-head attention on the packed qkv activations [B,T,3C]. Work is split over
 * (batch, head) pairs: each pair owns its slice of every output, so no two threads write one
 * element and the result does not depend on the thread count.
 */
final class Attention {
    private final ThreadLocal<float[]> rowScratch = ThreadLocal.withInitial(() -> new float[0]);
    private float[] pairMax = new float[0];

    // For head h, position t:  l_ts = q_t·k_s/√hs (s ≤ t),  p_t = softmax(l_t),  out_t = Σ_s p_ts v_s.
    // att keeps p (zeros above the diagonal); maxLogit gets max |l_ts| over everything.
    void forward(Parallel par, float[] out, int oOff, float[] att, int aOff, float[] maxLogit, int mlOff,
                 float[] qkv, int qOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        if (pairMax.length < b * h) pairMax = new float[b * h];
        float[] pm = pairMax;
        par.forRange(b * h, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                float absMax = 0f;
                for (int ti = 0; ti < t; ti++) {
                    int q = qOff + (bi * t + ti) * c3 + hi * hs;
                    int row = aOff + (bh * t + ti) * t;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int s = 0; s <= ti; s++) {
                        int k = qOff + (bi * t + s) * c3 + c + hi * hs;
                        float dot = 0f;
                        for (int i = 0; i < hs; i++) dot += qkv[q + i] * qkv[k + i];
                        float l = dot * scale;
                        att[row + s] = l;
                        if (l > max) max = l;
                        float a = Math.abs(l);
                        if (a > absMax || a != a) absMax = a;
                    }
                    float sum = 0f;
                    for (int s = 0; s <= ti; s++) {
                        float e = (float) Math.exp(att[row + s] - max);
                        att[row + s] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    for (int s = 0; s <= ti; s++) att[row + s] *= inv;
                    Arrays.fill(att, row + ti + 1, row + t, 0f);
                    int o = oOff + (bi * t + ti) * c + hi * hs;
                    Arrays.fill(out, o, o + hs, 0f);
                    for (int s = 0; s <= ti; s++) {
                        float p = att[row + s];
                        int v = qOff + (bi * t + s) * c3 + 2 * c + hi * hs;
                        for (int i = 0; i < hs; i++) out[o + i] += p * qkv[v + i];
                    }
                }
                pm[bh] = absMax;
            }
        });
        float m = 0f;
        for (int i = 0; i < b * h; i++) if (pm[i] > m || pm[i] != pm[i]) m = pm[i];
        maxLogit[mlOff] = m;
    }

    // dp_ts = dout_t·v_s,  dv_s += p_ts·dout_t,  dl_ts = p_ts·(dp_ts − Σ_s' p_ts'·dp_ts'),
    // dq_t += dl_ts·k_s/√hs,  dk_s += dl_ts·q_t/√hs.  dqkv is overwritten.
    void backward(Parallel par, float[] dqkv, int dOff, float[] dout, int doOff, float[] qkv, int qOff,
                  float[] att, int aOff, int b, int t, int c, int h) {
        int hs = c / h, c3 = 3 * c;
        float scale = (float) (1.0 / Math.sqrt(hs));
        par.forRange(b * h, (from, to) -> {
            float[] dp = rowScratch.get();
            if (dp.length < t) {
                dp = new float[t];
                rowScratch.set(dp);
            }
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                for (int ti = 0; ti < t; ti++) {
                    int base = dOff + (bi * t + ti) * c3 + hi * hs;
                    Arrays.fill(dqkv, base, base + hs, 0f);
                    Arrays.fill(dqkv, base + c, base + c + hs, 0f);
                    Arrays.fill(dqkv, base + 2 * c, base + 2 * c + hs, 0f);
                }
                for (int ti = 0; ti < t; ti++) {
                    int row = aOff + (bh * t + ti) * t;
                    int g = doOff + (bi * t + ti) * c + hi * hs;
                    float dot = 0f;
                    for (int s = 0; s <= ti; s++) {
                        int v = qOff + (bi * t + s) * c3 + 2 * c + hi * hs;
                        int dv = dOff + (bi * t + s) * c3 + 2 * c + hi * hs;
                        float p = att[row + s];
                        float d = 0f;
                        for (int i = 0; i < hs; i++) {
                            d += dout[g + i] * qkv[v + i];
                            dqkv[dv + i] += p * dout[g + i];
                        }
                        dp[s] = d;
                        dot += p * d;
                    }
                    int q = qOff + (bi * t + ti) * c3 + hi * hs;
                    int dq = dOff + (bi * t + ti) * c3 + hi * hs;
                    for (int s = 0; s <= ti; s++) {
                        float dl = att[row + s] * (dp[s] - dot) * scale;
                        int k = qOff + (bi * t + s) * c3 + c + hi * hs;
                        int dk = dOff + (bi * t + s) * c3 + c + hi * hs;
                        for (int i = 0; i < hs; i++) {
                            dqkv[dq + i] += dl * qkv[k + i];
                            dqkv[dk + i] += dl * qkv[q + i];
                        }
                    }
                }
            }
        });
    }
}
