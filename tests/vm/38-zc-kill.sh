#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A killed owner never hangs on zero-copy sends the network holds (issue
# 16): the tap is bridged to a dummy whose plug qdisc holds every frame, the
# driver has 128 zero-copy sends in flight and blocks in close(), in
# VHOST_NET_SET_BACKEND -1 (QEMU's device stop) or in VHOST_RESET_OWNER.
# SIGKILL must end it at once (the wait is killable). A released device
# whose sends are still held stays (devices 1, in_flight 128, its debugfs
# dir) until the plug opens; then its last completion frees it: every
# record released, nothing in flight, the module unloads, the kernel log is
# clean. A plain close() still blocks until the release (31-zc-inflight).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=128	# the in-flight bound: min(max_inflight 128, ring 512 / 4)
TAP=vzk0

zc_load
ok $? "load vhost_zc.ko"
read -r v6 </proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
zc_bridge $TAP zckbr0 && zc_plug zckd0 zckbr0
ok $? "tap $TAP bridged on zckbr0 with a plugged dummy zckd0"

# gone PID SECONDS: the process has ended within SECONDS
gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

for what in close detach reset; do
	case $what in
	close) extra= ;;
	detach) extra=--detach ;;
	reset) extra=--reset ;;
	esac
	echo 0 >"$ZS"
	zc_held_start k$what -i $TAP -s 1000 -n $N -q 256 -R 512 --no-verify -H 300 $extra
	zc_snap h
	kill -0 $ZC_PID 2>/dev/null
	ok $? "$what: blocks while $N zero-copy sends are held"
	assert_eq "$(v h in_flight)/$(v h devices)" "$N/1" "$what: in flight/devices while held"
	kill -9 $ZC_PID
	gone $ZC_PID 3
	r=$?
	ok $r "$what: SIGKILL ends it within 3 s"
	zc_snap k
	assert_eq "$(v k in_flight)/$(v k devices)/$(v k released)" "$N/1/0" \
		"$what: killed: the device stays with its sends held (in flight/devices/released)"
	tc qdisc change dev zckd0 root plug release_indefinite
	# before the fix the driver only ends now
	gone $ZC_PID 10
	wait $ZC_PID 2>/dev/null
	_i=0
	while zc_snap e && [ "$(v e devices)" != 0 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	assert_eq "$(v e devices)/$(v e in_flight)/$(v e released)/$(v e completed)" "0/0/$N/0" \
		"$what: plug opened: device freed (devices/in flight/released/completed)"
	nd=0
	for d in "$DEBUGFS"/vhost_zc/*/; do
		[ -d "$d" ] && nd=$((nd + 1))
	done
	assert_eq "$nd" 0 "$what: no device debugfs dir left"
	tc qdisc change dev zckd0 root plug block
done
ip link del zckd0
ip link del zckbr0
ip link del $TAP
echo "$v6" >/proc/sys/net/ipv6/conf/default/disable_ipv6
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
