// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host unit tests of `qlat gate` (tools/gate.c). The fixtures are built
 * here with the histogram library itself (qlat_hist_add + qlat_hist_json),
 * in the document shape of `qlat cmdq --json` and `qlat zc --json`.
 *
 *   test_gate                 run the tests (TAP)
 *   test_gate --fixtures DIR  write sample baseline/run documents to DIR
 *   test_gate --gate ARGS...  run `qlat gate ARGS...` (without BPF)
 *
 * QLAT_GATE_KEEP=1 keeps the fixtures (the directory is printed at the end).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <math.h>
#include "tap.h"
#include "gate_priv.h"

static char dir[256];

/* ---- fixtures ---------------------------------------------------------- */

static __u64 rng_state;

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* n values uniform in [lo, hi) */
static void fill(struct qlat_hist *h, __u64 n, __u64 lo, __u64 hi)
{
	while (n--)
		qlat_hist_add(h, lo + rng() % (hi - lo));
}

static json_object *doc_new(const char *sub)
{
	json_object *d = json_object_new_object(), *drop = json_object_new_object();

	json_object_object_add(d, "tool", json_object_new_string("qlat"));
	json_object_object_add(d, "subcommand", json_object_new_string(sub));
	json_object_object_add(d, "schema", json_object_new_int(1));
	json_object_object_add(d, "attach", json_object_new_string("tp_btf"));
	json_object_object_add(d, "final", json_object_new_boolean(1));
	json_object_object_add(d, "elapsed_s", json_object_new_double(10.0));
	json_object_object_add(d, "events", json_object_new_object());
	json_object_object_add(drop, "flush", json_object_new_uint64(0));
	json_object_object_add(drop, "eoc", json_object_new_uint64(0));
	json_object_object_add(d, "dropped", drop);
	json_object_object_add(d, "misses", json_object_new_array());
	json_object_object_add(d, "hists", json_object_new_array());
	return d;
}

static void doc_hist(json_object *d, const char *metric, const char *key, int val,
		     const struct qlat_hist *h, bool ns)
{
	json_object *hs, *e = json_object_new_object();

	json_object_object_get_ex(d, "hists", &hs);
	json_object_object_add(e, "metric", json_object_new_string(metric));
	json_object_object_add(e, key, json_object_new_int(val));
	json_object_object_add(e, "hist", qlat_hist_json(h, ns));
	json_object_array_add(hs, e);
}

static void doc_event(json_object *d, const char *name, __u64 v)
{
	json_object *ev;

	json_object_object_get_ex(d, "events", &ev);
	json_object_object_add(ev, name, json_object_new_uint64(v));
}

static void doc_misses(json_object *d, __u64 m0, __u64 m1, __u64 m2)
{
	json_object *m;

	json_object_object_get_ex(d, "misses", &m);
	json_object_array_add(m, json_object_new_uint64(m0));
	json_object_array_add(m, json_object_new_uint64(m1));
	json_object_array_add(m, json_object_new_uint64(m2));
}

static void doc_drops(json_object *d, __u64 v)
{
	json_object *drop;

	json_object_object_get_ex(d, "dropped", &drop);
	json_object_object_add(drop, "flush", json_object_new_uint64(v));
}

struct cmdq_shape {
	__u64 n;		/* flush_eoc samples on thread 0 */
	__u64 tail;		/* of which in the tail */
	__u64 tail_lo;		/* tail range [tail_lo, 1.5 * tail_lo) */
	__u64 packets;		/* pipe 0 packets with a deadline */
	__u64 misses;		/* of which missed */
	__u64 slack_lo;		/* slack range [slack_lo, 2 * slack_lo) */
	__u64 drops, overflow;
};

static const struct cmdq_shape base_shape = {
	.n = 10000, .tail = 200, .tail_lo = 40000, .packets = 10000, .misses = 100,
	.slack_lo = 4000000,
};

/* a `qlat cmdq --json` document */
/* doc as an interval document (not final) elapsed_s into its run */
static json_object *interval(json_object *doc, double elapsed_s)
{
	json_object_object_add(doc, "final", json_object_new_boolean(0));
	json_object_object_add(doc, "elapsed_s", json_object_new_double(elapsed_s));
	return doc;
}

static json_object *cmdq_doc(const struct cmdq_shape *c, __u64 seed)
{
	json_object *d = doc_new("cmdq");
	struct qlat_hist h;

	rng_state = seed;
	qlat_hist_init(&h);
	fill(&h, c->n - c->tail, 10000, 20000);
	fill(&h, c->tail, c->tail_lo, c->tail_lo + c->tail_lo / 2);
	h.overflow = c->overflow;
	doc_hist(d, "flush_eoc", "thread", 0, &h, true);
	qlat_hist_init(&h);
	fill(&h, c->n, 2000, 3000);
	doc_hist(d, "eoc_cb", "thread", 0, &h, true);
	qlat_hist_init(&h);
	fill(&h, c->n, 20, 40);
	doc_hist(d, "inst", "thread", 0, &h, false);
	qlat_hist_init(&h);
	fill(&h, c->packets - c->misses, c->slack_lo, 2 * c->slack_lo);
	doc_hist(d, "slack", "pipe", 0, &h, true);
	if (c->misses) {
		qlat_hist_init(&h);
		fill(&h, c->misses, 100000, 900000);
		doc_hist(d, "late", "pipe", 0, &h, true);
	}
	doc_misses(d, c->misses, 0, 0);
	doc_event(d, "flush", c->n);
	doc_event(d, "eoc", c->n);
	doc_drops(d, c->drops);
	return d;
}

/* a `qlat zc --json` document (counters and extra members as tools/zclat.c) */
static json_object *zc_doc(__u64 n, __u64 copied, __u64 seed)
{
	json_object *d = doc_new("zc"), *cf = json_object_new_object();
	struct qlat_hist h;
	int vq;

	rng_state = seed;
	for (vq = 0; vq < 2; vq++) {
		qlat_hist_init(&h);
		fill(&h, n, 5000, 9000);
		doc_hist(d, "submit_complete", "vq", vq, &h, true);
		qlat_hist_init(&h);
		fill(&h, n, 1000, 1500);
		doc_hist(d, "complete_dequeue", "vq", vq, &h, true);
	}
	json_object_object_add(d, "source", json_object_new_string("vhost_zc"));
	doc_event(d, "submit", 2 * n);
	doc_event(d, "submit_zerocopy", 2 * n - copied / 2);
	doc_event(d, "submit_copied", copied / 2);
	doc_event(d, "zerocopy_copied", copied - copied / 2);
	doc_event(d, "map_full", 0);
	json_object_object_add(cf, "copied", json_object_new_uint64(copied));
	json_object_object_add(cf, "total", json_object_new_uint64(2 * n));
	json_object_object_add(cf, "ratio", json_object_new_double((double)copied / (2 * n)));
	json_object_object_add(d, "copy_fallback", cf);
	return d;
}

static char *path(const char *name)
{
	static char buf[8][512];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static void write_doc(const char *name, json_object *d, bool append)
{
	FILE *f = fopen(path(name), append ? "a" : "w");

	if (!f) {
		perror(name);
		exit(1);
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
	fclose(f);
	json_object_put(d);
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");

	fputs(text, f);
	fclose(f);
}

/* ---- running the gate ---------------------------------------------------- */

static char out[1 << 16], errbuf[4096];

static void slurp(const char *p, char *buf, size_t len)
{
	FILE *f = fopen(p, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/* run gate_main in a child (argp may exit); returns its exit status */
static int gate(const char *first, ...)
{
	char *argv[32] = { "qlat gate" };
	int argc = 1, st;
	const char *a;
	va_list ap;
	pid_t pid;

	va_start(ap, first);
	for (a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (!freopen(path("out.txt"), "w", stdout) || !freopen(path("err.txt"), "w", stderr))
			_exit(99);
		exit(gate_main(argc, argv));
	}
	waitpid(pid, &st, 0);
	slurp(path("out.txt"), out, sizeof(out));
	slurp(path("err.txt"), errbuf, sizeof(errbuf));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define expect_exit(got, want, fmt, ...) ({					\
	int __g = (got);							\
	int __r = tap_ok(__g == (want), fmt " (exit %d)", ##__VA_ARGS__, want);	\
	if (!__r) {								\
		printf("#   got exit %d\n", __g);				\
		dump();								\
	}									\
	__r; })

static void dump(void)
{
	static char buf[sizeof(out) + sizeof(errbuf)];
	char *l, *save = NULL;

	snprintf(buf, sizeof(buf), "%s%s", out, errbuf);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("#   | %s\n", l);
}

/* the table line of a series and check contains the word */
static bool row_has(const char *series, const char *check, const char *word)
{
	char buf[sizeof(out)], *l, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", out);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *s = strstr(l, series);

		if (s && !strncmp(s + strlen(series), " ", 1) && strstr(l, check) && strstr(l, word))
			return true;
	}
	return false;
}

/* ---- tests --------------------------------------------------------------- */

static void write_fixtures(void)
{
	struct cmdq_shape run = base_shape;

	write_doc("base.json", cmdq_doc(&base_shape, 1), false);
	write_doc("same.json", cmdq_doc(&base_shape, 2), false);
	/* p99 tail moved from ~40 us to ~160 us */
	run.tail_lo = 160000;
	write_doc("p99.json", cmdq_doc(&run, 3), false);
	/* twice the misses per packet */
	run = base_shape;
	run.misses = 200;
	write_doc("miss2x.json", cmdq_doc(&run, 4), false);
	/* zc */
	write_doc("zc-base.json", zc_doc(20000, 200, 5), false);
	write_doc("zc-same.json", zc_doc(20000, 200, 6), false);
	write_doc("zc-copy2x.json", zc_doc(20000, 400, 7), false);
}

static void test_pass(void)
{
	expect_exit(gate(path("base.json"), path("same.json"), NULL), 0,
		    "identical runs (another seed) pass");
	tap_ok(row_has("cmdq flush_eoc thread=0", "p99", "pass") &&
	       row_has("cmdq misses pipe=0", "misses", "pass") &&
	       strstr(out, "verdict: pass"), "the table has a pass row per check and the verdict");
	expect_exit(gate(path("base.json"), path("base.json"), NULL), 0,
		    "a file against itself passes");
	expect_exit(gate(path("zc-base.json"), path("zc-same.json"), "--ratio",
			 "submit_copied+zerocopy_copied/submit", NULL), 0, "zc: same copy ratio passes");
	tap_ok(row_has("zc submit_complete vq=1", "p99", "pass"), "zc series labelled by vq");
	expect_exit(gate(path("p99.json"), path("base.json"), NULL), 0,
		    "a better p99 passes (improved)");
	tap_ok(row_has("cmdq flush_eoc thread=0", "p99", "improved"), "and says improved");
}

static void test_regressions(void)
{
	expect_exit(gate(path("base.json"), path("p99.json"), NULL), 2, "a shifted p99 regresses");
	tap_ok(row_has("cmdq flush_eoc thread=0", "p99 ", "REGRESSION") &&
	       row_has("cmdq flush_eoc thread=0", "p50", "pass"),
	       "the p99 row regresses, the p50 row passes");
	expect_exit(gate("--quantiles", "p50", path("base.json"), path("p99.json"), NULL), 0,
		    "--quantiles p50 alone does not see the tail");
	expect_exit(gate("--rel-margin", "5", path("base.json"), path("p99.json"), NULL), 0,
		    "a relative margin of 500%% absorbs the shift");
	expect_exit(gate("--abs-margin", "500000", path("base.json"), path("p99.json"), NULL), 0,
		    "an absolute margin of 500 us absorbs the shift");
	expect_exit(gate(path("base.json"), path("miss2x.json"), NULL), 2,
		    "a doubled miss rate regresses");
	tap_ok(row_has("cmdq misses pipe=0", "misses", "REGRESSION") &&
	       row_has("cmdq misses pipe=0", "misses", "100/10000") &&
	       row_has("cmdq misses pipe=0", "misses", "200/10000"),
	       "misses / packets of pipe 0 (slack + late): 100/10000 -> 200/10000");
	expect_exit(gate("--alpha", "1e-12", path("base.json"), path("miss2x.json"), NULL), 0,
		    "at alpha 1e-12 the doubling is not significant");
	expect_exit(gate("--miss-margin", "0.02", path("base.json"), path("miss2x.json"), NULL), 0,
		    "a miss margin of 2 points absorbs it");
	expect_exit(gate("--ignore", "misses", path("base.json"), path("miss2x.json"), NULL), 0,
		    "--ignore misses skips the test");
	expect_exit(gate("--ratio", "submit_copied+zerocopy_copied/submit", path("zc-base.json"),
			 path("zc-copy2x.json"), NULL), 2, "zc: a doubled copy ratio regresses");
	expect_exit(gate(path("zc-base.json"), path("zc-copy2x.json"), NULL), 0,
		    "zc: without --ratio, counters are not gated");
}

static void test_slack_direction(void)
{
	struct cmdq_shape run = base_shape;

	run.slack_lo = base_shape.slack_lo / 8;	/* closer to the deadline */
	write_doc("slack.json", cmdq_doc(&run, 8), false);
	expect_exit(gate(path("base.json"), path("slack.json"), NULL), 2,
		    "less slack before the deadline regresses (lower is worse)");
	tap_ok(row_has("cmdq slack pipe=0", "p1 ", "REGRESSION"),
	       "slack is checked at p1 (the worst 1%%) for p99");
	expect_exit(gate(path("slack.json"), path("base.json"), NULL), 0,
		    "more slack passes");
	expect_exit(gate("--direction", "slack=up", path("slack.json"), path("base.json"), NULL), 2,
		    "--direction slack=up turns it around");
}

static void test_inconclusive(void)
{
	struct cmdq_shape few = { .n = 50, .tail = 1, .tail_lo = 40000, .packets = 50,
				  .misses = 1, .slack_lo = 4000000 };
	struct cmdq_shape c = base_shape;

	write_doc("few.json", cmdq_doc(&few, 9), false);
	expect_exit(gate(path("base.json"), path("few.json"), NULL), 3, "too few samples");
	tap_ok(row_has("cmdq flush_eoc thread=0", "samples", "INCONCLUSIVE"),
	       "the table says why");
	expect_exit(gate("--min-samples", "1", path("base.json"), path("few.json"), NULL), 0,
		    "--min-samples 1 accepts them");
	c.drops = 3;
	write_doc("drops.json", cmdq_doc(&c, 10), false);
	expect_exit(gate(path("base.json"), path("drops.json"), NULL), 3, "drops are unmeasurable");
	expect_exit(gate(path("p99.json"), path("drops.json"), NULL), 3,
		    "drops beat a regression: nothing can be trusted");
	c = base_shape;
	c.overflow = 1;
	write_doc("overflow.json", cmdq_doc(&c, 11), false);
	expect_exit(gate(path("base.json"), path("overflow.json"), NULL), 3, "overflow");
	tap_ok(row_has("cmdq flush_eoc thread=0", "overflow", "INCONCLUSIVE"), "overflow row");
	expect_exit(gate(path("base.json"), path("zc-base.json"), NULL), 3,
		    "series on one side only");
	tap_ok(row_has("cmdq flush_eoc thread=0", "series", "only in the baseline") &&
	       row_has("zc submit_complete vq=0", "series", "only in the run"), "named as such");
	expect_exit(gate(path("base.json"), path("p99.json"), "--ignore", "flush_eoc", NULL), 0,
		    "--ignore drops a series");
	{
		json_object *z = zc_doc(20000, 200, 17), *ev;

		json_object_object_get_ex(z, "events", &ev);
		json_object_object_add(ev, "map_full", json_object_new_uint64(5));
		write_doc("zc-mapfull.json", z, false);
	}
	expect_exit(gate(path("zc-base.json"), path("zc-mapfull.json"), NULL), 3,
		    "in-flight map full (lost samples) is unmeasurable");
	tap_ok(row_has("zc lost", "drops", "INCONCLUSIVE"), "the zc lost row");
}

static void test_labels(void)
{
	json_object *b = doc_new("x"), *r = doc_new("x"), *hs, *e;
	struct qlat_hist h;

	/* two labels, a float member that is not a label, a derived ratio event */
	qlat_hist_init(&h);
	fill(&h, 1000, 100, 200);
	doc_hist(b, "m", "vq", 1, &h, true);
	json_object_object_get_ex(b, "hists", &hs);
	e = json_object_array_get_idx(hs, 0);
	json_object_object_add(e, "dir", json_object_new_string("tx"));
	json_object_object_add(e, "weight", json_object_new_double(0.5));
	doc_event(b, "ratio", 0);
	json_object_object_add(json_object_object_get(b, "events"), "share",
			       json_object_new_double(0.25));
	qlat_hist_init(&h);
	fill(&h, 1000, 400, 500);
	doc_hist(r, "m", "vq", 1, &h, true);
	json_object_object_get_ex(r, "hists", &hs);
	json_object_object_add(json_object_array_get_idx(hs, 0), "dir",
			       json_object_new_string("tx"));
	write_doc("labels-b.json", b, false);
	write_doc("labels-r.json", r, false);
	expect_exit(gate(path("labels-b.json"), path("labels-r.json"), NULL), 2,
		    "a series with two labels, compared across documents");
	tap_ok(row_has("x m vq=1 dir=tx", "p50", "REGRESSION"), "named x m vq=1 dir=tx");
}

static void test_errors(void)
{
	char buf[4096];
	FILE *f;
	size_t n;

	/* truncated: the first 300 bytes of a valid document */
	f = fopen(path("base.json"), "r");
	n = fread(buf, 1, 300, f);
	fclose(f);
	buf[n] = '\0';
	write_text("trunc.json", buf);
	expect_exit(gate(path("base.json"), path("trunc.json"), NULL), 1, "truncated JSON");
	tap_ok(strstr(errbuf, "trunc.json") && strstr(errbuf, "unexpected end of file"),
	       "the message names the file and the problem: %.120s", errbuf);
	write_text("garbage.json", "{\"tool\": \"qlat\",\n  \"subcommand\": cmdq}\n");
	expect_exit(gate(path("garbage.json"), path("base.json"), NULL), 1, "invalid JSON");
	tap_ok(strstr(errbuf, "garbage.json: line 2, column") != NULL,
	       "with a line and column: %.120s", errbuf);
	write_text("bad-hist.json",
		   "{\"tool\":\"qlat\",\"subcommand\":\"cmdq\",\"schema\":1,\"hists\":[{\"metric\":"
		   "\"flush_eoc\",\"thread\":0,\"hist\":{\"unit\":\"ns\",\"count\":2,\"sum\":3,"
		   "\"min\":1,\"max\":2,\"overflow\":0,\"buckets\":[{\"le\":1,\"count\":1},"
		   "{\"le\":5,\"count\":1}]}}]}");
	expect_exit(gate(path("base.json"), path("bad-hist.json"), NULL), 1, "a bad bucket bound");
	tap_ok(strstr(errbuf, "bad-hist.json: hists[0] (flush_eoc thread=0): malformed histogram") != NULL,
	       "names the series: %.120s", errbuf);
	write_text("other.json", "{\"name\": \"not qlat\"}");
	expect_exit(gate(path("base.json"), path("other.json"), NULL), 1, "not a qlat document");
	write_text("schema.json", "{\"tool\":\"qlat\",\"subcommand\":\"cmdq\",\"schema\":7,\"hists\":[]}");
	expect_exit(gate(path("base.json"), path("schema.json"), NULL), 1, "a future schema");
	tap_ok(strstr(errbuf, "schema 7 is not supported") != NULL, "says so: %.120s", errbuf);
	write_text("empty.json", "\n");
	expect_exit(gate(path("base.json"), path("empty.json"), NULL), 1, "an empty file");
	expect_exit(gate(path("base.json"), path("nonexistent.json"), NULL), 1, "a missing file");
	tap_ok(strstr(errbuf, "nonexistent.json: No such file") != NULL, "says so: %.120s", errbuf);
	expect_exit(gate(path("base.json"), NULL), 1, "one argument is a usage error");
	expect_exit(gate("--alpha", "2", path("base.json"), path("base.json"), NULL), 1,
		    "--alpha 2 is a usage error");
	expect_exit(gate("--quantiles", "p50,x", path("base.json"), path("base.json"), NULL), 1,
		    "a bad quantile list is a usage error");
}

static void test_merge(void)
{
	struct cmdq_shape half = base_shape, quarter = base_shape;
	json_object *o, *chk;
	struct gate_data d;
	char err[512];
	size_t i;
	int found = 0;

	/* halves of the baseline: each alone is too small for --min-samples 6000 */
	half.n = 5000, half.tail = 100, half.packets = 5000, half.misses = 50;
	write_doc("half1.json", cmdq_doc(&half, 12), false);
	write_doc("half2.json", cmdq_doc(&half, 13), false);
	expect_exit(gate("--min-samples", "6000", "--ignore", "late", path("half1.json"), path("same.json"), NULL), 3,
		    "half a baseline is too small for --min-samples 6000");
	expect_exit(gate("--min-samples", "6000", "--ignore", "late", "-b", path("half1.json"), "-b", path("half2.json"),
			 "-r", path("same.json"), NULL), 0, "two halves merged (-b -b) are enough");
	tap_ok(strstr(out, "baseline 2 document(s) in 2 file(s)") != NULL, "2 baseline files read");
	{
		char list[1100];

		snprintf(list, sizeof(list), "%s,%s", path("half1.json"), path("half2.json"));
		expect_exit(gate("--min-samples", "6000", "--ignore", "late", list, path("same.json"), NULL), 0,
			    "the same as a comma list");
	}
	mkdir(path("bdir"), 0755);
	rename(path("half1.json"), path("bdir/a.json"));
	rename(path("half2.json"), path("bdir/b.json"));
	expect_exit(gate("--min-samples", "6000", "--ignore", "late", "--json", path("bdir"), path("same.json"), NULL), 0,
		    "the same as a directory, with --json");
	o = json_tokener_parse(out);
	if (o && json_object_object_get_ex(o, "checks", &chk)) {
		for (i = 0; i < json_object_array_length(chk); i++) {
			json_object *e = json_object_array_get_idx(chk, i), *x, *b, *n;

			if (json_object_object_get_ex(e, "series", &x) &&
			    !strcmp(json_object_get_string(x), "cmdq misses pipe=0") &&
			    json_object_object_get_ex(e, "baseline", &b) &&
			    json_object_object_get_ex(b, "x", &x) &&
			    json_object_object_get_ex(b, "n", &n))
				found = json_object_get_int(x) == 100 &&
					json_object_get_int(n) == 10000;
		}
	}
	tap_ok(o && found, "--json: merged baseline misses 100 of 10000 packets");
	json_object_put(o);

	/* several interval documents in one file: the last one counts */
	quarter.n = 2500, quarter.tail = 50, quarter.packets = 2500, quarter.misses = 25;
	write_doc("intervals.json", interval(cmdq_doc(&quarter, 14), 5.0), false);
	write_doc("intervals.json", zc_doc(100, 1, 15), true);
	write_doc("intervals.json", cmdq_doc(&base_shape, 16), true);
	gate_data_init(&d);
	{
		FILE *f = fopen(path("intervals.json"), "r");
		static char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);

		fclose(f);
		tap_ok(!gate_parse_buffer(&d, GATE_BASE, buf, n, "intervals.json", err, sizeof(err)),
		       "a file of interval documents parses");
	}
	tap_ok(d.docs[GATE_BASE] == 2, "the last cmdq and the zc document count (%u)",
	       d.docs[GATE_BASE]);
	for (i = 0, found = 0; i < d.nseries; i++)
		if (!strcmp(d.series[i].metric, "flush_eoc"))
			found = d.series[i].h[GATE_BASE].count == 10000;
	tap_ok(found, "flush_eoc has the last document's 10000 samples, not a sum");
	gate_data_free(&d);

	/*
	 * Runs appended to one file (>>): each run's last document counts,
	 * and the runs add up as files do. Run 1 ends with its final print,
	 * run 2 was killed after one interval document (no final), run 3
	 * ends with its final: 10000 + 2500 + 10000 samples.
	 */
	write_doc("appended.json", interval(cmdq_doc(&quarter, 17), 5.0), false);
	write_doc("appended.json", cmdq_doc(&base_shape, 18), true);
	write_doc("appended.json", interval(cmdq_doc(&quarter, 19), 5.0), true);
	write_doc("appended.json", interval(cmdq_doc(&quarter, 20), 1.0), true);
	write_doc("appended.json", cmdq_doc(&base_shape, 21), true);
	gate_data_init(&d);
	{
		FILE *f = fopen(path("appended.json"), "r");
		static char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);

		fclose(f);
		tap_ok(!gate_parse_buffer(&d, GATE_BASE, buf, n, "appended.json", err, sizeof(err)),
		       "a file of three appended runs parses");
	}
	for (i = 0, found = 0; i < d.nseries; i++)
		if (!strcmp(d.series[i].metric, "flush_eoc"))
			found = d.series[i].h[GATE_BASE].count == 22500;
	tap_ok(d.docs[GATE_BASE] == 3 && found,
	       "appended runs: each run's last document, summed (3 documents, 22500 samples)");
	gate_data_free(&d);
}

/*
 * a cmdq document of np pipes: packets[i] with a deadline on pipe i, of
 * which misses[i] missed (slack and late histograms, misses[])
 */
static json_object *pipes_doc(int np, const __u64 *packets, const __u64 *misses, __u64 seed)
{
	json_object *d = doc_new("cmdq"), *m;
	struct qlat_hist h;
	int i;

	rng_state = seed;
	json_object_object_get_ex(d, "misses", &m);
	for (i = 0; i < np; i++) {
		qlat_hist_init(&h);
		fill(&h, packets[i] - misses[i], 4000000, 8000000);
		doc_hist(d, "slack", "pipe", i, &h, true);
		if (misses[i]) {
			qlat_hist_init(&h);
			fill(&h, misses[i], 100000, 900000);
			doc_hist(d, "late", "pipe", i, &h, true);
		}
		json_object_array_add(m, json_object_new_uint64(misses[i]));
	}
	return d;
}

/* a document of one series "m thread=0" from a histogram */
static void hist_doc(const char *name, const struct qlat_hist *h)
{
	json_object *d = doc_new("x");

	doc_hist(d, "m", "thread", 0, h, true);
	write_doc(name, d, false);
}

static void test_counts_exact(void)
{
	__u64 n300[3] = { 300, 300, 300 }, n1000[1] = { 1000 };
	__u64 none[3] = { 0, 0, 0 }, six[1] = { 6 }, twelve[1] = { 12 };
	__u64 eight3[3] = { 8, 8, 8 }, eight2[3] = { 8, 8, 0 }, holm3[3] = { 30, 8, 8 };
	bool exact;
	double p;

	/* the figures: 0/300 vs 6/300 */
	p = gate_fisher(0, 300, 6, 300);
	tap_ok(fabs(p - 0.015236) < 1e-5, "Fisher one-sided, 0/300 vs 6/300: p = %.5f (0.01524)", p);
	p = gate_fisher(3, 30, 7, 11);
	tap_ok(fabs(p - 0.0012605805) < 1e-9, "Fisher 3/30 vs 7/11: p = %.10f (0.0012605805)", p);
	write_doc("six-b.json", pipes_doc(1, n300, none, 30), false);
	write_doc("six-r.json", pipes_doc(1, n300, six, 31), false);
	expect_exit(gate("--ignore", "slack", "--ignore", "late", path("six-b.json"),
			 path("six-r.json"), NULL), 0,
		    "0/300 -> 6/300 at alpha 0.01 is not a regression (Fisher p = 0.015; the z-test said 0.0069)");
	tap_ok(row_has("cmdq misses pipe=0", "misses", "p=0.015"), "the row says p=0.015");
	expect_exit(gate("--alpha", "0.02", "--ignore", "slack", "--ignore", "late",
			 path("six-b.json"), path("six-r.json"), NULL), 2,
		    "and is one at alpha 0.02");

	/* a margin: H0 p_run - p_base <= 0.02; 0/1000 vs 12/300 */
	p = gate_fm_pvalue(0, 1000, 12, 300, 0.02, 1e-5, &exact);
	tap_ok(exact && p > 0.015 && p < 0.025,
	       "exact unconditional FM, 0/1000 vs 12/300, margin 0.02: p = %.4f (~P(Poisson(6) >= 12) = 0.020)",
	       p);
	write_doc("m12-b.json", pipes_doc(1, n1000, none, 32), false);
	write_doc("m12-r.json", pipes_doc(1, n300, twelve, 33), false);
	expect_exit(gate("--miss-margin", "0.02", "--ignore", "slack", "--ignore", "late",
			 path("m12-b.json"), path("m12-r.json"), NULL), 0,
		    "0/1000 -> 12/300 with --miss-margin 0.02 is not a regression (the pooled z said p = 0.0007)");
	/* the brute-force values (supremum over a fine grid, every table enumerated) */
	p = gate_fm_pvalue(0, 30, 5, 30, 0.05, 1e-5, &exact);
	tap_ok(fabs(p - 0.0405147) < 2e-5, "FM exact 0/30 vs 5/30, margin 0.05: p = %.6f (0.040515)", p);
	p = gate_fm_pvalue(1, 40, 9, 35, 0.1, 1e-5, &exact);
	tap_ok(fabs(p - 0.0606110) < 2e-5, "FM exact 1/40 vs 9/35, margin 0.1: p = %.6f (0.060611)", p);
	p = gate_fm_pvalue(0, 300, 30, 300, 0.01, 1e-5, &exact);
	tap_ok(p < 1e-4, "the stall: 0/300 -> 30/300, margin 0.01: p = %.2g", p);
	{
		/* the closed-form restricted MLE agrees with bisection; Z rises with the run's count */
		static const double deltas[] = { 0.001, 0.01, 0.1, 0.3 };
		int a, b, k, bad = 0, nonmono = 0;

		for (k = 0; k < 4; k++) {
			for (a = 0; a <= 40; a++) {
				double prev = -INFINITY;

				for (b = 0; b <= 30; b++) {
					double z = gate_fm_z(a, 40, b, 30, deltas[k]);
					double r = gate_fm_rmle_bisect(a, 40, b, 30, deltas[k]);
					double r1 = r + deltas[k], v = r1 * (1 - r1) / 30 + r * (1 - r) / 40;
					double zb = (b / 30.0 - a / 40.0 - deltas[k]) / sqrt(v);

					if (v > 0 && fabs(z - zb) > 1e-6 * fmax(1, fabs(zb)))
						bad++;
					if (z < prev - 1e-9)
						nonmono++;
					prev = z;
				}
			}
		}
		tap_ok(!bad && !nonmono,
		       "FM Z: closed form = bisection (%d off), rises with the run's count (%d not)",
		       bad, nonmono);
	}
	/* large counts: log space, no overflow; the normal approximation is close there */
	p = gate_binom_upper(2000000, 0.5, 1002000);
	tap_ok(fabs(p - 0.5 * erfc(1999.5 / 707.10678 / M_SQRT2)) < 2e-5,
	       "P(Bin(2e6, 0.5) >= 1002000) = %.5f (normal: 0.00234)", p);
	p = gate_fisher(10000, 3000000, 10500, 3000000);
	tap_ok(p > 1e-4 && p < 5e-4, "Fisher on millions: 10000/3e6 vs 10500/3e6, p = %.2g", p);

	/* Holm: three pipes each at p = 0.0037 */
	write_doc("h-b.json", pipes_doc(3, n300, none, 34), false);
	write_doc("h-r.json", pipes_doc(3, n300, eight2, 35), false);
	expect_exit(gate("--correction", "none", "--ignore", "slack", "--ignore", "late",
			 path("h-b.json"), path("h-r.json"), NULL), 2,
		    "two pipes 0/300 -> 8/300 (p = 0.0037 each) regress without correction");
	expect_exit(gate("--ignore", "slack", "--ignore", "late", path("h-b.json"),
			 path("h-r.json"), NULL), 0,
		    "and not under Holm over the 3 pipes (3 x 0.0037 > 0.01)");
	tap_ok(row_has("cmdq misses pipe=0", "misses", "p=0.011"), "Holm-adjusted p = 0.011");
	write_doc("h3-r.json", pipes_doc(3, n300, eight3, 36), false);
	expect_exit(gate("--ignore", "slack", "--ignore", "late", path("h-b.json"),
			 path("h3-r.json"), NULL), 0, "three pipes at 0.0037: none under Holm");
	write_doc("h4-r.json", pipes_doc(3, n300, holm3, 37), false);
	expect_exit(gate("--ignore", "slack", "--ignore", "late", path("h-b.json"),
			 path("h4-r.json"), NULL), 2,
		    "0 -> 30, 8, 8: Holm steps down (3 x 4e-10, 2 x 0.0037, 0.0037)");
	tap_ok(row_has("cmdq misses pipe=0", "misses", "REGRESSION") &&
	       row_has("cmdq misses pipe=1", "misses", "REGRESSION") &&
	       row_has("cmdq misses pipe=2", "misses", "REGRESSION"),
	       "all three regress (Bonferroni would have stopped at the first)");
	{
		double pv[4] = { 0.01, 0.04, 0.03, 0.005 }, adj[4], lv[4];

		gate_holm(pv, adj, lv, 4, 0.05);
		tap_ok(fabs(adj[3] - 0.02) < 1e-12 && fabs(adj[0] - 0.03) < 1e-12 &&
		       fabs(adj[2] - 0.06) < 1e-12 && fabs(adj[1] - 0.06) < 1e-12 &&
		       fabs(lv[3] - 0.0125) < 1e-12 && fabs(lv[1] - 0.05) < 1e-12,
		       "Holm adjusted p-values of 0.01 0.04 0.03 0.005: %.3g %.3g %.3g %.3g",
		       adj[0], adj[1], adj[2], adj[3]);
	}
}

static void test_quantile_bounds(void)
{
	struct qlat_hist b, r;
	__u64 rb, bb;
	double p, pmin;

	/* n = 1000: p99.9 is the 999th value; two high values in the run are sampling error */
	rng_state = 40;
	qlat_hist_init(&b);
	fill(&b, 1000, 10000, 16000);
	qlat_hist_init(&r);
	fill(&r, 998, 10000, 16000);
	fill(&r, 2, 40000, 50000);
	hist_doc("q-b.json", &b);
	hist_doc("q-r.json", &r);
	expect_exit(gate("--quantiles", "p99.9", path("q-b.json"), path("q-r.json"), NULL), 0,
		    "n=1000: a p99.9 made of the two largest values is not a regression");
	tap_ok(row_has("x m thread=0", "p99.9", "cannot fail"),
	       "and the row says it cannot fail with so few samples");
	/* n = 10000, p99.9: 15 high values against 5 (Poisson(10) >= 15 has p = 0.08) */
	qlat_hist_init(&b);
	fill(&b, 9995, 10000, 16000);
	fill(&b, 5, 40000, 50000);
	qlat_hist_init(&r);
	fill(&r, 9985, 10000, 16000);
	fill(&r, 15, 40000, 50000);
	hist_doc("q2-b.json", &b);
	hist_doc("q2-r.json", &r);
	expect_exit(gate("--quantiles", "p99.9", path("q2-b.json"), path("q2-r.json"), NULL), 0,
		    "n=10000: p99.9 one bucket up on 15 values vs 5 is within sampling error");
	/*
	 * ... and 60 high values against none are not: the baseline's p99.9 is
	 * below 16 us (P(no value above it) = 0.999^10000 = 4.5e-5), the run's
	 * above 40 us (P(60 or more values above it | Poisson(10)) ~ 1e-25)
	 */
	qlat_hist_init(&b);
	fill(&b, 10000, 10000, 16000);
	hist_doc("q4-b.json", &b);
	qlat_hist_init(&r);
	fill(&r, 9940, 10000, 16000);
	fill(&r, 60, 40000, 50000);
	hist_doc("q3-r.json", &r);
	expect_exit(gate("--quantiles", "p99.9", path("q4-b.json"), path("q3-r.json"), NULL), 2,
		    "n=10000: 60 values one bucket up against none are a p99.9 regression");
	expect_exit(gate("--quantiles", "p99.9", path("q2-b.json"), path("q3-r.json"), NULL), 0,
		    "but not against a baseline that had 5 there (its upper bound is that bucket)");
	/* the p-value of disjoint buckets is 2 q^n (all n values on each side) */
	qlat_hist_init(&b);
	fill(&b, 1000, 10000, 16000);
	qlat_hist_init(&r);
	fill(&r, 1000, 40000, 50000);
	p = gate_quantile_pvalue(&r, &b, 0.99, true, 0.1, 0, 0.01, &pmin, &rb, &bb);
	tap_ok(fabs(p - 2 * pow(0.99, 1000)) < 1e-9 * p && fabs(pmin - p) < 1e-9 * p,
	       "disjoint buckets, n=1000, p99: p = 2 x 0.99^1000 = %.3g", p);
	tap_ok(rb == r.min && bb == b.max,
	       "bounds at the exact min and max: run >= %llu, baseline <= %llu", (unsigned long long)rb,
	       (unsigned long long)bb);
}

static void test_report(void)
{
	char html[1 << 16];
	int svgs = 0;
	char *p;

	expect_exit(gate("--report", path("r.html"), path("base.json"), path("p99.json"), NULL), 2,
		    "--report with a regression");
	slurp(path("r.html"), html, sizeof(html));
	for (p = html; (p = strstr(p, "<svg ")); p++)
		svgs++;
	tap_ok(svgs == 5, "one SVG per series (%d)", svgs);
	tap_ok(strstr(html, "class=\"bar-base\"") && strstr(html, "class=\"bar-run\""),
	       "baseline and run bars");
	tap_ok(!strstr(html, "<script") && !strstr(html, "src=") && !strstr(html, "href="),
	       "self-contained: no scripts, no external resources");
	tap_ok(strstr(html, "</html>") != NULL, "complete");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--gate")) {
		argv[1] = "qlat gate";
		return gate_main(argc - 1, argv + 1);
	}
	if (argc > 2 && !strcmp(argv[1], "--fixtures")) {
		snprintf(dir, sizeof(dir), "%s", argv[2]);
		mkdir(dir, 0755);
		write_fixtures();
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/qlat-gate-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	write_fixtures();
	test_pass();
	test_regressions();
	test_slack_direction();
	test_inconclusive();
	test_labels();
	test_errors();
	test_merge();
	test_counts_exact();
	test_quantile_bounds();
	test_report();
	if (!tap_failed && !getenv("QLAT_GATE_KEEP")) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	} else {
		printf("# fixtures and outputs kept in %s\n", dir);
	}
	return tap_done();
}
