/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The backend agent: tc programs on a backend host's interfaces that make the
 * backend's verification tag routable (include/sctplb_rtag.h), so that any
 * forwarder holding the key finds the backend from the vtag alone.
 *
 *   egress  (backend -> client): the Initiate Tag Ts of an INIT-ACK becomes a
 *           fresh routable tag T' of this server, unique on this host; a
 *           T-bit ABORT or SHUTDOWN-COMPLETE, which carries Ts in its common
 *           header (RFC 9260 8.5.1), gets T' there.
 *   ingress (client -> backend): a packet whose vtag is a T' this agent
 *           issued gets Ts back before the stack sees it (the State Cookie
 *           inside a COOKIE-ECHO holds Ts, and matches again).
 *
 * Every rewrite patches the CRC32c incrementally (sctplb_crc32c_patch32) and,
 * under UDP encapsulation, the UDP checksum.  A packet whose CRC32c the stack
 * left to the NIC (crc_offloaded) is not patched: the NIC computes it over the
 * rewritten packet.  Nothing here drops a packet.
 *
 * The same parsing as the forwarder (bpf/lib/parse.h): this host's VIPs and
 * port are the agent's "services" (id 1).  Its maps are its own, pinned
 * apart (SCTPLB_AGENT_MAPS).
 */
#define SCTPLB_AGENT
#include "lib/common.h"
#include "lib/parse.h"
#include "sctplb_crc32c.h"

const volatile __u32 sctplb_trace = 0;
const volatile __u32 sctplb_test_clock = 0;
__u64 sctplb_clock_ns = 0;

#define AGENT_TAG_TRIES 4     /* fresh nonces tried for an unused T' */

/*
 * The stack left the SCTP checksum to the device (RFC 9260 6.8 offload):
 * Linux then sends the packet with CHECKSUM_PARTIAL, csum_not_inet and the
 * checksum field zero (sctp_packet_pack), and the device or the software
 * fallback computes it over the packet as it leaves, rewritten or not.  A tc
 * program cannot read ip_summed before Linux 6.3 (bpf_cast_to_kern_ctx), so
 * the field is the sign: zero means not computed yet.  A computed CRC32c is
 * zero for one packet in 2^32; that one leaves unpatched, and SCTP
 * retransmits it.
 */
static __always_inline bool crc_offloaded(struct __sk_buff *skb, const struct pkt *p)
{
	struct buf b = { .data = (void *)(long)skb->data, .data_end = (void *)(long)skb->data_end };
	__u32 *csum = pkt_ptr(&b, p->sctp_off + SCTPLB_SCTP_CSUM_OFF, 4);

	return csum && *csum == 0;
}

/*
 * The 4 bytes at off (a vtag or an Initiate Tag, as on the wire) from `from`
 * to `to`, both in network order: the CRC32c patched unless offloaded, and
 * the UDP checksum of an encapsulated packet.  Returns 0, or -1 when the
 * packet could not be written.
 */
static __always_inline int retag(struct __sk_buff *skb, const struct pkt *p, __u32 off,
				 __u32 from, __u32 to, bool offloaded)
{
	struct buf b = { .data = (void *)(long)skb->data, .data_end = (void *)(long)skb->data_end };
	__u32 *tag = pkt_ptr(&b, off, 4);
	__u32 *csum = pkt_ptr(&b, p->sctp_off + SCTPLB_SCTP_CSUM_OFF, 4);
	__u32 len = p->sctp_end - p->sctp_off, old_csum, new_csum;

	if (!tag || !csum || off < p->sctp_off || off + 4 > p->sctp_end)
		return -1;
	old_csum = new_csum = *csum;
	if (!offloaded)
		new_csum = sctplb_crc32c_patch32(old_csum, len, off - p->sctp_off, from, to);
	*tag = to;
	*csum = new_csum;
	if (p->proto == IPPROTO_UDP) {
		/* Covers the SCTP bytes: the tag and the CRC32c changed. */
		__u32 uoff = p->sctp_off - sizeof(struct udphdr) + __builtin_offsetof(struct udphdr, check);

		bpf_l4_csum_replace(skb, uoff, from, to, 4 | BPF_F_MARK_MANGLED_0);
		bpf_l4_csum_replace(skb, uoff, old_csum, new_csum, 4 | BPF_F_MARK_MANGLED_0);
	}
	return 0;
}

static __always_inline struct sctplb_agent_config *agent_cfg(void)
{
	__u32 zero = 0;
	struct sctplb_agent_config *c = bpf_map_lookup_elem(&agent_config, &zero);

	return c && (c->flags & SCTPLB_RTAG_F_ON) ? c : NULL;
}

/*
 * The routable tag of Ts on these ports: the one issued before (an INIT-ACK
 * sent again with the same Initiate Tag, RFC 9260 5.2.1, or a T-bit packet),
 * or, for an INIT-ACK (mint), a fresh one that no association on this host
 * holds.  0 when there is none.
 */
static __always_inline __u32 routable(const struct sctplb_agent_config *c,
				      struct sctplb_agent_key *k, bool mint, __u64 now)
{
	struct sctplb_agent_tag *t = bpf_map_lookup_elem(&agent_out, k);
	struct sctplb_agent_tag out = { .created_ns = now, .last_seen_ns = now };
	struct sctplb_agent_tag in = { .tag = k->tag, .created_ns = now, .last_seen_ns = now };
	struct sctplb_agent_key ik = *k;
	__u32 rt;
	int i;

	if (t)
		return t->tag;
	if (!mint)
		return 0;
	for (i = 0; i < AGENT_TAG_TRIES; i++) {
		rt = sctplb_rtag_make(&c->key, c->server_id, bpf_get_prandom_u32());
		if (!rt)
			continue;
		ik.tag = rt;
		if (bpf_map_update_elem(&agent_in, &ik, &in, BPF_NOEXIST))
			continue; /* held by another association here */
		out.tag = rt;
		if (bpf_map_update_elem(&agent_out, k, &out, BPF_NOEXIST)) {
			bpf_map_delete_elem(&agent_in, &ik);
			t = bpf_map_lookup_elem(&agent_out, k); /* another CPU was first */
			return t ? t->tag : 0;
		}
		return rt;
	}
	stat_inc(SCTPLB_STAT_AGENT_NO_TAG);
	return 0;
}

/* What the backend sends: INIT-ACK's Initiate Tag, a T-bit packet's vtag. */
__noinline int sctplb_agent_out(struct __sk_buff *skb, struct pkt *p, __u32 offloaded)
{
	struct buf b = { .data = (void *)(long)skb->data, .data_end = (void *)(long)skb->data_end };
	struct sctplb_agent_config *c = agent_cfg();
	struct sctplb_agent_key k;
	__u32 *tagp, ts, rt, off;

	if (!p || !c)
		return TC_ACT_OK;
	k.cport = p->sport;     /* reply orientation: the client's port */
	k.sport = p->dport;
	if (p->first_type == SCTP_CID_INIT_ACK) {
		off = p->init_off + 4;
		if (p->init_len < SCTP_INIT_FIXED_LEN || off + 4 > p->sctp_end)
			return TC_ACT_OK;
		tagp = pkt_ptr(&b, off, 4);
		if (!tagp)
			return TC_ACT_OK;
		ts = bpf_ntohl(*tagp);
		k.tag = ts;
		rt = routable(c, &k, true, lb_now());
		if (rt && !retag(skb, p, off, bpf_htonl(ts), bpf_htonl(rt), offloaded))
			stat_inc(SCTPLB_STAT_AGENT_INIT_ACK);
		return TC_ACT_OK;
	}
	if (p->tbit) {
		k.tag = p->vtag;
		rt = routable(c, &k, false, 0);
		if (rt && !retag(skb, p, p->sctp_off + 4, bpf_htonl(p->vtag), bpf_htonl(rt),
				 offloaded))
			stat_inc(SCTPLB_STAT_AGENT_TBIT_OUT);
	}
	return TC_ACT_OK;
}

/* What the clients send: a vtag this agent issued goes back to Ts. */
__noinline int sctplb_agent_in(struct __sk_buff *skb, struct pkt *p, __u32 offloaded)
{
	struct sctplb_agent_tag *t;
	struct sctplb_agent_key k;
	__u64 now;

	if (!p || !agent_cfg() || p->first_type == SCTP_CID_INIT || p->tbit)
		return TC_ACT_OK; /* INIT: vtag 0; T-bit: the client's own tag */
	k.tag = p->vtag;
	k.cport = p->sport;
	k.sport = p->dport;
	t = bpf_map_lookup_elem(&agent_in, &k);
	if (!t) {
		stat_inc(SCTPLB_STAT_AGENT_IN_UNKNOWN);
		return TC_ACT_OK;
	}
	now = lb_now();
	t->last_seen_ns = now;
	t->flags |= SCTPLB_AGENT_F_SEEN;
	if (p->ends && !(t->flags & SCTPLB_AGENT_F_CLOSING)) {
		t->flags |= SCTPLB_AGENT_F_CLOSING;
		t->closing_ns = now;
	}
	if (!retag(skb, p, p->sctp_off + 4, bpf_htonl(p->vtag), bpf_htonl(t->tag), offloaded))
		stat_inc(SCTPLB_STAT_AGENT_IN);
	return TC_ACT_OK;
}

/* Parse (the forwarder's code), then translate; global: verified once. */
__noinline int sctplb_agent_parse(struct __sk_buff *skb, struct pkt *p, __u32 reply)
{
	struct buf b = { .data = (void *)(long)skb->data, .data_end = (void *)(long)skb->data_end };
	__u32 off = 0;
	int act;

	if (!p)
		return ACT_MAKE(ACT_PASS, SCTPLB_STAT_PASS_NOT_IP);
	act = parse_l3(&b, p, &off);
	if (act != ACT_CONTINUE)
		return act;
	if (p->frag == FRAG_LATER || p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		return act_pass(SCTPLB_STAT_PASS_NOT_SCTP); /* nothing of ours to rewrite */
	act = parse_l4(&b, p, off, reply);
	if (act != ACT_CONTINUE)
		return act;
	return walk_chunks(&b, p);
}

static __always_inline int agent(struct __sk_buff *skb, bool out)
{
	struct pkt p = {};
	bool offloaded;

	/* The whole packet readable (len 0 would pull only the linear head:
	 * virtio-net gives large packets just their Ethernet header there). */
	bpf_skb_pull_data(skb, skb->len);
	if (sctplb_agent_parse(skb, &p, out) != ACT_CONTINUE)
		return TC_ACT_OK;
	offloaded = out && crc_offloaded(skb, &p);
	if (offloaded)
		stat_inc(SCTPLB_STAT_AGENT_CSUM_OFFLOAD);
	return out ? sctplb_agent_out(skb, &p, offloaded) : sctplb_agent_in(skb, &p, offloaded);
}

SEC("tc")
int sctplb_agent_egress(struct __sk_buff *skb)
{
	return agent(skb, true);
}

SEC("tc")
int sctplb_agent_ingress(struct __sk_buff *skb)
{
	return agent(skb, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
