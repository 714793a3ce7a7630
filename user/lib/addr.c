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

const char *lb_addr_fmt(const struct sctplb_addr *a, char *buf, size_t len)
{
	if (a->family == SCTPLB_AF_INET)
		inet_ntop(AF_INET, a->addr, buf, len);
	else if (a->family == SCTPLB_AF_INET6)
		inet_ntop(AF_INET6, a->addr, buf, len);
	else
		snprintf(buf, len, "-");
	return buf;
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
