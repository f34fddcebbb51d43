#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /dev/cmdq execution on the GCE model: register values after write and
# write_mask sequences, LOGIC, POLL, WFE blocking until an event (set by
# another GCE thread, by the CPU, or by a pipe EOF) and clearing it,
# chaining keeping submission order, a bad opcode (-ENOEXEC) not stopping
# the next packet, timeouts, and unbind/close with pending packets
# (-ECONNABORTED, nothing leaked).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

cmdq_load
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"
assert_eq "$(stat -c %a /dev/cmdq)" 600 "/dev/cmdq is mode 0600"

# fd 3 on GCE thread 8, fd 4 on thread 9, held by this shell across commands
exec 3<>/dev/cmdq 4<>/dev/cmdq
A="$C -f 3"
Bq="$C -f 4"
assert_eq "$($A bind 8)" ok "fd 3 binds thread 8"
assert_eq "$($Bq bind 9)" ok "fd 4 binds thread 9"
# shellcheck disable=SC2046
assert_eq "$(kv thread $($A info))" 8 "INFO reports the binding"
snap x0

regs() { "$C" regs --values "$@"; }

# --- register writes ---
$A submit write:subsys=3,offset=0x100,value=0x11111111 write:subsys=3,offset=0x104,value=0x22222222 \
	write:subsys=3,offset=0x100,value=0x33333333 >/dev/null
ok $? "sync submit of three writes"
assert_eq "$(regs 0x14020100 2)" "0x33333333 0x22222222" "later write wins, others kept"
$A submit write_mask:subsys=3,offset=0x100,value=0xabcdef00,mask=0x0000ff00 \
	write_mask:subsys=3,offset=0x104,value=0x12345678,mask=0xffff0000 >/dev/null
assert_eq "$(regs 0x14020100 2)" "0x3333ef33 0x12342222" "write_mask changes only the masked bits"
$A submit write_mask:subsys=3,offset=0x108,value=0xffffffff,mask=0x0f0f0f0f \
	write:subsys=3,offset=0x10c,value=0xffffffff \
	write_mask:subsys=3,offset=0x10c,value=0,mask=0x000000f0 >/dev/null
assert_eq "$(regs 0x14020108 2)" "0x0f0f0f0f 0xffffff0f" \
	"masked writes after a plain write in one packet"
$A submit write:subsys=1,base=0x1400f000,offset=0xffc,value=7 >/dev/null
assert_eq "$(regs 0x1400fffc)" 0x00000007 "write through a base inside the window"

# --- LOGIC on the global GPRs ---
$A submit assign:reg=0x20,value=5 logic:reg=0x21,lop=add,left=0x20,lreg=1,right=7 \
	logic:reg=0x22,lop=shl,left=0x21,lreg=1,right=4 \
	logic:reg=0x23,lop=sub,left=0x22,lreg=1,right=0x21,rreg=1 >/dev/null
gprs=""
while read -r n val; do
	case $n in gpr[0-3]) gprs="$gprs $val" ;; esac
done <"$GS/gprs"
assert_eq "$gprs" " 0x00000005 0x0000000c 0x000000c0 0x000000b4" "GPR0..3 = 5, 12, 192, 180"

# --- POLL ---
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --timeout 500 poll:subsys=3,offset=0x104,value=0x12342222 \
	poll_mask:subsys=3,offset=0x100,value=0x0000ef00,mask=0x0000ff00))" \
	"status OK" "poll and poll_mask on matching registers pass"

# --- WFE blocks until another GCE thread sets the event, then clears it ---
# shellcheck disable=SC2046
t=$(kv ticket $($A submit --async wfe:event=900 write:subsys=3,offset=0x200,value=0xa))
assert_eq "$t" 1 "async WFE packet queued"
sleep 0.1
assert_eq "$($A wait --timeout 0 "$t")" "error EAGAIN" "not complete while the event is clear"
assert_eq "$($A poll)" "pollin 0 pollout 1" "poll(): no POLLIN yet"
assert_eq "$(regs 0x14020200)" 0x00000000 "the write after the WFE has not run"
snap x1
assert_eq "$(v x1 thread8_state)" 2 "thread 8 is blocked in WFE"
assert_eq "$(v x1 thread8_wait_event)" 900 "... on event 900"
# shellcheck disable=SC2046
assert_eq "$(w2 $($Bq submit set_event:event=900))" "status OK" "thread 9 sets event 900"
assert_eq "$($A poll --timeout 1000)" "pollin 1 pollout 1" "poll(): POLLIN on completion"
# shellcheck disable=SC2046
set -- $($A wait --timeout 1000 "$t")
assert_eq "$1 $2 $3 $4" "ticket $t status OK" "the WFE packet completed"
assert_eq "$(regs 0x14020200)" 0x0000000a "then the write ran"
assert_eq "$($A event 900)" 0 "the WFE cleared event 900"

# the CPU sets the event
# shellcheck disable=SC2046
t=$(kv ticket $($A submit --async wfe:event=901 write:subsys=3,offset=0x204,value=0xb))
sleep 0.05
$Bq event 901 1 >/dev/null
ok $? "CPU sets event 901 (the waiter may consume it before the read-back)"
# shellcheck disable=SC2046
assert_eq "$(kv status $($A wait --timeout 1000 "$t"))" OK "released by the CPU's set"
assert_eq "$(regs 0x14020204) $($A event 901)" "0x0000000b 0" "write ran, event cleared"

# a display pipe's EOF (mtk_crtc shape)
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --timeout 500 clear_event:event=53 wfe:event=53 \
	write:subsys=3,offset=0x208,value=0xc))" "status OK" \
	"packet waiting for pipe 0's EOF completes"
snap x2
assert_eq "$(v x2 thread8_last_pipe)" 0 "the model saw pipe 0's EOF release it"

# --- chaining keeps submission order ---
snap c0
# shellcheck disable=SC2046
t0=$(kv ticket $($A submit --async wfe:event=902))
i=1
while [ $i -le 8 ]; do
	$A submit --async write:subsys=3,offset=0x300,value=$i \
		write:subsys=3,offset=$((0x300 + 4 * i)),value=$((i * 17)) >/dev/null || break
	i=$((i + 1))
done
assert_eq "$i" 9 "8 packets queued behind a blocked one"
$Bq submit set_event:event=902 >/dev/null
order=""
want=""
prev=0
mono=yes
i=0
while [ $i -le 8 ]; do
	# ticket T status S pkt ID flush_ns F eoc_ns E
	# shellcheck disable=SC2046
	set -- $($A wait --timeout 2000)
	order="$order $2"
	[ "$4" = OK ] || order="$order($4)"
	[ "${10}" -gt "$prev" ] || mono=no
	prev=${10}
	want="$want $((t0 + i))"
	i=$((i + 1))
done
assert_eq "$order" "$want" "completions come back in submission order"
assert_eq "$mono" yes "EOC times are increasing"
assert_eq "$(regs 0x14020300)" 0x00000008 "the last packet wrote last"
assert_eq "$(regs 0x14020304 8)" \
	"0x00000011 0x00000022 0x00000033 0x00000044 0x00000055 0x00000066 0x00000077 0x00000088" \
	"every chained packet ran"
snap c1
assert_eq "$(d c0 c1 thread8_chained)" 8 "the model chained 8 packets"
assert_eq "$(v c1 thread8_chain_errors)" 0 "no chain errors"

# --- a bad opcode gives -ENOEXEC and the next packet still runs ---
snap b0
# shellcheck disable=SC2046
tb=$(kv ticket $($A submit --async --raw 0xdd00000000000000))
# shellcheck disable=SC2046
tg=$(kv ticket $($A submit --async write:subsys=3,offset=0x400,value=0x5a))
# shellcheck disable=SC2046
assert_eq "$(kv status $($A wait --timeout 1000 "$tb"))" ENOEXEC "bad opcode: ENOEXEC"
# shellcheck disable=SC2046
assert_eq "$(kv status $($A wait --timeout 1000 "$tg"))" OK "the packet chained behind it: OK"
assert_eq "$(regs 0x14020400)" 0x0000005a "and it wrote"
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --raw 0x0403040400000001 0xdd00000000000001))" "status ENOEXEC" \
	"sync: a bad opcode after a write: ENOEXEC"
assert_eq "$(regs 0x14020404)" 0x00000001 "the write before it ran"
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit write:subsys=3,offset=0x408,value=2))" "status OK" \
	"the thread runs the next packet"
snap b1
assert_eq "$(d b0 b1 thread8_errors)" 2 "thread 8 counted 2 errors"
assert_eq "$(v b1 thread8_last_err)" 1 "the model's last error: bad opcode (1)"
assert_eq "$(v b1 thread8_last_status)" 0 "the last packet's status: 0"
assert_eq "$(d b0 b1 helper_cb_enoexec)" 2 "helper: 2 ENOEXEC callbacks"

# --- an EOC before the end raises the IRQ and the thread runs on ---
# (the hardware's IRQ handler completes a task only when the PC has
# reached its last instruction); raw words, already finalized
tmid() { sed -n "s/^thread8_eoc_mid //p" "$GS/threads"; }
m0=$(tmid)
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --raw 0x0403011000000001 0x4000000000000001 \
	0x0403011400000002 0x4000000000000001 0x1000000000000008))" "status OK" \
	"write, EOC, write, EOC, JUMP(PASS): one completion, OK"
assert_eq "$(regs 0x14020110 2)" "0x00000001 0x00000002" "the write after the first EOC ran"
snap e1
assert_eq "$(v e1 thread8_last_inst)" 4 "4 instructions executed (both EOCs)"
assert_eq "$(($(tmid) - m0))" 1 "one EOC IRQ raised mid-packet (eoc_mid)"
# a mid-packet EOC that only finalize's tail follows: still one completion
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --raw 0x4000000000000001 0x0403011800000003))" "status OK" \
	"EOC, write (+ EOC, JUMP appended): OK"
assert_eq "$(regs 0x14020118)" 0x00000003 "the write after the EOC ran"
assert_eq "$(($(tmid) - m0))" 2 "eoc_mid counted it"

# --- a sync flush that times out leaves the thread usable ---
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit --timeout 30 wfe:event=905))" "status ETIMEDOUT" \
	"WFE on an event nobody sets: ETIMEDOUT"
# shellcheck disable=SC2046
assert_eq "$(w2 $($A submit write:subsys=3,offset=0x40c,value=3))" "status OK" \
	"the next packet on the thread runs"

# --- unbind with pending packets: -ECONNABORTED ---
snap u0
exec 5<>/dev/cmdq
$C -f 5 bind 10 >/dev/null
for i in 1 2 3; do $C -f 5 submit --async wfe:event=903 >/dev/null; done
# shellcheck disable=SC2046
assert_eq "$(kv pending $($C -f 5 info))" 3 "3 packets pending on thread 10"
assert_eq "$($C -f 5 unbind)" ok "unbind"
st=""
# shellcheck disable=SC2046
for i in 1 2 3; do st="$st $(kv status $($C -f 5 wait --timeout 0))"; done
assert_eq "$st" " ECONNABORTED ECONNABORTED ECONNABORTED" "each reaped with ECONNABORTED"
exec 5>&-
snap u1
assert_eq "$(d u0 u1 helper_cb_econnaborted)" 3 "helper: 3 ECONNABORTED callbacks"
assert_eq "$(d u0 u1 thread10_aborted)" 3 "model: 3 aborted on thread 10"

# --- close with pending packets: aborted, freed ---
(
	exec 6<>/dev/cmdq
	$C -f 6 bind 11 >/dev/null
	$C -f 6 submit --async wfe:event=904 >/dev/null
	$C -f 6 submit --async write:subsys=3,offset=0x500,value=1 >/dev/null
)
snap u2
assert_eq "$(d u1 u2 dev_release_aborted)" 2 "close() aborted its 2 pending packets"
assert_eq "$(v u2 dev_tasks_live)" 0 "no async packet left"
assert_eq "$(v u2 thread11_bound)" 0 "thread 11 is free again"

# --- a fatal signal during a blocked synchronous flush ---
# The packet waits for an event nobody sets, under a 10 s timeout; SIGKILL
# must end the wait at once (it was uninterruptible: the kill waited for
# the timeout), with the packet aborted once and freed.
uptime_cs() { read -r _u _ </proc/uptime; _s=${_u%.*}; _c=${_u#*.}; echo $((_s * 100 + ${_c#0})); }
snap k0
"$C" -t 13 submit --timeout 10000 wfe:event=1000 >/dev/null 2>&1 &
sp=$!
_i=0
while snap kw && [ "$(v kw thread13_queued)" != 1 ] && [ $_i -lt 100 ]; do _i=$((_i + 1)); done
t0=$(uptime_cs)
kill -KILL $sp
wait $sp
t1=$(uptime_cs)
snap k1
[ $((t1 - t0)) -lt 300 ]
ok $? "SIGKILL during a sync flush: the submitter is gone in $(((t1 - t0) * 10)) ms (timeout 10 s)"
assert_eq "$(d k0 k1 thread13_submitted)/$(d k0 k1 thread13_aborted)/$(d k0 k1 thread13_done)" 1/1/0 \
	"the packet reached the GCE and was aborted once (submitted/aborted/done)"
assert_eq "$(d k0 k1 helper_cb_delivered)/$(d k0 k1 helper_pkt_destroyed)" 1/1 \
	"its completion delivered once, the packet destroyed"
assert_eq "$(v k1 thread13_queued)/$(v k1 thread13_bound)/$(v k1 dev_tasks_live)" 0/0/0 \
	"thread 13 idle and unbound, no task left"

# --- the module is pinned while a file is open ---
rmmod cmdq_dev 2>/dev/null && rc=unloaded || rc=refused
assert_eq "$rc $(test -d /sys/module/cmdq_dev && echo loaded)" "refused loaded" \
	"rmmod cmdq_dev refused while /dev/cmdq is open"
exec 3>&- 4>&-
snap x9
assert_eq "$(v x9 helper_clients)" 0 "no mailbox client left"
assert_eq "$(v x9 helper_pkt_created)" "$(v x9 helper_pkt_destroyed)" "every packet destroyed"
assert_eq "$(v x9 helper_pkt_leaked)" 0 "none leaked"
assert_eq "$(v x9 threads_chain_errors)" 0 "model chain errors: 0"
cmdq_unload
ok $? "unload"
tap_done
