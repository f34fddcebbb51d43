#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net backend swap under load: the driver detaches the TX backend
# (VHOST_NET_SET_BACKEND fd -1) and attaches it again every 250 frames
# while zero-copy sends are in flight. A swap waits for the old backend's
# sends and returns their heads to the guest, so no buffer is lost: every
# frame arrives, every head is used exactly once, no record is released
# unpublished.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=${ZC_NSWAP:-20000}
zc_load
ok $? "load vhost_zc.ko"
for size in 1500 65000; do
	n=$N
	[ $size -gt 9000 ] && n=$((N / 10))
	zc_snap a
	zc_run w$size -s $size -n $n -q 128 --swap 250
	zc_snap b
	p=w$size
	assert_eq "$ZC_RC" 0 "$size B: vhostdrv exits 0"
	assert_eq "$(v $p swaps)" $((n / 250)) "$size B: backend swaps under load"
	assert_eq "$(v $p sent)/$(v $p used)/$(v $p rx_ok)" "$n/$n/$n" \
		"$size B: sent/used/received intact"
	assert_eq "$(v $p double_used)/$(v $p unknown_used)/$(v $p rx_lost)" 0/0/0 \
		"$size B: double-used/unknown/lost"
	assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b released)" "$n/$n/0" \
		"$size B: submitted/completed/released counters"
	assert_eq "$(v b in_flight)" 0 "$size B: nothing in flight"
done
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
