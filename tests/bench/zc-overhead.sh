#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what `qlat zc` costs on vhost-zc-net. In one VM
# run, alternating: vhostdrv TX throughput (1500 B frames, no reader)
# without qlat and with `qlat zc` attached (tp_btf), and the BPF run time
# per event of each qlat zc program from the kernel's BPF stats
# (kernel.bpf_stats_enabled=1, which itself adds two clock reads per run).
#
#   tests/bench/zc-overhead.sh [-n FRAMES] [-r ROUNDS]
N=20000 R=3
while getopts n:r: c; do
	case $c in
	n) N=$OPTARG ;; r) R=$OPTARG ;;
	*) echo "usage: $0 [-n FRAMES] [-r ROUNDS]" >&2; exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$QLAT_VM" ]; then
	exec "$REPO/vmtest.sh" -t 1800 -- "$REPO/tests/bench/zc-overhead.sh" -n "$N" -r "$R"
fi
B=$REPO/build
for m in tun tap vhost; do modprobe $m; done
insmod "$B/kmod/$(uname -r)/vhost_zc/vhost_zc.ko" || exit 1
sysctl -q kernel.bpf_stats_enabled=1

pps() { "$B/vhostdrv" -s 1500 -n "$N" -q 128 -N | awk '$1 == "pps" { print $2 }'; }

base="" with=""
i=0
while [ $i -lt "$R" ]; do
	base="$base $(pps)"
	rm -f /tmp/zco-ready
	"$B/qlat" zc --ready-file /tmp/zco-ready >/dev/null 2>&1 &
	q=$!
	while [ ! -e /tmp/zco-ready ]; do sleep 0.1; done
	with="$with $(pps)"
	bpftool prog show -j >/tmp/zco-progs.json
	kill -INT $q
	wait $q
	i=$((i + 1))
done
med() { echo "$@" | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "frames per run: $N x 1500 B, rounds: $R"
echo "pps without qlat: $base (median $(med $base))"
echo "pps with qlat zc: $with (median $(med $with))"
awk -v a="$(med $base)" -v b="$(med $with)" 'BEGIN { printf "throughput with qlat zc / without: %.3f\n", b / a }'
echo "BPF run time per event (last round):"
jq -r '.[] | select(.name | test("^(submit|complete|dequeue|signal)_btf$")) |
	"  \(.name): \(.run_cnt) runs, \(if .run_cnt > 0 then (.run_time_ns / .run_cnt | floor) else 0 end) ns/run"' \
	/tmp/zco-progs.json
