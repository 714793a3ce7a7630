// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The key of the routable tags: see rtag.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtag.h"
#include "sctplb_siphash.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The body is include/sctplb_siphash.h, shared with the BPF programs. */
uint64_t lb_siphash24(const uint8_t key[16], const void *msg, size_t len)
{
	const uint8_t *in = msg;
	uint64_t b = (uint64_t)len << 56;
	struct sctplb_sip s;
	size_t i, left = len & 7;

	sctplb_sip_init(&s, le64(key), le64(key + 8));
	for (i = 0; i + 8 <= len; i += 8)
		sctplb_sip_block(&s, le64(in + i), 2);
	while (left--)
		b |= (uint64_t)in[i + left] << (8 * left);
	return sctplb_sip_final(&s, b, 2, 4);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int lb_rtag_key_parse(const char *text, size_t len, const char *name,
		      uint8_t key[SCTPLB_RTAG_KEY_LEN], char *err, size_t errlen)
{
	uint8_t k[SCTPLB_RTAG_KEY_LEN] = { 0 }, any = 0;
	size_t i, digits = len;

	if (len && text[len - 1] == '\n')
		digits--;
	for (i = 0; i < digits; i++) {
		int v = hexval(text[i]);

		if (v < 0) {
			unsigned char c = text[i];
			char what[24];

			if (c > ' ' && c < 0x7f)
				snprintf(what, sizeof(what), "'%c'", c);
			else
				snprintf(what, sizeof(what), "%s", c == '\n' ? "a newline" :
					 c == ' ' ? "a space" : c == '\r' ? "a carriage return" :
					 "not printable");
			snprintf(err, errlen,
				 "%s: character %zu is %s, not a hexadecimal digit; the file must hold "
				 "the key as %d hexadecimal digits and an optional newline (make one "
				 "with sctplb keygen)", name, i + 1, what, LB_RTAG_KEY_HEX);
			return -EINVAL;
		}
		if (i < LB_RTAG_KEY_HEX)
			k[i / 2] |= v << (i % 2 ? 0 : 4);
	}
	if (digits != LB_RTAG_KEY_HEX) {
		snprintf(err, errlen,
			 "%s: %s %zu characters where the key needs exactly %d hexadecimal digits "
			 "(128 bits) and an optional newline (make one with sctplb keygen)", name,
			 digits < LB_RTAG_KEY_HEX ? "only" : "has", digits, LB_RTAG_KEY_HEX);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(k); i++)
		any |= k[i];
	if (!any) {
		snprintf(err, errlen,
			 "%s: the key is all zeros, a placeholder rather than a key; make a "
			 "random one with sctplb keygen", name);
		return -EINVAL;
	}
	memcpy(key, k, sizeof(k));
	return 0;
}

int lb_rtag_key_read(const char *path, uint8_t key[SCTPLB_RTAG_KEY_LEN], char *err,
		     size_t errlen)
{
	char text[128];                 /* room to name what is wrong */
	struct stat st;
	ssize_t n;
	int fd, e;

	/* Symbolic links are followed (a Kubernetes secret is one); the mode
	 * checked is the file's. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open the key file: %s%s", path, strerror(e),
			 e == ENOENT ? " (make one with sctplb keygen)" : "");
		return -e;
	}
	if (fstat(fd, &st)) {
		e = errno;
		snprintf(err, errlen, "%s: cannot stat the key file: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file; the key file holds 32 "
			 "hexadecimal digits", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "%s: the key file is open to group or others (mode %04o): anyone who "
			 "reads it can decode and mint tags; run chmod 600 %s", path,
			 (unsigned int)(st.st_mode & 07777), path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, text, sizeof(text));
	e = errno;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read the key file: %s", path, strerror(e));
		return -e;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: the key file is empty; make one with sctplb keygen",
			 path);
		return -EINVAL;
	}
	if ((size_t)n == sizeof(text)) {
		snprintf(err, errlen,
			 "%s: the key file is longer than %d hexadecimal digits and a newline; it "
			 "must hold the key alone", path, LB_RTAG_KEY_HEX);
		return -EINVAL;
	}
	return lb_rtag_key_parse(text, n, path, key, err, errlen);
}

int lb_rtag_key_expand(const uint8_t key[SCTPLB_RTAG_KEY_LEN], unsigned int sid_bits,
		       struct sctplb_rtag_key *out, char *err, size_t errlen)
{
	static const char label[] = "sctplb-rtag";
	struct sctplb_rtag_key k = { .sid_bits = sid_bits };
	uint8_t msg[sizeof(label) + 1];
	int i;

	if (!sctplb_rtag_sid_bits_ok(sid_bits)) {
		snprintf(err, errlen, "server id bits %u: out of range, give %d to %d (%d by "
			 "default)", sid_bits, SCTPLB_RTAG_SID_BITS_MIN, SCTPLB_RTAG_SID_BITS_MAX,
			 SCTPLB_RTAG_SID_BITS_DEFAULT);
		return -EINVAL;
	}
	/* "sctplb-rtag" (11 bytes), sid_bits, the round: 13 bytes. */
	memcpy(msg, label, sizeof(label) - 1);
	msg[sizeof(label) - 1] = sid_bits;
	for (i = 0; i < SCTPLB_RTAG_ROUNDS; i++) {
		msg[sizeof(label)] = i;
		k.rk[i] = (uint32_t)lb_siphash24(key, msg, sizeof(msg));
	}
	*out = k;
	return 0;
}

uint32_t lb_rtag_key_id(const uint8_t key[SCTPLB_RTAG_KEY_LEN])
{
	static const char label[] = "sctplb-rtag-key-id";

	return (uint32_t)lb_siphash24(key, label, sizeof(label) - 1);
}

int lb_rtag_keygen(const char *path, char *err, size_t errlen)
{
	uint8_t key[SCTPLB_RTAG_KEY_LEN];
	char text[LB_RTAG_KEY_HEX + 2];
	size_t i, any;
	ssize_t n;
	int fd, e;

	do {
		if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
			e = errno;
			snprintf(err, errlen, "%s: cannot get random bytes: %s", path,
				 strerror(e));
			return -e;
		}
		for (i = 0, any = 0; i < sizeof(key); i++)
			any |= key[i];
	} while (!any);
	for (i = 0; i < sizeof(key); i++)
		sprintf(text + 2 * i, "%02x", key[i]);
	text[LB_RTAG_KEY_HEX] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create the key file: %s%s", path, strerror(e),
			 e == EEXIST ? " (a key is never replaced: remove it first if it is "
				       "really no longer in use)" : "");
		return -e;
	}
	/* The umask may have taken bits away, never added any: 0600 at most. */
	n = write(fd, text, LB_RTAG_KEY_HEX + 1);
	e = errno;
	if (n != LB_RTAG_KEY_HEX + 1 || fsync(fd)) {
		if (n == LB_RTAG_KEY_HEX + 1)
			e = errno;
		snprintf(err, errlen, "%s: cannot write the key file: %s", path,
			 n >= 0 && n < LB_RTAG_KEY_HEX + 1 ? "short write" : strerror(e));
		close(fd);
		unlink(path);
		explicit_bzero(key, sizeof(key));
		explicit_bzero(text, sizeof(text));
		return -(e ? e : EIO);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	return close(fd) ? -errno : 0;
}
