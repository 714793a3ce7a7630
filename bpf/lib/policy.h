/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-service source policy: an INIT from a source that the service's policy
 * denies is dropped and counted (POLICY_DROP).  The tries and their meaning
 * are in include/sctplb.h (policy4, policy6).  Only INITs are looked at: the
 * start of every association; its later packets go by their vtag, so an
 * association established before a deny rule goes on.
 */
#ifndef SCTPLB_BPF_POLICY_H
#define SCTPLB_BPF_POLICY_H

#include "common.h"
#include "parse.h"
#include "event.h"

static __always_inline int policy_check(const struct pkt *p)
{
	struct sctplb_policy *v;

	if (p->family == SCTPLB_AF_INET) {
		struct sctplb_policy4_key k = { .prefixlen = 64,
						.service_id = bpf_htonl(p->service_id),
						.addr = p->saddr[0] };

		v = bpf_map_lookup_elem(&policy4, &k);
	} else {
		struct sctplb_policy6_key k = { .prefixlen = 160,
						.service_id = bpf_htonl(p->service_id) };

		__builtin_memcpy(k.addr, p->saddr, 16);
		v = bpf_map_lookup_elem(&policy6, &k);
	}
	if (v && v->action != SCTPLB_POLICY_ALLOW) {
		lb_event(SCTPLB_EV_POLICY_DROP, p, SCTPLB_BACKEND_NONE, 0, 0);
		return act_drop(SCTPLB_STAT_POLICY_DROP);
	}
	return ACT_CONTINUE;
}

#endif
