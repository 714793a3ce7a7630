/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_nat: NAT mode through BPF_PROG_TEST_RUN (bpf/lib/nat.h, docs/nat.md).
 *
 * Service 1 (table.h: VIP4 path 0, VIP6 path 1, port PORT, UDP encapsulation
 * on ENCAP) is made a NAT service: SCTPLB_SVC_F_NAT on its VIP keys,
 * svc_nat[1] (target port TPORT, or none; full NAT: forwarder addresses SNAT4
 * and SNAT6), and nat_backends for backends 1 and 2 (table.h's addresses) as
 * the control plane writes them.
 *
 * A case is {hook, packet in, packet expected out, verdict, counters}.  The
 * expected packet is built whole by the test's packet builder (pkt.c: its own
 * bitwise CRC32c, IPv4 header and UDP checksums computed from scratch), so an
 * exact byte comparison proves every incremental update in the datapath
 * against a full recomputation; each output's CRC32c is also checked on its
 * own.  Toward a backend, the MACs are the next hop's (table.h).  On the
 * return path (sctplb_tc_return, which now rewrites what it used to only
 * watch) every output is also searched for every backend address, in both
 * families: the client must never see one.  Every counter not expected must
 * not move.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "table.h"
#include "sctplb.skel.h"

#define TPORT 6000
#define NBACKENDS 3
#define BE1_4 "192.0.2.11"     /* backend 1, path 0: XDP_TX */
#define BE1_6 "2001:db8:1::11" /* backend 1, path 1: XDP_REDIRECT */
#define BE2_4 "198.51.100.12"
#define BE2_6 "2001:db8::12"
#define OTHER4 "203.0.113.77"  /* an address of no backend */
#define C4C "203.0.113.102"    /* a client no INIT has listed */
#define SNAT4 "198.51.100.50"  /* full NAT: the forwarder's address of path 0 */
#define SNAT6 "2001:db8:1::50" /* and of path 1 */

enum hook { H_XDP, H_TC, H_RET };
static const char *const HOOKS[] = { "xdp", "tc-ingress", "tc-return" };

struct ncase {
	const char *name;
	enum hook hook;
	struct pkt_spec in;
	struct pkt_spec out;        /* .src NULL: the input, unchanged */
	unsigned pad_params;        /* bit n: INIT-ACK address parameter n of out is a zeroed PAD */
	uint32_t verdict;
	uint32_t backend;           /* forwarded: MACs toward its next hop on .path */
	uint8_t path;
	struct tb_stat_delta stats[10];
	/* An ICMP error to in.dst (VIP) from ROUTER quoting the first quote bytes of
	 * quoted (a packet from the VIP); out: to out.dst, quoting out_quoted. */
	bool icmp;
	struct pkt_spec quoted, out_quoted;
	uint16_t quote;
	/* The packet is answered in place (out: the answer, back to the sender's
	 * MAC); abort_quote: out's single ABORT carries the natsupp collision cause
	 * quoting the input INIT's first 12 bytes. */
	bool reply, abort_quote;
	/* IPv6 packets with a fragment header (ext 44): its offset and M field,
	 * written into the input and the expected frame (the builder makes first
	 * fragments only). */
	uint16_t frag6_off;
	/* The builder's ASCONF (wildcard Address Parameter, one Add IP Address
	 * request for 0.0.0.0), its request made a Delete, or given an IPv4
	 * address: in the input and the expected frame, CRC32c recomputed. */
	bool asconf_del;
	const char *asconf_addr;
};

#define S(x) { SCTPLB_STAT_##x, 1 }
#define SN(x, n) { SCTPLB_STAT_##x, n }
#define FWD_STATS(v) S(RX), S(FWD), S(v)
/* client -> VIP, and as the backend gets it */
#define IN4(from, vt) .src = (from), .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = (vt)
#define IN6(from, vt) .src = (from), .dst = VIP6, .sport = CPORT, .dport = PORT, .vtag = (vt)
#define TO(be, from, vt, port) .src = (from), .dst = (be), .sport = CPORT, .dport = (port), .vtag = (vt)
/* backend -> client, and as the client gets it */
#define FROM(be, to, vt, port) .src = (be), .dst = (to), .sport = (port), .dport = CPORT, .vtag = (vt)
#define OUT4(to, vt) .src = VIP4, .dst = (to), .sport = PORT, .dport = CPORT, .vtag = (vt)
#define OUT6(to, vt) .src = VIP6, .dst = (to), .sport = PORT, .dport = CPORT, .vtag = (vt)
#define UDP .udp_sport = ENCAP, .udp_dport = ENCAP
#define FRAG6 .ext = { 44 }, .next_ext = 1
#define XDP_TO(be, p, v) .hook = H_XDP, .verdict = (v), .backend = (be), .path = (p)
#define INIT_ACK(ts, ...) CH(CT_INIT_ACK, .tag = (ts), .addrs = { __VA_ARGS__ })
#define END { .name = NULL }
/* The natsupp collision ABORT (M bit, cause 176 and 12 bytes of the INIT). */
#define CH_ABORT_M CH(CT_ABORT, .flags = 0x02, .body = 16)
#define ROUTER4 "198.51.100.200"
#define ROUTER6 "2001:db8:c::50"
#define ICMP_TO(vip, be, ...) .icmp = true, .in = { .src = NULL, .dst = (vip) }, \
	.out = { .src = "", .dst = (be) }, __VA_ARGS__
/* On the return path: an ICMP error from from to to (a client, or a forwarder
 * address), quoting a packet sent to a backend; out: the error as it leaves. */
#define ICMP_RET(from, to, ...) .icmp = true, .hook = H_RET, .verdict = TC_ACT_OK, \
	.in = { .src = (from), .dst = (to) }, __VA_ARGS__
#define BEROUTER4 "192.0.2.254"  /* a router of the backends' network */

static struct fx FX;

/* ---- configuration ---- */

static int nat_service(struct fx *fx, uint16_t target)
{
	static const char *const vips[] = { VIP4, VIP6 };
	static const char *const be_addrs[3][2] = { {}, { BE1_4, BE1_6 }, { BE2_4, BE2_6 } };
	int smap = bpf_map__fd(fx->skel->maps.svc_nat);
	int bmap = bpf_map__fd(fx->skel->maps.nat_backends);
	struct sctplb_svc_nat n = { .flags = SCTPLB_NAT_F_ON, .sctp_port = htons(PORT),
				    .target_port = target ? htons(target) : 0 };
	uint16_t bport = htons(target ? target : PORT);
	__u32 svc = SVC, be, p;
	int encap;

	if (bpf_map_update_elem(smap, &svc, &n, BPF_ANY))
		return -1;
	for (p = 0; p < 2; p++)
		for (encap = 0; encap < 2; encap++) {
			struct sctplb_addr a = pkt_addr(vips[p]);
			struct sctplb_vip_key k = { .port = htons(encap ? ENCAP : PORT),
						    .proto = encap ? 17 : 132, .family = a.family };
			struct sctplb_service v;

			memcpy(k.addr, a.addr, 16);
			if (bpf_map_lookup_elem(fx->services, &k, &v))
				return -1;
			v.flags |= SCTPLB_SVC_F_NAT;
			if (bpf_map_update_elem(fx->services, &k, &v, BPF_ANY))
				return -1;
		}
	for (be = 1; be <= 2; be++)
		for (p = 0; p < 2; p++)
			for (encap = 0; encap < 2; encap++) {
				struct sctplb_addr a = pkt_addr(be_addrs[be][p]);
				struct sctplb_vip_key k = { .port = encap ? htons(ENCAP) : bport,
							    .proto = encap ? 17 : 132,
							    .family = a.family };
				struct sctplb_nat_backend v = {
					.svc = { .id = SVC, .sctp_port = bport, .path = p,
						 .flags = SCTPLB_SVC_F_NAT |
							  (encap ? SCTPLB_SVC_F_UDP_ENCAP : 0) },
					.backend_id = be, .vip_port = htons(PORT),
					.vip = pkt_addr(vips[p]),
				};

				memcpy(k.addr, a.addr, 16);
				if (bpf_map_update_elem(bmap, &k, &v, BPF_ANY))
					return -1;
			}
	return fx_table_all(fx, SVC, 1);
}

static int setup(struct fx *fx) { return tb_setup(fx, NBACKENDS); }
static int nat_target(struct fx *fx) { return nat_service(fx, TPORT); }

/* Full NAT: the forwarder's addresses SNAT4 (path 0) and SNAT6 (path 1). */
static int nat_full(struct fx *fx)
{
	int smap = bpf_map__fd(fx->skel->maps.svc_nat);
	struct sctplb_svc_nat n;
	__u32 svc = SVC;

	if (nat_service(fx, TPORT) || bpf_map_lookup_elem(smap, &svc, &n))
		return -1;
	n.nsnat = 2;
	n.snat[0] = pkt_addr(SNAT4);
	n.snat[1] = pkt_addr(SNAT6);
	return bpf_map_update_elem(smap, &svc, &n, BPF_ANY) ? -1 : 0;
}

/* Full NAT without a target port. */
static int nat_full_same_port(struct fx *fx)
{
	int smap = bpf_map__fd(fx->skel->maps.svc_nat);
	struct sctplb_svc_nat n;
	__u32 svc = SVC;

	if (nat_service(fx, 0) || bpf_map_lookup_elem(smap, &svc, &n))
		return -1;
	n.nsnat = 2;
	n.snat[0] = pkt_addr(SNAT4);
	n.snat[1] = pkt_addr(SNAT6);
	return bpf_map_update_elem(smap, &svc, &n, BPF_ANY) ? -1 : 0;
}

/* No target port, and an association (TS1 on CPORT) already there. */
static int nat_same_port(struct fx *fx)
{
	struct sctplb_assoc_key k = fx_assoc_key(SVC, TS1, htons(CPORT), htons(PORT));
	struct sctplb_assoc a = { .backend_id = 1, .ctag = TC1, .state = SCTPLB_ASSOC_ESTABLISHED,
				  .created = 1 };

	struct sctplb_assoc_key ck = fx_assoc_key(SVC, TC1, htons(CPORT), htons(PORT));
	struct sctplb_ctag_value cv = { .stag = TS1 };

	if (nat_service(fx, 0))
		return -1;
	return fx_assoc_put(fx, &k, &a, BPF_NOEXIST) ||
	       bpf_map_update_elem(fx->assoc_ctags, &ck, &cv, BPF_NOEXIST) ? -1 : 0;
}

/* ---- cases ---- */

static const struct ncase TARGET[] = {
	{ "INIT C4A->VIP4: backend 1's 192.0.2.11, port 5000 -> 6000, client addresses kept",
	  .in = { IN4(C4A, 0), .chunks = { CH_INIT(TC1, C4A, C6A) } },
	  .out = { TO(BE1_4, C4A, 0, TPORT), .chunks = { CH_INIT(TC1, C4A, C6A) } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(INIT), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "INIT-ACK from 192.0.2.11:6000 listing both its addresses: from VIP4:5000, listing VIP4 and VIP6",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, C4A, TC1, TPORT), .chunks = { INIT_ACK(TS1, BE1_4, BE1_6) } },
	  .out = { OUT4(C4A, TC1), .chunks = { INIT_ACK(TS1, VIP4, VIP6) } },
	  .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED), S(NAT_TO_CLIENT), S(NAT_PORT),
		     SN(NAT_ADDR_VIP, 2) } },
	{ "COOKIE-ECHO C4A->VIP4 (TS1): the learnt association, to 192.0.2.11:6000",
	  .in = { IN4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  .out = { TO(BE1_4, C4A, TS1, TPORT), .chunks = { CH_COOKIE() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(COOKIE_ECHO), S(ESTABLISHED), S(NAT_TO_BACKEND),
		     S(NAT_PORT) } },
	{ "COOKIE-ACK from 2001:db8:1::11:6000 to C6A: from VIP6:5000, confirms the association",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, C6A, TC1, TPORT), .chunks = { CH(CT_COOKIE_ACK) } },
	  .out = { OUT6(C6A, TC1), .chunks = { CH(CT_COOKIE_ACK) } },
	  .stats = { S(RET_PKTS), S(ASSOC_CONFIRMED), S(NAT_TO_CLIENT), S(NAT_PORT) } },
	{ "DATA C6A->VIP6 (TS1): backend 1's address of path 1, 2001:db8:1::11:6000",
	  .in = { IN6(C6A, TS1), .chunks = { CH_DATA(), CH_DATA() } },
	  .out = { TO(BE1_6, C6A, TS1, TPORT), .chunks = { CH_DATA(), CH_DATA() } },
	  XDP_TO(1, 1, XDP_REDIRECT),
	  .stats = { FWD_STATS(FWD_REDIRECT), S(ESTABLISHED), SN(DATA_CHUNKS, 2), S(NAT_TO_BACKEND),
		     S(NAT_PORT) } },
	{ "DATA C4A->VIP4 through tc ingress: the same rewrite, with the tc checksum helpers",
	  .hook = H_TC, .verdict = TC_ACT_REDIRECT, .backend = 1, .path = 0,
	  .in = { IN4(C4A, TS1), .chunks = { CH_DATA() } },
	  .out = { TO(BE1_4, C4A, TS1, TPORT), .chunks = { CH_DATA() } },
	  .stats = { FWD_STATS(FWD_REDIRECT), S(ESTABLISHED), S(DATA_CHUNKS), S(NAT_TO_BACKEND),
		     S(NAT_PORT) } },
	{ "DATA over UDP C4A->VIP4:9899: outer destination and UDP checksum, inner port",
	  .in = { IN4(C4A, TS1), UDP, .chunks = { CH_DATA() } },
	  .out = { TO(BE1_4, C4A, TS1, TPORT), UDP, .chunks = { CH_DATA() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(UDP_ENCAP), S(ESTABLISHED), S(DATA_CHUNKS),
		     S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "DATA over UDP C6A->VIP6:9899 (IPv6: the UDP checksum is mandatory)",
	  .in = { IN6(C6A, TS1), UDP, .chunks = { CH_DATA(), CH(CT_SACK) } },
	  .out = { TO(BE1_6, C6A, TS1, TPORT), UDP, .chunks = { CH_DATA(), CH(CT_SACK) } },
	  XDP_TO(1, 1, XDP_REDIRECT),
	  .stats = { FWD_STATS(FWD_REDIRECT), S(UDP_ENCAP), S(ESTABLISHED), S(DATA_CHUNKS),
		     S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "DATA over UDP C6A->VIP6 through tc ingress",
	  .hook = H_TC, .verdict = TC_ACT_REDIRECT, .backend = 1, .path = 1,
	  .in = { IN6(C6A, TS1), UDP, .chunks = { CH_DATA() } },
	  .out = { TO(BE1_6, C6A, TS1, TPORT), UDP, .chunks = { CH_DATA() } },
	  .stats = { FWD_STATS(FWD_REDIRECT), S(UDP_ENCAP), S(ESTABLISHED), S(DATA_CHUNKS),
		     S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "SACK over UDP from 192.0.2.11:9899 (inner 6000): from VIP4:9899, inner 5000",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, C4A, TC1, TPORT), UDP, .chunks = { CH(CT_SACK) } },
	  .out = { OUT4(C4A, TC1), UDP, .chunks = { CH(CT_SACK) } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT), S(NAT_PORT) } },
	{ "HEARTBEAT over UDP from 2001:db8:1::11 to C6B: from VIP6",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, C6B, TC1, TPORT), UDP, .chunks = { CH(CT_HEARTBEAT) } },
	  .out = { OUT6(C6B, TC1), UDP, .chunks = { CH(CT_HEARTBEAT) } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT), S(NAT_PORT) } },
	{ "INIT-ACK from backend 2 listing its own, backend 1's and an unknown address: VIP4, then two zeroed PAD parameters",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE2_4, C4B, TC2, TPORT),
		  .chunks = { INIT_ACK(TS2, BE2_4, BE1_4, OTHER4, BE2_6) } },
	  .out = { OUT4(C4B, TC2),
		   .chunks = { INIT_ACK(TS2, VIP4, "0.0.0.0", "0.0.0.0", VIP6) } },
	  .pad_params = 1u << 1 | 1u << 2,
	  .stats = { S(NAT_TO_CLIENT), S(NAT_PORT), SN(NAT_ADDR_VIP, 2), SN(NAT_ADDR_HIDDEN, 2) } },
	{ "from an address that is no backend's: untouched",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(OTHER4, C4A, TC1, TPORT), .chunks = { CH(CT_SACK) } } },
	{ "from backend 1 on the service port, not its target port: untouched",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, C4A, TC1, PORT), .chunks = { CH(CT_SACK) } } },
	{ "ICMP frag-needed to VIP4 quoting 28 bytes of VIP4:5000 -> C4A: to 192.0.2.11, quoting 192.0.2.11:6000",
	  ICMP_TO(VIP4, BE1_4, .quote = 28,
		  .quoted = { OUT4(C4A, TC1), .chunks = { CH_DATA() } },
		  .out_quoted = { FROM(BE1_4, C4A, TC1, TPORT), .chunks = { CH_DATA() } }),
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ICMP_ERROR), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "ICMP host unreachable quoting the whole packet (its CRC32c as quoted)",
	  ICMP_TO(VIP4, BE1_4, .quote = 1000,
		  .quoted = { OUT4(C4A, TC1), .chunks = { CH_DATA(), CH(CT_SACK) } },
		  .out_quoted = { FROM(BE1_4, C4A, TC1, TPORT), .chunks = { CH_DATA(), CH(CT_SACK) } }),
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ICMP_ERROR), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "ICMPv6 packet too big to VIP6 quoting VIP6:5000 -> C6A: to 2001:db8:1::11, pseudo-header too",
	  ICMP_TO(VIP6, BE1_6, .quote = 48,
		  .quoted = { OUT6(C6A, TC1), .chunks = { CH_DATA() } },
		  .out_quoted = { FROM(BE1_6, C6A, TC1, TPORT), .chunks = { CH_DATA() } }),
	  XDP_TO(1, 1, XDP_REDIRECT),
	  .stats = { FWD_STATS(FWD_REDIRECT), S(ICMP_ERROR), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "ICMP frag-needed through tc ingress",
	  ICMP_TO(VIP4, BE1_4, .quote = 28,
		  .quoted = { OUT4(C4A, TC1), .chunks = { CH_DATA() } },
		  .out_quoted = { FROM(BE1_4, C4A, TC1, TPORT), .chunks = { CH_DATA() } }),
	  .hook = H_TC, .verdict = TC_ACT_REDIRECT, .backend = 1, .path = 0,
	  .stats = { FWD_STATS(FWD_REDIRECT), S(ICMP_ERROR), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "ICMP frag-needed from a router of the backends' network to C4A quoting C4A -> 192.0.2.11:6000: from VIP4, quoting C4A -> VIP4:5000",
	  ICMP_RET(BEROUTER4, C4A, .out = { .src = VIP4, .dst = C4A }, .quote = 28,
		   .quoted = { TO(BE1_4, C4A, TS1, TPORT), .chunks = { CH_DATA() } },
		   .out_quoted = { IN4(C4A, TS1), .chunks = { CH_DATA() } }),
	  .stats = { S(NAT_PORT), S(NAT_ICMP_TO_CLIENT) } },
	{ "ICMPv6 packet too big from backend 1 itself quoting the whole packet: from VIP6, no backend address left",
	  ICMP_RET(BE1_6, C6A, .out = { .src = VIP6, .dst = C6A }, .quote = 1000,
		   .quoted = { TO(BE1_6, C6A, TS1, TPORT), .chunks = { CH_DATA(), CH(CT_SACK) } },
		   .out_quoted = { IN6(C6A, TS1), .chunks = { CH_DATA(), CH(CT_SACK) } }),
	  .stats = { S(NAT_PORT), S(NAT_ICMP_TO_CLIENT) } },
	{ "ICMP quoting a packet to an address that is no backend's: untouched",
	  ICMP_RET(BEROUTER4, C4A, .quote = 28,
		   .quoted = { TO(OTHER4, C4A, TS1, TPORT), .chunks = { CH_DATA() } }) },
	{ "ASCONF from 192.0.2.11 (it would list backend addresses): dropped, counted",
	  .hook = H_RET, .verdict = TC_ACT_SHOT,
	  .in = { FROM(BE1_4, C4A, TC1, TPORT), .chunks = { CH(CT_ASCONF) } },
	  .stats = { S(RET_PKTS), S(NAT_ASCONF_DROP) } },
	{ "first IP fragment from 192.0.2.11:6000 (its port must change): dropped, counted",
	  .hook = H_RET, .verdict = TC_ACT_SHOT,
	  .in = { FROM(BE1_4, C4A, TC1, TPORT), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .stats = { S(RET_PKTS), S(NAT_FRAG_PORT) } },
	{ "first IP fragment whose port must change: dropped (its CRC32c spans fragments)",
	  .in = { IN4(C4A, TS1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .hook = H_XDP, .verdict = XDP_DROP,
	  .stats = { S(RX), S(ESTABLISHED), S(FRAG_FIRST), S(NAT_FRAG_PORT) } },
	END
};

static const struct ncase SAME_PORT[] = {
	{ "DATA C4A->VIP4, no target port: the destination only, CRC32c untouched",
	  .in = { IN4(C4A, TS1), .chunks = { CH_DATA() } },
	  .out = { TO(BE1_4, C4A, TS1, PORT), .chunks = { CH_DATA() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ESTABLISHED), S(DATA_CHUNKS), S(NAT_TO_BACKEND) } },
	{ "first IP fragment (MF): destination rewritten, IPv4 header checksum updated",
	  .in = { IN4(C4A, TS1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .out = { TO(BE1_4, C4A, TS1, PORT), .frag = 0x2000, .chunks = { CH_DATA() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ESTABLISHED), S(DATA_CHUNKS), S(FRAG_FIRST),
		     S(NAT_TO_BACKEND) } },
	{ "later IP fragment: follows the first, its destination rewritten",
	  .in = { IN4(C4A, TS1), .frag = 0x0003, .chunks = { CH_DATA() } },
	  .out = { TO(BE1_4, C4A, TS1, PORT), .frag = 0x0003, .chunks = { CH_DATA() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(FRAG_LATER), S(NAT_TO_BACKEND) } },
	{ "first IP fragment from 192.0.2.11:5000 (no port change): from VIP4, remembered",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, C4A, TC1, PORT), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .out = { OUT4(C4A, TC1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT) } },
	{ "later IP fragment from 192.0.2.11: follows its first, from VIP4",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, C4A, TC1, PORT), .frag = 0x0003, .chunks = { CH_DATA() } },
	  .out = { OUT4(C4A, TC1), .frag = 0x0003, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_FRAG_BACK), S(NAT_TO_CLIENT) } },
	{ "later IP fragment from 198.51.100.12 whose first was not seen: untouched",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE2_4, C4B, TC2, PORT), .frag = 0x0003, .chunks = { CH_DATA() } } },
	{ "first IPv6 fragment from 2001:db8:1::11:5000: from VIP6, remembered",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, C6A, TC1, PORT), FRAG6, .chunks = { CH_DATA() } },
	  .out = { OUT6(C6A, TC1), FRAG6, .chunks = { CH_DATA() } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT) } },
	{ "later IPv6 fragment (offset 3) from 2001:db8:1::11: from VIP6",
	  .hook = H_RET, .verdict = TC_ACT_OK, .frag6_off = 3 << 3,
	  .in = { FROM(BE1_6, C6A, TC1, PORT), FRAG6, .chunks = { CH_DATA() } },
	  .out = { OUT6(C6A, TC1), FRAG6, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_FRAG_BACK), S(NAT_TO_CLIENT) } },
	{ "SACK from 2001:db8:1::11:5000: from VIP6, no port change",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, C6A, TC1, PORT), .chunks = { CH(CT_SACK) } },
	  .out = { OUT6(C6A, TC1), .chunks = { CH(CT_SACK) } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT) } },
	END
};

static const struct ncase FULL[] = {
	{ "INIT C4A->VIP4 listing C4A, C6A, C4B: from 198.51.100.50, listing it, 2001:db8:1::50 and a PAD",
	  .in = { IN4(C4A, 0), .chunks = { CH_INIT(TC1, C4A, C6A, C4B) } },
	  .out = { TO(BE1_4, SNAT4, 0, TPORT), .chunks = { CH_INIT(TC1, SNAT4, SNAT6, "0.0.0.0") } },
	  .pad_params = 1u << 2, XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(INIT), S(NAT_TO_BACKEND), S(NAT_PORT), S(NAT_SNAT),
		     S(NAT_SNAT_INIT), S(NAT_ADDR_HIDDEN) } },
	{ "INIT-ACK from 192.0.2.11 to 198.51.100.50 (TC1): to C4A from VIP4, listing the VIPs, learnt",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC1, TPORT), .chunks = { INIT_ACK(TS1, BE1_4, BE1_6) } },
	  .out = { OUT4(C4A, TC1), .chunks = { INIT_ACK(TS1, VIP4, VIP6) } },
	  .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED), S(NAT_TO_CLIENT), S(NAT_PORT),
		     SN(NAT_ADDR_VIP, 2), S(NAT_SNAT_BACK) } },
	{ "COOKIE-ECHO C4A->VIP4 (TS1): from 198.51.100.50 to 192.0.2.11:6000",
	  .in = { IN4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  .out = { TO(BE1_4, SNAT4, TS1, TPORT), .chunks = { CH_COOKIE() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(COOKIE_ECHO), S(ESTABLISHED), S(NAT_TO_BACKEND),
		     S(NAT_PORT), S(NAT_SNAT) } },
	{ "HEARTBEAT from 2001:db8:1::11 to 2001:db8:1::50 (TC1): to C6A, the address the INIT listed for path 1",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, SNAT6, TC1, TPORT), .chunks = { CH(CT_HEARTBEAT) } },
	  .out = { OUT6(C6A, TC1), .chunks = { CH(CT_HEARTBEAT) } },
	  .stats = { S(RET_PKTS), S(ASSOC_CONFIRMED), S(NAT_TO_CLIENT), S(NAT_PORT),
		     S(NAT_SNAT_BACK) } },
	{ "DATA C6A->VIP6 (TS1): from 2001:db8:1::50 to 2001:db8:1::11:6000",
	  .in = { IN6(C6A, TS1), .chunks = { CH_DATA() } },
	  .out = { TO(BE1_6, SNAT6, TS1, TPORT), .chunks = { CH_DATA() } },
	  XDP_TO(1, 1, XDP_REDIRECT),
	  .stats = { FWD_STATS(FWD_REDIRECT), S(ESTABLISHED), S(DATA_CHUNKS), S(NAT_TO_BACKEND),
		     S(NAT_PORT), S(NAT_SNAT) } },
	{ "ICMP frag-needed to 198.51.100.50 quoting 198.51.100.50 -> 192.0.2.11:6000 (TS1): to C4A from VIP4, quoting C4A -> VIP4:5000",
	  ICMP_RET(BEROUTER4, SNAT4, .out = { .src = VIP4, .dst = C4A }, .quote = 28,
		   .quoted = { TO(BE1_4, SNAT4, TS1, TPORT), .chunks = { CH_DATA() } },
		   .out_quoted = { IN4(C4A, TS1), .chunks = { CH_DATA() } }),
	  .stats = { S(NAT_PORT), S(NAT_ICMP_TO_CLIENT) } },
	{ "ICMPv6 packet too big from 2001:db8:1::11 to 2001:db8:1::50 (TS1): to C6A from VIP6",
	  ICMP_RET(BE1_6, SNAT6, .out = { .src = VIP6, .dst = C6A }, .quote = 1000,
		   .quoted = { TO(BE1_6, SNAT6, TS1, TPORT), .chunks = { CH_DATA() } },
		   .out_quoted = { IN6(C6A, TS1), .chunks = { CH_DATA() } }),
	  .stats = { S(NAT_PORT), S(NAT_ICMP_TO_CLIENT) } },
	{ "ICMP frag-needed to VIP4 quoting VIP4:5000 -> C4A (TC1): to 192.0.2.11 from 198.51.100.50, quoting 192.0.2.11:6000 -> 198.51.100.50",
	  .icmp = true, .in = { .src = NULL, .dst = VIP4 }, .out = { .src = SNAT4, .dst = BE1_4 },
	  .quote = 28, .quoted = { OUT4(C4A, TC1), .chunks = { CH_DATA() } },
	  .out_quoted = { FROM(BE1_4, SNAT4, TC1, TPORT), .chunks = { CH_DATA() } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ICMP_ERROR), S(NAT_TO_BACKEND), S(NAT_PORT) } },
	{ "ICMP to 198.51.100.50 quoting a tag no client has: consumed, counted",
	  .icmp = true, .hook = H_RET, .verdict = TC_ACT_SHOT,
	  .in = { .src = BEROUTER4, .dst = SNAT4 }, .quote = 28,
	  .quoted = { TO(BE1_4, SNAT4, TUNKNOWN, TPORT), .chunks = { CH_DATA() } },
	  .stats = { S(NAT_SNAT_UNKNOWN) } },
	{ "ASCONF (behind AUTH) from C4B to VIP4 adding the wildcard: on to the backend from 198.51.100.50; C4B is the client's address of path 0",
	  .in = { IN4(C4B, TS1), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  .out = { TO(BE1_4, SNAT4, TS1, TPORT), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ESTABLISHED), S(NAT_TO_BACKEND), S(NAT_PORT),
		     S(NAT_SNAT), S(NAT_ASCONF_LEARN) } },
	{ "HEARTBEAT from 192.0.2.11 to 198.51.100.50 (TC1): now to C4B",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC1, TPORT), .chunks = { CH(CT_HEARTBEAT) } },
	  .out = { OUT4(C4B, TC1), .chunks = { CH(CT_HEARTBEAT) } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT), S(NAT_PORT), S(NAT_SNAT_BACK) } },
	{ "ASCONF adding 203.0.113.55 (a concrete address, authenticated: not rewritable): dropped, counted",
	  .in = { IN4(C4B, TS1), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  .asconf_addr = "203.0.113.55", .hook = H_XDP, .verdict = XDP_DROP,
	  .stats = { S(RX), S(NAT_ASCONF_REFUSED) } },
	{ "the same through tc ingress: dropped, counted",
	  .in = { IN4(C4B, TS1), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  .asconf_addr = "203.0.113.55", .hook = H_TC, .verdict = TC_ACT_SHOT,
	  .stats = { S(RX), S(NAT_ASCONF_REFUSED) } },
	{ "ASCONF from C4A deleting the wildcard (every peer address but the source): path 0 back on C4A, path 1 forgotten",
	  .in = { IN4(C4A, TS1), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  .out = { TO(BE1_4, SNAT4, TS1, TPORT), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  .asconf_del = true, XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(ESTABLISHED), S(NAT_TO_BACKEND), S(NAT_PORT),
		     S(NAT_SNAT), S(NAT_ASCONF_LEARN) } },
	{ "HEARTBEAT from 2001:db8:1::11 to 2001:db8:1::50 (TC1): no client on path 1 now, dropped",
	  .hook = H_RET, .verdict = TC_ACT_SHOT,
	  .in = { FROM(BE1_6, SNAT6, TC1, TPORT), .chunks = { CH(CT_HEARTBEAT) } },
	  .stats = { S(NAT_SNAT_UNKNOWN) } },
	{ "HEARTBEAT from 192.0.2.11 to 198.51.100.50 (TC1): to C4A again",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC1, TPORT), .chunks = { CH(CT_HEARTBEAT) } },
	  .out = { OUT4(C4A, TC1), .chunks = { CH(CT_HEARTBEAT) } },
	  .stats = { S(RET_PKTS), S(NAT_TO_CLIENT), S(NAT_PORT), S(NAT_SNAT_BACK) } },
	{ "INIT from C4C on the same port with its own tag TC2: its own flow",
	  .in = { IN4(C4C, 0), .chunks = { CH_INIT(TC2, C4C) } },
	  .out = { TO(BE1_4, SNAT4, 0, TPORT), .chunks = { CH_INIT(TC2, SNAT4) } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(INIT), S(NAT_TO_BACKEND), S(NAT_PORT), S(NAT_SNAT),
		     S(NAT_SNAT_INIT) } },
	{ "ICMP quoting C4C's INIT as the backend got it (vtag 0, Initiate Tag TC2): to C4C",
	  ICMP_RET(BEROUTER4, SNAT4, .out = { .src = VIP4, .dst = C4C }, .quote = 1000,
		   .quoted = { TO(BE1_4, SNAT4, 0, TPORT), .chunks = { CH_INIT(TC2, SNAT4) } },
		   .out_quoted = { IN4(C4C, 0), .chunks = { CH_INIT(TC2, SNAT4) } }),
	  .stats = { S(NAT_PORT), S(NAT_ICMP_TO_CLIENT) } },
	{ "INIT-ACK to 198.51.100.50 with TC2: to C4C (two clients, one port, told apart by their tags)",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC2, TPORT), .chunks = { INIT_ACK(TS2, BE1_4) } },
	  .out = { OUT4(C4C, TC2), .chunks = { INIT_ACK(TS2, VIP4) } },
	  .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED), S(NAT_TO_CLIENT), S(NAT_PORT),
		     S(NAT_ADDR_VIP), S(NAT_SNAT_BACK) } },
	{ "INIT from C4C with C4A's tag TC1 on the same port: collision, answered with an ABORT (M bit, VTag and Port Number Collision) from VIP4",
	  .hook = H_XDP, .verdict = XDP_REDIRECT, .reply = true, .abort_quote = true,
	  .in = { IN4(C4C, 0), .chunks = { CH_INIT(TC1, C4C, C6B) } },
	  .out = { OUT4(C4C, TC1), .chunks = { CH_ABORT_M } },
	  .stats = { S(RX), S(INIT), S(INIT_RESTART), S(NAT_SNAT_COLLISION) } },
	{ "the same collision over UDP: the ABORT goes back over UDP, UDP length and checksum whole",
	  .hook = H_XDP, .verdict = XDP_REDIRECT, .reply = true, .abort_quote = true,
	  .in = { IN4(C4C, 0), UDP, .chunks = { CH_INIT(TC1, C4C) } },
	  .out = { OUT4(C4C, TC1), UDP, .chunks = { CH_ABORT_M } },
	  .stats = { S(RX), S(INIT), S(INIT_RESTART), S(UDP_ENCAP), S(NAT_SNAT_COLLISION) } },
	{ "INIT from C6B to VIP6 with TC1 through tc ingress: an IPv6 ABORT, redirected out of the ingress",
	  .hook = H_TC, .verdict = TC_ACT_REDIRECT, .reply = true, .abort_quote = true,
	  .in = { IN6(C6B, 0), .chunks = { CH_INIT(TC1, C6B) } },
	  .out = { OUT6(C6B, TC1), .chunks = { CH_ABORT_M } },
	  .stats = { S(RX), S(INIT), S(INIT_RETRANSMIT), S(NAT_SNAT_COLLISION) } },
	{ "the smallest INIT (no parameters) colliding: the ABORT is as long",
	  .hook = H_XDP, .verdict = XDP_REDIRECT, .reply = true, .abort_quote = true,
	  .in = { IN4(C4C, 0), .chunks = { CH_INIT(TC1) } },
	  .out = { OUT4(C4C, TC1), .chunks = { CH_ABORT_M } },
	  .stats = { S(RX), S(INIT), S(INIT_RESTART), S(NAT_SNAT_COLLISION) } },
	{ "T-bit ABORT from 192.0.2.11 to 198.51.100.50 (its own tag TS1): to C4A",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TS1, TPORT), .chunks = { CH_ABORT_T } },
	  .out = { OUT4(C4A, TS1), .chunks = { CH_ABORT_T } },
	  .stats = { S(RET_PKTS), S(CT_ENDED), S(NAT_TO_CLIENT), S(NAT_PORT), S(NAT_SNAT_BACK) } },
	{ "to 198.51.100.50 with a tag no client has: dropped, counted",
	  .hook = H_RET, .verdict = TC_ACT_SHOT,
	  .in = { FROM(BE1_4, SNAT4, TUNKNOWN, TPORT), .chunks = { CH(CT_SACK) } },
	  .stats = { S(NAT_SNAT_UNKNOWN) } },
	END
};

static const struct ncase FULL_SAME_PORT[] = {
	{ "INIT C4A->VIP4 listing C4A, C6A (no target port): from 198.51.100.50",
	  .in = { IN4(C4A, 0), .chunks = { CH_INIT(TC1, C4A, C6A) } },
	  .out = { TO(BE1_4, SNAT4, 0, PORT), .chunks = { CH_INIT(TC1, SNAT4, SNAT6) } },
	  XDP_TO(1, 0, XDP_TX),
	  .stats = { FWD_STATS(FWD_TX), S(INIT), S(NAT_TO_BACKEND), S(NAT_SNAT),
		     S(NAT_SNAT_INIT) } },
	{ "first IP fragment from 192.0.2.11 to 198.51.100.50 (TC1): to C4A from VIP4",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC1, PORT), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .out = { OUT4(C4A, TC1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_TO_CLIENT), S(NAT_SNAT_BACK) } },
	{ "its later fragment: to C4A from VIP4 too",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_4, SNAT4, TC1, PORT), .frag = 0x0003, .chunks = { CH_DATA() } },
	  .out = { OUT4(C4A, TC1), .frag = 0x0003, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_FRAG_BACK), S(NAT_TO_CLIENT) } },
	{ "first IPv6 fragment from 2001:db8:1::11 to 2001:db8:1::50: to C6A from VIP6",
	  .hook = H_RET, .verdict = TC_ACT_OK,
	  .in = { FROM(BE1_6, SNAT6, TC1, PORT), FRAG6, .chunks = { CH_DATA() } },
	  .out = { OUT6(C6A, TC1), FRAG6, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_TO_CLIENT), S(NAT_SNAT_BACK) } },
	{ "its later fragment: to C6A from VIP6",
	  .hook = H_RET, .verdict = TC_ACT_OK, .frag6_off = 3 << 3,
	  .in = { FROM(BE1_6, SNAT6, TC1, PORT), FRAG6, .chunks = { CH_DATA() } },
	  .out = { OUT6(C6A, TC1), FRAG6, .chunks = { CH_DATA() } },
	  .stats = { S(NAT_FRAG_BACK), S(NAT_TO_CLIENT) } },
	END
};

static const struct tb_scenario SCENARIOS[] = {
	{ "nat-target-port", TARGET, nat_target, NULL },
	{ "nat-same-port", SAME_PORT, nat_same_port, NULL },
	{ "full-nat", FULL, nat_full, NULL },
	{ "full-nat-same-port", FULL_SAME_PORT, nat_full_same_port, NULL },
};

/* ---- running a case ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/*
 * An ICMP(v6) error (frag-needed / packet too big, MTU 1400) from from (NULL or
 * "": ROUTER) to to,
 * quoting the first quote bytes of the IP packet of q, its checksum (and the
 * IPv4 header's) computed whole; crc (non-NULL): the quoted CRC32c bytes.
 * Returns the frame length.
 */
static int icmp_frame(const char *from, const char *to, const struct pkt_spec *q, size_t quote,
		      const uint8_t *crc, uint8_t *out, size_t *crc_off)
{
	uint8_t qf[PKT_MAX], *ip, *icmp;
	struct sctplb_addr dst = pkt_addr(to), src;
	bool v6 = dst.family == SCTPLB_AF_INET6;
	struct pkt_info qi;
	size_t qlen, hl = v6 ? 40 : 20;
	uint32_t s;

	if (pkt_build(q, FX.mac_in, qf, &qi) < 0)
		return -1;
	qlen = qi.len - qi.l3 < quote ? qi.len - qi.l3 : quote;
	if (crc && qi.sctp + 12 <= qi.l3 + qlen)
		memcpy(qf + qi.sctp + 8, crc, 4);
	*crc_off = qi.sctp + 8 - qi.l3;
	src = pkt_addr(from && *from ? from : v6 ? ROUTER6 : ROUTER4);
	memcpy(out, FX.mac_in, 6);
	memcpy(out + 6, PKT_CLIENT_MAC, 6);
	put16(out + 12, v6 ? 0x86dd : 0x0800);
	ip = out + 14;
	memset(ip, 0, hl + 8);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, 8 + qlen);
		ip[6] = 58;
		ip[7] = 64;
		memcpy(ip + 8, src.addr, 16);
		memcpy(ip + 24, dst.addr, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 20 + 8 + qlen);
		put16(ip + 4, 0x4321);
		ip[8] = 64;
		ip[9] = 1;
		memcpy(ip + 12, src.addr, 4);
		memcpy(ip + 16, dst.addr, 4);
		put16(ip + 10, pkt_csum_fold(pkt_csum_add(0, ip, 20)));
	}
	icmp = ip + hl;
	icmp[0] = v6 ? 2 : 3;
	icmp[1] = v6 ? 0 : 4;
	put16(icmp + 6, 1400);
	if (v6)
		put16(icmp + 4, 0), icmp[6] = 0x05, icmp[7] = 0x78;
	memcpy(icmp + 8, qf + qi.l3, qlen);
	s = pkt_csum_add(0, icmp, 8 + qlen);
	if (v6) {
		uint8_t ph[40] = {};

		memcpy(ph, src.addr, 16);
		memcpy(ph + 16, dst.addr, 16);
		ph[34] = (8 + qlen) >> 8;
		ph[35] = 8 + qlen;
		ph[39] = 58;
		s = pkt_csum_add(s, ph, 40);
	}
	put16(icmp + 2, pkt_csum_fold(s));
	return 14 + hl + 8 + qlen;
}

/* Offset of the n-th address parameter of the INIT-ACK in an SCTP packet. */
static long addr_param(const uint8_t *sctp, size_t len, unsigned n)
{
	size_t off = 12 + 20;
	unsigned i = 0;

	while (off + 4 <= len) {
		uint16_t type = sctp[off] << 8 | sctp[off + 1];
		uint16_t plen = sctp[off + 2] << 8 | sctp[off + 3];

		if (plen < 4)
			return -1;
		if ((type == 5 || type == 6) && i++ == n)
			return off;
		off += (plen + 3) & ~3u;
	}
	return -1;
}

/* A backend address (either family) anywhere in the frame. */
static const char *backend_address_in(const uint8_t *f, size_t len)
{
	static const char *const all[] = { BE1_4, BE1_6, BE2_4, BE2_6 };
	size_t i, off;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct sctplb_addr a = pkt_addr(all[i]);
		size_t n = a.family == SCTPLB_AF_INET ? 4 : 16;

		for (off = 0; off + n <= len; off++)
			if (!memcmp(f + off, a.addr, n))
				return all[i];
	}
	return NULL;
}

/*
 * The answer expected for a .reply case, built whole into io->want: out as
 * the builder makes it, from the ingress MAC back to the client's; with
 * abort_quote, the ABORT's 16 bytes are the natsupp cause (176, length 16)
 * and the input INIT chunk's first 12 bytes, and the CRC32c is recomputed.
 * *len: its frame length.
 */
static bool reply_frame(const struct ncase *c, struct tb_frames *io, int *len)
{
	struct pkt_info oi;
	uint8_t *abort;
	int n = pkt_build(&c->out, PKT_CLIENT_MAC, io->want, &oi);

	if (n < 0)
		return false;
	memcpy(io->want + 6, FX.mac_in, 6);
	if (c->abort_quote) {
		abort = io->want + oi.sctp + 12;
		if (abort[0] != CT_ABORT || (abort[2] << 8 | abort[3]) != 20)
			return false;
		put16(abort + 4, 176);
		put16(abort + 6, 16);
		memcpy(abort + 8, io->in + io->info.sctp + 12, 12);
		pkt_sctp_set_crc(io->want + oi.sctp, oi.ip_len - (oi.sctp - oi.l3));
		if (oi.sctp != oi.l3 + (oi.family == SCTPLB_AF_INET ? 20 : 40)) {
			/* over UDP: the UDP checksum, whole, over the new bytes */
			uint8_t *u = io->want + oi.sctp - 8, ph[40] = {};
			size_t al = oi.family == SCTPLB_AF_INET ? 4 : 16, ul = u[4] << 8 | u[5];
			uint32_t sum;

			memcpy(ph, oi.src.addr, al);
			memcpy(ph + al, oi.dst.addr, al);
			ph[2 * al + 1] = 17;
			ph[2 * al + 2] = ul >> 8;
			ph[2 * al + 3] = ul;
			put16(u + 6, 0);
			sum = pkt_csum_add(pkt_csum_add(0, ph, 2 * al + 4), u, ul);
			put16(u + 6, pkt_csum_fold(sum) ? pkt_csum_fold(sum) : 0xffff);
		}
	}
	*len = n;
	return true;
}

/* The case's ASCONF changes (asconf_del, asconf_addr) in frame f. */
static void asconf_patch(const struct ncase *c, uint8_t *f, const struct pkt_info *i)
{
	size_t off = i->sctp + 12, end = i->l3 + i->ip_len, len;

	if (!c->asconf_del && !c->asconf_addr)
		return;
	while (off + 4 <= end) {
		len = f[off + 2] << 8 | f[off + 3];
		if (len < 4)
			return;
		if (f[off] == CT_ASCONF && off + 32 <= end) {
			/* serial, Address Parameter (8), request: type, length,
			 * correlation ID, address parameter */
			if (c->asconf_del)
				put16(f + off + 16, 0xc002);
			if (c->asconf_addr)
				memcpy(f + off + 28, pkt_addr(c->asconf_addr).addr, 4);
			pkt_sctp_set_crc(f + i->sctp, i->ip_len - (i->sctp - i->l3));
			return;
		}
		off += (len + 3) & ~3u;
	}
}

static bool run_case(struct fx *fx, const char *scenario, const void *tc)
{
	static struct tb_case r;
	const struct ncase *c = tc;
	struct pkt_info oi;
	uint32_t verdict;
	bool fwd = !c->reply && (c->verdict == XDP_TX || c->verdict == XDP_REDIRECT ||
				 (c->hook == H_TC && c->verdict == TC_ACT_REDIRECT));
	const char *leak;
	int err, n, want_len = 0;

	tb_case_init(&r, &c->in);
	if (c->icmp) {
		size_t crc_off;
		int wl;

		r.io.len = icmp_frame(c->in.src, c->in.dst, &c->quoted, c->quote, NULL, r.io.in,
				      &crc_off);
		/* the quote's CRC32c is left as quoted */
		wl = r.io.len;
		if (c->out.src)
			wl = icmp_frame(c->out.src, c->out.dst, &c->out_quoted, c->quote,
					r.io.in + 14 + (strchr(c->in.dst, ':') ? 48 : 28) + crc_off,
					r.io.want, &crc_off);
		else if (r.io.len > 0)
			memcpy(r.io.want, r.io.in, r.io.len);
		if (r.io.len < 0 || wl != r.io.len) {
			printf("FAIL %s: %s: table error: ICMP frames\n", scenario, c->name);
			return false;
		}
	} else if (tb_prepare(fx, scenario, c->name, NULL, &r.spec, fx->mac_in, &r.io) < 0) {
		return false;
	}
	asconf_patch(c, r.io.in, &r.io.info);
	if (!c->out.src)
		memcpy(r.io.want, r.io.in, r.io.len);
	if (c->reply) {
		if (!reply_frame(c, &r.io, &want_len)) {
			printf("FAIL %s: %s: table error: the answer cannot be built\n", scenario,
			       c->name);
			return false;
		}
	} else if (c->out.src && !c->icmp) {
		n = pkt_build(&c->out, fx->mac_in, r.io.want, &oi);
		if (n < 0 || (size_t)n != r.io.info.len) {
			printf("FAIL %s: %s: table error: the expected packet cannot be built "
			       "or differs in length\n", scenario, c->name);
			return false;
		}
		asconf_patch(c, r.io.want, &oi);
		long off[PKT_MAX_ADDRS];

		/* All found before any is changed: a PAD is no address parameter. */
		for (n = 0; n < PKT_MAX_ADDRS; n++)
			off[n] = addr_param(r.io.want + oi.sctp, oi.len - oi.sctp, n);
		for (n = 0; n < PKT_MAX_ADDRS; n++) {
			if (!(c->pad_params & (1u << n)))
				continue;
			if (off[n] < 0) {
				printf("FAIL %s: %s: table error: no parameter %d\n", scenario,
				       c->name, n);
				return false;
			}
			r.io.want[oi.sctp + off[n]] = SCTPLB_PARAM_PAD >> 8;
			r.io.want[oi.sctp + off[n] + 1] = SCTPLB_PARAM_PAD & 0xff;
		}
		if (c->pad_params) /* recomputed whole: the reference */
			pkt_sctp_set_crc(r.io.want + oi.sctp, oi.ip_len - (oi.sctp - oi.l3));
	}
	if (c->frag6_off) {
		/* the fragment header follows the IPv6 header (14 + 40) */
		put16(r.io.in + 14 + 40 + 2, c->frag6_off);
		put16(r.io.want + 14 + 40 + 2, c->frag6_off);
	}
	if (fwd && !tb_next_hop(fx, scenario, c->name, c->backend, c->path, NBACKENDS, false,
				&r.nh, r.io.want))
		return false;
	tb_snap(fx, NULL, NULL, &r.b);
	fx_decision_clear(fx);
	switch (c->hook) {
	case H_XDP:
		err = fx_run(fx, r.io.in, r.io.len, r.io.out, &r.io.out_len, &verdict);
		break;
	case H_TC:
		err = fx_run_tc(fx, fx->prog_tc_ingress, fx->if_in, r.io.in, r.io.len, r.io.out,
				&r.io.out_len, &verdict);
		break;
	default:
		err = fx_run_tc(fx, fx->prog_tc_return, fx->if_out, r.io.in, r.io.len, r.io.out,
				&r.io.out_len, &verdict);
		break;
	}
	if (err) {
		printf("FAIL %s: %s: BPF_PROG_TEST_RUN (%s): %s\n", scenario, c->name,
		       HOOKS[c->hook], strerror(-err));
		return false;
	}
	if (verdict != c->verdict)
		tb_fail(&r.f, "verdict: expected %u, got %u", c->verdict, verdict);
	if (want_len)
		r.io.len = want_len; /* the answer is shorter than the packet */
	if (c->verdict != XDP_DROP || c->hook != H_XDP)
		tb_check_output(&r.io, &r.f);
	if (c->out.src && !c->icmp && !c->reply && r.io.out_len > r.io.info.sctp &&
	    !pkt_sctp_crc_ok(r.io.out + r.io.info.sctp,
			     r.io.info.ip_len - (r.io.info.sctp - r.io.info.l3)))
		tb_fail(&r.f, "the CRC32c of the output is wrong");
	if (c->hook == H_RET && c->out.src && (leak = backend_address_in(r.io.out, r.io.out_len)))
		tb_fail(&r.f, "the client would see backend address %s", leak);
	tb_snap(fx, NULL, NULL, &r.a);
	tb_add_deltas(r.want_stats, c->stats, 10);
	tb_check_stats(r.b.stats, r.a.stats, r.want_stats, 0, &r.f);
	if (r.f.len && getenv("NAT_DUMP")) {
		for (n = 0; n < (int)r.io.out_len; n++)
			fprintf(stderr, "%s%02x", n % 16 ? " " : "\n", r.io.out[n]);
		for (n = 0; n < r.io.len; n++)
			fprintf(stderr, "%s%02x", n % 16 ? " " : "\n", r.io.want[n]);
		fprintf(stderr, "\n");
	}
	if (r.f.len) {
		printf("FAIL %s: %s: %s: %s\n", scenario, HOOKS[c->hook], c->name, r.f.msg);
		return false;
	}
	printf("PASS %s: %s: %s\n", scenario, HOOKS[c->hook], c->name);
	return true;
}

int main(void)
{
	fx_tc_ingress = true; /* the tc-only and XDP-beside-tc cases */
	return tb_run("test_nat", &FX, setup, SCENARIOS, sizeof(SCENARIOS) / sizeof(SCENARIOS[0]),
		      sizeof(struct ncase), run_case);
}
