#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat zc --stock: stock vhost_net (experimental_zcopytx=1) driven by
# vhostdrv, traced through fentry. Every frame sent is one submit (zero-copy
# or copied), every zero-copy send completes and is signalled exactly once
# and timed. With a device map of one, the sends of a second device that
# found it full are counted, and total + map_full == zero-copy sends,
# exactly. vhost-zc-net
# traffic at the same time is not mistaken for vhost_net's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=${ZC_STOCK_N:-2000}

for m in tun tap vhost; do
	[ -d /sys/module/$m ] || modprobe $m
done
[ -d /sys/module/vhost_net ] && rmmod vhost_net
modprobe vhost_net experimental_zcopytx=1
assert_eq "$(cat /sys/module/vhost_net/parameters/experimental_zcopytx)" 1 \
	"vhost_net loaded with experimental_zcopytx=1"
zc_load
ok $? "vhost_zc loaded too (its tun sends must not count)"

# 1. default map; the receiver reads nothing (-N): tun's queue holds the
# frames, they complete when it overflows or the device closes
out=$OUT/qlat-zc-stock.json
if qlat_start "$out" zc --stock --json; then
	zc_run st -D /dev/vhost-net -s 1500 -n $N -q 128 -N
	# vhost-zc-net traffic meanwhile: seen by tun_get_user, not by us
	zc_run zcnoise -s 1500 -n 300 -q 64 -N
	qlat_stop
	ok $? "--stock: qlat exits 0 on SIGINT"
	assert_eq "$ZC_RC/$(v st used)/$(v st outstanding)" "0/$N/0" "vhostdrv: $N frames used, none outstanding"
	zc_doc "$out"
	assert_eq "$attach/$source" fentry/vhost_net "--stock: fentry on vhost_net"
	assert_eq "$e_submit" "$N" "--stock: submits == frames sent (vhost-zc-net's 300 not counted)"
	assert_eq "$((e_submit_zerocopy + e_submit_copied))" "$N" "--stock: zero-copy + copied == sent"
	[ "$e_submit_zerocopy" -gt 0 ]
	ok $? "--stock: zero-copy sends seen ($e_submit_zerocopy)"
	assert_eq "$e_complete/$e_signaled" "$e_submit_zerocopy/$e_submit_zerocopy" \
		"--stock: every zero-copy send completed and signalled once"
	assert_eq "$h_submit_complete_1/$h_submit_signal_1" "$e_submit_zerocopy/$e_submit_zerocopy" \
		"--stock: submit->complete and submit->signal totals == zero-copy sends"
	assert_eq "$h_complete_dequeue_1" "$e_submit_zerocopy" "--stock: complete->dequeue total"
	assert_eq "$e_unmatched/$e_map_full/$e_partial/$e_purged" 0/0/0/0 "--stock: nothing untimed"
	assert_eq "$d_submit/$d_complete/$d_signal/$d_copy/$d_reset" 0/0/0/0/0 "--stock: no BPF run missed"
else
	ok 1 "--stock: qlat attached"
fi

# 2. a device map of one: device A (tap vzs0) is bridged to a dummy whose
# plug qdisc holds its frames, so that stock vhost_net keeps up to its
# limit of zero-copy sends (64 with a 256-entry ring) in flight and A
# keeps the one element until it is released; meanwhile device B (tap
# vzs1) sends 200 frames, whose zero-copy sends find the map full. The
# plug is released before A's close() (which waits for them).
zc_bridge vzs0 zsbr0 && zc_plug zsd0 zsbr0
ok $? "tap vzs0 bridged to a plugged dummy"
out=$OUT/qlat-zc-stock-tiny.json
if qlat_start "$out" zc --stock --json --max-devices 1; then
	rm -f "$OUT/zs-ready"
	"$DRV" -D /dev/vhost-net -i vzs0 -s 1000 -n 200 -q 256 -R 256 --no-verify \
		-H 1000 --detach -Y "$OUT/zs-ready" >"$OUT/zc-tiny.out" 2>&1 &
	pid=$!
	i=0
	while [ ! -e "$OUT/zs-ready" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	zc_run tb -D /dev/vhost-net -i vzs1 -s 1500 -n 200 -q 128 -N
	assert_eq "$ZC_RC/$(v tb used)" 0/200 "map of one: device B sent 200 frames while A held the element"
	sleep 1
	tc qdisc change dev zsd0 root plug release_indefinite
	wait $pid
	ok $? "map of one: device A sent 200 frames into the plug and closed"
	qlat_stop
	zc_doc "$out"
	diag "map of one: zero-copy $e_submit_zerocopy copied $e_submit_copied map_full $e_map_full" \
		"partial $e_partial signaled $e_signaled unmatched $e_unmatched purged $e_purged"
	[ "$e_map_full" -gt 0 ]
	ok $? "map of one: device B's zero-copy sends are counted as map_full ($e_map_full of $e_submit_zerocopy)"
	assert_eq "$((h_submit_complete_1 + e_map_full))" "$e_submit_zerocopy" \
		"map of one: submit->complete total + map_full == zero-copy sends"
	assert_eq "$e_complete" "$e_submit_zerocopy" "map of one: every zero-copy send completed"
	# signaled is the batch histogram's sum (the signal program counts
	# only unmatched entries): held against what the submit and release
	# programs counted
	assert_eq "$e_unmatched" "$e_map_full" \
		"map of one: unmatched (signalled, never timed) == device B's map_full sends"
	assert_eq "$((e_signaled + e_purged))" "$e_submit_zerocopy" \
		"map of one: signalled + purged == zero-copy sends"
	assert_eq "$((h_submit_signal_1 + e_unmatched))" "$e_signaled" \
		"map of one: submit->signal total + unmatched == signalled entries"
	assert_eq "$((h_submit_signal_1 + e_purged))" "$h_submit_complete_1" \
		"map of one: every timed send signalled, or purged at release"
else
	ok 1 "map of one: qlat attached"
fi
ip link del zsbr0
ip link del zsd0
ip link del vzs0
ip link del vzs1 2>/dev/null
"$QLAT" zc --stock --max-devices 1 -d 1 >"$OUT/qlat-zc-stock-tty.out" 2>&1
grep -q '^copy fallback: ' "$OUT/qlat-zc-stock-tty.out"
ok $? "--stock terminal output has the copy-fallback line"

# 3. vhost_net absent: a clear error, exit 1
rmmod vhost_net
"$QLAT" zc --stock -d 1 >/dev/null 2>"$OUT/qlat-zc-stock.err"
st=$?
assert_eq "$st/$(grep -c 'vhost_net.ko is not loaded' "$OUT/qlat-zc-stock.err")" 1/1 \
	"--stock without vhost_net: exit 1, says so"
unload_mod vhost_zc
ok $? "vhost_zc unloads"
tap_done
