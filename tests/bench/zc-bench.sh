#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): the same userspace virtio-net driver (vhostdrv)
# against /dev/vhost-zc-net and the stock /dev/vhost-net with zero-copy on
# (experimental_zcopytx=1) and off, at 64 B, 1500 B and 64 KB frames, in
# one VM run. Configurations alternate within each round and the median of
# the rounds is reported, with the pps ratios vhost-zc-net / stock.
#
#   tests/bench/zc-bench.sh [-t SECONDS] [-r ROUNDS] [-q DEPTH]
#
# On the host it boots a VM with vmtest.sh and runs itself inside; frames
# are not read back (--no-verify), so zero-copy sends complete when the
# stack drops them, without a copy.
D=3 R=3 Q=128
while getopts t:r:q: c; do
	case $c in
	t) D=$OPTARG ;; r) R=$OPTARG ;; q) Q=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-r ROUNDS] [-q DEPTH]" >&2; exit 2 ;;
	esac
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "$QLAT_VM" ]; then
	exec "$REPO/vmtest.sh" -t 1800 -- "$REPO/tests/bench/zc-bench.sh" -t "$D" -r "$R" -q "$Q"
fi
DRV=$REPO/build/vhostdrv
for m in tun tap vhost; do modprobe $m; done
insmod "$REPO/build/kmod/vhost_zc/vhost_zc.ko" || exit 1

# pps of one run: cfg size
run() {
	case $1 in
	zc) dev=/dev/vhost-zc-net ;;
	stock-zc) rmmod vhost_net 2>/dev/null; modprobe vhost_net experimental_zcopytx=1; dev=/dev/vhost-net ;;
	stock-copy) rmmod vhost_net 2>/dev/null; modprobe vhost_net experimental_zcopytx=0; dev=/dev/vhost-net ;;
	esac
	"$DRV" -D $dev -s "$2" -t "$D" -q "$Q" --no-verify | while read -r k v; do
		[ "$k" = pps ] && echo "$v"
	done
}

median() { # values...
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

CFGS="zc stock-zc stock-copy"
printf '# %s s per run, %s rounds, depth %s; median pps\n' "$D" "$R" "$Q"
printf '%-8s %12s %12s %12s %10s %10s\n' size zc stock-zc stock-copy zc/s-zc zc/s-copy
for size in 64 1500 65000; do
	for c in $CFGS; do eval "l_$(echo $c | tr - _)="; done
	i=0
	while [ $i -lt "$R" ]; do
		for c in $CFGS; do
			v=$(run $c $size)
			eval "l_$(echo $c | tr - _)=\"\$l_$(echo $c | tr - _) $v\""
		done
		i=$((i + 1))
	done
	zc=$(median $l_zc) sz=$(median $l_stock_zc) sc=$(median $l_stock_copy)
	printf '%-8s %12s %12s %12s %10s %10s\n' $size "$zc" "$sz" "$sc" \
		"$(awk -v a="$zc" -v b="$sz" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="$zc" -v b="$sc" 'BEGIN { printf "%.2f", a / b }')"
done
rmmod vhost_net 2>/dev/null
rmmod vhost_zc
