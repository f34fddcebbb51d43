#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host check (TAP, run by tests/check.sh's unit phase): the kernel code is
# as a subsystem reviewer wants it, with the tools of the matching
# linux-source (extracted into the kernel cache by
# tools/build/kernel-cache.sh):
# - scripts/checkpatch.pl --strict: 0 errors, 0 warnings, 0 checks in
#   every kernel/*/*.[ch], include/cmdq/*.h and tests/kmod/*.c, tests/kmod/*/*.c;
# - scripts/kernel-doc: no warning in any of them, and every function a
#   module exports (EXPORT_SYMBOL, EXPORT_SYMBOL_GPL) has a kernel-doc
#   comment.
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh

KDIR=${QLAT_KDIR:-$(cat build/kernel.stamp 2>/dev/null)}
CP=$KDIR/src/scripts/checkpatch.pl
KD=$KDIR/src/scripts/kernel-doc
if [ ! -x "$CP" ] || [ ! -x "$KD" ]; then
	echo "1..0 # SKIP no checkpatch.pl/kernel-doc in the kernel cache '$KDIR' (make check fetches it)"
	exit 0
fi

# exported_undocumented FILE: the functions FILE exports without kernel-doc
exported_undocumented() {
	perl "$KD" -rst -export "$1" 2>/dev/null |
		sed -n 's/^\.\. c:function:: .*[ *]\([A-Za-z0-9_][A-Za-z0-9_]*\) *(.*/\1/p' |
		sort >"$TMP/doc"
	sed -n 's/^EXPORT_SYMBOL\(_GPL\)\{0,1\}(\([A-Za-z0-9_]*\));.*/\2/p' "$1" |
		sort | comm -23 - "$TMP/doc" | tr '\n' ' '
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The checks themselves fail on a bad file: an exported function without
# kernel-doc, one with an undescribed parameter, a style error.
cat >"$TMP/bad.c" <<'EOF2'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
int qlat_undoc(int a)
{
	return a;
}
EXPORT_SYMBOL(qlat_undoc);

/**
 * qlat_doc() - documented
 * @a: the first
 *
 * Return: @a.
 */
int qlat_doc(int a, int b)
{
	return a+b;
}
EXPORT_SYMBOL_GPL(qlat_doc);
EOF2
assert_eq "$(exported_undocumented "$TMP/bad.c")" "qlat_undoc " \
	"self-check: the undocumented export of a bad file is found"
perl "$KD" -none "$TMP/bad.c" 2>&1 | grep -q "'b' not described"
ok $? "self-check: kernel-doc warns of the undescribed parameter"
perl "$CP" --strict --no-tree -f "$TMP/bad.c" | grep -q '^total: 0 errors, 0 warnings, 1 checks'
ok $? "self-check: checkpatch --strict finds the missing spaces around '+'"

files=$(ls kernel/*/*.[ch] include/cmdq/*.h tests/kmod/*.c tests/kmod/*/*.c)
[ -n "$files" ]
ok $? "kernel sources found ($(echo $files | wc -w))"

for f in $files; do
	out=$(perl "$CP" --strict --no-tree -f "$f" 2>&1)
	total=$(printf '%s\n' "$out" | sed -n 's/^total: //p')
	assert_eq "${total%, * lines checked}" "0 errors, 0 warnings, 0 checks" \
		"checkpatch --strict $f"
	[ "${total%, * lines checked}" != "0 errors, 0 warnings, 0 checks" ] &&
		printf '%s\n' "$out" | sed 's/^/#   /'

	out=$(perl "$KD" -none "$f" 2>&1)
	[ -z "$out" ]
	ok $? "kernel-doc $f: no warnings"
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'

	n=$(grep -c '^EXPORT_SYMBOL' "$f")
	[ "$n" -eq 0 ] && continue
	missing=$(exported_undocumented "$f")
	assert_eq "${missing:-none}" none "$f: all $n exported functions have kernel-doc"
done

tap_done
