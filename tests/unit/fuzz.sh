#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short libFuzzer run of qlat gate's JSON input side (tests/fuzz/
# fuzz_gate_json.c) in `make check`'s unit phase, as TAP. The corpus is kept
# in build/fuzz/gate_json between runs and is seeded with the unit tests'
# fixtures. Crash inputs are left in build/fuzz/ (crash-*, leak-*, ...).
#
# Env: QLAT_FUZZ_SECONDS (default 25)
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=build/tests/fuzz_gate_json
secs=${QLAT_FUZZ_SECONDS:-25}
dir=build/fuzz
corpus=$dir/gate_json
log=$dir/fuzz_gate_json.log

echo "1..1"
if [ ! -x "$bin" ]; then
	echo "ok 1 - fuzz: qlat gate JSON # SKIP $bin not built (clang with libFuzzer: make deps)"
	exit 0
fi
mkdir -p "$corpus" "$dir/seeds"
build/tests/test_gate --fixtures "$dir/seeds" || exit 1
cp "$dir"/seeds/*.json "$corpus"/
timeout $((secs + 120)) "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-dict=tests/fuzz/gate_json.dict -print_final_stats=1 -artifact_prefix="$dir/" \
	"$corpus" >"$log" 2>&1
st=$?
execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
inputs=$(find "$corpus" -type f | wc -l)
if [ "$st" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
	echo "ok 1 - fuzz: 0 crashes over $execs execs (${secs} s, corpus $inputs inputs)"
	exit 0
fi
echo "not ok 1 - fuzz: libFuzzer exited with status $st after ${execs:-?} execs (log: $log)"
grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -20 | sed 's/^/# /'
exit 1
