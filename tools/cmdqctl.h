/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cmdqctl's pieces shared by its files (cmdqctl*.c) */
#ifndef __QLAT_TOOLS_CMDQCTL_H
#define __QLAT_TOOLS_CMDQCTL_H

#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <uapi/linux/cmdq.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* global options (cmdqctl.c) */
struct cmdqctl_globals {
	const char *dev;
	int fd;			/* -f: inherited fd; else opened from dev */
	int thread;		/* -t: bind before the command; -1: no */
};
extern struct cmdqctl_globals g;
extern int devfd;		/* open_dev()'s, bound to -t first if given */

const char *errname(int e);
const char *staname(int sta);
int parse_u64(const char *s, uint64_t *v);
int parse_u32(const char *s, uint32_t *v);
int open_dev(void);

/* the options of every command, parsed by cmd_argp() (cmdqctl.c) */
struct cmd_args {
	bool async, raw, no_finalize, oneline, values;
	const char *prefix;
	uint32_t timeout_ms;
	bool timeout_set;
	uint64_t seed;
	uint64_t count;
	uint32_t duration_ms;
	uint32_t depth;
	uint32_t ops;
	uint32_t max_ops;
	uint64_t rate;
	int nargs;
	char **args;
};

enum {
	OPT_ASYNC = 'a', OPT_RAW = 'r', OPT_NOFIN = 'n', OPT_TIMEOUT = 'T',
	OPT_SEED = 's', OPT_COUNT = 'c', OPT_DURATION = 'D', OPT_DEPTH = 'q',
	OPT_OPS = 'o', OPT_MAXOPS = 'm', OPT_ONELINE = '1', OPT_VALUES = 'V',
	OPT_PREFIX = 'p', OPT_RATE = 'R',
};

int cmd_argp(int argc, char **argv, const struct argp_option *opts,
	     const char *args_doc, const char *doc, struct cmd_args *a);

#define OP_DOC \
	"\vAn OP is NAME[:KEY=VALUE,...]. NAMEs: write write_mask poll poll_mask wfe " \
	"clear_event set_event acquire_event jump assign logic, or an op number. KEYs: " \
	"subsys base offset value mask event reg lop left right lreg rreg flags reserved; " \
	"lop takes assign add sub mul xor not or and shl shr or a number; lreg=1/rreg=1 " \
	"make left/right register operands. Numbers are C literals (0x.., negative ok)."

/* cmdqctl_ops.c: an op from NAME[:KEY=VALUE,...]; the reference encoder */
int parse_op(const char *spec, struct cmdq_ioc_op *op);
int parse_ops(int n, char **args, struct cmdq_ioc_op **out);
int ref_encode(const struct cmdq_ioc_op *op, uint64_t *w);

/* one GCE instruction word */
static inline uint64_t inst(uint32_t op, uint32_t a, uint32_t b)
{
	return (uint64_t)((op << 24) | a) << 32 | b;
}

/* the commands, argv[0] = "cmdqctl NAME" */
int cmd_encode(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_bind(int argc, char **argv);
int cmd_unbind(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_regs(int argc, char **argv);
int cmd_event(int argc, char **argv);
int cmd_poll(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_frame_wait(int argc, char **argv);	/* cmdqctl_cmds.c */
int cmd_fuzz(int argc, char **argv);		/* cmdqctl_fuzz.c */
int cmd_load(int argc, char **argv);		/* cmdqctl_load.c */
int cmd_errnos(int argc, char **argv);		/* cmdqctl_errnos.c */

#endif /* __QLAT_TOOLS_CMDQCTL_H */
