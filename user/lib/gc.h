/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gc.h: expiry of the datapath's state, done by a sweep in user space.
 *
 * The datapath never deletes an association: it marks it CLOSING when it
 * sees ABORT or SHUTDOWN-COMPLETE, and refreshes last_seen_ns on every
 * packet.  gc_sweep() removes
 *   - associations in state CLOSING whose closing_ns is older than the
 *     closing grace (retransmitted SHUTDOWN-COMPLETE/ABORT still find them
 *     within the grace);
 *   - associations of any state idle (last_seen_ns) longer than the idle
 *     timeout;
 *   - with each removed association, its assoc_ctags entry (service, Tc,
 *     ports) if it still names the association's Ts, and the client_index
 *     entries that point to it (value's stag and backend equal the
 *     association's): keys rebuilt from the per-path client addresses and the
 *     client port first, then a scan of client_index for the ones no path
 *     recorded (an association learnt from the INIT-ACK may have none);
 *   - handshakes older than the handshake timeout (created_ns);
 *   - full NAT's snat_flows entries whose (service, Tc, client port) has no
 *     association in either table, once older than the handshake timeout
 *     (the INIT makes the flow before the association exists).
 * A live association that is not idle is never touched.  Times are injected
 * (now_ns, CLOCK_MONOTONIC like bpf_ktime_get_ns()), so that a test can
 * simulate minutes in milliseconds.
 *
 * Tables are read with bpf_map_lookup_batch (one syscall per few hundred
 * entries), falling back to get_next_key where batching is not supported;
 * keys to delete are collected first and deleted after the scan, each one
 * looked up again just before its delete so that an entry the datapath
 * refreshed meanwhile is kept.
 */
#ifndef SCTPLB_GC_H
#define SCTPLB_GC_H

#include <stddef.h>
#include "sctplb.h"
#include "pinned.h"

struct gc_result {
	__u32 assocs_scanned;
	__u32 handshakes_scanned;
	__u32 assocs_closed;    /* CLOSING past the grace */
	__u32 assocs_idle;      /* idle past the idle timeout */
	__u32 assocs_owned;     /* of a deleted backend or service (gc_remove_owned) */
	__u32 ctags;            /* assoc_ctags entries removed */
	__u32 clients;          /* client_index entries removed */
	__u32 handshakes;       /* handshakes removed */
	__u32 snat_flows;       /* full NAT: snat_flows entries with no association left */
};

/* The effective timeouts in ns (0 in cfg: the SCTPLB_*_S default). */
__u64 gc_idle_ns(const struct sctplb_config *cfg);
__u64 gc_grace_ns(const struct sctplb_config *cfg);
__u64 gc_handshake_ns(const struct sctplb_config *cfg);

/* One sweep; out is zeroed first.  Then one generation of each key filter
 * is rebuilt (lb_filter_rebuild): the caller holds the pin directory's lock
 * (LB_OPEN_LOCK).  Returns 0 or -errno (message in lb_err_msg()). */
int gc_sweep(const struct lb_maps *m, __u64 now_ns, const struct sctplb_config *cfg,
	     struct gc_result *out);

/*
 * The key filters' bits from user space (the layout and the rules are in
 * include/sctplb.h; the datapath's side is bpf/lib/lb.h filter_*):
 *   lb_filters_fill     sets the bit of every entry of each filter's table
 *                       in both generations, clearing nothing: attach, and
 *                       a map an upgrade made;
 *   lb_filter_rebuild   gc's: clears the generation the rebuild count names,
 *                       sets it again from the table, counts the rebuild
 *                       (*gen, when not NULL: the one rebuilt); under the pin
 *                       directory's lock, as two at once could each clear a
 *                       generation;
 *   lb_filter_add       sets one key's bit in both generations, as the
 *                       datapath does once it has written the entry;
 *   lb_filter_test      1 if the key's bit is set in either generation, 0 if
 *                       not, or a negative errno.
 * 0 or a negative errno.
 */
enum lb_filter {
	LB_FILTER_CLIENT,       /* client_filter: client_index's keys */
	LB_FILTER_ASSOC,        /* assoc_filter: assocs' keys */
	LB_FILTER_N
};
int lb_filters_fill(const struct lb_maps *m);
int lb_filter_rebuild(const struct lb_maps *m, enum lb_filter which, int *gen);
int lb_filter_add(const struct lb_maps *m, enum lb_filter which, const void *key);
int lb_filter_test(const struct lb_maps *m, enum lb_filter which, const void *key);

/*
 * Removes every association, assoc_ctags, client_index and handshake entry
 * of the given backends (by id) and services (by id), and zeroes the
 * backends' path_stats slots: for a deleted backend or service, after its
 * configuration is gone, so that a reused id inherits nothing.  Idempotent.
 * out is zeroed first.
 */
int gc_remove_owned(const struct lb_maps *m, const __u32 *backend_ids, size_t nbe,
		    const __u32 *service_ids, size_t nsvc, struct gc_result *out);

/* Entries removed in all (for "N removed" messages). */
static inline __u32 gc_total(const struct gc_result *r)
{
	return r->assocs_closed + r->assocs_idle + r->assocs_owned + r->ctags + r->clients +
	       r->handshakes + r->snat_flows;
}

#endif
