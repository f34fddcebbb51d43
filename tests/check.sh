#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: host unit tests, harness self-tests, then the VM suite via
# vmtest.sh on each kernel of $KERNELS, with the modules built for it (the
# BPF objects and tools are the same on all). Every phase's TAP is kept in
# build/test-logs/. Each kernel ends with a line "kernel NAME: N passed,
# N failed, N skipped"; the last line printed is "N passed, N failed,
# N skipped" (assertions, not files, all phases), and the exit status is
# non-zero if anything failed.
#
# Env: QLAT_CHECK_PHASES="unit harness vm" (default: all three)
#      KERNELS="6.1 6.12 6.12-rt debug" (the default; `make check
#      KERNELS=...`; the debug kernel is built from source, in the
#      background from the start: docs/kernels.md)
#      QLAT_CHECK_LANES=N: kernels run N at a time (default 2 on 2+ CPUs)
#      QLAT_CHECK_BUDGET=S: a VM job predicted to end more than S seconds
#      after QLAT_CHECK_T0 (epoch seconds; default: now) is not started
#      but reported as a TAP skip with its prediction (.ci/run sets 80
#      min from its own start: CI stops a run at 90; default: no budget)
#      QLAT_CHECK_LOGS=DIR: where the TAP goes (default build/test-logs)

set -u
cd "$(dirname "$0")/.." || exit 1
LOGS=${QLAT_CHECK_LOGS:-build/test-logs}
mkdir -p "$LOGS"
rm -f "$LOGS"/*.tap
KDIR=$(cat build/kernel.stamp) || exit 1
PHASES=${QLAT_CHECK_PHASES:-unit harness vm}
KERNELS=${KERNELS:-6.1 6.12 6.12-rt debug}
case " $KERNELS " in *" debug "*) WITH_DEBUG=1 ;; *) WITH_DEBUG= ;; esac
declare -a TIMES=() KLINES=()
T0=${QLAT_CHECK_T0:-$(date +%s)}
BUDGET=${QLAT_CHECK_BUDGET:-}

# What each job took on the reference machine (2026-12-04, a fast one of
# this kind: the cold run of the four kernels, docs/kernels.md "Time
# budget"), in seconds, and the unit phase (beside the debug kernel's
# build, or alone). A run's speed is the largest ratio seen so far of a
# phase's or job's time to its reference; a job is predicted to take its
# reference times that.
declare -A REF=([6.1]=820 [6.12]=461 [6.12-rt]=511 [debug]=2241
	[debug:plain1/2]=952 [debug:plain2/2]=569 [debug:rest]=735)
REF_UNIT=132
[ -n "$WITH_DEBUG" ] && REF_UNIT=168

now() { date +%s.%N; }
phase_time() { TIMES+=("$(awk -v a="$2" -v b="$(now)" -v n="$1" 'BEGIN { printf "%-16s %6.1f s", n, b - a }')"); }

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

# kbuild KERNEL: build KERNEL's modules, once: the first job of a kernel
# does it, the others wait for it (and fail with it)
kbuild() {
	local k=$1
	(
		flock 9
		[ -e "$LOGS/.claims/$k.ok" ] && exit 0
		[ -e "$LOGS/.claims/$k.failed" ] && exit 1
		t0=$(now)
		echo "# ==== kernel $k: make KERNEL=$k modules"
		if make --no-print-directory KERNEL="$k" modules >"$LOGS/kernel-$k-build.log" 2>&1 &&
			[ -s "build/kernels/$k" ]; then
			ktime "$k build" "$t0"
			touch "$LOGS/.claims/$k.ok"
			exit 0
		fi
		sed 's/^/# /' "$LOGS/kernel-$k-build.log" | tail -n 40
		echo "not ok - kernel $k: preparing the kernel or building its modules failed" |
			tee "$LOGS/kernel-$k-build.tap"
		touch "$LOGS/.claims/$k.failed"
		exit 1
	) 9>"$LOGS/.claims/$k.lock"
}

# vm_job JOB: one job of the VM suite. JOB is KERNEL (all of that kernel's
# suite), KERNEL:plainI/N (the I-th of N shards of its plain run) or
# KERNEL:rest (the rest: detectors, mttcg and icount runs, promtool). The debug
# kernel's suite is split so that both lanes share it: it is the
# longest one by far (~5x slower under TCG).
vm_job() {
	local k=${1%%:*} part=all t0 kd mem=512M
	[ "$1" = "$k" ] || part=${1#*:}
	[ "$part" = all ] && rm -f "$LOGS/kernel-$k.times"
	kbuild "$k" || return
	over_budget "$1" && return 0
	kd=$(cat "build/kernels/$k")
	# KASAN's shadow memory and kmemleak's pool want more than the default
	[ "$k" = debug ] && mem=1G
	t0=$(now)
	case $part in all | rest)
		# the detectors this kernel has, proven by planted bugs
		echo "# ==== kernel $k: tests/harness/test_detectors.sh"
		QLAT_KDIR=$kd VMTEST_ARGS="-m $mem" run_tap "kernel-$k-detectors" tests/harness/test_detectors.sh
		;;
	esac
	case $part in all | plain*)
		local shard= tap=vm
		if [ "$part" != all ]; then
			shard=${part#plain}
			tap=vm${shard%/*}
		fi
		echo "# ==== kernel $k: ./vmtest.sh (tests/vm/run.sh)${shard:+, shard $shard}"
		# the soak (60-soak.sh): 2 minutes on the debug kernel, 30 s
		# elsewhere; the debug kernel runs ~5x slower under TCG (KASAN,
		# lockdep, and a kmemleak scan after each test): the bulk tests
		# send fewer frames there (the same assertions)
		local -a scale=(-e QLAT_SOAK_S=30)
		if [ "$k" = debug ]; then
			scale=(-e QLAT_SOAK_S=120 -e ZC_N=10000 -e ZC_N64K=10000 -e ZC_NEVENT=5000
				-e ZC_NSTOCK=2000 -e ZC_NSWAP=5000 -e ZC_NHDR=5000 -e CMDQ_FUZZ_N=1500)
		fi
		run_tap "kernel-$k-$tap" ./vmtest.sh -k "$kd" -m "$mem" -t 3600 -e QLAT_SUITE=plain \
			${shard:+-e QLAT_SHARD=$shard} "${scale[@]}" \
			-- "$PWD/tests/vm/run.sh"
		;;
	esac
	case $part in all | rest)
		# the tests that want multi-threaded TCG: 39-zc-qemu's QEMU in
		# QEMU (with two vCPUs in one TCG thread, the vCPU beside the
		# nested guest could stand still for over a minute: soft
		# lockups; docs/vmtest.md, "QEMU in QEMU: multi-threaded TCG")
		echo "# ==== kernel $k: QLAT_VM_TCG_THREAD=multi ./vmtest.sh (tests/vm/run.sh)"
		QLAT_VM_TCG_THREAD=multi run_tap "kernel-$k-mttcg" ./vmtest.sh -k "$kd" -m "$mem" -t 3000 -e QLAT_SUITE=mttcg \
			-- "$PWD/tests/vm/run.sh"
		# virtual time (QEMU icount) for the timing-sensitive tests, so
		# that host preemption on a shared machine is not guest latency;
		# the rest runs without it, since single-threaded TCG is slower
		echo "# ==== kernel $k: ./vmtest.sh -I (tests/vm/run.sh)"
		# its $QLAT_OUT is kept: 50-gate.sh leaves qlat's OpenMetrics there
		rm -rf "$LOGS/kernel-$k-icount-out"
		mkdir -p "$LOGS/kernel-$k-icount-out"
		run_tap "kernel-$k-icount" ./vmtest.sh -I -k "$kd" -m "$mem" -t 1200 -e QLAT_SUITE=icount \
			-o "$PWD/$LOGS/kernel-$k-icount-out" -- "$PWD/tests/vm/run.sh"
		# that OpenMetrics text through Prometheus' parsers (promtool)
		echo "# ==== kernel $k: tests/fleet/promtool.sh"
		run_tap "kernel-$k-promtool" tests/fleet/promtool.sh "$LOGS/kernel-$k-icount-out"
		# a fleet of two of them (one that saw nothing) in Prometheus' queries
		echo "# ==== kernel $k: tests/fleet/rules.sh"
		run_tap "kernel-$k-fleet" tests/fleet/rules.sh \
			"$LOGS/kernel-$k-icount-out/gate-normal/cmdq.om" \
			"$LOGS/kernel-$k-icount-out/gate-empty/cmdq.om"
		;;
	esac
	ktime "$k ${part/\//of}" "$t0"
	speed_seen "$t0" "${REF[$1]:-900}"
	[ "$part" = all ] && echo "# $(ktaps "$k" | count_line "kernel $k: ")"
	return 0
}

# ktaps KERNEL: that kernel's TAP (not kernel-6.12-*.tap: it would take
# 6.12-rt's too)
ktaps() {
	local f
	for f in "$LOGS/kernel-$1-"{build,budget-*,detectors,vm,vm[0-9]*,mttcg,icount,promtool,fleet}.tap; do
		[ -f "$f" ] && cat "$f"
	done
	return 0
}

# ktime NAME T0: a phase time of one kernel, kept in its .times file (the
# lanes are subshells)
ktime() {
	local TIMES=()
	phase_time "$1" "$2"
	echo "${TIMES[0]}" >>"$LOGS/kernel-${1%% *}.times"
}

# speed_seen T0 REF: record the ratio of the time since T0 (now) to REF
speed_seen() {
	(
		flock 8
		awk -v a="$1" -v b="$(now)" -v r="$2" -v f="$LOGS/.claims/speed" 'BEGIN {
			s = 0; if ((getline s < f) <= 0) s = 0
			x = (b - a) / r; if (x > s) s = x
			printf "%.3f\n", s > f }'
	) 8>"$LOGS/.claims/speed.lock"
}

# over_budget JOB: true, with a TAP skip recorded for JOB, if JOB is
# predicted to end past the budget
over_budget() {
	[ -n "$BUDGET" ] || return 1
	local j=$1 k=${1%%:*} msg
	msg=$(awk -v t0="$T0" -v b="$BUDGET" -v now="$(date +%s)" -v ref="${REF[$j]:-900}" \
		-v f="$LOGS/.claims/speed" 'BEGIN {
			s = 1; if ((getline s < f) <= 0 || s < 1) s = 1
			end = now - t0 + ref * s
			if (end <= b) exit 1
			printf "not started: predicted to end at %.0f min (%d s x speed %.2f from min %.0f), past the budget of %.0f min (QLAT_CHECK_BUDGET)",
				end / 60, ref, s, (now - t0) / 60, b / 60 }') || return 1
	echo "ok - kernel $j: the VM suite # SKIP $msg" | tee "$LOGS/kernel-$k-budget-${j//[:\/]/_}.tap"
}

# vm_lane JOB...: run the jobs no other lane has claimed; each job's
# output is printed whole when it is done
vm_lane() {
	local j c
	for j in "$@"; do
		c=${j//\//of}
		mkdir "$LOGS/.claims/$c" 2>/dev/null || continue
		vm_job "$j" >"$LOGS/job-$c.out" 2>&1
		flock "$LOGS/.claims" cat "$LOGS/job-$c.out"
	done
}

# count_line PREFIX: "PREFIX N passed, N failed, N skipped" of the TAP on stdin
count_line() {
	awk -v pre="$1" '
		/^ok( |$)/ { if (/# SKIP/) s++; else p++ }
		/^not ok( |$)/ { f++ }
		END { printf "%s%d passed, %d failed, %d skipped\n", pre, p, f, s }'
}

# The debug kernel is built from source (~25 min on 2 CPUs): started now,
# beside the unit and harness phases; its first VM job waits for it
# (kernel-cache.sh serializes builds of one kernel with flock).
rm -rf "$LOGS/.claims"
mkdir -p "$LOGS/.claims"
case " $PHASES " in *" vm "*)
	if [ -n "$WITH_DEBUG" ]; then
		echo "# ==== kernel debug: building it in the background (build/test-logs/kernel-debug-prepare.log)"
		rm -f "$LOGS/kernel-debug.times"
		(
			t0=$(now)
			make --no-print-directory KERNEL=debug kernel >"$LOGS/kernel-debug-prepare.log" 2>&1 &&
				touch "$LOGS/.claims/debug.ready"
			ktime "debug prepare" "$t0"
		) &
	fi
	;;
esac

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
		# the first measure of this machine's speed, for the budget
		speed_seen "$t0" "$REF_UNIT"
		;;
	harness)
		QLAT_KDIR=$KDIR run_tap harness tests/harness/test_vmtest.sh
		QLAT_KDIR=$KDIR run_tap harness-qprof tests/harness/test_qprof.sh
		QLAT_KDIR=$KDIR run_tap harness-bpfjit tests/harness/test_bpfjit.sh
		QLAT_KDIR=$KDIR run_tap harness-bpfvlog tests/harness/test_bpfvlog.sh
		;;
	vm)
		# Each VM runs TCG in one host thread (docs/vmtest.md), so the
		# kernels run side by side, one per host CPU (QLAT_CHECK_LANES,
		# default: 2 when there are 2 CPUs): each lane takes the next
		# kernel nobody has taken, the debug kernel first (its build
		# from source and its ~5x slower suite are the longest job).
		# Timing-sensitive tests run on QEMU's instruction counter,
		# which host load does not move.
		lanes=${QLAT_CHECK_LANES:-$(($(nproc) >= 2 ? 2 : 1))}
		stock=
		for k in $KERNELS; do
			[ "$k" = debug ] || stock+=" $k"
		done
		order=${stock# } jobs=${stock# }
		# the debug kernel's suite in three jobs. Its kernel still
		# building (a cold cache): the first shard of its plain run
		# first (one lane waits for the build, the other runs the stock
		# kernels), the other two after the stock kernels, whichever
		# lane is free first. Already built (a warm cache): the longest
		# jobs first (by their reference times), so that the lanes end
		# together: with the warm run's times of 2026-12-04, 1,982 s on
		# two lanes where the cold order took 2,240
		if [ -n "$WITH_DEBUG" ]; then
			order="debug$stock"
			if [ "$lanes" -gt 1 ] && [ -e "$LOGS/.claims/debug.ready" ]; then
				jobs=$(for j in debug:plain1/2 debug:plain2/2 debug:rest $stock; do
					echo "${REF[$j]:-900} $j"
				done | sort -rn | awk '{ printf "%s ", $2 }')
			elif [ "$lanes" -gt 1 ]; then
				jobs="debug:plain1/2$stock debug:plain2/2 debug:rest"
			else
				jobs="debug$stock"
			fi
		fi
		echo "# ==== kernels $order: jobs $jobs, $lanes at a time"
		for ((l = 0; l < lanes; l++)); do
			vm_lane $jobs &
		done
		wait
		for k in $order; do
			[ -f "$LOGS/kernel-$k.times" ] && mapfile -t -O "${#TIMES[@]}" TIMES <"$LOGS/kernel-$k.times"
			KLINES+=("$(ktaps "$k" | count_line "kernel $k: ")")
		done
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
failed=$(cat "$LOGS"/*.tap | grep -cE '^not ok( |$)')
if [ "$failed" -gt 0 ]; then
	echo "# ---- failures"
	grep -HE '^not ok( |$)' "$LOGS"/*.tap | sed "s|^$LOGS/||; s/^/# /"
fi
for l in ${KLINES[@]+"${KLINES[@]}"}; do echo "$l"; done
cat "$LOGS"/*.tap | count_line ""
[ "$failed" -eq 0 ]
