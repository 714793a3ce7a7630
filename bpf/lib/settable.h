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
 *   SETTABLE_DEFINE_KEEP_HOLD(NAME, MAP, SET, KEEP, HOLD)
 *	the same, and NAME_held_in (below) with HOLD(const K *k, const V *old,
 *	const V *v) (not 0: k's entry old, a copy NAME_look made, is not to
 *	give way to v; it may call helpers).
 *   SETTABLE_DEFINE_RANK(NAME, MAP, SET, RANK)
 *	the same, with the victim of a full set the way of the least
 *	RANK(s, i), a __u64 in [1, 2^63) of set s's used way i, best without a
 *	branch (the default: settable_rank_keep, KEEP << 32 | stamp; the
 *	unconfirmed associations: their own last-use stamp, bpf/lib/lb.h).
 *
 *   bool NAME_find(const K *k, V *out)
 *	true with *out a copy of k's value, read without the set's lock and
 *	checked by its sequence count (below); *out is undefined when false.
 *   void NAME_put(const K *k, const V *v, __u32 stamp)
 *	k -> *v, stamped stamp (sctplb_stamp(now)): k's way, else an empty
 *	way, else the oldest not kept (KEEP), else the oldest.
 *   void NAME_put_spare(const K *k, const V *v)
 *	k -> *v in a spare way only: k's own (left as it is if it holds *v)
 *	or an empty one; never evicts.  Stamped 1, older than any put's stamp,
 *	so that the next put into a full set takes it first: an entry the
 *	table keeps while it has room, and gives up before any other.
 *   bool NAME_held_in(SET *s, const K *k, const V *v)
 *	(SETTABLE_DEFINE_KEEP_HOLD) k's entry holds against a put of v
 *	(HOLD), read without the lock as NAME_look (a look that met a writer
 *	every time answers no); a put of k's key by another CPU between this
 *	and the caller's put is not seen.
 *   bool NAME_delete(const K *k)
 *	true if k was there.
 *   V *NAME_ref(const K *k)
 *	k's value in place, found without the lock, or NULL: for a value the
 *	datapath updates on every packet without a lock (an association's
 *	stamps).  Another CPU's put may rewrite the way under the caller, as a
 *	BPF LRU element can be recycled under a reader.
 *   V *NAME_refresh_in(SET *s, const K *k, __u32 stamp)
 *	as NAME_ref_in, k's way stamped stamp too, without the lock: a
 *	refresh in place of an entry the caller finds unchanged but its time.
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
 *   int NAME_delete_judged_in(SET *s, const K *k, const V *expect)
 *	that delete (expect NULL: whatever the value), and what it found: 1
 *	gone, 0 not there, -1 there but changed since (kept).
 *
 * A table of two candidate sets a key (include/sctplb_settable.h
 * sctplb_settable_index2; client_index) is used through these alone:
 *
 *   bool NAME_find2(const K *k, V *out)
 *	k's entry in its first set, else in its second.
 *   void NAME_put2(const K *k, const V *v, __u32 stamp)
 *   void NAME_put_spare2(const K *k, const V *v)
 *	as NAME_put and NAME_put_spare, in the set that holds k, else the
 *	one with more empty ways (the first of equals), else the one whose
 *	victim (RANK) is the lesser; which set holds k is seen without the
 *	locks, so two CPUs putting one new key at once may each put it in
 *	another set: finds then read the first set's, and a delete takes both.
 *   int NAME_delete_judged2(const K *k, const V *expect)
 *	NAME_delete_judged_in in both sets: 1 if either had it and it went.
 *
 * The set of a key costs a SipHash (~30 ns in BPF: no rotate instruction);
 * several accesses to one key take it once:
 *
 *   SET *NAME_set(const K *k)                   the set of k (NULL: none)
 *   SET *NAME_set_of_idx(const K *k, __u32 *i)  the same, from a frame of its
 *                                               own, and its index (*i)
 *   SET *NAME_set_at(__u32 i)                   the set of index i (an entry
 *                                               may name another's set)
 *   bool NAME_find_in(SET *s, const K *k, V *out)
 *   void NAME_put_in(SET *s, const K *k, const V *v, __u32 stamp)
 *   bool NAME_delete_in(SET *s, const K *k)
 *	as above, s = NAME_set(k) (NULL: a miss, nothing put).
 *
 * k must point to the stack or to a map value (32-bit aligned); K's padding
 * must be zeroed (keys are compared as 32-bit words).
 *
 * Lock-free finds (the seqcount, include/sctplb_settable.h).  Every write
 * under the lock (put, add, replace, delete) makes the set's seq odd before
 * it writes and even after.  A find reads seq, looks for the key's way,
 * copies its value and reads seq again: the copy stands if seq was even and
 * has not moved, else the find looks again, SETTABLE_FIND_TRIES times at
 * most, then takes the lock (a writer inside holds it: the locked find
 * waits for it; no reader can spin on a writer that never ends).  Ordering:
 * seq is read and written through volatile accesses with compiler barriers
 * (asm volatile("" ::: "memory")) between seq and the data, so the compiler
 * keeps program order; the x86-64 JIT emits the program's loads and stores
 * in order, and x86 is TSO (loads are not reordered with loads, stores not
 * with stores), which is all a seqcount needs there.  arm64 reorders both:
 * there the reader's second load of seq needs a load-acquire of the data
 * before it (smp_rmb) and the writer's stores a store-release (smp_wmb):
 * BPF's load-acquire/store-release instructions (kernel 6.15+, clang 21,
 * __atomic_load_n(p, __ATOMIC_ACQUIRE)); this tree's clang 19 has none, so
 * on arm64 SETTABLE_LOCKED_FIND must be defined (every find then takes the
 * lock, as before).  A value written in place without the lock (NAME_ref)
 * does not move seq: each of its fields is one aligned store, read whole.
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
static __always_inline void *settable_set_idx(void *map, const void *k, int nwords, __u32 *idx)
{
	struct sctplb_config *cfg;
	__u32 zero = 0, i;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (!cfg)
		return NULL;
	i = sctplb_settable_index(cfg->settable_key, k, nwords, SETTABLE_MAX_ENTRIES(map));
	*idx = i;
	return bpf_map_lookup_elem(map, &i);
}

/* A table of two candidate sets a key (sctplb_settable_index2): the first
 * set, and the second in *s2 (NULL when it is the first, or none). */
static __always_inline void *settable_sets2(void *map, const void *k, int nwords, void **s2)
{
	struct sctplb_config *cfg;
	__u32 zero = 0, i1, i2;

	*s2 = NULL;
	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (!cfg)
		return NULL;
	i1 = sctplb_settable_index2(cfg->settable_key, k, nwords, SETTABLE_MAX_ENTRIES(map), &i2);
	if (i2 != i1)
		*s2 = bpf_map_lookup_elem(map, &i2);
	return bpf_map_lookup_elem(map, &i1);
}

static __always_inline void *settable_set(void *map, const void *k, int nwords)
{
	__u32 i;

	return settable_set_idx(map, k, nwords, &i);
}

/*
 * Loads one byte of every cache line of a set and throws it away.  BPF has no
 * prefetch instruction; issued back to back before the work that precedes
 * the sets' use, such loads miss together, so the CPU waits for memory once
 * where it would wait once per set, line after line (a cold set of a table
 * far larger than the caches costs a DRAM read and a page walk).
 */
static __always_inline void settable_touch(const void *set, __u32 size)
{
	const volatile __u8 *b = set;
	__u32 off;
	__u8 v;

	/* The lock's 4 bytes may not be read; a set is 8-byte aligned, so
	 * byte 4 is in the lock's line. */
	_Pragma("unroll") for (off = 4; off < size; off += 64) {
		v = b[off];
		asm volatile("" : : "r"(v));
	}
	v = b[size - 1];
	asm volatile("" : : "r"(v));
}
#define SETTABLE_TOUCH(set) settable_touch((set), sizeof(*(set)))

/* Lock-free looks before a find takes the lock (above). */
#ifndef SETTABLE_FIND_TRIES
#define SETTABLE_FIND_TRIES 2
#endif
#if defined(__TARGET_ARCH_arm64) && !defined(SETTABLE_LOCKED_FIND)
#error "settable.h: lock-free finds need BPF load-acquire on arm64: define SETTABLE_LOCKED_FIND"
#endif

#ifdef SETTABLE_LOCKED_FIND
#define SETTABLE_LOCKED 1
#else
#define SETTABLE_LOCKED 0
#endif

#define settable_barrier() asm volatile("" ::: "memory")

/* The set's seqcount, read (and written) once, where the code says. */
static __always_inline __u32 settable_seq(const __u32 *seq)
{
	return *(const volatile __u32 *)seq;
}

/* A writer, the set's lock held: seq odd while it writes. */
static __always_inline void settable_write_begin(__u32 *seq)
{
	*(volatile __u32 *)seq = SCTPLB_SETTABLE_SEQ_BUSY(settable_seq(seq));
	settable_barrier();
}

static __always_inline void settable_write_end(__u32 *seq)
{
	settable_barrier();
	*(volatile __u32 *)seq = SCTPLB_SETTABLE_SEQ_DONE(settable_seq(seq));
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

#define SETTABLE_DEFINE_KEEP_HOLD(NAME, MAP, SET, KEEP, HOLD)                                  \
	SETTABLE_DEFINE_KEEP(NAME, MAP, SET, KEEP)                                             \
                                                                                               \
	/* 1 if k's entry, by NAME_look, holds against v (HOLD), 0 if not  */             \
	/* (no entry, or a writer inside the set every time).  Global:     */             \
	/* checked once, not at each call (the guard under the lock, at   */             \
	/* each put's call site in a bpf_loop callback, was past the       */             \
	/* verifier's budget; as a global put, past the tc program's 512   */             \
	/* bytes of stack).                                                */             \
	__noinline int NAME##_held(struct NAME##_nolock *u, const NAME##_key_t *k,            \
				   const NAME##_val_t *v)                                       \
	{                                                                                      \
		NAME##_val_t old;                                                              \
                                                                                               \
		if (!u || !k || !v || NAME##_look(u, k, &old) <= 0)                            \
			return 0;                                                              \
		return HOLD(k, &old, v);                                                       \
	}                                                                                      \
                                                                                               \
	static __always_inline __maybe_unused bool NAME##_held_in(SET *s,                      \
								  const NAME##_key_t *k,       \
								  const NAME##_val_t *v)       \
	{                                                                                      \
		return s && NAME##_held((void *)s->fp, k, v);                                  \
	}

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
	/* The set but its lock, for the global functions' arguments. */                     \
	struct NAME##_nolock {                                                                 \
		__u8 b[sizeof(SET) - __builtin_offsetof(SET, fp)];                             \
	};                                                                                     \
	static __always_inline SET *NAME##_of_nolock(struct NAME##_nolock *u)                  \
	{                                                                                      \
		return (SET *)((char *)u - __builtin_offsetof(SET, fp));                       \
	}                                                                                      \
                                                                                               \
	static __always_inline SET *NAME##_set(const NAME##_key_t *k)                               \
	{                                                                                      \
		return settable_set(&MAP, k, NAME##_WORDS);                                    \
	}                                                                                      \
                                                                                               \
	/* The way holding k, or -1; with the set's lock held, or in a  */                  \
	/* lock-free look (lean: k's words not kept in registers).      */                  \
	static __always_inline int NAME##__way(const SET *s, const NAME##_key_t *k, bool lean) \
	{                                                                                      \
		const __u32 *want = (const __u32 *)k, *have;                                   \
		__u16 fp = sctplb_settable_fp(want, NAME##_WORDS);                             \
		__u32 diff;                                                                    \
		int i, j;                                                                      \
                                                                                               \
		_Pragma("unroll") for (i = 0; i < NAME##_WAYS; i++) {                          \
			if (!s->stamp[i] || s->fp[i] != fp)                                    \
				continue;                                                      \
			/* k's words read again for each way (lean): not held  */            \
			/* in registers spilled to a stack near its 512 bytes  */            \
			if (lean)                                                              \
				asm volatile("" : "+r"(want));                                 \
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
	static __always_inline int NAME##_way(const SET *s, const NAME##_key_t *k)             \
	{                                                                                      \
		return NAME##__way(s, k, false);                                               \
	}                                                                                      \
                                                                                               \
	/* The way a new key takes, with the lock held: an empty way, else   */                \
	/* the least RANK (the first of equals).  Without a branch: the      */                \
	/* verifier would follow each way chosen, and 8 ways of choices do   */                \
	/* not fit its budget.  rank: 0 empty, else RANK; lt 1 where         */                \
	/* rank < best.  The choice is a product (w += (i - w) * lt), not a  */                \
	/* mask: the verifier forks its state at each AND or OR of a         */                \
	/* constant with a register it knows in [-1, 0] (maybe_fork_scalars; */                \
	/* kernel 6.18.44 here): i & mask at every way doubled the paths,    */                \
	/* 2^WAYS where no branch joins them (NAME__empty).                  */                \
	static __always_inline int NAME##__victim(const SET *s)                                \
	{                                                                                      \
		__u64 rank, best = ~0ull >> 1, d, lt;                                          \
		__s64 w = 0;                                                                   \
		int i;                                                                         \
                                                                                               \
		_Pragma("nounroll") for (i = 0; i < NAME##_WAYS; i++) {                        \
			rank = RANK(s, i) * settable_nz32(s->stamp[i]);                        \
			d = rank - best;                                                       \
			lt = d >> 63;                                                          \
			asm volatile("" : "+r"(lt)); /* no select: a branch */                 \
			best += d * lt;                                                        \
			w += ((__s64)i - w) * (__s64)lt;                                       \
		}                                                                              \
		return (int)w;                                                                 \
	}                                                                                      \
                                                                                               \
	/* Lock-free looks (the seqcount, above): 1 found (*out a copy), 0  */             \
	/* not there, -1 a writer was inside every time.  A global          */             \
	/* function: the verifier checks it once, not at every call (its    */             \
	/* eight ways' paths at each site of each program were too many).   */             \
	/* The verifier lets no function argument hold a bpf_spin_lock:    */             \
	/* the global functions take the set from its fp on (NAME_nolock). */             \
	__noinline int NAME##_look(struct NAME##_nolock *u, const NAME##_key_t *k,             \
				   NAME##_val_t *out)                                           \
	{                                                                                      \
		SET *s = NAME##_of_nolock(u);                                                  \
		__u32 seq;                                                                     \
		int w, n;                                                                      \
                                                                                               \
		if (!u || !k || !out)                                                          \
			return 0;                                                              \
		_Pragma("nounroll") for (n = 0; n < SETTABLE_FIND_TRIES; n++) {                \
			seq = settable_seq(&s->seq);                                           \
			if (seq & 1)                                                           \
				continue;                                                      \
			settable_barrier();                                                    \
			w = NAME##__way(s, k, true);                                           \
			if (w >= 0 && w < NAME##_WAYS)                                         \
				*out = s->e[w].val;                                            \
			settable_barrier();                                                    \
			if (settable_seq(&s->seq) == seq)                                      \
				return w >= 0;                                                 \
		}                                                                              \
		return -1;                                                                     \
	}                                                                                      \
                                                                                               \
	/* The first empty way, else NAME_WAYS, from the stamps alone,    */              \
	/* without a branch: the victim's ranks read every way's value,   */              \
	/* seven cache lines of a cold set where a way is free (the        */              \
	/* COOKIE-ECHO's unconfirmed inserts, docs/bench.md).              */              \
	static __always_inline int NAME##__empty(const SET *s)                                 \
	{                                                                                      \
		__u64 empty;                                                                   \
		__s64 w = NAME##_WAYS;                                                         \
		int i;                                                                         \
                                                                                               \
		/* a product, not a mask: no fork of the verifier's state  */                  \
		/* at each way (NAME__victim)                              */                  \
		_Pragma("unroll") for (i = NAME##_WAYS - 1; i >= 0; i--) {                     \
			empty = 1 - settable_nz32(s->stamp[i]);                                \
			asm volatile("" : "+r"(empty)); /* no select: a branch */              \
			w += ((__s64)i - w) * (__s64)empty;                                    \
		}                                                                              \
		return (int)w;                                                                 \
	}                                                                                      \
                                                                                               \
	/* The way a new key takes: an empty one, else the victim. */                         \
	static __always_inline int NAME##__slot(const SET *s)                                  \
	{                                                                                      \
		int w = NAME##__empty(s);                                                      \
                                                                                               \
		return w < NAME##_WAYS ? w : NAME##__victim(s);                                \
	}                                                                                      \
                                                                                               \
	/* The bodies; the _in variants take the set from NAME_set(k)      */              \
	/* (NULL: nothing found, nothing put), so that one hash serves     */              \
	/* several accesses to a key.                                      */              \
	static __always_inline bool NAME##__find(SET *s, const NAME##_key_t *k,     \
							     NAME##_val_t *out)                 \
	{                                                                                      \
		bool found = false;                                                            \
		int w, r;                                                                      \
                                                                                               \
		if (!s)                                                                        \
			return false;                                                          \
		if (!SETTABLE_LOCKED) {                                                        \
			r = NAME##_look((void *)s->fp, k, out);                                \
			if (r >= 0)                                                            \
				return r;                                                      \
		}                                                                              \
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
	/* Way w (none if w >= WAYS) := k -> *v, stamped st; lock held. */                 \
	static __always_inline void NAME##__write(SET *s, int w, const NAME##_key_t *k,      \
						  const NAME##_val_t *v, __u32 st)              \
	{                                                                                      \
		int i;                                                                         \
                                                                                               \
		settable_write_begin(&s->seq);                                                 \
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
		settable_write_end(&s->seq);                                                   \
	}                                                                                      \
                                                                                               \
	/* Way w holds exactly *v; lock held. */                                               \
	static __always_inline bool NAME##__holds(const SET *s, int w, const NAME##_val_t *v) \
	{                                                                                      \
		const __u32 *have = (const __u32 *)&s->e[w].val, *want = (const __u32 *)v;     \
		__u32 diff = 0;                                                                \
		int j;                                                                         \
                                                                                               \
		_Pragma("unroll") for (j = 0; j < sizeof(*v) / 4; j++)                         \
			diff |= have[j] ^ want[j];                                             \
		return !diff;                                                                  \
	}                                                                                      \
                                                                                               \
	/* A put (spare: into a spare way only, stamped 1: NAME_put_spare).  */                \
	static __always_inline void NAME##__put(SET *s, const NAME##_key_t *k,                 \
						const NAME##_val_t *v, __u32 stamp,            \
						bool spare)                                    \
	{                                                                                      \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return;                                                                \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w < 0)                                                                     \
			w = spare ? NAME##__empty(s) : NAME##__slot(s);                        \
		else if (spare && NAME##__holds(s, w, v))                                      \
			w = NAME##_WAYS; /* as it is */                                        \
		NAME##__write(s, w, k, v, spare ? 1 : sctplb_settable_stamp(stamp));           \
		bpf_spin_unlock(&s->lock);                                                     \
	}                                                                                      \
                                                                                               \
	static __always_inline bool NAME##__replace(SET *s, const NAME##_key_t *k,          \
						    const NAME##_val_t *expect,                 \
						    const NAME##_val_t *v)                      \
	{                                                                                      \
		bool done = false;                                                             \
		int w;                                                                         \
                                                                                               \
		if (!s)                                                                        \
			return false;                                                          \
		bpf_spin_lock(&s->lock);                                                       \
		w = NAME##_way(s, k);                                                          \
		if (w >= 0 && w < NAME##_WAYS) {                                               \
			if (NAME##__holds(s, w, expect)) {                                     \
				settable_write_begin(&s->seq);                                 \
				if (v)                                                         \
					s->e[w].val = *v;                                      \
				else                                                           \
					s->stamp[w] = 0; /* v NULL: delete */                  \
				settable_write_end(&s->seq);                                   \
				done = true;                                                   \
			}                                                                      \
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
			settable_write_begin(&s->seq);                                         \
			s->stamp[w] = 0;                                                       \
			settable_write_end(&s->seq);                                           \
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
		NAME##__put(s, k, v, stamp, false);                                            \
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
		NAME##__put(NAME##_set(k), k, v, stamp, false);                                \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused void NAME##_put_spare(const NAME##_key_t *k,           \
							       const NAME##_val_t *v)           \
	{                                                                                      \
		NAME##__put(NAME##_set(k), k, v, 0, true);                                     \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_delete(const NAME##_key_t *k)              \
	{                                                                                      \
		return NAME##__delete(NAME##_set(k), k);                                       \
	}                                                                                      \
                                                                                               \
	/* Two candidate sets a key (above): s1 and s2 from one SipHash.  */                \
	static __always_inline SET *NAME##_sets2(const NAME##_key_t *k, SET **s2)              \
	{                                                                                      \
		return settable_sets2(&MAP, k, NAME##_WORDS, (void **)s2);                     \
	}                                                                                      \
                                                                                               \
	/* The empty ways of s, read without the lock, without a branch. */                  \
	static __always_inline __u32 NAME##__free(const SET *s)                                \
	{                                                                                      \
		__u32 n = 0;                                                                   \
		int i;                                                                         \
                                                                                               \
		_Pragma("unroll") for (i = 0; i < NAME##_WAYS; i++)                            \
			n += 1 - (__u32)settable_nz32(s->stamp[i]);                            \
		return n;                                                                      \
	}                                                                                      \
                                                                                               \
	/* The least RANK of a full set (its victim's), without a branch. */                 \
	static __always_inline __u64 NAME##__least(const SET *s)                               \
	{                                                                                      \
		__u64 best = ~0ull >> 1, d;                                                    \
		int i;                                                                         \
                                                                                               \
		_Pragma("nounroll") for (i = 0; i < NAME##_WAYS; i++) {                        \
			d = RANK(s, i) - best;                                                 \
			best += d * (d >> 63);                                                 \
		}                                                                              \
		return best;                                                                   \
	}                                                                                      \
                                                                                               \
	/* The set of two (s2 not NULL) a key not in either goes to: the    */              \
	/* emptier, else (both full; not for a spare, which never evicts)   */              \
	/* the one whose victim ranks lower; s1 of equals.                  */              \
	static __always_inline SET *NAME##__pick2(SET *s1, SET *s2, bool spare)                \
	{                                                                                      \
		__u32 f1 = NAME##__free(s1), f2 = NAME##__free(s2);                            \
                                                                                               \
		if (f1 != f2)                                                                  \
			return f1 > f2 ? s1 : s2;                                              \
		if (f1 || spare)                                                               \
			return s1;                                                             \
		return NAME##__least(s1) <= NAME##__least(s2) ? s1 : s2;                       \
	}                                                                                      \
                                                                                               \
	/* Whether s holds k, seen without the lock or the seqcount: a put  */              \
	/* chooses its set by it (above), then finds k's way under the lock. */              \
	static __always_inline bool NAME##__has(const SET *s, const NAME##_key_t *k)           \
	{                                                                                      \
		return NAME##__way(s, k, true) >= 0;                                           \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused bool NAME##_find2(const NAME##_key_t *k,              \
							   NAME##_val_t *out)                   \
	{                                                                                      \
		SET *s2, *s1 = NAME##_sets2(k, &s2);                                           \
                                                                                               \
		if (!s1)                                                                       \
			return false;                                                          \
		/* both sets' misses at once, not one after the other */                      \
		SETTABLE_TOUCH(s1);                                                            \
		if (s2)                                                                        \
			SETTABLE_TOUCH(s2);                                                    \
		return NAME##__find(s1, k, out) || (s2 && NAME##__find(s2, k, out));           \
	}                                                                                      \
                                                                                               \
	static __always_inline void NAME##__put2(const NAME##_key_t *k, const NAME##_val_t *v, \
						 __u32 stamp, bool spare)                      \
	{                                                                                      \
		SET *s2, *s1 = NAME##_sets2(k, &s2), *s;                                       \
                                                                                               \
		if (!s1)                                                                       \
			return;                                                                \
		if (!s2 || NAME##__has(s1, k))                                                 \
			s = s1;                                                                \
		else if (NAME##__has(s2, k))                                                   \
			s = s2;                                                                \
		else                                                                           \
			s = NAME##__pick2(s1, s2, spare);                                      \
		NAME##__put(s, k, v, stamp, spare);                                            \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused void NAME##_put2(const NAME##_key_t *k,               \
							  const NAME##_val_t *v, __u32 stamp)   \
	{                                                                                      \
		NAME##__put2(k, v, stamp, false);                                              \
	}                                                                                      \
                                                                                               \
	static __noinline __maybe_unused void NAME##_put_spare2(const NAME##_key_t *k,         \
								const NAME##_val_t *v)          \
	{                                                                                      \
		NAME##__put2(k, v, 0, true);                                                   \
	}                                                                                      \
                                                                                               \
	/* The set of k from a frame of its own: the hash's spills off the  */              \
	/* caller's stack, for callers deep in a program.                    */              \
	static __noinline __maybe_unused SET *NAME##_set_of(const NAME##_key_t *k)             \
	{                                                                                      \
		return NAME##_set(k);                                                          \
	}                                                                                      \
	/* The same, and its index (*idx): another entry may name the set. */               \
	static __noinline __maybe_unused SET *NAME##_set_of_idx(const NAME##_key_t *k,       \
								 __u32 *idx)                  \
	{                                                                                      \
		*idx = 0;                                                                      \
		return settable_set_idx(&MAP, k, NAME##_WORDS, idx);                           \
	}                                                                                      \
	/* The set of index idx (one a NAME_set_of_idx gave), or NULL. */                    \
	static __always_inline __maybe_unused SET *NAME##_set_at(__u32 idx)                   \
	{                                                                                      \
		return bpf_map_lookup_elem(&MAP, &idx);                                        \
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
	/* User space's delete (the control program sctplb_table_delete):  */                  \
	/* k's entry goes, only while its value equals *expect (NULL: any);  */                \
	/* 1 gone, 0 not there, -1 there but changed since (kept).  */                         \
	static __always_inline __maybe_unused int NAME##_delete_judged_in(SET *s,              \
				const NAME##_key_t *k, const NAME##_val_t *expect)             \
	{                                                                                      \
		if (expect ? NAME##_delete_if_in(s, k, expect) : NAME##_delete_in(s, k))       \
			return 1;                                                              \
		return NAME##_ref_in(s, k) ? -1 : 0;                                           \
	}                                                                                      \
                                                                                               \
	static __always_inline __maybe_unused int NAME##_delete_judged2(const NAME##_key_t *k, \
				const NAME##_val_t *expect)                                     \
	{                                                                                      \
		SET *s2, *s1 = NAME##_sets2(k, &s2);                                           \
		int r1, r2 = 0;                                                                \
                                                                                               \
		if (!s1)                                                                       \
			return 0;                                                              \
		r1 = NAME##_delete_judged_in(s1, k, expect);                                   \
		if (s2)                                                                        \
			r2 = NAME##_delete_judged_in(s2, k, expect);                           \
		return r1 > 0 || r2 > 0 ? 1 : r1 < 0 || r2 < 0 ? -1 : 0;                       \
	}                                                                                      \
                                                                                               \
	/* k's value in place, its way's stamp made stamp, found and      */              \
	/* written without the lock (a refresh: an LRU's in-place update). */              \
	/* A put of another key that takes the way meanwhile gets this      */              \
	/* stamp, which is its own within a tick.                          */              \
	/* (Global, checked once: the way, or -1.) */                                         \
	__noinline int NAME##__refresh(struct NAME##_nolock *u, const NAME##_key_t *k,         \
				       __u32 stamp)                                             \
	{                                                                                      \
		SET *s = NAME##_of_nolock(u);                                                  \
		int w;                                                                         \
                                                                                               \
		if (!u || !k)                                                                  \
			return -1;                                                             \
		w = NAME##__way(s, k, true);                                                   \
		if (w < 0 || w >= NAME##_WAYS)                                                 \
			return -1;                                                             \
		s->stamp[w] = sctplb_settable_stamp(stamp);                                    \
		return w;                                                                      \
	}                                                                                      \
                                                                                               \
	static __always_inline __maybe_unused NAME##_val_t *NAME##_refresh_in(SET *s,          \
									      const NAME##_key_t *k, \
									      __u32 stamp)     \
	{                                                                                      \
		int w = s ? NAME##__refresh((void *)s->fp, k, stamp) : -1;                     \
                                                                                               \
		/* one unknown way to the verifier, not one path per way */                   \
		return s && w >= 0 ? &s->e[w & (NAME##_WAYS - 1)].val : NULL;                  \
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
			w = NAME##__slot(s) & (NAME##_WAYS - 1);                               \
			settable_write_begin(&s->seq);                                         \
			s->e[w] = *e;                                                          \
			s->fp[w] = sctplb_settable_fp((const __u32 *)&e->key, NAME##_WORDS);   \
			s->stamp[w] = sctplb_settable_stamp(stamp);                            \
			settable_write_end(&s->seq);                                           \
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
