#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The layering of qlat's objects, from their symbol tables (nm), as TAP:
# dependencies run one way, qlat.o -> subcommands (cmdqlat, zclat, gate)
# -> libqlat.a's helpers -> hist.o. No two objects use each other's
# symbols, and no helper uses a symbol of qlat.o or of a subcommand.
# Needs a built tree (make tools).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
O=build/tools
LIB="trace_helpers cli evidence report openmetrics hist"
SUB="cmdqlat zclat gate gate_input gate_decide gate_render"
ALL="qlat $SUB $LIB"

for n in $ALL; do
	if [ ! -f "$O/$n.o" ]; then
		echo "1..0 # SKIP $O/$n.o not built (make tools)"
		exit 0
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in $ALL; do
	nm -g --defined-only "$O/$n.o" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/$n.def"
	nm -u "$O/$n.o" | awk '{ print $NF }' | sort -u >"$tmp/$n.use"
done
# uses A B: the symbols of B that A uses
uses() { comm -12 "$tmp/$1.use" "$tmp/$2.def"; }

# the pairs of objects that use each other's symbols
find_cycles() {
	local a b
	for a in $ALL; do
		for b in $ALL; do
			[[ "$a" < "$b" ]] || continue
			if [ -n "$(uses "$a" "$b")" ] && [ -n "$(uses "$b" "$a")" ]; then
				echo -n " $a<->$b ($(uses "$a" "$b" | head -n1), $(uses "$b" "$a" | head -n1))"
			fi
		done
	done
}

cycles=$(find_cycles)
ok "$([ -z "$cycles" ]; echo $?)" "no two objects use each other's symbols${cycles:+:$cycles}"

up=""
for l in $LIB; do
	for h in qlat $SUB; do
		s=$(uses "$l" "$h" | tr '\n' ' ')
		[ -z "$s" ] || up+=" $l->$h: $s"
	done
done
ok "$([ -z "$up" ]; echo $?)" "libqlat.a's helpers use nothing of qlat.o or a subcommand${up:+:$up}"

up=""
for s in $SUB; do
	x=$(uses "$s" qlat | tr '\n' ' ')
	[ -z "$x" ] || up+=" $s->qlat: $x"
done
ok "$([ -z "$up" ]; echo $?)" "the subcommands use nothing of qlat.o (usage and dispatch only)${up:+:$up}"

x=$(uses hist "trace_helpers" ; uses hist cli; uses hist evidence; uses hist report; uses hist openmetrics)
ok "$([ -z "$x" ]; echo $?)" "hist.o, the bottom layer, uses no other helper"

# the check itself: a planted cycle is found
printf 'qlat_planted\n' >>"$tmp/cli.def"
printf 'qlat_planted\n' >>"$tmp/trace_helpers.use"
sort -o "$tmp/cli.def" "$tmp/cli.def"
sort -o "$tmp/trace_helpers.use" "$tmp/trace_helpers.use"
cycles=$(find_cycles)
[ "$cycles" = " cli<->trace_helpers (qlat_parse_attach, qlat_planted)" ]
ok $? "control: trace_helpers made to use a symbol of cli is reported:$cycles"
tap_done
