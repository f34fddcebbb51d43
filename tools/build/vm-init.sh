#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qlat VM stage 2: PID 1 of the guest after switch_root.
#
# vmtest.sh copies this file into the run's control share, and the
# initramfs (stage 1, tools/build/mkinitramfs.sh) runs it as
# "/run/qlat-vm/busybox sh /run/qlat/init" on the overlay root: the host /
# read-only over 9p with a tmpfs on top.  It runs on busybox ash, a static
# binary in memory, because every exec of a dynamically linked host program
# costs ~0.2 s over 9p under TCG; busybox here prefers its applets to $PATH.
#
# Control share (/run/qlat, the host run dir's ctl/):
#   init     this script
#   env      settings from vmtest.sh, sourced below (QLAT_* variables)
#   cmd      the command script (busybox sh): environment, then exec of the
#            command
#   status   written here: the command's exit status, one decimal line
# Output share: /run/qlat/out (exported to the command as QLAT_OUT).
#
# Ports: ttyS0 is the kernel console, the log that vmtest.sh scans for kernel
# splats; the command's stdout and stderr go to the virtio-serial port named
# qlat.out, or with -i, the command runs on ttyS1, the terminal.  Messages of
# this script go to the console and must not contain the words the splat
# scanner looks for.
#
# Whatever happens, the guest ends with a reboot, which QEMU (-no-reboot)
# turns into an exit; no status file means the command did not finish.

CTL=/run/qlat
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

log() { # message, prefixed with the uptime
	read -r up _ </proc/uptime
	echo "qlat-vm: [$up] $*"
}

finish() {
	trap - EXIT
	log "powering off"
	sync
	"$BB" reboot -f
	echo b >/proc/sysrq-trigger
	sleep 1000000
}

fail() {
	log "setup failed: $*"
	finish
}

trap finish EXIT

BB=/run/qlat-vm/busybox
# shellcheck source=/dev/null
. "$CTL/env" || fail "cannot read $CTL/env"

mnt() { # type, target, [options]
	[ -d "$2" ] || mkdir -p "$2" || fail "mkdir $2"
	"$BB" mount -t "$1" ${3:+-o "$3"} "$1" "$2" || fail "mount -t $1 $2"
}

mnt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs /dev/shm mode=1777,nosuid,nodev
mnt tracefs /sys/kernel/tracing
mnt debugfs /sys/kernel/debug
mnt bpf /sys/fs/bpf mode=0700
mnt cgroup2 /sys/fs/cgroup nsdelegate
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr

# The module tree of the booted kernel, for modprobe.  Bound before /tmp is
# replaced, in case the cache lives under /tmp.
kver=$("$BB" uname -r)
if [ -n "${QLAT_MODULES:-}" ]; then
	[ -d "$QLAT_MODULES" ] || fail "no module tree at $QLAT_MODULES"
	mkdir -p "/lib/modules/$kver" || fail "mkdir /lib/modules/$kver"
	"$BB" mount --bind "$QLAT_MODULES" "/lib/modules/$kver" || fail "bind the module tree"
fi

# A fresh tmpfs on /tmp (overlayfs in 6.1 has no O_TMPFILE), unless the
# command needs the host's /tmp (vmtest.sh -T, automatic when the cwd or the
# command refers to /tmp).
if [ "${QLAT_HOST_TMP:-0}" = 1 ]; then
	log "keeping the host's /tmp (copy-on-write)"
else
	mnt tmpfs /tmp mode=1777,nosuid,nodev
fi

# busybox provides the module tools, also for the kernel's request_module()
# (/proc/sys/kernel/modprobe), ahead of the host's kmod if it has one: the
# cache's module tree has busybox depmod's text modules.dep, and kmod's
# modprobe reads only the binary indexes (modules.dep.bin) that kmod's
# depmod writes ("Module tun not found").
mkdir -p /usr/local/sbin || fail "mkdir /usr/local/sbin"
for t in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -sf "$BB" "/usr/local/sbin/$t" || fail "cannot link /usr/local/sbin/$t"
done
echo /usr/local/sbin/modprobe >/proc/sys/kernel/modprobe

"$BB" hostname qlat-vm
"$BB" ip link set lo up 2>/dev/null || log "cannot bring lo up"

# kmemleak (debug kernels): what the boot left is not the command's
. "$CTL/kmemleak.sh" || fail "cannot read $CTL/kmemleak.sh"
kmemleak_forget

log "setup done"
cd "$QLAT_CWD" || fail "cannot cd to $QLAT_CWD"

if [ "${QLAT_INTERACTIVE:-0}" = 1 ]; then
	port=/dev/ttyS1
	[ -c "$port" ] || fail "no $port"
	log "running the command (interactive)"
	# shellcheck disable=SC2094 # the terminal: read and written
	"$BB" setsid -c "$BB" env -i "$BB" sh "$CTL/cmd" <"$port" >"$port" 2>&1
	rc=$?
else
	port=
	for p in /sys/class/virtio-ports/*; do
		if [ "$(cat "$p/name" 2>/dev/null)" = qlat.out ]; then
			port=/dev/${p##*/}
		fi
	done
	if [ -z "$port" ] || [ ! -c "$port" ]; then
		fail "no virtio port qlat.out"
	fi
	log "running the command"
	"$BB" env -i "$BB" sh "$CTL/cmd" </dev/null >"$port" 2>&1
	rc=$?
fi
log "command exited with status $rc"
# A leak is a kernel report like any other: on the console, where
# vmtest.sh finds it ("unreferenced object" is one of its splat patterns)
if kmemleak_live; then
	log "scanning for memory leaks (kmemleak)"
	kmemleak_scan /run/qlat-vm/kmemleak.last
	if [ -s "$KMEMLEAK_FOUND" ]; then
		log "kmemleak: $(kmemleak_count "$KMEMLEAK_FOUND") leak reports during the run:"
		sed 's/^/qlat-vm: kmemleak: /' "$KMEMLEAK_FOUND"
	fi
fi
echo "$rc" >"$CTL/status" || log "cannot write $CTL/status"
finish
