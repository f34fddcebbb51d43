#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net TX integrity: at 64 B, 1500 B and 64 KB frames every frame
# sent through the device arrives on the tap intact and in order (the
# receiver checks sequence number and checksum of each), every TX head
# comes back used exactly once, and the device's counters add up exactly:
# submitted = zerocopy + copied = completed = frames sent, nothing in
# flight afterwards. The tracepoint counts (perf stat) equal the counters.
# The same driver also passes against the stock vhost_net.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

# Frames per size: ZC_N (default 100000 for 64 B and 1500 B) and ZC_N64K
# (default 100000 too, as issue 5 asks; 64 KB frames take ~1.4 ms each
# under TCG, so this size costs ~2.5 min of make check).
N=${ZC_N:-100000}
N64K=${ZC_N64K:-100000}

zc_load
ok $? "load tun, tap, vhost and vhost_zc.ko"
test -c /dev/vhost-zc-net
ok $? "/dev/vhost-zc-net exists"
test -e /sys/kernel/btf/vhost_zc
ok $? "module BTF: /sys/kernel/btf/vhost_zc"
for e in vhost_zc_submit vhost_zc_complete vhost_zc_kiocb_dequeue vhost_zc_signal; do
	test -d $TRACEFS/events/vhost_zc/$e
	ok $? "tracefs has vhost_zc:$e"
done

PERF=$(command -v perf)
for size in 64 1500 65000; do
	n=$N
	[ $size -gt 9000 ] && n=$N64K
	zc_snap a
	if [ -n "$PERF" ]; then
		"$PERF" stat -x, -o "$OUT/zc-perf-$size.csv" \
			-e vhost_zc:vhost_zc_submit -e vhost_zc:vhost_zc_complete \
			-e vhost_zc:vhost_zc_kiocb_dequeue -e vhost_zc:vhost_zc_signal -a -- \
			"$DRV" -s $size -n $n -q 128 >"$OUT/zc-r$size.out" 2>"$OUT/zc-r$size.err"
		ZC_RC=$?
		while read -r _k _v; do
			case "$_k" in *[!a-z0-9_]*) continue ;; esac
			eval "r${size}_$_k=\$_v"
		done <"$OUT/zc-r$size.out"
	else
		zc_run r$size -s $size -n $n -q 128
	fi
	zc_snap b
	p=r$size
	assert_eq $ZC_RC 0 "$size B: vhostdrv exits 0"
	assert_eq "$(v $p sent)" $n "$size B: frames sent"
	assert_eq "$(v $p used)" $n "$size B: TX heads used"
	assert_eq "$(v $p double_used)/$(v $p unknown_used)/$(v $p outstanding)" 0/0/0 \
		"$size B: every head used exactly once (double/unknown/outstanding)"
	assert_eq "$(v $p rx_ok)" $n "$size B: frames received intact and in order"
	assert_eq "$(v $p rx_bad)/$(v $p rx_lost)/$(v $p rx_out_of_order)" 0/0/0 \
		"$size B: bad/lost/out-of-order frames"
	diag "$size B: $n frames in $(v $p seconds) s, $(v $p pps) pps, $(v $p mbps) Mbit/s"
	assert_eq "$(zc_d a b submitted)" $n "$size B: counter submitted"
	assert_eq "$(($(zc_d a b zerocopy) + $(zc_d a b copied)))" $n \
		"$size B: zerocopy + copied == submitted"
	if [ $size -lt 256 ]; then
		assert_eq "$(zc_d a b copied)" $n "$size B: below copybreak: all copied"
	else
		# The receiver is a local AF_PACKET socket: the stack copies
		# every zero-copy buffer (success = false), and the device backs
		# off to copying, as vhost-net does, until the next window.
		assert_eq "$(zc_d a b copied)" "$(zc_d a b zc_backoff)" \
			"$size B: every copy is a counted zero-copy backoff"
		assert_eq "$(zc_d a b zc_late_copy)" "$(zc_d a b zerocopy)" \
			"$size B: every zero-copy send was copied by the local receiver"
		[ "$(zc_d a b zerocopy)" -gt 0 ]
		ok $? "$size B: zero-copy attempted ($(zc_d a b zerocopy) of $n)"
	fi
	assert_eq "$(zc_d a b completed)" $n "$size B: counter completed"
	assert_eq "$(zc_d a b released)/$(zc_d a b tx_errors)/$(zc_d a b errors)" 0/0/0 \
		"$size B: released/tx_errors/vq errors"
	assert_eq "$(v b in_flight)" 0 "$size B: nothing in flight afterwards"
	diag "$size B: zerocopy $(zc_d a b zerocopy) copied $(zc_d a b copied) zc_backoff $(zc_d a b zc_backoff) zc_fallback $(zc_d a b zc_fallback) zc_late_copy $(zc_d a b zc_late_copy) signals $(zc_d a b signals) requeues $(zc_d a b requeues) max_in_flight $(v b max_in_flight)"
	if [ -n "$PERF" ]; then
		sub=x com=x deq=x sig=x
		while IFS=, read -r cnt _u ev _r; do
			case "$ev" in
			*vhost_zc_submit) sub=$cnt ;;
			*vhost_zc_complete) com=$cnt ;;
			*vhost_zc_kiocb_dequeue) deq=$cnt ;;
			*vhost_zc_signal) sig=$cnt ;;
			esac
		done <"$OUT/zc-perf-$size.csv"
		assert_eq "$sub/$com/$deq" "$n/$n/$n" "$size B: perf stat submit/complete/kiocb_dequeue events"
		assert_eq "$sig" "$(zc_d a b signals)" "$size B: perf stat signal events == counter signals"
	else
		skip "$size B: perf stat tracepoint counts" "no perf"
	fi
done

# VIRTIO_RING_F_EVENT_IDX, as Linux guests negotiate it: the driver asks
# for a call once 3/4 of its buffers in flight are used and kicks only past
# the device's avail_event. Same integrity; each armed wait gets at most one
# call (plus one per used-index wrap and the first one), so the calls are
# fewer than the device's used batches (suppressed by used_event).
NE=${ZC_NEVENT:-20000}
zc_snap a
zc_run ev -s 1500 -n $NE -q 128 --event-idx
zc_snap b
assert_eq "$ZC_RC/$(v ev used)/$(v ev rx_ok)" "0/$NE/$NE" "EVENT_IDX: rc/used/received intact"
assert_eq "$(v ev double_used)/$(v ev unknown_used)/$(v ev outstanding)" 0/0/0 \
	"EVENT_IDX: every head used exactly once"
[ "$(v ev calls)" -le $(($(v ev arms) + NE / 65536 + 1)) ]
ok $? "EVENT_IDX: calls $(v ev calls) <= armed waits $(v ev arms) + wraps + 1"
[ "$(v ev calls)" -lt "$(zc_d a b signals)" ]
ok $? "EVENT_IDX: calls $(v ev calls) < used batches $(zc_d a b signals)"
diag "EVENT_IDX: $(v ev kicks) kicks, $(v ev calls) calls, $(zc_d a b signals) used batches, $(v ev pps) pps"

# The events' timestamps (ftrace): every TX chain has one dequeue event with
# 0 < submit_ns <= complete_ns <= dequeue_ns, and every signal event's
# first_submit_ns <= signal_ns. A TX signal's submit_ns[] holds count
# values, each the submit_ns of a chain dequeued before it and not yet
# signalled: over the run, every chain exactly once. (ftrace prints the
# array in hex; mawk's printf cannot, hence hex().)
NT=500
echo >$TRACEFS/trace
echo 1 >$TRACEFS/events/vhost_zc/enable
zc_run tr -s 1500 -n $NT
echo 0 >$TRACEFS/events/vhost_zc/enable
awk '
function hex(h,  i, v) {
	v = 0
	sub(/^0x/, "", h)
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return sprintf("%.0f", v)
}
/vhost_zc_kiocb_dequeue:/ && / vq=1 / {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	n++
	if (!(f["submit_ns"] > 0 && f["submit_ns"] <= f["complete_ns"] &&
	      f["complete_ns"] <= f["dequeue_ns"])) bad++
	pending[f["submit_ns"]]++
}
/vhost_zc_signal:/ {
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	s++
	if (!(f["first_submit_ns"] > 0 && f["first_submit_ns"] <= f["signal_ns"])) sbad++
	if (f["vq"] != 1)
		next
	a = f["submit_ns"]
	gsub(/[{}]/, "", a)
	k = a == "" ? 0 : split(a, v, ",")
	if (k != f["count"]) abad++
	for (i = 1; i <= k; i++) {
		t = hex(v[i])
		if (pending[t] > 0) pending[t]--; else abad++
		an++
	}
}
END { printf "%d %d %d %d %d %d\n", n, bad, s, sbad, an, abad }' $TRACEFS/trace >"$OUT/zc-trace.sum"
read -r tn tbad ts tsbad tan tabad <"$OUT/zc-trace.sum"
assert_eq "$ZC_RC/$tn/$tbad" "0/$NT/0" "ftrace: $NT TX dequeue events, timestamps ordered"
[ "$ts" -gt 0 ] && [ "$tsbad" -eq 0 ]
ok $? "ftrace: $ts signal events, first_submit_ns <= signal_ns"
assert_eq "$tan/$tabad" "$NT/0" \
	"ftrace: TX signals' submit_ns[] name every dequeued chain once (entries/mismatches)"

# RX through the device: frames injected into the tap arrive intact in the
# driver's RX ring, 64 KB ones spread over mergeable 2 KB buffers.
NRX=${ZC_NRX:-2000}
ip tuntap add dev vzt2 mode tap && ip link set vzt2 mtu 65000 &&
	echo 1 >/proc/sys/net/ipv6/conf/vzt2/disable_ipv6
ok $? "persistent tap vzt2 with MTU 65000"
for size in 1500 65000; do
	n=$NRX
	[ $size -gt 9000 ] && n=$((NRX / 10))
	zc_snap a
	zc_run x$size -i vzt2 -s $size -n 10 --rx $n
	zc_snap b
	assert_eq "$ZC_RC/$(v x$size rx_ring_ok)/$(v x$size rx_ring_bad)" "0/$n/0" \
		"RX $size B: rc/frames intact in the RX ring/bad"
	assert_eq "$(zc_d a b rx_packets)" "$((n + $(v x$size rx_ring_other)))" \
		"RX $size B: rx_packets == frames the ring got"
	diag "RX $size B: $(v x$size rx_pps) pps, $(v x$size rx_ring_bufs) buffers, $(v x$size rx_ring_other) other frames (tap ND/MLD)"
done
ip link del vzt2

# --rate paces the sender: never above the rate (how close below it gets
# is the machine's speed: ~1,999 pps on the stock kernels, ~935 on the
# debug kernel under TCG; not a test)
zc_run rt -s 1500 -t 2 -r 2000
[ "$ZC_RC" -eq 0 ] && [ "$(v rt pps)" -le 2100 ] && [ "$(v rt sent)" -gt 0 ] &&
	[ "$(v rt rx_ok)" = "$(v rt sent)" ]
ok $? "--rate 2000: $(v rt pps) pps (<= 2100), all $(v rt rx_ok) of $(v rt sent) frames verified"

# The same driver against the stock vhost_net, zero-copy on
NS=${ZC_NSTOCK:-10000}
if modprobe vhost_net experimental_zcopytx=1 && [ -c /dev/vhost-net ]; then
	zc_run s -D /dev/vhost-net -s 1500 -n $NS -q 128
	assert_eq "$ZC_RC/$(v s used)/$(v s rx_ok)/$(v s double_used)" "0/$NS/$NS/0" \
		"stock vhost_net: rc/used/received/double-used at 1500 B"
	diag "stock vhost_net 1500 B: $(v s pps) pps"
	zc_run se -D /dev/vhost-net -s 1500 -n $NS -q 128 --event-idx
	assert_eq "$ZC_RC/$(v se used)/$(v se rx_ok)/$(v se double_used)" "0/$NS/$NS/0" \
		"stock vhost_net, EVENT_IDX: rc/used/received/double-used at 1500 B"
	[ "$(v se calls)" -le $(($(v se arms) + NS / 65536 + 1)) ]
	ok $? "stock vhost_net, EVENT_IDX: calls $(v se calls) <= armed waits $(v se arms) + wraps + 1"
	rmmod vhost_net
else
	skip "stock vhost_net run" "no vhost_net"
fi

unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
