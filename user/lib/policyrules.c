// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* policyrules.c: per-service source policy rules: CIDRs, and the policy4/policy6 entries they make; see model.h. */
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

/* ---- source policy rules ---- */

static __u8 family_bits(__u8 family)
{
	return family == SCTPLB_AF_INET6 ? 128 : 32;
}

/* Whether the bits of a past plen are all zero. */
static bool host_bits_zero(const struct sctplb_addr *a, __u8 plen)
{
	const __u8 *b = (const __u8 *)a->addr;
	unsigned int i, n = family_bits(a->family);

	for (i = plen; i < n; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int lb_cidr_parse(const char *s, struct sctplb_addr *addr, __u8 *plen)
{
	char buf[LB_CIDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct sctplb_addr a;
	__u32 len;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	if (slash)
		buf[slash - s] = 0;
	if (lb_addr_parse(buf, &a))
		return -EINVAL;
	len = family_bits(a.family);
	if (slash && lb_u32_parse(slash + 1, 0, family_bits(a.family), &len))
		return -EINVAL;
	if (!host_bits_zero(&a, len))
		return -EINVAL;
	*addr = a;
	*plen = len;
	return 0;
}

const char *lb_cidr_fmt(const struct lb_policy_rule *r, char *buf, size_t len)
{
	char a[LB_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", lb_addr_fmt(&r->addr, a, sizeof(a)), r->plen);
	return buf;
}

struct lb_policy_rule *lb_service_rule(struct lb_service_cfg *s, const struct sctplb_addr *a,
				       __u8 plen)
{
	__u32 i;

	for (i = 0; i < s->nrule; i++)
		if (s->rule[i].plen == plen && lb_addr_equal(&s->rule[i].addr, a))
			return &s->rule[i];
	return NULL;
}

const char *lb_policy_action_name(int action)
{
	return action == SCTPLB_POLICY_ALLOW ? "allow" : action == SCTPLB_POLICY_DENY ? "deny" :
	       "default-deny";
}


static void pol_key(struct pol_entry *e, __u32 sid, const struct sctplb_addr *a, __u8 plen,
		    __u8 family, __u32 action)
{
	memset(e, 0, sizeof(*e));
	e->v.action = action;
	if (family == SCTPLB_AF_INET) {
		e->map = LB_POLICY4;
		e->k.k4.prefixlen = 32 + plen;
		e->k.k4.service_id = htonl(sid);
		e->k.k4.addr = a ? a->addr[0] : 0;
	} else {
		e->map = LB_POLICY6;
		e->k.k6.prefixlen = 32 + plen;
		e->k.k6.service_id = htonl(sid);
		if (a)
			memcpy(e->k.k6.addr, a->addr, 16);
	}
}

bool pol_same_key(const struct pol_entry *a, const struct pol_entry *b)
{
	return a->map == b->map && !memcmp(&a->k, &b->k, a->map == LB_POLICY4 ?
					    sizeof(a->k.k4) : sizeof(a->k.k6));
}

static int pol_push(struct pol_entry **v, size_t *n, const struct pol_entry *e)
{
	struct pol_entry *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *e;
	return 0;
}

/* What the tries must hold for md (ids assigned). */
int pol_wanted(const struct lb_model *md, struct pol_entry **v, size_t *n)
{
	struct pol_entry e;
	size_t i;
	__u32 r;

	for (i = 0; i < md->nsvc; i++) {
		const struct lb_service_cfg *s = &md->svc[i];
		bool allow = false;

		for (r = 0; r < s->nrule; r++) {
			pol_key(&e, s->id, &s->rule[r].addr, s->rule[r].plen, s->rule[r].addr.family,
				s->rule[r].action);
			allow |= s->rule[r].action == SCTPLB_POLICY_ALLOW;
			if (pol_push(v, n, &e))
				return -ENOMEM;
		}
		if (!allow)
			continue;
		/* An allowlist: what no rule matches is denied, in both families. */
		pol_key(&e, s->id, NULL, 0, SCTPLB_AF_INET, SCTPLB_POLICY_DEFAULT_DENY);
		if (pol_push(v, n, &e))
			return -ENOMEM;
		pol_key(&e, s->id, NULL, 0, SCTPLB_AF_INET6, SCTPLB_POLICY_DEFAULT_DENY);
		if (pol_push(v, n, &e))
			return -ENOMEM;
	}
	return 0;
}

/* What the tries hold. */
int pol_current(const struct lb_maps *m, struct pol_entry **v, size_t *n)
{
	static const int maps[2] = { LB_POLICY4, LB_POLICY6 };
	int i;

	for (i = 0; i < 2; i++) {
		struct pol_entry e = { .map = maps[i] }, next = { .map = maps[i] };
		bool first = true;

		while (bpf_map_get_next_key(m->fd[maps[i]], first ? NULL : &e.k, &next.k) == 0) {
			first = false;
			e.k = next.k;
			/* The exact key exists: an LPM lookup of it finds itself. */
			if (bpf_map_lookup_elem(m->fd[maps[i]], &e.k, &e.v))
				continue;
			if (pol_push(v, n, &e))
				return -ENOMEM;
		}
	}
	return 0;
}

/* Every service's rules, from the tries (the default entries are derived). */
int pol_read_rules(const struct lb_maps *m, struct lb_model *md)
{
	struct lb_service_cfg *s;
	struct pol_entry *v = NULL;
	size_t n = 0, i;
	int err = pol_current(m, &v, &n);

	for (i = 0; !err && i < n; i++) {
		struct lb_policy_rule r = { .action = v[i].v.action };

		if (v[i].v.action == SCTPLB_POLICY_DEFAULT_DENY)
			continue;
		s = lb_model_service_by_id(md, ntohl(v[i].map == LB_POLICY4 ? v[i].k.k4.service_id :
							   v[i].k.k6.service_id));
		if (!s)
			continue;
		if (v[i].map == LB_POLICY4) {
			r.addr.family = SCTPLB_AF_INET;
			r.addr.addr[0] = v[i].k.k4.addr;
			r.plen = v[i].k.k4.prefixlen - 32;
		} else {
			r.addr.family = SCTPLB_AF_INET6;
			memcpy(r.addr.addr, v[i].k.k6.addr, 16);
			r.plen = v[i].k.k6.prefixlen - 32;
		}
		if (s->nrule < SCTPLB_MAX_SVC_RULES)
			s->rule[s->nrule++] = r;
	}
	free(v);
	return err;
}
