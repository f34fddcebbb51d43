#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): the largest frame packet, in register writes, at
# which the frame client on P pipes at Z Hz still makes every vblank, with
# nothing injected: 0 deadline misses and 0 skipped frames over F frames
# per pipe.
#
#   tests/bench/frame-writes.sh [-p PIPES] [-z HZ] [-f FRAMES] [-c INST_COST_NS] [-b BATCH] [-T]
#
# Defaults: 3 pipes, 240 Hz (frame 4,167 us, vblank 417 us = 10 %), 480
# frames per pipe (2 s), the model's defaults: 100 ns per GCE instruction,
# 16 instructions per executor tick (-b: gce_sim's batch, 1..1024).
# A frame packet is clear_event, wfe(EOF), N writes, EOC: N + 3
# instructions run after EOF and must end before the next SOF, so the
# model's own bound is N + 3 <= vblank / inst_cost (4,163 writes at the
# defaults). What the benchmark finds is whether the guest keeps up with
# that: every instruction is executed by gce_sim's per-thread hard
# hrtimer in batches (gce_sim/batch), three threads at once, beside the
# frame client's kthread; when the guest CPU falls behind, the simulated
# time catches up with the timer latency and packets end late.
#
# Search: writes 512, 1024, 2048, ... doubling (up to 16384, the frame
# client's limit) until a run misses, then bisection between the last
# clean and the first missing size down to 1 % (at least 8 writes). Every
# run is printed: writes, packets, misses, skipped.
#
# Clock: one vCPU and QEMU's instruction counter at a fixed rate (-icount
# shift=0,sleep=off), the house method (tests/bench/qlat-overhead.sh):
# guest time counts guest instructions, so the figure is the same on a
# busy host and on a quiet one. -T: plain TCG on the default vCPUs (host
# time; moves with host load).
P=3 Z=240 F=480 COST=100 BATCH=16 T=
while getopts p:z:f:c:b:T o; do
	case $o in
	p) P=$OPTARG ;; z) Z=$OPTARG ;; f) F=$OPTARG ;; c) COST=$OPTARG ;; b) BATCH=$OPTARG ;;
	T) T=-T ;;
	*) echo "usage: $0 [-p PIPES] [-z HZ] [-f FRAMES] [-c INST_COST_NS] [-b BATCH] [-T]" >&2; exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/lib.sh"
[ -n "$QLAT_VM" ] || bench_vm "$T" "$REPO/tests/bench/frame-writes.sh" \
	-p "$P" -z "$Z" -f "$F" -c "$COST" -b "$BATCH"
. "$REPO/tests/vm/lib.sh"
. "$REPO/tests/vm/cmdq_lib.sh"
CLOCK=$(bench_clock)

cmdq_load pipes="$P" hz="$Z" inst_cost_ns="$COST" batch="$BATCH" enable=0 || exit 1
echo "$P" >"$FR/pipes" && echo "$F" >"$FR/frames" && echo "$Z" >"$FR/hz" || exit 1

# run N: one run of F frames per pipe with N writes; prints
# "N packets misses skipped" and returns 0 if clean
run() {
	echo "$1" >"$FR/writes" || exit 1
	snap a
	frame_run $((F / Z * 20 + 60)) || { echo "frame client run failed" >&2; exit 1; }
	snap b
	_pk=0 _mi=0 _sk=0 _p=0
	while [ $_p -lt "$P" ]; do
		_pk=$((_pk + $(d a b frame${_p}_committed)))
		_mi=$((_mi + $(d a b pipe${_p}_misses)))
		_sk=$((_sk + $(d a b frame${_p}_skipped) + $(d a b pipe${_p}_skipped)))
		_p=$((_p + 1))
	done
	printf '%6d writes: %5d packets, %5d misses, %4d skipped\n' "$1" $_pk $_mi $_sk
	[ $_mi = 0 ] && [ $_sk = 0 ] && [ $_pk = $((P * F)) ]
}

echo "frame client: $P pipes x $Z Hz, $F frames per pipe; GCE: $COST ns per instruction, $BATCH per tick"
echo "clock: $CLOCK"
good=0 bad=0 n=512
while [ $n -le 16384 ]; do
	if run $n; then
		good=$n
		n=$((n * 2))
	else
		bad=$n
		break
	fi
done
if [ $bad = 0 ]; then
	echo "largest packet: >= $good writes (the frame client's limit)"
	exit 0
fi
while :; do
	step=$(((bad - good) / 2))
	tol=$((good / 100))
	[ $tol -lt 8 ] && tol=8
	[ $((bad - good)) -le $tol ] && break
	m=$((good + step))
	if run $m; then good=$m; else bad=$m; fi
done
echo "largest packet making every vblank: $good writes ($((good + 3)) instructions after EOF; $bad misses)"
echo "model bound: vblank / inst_cost = $((1000000 / Z / 10 * 1000 / COST)) instructions (vblank 10 % of the frame)"
cmdq_unload
