// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pinned.c: open, check and create the pinned maps; see pinned.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "err.h"
#include "grow.h"
#include "pinned.h"
#include "settable.h"
#include "sctplb.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define LB_MAP_NAME(id, name, ...) [LB_##id] = #name,
const char *const lb_map_names[LB_MAP_N] = {
	SCTPLB_MAPS(LB_MAP_NAME)
	[LB_MAGLEV] = "maglev",
	[LB_EVENTS] = "events",
};
#undef LB_MAP_NAME

#define LB_MAP_FLAGS(id, name, type, max, key, value, flags, what) [LB_##id] = (flags),
static const __u32 map_flags[LB_MAP_N] = { SCTPLB_MAPS(LB_MAP_FLAGS) };
#undef LB_MAP_FLAGS

/* Maps sized by --max-assocs (client_index: --max-clients) when they are created. */
static bool sized_by_max_assocs(int i)
{
	return map_flags[i] & SCTPLB_MAP_F_ASSOCS;
}

__u32 lb_assoc_map_entries(enum lb_map_id id, __u32 n)
{
	__u32 ways = id == LB_PENDING ? SCTPLB_PENDING_WAYS :
		     id == LB_PENDING_CTAGS ? SCTPLB_PENDING_CTAG_WAYS : 1;

	if (id == LB_CLIENT_INDEX)
		return SCTPLB_CLIENT_SETS(n);

	return (n + ways - 1) / ways;
}

/* The entries that size map i (0: its default), from sz (NULL: defaults). */
static __u32 size_of(const struct lb_sizes *sz, int i)
{
	if (!sz)
		return 0;
	return i == LB_CLIENT_INDEX && sz->clients ? sz->clients : sz->assocs;
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int lb_pin_dir_check(const char *dir, bool create)
{
	char parent[PATH_MAX];
	struct stat st;
	int err;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return lb_err(-ENOTDIR, "pin path %s is not a directory; choose another "
				      "--pin-path", dir);
		if (!on_bpffs(dir))
			return lb_err(-ENODEV, "pin path %s is not on a bpf filesystem; mount one "
				      "(mount -t bpf bpf /sys/fs/bpf) or choose a --pin-path under a "
				      "bpffs", dir);
		return 0;
	}
	if (!create)
		return lb_err(-ENOENT, "nothing configured under %s (no pinned maps); create them "
			      "with 'sctplb service add' or 'sctplb attach'", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	/* The nearest existing ancestor must be a bpffs, else mkdir would
	 * create a directory on some other filesystem (or fail on sysfs). */
	for (;;) {
		char *d = dirname(parent);

		if (stat(d, &st) == 0) {
			if (!on_bpffs(d))
				return lb_err(-ENODEV, "no bpf filesystem at %s (needed for %s); mount "
					      "one (mount -t bpf bpf /sys/fs/bpf) or choose a --pin-path "
					      "under a bpffs", d, dir);
			break;
		}
		if (!strcmp(d, "/"))
			break;
		memmove(parent, d, strlen(d) + 1);
	}
	err = mkdir_p(dir);
	if (err)
		return lb_err(err, "cannot create pin directory %s: %s", dir, strerror(-err));
	return 0;
}

static int map_path(char *buf, size_t len, const char *dir, int i)
{
	if (snprintf(buf, len, "%s/%s", dir, lb_map_names[i]) >= (int)len)
		return lb_err(-ENAMETOOLONG, "pin path %s is too long; choose a shorter --pin-path", dir);
	return 0;
}

/*
 * Checks the pinned map i (if present) against the skeleton's definition.
 * Returns its fd, -ENOENT when absent, or another -errno (printed).
 */
static int check_pinned(struct bpf_map *def, const char *dir, int i)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	err = map_path(path, sizeof(path), dir, i);
	if (err)
		return err;
	if (access(path, F_OK))
		return -ENOENT;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		return lb_err(err, "cannot open pinned map %s: %s", path, strerror(-err));
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return lb_err(err, "%s is not a BPF map (%s); remove it or choose another --pin-path",
			      path, strerror(-err));
	}
	if (info.type != bpf_map__type(def) || info.key_size != bpf_map__key_size(def) ||
	    info.value_size != bpf_map__value_size(def)) {
		close(fd);
		return lb_err(-EPROTO,
			      "pinned map %s does not match this sctplb (type %u, key %u bytes, value %u "
			      "bytes; expected type %u, key %u, value %u): it was made by another version.\n"
			      "Detach sctplb from every interface, remove %s, then re-apply the "
			      "configuration.", path, info.type, info.key_size, info.value_size,
			      bpf_map__type(def), bpf_map__key_size(def), bpf_map__value_size(def), dir);
	}
	if (!sized_by_max_assocs(i) && i != LB_PATH_STATS && i != LB_HANDSHAKES &&
	    info.max_entries != bpf_map__max_entries(def)) {
		close(fd);
		return lb_err(-EPROTO,
			      "pinned map %s has %u entries, this sctplb expects %u: it was made by "
			      "another version.\nDetach sctplb from every interface, remove %s, then "
			      "re-apply the configuration.", path, info.max_entries,
			      bpf_map__max_entries(def), dir);
	}
	/* Loading reuses the pin only if the sizes agree. */
	bpf_map__set_max_entries(def, info.max_entries);
	return fd;
}

static int check_abi(int settings_fd, const char *dir)
{
	struct sctplb_config c = {};
	__u32 k = 0;

	if (bpf_map_lookup_elem(settings_fd, &k, &c))
		return lb_err(-errno, "cannot read %s/settings: %s", dir, strerror(errno));
	if (c.abi_version != 0 && c.abi_version != SCTPLB_ABI_VERSION)
		return lb_err(-EPROTO,
			      "the maps pinned under %s have ABI version %u, this sctplb expects %u.\n"
			      "Detach sctplb from every interface, remove %s, then re-apply the "
			      "configuration.", dir, c.abi_version, SCTPLB_ABI_VERSION, dir);
	return 0;
}

int lb_maps_bind_obj(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < LB_MAP_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, lb_map_names[i]);

		if (!map)
			return lb_err(-ENOENT, "the BPF object has no map '%s': the build is broken",
				      lb_map_names[i]);
		fd = check_pinned(map, dir, i);
		if (fd == -ENOENT)
			return lb_err(fd, "map %s/%s is missing; run 'sctplb service add' or "
				      "'sctplb attach' to create it", dir, lb_map_names[i]);
		if (fd < 0)
			return fd;
		if (i == LB_SETTINGS && check_abi(fd, dir)) {
			close(fd);
			return -EPROTO;
		}
		close(fd);
		map_path(path, sizeof(path), dir, i);
		if (bpf_map__set_pin_path(map, path))
			return -ENOMEM;
	}
	return 0;
}

struct sctplb *lb_skel_open(void)
{
	struct sctplb *skel = sctplb__open();
	int err = errno;

	if (!skel) {
		lb_err(-err, "cannot open the BPF object: %s", strerror(err));
		errno = err;
	}
	return skel;
}

static int lock_dir(struct lb_maps *m)
{
	m->lock_fd = open(m->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->lock_fd < 0 || flock(m->lock_fd, LOCK_EX))
		return lb_err(-errno, "cannot lock %s: %s", m->dir, strerror(errno));
	return 0;
}

static int create_missing(struct lb_maps *m, const struct lb_sizes *sz, const bool *present)
{
	struct sctplb *skel;
	struct bpf_program *prog;
	char path[PATH_MAX];
	int i, err;

	skel = lb_skel_open();
	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < LB_MAP_N; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, lb_map_names[i]);
		int fd = check_pinned(map, m->dir, i); /* sets the pinned size */

		if (fd >= 0)
			close(fd);
		else if (fd != -ENOENT) {
			err = fd;
			goto out;
		}
		if (!present[i] && size_of(sz, i) && sized_by_max_assocs(i))
			bpf_map__set_max_entries(map, lb_assoc_map_entries(i, size_of(sz, i)));
		map_path(path, sizeof(path), m->dir, i);
		bpf_map__set_pin_path(map, path);
	}
	err = sctplb__load(skel);
	if (err)
		lb_err(err, "cannot create the maps under %s: %s", m->dir, strerror(-err));
out:
	sctplb__destroy(skel);
	return err;
}

int lb_settable_key_new(__u32 key[4])
{
	ssize_t n = getrandom(key, 4 * sizeof(key[0]), 0);

	if (n != 4 * (ssize_t)sizeof(key[0]))
		return lb_err(n < 0 ? -errno : -EIO, "cannot make the tables' hash key: getrandom: %s",
			      strerror(n < 0 ? errno : EIO));
	return 0;
}

/*
 * ABI 3 -> 4, in place: settings grew by the tables' hash key
 * (settable_key), and handshakes, assocs_pending and pending_ctags, LRU
 * hashes in ABI 3, are set-associative tables (include/sctplb_settable.h).
 * Those maps are replaced: the old pins are renamed aside, the new maps
 * created (the unconfirmed tables as large as the LRU was), what the old
 * ones held copied over (the configuration; the handshakes, seconds-long;
 * the unconfirmed associations, live associations under direct return, and
 * their Tc index), a fresh key made and the old pins removed.  Every other
 * map is kept as it is: nothing established is lost.  Programs still
 * attached keep the old maps until `attach` replaces them (what they make
 * meanwhile is not carried over).
 */
#define LB_ABI3_CONFIG_SIZE 32          /* sizeof(struct sctplb_config) in ABI 3 */
static const enum lb_map_id abi3_replaced[] = { LB_SETTINGS, LB_HANDSHAKES, LB_PENDING,
						LB_PENDING_CTAGS };
#define LB_ABI3_N (sizeof(abi3_replaced) / sizeof(abi3_replaced[0]))

/* The entries of an ABI 3 LRU hash: n keys then values, packed. */
struct abi3_entries {
	void *kv;               /* n x (key, value) */
	size_t n;
	__u32 ksz, vsz, max_entries;
};

/* The entries of the ABI 3 LRU hash at path (absent, or not ABI 3's: none). */
static int abi3_read(const char *path, __u32 ksz, __u32 vsz, struct abi3_entries *e)
{
	unsigned char k[64], next[64];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *prev = NULL;
	size_t cap = 0;
	int fd;

	memset(e, 0, sizeof(*e));
	e->ksz = ksz;
	e->vsz = vsz;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_LRU_HASH ||
	    info.key_size != ksz || info.value_size != vsz || ksz > sizeof(k)) {
		close(fd);
		return 0;       /* not ABI 3's: nothing to carry over */
	}
	e->max_entries = info.max_entries;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, ksz);
		prev = k;
		void *p = lb_grow(e->kv, &cap, e->n, ksz + vsz, 1024);

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		e->kv = p;
		if (bpf_map_lookup_elem(fd, k, (char *)e->kv + e->n * (ksz + vsz) + ksz) == 0)
			memcpy((char *)e->kv + e->n++ * (ksz + vsz), k, ksz);
	}
	close(fd);
	return 0;
}

/* Unconfirmed associations, least recently seen first: put in that order, a
 * full set keeps the live ones (the datapath's victim rule, bpf/lib/lb.h). */
static int abi3_cmp_seen(const void *x, const void *y)
{
	const struct sctplb_assoc *a = (const void *)((const char *)x + sizeof(struct sctplb_assoc_key));
	const struct sctplb_assoc *b = (const void *)((const char *)y + sizeof(struct sctplb_assoc_key));

	return a->seen != b->seen ? (a->seen < b->seen ? -1 : 1) :
	       a->packets != b->packets ? (a->packets < b->packets ? -1 : 1) : 0;
}

/* The entries e of an old LRU hash into the new table id, in order, each
 * stamped by stamp_of: at once (lb_settable_fill), since no program uses the
 * table yet. */
static int abi3_copy(const char *dir, enum lb_map_id id, const __u32 hkey[4],
		     const struct abi3_entries *e,
		     __u32 (*stamp_of)(const void *val))
{
	struct lb_settable_layout l;
	struct lb_settable t;
	char path[PATH_MAX];
	int fd, err;

	map_path(path, sizeof(path), dir, id);
	fd = bpf_obj_get(path);
	err = fd < 0 ? -errno : lb_settable_layout(id, &l);
	if (!err)
		err = lb_settable_init(&t, fd, l, hkey);
	if (!err)
		err = lb_settable_fill(&t, e->kv, e->n, 0, stamp_of);
	if (fd >= 0)
		close(fd);
	if (err)
		return lb_err(err, "cannot copy the entries of the old %s into %s: %s",
			      lb_map_names[id], path, strerror(-err));
	return 0;
}

static __u32 abi3_hs_stamp(const void *v)
{
	return sctplb_stamp(((const struct sctplb_handshake *)v)->created_ns);
}

/* Its last packet: user space's puts rank ways by stamp, the datapath an
 * unconfirmed association by its seen (bpf/lib/lb.h), so that both keep the
 * same ones. */
static __u32 abi3_assoc_stamp(const void *v)
{
	return ((const struct sctplb_assoc *)v)->seen;
}

/* A Tc index entry: when the upgrade ran (its association's time is not in it). */
static __u32 abi3_now_stamp(const void *v)
{
	struct timespec ts;

	(void)v;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return sctplb_stamp((__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec);
}

static int create_missing(struct lb_maps *m, const struct lb_sizes *sz, const bool *present);

/* The settings value pinned under dir, if it has size bytes: 0, else not 0
 * (none pinned, another size: another ABI, which the caller's checks name). */
static int pinned_settings(const char *dir, void *val, __u32 size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	char path[PATH_MAX];
	int fd, err;

	map_path(path, sizeof(path), dir, LB_SETTINGS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != size ||
	      bpf_map_lookup_elem(fd, &zero, val);
	close(fd);
	return err;
}

/* Creates the maps not pinned under m->dir (an upgrade has just moved some
 * aside); the others are kept. */
static int create_unpinned(struct lb_maps *m, const struct lb_sizes *sz)
{
	bool present[LB_MAP_N] = {};
	char path[PATH_MAX];
	int j;

	for (j = 0; j < LB_MAP_N; j++) {
		map_path(path, sizeof(path), m->dir, j);
		present[j] = access(path, F_OK) == 0;
	}
	return create_missing(m, sz, present);
}

/* An upgrade's old map: its pin moved from path to path + suffix (bpffs has
 * no rename, nor dots in names), so that a failure later leaves the
 * configuration readable.  0, or an error said. */
static int pin_aside(const char *dir, const char *path, const char *suffix)
{
	char aside[PATH_MAX + 8];
	int fd = bpf_obj_get(path), err;

	snprintf(aside, sizeof(aside), "%s%s", path, suffix);
	unlink(aside);
	err = fd < 0 || bpf_obj_pin(fd, aside) || unlink(path) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return err ? lb_err(err, "cannot upgrade %s: moving %s aside: %s", dir, path,
			    strerror(-err)) : 0;
}

/*
 * ABI 5 and before: client_index was an LRU hash; it is a set-associative
 * table (include/sctplb.h).  Every upgrade moves an LRU client_index aside
 * with its entries (clients_aside) before it creates the maps it lacks, and
 * puts them into the new table once the tables' key is known
 * (clients_copy), each stamped with the upgrade's time (the LRU kept none).
 * Its max_entries was --max-assocs.
 */
static int clients_aside(const char *dir, struct abi3_entries *e)
{
	char path[PATH_MAX];
	int err;

	map_path(path, sizeof(path), dir, LB_CLIENT_INDEX);
	err = abi3_read(path, sizeof(struct sctplb_client_key), sizeof(struct sctplb_client), e);
	if (err)
		return lb_err(err, "cannot read %s (an LRU hash before ABI 6): %s", path,
			      strerror(-err));
	return e->max_entries ? pin_aside(dir, path, "_lru") : 0; /* none, or a table already */
}

static int clients_copy(const char *dir, const __u32 hkey[4], struct abi3_entries *e)
{
	char aside[PATH_MAX + 8];
	int err = 0;

	if (e->max_entries) {
		err = abi3_copy(dir, LB_CLIENT_INDEX, hkey, e, abi3_now_stamp);
		snprintf(aside, sizeof(aside), "%s/%s_lru", dir, lb_map_names[LB_CLIENT_INDEX]);
		if (!err)
			unlink(aside);
	}
	free(e->kv);
	e->kv = NULL;
	return err;
}

/* An upgrade's last step: c, with the current ABI version, as the settings
 * pinned under dir. */
static int settings_upgraded(const char *dir, struct sctplb_config *c)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	c->abi_version = SCTPLB_ABI_VERSION;
	map_path(path, sizeof(path), dir, LB_SETTINGS);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, c, BPF_ANY))
		err = lb_err(-errno, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

/* Whether the settings pinned under dir (size bytes, into val) say ABI abi,
 * which this sctplb upgrades: 1 if so and flags may create maps, 0 if they
 * say another (the checks after the upgrades name it), or an error said: a
 * command that only reads does not upgrade. */
static int upgrade_from(const char *dir, unsigned int abi, void *val, __u32 size,
			unsigned int flags)
{
	__u32 v;

	if (pinned_settings(dir, val, size))
		return 0;
	memcpy(&v, val, sizeof(v));     /* abi_version leads settings in every ABI */
	if (v != abi)
		return 0;
	if (!(flags & LB_OPEN_CREATE))
		return lb_err(-EPROTO, "the maps pinned under %s have ABI version %u, this sctplb "
			      "expects %u; 'sctplb attach' upgrades them in place (nothing "
			      "established is lost)", dir, abi, SCTPLB_ABI_VERSION);
	return 1;
}

static int upgrade_abi3(struct lb_maps *m, const char *dir, unsigned int flags,
			const struct lb_sizes *sz)
{
	struct lb_sizes to = { size_of(sz, LB_ASSOCS), size_of(sz, LB_CLIENT_INDEX) };
	__u8 old[LB_ABI3_CONFIG_SIZE] = {};
	char path[PATH_MAX], aside[PATH_MAX + 8];
	struct sctplb_config c = {};
	struct abi3_entries hs = {}, pend = {}, pctag = {}, cli = {};
	size_t j;
	int err;

	err = upgrade_from(dir, 3, old, sizeof(old), flags);
	if (err <= 0)
		return err;
	map_path(path, sizeof(path), dir, LB_HANDSHAKES);
	err = abi3_read(path, sizeof(struct sctplb_client_key), sizeof(struct sctplb_handshake), &hs);
	if (!err) {
		map_path(path, sizeof(path), dir, LB_PENDING);
		err = abi3_read(path, sizeof(struct sctplb_assoc_key), sizeof(struct sctplb_assoc),
				&pend);
	}
	if (!err) {
		map_path(path, sizeof(path), dir, LB_PENDING_CTAGS);
		err = abi3_read(path, sizeof(struct sctplb_assoc_key),
				sizeof(struct sctplb_ctag_value), &pctag);
	}
	if (err) {
		err = lb_err(err, "cannot read %s (ABI 3): %s", path, strerror(-err));
		goto out;
	}
	if (pend.n)
		qsort(pend.kv, pend.n, pend.ksz + pend.vsz, abi3_cmp_seen);
	/* The unconfirmed tables as large as the LRU maps were (--max-assocs then). */
	if (!to.assocs && pend.max_entries)
		to.assocs = pend.max_entries;
	for (j = 0; j < LB_ABI3_N && !err; j++) {
		map_path(path, sizeof(path), dir, abi3_replaced[j]);
		if (access(path, F_OK) == 0)
			err = pin_aside(dir, path, "_abi3");
	}
	if (!err)
		err = clients_aside(dir, &cli);
	if (!err)
		err = create_unpinned(m, &to);
	if (err)
		goto out;
	/* ABI 3's fields, as they were; then the version and a fresh key. */
	memcpy(&c, old, sizeof(old));
	err = lb_settable_key_new(c.settable_key);
	if (!err)
		err = settings_upgraded(dir, &c);
	if (err)
		goto out;
	err = abi3_copy(dir, LB_HANDSHAKES, c.settable_key, &hs, abi3_hs_stamp);
	if (!err)
		err = abi3_copy(dir, LB_PENDING, c.settable_key, &pend, abi3_assoc_stamp);
	if (!err)
		err = abi3_copy(dir, LB_PENDING_CTAGS, c.settable_key, &pctag, abi3_now_stamp);
	if (!err)
		err = clients_copy(dir, c.settable_key, &cli);
	if (err)
		goto out;
	for (j = 0; j < LB_ABI3_N; j++) {
		snprintf(aside, sizeof(aside), "%s/%s_abi3", dir, lb_map_names[abi3_replaced[j]]);
		unlink(aside);
	}
out:
	free(hs.kv);
	free(pend.kv);
	free(pctag.kv);
	free(cli.kv);
	return err;
}

/*
 * ABI 4 -> 5, in place: every set of the set-associative tables has a
 * sequence count (include/sctplb_settable.h: seq, after the stamps), so
 * that the datapath finds without the lock.  Where it took an alignment
 * hole (handshakes) the layout is the same and the pin is kept; where it
 * did not (assocs_pending, pending_ctags) the set grew by 4 bytes, its
 * entries moved by 4: those maps are replaced as ABI 3's were (pinned
 * aside, created anew as large as they were, every set copied to the same
 * index: same key, same number of sets), then settings says ABI 5 (ABI 4
 * pins have no key filter: they are made with the tables).
 */
static const enum lb_map_id settables[] = { LB_HANDSHAKES, LB_PENDING, LB_PENDING_CTAGS };
#define LB_SETTABLES_N (sizeof(settables) / sizeof(settables[0]))

struct abi4_sets {
	void *sets;             /* nsets x old set_size, NULL: the pin is kept */
	__u32 nsets, old_size;
};

/* The sets of ABI 4's table id at path, if its layout differs from ABI 5's. */
static int abi4_read(const char *path, enum lb_map_id id, struct abi4_sets *o)
{
	struct lb_settable_layout l;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i;
	int fd, err = lb_settable_layout(id, &l);

	memset(o, 0, sizeof(*o));
	fd = err ? -1 : bpf_obj_get(path);
	if (fd < 0)
		return err ? err : (errno == ENOENT ? 0 : -errno);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size == l.set_size)
		goto out;               /* the same layout: kept */
	else if (info.value_size + 4 != l.set_size || l.entries_off != l.seq_off + 4)
		err = -EPROTO;          /* not ABI 4's */
	o->nsets = info.max_entries;
	o->old_size = info.value_size;
	o->sets = err ? NULL : calloc(o->nsets, o->old_size);
	if (!err && !o->sets)
		err = -ENOMEM;
	for (i = 0; !err && i < o->nsets; i++) {
		void *set = (char *)o->sets + (size_t)i * o->old_size;

		/* Under the lock where the map has one (the pins a loader made). */
		if (bpf_map_lookup_elem_flags(fd, &i, set, BPF_F_LOCK) &&
		    bpf_map_lookup_elem(fd, &i, set))
			err = -errno;
	}
out:
	close(fd);
	return err;
}

/* The sets o into the new table id at path: ABI 4's set with seq (0) inserted. */
static int abi4_copy(const char *path, enum lb_map_id id, const struct abi4_sets *o)
{
	struct lb_settable_layout l;
	__u32 i, w;
	char *set;
	int fd, err = lb_settable_layout(id, &l);

	fd = err ? -1 : bpf_obj_get(path);
	if (fd < 0)
		return err ? err : -errno;
	set = calloc(1, l.set_size);
	if (!set)
		err = -ENOMEM;
	for (i = 0; !err && i < o->nsets; i++) {
		const char *old = (const char *)o->sets + (size_t)i * o->old_size;
		bool used = false;

		for (w = 0; w < l.ways; w++)
			used |= ((const __u32 *)(old + l.stamps_off))[w] != 0;
		if (!used)
			continue;
		memset(set, 0, l.set_size);
		memcpy(set + l.fp_off, old + l.fp_off, l.seq_off - l.fp_off);
		memcpy(set + l.entries_off, old + l.seq_off, (size_t)l.ways * l.entry_size);
		if (bpf_map_update_elem(fd, &i, set, BPF_F_LOCK))
			err = -errno;
	}
	free(set);
	close(fd);
	return err;
}

static int upgrade_abi4(struct lb_maps *m, const char *dir, unsigned int flags,
			const struct lb_sizes *sz)
{
	struct lb_sizes to = { 0, size_of(sz, LB_CLIENT_INDEX) };
	struct abi4_sets o[LB_SETTABLES_N] = {};
	char path[PATH_MAX], aside[PATH_MAX + 8];
	struct abi3_entries cli = {};
	struct sctplb_config c = {};
	size_t j;
	int err;

	err = upgrade_from(dir, 4, &c, sizeof(c), flags);
	if (err <= 0)
		return err;
	err = 0;
	for (j = 0; j < LB_SETTABLES_N && !err; j++) {
		map_path(path, sizeof(path), dir, settables[j]);
		err = abi4_read(path, settables[j], &o[j]);
		if (err)
			err = lb_err(err, "cannot read %s (ABI 4): %s", path, strerror(-err));
		/* The unconfirmed tables as large as they were: both were sized by
		 * one --max-assocs, which their sets give back. */
		if (!err && settables[j] == LB_PENDING && o[j].sets)
			to.assocs = o[j].nsets * SCTPLB_PENDING_WAYS;
	}
	for (j = 0; j < LB_SETTABLES_N && !err; j++) {
		if (!o[j].sets)
			continue;
		map_path(path, sizeof(path), dir, settables[j]);
		err = pin_aside(dir, path, "_abi4");
	}
	if (!err)
		err = clients_aside(dir, &cli);
	if (!err)
		err = create_unpinned(m, &to);
	for (j = 0; j < LB_SETTABLES_N && !err; j++) {
		if (!o[j].sets)
			continue;
		map_path(path, sizeof(path), dir, settables[j]);
		err = abi4_copy(path, settables[j], &o[j]);
		if (err)
			err = lb_err(err, "cannot copy the sets of ABI 4 into %s: %s", path,
				     strerror(-err));
	}
	if (!err)
		err = clients_copy(dir, c.settable_key, &cli);
	free(cli.kv);
	if (!err)
		err = settings_upgraded(dir, &c);
	for (j = 0; j < LB_SETTABLES_N; j++) {
		if (!err && o[j].sets) {
			snprintf(aside, sizeof(aside), "%s/%s_abi4", dir, lb_map_names[settables[j]]);
			unlink(aside);
		}
		free(o[j].sets);
	}
	return err;
}

/*
 * ABI 5 -> 6, in place: client_index, an LRU hash, becomes a set-associative
 * table (include/sctplb.h: 52 bytes an association where the LRU took 110.5),
 * as large as --max-assocs made the LRU unless --max-clients (or
 * --max-assocs) says otherwise;
 * its entries are carried over (clients_aside, clients_copy).  Every other
 * map is kept.
 */
static int upgrade_abi5(struct lb_maps *m, const char *dir, unsigned int flags,
			const struct lb_sizes *sz)
{
	struct abi3_entries cli = {};
	struct sctplb_config c = {};
	int err;

	err = upgrade_from(dir, 5, &c, sizeof(c), flags);
	if (err <= 0)
		return err;
	err = clients_aside(dir, &cli);
	if (!err)
		err = create_unpinned(m, &(struct lb_sizes){ 0, size_of(sz, LB_CLIENT_INDEX) ?
								   : cli.max_entries });
	if (!err)
		err = clients_copy(dir, c.settable_key, &cli);
	free(cli.kv);
	return err ? err : settings_upgraded(dir, &c);
}

bool lb_map_sized_for(const struct lb_maps *m, enum lb_map_id id, __u32 n, __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->fd[id], &info, &len))
		return true; /* nothing known to differ */
	*max_entries = info.max_entries;
	return info.max_entries == lb_assoc_map_entries(id, n);
}

int lb_maps_open(struct lb_maps *m, const char *dir, unsigned int flags, const struct lb_sizes *sz)
{
	bool present[LB_MAP_N] = {}, any = false, all = true;
	char path[PATH_MAX];
	struct sctplb *skel;
	int i, err;

	memset(m, 0, sizeof(*m));
	m->lock_fd = -1;
	for (i = 0; i < LB_MAP_N; i++)
		m->fd[i] = -1;
	if (snprintf(m->dir, sizeof(m->dir), "%s", dir) >= (int)sizeof(m->dir))
		return lb_err(-ENAMETOOLONG, "pin path %s is too long; choose a shorter --pin-path", dir);
	err = lb_pin_dir_check(dir, flags & LB_OPEN_CREATE);
	if (err)
		return err;
	if (flags & LB_OPEN_LOCK) {
		err = lock_dir(m);
		if (err)
			goto fail;
	}

	err = upgrade_abi3(m, dir, flags, sz);
	if (!err)
		err = upgrade_abi4(m, dir, flags, sz);
	if (!err)
		err = upgrade_abi5(m, dir, flags, sz);
	if (err)
		goto fail;

	/* Check what is there before creating or using anything. */
	skel = lb_skel_open();
	if (!skel) {
		err = -errno;
		goto fail;
	}
	for (i = 0; i < LB_MAP_N; i++) {
		struct bpf_map *def = bpf_object__find_map_by_name(skel->obj, lb_map_names[i]);
		int fd = check_pinned(def, dir, i);

		if (fd == -ENOENT) {
			all = false;
			continue;
		}
		if (fd < 0) {
			err = fd;
			break;
		}
		present[i] = any = true;
		m->fd[i] = fd;
	}
	sctplb__destroy(skel);
	if (err)
		goto fail;
	if (present[LB_SETTINGS]) {
		err = check_abi(m->fd[LB_SETTINGS], dir);
		if (err)
			goto fail;
	}
	if (!all && any && (flags & LB_OPEN_COMPLETE))
		flags |= LB_OPEN_CREATE;
	if (!all && !(flags & LB_OPEN_CREATE)) {
		if (any)
			err = lb_err(-ENOENT, "some maps are missing under %s; run 'sctplb attach' or "
				     "'sctplb service add' to create them", dir);
		else
			err = lb_err(-ENOENT, "nothing configured under %s (no pinned maps); create "
				     "them with 'sctplb service add' or 'sctplb attach'", dir);
		goto fail;
	}
	if (!all) {
		err = create_missing(m, sz, present);
		if (err)
			goto fail;
		for (i = 0; i < LB_MAP_N; i++) {
			if (m->fd[i] >= 0)
				continue;
			map_path(path, sizeof(path), dir, i);
			m->fd[i] = bpf_obj_get(path);
			if (m->fd[i] < 0) {
				err = lb_err(-errno, "cannot open %s: %s", path, strerror(errno));
				goto fail;
			}
		}
	}
	{
		struct sctplb_config c;

		err = lb_settings_read(m, &c);
		if (err)
			goto fail;
		if (c.abi_version == 0) {
			c.abi_version = SCTPLB_ABI_VERSION;
			/* Made once with the maps: the set-associative tables'
			 * entries are found by it (include/sctplb_settable.h). */
			if ((flags & LB_OPEN_CREATE) && (err = lb_settable_key_new(c.settable_key)))
				goto fail;
			if ((flags & LB_OPEN_CREATE) && (err = lb_settings_write(m, &c)))
				goto fail;
		}
	}
	return 0;
fail:
	lb_maps_close(m);
	return err;
}

void lb_maps_close(struct lb_maps *m)
{
	int i;

	for (i = 0; i < LB_MAP_N; i++) {
		if (m->fd[i] >= 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = -1;
}

int lb_settings_read(const struct lb_maps *m, struct sctplb_config *c)
{
	__u32 k = 0;

	if (bpf_map_lookup_elem(m->fd[LB_SETTINGS], &k, c))
		return lb_err(-errno, "cannot read %s/settings: %s", m->dir, strerror(errno));
	return 0;
}

int lb_settings_write(const struct lb_maps *m, const struct sctplb_config *c)
{
	__u32 k = 0;

	if (bpf_map_update_elem(m->fd[LB_SETTINGS], &k, c, BPF_ANY))
		return lb_err(-errno, "cannot write %s/settings: %s", m->dir, strerror(errno));
	return 0;
}

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's, for "no batch ops" */
#endif
#define LB_SCAN_BATCH     4096
#define LB_SCAN_BUF_BYTES (8u << 20) /* fewer entries per call where values are large */

/* get_next_key walk, where batch lookups are not supported. */
static int scan_slow(int fd, void *key, void *next, void *val, __u64 flags, lb_scan_fn fn,
		     void *ctx)
{
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		/* key <- next, without knowing the size here: swap the buffers */
		void *t = key;

		key = next;
		next = t;
		prev = key;
		if (bpf_map_lookup_elem_flags(fd, key, val, flags))
			continue;       /* deleted meanwhile */
		err = fn(key, val, ctx);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

__u32 lb_map_value_size(const struct bpf_map_info *mi)
{
	int ncpus;

	if (mi->type != BPF_MAP_TYPE_PERCPU_ARRAY && mi->type != BPF_MAP_TYPE_PERCPU_HASH &&
	    mi->type != BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return mi->value_size;
	ncpus = libbpf_num_possible_cpus();
	return ncpus > 0 ? (__u32)ncpus * ((mi->value_size + 7) & ~7u) : 0;
}

/*
 * LB_SCAN_BATCH entries per system call (BPF_MAP_LOOKUP_BATCH): one call per
 * entry (get_next_key, then lookup) made `assoc list` of a million
 * associations take 4-10 s.  A hash map's batch ends at a bucket's end; a
 * bucket larger than the whole buffer (ENOSPC with nothing read) doubles it.
 */
int lb_map_scan_flags(int fd, __u32 ksz, __u32 vsz, __u64 elem_flags, lb_scan_fn fn, void *ctx)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = elem_flags);
	__u32 batch = LB_SCAN_BATCH, count, i;
	__u64 tok_in = 0, tok_out = 0;
	unsigned char *keys, *vals;
	bool first = true;
	int err = 0, e;

	if ((__u64)(ksz + vsz) * batch > LB_SCAN_BUF_BYTES)
		batch = LB_SCAN_BUF_BYTES / (ksz + vsz) ?: 1;
	keys = malloc((size_t)ksz * batch);
	vals = malloc((size_t)vsz * batch);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = batch;
		e = bpf_map_lookup_batch(fd, first ? NULL : &tok_in, &tok_out, keys, vals, &count, &opts);
		e = e < 0 ? errno : 0;
		if (e == ENOSPC && count == 0) {
			/* one bucket holds more than batch entries */
			unsigned char *nk = realloc(keys, (size_t)ksz * batch * 2);
			unsigned char *nv = nk ? realloc(vals, (size_t)vsz * batch * 2) : NULL;

			if (nk)
				keys = nk;
			if (!nv) {
				err = -ENOMEM;
				goto out;
			}
			vals = nv;
			batch *= 2;
			continue;
		}
		if (e && e != ENOENT) {
			if (first && (e == EINVAL || e == ENOTSUPP || e == EOPNOTSUPP)) {
				/* no batch ops for this map or kernel */
				err = scan_slow(fd, keys, keys + ksz, vals, elem_flags, fn, ctx);
				goto out;
			}
			err = lb_err(-e, "reading a map failed: %s", strerror(e));
			goto out;
		}
		for (i = 0; i < count; i++) {
			err = fn(keys + (size_t)ksz * i, vals + (size_t)vsz * i, ctx);
			if (err)
				goto out;
		}
		if (e == ENOENT)
			break;
		tok_in = tok_out;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int lb_map_scan(int fd, __u32 ksz, __u32 vsz, lb_scan_fn fn, void *ctx)
{
	return lb_map_scan_flags(fd, ksz, vsz, 0, fn, ctx);
}

/* lb_assocs_walk's callback and argument, for the two tables' walks. */
struct assoc_walk {
	lb_assoc_fn fn;
	void *arg;
};

static int walk_pending_one(const void *key, const void *val, uint32_t stamp, void *arg)
{
	const struct assoc_walk *w = arg;

	(void)stamp;
	return w->fn(key, val, false, w->arg);
}

static int walk_confirmed_one(const void *key, const void *val, void *arg)
{
	const struct assoc_walk *w = arg;

	return w->fn(key, val, true, w->arg);
}

int lb_assocs_walk(const struct lb_maps *m, lb_assoc_fn fn, void *arg)
{
	struct assoc_walk w = { fn, arg };
	struct lb_settable t;
	int err;

	err = lb_map_scan(m->fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key),
			  sizeof(struct sctplb_assoc), walk_confirmed_one, &w);
	/* The unconfirmed ones: sets of a table (a batch of whole sets per call). */
	if (!err)
		err = lb_settable_open(&t, m, LB_PENDING);
	if (!err)
		err = lb_settable_walk(&t, walk_pending_one, &w);
	return err;
}

bool lb_pending_by_handshake(const struct lb_settable *hs, const struct sctplb_assoc_key *k,
			     const struct sctplb_assoc *a, struct sctplb_client_key *hk,
			     struct sctplb_handshake *h)
{
	struct sctplb_client_key ck = { .service_id = k->service_id, .cport = k->cport };
	struct sctplb_handshake v;
	int i;

	if (!a->ctag)
		return false;
	for (i = 0; i < SCTPLB_MAX_PATHS; i++) {
		if (!a->path[i].family)
			continue;
		ck.family = a->path[i].family;
		memcpy(ck.caddr, a->path[i].caddr, sizeof(ck.caddr));
		if (!lb_settable_lookup(hs, &ck, &v, NULL) && v.stag == k->vtag) {
			if (hk)
				*hk = ck;
			if (h)
				*h = v;
			return true;
		}
	}
	return false;
}

struct listed_src {
	const struct sctplb_client_key *k;
	__u32 ctag, stag;
};

static int listed_src_one(const void *key, const void *val, uint32_t stamp, void *arg)
{
	const struct sctplb_client_key *sk = key;
	const struct sctplb_handshake *sh = val;
	struct listed_src *w = arg;

	(void)stamp;
	if (!sctplb_hs_listed_src(sk, sh, w->k, w->ctag))
		return 0;
	w->stag = sh->stag;
	return 1;
}

bool lb_listed_src_stag(const struct lb_settable *hs, const struct sctplb_client_key *k,
			const struct sctplb_handshake *h, __u32 ctag, __u32 *stag)
{
	struct listed_src w = { .k = k, .ctag = ctag };

	if (!(h->flags & SCTPLB_HS_F_LISTED) ||
	    lb_settable_walk_set(hs, h->src_set, listed_src_one, &w) != 1)
		return false;
	*stag = w.stag;
	return true;
}

int lb_pending_ctag_lookup(const struct lb_maps *m, const struct sctplb_assoc_key *ck,
			   __u8 family, const __u32 addr[4], __u32 *stag)
{
	struct sctplb_client_key hk = { .service_id = ck->service_id, .cport = ck->cport,
					.family = family };
	struct sctplb_assoc_key k = *ck;
	struct lb_settable pt, ht, at;
	struct sctplb_ctag_value cv;
	struct sctplb_handshake h;
	struct sctplb_assoc a;

	if (!lb_settable_open(&pt, m, LB_PENDING_CTAGS) && !lb_settable_lookup(&pt, ck, &cv, NULL)) {
		*stag = cv.stag;
		return 0;
	}
	if (!family)
		return -ENOENT;
	memcpy(hk.caddr, addr, sizeof(hk.caddr));
	if (lb_settable_open(&ht, m, LB_HANDSHAKES) || lb_settable_lookup(&ht, &hk, &h, NULL))
		return -ENOENT;
	k.vtag = h.stag;
	if (!k.vtag && !lb_listed_src_stag(&ht, &hk, &h, ck->vtag, &k.vtag))
		return -ENOENT;
	if (lb_settable_open(&at, m, LB_PENDING) || lb_settable_lookup(&at, &k, &a, NULL) ||
	    a.ctag != ck->vtag)
		return -ENOENT;
	*stag = k.vtag;
	return 0;
}
