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
#include "lib/ret.h"
#include "lib/nat.h"

const volatile __u32 sctplb_trace = 0;
const volatile __u32 sctplb_test_clock = 0;
__u64 sctplb_clock_ns = 0;

/*
 * Above IP: a later fragment (no SCTP header: it follows its first), an ICMP
 * error (the packet it quotes), SCTP or SCTP over UDP, and the chunk walk.
 * The same for every hook and direction; each hook wraps it in a global
 * function.
 */
static __always_inline int parse_upper(const struct buf *b, struct pkt *p, __u32 off, bool reply)
{
	int act;

	if (p->frag == FRAG_LATER)
		return reply ? act_pass(SCTPLB_STAT_PASS_FRAGMENT) : ACT_CONTINUE;
	if (!reply && (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)) {
		act = parse_icmp(b, p, &off);
		if (act != ACT_CONTINUE)
			return act;
		return parse_l4(b, p, off, true); /* the quoted packet: no chunk walk */
	}
	act = parse_l4(b, p, off, reply);
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
	m->pad = 0;
	m->l3_len = p->l3_len;
}

static __always_inline void xdp_buf(struct xdp_md *ctx, struct buf *b)
{
	b->data = (void *)(long)ctx->data;
	b->data_end = (void *)(long)ctx->data_end;
}

/*
 * One body for every hook, compiled once per hook (Cilium's way): h is a
 * constant in each copy, so the compiler drops what belongs to the other
 * hook, and the verifier never sees an XDP context read as an skb.
 */
enum lb_hook { LB_XDP, LB_TC };

/* The verdict of a final action (ACT_PASS or ACT_DROP) at this hook. */
static __always_inline int hook_verdict(enum lb_hook h, int kind)
{
	if (h == LB_XDP)
		return kind == ACT_DROP ? XDP_DROP : XDP_PASS;
	return kind == ACT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

static __always_inline void hook_buf(void *ctx, enum lb_hook h, struct buf *b)
{
	if (h == LB_XDP) {
		xdp_buf(ctx, b);
	} else {
		b->data = (void *)(long)((struct __sk_buff *)ctx)->data;
		b->data_end = (void *)(long)((struct __sk_buff *)ctx)->data_end;
	}
}

static __always_inline __u32 hook_ingress(void *ctx, enum lb_hook h)
{
	return h == LB_XDP ? ((struct xdp_md *)ctx)->ingress_ifindex :
			     ((struct __sk_buff *)ctx)->ingress_ifindex;
}

/*
 * NAT toward the backend (bpf/lib/nat.h): the rewrite, within forwarding;
 * a full-NAT INIT's addresses, once forwarding has decided (nat_snat_init
 * says why apart).  Globals: verified once.  At tc the rewrite stays
 * inline: a call there costs more stack than the frame has left.
 */
__noinline int sctplb_xdp_snat(struct xdp_md *ctx, struct pkt *p, __u64 now)
{
	if (p)
		nat_snat_init(ctx, false, p, now);
	return 0;
}

__noinline int sctplb_xdp_asconf(struct xdp_md *ctx, struct pkt *p)
{
	return p ? nat_snat_asconf(ctx, false, p) : ACT_CONTINUE;
}

__noinline int sctplb_tc_asconf(struct __sk_buff *skb, struct pkt *p)
{
	return p ? nat_snat_asconf(skb, true, p) : ACT_CONTINUE;
}

__noinline int sctplb_xdp_nat(struct xdp_md *ctx, struct pkt *p, __u32 backend_id)
{
	return p ? nat_to_backend(ctx, false, p, backend_id) : ACT_CONTINUE;
}

__noinline int sctplb_tc_snat(struct __sk_buff *skb, struct pkt *p, __u64 now)
{
	if (p)
		nat_snat_init(skb, true, p, now);
	return 0;
}

/*
 * Choose the backend (unless XDP chose it already: from_xdp, at tc) and
 * forward: returns the verdict and sets p->reason (and p->backend_id).
 * XDP sends a packet out of its ingress with XDP_TX, and one whose next hop
 * has no neighbour entry to sctplb_tc_finish (metadata, XDP_PASS); tc
 * resolves that neighbour with bpf_redirect_neigh().
 */
static __always_inline int lb_forward(void *ctx, enum lb_hook h, struct pkt *p, bool from_xdp)
{
	struct bpf_redir_neigh nh = {};
	struct bpf_fib_lookup fib;
	__u32 ingress = hook_ingress(ctx, h);
	struct lb lb = {};
	struct buf b;
	int act, rc;

	hook_buf(ctx, h, &b);
	lb.service_id = p->service_id;
	lb.now = lb_now();
	if (from_xdp) {
		if (!use_backend(&lb, p->backend_id, false)) {
			p->reason = SCTPLB_STAT_NO_BACKEND;
			return hook_verdict(h, ACT_DROP);
		}
	} else {
		act = choose_backend(&b, p, &lb);
		p->backend_id = lb.backend_id;
		if (act != ACT_CONTINUE) {
			p->reason = ACT_REASON(act);
			return hook_verdict(h, ACT_KIND(act));
		}
		if ((p->svc_flags & SCTPLB_SVC_F_NAT) || p->frag == FRAG_LATER) {
			act = h == LB_XDP ? sctplb_xdp_nat(ctx, p, lb.backend_id) :
					    nat_to_backend(ctx, true, p, lb.backend_id);
			if (act != ACT_CONTINUE) {
				p->reason = ACT_REASON(act);
				/* answered in place (a full-NAT collision's ABORT) */
				if (ACT_KIND(act) == ACT_NAT_REPLY)
					return bpf_redirect(ingress, 0);
				return hook_verdict(h, ACT_DROP);
			}
			/* The checksum helpers invalidate every packet pointer. */
			hook_buf(ctx, h, &b);
		}
	}

	rc = fib_backend(ctx, lb.be, lb.backend_id, p->path, ingress, p->l3_len, lb.now, &fib);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		rewrite_macs(&b, &fib);
		if (!from_xdp)
			count_forward(p, &lb);
		if (h == LB_XDP && fib.ifindex == ingress) {
			p->reason = SCTPLB_STAT_FWD_TX;
			return XDP_TX;
		}
		p->reason = SCTPLB_STAT_FWD_REDIRECT;
		return bpf_redirect(fib.ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* Counted here, where the association is at hand. */
		if (!from_xdp)
			count_forward(p, &lb);
		if (h == LB_XDP) {
			/* On its way to the backend through sctplb_tc_finish. */
			p->reason = SCTPLB_STAT_FIB_NO_NEIGH;
			xdp_leave_meta(ctx, p);
			return XDP_PASS;
		}
		/* fib has the egress and the next hop (the gateway, or the backend) */
		nh.nh_family = fib.family;
		if (fib.family == AF_INET)
			nh.ipv4_nh = fib.ipv4_dst;
		else
			__builtin_memcpy(nh.ipv6_nh, fib.ipv6_dst, 16);
		p->reason = SCTPLB_STAT_FWD_REDIRECT;
		return bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0);
	}
	p->reason = fib_failure(rc);
	return hook_verdict(h, ACT_DROP);
}

__noinline int sctplb_tc_upper(struct __sk_buff *skb, struct pkt *p, __u32 off, __u32 reply);
__noinline int sctplb_tc_lb(struct __sk_buff *skb, struct pkt *p, __u32 from_xdp);

/*
 * Above IP: parse_upper(), a full-NAT client's ASCONF (bpf/lib/nat.h), then
 * choose and forward (lb_forward): the verdict, p->reason set.  At tc each
 * step is a global function of its own (verified once; their frames share
 * the stack's 512 bytes).  At XDP all of it is inlined into sctplb_xdp: a
 * global function's call and return cost a forwarded packet 5-20% in the
 * bench on a Zen 3 (the return goes through the CPU's return thunk, SRSO
 * "safe RET", and the call saves and restores registers), for ~100k more
 * instructions processed by the verifier (docs/bench.md, "Goals").
 */
static __always_inline int upper_forward(void *ctx, enum lb_hook h, struct pkt *p, __u32 off)
{
	int act;

	if (h == LB_XDP) {
		struct buf b; /* its own scope: its slot is lb_forward's too */

		xdp_buf(ctx, &b);
		act = parse_upper(&b, p, off, false);
	} else {
		act = sctplb_tc_upper(ctx, p, off, 0);
	}
	if (act == ACT_CONTINUE && p->asconf && (p->svc_flags & SCTPLB_SVC_F_NAT))
		act = h == LB_XDP ? sctplb_xdp_asconf(ctx, p) : sctplb_tc_asconf(ctx, p);
	if (act != ACT_CONTINUE) {
		p->reason = ACT_REASON(act);
		return hook_verdict(h, ACT_KIND(act));
	}
	return h == LB_XDP ? lb_forward(ctx, LB_XDP, p, false) : sctplb_tc_lb(ctx, p, 0);
}

/* The packet left the forwarder toward its backend (or on its way there). */
static __always_inline bool forwarded(enum lb_hook h, int verdict, const struct pkt *p)
{
	if (h == LB_XDP)
		return verdict == XDP_TX || verdict == XDP_REDIRECT ||
		       p->reason == SCTPLB_STAT_FIB_NO_NEIGH;
	return verdict == TC_ACT_REDIRECT;
}

/*
 * The datapath of a packet from a client, the same at every hook: RX and
 * exactly one final reason counted, the decision traced.  p is zeroed by the
 * caller (tc_ingress shares it with its XDP hand-over, for the stack).
 */
static __always_inline int datapath(void *ctx, enum lb_hook h, struct pkt *p)
{
	__u32 off = 0;
	int act, verdict;
	struct buf b;

	hook_buf(ctx, h, &b);
	stat_inc(SCTPLB_STAT_RX);
	act = parse_l3(&b, p, &off);
	if (act == ACT_CONTINUE) {
		verdict = upper_forward(ctx, h, p, off);
		/* full NAT: a forwarded INIT's addresses (bpf/lib/nat.h) */
		if ((p->svc_flags & SCTPLB_SVC_F_NAT) && p->first_type == SCTP_CID_INIT &&
		    forwarded(h, verdict, p)) {
			if (h == LB_XDP)
				sctplb_xdp_snat(ctx, p, lb_now());
			else
				sctplb_tc_snat(ctx, p, lb_now());
		}
	} else {
		p->reason = ACT_REASON(act);
		verdict = hook_verdict(h, ACT_KIND(act));
	}
	stat_inc(p->reason);
	trace_decision(p, verdict, p->reason);
	lb_events_flush_pending(p); /* the events the packet made (bpf/lib/event.h) */
	return verdict;
}

/*
 * The packet's summary in per-CPU memory rather than in the program's frame:
 * each program's deepest chain of calls was at the verifier's 512 bytes of
 * stack (the bench's stack line), with struct pkt the main frame's largest
 * local.  The verifier tracks no map value's content, as it tracked none of
 * what the global functions received through a pointer.  One per CPU:
 * sctplb's programs run in softirq and do not nest on a CPU; the control
 * programs load this object apart and do not share it (user/lib/ctl.c binds
 * only the pinned maps).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt);
} pkt_scratch SEC(".maps");

/* This CPU's struct pkt, zeroed; NULL never in practice (an array's entry). */
static __always_inline struct pkt *pkt_new(void)
{
	struct pkt *p = bpf_map_lookup_elem(&pkt_scratch, &(__u32){ 0 });

	if (p)
		__builtin_memset(p, 0, sizeof(*p));
	return p;
}

SEC("xdp")
int sctplb_xdp(struct xdp_md *ctx)
{
	struct pkt *p = pkt_new();

	return p ? datapath(ctx, LB_XDP, p) : XDP_PASS;
}

/* parse_upper() for tc; global: verified once. */
__noinline int sctplb_tc_upper(struct __sk_buff *skb, struct pkt *p, __u32 off, __u32 reply)
{
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	if (!p)
		return ACT_MAKE(ACT_DROP, SCTPLB_STAT_DROP_TRUNCATED);
	return parse_upper(&b, p, off, reply);
}

/* lb_forward for tc; global: verified once. */
__noinline int sctplb_tc_lb(struct __sk_buff *skb, struct pkt *p, __u32 from_xdp)
{
	return p ? lb_forward(skb, LB_TC, p, from_xdp) : TC_ACT_SHOT;
}

/* The decision XDP left in the metadata when it had no neighbour entry, or NULL. */
static __always_inline const struct sctplb_meta *xdp_meta(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	const struct sctplb_meta *m = (void *)(long)skb->data_meta;

	if ((void *)(m + 1) > data || m->magic != SCTPLB_META_MAGIC)
		return NULL;
	return m;
}

/* Makes the whole packet readable with direct access (the chunk walk needs it). */
static __always_inline void tc_buf(struct __sk_buff *skb, struct buf *b)
{
	/* All of it: len 0 would only make the linear head writable, and a NIC
	 * such as virtio-net hands over large packets with just their Ethernet
	 * header there.  A no-op for a linear, unshared skb. */
	bpf_skb_pull_data(skb, skb->len);
	/* Keep clang from reusing an address computed from skb before the
	 * call: the verifier rejects a dereference of a modified ctx pointer. */
	asm volatile("" : "+r"(skb));
	b->data = (void *)(long)skb->data;
	b->data_end = (void *)(long)skb->data_end;
}

/*
 * tc ingress: classify and forward.  companion: the tc half of an XDP
 * attachment, which only finishes what XDP handed over in the metadata and
 * lets everything else through uncounted (XDP has counted it).
 */
static __always_inline int tc_ingress(struct __sk_buff *skb, bool companion)
{
	const struct sctplb_meta *m = xdp_meta(skb);
	struct pkt *p;
	struct buf b;
	int verdict;

	if (!m && companion)
		return TC_ACT_OK; /* XDP has decided and counted it */
	p = pkt_new();
	if (!p)
		return TC_ACT_OK;
	if (m) {
		/* Decided and counted by XDP: only the redirect is left.  A
		 * failure here is counted as a second reason. */
		p->backend_id = m->backend_id;
		p->service_id = m->service_id;
		p->path = m->path & (SCTPLB_MAX_PATHS - 1);
		p->l3_len = m->l3_len;
		verdict = sctplb_tc_lb(skb, p, 1);
		if (verdict == TC_ACT_SHOT)
			stat_inc(p->reason);
		trace_decision(p, verdict, p->reason);
		return verdict;
	}
	tc_buf(skb, &b);
	return datapath(skb, LB_TC, p);
}

/* Where XDP cannot run: the whole datapath at tc ingress. */
SEC("tc")
int sctplb_tc_ingress(struct __sk_buff *skb)
{
	return tc_ingress(skb, false);
}

/* Beside sctplb_xdp: finishes the packets XDP found no neighbour entry for. */
SEC("tc")
int sctplb_tc_finish(struct __sk_buff *skb)
{
	return tc_ingress(skb, true);
}

/* Learns, ends and counts what the backends send, and translates NAT
 * services' packets back (nat_to_client); global: verified once. */
__noinline int sctplb_tc_ret(struct __sk_buff *skb, struct pkt *p)
{
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	if (!p)
		return TC_ACT_OK;
	if (p->nat && nat_snat_client(p) < 0)
		return TC_ACT_SHOT;
	watch_return(&b, p);
	return p->nat ? nat_to_client(skb, p) : TC_ACT_OK;
}

/* nat_icmp_to_client; global: verified once. */
__noinline int sctplb_tc_ret_icmp(struct __sk_buff *skb, struct pkt *p, __u32 off)
{
	return p ? nat_icmp_to_client(skb, p, off) : TC_ACT_OK;
}

/* nat_frag_to_client; global: verified once. */
__noinline int sctplb_tc_ret_frag(struct __sk_buff *skb, struct pkt *p)
{
	return p ? nat_frag_to_client(skb, p) : TC_ACT_OK;
}

SEC("tc")
int sctplb_tc_return(struct __sk_buff *skb)
{
	int act, verdict = TC_ACT_OK;
	struct pkt *p = pkt_new();
	__u32 off = 0;
	struct buf b;

	if (!p)
		return TC_ACT_OK;
	tc_buf(skb, &b);
	act = parse_l3(&b, p, &off);
	if (act == ACT_CONTINUE && (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)) {
		/* an error about a packet sent to a NAT backend (bpf/lib/nat.h) */
		verdict = sctplb_tc_ret_icmp(skb, p, off);
		trace_decision(p, verdict, p->reason);
		return verdict;
	}
	if (act == ACT_CONTINUE)
		act = sctplb_tc_upper(skb, p, off, 1);
	if (act == ACT_CONTINUE) {
		verdict = sctplb_tc_ret(skb, p);
		lb_events_flush_pending(p); /* the events the packet made (bpf/lib/event.h) */
	} else if (p->frag == FRAG_LATER) { /* a NAT backend's? (bpf/lib/nat.h) */
		verdict = sctplb_tc_ret_frag(skb, p);
	} else
		p->reason = ACT_REASON(act);
	trace_decision(p, verdict, p->reason);
	return verdict;
}

/*
 * User space's delete of a set-associative table's entry (include/sctplb.h:
 * struct sctplb_table_op), under the set's lock: a read and a write of the
 * whole set from user space would undo what the datapath inserted into the
 * set in between.  sctplb gc runs it with BPF_PROG_TEST_RUN
 * (user/lib/settable.c); never attached.
 */
SEC("syscall")
int sctplb_table_delete(struct sctplb_table_op *op)
{
	bool expect = op->flags & SCTPLB_TABLE_OP_F_EXPECT;
	struct sctplb_pending_entry *e;
	struct sctplb_handshake hv;
	struct sctplb_client_key hk;
	struct sctplb_assoc_key ak;
	struct sctplb_ctag_value cv;
	struct sctplb_client cl;
	__u32 zero = 0;
	int r;

	switch (op->table) {
	case SCTPLB_TABLE_HANDSHAKES:
		hk = op->key.hs;
		hv = op->val.hs;
		r = hs_delete_judged_in(hs_set(&hk), &hk, expect ? &hv : NULL);
		break;
	case SCTPLB_TABLE_PENDING:
		/* the value is larger than a frame likes: the scratch entry */
		e = bpf_map_lookup_elem(&assoc_scratch, &zero);
		if (!e)
			return SCTPLB_TABLE_OP_INVAL;
		e->key = op->key.assoc;
		e->val = op->val.assoc;
		r = pend_delete_judged_in(pend_set_of(&e->key), &e->key, expect ? &e->val : NULL);
		break;
	case SCTPLB_TABLE_PENDING_CTAGS:
		ak = op->key.assoc;
		cv = op->val.ctag;
		r = pctag_delete_judged_in(pctag_set(&ak), &ak, expect ? &cv : NULL);
		break;
	case SCTPLB_TABLE_CLIENTS:
		hk = op->key.hs;
		cl = op->val.client;
		r = cli_delete_judged2(&hk, expect ? &cl : NULL);
		break;
	default:
		return SCTPLB_TABLE_OP_INVAL;
	}
	return r > 0 ? SCTPLB_TABLE_OP_DONE : r < 0 ? SCTPLB_TABLE_OP_STALE : SCTPLB_TABLE_OP_NOENT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
