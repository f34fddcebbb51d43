// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cmdqctl load: an async load generator on /dev/cmdq */
#include "cmdqctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* packet n of a run at rate a second from t0 is due at t0 + n / rate */
static void due(const struct timespec *t0, uint64_t n, uint64_t rate, struct timespec *t)
{
	uint64_t ns = t0->tv_nsec + n * 1000000000ull / rate;

	t->tv_sec = t0->tv_sec + ns / 1000000000ull;
	t->tv_nsec = ns % 1000000000ull;
}

static bool paced(const struct timespec *t0, uint64_t n, uint64_t rate)
{
	struct timespec t, now;

	due(t0, n, rate, &t);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t.tv_sec || (now.tv_sec == t.tv_sec && now.tv_nsec >= t.tv_nsec);
}

static void pace_wait(const struct timespec *t0, uint64_t n, uint64_t rate)
{
	struct timespec t;

	due(t0, n, rate, &t);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

int cmd_load(int argc, char **argv)
{
	static const struct argp_option opts[] = {
		{ "duration-ms", OPT_DURATION, "MS", 0, "Run this long (default: until SIGINT/SIGTERM)", 0 },
		{ "depth", OPT_DEPTH, "N", 0, "Async packets kept in flight (default 16)", 0 },
		{ "ops", OPT_OPS, "K", 0, "Register writes per packet (default 32)", 0 },
		{ "rate", OPT_RATE, "PPS", 0,
		  "Submit at most PPS packets a second (default: as fast as the depth allows)", 0 },
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
		     "bound thread, paced to --rate if given. Prints load_* totals at the end.",
		     &a))
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
		if (inflight < a.depth && a.rate && !paced(&t0, submitted, a.rate)) {
			/* not yet time for the next one: reap, or wait for its time */
			if (!inflight) {
				pace_wait(&t0, submitted, a.rate);
				continue;
			}
		} else if (inflight < a.depth) {
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
