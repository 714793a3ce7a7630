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
 *   bool NAME_find(const K *k, V *out)
 *	true with *out a copy of k's value, read under the set's lock.
 *   void NAME_put(const K *k, const V *v, __u32 stamp)
 *	k -> *v, stamped stamp (sctplb_stamp(now)): k's way, else an empty
 *	way, else the oldest.
 *   bool NAME_delete(const K *k)
 *	true if k was there.
 *   SETTABLE_EDIT(NAME, k, v, body)
 *	a statement: with k present, body runs under the set's lock with
 *	V *v pointing at its value, to change fields in place (no helper
 *	call, no return in body: the lock is held).
 *   V *NAME_ref(const K *k)
 *	k's value in place, found without the lock, or NULL: for a value the
 *	datapath updates on every packet without a lock (an association's
 *	stamps).  Another CPU's put may rewrite the way under the caller, as a
 *	BPF LRU element can be recycled under a reader.
 *   V *NAME_add(const K *k, const V *v, __u32 stamp)
 *	k -> *v unless k is there (BPF_NOEXIST): the new value in place, or
 *	NULL if k was there (NAME_ref finds it) or the set cannot be had.
 *
 *   SETTABLE_DEFINE_AGED(NAME, MAP, SET, AGE)
 *	the same functions, with the victim of a full set (put, add) the way
 *	of the least AGE(s, i), an unsigned of set s's way i: 0 for an empty
 *	way, never 0 for a used one (e.g. its value's own last-use stamp + 1:
 *	assocs_pending), not the oldest stamp.  SETTABLE_DEFINE is
 *	SETTABLE_DEFINE_AGED with SETTABLE_AGE_STAMP.  AGE is best free of
 *	branches (sctplb_settable_used): each one doubles the paths the
 *	verifier walks through the ways.
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

/* The default age of a way: when it was written (0: empty). */
#define SETTABLE_AGE_STAMP(s, i) ((__u32)(s)->stamp[i])

/* All ones if way i of set s is used, 0 if it is empty; without a branch. */
#define sctplb_settable_used(s, i)                                                             \
	(-(__u64)((((s)->stamp[i] | (0u - (s)->stamp[i])) >> 31) & 1))

#define SETTABLE_DEFINE(NAME, MAP, SET) SETTABLE_DEFINE_AGED(NAME, MAP, SET, SETTABLE_AGE_STAMP)

#define SETTABLE_DEFINE_AGED(NAME, MAP, SET, AGE)                                              \
	typedef typeof(((SET *)0)->e[0].key) NAME##_key_t;                                     \
	typedef typeof(((SET *)0)->e[0].val) NAME##_val_t;                                     \
	enum { NAME##_WAYS = sizeof(((SET *)0)->stamp) / sizeof(__u32),                        \
	       NAME##_WORDS = sizeof(NAME##_key_t) / sizeof(__u32) };                         \
	_Static_assert(sizeof(NAME##_key_t) % sizeof(__u32) == 0,                              \
		       #NAME ": keys are compared as 32-bit words");                             \
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
		__u32 diff;                                                                    \
		int i, j;                                                                      \
                                                                                               \
		_Pragma("unroll") for (i = 0; i < NAME##_WAYS; i++) {                          \
			if (!s->stamp[i])                                                      \
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
	/* The way a new key takes, with the set's lock held: an empty way, */                \
	/* else the least AGE (the first of equals).  A loop, not unrolled: */                \
	/* WAYS ages live in registers otherwise, and spill to the stack.   */                \
	static __always_inline int NAME##_victim(const SET *s)                                 \
	{                                                                                      \
		typeof(AGE(s, 0)) least = ~(typeof(AGE(s, 0)))0, age;                          \
		int i, w = 0;                                                                  \
                                                                                               \
		_Pragma("nounroll") for (i = 0; i < NAME##_WAYS; i++) {                        \
			age = AGE(s, i);                                                       \
			if (age < least) {                                                     \
				least = age;                                                   \
				w = i;                                                         \
			}                                                                      \
		}                                                                              \
		return w;                                                                      \
	}                                                                                      \
                                                                                               \
	/* find, put and delete are not inlined: the hash's and the copies' */              \
	/* spills stay in their own small frames, off the stack of the      */              \
	/* program that calls them (512 bytes over all frames).             */              \
	static __noinline __maybe_unused bool NAME##_find(const NAME##_key_t *k, NAME##_val_t *out)      \
	{                                                                                      \
		SET *s = NAME##_set(k);                                                        \
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
	static __noinline __maybe_unused void NAME##_put(const NAME##_key_t *k, const NAME##_val_t *v,   \
					       __u32 stamp)                                    \
	{                                                                                      \
		SET *s = NAME##_set(k);                                                        \
		__u32 st = sctplb_settable_stamp(stamp);                                       \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return;                                                                \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w < 0)                                                                     \
			w = NAME##_victim(s);                                                  \
		if (w >= 0 && w < NAME##_WAYS) {                                               \
			s->e[w].key = *k;                                                      \
			s->e[w].val = *v;                                                      \
			s->stamp[w] = st;                                                      \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_delete(const NAME##_key_t *k)                       \
	{                                                                                      \
		SET *s = NAME##_set(k);                                                        \
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
	static __noinline __maybe_unused NAME##_val_t *NAME##_ref(const NAME##_key_t *k)       \
	{                                                                                      \
		SET *s = NAME##_set(k);                                                        \
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
	static __noinline __maybe_unused NAME##_val_t *NAME##_add(const NAME##_key_t *k,       \
								  const NAME##_val_t *v,       \
								  __u32 stamp)                 \
	{                                                                                      \
		SET *s = NAME##_set(k);                                                        \
		__u32 st = sctplb_settable_stamp(stamp);                                       \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return NULL;                                                           \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w < 0) {                                                                   \
			w = NAME##_victim(s);                                                  \
			if (w >= 0 && w < NAME##_WAYS) {                                       \
				s->e[w].key = *k;                                              \
				s->e[w].val = *v;                                              \
				s->stamp[w] = st;                                              \
			}                                                                      \
		} else {                                                                       \
			w = -1;         /* k was there */                                      \
		}                                                                              \
		bpf_spin_unlock(&s->lock);                                                     \
		if (w < 0 || w >= NAME##_WAYS)                                                 \
			return NULL;                                                           \
		return &s->e[w].val;                                                           \
	}

#define SETTABLE_EDIT(NAME, k, v, body)                                                        \
	do {                                                                                   \
		typeof(NAME##_set(k)) s_ = NAME##_set(k);                                      \
		int w_;                                                                        \
                                                                                               \
		if (s_) {                                                                      \
			bpf_spin_lock(&s_->lock);                                              \
			w_ = NAME##_way(s_, k);                                                \
			if (w_ >= 0 && w_ < NAME##_WAYS) {                                     \
				NAME##_val_t *v = &s_->e[w_].val;                              \
				body                                                           \
			}                                                                      \
			bpf_spin_unlock(&s_->lock);                                            \
		}                                                                              \
	} while (0)

#endif
