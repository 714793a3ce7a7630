/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Section 7 of docs/bench.md (issue 12): the backend agent's cost per packet
 * (bpf/agent.bpf.c, the skeleton build/agent.skel.h), BPF_PROG_TEST_RUN of
 * its tc programs at repeat=N, against a tc floor (the same MAC swap,
 * TC_ACT_OK) and the XDP floor, all timed in the same rounds.
 *
 * A test run gives each repeat the skb the previous one left, so:
 *   - ingress translation (T' -> Ts): agent_in holds (T' -> Ts) and, put
 *     there by the benchmark, (Ts -> T'): every run finds its vtag and
 *     rewrites it (lookup, last-seen write, CRC32c patch), alternately;
 *   - egress INIT-ACK: the Initiate Tag the previous run wrote is a tag this
 *     host never sent in an INIT-ACK, so every run but the first of a call
 *     (which finds the T' it had, as for an INIT-ACK sent again, RFC 9260
 *     5.2.1) mints a fresh T' (two LRU inserts), as for a new association:
 *     agent_out must grow by about repeat - 1 entries in the first round (a
 *     random nonce may give a T' already in use: that run reuses or retries).
 * One run of each case first checks what it measures: the tag it leaves and
 * the CRC32c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "rtag.h"
#include "agent.skel.h"
#include "bench.h"

#define A_VIP4  "203.0.113.1"
#define A_VIP6  "2001:db8:f::1"
#define A_C4    "192.0.2.100"
#define A_C6    "2001:db8:c::100"
#define A_PORT  36412
#define A_CPORT 40000
#define A_SID   42
#define A_TS    0x5e000001u     /* the backend's own tag */
#define A_TC    0x7c000001u     /* the client's */

static struct sctplb_agent *AG;
static struct sctplb_rtag_key AKEY;
static uint32_t A_RT;           /* T' of A_TS */

enum { AC_IN, AC_IN_BIG, AC_IN6, AC_IN_UNKNOWN, AC_OUT_INIT_ACK, AC_OUT_DATA, AC_N };
struct acase {
	const char *name;
	bool out;
	struct pkt_spec spec;
	int stat;               /* counted once per run; -1: none */
	uint8_t pkt[PKT_MAX];
	size_t len;
	double ns[64], ratio[64], ratio_xdp[64];
};

#define TO_BE(c_, d_, t_, ...) { .src = (c_), .dst = (d_), .sport = A_CPORT, .dport = A_PORT, \
				 .vtag = (t_), .chunks = { __VA_ARGS__ } }
#define FROM_BE(c_, t_, ...) { .src = A_VIP4, .dst = (c_), .sport = A_PORT, .dport = A_CPORT, \
			       .vtag = (t_), .chunks = { __VA_ARGS__ } }
#define RT_MARK 0xfee0002au     /* replaced by A_RT */

static struct acase AC[AC_N] = {
	[AC_IN] = { .name = "ingress: DATA, T' -> Ts (IPv4, 64-byte payload)",
		    .spec = TO_BE(A_C4, A_VIP4, RT_MARK, CH_DATA(.body = 64)),
		    .stat = SCTPLB_STAT_AGENT_IN },
	[AC_IN_BIG] = { .name = "ingress: DATA, T' -> Ts (IPv4, 1200-byte payload)",
			.spec = TO_BE(A_C4, A_VIP4, RT_MARK, CH_DATA(.body = 1200)),
			.stat = SCTPLB_STAT_AGENT_IN },
	[AC_IN6] = { .name = "ingress: DATA, T' -> Ts (IPv6)",
		     .spec = TO_BE(A_C6, A_VIP6, RT_MARK, CH_DATA(.body = 64)),
		     .stat = SCTPLB_STAT_AGENT_IN },
	[AC_IN_UNKNOWN] = { .name = "ingress: DATA with a tag it never issued (untouched)",
			    .spec = TO_BE(A_C4, A_VIP4, 0x0badbad0u, CH_DATA(.body = 64)),
			    .stat = SCTPLB_STAT_AGENT_IN_UNKNOWN },
	[AC_OUT_INIT_ACK] = { .name = "egress: INIT-ACK, Ts -> a fresh T' (new association)",
			      .out = true,
			      .spec = FROM_BE(A_C4, A_TC, CH(CT_INIT_ACK, .tag = 0x5e100000u,
							     .body = 200)),
			      .stat = SCTPLB_STAT_AGENT_INIT_ACK },
	[AC_OUT_DATA] = { .name = "egress: backend's DATA (vtag Tc, untouched)", .out = true,
			  .spec = FROM_BE(A_C4, A_TC, CH_DATA(.body = 64)), .stat = -1 },
};

static uint64_t agent_stat(int idx)
{
	int n = libbpf_num_possible_cpus();
	uint64_t v[n > 0 ? n : 1], sum = 0;
	__u32 k = idx;
	int c;

	if (n <= 0 || bpf_map_lookup_elem(bpf_map__fd(AG->maps.stats), &k, v))
		return 0;
	for (c = 0; c < n; c++)
		sum += v[c];
	return sum;
}

static int agent_prog(bool out)
{
	return bpf_program__fd(out ? AG->progs.sctplb_agent_egress : AG->progs.sctplb_agent_ingress);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* As test_agent.c configures it: this host's VIPs and port, server id, key. */
static void agent_setup(void)
{
	static const uint8_t k[SCTPLB_RTAG_KEY_LEN] = "sctplb-bench-agt";
	struct sctplb_agent_config c = { .server_id = A_SID, .flags = SCTPLB_RTAG_F_ON };
	struct sctplb_agent_key ak = { .cport = htons(A_CPORT), .sport = htons(A_PORT) };
	struct sctplb_agent_tag v = { .created_ns = fx_now(), .last_seen_ns = fx_now() };
	const char *vips[2] = { A_VIP4, A_VIP6 };
	char err[128];
	__u32 zero = 0;
	int i;

	AG = sctplb_agent__open_and_load();
	if (!AG || lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &AKEY, err, sizeof(err)))
		DIE("agent: load or key");
	c.key = AKEY;
	if (bpf_map_update_elem(bpf_map__fd(AG->maps.agent_config), &zero, &c, BPF_ANY))
		DIE("agent: config");
	for (i = 0; i < 2; i++) {
		struct sctplb_addr a = pkt_addr(vips[i]);
		struct sctplb_vip_key vk = { .port = htons(A_PORT), .proto = 132, .family = a.family };
		struct sctplb_service sv = { .id = 1, .sctp_port = htons(A_PORT), .path = i };

		memcpy(vk.addr, a.addr, 16);
		if (bpf_map_update_elem(bpf_map__fd(AG->maps.services), &vk, &sv, BPF_ANY))
			DIE("agent: services");
	}
	/* The association: T' -> Ts as an INIT-ACK leaves it (agent_out too),
	 * and the benchmark's Ts -> T' so that repeated runs keep translating. */
	for (i = 1; !(A_RT = sctplb_rtag_make(&AKEY, A_SID, i)); i++)
		;
	ak.tag = A_RT;
	v.tag = A_TS;
	if (bpf_map_update_elem(bpf_map__fd(AG->maps.agent_in), &ak, &v, BPF_ANY))
		DIE("agent: agent_in");
	ak.tag = A_TS;
	v.tag = A_RT;
	if (bpf_map_update_elem(bpf_map__fd(AG->maps.agent_in), &ak, &v, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(AG->maps.agent_out), &ak, &v, BPF_ANY))
		DIE("agent: agent_out");
}

/* One run: what the case measures happens (tag, CRC32c, counter). */
static void agent_check(struct acase *a)
{
	uint8_t out[PKT_MAX];
	struct pkt_info info;
	size_t olen;
	uint32_t verdict, tag, want;
	uint64_t s0;

	if (pkt_build(&a->spec, FX.mac_in, a->pkt, &info) < 0)
		DIE("agent: %s: cannot build", a->name);
	a->len = info.len;
	s0 = a->stat >= 0 ? agent_stat(a->stat) : 0;
	if (fx_run_tc(&FX, agent_prog(a->out), FX.if_in, a->pkt, a->len, out, &olen, &verdict) ||
	    verdict != TC_ACT_OK || olen != a->len)
		DIE("agent: %s: test run", a->name);
	if (!pkt_sctp_crc_ok(out + info.sctp, olen - info.sctp))
		DIE("agent: %s: CRC32c wrong after the run", a->name);
	if (a->stat >= 0 && agent_stat(a->stat) - s0 != 1)
		DIE("agent: %s: counter %d not +1", a->name, a->stat);
	if (a == &AC[AC_OUT_INIT_ACK]) {
		tag = get32(out + info.sctp + 12 + 4);
		if (tag == a->spec.chunks[0].tag || sctplb_rtag_server(&AKEY, tag) != A_SID)
			DIE("agent: INIT-ACK's Initiate Tag %#x is not a T' of server %u", tag, A_SID);
		return;
	}
	tag = get32(out + info.sctp + 4);
	want = a->spec.vtag == A_RT ? A_TS : a->spec.vtag;
	if (tag != want)
		DIE("agent: %s: vtag %#x, expected %#x", a->name, tag, want);
}

void section_agent(void)
{
	static double ft[64], fx[64];
	uint8_t fpkt[PKT_MAX];
	size_t flen;
	uint32_t ret;
	long out0 = 0, minted = 0;
	int floor_tc = prog_floor_tc(), r, c;
	bool first = true;

	if (floor_tc < 0)
		DIE("agent: tc floor");
	agent_setup();
	for (c = 0; c < AC_N; c++) {
		if (AC[c].spec.vtag == RT_MARK)
			AC[c].spec.vtag = A_RT;
		agent_check(&AC[c]);
	}
	flen = build(&AC[AC_IN].spec, fpkt);
	out0 = fx_count(bpf_map__fd(AG->maps.agent_out));
	for (r = 0; r < ROUNDS; r++) {
		double t0, t1, x0, x1;

		t0 = run_tc(floor_tc, fpkt, flen, FX.if_in, REPEAT, &ret);
		x0 = run_prog(FLOOR, fpkt, flen, FX.if_in, REPEAT, NULL);
		for (c = 0; c < AC_N; c++) {
			AC[c].ns[r] = run_tc(agent_prog(AC[c].out), AC[c].pkt, AC[c].len, FX.if_in,
					     REPEAT, &ret);
			if (AC[c].ns[r] < 0 || ret != TC_ACT_OK)
				DIE("agent: %s: verdict %u", AC[c].name, ret);
		}
		if (r == 0)
			minted = fx_count(bpf_map__fd(AG->maps.agent_out)) - out0;
		x1 = run_prog(FLOOR, fpkt, flen, FX.if_in, REPEAT, NULL);
		t1 = run_tc(floor_tc, fpkt, flen, FX.if_in, REPEAT, &ret);
		if (t0 < 0 || t1 < 0 || x0 < 0 || x1 < 0)
			DIE("agent: floors");
		ft[r] = (t0 + t1) / 2;
		fx[r] = (x0 + x1) / 2;
		for (c = 0; c < AC_N; c++) {
			AC[c].ratio[r] = AC[c].ns[r] / ft[r];
			AC[c].ratio_xdp[r] = AC[c].ns[r] / fx[r];
		}
	}

	double ftm = median(ft, ROUNDS), fxm = median(fx, ROUNDS);

	printf("\n7. The backend agent (tc programs, BPF_PROG_TEST_RUN repeat=%u), median of %d "
	       "rounds\n", REPEAT, ROUNDS);
	printf("   tc floor (swap MACs, TC_ACT_OK) %.1f ns; XDP floor %.1f ns\n", ftm, fxm);
	printf("   %-54s %8s %9s %9s\n", "case", "ns/pkt", "/tc floor", "/XDP floor");
	fprintf(J, ",\n  \"agent\": {\"repeat\": %u, \"rounds\": %d, \"tc_floor_ns\": %.1f, "
		"\"floor_ns\": %.1f, \"init_acks_minted_round1\": %ld, \"cases\": [",
		REPEAT, ROUNDS, ftm, fxm, minted);
	for (c = 0; c < AC_N; c++) {
		double ns = median(AC[c].ns, ROUNDS), ra = median(AC[c].ratio, ROUNDS);
		double rx = median(AC[c].ratio_xdp, ROUNDS);

		printf("   %-54s %8.1f %8.2fx %8.2fx\n", AC[c].name, ns, ra, rx);
		fprintf(J, "%s\n    {\"name\": \"%s\", \"ns_per_pkt\": %.1f, \"ratio_tc_floor\": %.2f, "
			"\"ratio\": %.2f}", first ? "" : ",", AC[c].name, ns, ra, rx);
		first = false;
	}
	fprintf(J, "\n  ]}");
	printf("   INIT-ACK row: %ld fresh T' minted by the %u runs of the first round (a mapping "
	       "found by the first)\n", minted, REPEAT);
	if (minted < (long)(REPEAT - 1) * 99 / 100)
		fprintf(stderr, "bench: warning: %ld of %u INIT-ACK runs minted a tag: the INIT-ACK "
			"row is a mix\n", minted, REPEAT - 1);
	sctplb_agent__destroy(AG);
	close(floor_tc);
}
