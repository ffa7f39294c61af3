"""PyTorch reference numbers on the GPU machine for the CUDA matmul work (cuda/NOTES-matmul.md).

1. fp32 and TF32 GFLOP/s of torch.matmul (cuBLAS) for the GPT-2-small products MatmulBench times.
2. Eager fp32 training throughput (tokens/s) of a GPT-2-small-shaped model (C=768, 12 layers,
   12 heads, T=1024, B=8, V=50257, pre-LN, GELU, no linear biases), AdamW: the acceptance bar.
Median of event-timed repeats after warm-up, random data.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

dev = "cuda"
torch.manual_seed(0)


def bench(fn, reps=20, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2]


def matmuls(vocab=50257):
    N, C, H4, T, HS, BH = 8192, 768, 3072, 1024, 64, 96
    shapes = [  # name, ta, tb, m, n, k, batch
        ("qkv fwd", 0, 1, N, 3 * C, C, 1), ("qkv dX", 0, 0, N, C, 3 * C, 1), ("qkv dW", 1, 0, 3 * C, C, N, 1),
        ("proj fwd", 0, 1, N, C, C, 1), ("proj dW", 1, 0, C, C, N, 1),
        ("ffn in fwd", 0, 1, N, H4, C, 1), ("ffn in dX", 0, 0, N, C, H4, 1), ("ffn in dW", 1, 0, H4, C, N, 1),
        ("attn QK^T x96", 0, 1, T, T, HS, BH), ("attn P.V x96", 0, 0, T, HS, T, BH),
        ("lm head fwd", 0, 1, N, vocab, C, 1),
    ]
    print(f"{'product':16s} {'m x n x k':24s} {'fp32':>8s} {'tf32':>8s}  [GFLOP/s]")
    for name, ta, tb, m, n, k, b in shapes:
        A = torch.rand((b, k, m) if ta else (b, m, k), device=dev) * 2 - 1
        B = torch.rand((b, n, k) if tb else (b, k, n), device=dev) * 2 - 1
        opA = A.transpose(1, 2) if ta else A
        opB = B.transpose(1, 2) if tb else B
        if b == 1:
            opA, opB = opA[0], opB[0]
        out = []
        for tf32 in (False, True):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            ms = bench(lambda: torch.matmul(opA, opB))
            out.append(2.0 * m * n * k * b / ms / 1e6)
        torch.backends.cuda.matmul.allow_tf32 = False
        print(f"{name:16s} {f'{m}x{n}x{k}' + (f' x{b}' if b > 1 else ''):24s} {out[0]:8.0f} {out[1]:8.0f}")
        del A, B, opA, opB


class Block(nn.Module):
    def __init__(self, C, H, sdpa):
        super().__init__()
        self.H, self.sdpa = H, sdpa
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C, bias=False)
        self.proj = nn.Linear(C, C, bias=False)
        self.w1 = nn.Linear(C, 4 * C, bias=False)
        self.w2 = nn.Linear(4 * C, C, bias=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.H)
            mask = torch.ones(T, T, device=x.device, dtype=torch.bool).tril()
            att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
            y = att @ v
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + self.w2(F.gelu(self.w1(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, V, C, L, H, T, sdpa):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block(C, H, sdpa) for _ in range(L))
        self.lnf = nn.LayerNorm(C)
        self.head = nn.Linear(C, V, bias=False)

    def forward(self, idx, tgt):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for b in self.blocks:
            x = b(x)
        return F.cross_entropy(self.head(self.lnf(x)).view(-1, self.head.out_features), tgt.view(-1))


def train(sdpa, tf32=False, V=50257, steps=8):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    B, T = 8, 1024
    model = GPT(V, 768, 12, 12, T, sdpa).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    idx = torch.randint(0, V, (B, T), device=dev)
    tgt = torch.randint(0, V, (B, T), device=dev)

    def step():
        loss = model(idx, tgt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    ms = bench(step, reps=steps, warm=2)
    print(f"GPT-2-small train step, eager {'tf32' if tf32 else 'fp32'}, "
          f"attention {'SDPA' if sdpa else 'manual'}: {ms:.1f} ms/step, {B * T / ms * 1e3:,.0f} tokens/s")
    torch.backends.cuda.matmul.allow_tf32 = False
    del model, opt
    torch.cuda.empty_cache()


if __name__ == "__main__":
    print(torch.__version__, torch.cuda.get_device_name(), "tf32 default:", torch.backends.cuda.matmul.allow_tf32)
    what = sys.argv[1:] or ["matmul", "train"]
    if "matmul" in what:
        matmuls()
    if "train" in what:
        train(sdpa=False)
        train(sdpa=True)
        train(sdpa=False, tf32=True)
