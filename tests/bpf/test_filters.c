// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_filters: the key filters (include/sctplb.h) through the loaded
 * programs with the clock injected.  An INIT reads client_index (the restart
 * rule) only where client_filter has its source's bit; a COOKIE-ECHO reads
 * assocs (the collision rule) only where assoc_filter has its key's bit.
 *
 *   1. A confirmation sets the client's bit in both generations, and an INIT
 *      from that address with another Tc restarts on the association's
 *      backend.
 *   2. A client_index entry without its bit (a program older than the filter
 *      wrote it) is not read: the INIT goes by Maglev; lb_filters_fill
 *      (attach) sets the bit, and the next INIT restarts.
 *   3. gc's rebuild (lb_filter_rebuild) clears one generation and sets it
 *      again from client_index, the generations in turn: while one is
 *      cleared the other answers (the INIT still restarts), the bit of a
 *      live entry stays, that of an entry gone from client_index goes within
 *      two rebuilds.
 *   4-6. The same of assoc_filter: a confirmation sets the key's bit and a
 *      COOKIE-ECHO with the same key from another client, whose handshake is
 *      another backend's, is a collision; lb_filters_fill sets the bit of an
 *      entry written without it; gc's rebuilds.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "gc.h"
#include "pkt.h"
#include "seq.h"
#include "settable.h"
#include "report.h"
#include "sctplb.skel.h"

#define SVC   1
#define PORT  5000
#define CPORT 40000
#define VIP4  "203.0.113.1"
#define NSEC  1000000000ull

static const char *const VIPS[] = { VIP4 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "192.0.2.12" };

static struct fx fx;
static uint64_t now = 1000 * NSEC;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

static int send_from(const char *a, uint32_t vtag, struct chunk_spec ch, struct seq_out *o)
{
	struct pkt_spec s = { .src = a, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = vtag,
			      .chunks = { ch } };

	return seq_run(&fx, &s, true, now, o);
}

/* An association of client a, confirmed by its client's 4th packet; its
 * handshake then removed (gc would, once expired), so that what restarts an
 * INIT from a is client_index alone. */
static bool confirmed(const char *a, uint32_t ts)
{
	struct seq_out o;
	int i;

	if (send_from(a, 0, (struct chunk_spec)CH_INIT(ts ^ 0x5a5a5a5au), &o) ||
	    send_from(a, ts, (struct chunk_spec)CH_COOKIE(), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return false;
	for (i = 0; i < SCTPLB_CONFIRM_PACKETS - 1; i++)
		if (send_from(a, ts, (struct chunk_spec)CH_DATA(), &o) || !seq_forwarded(&o))
			return false;
	fx_clear(fx.handshakes);
	return o.d[SCTPLB_STAT_ASSOC_PROMOTED] == 1;
}

/* An INIT from a with Tc tc: 1 if it restarted on an association's backend,
 * 0 if not, -1 if it was not forwarded. */
static int restarts(const char *a, uint32_t tc)
{
	struct seq_out o;

	if (send_from(a, 0, (struct chunk_spec)CH_INIT(tc), &o) || !seq_forwarded(&o))
		return -1;
	return o.d[SCTPLB_STAT_INIT_RESTART] == 1;
}

/* A bit's value in generation 0 and 1 of a filter map (read through its
 * mmap). */
static void filter_bits(int fd, __u32 bit, int *g0, int *g1)
{
	size_t len = (SCTPLB_FILTER_GEN + 1) * sizeof(__u64);
	__u64 *w = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	*g0 = *g1 = -1;
	if (w == MAP_FAILED)
		return;
	*g0 = (w[SCTPLB_FILTER_WORD(bit, 0)] >> (bit & 63)) & 1;
	*g1 = (w[SCTPLB_FILTER_WORD(bit, 1)] >> (bit & 63)) & 1;
	munmap(w, len);
}

/* a's bit in client_filter. */
static void bits(const char *a, int *g0, int *g1)
{
	struct sctplb_client_key k = fx_client_key(SVC, htons(CPORT), a);

	filter_bits(bpf_map__fd(fx.skel->maps.client_filter), sctplb_filter_bit(&k, sizeof(k)), g0,
		    g1);
}

/* The bit of the association key (SVC, ts, ports) in assoc_filter. */
static void assoc_bits(uint32_t ts, int *g0, int *g1)
{
	struct sctplb_assoc_key ak = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));

	filter_bits(bpf_map__fd(fx.skel->maps.assoc_filter), sctplb_filter_bit(&ak, sizeof(ak)),
		    g0, g1);
}

/* Clears generation g of a filter map, as a rebuild does before its scan. */
static int clear_gen(int fd, int g)
{
	__u32 i;
	size_t len = (SCTPLB_FILTER_GEN + 1) * sizeof(__u64);
	__u64 *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (w == MAP_FAILED)
		return -1;
	for (i = 0; i < SCTPLB_FILTER_WORDS; i++)
		w[SCTPLB_FILTER_WORD(i << 6, g)] = 0;
	munmap(w, len);
	return 0;
}

/* gc's two rebuilds of a filter (its map fd, keys of ksize bytes) after the
 * entry of gone left its table: NULL if the live key's bit stayed in both
 * generations and gone's went one generation a rebuild, else why not. */
static const char *rebuilt_twice(const struct lb_maps *m, enum lb_filter which, int fd,
				 const void *live, const void *gone, __u32 ksize)
{
	__u32 lb = sctplb_filter_bit(live, ksize), gb = sctplb_filter_bit(gone, ksize);
	int lg0, lg1, gg0, gg1, gen1 = -1, gen2 = -1, err;

	err = lb_filter_rebuild(m, which, &gen1);
	filter_bits(fd, lb, &lg0, &lg1);
	filter_bits(fd, gb, &gg0, &gg1);
	if (err || lg0 != 1 || lg1 != 1 || gg0 + gg1 != 1)
		return WHY("first rebuild %d (generation %d): live %d %d (want 1 1), gone %d %d "
			   "(want one of two)", err, gen1, lg0, lg1, gg0, gg1);
	err = lb_filter_rebuild(m, which, &gen2);
	filter_bits(fd, lb, &lg0, &lg1);
	filter_bits(fd, gb, &gg0, &gg1);
	if (err || gen1 == gen2 || lg0 != 1 || lg1 != 1 || gg0 || gg1 ||
	    lb_filter_test(m, which, gone) != 0)
		return WHY("second rebuild %d (generations %d then %d): live %d %d (want 1 1), "
			   "gone %d %d (want 0 0)", err, gen1, gen2, lg0, lg1, gg0, gg1);
	return NULL;
}

/* 1. A confirmation sets the bit; the restart rule reads the entry. */
static void confirmation_sets(void)
{
	const char *name = "a confirmation sets its client's bit in both generations; an INIT "
			   "from there with another Tc restarts on the association's backend";
	const char *a = "198.51.100.21";
	int g0, g1, r;

	bits(a, &g0, &g1);
	if (g0 || g1)
		return tr_result(name, WHY("setup: bits %d %d before the association (want 0 0)",
					   g0, g1));
	if (!confirmed(a, 0x51000001u))
		return tr_result(name, "setup: association not confirmed");
	bits(a, &g0, &g1);
	r = restarts(a, 0x61000001u);
	tr_result(name, g0 == 1 && g1 == 1 && r == 1 ? NULL :
		  WHY("bits %d %d, restarted %d (want 1 1 1)", g0, g1, r));
}

/* 2. An entry without its bit is not read, until the fill. */
static void fill_sets(void)
{
	const char *name = "a client_index entry without its bit is not read (the INIT goes by "
			   "Maglev); lb_filters_fill sets the bit and the next INIT restarts";
	const char *a = "198.51.100.22";
	struct sctplb_client_key k = fx_client_key(SVC, htons(CPORT), a);
	struct sctplb_client c = { .backend_id = 2, .stag = 0x52000001u };
	struct lb_maps m;
	int before, after, g0, g1, err;

	if (fx_client_put(&fx, &k, &c) || fx_lb_maps(&fx, &m))
		return tr_result(name, "setup: client_index entry not put");
	before = restarts(a, 0x62000001u);
	err = lb_filters_fill(&m);
	bits(a, &g0, &g1);
	now += NSEC;
	after = restarts(a, 0x62000002u);
	tr_result(name, before == 0 && !err && g0 == 1 && g1 == 1 && after == 1 ? NULL :
		  WHY("restarted before the fill %d, fill %d, bits %d %d, restarted after %d "
		      "(want 0 0 1 1 1)", before, err, g0, g1, after));
}

/* 3. gc's rebuild, one generation at a time. */
static void rebuild(void)
{
	const char *live = "198.51.100.23", *gone = "198.51.100.24";
	struct sctplb_client_key kl = fx_client_key(SVC, htons(CPORT), live);
	struct sctplb_client_key kg = fx_client_key(SVC, htons(CPORT), gone);
	struct sctplb_client c = { .backend_id = 2, .stag = 0x54000001u };
	const char *name, *bad;
	struct lb_settable t;
	struct lb_maps m;
	int r;

	if (!confirmed(live, 0x53000001u) || fx_lb_maps(&fx, &m) ||
	    fx_client_put(&fx, &kg, &c) || lb_filters_fill(&m))
		return tr_result("rebuild", "setup");

	/* A rebuild under way: its generation cleared, its scan not done. */
	name = "while a rebuild has cleared one generation, the other answers: the INIT restarts";
	r = clear_gen(bpf_map__fd(fx.skel->maps.client_filter), 0) ? -1 :
								 restarts(live, 0x63000001u);
	tr_result(name, r == 1 ? NULL : WHY("restarted %d (want 1)", r));

	/* The entry of gone leaves client_index (gc, or a newer entry of its set). */
	name = "gc's rebuilds, a generation each: a live entry's bit stays, that of an entry gone "
	       "from client_index goes within two";
	if (lb_settable_open(&t, &m, LB_CLIENT_INDEX) || lb_settable_delete(&t, &kg, NULL))
		return tr_result(name, "setup: delete");
	bad = rebuilt_twice(&m, LB_FILTER_CLIENT, bpf_map__fd(fx.skel->maps.client_filter), &kl,
			    &kg, sizeof(kl));
	if (bad)
		return tr_result(name, bad);
	now += NSEC;
	r = restarts(live, 0x63000002u);
	tr_result(name, r == 1 ? NULL : WHY("live restarts %d (want 1)", r));
}

/* A COOKIE-ECHO with Ts ts from client a, whose INIT went to backend 2 (the
 * table switched for it): 1 if it met an association of backend 1 with that
 * key (ASSOC_COLLISION, none made), 0 if it made one, -1 otherwise. */
static int collides(const char *a, uint32_t ts)
{
	struct seq_out o;
	int r = -1;

	if (fx_table_all(&fx, SVC, 2))
		return -1;
	if (!send_from(a, 0, (struct chunk_spec)CH_INIT(ts ^ 0x3c3c3c3cu), &o) && o.backend == 2 &&
	    !send_from(a, ts, (struct chunk_spec)CH_COOKIE(), &o))
		r = o.d[SCTPLB_STAT_ASSOC_COLLISION] == 1 && !o.d[SCTPLB_STAT_ASSOC_CREATED] ? 1 :
		    o.d[SCTPLB_STAT_ASSOC_CREATED] == 1 && !o.d[SCTPLB_STAT_ASSOC_COLLISION] ? 0 : -1;
	return fx_table_all(&fx, SVC, 1) ? -1 : r;
}

/* 4. A confirmation sets the association key's bit in assoc_filter; the
 * collision rule reads assocs there. */
static void assoc_confirmation_sets(void)
{
	const char *name = "a confirmation sets its key's assoc_filter bit in both generations; a "
			   "COOKIE-ECHO with its Ts from another client, whose handshake is another "
			   "backend's, is a collision and makes no association";
	uint32_t ts = 0x55000001u;
	int g0, g1, r;

	assoc_bits(ts, &g0, &g1);
	if (g0 || g1)
		return tr_result(name, WHY("setup: bits %d %d before the association (want 0 0)",
					   g0, g1));
	if (!confirmed("198.51.100.31", ts))
		return tr_result(name, "setup: association not confirmed");
	assoc_bits(ts, &g0, &g1);
	r = collides("198.51.100.32", ts);
	tr_result(name, g0 == 1 && g1 == 1 && r == 1 ? NULL :
		  WHY("bits %d %d, collision %d (want 1 1 1)", g0, g1, r));
}

/* 5. An entry an older program wrote (no bit): lb_filters_fill sets it. */
static void assoc_fill_sets(void)
{
	const char *name = "an assocs entry without its assoc_filter bit (an older program's) is "
			   "not read by a COOKIE-ECHO; lb_filters_fill sets the bit and a colliding "
			   "COOKIE-ECHO then meets the entry";
	uint32_t ts = 0x56000001u;
	struct sctplb_assoc_key ak = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
	struct sctplb_assoc v = { .backend_id = 1, .ctag = 0x66000001u,
				  .state = SCTPLB_ASSOC_ESTABLISHED };
	int b0, b1, g0, g1, err, r, before;
	struct lb_maps m;

	if (bpf_map_update_elem(fx.assocs, &ak, &v, BPF_NOEXIST) || fx_lb_maps(&fx, &m))
		return tr_result(name, "setup: assocs entry not put");
	assoc_bits(ts, &b0, &b1);
	/* Without its bit the entry is not read: the COOKIE-ECHO makes an
	 * unconfirmed association of the key (shadowed by the confirmed one,
	 * which is looked up first). */
	before = collides("198.51.100.38", ts);
	err = lb_filters_fill(&m);
	assoc_bits(ts, &g0, &g1);
	r = collides("198.51.100.33", ts);
	tr_result(name, b0 == 0 && b1 == 0 && before == 0 && !err && g0 == 1 && g1 == 1 && r == 1 ?
			NULL :
			WHY("bits before the fill %d %d, collision before %d, fill %d, bits %d %d, "
			    "collision %d (want 0 0 0 0 1 1 1)", b0, b1, before, err, g0, g1, r));
}

/* 6. gc's rebuild of assoc_filter, as of client_filter in 3. */
static void assoc_rebuild(void)
{
	uint32_t live = 0x57000001u, gone = 0x57000002u;
	struct sctplb_assoc_key kl = fx_assoc_key(SVC, live, htons(CPORT), htons(PORT));
	struct sctplb_assoc_key kg = fx_assoc_key(SVC, gone, htons(CPORT), htons(PORT));
	const char *name, *bad;
	struct lb_maps m;
	int r;

	if (!confirmed("198.51.100.34", live) || !confirmed("198.51.100.35", gone) ||
	    fx_lb_maps(&fx, &m))
		return tr_result("assoc_rebuild", "setup");

	/* Generation 1 here (3. clears 0): each word answers alone.  Then
	 * both set again, as before the rebuilds below. */
	name = "while a rebuild has cleared one generation of assoc_filter, the other answers: a "
	       "colliding COOKIE-ECHO meets the association";
	r = clear_gen(bpf_map__fd(fx.skel->maps.assoc_filter), 1) ? -1 :
								       collides("198.51.100.36", live);
	tr_result(name, r == 1 ? NULL : WHY("collision %d (want 1)", r));
	if (lb_filters_fill(&m))
		return tr_result("assoc_rebuild", "setup: fill");

	name = "gc's rebuilds of assoc_filter, a generation each: a live association's bit stays, "
	       "that of one gone from assocs goes within two";
	if (bpf_map_delete_elem(fx.assocs, &kg))
		return tr_result(name, "setup: delete");
	bad = rebuilt_twice(&m, LB_FILTER_ASSOC, bpf_map__fd(fx.skel->maps.assoc_filter), &kl, &kg,
			    sizeof(kl));
	if (bad)
		return tr_result(name, bad);
	now += NSEC;
	r = collides("198.51.100.37", live);
	tr_result(name, r == 1 ? NULL : WHY("collision on the live one %d (want 1)", r));
}

int main(void)
{
	struct fx_load_opts lo = { .test_clock = true };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 1, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_all(&fx, SVC, 1)) {
		printf("FAIL filters: setup\n");
		return 1;
	}
	confirmation_sets();
	fill_sets();
	rebuild();
	assoc_confirmation_sets();
	assoc_fill_sets();
	assoc_rebuild();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
