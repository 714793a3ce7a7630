/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_return: the tc programs through BPF_PROG_TEST_RUN.
 *
 * - sctplb_tc_return (the backends' traffic toward the clients): INIT-ACK
 *   learning from the pending handshake, the learnt association used by the
 *   XDP program for a COOKIE-ECHO from an address the INIT did not list,
 *   INIT-ACKs that must learn nothing, return-path counting (path_stats,
 *   dir SCTPLB_DIR_TO_CLIENT, the client's address), the backends' ABORT and
 *   SHUTDOWN-COMPLETE (T bit or not) ending associations, traffic that is
 *   not the service's, SCTP over UDP, IPv6.
 * - sctplb_tc_ingress without XDP: the XDP classification, verdicts mapped
 *   to TC_ACT_REDIRECT / TC_ACT_SHOT / TC_ACT_OK, MACs rewritten as XDP does;
 *   with no neighbour entry, bpf_redirect_neigh (TC_ACT_REDIRECT,
 *   FWD_REDIRECT, the frame left for the neighbour code to address).
 * - sctplb_tc_ingress finishing what XDP passed with struct sctplb_meta: the
 *   skb context of a test run cannot carry metadata (the kernel rejects a
 *   non-zero __sk_buff.data_meta), so these cases run sctplb_xdp in
 *   live-frame mode (BPF_F_TEST_XDP_LIVE_FRAMES) with sctplb_tc_ingress
 *   attached at clsact ingress of the fixture's interface: an XDP_PASS frame
 *   becomes an skb with the metadata and goes through the tc hook for real;
 *   bpf_redirect_neigh then really resolves the next hop (the neighbour entry
 *   it creates is checked).
 *
 * Each scenario loads sctplb afresh in the fixture's private namespace
 * (nothing pinned); its cases run in order and share state.  A case is
 * {hook, packet, verdict, decision, counters, map changes, path counters}.
 * Counters: every one not expected must not move.  Ports: a case's client
 * port is .cport (default CPORT), the service's PORT; a return packet goes
 * from (VIP, PORT) to (client, cport).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "table.h"

/* The configuration: tb_setup (table.h) with backends 1-6 of TB_BACKENDS,
 * the fixture's next hops deciding TX or REDIRECT as in test_datapath. */
#define BACKENDS TB_BACKENDS
#define NBACKENDS 7

/* Tags, besides table.h's. */
#define TS4 0x5e000004u
#define TC5 0x7c000005u
#define TS5 0x5e000005u
#define TC6 0x7c000006u
#define TS6 0x5e000006u

#define DC TB_DC
#define ANY TB_ANY

enum hook { H_XDP, H_TC, H_RET, H_LIVE };
static const char *const HOOK_NAMES[] = { "xdp", "tc-ingress", "tc-return", "xdp-live+tc" };

struct tcase {
	const char *name;
	int (*before)(struct fx *fx);
	enum hook hook;
	uint16_t cport;                /* host order; 0: CPORT */
	struct pkt_spec pkt;
	uint32_t verdict;              /* returned (H_LIVE: in the trace) */
	bool fwd;                      /* forwarded to .backend on .path */
	bool neigh;                    /* forwarded with bpf_redirect_neigh: frame unchanged */
	bool by_xdp;                   /* H_LIVE: the last decision is sctplb_xdp's */
	uint32_t svc, backend;         /* expected decision */
	uint8_t path;
	int reason;                    /* decision reason, if non-zero */
	int why;                       /* counter of the reason, +1 */
	int data, hb;
	struct tb_stat_delta stats[10];
	uint64_t ignore;
	int new_assocs, new_handshakes, new_clients, new_ctags;
	uint32_t assoc;                /* Ts of the association the packet counts into */
	bool counted;                  /* H_RET: path_stats toward the client +1 */
	struct tb_map_check maps[TB_MAPS];
};

#define S(x) { SCTPLB_STAT_##x, 1 }
#define IGN(x) (1ull << SCTPLB_STAT_##x)
/* Toward a backend: XDP verdict, or TC_ACT_REDIRECT. */
#define XTO(be, p, v) .hook = H_XDP, .verdict = (v), .fwd = true, .svc = SVC, .backend = (be), .path = (p)
#define TTO(be, p) .hook = H_TC, .verdict = TC_ACT_REDIRECT, .fwd = true, .svc = SVC, \
	.backend = (be), .path = (p), .reason = SCTPLB_STAT_FWD_REDIRECT
#define TDROP(w) .hook = H_TC, .verdict = TC_ACT_SHOT, .reason = SCTPLB_STAT_##w, .why = SCTPLB_STAT_##w
#define TPASS(w) .hook = H_TC, .verdict = TC_ACT_OK, .reason = SCTPLB_STAT_##w, .why = SCTPLB_STAT_##w
/* Return path: always TC_ACT_OK. */
#define RET(be, p, r) .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = (be), .path = (p), \
	.reason = SCTPLB_STAT_##r, .counted = true
#define RET_NONE(p) .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = 0, .path = (p), \
	.reason = SCTPLB_STAT_UNKNOWN_VTAG
#define RET_SKIP(w) .hook = H_RET, .verdict = TC_ACT_OK, .svc = 0, .backend = 0, .path = 0, \
	.reason = SCTPLB_STAT_##w
#define V4(from, vt) .src = (from), .dst = VIP4, .vtag = (vt)
#define V6(from, vt) .src = (from), .dst = VIP6, .vtag = (vt)
#define R4(to, vt) .src = VIP4, .dst = (to), .vtag = (vt)
#define R6(to, vt) .src = VIP6, .dst = (to), .vtag = (vt)
#define INIT_ACK(ts) CH(CT_INIT_ACK, .tag = (ts), .addrs = { VIP4, VIP6 })
#define HS(a, be, tc, p) { .kind = K_HANDSHAKE, .addr = (a), .backend = (be), .ctag = (tc), .path = (p) }
#define NO_HS(a) { .kind = K_HANDSHAKE, .addr = (a), .absent = true }
#define CLIENT(a, be, ts) { .kind = K_CLIENT, .addr = (a), .backend = (be), .stag = (ts) }
#define ASSOC(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
			    .state = SCTPLB_ASSOC_ESTABLISHED }
#define LEARNT(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
			     .state = SCTPLB_ASSOC_ESTABLISHED, .flags = SCTPLB_ASSOC_F_FROM_INIT_ACK }
#define CLOSING(ts, be, tc, fl, now_) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
					.state = SCTPLB_ASSOC_CLOSING, .flags = (fl), .now = (now_) }
#define NO_ASSOC(ts) { .kind = K_ASSOC, .tag = (ts), .absent = true }
#define CTAG(tc, ts) { .kind = K_CTAG, .tag = (tc), .stag = (ts) }
#define CONFIRMED(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
	.state = SCTPLB_ASSOC_ESTABLISHED, .flags = SCTPLB_ASSOC_F_FROM_INIT_ACK, .table = TB_CONFIRMED }
#define CONFIRMED_CTAG(tc, ts) { .kind = K_CTAG, .tag = (tc), .stag = (ts), .table = TB_CONFIRMED }
#define NEIGH(a) { .kind = K_NEIGH, .addr = (a) }
/* A new association: client_index grows when it is confirmed, by one entry
 * for each client address it has used (.new_clients). */
#define NEW_ASSOC .new_assocs = 1, .new_ctags = 1
#define LEARNT_F SCTPLB_ASSOC_F_FROM_INIT_ACK
#define UDP .udp_sport = ENCAP, .udp_dport = ENCAP
#define END { .name = NULL }

/* ---- configuration changes ---- */

static struct fx FX;

static int table_be(struct fx *fx, uint32_t be) { return fx_table_all(fx, SVC, be); }
static int table_be1(struct fx *fx) { return table_be(fx, 1); }
static int table_be2(struct fx *fx) { return table_be(fx, 2); }
static int table_be3(struct fx *fx) { return table_be(fx, 3); }
static int table_be4(struct fx *fx) { return table_be(fx, 4); }
static int table_be5(struct fx *fx) { return table_be(fx, 5); }
static int table_be6(struct fx *fx) { return table_be(fx, 6); }
static int policy_pass(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_PASS); }
static int policy_drop(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_DROP); }

/* Anything not found through the association would now go to backend be:
 * Maglev (new INITs) and the unknown-vtag policy HASH both say so. */
static int elsewhere_be1(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_HASH) || table_be1(fx); }
static int elsewhere_be2(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_HASH) || table_be2(fx); }

/* Another backend's association already holds (service 1, TS5, CPORT+3). */
static int collide_ts5(struct fx *fx)
{
	struct sctplb_assoc_key k = fx_assoc_key(SVC, TS5, htons(CPORT + 3), htons(PORT));
	struct sctplb_assoc v = { .backend_id = 2, .ctag = 0x1234,
				  .state = SCTPLB_ASSOC_ESTABLISHED, .created = 1 };

	return fx_assoc_put(fx, &k, &v, BPF_NOEXIST) ? -1 : 0;
}

/*
 * The tc program the loader puts beside sctplb_xdp: sctplb_tc_finish where
 * the object has it (it finishes XDP's packets and nothing else), else
 * sctplb_tc_ingress.
 */
static const char *COMPANION = "sctplb_tc_finish";

static int attach_tc(struct fx *fx)
{
	int prog = fx_prog_fd(fx, COMPANION), err;

	if (prog < 0) {
		COMPANION = "sctplb_tc_ingress";
		prog = fx->prog_tc_ingress;
	}
	printf("  note: tc-metadata: %s attached at ingress beside sctplb_xdp\n", COMPANION);
	err = fx_tc_attach(prog, fx->if_in);

	if (err)
		fprintf(stderr, "tc attach: %s\n", strerror(-err));
	return err ? -1 : table_be4(fx);
}

static int detach_tc(struct fx *fx) { return fx_tc_detach(fx->if_in) ? -1 : 0; }

/* ---- return path, IPv4, multihomed ---- */

static const struct tcase RETURN[] = {
	{ "INIT from C4A listing only C4A: Maglev, backend 2",
	  .before = table_be2, .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A) } },
	  XTO(2, 0, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1,
	  .maps = { HS(C4A, 2, TC1, 0), NO_HS(C4B) } },
	{ "backend's INIT-ACK (vtag Tc, Initiate Tag Ts): association learnt",
	  .pkt = { R4(C4A, TC1), .chunks = { INIT_ACK(TS1) } },
	  RET(2, 0, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS1,
	  .maps = { LEARNT(TS1, 2, TC1), CTAG(TC1, TS1), CLIENT(C4A, 2, TS1), HS(C4A, 2, TC1, 0) } },
	{ "COOKIE-ECHO+DATA from C4B (no handshake): the learnt association, backend 2 (Maglev and policy HASH say 1)",
	  .before = elsewhere_be1, .pkt = { V4(C4B, TS1), .chunks = { CH_COOKIE(), CH_DATA() } },
	  XTO(2, 0, XDP_REDIRECT), .data = 1, .stats = { S(COOKIE_ECHO), S(ESTABLISHED) },
	  .assoc = TS1, .maps = { LEARNT(TS1, 2, TC1), NO_HS(C4B) } },
	{ "COOKIE-ECHO from C4A (handshake on the same backend): the learnt association",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  XTO(2, 0, XDP_REDIRECT), .stats = { S(COOKIE_ECHO), S(ESTABLISHED) }, .assoc = TS1,
	  .maps = { LEARNT(TS1, 2, TC1) } },
	{ "DATA from C6B on the IPv6 VIP: backend 2's path-1 address",
	  .pkt = { V6(C6B, TS1), .chunks = { CH_DATA() } },
	  XTO(2, 1, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "INIT-ACK whose vtag is not the handshake's Tc: nothing learnt",
	  .pkt = { R4(C4A, TC2), .chunks = { INIT_ACK(TS2) } },
	  RET_NONE(0), .maps = { NO_ASSOC(TS2), HS(C4A, 2, TC1, 0), CLIENT(C4A, 2, TS1) } },
	{ "INIT-ACK toward a client port with no pending handshake: nothing learnt",
	  .cport = CPORT + 5, .pkt = { R4(C4A, TC1), .chunks = { INIT_ACK(TS3) } },
	  RET_NONE(0), .maps = { NO_ASSOC(TS3) } },
	{ "INIT-ACK toward an address with no pending handshake (C4B): nothing learnt",
	  .pkt = { R4(C4B, TC1), .chunks = { INIT_ACK(TS3) } },
	  RET_NONE(0), .maps = { NO_ASSOC(TS3) } },
	{ "INIT-ACK retransmitted (same Ts): no new state",
	  .pkt = { R4(C4A, TC1), .chunks = { INIT_ACK(TS1) } },
	  RET(2, 0, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS) }, .assoc = TS1,
	  .maps = { LEARNT(TS1, 2, TC1) } },
	{ "backend's DATA (vtag Tc) to C4A: RET_PKTS, path_stats toward the client, confirms: "
	  "client_index for C4A and for path 1's C6B (a restart may come from either)",
	  .pkt = { R4(C4A, TC1), .chunks = { CH_DATA() } },
	  RET(2, 0, RET_PKTS), .data = 1, .stats = { S(RET_PKTS), S(ASSOC_CONFIRMED) }, .assoc = TS1,
	  .new_clients = 2, .maps = { CONFIRMED(TS1, 2, TC1), CONFIRMED_CTAG(TC1, TS1),
				      CLIENT(C4A, 2, TS1), CLIENT(C6B, 2, TS1) } },
	{ "backend's first IPv4 fragment (MF, offset 0): classified as usual",
	  .pkt = { R4(C4A, TC1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  RET(2, 0, RET_PKTS), .data = 1, .stats = { S(RET_PKTS) }, .assoc = TS1 },
	{ "backend's SACK+DATA on path 1 (IPv6) to C6A",
	  .pkt = { R6(C6A, TC1), .chunks = { CH(CT_SACK), CH_DATA(.body = 64) } },
	  RET(2, 1, RET_PKTS), .data = 1, .stats = { S(RET_PKTS) }, .assoc = TS1 },
	{ "backend's HEARTBEAT on path 1 to C6B",
	  .pkt = { R6(C6B, TC1), .chunks = { CH(CT_HEARTBEAT) } },
	  RET(2, 1, RET_PKTS), .hb = 1, .stats = { S(RET_PKTS) }, .assoc = TS1 },
	{ "backend's DATA with an unknown vtag: nothing counted",
	  .pkt = { R4(C4A, TUNKNOWN), .chunks = { CH_DATA() } }, RET_NONE(0) },
	{ "backend's DATA with vtag Ts and no T bit: Ts is not a Tc, unknown",
	  .pkt = { R4(C4A, TS1), .chunks = { CH_DATA() } }, RET_NONE(0) },
	{ "backend's SHUTDOWN-ACK: not an end",
	  .pkt = { R4(C4A, TC1), .chunks = { CH(CT_SHUTDOWN_ACK) } },
	  RET(2, 0, RET_PKTS), .stats = { S(RET_PKTS) }, .assoc = TS1,
	  .maps = { LEARNT(TS1, 2, TC1) } },
	{ "backend's SHUTDOWN-COMPLETE (no T bit, vtag Tc): CLOSING, CT_ENDED",
	  .pkt = { R4(C4A, TC1), .chunks = { CH(CT_SHUTDOWN_COMPLETE) } },
	  RET(2, 0, CT_ENDED), .stats = { S(RET_PKTS), S(CT_ENDED) }, .assoc = TS1,
	  .maps = { CLOSING(TS1, 2, TC1, LEARNT_F, true) } },
	{ "SHUTDOWN-COMPLETE retransmitted on path 1: CT_ENDED once",
	  .pkt = { R6(C6A, TC1), .chunks = { CH(CT_SHUTDOWN_COMPLETE) } },
	  RET(2, 1, RET_PKTS), .stats = { S(RET_PKTS) }, .assoc = TS1,
	  .maps = { CLOSING(TS1, 2, TC1, LEARNT_F, false) } },
	{ "client's DATA of the CLOSING association: still backend 2",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  XTO(2, 0, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	END
};

/* ---- the backends' ABORTs, and a learnt association that collides ---- */

static const struct tcase ABORTS[] = {
	{ "INIT from C4B",
	  .cport = CPORT + 1, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC2, C4B) } },
	  XTO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "its INIT-ACK: learnt",
	  .cport = CPORT + 1, .pkt = { R4(C4B, TC2), .chunks = { INIT_ACK(TS2) } },
	  RET(1, 0, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS2, .maps = { LEARNT(TS2, 1, TC2), CTAG(TC2, TS2) } },
	{ "backend's ABORT (no T bit, vtag Tc): CLOSING, CT_ENDED",
	  .cport = CPORT + 1, .pkt = { R4(C4B, TC2), .chunks = { CH(CT_ABORT) } },
	  RET(1, 0, CT_ENDED), .stats = { S(RET_PKTS), S(CT_ENDED) }, .assoc = TS2,
	  .maps = { CLOSING(TS2, 1, TC2, LEARNT_F, true) } },
	{ "client's T-bit ABORT (vtag Tc): found through the learnt assoc_ctags, CLOSING once",
	  .cport = CPORT + 1, .pkt = { V4(C4B, TC2), .chunks = { CH_ABORT_T } },
	  XTO(1, 0, XDP_TX), .stats = { S(TBIT) }, .ignore = IGN(ESTABLISHED), .assoc = TS2,
	  .maps = { CLOSING(TS2, 1, TC2, LEARNT_F, false) } },
	{ "INIT from C4A, another port",
	  .cport = CPORT + 2, .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC3, C4A) } },
	  XTO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "its COOKIE-ECHO (no INIT-ACK seen): association made by XDP",
	  .cport = CPORT + 2, .pkt = { V4(C4A, TS3), .chunks = { CH_COOKIE() } },
	  XTO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC, .assoc = TS3,
	  .maps = { ASSOC(TS3, 1, TC3) } },
	{ "backend's T-bit ABORT with a Tc: the T bit means vtag = Ts, unknown",
	  .cport = CPORT + 2, .pkt = { R4(C4A, TC3), .chunks = { CH_ABORT_T } },
	  RET_NONE(0), .maps = { ASSOC(TS3, 1, TC3) } },
	{ "backend's T-bit ABORT (vtag Ts, its own tag): CLOSING, CT_ENDED",
	  .cport = CPORT + 2, .pkt = { R4(C4A, TS3), .chunks = { CH_ABORT_T } },
	  RET(1, 0, CT_ENDED), .stats = { S(RET_PKTS), S(CT_ENDED) }, .assoc = TS3,
	  .maps = { CLOSING(TS3, 1, TC3, 0, true) } },
	{ "backend's T-bit SHUTDOWN-COMPLETE on path 1: CT_ENDED once",
	  .cport = CPORT + 2, .pkt = { R6(C6A, TS3), .chunks = { CH_SC_T } },
	  RET(1, 1, RET_PKTS), .stats = { S(RET_PKTS) }, .assoc = TS3,
	  .maps = { CLOSING(TS3, 1, TC3, 0, false) } },
	{ "backend's ABORT with an unknown Tc: nothing",
	  .pkt = { R4(C4A, TUNKNOWN), .chunks = { CH(CT_ABORT) } }, RET_NONE(0) },
	{ "INIT from C4A, a third port",
	  .before = collide_ts5, .cport = CPORT + 3,
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC5, C4A) } },
	  XTO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "INIT-ACK whose Ts another backend's association holds: nothing replaced, ASSOC_COLLISION",
	  .cport = CPORT + 3, .pkt = { R4(C4A, TC5), .chunks = { INIT_ACK(TS5) } },
	  .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = DC,
	  .stats = { S(ASSOC_COLLISION) }, .ignore = IGN(RET_INIT_ACK) | IGN(RET_PKTS),
	  .maps = { { .kind = K_ASSOC, .tag = TS5, .backend = 2, .ctag = 0x1234,
		      .state = SCTPLB_ASSOC_ESTABLISHED } } },
	END
};

/* ---- what the return path must leave alone ---- */

static const struct tcase NOT_SERVICE[] = {
	{ "SCTP from an address that is no VIP",
	  .pkt = { .src = NOT_VIP4, .dst = C4A, .vtag = TC1, .chunks = { INIT_ACK(TS1) } },
	  RET_SKIP(PASS_NOT_SERVICE) },
	{ "SCTP from the VIP, another source port",
	  .pkt = { R4(C4A, TC1), .sport = PORT + 1, .chunks = { CH_DATA() } },
	  RET_SKIP(PASS_NOT_SERVICE) },
	{ "a client's packet toward the VIP (the service is the destination)",
	  .pkt = { V4(C4A, TS1), .sport = CPORT, .dport = PORT, .chunks = { CH_DATA() } },
	  RET_SKIP(PASS_NOT_SERVICE) },
	{ "TCP from the VIP and port",
	  .pkt = { R4(C4A, 0), .proto = 6 }, RET_SKIP(PASS_NOT_SCTP) },
	{ "ICMP from the VIP",
	  .pkt = { R4(C4A, 0), .proto = 1 }, RET_SKIP(PASS_NOT_SCTP) },
	{ "ICMPv6 from the IPv6 VIP",
	  .pkt = { R6(C6A, 0), .proto = 58 }, RET_SKIP(PASS_NOT_SCTP) },
	{ "ARP",
	  .pkt = { R4(C4A, 0), .ethertype = 0x0806 }, RET_SKIP(PASS_NOT_IP) },
	{ "UDP from the VIP, not the encapsulation port",
	  .pkt = { R4(C4A, 0), .udp_plain = 32, .udp_sport = 53 }, RET_SKIP(PASS_NOT_SERVICE) },
	{ "later IPv4 fragment from the VIP (no SCTP header)",
	  .pkt = { R4(C4A, TC1), .frag = 0x0010, .chunks = { CH_DATA() } },
	  RET_SKIP(PASS_FRAGMENT) },
	{ "malformed from the VIP (chunk length 0): passed, not dropped",
	  .pkt = { R4(C4A, TC1), .chunks = { CH_DATA(.set_len = true, .len = 0) } },
	  .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = 0,
	  .reason = SCTPLB_STAT_DROP_CHUNK_LEN },
	{ "malformed from the VIP (IP length past the frame): passed",
	  .pkt = { R4(C4A, TC1), .ip_len_adj = 8, .chunks = { CH_DATA() } },
	  RET_SKIP(DROP_TRUNCATED) },
	{ "INIT-ACK with vtag 0: passed",
	  .pkt = { R4(C4A, 0), .chunks = { INIT_ACK(TS1) } },
	  .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = 0,
	  .reason = SCTPLB_STAT_DROP_ZERO_VTAG },
	END
};

/* ---- SCTP over UDP ---- */

static const struct tcase UDP_ENCAP_CASES[] = {
	{ "INIT over UDP from C4A",
	  .cport = CPORT + 100, .pkt = { V4(C4A, 0), UDP, .chunks = { CH_INIT(TC4, C4A) } },
	  XTO(1, 0, XDP_TX), .stats = { S(UDP_ENCAP), S(INIT) }, .new_handshakes = 1 },
	{ "INIT-ACK over UDP (source port = encapsulation port): learnt",
	  .cport = CPORT + 100, .pkt = { R4(C4A, TC4), UDP, .chunks = { INIT_ACK(TS4) } },
	  RET(1, 0, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS4, .maps = { LEARNT(TS4, 1, TC4), CTAG(TC4, TS4), CLIENT(C4A, 1, TS4) } },
	{ "COOKIE-ECHO over UDP from C4B (no handshake): the learnt association (Maglev and HASH say 2)",
	  .before = elsewhere_be2, .cport = CPORT + 100,
	  .pkt = { V4(C4B, TS4), UDP, .chunks = { CH_COOKIE() } },
	  XTO(1, 0, XDP_TX), .stats = { S(UDP_ENCAP), S(COOKIE_ECHO), S(ESTABLISHED) }, .assoc = TS4 },
	{ "backend's DATA over UDP on path 1: bytes = outer IP length",
	  .cport = CPORT + 100, .pkt = { R6(C6A, TC4), UDP, .chunks = { CH_DATA() } },
	  RET(1, 1, RET_PKTS), .data = 1, .stats = { S(RET_PKTS), S(ASSOC_CONFIRMED) }, .assoc = TS4,
	  .new_clients = 2, .maps = { CLIENT(C6A, 1, TS4), CLIENT(C4B, 1, TS4) } },
	{ "UDP from the encapsulation port, inner source port not the service's",
	  .cport = CPORT + 100, .pkt = { R4(C4A, TC4), UDP, .sport = PORT + 1, .chunks = { CH_DATA() } },
	  .hook = H_RET, .verdict = TC_ACT_OK, .svc = 0, .backend = 0,
	  .reason = SCTPLB_STAT_PASS_NOT_SERVICE },
	{ "backend's SHUTDOWN-COMPLETE over UDP: CLOSING",
	  .cport = CPORT + 100, .pkt = { R4(C4A, TC4), UDP, .chunks = { CH(CT_SHUTDOWN_COMPLETE) } },
	  RET(1, 0, CT_ENDED), .stats = { S(RET_PKTS), S(CT_ENDED) }, .assoc = TS4,
	  .maps = { CLOSING(TS4, 1, TC4, LEARNT_F, true) } },
	END
};

/* ---- IPv6 ---- */

static const struct tcase IPV6_CASES[] = {
	{ "INIT on the IPv6 VIP from C6A",
	  .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC6, C6A) } },
	  XTO(1, 1, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1,
	  .maps = { HS(C6A, 1, TC6, 1) } },
	{ "INIT-ACK from the IPv6 VIP behind hop-by-hop options: learnt",
	  .pkt = { R6(C6A, TC6), .ext = { 0 }, .next_ext = 1, .chunks = { INIT_ACK(TS6) } },
	  RET(1, 1, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS6, .maps = { LEARNT(TS6, 1, TC6), CTAG(TC6, TS6), CLIENT(C6A, 1, TS6) } },
	{ "COOKIE-ECHO from C6B (no handshake): the learnt association (Maglev and HASH say 2)",
	  .before = elsewhere_be2, .pkt = { V6(C6B, TS6), .chunks = { CH_COOKIE(), CH_DATA() } },
	  XTO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(COOKIE_ECHO), S(ESTABLISHED) }, .assoc = TS6 },
	{ "COOKIE-ECHO from C4B on the IPv4 VIP: the learnt association, path 0",
	  .pkt = { V4(C4B, TS6), .chunks = { CH_COOKIE() } },
	  XTO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ESTABLISHED) }, .assoc = TS6 },
	{ "backend's DATA to C6B: path_stats toward the client, family 6",
	  .pkt = { R6(C6B, TC6), .chunks = { CH_DATA() } },
	  RET(1, 1, RET_PKTS), .data = 1, .stats = { S(RET_PKTS), S(ASSOC_CONFIRMED) }, .assoc = TS6,
	  .new_clients = 2, .maps = { CLIENT(C6B, 1, TS6), CLIENT(C4B, 1, TS6) } },
	{ "backend's T-bit SHUTDOWN-COMPLETE (vtag Ts): CLOSING",
	  .pkt = { R6(C6A, TS6), .chunks = { CH_SC_T } },
	  RET(1, 1, CT_ENDED), .stats = { S(RET_PKTS), S(CT_ENDED) }, .assoc = TS6,
	  .maps = { CLOSING(TS6, 1, TC6, LEARNT_F, true) } },
	END
};

/* ---- sctplb_tc_ingress on its own ---- */

static const struct tcase TC_INGRESS[] = {
	{ "INIT listing 2 addresses: Maglev, backend 1, MACs of its next hop",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A, C6A) } },
	  TTO(1, 0), .stats = { S(INIT) }, .new_handshakes = 2,
	  .maps = { HS(C4A, 1, TC1, 0), HS(C6A, 1, TC1, 0) } },
	{ "COOKIE-ECHO+DATA: association created",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE(), CH_DATA() } },
	  TTO(1, 0), .data = 1, .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC,
	  .assoc = TS1, .maps = { ASSOC(TS1, 1, TC1), CLIENT(C4A, 1, TS1), CTAG(TC1, TS1) } },
	{ "DATA on path 1 (IPv6), other egress interface",
	  .pkt = { V6(C6A, TS1), .chunks = { CH_DATA() } },
	  TTO(1, 1), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "802.1Q tagged HEARTBEAT: MACs rewritten, tag kept",
	  .pkt = { V4(C4A, TS1), .nvlan = 1, .chunks = { CH(CT_HEARTBEAT) } },
	  TTO(1, 0), .hb = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "unknown vtag: TC_ACT_SHOT, UNKNOWN_VTAG_DROP",
	  .pkt = { V4(C4A, TUNKNOWN), .chunks = { CH_DATA() } },
	  TDROP(UNKNOWN_VTAG_DROP), .svc = SVC, .backend = 0, .stats = { S(UNKNOWN_VTAG) } },
	{ "unknown vtag, policy PASS: TC_ACT_OK",
	  .before = policy_pass, .pkt = { V4(C4A, TUNKNOWN), .chunks = { CH_DATA() } },
	  TPASS(UNKNOWN_VTAG_PASS), .svc = SVC, .backend = 0, .stats = { S(UNKNOWN_VTAG) } },
	{ "chunk length 0: TC_ACT_SHOT, DROP_CHUNK_LEN",
	  .before = policy_drop, .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.set_len = true, .len = 0) } },
	  TDROP(DROP_CHUNK_LEN), .svc = DC },
	{ "INIT bundled with DATA: TC_ACT_SHOT",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC2, C4A), CH_DATA() } },
	  TDROP(DROP_INIT_BUNDLED), .svc = DC },
	{ "IPv4 total length past the frame: TC_ACT_SHOT, DROP_TRUNCATED",
	  .pkt = { V4(C4A, TS1), .ip_len_adj = 8, .chunks = { CH_DATA() } },
	  TDROP(DROP_TRUNCATED), .svc = DC },
	{ "SCTP to an address that is no VIP: TC_ACT_OK",
	  .pkt = { .src = C4A, .dst = NOT_VIP4, .vtag = TS1, .chunks = { CH_DATA() } },
	  TPASS(PASS_NOT_SERVICE), .svc = 0, .backend = 0 },
	{ "ARP: TC_ACT_OK",
	  .pkt = { V4(C4A, 0), .ethertype = 0x0806 }, TPASS(PASS_NOT_IP), .svc = 0, .backend = 0 },
	{ "TCP to the VIP: TC_ACT_OK",
	  .pkt = { V4(C4A, 0), .proto = 6 }, TPASS(PASS_NOT_SCTP), .svc = 0, .backend = 0 },
	{ "T-bit ABORT with Tc: found by Tc, CLOSING",
	  .pkt = { V4(C4A, TC1), .chunks = { CH_ABORT_T } },
	  TTO(1, 0), .stats = { S(TBIT), S(ASSOC_CLOSING) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS1, .maps = { CLOSING(TS1, 1, TC1, 0, true) } },
	{ "next hop a gateway: its MAC",
	  .before = table_be3, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC3, C4B) } },
	  TTO(3, 0), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "no neighbour entry (IPv4): bpf_redirect_neigh, TC_ACT_REDIRECT, frame unchanged",
	  .before = table_be4, .cport = CPORT + 4, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC4, C4B) } },
	  TTO(4, 0), .neigh = true, .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "no neighbour entry (IPv6): bpf_redirect_neigh",
	  .pkt = { V6(C6B, 0), .chunks = { CH_INIT(TC5, C6B) } },
	  TTO(4, 1), .neigh = true, .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "no route: TC_ACT_SHOT, FIB_UNREACHABLE",
	  .before = table_be5, .cport = CPORT + 5, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC6, C4B) } },
	  TDROP(FIB_UNREACHABLE), .svc = SVC, .backend = 5, .stats = { S(INIT) }, .new_handshakes = ANY },
	{ "no address on the path: TC_ACT_SHOT, NO_BACKEND_PATH",
	  .before = table_be6, .cport = CPORT + 6, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC2, C4B) } },
	  TDROP(NO_BACKEND_PATH), .svc = SVC, .backend = 6, .stats = { S(INIT) }, .new_handshakes = ANY },
	END
};

/* ---- XDP's metadata finished by the tc companion (live frames) ----
 * XDP decides and counts (FIB_NO_NEIGH is the packet's one final reason, FWD
 * counted with it); tc only redirects, counts nothing on success, and its
 * trace names the backend but not the vtag (it does not parse again). */

#define LIVE(be, p) .hook = H_LIVE, .verdict = TC_ACT_REDIRECT, .fwd = true, .neigh = true, \
	.svc = SVC, .backend = (be), .path = (p), .reason = SCTPLB_STAT_FWD_REDIRECT
static const struct tcase METADATA[] = {
	{ "INIT, no neighbour: XDP passes with metadata, tc redirects with bpf_redirect_neigh",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A) } }, LIVE(4, 0),
	  .stats = { S(RX), S(INIT), S(FIB_NO_NEIGH), S(FWD) },
	  .new_handshakes = 1, .maps = { HS(C4A, 4, TC1, 0), NEIGH("192.0.2.99") } },
	{ "COOKIE-ECHO+DATA: association by XDP, counted once by tc",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE(), CH_DATA() } }, LIVE(4, 0), .data = 1,
	  .stats = { S(RX), S(COOKIE_ECHO), S(ASSOC_CREATED), S(FIB_NO_NEIGH), S(FWD), S(DATA_CHUNKS) },
	  NEW_ASSOC, .assoc = TS1, .maps = { ASSOC(TS1, 4, TC1) } },
	{ "IPv6 DATA on path 1: the path-1 neighbour resolved",
	  .pkt = { V6(C6A, TS1), .chunks = { CH_DATA() } }, LIVE(4, 1), .data = 1,
	  .stats = { S(RX), S(ESTABLISHED), S(FIB_NO_NEIGH), S(FWD), S(DATA_CHUNKS) },
	  .assoc = TS1, .maps = { NEIGH("2001:db8::99") } },
	{ "65 chunks: CHUNKS_OVER_BOUND once per packet",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 4, .repeat = 64) } }, LIVE(4, 0), .data = 64,
	  .stats = { S(RX), S(ESTABLISHED), S(CHUNKS_OVER_BOUND), S(FIB_NO_NEIGH), S(FWD), { SCTPLB_STAT_DATA_CHUNKS, 64 } },
	  .assoc = TS1 },
	{ "INIT over UDP: UDP_ENCAP once per packet",
	  .cport = CPORT + 100, .pkt = { V4(C4B, 0), UDP, .chunks = { CH_INIT(TC2, C4B) } },
	  LIVE(4, 0),
	  .stats = { S(RX), S(UDP_ENCAP), S(INIT), S(FIB_NO_NEIGH), S(FWD) },
	  .new_handshakes = 1 },
	{ "backend with a neighbour: XDP_TX by XDP, tc not involved",
	  .before = table_be1, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC3, C4B) } },
	  .hook = H_LIVE, .by_xdp = true, .verdict = XDP_TX, .fwd = true, .svc = SVC, .backend = 1,
	  .reason = SCTPLB_STAT_FWD_TX,
	  .stats = { S(RX), S(INIT), S(FWD), S(FWD_TX) }, .new_handshakes = 1 },
	{ "no metadata (not a service): XDP passes it, counted once (RX and one final reason)",
	  .pkt = { .src = C4A, .dst = NOT_VIP4, .vtag = TS1, .chunks = { CH_DATA() } },
	  .hook = H_LIVE, .by_xdp = true, .verdict = XDP_PASS, .svc = 0, .backend = 0,
	  .reason = SCTPLB_STAT_PASS_NOT_SERVICE,
	  .stats = { S(RX), S(PASS_NOT_SERVICE) } },
	END
};

/* ---- an INIT-ACK answering an INIT retransmitted after the handshake ----
 * (the usrsctp capture: the INIT reaches the other VIP after the association
 * is up; the backend answers, RFC 9260 5.2.2, with an INIT-ACK of another
 * Initiate Tag that the client never echoes.)  The established association
 * must stay the one the client's Tc names. */
static const struct tcase INIT_COLLISION[] = {
	{ "INIT", .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A) } },
	  XTO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "INIT-ACK: learnt",
	  .pkt = { R4(C4A, TC1), .chunks = { INIT_ACK(TS1) } },
	  RET(1, 0, RET_INIT_ACK), .stats = { S(RET_INIT_ACK), S(RET_PKTS), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS1 },
	{ "COOKIE-ECHO: the learnt association",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  XTO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ESTABLISHED) }, .assoc = TS1 },
	{ "the INIT retransmitted: the restart rule, backend 1",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A) } },
	  XTO(1, 0, XDP_TX), .stats = { S(INIT), S(INIT_RESTART) }, .new_handshakes = ANY },
	{ "the backend's INIT-ACK to it (new Initiate Tag, never echoed): assoc_ctags[Tc] still names the established association",
	  .pkt = { R4(C4A, TC1), .chunks = { INIT_ACK(TS2) } },
	  .hook = H_RET, .verdict = TC_ACT_OK, .svc = SVC, .backend = DC, .ignore = ~0ull,
	  .new_assocs = ANY, .new_clients = ANY, .new_ctags = ANY,
	  .maps = { CTAG(TC1, TS1), CLIENT(C4A, 1, TS1), LEARNT(TS1, 1, TC1) } },
	{ "the client's T-bit ABORT (vtag Tc) ends the established association",
	  .pkt = { V4(C4A, TC1), .chunks = { CH_ABORT_T } },
	  XTO(1, 0, XDP_TX), .stats = { S(TBIT), S(ASSOC_CLOSING) }, .ignore = IGN(ESTABLISHED),
	  .maps = { CLOSING(TS1, 1, TC1, LEARNT_F, true) } },
	END
};

static const struct tb_scenario SCENARIOS[] = {
	{ "return", RETURN, NULL, NULL },
	{ "return-abort", ABORTS, NULL, NULL },
	{ "return-not-service", NOT_SERVICE, NULL, NULL },
	{ "return-udp", UDP_ENCAP_CASES, NULL, NULL },
	{ "return-ipv6", IPV6_CASES, NULL, NULL },
	{ "return-init-collision", INIT_COLLISION, NULL, NULL },
	{ "tc-ingress", TC_INGRESS, NULL, NULL },
	{ "tc-metadata", METADATA, attach_tc, detach_tc },
};

/* ---- the runner (the checks: tests/bpf/lib/table.h) ---- */

static int setup_scenario(struct fx *fx)
{
	return tb_setup(fx, NBACKENDS);
}

static const char *verdict_name(enum hook h, bool by_xdp, uint32_t v)
{
	return h == H_XDP || by_xdp ? fx_verdict_name(v) : fx_tc_verdict_name(v);
}

static bool run_case(struct fx *fx, const char *scenario, const void *tc)
{
	static struct tb_case r;
	const struct tcase *c = tc;
	int want_new[TB_STATE_GROWN] = { c->new_assocs, c->new_handshakes, c->new_clients, c->new_ctags };
	uint16_t cport = c->cport ? c->cport : CPORT;
	bool ret = c->hook == H_RET, counted = c->fwd || (ret && c->counted);
	uint32_t verdict = 0;
	int err = 0;

	tb_case_init(&r, &c->pkt);
	if (!r.spec.sport)
		r.spec.sport = ret ? PORT : cport;
	if (!r.spec.dport)
		r.spec.dport = ret ? cport : PORT;
	if (r.spec.udp_plain && !r.spec.udp_dport)
		r.spec.udp_dport = cport;
	tb_prepare(fx, scenario, c->name, c->before, &r.spec, ret ? fx->mac_out : fx->mac_in, &r.io);
	if (r.io.len < 0)
		return false;
	if (c->fwd && !tb_next_hop(fx, scenario, c->name, c->backend, c->path, NBACKENDS, c->neigh,
				   &r.nh, r.io.want))
		return false;
	if (counted) {
		r.pk = fx_path_key(c->backend, c->path,
				   ret ? SCTPLB_DIR_TO_CLIENT : SCTPLB_DIR_TO_BACKEND);
	}
	if (c->assoc)
		r.ak = fx_assoc_key(SVC, c->assoc, htons(cport), htons(PORT));
	tb_snap(fx, counted ? &r.pk : NULL, c->assoc ? &r.ak : NULL, &r.b);
	fx_decision_clear(fx);

	r.t0 = fx_now();
	switch (c->hook) {
	case H_XDP:
		err = fx_run(fx, r.io.in, r.io.len, r.io.out, &r.io.out_len, &verdict);
		break;
	case H_TC:
		err = fx_run_tc(fx, fx->prog_tc_ingress, fx->if_in, r.io.in, r.io.len, r.io.out, &r.io.out_len, &verdict);
		break;
	case H_RET:
		err = fx_run_tc(fx, fx->prog_tc_return, fx->if_out, r.io.in, r.io.len, r.io.out, &r.io.out_len, &verdict);
		break;
	case H_LIVE:
		err = fx_run_live(fx, r.io.in, r.io.len);
		break;
	}
	r.t1 = fx_now();
	if (err) {
		printf("FAIL %s: %s: BPF_PROG_TEST_RUN (%s): %s\n", scenario, c->name,
		       HOOK_NAMES[c->hook], strerror(-err));
		return false;
	}
	fx_decision(fx, &r.d);

	/* Verdict and bytes (a live run reports neither: the trace has the verdict). */
	if (c->hook != H_LIVE) {
		if (verdict != c->verdict)
			tb_fail(&r.f, "verdict: expected %s, got %s", verdict_name(c->hook, false, c->verdict),
				verdict_name(c->hook, false, verdict));
		tb_check_output(&r.io, &r.f);
	}

	/* Counters. */
	tb_snap(fx, counted ? &r.pk : NULL, c->assoc ? &r.ak : NULL, &r.a);
	if (c->hook == H_XDP || c->hook == H_TC) {
		r.want_stats[SCTPLB_STAT_RX] = 1;
		if (c->fwd) {
			r.want_stats[SCTPLB_STAT_FWD] = 1;
			r.want_stats[c->verdict == XDP_TX && c->hook == H_XDP ? SCTPLB_STAT_FWD_TX :
				   SCTPLB_STAT_FWD_REDIRECT] = 1;
			r.want_stats[SCTPLB_STAT_DATA_CHUNKS] = c->data;
			r.want_stats[SCTPLB_STAT_HEARTBEATS] = c->hb;
		}
	}
	if (c->why)
		r.want_stats[c->why]++;
	tb_add_deltas(r.want_stats, c->stats, 10);
	tb_check_stats(r.b.stats, r.a.stats, r.want_stats, c->ignore, &r.f);

	/* The decision. */
	if (r.d.verdict == FX_NO_DECISION) {
		tb_fail(&r.f, "trace: no decision written");
	} else {
		uint32_t want_v = c->hook == H_LIVE ? c->verdict : verdict;
		int want_reason = c->reason;

		if (!want_reason && c->fwd && c->hook == H_XDP)
			want_reason = c->verdict == XDP_TX ? SCTPLB_STAT_FWD_TX : SCTPLB_STAT_FWD_REDIRECT;
		if (r.d.verdict != want_v)
			tb_fail(&r.f, "trace verdict: expected %s, got %s",
				verdict_name(c->hook, c->by_xdp, want_v),
			       verdict_name(c->hook, c->by_xdp, r.d.verdict));
		tb_check_decision(&r.d, c->svc, c->backend, c->path, want_reason, &r.f);
		if ((c->fwd || counted) && r.d.vtag != r.spec.vtag &&
		    !(c->hook == H_LIVE && !c->by_xdp))
			tb_fail(&r.f, "trace vtag: expected %#x, got %#x", r.spec.vtag, r.d.vtag);
	}

	/* State. */
	tb_check_growth(r.b.n, r.a.n, want_new, &r.f);
	if (!counted && r.a.n[4] != r.b.n[4])
		tb_fail(&r.f, "path_stats: expected no new slot counting, got %+ld", r.a.n[4] - r.b.n[4]);
	r.where = (struct tb_maps){ .fx = fx, .svc = SVC, .cport_n = htons(cport),
				  .sport_n = htons(PORT), .t0 = r.t0, .t1 = r.t1, .assoc_flags = true };
	tb_check_maps(&r.where, c->maps, &r.f);

	/* Per-path counters; the association. */
	if (counted) {
		char what[96];

		snprintf(what, sizeof(what), "path_stats[svc %u, backend %u, path %u, %s]", c->svc,
			 c->backend, c->path, ret ? "to client" : "to backend");
		if (!r.a.have_path)
			tb_fail(&r.f, "%s: missing", what);
		else
			tb_check_counters(&r.b.path, &r.a.path, what, c->data, c->hb, r.io.info.ip_len, r.t0, r.t1, &r.f);
	}
	if (c->assoc) {
		if (!r.a.have_assoc) {
			tb_fail(&r.f, "assocs[%#x]: missing", c->assoc);
		} else if (c->fwd) {
			tb_check_assoc_path(&r.b.assoc, &r.a.assoc, c->path, &r.io.info.src, c->data, c->hb,
					    r.io.info.ip_len, r.t0, r.t1, &r.f);
		}
		if (!r.f.len && (r.a.assoc.seen < sctplb_stamp(r.t0) ||
				 r.a.assoc.seen > sctplb_stamp(r.t1)))
			tb_fail(&r.f, "assocs[%#x].seen not stamped by this packet", c->assoc);
	}

	if (r.f.len) {
		printf("FAIL %s: %s: %s: %s\n", scenario, HOOK_NAMES[c->hook], c->name, r.f.msg);
		return false;
	}
	printf("PASS %s: %s: %s\n", scenario, HOOK_NAMES[c->hook], c->name);
	return true;
}

int main(void)
{
	fx_tc_ingress = true; /* the tc-only and XDP-beside-tc cases */
	return tb_run("return", &FX, setup_scenario, SCENARIOS,
		      sizeof(SCENARIOS) / sizeof(SCENARIOS[0]), sizeof(struct tcase), run_case);
}
