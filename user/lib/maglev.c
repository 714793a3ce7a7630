// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * maglev.c: build a service's Maglev table and swap it into the datapath.
 *
 * The table is the lookup table of Eisenbud et al., "Maglev: A Fast and
 * Reliable Software Network Load Balancer", NSDI 2016, section 3.4: every
 * backend has a permutation of the M slots, and the backends take turns
 * claiming the next slot of their permutation that is still free until the
 * table is full.  Weights follow Katran (MaglevHashV2): each turn a backend
 * earns its weight in credit and claims a slot only when it holds the
 * largest weight's worth, so its share of turns is proportional to its
 * weight.
 *
 * Every instance must build the same table from the same configuration: the
 * permutations derive from the backend names alone through fixed-key hashes,
 * and the backends take their turns in the order of their names, whatever
 * the order and the ids they were given in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <bpf/bpf.h>

#include "maglev.h"
#include "rtag.h"

#define M SCTPLB_MAGLEV_SIZE

/*
 * The permutations come from SipHash-2-4 of the backend's name (lb_siphash24,
 * shared with the routable tags' key schedule) under two fixed keys, the
 * strings "sctplb-maglev-of" and "sctplb-maglev-sk".  They are not secret:
 * the hash only has to spread names well and be the same on every instance.
 * Changing them (or the hash) changes every table: instances running
 * different versions would then disagree on where associations go.
 */
static const uint8_t OFFSET_KEY[16] = { 's', 'c', 't', 'p', 'l', 'b', '-', 'm',
					'a', 'g', 'l', 'e', 'v', '-', 'o', 'f' };
static const uint8_t SKIP_KEY[16] = { 's', 'c', 't', 'p', 'l', 'b', '-', 'm',
				      'a', 'g', 'l', 'e', 'v', '-', 's', 'k' };

/* One usable backend while the table is being filled. */
struct turn {
	__u32 pos;      /* next slot of its permutation to try */
	__u32 skip;
	__u32 id;
	__u32 weight;
	__u64 credit;   /* weight earned and not yet spent on a slot */
};

static int by_name(const void *a, const void *b)
{
	const struct maglev_backend *x = *(const struct maglev_backend *const *)a;
	const struct maglev_backend *y = *(const struct maglev_backend *const *)b;

	return strcmp(x->name, y->name);
}

/* Sorts pointers to bes by name into sorted[n]; -EINVAL on bad input. */
static int check_and_sort(const struct maglev_backend *bes, size_t n,
			  const struct maglev_backend **sorted)
{
	unsigned char id_seen[SCTPLB_MAX_BACKENDS / 8] = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		__u32 id = bes[i].id;

		if (!bes[i].name || id == SCTPLB_BACKEND_NONE || id >= SCTPLB_MAX_BACKENDS)
			return -EINVAL;
		if (id_seen[id / 8] & (1u << (id % 8)))
			return -EINVAL;
		id_seen[id / 8] |= 1u << (id % 8);
		sorted[i] = &bes[i];
	}
	qsort(sorted, n, sizeof(*sorted), by_name);
	for (i = 1; i < n; i++)
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
			return -EINVAL;
	return 0;
}

int maglev_build(const struct maglev_backend *bes, size_t n, __u32 *table)
{
	const struct maglev_backend **sorted;
	struct turn *turns;
	__u32 max_weight = 0, filled = 0;
	size_t i, usable = 0;
	int err;

	if (!table || (!bes && n) || n >= SCTPLB_MAX_BACKENDS)
		return -EINVAL;
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	turns = calloc(n ? n : 1, sizeof(*turns));
	if (!sorted || !turns) {
		err = -ENOMEM;
		goto out;
	}
	err = check_and_sort(bes, n, sorted);
	if (err)
		goto out;

	/*
	 * Section 3.4: offset = h1(name) mod M, skip = h2(name) mod (M - 1) + 1;
	 * slot j of the permutation is (offset + j * skip) mod M, which visits
	 * every slot because M is prime.
	 */
	for (i = 0; i < n; i++) {
		const struct maglev_backend *be = sorted[i];
		struct turn *t = &turns[usable];

		if (be->drained || !be->weight)
			continue;
		t->pos = lb_siphash24(OFFSET_KEY, be->name, strlen(be->name)) % M;
		t->skip = lb_siphash24(SKIP_KEY, be->name, strlen(be->name)) % (M - 1) + 1;
		t->id = be->id;
		t->weight = be->weight;
		if (t->weight > max_weight)
			max_weight = t->weight;
		usable++;
	}

	memset(table, 0, M * sizeof(*table));
	/*
	 * Pseudocode 1 of section 3.4 with Katran's weighted turns; 0 marks a
	 * free slot since no backend has id 0.  The backends of the largest
	 * weight claim a slot every round, so the loop ends.
	 */
	while (usable && filled < M) {
		for (i = 0; i < usable && filled < M; i++) {
			struct turn *t = &turns[i];

			t->credit += t->weight;
			if (t->credit < max_weight)
				continue;
			t->credit -= max_weight;
			while (table[t->pos]) {
				t->pos += t->skip;
				if (t->pos >= M)
					t->pos -= M;
			}
			table[t->pos] = t->id;
			filled++;
		}
	}
out:
	free(sorted);
	free(turns);
	return err;
}

/*
 * Install and read-back: the inner map's layout is include/sctplb.h's, two
 * interleaved tables and a generation.  A switch writes the table that is
 * not live and then stores the next generation; nothing is allocated, and
 * the outer map (every update of which waits for an RCU grace period) is
 * not touched.
 */

typedef struct sctplb_maglev_slot slot_t;

static size_t inner_bytes(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)SCTPLB_MAGLEV_ENTRIES * sizeof(slot_t) + page - 1) / page * page;
}

/* The inner map of outer slot sid: an fd, -ENOENT when the slot is empty,
 * -EINVAL when the map is not of this version's layout. */
static int inner_fd_of(int outer_fd, __u32 sid)
{
	struct bpf_map_info info = {};
	__u32 id, len = sizeof(info);
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &sid, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(slot_t) || info.max_entries != SCTPLB_MAGLEV_ENTRIES ||
	    !(info.map_flags & BPF_F_MMAPABLE)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* Maps the inner map fd; NULL with errno set on failure.  An array map's
 * elements are 8 bytes apart: the slots are slot_t, as the datapath's. */
static slot_t *inner_map(int fd, int prot)
{
	void *p = mmap(NULL, inner_bytes(), prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Writes table into generation gen's half.  One 32-bit store per slot, not
 * memcpy: a lookup that read the previous generation before the last switch
 * and is still running may read this half, and must then see a whole id,
 * old or new, never a torn one.
 */
static void fill(slot_t *inner, __u32 gen, const __u32 *table)
{
	__u32 i, h = gen & 1;

	for (i = 0; i < M; i++)
		__atomic_store_n(&inner[i].id[h], table[i], __ATOMIC_RELAXED);
}

/* A service's first table: a new inner map, generation 0, one outer update. */
static int install_new(int outer_fd, __u32 service_id, const __u32 *table)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	slot_t *inner;
	int fd, err = 0;

	/* Same type, sizes and flags as the outer map's inner template
	 * (bpf/lib/maps.h), or the kernel refuses it. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sctplb_maglev", sizeof(__u32), sizeof(slot_t),
			    SCTPLB_MAGLEV_ENTRIES, &opts);
	if (fd < 0)
		return -errno;
	inner = inner_map(fd, PROT_READ | PROT_WRITE);
	if (!inner) {
		err = -errno;
		goto out;
	}
	fill(inner, 0, table);
	munmap(inner, inner_bytes());
	/* The one update that makes the table visible, whole. */
	if (bpf_map_update_elem(outer_fd, &service_id, &fd, BPF_ANY))
		err = -errno;
out:
	close(fd);
	return err;
}

int maglev_install(int outer_fd, __u32 service_id, const __u32 *table)
{
	slot_t *inner;
	__u32 gen;
	int fd;

	if (outer_fd < 0 || !table)
		return -EINVAL;
	fd = inner_fd_of(outer_fd, service_id);
	if (fd == -ENOENT)
		return install_new(outer_fd, service_id, table);
	if (fd < 0)
		return fd;
	inner = inner_map(fd, PROT_READ | PROT_WRITE);
	close(fd);      /* the mapping holds the map */
	if (!inner)
		return -errno;
	/* Writers are serialised (the pin directory's lock): gen is ours. */
	gen = __atomic_load_n(&inner[SCTPLB_MAGLEV_GEN].id[0], __ATOMIC_ACQUIRE) + 1;
	fill(inner, gen, table);
	/* Release: a lookup that reads gen reads the half stored above. */
	__atomic_store_n(&inner[SCTPLB_MAGLEV_GEN].id[0], gen, __ATOMIC_RELEASE);
	munmap(inner, inner_bytes());
	return 0;
}

int maglev_read(int outer_fd, __u32 service_id, __u32 *table, __u32 *gen)
{
	slot_t *inner;
	__u32 g, h, i;
	int fd;

	if (outer_fd < 0 || !table)
		return -EINVAL;
	fd = inner_fd_of(outer_fd, service_id);
	if (fd < 0)
		return fd;
	inner = inner_map(fd, PROT_READ);
	close(fd);
	if (!inner)
		return -errno;
	g = __atomic_load_n(&inner[SCTPLB_MAGLEV_GEN].id[0], __ATOMIC_ACQUIRE);
	for (i = 0, h = g & 1; i < M; i++)
		table[i] = inner[i].id[h];
	munmap(inner, inner_bytes());
	if (gen)
		*gen = g;
	return 0;
}

int maglev_wait(int outer_fd, __u32 service_id)
{
	int fd, err = 0;

	fd = inner_fd_of(outer_fd, service_id);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	/* The map it holds: nothing changes, and the kernel waits for every
	 * running program before the update returns. */
	if (bpf_map_update_elem(outer_fd, &service_id, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}
