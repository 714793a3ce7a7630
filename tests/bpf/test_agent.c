// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_agent: the backend agent (bpf/agent.bpf.c) through BPF_PROG_TEST_RUN.
 * Each case runs one packet through sctplb_agent_egress (what the backend
 * sends) or sctplb_agent_ingress (what the clients send) and checks the tag
 * it leaves, that the CRC32c (and the UDP checksum when encapsulated) is
 * right, the counters, and the agent's maps; the cases run in order and share
 * the agent's state.  RFC 9260 5.2.1-5.2.6 (INIT collision, restart, unexpected
 * INIT-ACK, COOKIE-ECHO with a TCB, duplicate COOKIE-ACK, stale cookie) each
 * have cases.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "pkt.h"
#include "rtag.h"
#include "agentgc.h"
#include "agent.skel.h"
#include "report.h"

#define VIP4  "203.0.113.1"
#define VIP6  "2001:db8:f::1"
#define C4    "192.0.2.100"
#define C6    "2001:db8:c::100"
#define PORT  36412
#define CPORT 40000
#define SID   42
#define ENCAP 9899

/* The backend's own tags and the clients'. */
#define TS1 0x5e000001u
#define TS2 0x5e000002u
#define TS3 0x5e000003u
#define TC1 0x7c000001u
#define TC2 0x7c000002u

static struct fx fx;
static struct sctplb_agent *ag;
static struct sctplb_rtag_key key;
static char why[512];
#define WHY(...) (snprintf(why, sizeof(why), __VA_ARGS__), why)


static void stats(uint64_t out[SCTPLB_STAT_MAX])
{
	int fd = bpf_map__fd(ag->maps.stats);
	uint64_t v[fx.ncpus];
	__u32 k;
	int c;

	for (k = 0; k < SCTPLB_STAT_MAX; k++) {
		out[k] = 0;
		if (!bpf_map_lookup_elem(fd, &k, v))
			for (c = 0; c < fx.ncpus; c++)
				out[k] += v[c];
	}
}

/* The UDP checksum of the datagram at off in the frame (IPv4 or IPv6), its
 * pseudo-header and its checksum field included: 0xffff when it is right. */
static uint16_t udp_sum(const uint8_t *f, const struct pkt_info *in, size_t off, size_t ulen)
{
	uint32_t s = 17 + ulen;

	if (in->family == SCTPLB_AF_INET)
		s = pkt_csum_add(s, f + in->l3 + 12, 8);
	else
		s = pkt_csum_add(s, f + in->l3 + 8, 32);
	return (uint16_t)~pkt_csum_fold(pkt_csum_add(s, f + off, ulen));
}

static void udp_fill(uint8_t *f, const struct pkt_info *in)
{
	size_t off = in->sctp - 8, ulen = f[off + 4] << 8 | f[off + 5];
	uint16_t c;

	f[off + 6] = f[off + 7] = 0;
	c = ~udp_sum(f, in, off, ulen);
	f[off + 6] = c >> 8;
	f[off + 7] = c & 0xff;
}

static bool udp_ok(const uint8_t *f, const struct pkt_info *in)
{
	size_t off = in->sctp - 8, ulen = f[off + 4] << 8 | f[off + 5];

	return udp_sum(f, in, off, ulen) == 0xffff;
}

struct run {
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	size_t len;
	uint64_t d[SCTPLB_STAT_MAX];
};

/* One packet through egress (out) or ingress. */
static const char *run(const struct pkt_spec *s, bool out, struct run *r)
{
	uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	int prog = bpf_program__fd(out ? ag->progs.sctplb_agent_egress : ag->progs.sctplb_agent_ingress);
	uint32_t verdict;
	int i;

	if (pkt_build(s, fx.mac_in, r->in, &r->info) < 0)
		return "cannot build the packet";
	if (s->udp_dport)
		udp_fill(r->in, &r->info);
	stats(s0);
	if (fx_run_tc(&fx, prog, fx.if_in, r->in, r->info.len, r->out, &r->len, &verdict))
		return "BPF_PROG_TEST_RUN failed";
	stats(s1);
	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		r->d[i] = s1[i] - s0[i];
	if (verdict != TC_ACT_OK)
		return WHY("verdict %u, expected TC_ACT_OK", verdict);
	if (r->len != r->info.len)
		return WHY("length %zu, expected %zu", r->len, r->info.len);
	if (!pkt_sctp_crc_ok(r->out + r->info.sctp, r->len - r->info.sctp))
		return "CRC32c wrong after the rewrite";
	if (s->udp_dport && !udp_ok(r->out, &r->info))
		return "UDP checksum wrong after the rewrite";
	return NULL;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint32_t vtag_out(const struct run *r)
{
	return get32(r->out + r->info.sctp + 4);
}

/* The Initiate Tag of the INIT-ACK that leads the packet. */
static uint32_t itag_out(const struct run *r)
{
	return get32(r->out + r->info.sctp + 12 + 4);
}

/* Only these bytes may differ between input and output. */
static const char *only_changed(const struct run *r, size_t a, size_t n)
{
	size_t i, csum = r->info.sctp + 8, ucs = r->info.sctp - 2;

	for (i = 0; i < r->len; i++) {
		if ((i >= a && i < a + n) || (i >= csum && i < csum + 4) ||
		    (r->info.sctp >= 8 && i >= ucs && i < ucs + 2 && r->in[r->info.sctp - 8 + 2] == (ENCAP >> 8)))
			continue;
		if (r->in[i] != r->out[i])
			return WHY("byte %zu changed (%02x -> %02x)", i, r->in[i], r->out[i]);
	}
	return NULL;
}

static const char *unchanged(const struct run *r)
{
	return memcmp(r->in, r->out, r->len) ? "the packet changed" : NULL;
}

#define FROM_BE(c_, t_, ...) { .src = VIP4, .dst = (c_), .sport = PORT, .dport = CPORT, \
			       .vtag = (t_), .chunks = { __VA_ARGS__ } }
#define TO_BE(c_, t_, ...) { .src = (c_), .dst = VIP4, .sport = CPORT, .dport = PORT, \
			     .vtag = (t_), .chunks = { __VA_ARGS__ } }
#define INIT_ACK(ts) CH(CT_INIT_ACK, .tag = (ts))

static uint32_t mapped_in(uint32_t rt)
{
	struct sctplb_agent_key k = { .tag = rt, .cport = htons(CPORT), .sport = htons(PORT) };
	struct sctplb_agent_tag v;

	return bpf_map_lookup_elem(bpf_map__fd(ag->maps.agent_in), &k, &v) ? 0 : v.tag;
}

static uint32_t agent_flags(uint32_t rt)
{
	struct sctplb_agent_key k = { .tag = rt, .cport = htons(CPORT), .sport = htons(PORT) };
	struct sctplb_agent_tag v;

	return bpf_map_lookup_elem(bpf_map__fd(ag->maps.agent_in), &k, &v) ? 0 : v.flags;
}

/* An INIT-ACK with Initiate Tag ts through egress: the routable tag it got. */
static uint32_t init_ack(const char *name, const char *client, uint32_t tc, uint32_t ts,
			 bool udp)
{
	struct pkt_spec s = FROM_BE(client, tc, INIT_ACK(ts));
	struct run r;
	const char *err;
	uint32_t rt;

	if (!strcmp(client, C6))
		s.src = VIP6;
	if (udp)
		s.udp_sport = s.udp_dport = ENCAP;
	err = run(&s, true, &r);
	rt = err ? 0 : itag_out(&r);
	if (!err && (rt == ts || !rt))
		err = WHY("Initiate Tag %#x left as it was", rt);
	if (!err && sctplb_rtag_server(&key, rt) != SID)
		err = WHY("T' %#x decodes to server %u, not %u", rt, sctplb_rtag_server(&key, rt), SID);
	if (!err && r.d[SCTPLB_STAT_AGENT_INIT_ACK] != 1)
		err = "agent_init_ack not counted";
	if (!err && vtag_out(&r) != tc)
		err = "the INIT-ACK's vtag (Tc) changed";
	if (!err)
		err = only_changed(&r, r.info.sctp + 16, 4);
	if (!err && mapped_in(rt) != ts)
		err = WHY("agent_in[T' %#x] = %#x, expected Ts %#x", rt, mapped_in(rt), ts);
	tr_result(name, err);
	return err ? 0 : rt;
}

/* A client packet with vtag through ingress: expected to arrive with want. */
static void in(const char *name, struct pkt_spec s, uint32_t want, int stat)
{
	struct run r;
	const char *err = run(&s, false, &r);

	if (!err && vtag_out(&r) != want)
		err = WHY("vtag %#x, expected %#x", vtag_out(&r), want);
	if (!err && stat >= 0 && r.d[stat] != 1)
		err = WHY("counter %d not +1", stat);
	if (!err)
		err = want == s.vtag ? unchanged(&r) : only_changed(&r, r.info.sctp + 4, 4);
	tr_result(name, err);
}

static void out(const char *name, struct pkt_spec s, uint32_t want, int stat)
{
	struct run r;
	const char *err = run(&s, true, &r);

	if (!err && vtag_out(&r) != want)
		err = WHY("vtag %#x, expected %#x", vtag_out(&r), want);
	if (!err && stat >= 0 && r.d[stat] != 1)
		err = WHY("counter %d not +1", stat);
	if (!err)
		err = want == s.vtag ? unchanged(&r) : only_changed(&r, r.info.sctp + 4, 4);
	tr_result(name, err);
}

static int setup(void)
{
	static const uint8_t k[16] = "sctplb-test-key!";
	struct sctplb_agent_config c = { .server_id = SID, .flags = SCTPLB_RTAG_F_ON };
	const char *vips[2] = { VIP4, VIP6 };
	char err[128];
	__u32 zero = 0;
	int i;

	if (fx_netns_setup(&fx))
		return -1;
	fx.ncpus = libbpf_num_possible_cpus();
	ag = sctplb_agent__open_and_load();
	if (!ag || lb_rtag_key_expand(k, SCTPLB_RTAG_SID_BITS_DEFAULT, &key, err, sizeof(err)))
		return -1;
	c.key = key;
	if (bpf_map_update_elem(bpf_map__fd(ag->maps.agent_config), &zero, &c, BPF_ANY))
		return -1;
	for (i = 0; i < 2; i++) {
		struct sctplb_addr a = pkt_addr(vips[i]);
		struct sctplb_vip_key vk = { .port = htons(PORT), .proto = 132, .family = a.family };
		struct sctplb_service sv = { .id = 1, .sctp_port = htons(PORT), .path = i };

		memcpy(vk.addr, a.addr, 16);
		if (bpf_map_update_elem(bpf_map__fd(ag->maps.services), &vk, &sv, BPF_ANY))
			return -1;
		vk.proto = 17;
		vk.port = htons(ENCAP);
		sv.flags = SCTPLB_SVC_F_UDP_ENCAP;
		if (bpf_map_update_elem(bpf_map__fd(ag->maps.services), &vk, &sv, BPF_ANY))
			return -1;
	}
	return 0;
}

/* An association's tags as the agent would keep them, both ways. */
static void put_tags(uint32_t rt, uint32_t ts, uint32_t flags, uint64_t created, uint64_t last,
		     uint64_t closing)
{
	struct sctplb_agent_key ik = { .tag = rt, .cport = htons(CPORT), .sport = htons(PORT) };
	struct sctplb_agent_key ok = { .tag = ts, .cport = htons(CPORT), .sport = htons(PORT) };
	struct sctplb_agent_tag in = { .tag = ts, .flags = flags, .created_ns = created,
				       .last_seen_ns = last, .closing_ns = closing };
	struct sctplb_agent_tag out = { .tag = rt, .created_ns = created };

	bpf_map_update_elem(bpf_map__fd(ag->maps.agent_in), &ik, &in, BPF_ANY);
	bpf_map_update_elem(bpf_map__fd(ag->maps.agent_out), &ok, &out, BPF_ANY);
}

static bool tags_there(uint32_t rt, uint32_t ts)
{
	struct sctplb_agent_key ok = { .tag = ts, .cport = htons(CPORT), .sport = htons(PORT) };
	struct sctplb_agent_tag o;
	bool in = mapped_in(rt) == ts;
	bool out = !bpf_map_lookup_elem(bpf_map__fd(ag->maps.agent_out), &ok, &o);

	return in && out;
}

/* agent gc (user/lib/agentgc.c) with the time passed in: each rule at its edge. */
static void sweep_cases(void)
{
	const uint64_t S = 1000000000ull, hs = 10 * S, grace = 5 * S, idle = 300 * S;
	int in = bpf_map__fd(ag->maps.agent_in), out = bpf_map__fd(ag->maps.agent_out);
	struct sctplb_agent_key k;
	struct lb_agent_gc r;

	/* Only these tags: the earlier cases' are stamped with the real clock. */
	while (!bpf_map_get_next_key(in, NULL, &k))
		bpf_map_delete_elem(in, &k);
	while (!bpf_map_get_next_key(out, NULL, &k))
		bpf_map_delete_elem(out, &k);
	put_tags(0x11110001, 0x22220001, 0, 1000 * S, 1000 * S, 0);              /* never answered */
	put_tags(0x11110002, 0x22220002, SCTPLB_AGENT_F_SEEN, 900 * S, 1000 * S, 0);  /* live */
	put_tags(0x11110003, 0x22220003, SCTPLB_AGENT_F_SEEN | SCTPLB_AGENT_F_CLOSING, 900 * S,
		 1000 * S, 1000 * S);                                                /* ended */
	lb_agent_sweep(in, out, 1000 * S + grace, hs, grace, idle, &r);
	tr_result("agent gc: nothing expires at its limit (10 s unanswered, 5 s grace, 300 s idle)",
		  tags_there(0x11110001, 0x22220001) && tags_there(0x11110002, 0x22220002) &&
		  tags_there(0x11110003, 0x22220003) ? NULL : "a tag went early");
	lb_agent_sweep(in, out, 1000 * S + grace + 1, hs, grace, idle, &r);
	tr_result("agent gc: an ended association's tags go after the grace, both ways",
		  !tags_there(0x11110003, 0x22220003) && mapped_in(0x11110003) == 0 &&
		  tags_there(0x11110001, 0x22220001) && r.closed == 1 ? NULL : "not as expected");
	lb_agent_sweep(in, out, 1000 * S + hs + 1, hs, grace, idle, &r);
	tr_result("agent gc: a tag no client packet answered goes after the handshake timeout",
		  !tags_there(0x11110001, 0x22220001) && tags_there(0x11110002, 0x22220002) &&
		  r.unanswered == 1 ? NULL : "not as expected");
	lb_agent_sweep(in, out, 1000 * S + idle, hs, grace, idle, &r);
	tr_result("agent gc: a live association's tags stay until idle for 300 s",
		  tags_there(0x11110002, 0x22220002) ? NULL : "removed while live");
	lb_agent_sweep(in, out, 1000 * S + idle + 1, hs, grace, idle, &r);
	tr_result("agent gc: ... and go when idle past it",
		  !tags_there(0x11110002, 0x22220002) && r.idle == 1 ? NULL : "kept");
}

int main(void)
{
	uint32_t rt1, rt1b, rt2, rt3, rt6;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup()) {
		printf("FAIL agent: setup (load, key, maps)\n");
		return 1;
	}

	rt1 = init_ack("INIT-ACK: Initiate Tag Ts becomes T' of this server, CRC32c patched", C4,
		       TC1, TS1, false);
	in("COOKIE-ECHO with T': Ts again before the stack sees it",
	   (struct pkt_spec)TO_BE(C4, rt1, CH_COOKIE(), CH_DATA()), TS1, SCTPLB_STAT_AGENT_IN);
	in("DATA with T': Ts", (struct pkt_spec)TO_BE(C4, rt1, CH_DATA(.body = 300)), TS1,
	   SCTPLB_STAT_AGENT_IN);
	tr_result("the association is marked seen", agent_flags(rt1) & SCTPLB_AGENT_F_SEEN ? NULL :
	       "agent_in flags without SEEN");
	out("backend's DATA (vtag Tc): untouched", (struct pkt_spec)FROM_BE(C4, TC1, CH_DATA()), TC1, -1);

	/* RFC 9260 5.2.1: an INIT-ACK sent again with the same Initiate Tag. */
	rt1b = init_ack("5.2.1: an INIT-ACK again with the same Ts: a T' again", C4, TC1, TS1, false);
	tr_result("5.2.1: the same Ts gets the same T'", rt1b == rt1 ? NULL :
	       WHY("%#x, then %#x", rt1, rt1b));
	/* 5.2.2: the peer restarts: a new INIT, an INIT-ACK with a new Ts. */
	rt2 = init_ack("5.2.2: restart: the new INIT-ACK's new Ts gets a new T'", C4, TC2, TS2, false);
	tr_result("5.2.2: old and new associations both mapped", rt2 && rt2 != rt1 &&
	       mapped_in(rt1) == TS1 && mapped_in(rt2) == TS2 ? NULL : "a mapping was lost");
	/* 5.2.4: the restart's COOKIE-ECHO (new T'); the old one's packets still. */
	in("5.2.4: COOKIE-ECHO of the restart: its own Ts",
	   (struct pkt_spec)TO_BE(C4, rt2, CH_COOKIE()), TS2, SCTPLB_STAT_AGENT_IN);
	in("5.2.4: a late packet of the old association: the old Ts",
	   (struct pkt_spec)TO_BE(C4, rt1, CH(CT_SACK)), TS1, SCTPLB_STAT_AGENT_IN);
	/* 5.2.3: an INIT-ACK arriving from outside is not the agent's business. */
	in("5.2.3: an unexpected INIT-ACK from a client: untouched",
	   (struct pkt_spec)TO_BE(C4, TS1, INIT_ACK(0x12345678)), TS1, -1);
	/* 5.2.5: a duplicate COOKIE-ACK from the client side carries T'. */
	in("5.2.5: a duplicate COOKIE-ACK with T': Ts",
	   (struct pkt_spec)TO_BE(C4, rt2, CH(CT_COOKIE_ACK)), TS2, SCTPLB_STAT_AGENT_IN);
	/* 5.2.6: the backend's Stale Cookie ERROR carries Tc: untouched; the
	 * client's new INIT gets a new INIT-ACK, and so a new T'. */
	out("5.2.6: the backend's Stale Cookie ERROR (vtag Tc): untouched",
	    (struct pkt_spec)FROM_BE(C4, TC2, CH(CT_ERROR)), TC2, -1);
	rt3 = init_ack("5.2.6: the INIT-ACK to the client's next INIT: a new T'", C4, TC2, TS3, false);
	tr_result("5.2.6: three tags, three T'", rt3 && rt3 != rt1 && rt3 != rt2 ? NULL : "tags reused");

	in("client's INIT: untouched", (struct pkt_spec)TO_BE(C4, 0, CH_INIT(TC1, C4)), 0, -1);
	in("client's T-bit ABORT (vtag Tc): untouched",
	   (struct pkt_spec)TO_BE(C4, TC1, CH_ABORT_T), TC1, -1);
	in("a vtag the agent never issued: untouched, counted",
	   (struct pkt_spec)TO_BE(C4, 0x0badbad0, CH_DATA()), 0x0badbad0, SCTPLB_STAT_AGENT_IN_UNKNOWN);
	{
		struct pkt_spec s = TO_BE(C4, rt1, CH_DATA());

		s.dport = PORT + 1;
		in("another port: not the agent's", s, rt1, -1);
	}
	out("backend's T-bit SHUTDOWN-COMPLETE (vtag Ts): T'",
	    (struct pkt_spec)FROM_BE(C4, TS1, CH_SC_T), rt1, SCTPLB_STAT_AGENT_TBIT_OUT);
	out("backend's T-bit ABORT with a tag it never mapped: untouched",
	    (struct pkt_spec)FROM_BE(C4, 0x0badbad1, CH_ABORT_T), 0x0badbad1, -1);
	in("client's SHUTDOWN-COMPLETE (vtag T'): Ts, and the association is closing",
	   (struct pkt_spec)TO_BE(C4, rt3, CH(CT_SHUTDOWN_COMPLETE)), TS3, SCTPLB_STAT_AGENT_IN);
	tr_result("closing marked", agent_flags(rt3) & SCTPLB_AGENT_F_CLOSING ? NULL : "no CLOSING flag");

	/* IPv6, and SCTP over UDP (the UDP checksum covers the tag and the CRC32c). */
	rt6 = init_ack("IPv6 INIT-ACK: T'", C6, TC1, 0x5e000006u, false);
	{
		struct pkt_spec s = TO_BE(C6, rt6, CH_DATA());

		s.dst = VIP6;
		in("IPv6 DATA with T': Ts", s, 0x5e000006u, SCTPLB_STAT_AGENT_IN);
	}
	{
		uint32_t rtu = init_ack("UDP-encapsulated INIT-ACK: T', CRC32c and UDP checksum patched",
					C4, TC1, 0x5e000007u, true);
		struct pkt_spec s = TO_BE(C4, rtu, CH_DATA());

		s.udp_sport = s.udp_dport = ENCAP;
		in("UDP-encapsulated DATA with T': Ts, both checksums right", s, 0x5e000007u,
		   SCTPLB_STAT_AGENT_IN);
	}
	/* A checksum left to the NIC: the field is 0 until the device fills it. */
	{
		struct pkt_spec s = FROM_BE(C4, TC2, INIT_ACK(0x5e000008u));
		uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
		struct run r;
		uint32_t verdict;
		const char *err = NULL;

		if (pkt_build(&s, fx.mac_in, r.in, &r.info) < 0)
			err = "cannot build";
		memset(r.in + r.info.sctp + 8, 0, 4);
		stats(s0);
		if (!err && fx_run_tc(&fx, bpf_program__fd(ag->progs.sctplb_agent_egress), fx.if_in,
				      r.in, r.info.len, r.out, &r.len, &verdict))
			err = "test run failed";
		stats(s1);
		if (!err && (itag_out(&r) == 0x5e000008u || get32(r.out + r.info.sctp + 8) != 0))
			err = WHY("tag %#x, checksum field %#x: expected a new tag and the field left 0",
				  itag_out(&r), get32(r.out + r.info.sctp + 8));
		if (!err && s1[SCTPLB_STAT_AGENT_CSUM_OFFLOAD] - s0[SCTPLB_STAT_AGENT_CSUM_OFFLOAD] != 1)
			err = "agent_csum_offload not counted";
		tr_result("checksum left to the NIC (field 0): the tag rewritten, the field left alone", err);
	}
	sweep_cases();
	sctplb_agent__destroy(ag);
	return tr_failures ? 1 : 0;
}
