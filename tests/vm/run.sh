#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The VM test suite: runs tests/vm/[0-9]*.sh in order inside the guest
# (started by vmtest.sh) and passes their TAP through. A test that exits
# non-zero without having reported a failure gets a "not ok" of its own.
# On a kernel with kmemleak (debug), memory is scanned after each test, and
# a leaked object allocated through one of qlat's modules is a "not ok"
# (other reports fail the whole run through vmtest.sh). One scan per test
# (each costs ~9 s there): kmemleak reports an object from its second scan,
# so a leak is reported after the test that made it or after the next one;
# the allocation backtrace says where it comes from, and vm-init.sh's
# final scans (vmtest.sh) catch what the last test leaked.
# Usage: run.sh [PATTERN]   (e.g. run.sh cmdq to run only *cmdq*)
# Env:   QLAT_SUITE=plain   only tests without a "# vmtest: icount" or
#                           "# vmtest: mttcg" line
#        QLAT_SUITE=icount  only tests with it: timing-sensitive tests that
#                           need the guest on QEMU's instruction counter
#                           (vmtest.sh -I)
#        QLAT_SUITE=mttcg   only tests with a "# vmtest: mttcg" line (not in
#                           plain either): tests that run in a VM of their
#                           own with multi-threaded TCG
#                           (QLAT_VM_TCG_THREAD=multi); default: all
#        QLAT_SHARD=I/N     only the I-th of every N tests selected (make
#                           check splits the debug kernel's plain run
#                           over both lanes this way)
#        QLAT_TEST_TIMEOUT=S  seconds a test may take (default 1800, 5400
#                           on the debug kernel; 0: none), unless its
#                           own "# vmtest: timeout S" line says more. One
#                           that takes longer is killed with whatever it
#                           started and is a "not ok", and the suite goes
#                           on: a hung test costs its timeout, not the
#                           rest of the run (vmtest.sh -t)

cd "$(dirname "$0")" || exit 1
. ../../tools/build/kmemleak.sh
pat=${1:-}
rc=0
shard=${QLAT_SHARD:-1/1}
si=${shard%/*} sn=${shard#*/} idx=0
case "$si/$sn" in
[1-9]*/[1-9]*) [ "$si" -le "$sn" ] 2>/dev/null || si=x ;;
*) si=x ;;
esac
if [ "$si" = x ]; then
	echo "run.sh: QLAT_SHARD=$shard: want I/N with 1 <= I <= N" >&2
	exit 2
fi
# the debug kernel runs ~5x slower under TCG
case "$(uname -r)" in
*-qlat-debug) limit=${QLAT_TEST_TIMEOUT:-5400} ;;
*) limit=${QLAT_TEST_TIMEOUT:-1800} ;;
esac
case "$limit" in
'' | *[!0-9]*)
	echo "run.sh: QLAT_TEST_TIMEOUT=$limit: want seconds" >&2
	exit 2
	;;
esac
for t in [0-9]*.sh; do
	case "$t" in *"$pat"*) ;; *) continue ;; esac
	if grep -q '^# vmtest: icount' "$t"; then
		suite=icount
	elif grep -q '^# vmtest: mttcg' "$t"; then
		suite=mttcg
	else
		suite=plain
	fi
	case "${QLAT_SUITE:-all}" in all | "$suite") ;; *) continue ;; esac
	idx=$((idx + 1))
	[ $(((idx - 1) % sn + 1)) -eq "$si" ] || continue
	echo "# ==== $t"
	start=$(date +%s)
	out=$(mktemp)
	# a test that needs longer says so: "# vmtest: timeout SECONDS"
	limit_t=$(sed -n 's/^# vmtest: timeout \([0-9][0-9]*\)$/\1/p' "$t")
	[ "$limit" != 0 ] && [ -n "$limit_t" ] || limit_t=$limit
	# timeout(1) signals the test and then its own process group: what
	# the test started in the background goes too
	{ timeout -k 20 "$limit_t" sh "./$t"; echo "# exit-status: $?"; } 2>&1 | tee "$out"
	st=$(sed -n 's/^# exit-status: //p' "$out")
	if [ "$limit_t" != 0 ] && [ $(($(date +%s) - start)) -ge "$limit_t" ] &&
		{ [ "$st" = 124 ] || [ "$st" = 137 ]; }; then
		echo "not ok - $t: killed after its $limit_t s (QLAT_TEST_TIMEOUT, or its own # vmtest: timeout)"
		rc=1
	elif ! grep -q '^1\.\.[0-9]' "$out"; then
		echo "not ok - $t: ended without a TAP plan (crashed?)"
		rc=1
	elif grep -q '^not ok' "$out"; then
		rc=1
	elif [ "$st" != 0 ]; then
		echo "not ok - $t: exited with status $st"
		rc=1
	fi
	if kmemleak_live; then
		kmemleak_scan_once "$out"
		if [ -s "$out" ]; then
			# all of it is reported again, as a splat, at the end
			ours=$(kmemleak_ours "$out")
			echo "# kmemleak after $t: $(kmemleak_count "$out") unreferenced objects, $ours through qlat's modules:"
			sed 's/^/#   /' "$out"
			if [ "$ours" != 0 ]; then
				echo "not ok - $t (or the test before): kmemleak found $ours leaked objects of qlat's modules"
				rc=1
			fi
		fi
	fi
	echo "# ==== $t: $(($(date +%s) - start)) s"
	rm -f "$out"
done
exit $rc
