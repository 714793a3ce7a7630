/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Direct server return: the next hop toward the backend's address on the
 * packet's path, from the kernel's FIB; and the counters of a forwarded
 * packet.
 */
#ifndef SCTPLB_BPF_FWD_H
#define SCTPLB_BPF_FWD_H

#include "common.h"
#include "parse.h"
#include "lb.h"

/*
 * The FIB's answer for (backend, path), per CPU, for SCTPLB_NEXTHOP_TTL_NS:
 * bpf_fib_lookup() is about half of a packet's cost (docs/bench.md).  An
 * entry is used only for the same ingress interface and the same backend
 * address, and for packets no longer than one that passed the FIB's MTU check;
 * route and neighbour changes are seen within the TTL.  Only successes are
 * kept: a missing neighbour is looked up again on every packet.
 */
#define SCTPLB_NEXTHOP_TTL_NS 1000000000ull

struct sctplb_nexthop {
	__u64 expires_ns;
	__u32 addr[4];          /* the backend address it was looked up for */
	__u32 ingress;
	__u32 egress;
	__u32 ok_len;           /* longest IP length the FIB's MTU check passed */
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCTPLB_MAX_BACKENDS * SCTPLB_MAX_PATHS);
	__type(key, __u32);
	__type(value, struct sctplb_nexthop);
} nexthops SEC(".maps");

/*
 * The next hop toward the backend's address on path `path`: from the cache,
 * or bpf_fib_lookup().  Returns the BPF_FIB_LKUP_RET_* code, or -1 when the
 * backend has no address there; on success fib->ifindex, dmac and smac are
 * set.
 */
static __always_inline int fib_backend(void *ctx, const struct sctplb_backend *be, __u32 backend_id,
				       __u8 path, __u32 ifindex, __u32 l3_len, __u64 now,
				       struct bpf_fib_lookup *fib)
{
	const struct sctplb_addr *a = &be->addr[path & (SCTPLB_MAX_PATHS - 1)];
	__u32 slot = backend_id * SCTPLB_MAX_PATHS + (path & (SCTPLB_MAX_PATHS - 1));
	struct sctplb_nexthop *nh;
	int rc;

	if (!a->family)
		return -1;
	nh = bpf_map_lookup_elem(&nexthops, &slot);
	if (nh && now < nh->expires_ns && nh->ingress == ifindex && l3_len <= nh->ok_len &&
	    nh->addr[0] == a->addr[0] && nh->addr[1] == a->addr[1] &&
	    nh->addr[2] == a->addr[2] && nh->addr[3] == a->addr[3]) {
		fib->ifindex = nh->egress;
		__builtin_memcpy(fib->dmac, nh->dmac, ETH_ALEN);
		__builtin_memcpy(fib->smac, nh->smac, ETH_ALEN);
		return BPF_FIB_LKUP_RET_SUCCESS;
	}

	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = addr_family_to_af(a->family);
	fib->l4_protocol = IPPROTO_SCTP;
	fib->tot_len = l3_len;
	fib->ifindex = ifindex;
	if (a->family == SCTPLB_AF_INET)
		fib->ipv4_dst = a->addr[0];
	else
		__builtin_memcpy(fib->ipv6_dst, a->addr, 16);
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && nh) {
		if (nh->ingress != ifindex || now >= nh->expires_ns || nh->egress != fib->ifindex)
			nh->ok_len = 0;
		if (l3_len > nh->ok_len)
			nh->ok_len = l3_len;
		nh->expires_ns = now + SCTPLB_NEXTHOP_TTL_NS;
		__builtin_memcpy(nh->addr, a->addr, 16);
		nh->ingress = ifindex;
		nh->egress = fib->ifindex;
		__builtin_memcpy(nh->dmac, fib->dmac, ETH_ALEN);
		__builtin_memcpy(nh->smac, fib->smac, ETH_ALEN);
	}
	return rc;
}

/* The final reason of a FIB lookup that gave no next hop. */
static __always_inline __u32 fib_failure(int rc)
{
	if (rc < 0)
		return SCTPLB_STAT_NO_BACKEND_PATH;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return SCTPLB_STAT_FIB_FRAG_NEEDED;
	return SCTPLB_STAT_FIB_UNREACHABLE;
}

static __always_inline void counters_add(struct sctplb_path_counters *c, const struct pkt *p,
					 __u64 now)
{
	c->packets++;
	c->bytes += p->l3_len;
	c->data_chunks += p->data_chunks;
	c->heartbeats += p->heartbeats;
	c->last_seen_ns = now;
	if (p->data_chunks)
		c->last_data_ns = now;
}

/*
 * Per backend, per path (VIP index), per direction: a per-CPU array slot
 * (include/sctplb.h), no hash lookup and no insert on the packet's path.
 */
static __always_inline void count_path(const struct pkt *p, __u32 backend_id, __u8 path, __u8 dir,
				       __u64 now)
{
	__u32 i = sctplb_path_index(backend_id, path, dir);
	struct sctplb_path_counters *c = bpf_map_lookup_elem(&path_stats, &i);

	if (c)
		counters_add(c, p, now);
}

/*
 * The association's path: its client address and stamps, each written only
 * when it changes (include/sctplb.h: the value is shared by every CPU), and
 * the packets counted toward SCTPLB_CONFIRM_PACKETS, then no more.
 */
static __always_inline void assoc_path_seen(const struct pkt *p, struct sctplb_assoc *a, __u8 path,
					    __u64 now, bool confirmed)
{
	struct sctplb_assoc_path *ap = &a->path[path & (SCTPLB_MAX_PATHS - 1)];
	__u32 st = sctplb_stamp(now);

	if (ap->family != p->family || ap->caddr[0] != p->saddr[0] ||
	    ap->caddr[1] != p->saddr[1] || ap->caddr[2] != p->saddr[2] ||
	    ap->caddr[3] != p->saddr[3]) {
		__builtin_memcpy(ap->caddr, p->saddr, 16);
		ap->family = p->family;
		client_path_new(p, a, st, confirmed);
	}
	if (ap->seen != st)
		ap->seen = st;
	if (p->data_chunks && ap->data != st)
		ap->data = st;
	if (a->seen != st)
		a->seen = st;
	if (a->packets < SCTPLB_CONFIRM_PACKETS)
		a->packets++;
}

/* A packet forwarded toward its backend: global, per-path and per-association counters. */
static __always_inline void count_forward(const struct pkt *p, const struct lb *lb)
{
	__u8 path = p->path & (SCTPLB_MAX_PATHS - 1); /* bound for the verifier */

	stat_inc(SCTPLB_STAT_FWD);
	if (p->icmp)
		return; /* not the association's traffic */
	if (p->data_chunks) {
		stat_add(SCTPLB_STAT_DATA_CHUNKS, p->data_chunks);
		ppid_count(p, p->service_id);
	}
	if (p->heartbeats)
		stat_add(SCTPLB_STAT_HEARTBEATS, p->heartbeats);
	count_path(p, lb->backend_id, path, SCTPLB_DIR_TO_BACKEND, lb->now);
	if (lb->assoc) {
		lb_event_path(p, lb->assoc, lb->backend_id, path);
		assoc_path_seen(p, lb->assoc, path, lb->now, lb->confirmed);
	}
}

static __always_inline void rewrite_macs(const struct buf *b, const struct bpf_fib_lookup *fib)
{
	struct ethhdr *eth = pkt_ptr(b, 0, sizeof(*eth));

	if (!eth)
		return;
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
}

#endif
