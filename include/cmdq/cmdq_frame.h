/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdq_frame.ko: an in-kernel display client of the CMDQ helper on the GCE
 * model (kernel/cmdq/cmdq_frame_priv.h). This is the API it exports to
 * sibling modules (/dev/cmdq).
 */
#ifndef __QLAT_CMDQ_FRAME_H__
#define __QLAT_CMDQ_FRAME_H__

#include <uapi/linux/cmdq.h>

void cmdq_frame_get_stats(struct cmdq_ioc_frame_stats *st);

#endif /* __QLAT_CMDQ_FRAME_H__ */
