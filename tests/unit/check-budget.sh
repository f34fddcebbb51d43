#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check's time budget (tests/check.sh, docs/kernels.md "Time
# budget"), as TAP: a VM job predicted to end past QLAT_CHECK_BUDGET is
# not started but reported as a skip that states its prediction, and the
# run still counts it. Runs tests/check.sh's vm phase in a scratch log
# directory with a budget no job fits in, so no VM boots.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# 10 min into the run, a budget of 1,000 s: 6.1's job (820 s on the
# reference machine, speed 1 since no phase was measured) would end at
# 600 + 820 = 1,420 s
out=$(QLAT_CHECK_LOGS=$d QLAT_CHECK_PHASES=vm KERNELS=6.1 \
	QLAT_CHECK_T0=$(($(date +%s) - 600)) QLAT_CHECK_BUDGET=1000 tests/check.sh 2>&1)
assert_eq $? 0 "a run whose only job is over budget exits 0"
assert_eq "$(echo "$out" | grep -c '# SKIP not started')" 1 "one job reported as not started"
assert_eq "$(echo "$out" | grep -o 'predicted to end at.*budget of [0-9]* min')" \
	"predicted to end at 24 min (820 s x speed 1.00 from min 10), past the budget of 17 min" \
	"the skip states the prediction"
assert_eq "$(echo "$out" | grep -c 'vmtest.sh')" 0 "no VM was started"
assert_eq "$(echo "$out" | grep '^kernel 6.1:')" "kernel 6.1: 0 passed, 0 failed, 1 skipped" "the kernel's line counts the skip"
assert_eq "$(echo "$out" | tail -n 1)" "0 passed, 0 failed, 1 skipped" "the last line counts it"

tap_done
