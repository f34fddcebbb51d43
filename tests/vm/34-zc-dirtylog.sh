#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Dirty logging (VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE, VHOST_VRING_F_LOG):
# after asynchronously completed zero-copy TX and copied RX, the bitmap has
# exactly the right bits: every page of both used rings and of every RX
# buffer written, and nothing else (TX buffers are only read). The stock
# vhost_net gives the same bitmap for the same run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/zc_lib.sh"

zc_load
ok $? "load vhost_zc.ko"
for dev in /dev/vhost-zc-net /dev/vhost-net; do
	[ $dev = /dev/vhost-net ] && modprobe vhost_net experimental_zcopytx=1
	zc_run lg -D $dev --log -s 1500 -n 2000 -q 128 --rx 500
	assert_eq "$ZC_RC" 0 "$dev: vhostdrv --log exits 0"
	assert_eq "$(v lg used)/$(v lg rx_ring_ok)" 2000/500 "$dev: TX used, RX frames verified"
	assert_eq "$(v lg log_missing)/$(v lg log_extra)" 0/0 \
		"$dev: dirty bits missing/extra ($(v lg log_bits) set)"
	eval "bits_$(echo $dev | tr -c 'a-z\n' _)=$(v lg log_bits)"
done
assert_eq "$bits__dev_vhost_zc_net" "$bits__dev_vhost_net" "same dirty pages as stock vhost_net"
rmmod vhost_net
unload_mod vhost_zc
ok $? "rmmod vhost_zc"
tap_done
