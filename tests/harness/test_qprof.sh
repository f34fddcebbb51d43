#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks' instruction profiler (tests/bench/qprof.c) in a real
# guest, as TAP: one VM with the plugin, the house clock and one vCPU, a
# window around `echo 1000 > cmdq_helper/finalize_burst` (1000 packets
# created and finalized), an empty one and one of 2000 packets.
# tests/bench/qprof-report.sh must find cmdq_pkt_create and
# cmdq_pkt_finalize entered exactly 1000 times in the first window, not at
# all in the second, and cmdq_pkt_finalize's instructions in the third
# exactly twice the first's (the counts are exact, not sampled).
#
# Usage: tests/harness/test_qprof.sh
# Env:   QLAT_KDIR, VMTEST_ARGS (tests/harness/lib.sh)

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

N=1000
echo "1..5"
P=$T/prof
mkdir -p "$P"
export QLAT_VM_QEMU_ARGS="-plugin $REPO/build/qprof.so,dir=$P"
vm prof -I -m 512M -o "$P" -e QLAT_BENCH_PROF=1 -e "REPO=$REPO" -- sh -c '
. "$REPO/tests/bench/lib.sh"
insmod "$REPO/build/kmod/$(uname -r)/cmdq/cmdq_helper.ko" || exit 1
prof_mark start && echo '"$N"' >/sys/kernel/debug/cmdq_helper/finalize_burst &&
	prof_mark stop burst || exit 1
prof_mark start && prof_mark stop idle || exit 1
prof_mark start && echo '"$((2 * N))"' >/sys/kernel/debug/cmdq_helper/finalize_burst &&
	prof_mark stop burst2 || exit 1
rmmod cmdq_helper'
unset QLAT_VM_QEMU_ARGS
expect_rc prof 0 "a VM with the plugin runs three windows: exit 0"

# entries FILE FUNCTION: its entries in a window (0 if it did not run)
entries() {
	"$REPO/tests/bench/qprof-report.sh" -n 0 -g "^$2\\[cmdq_helper\\]\$" "$P/$1.tb" 2>&1 |
		awk -v f="$2[cmdq_helper]" '$3 == f { e = $2 } END { print e + 0 }'
}
for f in cmdq_pkt_create cmdq_pkt_finalize; do
	e=$(entries burst $f)
	ok "$([ "$e" = "$N" ]; echo $?)" "burst window: $f entered $e times, want $N"
done
idle=$(($(entries idle cmdq_pkt_create) + $(entries idle cmdq_pkt_finalize)))
ok "$([ "$idle" = 0 ]; echo $?)" "idle window: cmdq_pkt_create and _finalize entered $idle times, want 0"
# insns FILE: cmdq_pkt_finalize's instructions in a window
insns() {
	"$REPO/tests/bench/qprof-report.sh" -n 0 -g '^cmdq_pkt_finalize\[cmdq_helper\]$' "$P/$1.tb" 2>&1 |
		awk '$3 == "cmdq_pkt_finalize[cmdq_helper]" { i = $1 } END { printf "%d\n", i }'
}
i1=$(insns burst) i2=$(insns burst2)
ok "$([ "$i1" -gt 0 ] && [ "$i2" = $((2 * i1)) ]; echo $?)" \
	"cmdq_pkt_finalize: $i1 instructions for $N packets, $i2 for $((2 * N)), want twice as many"
echo "# $failed of $n failed"
[ "$failed" = 0 ]
