#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net in flight and teardown. The tap is bridged to a dummy device
# whose plug qdisc holds every frame (the receiver is paused): the zero-copy
# sends stay in flight, their guest buffers pinned. close() (and
# RESET_OWNER) must then block until the skbs release them, whether the
# plug is opened or the device torn down, and free every record: the
# counters return to zero, the module unloads (release warns, a splat, if a
# record did not come back to the device's pool) and the kernel log stays
# clean. Deleting the tap itself
# releases nothing (the bridge's port holds the buffers): close() goes on
# blocking until the plug opens. Dirty logging started while the sends are
# held (VHOST_SET_LOG_BASE, SET_FEATURES with VHOST_F_LOG_ALL, vring
# addresses with VHOST_VRING_F_LOG, as QEMU does at migration start) logs
# the used-ring writes of the buffers that complete after it: exactly the
# TX used-ring page.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=128		# the in-flight bound: min(max_inflight 128, ring 512 / 4)
HOLD=1500	# ms the driver waits before close(); close must outlast it
TAP=vzt1

zc_load
ok $? "load vhost_zc.ko"
# no IPv6 on the new devices: no stray frames reach the tap's RX queue
read -r v6 </proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
zc_bridge $TAP zcbr0
ok $? "tap $TAP bridged on zcbr0"

plug_dev() { zc_plug "$1" zcbr0; }

# run_held WHAT RELEASE-CMD [driver args]: send N frames into the plug,
# check they are all in flight and that close()/reset blocks, then RELEASE
run_held() {
	what=$1 rel=$2
	shift 2
	echo 0 >"$ZS"		# zero the counters, max_in_flight = in_flight
	zc_held_start held -i $TAP -s 1000 -n $N -q 256 -R 512 --no-verify -H $HOLD "$@"
	zc_snap h
	kill -0 $ZC_PID 2>/dev/null
	ok $? "$what: close blocks while $N sends are held"
	assert_eq "$(v h in_flight)" $N "$what: zero-copy sends in flight"
	[ "$(v h max_in_flight)" -ge 128 ]
	ok $? "$what: max_in_flight $(v h max_in_flight) >= 128"
	assert_eq "$(v h submitted)/$(v h zerocopy)/$(v h completed)" "$N/$N/0" \
		"$what: submitted/zerocopy/completed while held"
	assert_eq "$(v h devices)" 1 "$what: device still open"
	nd=0
	for f in "$DEBUGFS"/vhost_zc/*/stats; do
		[ -e "$f" ] || continue
		nd=$((nd + 1))
		zc_snap pd "$f"
	done
	assert_eq "$nd/$(v pd in_flight)/$(v pd submitted)" "1/$N/$N" \
		"$what: per-device stats: one device, in_flight/submitted"
	# zeroing one stats file leaves the other as it was (the module's
	# counters are the devices' summed when read)
	case ${ZERO:-} in
	dev)
		echo 0 >"$f"
		zc_snap pz "$f"
		zc_snap gz
		assert_eq "$(v pz submitted)/$(v pz in_flight)/$(v pz max_in_flight)/$(v gz submitted)/$(v gz in_flight)" \
			"0/$N/$N/$N/$N" \
			"$what: the device's stats zeroed: its submitted/in_flight/max_in_flight, the module's submitted/in_flight"
		;;
	mod)
		echo 0 >"$ZS"
		zc_snap pz "$f"
		zc_snap gz
		assert_eq "$(v gz submitted)/$(v gz in_flight)/$(v pz submitted)/$(v pz zerocopy)" \
			"0/$N/$N/$N" \
			"$what: the module's stats zeroed: its submitted/in_flight, the device's submitted/zerocopy"
		;;
	esac
	eval "$rel"
	zc_held_wait held
	assert_eq "$ZC_RC" 0 "$what: driver exits 0"
	assert_eq "$(v held held_used)" 0 "$what: no TX head used while held"
	t=$(v held close_ms)
	r=$(v held reset_ms)
	[ "$r" != missing ] && t=$r
	[ "$t" -ge 900 ]
	ok $? "$what: teardown blocked ${t} ms until the release"
	zc_snap e
	assert_eq "$(v e in_flight)/$(v e devices)" 0/0 "$what: in_flight/devices back to 0"
	assert_eq "$(v e released)/$(v e completed)" "$N/0" \
		"$what: every record freed at teardown, none published after it"
	assert_eq "$(v e zc_late_copy)/$(v e tx_errors)" 0/0 "$what: no copy, no error"
}

plug_dev zcd0
ok $? "dummy zcd0 with a plug qdisc on the bridge"
ZERO=dev
run_held "plug released" "tc qdisc change dev zcd0 root plug release_indefinite"
tc qdisc change dev zcd0 root plug block
ZERO=mod
run_held "device deleted" "ip link del zcd0"
ZERO=
plug_dev zcd1
run_held "RESET_OWNER, plug released" \
	"tc qdisc change dev zcd1 root plug release_indefinite" --reset
ip link del zcd1

# The tap is deleted while the sends are held: nothing is released.
tap_gone() {
	ip link del $TAP
	sleep 1
	zc_snap tg
	kill -0 $ZC_PID 2>/dev/null
	ok $? "tap deleted: close still blocks"
	assert_eq "$(v tg in_flight)/$(v tg completed)/$(v tg devices)" "$N/0/1" \
		"tap deleted: in_flight/completed/devices"
	tc qdisc change dev zcd2 root plug release_indefinite
}
plug_dev zcd2
run_held "tap deleted, then plug released" tap_gone
ip tuntap add dev $TAP mode tap && ip link set $TAP master zcbr0 && ip link set $TAP up
ok $? "tap $TAP back on the bridge"

# Dirty logging started while NL zero-copy sends are held, on a 256-entry
# ring (its used ring is one page: the check below wants every page of it)
NL=64	# the in-flight bound of a 256-entry ring

log_late() { # WHAT [driver args]
	what=$1
	shift
	tc qdisc change dev zcd2 root plug block
	echo 0 >"$ZS"
	zc_held_start late -i $TAP -s 1000 -n $NL -q 256 -R 256 --no-verify -H 500 \
		--log-late "$@"
	zc_snap lh
	kill -0 $ZC_PID 2>/dev/null
	ok $? "$what: driver waits for the held sends, logging on"
	tc qdisc change dev zcd2 root plug release_indefinite
	zc_held_wait late
	assert_eq "$ZC_RC/$(v late late_used)" "0/$NL" "$what: rc/every head used after the release"
	diag "$what: $(v late held_used) heads used before logging started, release took $(v late late_wait_ms) ms"
	assert_eq "$(v late log_missing)/$(v late log_extra)/$(v late log_bits)" 0/0/1 \
		"$what: dirty bits missing/extra/set (the TX used-ring page)"
}
log_late "log started in flight"
assert_eq "$(v lh in_flight)/$(v late held_used)" "$NL/0" \
	"log started in flight: all $NL zero-copy sends held when logging started"
assert_eq "$(v lh submitted)/$(v lh completed)" "$NL/0" "log started in flight: submitted/completed while held"
zc_snap le
assert_eq "$(v le completed)/$(v le released)/$(v le zc_late_copy)/$(v le in_flight)" "$NL/0/0/0" \
	"log started in flight: completed/released/zc_late_copy/in_flight after the release"
# (No stock comparison here: vhost_net's VHOST_SET_LOG_BASE waits for all
# of its zero-copy sends in flight, so it cannot start logging while the
# plug holds them.)
ip link del zcd2

ip link del zcbr0
ip link del $TAP
echo "$v6" >/proc/sys/net/ipv6/conf/default/disable_ipv6
assert_eq "$(cat /sys/module/vhost_zc/refcnt)" 0 "module refcount back to 0"
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
