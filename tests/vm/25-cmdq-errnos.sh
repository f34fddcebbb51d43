#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Robustness: bad ioctl input gets exact errnos (cmdqctl errnos feeds it),
# and unloading the modules under load is refused while they are in use
# and clean once they are not (no packet, client or thread left behind).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

cmdq_load
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"

out=$("$C" -t 13 errnos)
ok $? "cmdqctl errnos ran"
# name: expected result (errno name, OK, or a value)
n=0
while read -r name want; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	assert_eq "$(kv "$name" $out)" "$want" "$name"
	n=$((n + 1))
done <<'EOT'
unknown_ioctl ENOTTY
other_magic ENOTTY
submit_wrong_size ENOTTY
submit_wrong_dir ENOTTY
submit_arg_null EFAULT
submit_arg_bad EFAULT
stats_arg_null EFAULT
info_arg_null EFAULT
submit_count_0 EINVAL
submit_count_max_plus_1 E2BIG
submit_count_u32_max E2BIG
submit_data_null EFAULT
submit_data_kernel EFAULT
submit_flags_unknown EINVAL
submit_reserved EINVAL
submit_async_with_timeout EINVAL
submit_timeout_too_big EINVAL
submit_raw_count_0 EINVAL
submit_good OK
op_type_0 EINVAL
op_type_0_error_index 2
op_type_max_plus_1 EINVAL
op_reserved EINVAL
op_unused_event EINVAL
op_unused_mask EINVAL
op_unused_reg EINVAL
op_unused_flags EINVAL
op_subsys_0 EINVAL
op_subsys_4 EINVAL
op_offset_unaligned EINVAL
op_offset_window_end EINVAL
op_base_other_subsys EINVAL
op_base_unaligned EINVAL
op_event_1024 EINVAL
op_event_1023 OK
op_jump_0 EINVAL
op_jump_unaligned EINVAL
op_assign_spr4 EINVAL
op_assign_gpr16 EINVAL
op_logic_lop_4 EINVAL
op_logic_flags_4 EINVAL
op_logic_left_reg_5 EINVAL
raw_bad_opcode ENOEXEC
raw_bad_opcode_status ENOEXEC
after_bad_opcode OK
sync_timeout ETIMEDOUT
after_timeout OK
bind_taken EBUSY
bind_thread_16 EINVAL
bind_flags EINVAL
unbind_unbound ENOTCONN
bind_free OK
bind_again EISCONN
bind_arg_bad EFAULT
wait_unknown_ticket ENOENT
wait_nothing_pending ENOENT
wait_flags EINVAL
wait_timeout_too_big EINVAL
async_hang OK
wait_not_done EAGAIN
wait_timeout ETIMEDOUT
async_accepted 1024
async_ticket_limit EAGAIN
unbind_pending OK
wait_aborted OK
wait_aborted_status ECONNABORTED
aborted_reaped 1023
wait_after_reaping ENOENT
build_overflow EOVERFLOW
build_overflow_nwords 3
build_fits OK
build_flags EINVAL
build_reserved EINVAL
build_words_null EFAULT
build_count_big E2BIG
regs_good OK
regs_below EINVAL
regs_past_end EINVAL
regs_unaligned EINVAL
regs_count_0 EINVAL
regs_count_big E2BIG
regs_buf_null EFAULT
regs_flags EINVAL
event_1024 EINVAL
event_value_big EINVAL
event_flags EINVAL
event_reserved EINVAL
EOT
diag "$n errno checks"
snap e1
assert_eq "$(v e1 helper_pkt_created)" "$(v e1 helper_pkt_destroyed)" \
	"after the bad input: every packet destroyed"
assert_eq "$(v e1 dev_tasks_live) $(v e1 helper_clients)" "0 0" "no task, no client left"

# --- debugfs writes: one shared parser (cmdq_debugfs.h), exact errnos ---
# dbgw FILE STRING: OK, or the errno of writing STRING in one write()
dbgw() {
	_e=$(printf '%s' "$2" | dd of="$1" bs=1024 conv=notrunc 2>&1 >/dev/null) &&
		{ echo OK; return; }
	case "$_e" in
	*"Invalid argument"*) echo EINVAL ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*) echo "other: $_e" ;;
	esac
}
long=$(printf '%080d' 1)	# 80 bytes: one over what the parser takes
n=0
while read -r file want str; do
	assert_eq "$(dbgw "$file" "$str")" "$want" "debugfs write '$str' to ${file#"$DEBUGFS"/}"
	n=$((n + 1))
done <<EOT
$GS/regs EINVAL 1 2 3
$GS/regs EINVAL 0x10 zz
$GS/regs EINVAL 0x10 -1
$GS/events EINVAL 4294967296 1
$GS/hz EINVAL $long
$GS/hz EINVAL 9 60
$GS/fault EINVAL stall 0 10 5 7
$GS/fault EINVAL bogus 1
$GS/fault OK clear
$GS/inst_limit EINVAL 0
$GS/inst_limit EINVAL 1000001
$GS/inst_limit OK 1000000
$FR/fault EINVAL nonsense
$FR/fault EINVAL stall 9 1 1
$FR/fault EINVAL stall 0 0 1
$FR/fault OK clear
$FR/vblank_us EINVAL 1 2 3
$FR/writes EINVAL 0
$FR/writes EINVAL 16385
$FR/writes OK 16384
$FR/writes OK 16
EOT
diag "$n debugfs write checks"

# --- a loader killed with packets in flight ---
"$C" -t 14 load --depth 64 --ops 64 >/dev/null &
lp=$!
sleep 0.2
kill -KILL $lp
wait $lp 2>/dev/null
snap k1
assert_eq "$(v k1 dev_tasks_live) $(v k1 thread14_bound) $(v k1 thread14_queued)" "0 0 0" \
	"SIGKILL with packets in flight: all freed, thread 14 free"
assert_eq "$(v k1 helper_pkt_created)" "$(v k1 helper_pkt_destroyed)" "every packet destroyed"

# --- unload under load: refused while in use, clean afterwards ---
echo 0 >"$FR/frames" && echo 1 >"$FR/enable"
ok $? "frame client running (no frame limit)"
"$C" -t 14 load --depth 16 --ops 32 >"$OUT/load.out" &
lp=$!
sleep 0.2
for m in cmdq_dev cmdq_frame gce_sim cmdq_helper; do
	rmmod $m 2>/dev/null && rc=unloaded || rc=refused
	assert_eq "$rc $(test -d /sys/module/$m && echo loaded)" "refused loaded" \
		"rmmod $m under load is refused"
done
kill -TERM $lp
wait $lp
ok $? "the loader exits cleanly on SIGTERM"
# shellcheck disable=SC2046
set -- $(cat "$OUT/load.out")
diag "load: $*"
[ "$(kv load_submitted "$@")" -gt 0 ] && [ "$(kv load_errors "$@")" = 0 ]
ok $? "the loader got its packets through"
snap l1
assert_eq "$(v l1 dev_tasks_live) $(v l1 thread14_bound)" "0 0" "the loader's fd left nothing behind"

# --rate paces the submits: packet n no earlier than n / rate after the start
"$C" -t 14 load --rate 200 --depth 8 --ops 1 --duration-ms 1000 >"$OUT/rate.out"
ok $? "load --rate 200 for 1 s"
# shellcheck disable=SC2046
set -- $(cat "$OUT/rate.out")
diag "load --rate 200: $*"
_n=$(kv load_submitted "$@")
[ "$_n" -gt 0 ] && [ "$_n" -le 201 ]
ok $? "--rate 200 for 1 s: $_n packets submitted (1..201)"
assert_eq "$(($(kv load_reaped "$@") + $(kv load_inflight "$@")))/$(kv load_errors "$@")" "$_n/0" \
	"--rate: reaped + in flight == submitted, no errors"
assert_eq "$(v l1 frame_enabled)" 1 "the frame client is still running"

# the frame client does not pin its module: unloading stops it cleanly
rmmod cmdq_dev
ok $? "rmmod cmdq_dev with the frame client running"
read -r fr_enabled <"$FR/enable"
assert_eq "$fr_enabled" 1 "the frame client runs on without /dev/cmdq"
rmmod cmdq_frame
ok $? "rmmod cmdq_frame with the frame client running"
helper() { # NAME: a cmdq_helper counter, from its debugfs stats
	while read -r _n _v; do
		[ "$_n" = "$1" ] && echo "$_v"
	done <"$DEBUGFS/cmdq_helper/stats"
}
assert_eq "$(helper clients)" 0 "helper: no client left"
assert_eq "$(helper pkt_created)" "$(helper pkt_destroyed)" "helper: every packet destroyed"
assert_eq "$(helper pkt_leaked)" 0 "helper: none leaked"
q=""
while read -r _n _v; do
	case $_n in total_queued) q=$_v ;; esac
done <"$GS/threads"
assert_eq "$q" 0 "gce_sim: no packet queued on any thread"
rmmod gce_sim
ok $? "rmmod gce_sim"
# module parameters out of range: the load fails with EINVAL
for p in inst_limit=0 inst_limit=1000001 pipes=4 hz=241 batch=0; do
	_e=$(insmod "$KMOD/cmdq/gce_sim.ko" $p 2>&1) && rc=loaded || rc=refused
	case "$_e" in *"Invalid argument"*) rc="$rc EINVAL" ;; esac
	assert_eq "$rc$(test -d /sys/module/gce_sim && echo ', still loaded')" "refused EINVAL" \
		"insmod gce_sim $p"
	unload_mod gce_sim
done
rmmod cmdq_helper
ok $? "rmmod cmdq_helper"
tap_done
