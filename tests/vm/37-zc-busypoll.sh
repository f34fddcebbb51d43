#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Busy polling (VHOST_SET_VRING_BUSYLOOP_TIMEOUT, QEMU's poll-us): a worker
# that ran out of work spins up to the timeout for more before it
# re-enables notifications. The driver sends 2,000 frames paced at 1,000
# per second (a gap of 1 ms): without busy polling the worker sleeps
# between frames and nearly every frame costs a kick; with a 5 ms busy
# loop the worker is still polling when the next frame comes, the guest's
# notifications stay off, and it kicks far less (asserted: at most a
# quarter). Integrity is the same both ways, and RX with busy polling
# delivers every frame. The figures of stock vhost_net are told for
# comparison.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=${ZC_NBUSY:-2000}
RATE=1000
US=5000
TAP=vzb0

zc_load
ok $? "load vhost_zc.ko"
ip tuntap add dev $TAP mode tap && echo 1 >/proc/sys/net/ipv6/conf/$TAP/disable_ipv6
ok $? "persistent tap $TAP without IPv6 (no stray frames)"

for mode in off on; do
	[ $mode = on ] && bl="--busyloop $US" || bl=
	p=b$mode
	zc_snap a
	zc_run $p -i $TAP -s 1500 -n $N -q 128 -r $RATE $bl
	zc_snap b
	assert_eq "$ZC_RC/$(v $p sent)/$(v $p used)/$(v $p rx_ok)" "0/$N/$N/$N" \
		"busy poll $mode: rc/sent/used/received"
	assert_eq "$(v $p rx_bad)/$(v $p rx_lost)/$(v $p rx_out_of_order)/$(v $p double_used)/$(v $p unknown_used)" \
		0/0/0/0/0 "busy poll $mode: bad/lost/out-of-order/double-used/unknown"
	assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b errors)" "$N/$N/0" \
		"busy poll $mode: submitted/completed/errors"
	eval "k_$mode=\$(v $p kicks) bp_$mode=\$(zc_d a b busy_polls) bh_$mode=\$(zc_d a b busy_poll_hits)"
	diag "busy poll $mode: kicks $(v $p kicks) calls $(v $p calls) busy_polls $(zc_d a b busy_polls) busy_poll_hits $(zc_d a b busy_poll_hits) in $(v $p seconds) s"
done
assert_eq "$bp_off/$bh_off" 0/0 "busy poll off: no busy polls"
[ "$bp_on" -gt 0 ] && [ "$bh_on" -gt 0 ]
ok $? "busy poll on: the worker polled ($bp_on) and found work ($bh_on)"
[ $((k_on * 4)) -le "$k_off" ]
ok $? "busy poll on: at most a quarter of the kicks ($k_on against $k_off)"

# RX: the worker polls the tap's queue
zc_snap a
zc_run rx -i $TAP -s 1500 -n 10 --rx $N --busyloop $US
zc_snap b
assert_eq "$ZC_RC/$(v rx rx_ring_ok)/$(v rx rx_ring_bad)/$(v rx rx_ring_nbuf_bad)" "0/$N/0/0" \
	"RX, busy poll: rc/frames intact/bad/num_buffers"
assert_eq "$(zc_d a b rx_packets)/$(zc_d a b rx_dropped)" "$N/0" "RX, busy poll: rx_packets/rx_dropped"
[ "$(zc_d a b busy_polls)" -gt 0 ]
ok $? "RX, busy poll: polls $(zc_d a b busy_polls), found work $(zc_d a b busy_poll_hits)"

if modprobe vhost_net experimental_zcopytx=1 && [ -c /dev/vhost-net ]; then
	for mode in off on; do
		[ $mode = on ] && bl="--busyloop $US" || bl=
		zc_run s$mode -D /dev/vhost-net -i $TAP -s 1500 -n $N -q 128 -r $RATE $bl
		diag "stock vhost_net, busy poll $mode: rc $ZC_RC used $(v s$mode used) received $(v s$mode rx_ok) kicks $(v s$mode kicks) calls $(v s$mode calls)"
	done
	rmmod vhost_net
fi
ip link del $TAP
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
