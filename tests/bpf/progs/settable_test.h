/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * settable_test.h: a set-associative table (include/sctplb_settable.h) for
 * tests/bpf/test_settable_race: one set of 4 ways, a value whose 8 words
 * must agree (every write gives them one number), and the counts the
 * programs of tests/bpf/progs/settable_test.bpf.c keep.
 */
#ifndef SETTABLE_TEST_H
#define SETTABLE_TEST_H

#include "sctplb_settable.h"

#define ST_WAYS  4
#define ST_WORDS 64
#define ST_KEYS  6      /* keys the writer cycles through: more than the ways, so ways move */

struct st_key {
	__u32 a, b;
};

struct st_val {
	__u32 w[ST_WORDS];      /* all equal in every value written */
};

SCTPLB_SETTABLE_TYPES(st, struct st_key, struct st_val, ST_WAYS);

/* A table of two candidate sets a key (NAME_put2 ...): ST2_SETS sets of
 * ST_WAYS ways, a one-word value. */
#define ST2_SETS 4
SCTPLB_SETTABLE_TYPES(st2, struct st_key, __u32, ST_WAYS);

/* The programs' inputs and counts (the object's .bss). */
struct st_io {
	__u32 key;              /* the key the reader finds: {key, 0} */
	__u32 next;             /* the writer's next number */
	__u32 found;            /* reader: copies whose words agree */
	__u32 torn;             /* reader: copies whose words do not */
	__u32 missing;          /* reader: key not found */
	__u32 writes;           /* writer: puts done */
	__s32 result;           /* st2_find_key: the value found, or -1; st2_delete_key: 1, 0, -1 */
};

#endif
