// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_rtag_fwd: the forwarder with routable tags (include/sctplb_rtag.h).
 * A service with a tag key; backends 1 and 2 run the agent (server ids 7 and
 * 9), backend 3 does not.  What must hold:
 *   - a routable vtag goes to the backend of its server id with no
 *     association lookup and no state, COOKIE-ECHO included, on every path,
 *     on a forwarder that never saw the handshake;
 *   - an INIT whose backend runs the agent leaves no handshake state, so a
 *     flood of spoofed handshakes costs the forwarder nothing;
 *   - the client's T-bit packets and ICMP errors quoting the backend go by
 *     Maglev over (Tc, ports), as the INIT did;
 *   - a vtag that decodes to no backend of the agent falls back to learnt
 *     state (backend 3 keeps working), then to the unknown-vtag policy.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "fixture.h"
#include "pkt.h"
#include "rtag.h"
#include "seq.h"
#include "report.h"

#define SVC   1
#define PORT  38412             /* NGAP */
#define CPORT 38412
#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define C4    "203.0.113.100"
#define C6    "2001:db8:c::100"

static const char *const VIPS[] = { VIP4, VIP6 };
static const char *const BE[4][SCTPLB_MAX_PATHS] = {
	{ 0 },
	{ "192.0.2.11", "2001:db8:1::11" },
	{ "192.0.2.12", "2001:db8:1::12" },
	{ "192.0.2.13", "2001:db8:1::13" },
};
static const uint32_t SIDS[4] = { 0, 7, 9, 0 };

static struct fx fx;
static struct sctplb_rtag_key key;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)


static long state(void)
{
	return fx_handshake_count(&fx) + fx_count(fx.assocs) + fx_pending_count(&fx) +
	       fx_client_count(&fx) + fx_count(fx.assoc_ctags) + fx_pending_ctag_count(&fx);
}

/* The routable tag of server sid (nonce n). */
static uint32_t rt(uint32_t sid, uint32_t n)
{
	uint32_t t;

	while (!(t = sctplb_rtag_make(&key, sid, n)))
		n++;
	return t;
}

/* A tag that decodes to no server id of the service. */
static uint32_t stray(uint32_t seed)
{
	uint32_t s;

	for (;; seed += 0x9e3779b9u) {
		s = sctplb_rtag_server(&key, seed);
		if (seed && s != 7 && s != 9)
			return seed;
	}
}

static uint32_t maglev_be(uint32_t tag)
{
	uint32_t slot = sctplb_init_hash(tag, htons(CPORT), htons(PORT)) % SCTPLB_MAGLEV_SIZE;

	return slot & 1 ? 2 : 1;
}

static int pkt_send(const char *src, const char *dst, uint32_t vtag, struct chunk_spec ch,
		struct seq_out *o)
{
	struct pkt_spec s = { .src = src, .dst = dst, .sport = CPORT, .dport = PORT, .vtag = vtag,
			      .chunks = { ch } };

	return seq_run(&fx, &s, true, 0, o);
}

static int setup(void)
{
	static const uint8_t k[16] = "rtag-forwarder-k";
	struct sctplb_svc_rtag r = { .flags = SCTPLB_RTAG_F_ON };
	char err[128];
	__u32 svc = SVC;
	int i;

	if (fx_netns_setup(&fx) || fx_load(&fx) || fx_service(&fx, SVC, PORT, VIPS, 2, 0) ||
	    lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &key, err, sizeof(err)))
		return -1;
	r.key = key;
	if (bpf_map_update_elem(fx.svc_rtag, &svc, &r, BPF_ANY))
		return -1;
	for (i = 1; i <= 3; i++) {
		struct sctplb_server_key sk = { .service_id = SVC, .server_id = SIDS[i] };
		__u32 id = i;

		if (fx_backend(&fx, i, SVC, SCTPLB_BE_F_ACTIVE | (SIDS[i] ? SCTPLB_BE_F_RTAG : 0),
			       BE[i]))
			return -1;
		if (SIDS[i] && bpf_map_update_elem(fx.server_ids, &sk, &id,
						   BPF_ANY))
			return -1;
	}
	return fx_table_alternating(&fx, SVC, 1, 2);
}

int main(void)
{
	struct seq_out o;
	long s0;
	int i, wrong;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup()) {
		printf("FAIL rtag_fwd: setup\n");
		return 1;
	}

	/* A forwarder that never saw these associations. */
	s0 = state();
	if (pkt_send(C4, VIP4, rt(9, 1), (struct chunk_spec)CH_COOKIE(), &o) || !seq_forwarded(&o) ||
	    o.backend != 2 || o.d[SCTPLB_STAT_RTAG_FWD] != 1 || state() != s0)
		tr_result("COOKIE-ECHO with a routable tag: its backend, no state",
		       WHY("backend %u, %s, state %+ld", o.backend, fx_stat_name(o.reason), state() - s0));
	else
		tr_result("COOKIE-ECHO with a routable tag: its backend, no state", NULL);
	if (pkt_send(C6, VIP6, rt(7, 2), (struct chunk_spec)CH_DATA(), &o) || !seq_forwarded(&o) ||
	    o.backend != 1 || o.path != 1 || o.d[SCTPLB_STAT_ESTABLISHED] || o.d[SCTPLB_STAT_UNKNOWN_VTAG])
		tr_result("DATA on path 1 (IPv6) never seen before: backend 1 on path 1, no lookup",
		       WHY("backend %u path %u, %s", o.backend, o.path, fx_stat_name(o.reason)));
	else
		tr_result("DATA on path 1 (IPv6) never seen before: backend 1 on path 1, no lookup", NULL);

	/* INIT to a backend that runs the agent: no handshake state. */
	s0 = state();
	if (pkt_send(C4, VIP4, 0, (struct chunk_spec)CH_INIT(0x71000001u, C4), &o) || !seq_forwarded(&o) ||
	    o.backend != maglev_be(0x71000001u) || state() != s0)
		tr_result("INIT: Maglev, and no handshake state for an agent's backend",
		       WHY("backend %u, state %+ld", o.backend, state() - s0));
	else
		tr_result("INIT: Maglev, and no handshake state for an agent's backend", NULL);

	/* The client's T-bit ABORT (Tc): where its INIT went. */
	if (pkt_send(C4, VIP4, 0x71000001u, (struct chunk_spec)CH_ABORT_T, &o) || !seq_forwarded(&o) ||
	    o.backend != maglev_be(0x71000001u) || o.d[SCTPLB_STAT_RTAG_CTAG_HASH] != 1)
		tr_result("client's T-bit ABORT: Maglev over (Tc, ports), the INIT's backend",
		       WHY("backend %u, %s", o.backend, fx_stat_name(o.reason)));
	else
		tr_result("client's T-bit ABORT: Maglev over (Tc, ports), the INIT's backend", NULL);

	/* A spoofed handshake flood: no state at all. */
	s0 = state();
	for (i = 0; i < 2000; i++) {
		char src[32];

		snprintf(src, sizeof(src), "198.51.100.%d", i % 250 + 1);
		if (pkt_send(src, VIP4, 0, (struct chunk_spec)CH_INIT(0x50000000u + i * 7, src), &o) ||
		    pkt_send(src, VIP4, 0x60000000u + i * 13, (struct chunk_spec)CH_COOKIE(), &o))
			break;
	}
	tr_result("2000 spoofed INIT + COOKIE-ECHO pairs: the forwarder keeps no state",
	       i == 2000 && state() == s0 ? NULL : WHY("state %+ld after %d pairs", state() - s0, i));

	/* Backend 3 runs no agent: learnt as before, reached through the fallback. */
	{
		uint32_t tc = 0x72000001u, ts = stray(0x52000001u);

		/* Backend 3 is not in the Maglev table: its association was learnt
		 * when it was (put there as a confirmed association). */
		struct sctplb_assoc_key k = fx_assoc_key(SVC, ts, htons(CPORT), htons(PORT));
		struct sctplb_assoc a = { .backend_id = 3, .ctag = tc, .state = SCTPLB_ASSOC_ESTABLISHED };

		fx_assoc_put(&fx, &k, &a, BPF_NOEXIST);
		if (pkt_send(C4, VIP4, ts, (struct chunk_spec)CH_DATA(), &o) || !seq_forwarded(&o) ||
		    o.backend != 3 || o.d[SCTPLB_STAT_RTAG_UNKNOWN] != 1 || o.d[SCTPLB_STAT_ESTABLISHED] != 1)
			tr_result("a backend without the agent: its learnt association through the fallback",
			       WHY("backend %u, %s", o.backend, fx_stat_name(o.reason)));
		else
			tr_result("a backend without the agent: its learnt association through the fallback", NULL);
	}
	if (pkt_send(C4, VIP4, stray(0x53000001u), (struct chunk_spec)CH_DATA(), &o) ||
	    o.verdict != XDP_DROP || o.reason != SCTPLB_STAT_UNKNOWN_VTAG_DROP)
		tr_result("a vtag of no server and no association: the unknown-vtag policy",
		       WHY("%s", fx_stat_name(o.reason)));
	else
		tr_result("a vtag of no server and no association: the unknown-vtag policy", NULL);

	/* A backend that stopped running the agent, or was deleted: not decoded to. */
	fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE[2]);
	if (pkt_send(C4, VIP4, rt(9, 3), (struct chunk_spec)CH_DATA(), &o) ||
	    o.d[SCTPLB_STAT_RTAG_FWD] || o.d[SCTPLB_STAT_RTAG_UNKNOWN] != 1)
		tr_result("server id of a backend without the agent flag: not routed by tag",
		       WHY("%s to %u", fx_stat_name(o.reason), o.backend));
	else
		tr_result("server id of a backend without the agent flag: not routed by tag", NULL);
	fx_backend(&fx, 2, SVC, SCTPLB_BE_F_ACTIVE | SCTPLB_BE_F_RTAG | SCTPLB_BE_F_DRAINED, BE[2]);
	if (pkt_send(C4, VIP4, rt(9, 4), (struct chunk_spec)CH_DATA(), &o) || !seq_forwarded(&o) ||
	    o.backend != 2)
		tr_result("a drained backend keeps its routable associations", WHY("%s", fx_stat_name(o.reason)));
	else
		tr_result("a drained backend keeps its routable associations", NULL);

	/* Every server id round-trips through the datapath: 200 nonces each. */
	for (i = 0, wrong = 0; i < 400; i++) {
		uint32_t sid = i & 1 ? 9 : 7, want = i & 1 ? 2 : 1;

		if (pkt_send(i & 2 ? C6 : C4, i & 2 ? VIP6 : VIP4, rt(sid, 1000 + i * 7919),
			 (struct chunk_spec)CH(CT_SACK), &o) || o.backend != want || !seq_forwarded(&o))
			wrong++;
	}
	tr_result("400 routable tags of two servers on both paths: each to its backend",
	       wrong ? WHY("%d wrong", wrong) : NULL);
	fx_unload(&fx);
	return tr_failures ? 1 : 0;
}
