/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

SEC("xdp")
int sctplb_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
