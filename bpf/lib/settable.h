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

#define SETTABLE_DEFINE(NAME, MAP, SET)                                                        \
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
		__u32 st = sctplb_settable_stamp(stamp), oldest = 0xffffffff;                  \
		int w, i;                                                                      \
                                                                                               \
		if (!s)                                                                        \
			return;                                                                \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w < 0) {                                                                   \
			/* An empty way, else the oldest (the first of equals); */             \
			/* a loop, not unrolled: WAYS stamps live in registers   */             \
			/* otherwise, and spill to the stack.                     */             \
			_Pragma("nounroll") for (i = 0; i < NAME##_WAYS; i++) {                \
				if (s->stamp[i] < oldest) {                                    \
					oldest = s->stamp[i];                                  \
					w = i;                                                 \
				}                                                              \
			}                                                                      \
		}                                                                              \
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
