/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_icmp_frag: ICMP errors and IP fragments (docs/datapath.md, "Parsing"),
 * through BPF_PROG_TEST_RUN on the loaded program.
 *
 * One association (client 203.0.113.100:40000, Tc = TC, Ts = TS) is set up on
 * backend 1 by a real INIT and COOKIE-ECHO; then the Maglev table is switched
 * to backend 2, so that a packet reaching backend 1 can only have been sent
 * there by the association, never by the hash.  Each case is {frame, verdict,
 * backend, final reason, event counter}; the output must be the input with
 * the next hop's MACs when forwarded, unchanged otherwise.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "pkt.h"

#define SVC   1
#define PORT  5000
#define ENCAP 9899
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define CLI4  "203.0.113.100"
#define CLI4B "203.0.113.101"
#define CLI6  "2001:db8:c::100"
#define OTHER "203.0.113.50"   /* a router on the way to the client */
#define TC    0x7c0000aau
#define TS    0x5e0000aau
#define TC2   0x7c0000bbu

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE[3][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "2001:db8:1::11" },     /* XDP_TX / XDP_REDIRECT */
	[2] = { "198.51.100.12", "2001:db8::12" },    /* XDP_REDIRECT / XDP_TX */
};

static struct fx fx;
static int failures;

/* A frame under construction: Ethernet, then IP. */
struct frame {
	uint8_t b[PKT_MAX];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	if (n & 1)
		s += p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static void eth(struct frame *f, bool v6)
{
	memcpy(f->b, fx.mac_in, 6);
	memcpy(f->b + 6, PKT_CLIENT_MAC, 6);
	put16(f->b + 12, v6 ? 0x86dd : 0x0800);
	f->len = 14;
}

/* IPv4 header at f->len: total length = 20 + plen. */
static void ipv4(struct frame *f, const char *src, const char *dst, uint8_t proto,
		 size_t plen, uint16_t id, uint16_t frag)
{
	uint8_t *ip = f->b + f->len;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, 20 + plen);
	put16(ip + 4, id);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	put16(ip + 10, csum(ip, 20));
	f->len += 20;
}

static void ipv6(struct frame *f, const char *src, const char *dst, uint8_t next, size_t plen)
{
	uint8_t *ip = f->b + f->len;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = next;
	ip[7] = 64;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	f->len += 40;
}

static void bytes(struct frame *f, const uint8_t *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

/* The IP packet of a built frame (from its IP header on). */
static size_t ip_packet(const struct pkt_spec *s, uint8_t *out)
{
	uint8_t frame[PKT_MAX];
	struct pkt_info info;

	if (pkt_build(s, fx.mac_in, frame, &info) < 0)
		exit(2);
	memcpy(out, frame + info.l3, info.len - info.l3);
	return info.len - info.l3;
}

/*
 * An ICMP(v6) error of the given type and code, sent from OTHER (or its IPv6
 * twin) to the quoted packet's source, quoting its first `quote` bytes.
 */
static void icmp_error(struct frame *f, bool v6, uint8_t type, uint8_t code,
		       const uint8_t *quoted, size_t qlen, size_t quote, const char *to)
{
	uint8_t icmp[8] = { type, code };

	if (quote > qlen)
		quote = qlen;
	eth(f, v6);
	if (v6)
		ipv6(f, "2001:db8:c::50", to, 58, 8 + quote);
	else
		ipv4(f, OTHER, to, 1, 8 + quote, 7, 0);
	if (type == 3 && code == 4 && !v6)
		put16(icmp + 6, 1400);          /* next-hop MTU */
	if (type == 2 && v6)
		icmp[6] = 0x05, icmp[7] = 0x78; /* MTU 1400 */
	bytes(f, icmp, 8);
	bytes(f, quoted, quote);
}

/* The association's packet from the backend to the client, as a reply. */
static size_t backend_packet(uint8_t *out, const char *vip, const char *client, uint32_t vtag,
			     uint8_t chunk, uint8_t flags, uint16_t udp)
{
	struct pkt_spec s = {
		.src = vip, .dst = client, .sport = PORT, .dport = CPORT, .vtag = vtag,
		.chunks = { CH(chunk, .flags = flags, .tag = TC2) },
		.udp_sport = udp, .udp_dport = udp,
	};
	return ip_packet(&s, out);
}

static void check(const char *name, const struct frame *f, uint32_t want_verdict,
		  uint32_t want_backend, uint8_t path, int want_reason, int event)
{
	uint64_t before[SCTPLB_STAT_MAX], after[SCTPLB_STAT_MAX];
	uint8_t out[PKT_MAX], want[PKT_MAX];
	struct sctplb_decision d;
	struct fx_nexthop nh;
	size_t out_len = 0;
	uint32_t verdict = 0;
	char why[512] = "";
	size_t w = 0;

	fx_stats(&fx, before);
	fx_decision_clear(&fx);
	if (fx_run(&fx, f->b, f->len, out, &out_len, &verdict)) {
		printf("FAIL %s: BPF_PROG_TEST_RUN failed\n", name);
		failures++;
		return;
	}
	fx_stats(&fx, after);
	fx_decision(&fx, &d);

	memcpy(want, f->b, f->len);
	if (want_verdict == XDP_TX || want_verdict == XDP_REDIRECT) {
		if (!fx_nexthop(BE[want_backend][path], &nh)) {
			printf("FAIL %s: fixture has no next hop for %s\n", name,
			       BE[want_backend][path]);
			failures++;
			return;
		}
		memcpy(want, nh.mac, 6);
		memcpy(want + 6, nh.out ? fx.mac_out : fx.mac_in, 6);
	}
#define WHY(...) (w += snprintf(why + w, sizeof(why) - w, __VA_ARGS__))
	if (verdict != want_verdict)
		WHY(" verdict %s, expected %s;", fx_verdict_name(verdict),
		    fx_verdict_name(want_verdict));
	if (out_len != f->len || memcmp(out, want, f->len))
		WHY(" output bytes differ;");
	if (d.backend_id != want_backend)
		WHY(" backend %u, expected %u;", d.backend_id, want_backend);
	if ((int)d.reason != want_reason)
		WHY(" reason %s, expected %s;", fx_stat_name(d.reason), fx_stat_name(want_reason));
	if (after[want_reason] != before[want_reason] + 1)
		WHY(" counter %s +%llu, expected +1;", fx_stat_name(want_reason),
		    (unsigned long long)(after[want_reason] - before[want_reason]));
	if (event >= 0 && after[event] != before[event] + 1)
		WHY(" counter %s +%llu, expected +1;", fx_stat_name(event),
		    (unsigned long long)(after[event] - before[event]));
	if (after[SCTPLB_STAT_RX] != before[SCTPLB_STAT_RX] + 1)
		WHY(" rx not +1;");
#undef WHY
	if (w) {
		printf("FAIL %s:%s\n", name, why);
		failures++;
	} else {
		printf("PASS %s\n", name);
	}
}

/* A client packet to the service through the program; must forward. */
static int client_packet(const struct pkt_spec *s)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	uint32_t verdict;
	size_t len;

	if (pkt_build(s, fx.mac_in, in, &info) < 0 ||
	    fx_run(&fx, in, info.len, out, &len, &verdict))
		return -1;
	return verdict == XDP_TX || verdict == XDP_REDIRECT ? 0 : -1;
}

static int setup(void)
{
	struct pkt_spec init = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .chunks = { CH_INIT(TC, CLI4, CLI6) } };
	struct pkt_spec cookie = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				   .vtag = TS, .chunks = { CH_COOKIE() } };
	struct pkt_spec init2 = { .src = CLI4B, .dst = VIP4, .sport = CPORT, .dport = PORT,
				  .chunks = { CH_INIT(TC2) } };

	if (fx_netns_setup(&fx) || fx_load(&fx) ||
	    fx_service(&fx, SVC, PORT, VIPS, 2, ENCAP) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE[1]) ||
	    fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE[2]) ||
	    fx_table_all(&fx, SVC, 1) || client_packet(&init) || client_packet(&cookie))
		return -1;
	/* From now on the hash says backend 2; a pending handshake of another
	 * client (Tc2) is on backend 2. */
	if (fx_table_all(&fx, SVC, 2) || client_packet(&init2))
		return -1;
	return 0;
}

static void icmp_cases(void)
{
	uint8_t q[PKT_MAX];
	struct frame f;
	size_t n;

	n = backend_packet(q, VIP4, CLI4, TC, CT_DATA, 3, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, VIP4);
	check("ICMP frag-needed quoting 8 bytes of the association's DATA: its backend",
	      &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX, SCTPLB_STAT_ICMP_ERROR);
	icmp_error(&f, false, 3, 1, q, n, n, VIP4);
	check("ICMP host unreachable quoting the whole packet: its backend",
	      &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX, SCTPLB_STAT_ICMP_ERROR);
	icmp_error(&f, false, 11, 0, q, n, 28, VIP4);
	check("ICMP time exceeded: its backend", &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX,
	      SCTPLB_STAT_ICMP_ERROR);

	n = backend_packet(q, VIP6, CLI6, TC, CT_SACK, 0, 0);
	icmp_error(&f, true, 2, 0, q, n, 48, VIP6);
	check("ICMPv6 packet too big on path 1 (IPv6): its backend, path 1",
	      &f, XDP_REDIRECT, 1, 1, SCTPLB_STAT_FWD_REDIRECT, SCTPLB_STAT_ICMP_ERROR);
	icmp_error(&f, true, 1, 3, q, n, n, VIP6);
	check("ICMPv6 address unreachable: its backend, path 1",
	      &f, XDP_REDIRECT, 1, 1, SCTPLB_STAT_FWD_REDIRECT, SCTPLB_STAT_ICMP_ERROR);

	n = backend_packet(q, VIP4, CLI4, TS, CT_ABORT, 1, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, VIP4);
	check("ICMP quoting the backend's T-bit ABORT (vtag Ts): its backend",
	      &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX, SCTPLB_STAT_ICMP_ERROR);

	n = backend_packet(q, VIP4, CLI4B, TC2, CT_INIT_ACK, 0, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, VIP4);
	check("ICMP quoting an INIT-ACK before the association: the handshake's backend",
	      &f, XDP_REDIRECT, 2, 0, SCTPLB_STAT_FWD_REDIRECT, SCTPLB_STAT_ICMP_ERROR);

	n = backend_packet(q, VIP4, CLI4, TC, CT_DATA, 3, ENCAP);
	icmp_error(&f, false, 3, 4, q, n, 20 + 8 + 8, VIP4);
	check("ICMP quoting SCTP over UDP from the encapsulation port: its backend",
	      &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX, SCTPLB_STAT_ICMP_ERROR);

	n = backend_packet(q, VIP4, CLI4, 0x0badbad0u, CT_DATA, 3, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, VIP4);
	check("ICMP quoting an unknown vtag: passed", &f, XDP_PASS, 0, 0,
	      SCTPLB_STAT_PASS_ICMP_UNKNOWN, -1);

	n = backend_packet(q, VIP4, CLI4, TC, CT_DATA, 3, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, "203.0.113.9");
	check("ICMP to an address that is not the quoted VIP: passed", &f, XDP_PASS, 0, 0,
	      SCTPLB_STAT_PASS_NOT_SERVICE, -1);

	n = backend_packet(q, "203.0.113.9", CLI4, TC, CT_DATA, 3, 0);
	icmp_error(&f, false, 3, 4, q, n, 28, VIP4);
	check("ICMP to the VIP quoting a packet from another source: passed", &f, XDP_PASS, 0,
	      0, SCTPLB_STAT_PASS_NOT_SERVICE, -1);

	icmp_error(&f, false, 8, 0, q, n, 28, VIP4);
	check("ICMP echo request to the VIP: passed", &f, XDP_PASS, 0, 0,
	      SCTPLB_STAT_PASS_NOT_SCTP, -1);

	n = backend_packet(q, VIP4, CLI4, TC, CT_DATA, 3, 0);
	icmp_error(&f, false, 3, 4, q, n, 24, VIP4);
	check("ICMP quoting 4 bytes of SCTP (no vtag): dropped as truncated", &f, XDP_DROP, 0,
	      0, SCTPLB_STAT_DROP_TRUNCATED, -1);
}

/*
 * A DATA packet of the association with a 600-byte body, split into IPv4
 * fragments at 256 bytes of IP payload: the first cuts the DATA chunk.
 */
static void frag_cases(void)
{
	struct pkt_spec s = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
			      .vtag = TS, .chunks = { CH_DATA(.body = 600) } };
	uint8_t ipkt[PKT_MAX];
	size_t n = ip_packet(&s, ipkt), cut = 256;
	struct frame f;

	eth(&f, false);
	ipv4(&f, CLI4, VIP4, 132, cut, 0x4242, 0x2000);
	bytes(&f, ipkt + 20, cut);
	check("IPv4 first fragment, DATA cut: classified, its backend", &f, XDP_TX, 1, 0,
	      SCTPLB_STAT_FWD_TX, SCTPLB_STAT_FRAG_FIRST);

	eth(&f, false);
	ipv4(&f, CLI4, VIP4, 132, n - 20 - cut, 0x4242, cut / 8);
	bytes(&f, ipkt + 20 + cut, n - 20 - cut);
	check("IPv4 later fragment: follows the first", &f, XDP_TX, 1, 0, SCTPLB_STAT_FWD_TX,
	      SCTPLB_STAT_FRAG_LATER);

	eth(&f, false);
	ipv4(&f, CLI4, VIP4, 132, n - 20 - cut, 0x4343, cut / 8);
	bytes(&f, ipkt + 20 + cut, n - 20 - cut);
	check("IPv4 later fragment before its first: to the kernel", &f, XDP_PASS, 0, 0,
	      SCTPLB_STAT_PASS_FRAGMENT, -1);

	eth(&f, false);
	ipv4(&f, CLI4, VIP4, 132, 100, 0x4444, 0);
	bytes(&f, ipkt + 20, 100);
	check("not a fragment, DATA cut: malformed", &f, XDP_DROP, 0, 0,
	      SCTPLB_STAT_DROP_CHUNK_LEN, -1);

	/* IPv6: fragment header (44), offset 0 with M, then offset with no M. */
	{
		struct pkt_spec s6 = s;
		uint8_t fh[8] = { 132, 0, 0, 1, 0x12, 0x34, 0x56, 0x78 };

		s6.src = CLI6;
		s6.dst = VIP6;
		n = ip_packet(&s6, ipkt);
		eth(&f, true);
		ipv6(&f, CLI6, VIP6, 44, 8 + cut);
		bytes(&f, fh, 8);
		bytes(&f, ipkt + 40, cut);
		check("IPv6 first fragment, DATA cut: classified, its backend, path 1", &f,
		      XDP_REDIRECT, 1, 1, SCTPLB_STAT_FWD_REDIRECT, SCTPLB_STAT_FRAG_FIRST);

		put16(fh + 2, cut); /* offset cut/8 in bits 15..3, M clear */
		eth(&f, true);
		ipv6(&f, CLI6, VIP6, 44, 8 + n - 40 - cut);
		bytes(&f, fh, 8);
		bytes(&f, ipkt + 40 + cut, n - 40 - cut);
		check("IPv6 later fragment: follows the first", &f, XDP_REDIRECT, 1, 1,
		      SCTPLB_STAT_FWD_REDIRECT, SCTPLB_STAT_FRAG_LATER);

		fh[7] = 0x79;
		eth(&f, true);
		ipv6(&f, CLI6, VIP6, 44, 8 + n - 40 - cut);
		bytes(&f, fh, 8);
		bytes(&f, ipkt + 40 + cut, n - 40 - cut);
		check("IPv6 later fragment of another datagram: to the kernel", &f, XDP_PASS, 0,
		      0, SCTPLB_STAT_PASS_FRAGMENT, -1);
	}
}

int main(void)
{
	if (setup()) {
		printf("FAIL icmp_frag setup: could not establish the association\n");
		return 1;
	}
	icmp_cases();
	frag_cases();
	fx_unload(&fx);
	return failures ? 1 : 0;
}
