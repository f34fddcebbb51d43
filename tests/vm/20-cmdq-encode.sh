#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /dev/cmdq encoding: op lists through CMDQ_IOC_BUILD, compared word for
# word with the seed's encoding ((op << 24 | subsys << 16 | offset) << 32 |
# arg_b). Expected words are written out here by hand, not computed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

cmdq_load
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"

# vec NAME "OPS" "WORDS": encoding of OPS without the EOC + JUMP tail
vec() {
	# shellcheck disable=SC2086 # OPS are separate words
	_got=$("$C" encode --no-finalize --oneline $2)
	assert_eq "$_got" "$3" "encode $1"
}

# the seed's examples
vec seed_write "write:subsys=1,offset=0x40,value=0x12345678" 0x0401004012345678
vec seed_wfe "wfe:event=11" 0x2000000b80008001
assert_eq "$("$C" encode --oneline write:subsys=1,offset=0x40,value=0x12345678)" \
	"0x0401004012345678 0x4000000000000001 0x1000000000000008" \
	"encode seed_finalize: EOC then JUMP(PASS)"

# WRITE
vec write_subsys2 "write:subsys=2,offset=0x100,value=0xabcd" 0x040201000000abcd
vec write_subsys3_last "write:subsys=3,offset=0xfffc,value=0xffffffff" 0x0403fffcffffffff
vec write_base "write:subsys=2,base=0x1401c000,offset=0x100,value=1" 0x0402c10000000001
vec write_zero "write:subsys=1,value=0" 0x0401000000000000
# WRITE_MASK: MASK(~mask) then WRITE(offset | 1); a full mask is a plain write
vec write_mask "write_mask:subsys=2,base=0x1401c000,offset=0x100,value=0xabcd,mask=0xff00ff00" \
	"0x0200000000ff00ff 0x0402c1010000abcd"
vec write_mask_full "write_mask:subsys=1,offset=0x44,value=1,mask=0xffffffff" 0x0401004400000001
vec write_mask_zero "write_mask:subsys=1,offset=0,value=0,mask=0" \
	"0x02000000ffffffff 0x0401000100000000"
vec write_mask_high "write_mask:subsys=3,offset=0x20,value=0x12345678,mask=0xffff0000" \
	"0x020000000000ffff 0x0403002112345678"
# POLL, POLL_MASK (a full mask keeps the MASK)
vec poll "poll:subsys=2,base=0x1401c000,offset=0x100,value=5" 0x0802c10000000005
vec poll_mask "poll_mask:subsys=2,base=0x1401c000,offset=0x104,value=0xf,mask=0xffff" \
	"0x02000000ffff0000 0x0802c1050000000f"
vec poll_mask_full "poll_mask:subsys=1,offset=0x10,value=7,mask=0xffffffff" \
	"0x0200000000000000 0x0801001100000007"
# events: WFE = wait + clear, CLEAR, SET, ACQUIRE (wait for 0, then set)
vec wfe_eof "wfe:event=53" 0x2000003580008001
vec wfe_0 "wfe:event=0" 0x2000000080008001
vec wfe_1023 "wfe:event=1023" 0x200003ff80008001
vec clear_event "clear_event:event=41" 0x2000002980000000
vec clear_underrun "clear_event:event=63" 0x2000003f80000000
vec set_event "set_event:event=41" 0x2000002980010000
vec set_event_1023 "set_event:event=1023" 0x200003ff80010000
vec acquire_event "acquire_event:event=41" 0x2000002980018000
# JUMP (relative, in bytes: unshifted, the seed's MT8173; CMDQ_SHIFT_PA 0)
vec jump_back "jump:value=-16" 0x10000000fffffff0
vec jump_fwd "jump:value=24" 0x1000000000000018
vec jump_pass "jump:value=8" 0x1000000000000008
# ASSIGN, LOGIC (sop | ARG_C_T 0x20 | SRC_T 0x40 | DST_T 0x80 in the subsys byte)
vec assign_gpr0 "assign:reg=0x20,value=0xdeadbeef" 0xa0800020deadbeef
vec assign_spr3 "assign:reg=3,value=0" 0xa080000300000000
vec logic_add "logic:reg=0x21,lop=add,left=0x20,lreg=1,right=5" 0xa0c1002100200005
vec logic_assign_reg "logic:reg=3,lop=assign,left=5,right=0x20,rreg=1" 0xa0a0000300050020
vec logic_sub_regs "logic:reg=0x2f,lop=sub,left=0x21,lreg=1,right=0x22,rreg=1" 0xa0e2002f00210022
vec logic_mul_imm "logic:reg=0,lop=mul,left=3,right=4" 0xa083000000030004
vec logic_xor "logic:reg=1,lop=xor,left=0x20,lreg=1,right=0xffff" 0xa0c800010020ffff
vec logic_not "logic:reg=2,lop=not,left=0x2a,lreg=1" 0xa0c90002002a0000
vec logic_or "logic:reg=0x20,lop=or,left=0x20,lreg=1,right=1" 0xa0ca002000200001
vec logic_and "logic:reg=0x20,lop=and,left=0x20,lreg=1,right=0xff" 0xa0cb0020002000ff
vec logic_shl "logic:reg=0x21,lop=shl,left=0x21,lreg=1,right=4" 0xa0cc002100210004
vec logic_shr "logic:reg=0x21,lop=shr,left=0x21,lreg=1,right=1,rreg=1" 0xa0ed002100210001
# a whole frame packet, shaped like mtk_crtc's
assert_eq "$("$C" encode --oneline clear_event:event=53 wfe:event=53 \
	write:subsys=1,offset=0x8000,value=0x1000)" \
	"0x2000003580000000 0x2000003580008001 0x0401800000001000 0x4000000000000001 0x1000000000000008" \
	"encode mtk_crtc-shaped frame packet"

# the helper's validation errnos come back, with the op's index
assert_eq "$("$C" encode write:subsys=1,offset=0x42)" "error EINVAL index 0" \
	"unaligned offset: EINVAL at op 0"
assert_eq "$("$C" encode wfe:event=1 write:subsys=2,offset=0x10000)" "error EINVAL index 1" \
	"offset past the window: EINVAL at op 1"
assert_eq "$("$C" encode set_event:event=1 wfe:event=2 wfe:event=1024)" "error EINVAL index 2" \
	"event 1024: EINVAL at op 2"
assert_eq "$("$C" encode write:subsys=3,base=0x14000000)" "error EINVAL index 0" \
	"base outside the subsys: EINVAL"
assert_eq "$("$C" encode jump:value=0)" "error EINVAL index 0" "jump 0: EINVAL"
assert_eq "$("$C" encode assign:reg=4)" "error EINVAL index 0" "assign to SPR4: EINVAL"
assert_eq "$("$C" encode logic:reg=0x20,lop=4,left=1,right=2)" "error EINVAL index 0" \
	"logic op 4: EINVAL"
assert_eq "$("$C" encode wfe:event=1,value=1)" "error EINVAL index 0" \
	"a field the op does not use: EINVAL"

# the words the kernel encodes are the words it executes: submit them raw
# shellcheck disable=SC2046 # one word per argument
"$C" -t 0 submit --raw $("$C" encode write_mask:subsys=3,offset=0x500,value=0xabcd1234,mask=0x00ffff00 \
	write:subsys=3,offset=0x504,value=0x5a5a5a5a) >/dev/null
ok $? "raw submit of the encoded words completes"
assert_eq "$("$C" regs --values 0x14020500 2)" \
	"0x00cd1200 0x5a5a5a5a" "registers after the raw copy of the encoded packet"

snap s
assert_eq "$(v s helper_pkt_leaked)" 0 "no packet leaked"
assert_eq "$(v s helper_pkt_created)" "$(v s helper_pkt_destroyed)" \
	"every packet created was destroyed"
cmdq_unload
ok $? "unload"
tap_done
