/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_clock: the datapath's own clock (bpf/lib/common.h, lb_now), the one
 * production runs: each CPU keeps the coarse clock's reading of the current
 * jiffy (clock_cache) instead of calling the helper on every packet.  What
 * a packet stamps must still be CLOCK_MONOTONIC_COARSE as user space reads
 * it, and move with it tick after tick: a reading kept past its tick would
 * stamp a later packet with an old time.  Checked through the per-path
 * counters' last_seen_ns, which holds lb_now() of the packet.  Waits for the
 * clock to move by polling it (a deadline, no fixed sleep).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "report.h"

#define SVC   1
#define PORT  5000
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define CLI4  "203.0.113.100"
#define TC    0x7c0000ddu
#define TS    0x5e0000ddu
#define ROUNDS 8

static const char *const VIPS[] = { VIP4 };
static const char *const BE_A[SCTPLB_MAX_PATHS] = { "192.0.2.11" };

static struct fx fx;

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int send(const struct pkt_spec *s, uint32_t *verdict)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	size_t len;

	if (pkt_build(s, fx.mac_in, in, &info) < 0)
		return -1;
	return fx_run(&fx, in, info.len, out, &len, verdict);
}

/* The latest last_seen_ns of backend 1's path 0 toward it, over the CPUs. */
static uint64_t last_seen(void)
{
	struct sctplb_path_counters *v = calloc(fx.ncpus, sizeof(*v));
	__u32 i = sctplb_path_index(1, 0, SCTPLB_DIR_TO_BACKEND);
	uint64_t m = 0;
	int c;

	if (v && !bpf_map_lookup_elem(fx.path_stats, &i, v))
		for (c = 0; c < fx.ncpus; c++)
			if (v[c].last_seen_ns > m)
				m = v[c].last_seen_ns;
	free(v);
	return m;
}

int main(void)
{
	struct pkt_spec init = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .chunks = { CH_INIT(TC) } };
	struct pkt_spec cookie = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				   .vtag = TS, .chunks = { CH_COOKIE() } };
	struct pkt_spec data = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .vtag = TS, .chunks = { CH_DATA(.body = 64) } };
	uint64_t tick, prev = 0, t0, t1, v, deadline;
	struct timespec res;
	uint32_t verdict;
	char why[200];
	int r, bad = 0;

	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	tick = (uint64_t)res.tv_sec * 1000000000ull + res.tv_nsec;
	if (fx_netns_setup(&fx) || fx_load(&fx) || fx_service(&fx, SVC, PORT, VIPS, 1, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE_A) || fx_table_all(&fx, SVC, 1) ||
	    send(&init, &verdict) || verdict != XDP_TX || send(&cookie, &verdict) ||
	    verdict != XDP_TX) {
		printf("FAIL clock setup: the handshake was not forwarded\n");
		return 1;
	}
	why[0] = 0;
	for (r = 0; r < ROUNDS && !bad; r++) {
		t0 = coarse_ns();
		if (send(&data, &verdict) || verdict != XDP_TX) {
			snprintf(why, sizeof(why), "round %d: DATA not forwarded", r);
			bad = 1;
			break;
		}
		t1 = coarse_ns();
		v = last_seen();
		/* A tick of slack below: the reading of a jiffy taken between
		 * its two updates (jiffies, then the timekeeper) may lag one. */
		if (v + tick < t0 || v > t1 || v <= prev) {
			snprintf(why, sizeof(why),
				 "round %d: stamped %llu, the coarse clock read %llu..%llu around it "
				 "(tick %llu ns), the previous stamp %llu", r, (unsigned long long)v,
				 (unsigned long long)t0, (unsigned long long)t1,
				 (unsigned long long)tick, (unsigned long long)prev);
			bad = 1;
			break;
		}
		prev = v;
		/* Three ticks later: a reading kept past its tick would show. */
		deadline = t1 + 10000000000ull;
		while (coarse_ns() < t1 + 3 * tick && coarse_ns() < deadline) {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
	}
	tr_result("clock: a packet's time is the coarse clock's, tick after tick (8 rounds, 3 ticks apart)",
		  bad ? why : NULL);
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
