#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The HTML report of `qlat gate` in headless Chromium, on the host, as TAP:
# the page loads without console errors, its DOM has one SVG per series
# with baseline and run bars, and a screenshot shows both histograms (pixel
# counts of the baseline and run colours). The report and the screenshot
# are kept in build/test-logs/gate-report.{html,png}.
#
# Env: CHROMIUM (default chromium)
set -u
cd "$(dirname "$0")/../.." || exit 1
CHROMIUM=${CHROMIUM:-chromium}
COL_BASE=1f77b4	# tools/gate_render.c COL_BASE / COL_RUN
COL_RUN=ff7f0e
MIN_PIXELS=2000
. tests/tap.sh

if ! command -v "$CHROMIUM" >/dev/null; then
	echo "ok 1 - gate report in Chromium # SKIP $CHROMIUM not installed (make deps)"
	echo "1..1"
	exit 0
fi
tmp=$(mktemp -d /tmp/qlat-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# `qlat gate` once the tool dispatches to it, else the same code through the test binary
if build/qlat gate --help >/dev/null 2>&1; then
	gate=(build/qlat gate)
else
	gate=(build/tests/test_gate --gate)
fi
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 "$@"
}

build/tests/test_gate --fixtures "$tmp" || exit 1
"${gate[@]}" --report "$tmp/report.html" "$tmp/base.json" "$tmp/p99.json" >"$tmp/table.txt"
st=$?
ok $((st != 2)) "${gate[*]} --report on a regressed p99 exits 2 (got $st)"
series=$(grep -c '<svg ' "$tmp/report.html")
ok $((series < 2)) "the report has $series histogram SVGs"
mkdir -p build/test-logs
cp "$tmp/report.html" build/test-logs/gate-report.html

chrome --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/dom.log"
st=$?
ok "$st" "chromium --dump-dom loads the page (status $st)"
dom_svgs=$(grep -o '<svg ' "$tmp/dom.html" | wc -l)
dom_base=$(grep -o 'class="bar-base"' "$tmp/dom.html" | wc -l)
dom_run=$(grep -o 'class="bar-run"' "$tmp/dom.html" | wc -l)
ok $((dom_svgs != series)) "the DOM has all $series SVG elements ($dom_svgs)"
ok $((dom_base == 0 || dom_run == 0)) "the DOM has baseline bars ($dom_base) and run bars ($dom_run)"
errs=$(grep -E 'CONSOLE|Uncaught|Failed to load|net::ERR_' "$tmp/dom.log")
ok $([ -z "$errs" ]; echo $?) "no console errors or failed loads"
[ -z "$errs" ] || echo "$errs" | head -5 | sed 's/^/# /'

chrome --screenshot="$tmp/shot.png" --window-size=1000,1400 "file://$tmp/report.html" \
	>"$tmp/shot.log" 2>&1
st=$?
[ "$st" -eq 0 ] && [ -s "$tmp/shot.png" ]
ok $? "chromium --screenshot writes a PNG (status $st)"
cp "$tmp/shot.png" build/test-logs/gate-report.png 2>/dev/null
read -r base run < <(build/tests/png_colors "$tmp/shot.png" "$COL_BASE" "$COL_RUN" |
	awk '$1 == "'$COL_BASE'" { b = $2 } $1 == "'$COL_RUN'" { r = $2 } END { print b + 0, r + 0 }')
ok $((base < MIN_PIXELS || run < MIN_PIXELS)) \
	"the screenshot shows both histograms: $base baseline (#$COL_BASE) and $run run (#$COL_RUN) pixels"
tap_done
