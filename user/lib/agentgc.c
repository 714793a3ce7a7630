// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* agentgc.c: see agentgc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "agentgc.h"

static bool expired(const struct sctplb_agent_tag *t, __u64 now, __u64 hs, __u64 grace,
		    __u64 idle, struct lb_agent_gc *r)
{
	if ((t->flags & SCTPLB_AGENT_F_CLOSING) && now > t->closing_ns + grace)
		return r->closed++, true;
	if (!(t->flags & SCTPLB_AGENT_F_SEEN) && now > t->created_ns + hs)
		return r->unanswered++, true;
	if ((t->flags & SCTPLB_AGENT_F_SEEN) && now > t->last_seen_ns + idle)
		return r->idle++, true;
	return false;
}

int lb_agent_sweep(int in_fd, int out_fd, __u64 now, __u64 hs, __u64 grace, __u64 idle,
		   struct lb_agent_gc *r)
{
	struct sctplb_agent_key k, next, *cand = NULL;
	struct sctplb_agent_tag t;
	size_t n = 0, cap = 0, i;
	void *prev = NULL;

	memset(r, 0, sizeof(*r));
	/* Collect first: deleting under get_next_key may skip keys. */
	while (bpf_map_get_next_key(in_fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(in_fd, &k, &t))
			continue;
		r->scanned++;
		if (!expired(&t, now, hs, grace, idle, r))
			continue;
		if (n == cap) {
			struct sctplb_agent_key *c = realloc(cand, (cap = cap ? 2 * cap : 256) * sizeof(*c));

			if (!c) {
				free(cand);
				return -ENOMEM;
			}
			cand = c;
		}
		cand[n++] = k;
	}
	for (i = 0; i < n; i++) {
		struct sctplb_agent_key ok = cand[i];
		struct sctplb_agent_tag o;

		struct lb_agent_gc again = {};

		/* again: a client packet may have come in meanwhile */
		if (bpf_map_lookup_elem(in_fd, &cand[i], &t) ||
		    !expired(&t, now, hs, grace, idle, &again))
			continue;
		ok.tag = t.tag;
		if (bpf_map_delete_elem(in_fd, &cand[i]))
			continue;
		if (!bpf_map_lookup_elem(out_fd, &ok, &o) && o.tag == cand[i].tag)
			bpf_map_delete_elem(out_fd, &ok);
	}
	free(cand);
	return 0;
}
