/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maglev.h: the Maglev consistent-hashing table of one service.
 *
 * maglev_build() turns a service's backends into a table of
 * SCTPLB_MAGLEV_SIZE backend ids; maglev_install() swaps such a table into
 * the datapath's maglev array of maps.  The table depends only on the set of
 * (name, id, weight, drained) given: every instance that is given the same
 * configuration, in any order, builds the same table.
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
 * Creates a new inner BPF array map (key u32, value u32, SCTPLB_MAGLEV_SIZE
 * entries), fills it completely, then installs it with ONE
 * bpf_map_update_elem on the outer ARRAY_OF_MAPS slot service_id: lookups
 * never see a half-filled table.  Closes its fd of the inner map.  Returns 0
 * or a negative errno; on failure the outer slot is unchanged.
 */
int maglev_install(int outer_fd, __u32 service_id, const __u32 *table);

#endif /* SCTPLB_MAGLEV_H */
