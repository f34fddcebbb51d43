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
ok $? "load cmdq_helper, gce_sim, cmdq_dev"
assert_eq "$(stat -c %a /dev/cmdq)" 600 "/dev/cmdq is mode 0600"

# fd 3 on GCE thread 8, fd 4 on thread 9, held by this shell across commands
exec 3<>/dev/cmdq 4<>/dev/cmdq
A="$C -f 3"
Bq="$C -f 4"
assert_eq "$($A bind 8)" ok "fd 3 binds thread 8"
assert_eq "$($Bq bind 9)" ok "fd 4 binds thread 9"
assert_eq "$($A info | stat_of /dev/stdin thread)" 8 "INFO reports the binding"
snap "$OUT/x0.stats"

regs() { "$C" regs "$1" "${2:-1}" | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//'; }
R=0x14020100	# subsys 3, offset 0x100

# --- register writes ---
$A submit write:subsys=3,offset=0x100,value=0x11111111 write:subsys=3,offset=0x104,value=0x22222222 \
	write:subsys=3,offset=0x100,value=0x33333333 >/dev/null
ok $? "sync submit of three writes"
assert_eq "$(regs $R 2)" "0x33333333 0x22222222" "later write wins, others kept"
$A submit write_mask:subsys=3,offset=0x100,value=0xabcdef00,mask=0x0000ff00 \
	write_mask:subsys=3,offset=0x104,value=0x12345678,mask=0xffff0000 >/dev/null
assert_eq "$(regs $R 2)" "0x3333ef33 0x12342222" "write_mask changes only the masked bits"
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
assert_eq "$(awk '$1 ~ /^gpr[0-3]$/ { printf "%s ", $2 }' "$GS/gprs")" \
	"0x00000005 0x0000000c 0x000000c0 0x000000b4 " "GPR0..3 = 5, 12, 192, 180"

# --- POLL ---
assert_eq "$($A submit --timeout 500 poll:subsys=3,offset=0x104,value=0x12342222 \
	poll_mask:subsys=3,offset=0x100,value=0x0000ef00,mask=0x0000ff00 | cut -d' ' -f1-2)" \
	"status OK" "poll and poll_mask on matching registers pass"

# --- WFE blocks until another GCE thread sets the event, then clears it ---
t=$($A submit --async wfe:event=900 write:subsys=3,offset=0x200,value=0xa | awk '{ print $2 }')
ok $? "async WFE packet queued (ticket $t)"
sleep 0.1
assert_eq "$($A wait --timeout 0 "$t")" "error EAGAIN" "not complete while the event is clear"
assert_eq "$($A poll)" "pollin 0 pollout 1" "poll(): no POLLIN yet"
assert_eq "$(regs 0x14020200)" 0x00000000 "the write after the WFE has not run"
snap "$OUT/x1.stats"
assert_eq "$(stat_of "$OUT/x1.stats" thread8_state)" 2 "thread 8 is blocked in WFE"
assert_eq "$(stat_of "$OUT/x1.stats" thread8_wait_event)" 900 "... on event 900"
assert_eq "$($Bq submit set_event:event=900 | cut -d' ' -f1-2)" "status OK" \
	"thread 9 sets event 900"
assert_eq "$($A poll --timeout 1000)" "pollin 1 pollout 1" "poll(): POLLIN on completion"
assert_eq "$($A wait --timeout 1000 "$t" | cut -d' ' -f1-4)" "ticket $t status OK" \
	"the WFE packet completed"
assert_eq "$(regs 0x14020200)" 0x0000000a "then the write ran"
assert_eq "$($A event 900)" 0 "the WFE cleared event 900"

# the CPU sets the event
t=$($A submit --async wfe:event=901 write:subsys=3,offset=0x204,value=0xb | awk '{ print $2 }')
sleep 0.05
assert_eq "$($Bq event 901 1)" 1 "CPU sets event 901"
assert_eq "$($A wait --timeout 1000 "$t" | cut -d' ' -f3-4)" "status OK" "released by the CPU's set"
assert_eq "$(regs 0x14020204) $($A event 901)" "0x0000000b 0" "write ran, event cleared"

# a display pipe's EOF (mtk_crtc shape)
out=$($A submit --timeout 500 clear_event:event=53 wfe:event=53 write:subsys=3,offset=0x208,value=0xc)
assert_eq "$(echo "$out" | cut -d' ' -f1-2)" "status OK" "packet waiting for pipe 0's EOF completes"
snap "$OUT/x2.stats"
assert_eq "$(stat_of "$OUT/x2.stats" thread8_last_pipe)" 0 "the model saw pipe 0's EOF release it"
assert_eq "$(stat_of "$OUT/x2.stats" thread8_last_missed)" 0 "and it made its deadline"

# --- chaining keeps submission order ---
snap "$OUT/c0.stats"
t0=$($A submit --async wfe:event=902 | awk '{ print $2 }')
i=1
while [ $i -le 8 ]; do
	$A submit --async write:subsys=3,offset=0x300,value=$i \
		write:subsys=3,offset=$((0x300 + 4 * i)),value=$((i * 17)) >/dev/null || break
	i=$((i + 1))
done
ok $? "8 packets queued behind a blocked one"
$Bq submit set_event:event=902 >/dev/null
order=""
eocs=""
i=0
while [ $i -le 8 ]; do
	set -- $($A wait --timeout 2000)
	order="$order $2"
	[ "$4" = OK ] || order="$order($4)"
	eocs="$eocs ${10}"
	i=$((i + 1))
done
want=""
i=0
while [ $i -le 8 ]; do want="$want $((t0 + i))"; i=$((i + 1)); done
assert_eq "$order" "$want" "completions come back in submission order"
sorted=$(echo $eocs | tr ' ' '\n' | sort -n | tr '\n' ' ')
assert_eq "$sorted" "$(echo $eocs | tr ' ' '\n' | tr '\n' ' ')" "EOC times are increasing"
assert_eq "$(regs 0x14020300)" 0x00000008 "the last packet wrote last"
assert_eq "$(regs 0x14020304 8)" \
	"0x00000011 0x00000022 0x00000033 0x00000044 0x00000055 0x00000066 0x00000077 0x00000088" \
	"every chained packet ran"
snap "$OUT/c1.stats"
assert_eq "$(d "$OUT/c0.stats" "$OUT/c1.stats" thread8_chained)" 8 "the model chained 8 packets"
assert_eq "$(stat_of "$OUT/c1.stats" thread8_chain_errors)" 0 "no chain errors"

# --- a bad opcode gives -ENOEXEC and the next packet still runs ---
snap "$OUT/b0.stats"
tb=$($A submit --async --raw 0xdd00000000000000 | awk '{ print $2 }')
tg=$($A submit --async write:subsys=3,offset=0x400,value=0x5a | awk '{ print $2 }')
assert_eq "$($A wait --timeout 1000 "$tb" | cut -d' ' -f3-4)" "status ENOEXEC" \
	"bad opcode: ENOEXEC"
assert_eq "$($A wait --timeout 1000 "$tg" | cut -d' ' -f3-4)" "status OK" \
	"the packet chained behind it: OK"
assert_eq "$(regs 0x14020400)" 0x0000005a "and it wrote"
assert_eq "$($A submit --raw 0x0403040400000001 0xdd00000000000001 | cut -d' ' -f1-2)" \
	"status ENOEXEC" "sync: a bad opcode after a write: ENOEXEC"
assert_eq "$(regs 0x14020404)" 0x00000001 "the write before it ran"
assert_eq "$($A submit write:subsys=3,offset=0x408,value=2 | cut -d' ' -f1-2)" "status OK" \
	"the thread runs the next packet"
snap "$OUT/b1.stats"
assert_eq "$(d "$OUT/b0.stats" "$OUT/b1.stats" thread8_errors)" 2 "thread 8 counted 2 errors"
assert_eq "$(stat_of "$OUT/b1.stats" thread8_last_err)" 1 "the model's last error: bad opcode (1)"
assert_eq "$(stat_of "$OUT/b1.stats" thread8_last_status)" 0 "the last packet's status: 0"
assert_eq "$(d "$OUT/b0.stats" "$OUT/b1.stats" helper_cb_enoexec)" 2 "helper: 2 ENOEXEC callbacks"

# --- a sync flush that times out leaves the thread usable ---
assert_eq "$($A submit --timeout 30 wfe:event=905 | cut -d' ' -f1-2)" "status ETIMEDOUT" \
	"WFE on an event nobody sets: ETIMEDOUT"
assert_eq "$($A submit write:subsys=3,offset=0x40c,value=3 | cut -d' ' -f1-2)" "status OK" \
	"the next packet on the thread runs"

# --- unbind with pending packets: -ECONNABORTED ---
snap "$OUT/u0.stats"
exec 5<>/dev/cmdq
$C -f 5 bind 10 >/dev/null
for i in 1 2 3; do $C -f 5 submit --async wfe:event=903 >/dev/null; done
assert_eq "$($C -f 5 info | stat_of /dev/stdin pending)" 3 "3 packets pending on thread 10"
assert_eq "$($C -f 5 unbind)" ok "unbind"
st=""
for i in 1 2 3; do st="$st $($C -f 5 wait --timeout 0 | cut -d' ' -f4)"; done
assert_eq "$st" " ECONNABORTED ECONNABORTED ECONNABORTED" "each reaped with ECONNABORTED"
exec 5>&-
snap "$OUT/u1.stats"
assert_eq "$(d "$OUT/u0.stats" "$OUT/u1.stats" helper_cb_econnaborted)" 3 \
	"helper: 3 ECONNABORTED callbacks"
assert_eq "$(d "$OUT/u0.stats" "$OUT/u1.stats" thread10_aborted)" 3 "model: 3 aborted on thread 10"

# --- close with pending packets: aborted, freed ---
(
	exec 6<>/dev/cmdq
	$C -f 6 bind 11 >/dev/null
	$C -f 6 submit --async wfe:event=904 >/dev/null
	$C -f 6 submit --async write:subsys=3,offset=0x500,value=1 >/dev/null
)
snap "$OUT/u2.stats"
assert_eq "$(d "$OUT/u1.stats" "$OUT/u2.stats" dev_release_aborted)" 2 \
	"close() aborted its 2 pending packets"
assert_eq "$(stat_of "$OUT/u2.stats" dev_tasks_live)" 0 "no async packet left"
assert_eq "$(stat_of "$OUT/u2.stats" thread11_bound)" 0 "thread 11 is free again"

# --- the module is pinned while a file is open ---
rmmod cmdq_dev 2>/dev/null && rc=0 || rc=refused
assert_eq "$rc $(test -d /sys/module/cmdq_dev && echo loaded)" "refused loaded" \
	"rmmod cmdq_dev refused while /dev/cmdq is open"
exec 3>&- 4>&-
snap "$OUT/x9.stats"
assert_eq "$(stat_of "$OUT/x9.stats" helper_clients)" 0 "no mailbox client left"
assert_eq "$(stat_of "$OUT/x9.stats" helper_pkt_created)" \
	"$(stat_of "$OUT/x9.stats" helper_pkt_destroyed)" "every packet destroyed"
assert_eq "$(stat_of "$OUT/x9.stats" helper_pkt_leaked)" 0 "none leaked"
assert_eq "$(dsum "$OUT/x0.stats" "$OUT/x9.stats" '^thread[0-9]+_chain_errors$')" 0 \
	"model chain errors: 0"
cmdq_unload
ok $? "unload"
tap_done
