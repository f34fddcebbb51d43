#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The tracepoint pipeline: cmdq_helper.ko loads with module BTF, and qlat's
# CO-RE programs count exactly the events the module says it emitted, in
# each attach flavour (tp_btf, raw_tp, tracepoint).
. "$(dirname "$0")/lib.sh"

N=1000
STATS=$DEBUGFS/cmdq_helper/stats

load_mod cmdq cmdq_helper
ok $? "insmod cmdq_helper.ko"
test -e /sys/kernel/btf/cmdq_helper
ok $? "module BTF: /sys/kernel/btf/cmdq_helper exists"
test -d $TRACEFS/events/cmdq/cmdq_pkt_finalize
ok $? "tracefs has cmdq:cmdq_pkt_finalize"

# The tracepoint fallback reads records with the plain layouts of
# bpf/cmdq_tp.h: every field's offset and size must match tracefs.
tp_layout_check cmdq
assert_eq "$tp_bad" 0 "all $tp_fields fallback record fields match the tracefs format files"

for mode in tp_btf raw_tp tracepoint; do
	out=$OUT/cmdq-attach-$mode.json
	if ! qlat_start "$out" cmdq --json --attach=$mode; then
		ok 1 "$mode: qlat attached"
		continue
	fi
	before=$(stat_of $STATS pkt_finalized)
	echo $N >$DEBUGFS/cmdq_helper/finalize_burst
	after=$(stat_of $STATS pkt_finalized)
	qlat_stop
	ok $? "$mode: qlat exits 0 on SIGINT"
	assert_eq "$((after - before))" $N "$mode: module counted $N finalize events"
	assert_eq "$(jq -r .attach "$out")" $mode "$mode: qlat used the forced flavour"
	assert_eq "$(jq -r .events.finalize "$out")" "$((after - before))" \
		"$mode: BPF finalize count == module counter"
	assert_eq "$(jq -r .final "$out")" true "$mode: final document printed on SIGINT"
done

# All five cmdq tracepoints, through the GCE model: its selftest flushes
# thousands of packets (sync and async, chained, faulted, aborted) while
# the display timing generator runs. Every BPF count must equal the
# drivers' own counters. The generator is stopped around the counter reads.
load_mod cmdq gce_sim
ok $? "insmod gce_sim.ko"
G=$DEBUGFS/gce_sim
snap() { # prefix: helper stats + gce totals + pipe sums into shell variables
	eval "$1_flush=$(($(stat_of $STATS flush_sync) + $(stat_of $STATS flush_async)))"
	eval "$1_cb=$(stat_of $STATS cb_delivered)"
	eval "$1_fin=$(stat_of $STATS pkt_finalized)"
	eval "$1_miss=$(stat_of $G/threads total_misses)"
	eval "$1_sof=$(awk '/^pipe[0-9]_frames/ { s += $2 } END { print s }' $G/pipes)"
	eval "$1_eof=$(awk '/^pipe[0-9]_eofs/ { s += $2 } END { print s }' $G/pipes)"
	eval "$1_udr=$(awk '/^pipe[0-9]_misses/ { s += $2 } END { print s }' $G/pipes)"
}
for mode in tp_btf raw_tp tracepoint; do
	out=$OUT/cmdq-gce-$mode.json
	echo 0 >$G/enable
	if ! qlat_start "$out" cmdq --json --attach=$mode; then
		ok 1 "$mode: qlat attached"
		continue
	fi
	snap b
	echo 1 >$G/enable
	echo 1 >$G/selftest
	echo 0 >$G/enable
	snap a
	qlat_stop
	ok $? "$mode: qlat exits 0"
	assert_eq "$(cat $G/selftest)" "passed $(awk '{ print $2 }' $G/selftest) failed 0" \
		"$mode: gce_sim selftest passes"
	j() { jq -r "$1" "$out"; }
	# A tracepoint can fire in hardirq while the same program runs in
	# process context on that CPU (an abort, or a flush from a callback):
	# the kernel skips that run and counts it; qlat reports it as dropped.
	# The perf-event path (tracepoint) skips runs whenever any of our
	# programs is active on the CPU and 6.1 counts that nowhere: qlat says
	# "not counted" (null), and the counts may only fall short (seen here:
	# 7 of 5479 EOCs, 2 of 146 SOFs). The exact tracepoint-path count is the
	# finalize burst above, where nothing nests. 6.7 and later count them:
	# exact there too.
	approx=0
	[ $mode = tracepoint ] && ! tp_drops_counted && approx=1
	check() { # jq-expr driver-count what
		if [ $approx = 1 ]; then
			seen=$(j "$1")
			slack=$(($2 / 20 > 3 ? $2 / 20 : 3))
			[ "$seen" -le "$2" ] && [ "$seen" -ge $(($2 - slack)) ]
			ok $? "$mode: $3: $seen seen, driver $2 (uncounted drops: $(($2 - seen)) <= $slack)"
		else
			assert_eq "$(j "$1 + .dropped.$4")" "$2" "$mode: $3 seen + dropped"
		fi
	}
	check .events.finalize $((a_fin - b_fin)) "finalize == helper pkt_finalized" finalize
	check .events.flush $((a_flush - b_flush)) "flush == helper flush_sync + flush_async" flush
	check '(.events.eoc + .events.error)' $((a_cb - b_cb)) "eoc_irq == completions" eoc
	check .events.cb $((a_cb - b_cb)) "pkt_cb == helper cb_delivered" cb
	if [ $approx = 1 ]; then
		assert_eq "$(j .dropped.vblank)" null "$mode: drops reported as not counted"
	elif [ $mode = tracepoint ]; then
		assert_eq "$(j '.dropped.vblank | type')" number "$mode: drops counted ($(uname -r))"
	elif kernel_rt; then
		# the UNDERRUN of the threaded IRQ handler can be preempted by
		# the SOF/EOF of the hard timer: exact with drops (below)
		assert_eq "$(j '.dropped.vblank | type')" number \
			"$mode: vblank drops counted ($(j .dropped.vblank), PREEMPT_RT)"
	else
		assert_eq "$(j .dropped.vblank)" 0 "$mode: no vblank drops (hardirq only, cannot nest)"
	fi
	# SOF, EOF and UNDERRUN are one program: its drops add up exactly
	# over the three, each alone can only fall short. The same checks
	# whether or not a run drops (PREEMPT_RT's may or may not): the plan
	# does not depend on it.
	if [ $approx = 0 ]; then
		vseen=$(j '.events.sof + .events.eof + .events.underrun')
		assert_eq "$((vseen + $(j .dropped.vblank)))" \
			$((a_sof - b_sof + a_eof - b_eof + a_udr - b_udr)) \
			"$mode: SOF + EOF + UNDERRUN seen $vseen + dropped == pipe frames + eofs + misses"
	fi
	if [ $approx = 0 ] && [ "$(j .dropped.vblank)" != 0 ]; then
		[ "$(j .events.sof)" -le $((a_sof - b_sof)) ]
		ok $? "$mode: SOF $(j .events.sof) <= pipe frames $((a_sof - b_sof)) (vblank events dropped)"
		[ "$(j .events.eof)" -le $((a_eof - b_eof)) ]
		ok $? "$mode: EOF $(j .events.eof) <= pipe eofs $((a_eof - b_eof)) (vblank events dropped)"
		[ "$(j .events.underrun)" -le $((a_udr - b_udr)) ]
		ok $? "$mode: UNDERRUN $(j .events.underrun) <= pipe misses $((a_udr - b_udr)) (vblank events dropped)"
	else
		check .events.sof $((a_sof - b_sof)) "SOF == pipe frames" vblank
		check .events.eof $((a_eof - b_eof)) "EOF == pipe eofs" vblank
		check .events.underrun $((a_udr - b_udr)) "UNDERRUN == pipe misses" vblank
	fi
	# misses are counted from the UNDERRUN events, one per missed packet
	assert_eq "$(j '(.misses | add) == .events.underrun')" true \
		"$mode: BPF deadline misses == UNDERRUN events seen ($(j .events.underrun))"
	if [ $approx = 1 ]; then
		check '(.misses | add)' $((a_miss - b_miss)) "BPF deadline misses == GCE misses"
	else	# a dropped vblank event may or may not have been an UNDERRUN
		seen=$(j '.misses | add')
		[ "$seen" -le $((a_miss - b_miss)) ] &&
			[ $((a_miss - b_miss)) -le $((seen + $(j .dropped.vblank))) ]
		ok $? "$mode: BPF deadline misses $seen <= GCE misses $((a_miss - b_miss)) <= misses + dropped vblank events"
	fi
	assert_eq "$(j '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add')" \
		"$(j '.events.eoc + .events.error')" "$mode: flush->EOC histogram total == eoc_irq events seen"
done
echo 1 >$G/enable
unload_mod gce_sim
ok $? "rmmod gce_sim"

# auto picks tp_btf when module BTF is present
qlat_start "$OUT/cmdq-auto.json" cmdq --json && qlat_stop
assert_eq "$(jq -r .attach "$OUT/cmdq-auto.json")" tp_btf "auto attach picks tp_btf"

# -T and -q, as libbpf-tools and rtla spell them (#17): timestamps on
# every interval's document; quiet: stdout gets the final document only,
# stderr nothing, while the interval files stay up to date
t0=$(date +%s)
"$QLAT" cmdq -T --json 1 3 >"$OUT/cmdq-T.json" 2>"$OUT/cmdq-T.err"
st=$?
t1=$(date +%s)
assert_eq "$st $(wc -l <"$OUT/cmdq-T.json")" "0 3" "-T --json 1 3: exit 0, 3 documents"
assert_eq "$(jq -sc '[.[].final]' "$OUT/cmdq-T.json")" "[false,false,true]" \
	"-T --json 1 3: two intervals, then the final document"
assert_eq "$(jq -s --argjson a "$t0" --argjson b "$((t1 + 1))" \
	'[.[].timestamp] | (all(. >= $a and . < $b)) and . == sort and (unique | length) == 3' \
	"$OUT/cmdq-T.json")" true "-T: each timestamp within the run ($t0..$t1 s), rising"
out=$OUT/cmdq-q.json
if qlat_start "$out" cmdq -q -T --json --json-file "$OUT/cmdq-q.file" -i 1; then
	i=0
	while [ ! -e "$OUT/cmdq-q.file" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	assert_eq "$(jq -r .final "$OUT/cmdq-q.file" 2>&1)" false \
		"-q -i 1: the interval's document in --json-file"
	assert_eq "$(wc -c <"$out")" 0 "-q -i 1: no interval document on stdout"
	qlat_stop
	assert_eq "$? $(wc -l <"$out") $(wc -c <"$out.err")" "0 1 0" \
		"-q: exit 0, one document on stdout, nothing on stderr"
	assert_eq "$(jq -r .final "$out")" true "-q: the document on stdout is the final one"
	# the same snapshot; elapsed_s is taken as each one is written
	assert_eq "$(jq -c 'del(.elapsed_s)' "$OUT/cmdq-q.file" | cksum)" \
		"$(jq -c 'del(.elapsed_s)' "$out" | cksum)" \
		"-q: --json-file holds that final document too"
else
	ok 1 "-q: qlat attached"
fi

unload_mod cmdq_helper
ok $? "rmmod cmdq_helper"
tap_done
