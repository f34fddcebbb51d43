#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad guest input gives a vq error (the VHOST_SET_VRING_ERR eventfd fires),
# never a crash, and the bad chain is never used: an out-of-range head, a
# descriptor loop, a next index out of range, a length running past the
# memory region, an unmapped address, an address + length that wraps.
# Each on a fresh device; the stock vhost_net must behave the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

MODES="head loop next len addr wrap"
zc_load
ok $? "load vhost_zc.ko"
zc_snap a
zc_run bz --bad "$(echo $MODES | sed 's/ /,/g')"
zc_snap b
assert_eq "$ZC_RC" 0 "vhostdrv --bad exits 0"
for m in $MODES; do
	assert_eq "$(v bz bad_${m}_vq_error)/$(v bz bad_${m}_used)" 1/0 \
		"$m: vq error signalled, chain not used"
done
[ "$(zc_d a b errors)" -ge 6 ]
ok $? "errors counter counted them ($(zc_d a b errors))"
assert_eq "$(zc_d a b submitted)" 0 "nothing submitted to the tap"
assert_eq "$(v b devices)/$(v b in_flight)" 0/0 "devices closed, nothing in flight"
if modprobe vhost_net && [ -c /dev/vhost-net ]; then
	zc_run bs -D /dev/vhost-net --bad "$(echo $MODES | sed 's/ /,/g')"
	assert_eq "$ZC_RC" 0 "stock vhost_net: the same bad input gives the same vq errors"
	rmmod vhost_net
fi
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
