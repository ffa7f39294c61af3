#!/usr/bin/env bash
# Runs every command of README.md's ```bash blocks, in order, in a fresh clone of this
# repository (its committed HEAD), and says which fail.
#   scripts/check-readme.sh              # quick: --steps cut to 20 (--stop-after scaled alike),
#                                        # 3 kills in kill-resume.sh; 'mvn verify', the
#                                        # PyTorch comparison and the study's cpu/gpu presets
#                                        # (an hour or a GPU) skipped
#   AS_WRITTEN=1 scripts/check-readme.sh # every command exactly as written (tens of minutes)
#   CLONE=0 scripts/check-readme.sh      # in this working tree instead of a clone (no rebuild)
#   SHARED=/path/to/shared ...           # where ../shared is not beside this checkout
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-readme.XXXXXX")"
if [[ "${CLONE:-1}" == 1 ]]; then
  git clone -q "$root" "$work/clone" || { echo "error: cannot clone $root" >&2; exit 2; }
  dir="$work/clone"
  # the README's ../shared/data paths: the data directory beside this checkout (or $SHARED)
  shared="${SHARED:-$root/../shared}"
  [[ -d "$shared" ]] && ln -s "$(cd "$shared" && pwd)" "$work/shared"
else
  dir="$root"
fi
echo "README examples in $dir (logs in $work)"

# The commands: one per line, backslash continuations joined, comments dropped.
mapfile -t commands < <(python3 - "$dir/README.md" "${AS_WRITTEN:-0}" <<'PY'
import re, sys
text, as_written = open(sys.argv[1]).read(), sys.argv[2] == "1"
out = []
for block in re.findall(r"```bash\n(.*?)```", text, re.S):
    for cmd in block.replace("\\\n", " ").splitlines():
        cmd = re.sub(r"\s+#\s.*$", "", cmd).strip()
        if not cmd or cmd.startswith("#"):
            continue
        cmd = re.sub(r"\s+", " ", cmd)
        if "check-readme" in cmd:
            continue                      # this script itself
        if not as_written:
            if cmd.startswith("mvn ") or "bench-vs-pytorch" in cmd or re.search(r"reproduce-activation-study\.sh (cpu|gpu)", cmd):
                cmd = "SKIP " + cmd
            elif "kill-resume" in cmd:
                cmd = "KILLS=3 " + cmd
            else:
                m = re.search(r"--steps (\d+)", cmd)
                steps = int(m.group(1)) if m else (300 if re.match(r"scripts/spikelab train( |$)", cmd) and "--resume" not in cmd and "--help" not in cmd else None)
                if steps and steps > 20:
                    cmd = re.sub(r"--steps \d+", "--steps 20", cmd) if m else cmd + " --steps 20"
                    cmd = re.sub(r"--stop-after (\d+)", lambda s: "--stop-after %d" % max(1, int(s.group(1)) * 20 // steps), cmd)
        out.append(cmd)
print("\n".join(out))
PY
)

fails=0
i=0
for cmd in "${commands[@]}"; do
  i=$((i + 1))
  if [[ "$cmd" == SKIP* ]]; then
    printf 'SKIP  %s  (AS_WRITTEN=1 runs it)\n' "${cmd#SKIP }"
    continue
  fi
  log="$work/$i.log"
  start=$SECONDS
  if (cd "$dir" && bash -c "$cmd") >"$log" 2>&1; then
    printf 'ok    %s  (%ds)\n' "$cmd" $((SECONDS - start))
  else
    fails=$((fails + 1))
    printf 'FAIL  %s  (%ds): %s\n' "$cmd" $((SECONDS - start)) "$(grep -v '^\s*$' "$log" | tail -1)"
  fi
done
if ((fails)); then echo "$fails README example(s) failed"; exit 1; fi
echo "all README examples ran"
