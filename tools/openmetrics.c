// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* OpenMetrics / Prometheus text exposition pieces */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "openmetrics.h"

bool qlat_om_prom;

void qlat_om_family(FILE *f, const char *name, const char *type, const char *unit,
		    const char *help)
{
	const char *sfx = qlat_om_prom && !strcmp(type, "counter") ? "_total" : "";

	fprintf(f, "# TYPE %s%s %s\n", name, sfx, type);
	if (unit && !qlat_om_prom)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s%s %s\n", name, sfx, help);
}

/* the escape of c in a label value, or NULL if it stands for itself */
static const char *om_escape(char c)
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '"':
		return "\\\"";
	case '\n':
		return "\\n";
	default:
		return NULL;
	}
}

int qlat_om_label(char *buf, size_t len, const char *name, const char *value)
{
	size_t n = strnlen(buf, len), need;
	const char *v, *e;

	/* ,name="value"\0 */
	need = n + !!n + strlen(name) + 3 + 1;
	for (v = value; *v; v++)
		need += om_escape(*v) ? 2 : 1;
	if (need > len)
		return -ENOSPC;
	if (n)
		buf[n++] = ',';
	n += sprintf(buf + n, "%s=\"", name);
	for (v = value; *v; v++) {
		e = om_escape(*v);
		if (e) {
			memcpy(buf + n, e, 2);
			n += 2;
		} else {
			buf[n++] = *v;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return 0;
}

int qlat_om_label_int(char *buf, size_t len, const char *name, long long value)
{
	char v[24];

	snprintf(v, sizeof(v), "%lld", value);
	return qlat_om_label(buf, len, name, v);
}

void qlat_om_end(FILE *f)
{
	if (!qlat_om_prom)
		fprintf(f, "# EOF\n");
}
