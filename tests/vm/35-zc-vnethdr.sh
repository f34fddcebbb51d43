#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# VHOST_NET_F_VIRTIO_NET_HDR: the device, not the tap, handles the vnet
# header. The driver acks the feature and opens its tap without
# IFF_VNET_HDR; the device strips the 12-byte header of every TX chain and
# writes one (num_buffers patched) in front of every RX packet. Every frame
# must still arrive intact and in order, every head come back used once,
# and the counters add up exactly: tx_bytes counts the frame bytes only
# (with the tap handling the header it counts frame + 12). The stock
# vhost_net passes the same run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=${ZC_NHDR:-20000}
NRX=${ZC_NRX:-2000}
HDR=12		# struct virtio_net_hdr_mrg_rxbuf
TAP=vzt3

zc_load
ok $? "load vhost_zc.ko"
ip tuntap add dev $TAP mode tap && echo 1 >/proc/sys/net/ipv6/conf/$TAP/disable_ipv6
ok $? "persistent tap $TAP without IPv6 (no stray frames)"

for size in 64 1500 65000; do
	n=$N
	[ $size -gt 9000 ] && n=$((N / 10))
	p=h$size
	zc_snap a
	zc_run $p -i $TAP -s $size -n $n -q 128 --vhost-hdr
	zc_snap b
	assert_eq "$ZC_RC" 0 "$size B, vhost header: vhostdrv exits 0"
	assert_eq "$(v $p sent)/$(v $p used)/$(v $p rx_ok)" "$n/$n/$n" \
		"$size B, vhost header: sent/used/received intact"
	assert_eq "$(v $p rx_bad)/$(v $p rx_lost)/$(v $p rx_out_of_order)/$(v $p double_used)/$(v $p unknown_used)" \
		0/0/0/0/0 "$size B, vhost header: bad/lost/out-of-order/double-used/unknown"
	assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(($(zc_d a b zerocopy) + $(zc_d a b copied)))" \
		"$n/$n/$n" "$size B, vhost header: submitted/completed/zerocopy+copied"
	assert_eq "$(zc_d a b tx_bytes)" $((n * size)) \
		"$size B, vhost header: tx_bytes = frames x $size (header stripped)"
	assert_eq "$(zc_d a b released)/$(zc_d a b tx_errors)/$(zc_d a b errors)/$(v b in_flight)" 0/0/0/0 \
		"$size B, vhost header: released/tx_errors/vq errors/in flight"
	diag "$size B: zerocopy $(zc_d a b zerocopy) copied $(zc_d a b copied) signals $(zc_d a b signals)"
done

# the contrast: the tap handles the header, tx_bytes includes it
zc_snap a
zc_run th -i vzt0 -s 1500 -n 1000
zc_snap b
assert_eq "$ZC_RC/$(v th rx_ok)/$(zc_d a b tx_bytes)" "0/1000/$((1000 * (1500 + HDR)))" \
	"tap header: rc/received/tx_bytes = frames x (1500 + $HDR)"

# RX: the device writes the header itself
zc_snap a
zc_run hx -i $TAP -s 1500 -n 10 --rx $NRX --vhost-hdr
zc_snap b
assert_eq "$ZC_RC/$(v hx rx_ring_ok)/$(v hx rx_ring_bad)/$(v hx rx_ring_other)" "0/$NRX/0/0" \
	"RX, vhost header: rc/frames intact in the RX ring/bad/other"
assert_eq "$(zc_d a b rx_packets)/$(zc_d a b rx_bytes)/$(zc_d a b rx_dropped)" \
	"$NRX/$((NRX * 1500))/0" "RX, vhost header: rx_packets/rx_bytes (no header)/rx_dropped"

if modprobe vhost_net experimental_zcopytx=1 && [ -c /dev/vhost-net ]; then
	zc_run s -D /dev/vhost-net -i $TAP -s 1500 -n 2000 --rx 500 --vhost-hdr
	assert_eq "$ZC_RC/$(v s used)/$(v s rx_ok)/$(v s rx_ring_ok)" "0/2000/2000/500" \
		"stock vhost_net, vhost header: rc/used/received/RX ring frames"
	rmmod vhost_net
else
	skip "stock vhost_net, vhost header" "no vhost_net"
fi
ip link del $TAP
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
