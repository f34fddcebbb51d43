// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cmdqctl: drive /dev/cmdq (cmdq_dev.ko) from the command line, for tests,
 * fuzzing and load generation. See docs/cmdq.md.
 *
 *   cmdqctl [-d DEV | -f FD] [-t THREAD] COMMAND [OPTIONS] [ARGS]
 *
 * An op is written NAME[:KEY=VALUE,...], e.g. write:subsys=1,offset=0x40,
 * value=0x12345678 or wfe:event=11; see "cmdqctl encode --help".
 */
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

/* ---- global options ------------------------------------------------------ */

static struct {
	const char *dev;
	int fd;			/* -f: inherited fd; else opened from dev */
	int thread;		/* -t: bind before the command; -1: no */
} g = { .dev = "/dev/cmdq", .fd = -1, .thread = -1 };

static int devfd = -1;

static const char *errname(int e)
{
	const char *n;

	if (!e)
		return "OK";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

/* status as the kernel reports it (0 or -errno) */
static const char *staname(int sta)
{
	return errname(sta < 0 ? -sta : sta);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	if (*s == '-')
		*v = (uint64_t)strtoll(s, &end, 0);
	else
		*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || (x > UINT32_MAX && ((int64_t)x < INT32_MIN || (int64_t)x >= 0)))
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int open_dev(void)
{
	struct cmdq_ioc_bind b = { 0 };

	if (devfd >= 0)
		return 0;
	if (g.fd >= 0) {
		devfd = g.fd;
	} else {
		devfd = open(g.dev, O_RDWR | O_CLOEXEC);
		if (devfd < 0) {
			fprintf(stderr, "cmdqctl: %s: %s\n", g.dev, strerror(errno));
			return -errno;
		}
	}
	if (g.thread >= 0) {
		b.thread = g.thread;
		if (ioctl(devfd, CMDQ_IOC_BIND, &b)) {
			fprintf(stderr, "cmdqctl: bind thread %d: %s\n", g.thread, errname(errno));
			return -errno;
		}
	}
	return 0;
}

/* ---- ops: parsing and the reference encoder ------------------------------ */

static const struct {
	const char *name;
	int op;
} op_names[] = {
	{ "write", CMDQ_OP_WRITE },
	{ "write_mask", CMDQ_OP_WRITE_MASK },
	{ "poll", CMDQ_OP_POLL },
	{ "poll_mask", CMDQ_OP_POLL_MASK },
	{ "wfe", CMDQ_OP_WFE },
	{ "clear_event", CMDQ_OP_CLEAR_EVENT },
	{ "set_event", CMDQ_OP_SET_EVENT },
	{ "acquire_event", CMDQ_OP_ACQUIRE_EVENT },
	{ "jump", CMDQ_OP_JUMP },
	{ "assign", CMDQ_OP_ASSIGN },
	{ "logic", CMDQ_OP_LOGIC },
};

static const struct {
	const char *name;
	int lop;
} lop_names[] = {
	{ "assign", CMDQ_LOP_ASSIGN }, { "add", CMDQ_LOP_ADD }, { "sub", CMDQ_LOP_SUB },
	{ "mul", CMDQ_LOP_MUL }, { "xor", CMDQ_LOP_XOR }, { "not", CMDQ_LOP_NOT },
	{ "or", CMDQ_LOP_OR }, { "and", CMDQ_LOP_AND }, { "shl", CMDQ_LOP_SHL },
	{ "shr", CMDQ_LOP_SHR },
};

/* NAME[:KEY=VALUE,...]; NAME may be a number (any op code, for tests) */
static int parse_op(const char *spec, struct cmdq_ioc_op *op)
{
	char *s = strdup(spec), *name, *kv, *save = NULL, *val;
	uint64_t v;
	size_t i;
	int err = -EINVAL;

	memset(op, 0, sizeof(*op));
	if (!s)
		return -ENOMEM;
	name = strtok_r(s, ":", &save);
	if (!name)
		goto out;
	for (i = 0; i < ARRAY_SIZE(op_names); i++)
		if (!strcmp(name, op_names[i].name))
			op->op = op_names[i].op;
	if (!op->op) {
		if (parse_u64(name, &v) || v > 0xff)
			goto out;
		op->op = v;
	}
	while ((kv = strtok_r(NULL, ",", &save))) {
		val = strchr(kv, '=');
		if (!val)
			goto out;
		*val++ = '\0';
		if (!strcmp(kv, "lop")) {
			for (i = 0; i < ARRAY_SIZE(lop_names); i++)
				if (!strcmp(val, lop_names[i].name))
					break;
			if (i < ARRAY_SIZE(lop_names)) {
				op->lop = lop_names[i].lop;
				continue;
			}
		}
		if (parse_u64(val, &v))
			goto out;
		if (!strcmp(kv, "subsys"))
			op->subsys = v;
		else if (!strcmp(kv, "base"))
			op->base = v;
		else if (!strcmp(kv, "offset"))
			op->offset = v;
		else if (!strcmp(kv, "value"))
			op->value = v;
		else if (!strcmp(kv, "mask"))
			op->mask = v;
		else if (!strcmp(kv, "event"))
			op->event = v;
		else if (!strcmp(kv, "reg"))
			op->reg = v;
		else if (!strcmp(kv, "lop"))
			op->lop = v;
		else if (!strcmp(kv, "left"))
			op->left = v;
		else if (!strcmp(kv, "right"))
			op->right = v;
		else if (!strcmp(kv, "lreg"))
			op->flags |= v ? CMDQ_OPF_LEFT_REG : 0;
		else if (!strcmp(kv, "rreg"))
			op->flags |= v ? CMDQ_OPF_RIGHT_REG : 0;
		else if (!strcmp(kv, "flags"))
			op->flags = v;
		else if (!strcmp(kv, "reserved"))
			op->reserved = v;
		else
			goto out;
	}
	err = 0;
out:
	if (err)
		fprintf(stderr, "cmdqctl: bad op '%s'\n", spec);
	free(s);
	return err;
}

static inline uint64_t inst(uint32_t op, uint32_t a, uint32_t b)
{
	return (uint64_t)((op << 24) | a) << 32 | b;
}

static bool ref_reg_ok(uint32_t r)
{
	return r < 4 || (r >= 0x20 && r < 0x30);
}

static bool ref_lop_ok(uint32_t l)
{
	return l <= CMDQ_LOP_MUL || (l >= CMDQ_LOP_XOR && l <= CMDQ_LOP_SHR);
}

static int ref_arg_a(const struct cmdq_ioc_op *op, uint32_t *arg_a)
{
	uint32_t base = op->base, hi;
	int id;

	if (!base && op->subsys >= 1 && op->subsys <= 3)
		base = CMDQ_IOC_REG_BASE + ((uint32_t)(op->subsys - 1) << 16);
	hi = base >> 16;
	id = hi >= 0x1400 && hi <= 0x1402 ? (int)(hi - 0x1400 + 1) : -1;
	if (id != op->subsys || ((base | op->offset) & 3) ||
	    op->offset >= 0x10000 - (base & 0xffff))
		return -EINVAL;
	*arg_a = ((base + op->offset) & 0xffff) | ((uint32_t)op->subsys << 16);
	return 0;
}

/*
 * The reference encoder: what the kernel must produce for @op (the seed's
 * encoding), or -EINVAL when it must reject it. Returns the word count.
 */
static int ref_encode(const struct cmdq_ioc_op *op, uint64_t *w)
{
	static const uint16_t used[] = {
		[CMDQ_OP_WRITE] = 0x00f, [CMDQ_OP_WRITE_MASK] = 0x01f,
		[CMDQ_OP_POLL] = 0x00f, [CMDQ_OP_POLL_MASK] = 0x01f,
		[CMDQ_OP_WFE] = 0x020, [CMDQ_OP_CLEAR_EVENT] = 0x020,
		[CMDQ_OP_SET_EVENT] = 0x020, [CMDQ_OP_ACQUIRE_EVENT] = 0x020,
		[CMDQ_OP_JUMP] = 0x008, [CMDQ_OP_ASSIGN] = 0x048, [CMDQ_OP_LOGIC] = 0x7c0,
	};
	uint16_t nz = (op->subsys ? 0x1 : 0) | (op->base ? 0x2 : 0) | (op->offset ? 0x4 : 0) |
		      (op->value ? 0x8 : 0) | (op->mask ? 0x10 : 0) | (op->event ? 0x20 : 0) |
		      (op->reg ? 0x40 : 0) | (op->lop ? 0x80 : 0) | (op->left ? 0x100 : 0) |
		      (op->right ? 0x200 : 0) | (op->flags ? 0x400 : 0);
	uint32_t a, sb;
	int32_t j;

	if (!op->op || op->op > CMDQ_OP_MAX || op->reserved || (nz & ~used[op->op]))
		return -EINVAL;
	switch (op->op) {
	case CMDQ_OP_WRITE:
	case CMDQ_OP_POLL:
		if (ref_arg_a(op, &a))
			return -EINVAL;
		w[0] = inst(op->op == CMDQ_OP_WRITE ? 0x04 : 0x08, a, op->value);
		return 1;
	case CMDQ_OP_WRITE_MASK:
	case CMDQ_OP_POLL_MASK:
		if (ref_arg_a(op, &a))
			return -EINVAL;
		if (op->op == CMDQ_OP_WRITE_MASK && op->mask == UINT32_MAX) {
			w[0] = inst(0x04, a, op->value);
			return 1;
		}
		w[0] = inst(0x02, 0, ~op->mask);
		w[1] = inst(op->op == CMDQ_OP_WRITE_MASK ? 0x04 : 0x08, a | 1, op->value);
		return 2;
	case CMDQ_OP_WFE:
	case CMDQ_OP_CLEAR_EVENT:
	case CMDQ_OP_SET_EVENT:
	case CMDQ_OP_ACQUIRE_EVENT:
		if (op->event >= CMDQ_IOC_NR_EVENTS)
			return -EINVAL;
		w[0] = inst(0x20, op->event,
			    op->op == CMDQ_OP_WFE ? 0x80008001 :
			    op->op == CMDQ_OP_CLEAR_EVENT ? 0x80000000 :
			    op->op == CMDQ_OP_SET_EVENT ? 0x80010000 : 0x80018000);
		return 1;
	case CMDQ_OP_JUMP:
		j = (int32_t)op->value;
		if (!j || j % 8)
			return -EINVAL;
		w[0] = inst(0x10, 0, op->value);
		return 1;
	case CMDQ_OP_ASSIGN:
		if (!ref_reg_ok(op->reg))
			return -EINVAL;
		w[0] = inst(0xa0, 0x80 << 16 | op->reg, op->value);
		return 1;
	case CMDQ_OP_LOGIC:
		if ((op->flags & ~(CMDQ_OPF_LEFT_REG | CMDQ_OPF_RIGHT_REG)) ||
		    !ref_lop_ok(op->lop) || !ref_reg_ok(op->reg) ||
		    ((op->flags & CMDQ_OPF_LEFT_REG) && !ref_reg_ok(op->left)) ||
		    ((op->flags & CMDQ_OPF_RIGHT_REG) && !ref_reg_ok(op->right)))
			return -EINVAL;
		sb = op->lop | 0x80 | (op->flags & CMDQ_OPF_LEFT_REG ? 0x40 : 0) |
		     (op->flags & CMDQ_OPF_RIGHT_REG ? 0x20 : 0);
		w[0] = inst(0xa0, sb << 16 | op->reg, (uint32_t)op->left << 16 | op->right);
		return 1;
	}
	return -EINVAL;
}

/* ---- subcommand plumbing ---------------------------------------------------- */

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
	int nargs;
	char **args;
};

enum {
	OPT_ASYNC = 'a', OPT_RAW = 'r', OPT_NOFIN = 'n', OPT_TIMEOUT = 'T',
	OPT_SEED = 's', OPT_COUNT = 'c', OPT_DURATION = 'D', OPT_DEPTH = 'q',
	OPT_OPS = 'o', OPT_MAXOPS = 'm', OPT_ONELINE = '1', OPT_VALUES = 'V',
	OPT_PREFIX = 'p',
};

static error_t cmd_parse(int key, char *arg, struct argp_state *state)
{
	struct cmd_args *a = state->input;
	uint64_t v;

	switch (key) {
	case OPT_ASYNC:
		a->async = true;
		break;
	case OPT_RAW:
		a->raw = true;
		break;
	case OPT_NOFIN:
		a->no_finalize = true;
		break;
	case OPT_ONELINE:
		a->oneline = true;
		break;
	case OPT_VALUES:
		a->values = true;
		break;
	case OPT_PREFIX:
		a->prefix = arg;
		break;
	case OPT_TIMEOUT:
	case OPT_SEED:
	case OPT_COUNT:
	case OPT_DURATION:
	case OPT_DEPTH:
	case OPT_OPS:
	case OPT_MAXOPS:
		if (parse_u64(arg, &v))
			argp_error(state, "invalid number '%s'", arg);
		if (key == OPT_TIMEOUT) {
			a->timeout_ms = v;
			a->timeout_set = true;
		} else if (key == OPT_SEED) {
			a->seed = v;
		} else if (key == OPT_COUNT) {
			a->count = v;
		} else if (key == OPT_DURATION) {
			a->duration_ms = v;
		} else if (key == OPT_DEPTH) {
			a->depth = v;
		} else if (key == OPT_OPS) {
			a->ops = v;
		} else {
			a->max_ops = v;
		}
		break;
	case ARGP_KEY_ARGS:
		a->args = state->argv + state->next;
		a->nargs = state->argc - state->next;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmd_argp(int argc, char **argv, const struct argp_option *opts,
		    const char *args_doc, const char *doc, struct cmd_args *a)
{
	struct argp argp = { opts, cmd_parse, args_doc, doc };

	return argp_parse(&argp, argc, argv, 0, NULL, a);
}

#define OP_DOC \
	"\vAn OP is NAME[:KEY=VALUE,...]. NAMEs: write write_mask poll poll_mask wfe " \
	"clear_event set_event acquire_event jump assign logic, or an op number. KEYs: " \
	"subsys base offset value mask event reg lop left right lreg rreg flags reserved; " \
	"lop takes assign add sub mul xor not or and shl shr or a number; lreg=1/rreg=1 " \
	"make left/right register operands. Numbers are C literals (0x.., negative ok)."

static int parse_ops(int n, char **args, struct cmdq_ioc_op **out)
{
	struct cmdq_ioc_op *ops = calloc(n ? n : 1, sizeof(*ops));
	int i;

	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (parse_op(args[i], &ops[i])) {
			free(ops);
			return -EINVAL;
		}
	*out = ops;
	return 0;
}

/* ---- encode, submit, wait, bind, unbind, info, regs, event, poll -------------- */

static int cmd_encode(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "no-finalize", OPT_NOFIN, 0, 0, "Do not append EOC + JUMP", 0 },
		{ "oneline", OPT_ONELINE, 0, 0, "All words on one line", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_build b = { 0 };
	struct cmdq_ioc_op *ops;
	uint64_t *words;
	uint32_t i;

	if (cmd_argp(argc, argv, opts, "OP...",
		     "Encode ops with CMDQ_IOC_BUILD; print one word per line." OP_DOC, &a))
		return 2;
	if (parse_ops(a.nargs, a.args, &ops) || open_dev())
		return 2;
	words = calloc(2 * a.nargs + 2, sizeof(*words));
	b.ops = (uintptr_t)ops;
	b.words = (uintptr_t)words;
	b.count = a.nargs;
	b.max_words = 2 * a.nargs + 2;
	b.flags = a.no_finalize ? 0 : CMDQ_BUILD_FINALIZE;
	if (ioctl(devfd, CMDQ_IOC_BUILD, &b)) {
		printf("error %s", errname(errno));
		if (b.error_index != UINT32_MAX && errno == EINVAL)
			printf(" index %u", b.error_index);
		printf("\n");
		return 1;
	}
	for (i = 0; i < b.nwords; i++)
		printf("0x%016" PRIx64 "%c", words[i],
		       a.oneline && i + 1 < b.nwords ? ' ' : '\n');
	return 0;
}

static int cmd_submit(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "async", OPT_ASYNC, 0, 0, "Return a ticket at once", 0 },
		{ "raw", OPT_RAW, 0, 0, "Arguments are raw 64-bit instruction words", 0 },
		{ "timeout", OPT_TIMEOUT, "MS", 0, "Sync flush timeout (default 1000)", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_submit s = { 0 };
	struct cmdq_ioc_op *ops = NULL;
	uint64_t *words = NULL;
	int i, ret;

	if (cmd_argp(argc, argv, opts, "OP...|WORD...",
		     "Submit one packet. Prints 'status S pkt ID inst N' (sync) or "
		     "'ticket T pkt ID inst N' (async); exit 1 on failure." OP_DOC, &a))
		return 2;
	if (a.raw) {
		words = calloc(a.nargs ? a.nargs : 1, sizeof(*words));
		for (i = 0; i < a.nargs; i++)
			if (parse_u64(a.args[i], &words[i])) {
				fprintf(stderr, "cmdqctl: bad word '%s'\n", a.args[i]);
				return 2;
			}
		s.data = (uintptr_t)words;
	} else {
		if (parse_ops(a.nargs, a.args, &ops))
			return 2;
		s.data = (uintptr_t)ops;
	}
	if (open_dev())
		return 2;
	s.count = a.nargs;
	s.flags = (a.async ? CMDQ_SUBMIT_ASYNC : 0) | (a.raw ? CMDQ_SUBMIT_RAW : 0);
	s.timeout_ms = a.timeout_ms;
	s.error_index = UINT32_MAX;
	ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
	if (ret && (a.async || !s.pkt_id)) {
		printf("error %s", errname(errno));
		if (s.error_index != UINT32_MAX)
			printf(" index %u", s.error_index);
		printf("\n");
		return 1;
	}
	if (a.async)
		printf("ticket %llu pkt %u inst %u\n", (unsigned long long)s.ticket, s.pkt_id,
		       s.inst);
	else
		printf("status %s pkt %u inst %u\n", staname(s.status), s.pkt_id, s.inst);
	return ret ? 1 : 0;
}

static int cmd_wait(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0,
		  "0: do not block; default: wait forever", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct cmdq_ioc_wait w = { 0 };
	uint64_t t = 0;

	if (cmd_argp(argc, argv, opts, "[TICKET]",
		     "Reap a completed async packet (0 or none: the oldest completion). "
		     "Prints 'ticket T status S pkt ID flush_ns F eoc_ns E'.", &a))
		return 2;
	if (a.nargs > 1 || (a.nargs == 1 && parse_u64(a.args[0], &t))) {
		fprintf(stderr, "cmdqctl: wait [TICKET]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	w.ticket = t;
	w.timeout_ms = a.timeout_set ? a.timeout_ms : CMDQ_WAIT_FOREVER;
	if (ioctl(devfd, CMDQ_IOC_WAIT, &w)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("ticket %llu status %s pkt %u flush_ns %llu eoc_ns %llu\n",
	       (unsigned long long)w.done_ticket, staname(w.status), w.pkt_id,
	       (unsigned long long)w.flush_ns, (unsigned long long)w.eoc_ns);
	return 0;
}

static int simple_ioctl_result(int ret)
{
	if (ret) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int cmd_bind(int argc, char **argv)
{
	struct cmdq_ioc_bind b = { 0 };
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, "THREAD", "Bind the fd to a GCE thread.", &a))
		return 2;
	if (a.nargs != 1 || parse_u32(a.args[0], &b.thread)) {
		fprintf(stderr, "cmdqctl: bind THREAD\n");
		return 2;
	}
	if (open_dev())
		return 2;
	return simple_ioctl_result(ioctl(devfd, CMDQ_IOC_BIND, &b));
}

static int cmd_unbind(int argc, char **argv)
{
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, NULL,
		     "Unbind the fd; its pending packets complete with ECONNABORTED.", &a))
		return 2;
	if (open_dev())
		return 2;
	return simple_ioctl_result(ioctl(devfd, CMDQ_IOC_UNBIND));
}

static int cmd_info(int argc, char **argv)
{
	struct cmdq_ioc_info i;
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, NULL, "Print the fd's binding and the limits.", &a))
		return 2;
	if (open_dev())
		return 2;
	if (ioctl(devfd, CMDQ_IOC_INFO, &i)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("version %u\nthread %d\nnr_threads %u\nnr_pipes %u\nnr_events %u\n"
	       "max_ops %u\nmax_tickets %u\nmax_timeout_ms %u\npending %u\ndone %u\n",
	       i.version, i.thread, i.nr_threads, i.nr_pipes, i.nr_events, i.max_ops,
	       i.max_tickets, i.max_timeout_ms, i.pending, i.done);
	return 0;
}

static int cmd_regs(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "values", OPT_VALUES, 0, 0, "Only the values, on one line", 0 },
		{ 0 },
	};
	struct cmdq_ioc_regs r = { 0 };
	struct cmd_args a = { 0 };
	uint32_t *buf, i;

	if (cmd_argp(argc, argv, opts, "PA [COUNT]",
		     "Print COUNT (default 1) registers from PA: 'ADDR VALUE' lines.", &a))
		return 2;
	r.count = 1;
	if (a.nargs < 1 || a.nargs > 2 || parse_u32(a.args[0], &r.pa) ||
	    (a.nargs == 2 && parse_u32(a.args[1], &r.count))) {
		fprintf(stderr, "cmdqctl: regs PA [COUNT]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	buf = calloc(r.count ? r.count : 1, sizeof(*buf));
	r.buf = (uintptr_t)buf;
	if (ioctl(devfd, CMDQ_IOC_REGS, &r)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	for (i = 0; i < r.count; i++) {
		if (a.values)
			printf("0x%08x%c", buf[i], i + 1 < r.count ? ' ' : '\n');
		else
			printf("0x%08x 0x%08x\n", r.pa + 4 * i, buf[i]);
	}
	return 0;
}

static int cmd_event(int argc, char **argv)
{
	struct cmdq_ioc_event e = { 0 };
	struct cmd_args a = { 0 };

	if (cmd_argp(argc, argv, NULL, "EVENT [VALUE]",
		     "Print an event's value; with VALUE, set it first (as the CPU would).", &a))
		return 2;
	if (a.nargs < 1 || a.nargs > 2 || parse_u32(a.args[0], &e.event) ||
	    (a.nargs == 2 && parse_u32(a.args[1], &e.value))) {
		fprintf(stderr, "cmdqctl: event EVENT [VALUE]\n");
		return 2;
	}
	if (open_dev())
		return 2;
	e.flags = a.nargs == 2 ? CMDQ_EVENT_SET : 0;
	if (ioctl(devfd, CMDQ_IOC_EVENT, &e)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	printf("%u\n", e.value);
	return 0;
}

static int cmd_poll(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0, "poll() timeout (default 0)", 0 },
		{ 0 },
	};
	struct cmd_args a = { 0 };
	struct pollfd p;
	int n;

	if (cmd_argp(argc, argv, opts, NULL,
		     "poll() the fd; prints 'pollin 0|1 pollout 0|1'.", &a))
		return 2;
	if (open_dev())
		return 2;
	p.fd = devfd;
	p.events = POLLIN | POLLOUT;
	n = poll(&p, 1, a.timeout_ms);
	if (n < 0) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	if (!n)
		p.revents = 0;
	printf("pollin %d pollout %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
	return 0;
}

/* ---- stats ---------------------------------------------------------------------- */

static const char *out_prefix;

/* one counter: "name value", or with --prefix "P_name=value" for eval */
static void out(const char *fmt_name, const char *suffix, long long v)
{
	if (out_prefix)
		printf("%s_%s%s=%lld\n", out_prefix, fmt_name, suffix, v);
	else
		printf("%s%s %lld\n", fmt_name, suffix, v);
}

static void out_u64s(const char *prefix, const char *const *names, const __u64 *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out(prefix, names[i], (long long)v[i]);
}

static int cmd_stats(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "prefix", OPT_PREFIX, "P", 0, "Print P_name=value lines (for eval)", 0 },
		{ 0 },
	};
	static const char *const helper[] = {
		"pkt_created", "pkt_destroyed", "pkt_leaked", "pkt_finalized", "flush_sync",
		"flush_async", "send_errors", "cb_delivered", "cb_ok", "cb_enoexec",
		"cb_econnaborted", "cb_etimedout", "cb_other", "sync_timeouts", "clients",
		"gce_registered",
	};
	static const char *const dev[] = {
		"opens", "releases", "binds", "bind_errors", "unbinds", "submits",
		"submit_rejected", "raw_flushed", "sync_flushed", "sync_ok", "sync_enoexec",
		"sync_etimedout", "sync_econnaborted", "sync_other", "async_flushed",
		"async_ok", "async_enoexec", "async_econnaborted", "async_other", "reaped",
		"release_aborted", "builds", "tasks_live",
	};
	static const char *const fpipe[] = {
		"committed", "cb_ok", "cb_enoexec", "cb_econnaborted", "cb_other", "late",
		"late_injected", "stall_frames", "bad_frames", "skipped", "build_errors",
		"flush_errors",
	};
	static const char *const thr[] = {
		"submitted", "chained", "inst", "done", "errors", "aborted", "poll_timeouts",
		"limit_errors", "injected", "stalls", "irq_delays", "chain_errors", "misses",
	};
	static const char *const pipe[] = { "frames", "eofs", "misses", "skipped" };
	struct cmdq_ioc_stats *st = calloc(1, sizeof(*st));
	unsigned long long tot[ARRAY_SIZE(thr)] = { 0 }, ptot[ARRAY_SIZE(pipe)] = { 0 };
	struct cmd_args a = { 0 };
	char pfx[32];
	unsigned int i, k;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Print every counter as 'name value' lines: helper_*, dev_*, frame_*, "
		     "frameP_*, threadT_*, pipeP_*, and the sums over threads (threads_*) "
		     "and pipes (pipes_*).", &a))
		return 2;
	out_prefix = a.prefix;
	if (open_dev())
		return 2;
	if (ioctl(devfd, CMDQ_IOC_STATS, st)) {
		printf("error %s\n", errname(errno));
		return 1;
	}
	out_u64s("helper_", helper, &st->helper.pkt_created, ARRAY_SIZE(helper));
	out_u64s("dev_", dev, &st->dev.opens, ARRAY_SIZE(dev));
	out("frame_", "enabled", st->frame.enabled);
	out("frame_", "done", st->frame.done);
	out("frame_", "pipes", st->frame.pipes);
	out("frame_", "writes", st->frame.writes);
	out("frame_", "frames", st->frame.frames);
	out("frame_", "commit_offset_us", st->frame.commit_offset_us);
	out("frame_", "probes", st->frame.probes);
	out("frame_", "timeouts", st->frame.timeouts);
	out("frame_", "probe_followup_ok", st->frame.probe_followup_ok);
	out("frame_", "probe_last_status", st->frame.probe_last_status);
	out("frame_", "probe_last_followup", st->frame.probe_last_followup);
	for (i = 0; i < CMDQ_IOC_NR_PIPES; i++) {
		const struct cmdq_ioc_frame_pipe_stats *p = &st->frame.pipe[i];

		snprintf(pfx, sizeof(pfx), "frame%u_", i);
		out_u64s(pfx, fpipe, &p->committed, ARRAY_SIZE(fpipe));
		out(pfx, "thread", p->thread);
		out(pfx, "inflight", p->inflight);
		out(pfx, "last_frame", p->last_frame);
	}
	for (i = 0; i < CMDQ_IOC_NR_THREADS; i++) {
		const struct cmdq_ioc_thread_stats *t = &st->thread[i];

		snprintf(pfx, sizeof(pfx), "thread%u_", i);
		out_u64s(pfx, thr, &t->submitted, ARRAY_SIZE(thr));
		for (k = 0; k < ARRAY_SIZE(thr); k++)
			tot[k] += (&t->submitted)[k];
		out(pfx, "queued", t->queued);
		out(pfx, "state", t->state);
		out(pfx, "wait_event", t->wait_event);
		out(pfx, "bound", t->bound);
		out(pfx, "last_status", t->last_status);
		out(pfx, "last_pkt", t->last_pkt_id);
		out(pfx, "last_pipe", t->last_pipe);
		out(pfx, "last_frame", t->last_frame);
		out(pfx, "last_inst", t->last_inst);
		out(pfx, "last_missed", t->last_missed);
		out(pfx, "last_err", t->last_err);
		out(pfx, "last_err_pc", t->last_err_pc);
	}
	for (k = 0; k < ARRAY_SIZE(thr); k++)
		out("threads_", thr[k], tot[k]);
	for (i = 0; i < CMDQ_IOC_NR_PIPES; i++) {
		const struct cmdq_ioc_pipe_stats *p = &st->pipe[i];

		snprintf(pfx, sizeof(pfx), "pipe%u_", i);
		out_u64s(pfx, pipe, &p->frames, ARRAY_SIZE(pipe));
		for (k = 0; k < ARRAY_SIZE(pipe); k++)
			ptot[k] += (&p->frames)[k];
		out(pfx, "running", p->running);
		out(pfx, "hz", p->hz);
		out(pfx, "vblank_us", p->vblank_us);
		out(pfx, "frame", p->frame);
	}
	for (k = 0; k < ARRAY_SIZE(pipe); k++)
		out("pipes_", pipe[k], ptot[k]);
	free(st);
	return 0;
}

/* ---- fuzz ----------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rndn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(uint32_t pct)
{
	return rndn(100) < pct;
}

/* events the fuzzer plays with; it sets some itself so that waits can pass */
#define FZ_EVT0		896
#define FZ_NEVT		16
/* registers it writes: subsys 2 */
#define FZ_SUBSYS	2

static void fz_op(struct cmdq_ioc_op *op, uint32_t *set_mask)
{
	static const uint8_t weights[][2] = {
		{ CMDQ_OP_WRITE, 25 }, { CMDQ_OP_WRITE_MASK, 12 }, { CMDQ_OP_POLL, 3 },
		{ CMDQ_OP_POLL_MASK, 3 }, { CMDQ_OP_WFE, 6 }, { CMDQ_OP_CLEAR_EVENT, 6 },
		{ CMDQ_OP_SET_EVENT, 10 }, { CMDQ_OP_ACQUIRE_EVENT, 2 }, { CMDQ_OP_JUMP, 5 },
		{ CMDQ_OP_ASSIGN, 12 }, { CMDQ_OP_LOGIC, 16 },
	};
	uint32_t r = rndn(100), acc = 0, i, e;

	memset(op, 0, sizeof(*op));
	for (i = 0; i < ARRAY_SIZE(weights); i++) {
		acc += weights[i][1];
		if (r < acc)
			break;
	}
	op->op = i < ARRAY_SIZE(weights) ? weights[i][0] : CMDQ_OP_WRITE;
	switch (op->op) {
	case CMDQ_OP_WRITE:
	case CMDQ_OP_WRITE_MASK:
	case CMDQ_OP_POLL:
	case CMDQ_OP_POLL_MASK:
		op->subsys = chance(97) ? FZ_SUBSYS : rndn(6);
		op->base = chance(90) ? 0 : CMDQ_IOC_REG_BASE + (rndn(4) << 16) + (rndn(16) << 12);
		op->offset = chance(95) ? rndn(64) * 4 : (uint32_t)rnd();
		op->value = chance(50) ? rndn(4) : (uint32_t)rnd();
		if (op->op == CMDQ_OP_WRITE_MASK || op->op == CMDQ_OP_POLL_MASK)
			op->mask = chance(20) ? UINT32_MAX : (uint32_t)rnd();
		if (op->op == CMDQ_OP_POLL || op->op == CMDQ_OP_POLL_MASK) {
			/* a poll that matches: poll for what is most likely there */
			if (chance(70)) {
				op->value = 0;
				op->offset = 0x1000 + rndn(16) * 4;
			}
		}
		break;
	case CMDQ_OP_WFE:
	case CMDQ_OP_ACQUIRE_EVENT:
	case CMDQ_OP_CLEAR_EVENT:
	case CMDQ_OP_SET_EVENT:
		e = rndn(FZ_NEVT);
		if (op->op == CMDQ_OP_WFE && *set_mask && chance(90)) {
			/* wait for an event this packet set */
			do
				e = rndn(FZ_NEVT);
			while (!(*set_mask & (1u << e)));
			*set_mask &= ~(1u << e);
		} else if (op->op == CMDQ_OP_ACQUIRE_EVENT) {
			if (*set_mask & (1u << e))
				op->op = CMDQ_OP_CLEAR_EVENT;
			else
				*set_mask |= 1u << e;
		} else if (op->op == CMDQ_OP_SET_EVENT) {
			*set_mask |= 1u << e;
		} else if (op->op == CMDQ_OP_CLEAR_EVENT) {
			*set_mask &= ~(1u << e);
		}
		op->event = FZ_EVT0 + e;
		if (chance(2))
			op->event = rndn(2048);
		break;
	case CMDQ_OP_JUMP:
		/* mostly forward jumps by one instruction (a no-op) */
		op->value = chance(80) ? 8 : (uint32_t)((int32_t)rndn(9) - 4) * (chance(90) ? 8 : 3);
		break;
	case CMDQ_OP_ASSIGN:
		op->reg = chance(95) ? (chance(50) ? rndn(4) : CMDQ_IOC_GPR(rndn(16))) : rndn(64);
		op->value = (uint32_t)rnd();
		break;
	case CMDQ_OP_LOGIC:
		op->reg = chance(97) ? (chance(50) ? rndn(4) : CMDQ_IOC_GPR(rndn(16))) : rndn(64);
		op->lop = chance(95) ? (uint8_t[]){ 0, 1, 2, 3, 8, 9, 10, 11, 12, 13 }[rndn(10)] :
				       rndn(16);
		op->flags = rndn(4) | (chance(2) ? 4 : 0);
		op->left = op->flags & CMDQ_OPF_LEFT_REG ?
			   (chance(97) ? CMDQ_IOC_GPR(rndn(16)) : rndn(64)) : rndn(65536);
		op->right = op->flags & CMDQ_OPF_RIGHT_REG ?
			    (chance(97) ? rndn(4) : rndn(64)) : rndn(40);
		break;
	}
	/* structural garbage */
	if (chance(1))
		op->op = chance(50) ? 0 : CMDQ_OP_MAX + 1 + rndn(200);
	if (chance(1))
		op->reserved = 1 + rndn(0xffff);
	if (chance(1))
		op->event |= 1u << rndn(10);
	if (chance(1))
		op->mask |= 1u << rndn(32);
}

static uint64_t fz_word(void)
{
	static const uint8_t codes[] = { 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0xa0 };
	uint32_t op, a, b;

	op = chance(92) ? codes[rndn(ARRAY_SIZE(codes))] : rndn(256);
	a = (uint32_t)rnd() & 0xffffff;
	b = (uint32_t)rnd();
	switch (op) {
	case 0x04:
	case 0x08:
		if (chance(85))
			a = (chance(95) ? 1 + rndn(3) : rndn(256)) << 16 |
			    (chance(90) ? rndn(0x4000) * 4 : rndn(0x10000)) |
			    (chance(30) ? 1 : 0);
		if (op == 0x08 && chance(80)) {
			a = (uint32_t)FZ_SUBSYS << 16 | 0x2000;	/* polls for 0 */
			b = 0;
		}
		break;
	case 0x20:
		if (chance(90))
			a = FZ_EVT0 + rndn(FZ_NEVT);
		b &= 0x80010000 | (chance(10) ? 0x8001 : 0);
		break;
	case 0x10:
		if (chance(70)) {
			a = 0;
			b = chance(70) ? 8 : (uint32_t)(((int32_t)rndn(7) - 3) * 8);
		}
		break;
	case 0x40:
		if (chance(70))
			a = 0;
		b = chance(30) ? 1 : b;
		break;
	case 0xa0:
		if (chance(80))
			a = (0x80 | (rndn(4) << 5) | (uint32_t[]){ 0, 1, 2, 3, 8, 9, 10, 11, 12, 13 }[rndn(10)]) << 16 |
			    (chance(50) ? rndn(4) : 0x20 + rndn(16));
		break;
	}
	return inst(op, a, b);
}

struct fz_totals {
	uint64_t total, oplists, raw, special, async;
	uint64_t ok, einval, e2big, efault, enoexec, etimedout, eagain;
	uint64_t async_ok, async_enoexec, async_econnaborted;
	uint64_t flushed, rejected, builds, mismatch, unexpected;
};

static void fz_unexpected(struct fz_totals *t, uint64_t i, const char *what, int e)
{
	t->unexpected++;
	if (t->unexpected <= 20)
		fprintf(stderr, "fuzz: item %llu (%s): unexpected %s\n",
			(unsigned long long)i, what, errname(e));
}

/* classify a sync submit that reached (or should have reached) the engine */
static void fz_sync_result(struct fz_totals *t, uint64_t i, const char *what, int ret, int e)
{
	if (!ret) {
		t->ok++;
		t->flushed++;
		return;
	}
	switch (e) {
	case ENOEXEC:
		t->enoexec++;
		t->flushed++;
		break;
	case ETIMEDOUT:
		t->etimedout++;
		t->flushed++;
		break;
	default:
		fz_unexpected(t, i, what, e);
	}
}

static int fz_bind(int thread)
{
	struct cmdq_ioc_bind b = { .thread = thread };

	return ioctl(devfd, CMDQ_IOC_BIND, &b) ? -errno : 0;
}

/* one async packet: submit, wait; if it hangs, unbind to abort it and rebind */
static void fz_async(struct fz_totals *t, uint64_t i, struct cmdq_ioc_submit *s, int thread)
{
	struct cmdq_ioc_wait w = { 0 };
	int ret;

	t->async++;
	s->flags |= CMDQ_SUBMIT_ASYNC;
	s->timeout_ms = 0;
	if (ioctl(devfd, CMDQ_IOC_SUBMIT, s)) {
		if (errno == EINVAL)
			t->einval++, t->rejected++;
		else
			fz_unexpected(t, i, "async submit", errno);
		return;
	}
	t->flushed++;
	w.ticket = s->ticket;
	w.timeout_ms = 50;
	ret = ioctl(devfd, CMDQ_IOC_WAIT, &w);
	if (ret && errno == ETIMEDOUT) {
		if (ioctl(devfd, CMDQ_IOC_UNBIND) || fz_bind(thread)) {
			fz_unexpected(t, i, "unbind/bind", errno);
			return;
		}
		w.timeout_ms = 0;
		ret = ioctl(devfd, CMDQ_IOC_WAIT, &w);
	}
	if (ret) {
		fz_unexpected(t, i, "async wait", errno);
		return;
	}
	if (w.status == 0)
		t->async_ok++;
	else if (w.status == -ENOEXEC)
		t->async_enoexec++;
	else if (w.status == -ECONNABORTED)
		t->async_econnaborted++;
	else
		fz_unexpected(t, i, "async status", -w.status);
}

static int cmd_fuzz(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "seed", OPT_SEED, "S", 0, "PRNG seed (default 1)", 0 },
		{ "count", OPT_COUNT, "N", 0, "Submissions (default 1000)", 0 },
		{ "timeout", OPT_TIMEOUT, "MS", 0, "Sync flush timeout (default 10)", 0 },
		{ "max-ops", OPT_MAXOPS, "K", 0, "Ops/words per packet, max (default 12)", 0 },
		{ 0 },
	};
	struct cmd_args a = { .seed = 1, .count = 1000, .timeout_ms = 10, .max_ops = 12 };
	struct cmdq_ioc_op ops[64];
	uint64_t words[64], ref[2 * 64 + 2], got[2 * 64 + 2];
	struct fz_totals t = { 0 };
	struct cmdq_ioc_info info;
	struct timespec t0, t1;
	uint64_t i;
	int thread;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Random op lists and raw word streams, synchronous (and some async) "
		     "submits on the bound thread. Each op list is also checked against a "
		     "reference encoder (acceptance, error index, words). Prints fuzz_* totals; "
		     "exit 1 if anything unexpected happened.", &a))
		return 2;
	if (!a.max_ops || a.max_ops > 64)
		a.max_ops = 64;
	if (open_dev())
		return 2;
	if (ioctl(devfd, CMDQ_IOC_INFO, &info) || info.thread < 0) {
		fprintf(stderr, "cmdqctl: fuzz needs a bound fd (-t THREAD)\n");
		return 2;
	}
	thread = info.thread;
	rng_state = a.seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (i = 0; i < a.count; i++) {
		struct cmdq_ioc_submit s = { .error_index = UINT32_MAX };
		uint32_t n = 1 + rndn(a.max_ops), k, set_mask = 0;
		uint32_t r = rndn(100);
		int ret, nref = 0, want_idx = -1, w;

		t.total++;
		s.timeout_ms = a.timeout_ms;
		if (r < 4) {
			/* bad submissions with an exact expected errno */
			static const int want[] = { EINVAL, E2BIG, EFAULT, EFAULT, EINVAL,
						    EINVAL, EINVAL, EINVAL, EFAULT };
			uint32_t c = rndn(ARRAY_SIZE(want));

			t.special++;
			fz_op(&ops[0], &set_mask);
			s.data = (uintptr_t)ops;
			s.count = 1;
			switch (c) {
			case 0: s.count = 0; break;
			case 1: s.count = CMDQ_IOC_MAX_OPS + 1 + rndn(1000); break;
			case 2: s.data = 0; break;
			case 3: s.data = 0xffff800000000000ull; break;
			case 4: s.flags = 4u << rndn(29); break;
			case 5: s.reserved = 1 + rndn(100); break;
			case 6: s.flags = CMDQ_SUBMIT_ASYNC; s.timeout_ms = 1; break;
			case 7: s.timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS + 1 + rndn(1000); break;
			case 8: s.flags = CMDQ_SUBMIT_RAW; s.data = 8; break;
			}
			ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
			if (!ret || errno != want[c]) {
				fz_unexpected(&t, i, "special", ret ? errno : 0);
				continue;
			}
			t.rejected++;
			if (errno == EINVAL)
				t.einval++;
			else if (errno == E2BIG)
				t.e2big++;
			else
				t.efault++;
			continue;
		}
		if (r < 52) {
			/* an op list */
			t.oplists++;
			for (k = 0; k < n; k++) {
				fz_op(&ops[k], &set_mask);
				w = ref_encode(&ops[k], ref + nref);
				if (w < 0 && want_idx < 0)
					want_idx = k;
				if (w > 0 && want_idx < 0)
					nref += w;
			}
			s.data = (uintptr_t)ops;
			s.count = n;
			if (want_idx < 0) {
				/* the kernel's encoding must be the reference's */
				struct cmdq_ioc_build b = {
					.ops = (uintptr_t)ops, .words = (uintptr_t)got,
					.count = n, .max_words = ARRAY_SIZE(got),
					.flags = CMDQ_BUILD_FINALIZE,
				};

				ref[nref++] = inst(0x40, 0, 1);
				ref[nref++] = inst(0x10, 0, 8);
				t.builds++;
				if (ioctl(devfd, CMDQ_IOC_BUILD, &b) || b.nwords != (uint32_t)nref ||
				    memcmp(got, ref, nref * sizeof(*ref))) {
					t.mismatch++;
					if (t.mismatch <= 10)
						fprintf(stderr, "fuzz: item %llu: BUILD differs from the reference\n",
							(unsigned long long)i);
				}
			}
			if (chance(5) && want_idx < 0) {
				fz_async(&t, i, &s, thread);
				continue;
			}
			ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
			if (want_idx >= 0) {
				/* must be rejected at exactly that op */
				if (!ret || errno != EINVAL || s.error_index != (uint32_t)want_idx) {
					t.mismatch++;
					if (t.mismatch <= 10)
						fprintf(stderr, "fuzz: item %llu: want EINVAL at %d, got %s at %d\n",
							(unsigned long long)i, want_idx,
							errname(ret ? errno : 0), (int)s.error_index);
					if (ret && errno == EINVAL)
						t.einval++, t.rejected++;
					else
						fz_sync_result(&t, i, "oplist", ret, errno);
					continue;
				}
				t.einval++;
				t.rejected++;
				continue;
			}
			fz_sync_result(&t, i, "oplist", ret, errno);
			continue;
		}
		/* raw words */
		t.raw++;
		for (k = 0; k < n; k++)
			words[k] = fz_word();
		s.data = (uintptr_t)words;
		s.count = n;
		s.flags = CMDQ_SUBMIT_RAW;
		if (chance(3)) {
			fz_async(&t, i, &s, thread);
			continue;
		}
		ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
		fz_sync_result(&t, i, "raw", ret, errno);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	printf("fuzz_seed %llu\n", (unsigned long long)a.seed);
	printf("fuzz_total %llu\nfuzz_oplists %llu\nfuzz_raw %llu\nfuzz_special %llu\n"
	       "fuzz_async %llu\n",
	       (unsigned long long)t.total, (unsigned long long)t.oplists,
	       (unsigned long long)t.raw, (unsigned long long)t.special,
	       (unsigned long long)t.async);
	printf("fuzz_ok %llu\nfuzz_enoexec %llu\nfuzz_etimedout %llu\n",
	       (unsigned long long)t.ok, (unsigned long long)t.enoexec,
	       (unsigned long long)t.etimedout);
	printf("fuzz_async_ok %llu\nfuzz_async_enoexec %llu\nfuzz_async_econnaborted %llu\n",
	       (unsigned long long)t.async_ok, (unsigned long long)t.async_enoexec,
	       (unsigned long long)t.async_econnaborted);
	printf("fuzz_einval %llu\nfuzz_e2big %llu\nfuzz_efault %llu\n",
	       (unsigned long long)t.einval, (unsigned long long)t.e2big,
	       (unsigned long long)t.efault);
	printf("fuzz_flushed %llu\nfuzz_rejected %llu\nfuzz_builds %llu\n",
	       (unsigned long long)t.flushed, (unsigned long long)t.rejected,
	       (unsigned long long)t.builds);
	printf("fuzz_mismatch %llu\nfuzz_unexpected %llu\nfuzz_ms %lld\n",
	       (unsigned long long)t.mismatch, (unsigned long long)t.unexpected,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return t.mismatch || t.unexpected ? 1 : 0;
}

/* ---- load ------------------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int cmd_load(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "duration-ms", OPT_DURATION, "MS", 0, "Run this long (default: until SIGINT/SIGTERM)", 0 },
		{ "depth", OPT_DEPTH, "N", 0, "Async packets kept in flight (default 16)", 0 },
		{ "ops", OPT_OPS, "K", 0, "Register writes per packet (default 32)", 0 },
		{ 0 },
	};
	struct cmd_args a = { .depth = 16, .ops = 32 };
	struct cmdq_ioc_op *ops;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec t0, now;
	uint64_t submitted = 0, reaped = 0, ok = 0, bad = 0, inflight = 0;
	uint32_t k;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Async load generator: keeps DEPTH packets of OPS writes in flight on the "
		     "bound thread. Prints load_* totals at the end.", &a))
		return 2;
	if (!a.depth || a.depth > CMDQ_IOC_MAX_TICKETS || !a.ops || a.ops > CMDQ_IOC_MAX_OPS)
		return 2;
	if (open_dev())
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ops = calloc(a.ops, sizeof(*ops));
	for (k = 0; k < a.ops; k++) {
		ops[k].op = CMDQ_OP_WRITE;
		ops[k].subsys = 3;
		ops[k].offset = 0x100 + 4 * (k % 64);
		ops[k].value = k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct cmdq_ioc_submit s = {
			.data = (uintptr_t)ops, .count = a.ops, .flags = CMDQ_SUBMIT_ASYNC,
		};
		struct cmdq_ioc_wait w = { .timeout_ms = 100 };

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (a.duration_ms && (now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 >= a.duration_ms)
			break;
		if (inflight < a.depth) {
			if (ioctl(devfd, CMDQ_IOC_SUBMIT, &s)) {
				fprintf(stderr, "cmdqctl: load: submit: %s\n", errname(errno));
				break;
			}
			submitted++;
			inflight++;
			continue;
		}
		if (ioctl(devfd, CMDQ_IOC_WAIT, &w)) {
			if (errno == ETIMEDOUT || errno == EINTR)
				continue;
			fprintf(stderr, "cmdqctl: load: wait: %s\n", errname(errno));
			break;
		}
		reaped++;
		inflight--;
		if (w.status)
			bad++;
		else
			ok++;
	}
	printf("load_submitted %llu\nload_reaped %llu\nload_ok %llu\nload_errors %llu\n"
	       "load_inflight %llu\n",
	       (unsigned long long)submitted, (unsigned long long)reaped,
	       (unsigned long long)ok, (unsigned long long)bad, (unsigned long long)inflight);
	fflush(stdout);
	return 0;
}

/* ---- frame-wait ---------------------------------------------------------------------- */

static int cmd_frame_wait(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "timeout", OPT_TIMEOUT, "MS", 0, "Give up after MS (default 60000)", 0 },
		{ 0 },
	};
	struct cmd_args a = { .timeout_ms = 60000 };
	struct cmdq_ioc_stats *st = calloc(1, sizeof(*st));
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint32_t waited = 0;

	if (cmd_argp(argc, argv, opts, NULL,
		     "Wait until the frame client has committed its frames and every packet "
		     "completed (without exec'ing anything: no load on the VM's 9p). "
		     "Prints 'done' or 'timeout'.", &a))
		return 2;
	if (open_dev())
		return 2;
	for (;;) {
		if (ioctl(devfd, CMDQ_IOC_STATS, st)) {
			printf("error %s\n", errname(errno));
			return 1;
		}
		if (st->frame.done) {
			printf("done\n");
			return 0;
		}
		if (waited >= a.timeout_ms) {
			printf("timeout\n");
			return 1;
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
}

/* ---- errnos: bad input, exact errors ------------------------------------------------- */

static void report(const char *name, int ret)
{
	printf("%s %s\n", name, ret ? errname(errno) : "OK");
}

static int submit1(int fd, struct cmdq_ioc_op *op, uint32_t flags, uint32_t tmo,
		   struct cmdq_ioc_submit *out)
{
	struct cmdq_ioc_submit s = {
		.data = (uintptr_t)op, .count = 1, .flags = flags, .timeout_ms = tmo,
		.error_index = UINT32_MAX,
	};
	int ret = ioctl(fd, CMDQ_IOC_SUBMIT, &s);

	if (out)
		*out = s;
	return ret;
}

static int cmd_errnos(int argc, char **argv)
{
	struct cmdq_ioc_op good = { .op = CMDQ_OP_WRITE, .subsys = 3, .offset = 0x40, .value = 1 };
	struct cmdq_ioc_op hang = { .op = CMDQ_OP_WFE, .event = 1000 };
	struct cmdq_ioc_op ops[3], op;
	struct cmdq_ioc_submit s;
	struct cmdq_ioc_bind b = { 0 };
	struct cmdq_ioc_wait w = { 0 };
	struct cmdq_ioc_build bl = { 0 };
	struct cmdq_ioc_regs r = { 0 };
	struct cmdq_ioc_event e = { 0 };
	struct cmd_args a = { 0 };
	uint64_t words[8], bad_word = 0xdd00000000000000ull;
	uint32_t regbuf[4];
	int fd2, ret, i;

	if (cmd_argp(argc, argv, NULL, NULL,
		     "Feed /dev/cmdq bad input; print 'name ERRNO' (or OK) per check. "
		     "Needs -t THREAD (binds it) and leaves thread THREAD+1 free for a second fd.",
		     &a))
		return 2;
	if (g.thread < 0 || g.thread + 1 >= CMDQ_IOC_NR_THREADS) {
		fprintf(stderr, "cmdqctl: errnos needs -t THREAD (0..14)\n");
		return 2;
	}
	if (open_dev())
		return 2;

	/* ioctl numbers */
	report("unknown_ioctl", ioctl(devfd, _IO(CMDQ_IOC_MAGIC, 0x7f), 0));
	report("other_magic", ioctl(devfd, _IOWR('x', 0x02, struct cmdq_ioc_submit), &s));
	report("submit_wrong_size", ioctl(devfd, _IOWR(CMDQ_IOC_MAGIC, 0x02, uint64_t), words));
	report("submit_wrong_dir", ioctl(devfd, _IOR(CMDQ_IOC_MAGIC, 0x02, struct cmdq_ioc_submit), &s));
	report("submit_arg_null", ioctl(devfd, CMDQ_IOC_SUBMIT, NULL));
	report("submit_arg_bad", ioctl(devfd, CMDQ_IOC_SUBMIT, (void *)16));
	report("stats_arg_null", ioctl(devfd, CMDQ_IOC_STATS, NULL));
	report("info_arg_null", ioctl(devfd, CMDQ_IOC_INFO, NULL));

	/* SUBMIT fields */
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 0 };
	report("submit_count_0", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.count = CMDQ_IOC_MAX_OPS + 1;
	report("submit_count_max_plus_1", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.count = UINT32_MAX;
	report("submit_count_u32_max", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = 0, .count = 1 };
	report("submit_data_null", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s.data = 0xffffffffff600000ull;
	report("submit_data_kernel", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1, .flags = 0x4 };
	report("submit_flags_unknown", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1, .reserved = 1 };
	report("submit_reserved", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .flags = CMDQ_SUBMIT_ASYNC, .timeout_ms = 5 };
	report("submit_async_with_timeout", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS + 1 };
	report("submit_timeout_too_big", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&good, .count = 1,
				      .flags = CMDQ_SUBMIT_RAW, .timeout_ms = 0 };
	s.count = 0;
	report("submit_raw_count_0", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	report("submit_good", submit1(devfd, &good, 0, 0, NULL));

	/* op fields; error_index names the op */
	ops[0] = good;
	ops[1] = good;
	ops[2] = good;
	ops[2].op = 0;
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)ops, .count = 3, .error_index = 77 };
	ret = ioctl(devfd, CMDQ_IOC_SUBMIT, &s);
	report("op_type_0", ret);
	printf("op_type_0_error_index %u\n", s.error_index);
#define OPCHK(name, field, val) do { \
		op = good; op.field = (val); report(name, submit1(devfd, &op, 0, 0, NULL)); \
	} while (0)
	OPCHK("op_type_max_plus_1", op, CMDQ_OP_MAX + 1);
	OPCHK("op_reserved", reserved, 1);
	OPCHK("op_unused_event", event, 5);
	OPCHK("op_unused_mask", mask, 0xff);
	OPCHK("op_unused_reg", reg, 1);
	OPCHK("op_unused_flags", flags, 1);
	OPCHK("op_subsys_0", subsys, 0);
	OPCHK("op_subsys_4", subsys, 4);
	OPCHK("op_offset_unaligned", offset, 0x42);
	OPCHK("op_offset_window_end", offset, 0x10000);
	OPCHK("op_base_other_subsys", base, 0x14000000);
	OPCHK("op_base_unaligned", base, 0x14020002);
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_WFE, .event = 1024 };
	report("op_event_1024", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_SET_EVENT, .event = 1023 };
	report("op_event_1023", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_JUMP, .value = 0 };
	report("op_jump_0", submit1(devfd, &op, 0, 0, NULL));
	op.value = 12;
	report("op_jump_unaligned", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_ASSIGN, .reg = 4 };
	report("op_assign_spr4", submit1(devfd, &op, 0, 0, NULL));
	op.reg = 0x30;
	report("op_assign_gpr16", submit1(devfd, &op, 0, 0, NULL));
	op = (struct cmdq_ioc_op){ .op = CMDQ_OP_LOGIC, .reg = 0x20, .lop = 4 };
	report("op_logic_lop_4", submit1(devfd, &op, 0, 0, NULL));
	op.lop = CMDQ_LOP_ADD;
	op.flags = 4;
	report("op_logic_flags_4", submit1(devfd, &op, 0, 0, NULL));
	op.flags = CMDQ_OPF_LEFT_REG;
	op.left = 5;
	report("op_logic_left_reg_5", submit1(devfd, &op, 0, 0, NULL));

	/* execution errors */
	s = (struct cmdq_ioc_submit){ .data = (uintptr_t)&bad_word, .count = 1,
				      .flags = CMDQ_SUBMIT_RAW };
	report("raw_bad_opcode", ioctl(devfd, CMDQ_IOC_SUBMIT, &s));
	printf("raw_bad_opcode_status %s\n", staname(s.status));
	report("after_bad_opcode", submit1(devfd, &good, 0, 0, NULL));
	report("sync_timeout", submit1(devfd, &hang, 0, 20, NULL));
	report("after_timeout", submit1(devfd, &good, 0, 0, NULL));

	/* BIND / UNBIND */
	fd2 = open(g.dev, O_RDWR | O_CLOEXEC);
	b.thread = g.thread;
	report("bind_taken", ioctl(fd2, CMDQ_IOC_BIND, &b));
	b.thread = CMDQ_IOC_NR_THREADS;
	report("bind_thread_16", ioctl(fd2, CMDQ_IOC_BIND, &b));
	b.thread = g.thread + 1;
	b.flags = 1;
	report("bind_flags", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("unbind_unbound", ioctl(fd2, CMDQ_IOC_UNBIND));
	b.flags = 0;
	report("bind_free", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("bind_again", ioctl(fd2, CMDQ_IOC_BIND, &b));
	report("bind_arg_bad", ioctl(fd2, CMDQ_IOC_BIND, (void *)8));

	/* WAIT */
	w = (struct cmdq_ioc_wait){ .ticket = 12345, .timeout_ms = 0 };
	report("wait_unknown_ticket", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .ticket = 0, .timeout_ms = 0 };
	report("wait_nothing_pending", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .flags = 1 };
	report("wait_flags", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w = (struct cmdq_ioc_wait){ .timeout_ms = CMDQ_IOC_MAX_TIMEOUT_MS + 1 };
	report("wait_timeout_too_big", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	report("async_hang", submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, &s));
	w = (struct cmdq_ioc_wait){ .ticket = s.ticket, .timeout_ms = 0 };
	report("wait_not_done", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	w.timeout_ms = 20;
	report("wait_timeout", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	/* the ticket limit */
	for (i = 1; i < CMDQ_IOC_MAX_TICKETS; i++)
		if (submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, NULL))
			break;
	printf("async_accepted %d\n", i);
	report("async_ticket_limit", submit1(fd2, &hang, CMDQ_SUBMIT_ASYNC, 0, NULL));
	report("unbind_pending", ioctl(fd2, CMDQ_IOC_UNBIND));
	w = (struct cmdq_ioc_wait){ .ticket = s.ticket, .timeout_ms = 0 };
	ret = ioctl(fd2, CMDQ_IOC_WAIT, &w);
	report("wait_aborted", ret);
	printf("wait_aborted_status %s\n", staname(w.status));
	w = (struct cmdq_ioc_wait){ .ticket = 0, .timeout_ms = 0 };
	for (i = 0; !ioctl(fd2, CMDQ_IOC_WAIT, &w); i++)
		if (w.status != -ECONNABORTED)
			break;
	printf("aborted_reaped %d\n", i);
	report("wait_after_reaping", ioctl(fd2, CMDQ_IOC_WAIT, &w));
	close(fd2);

	/* BUILD */
	bl = (struct cmdq_ioc_build){ .ops = (uintptr_t)&good, .words = (uintptr_t)words,
				      .count = 1, .max_words = 2, .flags = CMDQ_BUILD_FINALIZE };
	report("build_overflow", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	printf("build_overflow_nwords %u\n", bl.nwords);
	bl.max_words = 3;
	report("build_fits", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.flags = 2;
	report("build_flags", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.flags = 0;
	bl.reserved = 1;
	report("build_reserved", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.reserved = 0;
	bl.words = 0;
	report("build_words_null", ioctl(devfd, CMDQ_IOC_BUILD, &bl));
	bl.words = (uintptr_t)words;
	bl.count = CMDQ_IOC_MAX_OPS + 1;
	report("build_count_big", ioctl(devfd, CMDQ_IOC_BUILD, &bl));

	/* REGS */
	r = (struct cmdq_ioc_regs){ .pa = CMDQ_IOC_REG_BASE, .count = 4, .buf = (uintptr_t)regbuf };
	report("regs_good", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE - 4;
	report("regs_below", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE + CMDQ_IOC_REG_COUNT * 4 - 8;
	report("regs_past_end", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE + 2;
	report("regs_unaligned", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.pa = CMDQ_IOC_REG_BASE;
	r.count = 0;
	report("regs_count_0", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.count = CMDQ_IOC_REG_COUNT + 1;
	report("regs_count_big", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.count = 4;
	r.buf = 0;
	report("regs_buf_null", ioctl(devfd, CMDQ_IOC_REGS, &r));
	r.buf = (uintptr_t)regbuf;
	r.flags = 1;
	report("regs_flags", ioctl(devfd, CMDQ_IOC_REGS, &r));

	/* EVENT */
	e = (struct cmdq_ioc_event){ .event = CMDQ_IOC_NR_EVENTS };
	report("event_1024", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .value = 0x1000, .flags = CMDQ_EVENT_SET };
	report("event_value_big", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .flags = 2 };
	report("event_flags", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	e = (struct cmdq_ioc_event){ .event = 1000, .reserved = 1 };
	report("event_reserved", ioctl(devfd, CMDQ_IOC_EVENT, &e));
	return 0;
}

/* ---- main -------------------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "encode", cmd_encode, "encode ops, print the words" },
	{ "submit", cmd_submit, "submit a packet (ops or raw words), sync or async" },
	{ "wait", cmd_wait, "reap an async packet" },
	{ "bind", cmd_bind, "bind the fd to a GCE thread" },
	{ "unbind", cmd_unbind, "unbind (aborts pending packets)" },
	{ "info", cmd_info, "the fd's binding and the limits" },
	{ "regs", cmd_regs, "read emulated registers" },
	{ "event", cmd_event, "read or set an event" },
	{ "poll", cmd_poll, "poll() the fd" },
	{ "stats", cmd_stats, "every counter, 'name value'" },
	{ "fuzz", cmd_fuzz, "random op lists and raw words" },
	{ "load", cmd_load, "async load generator" },
	{ "errnos", cmd_errnos, "bad input and the exact errnos" },
	{ "frame-wait", cmd_frame_wait, "wait for the frame client's run to finish" },
};

static const struct argp_option main_opts[] = {
	{ "device", 'd', "PATH", 0, "Device (default /dev/cmdq)", 0 },
	{ "fd", 'f', "FD", 0, "Use this inherited open fd instead of opening the device", 0 },
	{ "thread", 't', "T", 0, "Bind to GCE thread T first", 0 },
	{ 0 },
};

static char main_doc[4096];

static error_t main_parse(int key, char *arg, struct argp_state *state)
{
	int *cmd_idx = state->input;
	uint32_t v = 0;

	switch (key) {
	case 'd':
		g.dev = arg;
		break;
	case 'f':
		if (parse_u32(arg, &v) || v > INT32_MAX)
			argp_error(state, "invalid fd '%s'", arg);
		g.fd = v;
		break;
	case 't':
		if (parse_u32(arg, &v) || v >= CMDQ_IOC_NR_THREADS)
			argp_error(state, "invalid thread '%s'", arg);
		g.thread = v;
		break;
	case ARGP_KEY_ARG:
		/* the command: stop here, it parses the rest */
		*cmd_idx = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (*cmd_idx < 0)
			argp_usage(state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct argp argp = { main_opts, main_parse, "COMMAND [ARGS...]", main_doc };
	int cmd_idx = -1, n = 0;
	char name[64];
	size_t i;

	n += snprintf(main_doc + n, sizeof(main_doc) - n,
		      "Drive /dev/cmdq (cmdq_dev.ko).\vCommands (COMMAND --help for each):\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		n += snprintf(main_doc + n, sizeof(main_doc) - n, "  %-8s %s\n",
			      cmds[i].name, cmds[i].help);
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &cmd_idx))
		return 2;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[cmd_idx], cmds[i].name))
			continue;
		snprintf(name, sizeof(name), "cmdqctl %s", cmds[i].name);
		argv[cmd_idx] = name;	/* argp's program name */
		return cmds[i].fn(argc - cmd_idx, argv + cmd_idx);
	}
	fprintf(stderr, "cmdqctl: unknown command '%s' (see --help)\n", argv[cmd_idx]);
	return 2;
}
