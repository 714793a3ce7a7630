// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_crc32c: libFuzzer target over include/sctplb_crc32c.h, the header the
 * BPF programs use.  Each input is read as
 *   byte 0         number of patches - 1 (mod 8)
 *   8 x 20 bytes   patches: offset (2 bytes), size selector (1: 2, 4 or 16
 *                  bytes), the 16 new bytes, one spare byte
 *   the rest       the SCTP packet (12 bytes at least, 9000 at most); its
 *                  checksum field is computed first.
 * Every patch that fits (and keeps off the checksum field) goes through
 * sctplb_crc32c_patch (and sctplb_crc32c_patch32 when 4 bytes); after each,
 * the field must equal a bit-by-bit CRC32c of the patched packet, and so
 * must sctplb_sctp_csum.  The input's words also check the carry-less
 * product mod P against a bit-by-bit one.  Any difference aborts with
 * "invariant broken".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sctplb_crc32c.h"

#define POLY 0x82f63b78u
#define MAXLEN 9000
#define NPATCH 8
#define PATCH_LEN 20

#define FZ_CHECK(cond, ...)                                                     \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz_crc32c: invariant broken (%s:%d): ", \
				__FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                           \
			fprintf(stderr, "\n");                                  \
			abort();                                                \
		}                                                               \
	} while (0)

/* The checksum field of the packet, bit by bit, the field taken as zero. */
static uint32_t ref_field(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= i >= 8 && i < 12 ? 0 : p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
	}
	return sctplb_crc32c_crc_to_field(~c);
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[MAXLEN];
	size_t head = 1 + NPATCH * PATCH_LEN, len, i;
	uint32_t field, a, b;
	int k, npatch;

	if (size < head + 12)
		return 0;
	len = size - head;
	if (len > MAXLEN)
		len = MAXLEN;
	memcpy(pkt, data + head, len);
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&a, pkt + i, 4);
		memcpy(&b, pkt + i + 4, 4);
		FZ_CHECK(sctplb_crc32c_mulmod(a, b) == bit_mulmod(a, b),
			 "mulmod(%08x, %08x) = %08x, bit by bit %08x", a, b,
			 sctplb_crc32c_mulmod(a, b), bit_mulmod(a, b));
		if (i >= 64)
			break;
	}
	field = ref_field(pkt, len);
	FZ_CHECK(sctplb_sctp_csum(pkt, len) == field, "full CRC of %zu bytes: %08x, want %08x",
		 len, sctplb_sctp_csum(pkt, len), field);
	memcpy(pkt + 8, &field, 4);
	npatch = data[0] % NPATCH + 1;
	for (k = 0; k < npatch; k++) {
		const uint8_t *d = data + 1 + k * PATCH_LEN, *to = d + 3;
		static const uint32_t sizes[3] = { 2, 4, 16 };
		uint32_t n = sizes[d[2] % 3], off = (d[0] | d[1] << 8) % len, f2;

		if (off + n > len || (off + n > 8 && off < 12))
			continue;
		f2 = sctplb_crc32c_patch(field, len, off, pkt + off, to, n);
		if (n == 4) {
			uint32_t from32, to32, f3;

			memcpy(&from32, pkt + off, 4);
			memcpy(&to32, to, 4);
			f3 = sctplb_crc32c_patch32(field, len, off, from32, to32);
			FZ_CHECK(f3 == f2, "patch32 %08x != patch %08x (off %u len %zu)", f3, f2, off,
				 len);
		}
		memcpy(pkt + off, to, n);
		field = f2;
		FZ_CHECK(field == ref_field(pkt, len),
			 "patch %d: %u bytes at %u of %zu: field %08x, a full CRC gives %08x", k, n,
			 off, len, field, ref_field(pkt, len));
		FZ_CHECK(sctplb_sctp_csum(pkt, len) == field, "sctplb_sctp_csum after patch %d", k);
	}
	return 0;
}
