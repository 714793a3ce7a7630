// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* seq.c: see seq.h. */
#include <linux/bpf.h>
#include "seq.h"

int seq_run(struct fx *fx, const struct pkt_spec *s, bool to_backend, uint64_t now_ns,
	    struct seq_out *o)
{
	static uint8_t in[PKT_MAX];
	uint64_t s0[SCTPLB_STAT_MAX], s1[SCTPLB_STAT_MAX];
	struct sctplb_decision d;
	struct pkt_info info;
	int i, err;

	if (pkt_build(s, to_backend ? fx->mac_in : fx->mac_out, in, &info) < 0)
		return -1;
	if (now_ns)
		fx_set_clock(fx, now_ns);
	fx_stats(fx, s0);
	fx_decision_clear(fx);
	err = to_backend ? fx_run(fx, in, info.len, o->frame, &o->len, &o->verdict)
			 : fx_run_tc(fx, fx->prog_tc_return, fx->if_out, in, info.len, o->frame,
				     &o->len, &o->verdict);
	if (err)
		return -1;
	fx_stats(fx, s1);
	fx_decision(fx, &d);
	o->backend = d.backend_id;
	o->reason = d.reason;
	o->path = d.path;
	for (i = 0; i < SCTPLB_STAT_MAX; i++)
		o->d[i] = s1[i] - s0[i];
	return 0;
}

bool seq_forwarded(const struct seq_out *o)
{
	return o->verdict == XDP_TX || o->verdict == XDP_REDIRECT;
}
