#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The OpenMetrics text of `qlat cmdq --openmetrics-file` and `qlat zc
# --openmetrics-file` through Prometheus' own parsers (promtool, Debian's
# prometheus package), on the host, over files a VM run wrote (make check:
# tests/vm/50-gate.sh keeps them in build/test-logs/vm-icount-out/gate-*/).
# TAP. See docs/fleet.md.
#
#  - strict OpenMetrics: `promtool tsdb create-blocks-from openmetrics` is
#    the only promtool command that runs Prometheus' OpenMetrics parser
#    (the one a scrape uses for application/openmetrics-text): # EOF
#    required, # TYPE/# UNIT/# HELP checked, the unit must be a suffix of
#    the family name, label and value syntax. It backfills TSDB blocks, and
#    backfilling needs a timestamp on every sample, which a live exposition
#    leaves out: this script appends one (the same to every sample) and
#    changes nothing else. Every sample must land as a series of its own.
#  - negative controls: the same text without # EOF, and with a # UNIT that
#    does not match its family, must be rejected, so the parser is not
#    passing everything;
#  - Prometheus text format 0.0.4 (what node_exporter's textfile collector
#    reads): `promtool check metrics` must parse it (no exit 1). Its lint
#    (exit 3) names the OpenMetrics counters: in 0.0.4 a counter's samples
#    carry the family's name, so `qlat_x_total` samples after `# TYPE
#    qlat_x counter` become an untyped family of their own without HELP.
#    That one complaint is expected (docs/fleet.md); any other fails.
#  - `--prometheus-file` (*.prom next to each *.om): the 0.0.4 text of the
#    same snapshot, for that collector: `promtool check metrics` exits 0
#    with no complaint at all, counter families are named as their samples
#    (NAME_total), no # UNIT, no # EOF, and the samples are exactly those
#    of the OpenMetrics file.
#
# Usage: tests/fleet/promtool.sh DIR...   (every *.om and *.prom file below
# the DIRs)
set -u
. "$(dirname "$0")/../tap.sh"

if ! command -v promtool >/dev/null; then
	ok 1 "promtool is installed (Debian package prometheus; make deps)"
	tap_done
	exit 1
fi
diag "$(promtool --version 2>&1 | head -n 1)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# find_both EXT WHAT DIR...: the files *.EXT below the DIRs, in $found;
# there must be one of qlat cmdq and one of qlat zc
find_both() {
	local ext=$1 what=$2 f c=0 z=0
	shift 2
	mapfile -t found < <(find "$@" -name "*.$ext" -type f 2>/dev/null | sort)
	for f in "${found[@]}"; do
		grep -q '^# TYPE qlat_cmdq_' "$f" && c=1
		grep -q '^# TYPE qlat_zc_' "$f" && z=1
	done
	ok $((c == 1 && z == 1 ? 0 : 1)) \
		"$what files of both qlat cmdq and qlat zc found (${#found[@]} files under $*)"
}

find_both om OpenMetrics "$@"
files=("${found[@]}")

# stamp FILE: the exposition with a timestamp on every sample
stamp() { awk '/^#/ || !NF { print; next } { print $0 " 1700000000.000" }' "$1"; }

i=0
for f in "${files[@]}"; do
	i=$((i + 1))
	name=${f#"$PWD"/}
	stamp "$f" >"$tmp/in.om"
	samples=$(grep -vc '^#' "$f")
	if promtool tsdb create-blocks-from openmetrics "$tmp/in.om" "$tmp/db$i" \
		>"$tmp/out" 2>&1; then
		got=$(awk 'length($1) == 26 && $5 ~ /^[0-9]+$/ { s += $5 } END { print s + 0 }' "$tmp/out")
		[ "$got" = "$samples" ]
		ok $? "$name: OpenMetrics parser accepts it; $got of $samples samples stored as series"
	else
		sed 's/^/#   /' "$tmp/out"
		ok 1 "$name: OpenMetrics parser accepts it"
	fi
	promtool check metrics <"$f" >"$tmp/lint" 2>&1
	st=$?
	other=$(grep -v '_total no help text$' "$tmp/lint")
	[ $st -ne 1 ] && [ -z "$other" ]
	ok $? "$name: text-format parser (check metrics) accepts it (exit $st; lint: $(grep -c . "$tmp/lint") '_total no help text')"
	[ -n "$other" ] && echo "$other" | sed 's/^/#   /'
done

# the Prometheus text format files, each against its OpenMetrics sibling
find_both prom "Prometheus text" "$@"
for f in "${found[@]}"; do
	name=${f#"$PWD"/}
	promtool check metrics <"$f" >"$tmp/lint" 2>&1
	st=$?
	[ $st -eq 0 ] && [ ! -s "$tmp/lint" ]
	ok $? "$name: check metrics: exit $st, $(grep -c . "$tmp/lint") complaints"
	sed 's/^/#   /' "$tmp/lint"
	eof=$(grep -cE '^# (EOF|UNIT)' "$f")
	nc=$(grep -cE '^# TYPE [a-z0-9_]+ counter$' "$f")
	badc=$(grep -E '^# TYPE [a-z0-9_]+ counter$' "$f" | grep -vc '_total counter$')
	assert_eq "$eof/$badc" 0/0 \
		"$name: no # EOF or # UNIT; all $nc counter families named NAME_total"
	om=${f%.prom}.om
	if [ -f "$om" ]; then
		cmp -s <(grep -v '^#' "$f") <(grep -v '^#' "$om")
		ok $? "$name: the same $(grep -vc '^#' "$f") samples as ${om##*/}"
	else
		ok 1 "$name: an OpenMetrics sibling ${om##*/}"
	fi
done

# negative controls on the first file of each kind
for kind in cmdq zc; do
	for f in "${files[@]}"; do grep -q "^# TYPE qlat_${kind}_" "$f" && break; done
	[ -n "${f:-}" ] || continue
	stamp "$f" | grep -v '^# EOF$' >"$tmp/noeof.om"
	! promtool tsdb create-blocks-from openmetrics "$tmp/noeof.om" "$tmp/neg1$kind" >/dev/null 2>&1
	ok $? "$kind: control: without # EOF the OpenMetrics parser rejects it"
	stamp "$f" | sed '0,/^# UNIT \([a-z_]*\) seconds$/s//# UNIT \1 bytes/' >"$tmp/badunit.om"
	if cmp -s "$tmp/badunit.om" <(stamp "$f"); then
		ok 1 "$kind: control: a # UNIT line to corrupt"
	else
		! promtool tsdb create-blocks-from openmetrics "$tmp/badunit.om" "$tmp/neg2$kind" >/dev/null 2>&1
		ok $? "$kind: control: a # UNIT that is not a suffix of its family is rejected"
	fi
done
# the PromQL of docs/fleet.md, as recording rules
doc=$(dirname "$0")/../../docs/fleet.md
awk 'BEGIN { print "groups:\n  - name: fleet_md\n    rules:" }
	/^```promql$/ { inb = 1; k++; printf "      - record: fleet_md:expr%d\n        expr: |\n", k; next }
	/^```$/ { inb = 0; next }
	inb && NF { print "          " $0 }
	END { if (!k) exit 1 }' "$doc" >"$tmp/rules.yml"
nq=$(grep -c 'record:' "$tmp/rules.yml")
promtool check rules "$tmp/rules.yml" >"$tmp/rules.out" 2>&1
st=$?
[ $st -ne 0 ] && sed 's/^/#   /' "$tmp/rules.out"
ok $st "docs/fleet.md: its $nq PromQL expressions parse (promtool check rules)"
tap_done
