#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Robustness: 12,000 random submissions (CMDQ_FUZZ_N per seed, 6000)
# through /dev/cmdq (cmdqctl fuzz):
# op lists and raw instruction streams (~48 % each) and malformed
# submissions (~4 %). Each either completes or gets a clear errno (no
# unexpected one), each op list is accepted or rejected exactly as the
# reference encoder predicts and encodes to the same words, and the
# drivers' counters add up to the fuzzer's totals. No splat (vmtest.sh
# fails the run on any).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

N=${CMDQ_FUZZ_N:-6000}	# per seed; two seeds: 12,000 submissions

cmdq_load
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"
# keep hung and looping packets short: POLL fails after 2 ms, loops after
# 20000 instructions; the fuzzer's sync flushes time out after 10 ms
echo 2000 >"$GS/poll_timeout_us" && echo 20000 >"$GS/inst_limit"
ok $? "gce_sim: poll_timeout_us 2000, inst_limit 20000"

exec 3<>/dev/cmdq
assert_eq "$("$C" -f 3 bind 12)" ok "bind GCE thread 12"
# the module is pinned by the open file, and only by it, whatever the
# fuzz's unbind/rebind of timed-out packets does
assert_eq "$(cat /sys/module/cmdq_dev/refcnt)" 1 "cmdq_dev refcnt: the one open file"
snap f0
out1=$("$C" -f 3 fuzz --seed 1 --count $N)
ok $? "fuzz seed 1: $N submissions, nothing unexpected"
out2=$("$C" -f 3 fuzz --seed 2 --count $N)
ok $? "fuzz seed 2: $N submissions, nothing unexpected"
snap f1
assert_eq "$(cat /sys/module/cmdq_dev/refcnt)" 1 "cmdq_dev refcnt after the fuzz: still the one open file"
exec 3>&-
assert_eq "$(cat /sys/module/cmdq_dev/refcnt)" 0 "cmdq_dev refcnt after close: 0"
snap f2
diag "seed 1: $(echo $out1)"
diag "seed 2: $(echo $out2)"

# tot NAME: sum of a fuzz_ total over both seeds
# shellcheck disable=SC2086
tot() { echo $(($(kv "$1" $out1) + $(kv "$1" $out2))); }

assert_eq "$(tot fuzz_total)" $((2 * N)) "fuzzed $((2 * N)) submissions"
[ $(($(tot fuzz_oplists) + $(tot fuzz_raw))) -ge $((2 * N * 5 / 6)) ]
ok $? "at least 5/6 of them random op lists and raw streams ($(($(tot fuzz_oplists) + $(tot fuzz_raw))))"
assert_eq "$(tot fuzz_unexpected)" 0 "every one completed or got a clear errno"
assert_eq "$(tot fuzz_mismatch)" 0 "op lists: acceptance, error index and words as the reference"
assert_eq "$(($(tot fuzz_oplists) + $(tot fuzz_raw) + $(tot fuzz_special)))" $((2 * N)) \
	"op lists + raw streams + bad submissions = total"
assert_eq "$(($(tot fuzz_flushed) + $(tot fuzz_rejected)))" $((2 * N)) \
	"flushed + rejected = total"
diag "op lists $(tot fuzz_oplists), raw $(tot fuzz_raw), bad $(tot fuzz_special), async $(tot fuzz_async)"
diag "ok $(tot fuzz_ok) enoexec $(tot fuzz_enoexec) etimedout $(tot fuzz_etimedout) einval $(tot fuzz_einval) e2big $(tot fuzz_e2big) efault $(tot fuzz_efault)"
for k in fuzz_ok fuzz_enoexec fuzz_einval fuzz_raw fuzz_async; do
	[ "$(tot $k)" -gt 0 ]
	ok $? "the fuzz exercised $k ($(tot $k))"
done

# /dev/cmdq's counters
assert_eq "$(d f0 f1 dev_submits)" $((2 * N)) "dev: submits == fuzz total"
assert_eq "$(d f0 f1 dev_submit_rejected)" "$(tot fuzz_rejected)" "dev: rejected == fuzz rejected"
assert_eq "$(d f0 f1 dev_sync_ok)" "$(tot fuzz_ok)" "dev: sync OK == fuzz OK"
assert_eq "$(d f0 f1 dev_sync_enoexec)" "$(tot fuzz_enoexec)" "dev: sync ENOEXEC == fuzz ENOEXEC"
assert_eq "$(d f0 f1 dev_sync_etimedout)" "$(tot fuzz_etimedout)" "dev: sync ETIMEDOUT == fuzz ETIMEDOUT"
assert_eq "$(d f0 f1 dev_sync_other) $(d f0 f1 dev_async_other)" "0 0" "dev: no other status"
assert_eq "$(d f0 f1 dev_async_ok) $(d f0 f1 dev_async_enoexec) $(d f0 f1 dev_async_econnaborted)" \
	"$(tot fuzz_async_ok) $(tot fuzz_async_enoexec) $(tot fuzz_async_econnaborted)" \
	"dev: async OK/ENOEXEC/ECONNABORTED == fuzz"
assert_eq "$(d f0 f1 dev_reaped)" "$(d f0 f1 dev_async_flushed)" "dev: every async packet reaped"
assert_eq "$(d f0 f1 dev_builds)" "$(tot fuzz_builds)" "dev: builds == fuzz reference checks"
# the helper's
flushed=$(tot fuzz_flushed)
assert_eq "$(($(d f0 f1 helper_flush_sync) + $(d f0 f1 helper_flush_async)))" "$flushed" \
	"helper: flushes == fuzz flushed"
assert_eq "$(d f0 f1 helper_cb_delivered)" "$flushed" "helper: one callback per flush"
assert_eq "$(d f0 f1 helper_cb_ok)" $(($(tot fuzz_ok) + $(tot fuzz_async_ok))) \
	"helper: OK callbacks == fuzz OK (sync + async)"
assert_eq "$(d f0 f1 helper_cb_enoexec)" $(($(tot fuzz_enoexec) + $(tot fuzz_async_enoexec))) \
	"helper: ENOEXEC callbacks == fuzz ENOEXEC"
assert_eq "$(d f0 f1 helper_cb_etimedout)" "$(tot fuzz_etimedout)" \
	"helper: ETIMEDOUT callbacks == fuzz ETIMEDOUT"
assert_eq "$(d f0 f1 helper_sync_timeouts)" "$(tot fuzz_etimedout)" "helper: sync timeouts == fuzz ETIMEDOUT"
# the model's (thread 12)
assert_eq "$(d f0 f1 thread12_submitted)" "$flushed" "model: thread 12 took every flushed packet"
assert_eq "$(d f0 f1 thread12_done)" $(($(tot fuzz_ok) + $(tot fuzz_async_ok))) \
	"model: EOC IRQs == OK"
assert_eq "$(d f0 f1 thread12_errors)" $(($(tot fuzz_enoexec) + $(tot fuzz_async_enoexec))) \
	"model: ERROR IRQs == ENOEXEC"
assert_eq "$(d f0 f1 thread12_aborted)" $(($(tot fuzz_etimedout) + $(tot fuzz_async_econnaborted))) \
	"model: aborted == ETIMEDOUT + ECONNABORTED"
assert_eq "$(v f1 thread12_chain_errors)" 0 "model: no chain errors"
# nothing left
assert_eq "$(v f2 helper_pkt_created)" "$(v f2 helper_pkt_destroyed)" "every packet destroyed"
assert_eq "$(v f2 helper_pkt_leaked) $(v f2 dev_tasks_live) $(v f2 thread12_queued)" "0 0 0" \
	"nothing leaked, nothing queued"
assert_eq "$(v f2 helper_clients)" 0 "no mailbox client left"
cmdq_unload
ok $? "unload"
tap_done
