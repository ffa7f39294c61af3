#!/usr/bin/env python3
"""Check that files written by spikelab follow the safetensors layout rules, from Python.

Standard library only: parses the header, checks every rule of the format (header length,
strict JSON without duplicate keys, known dtypes, shape x dtype size == offset span, offsets
contiguous from 0 to the end of the file, header padded to 8 bytes), decodes every F32/I32/I64
tensor with the array module, and for a spikelab model.safetensors checks the tensor names and
shapes against the model config stored in its metadata (docs/checkpoint-format.md).

If the `safetensors` package (with numpy or torch) is installed, the file is also loaded with
it and every tensor compared with the stdlib decoding.

usage: scripts/check_safetensors.py FILE_OR_RUN_DIR [...]      exit status 0 = all files pass
"""
import array
import json
import math
import os
import struct
import sys

DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
               "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
ARRAY_CODES = {"F32": "f", "I32": "i", "I64": "q", "U8": "B", "F64": "d"}
MAX_HEADER = 100 * 1024 * 1024


class Bad(Exception):
    pass


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise Bad("duplicate key %r in the header" % k)
        seen[k] = v
    return seen


def parse(path):
    """Returns (header dict without __metadata__, metadata, data bytes); raises Bad on any violation."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise Bad("file is %d bytes, shorter than the 8-byte header length" % len(raw))
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER:
        raise Bad("header length %d is over the %d-byte limit" % (n, MAX_HEADER))
    if 8 + n > len(raw):
        raise Bad("header length %d runs past the end of the file (%d bytes): truncated" % (n, len(raw)))
    hb = raw[8:8 + n]
    if not hb.startswith(b"{"):
        raise Bad("header does not start with '{'")
    if (8 + n) % 8 != 0:
        raise Bad("data starts at byte %d, not a multiple of 8 (spikelab pads the header with spaces)" % (8 + n))
    text = hb.decode("utf-8")  # strict: raises on invalid UTF-8
    stripped = text.rstrip(" ")
    if not stripped.endswith("}"):
        raise Bad("header is padded with something other than spaces")
    header = json.loads(stripped, object_pairs_hook=no_duplicates,
                        parse_constant=lambda c: (_ for _ in ()).throw(Bad("non-standard JSON constant " + c)))
    if not isinstance(header, dict):
        raise Bad("header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise Bad("__metadata__ must map strings to strings")
    data = raw[8 + n:]
    spans = []
    for name, e in header.items():
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise Bad("tensor %r must have exactly dtype, shape, data_offsets" % name)
        dtype, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if dtype not in DTYPE_SIZES:
            raise Bad("tensor %r has unknown dtype %r" % (name, dtype))
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
            raise Bad("tensor %r shape %r is not a list of non-negative integers" % (name, shape))
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) and o >= 0 for o in offs)):
            raise Bad("tensor %r data_offsets %r is not [begin, end]" % (name, offs))
        size = math.prod(shape) * DTYPE_SIZES[dtype]
        if offs[1] - offs[0] != size:
            raise Bad("tensor %r: %s %r needs %d bytes but data_offsets span %d" % (name, dtype, shape, size, offs[1] - offs[0]))
        spans.append((offs[0], offs[1], name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise Bad("tensor %r begins at %d, expected %d (%s)" % (name, begin, at, "gap" if begin > at else "overlap"))
        if begin % DTYPE_SIZES[header[name]["dtype"]]:
            raise Bad("tensor %r at offset %d is not aligned to its element size" % (name, begin))
        at = end
    if at != len(data):
        raise Bad("tensors cover %d data bytes but the file has %d" % (at, len(data)))
    return header, metadata, data


def decode(entry, data):
    code = ARRAY_CODES.get(entry["dtype"])
    if code is None:
        return None
    a = array.array(code)
    a.frombytes(data[entry["data_offsets"][0]:entry["data_offsets"][1]])
    if sys.byteorder == "big":
        a.byteswap()
    return a


def expected_model_shapes(cfg):
    """Parameter names and shapes of a spikelab Transformer, in buffer order (docs/checkpoint-format.md)."""
    V, C, T, L, h = cfg["vocab_size"], cfg["d_model"], cfg["context"], cfg["layers"], cfg["hidden"]
    gated = cfg["activation"] in ("swiglu", "geglu", "reglu", "glu", "bilinear")
    shapes = [("tok_emb", [V, C]), ("pos_emb", [T, C])]
    for l in range(L):
        p = "layers.%d." % l
        shapes += [(p + "attn.wqkv", [3 * C, C]), (p + "attn.wo", [C, C]),
                   (p + "ffn.w_in", [2 * h if gated else h, C]), (p + "ffn.w_out", [C, h])]
    if not cfg["tie_embeddings"]:
        shapes.append(("lm_head", [V, C]))
    hs = C // cfg["heads"]
    for l in range(L):
        p = "layers.%d." % l
        shapes += [(p + "ln1.weight", [C]), (p + "ln1.bias", [C]), (p + "ln2.weight", [C]), (p + "ln2.bias", [C])]
        if cfg.get("qk_norm", False):
            shapes += [(p + "attn.%s.%s" % (qk, wb), [hs]) for qk in ("q_norm", "k_norm") for wb in ("weight", "bias")]
    if cfg["norm"] == "pre":   # post-LN blocks end in a LayerNorm already: no ln_f
        shapes += [("ln_f.weight", [C]), ("ln_f.bias", [C])]
    return shapes


def check_spikelab(header, metadata):
    if "spikelab.model_config" not in metadata:
        return "no spikelab model config in the metadata (a training state file?)"
    cfg = json.loads(metadata["spikelab.model_config"])
    want = expected_model_shapes(cfg)
    got = {k: v["shape"] for k, v in header.items()}
    if set(got) != {n for n, _ in want}:
        raise Bad("tensor names differ from the config's: missing %s, extra %s"
                  % (sorted({n for n, _ in want} - set(got)), sorted(set(got) - {n for n, _ in want})))
    for name, shape in want:
        if got[name] != shape:
            raise Bad("tensor %r has shape %r, the config implies %r" % (name, got[name], shape))
    order = [n for n, _ in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])]
    if order != [n for n, _ in want]:
        raise Bad("tensors are not stored in the parameter-buffer order")
    return "names, shapes and order match the config (%s, L=%d, C=%d, V=%d, step %s)" % (
        cfg["activation"], cfg["layers"], cfg["d_model"], cfg["vocab_size"], metadata.get("spikelab.step"))


def compare_with_library(path, header, decoded):
    try:
        from safetensors import safe_open
    except ImportError:
        return "safetensors package not installed: stdlib checks only"
    for framework in ("numpy", "pt"):
        try:
            with safe_open(path, framework=framework) as f:
                keys = set(f.keys())
                if keys != set(header):
                    raise Bad("safetensors (%s) sees tensors %s" % (framework, sorted(keys)))
                for name, values in decoded.items():
                    t = f.get_tensor(name)
                    if list(t.shape) != header[name]["shape"]:
                        raise Bad("safetensors (%s): %r has shape %r" % (framework, name, list(t.shape)))
                    if values is not None and [float(x) for x in t.reshape(-1).tolist()] != [float(x) for x in values]:
                        raise Bad("safetensors (%s): %r values differ from the stdlib decoding" % (framework, name))
            return "safetensors package (%s) loads it with identical names, shapes and values" % framework
        except (ImportError, ModuleNotFoundError):
            continue
    return "safetensors installed but neither numpy nor torch is: stdlib checks only"


def check(path):
    header, metadata, data = parse(path)
    decoded = {}
    nonfinite = 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        a = decode(e, data)
        decoded[name] = a
        if a is not None and e["dtype"] == "F32":
            nonfinite += sum(1 for x in a if not math.isfinite(x))
    print("%s: OK: %d tensors, %d data bytes, header %d bytes, metadata keys %s"
          % (path, len(header), len(data), len(json.dumps(header)), sorted(metadata)))
    for name in list(decoded)[:6]:
        e, a = header[name], decoded[name]
        head = ", ".join("%.6g" % x for x in list(a)[:4]) if a is not None else "?"
        print("  %-28s %-4s %-14s [%s%s]" % (name, e["dtype"], e["shape"], head, ", ..." if a is not None and len(a) > 4 else ""))
    if len(decoded) > 6:
        print("  ... and %d more" % (len(decoded) - 6))
    if nonfinite:
        raise Bad("%d F32 values are not finite" % nonfinite)
    print("  " + check_spikelab(header, metadata))
    print("  " + compare_with_library(path, header, decoded))


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    failed = 0
    for arg in argv[1:]:
        paths = [os.path.join(arg, f) for f in ("model.safetensors", "train_state.safetensors")] if os.path.isdir(arg) else [arg]
        for p in paths:
            try:
                check(p)
            except (Bad, OSError, ValueError, UnicodeDecodeError) as e:
                print("%s: FAIL: %s" % (p, e))
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
