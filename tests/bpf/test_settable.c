// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_settable: the handshakes table (a keyed set-associative table,
 * include/sctplb_settable.h) through the loaded program, with the clock
 * injected, and from user space (user/lib/settable.h):
 *
 *   1. what the datapath stores, user space finds (same index, same key);
 *      what user space stores, the datapath finds (a COOKIE-ECHO completes it);
 *   2. a full set and one INIT more: exactly the oldest goes, every other
 *      entry of the set and of the table stays, and no other table changes;
 *   3. the INIT that refreshes a handshake (a retransmission) makes it young
 *      (its time and stamp rewritten in place): the next eviction takes the
 *      next oldest;
 *   4. a handshake naming an unconfirmed association (its restart rule) goes
 *      only when every way of its set is such a handshake;
 *   5. the index is keyed: two keys put the same clients in different sets;
 *   6. lb_settable_fill (an upgrade's bulk copy) leaves a table as one
 *      lb_settable_put per entry would, an overflowing set included.
 * gc's removal of expired handshakes from the table is tests/unit/test_gc's
 * (stale_handshakes_removed, fresh_handshake_kept, hs_of_*); the upgrade of
 * ABI 3's LRU handshakes, tests/unit/test_upgrade.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "seq.h"
#include "report.h"

#define SVC   1
#define PORT  5000
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define NSEC  1000000000ull
#define WAYS  SCTPLB_HANDSHAKE_WAYS

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };

static struct fx fx;
static struct lb_settable T;
static uint64_t now = 1000 * NSEC;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

static struct sctplb_client_key key_of(const char *addr)
{
	return fx_client_key(SVC, htons(CPORT), addr);
}

/* An INIT from addr (listing no other address) with tag tc at time now. */
static int init(const char *addr, uint32_t tc, struct seq_out *o)
{
	struct pkt_spec s = { .src = addr, .dst = strchr(addr, ':') ? VIP6 : VIP4, .sport = CPORT,
			      .dport = PORT, .chunks = { CH_INIT(tc) } };

	return seq_run(&fx, &s, true, now, o);
}

static int cookie(const char *addr, uint32_t ts, struct seq_out *o)
{
	struct pkt_spec s = { .src = addr, .dst = strchr(addr, ':') ? VIP6 : VIP4, .sport = CPORT,
			      .dport = PORT, .vtag = ts, .chunks = { CH_COOKIE() } };

	return seq_run(&fx, &s, true, now, o);
}

static bool have(const char *addr, struct sctplb_handshake *h)
{
	struct sctplb_client_key k = key_of(addr);
	struct sctplb_handshake tmp;

	return lb_settable_lookup(&T, &k, h ? h : &tmp, NULL) == 0;
}

/* n IPv6 client addresses whose keys share one set (fixture.h). */
static int same_set(unsigned int seed, char (*addrs)[32], int n)
{
	return fx_same_set(&T, SVC, htons(CPORT), seed, addrs, n);
}

static void empty_table(void)
{
	fx_clear(fx.handshakes);
	fx_clear(fx.pending);
	fx_clear(fx.pending_ctags);
	fx_clear(fx.client_index);
}

/* 1. The datapath and user space agree on the index and the layout. */
static void agree(void)
{
	struct sctplb_handshake h = { .backend_id = 1, .ctag = 0x5100, .created_ns = now };
	struct sctplb_client_key k = key_of("203.0.113.50");
	struct seq_out o;

	empty_table();
	if (init("203.0.113.40", 0x4000, &o) || !seq_forwarded(&o) || !have("203.0.113.40", &h) ||
	    h.ctag != 0x4000 || h.backend_id != 1 || h.created_ns != now)
		tr_result("a handshake the datapath stores, user space finds", "not found, or not as stored");
	else
		tr_result("a handshake the datapath stores, user space finds", NULL);
	h = (struct sctplb_handshake){ .backend_id = 1, .ctag = 0x5100, .created_ns = now };
	if (lb_settable_put(&T, &k, &h, sctplb_stamp(now)) || cookie("203.0.113.50", 0x5200, &o) ||
	    !seq_forwarded(&o) || o.d[SCTPLB_STAT_ASSOC_CREATED] != 1 ||
	    o.d[SCTPLB_STAT_COOKIE_NO_HANDSHAKE])
		tr_result("a handshake user space stores, the datapath finds (COOKIE-ECHO completes it)",
			  "COOKIE-ECHO found no handshake");
	else if (!have("203.0.113.50", &h) || !(h.flags & SCTPLB_HS_F_ANSWERED) || h.stag != 0x5200)
		tr_result("a handshake user space stores, the datapath finds (COOKIE-ECHO completes it)",
			  "the handshake was not marked answered with its Ts");
	else
		tr_result("a handshake user space stores, the datapath finds (COOKIE-ECHO completes it)",
			  NULL);
}

/* 2 and 3. WAYS INITs into one set, a second apart; then one more. */
static void eviction(void)
{
	char a[WAYS + 2][32];
	struct seq_out o;
	long before, outside;
	int i, set = same_set(1, a, WAYS + 2), missing = 0;

	empty_table();
	if (set < 0)
		return tr_result("full set", "no addresses sharing a set");
	/* An entry in another set, and one in another table. */
	if (init("203.0.113.77", 0x7700, &o) || !seq_forwarded(&o))
		return tr_result("full set", "INIT not forwarded");
	for (i = 0; i < WAYS; i++) {
		now += NSEC;
		if (init(a[i], 0x1000 + i, &o) || !seq_forwarded(&o))
			return tr_result("full set", WHY("INIT %d not forwarded", i));
	}
	before = fx_handshake_count(&fx);
	outside = fx_client_count(&fx) + fx_count(fx.pending) + fx_count(fx.assocs);
	now += NSEC;
	if (init(a[WAYS], 0x1000 + WAYS, &o) || !seq_forwarded(&o))
		return tr_result("full set", "last INIT not forwarded");
	for (i = 1; i <= WAYS; i++)
		missing += !have(a[i], NULL);
	tr_report(!have(a[0], NULL) && !missing && have("203.0.113.77", NULL) &&
		  fx_handshake_count(&fx) == before &&
		  fx_client_count(&fx) + fx_count(fx.pending) + fx_count(fx.assocs) == outside,
		  "a full set and one INIT more: exactly the oldest handshake goes, nothing else",
		  "oldest %s, %d of the others missing, other set's %s, %ld -> %ld handshakes",
		  have(a[0], NULL) ? "kept" : "gone", missing,
		  have("203.0.113.77", NULL) ? "kept" : "gone", before, fx_handshake_count(&fx));
	/* a[1] is the oldest now; its retransmitted INIT makes it young: the
	 * entry refreshed in place (no lock), its stamp and its time. */
	now += NSEC;
	if (init(a[1], 0x1001, &o) || !seq_forwarded(&o) || o.d[SCTPLB_STAT_INIT_RETRANSMIT] != 1)
		return tr_result("retransmission", "INIT not a retransmission");
	{
		struct sctplb_client_key k = key_of(a[1]);
		struct sctplb_handshake h;
		uint32_t st = 0;
		int err = lb_settable_lookup(&T, &k, &h, &st);

		tr_report(!err && h.created_ns == now && st == sctplb_stamp(now) && h.ctag == 0x1001 &&
			  h.backend_id == 1 && h.flags == SCTPLB_HS_F_ONE_ADDR /* as the INIT left it */,
			  "a retransmitted INIT refreshes its handshake's time and stamp, nothing else",
			  "err %d created %llu (now %llu) stamp %u (want %u) Tc %#x backend %u flags %u",
			  err, (unsigned long long)h.created_ns, (unsigned long long)now, st,
			  sctplb_stamp(now), h.ctag, h.backend_id, h.flags);
	}
	now += NSEC;
	if (init(a[WAYS + 1], 0x1000 + WAYS + 1, &o) || !seq_forwarded(&o))
		return tr_result("retransmission", "INIT not forwarded");
	tr_report(have(a[1], NULL) && !have(a[2], NULL) && have(a[WAYS + 1], NULL),
		  "a retransmitted INIT makes its handshake young: the next oldest goes",
		  "refreshed %s, next oldest %s", have(a[1], NULL) ? "kept" : "gone",
		  have(a[2], NULL) ? "kept" : "gone");
}

/* 4. A handshake that names an unconfirmed association goes last. */
static void keep(void)
{
	char a[2 * WAYS + 1][32];
	struct seq_out o;
	int i, gone = 0;

	empty_table();
	if (same_set(7777, a, 2 * WAYS + 1) < 0)
		return tr_result("restart rule kept", "no addresses sharing a set");
	/* The oldest: INIT and COOKIE-ECHO (direct return: unconfirmed). */
	if (init(a[0], 0x2000, &o) || cookie(a[0], 0x3000, &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return tr_result("restart rule kept", "association not created");
	for (i = 1; i <= WAYS; i++) {
		now += NSEC;
		if (init(a[i], 0x2000 + i, &o) || !seq_forwarded(&o))
			return tr_result("restart rule kept", WHY("INIT %d not forwarded", i));
	}
	for (i = 1; i <= WAYS; i++)
		gone += !have(a[i], NULL);
	tr_report(have(a[0], NULL) && gone == 1 && !have(a[1], NULL),
		  "a flood of INITs into its set keeps the handshake naming an unconfirmed "
		  "association (its restart rule); the oldest of the others goes",
		  "restart rule %s, %d others gone", have(a[0], NULL) ? "kept" : "gone", gone);
	/* Every way such a handshake: then the oldest of them goes. */
	empty_table();
	for (i = 0; i < WAYS; i++) {
		now += NSEC;
		if (init(a[i], 0x2100 + i, &o) || cookie(a[i], 0x3100 + i, &o) ||
		    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
			return tr_result("restart rules full", WHY("association %d not created", i));
	}
	now += NSEC;
	if (init(a[WAYS], 0x2100 + WAYS, &o) || !seq_forwarded(&o))
		return tr_result("restart rules full", "INIT not forwarded");
	for (i = 1, gone = 0; i < WAYS; i++)
		gone += !have(a[i], NULL);
	tr_report(!have(a[0], NULL) && !gone && have(a[WAYS], NULL),
		  "a set full of restart rules: a new INIT takes the oldest's way",
		  "oldest %s, %d others gone, new %s", have(a[0], NULL) ? "kept" : "gone", gone,
		  have(a[WAYS], NULL) ? "stored" : "not stored");
}

/* 5. Another key (another pin set), other sets. */
static void keyed(void)
{
	struct lb_settable t2 = T;
	int i, same = 0;

	if (lb_settable_key_new(t2.hkey))
		return tr_result("keyed index", "no key");
	for (i = 0; i < 64; i++) {
		char addr[32];
		struct sctplb_client_key k;

		snprintf(addr, sizeof(addr), "198.51.100.%d", i);
		k = key_of(addr);
		same += lb_settable_index(&T, &k) == lb_settable_index(&t2, &k);
	}
	/* By chance 64 / nsets of them: 0 or 1. */
	tr_report(same <= 2 && memcmp(T.hkey, t2.hkey, sizeof(T.hkey)),
		  "the index is keyed: under another key 64 clients land in other sets",
		  "%d of 64 in the same set", same);
}

struct way_copy {
	struct sctplb_client_entry e[64];
	uint32_t stamp[64];
	int n;
};

static int copy_way(const void *key, const void *val, uint32_t stamp, void *arg)
{
	struct way_copy *w = arg;

	if (w->n == 64)
		return -1;
	memcpy(&w->e[w->n].key, key, sizeof(w->e[0].key));
	memcpy(&w->e[w->n].val, val, sizeof(w->e[0].val));
	w->stamp[w->n++] = stamp;
	return 0;
}

/*
 * 6. A fill of client_index against one put per entry.  The table has two
 * sets (CLIENT_SETS), so that every key's two candidate sets are among them
 * and N keys overflow its ways: the fill must choose the set and the victim
 * as each put does.
 */
#define CLIENT_SETS 2
static void fill(void)
{
	const char *name = "lb_settable_fill leaves client_index as one lb_settable_put per entry "
			   "would: each key in the candidate set a put takes, the overflow of full "
			   "sets evicting as a put does";
	enum { CAP = CLIENT_SETS * SCTPLB_CLIENT_WAYS, N = CAP + 8 };
	struct sctplb_client_entry kv[N];
	static struct way_copy a, b;
	char addr[32];
	struct lb_settable c;
	int i, err = 0;

	if (fx_clients(&fx, &c) || c.nsets != CLIENT_SETS)
		return tr_result(name, "setup");
	memset(kv, 0, sizeof(kv));
	for (i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "198.51.100.%d", 100 + i);
		kv[i].key = fx_client_key(SVC, htons(CPORT), addr);
		kv[i].val = (struct sctplb_client){ .backend_id = 1 + i % 3, .stag = 0x6a000000u + i };
	}
	fx_clear(fx.client_index);
	err = lb_settable_fill(&c, kv, N, 77, NULL) || lb_settable_walk(&c, copy_way, &a);
	fx_clear(fx.client_index);
	for (i = 0; !err && i < N; i++)
		err = lb_settable_put(&c, &kv[i].key, &kv[i].val, 77);
	if (!err)
		err = lb_settable_walk(&c, copy_way, &b);
	fx_clear(fx.client_index);
	tr_result(name, !err && a.n == CAP && a.n == b.n && !memcmp(a.e, b.e, sizeof(a.e)) &&
				!memcmp(a.stamp, b.stamp, sizeof(a.stamp)) ?
				NULL :
				WHY("err %d, %d entries filled, %d put (want %d each), the same %d",
				    err, a.n, b.n, CAP,
				    !memcmp(a.e, b.e, sizeof(a.e)) &&
					    !memcmp(a.stamp, b.stamp, sizeof(a.stamp))));
}

int main(void)
{
	/* client_index of CLIENT_SETS sets (its sizing's slack taken off) */
	struct fx_load_opts lo = { .test_clock = true,
				   .client_index_max = CLIENT_SETS * SCTPLB_CLIENT_WAYS * 17 / 20 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) || fx_table_all(&fx, SVC, 1) ||
	    fx_handshakes(&fx, &T)) {
		printf("FAIL settable: setup\n");
		return 1;
	}
	agree();
	eviction();
	keep();
	keyed();
	fill();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
