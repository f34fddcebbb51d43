#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat's snapshots hold together at a high event rate: qlat cmdq and qlat
# zc print a JSON document every second (-i 1) while the drivers run flat
# out for QLAT_SNAP_S seconds (default 8; cmdq: the frame client on 3
# pipes at 240 Hz and two async load generators; zc: vhostdrv TX). In every document each histogram's count
# equals the sum of its buckets (what OpenMetrics' +Inf bucket and qlat
# gate rely on; the programs keep no count, the tool sums the buckets of
# the per-CPU copies it reads while they run, and widens min and max to
# a bucket whose value was caught half added), no counter goes backwards,
# and the final document, read after the programs are detached, has the
# totals the drivers counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"
. "$(dirname "$0")/zc_lib.sh"

SECS=${QLAT_SNAP_S:-8}

# snap_check FILE: "DOCS BAD REGRESSED FINAL" of the JSON lines in FILE:
# documents, histograms whose count is not the sum of their buckets,
# counters lower than in the document before, the last one's final flag
snap_check() {
	jq -s -r '
		(map([.hists[] | select(.hist.count !=
			([.hist.buckets[].count] | add // 0))] | length) | add) as $bad |
		([range(1; length) as $i | .[$i].events as $b |
		  .[$i - 1].events | to_entries[] | select(.value > $b[.key])] | length) as $reg |
		"\(length) \($bad) \($reg) \(.[-1].final)"' "$1"
}

# --- cmdq ---
cmdq_load pipes=3 hz=240
ok $? "load the cmdq modules (3 pipes, 240 Hz)"
echo 3 >"$FR/pipes" && echo 0 >"$FR/frames" && echo 240 >"$FR/hz"
out=$OUT/qlat-snap-cmdq.json
if qlat_start "$out" cmdq --json -i 1; then
	snap a
	echo 1 >"$FR/enable"
	"$C" -t 12 load --duration-ms $((SECS * 1000)) --depth 32 --ops 8 >"$OUT/snap-load12.out" &
	l1=$!
	"$C" -t 13 load --duration-ms $((SECS * 1000)) --depth 32 --ops 8 >"$OUT/snap-load13.out" &
	l2=$!
	wait $l1 && wait $l2
	ok $? "two load generators ran ${SECS} s beside the frame client"
	echo 0 >"$FR/enable"
	snap b
	qlat_stop
	ok $? "qlat cmdq exits 0 on SIGINT"
	set -- $(snap_check "$out")
	[ "$1" -ge "$SECS" ]
	ok $? "qlat cmdq printed $1 documents (>= $SECS)"
	assert_eq "$2/$3/$4" "0/0/true" \
		"every document: count == sum of buckets; no counter went back; the last is final"
	tail -n 1 "$out" >"$out.final"
	j() { jq -r "$1" "$out.final"; }
	flushes=$(($(d a b helper_flush_sync) + $(d a b helper_flush_async)))
	assert_eq "$(j '.events.flush + .dropped.flush')" "$flushes" \
		"final: flush events seen + dropped == the helper's flushes ($flushes)"
	assert_eq "$(j '.events.cb + .dropped.cb')" "$(d a b helper_cb_delivered)" \
		"final: callbacks seen + dropped == the helper's"
	# an EOC with an error status (a wait that timed out on a loaded
	# host) has a flush->EOC latency too: counted as error, not eoc
	diag "final: eoc $(j .events.eoc) error $(j .events.error) dropped $(j .dropped.eoc)"
	assert_eq "$(j '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add')" \
		"$(j '.events.eoc + .events.error')" "final: flush_eoc histograms hold every EOC (eoc + error)"
else
	ok 1 "qlat cmdq attached"
fi
cmdq_unload
ok $? "unload the cmdq modules"

# --- zc ---
zc_load
ok $? "load tun, tap, vhost and vhost_zc.ko"
out=$OUT/qlat-snap-zc.json
if qlat_start "$out" zc --json -i 1; then
	zc_snap a
	zc_run snap -t "$SECS" -s 1500 -q 128 -N
	zc_snap b
	qlat_stop
	ok $? "qlat zc exits 0 on SIGINT"
	assert_eq "$ZC_RC/$(v snap used)" "0/$(v snap sent)" "vhostdrv sent $(v snap sent) frames in $SECS s, all used"
	set -- $(snap_check "$out")
	[ "$1" -ge "$SECS" ]
	ok $? "qlat zc printed $1 documents (>= $SECS)"
	assert_eq "$2/$3/$4" "0/0/true" \
		"every document: count == sum of buckets; no counter went back; the last is final"
	tail -n 1 "$out" >"$out.final"
	zc_doc "$out.final"
	zc_growth a b
	assert_eq "$((e_submit + d_submit))/$((e_signal + d_signal))" "$sub/$sig" \
		"final: submits and signals (seen + dropped) == the device's"
	assert_eq "$h_submit_signal_1" "$e_signaled" \
		"final: submit->signal histogram holds every signalled TX buffer"
else
	ok 1 "qlat zc attached"
fi

# --- zc --stock: stock vhost_net; its signal, signaled, dequeue and
# used_zerocopy are the tool's sums of the batch histogram, which must
# not go back either
[ -d /sys/module/vhost_net ] && rmmod vhost_net
modprobe vhost_net experimental_zcopytx=1
ok $? "load vhost_net with experimental_zcopytx=1"
out=$OUT/qlat-snap-stock.json
if qlat_start "$out" zc --stock --json -i 1; then
	zc_run snapst -D /dev/vhost-net -t "$SECS" -s 1500 -q 128 -N
	qlat_stop
	ok $? "qlat zc --stock exits 0 on SIGINT"
	assert_eq "$ZC_RC/$(v snapst used)" "0/$(v snapst sent)" \
		"vhostdrv sent $(v snapst sent) frames to stock vhost_net in $SECS s, all used"
	set -- $(snap_check "$out")
	[ "$1" -ge "$SECS" ]
	ok $? "qlat zc --stock printed $1 documents (>= $SECS)"
	assert_eq "$2/$3/$4" "0/0/true" \
		"--stock, every document: count == sum of buckets; no counter went back; the last is final"
	tail -n 1 "$out" >"$out.final"
	zc_doc "$out.final"
	assert_eq "$e_submit" "$(v snapst sent)" "final: --stock submits == frames sent"
	assert_eq "$e_signaled/$e_unmatched" "$e_submit_zerocopy/0" \
		"final: every zero-copy send signalled, none unmatched"
	assert_eq "$h_submit_signal_1" "$e_signaled" \
		"final: submit->signal histogram holds every signalled buffer"
else
	ok 1 "qlat zc --stock attached"
fi
rmmod vhost_net
tap_done
