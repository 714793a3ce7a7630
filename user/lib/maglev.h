/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maglev.h: the Maglev consistent-hashing table of one service.
 *
 * maglev_build() turns a service's backends into a table of
 * SCTPLB_MAGLEV_SIZE backend ids; maglev_install() makes such a table live
 * in the datapath's maglev array of maps, maglev_read() reads it back.  The
 * table depends only on the set of (name, id, weight, drained) given: every
 * instance that is given the same configuration, in any order, builds the
 * same table.
 */
#ifndef SCTPLB_MAGLEV_H
#define SCTPLB_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sctplb.h"

struct maglev_backend {
	const char *name;   /* stable identity: the permutation derives from it only */
	__u32 id;           /* backend id written into the table (1..SCTPLB_MAX_BACKENDS-1) */
	__u32 weight;       /* relative share; 0 = excluded */
	bool drained;       /* excluded: gets no slot */
};

/*
 * Fills table[SCTPLB_MAGLEV_SIZE] with backend ids, or all 0 when no backend
 * is usable.  Returns 0, or -EINVAL on bad input (NULL, duplicate names,
 * duplicate ids, id 0 or >= SCTPLB_MAX_BACKENDS, n too large), -ENOMEM; on
 * error the table is left untouched.  bes may be NULL when n is 0.
 */
int maglev_build(const struct maglev_backend *bes, size_t n, __u32 *table);

/*
 * Makes table the live table of service_id in the datapath's maglev array
 * of maps (outer_fd).  A service's first table goes into a new inner map
 * (include/sctplb.h's layout), installed with ONE update of the outer slot;
 * later ones are written, through mmap, into the inner map's half that is
 * not live, then one 32-bit store of the next generation switches every
 * later lookup to it (no outer update: those wait for an RCU grace period).
 * Lookups never see a half-filled table.  Returns 0 or a negative errno
 * (-EINVAL: bad arguments, or the slot's map is not of this layout); on
 * failure the live table is unchanged.
 */
int maglev_install(int outer_fd, __u32 service_id, const __u32 *table);

/*
 * Copies service_id's live table into table[SCTPLB_MAGLEV_SIZE] and its
 * generation into *gen (gen may be NULL).  -ENOENT when the service has no
 * table, -EINVAL as maglev_install.
 */
int maglev_read(int outer_fd, __u32 service_id, __u32 *table, __u32 *gen);

/*
 * Returns once no BPF program is still running that may have read
 * service_id's table before its last switch: every update of an array of
 * maps waits for running programs (an RCU grace period, milliseconds), so
 * the slot is updated with the map it already holds.  0 at once when the
 * slot is empty (emptying it waited).  For what must not happen while an
 * old table may still be read: a removed backend's id going away.
 */
int maglev_wait(int outer_fd, __u32 service_id);

#endif /* SCTPLB_MAGLEV_H */
