# SPDX-License-Identifier: GPL-2.0
# Helpers of the vhost-zc-net VM tests (tests/vm/3N-zc-*.sh); sourced after
# lib.sh. Under TCG every exec of a dynamic host binary costs ~0.5 s, so
# the parsing here uses shell builtins only.

DRV=$B/vhostdrv
ZS=$DEBUGFS/vhost_zc/stats
export REPO

zc_load() { # [vhost_zc params...]
	for m in tun tap vhost; do
		[ -d /sys/module/$m ] || modprobe $m || return 1
	done
	load_mod vhost_zc vhost_zc "$@"
}

# zc_snap P [FILE]: debugfs counters (default: the global ones) into
# shell variables P_<name>
zc_snap() {
	while read -r _k _v; do
		eval "${1}_$_k=$_v"
	done <"${2:-$ZS}"
}

# zc_d A B NAME: growth of a counter from snapshot A to snapshot B
zc_d() { eval "echo \$((${2}_$3 - ${1}_$3))"; }

# v P NAME: a snapshot's or a run's value
v() { eval "echo \${${1}_$2:-missing}"; }

# zc_out P: vhostdrv's "name value" lines in $OUT/zc-P.out become P_<name>;
# with ZC_RC non-zero, its stderr ($OUT/zc-P.err) goes to the TAP diag
zc_out() {
	read_kv "$1" "$OUT/zc-$1.out" "$OUT/zc-$1.err" "$ZC_RC" vhostdrv
}

# zc_run P ARGS...: run vhostdrv; its "name value" lines become P_<name>;
# sets ZC_RC. The output is kept in $OUT/zc-P.out.
zc_run() {
	_p=$1
	shift
	"$DRV" "$@" >"$OUT/zc-$_p.out" 2>"$OUT/zc-$_p.err"
	ZC_RC=$?
	zc_out "$_p"
}

# zc_held_start P ARGS...: start vhostdrv ARGS (with --hold) in the
# background, wait until it holds (its --ready file appears, at most 60 s)
# and 1 s more; sets ZC_PID. zc_held_wait P then waits for it: sets ZC_RC,
# and its output lines become P_<name> as with zc_run.
zc_held_start() {
	_p=$1
	shift
	rm -f "$OUT/zc-ready"
	"$DRV" -Y "$OUT/zc-ready" "$@" >"$OUT/zc-$_p.out" 2>"$OUT/zc-$_p.err" &
	ZC_PID=$!
	_i=0
	while [ ! -e "$OUT/zc-ready" ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sleep 1
}

zc_held_wait() {
	wait "$ZC_PID"
	ZC_RC=$?
	zc_out "$1"
}

# zc_growth A B: the driver's figures between snapshots A and B, as
# sub (submitted), zcp (zero-copy), cpd (copied), late (zero-copy sends
# copied late or fallen back), done_tx (TX completed), rxp (RX packets),
# sig (signals); told with diag
zc_growth() {
	sub=$(zc_d "$1" "$2" submitted)
	zcp=$(zc_d "$1" "$2" zerocopy)
	cpd=$(zc_d "$1" "$2" copied)
	late=$(($(zc_d "$1" "$2" zc_fallback) + $(zc_d "$1" "$2" zc_late_copy)))
	done_tx=$(zc_d "$1" "$2" completed)
	rxp=$(zc_d "$1" "$2" rx_packets)
	sig=$(zc_d "$1" "$2" signals)
	diag "driver: submitted $sub zerocopy $zcp copied $cpd late-copied $late" \
		"completed $done_tx rx $rxp signals $sig"
}

# zc_bridge TAP BRIDGE: a tap on a new bridge (frames the tap sends go to the
# bridge's other ports)
zc_bridge() {
	for _m in bridge dummy sch_plug; do
		modprobe $_m || diag "modprobe $_m failed"
	done
	ip tuntap add dev "$1" mode tap && ip link add "$2" type bridge &&
		ip link set "$1" master "$2" && ip link set "$1" up &&
		ip link set "$2" up
}

# zc_plug DUMMY BRIDGE: a dummy port of the bridge whose plug qdisc holds
# every frame (the receiver paused), until
# `tc qdisc change dev DUMMY root plug release_indefinite` or its deletion
zc_plug() {
	ip link add "$1" type dummy && ip link set "$1" master "$2" &&
		ip link set "$1" up &&
		tc qdisc add dev "$1" root plug limit 100000000
}

# zc_doc FILE: a `qlat zc --json` document's figures as shell variables (one
# jq exec): e_<counter>, d_<prog> (null on the tracepoint path),
# h_<metric>_<vq> (0 for a histogram the document does not list), attach,
# final, source, ratio (copy fallback) and, after a breach, breach, ev_n,
# ev_last, ev_seen, ev_trig
zc_doc() {
	for _m in submit_complete complete_dequeue submit_signal batch; do
		eval "h_${_m}_0=0 h_${_m}_1=0"
	done
	eval "$(jq -r '(.events | to_entries[] | "e_\(.key)=\(.value)"),
		(.dropped | to_entries[] | "d_\(.key)=\(.value)"),
		(.hists[] | "h_\(.metric)_\(.vq)=\(.hist.count)"),
		"attach=\(.attach) final=\(.final) source=\(.source)",
		"ratio=\(.copy_fallback.ratio)",
		"breach=\(.breach.reason) ev_n=\(.breach.events | length)",
		"ev_last=\(.breach.events[-1].value_ns) ev_seen=\(.breach.records_seen)",
		"ev_trig=\(.breach.trigger_recorded)"' "$1")"
}
