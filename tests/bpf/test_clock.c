/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_clock: the datapath's own clock (bpf/lib/common.h, lb_now), the one
 * production runs: each CPU keeps the coarse clock's reading of the current
 * jiffy (clock_cache) instead of calling the helper on every packet.  What
 * a packet stamps must still be CLOCK_MONOTONIC_COARSE as user space reads
 * it, and move with it tick after tick: a reading kept past its tick would
 * stamp a later packet with an old time.  Checked through the per-path
 * counters' last_seen_ns, which holds lb_now() of the packet.  The agent
 * (bpf/agent.bpf.c) keeps its own per-CPU reading the same way: checked
 * through the last_seen_ns its ingress writes into agent_in, and its
 * clock_cache must hold the reading it stamped.  Waits for the clock to move
 * by polling it (a deadline, no fixed sleep).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "report.h"
#include "agent.skel.h"

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
static struct sctplb_agent *ag;

/* clock_cache's value (bpf/lib/common.h: BPF-side only) */
struct clock_entry {
	uint64_t jiffies;
	uint64_t ns;
};

#define AG_PORT 36412
#define AG_RT   0x11110001u     /* a T' the agent issued */
#define AG_TS   0x22220001u

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int send_pkt(const struct pkt_spec *s, uint32_t *verdict)
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

/* Sleeps until the coarse clock is three ticks past t (a deadline bounds a hang). */
static void ticks_later(uint64_t t, uint64_t tick)
{
	uint64_t deadline = t + 10000000000ull;

	while (coarse_ns() < t + 3 * tick && coarse_ns() < deadline) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
}

/* The agent loaded as production loads it (the real clock), its VIP and
 * port, and one mapping T' -> Ts, as an INIT-ACK would have left it. */
static int agent_setup(void)
{
	struct sctplb_agent_config c = { .server_id = 42, .flags = SCTPLB_RTAG_F_ON };
	struct sctplb_addr a = pkt_addr(VIP4);
	struct sctplb_vip_key vk = { .port = htons(AG_PORT), .proto = 132, .family = a.family };
	struct sctplb_service sv = { .id = 1, .sctp_port = htons(AG_PORT) };
	struct sctplb_agent_key ik = { .tag = AG_RT, .cport = htons(CPORT), .sport = htons(AG_PORT) };
	struct sctplb_agent_tag in = { .tag = AG_TS };
	__u32 zero = 0;

	ag = sctplb_agent__open_and_load();
	if (!ag)
		return -1;
	memcpy(vk.addr, a.addr, 16);
	return bpf_map_update_elem(bpf_map__fd(ag->maps.agent_config), &zero, &c, BPF_ANY) ||
	       bpf_map_update_elem(bpf_map__fd(ag->maps.services), &vk, &sv, BPF_ANY) ||
	       bpf_map_update_elem(bpf_map__fd(ag->maps.agent_in), &ik, &in, BPF_ANY) ? -1 : 0;
}

/* What the agent stamped on the mapping, and whether a CPU's clock_cache
 * holds that reading (0 on a failed lookup). */
static uint64_t agent_seen(bool *cached)
{
	struct sctplb_agent_key ik = { .tag = AG_RT, .cport = htons(CPORT), .sport = htons(AG_PORT) };
	struct clock_entry *cc = calloc(fx.ncpus, sizeof(*cc));
	struct sctplb_agent_tag t;
	__u32 zero = 0;
	int c;

	*cached = false;
	if (!cc || bpf_map_lookup_elem(bpf_map__fd(ag->maps.agent_in), &ik, &t)) {
		free(cc);
		return 0;
	}
	if (!bpf_map_lookup_elem(bpf_map__fd(ag->maps.clock_cache), &zero, cc))
		for (c = 0; c < fx.ncpus; c++)
			if (cc[c].jiffies && cc[c].ns == t.last_seen_ns)
				*cached = true;
	free(cc);
	return t.last_seen_ns;
}

/* The agent's ingress stamps the coarse clock's time, tick after tick, from its cache. */
static void agent_case(uint64_t tick)
{
	struct pkt_spec data = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = AG_PORT,
				 .vtag = AG_RT, .chunks = { CH_DATA(.body = 64) } };
	int prog = bpf_program__fd(ag->progs.sctplb_agent_ingress);
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	uint64_t prev = 0, t0, t1, v;
	uint32_t verdict;
	char why[200];
	bool cached;
	size_t len;
	int r;

	why[0] = 0;
	if (pkt_build(&data, fx.mac_in, in, &info) < 0) {
		tr_result("agent clock: setup", "cannot build the packet");
		return;
	}
	for (r = 0; r < ROUNDS && !why[0]; r++) {
		t0 = coarse_ns();
		if (fx_run_tc(&fx, prog, fx.if_in, in, info.len, out, &len, &verdict) ||
		    verdict != TC_ACT_OK || len < info.sctp + 8 ||
		    memcmp(out + info.sctp + 4, &(uint32_t){ htonl(AG_TS) }, 4)) {
			snprintf(why, sizeof(why), "round %d: DATA not translated to Ts", r);
			break;
		}
		t1 = coarse_ns();
		v = agent_seen(&cached);
		if (v + tick < t0 || v > t1 || v <= prev)
			snprintf(why, sizeof(why),
				 "round %d: stamped %llu, the coarse clock read %llu..%llu around it "
				 "(tick %llu ns), the previous stamp %llu", r, (unsigned long long)v,
				 (unsigned long long)t0, (unsigned long long)t1,
				 (unsigned long long)tick, (unsigned long long)prev);
		else if (!cached)
			snprintf(why, sizeof(why), "round %d: no CPU's clock_cache holds the stamp %llu",
				 r, (unsigned long long)v);
		prev = v;
		ticks_later(t1, tick);
	}
	tr_result("agent clock: ingress stamps the coarse clock's time from its per-CPU cache, tick after tick (8 rounds, 3 ticks apart)",
		  why[0] ? why : NULL);
}

int main(void)
{
	struct pkt_spec init = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .chunks = { CH_INIT(TC) } };
	struct pkt_spec cookie = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				   .vtag = TS, .chunks = { CH_COOKIE() } };
	struct pkt_spec data = { .src = CLI4, .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .vtag = TS, .chunks = { CH_DATA(.body = 64) } };
	uint64_t tick, prev = 0, t0, t1, v;
	struct timespec res;
	uint32_t verdict;
	char why[200];
	int r, bad = 0;

	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	tick = (uint64_t)res.tv_sec * 1000000000ull + res.tv_nsec;
	if (fx_netns_setup(&fx) || fx_load(&fx) || fx_service(&fx, SVC, PORT, VIPS, 1, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE_A) || fx_table_all(&fx, SVC, 1) ||
	    send_pkt(&init, &verdict) || verdict != XDP_TX || send_pkt(&cookie, &verdict) ||
	    verdict != XDP_TX) {
		printf("FAIL clock setup: the handshake was not forwarded\n");
		return 1;
	}
	why[0] = 0;
	for (r = 0; r < ROUNDS && !bad; r++) {
		t0 = coarse_ns();
		if (send_pkt(&data, &verdict) || verdict != XDP_TX) {
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
		ticks_later(t1, tick);
	}
	tr_result("clock: a packet's time is the coarse clock's, tick after tick (8 rounds, 3 ticks apart)",
		  bad ? why : NULL);
	if (agent_setup())
		tr_result("agent clock: setup", "cannot load or configure the agent");
	else
		agent_case(tick);
	sctplb_agent__destroy(ag);
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
