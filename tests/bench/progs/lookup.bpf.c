// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lookup.bpf.c: the lookup references of the bench's section 1 (micro.c):
 * the floor's work (swap the MACs, XDP_TX) plus one lookup of an
 * association's key that is there, hot, each:
 *
 *   ref_hash      in a BPF hash map of the assocs map's key and value (what
 *                 every established packet of a learnt association pays now);
 *   ref_setindex  the keyed SipHash-1-3 that gives a key its two candidate
 *                 sets (sctplb_settable_index2), alone;
 *   ref_msindex   a keyed multiply-shift index instead (each word xored with
 *                 a secret word, times an odd constant, the products xored):
 *                 what a cheaper index would cost (not used by sctplb);
 *   ref_set2      in a keyed set-associative table of 16 ways a set and two
 *                 candidate sets, a 48-byte value in place (the compact
 *                 table's lookup, docs/compact-table.md): the index, then
 *                 the fingerprints and the key of the first set.
 *
 * ref_put puts the key into both tables (run once before timing); a lookup
 * that misses answers XDP_ABORTED.
 */
#include "lib/common.h"
#include "lib/settable.h"

const volatile __u32 sctplb_trace = 0;

struct lk_val {
	__u32 w[12]; /* a compact way's 48 bytes */
};
SCTPLB_SETTABLE_TYPES(lk, struct sctplb_assoc_key, struct lk_val, 16);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sctplb_assoc_key);
	__type(value, struct sctplb_assoc);
} lk_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct lk_set);
} lk_table SEC(".maps");

SETTABLE_DEFINE(lk, lk_table, struct lk_set)

__u32 sink;

static __always_inline struct sctplb_assoc_key the_key(void)
{
	return (struct sctplb_assoc_key){ .service_id = 1, .vtag = 0x5eed0001,
					  .cport = bpf_htons(40000), .sport = bpf_htons(5000) };
}

/* The floor's work: the MACs swapped, XDP_TX. */
static __always_inline int tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u16 *m = data, t0, t1, t2;

	if ((void *)(m + 6) > end)
		return XDP_DROP;
	t0 = m[0], t1 = m[1], t2 = m[2];
	m[0] = m[3], m[1] = m[4], m[2] = m[5];
	m[3] = t0, m[4] = t1, m[5] = t2;
	return XDP_TX;
}

SEC("xdp")
int ref_hash(struct xdp_md *ctx)
{
	struct sctplb_assoc_key k = the_key();
	struct sctplb_assoc *a = bpf_map_lookup_elem(&lk_hash, &k);

	if (!a)
		return XDP_ABORTED; /* a miss: not what is measured */
	sink += a->backend_id;
	return tx(ctx);
}

SEC("xdp")
int ref_setindex(struct xdp_md *ctx)
{
	struct sctplb_assoc_key k = the_key();
	struct sctplb_config *cfg;
	__u32 zero = 0, i2;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (cfg)
		sink += sctplb_settable_index2(cfg->settable_key, (const __u32 *)&k,
					       sizeof(k) / 4, 1024, &i2) + i2;
	return tx(ctx);
}

SEC("xdp")
int ref_msindex(struct xdp_md *ctx)
{
	struct sctplb_assoc_key k = the_key();
	const __u32 *w = (const __u32 *)&k;
	struct sctplb_config *cfg;
	__u32 zero = 0;
	__u64 h;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (cfg) {
		h = ((__u64)(w[0] ^ cfg->settable_key[0]) * 0x9e3779b97f4a7c15ull) ^
		    ((__u64)(w[1] ^ cfg->settable_key[1]) * 0xc2b2ae3d27d4eb4full) ^
		    ((__u64)(w[2] ^ cfg->settable_key[2]) * 0x165667b19e3779f9ull);
		sink += (__u32)(((h >> 32) * 1024) >> 32);
	}
	return tx(ctx);
}

SEC("xdp")
int ref_set2(struct xdp_md *ctx)
{
	struct sctplb_assoc_key k = the_key();
	struct lk_set *s2, *s1 = lk_sets2(&k, &s2);
	int w;

	if (!s1)
		return XDP_DROP;
	w = lk__way(s1, &k, true);
	if (w < 0 && s2) {
		w = lk__way(s2, &k, true);
		s1 = s2;
	}
	if (w < 0)
		return XDP_ABORTED;
	sink += s1->e[w & 15].val.w[0];
	return tx(ctx);
}

SEC("xdp")
int ref_put(struct xdp_md *ctx)
{
	struct sctplb_assoc_key k = the_key();
	struct sctplb_assoc a = { .backend_id = 1 };
	struct lk_val v = { .w = { 1 } };

	lk_put2(&k, &v, 1);
	bpf_map_update_elem(&lk_hash, &k, &a, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
