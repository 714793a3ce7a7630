/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing shared by the XDP and tc programs: Ethernet (one VLAN tag),
 * IPv4 (options), IPv6 (extension headers), IP fragments, SCTP, SCTP over UDP
 * and ICMP errors that quote them.  Works on [data, data_end) only, so that
 * both hooks run the same code.
 */
#ifndef SCTPLB_BPF_PARSE_H
#define SCTPLB_BPF_PARSE_H

#include "common.h"

/* The packet's bounds; kept apart from struct pkt, which holds scalars only. */
struct buf {
	void *data;
	void *data_end;
};

enum { FRAG_NONE = 0, FRAG_FIRST = 1, FRAG_LATER = 2 };

/*
 * Everything the later steps need, filled by parsing.  Scalars only, so that
 * it can be handed to a global (separately verified) function.
 */
struct pkt {
	__u32 service_id;
	__u8 path;              /* index of the VIP the packet was sent to */
	__u8 svc_flags;
	__u32 l3_len;           /* IP length: total length / 40 + payload length */
	__u32 sctp_off;         /* offset of the SCTP common header */
	__u32 sctp_end;         /* offset just past the SCTP packet (IP/UDP length) */
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport;            /* SCTP ports, network byte order */
	__u16 dport;
	__u8 family;            /* SCTPLB_AF_INET / SCTPLB_AF_INET6 */
	__u8 proto;             /* 132, or 17 when encapsulated */
	__u32 vtag;             /* host byte order */
	/* Chunk summary, filled by walk_chunks(). */
	__u32 init_off;         /* offset of the INIT chunk, when first_type is INIT */
	__u16 init_len;
	__u8 first_type;
	__u8 nchunks;
	__u16 data_chunks;
	__u16 heartbeats;
	__u8 ppid[SCTPLB_PPID_N]; /* DATA chunks per payload protocol class (ppid.h) */
	__u8 ends;              /* ABORT or SHUTDOWN-COMPLETE present */
	__u8 tbit;              /* ... with the T bit: the vtag is the sender's own */
	__u8 frag;              /* FRAG_*: an IP fragment, first or later */
	__u8 icmp;              /* an ICMP error; the rest describes the packet it quotes */
	__u32 frag_id;          /* IPv4 identification or IPv6 fragment header's, as on the wire */
	__u16 l3_off;           /* offset of the IP header (NAT rewrites it) */
	__u16 icmp_off;         /* an ICMP error: offset of its header (the quote is 8 further) */
	__u8 asconf;            /* an ASCONF chunk (RFC 5061) present */
	__u8 snat;              /* full NAT reply: 1 + the path of the forwarder address it went to */
	__u16 nat_port;         /* NAT reply: the nat_backends key's port, as on the wire */
	__u8 nat;               /* NAT reply: from a backend's own address (nat_backends) */
	/* The decision, filled by the choosing step. */
	__u32 backend_id;
	__u32 reason;           /* enum sctplb_stat that decided the verdict */
};

/*
 * Bounds-checked pointer into the packet.  The explicit bound on off keeps the
 * verifier's range for (data + off) finite.
 */
static __always_inline void *pkt_ptr(const struct buf *b, __u32 off, __u32 len)
{
	void *ptr;

	if (off > SCTPLB_MAX_PKT)
		return NULL;
	ptr = b->data + off;
	if (ptr + len > b->data_end)
		return NULL;
	return ptr;
}

#include "ppid.h"

static __always_inline int parse_ipv4(const struct buf *b, struct pkt *p, __u32 *off)
{
	struct iphdr *ip = pkt_ptr(b, *off, sizeof(*ip));
	__u32 hlen, tot;

	if (!ip)
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	hlen = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (hlen < sizeof(*ip) || tot < hlen)
		return act_drop(SCTPLB_STAT_DROP_BAD_IP);
	if (*off + tot > (__u32)(b->data_end - b->data))
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	p->family = SCTPLB_AF_INET;
	p->proto = ip->protocol;
	p->saddr[0] = ip->saddr;
	p->daddr[0] = ip->daddr;
	p->l3_len = tot;
	p->sctp_end = *off + tot;
	/* MF set or a non-zero offset: a fragment.  Only the first one has
	 * the SCTP header; the later ones follow it (the frags map). */
	if (ip->frag_off & bpf_htons(0x3fff)) {
		p->frag_id = ip->id;
		p->frag = ip->frag_off & bpf_htons(0x1fff) ? FRAG_LATER : FRAG_FIRST;
	}
	*off += hlen;
	return ACT_CONTINUE;
}

static __always_inline int parse_ipv6(const struct buf *b, struct pkt *p, __u32 *off)
{
	struct ipv6hdr *ip6 = pkt_ptr(b, *off, sizeof(*ip6));
	__u32 plen;
	__u8 next;
	int i;

	if (!ip6)
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	plen = bpf_ntohs(ip6->payload_len);
	if (*off + sizeof(*ip6) + plen > (__u32)(b->data_end - b->data))
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	p->family = SCTPLB_AF_INET6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	p->l3_len = sizeof(*ip6) + plen;
	p->sctp_end = *off + sizeof(*ip6) + plen;
	next = ip6->nexthdr;
	*off += sizeof(*ip6);

	for (i = 0; i < SCTPLB_MAX_IPV6_EXT; i++) {
		struct ipv6_opt_hdr *eh;

		if (next == IPPROTO_FRAGMENT) {
			/* RFC 8200 4.5: offset in 8-octet units, M flag in bit 0 */
			struct frag_hdr *fh = pkt_ptr(b, *off, sizeof(*fh));

			if (!fh || *off + sizeof(*fh) > p->sctp_end)
				return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
			p->frag_id = fh->identification;
			if (fh->frag_off & bpf_htons(0xfff8)) {
				p->frag = FRAG_LATER;
				return ACT_CONTINUE;
			}
			if (fh->frag_off & bpf_htons(1))
				p->frag = FRAG_FIRST; /* else an atomic fragment: whole */
			next = fh->nexthdr;
			*off += sizeof(*fh);
			continue;
		}
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		    next != IPPROTO_DSTOPTS && next != IPPROTO_AH)
			break;
		/* Within the IP packet, not just the frame (Ethernet padding). */
		eh = pkt_ptr(b, *off, sizeof(*eh));
		if (!eh || *off + sizeof(*eh) > p->sctp_end)
			return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
		/* RFC 8200 4.3: 8-octet units, not counting the first 8;
		 * RFC 4302 2.2: AH counts 4-octet units, minus 2 */
		if (next == IPPROTO_AH)
			*off += (eh->hdrlen + 2) * 4;
		else
			*off += (eh->hdrlen + 1) * 8;
		next = eh->nexthdr;
	}
	switch (next) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return act_drop(SCTPLB_STAT_DROP_IPV6_EXT);
	}
	p->proto = next;
	if (*off > p->sctp_end)
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	return ACT_CONTINUE;
}

/* Ethernet and IP: sets the addresses, the protocol and *off to the L4 header. */
static __always_inline int parse_l3(const struct buf *b, struct pkt *p, __u32 *off)
{
	struct ethhdr *eth = pkt_ptr(b, 0, sizeof(*eth));
	__u16 proto;

	if (!eth)
		return act_pass(SCTPLB_STAT_PASS_NOT_IP);
	proto = eth->h_proto;
	*off = sizeof(*eth);
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = pkt_ptr(b, *off, sizeof(*vh));

		if (!vh)
			return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
		proto = vh->h_vlan_encapsulated_proto;
		*off += sizeof(*vh);
	}
	p->l3_off = *off;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(b, p, off);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(b, p, off);
	return act_pass(SCTPLB_STAT_PASS_NOT_IP);
}

/*
 * An ICMP error sent to a VIP (frag-needed, unreachable, time exceeded;
 * ICMPv6 unreachable, packet too big, time exceeded) quotes a packet that a
 * backend sent from that VIP toward a client: the rest of the parse (in reply
 * mode) describes the quoted packet, so that it goes to that backend.  RFC 792
 * quotes at least the IP header and 8 bytes: the SCTP ports and vtag.
 */
static __always_inline int parse_icmp(const struct buf *b, struct pkt *p, __u32 *off)
{
	__u32 vip[4], inner_end;
	__u8 *ih = pkt_ptr(b, *off, 8);

	if (!ih)
		return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
	p->icmp_off = *off;
	if (p->family == SCTPLB_AF_INET ? ih[0] != 3 && ih[0] != 11
					: ih[0] != 1 && ih[0] != 2 && ih[0] != 3)
		return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
	*off += 8;
	__builtin_memcpy(vip, p->daddr, 16);
	if (p->family == SCTPLB_AF_INET) {
		struct iphdr *ip = pkt_ptr(b, *off, sizeof(*ip));

		if (!ip || ip->ihl < 5)
			return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
		p->proto = ip->protocol;
		p->saddr[0] = ip->saddr;
		p->daddr[0] = ip->daddr;
		inner_end = *off + bpf_ntohs(ip->tot_len);
		*off += ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = pkt_ptr(b, *off, sizeof(*ip6));

		if (!ip6)
			return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
		p->proto = ip6->nexthdr;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		inner_end = *off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		*off += sizeof(*ip6);
	}
	if (p->proto != IPPROTO_SCTP && p->proto != IPPROTO_UDP)
		return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
	/* Only errors about the VIP's own packets, sent to that VIP. */
	if (vip[0] != p->saddr[0] || vip[1] != p->saddr[1] || vip[2] != p->saddr[2] ||
	    vip[3] != p->saddr[3])
		return act_pass(SCTPLB_STAT_PASS_NOT_SERVICE);
	if (inner_end < p->sctp_end)
		p->sctp_end = inner_end; /* the quote is usually cut short */
	p->icmp = 1;
	return ACT_CONTINUE;
}

#ifndef SCTPLB_AGENT
/*
 * The services and server_ids lookups, cached: a hash lookup (jhash, the
 * bucket, a memcmp: calls, each with its return) was ~25 ns of an
 * established packet's ~165.  Per-CPU, direct-mapped caches of the entries
 * found, each with the generation of those maps it was read under (svc_gen,
 * include/sctplb.h): user space bumps it after every write to services or
 * server_ids, so an entry read before a change is never used after it.  The
 * generation is read before the hash lookup: an entry filled while a commit
 * runs carries the generation before its bump.  Misses are not cached (a key
 * added needs no bump).  Per CPU, and XDP and tc do not nest on one CPU: an
 * entry is never seen half written.  One body for both (gen_cache_lookup):
 * an entry is its generation plus one (0: never filled), the key, the value.
 */
#define SVC_CACHE_SLOTS 64 /* a power of two; a VIP key per service and path fits */

struct svc_cache_entry {
	__u32 gen1;             /* svc_gen + 1 when filled, 0 never */
	struct sctplb_vip_key key;
	struct sctplb_service svc;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SVC_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct svc_cache_entry);
} svc_cache SEC(".maps");

struct sid_cache_entry {
	__u32 gen1;
	struct sctplb_server_key key;
	__u32 backend_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SVC_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct sid_cache_entry);
} sid_cache SEC(".maps");

/* gen_cache_lookup's layout: the value right after the key. */
_Static_assert(sizeof(struct sctplb_vip_key) % 4 == 0 &&
	       __builtin_offsetof(struct svc_cache_entry, svc) == 4 + sizeof(struct sctplb_vip_key),
	       "svc_cache_entry: gen1, key, value");
_Static_assert(__builtin_offsetof(struct sid_cache_entry, backend_id) ==
	       4 + sizeof(struct sctplb_server_key), "sid_cache_entry: gen1, key, value");

/*
 * The value of key (klen bytes, a multiple of 4, padding zeroed) in the hash
 * map src, through slot `slot` of the cache map `cache` (entries: gen1, the
 * key, the value of vlen bytes).  The sizes are constants at every call, so
 * the compare and the copies are unrolled.  At the 2^32nd generation gen1
 * wraps to 0, which a never-filled entry matches only for an all-zero key:
 * no lookup has one (a VIP key has its protocol, server id 0 is not looked
 * up).
 */
static __always_inline void *gen_cache_lookup(void *cache, void *src, const void *key,
					      __u32 klen, __u32 vlen, __u32 slot)
{
	const __u32 *k = key;
	__u32 zero = 0, gen1, i;
	__u32 *g, *e;
	void *v;

	g = bpf_map_lookup_elem(&svc_gen, &zero);
	if (!g)
		return bpf_map_lookup_elem(src, key);
	gen1 = *(volatile __u32 *)g + 1;
	e = bpf_map_lookup_elem(cache, &slot);
	if (!e)
		return bpf_map_lookup_elem(src, key);
	if (e[0] == gen1) {
#pragma unroll
		for (i = 0; i < klen / 4; i++)
			if (e[1 + i] != k[i])
				goto fill;
		return e + 1 + klen / 4;
	}
fill:
	v = bpf_map_lookup_elem(src, key);
	if (!v)
		return NULL;
	__builtin_memcpy(e + 1, key, klen);
	__builtin_memcpy(e + 1 + klen / 4, v, vlen);
	e[0] = gen1;
	return e + 1 + klen / 4;
}

static __always_inline const struct sctplb_service *services_lookup(const struct sctplb_vip_key *vk)
{
	__u32 h = vk->addr[0] ^ vk->addr[1] ^ vk->addr[2] ^ vk->addr[3] ^ vk->port ^
		  ((__u32)vk->proto << 16);

	h ^= h >> 16;
	h ^= h >> 8;
	return gen_cache_lookup(&svc_cache, &services, vk, sizeof(*vk),
				sizeof(struct sctplb_service), h & (SVC_CACHE_SLOTS - 1));
}

/* server_ids, cached the same way (routable tags, bpf/lib/lb.h): a hash
 * lookup per routable packet, of a handful of keys per service. */
static __always_inline const __u32 *server_ids_lookup(const struct sctplb_server_key *sk)
{
	return gen_cache_lookup(&sid_cache, &server_ids, sk, sizeof(*sk), sizeof(__u32),
				(sk->server_id ^ (sk->service_id << 4)) & (SVC_CACHE_SLOTS - 1));
}
#else
static __always_inline const struct sctplb_service *services_lookup(const struct sctplb_vip_key *vk)
{
	return bpf_map_lookup_elem(&services, vk);
}
#endif

/*
 * SCTP, or SCTP over UDP: finds the service and the SCTP common header.  A
 * packet for no service passes untouched.  Toward the backends the service is
 * (destination address, destination port); on the return path (reply) it is
 * (source address, source port), and the addresses and ports are swapped so
 * that saddr/sport are always the client's and daddr/dport the service's.
 */
static __always_inline int parse_l4(const struct buf *b, struct pkt *p, __u32 off, bool reply)
{
	struct sctplb_nat_backend *nb = NULL;
	struct sctplb_vip_key vk = {};
	const struct sctplb_service *s;
	struct sctphdr *sh;

	if (p->proto == IPPROTO_UDP) {
		struct udphdr *uh = pkt_ptr(b, off, sizeof(*uh));
		__u32 ulen;

		if (!uh)
			return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
		vk.port = reply ? uh->source : uh->dest;
		ulen = bpf_ntohs(uh->len);
		if (!p->icmp) {
			if (ulen < sizeof(*uh) || off + ulen > p->sctp_end)
				return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
			p->sctp_end = off + ulen;
		}
		off += sizeof(*uh);
	} else if (p->proto == IPPROTO_SCTP) {
		sh = pkt_ptr(b, off, SCTP_PORTS_VTAG_LEN);
		if (!sh)
			return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
		vk.port = reply ? sh->source : sh->dest;
	} else {
		return act_pass(SCTPLB_STAT_PASS_NOT_SCTP);
	}

	__builtin_memcpy(vk.addr, reply ? p->saddr : p->daddr, 16);
	vk.proto = p->proto;
	vk.family = p->family;
	s = services_lookup(&vk);
#ifndef SCTPLB_AGENT
	if (!s && reply && !p->icmp) {
		/* A NAT service's backend answers from its own address. */
		nb = bpf_map_lookup_elem(&nat_backends, &vk);
		if (nb) {
			s = &nb->svc;
			p->nat = 1;
			p->nat_port = vk.port;
		}
	}
#endif
	if (!s)
		return act_pass(SCTPLB_STAT_PASS_NOT_SERVICE);

	/* An ICMP quote needs the ports and the vtag; a packet, the whole header. */
	sh = pkt_ptr(b, off, SCTP_PORTS_VTAG_LEN);
	if (!sh || off + (p->icmp ? SCTP_PORTS_VTAG_LEN : sizeof(*sh)) > p->sctp_end)
		return act_drop(SCTPLB_STAT_DROP_TRUNCATED);
	p->sport = reply ? sh->dest : sh->source;
	p->dport = reply ? sh->source : sh->dest;
	if (s->flags & SCTPLB_SVC_F_UDP_ENCAP) {
		if (p->dport != s->sctp_port)
			return act_pass(SCTPLB_STAT_PASS_NOT_SERVICE);
		if (!reply && !p->icmp)
			stat_inc(SCTPLB_STAT_UDP_ENCAP);
	}
	if (nb) /* the association's key has the service port */
		p->dport = nb->vip_port;
	if (reply) {
		__u32 a[4];

		__builtin_memcpy(a, p->saddr, 16);
		__builtin_memcpy(p->saddr, p->daddr, 16);
		__builtin_memcpy(p->daddr, a, 16);
	}
	p->vtag = bpf_ntohl(sh->vtag);
	p->sctp_off = off;
	p->service_id = s->id;
	p->path = s->path & (SCTPLB_MAX_PATHS - 1);
	p->svc_flags = s->flags;
	return ACT_CONTINUE;
}

/* State of the chunk walk, shared with the bpf_loop() callback. */
struct walk {
	const struct buf *b;
	struct pkt *p;
	__u32 off;
	__u32 n;
	int act;
};

/*
 * One chunk.  RFC 9260 3.2: a chunk is type, flags, length (without
 * padding), value, padded to 4 bytes; a zero or short length, or one running
 * past the packet, makes the packet malformed.  Missing padding after the
 * last chunk is tolerated, as the RFC asks of a robust receiver.
 */
static __always_inline long walk_chunk(struct walk *w)
{
	const struct buf *b = w->b;
	struct pkt *p = w->p;
	struct sctp_chunkhdr *ch;
	__u32 off = w->off, len;
	bool cut;

	if (off >= p->sctp_end)
		return 1;
	ch = pkt_ptr(b, off, sizeof(*ch));
	if (!ch || off + sizeof(*ch) > p->sctp_end)
		goto short_header;
	len = bpf_ntohs(ch->length);
	if (len < sizeof(*ch))
		goto bad_len;
	/* A first fragment ends inside a chunk: walk what is there. */
	cut = off + len > p->sctp_end;
	if (cut && p->frag != FRAG_FIRST)
		goto bad_len;
	if (w->n == 0) {
		p->first_type = ch->type;
		p->init_off = off;
		p->init_len = len;
	}
	switch (ch->type) {
	case SCTP_CID_DATA:
	case SCTP_CID_I_DATA:
		p->data_chunks++;
		ppid_note(b, p, off, ch->type, ch->flags);
		break;
	case SCTP_CID_HEARTBEAT:
	case SCTP_CID_HEARTBEAT_ACK:
		p->heartbeats++;
		break;
	case SCTP_CID_ABORT:
	case SCTP_CID_SHUTDOWN_COMPLETE:
		p->ends = 1;
		/* RFC 9260 8.5.1: T bit set: the vtag is the sender's own */
		if (ch->flags & SCTP_CHUNK_FLAG_T)
			p->tbit = 1;
		break;
	case SCTP_CID_ASCONF:
		p->asconf = 1;
		break;
	case SCTP_CID_INIT:
		if (w->n != 0) {
			w->act = ACT_MAKE(ACT_DROP, SCTPLB_STAT_DROP_INIT_BUNDLED);
			return 1;
		}
		break;
	}
	w->off = off + ((len + 3) & ~3u);
	w->n++;
	return cut;
short_header:
	if (p->frag == FRAG_FIRST)
		return 1;
bad_len:
	w->act = ACT_MAKE(ACT_DROP, SCTPLB_STAT_DROP_CHUNK_LEN);
	return 1;
}

/* walk_chunk for bpf_loop (w->n counts the chunks, not i: the first ones
 * are walked outside the loop). */
static long walk_one_chunk(__u64 i, void *arg)
{
	(void)i;
	return walk_chunk(arg);
}

/*
 * Walks every chunk (up to SCTPLB_MAX_CHUNKS) and summarises the packet.
 * The first WALK_DIRECT chunks are walked by direct calls: most packets
 * (DATA, SACK, HEARTBEAT) carry one, a bundle a few (SACK + DATA, several
 * DATA), and then the loop is never set up.  bpf_loop() walks the others,
 * and keeps the verifier from exploring each iteration count through the
 * rest of the program.
 */
#define WALK_DIRECT 4

static __always_inline int walk_chunks(const struct buf *b, struct pkt *p)
{
	struct walk w = { .b = b, .p = p, .off = p->sctp_off + sizeof(struct sctphdr), .act = ACT_CONTINUE };

	if (w.off >= p->sctp_end)
		return act_drop(SCTPLB_STAT_DROP_NO_CHUNK);
	if (!walk_chunk(&w) && w.off < p->sctp_end &&
	    !walk_chunk(&w) && w.off < p->sctp_end &&
	    !walk_chunk(&w) && w.off < p->sctp_end &&
	    !walk_chunk(&w) && w.off < p->sctp_end)
		bpf_loop(SCTPLB_MAX_CHUNKS - WALK_DIRECT, walk_one_chunk, &w, 0);
	if (w.act != ACT_CONTINUE)
		return w.act;
	p->nchunks = w.n;
	if (!w.n) /* a first fragment cut inside its first chunk header */
		return act_drop(SCTPLB_STAT_DROP_NO_CHUNK);
	if (w.n == SCTPLB_MAX_CHUNKS && w.off < p->sctp_end)
		stat_inc(SCTPLB_STAT_CHUNKS_OVER_BOUND);

	if (p->first_type == SCTP_CID_INIT) {
		/* RFC 9260 8.5.1: INIT is alone in its packet, with vtag 0 */
		if (p->nchunks != 1)
			return act_drop(SCTPLB_STAT_DROP_INIT_BUNDLED);
		if (p->vtag != 0)
			return act_drop(SCTPLB_STAT_DROP_INIT_VTAG);
		/* its fixed part present, even in a first fragment */
		if (p->init_len < SCTP_INIT_FIXED_LEN ||
		    p->init_off + SCTP_INIT_FIXED_LEN > p->sctp_end)
			return act_drop(SCTPLB_STAT_DROP_INIT_SHORT);
	} else if (p->vtag == 0) {
		return act_drop(SCTPLB_STAT_DROP_ZERO_VTAG);
	}
	return ACT_CONTINUE;
}

#endif
