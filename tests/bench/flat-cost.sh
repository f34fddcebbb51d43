#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): qlat's cost per event must not grow with the
# event rate, nor with the number of threads, vqs or devices traced. In one
# VM run (tests/bench/lib.sh: instruction counter, one vCPU), with
# kernel.bpf_stats_enabled=1 throughout, qlat cmdq and qlat zc are attached
# once each and their programs' run time per event (the kernel's BPF
# statistics over every program qlat loaded: run_time_ns / run_cnt,
# instructions under icount, the statistics' own ~47 included) is read
# around each workload:
#   cmdq  cmdqctl load --ops 1 --depth 64 at --rate 1000, 10000, 100000
#         packets/s and unpaced (the model's highest rate: GCE model with
#         inst_cost_ns=0, timing generator off); then 1, 4 and 16 loaders
#         at once, each on its own GCE thread, unpaced
#   zc    vhostdrv TX of 1500-byte frames (no reader) at -r 1000, 10000,
#         100000 frames/s and unpaced; then 1, 2 and 4 devices at once,
#         each with its own tap, unpaced
# The events per second reached are printed beside each figure.
#
#   tests/bench/flat-cost.sh [-d SECONDS] [-T]
D=3 T=
while getopts d:T c; do
	case $c in
	d) D=$OPTARG ;; T) T=-T ;;
	*) echo "usage: $0 [-d SECONDS] [-T]" >&2; exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/bench/lib.sh"
[ -n "$QLAT_VM" ] || bench_vm "$T" "$REPO/tests/bench/flat-cost.sh" -d "$D"

die() { echo "flat-cost: $*" >&2; exit 1; }
B=$REPO/build
K=$B/kmod/$(uname -r)
TMP=$(mktemp -d)
insmod "$K/cmdq/cmdq_helper.ko" && insmod "$K/cmdq/gce_sim.ko" inst_cost_ns=0 enable=0 &&
	insmod "$K/cmdq/cmdq_frame.ko" && insmod "$K/cmdq/cmdq_dev.ko" || die "insmod cmdq failed"
for m in tun tap vhost; do modprobe $m; done
insmod "$K/vhost_zc/vhost_zc.ko" || die "insmod vhost_zc failed"
sysctl -q kernel.bpf_stats_enabled=1 || die "no kernel.bpf_stats_enabled"

# qlat_on SUBCOMMAND / qlat_off
qlat_on() {
	rm -f "$TMP/ready"
	"$B/qlat" "$1" --ready-file "$TMP/ready" >/dev/null 2>&1 &
	QP=$!
	while [ ! -e "$TMP/ready" ]; do
		kill -0 $QP 2>/dev/null || die "qlat $1 failed to start"
		sleep 0.1
	done
}
qlat_off() { kill -INT $QP; wait $QP; }

# bpf_now: "run_time_ns run_cnt frames": run time and runs summed over
# qlat's programs (the only tp_btf ones in this VM), and the TX frames
# vhost-zc-net completed (its global stats; qlat zc runs once per signal,
# which publishes a batch of frames)
bpf_now() {
	echo "$(bpftool prog show -j | jq -r '[.[] | select(.name | test("_btf$"))] |
		"\(map(.run_time_ns // 0) | add // 0) \(map(.run_cnt // 0) | add // 0)"') $(
		awk '$1 == "completed" { print $2; f = 1 } END { if (!f) print 0 }' \
			/sys/kernel/debug/vhost_zc/stats 2>/dev/null || echo 0)"
}

# measure LABEL CMD...: run CMD, print the events per second, ns/event
# and (zc) ns per frame: a frame's share of the signal that published it
measure() {
	label=$1
	shift
	read -r t0 c0 f0 <<EOF
$(bpf_now)
EOF
	"$@"
	read -r t1 c1 f1 <<EOF
$(bpf_now)
EOF
	awk -v l="$label" -v t=$((t1 - t0)) -v c=$((c1 - c0)) -v f=$((f1 - f0)) -v d="$D" 'BEGIN {
		if (c <= 0) { printf "%-28s no events\n", l; exit }
		pf = f > 0 ? sprintf("%.1f", t / f) : "-"
		printf "%-28s %12.0f %10d %10.1f %10s\n", l, c / d, c, t / c, pf }'
}

load() { # RATE THREAD...: one cmdqctl load per thread, at once
	r=$1
	shift
	pids=
	for t in "$@"; do
		# shellcheck disable=SC2086
		"$B/cmdqctl" -t "$t" load --ops 1 --depth 64 ${r:+--rate $r} \
			--duration-ms $((D * 1000)) >/dev/null &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids	# not qlat's
}
tx() { # RATE NDEV: NDEV vhostdrv at once, each its own tap
	i=0 pids=
	while [ $i -lt "$2" ]; do
		# shellcheck disable=SC2086
		"$B/vhostdrv" -i vzt$i -s 1500 -t "$D" -N -U ${1:+-r $1} >/dev/null &
		pids="$pids $!"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	wait $pids
}

echo "# flat-cost: $D s per workload, $(uname -r)"
echo "# clock: $(bench_clock)"
echo "# ns/event: qlat's BPF run time per program run (kernel BPF statistics); ns/frame: per TX frame (zc)"
printf '%-28s %12s %10s %10s %10s\n' workload "events/s" events "ns/event" "ns/frame"
qlat_on cmdq
for r in 1000 10000 100000 ""; do
	measure "cmdq rate ${r:-max}" load "$r" 0
done
for n in 1 4 16; do
	measure "cmdq max, $n threads" load "" $(seq 0 $((n - 1)))
done
qlat_off
qlat_on zc
for r in 1000 10000 100000 ""; do
	measure "zc rate ${r:-max}" tx "$r" 1
done
for n in 1 2 4; do
	measure "zc max, $n devices" tx "" $n
done
qlat_off
sysctl -q kernel.bpf_stats_enabled=0
for m in cmdq_dev cmdq_frame gce_sim cmdq_helper vhost_zc; do rmmod $m; done
rm -rf "$TMP"
