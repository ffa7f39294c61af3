#!/usr/bin/python3
"""The spikelab model (DESIGN.md section 1) written in PyTorch, as an independent reference.

Three uses:
  bench     tokens/s of full training steps (forward, backward, clip, AdamW) after a warm-up,
            for comparison with `spikelab bench`;
  train     char-level training on a text file (90/10 split), one JSON line per report;
  generate  loads a spikelab model.safetensors (weights and config, read with the standard
            library) and continues --prompt greedily, as `spikelab generate --temperature 0`
            does: the same text from both is an end-to-end check of the layout and the maths.

Runs with Debian's python3-torch (1.13) on the CPU machines and with torch 2.x on GPU boxes;
only APIs present in both are used.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = ("relu", "gelu", "swiglu", "geglu", "reglu", "glu", "bilinear")
GATED = {"swiglu": F.silu,
         "geglu": lambda u: F.gelu(u, approximate="tanh"),
         "reglu": F.relu,
         "glu": torch.sigmoid,
         "bilinear": lambda u: u}


def hidden_width(activation, c, ffn_hidden="auto"):
    """--ffn-hidden: N, or auto, the rule of spikelab.model.Activation.hiddenWidth: 4C, or
    round(8C/3) for gated FFNs (8C/3 is never halfway, so (8C + 1) // 3 rounds it)."""
    if str(ffn_hidden) != "auto":
        return int(ffn_hidden)
    if activation not in GATED:
        return 4 * c
    return (8 * c + 1) // 3


class FFN(nn.Module):
    def __init__(self, activation, c, ffn_hidden="auto"):
        super().__init__()
        self.activation = activation
        self.hidden = hidden_width(activation, c, ffn_hidden)
        pre = 2 * self.hidden if activation in GATED else self.hidden
        # one [pre, C] input matrix, gate rows first, like spikelab's ffn.w_in
        self.w_in = nn.Linear(c, pre, bias=False)
        self.w_out = nn.Linear(self.hidden, c, bias=False)

    def forward(self, x):
        u = self.w_in(x)
        if self.activation == "relu":
            a = F.relu(u)
        elif self.activation == "gelu":
            a = F.gelu(u, approximate="tanh")
        else:
            gate, up = u.split(self.hidden, dim=-1)
            a = GATED[self.activation](gate) * up
        return self.w_out(a)


class Attention(nn.Module):
    def __init__(self, c, heads, context, qk_norm=False):
        super().__init__()
        self.heads = heads
        self.wqkv = nn.Linear(c, 3 * c, bias=False)
        self.wo = nn.Linear(c, c, bias=False)
        # QK-norm: one LayerNorm over a head's C/H features, shared by the heads of the layer
        self.q_norm = nn.LayerNorm(c // heads, eps=1e-5) if qk_norm else None
        self.k_norm = nn.LayerNorm(c // heads, eps=1e-5) if qk_norm else None
        mask = torch.tril(torch.ones(context, context, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        hs = c // self.heads
        q, k, v = self.wqkv(x).split(c, dim=-1)
        q = q.view(b, t, self.heads, hs).transpose(1, 2)
        k = k.view(b, t, self.heads, hs).transpose(1, 2)
        v = v.view(b, t, self.heads, hs).transpose(1, 2)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        # explicit softmax(QK^T/sqrt(hs)) rather than scaled_dot_product_attention, which
        # torch 1.13 lacks; both versions then run the same arithmetic
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(~self.mask[:t, :t], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.wo(y)


class Block(nn.Module):
    def __init__(self, args):
        super().__init__()
        c = args.d_model
        self.post = args.norm == "post"
        self.ln1 = nn.LayerNorm(c, eps=1e-5)
        self.attn = Attention(c, args.heads, args.context, getattr(args, "qk_norm", False))
        self.ln2 = nn.LayerNorm(c, eps=1e-5)
        self.ffn = FFN(args.activation, c, getattr(args, "ffn_hidden", "auto"))

    def forward(self, x):
        if self.post:
            x = self.ln1(x + self.attn(x))
            return self.ln2(x + self.ffn(x))
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class Model(nn.Module):
    def __init__(self, args, vocab):
        super().__init__()
        c = args.d_model
        self.tok_emb = nn.Embedding(vocab, c)
        self.pos_emb = nn.Embedding(args.context, c)
        self.layers = nn.ModuleList(Block(args) for _ in range(args.layers))
        # post-LN blocks end in a LayerNorm already (Xiong et al. 2020, Fig. 1a): no ln_f then
        self.ln_f = nn.LayerNorm(c, eps=1e-5) if args.norm == "pre" else None
        self.lm_head = nn.Linear(c, vocab, bias=False)
        std = 0.02
        resid_std = std / math.sqrt(2 * args.layers) if args.scaled_init else std
        for name, p in self.named_parameters():
            if p.dim() == 2:
                is_resid = name.endswith("attn.wo.weight") or name.endswith("ffn.w_out.weight")
                nn.init.normal_(p, mean=0.0, std=resid_std if is_resid else std)
        # LayerNorm keeps its default init: weight 1, bias 0
        if getattr(args, "tie_embeddings", False):
            self.lm_head.weight = self.tok_emb.weight

    def logits(self, idx):
        b, t = idx.shape
        pos = torch.arange(t, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for block in self.layers:
            x = block(x)
        return self.lm_head(self.ln_f(x) if self.ln_f is not None else x)

    def forward(self, idx, targets):
        logits = self.logits(idx)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def read_safetensors(path):
    """(metadata, {name: float32 tensor}) of a safetensors file, with the standard library and torch."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            continue
        begin, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32)
        tensors[name] = t.reshape(e["shape"]) if e["shape"] else t
    return meta, tensors


def tokenizer_from_spec(spec):
    """(encode, decode) for spikelab's tokenizer specs: 'byte', or 'char:' + hex code points/ranges."""
    if spec == "byte":
        return (lambda text: list(text.encode("utf-8")),
                lambda ids: bytes(ids).decode("utf-8", errors="replace"))
    if not spec.startswith("char:"):
        sys.exit(f"error: unknown tokenizer spec {spec[:40]!r}: expected 'byte' or 'char:...'")
    alphabet = []
    for part in spec[len("char:"):].split(","):
        lo, _, hi = part.partition("-")
        alphabet.extend(range(int(lo, 16), int(hi or lo, 16) + 1))
    index = {cp: i for i, cp in enumerate(alphabet)}

    def encode(text):
        missing = sorted({ch for ch in text if ord(ch) not in index})
        if missing:
            sys.exit(f"error: --prompt has characters outside the model's alphabet: {''.join(missing)!r}")
        return [index[ord(ch)] for ch in text]
    return encode, lambda ids: "".join(chr(alphabet[i]) for i in ids)


def load_checkpoint(path):
    """A Model with the weights of a spikelab model.safetensors (file or run directory), and its tokenizer."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    meta, tensors = read_safetensors(path)
    if "spikelab.model_config" not in meta:
        sys.exit(f"error: {path} has no spikelab.model_config metadata: pass a spikelab model.safetensors")
    cfg = json.loads(meta["spikelab.model_config"])
    args = argparse.Namespace(d_model=cfg["d_model"], heads=cfg["heads"], layers=cfg["layers"],
                              context=cfg["context"], activation=cfg["activation"], norm=cfg["norm"],
                              scaled_init=cfg["scaled_init"], tie_embeddings=cfg["tie_embeddings"],
                              qk_norm=cfg.get("qk_norm", False), ffn_hidden=str(cfg["hidden"]))
    model = Model(args, cfg["vocab_size"])
    # spikelab names a Linear or Embedding weight by its module; LayerNorms already end in .weight/.bias
    state = {(n if n.endswith((".weight", ".bias")) else n + ".weight"): t for n, t in tensors.items()}
    if args.tie_embeddings:
        state["lm_head.weight"] = state["tok_emb.weight"]
    want = set(model.state_dict())
    if set(state) != want:
        sys.exit(f"error: {path} does not match the config in its metadata: missing {sorted(want - set(state))}, "
                 f"extra {sorted(set(state) - want)}")
    model.load_state_dict(state)
    return model, cfg, tokenizer_from_spec(meta["spikelab.tokenizer"])


@torch.no_grad()
def cmd_generate(args):
    """Greedy continuation with the window spikelab's GenerateCommand uses: the last min(len, T)
    tokens from position 0 (causal attention makes the padding after them irrelevant)."""
    model, cfg, (encode, decode) = load_checkpoint(args.checkpoint)
    model.eval()
    ids = encode(args.prompt)
    if not ids:
        sys.exit("error: --prompt must hold at least one character to continue from")
    t = cfg["context"]
    out = []
    for _ in range(args.tokens):
        window = ids[-t:]
        logits = model.logits(torch.tensor([window]))[0, len(window) - 1]
        nxt = int(torch.argmax(logits))   # first maximum: the lower id wins ties, as in spikelab
        out.append(nxt)
        ids.append(nxt)
    print(args.prompt + decode(out))


def make_optimizer(model, args):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=args.lr, betas=(args.beta1, args.beta2), eps=1e-8)


def lr_at(step, args):
    """Warm-up then cosine to min_lr over `steps` (1-based step); constant when --constant-lr."""
    if args.constant_lr:
        return args.lr
    if args.warmup > 0 and step <= args.warmup:
        return args.lr * step / args.warmup
    span = max(1, args.steps - args.warmup)
    progress = min(1.0, (step - args.warmup) / span)
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1.0 + math.cos(math.pi * progress))


def train_step(model, opt, x, y, args, step):
    for g in opt.param_groups:
        g["lr"] = lr_at(step, args)
    loss = model(x, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
    opt.step()
    return loss, grad_norm


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def cmd_bench(args):
    device = torch.device(args.device)
    vocab = args.vocab
    model = Model(args, vocab).to(device)
    opt = make_optimizer(model, args)
    gen = torch.Generator().manual_seed(args.seed)
    # random tokens: the speed of a step does not depend on the data
    x = torch.randint(0, vocab, (args.batch, args.context), generator=gen).to(device)
    y = torch.randint(0, vocab, (args.batch, args.context), generator=gen).to(device)
    # as spikelab bench: at least --warmup-steps and at least --warmup-seconds of them
    warm, t0 = 0, time.perf_counter()
    while warm < args.warmup_steps or time.perf_counter() - t0 < args.warmup_seconds:
        warm += 1
        train_step(model, opt, x, y, args, warm)
        sync(device)
    start = time.perf_counter()
    for s in range(1, args.bench_steps + 1):
        loss, _ = train_step(model, opt, x, y, args, warm + s)
    loss_value = float(loss)
    sync(device)
    elapsed = time.perf_counter() - start
    tokens = args.bench_steps * args.batch * args.context
    n_params = sum(p.numel() for p in model.parameters())
    flops_per_token = 6.0 * n_params + 6.0 * args.layers * args.d_model * args.context
    tps = tokens / elapsed
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "device": args.device,
                      "threads": torch.get_num_threads(), "activation": args.activation,
                      "norm": args.norm, "layers": args.layers, "d_model": args.d_model,
                      "parameter_count": n_params, "steps": args.bench_steps,
                      "tokens_per_s": round(tps, 1),
                      "gflops": round(tps * flops_per_token / 1e9, 2),
                      "step_ms": round(1000 * elapsed / args.bench_steps, 2),
                      "loss": loss_value}))


def cmd_train(args):
    device = torch.device(args.device)
    with open(args.data, "r", encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    if len(chars) < 2:
        sys.exit(f"error: {args.data} has fewer than two distinct characters; give a real text file")
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]
    for name, part in (("train", train_data), ("validation", val_data)):
        if len(part) <= args.context + 1:
            sys.exit(f"error: {args.data}'s {name} part has {len(part)} characters, need more than "
                     f"context+1 = {args.context + 1}; use a longer file or a smaller --context")
    torch.manual_seed(args.seed)
    model = Model(args, len(chars)).to(device)
    opt = make_optimizer(model, args)
    gen = torch.Generator().manual_seed(args.seed + 1)

    def batch(part):
        ix = torch.randint(0, len(part) - args.context - 1, (args.batch,), generator=gen)
        x = torch.stack([part[i:i + args.context] for i in ix])
        y = torch.stack([part[i + 1:i + 1 + args.context] for i in ix])
        return x.to(device), y.to(device)

    @torch.no_grad()
    def evaluate():
        model.eval()
        losses = [float(model(*batch(val_data))) for _ in range(args.eval_batches)]
        model.train()
        return sum(losses) / len(losses)

    n_params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"vocab_size": len(chars), "parameter_count": n_params,
                      "train_tokens": len(train_data), "val_tokens": len(val_data)}), flush=True)
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        loss, grad_norm = train_step(model, opt, *batch(train_data), args, step)
        if step % args.eval_every == 0 or step == args.steps or step == 1:
            rec = {"step": step, "loss": float(loss), "grad_norm": float(grad_norm),
                   "lr": lr_at(step, args), "elapsed_s": round(time.perf_counter() - start, 3)}
            if step % args.eval_every == 0 or step == args.steps:
                rec["val_loss"] = evaluate()
            print(json.dumps(rec), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=("bench", "train", "generate"))
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = torch default)")
    p.add_argument("--activation", default="gelu", choices=ACTIVATIONS)
    p.add_argument("--norm", default="pre", choices=("pre", "post"))
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--vocab", type=int, default=65, help="vocabulary size for bench (train uses the file's)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=0, help="LR warm-up steps (train)")
    p.add_argument("--constant-lr", action="store_true", help="no warm-up or decay (DESIGN section 5)")
    p.add_argument("--steps", type=int, default=1000, help="training steps (train)")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.95)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--no-scaled-init", dest="scaled_init", action="store_false")
    p.add_argument("--tie-embeddings", action="store_true")
    p.add_argument("--qk-norm", action="store_true", help="LayerNorm of each head's q and k before QK^T")
    p.add_argument("--ffn-hidden", default="auto", help="FFN hidden width: auto (4C plain, round(8C/3) gated) or N")
    p.add_argument("--checkpoint", help="spikelab model.safetensors or run directory (generate)")
    p.add_argument("--prompt", default="\n", help="text to continue (generate)")
    p.add_argument("--tokens", type=int, default=100, help="tokens to generate greedily (generate)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--data", help="UTF-8 text file (train)")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--warmup-steps", type=int, default=5, help="untimed steps before bench timing")
    p.add_argument("--warmup-seconds", type=float, default=5.0,
                   help="keep warming up until this many seconds have passed too (bench; as spikelab bench)")
    p.add_argument("--bench-steps", type=int, default=20, help="timed steps (bench)")
    args = p.parse_args()
    if args.ffn_hidden != "auto" and not (args.ffn_hidden.isdigit() and int(args.ffn_hidden) > 0):
        sys.exit(f"error: --ffn-hidden must be auto or a positive integer, got {args.ffn_hidden!r}")
    if args.d_model % args.heads != 0:
        sys.exit(f"error: --d-model {args.d_model} is not divisible by --heads {args.heads}; pick heads that divide it")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("error: --device cuda but torch sees no CUDA device; use --device cpu")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.mode == "generate":
        if not args.checkpoint:
            sys.exit("error: generate needs --checkpoint FILE_OR_RUN_DIR")
        cmd_generate(args)
    elif args.mode == "bench":
        cmd_bench(args)
    else:
        if not args.data:
            sys.exit("error: train needs --data FILE (a UTF-8 text file)")
        cmd_train(args)


if __name__ == "__main__":
    main()
