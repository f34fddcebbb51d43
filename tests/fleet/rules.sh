#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A fleet of two machines through Prometheus' own query engine (`promtool
# test rules`): the OpenMetrics text of one qlat cmdq that saw traffic and
# no deadline miss (A) and of one that saw nothing yet (B), both written by
# qlat in tests/vm/50-gate.sh. Every sample of each file becomes a series
# with an instance label, 0 at t=0 and the file's value at t=10m, and at
# 10m:
#  - docs/fleet.md's miss fraction per pipe is 0 on every pipe with packets
#    and no miss (it returned nothing while a machine without misses had
#    no qlat_cmdq_late_seconds series);
#  - `sum by (le)` of the flush->EOC buckets is the per-le sum of both
#    files and never falls as le grows;
#  - histogram_quantile(0.99) of that sum is what Prometheus' algorithm
#    (linear within the bucket) gives on those buckets, computed here.
# TAP. Usage: tests/fleet/rules.sh A.om B.om
set -u
. "$(dirname "$0")/../tap.sh"

A=$1 B=$2
if ! command -v promtool >/dev/null; then
	ok 1 "promtool is installed (Debian package prometheus; make deps)"
	tap_done
	exit 1
fi
for f in "$A" "$B"; do
	[ -s "$f" ] && grep -q '^# TYPE qlat_cmdq_' "$f"
	ok $? "qlat cmdq OpenMetrics: $f"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# series FILE INSTANCE: promtool input_series of every sample
series() {
	awk -v inst="$2" '!/^#/ && NF == 2 {
		n = $1
		if (index(n, "{"))
			sub(/\{/, "{instance=\"" inst "\",", n)
		else
			n = n "{instance=\"" inst "\"}"
		printf "      - series: '\''%s'\''\n        values: '\''0+0x9 %s'\''\n", n, $2
	}' "$1"
}

# le_sums: "le count" of the flush->EOC buckets summed over both files, in
# the order of the file (le ascending, +Inf last)
awk '/^qlat_cmdq_flush_eoc_seconds_bucket\{/ {
	match($1, /le="[^"]*"/)
	le = substr($1, RSTART + 4, RLENGTH - 5)
	if (!(le in sum)) order[n++] = le
	sum[le] += $2
} END { for (i = 0; i < n; i++) print order[i], sum[order[i]] }' "$A" "$B" >"$tmp/le"
nle=$(grep -c . "$tmp/le")
awk 'NR > 1 && $2 < prev { bad++ } { prev = $2 } END { exit bad > 0 }' "$tmp/le"
ok $? "sum by (le) of both files never falls as le grows ($nle buckets)"

# Prometheus' histogram_quantile on those buckets (promql/quantile.go):
# rank q * total, the first bucket whose cumulative count reaches it, linear
# between its lower and upper bound (the lowest bucket starts at 0; +Inf
# gives the last finite bound)
q99=$(awk -v q=0.99 '{ le[NR] = $1; c[NR] = $2 } END {
	total = c[NR]
	if (total == 0) { print "NaN"; exit }
	rank = q * total
	for (i = 1; i <= NR && c[i] < rank; i++) ;
	if (le[i] == "+Inf") { printf "%.17g\n", le[i - 1]; exit }
	lo = i == 1 ? 0 : le[i - 1]
	prev = i == 1 ? 0 : c[i - 1]
	printf "%.17g\n", lo + (le[i] - lo) * (rank - prev) / (c[i] - prev)
}' "$tmp/le")

# the pipes with packets (slack or late events) and no miss on either
# machine (the normal scenario misses nothing on a stock kernel)
pipes=$(awk '{ match($1, /pipe="[0-9]+"/); p = substr($1, RSTART + 6, RLENGTH - 7) }
/^qlat_cmdq_(slack|late)_seconds_count\{/ && $2 > 0 { pk[p] = 1 }
/^qlat_cmdq_deadline_misses_total\{/ && $2 > 0 { miss[p] = 1 }
END { for (k in pk) if (!(k in miss)) print k }' "$A" "$B" | sort -n)

{
	echo "rule_files: []"
	echo "evaluation_interval: 1m"
	echo "tests:"
	echo "  - interval: 1m"
	echo "    input_series:"
	series "$A" a
	series "$B" b
	echo "    promql_expr_test:"
	echo "      - expr: >-"
	echo "          (sum by (pipe) (rate(qlat_cmdq_deadline_misses_total[5m]))"
	echo "          / sum by (pipe) (rate(qlat_cmdq_slack_seconds_count[5m]) + rate(qlat_cmdq_late_seconds_count[5m])))"
	echo "          == 0"
	echo "        eval_time: 10m"
	echo "        exp_samples:"
	for p in $pipes; do
		echo "          - labels: '{pipe=\"$p\"}'"
		echo "            value: 0"
	done
	echo "      - expr: sum by (le) (qlat_cmdq_flush_eoc_seconds_bucket)"
	echo "        eval_time: 10m"
	echo "        exp_samples:"
	while read -r le n; do
		echo "          - labels: '{le=\"$le\"}'"
		echo "            value: $n"
	done <"$tmp/le"
	echo "      - expr: histogram_quantile(0.99, sum by (le) (qlat_cmdq_flush_eoc_seconds_bucket))"
	echo "        eval_time: 10m"
	echo "        exp_samples:"
	echo "          - labels: '{}'"
	echo "            value: $q99"
} >"$tmp/test.yml"

if [ -z "$pipes" ]; then
	skip "promtool test rules on the two-machine fleet" "every pipe with packets missed a deadline here"
	tap_done
	exit 0
fi
promtool test rules "$tmp/test.yml" >"$tmp/out" 2>&1
st=$?
sed 's/^/#   /' "$tmp/out" | head -n 40
ok $st "promtool test rules: miss fraction 0 on pipes $(echo $pipes), sum by (le) and histogram_quantile(0.99) = $q99 s on the two-machine fleet"
tap_done
