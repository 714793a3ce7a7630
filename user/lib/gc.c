// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* gc.c: expiry of associations, their indexes and handshakes; see gc.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "err.h"
#include "events.h"
#include "gc.h"
#include "grow.h"
#include "health.h"
#include "settable.h"

#define NS 1000000000ull

__u64 gc_idle_ns(const struct sctplb_config *cfg)
{
	return (__u64)(cfg && cfg->idle_timeout_s ? cfg->idle_timeout_s : SCTPLB_IDLE_TIMEOUT_S) * NS;
}

__u64 gc_grace_ns(const struct sctplb_config *cfg)
{
	return (__u64)(cfg && cfg->closing_grace_s ? cfg->closing_grace_s : SCTPLB_CLOSING_GRACE_S) * NS;
}

__u64 gc_handshake_ns(const struct sctplb_config *cfg)
{
	return (__u64)(cfg && cfg->handshake_timeout_s ? cfg->handshake_timeout_s :
		       SCTPLB_HANDSHAKE_TIMEOUT_S) * NS;
}

/* ---- growable arrays ---- */

struct vec {
	unsigned char *p;
	size_t n, cap, sz;
};

static void *vec_push(struct vec *v)
{
	unsigned char *np = lb_grow(v->p, &v->cap, v->n, v->sz, 64);

	if (!np)
		return NULL;
	v->p = np;
	return v->p + v->sz * v->n++;
}

static void *vec_at(const struct vec *v, size_t i)
{
	return v->p + v->sz * i;
}

/* ---- expiry rules ---- */

enum why { KEEP, CLOSED, IDLE, OWNED };

static enum why assoc_expired(const struct sctplb_assoc *a, __u64 now,
			      const struct sctplb_config *cfg)
{
	__u64 last = lb_stamp_ns(a->seen ? a->seen : a->created);

	if (a->state == SCTPLB_ASSOC_CLOSING) {
		__u64 t = a->closing ? lb_stamp_ns(a->closing) : last;

		if (now > t && now - t > gc_grace_ns(cfg))
			return CLOSED;
	}
	if (now > last && now - last > gc_idle_ns(cfg))
		return IDLE;
	return KEEP;
}

/* More than span ns from t to now (a t after now, from another CPU's clock: no). */
static bool now_past(__u64 t, __u64 now, __u64 span)
{
	return now > t && now - t > span;
}

static bool hs_expired(const struct sctplb_handshake *h, __u64 now, const struct sctplb_config *cfg)
{
	return now_past(h->created_ns, now, gc_handshake_ns(cfg));
}

/* ---- key filters (include/sctplb.h) ---- */

/* Each filter's map and the table whose keys it holds. */
static const struct filter_kind {
	int map, table;
	__u32 ksize, vsize;
} filter_kinds[LB_FILTER_N] = {
	[LB_FILTER_CLIENT] = { LB_CLIENT_FILTER, LB_CLIENT_INDEX, sizeof(struct sctplb_client_key),
			       sizeof(struct sctplb_client) },
	[LB_FILTER_ASSOC] = { LB_ASSOC_FILTER, LB_ASSOCS, sizeof(struct sctplb_assoc_key),
			      sizeof(struct sctplb_assoc) },
};

struct filter_fill {
	const struct filter_kind *kind;
	__u64 *w;               /* the map, mmapped */
	int gen[2];             /* the generations to set */
	int n;
};

static int filter_open(const struct lb_maps *m, enum lb_filter which, struct filter_fill *f)
{
	int err;

	f->kind = &filter_kinds[which];
	f->w = mmap(NULL, (SCTPLB_FILTER_GEN + 1) * sizeof(__u64), PROT_READ | PROT_WRITE,
		    MAP_SHARED, m->fd[f->kind->map], 0);
	if (f->w != MAP_FAILED)
		return 0;
	err = -errno;
	return lb_err(err, "cannot map %s/%s: %s", m->dir, lb_map_names[f->kind->map],
		      strerror(-err));
}

static void filter_close(struct filter_fill *f)
{
	munmap(f->w, (SCTPLB_FILTER_GEN + 1) * sizeof(__u64));
}

/* An entry's bit, in each generation of f: atomic ORs, as the datapath's (an
 * OR of plain stores would undo one it made in between). */
static int filter_set(const void *key, const void *val, void *arg)
{
	struct filter_fill *f = arg;
	__u32 bit = sctplb_filter_bit(key, f->kind->ksize);
	int g;

	(void)val;
	for (g = 0; g < f->n; g++)
		__atomic_fetch_or(&f->w[SCTPLB_FILTER_WORD(bit, f->gen[g])], 1ull << (bit & 63),
				  __ATOMIC_RELAXED);
	return 0;
}

static int filter_scan(const struct lb_maps *m, struct filter_fill *f)
{
	return lb_table_scan(m, f->kind->table, f->kind->ksize, f->kind->vsize, filter_set, f);
}

int lb_filters_fill(const struct lb_maps *m)
{
	enum lb_filter which;
	int err = 0;

	for (which = 0; which < LB_FILTER_N && !err; which++) {
		struct filter_fill f = { .gen = { 0, 1 }, .n = 2 };

		err = filter_open(m, which, &f);
		if (err)
			break;
		err = filter_scan(m, &f);
		filter_close(&f);
	}
	return err;
}

/* The caller holds the pin directory's lock (user/gc.c): two rebuilds at
 * once could each clear a generation. */
int lb_filter_rebuild(const struct lb_maps *m, enum lb_filter which, int *gen)
{
	struct filter_fill f = { .n = 1 };
	__u32 i, g;
	int err = filter_open(m, which, &f);

	if (err)
		return err;
	g = __atomic_load_n(&f.w[SCTPLB_FILTER_GEN], __ATOMIC_RELAXED) & 1;
	f.gen[0] = (int)g;
	/* Cleared whole before the scan: an entry the datapath writes from
	 * here on sets its own bit (after the entry), one written before is
	 * found by the scan.  The other generation answers meanwhile. */
	for (i = 0; i < SCTPLB_FILTER_WORDS; i++)
		__atomic_store_n(&f.w[SCTPLB_FILTER_WORD(i << 6, g)], 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	err = filter_scan(m, &f);
	if (!err)
		__atomic_fetch_add(&f.w[SCTPLB_FILTER_GEN], 1, __ATOMIC_SEQ_CST);
	filter_close(&f);
	if (!err && gen)
		*gen = (int)g;
	return err;
}

int lb_filter_add(const struct lb_maps *m, enum lb_filter which, const void *key)
{
	struct filter_fill f = { .gen = { 0, 1 }, .n = 2 };
	int err = filter_open(m, which, &f);

	if (err)
		return err;
	filter_set(key, NULL, &f);
	filter_close(&f);
	return 0;
}

int lb_filter_test(const struct lb_maps *m, enum lb_filter which, const void *key)
{
	struct filter_fill f;
	__u32 bit;
	__u64 mask;
	int err = filter_open(m, which, &f), set;

	if (err)
		return err;
	bit = sctplb_filter_bit(key, f.kind->ksize);
	mask = 1ull << (bit & 63);
	set = ((f.w[SCTPLB_FILTER_WORD(bit, 0)] | f.w[SCTPLB_FILTER_WORD(bit, 1)]) & mask) != 0;
	filter_close(&f);
	return set;
}

/* ---- removal of one association and what points to it ---- */

struct removed {
	__u32 service_id, stag, backend_id;
	__u16 cport;
};

static int cmp_removed(const void *a, const void *b)
{
	const struct removed *x = a, *y = b;

	if (x->service_id != y->service_id)
		return x->service_id < y->service_id ? -1 : 1;
	if (x->stag != y->stag)
		return x->stag < y->stag ? -1 : 1;
	if (x->cport != y->cport)
		return x->cport < y->cport ? -1 : 1;
	return 0;
}

struct ctx {
	const struct lb_maps *m;
	const struct sctplb_config *cfg;
	__u64 now;
	const __u32 *be;
	size_t nbe;
	const __u32 *svc;
	size_t nsvc;
	const __u8 *active;     /* sweep: active[id] for every backend id, or NULL */
	struct vec cand;        /* keys collected by a scan */
	struct vec removed;     /* struct removed, for the client_index scan */
	struct gc_result *r;
	enum lb_map_id amap, cmap; /* the table swept: assocs and assoc_ctags, or the
				    * unconfirmed assocs_pending and pending_ctags */
	struct lb_settable set[LB_MAP_N]; /* the set-associative tables: is_set[] */
	bool is_set[LB_MAP_N];
};

/*
 * The maps are hash maps, or set-associative tables (user/lib/settable.h:
 * the unconfirmed associations): one lookup, delete and scan for both.
 * Lookups and deletes return 0 or a negative errno; a table's entry is
 * deleted only if its value still equals *expect (when not NULL: the value
 * judged, which a packet may have changed since), a hash map's whatever it
 * holds (its lookup and delete are each atomic, the datapath's writes to
 * an element in place are not lost by a delete).
 */
static int tbl_lookup(const struct ctx *c, enum lb_map_id id, const void *k, void *v)
{
	if (c->is_set[id])
		return lb_settable_lookup(&c->set[id], k, v, NULL);
	return bpf_map_lookup_elem(c->m->fd[id], k, v) ? -errno : 0;
}

static int tbl_delete(const struct ctx *c, enum lb_map_id id, const void *k, const void *expect)
{
	if (c->is_set[id])
		return lb_settable_delete(&c->set[id], k, expect);
	return bpf_map_delete_elem(c->m->fd[id], k) ? -errno : 0;
}

static int tbl_scan(struct ctx *c, enum lb_map_id id, __u32 ksz, __u32 vsz, lb_scan_fn fn)
{
	return lb_table_scan(c->m, id, ksz, vsz, fn, c);
}

/* Opens the set-associative tables among the maps (the others are hash maps). */
static int tbl_open(struct ctx *c)
{
	static const enum lb_map_id sets[] = { LB_PENDING, LB_PENDING_CTAGS, LB_HANDSHAKES,
					       LB_CLIENT_INDEX };
	size_t i;
	int err;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		err = lb_settable_open(&c->set[sets[i]], c->m, sets[i]);
		if (err)
			return lb_err(err, "cannot read the table %s/%s: %s", c->m->dir,
				      lb_map_names[sets[i]], strerror(-err));
		c->is_set[sets[i]] = true;
	}
	return 0;
}

static bool in_list(const __u32 *l, size_t n, __u32 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == id)
			return true;
	return false;
}

/* Sweep: the backend no longer exists (deleted while a removal failed). */
static bool orphan(const struct ctx *c, __u32 backend_id)
{
	return c->active && (backend_id >= SCTPLB_MAX_BACKENDS || !c->active[backend_id]);
}

/* Owned (gc_remove_owned) or orphan (sweep): gone whatever its age. */
static bool owned(const struct ctx *c, __u32 service_id, __u32 backend_id)
{
	return in_list(c->be, c->nbe, backend_id) || in_list(c->svc, c->nsvc, service_id) ||
	       orphan(c, backend_id);
}

static enum why assoc_why(const struct ctx *c, const struct sctplb_assoc_key *k,
			  const struct sctplb_assoc *a)
{
	if (owned(c, k->service_id, a->backend_id))
		return OWNED;
	if (c->be || c->svc)
		return KEEP;
	return assoc_expired(a, c->now, c->cfg);
}

/*
 * The handshake names an unconfirmed association that still exists: its Ts
 * (stag) is that association's restart rule until it is confirmed
 * (docs/datapath.md), so age alone does not remove it.  So is the entry of an
 * address its INIT listed (SCTPLB_HS_F_LISTED), the association's Tc index
 * for that address through the source's handshake (lb_listed_src_stag), while
 * the association carries its Tc.  The key's port is the service's
 * (svc_meta), as the datapath keys a client's packets.
 */
static bool hs_names_pending(const struct ctx *c, const struct sctplb_client_key *k,
			     const struct sctplb_handshake *h)
{
	struct sctplb_assoc_key ak = { .service_id = k->service_id, .vtag = h->stag,
				       .cport = k->cport };
	struct sctplb_service_meta sm;
	struct sctplb_assoc a;
	__u32 id = k->service_id;

	if (!ak.vtag && !lb_listed_src_stag(&c->set[LB_HANDSHAKES], k, h, h->ctag, &ak.vtag))
		return false;
	if (bpf_map_lookup_elem(c->m->fd[LB_SVC_META], &id, &sm) || !sm.sctp_port)
		return false;
	ak.sport = htons(sm.sctp_port);
	return tbl_lookup(c, LB_PENDING, &ak, &a) == 0 && (h->stag || a.ctag == h->ctag);
}

static bool hs_gone(const struct ctx *c, const struct sctplb_client_key *k,
		    const struct sctplb_handshake *h)
{
	if (owned(c, k->service_id, h->backend_id))
		return true;
	return !(c->be || c->svc) && hs_expired(h, c->now, c->cfg) && !hs_names_pending(c, k, h);
}

/*
 * The Tc index (assoc_ctags, pending_ctags, or for an unconfirmed
 * association the handshake that names its Tc and Ts: bpf/lib/lb.h
 * pending_by_ctag) and the rebuilt client_index keys of a removed
 * association.
 */
static void remove_indexes(struct ctx *c, const struct sctplb_assoc_key *k,
			   const struct sctplb_assoc *a)
{
	struct sctplb_ctag_value cv;
	struct sctplb_client cl;
	int p;

	if (a->ctag) {
		struct sctplb_assoc_key ck = *k;
		struct sctplb_client_key hk;
		struct sctplb_handshake h;

		ck.vtag = a->ctag;
		if (tbl_lookup(c, c->cmap, &ck, &cv) == 0 && cv.stag == k->vtag) {
			if (tbl_delete(c, c->cmap, &ck, &cv) == 0)
				c->r->ctags++;
		} else if (c->amap == LB_PENDING &&
			   lb_pending_by_handshake(&c->set[LB_HANDSHAKES], k, a, &hk, &h) &&
			   lb_settable_delete(&c->set[LB_HANDSHAKES], &hk, &h) == 0) {
			c->r->ctags++;
		}
	}
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		const struct sctplb_assoc_path *ap = &a->path[p];
		struct sctplb_client_key ck;

		if (!ap->family)
			continue;
		memset(&ck, 0, sizeof(ck));
		ck.service_id = k->service_id;
		ck.cport = k->cport;
		ck.family = ap->family;
		memcpy(ck.caddr, ap->caddr, sizeof(ck.caddr));
		if (tbl_lookup(c, LB_CLIENT_INDEX, &ck, &cl) == 0 && cl.stag == k->vtag &&
		    cl.backend_id == a->backend_id && tbl_delete(c, LB_CLIENT_INDEX, &ck, &cl) == 0)
			c->r->clients++;
	}
}

/* Adds key (c->cand.sz bytes) to the candidates of the current scan. */
static int collect_key(struct ctx *c, const void *key)
{
	void *slot = vec_push(&c->cand);

	if (!slot)
		return -ENOMEM;
	memcpy(slot, key, c->cand.sz);
	return 0;
}

/* Scans map for candidates: fn collects the keys (ksz bytes) to delete. */
static int scan_collect(struct ctx *c, enum lb_map_id map, __u32 ksz, __u32 vsz, lb_scan_fn fn)
{
	c->cand.sz = ksz;
	c->cand.n = 0;
	return tbl_scan(c, map, ksz, vsz, fn);
}

static int collect_assoc(const void *key, const void *val, void *arg)
{
	struct ctx *c = arg;
	const struct sctplb_assoc_key *k = key;
	const struct sctplb_assoc *a = val;

	c->r->assocs_scanned++;
	if (assoc_why(c, k, a) == KEEP)
		return 0;
	return collect_key(c, k);
}

/* Deletes the collected associations that still qualify, with their indexes. */
static int remove_assocs(struct ctx *c)
{
	struct sctplb_assoc a;
	size_t i;
	int err;

	for (i = 0; i < c->cand.n; i++) {
		const struct sctplb_assoc_key *k = vec_at(&c->cand, i);
		struct removed *rm;
		enum why w;

		if (tbl_lookup(c, c->amap, k, &a))
			continue;       /* gone already, or confirmed meanwhile */
		w = assoc_why(c, k, &a); /* again: it may have seen a packet meanwhile */
		if (w == KEEP)
			continue;
		err = tbl_delete(c, c->amap, k, &a);
		if (err == -ENOENT || err == -ESTALE)
			continue;       /* gone, or it changed: the next sweep judges it */
		if (err)
			return lb_err(err, "cannot delete an association from %s/%s: %s",
				      c->m->dir, lb_map_names[c->amap], strerror(-err));
		if (w == CLOSED)
			c->r->assocs_closed++;
		else if (w == IDLE)
			c->r->assocs_idle++;
		else
			c->r->assocs_owned++;
		remove_indexes(c, k, &a);
		lb_event_expired(c->m, k, &a, w == CLOSED ? SCTPLB_EXPIRY_CLOSED :
				 w == IDLE ? SCTPLB_EXPIRY_IDLE : SCTPLB_EXPIRY_OWNED);
		rm = vec_push(&c->removed);
		if (!rm)
			return -ENOMEM;
		rm->service_id = k->service_id;
		rm->stag = k->vtag;
		rm->cport = k->cport;
		rm->backend_id = a.backend_id;
	}
	return 0;
}

/* A client_index entry pointing to a removed association (or owned); removed is sorted. */
static bool client_gone(const struct ctx *c, const struct sctplb_client_key *k,
			const struct sctplb_client *v)
{
	struct removed q = { .service_id = k->service_id, .stag = v->stag, .cport = k->cport };
	const struct removed *f;

	if (owned(c, k->service_id, v->backend_id))
		return true;
	f = c->removed.n ? bsearch(&q, c->removed.p, c->removed.n, sizeof(q), cmp_removed) : NULL;
	return f && f->backend_id == v->backend_id;
}

static int collect_client(const void *key, const void *val, void *arg)
{
	struct ctx *c = arg;

	return client_gone(c, key, val) ? collect_key(c, key) : 0;
}

static int remove_clients(struct ctx *c)
{
	size_t i;
	int err;

	if (c->removed.n)
		qsort(c->removed.p, c->removed.n, sizeof(struct removed), cmp_removed);
	err = scan_collect(c, LB_CLIENT_INDEX, sizeof(struct sctplb_client_key),
			   sizeof(struct sctplb_client), collect_client);
	if (err)
		return err;
	for (i = 0; i < c->cand.n; i++) {
		const struct sctplb_client_key *k = vec_at(&c->cand, i);
		struct sctplb_client v;

		if (tbl_lookup(c, LB_CLIENT_INDEX, k, &v))
			continue;
		/* again: the datapath may have written a new association's entry
		 * (and after this, the delete keeps one: it expects v) */
		if (!client_gone(c, k, &v))
			continue;
		if (tbl_delete(c, LB_CLIENT_INDEX, k, &v) == 0)
			c->r->clients++;
	}
	return 0;
}

static int collect_ctag(const void *key, const void *val, void *arg)
{
	struct ctx *c = arg;
	const struct sctplb_assoc_key *k = key;

	(void)val;
	return in_list(c->svc, c->nsvc, k->service_id) ? collect_key(c, k) : 0;
}

static int collect_hs(const void *key, const void *val, uint32_t stamp, void *arg)
{
	struct ctx *c = arg;
	const struct sctplb_client_key *k = key;
	const struct sctplb_handshake *h = val;

	(void)stamp;
	c->r->handshakes_scanned++;
	return hs_gone(c, k, h) ? collect_key(c, k) : 0;
}

/*
 * handshakes is a set-associative table (user/lib/settable.h): walked set by
 * set, and an entry is deleted only if it is still the one judged (a
 * retransmitted INIT refreshes created_ns; a new INIT may have taken the key).
 */
static int remove_handshakes(struct ctx *c)
{
	struct sctplb_handshake h;
	struct lb_settable t;
	size_t i;
	int err;

	err = lb_settable_open(&t, c->m, LB_HANDSHAKES);
	if (err)
		return err;
	c->cand.sz = sizeof(struct sctplb_client_key);
	c->cand.n = 0;
	err = lb_settable_walk(&t, collect_hs, c);
	if (err)
		return err;
	for (i = 0; i < c->cand.n; i++) {
		const struct sctplb_client_key *k = vec_at(&c->cand, i);

		if (lb_settable_lookup(&t, k, &h, NULL))
			continue;
		if (!hs_gone(c, k, &h))
			continue;
		if (lb_settable_delete(&t, k, &h) == 0)
			c->r->handshakes++;
	}
	return 0;
}

/* ---- full NAT's client flows (snat_flows) ---- */

/*
 * A flow (service, Tc, client port) -> the client's addresses is what a
 * backend's packet to the forwarder's address needs to find its client
 * (docs/nat.md).  The client's INIT makes it, before any association exists:
 * the return path learns the association from the INIT-ACK that the flow
 * carries back.  So a flow is dead when no association of its (service, Tc,
 * client port) is in either table (assoc_ctags, pending_ctags: keyed by the
 * service port, svc_nat's sctp_port, as parse.h keys a NAT backend's packet)
 * and its INIT is older than the handshake timeout (a retransmitted INIT
 * rewrites created_ns); or, on deletion, its service is one deleted.  Run
 * after the associations' sweep, so the flow of an association it removed
 * goes in the same sweep.  A backend's deletion leaves its flows to the next
 * sweep (the flow does not name its backend; its associations are gone).
 */
static bool snat_has_assoc(const struct ctx *c, const struct sctplb_snat_key *k)
{
	struct sctplb_assoc_key ak = { .service_id = k->service_id, .vtag = k->ctag,
				       .cport = k->cport };
	struct sctplb_ctag_value v;
	struct sctplb_svc_nat n;
	__u32 id = k->service_id;

	/* An array: a lookup fails only for an id no service can have. */
	if (bpf_map_lookup_elem(c->m->fd[LB_SVC_NAT], &id, &n))
		return false;
	ak.sport = n.sctp_port;
	return tbl_lookup(c, LB_ASSOC_CTAGS, &ak, &v) == 0 ||
	       tbl_lookup(c, LB_PENDING_CTAGS, &ak, &v) == 0;
}

static bool snat_gone(const struct ctx *c, const struct sctplb_snat_key *k,
		      const struct sctplb_snat_flow *f)
{
	if (in_list(c->svc, c->nsvc, k->service_id))
		return true;
	if (c->be || c->svc)
		return false;
	return now_past(f->created_ns, c->now, gc_handshake_ns(c->cfg)) && !snat_has_assoc(c, k);
}

static int collect_snat(const void *key, const void *val, void *arg)
{
	struct ctx *c = arg;

	return snat_gone(c, key, val) ? collect_key(c, key) : 0;
}

static int remove_snat_flows(struct ctx *c)
{
	struct sctplb_snat_flow f;
	size_t i;
	int err;

	if (c->m->fd[LB_SNAT_FLOWS] < 0 || c->m->fd[LB_SVC_NAT] < 0)
		return 0;       /* maps of a build without NAT */
	err = scan_collect(c, LB_SNAT_FLOWS, sizeof(struct sctplb_snat_key),
			   sizeof(struct sctplb_snat_flow), collect_snat);
	if (err)
		return err;
	for (i = 0; i < c->cand.n; i++) {
		const struct sctplb_snat_key *k = vec_at(&c->cand, i);

		if (bpf_map_lookup_elem(c->m->fd[LB_SNAT_FLOWS], k, &f))
			continue;
		/* again: a retransmitted INIT, or the INIT-ACK's association, meanwhile */
		if (!snat_gone(c, k, &f))
			continue;
		if (bpf_map_delete_elem(c->m->fd[LB_SNAT_FLOWS], k) == 0)
			c->r->snat_flows++;
	}
	return 0;
}

static int run(struct ctx *c)
{
	static const enum lb_map_id tables[][2] = {
		{ LB_ASSOCS, LB_ASSOC_CTAGS },
		{ LB_PENDING, LB_PENDING_CTAGS },
	};
	size_t i, t;
	int err = 0;

	lb_err_clear();

	c->removed.sz = sizeof(struct removed);
	err = tbl_open(c);
	for (t = 0; !err && t < sizeof(tables) / sizeof(tables[0]); t++) {
		c->amap = tables[t][0];
		c->cmap = tables[t][1];
		err = scan_collect(c, c->amap, sizeof(struct sctplb_assoc_key),
				   sizeof(struct sctplb_assoc), collect_assoc);
		if (!err)
			err = remove_assocs(c);
		if (!err && c->svc) {
			/* ctags of a deleted service, even those whose association is gone */
			err = scan_collect(c, c->cmap, sizeof(struct sctplb_assoc_key),
					   sizeof(struct sctplb_ctag_value), collect_ctag);
			for (i = 0; !err && i < c->cand.n; i++)
				if (tbl_delete(c, c->cmap, vec_at(&c->cand, i), NULL) == 0)
					c->r->ctags++;
		}
	}
	if (!err && (c->removed.n || c->be || c->svc || c->active))
		err = remove_clients(c);
	if (!err)
		err = remove_handshakes(c);
	if (!err)
		err = remove_snat_flows(c);
	free(c->cand.p);
	free(c->removed.p);
	if (err == -ENOMEM)
		lb_err(err, "out of memory while sweeping");
	else if (err && !lb_err_msg())
		lb_err(err, "sweeping the maps under %s failed: %s", c->m->dir, strerror(-err));
	return err;
}

int gc_sweep(const struct lb_maps *m, __u64 now_ns, const struct sctplb_config *cfg,
	     struct gc_result *out)
{
	struct ctx c = { .m = m, .cfg = cfg, .now = now_ns, .r = out };
	static __u8 active[SCTPLB_MAX_BACKENDS];
	struct sctplb_backend be;
	__u32 id;
	int err;

	memset(out, 0, sizeof(*out));
	/* Which backends exist: state of a vanished one is removed whatever its age. */
	c.active = active;
	for (id = 0; id < SCTPLB_MAX_BACKENDS; id++) {
		if (bpf_map_lookup_elem(m->fd[LB_BACKENDS], &id, &be)) {
			c.active = NULL;        /* cannot tell: age rules only */
			break;
		}
		active[id] = id != SCTPLB_BACKEND_NONE && (be.flags & SCTPLB_BE_F_ACTIVE);
	}
	err = run(&c);
	if (err)
		return err;
	/* After the sweep: the bits of the entries it removed go.  A failure
	 * says what the sweep did, which the caller then does not print. */
	err = lb_filter_rebuild(m, LB_FILTER_CLIENT, NULL);
	if (!err)
		err = lb_filter_rebuild(m, LB_FILTER_ASSOC, NULL);
	if (err) {
		char cause[256];

		snprintf(cause, sizeof(cause), "%s", lb_err_msg() ? lb_err_msg() : strerror(-err));
		err = lb_err(err, "the sweep removed %u entr%s, then a key filter could not be "
			     "rebuilt: %s. Nothing is lost (the filters keep the bits they had, "
			     "a false positive costs a lookup); run gc again once that is mended",
			     gc_total(out), gc_total(out) == 1 ? "y" : "ies", cause);
	}
	return err;
}

/*
 * A deleted backend's path_stats slots (an array: nothing removes them) are
 * zeroed, so that a backend that later gets the id starts from 0.
 */
static int zero_path_stats(const struct lb_maps *m, const __u32 *backend_ids, size_t nbe)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sctplb_path_counters *zero;
	size_t i;
	__u32 p, d;
	int err = 0;

	if (ncpu < 1)
		return -EINVAL;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	for (i = 0; i < nbe && !err; i++)
		for (p = 0; p < SCTPLB_MAX_PATHS && !err && backend_ids[i] < SCTPLB_MAX_BACKENDS; p++)
			for (d = 0; d < 2 && !err; d++) {
				__u32 k = sctplb_path_index(backend_ids[i], p, d);

				if (bpf_map_update_elem(m->fd[LB_PATH_STATS], &k, zero, BPF_ANY))
					err = -errno;
			}
	free(zero);
	return err;
}

int gc_remove_owned(const struct lb_maps *m, const __u32 *backend_ids, size_t nbe,
		    const __u32 *service_ids, size_t nsvc, struct gc_result *out)
{
	static const __u32 none;
	struct ctx c = { .m = m, .r = out };
	int err;

	memset(out, 0, sizeof(*out));
	if (!nbe && !nsvc)
		return 0;
	err = zero_path_stats(m, backend_ids, nbe);
	if (err)
		return err;
	/* non-NULL lists select the "owned" rules */
	c.be = nbe ? backend_ids : &none;
	c.nbe = nbe;
	c.svc = nsvc ? service_ids : &none;
	c.nsvc = nsvc;
	return run(&c);
}
