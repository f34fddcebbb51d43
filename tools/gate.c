// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate BASELINE RUN: latency regression gating on binned data.
 *
 * Reads the JSON documents of the measuring subcommands (json-c), sums
 * the histograms of each side with the histogram library (tools/hist.c),
 * then decides per series and quantile with conservative bucket bounds,
 * and per miss counter with a one-sided two-proportion z-test. The rules
 * are in docs/gate.md.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gate.h"

#define GATE_MAX_FILE	(256u << 20)

/* ------------------------------------------------------------------ */
/* data */

void gate_data_init(struct gate_data *d)
{
	memset(d, 0, sizeof(*d));
}

void gate_data_free(struct gate_data *d)
{
	size_t i;

	for (i = 0; i < d->nseries; i++) {
		free(d->series[i].sub);
		free(d->series[i].metric);
		free(d->series[i].key);
		free(d->series[i].val);
	}
	for (i = 0; i < d->ncounters; i++) {
		free(d->counters[i].sub);
		free(d->counters[i].name);
	}
	for (i = 0; i < d->nmisses; i++)
		free(d->misses[i].sub);
	for (i = 0; i < d->nsubs; i++) {
		free(d->subs[i].name);
		free(d->subs[i].misses_key);
	}
	free(d->series);
	free(d->counters);
	free(d->misses);
	free(d->subs);
	gate_data_init(d);
}

static void *xgrow(void *p, size_t n, size_t size)
{
	/* grow an array holding n elements to n + 1 */
	p = realloc(p, (n + 1) * size);
	if (!p) {
		fprintf(stderr, "qlat gate: out of memory\n");
		exit(GATE_EXIT_USAGE);
	}
	memset((char *)p + n * size, 0, size);
	return p;
}

static char *xstrdup(const char *s)
{
	char *r = strdup(s);

	if (!r) {
		fprintf(stderr, "qlat gate: out of memory\n");
		exit(GATE_EXIT_USAGE);
	}
	return r;
}

static struct gate_sub *get_sub(struct gate_data *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsubs; i++)
		if (!strcmp(d->subs[i].name, name))
			return &d->subs[i];
	d->subs = xgrow(d->subs, d->nsubs, sizeof(*d->subs));
	d->subs[d->nsubs].name = xstrdup(name);
	return &d->subs[d->nsubs++];
}

static struct gate_series *get_series(struct gate_data *d, const char *sub, const char *metric,
				      const char *key, const char *val)
{
	struct gate_series *s;
	size_t i;

	for (i = 0; i < d->nseries; i++) {
		s = &d->series[i];
		if (!strcmp(s->sub, sub) && !strcmp(s->metric, metric) &&
		    !strcmp(s->key, key) && !strcmp(s->val, val))
			return s;
	}
	d->series = xgrow(d->series, d->nseries, sizeof(*d->series));
	s = &d->series[d->nseries++];
	s->sub = xstrdup(sub);
	s->metric = xstrdup(metric);
	s->key = xstrdup(key);
	s->val = xstrdup(val);
	return s;
}

static struct gate_counter *get_counter(struct gate_data *d, const char *sub, const char *name)
{
	size_t i;

	for (i = 0; i < d->ncounters; i++)
		if (!strcmp(d->counters[i].sub, sub) && !strcmp(d->counters[i].name, name))
			return &d->counters[i];
	d->counters = xgrow(d->counters, d->ncounters, sizeof(*d->counters));
	d->counters[d->ncounters].sub = xstrdup(sub);
	d->counters[d->ncounters].name = xstrdup(name);
	return &d->counters[d->ncounters++];
}

static struct gate_miss *get_miss(struct gate_data *d, const char *sub, unsigned int idx)
{
	size_t i;

	for (i = 0; i < d->nmisses; i++)
		if (!strcmp(d->misses[i].sub, sub) && d->misses[i].idx == idx)
			return &d->misses[i];
	d->misses = xgrow(d->misses, d->nmisses, sizeof(*d->misses));
	d->misses[d->nmisses].sub = xstrdup(sub);
	d->misses[d->nmisses].idx = idx;
	return &d->misses[d->nmisses++];
}

/* ------------------------------------------------------------------ */
/* parsing */

__attribute__((format(printf, 3, 4)))
static int perr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int json_u64(json_object *x, __u64 *v)
{
	if (!json_object_is_type(x, json_type_int))
		return -EINVAL;
	errno = 0;
	*v = json_object_get_uint64(x);
	if (errno || json_object_get_int64(x) < 0)
		return -EINVAL;
	return 0;
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* "dropped": a number, null (not counted), or an object of those */
static int add_drops(struct gate_sub *sub, int side, json_object *x)
{
	__u64 v;

	if (!x) {
		sub->drops_uncounted[side] = true;
		return 0;
	}
	if (json_object_is_type(x, json_type_object)) {
		json_object_object_foreach(x, k, e) {
			(void)k;
			if (e && !json_object_is_type(e, json_type_int))
				return -EINVAL;
			if (add_drops(sub, side, e))
				return -EINVAL;
		}
		return 0;
	}
	if (json_u64(x, &v))
		return -EINVAL;
	sub->drops[side] += v;
	return 0;
}

/* "sub metric k1=v1 k2=v2" from the comma lists of label keys and values */
static void series_name(char *buf, size_t len, const struct gate_series *s)
{
	const char *k = s->key, *v = s->val;
	size_t n;

	snprintf(buf, len, "%s%s%s", s->sub, *s->sub ? " " : "", s->metric);
	while (*k) {
		size_t kl = strcspn(k, ","), vl = strcspn(v, ",");

		n = strlen(buf);
		snprintf(buf + n, len - n, " %.*s=%.*s", (int)kl, k, (int)vl, v);
		k += kl + !!k[kl];
		v += vl + !!v[vl];
	}
}

/*
 * Event counters that mean samples were lost, like drops: in-flight map
 * full (no start time to pair with), keys out of range (counted, not binned)
 */
static bool is_loss_counter(const char *name)
{
	return !strcmp(name, "map_full") || !strcmp(name, "badkey");
}

static int add_hist_entry(struct gate_data *d, int side, const char *sub, json_object *e,
			  size_t i, const char *where, char *err, size_t errlen)
{
	const char *metric = NULL, *unit;
	char key[128] = "", val[128] = "", vbuf[512], one[40];
	json_object *hobj = NULL, *u;
	struct gate_series *s;
	struct qlat_hist h;
	int nlabels = 0;
	bool ns;

	if (!json_object_is_type(e, json_type_object))
		return perr(err, errlen, "%s: hists[%zu] is not an object", where, i);
	/*
	 * The series' labels: every member but "metric" and "hist" whose value
	 * is an integer or a short string (thread, pipe, vq, ...), in document
	 * order; other members (objects, floats, ...) are not part of the key.
	 */
	json_object_object_foreach(e, k, x) {
		if (!strcmp(k, "metric")) {
			if (!json_object_is_type(x, json_type_string) ||
			    !name_ok(json_object_get_string(x), 64))
				return perr(err, errlen, "%s: hists[%zu].metric is not a name",
					    where, i);
			metric = json_object_get_string(x);
			continue;
		}
		if (!strcmp(k, "hist")) {
			hobj = x;
			continue;
		}
		if (json_object_is_type(x, json_type_int))
			snprintf(one, sizeof(one), "%lld", (long long)json_object_get_int64(x));
		else if (json_object_is_type(x, json_type_string) &&
			 name_ok(json_object_get_string(x), 32) &&
			 !strpbrk(json_object_get_string(x), ", ="))
			snprintf(one, sizeof(one), "%s", json_object_get_string(x));
		else
			continue;
		if (!name_ok(k, 32) || strpbrk(k, ", =") || ++nlabels > 3)
			return perr(err, errlen, "%s: hists[%zu]: bad or too many labels",
				    where, i);
		snprintf(key + strlen(key), sizeof(key) - strlen(key), "%s%s", *key ? "," : "", k);
		snprintf(val + strlen(val), sizeof(val) - strlen(val), "%s%s", *val || nlabels > 1 ?
			 "," : "", one);
	}
	if (!metric)
		return perr(err, errlen, "%s: hists[%zu] has no \"metric\"", where, i);
	snprintf(vbuf, sizeof(vbuf), "%.300s: hists[%zu] (", where, i);
	{
		struct gate_series tmp = { .sub = "", .metric = (char *)metric, .key = key,
					   .val = val };

		series_name(vbuf + strlen(vbuf), sizeof(vbuf) - strlen(vbuf), &tmp);
	}
	snprintf(vbuf + strlen(vbuf), sizeof(vbuf) - strlen(vbuf), ")");
	if (!hobj)
		return perr(err, errlen, "%s: no \"hist\"", vbuf);
	if (!json_object_object_get_ex(hobj, "unit", &u) ||
	    !json_object_is_type(u, json_type_string))
		return perr(err, errlen, "%s: hist has no \"unit\"", vbuf);
	unit = json_object_get_string(u);
	if (!strcmp(unit, "ns"))
		ns = true;
	else if (!strcmp(unit, "count"))
		ns = false;
	else
		return perr(err, errlen, "%s: unknown unit \"%.32s\" (ns or count)", vbuf, unit);
	if (qlat_hist_from_json(&h, hobj))
		return perr(err, errlen, "%s: malformed histogram (missing field, negative value, "
			    "a bucket bound that is not 2^n-1, or buckets not adding up to count)",
			    vbuf);
	s = get_series(d, sub, metric, key, val);
	if (s->present[GATE_BASE] || s->present[GATE_RUN]) {
		if (s->ns != ns)
			return perr(err, errlen, "%s: unit differs from an earlier document", vbuf);
	}
	s->ns = ns;
	s->present[side] = true;
	qlat_hist_merge(&s->h[side], &h);
	return 0;
}

static int add_doc(struct gate_data *d, int side, json_object *doc, const char *where,
		   char *err, size_t errlen)
{
	json_object *x, *hs;
	struct gate_sub *sub;
	const char *name;
	size_t i, n;
	__u64 v;

	if (!json_object_is_type(doc, json_type_object))
		return perr(err, errlen, "%s: not a JSON object", where);
	if (!json_object_object_get_ex(doc, "tool", &x) ||
	    !json_object_is_type(x, json_type_string) ||
	    strcmp(json_object_get_string(x), "qlat"))
		return perr(err, errlen, "%s: not a qlat document (no \"tool\": \"qlat\")", where);
	if (!json_object_object_get_ex(doc, "subcommand", &x) ||
	    !json_object_is_type(x, json_type_string) ||
	    !name_ok(json_object_get_string(x), 32))
		return perr(err, errlen, "%s: no \"subcommand\"", where);
	name = json_object_get_string(x);
	if (!strcmp(name, "gate"))
		return perr(err, errlen, "%s: a qlat gate verdict, not a measurement", where);
	if (!json_object_object_get_ex(doc, "schema", &x) || json_u64(x, &v))
		return perr(err, errlen, "%s: no \"schema\" number", where);
	if (v != 1)
		return perr(err, errlen, "%s: schema %llu is not supported (this qlat reads 1)",
			    where, (unsigned long long)v);
	if (!json_object_object_get_ex(doc, "hists", &hs) ||
	    !json_object_is_type(hs, json_type_array))
		return perr(err, errlen, "%s: no \"hists\" array", where);

	sub = get_sub(d, name);
	sub->present[side] = true;
	name = sub->name;	/* stable copy: x may go with doc */
	if (json_object_object_get_ex(doc, "misses_key", &x)) {
		if (!json_object_is_type(x, json_type_string) ||
		    !name_ok(json_object_get_string(x), 32))
			return perr(err, errlen, "%s: \"misses_key\" is not a name", where);
		free(sub->misses_key);
		sub->misses_key = xstrdup(json_object_get_string(x));
	}
	if (json_object_object_get_ex(doc, "events", &x) && x) {
		if (!json_object_is_type(x, json_type_object))
			return perr(err, errlen, "%s: \"events\" is not an object", where);
		json_object_object_foreach(x, k, e) {
			struct gate_counter *c;

			if (!name_ok(k, 64) || strpbrk(k, "+/"))
				return perr(err, errlen, "%s: events has a bad counter name", where);
			if (json_u64(e, &v))
				continue;	/* not a count (e.g. a derived ratio) */
			c = get_counter(d, name, k);
			c->present[side] = true;
			c->v[side] += v;
			if (is_loss_counter(k))
				sub->lost[side] += v;
		}
	}
	if (!json_object_object_get_ex(doc, "dropped", &x))
		sub->drops_uncounted[side] = true;
	else if (add_drops(sub, side, x))
		return perr(err, errlen, "%s: \"dropped\" is not a count, null, or an object of those",
			    where);
	if (json_object_object_get_ex(doc, "misses", &x) && x) {
		if (!json_object_is_type(x, json_type_array))
			return perr(err, errlen, "%s: \"misses\" is not an array", where);
		n = json_object_array_length(x);
		if (n > 1024)
			return perr(err, errlen, "%s: \"misses\" has %zu entries", where, n);
		for (i = 0; i < n; i++) {
			struct gate_miss *m;

			if (json_u64(json_object_array_get_idx(x, i), &v))
				return perr(err, errlen, "%s: misses[%zu] is not a count", where, i);
			m = get_miss(d, name, i);
			m->present[side] = true;
			m->x[side] += v;
		}
	}
	n = json_object_array_length(hs);
	for (i = 0; i < n; i++)
		if (add_hist_entry(d, side, name, json_object_array_get_idx(hs, i), i, where,
				   err, errlen))
			return -EINVAL;
	d->docs[side]++;
	return 0;
}

static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static const char *doc_sub(json_object *doc)
{
	json_object *x;

	if (json_object_is_type(doc, json_type_object) &&
	    json_object_object_get_ex(doc, "subcommand", &x) &&
	    json_object_is_type(x, json_type_string))
		return json_object_get_string(x);
	return "";
}

int gate_parse_buffer(struct gate_data *d, int side, const char *buf, size_t len,
		      const char *name, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object **docs = NULL;
	size_t ndocs = 0, off = 0, i, j, line, col;
	char where[512];
	int ret = 0;

	if (!tok)
		return perr(err, errlen, "%s: out of memory", name);
	while (off < len) {
		enum json_tokener_error e;
		json_object *o;

		while (off < len && strchr(" \t\r\n", buf[off]) && buf[off])
			off++;
		if (off >= len)
			break;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, buf + off, len - off > 0x7fffffff ? 0x7fffffff :
					  (int)(len - off));
		e = json_tokener_get_error(tok);
		if (e == json_tokener_continue) {
			json_object_put(o);
			ret = perr(err, errlen, "%s: document %zu: unexpected end of file "
				   "(truncated JSON?)", name, ndocs + 1);
			goto out;
		}
		if (e != json_tokener_success) {
			line_col(buf, off + json_tokener_get_parse_end(tok), &line, &col);
			ret = perr(err, errlen, "%s: line %zu, column %zu: invalid JSON: %s",
				   name, line, col, json_tokener_error_desc(e));
			goto out;
		}
		if (!json_object_is_type(o, json_type_object)) {
			line_col(buf, off, &line, &col);
			json_object_put(o);
			ret = perr(err, errlen, "%s: line %zu: document %zu is not a JSON object",
				   name, line, ndocs + 1);
			goto out;
		}
		docs = xgrow(docs, ndocs, sizeof(*docs));
		docs[ndocs++] = o;
		if (!json_tokener_get_parse_end(tok))
			break;	/* cannot happen after success; never loop forever */
		off += json_tokener_get_parse_end(tok);
	}
	if (!ndocs) {
		ret = perr(err, errlen, "%s: no JSON document (empty file)", name);
		goto out;
	}
	for (i = 0; i < ndocs; i++) {
		/* of several documents of one subcommand, the last (cumulative) one */
		bool last = true;
		struct gate_data scratch;

		for (j = i + 1; j < ndocs; j++)
			if (!strcmp(doc_sub(docs[i]), doc_sub(docs[j])))
				last = false;
		if (ndocs > 1)
			snprintf(where, sizeof(where), "%s: document %zu", name, i + 1);
		else
			snprintf(where, sizeof(where), "%s", name);
		if (last) {
			ret = add_doc(d, side, docs[i], where, err, errlen);
		} else {
			/* still has to be well-formed */
			gate_data_init(&scratch);
			ret = add_doc(&scratch, side, docs[i], where, err, errlen);
			gate_data_free(&scratch);
		}
		if (ret)
			goto out;
	}
	d->files[side]++;
out:
	for (i = 0; i < ndocs; i++)
		json_object_put(docs[i]);
	free(docs);
	json_tokener_free(tok);
	return ret;
}

static int load_file(struct gate_data *d, int side, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "rb");
	if (!f)
		return perr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > GATE_MAX_FILE) {
		fclose(f);
		return perr(err, errlen, "%s: not a regular file of at most %u MiB", path,
			    GATE_MAX_FILE >> 20);
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		fclose(f);
		return perr(err, errlen, "%s: out of memory", path);
	}
	n = fread(buf, 1, st.st_size, f);
	if (ferror(f)) {
		ret = perr(err, errlen, "%s: read error: %s", path, strerror(errno));
	} else {
		buf[n] = '\0';
		ret = gate_parse_buffer(d, side, buf, n, path, err, errlen);
	}
	free(buf);
	fclose(f);
	return ret;
}

/* ------------------------------------------------------------------ */
/* decisions */

enum gate_verdict { V_PASS, V_IMPROVED, V_INCONCLUSIVE, V_REGRESSION };
static const char *const verdict_names[] = { "pass", "improved", "inconclusive", "regression" };
static const char *const verdict_upper[] = { "pass", "improved", "INCONCLUSIVE", "REGRESSION" };

enum check_kind { K_QUANTILE, K_PROPORTION, K_STATUS };

struct check {
	enum check_kind kind;
	char series[160];		/* "cmdq flush_eoc thread=0" */
	const char *sub, *metric, *key, *val;
	char what[24];			/* "p99", "misses", "ratio", "samples", ... */
	bool ns, down;
	double q;			/* the quantile evaluated (1-q for down) */
	__u64 n[GATE_SIDES];		/* samples (quantile) or denominators */
	__u64 lo[GATE_SIDES], hi[GATE_SIDES];	/* quantile bucket bounds */
	__u64 x[GATE_SIDES];		/* proportion numerators */
	double limit;			/* quantile: the bound the run must not cross */
	double pval;			/* proportion: one-sided p-value */
	double change;			/* relative change, NAN when undefined */
	enum gate_verdict v;
	char reason[200];
	char valbuf[16];
};

struct checks {
	struct check *c;
	size_t n;
	bool unmeasurable;		/* drops: nothing can be trusted */
	char notes[8][200];
	int nnotes;
};

static struct check *new_check(struct checks *cs, enum check_kind kind, const char *series)
{
	struct check *c;

	cs->c = xgrow(cs->c, cs->n, sizeof(*cs->c));
	c = &cs->c[cs->n++];
	c->kind = kind;
	c->change = NAN;
	snprintf(c->series, sizeof(c->series), "%s", series);
	return c;
}

__attribute__((format(printf, 2, 3)))
static void note(struct checks *cs, const char *fmt, ...)
{
	va_list ap;

	if (cs->nnotes >= (int)(sizeof(cs->notes) / sizeof(cs->notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(cs->notes[cs->nnotes++], sizeof(cs->notes[0]), fmt, ap);
	va_end(ap);
}

void gate_opts_default(struct gate_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->q[0] = 0.50;
	o->q[1] = 0.99;
	o->q[2] = 0.999;
	o->nq = 3;
	o->rel_margin = 0.10;
	o->abs_margin = 0;
	o->alpha = 0.01;
	o->miss_margin = 0;
	o->min_samples = 100;
}

static bool ignored(const struct gate_opts *o, const char *sub, const char *metric)
{
	char full[128];
	int i;

	snprintf(full, sizeof(full), "%s.%s", sub, metric);
	for (i = 0; i < o->nignore; i++)
		if (!fnmatch(o->ignore[i], metric, 0) || !fnmatch(o->ignore[i], full, 0))
			return true;
	return false;
}

/* lower is worse (e.g. deadline slack)? "slack" by default */
static bool lower_is_worse(const struct gate_opts *o, const char *sub, const char *metric)
{
	char full[128], pat[128], *eq;
	bool down = !strcmp(metric, "slack");
	int i;

	snprintf(full, sizeof(full), "%s.%s", sub, metric);
	for (i = 0; i < o->ndirection; i++) {
		snprintf(pat, sizeof(pat), "%s", o->direction[i]);
		eq = strrchr(pat, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!fnmatch(pat, metric, 0) || !fnmatch(pat, full, 0))
			down = !strcmp(eq, "down");
	}
	return down;
}

static void qname(char *buf, size_t len, double q)
{
	snprintf(buf, len, "p%.4g", q * 100);
}

static void fmt_val(char *buf, size_t len, double v, bool ns)
{
	static const struct { double div; const char *unit; } u[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" },
	};
	size_t i;

	if (ns) {
		for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			if (v >= u[i].div) {
				snprintf(buf, len, "%.3g%s", v / u[i].div, u[i].unit);
				return;
			}
		}
		snprintf(buf, len, "%.0fns", v);
	} else {
		snprintf(buf, len, "%.0f", v);
	}
}

static struct check *series_check(struct checks *cs, const struct gate_series *s,
				  enum check_kind kind, const char *what)
{
	char name[160];
	struct check *c;
	int i;

	series_name(name, sizeof(name), s);
	c = new_check(cs, kind, name);
	snprintf(c->what, sizeof(c->what), "%s", what);
	c->sub = s->sub;
	c->metric = s->metric;
	c->key = s->key;
	c->val = s->val;
	c->ns = s->ns;
	for (i = 0; i < GATE_SIDES; i++)
		c->n[i] = s->h[i].count;
	return c;
}

static void quantile_checks(struct checks *cs, const struct gate_series *s,
			    const struct gate_opts *o)
{
	const struct qlat_hist *b = &s->h[GATE_BASE], *r = &s->h[GATE_RUN];
	bool down = lower_is_worse(o, s->sub, s->metric);
	char v1[32], v2[32], qn[24];
	struct check *c;
	int i;

	if (!s->present[GATE_BASE] || !s->present[GATE_RUN]) {
		c = series_check(cs, s, K_STATUS, "series");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "only in the %s",
			 s->present[GATE_BASE] ? "baseline" : "run");
		return;
	}
	if (b->overflow || r->overflow) {
		c = series_check(cs, s, K_STATUS, "overflow");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason),
			 "values >= 2^63 not binned: baseline %llu, run %llu",
			 (unsigned long long)b->overflow, (unsigned long long)r->overflow);
		return;
	}
	if (b->count < o->min_samples || r->count < o->min_samples) {
		c = series_check(cs, s, K_STATUS, "samples");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "too few samples (minimum %llu)",
			 o->min_samples);
		return;
	}
	for (i = 0; i < o->nq; i++) {
		double q = down ? 1 - o->q[i] : o->q[i], margin, bb;

		qname(qn, sizeof(qn), q);
		c = series_check(cs, s, K_QUANTILE, qn);
		c->q = q;
		c->down = down;
		c->lo[GATE_BASE] = qlat_hist_quantile_lo(b, q);
		c->hi[GATE_BASE] = qlat_hist_quantile(b, q);
		c->lo[GATE_RUN] = qlat_hist_quantile_lo(r, q);
		c->hi[GATE_RUN] = qlat_hist_quantile(r, q);
		if (!down) {
			/* the run's smallest possible value vs the baseline's largest */
			bb = c->hi[GATE_BASE];
			margin = fmax(o->rel_margin * bb, o->abs_margin);
			c->limit = bb + margin;
			if (c->lo[GATE_RUN] > c->limit)
				c->v = V_REGRESSION;
			else if (c->hi[GATE_RUN] + margin < c->lo[GATE_BASE])
				c->v = V_IMPROVED;
			if (c->hi[GATE_BASE])
				c->change = (double)c->hi[GATE_RUN] / c->hi[GATE_BASE] - 1;
		} else {
			/* the run's largest possible value vs the baseline's smallest */
			bb = c->lo[GATE_BASE];
			margin = fmax(o->rel_margin * bb, o->abs_margin);
			c->limit = bb - margin;
			if (c->hi[GATE_RUN] < c->limit)
				c->v = V_REGRESSION;
			else if (c->lo[GATE_RUN] > c->hi[GATE_BASE] + margin)
				c->v = V_IMPROVED;
			if (c->lo[GATE_BASE])
				c->change = (double)c->lo[GATE_RUN] / c->lo[GATE_BASE] - 1;
		}
		fmt_val(v1, sizeof(v1), down ? c->hi[GATE_RUN] : c->lo[GATE_RUN], s->ns);
		fmt_val(v2, sizeof(v2), c->limit, s->ns);
		if (c->v == V_REGRESSION)
			snprintf(c->reason, sizeof(c->reason), "run %s %s %s limit %s",
				 down ? "<=" : ">=", v1, down ? "<" : ">", v2);
		else if (c->v == V_IMPROVED)
			snprintf(c->reason, sizeof(c->reason), "better beyond the margin");
	}
}

/* one-sided p-value of H0: p_run - p_base <= margin, pooled two-proportion z */
static double prop_pvalue(const __u64 *x, const __u64 *n, double margin, double *zp)
{
	double p1 = (double)x[0] / n[0], p2 = (double)x[1] / n[1];
	double p = ((double)x[0] + x[1]) / ((double)n[0] + n[1]);
	double se = sqrt(p * (1 - p) * (1.0 / n[0] + 1.0 / n[1]));
	double d = p2 - p1 - margin, z;

	if (!(se > 0)) {
		*zp = 0;
		return d > 0 ? 0 : 1;
	}
	z = d / se;
	*zp = z;
	return 0.5 * erfc(z / M_SQRT2);
}

static void proportion_check(struct checks *cs, struct check *c, const struct gate_opts *o)
{
	double z, p1, p2;
	int s;

	for (s = 0; s < GATE_SIDES; s++) {
		if (c->x[s] > c->n[s]) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "%s: %llu out of %llu is not a fraction",
				 s ? "run" : "baseline", (unsigned long long)c->x[s],
				 (unsigned long long)c->n[s]);
			return;
		}
	}
	if (c->n[0] < o->min_samples || c->n[1] < o->min_samples) {
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "too few samples (minimum %llu)",
			 o->min_samples);
		return;
	}
	p1 = (double)c->x[0] / c->n[0];
	p2 = (double)c->x[1] / c->n[1];
	c->change = p1 > 0 ? p2 / p1 - 1 : (p2 > 0 ? INFINITY : 0);
	c->pval = prop_pvalue(c->x, c->n, o->miss_margin, &z);
	if (c->pval < o->alpha && p2 > p1 + o->miss_margin) {
		c->v = V_REGRESSION;
		snprintf(c->reason, sizeof(c->reason), "p=%.2g < alpha %g", c->pval, o->alpha);
		return;
	}
	if (p2 < p1) {
		__u64 rx[2] = { c->x[1], c->x[0] }, rn[2] = { c->n[1], c->n[0] };
		double pi = prop_pvalue(rx, rn, 0, &z);

		if (pi < o->alpha) {
			c->v = V_IMPROVED;
			snprintf(c->reason, sizeof(c->reason), "lower, p=%.2g", pi);
			return;
		}
	}
	snprintf(c->reason, sizeof(c->reason), "p=%.2g", c->pval);
	(void)cs;
}

/* the label key whose values index a subcommand's misses[] */
static const char *misses_key(const struct gate_data *d, const struct gate_sub *sub)
{
	const char *key = NULL;
	size_t i;

	if (sub->misses_key)
		return sub->misses_key;
	for (i = 0; i < d->nseries; i++) {
		const struct gate_series *s = &d->series[i];

		if (strcmp(s->sub, sub->name) || !*s->key)
			continue;
		if (!strcmp(s->key, "pipe"))
			return "pipe";
		if (key && strcmp(key, s->key))
			return NULL;	/* ambiguous */
		key = s->key;
	}
	return key;
}

static void miss_checks(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	size_t i, j;
	int s;

	for (i = 0; i < d->nmisses; i++) {
		const struct gate_miss *m = &d->misses[i];
		const struct gate_sub *sub = NULL;
		const char *key;
		char name[160], idx[16];
		struct check *c;
		__u64 n[GATE_SIDES] = { 0, 0 };

		if (ignored(o, m->sub, "misses"))
			continue;
		for (j = 0; j < d->nsubs; j++)
			if (!strcmp(d->subs[j].name, m->sub))
				sub = &d->subs[j];
		key = sub ? misses_key(d, sub) : NULL;
		snprintf(idx, sizeof(idx), "%u", m->idx);
		snprintf(name, sizeof(name), "%s misses %s=%u", m->sub, key ? key : "index", m->idx);
		/* denominators: everything binned with that label (e.g. slack + late) */
		for (j = 0; key && j < d->nseries; j++) {
			const struct gate_series *x = &d->series[j];

			if (strcmp(x->sub, m->sub) || strcmp(x->key, key) || strcmp(x->val, idx))
				continue;
			for (s = 0; s < GATE_SIDES; s++)
				n[s] += x->h[s].count + x->h[s].overflow;
		}
		if (!n[0] && !n[1] && !m->x[0] && !m->x[1])
			continue;	/* an unused pipe */
		c = new_check(cs, K_PROPORTION, name);
		snprintf(c->what, sizeof(c->what), "misses");
		c->sub = m->sub;
		c->metric = "misses";
		c->key = key ? key : "index";
		snprintf(c->valbuf, sizeof(c->valbuf), "%u", m->idx);
		for (s = 0; s < GATE_SIDES; s++) {
			c->x[s] = m->x[s];
			c->n[s] = n[s];
		}
		if (!key) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason),
				 "no label key to count packets per miss index");
			continue;
		}
		if (!m->present[0] || !m->present[1]) {
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "only in the %s",
				 m->present[0] ? "baseline" : "run");
			continue;
		}
		proportion_check(cs, c, o);
	}
}

static const struct gate_counter *find_counter(const struct gate_data *d, const char *sub,
					       const char *name)
{
	size_t i;

	for (i = 0; i < d->ncounters; i++)
		if (!strcmp(d->counters[i].sub, sub) && !strcmp(d->counters[i].name, name))
			return &d->counters[i];
	return NULL;
}

/* sum of the "+"-separated counters of a subcommand; false if any is missing on a side */
static bool counter_sum(const struct gate_data *d, const char *sub, const char *names,
			__u64 v[GATE_SIDES], bool *any)
{
	char buf[256], *t, *save = NULL;
	bool ok = true;
	int s;

	v[0] = v[1] = 0;
	snprintf(buf, sizeof(buf), "%s", names);
	for (t = strtok_r(buf, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		const struct gate_counter *c = find_counter(d, sub, t);

		if (!c) {
			ok = false;
			continue;
		}
		*any = true;
		for (s = 0; s < GATE_SIDES; s++) {
			v[s] += c->v[s];
			ok &= c->present[s];
		}
	}
	return ok;
}

static void ratio_checks(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	int r, s;
	size_t i;

	for (r = 0; r < o->nratios; r++) {
		char spec[256], *num, *den;
		bool any = false;

		snprintf(spec, sizeof(spec), "%s", o->ratios[r]);
		num = spec;
		den = strchr(spec, '/');
		*den++ = '\0';	/* validated by the option parser */
		for (i = 0; i < d->nsubs; i++) {
			const struct gate_sub *sub = &d->subs[i];
			__u64 x[GATE_SIDES], n[GATE_SIDES];
			bool has = false, ok;
			char name[160];
			struct check *c;

			ok = counter_sum(d, sub->name, num, x, &has);
			if (!has)
				continue;	/* not this subcommand's counters */
			any = true;
			ok &= counter_sum(d, sub->name, den, n, &has);
			snprintf(name, sizeof(name), "%.32s %.60s/%.60s", sub->name, num, den);
			c = new_check(cs, K_PROPORTION, name);
			snprintf(c->what, sizeof(c->what), "ratio");
			c->sub = sub->name;
			c->metric = "ratio";
			for (s = 0; s < GATE_SIDES; s++) {
				c->x[s] = x[s];
				c->n[s] = n[s];
			}
			if (!ok) {
				c->v = V_INCONCLUSIVE;
				snprintf(c->reason, sizeof(c->reason),
					 "a counter is missing on one side");
				continue;
			}
			proportion_check(cs, c, o);
		}
		if (!any) {
			struct check *c = new_check(cs, K_STATUS, o->ratios[r]);

			snprintf(c->what, sizeof(c->what), "ratio");
			c->v = V_INCONCLUSIVE;
			snprintf(c->reason, sizeof(c->reason), "no counter \"%.64s\" in any document",
				 num);
		}
	}
}

static int cmp_series(const void *a, const void *b)
{
	const struct gate_series *x = a, *y = b;
	char *e1, *e2;
	long long v1, v2;
	int c;

	if ((c = strcmp(x->sub, y->sub)))
		return c;
	if ((c = strcmp(x->metric, y->metric)))
		return c;
	if ((c = strcmp(x->key, y->key)))
		return c;
	v1 = strtoll(x->val, &e1, 10);
	v2 = strtoll(y->val, &e2, 10);
	if (!*e1 && !*e2 && *x->val && *y->val)
		return v1 < v2 ? -1 : v1 > v2;
	return strcmp(x->val, y->val);
}

static int decide(struct checks *cs, const struct gate_data *d, const struct gate_opts *o)
{
	bool reg = false, inc = false;
	size_t i;
	int s;

	for (i = 0; i < d->nsubs; i++) {
		const struct gate_sub *sub = &d->subs[i];

		for (s = 0; s < GATE_SIDES; s++) {
			if (sub->drops[s] || sub->lost[s]) {
				struct check *c;
				char name[160];

				snprintf(name, sizeof(name), "%s %s", sub->name,
					 sub->drops[s] ? "dropped" : "lost");
				c = new_check(cs, K_STATUS, name);
				snprintf(c->what, sizeof(c->what), "drops");
				c->sub = sub->name;
				c->v = V_INCONCLUSIVE;
				snprintf(c->reason, sizeof(c->reason),
					 "%llu events dropped, %llu lost (map_full, badkey) in the %s: "
					 "unmeasurable", (unsigned long long)sub->drops[s],
					 (unsigned long long)sub->lost[s], s ? "run" : "baseline");
				cs->unmeasurable = true;
			} else if (sub->drops_uncounted[s]) {
				note(cs, "%s %s: drops not counted on its attach path",
				     s ? "run" : "baseline", sub->name);
			}
		}
	}
	for (i = 0; i < d->nseries; i++)
		if (!ignored(o, d->series[i].sub, d->series[i].metric))
			quantile_checks(cs, &d->series[i], o);
	miss_checks(cs, d, o);
	ratio_checks(cs, d, o);
	if (!d->nseries && !d->nmisses) {
		struct check *c = new_check(cs, K_STATUS, "(all)");

		snprintf(c->what, sizeof(c->what), "data");
		c->v = V_INCONCLUSIVE;
		snprintf(c->reason, sizeof(c->reason), "no histograms on either side");
	}
	for (i = 0; i < cs->n; i++) {
		reg |= cs->c[i].v == V_REGRESSION;
		inc |= cs->c[i].v == V_INCONCLUSIVE;
	}
	if (cs->unmeasurable)
		return GATE_EXIT_INCONCLUSIVE;
	if (reg)
		return GATE_EXIT_REGRESSION;
	return inc ? GATE_EXIT_INCONCLUSIVE : GATE_EXIT_PASS;
}

static const char *exit_verdict(int code)
{
	switch (code) {
	case GATE_EXIT_PASS: return "pass";
	case GATE_EXIT_REGRESSION: return "regression";
	default: return "inconclusive";
	}
}

/* ------------------------------------------------------------------ */
/* renderings */

static void cell_side(char *buf, size_t len, const struct check *c, int s)
{
	char a[32], b[32];

	switch (c->kind) {
	case K_QUANTILE:
		fmt_val(a, sizeof(a), c->lo[s], c->ns);
		fmt_val(b, sizeof(b), c->hi[s], c->ns);
		if (c->lo[s] == c->hi[s])
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "[%s, %s]", a, b);
		break;
	case K_PROPORTION:
		snprintf(buf, len, "%llu/%llu (%.3g%%)", (unsigned long long)c->x[s],
			 (unsigned long long)c->n[s], c->n[s] ? 100.0 * c->x[s] / c->n[s] : 0.0);
		break;
	default:
		if (c->sub && c->metric && c->n[0] + c->n[1])
			snprintf(buf, len, "n=%llu", (unsigned long long)c->n[s]);
		else
			snprintf(buf, len, "-");
	}
}

static void cell_change(char *buf, size_t len, const struct check *c)
{
	if (isnan(c->change))
		snprintf(buf, len, "-");
	else if (isinf(c->change))
		snprintf(buf, len, "new");
	else if (fabs(c->change) < 0.005)
		snprintf(buf, len, "+0%%");
	else
		snprintf(buf, len, "%+.0f%%", c->change * 100);
}

static void print_table(FILE *f, const struct checks *cs, const struct gate_data *d, int code)
{
	size_t i, w = 6, nreg = 0, ninc = 0;
	char b[80], r[80], ch[32];
	int k;

	for (i = 0; i < cs->n; i++)
		if (strlen(cs->c[i].series) > w)
			w = strlen(cs->c[i].series);
	fprintf(f, "qlat gate: baseline %u document(s) in %u file(s), run %u document(s) in %u file(s)\n",
		d->docs[0], d->files[0], d->docs[1], d->files[1]);
	fprintf(f, "%-*s  %-7s  %-22s  %-22s  %7s  %s\n", (int)w, "SERIES", "CHECK", "BASELINE",
		"RUN", "CHANGE", "VERDICT");
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];

		cell_side(b, sizeof(b), c, 0);
		cell_side(r, sizeof(r), c, 1);
		cell_change(ch, sizeof(ch), c);
		fprintf(f, "%-*s  %-7s  %-22s  %-22s  %7s  %s", (int)w, c->series, c->what, b, r,
			ch, verdict_upper[c->v]);
		if (*c->reason)
			fprintf(f, " (%s)", c->reason);
		fprintf(f, "\n");
		nreg += c->v == V_REGRESSION;
		ninc += c->v == V_INCONCLUSIVE;
	}
	for (k = 0; k < cs->nnotes; k++)
		fprintf(f, "note: %s\n", cs->notes[k]);
	fprintf(f, "verdict: %s (%zu checks: %zu regressed, %zu inconclusive), exit %d\n",
		exit_verdict(code), cs->n, nreg, ninc, code);
}

static json_object *label_json(const char *key, const char *val)
{
	json_object *o = json_object_new_object();
	char kb[64], vb[64], *end;
	long long v;

	while (key && val && *key) {
		size_t kl = strcspn(key, ","), vl = strcspn(val, ",");

		snprintf(kb, sizeof(kb), "%.*s", (int)kl, key);
		snprintf(vb, sizeof(vb), "%.*s", (int)vl, val);
		v = strtoll(vb, &end, 10);
		json_object_object_add(o, kb, *vb && !*end ? json_object_new_int64(v) :
				       json_object_new_string(vb));
		key += kl + !!key[kl];
		val += vl + !!val[vl];
	}
	return o;
}

static void print_json(FILE *f, const struct checks *cs, const struct gate_data *d,
		       const struct gate_opts *o, int code, const char *const *files[GATE_SIDES])
{
	json_object *doc = json_object_new_object(), *a = json_object_new_array();
	json_object *opt = json_object_new_object(), *qs = json_object_new_array();
	json_object *notes = json_object_new_array();
	size_t i;
	int s, k;

	json_object_object_add(doc, "tool", json_object_new_string("qlat"));
	json_object_object_add(doc, "subcommand", json_object_new_string("gate"));
	json_object_object_add(doc, "schema", json_object_new_int(1));
	json_object_object_add(doc, "verdict", json_object_new_string(exit_verdict(code)));
	json_object_object_add(doc, "exit", json_object_new_int(code));
	for (k = 0; k < o->nq; k++)
		json_object_array_add(qs, json_object_new_double(o->q[k]));
	json_object_object_add(opt, "quantiles", qs);
	json_object_object_add(opt, "rel_margin", json_object_new_double(o->rel_margin));
	json_object_object_add(opt, "abs_margin", json_object_new_double(o->abs_margin));
	json_object_object_add(opt, "alpha", json_object_new_double(o->alpha));
	json_object_object_add(opt, "miss_margin", json_object_new_double(o->miss_margin));
	json_object_object_add(opt, "min_samples", json_object_new_uint64(o->min_samples));
	json_object_object_add(doc, "options", opt);
	for (s = 0; s < GATE_SIDES; s++) {
		json_object *side = json_object_new_object(), *fl = json_object_new_array();

		for (k = 0; files && files[s] && files[s][k]; k++)
			json_object_array_add(fl, json_object_new_string(files[s][k]));
		json_object_object_add(side, "files", fl);
		json_object_object_add(side, "documents", json_object_new_int(d->docs[s]));
		json_object_object_add(doc, s ? "run" : "baseline", side);
	}
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "series", json_object_new_string(c->series));
		if (c->sub)
			json_object_object_add(e, "subcommand", json_object_new_string(c->sub));
		if (c->metric)
			json_object_object_add(e, "metric", json_object_new_string(c->metric));
		if (c->key && *c->key && (c->val || *c->valbuf))
			json_object_object_add(e, "label", label_json(c->key,
					       c->val ? c->val : c->valbuf));
		json_object_object_add(e, "check", json_object_new_string(c->what));
		for (s = 0; s < GATE_SIDES; s++) {
			json_object *v = json_object_new_object();

			if (c->kind == K_PROPORTION) {
				json_object_object_add(v, "x", json_object_new_uint64(c->x[s]));
				json_object_object_add(v, "n", json_object_new_uint64(c->n[s]));
				json_object_object_add(v, "fraction", json_object_new_double(
					c->n[s] ? (double)c->x[s] / c->n[s] : 0));
			} else {
				json_object_object_add(v, "count", json_object_new_uint64(c->n[s]));
			}
			if (c->kind == K_QUANTILE) {
				json_object_object_add(v, "lo", json_object_new_uint64(c->lo[s]));
				json_object_object_add(v, "hi", json_object_new_uint64(c->hi[s]));
			}
			json_object_object_add(e, s ? "run" : "baseline", v);
		}
		if (c->kind == K_QUANTILE) {
			json_object_object_add(e, "quantile", json_object_new_double(c->q));
			json_object_object_add(e, "direction", json_object_new_string(
				c->down ? "lower_is_worse" : "higher_is_worse"));
			json_object_object_add(e, "unit", json_object_new_string(c->ns ? "ns" : "count"));
			json_object_object_add(e, "limit", json_object_new_double(c->limit));
		}
		if (c->kind == K_PROPORTION && c->v != V_INCONCLUSIVE)
			json_object_object_add(e, "p_value", json_object_new_double(c->pval));
		json_object_object_add(e, "change", isfinite(c->change) ?
				       json_object_new_double(c->change) : NULL);
		json_object_object_add(e, "verdict", json_object_new_string(verdict_names[c->v]));
		if (*c->reason)
			json_object_object_add(e, "reason", json_object_new_string(c->reason));
		json_object_array_add(a, e);
	}
	json_object_object_add(doc, "checks", a);
	for (k = 0; k < cs->nnotes; k++)
		json_object_array_add(notes, json_object_new_string(cs->notes[k]));
	json_object_object_add(doc, "notes", notes);
	fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
}

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

#define COL_BASE "#1f77b4"
#define COL_RUN  "#ff7f0e"

static void svg_hist(FILE *f, const struct gate_series *s, const struct checks *cs)
{
	const int W = 760, H = 260, L = 64, R = 16, T = 16, B = 58;
	const int pw = W - L - R, ph = H - T - B;
	int first = -1, last = -1, i, side, nb, dec, k;
	__u64 maxn = 1;
	char lab[32];
	double bw;
	size_t j;

	for (side = 0; side < GATE_SIDES; side++) {
		if (s->h[side].count > maxn)
			maxn = s->h[side].count;
		for (i = 0; i < QLAT_SLOTS; i++) {
			if (!s->h[side].slots[i])
				continue;
			if (first < 0 || i < first)
				first = i;
			if (i > last)
				last = i;
		}
	}
	fprintf(f, "<svg class=\"hist\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, H, W, H);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#999\"/>\n", L, T, pw, ph);
	if (first < 0) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no samples</text>\n</svg>\n",
			L + pw / 2, T + ph / 2);
		return;
	}
	/* y: share of the side's samples, log scale down to one sample */
	dec = (int)ceil(log10((double)maxn));
	if (dec < 1)
		dec = 1;
	if (dec > 8)
		dec = 8;
	for (k = 0; k <= dec; k++) {
		double y = T + (double)ph * k / dec;

		fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			L, L + pw, y, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%g%%</text>\n",
			L - 4, y + 3, 100 * pow(10, -k));
	}
	nb = last - first + 1;
	bw = (double)pw / nb;
	for (i = first; i <= last; i++) {
		double x0 = L + bw * (i - first);

		for (side = 0; side < GATE_SIDES; side++) {
			__u64 n = s->h[side].slots[i], tot = s->h[side].count;
			double frac, hgt;

			if (!n || !tot)
				continue;
			frac = (double)n / tot;
			hgt = ph * (1 + log10(frac) / dec);
			if (hgt < 2)
				hgt = 2;
			fprintf(f, "<rect class=\"bar-%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"><title>%s: %llu of %llu</title></rect>\n",
				side ? "run" : "base", x0 + bw * (side ? 0.5 : 0.1), T + ph - hgt,
				bw * 0.4, hgt, side ? COL_RUN : COL_BASE, side ? "run" : "baseline",
				(unsigned long long)n, (unsigned long long)tot);
		}
		if (nb <= 16 || (i - first) % ((nb + 15) / 16) == 0) {
			fmt_val(lab, sizeof(lab), qlat_slot_lo(i), s->ns);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"end\" "
				"transform=\"rotate(-35 %.1f %d)\">%s</text>\n", x0 + bw / 2,
				T + ph + 14, x0 + bw / 2, T + ph + 14, lab);
		}
	}
	/* the quantiles checked, as ticks on the top edge */
	for (j = 0; j < cs->n; j++) {
		const struct check *c = &cs->c[j];
		char name[160];

		series_name(name, sizeof(name), s);
		if (c->kind != K_QUANTILE || strcmp(c->series, name))
			continue;
		for (side = 0; side < GATE_SIDES; side++) {
			int slot = qlat_slot(c->hi[side]);
			double x = L + bw * (slot - first) + bw * (side ? 0.7 : 0.3);

			if (slot < first || slot > last)
				continue;
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
				"stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>%s %s</title></line>\n",
				x, x, T, T + ph, side ? COL_RUN : COL_BASE,
				side ? "run" : "baseline", c->what);
		}
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">"
		"bucket lower bound (%s); y: share of samples, log scale</text>\n",
		L + pw / 2, H - 4, s->ns ? "time" : "count");
	fprintf(f, "</svg>\n");
}

static void print_html(FILE *f, const struct checks *cs, const struct gate_data *d,
		       const struct gate_opts *o, int code, const char *const *files[GATE_SIDES])
{
	static const char *const vclass[] = { "pass", "improved", "inc", "reg" };
	char b[80], r[80], ch[32], name[160];
	size_t i, j;
	int s, k;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>qlat gate: %s</title>\n<style>\n"
		"body{font-family:sans-serif;margin:1.5em;color:#222}\n"
		"table{border-collapse:collapse;font-size:13px}\n"
		"td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\n"
		"td.n{text-align:right;font-family:monospace}\n"
		".pass{color:#1a7f37}.improved{color:#1a7f37}.inc{color:#9a6700}.reg{color:#cf222e;font-weight:bold}\n"
		".sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 12px}\n"
		"figure{margin:1em 0}figcaption{font-size:14px;margin-bottom:4px}\n"
		"</style>\n</head>\n<body>\n", exit_verdict(code));
	fprintf(f, "<h1>qlat gate: <span class=\"%s\">%s</span> (exit %d)</h1>\n",
		code == GATE_EXIT_PASS ? "pass" : code == GATE_EXIT_REGRESSION ? "reg" : "inc",
		exit_verdict(code), code);
	for (s = 0; s < GATE_SIDES; s++) {
		fprintf(f, "<p><b>%s</b> (%u documents):", s ? "run" : "baseline", d->docs[s]);
		for (k = 0; files && files[s] && files[s][k]; k++) {
			fputs(" <code>", f);
			html_esc(f, files[s][k]);
			fputs("</code>", f);
		}
		fputs("</p>\n", f);
	}
	fprintf(f, "<p>quantiles");
	for (k = 0; k < o->nq; k++)
		fprintf(f, " p%.4g", o->q[k] * 100);
	fprintf(f, "; margins: relative %g, absolute %g; proportion tests at alpha %g "
		"(miss margin %g); at least %llu samples.</p>\n", o->rel_margin, o->abs_margin,
		o->alpha, o->miss_margin, o->min_samples);
	for (k = 0; k < cs->nnotes; k++) {
		fputs("<p>note: ", f);
		html_esc(f, cs->notes[k]);
		fputs("</p>\n", f);
	}
	fputs("<table>\n<tr><th>series</th><th>check</th><th>baseline</th><th>run</th>"
	      "<th>change</th><th>verdict</th></tr>\n", f);
	for (i = 0; i < cs->n; i++) {
		const struct check *c = &cs->c[i];

		cell_side(b, sizeof(b), c, 0);
		cell_side(r, sizeof(r), c, 1);
		cell_change(ch, sizeof(ch), c);
		fputs("<tr><td>", f);
		html_esc(f, c->series);
		fputs("</td><td>", f);
		html_esc(f, c->what);
		fputs("</td><td class=\"n\">", f);
		html_esc(f, b);
		fputs("</td><td class=\"n\">", f);
		html_esc(f, r);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"%s\">%s", ch, vclass[c->v],
			verdict_names[c->v]);
		if (*c->reason) {
			fputs(" (", f);
			html_esc(f, c->reason);
			fputs(")", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<h2>Histograms</h2>\n<p>Bars: share of each side's samples per log2 "
	      "bucket. Dashed ticks: the bucket of each quantile checked.</p>\n", f);
	fprintf(f, "<p><span class=\"sw\" style=\"background:%s\"></span>baseline"
		"<span class=\"sw\" style=\"background:%s\"></span>run</p>\n", COL_BASE, COL_RUN);
	for (i = 0; i < d->nseries; i++) {
		const struct gate_series *sr = &d->series[i];
		const char *worst = "pass";

		series_name(name, sizeof(name), sr);
		for (j = 0; j < cs->n; j++) {
			if (strcmp(cs->c[j].series, name))
				continue;
			if (cs->c[j].v == V_REGRESSION)
				worst = "regression";
			else if (cs->c[j].v == V_INCONCLUSIVE && strcmp(worst, "regression"))
				worst = "inconclusive";
		}
		if (ignored(o, sr->sub, sr->metric))
			worst = "ignored";
		fputs("<figure>\n<figcaption><b>", f);
		html_esc(f, name);
		fprintf(f, "</b>: baseline n=%llu, run n=%llu, <span class=\"%s\">%s</span>"
			"</figcaption>\n", (unsigned long long)sr->h[0].count,
			(unsigned long long)sr->h[1].count,
			!strcmp(worst, "regression") ? "reg" : !strcmp(worst, "pass") ? "pass" : "inc",
			worst);
		svg_hist(f, sr, cs);
		fputs("</figure>\n", f);
	}
	fputs("</body>\n</html>\n", f);
}

int gate_evaluate(const struct gate_data *d, const struct gate_opts *o,
		  FILE *table, FILE *json, FILE *html, const char *const *files[GATE_SIDES])
{
	struct checks cs = {};
	struct gate_data sorted = *d;
	int code;

	/* sort a copy of the series array (pointers inside are shared) */
	sorted.series = malloc((d->nseries + 1) * sizeof(*d->series));
	if (!sorted.series)
		return GATE_EXIT_USAGE;
	if (d->nseries)
		memcpy(sorted.series, d->series, d->nseries * sizeof(*d->series));
	qsort(sorted.series, sorted.nseries, sizeof(*sorted.series), cmp_series);
	code = decide(&cs, &sorted, o);
	if (table)
		print_table(table, &cs, &sorted, code);
	if (json)
		print_json(json, &cs, &sorted, o, code, files);
	if (html)
		print_html(html, &cs, &sorted, o, code, files);
	free(cs.c);
	free(sorted.series);
	return code;
}

/* ------------------------------------------------------------------ */
/* command line */

struct gate_args {
	struct gate_opts o;
	const char **files[GATE_SIDES];
	int nfiles[GATE_SIDES];
	char *pos[2];
	int npos;
	bool json;
	const char *report;
	int err;
};

static void add_file(struct gate_args *a, int side, const char *path)
{
	a->files[side] = xgrow(a->files[side], a->nfiles[side] + 1, sizeof(char *));
	a->files[side][a->nfiles[side]++] = path;
}

static void add_str(char ***v, int *n, char *s)
{
	*v = xgrow(*v, *n, sizeof(char *));
	(*v)[(*n)++] = s;
}

static int parse_double(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= lo) || !(*v <= hi))
		return -EINVAL;
	return 0;
}

static int parse_quantiles(struct gate_opts *o, const char *arg)
{
	char buf[256], *t, *save = NULL;
	double v;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->nq = 0;
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool pct = *t == 'p' || *t == 'P';

		if (o->nq >= GATE_MAX_QUANTILES || parse_double(t + pct, 0, 100, &v))
			return -EINVAL;
		if (pct || v > 1)
			v /= 100;
		if (!(v > 0) || v > 1)
			return -EINVAL;
		o->q[o->nq++] = v;
	}
	return o->nq ? 0 : -EINVAL;
}

static const char gate_doc[] =
"qlat gate: compare the JSON of a run against a baseline.\n"
"Exit 0 pass, 1 usage or parse error, 2 regression, 3 inconclusive\n"
"(drops, overflow, too few samples, a series on one side only).\n"
"\n"
"BASELINE and RUN are qlat --json / --json-file outputs (qlat cmdq, qlat zc):\n"
"a file, a directory of *.json files, or a comma-separated list. Histograms\n"
"of the same series are summed per side.\n"
"\n"
"Per series and quantile, the run's lower bucket bound must not exceed the\n"
"baseline's upper bucket bound by more than max(rel-margin * bound,\n"
"abs-margin). Deadline misses per pipe (misses / packets) and --ratio\n"
"counters get a one-sided two-proportion z-test at --alpha.\n"
"See docs/gate.md.\n"
"\n"
"EXAMPLES:\n"
"    qlat gate base.json run.json\n"
"    qlat gate --quantiles p50,p99 --rel-margin 0.5 baseline/ results/\n"
"    qlat gate -b b1.json -b b2.json -r r1.json --report gate.html --json\n"
"    qlat gate --ratio submit_copied+zerocopy_copied/submit zb.json zr.json\v"
"Options -b and -r may be given instead of the positional arguments.";

enum {
	OPT_Q = 0x100, OPT_REL, OPT_ABS, OPT_ALPHA, OPT_MISS, OPT_MIN, OPT_RATIO, OPT_IGNORE,
	OPT_DIR, OPT_JSON, OPT_REPORT,
};

static const struct argp_option gate_options[] = {
	{ "baseline", 'b', "FILE", 0, "A baseline file or directory (repeatable)", 0 },
	{ "run", 'r', "FILE", 0, "A run file or directory (repeatable)", 0 },
	{ "quantiles", OPT_Q, "LIST", 0, "Quantiles to compare (default p50,p99,p99.9)", 1 },
	{ "rel-margin", OPT_REL, "FRAC", 0, "Relative margin on quantile bounds (default 0.10)", 1 },
	{ "abs-margin", OPT_ABS, "NS", 0, "Absolute margin on quantile bounds, in ns (default 0)", 1 },
	{ "alpha", OPT_ALPHA, "P", 0, "Significance of the proportion tests (default 0.01)", 1 },
	{ "miss-margin", OPT_MISS, "FRAC", 0,
	  "Absolute margin on miss fractions, e.g. 0.001 (default 0)", 1 },
	{ "min-samples", OPT_MIN, "N", 0, "Fewer samples on a side is inconclusive (default 100)", 1 },
	{ "ratio", OPT_RATIO, "NUM/DEN", 0,
	  "Also test event counters NUM/DEN like misses; a+b sums allowed (repeatable)", 1 },
	{ "ignore", OPT_IGNORE, "PATTERN", 0,
	  "Skip series whose metric or SUB.METRIC matches (glob; 'misses' too; repeatable)", 1 },
	{ "direction", OPT_DIR, "PATTERN=up|down", 0,
	  "down: lower values are worse (default for 'slack'); repeatable", 1 },
	{ "json", OPT_JSON, NULL, 0, "Print the verdict as JSON instead of the table", 2 },
	{ "report", OPT_REPORT, "FILE.html", 0,
	  "Write a self-contained HTML report with histogram overlays", 2 },
	{},
};

static error_t gate_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct gate_args *a = state->input;
	double v;
	char *end;

	switch (key) {
	case 'b':
		add_file(a, GATE_BASE, arg);
		break;
	case 'r':
		add_file(a, GATE_RUN, arg);
		break;
	case OPT_Q:
		if (parse_quantiles(&a->o, arg))
			argp_error(state, "invalid quantile list '%s' (e.g. p50,p99,p99.9 or 0.5,0.99)",
				   arg);
		break;
	case OPT_REL:
		if (parse_double(arg, 0, 1e6, &a->o.rel_margin))
			argp_error(state, "invalid relative margin '%s'", arg);
		break;
	case OPT_ABS:
		if (parse_double(arg, 0, 1e18, &a->o.abs_margin))
			argp_error(state, "invalid absolute margin '%s'", arg);
		break;
	case OPT_ALPHA:
		if (parse_double(arg, 0, 1, &a->o.alpha) || !(a->o.alpha > 0 && a->o.alpha < 1))
			argp_error(state, "invalid significance '%s' (0 < alpha < 1)", arg);
		break;
	case OPT_MISS:
		if (parse_double(arg, 0, 1, &a->o.miss_margin))
			argp_error(state, "invalid miss margin '%s' (0..1)", arg);
		break;
	case OPT_MIN:
		errno = 0;
		v = strtod(arg, &end);
		if (errno || end == arg || *end || v < 1 || v > 1e15 || v != floor(v))
			argp_error(state, "invalid sample minimum '%s'", arg);
		a->o.min_samples = (unsigned long long)v;
		break;
	case OPT_RATIO:
		end = strchr(arg, '/');
		if (!end || end == arg || !end[1] || strchr(end + 1, '/') || strlen(arg) > 200)
			argp_error(state, "invalid ratio '%s' (NUM/DEN or NUM/DEN1+DEN2)", arg);
		add_str(&a->o.ratios, &a->o.nratios, arg);
		break;
	case OPT_IGNORE:
		add_str(&a->o.ignore, &a->o.nignore, arg);
		break;
	case OPT_DIR:
		end = strrchr(arg, '=');
		if (!end || end == arg || (strcmp(end, "=up") && strcmp(end, "=down")))
			argp_error(state, "invalid direction '%s' (PATTERN=up or PATTERN=down)", arg);
		add_str(&a->o.direction, &a->o.ndirection, arg);
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_REPORT:
		a->report = arg;
		break;
	case ARGP_KEY_ARG:
		if (a->npos >= 2)
			argp_error(state, "too many arguments: give BASELINE and RUN "
				   "(use -b/-r or a comma list for more files)");
		else
			a->pos[a->npos++] = arg;
		break;
	case ARGP_KEY_END: {
		/* two positionals: BASELINE RUN; one: the side -b/-r left empty */
		int side = 0, k;
		char *t, *save = NULL;

		if (a->npos == 1) {
			if (!!a->nfiles[GATE_BASE] == !!a->nfiles[GATE_RUN])
				argp_error(state, "give both BASELINE and RUN");
			side = a->nfiles[GATE_BASE] ? GATE_RUN : GATE_BASE;
		}
		for (k = 0; k < a->npos; k++)
			for (t = strtok_r(a->pos[k], ",", &save); t; t = strtok_r(NULL, ",", &save))
				add_file(a, side + k, t);
		if (!a->nfiles[GATE_BASE] || !a->nfiles[GATE_RUN])
			argp_error(state, "need at least one baseline and one run file");
		break;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* expand directories into their *.json files (sorted); returns 0 or -1 */
static int expand_dirs(struct gate_args *a, int side, char ***owned, int *nowned)
{
	const char **in = a->files[side];
	int n = a->nfiles[side], i;
	struct stat st;

	a->files[side] = NULL;
	a->nfiles[side] = 0;
	for (i = 0; i < n; i++) {
		struct dirent *de;
		char **list = NULL;
		int nl = 0, k;
		DIR *dir;

		if (stat(in[i], &st) || !S_ISDIR(st.st_mode)) {
			add_file(a, side, in[i]);
			continue;
		}
		dir = opendir(in[i]);
		if (!dir) {
			fprintf(stderr, "qlat gate: %s: %s\n", in[i], strerror(errno));
			free(in);
			return -1;
		}
		while ((de = readdir(dir))) {
			size_t l = strlen(de->d_name);
			char *p;

			if (l < 6 || strcmp(de->d_name + l - 5, ".json") || de->d_name[0] == '.')
				continue;
			p = malloc(strlen(in[i]) + l + 2);
			if (!p)
				exit(GATE_EXIT_USAGE);
			sprintf(p, "%s/%s", in[i], de->d_name);
			add_str(&list, &nl, p);
		}
		closedir(dir);
		if (!nl) {
			fprintf(stderr, "qlat gate: %s: no *.json files in this directory\n", in[i]);
			free(list);
			free(in);
			return -1;
		}
		qsort(list, nl, sizeof(*list), cmp_str);
		for (k = 0; k < nl; k++) {
			add_file(a, side, list[k]);
			add_str(owned, nowned, list[k]);
		}
		free(list);
	}
	free(in);
	return 0;
}

int gate_main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = gate_options,
		.parser = gate_parse_opt,
		.args_doc = "BASELINE RUN",
		.doc = gate_doc,
	};
	struct gate_args a = {};
	struct gate_data d;
	char err[1024], **owned = NULL;
	int code = GATE_EXIT_USAGE, s, i, nowned = 0;
	FILE *html = NULL;

	gate_opts_default(&a.o);
	argp_err_exit_status = GATE_EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return GATE_EXIT_USAGE;
	gate_data_init(&d);
	for (s = 0; s < GATE_SIDES; s++) {
		if (expand_dirs(&a, s, &owned, &nowned))
			goto out;
		add_file(&a, s, NULL);	/* NULL-terminate */
		a.nfiles[s]--;
		for (i = 0; i < a.nfiles[s]; i++) {
			if (load_file(&d, s, a.files[s][i], err, sizeof(err))) {
				fprintf(stderr, "qlat gate: %s\n", err);
				goto out;
			}
		}
	}
	if (a.report) {
		html = fopen(a.report, "w");
		if (!html) {
			fprintf(stderr, "qlat gate: %s: %s\n", a.report, strerror(errno));
			goto out;
		}
	}
	code = gate_evaluate(&d, &a.o, a.json ? NULL : stdout, a.json ? stdout : NULL, html,
			     (const char *const *[GATE_SIDES]){ a.files[0], a.files[1] });
	if (html && (ferror(html) | fclose(html))) {
		fprintf(stderr, "qlat gate: writing %s failed\n", a.report);
		code = GATE_EXIT_USAGE;
	}
out:
	gate_data_free(&d);
	for (s = 0; s < GATE_SIDES; s++)
		free(a.files[s]);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(a.o.ratios);
	free(a.o.ignore);
	free(a.o.direction);
	return code;
}
