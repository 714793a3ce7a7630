/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * line.h: a line of text built by hand, for output of a million rows
 * (`assoc list`): printf's parsing of its format, field by field and row by
 * row, was most of listing a million associations.  Each call appends what
 * the printf conversion in its comment would write; what does not fit in the
 * line is cut, as snprintf cuts.  Inline: most fields are literals, whose
 * lengths the compiler then knows.
 */
#ifndef SCTPLB_LINE_H
#define SCTPLB_LINE_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define LB_LINE_MAX 512

struct lb_line {
	size_t n;               /* bytes in s, at most LB_LINE_MAX - 1 */
	char s[LB_LINE_MAX];    /* not terminated: lb_line_copy */
};

static inline void lb_line_init(struct lb_line *l)
{
	l->n = 0;
}

/* n bytes of s, or what room is left (the last byte of s is the terminator's). */
static inline void lb_line_put(struct lb_line *l, const char *s, size_t n)
{
	size_t room = LB_LINE_MAX - 1 - l->n;

	if (n > room)
		n = room;
	memcpy(l->s + l->n, s, n);
	l->n += n;
}

static inline void lb_line_pad(struct lb_line *l, char c, size_t n)
{
	size_t room = LB_LINE_MAX - 1 - l->n;

	if (n > room)
		n = room;
	memset(l->s + l->n, c, n);
	l->n += n;
}

/* s (len bytes) in a field of width w (lb_line_str's). */
static inline void lb_line_field(struct lb_line *l, const char *s, size_t len, int w)
{
	size_t wide = w < 0 ? (size_t)-(long)w : (size_t)w;
	size_t fill = len < wide ? wide - len : 0;

	if (w > 0)
		lb_line_pad(l, ' ', fill);
	lb_line_put(l, s, len);
	if (w < 0)
		lb_line_pad(l, ' ', fill);
}

/* "%*s" with width w: w > 0 pads on the left, w < 0 on the right. */
static inline void lb_line_str(struct lb_line *l, const char *s, int w)
{
	lb_line_field(l, s, strlen(s), w);
}

/* "%*llu" with width w (as lb_line_str); "%0*llu" when zeros. */
static inline void lb_line_u(struct lb_line *l, unsigned long long v, int w, int zeros)
{
	char d[24];
	size_t k = sizeof(d);

	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (zeros && w > 0)
		while (sizeof(d) - k < (size_t)w && k > 0)
			d[--k] = '0';
	lb_line_field(l, d + k, sizeof(d) - k, w);
}

/* "%0*llx" with `digits` digits. */
static inline void lb_line_hex(struct lb_line *l, unsigned long long v, int digits)
{
	const char *hex = "0123456789abcdef";
	char d[24];
	size_t k = sizeof(d);

	do {
		d[--k] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (sizeof(d) - k < (size_t)(digits > 0 ? digits : 0) && k > 0)
		d[--k] = '0';
	lb_line_put(l, d + k, sizeof(d) - k);
}

/* The line into buf (len bytes) as a C string, cut as snprintf cuts; buf. */
static inline char *lb_line_copy(const struct lb_line *l, char *buf, size_t len)
{
	size_t n;

	if (!len)
		return buf;
	n = l->n < len ? l->n : len - 1;
	memcpy(buf, l->s, n);
	buf[n] = 0;
	return buf;
}

/* Writes the line to f. */
static inline void lb_line_write(const struct lb_line *l, FILE *f)
{
	fwrite(l->s, 1, l->n, f);
}

#endif
