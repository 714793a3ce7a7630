/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Constants, the action encoding and the global counters shared by every
 * step of the datapath.
 */
#ifndef SCTPLB_BPF_COMMON_H
#define SCTPLB_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

/* uapi #defines that vmlinux.h (BTF) cannot carry. */
#define ETH_P_IP      0x0800
#define ETH_P_IPV6    0x86DD
#define ETH_P_8021Q   0x8100
#define ETH_P_8021AD  0x88A8
#define AF_INET       2
#define AF_INET6      10
#define IPPROTO_HOPOPTS  0
#define IPPROTO_ROUTING  43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS  60
#define IPPROTO_ICMPV6   58
#define ETH_ALEN      6
#define EEXIST        17
#define TC_ACT_OK     0
#define TC_ACT_SHOT   2
#define TC_ACT_REDIRECT 7

#define SCTPLB_MAX_PKT 0x3fff   /* offsets beyond this are not parsed (16 KiB) */
#define SCTP_INIT_FIXED_LEN 20  /* chunk header + tag, a_rwnd, streams, TSN */
#define SCTP_PORTS_VTAG_LEN 8   /* common header without the checksum */

/* Set by the loader before load for replay and tests; see the trace map. */
extern const volatile __u32 sctplb_trace;

/*
 * The datapath's clock: CLOCK_MONOTONIC_COARSE (include/sctplb.h), read once
 * per packet.  The fine clock (bpf_ktime_get_ns, a TSC read under a seqlock)
 * cost ~30 ns of an established packet's ~230 in the benchmark; nothing here
 * needs better than a timer tick.  Tests set sctplb_test_clock before load
 * and then move time by writing sctplb_clock_ns (.bss), so that nothing they
 * check depends on the wall clock; in production the verifier removes the
 * branch.
 */
extern const volatile __u32 sctplb_test_clock;
extern __u64 sctplb_clock_ns;

/*
 * The coarse clock moves only at a timer tick, when jiffies moves too
 * (tick_do_update_jiffies64: jiffies, then the timekeeper).  Its helper is
 * a call into a call (ktime_get_coarse_ts64), and with this CPU's return
 * thunk (SRSO "safe RET") each return costs a mispredicted branch: ~13 ns of
 * an established packet here.  bpf_jiffies64() is inlined by the verifier
 * (a load), so each CPU keeps the coarse clock's reading of the current
 * jiffy and calls the helper once per tick, not once per packet.  A reading
 * taken between the two updates of a tick (jiffies moved, the timekeeper not
 * yet) equals the one cached: it is not kept for the new jiffy, so that the
 * next packet reads again.  The agent (bpf/agent.bpf.c) has its own copy,
 * which its loader does not pin (user/agent.c): a cache of the program's.
 */
struct sctplb_clock {
	__u64 jiffies;          /* the jiffy ns was read in */
	__u64 ns;               /* bpf_ktime_get_coarse_ns() then */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sctplb_clock);
} clock_cache SEC(".maps");

static __always_inline __u64 lb_coarse_ns(void)
{
	struct sctplb_clock *c;
	__u64 j, ns;
	__u32 zero = 0;

	j = bpf_jiffies64();
	c = bpf_map_lookup_elem(&clock_cache, &zero);
	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies == j)
		return c->ns;
	ns = bpf_ktime_get_coarse_ns();
	if (ns != c->ns) /* the timekeeper has moved: this jiffy's reading */
		c->jiffies = j;
	c->ns = ns;
	return ns;
}

static __always_inline __u64 lb_now(void)
{
	return sctplb_test_clock ? sctplb_clock_ns : lb_coarse_ns();
}

/*
 * Every step returns ACT_CONTINUE or a final action, Katran style:
 * `if (act != ACT_CONTINUE) return act;`.  A final action carries the counter
 * that decided it in its upper bits, so that the trace can name the reason.
 */
#define ACT_CONTINUE (-1)
enum { ACT_PASS = 0, ACT_DROP = 1 };
#define ACT_MAKE(act, reason) ((int)(((reason) << 8) | (act)))
#define ACT_KIND(a) ((a) & 0xff)
#define ACT_REASON(a) ((__u32)(a) >> 8)

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n; /* per-CPU value: no atomic needed */
}

static __always_inline void stat_inc(__u32 idx)
{
	stat_add(idx, 1);
}

/*
 * A final action and its reason.  Not counted here: each program counts the
 * one final reason of every packet, so that RX equals the sum of the final
 * reasons, and so that the return-path program can parse without counting.
 */
static __always_inline int act_drop(__u32 idx)
{
	return ACT_MAKE(ACT_DROP, idx);
}

static __always_inline int act_pass(__u32 idx)
{
	return ACT_MAKE(ACT_PASS, idx);
}

static __always_inline int addr_family_to_af(__u8 family)
{
	return family == SCTPLB_AF_INET6 ? AF_INET6 : AF_INET;
}

#endif
