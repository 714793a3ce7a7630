/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_parse: libFuzzer target over the datapath's own code (bpf/sctplb.bpf.c
 * and the bpf/lib headers, compiled for user space through the shims vmlinux.h,
 * bpf/bpf_helpers.h and bpf/bpf_endian.h in this directory; fake_bpf.h holds
 * the in-memory maps and helpers).  ASan and UBSan catch any read outside the
 * frame or any undefined behaviour; the checks below abort on a broken
 * invariant.
 *
 * Each input is one Ethernet frame.  The configuration (fixed VIPs, SCTP and
 * SCTP over UDP, backends in every state, a Maglev table naming all of them)
 * is made once; the state (three associations, pending handshakes, small
 * tables so that "full" is reachable) is reset for every input.  The frame
 * then goes through:
 *   1. parse_l3, parse_l4, walk_chunks step by step, toward the backends and
 *      as a reply: offsets within the frame, the service one configured,
 *      and the chunk walk equal to a reference walk written from
 *      docs/datapath.md (so an INIT is never accepted with other chunks);
 *   2. sctplb_xdp twice (the second run sees what the first created): RX
 *      +1 and exactly one final reason +1, the one the trace names, with
 *      its verdict; a chosen backend configured, active and of the service;
 *      a packet of an established association to that association's
 *      backend (the documented exceptions aside); no association lost or
 *      moved to another backend;
 *   3. sctplb_tc_ingress and sctplb_tc_return: the same accounting and
 *      association checks.
 * The unknown-vtag policy is the last byte of the input modulo 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sctplb_trace is a const volatile set by the loader: here, a pointer to a
 * variable that says "on" (see the definition in sctplb.bpf.c). */
#define sctplb_trace (*fuzz_trace_ptr)
#include "sctplb.bpf.c"
#undef sctplb_trace
static const volatile __u32 fuzz_trace_on = 1;

#define FZ_CHECK(cond, ...)                                                     \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz_parse: invariant broken (%s:%d): ", \
				__FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                           \
			fprintf(stderr, "\n");                                  \
			abort();                                                \
		}                                                               \
	} while (0)

/* ---- configuration ---- */

#define SVC1 1
#define SVC2 2
#define PORT 5000
#define ENCAP 9899
#define NBE 7

static const char *const STAT_NAMES[] = {
#define NAME(name, str, help) str,
	SCTPLB_STATS(NAME)
#undef NAME
};

/* The counters that end a packet (p.reason) and the verdict each gives in
 * XDP; -1: not a final reason.  RX == the sum of these. */
static int FINAL_XDP[SCTPLB_STAT_MAX];

static void init_final(void)
{
	int i;

	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		FINAL_XDP[i] = -1;
#define F(name, v) FINAL_XDP[SCTPLB_STAT_##name] = (v);
	SCTPLB_FINAL_REASONS(F)
#undef F
}

static int reason_chooses_backend(__u32 r)
{
	return r == SCTPLB_STAT_FWD_TX || r == SCTPLB_STAT_FWD_REDIRECT ||
	       r == SCTPLB_STAT_FIB_NO_NEIGH || r == SCTPLB_STAT_FIB_UNREACHABLE ||
	       r == SCTPLB_STAT_FIB_FRAG_NEEDED || r == SCTPLB_STAT_NO_BACKEND_PATH;
}

static void a4(__u32 *w, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t *p = (uint8_t *)w;

	memset(w, 0, 16);
	p[0] = a, p[1] = b, p[2] = c, p[3] = d;
}

/* 2001:db8:<w2>::<last> */
static void a6(__u32 *w, uint16_t w2, uint16_t last)
{
	uint8_t *p = (uint8_t *)w;

	memset(w, 0, 16);
	p[0] = 0x20, p[1] = 0x01, p[2] = 0x0d, p[3] = 0xb8;
	p[4] = w2 >> 8, p[5] = w2;
	p[14] = last >> 8, p[15] = last;
}

static struct maglev_table fuzz_maglev1;
static int verbose;             /* FUZZ_VERBOSE=1: each decision on stderr */
static struct sctplb_backend BE[NBE];

static void vip(__u32 svc, int v6, uint8_t last, __u8 path, int encap)
{
	struct sctplb_vip_key k = { .port = bpf_htons(PORT), .proto = 132,
				    .family = v6 ? SCTPLB_AF_INET6 : SCTPLB_AF_INET };
	struct sctplb_service s = { .id = svc, .sctp_port = bpf_htons(PORT), .path = path };

	if (v6)
		a6(k.addr, 0xf, last);
	else
		a4(k.addr, 203, 0, 113, last);
	bpf_map_update_elem(&services, &k, &s, BPF_ANY);
	if (encap) {
		k.port = bpf_htons(ENCAP);
		k.proto = 17;
		s.flags = SCTPLB_SVC_F_UDP_ENCAP;
		bpf_map_update_elem(&services, &k, &s, BPF_ANY);
	}
}

/* FIB: by the last byte of the backend address. */
static int fib(struct bpf_fib_lookup *f)
{
	const uint8_t *a = f->family == AF_INET ? (const uint8_t *)&f->ipv4_dst
						: (const uint8_t *)f->ipv6_dst;
	uint8_t last = a[f->family == AF_INET ? 3 : 15];

	FZ_CHECK(f->family == AF_INET || f->family == AF_INET6, "fib family %u", f->family);
	switch (last) {
	case 0x11:
	case 0x12:
		f->ifindex = last == 0x11 ? 1 : 2;
		memset(f->dmac, last, 6);
		memset(f->smac, 0xee, 6);
		return BPF_FIB_LKUP_RET_SUCCESS;
	case 0x99:
		return BPF_FIB_LKUP_RET_NO_NEIGH;
	default:
		return BPF_FIB_LKUP_RET_UNREACHABLE;
	}
}

static void configure(void)
{
	static const __u32 pattern[10] = { 1, 2, 3, 4, 5, 6, 0, 1, 2, 1 };
	__u32 i, id;

	fuzz_trace_ptr = &fuzz_trace_on;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	fake_fib_hook = fib;
	init_final();
	/* Small state tables: "full" and LRU eviction are reachable. */
	FAKE_MAP(services, 0);
	FAKE_MAP(backends, 0);
	FAKE_MAP_OF_MAPS(maglev);
	FAKE_MAP(fuzz_maglev1, 0);
	FAKE_MAP(handshakes, 6);
	FAKE_MAP(client_index, 5);
	FAKE_MAP(client_filter, 0);
	FAKE_MAP(assoc_filter, 0);
	FAKE_MAP(assocs, 5);
	FAKE_MAP(assoc_ctags, 5);
	FAKE_MAP(assocs_pending, 5);
	FAKE_MAP(pending_ctags, 5);
	FAKE_MAP(svc_rtag, 0);
	FAKE_MAP(server_ids, 0);
	FAKE_MAP(svc_nat, 0);
	FAKE_MAP(nat_backends, 0);
	FAKE_MAP(snat_flows, 4);
	FAKE_MAP(snat_scratch, 0);
	FAKE_MAP(nat_frags, 4);
	FAKE_MAP(path_stats, 0);
	FAKE_MAP(frags, 4);
	FAKE_MAP(settings, 0);
	FAKE_MAP(stats, 0);
	FAKE_MAP(svc_meta, 0);
	FAKE_MAP(be_meta, 0);
	FAKE_MAP(trace, 0);
	FAKE_MAP(assoc_scratch, 0);
	FAKE_MAP(pkt_scratch, 0);
	FAKE_MAP(nexthops, 0);
	FAKE_MAP(ppid_stats, 0);
	FAKE_MAP(policy4, 0);
	FAKE_MAP(policy6, 0);
	FAKE_MAP(event_tokens, 0);
	FAKE_MAP(event_pending, 0);
	FAKE_MAP(svc_gen, 0);
	FAKE_MAP(clock_cache, 0);
	FAKE_MAP(svc_cache, 0);
	FAKE_MAP(sid_cache, 0);

	/* Service 1: three VIPs (paths 0-2), SCTP and UDP; service 2: one, SCTP. */
	vip(SVC1, 0, 1, 0, 1);
	vip(SVC1, 1, 1, 1, 1);
	vip(SVC1, 0, 3, 2, 1);
	vip(SVC2, 0, 2, 0, 0);
	/* Service 2 denies every IPv4 source (an INIT from one: POLICY_DROP). */
	{
		struct sctplb_policy4_key pk = { .prefixlen = 32, .service_id = bpf_htonl(SVC2) };
		struct sctplb_policy deny = { .action = SCTPLB_POLICY_DENY };

		bpf_map_update_elem(&policy4, &pk, &deny, BPF_ANY);
	}

	/* Backends in every state; the address's last byte picks the FIB answer. */
	BE[1] = (struct sctplb_backend){ .service_id = SVC1, .flags = SCTPLB_BE_F_ACTIVE };
	a4(BE[1].addr[0].addr, 192, 0, 2, 0x11), BE[1].addr[0].family = SCTPLB_AF_INET;
	a6(BE[1].addr[1].addr, 1, 0x12), BE[1].addr[1].family = SCTPLB_AF_INET6;
	a4(BE[1].addr[2].addr, 192, 0, 2, 0x12), BE[1].addr[2].family = SCTPLB_AF_INET;
	BE[2] = (struct sctplb_backend){ .service_id = SVC1, .flags = SCTPLB_BE_F_ACTIVE };
	a4(BE[2].addr[0].addr, 198, 51, 100, 0x12), BE[2].addr[0].family = SCTPLB_AF_INET;
	a6(BE[2].addr[1].addr, 0, 0x99), BE[2].addr[1].family = SCTPLB_AF_INET6;
	BE[3] = (struct sctplb_backend){ .service_id = SVC1,
					 .flags = SCTPLB_BE_F_ACTIVE | SCTPLB_BE_F_DRAINED };
	a4(BE[3].addr[0].addr, 203, 0, 113, 250), BE[3].addr[0].family = SCTPLB_AF_INET;
	a6(BE[3].addr[1].addr, 0, 0x11), BE[3].addr[1].family = SCTPLB_AF_INET6;
	BE[4] = (struct sctplb_backend){ .service_id = SVC1, .flags = 0 };
	a4(BE[4].addr[0].addr, 192, 0, 2, 0x11), BE[4].addr[0].family = SCTPLB_AF_INET;
	BE[5] = (struct sctplb_backend){ .service_id = SVC2,
					 .flags = SCTPLB_BE_F_ACTIVE | SCTPLB_BE_F_RTAG };
	a4(BE[5].addr[0].addr, 192, 0, 2, 0x11), BE[5].addr[0].family = SCTPLB_AF_INET;
	BE[6] = (struct sctplb_backend){ .service_id = SVC1, .flags = SCTPLB_BE_F_ACTIVE };
	for (id = 1; id < NBE; id++)
		bpf_map_update_elem(&backends, &id, &BE[id], BPF_ANY);

	/* Both tables alike (include/sctplb.h), generation 0. */
	for (i = 0; i < SCTPLB_MAGLEV_ENTRIES; i++) {
		struct sctplb_maglev_slot sl = { { pattern[i % 10], pattern[i % 10] } };

		if (i == SCTPLB_MAGLEV_GEN)
			sl = (struct sctplb_maglev_slot){ { 0, 0 } };
		bpf_map_update_elem(&fuzz_maglev1, &i, &sl, BPF_ANY);
	}
	fake_set_inner(&maglev, SVC1, &fuzz_maglev1);

	/* Service 2 routes by tag: 4-bit server ids, so that one random vtag in 16
	 * decodes to backend 5's id 3. */
	{
		struct sctplb_svc_rtag r = { .key = { .rk = { 0x1234567, 0x89abcdef, 0x13579bdf,
							     0x2468ace0, 0xdeadbeef, 0x0badf00d,
							     0x5c7b1b5a, 0x7c7c7c7c },
						      .sid_bits = 4 },
					     .flags = SCTPLB_RTAG_F_ON };
		struct sctplb_server_key sk = { .service_id = SVC2, .server_id = 3 };
		__u32 svc = SVC2, be = 5;

		bpf_map_update_elem(&svc_rtag, &svc, &r, BPF_ANY);
		bpf_map_update_elem(&server_ids, &sk, &be, BPF_ANY);
	}
}

/* ---- the state every input starts from ---- */

#define TS1 0x5e000001u
#define TC1 0x7c000001u
#define TS2 0x5e000002u
#define TC2 0x7c000002u
#define TS3 0x5e000003u
#define TC3 0x7c000003u

/* 203.0.113.<last>, or 2001:db8:c::<last> read as hex (100 -> ::100) */
static struct sctplb_client_key ckey(__u16 cport, int v6, uint8_t last)
{
	struct sctplb_client_key k = { .service_id = SVC1, .cport = bpf_htons(cport),
				       .family = v6 ? SCTPLB_AF_INET6 : SCTPLB_AF_INET };

	if (v6)
		a6(k.caddr, 0xc, 0x100 + (last - 100));
	else
		a4(k.caddr, 203, 0, 113, last);
	return k;
}

static void put_assoc(__u32 ts, __u32 tc, __u16 cport, __u32 be, int v6, uint8_t last)
{
	struct sctplb_assoc_key ak = { .service_id = SVC1, .vtag = ts, .cport = bpf_htons(cport),
				       .sport = bpf_htons(PORT) };
	struct sctplb_assoc a = { .backend_id = be, .ctag = tc,
				  .state = SCTPLB_ASSOC_ESTABLISHED, .created = 1 };
	struct sctplb_ctag_value cv = { .stag = ts };
	struct sctplb_client ce = { .backend_id = be, .stag = ts };
	struct sctplb_client_key k = ckey(cport, v6, last);

	bpf_map_update_elem(&assocs, &ak, &a, BPF_NOEXIST);
	filter_add(&assoc_filter, assoc_filter_bit(&ak)); /* as a confirmation sets it */
	ak.vtag = tc;
	bpf_map_update_elem(&assoc_ctags, &ak, &cv, BPF_NOEXIST);
	cli_put(&k, &ce, 1);
	filter_add(&client_filter, client_filter_bit(&k)); /* as a confirmation sets it */
}

static void put_handshake(__u16 cport, int v6, uint8_t last, __u32 be, __u32 tc)
{
	struct sctplb_client_key k = ckey(cport, v6, last);
	struct sctplb_handshake h = { .backend_id = be, .ctag = tc, .created_ns = 1 };

	hs_put(&k, &h, 1);
}

static void put_frag(int v6, __u32 id, __u32 be, __u32 path)
{
	struct sctplb_frag_key fk = { .id = v6 ? bpf_htonl(id) : bpf_htons(id),
				      .family = v6 ? SCTPLB_AF_INET6 : SCTPLB_AF_INET };
	struct sctplb_frag f = { .service_id = SVC1, .backend_id = be, .path = path };

	if (v6) {
		a6(fk.saddr, 0xc, 0x100);
		a6(fk.daddr, 0xf, 1);
	} else {
		a4(fk.saddr, 203, 0, 113, 100);
		a4(fk.daddr, 203, 0, 113, 1);
	}
	bpf_map_update_elem(&frags, &fk, &f, BPF_ANY);
}

static void reset(__u32 policy)
{
	struct sctplb_config cfg = { .abi_version = SCTPLB_ABI_VERSION };
	__u32 zero = 0;

	fake_map_clear(&handshakes);
	fake_map_clear(&client_index);
	fake_map_clear(&client_filter);
	fake_map_clear(&assoc_filter);
	fake_map_clear(&assocs);
	fake_map_clear(&assoc_ctags);
	fake_map_clear(&assocs_pending);
	fake_map_clear(&pending_ctags);
	fake_map_clear(&path_stats);
	fake_map_clear(&frags);
	fake_map_clear(&stats);
	fake_map_clear(&trace);
	fake_map_clear(&assoc_scratch);
	fake_release_retired();

	cfg.unknown_policy = policy;
	bpf_map_update_elem(&settings, &zero, &cfg, BPF_ANY);
	/* 203.0.113.100:40000 on backend 1, [2001:db8:c::100]:40001 on 2,
	 * 203.0.113.100:40000 again (other Ts) on the inactive backend 4. */
	put_assoc(TS1, TC1, 40000, 1, 0, 100);
	put_assoc(TS2, TC2, 40001, 2, 1, 100);
	put_assoc(TS3, TC3, 40000, 4, 0, 100);
	/* Pending: .101:40002 on 2; .102:40000 on 2 (its COOKIE-ECHO with TS1
	 * collides with backend 1's association); [c::101]:40000 on 1. */
	put_handshake(40002, 0, 101, 2, 0x7c000004u);
	put_handshake(40000, 0, 102, 2, 0x7c000005u);
	put_handshake(40000, 1, 101, 1, 0x7c000006u);
	/* Later fragments of id 0x4242 from 203.0.113.100 to VIP 203.0.113.1
	 * and of id 0x4242 from 2001:db8:c::100 to 2001:db8:f::1 go to 1 and 2. */
	put_frag(0, 0x4242, 1, 0);
	put_frag(1, 0x4242, 2, 1);
}

/* ---- a reference chunk walk, from docs/datapath.md ---- */

struct ref {
	int act;                /* ACT_CONTINUE or the final reason (negative: continue) */
	unsigned int n;
	int first;
};

static unsigned int be16(const uint8_t *p) { return p[0] << 8 | p[1]; }

static struct ref ref_walk(const uint8_t *d, __u32 sctp_off, __u32 end, __u32 vtag, bool first_frag)
{
	struct ref r = { .act = -1, .first = -1 };
	__u32 off = sctp_off + 12, len, init_len = 0, i;

	if (off >= end) {
		r.act = SCTPLB_STAT_DROP_NO_CHUNK;
		return r;
	}
	for (i = 0; i < SCTPLB_MAX_CHUNKS && off < end; i++) {
		bool cut;

		if (off + 4 > end || off > SCTPLB_MAX_PKT) {
			if (first_frag)   /* a first fragment may end anywhere */
				break;
			r.act = SCTPLB_STAT_DROP_CHUNK_LEN;
			return r;
		}
		len = be16(d + off + 2);
		cut = off + len > end;
		if (len < 4 || (cut && !first_frag)) {
			r.act = SCTPLB_STAT_DROP_CHUNK_LEN;
			return r;
		}
		if (i == 0) {
			r.first = d[off];
			init_len = len;
		} else if (d[off] == SCTP_CID_INIT) {
			r.act = SCTPLB_STAT_DROP_INIT_BUNDLED;
			return r;
		}
		off += (len + 3) & ~3u;
		r.n++;
		if (cut)          /* the rest is in the later fragments */
			break;
	}
	if (!r.n) {             /* a first fragment cut inside its first chunk header */
		r.act = SCTPLB_STAT_DROP_NO_CHUNK;
	} else if (r.first == SCTP_CID_INIT) {
		if (r.n != 1)
			r.act = SCTPLB_STAT_DROP_INIT_BUNDLED;
		else if (vtag)
			r.act = SCTPLB_STAT_DROP_INIT_VTAG;
		else if (init_len < SCTP_INIT_FIXED_LEN ||
			 sctp_off + 12 + SCTP_INIT_FIXED_LEN > end) /* fixed part in the packet */
			r.act = SCTPLB_STAT_DROP_INIT_SHORT;
	} else if (!vtag) {
		r.act = SCTPLB_STAT_DROP_ZERO_VTAG;
	}
	return r;
}

/* ---- running the programs ---- */

struct frame {
	uint8_t *mem;
	struct buf b;
};

/* A private copy of the frame, 2 bytes into its own heap block (as
 * NET_IP_ALIGN: the IP header 4-aligned), ending exactly at data_end so that
 * ASan sees any read past the frame. */
static void frame_get(struct frame *f, const uint8_t *data, size_t size)
{
	f->mem = malloc(size + 2);
	if (!f->mem)
		abort();
	memcpy(f->mem + 2, data, size);
	f->b.data = f->mem + 2;
	f->b.data_end = f->mem + 2 + size;
}

static void frame_put(struct frame *f)
{
	free(f->mem);
}

static void stats_read(__u64 *out)
{
	__u32 i;

	for (i = 0; i < SCTPLB_STAT_MAX; i++) {
		__u64 *v = bpf_map_lookup_elem(&stats, &i);

		out[i] = v ? *v : 0;
	}
}

static void decision_read(struct sctplb_decision *d)
{
	__u32 zero = 0;
	struct sctplb_decision *t = bpf_map_lookup_elem(&trace, &zero);

	*d = *t;
}

/* After parse_l4: the SCTP header (or, in an ICMP quote, its first 8 bytes) is in. */
static void check_l4(const struct pkt *p, __u32 off, size_t size)
{
	FZ_CHECK(p->sctp_off >= off &&
		 p->sctp_off + (p->icmp ? SCTP_PORTS_VTAG_LEN : 12) <= p->sctp_end &&
		 p->sctp_end <= size, "SCTP offset %u end %u frame %zu icmp %u",
		 p->sctp_off, p->sctp_end, size, p->icmp);
	FZ_CHECK(p->service_id == SVC1 || p->service_id == SVC2, "service %u", p->service_id);
	FZ_CHECK(p->path < SCTPLB_MAX_PATHS, "path %u", p->path);
	FZ_CHECK(p->proto == 132 || p->proto == 17, "proto %u", p->proto);
}

/*
 * Parse as the programs do (parse_l3, then parse_upper's steps one by one),
 * checking each step, and compare with parse_upper itself.  The result is
 * kept for the later checks.
 */
static int structure(const uint8_t *data, size_t size, bool reply, struct pkt *p)
{
	struct frame f;
	struct pkt q;
	__u32 off = 0;
	struct ref r;
	int act, act_upper;

	memset(p, 0, sizeof(*p));
	frame_get(&f, data, size);
	act = parse_l3(&f.b, p, &off);
	if (act != ACT_CONTINUE)
		goto out;
	FZ_CHECK(p->family == SCTPLB_AF_INET || p->family == SCTPLB_AF_INET6,
		 "family %u", p->family);
	FZ_CHECK(off <= p->sctp_end && p->sctp_end <= size,
		 "L4 offset %u, end %u, frame %zu (frag %u)", off, p->sctp_end, size, p->frag);
	FZ_CHECK(p->frag <= FRAG_LATER, "frag %u", p->frag);
	q = *p;
	act_upper = parse_upper(&f.b, &q, off, reply);

	if (p->frag == FRAG_LATER) {
		act = reply ? act_pass(SCTPLB_STAT_PASS_FRAGMENT) : ACT_CONTINUE;
	} else if (!reply && (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)) {
		act = parse_icmp(&f.b, p, &off);
		if (act == ACT_CONTINUE) {
			/* off may point past the quote (IHL): parse_l4 must cope */
			FZ_CHECK(p->icmp && p->sctp_end <= size,
				 "ICMP: quoted L4 at %u, end %u, frame %zu", off, p->sctp_end, size);
			act = parse_l4(&f.b, p, off, true);
			if (act == ACT_CONTINUE)
				check_l4(p, off, size);
		}
	} else {
		act = parse_l4(&f.b, p, off, reply);
		if (act == ACT_CONTINUE) {
			check_l4(p, off, size);
			r = ref_walk(f.b.data, p->sctp_off, p->sctp_end, p->vtag,
				     p->frag == FRAG_FIRST);
			act = walk_chunks(&f.b, p);
			FZ_CHECK((act == ACT_CONTINUE && r.act < 0) ||
				 (act != ACT_CONTINUE && (int)ACT_REASON(act) == r.act),
				 "chunk walk: datapath %s, reference %s",
				 act == ACT_CONTINUE ? "continue" : STAT_NAMES[ACT_REASON(act)],
				 r.act < 0 ? "continue" : STAT_NAMES[r.act]);
			if (act == ACT_CONTINUE) {
				/* A first fragment cut inside its first chunk header
				 * walks no chunk and is classified by its vtag
				 * (first_type stays 0): see the report. */
				bool none = p->frag == FRAG_FIRST && r.n == 0;

				FZ_CHECK(p->nchunks == r.n &&
					 (p->first_type == r.first || (none && p->first_type == 0)),
					 "chunk walk: %u chunks first %u, reference %u first %d",
					 p->nchunks, p->first_type, r.n, r.first);
				FZ_CHECK((p->nchunks >= 1 || none) && p->nchunks <= SCTPLB_MAX_CHUNKS,
					 "%u chunks", p->nchunks);
				FZ_CHECK(p->data_chunks + p->heartbeats <= p->nchunks, "chunk counts");
				if (p->first_type == SCTP_CID_INIT)
					FZ_CHECK(p->nchunks == 1 && p->vtag == 0 &&
						 p->init_len >= SCTP_INIT_FIXED_LEN &&
						 (p->frag == FRAG_FIRST ||
						  p->init_off + p->init_len <= p->sctp_end),
						 "INIT accepted: %u chunks, vtag %#x, length %u",
						 p->nchunks, p->vtag, p->init_len);
				else
					FZ_CHECK(p->vtag != 0, "vtag 0 accepted without INIT");
			}
		}
	}
	FZ_CHECK(act == act_upper, "parse_upper %#x, its steps %#x", act_upper, act);
	FZ_CHECK(act != ACT_CONTINUE ||
		 (q.service_id == p->service_id && q.vtag == p->vtag && q.sport == p->sport &&
		  q.dport == p->dport && q.first_type == p->first_type && q.nchunks == p->nchunks),
		 "parse_upper and its steps disagree");
out:
	frame_put(&f);
	return act;
}

/* What the tables said before a packet, for the decision checks. */
struct before {
	bool assoc, hs, client, ctag, tbit_assoc, frag;
	__u32 frag_be, frag_svc;
	__u32 assoc_be, hs_be, hs_ctag, client_be, tbit_be;
	unsigned int nassocs;
	struct sctplb_assoc_key keys[8];
	struct sctplb_assoc vals[8];
};

static bool usable(__u32 id, __u32 svc, bool new_assoc)
{
	return id > 0 && id < NBE && (BE[id].flags & SCTPLB_BE_F_ACTIVE) &&
	       BE[id].service_id == svc && !(new_assoc && (BE[id].flags & SCTPLB_BE_F_DRAINED));
}

static void before_read(const struct pkt *p, struct before *s)
{
	struct sctplb_assoc_key ak = { .service_id = p->service_id, .vtag = p->vtag,
				       .cport = p->sport, .sport = p->dport };
	struct sctplb_client_key k = { .service_id = p->service_id, .cport = p->sport,
				       .family = p->family };
	struct sctplb_handshake h;
	struct sctplb_client c;
	struct sctplb_ctag_value *cv;
	struct sctplb_assoc *a;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	memcpy(k.caddr, p->saddr, 16);
	if ((a = bpf_map_lookup_elem(&assocs, &ak)))
		s->assoc = true, s->assoc_be = a->backend_id;
	if (hs_find(&k, &h))
		s->hs = true, s->hs_be = h.backend_id, s->hs_ctag = h.ctag;
	if (cli_find(&k, &c))
		s->client = true, s->client_be = c.backend_id;
	if ((cv = bpf_map_lookup_elem(&assoc_ctags, &ak))) {
		s->ctag = true;
		ak.vtag = cv->stag;
		if ((a = bpf_map_lookup_elem(&assocs, &ak)))
			s->tbit_assoc = true, s->tbit_be = a->backend_id;
	}
	if (p->frag == FRAG_LATER) {
		struct sctplb_frag_key fk = { .id = p->frag_id, .family = p->family };
		struct sctplb_frag *fr;

		memcpy(fk.saddr, p->saddr, 16);
		memcpy(fk.daddr, p->daddr, 16);
		if ((fr = bpf_map_lookup_elem(&frags, &fk)))
			s->frag = true, s->frag_be = fr->backend_id, s->frag_svc = fr->service_id;
	}
	s->nassocs = fake_map_count(&assocs);
	FZ_CHECK(s->nassocs <= 8, "assocs cap");
	for (i = 0; i < s->nassocs; i++) {
		struct fake_entry *e = fake_map_entry(&assocs, i);

		memcpy(&s->keys[i], e->key, sizeof(s->keys[i]));
		memcpy(&s->vals[i], e->value, sizeof(s->vals[i]));
	}
}

/* No association lost, none moved to another backend or given another Tc. */
static void check_assocs_kept(const struct before *s, const char *prog)
{
	unsigned int i;

	for (i = 0; i < s->nassocs; i++) {
		struct sctplb_assoc *a = bpf_map_lookup_elem(&assocs, &s->keys[i]);

		FZ_CHECK(a, "%s: association vtag %#x lost", prog, s->keys[i].vtag);
		FZ_CHECK(a->backend_id == s->vals[i].backend_id && a->ctag == s->vals[i].ctag,
			 "%s: association vtag %#x moved from backend %u to %u", prog,
			 s->keys[i].vtag, s->vals[i].backend_id, a->backend_id);
	}
}

/* RX +1 (when counted) and exactly one final reason +1: the trace's. */
static __u32 check_counting(const __u64 *s0, const __u64 *s1, bool rx, const char *prog)
{
	struct sctplb_decision d;
	__u64 sum = 0;
	int i, moved = -1;

	decision_read(&d);
	FZ_CHECK(d.reason < SCTPLB_STAT_MAX, "%s: trace reason %u", prog, d.reason);
	FZ_CHECK(FINAL_XDP[d.reason] >= 0, "%s: trace reason %s is not a final reason",
		 prog, STAT_NAMES[d.reason]);
	FZ_CHECK(s1[SCTPLB_STAT_RX] - s0[SCTPLB_STAT_RX] == (rx ? 1 : 0), "%s: RX +%llu", prog,
		 (unsigned long long)(s1[SCTPLB_STAT_RX] - s0[SCTPLB_STAT_RX]));
	for (i = 0; i < SCTPLB_STAT_MAX; i++) {
		if (FINAL_XDP[i] < 0 || s1[i] == s0[i])
			continue;
		sum += s1[i] - s0[i];
		moved = i;
	}
	FZ_CHECK(sum == 1, "%s: final reasons moved by %llu (last %s)", prog,
		 (unsigned long long)sum, moved >= 0 ? STAT_NAMES[moved] : "none");
	FZ_CHECK((__u32)moved == d.reason, "%s: counted %s, trace says %s", prog,
		 STAT_NAMES[moved], STAT_NAMES[d.reason]);
	if (reason_chooses_backend(d.reason))
		FZ_CHECK(usable(d.backend_id, d.service_id, false),
			 "%s: backend %u of service %u is not usable", prog, d.backend_id,
			 d.service_id);
	return d.reason;
}

/* The backend the contract demands for a forwarded packet, if it demands one. */
static void check_backend(const struct pkt *p, const struct before *s, const __u64 *s0,
			  const __u64 *s1, const char *prog)
{
	struct sctplb_decision d;

	decision_read(&d);
	if (!reason_chooses_backend(d.reason))
		return;
	if (p->frag == FRAG_LATER) {
		FZ_CHECK(s->frag, "%s: later fragment forwarded without its first", prog);
		FZ_CHECK(d.backend_id == s->frag_be && d.service_id == s->frag_svc,
			 "%s: later fragment of %u/%u sent to %u/%u", prog, s->frag_svc,
			 s->frag_be, d.service_id, d.backend_id);
		return;
	}
	FZ_CHECK(d.service_id == p->service_id, "%s: service %u, parsed %u", prog,
		 d.service_id, p->service_id);
	if (p->icmp) {
		/* The quoted packet carries Tc (found through assoc_ctags), or Ts
		 * (T bit), or is an INIT-ACK of a pending handshake. */
		bool found = s->ctag ? s->tbit_assoc : s->assoc;
		__u32 want = s->ctag ? s->tbit_be : s->assoc_be;

		if (!found && s->hs && s->hs_ctag == p->vtag)
			found = true, want = s->hs_be;
		FZ_CHECK(found && d.backend_id == want,
			 "%s: ICMP error sent to %u, its association's backend is %u%s", prog,
			 d.backend_id, want, found ? "" : " (none)");
		return;
	}
	if (p->first_type == SCTP_CID_INIT) {
		FZ_CHECK(usable(d.backend_id, p->service_id, true),
			 "%s: INIT to backend %u (drained or unusable)", prog, d.backend_id);
		if (s->client && usable(s->client_be, p->service_id, true))
			FZ_CHECK(d.backend_id == s->client_be, "%s: restart INIT to %u, not %u",
				 prog, d.backend_id, s->client_be);
		return;
	}
	/* Routed by its tag (service 2): to the backend of the server id, whatever
	 * else there is. */
	if (s1[SCTPLB_STAT_RTAG_FWD] > s0[SCTPLB_STAT_RTAG_FWD]) {
		FZ_CHECK(p->service_id == SVC2 && d.backend_id == 5,
			 "%s: routed by tag to %u of service %u", prog, d.backend_id, p->service_id);
		return;
	}
	if (p->first_type == SCTP_CID_COOKIE_ECHO) {
		if (s->assoc && (!s->hs || s->hs_be == s->assoc_be))
			FZ_CHECK(d.backend_id == s->assoc_be,
				 "%s: COOKIE-ECHO of an association of %u sent to %u", prog,
				 s->assoc_be, d.backend_id);
		else if (s->hs)
			FZ_CHECK(d.backend_id == s->hs_be,
				 "%s: COOKIE-ECHO of a handshake on %u sent to %u", prog, s->hs_be,
				 d.backend_id);
		if (s->assoc && s->hs && s->hs_be != s->assoc_be)
			FZ_CHECK(s1[SCTPLB_STAT_ASSOC_COLLISION] > s0[SCTPLB_STAT_ASSOC_COLLISION],
				 "%s: COOKIE-ECHO collision not counted", prog);
		return;
	}
	if (p->tbit) {
		FZ_CHECK(s->tbit_assoc || s1[SCTPLB_STAT_UNKNOWN_VTAG_HASH] >
						  s0[SCTPLB_STAT_UNKNOWN_VTAG_HASH] ||
			 s1[SCTPLB_STAT_RTAG_CTAG_HASH] > s0[SCTPLB_STAT_RTAG_CTAG_HASH],
			 "%s: T-bit packet forwarded without its association", prog);
		if (s->tbit_assoc)
			FZ_CHECK(d.backend_id == s->tbit_be, "%s: T-bit packet of %u sent to %u",
				 prog, s->tbit_be, d.backend_id);
		return;
	}
	FZ_CHECK(s->assoc || s1[SCTPLB_STAT_UNKNOWN_VTAG_HASH] > s0[SCTPLB_STAT_UNKNOWN_VTAG_HASH],
		 "%s: packet forwarded without an association or the hash policy", prog);
	if (s->assoc)
		FZ_CHECK(d.backend_id == s->assoc_be, "%s: packet of an association of %u sent to %u",
			 prog, s->assoc_be, d.backend_id);
}

static void run_xdp(const uint8_t *data, size_t size, const struct pkt *p, int parsed)
{
	__u64 s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	struct xdp_md ctx = { .ingress_ifindex = 1 };
	struct sctplb_decision d;
	struct before s;
	struct frame f;
	__u32 reason;
	int verdict;

	before_read(p, &s);
	stats_read(s0);
	frame_get(&f, data, size);
	ctx.data = (unsigned long)f.b.data;
	ctx.data_end = (unsigned long)f.b.data_end;
	ctx.data_meta = ctx.data;
	fake_redirect_ret = XDP_REDIRECT;
	verdict = sctplb_xdp(&ctx);
	stats_read(s1);
	reason = check_counting(s0, s1, true, "xdp");
	decision_read(&d);
	if (verbose)
		fprintf(stderr, "xdp: %s, backend %u, path %u\n", STAT_NAMES[reason], d.backend_id,
			d.path);
	FZ_CHECK((int)d.verdict == verdict, "xdp: trace verdict %u, returned %d", d.verdict,
		 verdict);
	FZ_CHECK(verdict == FINAL_XDP[reason], "xdp: verdict %d for %s", verdict,
		 STAT_NAMES[reason]);
	/* FIB_NO_NEIGH: handed to sctplb_tc_finish, counted as forwarded here */
	FZ_CHECK((s1[SCTPLB_STAT_FWD] - s0[SCTPLB_STAT_FWD] == 1) ==
		 (reason == SCTPLB_STAT_FWD_TX || reason == SCTPLB_STAT_FWD_REDIRECT ||
		  reason == SCTPLB_STAT_FIB_NO_NEIGH),
		 "xdp: FWD counted for %s", STAT_NAMES[reason]);
	if (parsed == ACT_CONTINUE)
		check_backend(p, &s, s0, s1, "xdp");
	else
		FZ_CHECK(reason == ACT_REASON(parsed), "xdp: %s, parse said %s", STAT_NAMES[reason],
			 STAT_NAMES[ACT_REASON(parsed)]);
	if (verdict != XDP_TX && verdict != XDP_REDIRECT)
		FZ_CHECK(!memcmp(f.b.data, data, size), "xdp: frame changed though not forwarded");
	else
		FZ_CHECK(!memcmp((uint8_t *)f.b.data + 12, data + 12, size - 12),
			 "xdp: forwarded frame changed past the MACs");
	check_assocs_kept(&s, "xdp");
	frame_put(&f);
}

static void run_tc_ingress(const uint8_t *data, size_t size, const struct pkt *p, int parsed)
{
	__u64 s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	struct __sk_buff skb = { .ingress_ifindex = 1, .len = size };
	struct before s;
	struct frame f;
	__u32 reason;
	int verdict;

	before_read(p, &s);
	stats_read(s0);
	frame_get(&f, data, size);
	skb.data = (unsigned long)f.b.data;
	skb.data_end = (unsigned long)f.b.data_end;
	skb.data_meta = skb.data;
	fake_redirect_ret = TC_ACT_REDIRECT;
	verdict = sctplb_tc_ingress(&skb);
	stats_read(s1);
	reason = check_counting(s0, s1, true, "tc_ingress");
	FZ_CHECK(reason != SCTPLB_STAT_FWD_TX && reason != SCTPLB_STAT_FIB_NO_NEIGH,
		 "tc_ingress: reason %s", STAT_NAMES[reason]);
	FZ_CHECK(verdict == (reason == SCTPLB_STAT_FWD_REDIRECT ? TC_ACT_REDIRECT :
			     FINAL_XDP[reason] == XDP_PASS ? TC_ACT_OK : TC_ACT_SHOT),
		 "tc_ingress: verdict %d for %s", verdict, STAT_NAMES[reason]);
	if (parsed == ACT_CONTINUE)
		check_backend(p, &s, s0, s1, "tc_ingress");
	check_assocs_kept(&s, "tc_ingress");
	frame_put(&f);
}

static void run_tc_return(const uint8_t *data, size_t size, const struct pkt *p)
{
	__u64 s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	struct __sk_buff skb = { .ingress_ifindex = 2, .len = size };
	struct before s;
	struct frame f;
	int verdict, i;

	before_read(p, &s);
	stats_read(s0);
	frame_get(&f, data, size);
	skb.data = (unsigned long)f.b.data;
	skb.data_end = (unsigned long)f.b.data_end;
	skb.data_meta = skb.data;
	verdict = sctplb_tc_return(&skb);
	stats_read(s1);
	FZ_CHECK(verdict == TC_ACT_OK, "tc_return: verdict %d", verdict);
	FZ_CHECK(!memcmp(f.b.data, data, size), "tc_return: frame changed");
	/* The return path counts no packet's final reason. */
	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		FZ_CHECK(FINAL_XDP[i] < 0 || s1[i] == s0[i], "tc_return counted %s",
			 STAT_NAMES[i]);
	check_assocs_kept(&s, "tc_return");
	frame_put(&f);
}

/* sctplb_xdp from the initial state: (backend chosen?, service, backend). */
static void xdp_outcome(const uint8_t *data, size_t size, __u32 policy, __u32 out[3])
{
	struct xdp_md ctx = { .ingress_ifindex = 1 };
	struct sctplb_decision d;
	struct frame f;

	reset(policy);
	frame_get(&f, data, size);
	ctx.data = (unsigned long)f.b.data;
	ctx.data_end = (unsigned long)f.b.data_end;
	ctx.data_meta = ctx.data;
	fake_redirect_ret = XDP_REDIRECT;
	sctplb_xdp(&ctx);
	decision_read(&d);
	out[0] = reason_chooses_backend(d.reason);
	out[1] = out[0] ? d.service_id : 0;
	out[2] = out[0] ? d.backend_id : 0;
	frame_put(&f);
}

/*
 * Bytes after the IP packet (Ethernet padding, trailers) are not the packet:
 * whether and where it is forwarded must not depend on them.
 */
static void check_trailer(const uint8_t *data, size_t size, __u32 policy)
{
	__u32 a[3], b[3], off = 0;
	struct pkt p = {};
	struct frame f;
	uint8_t *alt;
	size_t i, end;
	int act;

	frame_get(&f, data, size);
	act = parse_l3(&f.b, &p, &off);
	frame_put(&f);
	if (act != ACT_CONTINUE || p.sctp_end >= size)
		return;
	end = p.sctp_end;
	alt = malloc(size);
	if (!alt)
		abort();
	memcpy(alt, data, size);
	for (i = end; i < size; i++)
		alt[i] ^= 0xa5;
	xdp_outcome(data, size, policy, a);
	xdp_outcome(alt, size, policy, b);
	free(alt);
	FZ_CHECK(!memcmp(a, b, sizeof(a)),
		 "the %zu bytes after the IP packet changed the decision: forwarded %u to %u/%u, "
		 "then %u to %u/%u", size - end, a[0], a[1], a[2], b[0], b[1], b[2]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	configure();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt p, pr;
	int act, actr;
	__u32 policy;

	if (size > SCTPLB_MAX_PKT)
		return -1; /* not parsed past 16 KiB: out of the reference's scope */
	policy = size ? data[size - 1] % 3 : 0;
	reset(policy);
	act = structure(data, size, false, &p);
	actr = structure(data, size, true, &pr);
	(void)actr;
	/* A fresh counter state: structure() counted UDP_ENCAP etc. */
	fake_map_clear(&stats);
	run_xdp(data, size, &p, act);
	run_xdp(data, size, &p, act);     /* again, after what the first created */
	run_tc_ingress(data, size, &p, act);
	run_tc_return(data, size, &pr);
	check_trailer(data, size, policy);
	return 0;
}
