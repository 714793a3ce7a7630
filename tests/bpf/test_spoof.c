// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_spoof: the attacks on learnt state, as packet sequences through the
 * loaded programs (sctplb_xdp toward the backends, sctplb_tc_return for what
 * the backends send), with the datapath's clock injected.
 *
 *   1. Re-pointing a pending handshake: a client's INIT, then spoofed INITs
 *      with other tags (and Disable Restart) from its address and fixed port
 *      (S1AP), then its COOKIE-ECHO and DATA; in direct server return (the
 *      handshake keeps its backend), and with the return path (the spoofed
 *      INITs re-point the handshake, but the Ts learnt from the backend's
 *      INIT-ACK outranks it).
 *   2. A handshake pins its address only until it expires.
 *   3. Two clients behind one NAT'd address and port (draft-ietf-tsvwg-natsupp,
 *      Disable Restart), one after the other and at the same time.
 *   4. What confirms an association, and what does not.
 *   5. An INIT that lists another client's address (a spoofed one, from any
 *      address) neither re-points that client's pending handshake nor takes
 *      the handshake that names its unconfirmed association (its restart
 *      rule and Tc index), nor, past the timeout, a listed address's
 *      handshake that is still the Tc index of the unconfirmed association
 *      its INIT's source made; the INIT's own Tc is then indexed in
 *      pending_ctags, for its other addresses.
 *   6. A client's own new INIT takes the entries its earlier INITs listed.
 * Filling the tables with spoofed handshakes is test_hostile's "full" part.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "seq.h"
#include "settable.h"
#include "report.h"

#define SVC    1
#define PORT   36412            /* S1AP: clients use it too */
#define CPORT  36412
#define VIP4   "203.0.113.1"
#define VIP6   "2001:db8:f::1"
#define NSEC   1000000000ull
#define NSPOOF 6

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "192.0.2.12", "2001:db8:1::12" };

static struct fx fx;
static uint64_t now = 1000 * NSEC;


/* Where Maglev sends an INIT with tag Tc: the fixture's table alternates
 * backend 1 (even slots) and 2 (odd slots). */
static uint32_t maglev_be(uint32_t tag)
{
	uint32_t slot = sctplb_init_hash(tag, htons(CPORT), htons(PORT)) % SCTPLB_MAGLEV_SIZE;

	return slot & 1 ? 2 : 1;
}

/* A tag (from seed on) that Maglev sends to backend be, or elsewhere (!same). */
static uint32_t tag_for(uint32_t seed, uint32_t be, bool same)
{
	while ((maglev_be(seed) == be) != same)
		seed += 0x01000193;
	return seed;
}

#define out seq_out

static int run(const struct pkt_spec *s, bool to_backend, struct out *o)
{
	return seq_run(&fx, s, to_backend, now, o);
}

static bool forwarded(const struct out *o)
{
	return seq_forwarded(o);
}

/* The client's packets (to VIP4) and the backend's (from it). */
static int init(const char *c, uint32_t tc, bool disable_restart, struct out *o)
{
	struct pkt_spec s = { .src = c, .dst = VIP4, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(tc, c) } };

	s.chunks[0].disable_restart = disable_restart;
	return run(&s, true, o);
}

static int client(const char *c, uint32_t ts, uint8_t type, struct out *o)
{
	struct pkt_spec s = { .src = c, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = ts,
			      .chunks = { CH(0) } };

	s.chunks[0].type = type;
	if (type == CT_DATA)
		s.chunks[0] = (struct chunk_spec)CH_DATA();
	return run(&s, true, o);
}

static int backend(const char *c, uint32_t vtag, struct chunk_spec ch, struct out *o)
{
	struct pkt_spec s = { .src = VIP4, .dst = c, .sport = PORT, .dport = CPORT, .vtag = vtag,
			      .chunks = { ch } };

	return run(&s, false, o);
}

#define INIT_ACK(ts) ((struct chunk_spec)CH(CT_INIT_ACK, .tag = (ts)))

static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)

static bool stored(uint32_t ts, bool *pending, uint32_t *be)
{
	struct sctplb_assoc_key k = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
	struct sctplb_assoc a;

	if (fx_assoc_lookup(&fx, &k, &a, pending))
		return false;
	*be = a.backend_id;
	return true;
}

/*
 * 1. 24 clients, each: INIT, NSPOOF spoofed INITs from its address and port,
 * (with the return path: the backend's INIT-ACK first, then its COOKIE-ACK),
 * COOKIE-ECHO, DATA.  Every packet of the real association on the backend
 * that made the cookie.
 */
static void repoint(bool return_path)
{
	const char *name = return_path ?
		"re-pointing, return path: the Ts learnt from the INIT-ACK outranks a re-pointed handshake" :
		"re-pointing, direct return: spoofed INITs pinned to the pending handshake's backend";
	int i, k, would_move = 0, pinned = 0, repointed = 0;
	char c[64];
	struct out o;

	for (i = 0; i < 24; i++) {
		uint32_t tc = 0x10000000u + i * 7919 + return_path * 0x01000000u;
		uint32_t ts = 0x20000000u + i + return_path * 0x01000000u, b;

		snprintf(c, sizeof(c), "203.0.113.%d", (return_path ? 140 : 100) + i);
		if (init(c, tc, false, &o) || !forwarded(&o))
			return tr_result(name, WHY("client %s: INIT not forwarded", c));
		b = o.backend;
		if (return_path && (backend(c, tc, INIT_ACK(ts), &o) || !o.d[SCTPLB_STAT_RET_INIT_ACK]))
			return tr_result(name, WHY("client %s: INIT-ACK not learnt", c));
		for (k = 0; k < NSPOOF; k++) {
			uint32_t spoof = 0xdead0000u + i * 64 + k * 13;

			/* The attacker adds Disable Restart: with the return path
			 * the spoofed INITs then re-point the handshake itself. */
			would_move += maglev_be(spoof) != b;
			if (init(c, spoof, true, &o) || !forwarded(&o) ||
			    (!return_path && o.backend != b))
				return tr_result(name, WHY("client %s: spoofed INIT %#x went to %u, expected %u",
							c, spoof, o.backend, b));
			pinned += o.d[SCTPLB_STAT_INIT_PINNED];
		}
		if (return_path) {
			struct sctplb_client_key hk = fx_client_key(SVC, htons(CPORT), c);
			struct sctplb_handshake hs;

			if (!fx_handshake_lookup(&fx, &hk, &hs) && hs.backend_id != b)
				repointed++;
		}
		if (client(c, ts, CT_COOKIE_ECHO, &o) || !forwarded(&o) || o.backend != b)
			return tr_result(name, WHY("client %s: COOKIE-ECHO to %u, its cookie was made on %u",
						c, o.backend, b));
		if (client(c, ts, CT_DATA, &o) || !forwarded(&o) || o.backend != b)
			return tr_result(name, WHY("client %s: DATA to %u, not %u", c, o.backend, b));
		if (return_path &&
		    (backend(c, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
		     o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1))
			return tr_result(name, WHY("client %s: COOKIE-ACK did not confirm", c));
	}
	/* The attack was real: without the rule these tags would have moved. */
	if (!would_move)
		return tr_result(name, "no spoofed tag hashes to another backend: the test proves nothing");
	if (!return_path && pinned != 24 * NSPOOF)
		return tr_result(name, WHY("INIT_PINNED %d, expected %d", pinned, 24 * NSPOOF));
	if (return_path && !repointed)
		return tr_result(name, "no handshake was re-pointed: the learnt Ts was never needed");
	printf("  %d of %d spoofed INITs hash to another backend%s; every association kept its own\n",
	       would_move, 24 * NSPOOF,
	       return_path ? WHY(" (%d of 24 handshakes re-pointed)", repointed) : "");
	tr_result(name, NULL);
}

/* 2. The pin lasts as long as the handshake: config handshake-timeout (10 s). */
static void expiry(void)
{
	const char *c = "203.0.113.200";
	uint32_t tc = 0x30000001u, b, other;
	struct out o;

	if (init(c, tc, false, &o) || !forwarded(&o))
		return tr_result("handshake expiry", "INIT not forwarded");
	b = o.backend;
	other = tag_for(0x30000100u, b, false);
	now += SCTPLB_HANDSHAKE_TIMEOUT_S * NSEC - 1;
	if (init(c, other, false, &o) || o.backend != b || o.d[SCTPLB_STAT_INIT_PINNED] != 1)
		return tr_result("handshake expiry: 1 ns before the timeout, still pinned",
			      WHY("went to %u (pinned +%llu), expected %u", o.backend,
				  (unsigned long long)o.d[SCTPLB_STAT_INIT_PINNED], b));
	tr_result("handshake expiry: 1 ns before the timeout, another tag still pinned", NULL);
	now += 1;
	if (init(c, other, false, &o) || o.backend == b || o.d[SCTPLB_STAT_INIT_PINNED])
		return tr_result("handshake expiry: at the timeout",
			      WHY("went to %u (pinned +%llu), expected Maglev's %u", o.backend,
				  (unsigned long long)o.d[SCTPLB_STAT_INIT_PINNED], maglev_be(other)));
	tr_result("handshake expiry: at the timeout, another tag goes by Maglev", NULL);
}

/*
 * 3. Two endpoints behind one NAT'd address and port: each INIT carries
 * Disable Restart.  One after the other (direct return), and at the same
 * time (the INIT-ACKs seen on the return path).
 */
static void nat_clients(void)
{
	const char *c = "203.0.113.210", *c2 = "203.0.113.211";
	uint32_t tca = 0x40000001u, tsa = 0x50000001u, tcb, tsb = 0x50000002u, ba, bb, be;
	bool pending;
	struct out o;

	if (init(c, tca, true, &o) || !forwarded(&o))
		return tr_result("NAT'd clients", "first INIT not forwarded");
	ba = o.backend;
	if (client(c, tsa, CT_COOKIE_ECHO, &o) || o.backend != ba || !o.d[SCTPLB_STAT_ASSOC_CREATED])
		return tr_result("NAT'd clients", "first COOKIE-ECHO");
	tcb = tag_for(0x40000100u, ba, false);
	if (init(c, tcb, true, &o) || o.backend == ba || o.d[SCTPLB_STAT_INIT_RESTART] ||
	    o.d[SCTPLB_STAT_INIT_PINNED])
		return tr_result("NAT'd clients, one after the other: the second by its own tag",
			      WHY("second INIT to %u (restart +%llu, pinned +%llu), Maglev says %u",
				  o.backend, (unsigned long long)o.d[SCTPLB_STAT_INIT_RESTART],
				  (unsigned long long)o.d[SCTPLB_STAT_INIT_PINNED], maglev_be(tcb)));
	bb = o.backend;
	if (client(c, tsb, CT_COOKIE_ECHO, &o) || o.backend != bb ||
	    client(c, tsa, CT_DATA, &o) || o.backend != ba ||
	    client(c, tsb, CT_DATA, &o) || o.backend != bb ||
	    !stored(tsa, &pending, &be) || be != ba || !stored(tsb, &pending, &be) || be != bb)
		return tr_result("NAT'd clients, one after the other: the second by its own tag",
			      "the two associations do not stay on their backends");
	tr_result("NAT'd clients, one after the other: Disable Restart skips the restart rule, each on its backend",
	       NULL);
	/* Without the parameter, an INIT from there is a restart of the latest. */
	if (init(c, tag_for(0x40000200u, bb, false), false, &o) || o.backend != bb ||
	    o.d[SCTPLB_STAT_INIT_RESTART] != 1)
		return tr_result("restart rule without Disable Restart",
			      WHY("went to %u, expected the latest association's %u", o.backend, bb));
	tr_result("without Disable Restart the same INIT is a restart: the latest association's backend",
	       NULL);

	/* At the same time, return path: A's INIT, its INIT-ACK, B's INIT, ... */
	tca = 0x41000001u;
	if (init(c2, tca, true, &o) || backend(c2, tca, INIT_ACK(0x51000001u), &o))
		return tr_result("NAT'd clients at the same time", "first handshake");
	ba = maglev_be(tca);
	tcb = tag_for(0x41000100u, ba, false);
	if (init(c2, tcb, true, &o) || o.backend == ba || o.d[SCTPLB_STAT_INIT_PINNED])
		return tr_result("NAT'd clients at the same time",
			      WHY("second INIT to %u, expected Maglev's %u", o.backend, maglev_be(tcb)));
	bb = o.backend;
	if (backend(c2, tcb, INIT_ACK(0x51000002u), &o) || !o.d[SCTPLB_STAT_RET_INIT_ACK] ||
	    client(c2, 0x51000001u, CT_COOKIE_ECHO, &o) || o.backend != ba ||
	    client(c2, 0x51000002u, CT_COOKIE_ECHO, &o) || o.backend != bb ||
	    backend(c2, tca, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    !o.d[SCTPLB_STAT_ASSOC_CONFIRMED] ||
	    backend(c2, tcb, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    !o.d[SCTPLB_STAT_ASSOC_CONFIRMED] ||
	    client(c2, 0x51000001u, CT_DATA, &o) || o.backend != ba ||
	    client(c2, 0x51000002u, CT_DATA, &o) || o.backend != bb)
		return tr_result("NAT'd clients at the same time, return path",
			      "the two handshakes did not each stay on their backend");
	tr_result("NAT'd clients at the same time, return path: each handshake on its own backend, both confirmed",
	       NULL);
}

/* 4. Only the backend's packet with Tc confirms; an INIT-ACK or a T-bit reply does not. */
static void confirmation(void)
{
	const char *c = "203.0.113.220";
	uint32_t tc = 0x60000001u, ts = 0x70000001u, be;
	bool pending = false;
	struct out o;

	if (init(c, tc, false, &o) || client(c, ts, CT_COOKIE_ECHO, &o) ||
	    !stored(ts, &pending, &be) || !pending)
		return tr_result("confirmation", "COOKIE-ECHO: not stored unconfirmed");
	tr_result("a COOKIE-ECHO alone stores the association unconfirmed", NULL);
	/* An out-of-the-blue reply (RFC 9260 8.4) carries the sender's tag: Ts. */
	if (backend(c, ts, (struct chunk_spec)CH_ABORT_T, &o) || o.d[SCTPLB_STAT_ASSOC_CONFIRMED] ||
	    !stored(ts, &pending, &be) || !pending)
		return tr_result("a backend's T-bit ABORT confirms nothing",
			      WHY("confirmed +%llu, pending %d",
				  (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CONFIRMED], pending));
	tr_result("a backend's T-bit ABORT (its answer to anything unknown) confirms nothing", NULL);

	tc = 0x60000002u;
	ts = 0x70000002u;
	if (init(c, tc, false, &o) || backend(c, tc, INIT_ACK(ts), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] || !stored(ts, &pending, &be) || !pending)
		return tr_result("an INIT-ACK confirms nothing", "INIT-ACK confirmed, or nothing learnt");
	tr_result("an INIT-ACK (a spoofed INIT gets one too) stores the association unconfirmed", NULL);
	if (backend(c, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED] != 1 || !stored(ts, &pending, &be) || pending)
		return tr_result("COOKIE-ACK confirms", "not confirmed");
	if (backend(c, tc, (struct chunk_spec)CH(CT_COOKIE_ACK), &o) ||
	    o.d[SCTPLB_STAT_ASSOC_CONFIRMED])
		return tr_result("COOKIE-ACK confirms", "confirmed twice");
	tr_result("the backend's COOKIE-ACK (vtag Tc) confirms it, once", NULL);
}

/* An INIT from address c listing l (and c), Tc tc. */
static int init_listing(const char *c, const char *l, uint32_t tc, struct out *o)
{
	struct pkt_spec s = { .src = c, .dst = VIP4, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(tc, c, l) } };

	return run(&s, true, o);
}

/* A T-bit chunk (ABORT or SHUTDOWN-COMPLETE) with Tc from c: the backend it
 * went to, 0 if it found no association. */
static uint32_t tbit_to(const char *c, uint32_t tc, struct chunk_spec ch)
{
	struct pkt_spec s = { .src = c, .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = tc,
			      .chunks = { ch } };
	struct out o;

	if (run(&s, true, &o) || !o.d[SCTPLB_STAT_TBIT] || !forwarded(&o))
		return 0;
	return o.backend;
}

/* 5. Another client's address in an INIT's address list. */
static void listed_victim(void)
{
	const char *v = "203.0.113.240", *x = "198.51.100.230";
	const char *y = "198.51.100.231", *fresh = "198.51.100.232", *z = "198.51.100.233";
	const char *w = "203.0.113.241", *u = "198.51.100.234";
	uint32_t tc = 0x61000001u, ts = 0x71000001u, tx, tsx = 0x71000002u, b, got;
	bool pending;
	struct out o;

	/* A pending handshake (no COOKIE-ECHO yet): the spoofed INIT from x
	 * lists v with a tag Maglev sends elsewhere. */
	if (init(v, tc, false, &o) || !forwarded(&o) || o.d[SCTPLB_STAT_INIT_RESTART])
		return tr_result("listed victim", "INIT not forwarded, or a restart");
	b = o.backend;
	tx = tag_for(0x61000100u, b, false);
	if (init_listing(x, v, tx, &o) || !forwarded(&o) || o.backend == b)
		return tr_result("listed victim", WHY("spoofed INIT from x to %u, expected %u",
						      o.backend, maglev_be(tx)));
	if (client(v, ts, CT_COOKIE_ECHO, &o) || o.backend != b || !o.d[SCTPLB_STAT_ASSOC_CREATED])
		return tr_result("an INIT listing a client's address does not re-point its pending "
				 "handshake",
				 WHY("the client's COOKIE-ECHO went to %u (created +%llu, %s), its "
				     "cookie was made on %u", o.backend,
				     (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CREATED],
				     fx_stat_name(o.reason), b));
	tr_result("an INIT listing a client's address does not re-point its pending handshake: "
		  "the client's COOKIE-ECHO reaches the backend that made its cookie", NULL);

	/* Now v's handshake names the unconfirmed association: another INIT
	 * listing v (from y, a tag for the other backend), once the handshake
	 * is past the timeout (not pending: only its association keeps it),
	 * must leave it. */
	now += SCTPLB_HANDSHAKE_TIMEOUT_S * NSEC;
	if (init_listing(y, v, tag_for(0x61000200u, b, false), &o) || !forwarded(&o))
		return tr_result("listed victim", "second spoofed INIT not forwarded");
	got = tbit_to(v, tc, (struct chunk_spec)CH_SC_T);
	if (got != b)
		return tr_result("an INIT listing a client's address leaves the handshake that names "
				 "its unconfirmed association",
				 WHY("the client's T-bit SHUTDOWN-COMPLETE (Tc) went to %u, expected "
				     "%u", got, b));
	if (init(v, tag_for(0x61000300u, b, false), false, &o) || o.backend != b ||
	    o.d[SCTPLB_STAT_INIT_RESTART] != 1)
		return tr_result("an INIT listing a client's address leaves the handshake that names "
				 "its unconfirmed association",
				 WHY("the client's restart INIT went to %u (restart +%llu), expected %u",
				     o.backend, (unsigned long long)o.d[SCTPLB_STAT_INIT_RESTART], b));
	tr_result("an INIT listing a client's address leaves the handshake that names its "
		  "unconfirmed association: the client's T-bit packet (Tc) and its restart INIT "
		  "reach that association's backend", NULL);

	/* An INIT whose listed address is held (v, above) and a fresh one: its
	 * Tc index for its addresses is pending_ctags, since v has no
	 * handshake of its. */
	tx = 0x61000400u;
	{
		struct pkt_spec s = { .src = z, .dst = VIP4, .sport = CPORT, .dport = PORT,
				      .chunks = { CH_INIT(tx, z, v, fresh) } };

		if (run(&s, true, &o) || !forwarded(&o))
			return tr_result("listed victim", "INIT from z listing v and another not "
				      "forwarded");
	}
	b = o.backend;
	if (client(z, tsx, CT_COOKIE_ECHO, &o) || o.backend != b || !stored(tsx, &pending, &got))
		return tr_result("listed victim", "COOKIE-ECHO from z: no association");
	{
		struct sctplb_assoc_key ck = fx_assoc_key(SVC, tx, htons(CPORT), htons(PORT));
		struct sctplb_ctag_value cv = {};
		struct lb_settable pc;
		uint32_t from_fresh;

		if (fx_pending_ctags(&fx, &pc) || lb_settable_lookup(&pc, &ck, &cv, NULL) ||
		    cv.stag != tsx)
			return tr_result("an INIT whose listed address is another client's indexes "
					 "its Tc in pending_ctags",
					 WHY("no pending_ctags entry Tc %#x -> Ts %#x (found %#x)", tx,
					     tsx, cv.stag));
		got = tbit_to(v, tx, (struct chunk_spec)CH_SC_T);
		/* The address listed after the held one has its entry: a
		 * COOKIE-ECHO from there goes by it. */
		if (client(fresh, 0x71000003u, CT_COOKIE_ECHO, &o))
			return tr_result("listed victim", "COOKIE-ECHO from the next address not run");
		from_fresh = o.d[SCTPLB_STAT_ASSOC_CREATED] == 1 ? o.backend : 0;
		tr_result("an INIT whose listed address is another client's indexes its Tc in "
			  "pending_ctags and still lists its other addresses: its T-bit packet from "
			  "the held address finds its association, a COOKIE-ECHO from the address "
			  "after it reaches its backend",
			  got != b || from_fresh != b ?
				WHY("T-bit packet (Tc of z's INIT) from v to %u, COOKIE-ECHO from the "
				    "next address made an association on %u, expected %u", got,
				    from_fresh, b) : NULL);
	}

	/* A handshake past the timeout is no one's: an INIT listing its
	 * address takes it, and the COOKIE-ECHO from there follows. */
	if (init(w, 0x61000501u, false, &o) || !forwarded(&o))
		return tr_result("listed victim", "INIT from w not forwarded");
	b = o.backend;
	now += SCTPLB_HANDSHAKE_TIMEOUT_S * NSEC;
	tx = tag_for(0x61000600u, b, false);
	if (init_listing(u, w, tx, &o) || !forwarded(&o) || o.backend == b)
		return tr_result("listed victim", "INIT from u listing w: not forwarded by its tag");
	b = o.backend;
	if (client(w, 0x71000503u, CT_COOKIE_ECHO, &o))
		return tr_result("listed victim", "COOKIE-ECHO from w not run");
	tr_result("an INIT listing an address whose handshake is past the timeout takes it: the "
		  "COOKIE-ECHO from that address reaches the INIT's backend",
		  o.backend != b || o.d[SCTPLB_STAT_ASSOC_CREATED] != 1 ?
			WHY("COOKIE-ECHO from w to %u (created +%llu), expected %u", o.backend,
			    (unsigned long long)o.d[SCTPLB_STAT_ASSOC_CREATED], b) : NULL);
}

/*
 * 5, continued.  A listed address's handshake past the timeout is still the
 * Tc index of the association its INIT's source made (no pending_ctags
 * entry: the source's handshake answers for it), as long as that
 * association is unconfirmed: an INIT from elsewhere listing the address
 * leaves it.
 */
static void listed_tc_index(void)
{
	const char *s = "203.0.113.242", *a = "203.0.113.243", *x = "198.51.100.235";
	const char *name = "an INIT listing an address whose listed handshake, past the timeout, "
			   "is still the Tc index of another client's unconfirmed association "
			   "leaves it: that client's T-bit packet (Tc) from the address reaches "
			   "its backend";
	uint32_t tc = 0x61000701u, ts = 0x71000701u, b, before, after;
	struct out o;

	if (init_listing(s, a, tc, &o) || !forwarded(&o))
		return tr_result(name, "setup: INIT from s listing a not forwarded");
	b = o.backend;
	if (client(s, ts, CT_COOKIE_ECHO, &o) || o.backend != b || !o.d[SCTPLB_STAT_ASSOC_CREATED])
		return tr_result(name, "setup: COOKIE-ECHO from s made no association");
	before = tbit_to(a, tc, (struct chunk_spec)CH_SC_T);
	now += SCTPLB_HANDSHAKE_TIMEOUT_S * NSEC;
	if (init_listing(x, a, tag_for(0x61000800u, b, false), &o) || !forwarded(&o))
		return tr_result(name, "setup: INIT from x listing a not forwarded");
	after = tbit_to(a, tc, (struct chunk_spec)CH_SC_T);
	tr_result(name, before == b && after == b ? NULL :
		  WHY("T-bit SHUTDOWN-COMPLETE with Tc from a: to %u before the INIT from x, to %u "
		      "after it (0: no association), expected %u", before, after, b));
}

/* One multihomed client (a1 listing a2 and a3): INIT Tc from a1, COOKIE-ECHO
 * Ts from `from`; 0 if both went through and made the association. */
static int own_assoc(const char *a1, const char *a2, const char *a3, uint32_t tc, uint32_t ts,
		     const char *from, struct out *o)
{
	struct pkt_spec s = { .src = a1, .dst = VIP4, .sport = CPORT, .dport = PORT,
			      .chunks = { CH_INIT(tc, a1, a2, a3) } };

	if (run(&s, true, o) || !forwarded(o) || client(from, ts, CT_COOKIE_ECHO, o) ||
	    !forwarded(o) || !o->d[SCTPLB_STAT_ASSOC_CREATED])
		return -1;
	return 0;
}

/* The tag Tc an association keeps (0: none stored). */
static uint32_t ctag_of(uint32_t ts)
{
	struct sctplb_assoc_key k = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
	struct sctplb_assoc a;
	bool pending;

	return fx_assoc_lookup(&fx, &k, &a, &pending) ? 0 : a.ctag;
}

/*
 * 6. A client's own INITs take the entries its earlier INITs listed: a new
 * INIT with another Tc within the handshake timeout, and one after an
 * association whose COOKIE-ECHO came from a listed address (that entry
 * names the association), each followed by a COOKIE-ECHO from a listed
 * address, which must make the association of the new Tc.
 */
static void listed_own(void)
{
	const char *a1 = "203.0.113.244", *a2 = "198.51.100.244", *a3 = "198.51.100.245";
	const char *c1 = "203.0.113.246", *c2 = "198.51.100.246", *c3 = "198.51.100.247";
	uint32_t tc1 = 0x62000001u, tc2 = 0x62000002u, ts1 = 0x72000001u, ts2 = 0x72000002u;
	uint32_t tc3 = 0x62000003u, tc4 = 0x62000004u, ts3 = 0x72000003u, ts4 = 0x72000004u;
	const char *name;
	struct out o;

	/* A new INIT (Disable Restart off: a restart) within the timeout. */
	name = "a client's new INIT within the handshake timeout takes the entries its earlier "
	       "INIT listed: the COOKIE-ECHO from a listed address makes the association of the "
	       "new Tc";
	if (own_assoc(a1, a2, NULL, tc1, ts1, a1, &o))
		return tr_result("listed own", "first association not made");
	now += NSEC;
	if (own_assoc(a1, a2, a3, tc2, ts2, a2, &o))
		return tr_result(name, WHY("the COOKIE-ECHO from the listed address: %s",
					   fx_stat_name(o.reason)));
	tr_result(name, ctag_of(ts2) != tc2 ? WHY("the association's Tc %#x, expected %#x",
						  ctag_of(ts2), tc2) : NULL);

	/* The first association's COOKIE-ECHO from the listed address (its
	 * entry names the association), a new INIT after the timeout. */
	name = "a client's new INIT takes the listed entry that names its earlier association: "
	       "COOKIE-ECHOs from it and from the address after it are forwarded, the "
	       "association of the new Tc";
	if (own_assoc(c1, c2, NULL, tc3, ts3, c2, &o))
		return tr_result("listed own", "association from the listed address not made");
	now += SCTPLB_HANDSHAKE_TIMEOUT_S * NSEC + NSEC;
	if (own_assoc(c1, c2, c3, tc4, ts4, c2, &o))
		return tr_result(name, WHY("the COOKIE-ECHO from that address: %s",
					   fx_stat_name(o.reason)));
	if (client(c3, 0x72000005u, CT_COOKIE_ECHO, &o) || !forwarded(&o))
		return tr_result(name, WHY("the COOKIE-ECHO from the address listed after it: %s",
					   fx_stat_name(o.reason)));
	tr_result(name, ctag_of(ts4) != tc4 ? WHY("the association's Tc %#x, expected %#x",
						  ctag_of(ts4), tc4) : NULL);
}

int main(void)
{
	struct fx_load_opts lo = { .test_clock = true };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load_opts(&fx, &lo) || fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    fx_backend(&fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_alternating(&fx, SVC, 1, 2)) {
		printf("FAIL spoof: setup\n");
		return 1;
	}
	repoint(false);
	repoint(true);
	expiry();
	nat_clients();
	confirmation();
	listed_victim();
	listed_tc_index();
	listed_own();
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
