#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net backend swap under load: the driver detaches the TX backend
# (VHOST_NET_SET_BACKEND fd -1) and attaches it again every 250 frames
# while zero-copy sends are in flight. A swap waits for the old backend's
# sends and returns their heads to the guest, so no buffer is lost: every
# frame arrives, every head is used exactly once, no record is released
# unpublished. Then the same between two different taps: every 250 frames
# the TX backend goes straight from one tap to the other (one
# VHOST_NET_SET_BACKEND); a receiver on each tap verifies its frames (in
# order, gaps being the other tap's), every frame arrives on exactly one
# tap, and each tap's rx_packets equals what its receiver got. Then RX
# with frames queued across a detach of the RX backend (see below).
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

for t in vzs0 vzs1; do
	ip tuntap add dev $t mode tap && echo 1 >/proc/sys/net/ipv6/conf/$t/disable_ipv6 || break
done
ok $? "persistent taps vzs0, vzs1 without IPv6"
rxp() { read -r _v </sys/class/net/$1/statistics/rx_packets; echo $_v; }
for size in 1500 65000; do
	n=$N
	[ $size -gt 9000 ] && n=$((N / 10))
	p=t$size
	a0=$(rxp vzs0) a1=$(rxp vzs1)
	zc_snap a
	zc_run $p -i vzs0 --swap-tap vzs1 -s $size -n $n -q 128 --swap 250
	zc_snap b
	d0=$(($(rxp vzs0) - a0)) d1=$(($(rxp vzs1) - a1))
	assert_eq "$ZC_RC/$(v $p swaps)" "0/$((n / 250))" "$size B, two taps: rc/backend swaps under load"
	assert_eq "$(v $p sent)/$(v $p used)/$(v $p rx_ok)" "$n/$n/$n" \
		"$size B, two taps: sent/used/received intact"
	assert_eq "$(v $p double_used)/$(v $p unknown_used)/$(v $p rx_lost)/$(v $p rx_dup)/$(v $p rx_out_of_order)" \
		0/0/0/0/0 "$size B, two taps: double-used/unknown/lost/duplicate/out-of-order"
	t0=$(v $p rx_tap0_ok) t1=$(v $p rx_tap1_ok)
	assert_eq "$((t0 + t1))/$t0/$t1" "$n/$d0/$d1" \
		"$size B, two taps: frames per tap add up and equal each tap's rx_packets"
	[ "$t0" -gt 0 ] && [ "$t1" -gt 0 ]
	ok $? "$size B, two taps: both carried frames ($t0 + $t1)"
	assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b released)/$(zc_d a b tx_errors)" \
		"$n/$n/0/0" "$size B, two taps: submitted/completed/released/tx_errors counters"
	assert_eq "$(v b in_flight)" 0 "$size B, two taps: nothing in flight"
done

# RX: frames that reached the tap while the guest had no RX buffers
# posted are taken from the tap's ring in a batch (as vhost-net's
# vhost_net_buf); detaching the RX backend gives them back to the ring, so
# the re-attached backend delivers every one, in order. The same on stock
# vhost_net.
modprobe vhost_net
for dev in zc stock; do
	d=/dev/vhost-zc-net
	[ $dev = stock ] && d=/dev/vhost-net
	zc_snap a
	zc_run rd$dev -D $d -i vzs0 -s 1500 -n 0 --rx 500 --rx-detach
	zc_snap b
	assert_eq "$ZC_RC/$(v rd$dev rx_ring_ok)/$(v rd$dev rx_ring_bad)/$(v rd$dev rx_ring_nbuf_bad)" "0/500/0/0" \
		"RX on $dev: 32 frames queued before any RX buffer, backend detached and re-attached: received/bad/bad num_buffers"
	want=500
	[ $dev = stock ] && want=0
	assert_eq "$(zc_d a b rx_packets)" $want "RX on $dev: vhost-zc-net's rx_packets"
done
unload_mod vhost_net
ok $? "rmmod vhost_net"
ip link del vzs0
ip link del vzs1
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
