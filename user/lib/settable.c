// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* settable.c: set-associative tables from user space; see settable.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "ctl.h"
#include "err.h"
#include "settable.h"

int lb_settable_init(struct lb_settable *t, int fd, struct lb_settable_layout l,
		     const __u32 hkey[4])
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != l.set_size || !info.max_entries ||
	    l.key_size % 4 || l.key_size > 256)
		return -EPROTO;
	t->fd = fd;
	t->m = NULL;
	t->nsets = info.max_entries;
	t->l = l;
	memcpy(t->hkey, hkey, sizeof(t->hkey));
	return 0;
}

static __u32 handshake_keep(const void *val)
{
	return sctplb_handshake_keep(val);
}

int lb_settable_layout(enum lb_map_id id, struct lb_settable_layout *l)
{
	switch (id) {
	case LB_HANDSHAKES:
		*l = LB_SETTABLE_LAYOUT(struct sctplb_handshake_set);
		l->keep = handshake_keep;
		l->table = SCTPLB_TABLE_HANDSHAKES;
		return 0;
	case LB_PENDING:
		*l = LB_SETTABLE_LAYOUT(struct sctplb_pending_set);
		l->table = SCTPLB_TABLE_PENDING;
		return 0;
	case LB_PENDING_CTAGS:
		*l = LB_SETTABLE_LAYOUT(struct sctplb_pending_ctag_set);
		l->table = SCTPLB_TABLE_PENDING_CTAGS;
		return 0;
	case LB_CLIENT_INDEX:
		*l = LB_SETTABLE_LAYOUT(struct sctplb_client_set);
		l->table = SCTPLB_TABLE_CLIENTS;
		l->candidates = 2;
		return 0;
	default:
		return -EPROTO;
	}
}

int lb_settable_open(struct lb_settable *t, const struct lb_maps *m, enum lb_map_id id)
{
	struct lb_settable_layout l;
	struct sctplb_config c;
	__u32 k = 0;
	int err = lb_settable_layout(id, &l);

	if (err)
		return err;
	if (bpf_map_lookup_elem(m->fd[LB_SETTINGS], &k, &c))
		return -errno;
	err = lb_settable_init(t, m->fd[id], l, c.settable_key);
	if (!err)
		t->m = m;
	return err;
}

uint32_t lb_settable_index2(const struct lb_settable *t, const void *key, uint32_t *second)
{
	__u32 w[64], i1;

	/* The key's words, aligned, as the datapath reads them. */
	memcpy(w, key, t->l.key_size);
	i1 = sctplb_settable_index2(t->hkey, w, t->l.key_size / 4, t->nsets, second);
	if (t->l.candidates != 2)
		*second = i1;
	return i1;
}

uint32_t lb_settable_index(const struct lb_settable *t, const void *key)
{
	uint32_t second;

	return lb_settable_index2(t, key, &second);
}

static uint32_t *stamps(const struct lb_settable *t, void *set)
{
	return (uint32_t *)((char *)set + t->l.stamps_off);
}

static uint16_t *fps(const struct lb_settable *t, void *set)
{
	return (uint16_t *)((char *)set + t->l.fp_off);
}

static char *entry(const struct lb_settable *t, void *set, uint32_t i)
{
	return (char *)set + t->l.entries_off + (size_t)i * t->l.entry_size;
}

/* The way holding key in set, or -1. */
static int way_of(const struct lb_settable *t, void *set, const void *key)
{
	uint32_t i;

	for (i = 0; i < t->l.ways; i++)
		if (stamps(t, set)[i] && !memcmp(entry(t, set, i), key, t->l.key_size))
			return (int)i;
	return -1;
}

static int read_set(const struct lb_settable *t, uint32_t idx, void *set)
{
	return bpf_map_lookup_elem_flags(t->fd, &idx, set, BPF_F_LOCK) ? -errno : 0;
}

static int update_set(const struct lb_settable *t, uint32_t idx, const void *set)
{
	return bpf_map_update_elem(t->fd, &idx, set, BPF_F_LOCK) ? -errno : 0;
}

static uint32_t *seq_of(const struct lb_settable *t, void *set)
{
	return (uint32_t *)((char *)set + t->l.seq_off);
}

/*
 * Set idx, read as *old, becomes *set.  The kernel copies a BPF_F_LOCK
 * value with memcpy, in no order a lock-free reader can rely on, so the
 * change is made with the seqcount odd around it
 * (include/sctplb_settable.h): *old with seq odd (only seq changes), *set
 * with seq odd (seq does not change), then *set with seq 2 modulo 4 (only
 * seq changes).  *old's seq is left odd.
 */
static int write_set(const struct lb_settable *t, uint32_t idx, void *old, void *set)
{
	uint32_t s = *seq_of(t, old);
	int err;

	*seq_of(t, old) = SCTPLB_SETTABLE_SEQ_BUSY(s);
	*seq_of(t, set) = SCTPLB_SETTABLE_SEQ_BUSY(s);
	err = update_set(t, idx, old);
	if (!err)
		err = update_set(t, idx, set);
	*seq_of(t, set) = SCTPLB_SETTABLE_SEQ_USER(s);
	if (!err)
		err = update_set(t, idx, set);
	return err;
}

/* A copy of set, as read, for write_set (NULL: no memory). */
static void *copy_set(const struct lb_settable *t, const void *set)
{
	void *c = malloc(t->l.set_size);

	if (c)
		memcpy(c, set, t->l.set_size);
	return c;
}

/* Way i's rank under the table's KEEP (bpf/lib/settable.h settable_rank_keep):
 * the kept after the others, each the older first; 0 if the way is empty. */
static uint64_t rank_of(const struct lb_settable *t, void *set, uint32_t i)
{
	uint32_t st = stamps(t, set)[i];

	return st ? (uint64_t)(t->l.keep && t->l.keep(entry(t, set, i) + t->l.key_size) != 0)
			    << 32 | st : 0;
}

/*
 * Of key's candidate sets (set[0], set[1]: one set twice in a table of one
 * set a key), the one that holds key (*w its way), else (*w -1) the one a
 * new key goes to: the one with more empty ways, else the one whose least
 * rank (its victim's) is lower, the first of equals (bpf/lib/settable.h
 * NAME_put2).
 */
static int choose(const struct lb_settable *t, void *const set[2], const void *key, int *w)
{
	uint64_t least[2] = { UINT64_MAX, UINT64_MAX }, r;
	uint32_t n[2] = { 0, 0 }, i;
	int c;

	for (c = 0; c < 2; c++)
		if ((*w = way_of(t, set[c], key)) >= 0)
			return c;
	for (c = 0; c < 2; c++)
		for (i = 0; i < t->l.ways; i++) {
			r = rank_of(t, set[c], i);
			n[c] += !r;
			if (r && r < least[c])
				least[c] = r;
		}
	if (n[0] != n[1])
		return n[0] > n[1] ? 0 : 1;
	return n[0] || least[0] <= least[1] ? 0 : 1;
}

/*
 * key's candidate sets, each read whole into a calloc'd set[c] (the caller
 * frees both, error or not: one pointer twice when the sets are one), their
 * indexes idx[c], and *c the one that holds key (*w its way there) or, if
 * none does (*w -1), the one a new key goes to (choose).
 */
static int load(const struct lb_settable *t, const void *key, uint32_t idx[2], void *set[2],
		int *c, int *w)
{
	int err;

	idx[0] = lb_settable_index2(t, key, &idx[1]);
	set[0] = calloc(1, t->l.set_size);
	set[1] = idx[1] == idx[0] ? set[0] : calloc(1, t->l.set_size);
	if (!set[0] || !set[1])
		return -ENOMEM;
	err = read_set(t, idx[0], set[0]);
	if (!err && set[1] != set[0])
		err = read_set(t, idx[1], set[1]);
	if (!err)
		*c = choose(t, set, key, w);
	return err;
}

static void unload(void *set[2])
{
	if (set[1] != set[0])
		free(set[1]);
	free(set[0]);
}

int lb_settable_lookup(const struct lb_settable *t, const void *key, void *val, uint32_t *stamp)
{
	uint32_t idx[2];
	void *set[2];
	int err, c, w;

	err = load(t, key, idx, set, &c, &w);
	if (!err && w < 0)
		err = -ENOENT;
	if (!err) {
		memcpy(val, entry(t, set[c], w) + t->l.key_size, t->l.val_size);
		if (stamp)
			*stamp = stamps(t, set[c])[w];
	}
	unload(set);
	return err;
}

/* key -> val in set, read whole (way: key's way there, -1 if none), by the
 * datapath's rule (bpf/lib/settable.h): its way, an empty way, else the
 * oldest not kept, else the oldest (the first of equals). */
static void place(const struct lb_settable *t, void *set, int way, const void *key,
		  const void *val, uint32_t stamp)
{
	uint64_t rank, best = UINT64_MAX;
	uint32_t i;
	__u32 kw[64];
	int w = way;

	memcpy(kw, key, t->l.key_size); /* its words, aligned */
	for (i = 0; way < 0 && i < t->l.ways; i++) {
		rank = rank_of(t, set, i);
		if (rank < best) {
			best = rank;
			w = (int)i;
		}
	}
	memcpy(entry(t, set, w), key, t->l.key_size);
	memcpy(entry(t, set, w) + t->l.key_size, val, t->l.val_size);
	stamps(t, set)[w] = sctplb_settable_stamp(stamp);
	fps(t, set)[w] = sctplb_settable_fp(kw, t->l.key_size / 4);
}

int lb_settable_put(const struct lb_settable *t, const void *key, const void *val,
		    uint32_t stamp)
{
	uint32_t idx[2];
	void *set[2], *old = NULL;
	int err, c, way;

	err = load(t, key, idx, set, &c, &way);
	if (!err && !(old = copy_set(t, set[c])))
		err = -ENOMEM;
	if (!err) {
		place(t, set[c], way, key, val, stamp);
		err = write_set(t, idx[c], old, set[c]);
	}
	free(old);
	unload(set);
	return err;
}

struct fill {
	const struct lb_settable *t;
	char *sets;             /* every set, read */
};

static int fill_read(const void *key, const void *set, void *arg)
{
	const struct fill *f = arg;
	__u32 idx;

	memcpy(&idx, key, sizeof(idx));
	if (idx < f->t->nsets)
		memcpy(f->sets + (size_t)idx * f->t->l.set_size, set, f->t->l.set_size);
	return 0;
}

int lb_settable_fill(const struct lb_settable *t, const void *kv, size_t n, uint32_t stamp,
		     uint32_t (*stamp_of)(const void *val))
{
	enum { B = 4096 };
	size_t esz = t->l.key_size + t->l.val_size, i, sz = t->l.set_size;
	struct fill f = { t, calloc(t->nsets, sz) };
	uint8_t *touched = calloc(t->nsets, 1);
	__u32 keys[B], nb, idx, cnt;
	char *vals = malloc(B * sz);
	int err = f.sets && touched && vals ? 0 : -ENOMEM;

	if (!err)
		err = lb_map_scan_flags(t->fd, sizeof(__u32), sz, BPF_F_LOCK, fill_read, &f);
	for (i = 0; !err && i < n; i++) {
		const char *k = (const char *)kv + i * esz;
		uint32_t ci[2];
		void *set[2];
		int c, w;

		ci[0] = lb_settable_index2(t, k, &ci[1]);
		set[0] = f.sets + (size_t)ci[0] * sz;
		set[1] = f.sets + (size_t)ci[1] * sz;
		c = choose(t, set, k, &w);
		place(t, set[c], w, k, k + t->l.key_size,
		      stamp_of ? stamp_of(k + t->l.key_size) : stamp);
		touched[ci[c]] = 1;
	}
	/* The changed sets, in batches; seq even as read: nothing reads the
	 * table yet (lb_settable_fill's contract). */
	for (idx = 0, nb = 0; !err && idx <= t->nsets; idx++) {
		if (idx < t->nsets && touched[idx]) {
			keys[nb] = idx;
			memcpy(vals + (size_t)nb * sz, f.sets + (size_t)idx * sz, sz);
			nb++;
		}
		if (nb == B || (idx == t->nsets && nb)) {
			LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_F_LOCK);

			cnt = nb;
			if (bpf_map_update_batch(t->fd, keys, vals, &cnt, &o))
				err = -errno;
			else if (cnt != nb)
				err = -EIO;
			nb = 0;
		}
	}
	free(vals);
	free(touched);
	free(f.sets);
	return err;
}

int lb_settable_delete(const struct lb_settable *t, const void *key, const void *expect)
{
	struct sctplb_table_op op = { .table = t->l.table };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &op, .ctx_size_in = sizeof(op));
	int fd;

	if (!t->m)
		return lb_err(-EBADF, "a table opened from a bare map fd cannot delete: "
			      "open it with lb_settable_open");
	fd = lb_ctl_prog(t->m, LB_CTL_TABLE_DELETE);
	if (fd < 0)
		return fd;
	memcpy(&op.key, key, t->l.key_size);
	if (expect) {
		op.flags = SCTPLB_TABLE_OP_F_EXPECT;
		memcpy(&op.val, expect, t->l.val_size);
	}
	if (bpf_prog_test_run_opts(fd, &run))
		return lb_err(-errno, "running sctplb_table_delete: %s", strerror(errno));
	switch (run.retval) {
	case SCTPLB_TABLE_OP_DONE:
		return 0;
	case SCTPLB_TABLE_OP_NOENT:
		return -ENOENT;
	case SCTPLB_TABLE_OP_STALE:
		return -ESTALE;
	default:
		return lb_err(-EINVAL, "sctplb_table_delete refused table %u", t->l.table);
	}
}

/* fn for every used way of one set read whole; its first non-zero return. */
static int walk_one_set(const struct lb_settable *t, void *set, lb_settable_fn fn, void *arg)
{
	uint32_t j;
	int err = 0;

	for (j = 0; j < t->l.ways && !err; j++)
		if (stamps(t, set)[j])
			err = fn(entry(t, set, j), entry(t, set, j) + t->l.key_size,
				 stamps(t, set)[j], arg);
	return err;
}

struct sets_walk {
	const struct lb_settable *t;
	lb_settable_fn fn;
	void *arg;
};

static int walk_set_read(const void *key, const void *set, void *arg)
{
	const struct sets_walk *w = arg;

	(void)key;
	return walk_one_set(w->t, (void *)set, w->fn, w->arg);
}

/* Whole sets, each read under its lock, in batches (lb_map_scan_flags). */
int lb_settable_walk(const struct lb_settable *t, lb_settable_fn fn, void *arg)
{
	struct sets_walk w = { t, fn, arg };

	return lb_map_scan_flags(t->fd, sizeof(__u32), t->l.set_size, BPF_F_LOCK, walk_set_read,
				 &w);
}

struct scan_way {
	lb_scan_fn fn;
	void *arg;
};

static int scan_way(const void *key, const void *val, uint32_t stamp, void *arg)
{
	const struct scan_way *w = arg;

	(void)stamp;
	return w->fn(key, val, w->arg);
}

int lb_table_scan(const struct lb_maps *m, enum lb_map_id id, __u32 ksz, __u32 vsz,
		  lb_scan_fn fn, void *arg)
{
	struct scan_way w = { fn, arg };
	struct lb_settable_layout l;
	struct lb_settable t;
	int err;

	if (lb_settable_layout(id, &l))
		return lb_map_scan(m->fd[id], ksz, vsz, fn, arg);
	err = lb_settable_open(&t, m, id);
	return err ? err : lb_settable_walk(&t, scan_way, &w);
}

int lb_settable_walk_set(const struct lb_settable *t, uint32_t idx, lb_settable_fn fn, void *arg)
{
	char *set = malloc(t->l.set_size);
	int err;

	if (!set)
		return -ENOMEM;
	err = idx < t->nsets ? read_set(t, idx, set) : -ENOENT;
	if (!err)
		err = walk_one_set(t, set, fn, arg);
	free(set);
	return err;
}

static int count_one(const void *key, const void *val, uint32_t stamp, void *arg)
{
	(void)key, (void)val, (void)stamp;
	++*(long *)arg;
	return 0;
}

long lb_settable_count(const struct lb_settable *t)
{
	long n = 0;
	int err = lb_settable_walk(t, count_one, &n);

	return err ? err : n;
}
