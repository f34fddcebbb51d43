// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pairs of qlat documents resampled from the recorded baselines of
 * `make gate` (tests/gate/baseline/), for measuring qlat gate's false
 * positives (A/A: both sides drawn from the same histograms and miss
 * rates) and its power (the run drawn with pipe 0 stalling, as
 * tests/gate/scenario.sh's GATE_SLOW=1 does). tests/gate/aa.sh runs a gate
 * over them and counts; docs/gate.md quotes its output.
 *
 *   gate_aa BASELINE_DIR OUTDIR PAIRS [SEED]
 *
 * writes OUTDIR/SCENARIO/NNN/{base,run}/{cmdq,zc}.json. Every series is
 * resampled: n values drawn from the recorded histogram (a bucket with
 * its recorded share, a value uniform within it, clamped to the recorded
 * min and max). The scenarios:
 *
 *   aa-dogfood     cmdq + zc at their recorded sizes and rates (0 misses,
 *                  0 copies)
 *   aa-miss1       the same with a 1% miss rate on both cmdq pipes
 *                  (Bin(300, 0.01) misses a side)
 *   aa-zc1000      zc only, every series at 1000 samples (p99.9 is the
 *                  maximum; run with the default options)
 *   aa-miss2       cmdq only, 2% misses on both pipes (default options)
 *   stall-30       run: pipe 0 misses exactly 30 of 300 (the stall
 *                  scenario, every 10th frame); zc as recorded
 *   stall-p10, stall-p05, stall-p02
 *                  run: pipe 0 misses Bin(300, 0.10 / 0.05 / 0.02)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "hist.h"

static __u64 rng_state;

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double unif(void)
{
	return (rng() >> 11) * (1.0 / 9007199254740992.0);
}

static __u64 binomial(__u64 n, double p)
{
	__u64 k = 0, i;

	for (i = 0; i < n; i++)
		k += unif() < p;
	return k;
}

/* n values drawn from the recorded histogram src */
static void resample(struct qlat_hist *dst, const struct qlat_hist *src, __u64 n)
{
	__u64 i, r, cum;
	int s;

	qlat_hist_init(dst);
	if (!src->count)
		return;
	for (i = 0; i < n; i++) {
		__u64 lo, hi;

		r = rng() % src->count;
		for (s = 0, cum = 0; s < QLAT_SLOTS; s++) {
			cum += src->slots[s];
			if (r < cum)
				break;
		}
		lo = qlat_slot_lo(s) < src->min ? src->min : qlat_slot_lo(s);
		hi = qlat_slot_hi(s) > src->max ? src->max : qlat_slot_hi(s);
		qlat_hist_add(dst, lo + rng() % (hi - lo + 1));
	}
}

static json_object *load(const char *path)
{
	json_object *o = json_object_from_file(path);

	if (!o) {
		fprintf(stderr, "gate_aa: %s: %s\n", path, json_util_get_last_err());
		exit(1);
	}
	return o;
}

struct side {
	double miss_rate[2];		/* cmdq pipes 0 and 1: Bernoulli per packet */
	long miss_exact[2];		/* >= 0: exactly this many */
	__u64 n;			/* zc: samples per series (0: as recorded) */
};

/* a resampled copy of a recorded cmdq document */
static json_object *cmdq_doc(json_object *rec, const struct side *sd)
{
	json_object *d = json_tokener_parse(json_object_to_json_string(rec));
	json_object *hs, *nh = json_object_new_array(), *misses = json_object_new_array();
	struct qlat_hist src, h, late_src;
	__u64 miss[3] = { 0, 0, 0 };
	size_t i;
	int p;

	/* the late values of a missed packet: 0.1 ms to 2 ms past the deadline */
	qlat_hist_init(&late_src);
	qlat_hist_add(&late_src, 100000);
	qlat_hist_add(&late_src, 2000000);
	json_object_object_get_ex(d, "hists", &hs);
	for (i = 0; i < json_object_array_length(hs); i++) {
		json_object *e = json_object_array_get_idx(hs, i), *m, *pipe, *hj, *ne;
		const char *metric;

		json_object_object_get_ex(e, "metric", &m);
		json_object_object_get_ex(e, "hist", &hj);
		metric = json_object_get_string(m);
		if (!strcmp(metric, "late"))
			continue;	/* drawn below */
		qlat_hist_from_json(&src, hj);
		ne = json_tokener_parse(json_object_to_json_string(e));
		if (!strcmp(metric, "slack") && json_object_object_get_ex(e, "pipe", &pipe) &&
		    json_object_get_int(pipe) < 2) {
			p = json_object_get_int(pipe);
			miss[p] = sd->miss_exact[p] >= 0 ? (__u64)sd->miss_exact[p] :
				  binomial(src.count, sd->miss_rate[p]);
			resample(&h, &src, src.count - miss[p]);
			if (miss[p]) {
				struct qlat_hist l;
				json_object *le = json_object_new_object();

				resample(&l, &late_src, miss[p]);
				json_object_object_add(le, "metric", json_object_new_string("late"));
				json_object_object_add(le, "pipe", json_object_new_int(p));
				json_object_object_add(le, "hist", qlat_hist_json(&l, true));
				json_object_array_add(nh, le);
			}
		} else {
			resample(&h, &src, src.count);
		}
		json_object_object_add(ne, "hist", qlat_hist_json(&h, src.count && !strcmp(
			json_object_get_string(json_object_object_get(hj, "unit")), "ns")));
		json_object_array_add(nh, ne);
	}
	json_object_object_add(d, "hists", nh);
	for (p = 0; p < 3; p++)
		json_object_array_add(misses, json_object_new_uint64(miss[p]));
	json_object_object_add(d, "misses", misses);
	return d;
}

/* a resampled copy of a recorded zc document (counters as recorded) */
static json_object *zc_doc(json_object *rec, const struct side *sd)
{
	json_object *d = json_tokener_parse(json_object_to_json_string(rec)), *hs;
	struct qlat_hist src, h;
	size_t i;

	json_object_object_get_ex(d, "hists", &hs);
	for (i = 0; i < json_object_array_length(hs); i++) {
		json_object *e = json_object_array_get_idx(hs, i), *hj;
		bool ns;

		json_object_object_get_ex(e, "hist", &hj);
		ns = !strcmp(json_object_get_string(json_object_object_get(hj, "unit")), "ns");
		qlat_hist_from_json(&src, hj);
		resample(&h, &src, sd->n ? sd->n : src.count);
		json_object_object_add(e, "hist", qlat_hist_json(&h, ns));
	}
	return d;
}

static void save(json_object *d, const char *dir, const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (json_object_to_file_ext(p, d, JSON_C_TO_STRING_PLAIN)) {
		fprintf(stderr, "gate_aa: %s: %s\n", p, json_util_get_last_err());
		exit(1);
	}
	json_object_put(d);
}

static void mkdirs(const char *p)
{
	char buf[1024], *s;

	snprintf(buf, sizeof(buf), "%s", p);
	for (s = buf + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(buf, 0755);
			*s = '/';
		}
	}
	if (mkdir(buf, 0755) && errno != EEXIST) {
		perror(buf);
		exit(1);
	}
}

struct scenario {
	const char *name;
	bool cmdq, zc;
	struct side base, run;
};

#define NONE	{ -1, -1 }

static const struct scenario scenarios[] = {
	{ "aa-dogfood", true, true, { {0, 0}, NONE, 0 }, { {0, 0}, NONE, 0 } },
	{ "aa-miss1", true, true, { {0.01, 0.01}, NONE, 0 }, { {0.01, 0.01}, NONE, 0 } },
	{ "aa-zc1000", false, true, { {0, 0}, NONE, 1000 }, { {0, 0}, NONE, 1000 } },
	{ "aa-miss2", true, false, { {0.02, 0.02}, NONE, 0 }, { {0.02, 0.02}, NONE, 0 } },
	{ "stall-30", true, true, { {0, 0}, NONE, 0 }, { {0, 0}, { 30, -1 }, 0 } },
	{ "stall-p10", true, true, { {0, 0}, NONE, 0 }, { {0.10, 0}, NONE, 0 } },
	{ "stall-p05", true, true, { {0, 0}, NONE, 0 }, { {0.05, 0}, NONE, 0 } },
	{ "stall-p02", true, true, { {0, 0}, NONE, 0 }, { {0.02, 0}, NONE, 0 } },
};

int main(int argc, char **argv)
{
	json_object *cmdq, *zc;
	char p[1024], dir[1024];
	size_t k;
	int n, i;

	if (argc < 4) {
		fprintf(stderr, "usage: gate_aa BASELINE_DIR OUTDIR PAIRS [SEED]\n");
		return 1;
	}
	snprintf(p, sizeof(p), "%s/cmdq.json", argv[1]);
	cmdq = load(p);
	snprintf(p, sizeof(p), "%s/zc.json", argv[1]);
	zc = load(p);
	n = atoi(argv[3]);
	rng_state = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
	if (!rng_state)
		rng_state = 1;
	for (k = 0; k < sizeof(scenarios) / sizeof(scenarios[0]); k++) {
		const struct scenario *s = &scenarios[k];

		for (i = 0; i < n; i++) {
			int side;

			for (side = 0; side < 2; side++) {
				const struct side *sd = side ? &s->run : &s->base;

				snprintf(dir, sizeof(dir), "%s/%s/%03d/%s", argv[2], s->name, i,
					 side ? "run" : "base");
				mkdirs(dir);
				if (s->cmdq)
					save(cmdq_doc(cmdq, sd), dir, "cmdq.json");
				if (s->zc)
					save(zc_doc(zc, sd), dir, "zc.json");
			}
		}
	}
	json_object_put(cmdq);
	json_object_put(zc);
	return 0;
}
