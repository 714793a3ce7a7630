/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture.h: reads a pcap file as Ethernet frames.  Ethernet captures are
 * returned as they are; Linux cooked (SLL, SLL2) and raw IP captures get a
 * synthesized Ethernet header (locally administered MACs, the captured
 * protocol).  Kept apart from libbpf: pcap's and the kernel's struct
 * bpf_insn cannot meet in one file.
 */
#ifndef SCTPLB_CAPTURE_H
#define SCTPLB_CAPTURE_H

#include <stddef.h>

#define LB_CAPTURE_MAX_FRAME 9216

struct lb_capture;

/* NULL on error, with the cause (and the fix) in err. */
struct lb_capture *lb_capture_open(const char *path, char *err, size_t errlen);
/* 1 and the next frame (valid until the next call), 0 at the end, -1 on error (err). */
int lb_capture_next(struct lb_capture *c, const unsigned char **frame, size_t *len, char *err,
		    size_t errlen);
void lb_capture_close(struct lb_capture *c);

/* Frame conversion alone (dlt: a DLT_* value); -1 if the link type is not supported. */
int lb_capture_to_ethernet(int dlt, const unsigned char *pkt, size_t caplen, unsigned char *out);

#endif
