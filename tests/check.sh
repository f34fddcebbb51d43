#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: host unit tests, harness self-tests, then the VM suite via
# vmtest.sh. Every phase's TAP is kept in build/test-logs/. The last line
# printed is "N passed, N failed, N skipped" (assertions, not files), and
# the exit status is non-zero if anything failed.
#
# Env: QLAT_CHECK_PHASES="unit harness vm" (default: all three)

set -u
cd "$(dirname "$0")/.." || exit 1
LOGS=build/test-logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.tap
KDIR=$(cat build/kernel.stamp) || exit 1
PHASES=${QLAT_CHECK_PHASES:-unit harness vm}
declare -a TIMES=()

now() { date +%s.%N; }
phase_time() { TIMES+=("$(awk -v a="$2" -v b="$(now)" -v n="$1" 'BEGIN { printf "%-8s %6.1f s", n, b - a }')"); }

# Run a TAP producer; record a synthetic failure if it died without saying so.
run_tap() { # name cmd...
	local name=$1 log=$LOGS/$1.tap st
	shift
	"$@" 2>&1 | tee "$log"
	st=${PIPESTATUS[0]}
	if [ "$st" -ne 0 ] && ! grep -q '^not ok' "$log"; then
		echo "not ok - $name exited with status $st" | tee -a "$log"
	fi
}

for p in $PHASES; do
	t0=$(now)
	case $p in
	unit)
		for t in build/tests/test_*; do
			[ -x "$t" ] || continue
			echo "# ==== host: $t"
			run_tap "unit-$(basename "$t")" "$t"
		done
		# TAP scripts: the gate fuzz run, the gate report in Chromium
		for t in tests/unit/*.sh; do
			[ -x "$t" ] || continue
			echo "# ==== host: $t"
			run_tap "unit-$(basename "$t" .sh)" "$t"
		done
		;;
	harness)
		QLAT_KDIR=$KDIR run_tap harness tests/harness/test_vmtest.sh
		;;
	vm)
		echo "# ==== vm: ./vmtest.sh (tests/vm/run.sh)"
		run_tap vm ./vmtest.sh -k "$KDIR" -t 2400 -e QLAT_SUITE=plain \
			-- "$PWD/tests/vm/run.sh"
		# virtual time (QEMU icount) for the timing-sensitive tests, so that
		# host preemption on a shared machine is not guest latency; the
		# rest runs without it, since single-threaded TCG is much slower
		echo "# ==== vm-icount: ./vmtest.sh -I (tests/vm/run.sh)"
		# its $QLAT_OUT is kept: 50-gate.sh leaves qlat's OpenMetrics there
		rm -rf "$LOGS/vm-icount-out"
		mkdir -p "$LOGS/vm-icount-out"
		run_tap vm-icount ./vmtest.sh -I -k "$KDIR" -t 1200 -e QLAT_SUITE=icount \
			-o "$PWD/$LOGS/vm-icount-out" -- "$PWD/tests/vm/run.sh"
		# that OpenMetrics text through Prometheus' parsers (promtool)
		echo "# ==== host: tests/fleet/promtool.sh"
		run_tap vm-promtool tests/fleet/promtool.sh "$LOGS/vm-icount-out"
		;;
	*)
		echo "unknown phase $p" >&2
		exit 2
		;;
	esac
	phase_time "$p" "$t0"
done

echo "# ---- phase times"
for t in "${TIMES[@]}"; do echo "# $t"; done
passed=$(cat "$LOGS"/*.tap | grep -E '^ok( |$)' | grep -vc '# SKIP')
skipped=$(cat "$LOGS"/*.tap | grep -E '^ok( |$)' | grep -c '# SKIP')
failed=$(cat "$LOGS"/*.tap | grep -cE '^not ok( |$)')
if [ "$failed" -gt 0 ]; then
	echo "# ---- failures"
	grep -hE '^not ok( |$)' "$LOGS"/*.tap | sed 's/^/# /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
