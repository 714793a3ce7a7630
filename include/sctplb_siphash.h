/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb_siphash.h: SipHash (Aumasson, Bernstein, "SipHash: a fast
 * short-input PRF", 2012), one body for the BPF programs and user space.
 *
 * SipHash-c-d of a message under a 128-bit key (k0, k1: its two halves read
 * little-endian): c rounds per 8-byte block, d rounds at the end.  User
 * space takes SipHash-2-4 of byte strings (lb_siphash24, user/lib/rtag.h:
 * routable-tag round keys, Maglev permutations).  The set-associative
 * tables (include/sctplb_settable.h) take SipHash-1-3 (what Linux's
 * hsiphash is on 64-bit) of a key of 32-bit words, in BPF and user space
 * alike: sctplb_siphash_u32s equals SipHash of the key's bytes on a
 * little-endian machine, and reads the words as 32-bit loads, which the
 * verifier accepts on the stack whatever the key's alignment.
 *
 * BPF: constant c, d and word counts; every loop unrolls.
 */
#ifndef SCTPLB_SIPHASH_H
#define SCTPLB_SIPHASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef SCTPLB_INLINE
#define SCTPLB_INLINE static inline __attribute__((always_inline))
#endif

/* Loops of constant count unroll (the verifier, and speed in user space). */
#ifdef __clang__
#define SCTPLB_UNROLL _Pragma("unroll")
#else
#define SCTPLB_UNROLL _Pragma("GCC unroll 16")
#endif

struct sctplb_sip {
	__u64 v0, v1, v2, v3;
};

#define SCTPLB_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

SCTPLB_INLINE void sctplb_sip_init(struct sctplb_sip *s, __u64 k0, __u64 k1)
{
	s->v0 = 0x736f6d6570736575ull ^ k0;
	s->v1 = 0x646f72616e646f6dull ^ k1;
	s->v2 = 0x6c7967656e657261ull ^ k0;
	s->v3 = 0x7465646279746573ull ^ k1;
}

SCTPLB_INLINE void sctplb_sip_rounds(struct sctplb_sip *s, int n)
{
	int i;

	SCTPLB_UNROLL
	for (i = 0; i < n; i++) {
		s->v0 += s->v1; s->v1 = SCTPLB_ROTL64(s->v1, 13); s->v1 ^= s->v0;
		s->v0 = SCTPLB_ROTL64(s->v0, 32);
		s->v2 += s->v3; s->v3 = SCTPLB_ROTL64(s->v3, 16); s->v3 ^= s->v2;
		s->v0 += s->v3; s->v3 = SCTPLB_ROTL64(s->v3, 21); s->v3 ^= s->v0;
		s->v2 += s->v1; s->v1 = SCTPLB_ROTL64(s->v1, 17); s->v1 ^= s->v2;
		s->v2 = SCTPLB_ROTL64(s->v2, 32);
	}
}

/* One 8-byte block m (little-endian) with c rounds. */
SCTPLB_INLINE void sctplb_sip_block(struct sctplb_sip *s, __u64 m, int c)
{
	s->v3 ^= m;
	sctplb_sip_rounds(s, c);
	s->v0 ^= m;
}

/* The last block b (the tail bytes, the length in the top byte) and the
 * finalisation with d rounds: the hash. */
SCTPLB_INLINE __u64 sctplb_sip_final(struct sctplb_sip *s, __u64 b, int c, int d)
{
	sctplb_sip_block(s, b, c);
	s->v2 ^= 0xff;
	sctplb_sip_rounds(s, d);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * SipHash-c-d of n 32-bit words w (4n bytes, as they lie in memory on a
 * little-endian machine) under key[4] (the 128-bit key as four 32-bit
 * words, as its bytes lie in memory).
 */
SCTPLB_INLINE __u64 sctplb_siphash_u32s(const __u32 key[4], const __u32 *w, int n, int c, int d)
{
	struct sctplb_sip s;
	__u64 b = (__u64)(4 * n) << 56;
	int i;

	sctplb_sip_init(&s, (__u64)key[0] | (__u64)key[1] << 32, (__u64)key[2] | (__u64)key[3] << 32);
	SCTPLB_UNROLL
	for (i = 0; i + 2 <= n; i += 2)
		sctplb_sip_block(&s, (__u64)w[i] | (__u64)w[i + 1] << 32, c);
	if (n & 1)
		b |= w[n - 1];
	return sctplb_sip_final(&s, b, c, d);
}

#endif
