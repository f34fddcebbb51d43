#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build/bpf-jit (tests/bench/bpf-jit.c) in a real guest, as TAP. With
# build/bpfempty's empty tp_btf programs attached to the five cmdq:*
# tracepoints, `bpf-jit -o DIR cmdq_` must list exactly those five, with
# the xlated and jited sizes bpftool reports for them, write each one's
# machine code (as many bytes as bpftool says, decoded by objdump to code
# that ends in a ret), and exit 1 for a name no program has.
#
# Usage: tests/harness/test_bpfjit.sh
# Env:   QLAT_KDIR, VMTEST_ARGS (tests/harness/lib.sh)

# shellcheck source=tests/harness/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"

echo "1..7"
O=$T/out
mkdir -p "$O"
# shellcheck disable=SC2016 # expanded in the guest
vm jit -m 512M -o "$O" -e "REPO=$REPO" -- sh -c '
insmod "$REPO/build/kmod/$(uname -r)/cmdq/cmdq_helper.ko" || exit 1
"$REPO/build/bpfempty" tp_btf /tmp/ready cmdq & P=$!
while [ ! -e /tmp/ready ]; do kill -0 $P || exit 1; sleep 0.1; done
"$REPO/build/bpf-jit" -o "$QLAT_OUT" cmdq_ >"$QLAT_OUT/list" || exit 1
bpftool prog show -j >"$QLAT_OUT/bpftool.json" || exit 1
"$REPO/build/bpf-jit" no_such_program_name >/dev/null 2>"$QLAT_OUT/none.err"
echo $? >"$QLAT_OUT/none.rc"
kill $P && wait $P
rmmod cmdq_helper'
expect_rc jit 0 "bpfempty on the five cmdq tracepoints, bpf-jit run: exit 0"

n_listed=$(wc -l <"$O/list" 2>/dev/null)
ok "$([ "$n_listed" = 5 ]; echo $?)" "bpf-jit cmdq_: $n_listed programs listed, want 5"
diag "$O/list"

# every line's sizes are bpftool's, and its image is that long
bad=0 rets=0
while read -r name _ id _ xl _ jit _ ver; do
	want=$(jq -r --argjson id "$id" '.[] | select(.id == $id) |
		"\(.bytes_xlated / 8) \(.bytes_jited)"' "$O/bpftool.json")
	[ "$want" = "$xl $jit" ] || { echo "# $name: bpf-jit $xl $jit, bpftool $want"; bad=$((bad + 1)); }
	size=$(stat -c %s "$O/$name.bin" 2>/dev/null)
	[ "$size" = "$jit" ] || { echo "# $name.bin: $size bytes, want $jit"; bad=$((bad + 1)); }
	[ "$ver" -gt 0 ] 2>/dev/null || { echo "# $name: verified $ver"; bad=$((bad + 1)); }
	# the last instruction before the JIT's int3 padding
	last=$(objdump -D -b binary -mi386:x86-64 "$O/$name.bin" |
		awk -F'\t' 'NF >= 3 && $3 !~ /^int3/ { l = $3 } END { print l }')
	case $last in ret*) rets=$((rets + 1)) ;; *) echo "# $name: last instruction '$last'" ;; esac
done <"$O/list"
ok "$([ "$bad" = 0 ] && [ "$n_listed" -gt 0 ]; echo $?)" \
	"each program's xlated and jited sizes are bpftool's, its image as long, verified > 0"
ok "$([ "$rets" = 5 ]; echo $?)" "objdump decodes each image to code ending in ret: $rets of 5"
grep -q 'cmdq_pkt_cb' "$O/list" 2>/dev/null
ok $? "the list names the programs (cmdq_pkt_cb_btf among them)"
ok "$([ "$(cat "$O/none.rc" 2>/dev/null)" = 1 ]; echo $?)" \
	"a pattern no program has: exit $(cat "$O/none.rc" 2>/dev/null), want 1"
grep -q 'no loaded program matches' "$O/none.err" 2>/dev/null
ok $? "and says so: $(cat "$O/none.err" 2>/dev/null)"
echo "# $failed of $n failed"
[ "$failed" = 0 ]
