/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rtag.h: the key of the routable tags (include/sctplb_rtag.h) in user space:
 * the key file, its expansion into the round keys a map value holds, and a
 * fresh key.
 *
 * The key file holds the 128-bit key as 32 hexadecimal digits (either case),
 * optionally followed by one newline, and nothing else.  It must be a regular
 * file (a symbolic link to one is followed) that neither group nor others may
 * read or write (mode 0600 or 0400, as ssh wants of a private key; a
 * Kubernetes secret needs defaultMode 0400): whoever reads it can decode
 * every tag to its server and mint tags for any server.  A key of all zeros
 * is refused (a placeholder, not a key).
 *
 * Every function returns 0, or a negative errno with "FILE: what is wrong;
 * what to do" in err (errlen bytes), and writes its output only on success.
 */
#ifndef SCTPLB_RTAG_LIB_H
#define SCTPLB_RTAG_LIB_H

#include <stddef.h>
#include <stdint.h>
#include "sctplb_rtag.h"

#define LB_RTAG_KEY_HEX (2 * SCTPLB_RTAG_KEY_LEN)

/* SipHash-2-4 (Aumasson, Bernstein) of msg under the 16-byte key. */
uint64_t lb_siphash24(const uint8_t key[16], const void *msg, size_t len);

/* The text of a key file (len bytes, not NUL-terminated); name is what err
 * calls it.  -EINVAL on a bad text. */
int lb_rtag_key_parse(const char *text, size_t len, const char *name,
		      uint8_t key[SCTPLB_RTAG_KEY_LEN], char *err, size_t errlen);
/* Reads and checks the key file at path (mode, type, text). */
int lb_rtag_key_read(const char *path, uint8_t key[SCTPLB_RTAG_KEY_LEN], char *err,
		     size_t errlen);
/* The round keys of key for sid_bits (SCTPLB_RTAG_SID_BITS_MIN..MAX):
 * rk[i] = the low 32 bits of SipHash-2-4(key, "sctplb-rtag" sid_bits i).
 * sid_bits is part of the input, so one key at two widths gives unrelated
 * permutations.  -EINVAL if sid_bits is out of range. */
int lb_rtag_key_expand(const uint8_t key[SCTPLB_RTAG_KEY_LEN], unsigned int sid_bits,
		       struct sctplb_rtag_key *out, char *err, size_t errlen);
/* A public fingerprint of the key (32 bits of SipHash-2-4 of a label no
 * round key uses), for status output and for comparing the keys of two
 * hosts without showing them. */
uint32_t lb_rtag_key_id(const uint8_t key[SCTPLB_RTAG_KEY_LEN]);
/* Writes a fresh key (getrandom) to a new file at path, mode 0600.  It
 * never replaces a file: -EEXIST if path exists (a key in use must be
 * rotated deliberately). */
int lb_rtag_keygen(const char *path, char *err, size_t errlen);

#endif
