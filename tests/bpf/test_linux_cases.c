/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_linux_cases: what the Linux kernel's SCTP does differently from
 * usrsctp and matters to the forwarder and the agent, played from the frames
 * of the captures made in the VMs of tests/vm (tests/captures/linux-vm-*.pcap;
 * tests/captures/linux-vm-differences.md says what each shows and where).
 * test_replay runs the one-association captures whole against its general
 * invariants; here each case takes the frames that show one difference,
 * first checks that the capture does show it (so the case cannot silently
 * test nothing if the captures are made again), then what sctplb does with
 * it:
 *
 *   INIT address lists (linux-vm-client frame 1, linux-vm-mixed frame 1):
 *     addresses first, the source first, no AUTH; one handshake entry per
 *     listed address, of either family, so that the COOKIE-ECHO may come
 *     from any of them.
 *   A packet of a known association on path B from path A's address (the
 *     client's address per path is its route's choice): forwarded by vtag to
 *     the backend's path-B address.
 *   SACK + a bundle of DATA after a failover: every DATA chunk counted.
 *   INIT-ACK with ECN and Forward-TSN after the State Cookie (linux-vm-server
 *     frame 2): learnt on the return path, the frame untouched.
 *   The two directions of one association on different paths
 *     (linux-vm-server): each packet on the path of its own VIP.
 *   INIT retransmitted with the same tag, then DATA bundled with the
 *     COOKIE-ECHO (linux-vm-cookie-data): the INIT's backend though the
 *     table changed, the association created by the COOKIE-ECHO, its DATA
 *     counted.
 *   Restart (linux-vm-restart): the INIT from the live association's address
 *     and port goes to its backend though the table changed; the new Ts
 *     (Linux picks a new Initiate Tag, RFC 9260 5.2.2) becomes an association
 *     on that backend.
 *   The agent (bpf/agent.bpf.c) on Linux's own packets: the captured INIT-ACK
 *     through sctplb_agent_egress gets a routable Initiate Tag and a right
 *     CRC32c, nothing else changes; the client's COOKIE-ECHO and its largest
 *     DATA bundle, carrying that tag, come out of sctplb_agent_ingress equal
 *     to the captured frames, byte for byte.
 *
 * The frames keep their captured addresses (documentation ranges; VIPs
 * 203.0.113.1 and .2, 2001:db8:f::b, which the fixture routes nowhere); only
 * the destination MAC is set to the fixture's interface.
 */
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pcapio.h"
#include "pkt.h"
#include "report.h"
#include "rtag.h"
#include "agent.skel.h"

#define SVC     1
#define MAXF    256
#define SID     77

#define VIP_A4  "203.0.113.1"
#define VIP_B4  "203.0.113.2"
#define VIP_B6  "2001:db8:f::b"

/* Backends as in test_replay: 1 answers through the ingress interface. */
static const char *const BE_44[][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "192.0.2.12" },
	[2] = { "198.51.100.12", "192.0.2.13" },
	[3] = { "192.0.2.14", "198.51.100.13" },
};
static const char *const BE_46[][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "2001:db8::12" },
	[2] = { "198.51.100.12", "2001:db8::13" },
	[3] = { "192.0.2.14", "2001:db8:1::13" },
};

static struct fx fx;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

/* ---- Captures ---- */

struct frame {
	uint8_t f[PKT_MAX];
	size_t len;
	size_t sctp;            /* offset of the SCTP common header */
	uint8_t family;
	uint8_t src[16], dst[16];
};

struct cap {
	const char *name;
	struct frame fr[MAXF];
	int n;
};

static struct cap cap;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int on_frame(void *arg, int index, const uint8_t *f, size_t len, int pkttype)
{
	struct cap *c = arg;
	struct frame *x;

	(void)index;
	(void)pkttype;
	if (c->n >= MAXF || len > PKT_MAX)
		return 1;
	x = &c->fr[c->n++];
	memcpy(x->f, f, len);
	x->len = len;
	if (len >= 34 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 132) {
		x->family = SCTPLB_AF_INET;
		memcpy(x->src, f + 26, 4);
		memcpy(x->dst, f + 30, 4);
		x->sctp = 14 + (f[14] & 15) * 4;
	} else if (len >= 54 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 132) {
		x->family = SCTPLB_AF_INET6;
		memcpy(x->src, f + 22, 16);
		memcpy(x->dst, f + 38, 16);
		x->sctp = 54;
	}
	return 0;
}

/* Loads a capture into cap; every frame must be SCTP over IP. */
static const char *cap_load(const char *name)
{
	char path[PATH_MAX + 64];
	int i, n;

	memset(&cap, 0, sizeof(cap));
	cap.name = name;
	snprintf(path, sizeof(path), "%s/%s", pcapio_captures_dir(), name);
	n = pcapio_read(path, on_frame, &cap);
	if (n < 0)
		return WHY("cannot read %.400s", path);
	if (n != cap.n)
		return WHY("%s: %d frames, more than the %d this test holds", name, n, MAXF);
	for (i = 0; i < cap.n; i++)
		if (!cap.fr[i].sctp)
			return WHY("%s frame %d: not SCTP over IPv4 or IPv6", name, i + 1);
	return NULL;
}

static uint8_t chunk0(const struct frame *x)
{
	return x->f[x->sctp + 12];
}

static uint32_t vtag(const struct frame *x)
{
	return be32(x->f + x->sctp + 4);
}

static bool addr_is(const struct frame *x, const uint8_t *a, const char *text)
{
	struct sctplb_addr t = pkt_addr(text);

	return t.family == x->family && !memcmp(a, t.addr, x->family == SCTPLB_AF_INET ? 4 : 16);
}

/* The path of the VIP the frame is sent to (to_service) or from, or -1. */
static int vip_path(const struct frame *x, const char *const *vips, int n, bool to_service)
{
	int i;

	for (i = 0; i < n; i++)
		if (addr_is(x, to_service ? x->dst : x->src, vips[i]))
			return i;
	return -1;
}

/* Chunks of the frame: how many of type t (-1: all). */
static int chunks(const struct frame *x, int t)
{
	size_t c = x->sctp + 12, end = x->len;
	int n = 0;

	if (x->family == SCTPLB_AF_INET)
		end = 14 + (x->f[16] << 8 | x->f[17]);
	while (c + 4 <= end) {
		size_t clen = x->f[c + 2] << 8 | x->f[c + 3];

		if (clen < 4)
			break;
		if (t < 0 || x->f[c] == t)
			n++;
		c += (clen + 3) & ~3u;
	}
	return n;
}

/* The end of the frame's SCTP packet (IPv4 total length, IPv6 payload length). */
static size_t sctp_end(const struct frame *x)
{
	return x->family == SCTPLB_AF_INET ? 14 + (x->f[16] << 8 | x->f[17])
					   : 54 + (x->f[18] << 8 | x->f[19]);
}

/*
 * The INIT or INIT-ACK parameters of the frame's first chunk, in order:
 * types into t[], up to max; returns their number.  The State Cookie's
 * length in *cookie_len when present.
 */
static int init_params(const struct frame *x, uint16_t *t, int max, size_t *cookie_len)
{
	size_t c = x->sctp + 12, clen = x->f[c + 2] << 8 | x->f[c + 3], p = c + 20;
	int n = 0;

	while (p + 4 <= c + clen && n < max) {
		size_t plen = x->f[p + 2] << 8 | x->f[p + 3];

		if (plen < 4)
			break;
		t[n++] = x->f[p] << 8 | x->f[p + 1];
		if (t[n - 1] == 7 && cookie_len)
			*cookie_len = plen - 4;
		p += (plen + 3) & ~3u;
	}
	return n;
}

/* ---- The forwarder ---- */

struct out {
	uint32_t verdict;
	struct sctplb_decision d;
	uint64_t delta[SCTPLB_STAT_MAX];
	uint8_t f[PKT_MAX];
	size_t len;
};

/* One captured frame through sctplb_xdp (to_service) or sctplb_tc_return. */
static const char *run(struct frame *x, bool to_service, struct out *o)
{
	uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	int i, err;

	memcpy(x->f, to_service ? fx.mac_in : fx.mac_out, 6);
	fx_stats(&fx, s0);
	fx_decision_clear(&fx);
	err = to_service ? fx_run(&fx, x->f, x->len, o->f, &o->len, &o->verdict)
			 : fx_run_tc(&fx, fx.prog_tc_return, fx.if_out, x->f, x->len, o->f, &o->len,
				     &o->verdict);
	if (err)
		return "BPF_PROG_TEST_RUN failed";
	fx_stats(&fx, s1);
	fx_decision(&fx, &o->d);
	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		o->delta[i] = s1[i] - s0[i];
	return NULL;
}

static bool forwarded(const struct out *o)
{
	return o->verdict == XDP_TX || o->verdict == XDP_REDIRECT;
}

/* The frame to the service forwarded to backend be on path, as a forwarder does. */
static const char *expect_fwd(struct frame *x, uint32_t be, int path, struct out *o)
{
	const char *err = run(x, true, o);

	if (err)
		return err;
	if (!forwarded(o))
		return WHY("%s, reason %s: expected forwarded", fx_verdict_name(o->verdict),
			   fx_stat_name(o->d.reason));
	if (o->d.backend_id != be || o->d.path != path)
		return WHY("backend %u path %u (%s), expected backend %u path %d", o->d.backend_id,
			   o->d.path, fx_stat_name(o->d.reason), be, path);
	return NULL;
}

/* A server frame through the return path: untouched, found on backend be. */
static const char *expect_ret(struct frame *x, uint32_t be, int path, struct out *o)
{
	const char *err = run(x, false, o);

	if (err)
		return err;
	if (o->verdict != TC_ACT_OK || o->len != x->len || memcmp(o->f, x->f, x->len))
		return WHY("%s%s: expected TC_ACT_OK, the frame unchanged", fx_tc_verdict_name(o->verdict),
			   o->len != x->len || memcmp(o->f, x->f, x->len) ? ", changed" : "");
	if (o->d.backend_id != be || o->d.path != path)
		return WHY("backend %u path %u (%s), expected backend %u path %d", o->d.backend_id,
			   o->d.path, fx_stat_name(o->d.reason), be, path);
	return NULL;
}

/*
 * The service of a case.  sctplb is loaded once for all of them (a load is a
 * verification: seconds on a loaded machine); between cases the learnt state
 * is emptied.  Each capture has its own server port, so the services of the
 * earlier cases (same id) match none of its packets.
 */
static const char *configure(uint16_t port, const char *const *vips, int nvips,
			     const char *const (*bes)[SCTPLB_MAX_PATHS], uint32_t table_be)
{
	int state[] = { fx.handshakes, fx.client_index, fx.assocs, fx.assoc_ctags, fx.pending,
			fx.pending_ctags, fx.path_stats };
	uint32_t id;
	size_t i;

	if (!fx.skel && fx_load(&fx))
		return "load";
	for (i = 0; i < sizeof(state) / sizeof(state[0]); i++)
		fx_clear(state[i]);
	if (fx_service(&fx, SVC, port, vips, nvips, 0))
		return "service";
	for (id = 1; id <= 3; id++)
		if (fx_backend(&fx, id, SVC, SCTPLB_BE_F_ACTIVE, bes[id]))
			return "backend";
	return fx_table_all(&fx, SVC, table_be) ? "Maglev table" : NULL;
}

static bool handshake_of(uint16_t cport, const char *addr, struct sctplb_handshake *hs)
{
	struct sctplb_client_key k = fx_client_key(SVC, htons(cport), addr);

	return !fx_handshake_lookup(&fx, &k, hs);
}

/* "frame N (chunk T): err" (err may be in why itself). */
static const char *at(int i, const char *err)
{
	char tmp[sizeof(why) - 32];

	snprintf(tmp, sizeof(tmp), "%s", err);
	return WHY("frame %d (chunk %u): %.*s", i + 1, chunk0(&cap.fr[i]), (int)sizeof(tmp) - 1, tmp);
}

/* Replays frames [from, to) in order, each on the path of its VIP, every
 * client frame expected on backend be; returns the first failure. */
static const char *replay(int from, int to, const char *const *vips, int nvips, uint32_t be)
{
	struct out o;
	int i, p;

	for (i = from; i < to && i < cap.n; i++) {
		struct frame *x = &cap.fr[i];
		const char *err;

		p = vip_path(x, vips, nvips, true);
		if (p >= 0) {
			err = expect_fwd(x, be, p, &o);
		} else {
			p = vip_path(x, vips, nvips, false);
			if (p < 0)
				return WHY("frame %d: neither to nor from a VIP", i + 1);
			err = expect_ret(x, be, p, &o);
		}
		if (err)
			return at(i, err);
	}
	return NULL;
}

static int find(int from, bool (*pred)(const struct frame *))
{
	int i;

	for (i = from; i < cap.n; i++)
		if (pred(&cap.fr[i]))
			return i;
	return -1;
}

static bool is_init(const struct frame *x) { return chunk0(x) == CT_INIT; }
static bool is_init_ack(const struct frame *x) { return chunk0(x) == CT_INIT_ACK; }
static bool is_cookie(const struct frame *x) { return chunk0(x) == CT_COOKIE_ECHO; }

/* ---- Cases ---- */

/* linux-vm-client: a Linux client, 192.0.2.3 + 198.51.100.3 port 41000. */
static void linux_client(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B4 };
	const char *err = cap_load("linux-vm-client.pcap");
	struct sctplb_handshake ha, hb;
	struct out o;
	uint16_t t[16];
	int n = 0, i, ce, best = -1, most = 0;

	if (!err && !is_init(&cap.fr[0]))
		err = "frame 1 is not the INIT";
	if (!err) {
		n = init_params(&cap.fr[0], t, 16, NULL);
		/* The capture's shape: IPv4 addresses first, the source first, no
		 * AUTH parameters (Random 0x8002, HMAC 0x8004, Chunk List 0x8003). */
		if (n < 3 || t[0] != 5 || t[1] != 5)
			err = WHY("INIT parameters %#x %#x ...: expected two IPv4 addresses first", t[0], t[1]);
		for (i = 0; !err && i < n; i++)
			if (t[i] == 0x8002 || t[i] == 0x8003 || t[i] == 0x8004)
				err = "an AUTH parameter in the Linux INIT (auth_enable=1?)";
	}
	if (!err) {
		const uint8_t *a = cap.fr[0].f + cap.fr[0].sctp + 12 + 20 + 4;

		if (memcmp(a, cap.fr[0].src, 4))
			err = "the INIT's first address is not its source";
	}
	if (!err)
		err = configure(36412, vips, 2, BE_44, 2);
	if (!err)
		err = expect_fwd(&cap.fr[0], 2, 0, &o);
	if (!err && (!handshake_of(41000, "192.0.2.3", &ha) || !handshake_of(41000, "198.51.100.3", &hb)))
		err = "no handshake entry for each address of the INIT";
	if (!err && (ha.backend_id != 2 || hb.backend_id != 2 || ha.ctag != be32(cap.fr[0].f + cap.fr[0].sctp + 16)))
		err = WHY("handshakes: backends %u and %u, Tc %#x: expected backend 2 and the INIT's tag",
			  ha.backend_id, hb.backend_id, ha.ctag);
	tr_result("linux client INIT: addresses first, source first, no AUTH: a handshake entry per address", err);

	/* The handshake, then a packet of the association on path B from path
	 * A's address (each path's source is Linux's route choice). */
	ce = find(0, is_cookie);
	err = ce < 0 ? "no COOKIE-ECHO" : replay(1, ce + 2, vips, 2, 2);
	if (!err) {
		static struct frame y;
		int k = -1;
		uint16_t sum;
		uint32_t s = 0;

		for (i = ce + 2; i < cap.n && k < 0; i++)
			if (vip_path(&cap.fr[i], vips, 2, true) == 0 && chunks(&cap.fr[i], CT_DATA) > 0)
				k = i;
		if (k < 0) {
			err = "no DATA on path A from the client";
		} else {
			y = cap.fr[k];
			memcpy(y.f + 30, pkt_addr(VIP_B4).addr, 4);
			memcpy(y.dst, y.f + 30, 4);
			y.f[24] = y.f[25] = 0;
			for (i = 0; i < 20; i += 2)
				s += y.f[14 + i] << 8 | y.f[15 + i];
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			sum = ~s;
			y.f[24] = sum >> 8;
			y.f[25] = sum & 0xff;
			err = expect_fwd(&y, 2, 1, &o);
			if (!err) {
				struct fx_nexthop nh;

				if (!fx_nexthop(BE_44[2][1], &nh) || memcmp(o.f, nh.mac, 6))
					err = "not to the backend's path-B next hop";
			}
		}
	}
	tr_result("linux client: DATA of the association from path A's address to VIP B: backend's path B",
		  err);

	/* The rest of the capture; the client frame with the most DATA. */
	for (i = ce + 2; !err && i < cap.n; i++) {
		struct frame *x = &cap.fr[i];
		int p = vip_path(x, vips, 2, true);

		if (p >= 0 && chunks(x, CT_DATA) > most) {
			most = chunks(x, CT_DATA);
			best = i;
		}
		if (p >= 0) {
			err = expect_fwd(x, 2, p, &o);
			if (!err && o.delta[SCTPLB_STAT_DATA_CHUNKS] != (uint64_t)chunks(x, CT_DATA))
				err = WHY("%d DATA chunks, data_chunks +%llu", chunks(x, CT_DATA),
					  (unsigned long long)o.delta[SCTPLB_STAT_DATA_CHUNKS]);
		} else {
			err = expect_ret(x, 2, vip_path(x, vips, 2, false), &o);
		}
		if (err)
			err = at(i, err);
	}
	if (!err && most < 5)
		err = WHY("the largest client bundle has %d DATA chunks: the capture shows no failover bundle", most);
	tr_report(!err, "linux client: SACK + DATA bundles, up to the failover's: every DATA chunk counted", "%s",
		  err ? err : WHY("frame %d, %d DATA chunks", best + 1, most));
}

/* linux-vm-mixed: path A IPv4, path B IPv6, from an AF_INET6 socket. */
static void linux_mixed(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B6 };
	const char *err = cap_load("linux-vm-mixed.pcap");
	struct sctplb_handshake h6;
	struct out o;
	uint16_t t[16];
	int n, i, v4 = 0, v6 = 0;

	if (!err && !is_init(&cap.fr[0]))
		err = "frame 1 is not the INIT";
	if (!err) {
		n = init_params(&cap.fr[0], t, 16, NULL);
		for (i = 0; i < n; i++) {
			v4 += t[i] == 5;
			v6 += t[i] == 6;
		}
		if (cap.fr[0].family != SCTPLB_AF_INET || v4 != 1 || v6 != 1)
			err = WHY("INIT over IPv%d with %d IPv4 and %d IPv6 addresses: expected IPv4, one each",
				  cap.fr[0].family == SCTPLB_AF_INET ? 4 : 6, v4, v6);
	}
	if (!err)
		err = configure(36413, vips, 2, BE_46, 3);
	if (!err)
		err = expect_fwd(&cap.fr[0], 3, 0, &o);
	if (!err && (!handshake_of(41200, "2001:db8:b::3", &h6) || h6.backend_id != 3))
		err = "no handshake entry on backend 3 for the IPv6 address the IPv4 INIT lists";
	if (!err)
		err = replay(1, cap.n, vips, 2, 3);
	tr_result("linux mixed: an IPv4 INIT listing an IPv6 address; path B over IPv6 to the backend's IPv6 address",
		  err);
}

/* linux-vm-server: a Linux server on both VIPs, port 3868. */
static void linux_server(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B4 };
	const char *err = cap_load("linux-vm-server.pcap");
	struct sctplb_assoc_key k;
	struct sctplb_assoc a;
	struct out o;
	uint16_t t[16];
	size_t cookie = 0;
	int n = 0, i, ia = -1, last_srv_a = -1, last_cli_b = -1;

	if (!err && (ia = find(0, is_init_ack)) < 0)
		err = "no INIT-ACK";
	if (!err) {
		n = init_params(&cap.fr[ia], t, 16, &cookie);
		for (i = 0; i < n && t[i] != 7; i++)
			;
		if (i >= n - 1)
			err = "the State Cookie is the INIT-ACK's last parameter: not the Linux shape";
	}
	if (!err)
		err = configure(3868, vips, 2, BE_44, 1);
	if (!err)
		err = replay(0, ia, vips, 2, 1);
	if (!err)
		err = expect_ret(&cap.fr[ia], 1, 0, &o);
	if (!err && o.d.reason != SCTPLB_STAT_RET_INIT_ACK)
		err = WHY("reason %s, expected ret_init_ack", fx_stat_name(o.d.reason));
	if (!err) {
		uint16_t sp, cp;

		memcpy(&sp, cap.fr[ia].f + cap.fr[ia].sctp, 2);
		memcpy(&cp, cap.fr[ia].f + cap.fr[ia].sctp + 2, 2);
		k = fx_assoc_key(SVC, be32(cap.fr[ia].f + cap.fr[ia].sctp + 16), cp, sp);
		if (fx_assoc_lookup(&fx, &k, &a, NULL) || a.backend_id != 1)
			err = "the INIT-ACK's Initiate Tag is not learnt on backend 1";
	}
	tr_report(!err, "linux server INIT-ACK: ECN and Forward-TSN after the State Cookie: learnt, untouched",
		  "%s", err ? err : WHY("%d parameters, cookie %zu bytes", n, cookie));

	/* The directions apart: the server back on A while the client stays on B. */
	for (i = ia + 1; i < cap.n; i++) {
		struct frame *x = &cap.fr[i];

		if (!chunks(x, CT_DATA))
			continue;
		if (vip_path(x, vips, 2, false) == 0)
			last_srv_a = i;
		if (vip_path(x, vips, 2, true) == 1)
			last_cli_b = i;
	}
	if (!err && (last_srv_a < 0 || last_cli_b < 0))
		err = "the capture shows no server DATA on A with client DATA on B";
	if (!err)
		err = replay(ia + 1, cap.n, vips, 2, 1);
	tr_report(!err, "linux server: the two directions on different paths, each packet on its VIP's path",
		  "%s", err ? err : WHY("server DATA on A at frame %d, client DATA on B at frame %d",
					last_srv_a + 1, last_cli_b + 1));
}

/* linux-vm-cookie-data: INIT retransmitted, COOKIE-ECHO + DATA. */
static void linux_cookie_data(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B4 };
	const char *err = cap_load("linux-vm-cookie-data.pcap");
	struct out o;
	int i1 = -1, i2 = -1, ce = -1;

	if (!err) {
		i1 = find(0, is_init);
		i2 = i1 < 0 ? -1 : find(i1 + 1, is_init);
		ce = find(0, is_cookie);
	}
	if (!err && (i2 < 0 || ce < 0 || ce < i2))
		err = "expected two INITs, then the COOKIE-ECHO";
	if (!err && be32(cap.fr[i1].f + cap.fr[i1].sctp + 16) != be32(cap.fr[i2].f + cap.fr[i2].sctp + 16))
		err = "the retransmitted INIT has another Initiate Tag";
	if (!err && (chunks(&cap.fr[ce], -1) < 2 || chunks(&cap.fr[ce], CT_DATA) < 1))
		err = "the COOKIE-ECHO carries no DATA";
	if (!err)
		err = configure(36412, vips, 2, BE_44, 1);
	if (!err)
		err = replay(0, i2, vips, 2, 1);
	/* Another table now: only the handshake can keep the INIT on backend 1. */
	if (!err && fx_table_all(&fx, SVC, 3))
		err = "table";
	if (!err)
		err = expect_fwd(&cap.fr[i2], 1, vip_path(&cap.fr[i2], vips, 2, true), &o);
	/* The INIT-ACK seen on the return path indexed the client (client_index):
	 * the retransmission is then taken as a restart; before it, as a
	 * retransmission.  Either keeps the handshake's backend. */
	if (!err && o.delta[SCTPLB_STAT_INIT_RETRANSMIT] + o.delta[SCTPLB_STAT_INIT_RESTART] != 1)
		err = "neither init_retransmit nor init_restart +1";
	tr_report(!err, "linux INIT retransmitted with the same tag: its first backend, though the table changed",
		  "%s", err ? err : o.delta[SCTPLB_STAT_INIT_RESTART] ? "by client_index (init_restart)"
								 : "by the handshake (init_retransmit)");
	if (!err)
		err = replay(i2 + 1, ce, vips, 2, 1);
	if (!err)
		err = expect_fwd(&cap.fr[ce], 1, vip_path(&cap.fr[ce], vips, 2, true), &o);
	if (!err && (o.delta[SCTPLB_STAT_COOKIE_ECHO] != 1 || o.delta[SCTPLB_STAT_DATA_CHUNKS] !=
		     (uint64_t)chunks(&cap.fr[ce], CT_DATA)))
		err = WHY("cookie_echo +%llu, data_chunks +%llu: expected 1 and %d",
			  (unsigned long long)o.delta[SCTPLB_STAT_COOKIE_ECHO],
			  (unsigned long long)o.delta[SCTPLB_STAT_DATA_CHUNKS], chunks(&cap.fr[ce], CT_DATA));
	if (!err) {
		struct sctplb_assoc_key k;
		struct sctplb_assoc a;
		uint16_t cp, sp;

		memcpy(&cp, cap.fr[ce].f + cap.fr[ce].sctp, 2);
		memcpy(&sp, cap.fr[ce].f + cap.fr[ce].sctp + 2, 2);
		k = fx_assoc_key(SVC, vtag(&cap.fr[ce]), cp, sp);
		if (fx_assoc_lookup(&fx, &k, &a, NULL) || a.backend_id != 1)
			err = "no association on backend 1 for the COOKIE-ECHO's tag";
	}
	if (!err)
		err = replay(ce + 1, cap.n, vips, 2, 1);
	tr_result("linux COOKIE-ECHO + DATA: the cookie's backend, the association made, the DATA counted", err);
}

/* linux-vm-restart: the client restarts from the same address and port. */
static void linux_restart(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B4 };
	const char *err = cap_load("linux-vm-restart.pcap");
	struct out o;
	int i1 = -1, i2 = -1, c1 = -1, c2 = -1;
	uint32_t ts1 = 0, ts2 = 0;

	if (!err) {
		i1 = find(0, is_init);
		i2 = i1 < 0 ? -1 : find(i1 + 1, is_init);
		c1 = find(0, is_cookie);
		c2 = c1 < 0 ? -1 : find(c1 + 1, is_cookie);
	}
	if (!err && (i2 < 0 || c2 < i2 || c1 > i2))
		err = "expected INIT, COOKIE-ECHO, then the restart's INIT and COOKIE-ECHO";
	if (!err) {
		ts1 = vtag(&cap.fr[c1]);
		ts2 = vtag(&cap.fr[c2]);
		if (ts1 == ts2)
			err = "the restart kept Ts: not what Linux does";
		else if (memcmp(cap.fr[i1].f + cap.fr[i1].sctp, cap.fr[i2].f + cap.fr[i2].sctp, 4) ||
			 memcmp(cap.fr[i1].src, cap.fr[i2].src, 4))
			err = "the restart's INIT is not from the same address and ports";
	}
	if (!err)
		err = configure(3868, vips, 2, BE_44, 2);
	if (!err)
		err = replay(0, i2, vips, 2, 2);
	if (!err && fx_table_all(&fx, SVC, 3))
		err = "table";
	if (!err)
		err = expect_fwd(&cap.fr[i2], 2, vip_path(&cap.fr[i2], vips, 2, true), &o);
	if (!err && o.delta[SCTPLB_STAT_INIT_RESTART] != 1)
		err = "init_restart not +1";
	tr_report(!err, "linux restart: the INIT from the live association's address and port: its backend",
		  "%s", err ? err : WHY("old Ts %#x", ts1));
	if (!err)
		err = replay(i2 + 1, cap.n, vips, 2, 2);
	if (!err) {
		struct sctplb_assoc_key k;
		struct sctplb_assoc a;
		uint16_t cp, sp;

		memcpy(&cp, cap.fr[c2].f + cap.fr[c2].sctp, 2);
		memcpy(&sp, cap.fr[c2].f + cap.fr[c2].sctp + 2, 2);
		k = fx_assoc_key(SVC, ts2, cp, sp);
		if (fx_assoc_lookup(&fx, &k, &a, NULL) || a.backend_id != 2)
			err = WHY("no association on backend 2 for the new Ts %#x", ts2);
	}
	tr_report(!err, "linux restart: the new Ts becomes an association on the same backend, every later packet follows",
		  "%s", err ? err : WHY("new Ts %#x", ts2));
}

/* ---- The agent on Linux's packets ---- */

static struct sctplb_agent *ag;
static struct sctplb_rtag_key key;

static const char *agent_setup(const char *const *vips, int n, uint16_t port)
{
	static const uint8_t k[16] = "linux-cases-key!";
	struct sctplb_agent_config c = { .server_id = SID, .flags = SCTPLB_RTAG_F_ON };
	char e[128];
	__u32 zero = 0;
	int i;

	ag = sctplb_agent__open_and_load();
	if (!ag)
		return "cannot load the agent";
	if (lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &key, e, sizeof(e)))
		return "key";
	c.key = key;
	if (bpf_map_update_elem(bpf_map__fd(ag->maps.agent_config), &zero, &c, BPF_ANY))
		return "agent_config";
	for (i = 0; i < n; i++) {
		struct sctplb_addr a = pkt_addr(vips[i]);
		struct sctplb_vip_key vk = { .port = htons(port), .proto = 132, .family = a.family };
		struct sctplb_service sv = { .id = 1, .sctp_port = htons(port), .path = i };

		memcpy(vk.addr, a.addr, 16);
		if (bpf_map_update_elem(bpf_map__fd(ag->maps.services), &vk, &sv, BPF_ANY))
			return "services";
	}
	return NULL;
}

static uint64_t agent_stat(int s)
{
	uint64_t v[fx.ncpus ? fx.ncpus : 1], t = 0;
	__u32 k = s;
	int c;

	if (!bpf_map_lookup_elem(bpf_map__fd(ag->maps.stats), &k, v))
		for (c = 0; c < fx.ncpus; c++)
			t += v[c];
	return t;
}

static const char *agent_run(bool egress, const uint8_t *in, size_t len, uint8_t *out, size_t *olen)
{
	int prog = bpf_program__fd(egress ? ag->progs.sctplb_agent_egress : ag->progs.sctplb_agent_ingress);
	uint32_t verdict;

	if (fx_run_tc(&fx, prog, fx.if_in, in, len, out, olen, &verdict))
		return "BPF_PROG_TEST_RUN failed";
	if (verdict != TC_ACT_OK || *olen != len)
		return WHY("verdict %u, length %zu: expected TC_ACT_OK and %zu bytes", verdict, *olen, len);
	return NULL;
}

static void linux_agent(void)
{
	static const char *const vips[] = { VIP_A4, VIP_B4 };
	static uint8_t out[PKT_MAX], in[PKT_MAX];
	const char *err = cap_load("linux-vm-server.pcap");
	size_t olen, i, ts_off = 0;
	uint32_t ts = 0, rt = 0;
	uint64_t n0;
	int ia = -1, ce = -1, big = -1, most = 0, k;

	if (!err) {
		ia = find(0, is_init_ack);
		ce = find(0, is_cookie);
		if (ia < 0 || ce < 0)
			err = "no INIT-ACK or COOKIE-ECHO";
	}
	if (!err)
		err = agent_setup(vips, 2, 3868);
	if (!err) {
		struct frame *x = &cap.fr[ia];

		ts_off = x->sctp + 16;
		ts = be32(x->f + ts_off);
		if (!pkt_sctp_crc_ok(x->f + x->sctp, sctp_end(x) - x->sctp))
			err = "the captured INIT-ACK's CRC32c is wrong";
		else if (be32(x->f + x->sctp + 8) == 0)
			err = "the captured INIT-ACK's checksum field is 0 (left to the device)";
		n0 = agent_stat(SCTPLB_STAT_AGENT_INIT_ACK);
		if (!err)
			err = agent_run(true, x->f, x->len, out, &olen);
		if (!err) {
			rt = be32(out + ts_off);
			if (!pkt_sctp_crc_ok(out + x->sctp, sctp_end(x) - x->sctp))
				err = "CRC32c wrong after the rewrite";
			else if (rt == ts || !rt || sctplb_rtag_server(&key, rt) != SID)
				err = WHY("Initiate Tag %#x -> %#x: expected a routable tag of server %u", ts, rt, SID);
			else if (agent_stat(SCTPLB_STAT_AGENT_INIT_ACK) != n0 + 1 ||
				 agent_stat(SCTPLB_STAT_AGENT_CSUM_OFFLOAD))
				err = "agent_init_ack not +1, or the CRC32c taken as offloaded";
			for (i = 0; !err && i < olen; i++)
				if (out[i] != x->f[i] && !(i >= ts_off && i < ts_off + 4) &&
				    !(i >= x->sctp + 8 && i < x->sctp + 12))
					err = WHY("byte %zu changed besides the tag and the CRC32c", i);
		}
	}
	tr_report(!err, "agent: the Linux INIT-ACK (cookie not last) through egress: a routable tag, CRC32c right",
		  "%s", err ? err : WHY("Ts %#x -> T' %#x", ts, rt));

	/* The client's packets carrying T': back to the captured bytes. */
	for (k = ce + 1; !err && k < cap.n; k++)
		if (vip_path(&cap.fr[k], vips, 2, true) >= 0 && cap.fr[k].len > (size_t)most) {
			most = cap.fr[k].len;
			big = k;
		}
	for (k = 0; k < 2; k++) {
		int j = k ? big : ce;
		struct frame *x;

		if (!err && j < 0)
			err = "no client frame after the COOKIE-ECHO";
		if (err)
			break;
		x = &cap.fr[j];
		if (vtag(x) != ts)
			err = WHY("frame %d: vtag %#x, not the INIT-ACK's Ts", j + 1, vtag(x));
		if (!err) {
			memcpy(in, x->f, x->len);
			put32(in + x->sctp + 4, rt);
			pkt_sctp_set_crc(in + x->sctp, sctp_end(x) - x->sctp);
			err = agent_run(false, in, x->len, out, &olen);
		}
		if (!err && memcmp(out, x->f, x->len))
			err = WHY("frame %d with T' through ingress: not the captured frame again", j + 1);
		tr_report(!err, k ? "agent: the client's largest frame with T' through ingress: the captured bytes again"
				  : "agent: the client's COOKIE-ECHO with T' through ingress: the captured bytes again",
			  "%s", err ? err : WHY("frame %d, %zu bytes, %d chunks", j + 1, x->len, chunks(x, -1)));
	}
	sctplb_agent__destroy(ag);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(pcapio_captures_dir(), R_OK | X_OK)) {
		printf("FAIL linux cases: no captures folder %s: run from the repository's root or set SCTPLB_CAPTURES\n",
		       pcapio_captures_dir());
		return 1;
	}
	if (fx_netns_setup(&fx)) {
		printf("FAIL linux cases: fixture: no private network namespace\n");
		return 1;
	}
	fx.ncpus = libbpf_num_possible_cpus();
	linux_client();
	linux_mixed();
	linux_server();
	linux_cookie_data();
	linux_restart();
	linux_agent();
	if (fx.skel)
		fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
