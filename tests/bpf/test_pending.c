// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_pending: the unconfirmed associations' tables (assocs_pending and
 * pending_ctags: set-associative, include/sctplb_settable.h), through the
 * loaded programs with the clock injected, in tables of 64 entries (16 sets
 * of 4) so that a set is filled on purpose: the keys of a set are found with
 * the table's own index (lb_settable_index under the key the fixture made).
 *
 *   1. A full set's victim is the association seen least recently (its own
 *      `seen`, written by every packet), not the oldest written.
 *   2. Of two seen in the same stamp, the one whose client sent fewer
 *      packets goes (a spoofed pair sends one).
 *   3. Promotion (the client's 4th packet) and confirmation (the backend's
 *      COOKIE-ACK on the return path) move the association out of both
 *      tables, and unconfirmed entries filling its old set never touch it.
 *   4. gc expires an idle unconfirmed association from the tables and keeps
 *      a live one; the walk of `assoc list` (lb_assocs_walk) lists the
 *      unconfirmed ones.
 *   5. The Tc index through the handshake (bpf/lib/lb.h pending_by_ctag): a
 *      client whose INIT listed no other address gets no pending_ctags entry,
 *      and the backend's first packet (to its address) still confirms the
 *      association; a multihomed client's COOKIE-ECHO from its INIT's
 *      source writes none either, and its packet with Tc from a listed
 *      address finds the association; a packet with a guessed Tc to or from
 *      another address (another client's, or no one's) confirms and closes
 *      nothing.
 *   6. A handshake that was an association's only Tc index and names a newer
 *      association of its address (a second endpoint behind the client's
 *      NAT'd address and port, with Disable Restart) hands the older one's
 *      index to pending_ctags first: the backend's packet with the older Tc
 *      still confirms the older association.
 *   7. A NAT service's association made by a COOKIE-ECHO is in pending_ctags
 *      even when its handshake could be its Tc index: gc keeps a full-NAT
 *      client flow by that table (user/lib/gc.c snat_has_assoc).
 *   8. The client's 4th packet promotes only if it is one of the association's
 *      own (its Ts, no T bit) and does not end it: an ABORT, or a T-bit ABORT
 *      (with Tc), as the 4th leaves it unconfirmed.
 *   9. A multihomed client's Tc index for the addresses its INIT listed is
 *      the source's handshake (SCTPLB_HS_F_SRC, _LISTED): the backend's
 *      packet to a listed address confirms; a COOKIE-ECHO from a listed
 *      address writes pending_ctags; a restart (another Tc) or a newer
 *      association of the handshake hands the older one's Tc to
 *      pending_ctags; gc keeps a listed handshake while that association is
 *      unconfirmed, and user space's Tc lookup finds it from there.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "gc.h"
#include "model.h"
#include "pinned.h"
#include "pkt.h"
#include "seq.h"
#include "settable.h"
#include "report.h"
#include "sctplb.skel.h"

#define SVC    1
#define PORT   5000
#define CPORT  40000
#define VIP4   "203.0.113.1"
#define NSEC   1000000000ull
#define MAXA   64              /* --max-assocs of the test: 16 sets of 4 */

static const char *const VIPS[] = { VIP4 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11" };

static struct fx fx;
static uint64_t now = 1000 * NSEC;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

static struct sctplb_assoc_key key_of(uint32_t ts)
{
	return fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
}

/* The set of assocs_pending that Ts's association lands in. */
static uint32_t set_of(uint32_t ts)
{
	struct sctplb_assoc_key k = key_of(ts);
	struct lb_settable t;

	if (fx_pending(&fx, &t))
		return UINT32_MAX;
	return lb_settable_index(&t, &k);
}

/* n tags (from seed on) whose associations share set s. */
static void tags_in_set(uint32_t s, uint32_t seed, uint32_t *ts, int n)
{
	int i;

	for (i = 0; i < n; seed += 0x01000193)
		if (set_of(seed) == s)
			ts[i++] = seed;
}

/* The client of association number i: its own address, the same port. */
static void client_addr(int i, char *a, size_t n)
{
	snprintf(a, n, "198.51.100.%d", 1 + i % 250);
}

static int send_client(int i, uint32_t vtag, struct chunk_spec ch, struct seq_out *o)
{
	char a[32];
	struct pkt_spec s = { .src = a, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = vtag,
			      .chunks = { ch } };

	client_addr(i, a, sizeof(a));
	return seq_run(&fx, &s, true, now, o);
}

static int send_backend(int i, uint32_t vtag, struct chunk_spec ch, struct seq_out *o)
{
	char a[32];
	struct pkt_spec s = { .src = VIP4, .dst = a, .sport = PORT, .dport = CPORT, .vtag = vtag,
			      .chunks = { ch } };

	client_addr(i, a, sizeof(a));
	return seq_run(&fx, &s, false, now, o);
}

/* INIT (Tc = ts ^ 0x5a5a5a5a) and COOKIE-ECHO (Ts): an unconfirmed association. */
static bool make(int i, uint32_t ts)
{
	char a[32];
	struct seq_out o;

	client_addr(i, a, sizeof(a));
	return !send_client(i, 0, (struct chunk_spec)CH_INIT(ts ^ 0x5a5a5a5au), &o) &&
	       seq_forwarded(&o) && !send_client(i, ts, (struct chunk_spec)CH_COOKIE(), &o) &&
	       seq_forwarded(&o) && o.d[SCTPLB_STAT_ASSOC_CREATED] == 1;
}

static bool data(int i, uint32_t ts)
{
	struct seq_out o;

	return !send_client(i, ts, (struct chunk_spec)CH_DATA(), &o) && seq_forwarded(&o);
}

/* 1: unconfirmed, 2: confirmed, 0: neither table holds it. */
static int where(uint32_t ts)
{
	struct sctplb_assoc_key k = key_of(ts);
	struct sctplb_assoc a;
	bool pending;

	if (fx_assoc_lookup(&fx, &k, &a, &pending))
		return 0;
	return pending ? 1 : 2;
}

/* The Tc index of ts's association: 1 unconfirmed, 2 confirmed, 0 none. */
static int ctag_where(uint32_t ts)
{
	struct sctplb_assoc_key k = key_of(ts ^ 0x5a5a5a5au);
	struct sctplb_ctag_value v;
	bool pending;

	if (fx_ctag_lookup(&fx, &k, &v, &pending) || v.stag != ts)
		return 0;
	return pending ? 1 : 2;
}

/* Whether the unconfirmed tables themselves still hold ts's association
 * (assocs_pending) or its Tc (pending_ctags, or for a client whose INIT
 * listed no other address its handshake: lb_pending_by_handshake): 1 each. */
static int in_tables(uint32_t ts)
{
	struct sctplb_assoc_key k = key_of(ts), ck = key_of(ts ^ 0x5a5a5a5au);
	struct sctplb_ctag_value v;
	struct sctplb_assoc a;
	struct lb_settable t, c, h;
	bool have;

	if (fx_pending(&fx, &t) || fx_pending_ctags(&fx, &c) || fx_handshakes(&fx, &h))
		return -1;
	have = !lb_settable_lookup(&t, &k, &a, NULL);
	return have + (!lb_settable_lookup(&c, &ck, &v, NULL) ||
		       (have && lb_pending_by_handshake(&h, &k, &a, NULL, NULL)));
}

static void clear_state(void)
{
	fx_clear(fx.assocs);
	fx_clear(fx.assoc_ctags);
	fx_clear(fx.pending);
	fx_clear(fx.pending_ctags);
	fx_clear(fx.client_index);
	fx_clear(fx.handshakes);
}

/* 1. The victim of a full set is the one seen least recently. */
static void victim_oldest_seen(void)
{
	const char *name = "a full set evicts the association seen least recently, not the "
			   "oldest written";
	uint32_t ts[5];
	int i;

	clear_state();
	tags_in_set(set_of(0x41000000u), 0x41000000u, ts, 5);
	/* 0..3 fill the set, one stamp (1 s) apart; 0 then sends DATA. */
	for (i = 0; i < 4; i++, now += NSEC)
		if (!make(i, ts[i]))
			return tr_result(name, WHY("association %d not stored", i));
	if (!data(0, ts[0]))
		return tr_result(name, "DATA of the first not forwarded");
	now += NSEC;
	if (!make(4, ts[4]))
		return tr_result(name, "the fifth not stored");
	if (where(ts[1]) || where(ts[0]) != 1 || where(ts[2]) != 1 || where(ts[3]) != 1 ||
	    where(ts[4]) != 1)
		return tr_result(name, WHY("after the fifth: first %d, second %d, third %d, fourth %d, "
					   "fifth %d (want 1 0 1 1 1: 1 unconfirmed, 0 gone)",
					   where(ts[0]), where(ts[1]), where(ts[2]), where(ts[3]),
					   where(ts[4])));
	tr_result(name, NULL);
}

/* 2. In the same stamp: the one with fewer client packets goes. */
static void victim_fewest_packets(void)
{
	const char *name = "of a full set seen in one stamp, the association with the fewest client "
			   "packets goes";
	uint32_t ts[5];
	int i;

	clear_state();
	now += 10 * NSEC;
	tags_in_set(set_of(0x42000000u), 0x42000000u, ts, 5);
	for (i = 0; i < 4; i++)
		if (!make(10 + i, ts[i]))
			return tr_result(name, WHY("association %d not stored", i));
	/* Same stamp for all: 0 and 1 send DATA (2 packets), 2 and 3 do not (1). */
	if (!data(10, ts[0]) || !data(11, ts[1]))
		return tr_result(name, "DATA not forwarded");
	if (!make(14, ts[4]))
		return tr_result(name, "the fifth not stored");
	if (where(ts[2]) || where(ts[0]) != 1 || where(ts[1]) != 1 || where(ts[3]) != 1 ||
	    where(ts[4]) != 1)
		return tr_result(name, WHY("after the fifth: %d %d %d %d %d (want 1 1 0 1 1)",
					   where(ts[0]), where(ts[1]), where(ts[2]), where(ts[3]),
					   where(ts[4])));
	tr_result(name, NULL);
}

/* 3. Promotion and confirmation move the association out of both tables. */
static void moved_out(void)
{
	uint32_t ts[9], rts = 0x44000001u, rtc = rts ^ 0x5a5a5a5au;
	struct seq_out o;
	int i;

	clear_state();
	now += 10 * NSEC;
	tags_in_set(set_of(0x43000000u), 0x43000000u, ts, 9);
	if (!make(20, ts[0]) || where(ts[0]) != 1 || ctag_where(ts[0]) != 1 || in_tables(ts[0]) != 2)
		return tr_result("promotion", "not stored unconfirmed with its Tc index");
	for (i = 0; i < SCTPLB_CONFIRM_PACKETS - 1; i++)
		if (!data(20, ts[0]))
			return tr_result("promotion", "DATA not forwarded");
	if (where(ts[0]) != 2 || ctag_where(ts[0]) != 2 || in_tables(ts[0]))
		return tr_result("promotion", WHY("after the %dth packet: table %d, Tc index %d, "
						  "%d entries left in the unconfirmed tables (want 2 2 0)",
						  SCTPLB_CONFIRM_PACKETS, where(ts[0]), ctag_where(ts[0]),
						  in_tables(ts[0])));
	tr_result("promotion by the client's 4th packet moves it out of assocs_pending and "
		  "pending_ctags", NULL);

	/* Its old set filled twice over with unconfirmed ones. */
	for (i = 1; i < 9; i++, now += NSEC)
		if (!make(20 + i, ts[i]))
			return tr_result("confirmed never evicted", "an unconfirmed one not stored");
	if (where(ts[0]) != 2 || !data(20, ts[0]) || fx_pending_count(&fx) != SCTPLB_PENDING_WAYS)
		return tr_result("confirmed never evicted",
				 WHY("confirmed one: table %d (want 2), %ld unconfirmed (want %d)",
				     where(ts[0]), fx_pending_count(&fx), SCTPLB_PENDING_WAYS));
	tr_result("8 unconfirmed associations in the set the promoted one left: it stays "
		  "confirmed and forwarded, the set holds 4", NULL);

	/* The return path: INIT-ACK (unconfirmed), COOKIE-ECHO, COOKIE-ACK. */
	if (send_client(30, 0, (struct chunk_spec)CH_INIT(rtc), &o) ||
	    send_backend(30, rtc, (struct chunk_spec)CH(CT_INIT_ACK, .tag = rts), &o) ||
	    where(rts) != 1 || ctag_where(rts) != 1 || in_tables(rts) != 2 ||
	    send_client(30, rts, (struct chunk_spec)CH_COOKIE(), &o) || where(rts) != 1)
		return tr_result("confirmation", "INIT-ACK or COOKIE-ECHO: not stored unconfirmed");
	if (send_backend(30, rtc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1 || where(rts) != 2 || ctag_where(rts) != 2 ||
	    in_tables(rts))
		return tr_result("confirmation", WHY("after the COOKIE-ACK: confirmed +%llu, table %d, "
						     "Tc index %d, %d left in the unconfirmed tables "
						     "(want 1 2 2 0)",
						     (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED],
						     where(rts), ctag_where(rts), in_tables(rts)));
	tr_result("confirmation by the backend's COOKIE-ACK moves it out of assocs_pending and "
		  "pending_ctags", NULL);
}

struct listed {
	long unconfirmed, confirmed;
	bool idle, live;
	uint32_t idle_ts, live_ts;
};

static int see(const struct sctplb_assoc_key *k, const struct sctplb_assoc *a, bool confirmed,
	       void *arg)
{
	struct listed *l = arg;

	(void)a;
	if (confirmed) {
		l->confirmed++;
		return 0;
	}
	l->unconfirmed++;
	l->idle |= k->vtag == l->idle_ts;
	l->live |= k->vtag == l->live_ts;
	return 0;
}

/* 4. gc expires the idle one from the tables; the walk lists them. */
static void gc_and_list(void)
{
	struct listed l = { .idle_ts = 0x45000001u, .live_ts = 0x45000002u };
	struct sctplb_config cfg = {};
	struct gc_result r;
	struct lb_maps m;
	__u32 zero = 0;
	int err;

	clear_state();
	now += 10 * NSEC;
	if (!make(40, l.idle_ts) || !make(41, l.live_ts) || fx_lb_maps(&fx, &m))
		return tr_result("gc", "setup");
	err = lb_assocs_walk(&m, see, &l);
	if (err || l.unconfirmed != 2 || !l.idle || !l.live || l.confirmed)
		return tr_result("assoc list's walk lists the unconfirmed associations",
				 WHY("returned %d, %ld unconfirmed (want 2, both), %ld confirmed", err,
				     l.unconfirmed, l.confirmed));
	tr_result("assoc list's walk lists the unconfirmed associations of the table", NULL);

	/* 250 s later the live one sends; at 350 s the other is idle past 300 s. */
	now += 250 * NSEC;
	if (!data(41, l.live_ts))
		return tr_result("gc", "DATA of the live one");
	bpf_map_lookup_elem(fx.settings, &zero, &cfg);
	err = gc_sweep(&m, now + 100 * NSEC, &cfg, &r);
	if (err || r.assocs_idle != 1 || r.ctags != 1 || where(l.idle_ts) ||
	    ctag_where(l.idle_ts) || where(l.live_ts) != 1 || ctag_where(l.live_ts) != 1)
		return tr_result("gc expires unconfirmed associations from the tables",
				 WHY("returned %d, %u idle, %u ctags removed (want 1 1); idle one %d/%d, "
				     "live one %d/%d (want 0/0 1/1)", err, r.assocs_idle, r.ctags,
				     where(l.idle_ts), ctag_where(l.idle_ts), where(l.live_ts),
				     ctag_where(l.live_ts)));
	tr_result("gc expires an idle unconfirmed association and its Tc entry from the tables, "
		  "keeps a live one", NULL);
}

/* One packet between addresses a (client side) and VIP4, Tc or Ts as vtag. */
static int send_at(const char *a, bool to_backend, uint32_t vtag, struct chunk_spec ch,
		   struct seq_out *o)
{
	struct pkt_spec s = { .src = to_backend ? a : VIP4, .dst = to_backend ? VIP4 : a,
			      .sport = to_backend ? CPORT : PORT, .dport = to_backend ? PORT : CPORT,
			      .vtag = vtag, .chunks = { ch } };

	return seq_run(&fx, &s, to_backend, now, o);
}

/* Whether pending_ctags holds Tc's entry (the index of other addresses). */
static bool in_pctags(uint32_t tc)
{
	struct sctplb_assoc_key ck = key_of(tc);
	struct sctplb_ctag_value v;
	struct lb_settable c;

	return !fx_pending_ctags(&fx, &c) && !lb_settable_lookup(&c, &ck, &v, NULL);
}

/* 5. The Tc index through the handshake. */
static void by_handshake(void)
{
	uint32_t ts = 0x46000001u, tc = ts ^ 0x5a5a5a5au, ts2 = 0x46000002u, tc2 = ts2 ^ 0x5a5a5a5au;
	uint32_t ts3 = 0x46000003u, tc3 = ts3 ^ 0x5a5a5a5au;
	const char *name;
	struct sctplb_handshake h;
	struct sctplb_client_key hk;
	struct seq_out o;
	char a[32], b[32];

	clear_state();
	now += 10 * NSEC;

	/* A client whose INIT lists no other address (50), and another (51). */
	name = "a client whose INIT listed no other address: no pending_ctags entry, its handshake "
	       "names Ts";
	client_addr(50, a, sizeof(a));
	client_addr(51, b, sizeof(b));
	hk = fx_client_key(SVC, htons(CPORT), a);
	if (!make(50, ts) || !make(51, ts2))
		return tr_result(name, "setup: associations not stored");
	if (in_pctags(tc) || fx_handshake_lookup(&fx, &hk, &h) || h.stag != ts ||
	    !(h.flags & SCTPLB_HS_F_ONE_ADDR) || fx_pending_ctag_count(&fx) != 0)
		return tr_result(name, WHY("pending_ctags[Tc] %d (want 0), %ld entries (want 0); "
					   "handshake stag %#x flags %#x (want %#x, ONE_ADDR)",
					   in_pctags(tc), fx_pending_ctag_count(&fx), h.stag, h.flags, ts));
	tr_result(name, NULL);

	/* A guessed Tc: the backend's packet to another client's address, the
	 * client's T-bit ABORT from there and from an address no one has. */
	name = "a packet with another association's Tc to or from another address confirms and "
	       "closes nothing";
	if (send_at(b, false, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] || where(ts) != 1 || where(ts2) != 1)
		return tr_result(name, WHY("backend's packet with Tc of A to B's address: confirmed "
					   "+%llu, A in table %d, B in %d (want 0 1 1)",
					   (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED],
					   where(ts), where(ts2)));
	if (send_at(b, true, tc, (struct chunk_spec)CH_ABORT_T, &o) || o.d[SCTPLB_STAT_TBIT] ||
	    !o.d[SCTPLB_STAT_UNKNOWN_VTAG] ||
	    send_at("198.51.100.251", true, tc, (struct chunk_spec)CH_ABORT_T, &o) ||
	    o.d[SCTPLB_STAT_TBIT] || !o.d[SCTPLB_STAT_UNKNOWN_VTAG] ||
	    o.d[SCTPLB_STAT_ASSOC_CLOSING])
		return tr_result(name, WHY("T-bit ABORT with A's Tc from B's or no one's address: "
					   "TBIT +%llu, UNKNOWN_VTAG +%llu, CLOSING +%llu (want 0 1 0)",
					   (unsigned long long)o.d[SCTPLB_STAT_TBIT],
					   (unsigned long long)o.d[SCTPLB_STAT_UNKNOWN_VTAG],
					   (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CLOSING]));
	tr_result(name, NULL);

	/* The backend's COOKIE-ACK to A's address: found through A's handshake. */
	name = "the backend's first packet confirms an association found through the handshake "
	       "(no pending_ctags entry)";
	if (send_at(a, false, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1 || where(ts) != 2 || ctag_where(ts) != 2 ||
	    where(ts2) != 1)
		return tr_result(name, WHY("confirmed +%llu, table %d, Tc index %d, the other in %d "
					   "(want 1 2 2 1)",
					   (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED],
					   where(ts), ctag_where(ts), where(ts2)));
	tr_result(name, NULL);

	/* A multihomed client (52): its INIT lists a second address. */
	name = "a multihomed client's COOKIE-ECHO from its INIT's source writes no pending_ctags "
	       "entry, and its T-bit packet from the listed address finds the association "
	       "(through the source's handshake)";
	client_addr(52, a, sizeof(a));
	if (send_client(52, 0, (struct chunk_spec)CH_INIT(tc3, a, "203.0.113.77"), &o) ||
	    !seq_forwarded(&o) || send_client(52, ts3, (struct chunk_spec)CH_COOKIE(), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return tr_result(name, "setup: association not stored");
	if (in_pctags(tc3) || fx_pending_ctag_count(&fx) != 0 || ctag_where(ts3) != 1)
		return tr_result(name, WHY("pending_ctags[Tc] %d, %ld entries, Tc index %d (want 0 0 1)",
					   in_pctags(tc3), fx_pending_ctag_count(&fx),
					   ctag_where(ts3)));
	if (send_at("203.0.113.77", true, tc3, (struct chunk_spec)CH_SC_T, &o) ||
	    !seq_forwarded(&o) || o.d[SCTPLB_STAT_TBIT] != 1 || o.d[SCTPLB_STAT_ASSOC_CLOSING] != 1)
		return tr_result(name, WHY("T-bit SHUTDOWN-COMPLETE from the listed address: "
					   "forwarded %d, TBIT +%llu, CLOSING +%llu (want 1 1 1)",
					   seq_forwarded(&o), (unsigned long long)o.d[SCTPLB_STAT_TBIT],
					   (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CLOSING]));
	tr_result(name, NULL);
	(void)tc2;
}

/* A multihomed client i: INIT (Tc) from its address listing l, then the
 * COOKIE-ECHO (Ts) from from (its address, or l). */
static bool make_listed(int i, const char *l, uint32_t ts, uint32_t tc, const char *from)
{
	char a[32];
	struct seq_out o;

	client_addr(i, a, sizeof(a));
	return !send_client(i, 0, (struct chunk_spec)CH_INIT(tc, a, l), &o) && seq_forwarded(&o) &&
	       !send_at(from ? from : a, true, ts, (struct chunk_spec)CH_COOKIE(), &o) &&
	       seq_forwarded(&o) && o.d[SCTPLB_STAT_ASSOC_CREATED] == 1;
}

/* A T-bit SHUTDOWN-COMPLETE with Tc from address a: 1 if it marked an
 * association closing, 0 if none had that Tc there, -1 on a send error. */
static int tbit_closes(const char *a, uint32_t tc)
{
	struct seq_out o;

	if (send_at(a, true, tc, (struct chunk_spec)CH_SC_T, &o))
		return -1;
	return o.d[SCTPLB_STAT_TBIT] == 1 && o.d[SCTPLB_STAT_ASSOC_CLOSING] == 1;
}

/* 9. A multihomed client's Tc index from its listed addresses: the source's handshake. */
static void listed_index(void)
{
	uint32_t ts = 0x4a000001u, tc = ts ^ 0x5a5a5a5au, ts2 = 0x4a000002u, tc2 = ts2 ^ 0x5a5a5a5au;
	uint32_t ts3 = 0x4a000003u, tc3 = ts3 ^ 0x5a5a5a5au, ts4 = 0x4a000004u, tc4 = ts4 ^ 0x5a5a5a5au;
	uint32_t ts5 = 0x4a000005u, tc5 = ts5 ^ 0x5a5a5a5au, ts6 = 0x4a000006u;
	uint32_t ts7 = 0x4a000007u, tc7 = ts7 ^ 0x5a5a5a5au, stag = 0;
	uint32_t ts8 = 0x4a000008u, tc8 = ts8 ^ 0x5a5a5a5au;
	struct sctplb_assoc_key ck = key_of(tc7);
	struct sctplb_addr la = pkt_addr("203.0.113.67");
	struct sctplb_config cfg = {};
	const char *name;
	struct gc_result r;
	struct lb_maps m;
	struct seq_out o;
	__u32 zero = 0;
	char a[32];
	int err;

	clear_state();
	now += 10 * NSEC;

	/* The backend's first packet to the listed address. */
	name = "the backend's first packet to a multihomed client's listed address confirms the "
	       "association (found through the source's handshake)";
	if (!make_listed(60, "203.0.113.60", ts, tc, NULL) || in_pctags(tc))
		return tr_result(name, WHY("setup: stored %d, pending_ctags[Tc] %d (want 1 0)",
					   where(ts), in_pctags(tc)));
	tr_result(name, send_at("203.0.113.60", false, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
				o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1 || where(ts) != 2 ?
			WHY("confirmed +%llu, table %d (want 1 2)",
			    (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED], where(ts)) : NULL);

	/* The COOKIE-ECHO from the listed address: the source has no Ts. */
	name = "a COOKIE-ECHO from a listed address writes pending_ctags: the T-bit packet from "
	       "the INIT's source finds the association";
	client_addr(61, a, sizeof(a));
	if (!make_listed(61, "203.0.113.61", ts2, tc2, "203.0.113.61"))
		return tr_result(name, "setup: association not stored");
	err = tbit_closes(a, tc2);
	tr_result(name, !in_pctags(tc2) || err != 1 ?
			WHY("pending_ctags[Tc] %d, T-bit from the source closed %d (want 1 1)",
			    in_pctags(tc2), err) : NULL);

	/* A restart: the source's INIT with another Tc, same backend. */
	name = "a multihomed client's restart (an INIT with another Tc, or one listing no "
	       "address) hands the older association's Tc to pending_ctags: the T-bit packet from "
	       "the listed address with the older Tc finds it";
	if (!make_listed(62, "203.0.113.62", ts3, tc3, NULL) ||
	    !make_listed(63, "203.0.113.63", ts4, tc4, NULL))
		return tr_result(name, "setup: associations not stored");
	client_addr(62, a, sizeof(a));
	if (send_client(62, 0, (struct chunk_spec)CH_INIT(0x4b000003u, a, "203.0.113.62"), &o) ||
	    !o.d[SCTPLB_STAT_INIT_RESTART] ||
	    send_client(63, 0, (struct chunk_spec)CH_INIT(tc4), &o) ||
	    !o.d[SCTPLB_STAT_INIT_RESTART])
		return tr_result(name, "setup: the INITs were not restarts");
	tr_result(name, !in_pctags(tc3) || !in_pctags(tc4) || tbit_closes("203.0.113.62", tc3) != 1 ||
				tbit_closes("203.0.113.63", tc4) != 1 ?
			WHY("pending_ctags[older Tc] %d %d (want 1 1)", in_pctags(tc3),
			    in_pctags(tc4)) : NULL);

	/* A second COOKIE-ECHO (another Ts) onto the same handshake. */
	name = "a multihomed client's handshake taken by a newer association (another Ts for its "
	       "Tc) hands the older one's Tc to pending_ctags";
	if (!make_listed(64, "203.0.113.64", ts5, tc5, NULL) ||
	    send_client(64, ts6, (struct chunk_spec)CH_COOKIE(), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return tr_result(name, "setup: associations not stored");
	tr_result(name, ctag_where(ts5) != 1 || where(ts5) != 1 || where(ts6) != 1 ?
			WHY("older one's Tc index %d, tables %d %d (want 1 1 1)", ctag_where(ts5),
			    where(ts5), where(ts6)) : NULL);

	/* An INIT whose addresses are not all indexed: more than the entries made. */
	name = "an INIT listing more addresses than get an entry leaves a handshake that is no Tc "
	       "index for them: its COOKIE-ECHO writes pending_ctags, and the T-bit packet from the "
	       "address past the last entry finds the association";
	client_addr(68, a, sizeof(a));
	if (send_client(68, 0, (struct chunk_spec)CH_INIT(tc8, a, "203.0.113.81", "203.0.113.82",
							   "203.0.113.83", "203.0.113.84",
							   "203.0.113.85"), &o) ||
	    !seq_forwarded(&o) || send_client(68, ts8, (struct chunk_spec)CH_COOKIE(), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return tr_result(name, "setup: association not stored");
	tr_result(name, !in_pctags(tc8) || tbit_closes("203.0.113.85", tc8) != 1 ?
			WHY("pending_ctags[Tc] %d (want 1), the T-bit from the 5th listed address "
			    "did not close it", in_pctags(tc8)) : NULL);

	/* gc and the monitor's lookup by Tc. */
	name = "gc keeps an expired listed handshake while the association made from its INIT's "
	       "source is unconfirmed, and the Tc lookup of user space finds it from there";
	if (!make_listed(67, "203.0.113.67", ts7, tc7, NULL) || in_pctags(tc7) || fx_lb_maps(&fx, &m))
		return tr_result(name, "setup: association not stored, or indexed in pending_ctags");
	bpf_map_lookup_elem(fx.settings, &zero, &cfg);
	err = gc_sweep(&m, now + 60 * NSEC, &cfg, &r);
	if (err || where(ts7) != 1)
		return tr_result(name, WHY("gc returned %d, table %d (want 0 1)", err, where(ts7)));
	if (lb_pending_ctag_lookup(&m, &ck, la.family, la.addr, &stag) || stag != ts7)
		return tr_result(name, WHY("lb_pending_ctag_lookup from the listed address: Ts %#x "
					   "(want %#x)", stag, ts7));
	err = tbit_closes("203.0.113.67", tc7);
	tr_result(name, err != 1 ? WHY("the T-bit packet from the listed address after gc: closed %d "
				       "(want 1)", err) : NULL);
}

/* 6. A handshake taken over by a newer association of its address. */
static void taken_over(void)
{
	const char *name = "a handshake taken by a newer association of its address hands the "
			   "older one's Tc to pending_ctags: the backend's packet with it confirms "
			   "the older association";
	uint32_t ts = 0x47000001u, tc = ts ^ 0x5a5a5a5au, ts2 = 0x47000002u, tc2 = ts2 ^ 0x5a5a5a5au;
	struct seq_out o;
	char a[32];

	now += 10 * NSEC;
	client_addr(53, a, sizeof(a));
	if (!make(53, ts) || in_pctags(tc))
		return tr_result(name, WHY("setup: the first association stored %d, pending_ctags[Tc] "
					   "%d (want 1 0)", where(ts), in_pctags(tc)));
	/* The second endpoint behind the same address and port. */
	if (send_client(53, 0, (struct chunk_spec)CH(CT_INIT, .tag = tc2, .disable_restart = true),
			&o) || !seq_forwarded(&o) ||
	    send_client(53, ts2, (struct chunk_spec)CH_COOKIE(), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CREATED] != 1)
		return tr_result(name, "setup: the second association not stored");
	if (!in_pctags(tc) || where(ts) != 1 || where(ts2) != 1)
		return tr_result(name, WHY("pending_ctags[older Tc] %d, older in table %d, newer in %d "
					   "(want 1 1 1)", in_pctags(tc), where(ts), where(ts2)));
	if (send_at(a, false, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1 || where(ts) != 2 || where(ts2) != 1)
		return tr_result(name, WHY("the backend's COOKIE-ACK with the older Tc: confirmed "
					   "+%llu, older in table %d, newer in %d (want 1 2 1)",
					   (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED],
					   where(ts), where(ts2)));
	tr_result(name, NULL);
}

/* svc's VIP4 key marked NAT (svc_nat ON, same port) or back to plain. */
static int set_nat(bool on)
{
	struct sctplb_addr va = pkt_addr(VIP4);
	struct sctplb_vip_key vk = { .port = htons(PORT), .proto = 132, .family = va.family };
	struct sctplb_svc_nat n = { .flags = on ? SCTPLB_NAT_F_ON : 0, .sctp_port = htons(PORT) };
	int smap = bpf_map__fd(fx.skel->maps.svc_nat);
	struct sctplb_service v;
	__u32 svc = SVC;

	memcpy(vk.addr, va.addr, 16);
	if (bpf_map_update_elem(smap, &svc, &n, BPF_ANY) ||
	    bpf_map_lookup_elem(fx.services, &vk, &v))
		return -1;
	v.flags = on ? v.flags | SCTPLB_SVC_F_NAT : v.flags & ~SCTPLB_SVC_F_NAT;
	/* the programs' service cache answers until the generation moves */
	return bpf_map_update_elem(fx.services, &vk, &v, BPF_ANY) ||
	       lb_svc_gen_bump(bpf_map__fd(fx.skel->maps.svc_gen)) ? -1 : 0;
}

/* 7. A NAT service's new association: pending_ctags whatever its handshake. */
static void nat_indexed(void)
{
	const char *name = "a NAT service's association made by a COOKIE-ECHO from a client that "
			   "listed no other address is in pending_ctags (gc keeps its flow by it)";
	uint32_t ts = 0x48000001u, tc = ts ^ 0x5a5a5a5au;
	bool made, indexed;

	now += 10 * NSEC;
	if (set_nat(true))
		return tr_result(name, "setup: the service not made NAT");
	made = make(54, ts);
	indexed = in_pctags(tc);
	if (set_nat(false))
		return tr_result(name, "the service not made plain again");
	tr_result(name, made && indexed ? NULL :
		  WHY("association stored %d (in %d), pending_ctags[Tc] %d (want 1 1 1)", made,
		      where(ts), indexed));
}

/* 8. An ending or T-bit packet as the client's 4th promotes nothing. */
static void no_promotion_by_end(void)
{
	const char *name = "an ABORT, or a T-bit ABORT with Tc, as the client's 4th packet promotes "
			   "nothing";
	uint32_t ts = 0x49000001u, ts2 = 0x49000002u, tc2 = ts2 ^ 0x5a5a5a5au;
	struct seq_out o, o2;
	int i;

	now += 10 * NSEC;
	if (!make(55, ts) || !make(56, ts2))
		return tr_result(name, "setup: associations not stored");
	for (i = 0; i < SCTPLB_CONFIRM_PACKETS - 2; i++)
		if (!data(55, ts) || !data(56, ts2))
			return tr_result(name, "setup: DATA not forwarded");
	if (where(ts) != 1 || where(ts2) != 1)
		return tr_result(name, WHY("setup: promoted before the 4th packet (%d %d)", where(ts),
					   where(ts2)));
	if (send_client(55, ts, (struct chunk_spec)CH(CT_ABORT), &o) || !seq_forwarded(&o) ||
	    send_client(56, tc2, (struct chunk_spec)CH_ABORT_T, &o2) || !seq_forwarded(&o2))
		return tr_result(name, "the ABORTs not forwarded");
	tr_result(name, where(ts) == 1 && where(ts2) == 1 && !o.d[SCTPLB_STAT_ASSOC_PROMOTED] &&
				!o2.d[SCTPLB_STAT_ASSOC_PROMOTED] ? NULL :
		  WHY("ABORT: table %d, promoted +%llu; T-bit ABORT: table %d, promoted +%llu "
		      "(want 1 0 1 0)", where(ts), (unsigned long long)o.d[SCTPLB_STAT_ASSOC_PROMOTED],
		      where(ts2), (unsigned long long)o2.d[SCTPLB_STAT_ASSOC_PROMOTED]));
}

int main(void)
{
	struct fx_load_opts lo = { .test_clock = true, .assocs_max = MAXA };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 1, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) || fx_table_all(&fx, SVC, 1)) {
		printf("FAIL pending: setup\n");
		return 1;
	}
	victim_oldest_seen();
	victim_fewest_packets();
	moved_out();
	gc_and_list();
	by_handshake();
	taken_over();
	nat_indexed();
	no_promotion_by_end();
	listed_index();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
