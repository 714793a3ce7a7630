/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * addr.h: parsing and printing of the values an operator types: addresses,
 * address lists, ports and names.  Pure functions, no map access.
 * Every parser returns 0 or -EINVAL and writes *out only on success.
 */
#ifndef SCTPLB_ADDR_H
#define SCTPLB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include "sctplb.h"

#define LB_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN */

/* "192.0.2.1" or "2001:db8::1" (no prefix length, no scope). */
int lb_addr_parse(const char *s, struct sctplb_addr *out);
/* Formats into buf (at least LB_ADDRSTRLEN); family 0 gives "-". Returns buf. */
const char *lb_addr_fmt(const struct sctplb_addr *a, char *buf, size_t len);
/* "A[,B...]": at most max addresses; *n receives the count.  On error *bad
 * (if not NULL) points into s at the first bad element. */
int lb_addr_list_parse(const char *s, struct sctplb_addr *out, size_t max,
		       size_t *n, const char **bad);
bool lb_addr_equal(const struct sctplb_addr *a, const struct sctplb_addr *b);
const char *lb_family_name(__u8 family);
/* A port 1..65535, decimal. */
int lb_port_parse(const char *s, __u16 *out);
/* An unsigned decimal in [min, max]. */
int lb_u32_parse(const char *s, __u32 min, __u32 max, __u32 *out);
/* Names: 1..SCTPLB_NAME_LEN-1 characters of [A-Za-z0-9._-], not starting with '-'. */
bool lb_name_valid(const char *s);

#endif
