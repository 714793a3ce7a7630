// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* capture.c: pcap files as Ethernet frames; see capture.h. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct lb_capture {
	pcap_t *pc;
	int dlt;
	unsigned char frame[LB_CAPTURE_MAX_FRAME];
};

int lb_capture_to_ethernet(int dlt, const unsigned char *pkt, size_t caplen, unsigned char *out)
{
	struct ethhdr *eth = (struct ethhdr *)out;
	__u16 proto;
	size_t hl;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen > LB_CAPTURE_MAX_FRAME)
			caplen = LB_CAPTURE_MAX_FRAME;
		memcpy(out, pkt, caplen);
		return caplen;
	case DLT_LINUX_SLL:     /* 16 bytes, protocol at 14 */
		if (caplen < 16)
			return -1;
		memcpy(&proto, pkt + 14, 2);
		hl = 16;
		break;
	case DLT_LINUX_SLL2:    /* 20 bytes, protocol at 0 */
		if (caplen < 20)
			return -1;
		memcpy(&proto, pkt, 2);
		hl = 20;
		break;
	case DLT_RAW:
		if (caplen < 1)
			return -1;
		proto = htons((pkt[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP);
		hl = 0;
		break;
	default:
		return -1;
	}
	if (caplen - hl > LB_CAPTURE_MAX_FRAME - sizeof(*eth))
		caplen = hl + LB_CAPTURE_MAX_FRAME - sizeof(*eth);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	eth->h_proto = proto;
	memcpy(out + sizeof(*eth), pkt + hl, caplen - hl);
	return sizeof(*eth) + caplen - hl;
}

struct lb_capture *lb_capture_open(const char *path, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct lb_capture *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->pc = pcap_open_offline(path, errbuf);
	if (!c->pc) {
		snprintf(err, errlen, "cannot read capture %s: %s", path, errbuf);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->pc);
	if (c->dlt != DLT_EN10MB && c->dlt != DLT_LINUX_SLL && c->dlt != DLT_LINUX_SLL2 &&
	    c->dlt != DLT_RAW) {
		const char *name = pcap_datalink_val_to_name(c->dlt);

		snprintf(err, errlen, "%s: link type %s is not supported; use an Ethernet, Linux "
			 "cooked (SLL, SLL2) or raw IP capture (tcpdump -i IFNAME writes Ethernet)",
			 path, name ? name : "?");
		lb_capture_close(c);
		return NULL;
	}
	return c;
}

int lb_capture_next(struct lb_capture *c, const unsigned char **frame, size_t *len, char *err,
		    size_t errlen)
{
	struct pcap_pkthdr *hdr;
	const unsigned char *pkt;
	int rc, n;

	rc = pcap_next_ex(c->pc, &hdr, &pkt);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(err, errlen, "%s", pcap_geterr(c->pc));
		return -1;
	}
	n = lb_capture_to_ethernet(c->dlt, pkt, hdr->caplen, c->frame);
	*frame = c->frame;
	*len = n < 0 ? 0 : (size_t)n;
	return 1;
}

void lb_capture_close(struct lb_capture *c)
{
	if (!c)
		return;
	if (c->pc)
		pcap_close(c->pc);
	free(c);
}
