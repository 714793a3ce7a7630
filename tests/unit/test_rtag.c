// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_rtag: routable tags (include/sctplb_rtag.h) and their key
 * (user/lib/rtag.c).
 *
 *  - SipHash-2-4 against the reference vectors; the round keys depend on
 *    the key and on sid_bits;
 *  - every server id of every width (sid_bits 4..16) round-trips through
 *    sctplb_rtag_make / sctplb_rtag_server with 40 nonces each (the first,
 *    the last, 38 random); tags are never 0, and the one (server, nonce)
 *    whose tag would be 0 gets 0 from make; out-of-range input gives 0;
 *  - decrypt(encrypt(p)) == p, which makes E injective, hence a bijection:
 *    on 2^25 values (2^24 consecutive from 0 and 2^24 spread over the
 *    space); on all 2^32 with SCTPLB_TEST_FULL=1 (about a minute);
 *  - without the key, 1M tags of ONE server (consecutive nonces, and random
 *    nonces) look like random 32-bit values: a battery of statistics (see
 *    battery()); each statistic is reduced to a z-score and must satisfy
 *    |z| <= Z_MAX = 6.4, two-sided p = 1.6e-10 per statistic; with about
 *    580 statistics per battery and 4 batteries, a random permutation fails
 *    the test with probability < 4e-7.  Keys and seeds are fixed, so the
 *    test is deterministic.  The same battery must reject weak
 *    permutations (a key XOR; E cut to 2, 3 or 4 rounds), or it has no
 *    power: it cannot tell 5 rounds from random, E has 8;
 *  - another key (or another width) decodes the tags of one server to
 *    server ids spread evenly over every id: no key, no information;
 *  - key files: the good ones, and every bad one with its message.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rtag.h"
#include "report.h"



static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: the fixed-seed generator of nonces and keys. */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const uint8_t KEY_A[16] = { 0x3c, 0x8e, 0x1f, 0x55, 0x90, 0x02, 0xd7, 0x6b,
				   0xa4, 0x19, 0xee, 0x70, 0x2d, 0xb3, 0x48, 0xc1 };
static const uint8_t KEY_B[16] = { 0x3c, 0x8e, 0x1f, 0x55, 0x90, 0x02, 0xd7, 0x6b,
				   0xa4, 0x19, 0xee, 0x70, 0x2d, 0xb3, 0x48, 0xc0 };

static struct sctplb_rtag_key expand(const uint8_t *key, unsigned int sid_bits)
{
	struct sctplb_rtag_key k;
	char err[256];

	if (lb_rtag_key_expand(key, sid_bits, &k, err, sizeof(err))) {
		fprintf(stderr, "expand: %s\n", err);
		exit(1);
	}
	return k;
}

/* ---- SipHash and the expansion ---- */

static void test_siphash(void)
{
	static const struct { size_t len; uint64_t want; } v[] = {
		/* veorq/SipHash vectors.h: key 00..0f, message 00..len-1 */
		{ 0, 0x726fdb47dd0e0e31ull }, { 1, 0x74f839c593dc67fdull },
		{ 7, 0xab0200f58b01d137ull }, { 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull },
	};
	uint8_t key[16], msg[16];
	size_t i, bad = 0;

	for (i = 0; i < 16; i++)
		key[i] = msg[i] = i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (lb_siphash24(key, msg, v[i].len) != v[i].want) {
			bad++;
			printf("  len %zu: %016llx, want %016llx\n", v[i].len,
			       (unsigned long long)lb_siphash24(key, msg, v[i].len),
			       (unsigned long long)v[i].want);
		}
	tr_report(!bad, "siphash24 reference vectors", "%zu of %zu differ", bad,
	       sizeof(v) / sizeof(v[0]));
}

static void test_expand(void)
{
	struct sctplb_rtag_key a = expand(KEY_A, 12), a2 = expand(KEY_A, 12);
	struct sctplb_rtag_key b = expand(KEY_B, 12), w = expand(KEY_A, 13);
	struct sctplb_rtag_key out = { .sid_bits = 99 };
	int same_b = 0, same_w = 0, i, e1, e2;
	char err[256] = "";

	for (i = 0; i < SCTPLB_RTAG_ROUNDS; i++) {
		same_b += a.rk[i] == b.rk[i];
		same_w += a.rk[i] == w.rk[i];
	}
	tr_report(!memcmp(&a, &a2, sizeof(a)) && a.sid_bits == 12 && !same_b && !same_w,
	       "expansion: deterministic, every round key changes with one key bit or sid_bits",
	       "equal round keys: %d with the other key, %d with sid_bits 13", same_b, same_w);
	e1 = lb_rtag_key_expand(KEY_A, 3, &out, err, sizeof(err));
	e2 = lb_rtag_key_expand(KEY_A, 17, &out, err, sizeof(err));
	tr_report(e1 == -EINVAL && e2 == -EINVAL && out.sid_bits == 99 && strstr(err, "4 to 16"),
	       "expansion refuses sid_bits 3 and 17", "%d %d '%s'", e1, e2, err);
	for (i = 0, same_b = 0; i < SCTPLB_RTAG_ROUNDS; i++)
		same_b += lb_rtag_key_id(KEY_A) == a.rk[i];
	tr_report(lb_rtag_key_id(KEY_A) == lb_rtag_key_id(KEY_A) &&
	       lb_rtag_key_id(KEY_A) != lb_rtag_key_id(KEY_B) && !same_b,
	       "key id: deterministic, differs with one key bit, is no round key",
	       "%08x %08x", lb_rtag_key_id(KEY_A), lb_rtag_key_id(KEY_B));
	tr_report(sizeof(struct sctplb_rtag_key) == 4 * SCTPLB_RTAG_ROUNDS + 4,
	       "the map value is small", "%zu bytes", sizeof(struct sctplb_rtag_key));
}

/* ---- round trips ---- */

/*
 * The tag format, pinned: the round function against its defining form
 * (lowbias32 of the doubled half under the round key, include/sctplb_rtag.h)
 * for every 16-bit half and 256 keys; tags of KEY_A made before the round
 * was computed in its folded form (a digest of 2^20, and three by value); and
 * the server decode, which skips the last round, against the full
 * decryption's high bits.  A change of any of these would re-route every
 * association of a running agent's tags.
 */
static uint32_t ref_round(uint32_t rk, uint32_t half)
{
	uint32_t x = (half << 16 | half) ^ rk;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x >> 16;
}

static void test_format(void)
{
	struct sctplb_rtag_key k = expand(KEY_A, 12);
	unsigned long bad = 0, badsrv = 0, n = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int sb;
	uint32_t i, j;

	rng_state = 77;
	for (j = 0; j < 256; j++) {
		uint32_t rk = j < 2 ? (j ? 0xffffffffu : 0) : (uint32_t)rnd64();

		for (i = 0; i < 65536; i++)
			bad += sctplb_rtag_round(rk, i) != ref_round(rk, i);
	}
	tr_report(!bad, "the round function is lowbias32 of the doubled half under the key",
		  "%lu of %u differ", bad, 256 * 65536);
	for (i = 0; i < (1u << 20); i++)
		h = (h ^ sctplb_rtag_encrypt(&k, i * 0x9e3779b1u)) * 0x100000001b3ull;
	tr_report(h == 0x2ea2c9a71f0ee78dull && sctplb_rtag_make(&k, 7, 5) == 0x09d4c840u &&
		  sctplb_rtag_make(&k, 4095, 0xfffff) == 0xa3ef90a7u &&
		  sctplb_rtag_server(&k, 0x12345678) == 1225 &&
		  sctplb_rtag_nonce(&k, 0x12345678) == 111724,
		  "KEY_A's tags are the format's (known answers)", "digest %016llx",
		  (unsigned long long)h);
	for (sb = SCTPLB_RTAG_SID_BITS_MIN; sb <= SCTPLB_RTAG_SID_BITS_MAX; sb++) {
		k = expand(sb & 1 ? KEY_A : KEY_B, sb);
		for (i = 0; i < 65536; i++) {
			uint32_t t = (uint32_t)rnd64() | 1;

			n++;
			badsrv += sctplb_rtag_server(&k, t) != sctplb_rtag_decrypt(&k, t) >> (32 - sb);
		}
	}
	tr_report(!badsrv, "the server decode (7 rounds) is the decryption's high bits",
		  "%lu of %lu tags, widths 4..16", badsrv, n);
}

static void test_roundtrip(void)
{
	unsigned long calls = 0, bad = 0, zero = 0, zero_expected = 0;
	unsigned int sb;
	double t0 = now();

	for (sb = SCTPLB_RTAG_SID_BITS_MIN; sb <= SCTPLB_RTAG_SID_BITS_MAX; sb++) {
		struct sctplb_rtag_key k = expand(KEY_A, sb);
		uint32_t nmask = (1u << (32 - sb)) - 1, sid, j, p0 = sctplb_rtag_decrypt(&k, 0);
		uint32_t sid0 = p0 >> (32 - sb), nonce0 = p0 & nmask;

		rng_state = sb;
		for (sid = 1; sid < 1u << sb; sid++) {
			for (j = 0; j < 40; j++) {
				uint32_t nonce = j == 0 ? 0 : j == 1 ? nmask : (uint32_t)rnd64();
				uint32_t t;

				if (sid == sid0 && j == 2)
					nonce = nonce0; /* the one whose tag would be 0 */
				t = sctplb_rtag_make(&k, sid, nonce);
				calls++;
				if (!t) {
					zero++;
					if (sid != sid0 || (nonce & nmask) != nonce0)
						bad++;
					else
						zero_expected++;
					continue;
				}
				if (sctplb_rtag_server(&k, t) != sid ||
				    sctplb_rtag_nonce(&k, t) != (nonce & nmask) ||
				    t != sctplb_rtag_encrypt(&k, sid << (32 - sb) | (nonce & nmask))) {
					if (bad++ < 5)
						printf("  sid_bits %u server %u nonce %u: tag %08x decodes to "
						       "%u/%u\n", sb, sid, nonce, t,
						       sctplb_rtag_server(&k, t), sctplb_rtag_nonce(&k, t));
				}
			}
		}
		/* sid0 == 0: the zero tag belongs to the reserved server, never made. */
		if (sid0 == 0)
			zero_expected++, zero++;
	}
	tr_report(!bad && zero == zero_expected && zero == 13,
	       "every server id of every width 4..16 round-trips, no tag 0",
	       "%lu tags, %lu wrong, %lu zero (%lu expected: one (server, nonce) per width "
	       "encrypts to 0), %.2f s", calls, bad, zero, zero_expected, now() - t0);
}

static void test_edges(void)
{
	struct sctplb_rtag_key k = expand(KEY_A, 12), badk = k;
	int bad = 0;

	bad += sctplb_rtag_make(&k, 0, 5) != 0;             /* reserved */
	bad += sctplb_rtag_make(&k, 4096, 5) != 0;          /* 13 bits */
	bad += sctplb_rtag_make(&k, 4095, 5) == 0;          /* 12 bits: fine */
	bad += sctplb_rtag_server(&k, 0) != 0;
	/* The nonce keeps its low 20 bits. */
	bad += sctplb_rtag_make(&k, 7, 0xfff00005) != sctplb_rtag_make(&k, 7, 5);
	badk.sid_bits = 3;
	bad += sctplb_rtag_make(&badk, 1, 5) != 0 || sctplb_rtag_server(&badk, 1234) != 0;
	badk.sid_bits = 17;
	bad += sctplb_rtag_make(&badk, 1, 5) != 0 || sctplb_rtag_server(&badk, 1234) != 0;
	tr_report(!bad, "server 0, a too-wide server id, tag 0 and a bad width give 0; "
	       "the nonce is masked", "%d wrong", bad);
}

static void test_bijection(void)
{
	struct sctplb_rtag_key k = expand(KEY_A, 12);
	bool full = getenv("SCTPLB_TEST_FULL") != NULL;
	uint64_t n = 0, bad = 0, i, lim = full ? (1ull << 32) : (1ull << 24);
	double t0 = now();

	for (i = 0; i < lim; i++, n++) {
		uint32_t p = i;

		if (sctplb_rtag_decrypt(&k, sctplb_rtag_encrypt(&k, p)) != p)
			bad++;
	}
	if (!full) {
		for (i = 0; i < lim; i++, n++) {
			uint32_t p = (uint32_t)(i * 0x9e3779b1u + 0x7f4a7c15u); /* odd step: distinct */

			if (sctplb_rtag_decrypt(&k, sctplb_rtag_encrypt(&k, p)) != p)
				bad++;
		}
	}
	tr_report(!bad, full ? "decrypt(encrypt(p)) == p for all 2^32 p: a bijection"
			  : "decrypt(encrypt(p)) == p on 2^25 p (SCTPLB_TEST_FULL=1: all 2^32)",
	       "%llu values, %llu wrong, %.1f s", (unsigned long long)n,
	       (unsigned long long)bad, now() - t0);
}

/* ---- statistics ---- */

#define NTAGS 1000000
#define Z_MAX 6.4

/* A chi-square of k degrees of freedom as a z-score (Wilson-Hilferty). */
static double chi2_z(double x, double k)
{
	double v = 2.0 / (9.0 * k);

	return (cbrt(x / k) - (1.0 - v)) / sqrt(v);
}

static double chi2_hist(const uint32_t *h, size_t bins, double total)
{
	double e = total / bins, x = 0;
	size_t i;

	for (i = 0; i < bins; i++)
		x += (h[i] - e) * (h[i] - e) / e;
	return x;
}

struct stat_result {
	int n;                 /* statistics computed */
	int bad;               /* |z| > Z_MAX */
	double worst;          /* largest |z| */
	char worst_name[64];
};

static void judge(struct stat_result *r, const char *name, int idx, double z)
{
	r->n++;
	if (fabs(z) > Z_MAX)
		r->bad++;
	if (fabs(z) > r->worst) {
		r->worst = fabs(z);
		snprintf(r->worst_name, sizeof(r->worst_name), idx >= 0 ? "%s %d" : "%s", name, idx);
	}
}

static uint32_t hist16[65536], hist16b[65536];

/*
 * The battery, over n tags in the order made:
 *   - per-bit frequency (32), and their sum of squares as a chi-square(32);
 *   - pairwise bit agreement (496 pairs), and their sum of squares;
 *   - byte value chi-square per byte (4, 255 df), and of the high and the
 *     low 16 bits (65535 df);
 *   - consecutive tags: per-bit runs (32: a bit flips between neighbours
 *     half the time) and their sum of squares; runs up and down of the
 *     values (Wald-Wolfowitz: mean (2n-1)/3, variance (16n-29)/90); serial
 *     chi-square of non-overlapping pairs of the high byte and of the low
 *     byte (65535 df); chi-square of the high 16 bits of the difference of
 *     neighbours.
 * Every statistic both ways: a permutation too regular to be random (a
 * perfectly even spread from consecutive nonces) fails as surely as a
 * biased one.
 */
static struct stat_result battery(const uint32_t *t, size_t n)
{
	static uint32_t ones[32], pair11[32][32], flips[32];
	uint32_t hb[4][256];
	struct stat_result r = { 0 };
	double sum2, q = sqrt(n / 4.0);
	size_t i, runs = 1;
	int b, c;

	memset(ones, 0, sizeof(ones));
	memset(pair11, 0, sizeof(pair11));
	memset(flips, 0, sizeof(flips));
	memset(hb, 0, sizeof(hb));
	for (i = 0; i < n; i++) {
		uint32_t x = t[i], y = x;

		while (y) {
			b = __builtin_ctz(y);
			y &= y - 1;
			ones[b]++;
			for (uint32_t z = y; z; z &= z - 1)
				pair11[b][__builtin_ctz(z)]++;
		}
		for (b = 0; b < 4; b++)
			hb[b][(x >> (8 * b)) & 0xff]++;
		if (i) {
			uint32_t f = x ^ t[i - 1];

			while (f) {
				flips[__builtin_ctz(f)]++;
				f &= f - 1;
			}
			/* runs up and down: a new run where the direction changes */
			if (i >= 2 && ((t[i - 1] > t[i - 2]) != (x > t[i - 1])))
				runs++;
		}
	}
	for (sum2 = 0, b = 0; b < 32; b++) {
		double z = (ones[b] - n / 2.0) / q;

		judge(&r, "bit frequency, bit", b, z);
		sum2 += z * z;
	}
	judge(&r, "bit frequencies, chi-square(32)", -1, chi2_z(sum2, 32));
	for (sum2 = 0, b = 0; b < 32; b++) {
		for (c = b + 1; c < 32; c++) {
			/* agreements = n - ones[b] - ones[c] + 2 * both */
			double agree = (double)n - ones[b] - ones[c] + 2.0 * pair11[b][c];
			double z = (agree - n / 2.0) / q;

			judge(&r, "bit pair agreement, pair", b * 32 + c, z);
			sum2 += z * z;
		}
	}
	judge(&r, "bit pairs, chi-square(496)", -1, chi2_z(sum2, 496));
	for (b = 0; b < 4; b++)
		judge(&r, "byte chi-square(255), byte", b, chi2_z(chi2_hist(hb[b], 256, n), 255));
	memset(hist16, 0, sizeof(hist16));
	memset(hist16b, 0, sizeof(hist16b));
	for (i = 0; i < n; i++) {
		hist16[t[i] >> 16]++;
		hist16b[t[i] & 0xffff]++;
	}
	judge(&r, "high 16 bits chi-square(65535)", -1, chi2_z(chi2_hist(hist16, 65536, n), 65535));
	judge(&r, "low 16 bits chi-square(65535)", -1, chi2_z(chi2_hist(hist16b, 65536, n), 65535));
	/* neighbours */
	q = sqrt((n - 1) / 4.0);
	for (sum2 = 0, b = 0; b < 32; b++) {
		double z = (flips[b] - (n - 1) / 2.0) / q;

		judge(&r, "runs of bit", b, z);
		sum2 += z * z;
	}
	judge(&r, "bit runs, chi-square(32)", -1, chi2_z(sum2, 32));
	judge(&r, "runs up and down", -1,
	      (runs - (2.0 * n - 1) / 3.0) / sqrt((16.0 * n - 29) / 90.0));
	for (c = 0; c < 2; c++) {
		int sh = c ? 0 : 24;

		memset(hist16, 0, sizeof(hist16));
		for (i = 0; i + 1 < n; i += 2)
			hist16[((t[i] >> sh) & 0xff) << 8 | ((t[i + 1] >> sh) & 0xff)]++;
		judge(&r, c ? "serial pairs of the low byte, chi-square(65535)"
			    : "serial pairs of the high byte, chi-square(65535)", -1,
		      chi2_z(chi2_hist(hist16, 65536, n / 2), 65535));
	}
	memset(hist16, 0, sizeof(hist16));
	for (i = 1; i < n; i++)
		hist16[(uint32_t)(t[i] - t[i - 1]) >> 16]++;
	judge(&r, "differences of neighbours, chi-square(65535)", -1,
	      chi2_z(chi2_hist(hist16, 65536, n - 1), 65535));
	return r;
}

static uint32_t tags[NTAGS];

/* The weak permutations the battery must reject. */
static uint32_t weak_xor(const struct sctplb_rtag_key *k, uint32_t p)
{
	return p ^ k->rk[0];
}

/* The first weak_nrounds rounds of E. */
static int weak_nrounds;

static uint32_t weak_rounds(const struct sctplb_rtag_key *k, uint32_t p)
{
	uint32_t l = p >> 16, r = p & 0xffff;
	int i;

	for (i = 0; i < weak_nrounds; i++) {
		if (i % 2 == 0)
			r ^= sctplb_rtag_round(k->rk[i], l);
		else
			l ^= sctplb_rtag_round(k->rk[i], r);
	}
	return weak_nrounds % 2 ? r << 16 | l : l << 16 | r;
}

enum nonces { CONSECUTIVE, RANDOM };

/*
 * NTAGS tags of one server (sid_bits 12) by the given permutation.  Random
 * nonces are distinct (the first NTAGS of a shuffle of every nonce), as the
 * agent keeps the tags of its associations unique: drawn with replacement
 * from 2^20, a third of them would repeat, and repeated tags are not what
 * random 32-bit values look like.
 */
static uint32_t shuffled[1u << 20];

static void make_tags(const struct sctplb_rtag_key *k, uint32_t sid, enum nonces how,
		      uint32_t (*weak)(const struct sctplb_rtag_key *, uint32_t))
{
	uint32_t i, nonce, nbits = 32 - k->sid_bits, nmask = (1u << nbits) - 1;

	rng_state = 0x5eed0000u + sid;
	if (how == RANDOM) {
		for (i = 0; i <= nmask; i++)
			shuffled[i] = i;
		for (i = nmask; i > 0; i--) {
			uint32_t j = rnd64() % (i + 1), x = shuffled[i];

			shuffled[i] = shuffled[j];
			shuffled[j] = x;
		}
	}
	for (i = 0; i < NTAGS; i++) {
		nonce = how == CONSECUTIVE ? i : shuffled[i];
		tags[i] = weak ? weak(k, sid << nbits | nonce) : sctplb_rtag_make(k, sid, nonce);
		if (!weak && !tags[i])  /* the caller takes the next nonce */
			tags[i] = sctplb_rtag_make(k, sid, nonce + 1);
	}
}

static void test_statistics(void)
{
	static const struct { const uint8_t *key; uint32_t sid; enum nonces how; } c[] = {
		{ KEY_A, 1234, CONSECUTIVE }, { KEY_A, 1234, RANDOM },
		{ KEY_B, 1, CONSECUTIVE }, { KEY_B, 4095, RANDOM },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct sctplb_rtag_key k = expand(c[i].key, 12);
		struct stat_result r;
		char name[160];
		double t0 = now();

		make_tags(&k, c[i].sid, c[i].how, NULL);
		r = battery(tags, NTAGS);
		snprintf(name, sizeof(name), "1M tags of server %u (key %c, %s nonces) look random",
			 c[i].sid, c[i].key == KEY_A ? 'A' : 'B',
			 c[i].how == CONSECUTIVE ? "consecutive" : "random");
		tr_report(!r.bad && r.n > 500, name,
		       "%d statistics, %d with |z| > %.1f; largest |z| %.2f (%s); %.2f s", r.n,
		       r.bad, Z_MAX, r.worst, r.worst_name, now() - t0);
	}
}

/*
 * The battery's power: it must reject a key XOR and E cut to 2, 3 and 4
 * rounds (consecutive nonces).  It does not reject 5 rounds: E has 8, twice
 * the rounds that this battery can tell from random.  The full 8 rounds
 * through weak_rounds must give the tags of sctplb_rtag_make.
 */
static void test_battery_power(void)
{
	struct sctplb_rtag_key k = expand(KEY_A, 12);
	struct stat_result r;
	char name[96];
	uint32_t i, same = 0;

	make_tags(&k, 1234, CONSECUTIVE, weak_xor);
	r = battery(tags, NTAGS);
	tr_report(r.bad > 0, "the battery rejects tags = P ^ key", "%d statistics fail (worst |z| %.0f, %s)",
	       r.bad, r.worst, r.worst_name);
	for (weak_nrounds = 2; weak_nrounds <= 4; weak_nrounds++) {
		make_tags(&k, 1234, CONSECUTIVE, weak_rounds);
		r = battery(tags, NTAGS);
		snprintf(name, sizeof(name), "the battery rejects %d Feistel rounds", weak_nrounds);
		tr_report(r.bad > 0, name, "%d statistics fail (worst |z| %.1f, %s)", r.bad, r.worst,
		       r.worst_name);
	}
	weak_nrounds = SCTPLB_RTAG_ROUNDS;
	for (i = 0; i < 1000; i++)
		same += weak_rounds(&k, 1234u << 20 | i) == sctplb_rtag_make(&k, 1234, i);
	tr_report(same == 1000, "the reduced-round reference at full rounds is E", "%u of 1000", same);
}

/* Another key, or another width, decodes tags to evenly spread server ids. */
static void test_other_key(void)
{
	static uint32_t h[1 << 12];
	struct sctplb_rtag_key ka = expand(KEY_A, 12), kb = expand(KEY_B, 12);
	struct sctplb_rtag_key kw = expand(KEY_A, 13);
	const uint32_t sid = 1234;
	uint32_t i, same = 0, same_w = 0;
	double z, zs, p = 1.0 / 4096;

	make_tags(&ka, sid, CONSECUTIVE, NULL);
	memset(h, 0, sizeof(h));
	for (i = 0; i < NTAGS; i++) {
		uint32_t s = sctplb_rtag_server(&kb, tags[i]);

		h[s]++;
		same += s == sid;
		same_w += sctplb_rtag_server(&kw, tags[i]) >> 1 == sid;
	}
	z = chi2_z(chi2_hist(h, 4096, NTAGS), 4095);
	zs = (same - NTAGS * p) / sqrt(NTAGS * p * (1 - p));
	tr_report(fabs(z) <= Z_MAX && fabs(zs) <= Z_MAX && same_w < NTAGS / 100,
	       "a key differing in one bit decodes 1M tags of one server to spread ids",
	       "ids chi-square(4095) z = %.2f; the true id %u times (%.0f expected, z = %.2f); "
	       "with sid_bits 13 the true id %u times", z, same, NTAGS * p, zs, same_w);
}

/* ---- key files ---- */

static char dir[64];

static const char *put(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) || chmod(path, mode)) {
		perror(path);
		exit(1);
	}
	return path;
}

static void test_keyfile(void)
{
	static const struct {
		const char *name, *text;
		int len;        /* -1: strlen */
		mode_t mode;
		int err;        /* 0: good */
		const char *msg;
	} c[] = {
		{ "lower, newline", "3c8e1f559002d76ba419ee702db348c1\n", -1, 0600, 0, NULL },
		{ "upper, no newline", "3C8E1F559002D76BA419EE702DB348C1", -1, 0400, 0, NULL },
		{ "mode 0644", "3c8e1f559002d76ba419ee702db348c1\n", -1, 0644, -EPERM, "chmod 600" },
		{ "mode 0640", "3c8e1f559002d76ba419ee702db348c1\n", -1, 0640, -EPERM, "mode 0640" },
		{ "mode 0602", "3c8e1f559002d76ba419ee702db348c1\n", -1, 0602, -EPERM, "group or others" },
		{ "empty", "", 0, 0600, -EINVAL, "empty" },
		{ "31 digits", "3c8e1f559002d76ba419ee702db348c\n", -1, 0600, -EINVAL, "only 31 characters" },
		{ "33 digits", "3c8e1f559002d76ba419ee702db348c12\n", -1, 0600, -EINVAL, "has 33 characters" },
		{ "a g", "3c8e1g559002d76ba419ee702db348c1\n", -1, 0600, -EINVAL, "character 6 is 'g'" },
		{ "a space", "3c8e 1f559002d76ba419ee702db348c1\n", -1, 0600, -EINVAL, "character 5 is a space" },
		{ "CRLF", "3c8e1f559002d76ba419ee702db348c1\r\n", -1, 0600, -EINVAL, "character 33 is a carriage return" },
		{ "two newlines", "3c8e1f559002d76ba419ee702db348c1\n\n", -1, 0600, -EINVAL, "character 33 is a newline" },
		{ "0x prefix", "0x3c8e1f559002d76ba419ee702db348c1\n", -1, 0600, -EINVAL, "character 2 is 'x'" },
		{ "NUL", "3c8e1f559002d76b\0a419ee702db348c1\n", 34, 0600, -EINVAL, "character 17 is not printable" },
		{ "two keys", "3c8e1f559002d76ba419ee702db348c1\n3c8e1f559002d76ba419ee702db348c1\n", -1, 0600, -EINVAL, "character 33 is a newline" },
		{ "a long file", "3c8e1f559002d76ba419ee702db348c1                                                                                                 \n", -1, 0600, -EINVAL, "longer than" },
		{ "zeros", "00000000000000000000000000000000\n", -1, 0600, -EINVAL, "all zeros" },
	};
	uint8_t key[16];
	char err[512], path[128];
	size_t i;
	int e;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *p = put("key", c[i].text, c[i].len < 0 ? strlen(c[i].text) : (size_t)c[i].len,
				    c[i].mode);
		char name[96];

		memset(key, 0xa5, sizeof(key));
		err[0] = 0;
		e = lb_rtag_key_read(p, key, err, sizeof(err));
		snprintf(name, sizeof(name), "key file: %s", c[i].name);
		if (!c[i].err)
			tr_report(!e && !memcmp(key, KEY_A, 16), name, "read %d %s", e, err);
		else
			tr_report(e == c[i].err && strstr(err, p) && strstr(err, c[i].msg) &&
			       key[0] == 0xa5, name, "%d: %s", e, err);
	}
	snprintf(path, sizeof(path), "%s/none", dir);
	e = lb_rtag_key_read(path, key, err, sizeof(err));
	tr_report(e == -ENOENT && strstr(err, path) && strstr(err, "keygen"), "key file: missing",
	       "%d: %s", e, err);
	e = lb_rtag_key_read(dir, key, err, sizeof(err));
	tr_report(e == -EINVAL && strstr(err, "not a regular file"), "key file: a directory",
	       "%d: %s", e, err);
	/* A symbolic link is followed, and the mode checked is the file's. */
	snprintf(path, sizeof(path), "%s/link", dir);
	put("key", "3c8e1f559002d76ba419ee702db348c1\n", 33, 0600);
	if (symlink("key", path))
		perror("symlink");
	memset(key, 0, sizeof(key));
	e = lb_rtag_key_read(path, key, err, sizeof(err));
	tr_report(!e && !memcmp(key, KEY_A, 16), "key file: a symbolic link to a good file",
	       "%d", e);
	put("key", "3c8e1f559002d76ba419ee702db348c1\n", 33, 0644);
	e = lb_rtag_key_read(path, key, err, sizeof(err));
	tr_report(e == -EPERM && strstr(err, "mode 0644"),
	       "key file: a symbolic link to a 0644 file", "%d: %s", e, err);
}

static void test_keygen(void)
{
	uint8_t k1[16], k2[16];
	char p1[128], p2[128], err[512], before[64] = "", after[64] = "";
	struct stat st;
	FILE *f;
	int e1, e2, e3, r1, r2;

	snprintf(p1, sizeof(p1), "%s/gen1", dir);
	snprintf(p2, sizeof(p2), "%s/gen2", dir);
	e1 = lb_rtag_keygen(p1, err, sizeof(err));
	e2 = lb_rtag_keygen(p2, err, sizeof(err));
	r1 = lb_rtag_key_read(p1, k1, err, sizeof(err));
	r2 = lb_rtag_key_read(p2, k2, err, sizeof(err));
	if (stat(p1, &st))
		memset(&st, 0, sizeof(st));
	tr_report(!e1 && !e2 && !r1 && !r2 && (st.st_mode & 0777) == 0600 &&
	       st.st_size == 33 && memcmp(k1, k2, 16),
	       "keygen: a 0600 file of 32 hex digits and a newline that reads back; two differ",
	       "%d %d %d %d mode %o size %lld", e1, e2, r1, r2, st.st_mode & 0777,
	       (long long)st.st_size);
	f = fopen(p1, "r");
	if (f) {
		if (!fgets(before, sizeof(before), f))
			before[0] = 0;
		fclose(f);
	}
	e3 = lb_rtag_keygen(p1, err, sizeof(err));
	f = fopen(p1, "r");
	if (f) {
		if (!fgets(after, sizeof(after), f))
			after[0] = 0;
		fclose(f);
	}
	tr_report(e3 == -EEXIST && strstr(err, p1) && !strcmp(before, after) && before[0],
	       "keygen never replaces a file", "%d: %s", e3, err);
}

int main(void)
{
	char cmd[128];
	double t0 = now();

	snprintf(dir, sizeof(dir), "/tmp/test_rtag.%d.XXXXXX", getpid());
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_siphash();
	test_expand();
	test_edges();
	test_format();
	test_roundtrip();
	test_bijection();
	test_statistics();
	test_battery_power();
	test_other_key();
	test_keyfile();
	test_keygen();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	printf("# test_rtag: %.1f s\n", now() - t0);
	return tr_failures ? 1 : 0;
}
