// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_tabledel: user space's delete of a set-associative table's entry
 * (lb_settable_delete: the control program sctplb_table_delete, run with
 * BPF_PROG_TEST_RUN, user/lib/ctl.h) on the handshakes table of a loaded
 * datapath:
 *
 *   1. it deletes the key asked, only while its value is the one expected
 *      (-ESTALE otherwise), says -ENOENT for a key that is not there, and
 *      leaves every other way of the set as it was;
 *   2. while one thread deletes an entry of a set again and again (as gc
 *      does) and the datapath, on another CPU, inserts other keys into the
 *      same set, no insert is lost.  A delete written from user space as a
 *      read and a write of the whole set loses the inserts made in between
 *      (the reason for the control program): this case fails with it.
 *   3. the same guard on the unconfirmed tables (assocs_pending and its Tc
 *      index pending_ctags): gc's delete of an association a packet touched
 *      since gc judged it (a stamp, a path) leaves it, and its index with it;
 *      and on client_index: an entry a newer association rewrote is kept.
 *   4. the control program follows the maps: after the datapath is loaded
 *      anew (its maps made anew, as by a detach and an attach), a process
 *      that ran deletes before deletes from the new table, not from the maps
 *      its program was bound to first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "err.h"
#include "fixture.h"
#include "pkt.h"
#include "report.h"

#define SVC   1
#define PORT  5000
#define CPORT 40000
#define VIP6  "2001:db8:f::1"
#define NSEC  1000000000ull
#define WAYS  SCTPLB_HANDSHAKE_WAYS
#define ROUNDS 20000

static const char *const VIPS[] = { "203.0.113.1", VIP6 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };

static struct fx fx;
static struct lb_maps m;
static struct lb_settable T;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

static struct sctplb_client_key key_of(const char *addr)
{
	return fx_client_key(SVC, htons(CPORT), addr);
}

/* An INIT from addr (tag tc) built into f; its length, or -1. */
static int init_frame(const char *addr, uint32_t tc, uint8_t *f)
{
	struct pkt_spec s = { .src = addr, .dst = VIP6, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(tc) } };
	struct pkt_info info;

	return pkt_build(&s, fx.mac_in, f, &info) < 0 ? -1 : (int)info.len;
}

/* The frame through the XDP program (thread-safe: buffers of the caller). */
static bool run(const uint8_t *f, int len)
{
	uint8_t out[PKT_MAX];
	size_t olen;
	uint32_t verdict;

	return fx_run(&fx, f, (size_t)len, out, &olen, &verdict) == 0 &&
	       (verdict == XDP_TX || verdict == XDP_REDIRECT);
}

static bool have(const char *addr, struct sctplb_handshake *h)
{
	struct sctplb_client_key k = key_of(addr);

	return lb_settable_lookup(&T, &k, h, NULL) == 0;
}

/* 1. One key, exactly, and only while it holds what was judged. */
static void exact(void)
{
	const char *name = "a delete takes its key only while it holds the value judged, "
			   "and nothing else of the set";
	uint8_t f[PKT_MAX];
	char a[WAYS][32];
	struct sctplb_handshake h, judged, other;
	struct sctplb_client_key k;
	int i, len, err1, err2, err3, kept = 0;

	fx_clear(fx.handshakes);
	if (fx_same_set(&T, SVC, htons(CPORT), 1, a, WAYS) < 0) {
		tr_result(name, "no set of WAYS keys found");
		return;
	}
	for (i = 0; i < WAYS; i++) {
		len = init_frame(a[i], 0x7000 + i, f);
		if (len < 0 || !run(f, len)) {
			tr_result(name, WHY("the INIT from %s was not forwarded", a[i]));
			return;
		}
	}
	k = key_of(a[0]);
	have(a[0], &judged);
	other = judged;
	other.ctag ^= 1;
	err1 = lb_settable_delete(&T, &k, &other);      /* changed since judged: kept */
	err2 = lb_settable_delete(&T, &k, &judged);     /* as judged: goes */
	err3 = lb_settable_delete(&T, &k, NULL);        /* gone */
	for (i = 1; i < WAYS; i++)
		kept += have(a[i], &h) && h.ctag == 0x7000u + i;
	if (err1 != -ESTALE || err2 != 0 || err3 != -ENOENT || have(a[0], &h) || kept != WAYS - 1)
		tr_result(name, WHY("stale %d (want %d), judged %d, again %d (want %d); key left %d; "
				    "%d of %d others kept", err1, -ESTALE, err2, err3, -ENOENT,
				    have(a[0], &h), kept, WAYS - 1));
	else
		tr_result(name, NULL);
}

/* 2. gc's deletes racing the datapath's inserts into one set. */
struct race {
	char a[WAYS][32];
	volatile int stop;
	long inserts, lost, deletes, del_errors;
};

/* gc: the first key of the set, put by the datapath, deleted, again. */
static void *deleter(void *arg)
{
	struct race *r = arg;
	struct sctplb_client_key k = key_of(r->a[0]);
	struct sctplb_handshake h;
	uint8_t f[PKT_MAX];
	int len = init_frame(r->a[0], 0x6000, f), err;

	while (!r->stop && len > 0) {
		run(f, len);
		if (lb_settable_lookup(&T, &k, &h, NULL))
			continue;
		err = lb_settable_delete(&T, &k, &h);
		r->deletes += err == 0;
		r->del_errors += err != 0 && err != -ESTALE && err != -ENOENT;
	}
	return NULL;
}

static void race(void)
{
	const char *name = "no datapath insert into a set is lost to user space's deletes "
			   "in the same set";
	static struct race r;
	uint8_t f[WAYS][PKT_MAX];
	int len[WAYS], i, n, err = 0;
	struct sctplb_handshake h;
	pthread_t t;

	fx_clear(fx.handshakes);
	if (fx_same_set(&T, SVC, htons(CPORT), 1, r.a, WAYS) < 0) {
		tr_result(name, "no set of WAYS keys found");
		return;
	}
	for (i = 1; i < WAYS; i++)
		len[i] = init_frame(r.a[i], 0x8000 + i, f[i]);
	/* Loaded before the race: the first delete loads the program. */
	{
		struct sctplb_client_key k = key_of(r.a[1]);

		if (lb_settable_delete(&T, &k, NULL) != -ENOENT) {
			tr_result(name, WHY("setup: the control program: %s", lb_err_msg()));
			return;
		}
	}
	if (pthread_create(&t, NULL, deleter, &r)) {
		tr_result(name, "setup: no thread");
		return;
	}
	/* The datapath: each other key of the set deleted and inserted anew,
	 * then looked for: an insert between the deleter's read of the set and
	 * its write would be undone by a write of the whole set. */
	for (n = 0; n < ROUNDS && !err; n++) {
		i = 1 + n % (WAYS - 1);
		{
			struct sctplb_client_key k = key_of(r.a[i]);

			lb_settable_delete(&T, &k, NULL);
		}
		if (len[i] < 0 || !run(f[i], len[i])) {
			err = 1;
			break;
		}
		r.inserts++;
		if (!have(r.a[i], &h))
			r.lost++;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	if (err || r.del_errors || r.deletes < 100)
		tr_result(name, WHY("setup: INIT not forwarded %d, delete errors %ld, deletes %ld "
				    "(want 100 or more)", err, r.del_errors, r.deletes));
	else if (r.lost)
		tr_result(name, WHY("%ld of %ld inserts lost while %ld deletes ran", r.lost,
				    r.inserts, r.deletes));
	else
		tr_result(name, NULL);
	printf("  %ld inserts, %ld deletes beside them\n", r.inserts, r.deletes);
}

/* 3. One guarded delete per unconfirmed table: kept while changed, then gone. */
static int guarded(enum lb_map_id id, const void *key, const void *judged, const void *changed,
		   size_t vsize, const char **what)
{
	struct lb_settable t;
	char v[sizeof(struct sctplb_assoc)];
	int stale, done, again, left;

	if (lb_settable_open(&t, &m, id) || lb_settable_put(&t, key, judged, 1)) {
		*what = "setup";
		return -1;
	}
	stale = lb_settable_delete(&t, key, changed);   /* touched since judged: kept */
	left = lb_settable_lookup(&t, key, v, NULL) == 0 && !memcmp(v, judged, vsize);
	done = lb_settable_delete(&t, key, judged);     /* as judged: goes */
	again = lb_settable_lookup(&t, key, v, NULL);
	if (stale != -ESTALE || !left || done != 0 || again != -ENOENT) {
		*what = WHY("stale delete %d (want %d), entry kept %d, judged delete %d, then %d "
			    "(want %d)", stale, -ESTALE, left, done, again, -ENOENT);
		return -1;
	}
	return 0;
}

static void unconfirmed(void)
{
	struct sctplb_assoc_key ak = fx_assoc_key(SVC, 0x5151, htons(CPORT), htons(PORT));
	struct sctplb_assoc_key ck = fx_assoc_key(SVC, 0x7171, htons(CPORT), htons(PORT));
	struct sctplb_assoc a = { .backend_id = 1, .ctag = 0x7171, .seen = 7, .packets = 1 };
	struct sctplb_assoc a2 = a;
	struct sctplb_ctag_value c = { .stag = 0x5151 }, c2 = { .stag = 0x5152 };
	const char *why1 = NULL, *why2 = NULL;

	a2.seen = 8; /* a packet since gc judged it */
	if (guarded(LB_PENDING, &ak, &a, &a2, sizeof(a), &why1) == 0)
		why1 = NULL;
	tr_result("a delete of an unconfirmed association touched since it was judged leaves it",
		  why1);
	if (guarded(LB_PENDING_CTAGS, &ck, &c, &c2, sizeof(c), &why2) == 0)
		why2 = NULL;
	tr_result("a delete of a Tc index entry changed since it was judged leaves it", why2);
}

/* The client index (gc: the entry of a removed association goes, unless a
 * newer association has rewritten it since). */
static void clients(void)
{
	struct sctplb_client_key k = key_of("198.51.100.71");
	struct sctplb_client v = { .backend_id = 1, .stag = 0x6161 };
	struct sctplb_client v2 = { .backend_id = 1, .stag = 0x6162 };
	const char *why = NULL;

	if (guarded(LB_CLIENT_INDEX, &k, &v, &v2, sizeof(v), &why) == 0)
		why = NULL;
	tr_result("a delete of a client_index entry rewritten since it was judged leaves it", why);
}

/* The datapath loaded with one service and one backend, its maps in m and T. */
static int load_all(void)
{
	struct fx_load_opts lo = { .test_clock = true };

	if (fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) || fx_table_all(&fx, SVC, 1) ||
	    fx_lb_maps(&fx, &m) || lb_settable_open(&T, &m, LB_HANDSHAKES))
		return -1;
	fx_set_clock(&fx, 1000 * NSEC);
	return 0;
}

/* 4. A delete after the maps were made anew. */
static void reloaded(void)
{
	const char *name = "after the datapath's maps are made anew, a delete acts on the new table";
	const char *addr = "2001:db8:77::1";
	struct sctplb_client_key k = key_of(addr);
	struct sctplb_handshake h;
	uint8_t f[PKT_MAX];
	int len, err;

	fx_unload(&fx);
	if (load_all())
		return tr_result(name, "setup: the datapath not loaded again");
	len = init_frame(addr, 0x7777, f);
	if (len < 0 || !run(f, len) || !have(addr, &h))
		return tr_result(name, "setup: the INIT's handshake not stored");
	err = lb_settable_delete(&T, &k, NULL);
	tr_result(name, err == 0 && !have(addr, &h) ? NULL :
		  WHY("delete %d (want 0), the handshake still there %d", err, have(addr, &h)));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || load_all()) {
		printf("FAIL tabledel: setup\n");
		return 1;
	}
	exact();
	race();
	unconfirmed();
	clients();
	reloaded();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
