/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_replay: real SCTP captures (tests/captures, README.md there: three
 * public ones from Linux and usrsctp, the usrsctp ones that
 * tests/captures/make-captures.sh makes, and the Linux kernel's, from the
 * VMs of tests/vm: linux-vm-*, all but linux-vm-restart, which holds two
 * associations, see test_linux_cases) through sctplb_xdp.  The folder is
 * $SCTPLB_CAPTURES, else tests/captures of the repository this program was
 * built in (found from its own path, build/tests/test_replay), else
 * tests/captures under the current directory.
 *
 * The captures use private and other addresses outside what the fixture
 * keeps for clients and VIPs; each is rewritten on load through ADDRS (IP
 * headers, INIT/INIT-ACK IPv4 and IPv6 address parameters; the IPv4 header
 * checksum and the SCTP CRC32c are recomputed, UDP checksums set to 0 over
 * IPv4 and recomputed over IPv6), so that no configuration holds anything
 * but documentation ranges, clients and VIPs in 203.0.113.0/24 and
 * 2001:db8:f::/48.  A service gets the capture's server addresses as its
 * VIPs (path = their order, IPv4 and IPv6 mixed as in the capture) and 3
 * backends, of the VIPs' families, with a real Maglev table
 * (maglev_build).  Every client->service packet runs through the XDP
 * program, every server->client packet through sctplb_tc_return (an skb
 * test run on the fixture's other interface), in capture order.
 *
 * Checked per capture: every frame is SCTP over IPv4 or IPv6, in UDP or
 * not; the CRC32c of every captured packet (the input is what a real stack
 * sent); every client->service packet is forwarded
 * (XDP_TX or XDP_REDIRECT) to one and the same backend, on the path of the
 * VIP it was sent to, with the MACs of that backend's next hop; the paths
 * the capture uses are all seen; every server packet is let through
 * unchanged (TC_ACT_OK) by the return path, an INIT-ACK is learnt (the
 * association (service, its Initiate Tag, ports) exists from then on, on the
 * backend that took the INIT, flagged SCTPLB_ASSOC_F_FROM_INIT_ACK; an
 * INIT-ACK answering a late INIT retransmission is the established
 * association's, and creates no other) and every
 * other server packet is found (RET_PKTS or CT_ENDED, the same backend, the
 * path of its VIP); the COOKIE-ECHO finds the learnt association; at the end
 * assoc_ctags (by the first INIT's tag) and client_index (by the address
 * the handshake completed from, the COOKIE-ECHO's source) name it, it is
 * CLOSING after its SHUTDOWN-COMPLETE, and no association is left
 * ESTABLISHED.
 */
#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pinned.h"
#include "maglev.h"
#include "pcapio.h"
#include "pkt.h"

#define SVC 1

struct addr_map {
	const char *capture, *test;
};

/* Capture address -> documentation address (clients and VIPs in
 * 203.0.113.0/24, which the fixture routes nowhere). */
static const struct addr_map ADDRS[] = {
	{ "192.168.1.1", "203.0.113.11" },      /* basic: server, path 0 */
	{ "192.168.4.1", "203.0.113.14" },      /* basic: server, path 1 */
	{ "192.168.2.221", "203.0.113.221" },   /* basic, udp: client */
	{ "192.168.6.221", "203.0.113.226" },   /* basic: client, 2nd address */
	{ "10.0.0.0", "203.0.113.10" },         /* udp: server */
	{ "192.168.3.221", "203.0.113.31" },    /* init-retransmit: server, path 0 */
	{ "192.168.4.221", "203.0.113.41" },    /* init-retransmit: server, path 1 */
	{ "11.0.2.2", "203.0.113.202" },        /* init-retransmit: client */
	/* usrsctp-* (make-captures.sh, the namespaces of tests/e2e/lib/topo.sh):
	 * the VIPs 203.0.113.1, 203.0.113.2, 2001:db8:f::b stay as they are. */
	{ "192.0.2.1", "203.0.113.101" },       /* client, path A */
	{ "198.51.100.1", "203.0.113.102" },    /* client, path B (IPv4) */
	{ "2001:db8:b::1", "2001:db8:f::102" }, /* client, path B (IPv6) */
	/* linux-vm-* (tests/vm/capture.sh): the Linux client VM. */
	{ "192.0.2.3", "203.0.113.103" },       /* Linux client, path A */
	{ "198.51.100.3", "203.0.113.104" },    /* Linux client, path B (IPv4) */
	{ "2001:db8:b::3", "2001:db8:f::103" }, /* Linux client, path B (IPv6) */
};

/* Backends: both paths IPv4; backend 1 answers through the ingress
 * interface (XDP_TX), 2 and 3 partly through the other one. */
static const char *const BACKENDS_44[][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "192.0.2.12" },
	[2] = { "198.51.100.12", "192.0.2.13" },
	[3] = { "192.0.2.14", "198.51.100.13" },
};

/* Path 0 IPv4, path 1 IPv6, the same mix of interfaces. */
static const char *const BACKENDS_46[][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "2001:db8::12" },
	[2] = { "198.51.100.12", "2001:db8::13" },
	[3] = { "192.0.2.14", "2001:db8:1::13" },
};

struct capture {
	const char *file;
	const char *vips[SCTPLB_MAX_PATHS];     /* test addresses, path order */
	int nvips;
	uint16_t port;                          /* the server's SCTP port */
	uint16_t encap_port;                    /* UDP encapsulation, 0 none */
	const char *const (*backends)[SCTPLB_MAX_PATHS]; /* [1..3], path order */
};

#define VIPS_44 { "203.0.113.1", "203.0.113.2" }, 2
static const struct capture CAPS[] = {
	{ "linux-multihomed-basic.pcap", { "203.0.113.11", "203.0.113.14" }, 2, 6000, 0,
	  BACKENDS_44 },
	{ "udp-encap-ipv4.pcap", { "203.0.113.10" }, 1, 6000, SCTPLB_UDP_ENCAP_PORT,
	  BACKENDS_44 },
	{ "init-retransmit-alternate-address.pcap", { "203.0.113.31", "203.0.113.41" }, 2,
	  7003, 0, BACKENDS_44 },
	/* Paths A IPv4 and B IPv6; HEARTBEATs on B both ways. */
	{ "usrsctp-multihomed-mixed.pcap", { "203.0.113.1", "2001:db8:f::b" }, 2, 5001, 0,
	  BACKENDS_46 },
	/* Both paths in UDP 9899. */
	{ "usrsctp-udp-encap.pcap", VIPS_44, 5000, SCTPLB_UDP_ENCAP_PORT, BACKENDS_44 },
	/* The first INIT, to path A, lost; the second to path B; the rest on both. */
	{ "usrsctp-init-retransmit.pcap", VIPS_44, 5000, 0, BACKENDS_44 },
	/* DATA on A, A cut: retransmissions and the rest of the DATA on B, the
	 * client's HEARTBEATs to A unanswered. */
	{ "usrsctp-failover.pcap", VIPS_44, 5000, 0, BACKENDS_44 },
	/* The Linux kernel's SCTP (tests/vm, tests/captures/linux-vm-differences.md).
	 * A Linux client to a usrsctp server: addresses first in its INIT, path
	 * A cut and restored, DATA bundles of up to 9 chunks, SHUTDOWN. */
	{ "linux-vm-client.pcap", VIPS_44, 36412, 0, BACKENDS_44 },
	/* A Linux server: State Cookie followed by ECN and Forward-TSN in its
	 * INIT-ACK; the two directions on different paths for a while. */
	{ "linux-vm-server.pcap", VIPS_44, 3868, 0, BACKENDS_44 },
	/* Implicit set-up: INIT retransmitted (same tag), DATA bundled with the
	 * COOKIE-ECHO. */
	{ "linux-vm-cookie-data.pcap", VIPS_44, 36412, 0, BACKENDS_44 },
	/* ncat on the wildcard address: the INIT-ACK lists the server's own
	 * interface addresses besides the VIPs. */
	{ "linux-vm-wildcard.pcap", VIPS_44, 7777, 0, BACKENDS_44 },
	/* Path A IPv4, path B IPv6 from the Linux client. */
	{ "linux-vm-mixed.pcap", { "203.0.113.1", "2001:db8:f::b" }, 2, 36413, 0, BACKENDS_46 },
};

/* Where a frame's IP addresses are, once rewritten. */
struct ipf {
	uint8_t family;                         /* SCTPLB_AF_INET or _INET6 */
	uint8_t *src, *dst;                     /* in the frame */
};

struct replay {
	struct fx *fx;
	const struct capture *cap;
	char err[512];                  /* first failure */
	bool crc_bad;
	int to_service, to_client, init_acks, paths_seen;
	uint32_t backend;               /* of the first forwarded packet */
	uint32_t ts;                    /* vtag of the first COOKIE-ECHO */
	uint32_t tc;                    /* Initiate Tag of the first INIT */
	uint8_t cfamily;                /* the first COOKIE-ECHO's source: the */
	uint8_t caddr[16];              /* address the handshake completed from */
	uint16_t cport, sport;          /* network order */
	bool shutdown_complete;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void failf(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void failf(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

static size_t addr_len(uint8_t family)
{
	return family == SCTPLB_AF_INET ? 4 : 16;
}

static bool map_addr(uint8_t *a, uint8_t family)
{
	size_t i;

	for (i = 0; i < sizeof(ADDRS) / sizeof(ADDRS[0]); i++) {
		struct sctplb_addr from = pkt_addr(ADDRS[i].capture);

		if (from.family == family && !memcmp(a, from.addr, addr_len(family))) {
			struct sctplb_addr to = pkt_addr(ADDRS[i].test);

			memcpy(a, to.addr, addr_len(family));
			return true;
		}
	}
	return false;
}

/*
 * Rewrites the addresses of an IPv4 or IPv6 frame (l3 at 14) in place;
 * returns the offset of the SCTP header, its length through *sctp_len and
 * where the addresses are through *ipf, or 0 when the frame is not SCTP
 * (possibly over UDP) over IPv4 or IPv6 (no extension header: the stacks
 * captured here send none).
 */
static size_t rewrite(struct replay *r, uint8_t *f, size_t len, size_t *sctp_len,
		      struct ipf *ipf)
{
	uint8_t *ip = f + 14, proto;
	size_t off, end, c, udp = 0;
	bool changed = false;

	if (len >= 34 && f[12] == 0x08 && f[13] == 0x00) {
		size_t ihl = (ip[0] & 15) * 4, tot = ip[2] << 8 | ip[3];
		uint16_t sum;

		if (14 + tot > len || ihl < 20 || ihl > tot)
			return 0;
		ipf->family = SCTPLB_AF_INET;
		ipf->src = ip + 12;
		ipf->dst = ip + 16;
		map_addr(ipf->src, ipf->family);
		map_addr(ipf->dst, ipf->family);
		ip[10] = ip[11] = 0;
		sum = pkt_csum_fold(pkt_csum_add(0, ip, ihl));
		ip[10] = sum >> 8;
		ip[11] = sum & 0xff;
		proto = ip[9];
		off = 14 + ihl;
		end = 14 + tot;
	} else if (len >= 54 && f[12] == 0x86 && f[13] == 0xdd) {
		end = 54 + (ip[4] << 8 | ip[5]);
		if (end > len)
			return 0;
		ipf->family = SCTPLB_AF_INET6;
		ipf->src = ip + 8;
		ipf->dst = ip + 24;
		map_addr(ipf->src, ipf->family);
		map_addr(ipf->dst, ipf->family);
		proto = ip[6];
		off = 54;
	} else {
		return 0;
	}
	if (proto == 17) {
		if (off + 8 > end)
			return 0;
		udp = off;
		f[off + 6] = f[off + 7] = 0;    /* UDP checksum: none (IPv4), below (IPv6) */
		off += 8;
	} else if (proto != 132) {
		return 0;
	}
	*sctp_len = end - off;
	if (!pkt_sctp_crc_ok(f + off, end - off)) {
		r->crc_bad = true;
		failf(r, "captured packet with a bad CRC32c");
	}
	/* INIT and INIT-ACK address parameters. */
	for (c = off + 12; c + 4 <= end;) {
		size_t clen = f[c + 2] << 8 | f[c + 3], p;

		if (clen < 4)
			break;
		if ((f[c] == CT_INIT || f[c] == CT_INIT_ACK) && clen >= 20) {
			for (p = c + 20; p + 4 <= c + clen;) {
				size_t plen = f[p + 2] << 8 | f[p + 3];

				if (plen < 4)
					break;
				if ((f[p] << 8 | f[p + 1]) == 5 && plen == 8)
					changed |= map_addr(f + p + 4, SCTPLB_AF_INET);
				if ((f[p] << 8 | f[p + 1]) == 6 && plen == 20)
					changed |= map_addr(f + p + 4, SCTPLB_AF_INET6);
				p += (plen + 3) & ~3u;
			}
		}
		c += (clen + 3) & ~3u;
	}
	if (changed)
		pkt_sctp_set_crc(f + off, end - off);
	if (udp && ipf->family == SCTPLB_AF_INET6) {
		/* Mandatory over IPv6 (RFC 8200 8.1): pseudo-header, then UDP. */
		uint8_t ph[8] = { 0, 0, (end - udp) >> 8, (end - udp) & 0xff, 0, 0, 0, 17 };
		uint16_t sum = pkt_csum_fold(pkt_csum_add(pkt_csum_add(pkt_csum_add(0, ipf->src, 32), ph, 8),
						  f + udp, end - udp));

		if (!sum)
			sum = 0xffff;
		f[udp + 6] = sum >> 8;
		f[udp + 7] = sum & 0xff;
	}
	return off;
}

static int vip_path(const struct capture *cap, const struct ipf *ipf, const uint8_t *a)
{
	int i;

	for (i = 0; i < cap->nvips; i++) {
		struct sctplb_addr v = pkt_addr(cap->vips[i]);

		if (v.family == ipf->family && !memcmp(v.addr, a, addr_len(v.family)))
			return i;
	}
	return -1;
}

/*
 * Server -> client: sctplb_tc_return, where the backends' traffic arrives
 * (the fixture's other interface).  Never changes or drops a packet; learns
 * the INIT-ACK; finds the association of every other packet.
 */
static int to_client(struct replay *r, int index, uint8_t *frame, size_t len, int path,
		     size_t sctp)
{
	static uint8_t out[PKT_MAX];
	struct sctplb_decision d;
	uint32_t verdict, vtag = be32(frame + sctp + 4);
	const uint8_t *chunk = frame + sctp + 12;
	size_t out_len;

	memcpy(frame, r->fx->mac_out, 6);
	fx_decision_clear(r->fx);
	if (fx_run_tc(r->fx, r->fx->prog_tc_return, r->fx->if_out, frame, len, out, &out_len,
		      &verdict)) {
		failf(r, "frame %d: BPF_PROG_TEST_RUN of sctplb_tc_return failed", index + 1);
		return -1;
	}
	fx_decision(r->fx, &d);
	r->to_client++;
	if (verdict != TC_ACT_OK || out_len != len || memcmp(out, frame, len)) {
		failf(r, "frame %d (server, chunk %u): expected TC_ACT_OK and the frame unchanged, got %s%s",
		      index + 1, chunk[0], fx_tc_verdict_name(verdict),
		      out_len != len || memcmp(out, frame, len) ? ", frame changed" : "");
		return 0;
	}
	if (!r->backend) {
		failf(r, "frame %d: a server packet before any client packet", index + 1);
		return 0;
	}
	if (chunk[0] == CT_INIT_ACK) {
		uint32_t ts = be32(chunk + 4);
		struct sctplb_assoc_key k, ck;
		struct sctplb_ctag_value cv;
		struct sctplb_assoc a;
		uint16_t cport, sport;

		memcpy(&sport, frame + sctp, 2);
		memcpy(&cport, frame + sctp + 2, 2);
		k = fx_assoc_key(SVC, ts, cport, sport);
		ck = fx_assoc_key(SVC, vtag, cport, sport);
		r->init_acks++;
		if (d.reason != SCTPLB_STAT_RET_INIT_ACK || d.backend_id != r->backend ||
		    d.path != path)
			failf(r, "frame %d (INIT-ACK, Tc %#x, Ts %#x): expected RET_INIT_ACK on backend %u path %d, got %s on %u/%u",
			      index + 1, vtag, ts, r->backend, path, fx_stat_name(d.reason),
			      d.backend_id, d.path);
		else if (fx_ctag_lookup(r->fx, &ck, &cv, NULL))
			failf(r, "frame %d (INIT-ACK): assoc_ctags[Tc %#x]: expected, got absent",
			      index + 1, vtag);
		else if (cv.stag != ts && !fx_assoc_lookup(r->fx, &k, &a, NULL))
			/* An INIT-ACK to a late INIT retransmission (another Ts'): it
			 * belongs to the established association and creates nothing. */
			failf(r, "frame %d (INIT-ACK to a retransmitted INIT): assocs[Ts' %#x]: expected none (Tc already has Ts %#x), got one",
			      index + 1, ts, cv.stag);
		else if (k.vtag = cv.stag, fx_assoc_lookup(r->fx, &k, &a, NULL))
			failf(r, "frame %d (INIT-ACK): assocs[Ts %#x]: expected learnt, got absent",
			      index + 1, cv.stag);
		else if (a.backend_id != r->backend || !(a.flags & SCTPLB_ASSOC_F_FROM_INIT_ACK) ||
			 a.ctag != vtag)
			failf(r, "frame %d (INIT-ACK): assocs[Ts %#x]: expected {backend %u, Tc %#x, from INIT-ACK}, got {%u, %#x, flags %#x}",
			      index + 1, cv.stag, r->backend, vtag, a.backend_id, a.ctag, a.flags);
		return 0;
	}
	if ((d.reason != SCTPLB_STAT_RET_PKTS && d.reason != SCTPLB_STAT_CT_ENDED) ||
	    d.backend_id != r->backend || d.path != path || d.service_id != SVC)
		failf(r, "frame %d (server, chunk %u, vtag %#x): expected the association found (RET_PKTS/CT_ENDED) on backend %u path %d, got %s on %u/%u",
		      index + 1, chunk[0], vtag, r->backend, path, fx_stat_name(d.reason),
		      d.backend_id, d.path);
	return 0;
}

static int to_service(struct replay *r, int index, uint8_t *frame, size_t len, int path,
		      size_t sctp, const struct ipf *ipf)
{
	static uint8_t out[PKT_MAX];
	struct sctplb_decision d;
	struct fx_nexthop nh;
	uint32_t verdict, vtag;
	size_t out_len;
	const uint8_t *chunk = frame + sctp + 12;

	vtag = frame[sctp + 4] << 24 | frame[sctp + 5] << 16 | frame[sctp + 6] << 8 | frame[sctp + 7];
	memcpy(frame, r->fx->mac_in, 6);
	fx_decision_clear(r->fx);
	if (fx_run(r->fx, frame, len, out, &out_len, &verdict)) {
		failf(r, "frame %d: BPF_PROG_TEST_RUN failed", index + 1);
		return -1;
	}
	fx_decision(r->fx, &d);
	r->to_service++;
	r->paths_seen |= 1 << path;
	if (verdict != XDP_TX && verdict != XDP_REDIRECT) {
		failf(r, "frame %d (chunk %u, vtag %#x): expected forwarded, got %s (reason %s)",
		      index + 1, chunk[0], vtag, fx_verdict_name(verdict),
		      fx_stat_name(d.reason));
		return 0;
	}
	if (!r->backend)
		r->backend = d.backend_id;
	if (d.backend_id != r->backend || d.path != path || d.service_id != SVC) {
		failf(r, "frame %d (chunk %u): expected service %u backend %u path %d, got %u/%u/%u",
		      index + 1, chunk[0], SVC, r->backend, path, d.service_id, d.backend_id, d.path);
		return 0;
	}
	if (d.backend_id < 1 || d.backend_id > 3 ||
	    !fx_nexthop(r->cap->backends[d.backend_id][path], &nh) ||
	    out_len != len || memcmp(out, nh.mac, 6) ||
	    memcmp(out + 6, nh.out ? r->fx->mac_out : r->fx->mac_in, 6) ||
	    memcmp(out + 12, frame + 12, len - 12) ||
	    verdict != (nh.out ? XDP_REDIRECT : XDP_TX)) {
		failf(r, "frame %d: output is not the input toward backend %u's path-%d next hop",
		      index + 1, d.backend_id, path);
		return 0;
	}
	if (chunk[0] == CT_INIT && !r->tc) {
		r->tc = be32(chunk + 4);
	}
	if (chunk[0] == CT_COOKIE_ECHO && !r->ts) {
		r->ts = vtag;
		r->cfamily = ipf->family;
		memcpy(r->caddr, ipf->src, addr_len(ipf->family));
		memcpy(&r->cport, frame + sctp, 2);
		memcpy(&r->sport, frame + sctp + 2, 2);
	}
	if (chunk[0] == CT_SHUTDOWN_COMPLETE)
		r->shutdown_complete = true;
	return 0;
}

static int on_frame(void *arg, int index, const uint8_t *frame, size_t len, int pkttype)
{
	struct replay *r = arg;
	static uint8_t f[PKT_MAX];
	size_t sctp, sctp_len = 0;
	struct ipf ipf;
	int path;

	(void)pkttype;
	if (len > sizeof(f)) {
		failf(r, "frame %d: %zu bytes, more than the %d a test frame may have",
		      index + 1, len, PKT_MAX);
		return 0;
	}
	memcpy(f, frame, len);
	sctp = rewrite(r, f, len, &sctp_len, &ipf);
	if (!sctp || sctp_len < 16) {
		/* Every capture here holds only SCTP packets with a chunk. */
		failf(r, "frame %d: not an SCTP packet with a chunk over IPv4 or IPv6 (in UDP or not)",
		      index + 1);
		return 0;
	}
	path = vip_path(r->cap, &ipf, ipf.dst);
	if (path >= 0)
		return to_service(r, index, f, len, path, sctp, &ipf);
	path = vip_path(r->cap, &ipf, ipf.src);
	if (path >= 0)
		return to_client(r, index, f, len, path, sctp);
	failf(r, "frame %d: neither to nor from a VIP", index + 1);
	return 0;
}

static int configure(struct fx *fx, const struct capture *cap)
{
	static __u32 table[SCTPLB_MAGLEV_SIZE];
	struct maglev_backend bes[3] = {
		{ "be1", 1, 1, false }, { "be2", 2, 1, false }, { "be3", 3, 1, false },
	};
	uint32_t id;

	if (fx_load(fx) || fx_service(fx, SVC, cap->port, cap->vips, cap->nvips, cap->encap_port))
		return -1;
	for (id = 1; id <= 3; id++)
		if (fx_backend(fx, id, SVC, SCTPLB_BE_F_ACTIVE, cap->backends[id]))
			return -1;
	return maglev_build(bes, 3, table) || fx_table(fx, SVC, table) ? -1 : 0;
}

static int result(const char *cap, const char *what, const char *err)
{
	if (err && err[0]) {
		printf("FAIL replay %s: %s: %s\n", cap, what, err);
		return 1;
	}
	printf("PASS replay %s: %s\n", cap, what);
	return 0;
}

/* The associations left ESTABLISHED, described into err (assocs and assocs_pending). */
struct open_assocs {
	char *err;
	size_t size, e;
	int n, open;
};

static int open_assoc(const struct sctplb_assoc_key *k, const struct sctplb_assoc *v,
		      bool confirmed, void *arg)
{
	struct open_assocs *oa = arg;

	(void)confirmed;
	oa->n++;
	if (v->state == SCTPLB_ASSOC_CLOSING)
		return 0;
	oa->open++;
	if (oa->e < oa->size)
		oa->e += snprintf(oa->err + oa->e, oa->size - oa->e,
				  "%sassocs[Ts %#x] {backend %u, Tc %#x, flags %#x} ESTABLISHED",
				  oa->open > 1 ? ", " : "", k->vtag, v->backend_id, v->ctag, v->flags);
	return 0;
}

static int replay_one(struct fx *fx, const struct capture *cap, const char *dir)
{
	struct replay r = { .fx = fx, .cap = cap };
	struct sctplb_assoc_key k;
	struct sctplb_assoc a;
	char path[256], err[256] = "";
	int failed = 0, n, want_paths = (1 << cap->nvips) - 1;

	snprintf(path, sizeof(path), "%s/%s", dir, cap->file);
	if (configure(fx, cap)) {
		fx_unload(fx);
		return result(cap->file, "load and configure", "failed");
	}
	n = pcapio_read(path, on_frame, &r);
	if (n < 0) {
		fx_unload(fx);
		return result(cap->file, "read", "cannot read the capture");
	}
	failed += result(cap->file, "CRC32c of every captured packet",
			 r.crc_bad ? "a captured packet has a bad CRC32c (builder or capture)" : NULL);
	if (!r.err[0] && !r.to_service)
		snprintf(r.err, sizeof(r.err), "no client packet");
	if (!r.err[0] && r.paths_seen != want_paths)
		snprintf(r.err, sizeof(r.err), "paths seen %#x, the capture has %#x",
			 r.paths_seen, want_paths);
	snprintf(path, sizeof(path), "%d client packets, one backend (%u) on every path",
		 r.to_service, r.backend);
	failed += result(cap->file, path, r.crc_bad ? NULL : r.err);

	k = fx_assoc_key(SVC, r.ts, r.cport, r.sport);
	if (!r.ts || !r.shutdown_complete)
		snprintf(err, sizeof(err), "no COOKIE-ECHO or no SHUTDOWN-COMPLETE replayed");
	else if (fx_assoc_lookup(fx, &k, &a, NULL))
		snprintf(err, sizeof(err), "assocs[Ts %#x]: absent", r.ts);
	else if (a.state != SCTPLB_ASSOC_CLOSING || a.backend_id != r.backend || !a.closing)
		snprintf(err, sizeof(err), "assocs[Ts %#x]: expected {backend %u, CLOSING}, got {%u, state %u}",
			 r.ts, r.backend, a.backend_id, a.state);
	failed += result(cap->file, "association CLOSING after SHUTDOWN-COMPLETE", err);

	/* The return path. */
	if (!r.err[0] && !r.init_acks)
		snprintf(r.err, sizeof(r.err), "no INIT-ACK in the capture");
	snprintf(path, sizeof(path),
		 "%d server packets through sctplb_tc_return: %d INIT-ACK learnt, every other one found",
		 r.to_client, r.init_acks);
	failed += result(cap->file, path, r.err);
	err[0] = 0;
	if (r.ts && !fx_assoc_lookup(fx, &k, &a, NULL) &&
	    !(a.flags & SCTPLB_ASSOC_F_FROM_INIT_ACK))
		snprintf(err, sizeof(err), "assocs[Ts %#x]: flags %#x: made by the COOKIE-ECHO, not learnt from the INIT-ACK",
			 r.ts, a.flags);
	failed += result(cap->file, "the COOKIE-ECHO found the association learnt from the INIT-ACK", err);
	err[0] = 0;
	{
		struct sctplb_assoc_key ck = fx_assoc_key(SVC, r.tc, r.cport, r.sport);
		struct sctplb_client_key cl;
		struct sctplb_ctag_value cv;
		struct sctplb_client ce;

		memset(&cl, 0, sizeof(cl));
		cl.service_id = SVC;
		cl.cport = r.cport;
		cl.family = r.cfamily;
		memcpy(cl.caddr, r.caddr, r.cfamily ? addr_len(r.cfamily) : 0);
		if (fx_ctag_lookup(fx, &ck, &cv, NULL))
			snprintf(err, sizeof(err), "assoc_ctags[Tc %#x]: expected Ts %#x, got absent", r.tc, r.ts);
		else if (cv.stag != r.ts)
			snprintf(err, sizeof(err), "assoc_ctags[Tc %#x]: expected Ts %#x (the established association), got %#x",
				 r.tc, r.ts, cv.stag);
		else if (fx_client_lookup(fx, &cl, &ce) || ce.stag != r.ts)
			/* Not the first INIT's: that one may have been lost on another path. */
			snprintf(err, sizeof(err), "client_index of the COOKIE-ECHO's source: expected Ts %#x, got %s%#x",
				 r.ts, fx_client_lookup(fx, &cl, &ce) ? "absent " : "",
				 ce.stag);
	}
	failed += result(cap->file, "assoc_ctags[Tc] and client_index name the established association", err);
	err[0] = 0;
	{
		struct open_assocs oa = { .err = err, .size = sizeof(err) };
		struct lb_maps m;

		if (fx_lb_maps(fx, &m) || lb_assocs_walk(&m, open_assoc, &oa))
			snprintf(err, sizeof(err), "cannot walk the associations");
		else if (oa.open && oa.e < sizeof(err))
			snprintf(err + oa.e, sizeof(err) - oa.e, " (%d of %d associations)", oa.open,
				 oa.n);
	}
	failed += result(cap->file, "no association left ESTABLISHED at the end of the capture", err);
	fx_unload(fx);
	return failed;
}

int main(void)
{
	const char *dir = pcapio_captures_dir();
	struct fx fx;
	size_t i;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(dir, R_OK | X_OK)) {
		printf("FAIL replay: no captures folder %s: run from the repository's root or set SCTPLB_CAPTURES\n",
		       dir);
		return 1;
	}
	if (fx_netns_setup(&fx)) {
		printf("FAIL replay: fixture: no private network namespace\n");
		return 1;
	}
	for (i = 0; i < sizeof(CAPS) / sizeof(CAPS[0]); i++)
		failed += replay_one(&fx, &CAPS[i], dir);
	return failed ? 1 : 0;
}
