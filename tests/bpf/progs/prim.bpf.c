// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * prim.bpf.c: the primitives of include/sctplb_rtag.h and
 * include/sctplb_crc32c.h as BPF runs them, for tests/bpf/test_prim.c
 * (BPF_PROG_TEST_RUN): each program does one thing to the SCTP packet at
 * io.sctp_off in the frame, as the backend agent and the forwarder will, and
 * reports in io.  prim_trivial is the floor the costs are divided by.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "sctplb_rtag.h"
#include "sctplb_crc32c.h"
#include "prim.h"

#define XDP_ABORTED_ 0
#define XDP_PASS_ 2
#define PRIM_MAX_OFF 0x3fff
#define PRIM_BLOCK 64

struct prim_io io;

/* The expanded key, as the agent and the forwarder will hold it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sctplb_rtag_key);
} rtag_key SEC(".maps");

/* The SCTP common header, its 12 bytes within the frame, or NULL. */
static __always_inline __u8 *sctp_hdr(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
	__u8 *sh = data + (io.sctp_off & PRIM_MAX_OFF);

	if (sh + SCTPLB_SCTP_HDR_LEN > end || io.sctp_len < SCTPLB_SCTP_HDR_LEN ||
	    io.sctp_len > (__u32)(end - sh)) {
		io.err = 1;
		return NULL;
	}
	return sh;
}

SEC("xdp")
int prim_trivial(struct xdp_md *ctx)
{
	return XDP_PASS_;
}

/* The forwarder: the server id of the packet's vtag. */
SEC("xdp")
int prim_decode(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sctplb_rtag_key *k = bpf_map_lookup_elem(&rtag_key, &zero);
	__u8 *sh = sctp_hdr(ctx);

	if (!sh || !k)
		return XDP_ABORTED_;
	io.server = sctplb_rtag_server(k, bpf_ntohl(*(__u32 *)(sh + 4)));
	return XDP_PASS_;
}

/* The agent: a fresh routable tag into the vtag, the CRC patched. */
SEC("xdp")
int prim_retag(struct xdp_md *ctx)
{
	__u32 zero = 0, tag, from, to;
	struct sctplb_rtag_key *k = bpf_map_lookup_elem(&rtag_key, &zero);
	__u8 *sh = sctp_hdr(ctx);

	if (!sh || !k)
		return XDP_ABORTED_;
	tag = sctplb_rtag_make(k, io.server_id, io.nonce);
	if (!tag) {
		io.err = 2;
		return XDP_ABORTED_;
	}
	from = *(__u32 *)(sh + 4);
	to = bpf_htonl(tag);
	*(__u32 *)(sh + 4) = to;
	*(__u32 *)(sh + 8) = sctplb_crc32c_patch32(*(__u32 *)(sh + 8), io.sctp_len, 4, from, to);
	io.tag = tag;
	return XDP_PASS_;
}

/* The tag part alone: sctplb_rtag_make into io.tag. */
SEC("xdp")
int prim_make(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct sctplb_rtag_key *k = bpf_map_lookup_elem(&rtag_key, &zero);

	if (!k)
		return XDP_ABORTED_;
	io.tag = sctplb_rtag_make(k, io.server_id, io.nonce);
	return XDP_PASS_;
}

/* The CRC part alone: io.tag into the vtag. */
SEC("xdp")
int prim_patch32(struct xdp_md *ctx)
{
	__u8 *sh = sctp_hdr(ctx);
	__u32 from, to;

	if (!sh)
		return XDP_ABORTED_;
	from = *(__u32 *)(sh + 4);
	to = bpf_htonl(io.tag);
	*(__u32 *)(sh + 4) = to;
	*(__u32 *)(sh + 8) = sctplb_crc32c_patch32(*(__u32 *)(sh + 8), io.sctp_len, 4, from, to);
	return XDP_PASS_;
}

/* n bytes (a constant) at sh + off become io.patch_to, the CRC patched. */
static __always_inline int patch_n(struct xdp_md *ctx, __u8 *sh, __u32 off, const __u32 n)
{
	__u8 *end = (__u8 *)(long)ctx->data_end, *p = sh + (off & PRIM_MAX_OFF);
	__u8 from[16];
	__u32 i;

	if (p + n > end || off + n > io.sctp_len) {
		io.err = 3;
		return XDP_ABORTED_;
	}
	__builtin_memcpy(from, p, n);
	*(__u32 *)(sh + 8) = sctplb_crc32c_patch(*(__u32 *)(sh + 8), io.sctp_len, off, from,
						 io.patch_to, n);
	for (i = 0; i < n; i++)
		p[i] = io.patch_to[i];
	return XDP_PASS_;
}

SEC("xdp")
int prim_patch(struct xdp_md *ctx)
{
	__u8 *sh = sctp_hdr(ctx);
	__u32 off = io.patch_off;

	if (!sh)
		return XDP_ABORTED_;
	switch (io.patch_len) {
	case 2:
		return patch_n(ctx, sh, off, 2);
	case 4:
		return patch_n(ctx, sh, off, 4);
	case 16:
		return patch_n(ctx, sh, off, 16);
	}
	io.err = 4;
	return XDP_ABORTED_;
}

/*
 * The whole CRC in BPF (for a packet whose length changes): bpf_loop over
 * blocks of 64 bytes copied to the stack by bpf_xdp_load_bytes, the table
 * a byte at a time.  The field is zeroed first, then written.  The block's
 * offset comes from the loop index, not from a counter in the context: the
 * verifier checks a bpf_loop callback as a loop body, and a context that
 * changes from one iteration to the next would never let it converge.
 */
struct full_ctx {
	struct xdp_md *xdp;
	__u32 start, end, crc, done;
};

static long full_block(__u64 index, void *data)
{
	struct full_ctx *c = data;
	__u32 off = c->start + (__u32)index * PRIM_BLOCK, n, i, crc = c->crc;
	__u8 buf[PRIM_BLOCK];

	if (off >= c->end || index >= (PRIM_MAX_OFF + 1) / PRIM_BLOCK)
		return 1;
	n = c->end - off;
	if (n >= PRIM_BLOCK) {
		if (bpf_xdp_load_bytes(c->xdp, off, buf, PRIM_BLOCK))
			return 1;
		crc = sctplb_crc32c_update(crc, buf, PRIM_BLOCK);
		n = PRIM_BLOCK;
	} else {
		if (n < 1 || bpf_xdp_load_bytes(c->xdp, off, buf, n))
			return 1;
		for (i = 0; i < PRIM_BLOCK; i++) {
			if (i >= n)
				break;
			crc = sctplb_crc32c_tab[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
		}
	}
	c->crc = crc;
	c->done += n;
	return 0;
}

SEC("xdp")
int prim_full(struct xdp_md *ctx)
{
	__u8 *sh = sctp_hdr(ctx);
	struct full_ctx c = { .xdp = ctx };

	if (!sh)
		return XDP_ABORTED_;
	*(__u32 *)(sh + 8) = 0;
	c.start = io.sctp_off & PRIM_MAX_OFF;
	c.end = c.start + io.sctp_len;
	c.crc = ~0u;
	bpf_loop((io.sctp_len + PRIM_BLOCK - 1) / PRIM_BLOCK, full_block, &c, 0);
	if (c.done != io.sctp_len) {
		io.err = 5;
		return XDP_ABORTED_;
	}
	sh = sctp_hdr(ctx);  /* the helper calls invalidated the packet pointers */
	if (!sh)
		return XDP_ABORTED_;
	*(__u32 *)(sh + 8) = sctplb_crc32c_crc_to_field(~c.crc);
	return XDP_PASS_;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
