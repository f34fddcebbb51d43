#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/bpf-vlog (tests/bench/bpf-vlog.c) in a real guest, as TAP. With
# cmdq_helper.ko loaded, `bpf-vlog build/cmdqlat.bpf.o eoc_btf flush_btf`
# must print each of the two programs' verifier statistics, and the
# instructions it says the verifier processed must be what the kernel
# reports (bpf-jit's "verified") for the same programs loaded by
# `qlat cmdq`: the figure the man pages quote is the tool's own. -l 2 logs
# instructions; a name the object lacks and a kernel without the attach
# target (no module) exit 1.
#
# Usage: tests/harness/test_bpfvlog.sh
# Env:   QLAT_KDIR, VMTEST_ARGS (tests/harness/lib.sh)

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

echo "1..7"
O=$T/out
mkdir -p "$O"
# shellcheck disable=SC2016 # expanded in the guest
vm vlog -m 512M -o "$O" -e "REPO=$REPO" -- sh -c '
B=$REPO/build
"$B/bpf-vlog" "$B/cmdqlat.bpf.o" eoc_btf >/dev/null 2>"$QLAT_OUT/nomod.err"
echo $? >"$QLAT_OUT/nomod.rc"
insmod "$B/kmod/$(uname -r)/cmdq/cmdq_helper.ko" || exit 1
"$B/bpf-vlog" "$B/cmdqlat.bpf.o" eoc_btf flush_btf >"$QLAT_OUT/stats" || exit 1
"$B/bpf-vlog" -l 2 "$B/cmdqlat.bpf.o" flush_btf >"$QLAT_OUT/full" || exit 1
"$B/bpf-vlog" "$B/cmdqlat.bpf.o" no_such_prog >/dev/null 2>"$QLAT_OUT/none.err"
echo $? >"$QLAT_OUT/none.rc"
"$B/qlat" cmdq --ready-file /tmp/ready >/dev/null 2>&1 & P=$!
while [ ! -e /tmp/ready ]; do kill -0 $P || exit 1; sleep 0.1; done
"$B/bpf-jit" eoc_btf flush_btf >"$QLAT_OUT/jit" || exit 1
kill -INT $P && wait $P
rmmod cmdq_helper'
expect_rc vlog 0 "cmdq_helper loaded, bpf-vlog and qlat cmdq run: exit 0"

# "# NAME" then the stats lines, per program
stat_of() { # PROG: "time insns" from the stats output
	awk -v p="# $1" '$0 == p { on = 1; next } /^# / { on = 0 }
		on && /^verification time/ { t = $3 } on && /^processed/ { i = $2 }
		END { print t, i }' "$O/stats" 2>/dev/null
}
read -r eoc_t eoc_i <<<"$(stat_of eoc_btf)"
read -r fl_t fl_i <<<"$(stat_of flush_btf)"
ok "$([ "${eoc_t:-0}" -gt 0 ] && [ "${eoc_i:-0}" -gt 0 ] && [ "${fl_t:-0}" -gt 0 ] &&
	[ "${fl_i:-0}" -gt 0 ]; echo $?)" \
	"stats of both programs: eoc_btf ${eoc_t:-?} us ${eoc_i:-?} insns, flush_btf ${fl_t:-?} us ${fl_i:-?} insns"
diag "$O/stats"

jit_eoc=$(awk '$1 == "eoc_btf" { print $NF }' "$O/jit" 2>/dev/null)
jit_fl=$(awk '$1 == "flush_btf" { print $NF }' "$O/jit" 2>/dev/null)
ok "$([ -n "$jit_eoc" ] && [ "$jit_eoc" = "${eoc_i:-}" ] && [ "$jit_fl" = "${fl_i:-}" ]; echo $?)" \
	"processed = verified of qlat cmdq's programs: eoc_btf ${eoc_i:-?} vs ${jit_eoc:-?}, flush_btf ${fl_i:-?} vs ${jit_fl:-?}"
diag "$O/jit"

# -l 2: the instructions walked, and the same count processed
walked=$(grep -cE '^[0-9]+: \([0-9a-f]{2}\)' "$O/full" 2>/dev/null)
full_i=$(awk '/^processed/ { print $2 }' "$O/full" 2>/dev/null)
ok "$([ "${walked:-0}" -gt 0 ] && [ "${full_i:-}" = "${fl_i:-}" ]; echo $?)" \
	"-l 2 logs the instructions (${walked:-0} lines) and processes as many: ${full_i:-?} vs ${fl_i:-?}"

ok "$([ "$(cat "$O/none.rc" 2>/dev/null)" = 1 ] &&
	grep -q '0 of the 1 programs named found' "$O/none.err"; echo $?)" \
	"a name the object lacks: exit $(cat "$O/none.rc" 2>/dev/null), says: $(cat "$O/none.err" 2>/dev/null)"
ok "$([ "$(cat "$O/nomod.rc" 2>/dev/null)" = 1 ]; echo $?)" \
	"no cmdq_helper (no attach target): exit $(cat "$O/nomod.rc" 2>/dev/null), want 1"
grep -q '^bpf-vlog: load:' "$O/nomod.err" 2>/dev/null
ok $? "and says the load failed"
echo "# $failed of $n failed"
[ "$failed" = 0 ]
