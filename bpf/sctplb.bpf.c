/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Stub: the datapath is being written; see docs/datapath.md for the contract. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

const volatile __u32 sctplb_trace = 0;

SEC("xdp")
int sctplb_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int sctplb_tc_ingress(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

SEC("tc")
int sctplb_tc_return(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
