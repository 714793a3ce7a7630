// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* validate.c: whether a model may be committed: names, limits, families, clashes; see model.h. */
#include <limits.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "maglev.h"
#include "err.h"
#include "model.h"
#include "rtag.h"
#include "model_int.h"

/* ---- validation ---- */


int lb_backend_validate(const struct lb_service_cfg *s, const struct lb_backend_cfg *b,
			char *err, size_t errlen)
{
	char a1[LB_ADDRSTRLEN], a2[LB_ADDRSTRLEN];
	__u32 p;

	if (!lb_name_valid(b->name)) {
		snprintf(err, errlen, "backend name '%s' is not valid: use 1 to %d characters "
			 "from A-Z a-z 0-9 . _ -", b->name, SCTPLB_NAME_LEN - 1);
		return -EINVAL;
	}
	if (b->weight < 1 || b->weight > LB_MAX_WEIGHT) {
		snprintf(err, errlen, "backend %s: weight %u out of range: use 1 to %u",
			 b->name, b->weight, LB_MAX_WEIGHT);
		return -EINVAL;
	}
	if (b->naddr != s->nvips) {
		snprintf(err, errlen, "backend %s has %u address%s but service %s has %u VIP%s: "
			 "give one address per VIP, in the order of the VIPs (sctplb service list)",
			 b->name, b->naddr, b->naddr == 1 ? "" : "es", s->name, s->nvips,
			 s->nvips == 1 ? "" : "s");
		return -EINVAL;
	}
	if (b->server_id && !(s->rtag.flags & SCTPLB_RTAG_F_ON)) {
		snprintf(err, errlen, "backend %s has server id %u but service %s has no tag key: "
			 "give the service one (service add ... --tag-key FILE, or \"tag_key\" in "
			 "the configuration file), or drop the server id", b->name, b->server_id,
			 s->name);
		return -EINVAL;
	}
	if (b->server_id > LB_SERVER_ID_MAX) {
		snprintf(err, errlen, "backend %s: server id %u out of range: use 1 to %u",
			 b->name, b->server_id, LB_SERVER_ID_MAX);
		return -EINVAL;
	}
	for (p = 0; p < s->nbe; p++)
		if (b->server_id && s->be[p].server_id == b->server_id &&
		    strcmp(s->be[p].name, b->name)) {
			snprintf(err, errlen, "backend %s: server id %u is backend %s's already: "
				 "server ids are unique within a service", b->name, b->server_id,
				 s->be[p].name);
			return -EINVAL;
		}
	for (p = 0; p < s->nvips; p++) {
		if (b->addr[p].family != s->vip[p].family) {
			snprintf(err, errlen, "backend %s: VIP %u of service %s (%s) is %s but the "
				 "backend's address %u (%s) is %s: give an %s address for path %u",
				 b->name, p, s->name, lb_addr_fmt(&s->vip[p], a1, sizeof(a1)),
				 lb_family_name(s->vip[p].family), p,
				 lb_addr_fmt(&b->addr[p], a2, sizeof(a2)),
				 lb_family_name(b->addr[p].family),
				 lb_family_name(s->vip[p].family), p);
			return -EINVAL;
		}
	}
	return 0;
}

/* The port a NAT service's backends listen on (host order). */

/*
 * NAT: the return path finds a backend by (address, port) alone
 * (nat_backends), so no two backend addresses of NAT services may share one.
 */
static int nat_clash(const struct lb_model *md, size_t i, char *err, size_t errlen)
{
	const struct lb_service_cfg *s = &md->svc[i];
	char a[LB_ADDRSTRLEN];
	size_t j, k, l;
	__u32 p, q;

	if (!s->nat)
		return 0;
	for (j = 0; j < s->nbe; j++)
		for (p = 0; p < s->be[j].naddr && p < SCTPLB_MAX_PATHS; p++)
			for (k = 0; k <= i; k++) {
				const struct lb_service_cfg *o = &md->svc[k];

				if (!o->nat || nat_port(o) != nat_port(s))
					continue;
				for (l = 0; l < o->nbe; l++)
					for (q = 0; q < o->be[l].naddr && q < SCTPLB_MAX_PATHS; q++) {
						if (k == i && (l > j || (l == j && q >= p)))
							continue;
						if (!lb_addr_equal(&s->be[j].addr[p], &o->be[l].addr[q]))
							continue;
						snprintf(err, errlen, "NAT service %s: backend %s's address "
							 "%s port %u is also backend %s's (service %s): "
							 "the return path tells NAT backends apart by "
							 "address and port, give each its own",
							 s->name, s->be[j].name,
							 lb_addr_fmt(&s->be[j].addr[p], a, sizeof(a)),
							 nat_port(s), o->be[l].name, o->name);
						return -EINVAL;
					}
			}
	return 0;
}

int lb_model_validate(const struct lb_model *md, char *err, size_t errlen)
{
	size_t i, j, k, nbe = 0;
	char a[LB_ADDRSTRLEN];

	if (md->nsvc > SCTPLB_MAX_SERVICES - 1) {
		snprintf(err, errlen, "%zu services: at most %d", md->nsvc, SCTPLB_MAX_SERVICES - 1);
		return -EINVAL;
	}
	for (i = 0; i < md->nsvc; i++) {
		const struct lb_service_cfg *s = &md->svc[i];

		if (!lb_name_valid(s->name)) {
			snprintf(err, errlen, "service name '%s' is not valid: use 1 to %d characters "
				 "from A-Z a-z 0-9 . _ -", s->name, SCTPLB_NAME_LEN - 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(md->svc[j].name, s->name)) {
				snprintf(err, errlen, "service %s is defined twice: service names are unique",
					 s->name);
				return -EINVAL;
			}
		if (s->nvips < 1 || s->nvips > SCTPLB_MAX_PATHS) {
			snprintf(err, errlen, "service %s has %u VIPs: give 1 to %d", s->name, s->nvips,
				 SCTPLB_MAX_PATHS);
			return -EINVAL;
		}
		if (s->port == 0) {
			snprintf(err, errlen, "service %s: port out of range: use 1 to 65535", s->name);
			return -EINVAL;
		}
		/* Every VIP key (addr, port, proto) belongs to one service path. */
		for (j = 0; j < s->nvips; j++) {
			for (k = 0; k < j; k++)
				if (lb_addr_equal(&s->vip[j], &s->vip[k])) {
					snprintf(err, errlen, "service %s lists VIP %s twice: each VIP is one path",
						 s->name, lb_addr_fmt(&s->vip[j], a, sizeof(a)));
					return -EINVAL;
				}
			for (k = 0; k < i; k++) {
				const struct lb_service_cfg *o = &md->svc[k];
				__u32 q;

				for (q = 0; q < o->nvips; q++) {
					if (!lb_addr_equal(&s->vip[j], &o->vip[q]))
						continue;
					if (o->port == s->port ||
					    (s->udp_encap && o->udp_encap == s->udp_encap)) {
						lb_addr_fmt(&s->vip[j], a, sizeof(a));
						snprintf(err, errlen, "service %s: %s port %u is already used by "
							 "service %s: choose another VIP or port, or delete %s",
							 s->name, a, o->port == s->port ? s->port : s->udp_encap,
							 o->name, o->name);
						return -EINVAL;
					}
				}
			}
		}
		if (s->target_port && !s->nat) {
			snprintf(err, errlen, "service %s: a target port (%u) maps the port of a NAT "
				 "service only: add --nat (\"nat\": true) or drop the target port",
				 s->name, s->target_port);
			return -EINVAL;
		}
		if (s->nsnat && !s->nat) {
			snprintf(err, errlen, "service %s: forwarder addresses (--snat, \"snat\") "
				 "are for a NAT service: add --nat (\"nat\": true)", s->name);
			return -EINVAL;
		}
		if (s->nsnat && s->nsnat != s->nvips) {
			snprintf(err, errlen, "service %s has %u VIP%s but %u forwarder address%s "
				 "(--snat): give one per VIP, in the order of the VIPs", s->name,
				 s->nvips, s->nvips == 1 ? "" : "s", s->nsnat,
				 s->nsnat == 1 ? "" : "es");
			return -EINVAL;
		}
		for (j = 0; j < s->nsnat; j++)
			if (s->snat[j].family != s->vip[j].family) {
				snprintf(err, errlen, "service %s: VIP %zu (%s) is %s but forwarder "
					 "address %zu is %s: give an %s address for path %zu", s->name,
					 j, lb_addr_fmt(&s->vip[j], a, sizeof(a)),
					 lb_family_name(s->vip[j].family), j,
					 lb_family_name(s->snat[j].family),
					 lb_family_name(s->vip[j].family), j);
				return -EINVAL;
			}
		if (nat_clash(md, i, err, errlen))
			return -EINVAL;
		for (j = 0; j < s->nbe; j++) {
			if (lb_backend_validate(s, &s->be[j], err, errlen))
				return -EINVAL;
			for (k = 0; k < j; k++)
				if (!strcmp(s->be[k].name, s->be[j].name)) {
					snprintf(err, errlen, "service %s: backend %s is defined twice: "
						 "backend names are unique within a service", s->name,
						 s->be[j].name);
					return -EINVAL;
				}
		}
		nbe += s->nbe;
	}
	if (nbe > SCTPLB_MAX_BACKENDS - 1) {
		snprintf(err, errlen, "%zu backends: at most %d over all services", nbe,
			 SCTPLB_MAX_BACKENDS - 1);
		return -EINVAL;
	}
	for (i = 0; i < LB_NTIMEOUTS; i++) {
		const struct lb_timeout_def *d = &lb_timeouts[i];
		long v = *lb_model_timeout((struct lb_model *)md, d);

		if (v > 0 && (v < d->min || v > d->max)) {
			snprintf(err, errlen, "%s %ld %s out of range: use %ld to %ld %s, or 0 for "
				 "the default (%ld)", d->key, v, d->unit, d->min, d->max,
				 strcmp(d->unit, "s") ? d->unit : "seconds", d->def);
			return -EINVAL;
		}
	}
	if (md->unknown_policy > SCTPLB_UNKNOWN_HASH) {
		snprintf(err, errlen, "unknown-vtag policy %d: use drop, pass or hash", md->unknown_policy);
		return -EINVAL;
	}
	return 0;
}
