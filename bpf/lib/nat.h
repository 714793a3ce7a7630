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

/* The 16-byte (or 4-byte) address at a becomes to; sums of both checksums. */
static __always_inline void nat_addr(__u32 *a, const __u32 *to, __u8 family, struct nat_sums *s)
{
	int i;

	for (i = 0; i < (family == SCTPLB_AF_INET6 ? 4 : 1); i++) {
		s->pseudo = csum_diff32(s->pseudo, a[i], to[i]);
		if (family == SCTPLB_AF_INET)
			s->ip = csum_diff32(s->ip, a[i], to[i]);
		a[i] = to[i];
	}
}

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
 * The sums into the packet: the CRC32c field, the IPv4 header checksum, the
 * UDP checksum.  skb: through the tc helpers (after which no packet pointer
 * is valid: the caller re-reads skb->data); else by hand.  UDP over IPv4
 * with checksum 0 has none (RFC 768) and keeps none; a result of 0 is sent
 * as 0xffff.
 */
static __always_inline void nat_sums_apply(void *ctx, bool skb, const struct buf *b,
					   const struct pkt *p, struct nat_sums *s)
{
	__u32 ipc = p->l3_off + __builtin_offsetof(struct iphdr, check);
	__u32 uc = p->sctp_off - sizeof(struct udphdr) + __builtin_offsetof(struct udphdr, check);
	__u32 *crc = pkt_ptr(b, p->sctp_off + SCTPLB_SCTP_CSUM_OFF, 4);
	__u16 *f;

	if (crc && s->crc != s->crc_old) {
		*crc = s->crc;
		s->data = csum_diff32(s->data, s->crc_old, s->crc);
	}
	if (skb) {
		if (p->family == SCTPLB_AF_INET && s->ip)
			bpf_l3_csum_replace(ctx, ipc, 0, s->ip, 0);
		if (p->proto == IPPROTO_UDP && !p->icmp) {
			bpf_l4_csum_replace(ctx, uc, 0, s->pseudo,
					    BPF_F_PSEUDO_HDR_ | BPF_F_MARK_MANGLED_0_);
			if (s->data)
				bpf_l4_csum_replace(ctx, uc, 0, s->data, BPF_F_MARK_MANGLED_0_);
		}
		return;
	}
	if (p->family == SCTPLB_AF_INET) {
		f = pkt_ptr(b, ipc, 2);
		if (f)
			*f = csum_apply(*f, s->ip);
	}
	if (p->proto == IPPROTO_UDP && !p->icmp) {
		f = pkt_ptr(b, uc, 2);
		if (f && (*f || p->family == SCTPLB_AF_INET6)) {
			*f = csum_apply(*f, csum_add32(s->pseudo, s->data));
			if (!*f)
				*f = 0xffff;
		}
	}
}

/* The service's NAT, or NULL. */
static __always_inline const struct sctplb_svc_nat *svc_nat_of(__u32 service_id)
{
	const struct sctplb_svc_nat *n = bpf_map_lookup_elem(&svc_nat, &service_id);

	return n && (n->flags & SCTPLB_NAT_F_ON) ? n : NULL;
}

/*
 * Toward the backend chosen in lb: destination address i of the backend,
 * port mapped.  A later fragment (no SCTP header) gets the address only.  A
 * first fragment whose port must change is dropped: its CRC32c covers bytes
 * in later fragments, which this packet does not say the length of.  ICMP
 * errors are not translated (docs/nat.md: not built).  Returns ACT_CONTINUE
 * or a drop.
 */
static __always_inline int nat_to_backend(void *ctx, bool skb, const struct pkt *p,
					  const struct lb *lb)
{
	const struct sctplb_svc_nat *n;
	const struct sctplb_addr *a;
	struct nat_sums s = {};
	struct sctphdr *sh = NULL;
	struct buf b;
	__u32 *daddr;
	bool port;

	if (!(p->svc_flags & SCTPLB_SVC_F_NAT) && p->frag != FRAG_LATER)
		return ACT_CONTINUE;
	n = svc_nat_of(p->service_id);
	if (!n || p->icmp)
		return ACT_CONTINUE;
	a = &lb->be->addr[p->path & (SCTPLB_MAX_PATHS - 1)];
	if (a->family != p->family)
		return ACT_CONTINUE; /* forwarding says NO_BACKEND_PATH */
	port = n->target_port && n->target_port != p->dport && p->frag != FRAG_LATER;
	if (port && p->frag == FRAG_FIRST)
		return act_drop(SCTPLB_STAT_NAT_FRAG_PORT);
	b.data = skb ? (void *)(long)((struct __sk_buff *)ctx)->data
		     : (void *)(long)((struct xdp_md *)ctx)->data;
	b.data_end = skb ? (void *)(long)((struct __sk_buff *)ctx)->data_end
			 : (void *)(long)((struct xdp_md *)ctx)->data_end;
	if (p->family == SCTPLB_AF_INET)
		daddr = pkt_ptr(&b, p->l3_off + __builtin_offsetof(struct iphdr, daddr), 4);
	else
		daddr = pkt_ptr(&b, p->l3_off + __builtin_offsetof(struct ipv6hdr, daddr), 16);
	if (!daddr)
		return ACT_CONTINUE;
	if (port) {
		sh = pkt_ptr(&b, p->sctp_off, sizeof(*sh));
		if (!sh)
			return ACT_CONTINUE;
		s.crc = s.crc_old = sh->checksum;
	}
	nat_addr(daddr, a->addr, p->family, &s);
	if (port)
		nat_port(&sh->dest, n->target_port, 2, p->sctp_end - p->sctp_off, &s);
	nat_sums_apply(ctx, skb, &b, p, &s);
	stat_inc(SCTPLB_STAT_NAT_TO_BACKEND);
	return ACT_CONTINUE;
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
	static const __u32 zero[4];
	struct nat_params *w = arg;
	const struct sctplb_nat_backend *v;
	struct sctplb_vip_key k = {};
	struct sctp_paramhdr *ph;
	__u32 off = w->off, *a, j;
	__u16 type, len, pad = bpf_htons(SCTPLB_PARAM_PAD);
	const __u32 *to = zero;
	__u8 family;

	if (off + sizeof(*ph) > w->end)
		return 1;
	ph = pkt_ptr(w->b, off, sizeof(*ph));
	if (!ph)
		return 1;
	type = bpf_ntohs(ph->type);
	len = bpf_ntohs(ph->length);
	if (len < sizeof(*ph) || off + len > w->end)
		return 1;
	w->off = off + ((len + 3) & ~3u);
	if (type == SCTP_PARAM_IPV4 && len == 8)
		family = SCTPLB_AF_INET;
	else if (type == SCTP_PARAM_IPV6 && len == 20)
		family = SCTPLB_AF_INET6;
	else
		return 0;
	a = pkt_ptr(w->b, off + 4, 16);
	if (!a && family == SCTPLB_AF_INET)
		a = pkt_ptr(w->b, off + 4, 4);
	if (!a)
		return 1;
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
	} else {
		/* No VIP stands for it: the client must not learn it. */
		w->s->crc = sctplb_crc32c_patch(w->s->crc, w->sctp_len, off - w->p->sctp_off,
						&ph->type, &pad, 2);
		w->s->data = csum_diff16(w->s->data, ph->type, pad);
		ph->type = pad;
		stat_inc(SCTPLB_STAT_NAT_ADDR_HIDDEN);
	}
	if (family == SCTPLB_AF_INET) {
		w->s->crc = sctplb_crc32c_patch32(w->s->crc, w->sctp_len, off + 4 - w->p->sctp_off,
						  a[0], to[0]);
		w->s->data = csum_diff32(w->s->data, a[0], to[0]);
		a[0] = to[0];
		return 0;
	}
	w->s->crc = sctplb_crc32c_patch(w->s->crc, w->sctp_len, off + 4 - w->p->sctp_off, a, to,
					16);
	for (j = 0; j < 4; j++) {
		w->s->data = csum_diff32(w->s->data, a[j], to[j]);
		a[j] = to[j];
	}
	return 0;
}

/*
 * From a backend's own address (p->nat, from parse_l4): the source becomes
 * the VIP of its path and the source port the service port; an INIT-ACK's
 * addresses become VIPs.  tc only.  The first fragment of a packet whose
 * port or chunk would change keeps them (its CRC32c spans fragments).
 */
static __always_inline void nat_to_client(struct __sk_buff *skb, const struct pkt *p)
{
	const struct sctplb_nat_backend *nb;
	struct sctplb_vip_key k = {
		.port = p->nat_port, .proto = p->proto, .family = p->family,
	};
	struct nat_sums s = {};
	struct sctphdr *sh;
	__u32 *saddr, len;
	struct buf b = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
	};

	__builtin_memcpy(k.addr, p->daddr, 16); /* reply: daddr is the backend's */
	nb = bpf_map_lookup_elem(&nat_backends, &k);
	if (!nb || nb->vip.family != p->family)
		return;
	if (p->family == SCTPLB_AF_INET)
		saddr = pkt_ptr(&b, p->l3_off + __builtin_offsetof(struct iphdr, saddr), 4);
	else
		saddr = pkt_ptr(&b, p->l3_off + __builtin_offsetof(struct ipv6hdr, saddr), 16);
	sh = pkt_ptr(&b, p->sctp_off, sizeof(*sh));
	if (!saddr || !sh)
		return;
	s.crc = s.crc_old = sh->checksum;
	len = p->sctp_end - p->sctp_off;
	nat_addr(saddr, nb->vip.addr, p->family, &s);
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
}

#endif
