#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net behaves as vhost-net where QEMU would notice (issue 16):
# 1. a VHOST_NET_SET_BACKEND that fails (here: a tun fd with no device,
#    whose poll says EPOLLERR) keeps the old backend: TX and RX go on;
# 2. RX with VIRTIO_F_VERSION_1 but without MRG_RXBUF writes num_buffers 1
#    in every header (the driver poisons the field before posting);
# 3. zero-copy sends that fail (a vnet header tun rejects with -EINVAL)
#    are errors: not counted or traced as copies, and no copy backoff;
# 4. IOTLB misses of the descriptor fetch (VIRTIO_F_ACCESS_PLATFORM) are
#    not bad guest input: errors 0, iotlb_misses = the driver's misses;
# 5. a backend swap starts a new zero-copy backoff window: 600 frames read
#    back by a local AF_PACKET receiver (every zero-copy send copied late,
#    so the device backs off), then a switch to a tap nobody reads: all 64
#    frames there go zero-copy;
# 6. at the in-flight bound a chain is copied, as vhost-net does past its
#    limit, instead of TX stopping until a zero-copy send completes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

zc_load
ok $? "load vhost_zc.ko"
for t in vzp0 vzp1; do
	ip tuntap add dev $t mode tap && echo 1 >/proc/sys/net/ipv6/conf/$t/disable_ipv6 || break
done
ok $? "persistent taps vzp0, vzp1 without IPv6 (no stray frames)"

# 1. failed SET_BACKEND: 2000 frames, a refused swap every 250, and one
# refused RX swap before 200 RX frames
n=2000
zc_snap a
zc_run bb -i vzp1 -s 1500 -n $n -q 128 --swap 250 --bad-backend --rx 200 -T 5
zc_snap b
assert_eq "$ZC_RC" 0 "failed SET_BACKEND: vhostdrv exits 0"
assert_eq "$(v bb bad_backend_fails)/$(v bb bad_backend_errno)/$(v bb bad_backend_accepted)" \
	"$((n / 250 + 1))/22/0" "failed SET_BACKEND: refused (TX $((n / 250)), RX 1)/EINVAL/accepted"
assert_eq "$(v bb sent)/$(v bb used)/$(v bb rx_ok)/$(v bb rx_lost)" "$n/$n/$n/0" \
	"failed SET_BACKEND: TX sent/used/received/lost (old backend kept)"
assert_eq "$(v bb rx_ring_ok)/$(v bb rx_ring_bad)" 200/0 \
	"failed SET_BACKEND: RX frames intact/bad (old RX backend kept)"
assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b rx_packets)/$(zc_d a b errors)" \
	"$n/$n/200/0" "failed SET_BACKEND: submitted/completed/rx_packets/errors counters"

# 2. num_buffers without MRG_RXBUF, the tap's header and the device's
for m in tap vhost; do
	[ $m = vhost ] && hdr=--vhost-hdr || hdr=
	zc_snap a
	zc_run nm$m -i vzp0 -s 1500 -n 10 --rx 500 --no-mrg $hdr
	zc_snap b
	assert_eq "$ZC_RC/$(v nm$m rx_ring_ok)/$(v nm$m rx_ring_bad)" 0/500/0 \
		"no MRG_RXBUF, $m header: rc/RX frames intact/bad"
	assert_eq "$(v nm$m rx_ring_nbuf_bad)/$(v nm$m rx_ring_bufs)" 0/500 \
		"no MRG_RXBUF, $m header: headers without num_buffers 1/buffers"
	assert_eq "$(zc_d a b rx_packets)" 500 "no MRG_RXBUF, $m header: rx_packets"
done
if modprobe vhost_net && [ -c /dev/vhost-net ]; then
	zc_run nms -D /dev/vhost-net -i vzp0 -s 1500 -n 10 --rx 500 --no-mrg
	diag "stock vhost_net, no MRG_RXBUF: rc $ZC_RC, RX frames $(v nms rx_ring_ok), num_buffers != 1 in $(v nms rx_ring_nbuf_bad)"
	rmmod vhost_net
fi

# 3. failed zero-copy sends: every 16th of 4096 frames is refused by tun
n=4096
nbad=$((n / 16))
PERF=$(command -v perf)
fmt=$TRACEFS/events/vhost_zc/vhost_zc_complete/format
zc_snap a
if [ -n "$PERF" ] && grep -q 'field:u32 failed' "$fmt"; then
	"$PERF" stat -x, -o "$OUT/zc-perf-bh.csv" \
		-e vhost_zc:vhost_zc_complete --filter 'copied == 1' \
		-e vhost_zc:vhost_zc_complete --filter 'failed == 1' \
		-e vhost_zc:vhost_zc_kiocb_dequeue --filter 'failed == 1' \
		-e vhost_zc:vhost_zc_kiocb_dequeue --filter 'success == 0 && failed == 0' -a -- \
		"$DRV" -i vzp0 -N -s 1500 -n $n --bad-hdr 16 >"$OUT/zc-bh.out" 2>"$OUT/zc-bh.err"
	ZC_RC=$?
	zc_out bh
	i=0
	while IFS=, read -r cnt _u ev _r; do
		case "$ev" in vhost_zc:*) ;; *) continue ;; esac
		i=$((i + 1))
		eval "tp$i=\$cnt"
	done <"$OUT/zc-perf-bh.csv"
	tp="${tp1:-x}/${tp2:-x}/${tp3:-x}/${tp4:-x}"
else
	zc_run bh -i vzp0 -N -s 1500 -n $n --bad-hdr 16
	tp="no 'failed' field in $fmt (or no perf)"
fi
zc_snap b
assert_eq "$ZC_RC/$(v bh sent)/$(v bh used)/$(v bh bad_hdr_sent)" "0/$n/$n/$nbad" \
	"failed sends: rc/sent/used/refused by tun"
assert_eq "$(zc_d a b submitted)/$(zc_d a b zerocopy)/$(zc_d a b copied)/$(zc_d a b completed)" \
	"$n/$n/0/$n" "failed sends: submitted/zerocopy/copied/completed"
assert_eq "$(zc_d a b tx_errors)/$(zc_d a b zc_late_copy)/$(zc_d a b zc_fallback)/$(zc_d a b zc_backoff)" \
	"$nbad/0/0/0" "failed sends: tx_errors/zc_late_copy/zc_fallback/zc_backoff"
assert_eq "$tp" "0/$nbad/$nbad/0" \
	"failed sends: events complete copied=1/complete failed=1/dequeue failed=1/dequeue success=0 not failed"
assert_eq "$(zc_d a b errors)/$(v b in_flight)" 0/0 "failed sends: vq errors/in flight"

# 4. IOTLB: buffers mapped on their first miss, page by page
n=2000
zc_snap a
zc_run io -i vzp1 -s 1500 -n $n -q 128 --iotlb --rx 200
zc_snap b
assert_eq "$ZC_RC/$(v io sent)/$(v io used)/$(v io rx_ok)/$(v io rx_ring_ok)" "0/$n/$n/$n/200" \
	"IOTLB: rc/sent/used/received/RX frames"
[ "$(v io iotlb_misses)" -gt 0 ] && [ "$(v io iotlb_unmapped)" = 0 ]
ok $? "IOTLB: the device missed ($(v io iotlb_misses) misses served, $(v io iotlb_unmapped) outside memory)"
assert_eq "$(zc_d a b errors)" 0 "IOTLB: misses are not bad guest input (errors)"
assert_eq "$(zc_d a b iotlb_misses)" "$(v io iotlb_misses)" \
	"IOTLB: counter iotlb_misses = misses the driver served"
assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b rx_packets)" "$n/$n/200" \
	"IOTLB: submitted/completed/rx_packets"

# 5. the zero-copy backoff window starts anew on a backend swap
rm -f "$OUT/zc-go"
zc_snap a
zc_held_start bo -i vzp1 -s 1500 -n 600 -q 128 --then-tap vzp0 --then-n 64 --go "$OUT/zc-go"
zc_snap m
touch "$OUT/zc-go"
zc_held_wait bo
zc_snap b
assert_eq "$ZC_RC/$(v bo sent)/$(v bo used)/$(v bo rx_ok)/$(v bo then_sent)" "0/664/664/600/64" \
	"backoff: rc/sent/used/received on the first tap/sent on the second"
diag "backoff, 600 frames read back: zerocopy $(zc_d a m zerocopy) zc_late_copy $(zc_d a m zc_late_copy) zc_backoff $(zc_d a m zc_backoff)"
[ "$(zc_d a m zc_backoff)" -gt 0 ]
ok $? "backoff: the local receiver made the device back off ($(zc_d a m zc_backoff) copies)"
assert_eq "$(zc_d m b submitted)/$(zc_d m b zerocopy)/$(zc_d m b zc_backoff)/$(zc_d m b zc_late_copy)" \
	64/64/0/0 "backoff: after the swap submitted/zerocopy/zc_backoff/zc_late_copy"

# 6. at the in-flight bound, copy (as vhost-net past its limit): a plug
# qdisc behind a bridge holds every frame; with max_inflight 32, 32 of 200
# sends stay in flight zero-copy and the other 168 are copied and used at
# once, instead of waiting for the plug to open
MP=/sys/module/vhost_zc/parameters/max_inflight
read -r v6 </proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
zc_bridge vzp2 zcbp0 && zc_plug zcpd0 zcbp0
ok $? "tap vzp2 bridged on zcbp0 with a plugged dummy zcpd0"
echo 32 >$MP
zc_snap a
zc_held_start bd -i vzp2 -s 1000 -n 200 -q 256 -R 256 --no-verify -H 1500
zc_snap h
tc qdisc change dev zcpd0 root plug release_indefinite
zc_held_wait bd
zc_snap b
echo 256 >$MP
assert_eq "$(v h in_flight)/$(zc_d a h submitted)/$(zc_d a h zerocopy)/$(zc_d a h copied)/$(zc_d a h zc_bound)" \
	"32/200/32/168/168" "bound 32: in flight/submitted/zerocopy/copied/zc_bound while held"
assert_eq "$ZC_RC/$(v bd held_used)/$(v bd held_outstanding)" 0/168/32 \
	"bound 32: rc/used while held (the copies)/still held"
assert_eq "$(zc_d a b completed)/$(zc_d a b released)/$(v b in_flight)" 168/32/0 \
	"bound 32: completed/released at close/in flight after"
ip link del zcpd0
ip link del zcbp0
ip link del vzp2
echo "$v6" >/proc/sys/net/ipv6/conf/default/disable_ipv6

ip link del vzp0
ip link del vzp1
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
