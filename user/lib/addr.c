// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* addr.c: operator input parsing; see addr.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "line.h"

int lb_addr_parse(const char *s, struct sctplb_addr *out)
{
	struct sctplb_addr a = {};

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a.addr) != 1)
			return -EINVAL;
		a.family = SCTPLB_AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, a.addr) != 1)
			return -EINVAL;
		a.family = SCTPLB_AF_INET;
	}
	*out = a;
	return 0;
}

/* The dotted quad of b[0..3], as inet_ntop writes it. */
static void line_ipv4(struct lb_line *l, const unsigned char *b)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			lb_line_str(l, ".", 0);
		lb_line_u(l, b[i], 0, 0);
	}
}

/*
 * An IPv6 address as glibc's inet_ntop writes it: lowercase hex words
 * without leading zeros, the longest run of two or more zero words (the
 * first of equal runs) as "::", and the last 32 bits as a dotted quad after
 * six zero words, or five and ffff (IPv4-compatible and -mapped).
 */
static void line_ipv6(struct lb_line *l, const unsigned char *b)
{
	int best = -1, best_len = 0, cur = -1, i;
	unsigned int w[8];

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned int)b[2 * i] << 8 | b[2 * i + 1];
		if (!w[i]) {
			if (cur < 0)
				cur = i;
			if (i - cur + 1 > best_len) {
				best = cur;
				best_len = i - cur + 1;
			}
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				lb_line_str(l, ":", 0);
			continue;
		}
		if (i)
			lb_line_str(l, ":", 0);
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			line_ipv4(l, b + 12);
			return;
		}
		lb_line_hex(l, w[i], 0);
	}
	if (best >= 0 && best + best_len == 8)
		lb_line_str(l, ":", 0);
}

/* By hand, not by inet_ntop: glibc's formats with sprintf, most of the time
 * of listing a million associations' addresses (assoc list). */
const char *lb_addr_fmt(const struct sctplb_addr *a, char *buf, size_t len)
{
	struct lb_line l;

	lb_line_init(&l);
	if (a->family == SCTPLB_AF_INET)
		line_ipv4(&l, (const unsigned char *)a->addr);
	else if (a->family == SCTPLB_AF_INET6)
		line_ipv6(&l, (const unsigned char *)a->addr);
	else
		lb_line_str(&l, "-", 0);
	return lb_line_copy(&l, buf, len);
}

int lb_addr_list_parse(const char *s, struct sctplb_addr *out, size_t max,
		       size_t *n, const char **bad)
{
	struct sctplb_addr tmp[SCTPLB_MAX_PATHS];
	char item[LB_ADDRSTRLEN + 1];
	const char *p = s, *end;
	size_t k = 0, len;

	if (max > SCTPLB_MAX_PATHS)
		max = SCTPLB_MAX_PATHS;
	if (!s || !*s) {
		if (bad)
			*bad = s;
		return -EINVAL;
	}
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (bad)
			*bad = p;
		if (k == max || len == 0 || len >= sizeof(item))
			return k == max ? -E2BIG : -EINVAL;
		memcpy(item, p, len);
		item[len] = 0;
		if (lb_addr_parse(item, &tmp[k]))
			return -EINVAL;
		k++;
		if (!end)
			break;
		p = end + 1;
	}
	memcpy(out, tmp, k * sizeof(tmp[0]));
	*n = k;
	return 0;
}

bool lb_addr_equal(const struct sctplb_addr *a, const struct sctplb_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

const char *lb_family_name(__u8 family)
{
	return family == SCTPLB_AF_INET ? "IPv4" : family == SCTPLB_AF_INET6 ? "IPv6" : "none";
}

int lb_u32_parse(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

int lb_port_parse(const char *s, __u16 *out)
{
	__u32 v;

	if (lb_u32_parse(s, 1, 65535, &v))
		return -EINVAL;
	*out = (__u16)v;
	return 0;
}

bool lb_name_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n >= SCTPLB_NAME_LEN || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}
