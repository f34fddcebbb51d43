#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what `qlat zc` costs on the traced device. In one
# VM run, for each frame size and device, rounds of vhostdrv TX throughput
# (no reader) without qlat, with empty BPF programs on the same
# tracepoints qlat zc attaches (build/bpfempty: the kernel's dispatch and
# the device's clock reads, the floor of any tracer of them; -e EVENTS:
# other tracepoints, e.g. vhost_zc for all four; stock vhost_net: empty
# fentry programs on the five functions --stock probes) and with `qlat
# zc` attached (tp_btf; --stock on stock vhost_net with
# experimental_zcopytx=1), back to back; the ratios are taken within a
# round and the median of the rounds is reported. On stock vhost_net also
# "clock": the same empty fentry programs with a clock read at a frame's
# send, completion and signal (bpfempty fentry clock), the floor of any
# tracer that times each buffer at those functions, as --stock does; and
# "hist": those programs with, at each of the three, a per-CPU lookup and
# one histogram update (bpfempty fentry hist), the floor of a tracer that
# bins a latency there, before it matches a single buffer. Then
# one more run per size and device with the kernel's BPF statistics on
# (kernel.bpf_stats_enabled=1: two clock reads per program run, so they
# stay off while throughput is measured) gives the BPF run time per event
# of each program; under icount that is instructions per run.
#
#   tests/bench/zc-overhead.sh [-n FRAMES] [-r ROUNDS] [-s SIZES] [-d DEVICES] [-e EVENTS] [-E]
#                              [-T] [-P DIR]
#
# DEVICES: "zc" (/dev/vhost-zc-net, `qlat zc`), "stock" (/dev/vhost-net,
# `qlat zc --stock`); default both. Clock: tests/bench/lib.sh (icount by
# default, -T plain TCG).
# The driver (vhostdrv -N: no receiver on the tap) runs without
# VIRTIO_RING_F_EVENT_IDX by default: every used batch is a call, and the
# driver waits on its call eventfd whenever the ring runs dry, so on this
# benchmark's one CPU a slower device costs the driver's poll and wake-up
# too (see qlat-zc(8) OVERHEAD). -E: with it (vhostdrv -E), as Linux's
# virtio-net and QEMU run a guest: the driver asks for a call once 3/4 of
# its buffers in flight are used and does not sleep if they are.
# -P DIR: where the instructions go (tests/bench/qprof.c; docs/vmtest.md):
# every throughput run is a window (DIR/DEV-SIZE-CFG-rN.tb), and after the
# rounds of a size the first round's runs are compared per frame: with
# qlat and with the empty programs against without, the BPF programs and
# trampolines ([bpf]) first, then the whole kernel.
N=20000 R=3 SIZES="1500 65000" DEVS="zc stock" T= EV=vhost_zc_signal
PROF= EIDX=
while getopts n:r:s:d:e:ETP: c; do
	case $c in
	n) N=$OPTARG ;; r) R=$OPTARG ;; s) SIZES=$OPTARG ;; d) DEVS=$OPTARG ;; T) T=-T ;;
	e) EV=$OPTARG ;; P) PROF=$OPTARG ;; E) EIDX=-E ;;
	*) echo "usage: $0 [-n FRAMES] [-r ROUNDS] [-s SIZES] [-d DEVICES] [-e EVENTS] [-E] [-T] [-P DIR]" >&2; exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/lib.sh"
[ -n "$QLAT_VM" ] || bench_prof "$PROF"
[ -n "$QLAT_VM" ] || bench_vm "$T" "$REPO/tests/bench/zc-overhead.sh" \
	-n "$N" -r "$R" -s "$SIZES" -d "$DEVS" -e "$EV" $EIDX
B=$REPO/build
for m in tun tap vhost; do modprobe $m; done
modprobe vhost_net experimental_zcopytx=1 || exit 1
insmod "$B/kmod/$(uname -r)/vhost_zc/vhost_zc.ko" || exit 1
TMP=$(mktemp -d)

# pps DEV SIZE [LABEL]: one vhostdrv run (with -P, a window named LABEL):
# its frames per second; its waits (polls of the call eventfd, where it
# sleeps until the device signals) in $TMP/waits
pps() {
	case $1 in
	zc) d=/dev/vhost-zc-net ;;
	stock) d=/dev/vhost-net ;;
	esac
	[ -z "$3" ] || prof_mark start
	"$B/vhostdrv" -D $d -s "$2" -n "$N" -q 128 -N $EIDX >"$TMP/drv.out"
	[ -z "$3" ] || { prof_mark stop "$3"; prof_units "$3" "$N"; }
	awk '$1 == "waits" { print $2 }' "$TMP/drv.out" >"$TMP/waits"
	awk '$1 == "pps" { print $2 }' "$TMP/drv.out"
}

# qlat_on DEV / qlat_off: attach qlat zc (or --stock) and wait until attached
qlat_on() {
	rm -f "$TMP/ready"
	opt=
	[ "$1" = stock ] && opt=--stock
	# shellcheck disable=SC2086
	"$B/qlat" zc $opt --ready-file "$TMP/ready" >/dev/null 2>&1 &
	QP=$!
	while [ ! -e "$TMP/ready" ]; do
		kill -0 $QP 2>/dev/null || { echo "qlat zc $opt failed to start" >&2; exit 1; }
		sleep 0.1
	done
}
qlat_off() { kill -INT $QP; wait $QP; }

# empty_on DEV [clock] / qlat_off: the empty programs on what qlat zc
# attaches to: the vhost_zc tracepoints ($EV), or for stock the fentry
# probes of --stock (with clock: and the three clock reads)
empty_on() {
	rm -f "$TMP/ready"
	if [ "$1" = stock ]; then
		"$B/bpfempty" fentry "$TMP/ready" "${2:-stock}" &
	else
		"$B/bpfempty" tp_btf "$TMP/ready" "$EV" &
	fi
	QP=$!
	while [ ! -e "$TMP/ready" ]; do
		kill -0 $QP 2>/dev/null || { echo "bpfempty failed to start" >&2; exit 1; }
		sleep 0.1
	done
}

# stats VALUES...: "median lowest highest"
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      print m, a[1], a[NR] }'
}

echo "# clock: $(bench_clock)"
echo "# $N frames per run, $R rounds; ratio: median of the per-round with/without [lowest-highest]"
echo "# empty: empty tp_btf programs on $EV (zc); empty fentry programs on the functions --stock probes (stock)"
if [ -n "$EIDX" ]; then
	echo "# driver: vhostdrv -N -E (VIRTIO_RING_F_EVENT_IDX, as Linux's virtio-net)"
else
	echo "# driver: vhostdrv -N (no VIRTIO_RING_F_EVENT_IDX: a call per used batch)"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
rcol() { stats "$@" | awk '{ printf "%.3f [%.3f-%.3f]", $1, $2, $3 }'; }
printf '%-6s %-6s %9s %9s %9s %22s %22s\n' dev size without empty with \
	"empty/without" "with/without"
for dev in $DEVS; do
	for size in $SIZES; do
		lb= le= lw= lre= lr= lrc= lrh=
		i=0
		while [ $i -lt "$R" ]; do
			p=$dev-$size
			b=$(pps $dev $size "$p-without-r$((i + 1))") db=$(cat "$TMP/waits")
			empty_on $dev
			e=$(pps $dev $size "$p-empty-r$((i + 1))") de=$(cat "$TMP/waits")
			qlat_off
			le="$le $e" lre="$lre $(ratio $e $b)"
			c= h= dc= dh=
			if [ $dev = stock ]; then
				empty_on $dev clock
				c=$(pps $dev $size "$p-clock-r$((i + 1))") dc=$(cat "$TMP/waits")
				qlat_off
				lrc="$lrc $(ratio $c $b)"
				empty_on $dev hist
				h=$(pps $dev $size "$p-hist-r$((i + 1))") dh=$(cat "$TMP/waits")
				qlat_off
				lrh="$lrh $(ratio $h $b)"
			fi
			qlat_on $dev
			w=$(pps $dev $size "$p-with-r$((i + 1))") dw=$(cat "$TMP/waits")
			qlat_off
			lb="$lb $b" lw="$lw $w" lr="$lr $(ratio $w $b)"
			echo "# $dev $size B round $((i + 1)): without $b empty $e${c:+ clock $c}${h:+ hist $h} with $w frames/s"
			echo "# $dev $size B round $((i + 1)) driver waits: without $db empty $de${dc:+ clock $dc}${dh:+ hist $dh} with $dw"
			i=$((i + 1))
		done
		ecol=$(stats $le | cut -d' ' -f1) ercol=$(rcol $lre)
		printf '%-6s %-6s %9.0f %9s %9.0f %22s %22s\n' $dev $size \
			"$(stats $lb | cut -d' ' -f1)" "$ecol" "$(stats $lw | cut -d' ' -f1)" \
			"$ercol" "$(rcol $lr)"
		[ -z "$lrc" ] || echo "# $dev $size B: clock/without $(rcol $lrc) (empty fentry programs and a clock read at send, completion and signal)"
		[ -z "$lrh" ] || echo "# $dev $size B: hist/without $(rcol $lrh) (and at each, a per-CPU lookup and one histogram update)"
		prof_report "$dev-$size-with-r1" "$dev-$size-without-r1" '\[bpf\]$'
		prof_report "$dev-$size-empty-r1" "$dev-$size-without-r1" '\[bpf\]$'
	done
done

echo "# BPF run time per event (kernel.bpf_stats_enabled=1, one run each; ns = instructions under icount)"
sysctl -q kernel.bpf_stats_enabled=1
for dev in $DEVS; do
	for size in $SIZES; do
		empty_on $dev
		pps $dev $size >/dev/null
		bpftool prog show -j >"$TMP/progs.json"
		qlat_off
		jq -r --arg d "$dev" --arg s "$size" '[.[] | select(.name | test("^(vhost_zc|stock_)")) |
			select(.run_cnt > 0)] | "\($d) empty \($s) B: \(map(.run_time_ns) | add) ns in \(map(.run_cnt) | add) runs, \(((map(.run_time_ns) | add) / (map(.run_cnt) | add)) | floor) ns/run (the statistics\u0027 own clock reads)"' \
			"$TMP/progs.json"
		qlat_on $dev
		pps $dev $size >/dev/null
		bpftool prog show -j >"$TMP/progs.json"
		qlat_off
		jq -r --arg d "$dev" --arg s "$size" '.[] | select(.name | test("_(btf|fentry)$")) |
			select(.name | test("^(vhost_zc_|stock_)") | not) |
			select(.run_cnt > 0) |
			"\($d) \($s) B \(.name): \(.run_cnt) runs, \(.run_time_ns / .run_cnt | floor) ns/run"' \
			"$TMP/progs.json"
	done
done
sysctl -q kernel.bpf_stats_enabled=0
rm -rf "$TMP"
rmmod vhost_zc
rmmod vhost_net
