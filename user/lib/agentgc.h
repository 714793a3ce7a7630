/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * agentgc.h: expiry of the backend agent's tags (bpf/agent.bpf.c), the same
 * rules as the forwarder's sweep (gc.h) with the same defaults: a tag whose
 * INIT-ACK no client packet ever answered is removed after the handshake
 * timeout (a spoofed INIT's, or a handshake that failed), an ended one after
 * the closing grace, one with no client packet for the idle timeout.  Both
 * directions (agent_in, agent_out) go together.  Time is passed in.
 */
#ifndef SCTPLB_AGENTGC_H
#define SCTPLB_AGENTGC_H

#include "sctplb.h"

struct lb_agent_gc {
	unsigned int scanned, unanswered, closed, idle;
};

/* 0 or a negative errno. */
int lb_agent_sweep(int in_fd, int out_fd, __u64 now_ns, __u64 handshake_ns, __u64 grace_ns,
		   __u64 idle_ns, struct lb_agent_gc *r);

#endif
