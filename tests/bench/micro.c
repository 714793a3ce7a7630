/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sections 1-4 of docs/bench.md, with BPF_PROG_TEST_RUN (JIT on) in the
 * datapath tests' private network namespace (tests/bpf/lib/fixture.h), so
 * that bpf_fib_lookup finds the backends' next hops:
 *   1. per-packet cost of sctplb_xdp by packet kind, against a floor program;
 *   2. scaling with 1K, 100K and 1M associations, memory per association,
 *      the time to insert a million;
 *   3. maglev_build + maglev_install (a switch) for 10, 100 and 1000 backends;
 *   4. a flood of 1M spoofed INITs over 1000 established associations.
 * sctplb is loaded with sctplb_trace = 0, as in production.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "gc.h"
#include "maglev.h"
#include "pkt.h"
#include "rtag.h"
#include "sctplb.skel.h"
#include "lookup.skel.h"
#include "bench.h"

#define SVC     1
#define VIP4    "203.0.113.1"   /* path 0 */
#define VIP6    "2001:db8:f::1" /* path 1: the secondary path */
#define NOT_VIP "203.0.113.9"
#define PORT    5000
#define ENCAP   9899
#define CPORT   40000
#define C4      "203.0.113.100"
#define C6      "2001:db8:c::100"
#define C6B     "2001:db8:c::101"
#define TS1     0x5e000001u
#define TC1     0x7c000001u
#define NBE     3               /* backends in the Maglev table */
#define NBE_ALL 5

/* Every backend's next hop is on the ingress interface: XDP_TX, like the floor. */
static const char *const BACKENDS[NBE_ALL + 1][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "2001:db8::11" },
	[2] = { "192.0.2.12", "2001:db8::12" },
	[3] = { "192.0.2.13", "2001:db8::13" },
	/* Not in the Maglev table: the breakdown cases' associations. */
	[4] = { "192.0.2.99", "2001:db8::99" },         /* on-link, no neighbour */
	[5] = { NULL, NULL },                           /* no address on any path */
};
#define TS_NONEIGH 0x5e000004u
#define TS_NOPATH  0x5e000005u
static const char *const VIPS[] = { VIP4, VIP6 };

/*
 * A second service, in the same program, whose backends run the agent
 * (issue 12): a tag key, backends 6 and 7 with server ids 7 and 9.  A packet
 * with a routable vtag goes to its backend with no association lookup.  Its
 * own VIPs, so that the learnt service's packets never try the decode.
 */
#define SVC_R   2
#define VIP4R   "203.0.113.2"
#define VIP6R   "2001:db8:f::2"
#define RT_PH   0xfee00000u     /* placeholder vtag: the routable tag of server (vtag & 0xff) */
static const char *const VIPS_R[] = { VIP4R, VIP6R };
static const char *const BACKENDS_R[2][SCTPLB_MAX_PATHS] = {
	{ "192.0.2.16", "2001:db8::16" }, { "192.0.2.17", "2001:db8::17" },
};
static const uint32_t SIDS_R[2] = { 7, 9 };
static struct sctplb_rtag_key RKEY;

struct fx FX;
int FLOOR;
bool QUICK;
FILE *J;                        /* the JSON being written */

/* Sizes; --quick divides them for a smoke run. */
uint32_t REPEAT = 100000;               /* runs per repeat=N call */
int ROUNDS = 9;
uint32_t K1 = 10000;                    /* repeat=1 calls per round and case */


size_t build(const struct pkt_spec *s, uint8_t *out)
{
	struct pkt_info info;

	if (pkt_build(s, FX.mac_in, out, &info) < 0)
		DIE("cannot build a packet (src %s)", s->src);
	return info.len;
}

/* A service with two VIPs and UDP encapsulation, NBE backends, a Maglev
 * table built by maglev_build. */
void configure(struct fx *fx)
{
	struct maglev_backend mb[NBE];
	static uint32_t table[SCTPLB_MAGLEV_SIZE];
	static char names[NBE][16];
	uint32_t id;

	if (fx_service(fx, SVC, PORT, VIPS, 2, ENCAP))
		DIE("service");
	for (id = 1; id <= NBE_ALL; id++)
		if (fx_backend(fx, id, SVC, SCTPLB_BE_F_ACTIVE, BACKENDS[id]))
			DIE("backend");
	for (id = 1; id <= NBE; id++) {
		snprintf(names[id - 1], sizeof(names[0]), "be-%u", id);
		mb[id - 1] = (struct maglev_backend){ .name = names[id - 1], .id = id, .weight = 1 };
	}
	if (maglev_build(mb, NBE, table) || fx_table(fx, SVC, table))
		DIE("maglev");
}

/* The routable service SVC_R, its key and its two agent-running backends. */
static void configure_routable(struct fx *fx)
{
	static const uint8_t k[SCTPLB_RTAG_KEY_LEN] = "sctplb-bench-key";
	struct sctplb_svc_rtag r = { .flags = SCTPLB_RTAG_F_ON };
	char err[128];
	__u32 svc = SVC_R, i;

	if (fx_service(fx, SVC_R, PORT, VIPS_R, 2, 0) ||
	    lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &RKEY, err, sizeof(err)))
		DIE("routable service: %s", err);
	r.key = RKEY;
	if (bpf_map_update_elem(fx->svc_rtag, &svc, &r, BPF_ANY))
		DIE("svc_rtag");
	for (i = 0; i < 2; i++) {
		struct sctplb_server_key sk = { .service_id = SVC_R, .server_id = SIDS_R[i] };
		__u32 id = 6 + i;

		if (fx_backend(fx, id, SVC_R, SCTPLB_BE_F_ACTIVE | SCTPLB_BE_F_RTAG, BACKENDS_R[i]) ||
		    bpf_map_update_elem(fx->server_ids, &sk, &id, BPF_ANY))
			DIE("routable backend %u", id);
	}
	if (fx_table_alternating(fx, SVC_R, 6, 7))
		DIE("routable service's Maglev table");
}

/* A routable tag of server sid (never 0). */
uint32_t routable_tag(uint32_t sid, uint32_t nonce)
{
	uint32_t t;

	while (!(t = sctplb_rtag_make(&RKEY, sid, nonce)))
		nonce++;
	return t;
}

uint64_t stat_get(struct fx *fx, int idx)
{
	uint64_t s[SCTPLB_STAT_MAX];

	fx_stats(fx, s);
	return s[idx];
}

#define DATA_BODY 64

/* An established association as its confirmation leaves it: assocs,
 * assoc_ctags, client_index, and the key filters' bits. */
static void put_assoc_svc(struct fx *fx, uint32_t svc, uint32_t ts, uint32_t tc, uint16_t cport,
			  const char *caddr, uint32_t backend)
{
	struct sctplb_assoc_key k = fx_assoc_key(svc, ts, htons(cport), htons(PORT));
	struct sctplb_assoc a = { .backend_id = backend, .ctag = tc,
				  .state = SCTPLB_ASSOC_ESTABLISHED,
				  .created = sctplb_stamp(fx_now()), .seen = sctplb_stamp(fx_now()) };
	struct sctplb_ctag_value cv = { .stag = ts };
	struct sctplb_client_key ck = fx_client_key(svc, htons(cport), caddr);
	struct sctplb_client c = { .backend_id = backend, .stag = ts };

	if (fx_assoc_put(fx, &k, &a, BPF_ANY))
		DIE("assoc");
	k.vtag = tc;
	if (bpf_map_update_elem(fx->assoc_ctags, &k, &cv, BPF_ANY) || fx_client_put(fx, &ck, &c) ||
	    fx_filter_add(fx, LB_FILTER_CLIENT, &ck))
		DIE("assoc indexes");
}

static void put_assoc(struct fx *fx, uint32_t ts, uint32_t tc, uint16_t cport, const char *caddr,
		      uint32_t backend)
{
	put_assoc_svc(fx, SVC, ts, tc, cport, caddr, backend);
}

/*
 * NAT services (issue 13, docs/nat.md), in the same program: each its own
 * VIPs (so the other services' packets never see the NAT flag), one backend
 * whose next hop is on the ingress veth (XDP_TX, like the floor), Maglev all
 * on it, and an established association (C4:CPORT, Ts TS1) put in the maps.
 * As tests/bpf/test_nat.c configures one: SCTPLB_SVC_F_NAT on its VIP keys
 * and svc_nat[id].  The forward path needs nothing else (nat_backends is the
 * return path's).
 */
#define NAT_TPORT 6000
struct nat_svc {
	const char *name;
	uint32_t id, backend;
	const char *vip[SCTPLB_MAX_PATHS], *be[SCTPLB_MAX_PATHS];
	uint16_t target;        /* 0: the service port */
	const char *snat[SCTPLB_MAX_PATHS]; /* full NAT: the forwarder's addresses */
};
static const struct nat_svc NATS[] = {
	{ "DATA, IPv4, NAT, port mapped (5000 -> 6000)", 3, 8,
	  { "203.0.113.3", "2001:db8:f::3" }, { "192.0.2.14", "2001:db8::14" }, NAT_TPORT, { NULL, NULL } },
	{ "DATA, IPv4, NAT, same port", 4, 9,
	  { "203.0.113.4", "2001:db8:f::4" }, { "192.0.2.15", "2001:db8::15" }, 0, { NULL, NULL } },
	{ "DATA, IPv4, full NAT (--snat), port mapped", 5, 10,
	  { "203.0.113.5", "2001:db8:f::5" }, { "192.0.2.18", "2001:db8::18" }, NAT_TPORT,
	  { "198.51.100.50", "2001:db8:1::50" } },
};
#define NNATS (int)(sizeof(NATS) / sizeof(NATS[0]))
static uint8_t NAT_PKT[NNATS][PKT_MAX];
static size_t NAT_LEN[NNATS];

static void configure_nat(struct fx *fx)
{
	int smap = bpf_map__fd(fx->skel->maps.svc_nat);
	int i, p;

	for (i = 0; i < NNATS; i++) {
		const struct nat_svc *ns = &NATS[i];
		struct sctplb_svc_nat n = { .flags = SCTPLB_NAT_F_ON, .sctp_port = htons(PORT),
					    .target_port = htons(ns->target) };
		struct pkt_spec s = { .src = C4, .dst = ns->vip[0], .sport = CPORT, .dport = PORT,
				      .vtag = TS1, .chunks = { CH_DATA(.body = DATA_BODY) } };
		__u32 svc = ns->id;

		if (fx_service(fx, ns->id, PORT, ns->vip, 2, 0) ||
		    fx_backend(fx, ns->backend, ns->id, SCTPLB_BE_F_ACTIVE, ns->be) ||
		    fx_table_all(fx, ns->id, ns->backend))
			DIE("NAT service %u", ns->id);
		for (p = 0; p < 2; p++) {
			struct sctplb_addr a = pkt_addr(ns->vip[p]);
			struct sctplb_vip_key k = { .port = htons(PORT), .proto = 132,
						    .family = a.family };
			struct sctplb_service v;

			memcpy(k.addr, a.addr, 16);
			if (bpf_map_lookup_elem(fx->services, &k, &v))
				DIE("NAT service %u: VIP key", ns->id);
			v.flags |= SCTPLB_SVC_F_NAT;
			if (bpf_map_update_elem(fx->services, &k, &v, BPF_ANY))
				DIE("NAT service %u: VIP key", ns->id);
			if (ns->snat[p])
				n.snat[n.nsnat++] = pkt_addr(ns->snat[p]);
		}
		if (bpf_map_update_elem(smap, &svc, &n, BPF_ANY))
			DIE("svc_nat[%u]", ns->id);
		NAT_LEN[i] = build(&s, NAT_PKT[i]);
	}
}

static void put_nat_assocs(struct fx *fx)
{
	int i;

	for (i = 0; i < NNATS; i++)
		put_assoc_svc(fx, NATS[i].id, TS1, TC1, CPORT, C4, NATS[i].backend);
}

/*
 * One run of each NAT packet with its output read back: the row measures a
 * NAT'd packet only if the program rewrote it (destination the backend's,
 * port mapped or kept, source the forwarder's under full NAT, CRC32c valid).
 */
static void nat_check(struct fx *fx)
{
	uint8_t out[PKT_MAX];
	int i;

	for (i = 0; i < NNATS; i++) {
		const struct nat_svc *ns = &NATS[i];
		struct xdp_md md = { .data_end = NAT_LEN[i], .ingress_ifindex = fx->if_in };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = NAT_PKT[i], .data_size_in = NAT_LEN[i],
			    .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1);
		struct sctplb_addr be = pkt_addr(ns->be[0]);
		struct sctplb_addr src = pkt_addr(ns->snat[0] ? ns->snat[0] : C4);
		uint16_t dport = htons(ns->target ? ns->target : PORT);
		const size_t l3 = 14, sctp = 14 + 20;

		if (bpf_prog_test_run_opts(fx->prog, &o) || o.retval != XDP_TX ||
		    o.data_size_out != NAT_LEN[i])
			DIE("%s: verdict %s", ns->name, verdict_str(o.retval));
		if (memcmp(out + l3 + 16, be.addr, 4) || memcmp(out + l3 + 12, src.addr, 4) ||
		    memcmp(out + sctp + 2, &dport, 2) ||
		    !pkt_sctp_crc_ok(out + sctp, NAT_LEN[i] - sctp))
			DIE("%s: the packet left without the NAT rewrite (or a bad CRC32c)", ns->name);
	}
}

/* ---------------------------------------------------------------- JSON */

/* kind: what goal the case counts toward (run.sh): "learnt" (established
 * packets of a learnt association), "routable" (forwarded by routable tag),
 * "new" (a new association), or "" (none). */
static void json_case(const char *name, const char *method, double ns, double floor_ns,
		      double ratio, const char *verdict, const char *kind, bool *first)
{
	fprintf(J, "%s\n    {\"name\": \"%s\", \"method\": \"%s\", \"ns_per_pkt\": %.1f, "
		"\"floor_ns\": %.1f, \"ratio\": %.2f, \"verdict\": \"%s\", \"kind\": \"%s\"}",
		*first ? "" : ",", name, method, ns, floor_ns, ratio, verdict, kind);
	*first = false;
}

/* ------------------------------------------- 1. per-packet cost by kind */

struct ncase {
	const char *name;
	struct pkt_spec spec;
	uint32_t want;          /* expected verdict */
	const char *kind;       /* json_case's kind: the goal it counts toward */
	uint8_t pkt[PKT_MAX];
	size_t len;
	double ns[64], ratio[64];
};

static struct ncase NCASES[] = {
	{ .name = "DATA, IPv4", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "DATA, IPv6", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C6, .dst = VIP6, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "DATA, IPv4, UDP-encapsulated", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .udp_sport = ENCAP, .udp_dport = ENCAP,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "4 DATA chunks bundled, IPv4", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH_DATA(.body = DATA_BODY, .repeat = 3) } } },
	{ .name = "SACK, IPv4", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH(CT_SACK) } } },
	{ .name = "HEARTBEAT, secondary path (IPv6)", .want = XDP_TX, .kind = "learnt",
	  .spec = { .src = C6B, .dst = VIP6, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH(CT_HEARTBEAT) } } },
	{ .name = "DATA, IPv4, routable tag (no lookup)", .want = XDP_TX, .kind = "routable",
	  .spec = { .src = C4, .dst = VIP4R, .sport = CPORT, .dport = PORT, .vtag = RT_PH | 7,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "DATA, IPv6, routable tag (no lookup)", .want = XDP_TX, .kind = "routable",
	  .spec = { .src = C6, .dst = VIP6R, .sport = CPORT, .dport = PORT, .vtag = RT_PH | 9,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "4 DATA chunks bundled, IPv4, routable tag", .want = XDP_TX, .kind = "routable",
	  .spec = { .src = C4, .dst = VIP4R, .sport = CPORT, .dport = PORT, .vtag = RT_PH | 7,
		    .chunks = { CH_DATA(.body = DATA_BODY, .repeat = 3) } } },
	{ .name = "COOKIE-ECHO, routable tag (no state)", .want = XDP_TX,
	  .spec = { .src = C4, .dst = VIP4R, .sport = CPORT + 2, .dport = PORT, .vtag = RT_PH | 9,
		    .chunks = { CH_COOKIE() } } },
	{ .name = "INIT, routable service (no state, 2 listed addresses)", .want = XDP_TX,
	  .spec = { .src = "203.0.113.51", .dst = VIP4R, .sport = CPORT + 3, .dport = PORT,
		    .chunks = { CH_INIT(0x7c0000abu, "203.0.113.51", "2001:db8:c:1::51") } } },
	{ .name = "breakdown: DATA, IPv4, backend with no address (no FIB)", .want = XDP_DROP,
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT + 5, .dport = PORT, .vtag = TS_NOPATH,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "breakdown: DATA, IPv4, FIB but no neighbour", .want = XDP_PASS,
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT + 4, .dport = PORT, .vtag = TS_NONEIGH,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "unknown vtag (policy drop)", .want = XDP_DROP,
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = 0x0badbad0u,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "non-SCTP (TCP) passing through", .want = XDP_PASS,
	  .spec = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .proto = 6 } },
	{ .name = "SCTP to no service (passed)", .want = XDP_PASS,
	  .spec = { .src = C4, .dst = NOT_VIP, .sport = CPORT, .dport = PORT, .vtag = TS1,
		    .chunks = { CH_DATA(.body = DATA_BODY) } } },
	{ .name = "INIT retransmitted (same buffer, repeat=N)", .want = XDP_TX,
	  .spec = { .src = "203.0.113.50", .dst = VIP4, .sport = CPORT + 1, .dport = PORT,
		    .chunks = { CH_INIT(0x7c0000aau, "203.0.113.50", "2001:db8:c:1::50") } } },
};
#define NNCASES (int)(sizeof(NCASES) / sizeof(NCASES[0]))

/* repeat=1 cases: a fresh packet per call from a pool of K1. */
enum { R1_FLOOR, R1_DATA, R1_NAT, R1_NAT0, R1_NATF, R1_RDATA, R1_COOKIE, R1_COOKIE1,
       R1_COOKIEL, R1_INIT, R1_INIT0, R1_N };
static const char *const R1_NAMES[R1_N] = {
	"floor, repeat=1 (per-call overhead)", "DATA, IPv4, repeat=1 (method check)",
	"DATA, IPv4, NAT, port mapped (5000 -> 6000)", "DATA, IPv4, NAT, same port",
	"DATA, IPv4, full NAT (--snat), port mapped",
	"DATA, IPv4, routable, a different tag each call",
	"COOKIE-ECHO (new association, fresh Ts)",
	"breakdown: COOKIE-ECHO, its INIT listed no address",
	"breakdown: COOKIE-ECHO from an address its INIT listed",
	"INIT (new handshake, fresh Tc and source)",
	"breakdown: INIT listing no address (1 handshake)",
};

/* Reference programs (not sctplb): the floor plus one FIB lookup, or one
 * hot lookup of an association's key (tests/bench/progs/lookup.bpf.c): what
 * the hash map costs an established packet now, and what a keyed
 * set-associative table's would (docs/compact-table.md). */
enum { REF_FIB4, REF_FIB4_DIRECT, REF_FIB6, REF_HASH, REF_SETINDEX, REF_MSINDEX, REF_SET2, REF_N };
static const char *const REF_NAMES[REF_N] = {
	"reference: floor + bpf_fib_lookup IPv4", "reference: floor + bpf_fib_lookup IPv4, DIRECT",
	"reference: floor + bpf_fib_lookup IPv6",
	"reference: floor + hash map lookup (hit)", "reference: floor + SipHash-1-3 set index",
	"reference: floor + multiply-shift set index", "reference: floor + keyed set lookup (hit)",
};
static int REF_PROG[REF_N];

static uint32_t G_INIT, G_COOKIE;       /* global indexes: every packet distinct */

/* Mean of opts.duration over n repeat=1 calls of the packets in pool
 * (stride PKT_MAX; pool of 1: the same packet each time). */
double run_pool(int prog, uint8_t *pool, size_t *lens, uint32_t n, bool same,
		       uint32_t want, uint32_t *bad)
{
	double sum = 0, d;
	uint32_t i, ret;

	for (i = 0; i < n; i++) {
		size_t j = same ? 0 : i;

		d = run_prog(prog, pool + j * PKT_MAX, lens[j], FX.if_in, 1, &ret);
		if (d < 0)
			DIE("test run");
		if (ret != want)
			(*bad)++;
		sum += d;
	}
	return sum / n;
}

uint8_t *POOL;
size_t *LENS;

static void build_inits(uint32_t n, bool listed)
{
	char src[32], alt[48];
	uint32_t i;

	for (i = 0; i < n; i++, G_INIT++) {
		struct pkt_spec s = { .src = src, .dst = VIP4, .dport = PORT,
				      .chunks = { CH_INIT(0, src, alt) } };

		snprintf(src, sizeof(src), "203.0.113.%u", 2 + G_INIT % 250);
		snprintf(alt, sizeof(alt), "2001:db8:c:1::%x:%x", G_INIT >> 16, G_INIT & 0xffff);
		s.sport = 10000 + G_INIT / 250;
		s.chunks[0].tag = 0x70000000u + G_INIT;
		if (!listed)
			s.chunks[0].addrs[0] = NULL;
		LENS[i] = build(&s, POOL + (size_t)i * PKT_MAX);
	}
}

/* DATA of K1 routable associations no forwarder has seen (distinct tags,
 * ports and clients, both servers): no state at all, so no table to miss in. */
static void build_routable(uint32_t n)
{
	char src[32];
	uint32_t i;

	for (i = 0; i < n; i++) {
		struct pkt_spec s = { .src = src, .dst = VIP4R, .dport = PORT,
				      .chunks = { CH_DATA(.body = DATA_BODY) } };

		snprintf(src, sizeof(src), "203.0.113.%u", 2 + i % 250);
		s.sport = 20000 + i / 250;
		s.vtag = routable_tag(SIDS_R[i & 1], 0x1000 + i * 7);
		LENS[i] = build(&s, POOL + (size_t)i * PKT_MAX);
	}
}

/*
 * COOKIE-ECHOs from distinct clients, each with the handshake its INIT left
 * (include/sctplb.h, SCTPLB_HS_F_*): from the source of an INIT that listed
 * another address (the INIT row's client: CK_SRC), of one that listed none
 * (CK_ONE_ADDR), or from an address the INIT listed (CK_LISTED: its Tc goes
 * into pending_ctags, for the source's packets).  The first two are their
 * association's Tc index (bpf/lib/lb.h pending_by_ctag): no insert into
 * pending_ctags.
 */
enum cookie_kind { CK_SRC, CK_ONE_ADDR, CK_LISTED };
static const __u8 CK_FLAGS[] = { SCTPLB_HS_F_SRC, SCTPLB_HS_F_ONE_ADDR, SCTPLB_HS_F_LISTED };

static struct sctplb_client_key *COOKIE_KEYS;  /* the handshakes build_cookies put */
static uint32_t COOKIE_N;

/* COOKIE-ECHO i of the pool, from client G_COOKIE (then the next), and the
 * handshake its INIT left (key and value). */
static void build_cookie(uint32_t i, enum cookie_kind kind, struct sctplb_client_key *key,
			 struct sctplb_handshake *val)
{
	struct pkt_spec s = { .dst = VIP4, .dport = PORT, .chunks = { CH_COOKIE() } };
	char src[32];

	snprintf(src, sizeof(src), "203.0.113.%u", 2 + G_COOKIE % 250);
	s.src = src;
	s.sport = 20000 + G_COOKIE / 250;
	s.vtag = 0x50000000u + G_COOKIE;
	LENS[i] = build(&s, POOL + (size_t)i * PKT_MAX);
	*key = fx_client_key(SVC, htons(s.sport), src);
	*val = (struct sctplb_handshake){ .backend_id = 1 + G_COOKIE % NBE,
					  .ctag = 0x60000000u + G_COOKIE, .created_ns = fx_now(),
					  .flags = CK_FLAGS[kind],
					  /* a set of the table: its source's, not read here */
					  .src_set = kind == CK_LISTED ? G_COOKIE % 1024 : 0 };
	G_COOKIE++;
}

/*
 * n COOKIE-ECHOs, each with the handshake its INIT left put in the table.
 * A set given more of the pool's handshakes than it has ways keeps only the
 * newest (the table's rule): such a client is drawn again, so that every
 * COOKIE-ECHO of the pool finds its handshake (about one set in 60,000 gets
 * five of 10,000; the row then timed the unknown-vtag policy for them).
 */
static void build_cookies(uint32_t n, enum cookie_kind kind)
{
	struct sctplb_client_key *keys = calloc(n, sizeof(*keys));
	struct sctplb_handshake *vals = calloc(n, sizeof(*vals)), h;
	bool *put = calloc(n, sizeof(*put));
	struct lb_settable hs;
	uint32_t i, tries, missing = n;

	if (!keys || !vals || !put)
		DIE("memory");
	if (fx_handshakes(&FX, &hs))
		DIE("handshakes table");
	for (i = 0; i < n; i++) {
		build_cookie(i, kind, &keys[i], &vals[i]);
		put[i] = true;
	}
	for (tries = 0; missing && tries < 8; tries++) {
		for (i = 0; i < n; i++)
			if (put[i] &&
			    lb_settable_put(&hs, &keys[i], &vals[i], sctplb_stamp(vals[i].created_ns)))
				DIE("handshakes put: %s", strerror(errno));
		for (i = 0, missing = 0; i < n; i++) {
			put[i] = lb_settable_lookup(&hs, &keys[i], &h, NULL) != 0;
			if (put[i]) {
				build_cookie(i, kind, &keys[i], &vals[i]);
				missing++;
			}
		}
	}
	free(put);
	if (missing)
		DIE("%u of %u COOKIE-ECHOs' handshakes not kept after %u draws", missing, n, tries);
	free(COOKIE_KEYS);
	COOKIE_KEYS = keys;
	COOKIE_N = n;
	free(vals);
}

/*
 * The handshakes of the last build_cookies, gone once their COOKIE-ECHOs
 * ran: answered, each names its association (Ts), so the table would keep
 * them (sctplb_handshake_keep) round after round while the associations are
 * emptied every third round, until a set of kept ones evicted a handshake a
 * COOKIE-ECHO of the pool still needed (its verdict then the unknown-vtag
 * policy's).  A forwarder's gc removes them with their associations.
 */
static void drop_cookie_handshakes(void)
{
	struct lb_settable hs;
	uint32_t i;

	if (fx_handshakes(&FX, &hs))
		DIE("handshakes table");
	for (i = 0; i < COOKIE_N; i++)
		lb_settable_delete(&hs, &COOKIE_KEYS[i], NULL);
	COOKIE_N = 0;
}

/*
 * Empties a hash map: its keys in one walk, then deleted.  (Deleting the
 * first key again and again, as fx_clear does, walks the empty buckets from
 * the start each time: seconds for a few ten thousand entries in a table of
 * 262144 buckets, which made section 1 take a minute.)
 */
static void clear_map(int fd)
{
	enum { KEY_MAX = 64 };
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi), n = 0, i;
	uint8_t *keys, *prev = NULL;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len) || mi.key_size > KEY_MAX)
		DIE("clear_map: map info");
	keys = malloc((size_t)mi.max_entries * mi.key_size);
	if (!keys)
		DIE("memory");
	while (n < mi.max_entries && !bpf_map_get_next_key(fd, prev, keys + (size_t)n * mi.key_size)) {
		prev = keys + (size_t)n * mi.key_size;
		n++;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + (size_t)i * mi.key_size);
	free(keys);
}

/*
 * Development: `micro --spin NAME` runs the first case whose name contains
 * NAME at repeat=N for about 5 s, so that `perf record -e cpu-clock -a` sees
 * that case alone; prints its ns per packet.  Not part of `make bench`.
 */
static void spin_case(const char *name)
{
	uint32_t ret;
	uint64_t t0;
	double d = 0;
	int c, n = 0;

	if (!strcmp(name, "init") || !strcmp(name, "init0") || !strcmp(name, "cookie") ||
	    !strcmp(name, "cookie1") || !strcmp(name, "cookiel")) {
		/* the repeat=1 rows: a fresh pool each time */
		uint32_t bad = 0;

		for (t0 = now_ns(); now_ns() - t0 < 5000000000ull; n++) {
			if (!strncmp(name, "cookie", 6))
				build_cookies(K1, name[6] == '1' ? CK_ONE_ADDR :
						  name[6] == 'l' ? CK_LISTED : CK_SRC);
			else
				build_inits(K1, !strcmp(name, "init"));
			d += run_pool(FX.prog, POOL, LENS, K1, false, XDP_TX, &bad);
			if (!strncmp(name, "cookie", 6))
				drop_cookie_handshakes();
			if (n % 3 == 2) {
				fx_clear(FX.pending);
				fx_clear(FX.pending_ctags);
				fx_clear(FX.client_index);
			}
		}
		printf("%s: %.1f ns per call with overhead, %u bad\n", name, d / n, bad);
		return;
	}
	for (c = 0; c < NNCASES && !strstr(NCASES[c].name, name); c++)
		;
	if (c == NNCASES)
		DIE("--spin: no case named like %s", name);
	if ((NCASES[c].spec.vtag & 0xffffff00u) == RT_PH)
		NCASES[c].spec.vtag = routable_tag(NCASES[c].spec.vtag & 0xff, 1000 + c);
	NCASES[c].len = build(&NCASES[c].spec, NCASES[c].pkt);
	put_assoc(&FX, TS1, TC1, CPORT, C4, 1);
	put_assoc(&FX, TS_NONEIGH, TC1 + 4, CPORT + 4, C4, 4);
	put_assoc(&FX, TS_NOPATH, TC1 + 5, CPORT + 5, C4, 5);
	for (t0 = now_ns(); now_ns() - t0 < 5000000000ull; n++)
		d += run_prog(FX.prog, NCASES[c].pkt, NCASES[c].len, FX.if_in, REPEAT, &ret);
	printf("%s: %.1f ns, verdict %s\n", NCASES[c].name, d / n, verdict_str(ret));
}

/* The lookup references: loaded once (kept for the run), the key put. */
static void lookup_refs(void)
{
	static struct lookup *lk;
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt));

	lk = lookup__open_and_load();
	if (!lk || bpf_prog_test_run_opts(bpf_program__fd(lk->progs.ref_put), &o)) {
		fprintf(stderr, "bench: lookup references not loaded: %s\n", strerror(errno));
		REF_PROG[REF_HASH] = REF_PROG[REF_SETINDEX] = REF_PROG[REF_MSINDEX] =
			REF_PROG[REF_SET2] = -1;
		return;
	}
	REF_PROG[REF_HASH] = bpf_program__fd(lk->progs.ref_hash);
	REF_PROG[REF_SETINDEX] = bpf_program__fd(lk->progs.ref_setindex);
	REF_PROG[REF_MSINDEX] = bpf_program__fd(lk->progs.ref_msindex);
	REF_PROG[REF_SET2] = bpf_program__fd(lk->progs.ref_set2);
}

static void section_cases(void)
{
	static double floor_n[64], r1[R1_N][64], r1_ratio[R1_N][64], overhead[64];
	static double ref[REF_N][64], ref_ratio[REF_N][64];
	uint8_t fpkt[PKT_MAX];
	size_t flen;
	uint32_t ret, bad[R1_N] = { 0 };
	bool first = true;
	int r, c;

	/* The floor runs on the same frame as the first case. */
	flen = build(&NCASES[0].spec, fpkt);
	for (c = 0; c < NNCASES; c++) {
		if ((NCASES[c].spec.vtag & 0xffffff00u) == RT_PH)
			NCASES[c].spec.vtag = routable_tag(NCASES[c].spec.vtag & 0xff, 1000 + c);
		NCASES[c].len = build(&NCASES[c].spec, NCASES[c].pkt);
	}
	put_assoc(&FX, TS1, TC1, CPORT, C4, 1);
	put_assoc(&FX, TS_NONEIGH, TC1 + 4, CPORT + 4, C4, 4);
	put_assoc(&FX, TS_NOPATH, TC1 + 5, CPORT + 5, C4, 5);
	put_nat_assocs(&FX);
	nat_check(&FX);
	REF_PROG[REF_FIB4] = prog_fib(false, 0);
	REF_PROG[REF_FIB4_DIRECT] = prog_fib(false, BPF_FIB_LOOKUP_DIRECT);
	REF_PROG[REF_FIB6] = prog_fib(true, 0);
	lookup_refs();

	for (r = 0; r < ROUNDS; r++) {
		double f0, f1, d;
		uint64_t created;

		f0 = run_prog(FLOOR, fpkt, flen, FX.if_in, REPEAT, &ret);
		for (c = 0; c < NNCASES; c++) {
			d = run_prog(FX.prog, NCASES[c].pkt, NCASES[c].len, FX.if_in, REPEAT, &ret);
			if (d < 0 || ret != NCASES[c].want)
				DIE("%s: verdict %s, want %s", NCASES[c].name, verdict_str(ret),
				    verdict_str(NCASES[c].want));
			NCASES[c].ns[r] = d;
		}
		for (c = 0; c < REF_N; c++) {
			ref[c][r] = REF_PROG[c] < 0 ? 0 :
				    run_prog(REF_PROG[c], fpkt, flen, FX.if_in, REPEAT, &ret);
			if (c >= REF_HASH && REF_PROG[c] >= 0 && ret != XDP_TX)
				DIE("%s: verdict %s (a miss?)", REF_NAMES[c], verdict_str(ret));
		}
		f1 = run_prog(FLOOR, fpkt, flen, FX.if_in, REPEAT, &ret);
		if (f0 < 0 || f1 < 0 || ret != XDP_TX)
			DIE("floor");
		floor_n[r] = (f0 + f1) / 2;
		for (c = 0; c < REF_N; c++)
			ref_ratio[c][r] = ref[c][r] / floor_n[r];
		for (c = 0; c < NNCASES; c++)
			NCASES[c].ratio[r] = NCASES[c].ns[r] / floor_n[r];

		/* repeat=1: overhead = floor(repeat=1) - floor(repeat=N). */
		LENS[0] = flen;
		memcpy(POOL, fpkt, flen);
		r1[R1_FLOOR][r] = run_pool(FLOOR, POOL, LENS, K1, true, XDP_TX, &bad[R1_FLOOR]);
		LENS[0] = NCASES[0].len;
		memcpy(POOL, NCASES[0].pkt, NCASES[0].len);
		r1[R1_DATA][r] = run_pool(FX.prog, POOL, LENS, K1, true, XDP_TX, &bad[R1_DATA]);
		/* NAT: the rewrite changes the buffer, so repeat=N would time, after
		 * the first run, a packet to the backend's address (no service).
		 * repeat=1 on the same user buffer: each call copies it in afresh. */
		for (c = R1_NAT; c <= R1_NATF; c++) {
			uint64_t nat0 = stat_get(&FX, SCTPLB_STAT_NAT_TO_BACKEND);

			LENS[0] = NAT_LEN[c - R1_NAT];
			memcpy(POOL, NAT_PKT[c - R1_NAT], LENS[0]);
			r1[c][r] = run_pool(FX.prog, POOL, LENS, K1, true, XDP_TX, &bad[c]);
			if (stat_get(&FX, SCTPLB_STAT_NAT_TO_BACKEND) - nat0 != K1)
				DIE("%s: %llu of %u calls rewritten", R1_NAMES[c],
				    (unsigned long long)(stat_get(&FX, SCTPLB_STAT_NAT_TO_BACKEND) - nat0),
				    K1);
		}
		build_routable(K1);
		r1[R1_RDATA][r] = run_pool(FX.prog, POOL, LENS, K1, false, XDP_TX, &bad[R1_RDATA]);
		for (c = R1_COOKIE; c <= R1_COOKIEL; c++) {
			build_cookies(K1, c == R1_COOKIE1 ? CK_ONE_ADDR :
					  c == R1_COOKIEL ? CK_LISTED : CK_SRC);
			created = stat_get(&FX, SCTPLB_STAT_ASSOC_CREATED);
			r1[c][r] = run_pool(FX.prog, POOL, LENS, K1, false, XDP_TX, &bad[c]);
			drop_cookie_handshakes();
			if (stat_get(&FX, SCTPLB_STAT_ASSOC_CREATED) - created != K1)
				fprintf(stderr, "bench: warning: %llu of %u COOKIE-ECHOs created an "
					"association\n",
					(unsigned long long)(stat_get(&FX, SCTPLB_STAT_ASSOC_CREATED) -
							     created), K1);
		}
		build_inits(K1, true);
		r1[R1_INIT][r] = run_pool(FX.prog, POOL, LENS, K1, false, XDP_TX, &bad[R1_INIT]);
		build_inits(K1, false);
		r1[R1_INIT0][r] = run_pool(FX.prog, POOL, LENS, K1, false, XDP_TX, &bad[R1_INIT0]);
		overhead[r] = r1[R1_FLOOR][r] - floor_n[r];
		for (c = 0; c < R1_N; c++) {
			if (c != R1_FLOOR)
				r1[c][r] -= overhead[r];
			r1_ratio[c][r] = r1[c][r] / floor_n[r];
		}
		/* The COOKIE rounds fill the unconfirmed maps and client_index:
		 * keep only the benchmark's own associations. */
		if (r % 3 == 2) {
			clear_map(FX.assocs);
			clear_map(FX.assoc_ctags);
			fx_clear(FX.pending);
			fx_clear(FX.pending_ctags);
			fx_clear(FX.client_index);
			put_assoc(&FX, TS1, TC1, CPORT, C4, 1);
			put_assoc(&FX, TS_NONEIGH, TC1 + 4, CPORT + 4, C4, 4);
			put_assoc(&FX, TS_NOPATH, TC1 + 5, CPORT + 5, C4, 5);
			put_nat_assocs(&FX);
		}
	}
	for (c = 0; c < R1_N; c++)
		if (bad[c])
			DIE("%s: %u calls with an unexpected verdict", R1_NAMES[c], bad[c]);

	double fl = median(floor_n, ROUNDS), oh = median(overhead, ROUNDS);

	printf("\n1. Per-packet cost of sctplb_xdp (BPF_PROG_TEST_RUN, JIT on), median of %d rounds\n",
	       ROUNDS);
	printf("   floor (swap MACs, XDP_TX), repeat=%u: %.1f ns; repeat=1 per-call overhead %.1f ns\n",
	       REPEAT, fl, oh);
	printf("   %-46s %9s %7s %9s  %s\n", "case", "ns/pkt", "ratio", "verdict", "method");
	fprintf(J, "  \"floor_ns\": %.1f,\n  \"repeat\": %u,\n  \"rounds\": %d,\n"
		"  \"repeat1_overhead_ns\": %.1f,\n  \"cases\": [", fl, REPEAT, ROUNDS, oh);
	json_case("floor (swap MACs, XDP_TX)", "repeat=N", fl, fl, 1.0, "TX", "", &first);
	for (c = 0; c < NNCASES; c++) {
		struct ncase *k = &NCASES[c];
		double ns = median(k->ns, ROUNDS), ra = median(k->ratio, ROUNDS);

		printf("   %-46s %9.1f %6.2fx %9s  repeat=%u\n", k->name, ns, ra,
		       verdict_str(k->want), REPEAT);
		json_case(k->name, "repeat=N", ns, fl, ra, verdict_str(k->want), k->kind ? k->kind : "",
			  &first);
	}
	for (c = R1_DATA; c < R1_N; c++) {
		double ns = median(r1[c], ROUNDS), ra = median(r1_ratio[c], ROUNDS);

		printf("   %-46s %9.1f %6.2fx %9s  repeat=1 x %u, overhead subtracted\n",
		       R1_NAMES[c], ns, ra, "TX", K1);
		json_case(R1_NAMES[c], "repeat=1, overhead subtracted", ns, fl, ra, "TX",
			  c == R1_COOKIE || c == R1_INIT ? "new" :
			  c >= R1_NAT && c <= R1_NATF ? "nat" : "", &first);
	}
	for (c = 0; c < REF_N; c++) {
		double ns = median(ref[c], ROUNDS), ra = median(ref_ratio[c], ROUNDS);

		if (REF_PROG[c] < 0)
			continue;
		printf("   %-46s %9.1f %6.2fx %9s  repeat=%u\n", REF_NAMES[c], ns, ra, "TX", REPEAT);
		json_case(REF_NAMES[c], "repeat=N", ns, fl, ra, "TX", "", &first);
	}
	fprintf(J, "\n  ],\n");
}

/* --------------------------------------- 2. scaling with the table size */

static long memlock(int fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Association i of the scaling table. */
#define SC_TS(i)    (0x10000000u + (i))
#define SC_TC(i)    (0x20000000u + (i))
#define SC_PORT(i)  ((uint16_t)(1024 + (i) / 256))
static void sc_addr(uint32_t i, char *buf, size_t n)
{
	snprintf(buf, n, "203.0.113.%u", i % 256);
}

/* A stamp n stamps (134 ms each) before st, or 1 (not 0: "never") this early after boot. */
static uint32_t stamp_ago(uint32_t st, uint32_t n)
{
	return st > n ? st - n : 1;
}

/*
 * Association i's value as a live multihomed one holds it (what `assoc list`
 * prints: three lines and six ages): created an hour ago; path 0, the IPv4
 * address its DATA comes from (sc_addr, the spread packets' source), DATA 2 s
 * ago; path 1 an IPv6 address with HEARTBEATs only, 20 s ago.
 */
static void sc_value(uint32_t i, uint32_t now, struct sctplb_assoc *v)
{
	char a[32];

	memset(v, 0, sizeof(*v));
	v->backend_id = 1 + i % NBE;
	v->ctag = SC_TC(i);
	v->state = SCTPLB_ASSOC_ESTABLISHED;
	v->packets = SCTPLB_CONFIRM_PACKETS;
	v->created = stamp_ago(now, 26822);
	v->seen = v->path[0].seen = v->path[0].data = stamp_ago(now, 15);
	sc_addr(i, a, sizeof(a));
	inet_pton(AF_INET, a, v->path[0].caddr);
	v->path[0].family = SCTPLB_AF_INET;
	snprintf(a, sizeof(a), "2001:db8:1::%x:%x", i >> 16, i & 0xffff);
	inet_pton(AF_INET6, a, v->path[1].caddr);
	v->path[1].family = SCTPLB_AF_INET6;
	v->path[1].seen = stamp_ago(now, 149);
}

/* Inserts associations [from, to) in batches; adds the seconds spent per map. */
static void sc_fill(struct fx *fx, uint32_t from, uint32_t to, double secs[3])
{
	enum { B = 16384 };
	static struct sctplb_assoc_key ak[B], ck[B];
	static struct sctplb_assoc av[B];
	static struct sctplb_ctag_value cv[B];
	struct sctplb_client_entry *ie = calloc(to - from, sizeof(*ie));
	struct lb_settable ct;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t i, j, n, cnt;
	char a[32];
	uint64_t t;

	if (!ie)
		DIE("memory");
	for (i = from; i < to; i += n) {
		uint32_t now = sctplb_stamp(fx_now());

		n = to - i < B ? to - i : B;
		for (j = 0; j < n; j++) {
			uint32_t x = i + j;

			ak[j] = fx_assoc_key(SVC, SC_TS(x), htons(SC_PORT(x)), htons(PORT));
			ck[j] = fx_assoc_key(SVC, SC_TC(x), htons(SC_PORT(x)), htons(PORT));
			sc_value(x, now, &av[j]);
			cv[j].stag = SC_TS(x);
			sc_addr(x, a, sizeof(a));
			ie[x - from].key = fx_client_key(SVC, htons(SC_PORT(x)), a);
			ie[x - from].val = (struct sctplb_client){ .backend_id = 1 + x % NBE,
								   .stag = SC_TS(x) };
		}
		cnt = n;
		t = now_ns();
		if (bpf_map_update_batch(fx->assocs, ak, av, &cnt, &bo) || cnt != n)
			DIE("assocs batch at %u: %s", i, strerror(errno));
		secs[0] += (now_ns() - t) / 1e9;
		cnt = n;
		t = now_ns();
		if (bpf_map_update_batch(fx->assoc_ctags, ck, cv, &cnt, &bo) || cnt != n)
			DIE("assoc_ctags batch: %s", strerror(errno));
		secs[1] += (now_ns() - t) / 1e9;
	}
	/* client_index, a set-associative table: its sets read and the
	 * changed ones written back, in batches, once (lb_settable_fill). */
	t = now_ns();
	if (fx_clients(fx, &ct) || lb_settable_fill(&ct, ie, to - from, sctplb_stamp(fx_now()), NULL))
		DIE("client_index fill of [%u, %u)", from, to);
	secs[2] += (now_ns() - t) / 1e9;
	free(ie);
}

static const char *PIN_DIR;

/* build/sctplb with args over the maps pinned under PIN_DIR, its output to
 * /dev/null, waited for: the seconds it took, or -1 (said why). */
static double command_time(const char *what, char *const *args)
{
	uint64_t t0 = now_ns();
	int st = -1, fd;
	pid_t pid = fork();

	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv("build/sctplb", args);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench: sctplb %s failed (status %#x): not timed\n", what, st);
		return -1;
	}
	return (now_ns() - t0) / 1e9;
}

/* One GET /metrics from 127.0.0.1:port, read to its end: the seconds it took,
 * or -1 when nothing listens there yet, -2 when the answer is not a 200 with
 * the association gauges in it. */
static double scrape_once(int port)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static char buf[1 << 20], rest[1 << 16];
	size_t got = 0;
	uint64_t t0;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	t0 = now_ns();
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -2;
	}
	/* Its first MiB kept (the status line, the association gauges), the rest read. */
	while ((r = got < sizeof(buf) - 1 ? read(fd, buf + got, sizeof(buf) - 1 - got) :
					    read(fd, rest, sizeof(rest))) > 0)
		got += got < sizeof(buf) - 1 ? (size_t)r : 0;
	buf[got] = 0;
	close(fd);
	if (strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4) ||
	    !strstr(buf, "sctplb_associations{"))
		return -2;
	return (now_ns() - t0) / 1e9;
}

/*
 * `sctplb metrics` over the same pins, in this process's network namespace:
 * the second of two scrapes (the first has no last look to count failovers
 * against), or -1 when not measured (said why).
 */
static double scrape_time(void)
{
	char *args[] = { "sctplb", "--pin-path", (char *)PIN_DIR, "metrics", "--listen",
			 "127.0.0.1:9464", NULL };
	double t = -1;
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv("build/sctplb", args);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	/* Until it listens (or has exited): a condition, not a fixed time. */
	while ((t = scrape_once(9464)) == -1 && waitpid(pid, &st, WNOHANG) == 0)
		usleep(20000);
	if (t >= 0)
		t = scrape_once(9464);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (t < 0)
		fprintf(stderr, "bench: sctplb metrics gave no scrape (%s): not timed\n",
			t == -1 ? "it did not listen" : "not a 200 with the association gauges");
	return t;
}

/*
 * `sctplb assoc list` and a scrape of `sctplb metrics` (the command,
 * build/sctplb) over this instance's maps, pinned for the time of the run
 * under PIN_DIR (a directory unique to the run that run.sh gives and removes
 * on exit).  Seconds each, or -1 when not measured (no --pin-dir, or it
 * failed: said why).
 */
static void control_plane_times(struct fx *fx, double *list_s, double *scrape_s)
{
	char *args[] = { "sctplb", "--pin-path", (char *)PIN_DIR, "assoc", "list", NULL };

	*list_s = *scrape_s = -1;
	if (!PIN_DIR)
		return;
	if (mkdir(PIN_DIR, 0700) && errno != EEXIST) {
		fprintf(stderr, "bench: %s: %s: assoc list not timed\n", PIN_DIR, strerror(errno));
		return;
	}
	if (bpf_object__pin_maps(fx->skel->obj, PIN_DIR)) {
		fprintf(stderr, "bench: cannot pin the maps under %s: assoc list not timed\n", PIN_DIR);
		rmdir(PIN_DIR);
		return;
	}
	*list_s = command_time("assoc list", args);
	*scrape_s = scrape_time();
	bpf_object__unpin_maps(fx->skel->obj, PIN_DIR);
	rmdir(PIN_DIR);
}

static size_t sc_packet(uint32_t i, uint8_t *out)
{
	char a[32];
	struct pkt_spec s = { .src = a, .dst = VIP4, .dport = PORT,
			      .chunks = { CH_DATA(.body = DATA_BODY) } };

	sc_addr(i, a, sizeof(a));
	s.sport = SC_PORT(i);
	s.vtag = SC_TS(i);
	return build(&s, out);
}

/*
 * The memory reference of section 2: one dependent random read (a pointer
 * chase over 64-byte lines in a random cycle) over a buffer far larger than
 * the last-level cache and the TLB's reach, in 4 KiB pages as the kernel's
 * BPF map memory is (vmalloc).  Every design that keeps per-association state
 * reads at least one such line per packet when its associations are spread
 * over a table of a million: hot + this is the least a spread packet can cost.
 */
static double memory_read_ns(void)
{
	const size_t sz = 256u << 20, lines = sz / 64;
	uint64_t *next, x = 0x9e3779b97f4a7c15ull, o = 0, t0;
	uint32_t *perm;
	char *buf;
	size_t i;
	const int n = 2000000;

	buf = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	perm = malloc(lines * sizeof(*perm));
	if (buf == MAP_FAILED || !perm)
		DIE("memory reference: %s", strerror(errno));
	madvise(buf, sz, MADV_NOHUGEPAGE);
	for (i = 0; i < lines; i++)
		perm[i] = (uint32_t)i;
	for (i = lines - 1; i > 0; i--) { /* Fisher-Yates, xorshift64 */
		size_t j;
		uint32_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < lines; i++) {
		next = (uint64_t *)(buf + (size_t)perm[i] * 64);
		*next = (uint64_t)perm[(i + 1) % lines] * 64;
	}
	free(perm);
	t0 = now_ns();
	for (i = 0; i < (size_t)n; i++)
		o = *(volatile uint64_t *)(buf + o);
	t0 = now_ns() - t0;
	munmap(buf, sz);
	return (double)t0 / n;
}

static void section_scaling(void)
{
	static const uint32_t steps[] = { 1000, 100000, 1000000 };
	const uint32_t cap = 1100000;
	struct fx fx = FX;
	double secs[3] = { 0 }, last_hot = 0;
	long ml[5];
	uint32_t filled = 0, s, r, i, ret, bad = 0;
	int rounds = QUICK ? 3 : 5;
	uint8_t fpkt[PKT_MAX], hot[PKT_MAX];
	size_t flen, hlen;
	const char *mapname[5] = { "assocs", "assoc_ctags", "client_index", "assocs_pending",
				   "pending_ctags" };

	fx.skel = NULL;
	if (bench_load(&fx, cap))
		DIE("load with %u associations", cap);
	configure(&fx);
	flen = build(&NCASES[0].spec, fpkt);

	printf("\n2. Scaling: established DATA (IPv4) with N associations in the table "
	       "(max_entries %u), median of %d rounds\n", cap, rounds);
	printf("   %-10s %9s %7s %13s %7s %9s\n", "assocs", "hot ns", "ratio", "spread ns",
	       "ratio", "floor ns");
	fprintf(J, "  \"scaling\": {\n    \"max_entries\": %u,\n    \"points\": [", cap);
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		double hot_ns[16], hot_ra[16], sp_ns[16], sp_ra[16], fl[16];
		uint32_t want = steps[s];

		sc_fill(&fx, filled, want, secs);
		filled = want;
		if ((uint32_t)fx_count(fx.assocs) != filled)
			DIE("assocs holds %ld, not %u", fx_count(fx.assocs), filled);
		/* hot: one association in the middle, the same buffer repeat=N */
		hlen = sc_packet(filled / 2, hot);
		/* spread: K1 random associations, one repeat=1 call each */
		srand(12345 + s);
		for (i = 0; i < K1; i++)
			LENS[i] = sc_packet((uint32_t)(((uint64_t)rand() * RAND_MAX + rand()) % filled),
					    POOL + (size_t)i * PKT_MAX);
		for (r = 0; r < (uint32_t)rounds; r++) {
			double f0, f1, f1x, oh;
			static size_t one[1];

			f0 = run_prog(FLOOR, fpkt, flen, fx.if_in, REPEAT, &ret);
			hot_ns[r] = run_prog(fx.prog, hot, hlen, fx.if_in, REPEAT, &ret);
			if (ret != XDP_TX)
				DIE("scaling hot: verdict %s", verdict_str(ret));
			f1 = run_prog(FLOOR, fpkt, flen, fx.if_in, REPEAT, &ret);
			fl[r] = (f0 + f1) / 2;
			hot_ra[r] = hot_ns[r] / fl[r];
			one[0] = flen;
			f1x = run_pool(FLOOR, fpkt, one, K1, true, XDP_TX, &bad);
			oh = f1x - fl[r];
			sp_ns[r] = run_pool(fx.prog, POOL, LENS, K1, false, XDP_TX, &bad) - oh;
			sp_ra[r] = sp_ns[r] / fl[r];
		}
		if (bad)
			DIE("scaling: %u calls with an unexpected verdict", bad);
		double hn = median(hot_ns, rounds), hr = median(hot_ra, rounds);
		double sn = median(sp_ns, rounds), sr = median(sp_ra, rounds), f = median(fl, rounds);

		last_hot = hn;

		printf("   %-10u %9.1f %6.2fx %13.1f %6.2fx %9.1f\n", filled, hn, hr, sn, sr, f);
		fprintf(J, "%s\n      {\"assocs\": %u, \"hot_ns\": %.1f, \"hot_ratio\": %.2f, "
			"\"spread_ns\": %.1f, \"spread_ratio\": %.2f, \"floor_ns\": %.1f}",
			s ? "," : "", filled, hn, hr, sn, sr, f);
	}
	fprintf(J, "\n    ],\n");
	double mr = memory_read_ns();

	printf("   memory reference: one dependent random read over 256 MiB in 4 KiB pages %.1f ns; "
	       "hot + one read = %.2fx hot, the least a spread packet of a per-association table "
	       "can cost here\n", mr, (last_hot + mr) / last_hot);
	fprintf(J, "    \"memory_read_ns\": %.1f, \"spread_bound\": %.2f,\n", mr,
		(last_hot + mr) / last_hot);

	/* Memory: the maps' memlock (preallocated hash maps, LRU included: all of
	 * max_entries; arrays of sets: all of their sets) per association of the
	 * --max-assocs (cap) that sized them.  The five maps --max-assocs sizes:
	 * what a confirmed association holds (the first three) and what the
	 * table's capacity costs per association (all five: the unconfirmed
	 * tables hold as many; client_index has a third more ways than
	 * associations, include/sctplb.h). */
	int fds[5] = { fx.assocs, fx.assoc_ctags, fx.client_index, fx.pending, fx.pending_ctags };
	double per = 0, all = 0;

	printf("   memory (fdinfo memlock / --max-assocs):");
	fprintf(J, "    \"memory\": {");
	for (i = 0; i < 5; i++) {
		ml[i] = memlock(fds[i]);
		if (i < 3)
			per += (double)ml[i] / cap;
		all += (double)ml[i] / cap;
		printf(" %s %.1f B", mapname[i], (double)ml[i] / cap);
		fprintf(J, "\"%s_memlock\": %ld, \"%s_bytes_per_assoc\": %.1f, ", mapname[i], ml[i],
			mapname[i], (double)ml[i] / cap);
	}
	printf("; per confirmed association %.0f B; all five maps %.0f B per association "
	       "(%.0f MiB for %u)\n", per, all, all * cap / 1048576.0, cap);
	fprintf(J, "\"bytes_per_confirmed\": %.1f, \"bytes_per_assoc\": %.1f},\n", per, all);
	printf("   insert 1M from user space (bpf_map_update_batch, 16384 per call; client_index "
	       "lb_settable_fill): assocs %.2f s, assoc_ctags %.2f s, client_index %.2f s, all three "
	       "%.2f s\n",
	       secs[0], secs[1], secs[2], secs[0] + secs[1] + secs[2]);
	fprintf(J, "    \"insert_1m_s\": {\"assocs\": %.3f, \"assoc_ctags\": %.3f, "
		"\"client_index\": %.3f, \"total\": %.3f},\n",
		secs[0], secs[1], secs[2], secs[0] + secs[1] + secs[2]);
	double al, sc;

	control_plane_times(&fx, &al, &sc);
	if (al >= 0)
		printf("   sctplb assoc list of the %u associations (output to /dev/null): %.2f s\n",
		       filled, al);
	if (sc >= 0)
		printf("   sctplb metrics, one scrape of the %u associations: %.2f s\n", filled, sc);
	fprintf(J, "    \"assoc_list_assocs\": %u, \"assoc_list_s\": ", filled);
	fprintf(J, al >= 0 ? "%.3f,\n" : "null,\n", al);
	fprintf(J, sc >= 0 ? "    \"metrics_scrape_s\": %.3f\n  },\n" :
			     "    \"metrics_scrape_s\": null\n  },\n", sc);

	/*
	 * 3. Maglev, on this instance's maglev map.  A switch: SVC has a table
	 * since configure(), so install writes the other half and bumps the
	 * generation (user/lib/maglev.c); read back after the last one.  A
	 * service's first table (a new inner map and one outer update, which
	 * waits for an RCU grace period) is timed apart, on a free slot.
	 */
	static const int nbs[] = { 10, 100, 1000 };
	static uint32_t table[SCTPLB_MAGLEV_SIZE], back[SCTPLB_MAGLEV_SIZE];
	const uint32_t first_svc = SCTPLB_MAX_SERVICES - 1;
	int reps = QUICK ? 3 : 7, b, k;

	printf("\n3. Control plane: Maglev table (%d slots) for N backends, median of %d; a switch\n"
	       "   (the service has a table), and a service's first table apart\n",
	       SCTPLB_MAGLEV_SIZE, reps);
	printf("   %-9s %10s %12s %10s %15s\n", "backends", "build ms", "install ms", "total ms",
	       "first table ms");
	fprintf(J, "  \"maglev\": [");
	for (b = 0; b < 3; b++) {
		struct maglev_backend *mb = calloc(nbs[b], sizeof(*mb));
		char (*names)[16] = calloc(nbs[b], 16);
		double tb[16], ti[16], tt[16], tf[16];

		if (!mb || !names)
			DIE("memory");
		for (k = 0; k < nbs[b]; k++) {
			snprintf(names[k], 16, "backend-%04d", k % 10000);
			mb[k] = (struct maglev_backend){ .name = names[k], .id = k + 1, .weight = 1 };
		}
		for (k = 0; k < reps; k++) {
			uint64_t t0 = now_ns(), t1, t2, t3;
			int err = maglev_build(mb, nbs[b], table);

			t1 = now_ns();
			if (err || maglev_install(fx.maglev, SVC, table))
				DIE("maglev %d", nbs[b]);
			t2 = now_ns();
			if (maglev_install(fx.maglev, first_svc, table))
				DIE("maglev %d: first table", nbs[b]);
			t3 = now_ns();
			if (bpf_map_delete_elem(fx.maglev, &first_svc))
				DIE("maglev: delete the first table: %s", strerror(errno));
			tb[k] = (t1 - t0) / 1e6;
			ti[k] = (t2 - t1) / 1e6;
			tt[k] = (t2 - t0) / 1e6;
			tf[k] = (t3 - t2) / 1e6;
		}
		if (maglev_read(fx.maglev, SVC, back, NULL) || memcmp(back, table, sizeof(table)))
			DIE("maglev %d: the live table is not the one installed", nbs[b]);
		printf("   %-9d %10.2f %12.2f %10.2f %15.2f\n", nbs[b], median(tb, reps),
		       median(ti, reps), median(tt, reps), median(tf, reps));
		fprintf(J, "%s\n    {\"backends\": %d, \"build_ms\": %.3f, \"install_ms\": %.3f, "
			"\"total_ms\": %.3f, \"first_table_ms\": %.3f}", b ? "," : "", nbs[b],
			median(tb, reps), median(ti, reps), median(tt, reps), median(tf, reps));
		free(mb);
		free(names);
	}
	fprintf(J, "\n  ],\n");
	fx_unload(&fx);
}

/* ------------------------------------------------------------ 4. flood */

#define FL_N 1000
static void flood_client(uint32_t j, char *a, size_t n)
{
	snprintf(a, n, "2001:db8:c:2::%x", j + 1);
}

static void section_flood(void)
{
	struct fx fx = FX;
	uint8_t pkt[PKT_MAX], fpkt[PKT_MAX];
	char src[48], alt[48];
	uint32_t j, ret, nflood = QUICK ? 100000 : 1000000, bad = 0, lost = 0, lost_idx = 0;
	uint32_t fwd_after = 0;
	size_t len, flen;
	uint64_t created, t0, wall;
	double sum = 0, d, oh0, oh1, floor_n, oh;
	static size_t one[1];

	fx.skel = NULL;
	if (bench_load(&fx, 0))
		DIE("load");
	configure(&fx);

	/* 1000 associations through the program: INIT, then COOKIE-ECHO. */
	created = stat_get(&fx, SCTPLB_STAT_ASSOC_CREATED);
	for (j = 0; j < FL_N; j++) {
		struct pkt_spec i = { .src = src, .dst = VIP6, .sport = 30000, .dport = PORT,
				      .chunks = { CH_INIT(0x30000000u + j, src) } };
		struct pkt_spec c = { .src = src, .dst = VIP6, .sport = 30000, .dport = PORT,
				      .vtag = 0x40000000u + j, .chunks = { CH_COOKIE(), CH_DATA() } };

		flood_client(j, src, sizeof(src));
		len = build(&i, pkt);
		if (run_prog(fx.prog, pkt, len, fx.if_in, 1, &ret) < 0 || ret != XDP_TX)
			DIE("flood setup INIT %u: %s", j, verdict_str(ret));
		len = build(&c, pkt);
		if (run_prog(fx.prog, pkt, len, fx.if_in, 1, &ret) < 0 || ret != XDP_TX)
			DIE("flood setup COOKIE-ECHO %u: %s", j, verdict_str(ret));
	}
	if (stat_get(&fx, SCTPLB_STAT_ASSOC_CREATED) - created != FL_N)
		DIE("flood setup: %llu associations created",
		    (unsigned long long)(stat_get(&fx, SCTPLB_STAT_ASSOC_CREATED) - created));

	/* Per-call overhead, as in section 1, before and after. */
	flen = build(&NCASES[0].spec, fpkt);
	one[0] = flen;
	floor_n = run_prog(FLOOR, fpkt, flen, fx.if_in, REPEAT, &ret);
	oh0 = run_pool(FLOOR, fpkt, one, K1, true, XDP_TX, &bad) - floor_n;

	/* The flood: spoofed sources (half IPv4, half IPv6), ports and tags. */
	t0 = now_ns();
	for (j = 0; j < nflood; j++) {
		uint32_t h = j / 2;
		struct pkt_spec s = { .src = src, .dport = PORT,
				      .chunks = { CH_INIT((j + 1) * 2654435761u, src, alt) } };

		if (j & 1) {
			snprintf(src, sizeof(src), "2001:db8:c:f::%x:%x", h >> 16, h & 0xffff);
			s.dst = VIP6;
			s.sport = 1024 + h % 60000;
		} else {
			snprintf(src, sizeof(src), "203.0.113.%u", h % 256);
			s.dst = VIP4;
			s.sport = 1024 + h / 256;
		}
		snprintf(alt, sizeof(alt), "2001:db8:c:e::%x:%x", j >> 16, j & 0xffff);
		len = build(&s, pkt);
		d = run_prog(fx.prog, pkt, len, fx.if_in, 1, &ret);
		if (d < 0)
			DIE("flood run");
		if (ret != XDP_TX)
			bad++;
		sum += d;
	}
	wall = now_ns() - t0;
	oh1 = run_pool(FLOOR, fpkt, one, K1, true, XDP_TX, &bad) - floor_n;
	oh = (oh0 + oh1) / 2;

	/* What is left of the 1000: in the maps, and forwarded by the program. */
	uint64_t est0 = stat_get(&fx, SCTPLB_STAT_ESTABLISHED);

	for (j = 0; j < FL_N; j++) {
		struct sctplb_assoc_key k = fx_assoc_key(SVC, 0x40000000u + j, htons(30000),
							 htons(PORT));
		struct sctplb_assoc a;
		struct pkt_spec s = { .src = src, .dst = VIP6, .sport = 30000, .dport = PORT,
				      .vtag = 0x40000000u + j, .chunks = { CH_DATA() } };

		/* Confirmed or not: INITs never touch either table. */
		if (fx_assoc_lookup(&fx, &k, &a, NULL) || a.backend_id == 0) {
			if (!lost++)
				lost_idx = j;
		}
		flood_client(j, src, sizeof(src));
		len = build(&s, pkt);
		if (run_prog(fx.prog, pkt, len, fx.if_in, 1, &ret) >= 0 && ret == XDP_TX)
			fwd_after++;
	}
	uint64_t est = stat_get(&fx, SCTPLB_STAT_ESTABLISHED) - est0;
	long hs = fx_handshake_count(&fx), na = fx_count(fx.assocs) + fx_pending_count(&fx);
	double per = sum / nflood - oh;

	printf("\n4. Flood: %u INITs from spoofed sources (distinct addresses, ports, tags; "
	       "each lists 2 addresses) over %d established associations\n", nflood, FL_N);
	printf("   lost associations: %u (first %u); DATA of the %d still forwarded: %u "
	       "(ESTABLISHED +%llu)\n", lost, lost ? lost_idx : 0, FL_N, fwd_after,
	       (unsigned long long)est);
	printf("   per INIT %.1f ns (%.2fx floor %.1f ns; repeat=1, overhead %.1f ns subtracted): "
	       "%.0f INITs/s per CPU; %.0f INITs/s wall clock with packet building; handshakes %ld "
	       "(a set-associative table of %d), associations %ld; unexpected verdicts %u\n", per, per / floor_n,
	       floor_n, oh, 1e9 / per, nflood / (wall / 1e9), hs, SCTPLB_MAX_HANDSHAKES, na, bad);
	fprintf(J, "  \"flood\": {\"inits\": %u, \"established\": %d, \"lost\": %u, "
		"\"forwarded_after\": %u, \"ns_per_init\": %.1f, \"floor_ns\": %.1f, "
		"\"ratio\": %.2f, \"inits_per_s_per_cpu\": %.0f, \"handshakes_after\": %ld, "
		"\"assocs_after\": %ld, \"unexpected_verdicts\": %u, \"wall_s\": %.2f}",
		nflood, FL_N, lost, fwd_after, per, floor_n, per / floor_n, 1e9 / per, hs, na, bad,
		wall / 1e9);
	fx_unload(&fx);
}

/* ------------------------------------------------------------------ main */

static void machine(void)
{
	char line[256], model[128] = "?", jit[8] = "?";
	int family = -1, num = -1, stepping = -1; /* a hypervisor's "AMD EPYC" hides which one */
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f) && strcmp(line, "\n")) { /* the first CPU */
		sscanf(line, "model name : %127[^\n]", model);
		sscanf(line, "cpu family : %d", &family);
		sscanf(line, "model : %d", &num);
		sscanf(line, "stepping : %d", &stepping);
	}
	if (f)
		fclose(f);
	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (f) {
		if (!fgets(jit, sizeof(jit), f))
			strcpy(jit, "?");
		jit[strcspn(jit, "\n")] = 0;
		fclose(f);
	}
	uname(&u);
	printf("machine: %s (family %d, model %d, stepping %d), %ld CPUs, kernel %s, "
	       "bpf_jit_enable=%s\n", model, family, num, stepping, sysconf(_SC_NPROCESSORS_ONLN),
	       u.release, jit);
	fprintf(J, "  \"machine\": {\"cpu\": \"%s\", \"cpu_family\": %d, \"cpu_model\": %d, "
		"\"cpu_stepping\": %d, \"cpus\": %ld, \"kernel\": \"%s\", \"jit\": \"%s\"},\n",
		model, family, num, stepping, sysconf(_SC_NPROCESSORS_ONLN), u.release, jit);
	if (strcmp(jit, "1") && strcmp(jit, "2"))
		fprintf(stderr, "bench: warning: the JIT is off: figures are the interpreter's\n");
}

/*
 * The verifier's budget: instructions processed per program of the
 * forwarder (BPF_LOG_STATS), against the kernel's limit of a million.  The
 * XDP and tc programs are near it (docs/bench.md): a datapath change that
 * adds branches on the INIT or COOKIE-ECHO path shows here before it stops
 * loading.  Informational; a program over the limit fails every test.
 */
#define VERIFIER_LIMIT 1000000
#define STACK_LIMIT    512      /* MAX_BPF_STACK: the frames of one chain of calls together */
#define STACK_SUBPROGS 64

/*
 * The stack of program fd's deepest chain of calls, as the verifier's
 * check_max_stack_depth adds it up against 512 bytes (each frame rounded up
 * to 16, the JIT's granularity), from the frames its BPF_LOG_STATS line gives
 * ("stack depth a+b+...", one per subprogram in order) and the calls of the
 * translated program, where a BPF-to-BPF call's imm is the callee's index
 * (the call of an inlined bpf_loop's callback included: the check counts the
 * callback as called where it is referenced).  The stats line's frames are
 * the final ones: a subprogram whose bpf_loop calls were inlined (they keep
 * their BPF_PSEUDO_FUNC load of the callback) got 24 bytes more after the
 * check (three saved registers, optimize_bpf_loop), taken off here.  -1 if
 * it cannot be read.
 */
static long chain_from(int sub, int nsub, const long *frame, bool calls[][STACK_SUBPROGS],
		       long *memo, int depth)
{
	long best = 0, d;
	int c;

	if (memo[sub] >= 0)
		return memo[sub];
	if (depth > nsub)
		return -1; /* recursion: the verifier refuses it anyway */
	for (c = 0; c < nsub; c++) {
		if (!calls[sub][c])
			continue;
		d = chain_from(c, nsub, frame, calls, memo, depth + 1);
		if (d < 0)
			return -1;
		if (d > best)
			best = d;
	}
	return memo[sub] = ((frame[sub] + 15) & ~15L) + best;
}

static long stack_chain(int fd, const char *log)
{
	static bool calls[STACK_SUBPROGS][STACK_SUBPROGS], inlined[STACK_SUBPROGS];
	struct bpf_func_info fi[STACK_SUBPROGS];
	long frame[STACK_SUBPROGS], memo[STACK_SUBPROGS];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, i, nfi;
	struct bpf_insn *insns = NULL;
	const char *at = strstr(log, "stack depth ");
	int nsub = 0, sub, k;
	long r = -1;

	if (fd < 0 || !at || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	for (at += strlen("stack depth "); nsub < STACK_SUBPROGS; nsub++) {
		char *end;

		frame[nsub] = strtol(at, &end, 10);
		if (end == at)
			break;
		at = *end == '+' ? end + 1 : end;
		if (*end != '+') {
			nsub++;
			break;
		}
	}
	n = info.xlated_prog_len / sizeof(*insns);
	nfi = info.nr_func_info;
	if (!n || nfi != (__u32)nsub || nfi > STACK_SUBPROGS ||
	    info.func_info_rec_size != sizeof(struct bpf_func_info))
		return -1;
	insns = calloc(n, sizeof(*insns));
	if (!insns)
		return -1;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = n * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	info.nr_func_info = nfi;
	info.func_info_rec_size = sizeof(struct bpf_func_info);
	info.func_info = (__u64)(unsigned long)fi;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	memset(calls, 0, sizeof(calls));
	memset(inlined, 0, sizeof(inlined));
	for (i = 0, sub = 0; i < n; i++) {
		while (sub + 1 < nsub && i >= fi[sub + 1].insn_off)
			sub++;
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    insns[i].src_reg == BPF_PSEUDO_FUNC)
			inlined[sub] = true;
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL &&
		    insns[i].imm >= 0 && insns[i].imm < nsub)
			calls[sub][insns[i].imm] = true;
	}
	for (k = 0; k < nsub; k++) {
		memo[k] = -1;
		if (inlined[k] && frame[k] >= 24)
			frame[k] -= 24;
	}
	r = chain_from(0, nsub, frame, calls, memo, 0);
out:
	free(insns);
	return r;
}

static void verifier_budget(void)
{
	static char logs[4][8192];
	static const char *const names[4] = { "sctplb_xdp", "sctplb_tc_ingress", "sctplb_tc_finish",
					      "sctplb_tc_return" };
	struct sctplb *s = sctplb__open();
	long insns[4] = { 0 }, stack[4];
	struct bpf_program *p;
	const char *at;
	int i;

	if (!s)
		DIE("verifier budget: sctplb__open failed");
	for (i = 0; i < 4; i++) {
		p = bpf_object__find_program_by_name(s->obj, names[i]);
		if (!p || bpf_program__set_log_level(p, 4) ||
		    bpf_program__set_log_buf(p, logs[i], sizeof(logs[i])))
			DIE("verifier budget: program %s", names[i]);
	}
	if (sctplb__load(s))
		DIE("verifier budget: sctplb__load failed");
	for (i = 0; i < 4; i++)
		stack[i] = stack_chain(bpf_program__fd(bpf_object__find_program_by_name(s->obj,
										 names[i])),
				       logs[i]);
	printf("verifier: instructions processed of %d:", VERIFIER_LIMIT);
	fprintf(J, "  \"verifier\": {\"limit\": %d", VERIFIER_LIMIT);
	for (i = 0; i < 4; i++) {
		at = strstr(logs[i], "processed ");
		if (!at || sscanf(at, "processed %ld insns", &insns[i]) != 1) {
			printf("%s %s n/a", i ? "," : "", names[i]);
			fprintf(J, ", \"%s\": null", names[i]);
			continue;
		}
		printf("%s %s %ld (%.0f%%)", i ? "," : "", names[i], insns[i],
		       100.0 * insns[i] / VERIFIER_LIMIT);
		fprintf(J, ", \"%s\": %ld", names[i], insns[i]);
	}
	printf("\n   stack of the deepest chain of calls, of %d bytes:", STACK_LIMIT);
	fprintf(J, ", \"stack_limit\": %d", STACK_LIMIT);
	for (i = 0; i < 4; i++) {
		printf("%s %s %s", i ? "," : "", names[i], stack[i] < 0 ? "n/a" : "");
		if (stack[i] >= 0)
			printf("%ld (%ld free)", stack[i], STACK_LIMIT - stack[i]);
		fprintf(J, stack[i] < 0 ? ", \"stack_%s\": null" : ", \"stack_%s\": %ld",
			names[i], stack[i]);
	}
	printf("\n");
	fprintf(J, "},\n");
	sctplb__destroy(s);
}

int micro_main(int argc, char **argv)
{
	const char *json = "build/bench-micro.json";
	const char *only = NULL;        /* sections to run besides 1, e.g. "6,7" (development) */
	const char *spin = NULL;        /* development: run the case named so for a profiler */
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--quick"))
			QUICK = true;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--pin-dir") && i + 1 < argc)
			PIN_DIR = argv[++i];
		else if (!strcmp(argv[i], "--spin") && i + 1 < argc)
			spin = argv[++i];
		else
			DIE("micro: unknown argument %s", argv[i]);
	}
	if (QUICK) {
		REPEAT = 20000;
		ROUNDS = 3;
		K1 = 2000;
	}
	J = fopen(json, "w");
	if (!J)
		DIE("%s: %s", json, strerror(errno));
	POOL = malloc((size_t)K1 * PKT_MAX);
	LENS = calloc(K1, sizeof(*LENS));
	if (!POOL || !LENS)
		DIE("memory");
	fprintf(J, "{\n");
	machine();
	verifier_budget();
	if (fx_netns_setup(&FX) || bench_load(&FX, 0))
		DIE("setup");
	FLOOR = prog_floor();
	if (FLOOR < 0)
		DIE("floor");
	configure(&FX);
	configure_routable(&FX);
	configure_nat(&FX);
#define RUN(n) (!only || strchr(only, (n)))
	uint64_t t0 = now_ns();
	double secs[5] = { 0 };

	if (spin) {
		spin_case(spin);
		return 0;
	}

	section_cases();
	secs[0] = (now_ns() - t0) / 1e9;
	if (RUN('2') || RUN('3'))
		section_scaling();
	secs[1] = (now_ns() - t0) / 1e9 - secs[0];
	if (RUN('4'))
		section_flood();
	else
		fprintf(J, "  \"flood\": null");
	secs[2] = (now_ns() - t0) / 1e9 - secs[0] - secs[1];
	if (RUN('6'))
		section_spoof();
	secs[3] = (now_ns() - t0) / 1e9 - secs[0] - secs[1] - secs[2];
	if (RUN('7'))
		section_agent();
	secs[4] = (now_ns() - t0) / 1e9 - secs[0] - secs[1] - secs[2] - secs[3];
	printf("\n   seconds per section: 1: %.0f, 2-3: %.0f, 4: %.0f, 6: %.0f, 7: %.0f\n",
	       secs[0], secs[1], secs[2], secs[3], secs[4]);
	fprintf(J, ",\n  \"section_s\": {\"1\": %.1f, \"2-3\": %.1f, \"4\": %.1f, \"6\": %.1f, "
		"\"7\": %.1f}", secs[0], secs[1], secs[2], secs[3], secs[4]);
#undef RUN
	fprintf(J, "\n}\n");
	if (fclose(J))
		DIE("%s: write error", json);
	fx_unload(&FX);
	return 0;
}
