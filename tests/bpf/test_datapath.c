/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_datapath: docs/datapath.md, case by case, through BPF_PROG_TEST_RUN.
 *
 * Each scenario loads sctplb afresh (trace on) in a private network namespace
 * (tests/bpf/lib/fixture.h), configures services 1 and 2 and backends 1-7,
 * then runs its cases in order: state carries from one case to the next
 * (INIT, then COOKIE-ECHO, then DATA...).  A case is {packet, verdict, backend
 * and path, counters, map changes}; the runner checks:
 *   - the verdict, and the output frame byte for byte: the input with the
 *     next hop's MAC and the egress interface's MAC when forwarded, the input
 *     unchanged otherwise;
 *   - every counter: RX +1, FWD and FWD_TX/FWD_REDIRECT from the verdict,
 *     DATA_CHUNKS and HEARTBEATS from .data and .hb, the ones listed in
 *     .stats, and no change to any other (except those in .ignore, where the
 *     contract leaves it open);
 *   - the trace decision (service, backend, path, verdict, vtag, reason);
 *   - the number of new entries of assocs, handshakes, client_index and
 *     assoc_ctags, and the entries listed in .maps;
 *   - when forwarded: path_stats of (service, backend, path, client) and,
 *     for a packet of an association (.assoc = its Ts), the association's
 *     path[p] counters, client address and last_seen_ns.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "pcapio.h"
#include "pkt.h"
#include "table.h"

/* The configuration every scenario starts from: tb_setup (table.h), and a
 * second service. */
#define SVC2     2              /* a service with no Maglev table */
#define VIP_SVC2 "203.0.113.2"
#define NOT_VIP6 "2001:db8:f::9"

static const char *const SVC2_VIPS[] = { VIP_SVC2 };

/* Backends of service 1: TB_BACKENDS[1..7]. */
#define BACKENDS TB_BACKENDS
#define NBACKENDS 8

/* Tags, besides table.h's. */
#define TC8 0x7c000008u
#define TC9 0x7c000009u
/* With the alternating table (even slot: backend 1, odd: backend 2), for
 * ports 40000 -> 5000: sctplb_init_hash(H1) % 65537 is even, H2's is odd. */
#define H1 0x33330000u
#define H2 0x33330001u

#define DC TB_DC
#define V_FWD 100               /* XDP_TX or XDP_REDIRECT, from the next hop */
#define ANY TB_ANY

struct tcase {
	const char *name;
	int (*before)(struct fx *fx);  /* configuration change before the packet */
	struct pkt_spec pkt;
	uint32_t verdict;
	uint32_t svc, backend;         /* expected decision */
	uint8_t path;
	int reason;                    /* decision reason, if non-zero */
	int why;                       /* the counter of the reason, +1 (with .stats) */
	uint32_t meta;                 /* XDP metadata bytes before the frame, checked if set */
	int data, hb;                  /* DATA/I-DATA and HEARTBEAT(-ACK) chunks counted */
	struct tb_stat_delta stats[6];
	uint64_t ignore;
	int new_assocs, new_handshakes, new_clients, new_ctags;
	uint32_t assoc;                /* Ts of the association the packet counts into */
	struct tb_map_check maps[TB_MAPS];
};

/* Table shorthands. */
#define S(x) { SCTPLB_STAT_##x, 1 }
#define IGN(x) (1ull << SCTPLB_STAT_##x)
#define TO(be, p, v) .verdict = (v), .svc = SVC, .backend = (be), .path = (p)
#define DROP(w) .verdict = XDP_DROP, .reason = SCTPLB_STAT_##w, .why = SCTPLB_STAT_##w
#define PASS(w) .verdict = XDP_PASS, .reason = SCTPLB_STAT_##w, .why = SCTPLB_STAT_##w
#define V4(from, vt) .src = (from), .dst = VIP4, .vtag = (vt)
#define V6(from, vt) .src = (from), .dst = VIP6, .vtag = (vt)
#define HS(a, be, tc, p) { .kind = K_HANDSHAKE, .addr = (a), .backend = (be), .ctag = (tc), .path = (p) }
#define NO_HS(a) { .kind = K_HANDSHAKE, .addr = (a), .absent = true }
#define CLIENT(a, be, ts) { .kind = K_CLIENT, .addr = (a), .backend = (be), .stag = (ts) }
#define ASSOC(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
			    .state = SCTPLB_ASSOC_ESTABLISHED, .any_created = (be) == 2 }
#define CLOSING(ts, be, tc, now_) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
				    .state = SCTPLB_ASSOC_CLOSING, .now = (now_), \
				    .any_created = (be) == 2 }
#define NO_ASSOC(ts) { .kind = K_ASSOC, .tag = (ts), .absent = true }
#define CTAG(tc, ts) { .kind = K_CTAG, .tag = (tc), .stag = (ts) }
#define PENDING_ASSOC(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
	.state = SCTPLB_ASSOC_ESTABLISHED, .table = TB_PENDING }
#define PENDING_CTAG(tc, ts) { .kind = K_CTAG, .tag = (tc), .stag = (ts), .table = TB_PENDING }
#define CONFIRMED_ASSOC(ts, be, tc) { .kind = K_ASSOC, .tag = (ts), .backend = (be), .ctag = (tc), \
	.state = SCTPLB_ASSOC_ESTABLISHED, .table = TB_CONFIRMED }
#define CONFIRMED_CTAG(tc, ts) { .kind = K_CTAG, .tag = (tc), .stag = (ts), .table = TB_CONFIRMED }
/* A new association: client_index grows when it is confirmed, by one entry
 * for each client address it has used (.new_clients). */
#define NEW_ASSOC .new_assocs = 1, .new_ctags = 1
#define END { .name = NULL }

/* ---- configuration changes between cases ---- */

static struct fx FX;
static struct pcapio_dump *DUMP;     /* SCTPLB_TEST_PCAP=file: every input frame, for tshark */

static int table_be(struct fx *fx, uint32_t be) { return fx_table_all(fx, SVC, be); }
static int table_be2(struct fx *fx) { return table_be(fx, 2); }
static int table_be3(struct fx *fx) { return table_be(fx, 3); }
static int table_be4(struct fx *fx) { return table_be(fx, 4); }
static int table_be5(struct fx *fx) { return table_be(fx, 5); }
static int table_be6(struct fx *fx) { return table_be(fx, 6); }
static int table_be7(struct fx *fx) { return table_be(fx, 7); }
static int table_zero(struct fx *fx) { return table_be(fx, 0); }

static int table_alternating(struct fx *fx) { return fx_table_alternating(fx, SVC, 1, 2); }

/* Drained: no new associations.  The control plane also leaves it out of
 * the table, as maglev_build does. */
static int drain_be1(struct fx *fx)
{
	return fx_backend_flags(fx, 1, SCTPLB_BE_F_ACTIVE | SCTPLB_BE_F_DRAINED) ||
	       table_be2(fx);
}

static int deactivate_be1(struct fx *fx) { return fx_backend_flags(fx, 1, 0); }
static int policy_drop(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_DROP); }
static int policy_pass(struct fx *fx) { return fx_policy(fx, SCTPLB_UNKNOWN_PASS); }
static int policy_hash(struct fx *fx)
{
	return fx_policy(fx, SCTPLB_UNKNOWN_HASH) || table_alternating(fx);
}

/* More INITs than SCTPLB_MAX_HANDSHAKES, each from its own address, through
 * the program: the handshakes LRU is full and evicting. */
static int flood_handshakes(struct fx *fx)
{
	static uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_spec s = { .dst = VIP6, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(0) } };
	struct pkt_info info;
	char src[64];
	uint32_t i, verdict;
	size_t len;

	s.src = src;
	for (i = 0; i < SCTPLB_MAX_HANDSHAKES + 1024; i++) {
		snprintf(src, sizeof(src), "2001:db8:c:1::%x:%x", i >> 16, i & 0xffff);
		s.chunks[0].tag = 0x70000000u + i;
		if (pkt_build(&s, fx->mac_in, in, &info) < 0 ||
		    fx_run(fx, in, info.len, out, &len, &verdict) ||
		    verdict != XDP_REDIRECT) {
			fprintf(stderr, "flood: INIT %u: verdict %s\n", i,
				fx_verdict_name(verdict));
			return -1;
		}
	}
	return 0;
}

/* Another backend's association already holds (service 1, TS2, ports). */
static int collide(struct fx *fx)
{
	struct sctplb_assoc_key k = fx_assoc_key(SVC, TS2, htons(CPORT), htons(PORT));
	struct sctplb_assoc v = { .backend_id = 2, .ctag = 0x1234,
				  .state = SCTPLB_ASSOC_ESTABLISHED };

	return fx_assoc_put(fx, &k, &v, BPF_NOEXIST) ? -1 : 0;
}

/* assocs full (its max_entries), from user space, none for our ports. */
static int fill_assocs(struct fx *fx)
{
	enum { BATCH = 4096 };
	static struct sctplb_assoc_key keys[BATCH];
	static struct sctplb_assoc vals[BATCH];
	uint32_t i, j, n;
	struct bpf_map_info mi = { 0 };
	uint32_t mlen = sizeof(mi);

	if (bpf_obj_get_info_by_fd(fx->assocs, &mi, &mlen))
		return -1;
	uint32_t todo = mi.max_entries - fx_count(fx->assocs);

	for (i = 0; i < todo; i += n) {
		n = todo - i < BATCH ? todo - i : BATCH;
		for (j = 0; j < n; j++) {
			keys[j] = fx_assoc_key(SVC, 0x10000000u + i + j, htons(1), htons(PORT));
			vals[j].backend_id = 2;
			vals[j].state = SCTPLB_ASSOC_ESTABLISHED;
		}
		if (bpf_map_update_batch(fx->assocs, keys, vals, &n, NULL))
			return -1;
	}
	return fx_count(fx->assocs) == mi.max_entries ? 0 : -1;
}

/* ---- the table ---- */

#define INIT_C4A(tc) .pkt = { V4(C4A, 0), .chunks = { CH_INIT(tc, C4A) } }

/* One multihomed association, IPv4 path 0 and IPv6 path 1, from INIT to
 * SHUTDOWN-COMPLETE, with every chunk type on the way. */
static const struct tcase LIFECYCLE[] = {
	{ "INIT on path 0 listing 3 addresses: Maglev (all slots backend 1)",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A, C4B, C6A) } },
	  TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 3,
	  .maps = { HS(C4A, 1, TC1, 0), HS(C4B, 1, TC1, 0), HS(C6A, 1, TC1, 0),
		    NO_HS(C6B) } },
	{ "INIT retransmitted to the IPv6 VIP from a listed address: same backend though Maglev now says 2",
	  .before = table_be2,
	  .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC1, C4A, C4B, C6A) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT), S(INIT_RETRANSMIT) },
	  .maps = { HS(C6A, 1, TC1, 1), HS(C4A, 1, TC1, 1) } },
	{ "COOKIE-ECHO+DATA from a listed address (not the INIT's source) creates the association",
	  .pkt = { V4(C4B, TS1), .chunks = { CH_COOKIE(), CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS1,
	  .maps = { ASSOC(TS1, 1, TC1), CLIENT(C4B, 1, TS1), CTAG(TC1, TS1) } },
	{ "COOKIE-ECHO retransmitted: the association, no new state",
	  .pkt = { V4(C4B, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS1, .maps = { ASSOC(TS1, 1, TC1) } },
	{ "DATA on path 0 from the INIT's source",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	/* The association's 4th packet (SCTPLB_CONFIRM_PACKETS): sustained client
	 * traffic confirms it in direct return, as no blind spoofer's pair does. */
	{ "SACK+DATA on path 1 (IPv6) toward the backend's path-1 address: the 4th packet confirms, "
	  "an entry for each client address used (path 0's too)",
	  .pkt = { V6(C6A, TS1), .chunks = { CH(CT_SACK), CH_DATA(.body = 64) } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED), S(ASSOC_PROMOTED) },
	  .assoc = TS1, .new_clients = 2,
	  .maps = { CONFIRMED_ASSOC(TS1, 1, TC1), CONFIRMED_CTAG(TC1, TS1), CLIENT(C6A, 1, TS1),
		    CLIENT(C4A, 1, TS1) } },
	{ "several DATA and an I-DATA in one packet",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(), CH_DATA(.body = 100), CH_DATA(.body = 3),
					     CH(CT_IDATA) } },
	  TO(1, 0, XDP_TX), .data = 4, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "HEARTBEAT on path 1 from an address not in the INIT: same backend, its path-1 address, "
	  "its client_index entry",
	  .pkt = { V6(C6B, TS1), .chunks = { CH(CT_HEARTBEAT) } },
	  TO(1, 1, XDP_REDIRECT), .hb = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1,
	  .new_clients = 1, .maps = { CLIENT(C6B, 1, TS1) } },
	{ "HEARTBEAT-ACK on path 0 from another address: its entry",
	  .pkt = { V4(C4B, TS1), .chunks = { CH(CT_HEARTBEAT_ACK) } },
	  TO(1, 0, XDP_TX), .hb = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1,
	  .new_clients = 1, .maps = { CLIENT(C4B, 1, TS1) } },
	{ "SACK",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_SACK) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "ERROR",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_ERROR) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "COOKIE-ACK",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_COOKIE_ACK) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "INIT-ACK from the client (INIT collision): by vtag",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_INIT_ACK, .tag = TC1) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "AUTH+ASCONF",
	  .pkt = { V6(C6A, TS1), .chunks = { CH(CT_AUTH), CH(CT_ASCONF) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "ASCONF-ACK",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_ASCONF_ACK) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "RE-CONFIG",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_RECONFIG) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "FORWARD-TSN and I-FORWARD-TSN",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_FORWARD_TSN), CH(CT_IFORWARD_TSN) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "PAD+DATA",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_PAD, .body = 40), CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "unknown chunk type 0x3f",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(0x3f, .body = 4) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "802.1Q tagged DATA: forwarded with the tag, MACs rewritten",
	  .pkt = { V4(C4A, TS1), .nvlan = 1, .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "802.1ad tagged DATA on path 1",
	  .pkt = { V6(C6A, TS1), .nvlan = 1, .vlan_proto = 0x88a8, .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "two VLAN tags: not IP after one tag",
	  .pkt = { V4(C4A, TS1), .nvlan = 2, .chunks = { CH_DATA() } },
	  PASS(PASS_NOT_IP) },
	{ "IPv4 with 12 bytes of options",
	  .pkt = { V4(C4A, TS1), .ip_opts = 12, .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "Ethernet padding of a 60-byte frame is not a chunk",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_SHUTDOWN_ACK) }, .eth_pad = 10 },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "no padding after the last chunk (DATA of 19 bytes)",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 3, .no_pad = true) } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "exactly 64 chunks: all walked",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 4, .repeat = 63) } },
	  TO(1, 0, XDP_TX), .data = 64, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "65 chunks: 64 walked, CHUNKS_OVER_BOUND",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 4, .repeat = 64) } },
	  TO(1, 0, XDP_TX), .data = 64, .stats = { S(ESTABLISHED), S(CHUNKS_OVER_BOUND) },
	  .assoc = TS1 },
	{ "a zero-length chunk past the bound is not inspected",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 4, .repeat = 63),
					     CH(CT_SACK, .set_len = true, .len = 0) } },
	  TO(1, 0, XDP_TX), .data = 64, .stats = { S(ESTABLISHED), S(CHUNKS_OVER_BOUND) },
	  .assoc = TS1 },
	{ "SHUTDOWN",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_SHUTDOWN) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "SHUTDOWN-ACK on path 1",
	  .pkt = { V6(C6A, TS1), .chunks = { CH(CT_SHUTDOWN_ACK) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "T-bit SHUTDOWN-COMPLETE of an unknown Tc: policy drop",
	  .pkt = { V4(C4A, TUNKNOWN), .chunks = { CH_SC_T } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .backend = 0,
	  .stats = { S(UNKNOWN_VTAG) }, .ignore = IGN(TBIT) },
	{ "non-T SHUTDOWN-COMPLETE with Tc: Tc is not a Ts, unknown",
	  .pkt = { V4(C4A, TC1), .chunks = { CH(CT_SHUTDOWN_COMPLETE) } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .backend = 0,
	  .stats = { S(UNKNOWN_VTAG) } },
	{ "T-bit SHUTDOWN-COMPLETE with Tc: found by Tc, association CLOSING",
	  .pkt = { V4(C4A, TC1), .chunks = { CH_SC_T } },
	  TO(1, 0, XDP_TX), .stats = { S(TBIT), S(ASSOC_CLOSING) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS1, .maps = { CLOSING(TS1, 1, TC1, true), CTAG(TC1, TS1) } },
	{ "T-bit SHUTDOWN-COMPLETE retransmitted on path 1: CLOSING counted once",
	  .pkt = { V6(C6A, TC1), .chunks = { CH_SC_T } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(TBIT) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS1, .maps = { CLOSING(TS1, 1, TC1, false) } },
	{ "DATA of a CLOSING association is still forwarded",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1,
	  .maps = { CLOSING(TS1, 1, TC1, false) } },
	END
};

/* T-bit ABORT, non-T ABORT, on IPv6 and IPv4. */
static const struct tcase ABORTS[] = {
	{ "INIT on the IPv6 VIP",
	  .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC2, C6A) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1,
	  .maps = { HS(C6A, 1, TC2, 1) } },
	{ "COOKIE-ECHO on the IPv6 VIP",
	  .pkt = { V6(C6A, TS2), .chunks = { CH_COOKIE() } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC,
	  .assoc = TS2, .maps = { ASSOC(TS2, 1, TC2), CLIENT(C6A, 1, TS2), CTAG(TC2, TS2) } },
	{ "SACK + T-bit ABORT with Tc: found by Tc, CLOSING",
	  .pkt = { V6(C6A, TC2), .chunks = { CH(CT_SACK), CH_ABORT_T } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(TBIT), S(ASSOC_CLOSING) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS2, .maps = { CLOSING(TS2, 1, TC2, true) } },
	{ "INIT of a second association on IPv4, other port",
	  .pkt = { V4(C4B, 0), .sport = CPORT + 1, .chunks = { CH_INIT(TC3, C4B) } },
	  TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "its COOKIE-ECHO",
	  .pkt = { V4(C4B, TS3), .sport = CPORT + 1, .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC,
	  .assoc = TS3, .maps = { ASSOC(TS3, 1, TC3) } },
	{ "ABORT without T bit, vtag Ts: CLOSING",
	  .pkt = { V4(C4B, TS3), .sport = CPORT + 1, .chunks = { CH(CT_ABORT) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED), S(ASSOC_CLOSING) },
	  .assoc = TS3, .maps = { CLOSING(TS3, 1, TC3, true) } },
	{ "T-bit ABORT after it: CLOSING counted once",
	  .pkt = { V4(C4B, TC3), .sport = CPORT + 1, .chunks = { CH_ABORT_T } },
	  TO(1, 0, XDP_TX), .stats = { S(TBIT) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS3, .maps = { CLOSING(TS3, 1, TC3, false) } },
	END
};

/* IPv6 with extension headers, a whole handshake. */
static const struct tcase IPV6_EXT[] = {
	{ "INIT behind hop-by-hop and destination options",
	  .pkt = { V6(C6A, 0), .ext = { 0, 60 }, .next_ext = 2, .chunks = { CH_INIT(TC2, C6A, C4A) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 2,
	  .maps = { HS(C6A, 1, TC2, 1), HS(C4A, 1, TC2, 1) } },
	{ "COOKIE-ECHO+DATA behind routing and AH",
	  .pkt = { V6(C6A, TS2), .ext = { 43, 51 }, .next_ext = 2,
		   .chunks = { CH_COOKIE(), CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS2, .maps = { ASSOC(TS2, 1, TC2) } },
	{ "DATA behind 6 extension headers (the most skipped)",
	  .pkt = { V6(C6A, TS2), .ext = { 0, 60, 43, 60, 51, 60 }, .next_ext = 6,
		   .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS2 },
	{ "DATA behind 7 extension headers: DROP_IPV6_EXT",
	  .pkt = { V6(C6A, TS2), .ext = { 0, 60, 43, 60, 51, 60, 60 }, .next_ext = 7,
		   .chunks = { CH_DATA() } },
	  DROP(DROP_IPV6_EXT) },
	{ "first fragment (fragment header, offset 0, M): classified as usual",
	  .pkt = { V6(C6A, TS2), .ext = { 44 }, .next_ext = 1, .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED), S(FRAG_FIRST) },
	  .ignore = IGN(ASSOC_PROMOTED), .new_clients = ANY, .assoc = TS2 },
	{ "first fragment after destination options: classified as usual",
	  .pkt = { V6(C6A, TS2), .ext = { 60, 44 }, .next_ext = 2, .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED), S(FRAG_FIRST) },
	  .ignore = IGN(ASSOC_PROMOTED), .new_clients = ANY, .assoc = TS2 },
	{ "payload length past the frame: DROP_TRUNCATED",
	  .pkt = { V6(C6A, TS2), .ip_len_adj = 8, .chunks = { CH_DATA() } },
	  DROP(DROP_TRUNCATED), .svc = DC },
	{ "ICMPv6 to the VIP: PASS_NOT_SCTP",
	  .pkt = { V6(C6A, 0), .proto = 58 }, PASS(PASS_NOT_SCTP) },
	{ "SCTP to an IPv6 address that is no VIP: PASS_NOT_SERVICE",
	  .pkt = { .src = C6A, .dst = NOT_VIP6, .vtag = TS2, .chunks = { CH_DATA() } },
	  PASS(PASS_NOT_SERVICE) },
	END
};

/* SCTP over UDP (RFC 6951) on both VIPs of service 1. */
#define UDP .udp_sport = ENCAP, .udp_dport = ENCAP, .sport = CPORT + 100
static const struct tcase UDP_ENCAP_CASES[] = {
	{ "INIT over UDP 9899 on path 0",
	  .pkt = { V4(C4A, 0), UDP, .chunks = { CH_INIT(TC1, C4A, C6A) } },
	  TO(1, 0, XDP_TX), .stats = { S(UDP_ENCAP), S(INIT) }, .new_handshakes = 2,
	  .maps = { HS(C4A, 1, TC1, 0), HS(C6A, 1, TC1, 0) } },
	{ "COOKIE-ECHO+DATA over UDP",
	  .pkt = { V4(C4A, TS1), UDP, .chunks = { CH_COOKIE(), CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(UDP_ENCAP), S(COOKIE_ECHO), S(ASSOC_CREATED) },
	  NEW_ASSOC, .assoc = TS1, .maps = { ASSOC(TS1, 1, TC1), CLIENT(C4A, 1, TS1) } },
	{ "DATA over UDP on the IPv6 VIP: bytes = outer IP length",
	  .pkt = { V6(C6A, TS1), UDP, .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(UDP_ENCAP), S(ESTABLISHED) },
	  .assoc = TS1 },
	{ "bytes after the UDP datagram are not a chunk",
	  .pkt = { V4(C4A, TS1), UDP, .udp_trailer = 8, .chunks = { CH(CT_SACK) } },
	  TO(1, 0, XDP_TX), .stats = { S(UDP_ENCAP), S(ESTABLISHED) }, .assoc = TS1 },
	{ "HEARTBEAT over UDP, Ethernet padding after it",
	  .pkt = { V4(C4A, TS1), UDP, .chunks = { CH(CT_HEARTBEAT, .body = 1) }, .eth_pad = 6 },
	  TO(1, 0, XDP_TX), .hb = 1, .stats = { S(UDP_ENCAP), S(ESTABLISHED) },
	  .ignore = IGN(ASSOC_PROMOTED), .new_clients = ANY, .assoc = TS1 },
	{ "UDP length past the frame: DROP_TRUNCATED",
	  .pkt = { V4(C4A, TS1), UDP, .udp_len_adj = 16, .chunks = { CH_DATA() } },
	  DROP(DROP_TRUNCATED), .svc = DC, .ignore = IGN(UDP_ENCAP) },
	{ "inner SCTP port is not the service's: PASS_NOT_SERVICE",
	  .pkt = { V4(C4A, TS1), UDP, .dport = PORT + 1, .chunks = { CH_DATA() } },
	  PASS(PASS_NOT_SERVICE), .svc = DC, .ignore = IGN(UDP_ENCAP) },
	{ "UDP to the service's SCTP port (not the encapsulation port): PASS_NOT_SERVICE",
	  .pkt = { V4(C4A, 0), .udp_plain = 32, .udp_dport = PORT }, PASS(PASS_NOT_SERVICE) },
	{ "UDP 9899 to an address that is no VIP: PASS_NOT_SERVICE",
	  .pkt = { .src = C4A, .dst = NOT_VIP4, .vtag = TS1, UDP, .chunks = { CH_DATA() } },
	  PASS(PASS_NOT_SERVICE) },
	{ "T-bit SHUTDOWN-COMPLETE over UDP: found by Tc",
	  .pkt = { V4(C4A, TC1), UDP, .chunks = { CH_SC_T } },
	  TO(1, 0, XDP_TX), .stats = { S(UDP_ENCAP), S(TBIT), S(ASSOC_CLOSING) },
	  .ignore = IGN(ESTABLISHED), .assoc = TS1, .maps = { CLOSING(TS1, 1, TC1, true) } },
	END
};

/* A restarting client reaches its old backend; others go by Maglev. */
static const struct tcase RESTART[] = {
	{ "INIT", INIT_C4A(TC1), TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO", .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC,
	  .assoc = TS1, .maps = { CLIENT(C4A, 1, TS1) } },
	{ "a pending handshake of another client on backend 1",
	  .pkt = { V6(C6B, 0), .chunks = { CH_INIT(TC8, C6B) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "restart: new INIT, new Tc, same transport address: old backend though Maglev says 2",
	  .before = table_be2, INIT_C4A(TC5),
	  TO(1, 0, XDP_TX), .stats = { S(INIT), S(INIT_RESTART) },
	  .maps = { HS(C4A, 1, TC5, 0), CLIENT(C4A, 1, TS1) } },
	/* A spoofed INIT must not re-point it (issue: handshakes no one can re-point). */
	{ "INIT with another Tc from an address with a pending handshake: its backend, handshake kept",
	  .pkt = { V6(C6B, 0), .chunks = { CH_INIT(TC9, C6B) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT), S(INIT_PINNED) },
	  .maps = { HS(C6B, 1, TC8, 1) } },
	{ "same address, other port: not a restart, Maglev",
	  .pkt = { V4(C4A, 0), .sport = CPORT + 7, .chunks = { CH_INIT(TC6, C4A) } },
	  TO(2, 0, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO of the restarted association: new Ts on the old backend",
	  .pkt = { V4(C4A, TS5), .chunks = { CH_COOKIE(), CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) },
	  .new_assocs = 1, .new_ctags = 1, .assoc = TS5,
	  .maps = { ASSOC(TS5, 1, TC5), CLIENT(C4A, 1, TS5), CTAG(TC5, TS5), ASSOC(TS1, 1, TC1) } },
	{ "the old association's vtag still reaches backend 1",
	  .pkt = { V4(C4A, TS1), .chunks = { CH(CT_SACK) } },
	  TO(1, 0, XDP_TX), .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	END
};

/*
 * A restart may come from any address the association has used (RFC 9260
 * 5.2.4), not only the one that confirmed it: each gets a client_index
 * entry, at the confirmation and on a path's first packet from an address.
 */
static const struct tcase RESTART_PATHS[] = {
	{ "INIT", INIT_C4A(TC1), TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO", .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC, .assoc = TS1 },
	{ "DATA on path 1 from an address the INIT did not list, unconfirmed: no entry yet",
	  .pkt = { V6(C6A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 1, XDP_REDIRECT), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "DATA on path 0", .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "DATA on path 0, the 4th packet: confirmed, an entry for both addresses",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED), S(ASSOC_PROMOTED) },
	  .assoc = TS1, .new_clients = 2,
	  .maps = { CONFIRMED_ASSOC(TS1, 1, TC1), CLIENT(C4A, 1, TS1), CLIENT(C6A, 1, TS1) } },
	{ "HEARTBEAT on path 1 from a third address, after the confirmation: its entry",
	  .pkt = { V6(C6B, TS1), .chunks = { CH(CT_HEARTBEAT) } },
	  TO(1, 1, XDP_REDIRECT), .hb = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1,
	  .new_clients = 1, .maps = { CLIENT(C6B, 1, TS1) } },
	{ "restart from the path-1 address used before the confirmation: old backend though "
	  "Maglev says 2",
	  .before = table_be2, .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC5, C6A) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT), S(INIT_RESTART) }, .new_handshakes = 1,
	  .maps = { HS(C6A, 1, TC5, 1) } },
	{ "restart from the address first used after it: old backend",
	  .pkt = { V6(C6B, 0), .chunks = { CH_INIT(TC6, C6B) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT), S(INIT_RESTART) }, .new_handshakes = 1,
	  .maps = { HS(C6B, 1, TC6, 1) } },
	{ "T-bit ABORT from an address of none: no entry (it carries Tc, not Ts)",
	  .pkt = { V4(C4B, TC1), .chunks = { CH_ABORT_T } },
	  TO(1, 0, XDP_TX), .stats = { S(TBIT), S(ESTABLISHED), S(ASSOC_CLOSING) }, .assoc = TS1,
	  .maps = { CLOSING(TS1, 1, TC1, true) } },
	{ "an INIT from that address: not a restart, Maglev",
	  .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC4, C4B) } },
	  TO(2, 0, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1 },
	END
};

/* Drained backend: keeps its associations, gets no new INIT. */
static const struct tcase DRAINED[] = {
	{ "INIT", INIT_C4A(TC1), TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO", .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC, .assoc = TS1 },
	{ "pending handshake of another client on backend 1",
	  .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC4, C4B) } },
	  TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "backend 1 drained: its association is still forwarded",
	  .before = drain_be1, .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1 },
	{ "INIT retransmitted toward the drained backend: Maglev",
	  .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC4, C4B) } },
	  TO(2, 0, XDP_REDIRECT), .stats = { S(INIT) }, .maps = { HS(C4B, 2, TC4, 0) } },
	{ "restart toward the drained backend: Maglev",
	  INIT_C4A(TC5), TO(2, 0, XDP_REDIRECT), .stats = { S(INIT) },
	  .maps = { HS(C4A, 2, TC5, 0) } },
	{ "a new client: Maglev",
	  .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC6, C6A) } },
	  TO(2, 1, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	END
};

/* Inactive backends and missing tables. */
static const struct tcase NO_BACKENDS[] = {
	{ "INIT", INIT_C4A(TC1), TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO", .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC, .assoc = TS1 },
	{ "established association of an inactive backend: NO_BACKEND",
	  .before = deactivate_be1, .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  DROP(NO_BACKEND), .svc = SVC, .backend = DC, .ignore = IGN(ESTABLISHED) },
	{ "INIT to a Maglev slot of an inactive backend: NO_BACKEND",
	  .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC2, C4B) } },
	  DROP(NO_BACKEND), .svc = SVC, .backend = DC, .stats = { S(INIT) },
	  .new_handshakes = ANY },
	{ "INIT to a slot holding backend id 0: NO_BACKEND",
	  .before = table_zero, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC3, C4B) } },
	  DROP(NO_BACKEND), .svc = SVC, .backend = DC, .stats = { S(INIT) },
	  .new_handshakes = ANY },
	{ "INIT to a service with no Maglev table: NO_BACKEND",
	  .pkt = { .src = C4B, .dst = VIP_SVC2, .chunks = { CH_INIT(TC4, C4B) } },
	  DROP(NO_BACKEND), .svc = SVC2, .backend = DC, .stats = { S(INIT) },
	  .new_handshakes = ANY },
	END
};

/* What the FIB says about the backend's address on the path. */
/* Each case from a client port of its own (its line): no pending handshake
 * of an earlier case holds the address. */
#define FIB_INIT(vip, from, tc) .pkt = { .src = (from), .dst = (vip), .sport = CPORT + __LINE__, \
					 .chunks = { CH_INIT(tc, from) } }, \
	.new_handshakes = ANY
static const struct tcase FIB[] = {
	{ "next hop a gateway, path 0: REDIRECT with the gateway's MAC",
	  .before = table_be3, FIB_INIT(VIP4, C4A, TC1), TO(3, 0, XDP_REDIRECT), .stats = { S(INIT) } },
	{ "next hop a gateway, path 1",
	  FIB_INIT(VIP6, C6A, TC2), TO(3, 1, XDP_REDIRECT), .stats = { S(INIT) } },
	{ "backend 2 path 1 through the ingress interface: TX",
	  .before = table_be2, FIB_INIT(VIP6, C6A, TC3), TO(2, 1, XDP_TX), .stats = { S(INIT) } },
	{ "no neighbour entry (IPv4): PASS, FIB_NO_NEIGH",
	  .before = table_be4, FIB_INIT(VIP4, C4B, TC4), .verdict = XDP_PASS, .svc = SVC,
	  .backend = 4, .path = 0, .reason = SCTPLB_STAT_FIB_NO_NEIGH, .meta = 16,
	  .why = SCTPLB_STAT_FIB_NO_NEIGH, .stats = { S(INIT), S(FWD) } },
	{ "no neighbour entry (IPv6): PASS, FIB_NO_NEIGH",
	  FIB_INIT(VIP6, C6B, TC5), .verdict = XDP_PASS, .svc = SVC, .backend = 4, .path = 1,
	  .reason = SCTPLB_STAT_FIB_NO_NEIGH, .meta = 16, .why = SCTPLB_STAT_FIB_NO_NEIGH,
	  .stats = { S(INIT), S(FWD) } },
	{ "no route (IPv4): DROP, FIB_UNREACHABLE",
	  .before = table_be5, FIB_INIT(VIP4, C4A, TC6), .verdict = XDP_DROP, .svc = SVC,
	  .backend = 5, .path = 0, .reason = SCTPLB_STAT_FIB_UNREACHABLE,
	  .why = SCTPLB_STAT_FIB_UNREACHABLE, .stats = { S(INIT) } },
	{ "unreachable route (IPv6): DROP, FIB_UNREACHABLE",
	  FIB_INIT(VIP6, C6A, TC8), .verdict = XDP_DROP, .svc = SVC, .backend = 5, .path = 1,
	  .reason = SCTPLB_STAT_FIB_UNREACHABLE, .why = SCTPLB_STAT_FIB_UNREACHABLE, .stats = { S(INIT) } },
	{ "backend with no address on path 0: NO_BACKEND_PATH",
	  .before = table_be6, FIB_INIT(VIP4, C4B, TC9), .verdict = XDP_DROP, .svc = SVC,
	  .backend = 6, .path = 0, .reason = SCTPLB_STAT_NO_BACKEND_PATH,
	  .why = SCTPLB_STAT_NO_BACKEND_PATH, .stats = { S(INIT) } },
	{ "the same backend on path 1",
	  FIB_INIT(VIP6, C6B, TC1), TO(6, 1, XDP_REDIRECT), .stats = { S(INIT) } },
	{ "backend with no address on path 1: NO_BACKEND_PATH",
	  .before = table_be7, FIB_INIT(VIP6, C6A, TC2), .verdict = XDP_DROP, .svc = SVC,
	  .backend = 7, .path = 1, .reason = SCTPLB_STAT_NO_BACKEND_PATH,
	  .why = SCTPLB_STAT_NO_BACKEND_PATH, .stats = { S(INIT) } },
	{ "the same backend on path 0",
	  FIB_INIT(VIP4, C4B, TC3), TO(7, 0, XDP_TX), .stats = { S(INIT) } },
	END
};

/* Maglev over sctplb_init_hash; the unknown-vtag policies. */
static const struct tcase HASHING[] = {
	{ "INIT: slot sctplb_init_hash(Tc, ports) (even: backend 1)",
	  .before = table_alternating, .pkt = { V4(C4A, 0), .chunks = { CH_INIT(H1, C4A) } },
	  TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "INIT: slot sctplb_init_hash(Tc, ports) (odd: backend 2)",
	  .pkt = { V4(C4B, 0), .chunks = { CH_INIT(H2, C4B) } },
	  TO(2, 0, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "unknown vtag, default policy: DROP",
	  .pkt = { V4(C4A, H2), .chunks = { CH_DATA() } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .stats = { S(UNKNOWN_VTAG) } },
	{ "COOKIE-ECHO with no handshake for its source (policy DROP)",
	  .pkt = { V4(C4A, TS1), .sport = CPORT + 9, .chunks = { CH_COOKIE() } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .ignore = IGN(UNKNOWN_VTAG),
	  .stats = { S(COOKIE_ECHO), S(COOKIE_NO_HANDSHAKE) } },
	{ "unknown vtag, policy PASS",
	  .before = policy_pass, .pkt = { V6(C6A, H2), .chunks = { CH_DATA() } },
	  PASS(UNKNOWN_VTAG_PASS), .svc = SVC, .path = 1,
	  .stats = { S(UNKNOWN_VTAG) } },
	{ "COOKIE-ECHO with no handshake (policy PASS)",
	  .pkt = { V4(C4A, TS1), .sport = CPORT + 9, .chunks = { CH_COOKIE() } },
	  PASS(UNKNOWN_VTAG_PASS), .svc = SVC, .ignore = IGN(UNKNOWN_VTAG),
	  .stats = { S(COOKIE_ECHO), S(COOKIE_NO_HANDSHAKE) } },
	{ "T-bit ABORT of an unknown Tc (policy PASS)",
	  .pkt = { V4(C4A, TUNKNOWN), .chunks = { CH_ABORT_T } },
	  PASS(UNKNOWN_VTAG_PASS), .svc = SVC, .ignore = IGN(TBIT),
	  .stats = { S(UNKNOWN_VTAG) } },
	{ "unknown vtag, policy HASH: Maglev over the vtag (odd slot: backend 2)",
	  .before = policy_hash, .pkt = { V4(C4A, H2), .chunks = { CH_DATA() } },
	  TO(2, 0, XDP_REDIRECT), .data = 1, .stats = { S(UNKNOWN_VTAG), S(UNKNOWN_VTAG_HASH) } },
	{ "unknown vtag, policy HASH (even slot: backend 1), path 1",
	  .pkt = { V6(C6A, H1), .chunks = { CH(CT_HEARTBEAT) } },
	  TO(1, 1, XDP_REDIRECT), .hb = 1, .stats = { S(UNKNOWN_VTAG), S(UNKNOWN_VTAG_HASH) } },
	{ "policy back to DROP",
	  .before = policy_drop, .pkt = { V4(C4A, H1), .chunks = { CH_DATA() } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .stats = { S(UNKNOWN_VTAG) } },
	END
};

/* State kept apart: handshake floods, vtag collisions, a full assocs. */
static const struct tcase STATE[] = {
	{ "INIT", INIT_C4A(TC1), TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = 1 },
	{ "COOKIE-ECHO", .pkt = { V4(C4A, TS1), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) }, NEW_ASSOC, .assoc = TS1 },
	{ "established association survives a flood of INITs past SCTPLB_MAX_HANDSHAKES",
	  .before = flood_handshakes, .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() } },
	  TO(1, 0, XDP_TX), .data = 1, .stats = { S(ESTABLISHED) }, .assoc = TS1,
	  .new_handshakes = ANY, .maps = { ASSOC(TS1, 1, TC1), CLIENT(C4A, 1, TS1), CTAG(TC1, TS1) } },
	{ "T-bit ABORT after the flood: still found by Tc",
	  .pkt = { V4(C4A, TC1), .chunks = { CH_ABORT_T } },
	  TO(1, 0, XDP_TX), .stats = { S(TBIT), S(ASSOC_CLOSING) }, .ignore = IGN(ESTABLISHED),
	  .assoc = TS1, .new_handshakes = ANY },
	{ "INIT of a client whose Ts is held by backend 2's association",
	  .before = collide, .pkt = { V4(C4B, 0), .chunks = { CH_INIT(TC2, C4B) } },
	  TO(1, 0, XDP_TX), .stats = { S(INIT) }, .new_handshakes = ANY },
	/* The handshake names backend 1: the cookie was made there. */
	{ "COOKIE-ECHO whose Ts another backend's association holds: handshake's backend, ASSOC_COLLISION",
	  .pkt = { V4(C4B, TS2), .chunks = { CH_COOKIE() } },
	  TO(1, 0, XDP_TX), .stats = { S(COOKIE_ECHO), S(ASSOC_COLLISION) },
	  .new_handshakes = ANY, .maps = { ASSOC(TS2, 2, 0x1234) } },
	{ "INIT with assocs full",
	  .before = fill_assocs, .pkt = { V6(C6A, 0), .chunks = { CH_INIT(TC3, C6A) } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(INIT) }, .new_handshakes = ANY },
	/* Unconfirmed: it never competes with the full table of confirmed ones. */
	{ "COOKIE-ECHO with assocs full: forwarded, stored unconfirmed",
	  .pkt = { V6(C6A, TS3), .chunks = { CH_COOKIE() } },
	  TO(1, 1, XDP_REDIRECT), .stats = { S(COOKIE_ECHO), S(ASSOC_CREATED) },
	  .new_handshakes = ANY, NEW_ASSOC,
	  .maps = { PENDING_ASSOC(TS3, 1, TC3), PENDING_CTAG(TC3, TS3) } },
	{ "its DATA with assocs full: forwarded to its backend",
	  .pkt = { V6(C6A, TS3), .chunks = { CH_DATA() } }, .data = 1,
	  TO(1, 1, XDP_REDIRECT), .stats = { S(ESTABLISHED) }, .assoc = TS3 },
	END
};

/* Malformed packets and traffic that is not the balancer's. */
static const struct tcase MALFORMED[] = {
	{ "chunk length 0", .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.set_len = true, .len = 0) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "chunk length 1", .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.set_len = true, .len = 1) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "chunk length 3", .pkt = { V4(C4A, TS1), .chunks = { CH(CT_SACK, .set_len = true, .len = 3) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "chunk length past the end",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.set_len = true, .len = 200) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "second chunk of length 0 after a good one",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(), CH(CT_SACK, .set_len = true, .len = 0) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "chunk header cut short by the end of the packet",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(), CH(CT_SACK, .raw_len = 2, .no_pad = true) } },
	  DROP(DROP_CHUNK_LEN), .svc = DC },
	{ "no chunk", .pkt = { V4(C4A, TS1) }, DROP(DROP_NO_CHUNK), .svc = DC },
	{ "SCTP header cut short (IP length agrees)",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() }, .sctp_cut = 8 },
	  DROP(DROP_TRUNCATED), .svc = DC },
	{ "IP total length past the frame",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() }, .ip_len_adj = 4 },
	  DROP(DROP_TRUNCATED), .svc = DC },
	{ "frame cut inside the chunks (IP length intact)",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(.body = 32) }, .trunc = 10 },
	  DROP(DROP_TRUNCATED), .svc = DC },
	{ "frame cut inside the IPv4 header",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA() }, .frame_len = 24 },
	  DROP(DROP_TRUNCATED), .svc = DC },
	{ "IHL 4: DROP_BAD_IP",
	  .pkt = { V4(C4A, TS1), .ihl = 4, .chunks = { CH_DATA() } }, DROP(DROP_BAD_IP), .svc = DC },
	{ "IPv4 total length below the header: DROP_BAD_IP",
	  .pkt = { V4(C4A, TS1), .ip_len_adj = -40, .chunks = { CH_DATA() } },
	  DROP(DROP_BAD_IP), .svc = DC },
	{ "INIT bundled with DATA",
	  .pkt = { V4(C4A, 0), .chunks = { CH_INIT(TC1, C4A), CH_DATA() } },
	  DROP(DROP_INIT_BUNDLED), .svc = DC, .ignore = IGN(INIT) },
	{ "INIT after DATA",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_DATA(), CH_INIT(TC1, C4A) } },
	  DROP(DROP_INIT_BUNDLED), .svc = DC, .ignore = IGN(INIT) },
	{ "INIT with vtag != 0",
	  .pkt = { V4(C4A, TS1), .chunks = { CH_INIT(TC1, C4A) } },
	  DROP(DROP_INIT_VTAG), .svc = DC, .ignore = IGN(INIT) },
	{ "INIT of 16 bytes",
	  .pkt = { V4(C4A, 0), .chunks = { CH(CT_INIT, .tag = TC1, .raw_len = 16) } },
	  DROP(DROP_INIT_SHORT), .svc = DC, .ignore = IGN(INIT) },
	{ "vtag 0 on DATA", .pkt = { V4(C4A, 0), .chunks = { CH_DATA() } },
	  DROP(DROP_ZERO_VTAG), .svc = DC },
	{ "vtag 0 on COOKIE-ECHO", .pkt = { V6(C6A, 0), .chunks = { CH_COOKIE() } },
	  DROP(DROP_ZERO_VTAG), .svc = DC, .ignore = IGN(COOKIE_ECHO) },
	{ "IPv4 first fragment (MF) of no association: the unknown-vtag policy",
	  .pkt = { V4(C4A, TS1), .frag = 0x2000, .chunks = { CH_DATA() } },
	  DROP(UNKNOWN_VTAG_DROP), .svc = SVC, .stats = { S(UNKNOWN_VTAG) } },
	{ "IPv4 fragment (offset)",
	  .pkt = { V4(C4A, TS1), .frag = 0x0010, .chunks = { CH_DATA() } }, PASS(PASS_FRAGMENT) },
	{ "TCP to the VIP and port: PASS_NOT_SCTP",
	  .pkt = { V4(C4A, 0), .proto = 6 }, PASS(PASS_NOT_SCTP) },
	{ "ICMP to the VIP: PASS_NOT_SCTP",
	  .pkt = { V4(C4A, 0), .proto = 1 }, PASS(PASS_NOT_SCTP) },
	{ "ARP: PASS_NOT_IP",
	  .pkt = { V4(C4A, 0), .ethertype = 0x0806 }, PASS(PASS_NOT_IP) },
	{ "tagged ARP: PASS_NOT_IP",
	  .pkt = { V4(C4A, 0), .ethertype = 0x0806, .nvlan = 1 }, PASS(PASS_NOT_IP) },
	{ "SCTP to the VIP, another port: PASS_NOT_SERVICE",
	  .pkt = { V4(C4A, TS1), .dport = PORT + 1, .chunks = { CH_DATA() } }, PASS(PASS_NOT_SERVICE) },
	{ "SCTP to another address: PASS_NOT_SERVICE",
	  .pkt = { .src = C4A, .dst = NOT_VIP4, .vtag = TS1, .chunks = { CH_DATA() } },
	  PASS(PASS_NOT_SERVICE) },
	{ "INIT to another address: PASS_NOT_SERVICE, no handshake",
	  .pkt = { .src = C4A, .dst = NOT_VIP4, .chunks = { CH_INIT(TC1, C4A) } },
	  PASS(PASS_NOT_SERVICE) },
	{ "malformed chunks to another port: PASS_NOT_SERVICE first",
	  .pkt = { V4(C4A, TS1), .dport = PORT + 1, .chunks = { CH_DATA(.set_len = true, .len = 0) } },
	  PASS(PASS_NOT_SERVICE) },
	END
};

static const struct tb_scenario SCENARIOS[] = {
	{ "lifecycle", LIFECYCLE, NULL, NULL },
	{ "abort", ABORTS, NULL, NULL },
	{ "ipv6-ext", IPV6_EXT, NULL, NULL },
	{ "udp-encap", UDP_ENCAP_CASES, NULL, NULL },
	{ "restart", RESTART, NULL, NULL },
	{ "restart-paths", RESTART_PATHS, NULL, NULL },
	{ "drained", DRAINED, NULL, NULL },
	{ "no-backend", NO_BACKENDS, NULL, NULL },
	{ "fib", FIB, NULL, NULL },
	{ "hashing", HASHING, NULL, NULL },
	{ "state", STATE, NULL, NULL },
	{ "malformed", MALFORMED, NULL, NULL },
};

/* ---- the runner (the checks: tests/bpf/lib/table.h) ---- */

static int setup_scenario(struct fx *fx)
{
	return tb_setup(fx, NBACKENDS) || fx_service(fx, SVC2, PORT, SVC2_VIPS, 1, 0);
}

static bool run_case(struct fx *fx, const char *scenario, const void *tc)
{
	static struct tb_case r;
	const struct tcase *c = tc;
	int want_new[TB_STATE_GROWN] = { c->new_assocs, c->new_handshakes, c->new_clients,
					 c->new_ctags };
	uint32_t verdict, want_verdict = c->verdict;
	bool fwd;
	int err;

	tb_case_init(&r, &c->pkt);
	if (!r.spec.sport)
		r.spec.sport = CPORT;
	if (!r.spec.dport)
		r.spec.dport = PORT;
	tb_prepare(fx, scenario, c->name, c->before, &r.spec, fx->mac_in, &r.io);
	if (r.io.len < 0)
		return false;

	/* The expected output: MACs toward the backend's next hop on the path. */
	if (DUMP)
		pcapio_dump(DUMP, r.io.in, r.io.len);
	fwd = want_verdict == XDP_TX || want_verdict == XDP_REDIRECT || want_verdict == V_FWD;
	if (fwd) {
		if (!tb_next_hop(fx, scenario, c->name, c->backend, c->path, NBACKENDS, false, &r.nh,
				 r.io.want))
			return false;
		if (want_verdict == V_FWD)
			want_verdict = r.nh.out ? XDP_REDIRECT : XDP_TX;
		r.pk = fx_path_key(c->backend, c->path, SCTPLB_DIR_TO_BACKEND);
	}
	if (c->assoc)
		r.ak = fx_assoc_key(c->svc, c->assoc, r.io.info.sport, r.io.info.dport);
	tb_snap(fx, fwd ? &r.pk : NULL, c->assoc ? &r.ak : NULL, &r.b);
	fx_decision_clear(fx);

	r.t0 = fx_now();
	err = fx_run(fx, r.io.in, r.io.len, r.io.out, &r.io.out_len, &verdict);
	r.t1 = fx_now();
	if (err) {
		printf("FAIL %s: %s: BPF_PROG_TEST_RUN: %s\n", scenario, c->name, strerror(-err));
		return false;
	}

	/* Verdict and bytes. */
	if (verdict != want_verdict)
		tb_fail(&r.f, "verdict: expected %s, got %s", fx_verdict_name(want_verdict),
			fx_verdict_name(verdict));
	tb_check_output(&r.io, &r.f);

	/* FIB_NO_NEIGH: the decision for the tc program in struct sctplb_meta. */
	if (c->meta && fx->meta_len != c->meta)
		tb_fail(&r.f, "XDP metadata: expected %u bytes, got %u", c->meta, fx->meta_len);
	else if (!c->meta && fx->meta_len)
		printf("  note: %s: %s: %u bytes of XDP metadata before the frame\n", scenario,
		       c->name, fx->meta_len);

	/* Counters: everything not expected must not move. */
	tb_snap(fx, fwd ? &r.pk : NULL, c->assoc ? &r.ak : NULL, &r.a);
	r.want_stats[SCTPLB_STAT_RX] = 1;
	if (fwd) {
		r.want_stats[SCTPLB_STAT_FWD] = 1;
		r.want_stats[want_verdict == XDP_TX ? SCTPLB_STAT_FWD_TX : SCTPLB_STAT_FWD_REDIRECT] = 1;
		r.want_stats[SCTPLB_STAT_DATA_CHUNKS] = c->data;
		r.want_stats[SCTPLB_STAT_HEARTBEATS] = c->hb;
	}
	if (c->why)
		r.want_stats[c->why]++;
	tb_add_deltas(r.want_stats, c->stats, 6);
	tb_check_stats(r.b.stats, r.a.stats, r.want_stats, c->ignore, &r.f);

	/* The decision. */
	fx_decision(fx, &r.d);
	if (r.d.verdict == FX_NO_DECISION) {
		tb_fail(&r.f, "trace: no decision written");
	} else {
		if (r.d.verdict != verdict)
			tb_fail(&r.f, "trace verdict: expected %s (returned), got %s",
				fx_verdict_name(verdict), fx_verdict_name(r.d.verdict));
		if (fwd && r.d.vtag != r.spec.vtag)
			tb_fail(&r.f, "trace vtag: expected %#x, got %#x", r.spec.vtag, r.d.vtag);
		tb_check_decision(&r.d, c->svc, c->backend, c->path, c->reason, &r.f);
	}

	/* State. */
	tb_check_growth(r.b.n, r.a.n, want_new, &r.f);
	r.where = (struct tb_maps){ .fx = fx, .svc = SVC, .cport_n = r.io.info.sport,
				  .sport_n = r.io.info.dport, .t0 = r.t0, .t1 = r.t1,
				  .handshake_created = true };
	tb_check_maps(&r.where, c->maps, &r.f);

	/* Per-path counters. */
	if (fwd) {
		if (!r.a.have_path)
			tb_fail(&r.f, "path_stats[svc %u, backend %u, path %u]: missing", c->svc,
				c->backend, c->path);
		else
			tb_check_counters(&r.b.path, &r.a.path, "path_stats", c->data, c->hb,
					  r.io.info.ip_len, r.t0, r.t1, &r.f);
		if (c->assoc) {
			if (!r.a.have_assoc) {
				tb_fail(&r.f, "assocs[%#x]: missing", c->assoc);
			} else {
				tb_check_assoc_path(&r.b.assoc, &r.a.assoc, c->path, &r.io.info.src,
						    c->data, c->hb, r.io.info.ip_len, r.t0, r.t1,
						    &r.f);
				if (r.a.assoc.seen < sctplb_stamp(r.t0) ||
				    r.a.assoc.seen > sctplb_stamp(r.t1))
					tb_fail(&r.f, "assoc seen not stamped by this packet");
			}
		}
	}

	if (r.f.len) {
		printf("FAIL %s: %s: %s\n", scenario, c->name, r.f.msg);
		return false;
	}
	printf("PASS %s: %s\n", scenario, c->name);
	return true;
}

int main(void)
{
	int rc;

	if (getenv("SCTPLB_TEST_PCAP"))
		DUMP = pcapio_dump_open(getenv("SCTPLB_TEST_PCAP"));
	rc = tb_run("datapath", &FX, setup_scenario, SCENARIOS,
		    sizeof(SCENARIOS) / sizeof(SCENARIOS[0]), sizeof(struct tcase), run_case);
	if (DUMP)
		pcapio_dump_close(DUMP);
	return rc;
}
