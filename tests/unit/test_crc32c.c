// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_crc32c: include/sctplb_crc32c.h against an independent reference, the
 * SSE4.2 crc32 instruction (a bit-by-bit CRC where the CPU lacks it).
 *
 *  - the committed tables equal tables recomputed bit by bit;
 *  - the carry-less multiplication mod P against a bit-by-bit one, and the
 *    shift over m zero bytes against feeding m zero bytes, for every m < 65536;
 *  - known answers: RFC 3720 B.4 (iSCSI), the check value of "123456789",
 *    and a real SCTP INIT (the test packet of dpkt, captured with its CRC);
 *  - the full computation against the reference for every length 0..9000;
 *  - the incremental patch, for every offset (0..8-n and 12..L-n) and every
 *    packet length L up to 9000, of 2, 4 (also sctplb_crc32c_patch32) and 16
 *    bytes, against the reference CRC of the patched packet.  The packets are
 *    the prefixes of one random 9000-byte stream; the reference walks each
 *    patched packet byte by byte: it shares the prefix before the patch with
 *    the other patches at that offset, and walks the bytes after the patch
 *    once per offset for every length at the same time;
 *  - chains of patches (8 in a row, overlapping ones included) on random
 *    packets, each step against the reference.
 * `test_crc32c --tables` prints the tables of the header (its generator).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sctplb_crc32c.h"
#include "report.h"

#define POLY 0x82f63b78u
#define MAXLEN 9000



static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x0123456789abcdefull;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- the reference: raw register update, no inversion ---- */

static uint32_t bit_update(uint32_t c, const uint8_t *p, size_t n)
{
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
	}
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t sse_update(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64 = c, w;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		c64 = __builtin_ia32_crc32di(c64, w);
	}
	c = c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

static bool have_sse;

static uint32_t ref_update(uint32_t c, const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	if (have_sse)
		return sse_update(c, p, n);
#endif
	return bit_update(c, p, n);
}

/* The checksum field of an SCTP packet whose field bytes are already zero. */
static uint32_t ref_field(const uint8_t *p, size_t n)
{
	return sctplb_crc32c_crc_to_field(~ref_update(~0u, p, n));
}

/* a * b mod P, bit by bit. */
static uint32_t bit_mulmod(uint32_t a, uint32_t b)
{
	uint32_t r = 0;
	int i;

	for (i = 0; i < 32; i++) {
		if (a & 0x80000000u)
			r ^= b;
		a <<= 1;
		b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
	}
	return r;
}

/* ---- tables ---- */

static uint32_t tab[256], lo[256], hi[256];

static void make_tables(void)
{
	uint32_t i, c, j;

	for (i = 0; i < 256; i++) {
		uint8_t b = i;

		tab[i] = bit_update(0, &b, 1);
	}
	/* x^(8j): the polynomial 1 times x, 8j times; x^(2048j): 2048j times */
	for (c = SCTPLB_CRC32C_ONE, i = 0; i < 256; i++) {
		lo[i] = c;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
	}
	for (c = SCTPLB_CRC32C_ONE, i = 0; i < 256; i++) {
		hi[i] = c;
		for (j = 0; j < 2048; j++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
	}
}

static void print_table(const char *name, const uint32_t *t)
{
	int i;

	printf("static const __u32 %s[256] = {\n", name);
	for (i = 0; i < 256; i++)
		printf("%s0x%08x,%s", i % 6 == 0 ? "\t" : "", t[i],
		       i % 6 == 5 || i == 255 ? "\n" : " ");
	printf("};\n");
}

static void test_tables(void)
{
	int i, bad = 0;

	for (i = 0; i < 256; i++)
		bad += tab[i] != sctplb_crc32c_tab[i] || lo[i] != sctplb_crc32c_x8lo[i] ||
		       hi[i] != sctplb_crc32c_x8hi[i];
	tr_report(!bad, "the header's tables equal tables computed bit by bit",
	       "%d of 256 rows differ (regenerate: test_crc32c --tables)", bad);
}

static void test_mulmod_shift(void)
{
	static uint8_t zeros[65536];
	uint32_t i, bad = 0, bad_shift = 0, v = 0x1edc6f41u, reg;

	for (i = 0; i < 1000000; i++) {
		uint32_t a = rnd64(), b = rnd64();

		if (i < 64) /* sparse operands: the corners of the column sums */
			a = i < 32 ? 1u << i : ~0u, b = i < 32 ? ~0u : 1u << (i - 32);
		if (sctplb_crc32c_mulmod(a, b) != bit_mulmod(a, b))
			bad++;
	}
	tr_report(!bad, "carry-less multiplication mod P (1M products)", "%u wrong", bad);
	for (reg = v, i = 0; i < 65536; i++) {
		if (sctplb_crc32c_shift(v, i) != reg)
			bad_shift++;
		reg = ref_update(reg, zeros, 1);
	}
	tr_report(!bad_shift, "shift over m zero bytes, every m < 65536", "%u wrong", bad_shift);
	(void)zeros;
}

/* ---- known answers ---- */

/* dpkt's SCTP test packet: an INIT captured with its CRC32c (30 ba ef 54). */
static const uint8_t SCTP_INIT[72] = {
	0x80, 0x44, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x30, 0xba, 0xef, 0x54,
	0x01, 0x00, 0x00, 0x3c, 0x3b, 0xb9, 0x9c, 0x46, 0x00, 0x01, 0xa0, 0x00,
	0x00, 0x0a, 0xff, 0xff, 0x2b, 0x2d, 0x7e, 0xb2, 0x00, 0x05, 0x00, 0x08,
	0x9b, 0xe6, 0x18, 0x9b, 0x00, 0x05, 0x00, 0x08, 0x9b, 0xe6, 0x18, 0x9c,
	0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, 0x80, 0x00, 0x00, 0x04,
	0xc0, 0x00, 0x00, 0x04, 0xc0, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
};

/* RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU. */
static const uint8_t ISCSI_READ[48] = {
	0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_known(void)
{
	uint8_t buf[32], pkt[72], wire[4];
	struct { const char *name; uint8_t crc_bytes[4]; } v[] = {
		/* The CRC's bytes as RFC 3720 B.4 lists them (the order on the wire). */
		{ "32 bytes of zeros", { 0xaa, 0x36, 0x91, 0x8a } },
		{ "32 bytes of ones", { 0x43, 0xab, 0xa8, 0x62 } },
		{ "32 incrementing bytes", { 0x4e, 0x79, 0xdd, 0x46 } },
		{ "32 decrementing bytes", { 0x5c, 0xdb, 0x3f, 0x11 } },
		{ "SCSI Read (10) PDU", { 0x56, 0x3a, 0x96, 0xd9 } },
	};
	uint32_t crc, field, want;
	int i, j, bad = 0;

	for (i = 0; i < 5; i++) {
		for (j = 0; j < 32; j++)
			buf[j] = i == 0 ? 0 : i == 1 ? 0xff : i == 2 ? j : 31 - j;
		crc = i < 4 ? sctplb_crc32c(buf, 32) : sctplb_crc32c(ISCSI_READ, 48);
		field = sctplb_crc32c_crc_to_field(crc);
		memcpy(wire, &field, 4);  /* stored as the field is */
		if (memcmp(wire, v[i].crc_bytes, 4)) {
			bad++;
			printf("  %s: %02x %02x %02x %02x\n", v[i].name, wire[0], wire[1], wire[2],
			       wire[3]);
		}
	}
	tr_report(!bad, "RFC 3720 B.4 vectors, in wire byte order", "%d of 5 wrong", bad);
	crc = sctplb_crc32c("123456789", 9);
	tr_report(crc == 0xe3069283u, "check value of \"123456789\"", "%08x", crc);
	memcpy(pkt, SCTP_INIT, sizeof(pkt));
	memcpy(&want, pkt + 8, 4);
	field = sctplb_sctp_csum(pkt, sizeof(pkt));
	memset(pkt + 8, 0, 4);
	tr_report(field == want && ref_field(pkt, sizeof(pkt)) == want,
	       "a captured SCTP INIT: sctplb_sctp_csum equals its checksum field",
	       "%08x, field %08x", field, want);
}

/* ---- full computation ---- */

static uint8_t S[MAXLEN];

static void test_full(void)
{
	uint32_t n, bad = 0;
	double t0 = now();

	for (n = 0; n <= MAXLEN; n++)
		if (sctplb_crc32c(S, n) != ~ref_update(~0u, S, n) ||
		    (n >= 12 && sctplb_sctp_csum(S, n) != ref_field(S, n)))
			bad++;
	tr_report(!bad, "full computation, every length 0..9000", "%u wrong, %.2f s", bad, now() - t0);
}

/* ---- incremental, exhaustive ---- */

static uint32_t field_of_len[MAXLEN + 1]; /* checksum field of S[0..L) */
static uint32_t prefix[MAXLEN + 1];       /* register after S[0..o) */

static void test_exhaustive(int n, bool use32)
{
	uint64_t calls = 0, bad = 0;
	uint32_t o, L;
	char name[128];
	double t0 = now();

	for (o = 0; o + n <= MAXLEN; o++) {
		uint8_t to[16];
		uint32_t reg, i;

		if (o + n > 8 && o < 12)
			continue; /* overlaps the checksum field */
		for (i = 0; i < (uint32_t)n; i++)
			to[i] = rnd64();
		reg = ref_update(prefix[o], to, n);
		for (L = o + n; L <= MAXLEN; L++) {
			if (L >= 12) {
				uint32_t want = sctplb_crc32c_crc_to_field(~reg), got;

				if (use32) {
					uint32_t a, b;

					memcpy(&a, S + o, 4);
					memcpy(&b, to, 4);
					got = sctplb_crc32c_patch32(field_of_len[L], L, o, a, b);
				} else if (n == 2) { /* a constant n, as BPF calls it */
					got = sctplb_crc32c_patch(field_of_len[L], L, o, S + o, to, 2);
				} else if (n == 4) {
					got = sctplb_crc32c_patch(field_of_len[L], L, o, S + o, to, 4);
				} else {
					got = sctplb_crc32c_patch(field_of_len[L], L, o, S + o, to, 16);
				}
				calls++;
				if (got != want && bad++ < 5)
					printf("  n %d o %u L %u: %08x, want %08x\n", n, o, L, got, want);
			}
			if (L < MAXLEN)
				reg = ref_update(reg, S + L, 1);
		}
	}
	snprintf(name, sizeof(name), "%s of %d bytes == full CRC, every offset, every length <= 9000",
		 use32 ? "sctplb_crc32c_patch32" : "sctplb_crc32c_patch", n);
	tr_report(!bad && calls > 1000000, name, "%llu patches, %llu wrong, %.2f s",
	       (unsigned long long)calls, (unsigned long long)bad, now() - t0);
}

/* ---- chains ---- */

static void test_chains(void)
{
	static uint8_t pkt[MAXLEN];
	uint32_t c, k, bad = 0, steps = 0;

	for (c = 0; c < 4000; c++) {
		uint32_t L = 12 + rnd64() % (MAXLEN - 11), field, i, last_o = 12;

		for (i = 0; i < L; i++)
			pkt[i] = rnd64();
		memset(pkt + 8, 0, 4);
		field = ref_field(pkt, L);
		for (k = 0; k < 8; k++) {
			static const int sizes[3] = { 2, 4, 16 };
			uint32_t n = sizes[rnd64() % 3], o;
			uint8_t to[16];

			if (L < 12 + n)
				break;
			/* every other patch at the offset of the previous one */
			o = k % 2 && last_o + n <= L ? last_o : 12 + rnd64() % (L - 12 - n + 1);
			if (n == 2 && rnd64() % 4 == 0)
				o = rnd64() % 7;           /* the ports */
			if (n == 4 && rnd64() % 4 == 0)
				o = 4;                     /* the vtag */
			for (i = 0; i < n; i++)
				to[i] = rnd64();
			field = sctplb_crc32c_patch(field, L, o, pkt + o, to, n);
			memcpy(pkt + o, to, n);
			last_o = o;
			steps++;
			if (field != ref_field(pkt, L))
				bad++;
		}
	}
	tr_report(!bad, "chains of 8 patches on 4000 random packets", "%u steps, %u wrong", steps,
	       bad);
}

/* ---- speed (information only: never fails) ---- */

static void measure(void)
{
	volatile uint32_t sink = 0;
	uint32_t i, f = 0x12345678u;
	double t0 = now(), t;

	for (i = 0; i < 10000000; i++)
		f = sctplb_crc32c_patch32(f, 1500 + (i & 1023), 4, i, i * 0x9e3779b1u);
	t = now() - t0;
	sink = f;
	(void)sink;
	printf("# sctplb_crc32c_patch32 in user space: %.1f ns a call\n", t * 1e9 / 1e7);
}

int main(int argc, char **argv)
{
	uint32_t i, reg;
	double t0 = now();

	make_tables();
	if (argc > 1 && !strcmp(argv[1], "--tables")) {
		print_table("sctplb_crc32c_tab", tab);
		print_table("sctplb_crc32c_x8lo", lo);
		print_table("sctplb_crc32c_x8hi", hi);
		return 0;
	}
#if defined(__x86_64__)
	have_sse = __builtin_cpu_supports("sse4.2");
#endif
	printf("# reference: %s\n", have_sse ? "the SSE4.2 crc32 instruction" : "bit by bit");
	for (i = 0; i < MAXLEN; i++)
		S[i] = rnd64();
	memset(S + 8, 0, 4); /* the checksum field: zero while computing */
	for (reg = ~0u, i = 0; i <= MAXLEN; i++) {
		prefix[i] = reg;
		field_of_len[i] = sctplb_crc32c_crc_to_field(~reg);
		if (i < MAXLEN)
			reg = ref_update(reg, S + i, 1);
	}
	test_tables();
	test_mulmod_shift();
	test_known();
	test_full();
	test_exhaustive(2, false);
	test_exhaustive(4, false);
	test_exhaustive(4, true);
	test_exhaustive(16, false);
	test_chains();
	measure();
	printf("# test_crc32c: %.1f s\n", now() - t0);
	return tr_failures ? 1 : 0;
}
