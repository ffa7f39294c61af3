#!/usr/bin/env bash
# The activation x depth stability study, as resumable sweeps ("arms") and one report over them.
#
#   scripts/reproduce-activation-study.sh quick            # a few minutes on a 2-vCPU machine, to try it
#   scripts/reproduce-activation-study.sh cpu              # every CPU arm in turn (hours), then the report
#   scripts/reproduce-activation-study.sh cpu stress-post  # one arm only (each fits in 90 min on 2 vCPUs)
#   scripts/reproduce-activation-study.sh gpu              # one GPU, all 12 cells at once in one process
#   scripts/reproduce-activation-study.sh list             # the arms of every preset, with their budgets
#   scripts/reproduce-activation-study.sh status cpu       # per arm: cells finished, running now, to resume, to run
#   scripts/reproduce-activation-study.sh cpu main --steps 200   # extra options go to the sweep / train
#
# Rerunning a command resumes it: finished cells are skipped, interrupted ones continue from
# their checkpoint. Arms that share training settings share a sweep directory, so a cell two
# arms both need (e.g. qk-norm off at depth 16) is trained once. The combined report (claims
# with paired statistics, summary.csv, plots) goes to runs/activation-study-<preset>/report;
# redo it any time with the `spikelab report` line this script prints at the end.
#
# Editing the grids: each arm is one line in arms_<preset>() below:
#   name | sweep directory (under the preset's) | budget | sweep options
# Budgets are estimates (see the comment above each preset); measure before trusting them.
#
# Data: train's default, the built-in tinyshakespeare (char tokens); DATA=NAME|FILE|DIR picks
# another corpus (e.g. DATA=synthetic repeats the first study's corpus, or a directory of shards).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
DATA="${DATA-}"

# The CPU preset (measured 2026-12-04 on the 2-vCPU machine, docs/results.md): d_model 64, context
# 64, batch 8, 2,000 steps (1M tokens, about one pass over tinyshakespeare's training split).
# Learning rates were fixed by a documented search on seed 1 (docs/results.md, "How the regime
# was found"), so seeds 2-6 compare activations on seeds the lr was not chosen on.
#   main:        the standard recipe (warm-up 100, clipping 1.0, cosine to 1e-4) at lr 3e-3,
#                the best of 3e-3/1e-2/3e-2 in the search; depths 2 and 8; all five activations.
#   stress:      the edge of stability: no warm-up, no clipping, depth 8, lr 1e-2, where attention
#                logits grew into the hundreds in the search; qk-norm off and on.
#   stress-hi:   the same at lr 3e-2 (logits in the thousands in the search) for relu and swiglu,
#                3 seeds, so the qk-norm comparison has an lr curve (LR sensitivity), not one point.
#   stress-post: the stress arm at post-LN (qk-norm off); geglu added after GELU stalled there in
#                every run, to see whether a gate rescues it.
#   post-warmup: relu and gelu post-LN at 1e-2 with warm-up 100 (clipping still off): does the
#                GELU stall need the missing warm-up?
#   z-loss:      z-loss 1e-4 against off in the stress regime. With 65 characters the output
#                layer is far from the large-vocabulary regime z-loss targets; run with
#                DATA=<GPT-2 shards> --tokenizer gpt2 for that (slow on a CPU).
#   main-lr:     the main arm's recipe at depth 2 over an lr curve (1e-3 to 3e-2) on seeds 1-9, so
#                claim 1 compares each activation at its own best lr (chosen on seed 1, which the
#                paired test then leaves out: 8 pairs) rather than at one lr picked for three of them
#                (added 2026-12-06; ~40 s a run on an AVX2 machine, ~15 s on an AVX-512 one, two shards).
#   main-lr8:    the same question at depth 8: four activations, lr 3e-3 to 3e-2, seeds 1-12 (seeds
#                1-3 on 2026-12-06 as a descriptive probe, 4-8 added the same day so that the
#                depth-8 lr sensitivity, and its change from depth 2, can be tested; 9-12 are
#                the arm main-lr8-more, as for main-lr-more below), ~170 s a run on the AVX2
#                machine, ~60 s on the AVX-512 one (62 min for 96 runs on two shards, 2026-12-06).
#   main-lr8-low: lr 1e-3 at depth 8 for main-lr8's cells, seeds 1-12 (added 2026-12-06, after
#                claims 6-8): 3e-3 was the best lr of three of its four activations, at the
#                grid's lower edge, so a lower optimum was not excluded.
#   main-lr-qk:  main-lr's recipe with qk-norm on, at main-lr8's three lrs and seeds 1-12: does
#                qk-norm remove the GLUs' narrower lr range (claim 8; added 2026-12-06 after claim 6
#                was seen, so post hoc); its qk-norm-off partners are main-lr's cells. 22 min for
#                144 runs on the AVX-512 machine.
#   main-lr8-qk: main-lr8's cells with qk-norm on (lr 3e-3 to 3e-2, seeds 1-12): claim 8 at depth 8,
#                where it was untested (added 2026-12-06 evening, planned at 12 seeds before any
#                run; its qk-norm-off partners are main-lr8's cells).
#   qk8-relu-reglu: a test, on new seeds (13-24), of what main-lr8-qk showed after the fact: with
#                qk-norm at depth 8 ReLU ends lower than ReGLU, each at its own best lr (chosen on
#                seed 13, which the test leaves out: 11 pairs). The grid moves up, since ReLU was
#                best at main-lr8-qk's top lr (3e-2) and ReGLU at 1e-2 (3e-3 was worse by 0.012).
#                Planned 2026-12-06 before any of its runs; prediction: ReGLU - ReLU > 0.
#   main-lr16:   claim 7 at a third depth: main-lr8's relu and reglu cells (lr 3e-3 to 3e-2, seeds
#                1-12, qk-norm off) at 16 layers, so "the GLU's lr-range penalty narrows from 2 to 8
#                layers" can be tested as a trend. Planned 2026-12-06 (late) before any of its runs;
#                prediction: ReGLU's excess LR sensitivity over ReLU is smaller at 16 layers than at 8
#                (excess at 8 - excess at 16 > 0, 12 pairs). Two activations, because four (~170 min
#                on two shards) did not fit one session; ~140 s a run on the AVX-512 machine.
#   main-lr16-low: lr 1e-3 for main-lr16's cells, seeds 1-12 (added 2026-12-06, after main-lr16's
#                report): reglu's best lr at 16 layers was 3e-3, the grid's lower edge, so its
#                optimum, and claim 1 at 16 layers, were not bracketed (main-lr8-low's question).
#   qk8-gelu-swiglu: the same new-seed test for the other pair (gelu and swiglu, qk-norm, depth 8,
#                seeds 13-24, lrs 1e-2, 3e-2, 1e-1; lr chosen on seed 13, 11 pairs): main-lr8-qk found
#                SwiGLU - GELU +0.013, undecided, with GELU best at the grid's top lr (3e-2), so its
#                optimum was not bracketed. Planned 2026-12-06 (late) before any of its runs;
#                prediction: SwiGLU - GELU > 0, as for ReGLU - ReLU.
#   glu-depth-relu8, glu-depth-relu16, glu-depth-reglu: a test, on new seeds (13-28), of what
#                main-lr16 showed after the fact: ReGLU's loss advantage over ReLU (each at its own
#                best lr) shrinks from 8 layers (-0.025) to 16 (-0.002). Each cell runs only the lr
#                that was best for it on seeds 1-12 (relu 3e-3 at 8 layers and 1e-2 at 16, reglu
#                3e-3 at both), so no lr is chosen on these seeds and all 16 pairs count; three
#                arms, one directory, because the lr differs by cell. Planned 2026-12-07 before any
#                of their runs; prediction (claim 9): ReGLU - ReLU at 8 layers minus ReGLU - ReLU at
#                16 layers < 0.
#   glu-depth2:  the same cells at 2 layers (relu 1e-2, reglu 3e-3: their best on main-lr's seeds
#                1-12), seeds 13-28, in a directory of its own so that glu-depth's report holds only
#                the planned 8 - 16 test; a report over both shows the trend over three depths on
#                new seeds. Added 2026-12-07 while glu-depth ran, before any of its results was
#                read; secondary prediction: the lead also shrinks from 2 to 8 layers (2 - 8 < 0;
#                seeds 1-12 gave about -0.04 at 2 layers and -0.025 at 8).
#   main-lr16-gelu: the other pair at 16 layers (gelu and swiglu, seeds 1-12, lrs 3e-3 and 1e-2,
#                the best lr of each at 8 layers), so claim 9 is also tested on a pair that did not
#                suggest it, with main-lr8's depth-8 cells (lr chosen on seed 1, 11 pairs).
#                Planned 2026-12-07 before any of its runs; prediction: SwiGLU - GELU at 8 layers
#                minus SwiGLU - GELU at 16 layers < 0. Two lrs, to fit one session (~50 min).
#   main-lr16-gelu-hi: lr 3e-2 for main-lr16-gelu's cells, seeds 1-12 (added 2026-12-07, after its
#                report): both best lrs at 16 layers were 1e-2, the grid's top, so neither optimum
#                was bracketed (main-lr16-low's question, from above).
#   glu-depth32-pilot: relu and reglu at 32 layers, lrs 3e-3 and 1e-2, seeds 1-3, only to fix each
#                cell's lr for glu-depth32 (rule: the lr with the lower mean final validation loss
#                over these three seeds). Planned 2026-12-07 with glu-depth32, before either ran.
#   glu-depth32: claim 9 one doubling further, on glu-depth's seeds (13-28), so its 16-layer runs
#                are the partners: does ReGLU's lead over ReLU, -0.021 at 8 layers and -0.003 at 16,
#                turn into a deficit at 32? Each cell runs the one lr the pilot picks, so all 16
#                pairs count. Planned 2026-12-07 before any 32-layer run; prediction (claim 9):
#                ReGLU - ReLU at 16 layers minus at 32 layers < 0. ~2 min a run on two shards.
#                The pilot (12 runs, 26 min) picked relu 1e-2 and reglu 3e-3, as at 16 layers
#                (docs/results/glu-depth32-pilot); the two arms below were written after it, before
#                any of their runs. Measured 2026-12-07: 33 min (relu) and 30 min (reglu).
#   glu-depth32-pilot-hi, glu-depth32-pilot-lo: the next lr beyond each pilot pick, seeds 1-3 (relu
#                3e-2, reglu 1e-3), so that the pilot's grid brackets both picks (added 2026-12-07
#                after glu-depth32's report, before any of these runs; expected: both worse than the
#                pick). Descriptive: 3 seeds. Run side by side with SHARDS=1 each: 12 min (2026-12-07).
#   glu-width-pilot, glu-width256-pilot: relu and reglu at 2 layers and d_model 128 / 256 (heads
#                still 4), seeds 1-3, three lrs each, only to fix each cell's lr for glu-width and
#                glu-width256 (rule as for glu-depth32-pilot: the lr with the lower mean final
#                validation loss over the three seeds; a pick at the grid's edge gets the next lr
#                beyond it on seeds 1-3 before the main arm runs). glu-width-pilot-lo is that lr for
#                relu at d128, whose pick was 3e-3, the grid's lowest (added after its 9 runs).
#                The pilot (21 runs, ~12 min) picked 3e-3 for both at d128 (relu: 1.893 against 1.912
#                at 1e-3 and 1.932 at 1e-2; reglu: 1.857 against 1.864 at 1e-3 and 1.926 at 1e-2,
#                means of seeds 1-3); glu-width was written after it, before any of its runs.
#                glu-width256-pilot-lo (relu at 3e-4) was added while glu-width256-pilot ran, when its
#                first seed had 1e-3 below 3e-3 (so the pick might sit at the grid's edge), before
#                the pilot's means were read.
#                ReLU at d256 picked 1e-3 (1.824, against 1.863 at 3e-4, 1.880 at 3e-3 and ~2.47 at
#                1e-2, seeds 1-3); glu-width256-relu was written then, before any of its runs, while
#                ReGLU's pilot still ran. ReGLU at d256 picked 1e-3 too (1.789, against 1.816 at 3e-4
#                and 1.863 at 3e-3); glu-width256-reglu was written after its pilot, before its runs.
#   glu-width, glu-width256: is claim 9 about depth or about size? d64 x 8 layers and d128 x 2 have
#                the same parameters (408k and 419k with relu), as do d64 x 32 and d256 x 2 (1.59M
#                and 1.63M). Seeds 13-28, so glu-depth2/glu-depth/glu-depth32's runs are the partners.
#                Planned 2026-12-07 before any width run; predictions (claim 10, "depth, not size,
#                shrinks the GLU's loss advantage"): ReGLU - ReLU at d128 x 2 layers minus at
#                d64 x 8 layers < 0 (the planned test), and at d256 x 2 minus d64 x 32 < 0 (a second
#                planned test, if the session's time allows its ~1.5 h); the same-depth rows
#                (d128 - d64 at 2 layers) are described, not predicted.
#   glu-width128-8: the third shape at 1.6M parameters, d128 x 8 layers (1.61M with relu), between
#                d64 x 32 and d256 x 2: does width bring back the lead a deep model loses? relu and
#                reglu at lr 3e-3 (the best of both at d64 x 8 on seeds 1-12 and at d128 x 2; no
#                pilot, to fit the session), seeds 13-20. Planned 2026-12-07 after glu-width256's
#                report, before any of its runs; prediction (claim 10, depth not size): ReGLU - ReLU
#                at d256 x 2 layers minus at d128 x 8 < 0 (the planned test; 8 pairs can reach
#                p 0.0078). Described, not predicted: d128 x 8 - d64 x 32, and d128 x 8 - d128 x 2.
#                Measured 2026-12-07: ~27 min on two shards. Both cells ended worse than d128 x 2
#                (relu 1.960, reglu 1.962 against 1.892 and 1.853), so 3e-3 may not be their lr.
#   glu-width128-8-pilot: relu and reglu at d128 x 8 layers, seeds 1-3, lrs 1e-3, 3e-3 and 1e-2,
#                the pilot glu-width128-8 skipped (rule as for glu-width-pilot). Added 2026-12-07
#                after glu-width128-8's report, before any of its runs: if it picks 3e-3 for both,
#                that arm stands as run; otherwise its cells are rerun at the picked lr on seeds 13-20.
#                glu-width128-8-pilot-lo (relu and reglu at 3e-4) was added while the pilot ran, when
#                its first seed put 1e-3 below 3e-3 for both (so a pick might sit at the grid's edge),
#                before the pilot's means were read.
#                The pilot (24 runs, 35 min) picked 1e-3 for both, inside the grid: relu 1.932 against
#                1.982 at 3e-4, 1.968 at 3e-3 and 2.059 at 1e-2; reglu 1.903 against 1.944, 1.955 and
#                2.155 (means of seeds 1-3; docs/results/glu-width128-8-pilot).
#   glu-width128-8-tuned: glu-width128-8's cells at the pilot's pick, 1e-3, seeds 13-20; written after
#                the pilot, before any of its runs. It, not glu-width128-8, is claim 10's d128 x 8 cell.
#                Same planned prediction: ReGLU - ReLU at d256 x 2 minus at d128 x 8 < 0. Described,
#                not predicted: d128 x 8 - d64 x 32, d128 x 8 - d64 x 8 (width alone at 8 layers,
#                +0.024 at 3e-3), and 1e-3 against 3e-3 on the same seeds.
#   glu-width128-8-more: glu-width128-8-tuned's cells on seeds 21-28, so d128 x 8 has 16 seeds like its
#                partners, in its own directory so that its 8 new pairs are a test of their own. Planned
#                2026-12-07 after glu-width128-8-tuned's report, before any of its runs; prediction (the
#                tuned arm's lean, p 0.016 on seeds 13-20): ReGLU - ReLU at d128 x 8 minus at d64 x 32
#                < 0 on seeds 21-28. Described, not predicted: d256 x 2 - d128 x 8 (-0.003 on 13-20)
#                and d128 at 2 - 8 layers (+0.001 on 13-20).
#   glu-d64-L4-pilot, glu-d64-L4: relu and reglu at d64 x 4 layers (d_model / layers = 16). Post hoc,
#                claim 10's arms kept ReGLU's lead (0.036-0.046) wherever d_model / layers >= 16 and lost
#                it below (0.021 at d64 x 8); if that ratio sets it, d64 x 4 keeps about the 2-layer
#                lead (~0.04) and the whole fall comes between 4 and 8 layers, while a lead falling
#                steadily with log depth would sit near 0.034. Planned 2026-12-07 before any of their
#                runs; prediction: ReGLU - ReLU at 4 layers minus at 8 layers < 0 (seeds 13-28, with
#                glu-depth's 8-layer runs). Described, not predicted: 2 - 4 layers (~0 if the ratio
#                sets the lead, ~-0.012 if it falls steadily). The pilot (seeds 1-3, lrs 1e-3, 3e-3,
#                1e-2; the rule as for glu-width-pilot) fixes each cell's lr; glu-d64-L4 is written
#                after it, before its runs.
#                The pilot (18 runs, 5 min) picked 3e-3 for both, inside the grid: relu 2.003 against
#                2.051 at 1e-3 and 2.016 at 1e-2; reglu 1.974 against 2.008 and 1.978 (means of seeds
#                1-3; docs/results/glu-d64-L4-pilot).
#   glu-tokens-pilot-2, glu-tokens-pilot-8, glu-tokens: claim 9 at four times the tokens. Every claim
#                so far is at 2,000 steps (1M tokens), where the deep narrow models are far from
#                converged, so the fall of ReGLU's lead from 2 to 8 layers at d64 (0.046 to 0.021,
#                claim 9) may belong to that budget. Here: 8,000 steps (4.1M tokens, ~4 passes over
#                the training split), the cosine schedule stretched to them, everything else as
#                glu-depth2 / glu-depth. Planned 2026-12-07 before any of their runs; prediction
#                (claim 9 at 4x the tokens): ReGLU - ReLU at 2 layers minus at 8 layers < 0, seeds
#                13-20 (8 pairs, smallest p 0.0078). Described, not predicted: the lead at each depth
#                against its 1M-token value on the same seeds (glu-depth2, glu-depth).
#                The pilots (seeds 1-3; rule as for glu-width-pilot: the lr with the lower mean final
#                validation loss) fix each cell's lr; glu-tokens is written after them, before its
#                runs. Grids: 1e-3, 3e-3, 1e-2 at 2 layers (cheap); 1e-3 and 3e-3 at 8 layers, where 1e-2
#                already lost at 1M tokens (main-lr8) and longer runs seldom want a higher lr; a pick
#                at the grid's low edge gets 3e-4 on seeds 1-3 before glu-tokens runs.
#                glu-tokens-pilot-2-hi (relu at 3e-2) was added after glu-tokens-pilot-2's 18 runs, by
#                the edge rule: relu's pick there was 1e-2, the grid's top (1.748 against 1.753 at
#                3e-3; reglu picked 3e-3, 1.734 against 1.736 at 1e-2 and 1.750 at 1e-3).
#                glu-tokens-pilot-8-lo (relu and reglu at 3e-4, 8 layers) was added while
#                glu-tokens-pilot-8 ran, when its first seed put 1e-3 below 3e-3 for reglu (1.669 against
#                1.678) and level with it for relu (1.693, 1.691), so either pick may sit at the grid's low
#                edge; before the pilot's means were read.
#                glu-tokens grows to seeds 13-28 (16 pairs, as claim 9's 1M-token arms), decided before
#                any of its runs: the 2-layer pilot put ReGLU's lead at ~0.014 (1M tokens: ~0.046), so
#                a 2 - 8 difference, if there is one, may be too small for 8 pairs.
#                The 2-layer pilot (21 runs, 10 min) picked relu 1e-2 (1.748, against 1.753 at 3e-3,
#                1.787 at 1e-3 and 1.848 at 3e-2) and reglu 3e-3 (1.734, against 1.750 at 1e-3 and 1.736
#                at 1e-2), both inside the grid and as at 1M tokens; glu-tokens-2 and glu-tokens-2-reglu
#                were written then, before any of their runs, while glu-tokens-pilot-8-lo ran.
#                The 8-layer pilot (18 runs, 35 min, sharing the CPU) picked 1e-3 for both, bracketed:
#                relu 1.699 against 1.748 at 3e-4 and 1.705 at 3e-3; reglu 1.659 against 1.737 and 1.681
#                (at 1M tokens both picked 3e-3). glu-tokens-8 was written then, before any of its runs.
#                Measured 2026-12-07: glu-tokens-2 and -2-reglu 8 min each, glu-tokens-8 82 min (sharing the
#                CPU at times). Result (docs/results.md, claim 9): the prediction fails the other way,
#                2 - 8 layers +0.024 [+0.015, +0.032], p 0.0003: the lead grows with depth at 4.1M tokens.
#   glu-tokens-lr3: is glu-tokens' reversal the tokens or the 8-layer lr? At 1M tokens every cell of
#                claim 9 ran at its own pick (2 layers relu 1e-2, reglu 3e-3; 8 layers 3e-3 for both); at
#                4.1M tokens the 2-layer picks were the same but the 8-layer pilot moved both to 1e-3. Here
#                the 8-layer cells run at 1M's 3e-3 on glu-tokens' seeds 13-28, so that with glu-tokens'
#                2-layer runs every cell has its 1M-token lr and only the tokens differ. Planned
#                2026-12-07 before any of its runs; prediction: ReGLU - ReLU at 2 layers minus at 8
#                layers > 0 at 4.1M tokens with 1M's lrs (report over glu-tokens and glu-tokens-lr3 with
#                --lrs 3e-3,1e-2; the pilot's seeds 1-3 put it at ~+0.010, against -0.025 at 1M tokens).
#                Described, not predicted: the 8-layer lead at 3e-3 against at 1e-3, same seeds.
#                Measured 2026-12-07: 60 min (sharing the CPU at times). Result (docs/results.md, claim 9):
#                2 - 8 layers +0.007 [-0.004, +0.017], p 0.24, undecided; the 8-layer lead is 0.022 at
#                3e-3 against 0.039 at 1e-3.
#   glu-tokens-L4: the 4-layer point of the 4.1M-token depth profile, at 1M tokens' 4-layer pick (3e-3
#                for both, glu-d64-L4-pilot), seeds 13-28, so that 2, 4 and 8 layers all run at their
#                1M-token lrs. Planned 2026-12-07 while glu-tokens-lr3 ran (its seeds 13-16 done and seen:
#                ReGLU ahead at 8 layers in all four), before any of its runs; prediction: ReGLU - ReLU at 2 layers minus at
#                4 layers > 0 (the lead already grows by 4 layers; report over glu-tokens, glu-tokens-lr3
#                and glu-tokens-L4 with --lrs 3e-3,1e-2). Described, not predicted: 4 - 8 layers.
#                Measured 2026-12-07: 31 min (sharing the CPU at times). Result: 2 - 4 layers +0.011
#                [+0.000, +0.021], p 0.060, undecided; 4 - 8 layers -0.005, p 0.38.
#   glu-tokens-L16: the 16-layer point of the 4.1M-token depth profile, at 1M tokens' 16-layer picks
#                (relu 1e-2, reglu 3e-3: glu-depth-relu16 and glu-depth-reglu), seeds 13-24. At 1M tokens
#                ReGLU's lead was gone by 16 layers (0.003); at 4.1M tokens with 1M's lrs it is 0.015,
#                0.026, 0.022 at 2, 4, 8 layers. Planned 2026-12-07 before any of its runs; prediction:
#                ReGLU - ReLU < 0 at 16 layers and 4.1M tokens (claim 1's row at depth 16 in a report over
#                glu-tokens, glu-tokens-lr3, glu-tokens-L4 and glu-tokens-L16 with --lrs 3e-3,1e-2): with
#                four times the tokens the lead survives 16 layers. Described, not predicted: 8 - 16 and
#                2 - 16 layers. Seeds 13-24 first (two arms, ~45 min each); glu-tokens-L16-more adds
#                25-28, so the planned test has 16 pairs like glu-tokens' (added at 18:17, five minutes
#                into the first arm, before any of its runs had finished). Not run on 2026-12-07: at
#                19:05 the runs were on course to end too late for the session, so the planned test
#                is on seeds 13-24 (12 pairs); decided with ReLU's seeds 13-22 seen and no 16-layer
#                ReGLU run finished.
#                Measured 2026-12-07: 57 and 48 min (sharing the CPU at times). Result (docs/results.md,
#                claim 9): the prediction fails, ReGLU - ReLU -0.005 [-0.014, +0.004], p 0.33, as at 1M
#                tokens (-0.006 on the same seeds); 8 - 16 layers -0.019, p 0.041 raw (described).
#                glu-tokens-L16-more and -more-reglu (seeds 25-28) then ran from 20:01, after that
#                result, so what they add is described, not a test.
#   glu-tokens-pilot-16, -16-reglu: does the 16-layer lead come back at each cell's own 4.1M-token lr? At 8
#                layers four times the tokens moved both picks one step down (3e-3 to 1e-3) and the
#                lead rose from 0.022 at 1M's lr to 0.039 at the new one; glu-tokens-L16 held 1M's
#                16-layer picks (relu 1e-2, reglu 3e-3) and found no lead (-0.005, p 0.33). Planned
#                2026-12-07 (21:00) before any of its runs. Pilot on seeds 1-3, rule as for
#                glu-tokens-pilot (the lr with the lower mean final validation loss): relu 3e-3 and
#                1e-2, reglu 1e-3 and 3e-3, i.e. 1M's pick and one step down (longer runs wanted lower
#                lrs at 8 layers, and at 1M tokens both 16-layer picks were bracketed above). Edge
#                rule: a pick at the low edge gets one step lower on seeds 1-3 (glu-tokens-pilot-16-lo)
#                before the test runs. glu-tokens-pilot-16-lo (reglu at 3e-4) was added at 21:20, when
#                relu's arm had picked 1e-2 (1.649, against 1.658 at 3e-3; the grid's top, which the rule
#                does not extend) and reglu's seed 1 put 1e-3 below 3e-3 (1.628 against 1.637), before
#                its other seeds ended. The pilot's means (seeds 1-3): relu 1.6485 at 1e-2, 1.6578 at
#                3e-3; reglu 1.6427 at 1e-3, 1.6459 at 3e-3. So only reglu's lr moved, and
#                glu-tokens-L16-tuned (reglu at 1e-3, seeds 13-24) was written at 21:35, before any of its
#                runs and while glu-tokens-pilot-16-lo ran; should 3e-4 beat 1e-3 there, the test moves to
#                3e-4 and these runs are described only. The test, glu-tokens-L16-tuned, is written after the pilot and
#                before its runs: each cell at its pick, seeds 13-24 if at most one cell's lr moved
#                (the other's runs are glu-tokens-L16's), seeds 13-20 if both moved (16 new runs, for
#                the session's time); prediction: ReGLU - ReLU < 0 at 16 layers (claim 1's row in a
#                report over glu-tokens-L16 and glu-tokens-L16-tuned with --lrs set to the two picks).
#                Described, not predicted: the lead at the picks against at 1M's lrs, same seeds.
#                Measured 2026-12-07: pilot 23 + 24 + 15 min, glu-tokens-L16-tuned 46 min. Result
#                (docs/results.md, claim 9): the prediction holds, ReGLU - ReLU -0.012 [-0.019, -0.005],
#                p 0.011 (12 pairs); reglu at 1e-3 is 0.007 below itself at 3e-3 on the same seeds.
#                glu-tokens-pilot-16-hi (relu at 3e-2, seeds 1-3) was added at 22:50, after that result:
#                relu's pick sat at the grid's top, so this asks whether the test's relu lr was too low.
#                Described only; should 3e-2 beat 1e-2 there, the test's relu cells were not at their best.
#                Measured 2026-12-07: 18 min. Result: 1.798 at 3e-2 (mean of seeds 1-3) against 1.6485 at
#                1e-2, so relu's pick is bracketed.
#   glu-tokens-dd-8, -dd-16, -dd-16-reglu: at each cell's own 4.1M-token lr, does the lead still
#                shrink from 8 to 16 layers? On seeds 13-24 it was 0.041 at 8 and 0.012 at 16 (a drop of
#                0.029, SD 0.019 over 12 pairs), seen after the fact, so not a test. Planned 2026-12-07
#                (23:25), before any of its runs: the picks stay as the pilots set them (8 layers: relu
#                and reglu 1e-3, glu-tokens-pilot; 16 layers: relu 1e-2, reglu 1e-3,
#                glu-tokens-pilot16), on new seeds 29-36 (8 pairs; 12 would not fit the session, and at
#                that SD 8 pairs would give t ~ 4). Prediction: ReGLU's lead at 8 layers minus at 16 > 0,
#                i.e. claim 9's 8 - 16 row < 0 in a report over glu-tokens-dd with --lrs 1e-3,1e-2;
#                raw p of that row, alpha 0.05 (8 pairs bottom out at p = 0.0078). Described, not
#                predicted: each depth's lead on these seeds against seeds 13-24's 0.041 and 0.012.
#                Measured 2026-12-07: 29, 29 and 29 min (16-layer reglu, 16-layer relu, 8 layers).
#                Result (docs/results.md, claim 9): the prediction fails at alpha 0.05, 8 - 16 layers
#                -0.012 [-0.023, -0.002], p 0.078 (8 pairs, 6 of 8 seeds in the predicted direction);
#                leads 0.034 at 8 layers and 0.022 at 16 on these seeds (described).
#   glu-tokens-pilot-2-gs, glu-tokens-gs-2: claim 1 for the other pair (SwiGLU vs GELU) at 4.1M tokens,
#                2 layers; the token arms so far ran ReLU and ReGLU only, whose 2-layer lead fell from
#                0.046 at 1M tokens to 0.015 at 4.1M. Planned 2026-12-08 (00:50), before any of its runs.
#                Pilot on seeds 1-3, rule as for glu-tokens-pilot (the lr with the lower mean final
#                validation loss): gelu and swiglu at 1e-3, 3e-3, 1e-2 (their 1M-token picks at 2
#                layers, 1e-2 and 3e-3, are inside); a pick at the grid's edge gets one step further
#                (3e-4 or 3e-2) on seeds 1-3 before the test runs. The test, glu-tokens-gs-2, is written
#                after the pilot's means and before its runs: each cell at its pick, seeds 13-28 (16
#                pairs, as glu-tokens). Prediction: SwiGLU - GELU < 0 at 2 layers (claim 1's row in the
#                report over glu-tokens-gs with --lrs set to the picks), raw p, alpha 0.05. Described,
#                not predicted: the lead against ReGLU's 0.015 over ReLU on the same seeds and budget.
#                The pilot (18 runs, 8 min) put both picks at the grid's top, 1e-2 (gelu 1.7614 against
#                1.7766 at 3e-3 and 1.8581 at 1e-3; swiglu 1.7158 against 1.7290 and 1.7343), so by the
#                edge rule glu-tokens-pilot-2-gs-hi (both at 3e-2, seeds 1-3) runs before the test.
#                It put 3e-2 behind for both (gelu 1.8190, swiglu 2.2151; 4 min), so the picks are 1e-2,
#                bracketed, and glu-tokens-gs-2 (both at 1e-2, seeds 13-28) was written then, before
#                any of its runs. Measured 2026-12-08: 16 min. Result (docs/results.md, claim 1): the
#                prediction holds, SwiGLU - GELU -0.023 [-0.033, -0.010], p 0.0038 (16 pairs, 15 of 16
#                seeds); minus ReGLU - ReLU on the same seeds -0.008, p 0.38 (described).
#   gpt2-pilot, gpt2-zloss: claim 4 where z-loss was made for it, and the study's first arm with
#                GPT-2's BPE (V = 50,257; 304k training tokens of tinyshakespeare): the stress settings
#                (pre-LN, depth 8, no warm-up, no clipping, qk-norm off) for 1,000 steps (512k tokens,
#                1.7 passes), affordable on this CPU since the cross-entropy kernel of 2026-12-08
#                (about 5 min a run on one thread). Planned 2026-12-08 (01:42), before any of its runs.
#                Pilot on seed 1, z-loss off: relu and swiglu at 1e-2, 3e-2 and 1e-1. Rule: the test
#                runs at the lowest pilot lr at which a pilot run diverged or had a loss spike (the
#                edge, where z-loss has something to prevent); if none did, at 1e-1, and "prevents
#                divergence" stays untestable. The test, gpt2-zloss: relu and swiglu, z-loss 0 and
#                1e-4, seeds 2-6 (20 runs, 10 pairs), its lr written here after the pilot and before
#                any of its runs. Predictions: (1) z-loss lowers the largest |log Z| (claim 4's pooled
#                row in the report over gpt2-zloss, 10 pairs, raw p, alpha 0.05); (2) fewer runs
#                diverge with z-loss (Fisher's test, 10 runs against 10: only a difference of 5 or
#                more can reach p < 0.05). Described, not predicted: loss spikes, gradient
#                explosions, final validation loss (z-loss on - off), relu against swiglu.
#                The pilot (6 runs, 15 min; final val loss, loss spikes, largest |log Z|): 1e-2 relu
#                5.383, 0, 10.85 and swiglu 5.586, 0, 10.88; 3e-2 relu 5.818, 0, 10.85 and swiglu 5.851,
#                0, 10.96; 1e-1 relu 6.059, 0, 12.27 and swiglu 6.051, 1 (and 4 gradient explosions),
#                13.00; none diverged. By the rule the test runs at 1e-1 (swiglu's loss spike), written
#                here before any of its runs. The pilot also showed that log Z starts at ln V = 10.82
#                and falls to ~7.5 at 1e-2 and 3e-2, so there the largest |log Z| is step 1's; at 1e-1
#                it rose above that (12.3, 13.0), so prediction (1) stands as written, and one more is
#                added now, before the test's runs: (1b) z-loss lowers |log Z| at the end, the mean over
#                the last 100 steps (spikelab compare --metric final_abs_logz, z-loss - none summed over
#                both activations, 10 pairs, raw p, alpha 0.05). Corrected at 02:05, with the test's
#                first two runs going and none of its numbers seen: compare pairs by seed, so summed over
#                activations it has 5 contrasts, whose sign-flip p cannot go below 0.0625. (1b) is
#                instead a row of claim 4 in the report, the same pooling as (1)'s: |log Z| over the
#                last 100 steps, z-loss - none, 10 (activation, seed) pairs, raw p, alpha 0.05.
#                Measured 2026-12-08: 50 min. Result (docs/results.md, claim 4): all three fail; no run
#                diverged (0/10 and 0/10), largest |log Z| +0.059 [-0.099, +0.261], p 0.58, and over the
#                last 100 steps -0.045 [-0.173, +0.076], p 0.53 (10 pairs each).
#   gpt2-act:    the activation question at GPT-2's vocabulary, at gpt2-zloss's lr (1e-1, the edge):
#                relu and swiglu without z-loss on seeds 7-11, into gpt2-zloss's directory, so that with
#                its z-loss-off cells (seeds 2-6) each activation has 10 seeds. Planned 2026-12-08
#                (02:07), with gpt2-zloss's first pair just finished and none of its numbers seen.
#                Predictions, each SwiGLU - ReLU over seeds 2-11 (10 pairs; spikelab compare --plus
#                gpt2-zloss/swiglu-L8-lr1e-1 --minus gpt2-zloss/relu-L8-lr1e-1), raw p, alpha 0.05:
#                (A) final validation loss > 0 (claim 6: above their best lr the GLUs break where the
#                plain FFNs barely notice); (B) gradient explosions > 0 (--metric explosions; the
#                outlier argument, and the pilot's 4 against 0). Described, not predicted: loss spikes,
#                largest attention logit, FFN outlier ratio.
#                Measured 2026-12-08: 25 min (sharing the CPU with checks). Result (docs/results.md,
#                "GPT-2's vocabulary at the edge"): both fail; (A) -0.009 [-0.029, +0.007], p 0.46; (B)
#                -0.70 [-1.30, -0.10], p 0.094, the other sign (ReLU: 6 of 10 runs with an explosion,
#                SwiGLU 1 of 10).
#   gpt2-best:   the same pair at the pilot's best lr, 1e-2 (the lowest of its three for both; a
#                bracket below it is not run), seeds 2-7, otherwise gpt2-zloss's settings without
#                z-loss. Planned 2026-12-08 (03:27), before any of its runs. Prediction, claim 1's
#                direction: SwiGLU - ReLU final validation loss < 0 (6 pairs, the fewest whose sign-flip
#                p can go below 0.05; spikelab compare, raw p, alpha 0.05), although the pilot's seed 1
#                pointed the other way (5.586 against 5.383). Described: explosions, attention logits.
#                Measured 2026-12-08: 28 min. Result (docs/results.md, "GPT-2's vocabulary at the edge"):
#                fails, +0.033 [-0.034, +0.103], p 0.44 (3 of 6 seeds each way).
#   autocast:    claim 5 in the harsher mode its section names as untested: --precision bf16-autocast
#                (every product's output, forward and backward, the weights' gradients and the FFN
#                activation rounded to bf16 as well, PyTorch autocast's rounding points) against fp32,
#                at the precision arm's settings (stress: depth 8, lr 1e-2, no warm-up or clipping),
#                four activations, seeds 2-16 (15 pairs each, 60 in all), into its own directory.
#                Planned 2026-12-08 (04:10), before any of its runs. Predictions, effects fp32 -
#                bf16-autocast (spikelab report's claim 5 rows; raw p, alpha 0.05): (A) pooled final
#                validation loss < 0 (autocast costs loss; 60 pairs); (B) the GLU pays more, i.e. the
#                differences in differences relu - reglu and gelu - swiglu are < 0 (15 pairs each;
#                Fishman et al.'s outlier argument, which plain bf16 did not bear out). Described, not
#                predicted: loss spikes, explosions and divergence per precision, the largest
#                attention logit (S is now rounded before the softmax), FFN outlier ratios.
#                Measured 2026-12-08: 65 min. Result (docs/results.md, claim 5, "PyTorch's autocast
#                rounding"): both fail. (A) +0.0002 [-0.0176, +0.0175], p 0.98; (B) relu - reglu -0.036
#                [-0.083, +0.009], p 0.165, gelu - swiglu -0.028 [-0.089, +0.038], p 0.41 (the predicted
#                sign both times, as in the precision arm; undecided).
#   autocast-hi: the autocast question where the attention logits are in the thousands (lr 3e-2,
#                stress-hi's lr: 1,700-3,500 in its fp32 runs, where bf16's spacing is 8-16, so S is
#                moved by up to 4-8 before the softmax): relu and swiglu, fp32 and bf16-autocast,
#                seeds 2-9, otherwise autocast's settings, into autocast's directory. Planned
#                2026-12-08 (05:18), after autocast's result, before any of its runs. Prediction
#                (raw p, alpha 0.05): (A) final validation loss fp32 - bf16-autocast < 0 over both
#                activations (16 pairs; the report's pooled claim 5 row at lr 3e-2, from a report of
#                this arm's runs alone). Described, not predicted: per activation, the GLU's extra
#                cost (8 pairs), explosions, spikes, divergence, attention logits.
#                Measured 2026-12-08: 24 min. Result (docs/results.md, claim 5): (A) fails, -0.0076
#                [-0.0234, +0.0092], p 0.39 (the predicted sign).
#   gpt2-qk:     claim 3 at GPT-2's vocabulary, where the attention logits of gpt2-zloss's runs reached
#                11,000-26,000: relu and swiglu with qk-norm on at lr 1e-1, seeds 2-6, otherwise
#                gpt2-zloss's settings, into its directory, so its z-loss-off cells (trained at
#                8091b34; the fp32 path has not changed since) are the qk-norm-off partners. Planned
#                2026-12-08 (05:52), before any of its runs. Predictions, qk-norm - none over both
#                activations (10 pairs; the report's pooled claim 3 rows, from a report of
#                gpt2-zloss's directory restricted to seeds 2-6 and z-loss 0 cells; raw p, alpha
#                0.05): (A) log10 of the largest attention logit < 0; (B) final validation loss < 0
#                (at the edge, bounded logits should train better, as qk-norm did at depth 8 in
#                claim 8). Described: explosions, spikes, divergence, per activation.
#                Correction, 06:01, with 2 of the 10 runs finished and no test computed: the report's
#                claim 3 has no final-loss row, so (B) is the same statistic (spikelab.report.PairedStats:
#                exact sign-flip p, percentile-bootstrap CI) on the 10 (activation, seed) differences
#                of summary.csv's final_val_loss, run through jshell (command in docs/results.md).
#                Measured 2026-12-08: 28 min. Result (docs/results.md, "qk-norm at GPT-2's vocabulary"):
#                both hold. (A) -2.463 [-2.567, -2.333], p 0.0020; (B) -0.767 [-0.837, -0.696], p 0.0020
#                (10 of 10 pairs lower; logits 26-95 against 11,261-25,623).
#                The off partners were trained at ~02:00 today, not at 8091b34 as planned above; relu
#                seed 2 retrained at HEAD repeated all 1,000 losses to the bit.
#   main-lr-more: seeds 10-12 of main-lr's four activations other than geglu, so claims 7 and 8
#                have 12 pairs (with main-lr8-more and main-lr-qk's seeds 9-12, the same day). The
#                three arms were planned with 8 seeds; 8 pairs bottom out at p = 2/2^8 = 0.0078,
#                which no Holm family of more than 6 can pass, so all three grew to 12 after the
#                8-seed reports (docs/results.md gives both).
#   precision:   bf16 mixed precision (every product's inputs rounded, emulated exactly on the CPU)
#                against fp32 in the stress regime, where low precision would bite first (added
#                2026-12-05, once bf16 ran at ~0.95x fp32's speed on the CPU).
# Measured 2026-12-04 (two processes of one thread on the 2-vCPU machine, shared at times with
# builds): a 2,000-step run takes ~19 s at depth 2 and ~60-75 s at depth 8; main took 21 min,
# stress 27 min, stress-post 20.5 min (sharing the CPU), z-loss 12 min (20 new runs; its z-loss-off
# cells are stress's); 2026-12-05: precision 18 min for seeds 2-6 (40 runs), 16 min for seeds 7-11 (sharing the CPU with builds).
# Each arm runs in SHARDS parallel processes of one thread each (default 2: one per vCPU).
model_cpu="--device cpu --threads 1 --d-model 64 --heads 4 --context 64 --batch 8 --steps 2000"
model_cpu+=" --eval-every 250 --eval-batches 8 --probe-every 250"
stress_cpu="--depths 8 --warmup 0 --clip 0 $model_cpu"
model_cpu128="${model_cpu/--d-model 64/--d-model 128}"
model_cpu256="${model_cpu/--d-model 64/--d-model 256}"
model_cpu8k="${model_cpu/--steps 2000/--steps 8000}"
stress_gpt2="--tokenizer gpt2 --depths 8 --warmup 0 --clip 0 ${model_cpu/--steps 2000/--steps 1000}"
arms_cpu() {
  cat <<EOF
main        | main        | 50 runs, ~21 min  | --activations relu,gelu,reglu,geglu,swiglu --depths 2,8 --seeds 2,3,4,5,6 --lrs 3e-3 --warmup 100 $model_cpu
stress      | stress      | 40 runs, ~27 min  | --activations relu,gelu,reglu,swiglu --qk-norms off,on --seeds 2,3,4,5,6 --lrs 1e-2 $stress_cpu
stress-hi   | stress      | 12 runs, ~9 min   | --activations relu,swiglu --qk-norms off,on --seeds 2,3,4 --lrs 3e-2 $stress_cpu
stress-post | stress-post | 25 runs, ~25 min  | --activations relu,gelu,reglu,geglu,swiglu --norm post --seeds 2,3,4,5,6 --lrs 1e-2 $stress_cpu
post-warmup | post-warmup | 10 runs, ~7 min   | --activations relu,gelu --norm post --seeds 2,3,4,5,6 --lrs 1e-2 --depths 8 --warmup 100 --clip 0 $model_cpu
z-loss      | stress      | 40 runs (20 new), ~12 min | --activations relu,gelu,reglu,swiglu --z-losses 0,1e-4 --seeds 2,3,4,5,6 --lrs 1e-2 $stress_cpu
main-lr     | main-lr     | 180 runs, ~25-65 min | --activations relu,gelu,reglu,geglu,swiglu --depths 2 --seeds 1,2,3,4,5,6,7,8,9 --lrs 1e-3,3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr-more | main-lr    | 48 runs, ~7-20 min | --activations relu,gelu,reglu,swiglu --depths 2 --seeds 10,11,12 --lrs 1e-3,3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr8    | main-lr8    | 96 runs, ~50-125 min | --activations relu,gelu,reglu,swiglu --depths 8 --seeds 1,2,3,4,5,6,7,8 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr8-more | main-lr8  | 48 runs, ~25-65 min | --activations relu,gelu,reglu,swiglu --depths 8 --seeds 9,10,11,12 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr8-low | main-lr8   | 48 runs, ~30-70 min | --activations relu,gelu,reglu,swiglu --depths 8 --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 1e-3 --warmup 100 $model_cpu
main-lr16   | main-lr16   | 72 runs, ~85-200 min | --activations relu,reglu --depths 16 --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr16-low | main-lr16 | 24 runs, ~25-60 min | --activations relu,reglu --depths 16 --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 1e-3 --warmup 100 $model_cpu
main-lr-qk  | main-lr-qk  | 144 runs, ~20-60 min | --activations relu,gelu,reglu,swiglu --depths 2 --qk-norms on --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu
main-lr8-qk | main-lr8-qk | 144 runs, ~70-150 min | --activations relu,gelu,reglu,swiglu --depths 8 --qk-norms on --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu
qk8-relu-reglu | qk8-relu-reglu | 72 runs, ~45-90 min | --activations relu,reglu --depths 8 --qk-norms on --seeds 13,14,15,16,17,18,19,20,21,22,23,24 --lrs 1e-2,3e-2,1e-1 --warmup 100 $model_cpu
qk8-gelu-swiglu | qk8-gelu-swiglu | 72 runs, ~45-90 min | --activations gelu,swiglu --depths 8 --qk-norms on --seeds 13,14,15,16,17,18,19,20,21,22,23,24 --lrs 1e-2,3e-2,1e-1 --warmup 100 $model_cpu
glu-depth-relu8  | glu-depth | 16 runs, ~10-25 min | --activations relu --depths 8 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu
glu-depth-relu16 | glu-depth | 16 runs, ~16-40 min | --activations relu --depths 16 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu
glu-depth-reglu  | glu-depth | 32 runs, ~26-65 min | --activations reglu --depths 8,16 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu
glu-depth2       | glu-depth2 | 32 runs, ~5-15 min | --activations relu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu
glu-depth2-reglu | glu-depth2 | (with glu-depth2) | --activations reglu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu
main-lr16-gelu | main-lr16-gelu | 48 runs, ~48-110 min | --activations gelu,swiglu --depths 16 --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 3e-3,1e-2 --warmup 100 $model_cpu
main-lr16-gelu-hi | main-lr16-gelu | 24 runs, ~25-55 min | --activations gelu,swiglu --depths 16 --seeds 1,2,3,4,5,6,7,8,9,10,11,12 --lrs 3e-2 --warmup 100 $model_cpu
glu-depth32-pilot | glu-depth32-pilot | 12 runs, ~26 min | --activations relu,reglu --depths 32 --seeds 1,2,3 --lrs 3e-3,1e-2 --warmup 100 $model_cpu
glu-depth32-pilot-hi | glu-depth32-pilot | 3 runs, ~12 min | --activations relu --depths 32 --seeds 1,2,3 --lrs 3e-2 --warmup 100 $model_cpu
glu-depth32-pilot-lo | glu-depth32-pilot | 3 runs, ~12 min | --activations reglu --depths 32 --seeds 1,2,3 --lrs 1e-3 --warmup 100 $model_cpu
glu-depth32-relu | glu-depth32 | 16 runs, ~30-35 min | --activations relu --depths 32 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu
glu-depth32-reglu | glu-depth32 | 16 runs, ~30-35 min | --activations reglu --depths 32 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu
glu-width-pilot | glu-width-pilot | 9 runs, ~5 min | --activations relu --depths 2 --seeds 1,2,3 --lrs 3e-3,1e-2,3e-2 --warmup 100 $model_cpu128
glu-width-pilot-reglu | glu-width-pilot | 9 runs, ~5 min | --activations reglu --depths 2 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu128
glu-width-pilot-lo | glu-width-pilot | 3 runs, ~2 min | --activations relu --depths 2 --seeds 1,2,3 --lrs 1e-3 --warmup 100 $model_cpu128
glu-width | glu-width | 32 runs, ~15 min | --activations relu,reglu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu128
glu-width256-pilot | glu-width256-pilot | 9 runs, ~15 min | --activations relu --depths 2 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu256
glu-width256-pilot-reglu | glu-width256-pilot | 9 runs, ~15 min | --activations reglu --depths 2 --seeds 1,2,3 --lrs 3e-4,1e-3,3e-3 --warmup 100 $model_cpu256
glu-width256-pilot-lo | glu-width256-pilot | 3 runs, ~5 min | --activations relu --depths 2 --seeds 1,2,3 --lrs 3e-4 --warmup 100 $model_cpu256
glu-width256-relu | glu-width256 | 16 runs, ~20 min | --activations relu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-3 --warmup 100 $model_cpu256
glu-width256-reglu | glu-width256 | 16 runs, ~20 min | --activations reglu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-3 --warmup 100 $model_cpu256
glu-width128-8 | glu-width128-8 | 16 runs, ~35 min | --activations relu,reglu --depths 8 --seeds 13,14,15,16,17,18,19,20 --lrs 3e-3 --warmup 100 $model_cpu128
glu-width128-8-pilot | glu-width128-8-pilot | 18 runs, ~30 min | --activations relu,reglu --depths 8 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu128
glu-width128-8-pilot-lo | glu-width128-8-pilot | 6 runs, ~11 min | --activations relu,reglu --depths 8 --seeds 1,2,3 --lrs 3e-4 --warmup 100 $model_cpu128
glu-width128-8-tuned | glu-width128-8-tuned | 16 runs, ~30 min | --activations relu,reglu --depths 8 --seeds 13,14,15,16,17,18,19,20 --lrs 1e-3 --warmup 100 $model_cpu128
glu-width128-8-more | glu-width128-8-more | 16 runs, ~30 min | --activations relu,reglu --depths 8 --seeds 21,22,23,24,25,26,27,28 --lrs 1e-3 --warmup 100 $model_cpu128
glu-d64-L4-pilot | glu-d64-L4-pilot | 18 runs, ~6 min | --activations relu,reglu --depths 4 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu
glu-d64-L4 | glu-d64-L4 | 32 runs, ~10 min | --activations relu,reglu --depths 4 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu
glu-tokens-pilot-2 | glu-tokens-pilot | 18 runs, ~9 min | --activations relu,reglu --depths 2 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu8k
glu-tokens-pilot-8 | glu-tokens-pilot | 12 runs, ~25 min | --activations relu,reglu --depths 8 --seeds 1,2,3 --lrs 1e-3,3e-3 --warmup 100 $model_cpu8k
glu-tokens-pilot-2-hi | glu-tokens-pilot | 3 runs, ~2 min | --activations relu --depths 2 --seeds 1,2,3 --lrs 3e-2 --warmup 100 $model_cpu8k
glu-tokens-pilot-8-lo | glu-tokens-pilot | 6 runs, ~12 min | --activations relu,reglu --depths 8 --seeds 1,2,3 --lrs 3e-4 --warmup 100 $model_cpu8k
glu-tokens-2 | glu-tokens | 16 runs, ~8 min | --activations relu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu8k
glu-tokens-2-reglu | glu-tokens | 16 runs, ~8 min | --activations reglu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu8k
glu-tokens-8 | glu-tokens | 32 runs, ~65-80 min | --activations relu,reglu --depths 8 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-3 --warmup 100 $model_cpu8k
glu-tokens-lr3 | glu-tokens-lr3 | 32 runs, ~65-80 min | --activations relu,reglu --depths 8 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu8k
glu-tokens-L4 | glu-tokens-L4 | 32 runs, ~35-40 min | --activations relu,reglu --depths 4 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu8k
glu-tokens-L16 | glu-tokens-L16 | 12 runs, ~45 min | --activations relu --depths 16 --seeds 13,14,15,16,17,18,19,20,21,22,23,24 --lrs 1e-2 --warmup 100 $model_cpu8k
glu-tokens-L16-reglu | glu-tokens-L16 | 12 runs, ~45 min | --activations reglu --depths 16 --seeds 13,14,15,16,17,18,19,20,21,22,23,24 --lrs 3e-3 --warmup 100 $model_cpu8k
glu-tokens-L16-more | glu-tokens-L16 | 4 runs, ~20 min | --activations relu --depths 16 --seeds 25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu8k
glu-tokens-L16-more-reglu | glu-tokens-L16 | 4 runs, ~20 min | --activations reglu --depths 16 --seeds 25,26,27,28 --lrs 3e-3 --warmup 100 $model_cpu8k
glu-tokens-pilot-16 | glu-tokens-pilot16 | 6 runs, ~25 min | --activations relu --depths 16 --seeds 1,2,3 --lrs 3e-3,1e-2 --warmup 100 $model_cpu8k
glu-tokens-pilot-16-reglu | glu-tokens-pilot16 | 6 runs, ~25 min | --activations reglu --depths 16 --seeds 1,2,3 --lrs 1e-3,3e-3 --warmup 100 $model_cpu8k
glu-tokens-pilot-16-lo | glu-tokens-pilot16 | 3 runs, ~16 min | --activations reglu --depths 16 --seeds 1,2,3 --lrs 3e-4 --warmup 100 $model_cpu8k
glu-tokens-pilot-16-hi | glu-tokens-pilot16 | 3 runs, ~15 min | --activations relu --depths 16 --seeds 1,2,3 --lrs 3e-2 --warmup 100 $model_cpu8k
glu-tokens-L16-tuned | glu-tokens-L16-tuned | 12 runs, ~45 min | --activations reglu --depths 16 --seeds 13,14,15,16,17,18,19,20,21,22,23,24 --lrs 1e-3 --warmup 100 $model_cpu8k
glu-tokens-dd-8 | glu-tokens-dd | 16 runs, ~40 min | --activations relu,reglu --depths 8 --seeds 29,30,31,32,33,34,35,36 --lrs 1e-3 --warmup 100 $model_cpu8k
glu-tokens-dd-16 | glu-tokens-dd | 8 runs, ~30 min | --activations relu --depths 16 --seeds 29,30,31,32,33,34,35,36 --lrs 1e-2 --warmup 100 $model_cpu8k
glu-tokens-dd-16-reglu | glu-tokens-dd | 8 runs, ~30 min | --activations reglu --depths 16 --seeds 29,30,31,32,33,34,35,36 --lrs 1e-3 --warmup 100 $model_cpu8k
glu-tokens-pilot-2-gs | glu-tokens-pilot-gs | 18 runs, ~10 min | --activations gelu,swiglu --depths 2 --seeds 1,2,3 --lrs 1e-3,3e-3,1e-2 --warmup 100 $model_cpu8k
glu-tokens-pilot-2-gs-hi | glu-tokens-pilot-gs | 6 runs, ~4 min | --activations gelu,swiglu --depths 2 --seeds 1,2,3 --lrs 3e-2 --warmup 100 $model_cpu8k
glu-tokens-gs-2 | glu-tokens-gs | 32 runs, ~18 min | --activations gelu,swiglu --depths 2 --seeds 13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28 --lrs 1e-2 --warmup 100 $model_cpu8k
gpt2-pilot  | gpt2-pilot  | 6 runs, ~15 min | --activations relu,swiglu --seeds 1 --lrs 1e-2,3e-2,1e-1 $stress_gpt2
gpt2-zloss  | gpt2-zloss  | 20 runs, ~50 min | --activations relu,swiglu --z-losses 0,1e-4 --seeds 2,3,4,5,6 --lrs 1e-1 $stress_gpt2
gpt2-act    | gpt2-zloss  | 10 runs, ~25 min | --activations relu,swiglu --seeds 7,8,9,10,11 --lrs 1e-1 $stress_gpt2
gpt2-best   | gpt2-best   | 12 runs, ~28 min | --activations relu,swiglu --seeds 2,3,4,5,6,7 --lrs 1e-2 $stress_gpt2
gpt2-qk     | gpt2-zloss  | 10 runs, ~28 min | --activations relu,swiglu --qk-norms on --seeds 2,3,4,5,6 --lrs 1e-1 $stress_gpt2
precision   | stress      | 80 runs (60 new), ~34 min | --activations relu,gelu,reglu,swiglu --precisions fp32,bf16 --seeds 2,3,4,5,6,7,8,9,10,11 --lrs 1e-2 $stress_cpu
autocast    | autocast    | 120 runs, ~65 min | --activations relu,gelu,reglu,swiglu --precisions fp32,bf16-autocast --seeds 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 --lrs 1e-2 $stress_cpu
autocast-hi | autocast    | 32 runs, ~24 min | --activations relu,swiglu --precisions fp32,bf16-autocast --seeds 2,3,4,5,6,7,8,9 --lrs 3e-2 $stress_cpu
EOF
}

# quick: the whole pipeline at toy size, to try it: two activations of one GLU pair, two depths,
# three seeds (one picks the lr, two are compared: too few for any p below 0.125), two lrs.
# Measured 2026-12-04 on the 2-vCPU machine: 22 s when idle (scripts/check-readme.sh), 17.5 min
# at load average ~15 (other builds running).
arms_quick() {
  cat <<EOF
quick | quick | 24 runs, ~30 s idle | --activations relu,reglu --depths 2,4 --seeds 1,2,3 --lrs 3e-3,3e-2 --device cpu --d-model 32 --heads 4 --context 32 --batch 8 --steps 100 --warmup 10 --spike-window 20 --eval-every 50 --eval-batches 2 --probe-every 50
EOF
}

# GPU: one H200 for <= 8 min. Measured 2026-12-04 on an H200 (docs/performance.md): one run
# alone takes 37 ms per step at depth 32 and 11 ms at depth 8 (launch-bound), i.e. ~75 s and
# ~22 s per 2,000-step run; processes sharing the GPU add up to ~1.6x one run's tokens/s. The
# 12 runs below took 367 s for 10 of them in 6 shards (one shard crashed as it loaded JCuda, a
# race now fixed) plus 89 s for the other 2: ~6-7 min in one go. With 3 seeds no paired test can
# reach p < 0.05 (the sign-flip test's smallest p is 2/2^3 = 0.25): this preset measures the
# deep regime's behaviour, not a verdict. Two activations only, because four did not fit.
arms_gpu() {
  cat <<EOF
gpu | gpu | 12 runs, goal <= 8 min on one H200 (12 at once, a stream each; unmeasured) | --activations relu,swiglu --depths 8,32 --seeds 1,2,3 --lrs 3e-3 --device cuda --d-model 256 --heads 8 --context 128 --batch 16 --steps 2000 --warmup 100 --eval-every 500 --eval-batches 4 --probe-every 500
EOF
}

usage() {
  echo "usage: $0 quick|cpu|gpu [ARM] [more sweep or train options]   or   $0 list   or   $0 status quick|cpu|gpu" >&2
  exit 2
}

field() { echo "$1" | cut -d'|' -f"$2" | xargs; }

preset="${1:-}"
case "$preset" in
  quick|cpu|gpu) ;;
  list)
    for p in quick cpu gpu; do
      echo "$p:"
      "arms_$p" | while IFS= read -r l; do printf '  %-17s %-15s %s\n' "$(field "$l" 1)" "$(field "$l" 2)" "$(field "$l" 3)"; done
    done
    exit 0 ;;
  status)
    p="${2:-cpu}"
    [[ "$p" == quick || "$p" == cpu || "$p" == gpu ]] || usage
    d=(); [[ -n "$DATA" ]] && d=(--data "$DATA")
    scripts/spikelab --version >/dev/null
    "arms_$p" | while IFS= read -r l; do
      read -r -a o <<< "$(field "$l" 4)"
      printf '  %-17s %s\n' "$(field "$l" 1)" \
        "$(scripts/spikelab sweep "${o[@]}" "${d[@]}" --out "runs/activation-study-$p/$(field "$l" 2)" --dry-run | tail -1)"
    done
    exit 0 ;;
  *) usage ;;
esac
shift
only=""
if [[ $# -gt 0 && "$1" != -* ]]; then only="$1"; shift; fi
base="runs/activation-study-$preset"
# SHARDS: sweep processes per arm (each a --shard); PARALLEL: cells at once inside each sweep
# (sweep --parallel; on a GPU in threads of one process, a CUDA stream per cell, the kernels
# overlapping, where shards only time-slice the GPU). SHARDS=6 PARALLEL=1 is the GPU preset's
# way before 2026-12-05.
case "$preset" in gpu) SHARDS="${SHARDS:-1}"; PARALLEL="${PARALLEL:-12}" ;; cpu) SHARDS="${SHARDS:-2}" ;; *) SHARDS="${SHARDS:-1}" ;; esac
PARALLEL="${PARALLEL:-1}"
data=()
[[ -n "$DATA" ]] && data=(--data "$DATA")

# build once here, so parallel shards do not race to rebuild the jar
scripts/spikelab --version >/dev/null
found=0
dirs=()
while IFS= read -r line; do
  name="$(field "$line" 1)"; dir="$base/$(field "$line" 2)"; budget="$(field "$line" 3)"
  read -r -a opts <<< "$(field "$line" 4)"
  [[ " ${dirs[*]-} " == *" $dir "* ]] || dirs+=("$dir")
  [[ -n "$only" && "$only" != "$name" ]] && continue
  found=1
  echo "== arm $name ($budget): scripts/spikelab sweep ${opts[*]} ${data[*]-} --out $dir $*" >&2
  if [[ "$SHARDS" -gt 1 ]]; then
    pids=()
    for ((i = 0; i < SHARDS; i++)); do
      scripts/spikelab sweep "${opts[@]}" "${data[@]}" --out "$dir" --no-progress --no-report --shard "$i/$SHARDS" "$@" &
      pids+=($!)
    done
    rc=0
    for p in "${pids[@]}"; do wait "$p" || rc=$?; done
    [[ $rc -eq 0 ]] || { echo "arm $name: a shard failed (status $rc); rerun the same command to resume" >&2; exit "$rc"; }
  else
    scripts/spikelab sweep "${opts[@]}" "${data[@]}" --out "$dir" --no-progress --no-report --parallel "$PARALLEL" "$@"
  fi
done < <("arms_$preset")
[[ $found -eq 1 ]] || { echo "error: no arm '$only' in the $preset preset; see: $0 list" >&2; exit 2; }

# one report over every arm of the preset that has runs, so the claims can pair arms
have=()
for d in "${dirs[@]}"; do [[ -d "$d/runs" ]] && have+=("$d"); done
echo "== report: scripts/spikelab report ${have[*]} --out $base/report" >&2
scripts/spikelab report "${have[@]}" --out "$base/report"
