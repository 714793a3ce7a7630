// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ppid: DATA chunks per service and payload protocol class
 * (bpf/lib/ppid.h, ppid_stats), through the loaded sctplb_xdp.  A table of
 * packets of established associations of two services, each with the
 * exact change it must make to every (service, class) counter: single and
 * bundled DATA with S1AP, NGAP, Diameter (46, 47), M3UA and other PPIDs,
 * I-DATA first and later fragments, HEARTBEATs, packets that are dropped.
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

#define SVC1   1
#define SVC2   2
#define PORT1  36412
#define PORT2  3868
#define CPORT  40000
#define TS1    0x11110001u
#define TS2    0x22220002u
#define VIP1   "203.0.113.1"
#define VIP2   "203.0.113.2"
#define CLIENT "203.0.113.77"

static const char *const VIPS1[] = { VIP1 };
static const char *const VIPS2[] = { VIP2 };
static const char *const BE1[SCTPLB_MAX_PATHS] = { "192.0.2.11" };
static const char *const BE2[SCTPLB_MAX_PATHS] = { "192.0.2.12" };
static struct fx fx;
static int failures;

#define D(p)  CH_DATA(.set_ppid = true, .ppid = (p))
#define ID_FIRST(p) CH(CT_IDATA, .flags = 0x02, .set_ppid = true, .ppid = (p))
#define ID_LATER(fsn) CH(CT_IDATA, .flags = 0x00, .set_ppid = true, .ppid = (fsn))
#define ID_WHOLE(p) CH(CT_IDATA, .flags = 0x03, .set_ppid = true, .ppid = (p))

struct pcase {
	const char *name;
	int svc;                        /* 1 or 2: which association */
	uint32_t vtag;                  /* 0: the association's */
	struct chunk_spec chunks[6];
	int want[3][SCTPLB_PPID_N];     /* [service][class] deltas */
	bool dropped;
};

enum { O = SCTPLB_PPID_OTHER, S = SCTPLB_PPID_S1AP, N = SCTPLB_PPID_NGAP,
       DI = SCTPLB_PPID_DIAMETER, M = SCTPLB_PPID_M3UA };

static const struct pcase cases[] = {
	{ "s1ap", 1, 0, { D(18) }, { [1] = { [S] = 1 } }, false },
	{ "ngap", 1, 0, { D(60) }, { [1] = { [N] = 1 } }, false },
	{ "diameter_46_47_bundled", 1, 0, { D(46), D(47) }, { [1] = { [DI] = 2 } }, false },
	{ "m3ua", 1, 0, { D(3) }, { [1] = { [M] = 1 } }, false },
	{ "other_0_and_unknown", 1, 0, { D(0), D(0x736c6200) }, { [1] = { [O] = 2 } }, false },
	{ "near_misses_are_other", 1, 0, { D(17), D(19), D(59), D(61), D(45), D(48) },
	  { [1] = { [O] = 6 } }, false },
	{ "mixed_bundle_with_sack", 1, 0, { D(18), D(18), CH(CT_SACK), D(60), D(3) },
	  { [1] = { [S] = 2, [N] = 1, [M] = 1 } }, false },
	{ "heartbeat_only", 1, 0, { CH(CT_HEARTBEAT) }, { { 0 } }, false },
	{ "idata_first_fragment", 1, 0, { ID_FIRST(60) }, { [1] = { [N] = 1 } }, false },
	{ "idata_unfragmented", 1, 0, { ID_WHOLE(18) }, { [1] = { [S] = 1 } }, false },
	/* a later fragment holds its FSN where the PPID was: not read as one */
	{ "idata_later_fragment_not_counted", 1, 0, { ID_LATER(18), ID_LATER(60) }, { { 0 } }, false },
	{ "second_service", 2, 0, { D(46), D(18) }, { [2] = { [DI] = 1, [S] = 1 } }, false },
	{ "unknown_vtag_dropped", 1, 0x0badf00d, { D(18) }, { { 0 } }, true },
};

static int read_ppid(uint64_t out[3][SCTPLB_PPID_N])
{
	int fd = bpf_map__fd(fx.skel->maps.ppid_stats), svc, c, cpu;
	uint64_t v[fx.ncpus];

	for (svc = 0; svc < 3; svc++)
		for (c = 0; c < SCTPLB_PPID_N; c++) {
			__u32 k = svc * SCTPLB_PPID_N + c;

			out[svc][c] = 0;
			if (bpf_map_lookup_elem(fd, &k, v))
				return -1;
			for (cpu = 0; cpu < fx.ncpus; cpu++)
				out[svc][c] += v[cpu];
		}
	return 0;
}

static int add_assoc(uint32_t svc, uint32_t ts, uint16_t sport, uint32_t be)
{
	struct sctplb_assoc_key k = fx_assoc_key(svc, ts, htons(CPORT), htons(sport));
	struct sctplb_assoc a = { .backend_id = be, .state = SCTPLB_ASSOC_ESTABLISHED };

	return fx_assoc_put(&fx, &k, &a, BPF_ANY);
}

static void run_case(const struct pcase *c)
{
	struct pkt_spec s = { .src = CLIENT, .dst = c->svc == 1 ? VIP1 : VIP2, .sport = CPORT,
			      .dport = c->svc == 1 ? PORT1 : PORT2,
			      .vtag = c->vtag ? c->vtag : c->svc == 1 ? TS1 : TS2 };
	uint64_t before[3][SCTPLB_PPID_N], after[3][SCTPLB_PPID_N];
	struct seq_out o;
	char why[256] = "";
	int svc, k;

	memcpy(s.chunks, c->chunks, sizeof(c->chunks));
	if (read_ppid(before) || seq_run(&fx, &s, true, 0, &o) || read_ppid(after)) {
		printf("FAIL ppid_%s: could not run\n", c->name);
		failures++;
		return;
	}
	if (seq_forwarded(&o) == c->dropped)
		snprintf(why, sizeof(why), "verdict %s", fx_verdict_name(o.verdict));
	for (svc = 0; svc < 3 && !why[0]; svc++)
		for (k = 0; k < SCTPLB_PPID_N && !why[0]; k++)
			if (after[svc][k] - before[svc][k] != (uint64_t)c->want[svc][k])
				snprintf(why, sizeof(why), "service %d class %d: %+lld, expected %+d", svc,
					 k, (long long)(after[svc][k] - before[svc][k]), c->want[svc][k]);
	if (why[0]) {
		printf("FAIL ppid_%s: %s\n", c->name, why);
		failures++;
	} else {
		printf("PASS ppid_%s\n", c->name);
	}
}

int main(void)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(&fx) || fx_load(&fx) || fx_service(&fx, SVC1, PORT1, VIPS1, 1, 0) ||
	    fx_service(&fx, SVC2, PORT2, VIPS2, 1, 0) ||
	    fx_backend(&fx, 1, SVC1, SCTPLB_BE_F_ACTIVE, BE1) ||
	    fx_backend(&fx, 2, SVC2, SCTPLB_BE_F_ACTIVE, BE2) || fx_table_all(&fx, SVC1, 1) ||
	    fx_table_all(&fx, SVC2, 2) || add_assoc(SVC1, TS1, PORT1, 1) ||
	    add_assoc(SVC2, TS2, PORT2, 2)) {
		printf("FAIL ppid: setup\n");
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	fx_unload(&fx);
	return failures ? 1 : 0;
}
