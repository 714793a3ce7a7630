// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_client_filter: client_filter (include/sctplb.h), the bits of the client
 * transport addresses that client_index may hold, through the loaded
 * programs with the clock injected.  An INIT reads client_index (the restart
 * rule) only where the filter has the address's bit.
 *
 *   1. A confirmation sets the client's bit in both generations, and an INIT
 *      from that address with another Tc restarts on the association's
 *      backend.
 *   2. A client_index entry without its bit (a program older than the filter
 *      wrote it) is not read: the INIT goes by Maglev; lb_client_filter_fill
 *      (attach) sets the bit, and the next INIT restarts.
 *   3. gc's rebuild (lb_client_filter_rebuild) clears one generation and sets
 *      it again from client_index, the generations in turn: while one is
 *      cleared the other answers (the INIT still restarts), the bit of a
 *      live entry stays, that of an entry gone from client_index goes within
 *      two rebuilds.
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

/* a's bit in generation 0 and 1 (the map read through its mmap). */
static void bits(const char *a, int *g0, int *g1)
{
	struct sctplb_client_key k = fx_client_key(SVC, htons(CPORT), a);
	size_t len = (SCTPLB_CLIENT_FILTER_GEN + 1) * sizeof(__u64);
	__u32 bit = sctplb_client_filter_bit(&k);
	int fd = bpf_map__fd(fx.skel->maps.client_filter);
	__u64 *w = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	*g0 = *g1 = -1;
	if (w == MAP_FAILED)
		return;
	*g0 = (w[bit >> 6] >> (bit & 63)) & 1;
	*g1 = (w[SCTPLB_CLIENT_FILTER_WORDS + (bit >> 6)] >> (bit & 63)) & 1;
	munmap(w, len);
}

/* Clears generation g, as a rebuild does before its scan. */
static int clear_gen(int g)
{
	size_t len = (SCTPLB_CLIENT_FILTER_GEN + 1) * sizeof(__u64);
	int fd = bpf_map__fd(fx.skel->maps.client_filter);
	__u64 *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (w == MAP_FAILED)
		return -1;
	memset(w + (size_t)g * SCTPLB_CLIENT_FILTER_WORDS, 0,
	       SCTPLB_CLIENT_FILTER_WORDS * sizeof(__u64));
	munmap(w, len);
	return 0;
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
			   "Maglev); lb_client_filter_fill sets the bit and the next INIT restarts";
	const char *a = "198.51.100.22";
	struct sctplb_client_key k = fx_client_key(SVC, htons(CPORT), a);
	struct sctplb_client c = { .backend_id = 2, .stag = 0x52000001u };
	struct lb_maps m;
	int before, after, g0, g1, err;

	if (bpf_map_update_elem(fx.client_index, &k, &c, BPF_ANY) || fx_lb_maps(&fx, &m))
		return tr_result(name, "setup: client_index entry not put");
	before = restarts(a, 0x62000001u);
	err = lb_client_filter_fill(&m);
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
	struct sctplb_client_key kg = fx_client_key(SVC, htons(CPORT), gone);
	struct sctplb_client c = { .backend_id = 2, .stag = 0x54000001u };
	int lg0, lg1, gg0, gg1, gen1 = -1, gen2 = -1, r, err;
	struct lb_maps m;
	const char *name;

	if (!confirmed(live, 0x53000001u) || fx_lb_maps(&fx, &m) ||
	    bpf_map_update_elem(fx.client_index, &kg, &c, BPF_ANY) || lb_client_filter_fill(&m))
		return tr_result("rebuild", "setup");

	/* A rebuild under way: its generation cleared, its scan not done. */
	name = "while a rebuild has cleared one generation, the other answers: the INIT restarts";
	r = clear_gen(0) ? -1 : restarts(live, 0x63000001u);
	tr_result(name, r == 1 ? NULL : WHY("restarted %d (want 1)", r));

	/* The entry of gone leaves client_index (gc, or the LRU). */
	name = "gc's rebuilds, a generation each: a live entry's bit stays, that of an entry gone "
	       "from client_index goes within two";
	if (bpf_map_delete_elem(fx.client_index, &kg))
		return tr_result(name, "setup: delete");
	err = lb_client_filter_rebuild(&m, &gen1);
	bits(live, &lg0, &lg1);
	bits(gone, &gg0, &gg1);
	if (err || lg0 != 1 || lg1 != 1 || gg0 + gg1 != 1)
		return tr_result(name, WHY("first rebuild %d (generation %d): live %d %d (want 1 1), "
					   "gone %d %d (want one of two)", err, gen1, lg0, lg1, gg0,
					   gg1));
	err = lb_client_filter_rebuild(&m, &gen2);
	bits(live, &lg0, &lg1);
	bits(gone, &gg0, &gg1);
	now += NSEC;
	r = restarts(live, 0x63000002u);
	tr_result(name, !err && gen1 != gen2 && lg0 == 1 && lg1 == 1 && gg0 == 0 && gg1 == 0 &&
				lb_client_filter_test(&m, &kg) == 0 && r == 1 ? NULL :
		  WHY("second rebuild %d (generations %d then %d): live %d %d (want 1 1), gone "
		      "%d %d (want 0 0), live restarts %d (want 1)", err, gen1, gen2, lg0, lg1, gg0,
		      gg1, r));
}

int main(void)
{
	struct fx_load_opts lo = { .test_clock = true };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 1, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_all(&fx, SVC, 1)) {
		printf("FAIL client_filter: setup\n");
		return 1;
	}
	confirmation_sets();
	fill_sets();
	rebuild();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
