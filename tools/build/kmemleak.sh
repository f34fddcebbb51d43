# SPDX-License-Identifier: GPL-2.0
# kmemleak in the guest (sourced; POSIX sh + busybox), by vm-init.sh after
# the command and by tests/vm/run.sh after each test file. A kernel built
# with DEBUG_KMEMLEAK (the "debug" kernel) has /sys/kernel/debug/kmemleak;
# on the others these functions do nothing.
#
# kmemleak reports an object only once it is older than its minimum age
# (5 s), and only from the second scan that finds it unreferenced with the
# same contents (the first one records its checksum and counts it as
# referenced): so a scan first waits that long, then scans twice. A leak
# made by the last thing a test did (module unload, device release) is then
# found by that test's scan, not by the next one's. Reports are cleared
# once read, so that each
# scan shows only what is new; every scan also appends what it found to
# $KMEMLEAK_FOUND, which vm-init.sh prints on the console at the end of the
# run, where vmtest.sh counts it as a splat.

KMEMLEAK=/sys/kernel/debug/kmemleak
KMEMLEAK_AGE=6
KMEMLEAK_FOUND=/run/qlat-vm/kmemleak.found

kmemleak_live() {
	[ -w "$KMEMLEAK" ]
}

# kmemleak_scan_once FILE: scan now, write the unreferenced objects found
# to FILE (kmemleak's own format), then forget them; FILE is empty when
# there are none. One scan and no wait (~15 s less than kmemleak_scan on a
# debug guest): what a test leaks is reported by the scan after the next
# test (or by kmemleak_scan at the end of the run).
kmemleak_scan_once() {
	: >"$1"
	kmemleak_live || return 0
	echo scan >"$KMEMLEAK" || return 0
	cat "$KMEMLEAK" >"$1"
	echo clear >"$KMEMLEAK"
	cat "$1" >>"$KMEMLEAK_FOUND" 2>/dev/null || true
}

# kmemleak_scan FILE: as kmemleak_scan_once, after waiting out the
# minimum age and a first scan, so that everything leaked so far is
# reported
kmemleak_scan() {
	: >"$1"
	kmemleak_live || return 0
	sleep "$KMEMLEAK_AGE"
	echo scan >"$KMEMLEAK" || return 0
	kmemleak_scan_once "$1"
}

# kmemleak_forget: clear what is reported so far (e.g. leaks of the boot,
# which cannot be ours), without waiting
kmemleak_forget() {
	kmemleak_live || return 0
	echo scan >"$KMEMLEAK" && echo clear >"$KMEMLEAK"
}

# kmemleak_ours FILE: the number of reported objects whose allocation
# backtrace goes through one of qlat's modules (or the harness's test
# module)
kmemleak_ours() {
	awk '/^unreferenced object/ { n++ }
	     /\[(cmdq_helper|gce_sim|cmdq_dev|cmdq_frame|vhost_zc|qlat_splat)\]/ { if (!seen[n]++) ours++ }
	     END { print ours + 0 }' "$1"
}

# kmemleak_count FILE: the number of reported objects
kmemleak_count() {
	grep -c '^unreferenced object' "$1"
}
