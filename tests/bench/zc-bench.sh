#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): the same userspace virtio-net driver (vhostdrv)
# against /dev/vhost-zc-net and the stock /dev/vhost-net with zero-copy on
# (experimental_zcopytx=1) and off, at 64 B, 1500 B and 64 KB frames, in
# one VM run.
#
#   tests/bench/zc-bench.sh [-t SECONDS] [-r ROUNDS] [-q DEPTH] [-s SIZES] [-T] [-N]
#                           [-d tx|rx|"tx rx"] [-x FRAMES] [-P DIR]
#
# TX (the default, -d tx): the driver sends for SECONDS per run. RX (-d rx):
# frames of each size are injected into the tap (AF_PACKET on the tap, as
# a bridge or the host stack would deliver them), the device copies them
# into the driver's RX ring (mergeable buffers, as Linux guests negotiate),
# and the driver checks each one's length and content: FRAMES per run
# (default 20000), rx_pps as vhostdrv counts it; vhost-zc-net against
# stock vhost_net (RX has no zero-copy: experimental_zcopytx does not
# matter there). The injection and the check are the same work for both
# devices, so they dilute the ratio without favouring either.
#
# The driver negotiates VIRTIO_RING_F_EVENT_IDX, as Linux guests do: it
# asks for a call once 3/4 of its buffers in flight are used and kicks
# only past the device's avail_event (vhostdrv --event-idx). -N runs it
# without: then every used batch the device publishes is a call (stock
# vhost_net in zero-copy mode publishes one per chain), which mostly
# measures wake-ups.
#
# Clock. By default the VM has one vCPU and QEMU's instruction counter at a
# fixed rate (-icount shift=0,sleep=off), as tests/bench/qlat-overhead.sh:
# guest time counts executed guest instructions (1 ns = 1 instruction),
# whatever else the host runs, so pps is packets per 10^9 guest
# instructions of the driver, the device and the stack together on one
# CPU, and the rounds agree within a few percent on a busy shared host.
# That is a CPU-cost comparison: it does not see cache misses, atomics'
# real price or the parallelism of a second CPU. -T runs plain TCG on the
# default vCPUs instead: guest time is host time, and host noise (other
# VMs on the same CPUs) moves single runs by tens of percent.
#
# Host noise (other VMs on the same CPUs) moves single runs by tens of
# percent, so: every round runs each configuration once, back to back, in
# an order rotated from round to round; the ratios are taken within a
# round (paired runs see about the same host load) and the median of the
# rounds is reported, with the lowest and highest round in brackets. The
# pps columns are medians over the rounds, +-N% is half their range.
#
# -P DIR: where the instructions go. QEMU runs the instruction profiler
# (tests/bench/qprof.c) and each run is a window (DIR/{tx,rx}-CFG-SIZE-rN
# .tb and .kallsyms); after each size the first round's windows of
# vhost-zc-net and stock vhost_net (zero-copy, for TX) are compared per
# function of the device modules and overall, per frame
# (tests/bench/qprof-report.sh; docs/vmtest.md, "Where the instructions
# go"). The profiler slows QEMU, not guest time: the pps figures stand.
#
# On the host it boots a VM with vmtest.sh and runs itself inside; frames
# are not read back (--no-verify), so zero-copy sends complete when the
# stack drops them, without a copy; and each TX buffer is filled once and
# resent as is (--reuse): refilling 64 KB per frame in the driver took a
# quarter of the samples and left the CPUs half idle in both devices, so
# the driver's memset, not the device, set the pace.
D=3 R=5 Q=128 SIZES="64 1500 65000" T= NOEV= DIRS=tx RXN=20000 PROF=
while getopts t:r:q:s:TNd:x:P: c; do
	case $c in
	t) D=$OPTARG ;; r) R=$OPTARG ;; q) Q=$OPTARG ;; s) SIZES=$OPTARG ;;
	T) T=-T ;; N) NOEV=-N ;; d) DIRS=$OPTARG ;; x) RXN=$OPTARG ;; P) PROF=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-r ROUNDS] [-q DEPTH] [-s SIZES] [-T] [-N] [-d tx|rx|\"tx rx\"] [-x FRAMES] [-P DIR]" >&2
	   exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/lib.sh"
[ -n "$QLAT_VM" ] || bench_prof "$PROF"
# shellcheck disable=SC2086 # NOEV is one option or none
[ -n "$QLAT_VM" ] || bench_vm "$T" "$REPO/tests/bench/zc-bench.sh" \
	-t "$D" -r "$R" -q "$Q" -s "$SIZES" -d "$DIRS" -x "$RXN" $NOEV
EV=--event-idx
[ -n "$NOEV" ] && EV=
CLOCK=$(bench_clock)
[ -n "$EV" ] && CLOCK="$CLOCK; driver with EVENT_IDX" || CLOCK="$CLOCK; driver without EVENT_IDX"
DRV=$REPO/build/vhostdrv
TMP=$(mktemp)
DEVMODS='\[(vhost_zc|vhost_net|vhost|tun)\]$'
for m in tun tap vhost; do modprobe $m; done
insmod "$REPO/build/kmod/$(uname -r)/vhost_zc/vhost_zc.ko" || exit 1

# pps of one run: cfg size
run() {
	case $1 in
	zc) dev=/dev/vhost-zc-net ;;
	stock-zc) rmmod vhost_net 2>/dev/null; modprobe vhost_net experimental_zcopytx=1; dev=/dev/vhost-net ;;
	stock-copy) rmmod vhost_net 2>/dev/null; modprobe vhost_net experimental_zcopytx=0; dev=/dev/vhost-net ;;
	esac
	if [ "$(nproc)" -lt 2 ]; then
		prof_mark start
		"$DRV" -D $dev -s "$2" -t "$D" -q "$Q" --no-verify --reuse $EV >"$TMP"
		prof_mark stop "tx-$1-$2-r$ROUND"
		prof_units "tx-$1-$2-r$ROUND" "$(sed -n 's/^sent //p' "$TMP")"
	else
		# the driver on CPU 0, the device's worker on CPU 1, as a
		# vCPU thread and its vhost thread on two host cores: left to
		# the scheduler, the two sometimes share a CPU and sometimes
		# not, and pps of one configuration moved by 3x between runs
		taskset -c 0 "$DRV" -D $dev -s "$2" -t "$D" -q "$Q" \
			--no-verify --reuse $EV >"$TMP" &
		pid=$! w=
		i=0
		while [ -z "$w" ] && [ $i -lt 100 ]; do
			w=$(pgrep -x "vhost-$pid")
			[ -z "$w" ] && sleep 0.01
			i=$((i + 1))
		done
		[ -n "$w" ] && taskset -pc 1 "$w" >/dev/null
		wait $pid
	fi
	sed -n 's/^pps //p' "$TMP"
}

# stats VALUES...: "median lowest highest"
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      print m, a[1], a[NR] }'
}

pps_col() { # VALUES...: median pps +-half range in %
	stats "$@" | awk '{ printf "%8.0f +-%2.0f%%", $1, $1 ? ($3 - $2) / 2 / $1 * 100 : 0 }'
}

ratio_col() { # VALUES...: median ratio [lowest-highest]
	stats "$@" | awk '{ printf "%6.3f [%.3f-%.3f]", $1, $2, $3 }'
}

echo "# clock: $CLOCK"
bench_tx() {
	printf '# %s s per run, %s rounds, depth %s; pps: median +-half range; ratios: median of the per-round ratios [lowest-highest round]\n' \
		"$D" "$R" "$Q"
	printf '%-6s %14s %14s %14s %18s %18s\n' size zc stock-zc stock-copy zc/stock-zc zc/stock-copy
	for size in $SIZES; do
		l_zc= l_sz= l_sc= r_sz= r_sc=
		i=0
		while [ $i -lt "$R" ]; do
			case $((i % 3)) in
			0) order="zc stock-zc stock-copy" ;;
			1) order="stock-zc stock-copy zc" ;;
			2) order="stock-copy zc stock-zc" ;;
			esac
			ROUND=$((i + 1))
			for c in $order; do
				v=$(run $c $size)
				case $c in
				zc) zc=$v ;; stock-zc) sz=$v ;; stock-copy) sc=$v ;;
				esac
			done
			l_zc="$l_zc $zc" l_sz="$l_sz $sz" l_sc="$l_sc $sc"
			r_sz="$r_sz $(awk -v a="$zc" -v b="$sz" 'BEGIN { printf "%.4f", a / b }')"
			r_sc="$r_sc $(awk -v a="$zc" -v b="$sc" 'BEGIN { printf "%.4f", a / b }')"
			echo "# $size B round $((i + 1)): zc $zc stock-zc $sz stock-copy $sc"
			i=$((i + 1))
		done
		printf '%-6s %14s %14s %14s %18s %18s\n' $size "$(pps_col $l_zc)" \
			"$(pps_col $l_sz)" "$(pps_col $l_sc)" "$(ratio_col $r_sz)" \
			"$(ratio_col $r_sc)"
		[ "$(nproc)" -ge 2 ] || prof_report "tx-zc-$size-r1" "tx-stock-zc-$size-r1" "$DEVMODS"
	done
}

# rx_run CFG SIZE: rx_pps of one run (and a note if a frame failed its check)
rx_run() {
	case $1 in
	zc) dev=/dev/vhost-zc-net ;;
	stock) rmmod vhost_net 2>/dev/null; modprobe vhost_net; dev=/dev/vhost-net ;;
	esac
	prof_mark start
	if ! "$DRV" -D $dev -s "$2" -n 0 -x "$RXN" -q "$Q" $EV >"$TMP"; then
		echo "# RX $1 $2 B: the check failed: $(tr '\n' ' ' <"$TMP")" >&2
	fi
	prof_mark stop "rx-$1-$2-r$ROUND"
	prof_units "rx-$1-$2-r$ROUND" "$RXN"
	sed -n 's/^rx_pps //p' "$TMP"
}

bench_rx() {
	printf '# RX: %s frames per run, %s rounds, depth %s; pps: median +-half range; ratio: median of the per-round ratios [lowest-highest round]\n' \
		"$RXN" "$R" "$Q"
	printf '%-6s %14s %14s %18s\n' size zc stock zc/stock
	for size in $SIZES; do
		l_zc= l_st= r_st=
		i=0
		while [ $i -lt "$R" ]; do
			ROUND=$((i + 1))
			if [ $((i % 2)) = 0 ]; then
				zc=$(rx_run zc $size) st=$(rx_run stock $size)
			else
				st=$(rx_run stock $size) zc=$(rx_run zc $size)
			fi
			l_zc="$l_zc $zc" l_st="$l_st $st"
			r_st="$r_st $(awk -v a="$zc" -v b="$st" 'BEGIN { printf "%.4f", a / b }')"
			echo "# RX $size B round $((i + 1)): zc $zc stock $st"
			i=$((i + 1))
		done
		printf '%-6s %14s %14s %18s\n' $size "$(pps_col $l_zc)" "$(pps_col $l_st)" \
			"$(ratio_col $r_st)"
		prof_report "rx-zc-$size-r1" "rx-stock-$size-r1" "$DEVMODS"
	done
}

for dir in $DIRS; do
	case $dir in
	tx) bench_tx ;;
	rx) bench_rx ;;
	*) echo "zc-bench.sh: -d: tx or rx, not '$dir'" >&2; exit 2 ;;
	esac
done
rm -f "$TMP"
rmmod vhost_net 2>/dev/null
rmmod vhost_zc
