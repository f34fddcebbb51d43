#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vhost-zc-net as QEMU's backend (issue 16). Debian's unmodified QEMU runs,
# inside the test VM (TCG in TCG), a nested guest: the running kernel with
# a tiny initramfs generated here (busybox, virtio_net and its dependencies
# from the module tree, build/tests/zc_qemu), on
# -netdev tap,fd=,vhost=on,vhostfd= with /dev/vhost-zc-net and
# -device virtio-net-pci. Its own virtio_net driver answers, over IPv6
# link-local UDP, every request the outer side (zc_qemu peer) sends:
# requests and replies of 4 sizes each (48-1400 B payload, below and above
# the device's 256-byte copybreak), every byte checked by the receiver on
# both sides, and every frame on the tap captured and checked as well. The
# bridge and the guest have static neighbours and IFF_NOARP, so nothing
# else crosses the tap. Asserted exactly, per phase:
#  1. N requests, N replies, no loss, no retransmission, nothing bad; the
#     frames and bytes each way on the tap = the device's counters
#     (submitted, rx_packets, tx_bytes, rx_bytes) = the tap's statistics;
#     the guest driver's rx_packets = the device's; its tracepoints
#     (tracefs hist triggers) = its counters;
#  2. the same workload while QEMU's monitor switches the link off and on
#     (set_link: QEMU stops vhost, SET_BACKEND -1, and starts it again):
#     every request answered exactly once, no bad frame, the counters
#     still equal the frames on the tap;
#  3. the guest floods frames to an unknown MAC, which the bridge floods to
#     a dummy port whose plug qdisc holds them: zero-copy buffers in
#     flight (at most the bound, a quarter of the ring), the whole flood
#     out of the guest on both devices; QEMU quits (monitor "quit") while they are held; once the
#     plug opens, QEMU is gone, nothing is in flight, every record came
#     back, rmmod vhost_zc succeeds.
# Then phases 1-3 again on stock vhost_net (experimental_zcopytx=1), with
# SIGKILL instead of quit (no device counters: the tap's and the guest's).
# The nested guest's console must show no kernel splat either.
# On 6.1 only (ZQ_ALL_KERNELS=1 on the other non-debug kernels): the
# nested boot dominates the wall time. In a VM of its own, in
# multi-threaded TCG (make check's mttcg run): with two vCPUs in one TCG
# thread, the vCPU beside the nested guest stood still for over a minute
# on a loaded host (soft lockups; docs/vmtest.md, "QEMU in QEMU:
# multi-threaded TCG"). It flips no static key of its own while traffic
# runs (the hist triggers are set before QEMU starts and removed after it
# has gone), which is what multi-threaded TCG gets wrong.
# vmtest: mttcg
# vmtest: timeout 2700
# Wall time: 855-959 s (6.1, -m 2G, TCG on this 2-CPU host shared with
# 4-5 other TCG VMs), of which 446-709 s the nested guest's boot (TCG in
# TCG), ~2.5 min the workload, ~2.5 min phase 3; 161 s (boot 88 s) in
# its multi-threaded TCG VM on a quiet host (2026-12-04). It prints, per NIC: frames
# and bytes each way, content checks, resends, the device's counters and
# tracepoint counts; figures in docs/vhost_zc.md, "QEMU as the client".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

N=${ZQ_N:-1000}		# requests (and replies) of phase 1, per NIC
N2=${ZQ_N2:-600}	# of phase 2, while the link goes off and on
FLOOD=${ZQ_FLOOD:-1500}	# frames of phase 3 per NIC (> 1024: past a backoff window)
TOGGLES=${ZQ_TOGGLES:-2}
# boot time: no ACPI (QEMU's PIR/MP tables route the IRQs; the guest
# leaves by reboot -f, which -no-reboot makes QEMU's exit), no W+X check
APPEND=${ZQ_APPEND:-acpi=off rodata=off mitigations=off audit=0 apparmor=0 nokaslr}
ZQ=$B/tests/zc_qemu
QEMU=${QEMU:-qemu-system-x86_64}
PORT=5016
BMAC=02:00:00:51:00:01	# both bridges (zc_qemu.c)
W=$(mktemp -d /tmp/zc-qemu.XXXXXX)

# ~14-16 min, 7-12 of them the nested guest's boot: once per make check, on
# 6.1 (ZQ_ALL_KERNELS=1: on any non-debug kernel)
case "$(uname -r)" in
6.1.*) ;;
*)
	if kernel_debug || [ -z "${ZQ_ALL_KERNELS:-}" ]; then
		skip "QEMU guest on vhost-zc-net" "runs on 6.1 only (ZQ_ALL_KERNELS=1: any non-debug kernel)"
		tap_done
		exit
	fi
	;;
esac
if ! command -v "$QEMU" >/dev/null; then
	skip "QEMU guest on vhost-zc-net" "no $QEMU"
	tap_done
	exit
fi

# --- the nested guest's kernel and initramfs --------------------------------
# vmtest.sh bind-mounts the kernel dir's module tree on /lib/modules and
# names its real path in /run/qlat/env: the kernel image is next to it
# (the package's /boot, and the kernel dir's vmlinux, which QEMU boots
# through PVH without decompressing it: faster under TCG)
MODS=$(. /run/qlat/env 2>/dev/null && echo "$QLAT_MODULES")
[ -n "$MODS" ] || MODS=/lib/modules/$(uname -r)
KIMG=${ZQ_KERNEL:-${MODS%/root/lib/modules/*}/vmlinux}
[ -f "$KIMG" ] || KIMG=${MODS%/lib/modules/*}/boot/vmlinuz-$(uname -r)
test -f "$KIMG"
ok $? "nested guest kernel $KIMG"

# zq_initramfs DIR: the nested guest's initramfs, DIR/initrd.cpio
zq_initramfs() {
	_r=$1/root
	mkdir -p "$_r/bin" "$_r/dev" "$_r/proc" "$_r/sys" "$_r/lib/zq" || return 1
	cp "$(command -v busybox)" "$_r/bin/busybox" || return 1
	ln -s busybox "$_r/bin/sh"
	cp "$ZQ" "$_r/bin/zc_qemu" || return 1
	# load order from modules.dep, dependencies first; built-in ones are
	# not in it
	awk -v want="virtio_pci virtio_net" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko.*/, "", p); gsub(/-/, "_", p); return p }
	function add(m,   i, k, d) {
		if (m in seen) return
		seen[m] = 1
		if (!(m in path)) return
		k = split(deps[m], d, " ")
		for (i = 1; i <= k; i++) add(base(d[i]))
		print m, path[m]
	}
	{ p = $1; sub(/:$/, "", p); m = base(p); path[m] = p; $1 = ""; deps[m] = $0 }
	END { k = split(want, w, " "); for (i = 1; i <= k; i++) add(w[i]) }' \
		"$MODS/modules.dep" >"$1/mods" || return 1
	: >"$_r/lib/zq/order"
	while read -r _m _p; do
		case "$_p" in
		*.ko) cp "$MODS/$_p" "$_r/lib/zq/$_m.ko" ;;
		*.ko.xz) xz -dc "$MODS/$_p" >"$_r/lib/zq/$_m.ko" ;;
		*.ko.zst) zstd -qdc "$MODS/$_p" >"$_r/lib/zq/$_m.ko" ;;
		*.ko.gz) gzip -dc "$MODS/$_p" >"$_r/lib/zq/$_m.ko" ;;
		esac || return 1
		echo "$_m" >>"$_r/lib/zq/order"
	done <"$1/mods"
	cat >"$_r/init" <<EOF
#!/bin/sh
# the nested guest's init (generated by tests/vm/39-zc-qemu.sh)
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# no address autoconfiguration, DAD, router solicitation: the workload is
# the only traffic
for c in accept_dad router_solicitations accept_ra; do
	echo 0 >/proc/sys/net/ipv6/conf/default/\$c
done
echo 1 >/proc/sys/net/ipv6/conf/default/addr_gen_mode
while read -r m; do
	insmod /lib/zq/\$m.ko || echo "zq-guest: insmod \$m failed"
done </lib/zq/order
# IFF_NOARP: no neighbour discovery, no MLD (zc_qemu adds the static
# neighbour fe80::1)
for i in eth0 eth1; do
	ip link set \$i arp off
	ip link set \$i up
	ip -6 addr add fe80::2/64 dev \$i
	zc_qemu guest -i \$i -p $PORT &
done
wait
echo "zq-guest: zc_qemu exited"
reboot -f
EOF
	chmod 755 "$_r/init"
	(cd "$_r" && find . | busybox cpio -o -H newc 2>/dev/null) >"$1/initrd.cpio"
}
zq_initramfs "$W"
ok $? "nested initramfs: busybox, zc_qemu, modules: $(awk '{ printf "%s%s", s, $1; s = " " }' "$W/mods")"

# --- the outer network ---------------------------------------------------------
# NIC I of the nested guest (ethI there, netdev nI) is bridged on qzbrI
# through tap qztI, with a dummy port qzdI for phase 3's plug; NIC 0 is on
# /dev/vhost-zc-net, NIC 1 on stock /dev/vhost-net.
zc_load
ok $? "load tun, tap, vhost and vhost_zc.ko"
modprobe vhost_net experimental_zcopytx=1 && [ -c /dev/vhost-net ]
ok $? "load vhost_net experimental_zcopytx=1"
for m in bridge dummy sch_plug; do
	modprobe $m || diag "modprobe $m failed"
done
v6() { echo "$3" >/proc/sys/net/ipv6/conf/"$1"/"$2"; }
gmac() { echo "52:54:00:51:00:0$(($1 + 2))"; }
for i in 0 1; do
	br=qzbr$i tap=qzt$i dum=qzd$i
	ip link add $br type bridge && ip link set $br address $BMAC arp off &&
		v6 $br addr_gen_mode 1 && v6 $br accept_dad 0 &&
		v6 $br router_solicitations 0 && v6 $br accept_ra 0 &&
		ip tuntap add dev $tap mode tap && v6 $tap disable_ipv6 1 &&
		ip link set $tap master $br && ip link set $tap up &&
		ip link add $dum type dummy && v6 $dum disable_ipv6 1 &&
		ip link set $dum master $br && ip link set $dum up &&
		ip link set $br up && ip -6 addr add fe80::1/64 dev $br nodad &&
		ip -6 neigh replace fe80::2 lladdr "$(gmac $i)" dev $br nud permanent
	ok $? "tap $tap and dummy $dum on bridge $br (fe80::1, static neighbour fe80::2 at $(gmac $i))"
done

# tap_snap P I: tap qztI's statistics as P_<name>
tap_snap() {
	for _s in rx_packets rx_bytes tx_packets tx_bytes; do
		read -r _v </sys/class/net/qzt$2/statistics/$_s
		eval "${1}_$_s=\$_v"
	done
}

# zq_read P: zc_qemu peer's lines in $W/peer-P.out become P_<name>
zq_read() {
	read_kv "$1" "$W/peer-$1.out" "$W/peer-$1.err" "$ZQ_RC" "zc_qemu peer"
}

# zq_peer P I ARGS: the outer side on NIC I, in the background; zq_wait P
# waits for it: sets ZQ_RC, its lines become P_<name>
zq_peer() {
	_p=$1 _i=$2
	shift 2
	"$ZQ" peer -i qzbr$_i -c qzt$_i -p $PORT "$@" >"$W/peer-$_p.out" 2>"$W/peer-$_p.err" &
	ZQ_PID=$!
}
zq_wait() {
	wait $ZQ_PID
	ZQ_RC=$?
	zq_read "$1"
}

# hist_hits EVENT VQ: hits of vq VQ in EVENT's hist trigger
hist_hits() {
	awk -v vq="$2" '$1 == "{" && $2 == "vq:" && $3 == vq { print $6; f = 1 }
		END { if (!f) print 0 }' "$TRACEFS/events/vhost_zc/$1/hist"
}

# zq_hist_check WHAT P: the tracepoints' counts = the counters of snapshot P
zq_hist_check() {
	assert_eq "$(hist_hits vhost_zc_submit 1)/$(hist_hits vhost_zc_complete 1)/$(hist_hits vhost_zc_kiocb_dequeue 1)/$(hist_hits vhost_zc_kiocb_dequeue 0)/$(($(hist_hits vhost_zc_signal 0) + $(hist_hits vhost_zc_signal 1)))" \
		"$(v $2 submitted)/$(($(v $2 submitted) - $(v $2 in_flight)))/$(v $2 completed)/$(v $2 rx_packets)/$(v $2 signals)" \
		"$1: events submit/complete/dequeue TX/dequeue RX/signal = counters submitted/submitted - in_flight/completed/rx_packets/signals"
}

mon() { echo "$*" >"$W/mon.in"; }

# qemu_wait SEC: wait up to SEC s for QEMU to exit; 0 if it did
qemu_wait() {
	_i=0
	while kill -0 $QPID 2>/dev/null && [ $_i -lt $(($1 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! kill -0 $QPID 2>/dev/null
}

# console_clean WHAT: no kernel splat on the nested guest's console
console_clean() {
	_n=$(grep -c -E 'WARNING:|BUG:|Oops|Kernel panic|Call Trace:|general protection' "$W/console.log")
	assert_eq "$_n" 0 "$1: nested guest console without kernel splats"
	[ "$_n" = 0 ] || grep -E -A5 'WARNING:|BUG:|Oops|Kernel panic|Call Trace:' "$W/console.log" | head -40 | sed 's/^/#   /'
}

# keep the evidence of a failed run (vmtest.sh keeps $QLAT_OUT then):
# regular files only, since mon.out is the monitor's FIFO (cp would wait
# for a writer that has gone with QEMU, for good)
zq_keep() {
	[ "$_tap_fail" = 0 ] && return
	for _f in "$W"/*.log "$W"/*.out "$W"/*.err; do
		[ -f "$_f" ] && cp "$_f" "$OUT"/
	done
}

# --- QEMU -------------------------------------------------------------------------
for e in vhost_zc_submit vhost_zc_complete vhost_zc_kiocb_dequeue vhost_zc_signal; do
	echo 'hist:keys=vq' >"$TRACEFS/events/vhost_zc/$e/trigger"
done
zc_snap z0
tap_snap t00 0
tap_snap t01 1
mkfifo "$W/mon.in" "$W/mon.out"
: >"$W/console.log"
t_start=$(date +%s)
"$ZQ" tapexec qzt0 3 qzt1 5 -- "$QEMU" -M pc -accel tcg -cpu max -smp 1 -m 256M \
	-nodefaults -no-user-config -no-reboot -display none \
	-serial "file:$W/console.log" -monitor "pipe:$W/mon" \
	-kernel "$KIMG" -initrd "$W/initrd.cpio" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=4 tsc=reliable cryptomgr.notests $APPEND" \
	-netdev tap,id=n0,fd=3,vhost=on,vhostfd=4 -device virtio-net-pci,netdev=n0,mac="$(gmac 0)" \
	-netdev tap,id=n1,fd=5,vhost=on,vhostfd=6 -device virtio-net-pci,netdev=n1,mac="$(gmac 1)" \
	4<>/dev/vhost-zc-net 6<>/dev/vhost-net >"$W/qemu.out" 2>&1 &
QPID=$!
cat "$W/mon.out" >"$W/mon.log" &
MPID=$!
i=0
while [ "$(grep -c "zc_qemu guest: serving" "$W/console.log")" -lt 2 ] && [ $i -lt 1800 ]; do
	kill -0 $QPID 2>/dev/null || break
	grep -q "Kernel panic" "$W/console.log" && break
	sleep 0.5
	i=$((i + 1))
done
BOOT_S=$(($(date +%s) - t_start))
# memory: the nested QEMU's code buffer (tb-size) and guest RAM against
# this VM's
zq_mem() {
	diag "$1: nested QEMU VmRSS $(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$QPID/status 2>/dev/null), MemAvailable $(sed -n 's/^MemAvailable:[[:space:]]*//p' /proc/meminfo)"
}
zq_mem "booted"
assert_eq "$(tr -d '\r' <"$W/console.log" | sed -n 's/.*zc_qemu guest: serving on \[fe80::2%\(eth[01]\)\]:.* mac \(.*\)$/\1 \2/p' | sort | tr '\n' ' ')" \
	"eth0 $(gmac 0) eth1 $(gmac 1) " "nested guest up in $BOOT_S s, serving on eth0 (vhost-zc-net) and eth1 (vhost_net)"
if ! kill -0 $QPID 2>/dev/null || [ "$(grep -c "zc_qemu guest: serving" "$W/console.log")" -lt 2 ]; then
	diag "QEMU or the guest failed:"
	tail -30 "$W/qemu.out" "$W/console.log" | sed 's/^/#   /'
	kill $QPID 2>/dev/null
	zq_keep
	tap_done
	exit
fi
if [ -n "${ZQ_BOOT_ONLY:-}" ]; then
	cp "$W/console.log" "$OUT/console.log"
	kill $QPID
	tap_done
	exit
fi

# phases I NAME: phases 1 and 2 on NIC I; NAME zc has the device counters
phases() {
	i=$1 name=$2

	# 0. warm-up (the first frames through the nested guest's code take
	# seconds under TCG in TCG); its figures are the baseline of 1
	zq_peer p0$i $i -P 4 -n 16 -w 16 -t 60000 -T 300
	zq_wait p0$i
	assert_eq "$ZQ_RC/$(v p0$i replies_ok)/$(v p0$i bad)/$(v p0$i cap_in_bad)/$(v p0$i cap_out_bad)" 0/16/0/0/0 \
		"$name 0: warm-up: rc/16 replies/bad/bad on the tap each way"

	# 1. the workload, nothing else; a frame lost would be resent after
	# 60 s, and counted
	[ $name = zc ] && zc_snap a
	tap_snap ta $i
	zq_peer p1$i $i -P 1 -n $N -w 16 -t 60000 -T 900
	zq_wait p1$i
	tap_snap tb $i
	[ $name = zc ] && zc_snap b
	p=p1$i
	assert_eq "$ZQ_RC/$(v $p replies_ok)/$(v $p guest_req_ok)/$(v $p guest_rep_sent)" "0/$N/$N/$N" \
		"$name 1: rc/replies intact/requests intact in the guest/replies sent"
	assert_eq "$(v $p retransmits)/$(v $p replies_dup)/$(v $p bad)/$(v $p guest_req_dup)/$(v $p guest_req_bad)/$(v $p guest_rep_err)" 0/0/0/0/0/0 \
		"$name 1: retransmits/duplicates/bad, outer and guest/send errors"
	assert_eq "$(v $p cap_out)/$(v $p cap_out_data)/$(v $p cap_out_ctl)/$(v $p cap_out_other)" "$((N + 1))/$N/1/0" \
		"$name 1: frames to the guest on the tap: total/requests/END/other"
	assert_eq "$(v $p cap_in)/$(v $p cap_in_data)/$(v $p cap_in_ctl)/$(v $p cap_in_other)" "$((N + 1))/$N/1/0" \
		"$name 1: frames from the guest on the tap: total/replies/STATS/other"
	for o in out_0 out_1 out_2 out_3 in_0 in_1 in_2 in_3; do
		[ "$(v $p other_$o)" = missing ] || diag "$name 1: other frame $o: $(v $p other_$o)"
	done
	assert_eq "$(v $p cap_out_bad)/$(v $p cap_in_bad)/$(v $p cap_drops)" 0/0/0 \
		"$name 1: frames failing the content check on the tap, each way/capture drops"
	assert_eq "$(v $p cap_out_bytes)/$(v $p cap_in_bytes)" \
		"$(($(v $p req_frame_bytes) + $(v $p ctl_out_bytes)))/$(($(v $p rep_frame_bytes) + $(v $p ctl_in_bytes)))" \
		"$name 1: bytes each way on the tap = requests' / replies' frame bytes ($(v $p req_frame_bytes) / $(v $p rep_frame_bytes)) + END / STATS"
	assert_eq "$(($(v tb tx_packets) - $(v ta tx_packets)))/$(($(v tb tx_bytes) - $(v ta tx_bytes)))" \
		"$(v $p cap_out)/$(v $p cap_out_bytes)" "$name 1: tap tx_packets/tx_bytes = frames/bytes captured to the guest"
	assert_eq "$(($(v tb rx_packets) - $(v ta rx_packets)))/$(($(v tb rx_bytes) - $(v ta rx_bytes)))" \
		"$(v $p cap_in)/$(v $p cap_in_bytes)" "$name 1: tap rx_packets/rx_bytes = frames/bytes captured from the guest"
	diag "$name 1: $N requests + $N replies in $(v $p ms) ms; to the guest $(v $p cap_out) frames $(v $p cap_out_bytes) B, from it $(v $p cap_in) frames $(v $p cap_in_bytes) B"
	if [ $name = zc ]; then
		sub=$(zc_d a b submitted)
		assert_eq "$sub/$(zc_d a b completed)/$(zc_d a b rx_packets)" \
			"$(v $p cap_in)/$(v $p cap_in)/$(v $p cap_out)" \
			"$name 1: counters submitted/completed/rx_packets = frames on the tap"
		assert_eq "$(zc_d a b tx_bytes)/$(zc_d a b rx_bytes)" \
			"$(($(v $p cap_in_bytes) + 12 * $(v $p cap_in)))/$(v $p cap_out_bytes)" \
			"$name 1: counters tx_bytes (+ 12 B vnet header each)/rx_bytes = bytes on the tap"
		assert_eq "$(($(zc_d a b zerocopy) + $(zc_d a b copied)))/$(zc_d a b tx_errors)/$(zc_d a b rx_dropped)/$(zc_d a b errors)/$(v b in_flight)" \
			"$sub/0/0/0/0" "$name 1: zerocopy + copied = submitted; tx_errors/rx_dropped/errors/in_flight"
		diag "$name 1: zerocopy $(zc_d a b zerocopy) copied $(zc_d a b copied) zc_late_copy $(zc_d a b zc_late_copy) zc_backoff $(zc_d a b zc_backoff) signals $(zc_d a b signals) max_in_flight $(v b max_in_flight)"
		assert_eq "$(($(v $p guest_rx_packets) - $(v p0$i guest_rx_packets)))" "$(zc_d a b rx_packets)" \
			"$name 1: guest driver's rx_packets = device rx_packets"
		diag "$name 1: since QEMU started: guest rx_packets $(v $p guest_rx_packets), device rx_packets $(($(v b rx_packets) - $(v z0 rx_packets))), tap tx_packets $(($(v tb tx_packets) - $(v t0$i tx_packets)))"
		zq_hist_check "$name 1" b
	else
		assert_eq "$(($(v $p guest_rx_packets) - $(v p0$i guest_rx_packets)))" "$(($(v tb tx_packets) - $(v ta tx_packets)))" \
			"$name 1: guest driver's rx_packets = tap tx_packets"
		diag "$name 1: since QEMU started: guest rx_packets $(v $p guest_rx_packets), tap tx_packets $(($(v tb tx_packets) - $(v t0$i tx_packets)))"
	fi

	# 2. the same while QEMU switches the link, and so the vhost backend,
	# off and on (vhost_net_stop: SET_BACKEND -1; vhost_net_start)
	[ $name = zc ] && zc_snap a
	tap_snap ta $i
	# gated (-g): paced, and its last 17 requests kept back until the
	# toggles are done, so that a fast host cannot finish the phase first
	rm -f "$W/gate2$i"
	zq_peer p2$i $i -P 2 -n $N2 -w 16 -t 3000 -T 900 -g "$W/gate2$i"
	sleep 3
	k=0
	while [ $k -lt $TOGGLES ]; do
		mon "set_link n$i off"
		sleep 2
		mon "set_link n$i on"
		sleep 3
		k=$((k + 1))
	done
	kill -0 $ZQ_PID 2>/dev/null
	ok $? "$name 2: traffic still running after $TOGGLES link toggles"
	touch "$W/gate2$i"
	zq_wait p2$i
	tap_snap tb $i
	[ $name = zc ] && zc_snap b
	p=p2$i
	assert_eq "$ZQ_RC/$(v $p replies_ok)/$(v $p guest_req_ok)" "0/$N2/$N2" \
		"$name 2: rc/replies intact/requests intact in the guest (each once)"
	assert_eq "$(v $p bad)/$(v $p guest_req_bad)/$(v $p cap_out_bad)/$(v $p cap_in_bad)/$(v $p cap_out_other)/$(v $p cap_in_other)/$(v $p cap_drops)" \
		0/0/0/0/0/0/0 "$name 2: bad frames outer/guest/tap each way, other frames each way, capture drops"
	[ "$(v $p retransmits)" -gt 0 ]
	ok $? "$name 2: requests lost while the link was off, resent: $(v $p retransmits)"
	assert_eq "$(($(v $p guest_carrier_changes) - $(v p1$i guest_carrier_changes)))" $((2 * TOGGLES)) \
		"$name 2: the guest saw its link go down and up $TOGGLES times"
	assert_eq "$(($(v $p guest_req_ok) + $(v $p guest_req_dup)))" "$(v $p guest_rep_sent)" \
		"$name 2: the guest answered every request it got"
	assert_eq "$(($(v tb rx_packets) - $(v ta rx_packets)))/$(($(v tb rx_bytes) - $(v ta rx_bytes)))" \
		"$(v $p cap_in)/$(v $p cap_in_bytes)" "$name 2: tap rx_packets/rx_bytes = frames/bytes captured from the guest"
	assert_eq "$(v $p cap_in)" "$(($(v $p replies_ok) + $(v $p replies_dup) + $(v $p ctl_in) + $(v $p stale)))" \
		"$name 2: frames from the guest = replies the outer side got"
	diag "$name 2: $N2 requests in $(v $p ms) ms: $(v $p retransmits) resent, the guest got $(v $p guest_req_dup) twice; to the guest $(v $p cap_out) frames $(v $p cap_out_bytes) B, from it $(v $p cap_in) frames $(v $p cap_in_bytes) B"
	if [ $name = zc ]; then
		assert_eq "$(zc_d a b submitted)/$(zc_d a b completed)/$(zc_d a b tx_bytes)" \
			"$(v $p cap_in)/$(v $p cap_in)/$(($(v $p cap_in_bytes) + 12 * $(v $p cap_in)))" \
			"$name 2: counters submitted/completed/tx_bytes = frames/bytes on the tap"
		assert_eq "$(($(v $p guest_rx_packets) - $(v p1$i guest_rx_packets)))" "$(zc_d a b rx_packets)" \
			"$name 2: guest driver's rx_packets = device rx_packets"
		assert_eq "$(zc_d a b tx_errors)/$(zc_d a b errors)/$(v b in_flight)" 0/0/0 \
			"$name 2: tx_errors/errors/in_flight"
		zq_hist_check "$name 2" b
	else
		diag "$name 2: guest rx_packets $(v $p guest_rx_packets), tap tx_packets since QEMU started $(($(v tb tx_packets) - $(v t0$i tx_packets))) (QEMU read and dropped the difference while the link was off)"
	fi
}

phases 0 zc
phases 1 stock
console_clean "phases 1-2"

# 3. QEMU leaves with buffers in flight on both devices
for i in 0 1; do
	tc qdisc add dev qzd$i root plug limit 100000000
	ok $? "3: plug qdisc on qzd$i holds what bridge qzbr$i floods there"
	tap_snap ta$i $i
done
for i in 0 1; do
	zq_peer p3$i $i -P 3 -f $FLOOD -t 3000 -T 300
	zq_wait p3$i
	assert_eq "$ZQ_RC" 0 "3: the guest floods $FLOOD frames on eth$i"
done
# until nothing moves for 3 s once both floods are out, or for 30 s
# before (TCG in TCG on a loaded host: the nested guest can stand still
# for several seconds), 300 s at most
last=x still=0 k=0
while [ $k -lt 100 ]; do
	cur=$(cat /sys/class/net/qzt0/statistics/rx_packets /sys/class/net/qzt1/statistics/rx_packets)
	if [ "$cur" = "$last" ]; then
		still=$((still + 3))
		set -- $cur
		[ $(($1 - $(v ta0 rx_packets))) -ge "$FLOOD" ] &&
			[ $(($2 - $(v ta1 rx_packets))) -ge "$FLOOD" ] && break
		[ $still -ge 30 ] && break
	else
		still=0
	fi
	last=$cur
	sleep 3
	k=$((k + 1))
done
for i in 0 1; do
	tap_snap tb$i $i
	eval held$i=$(($(v tb$i rx_packets) - $(v ta$i rx_packets)))
done
# the whole flood leaves the guest on both devices: past the in-flight
# bound (a quarter of the ring, as vhost-net) the device copies, and the
# guest's queue, never short of descriptors for long, does not stop
[ "$held0" = "$held1" ] && [ "$held0" -ge "$FLOOD" ]
ok $? "3: the whole flood left the guest and is held in the plug on both devices ($held0 and $held1 frames of $FLOOD)"
zq_mem "3: flood held"
zc_snap h
[ "$(v h in_flight)" -gt 0 ] && [ "$(v h in_flight)" -le 64 ]
ok $? "3: vhost-zc-net zero-copy sends in flight before QEMU leaves: $(v h in_flight) (bound: 256-entry ring / 4 = 64)"
mon quit
t_quit=$(date +%s)
sleep 3
alive=no
kill -0 $QPID 2>/dev/null && alive=yes
zc_snap q
for i in 0 1; do
	tc qdisc del dev qzd$i root
done
t_rel=$(date +%s)
qemu_wait 60
ok $? "3: QEMU gone after quit ($(($(date +%s) - t_quit)) s; still there 3 s after it: $alive; plugs opened at $((t_rel - t_quit)) s)"
wait $QPID
kill $MPID 2>/dev/null
wait $MPID 2>/dev/null
diag "3: 3 s after quit: in flight $(v q in_flight), devices $(v q devices)"
zc_snap e
assert_eq "$(v e in_flight)/$(v e devices)" 0/0 "3: vhost-zc-net in_flight/devices after QEMU"
assert_eq "$(($(v e completed) + $(v e released)))" "$(v e submitted)" \
	"3: completed $(v e completed) + released $(v e released) = submitted"
assert_eq "$(v e tx_errors)/$(v e errors)" 0/0 "3: tx_errors/errors"
diag "vhost-zc-net totals: submitted $(v e submitted) zerocopy $(v e zerocopy) copied $(v e copied) completed $(v e completed) released $(v e released) rx_packets $(v e rx_packets) tx_bytes $(v e tx_bytes) rx_bytes $(v e rx_bytes) signals $(v e signals) max_in_flight $(v e max_in_flight)"
zq_hist_check "3" e
for e in vhost_zc_submit vhost_zc_complete vhost_zc_kiocb_dequeue vhost_zc_signal; do
	echo '!hist:keys=vq' >"$TRACEFS/events/vhost_zc/$e/trigger"
done
console_clean "3"
zq_keep
diag "wall time: $(($(date +%s) - t_start)) s from QEMU's start, boot $BOOT_S s"

unload_mod vhost_zc
ok $? "rmmod vhost_zc"
unload_mod vhost_net
ok $? "rmmod vhost_net"
for i in 0 1; do
	ip link del qzbr$i
	ip link del qzt$i
	ip link del qzd$i
done
rm -rf "$W"
tap_done
