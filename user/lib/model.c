// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* model.c: read, validate and commit the configuration; see model.h. */
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

/* One entry of policy4 or policy6. */
struct pol_entry {
	int map;                /* LB_POLICY4 or LB_POLICY6 */
	union {
		struct sctplb_policy4_key k4;
		struct sctplb_policy6_key k6;
	} k;
	struct sctplb_policy v;
};

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

static bool pol_same_key(const struct pol_entry *a, const struct pol_entry *b)
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
static int pol_wanted(const struct lb_model *md, struct pol_entry **v, size_t *n)
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
static int pol_current(const struct lb_maps *m, struct pol_entry **v, size_t *n)
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
static int pol_read_rules(const struct lb_maps *m, struct lb_model *md)
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

/* ---- model editing ---- */

const struct lb_timeout_def lb_timeouts[LB_NTIMEOUTS] = {
	{ "idle-timeout", "idle_timeout", LB_IDLE_TIMEOUT_MIN, LB_IDLE_TIMEOUT_MAX,
	  SCTPLB_IDLE_TIMEOUT_S, offsetof(struct lb_model, idle_timeout_s) },
	{ "closing-grace", "closing_grace", LB_CLOSING_GRACE_MIN, LB_CLOSING_GRACE_MAX,
	  SCTPLB_CLOSING_GRACE_S, offsetof(struct lb_model, closing_grace_s) },
	{ "handshake-timeout", "handshake_timeout", LB_HANDSHAKE_TIMEOUT_MIN,
	  LB_HANDSHAKE_TIMEOUT_MAX, SCTPLB_HANDSHAKE_TIMEOUT_S,
	  offsetof(struct lb_model, handshake_timeout_s) },
	{ "path-silent", "path_silent", LB_PATH_SILENT_MIN, LB_PATH_SILENT_MAX,
	  SCTPLB_PATH_SILENT_S, offsetof(struct lb_model, path_silent_s) },
};

static void model_init(struct lb_model *md)
{
	memset(md, 0, sizeof(*md));
	md->unknown_policy = -1;
	md->idle_timeout_s = md->closing_grace_s = md->handshake_timeout_s = -1;
	md->path_silent_s = -1;
}

void lb_model_free(struct lb_model *md)
{
	size_t i;

	for (i = 0; i < md->nsvc; i++)
		free(md->svc[i].be);
	free(md->svc);
	model_init(md);
}

struct lb_service_cfg *lb_model_add_service(struct lb_model *md, const struct lb_service_cfg *s)
{
	struct lb_service_cfg *n;

	if (md->nsvc == md->cap) {
		size_t cap = md->cap ? md->cap * 2 : 8;

		n = realloc(md->svc, cap * sizeof(*n));
		if (!n)
			return NULL;
		md->svc = n;
		md->cap = cap;
	}
	n = &md->svc[md->nsvc++];
	*n = *s;
	n->be = NULL;
	n->nbe = n->cap = 0;
	return n;
}

struct lb_backend_cfg *lb_service_add_backend(struct lb_service_cfg *s, const struct lb_backend_cfg *b)
{
	struct lb_backend_cfg *n;

	if (s->nbe == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;

		n = realloc(s->be, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->be = n;
		s->cap = cap;
	}
	n = &s->be[s->nbe++];
	*n = *b;
	return n;
}

void lb_model_del_service(struct lb_model *md, struct lb_service_cfg *s)
{
	size_t i = s - md->svc;

	free(s->be);
	memmove(&md->svc[i], &md->svc[i + 1], (md->nsvc - i - 1) * sizeof(*s));
	md->nsvc--;
}

void lb_service_del_backend(struct lb_service_cfg *s, struct lb_backend_cfg *b)
{
	size_t i = b - s->be;

	memmove(&s->be[i], &s->be[i + 1], (s->nbe - i - 1) * sizeof(*b));
	s->nbe--;
}

int lb_model_copy(const struct lb_model *src, struct lb_model *dst)
{
	size_t i, j;

	model_init(dst);
	dst->unknown_policy = src->unknown_policy;
	dst->idle_timeout_s = src->idle_timeout_s;
	dst->closing_grace_s = src->closing_grace_s;
	dst->handshake_timeout_s = src->handshake_timeout_s;
	dst->path_silent_s = src->path_silent_s;
	for (i = 0; i < src->nsvc; i++) {
		struct lb_service_cfg *s = lb_model_add_service(dst, &src->svc[i]);

		if (!s)
			goto nomem;
		for (j = 0; j < src->svc[i].nbe; j++)
			if (!lb_service_add_backend(s, &src->svc[i].be[j]))
				goto nomem;
	}
	return 0;
nomem:
	lb_model_free(dst);
	return -ENOMEM;
}

struct lb_service_cfg *lb_model_service(const struct lb_model *md, const char *name)
{
	size_t i;

	for (i = 0; i < md->nsvc; i++)
		if (!strcmp(md->svc[i].name, name))
			return &md->svc[i];
	return NULL;
}

struct lb_service_cfg *lb_model_service_by_id(const struct lb_model *md, __u32 id)
{
	size_t i;

	for (i = 0; id && i < md->nsvc; i++)
		if (md->svc[i].id == id)
			return &md->svc[i];
	return NULL;
}

struct lb_backend_cfg *lb_model_backend_by_id(const struct lb_model *md, __u32 sid, __u32 id)
{
	size_t i, j;

	for (i = 0; i < md->nsvc; i++)
		for (j = 0; j < md->svc[i].nbe; j++)
			if (md->svc[i].be[j].id == id && (!sid || md->svc[i].id == sid))
				return &md->svc[i].be[j];
	return NULL;
}

struct lb_backend_cfg *lb_service_backend(const struct lb_service_cfg *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nbe; i++)
		if (!strcmp(s->be[i].name, name))
			return &s->be[i];
	return NULL;
}

const char *lb_policy_name(int policy)
{
	switch (policy) {
	case SCTPLB_UNKNOWN_DROP: return "drop";
	case SCTPLB_UNKNOWN_PASS: return "pass";
	case SCTPLB_UNKNOWN_HASH: return "hash";
	}
	return "?";
}

int lb_policy_parse(const char *s)
{
	if (!strcmp(s, "drop"))
		return SCTPLB_UNKNOWN_DROP;
	if (!strcmp(s, "pass"))
		return SCTPLB_UNKNOWN_PASS;
	if (!strcmp(s, "hash"))
		return SCTPLB_UNKNOWN_HASH;
	return -EINVAL;
}

/* ---- reading ---- */

int lb_model_read(const struct lb_maps *m, struct lb_model *out)
{
	struct sctplb_service_meta sm;
	struct sctplb_backend_meta bm;
	struct sctplb_svc_nat nat;
	struct sctplb_backend be;
	struct sctplb_config cfg;
	__u32 id;

	model_init(out);
	if (lb_settings_read(m, &cfg))
		return -EIO;
	out->unknown_policy = cfg.unknown_policy;
	out->idle_timeout_s = cfg.idle_timeout_s;
	out->closing_grace_s = cfg.closing_grace_s;
	out->handshake_timeout_s = cfg.handshake_timeout_s;
	out->path_silent_s = cfg.path_silent_s;
	for (id = 1; id < SCTPLB_MAX_SERVICES; id++) {
		struct lb_service_cfg s = {};

		if (bpf_map_lookup_elem(m->fd[LB_SVC_META], &id, &sm))
			goto io;
		if (!sm.name[0])
			continue;
		memcpy(s.name, sm.name, sizeof(s.name));
		s.name[SCTPLB_NAME_LEN - 1] = 0;
		s.id = id;
		s.port = sm.sctp_port;
		s.udp_encap = sm.udp_encap_port;
		s.nvips = sm.nvips > SCTPLB_MAX_PATHS ? SCTPLB_MAX_PATHS : sm.nvips;
		memcpy(s.vip, sm.vip, sizeof(s.vip));
		memcpy(s.tag_key_file, sm.tag_key_file, sizeof(s.tag_key_file));
		s.tag_key_file[SCTPLB_PATH_LEN - 1] = 0;
		if (bpf_map_lookup_elem(m->fd[LB_SVC_RTAG], &id, &s.rtag))
			goto io;
		if (bpf_map_lookup_elem(m->fd[LB_SVC_NAT], &id, &nat))
			goto io;
		s.nat = nat.flags & SCTPLB_NAT_F_ON;
		s.target_port = ntohs(nat.target_port);
		s.nsnat = nat.nsnat > SCTPLB_MAX_PATHS ? SCTPLB_MAX_PATHS : nat.nsnat;
		memcpy(s.snat, nat.snat, sizeof(s.snat));
		if (!lb_model_add_service(out, &s))
			goto nomem;
	}
	if (pol_read_rules(m, out))
		goto nomem;
	for (id = 1; id < SCTPLB_MAX_BACKENDS; id++) {
		struct lb_backend_cfg b = {};
		struct lb_service_cfg *s;
		__u32 p;

		if (bpf_map_lookup_elem(m->fd[LB_BE_META], &id, &bm))
			goto io;
		if (!bm.name[0])
			continue;
		s = lb_model_service_by_id(out, bm.service_id);
		if (!s)
			continue;       /* orphan: not part of the configuration */
		if (bpf_map_lookup_elem(m->fd[LB_BACKENDS], &id, &be))
			goto io;
		memcpy(b.name, bm.name, sizeof(b.name));
		b.name[SCTPLB_NAME_LEN - 1] = 0;
		b.id = id;
		b.weight = bm.weight;
		b.server_id = bm.server_id;
		b.drained = be.flags & SCTPLB_BE_F_DRAINED;
		b.naddr = s->nvips;
		for (p = 0; p < SCTPLB_MAX_PATHS; p++)
			b.addr[p] = be.addr[p];
		if (!lb_service_add_backend(s, &b))
			goto nomem;
	}
	return 0;
io:
	lb_err(-EIO, "cannot read the maps under %s: %s", m->dir, strerror(errno));
	lb_model_free(out);
	return -EIO;
nomem:
	lb_model_free(out);
	return lb_err(-ENOMEM, "out of memory reading the configuration");
}

int lb_service_tag_key(struct lb_service_cfg *s, const char *path, char *err, size_t errlen)
{
	uint8_t key[SCTPLB_RTAG_KEY_LEN];
	struct sctplb_svc_rtag r = { .flags = SCTPLB_RTAG_F_ON };
	char abs[PATH_MAX];
	int e;

	if (!realpath(path, abs)) {
		e = -errno;
		snprintf(err, errlen, "%s: %s (the tag key file: make one with 'sctplb keygen FILE')",
			 path, strerror(-e));
		return e;
	}
	if (strlen(abs) >= SCTPLB_PATH_LEN) {
		snprintf(err, errlen, "%s: the key file's path is longer than %d characters: move "
			 "it somewhere shorter", abs, SCTPLB_PATH_LEN - 1);
		return -ENAMETOOLONG;
	}
	e = lb_rtag_key_read(abs, key, err, errlen);
	if (!e)
		e = lb_rtag_key_expand(key, SCTPLB_RTAG_SID_BITS_DEFAULT, &r.key, err, errlen);
	explicit_bzero(key, sizeof(key));
	if (e)
		return e;
	s->rtag = r;
	snprintf(s->tag_key_file, sizeof(s->tag_key_file), "%s", abs);
	return 0;
}

/* ---- validation ---- */

static void vip_key(const struct lb_service_cfg *s, __u32 i, bool encap, struct sctplb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, s->vip[i].addr, sizeof(k->addr));
	k->family = s->vip[i].family;
	k->proto = encap ? 17 : 132;
	k->port = htons(encap ? s->udp_encap : s->port);
}

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
static __u16 nat_port(const struct lb_service_cfg *s)
{
	return s->target_port ? s->target_port : s->port;
}

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
			snprintf(err, errlen, "%s %ld s out of range: use %ld to %ld seconds, or 0 for "
				 "the default (%ld)", d->key, v, d->min, d->max, d->def);
			return -EINVAL;
		}
	}
	if (md->unknown_policy > SCTPLB_UNKNOWN_HASH) {
		snprintf(err, errlen, "unknown-vtag policy %d: use drop, pass or hash", md->unknown_policy);
		return -EINVAL;
	}
	return 0;
}

/* ---- the undo log ---- */

#define LB_MAX_KV 512

struct undo {
	int map;                /* enum lb_map_id */
	__u8 key[LB_MAX_KV];
	__u8 old[LB_MAX_KV];
	bool had;               /* hash maps: the key existed */
	int inner_fd;           /* maglev: the replaced inner map, or -1 */
};

struct txn {
	const struct lb_maps *m;
	struct undo *log;
	size_t n, cap;
	struct lb_commit_stats *st;
	long fail_after;        /* test hook: SCTPLB_FAIL_AFTER=N fails write N+1 */
};

#define LB_MAP_SIZES(id, name, type, max, key, value, flags, what) \
	[LB_##id] = { sizeof(key), sizeof(value) },
static const struct { size_t key, value; } kv_size[LB_MAP_N] = {
	SCTPLB_MAPS(LB_MAP_SIZES)
	[LB_MAGLEV] = { 4, 4 },
};
#undef LB_MAP_SIZES
_Static_assert(sizeof(struct sctplb_service_meta) <= LB_MAX_KV, "undo buffer");
_Static_assert(sizeof(struct sctplb_svc_rtag) <= LB_MAX_KV, "undo buffer");
_Static_assert(sizeof(struct sctplb_backend) <= LB_MAX_KV, "undo buffer");

static struct undo *txn_push(struct txn *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct undo *n = realloc(t->log, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->log = n;
		t->cap = cap;
	}
	memset(&t->log[t->n], 0, sizeof(t->log[0]));
	t->log[t->n].inner_fd = -1;
	return &t->log[t->n++];
}

static int txn_injected_failure(struct txn *t)
{
	if (t->fail_after >= 0 && (long)t->st->writes >= t->fail_after) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static bool map_is_hash(int map)
{
	return map == LB_SERVICES || map == LB_SERVER_IDS || map == LB_NAT_BACKENDS;
}

/* Writes val at key (NULL val: delete / zero), if it differs. */
/* Whether an LPM trie holds exactly this key (prefix length and bits). */
static bool lpm_has_key(int fd, const void *key, size_t ksz)
{
	__u8 k[LB_MAX_KV], next[LB_MAX_KV];
	bool first = true;

	while (bpf_map_get_next_key(fd, first ? NULL : k, next) == 0) {
		if (!memcmp(next, key, ksz))
			return true;
		memcpy(k, next, ksz);
		first = false;
	}
	return false;
}

static int txn_write(struct txn *t, int map, const void *key, const void *val)
{
	bool is_lpm = map == LB_POLICY4 || map == LB_POLICY6;
	bool is_hash = map_is_hash(map) || is_lpm;
	__u8 cur[LB_MAX_KV], zero[LB_MAX_KV] = {};
	size_t vs = kv_size[map].value;
	struct undo *u;
	bool had;
	int fd = t->m->fd[map];

	/* An LPM trie's lookup gives the longest covering prefix: exactness first. */
	had = (!is_lpm || lpm_has_key(fd, key, kv_size[map].key)) &&
	      bpf_map_lookup_elem(fd, key, cur) == 0;
	if (!is_hash && !had)
		return -errno;
	if (!val && (is_hash ? !had : !memcmp(cur, zero, vs)))
		return 0;
	if (val && had && !memcmp(cur, val, vs))
		return 0;
	u = txn_push(t);
	if (!u)
		return -ENOMEM;
	u->map = map;
	memcpy(u->key, key, kv_size[map].key);
	u->had = had;
	if (had)
		memcpy(u->old, cur, vs);
	if (txn_injected_failure(t))
		goto fail;
	if (val || !is_hash) {
		if (bpf_map_update_elem(fd, key, val ? val : zero, BPF_ANY))
			goto fail;
	} else if (bpf_map_delete_elem(fd, key)) {
		goto fail;
	}
	t->st->writes++;
	return 0;
fail:
	t->n--;
	return -errno;
}

/* Installs table (NULL: removes the slot) for service sid. */
static int txn_maglev(struct txn *t, __u32 sid, const __u32 *table)
{
	int outer = t->m->fd[LB_MAGLEV], err;
	__u32 inner_id;
	struct undo *u;

	u = txn_push(t);
	if (!u)
		return -ENOMEM;
	u->map = LB_MAGLEV;
	memcpy(u->key, &sid, sizeof(sid));
	if (bpf_map_lookup_elem(outer, &sid, &inner_id) == 0) {
		u->had = true;
		/* Keep the old table alive, to put it back on rollback. */
		u->inner_fd = bpf_map_get_fd_by_id(inner_id);
		if (u->inner_fd < 0) {
			err = -errno;
			t->n--;
			return err;
		}
	}
	if (!table && !u->had) {
		t->n--;
		return 0;
	}
	if (txn_injected_failure(t)) {
		err = -errno;
		goto fail;
	}
	if (table)
		err = maglev_install(outer, sid, table);
	else
		err = bpf_map_delete_elem(outer, &sid) ? -errno : 0;
	if (err)
		goto fail;
	t->st->writes++;
	t->st->tables++;
	return 0;
fail:
	if (u->inner_fd >= 0)
		close(u->inner_fd);
	t->n--;
	return err;
}

/* Undoes the logged writes, newest first; returns how many could not be undone
 * (the first one's map and cause in bad, badlen). */
static unsigned int txn_rollback(struct txn *t, char *bad, size_t badlen)
{
	__u8 zero[LB_MAX_KV] = {};
	unsigned int failed = 0;

	while (t->n) {
		struct undo *u = &t->log[--t->n];
		int fd = t->m->fd[u->map], err;

		if (u->map == LB_MAGLEV) {
			if (u->had)
				err = bpf_map_update_elem(fd, u->key, &u->inner_fd, BPF_ANY);
			else
				err = bpf_map_delete_elem(fd, u->key);
		} else if (u->had) {
			err = bpf_map_update_elem(fd, u->key, u->old, BPF_ANY);
		} else if (map_is_hash(u->map) || u->map == LB_POLICY4 || u->map == LB_POLICY6) {
			err = bpf_map_delete_elem(fd, u->key);
		} else {
			err = bpf_map_update_elem(fd, u->key, zero, BPF_ANY);
		}
		if (err && !failed++)
			snprintf(bad, badlen, "%s: %s", lb_map_names[u->map], strerror(errno));
	}
	return failed;
}

static void txn_free(struct txn *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->log[i].inner_fd >= 0)
			close(t->log[i].inner_fd);
	free(t->log);
}

/* ---- commit ---- */

static bool tables_equal(const struct lb_service_cfg *a, const struct lb_service_cfg *b)
{
	size_t i;

	if (!a || !b || a->nbe != b->nbe)
		return false;
	/* Same backends (by id) with the same name, weight and drain state. */
	for (i = 0; i < a->nbe; i++) {
		size_t j;

		for (j = 0; j < b->nbe; j++)
			if (b->be[j].id == a->be[i].id)
				break;
		if (j == b->nbe || strcmp(a->be[i].name, b->be[j].name) ||
		    a->be[i].weight != b->be[j].weight || a->be[i].drained != b->be[j].drained)
			return false;
	}
	return true;
}

static bool service_usable(const struct lb_service_cfg *s)
{
	size_t i;

	for (i = 0; i < s->nbe; i++)
		if (!s->be[i].drained && s->be[i].weight)
			return true;
	return false;
}

static bool id_used(const struct lb_model *a, const struct lb_model *b, __u32 id, bool backend)
{
	const struct lb_model *md[2] = { a, b };
	size_t k, i, j;

	for (k = 0; k < 2; k++)
		for (i = 0; i < md[k]->nsvc; i++) {
			if (!backend && md[k]->svc[i].id == id)
				return true;
			for (j = 0; backend && j < md[k]->svc[i].nbe; j++)
				if (md[k]->svc[i].be[j].id == id)
					return true;
		}
	return false;
}

/* Matches want's entries to cur's by name and allocates new ids. */
static int assign_ids(const struct lb_model *cur, struct lb_model *want)
{
	size_t i, j;
	__u32 next_svc = 1, next_be = 1;

	for (i = 0; i < want->nsvc; i++) {
		struct lb_service_cfg *w = &want->svc[i];
		const struct lb_service_cfg *c = lb_model_service(cur, w->name);

		w->id = c ? c->id : 0;
		for (j = 0; j < w->nbe; j++) {
			const struct lb_backend_cfg *cb = c ? lb_service_backend(c, w->be[j].name) : NULL;

			w->be[j].id = cb ? cb->id : 0;
		}
	}
	for (i = 0; i < want->nsvc; i++) {
		struct lb_service_cfg *w = &want->svc[i];

		if (!w->id) {
			while (next_svc < SCTPLB_MAX_SERVICES && id_used(cur, want, next_svc, false))
				next_svc++;
			if (next_svc >= SCTPLB_MAX_SERVICES)
				return lb_err(-ENOSPC, "no free service id (at most %d services); delete "
					      "one first", SCTPLB_MAX_SERVICES - 1);
			w->id = next_svc;
		}
		for (j = 0; j < w->nbe; j++) {
			if (w->be[j].id)
				continue;
			while (next_be < SCTPLB_MAX_BACKENDS && id_used(cur, want, next_be, true))
				next_be++;
			if (next_be >= SCTPLB_MAX_BACKENDS)
				return lb_err(-ENOSPC, "no free backend id (at most %d backends); delete "
					      "one first", SCTPLB_MAX_BACKENDS - 1);
			w->be[j].id = next_be;
		}
	}
	return 0;
}

static void backend_value(const struct lb_service_cfg *s, const struct lb_backend_cfg *b,
			  struct sctplb_backend *v, struct sctplb_backend_meta *bm)
{
	__u32 p;

	memset(v, 0, sizeof(*v));
	v->service_id = s->id;
	v->flags = SCTPLB_BE_F_ACTIVE | (b->drained ? SCTPLB_BE_F_DRAINED : 0) |
		   (b->server_id ? SCTPLB_BE_F_RTAG : 0);
	for (p = 0; p < b->naddr && p < SCTPLB_MAX_PATHS; p++)
		v->addr[p] = b->addr[p];
	memset(bm, 0, sizeof(*bm));
	memcpy(bm->name, b->name, sizeof(bm->name));
	bm->service_id = s->id;
	bm->weight = b->weight;
	bm->server_id = b->server_id;
}

static void service_meta(const struct lb_service_cfg *s, struct sctplb_service_meta *sm)
{
	memset(sm, 0, sizeof(*sm));
	memcpy(sm->name, s->name, sizeof(sm->name));
	sm->sctp_port = s->port;
	sm->udp_encap_port = s->udp_encap;
	sm->nvips = s->nvips;
	memcpy(sm->vip, s->vip, s->nvips * sizeof(s->vip[0]));
	memcpy(sm->tag_key_file, s->tag_key_file, sizeof(sm->tag_key_file));
}

static void service_nat(const struct lb_service_cfg *s, struct sctplb_svc_nat *n)
{
	memset(n, 0, sizeof(*n));
	if (!s->nat)
		return;
	n->flags = SCTPLB_NAT_F_ON;
	n->sctp_port = htons(s->port);
	n->target_port = s->target_port ? htons(s->target_port) : 0;
	n->nsnat = s->nsnat;
	memcpy(n->snat, s->snat, s->nsnat * sizeof(s->snat[0]));
}

/* The return path's entry for backend b's address on path p (encap: the
 * UDP encapsulation's).  False if there is none. */
static bool nat_backend_entry(const struct lb_service_cfg *s, const struct lb_backend_cfg *b,
			      __u32 p, bool encap, struct sctplb_vip_key *k,
			      struct sctplb_nat_backend *v)
{
	if (!s->nat || p >= b->naddr || p >= s->nvips || !b->addr[p].family ||
	    (encap && !s->udp_encap))
		return false;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, b->addr[p].addr, sizeof(k->addr));
	k->family = b->addr[p].family;
	k->proto = encap ? 17 : 132;
	k->port = htons(encap ? s->udp_encap : nat_port(s));
	memset(v, 0, sizeof(*v));
	v->svc.id = s->id;
	v->svc.sctp_port = htons(nat_port(s));
	v->svc.path = p;
	v->svc.flags = SCTPLB_SVC_F_NAT | (encap ? SCTPLB_SVC_F_UDP_ENCAP : 0);
	v->backend_id = b->id;
	v->vip_port = htons(s->port);
	v->vip = s->vip[p];
	return true;
}

/* want holds this nat_backends entry. */
static bool want_has_nat_entry(const struct lb_model *want, const struct sctplb_vip_key *k,
			       const struct sctplb_nat_backend *v)
{
	struct sctplb_nat_backend wv;
	struct sctplb_vip_key wk;
	size_t i, j;
	__u32 p;
	int e;

	for (i = 0; i < want->nsvc; i++)
		for (j = 0; j < want->svc[i].nbe; j++)
			for (p = 0; p < SCTPLB_MAX_PATHS; p++)
				for (e = 0; e < 2; e++)
					if (nat_backend_entry(&want->svc[i], &want->svc[i].be[j], p,
							      e, &wk, &wv) &&
					    !memcmp(&wk, k, sizeof(wk)) && !memcmp(&wv, v, sizeof(wv)))
						return true;
	return false;
}

/* want's backend of service sid with this server id, or NULL. */
static const struct lb_backend_cfg *server_holder(const struct lb_model *md, __u32 sid,
						  __u32 server_id)
{
	const struct lb_service_cfg *s = lb_model_service_by_id(md, sid);
	size_t j;

	for (j = 0; s && j < s->nbe; j++)
		if (s->be[j].server_id == server_id)
			return &s->be[j];
	return NULL;
}

static bool want_has_key(const struct lb_model *want, const struct sctplb_vip_key *k,
			 const struct sctplb_service *v)
{
	struct sctplb_vip_key wk;
	size_t i;
	__u32 p;

	for (i = 0; i < want->nsvc; i++) {
		const struct lb_service_cfg *s = &want->svc[i];

		for (p = 0; p < s->nvips; p++) {
			vip_key(s, p, false, &wk);
			if (!memcmp(&wk, k, sizeof(wk)) && v->id == s->id)
				return true;
			if (!s->udp_encap)
				continue;
			vip_key(s, p, true, &wk);
			if (!memcmp(&wk, k, sizeof(wk)) && v->id == s->id)
				return true;
		}
	}
	return false;
}

static int build_and_install(struct txn *t, const struct lb_service_cfg *s)
{
	struct maglev_backend *mb;
	__u32 *table;
	size_t i;
	int err;

	if (!service_usable(s))
		return txn_maglev(t, s->id, NULL);
	mb = calloc(s->nbe, sizeof(*mb));
	table = calloc(SCTPLB_MAGLEV_SIZE, sizeof(*table));
	if (!mb || !table) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->nbe; i++) {
		mb[i].name = s->be[i].name;
		mb[i].id = s->be[i].id;
		mb[i].weight = s->be[i].weight;
		mb[i].drained = s->be[i].drained;
	}
	err = maglev_build(mb, s->nbe, table);
	if (!err)
		err = txn_maglev(t, s->id, table);
out:
	free(mb);
	free(table);
	return err;
}

static int commit_steps(struct txn *t, const struct lb_model *cur, const struct lb_model *want)
{
	const struct lb_maps *m = t->m;
	struct sctplb_vip_key k, next;
	struct sctplb_service v;
	size_t i, j;
	__u32 p;
	int err;

	/* 1. VIP keys that go away or change. */
	for (;;) {
		bool found = false;
		void *prev = NULL;

		/* Restart the walk after each delete: deleting under
		 * get_next_key may skip keys. */
		while (bpf_map_get_next_key(m->fd[LB_SERVICES], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(m->fd[LB_SERVICES], &k, &v))
				continue;
			if (!want_has_key(want, &k, &v)) {
				found = true;
				break;
			}
		}
		if (!found)
			break;
		err = txn_write(t, LB_SERVICES, &k, NULL);
		if (err)
			return err;
	}
	/* 2. Maglev slots of deleted services. */
	for (i = 0; i < cur->nsvc; i++)
		if (!lb_model_service_by_id(want, cur->svc[i].id)) {
			err = txn_maglev(t, cur->svc[i].id, NULL);
			if (err)
				return err;
		}
	/* 3. New or changed backends (ids never referenced yet, or same id). */
	for (i = 0; i < want->nsvc; i++)
		for (j = 0; j < want->svc[i].nbe; j++) {
			const struct lb_backend_cfg *b = &want->svc[i].be[j];
			struct sctplb_backend_meta bm;
			struct sctplb_backend bv;

			backend_value(&want->svc[i], b, &bv, &bm);
			/* Its server id first: a tag decodes to it before the
			 * backend says it runs the agent. */
			if (b->server_id) {
				struct sctplb_server_key sk = { want->svc[i].id, b->server_id };

				err = txn_write(t, LB_SERVER_IDS, &sk, &b->id);
				if (err)
					return err;
			}
			err = txn_write(t, LB_BACKENDS, &b->id, &bv);
			if (!err)
				err = txn_write(t, LB_BE_META, &b->id, &bm);
			if (err)
				return err;
			/* NAT: the return path's way back to the VIPs. */
			for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
				struct sctplb_nat_backend nv;
				int e;

				for (e = 0; e < 2; e++) {
					if (!nat_backend_entry(&want->svc[i], b, p, e, &k, &nv))
						continue;
					err = txn_write(t, LB_NAT_BACKENDS, &k, &nv);
					if (err)
						return err;
				}
			}
		}
	/* 4. svc_meta of new or changed services. */
	for (i = 0; i < want->nsvc; i++) {
		struct sctplb_service_meta sm;
		struct sctplb_svc_nat nat;

		service_meta(&want->svc[i], &sm);
		service_nat(&want->svc[i], &nat);
		err = txn_write(t, LB_SVC_NAT, &want->svc[i].id, &nat);
		if (!err)
			err = txn_write(t, LB_SVC_RTAG, &want->svc[i].id, &want->svc[i].rtag);
		if (!err)
			err = txn_write(t, LB_SVC_META, &want->svc[i].id, &sm);
		if (err)
			return err;
	}
	/* 5. Maglev tables. */
	for (i = 0; i < want->nsvc; i++) {
		const struct lb_service_cfg *w = &want->svc[i];
		const struct lb_service_cfg *c = lb_model_service_by_id(cur, w->id);
		__u32 inner;
		bool has = bpf_map_lookup_elem(m->fd[LB_MAGLEV], &w->id, &inner) == 0;

		if (tables_equal(c, w) && has == service_usable(w))
			continue;
		err = build_and_install(t, w);
		if (err)
			return err;
	}
	/* 6. Backends that go away: entry first, then its name. */
	for (i = 0; i < cur->nsvc; i++)
		for (j = 0; j < cur->svc[i].nbe; j++) {
			__u32 id = cur->svc[i].be[j].id;

			if (id_used(want, want, id, true))
				continue;
			err = txn_write(t, LB_BACKENDS, &id, NULL);
			if (!err)
				err = txn_write(t, LB_BE_META, &id, NULL);
			if (err)
				return err;
		}
	/* 6b. Server ids that no backend holds any more. */
	for (i = 0; i < cur->nsvc; i++)
		for (j = 0; j < cur->svc[i].nbe; j++) {
			const struct lb_backend_cfg *b = &cur->svc[i].be[j];
			struct sctplb_server_key sk = { cur->svc[i].id, b->server_id };

			if (!b->server_id || server_holder(want, sk.service_id, sk.server_id))
				continue;
			err = txn_write(t, LB_SERVER_IDS, &sk, NULL);
			if (err)
				return err;
		}
	/* 6c. NAT return-path entries that want does not hold. */
	for (;;) {
		struct sctplb_nat_backend nv;
		bool found = false;
		void *prev = NULL;

		while (bpf_map_get_next_key(m->fd[LB_NAT_BACKENDS], prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(m->fd[LB_NAT_BACKENDS], &k, &nv))
				continue;
			if (!want_has_nat_entry(want, &k, &nv)) {
				found = true;
				break;
			}
		}
		if (!found)
			break;
		err = txn_write(t, LB_NAT_BACKENDS, &k, NULL);
		if (err)
			return err;
	}
	/* 7. svc_meta, tag key and NAT of deleted services. */
	for (i = 0; i < cur->nsvc; i++)
		if (!lb_model_service_by_id(want, cur->svc[i].id)) {
			err = txn_write(t, LB_SVC_NAT, &cur->svc[i].id, NULL);
			if (!err)
				err = txn_write(t, LB_SVC_RTAG, &cur->svc[i].id, NULL);
			if (!err)
				err = txn_write(t, LB_SVC_META, &cur->svc[i].id, NULL);
			if (err)
				return err;
		}
	/* 7b. Source policy entries, new or changed: before a new service's VIP
	 * keys, so that its first INIT already meets its policy. */
	{
		struct pol_entry *pw = NULL, *pc = NULL;
		size_t npw = 0, npc = 0, a, b;

		err = pol_wanted(want, &pw, &npw);
		if (!err)
			err = pol_current(m, &pc, &npc);
		for (a = 0; !err && a < npw; a++)
			err = txn_write(t, pw[a].map, &pw[a].k, &pw[a].v);
		/* 7c. ...and those that go away (nothing is wanted of them). */
		for (b = 0; !err && b < npc; b++) {
			for (a = 0; a < npw && !pol_same_key(&pw[a], &pc[b]); a++)
				;
			if (a == npw)
				err = txn_write(t, pc[b].map, &pc[b].k, NULL);
		}
		free(pw);
		free(pc);
		if (err)
			return err;
	}
	/* 8. VIP keys, new or changed. */
	for (i = 0; i < want->nsvc; i++) {
		const struct lb_service_cfg *s = &want->svc[i];

		for (p = 0; p < s->nvips; p++) {
			memset(&v, 0, sizeof(v));
			v.id = s->id;
			v.sctp_port = htons(s->port);
			v.path = p;
			v.flags = s->nat ? SCTPLB_SVC_F_NAT : 0;
			vip_key(s, p, false, &k);
			err = txn_write(t, LB_SERVICES, &k, &v);
			if (err)
				return err;
			if (!s->udp_encap)
				continue;
			v.flags |= SCTPLB_SVC_F_UDP_ENCAP;
			vip_key(s, p, true, &k);
			err = txn_write(t, LB_SERVICES, &k, &v);
			if (err)
				return err;
		}
	}
	/* 9. settings. */
	if (want->unknown_policy >= 0 || want->idle_timeout_s >= 0 || want->closing_grace_s >= 0 ||
	    want->handshake_timeout_s >= 0 || want->path_silent_s >= 0) {
		struct sctplb_config c;
		__u32 zero = 0;

		if (lb_settings_read(m, &c))
			return -EIO;
		c.abi_version = SCTPLB_ABI_VERSION;
		if (want->unknown_policy >= 0)
			c.unknown_policy = want->unknown_policy;
		if (want->idle_timeout_s >= 0)
			c.idle_timeout_s = want->idle_timeout_s;
		if (want->closing_grace_s >= 0)
			c.closing_grace_s = want->closing_grace_s;
		if (want->handshake_timeout_s >= 0)
			c.handshake_timeout_s = want->handshake_timeout_s;
		/* 0 is the default: a file that spells the default out (config show
		 * prints the effective value) changes nothing. */
		if (want->path_silent_s >= 0 &&
		    !(c.path_silent_s == 0 && want->path_silent_s == SCTPLB_PATH_SILENT_S))
			c.path_silent_s = want->path_silent_s;
		err = txn_write(t, LB_SETTINGS, &zero, &c);
		if (err)
			return err;
	}
	return 0;
}

static int push_id(__u32 **a, size_t *n, __u32 id)
{
	__u32 *na = realloc(*a, (*n + 1) * sizeof(**a));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = id;
	*a = na;
	return 0;
}

int lb_model_removed_ids(const struct lb_model *cur, const struct lb_model *want,
			 __u32 **be_ids, size_t *nbe, __u32 **svc_ids, size_t *nsvc)
{
	size_t i, j;

	*be_ids = *svc_ids = NULL;
	*nbe = *nsvc = 0;
	for (i = 0; i < cur->nsvc; i++) {
		if (!lb_model_service_by_id(want, cur->svc[i].id) &&
		    push_id(svc_ids, nsvc, cur->svc[i].id))
			goto nomem;
		for (j = 0; j < cur->svc[i].nbe; j++)
			if (!id_used(want, want, cur->svc[i].be[j].id, true) &&
			    push_id(be_ids, nbe, cur->svc[i].be[j].id))
				goto nomem;
	}
	return 0;
nomem:
	free(*be_ids);
	free(*svc_ids);
	*be_ids = *svc_ids = NULL;
	*nbe = *nsvc = 0;
	return -ENOMEM;
}

int lb_commit(const struct lb_maps *m, const struct lb_model *cur, struct lb_model *want,
	      struct lb_commit_stats *st)
{
	struct txn t = { .m = m, .st = st, .fail_after = -1 };
	const char *fail = getenv("SCTPLB_FAIL_AFTER");
	char msg[512];
	int err;

	memset(st, 0, sizeof(*st));
	if (fail)
		t.fail_after = atol(fail);
	err = lb_model_validate(want, msg, sizeof(msg));
	if (err)
		return lb_err(err, "%s", msg);
	err = assign_ids(cur, want);
	if (err)
		return err;
	err = commit_steps(&t, cur, want);
	if (err) {
		char bad[128];
		unsigned int failed = txn_rollback(&t, bad, sizeof(bad));

		if (failed)
			lb_err(err, "writing the maps under %s failed (%s), and %u of the writes could "
			       "not be undone (first: %s): apply the whole configuration again "
			       "(sctplb apply)", m->dir, strerror(-err), failed, bad);
		else
			lb_err(err, "writing the maps under %s failed (%s); every change was rolled "
			       "back", m->dir, strerror(-err));
		memset(st, 0, sizeof(*st));
	}
	txn_free(&t);
	return err;
}
