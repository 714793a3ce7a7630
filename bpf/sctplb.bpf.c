/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb: the XDP program that pins every SCTP association to one backend by
 * its verification tag (docs/datapath.md is the contract), the tc ingress
 * program that does the same where XDP cannot and finishes what XDP could
 * not, and the tc program that watches the backends' return traffic.
 *
 * Each program parses inline, then calls one global function that chooses
 * the backend and forwards.  A global function is verified once, on its own,
 * instead of once per parse outcome (IPv4/IPv6, extension headers, VLAN,
 * encapsulation): without the split the verifier passes its 1M-instruction
 * limit.
 */
#include "lib/common.h"
#include "lib/parse.h"
#include "lib/lb.h"
#include "lib/fwd.h"

const volatile __u32 sctplb_trace = 0;

/* Parse and walk the chunks: the same for every hook. */
static __always_inline int parse_packet(const struct buf *b, struct pkt *p)
{
	__u32 off = 0;
	int act;

	stat_inc(SCTPLB_STAT_RX);
	act = parse_l3(b, p, &off);
	if (act != ACT_CONTINUE)
		return act;
	act = parse_l4(b, p, off);
	if (act != ACT_CONTINUE)
		return act;
	return walk_chunks(b, p);
}

static __always_inline void trace_decision(const struct pkt *p, __u32 verdict, __u32 reason)
{
	struct sctplb_decision *d;
	__u32 zero = 0;

	if (!sctplb_trace)
		return;
	d = bpf_map_lookup_elem(&trace, &zero);
	if (!d)
		return;
	d->service_id = p->service_id;
	d->backend_id = p->backend_id;
	d->verdict = verdict;
	d->reason = reason;
	d->vtag = p->vtag;
	d->path = p->path;
}

/*
 * No neighbour entry for the next hop: leave the decision in the metadata
 * and pass the packet to the tc ingress program, which resolves the
 * neighbour with bpf_redirect_neigh().
 */
static __always_inline void xdp_leave_meta(struct xdp_md *ctx, const struct pkt *p)
{
	struct sctplb_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		return;
	m = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(m + 1) > data)
		return;
	m->magic = SCTPLB_META_MAGIC;
	m->backend_id = p->backend_id;
	m->service_id = p->service_id;
	m->path = p->path;
}

/*
 * Choose the backend and forward: returns the XDP verdict and sets
 * p->reason (and p->backend_id).  Global: verified once.
 */
__noinline int sctplb_xdp_lb(struct xdp_md *ctx, struct pkt *p)
{
	struct buf b = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct bpf_fib_lookup fib;
	struct lb lb = {};
	int act, rc;

	if (!p)
		return XDP_ABORTED;
	lb.service_id = p->service_id;
	lb.now = bpf_ktime_get_ns();
	act = choose_backend(&b, p, &lb);
	p->backend_id = lb.backend_id;
	if (act != ACT_CONTINUE) {
		p->reason = ACT_REASON(act);
		return ACT_KIND(act) == ACT_DROP ? XDP_DROP : XDP_PASS;
	}

	rc = fib_backend(ctx, lb.be, p->path, ctx->ingress_ifindex, p->l3_len, &fib);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		rewrite_macs(&b, &fib);
		count_forward(p, &lb);
		if (fib.ifindex == ctx->ingress_ifindex) {
			p->reason = SCTPLB_STAT_FWD_TX;
			stat_inc(p->reason);
			return XDP_TX;
		}
		p->reason = SCTPLB_STAT_FWD_REDIRECT;
		stat_inc(p->reason);
		return bpf_redirect(fib.ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		p->reason = SCTPLB_STAT_FIB_NO_NEIGH;
		stat_inc(p->reason);
		xdp_leave_meta(ctx, p);
		return XDP_PASS;
	}
	p->reason = rc < 0 ? SCTPLB_STAT_NO_BACKEND_PATH : SCTPLB_STAT_FIB_UNREACHABLE;
	stat_inc(p->reason);
	return XDP_DROP;
}

SEC("xdp")
int sctplb_xdp(struct xdp_md *ctx)
{
	struct buf b = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};
	struct pkt p = {};
	int act, verdict;

	act = parse_packet(&b, &p);
	if (act == ACT_CONTINUE) {
		verdict = sctplb_xdp_lb(ctx, &p);
	} else {
		p.reason = ACT_REASON(act);
		verdict = ACT_KIND(act) == ACT_DROP ? XDP_DROP : XDP_PASS;
	}
	trace_decision(&p, verdict, p.reason);
	return verdict;
}

SEC("tc")
int sctplb_tc_ingress(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc")
int sctplb_tc_return(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
