/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pkt.h: a packet builder for the datapath tests.
 *
 * A packet is described by a struct pkt_spec (addresses as text, ports,
 * vtag, a list of chunks, and the knobs that make it malformed) and built
 * into a frame: Ethernet (optionally one or two VLAN tags), IPv4 (with
 * options) or IPv6 (with extension headers), optionally UDP (RFC 6951), the
 * SCTP common header with a correct CRC32c, then the chunks.  Every length
 * field is computed unless a spec field overrides it.  Zero-initialised
 * fields mean "the ordinary, well-formed value".
 */
#ifndef SCTPLB_TEST_PKT_H
#define SCTPLB_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sctplb.h"

#define PKT_MAX        4096
#define PKT_MAX_CHUNKS 12
#define PKT_MAX_ADDRS  6
#define PKT_MAX_EXT    8

/* Chunk types (RFC 9260 and extensions). */
enum {
	CT_DATA = 0, CT_INIT = 1, CT_INIT_ACK = 2, CT_SACK = 3, CT_HEARTBEAT = 4,
	CT_HEARTBEAT_ACK = 5, CT_ABORT = 6, CT_SHUTDOWN = 7, CT_SHUTDOWN_ACK = 8,
	CT_ERROR = 9, CT_COOKIE_ECHO = 10, CT_COOKIE_ACK = 11,
	CT_SHUTDOWN_COMPLETE = 14, CT_AUTH = 15, CT_IDATA = 64,
	CT_ASCONF_ACK = 0x80, CT_RECONFIG = 130, CT_PAD = 132,
	CT_FORWARD_TSN = 192, CT_ASCONF = 0xc1, CT_IFORWARD_TSN = 194,
};
#define CHUNK_F_T 0x01 /* T bit of ABORT and SHUTDOWN-COMPLETE */

struct chunk_spec {
	bool on;               /* set by every CH_* macro: the list ends at the first !on */
	uint8_t type;
	uint8_t flags;
	uint16_t body;         /* user data, cookie, info bytes (0: a per-type default) */
	uint32_t tag;          /* INIT, INIT-ACK: Initiate Tag */
	const char *addrs[PKT_MAX_ADDRS]; /* INIT, INIT-ACK: address parameters */
	bool disable_restart;  /* INIT: the Disable Restart parameter (0xc007) */
	bool set_len;          /* write len into the length field instead of the real one */
	uint16_t len;
	uint16_t raw_len;      /* emit only this many bytes (and say so in the length field) */
	uint16_t repeat;       /* emit this chunk 1 + repeat times */
	bool no_pad;           /* no padding after this chunk */
	bool set_ppid;         /* DATA, I-DATA: write ppid (default: DATA 46, I-DATA 0) */
	uint32_t ppid;
};

struct pkt_spec {
	const char *src, *dst;     /* IPv4 or IPv6 text; the family follows */
	uint16_t sport, dport;     /* SCTP ports, host order */
	uint32_t vtag;
	struct chunk_spec chunks[PKT_MAX_CHUNKS];
	/* Link layer. */
	uint8_t nvlan;             /* 0, 1 or 2 tags */
	uint16_t vlan_proto;       /* TPID of the outer tag: 0x8100 (default) or 0x88a8 */
	uint16_t ethertype;        /* override (ARP...) */
	/* IP. */
	uint8_t ip_opts;           /* IPv4 option bytes (multiple of 4) */
	uint8_t ihl;               /* override IPv4 IHL */
	uint16_t frag;             /* IPv4 frag_off (host order, flags included); 0: DF */
	uint8_t ext[PKT_MAX_EXT];  /* IPv6 extension headers, in order */
	uint8_t next_ext;          /* how many of ext[] */
	uint8_t proto;             /* override the L4 protocol: 6 TCP, 1 ICMP, 58 ICMPv6 */
	int ip_len_adj;            /* added to IPv4 total length / IPv6 payload length */
	/* SCTP over UDP. */
	uint16_t udp_sport, udp_dport; /* non-zero: UDP encapsulation */
	int udp_len_adj;           /* added to the UDP length */
	uint16_t udp_trailer;      /* zero bytes inside IP after the UDP datagram */
	uint16_t udp_plain;        /* a plain UDP payload of this many bytes, no SCTP */
	/* Frame. */
	uint16_t sctp_cut;         /* keep only this many bytes of the SCTP packet (IP length agrees) */
	uint16_t trunc;            /* cut this many bytes off the frame end (lengths unchanged) */
	uint16_t frame_len;        /* cut the frame to this length (lengths unchanged) */
	uint16_t eth_pad;          /* zero bytes after the IP packet (Ethernet padding) */
};

/* What the builder tells the test about the frame it made. */
struct pkt_info {
	size_t len;                /* frame length */
	uint8_t family;            /* SCTPLB_AF_INET / SCTPLB_AF_INET6 */
	struct sctplb_addr src, dst;
	uint32_t ip_len;           /* IP length: IPv4 total length, IPv6 40 + payload length */
	size_t l3;                 /* offset of the IP header */
	size_t sctp;               /* offset of the SCTP common header */
	uint16_t sport, dport;     /* network order */
};

/* Address to sctplb_addr (family from the text); aborts on bad text. */
struct sctplb_addr pkt_addr(const char *text);

/* Frame MACs: every test frame goes from PKT_CLIENT_MAC to the given dst. */
extern const uint8_t PKT_CLIENT_MAC[6];

/*
 * Builds the frame into out (PKT_MAX bytes); dst_mac is the ingress
 * interface's MAC.  Returns the frame length, or -1 (message on stderr)
 * when the spec cannot be built.
 */
int pkt_build(const struct pkt_spec *s, const uint8_t dst_mac[6], uint8_t *out,
	      struct pkt_info *info);

/* CRC32c as SCTP uses it (RFC 9260 appendix B): the value to store, in
 * host order; store it with pkt_put_crc. */
uint32_t pkt_crc32c(const uint8_t *p, size_t n);
/* The Internet checksum (RFC 1071): the n bytes at p (an odd last byte
 * padded with zero) added to sum, then folded and complemented: the value a
 * header's checksum field holds. */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t pkt_csum_fold(uint32_t sum);
/* Recomputes the CRC32c of the SCTP packet at p, n bytes. */
void pkt_sctp_set_crc(uint8_t *p, size_t n);
/* True if the CRC32c of the SCTP packet at p, n bytes, is right. */
bool pkt_sctp_crc_ok(const uint8_t *p, size_t n);

/* Chunk shorthands for the tables. */
#define CH(t, ...) { .on = true, .type = (t), __VA_ARGS__ }
#define CH_DATA(...) CH(CT_DATA, .flags = 0x03, __VA_ARGS__)
#define CH_INIT(tc, ...) CH(CT_INIT, .tag = (tc), .addrs = { __VA_ARGS__ })
#define CH_COOKIE(...) CH(CT_COOKIE_ECHO, __VA_ARGS__)
#define CH_ABORT_T CH(CT_ABORT, .flags = CHUNK_F_T)
#define CH_SC_T CH(CT_SHUTDOWN_COMPLETE, .flags = CHUNK_F_T)

#endif
