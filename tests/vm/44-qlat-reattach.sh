#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# qlat attached and detached again and again while the traced code runs on
# the other vCPU: each attach and each exit flips the tracepoints' static
# keys (text_poke over code being executed), as a user starting and
# stopping qlat on a busy host does, or a --threshold breach ending it.
# Every cycle sees events and exits as it should (0 on SIGINT, 2 on a
# breach), the traffic under it loses nothing, and the kernel reports
# nothing (a
# report fails the whole run through vmtest.sh). Under QEMU 7.2's
# multi-threaded TCG this took the guest down on the first cycle (a stale
# translation of the patched site: "Oops: int3" on 6.12, a soft lockup on
# 6.1), which is why vmtest.sh runs TCG single-threaded (docs/vmtest.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"
. "$(dirname "$0")/cmdq_lib.sh"

CYCLES=${QLAT_REATTACH_N:-6}
[ "$(nproc)" -ge 2 ]
ok $? "the guest has $(nproc) vCPUs (the traced code runs beside the patching one)"

# --- qlat zc: attached, then out at its first breach during a TX run ---
# (--threshold 1: it exits on the first signalled batch, while handle_tx
# runs on the other vCPU, and the next cycle attaches while the previous
# run still sends)
zc_load
ok $? "load tun, tap, vhost and vhost_zc.ko"
bad=0
seen=0
runs=0
rbad=0
i=0
while [ $i -lt "$CYCLES" ]; do
	out=$OUT/qlat-zc-reattach-$i.json
	if qlat_start "$out" zc --json --threshold 1 --evidence 2; then
		zc_run ra$i -s 1500 -n 1000 -q 32 -N
		runs=$((runs + 1))
		if [ $ZC_RC != 0 ] || [ "$(v ra$i used)" != 1000 ]; then
			diag "vhostdrv run $i: exit $ZC_RC, used $(v ra$i used)"
			rbad=$((rbad + 1))
		fi
		_j=0
		while kill -0 $QPID 2>/dev/null && [ $_j -lt 100 ]; do sleep 0.1; _j=$((_j + 1)); done
		kill -INT $QPID 2>/dev/null
		wait $QPID
		st=$?
		zc_doc "$out"
		if [ $st != 2 ] || [ "$breach" != threshold ] || [ "${e_submit:-0}" -le 0 ]; then
			diag "zc cycle $i: exit $st, breach $breach, submit ${e_submit:-?}"
			bad=$((bad + 1))
		fi
		seen=$((seen + e_submit))
	else
		diag "zc cycle $i: qlat did not attach"
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
assert_eq "$bad" 0 "qlat zc: $CYCLES cycles, each attached and out with exit 2 at its first breach under TX ($seen submits seen)"
assert_eq "$rbad" 0 "vhostdrv: all $runs runs under it exit 0 with 1000 of 1000 frames used"
zc_snap z
assert_eq "$(v z in_flight)" 0 "vhost_zc: no zero-copy buffer left in flight"

# --- qlat cmdq over the frame client (callbacks in hard irq context) ---
cmdq_load
ok $? "load cmdq_helper, gce_sim, cmdq_frame, cmdq_dev"
echo 2 >"$FR/pipes" && echo 16 >"$FR/writes" && echo 1000000 >"$FR/frames" &&
	echo 240 >"$FR/hz" && echo 1 >"$GS/enable" && echo 1 >"$FR/enable"
ok $? "frame client: 2 pipes at 240 Hz, running"
bad=0
seen=0
i=0
# even cycles: SIGINT after 0.5 s; odd ones: --threshold 1, out at the
# first flush->EOC (both detach while the callbacks run in hard irq)
while [ $i -lt "$CYCLES" ]; do
	out=$OUT/qlat-cmdq-reattach-$i.json
	want=0
	lim=
	[ $((i % 2)) = 1 ] && want=2 lim="--threshold 1"
	# shellcheck disable=SC2086 # lim is zero or two words
	if qlat_start "$out" cmdq --json $lim; then
		_j=0
		while kill -0 $QPID 2>/dev/null && [ $_j -lt 5 ]; do sleep 0.1; _j=$((_j + 1)); done
		qlat_stop 2>/dev/null
		st=$?
		n=$(jq '[.hists[] | select(.metric == "flush_eoc") | .hist.count] | add // 0' "$out")
		if [ $st != $want ] || [ "${n:-0}" -le 0 ]; then
			diag "cmdq cycle $i: exit $st (want $want), flush->EOC events ${n:-?}"
			bad=$((bad + 1))
		fi
		seen=$((seen + ${n:-0}))
	else
		diag "cmdq cycle $i: qlat did not attach"
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
echo 0 >"$FR/enable"
echo 0 >"$GS/enable"
assert_eq "$bad" 0 "qlat cmdq: $CYCLES cycles under the frame client, each out by SIGINT (exit 0) or its first breach (exit 2), with flushes seen ($seen in all)"
snap c
for p in 0 1; do
	eval "cb$p=\$((c_frame${p}_cb_ok + c_frame${p}_cb_enoexec + c_frame${p}_cb_econnaborted + c_frame${p}_cb_other))"
done
assert_eq "$cb0/$cb1/$(v c frame0_flush_errors)/$(v c frame1_flush_errors)" \
	"$(v c frame0_committed)/$(v c frame1_committed)/0/0" \
	"frame client: every committed packet called back once, no flush error (pipe 0 $cb0, pipe 1 $cb1)"
cmdq_unload
ok $? "unload the cmdq modules"
tap_done
