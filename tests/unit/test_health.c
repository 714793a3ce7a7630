// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Path health and failover counting (user/lib/health.c), with time injected:
 * a table of path counters at given ages -> active, standby, silent, unused;
 * then a sequence of looks at associations whose DATA moves between paths ->
 * exact failover counts per backend.  No BPF, no clock.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

#define S(x)  ((__u64)(x) * 1000000000ull)
#define MS(x) ((__u64)(x) * 1000000ull)
#define NOW   S(100000)

static int failed;

#define CHECK(name, cond, ...) do {                                     \
	if (cond) printf("PASS %s\n", name);                             \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failed = 1; } \
} while (0)

struct hcase {
	const char *name;
	__u64 packets, data;            /* counts */
	__u64 seen_ago, data_ago;       /* ns before NOW; ~0: never */
	__u32 silent_s;                 /* settings.path_silent_s (0: default 60 s) */
	enum lb_path_health want;
};

#define NEVER (~0ull)

static const struct hcase hcases[] = {
	{ "never_seen", 0, 0, NEVER, NEVER, 0, LB_PATH_UNUSED },
	{ "data_now", 10, 5, 0, 0, 0, LB_PATH_ACTIVE },
	{ "data_59s_ago_default", 10, 5, S(1), S(59), 0, LB_PATH_ACTIVE },
	{ "data_60s_ago_default_hb_now", 10, 5, S(1), S(60), 0, LB_PATH_STANDBY },
	{ "heartbeats_only", 10, 0, S(2), NEVER, 0, LB_PATH_STANDBY },
	{ "heartbeats_only_59s", 10, 0, S(59), NEVER, 0, LB_PATH_STANDBY },
	{ "nothing_60s_default", 10, 0, S(60), NEVER, 0, LB_PATH_SILENT },
	{ "data_then_nothing_60s", 10, 10, S(60), S(60), 0, LB_PATH_SILENT },
	{ "silent_5s_configured", 10, 10, S(5), S(5), 5, LB_PATH_SILENT },
	{ "active_4999ms_configured", 10, 10, MS(4999), MS(4999), 5, LB_PATH_ACTIVE },
	{ "standby_after_failover", 10, 10, MS(500), S(7), 5, LB_PATH_STANDBY },
	/* another CPU stamped a little after "now": age 0, not a wrap */
	{ "stamp_after_now", 10, 10, 0, 0, 5, LB_PATH_ACTIVE },
};

static void stamp(struct sctplb_path_counters *c, __u64 packets, __u64 data, __u64 seen_ago,
		  __u64 data_ago)
{
	memset(c, 0, sizeof(*c));
	c->packets = packets;
	c->data_chunks = data;
	c->heartbeats = packets - data;
	c->last_seen_ns = seen_ago == NEVER ? 0 : NOW - seen_ago;
	c->last_data_ns = data_ago == NEVER ? 0 : NOW - data_ago;
}

static void test_health(void)
{
	size_t i;

	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		const struct hcase *h = &hcases[i];
		struct sctplb_config cfg = { .path_silent_s = h->silent_s };
		struct sctplb_path_counters c;
		enum lb_path_health got;
		char name[80];

		stamp(&c, h->packets, h->data, h->seen_ago, h->data_ago);
		if (!strcmp(h->name, "stamp_after_now"))
			c.last_seen_ns = c.last_data_ns = NOW + MS(3);
		got = lb_path_health(&c, NOW, lb_path_silent_ns(&cfg));
		snprintf(name, sizeof(name), "health_%s", h->name);
		CHECK(name, got == h->want, "got %s, expected %s", lb_path_health_names[got],
		      lb_path_health_names[h->want]);
	}
	/* An association's path, from its stamps (134 ms): the same rules. */
	{
		struct sctplb_assoc a = {};
		__u64 silent = lb_path_silent_ns(NULL);

		CHECK("health_assoc_unused", lb_assoc_path_health(&a, 0, NOW, silent) == LB_PATH_UNUSED,
		      "a path never stamped is not unused");
		a.path[0].seen = a.path[0].data = sctplb_stamp(NOW - S(59));
		a.path[1].seen = sctplb_stamp(NOW - S(1));
		a.path[1].data = sctplb_stamp(NOW - S(61));
		a.path[2].seen = a.path[2].data = sctplb_stamp(NOW - S(61));
		CHECK("health_assoc_stamps", lb_assoc_path_health(&a, 0, NOW, silent) == LB_PATH_ACTIVE &&
		      lb_assoc_path_health(&a, 1, NOW, silent) == LB_PATH_STANDBY &&
		      lb_assoc_path_health(&a, 2, NOW, silent) == LB_PATH_SILENT,
		      "got %s %s %s, expected active standby silent",
		      lb_path_health_names[lb_assoc_path_health(&a, 0, NOW, silent)],
		      lb_path_health_names[lb_assoc_path_health(&a, 1, NOW, silent)],
		      lb_path_health_names[lb_assoc_path_health(&a, 2, NOW, silent)]);
		/* never early: a stamp stands for the end of its 134 ms */
		a.path[3].seen = sctplb_stamp(NOW - silent);
		CHECK("health_assoc_stamp_not_early",
		      lb_assoc_path_health(&a, 3, NOW - 1, silent) != LB_PATH_SILENT,
		      "silent before its time");
	}
	CHECK("health_default_is_60s", lb_path_silent_ns(NULL) == S(SCTPLB_PATH_SILENT_S) &&
	      SCTPLB_PATH_SILENT_S == 60, "%llu", (unsigned long long)lb_path_silent_ns(NULL));
}

/* An association of backend `be` whose DATA last came on path `dp` at time t. */
static void assoc_at(struct sctplb_assoc *a, struct sctplb_assoc_key *k, __u32 vtag, __u32 be,
		     int dp, __u64 t)
{
	int p;

	memset(k, 0, sizeof(*k));
	k->service_id = 1;
	k->vtag = vtag;
	k->cport = 1000 + vtag;
	k->sport = 36412;
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		/* a previous DATA on every path used, older than dp's */
		if (a->backend_id != be || !a->path[p].data)
			a->path[p].data = 0;
	}
	a->backend_id = be;
	if (dp >= 0) {
		a->path[dp].data = sctplb_stamp(t);
		a->path[dp].seen = sctplb_stamp(t);
	}
}

static __u64 fo_count(const struct lb_failover *t, __u32 sid, __u32 be)
{
	size_t i;

	for (i = 0; i < t->ncount; i++)
		if (t->count[i].service_id == sid && t->count[i].backend_id == be)
			return t->count[i].failovers;
	return 0;
}

/*
 * Four associations, looked at 6 times:
 *   A (backend 1): path 0, 0, 1 (failover), 1, 0 (back), 0      -> 2
 *   B (backend 1): path 0 every time                            -> 0
 *   C (backend 2): no DATA, then path 1, then path 0 (failover) -> 1
 *   D (backend 2): path 1, then gone (ended) at look 3, and a new association with
 *      the same key on path 0 at look 5: a new life, not a failover -> 0
 */
static void test_failover(void)
{
	static const int pa[6] = { 0, 0, 1, 1, 0, 0 }, pc[6] = { -1, 1, 0, 0, 0, 0 },
			 pd[6] = { 1, 1, -2, -2, 0, 0 };
	struct sctplb_assoc a = {}, b = {}, c = {}, d = {};
	struct lb_failover t = {};
	struct sctplb_assoc_key k;
	int look, moves[6] = { 0 };

	for (look = 0; look < 6; look++) {
		__u64 now = NOW + S(look);

		lb_failover_begin(&t);
		assoc_at(&a, &k, 1, 1, pa[look], now);
		moves[look] += lb_failover_see(&t, &k, &a);
		assoc_at(&b, &k, 2, 1, 0, now);
		moves[look] += lb_failover_see(&t, &k, &b);
		assoc_at(&c, &k, 3, 2, pc[look], now);
		moves[look] += lb_failover_see(&t, &k, &c);
		if (pd[look] != -2) {
			if (look == 4)
				memset(&d, 0, sizeof(d)); /* a new association, same key */
			assoc_at(&d, &k, 4, 2, pd[look], now);
			moves[look] += lb_failover_see(&t, &k, &d);
		}
		lb_failover_end(&t);
	}
	CHECK("failover_backend1", fo_count(&t, 1, 1) == 2, "backend 1: %llu failovers, expected 2",
	      (unsigned long long)fo_count(&t, 1, 1));
	CHECK("failover_backend2", fo_count(&t, 1, 2) == 1, "backend 2: %llu failovers, expected 1",
	      (unsigned long long)fo_count(&t, 1, 2));
	CHECK("failover_per_look", moves[0] == 0 && moves[1] == 0 && moves[2] == 2 &&
	      moves[3] == 0 && moves[4] == 1 && moves[5] == 0,
	      "moves per look %d %d %d %d %d %d, expected 0 0 2 0 1 0", moves[0], moves[1],
	      moves[2], moves[3], moves[4], moves[5]);
	CHECK("failover_forgets_ended", t.nprev == 4, "%zu associations remembered", t.nprev);
	lb_failover_free(&t);
}

/* lb_fmt_age's reference: the printf formats it stands for. */
static void fmt_age_ref(__u64 then_ns, __u64 now_ns, char *buf, size_t len)
{
	double s = (now_ns > then_ns ? now_ns - then_ns : 0) / 1e9;

	if (!then_ns)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", (long)s / 60, (long)s % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", (long)s / 3600, ((long)s % 3600) / 60);
}

/*
 * Ages as assoc list and paths print them, written by hand: every age
 * printf would write the same, around each place where a digit turns
 * (tenths and their ties, 60 s, 3600 s, hours), at stamps' steps, and cut
 * to a short buffer as snprintf cuts.
 */
static void test_fmt_age(void)
{
	static const __u64 edges[] = { 0, 1, MS(49), MS(50), MS(51), MS(149), MS(150), MS(151),
				       MS(950), MS(9950), MS(59949), MS(59950), MS(59951),
				       S(60), S(61), S(599), S(3599), S(3600), S(3660),
				       S(86400) + S(59), S(999999) };
	char got[32], want[32], small[4], small_want[4];
	unsigned int n = 0, bad = 0;
	__u64 d, e;
	int k;

	for (e = 0; e < sizeof(edges) / sizeof(edges[0]); e++)
		for (k = -3; k <= 3; k++) {
			d = edges[e] + k;
			if (k < 0 && edges[e] < (__u64)-k)
				continue;
			lb_fmt_age(NOW - d, NOW, got, sizeof(got));
			fmt_age_ref(NOW - d, NOW, want, sizeof(want));
			n++;
			if (strcmp(got, want) && bad++ < 5)
				printf("  age %llu ns: \"%s\", printf \"%s\"\n",
				       (unsigned long long)d, got, want);
		}
	for (d = 0; d < S(20000); d += 134217728ull * 7 + 12345) { /* stamps' steps, and off them */
		lb_fmt_age(NOW - d, NOW, got, sizeof(got));
		fmt_age_ref(NOW - d, NOW, want, sizeof(want));
		n++;
		if (strcmp(got, want) && bad++ < 5)
			printf("  age %llu ns: \"%s\", printf \"%s\"\n", (unsigned long long)d, got,
			       want);
	}
	CHECK("fmt_age_as_printf", bad == 0, "%u of %u ages differ from printf's", bad, n);

	lb_fmt_age(0, NOW, got, sizeof(got));
	lb_fmt_age(NOW + S(5), NOW, want, sizeof(want)); /* then after now: 0 */
	CHECK("fmt_age_never_and_future", !strcmp(got, "-") && !strcmp(want, "0.0s"),
	      "never \"%s\", then after now \"%s\"", got, want);

	lb_fmt_age(NOW - S(7384), NOW, small, sizeof(small));
	fmt_age_ref(NOW - S(7384), NOW, small_want, sizeof(small_want));
	CHECK("fmt_age_cut", !strcmp(small, small_want) && !strcmp(small, "2h0"),
	      "\"%s\", snprintf \"%s\"", small, small_want);
}

/*
 * A table's worth: 100,000 associations whose keys share all fields but one
 * with many others (2 services x 200 tags x 250 client ports), so that a
 * lookup that compared less than the whole key would find another's entry;
 * looked at four times, the last look remembered in a table keyed by
 * association (lb_failover_end):
 *   look 0: all on path 0;
 *   look 1: every 10th on path 1                              -> 10,000 failovers
 *   look 2: the first half only, as in look 1 (the rest ended) -> 0, 50,000 remembered
 *   look 3: all on path 0: the first half's 5,000 move back, the second half are
 *           new lives                                          -> 5,000
 * Each association is seen twice in look 2 (a walk may show an entry twice).
 */
static void test_failover_many(void)
{
	enum { N = 100000 };
	static const int in_look[4] = { N, N, N / 2, N };
	struct lb_failover t = {};
	struct sctplb_assoc a;
	struct sctplb_assoc_key k;
	unsigned moves[4] = { 0 }, i;
	int look, twice;

	for (look = 0; look < 4; look++) {
		lb_failover_begin(&t);
		for (twice = 0; twice < (look == 2 ? 2 : 1); twice++)
			for (i = 0; i < (unsigned)in_look[look]; i++) {
				int dp = (look == 1 || look == 2) && i % 10 == 0;

				memset(&a, 0, sizeof(a));
				memset(&k, 0, sizeof(k));
				k.service_id = 1 + i % 2;
				k.vtag = i / 2 % 200;
				k.cport = htons(i / 400 % 250);
				k.sport = htons(36412);
				a.backend_id = 1 + i % 3;
				a.path[dp].data = a.path[dp].seen = sctplb_stamp(NOW + S(look));
				moves[look] += lb_failover_see(&t, &k, &a);
			}
		lb_failover_end(&t);
		if (look == 2)
			CHECK("failover_many_forgets_ended", t.nprev == N / 2,
			      "%zu associations remembered after look 2, expected %d", t.nprev, N / 2);
	}
	CHECK("failover_many_per_look", moves[0] == 0 && moves[1] == N / 10 && moves[2] == 0 &&
	      moves[3] == N / 20, "moves per look %u %u %u %u, expected 0 %d 0 %d", moves[0],
	      moves[1], moves[2], moves[3], N / 10, N / 20);
	/* The associations that move are even: service 1's, all three backends'. */
	CHECK("failover_many_per_backend", fo_count(&t, 1, 1) + fo_count(&t, 1, 2) +
	      fo_count(&t, 1, 3) == N / 10 + N / 20 && fo_count(&t, 1, 1) && fo_count(&t, 1, 2) &&
	      fo_count(&t, 1, 3) && t.ncount == 3, "%zu (service, backend) rows, %llu failovers "
	      "(service 1)", t.ncount, (unsigned long long)(fo_count(&t, 1, 1) + fo_count(&t, 1, 2) +
							  fo_count(&t, 1, 3)));
	lb_failover_free(&t);
}

int main(void)
{
	test_health();
	test_failover();
	test_failover_many();
	test_fmt_age();
	return failed;
}
