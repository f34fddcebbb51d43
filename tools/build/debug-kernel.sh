#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the qlat debug kernel (KASAN, lockdep, kmemleak, debugobjects, UBSAN,
# BTF...) from Debian's linux-source-6.12 and lay it out in the qlat cache
# (default ~/.cache/qlat) like tools/build/kernel-cache.sh lays out a Debian
# kernel, so that
#   ./vmtest.sh -k "$K" -- CMD                       boots it, and
#   make -C "$K/kbuild" M=DIR RESOLVE_BTFIDS=true modules
# builds out-of-tree modules against it, with module BTF.
#
#   - download linux-source-6.12 (apt-get download, never installed) and
#     unpack its tarball into $K/src,
#   - configure: make allnoconfig + kvm_guest.config + tools/build/debug.config
#     (merge_config.sh), olddefconfig; fail if any symbol of debug.config lost
#     its value,
#   - build vmlinux and the modules in $K/kbuild (make O=),
#   - copy vmlinux (PVH boot target and BTF base) to $K/vmlinux,
#   - install the modules (stripped of DWARF, unsigned, uncompressed) in
#     $K/root/lib/modules/<release>, and run busybox depmod there.
#
# K = $QLAT_CACHE/kernel/debug-<linux-source version>-<key>, where key is the
# first 12 hex digits of the sha256 of debug.config and of the recipe below:
# editing either builds a new kernel dir.  Nothing points
# anything global at it: pass -k debug or -k "$K" to vmtest.sh.
#
# Usage: debug-kernel.sh [-f] [VERSION]    prints the kernel dir on stdout
#   -f        rebuild from scratch (removes the kernel dir first)
#   VERSION   linux-source-6.12 version (default: $QLAT_DEBUG_SRCVER, else
#             apt's candidate)
# Env:   QLAT_CACHE (cache root), QLAT_DEBUG_SRCVER, QLAT_JOBS (make -j,
#        default nproc)
#
# Every step is skipped when its output exists; a ready kernel dir is
# returned at once.  Concurrent runs are serialized with flock.  A cold build
# takes 10-30 min on 2 cores (docs/kernels.md, "The debug kernel").

set -euo pipefail

CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}
SELF_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
FRAGMENT=$SELF_DIR/debug.config
SRCPKG=linux-source-6.12
JOBS=${QLAT_JOBS:-$(nproc)}
log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }
. "$SELF_DIR/deb-download.sh"

force=0
if [ "${1:-}" = -f ]; then
	force=1
	shift
fi
[ $# -le 1 ] || die "usage: debug-kernel.sh [-f] [VERSION]"
VER=${1:-${QLAT_DEBUG_SRCVER:-}}
[ -f "$FRAGMENT" ] || die "no $FRAGMENT"

# --- the recipe: everything but debug.config that decides the result -------
# (hashed into the key together with debug.config; keep every build knob here)
# KCFLAGS: no DWARF variable locations (what DEBUG_INFO_REDUCED adds, without
# its BTF-breaking -femit-struct-debug-baseonly): pahole's BTF needs only the
# types and prototypes, and the build takes half the CPU (docs/kernels.md)
MAKE_VARS=(ARCH=x86_64 LOCALVERSION= KBUILD_BUILD_USER=qlat KBUILD_BUILD_HOST=qlat
	   KCFLAGS=-fno-var-tracking)
BASE_TARGET=allnoconfig
BASE_FRAGMENTS=(kernel/configs/kvm_guest.config)
BUILD_TARGETS=(vmlinux modules)
INSTALL_VARS=(INSTALL_MOD_STRIP=1)
recipe() {
	echo "make ${MAKE_VARS[*]}"
	echo "base $BASE_TARGET ${BASE_FRAGMENTS[*]} + debug.config; olddefconfig"
	echo "build ${BUILD_TARGETS[*]}"
	echo "modules_install ${INSTALL_VARS[*]}; busybox depmod"
}
# the fragment's settings: "CONFIG_X=..." and "# CONFIG_X is not set"
# lines; comments and blank lines do not change the kernel, nor the key
settings() {
	sed -E -e '/^# CONFIG_[A-Za-z0-9_]+ is not set$/b' -e '/^[[:space:]]*(#|$)/d' "$FRAGMENT"
}
KEY=$({ settings; recipe; } | sha256sum | cut -c1-12)

if [ -z "$VER" ]; then
	VER=$(apt-cache policy "$SRCPKG" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
	case "$VER" in
	'' | '(none)') die "cannot find $SRCPKG in the apt lists (run 'apt-get update')" ;;
	esac
fi
[[ $VER =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "bad $SRCPKG version '$VER'"

K=$CACHE/kernel/debug-$VER-$KEY
KB=$K/kbuild
# what a ready dir holds: the layout of kernel-cache.sh
LAYOUT=2
ready() { [ "$force" = 0 ] && [ "$(cat "$K/.ready" 2>/dev/null)" = "$LAYOUT" ]; }
if ready; then
	echo "$K"
	exit 0
fi

mkdir -p "$K" "$CACHE/dl"
exec 9>"$K/.lock"
if ! flock -n 9; then
	log "waiting for another debug-kernel.sh building $K"
	flock 9
fi
if ready; then # built by a concurrent run while we waited
	echo "$K"
	exit 0
fi
if [ "$force" = 1 ]; then
	log "-f: removing the old build in $K"
	find "$K" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
fi
rm -f "$K/.ready"
log "preparing the debug kernel $SRCPKG=$VER (key $KEY) in $K"

# 1. the source package, downloaded, never installed
DEB=$(deb_download "$SRCPKG" "$VER")

# 2. the full source tree (the build needs all of it; vmtest's users need
# drivers/vhost/vhost.h, checkpatch.pl and kernel-doc from it too)
if [ ! -f "$K/src/Makefile" ]; then
	log "unpacking the source tree"
	rm -rf "$K/src" "$K/src.tmp"
	mkdir -p "$K/src.tmp"
	tarball=$(dpkg -c "$DEB" | awk '/linux-source-.*\.tar\.(xz|bz2|gz)$/ { print $NF; exit }')
	case "$tarball" in
	*.xz) z=-J ;;
	*.bz2) z=-j ;;
	*.gz) z=-z ;;
	*) die "no source tarball in $DEB" ;;
	esac
	dpkg --fsys-tarfile "$DEB" | tar -xO "$tarball" |
		tar -x "$z" -C "$K/src.tmp" --strip-components=1 ||
		die "cannot unpack $tarball from $DEB"
	[ -f "$K/src.tmp/Makefile" ] || die "$tarball holds no kernel tree"
	mv "$K/src.tmp" "$K/src"
fi
for f in drivers/vhost/vhost.h scripts/checkpatch.pl scripts/kernel-doc \
	scripts/kconfig/merge_config.sh; do
	[ -f "$K/src/$f" ] || die "no $f in $K/src"
done

kmake() { # make in the source tree, building in dir $1
	local o=$1
	shift
	make -C "$K/src" O="$o" "${MAKE_VARS[@]}" "$@"
}

# 3. .config: the small base + debug.config, checked symbol by symbol
if [ ! -f "$KB/.config" ]; then
	log "configuring: $BASE_TARGET + ${BASE_FRAGMENTS[*]} + $(basename "$FRAGMENT")"
	C=$K/config.tmp
	rm -rf "$C"
	mkdir -p "$C"
	{
		kmake "$C" "$BASE_TARGET" &&
			"$K/src/scripts/kconfig/merge_config.sh" -m -O "$C" "$C/.config" \
				"${BASE_FRAGMENTS[@]/#/$K/src/}" "$FRAGMENT" &&
			kmake "$C" olddefconfig
	} >"$C/config.log" 2>&1 || {
		tail -n 30 "$C/config.log" >&2
		die "configuration failed (log: $C/config.log)"
	}
	# Every symbol of the fragment must keep its value: kconfig drops a
	# request whose dependencies are not met without a word.
	bad=0
	while read -r sym want; do
		got=$(sed -n "s/^$sym=//p" "$C/.config")
		[ -n "$got" ] || got=n
		if [ "$got" != "$want" ]; then
			log "Value requested for $sym not in final .config: requested $want, actual $got"
			bad=1
		fi
	done < <(sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p
		s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$FRAGMENT")
	[ "$bad" = 0 ] || die "$(basename "$FRAGMENT") does not survive olddefconfig (fix its dependencies; scratch dir: $C)"
	mkdir -p "$KB"
	cp "$C/config.log" "$KB/qlat-config.log"
	cp "$C/.config" "$KB/.config.tmp"
	mv "$KB/.config.tmp" "$KB/.config"
	rm -rf "$C"
fi

# 4. build (make is incremental: an interrupted build resumes)
if [ ! -f "$KB/.qlat-built" ]; then
	log "building ${BUILD_TARGETS[*]} with -j$JOBS (log: $K/build.log; 10-30 min on 2 cores)"
	# wall, user and system seconds, kept in build.time
	TIMEFORMAT='%R %U %S'
	{ time kmake "$KB" -j"$JOBS" "${BUILD_TARGETS[@]}" >"$K/build.log" 2>&1; } 2>"$K/build.time" || {
		grep -E 'error|Error' "$K/build.log" | head -n 20 >&2 || true
		tail -n 30 "$K/build.log" >&2
		die "kernel build failed (log: $K/build.log)"
	}
	read -r real user sys <"$K/build.time"
	log "built in ${real%.*} s (CPU: user ${user%.*} s, sys ${sys%.*} s);" \
		"$(find "$KB" -name '*.o' | wc -l) objects"
	: >"$KB/.qlat-built"
fi
ABI=$(kmake "$KB" -s kernelrelease)
case "$ABI" in
'' | *-amd64) die "unexpected kernel release '$ABI'" ;;
esac

# 5. vmlinux: the PVH boot target and BTF base, a copy (the build patches its
# own vmlinux in place when it relinks)
if [ ! -f "$K/vmlinux" ] || [ "$KB/.qlat-built" -nt "$K/vmlinux" ]; then
	# grep -c, not grep -q: under pipefail grep's early exit can kill
	# readelf with SIGPIPE (a large vmlinux: it failed a cold build)
	readelf -S "$KB/vmlinux" | grep -c '\.BTF' >/dev/null || die "$KB/vmlinux has no .BTF section"
	readelf -n "$KB/vmlinux" | grep -c 'Xen' >/dev/null || die "$KB/vmlinux has no PVH note (CONFIG_PVH)"
	cp "$KB/vmlinux" "$K/vmlinux.tmp"
	mv "$K/vmlinux.tmp" "$K/vmlinux"
fi

# 6. the module tree, with modules.dep for the guest's busybox modprobe
if [ ! -f "$K/root/.qlat-installed" ] || [ "$KB/.qlat-built" -nt "$K/root/.qlat-installed" ]; then
	log "installing the modules"
	rm -rf "$K/root" "$K/root.tmp"
	# DEPMOD=true: the host may have no kmod; busybox depmod below
	kmake "$KB" -s INSTALL_MOD_PATH="$K/root.tmp" "${INSTALL_VARS[@]}" DEPMOD=true \
		modules_install >"$K/install.log" 2>&1 || {
		tail -n 20 "$K/install.log" >&2
		die "modules_install failed (log: $K/install.log)"
	}
	# the symlinks back to the build tree are of no use in the guest
	rm -f "$K/root.tmp/lib/modules/$ABI/build" "$K/root.tmp/lib/modules/$ABI/source"
	busybox depmod -b "$K/root.tmp" "$ABI" || die "busybox depmod failed"
	for m in tun tap macvtap vhost vhost_net sch_plug; do
		grep -q "/$m\\.ko:" "$K/root.tmp/lib/modules/$ABI/modules.dep" ||
			die "module $m missing from modules.dep"
	done
	[ -f "$K/root.tmp/lib/modules/$ABI/modules.builtin" ] || die "no modules.builtin"
	: >"$K/root.tmp/.qlat-installed"
	mv "$K/root.tmp" "$K/root"
fi
ln -sfn "root/lib/modules/$ABI" "$K/modules"

echo "$ABI" >"$K/abi"
echo "$VER" >"$K/version"
echo "$LAYOUT" >"$K/.ready"
log "ready: $K ($ABI)"
echo "$K"
