/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Section 5 of docs/bench.md: packets per second forwarded between veths in
 * the namespaces of tests/e2e/lib/topo.sh, by sctplb (--mode lb), by plain
 * kernel routing (--mode kernel) or by the floor forwarder (--mode floor: the
 * least an XDP forwarder does, progs.c prog_redirect, toward --fwd-be-if: the
 * most any XDP forwarder gets from this path), for a bounded time.
 *
 *   generator  BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in the
 *              client namespace: a program that restores the Ethernet and IP
 *              headers (recycled pages come back as the forwarder left them)
 *              and returns XDP_TX sends the DATA frame of an established
 *              association out of the client's veth
 *   forwarder  lb: sctplb_xdp (skeleton, trace off) attached in native mode
 *              to the forwarder's client-side veth, the association put in
 *              the maps directly; kernel: the routes topo.sh sets
 *   receiver   an XDP program on backend 1's veth that counts IPv4 SCTP
 *              frames and drops them
 *
 * One process does it all, moving between the namespaces with setns(); the
 * programs it attached are detached before it exits (and go with the
 * namespaces if it dies).  Appends one JSON line per run to --json.
 *
 * One CPU carries everything: the process is pinned to one CPU (--cpu, or the
 * one it starts on), so that the forwarder's and the receiver's NAPI, which
 * the generator's transmissions schedule on its own CPU, run there.
 * Unpinned, a generator that migrates while the forwarder veth's NAPI is
 * still queued on the CPU it left keeps filling that veth's ring (256 frames)
 * with nothing draining it until the old CPU gets to it: the frames lost
 * before the forwarder of earlier runs (pa's tx_queue_0_xdp_xmit_errors).
 * Pinned, the NAPI still ran on the other CPU now and then on a loaded
 * machine: the receiver reports what it counted elsewhere, and the generator
 * keeps at most E2E_WINDOW frames in flight (prog_tx), so that no ring on the
 * path overflows whichever CPU drains it, or when.
 *
 * --gen-if: an interface of the client namespace that carries no traffic
 * (run.sh makes a veth pair left down), where the generator is attached for
 * the run.  Every BPF_PROG_TEST_RUN of an XDP program that is not attached
 * anywhere adds it to the kernel's XDP dispatcher and removes it again, each
 * with a synchronize_rcu(): ~16 ms of an idle CPU per call of 262144 frames
 * (~100 ms), time that is neither generator nor forwarder.  Attached, it
 * stays in the dispatcher and the calls follow each other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"
#include "pkt.h"
#include "bench.h"

#define E2E_TS   0x5e0000e2u
#define E2E_TC   0x7c0000e2u
#define E2E_CPORT 40000
#define E2E_PORT  5000
#define E2E_WINDOW 192  /* frames in flight at most: under the veths' 256-frame rings */

#undef DIE
#define DIE(...) do { fprintf(stderr, "bench e2e: " __VA_ARGS__); fputc('\n', stderr); \
		      cleanup(); exit(1); } while (0)

static int NS_CLI = -1, NS_FWD = -1, NS_BE = -1;
static int BE_IF, FWD_IF, GEN_IF;
static bool BE_ATTACHED, FWD_ATTACHED, GEN_ATTACHED;
static struct fx EFX;

static void enter(int ns)
{
	if (setns(ns, CLONE_NEWNET)) {
		perror("setns");
		exit(1);
	}
}

static void cleanup(void)
{
	if (BE_ATTACHED) {
		enter(NS_BE);
		bpf_xdp_detach(BE_IF, XDP_FLAGS_DRV_MODE, NULL);
		BE_ATTACHED = false;
	}
	if (GEN_ATTACHED) {
		enter(NS_CLI);
		bpf_xdp_detach(GEN_IF, XDP_FLAGS_DRV_MODE, NULL);
		GEN_ATTACHED = false;
	}
	if (FWD_ATTACHED) {
		enter(NS_FWD);
		bpf_xdp_detach(FWD_IF, XDP_FLAGS_DRV_MODE, NULL);
		FWD_ATTACHED = false;
	}
	if (EFX.skel)
		fx_unload(&EFX);
}

static int open_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "bench e2e: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int ifindex(const char *name)
{
	int i = if_nametoindex(name);

	if (!i)
		DIE("no interface %s", name);
	return i;
}

static void mac_of(const char *name, uint8_t mac[6])
{
	struct ifreq r;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&r, 0, sizeof(r));
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", name);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &r))
		DIE("MAC of %s: %s", name, strerror(errno));
	memcpy(mac, r.ifr_hwaddr.sa_data, 6);
	close(s);
}

static uint64_t sctplb_stat(int idx)
{
	uint64_t s[SCTPLB_STAT_MAX];

	fx_stats(&EFX, s);
	return s[idx];
}

/*
 * What the receiver has counted once the frames in flight have arrived:
 * polls until it has counted `want`, bounded by `deadline_s` (reached only
 * when frames were lost: they never arrive).
 */
static uint64_t settle(int cnt_map, uint64_t want, double deadline_s)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	uint64_t t0 = now_ns(), c;

	while ((c = count_read(cnt_map)) < want && (now_ns() - t0) / 1e9 < deadline_s)
		nanosleep(&ms, NULL);
	return c;
}

/* Frames the receiver counted on other CPUs than cpu (prog_count's per-CPU map). */
static uint64_t elsewhere(int cpu_map, int cpu)
{
	int n = libbpf_num_possible_cpus(), i;
	uint64_t v[n > 0 ? n : 1], sum = 0;
	__u32 zero = 0;

	if (n <= 0 || bpf_map_lookup_elem(cpu_map, &zero, v))
		return 0;
	for (i = 0; i < n; i++)
		if (i != cpu)
			sum += v[i];
	return sum;
}

/* Pins the process to cpu, or to the CPU it runs on when cpu < 0. */
static int pin(int cpu)
{
	cpu_set_t one;

	if (cpu < 0)
		cpu = sched_getcpu();
	if (cpu < 0)
		DIE("sched_getcpu: %s", strerror(errno));
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		DIE("pin to CPU %d: %s", cpu, strerror(errno));
	return cpu;
}

int e2e_main(int argc, char **argv)
{
	const char *mode = NULL, *cli_ns = NULL, *fwd_ns = NULL, *be_ns = NULL;
	const char *cli_if = NULL, *fwd_if = NULL, *be_if = NULL, *gen_if = NULL, *fwd_be_if = NULL;
	const char *src = NULL, *vip = NULL, *be_addr = NULL, *json = NULL;
	double seconds = 5;
	int round = 0, i, gen, cnt, cnt_map, cpu_map, sent_map, cli_ifx, cpu = -1;
	uint8_t dmac[6], be_mac[6], pkt[PKT_MAX];
	struct pkt_info info;
	uint64_t c0, c1, s0, t0, t1, sent, lost, tried = 0, fwd0 = 0, fwd1 = 0, base, o0, o1;
	const uint32_t R = 1 << 18;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--mode")) mode = v;
		else if (!strcmp(k, "--cli-ns")) cli_ns = v;
		else if (!strcmp(k, "--fwd-ns")) fwd_ns = v;
		else if (!strcmp(k, "--be-ns")) be_ns = v;
		else if (!strcmp(k, "--cli-if")) cli_if = v;
		else if (!strcmp(k, "--fwd-if")) fwd_if = v;
		else if (!strcmp(k, "--be-if")) be_if = v;
		else if (!strcmp(k, "--fwd-be-if")) fwd_be_if = v;
		else if (!strcmp(k, "--gen-if")) gen_if = v;
		else if (!strcmp(k, "--cpu")) cpu = atoi(v);
		else if (!strcmp(k, "--src")) src = v;
		else if (!strcmp(k, "--vip")) vip = v;
		else if (!strcmp(k, "--be-addr")) be_addr = v;
		else if (!strcmp(k, "--seconds")) seconds = atof(v);
		else if (!strcmp(k, "--round")) round = atoi(v);
		else if (!strcmp(k, "--json")) json = v;
		else {
			fprintf(stderr, "bench e2e: unknown argument %s\n", k);
			return 2;
		}
	}
	if (!mode || !cli_ns || !fwd_ns || !be_ns || !cli_if || !fwd_if || !be_if || !src ||
	    !vip || !be_addr ||
	    (strcmp(mode, "lb") && strcmp(mode, "kernel") && strcmp(mode, "floor")) ||
	    (!strcmp(mode, "floor") && !fwd_be_if)) {
		fprintf(stderr, "bench e2e: --mode kernel|lb|floor --cli-ns --fwd-ns --be-ns --cli-if "
				"--fwd-if --be-if --src --vip --be-addr [--fwd-be-if IF (floor)] "
				"[--gen-if IF] [--cpu N] [--seconds S] [--json FILE]\n");
		return 2;
	}
	cpu = pin(cpu);
	NS_CLI = open_ns(cli_ns);
	NS_FWD = open_ns(fwd_ns);
	NS_BE = open_ns(be_ns);

	/* Receiver. */
	cnt = prog_count(&cnt_map, &cpu_map);
	if (cnt < 0)
		DIE("counter");
	enter(NS_BE);
	BE_IF = ifindex(be_if);
	if (bpf_xdp_attach(BE_IF, cnt, XDP_FLAGS_DRV_MODE, NULL))
		DIE("attach the counter to %s: %s", be_if, strerror(errno));
	BE_ATTACHED = true;
	mac_of(be_if, be_mac);

	/* Forwarder. */
	enter(NS_FWD);
	FWD_IF = ifindex(fwd_if);
	mac_of(fwd_if, dmac);
	if (!strcmp(mode, "lb")) {
		const char *vips[1] = { vip };
		const char *addrs[SCTPLB_MAX_PATHS] = { be_addr };
		struct sctplb_assoc_key k = fx_assoc_key(1, E2E_TS, htons(E2E_CPORT), htons(E2E_PORT));
		struct sctplb_assoc a = { .backend_id = 1, .ctag = E2E_TC,
					  .state = SCTPLB_ASSOC_ESTABLISHED };

		if (bench_load(&EFX, 0) || fx_service(&EFX, 1, E2E_PORT, vips, 1, 0) ||
		    fx_backend(&EFX, 1, 1, SCTPLB_BE_F_ACTIVE, addrs) || fx_table_all(&EFX, 1, 1) ||
		    bpf_map_update_elem(EFX.assocs, &k, &a, BPF_ANY))
			DIE("sctplb set-up");
		if (bpf_xdp_attach(FWD_IF, EFX.prog, XDP_FLAGS_DRV_MODE, NULL))
			DIE("attach sctplb to %s: %s", fwd_if, strerror(errno));
		FWD_ATTACHED = true;
	} else if (!strcmp(mode, "floor")) {
		uint8_t smac[6];
		int fwd;

		mac_of(fwd_be_if, smac);
		fwd = prog_redirect(ifindex(fwd_be_if), be_mac, smac);
		if (fwd < 0 || bpf_xdp_attach(FWD_IF, fwd, XDP_FLAGS_DRV_MODE, NULL))
			DIE("attach the floor forwarder to %s: %s", fwd_if, strerror(errno));
		FWD_ATTACHED = true;
	}

	/* Generator. */
	enter(NS_CLI);
	cli_ifx = ifindex(cli_if);
	struct pkt_spec s = { .src = src, .dst = vip, .sport = E2E_CPORT, .dport = E2E_PORT,
			      .vtag = E2E_TS, .chunks = { CH_DATA(.body = 64) } };

	if (pkt_build(&s, dmac, pkt, &info) < 0)
		DIE("packet");
	mac_of(cli_if, pkt + 6);
	/* Ethernet and IPv4 headers */
	gen = prog_tx(pkt, info.l3 + 20, cnt_map, E2E_WINDOW, &sent_map);
	if (gen < 0)
		DIE("generator");
	if (gen_if) {
		GEN_IF = ifindex(gen_if);
		if (bpf_xdp_attach(GEN_IF, gen, XDP_FLAGS_DRV_MODE, NULL))
			DIE("attach the generator to %s: %s", gen_if, strerror(errno));
		GEN_ATTACHED = true;
	}

	struct xdp_md md = { .data_end = info.len, .ingress_ifindex = cli_ifx };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt, .data_size_in = info.len,
		.ctx_in = &md, .ctx_size_in = sizeof(md),
		.repeat = R / 4, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

	/* Warm-up, then the bounded run. */
	base = count_read(cnt_map);
	if (bpf_prog_test_run_opts(gen, &o))
		DIE("live frames: %s", strerror(errno));
	c0 = settle(cnt_map, base + count_read(sent_map), 2);
	s0 = count_read(sent_map);
	o0 = elsewhere(cpu_map, cpu);
	o.repeat = R;
	if (EFX.skel)
		fwd0 = sctplb_stat(SCTPLB_STAT_FWD);
	t0 = now_ns();
	do {
		if (bpf_prog_test_run_opts(gen, &o))
			DIE("live frames: %s", strerror(errno));
		tried += R;
		t1 = now_ns();
	} while ((t1 - t0) / 1e9 < seconds);
	sent = count_read(sent_map) - s0;
	c1 = settle(cnt_map, c0 + sent, 2); /* what is in flight arrives */
	/* Over the whole run, the warm-up's frames included: a frame that never
	 * arrives keeps the window narrower for good, whenever it was sent. */
	lost = s0 + sent - (c1 - base);
	o1 = elsewhere(cpu_map, cpu);
	if (EFX.skel)
		fwd1 = sctplb_stat(SCTPLB_STAT_FWD);

	double el = (t1 - t0) / 1e9, pps = (c1 - c0) / el;

	printf("   %-7s round %d: %.2f Mpps received (%llu of %llu sent in %.2f s, %.2f Mpps offered, "
	       "%llu lost, %llu held back, CPU %d)", mode, round, pps / 1e6,
	       (unsigned long long)(c1 - c0), (unsigned long long)sent, el, sent / el / 1e6,
	       (unsigned long long)lost, (unsigned long long)(tried - sent), cpu);
	if (o1 != o0)   /* not one CPU's work alone */
		printf(", %llu received on another CPU", (unsigned long long)(o1 - o0));
	if (EFX.skel)
		printf(", sctplb fwd %llu", (unsigned long long)(fwd1 - fwd0));
	printf("\n");
	if (json) {
		FILE *f = fopen(json, "a");

		if (!f)
			DIE("%s: %s", json, strerror(errno));
		fprintf(f, "{\"mode\": \"%s\", \"round\": %d, \"seconds\": %.3f, \"sent\": %llu, "
			"\"received\": %llu, \"pps\": %.0f, \"offered_pps\": %.0f, "
			"\"sctplb_fwd\": %llu, \"frame_bytes\": %zu, \"cpu\": %d, \"held\": %llu, "
			"\"lost\": %llu, \"received_elsewhere\": %llu}\n",
			mode, round, el, (unsigned long long)sent, (unsigned long long)(c1 - c0),
			pps, sent / el, (unsigned long long)(fwd1 - fwd0), info.len, cpu,
			(unsigned long long)(tried - sent), (unsigned long long)lost,
			(unsigned long long)(o1 - o0));
		fclose(f);
	}
	cleanup();
	return 0;
}
