// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_policy: per-service source policy (bpf/lib/policy.h) through the
 * loaded sctplb_xdp: a table of INITs and later packets from sources inside
 * and outside the rules of two services, each with its verdict and reason.
 * Rules are written as user space writes them (include/sctplb.h: service id
 * and address in network order, prefixlen 32 + the prefix).
 *   service 1: deny 192.0.2.0/24, allow 192.0.2.128/25 inside it, deny
 *              2001:db8:bad::/48, allow the one address 2001:db8:a::77/128
 *              (every byte of the source counts); having an allow rule, it
 *              also has the /0 default-deny of each family that user space
 *              writes: only 192.0.2.128/25 and 2001:db8:a::77 come in;
 *   service 2: no rule: everything comes in.
 * An established association whose source becomes denied goes on.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"
#include "pkt.h"
#include "sctplb.skel.h"
#include "seq.h"

#define SVC1  1
#define SVC2  2
#define PORT1 36412
#define PORT2 38412
#define VIP1  "203.0.113.1"
#define VIP1b "2001:db8:f::1"
#define VIP2  "203.0.113.2"
#define TS    0x5eed0001u

static const char *const VIPS1[] = { VIP1, VIP1b };
static const char *const VIPS2[] = { VIP2 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11", "2001:db8:1::11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "192.0.2.12" };
static struct fx fx;
static int failures;

static void rule4(__u32 svc, const char *a, __u8 plen, __u32 action)
{
	struct sctplb_policy4_key k = { .prefixlen = 32 + plen, .service_id = htonl(svc) };
	struct sctplb_policy v = { .action = action };

	if (a)
		inet_pton(AF_INET, a, &k.addr);
	bpf_map_update_elem(bpf_map__fd(fx.skel->maps.policy4), &k, &v, BPF_ANY);
}

static void rule6(__u32 svc, const char *a, __u8 plen, __u32 action)
{
	struct sctplb_policy6_key k = { .prefixlen = 32 + plen, .service_id = htonl(svc) };
	struct sctplb_policy v = { .action = action };

	if (a)
		inet_pton(AF_INET6, a, k.addr);
	bpf_map_update_elem(bpf_map__fd(fx.skel->maps.policy6), &k, &v, BPF_ANY);
}

struct pcase {
	const char *name;
	const char *src, *dst;
	uint16_t dport;
	bool init;              /* an INIT, else DATA of the association TS */
	bool pass;              /* forwarded, else dropped by policy_drop */
};

static const struct pcase cases[] = {
	{ "allowed_inside_deny_24", "192.0.2.130", VIP1, PORT1, true, true },
	{ "allowed_edge_255", "192.0.2.255", VIP1, PORT1, true, true },
	{ "denied_24", "192.0.2.5", VIP1, PORT1, true, false },
	{ "denied_127_edge", "192.0.2.127", VIP1, PORT1, true, false },
	{ "default_deny_v4", "198.51.100.7", VIP1, PORT1, true, false },
	{ "denied_48_v6", "2001:db8:bad::9", VIP1b, PORT1, true, false },
	{ "default_deny_v6", "2001:db8:c::9", VIP1b, PORT1, true, false },
	{ "allowed_128_v6", "2001:db8:a::77", VIP1b, PORT1, true, true },
	{ "default_deny_v6_same_64_as_allowed", "2001:db8:a::78", VIP1b, PORT1, true, false },
	{ "other_service_no_rule", "192.0.2.5", VIP2, PORT2, true, true },
	/* only INITs are filtered: an association's packets go by its vtag */
	{ "established_from_denied_source", "192.0.2.5", VIP1, PORT1, false, true },
};

static void run_case(const struct pcase *c)
{
	struct pkt_spec s = { .src = c->src, .dst = c->dst, .sport = 40000, .dport = c->dport };
	struct seq_out o;
	char why[200] = "";

	if (c->init) {
		s.chunks[0] = (struct chunk_spec)CH_INIT(0x1000 + (uint32_t)(c - cases));
	} else {
		s.vtag = TS;
		s.chunks[0] = (struct chunk_spec)CH_DATA();
	}
	if (seq_run(&fx, &s, true, 0, &o)) {
		printf("FAIL policy_%s: could not run\n", c->name);
		failures++;
		return;
	}
	if (c->pass && !seq_forwarded(&o))
		snprintf(why, sizeof(why), "dropped (%s), expected forwarded", fx_stat_name(o.reason));
	else if (!c->pass && (seq_forwarded(&o) || o.reason != SCTPLB_STAT_POLICY_DROP ||
			      o.d[SCTPLB_STAT_POLICY_DROP] != 1 || o.d[SCTPLB_STAT_INIT] != 0))
		snprintf(why, sizeof(why), "verdict %s reason %s, policy_drop %+lld, init %+lld: "
			 "expected a drop by policy_drop before the INIT is counted",
			 fx_verdict_name(o.verdict), fx_stat_name(o.reason),
			 (long long)o.d[SCTPLB_STAT_POLICY_DROP], (long long)o.d[SCTPLB_STAT_INIT]);
	else if (o.d[SCTPLB_STAT_RX] != 1)
		snprintf(why, sizeof(why), "rx %+lld", (long long)o.d[SCTPLB_STAT_RX]);
	if (why[0]) {
		printf("FAIL policy_%s: %s\n", c->name, why);
		failures++;
	} else {
		printf("PASS policy_%s\n", c->name);
	}
}

int main(void)
{
	struct sctplb_assoc_key k;
	struct sctplb_assoc a = { .backend_id = 1, .state = SCTPLB_ASSOC_ESTABLISHED };
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load(&fx) || fx_service(&fx, SVC1, PORT1, VIPS1, 2, 0) ||
	    fx_service(&fx, SVC2, PORT2, VIPS2, 1, 0) ||
	    fx_backend(&fx, 1, SVC1, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC2, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_all(&fx, SVC1, 1) ||
	    fx_table_all(&fx, SVC2, 2)) {
		printf("FAIL policy: setup\n");
		return 1;
	}
	k = fx_assoc_key(SVC1, TS, htons(40000), htons(PORT1));
	fx_assoc_put(&fx, &k, &a, BPF_ANY);
	rule4(SVC1, "192.0.2.0", 24, SCTPLB_POLICY_DENY);
	rule4(SVC1, "192.0.2.128", 25, SCTPLB_POLICY_ALLOW);
	rule6(SVC1, "2001:db8:bad::", 48, SCTPLB_POLICY_DENY);
	rule6(SVC1, "2001:db8:a::77", 128, SCTPLB_POLICY_ALLOW);
	rule4(SVC1, NULL, 0, SCTPLB_POLICY_DEFAULT_DENY);
	rule6(SVC1, NULL, 0, SCTPLB_POLICY_DEFAULT_DENY);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	fx_unload(&fx);
	return failures ? 1 : 0;
}
