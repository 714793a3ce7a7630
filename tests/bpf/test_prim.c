// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_prim: the routable tags and the CRC32c patch computed by BPF
 * (tests/bpf/progs/prim.bpf.c, BPF_PROG_TEST_RUN, JIT as configured) equal
 * what user space computes, byte for byte, on SCTP packets from the test
 * packet builder (IPv4 and IPv6, random payloads, up to ~3300 bytes: a test run of
 * XDP takes at most a page less head and tail room); the
 * expected checksum comes from the builder's own CRC32c (tests/bpf/lib/pkt.c),
 * not from the header under test.  Then the cost of each program, in ns per
 * run (opts.duration, repeat = 100000) and as a ratio to a trivial program
 * timed in the same round (median of 7 rounds): printed, never tr_failures on.
 *
 * Nothing is attached and nothing is pinned: the programs only run through
 * BPF_PROG_TEST_RUN, in a network namespace of the test's own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* unshare */
#endif
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "progs/prim.h"
#include "prim.skel.h"
#include "progs/prim.h"
#include "rtag.h"
#include "sctplb_crc32c.h"
#include "pkt.h"
#include "report.h"

static struct prim *skel;
static struct sctplb_rtag_key key;


static uint64_t rng_state = 0xfeedfacecafebeefull;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const uint8_t MAC[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t KEY[16] = { 0x91, 0x5d, 0x02, 0xe7, 0x4a, 0x38, 0xc6, 0x1b,
				 0x70, 0xfa, 0x26, 0x83, 0x5e, 0x0d, 0xb9, 0x44 };

/* A DATA packet, IPv4 or IPv6, vtag, a random payload of body bytes, a
 * correct CRC (the builder's). */
static size_t build(uint8_t *f, struct pkt_info *info, bool v6, uint32_t vtag, uint16_t body)
{
	struct pkt_spec s = {
		.src = v6 ? "2001:db8:f::1" : "203.0.113.1",
		.dst = v6 ? "2001:db8:f::10" : "203.0.113.10",
		.sport = 36412, .dport = 36412, .vtag = vtag,
		.chunks = { CH_DATA(.body = body) },
	};
	int n = pkt_build(&s, MAC, f, info);
	size_t i;

	if (n < 0) {
		fprintf(stderr, "test_prim: cannot build a packet\n");
		exit(1);
	}
	for (i = info->sctp + 28; i < (size_t)n; i++)   /* after the DATA header */
		f[i] = rnd64();
	pkt_sctp_set_crc(f + info->sctp, n - info->sctp);
	return n;
}

/* One run of prog on frame, repeat times; out gets the frame after it. */
static int run(struct bpf_program *prog, const uint8_t *in, size_t len, uint8_t *out,
	       uint32_t *retval, uint32_t repeat, uint32_t *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
		    .data_size_out = PKT_MAX, .repeat = repeat);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err)
		return -errno;
	if (o.data_size_out != len)
		return -EMSGSIZE;
	*retval = o.retval;
	if (duration)
		*duration = o.duration;
	return 0;
}

static void set_io(const struct pkt_info *info, size_t len)
{
	memset(&skel->bss->io, 0, sizeof(skel->bss->io));
	skel->bss->io.sctp_off = info->sctp;
	skel->bss->io.sctp_len = len - info->sctp;
}

static void test_decode(void)
{
	uint8_t f[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	int i, bad = 0, errs = 0, runs = 0;

	for (i = 0; i < 4000; i++) {
		bool own = i < 3000;    /* a tag of ours, or any vtag */
		uint32_t sid = 1 + rnd64() % 4095, nonce = rnd64(), tag, want, rv;
		size_t len;

		tag = own ? sctplb_rtag_make(&key, sid, nonce) : (uint32_t)rnd64();
		if (!tag)
			continue;
		want = own ? sid : sctplb_rtag_server(&key, tag);
		len = build(f, &info, i % 2, tag, rnd64() % 1400);
		set_io(&info, len);
		if (run(skel->progs.prim_decode, f, len, out, &rv, 1, NULL) || rv != XDP_PASS) {
			errs++;
			continue;
		}
		runs++;
		if (skel->bss->io.server != want && bad++ < 5)
			printf("  vtag %08x: BPF says server %u, user space %u\n", tag,
			       skel->bss->io.server, want);
	}
	tr_report(!bad && !errs && runs > 3900,
	       "BPF decodes vtags to the server ids user space made them for",
	       "%d packets (3000 routable tags, 1000 arbitrary vtags), %d wrong, %d tr_failures runs",
	       runs, bad, errs);
}

static void test_retag(void)
{
	uint8_t f[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	struct pkt_info info;
	int i, bad = 0, errs = 0;

	for (i = 0; i < 2000; i++) {
		uint32_t sid = 1 + rnd64() % 4095, nonce = rnd64(), tag, rv;
		size_t len = build(f, &info, i % 2, rnd64(), rnd64() % 3200);

		tag = sctplb_rtag_make(&key, sid, nonce);
		if (!tag)
			continue;
		set_io(&info, len);
		skel->bss->io.server_id = sid;
		skel->bss->io.nonce = nonce;
		memcpy(want, f, len);
		*(uint32_t *)(want + info.sctp + 4) = htonl(tag);
		pkt_sctp_set_crc(want + info.sctp, len - info.sctp);
		if (run(skel->progs.prim_retag, f, len, out, &rv, 1, NULL) || rv != XDP_PASS ||
		    skel->bss->io.err) {
			errs++;
			continue;
		}
		if ((memcmp(out, want, len) || skel->bss->io.tag != tag) && bad++ < 5)
			printf("  %s len %zu: tag %08x (want %08x), crc %08x (want %08x)\n",
			       i % 2 ? "IPv6" : "IPv4", len, skel->bss->io.tag, tag,
			       *(uint32_t *)(out + info.sctp + 8), *(uint32_t *)(want + info.sctp + 8));
	}
	tr_report(!bad && !errs, "BPF retag (make + vtag + patch32) == user space make + full CRC",
	       "2000 packets of 40..3300 bytes, %d wrong, %d tr_failures runs", bad, errs);
}

static void test_patch(void)
{
	static const uint32_t sizes[3] = { 2, 4, 16 };
	uint8_t f[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	struct pkt_info info;
	int i, bad = 0, errs = 0;

	for (i = 0; i < 3000; i++) {
		uint32_t n = sizes[i % 3], off, rv, j;
		size_t len = build(f, &info, (i / 3) % 2, rnd64(), rnd64() % 3200), slen;

		slen = len - info.sctp;
		if (n < 16 && rnd64() % 8 == 0)
			off = rnd64() % (8 - n + 1);          /* ports, vtag */
		else
			off = 12 + rnd64() % (slen - 12 - n + 1);
		set_io(&info, len);
		skel->bss->io.patch_off = off;
		skel->bss->io.patch_len = n;
		for (j = 0; j < n; j++)
			skel->bss->io.patch_to[j] = rnd64();
		memcpy(want, f, len);
		memcpy(want + info.sctp + off, skel->bss->io.patch_to, n);
		pkt_sctp_set_crc(want + info.sctp, slen);
		if (run(skel->progs.prim_patch, f, len, out, &rv, 1, NULL) || rv != XDP_PASS ||
		    skel->bss->io.err) {
			errs++;
			continue;
		}
		if (memcmp(out, want, len) && bad++ < 5)
			printf("  n %u off %u len %zu: crc %08x, want %08x\n", n, off, slen,
			       *(uint32_t *)(out + info.sctp + 8), *(uint32_t *)(want + info.sctp + 8));
	}
	tr_report(!bad && !errs, "BPF patch of 2, 4 and 16 bytes at any offset == full CRC",
	       "3000 packets, %d wrong, %d tr_failures runs", bad, errs);
}

static void test_full(void)
{
	uint8_t f[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	struct pkt_info info;
	int i, bad = 0, errs = 0;

	for (i = 0; i < 600; i++) {
		size_t len = build(f, &info, i % 2, rnd64(), i < 64 ? (uint16_t)i : rnd64() % 3200);
		uint32_t rv;

		memcpy(want, f, len);
		f[info.sctp + 8 + rnd64() % 4] ^= 1 + rnd64() % 255; /* a wrong CRC */
		set_io(&info, len);
		if (run(skel->progs.prim_full, f, len, out, &rv, 1, NULL) || rv != XDP_PASS ||
		    skel->bss->io.err) {
			errs++;
			continue;
		}
		if (memcmp(out, want, len) && bad++ < 5)
			printf("  len %zu: crc %08x, want %08x\n", len - info.sctp,
			       *(uint32_t *)(out + info.sctp + 8), *(uint32_t *)(want + info.sctp + 8));
	}
	tr_report(!bad && !errs, "BPF full CRC (bpf_loop over 64-byte blocks) == the builder's",
	       "600 packets of 40..3300 bytes, %d wrong, %d tr_failures runs", bad, errs);
}

/* ---- cost ---- */

#define ROUNDS 7
#define REPEAT 100000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_cost(void)
{
	struct { const char *name; struct bpf_program *prog; } p[] = {
		{ "decode (map lookup + sctplb_rtag_server)", skel->progs.prim_decode },
		{ "retag (sctplb_rtag_make + vtag + patch32)", skel->progs.prim_retag },
		{ "patch32 alone", skel->progs.prim_patch32 },
		{ "make alone (map lookup + sctplb_rtag_make)", skel->progs.prim_make },
		{ "patch of 16 bytes", skel->progs.prim_patch },
		{ "full CRC", skel->progs.prim_full },
	};
	enum { NP = sizeof(p) / sizeof(p[0]) };
	double ns[NP][ROUNDS], ratio[NP][ROUNDS], floor_ns[ROUNDS], added[NP];
	char summary[256], *sp = summary;
	uint8_t f[PKT_MAX], out[PKT_MAX];
	struct pkt_info info;
	size_t len = build(f, &info, false, 0x1234567, 1400);
	uint32_t d0, d1, d, rv;
	int r, i, errs = 0;

	for (r = 0; r < ROUNDS; r++) {
		set_io(&info, len);
		skel->bss->io.server_id = 77;
		skel->bss->io.nonce = 12345;
		skel->bss->io.tag = 0xabcdef01;
		skel->bss->io.patch_off = 100;
		skel->bss->io.patch_len = 16;
		errs += !!run(skel->progs.prim_trivial, f, len, out, &rv, REPEAT, &d0);
		for (i = 0; i < NP; i++) {
			errs += !!run(p[i].prog, f, len, out, &rv, REPEAT, &d);
			ns[i][r] = d;
		}
		errs += !!run(skel->progs.prim_trivial, f, len, out, &rv, REPEAT, &d1);
		floor_ns[r] = (d0 + d1) / 2.0;
		for (i = 0; i < NP; i++)
			ratio[i][r] = floor_ns[r] > 0 ? ns[i][r] / floor_ns[r] : 0;
	}
	qsort(floor_ns, ROUNDS, sizeof(double), cmp_double);
	printf("# cost on an IPv4 DATA packet of %zu bytes (SCTP %zu), repeat=%d, median of %d "
	       "rounds; trivial program %.0f ns\n", len, len - info.sctp, REPEAT, ROUNDS,
	       floor_ns[ROUNDS / 2]);
	for (i = 0; i < NP; i++) {
		double extra[ROUNDS];

		for (r = 0; r < ROUNDS; r++)
			extra[r] = ns[i][r] - floor_ns[r];
		qsort(ns[i], ROUNDS, sizeof(double), cmp_double);
		qsort(ratio[i], ROUNDS, sizeof(double), cmp_double);
		qsort(extra, ROUNDS, sizeof(double), cmp_double);
		printf("#   %-44s %6.0f ns  x%.2f of trivial  (+%.0f ns)\n", p[i].name,
		       ns[i][ROUNDS / 2], ratio[i][ROUNDS / 2], extra[ROUNDS / 2]);
		added[i] = extra[ROUNDS / 2];
	}
	sp += snprintf(sp, sizeof(summary), "trivial %.0f ns; added: decode %.0f, retag %.0f, "
		       "patch32 %.0f, make %.0f, patch16 %.0f, full CRC of %zu bytes %.0f ns",
		       floor_ns[ROUNDS / 2], added[0], added[1], added[2], added[3], added[4],
		       len - info.sctp, added[5]);
	tr_report(!errs, "costs measured (information only)", "%s; %d tr_failures runs", summary, errs);
}

int main(void)
{
	char err[256];
	__u32 zero = 0;

	if (unshare(CLONE_NEWNET)) {
		printf("FAIL test_prim: cannot enter a network namespace of its own: %s\n",
		       strerror(errno));
		return 1;
	}
	skel = prim__open_and_load();
	if (!skel) {
		printf("FAIL test_prim: cannot load tests/bpf/progs/prim.bpf.c (verifier log above)\n");
		return 1;
	}
	if (lb_rtag_key_expand(KEY, 12, &key, err, sizeof(err)) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.rtag_key), &zero, &key, BPF_ANY)) {
		printf("FAIL test_prim: cannot set the key: %s\n", err);
		prim__destroy(skel);
		return 1;
	}
	test_decode();
	test_retag();
	test_patch();
	test_full();
	test_cost();
	prim__destroy(skel);
	return tr_failures ? 1 : 0;
}
