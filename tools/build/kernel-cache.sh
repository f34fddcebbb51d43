#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare a target kernel in the qlat cache (default ~/.cache/qlat):
#   - resolve a kernel name to the newest Debian bookworm ABI of that
#     flavour (never hard-coded): 6.1 (the stock kernel), 6.12 and 6.12-rt
#     (linux-image-6.12.<n>+deb12-{,rt-}amd64-unsigned); "debug" is built
#     from source by debug-kernel.sh instead,
#   - download the matching linux-headers packages (the ABI's, its -common
#     and linux-kbuild), linux-image-<abi>-unsigned and linux-source of the
#     same version (apt-get download) and unpack them into the cache
#     (dpkg -x); nothing is installed on the host (6.12's headers package
#     depends on a kernel image, which would land in the host's /boot),
#   - extract an uncompressed vmlinux (PVH boot target and BTF base),
#   - generate modules.dep for the unpacked module tree (busybox depmod),
#   - extract drivers/vhost/vhost.h, checkpatch.pl and kernel-doc from linux-source,
#   - make a private kbuild dir: symlinks to the headers tree + vmlinux, so
#     that Kbuild emits module BTF.
#
# Usage: kernel-cache.sh [NAME|ABI]    prints the kernel dir on stdout
#   NAME   6.1 (default), 6.12, 6.12-rt or debug
#   ABI    a Debian ABI string, e.g. 6.1.0-57-amd64, 6.12.117+deb12-rt-amd64
# Env:   QLAT_CACHE (cache root), QLAT_KABI (ABI or name when no argument)
#
# Every step is skipped when its output exists, so a warm run costs one
# apt-cache query (none when an ABI is given). Nothing global is changed:
# which kernel a checkout uses is its own build/kernel.stamp.

set -euo pipefail

CACHE=${QLAT_CACHE:-$HOME/.cache/qlat}
ABI=${1:-${QLAT_KABI:-}}
log() { echo "kernel-cache: $*" >&2; }
die() { echo "kernel-cache: error: $*" >&2; exit 1; }
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/deb-download.sh"

# newest ABI of linux-image-<major>.<n>+deb12-<flavour>-unsigned
newest_abi() { # major flavour
	apt-cache pkgnames "linux-image-$1." 2>/dev/null |
		sed -n "s/^linux-image-\($1\.[0-9]*+deb12-$2\)-unsigned\$/\1/p" |
		sort -V | tail -n1
}

case "${ABI:-6.1}" in
6.1)
	ABI=$(apt-cache depends linux-image-amd64 2>/dev/null |
	      awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
	;;
6.12) ABI=$(newest_abi 6.12 amd64) ;;
6.12-rt) ABI=$(newest_abi 6.12 rt-amd64) ;;
debug) exec "$(dirname "$0")/debug-kernel.sh" ;;
*-amd64) ;;
*) die "unknown kernel '$ABI' (want 6.1, 6.12, 6.12-rt, debug or an ABI such as 6.1.0-57-amd64)" ;;
esac
[ -n "$ABI" ] || die "cannot discover the Debian kernel ABI of '${1:-${QLAT_KABI:-6.1}}' (run 'apt-get update' or 'make deps')"


K=$CACHE/kernel/$ABI
mkdir -p "$K" "$CACHE/dl"
# one preparation of a kernel dir at a time (make check's lanes)
exec 9>"$K/.lock"
flock 9

# What a ready cache holds; a cache made by an older version of this
# script (e.g. without kernel-doc, or with headers installed in /usr/src:
# layout 2) goes through the steps again, each of which only does what is
# missing.
LAYOUT=3
if [ "$(cat "$K/.ready" 2>/dev/null)" = "$LAYOUT" ]; then
	echo "$K"
	exit 0
fi

log "preparing $ABI in $K"
VER=$(apt-cache show "linux-image-$ABI-unsigned" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
[ -n "$VER" ] || die "linux-image-$ABI-unsigned not found in the apt lists"

# 1. image, headers and source packages, downloaded, never installed
dl() { deb_download "$1" "$VER"; }
IMG_DEB=$(dl "linux-image-$ABI-unsigned")

# The headers: linux-headers-<abi> (the arch part: .config, Module.symvers),
# the -common (or -common-rt) package it depends on (the headers proper)
# and linux-kbuild (scripts, host programs), all of version $VER, unpacked
# in one root, where their relative symlinks hold.
HROOT=$K/headers
HDR=$HROOT/usr/src/linux-headers-$ABI
if [ ! -e "$HDR/Module.symvers" ]; then
	deps=$(apt-cache show "linux-headers-$ABI=$VER" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-common[^ ]*\|linux-kbuild-[^ ]*\).*/\1/p')
	[ "$(echo "$deps" | wc -w)" = 2 ] ||
		die "cannot tell the -common and linux-kbuild packages of linux-headers-$ABI ('$deps')"
	rm -rf "$HROOT" "$HROOT.tmp"
	mkdir -p "$HROOT.tmp"
	for p in "linux-headers-$ABI" $deps; do
		dpkg -x "$(dl "$p")" "$HROOT.tmp" || die "cannot unpack $p"
	done
	mv "$HROOT.tmp" "$HROOT"
fi
# linux-source-MAJOR.MINOR: 6.1.0-56-amd64 -> 6.1, 6.12.115+deb12-amd64 -> 6.12
SRC_DEB=$(dl "linux-source-$(echo "$ABI" | cut -d. -f1,2)")

if [ ! -f "$K/root/boot/vmlinuz-$ABI" ]; then
	rm -rf "$K/root.tmp"
	dpkg -x "$IMG_DEB" "$K/root.tmp"
	mv "$K/root.tmp" "$K/root"
fi
ln -sfn "root/boot/vmlinuz-$ABI" "$K/vmlinuz"
ln -sfn "root/lib/modules/$ABI" "$K/modules"

# 3. vmlinux: find the compressed payload in the bzImage and inflate it
# (the logic of scripts/extract-vmlinux)
if [ ! -f "$K/vmlinux" ]; then
	log "extracting vmlinux"
	try() { # magic, decompressor...
		local magic=$1 pos
		shift
		for pos in $(LC_ALL=C grep -obUaP "$magic" "$K/vmlinuz" | cut -d: -f1); do
			tail -c+$((pos + 1)) "$K/vmlinuz" | "$@" >"$K/vmlinux.tmp" 2>/dev/null || true
			if [ "$(head -c4 "$K/vmlinux.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				mv "$K/vmlinux.tmp" "$K/vmlinux"
				return 0
			fi
		done
		return 1
	}
	try '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
		try '\x28\xb5\x2f\xfd' zstd -dc ||
		try '\x1f\x8b\x08' gzip -dc ||
		die "no vmlinux payload found in $K/vmlinuz"
	rm -f "$K/vmlinux.tmp"
	# (not grep -q: under pipefail its early exit fails readelf with SIGPIPE)
	readelf -S "$K/vmlinux" | grep -c '\.BTF' >/dev/null || die "extracted vmlinux has no .BTF section"
fi

# 4. modules.dep for the guest's modprobe (the image package ships none)
if [ ! -f "$K/modules/modules.dep" ]; then
	log "busybox depmod"
	busybox depmod -b "$K/root" "$ABI" || die "busybox depmod failed"
fi

# 5. the bits of linux-source we need
# (kernel-doc came with layout 2: a cache without it is extracted again)
if [ ! -f "$K/src/drivers/vhost/vhost.h" ] || [ ! -f "$K/src/scripts/kernel-doc" ]; then
	log "extracting vhost.h, checkpatch and kernel-doc from linux-source"
	rm -rf "$K/src" "$K/src.tmp"
	mkdir -p "$K/src.tmp"
	tarball=$(dpkg -c "$SRC_DEB" | awk '/linux-source-.*\.tar\.(xz|bz2|gz)$/ { print $NF; exit }')
	[ -n "$tarball" ] || die "no tarball in $SRC_DEB"
	dpkg --fsys-tarfile "$SRC_DEB" | tar -xO "${tarball#/}" 2>/dev/null |
		tar -xJ -C "$K/src.tmp" --strip-components=1 --wildcards \
			'*/drivers/vhost/vhost.h' '*/scripts/checkpatch.pl' \
			'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
			'*/scripts/extract-vmlinux' '*/scripts/kernel-doc' ||
		die "cannot extract from $tarball"
	mv "$K/src.tmp" "$K/src"
fi

# 6. private kbuild dir: the headers tree + vmlinux => module BTF. Its
# Makefile includes the -common one, which the packaged Makefile names by
# its installed path under /usr/src: here it is under $HROOT.
if [ ! -e "$K/kbuild/vmlinux" ] || [ "$(readlink "$K/kbuild/.config")" != "$HDR/.config" ]; then
	rm -rf "$K/kbuild" "$K/kbuild.tmp"
	mkdir -p "$K/kbuild.tmp"
	for f in "$HDR"/* "$HDR"/.config "$HDR"/.kernelvariables; do
		case "$(basename "$f")" in
		# 6.12's headers ship a vmlinux (BTF only): ours is linked below
		vmlinux | Makefile) continue ;;
		esac
		[ -e "$f" ] && ln -s "$f" "$K/kbuild.tmp/$(basename "$f")"
	done
	sed "s|^include /usr/src/|include $HROOT/usr/src/|" "$HDR/Makefile" >"$K/kbuild.tmp/Makefile"
	grep -q "^include $HROOT/usr/src/.*/Makefile" "$K/kbuild.tmp/Makefile" ||
		die "unexpected $HDR/Makefile: $(head -c 200 "$HDR/Makefile")"
	ln -s "$K/vmlinux" "$K/kbuild.tmp/vmlinux"
	mv "$K/kbuild.tmp" "$K/kbuild"
fi

echo "$ABI" >"$K/abi"
echo "$VER" >"$K/version"
echo "$LAYOUT" >"$K/.ready"
log "ready: $K"
echo "$K"
