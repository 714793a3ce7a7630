// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The line builder (user/lib/line.c) against printf: every field it appends
 * is what the printf conversion it stands for writes, for strings and
 * numbers of every length around the widths, and a full line is cut as
 * snprintf cuts.
 */
#include <stdio.h>
#include <string.h>

#include "line.h"

static int failed;

#define CHECK(name, cond, ...) do {                                     \
	if (cond) printf("PASS %s\n", name);                             \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failed = 1; } \
} while (0)

static unsigned int bad, n;

static void same(const char *what, struct lb_line *l, const char *want)
{
	char buf[LB_LINE_MAX];
	const char *got = lb_line_copy(l, buf, sizeof(buf));

	n++;
	if (strcmp(got, want) && bad++ < 5)
		printf("  %s: \"%s\", printf \"%s\"\n", what, got, want);
}

static void test_fields(void)
{
	static const char *strs[] = { "", "-", "yes", "established", "cookie-echo",
				      "a-service-name-of-31-characters",
				      "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255" };
	static const unsigned long long nums[] = { 0, 1, 9, 10, 99, 100, 65535, 123456,
						   4294967295ull, 18446744073709551615ull };
	char want[600];
	struct lb_line l;
	size_t i;
	int w;

	bad = n = 0;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (w = -50; w <= 50; w++) {
			lb_line_init(&l);
			lb_line_str(&l, strs[i], w);
			snprintf(want, sizeof(want), "%*s", w, strs[i]);
			same("str", &l, want);
		}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		for (w = -24; w <= 24; w++) {
			lb_line_init(&l);
			lb_line_u(&l, nums[i], w, 0);
			snprintf(want, sizeof(want), "%*llu", w, nums[i]);
			same("u", &l, want);
			if (w >= 0) {
				lb_line_init(&l);
				lb_line_u(&l, nums[i], w, 1);
				snprintf(want, sizeof(want), "%0*llu", w, nums[i]);
				same("u zeros", &l, want);
			}
			if (w >= 0 && w <= 20) {
				lb_line_init(&l);
				lb_line_hex(&l, nums[i], w);
				snprintf(want, sizeof(want), "%0*llx", w, nums[i]);
				same("hex", &l, want);
			}
		}
	CHECK("line_fields_as_printf", bad == 0, "%u of %u fields differ from printf's", bad, n);
}

/* Appends past the end: the line keeps LB_LINE_MAX - 1 bytes, as snprintf would. */
static void test_cut(void)
{
	char want[LB_LINE_MAX], all[4 * LB_LINE_MAX] = "";
	struct lb_line l;
	int i;

	lb_line_init(&l);
	for (i = 0; i < 40; i++) {
		lb_line_str(&l, "0123456789", -12);
		lb_line_u(&l, (unsigned long long)i * 1000003, 9, 0);
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%-12s%9llu", "0123456789",
			 (unsigned long long)i * 1000003);
	}
	snprintf(want, sizeof(want), "%s", all);
	CHECK("line_cut_as_snprintf", l.n == LB_LINE_MAX - 1 &&
	      !strcmp(lb_line_copy(&l, all, sizeof(all)), want),
	      "%zu bytes kept", l.n);
}

int main(void)
{
	test_fields();
	test_cut();
	return failed;
}
