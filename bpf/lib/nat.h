/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * NAT mode (include/sctplb.h: svc_nat, nat_backends; docs/nat.md).
 *
 * Toward a backend, a packet for VIP i leaves with the backend's address i as
 * its destination, and the backend's port when the service maps it.  On the
 * return path (tc ingress of the interfaces that face the backends, where the
 * forwarder is their gateway), a packet from backend address i leaves with
 * VIP i as its source and the service port; every address the backend lists
 * in its INIT-ACK becomes the VIP of its path, so the client's view of the
 * association is the VIPs, as with direct server return.
 *
 * Nothing is recomputed: the CRC32c covers the ports and the chunks, not the
 * IP addresses (RFC 9260 6.8), and is patched only for what changes there
 * (sctplb_crc32c_patch, the datapath's one implementation); the IPv4 header
 * checksum and, under UDP encapsulation, the UDP checksum (whose
 * pseudo-header holds the addresses, RFC 768) are updated by difference
 * (RFC 1624).  The differences are summed here for both hooks; XDP applies
 * them itself, tc through bpf_l3_csum_replace / bpf_l4_csum_replace, which
 * also know a checksum the stack left partial (CHECKSUM_PARTIAL).
 */
#ifndef SCTPLB_BPF_NAT_H
#define SCTPLB_BPF_NAT_H

#include "common.h"
#include "parse.h"
#include "lb.h"
#include "sctplb_crc32c.h"

#define BPF_F_PSEUDO_HDR_ (1ULL << 4)
#define BPF_F_MARK_MANGLED_0_ (1ULL << 5)

/* The checksum differences of one rewrite (one's complement sums, RFC 1071),
 * and the CRC32c field as it goes. */
struct nat_sums {
	__u32 ip;       /* IPv4 header: the addresses */
	__u32 pseudo;   /* UDP pseudo-header: the addresses */
	__u32 data;     /* UDP: the SCTP bytes (ports, CRC32c, chunk bytes) */
	__u32 crc;      /* the CRC32c field, patched */
	__u32 crc_old;
};

/*
 * Scratch space: a full-NAT flow being made, and the sums of the rewrite.
 * The 512 bytes of BPF stack are shared with the callers (sctplb_xdp holds
 * the FIB request).
 */
struct nat_scratch {
	struct sctplb_snat_flow f;
	struct nat_sums s;
	__u32 tmp[8];           /* an address, a MAC, a quote being moved */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat_scratch);
} snat_scratch SEC(".maps");

/*
 * The return path's fragments (nat_frag_remember): a NAT backend's datagram
 * whose first fragment was translated, by the frags map's key (the
 * addresses as on the wire, from the backend), -> what its later fragments
 * become: from the VIP, and under full NAT to the client's address.  Kept
 * apart from frags, whose value names a backend, not addresses: a later
 * fragment has no port and no tag to find them again.
 */
struct nat_frag {
	struct sctplb_addr vip;
	struct sctplb_addr client;      /* full NAT; family 0: the destination stays */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SCTPLB_MAX_FRAGS);
	__type(key, struct sctplb_frag_key);
	__type(value, struct nat_frag);
} nat_frags SEC(".maps");

static __always_inline __u32 csum_add32(__u32 s, __u32 x)
{
	s += x;
	return s + (s < x);
}

/* RFC 1624 3: a word m becomes m': the sum gains ~m + m'.  Words as they
 * are in memory (the sum is byte-order independent), at even offsets. */
static __always_inline __u32 csum_diff32(__u32 d, __u32 from, __u32 to)
{
	return csum_add32(csum_add32(d, ~from), to);
}

static __always_inline __u32 csum_diff16(__u32 d, __u16 from, __u16 to)
{
	return csum_add32(csum_add32(d, (__u16)~from), to);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + diff), folded. */
static __always_inline __u16 csum_apply(__u16 field, __u32 diff)
{
	__u32 s = csum_add32(diff, (__u16)~field);

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * The IP header's address at off4 (IPv4) or off6 (IPv6) becomes to; sums of
 * both checksums.  One branch per family, each with its own bound: the
 * verifier does not tie a pointer's range to a family read again later.
 * False if the packet is too short.
 */
static __always_inline bool nat_ip_addr(const struct buf *b, const struct pkt *p, __u32 off4,
					__u32 off6, const __u32 *to, struct nat_sums *s)
{
	__u32 *a;
	int i;

	if (p->family == SCTPLB_AF_INET) {
		a = pkt_ptr(b, off4, 4);
		if (!a)
			return false;
		s->pseudo = csum_diff32(s->pseudo, a[0], to[0]);
		s->ip = csum_diff32(s->ip, a[0], to[0]);
		a[0] = to[0];
		return true;
	}
	a = pkt_ptr(b, off6, 16);
	if (!a)
		return false;
	for (i = 0; i < 4; i++) {
		s->pseudo = csum_diff32(s->pseudo, a[i], to[i]);
		a[i] = to[i];
	}
	return true;
}

#define NAT_SADDR(p) (p)->l3_off + __builtin_offsetof(struct iphdr, saddr), \
		     (p)->l3_off + __builtin_offsetof(struct ipv6hdr, saddr)
#define NAT_DADDR(p) (p)->l3_off + __builtin_offsetof(struct iphdr, daddr), \
		     (p)->l3_off + __builtin_offsetof(struct ipv6hdr, daddr)

/* A port of the SCTP common header (off 0 source, 2 destination). */
static __always_inline void nat_port(__u16 *port, __u16 to, __u32 off, __u32 sctp_len,
				     struct nat_sums *s)
{
	s->crc = sctplb_crc32c_patch(s->crc, sctp_len, off, port, &to, 2);
	s->data = csum_diff16(s->data, *port, to);
	*port = to;
	stat_inc(SCTPLB_STAT_NAT_PORT);
}

/*
 * The sums into the packet: the CRC32c field, the IPv4 header checksum, and
 * the transport checksum: UDP's (pseudo-header and SCTP bytes), or an ICMP
 * error's (ICMPv6's has a pseudo-header, ICMPv4's none).  skb: through the tc
 * helpers (after which no packet pointer is valid: the caller re-reads
 * skb->data); else by hand.  UDP over IPv4 with checksum 0 has none (RFC 768)
 * and keeps none; a UDP result of 0 is sent as 0xffff.
 */
static __always_inline void nat_sums_apply(void *ctx, bool skb, const struct buf *b,
					   const struct pkt *p, struct nat_sums *s)
{
	__u32 ipc = p->l3_off + __builtin_offsetof(struct iphdr, check);
	__u32 l4c = p->sctp_off - sizeof(struct udphdr) + __builtin_offsetof(struct udphdr, check);
	__u32 *crc = pkt_ptr(b, p->sctp_off + SCTPLB_SCTP_CSUM_OFF, 4);
	bool udp = p->proto == IPPROTO_UDP && !p->icmp;
	bool pseudo = udp || (p->icmp && p->family == SCTPLB_AF_INET6);
	__u16 *f;

	if (p->icmp)
		l4c = p->icmp_off + 2;
	if (crc && s->crc != s->crc_old) {
		*crc = s->crc;
		s->data = csum_diff32(s->data, s->crc_old, s->crc);
	}
	if (skb) {
		if (p->family == SCTPLB_AF_INET && s->ip)
			bpf_l3_csum_replace(ctx, ipc, 0, s->ip, 0);
		if (pseudo)
			bpf_l4_csum_replace(ctx, l4c, 0, s->pseudo,
					    BPF_F_PSEUDO_HDR_ | (udp ? BPF_F_MARK_MANGLED_0_ : 0));
		if ((udp || p->icmp) && s->data)
			bpf_l4_csum_replace(ctx, l4c, 0, s->data, udp ? BPF_F_MARK_MANGLED_0_ : 0);
		return;
	}
	if (p->family == SCTPLB_AF_INET) {
		f = pkt_ptr(b, ipc, 2);
		if (f)
			*f = csum_apply(*f, s->ip);
	}
	if (!udp && !p->icmp)
		return;
	f = pkt_ptr(b, l4c, 2);
	if (!f || (udp && !*f && p->family == SCTPLB_AF_INET))
		return;
	*f = csum_apply(*f, csum_add32(pseudo ? s->pseudo : 0, s->data));
	if (udp && !*f)
		*f = 0xffff;
}

/*
 * An address of the packet an ICMP error quotes (the quoted IP header at q:
 * off4 / off6 within it, as NAT_SADDR / NAT_DADDR give them) becomes to; the
 * quoted IPv4 header's checksum follows, and the ICMP checksum's sum (data)
 * gets both differences.  False if the quote is too short.
 */
static __always_inline bool nat_quote_addr(const struct buf *b, const struct pkt *p, __u32 q,
					   bool src, const __u32 *to, struct nat_sums *s)
{
	__u32 *a;
	__u16 *qcheck, old;
	int i;

	if (p->family == SCTPLB_AF_INET) {
		a = pkt_ptr(b, q + (src ? __builtin_offsetof(struct iphdr, saddr)
					: __builtin_offsetof(struct iphdr, daddr)), 4);
		qcheck = pkt_ptr(b, q + __builtin_offsetof(struct iphdr, check), 2);
		if (!a || !qcheck)
			return false;
		old = *qcheck;
		*qcheck = csum_apply(old, csum_diff32(0, a[0], to[0]));
		s->data = csum_diff16(s->data, old, *qcheck);
		s->data = csum_diff32(s->data, a[0], to[0]);
		a[0] = to[0];
		return true;
	}
	a = pkt_ptr(b, q + (src ? __builtin_offsetof(struct ipv6hdr, saddr)
				: __builtin_offsetof(struct ipv6hdr, daddr)), 16);
	if (!a)
		return false;
	for (i = 0; i < 4; i++) {
		s->data = csum_diff32(s->data, a[i], to[i]);
		a[i] = to[i];
	}
	return true;
}

/* A port of the quoted SCTP header becomes to (no CRC32c: see below). */
static __always_inline void nat_quote_port(__u16 *port, __u16 to, struct nat_sums *s)
{
	if (*port == to)
		return;
	s->data = csum_diff16(s->data, *port, to);
	*port = to;
	stat_inc(SCTPLB_STAT_NAT_PORT);
}

/*
 * An ICMP error sent to VIP i that quotes a packet sent from VIP i (parse_icmp):
 * for backend address i, it must quote the packet as the backend sent it, or
 * the backend will not find its association.  The outer destination, the
 * quoted source address (and the quoted IPv4 header's checksum) and the
 * quoted source port become the backend's (under full NAT, the quoted
 * destination and the outer source the forwarder's address of the path);
 * the ICMP checksum follows (the
 * quoted CRC32c is left: a quote is cut short, and nobody checks it).
 */
static __always_inline void nat_icmp_to_backend(void *ctx, bool skb, const struct buf *b,
						const struct pkt *p, const struct sctplb_svc_nat *n,
						const struct sctplb_addr *a, struct nat_sums *s)
{
	const struct sctplb_addr *sn = &n->snat[p->path & (SCTPLB_MAX_PATHS - 1)];
	__u16 *qport = pkt_ptr(b, p->sctp_off, 2);

	if (!qport || !nat_quote_addr(b, p, p->icmp_off + 8, true, a->addr, s))
		return;
	if (!nat_ip_addr(b, p, NAT_DADDR(p), a->addr, s))
		return;
	if (n->nsnat && sn->family == p->family) {
		/* Full NAT: the backend sent it to the forwarder's address, and
		 * has a route to that address only: it quotes the destination
		 * and is the error's source. */
		if (!nat_quote_addr(b, p, p->icmp_off + 8, false, sn->addr, s) ||
		    !nat_ip_addr(b, p, NAT_SADDR(p), sn->addr, s))
			return;
	}
	if (n->target_port)
		nat_quote_port(qport, n->target_port, s);
	nat_sums_apply(ctx, skb, b, p, s);
	stat_inc(SCTPLB_STAT_NAT_TO_BACKEND);
}

/*
 * The address a of parameter ph (off: its offset in the SCTP packet of
 * sctp_len bytes) becomes to; to NULL: the parameter becomes a Padding
 * parameter (SCTPLB_PARAM_PAD) of the same length, its bytes zeroed, so that
 * the receiver skips it and never learns the address.  The CRC32c and the
 * UDP sum follow.
 */
static __always_inline void nat_param_set(struct sctp_paramhdr *ph, __u32 *a, __u8 family,
					  const __u32 *to, struct nat_sums *s, __u32 sctp_len,
					  __u32 off)
{
	static const __u32 zero[4];
	__u16 pad = bpf_htons(SCTPLB_PARAM_PAD);
	int j;

	if (!to) {
		to = zero;
		s->crc = sctplb_crc32c_patch(s->crc, sctp_len, off, &ph->type, &pad, 2);
		s->data = csum_diff16(s->data, ph->type, pad);
		ph->type = pad;
		stat_inc(SCTPLB_STAT_NAT_ADDR_HIDDEN);
	}
	if (family == SCTPLB_AF_INET) {
		s->crc = sctplb_crc32c_patch32(s->crc, sctp_len, off + 4, a[0], to[0]);
		s->data = csum_diff32(s->data, a[0], to[0]);
		a[0] = to[0];
		return;
	}
	s->crc = sctplb_crc32c_patch(s->crc, sctp_len, off + 4, a, to, 16);
	for (j = 0; j < 4; j++) {
		s->data = csum_diff32(s->data, a[j], to[j]);
		a[j] = to[j];
	}
}

/* The service's NAT, or NULL. */
static __always_inline const struct sctplb_svc_nat *svc_nat_of(__u32 service_id)
{
	const struct sctplb_svc_nat *n = bpf_map_lookup_elem(&svc_nat, &service_id);

	return n && (n->flags & SCTPLB_NAT_F_ON) ? n : NULL;
}


static __always_inline bool addr_eq(const __u32 *a, const __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* A full-NAT INIT's address parameters, walked with bpf_loop(). */
struct snat_params {
	const struct buf *b;
	const struct pkt *p;
	struct nat_scratch *x;  /* the flow being made, the sums (few pointers: stack) */
	__u32 off, end;
	__u16 sctp_len;
	__u8 taken;             /* paths given an address so far (bits) */
};

/*
 * One parameter of the client's INIT (RFC 9260 3.3.2.1): the INIT's source
 * address stands for its own path; any other address for the next path of
 * its family not yet given one.  It becomes that path's forwarder address,
 * and the flow remembers the client's address behind it.  An address with no
 * path left becomes a zeroed Padding parameter, as on the return path.
 */
static long snat_one_param(__u64 i, void *arg)
{
	struct snat_params *w = arg;
	const struct sctplb_svc_nat *n = svc_nat_of(w->p->service_id);
	struct sctplb_snat_flow *f = &w->x->f;
	__u32 off = w->off, *a, j, q = SCTPLB_MAX_PATHS;
	struct sctp_paramhdr *ph;
	__u8 family;
	int r;

	if (!n)
		return 1;
	r = init_addr_param(w->b, &w->off, w->end, &ph, &a, &family);
	if (r <= 0)
		return r < 0;
	if (family == w->p->family && a[0] == w->p->saddr[0] &&
	    (family == SCTPLB_AF_INET || (a[1] == w->p->saddr[1] && a[2] == w->p->saddr[2] &&
					  a[3] == w->p->saddr[3]))) {
		q = w->p->path & (SCTPLB_MAX_PATHS - 1);
	} else {
		for (j = 0; j < SCTPLB_MAX_PATHS; j++)
			if (j < n->nsnat && n->snat[j].family == family &&
			    !(w->taken & (1u << j))) {
				q = j;
				break;
			}
	}
	if (q >= SCTPLB_MAX_PATHS) {
		nat_param_set(ph, a, family, NULL, &w->x->s, w->sctp_len, off - w->p->sctp_off);
		return 0;
	}
	w->taken |= 1u << q;
	f->client[q].family = family;
	f->client[q].addr[0] = a[0];
	if (family == SCTPLB_AF_INET6) {
		f->client[q].addr[1] = a[1];
		f->client[q].addr[2] = a[2];
		f->client[q].addr[3] = a[3];
	}
	nat_param_set(ph, a, family, n->snat[q].addr, &w->x->s, w->sctp_len,
		      off - w->p->sctp_off);
	return 0;
}

/*
 * Full NAT, a client's INIT, once it is on its way (its source made the
 * forwarder's by nat_to_backend, which also refused a collision): its
 * addresses become the forwarder's and its client is remembered in
 * snat_flows.  The CRC32c and the UDP checksum are patched again, from what
 * nat_to_backend left: the updates are independent.  Called by the program
 * itself after forwarding has decided, in a global function of its own: the
 * BPF stack is shared along a chain of calls (bpf_loop's callback included),
 * and the forwarding step's chain has no room left for the walk.
 */
static __always_inline void nat_snat_init(void *ctx, bool skb, const struct pkt *p, __u64 now)
{
	const struct sctplb_svc_nat *n = svc_nat_of(p->service_id);
	struct sctplb_snat_key k = { .service_id = p->service_id, .cport = p->sport };
	__u8 path = p->path & (SCTPLB_MAX_PATHS - 1);
	struct nat_scratch *x;
	struct sctphdr *sh;
	__u32 *tagp, zero = 0;
	struct buf b;

	if (!n || !n->nsnat || p->first_type != SCTP_CID_INIT || p->frag != FRAG_NONE ||
	    n->snat[path].family != p->family)
		return;
	b.data = skb ? (void *)(long)((struct __sk_buff *)ctx)->data
		     : (void *)(long)((struct xdp_md *)ctx)->data;
	b.data_end = skb ? (void *)(long)((struct __sk_buff *)ctx)->data_end
			 : (void *)(long)((struct xdp_md *)ctx)->data_end;
	tagp = pkt_ptr(&b, p->init_off + 4, 4);
	sh = pkt_ptr(&b, p->sctp_off, sizeof(*sh));
	x = bpf_map_lookup_elem(&snat_scratch, &zero);
	if (!tagp || !sh || !x)
		return;
	k.ctag = bpf_ntohl(*tagp);
	__builtin_memset(x, 0, sizeof(*x));
	x->s.crc = x->s.crc_old = sh->checksum;
	x->f.created_ns = now;
	x->f.client[path].family = p->family;
	__builtin_memcpy(x->f.client[path].addr, p->saddr, 16);
	{
		struct snat_params w = {
			.b = &b, .p = p, .x = x,
			.sctp_len = p->sctp_end - p->sctp_off,
			.off = p->init_off + SCTP_INIT_FIXED_LEN,
			.end = p->init_off + p->init_len,
			.taken = 1u << path,
		};

		if (w.end > p->sctp_end)
			w.end = p->sctp_end;
		bpf_loop(SCTPLB_MAX_INIT_PARAMS, snat_one_param, &w, 0);
	}
	bpf_map_update_elem(&snat_flows, &k, &x->f, BPF_ANY);
	nat_sums_apply(ctx, skb, &b, p, &x->s);
	stat_inc(SCTPLB_STAT_NAT_SNAT_INIT);
}

/*
 * The kind of a final action (beside common.h's ACT_PASS and ACT_DROP): the
 * packet was made, in place, an answer to its sender, and goes back out of
 * the interface it came in on: bpf_redirect to the ingress (XDP_REDIRECT, at
 * tc TC_ACT_REDIRECT).  Not XDP_TX: out of a veth whose peer runs no XDP
 * program, XDP_TX frames were counted (ethtool: xdp_tx) and never reached
 * the peer on this project's test machines (kernel 6.18), where a redirect
 * to the same interface does; the answer is rare, the cost no matter.
 */
#define ACT_NAT_REPLY 2

/* draft-ietf-tsvwg-natsupp: the ABORT's M bit ("sent by a NAT function") and
 * the error cause that tells the client its (Tc, port) collided. */
#define SCTP_ABORT_FLAG_M 0x02
#define SCTP_CAUSE_VTAG_PORT_COLLISION 176
/* What the ABORT quotes of the INIT: its chunk header, Initiate Tag and
 * a_rwnd.  The draft allows the quoted chunk cut short; 12 bytes keep the
 * answer no longer than the smallest INIT (20-byte chunk), so it is made in
 * place and the packet only shrinks. */
#define NAT_ABORT_QUOTE 12
#define NAT_ABORT_SCTP_LEN (SCTPLB_SCTP_HDR_LEN + 4 + 4 + NAT_ABORT_QUOTE)

/* One's complement sum of n 16-bit words as they are in memory (RFC 1071). */
static __always_inline __u32 csum_words(__u32 s, const __u16 *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		s = csum_add32(s, w[i]);
	return s;
}

/*
 * The full-NAT collision answer (draft-ietf-tsvwg-natsupp: a NAT function
 * answers an INIT whose internal port and tag collide): the INIT becomes,
 * in place, an ABORT to its sender from the address it was sent to, with the
 * M bit (sent by a NAT function), the T bit clear and the INIT's Initiate
 * Tag as its vtag (RFC 9260 8.4: the answer to an INIT that cannot be
 * processed), and the error cause "VTag and Port Number Collision" quoting
 * the INIT's first NAT_ABORT_QUOTE bytes.  The client's stack then starts
 * again with a new tag (usrsctp and FreeBSD do, on that cause:
 * tests/e2e/test_e2e_fullnat_collision.sh).  The MACs,
 * the addresses, the ports (UDP's too) are swapped; the IP and UDP lengths
 * and checksums, and the CRC32c, are computed whole: the packet is 32 bytes
 * of SCTP.  The frame is cut to its new length last (after which no packet
 * pointer is valid).  False when the INIT's headers are not the plain ones
 * (IPv4 options, IPv6 extension headers): the caller drops it instead.
 */
static __always_inline bool nat_snat_abort(void *ctx, bool skb, const struct buf *b,
					   const struct pkt *p)
{
	__u32 hl = p->family == SCTPLB_AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	__u32 udp = p->proto == IPPROTO_UDP ? sizeof(struct udphdr) : 0;
	__u32 l4len = udp + NAT_ABORT_SCTP_LEN, *quote, *tmp, s = 0, zero = 0;
	struct sctp_chunkhdr *ch;
	struct nat_scratch *x;
	struct ethhdr *eth;
	struct sctphdr *sh;
	__u16 port, *w;

	if (p->sctp_off != p->l3_off + hl + udp)
		return false;
	eth = pkt_ptr(b, 0, sizeof(*eth));
	sh = pkt_ptr(b, p->sctp_off, NAT_ABORT_SCTP_LEN);
	x = bpf_map_lookup_elem(&snat_scratch, &zero); /* the BPF stack is full here */
	if (!eth || !sh || !x || p->init_off != p->sctp_off + SCTPLB_SCTP_HDR_LEN)
		return false;
	tmp = x->tmp;
	quote = x->tmp + 4;
	__builtin_memcpy(quote, sh + 1, NAT_ABORT_QUOTE);
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);

	if (p->family == SCTPLB_AF_INET) {
		struct iphdr *ip = pkt_ptr(b, p->l3_off, sizeof(*ip));

		if (!ip)
			return false;
		tmp[0] = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = tmp[0];
		ip->tot_len = bpf_htons(hl + l4len);
		ip->ttl = 64;
		ip->check = 0;
		ip->check = csum_apply(0xffff, csum_words(0, (__u16 *)ip, 10));
		s = csum_words(0, (__u16 *)&ip->saddr, 4);
	} else {
		struct ipv6hdr *ip6 = pkt_ptr(b, p->l3_off, sizeof(*ip6));

		if (!ip6)
			return false;
		__builtin_memcpy(tmp, &ip6->saddr, 16);
		__builtin_memcpy(&ip6->saddr, &ip6->daddr, 16);
		__builtin_memcpy(&ip6->daddr, tmp, 16);
		ip6->payload_len = bpf_htons(l4len);
		ip6->hop_limit = 64;
		s = csum_words(0, (__u16 *)&ip6->saddr, 16);
	}

	port = sh->source;
	sh->source = sh->dest;
	sh->dest = port;
	sh->vtag = quote[1]; /* the Initiate Tag, as on the wire */
	ch = (void *)(sh + 1);
	ch->type = SCTP_CID_ABORT;
	ch->flags = SCTP_ABORT_FLAG_M;
	ch->length = bpf_htons(4 + 4 + NAT_ABORT_QUOTE);
	w = (__u16 *)(ch + 1);
	w[0] = bpf_htons(SCTP_CAUSE_VTAG_PORT_COLLISION);
	w[1] = bpf_htons(4 + NAT_ABORT_QUOTE);
	__builtin_memcpy(w + 2, quote, NAT_ABORT_QUOTE);
	sh->checksum = sctplb_sctp_csum(sh, NAT_ABORT_SCTP_LEN);

	if (udp) {
		struct udphdr *uh = pkt_ptr(b, p->sctp_off - udp, udp + NAT_ABORT_SCTP_LEN);

		if (!uh)
			return false;
		port = uh->source;
		uh->source = uh->dest;
		uh->dest = port;
		uh->len = bpf_htons(l4len);
		uh->check = 0;
		/* pseudo-header: the addresses (s), the protocol and the length */
		s = csum_add32(s, bpf_htons(IPPROTO_UDP));
		s = csum_add32(s, bpf_htons(l4len));
		s = csum_words(s, (__u16 *)uh, (udp + NAT_ABORT_SCTP_LEN) / 2);
		uh->check = csum_apply(0xffff, s);
		if (!uh->check)
			uh->check = 0xffff;
	}

	/* the frame ends with the ABORT */
	if (skb)
		return !bpf_skb_change_tail(ctx, p->sctp_off + NAT_ABORT_SCTP_LEN, 0);
	return !bpf_xdp_adjust_tail(ctx, (int)(p->sctp_off + NAT_ABORT_SCTP_LEN) -
					  (int)(b->data_end - b->data));
}

/*
 * Full NAT: an INIT whose (Tc, port) another client holds (a collision) is
 * answered with an ABORT (nat_snat_abort), counted; a first fragment of an
 * INIT (its addresses cannot be rewritten: the CRC32c spans fragments) is
 * refused.
 */
static __always_inline int nat_snat_refuse(void *ctx, bool skb, const struct buf *b,
					   struct pkt *p)
{
	struct sctplb_snat_key k = { .service_id = p->service_id, .cport = p->sport };
	__u8 path = p->path & (SCTPLB_MAX_PATHS - 1);
	const struct sctplb_snat_flow *old;
	__u32 *tagp;

	if (p->first_type != SCTP_CID_INIT || p->frag == FRAG_LATER)
		return ACT_CONTINUE;
	if (p->frag == FRAG_FIRST)
		return act_drop(SCTPLB_STAT_NAT_FRAG_PORT);
	tagp = pkt_ptr(b, p->init_off + 4, 4);
	if (!tagp)
		return ACT_CONTINUE;
	k.ctag = bpf_ntohl(*tagp);
	old = bpf_map_lookup_elem(&snat_flows, &k);
	if (!old || (old->client[path].family == p->family &&
		     addr_eq(old->client[path].addr, p->saddr)))
		return ACT_CONTINUE;
	if (!nat_snat_abort(ctx, skb, b, p))
		return act_drop(SCTPLB_STAT_NAT_SNAT_COLLISION);
	p->first_type = SCTP_CID_ABORT; /* it is one now: nothing learns from it as an INIT */
	return ACT_MAKE(ACT_NAT_REPLY, SCTPLB_STAT_NAT_SNAT_COLLISION);
}

/*
 * The full-NAT flow of p's association (service, ports): by its vtag as Tc,
 * or (by_ts) by its vtag as Ts, whose association gives Tc.  NULL if none.
 */
static __always_inline const struct sctplb_snat_flow *snat_flow_find(const struct pkt *p,
								     bool by_ts)
{
	struct sctplb_snat_key k = { .service_id = p->service_id, .ctag = p->vtag,
				     .cport = p->sport };
	struct sctplb_assoc_key ak;
	struct sctplb_assoc *a;
	bool pending;

	if (by_ts) {
		assoc_key(&ak, p, p->service_id, p->vtag);
		a = assoc_find(&ak, &pending);
		if (!a)
			return NULL;
		k.ctag = a->ctag;
	}
	return bpf_map_lookup_elem(&snat_flows, &k);
}

/* The path whose forwarder address (snat) is addr, or SCTPLB_MAX_PATHS. */
static __always_inline __u32 snat_path_of(const struct sctplb_svc_nat *n, __u8 family,
					  const __u32 *addr)
{
	__u32 j;

	for (j = 0; j < SCTPLB_MAX_PATHS; j++)
		if (j < n->nsnat && n->snat[j].family == family && addr_eq(n->snat[j].addr, addr))
			return j;
	return SCTPLB_MAX_PATHS;
}

/*
 * A client's ASCONF (RFC 5061) under full NAT.  The backend knows the client
 * as the forwarder's addresses S i only, and the chunk is authenticated (RFC
 * 5061 4.1.1: ASCONF travels behind an AUTH chunk, RFC 4895, whose HMAC
 * covers it), so its address parameters cannot be rewritten.  A wildcard
 * address (0.0.0.0, ::) stands for the packet's source (RFC 5061), which
 * full NAT maps already: such an ASCONF passes, and the forwarder follows it:
 * the source X (on path i) becomes the client's address of path i; a Delete
 * IP Address with the wildcard deletes every peer address but the source,
 * so the other paths' client addresses are forgotten, as the backend
 * forgets their S j.  An ASCONF that names a concrete address would tell the
 * backend an address it cannot reach (or delete one it does not know): it
 * is dropped, counted (nat_asconf_refused).
 */
#define SCTP_PARAM_ADD_IP 0xc001
#define SCTP_PARAM_DEL_IP 0xc002
#define SCTP_PARAM_SET_PRIMARY 0xc004

struct asconf_walk {
	const struct buf *b;
	__u32 off, end;
	__u8 found;             /* chunks: an ASCONF at off, its end at end */
	__u8 concrete;          /* parameters: an address that is not the wildcard */
	__u8 del;               /* a Delete IP Address */
};

/* Chunks: the ASCONF (RFC 5061 4.1.1), after any AUTH. */
static long asconf_find_one(__u64 i, void *arg)
{
	struct asconf_walk *w = arg;
	struct sctp_chunkhdr *ch = pkt_ptr(w->b, w->off, sizeof(*ch));
	__u32 len;

	if (!ch || w->off + sizeof(*ch) > w->end)
		return 1;
	len = bpf_ntohs(ch->length);
	if (len < sizeof(*ch) || w->off + len > w->end)
		return 1;
	if (ch->type == SCTP_CID_ASCONF) {
		w->found = 1;
		w->end = w->off + len;
		w->off += 8; /* chunk header, Serial Number */
		return 1;
	}
	w->off += (len + 3) & ~3u;
	return 0;
}

/* The address parameter at off (RFC 9260 3.3.2.1) is the wildcard; false for
 * anything else (another address, another parameter, a short one). */
static __always_inline bool asconf_wildcard(const struct buf *b, __u32 off, __u32 end)
{
	struct sctp_paramhdr *ph = pkt_ptr(b, off, sizeof(*ph));
	__u32 *a;

	if (!ph || off + sizeof(*ph) > end)
		return false;
	if (ph->type == bpf_htons(SCTP_PARAM_IPV4) && ph->length == bpf_htons(8)) {
		a = pkt_ptr(b, off + 4, 4);
		return a && off + 8 <= end && !a[0];
	}
	if (ph->type == bpf_htons(SCTP_PARAM_IPV6) && ph->length == bpf_htons(20)) {
		a = pkt_ptr(b, off + 4, 16);
		return a && off + 20 <= end && !(a[0] | a[1] | a[2] | a[3]);
	}
	return false;
}

/* One ASCONF parameter: Add, Delete, Set Primary carry an address after
 * their Correlation ID; the others carry none. */
static long asconf_param_one(__u64 i, void *arg)
{
	struct asconf_walk *w = arg;
	__u32 o = w->off;
	struct sctp_paramhdr *ph = param_next(w->b, &w->off, w->end);
	__u16 type;

	if (!ph)
		return 1;
	type = bpf_ntohs(ph->type);
	if (type != SCTP_PARAM_ADD_IP && type != SCTP_PARAM_DEL_IP &&
	    type != SCTP_PARAM_SET_PRIMARY)
		return 0;
	if (type == SCTP_PARAM_DEL_IP)
		w->del = 1;
	if (!asconf_wildcard(w->b, o + 8, o + bpf_ntohs(ph->length))) {
		w->concrete = 1;
		return 1;
	}
	return 0;
}

static __always_inline int nat_snat_asconf(void *ctx, bool skb, const struct pkt *p)
{
	const struct sctplb_svc_nat *n = svc_nat_of(p->service_id);
	__u8 path = p->path & (SCTPLB_MAX_PATHS - 1);
	struct sctplb_snat_flow *f;
	struct buf b;
	__u32 j;

	if (!n || !n->nsnat || n->snat[path].family != p->family || p->frag != FRAG_NONE)
		return ACT_CONTINUE;
	b.data = skb ? (void *)(long)((struct __sk_buff *)ctx)->data
		     : (void *)(long)((struct xdp_md *)ctx)->data;
	b.data_end = skb ? (void *)(long)((struct __sk_buff *)ctx)->data_end
			 : (void *)(long)((struct xdp_md *)ctx)->data_end;
	{
		struct asconf_walk w = {
			.b = &b, .off = p->sctp_off + SCTPLB_SCTP_HDR_LEN, .end = p->sctp_end,
		};

		bpf_loop(SCTPLB_MAX_CHUNKS, asconf_find_one, &w, 0);
		if (!w.found)
			return ACT_CONTINUE;
		/* its Address Parameter (the association's lookup), then requests */
		if (!asconf_wildcard(&b, w.off, w.end) || !param_next(&b, &w.off, w.end))
			return act_drop(SCTPLB_STAT_NAT_ASCONF_REFUSED);
		bpf_loop(SCTPLB_MAX_INIT_PARAMS, asconf_param_one, &w, 0);
		if (w.concrete)
			return act_drop(SCTPLB_STAT_NAT_ASCONF_REFUSED);
		/* the flow follows the client (f: a map value, written in place) */
		f = (struct sctplb_snat_flow *)snat_flow_find(p, true);
		if (!f)
			return ACT_CONTINUE;
		if (w.del)
			for (j = 0; j < SCTPLB_MAX_PATHS; j++)
				if (j != path)
					f->client[j].family = 0;
	}
	f->client[path].family = p->family;
	__builtin_memcpy(f->client[path].addr, p->saddr, 16);
	stat_inc(SCTPLB_STAT_NAT_ASCONF_LEARN);
	return ACT_CONTINUE;
}

/*
 * Toward the backend chosen in lb: destination address i of the backend,
 * port mapped.  A later fragment (no SCTP header) gets the address only.  A
 * first fragment whose port must change is dropped: its CRC32c covers bytes
 * in later fragments, which this packet does not say the length of.  An ICMP
 * error gets its quote translated (nat_icmp_to_backend).  Returns
 * ACT_CONTINUE or a drop.
 */
static __always_inline int nat_to_backend(void *ctx, bool skb, struct pkt *p, __u32 backend_id)
{
	const struct sctplb_backend *be = bpf_map_lookup_elem(&backends, &backend_id);
	const struct sctplb_svc_nat *n;
	const struct sctplb_addr *a;
	struct sctphdr *sh = NULL;
	struct nat_scratch *x;
	struct nat_sums *s;
	__u32 zero = 0;
	struct buf b;
	bool port;
	int act;

	if (!(p->svc_flags & SCTPLB_SVC_F_NAT) && p->frag != FRAG_LATER)
		return ACT_CONTINUE;
	n = svc_nat_of(p->service_id);
	if (!n || !be)
		return ACT_CONTINUE;
	a = &be->addr[p->path & (SCTPLB_MAX_PATHS - 1)];
	if (a->family != p->family)
		return ACT_CONTINUE; /* forwarding says NO_BACKEND_PATH */
	port = n->target_port && n->target_port != p->dport && p->frag != FRAG_LATER && !p->icmp;
	if (port && p->frag == FRAG_FIRST)
		return act_drop(SCTPLB_STAT_NAT_FRAG_PORT);
	x = bpf_map_lookup_elem(&snat_scratch, &zero);
	if (!x)
		return ACT_CONTINUE;
	s = &x->s;
	__builtin_memset(s, 0, sizeof(*s));
	b.data = skb ? (void *)(long)((struct __sk_buff *)ctx)->data
		     : (void *)(long)((struct xdp_md *)ctx)->data;
	b.data_end = skb ? (void *)(long)((struct __sk_buff *)ctx)->data_end
			 : (void *)(long)((struct xdp_md *)ctx)->data_end;
	if (p->icmp) {
		nat_icmp_to_backend(ctx, skb, &b, p, n, a, s);
		return ACT_CONTINUE;
	}
	if (port) {
		sh = pkt_ptr(&b, p->sctp_off, sizeof(*sh));
		if (!sh)
			return ACT_CONTINUE;
		s->crc = s->crc_old = sh->checksum;
	}
	if (n->nsnat && n->snat[p->path & (SCTPLB_MAX_PATHS - 1)].family == p->family) {
		/* Full NAT: from the forwarder's address of the path. */
		act = nat_snat_refuse(ctx, skb, &b, p);
		if (act != ACT_CONTINUE)
			return act;
		if (!nat_ip_addr(&b, p, NAT_SADDR(p), n->snat[p->path & (SCTPLB_MAX_PATHS - 1)].addr,
				 s))
			return ACT_CONTINUE;
		stat_inc(SCTPLB_STAT_NAT_SNAT);
	}
	if (!nat_ip_addr(&b, p, NAT_DADDR(p), a->addr, s))
		return ACT_CONTINUE;
	if (port)
		nat_port(&sh->dest, n->target_port, 2, p->sctp_end - p->sctp_off, s);
	nat_sums_apply(ctx, skb, &b, p, s);
	stat_inc(SCTPLB_STAT_NAT_TO_BACKEND);
	return ACT_CONTINUE;
}

/*
 * Full NAT, before the return path learns from a backend's packet: the packet
 * goes to a forwarder address snat[j] (saddr, after parse_l4's swap); the
 * client behind it, from snat_flows by (Tc, client port), becomes p->saddr,
 * so that the association's keys and counters are the client's, and
 * nat_to_client sends it there (p->snat = j + 1).  Returns -1 for a packet to
 * a forwarder address whose flow is gone (dropped), else 0.
 */
static __always_inline int nat_snat_client(struct pkt *p)
{
	const struct sctplb_svc_nat *n = svc_nat_of(p->service_id);
	const struct sctplb_snat_flow *f;
	__u32 q;

	if (!n || !n->nsnat)
		return 0;
	q = snat_path_of(n, p->family, p->saddr);
	if (q >= SCTPLB_MAX_PATHS)
		return 0; /* not to the forwarder: as without full NAT */
	/* RFC 9260 8.5.1: a T-bit packet has the backend's own tag Ts */
	f = snat_flow_find(p, p->tbit);
	if (!f || f->client[q].family != p->family) {
		stat_inc(SCTPLB_STAT_NAT_SNAT_UNKNOWN);
		return -1;
	}
	__builtin_memcpy(p->saddr, f->client[q].addr, 16);
	p->snat = q + 1;
	return 0;
}

/* The INIT-ACK's address parameters, walked with bpf_loop(). */
struct nat_params {
	const struct buf *b;
	const struct pkt *p;
	const struct sctplb_nat_backend *nb;
	struct nat_sums *s;
	__u32 off, end, sctp_len;
};

/*
 * One parameter (RFC 9260 3.3.3: the INIT-ACK's are the INIT's): an IPv4 (5)
 * or IPv6 (6) address of this backend becomes the VIP of its path; any other
 * address becomes a zeroed Padding parameter (SCTPLB_PARAM_PAD).
 */
static long nat_one_param(__u64 i, void *arg)
{
	struct nat_params *w = arg;
	const struct sctplb_nat_backend *v;
	struct sctplb_vip_key k = {};
	__u32 off = w->off, *a;
	struct sctp_paramhdr *ph;
	const __u32 *to = NULL;
	__u8 family;
	int r;

	r = init_addr_param(w->b, &w->off, w->end, &ph, &a, &family);
	if (r <= 0)
		return r < 0;
	k.addr[0] = a[0];
	if (family == SCTPLB_AF_INET6)
		__builtin_memcpy(k.addr, a, 16);
	k.port = w->p->nat_port;
	k.proto = w->p->proto;
	k.family = family;
	v = bpf_map_lookup_elem(&nat_backends, &k);
	if (v && v->backend_id == w->nb->backend_id && v->svc.id == w->nb->svc.id &&
	    v->vip.family == family) {
		to = v->vip.addr;
		stat_inc(SCTPLB_STAT_NAT_ADDR_VIP);
	}
	/* else no VIP stands for it: the client must not learn it (to NULL) */
	nat_param_set(ph, a, family, to, w->s, w->sctp_len, off - w->p->sctp_off);
	return 0;
}

/* The frags key of p's datagram, from the IP header as it is on the wire. */
static __always_inline bool nat_frag_key(const struct buf *b, const struct pkt *p,
					 struct sctplb_frag_key *fk)
{
	__u32 *a;

	__builtin_memset(fk, 0, sizeof(*fk));
	fk->id = p->frag_id;
	fk->family = p->family;
	if (p->family == SCTPLB_AF_INET) {
		a = pkt_ptr(b, p->l3_off + __builtin_offsetof(struct iphdr, saddr), 8);
		if (!a)
			return false;
		fk->saddr[0] = a[0];
		fk->daddr[0] = a[1];
		return true;
	}
	a = pkt_ptr(b, p->l3_off + __builtin_offsetof(struct ipv6hdr, saddr), 32);
	if (!a)
		return false;
	__builtin_memcpy(fk->saddr, a, 16);
	__builtin_memcpy(fk->daddr, a + 4, 16);
	return true;
}

/*
 * A NAT backend's first fragment, about to be translated (before its
 * addresses change): its later fragments will leave from vip, and under
 * full NAT (p->snat) to the client p->saddr.
 */
static __always_inline void nat_frag_remember(const struct buf *b, const struct pkt *p,
					      const struct sctplb_addr *vip)
{
	struct sctplb_frag_key fk;
	struct nat_frag v = { .vip = *vip };

	if (!nat_frag_key(b, p, &fk))
		return;
	if (p->snat) {
		v.client.family = p->family;
		__builtin_memcpy(v.client.addr, p->saddr, 16);
	}
	bpf_map_update_elem(&nat_frags, &fk, &v, BPF_ANY);
}

/*
 * A later fragment on the return path (no SCTP header: it follows its
 * first, as toward the backends): the addresses its first fragment got, the
 * IPv4 header checksum with them (nothing else: the CRC32c does not cover
 * the addresses, and the UDP checksum is in the first fragment).  One whose
 * first was not translated passes as it is.  tc verdict.
 */
static __always_inline int nat_frag_to_client(struct __sk_buff *skb, struct pkt *p)
{
	const struct nat_frag *v;
	struct sctplb_frag_key fk;
	struct nat_sums s = {};
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	p->reason = SCTPLB_STAT_PASS_FRAGMENT;
	if (p->frag != FRAG_LATER || !nat_frag_key(&b, p, &fk))
		return TC_ACT_OK;
	v = bpf_map_lookup_elem(&nat_frags, &fk);
	if (!v || v->vip.family != p->family)
		return TC_ACT_OK;
	if (!nat_ip_addr(&b, p, NAT_SADDR(p), v->vip.addr, &s))
		return TC_ACT_OK;
	if (v->client.family == p->family &&
	    !nat_ip_addr(&b, p, NAT_DADDR(p), v->client.addr, &s))
		return TC_ACT_OK;
	p->proto = IPPROTO_SCTP; /* no transport header here to follow the addresses */
	nat_sums_apply(skb, true, &b, p, &s);
	p->reason = SCTPLB_STAT_NAT_FRAG_BACK;
	stat_inc(SCTPLB_STAT_NAT_FRAG_BACK);
	stat_inc(SCTPLB_STAT_NAT_TO_CLIENT);
	return TC_ACT_OK;
}

/*
 * From a backend's own address (p->nat, from parse_l4): the source becomes
 * the VIP of its path and the source port the service port; an INIT-ACK's
 * addresses become VIPs.  tc only.  A first fragment whose port or chunk
 * would change is dropped (its CRC32c spans fragments: nat_frag_port); any
 * other has its addresses translated, and its later fragments follow
 * (nat_frag_to_client).
 * Returns the tc verdict: an ASCONF (RFC 5061) would tell the client the
 * backend's own addresses (its Address Parameter, and any it adds), so it is
 * dropped and counted; the backend's association stays on its paths.
 */
static __always_inline int nat_to_client(struct __sk_buff *skb, const struct pkt *p)
{
	const struct sctplb_nat_backend *nb;
	struct sctplb_vip_key k = {
		.port = p->nat_port, .proto = p->proto, .family = p->family,
	};
	struct nat_sums s = {};
	struct sctphdr *sh;
	__u32 len;
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	__builtin_memcpy(k.addr, p->daddr, 16); /* reply: daddr is the backend's */
	nb = bpf_map_lookup_elem(&nat_backends, &k);
	if (!nb || nb->vip.family != p->family)
		return TC_ACT_OK;
	if (p->asconf) {
		stat_inc(SCTPLB_STAT_NAT_ASCONF_DROP);
		return TC_ACT_SHOT;
	}
	sh = pkt_ptr(&b, p->sctp_off, sizeof(*sh));
	if (!sh)
		return TC_ACT_OK;
	if (p->frag == FRAG_FIRST) {
		/* Its CRC32c spans the later fragments: a port or an INIT-ACK
		 * address cannot be patched without the datagram's length. */
		if (sh->source != nb->vip_port || p->first_type == SCTP_CID_INIT_ACK) {
			stat_inc(SCTPLB_STAT_NAT_FRAG_PORT);
			return TC_ACT_SHOT;
		}
		nat_frag_remember(&b, p, &nb->vip);
	}
	s.crc = s.crc_old = sh->checksum;
	len = p->sctp_end - p->sctp_off;
	if (!nat_ip_addr(&b, p, NAT_SADDR(p), nb->vip.addr, &s))
		return TC_ACT_OK;
	if (p->snat) {
		/* Full NAT: from the forwarder's address to the client's. */
		if (!nat_ip_addr(&b, p, NAT_DADDR(p), p->saddr, &s))
			return TC_ACT_OK;
		stat_inc(SCTPLB_STAT_NAT_SNAT_BACK);
	}
	if (p->frag == FRAG_NONE) {
		if (sh->source != nb->vip_port)
			nat_port(&sh->source, nb->vip_port, 0, len, &s);
		if (p->first_type == SCTP_CID_INIT_ACK) {
			struct nat_params w = {
				.b = &b, .p = p, .nb = nb, .s = &s, .sctp_len = len,
				.off = p->init_off + SCTP_INIT_FIXED_LEN,
				.end = p->init_off + p->init_len,
			};

			if (w.end > p->sctp_end)
				w.end = p->sctp_end;
			bpf_loop(SCTPLB_MAX_INIT_PARAMS, nat_one_param, &w, 0);
		}
	}
	nat_sums_apply(skb, true, &b, p, &s);
	stat_inc(SCTPLB_STAT_NAT_TO_CLIENT);
	return TC_ACT_OK;
}

/*
 * An ICMP or ICMPv6 error on the return path (tc ingress of an interface that
 * faces the backends; parse_l3 has filled p, off is the ICMP header), quoting
 * a packet the forwarder sent to a NAT backend: client (or, full NAT, the
 * forwarder's address S j) -> backend address i, target port.  A router
 * between the forwarder and the backend (path MTU, unreachable, time
 * exceeded), or the backend itself, sends it to the quoted source.  For the
 * client to find its association, it must quote the packet as the client
 * sent it: the quoted destination becomes VIP i, the quoted destination port
 * the service port, and under full NAT the quoted source the client's
 * address of path j (snat_flows, by the quoted vtag: Ts through its
 * association, or Tc; an INIT's Initiate Tag when quoted).  The outer source
 * becomes VIP i (the client learns no address of the backends' side), the
 * outer destination the client's; the checksums follow (the quoted CRC32c,
 * and a quoted UDP checksum, are left as quoted, as toward the backends).
 * The kernel then routes it to the client.  One for a forwarder address
 * whose client is not known is consumed (the client cannot be told), as
 * nat_snat_client does with other packets.  Anything else passes untouched.
 * Returns the tc verdict.
 */
static __always_inline int nat_icmp_to_client(struct __sk_buff *skb, struct pkt *p, __u32 off)
{
	const struct sctplb_snat_flow *f = NULL;
	const struct sctplb_nat_backend *nb;
	const struct sctplb_svc_nat *n;
	struct sctplb_vip_key k = {};
	struct nat_scratch *x;
	struct nat_sums *s;
	__u32 q = off + 8, zero = 0, j = SCTPLB_MAX_PATHS, *tagp, *qaddr;
	struct sctphdr *sh;
	__u16 *kport;
	__u8 *ih;
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	p->reason = SCTPLB_STAT_PASS_NOT_SCTP; /* for the trace: as before, unless translated */
	ih = pkt_ptr(&b, off, 8);
	if (!ih || p->frag != FRAG_NONE)
		return TC_ACT_OK;
	if (p->family == SCTPLB_AF_INET ? ih[0] != 3 && ih[0] != 11
					: ih[0] != 1 && ih[0] != 2 && ih[0] != 3)
		return TC_ACT_OK;
	if (p->family == SCTPLB_AF_INET) {
		struct iphdr *ip = pkt_ptr(&b, q, sizeof(*ip));

		if (!ip || ip->ihl < 5)
			return TC_ACT_OK;
		k.proto = ip->protocol;
		k.addr[0] = ip->daddr;
		p->sctp_off = q + ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = pkt_ptr(&b, q, sizeof(*ip6));

		if (!ip6)
			return TC_ACT_OK;
		k.proto = ip6->nexthdr;
		__builtin_memcpy(k.addr, &ip6->daddr, 16);
		p->sctp_off = q + sizeof(*ip6);
	}
	if (k.proto != IPPROTO_SCTP && k.proto != IPPROTO_UDP)
		return TC_ACT_OK;
	/* the nat_backends key's port: SCTP's, or the UDP encapsulation's */
	kport = pkt_ptr(&b, p->sctp_off + 2, 2);
	if (!kport)
		return TC_ACT_OK;
	k.port = *kport;
	if (k.proto == IPPROTO_UDP)
		p->sctp_off += sizeof(struct udphdr);
	k.family = p->family;
	nb = bpf_map_lookup_elem(&nat_backends, &k);
	sh = pkt_ptr(&b, p->sctp_off, SCTP_PORTS_VTAG_LEN);
	if (!nb || !sh || nb->vip.family != p->family)
		return TC_ACT_OK;
	n = svc_nat_of(nb->svc.id);
	x = bpf_map_lookup_elem(&snat_scratch, &zero);
	if (!n || !x)
		return TC_ACT_OK;
	p->service_id = nb->svc.id;
	p->path = nb->svc.path & (SCTPLB_MAX_PATHS - 1);
	p->sport = sh->source;
	p->dport = nb->vip_port;
	p->vtag = bpf_ntohl(sh->vtag);
	p->icmp = 1;
	p->icmp_off = off;
	p->backend_id = nb->backend_id;
	p->reason = SCTPLB_STAT_NAT_ICMP_TO_CLIENT;
	s = &x->s;
	__builtin_memset(s, 0, sizeof(*s));

	if (n->nsnat) {
		/* one bound per family (see nat_ip_addr) */
		__builtin_memset(x->tmp, 0, 16);
		if (p->family == SCTPLB_AF_INET) {
			qaddr = pkt_ptr(&b, q + __builtin_offsetof(struct iphdr, saddr), 4);
			if (!qaddr)
				return TC_ACT_OK;
			x->tmp[0] = qaddr[0];
		} else {
			qaddr = pkt_ptr(&b, q + __builtin_offsetof(struct ipv6hdr, saddr), 16);
			if (!qaddr)
				return TC_ACT_OK;
			__builtin_memcpy(x->tmp, qaddr, 16);
		}
		j = snat_path_of(n, p->family, x->tmp);
	}
	if (j < SCTPLB_MAX_PATHS) {
		/* to the forwarder's address: whose client? */
		if (!p->vtag) {
			/* an INIT: its Initiate Tag, if quoted */
			tagp = pkt_ptr(&b, p->sctp_off + SCTPLB_SCTP_HDR_LEN + 4, 4);
			p->vtag = tagp ? bpf_ntohl(*tagp) : 0;
			f = p->vtag ? snat_flow_find(p, false) : NULL;
		} else {
			f = snat_flow_find(p, true);
			if (!f) /* a T-bit packet carries Tc */
				f = snat_flow_find(p, false);
		}
		if (!f || f->client[j].family != p->family) {
			stat_inc(SCTPLB_STAT_NAT_SNAT_UNKNOWN);
			p->reason = SCTPLB_STAT_NAT_SNAT_UNKNOWN;
			return TC_ACT_SHOT;
		}
		if (!nat_quote_addr(&b, p, q, true, f->client[j].addr, s) ||
		    !nat_ip_addr(&b, p, NAT_DADDR(p), f->client[j].addr, s))
			return TC_ACT_OK;
	}
	sh = pkt_ptr(&b, p->sctp_off, SCTP_PORTS_VTAG_LEN);
	if (!sh || !nat_quote_addr(&b, p, q, false, nb->vip.addr, s))
		return TC_ACT_OK;
	nat_quote_port(&sh->dest, nb->vip_port, s);
	if (!nat_ip_addr(&b, p, NAT_SADDR(p), nb->vip.addr, s))
		return TC_ACT_OK;
	nat_sums_apply(skb, true, &b, p, s);
	stat_inc(SCTPLB_STAT_NAT_ICMP_TO_CLIENT);
	return TC_ACT_OK;
}

#endif
