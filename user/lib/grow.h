/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * grow.h: room for one more element in an array that grows by doubling.
 */
#ifndef SCTPLB_GROW_H
#define SCTPLB_GROW_H

#include <stdlib.h>

/*
 * arr holds *cap elements of sz bytes, n of them used.  Returns the array
 * with room for element n: arr itself while n < *cap, else arr reallocated to
 * twice *cap (first if *cap is 0), *cap updated.  NULL if memory runs out:
 * arr and *cap are as they were, and the caller still owns arr.
 */
static inline void *lb_grow(void *arr, size_t *cap, size_t n, size_t sz, size_t first)
{
	size_t c;
	void *p;

	if (n < *cap)
		return arr;
	c = *cap ? *cap * 2 : first;
	p = realloc(arr, c * sz);
	if (p)
		*cap = c;
	return p;
}

#endif
