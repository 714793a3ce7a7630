/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Packet builder for the datapath tests: see pkt.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

const uint8_t PKT_CLIENT_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0xc1, 0x01 };

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

struct sctplb_addr pkt_addr(const char *text)
{
	struct sctplb_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(text, ':')) {
		a.family = SCTPLB_AF_INET6;
		if (inet_pton(AF_INET6, text, a.addr) == 1)
			return a;
	} else {
		a.family = SCTPLB_AF_INET;
		if (inet_pton(AF_INET, text, a.addr) == 1)
			return a;
	}
	fprintf(stderr, "pkt: bad address '%s'\n", text);
	abort();
}

/* CRC32c, reflected polynomial 0x82f63b78, table driven. */
static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t i, j, c;

	if (crc_table[1])
		return;
	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t pkt_crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	crc_init();
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* The checksum field holds the CRC's bytes least significant first. */
static uint32_t sctp_crc(const uint8_t *p, size_t n)
{
	uint8_t tmp[PKT_MAX];

	if (n > sizeof(tmp) || n < 12)
		return 0;
	memcpy(tmp, p, n);
	memset(tmp + 8, 0, 4);
	return pkt_crc32c(tmp, n);
}

void pkt_sctp_set_crc(uint8_t *p, size_t n)
{
	uint32_t c = sctp_crc(p, n);

	p[8] = c;
	p[9] = c >> 8;
	p[10] = c >> 16;
	p[11] = c >> 24;
}

bool pkt_sctp_crc_ok(const uint8_t *p, size_t n)
{
	uint32_t c = sctp_crc(p, n);

	return n >= 12 && p[8] == (uint8_t)c && p[9] == (uint8_t)(c >> 8) &&
	       p[10] == (uint8_t)(c >> 16) && p[11] == (uint8_t)(c >> 24);
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Writes an address parameter (type 5 or 6); returns its length. */
static size_t put_addr_param(uint8_t *p, const char *text)
{
	struct sctplb_addr a = pkt_addr(text);

	if (a.family == SCTPLB_AF_INET) {
		put16(p, 5);
		put16(p + 2, 8);
		memcpy(p + 4, a.addr, 4);
		return 8;
	}
	put16(p, 6);
	put16(p + 2, 20);
	memcpy(p + 4, a.addr, 16);
	return 20;
}

/* The chunk's value (after the 4-byte chunk header); returns its length. */
static size_t chunk_value(const struct chunk_spec *c, uint8_t *v)
{
	size_t n = 0, i;

	switch (c->type) {
	case CT_DATA:             /* TSN, stream, SSN, PPID, data */
		put32(v, 1000);
		put32(v + 8, c->set_ppid ? c->ppid : 46);
		n = 12 + (c->body ? c->body : 8);
		fill(v + 12, n - 12, 0x40);
		break;
	case CT_IDATA:            /* TSN, stream, reserved, MID, PPID, data */
		put32(v, 1000);
		n = 16 + (c->body ? c->body : 8);
		fill(v + 16, n - 16, 0x50);
		if (c->set_ppid)
			put32(v + 12, c->ppid);
		break;
	case CT_INIT:
	case CT_INIT_ACK:         /* tag, a_rwnd, streams, initial TSN, parameters */
		put32(v, c->tag);
		put32(v + 4, 131072);
		put16(v + 8, 10);
		put16(v + 10, 10);
		put32(v + 12, 1000);
		n = 16;
		for (i = 0; i < PKT_MAX_ADDRS && c->addrs[i]; i++)
			n += put_addr_param(v + n, c->addrs[i]);
		put16(v + n, 12);     /* supported address types: IPv4, IPv6 */
		put16(v + n + 2, 8);
		put16(v + n + 4, 5);
		put16(v + n + 6, 6);
		n += 8;
		if (c->disable_restart) { /* draft-ietf-tsvwg-natsupp */
			put16(v + n, 0xc007);
			put16(v + n + 2, 4);
			n += 4;
		}
		if (c->type == CT_INIT_ACK) { /* state cookie */
			put16(v + n, 7);
			put16(v + n + 2, 4 + 16);
			fill(v + n + 4, 16, 0x60);
			n += 20;
		}
		break;
	case CT_SACK:             /* cumulative TSN, a_rwnd, 0 gaps, 0 dups */
		put32(v, 1000);
		put32(v + 4, 131072);
		n = 12;
		break;
	case CT_HEARTBEAT:
	case CT_HEARTBEAT_ACK:    /* heartbeat info parameter */
		n = 4 + (c->body ? c->body : 8);
		put16(v, 1);
		put16(v + 2, n);
		fill(v + 4, n - 4, 0x70);
		break;
	case CT_SHUTDOWN:
		put32(v, 1000);
		n = 4;
		break;
	case CT_ERROR:            /* one cause: invalid stream identifier */
		put16(v, 1);
		put16(v + 2, 8);
		n = 8;
		break;
	case CT_COOKIE_ECHO:
		n = c->body ? c->body : 32;
		fill(v, n, 0x80);
		break;
	case CT_AUTH:             /* key id, HMAC id SHA-1, 20 bytes of HMAC */
		put16(v + 2, 1);
		fill(v + 4, 20, 0x90);
		n = 24;
		break;
	case CT_ASCONF:           /* serial, address parameter, add-IP */
		put32(v, 7);
		n = 4 + put_addr_param(v + 4, "0.0.0.0");
		put16(v + n, 0xc001);
		put16(v + n + 2, 16);
		put32(v + n + 4, 1);
		n += 8 + put_addr_param(v + n + 8, "0.0.0.0");
		break;
	case CT_ASCONF_ACK:
		put32(v, 7);
		n = 4;
		break;
	case CT_RECONFIG:         /* outgoing SSN reset request, no streams */
		put16(v, 13);
		put16(v + 2, 16);
		put32(v + 4, 1);
		put32(v + 8, 1);
		put32(v + 12, 1000);
		n = 16;
		break;
	case CT_FORWARD_TSN:
	case CT_IFORWARD_TSN:
		put32(v, 1000);
		n = 4;
		break;
	default:                  /* ABORT, SHUTDOWN-ACK, COOKIE-ACK, SHUTDOWN-COMPLETE... */
		n = c->body;
		fill(v, n, 0xa0);
		break;
	}
	return n;
}

/* Writes the chunks; returns the SCTP payload length or -1. */
static int build_chunks(const struct pkt_spec *s, uint8_t *p, size_t cap)
{
	uint8_t v[PKT_MAX];
	size_t off = 0, n, emit, r;
	int i;

	for (i = 0; i < PKT_MAX_CHUNKS && s->chunks[i].on; i++) {
		const struct chunk_spec *c = &s->chunks[i];

		memset(v, 0, sizeof(v));
		n = 4 + chunk_value(c, v);
		emit = c->raw_len ? c->raw_len : n;
		for (r = 0; r <= c->repeat; r++) {
			if (off + emit + 3 > cap)
				return -1;
			memset(p + off, 0, emit + 3);
			p[off] = c->type;
			p[off + 1] = c->flags;
			put16(p + off + 2, c->set_len ? c->len : emit);
			if (emit > 4)
				memcpy(p + off + 4, v, emit - 4);
			off += emit;
			if (!c->no_pad)
				off = (off + 3) & ~(size_t)3;
		}
	}
	return off;
}

int pkt_build(const struct pkt_spec *s, const uint8_t dst_mac[6], uint8_t *out,
	      struct pkt_info *info)
{
	uint8_t *p = out;
	size_t l3, l4, ip_hlen, l4_len, sctp_len = 0, payload_len, ip_len, end;
	uint8_t proto, nexthdr;
	uint16_t ethertype;
	int n, i;
	struct sctplb_addr src, dst;

	memset(out, 0, PKT_MAX);
	memset(info, 0, sizeof(*info));
	src = pkt_addr(s->src ? s->src : "0.0.0.0");
	dst = pkt_addr(s->dst ? s->dst : "0.0.0.0");
	if (src.family != dst.family) {
		fprintf(stderr, "pkt: %s and %s are of two families\n", s->src, s->dst);
		return -1;
	}

	/* Ethernet and VLAN tags. */
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, PKT_CLIENT_MAC, 6);
	p += 12;
	for (i = 0; i < s->nvlan; i++) {
		put16(p, i == 0 && s->vlan_proto ? s->vlan_proto : 0x8100);
		put16(p + 2, 100 + i);
		p += 4;
	}
	ethertype = s->ethertype ? s->ethertype :
		    src.family == SCTPLB_AF_INET ? 0x0800 : 0x86dd;
	put16(p, ethertype);
	p += 2;
	l3 = p - out;
	if (s->ethertype == 0x0806) { /* ARP request, 28 bytes */
		put16(p, 1);
		put16(p + 2, 0x0800);
		p[4] = 6;
		p[5] = 4;
		put16(p + 6, 1);
		memcpy(p + 8, PKT_CLIENT_MAC, 6);
		memcpy(p + 14, src.addr, 4);
		memcpy(p + 24, dst.addr, 4);
		info->len = l3 + 28 + s->eth_pad;
		return info->len;
	}

	/* IP header, filled once the payload length is known. */
	if (src.family == SCTPLB_AF_INET) {
		ip_hlen = 20 + s->ip_opts;
	} else {
		ip_hlen = 40;
		for (i = 0; i < s->next_ext; i++)
			ip_hlen += s->ext[i] == 51 ? 16 : 8;
	}
	l4 = l3 + ip_hlen;
	proto = s->proto ? s->proto : s->udp_dport || s->udp_plain ? 17 : 132;

	/* L4. */
	p = out + l4;
	if (proto == 6) {                       /* TCP SYN to the SCTP port */
		put16(p, s->sport);
		put16(p + 2, s->dport);
		p[12] = 5 << 4;
		p[13] = 0x02;
		l4_len = 20;
	} else if (proto == 1 || proto == 58) { /* echo request */
		p[0] = proto == 1 ? 8 : 128;
		l4_len = 8;
	} else if (proto == 17 && s->udp_plain) {
		put16(p, s->udp_sport ? s->udp_sport : 40000);
		put16(p + 2, s->udp_dport ? s->udp_dport : s->dport);
		put16(p + 4, 8 + s->udp_plain + s->udp_len_adj);
		fill(p + 8, s->udp_plain, 0x11);
		l4_len = 8 + s->udp_plain;
	} else {
		size_t hdr = proto == 17 ? 8 : 0;
		uint8_t *sh = p + hdr;

		put16(sh, s->sport);
		put16(sh + 2, s->dport);
		put32(sh + 4, s->vtag);
		n = build_chunks(s, sh + 12, PKT_MAX - (sh + 12 - out) - 64);
		if (n < 0) {
			fprintf(stderr, "pkt: chunks do not fit\n");
			return -1;
		}
		sctp_len = 12 + n;
		pkt_sctp_set_crc(sh, sctp_len);
		if (s->sctp_cut)
			sctp_len = s->sctp_cut;
		info->sctp = sh - out;
		l4_len = hdr + sctp_len;
		if (proto == 17) {
			put16(p, s->udp_sport);
			put16(p + 2, s->udp_dport);
			put16(p + 4, 8 + sctp_len + s->udp_len_adj);
			l4_len += s->udp_trailer;
		}
	}

	/* IP header. */
	p = out + l3;
	payload_len = ip_hlen + l4_len - (src.family == SCTPLB_AF_INET ? 0 : 40);
	if (src.family == SCTPLB_AF_INET) {
		ip_len = ip_hlen + l4_len;
		p[0] = 0x40 | (s->ihl ? s->ihl : ip_hlen / 4);
		put16(p + 2, ip_len + s->ip_len_adj);
		put16(p + 4, 0x1234);
		put16(p + 6, s->frag ? s->frag : 0x4000);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, src.addr, 4);
		memcpy(p + 16, dst.addr, 4);
		memset(p + 20, 1, s->ip_opts);  /* NOPs, then end of options */
		if (s->ip_opts)
			p[ip_hlen - 1] = 0;
		put16(p + 10, pkt_csum_fold(pkt_csum_add(0, p, ip_hlen)));
	} else {
		ip_len = 40 + payload_len;
		p[0] = 0x60;
		put16(p + 4, payload_len + s->ip_len_adj);
		p[7] = 64;
		memcpy(p + 8, src.addr, 16);
		memcpy(p + 24, dst.addr, 16);
		/* Extension headers: each names the next. */
		nexthdr = s->next_ext ? s->ext[0] : proto;
		p[6] = nexthdr;
		p += 40;
		for (i = 0; i < s->next_ext; i++) {
			uint8_t next = i + 1 < s->next_ext ? s->ext[i + 1] : proto;

			p[0] = next;
			if (s->ext[i] == 51) {       /* AH: length in 4-byte words - 2 */
				p[1] = 2;
				put32(p + 4, 0x100);
				p += 16;
			} else if (s->ext[i] == 44) { /* fragment: offset 0, M set */
				put16(p + 2, 1);
				put32(p + 4, 0xabcd);
				p += 8;
			} else {                      /* hop-by-hop, routing, dest. opts: PadN */
				if (s->ext[i] == 43) {
					p[2] = 4;    /* routing type (SRH), segments left 0 */
				} else {
					p[2] = 1;
					p[3] = 4;
				}
				p += 8;
			}
		}
	}

	/* UDP checksum (pseudo-header), now that addresses are in place. */
	if (proto == 17) {
		uint8_t *u = out + l4;
		size_t ulen = (u[4] << 8 | u[5]);
		uint32_t sum = 0;

		if (ulen <= l4_len) {
			if (src.family == SCTPLB_AF_INET) {
				sum = pkt_csum_add(sum, (uint8_t *)src.addr, 4);
				sum = pkt_csum_add(sum, (uint8_t *)dst.addr, 4);
			} else {
				sum = pkt_csum_add(sum, (uint8_t *)src.addr, 16);
				sum = pkt_csum_add(sum, (uint8_t *)dst.addr, 16);
			}
			sum += 17 + ulen;
			sum = pkt_csum_add(sum, u, ulen);
			put16(u + 6, pkt_csum_fold(sum) ? pkt_csum_fold(sum) : 0xffff);
		}
	}

	end = l3 + ip_len + s->eth_pad;
	if (s->trunc > end)
		return -1;
	info->len = end - s->trunc;
	if (s->frame_len && s->frame_len < info->len)
		info->len = s->frame_len;
	info->family = src.family;
	info->src = src;
	info->dst = dst;
	info->ip_len = ip_len;
	info->l3 = l3;
	info->sport = htons(s->sport);
	info->dport = htons(s->dport);
	return info->len;
}
