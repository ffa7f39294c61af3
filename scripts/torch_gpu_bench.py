#!/usr/bin/env python3
"""PyTorch eager baseline for `spikelab bench --device cuda`: the same model (pre-LN GPT,
learned positions, bias-free linears, untied head, GELU-tanh or SwiGLU FFN) and the same step
(forward, backward, global grad-norm clip at 1, AdamW) on random tokens, timed after warm-up.
FLOPs per token use spikelab's count, 6·N_matmul + 6·L·C·T, so the numbers compare directly.
--precision fp32|tf32|bf16 (bf16: autocast to bfloat16 around the forward pass, fp32 weights and
optimizer, as `spikelab --precision bf16`); --attention explicit (the T×T probabilities
materialised, like spikelab) or sdpa (torch's scaled_dot_product_attention, flash kernels)."""
import argparse, contextlib, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, h, act, sdpa):
        super().__init__()
        self.h, self.act, self.sdpa = h, act, sdpa
        self.ln1, self.ln2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.qkv, self.wo = nn.Linear(c, 3 * c, bias=False), nn.Linear(c, c, bias=False)
        hidden = 4 * c if act == "gelu" else ((8 * c + 2) // 3 + 31) // 32 * 32
        self.w_in = nn.Linear(c, hidden * (2 if act == "swiglu" else 1), bias=False)
        self.w_out = nn.Linear(hidden, c, bias=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            # explicit softmax attention (spikelab materialises the T×T probabilities too)
            s = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.h)
            s = s.masked_fill(torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
            y = s.softmax(-1) @ v
        y = y.transpose(1, 2).reshape(b, t, c)
        x = x + self.wo(y)
        u = self.w_in(self.ln2(x))
        if self.act == "swiglu":
            g, up = u.chunk(2, dim=-1)
            u = F.silu(g) * up
        else:
            u = F.gelu(u, approximate="tanh")
        return x + self.w_out(u)


class GPT(nn.Module):
    def __init__(self, v, c, h, layers, t, act, sdpa):
        super().__init__()
        self.tok, self.pos = nn.Embedding(v, c), nn.Embedding(t, c)
        self.blocks = nn.ModuleList(Block(c, h, act, sdpa) for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(c), nn.Linear(c, v, bias=False)

    def forward(self, idx, tgt):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]).float(), tgt.view(-1))


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("layers", 4), ("d-model", 128), ("heads", 4), ("context", 128), ("batch", 16),
                          ("vocab", 65), ("steps", 50), ("warmup", 5), ("tf32", 0)]:
        ap.add_argument("--" + name, type=int, default=default)
    ap.add_argument("--activation", default="gelu", choices=["gelu", "swiglu"])
    ap.add_argument("--precision", default=None, choices=["fp32", "tf32", "bf16"], help="default: tf32 if --tf32 1, else fp32")
    ap.add_argument("--attention", default="explicit", choices=["explicit", "sdpa"])
    ap.add_argument("--device", default="cuda", help="cuda (the benchmark); cpu only to try the script")
    a = ap.parse_args()
    precision = a.precision or ("tf32" if a.tf32 else "fp32")
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = precision == "tf32"
    torch.manual_seed(1337)
    dev = a.device
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    model = GPT(a.vocab, a.d_model, a.heads, a.layers, a.context, a.activation, a.attention == "sdpa").to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
    idx = torch.randint(0, a.vocab, (a.batch, a.context), device=dev)
    tgt = torch.randint(0, a.vocab, (a.batch, a.context), device=dev)

    def autocast():
        if precision == "bf16":
            return torch.autocast(device_type=dev, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = model(idx, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    sec = time.perf_counter() - t0
    n_params = sum(p.numel() for p in model.parameters())
    n_matmul = n_params - a.context * a.d_model - a.vocab * a.d_model
    flops_tok = 6 * n_matmul + 6 * a.layers * a.d_model * a.context
    tps = a.steps * a.batch * a.context / sec
    tflops = tps * flops_tok / 1e12
    peak = {"fp32": 67.0, "tf32": 495.0, "bf16": 989.0}[precision]   # H100/H200 SXM dense published peaks
    print(json.dumps({"impl": "pytorch-eager", "torch": torch.__version__, "gpu": torch.cuda.get_device_name() if dev == "cuda" else "cpu",
                      "precision": precision, "tf32": precision == "tf32", "attention": a.attention,
                      "vocab": a.vocab, "layers": a.layers, "d_model": a.d_model, "heads": a.heads,
                      "context": a.context, "batch": a.batch, "parameters": n_params,
                      "ms_per_step": round(1e3 * sec / a.steps, 3), "tokens_per_s": round(tps),
                      "achieved_tflops": round(tflops, 2), "mfu_vs_h100_peak": round(tflops / peak, 4)}))


if __name__ == "__main__":
    main()
