#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# --thread: qlat cmdq's flush and callback programs bin every thread's
# events (a filter there would cost each event a load) and the tool shows
# the selected thread's histograms only; the EOC program filters in BPF
# (with --pipe: the filters gate the pipe histograms and the evidence too)
# and counts the others' EOCs in "filtered". Three qlat cmdq are attached
# at once while two load generators run on GCE threads 12 and 13: all
# threads (tp_btf), --thread 12 (tp_btf: the arguments in ctx[]) and
# --thread 12 --attach=tracepoint (the record's fields). All three see
# the same events, so the filtered runs' thread 12 histograms must equal
# the unfiltered run's, bucket for bucket, and hold no other thread.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

cmdq_load
ok $? "load the cmdq modules"
A=$OUT/thread-all.json T=$OUT/thread-12.json R=$OUT/thread-12-tp.json
qlat_start "$A" cmdq --json
ok $? "qlat cmdq attached"
pa=$QPID
qlat_start "$T" cmdq --json --thread 12
ok $? "qlat cmdq --thread 12 attached"
pt=$QPID
qlat_start "$R" cmdq --json --thread 12 --attach=tracepoint
ok $? "qlat cmdq --thread 12 --attach=tracepoint attached"
pr=$QPID
"$C" -t 12 load --duration-ms 1500 --depth 16 --ops 4 >"$OUT/thread-load12.out" &
l1=$!
"$C" -t 13 load --duration-ms 1500 --depth 16 --ops 4 >"$OUT/thread-load13.out" &
l2=$!
wait $l1 && wait $l2
ok $? "load generators on threads 12 and 13 ran 1.5 s"
kill -INT $pa $pt $pr
st=0
for p in $pa $pt $pr; do wait $p || st=$?; done
ok $st "the three qlat cmdq exit 0 on SIGINT"

# h FILE METRIC THREAD: that histogram, compact ("null" if none)
h() { jq -c --arg m "$2" --argjson t "$3" \
	'[.hists[] | select(.metric == $m and .thread == $t) | .hist][0]' "$1"; }
# keys FILE: the threads the thread-keyed histograms are shown for
keys() { jq -c '[.hists[] | select(.thread != null) | .thread] | unique' "$1"; }
n12=$(jq '[.hists[] | select(.metric == "flush_eoc" and .thread == 12) | .hist.count] | add // 0' "$A")
n13=$(jq '[.hists[] | select(.metric == "flush_eoc" and .thread == 13) | .hist.count] | add // 0' "$A")
[ "$n12" -gt 0 ] && [ "$n13" -gt 0 ]
ok $? "all threads: EOCs binned on thread 12 ($n12) and thread 13 ($n13)"
assert_eq "$(keys "$A")" "[12,13]" "all threads: histograms of threads 12 and 13"
assert_eq "$(jq '.dropped.flush + .dropped.eoc + .dropped.cb' "$A" "$T" | tr '\n' ' ')" "0 0 " \
	"tp_btf: no run dropped (nothing nests here): both saw every event"

assert_eq "$(keys "$T")" "[12]" "--thread 12: thread 12's histograms only"
for m in flush_eoc eoc_cb inst; do
	assert_eq "$(h "$T" $m 12)" "$(h "$A" $m 12)" \
		"--thread 12: $m of thread 12 == the unfiltered run's, bucket for bucket"
done
assert_eq "$(jq -c '[.events.flush, .events.eoc, .events.cb]' "$T")" \
	"$(jq -c '[.events.flush, .events.eoc, .events.cb]' "$A")" \
	"--thread 12: flush, eoc and cb counted for every thread, as unfiltered"
assert_eq "$(jq .events.filtered "$T")" "$n13" \
	"--thread 12: filtered == thread 13's EOCs ($n13)"

# the perf-event path skips a run inside another one on the CPU (an EOC
# in hardirq during the flush program), which 6.1 counts nowhere
assert_eq "$(keys "$R")" "[12]" "--thread 12, tracepoint: thread 12's histograms only"
if tp_drops_counted && [ "$(jq '.dropped.flush + .dropped.eoc + .dropped.cb' "$R")" = 0 ]; then
	for m in flush_eoc eoc_cb inst; do
		assert_eq "$(h "$R" $m 12)" "$(h "$A" $m 12)" \
			"--thread 12, tracepoint: $m of thread 12 == the unfiltered run's"
	done
	assert_eq "$(jq .events.filtered "$R")" "$n13" \
		"--thread 12, tracepoint: filtered == thread 13's EOCs ($n13)"
else
	r12=$(jq '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add // 0' "$R")
	[ "$r12" -le "$n12" ] && [ "$r12" -ge $((n12 * 9 / 10)) ] &&
		[ "$(jq .events.filtered "$R")" -le "$n13" ]
	ok $? "--thread 12, tracepoint: $r12 of thread 12's $n12 EOCs, $(jq .events.filtered "$R") of $n13 filtered (runs skipped uncounted or dropped)"
fi
cmdq_unload
ok $? "unload the cmdq modules"
tap_done
