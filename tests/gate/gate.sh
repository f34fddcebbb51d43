#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat gate with the options of `make gate` (docs/gate.md, "Dogfooding"):
# the one place where the dogfooding gate's metrics and margins are chosen.
# Runs on the host (make gate) and in the guest (tests/vm/50-gate.sh).
#
# Usage: gate.sh [qlat gate options...] BASELINE RUN
#   e.g. gate.sh tests/gate/baseline build/gate/run
#        gate.sh --report gate.html --json tests/gate/baseline build/gate/run
# Exit: qlat gate's (0 pass, 1 usage/parse, 2 regression, 3 inconclusive).
REPO=$(cd "$(dirname "$0")/../.." && pwd)
QLAT=${QLAT:-$REPO/build/qlat}

# - p50 and p99 only: a series holds 300..10000 samples, so p99.9 is one
#   of the last few values, i.e. whatever the guest did at that moment;
# - --rel-margin 1: a quantile fails only when its bucket moved up by two
#   (the run's lower bound over twice the baseline's upper bound, ~4x);
#   one bucket up happens between identical runs under TCG;
# - --ignore eoc_cb: EOC IRQ -> callback is workqueue wake-up latency of
#   the guest; its p99 went from 0.6 us to 65 us between identical runs;
# - --ignore late: the baseline has no misses, so no lateness samples; the
#   miss test covers it;
# - --miss-margin 0.01: a miss or copy fraction may grow by 1 point before
#   the exact test at alpha 0.01 can fail it (a few stray misses under TCG);
# - --ratio: the copy-fallback ratio of zc (copied at submit + copied by
#   the stack after a zero-copy send) / submitted, with the same test;
# - --alpha 0.01 is family-wise: Holm over all the checks of the run.
# With 300 packets per cmdq series, its p99 and p1 checks cannot fail at
# alpha 0.01 (they need 528 samples; the table says so): the miss test is
# what gates cmdq's tail.
exec "$QLAT" gate \
	--quantiles p50,p99 \
	--rel-margin 1 \
	--ignore eoc_cb \
	--ignore late \
	--alpha 0.01 \
	--miss-margin 0.01 \
	--ratio submit_copied+zerocopy_copied/submit \
	"$@"
