#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make gate` (host side): one VM boot with QEMU's instruction counter
# (vmtest.sh -I) runs the fixed cmdq and zc scenarios (tests/gate/scenario.sh),
# whose qlat JSON lands in $GATE_DIR/run; then tests/gate/gate.sh compares
# it with the committed baselines in tests/gate/baseline and writes the
# HTML report. See docs/gate.md, "Dogfooding".
#
# Usage: tests/gate/run.sh KDIR
# Env:   GATE_SLOW=1    deliberately slowed drivers (the gate must go red, 2)
#        GATE_UPDATE=1  copy this run's JSON into tests/gate/baseline first
#        GATE_DIR       output directory (default build/gate)
# Exit:  qlat gate's status (0 pass, 2 regression, 3 inconclusive, 1 error),
#        or vmtest.sh's when the scenario itself failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
K=${1:?usage: tests/gate/run.sh KDIR}
D=${GATE_DIR:-build/gate}
SLOW=${GATE_SLOW:-0}
BASE=tests/gate/baseline

if [ "${GATE_UPDATE:-0}" = 1 ] && [ "$SLOW" = 1 ]; then
	echo "gate: GATE_UPDATE=1 with GATE_SLOW=1 would make the slowdown the baseline; refused" >&2
	exit 1
fi
rm -rf "$D/run" "$D/report.html" "$D/verdict.json"
mkdir -p "$D/run" || exit 1
echo "== gate: the fixed scenarios in the VM (vmtest.sh -I)$([ "$SLOW" = 1 ] && echo ', SLOWED drivers')"
./vmtest.sh -I -k "$K" -t 900 -e GATE_SLOW="$SLOW" -o "$PWD/$D/run" -- tests/gate/scenario.sh
st=$?
if [ $st -ne 0 ]; then
	echo "gate: the scenario failed (vmtest.sh exit $st); nothing gated" >&2
	exit $st
fi
if [ "${GATE_UPDATE:-0}" = 1 ]; then
	cp "$D/run/cmdq.json" "$D/run/zc.json" "$BASE/" || exit 1
	echo "gate: baselines replaced by this run's $BASE/cmdq.json and zc.json;"
	echo "      review 'git diff --stat $BASE' and commit them with the change that moved them"
fi
echo "== gate: $BASE vs $D/run"
tests/gate/gate.sh --report "$D/report.html" "$BASE" "$D/run"
st=$?
tests/gate/gate.sh --json "$BASE" "$D/run" >"$D/verdict.json"
echo "gate: exit $st; report $D/report.html, verdict $D/verdict.json, the run's JSON and OpenMetrics in $D/run"
exit $st
