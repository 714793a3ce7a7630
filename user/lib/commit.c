// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* commit.c: writing a model to the maps by difference, with an undo log; see model.h. */
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
#include "grow.h"
#include "model.h"
#include "rtag.h"
#include "model_int.h"

/* ---- the undo log ---- */

#define LB_MAX_KV 512

struct undo {
	int map;                /* enum lb_map_id */
	__u8 key[LB_MAX_KV];
	__u8 old[LB_MAX_KV];
	bool had;               /* hash maps: the key existed */
	__u32 *table;           /* maglev: the replaced table (malloc'd), or NULL */
};

struct txn {
	const struct lb_maps *m;
	struct undo *log;
	size_t n, cap;
	struct lb_commit_stats *st;
	long fail_after;        /* test hook: SCTPLB_FAIL_AFTER=N fails write N+1 */
	bool cached;            /* services or server_ids written: svc_gen bumped at the end */
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
	struct undo *n = lb_grow(t->log, &t->cap, t->n, sizeof(*n), 64);

	if (!n)
		return NULL;
	t->log = n;
	memset(&t->log[t->n], 0, sizeof(t->log[0]));
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
	/* the maps the datapath caches (svc_gen); before the write: a failed
	 * one may have landed */
	if (map == LB_SERVICES || map == LB_SERVER_IDS)
		t->cached = true;
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
	struct undo *u;

	u = txn_push(t);
	if (!u)
		return -ENOMEM;
	u->map = LB_MAGLEV;
	memcpy(u->key, &sid, sizeof(sid));
	/* A copy of the live table, to install again on rollback. */
	u->table = malloc(SCTPLB_MAGLEV_SIZE * sizeof(*u->table));
	if (!u->table) {
		t->n--;
		return -ENOMEM;
	}
	err = maglev_read(outer, sid, u->table, NULL);
	if (err && err != -ENOENT)
		goto fail;
	u->had = !err;
	if (!table && !u->had) {
		free(u->table);
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
	free(u->table);
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
			__u32 sid;

			memcpy(&sid, u->key, sizeof(sid));
			if (u->had)
				err = maglev_install(fd, sid, u->table);
			else
				err = bpf_map_delete_elem(fd, u->key) ? -errno : 0;
			if (err)
				errno = -err;
			free(u->table);
			u->table = NULL;
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
		free(t->log[i].table);
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

	for (k = 0; k < sizeof(md) / sizeof(md[0]); k++)
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
	/* 6. Backends that go away: entry first, then its name.  A switch
	 * (step 5) does not wait for programs still reading the old table:
	 * wait once per service before its backends' ids go. */
	for (i = 0; i < cur->nsvc; i++) {
		bool waited = false;

		for (j = 0; j < cur->svc[i].nbe; j++) {
			__u32 id = cur->svc[i].be[j].id;

			if (id_used(want, want, id, true))
				continue;
			if (!waited) {
				err = maglev_wait(m->fd[LB_MAGLEV], cur->svc[i].id);
				if (err)
					return err;
				waited = true;
			}
			err = txn_write(t, LB_BACKENDS, &id, NULL);
			if (!err)
				err = txn_write(t, LB_BE_META, &id, NULL);
			if (err)
				return err;
		}
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
	    want->handshake_timeout_s >= 0 || want->path_silent_s >= 0 ||
	    want->event_rate >= 0 || want->event_burst >= 0) {
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
		/* the same for the event rate limit */
		if (want->event_rate >= 0 &&
		    !(c.event_rate == 0 && want->event_rate == SCTPLB_EVENT_RATE))
			c.event_rate = want->event_rate;
		if (want->event_burst >= 0 &&
		    !(c.event_burst == 0 && want->event_burst == SCTPLB_EVENT_BURST))
			c.event_burst = want->event_burst;
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

int lb_svc_gen_bump(int svc_gen_fd)
{
	__u32 zero = 0, gen = 0;

	/* A lost bump would leave stale services in the datapath's cache:
	 * the caller reports it.  Commits are serialised by the pin
	 * directory's lock, so read and write need no atomic. */
	if (bpf_map_lookup_elem(svc_gen_fd, &zero, &gen))
		return -errno;
	gen++;
	if (bpf_map_update_elem(svc_gen_fd, &zero, &gen, BPF_ANY))
		return -errno;
	return 0;
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
	/* After the writes and after their rollback alike: the datapath's
	 * caches of services and server_ids hold entries read under the old
	 * generation. */
	if (t.cached) {
		int gerr = lb_svc_gen_bump(m->fd[LB_SVC_GEN]);

		if (gerr && !err)
			err = lb_err(gerr, "services under %s were written, but %s/svc_gen could not "
				     "be bumped (%s): packets may still see the old ones; apply "
				     "the configuration again (sctplb apply)", m->dir, m->dir,
				     strerror(-gerr));
	}
	txn_free(&t);
	return err;
}
