/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * seq.h: packet sequences through the loaded forwarder, for the tests that
 * play a conversation (test_spoof, test_rtag_fwd) rather than a table: one
 * packet through sctplb_xdp (toward the backends) or sctplb_tc_return (what
 * the backends send), with the decision and the counters it moved.
 */
#ifndef SCTPLB_TEST_SEQ_H
#define SCTPLB_TEST_SEQ_H

#include <stdbool.h>
#include <stdint.h>
#include "fixture.h"
#include "pkt.h"

struct seq_out {
	uint32_t verdict, backend, reason;
	uint8_t path;
	uint64_t d[SCTPLB_STAT_MAX];    /* counter deltas */
	uint8_t frame[PKT_MAX];         /* the packet as it left */
	size_t len;
};

/* One packet; with fx_load_opts(.test_clock) the datapath sees now_ns
 * (0: leave the clock).  0, or -1 if it could not be built or run. */
int seq_run(struct fx *fx, const struct pkt_spec *s, bool to_backend, uint64_t now_ns,
	    struct seq_out *o);
/* XDP_TX or XDP_REDIRECT. */
bool seq_forwarded(const struct seq_out *o);

#endif
