/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_nexthop: the per-CPU next-hop cache in front of bpf_fib_lookup
 * (bpf/lib/fwd.h).  It may hold the FIB's answer for a backend's path for
 * SCTPLB_NEXTHOP_TTL_NS (1 s), but never past a change of the backend's
 * address, and never for a packet longer than one the FIB's MTU check passed.
 * Runs in the fixture's private namespace, whose neighbours and MTUs it
 * changes with ip(8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "report.h"

#define SVC   1
#define PORT  5000
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define CLI4  "203.0.113.100"
#define TC    0x7c0000ccu
#define TS    0x5e0000ccu
#define NSEC  1000000000ull

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE_A[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };
static const char *const BE_B[SCTPLB_MAX_PATHS] = { "192.0.2.12", "2001:db8:1::12" };

static struct fx fx;


/* One packet of the association (body bytes of DATA): verdict, reason, dst MAC. */
static int send_data(uint16_t body, uint32_t *verdict, uint32_t *reason, uint8_t dmac[6])
{
	struct pkt_spec s = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS,
			      .chunks = { CH_DATA(.body = body) } };
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct sctplb_decision d;
	struct pkt_info info;
	size_t len;

	if (pkt_build(&s, fx.mac_in, in, &info) < 0 ||
	    fx_run(&fx, in, info.len, out, &len, verdict))
		return -1;
	fx_decision(&fx, &d);
	*reason = d.reason;
	memcpy(dmac, out, 6);
	return 0;
}

static const char *expect(uint16_t body, uint32_t want_verdict, const uint8_t *want_mac,
			  int want_reason)
{
	static char why[200];
	uint32_t verdict, reason;
	uint8_t mac[6];

	if (send_data(body, &verdict, &reason, mac))
		return "BPF_PROG_TEST_RUN failed";
	if (verdict != want_verdict || (want_reason >= 0 && (int)reason != want_reason) ||
	    (want_mac && memcmp(mac, want_mac, 6))) {
		snprintf(why, sizeof(why), "%s (%s) to %02x:%02x:%02x:%02x:%02x:%02x, expected %s (%s)%s",
			 fx_verdict_name(verdict), fx_stat_name(reason), mac[0], mac[1], mac[2],
			 mac[3], mac[4], mac[5], fx_verdict_name(want_verdict),
			 want_reason >= 0 ? fx_stat_name(want_reason) : "-",
			 want_mac ? " to the expected MAC" : "");
		return why;
	}
	return NULL;
}

static int sh(const char *cmd)
{
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	struct pkt_spec init = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .chunks = { CH_INIT(TC) } };
	struct pkt_spec cookie = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				   .vtag = TS, .chunks = { CH_COOKIE() } };
	uint8_t in[PKT_MAX], out[PKT_MAX], mac_a[6], mac_b[6];
	const uint8_t mac_moved[6] = { 0x02, 0, 0, 0, 0x0b, 0x77 };
	struct fx_nexthop nh;
	struct pkt_info info;
	uint32_t verdict;
	uint64_t now = 1000 * NSEC; /* the datapath's injected clock */
	size_t len;
	int i;

	/* The cache is per CPU: a move to another CPU between two runs would
	 * meet that CPU's empty cache and the FIB's new answer. */
	if (fx_one_cpu() || fx_netns_setup(&fx) || fx_load_opts(&fx, &(struct fx_load_opts){ .test_clock = true }) || fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE_A) || fx_table_all(&fx, SVC, 1)) {
		printf("FAIL nexthop setup\n");
		return 1;
	}
	fx_set_clock(&fx, now);
	for (i = 0; i < 2; i++)
		if (pkt_build(i ? &cookie : &init, fx.mac_in, in, &info) < 0 ||
		    fx_run(&fx, in, info.len, out, &len, &verdict) || verdict != XDP_TX) {
			printf("FAIL nexthop setup: handshake not forwarded\n");
			return 1;
		}
	fx_nexthop(BE_A[0], &nh);
	memcpy(mac_a, nh.mac, 6);
	fx_nexthop(BE_B[0], &nh);
	memcpy(mac_b, nh.mac, 6);

	tr_result("first packet: the FIB's next hop", expect(100, XDP_TX, mac_a, SCTPLB_STAT_FWD_TX));

	/* A backend's new address is used at once, cached or not. */
	fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE_B);
	tr_result("backend address changed: the new address's next hop at once",
	       expect(100, XDP_TX, mac_b, SCTPLB_STAT_FWD_TX));

	/* A neighbour change: the cached next hop within the TTL, the new one after. */
	if (sh("ip neigh replace 192.0.2.12 lladdr 02:00:00:00:0b:77 dev " FX_IF_IN " nud permanent")) {
		tr_result("neighbour change", "ip neigh replace failed");
	} else {
		tr_result("neighbour changed: the cached next hop within the TTL (1 s)",
		       expect(100, XDP_TX, mac_b, SCTPLB_STAT_FWD_TX));
		fx_set_clock(&fx, now + NSEC - 1);
		tr_result("neighbour changed: still the cached next hop 1 ns before the TTL",
		       expect(100, XDP_TX, mac_b, SCTPLB_STAT_FWD_TX));
		now += NSEC;
		fx_set_clock(&fx, now);
		tr_result("neighbour changed: the new MAC after the TTL",
		       expect(100, XDP_TX, mac_moved, SCTPLB_STAT_FWD_TX));
	}

	/* The MTU check is not skipped by a cache filled by smaller packets. */
	if (sh("ip link set dev " FX_IF_IN " mtu 1280")) {
		tr_result("MTU", "ip link set mtu failed");
	} else {
		now += NSEC; /* let the entry made before the MTU change expire */
		fx_set_clock(&fx, now);
		tr_result("small packet after the MTU change: forwarded (and cached)",
		       expect(100, XDP_TX, mac_moved, SCTPLB_STAT_FWD_TX));
		tr_result("packet over the egress MTU: FIB_FRAG_NEEDED despite the cached next hop",
		       expect(1300, XDP_DROP, NULL, SCTPLB_STAT_FIB_FRAG_NEEDED));
		tr_result("small packet again: forwarded",
		       expect(100, XDP_TX, mac_moved, SCTPLB_STAT_FWD_TX));
	}
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
