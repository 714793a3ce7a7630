/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb_rtag.h: routable verification tags, for the BPF programs and for
 * user space, from one body (see docs: routable tags).
 *
 * A routable tag is T' = E(P), P = server_id << (32 - sid_bits) | nonce,
 * E a keyed permutation of the 32-bit values.  Any holder of the key
 * decodes T' to its server_id with no state; without the key the tags of
 * one server look like random 32-bit values (RFC 9260 5.3.1 wants tags
 * that are hard to predict).  server_id 0 is reserved ("no server"); a tag
 * is never 0 (RFC 9260 8.5: vtag 0 belongs to INIT).
 *
 * E is a balanced Feistel network on 16-bit halves, after QUIC-LB's
 * four-pass design (draft-ietf-quic-load-balancers), with
 * SCTPLB_RTAG_ROUNDS rounds.  Round i: R ^= F(rk[i], L), then the halves
 * swap, with
 *   F(k, h) = the high 16 bits of mix32((h << 16 | h) ^ k),
 * mix32 a 32-bit bijective avalanche mixer (xorshift-multiply, Chris
 * Wellons' "lowbias32" constants).  The round keys rk[] are 32 bits each,
 * independent outputs of SipHash-2-4 under the 128-bit key (user/lib/rtag.c
 * expands them), so BPF runs only the cheap part.  This is not a vetted
 * block cipher and a 32-bit block has a 2^32 codebook: it hides server ids
 * and makes tags unpredictable to whoever lacks the key (the statistics of
 * tests/unit/test_rtag.c); whoever holds the key can decode and mint tags.
 *
 * Rounds: the statistics of test_rtag tell E cut to 4 rounds from random
 * (consecutive nonces), not 5; E has 8.  Cost in BPF (tests/bpf/test_prim):
 * a decode or a make adds about 12 ns to a trivial XDP program when
 * consecutive runs overlap, about 30 ns when the next step waits for it
 * (8 rounds of two dependent multiplications; the forwarder's server decode
 * runs 7, each a shorter chain: sctplb_rtag_round, sctplb_rtag_server).
 * SCTPLB_RTAG_ROUNDS is part of the ABI (the map values hold rk[]), and so
 * is F: test_rtag pins both with known answers.
 *
 * BPF: no loop the verifier cannot bound, no stack beyond a few registers;
 * the key is a map value.  A key whose sid_bits is out of range makes every
 * function answer 0.  Tags are numbers: the vtag on the wire is big-endian,
 * so decode bpf_ntohl(vtag) and store bpf_htonl(tag).
 */
#ifndef SCTPLB_RTAG_H
#define SCTPLB_RTAG_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef SCTPLB_INLINE
#define SCTPLB_INLINE static inline __attribute__((always_inline))
#endif

#define SCTPLB_RTAG_ROUNDS 8
#define SCTPLB_RTAG_SID_BITS_MIN 4
#define SCTPLB_RTAG_SID_BITS_MAX 16
#define SCTPLB_RTAG_SID_BITS_DEFAULT 12
#define SCTPLB_RTAG_KEY_LEN 16          /* bytes of the secret key */
#define SCTPLB_RTAG_NONE 0              /* server id 0: no server */

/* The expanded key: what a map value holds (user space fills it with
 * lb_rtag_key_expand; never the secret key itself). */
struct sctplb_rtag_key {
	__u32 rk[SCTPLB_RTAG_ROUNDS];   /* round keys */
	__u8 sid_bits;                  /* SCTPLB_RTAG_SID_BITS_MIN..MAX */
	__u8 pad[3];
};

/*
 * The round function: 16 bits of key-dependent mixing of a 16-bit half,
 * F(rk, h) above, computed with its first steps folded (the same function,
 * tests/unit/test_rtag.c compares it with the form above for every half):
 * x = (h << 16 | h) ^ rk after x ^= x >> 16 is (h ^ rk >> 16) << 16 | c,
 * c = (rk ^ rk >> 16) & 0xffff, a constant of the key, so x * 0x7feb352d is
 * (h ^ rk >> 16) * (0x7feb352d << 16) + c * 0x7feb352d (mod 2^32).  That is
 * three steps fewer between one round's half and the next, which waits for
 * it (a decode is a chain of rounds); the key's terms are off that chain.
 * Only the low 16 bits of half count.
 */
SCTPLB_INLINE __u32 sctplb_rtag_round(__u32 rk, __u32 half)
{
	__u32 x = (half ^ rk >> 16) * 0x352d0000u + ((rk ^ rk >> 16) & 0xffff) * 0x7feb352du;

	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x >> 16; /* lowbias32's last step, x ^= x >> 16, keeps these bits */
}

/* E: the keyed permutation of the 32-bit values. */
SCTPLB_INLINE __u32 sctplb_rtag_encrypt(const struct sctplb_rtag_key *k, __u32 p)
{
	__u32 l = p >> 16, r = p & 0xffff;
	int i;

	for (i = 0; i < SCTPLB_RTAG_ROUNDS; i += 2) {
		r ^= sctplb_rtag_round(k->rk[i], l);
		l ^= sctplb_rtag_round(k->rk[i + 1], r);
	}
	return l << 16 | r;
}

/* The inverse of sctplb_rtag_encrypt. */
SCTPLB_INLINE __u32 sctplb_rtag_decrypt(const struct sctplb_rtag_key *k, __u32 t)
{
	__u32 l = t >> 16, r = t & 0xffff;
	int i;

	for (i = SCTPLB_RTAG_ROUNDS - 2; i >= 0; i -= 2) {
		l ^= sctplb_rtag_round(k->rk[i + 1], r);
		r ^= sctplb_rtag_round(k->rk[i], l);
	}
	return l << 16 | r;
}

SCTPLB_INLINE int sctplb_rtag_sid_bits_ok(__u32 sid_bits)
{
	return sid_bits >= SCTPLB_RTAG_SID_BITS_MIN && sid_bits <= SCTPLB_RTAG_SID_BITS_MAX;
}

/*
 * The routable tag of (server_id, nonce): the nonce keeps its low
 * 32 - sid_bits bits.  0 when server_id is 0 or needs more than sid_bits
 * bits, when the key's sid_bits is out of range, and for the one nonce per
 * server whose tag would be 0: the caller then takes the next nonce.
 */
SCTPLB_INLINE __u32 sctplb_rtag_make(const struct sctplb_rtag_key *k, __u32 server_id,
				     __u32 nonce)
{
	__u32 sid_bits = k->sid_bits, nbits;

	if (!sctplb_rtag_sid_bits_ok(sid_bits) || server_id == SCTPLB_RTAG_NONE ||
	    server_id >> sid_bits)
		return 0;
	nbits = 32 - sid_bits;
	return sctplb_rtag_encrypt(k, server_id << nbits | (nonce & ((1u << nbits) - 1)));
}

/*
 * The server id a tag decodes to: 0 for tag 0 or a bad key.  Every tag
 * decodes to some id: the caller checks that a server of that id exists.
 * The id is in the high half alone (sid_bits <= 16), which the decryption
 * has before its last round: that round, which makes the low half, is not
 * run (the forwarder decodes every packet's tag: a round is ~4 ns there).
 */
SCTPLB_INLINE __u32 sctplb_rtag_server(const struct sctplb_rtag_key *k, __u32 tag)
{
	__u32 sid_bits = k->sid_bits, l = tag >> 16, r = tag & 0xffff;
	int i;

	if (!tag || !sctplb_rtag_sid_bits_ok(sid_bits))
		return 0;
	for (i = SCTPLB_RTAG_ROUNDS - 2; i > 0; i -= 2) {
		l ^= sctplb_rtag_round(k->rk[i + 1], r);
		r ^= sctplb_rtag_round(k->rk[i], l);
	}
	l ^= sctplb_rtag_round(k->rk[1], r);
	return l >> (16 - sid_bits);
}

/* The nonce a tag decodes to (the agent does not need it; tests do). */
SCTPLB_INLINE __u32 sctplb_rtag_nonce(const struct sctplb_rtag_key *k, __u32 tag)
{
	__u32 sid_bits = k->sid_bits;

	if (!tag || !sctplb_rtag_sid_bits_ok(sid_bits))
		return 0;
	return sctplb_rtag_decrypt(k, tag) & ((1u << (32 - sid_bits)) - 1);
}

#endif
