// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* cmdqctl fuzz: random op lists and raw words against /dev/cmdq */
#include "cmdqctl.h"

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

int cmd_fuzz(int argc, char **argv)
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
