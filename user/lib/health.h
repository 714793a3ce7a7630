/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * health.h: path health and failovers, derived in user space from the
 * datapath's per-association, per-path counters (struct sctplb_assoc_path:
 * the client's packets on each path).  Time is passed in (CLOCK_MONOTONIC
 * ns, as the datapath stamps), so tests move it by hand.
 *
 * A path of an association is
 *   active   DATA came on it within the silent time (it carries the traffic);
 *   standby  something came (HEARTBEATs) within the silent time, but no DATA;
 *   silent   nothing came for the silent time (config path-silent);
 *   unused   nothing ever came (the client never used that VIP).
 *
 * A failover is an association's DATA moving to another path: the path with
 * the latest DATA changes between two looks (and back again is one more).
 * Moves that happen and undo themselves between two looks are not seen.
 */
#ifndef SCTPLB_HEALTH_H
#define SCTPLB_HEALTH_H

#include <stddef.h>
#include "sctplb.h"

enum lb_path_health {
	LB_PATH_UNUSED = 0,
	LB_PATH_ACTIVE,
	LB_PATH_STANDBY,
	LB_PATH_SILENT,
	LB_PATH_HEALTH_N
};

extern const char *const lb_path_health_names[LB_PATH_HEALTH_N];

/* The configured silent time in ns (settings.path_silent_s, 0: the default). */
__u64 lb_path_silent_ns(const struct sctplb_config *cfg);

enum lb_path_health lb_path_health(const struct sctplb_path_counters *c, __u64 now_ns,
				   __u64 silent_ns);

/* The path with the latest DATA, or -1 if none has had any (a tie: the lowest). */
int lb_assoc_data_path(const struct sctplb_assoc *a);

/*
 * An association's stamp (include/sctplb.h) as CLOCK_MONOTONIC ns: the latest
 * time it may stand for, so that nothing expires or goes silent early
 * because of the stamp's second; 0 (never) stays 0.
 */
static inline __u64 lb_stamp_ns(__u32 st)
{
	return st ? sctplb_stamp_ns(st + 1) - 1 : 0;
}

/*
 * "1.5s", "3m05s", "2h10m" ("-" for then_ns 0: never): the age of then_ns at
 * now_ns (CLOCK_MONOTONIC ns), as printf's "%.1fs", "%ldm%02lds" and
 * "%ldh%02ldm" of the seconds would write it, in buf (len bytes).  Written
 * by hand: assoc list formats several ages per association, and printf's
 * were half of listing a million.
 */
const char *lb_fmt_age(__u64 then_ns, __u64 now_ns, char *buf, size_t len);

/* The client address of path p of a (family 0: the client never sent there). */
struct sctplb_addr lb_assoc_client(const struct sctplb_assoc *a, int p);

/* The health of path p of a, from its stamps (lb_path_health's rules). */
enum lb_path_health lb_assoc_path_health(const struct sctplb_assoc *a, int p, __u64 now_ns,
					 __u64 silent_ns);

/*
 * Failovers per (service, backend), counted over successive looks at the
 * association tables: lb_failover_begin(), lb_failover_see() for every
 * association, lb_failover_end() (which forgets associations not seen).
 */
struct lb_fo_assoc {
	struct sctplb_assoc_key k;
	int path;
};

struct lb_fo_count {
	__u32 service_id, backend_id;
	__u64 failovers;
};

struct lb_failover {
	struct lb_fo_assoc *cur;                /* this look's, in the order seen */
	size_t ncur, capcur;
	struct lb_fo_assoc *prev;               /* the last look's: open addressing by key,
						   nslots (a power of two, at least twice
						   nprev), path -1 in an empty slot */
	size_t nprev, nslots;
	struct lb_fo_count *count;
	size_t ncount, capcount;
};

void lb_failover_begin(struct lb_failover *t);
/* Returns 1 when this look is a failover of the association, else 0. */
int lb_failover_see(struct lb_failover *t, const struct sctplb_assoc_key *k,
		    const struct sctplb_assoc *a);
void lb_failover_end(struct lb_failover *t);
void lb_failover_free(struct lb_failover *t);

#endif
