/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * events.h: what user space puts into the datapath's event stream (the ring
 * buffer `events`, include/sctplb.h): "expired" when the sweep removes an
 * association, through the program sctplb_event_emit run with BPF_PROG_RUN
 * (a ring buffer takes writes only from BPF), so that `sctplb monitor` reads
 * one stream.
 */
#ifndef SCTPLB_EVENTS_H
#define SCTPLB_EVENTS_H

#include "sctplb.h"
#include "pinned.h"

/*
 * The association (k, a) was removed; why: enum sctplb_event_expiry.  Through
 * the control program sctplb_event_emit (user/lib/ctl.h).  Never fails the
 * caller: an event that cannot be written is reported once on stderr.
 */
void lb_event_expired(const struct lb_maps *m, const struct sctplb_assoc_key *k,
		      const struct sctplb_assoc *a, __u8 why);

#endif
