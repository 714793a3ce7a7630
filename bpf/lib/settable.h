/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * settable.h: a keyed set-associative table in a BPF_MAP_TYPE_ARRAY, the
 * datapath's side (the layout, the index and the victim rule are in
 * include/sctplb_settable.h; user space is user/lib/settable.h).
 *
 * Why: a BPF LRU hash insert (a free node popped, a victim evicted from
 * another bucket, list moves) cost ~450 ns of an INIT's ~1.3 us; a put here
 * is one array lookup, a SipHash of the key, one uncontended lock, and a
 * copy (docs/bench.md).  Eviction stays within the table, as the LRU's did:
 * a flood of one table's entries never costs another table an entry.
 *
 * Interface (stable: other tables build on it):
 *
 *   SETTABLE_DEFINE(NAME, MAP, SET)
 *	MAP an array map (in maps.h) whose value is SET, a struct NAME_set
 *	declared by SCTPLB_SETTABLE_TYPES (include/sctplb_settable.h).
 *	Generates, for K and V the set's key and value types:
 *
 *   SETTABLE_DEFINE_KEEP(NAME, MAP, SET, KEEP)
 *	the same, with KEEP(const V *v) (a __u32: not 0 = keep) for entries
 *	that go only when every way of the set is kept (user space:
 *	lb_settable_layout.keep).
 *   SETTABLE_DEFINE_RANK(NAME, MAP, SET, RANK)
 *	the same, with the victim of a full set the way of the least
 *	RANK(s, i), a __u64 in [1, 2^63) of set s's used way i, best without a
 *	branch (the default: settable_rank_keep, KEEP << 32 | stamp; the
 *	unconfirmed associations: their own last-use stamp, bpf/lib/lb.h).
 *
 *   bool NAME_find(const K *k, V *out)
 *	true with *out a copy of k's value, read under the set's lock.
 *   void NAME_put(const K *k, const V *v, __u32 stamp)
 *	k -> *v, stamped stamp (sctplb_stamp(now)): k's way, else an empty
 *	way, else the oldest not kept (KEEP), else the oldest.
 *   bool NAME_delete(const K *k)
 *	true if k was there.
 *   V *NAME_ref(const K *k)
 *	k's value in place, found without the lock, or NULL: for a value the
 *	datapath updates on every packet without a lock (an association's
 *	stamps).  Another CPU's put may rewrite the way under the caller, as a
 *	BPF LRU element can be recycled under a reader.
 *   V *NAME_add(const E *e, __u32 stamp)
 *	e->key -> e->val unless the key is there (BPF_NOEXIST), E the table's
 *	entry (key and value: NAME_entry_t): the new value in place, or NULL
 *	if the key was there (NAME_ref finds it) or the set cannot be had.
 *	Both take the set from NAME_set_of(k), whose frame holds the hash's
 *	spills (NAME_ref_in, NAME_add_in: with a set already found).
 *
 *   bool NAME_replace_in(SET *s, const K *k, const V *expect, const V *v)
 *	k's value becomes *v if it still equals *expect (compared as 32-bit
 *	words: V's padding zeroed), its stamp kept: an edit of what a find
 *	returned that another CPU's put in between does not undo.
 *   bool NAME_delete_if_in(SET *s, const K *k, const V *expect)
 *	k's entry goes if its value still equals *expect: user space's delete
 *	(the control program sctplb_table_delete, bpf/sctplb.bpf.c), in one
 *	locked step where a read and a write of the whole set from user space
 *	would undo an insert another CPU made into the set in between.
 *
 * The set of a key costs a SipHash (~30 ns in BPF: no rotate instruction);
 * several accesses to one key take it once:
 *
 *   SET *NAME_set(const K *k)                   the set of k (NULL: none)
 *   bool NAME_find_in(SET *s, const K *k, V *out)
 *   void NAME_put_in(SET *s, const K *k, const V *v, __u32 stamp)
 *   bool NAME_delete_in(SET *s, const K *k)
 *	as above, s = NAME_set(k) (NULL: a miss, nothing put).
 *
 * k must point to the stack or to a map value (32-bit aligned); K's padding
 * must be zeroed (keys are compared as 32-bit words).
 */
#ifndef SCTPLB_BPF_SETTABLE_H
#define SCTPLB_BPF_SETTABLE_H

#include "common.h"
#include "sctplb_settable.h"

#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

/* A map's max_entries, read from the map itself (the verifier lets a program
 * read struct bpf_map's fields; CO-RE): a table sized at load works too. */
#ifndef SETTABLE_MAX_ENTRIES
#define SETTABLE_MAX_ENTRIES(map) (((struct bpf_map *)(map))->max_entries)
#endif

/* The set of key k (nwords 32-bit words) in map: its index is keyed by the
 * settings' settable_key, its range is the map's max_entries. */
static __always_inline void *settable_set(void *map, const void *k, int nwords)
{
	struct sctplb_config *cfg;
	__u32 zero = 0, i;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (!cfg)
		return NULL;
	i = sctplb_settable_index(cfg->settable_key, k, nwords, SETTABLE_MAX_ENTRIES(map));
	return bpf_map_lookup_elem(map, &i);
}

/* No entry is kept over another: the oldest goes. */
#define settable_keep_none(v) 0

/* 1 if x (32 bits) is not 0, else 0, without a branch. */
static __always_inline __u64 settable_nz32(__u32 x)
{
	return ((__u64)x + 0xffffffffull) >> 32;
}

/* The rank of used way i of set s under KEEP: the kept after the others,
 * each the older first. */
#define settable_rank_keep(s, i, KEEP)                                                         \
	(settable_nz32(KEEP(&(s)->e[i].val)) << 32 | (s)->stamp[i])

#define SETTABLE_DEFINE(NAME, MAP, SET) SETTABLE_DEFINE_KEEP(NAME, MAP, SET, settable_keep_none)

#define SETTABLE_DEFINE_KEEP(NAME, MAP, SET, KEEP)                                             \
	static __always_inline __u64 NAME##_rank(const SET *s, int i)                          \
	{                                                                                      \
		return settable_rank_keep(s, i, KEEP);                                         \
	}                                                                                      \
	SETTABLE_DEFINE_RANK(NAME, MAP, SET, NAME##_rank)

#define SETTABLE_DEFINE_RANK(NAME, MAP, SET, RANK)                                             \
	typedef typeof(((SET *)0)->e[0].key) NAME##_key_t;                                     \
	typedef typeof(((SET *)0)->e[0].val) NAME##_val_t;                                     \
	typedef typeof(((SET *)0)->e[0]) NAME##_entry_t;                                       \
	enum { NAME##_WAYS = sizeof(((SET *)0)->stamp) / sizeof(__u32),                        \
	       NAME##_WORDS = sizeof(NAME##_key_t) / sizeof(__u32) };                         \
	_Static_assert(sizeof(NAME##_key_t) % sizeof(__u32) == 0,                              \
		       #NAME ": keys are compared as 32-bit words");                             \
	_Static_assert((NAME##_WAYS & (NAME##_WAYS - 1)) == 0,                                 \
		       #NAME ": ways, a power of two (a way is masked, NAME_add_in)");           \
                                                                                               \
	static __always_inline SET *NAME##_set(const NAME##_key_t *k)                               \
	{                                                                                      \
		return settable_set(&MAP, k, NAME##_WORDS);                                    \
	}                                                                                      \
                                                                                               \
	/* The way holding k, or -1; with the set's lock held. */                             \
	static __always_inline int NAME##_way(const SET *s, const NAME##_key_t *k)             \
	{                                                                                      \
		const __u32 *want = (const __u32 *)k, *have;                                   \
		__u16 fp = sctplb_settable_fp(want, NAME##_WORDS);                             \
		__u32 diff;                                                                    \
		int i, j;                                                                      \
                                                                                               \
		_Pragma("unroll") for (i = 0; i < NAME##_WAYS; i++) {                          \
			if (!s->stamp[i] || s->fp[i] != fp)                                    \
				continue;                                                      \
			have = (const __u32 *)&s->e[i].key;                                    \
			diff = 0;                                                              \
			_Pragma("unroll") for (j = 0; j < NAME##_WORDS; j++)                   \
				diff |= have[j] ^ want[j];                                     \
			if (!diff)                                                             \
				return i;                                                      \
		}                                                                              \
		return -1;                                                                     \
	}                                                                                      \
                                                                                               \
	/* The way a new key takes, with the lock held: an empty way, else   */              \
	/* the least RANK (the first of equals).  Without a branch: the      */              \
	/* verifier would follow each way chosen, and 8 ways of choices do   */              \
	/* not fit its budget.  rank: 0 empty, else RANK; mask all ones      */              \
	/* where rank < best.                                                */              \
	static __always_inline int NAME##__victim(const SET *s)                                \
	{                                                                                      \
		__u64 rank, best = ~0ull >> 1;                                                 \
		int w = 0, i;                                                                  \
                                                                                               \
		_Pragma("nounroll") for (i = 0; i < NAME##_WAYS; i++) {                        \
			__u64 used = settable_nz32(s->stamp[i]), mask;                         \
                                                                                               \
			rank = RANK(s, i) & -used;                                             \
			mask = -((rank - best) >> 63);                                         \
			asm volatile("" : "+r"(mask)); /* no select: a branch */               \
			best = (rank & mask) | (best & ~mask);                                 \
			w = (int)(((__u64)i & mask) | ((__u64)w & ~mask));                     \
		}                                                                              \
		return w;                                                                      \
	}                                                                                      \
                                                                                               \
	/* The bodies; the _in variants take the set from NAME_set(k)      */              \
	/* (NULL: nothing found, nothing put), so that one hash serves     */              \
	/* several accesses to a key.                                      */              \
	static __always_inline bool NAME##__find(SET *s, const NAME##_key_t *k,     \
							     NAME##_val_t *out)                 \
	{                                                                                      \
		bool found = false;                                                            \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return false;                                                          \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w >= 0 && w < NAME##_WAYS) {                                               \
			*out = s->e[w].val;                                                    \
			found = true;                                                          \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
		return found;                                                                  \
	}                                                                                      \
                                                                                               \
	static __always_inline void NAME##__put(SET *s, const NAME##_key_t *k,      \
							    const NAME##_val_t *v, __u32 stamp) \
	{                                                                                      \
		__u32 st = sctplb_settable_stamp(stamp);                                       \
		int w, i;                                                                      \
                                                                                               \
		if (!s)                                                                        \
			return;                                                                \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w < 0)                                                                     \
			w = NAME##__victim(s);                                                 \
		/* Written at constant offsets: w used as an offset would make  */             \
		/* the verifier track every way the loop above could choose.     */             \
		_Pragma("unroll") for (i = 0; i < NAME##_WAYS; i++) {                          \
			if (i == w) {                                                          \
				s->e[i].key = *k;                                              \
				s->e[i].val = *v;                                              \
				s->fp[i] = sctplb_settable_fp((const __u32 *)k, NAME##_WORDS); \
				s->stamp[i] = st;                                              \
			}                                                                      \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
	}                                                                                      \
                                                                                               \
	static __always_inline bool NAME##__replace(SET *s, const NAME##_key_t *k,          \
						    const NAME##_val_t *expect,                 \
						    const NAME##_val_t *v)                      \
	{                                                                                      \
		const __u32 *have, *want = (const __u32 *)expect;                              \
		bool done = false;                                                             \
		__u32 diff = 0;                                                                \
		int w, j;                                                                      \
                                                                                               \
		if (!s)                                                                        \
			return false;                                                          \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w >= 0 && w < NAME##_WAYS) {                                               \
			have = (const __u32 *)&s->e[w].val;                                    \
			_Pragma("unroll") for (j = 0; j < sizeof(*v) / 4; j++)                 \
				diff |= have[j] ^ want[j];                                     \
			if (!diff && v)                                                        \
				s->e[w].val = *v;                                              \
			else if (!diff)                                                        \
				s->stamp[w] = 0; /* v NULL: delete */                          \
			done = !diff;                                                          \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
		return done;                                                                   \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_replace_in(SET *s, const NAME##_key_t *k,  \
								const NAME##_val_t *expect,     \
								const NAME##_val_t *v)          \
	{                                                                                      \
		return NAME##__replace(s, k, expect, v);                                       \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_delete_if_in(SET *s, const NAME##_key_t *k, \
								  const NAME##_val_t *expect)   \
	{                                                                                      \
		return NAME##__replace(s, k, expect, NULL);                                    \
	}                                                                                      \
                                                                                               \
	static __always_inline bool NAME##__delete(SET *s, const NAME##_key_t *k)   \
	{                                                                                      \
		bool found = false;                                                            \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return false;                                                          \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w >= 0 && w < NAME##_WAYS) {                                               \
			s->stamp[w] = 0;                                                       \
			found = true;                                                          \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
		return found;                                                                  \
	}                                                                                      \
                                                                                               \
	/* The entry points are not inlined: the hash's and the copies'    */              \
	/* spills stay in their own small frames, off the stack of the     */              \
	/* program that calls them (512 bytes over all frames).            */              \
	static __noinline __maybe_unused bool NAME##_find_in(SET *s, const NAME##_key_t *k,     \
							     NAME##_val_t *out)                 \
	{                                                                                      \
		return NAME##__find(s, k, out);                                                \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused void NAME##_put_in(SET *s, const NAME##_key_t *k,      \
							    const NAME##_val_t *v, __u32 stamp) \
	{                                                                                      \
		NAME##__put(s, k, v, stamp);                                                   \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_delete_in(SET *s, const NAME##_key_t *k)   \
	{                                                                                      \
		return NAME##__delete(s, k);                                                   \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_find(const NAME##_key_t *k,                \
							  NAME##_val_t *out)                    \
	{                                                                                      \
		return NAME##__find(NAME##_set(k), k, out);                                    \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused void NAME##_put(const NAME##_key_t *k,                 \
							 const NAME##_val_t *v, __u32 stamp)    \
	{                                                                                      \
		NAME##__put(NAME##_set(k), k, v, stamp);                                       \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_delete(const NAME##_key_t *k)              \
	{                                                                                      \
		return NAME##__delete(NAME##_set(k), k);                                       \
	}                                                                                      \
                                                                                               \
	/* The set of k from a frame of its own: the hash's spills off the  */              \
	/* caller's stack, for callers deep in a program.                    */              \
	static __noinline __maybe_unused SET *NAME##_set_of(const NAME##_key_t *k)             \
	{                                                                                      \
		return NAME##_set(k);                                                          \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused NAME##_val_t *NAME##_ref_in(SET *s,                   \
								     const NAME##_key_t *k)    \
	{                                                                                      \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return NULL;                                                           \
		w = NAME##_way(s, k);                                                          \
		if (w < 0 || w >= NAME##_WAYS)                                                 \
			return NULL;                                                           \
		return &s->e[w].val;                                                           \
	}                                                                                      \
                                                                                               \
	/* The entry (key and value) by one pointer: three values live      */               \
	/* across the lock (s, e, stamp), in registers a call keeps.        */               \
	static __noinline __maybe_unused NAME##_val_t *NAME##_add_in(SET *s,                   \
								     const NAME##_entry_t *e,  \
								     __u32 stamp)              \
	{                                                                                      \
		NAME##_val_t *r = NULL;                                                        \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return NULL;                                                           \
		bpf_spin_lock(&s->lock);                                                       \
		if (NAME##_way(s, &e->key) < 0) {      /* else k was there: NULL */            \
			/* w from the branchless victim search: one unknown way */             \
			/* to the verifier, not one path per way                */             \
			w = NAME##__victim(s) & (NAME##_WAYS - 1);                             \
			s->e[w] = *e;                                                          \
			s->fp[w] = sctplb_settable_fp((const __u32 *)&e->key, NAME##_WORDS);   \
			s->stamp[w] = sctplb_settable_stamp(stamp);                            \
			r = &s->e[w].val;                                                      \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
		return r;                                                                      \
	}                                                                                      \
                                                                                               \
	static __always_inline __maybe_unused NAME##_val_t *NAME##_ref(const NAME##_key_t *k)  \
	{                                                                                      \
		return NAME##_ref_in(NAME##_set_of(k), k);                                     \
	}                                                                                      \
                                                                                               \
	static __always_inline __maybe_unused NAME##_val_t *NAME##_add(const NAME##_entry_t *e, \
								       __u32 stamp)            \
	{                                                                                      \
		return NAME##_add_in(NAME##_set_of(&e->key), e, stamp);                        \
	}

#endif
