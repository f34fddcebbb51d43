/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The common header of every trace event record (tracefs format files) */
#ifndef __QLAT_TP_COMMON_H
#define __QLAT_TP_COMMON_H

struct tp_common {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
};

#endif /* __QLAT_TP_COMMON_H */
