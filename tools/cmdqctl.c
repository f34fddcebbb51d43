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
#include "cmdqctl.h"

const char *argp_program_version = "cmdqctl " QLAT_VERSION;

/* ---- global options ------------------------------------------------------ */

struct cmdqctl_globals g = { .dev = "/dev/cmdq", .fd = -1, .thread = -1 };

int devfd = -1;

const char *errname(int e)
{
	const char *n;

	if (!e)
		return "OK";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

/* status as the kernel reports it (0 or -errno) */
const char *staname(int sta)
{
	return errname(sta < 0 ? -sta : sta);
}

int parse_u64(const char *s, uint64_t *v)
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

int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || (x > UINT32_MAX && ((int64_t)x < INT32_MIN || (int64_t)x >= 0)))
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int open_dev(void)
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

/* ---- subcommand plumbing ---------------------------------------------------- */

error_t cmd_parse(int key, char *arg, struct argp_state *state)
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
	case OPT_RATE:
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
		} else if (key == OPT_RATE) {
			a->rate = v;
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

int cmd_argp(int argc, char **argv, const struct argp_option *opts,
		    const char *args_doc, const char *doc, struct cmd_args *a)
{
	struct argp argp = { opts, cmd_parse, args_doc, doc };

	return argp_parse(&argp, argc, argv, 0, NULL, a);
}

int parse_ops(int n, char **args, struct cmdq_ioc_op **out)
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
