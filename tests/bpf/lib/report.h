/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report.h: one PASS or FAIL line per check, as tests/run.sh counts them, for
 * the tests that are not tables (unit tests, conversations, primitives).
 * Header only: each test program has its own count.
 */
#ifndef SCTPLB_TEST_REPORT_H
#define SCTPLB_TEST_REPORT_H

#include <stdarg.h>
#include <stdio.h>

static int tr_failures;

/* "PASS name", or "FAIL name: why" when why is not NULL. */
static inline void tr_result(const char *name, const char *why)
{
	if (why) {
		printf("FAIL %s: %s\n", name, why);
		tr_failures++;
	} else {
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

/* "PASS name: detail" or "FAIL name: detail", the detail printf-style. */
static inline __attribute__((format(printf, 3, 4))) void tr_report(int ok, const char *name,
								   const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", ok ? "PASS" : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tr_failures++;
}

#endif
