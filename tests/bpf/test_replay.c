/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_replay: real SCTP captures (/work/shared/captures, README there)
 * through sctplb_xdp.
 *
 * The captures use private and other non-documentation addresses; each is
 * rewritten on load through ADDRS (IP headers, INIT/INIT-ACK address
 * parameters; the IPv4 header checksum and the SCTP CRC32c are recomputed,
 * UDP checksums set to 0), so that no configuration holds anything but
 * documentation ranges.  A service gets the capture's server addresses as
 * its VIPs (path = their order) and 3 backends with a real Maglev table
 * (maglev_build).  Every client->service packet runs through the XDP
 * program; server->client packets are handed to to_client(), which skips
 * them while sctplb_tc_return is not the return path yet.
 *
 * Checked per capture: the CRC32c of every captured packet (the input is
 * what a real stack sent); every client->service packet is forwarded
 * (XDP_TX or XDP_REDIRECT) to one and the same backend, on the path of the
 * VIP it was sent to, with the MACs of that backend's next hop; the paths
 * the capture uses are all seen; the association ends CLOSING after its
 * SHUTDOWN-COMPLETE.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "maglev.h"
#include "pcapio.h"
#include "pkt.h"

#define CAPTURES "../shared/captures"
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
};

/* Backends: both paths IPv4; backend 1 answers through the ingress
 * interface (XDP_TX), 2 and 3 partly through the other one. */
static const char *const BACKENDS[][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "192.0.2.12" },
	[2] = { "198.51.100.12", "192.0.2.13" },
	[3] = { "192.0.2.14", "198.51.100.13" },
};

struct capture {
	const char *file;
	const char *vips[SCTPLB_MAX_PATHS];     /* test addresses, path order */
	int nvips;
	uint16_t port;                          /* the server's SCTP port */
	uint16_t encap_port;                    /* UDP encapsulation, 0 none */
};

static const struct capture CAPS[] = {
	{ "linux-multihomed-basic.pcap", { "203.0.113.11", "203.0.113.14" }, 2, 6000, 0 },
	{ "udp-encap-ipv4.pcap", { "203.0.113.10" }, 1, 6000, SCTPLB_UDP_ENCAP_PORT },
	{ "init-retransmit-alternate-address.pcap", { "203.0.113.31", "203.0.113.41" }, 2,
	  7003, 0 },
};

struct replay {
	struct fx *fx;
	const struct capture *cap;
	char err[512];                  /* first failure */
	bool crc_bad;
	int to_service, to_client_skipped, paths_seen;
	uint32_t backend;               /* of the first forwarded packet */
	uint32_t ts;                    /* vtag of the first COOKIE-ECHO */
	uint16_t cport, sport;          /* network order */
	bool shutdown_complete;
};

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

static bool map_addr(uint8_t *a)
{
	size_t i;

	for (i = 0; i < sizeof(ADDRS) / sizeof(ADDRS[0]); i++) {
		struct sctplb_addr from = pkt_addr(ADDRS[i].capture);

		if (!memcmp(a, from.addr, 4)) {
			struct sctplb_addr to = pkt_addr(ADDRS[i].test);

			memcpy(a, to.addr, 4);
			return true;
		}
	}
	return false;
}

static uint16_t ip_csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Rewrites the addresses of an IPv4 frame (l3 at 14) in place; returns the
 * offset of the SCTP header and its length through *sctp_len, or 0 when the
 * frame is not SCTP (possibly over UDP) over IPv4.
 */
static size_t rewrite(struct replay *r, uint8_t *f, size_t len, size_t *sctp_len)
{
	uint8_t *ip = f + 14;
	size_t ihl, tot, off, end, c;
	bool changed = false;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	ihl = (ip[0] & 15) * 4;
	tot = ip[2] << 8 | ip[3];
	if (14 + tot > len)
		return 0;
	map_addr(ip + 12);
	map_addr(ip + 16);
	ip[10] = ip[11] = 0;
	ip[10] = ip_csum(ip, ihl) >> 8;
	ip[11] = ip_csum(ip, ihl) & 0xff;
	off = 14 + ihl;
	end = 14 + tot;
	if (ip[9] == 17) {
		f[off + 6] = f[off + 7] = 0;    /* UDP checksum: none (IPv4) */
		off += 8;
	} else if (ip[9] != 132) {
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
					changed |= map_addr(f + p + 4);
				p += (plen + 3) & ~3u;
			}
		}
		c += (clen + 3) & ~3u;
	}
	if (changed)
		pkt_sctp_set_crc(f + off, end - off);
	return off;
}

static int vip_path(const struct capture *cap, const uint8_t *a)
{
	int i;

	for (i = 0; i < cap->nvips; i++) {
		struct sctplb_addr v = pkt_addr(cap->vips[i]);

		if (!memcmp(v.addr, a, 4))
			return i;
	}
	return -1;
}

/* Server -> client: the return path.  sctplb_tc_return is a stub for now:
 * skipped, counted.  Running it means bpf_prog_test_run_opts on that
 * program with this frame (struct __sk_buff ctx). */
static int to_client(struct replay *r, const uint8_t *frame, size_t len)
{
	(void)frame;
	(void)len;
	r->to_client_skipped++;
	return 0;
}

static int to_service(struct replay *r, int index, uint8_t *frame, size_t len, int path,
		      size_t sctp)
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
	    !fx_nexthop(BACKENDS[d.backend_id][path], &nh) ||
	    out_len != len || memcmp(out, nh.mac, 6) ||
	    memcmp(out + 6, nh.out ? r->fx->mac_out : r->fx->mac_in, 6) ||
	    memcmp(out + 12, frame + 12, len - 12) ||
	    verdict != (nh.out ? XDP_REDIRECT : XDP_TX)) {
		failf(r, "frame %d: output is not the input toward backend %u's path-%d next hop",
		      index + 1, d.backend_id, path);
		return 0;
	}
	if (chunk[0] == CT_COOKIE_ECHO && !r->ts) {
		r->ts = vtag;
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
	int path;

	(void)pkttype;
	memcpy(f, frame, len);
	sctp = rewrite(r, f, len, &sctp_len);
	if (!sctp || sctp_len < 16)
		return 0;
	path = vip_path(r->cap, f + 14 + 16);
	if (path >= 0)
		return to_service(r, index, f, len, path, sctp);
	if (vip_path(r->cap, f + 14 + 12) >= 0)
		return to_client(r, f, len);
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
		if (fx_backend(fx, id, SVC, SCTPLB_BE_F_ACTIVE, BACKENDS[id]))
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

static int replay_one(struct fx *fx, const struct capture *cap)
{
	struct replay r = { .fx = fx, .cap = cap };
	struct sctplb_assoc_key k;
	struct sctplb_assoc a;
	char path[256], err[256] = "";
	int failed = 0, n, want_paths = (1 << cap->nvips) - 1;

	snprintf(path, sizeof(path), "%s/%s", CAPTURES, cap->file);
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
	else if (bpf_map_lookup_elem(fx->assocs, &k, &a))
		snprintf(err, sizeof(err), "assocs[Ts %#x]: absent", r.ts);
	else if (a.state != SCTPLB_ASSOC_CLOSING || a.backend_id != r.backend || !a.closing_ns)
		snprintf(err, sizeof(err), "assocs[Ts %#x]: expected {backend %u, CLOSING}, got {%u, state %u}",
			 r.ts, r.backend, a.backend_id, a.state);
	failed += result(cap->file, "association CLOSING after SHUTDOWN-COMPLETE", err);
	if (r.to_client_skipped)
		printf("  note: %s: %d server->client packets skipped (return path not run yet)\n",
		       cap->file, r.to_client_skipped);
	fx_unload(fx);
	return failed;
}

int main(void)
{
	struct fx fx;
	size_t i;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx)) {
		printf("FAIL replay: fixture: no private network namespace\n");
		return 1;
	}
	for (i = 0; i < sizeof(CAPS) / sizeof(CAPS[0]); i++)
		failed += replay_one(&fx, &CAPS[i]);
	return failed ? 1 : 0;
}
