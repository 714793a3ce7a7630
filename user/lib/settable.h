/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * settable.h: a set-associative table (include/sctplb_settable.h: layout,
 * index, victim rule) from user space: the datapath's side is
 * bpf/lib/settable.h.  Every set is read whole under its lock (BPF_F_LOCK).
 * A put reads the set and writes it back in three writes that keep the set's
 * seqcount right for the datapath's lock-free finds
 * (include/sctplb_settable.h): a datapath write to that set between those
 * system calls is lost, which is why only upgrades and tests put here.  A
 * delete (gc) runs in the kernel under the set's lock (the control program
 * sctplb_table_delete, user/lib/ctl.h) and loses nothing.
 *
 * Interface (stable: other tables build on it):
 *   lb_settable_open(t, m, id)   the table of pinned map id, its hash key from
 *                                 settings; -EPROTO if map id is no such table
 *   lb_settable_init(t, fd, layout, hkey)  the same from a map fd (tests)
 *   lb_settable_layout(id, l)    the layout (and KEEP) of pinned map id; -EPROTO
 *                                 if it is no such table.  A new table: a case here
 *   lb_settable_lookup(t, k, v, stamp)   0 with *v (and *stamp if not NULL),
 *                                         -ENOENT
 *   lb_settable_put(t, k, v, stamp)      k -> *v: its way, else an empty way,
 *                                         else the oldest (the datapath's rule)
 *   lb_settable_fill(t, kv, n, stamp, stamp_of)
 *                                         n entries (kv: each key then its value,
 *                                         packed) put in order as lb_settable_put
 *                                         would, each stamped stamp_of(value), or
 *                                         stamp if stamp_of is NULL, into a table that no
 *                                         program uses yet (one just made: an
 *                                         upgrade's, a test's): every set read and
 *                                         the changed ones written back in batches,
 *                                         a few system calls in all where n puts
 *                                         take 4 n
 *   lb_settable_delete(t, k, expect)     0, -ENOENT; with expect, only if the
 *                                         value still equals *expect (-ESTALE);
 *                                         in the kernel, under the set's lock (the
 *                                         control program sctplb_table_delete,
 *                                         user/lib/ctl.h), not by
 *                                         a write of the whole set that would undo a
 *                                         datapath insert; tables from
 *                                         lb_settable_open only
 *   lb_settable_walk(t, fn, arg)         fn(k, v, stamp, arg) for every entry,
 *                                         set by set (batch reads); stops at the
 *                                         first non-zero return and returns it
 *   lb_settable_walk_set(t, i, fn, arg)  the same over set i alone (an entry may
 *                                         name another's set); -ENOENT past the table
 *   lb_settable_count(t)                 entries, or a negative errno
 *   lb_table_scan(m, id, ksz, vsz, fn, arg)  fn(k, v, arg) for every entry of
 *                                         pinned map id: a table's ways, or a
 *                                         hash map's entries (lb_map_scan)
 * Functions return 0 or a negative errno, and print nothing.
 */
#ifndef SCTPLB_SETTABLE_LIB_H
#define SCTPLB_SETTABLE_LIB_H

#include <stddef.h>
#include <stdint.h>
#include "sctplb.h"
#include "pinned.h"

/* Where a set's parts are: LB_SETTABLE_LAYOUT(struct X_set). */
struct lb_settable_layout {
	uint32_t ways, key_size, val_size, entry_size, fp_off, stamps_off, seq_off, entries_off,
		set_size;
	__u32 (*keep)(const void *val); /* the table's KEEP (bpf/lib/settable.h), not 0: keep;
					 * NULL: none */
	__u32 table;                    /* enum sctplb_table (lb_settable_layout's) */
	__u32 candidates;               /* sets a key may be in: 2 (client_index,
					 * sctplb_settable_index2), else 1 */
};
#define LB_SETTABLE_LAYOUT(SET)                                                            \
	((struct lb_settable_layout){                                                      \
		.ways = sizeof(((SET *)0)->stamp) / sizeof(__u32),                         \
		.key_size = sizeof(((SET *)0)->e[0].key),                                  \
		.val_size = sizeof(((SET *)0)->e[0].val),                                  \
		.entry_size = sizeof(((SET *)0)->e[0]),                                    \
		.fp_off = offsetof(SET, fp),                                               \
		.stamps_off = offsetof(SET, stamp),                                        \
		.seq_off = offsetof(SET, seq),                                             \
		.entries_off = offsetof(SET, e),                                           \
		.set_size = sizeof(SET),                                                   \
	})

struct lb_settable {
	int fd;                         /* not owned */
	const struct lb_maps *m;        /* lb_settable_open's: deletes run its control
					 * program (user/lib/ctl.h); NULL: no deletes */
	uint32_t nsets;                 /* the map's max_entries */
	struct lb_settable_layout l;
	__u32 hkey[4];                  /* sctplb_config.settable_key */
};

typedef int (*lb_settable_fn)(const void *key, const void *val, uint32_t stamp, void *arg);

int lb_settable_init(struct lb_settable *t, int fd, struct lb_settable_layout l,
		     const __u32 hkey[4]);
int lb_settable_open(struct lb_settable *t, const struct lb_maps *m, enum lb_map_id id);
int lb_settable_layout(enum lb_map_id id, struct lb_settable_layout *l);
/* The set of key: its first; *second its other candidate set (the first
 * again in a table of one set a key). */
uint32_t lb_settable_index(const struct lb_settable *t, const void *key);
uint32_t lb_settable_index2(const struct lb_settable *t, const void *key, uint32_t *second);
int lb_settable_lookup(const struct lb_settable *t, const void *key, void *val, uint32_t *stamp);
int lb_settable_put(const struct lb_settable *t, const void *key, const void *val,
		    uint32_t stamp);
int lb_settable_fill(const struct lb_settable *t, const void *kv, size_t n, uint32_t stamp,
		     uint32_t (*stamp_of)(const void *val));
int lb_settable_delete(const struct lb_settable *t, const void *key, const void *expect);
int lb_settable_walk(const struct lb_settable *t, lb_settable_fn fn, void *arg);
int lb_settable_walk_set(const struct lb_settable *t, uint32_t idx, lb_settable_fn fn, void *arg);
long lb_settable_count(const struct lb_settable *t);
int lb_table_scan(const struct lb_maps *m, enum lb_map_id id, __u32 ksz, __u32 vsz,
		  lb_scan_fn fn, void *arg);

#endif
