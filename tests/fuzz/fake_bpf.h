/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fake_bpf.h: libbpf's bpf_helpers.h for the datapath compiled as user-space
 * C (the fuzzers).  The map-definition macros keep the key, value and
 * max_entries types of every `struct {...} name SEC(".maps")` so that a
 * fuzzer registers each map with FAKE_MAP(name, cap), and the helpers work
 * on small in-memory maps found by the map object's address.
 *
 * Faithful where it matters for memory safety:
 *  - every value (array slot or hash element) is its own heap block of
 *    exactly value_size bytes: ASan sees a write past a value;
 *  - a hash element that is replaced, deleted or evicted is poisoned (as the
 *    kernel recycles it: a pointer kept across an update is stale), and
 *    freed only when the fuzzer resets the maps;
 *  - hash maps refuse a new key when full (-E2BIG), LRU maps evict the least
 *    recently used element; BPF_NOEXIST/BPF_EXIST as the kernel.
 * Per-CPU maps have one CPU.  An unregistered map aborts: register it.
 */
#ifndef FUZZ_FAKE_BPF_H
#define FUZZ_FAKE_BPF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#define SEC(name)
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define __weak __attribute__((weak))
#define __hidden
#define __ksym
#define __kconfig
#define bpf_printk(fmt, ...) ((void)0)
#define barrier() asm volatile("" ::: "memory")
#define barrier_var(v) asm volatile("" : "+r"(v))

#define FAKE_E2BIG  (-7)
#define FAKE_ENOENT (-2)
#define FAKE_EEXIST (-17)
#define FAKE_EINVAL (-22)

struct fake_entry {
	void *key;
	void *value;
	unsigned long long stamp;       /* LRU: last use */
};

struct fake_map {
	const void *obj;
	const char *name;
	int type;
	unsigned int ksz, vsz, max;
	unsigned int n;                 /* hash: entries used */
	struct fake_entry *e;           /* hash: e[0..n); array: e[idx].value */
};

#define FAKE_MAX_MAPS 48
#define FAKE_MAX_RETIRED 4096
static struct fake_map fake_maps[FAKE_MAX_MAPS];
static int fake_nmaps;
static unsigned long long fake_tick, fake_now_ns = 1000000000ull;
static struct { void *p; size_t n; } fake_retired[FAKE_MAX_RETIRED];
static unsigned int fake_nretired;

static inline struct fake_map *fake_find(const void *obj)
{
	int i;

	for (i = 0; i < fake_nmaps; i++)
		if (fake_maps[i].obj == obj)
			return &fake_maps[i];
	fprintf(stderr, "fake_bpf: map object %p is not registered (FAKE_MAP it)\n", obj);
	abort();
}

static inline int fake_is_hash(int type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LPM_TRIE; /* updates and deletes by exact key */
}

static inline int fake_is_lru(int type)
{
	return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* cap: 0 = the map's max_entries; otherwise a smaller table for the fuzzer. */
static inline struct fake_map *fake_map_register(const void *obj, const char *name, int type,
						 unsigned int ksz, unsigned int vsz,
						 unsigned int max, unsigned int cap)
{
	struct fake_map *m;

	if (fake_nmaps == FAKE_MAX_MAPS)
		abort();
	m = &fake_maps[fake_nmaps++];
	m->obj = obj;
	m->name = name;
	m->type = type;
	m->ksz = ksz;
	m->vsz = vsz;
	m->max = cap && cap < max ? cap : max;
	m->e = calloc(m->max, sizeof(*m->e));
	if (!m->e)
		abort();
	return m;
}

#define FAKE_NELEM(field) (sizeof(*(field)) / sizeof(int))
#define FAKE_MAP(m, cap) fake_map_register(&(m), #m, FAKE_NELEM((m).type), sizeof(*(m).key), \
					   sizeof(*(m).value), FAKE_NELEM((m).max_entries), (cap))
/* A map of maps: the value is the inner map's address. */
#define FAKE_MAP_OF_MAPS(m) fake_map_register(&(m), #m, FAKE_NELEM((m).type), sizeof(*(m).key), \
					      sizeof(void *), FAKE_NELEM((m).max_entries), 0)

static inline void fake_retire(void *p, size_t n)
{
	if (!p)
		return;
	if (fake_nretired == FAKE_MAX_RETIRED) {
		free(p);
		return;
	}
	ASAN_POISON_MEMORY_REGION(p, n);
	fake_retired[fake_nretired].p = p;
	fake_retired[fake_nretired++].n = n;
}

static inline void *fake_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

static inline struct fake_entry *fake_hash_find(struct fake_map *m, const void *key)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (!memcmp(m->e[i].key, key, m->ksz))
			return &m->e[i];
	return NULL;
}

static inline void fake_hash_remove(struct fake_map *m, struct fake_entry *e)
{
	fake_retire(e->key, m->ksz);
	fake_retire(e->value, m->vsz);
	*e = m->e[--m->n];
	memset(&m->e[m->n], 0, sizeof(m->e[m->n]));
}

static inline void *fake_array_slot(struct fake_map *m, unsigned int idx)
{
	if (!m->e[idx].value)
		m->e[idx].value = fake_alloc(m->vsz);
	return m->e[idx].value;
}

static inline void *bpf_map_lookup_elem(void *map, const void *key)
{
	struct fake_map *m = fake_find(map);
	struct fake_entry *e;
	unsigned int idx;

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&idx, key, sizeof(idx));
		return idx < m->max ? fake_array_slot(m, idx) : NULL;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		memcpy(&idx, key, sizeof(idx));
		return idx < m->max && m->e[idx].value ? *(void **)m->e[idx].value : NULL;
	case BPF_MAP_TYPE_LPM_TRIE: {
		/* The longest entry whose prefix (u32 length, then data bits from the
		 * first byte) covers the key's: the kernel's answer. */
		const unsigned char *kd = (const unsigned char *)key + 4;
		unsigned int klen, best = 0, i, b;
		struct fake_entry *found = NULL;

		memcpy(&klen, key, 4);
		for (i = 0; i < m->n; i++) {
			const unsigned char *ed = (const unsigned char *)m->e[i].key + 4;
			unsigned int elen;

			memcpy(&elen, m->e[i].key, 4);
			if (elen > klen || (found && elen <= best))
				continue;
			for (b = 0; b < elen; b++)
				if ((kd[b / 8] ^ ed[b / 8]) & (0x80 >> (b % 8)))
					break;
			if (b == elen) {
				found = &m->e[i];
				best = elen;
			}
		}
		return found ? found->value : NULL;
	}
	default:
		if (!fake_is_hash(m->type))
			abort();
		e = fake_hash_find(m, key);
		if (!e)
			return NULL;
		e->stamp = ++fake_tick;
		return e->value;
	}
}

static inline long bpf_map_update_elem(void *map, const void *key, const void *value,
				       __u64 flags)
{
	struct fake_map *m = fake_find(map);
	struct fake_entry *e;
	unsigned int idx, i, lru;
	void *v;

	if (flags > BPF_EXIST)
		return FAKE_EINVAL;
	if (!fake_is_hash(m->type)) {
		if (m->type != BPF_MAP_TYPE_ARRAY && m->type != BPF_MAP_TYPE_PERCPU_ARRAY)
			return FAKE_EINVAL; /* maps of maps: user space only */
		memcpy(&idx, key, sizeof(idx));
		if (idx >= m->max)
			return FAKE_E2BIG;
		if (flags == BPF_NOEXIST)
			return FAKE_EEXIST;
		memcpy(fake_array_slot(m, idx), value, m->vsz);
		return 0;
	}
	e = fake_hash_find(m, key);
	if (e) {
		if (flags == BPF_NOEXIST)
			return FAKE_EEXIST;
		/* The kernel puts a new element in place of the old one. */
		v = fake_alloc(m->vsz);
		memcpy(v, value, m->vsz);
		fake_retire(e->value, m->vsz);
		e->value = v;
		e->stamp = ++fake_tick;
		return 0;
	}
	if (flags == BPF_EXIST)
		return FAKE_ENOENT;
	if (m->n == m->max) {
		if (!fake_is_lru(m->type))
			return FAKE_E2BIG;
		for (lru = 0, i = 1; i < m->n; i++)
			if (m->e[i].stamp < m->e[lru].stamp)
				lru = i;
		fake_hash_remove(m, &m->e[lru]);
	}
	e = &m->e[m->n++];
	e->key = fake_alloc(m->ksz);
	memcpy(e->key, key, m->ksz);
	e->value = fake_alloc(m->vsz);
	memcpy(e->value, value, m->vsz);
	e->stamp = ++fake_tick;
	return 0;
}

static inline long bpf_map_delete_elem(void *map, const void *key)
{
	struct fake_map *m = fake_find(map);
	struct fake_entry *e;

	if (!fake_is_hash(m->type))
		return FAKE_EINVAL;
	e = fake_hash_find(m, key);
	if (!e)
		return FAKE_ENOENT;
	fake_hash_remove(m, e);
	return 0;
}

/* User space: the inner map of a map of maps (NULL empties the slot). */
static inline void fake_set_inner(void *outer, unsigned int idx, void *inner)
{
	struct fake_map *m = fake_find(outer);

	if (idx >= m->max)
		abort();
	*(void **)fake_array_slot(m, idx) = inner;
}

/* Empties a hash map, zeroes an array: the state between two inputs. */
static inline void fake_map_clear(void *map)
{
	struct fake_map *m = fake_find(map);
	unsigned int i;

	if (fake_is_hash(m->type)) {
		while (m->n)
			fake_hash_remove(m, &m->e[0]);
		return;
	}
	for (i = 0; i < m->max; i++)
		if (m->e[i].value)
			memset(m->e[i].value, 0, m->vsz);
}

/* Frees what was retired (poisoned) since the last call. */
static inline void fake_release_retired(void)
{
	unsigned int i;

	for (i = 0; i < fake_nretired; i++) {
		ASAN_UNPOISON_MEMORY_REGION(fake_retired[i].p, fake_retired[i].n);
		free(fake_retired[i].p);
	}
	fake_nretired = 0;
}

/* Visits every element of a hash map (for invariant checks). */
static inline unsigned int fake_map_count(void *map)
{
	return fake_find(map)->n;
}

static inline struct fake_entry *fake_map_entry(void *map, unsigned int i)
{
	struct fake_map *m = fake_find(map);

	return i < m->n ? &m->e[i] : NULL;
}

/* ---- helpers ---- */

static inline long bpf_loop(__u32 nr_loops, long (*cb)(__u64 i, void *ctx), void *ctx,
			    __u64 flags)
{
	__u64 i;

	if (flags || nr_loops > (1u << 23))
		return FAKE_E2BIG;
	for (i = 0; i < nr_loops; i++)
		if (cb(i, ctx))
			return i + 1;
	return i;
}

static inline __u64 bpf_ktime_get_ns(void)
{
	return fake_now_ns += 1000;
}

/* The datapath's clock (bpf/lib/common.h): moves as the fine one here. */
static inline __u64 bpf_ktime_get_coarse_ns(void)
{
	return bpf_ktime_get_ns();
}

/* A new jiffy on every call: the datapath's per-CPU reading of the coarse
 * clock (bpf/lib/common.h, clock_cache) is taken afresh each time, so the
 * clock moves as it did before that cache. */
static inline __u64 bpf_jiffies64(void)
{
	static __u64 j;

	return ++j;
}

/* One CPU: a set-associative table's lock (bpf/lib/settable.h) has nothing to
 * exclude; a lock taken twice or never released is a bug the verifier would
 * refuse, so it aborts here. */
static inline void bpf_spin_lock(struct bpf_spin_lock *l)
{
	if (l->val)
		abort();
	l->val = 1;
}

static inline void bpf_spin_unlock(struct bpf_spin_lock *l)
{
	if (!l->val)
		abort();
	l->val = 0;
}

/* A map's max_entries as the fuzzer sized it (FAKE_MAP's cap). */
#define SETTABLE_MAX_ENTRIES(map) (fake_find(map)->max)

static inline __u32 bpf_get_smp_processor_id(void)
{
	return 0;
}

/* The event ring buffer: always room, nothing kept (no reader here). */
static inline long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
	(void)ringbuf;
	(void)data;
	(void)flags;
	return size ? 0 : FAKE_EINVAL;
}

/* The FIB: the fuzzer sets the hook; without one, every lookup succeeds. */
static int (*fake_fib_hook)(struct bpf_fib_lookup *params);

static inline long bpf_fib_lookup(void *ctx, struct bpf_fib_lookup *params, int plen,
				  __u32 flags)
{
	(void)ctx;
	(void)flags;
	if (plen != sizeof(*params))
		abort();
	return fake_fib_hook ? fake_fib_hook(params) : BPF_FIB_LKUP_RET_SUCCESS;
}

/* What bpf_redirect() returns: XDP_REDIRECT, or TC_ACT_REDIRECT in tc. */
#define TC_ACT_REDIRECT 7
static long fake_redirect_ret = XDP_REDIRECT;

static inline long bpf_redirect(__u32 ifindex, __u64 flags)
{
	(void)ifindex;
	return flags ? XDP_ABORTED : fake_redirect_ret;
}

static inline long bpf_redirect_neigh(__u32 ifindex, struct bpf_redir_neigh *params,
				      int plen, __u64 flags)
{
	(void)ifindex;
	if (flags || (params && plen != sizeof(*params)))
		return 2; /* TC_ACT_SHOT */
	return 7;         /* TC_ACT_REDIRECT */
}

/* No headroom: XDP metadata cannot be added (the program copes). */
static inline long bpf_xdp_adjust_meta(struct xdp_md *ctx, int delta)
{
	(void)ctx;
	(void)delta;
	return FAKE_EINVAL;
}

/* Shrinking only (NAT's collision ABORT is made in place, shorter). */
static inline long bpf_xdp_adjust_tail(struct xdp_md *ctx, int delta)
{
	if (delta > 0 || ctx->data_end + delta < ctx->data + 14)
		return FAKE_EINVAL;
	ctx->data_end += delta;
	return 0;
}

static inline long bpf_skb_change_tail(struct __sk_buff *skb, __u32 len, __u64 flags)
{
	if (flags || len < 14 || skb->data + len > skb->data_end)
		return FAKE_EINVAL;
	skb->data_end = skb->data + len;
	skb->len = len;
	return 0;
}

static inline long bpf_skb_pull_data(struct __sk_buff *skb, __u32 len)
{
	(void)skb;
	(void)len;
	return 0;
}

/*
 * The checksum helpers, as NAT calls them: size 0, "to" a one's complement
 * difference (the kernel's csum_replace_by_diff); BPF_F_MARK_MANGLED_0 (bit
 * 5) leaves a zero checksum alone and never writes one.  The fuzzer's skbs
 * are never CHECKSUM_PARTIAL.
 */
static inline long fake_csum_by_diff(struct __sk_buff *skb, __u32 off, __u64 from, __u64 to,
				     __u64 flags)
{
	__u8 *d = (__u8 *)(long)skb->data;
	__u16 f;
	__u32 s;

	if (from || (flags & 0xf) || (void *)(d + off + 2) > (void *)(long)skb->data_end)
		return FAKE_EINVAL;
	memcpy(&f, d + off, 2);
	if ((flags & (1u << 5)) && !f)
		return 0;
	s = (__u32)to + (__u16)~f;
	s += s < (__u32)to;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	f = (__u16)~s;
	if ((flags & (1u << 5)) && !f)
		f = 0xffff;
	memcpy(d + off, &f, 2);
	return 0;
}

static inline long bpf_l3_csum_replace(struct __sk_buff *skb, __u32 off, __u64 from, __u64 to,
				       __u64 flags)
{
	return fake_csum_by_diff(skb, off, from, to, flags);
}

static inline long bpf_l4_csum_replace(struct __sk_buff *skb, __u32 off, __u64 from, __u64 to,
				       __u64 flags)
{
	return fake_csum_by_diff(skb, off, from, to, flags);
}

#endif /* FUZZ_FAKE_BPF_H */
