/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_hostile: malformed and hostile input through the real, loaded
 * sctplb_xdp (BPF_PROG_TEST_RUN, trace on, the tests/bpf/lib fixture), every
 * packet under one invariant checker:
 *   - RX +1 and exactly one final reason +1 (the one the trace names), with
 *     the verdict that reason means; FWD +1 exactly when forwarded;
 *   - a forwarded packet of an established association's (service, vtag,
 *     ports) goes to that association's backend (by Tc for a T-bit packet);
 *     the documented exception, a COOKIE-ECHO that follows its handshake
 *     (ASSOC_COLLISION), is allowed;
 *   - (every few thousand packets and at the end) no established association
 *     lost or moved to another backend.
 * Cases: truncation at every length; 200k seeded mutations of valid packets;
 * the malformed shapes of docs/datapath.md; an INIT flood past
 * SCTPLB_MAX_HANDSHAKES over 1000 associations; a full assocs table.
 * SCTPLB_HOSTILE_SEED=n and SCTPLB_HOSTILE_MUTATIONS=n change the mutation run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sctplb.skel.h"
#include "fixture.h"
#include "pkt.h"

#define SVC     1
#define VIP4    "203.0.113.1"
#define VIP6    "2001:db8:f::1"
#define PORT    5000
#define ENCAP   9899
#define CPORT   40000

static const char *const SVC1_VIPS[] = { VIP4, VIP6 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "198.51.100.12", "2001:db8::12" };

static struct fx FX;
static int failures;

static void pass(const char *fmt, ...)
{
	va_list ap;

	printf("PASS ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void failf(const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void hexdump(const uint8_t *p, size_t n)
{
	size_t i;

	printf("  frame (%zu bytes):", n);
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 ? "" : "\n    ", p[i]);
	printf("\n");
}

/* ---- loading, with smaller tables where a case needs them ---- */

static int load(struct fx *fx, uint32_t assocs_max)
{
	struct fx_load_opts o = { .assocs_max = assocs_max, .client_index_max = assocs_max };

	return fx_load_opts(fx, &o);
}

static int setup(struct fx *fx, uint32_t assocs_max)
{
	if (load(fx, assocs_max) || fx_service(fx, SVC, PORT, SVC1_VIPS, 2, ENCAP) ||
	    fx_backend(fx, 1, SVC, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(fx, 2, SVC, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_alternating(fx, SVC, 1, 2))
		return -1;
	return 0;
}

/* ---- the model: associations established through the program ---- */

struct massoc {
	uint32_t ts, tc;
	uint16_t cport;         /* network order */
	uint32_t backend;
};

#define MAX_MODEL 1100
static struct massoc MODEL[MAX_MODEL];
static int NMODEL;

static const struct massoc *model_find(uint32_t vtag, uint16_t cport, uint16_t sport,
				       bool by_tc)
{
	int i;

	if (sport != htons(PORT))
		return NULL;
	for (i = 0; i < NMODEL; i++)
		if ((by_tc ? MODEL[i].tc : MODEL[i].ts) == vtag && MODEL[i].cport == cport)
			return &MODEL[i];
	return NULL;
}

/* Every model association still stored (confirmed or not), with its backend. */
static bool model_intact(struct fx *fx, char *why, size_t n)
{
	int i;

	for (i = 0; i < NMODEL; i++) {
		struct sctplb_assoc_key k = fx_assoc_key(SVC, MODEL[i].ts, MODEL[i].cport,
							 htons(PORT));
		struct sctplb_assoc a;

		if (fx_assoc_lookup(fx, &k, &a, NULL)) {
			snprintf(why, n, "association Ts %#x lost", MODEL[i].ts);
			return false;
		}
		if (a.backend_id != MODEL[i].backend) {
			snprintf(why, n, "association Ts %#x moved from backend %u to %u",
				 MODEL[i].ts, MODEL[i].backend, a.backend_id);
			return false;
		}
	}
	return true;
}

/* ---- the invariant checker ---- */

/* The final reasons (p.reason) and the XDP verdict each gives; -1: not final. */
static int FINAL[SCTPLB_STAT_MAX];

static void init_final(void)
{
	int i;

	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		FINAL[i] = -1;
#define F(name, v) FINAL[SCTPLB_STAT_##name] = (v);
	SCTPLB_FINAL_REASONS(F)
#undef F
}

/* Counters summed over CPUs in one batch lookup (fast: 200k packets). */
static void stats_read(struct fx *fx, uint64_t out[SCTPLB_STAT_MAX])
{
	static __u32 keys[SCTPLB_STAT_MAX];
	static uint64_t *vals;
	__u32 count = SCTPLB_STAT_MAX, out_batch;
	int i, c;
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	if (!vals)
		vals = calloc((size_t)SCTPLB_STAT_MAX * fx->ncpus, sizeof(*vals));
	if (bpf_map_lookup_batch(fx->stats, NULL, &out_batch, keys, vals, &count, &o) &&
	    errno != ENOENT)
		count = 0;
	if (count != SCTPLB_STAT_MAX) {   /* fall back to one lookup per counter */
		fx_stats(fx, out);
		return;
	}
	for (i = 0; i < SCTPLB_STAT_MAX; i++) {
		out[keys[i]] = 0;
		for (c = 0; c < fx->ncpus; c++)
			out[keys[i]] += vals[(size_t)i * fx->ncpus + c];
	}
}

/* The SCTP ports and vtag of a frame, parsed independently of the datapath. */
static bool sctp_of(const uint8_t *f, size_t len, uint32_t *vtag, uint16_t *sport,
		    uint16_t *dport)
{
	size_t off = 14;
	unsigned int et, proto, i, nh;

	if (len < 14)
		return false;
	et = f[12] << 8 | f[13];
	if (et == 0x8100 || et == 0x88a8) {
		if (len < 18)
			return false;
		et = f[16] << 8 | f[17];
		off = 18;
	}
	if (et == 0x0800) {
		if (len < off + 20 || (((f[off + 6] << 8) | f[off + 7]) & 0x1fff))
			return false;
		proto = f[off + 9];
		off += (f[off] & 15) * 4;
	} else if (et == 0x86dd) {
		if (len < off + 40)
			return false;
		nh = f[off + 6];
		off += 40;
		for (i = 0; i < 8; i++) {
			if (len < off + 8)
				return false;
			if (nh == 0 || nh == 43 || nh == 60) {
				unsigned int n = f[off];

				off += (f[off + 1] + 1) * 8;
				nh = n;
			} else if (nh == 51) {
				unsigned int n = f[off];

				off += (f[off + 1] + 2) * 4;
				nh = n;
			} else if (nh == 44) {
				if (((f[off + 2] << 8) | f[off + 3]) & 0xfff8)
					return false;
				nh = f[off];
				off += 8;
			} else {
				break;
			}
		}
		proto = nh;
	} else {
		return false;
	}
	if (proto == 17)
		off += 8;
	else if (proto != 132)
		return false;
	if (len < off + 8)
		return false;
	memcpy(sport, f + off, 2);
	memcpy(dport, f + off + 2, 2);
	*vtag = (uint32_t)f[off + 4] << 24 | f[off + 5] << 16 | f[off + 6] << 8 | f[off + 7];
	return true;
}

struct outcome {
	uint32_t verdict;
	struct sctplb_decision d;
	uint64_t delta[SCTPLB_STAT_MAX];
};

static long forwarded, checked_fwd;

/*
 * One packet through sctplb_xdp under the invariants; name says what it was.
 * Returns false (and prints FAIL once per name) if an invariant broke.
 */
static bool run_checked(struct fx *fx, const uint8_t *in, size_t len, const char *name,
			struct outcome *o)
{
	static uint8_t out[PKT_MAX];
	uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX], sum = 0;
	struct outcome local;
	char why[256] = "";
	size_t out_len;
	int i, moved = -1, err;
	uint32_t vtag;
	uint16_t sp, dp;

	if (!o)
		o = &local;
	stats_read(fx, s0);
	fx_decision_clear(fx);
	err = fx_run(fx, in, len, out, &out_len, &o->verdict);
	if (err) {
		failf("%s: BPF_PROG_TEST_RUN: %s", name, strerror(-err));
		hexdump(in, len);
		return false;
	}
	stats_read(fx, s1);
	fx_decision(fx, &o->d);
	for (i = 0; i < SCTPLB_STAT_MAX; i++) {
		o->delta[i] = s1[i] - s0[i];
		if (FINAL[i] >= 0 && o->delta[i]) {
			sum += o->delta[i];
			moved = i;
		}
	}
	if (o->delta[SCTPLB_STAT_RX] != 1)
		snprintf(why, sizeof(why), "RX +%llu", (unsigned long long)o->delta[SCTPLB_STAT_RX]);
	else if (sum != 1)
		snprintf(why, sizeof(why), "final reasons +%llu (last %s)", (unsigned long long)sum,
			 moved >= 0 ? fx_stat_name(moved) : "none");
	else if (o->d.verdict == FX_NO_DECISION)
		snprintf(why, sizeof(why), "no trace decision");
	else if ((uint32_t)moved != o->d.reason)
		snprintf(why, sizeof(why), "counted %s, trace says %s", fx_stat_name(moved),
			 fx_stat_name(o->d.reason));
	else if (o->d.verdict != o->verdict || (int)o->verdict != FINAL[moved])
		snprintf(why, sizeof(why), "verdict %s (trace %s) for %s",
			 fx_verdict_name(o->verdict), fx_verdict_name(o->d.verdict),
			 fx_stat_name(moved));
	else if ((o->delta[SCTPLB_STAT_FWD] == 1) !=
		 (o->verdict == XDP_TX || o->verdict == XDP_REDIRECT ||
		  moved == SCTPLB_STAT_FIB_NO_NEIGH)) /* handed to tc, counted here */
		snprintf(why, sizeof(why), "FWD +%llu with %s",
			 (unsigned long long)o->delta[SCTPLB_STAT_FWD], fx_verdict_name(o->verdict));

	/* Forwarded (or handed to tc with the decision): the association's backend. */
	if (!why[0] && (o->verdict == XDP_TX || o->verdict == XDP_REDIRECT ||
			o->d.reason == SCTPLB_STAT_FIB_NO_NEIGH)) {
		forwarded++;
		if (o->d.backend_id != 1 && o->d.backend_id != 2)
			snprintf(why, sizeof(why), "forwarded to backend %u", o->d.backend_id);
		else if (!o->delta[SCTPLB_STAT_ASSOC_COLLISION] && !o->delta[SCTPLB_STAT_ICMP_ERROR] &&
			 !o->delta[SCTPLB_STAT_FRAG_LATER] && sctp_of(in, len, &vtag, &sp, &dp)) {
			bool tbit = o->delta[SCTPLB_STAT_TBIT];
			const struct massoc *m = model_find(vtag, sp, dp, tbit);

			checked_fwd++;
			if (m && (o->d.backend_id != m->backend || o->d.service_id != SVC))
				snprintf(why, sizeof(why),
					 "packet of association Ts %#x (backend %u) sent to %u/%u%s",
					 m->ts, m->backend, o->d.service_id, o->d.backend_id,
					 tbit ? " (T bit)" : "");
		}
	}
	if (why[0]) {
		failf("%s: %s", name, why);
		hexdump(in, len);
		return false;
	}
	return true;
}

/* ---- building packets ---- */

static size_t build(struct fx *fx, const struct pkt_spec *s, uint8_t *out)
{
	struct pkt_info info;
	int n = pkt_build(s, fx->mac_in, out, &info);

	if (n < 0) {
		fprintf(stderr, "hostile: cannot build a packet\n");
		exit(1);
	}
	return n;
}

/* An association through the program: INIT from src:cport, COOKIE-ECHO with ts. */
static bool establish(struct fx *fx, const char *src, const char *vip, uint16_t cport,
		      uint32_t tc, uint32_t ts, bool udp)
{
	static uint8_t buf[PKT_MAX];
	struct pkt_spec s = { .src = src, .dst = vip, .sport = cport, .dport = PORT,
			      .chunks = { CH_INIT(tc, src) } };
	struct outcome o;
	size_t n;

	if (udp)
		s.udp_sport = s.udp_dport = ENCAP;
	n = build(fx, &s, buf);
	if (!run_checked(fx, buf, n, "establish: INIT", &o) ||
	    (o.verdict != XDP_TX && o.verdict != XDP_REDIRECT))
		return false;
	s.vtag = ts;
	memset(s.chunks, 0, sizeof(s.chunks));
	s.chunks[0] = (struct chunk_spec)CH_COOKIE();
	s.chunks[1] = (struct chunk_spec)CH_DATA();
	n = build(fx, &s, buf);
	if (!run_checked(fx, buf, n, "establish: COOKIE-ECHO", &o) ||
	    !o.delta[SCTPLB_STAT_ASSOC_CREATED] || NMODEL == MAX_MODEL)
		return false;
	MODEL[NMODEL++] = (struct massoc){ .ts = ts, .tc = tc, .cport = htons(cport),
					   .backend = o.d.backend_id };
	return true;
}

/* ---- 1: truncation at every length ---- */

struct base {
	const char *name;
	struct pkt_spec s;
};

static void test_truncation(struct fx *fx)
{
	static uint8_t full[PKT_MAX];
	const struct base bases[] = {
		{ "IPv4 DATA", { .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .dport = PORT,
				 .vtag = 0x5e000001, .chunks = { CH_DATA() } } },
		{ "IPv6 DATA", { .src = "2001:db8:c::100", .dst = VIP6, .sport = CPORT + 1,
				 .dport = PORT, .vtag = 0x5e000002, .chunks = { CH_DATA() } } },
		{ "IPv4 UDP-encapsulated DATA", { .src = "203.0.113.100", .dst = VIP4,
				 .sport = CPORT + 2, .dport = PORT, .vtag = 0x5e000003,
				 .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() } } },
		{ "IPv6 UDP-encapsulated DATA", { .src = "2001:db8:c::100", .dst = VIP6,
				 .sport = CPORT + 2, .dport = PORT, .vtag = 0x5e000003,
				 .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() } } },
		{ "IPv4 INIT with addresses", { .src = "203.0.113.150", .dst = VIP4,
				 .sport = CPORT + 3, .dport = PORT,
				 .chunks = { CH_INIT(0x7c0000f0, "203.0.113.150", "2001:db8:c::150",
						     "203.0.113.151") } } },
		{ "IPv6 INIT with addresses", { .src = "2001:db8:c::150", .dst = VIP6,
				 .sport = CPORT + 3, .dport = PORT,
				 .chunks = { CH_INIT(0x7c0000f1, "2001:db8:c::150", "203.0.113.150") } } },
	};
	size_t b, cut, n, sctp_len;

	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pkt_spec s = bases[b].s;
		struct pkt_info info;
		bool ok = true;
		long fwd = 0;
		char name[128];

		n = pkt_build(&s, fx->mac_in, full, &info);
		sctp_len = info.ip_len - (info.sctp - info.l3);
		/* The frame cut, lengths unchanged: never forwarded unless whole.
		 * BPF_PROG_TEST_RUN refuses frames shorter than ETH_HLEN. */
		for (cut = 14; cut <= n && ok; cut++) {
			struct outcome o;

			snprintf(name, sizeof(name), "truncate %s: frame cut to %zu of %zu",
				 bases[b].name, cut, n);
			ok = run_checked(fx, full, cut, name, &o);
			if (o.verdict == XDP_TX || o.verdict == XDP_REDIRECT)
				fwd++;
			if (ok && cut < n && (o.verdict == XDP_TX || o.verdict == XDP_REDIRECT)) {
				failf("%s: forwarded (%s)", name, fx_stat_name(o.d.reason));
				ok = false;
			}
		}
		/* The SCTP packet cut with the IP (and UDP) length agreeing. */
		for (cut = 1; cut < sctp_len && ok; cut++) {
			static uint8_t buf[PKT_MAX];
			struct outcome o;
			size_t m;

			s = bases[b].s;
			s.sctp_cut = cut;
			m = build(fx, &s, buf);
			snprintf(name, sizeof(name), "truncate %s: SCTP packet cut to %zu of %zu",
				 bases[b].name, cut, sctp_len);
			ok = run_checked(fx, buf, m, name, &o);
			if (o.verdict == XDP_TX || o.verdict == XDP_REDIRECT)
				fwd++;
		}
		if (ok)
			pass("truncate %s: frame cut at 14..%zu and SCTP packet cut at 1..%zu (%ld forwarded)",
			     bases[b].name, n, sctp_len, fwd);
	}
}

/* ---- 2: seeded mutations ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (uint32_t)(x >> 11);
}

/* Chunk headers of the SCTP packet at off..end (up to 16), for targeted mutations. */
static int chunk_offsets(const uint8_t *f, size_t off, size_t end, size_t *out)
{
	int n = 0;

	off += 12;
	while (off + 4 <= end && n < 16) {
		size_t len = f[off + 2] << 8 | f[off + 3];

		out[n++] = off;
		if (len < 4)
			break;
		off += (len + 3) & ~3u;
	}
	return n;
}

static size_t mutate(uint8_t *f, size_t len, const struct pkt_info *info, bool udp)
{
	size_t ch[16], at;
	int nch, k, i, rounds = 1 + rnd() % 3;
	uint16_t v;

	for (k = 0; k < rounds; k++) {
		switch (rnd() % 9) {
		case 0: /* bit flips */
			for (i = 0; i < 1 + (int)(rnd() % 4); i++)
				if (len)
					f[rnd() % len] ^= 1u << (rnd() % 8);
			break;
		case 1: /* a random byte */
			if (len)
				f[rnd() % len] = rnd();
			break;
		case 2: /* IP length */
			at = info->l3 + (info->family == SCTPLB_AF_INET ? 2 : 4);
			v = (f[at] << 8 | f[at + 1]) + (int)(rnd() % 65) - 32;
			if (rnd() % 4 == 0)
				v = rnd();
			f[at] = v >> 8, f[at + 1] = v;
			break;
		case 3: /* chunk length */
		case 4: /* chunk type */
			nch = chunk_offsets(f, info->sctp, info->l3 + info->ip_len, ch);
			if (!nch)
				break;
			at = ch[rnd() % nch];
			if (k % 2 == 0 && (rnd() & 1)) {
				static const uint8_t types[] = { 0, 1, 2, 3, 4, 6, 10, 11, 14, 64,
								 0x80, 0xc1, 0xff };

				f[at] = types[rnd() % sizeof(types)];
				if (rnd() & 1)
					f[at + 1] ^= 1; /* the T bit */
			} else {
				static const uint16_t lens[] = { 0, 1, 2, 3, 4, 5, 7, 8, 19, 20,
								 0xffff };

				v = rnd() & 1 ? lens[rnd() % (sizeof(lens) / 2)]
					      : (f[at + 2] << 8 | f[at + 3]) + (int)(rnd() % 17) - 8;
				f[at + 2] = v >> 8, f[at + 3] = v;
			}
			break;
		case 5: /* truncation (BPF_PROG_TEST_RUN needs ETH_HLEN bytes) */
			if (len > 14)
				len = 14 + rnd() % (len - 14);
			break;
		case 6: /* extension with random bytes */
			for (i = rnd() % 64; i > 0 && len < 2048; i--)
				f[len++] = rnd();
			break;
		case 7: /* UDP length, or the vtag */
			if (udp && (rnd() & 1)) {
				at = info->sctp - 4;
				v = (f[at] << 8 | f[at + 1]) + (int)(rnd() % 33) - 16;
				f[at] = v >> 8, f[at + 1] = v;
			} else if (info->sctp + 8 <= len) {
				f[info->sctp + 4 + rnd() % 4] ^= 1u << (rnd() % 8);
			}
			break;
		default: /* IPv4 IHL / fragment bits, IPv6 next header */
			if (info->family == SCTPLB_AF_INET) {
				if (rnd() & 1)
					f[info->l3] = 0x40 | (rnd() % 16);
				else
					f[info->l3 + 6] ^= rnd() % 2 ? 0x20 : 0x01;
			} else {
				static const uint8_t nh[] = { 0, 43, 44, 51, 58, 60, 17, 132, 6 };

				f[info->l3 + 6] = nh[rnd() % sizeof(nh)];
			}
			break;
		}
	}
	return len;
}

static void test_mutations(struct fx *fx)
{
	static uint8_t base[PKT_MAX], f[PKT_MAX + 64];
	const char *seed_env = getenv("SCTPLB_HOSTILE_SEED");
	const char *n_env = getenv("SCTPLB_HOSTILE_MUTATIONS");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x5c7b1b5au;
	long total = n_env ? atol(n_env) : 200000, i, bad = 0;
	const struct massoc *a1 = &MODEL[0], *a2 = &MODEL[1], *a3 = &MODEL[2];
	char c4[64], why[256];
	struct pkt_spec bases[] = {
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->ts,
		  .chunks = { CH_DATA(), CH(CT_SACK) } },
		{ .src = "2001:db8:c::100", .dst = VIP6, .sport = CPORT + 1, .vtag = a2->ts,
		  .chunks = { CH(CT_HEARTBEAT), CH_DATA(.body = 40) } },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT + 2, .vtag = a3->ts,
		  .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() } },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->ts, .nvlan = 1,
		  .chunks = { CH(CT_SACK), CH(CT_HEARTBEAT_ACK), CH_DATA() } },
		{ .src = "2001:db8:c::100", .dst = VIP6, .sport = CPORT + 1, .vtag = a2->ts,
		  .ext = { 0, 60 }, .next_ext = 2, .chunks = { CH_DATA(), CH(CT_IDATA) } },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->tc,
		  .chunks = { CH(CT_SHUTDOWN_ACK) } },
		{ .src = c4, .dst = VIP4, .sport = CPORT + 5,
		  .chunks = { CH_INIT(0x7c00aaaa, "203.0.113.100", "2001:db8:c::100") } },
		{ .src = "2001:db8:c::100", .dst = VIP6, .sport = CPORT + 1, .vtag = a1->ts,
		  .chunks = { CH_COOKIE(), CH_DATA() } },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->ts,
		  .chunks = { CH_DATA(.body = 4, .repeat = 70) } },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->ts, .ip_opts = 8,
		  .frag = 0x2000, .chunks = { CH_DATA(.body = 200) }, .sctp_cut = 100 },
		{ .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .vtag = a1->ts,
		  .chunks = { CH_DATA() }, .eth_pad = 16 },
	};
	struct pkt_info infos[sizeof(bases) / sizeof(bases[0])];
	size_t lens[sizeof(bases) / sizeof(bases[0])], nb = sizeof(bases) / sizeof(bases[0]);
	static uint8_t frames[sizeof(bases) / sizeof(bases[0])][PKT_MAX];
	long before_fwd = forwarded, before_checked = checked_fwd;
	char name[96];
	size_t b, len;

	snprintf(c4, sizeof(c4), "203.0.113.77");
	for (b = 0; b < nb; b++) {
		if (!bases[b].dport)
			bases[b].dport = PORT;
		lens[b] = build(fx, &bases[b], frames[b]);
		pkt_build(&bases[b], fx->mac_in, base, &infos[b]);
	}
	rng_state = seed ? seed : 1;
	for (i = 0; i < total; i++) {
		b = rnd() % nb;
		memcpy(f, frames[b], lens[b]);
		len = mutate(f, lens[b], &infos[b], bases[b].udp_dport != 0);
		snprintf(name, sizeof(name), "mutations: #%ld (seed %#llx, base %zu)", i,
			 (unsigned long long)seed, b);
		if (!run_checked(fx, f, len, name, NULL) && ++bad >= 5)
			break;
		if (i % 20000 == 19999 && !model_intact(fx, why, sizeof(why))) {
			failf("mutations: after #%ld: %s", i, why);
			bad++;
			break;
		}
	}
	if (!bad && !model_intact(fx, why, sizeof(why))) {
		failf("mutations: at the end: %s", why);
		bad++;
	}
	if (!bad)
		pass("mutations: %ld mutated packets (seed %#llx): accounting exact, %ld forwarded, "
		     "%ld of them checked against the model, no association lost or moved",
		     total, (unsigned long long)seed, forwarded - before_fwd,
		     checked_fwd - before_checked);
}

/* ---- 3: the malformed shapes, under the checker ---- */

static void test_shapes(struct fx *fx)
{
	static uint8_t buf[PKT_MAX];
	const struct massoc *a = &MODEL[0];
#define P4Z .src = "203.0.113.100", .dst = VIP4, .sport = CPORT, .dport = PORT
#define P4 P4Z, .vtag = a->ts
#define P6 .src = "2001:db8:c::100", .dst = VIP6, .sport = CPORT + 1, .dport = PORT, .vtag = MODEL[1].ts
	const struct { const char *name; struct pkt_spec s; } shapes[] = {
		{ "chunk length 0", { P4, .chunks = { CH_DATA(.set_len = true, .len = 0) } } },
		{ "chunk length 1", { P4, .chunks = { CH_DATA(.set_len = true, .len = 1) } } },
		{ "chunk length 3", { P4, .chunks = { CH(CT_SACK, .set_len = true, .len = 3) } } },
		{ "chunk length 5 (odd, short of the value)",
		  { P4, .chunks = { CH(CT_SACK, .set_len = true, .len = 5) } } },
		{ "odd chunk length 17, padding missing at the end",
		  { P4, .chunks = { CH_DATA(.body = 1, .no_pad = true) } } },
		{ "odd chunk length then another chunk",
		  { P4, .chunks = { CH_DATA(.body = 1), CH(CT_SACK) } } },
		{ "chunk length past the end", { P4, .chunks = { CH_DATA(.set_len = true, .len = 400) } } },
		{ "chunk length 0xffff", { P4, .chunks = { CH_DATA(.set_len = true, .len = 0xffff) } } },
		{ "DATA bundled after INIT", { P4Z, .chunks = { CH_INIT(0x7c0000e1, NULL), CH_DATA() } } },
		{ "INIT after DATA", { P4, .chunks = { CH_DATA(), CH_INIT(0x7c0000e2, NULL) } } },
		{ "INIT with vtag != 0", { P4, .chunks = { CH_INIT(0x7c0000e3, NULL) } } },
		{ "INIT of 16 bytes", { P4Z, .chunks = { CH(CT_INIT, .tag = 1, .raw_len = 16) } } },
		{ "INIT parameter length past the chunk",
		  { P4Z, .chunks = { CH(CT_INIT, .tag = 0x7c0000e4, .raw_len = 26) } } },
		{ "65 chunks (bound 64)", { P4, .chunks = { CH_DATA(.body = 4, .repeat = 64) } } },
		{ "200 chunks, INIT past the bound",
		  { P4, .chunks = { CH(CT_SACK, .repeat = 150), CH_INIT(0x7c0000e5, NULL) } } },
		{ "200 chunks, a zero length past the bound",
		  { P4, .chunks = { CH(CT_SACK, .repeat = 198), CH(CT_SACK, .set_len = true, .len = 0) } } },
		{ "6 IPv6 extension headers", { P6, .ext = { 0, 60, 43, 60, 51, 60 }, .next_ext = 6,
						.chunks = { CH_DATA() } } },
		{ "7 IPv6 extension headers", { P6, .ext = { 0, 60, 43, 60, 51, 60, 60 }, .next_ext = 7,
						.chunks = { CH_DATA() } } },
		{ "8 IPv6 extension headers", { P6, .ext = { 0, 60, 43, 60, 51, 60, 60, 43 }, .next_ext = 8,
						.chunks = { CH_DATA() } } },
		{ "6 IPv6 extension headers and a fragment header",
		  { P6, .ext = { 0, 60, 43, 60, 51, 44 }, .next_ext = 6, .chunks = { CH_DATA() } } },
		{ "IPv6 payload length shorter than the extension headers",
		  { P6, .ext = { 0, 60 }, .next_ext = 2, .chunks = { CH_DATA() }, .ip_len_adj = -30 } },
		{ "UDP encapsulation, inner packet of 4 bytes",
		  { P4, .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() }, .sctp_cut = 4 } },
		{ "UDP encapsulation, inner SCTP header only",
		  { P4, .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() }, .sctp_cut = 12 } },
		{ "UDP length 7", { P4, .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() },
				    .udp_len_adj = -37 } },
		{ "UDP length past the IP packet",
		  { P4, .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA() }, .udp_len_adj = 4 } },
		{ "UDP length shorter, chunks after it",
		  { P4, .udp_sport = ENCAP, .udp_dport = ENCAP, .chunks = { CH_DATA(), CH(CT_SACK) },
		    .udp_len_adj = -16 } },
		{ "IPv4 IHL 15 past the packet", { P4, .ihl = 15, .chunks = { CH_DATA() } } },
		{ "IPv4 total length past the frame", { P4, .chunks = { CH_DATA() }, .ip_len_adj = 40 } },
		{ "IPv4 first fragment cut inside a chunk",
		  { P4, .frag = 0x2000, .chunks = { CH_DATA(.body = 64) }, .sctp_cut = 40 } },
		{ "IPv4 first fragment cut inside a chunk header",
		  { P4, .frag = 0x2000, .chunks = { CH_DATA(), CH_DATA() }, .sctp_cut = 42 } },
		{ "IPv4 first fragment: INIT cut",
		  { P4Z, .frag = 0x2000, .chunks = { CH_INIT(0x7c0000e6, "203.0.113.1") },
		    .sctp_cut = 24 } },
		{ "IPv4 later fragment of the first fragments above (same id)",
		  { P4, .frag = 0x0020, .chunks = { CH_DATA() } } },
		{ "IPv4 later fragment never seen",
		  { .src = "203.0.113.99", .dst = VIP4, .sport = CPORT, .dport = PORT, .vtag = 1,
		    .frag = 0x0020, .chunks = { CH_DATA() } } },
		{ "two VLAN tags", { P4, .nvlan = 2, .chunks = { CH_DATA() } } },
		{ "vtag 0 on DATA", { P4Z, .chunks = { CH_DATA() } } },
		{ "no chunk", { P4 } },
	};
#undef P4
#undef P4Z
#undef P6
	size_t i, n;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct outcome o;
		char name[160];

		snprintf(name, sizeof(name), "shape: %s", shapes[i].name);
		n = build(fx, &shapes[i].s, buf);
		if (run_checked(fx, buf, n, name, &o))
			pass("%s: %s, %s", name, fx_verdict_name(o.verdict), fx_stat_name(o.d.reason));
	}
}

/* ---- 4: an INIT flood over 1000 associations ---- */

/* Client i of the flood test: even IPv4 (to VIP4), odd IPv6 (to VIP6). */
static void flood_client(int i, char *buf, size_t n)
{
	if (i & 1)
		snprintf(buf, n, "2001:db8:c:2::%x", i);
	else
		snprintf(buf, n, "203.0.%u.%u", 100 + i / 250, i % 250 + 1);
}

static void test_flood(struct fx *fx)
{
	static uint8_t buf[PKT_MAX];
	struct pkt_spec s = { .dst = VIP4, .dport = PORT };
	char src[64], a1[64], a2[64], a3[64], why[256];
	int first = NMODEL, i, lost = 0, ok = 1;
	long inits = SCTPLB_MAX_HANDSHAKES + 8192;
	uint64_t t0 = fx_now();
	size_t n;

	for (i = 0; i < 1000 && ok; i++) {
		flood_client(i, src, sizeof(src));
		ok = establish(fx, src, i & 1 ? VIP6 : VIP4, 20000 + i, 0x70000000u + i,
			       0x50000000u + i, i % 5 == 0);
	}
	if (!ok) {
		failf("flood: could not establish 1000 associations (%d)", NMODEL - first);
		return;
	}
	/* Spoofed INITs, each listing three more spoofed addresses, some from
	 * the established clients' own transport addresses (restart rule). */
	s.src = src;
	for (i = 0; i < inits && ok; i++) {
		uint32_t r = (uint32_t)i * 2654435761u;

		snprintf(src, sizeof(src), "198.18.%u.%u", (r >> 8) & 0xff, r & 0xff);
		snprintf(a1, sizeof(a1), "198.19.%u.%u", (r >> 16) & 0xff, (r >> 24) & 0xff);
		snprintf(a2, sizeof(a2), "2001:db8:d::%x:%x", i >> 16, i & 0xffff);
		flood_client((i % 500) * 2, a3, sizeof(a3));
		s.sport = i % 7 == 0 ? 20000 + i % 1000 : 1024 + i % 60000;
		memset(s.chunks, 0, sizeof(s.chunks));
		s.chunks[0] = (struct chunk_spec)CH_INIT(0x60000000u + i, a1, a2, a3);
		n = build(fx, &s, buf);
		ok = run_checked(fx, buf, n, "flood: spoofed INIT", NULL);
	}
	if (!ok)
		return;
	if (!model_intact(fx, why, sizeof(why))) {
		failf("flood: after %ld INITs: %s", inits, why);
		return;
	}
	/* Every association still forwarded to its backend, on its VIP. */
	for (i = first; i < NMODEL; i++) {
		struct pkt_spec d = { .dst = (i - first) & 1 ? VIP6 : VIP4,
				      .sport = ntohs(MODEL[i].cport), .dport = PORT,
				      .vtag = MODEL[i].ts, .chunks = { CH_DATA() } };
		struct outcome o;

		d.src = src;
		flood_client(i - first, src, sizeof(src));
		n = build(fx, &d, buf);
		if (!run_checked(fx, buf, n, "flood: DATA after the flood", &o) ||
		    (o.verdict != XDP_TX && o.verdict != XDP_REDIRECT) ||
		    o.d.backend_id != MODEL[i].backend)
			lost++;
	}
	if (lost)
		failf("flood: %d of 1000 associations not forwarded to their backend after %ld INITs",
		      lost, inits);
	else
		pass("flood: %ld spoofed INITs (handshakes table of %d, now %ld entries) over 1000 "
		     "associations: none lost, all forwarded to their backend (%.1fs)",
		     inits, SCTPLB_MAX_HANDSHAKES, fx_handshake_count(fx),
		     (fx_now() - t0) / 1e9);
}

/* ---- 5: tables full ---- */

/*
 * The backend's COOKIE-ACK (vtag Tc) to the client of m, through
 * sctplb_tc_return: confirms the association.  The counters it moved in delta.
 */
static bool confirm(struct fx *fx, const char *client, const struct massoc *m,
		    uint64_t delta[SCTPLB_STAT_MAX])
{
	static uint8_t buf[PKT_MAX], out[PKT_MAX];
	struct pkt_spec s = { .src = VIP4, .dst = client, .sport = PORT, .dport = ntohs(m->cport),
			      .vtag = m->tc, .chunks = { CH(CT_COOKIE_ACK) } };
	uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	struct pkt_info info;
	uint32_t verdict;
	size_t n;
	int i;

	if (pkt_build(&s, fx->mac_out, buf, &info) < 0)
		return false;
	fx_stats(fx, s0);
	if (fx_run_tc(fx, fx->prog_tc_return, fx->if_out, buf, info.len, out, &n, &verdict))
		return false;
	fx_stats(fx, s1);
	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		delta[i] = s1[i] - s0[i];
	return true;
}

/*
 * Full tables (include/sctplb.h): a confirmed table of max entries filled by
 * associations the backends confirmed, then spoofed INIT + COOKIE-ECHO pairs,
 * ten times the table, into the unconfirmed table of the same size.  Nothing
 * confirmed is lost; a new real association is stored (unconfirmed) and
 * forwarded, and its confirmation with the confirmed table full keeps it
 * where it is (ASSOC_TABLE_FULL).
 */
static void test_full(void)
{
	static uint8_t buf[PKT_MAX];
	uint64_t delta[SCTPLB_STAT_MAX];
	const uint32_t max = 64;
	struct fx fx2 = FX;
	struct outcome o;
	char src[64], why[256];
	int i, saved = NMODEL;
	size_t n;
	bool ok = true, pending;

	fx2.skel = NULL;
	if (setup(&fx2, max)) {
		failf("full: cannot load sctplb with assocs of %u entries", max);
		return;
	}
	NMODEL = 0;
	for (i = 0; i < (int)max && ok; i++) {
		snprintf(src, sizeof(src), "203.0.113.%d", 100 + i);
		ok = establish(&fx2, src, VIP4, 30000 + i, 0x71000000u + i, 0x51000000u + i, false) &&
		     confirm(&fx2, src, &MODEL[NMODEL - 1], delta) &&
		     delta[SCTPLB_STAT_ASSOC_CONFIRMED] == 1;
	}
	if (!ok || fx_count(fx2.assocs) != max || fx_pending_count(&fx2) != 0) {
		failf("full: could not fill assocs by confirmations (%ld of %u, %ld unconfirmed)",
		      fx_count(fx2.assocs), max, fx_pending_count(&fx2));
		goto out;
	}
	pass("full: %u associations confirmed by their backends' COOKIE-ACK fill assocs", max);

	/* The attack: spoofed handshakes, ten times the table. */
	for (i = 0; i < (int)(10 * max); i++) {
		uint32_t tc = 0x73000000u + i, ts = 0x53000000u + i;
		struct pkt_spec s = { .dst = VIP4, .sport = (uint16_t)(20000 + i), .dport = PORT,
				      .chunks = { CH_INIT(tc) } };

		snprintf(src, sizeof(src), "198.51.100.%d", i % 250 + 1);
		s.src = src;
		n = build(&fx2, &s, buf);
		if (!run_checked(&fx2, buf, n, "full: spoofed INIT", &o))
			goto out;
		s.vtag = ts;
		memset(s.chunks, 0, sizeof(s.chunks));
		s.chunks[0] = (struct chunk_spec)CH_COOKIE();
		n = build(&fx2, &s, buf);
		if (!run_checked(&fx2, buf, n, "full: spoofed COOKIE-ECHO", &o))
			goto out;
	}
	if (!model_intact(&fx2, why, sizeof(why))) {
		failf("full: after %u spoofed handshakes: %s", 10 * max, why);
		goto out;
	}
	pass("full: %u spoofed INIT + COOKIE-ECHO pairs: every confirmed association kept "
	     "(unconfirmed table %ld of %u)", 10 * max, fx_pending_count(&fx2), max);

	/* A new real association: stored unconfirmed, forwarded, then confirmed
	 * against a full table. */
	{
		struct pkt_spec s = { .src = "203.0.113.220", .dst = VIP4, .sport = 31000,
				      .dport = PORT, .chunks = { CH_INIT(0x7200beef, "203.0.113.220") } };
		struct massoc m = { .ts = 0x5200beef, .tc = 0x7200beef, .cport = htons(31000) };
		struct sctplb_assoc_key k = fx_assoc_key(SVC, m.ts, m.cport, htons(PORT));
		struct sctplb_assoc a;
		uint32_t hs_be;

		n = build(&fx2, &s, buf);
		if (!run_checked(&fx2, buf, n, "full: INIT", &o) ||
		    (o.verdict != XDP_TX && o.verdict != XDP_REDIRECT)) {
			failf("full: INIT of a new client not forwarded (%s)", fx_stat_name(o.d.reason));
			goto out;
		}
		hs_be = o.d.backend_id;
		s.vtag = m.ts;
		memset(s.chunks, 0, sizeof(s.chunks));
		s.chunks[0] = (struct chunk_spec)CH_COOKIE();
		n = build(&fx2, &s, buf);
		if (!run_checked(&fx2, buf, n, "full: COOKIE-ECHO", &o))
			goto out;
		if ((o.verdict != XDP_TX && o.verdict != XDP_REDIRECT) || o.d.backend_id != hs_be ||
		    o.delta[SCTPLB_STAT_ASSOC_TABLE_FULL] || o.delta[SCTPLB_STAT_ASSOC_CREATED] != 1 ||
		    fx_assoc_lookup(&fx2, &k, &a, &pending) || !pending)
			failf("full: COOKIE-ECHO with assocs full: expected forwarded to the handshake's "
			      "backend %u and stored unconfirmed, got %s to %u (table_full +%llu, "
			      "created +%llu)", hs_be, fx_verdict_name(o.verdict), o.d.backend_id,
			      (unsigned long long)o.delta[SCTPLB_STAT_ASSOC_TABLE_FULL],
			      (unsigned long long)o.delta[SCTPLB_STAT_ASSOC_CREATED]);
		else
			pass("full: COOKIE-ECHO with assocs full (%u) and the LRU churned: stored "
			     "unconfirmed, forwarded to the handshake's backend %u", max, hs_be);
		m.backend = hs_be;
		if (!confirm(&fx2, "203.0.113.220", &m, delta) ||
		    delta[SCTPLB_STAT_ASSOC_TABLE_FULL] != 1 || delta[SCTPLB_STAT_ASSOC_CONFIRMED] ||
		    fx_assoc_lookup(&fx2, &k, &a, &pending) || !pending)
			failf("full: its COOKIE-ACK with assocs full: expected ASSOC_TABLE_FULL and the "
			      "association kept unconfirmed, got table_full +%llu confirmed +%llu",
			      (unsigned long long)delta[SCTPLB_STAT_ASSOC_TABLE_FULL],
			      (unsigned long long)delta[SCTPLB_STAT_ASSOC_CONFIRMED]);
		else
			pass("full: its COOKIE-ACK with assocs full: ASSOC_TABLE_FULL, kept unconfirmed");
		memset(s.chunks, 0, sizeof(s.chunks));
		s.chunks[0] = (struct chunk_spec)CH_DATA();
		n = build(&fx2, &s, buf);
		if (run_checked(&fx2, buf, n, "full: DATA of the unconfirmed association", &o)) {
			if (o.d.backend_id != hs_be || (o.verdict != XDP_TX && o.verdict != XDP_REDIRECT))
				failf("full: DATA of the unconfirmed association: expected forwarded to %u, "
				      "got %s (%s)", hs_be, fx_verdict_name(o.verdict),
				      fx_stat_name(o.d.reason));
			else
				pass("full: DATA of the unconfirmed association: forwarded to its backend");
		}
	}
	if (!model_intact(&fx2, why, sizeof(why))) {
		failf("full: %s", why);
		goto out;
	}
	for (i = 0; i < NMODEL; i++) {
		struct pkt_spec d = { .src = src, .dst = VIP4, .sport = ntohs(MODEL[i].cport),
				      .dport = PORT, .vtag = MODEL[i].ts, .chunks = { CH(CT_SACK) } };

		snprintf(src, sizeof(src), "203.0.113.%d", 100 + i);
		n = build(&fx2, &d, buf);
		if (!run_checked(&fx2, buf, n, "full: established DATA", &o) ||
		    o.d.backend_id != MODEL[i].backend ||
		    (o.verdict != XDP_TX && o.verdict != XDP_REDIRECT)) {
			failf("full: association Ts %#x not forwarded to %u", MODEL[i].ts,
			      MODEL[i].backend);
			goto out;
		}
	}
	pass("full: the %u confirmed associations kept and forwarded to their backends", max);
out:
	NMODEL = saved;
	fx_unload(&fx2);
}

int main(void)
{
	uint64_t t0 = fx_now();
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	init_final();
	if (fx_netns_setup(&FX)) {
		printf("FAIL hostile: fixture: no private network namespace\n");
		return 1;
	}
	if (setup(&FX, 0)) {
		printf("FAIL hostile: cannot load and configure sctplb\n");
		return 1;
	}
	/* Three associations the mutations aim at: IPv4, IPv6, UDP. */
	ok = establish(&FX, "203.0.113.100", VIP4, CPORT, 0x7c000001, 0x5e000001, false) &&
	     establish(&FX, "2001:db8:c::100", VIP6, CPORT + 1, 0x7c000002, 0x5e000002, false) &&
	     establish(&FX, "203.0.113.100", VIP4, CPORT + 2, 0x7c000003, 0x5e000003, true);
	if (!ok) {
		printf("FAIL hostile: cannot establish the first associations\n");
		return 1;
	}
	test_truncation(&FX);
	test_shapes(&FX);
	test_mutations(&FX);
	test_flood(&FX);
	fx_unload(&FX);
	test_full();
	fprintf(stderr, "hostile: %.1fs, %ld forwarded packets, %ld checked against the model\n",
		(fx_now() - t0) / 1e9, forwarded, checked_fwd);
	return failures ? 1 : 0;
}
