/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* model_int.h: what the parts of the configuration model share (not part of model.h). */
#ifndef SCTPLB_MODEL_INT_H
#define SCTPLB_MODEL_INT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include "model.h"

/* One entry of policy4 or policy6. */
struct pol_entry {
	int map;                /* LB_POLICY4 or LB_POLICY6 */
	union {
		struct sctplb_policy4_key k4;
		struct sctplb_policy6_key k6;
	} k;
	struct sctplb_policy v;
};

/* policyrules.c */
bool pol_same_key(const struct pol_entry *a, const struct pol_entry *b);
int pol_wanted(const struct lb_model *md, struct pol_entry **v, size_t *n);
int pol_current(const struct lb_maps *m, struct pol_entry **v, size_t *n);
int pol_read_rules(const struct lb_maps *m, struct lb_model *md);

static inline void vip_key(const struct lb_service_cfg *s, __u32 i, bool encap, struct sctplb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, s->vip[i].addr, sizeof(k->addr));
	k->family = s->vip[i].family;
	k->proto = encap ? 17 : 132;
	k->port = htons(encap ? s->udp_encap : s->port);
}

static inline __u16 nat_port(const struct lb_service_cfg *s)
{
	return s->target_port ? s->target_port : s->port;
}

#endif
