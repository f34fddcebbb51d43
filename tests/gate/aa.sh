#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat gate's false-positive rate (A/A) and power (the stall), measured on
# pairs resampled from the recorded baselines (tests/unit/gate_aa.c says
# how): each scenario's pairs are gated, and the share that exits 2
# (regression) is counted. docs/gate.md, "What the gate guarantees",
# quotes this script's output.
#
# Usage: tests/gate/aa.sh [PAIRS [SEED]]     (default 250 pairs, seed 1)
# Env:   GATE   the gate command (default: build/tests/test_gate --gate,
#               i.e. qlat gate without BPF); e.g. an older build's, to
#               compare before and after
#        AA_DIR where the pairs go (default build/gate-aa)
set -u
cd "$(dirname "$0")/../.." || exit 1
PAIRS=${1:-250}
SEED=${2:-1}
D=${AA_DIR:-build/gate-aa}
GATE=${GATE:-build/tests/test_gate --gate}
make -s build/tests/gate_aa build/tests/test_gate || exit 1
rm -rf "$D"
build/tests/gate_aa tests/gate/baseline "$D" "$PAIRS" "$SEED" || exit 1

# the options of tests/gate/gate.sh (make gate, tests/vm/50-gate.sh)
DOGFOOD="--quantiles p50,p99 --rel-margin 1 --ignore eoc_cb --ignore late --alpha 0.01
	--miss-margin 0.01 --ratio submit_copied+zerocopy_copied/submit"
# the defaults (p50,p99,p99.9, --rel-margin 0.1, alpha 0.01, no margin);
# late is a series only when a side missed
DEFAULT="--ignore late"

printf '%-11s %-8s %6s %12s %9s %13s\n' SCENARIO OPTIONS PAIRS REGRESSION RATE INCONCLUSIVE
for s in aa-dogfood aa-miss1 aa-zc1000 aa-miss2 stall-30 stall-p10 stall-p05 stall-p02; do
	case $s in
	aa-zc1000|aa-miss2) opts=$DEFAULT; on=default ;;
	*) opts=$DOGFOOD; on=dogfood ;;
	esac
	reg=0 inc=0 n=0
	for p in "$D/$s"/*/; do
		# shellcheck disable=SC2086
		$GATE $opts "$p/base" "$p/run" >/dev/null 2>&1
		case $? in
		2) reg=$((reg + 1)) ;;
		3) inc=$((inc + 1)) ;;
		0) ;;
		*) echo "aa: $GATE failed on $p" >&2; exit 1 ;;
		esac
		n=$((n + 1))
	done
	printf '%-11s %-8s %6d %12d %8.1f%% %13d\n' "$s" "$on" "$n" "$reg" \
		"$(echo "100 * $reg / $n" | bc -l)" "$inc"
done
