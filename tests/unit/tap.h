/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Minimal TAP producer for the host unit tests. */
#ifndef __QLAT_TAP_H
#define __QLAT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

#define tap_eq_u64(got, want, fmt, ...) ({					\
	unsigned long long __g = (got), __w = (want);				\
	int __r = tap_ok(__g == __w, fmt, ##__VA_ARGS__);			\
	if (!__r)								\
		printf("#   got %llu, want %llu\n", __g, __w);			\
	__r; })

/* Prints the plan at the end (valid TAP) and gives the exit status */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* __QLAT_TAP_H */
