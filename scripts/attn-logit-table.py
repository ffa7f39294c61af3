#!/usr/bin/env python3
"""Prints, for run directories, the largest attention logit over layers and the training loss at
chosen steps, as a markdown table (docs/stability.md uses it for a qk-norm on/off pair).

    python3 scripts/attn-logit-table.py RUN_DIR... [--steps 1,100,500,1000,2000]
"""
import argparse, json, os, sys


def value(x):
    return float(x) if not isinstance(x, str) else float(x.replace("Infinity", "inf"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--steps", default="1,100,500,1000,2000")
    a = ap.parse_args()
    steps = [int(s) for s in a.steps.split(",")]
    print("| run | " + " | ".join(f"step {s}: max logit / loss" for s in steps) + " |")
    print("|---|" + "---:|" * len(steps))
    for run in a.runs:
        by_step = {}
        with open(os.path.join(run, "metrics.jsonl")) as f:
            for line in f:
                if line.strip():
                    m = json.loads(line)
                    by_step[m["step"]] = m
        cells = []
        for s in steps:
            m = by_step.get(s)
            cells.append("—" if m is None else "%.1f / %.3f" % (max(value(v) for v in m["max_attn_logit"]), value(m["loss"])))
        print(f"| {os.path.basename(os.path.normpath(run))} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
