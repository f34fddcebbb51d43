#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmtest: icount (the fixed scenarios of `make gate` are timing-sensitive)
# Dogfooding (docs/gate.md): the fixed cmdq and zc scenarios of `make gate`
# (tests/gate/scenario.sh), gated against the committed baselines
# (tests/gate/baseline) with the options of tests/gate/gate.sh, twice in
# this boot: as they are, the gate is green (exit 0); with the drivers
# deliberately slowed (GATE_SLOW=1: pipe 0's GCE thread stalls past its
# vblank on every 10th frame, vhost_zc copies every TX buffer), it is red
# (exit 2), and for those two reasons. Each run's OpenMetrics stays in
# $QLAT_OUT/gate-*/ for the host's promtool check (tests/fleet/promtool.sh),
# with a third, gate-empty/: a qlat cmdq that saw nothing (tests/fleet/rules.sh).
. "$(dirname "$0")/lib.sh"

G=$REPO/tests/gate
BASE=$G/baseline

for mode in normal slow; do
	R=$OUT/gate-$mode
	slow=0
	[ $mode = slow ] && slow=1
	GATE_SLOW=$slow sh "$G/scenario.sh" "$R" >"$OUT/gate-$mode.log" 2>&1
	st=$?
	sed 's/^/# /' "$OUT/gate-$mode.log"
	ok $st "$mode: the fixed cmdq and zc scenarios ran (GATE_SLOW=$slow)"
	sh "$G/gate.sh" --report "$R/report.html" "$BASE" "$R" >"$OUT/gate-$mode.txt" 2>&1
	st=$?
	if [ $mode = normal ]; then st_normal=$st; else st_slow=$st; fi
	sed 's/^/# /' "$OUT/gate-$mode.txt"
	sh "$G/gate.sh" --json "$BASE" "$R" >"$OUT/gate-$mode.verdict.json" 2>/dev/null
done

# why it is red: exactly the two injected slowdowns (the zero-copy latency
# series vanish with zcopytx=0: inconclusive, which a regression outranks)
eval "$(jq -r '"regs=\([.checks[] | select(.verdict == "regression") | .series] | sort | join(",") | @sh)",
	"miss=\(.checks[] | select(.series == "cmdq misses pipe=0") | "\(.run.x)/\(.run.n)")"' \
	"$OUT/gate-slow.verdict.json")"
if kernel_debug; then
	# the committed baselines are a stock kernel's: under KASAN and
	# lockdep zc's latencies are 50-300x theirs (measured: submit->signal
	# p50 4-8 ms against 65-131 us)
	_why="the baselines are the stock kernel's; the debug kernel's zc latencies are far above them"
	skip "gate green: the fixed scenarios vs the committed baselines exit 0" "$_why"
	assert_eq "$st_slow" 2 "gate red: the slowed drivers exit 2"
	skip "gate red: pipe 0's miss fraction and the zc copy-fallback ratio regressed" "$_why"
else
	assert_eq "$st_normal" 0 "gate green: the fixed scenarios vs the committed baselines exit 0"
	assert_eq "$st_slow" 2 "gate red: the slowed drivers exit 2"
	assert_eq "$regs" "cmdq misses pipe=0,zc submit_copied+zerocopy_copied/submit" \
		"gate red: pipe 0's miss fraction and the zc copy-fallback ratio regressed"
fi
assert_eq "$miss" 30/300 "gate red: pipe 0 missed 30 of 300 (the stalled frames)"
[ -s "$OUT/gate-normal/report.html" ] && [ -s "$OUT/gate-slow/report.html" ]
ok $? "HTML reports written"
for mode in normal slow; do
	for s in cmdq zc; do
		[ "$(tail -n 1 "$OUT/gate-$mode/$s.om")" = "# EOF" ]
	done
done
ok $? "OpenMetrics files of both runs end with # EOF"

# A machine of the fleet with nothing to report yet: qlat cmdq attached for
# a second with no traffic (the timing generator off). With the normal
# run's file it is the two-machine fleet of tests/fleet/rules.sh.
. "$REPO/tests/vm/cmdq_lib.sh"
mkdir -p "$OUT/gate-empty"
cmdq_load vblank_us=6000 enable=0 &&
	"$QLAT" cmdq -d 1 --openmetrics-file "$OUT/gate-empty/cmdq.om" >/dev/null 2>&1
ok $? "empty: qlat cmdq ran 1 s with no traffic and wrote its OpenMetrics"
cmdq_unload
assert_eq "$(grep -c '^qlat_cmdq_late_seconds_count{pipe="[0-2]"} 0$' "$OUT/gate-empty/cmdq.om")" 3 \
	"empty: every pipe's late_seconds series is there, at 0"
tap_done
