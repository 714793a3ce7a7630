/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* prim.h: what tests/bpf/test_prim.c and prim.bpf.c share. */
#ifndef SCTPLB_TEST_PRIM_H
#define SCTPLB_TEST_PRIM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* What a test sets before a run, and what the program reports. */
struct prim_io {
	__u32 sctp_off, sctp_len;   /* the SCTP packet (common header on) in the frame */
	__u32 server_id, nonce;     /* prim_retag: the tag to make */
	__u32 tag;                  /* prim_patch32: the vtag to write; prim_retag: the tag made */
	__u32 patch_off, patch_len; /* prim_patch: offset in the SCTP packet; 2, 4 or 16 */
	__u8 patch_to[16];
	__u32 server;               /* prim_decode: the server id of the vtag */
	__u32 err;                  /* non-zero: the program refused the input (which check) */
};

#endif
