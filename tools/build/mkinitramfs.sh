#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the qlat VM initramfs for the kernel dir K printed by kernel-cache.sh.
#
# Usage: mkinitramfs.sh [-f] K [OUT]
#   -f    rebuild even when OUT is up to date
#   OUT   defaults to $K/initramfs.cpio
#
# The image is an uncompressed newc cpio (nothing to inflate at boot, which
# matters under TCG) holding:
#   /bin/busybox          the host's static busybox
#   /lib/qlat/*.ko        the virtio-pci, 9p, overlayfs and virtio-console
#                         (the command's output port) modules of K,
#                         decompressed, with /lib/qlat/order giving the
#                         dependency order resolved from modules.dep
#   /init                 stage 1 (below): insmod the modules, mount the
#                         host / read-only over 9p with a tmpfs overlay on
#                         top, mount the run's control share on /run/qlat
#                         (and the output share, if any, on /run/qlat/out),
#                         copy busybox to /run/qlat-vm/busybox and
#                         switch_root to "busybox sh /run/qlat/init" (stage
#                         2, tools/build/vm-init.sh, copied there by
#                         vmtest.sh).
#
# OUT is rebuilt only when one of its inputs changes: this script (which
# holds the stage-1 init), the busybox binary, or the kernel.  A stamp file
# OUT.stamp records them.  Concurrent builds are serialized with flock and the
# image is replaced atomically.  Prints OUT on stdout.

set -euo pipefail

log() { echo "mkinitramfs: $*" >&2; }
die() { echo "mkinitramfs: error: $*" >&2; exit 1; }

force=0
if [ "${1:-}" = -f ]; then
	force=1
	shift
fi
[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: mkinitramfs.sh [-f] KERNEL_DIR [OUT]"
K=$1
OUT=${2:-$K/initramfs.cpio}

[ -f "$K/abi" ] || die "$K is not a kernel dir prepared by kernel-cache.sh (no $K/abi)"
ABI=$(cat "$K/abi")
MODDIR=$K/modules
[ -f "$MODDIR/modules.dep" ] || die "no $MODDIR/modules.dep (run tools/build/kernel-cache.sh)"
[ -f "$K/vmlinux" ] || die "no $K/vmlinux (run tools/build/kernel-cache.sh)"

BUSYBOX=${QLAT_BUSYBOX:-$(command -v busybox || true)}
[ -n "$BUSYBOX" ] || die "busybox not found (apt-get install busybox-static)"
BUSYBOX=$(readlink -f "$BUSYBOX")
if ! LC_ALL=C file -b "$BUSYBOX" 2>/dev/null | grep -c 'statically linked' >/dev/null; then
	# 'file' may be missing: fall back to the absence of a program interpreter
	if readelf -l "$BUSYBOX" 2>/dev/null | grep -c 'Requesting program interpreter' >/dev/null; then
		die "$BUSYBOX is not statically linked (apt-get install busybox-static)"
	fi
fi

# Modules wanted in the initramfs, in load order.  Their dependencies are
# resolved from modules.dep, so the list only needs the leaves, but it spells
# out the chain to document it.  Built-in ones are skipped.  9p's caching
# modules come through modules.dep alone, since they differ by kernel:
# netfs and fscache in 6.1, netfs only (fscache merged into it) in 6.12.
WANT="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
      9pnet 9pnet_virtio 9p overlay virtio_console"

self=$(readlink -f "${BASH_SOURCE[0]}")
stamp_of() {
	printf 'abi %s\n' "$ABI"
	printf 'script %s\n' "$(sha256sum <"$self" | cut -d' ' -f1)"
	printf 'busybox %s\n' "$(stat -Lc '%s %Y %i' "$BUSYBOX")"
	printf 'vmlinux %s\n' "$(stat -Lc '%s %Y %i' "$K/vmlinux")"
	printf 'modules.dep %s\n' "$(stat -Lc '%s %Y %i' "$MODDIR/modules.dep")"
}
STAMP=$(stamp_of)

up_to_date() {
	[ "$force" = 0 ] && [ -s "$OUT" ] && [ -f "$OUT.stamp" ] &&
		[ "$(cat "$OUT.stamp")" = "$STAMP" ]
}

if up_to_date; then
	echo "$OUT"
	exit 0
fi

mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9
if up_to_date; then # built by a concurrent run while we waited
	echo "$OUT"
	exit 0
fi

log "building $OUT for $ABI"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/qlat-initramfs.XXXXXX")
trap 'rm -rf "$STAGE" "$OUT.tmp"' EXIT

mkdir -p "$STAGE"/{bin,dev,proc,sys,run,lower,rw,newroot,lib/qlat}
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"
# The kernel opens /dev/console before running /init; stage 1 also reopens
# it after mounting devtmpfs, so a non-root build without mknod still works.
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$STAGE/dev/null" c 1 3 2>/dev/null || true

# --- resolve the module load order from modules.dep -----------------------
declare -A DEP=() PATHOF=() SEEN=()
while IFS= read -r line; do
	mod=${line%%:*}
	name=${mod##*/}
	name=${name%%.ko*}
	name=${name//-/_}
	PATHOF[$name]=$mod
	DEP[$name]=${line#*:}
done <"$MODDIR/modules.dep"

builtin_has() {
	[ -f "$MODDIR/modules.builtin" ] &&
		grep -Eq "/$1\\.ko\$" <(tr - _ <"$MODDIR/modules.builtin")
}

ORDER=()
add_mod() { # name, with its dependencies first
	local name=${1//-/_} d dn
	[ -z "${SEEN[$name]:-}" ] || return 0
	SEEN[$name]=1
	if [ -z "${PATHOF[$name]:-}" ]; then
		builtin_has "$name" && return 0
		die "module $name is neither in modules.dep nor built into $ABI"
	fi
	for d in ${DEP[$name]}; do
		dn=${d##*/}
		dn=${dn%%.ko*}
		add_mod "$dn"
	done
	ORDER+=("$name")
}
for m in $WANT; do
	add_mod "$m"
done

# (empty when every module is built in, as in the debug kernel)
: >"$STAGE/lib/qlat/order"
for name in ${ORDER[@]+"${ORDER[@]}"}; do
	src=$MODDIR/${PATHOF[$name]}
	dst=$STAGE/lib/qlat/$name.ko
	case "$src" in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	*) die "unknown module format: $src" ;;
	esac
	echo "$name" >>"$STAGE/lib/qlat/order"
done
log "modules: ${ORDER[*]:-none (built in)}"

# --- stage 1 init -----------------------------------------------------------
# Keep the words the console scanner looks for (see vmtest.sh) out of these
# messages.
cat >"$STAGE/init" <<'EOF'
#!/bin/busybox sh
# qlat VM stage 1 (generated by tools/build/mkinitramfs.sh)
export PATH=/bin
bb=/bin/busybox

$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

fail() {
	echo "qlat-vm: stage 1 failed: $*"
	$bb reboot -f # QEMU runs with -no-reboot: this ends it
	$bb poweroff -f
	exit 1
}

$bb mount -t proc proc /proc || fail "mount /proc"
$bb mount -t sysfs sysfs /sys || fail "mount /sys"

while read -r m; do
	$bb insmod "/lib/qlat/$m.ko" || fail "insmod $m"
done </lib/qlat/order

# qlat.rootopts=OPTS on the kernel command line overrides the cache options
# of the root share.  cache=mmap measured fastest under TCG (python3 start-up
# and a directory walk: mmap 10 s, loose 15-19 s, none 21-29 s).
p9="trans=virtio,version=9p2000.L,msize=512000"
rootopts="$p9,cache=mmap"
for arg in $($bb cat /proc/cmdline); do
	case "$arg" in
	qlat.rootopts=*) rootopts="$p9,${arg#qlat.rootopts=}" ;;
	esac
done

$bb mount -t 9p -o "ro,$rootopts" qroot /lower || fail "mount the host root (9p tag qroot)"
$bb mount -t tmpfs -o mode=0755 tmpfs /rw || fail "mount tmpfs /rw"
$bb mkdir -p /rw/upper /rw/work
$bb mount -t overlay overlay \
	-o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	fail "mount the overlay root"

$bb mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || fail "mount /run"
$bb mkdir -p /newroot/run/qlat /newroot/run/qlat-vm
$bb mount -t 9p -o "$p9,cache=none" qctl /newroot/run/qlat || fail "mount the control share (9p tag qctl)"
# -o DIR gets a share of its own; by default out/ is a dir of the control share
if $bb grep -q qout /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag; then
	$bb mount -t 9p -o "$p9,cache=none" qout /newroot/run/qlat/out ||
		fail "mount the output share (9p tag qout)"
fi
[ -f /newroot/run/qlat/init ] || fail "no /run/qlat/init in the control share"
# stage 2 runs on this static busybox, from memory: the host's dynamically
# linked programs cost ~0.2 s per exec over 9p under TCG
$bb cp /bin/busybox /newroot/run/qlat-vm/busybox || fail "copy busybox"

for d in dev proc sys; do
	$bb mount --move "/$d" "/newroot/$d" || fail "move /$d"
done
exec $bb switch_root /newroot /run/qlat-vm/busybox sh /run/qlat/init
EOF
chmod 755 "$STAGE/init"

(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) >"$OUT.tmp" ||
	die "busybox cpio failed"
mv -f "$OUT.tmp" "$OUT"
echo "$STAMP" >"$OUT.stamp"
log "done: $OUT ($(stat -c %s "$OUT") bytes)"
echo "$OUT"
