/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctl.h: the control programs, BPF_PROG_TYPE_SYSCALL programs of the
 * datapath's object that user space runs with BPF_PROG_TEST_RUN on the maps
 * it opened, for what only BPF can do in one step:
 *   sctplb_event_emit    an event into the ring buffer `events` (a ring
 *                        buffer takes writes only from BPF): user/lib/events.c
 *   sctplb_table_delete  a set-associative table's entry deleted under its
 *                        set's lock (include/sctplb.h struct sctplb_table_op):
 *                        user/lib/settable.c
 */
#ifndef SCTPLB_CTL_H
#define SCTPLB_CTL_H

#include "pinned.h"

enum lb_ctl_prog {
	LB_CTL_EVENT_EMIT,
	LB_CTL_TABLE_DELETE,
	LB_CTL_N
};

/*
 * The fd of program p bound to m's maps (by their fds: pinned, or a test's
 * own).  Both are loaded together on the first call (tens of ms: the
 * verifier) and kept for the process while the maps p uses are the same maps
 * (their ids: maps created anew, after a detach, get the programs loaded
 * again).  -errno with lb_err() if they cannot be loaded.
 */
int lb_ctl_prog(const struct lb_maps *m, enum lb_ctl_prog p);

/* Use prog_fd for p whatever the maps (tests: a skeleton's own program, with
 * its injected clock); -1: load as above. */
void lb_ctl_use_prog(enum lb_ctl_prog p, int prog_fd);

#endif
