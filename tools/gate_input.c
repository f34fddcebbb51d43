// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * qlat gate: reading its input. The JSON documents of the measuring
 * subcommands (json-c), validated field by field, summed per side into
 * struct gate_data with the histogram library (tools/hist.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "gate_priv.h"

#define GATE_MAX_FILE	(256u << 20)

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

void *gate_grow(void *p, size_t n, size_t size)
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

char *gate_strdup(const char *s)
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
	d->subs = gate_grow(d->subs, d->nsubs, sizeof(*d->subs));
	d->subs[d->nsubs].name = gate_strdup(name);
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
	d->series = gate_grow(d->series, d->nseries, sizeof(*d->series));
	s = &d->series[d->nseries++];
	s->sub = gate_strdup(sub);
	s->metric = gate_strdup(metric);
	s->key = gate_strdup(key);
	s->val = gate_strdup(val);
	return s;
}

static struct gate_counter *get_counter(struct gate_data *d, const char *sub, const char *name)
{
	size_t i;

	for (i = 0; i < d->ncounters; i++)
		if (!strcmp(d->counters[i].sub, sub) && !strcmp(d->counters[i].name, name))
			return &d->counters[i];
	d->counters = gate_grow(d->counters, d->ncounters, sizeof(*d->counters));
	d->counters[d->ncounters].sub = gate_strdup(sub);
	d->counters[d->ncounters].name = gate_strdup(name);
	return &d->counters[d->ncounters++];
}

static struct gate_miss *get_miss(struct gate_data *d, const char *sub, unsigned int idx)
{
	size_t i;

	for (i = 0; i < d->nmisses; i++)
		if (!strcmp(d->misses[i].sub, sub) && d->misses[i].idx == idx)
			return &d->misses[i];
	d->misses = gate_grow(d->misses, d->nmisses, sizeof(*d->misses));
	d->misses[d->nmisses].sub = gate_strdup(sub);
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
void gate_series_name(char *buf, size_t len, const struct gate_series *s)
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

		gate_series_name(vbuf + strlen(vbuf), sizeof(vbuf) - strlen(vbuf), &tmp);
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
		sub->misses_key = gate_strdup(json_object_get_string(x));
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

/* "final": true, the last document of a run (absent: taken as final) */
static bool doc_final(json_object *doc)
{
	json_object *x;

	return !json_object_object_get_ex(doc, "final", &x) || json_object_get_boolean(x);
}

static double doc_elapsed(json_object *doc)
{
	json_object *x;

	return json_object_object_get_ex(doc, "elapsed_s", &x) ? json_object_get_double(x) : 0;
}

/*
 * Document i ends a run of its subcommand: it is final, or the next
 * document of that subcommand starts a new run (elapsed_s went back: a run
 * killed before its final print, then another appended), or there is none.
 * A run's documents are cumulative: its last one holds all of it.
 */
static bool ends_run(json_object **docs, size_t ndocs, size_t i)
{
	size_t j;

	if (doc_final(docs[i]))
		return true;
	for (j = i + 1; j < ndocs; j++)
		if (!strcmp(doc_sub(docs[i]), doc_sub(docs[j])))
			return doc_elapsed(docs[j]) < doc_elapsed(docs[i]);
	return true;
}

int gate_parse_buffer(struct gate_data *d, int side, const char *buf, size_t len,
		      const char *name, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new();
	json_object **docs = NULL;
	size_t ndocs = 0, off = 0, i, line, col;
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
		docs = gate_grow(docs, ndocs, sizeof(*docs));
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
		/*
		 * of the interval documents of one run, the last (cumulative)
		 * one; runs appended to one file (>>) are all read, and add up
		 * as files do
		 */
		bool last = ends_run(docs, ndocs, i);
		struct gate_data scratch;

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

int gate_load_file(struct gate_data *d, int side, const char *path, char *err, size_t errlen)
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
