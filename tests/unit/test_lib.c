// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of libqlat.a, the helpers every qlat subcommand shares: the
 * common options (cli.c), the atomic file commit (report.c), the
 * OpenMetrics/Prometheus family lines (openmetrics.c), the attach names
 * (trace_helpers.c) and the run loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "qlat.h"
#include "tap.h"

static char dir[] = "/tmp/qlat-test-lib.XXXXXX";

/* A stream over a buffer: what a writer printed */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
}

static const char *mem_close(struct mem *m)
{
	fclose(m->f);
	return m->buf;
}

/* ---- options ------------------------------------------------------------ */

static const struct argp_child children[] = {
	{ &qlat_common_argp, 0, NULL, 0 },
	{},
};

static const struct argp test_argp = { .children = children };

/* Parse argv (NULL-terminated) into env; flags: argp's (ARGP_NO_EXIT) */
static int parse(struct qlat_env *env, const char **args, unsigned int flags)
{
	char *argv[16] = { "qlat test" };
	int argc = 1;

	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return argp_parse(&test_argp, argc, argv, flags, NULL, env);
}

/*
 * Parse in a child, whose argp_error() exits: returns its exit status and
 * the first line of its stderr in msg
 */
static int parse_fails(const char *a, const char *b, char *msg, size_t n)
{
	int pipefd[2], st = -1;
	pid_t pid;
	ssize_t r;

	msg[0] = 0;
	if (pipe(pipefd))
		return -1;
	fflush(stdout);		/* else the child's exit() prints it again */
	pid = fork();
	if (pid == 0) {
		struct qlat_env env = QLAT_ENV_INIT;
		const char *args[] = { a, b, NULL };

		dup2(pipefd[1], 2);
		argp_err_exit_status = QLAT_EXIT_USAGE;
		parse(&env, args, 0);
		_exit(0);
	}
	close(pipefd[1]);
	r = read(pipefd[0], msg, n - 1);
	msg[r > 0 ? r : 0] = 0;
	if (strchr(msg, '\n'))
		*strchr(msg, '\n') = 0;
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_options(void)
{
	const char *good[] = { "-i", "2", "-c", "3", "-d", "60", "-m", "--json",
			       "--attach", "raw_tp", "--threshold", "18446744073709551",
			       "--evidence", "0", NULL };
	const char *bad[][3] = {
		{ "-i", "0", "invalid interval '0'" },
		{ "-i", "86401", "invalid interval '86401'" },
		{ "-c", "x", "invalid count 'x'" },
		{ "-d", "-1", "invalid duration '-1'" },
		{ "--attach", "kprobe", "invalid attach mode 'kprobe'" },
		{ "--threshold", "0", "invalid threshold '0'" },
		{ "--threshold", "-5", "invalid threshold '-5'" },
		{ "--threshold", "9223372036854775808", "invalid threshold '9223372036854775808'" },
		{ "--threshold", "10m", "invalid threshold '10m'" },
		{ "--threshold", "9223372036854776us", "invalid threshold '9223372036854776us'" },
		{ "--threshold", "ms", "invalid threshold 'ms'" },
		{ "-c", "3", "a count (-c) needs an interval (-i)" },
		{ "--evidence", "100001", "invalid evidence count '100001'" },
	};
	struct qlat_env env = QLAT_ENV_INIT;
	char msg[256];
	unsigned int i;
	long v;

	tap_ok(env.max_misses == -1 && env.evidence == 20 && !env.threshold_ns &&
	       env.format == QLAT_FMT_TTY, "defaults: no limits, evidence 20, terminal");
	tap_ok(!parse(&env, good, ARGP_NO_EXIT) && env.interval == 2 && env.count == 3 &&
	       env.duration == 60 && env.unit == QLAT_UNIT_MS && env.format == QLAT_FMT_JSON &&
	       env.attach == QLAT_ATTACH_RAW_TP && env.threshold_ns == 18446744073709551ULL &&
	       env.evidence == 0, "common options parsed into qlat_env");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = parse_fails(bad[i][0], bad[i][1], msg, sizeof(msg));

		tap_ok(st == QLAT_EXIT_USAGE && strstr(msg, bad[i][2]),
		       "%s %s: exit %d, '%s'", bad[i][0], bad[i][1], st, msg);
	}
	{
		static const struct { const char *s; __u64 ns; } t[] = {
			{ "1500", 1500 }, { "1500ns", 1500 }, { "250us", 250000 },
			{ "10ms", 10000000 }, { "2s", 2000000000 },
			{ "9223372036854775807", 9223372036854775807ULL },
		};
		__u64 ns;
		int good = 1;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			good &= !qlat_parse_ns(t[i].s, &ns) && ns == t[i].ns;
		tap_ok(good && qlat_parse_ns("9223372037s", &ns) == -EINVAL &&
		       qlat_parse_ns("-5us", &ns) == -EINVAL && qlat_parse_ns("5 ms", &ns) == -EINVAL,
		       "qlat_parse_ns: bare ns and ns/us/ms/s suffixes; overflow, sign, space refused");
	}
	{
		const char *pos[] = { "2", "5", NULL };
		struct qlat_env e2 = QLAT_ENV_INIT;

		tap_ok(!parse(&e2, pos, ARGP_NO_EXIT) && e2.interval == 2 && e2.count == 5,
		       "positional [interval] [count], as libbpf-tools take them");
	}
	tap_ok(!qlat_parse_uint("0", 5, &v) && v == 0 && !qlat_parse_uint("5", 5, &v) &&
	       v == 5 && qlat_parse_uint("6", 5, &v) == -EINVAL &&
	       qlat_parse_uint("", 5, &v) == -EINVAL && qlat_parse_uint("1 ", 5, &v) == -EINVAL &&
	       qlat_parse_uint("99999999999999999999", 5, &v) == -EINVAL,
	       "qlat_parse_uint: 0 and max accepted; max+1, empty, trailing space, overflow refused");
}

static void test_attach_names(void)
{
	enum qlat_attach a;
	int i, ok = 1;

	for (i = 0; i < QLAT_ATTACH_NR; i++)
		ok &= !qlat_parse_attach(qlat_attach_name(i), &a) && (int)a == i;
	tap_ok(ok && qlat_parse_attach("TP_BTF", &a) == -EINVAL &&
	       !strcmp(qlat_attach_name(QLAT_ATTACH_NR), "?"),
	       "attach names round-trip; unknown refused");
}

/* ---- atomic files ------------------------------------------------------- */

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_file_commit(void)
{
	char path[256], tmp[300], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/out.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	tap_ok(qlat_file_begin(NULL) == NULL, "no path: no file");

	f = qlat_file_begin(path);
	fprintf(f, "first\n");
	fflush(f);
	tap_ok(exists(tmp) && !exists(path), "while written: only PATH.tmp exists");
	tap_ok(qlat_file_commit(f, path) == 0 && !exists(tmp), "commit: 0, PATH.tmp gone");
	f = fopen(path, "r");
	tap_ok(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "first\n"), "PATH holds it");
	if (f)
		fclose(f);

	/* replacing: a reader of PATH sees the old or the new file, whole */
	f = qlat_file_begin(path);
	fprintf(f, "second\n");
	fflush(f);
	{
		FILE *r = fopen(path, "r");

		tap_ok(r && fgets(buf, sizeof(buf), r) && !strcmp(buf, "first\n"),
		       "until the commit PATH still holds the old file");
		if (r)
			fclose(r);
	}
	qlat_file_commit(f, path);
	f = fopen(path, "r");
	tap_ok(f && fgets(buf, sizeof(buf), f) && !strcmp(buf, "second\n"),
	       "after it, the new one");
	if (f)
		fclose(f);

	/* a rename that fails (PATH is a directory): 1, and no PATH.tmp left */
	snprintf(path, sizeof(path), "%s/adir", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	mkdir(path, 0755);
	{
		char inner[300];

		snprintf(inner, sizeof(inner), "%s/x", path);
		fclose(fopen(inner, "w"));	/* non-empty: rename over it fails */
	}
	f = qlat_file_begin(path);
	fprintf(f, "x\n");
	tap_ok(qlat_file_commit(f, path) == 1 && !exists(tmp),
	       "failed rename: 1, PATH.tmp removed");
	snprintf(path, sizeof(path), "%s/no/such/dir/f", dir);
	tap_ok(qlat_file_begin(path) == NULL, "unwritable PATH.tmp: NULL (reported)");
}

/* ---- kallsyms ------------------------------------------------------------ */

static void test_ksyms(void)
{
	static const char *const mod[] = { "handle_tx_kick", "vhost_ubuf_ops", "absent" };
	static const char *const core[] = { "schedule", "handle_tx_kick" };
	char path[256];
	__u64 a[3];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	f = fopen(path, "w");
	/* vmlinux, then each module's lines together, then BPF's */
	fputs("ffffffff81000000 T schedule\n"
	      "ffffffff81000100 t handle_tx_kick\n"
	      "ffffffffc0001000 t vhost_poll_func\t[vhost]\n"
	      "ffffffffc0002000 t handle_tx_kick\t[vhost_net]\n"
	      "ffffffffc0002800 d vhost_ubuf_ops\t[vhost_net]\n"
	      "ffffffffc0003000 t tun_get_user\t[tun]\n"
	      /* never after another module's block: proves the stop */
	      "ffffffffc0002900 t absent\t[vhost_net]\n"
	      "ffffffffc0004000 t bpf_prog_0123456789abcdef_x\t[bpf]\n", f);
	fclose(f);
	tap_ok(qlat_ksyms_file(path, "vhost_net", mod, a, 3) == 2 && a[0] == 0xffffffffc0002000ULL &&
	       a[1] == 0xffffffffc0002800ULL && a[2] == 0,
	       "kallsyms: a module's symbols from its block only; the read ends after it");
	tap_ok(qlat_ksyms_file(path, NULL, core, a, 2) == 2 && a[0] == 0xffffffff81000000ULL &&
	       a[1] == 0xffffffff81000100ULL, "kallsyms: vmlinux's symbols, module lines skipped");
	tap_ok(qlat_ksyms_file(path, "vhost_zc", mod, a, 3) == 0 && !a[0] && !a[1] && !a[2],
	       "kallsyms: a module not loaded: none found, all 0");
	tap_ok(qlat_ksyms_file("/nonexistent", "vhost_net", mod, a, 3) == 0 && !a[0],
	       "kallsyms: no file: none found");
}

/* ---- OpenMetrics -------------------------------------------------------- */

static void test_openmetrics(void)
{
	struct mem m;
	const char *s;

	mem_open(&m);
	qlat_om_family(m.f, "qlat_cmdq_flush_eoc_seconds", "histogram", "seconds", "Flush to EOC");
	qlat_om_family(m.f, "qlat_cmdq_events", "counter", NULL, "Events");
	qlat_om_end(m.f);
	s = mem_close(&m);
	tap_ok(!strcmp(s, "# TYPE qlat_cmdq_flush_eoc_seconds histogram\n"
		       "# UNIT qlat_cmdq_flush_eoc_seconds seconds\n"
		       "# HELP qlat_cmdq_flush_eoc_seconds Flush to EOC\n"
		       "# TYPE qlat_cmdq_events counter\n"
		       "# HELP qlat_cmdq_events Events\n"
		       "# EOF\n"), "OpenMetrics: TYPE, UNIT, HELP; counter family without _total; # EOF");
	free(m.buf);

	qlat_om_prom = true;
	mem_open(&m);
	qlat_om_family(m.f, "qlat_cmdq_flush_eoc_seconds", "histogram", "seconds", "Flush to EOC");
	qlat_om_family(m.f, "qlat_cmdq_events", "counter", NULL, "Events");
	qlat_om_end(m.f);
	s = mem_close(&m);
	qlat_om_prom = false;
	tap_ok(!strcmp(s, "# TYPE qlat_cmdq_flush_eoc_seconds histogram\n"
		       "# HELP qlat_cmdq_flush_eoc_seconds Flush to EOC\n"
		       "# TYPE qlat_cmdq_events_total counter\n"
		       "# HELP qlat_cmdq_events_total Events\n"),
	       "Prometheus 0.0.4: no UNIT, counter family named NAME_total, no # EOF");
	free(m.buf);
}

/* label values: \ " and newline escaped, one helper for every label */
static void test_om_labels(void)
{
	char buf[64] = "", small[16] = "pipe=\"0\"";
	struct mem m;
	const char *s;

	tap_ok(!qlat_om_label(buf, sizeof(buf), "source", "vhost_zc") &&
	       !strcmp(buf, "source=\"vhost_zc\""), "label: name=\"value\" (%s)", buf);
	tap_ok(!qlat_om_label(buf, sizeof(buf), "dev", "a\\b\"c\nd") &&
	       !strcmp(buf, "source=\"vhost_zc\",dev=\"a\\\\b\\\"c\\nd\""),
	       "label: a second one after a comma; \\ \" and newline escaped (%s)", buf);
	buf[0] = '\0';
	tap_ok(!qlat_om_label(buf, sizeof(buf), "v", "\\\\\"\n\n") &&
	       !strcmp(buf, "v=\"\\\\\\\\\\\"\\n\\n\""), "label: escapes back to back (%s)", buf);
	buf[0] = '\0';
	tap_ok(!qlat_om_label_int(buf, sizeof(buf), "thread", 15) &&
	       !strcmp(buf, "thread=\"15\""), "label: a number (%s)", buf);
	/* 16 bytes: pipe="0" (8) + ,x="\"" (7) + NUL fits exactly; one more does not */
	tap_ok(!qlat_om_label(small, sizeof(small), "x", "\"") &&
	       !strcmp(small, "pipe=\"0\",x=\"\\\"\""), "label: fits to the last byte (%s)", small);
	strcpy(small, "pipe=\"0\"");
	tap_ok(qlat_om_label(small, sizeof(small), "x", "\"\"") == -ENOSPC &&
	       !strcmp(small, "pipe=\"0\""), "label: too long: -ENOSPC, the set unchanged");

	/* through a histogram's samples: the labels as given, le last */
	buf[0] = '\0';
	qlat_om_label(buf, sizeof(buf), "dev", "a\\b\"c\nd");
	mem_open(&m);
	{
		struct qlat_hist h = { .count = 0 };

		qlat_hist_openmetrics(m.f, &h, "x", buf, false);
	}
	s = mem_close(&m);
	tap_ok(!strncmp(s, "x_bucket{dev=\"a\\\\b\\\"c\\nd\",le=\"0\"} 0\n", 36) &&
	       strstr(s, "\nx_count{dev=\"a\\\\b\\\"c\\nd\"} 0\n"),
	       "histogram samples carry the escaped label set; no raw newline inside a sample");
	free(m.buf);
}

/* ---- run loop ----------------------------------------------------------- */

struct loop_ctx {
	int prints, finals, stops;
};

static int loop_print(void *ctx, bool final)
{
	struct loop_ctx *c = ctx;

	c->prints++;
	c->finals += final;
	return 0;
}

static bool loop_stop(void *ctx, int timeout_ms)
{
	struct loop_ctx *c = ctx;

	c->stops++;
	return c->stops == 3;	/* a limit breached at the third look */
}

static void test_run_loop(void)
{
	struct qlat_env env = QLAT_ENV_INIT;
	struct loop_ctx c = {};
	char ready[256];
	int ret;

	snprintf(ready, sizeof(ready), "%s/ready", dir);
	env.ready_file = ready;
	env.duration = 5;
	ret = qlat_run_loop(&env, loop_print, loop_stop, &c);
	tap_ok(ret == 0 && c.stops == 3 &&
	       c.prints == 1 && c.finals == 1,
	       "stop callback true: the loop ends with one final print (%d looks, %d prints)",
	       c.stops, c.prints);
	tap_ok(exists(ready), "--ready-file created once running");

	/* a --ready-file that cannot be created: exit 1 at once, no print */
	memset(&c, 0, sizeof(c));
	snprintf(ready, sizeof(ready), "%s/no/such/dir/ready", dir);
	ret = qlat_run_loop(&env, loop_print, loop_stop, &c);
	tap_ok(ret == QLAT_EXIT_USAGE && c.stops == 0 && c.prints + c.finals == 0,
	       "--ready-file not creatable: exit %d before running (1)", ret);
}

/* SIGINT once: the run ends (qlat_exiting); twice: the process dies of it */
static void test_signals(void)
{
	struct qlat_env env = QLAT_ENV_INIT;
	int pipefd[2], st = 0;
	char got = 0;
	pid_t pid;

	if (pipe(pipefd))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		qlat_setup(&env);
		raise(SIGINT);
		if (qlat_exiting && write(pipefd[1], "1", 1) != 1)
			_exit(3);
		raise(SIGINT);
		_exit(0);	/* not reached if the second one worked */
	}
	close(pipefd[1]);
	if (read(pipefd[0], &got, 1) != 1)
		got = 0;
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	tap_ok(got == '1', "first SIGINT: the process runs on, qlat_exiting set");
	tap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT,
	       "second SIGINT: the process ends by it (status 0x%x)", st);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_options();
	test_attach_names();
	test_file_commit();
	test_ksyms();
	test_openmetrics();
	test_om_labels();
	test_run_loop();
	test_signals();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return tap_done();
}
