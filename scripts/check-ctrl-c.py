#!/usr/bin/env python3
# Ctrl-C as a terminal sends it (SIGINT to the whole foreground process group) to a run started
# through the launcher; prints the exit status and the last stderr lines, which must include
# "stopped at step N: continue with --resume DIR".  Usage: scripts/check-ctrl-c.py [scripts/spikelab] [OUT_DIR]
import os, signal, subprocess, sys, tempfile, time
launcher = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "spikelab")
out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="ctrl-c.") + "/run"
env = dict(os.environ)
p = subprocess.Popen([launcher, "train", "--device", "cpu", "--threads", "1", "--layers", "1", "--d-model", "16", "--heads", "2",
                      "--context", "8", "--batch", "2", "--steps", "1000000", "--eval-every", "1000000", "--eval-batches", "1",
                      "--no-progress", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
m = os.path.join(out, "metrics.jsonl")
while not (os.path.exists(m) and sum(1 for _ in open(m)) >= 3):
    time.sleep(0.1)
os.killpg(p.pid, signal.SIGINT)      # what a terminal's Ctrl-C does: the whole foreground group
o, e = p.communicate(timeout=120)
print("exit", p.returncode)
print("stderr tail:", e.decode().strip().splitlines()[-2:])
tail = e.decode()
ok = p.returncode == 130 and "continue with --resume" in tail
print("PASS" if ok else "FAIL: the stop line was lost")
sys.exit(0 if ok else 1)
