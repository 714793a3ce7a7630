// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_events: the association events (bpf/lib/event.h) that the loaded
 * programs write into the ring buffer `events`, read back as `sctplb
 * monitor` reads them (ring_buffer__consume): each kind with its exact
 * fields, from a conversation played through sctplb_xdp and
 * sctplb_tc_return with the datapath's clock injected; "expired" from the
 * sweep (gc_sweep through sctplb_event_emit); the per-CPU rate limit and
 * its counter with the injected clock; the ring buffer full without a reader
 * (event_lost) while every packet is still forwarded; and the XDP redirect
 * refused by a veth whose peer is down, counted by the tracepoint programs
 * (redirect_errs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"
#include "gc.h"
#include "ctl.h"
#include "events.h"
#include "pkt.h"
#include "sctplb.skel.h"
#include "seq.h"

#define SVC   1
#define PORT  36412
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define C4    "198.51.100.50"
#define C6    "2001:db8:2::50"
#define C4B   "198.51.100.51"
#define C6B   "2001:db8:2::51"  /* a client no association has used */
#define DENIED "198.51.100.77"
#define NSEC  1000000000ull
#define TC1   0x7c000001u
#define TS1   0x75000001u

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "192.0.2.12", "2001:db8:1::12" };
static struct fx fx;
static uint64_t now = 1000 * NSEC;
static int failures;
static struct ring_buffer *rb;
static struct sctplb_event got[64];
static int ngot;

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len == sizeof(struct sctplb_event) && ngot < 64)
		memcpy(&got[ngot++], data, len);
	return 0;
}

/* Everything written so far. */
static void drain(void)
{
	ngot = 0;
	ring_buffer__consume(rb);
}

static const char *kind_name(__u32 k)
{
	static const char *const n[] = { "none",
#define N(name, str, what) str,
		SCTPLB_EVENT_KINDS(N)
#undef N
	};
	return k < SCTPLB_EV_MAX ? n[k] : "?";
}

static void check(const char *name, bool ok, const char *why)
{
	if (ok) {
		printf("PASS events_%s\n", name);
	} else {
		printf("FAIL events_%s: %s\n", name, why);
		failures++;
	}
}

struct want {
	__u32 kind, backend, vtag, ctag;
	__u8 path, from_path, detail;
	const char *client;     /* NULL: no address */
};

static char why[1024];

/* got[i] is exactly w: every field. */
static bool is(int i, const struct want *w)
{
	const struct sctplb_event *e = &got[i];
	struct sctplb_addr c = {};

	if (i >= ngot) {
		snprintf(why, sizeof(why), "%d events, no event %d (%s expected)", ngot, i,
			 kind_name(w->kind));
		return false;
	}
	if (w->client)
		c = pkt_addr(w->client);
	if (e->kind != w->kind || e->service_id != SVC || e->backend_id != w->backend ||
	    e->vtag != w->vtag || e->ctag != w->ctag || e->cport != htons(CPORT) ||
	    e->sport != htons(PORT) || e->path != w->path || e->from_path != w->from_path ||
	    e->detail != w->detail || e->time_ns != now ||
	    memcmp(&e->client, &c, sizeof(c))) {
		snprintf(why, sizeof(why), "event %d: %s svc %u be %u vtag %#x ctag %#x ports %u->%u "
			 "path %u from %u detail %u time %llu family %u; expected %s be %u vtag %#x "
			 "ctag %#x path %u from %u detail %u time %llu client %s", i,
			 kind_name(e->kind), e->service_id, e->backend_id, e->vtag, e->ctag,
			 ntohs(e->cport), ntohs(e->sport), e->path, e->from_path, e->detail,
			 (unsigned long long)e->time_ns, e->client.family, kind_name(w->kind),
			 w->backend, w->vtag, w->ctag, w->path, w->from_path, w->detail,
			 (unsigned long long)now, w->client ? w->client : "none");
		return false;
	}
	return true;
}

static bool only(int n)
{
	if (ngot != n) {
		snprintf(why, sizeof(why), "%d events, expected %d (first: %s)", ngot, n,
			 ngot ? kind_name(got[0].kind) : "-");
		return false;
	}
	return true;
}

static int pkt(const char *src, const char *dst, __u32 vtag, struct chunk_spec ch,
	       struct seq_out *o)
{
	struct pkt_spec s = { .src = src, .dst = dst, .sport = CPORT, .dport = PORT, .vtag = vtag,
			      .chunks = { ch } };

	return seq_run(&fx, &s, true, now, o);
}

/* A backend's packet on the return path (DSR: from the VIP). */
static int ret(const char *vip, const char *client, __u32 vtag, struct chunk_spec ch,
	       struct seq_out *o)
{
	struct pkt_spec s = { .src = vip, .dst = client, .sport = PORT, .dport = CPORT,
			      .vtag = vtag, .chunks = { ch } };

	return seq_run(&fx, &s, false, now, o);
}

static void settings(__u32 rate, __u32 burst)
{
	struct sctplb_config c = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(fx.settings, &zero, &c);
	c.event_rate = rate;
	c.event_burst = burst;
	bpf_map_update_elem(fx.settings, &zero, &c, BPF_ANY);
}

static void test_lifecycle(void)
{
	struct seq_out o;
	int i;

	/* An INIT changes no association: no event. */
	pkt(C4, VIP4, 0, (struct chunk_spec)CH_INIT(TC1), &o);
	drain();
	check("init_none", only(0), why);

	now += NSEC;
	pkt(C4, VIP4, TS1, (struct chunk_spec)CH_COOKIE(), &o);
	drain();
	check("established", only(2) &&
	      is(0, &(struct want){ SCTPLB_EV_ESTABLISHED, 1, TS1, TC1, 0, SCTPLB_EV_NO_PATH, 0,
				    C4 }), why);
	check("path_new_first", ngot == 2 &&
	      is(1, &(struct want){ SCTPLB_EV_PATH_NEW, 1, TS1, TC1, 0, SCTPLB_EV_NO_PATH, 0,
				    C4 }), why);

	/* DATA on path 0: the 4th packet promotes it (direct return). */
	for (i = 0; i < 3; i++) {
		now += NSEC;
		pkt(C4, VIP4, TS1, (struct chunk_spec)CH_DATA(), &o);
		drain();
		if (i < 2)
			check(i ? "data_none_2" : "data_none_1", only(0), why);
	}
	check("promoted", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_PROMOTED, 1, TS1, TC1, 0, SCTPLB_EV_NO_PATH, 0, C4 }),
	      why);

	/* DATA on path 1 (IPv6): a new path, and the DATA moved there. */
	now += NSEC;
	pkt(C6, VIP6, TS1, (struct chunk_spec)CH_DATA(), &o);
	drain();
	check("failover_new_path", only(2) &&
	      is(0, &(struct want){ SCTPLB_EV_PATH_NEW, 1, TS1, TC1, 1, SCTPLB_EV_NO_PATH, 0, C6 }) &&
	      is(1, &(struct want){ SCTPLB_EV_FAILOVER, 1, TS1, TC1, 1, 0, 0, C6 }), why);
	/* A HEARTBEAT on path 0 is no failover; DATA there is, back. */
	now += NSEC;
	pkt(C4, VIP4, TS1, (struct chunk_spec)CH(CT_HEARTBEAT), &o);
	drain();
	check("heartbeat_no_failover", only(0), why);
	now += NSEC;
	pkt(C4, VIP4, TS1, (struct chunk_spec)CH_DATA(), &o);
	drain();
	check("failover_back", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_FAILOVER, 1, TS1, TC1, 0, 1, 0, C4 }), why);
	now += NSEC;
	pkt(C4, VIP4, TS1, (struct chunk_spec)CH_DATA(), &o);
	drain();
	check("same_path_none", only(0), why);

	/* The client restarts: an INIT with another tag from its address. */
	now += NSEC;
	pkt(C4, VIP4, 0, (struct chunk_spec)CH_INIT(TC1 + 1), &o);
	drain();
	check("restart", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_RESTART, 1, TS1, TC1 + 1, 0, SCTPLB_EV_NO_PATH, 0,
				    C4 }), why);

	/* A T-bit ABORT carries Tc: the event has no Ts. */
	now += NSEC;
	pkt(C4, VIP4, TC1, (struct chunk_spec)CH_ABORT_T, &o);
	drain();
	check("closing_tbit", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_CLOSING, 1, 0, TC1, 0, SCTPLB_EV_NO_PATH, 0, C4 }),
	      why);
	now += NSEC;
	pkt(C4, VIP4, TC1, (struct chunk_spec)CH_ABORT_T, &o);
	drain();
	check("closing_once", only(0), why);
}

/* The return path: the INIT-ACK's association, confirmed, ended by the backend. */
static void test_return(void)
{
	const __u32 tc = 0x7c000010u, ts = 0x75000010u;
	struct seq_out o;

	now += NSEC;
	pkt(C4B, VIP4, 0, (struct chunk_spec)CH_INIT(tc), &o);
	ret(VIP4, C4B, tc, (struct chunk_spec)CH(CT_INIT_ACK, .tag = ts), &o);
	drain();
	check("established_init_ack", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_ESTABLISHED, 1, ts, tc, 0, SCTPLB_EV_NO_PATH, 0,
				    C4B }), why);
	now += NSEC;
	pkt(C4B, VIP4, ts, (struct chunk_spec)CH_COOKIE(), &o);
	drain();
	check("cookie_path_new", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_PATH_NEW, 1, ts, tc, 0, SCTPLB_EV_NO_PATH, 0, C4B }),
	      why);
	now += NSEC;
	ret(VIP4, C4B, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o);
	drain();
	check("confirmed", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_CONFIRMED, 1, ts, tc, 0, SCTPLB_EV_NO_PATH, 0, C4B }),
	      why);
	/* The backend's ABORT (not T-bit) carries Tc. */
	now += NSEC;
	ret(VIP4, C4B, tc, (struct chunk_spec)CH(CT_ABORT), &o);
	drain();
	check("closing_by_backend", only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_CLOSING, 1, 0, tc, 0, SCTPLB_EV_NO_PATH, 0, C4B }),
	      why);
}

/* A COOKIE-ECHO whose key another backend's association holds. */
static void test_collision(void)
{
	const __u32 tc = 0x7c000020u, ts = 0x75000020u;
	struct sctplb_assoc_key k = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
	struct sctplb_assoc a = { .backend_id = 2, .state = SCTPLB_ASSOC_ESTABLISHED,
				  .seen = sctplb_stamp(now) };
	struct seq_out o;

	fx_assoc_put(&fx, &k, &a, BPF_ANY);
	now += NSEC;
	pkt(C6B, VIP6, 0, (struct chunk_spec)CH_INIT(tc), &o);
	now += NSEC;
	pkt(C6B, VIP6, ts, (struct chunk_spec)CH_COOKIE(), &o);
	drain();
	check("collision", o.d[SCTPLB_STAT_ASSOC_COLLISION] == 1 && only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_COLLISION, 1, ts, tc, 1, SCTPLB_EV_NO_PATH, 0,
				    C6B }), why);
	bpf_map_delete_elem(fx.assocs, &k);
}

static void test_policy(void)
{
	struct sctplb_policy4_key k = { .prefixlen = 64, .service_id = htonl(SVC) };
	struct sctplb_policy v = { .action = SCTPLB_POLICY_DENY };
	struct seq_out o;

	inet_pton(AF_INET, DENIED, &k.addr);
	bpf_map_update_elem(bpf_map__fd(fx.skel->maps.policy4), &k, &v, BPF_ANY);
	now += NSEC;
	pkt(DENIED, VIP4, 0, (struct chunk_spec)CH_INIT(0x7c000030u), &o);
	drain();
	check("policy_drop", o.reason == SCTPLB_STAT_POLICY_DROP && only(1) &&
	      is(0, &(struct want){ SCTPLB_EV_POLICY_DROP, 0, 0, 0, 0, SCTPLB_EV_NO_PATH, 0,
				    DENIED }), why);
}

/* Promotion into a full confirmed table. */
static void test_table_full(void)
{
	const __u32 tc = 0x7c000040u, ts = 0x75000040u;
	struct sctplb_assoc a = { .backend_id = 2, .state = SCTPLB_ASSOC_ESTABLISHED };
	struct seq_out o;
	__u32 i, filled = 0;
	int j;

	for (i = 0; i < 100000; i++) {
		struct sctplb_assoc_key k = fx_assoc_key(SVC, 0x10000000u + i, htons(1), htons(PORT));

		/* Filler of other ports: no filter bit needed. */
		if (bpf_map_update_elem(fx.assocs, &k, &a, BPF_NOEXIST))
			break;
		filled++;
	}
	now += NSEC;
	pkt(C4, VIP4, 0, (struct chunk_spec)CH_INIT(tc), &o);
	pkt(C4, VIP4, ts, (struct chunk_spec)CH_COOKIE(), &o);
	for (j = 0; j < 3; j++)
		pkt(C4, VIP4, ts, (struct chunk_spec)CH_DATA(), &o);
	drain();
	check("table_full", o.d[SCTPLB_STAT_ASSOC_TABLE_FULL] == 1 && ngot >= 1 &&
	      is(ngot - 1, &(struct want){ SCTPLB_EV_TABLE_FULL, 1, ts, tc, 0, SCTPLB_EV_NO_PATH,
					   0, C4 }), why);
	for (i = 0; i < filled; i++) {
		struct sctplb_assoc_key k = fx_assoc_key(SVC, 0x10000000u + i, htons(1), htons(PORT));

		bpf_map_delete_elem(fx.assocs, &k);
	}
}

/* The sweep's "expired", through sctplb_event_emit. */
static void test_expired(void)
{
	struct sctplb_config cfg = {};
	struct gc_result r;
	struct lb_maps m;
	int i, err;

	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	snprintf(m.dir, sizeof(m.dir), "(unpinned)");
	for (i = 0; i < LB_MAP_N; i++)
		m.fd[i] = bpf_map__fd(bpf_object__find_map_by_name(fx.skel->obj, lb_map_names[i]));
	lb_ctl_use_prog(LB_CTL_EVENT_EMIT, bpf_program__fd(fx.skel->progs.sctplb_event_emit));
	drain();
	/* TS1 ended (ABORT above) past the grace; the rest idle or fresh. */
	now += 10 * NSEC;
	fx_set_clock(&fx, now);
	err = gc_sweep(&m, now, &cfg, &r);
	drain();
	for (i = 0; i < ngot; i++)
		if (got[i].vtag == TS1)
			break;
	check("expired", !err && r.assocs_closed >= 1 && i < ngot &&
	      is(i, &(struct want){ SCTPLB_EV_EXPIRED, 1, TS1, TC1, 0, SCTPLB_EV_NO_PATH,
				    SCTPLB_EXPIRY_CLOSED, C4 }), err ? "sweep failed" : why);
}

/* event_rate 2 a second, bursts of 3, per CPU, with the clock injected. */
static void test_rate(void)
{
	uint64_t before[SCTPLB_STAT_MAX], after[SCTPLB_STAT_MAX];
	struct seq_out o;
	int i, first, later;

	settings(2, 3);
	now += 100 * NSEC;      /* the bucket is full again */
	fx_stats(&fx, before);
	for (i = 0; i < 5; i++)
		pkt(DENIED, VIP4, 0, (struct chunk_spec)CH_INIT(0x7c000050u + i), &o);
	drain();
	first = ngot;
	fx_stats(&fx, after);
	check("rate_burst", first == 3 &&
	      after[SCTPLB_STAT_EVENT_RATELIMITED] - before[SCTPLB_STAT_EVENT_RATELIMITED] == 2 &&
	      after[SCTPLB_STAT_POLICY_DROP] - before[SCTPLB_STAT_POLICY_DROP] == 5,
	      (snprintf(why, sizeof(why), "%d events, %llu rate-limited of 5", first,
			(unsigned long long)(after[SCTPLB_STAT_EVENT_RATELIMITED] -
					     before[SCTPLB_STAT_EVENT_RATELIMITED])), why));
	/* Half a second later: one event's credit (2 a second). */
	now += NSEC / 2;
	for (i = 0; i < 3; i++)
		pkt(DENIED, VIP4, 0, (struct chunk_spec)CH_INIT(0x7c000060u + i), &o);
	drain();
	later = ngot;
	check("rate_refill", later == 1,
	      (snprintf(why, sizeof(why), "%d events half a second later, expected 1", later), why));
	settings(0, 0);
}

/* Nobody reads: the ring buffer fills, forwarding goes on, the rest is counted. */
static void test_lost(void)
{
	uint64_t before[SCTPLB_STAT_MAX], after[SCTPLB_STAT_MAX];
	const int n = SCTPLB_EVENTS_SIZE / (sizeof(struct sctplb_event) + 8) + 2000;
	struct seq_out o;
	long emitted, lost;
	int i, total = 0;

	settings(1000000000u, 1000000u);
	now += 100 * NSEC;      /* the bucket is full: only the ring buffer limits */
	drain();
	fx_stats(&fx, before);
	for (i = 0; i < n; i++)
		pkt(DENIED, VIP4, 0, (struct chunk_spec)CH_INIT(0x20000000u + i), &o);
	fx_stats(&fx, after);
	emitted = after[SCTPLB_STAT_EVENTS] - before[SCTPLB_STAT_EVENTS];
	lost = after[SCTPLB_STAT_EVENT_LOST] - before[SCTPLB_STAT_EVENT_LOST];
	while (ngot = 0, ring_buffer__consume(rb) > 0)
		total += ngot; /* 64 a batch at most are kept; all are counted */
	check("lost", lost >= 2000 && emitted + lost == n &&
	      after[SCTPLB_STAT_POLICY_DROP] - before[SCTPLB_STAT_POLICY_DROP] == (uint64_t)n,
	      (snprintf(why, sizeof(why), "%d events made: %ld written, %ld lost", n, emitted,
			lost), why));
	settings(0, 0);
}

/* Frames redirected to slb-out, whose peer is down: refused, counted. */
static void test_redirect_err(void)
{
	struct bpf_link *l1, *l2;
	struct sctplb_redirect_err_key k = { .ifindex = fx.if_out };
	struct stat st;
	int fd = bpf_map__fd(fx.skel->maps.redirect_errs), i, ncpu = libbpf_num_possible_cpus();
	__u64 v[512], sum = 0;
	struct pkt_spec s = { .src = C4, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = TS1,
			      .chunks = { CH_DATA() } };
	struct sctplb_assoc_key ak = fx_assoc_key(SVC, 0x75000070u, htons(CPORT), htons(PORT));
	struct sctplb_assoc a = { .backend_id = 3, .state = SCTPLB_ASSOC_ESTABLISHED };
	uint8_t frame[PKT_MAX];
	struct pkt_info info;
	int len;

	if (stat("/proc/self/ns/net", &st) || ncpu > 512) {
		check("redirect_err", false, "no netns inode");
		return;
	}
	k.netns = st.st_ino;
	l1 = bpf_program__attach(fx.skel->progs.sctplb_redirect_err);
	l2 = bpf_program__attach(fx.skel->progs.sctplb_devmap_xmit);
	if (!l1 || !l2) {
		check("redirect_err", false, "cannot attach the tracepoint programs");
		return;
	}
	/* backend 3 lives behind slb-out (198.51.100.13) */
	fx_assoc_put(&fx, &ak, &a, BPF_ANY);
	s.vtag = 0x75000070u;
	if (system("ip link set slb-out-peer down"))
		check("redirect_err", false, "cannot set slb-out-peer down");
	len = pkt_build(&s, fx.mac_in, frame, &info);
	for (i = 0; i < 5; i++)
		fx_run_live(&fx, frame, len);
	/* Whatever the errno (veth: -EOPNOTSUPP or -ENXIO by kernel), on slb-out of this namespace. */
	{
		struct sctplb_redirect_err_key kk, *pk = NULL;

		while (bpf_map_get_next_key(fd, pk, &kk) == 0) {
			if (kk.netns == k.netns && kk.ifindex == k.ifindex && kk.err < 0 &&
			    bpf_map_lookup_elem(fd, &kk, v) == 0)
				for (i = 0; i < ncpu; i++)
					sum += v[i];
			pk = &kk;
		}
	}
	check("redirect_err", sum == 5,
	      (snprintf(why, sizeof(why), "%llu refused redirects to slb-out counted, "
			"expected 5", (unsigned long long)sum), why));
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	bpf_map_delete_elem(fx.assocs, &ak);
}

int main(void)
{
	static const char *const BE3[SCTPLB_MAX_PATHS] = { "198.51.100.13", "2001:db8:1::13" };
	struct fx_load_opts lo = { .test_clock = true, .assocs_max = 64 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* One CPU: the rate limit is per CPU, and a test run runs where it is called. */
	if (fx_one_cpu()) {
		printf("FAIL events: setup\n");
		return 1;
	}
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) ||
	    fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE2) ||
	    fx_backend(&fx, 3, SVC, SCTPLB_BE_F_ACTIVE, BE3) || fx_table_all(&fx, SVC, 1)) {
		printf("FAIL events: setup\n");
		return 1;
	}
	fx_set_clock(&fx, now);
	rb = ring_buffer__new(bpf_map__fd(fx.skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		printf("FAIL events: cannot read the ring buffer\n");
		return 1;
	}
	test_lifecycle();
	test_return();
	test_collision();
	test_policy();
	test_expired();
	test_table_full();
	test_rate();
	test_lost();
	test_redirect_err();
	ring_buffer__free(rb);
	fx_unload(&fx);
	return failures ? 1 : 0;
}
