# SPDX-License-Identifier: GPL-2.0
# Sourced by kernel-cache.sh and debug-kernel.sh: one place that fetches a
# Debian package of an exact version into $CACHE/dl (kept there, so a warm
# cache never downloads again). Needs $CACHE, log() and die().

# deb_download PKG VERSION: print the path of PKG_VERSION_*.deb in
# $CACHE/dl, downloading it (apt-get download) if it is not there yet
deb_download() {
	local pkg=$1 ver=$2 f lock
	mkdir -p "$CACHE/dl"
	# one download at a time (make check prepares kernels side by side,
	# and 6.12, 6.12-rt and debug all want linux-source-6.12)
	exec {lock}>"$CACHE/dl/.lock"
	flock "$lock"
	f=$(find "$CACHE/dl/" -maxdepth 1 -name "${pkg}_${ver}_*.deb" | head -n1)
	if [ -z "$f" ]; then
		log "downloading $pkg=$ver"
		# quietly first; on failure once more, showing apt's reason
		(cd "$CACHE/dl" && apt-get download -q "$pkg=$ver" >&2 2>/dev/null) ||
			(cd "$CACHE/dl" && apt-get download -q "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		f=$(find "$CACHE/dl/" -maxdepth 1 -name "${pkg}_${ver}_*.deb" | head -n1)
		[ -n "$f" ] || die "apt-get download left no ${pkg}_${ver}_*.deb in $CACHE/dl"
	fi
	exec {lock}>&-
	echo "$f"
}
