/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Section 6 of docs/bench.md (issue 11): spoofed handshakes against the
 * unconfirmed associations.  Direct server return, nothing confirms: every
 * INIT + COOKIE-ECHO pair from a spoofed source stores an unconfirmed
 * association in assocs_pending, a set-associative table of the default size
 * (SCTPLB_PENDING_WAYS ways per set, the set keyed), where it competes with
 * real associations not yet confirmed of its set, the one seen least
 * recently going first (include/sctplb.h).
 *
 * Per trial, on a freshly loaded sctplb (the service of configure()):
 *   - 16 real associations made by INIT and COOKIE-ECHO, left unconfirmed
 *     (2 client packets: below SCTPLB_CONFIRM_PACKETS), then touched by a
 *     DATA packet just before the flood;
 *   - 16 promoted by their client's 4th packet, 16 confirmed by the
 *     backend's COOKIE-ACK on the return path (sctplb_tc_return);
 *   - spoofed pairs, each from its own (address, port) with its own tags,
 *     until every unconfirmed victim is evicted and at least the table's
 *     size was sent (at most twice the table's size): after every
 *     CHECK pairs (CHECK_NEAR from 3/4 of the table's size) each victim is
 *     looked up from user space, which changes nothing in the table.
 * The trials differ in where things run: all on one CPU; the victims on
 * CPU 0 and the flood alternating CPUs (as RSS spreads a flood; it mattered
 * to the per-CPU lists of the BPF LRU the table was before, not to a set).
 * A victim is evicted when SCTPLB_PENDING_WAYS spoofed entries newer than
 * its last packet have landed in its set: the number of pairs that takes
 * varies from victim to victim (the sets are keyed: random to the attacker),
 * and the figure is the minimum over the victims.
 *
 * The same packets give the flood's cost: opts.duration of each repeat=1
 * run, the per-call overhead (the floor run the same way, minus the floor at
 * repeat=N) subtracted, as section 1 does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "bench.h"

/* configure()'s service 1 (micro.c). */
#define SP_SVC   1
#define SP_PORT  5000
#define SP_VIP6  "2001:db8:f::1"
#define SP_VIP4  "203.0.113.1"
#define SP_CPORT 31000

#define NV       16             /* victims of each kind */
#define CHECK    128            /* pairs between two looks at the victims... */
#define CHECK_NEAR 4            /* ...and from 3/4 of the table's size on */
#define BLOCK    2048           /* pairs per CPU when the flood alternates CPUs */
#define WINDOW_S 30             /* the association is active every 30 s */

enum { V_PENDING, V_PROMOTED, V_CONFIRMED, V_KINDS };
static const char *const KIND[V_KINDS] = { "unconfirmed", "promoted", "confirmed" };

static struct fx SFX;
static int NCPU_ON;

static uint32_t v_tc(int kind, int i) { return 0x31000000u + kind * 0x100 + i; }
static uint32_t v_ts(int kind, int i) { return 0x32000000u + kind * 0x100 + i; }
static void v_addr(int kind, int i, char *a, size_t n)
{
	snprintf(a, n, "2001:db8:c:3::%x:%x", kind + 1, i + 1);
}

static void on_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu % NCPU_ON, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		DIE("sched_setaffinity: %s", strerror(errno));
}

/* One packet through sctplb_xdp (toward the backends): the verdict. */
static uint32_t xdp(const struct pkt_spec *s, double *ns)
{
	uint8_t pkt[PKT_MAX];
	size_t len = build(s, pkt);
	uint32_t ret;
	double d = run_prog(SFX.prog, pkt, len, SFX.if_in, 1, &ret);

	if (d < 0)
		DIE("spoof: test run");
	if (ns)
		*ns += d;
	return ret;
}

static void victim_client(int kind, int i, uint32_t vtag, struct chunk_spec ch)
{
	char a[48];
	struct pkt_spec s = { .src = a, .dst = SP_VIP6, .sport = SP_CPORT, .dport = SP_PORT,
			      .vtag = vtag, .chunks = { ch } };
	uint32_t ret;

	v_addr(kind, i, a, sizeof(a));
	ret = xdp(&s, NULL);
	if (ret != XDP_TX)
		DIE("spoof: %s victim %d: chunk %u got %s", KIND[kind], i, ch.type, verdict_str(ret));
}

/* The backend's COOKIE-ACK (vtag Tc) through sctplb_tc_return. */
static void victim_cookie_ack(int i)
{
	char a[48];
	struct pkt_spec s = { .src = SP_VIP6, .dst = a, .sport = SP_PORT, .dport = SP_CPORT,
			      .vtag = v_tc(V_CONFIRMED, i), .chunks = { CH(CT_COOKIE_ACK) } };
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	size_t olen;
	uint32_t verdict;

	v_addr(V_CONFIRMED, i, a, sizeof(a));
	if (pkt_build(&s, SFX.mac_out, in, &info) < 0 ||
	    fx_run_tc(&SFX, SFX.prog_tc_return, SFX.if_out, in, info.len, out, &olen, &verdict))
		DIE("spoof: COOKIE-ACK of confirmed victim %d", i);
}

/* 0: stored, and confirmed or not as its kind wants; 1: gone; 2: wrong table. */
static int victim_state(int kind, int i)
{
	struct sctplb_assoc_key k = fx_assoc_key(SP_SVC, v_ts(kind, i), htons(SP_CPORT), htons(SP_PORT));
	struct sctplb_assoc v;
	bool pending;

	if (fx_assoc_lookup(&SFX, &k, &v, &pending))
		return 1;
	return pending == (kind == V_PENDING) ? 0 : 2;
}

static void victims_make(void)
{
	int k, i, n;

	for (k = 0; k < V_KINDS; k++)
		for (i = 0; i < NV; i++) {
			char a[48];

			v_addr(k, i, a, sizeof(a));
			victim_client(k, i, 0, (struct chunk_spec)CH_INIT(v_tc(k, i), a));
			victim_client(k, i, v_ts(k, i), (struct chunk_spec)CH_COOKIE());
			if (k == V_PROMOTED)
				for (n = 0; n < SCTPLB_CONFIRM_PACKETS - 1; n++)
					victim_client(k, i, v_ts(k, i),
						      (struct chunk_spec)CH_DATA(.body = 64));
			if (k == V_CONFIRMED)
				victim_cookie_ack(i);
		}
	/* The unconfirmed ones: touched last, just before the flood. */
	for (i = 0; i < NV; i++)
		victim_client(V_PENDING, i, v_ts(V_PENDING, i), (struct chunk_spec)CH_DATA(.body = 64));
	for (k = 0; k < V_KINDS; k++)
		for (i = 0; i < NV; i++)
			if (victim_state(k, i))
				DIE("spoof: %s victim %d is not %s before the flood", KIND[k], i, KIND[k]);
}

/* After the flood: the confirmed kinds still stored, and still forwarded. */
static int victims_lost(int kind)
{
	int i, lost = 0;

	for (i = 0; i < NV; i++) {
		char a[48];
		struct pkt_spec s = { .src = a, .dst = SP_VIP6, .sport = SP_CPORT, .dport = SP_PORT,
				      .vtag = v_ts(kind, i), .chunks = { CH_DATA(.body = 64) } };

		v_addr(kind, i, a, sizeof(a));
		if (victim_state(kind, i) || xdp(&s, NULL) != XDP_TX)
			lost++;
	}
	return lost;
}

struct trial {
	const char *mode;
	uint32_t pairs;                 /* spoofed pairs sent */
	double evicted[NV];             /* pairs when each unconfirmed victim was gone; -1: never */
	int lost[V_KINDS];
	double init_ns, cookie_ns;      /* sums of opts.duration */
	uint32_t bad;                   /* unexpected verdicts */
	uint64_t created;               /* ASSOC_CREATED during the flood */
	double wall_s;
};

/* Spoofed pair j: INIT then COOKIE-ECHO from one (address, port), half IPv4. */
static void pair(uint32_t j, struct trial *t)
{
	char src[48];
	uint32_t h = j / 2, ts = 0x90000000u ^ (j * 0x9e3779b1u);
	struct pkt_spec i = { .src = src, .dport = SP_PORT,
			      .chunks = { CH_INIT((j + 1) * 2654435761u, src) } };
	struct pkt_spec c = { .src = src, .dport = SP_PORT, .vtag = ts ? ts : 1,
			      .chunks = { CH_COOKIE() } };

	if (j & 1) {
		snprintf(src, sizeof(src), "2001:db8:c:f::%x:%x", h >> 16, h & 0xffff);
		i.dst = c.dst = SP_VIP6;
		i.sport = c.sport = 1024 + h % 60000;
	} else {
		snprintf(src, sizeof(src), "203.0.113.%u", h % 256);
		i.dst = c.dst = SP_VIP4;
		i.sport = c.sport = 1024 + (h / 256) % 60000;
	}
	if (xdp(&i, &t->init_ns) != XDP_TX)
		t->bad++;
	if (xdp(&c, &t->cookie_ns) != XDP_TX)
		t->bad++;
}

/* mode 0: all on CPU 0; 1: victims on 0, flood alternating; 2: victims on 1, flood on 0. */
static void trial_run(int mode, uint32_t max_pending, uint32_t min_pairs, struct trial *t)
{
	static const char *const modes[] = {
		"one CPU", "victims on CPU 0, flood alternating CPUs every 2048 pairs",
		"victims on CPU 1, flood on CPU 0",
	};
	uint32_t cap = 2 * max_pending, left = NV, j;
	uint64_t c0, t0;
	int i, k;

	memset(t, 0, sizeof(*t));
	t->mode = modes[mode];
	SFX = FX;                       /* the namespace's interfaces; a fresh sctplb */
	SFX.skel = NULL;
	if (bench_load(&SFX, max_pending == SCTPLB_MAX_ASSOCS ? 0 : max_pending))
		DIE("spoof: load");
	configure(&SFX);
	on_cpu(mode == 2 ? 1 : 0);
	victims_make();
	for (i = 0; i < NV; i++)
		t->evicted[i] = -1;
	on_cpu(0);
	c0 = stat_get(&SFX, SCTPLB_STAT_ASSOC_CREATED);
	t0 = now_ns();
	for (j = 0; j < cap && (left || j < min_pairs); j++) {
		if (mode == 1 && j % BLOCK == 0)
			on_cpu(j / BLOCK);
		pair(j, t);
		if ((j + 1) % (j < max_pending / 4 * 3 ? CHECK : CHECK_NEAR) || !left)
			continue;
		for (i = 0; i < NV; i++)
			if (t->evicted[i] < 0 && victim_state(V_PENDING, i)) {
				t->evicted[i] = j + 1;
				left--;
			}
	}
	t->wall_s = (now_ns() - t0) / 1e9;
	t->pairs = j;
	t->created = stat_get(&SFX, SCTPLB_STAT_ASSOC_CREATED) - c0;
	on_cpu(0);
	for (k = V_PROMOTED; k < V_KINDS; k++)
		t->lost[k] = victims_lost(k);
	fx_unload(&SFX);
}

void section_spoof(void)
{
	uint32_t max_pending = QUICK ? 16384 : SCTPLB_MAX_ASSOCS;
	int ntrials = 2, m, i;
	struct trial t[3];
	cpu_set_t all;
	uint8_t fpkt[PKT_MAX];
	size_t flen;
	static size_t one[1];
	uint32_t ret, bad = 0, pairs = 0, allbad = 0, lost_p = 0, lost_c = 0;
	double floor_n, oh0, oh1, oh, ev[3 * NV], nev = 0, init = 0, cookie = 0, wall = 0;
	double evmin = -1;
	uint64_t created = 0;
	struct pkt_spec fs = { .src = SP_VIP4, .dst = SP_VIP4, .sport = 1, .dport = 2, .proto = 6 };

	NCPU_ON = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	if (sched_getaffinity(0, sizeof(all), &all))
		DIE("sched_getaffinity: %s", strerror(errno));
	flen = build(&fs, fpkt);
	one[0] = flen;
	on_cpu(0);
	floor_n = run_prog(FLOOR, fpkt, flen, FX.if_in, REPEAT, &ret);
	oh0 = run_pool(FLOOR, fpkt, one, K1, true, XDP_TX, &bad) - floor_n;

	printf("\n6. Spoofed INIT + COOKIE-ECHO pairs (direct return: nothing confirms them) against "
	       "real associations, unconfirmed table of %u entries (%d-way sets)%s\n", max_pending,
	       SCTPLB_PENDING_WAYS,
	       QUICK ? " (--quick: not the default size)" : " (the default)");
	for (m = 0; m < ntrials; m++) {
		trial_run(m, max_pending, max_pending, &t[m]);
		double e[NV], emin;
		int ne = 0;

		for (i = 0; i < NV; i++)
			if (t[m].evicted[i] >= 0)
				e[ne++] = ev[(int)nev++] = t[m].evicted[i];
		emin = ne ? minimum(e, ne) : -1;
		if (emin >= 0 && (evmin < 0 || emin < evmin))
			evmin = emin;
		printf("   trial %d (%s): %u pairs; unconfirmed victims evicted %d of %d, the first "
		       "after %.0f pairs, median %.0f; promoted lost %d of %d, confirmed lost %d of %d\n",
		       m + 1, t[m].mode, t[m].pairs, ne, NV, emin, ne ? median(e, ne) : -1,
		       t[m].lost[V_PROMOTED], NV, t[m].lost[V_CONFIRMED], NV);
		pairs += t[m].pairs;
		init += t[m].init_ns;
		cookie += t[m].cookie_ns;
		allbad += t[m].bad;
		wall += t[m].wall_s;
		created += t[m].created;
		lost_p += t[m].lost[V_PROMOTED];
		lost_c += t[m].lost[V_CONFIRMED];
	}
	on_cpu(0);
	oh1 = run_pool(FLOOR, fpkt, one, K1, true, XDP_TX, &bad) - floor_n;
	oh = (oh0 + oh1) / 2;
	if (sched_setaffinity(0, sizeof(all), &all))
		DIE("sched_setaffinity: %s", strerror(errno));
	if (bad)
		DIE("spoof: the floor's verdict");
	if (allbad)
		fprintf(stderr, "bench: warning: %u spoofed packets with a verdict other than TX\n",
			allbad);

	double pi = init / pairs - oh, pc = cookie / pairs - oh, pp = (pi + pc) / 2;

	if (evmin < 0)
		printf("   no unconfirmed victim was evicted within %u pairs\n", 2 * max_pending);
	else
		printf("   fewest pairs that evicted a just-touched unconfirmed association: %.0f "
		       "(%.2fx the table): %.0f pairs/s (%.0f packets/s) evict one active every %d s\n",
		       evmin, evmin / max_pending, evmin / WINDOW_S, 2 * evmin / WINDOW_S, WINDOW_S);
	printf("   promoted (client's %dth packet) or confirmed (COOKIE-ACK): lost %u of %d and "
	       "%u of %d, over %u pairs\n", SCTPLB_CONFIRM_PACKETS, lost_p, ntrials * NV, lost_c,
	       ntrials * NV, pairs);
	printf("   flood cost: INIT %.1f ns (%.2fx), COOKIE-ECHO %.1f ns (%.2fx), per packet %.1f ns "
	       "(%.2fx floor %.1f ns; repeat=1, overhead %.1f ns subtracted): %.0f packets/s per "
	       "CPU; associations stored %llu of %u pairs; wall clock %.0f packets/s with packet "
	       "building\n", pi, pi / floor_n, pc, pc / floor_n, pp, pp / floor_n, floor_n, oh,
	       1e9 / pp, (unsigned long long)created, pairs, 2.0 * pairs / wall);
	fprintf(J, ",\n  \"spoof\": {\"max_pending\": %u, \"victims_per_kind\": %d, "
		"\"window_s\": %d, \"trials\": [", max_pending, NV, WINDOW_S);
	for (m = 0; m < ntrials; m++) {
		fprintf(J, "%s\n    {\"mode\": \"%s\", \"pairs\": %u, \"evicted_at\": [", m ? "," : "",
			t[m].mode, t[m].pairs);
		for (i = 0; i < NV; i++)
			fprintf(J, "%s%.0f", i ? ", " : "", t[m].evicted[i]);
		fprintf(J, "], \"promoted_lost\": %d, \"confirmed_lost\": %d}",
			t[m].lost[V_PROMOTED], t[m].lost[V_CONFIRMED]);
	}
	fprintf(J, "\n  ],\n    \"pairs_to_evict_min\": %.0f, \"pairs_to_evict_median\": %.0f, "
		"\"evict_pairs_per_s\": %.0f, \"evict_packets_per_s\": %.0f, "
		"\"promoted_lost\": %u, \"confirmed_lost\": %u, \"never_evicted_n\": %d, "
		"\"pairs_total\": %u, \"init_ns\": %.1f, \"cookie_ns\": %.1f, \"packet_ns\": %.1f, "
		"\"floor_ns\": %.1f, \"ratio\": %.2f, \"packets_per_s_per_cpu\": %.0f, "
		"\"wall_packets_per_s\": %.0f, \"unexpected_verdicts\": %u}",
		evmin, nev ? median(ev, (int)nev) : -1, evmin / WINDOW_S, 2 * evmin / WINDOW_S,
		lost_p, lost_c, 2 * ntrials * NV, pairs, pi, pc, pp, floor_n, pp / floor_n, 1e9 / pp,
		2.0 * pairs / wall, allbad);
}
