// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests of tools/hist.c: bucket edges, quantiles, merging, output;
 * and of the BPF programs' histogram code (bpf/qlat_hist.bpf.h, compiled
 * here as C under other names): its slots equal the tool's, and per-CPU
 * copies it fills merge into the histogram the tool would have made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <linux/types.h>
#define qlat_slot bpf_slot
#define qlat_slot_tab bpf_slot_tab
#define qlat_hist_add bpf_hist_add
#define qlat_count_shared bpf_count_shared
#include "../../bpf/qlat_hist.bpf.h"
#undef qlat_slot
#undef qlat_slot_tab
#undef qlat_hist_add
#undef qlat_count_shared
#include "tap.h"
#include "hist.h"

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_edges(void)
{
	struct { __u64 v; unsigned int slot; } v[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 2 }, { 4, 3 }, { 1023, 10 },
		{ 1024, 11 }, { 1025, 11 }, { (1ULL << 32) - 1, 32 }, { 1ULL << 32, 33 },
		{ (1ULL << 63) - 1, 63 },
	};
	unsigned int i, s;
	int ok = 1;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		tap_eq_u64(qlat_slot(v[i].v), v[i].slot, "slot(%llu) = %u",
			   (unsigned long long)v[i].v, v[i].slot);
	for (s = 1; s < QLAT_SLOTS; s++) {
		/* every bucket's bounds are inclusive and contiguous */
		ok &= qlat_slot(qlat_slot_lo(s)) == s && qlat_slot(qlat_slot_hi(s)) == s;
		ok &= qlat_slot_lo(s) == qlat_slot_hi(s - 1) + 1;
	}
	tap_ok(ok, "bucket bounds inclusive and contiguous for slots 1..63");

	{
		struct qlat_hist h;

		qlat_hist_init(&h);
		qlat_hist_add(&h, 1ULL << 63);
		qlat_hist_add(&h, ~0ULL);
		qlat_hist_add(&h, 5);
		tap_ok(h.overflow == 2 && h.count == 1 && h.slots[3] == 1,
		       "values >= 2^63 go to overflow, not into a bucket");
	}
}

/* BPF's branch-free slot equals the tool's clz one at every edge, and at random */
static void test_bpf_slot(void)
{
	__u64 vals[] = { 7, 0, 1ULL << 62, (1ULL << 63) - 1, 1ULL << 63, ~0ULL, 12345, 0 };
	struct qlat_hist h, u, all;
	unsigned int k, bad = 0, n = 0;
	__u64 v;
	int i;

	for (k = 0; k < 63; k++) {
		__u64 e[] = { 1ULL << k, (1ULL << k) - 1, (1ULL << k) + 1, (2ULL << k) - 1 };

		for (i = 0; i < 4; i++, n++)
			bad += bpf_slot(e[i]) != qlat_slot(e[i]);
	}
	for (i = 0; i < 1000000; i++, n++) {
		v = rng() >> (1 + rng() % 63);	/* < 2^63, every magnitude */
		bad += bpf_slot(v) != qlat_slot(v);
	}
	tap_eq_u64(bad, 0, "BPF slot == tool slot for %u values (0, 2^k - 1, 2^k, 2^k + 1, random)", n);

	/* one CPU, every kind of value: the per-CPU form merges to the tool's */
	memset(&h, 0, sizeof(h));
	qlat_hist_init(&u);
	for (i = 0; i < (int)(sizeof(vals) / sizeof(vals[0])); i++) {
		bpf_hist_add(&h, vals[i]);
		qlat_hist_add(&u, vals[i]);
	}
	tap_eq_u64(h.count, 0, "BPF per-CPU form: count not kept");
	tap_eq_u64(h.min, ~0ULL, "BPF per-CPU form: min kept as ~min (min 0: ~0)");
	qlat_hist_init(&all);
	qlat_hist_merge_percpu(&all, &h, 1);
	tap_ok(!memcmp(&all, &u, sizeof(all)),
	       "merged: count 6, min 0, max 2^63 - 1, 2 overflows, as the tool's own");
}

static void test_quantiles(void)
{
	enum { N = 100000 };
	static __u64 raw[N];
	static const double qs[] = { 0.001, 0.5, 0.9, 0.99, 0.999, 1.0 };
	struct qlat_hist h;
	int i, j, dist, ok;

	for (dist = 0; dist < 3; dist++) {
		qlat_hist_init(&h);
		for (i = 0; i < N; i++) {
			__u64 r = rng();

			/* uniform, log-uniform, and heavy-tailed with a spike */
			raw[i] = dist == 0 ? r % 1000000 :
				 dist == 1 ? (r >> 20) >> (r % 40) :
				 (i % 100 == 0 ? 5000000 + r % 1000 : 1000 + r % 100);
			qlat_hist_add(&h, raw[i]);
		}
		qsort(raw, N, sizeof(raw[0]), cmp_u64);
		ok = h.count == N && h.min == raw[0] && h.max == raw[N - 1];
		for (j = 0; j < 6; j++) {
			size_t rank = (size_t)((qs[j] * N) + 0.999999);
			__u64 truth = raw[(rank ? rank : 1) - 1];
			__u64 hi = qlat_hist_quantile(&h, qs[j]);
			__u64 lo = qlat_hist_quantile_lo(&h, qs[j]);

			if (!(lo <= truth && truth <= hi && qlat_slot(truth) == qlat_slot(hi) &&
			      (hi <= 2 * truth + 1))) {
				printf("# dist %d q %g: lo %llu truth %llu hi %llu\n", dist, qs[j],
				       (unsigned long long)lo, (unsigned long long)truth,
				       (unsigned long long)hi);
				ok = 0;
			}
		}
		tap_ok(ok, "distribution %d: quantile bounds bracket the sorted-data quantile", dist);
	}
	/*
	 * q * count a whole number, q from floating point: rank q * count
	 * exactly, not the next one (1 - 0.99 and 99.9 / 100 are a hair
	 * above 0.01 and 0.999)
	 */
	qlat_hist_init(&h);
	qlat_hist_add(&h, 5);
	for (i = 0; i < 99; i++)
		qlat_hist_add(&h, 200);
	tap_eq_u64(qlat_hist_quantile(&h, 1 - 0.99), 7,
		   "p1 of 100 values: rank 1 (slot of 5, bound 7), with q = 1 - 0.99");
	qlat_hist_init(&h);
	for (i = 0; i < 999; i++)
		qlat_hist_add(&h, 10);
	qlat_hist_add(&h, 1000000);
	tap_eq_u64(qlat_hist_quantile(&h, 99.9 / 100), 15,
		   "p99.9 of 1000 values: rank 999 (slot of 10, bound 15), with q = 99.9 / 100");
	qlat_hist_init(&h);
	h.count = h.slots[40] = 1ULL << 62;
	h.min = h.max = 1ULL << 39;
	tap_eq_u64(qlat_hist_quantile(&h, 0.5), 1ULL << 39, "2^62 values: no overflow in the rank");
	qlat_hist_init(&h);
	tap_eq_u64(qlat_hist_quantile(&h, 0.99), 0, "quantile of an empty histogram is 0");
	qlat_hist_add(&h, 700);
	tap_eq_u64(qlat_hist_quantile(&h, 0.5), 700, "single value: p50 clamps to the value");
}

static void test_merge(void)
{
	struct qlat_hist cpu[4], all, ref;
	int c, i;

	qlat_hist_init(&ref);
	for (c = 0; c < 4; c++) {
		qlat_hist_init(&cpu[c]);
		for (i = 0; i < 1000 * c; i++) {	/* CPU 0 stays empty */
			__u64 v = rng() % (1ULL << (10 + 5 * c));

			bpf_hist_add(&cpu[c], v);
			qlat_hist_add(&ref, v);
		}
	}
	qlat_hist_init(&all);
	qlat_hist_merge_percpu(&all, cpu, 4);
	tap_ok(!memcmp(&all, &ref, sizeof(all)),
	       "merging per-CPU copies equals one histogram of all values (empty CPU ignored)");
	tap_eq_u64(all.count, 6000, "merged count = 0 + 1000 + 2000 + 3000");
}

/* a copy read between a program's bucket increment and its count's */
static void test_merge_torn(void)
{
	struct qlat_hist cpu[2], all;
	__u64 total = 0;
	int i;

	qlat_hist_init(&cpu[0]);
	qlat_hist_init(&cpu[1]);
	for (i = 0; i < 100; i++)
		bpf_hist_add(&cpu[0], 1000 + i);
	cpu[0].slots[qlat_slot(5000)]++;	/* the 101st value, half added */
	cpu[1].slots[qlat_slot(300)]++;		/* a first value, half added */
	qlat_hist_init(&all);
	qlat_hist_merge_percpu(&all, cpu, 2);
	for (i = 0; i < QLAT_SLOTS; i++)
		total += all.slots[i];
	tap_eq_u64(all.count, total, "torn per-CPU copies: count == sum of the buckets");
	tap_eq_u64(all.count, 102, "... 100 + the two values caught half added");
	tap_eq_u64(all.min, 256, "a first value caught before min was set: its bucket's low bound");
	tap_eq_u64(all.max, 8191, "max widened to the bucket the half-added 5000 is in");
}

static void test_openmetrics(void)
{
	struct qlat_hist h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	qlat_hist_init(&h);
	qlat_hist_add(&h, 1023);	/* exactly on the bound of slot 10 */
	qlat_hist_add(&h, 1024);	/* first value of slot 11 */
	qlat_hist_add(&h, 0);
	f = open_memstream(&buf, &len);
	qlat_hist_openmetrics(f, &h, "x_seconds", "pipe=\"0\"", true);
	fclose(f);
	tap_ok(strstr(buf, "x_seconds_bucket{pipe=\"0\",le=\"0.000001023\"} 2\n") != NULL,
	       "le=1023ns bucket includes the value 1023 (cumulative 2 with 0)");
	tap_ok(strstr(buf, "x_seconds_bucket{pipe=\"0\",le=\"0.000002047\"} 3\n") != NULL,
	       "le=2047ns bucket cumulative 3");
	tap_ok(strstr(buf, "le=\"0.0\"") == NULL && strstr(buf, "le=\"0.000000511\"") == NULL &&
	       strstr(buf, "x_seconds_bucket{pipe=\"0\",le=\"0.000001023\"}") ==
	       strstr(buf, "x_seconds_bucket"),
	       "the first latency bucket is le=1023ns and holds what lies below it (the zero)");
	tap_ok(strstr(buf, "le=\"+Inf\"} 3\n") && strstr(buf, "x_seconds_count{pipe=\"0\"} 3\n") &&
	       strstr(buf, "x_seconds_sum{pipe=\"0\"} 0.000002047\n"),
	       "+Inf = _count = 3, _sum = 2047ns in seconds");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	qlat_hist_openmetrics(f, &h, "n", "", false);
	fclose(f);
	tap_ok(strstr(buf, "n_bucket{le=\"1023\"} 2\n") && strstr(buf, "n_count 3\n"),
	       "unitless output, no labels");
	free(buf);

	/*
	 * The same fixed bucket set whatever the data, an empty histogram
	 * included: latencies 27 (le 1023 ns .. 2^36 - 1 ns) + +Inf, counts
	 * 21 (le 0 .. 2^20 - 1) + +Inf; a value past the last only in +Inf
	 */
	{
		struct qlat_hist e;
		int nb[2], i;
		char *p;

		qlat_hist_init(&e);
		for (i = 0; i < 2; i++) {
			buf = NULL;
			f = open_memstream(&buf, &len);
			qlat_hist_openmetrics(f, i ? &h : &e, "y_seconds", "t=\"1\"", true);
			fclose(f);
			for (nb[i] = 0, p = buf; (p = strstr(p, "_bucket{")); p++)
				nb[i]++;
			if (!i)
				tap_ok(strstr(buf, "y_seconds_bucket{t=\"1\",le=\"68.719476735\"} 0\n") &&
				       strstr(buf, "le=\"+Inf\"} 0\n") && strstr(buf, "y_seconds_count{t=\"1\"} 0\n"),
				       "empty histogram: every bucket, +Inf and _count, all 0");
			free(buf);
		}
		tap_ok(nb[0] == 28 && nb[1] == 28, "latency: 28 buckets with data and without (%d, %d)",
		       nb[0], nb[1]);
		qlat_hist_init(&e);
		qlat_hist_add(&e, 1ULL << 40);
		buf = NULL;
		f = open_memstream(&buf, &len);
		qlat_hist_openmetrics(f, &e, "z", "", false);
		fclose(f);
		for (nb[0] = 0, p = buf; (p = strstr(p, "_bucket{")); p++)
			nb[0]++;
		tap_ok(nb[0] == 22 && strstr(buf, "z_bucket{le=\"1048575\"} 0\n") &&
		       strstr(buf, "z_bucket{le=\"+Inf\"} 1\n"),
		       "counts: 22 buckets; a value past the last bucket is in +Inf only");
		free(buf);
	}
}

static void test_json_roundtrip(void)
{
	struct qlat_hist h, back;
	json_object *o, *p;
	int i;

	qlat_hist_init(&h);
	for (i = 0; i < 5000; i++)
		qlat_hist_add(&h, rng() % 100000000);
	h.overflow = 3;
	o = qlat_hist_json(&h, true);
	p = json_tokener_parse(json_object_to_json_string(o));
	tap_ok(p && qlat_hist_from_json(&back, p) == 0 && !memcmp(&h, &back, sizeof(h)),
	       "JSON round trip preserves every bucket and stat");
	json_object_put(p);
	/* corrupt: a bucket bound that is not 2^i - 1 */
	p = json_tokener_parse("{\"count\":1,\"sum\":5,\"min\":5,\"max\":5,\"overflow\":0,"
			       "\"buckets\":[{\"le\":6,\"count\":1}]}");
	tap_ok(qlat_hist_from_json(&back, p) == -EINVAL, "rejects a non-bucket bound (le=6)");
	json_object_put(p);
	p = json_tokener_parse("{\"count\":2,\"sum\":5,\"min\":5,\"max\":5,\"overflow\":0,"
			       "\"buckets\":[{\"le\":7,\"count\":1}]}");
	tap_ok(qlat_hist_from_json(&back, p) == -EINVAL, "rejects bucket total != count");
	json_object_put(p);
	p = json_tokener_parse("{\"count\":-1,\"sum\":5,\"min\":5,\"max\":5,\"overflow\":0,"
			       "\"buckets\":[]}");
	tap_ok(qlat_hist_from_json(&back, p) == -EINVAL, "rejects a negative count");
	json_object_put(p);
	json_object_put(o);
}

/* the column of " : " in each line of s that has one (-1: differing) */
static int colon_col(const char *s)
{
	int col = -2;

	while (*s) {
		const char *nl = strchr(s, '\n'), *c = strstr(s, " : ");

		if (!nl)
			nl = s + strlen(s);
		if (c && c < nl) {
			if (col == -2)
				col = (int)(c - s);
			else if (col != (int)(c - s))
				return -1;
		}
		s = *nl ? nl + 1 : nl;
	}
	return col;
}

static void test_print(void)
{
	struct qlat_hist h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	qlat_hist_init(&h);
	qlat_hist_add(&h, 1);
	qlat_hist_add(&h, 3000);
	qlat_hist_add(&h, 1ULL << 40);	/* 13 digits in ns */
	f = open_memstream(&buf, &len);
	qlat_hist_print(f, &h, "t", QLAT_UNIT_NS);
	fclose(f);
	tap_ok(colon_col(buf) > 0, "ns: header and rows align their ' : ' past 10 digits (col %d)",
	       colon_col(buf));
	tap_ok(strstr(buf, "max 1099511627776 nsecs") != NULL, "ns: the summary line names its unit");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	qlat_hist_print(f, &h, "t", QLAT_UNIT_MS);
	fclose(f);
	tap_ok(colon_col(buf) > 0 && !strstr(buf, "0.000 -> 0.000") &&
	       strstr(buf, "0.000001 -> 0.000001") && strstr(buf, "msecs\n"),
	       "ms: 1 ns shows as 0.000001, not 0.000; aligned; unit named");
	free(buf);
}

int main(void)
{
	test_edges();
	test_bpf_slot();
	test_quantiles();
	test_merge();
	test_merge_torn();
	test_openmetrics();
	test_json_roundtrip();
	test_print();
	return tap_done();
}
