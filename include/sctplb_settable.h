/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb_settable.h: the layout of a set-associative table, shared by the
 * BPF programs (bpf/lib/settable.h: find, put, delete, edit) and user space
 * (user/lib/settable.h: lookup, walk, put, delete).
 *
 * A table is a BPF_MAP_TYPE_ARRAY whose every element is one set of WAYS
 * entries (key, value) under one bpf_spin_lock:
 *
 *   struct NAME_set { struct bpf_spin_lock lock; __u16 fp[WAYS]; __u32 stamp[WAYS];
 *                     __u32 seq; struct NAME_entry { K key; V val; } e[WAYS]; };
 *
 * fp[i] is a 16-bit fold of way i's key (sctplb_settable_fp, unkeyed: it
 * only spares comparing keys): a lookup reads the set's first cache line or
 * two (lock, fp, stamps) and the one entry whose fp matches, not the 7 lines
 * of every key (a cold set cost ~250 ns more without it).
 * stamp[i] is when way i was written (a coarse stamp, include/sctplb.h
 * sctplb_stamp; never 0 for a used way), 0 when the way is empty.  A key
 * lives in one set only: set = (low 32 bits of SipHash-1-3(key) * nsets) >>
 * 32, nsets = the map's max_entries (any number, no power of two needed),
 * the SipHash key the 128-bit random settable_key of the pinned settings
 * (struct sctplb_config), made once with the maps: an attacker who cannot
 * compute a client's set needs a table-full of entries to evict it, not WAYS.
 * (A table of two candidate sets a key: sctplb_settable_index2 below.)
 * Keys are compared as 32-bit words: sizeof(K) is a multiple of 4 and K has
 * no padding that is not zeroed.
 *
 * Putting a key takes the way that holds the key, else an empty way, else
 * the way with the oldest stamp (the first of equal ones) among the entries
 * the table does not keep (its KEEP predicate on the value: none by
 * default), else the oldest.  A table's
 * entries evict only each other.  Every write to a set holds its lock
 * (BPF: bpf_spin_lock; user space: BPF_F_LOCK).
 *
 * Lookups take no lock: seq is the set's sequence count (a seqcount).  A
 * writer, under the lock, makes it odd, writes, and makes it even again; a
 * datapath lookup reads seq, the way and the value, then seq again, and
 * trusts its copy only if seq was even and has not moved (else it retries,
 * a bounded number of times, then takes the lock: bpf/lib/settable.h).
 * The datapath's writes leave seq a multiple of 4 (odd: seq | 1; done:
 * (seq | 3) + 1), user space's 2 modulo 4, so that the two never write the
 * same count.  A user-space change cannot make seq odd around its own copy
 * (the kernel copies a BPF_F_LOCK value with memcpy, in no order a reader
 * can rely on), so it writes the set three times, each under the lock: the
 * set as read with seq odd, the changed set with seq still odd, then the
 * changed set with seq even (user/lib/settable.c).  A reader that overlaps
 * any of the three sees seq odd or moved.  A user-space change reads the
 * set and writes it back whole, so a datapath write to the same set between
 * those system calls is lost, and a lookup racing that lost write may read
 * it torn (microseconds: user space only deletes expired entries, upgrades
 * pins and fills tests).
 */
#ifndef SCTPLB_SETTABLE_H
#define SCTPLB_SETTABLE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h>          /* struct bpf_spin_lock */
#endif
#include "sctplb_siphash.h"

/* Declares struct NAME_entry and struct NAME_set for key K, value V, WAYS ways. */
#define SCTPLB_SETTABLE_TYPES(NAME, K, V, WAYS)                                        \
	struct NAME##_entry {                                                          \
		K key;                                                                 \
		V val;                                                                 \
	};                                                                             \
	struct NAME##_set {                                                            \
		struct bpf_spin_lock lock;                                             \
		__u16 fp[WAYS];         /* sctplb_settable_fp of the way's key */      \
		__u32 stamp[WAYS];      /* 0: the way is empty */                      \
		__u32 seq;              /* even: no writer inside (below) */           \
		struct NAME##_entry e[WAYS];                                           \
	}

/* The datapath's seqcount steps (above): odd while it writes, then the
 * next multiple of 4; user space's: odd, then 2 modulo 4. */
#define SCTPLB_SETTABLE_SEQ_BUSY(seq)  ((seq) | 1)
#define SCTPLB_SETTABLE_SEQ_DONE(seq)  (((seq) | 3) + 1)
#define SCTPLB_SETTABLE_SEQ_USER(seq)  (((seq) | 3) + 3)

/* SipHash-1-3 rounds of the set index. */
#define SCTPLB_SETTABLE_SIP_C 1
#define SCTPLB_SETTABLE_SIP_D 3

/* The set of a key of nwords 32-bit words in a table of nsets sets. */
SCTPLB_INLINE __u32 sctplb_settable_index(const __u32 hkey[4], const __u32 *key, int nwords,
					  __u32 nsets)
{
	__u32 h = (__u32)sctplb_siphash_u32s(hkey, key, nwords, SCTPLB_SETTABLE_SIP_C,
					     SCTPLB_SETTABLE_SIP_D);

	return (__u32)(((__u64)h * nsets) >> 32);
}

/*
 * A table of two candidate sets a key (client_index): the key's first set is
 * sctplb_settable_index's, its second (*i2) from the SipHash's upper 32
 * bits; it may be the first.  A lookup reads both; a new key takes the
 * emptier (bpf/lib/settable.h NAME_put2): 16-way sets fill to ~85% before
 * any insert finds both full, where with one set a key ~4.4% of the entries
 * have met a full set by then (docs/compact-table.md).  A table of one set
 * a key keeps its entries where the first set is: the first set stays the
 * one it was.
 */
SCTPLB_INLINE __u32 sctplb_settable_index2(const __u32 hkey[4], const __u32 *key, int nwords,
					   __u32 nsets, __u32 *i2)
{
	__u64 h = sctplb_siphash_u32s(hkey, key, nwords, SCTPLB_SETTABLE_SIP_C,
				      SCTPLB_SETTABLE_SIP_D);

	*i2 = (__u32)(((h >> 32) * nsets) >> 32);
	return (__u32)(((__u64)(__u32)h * nsets) >> 32);
}

/* The fingerprint of a key of nwords 32-bit words: its words xor-folded to 16 bits. */
SCTPLB_INLINE __u16 sctplb_settable_fp(const __u32 *key, int nwords)
{
	__u32 x = 0;
	int i;

	SCTPLB_UNROLL
	for (i = 0; i < nwords; i++)
		x ^= key[i];
	return (__u16)(x ^ x >> 16);
}

/* The stamp a way is written with: a stamp of 0 (the clock's first 134 ms)
 * would read as empty. */
SCTPLB_INLINE __u32 sctplb_settable_stamp(__u32 stamp)
{
	return stamp ? stamp : 1;
}

#endif
