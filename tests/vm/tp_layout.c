// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prints "event field offset size" for every field of the plain tracepoint
 * record layouts the SEC("tracepoint") fallback programs use (bpf/cmdq_tp.h),
 * so that a VM test can compare them with tracefs' format files.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "cmdq_tp.h"
#include "vhost_zc_tp.h"

#define F(ev, field) printf("%s %s %zu %zu\n", #ev, #field,			\
			    offsetof(struct tp_##ev, field),			\
			    sizeof(((struct tp_##ev *)0)->field))

int main(void)
{
	F(cmdq_pkt_finalize, id); F(cmdq_pkt_finalize, inst);
	F(cmdq_pkt_flush, id); F(cmdq_pkt_flush, thread); F(cmdq_pkt_flush, async);
	F(cmdq_pkt_flush, inst); F(cmdq_pkt_flush, flush_ns);
	F(cmdq_eoc_irq, thread); F(cmdq_eoc_irq, id); F(cmdq_eoc_irq, status);
	F(cmdq_eoc_irq, pipe); F(cmdq_eoc_irq, frame); F(cmdq_eoc_irq, inst);
	F(cmdq_eoc_irq, flush_ns); F(cmdq_eoc_irq, eoc_ns); F(cmdq_eoc_irq, deadline_ns);
	F(cmdq_eoc_irq, missed); F(cmdq_eoc_irq, miss);
	F(cmdq_pkt_cb, id); F(cmdq_pkt_cb, thread); F(cmdq_pkt_cb, status);
	F(cmdq_pkt_cb, eoc_ns); F(cmdq_pkt_cb, cb_ns);
	F(cmdq_vblank, pipe); F(cmdq_vblank, frame); F(cmdq_vblank, type);
	F(cmdq_vblank, ts_ns); F(cmdq_vblank, miss); F(cmdq_vblank, id);
	F(cmdq_vblank, thread);
	F(vhost_zc_submit, dev); F(vhost_zc_submit, vq); F(vhost_zc_submit, head);
	F(vhost_zc_submit, len); F(vhost_zc_submit, zerocopy); F(vhost_zc_submit, submit_ns);
	F(vhost_zc_complete, dev); F(vhost_zc_complete, vq); F(vhost_zc_complete, head);
	F(vhost_zc_complete, success); F(vhost_zc_complete, copied);
	F(vhost_zc_complete, submit_ns); F(vhost_zc_complete, complete_ns);
	F(vhost_zc_complete, failed);
	F(vhost_zc_kiocb_dequeue, dev); F(vhost_zc_kiocb_dequeue, vq);
	F(vhost_zc_kiocb_dequeue, head); F(vhost_zc_kiocb_dequeue, len);
	F(vhost_zc_kiocb_dequeue, zerocopy); F(vhost_zc_kiocb_dequeue, success);
	F(vhost_zc_kiocb_dequeue, submit_ns); F(vhost_zc_kiocb_dequeue, complete_ns);
	F(vhost_zc_kiocb_dequeue, dequeue_ns); F(vhost_zc_kiocb_dequeue, failed);
	F(vhost_zc_signal, dev); F(vhost_zc_signal, vq); F(vhost_zc_signal, count);
	F(vhost_zc_signal, used_idx); F(vhost_zc_signal, first_submit_ns);
	F(vhost_zc_signal, signal_ns); F(vhost_zc_signal, submit_ns);
	return 0;
}
