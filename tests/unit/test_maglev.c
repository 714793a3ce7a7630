// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_maglev: the Maglev table (user/lib/maglev.c): spread, weights,
 * exclusion, disruption, determinism, input checks, build time, and the
 * installation into an array of maps (needs root and BPF).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "maglev.h"
#include "report.h"

#define M SCTPLB_MAGLEV_SIZE
#define MAX_N 1000
#define NAME_LEN 24

static __u32 ta[M], tb[M];


/* A set of backends with names "<prefix>-<i>", ids first_id + i, weight 1. */
struct set {
	struct maglev_backend be[MAX_N + 1];
	char names[MAX_N + 1][NAME_LEN];
	size_t n;
};

static void set_init(struct set *s, size_t n, const char *prefix, __u32 first_id)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		snprintf(s->names[i], NAME_LEN, "%s-%zu", prefix, i);
		s->be[i].name = s->names[i];
		s->be[i].id = first_id + i;
		s->be[i].weight = 1;
	}
	s->n = n;
}

/* Copies s without its backend number skip (skip >= n: a plain copy). */
static void set_without(struct set *dst, const struct set *s, size_t skip)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < s->n; i++) {
		if (i == skip)
			continue;
		memcpy(dst->names[dst->n], s->names[i], NAME_LEN);
		dst->be[dst->n] = s->be[i];
		dst->be[dst->n].name = dst->names[dst->n];
		dst->n++;
	}
}

/* Slot -> name through an id -> name index of the set. */
static void slot_names(const struct set *s, const __u32 *t, const char **out)
{
	static const char *by_id[SCTPLB_MAX_BACKENDS];
	size_t i;

	memset(by_id, 0, sizeof(by_id));
	for (i = 0; i < s->n; i++)
		by_id[s->be[i].id] = s->be[i].name;
	for (i = 0; i < M; i++)
		out[i] = by_id[t[i]];
}

/* Slots whose backend (by name) differs between two tables. */
static size_t moved(const struct set *sa, const __u32 *a, const struct set *sb, const __u32 *b)
{
	static const char *na[M], *nb[M];
	size_t i, diff = 0;

	slot_names(sa, a, na);
	slot_names(sb, b, nb);
	for (i = 0; i < M; i++)
		if (!na[i] || !nb[i] || strcmp(na[i], nb[i]))
			diff++;
	return diff;
}

static void count_slots(const __u32 *t, size_t *counts)
{
	size_t i;

	memset(counts, 0, SCTPLB_MAX_BACKENDS * sizeof(*counts));
	for (i = 0; i < M; i++)
		counts[t[i] < SCTPLB_MAX_BACKENDS ? t[i] : 0]++;
}

/* The CPU time of this thread, not the wall clock: the build's cost does not
 * include the time a loaded machine gives to other processes. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct set s1, s2;
static size_t counts[SCTPLB_MAX_BACKENDS];

static void test_spread(size_t n)
{
	double expect = (double)M / n;
	size_t i, max = 0, min = M;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "spread_equal_%zu", n);
	set_init(&s1, n, "be", 1);
	err = maglev_build(s1.be, n, ta);
	count_slots(ta, counts);
	for (i = 0; i < n; i++) {
		if (counts[s1.be[i].id] > max)
			max = counts[s1.be[i].id];
		if (counts[s1.be[i].id] < min)
			min = counts[s1.be[i].id];
	}
	tr_report(!err && counts[0] == 0 && max <= expect * 1.01 && min >= expect * 0.99, name,
	       "err %d, empty slots %zu, max %zu (%+.3f%%) min %zu (%+.3f%%) of M/N %.1f",
	       err, counts[0], max, (max / expect - 1) * 100, min, (min / expect - 1) * 100,
	       expect);
}

static void test_weights(size_t n)
{
	double worst = 0, sum = n * (n + 1) / 2.0;
	size_t i, worst_i = 0;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "weights_1_to_%zu", n);
	set_init(&s1, n, "w", 1);
	for (i = 0; i < n; i++)
		s1.be[i].weight = i + 1;
	err = maglev_build(s1.be, n, ta);
	count_slots(ta, counts);
	for (i = 0; i < n; i++) {
		double expect = M * (i + 1) / sum;
		double dev = counts[s1.be[i].id] / expect - 1;

		if (dev < 0)
			dev = -dev;
		if (dev > worst) {
			worst = dev;
			worst_i = i;
		}
	}
	tr_report(!err && counts[0] == 0 && worst <= 0.01, name,
	       "err %d, worst: weight %zu has %zu slots, expected %.1f (%.3f%% off)",
	       err, worst_i + 1, counts[s1.be[worst_i].id], M * (worst_i + 1) / sum,
	       worst * 100);
}

static void test_excluded(void)
{
	double half = M / 2.0;
	size_t i;
	int err;

	/* a and d usable, b drained (with a large weight), c of weight 0. */
	set_init(&s1, 4, "x", 1);
	s1.be[1].drained = true;
	s1.be[1].weight = 100;
	s1.be[2].weight = 0;
	err = maglev_build(s1.be, 4, ta);
	count_slots(ta, counts);
	tr_report(!err && counts[0] == 0 && counts[2] == 0 && counts[3] == 0 &&
	       counts[1] >= half * 0.99 && counts[4] >= half * 0.99, "drained_and_weight0_excluded",
	       "err %d, slots: x-0 %zu, x-1 (drained) %zu, x-2 (weight 0) %zu, x-3 %zu, empty %zu",
	       err, counts[1], counts[2], counts[3], counts[4], counts[0]);

	for (i = 0; i < 4; i++)
		s1.be[i].drained = true;
	memset(ta, 0xff, sizeof(ta));
	err = maglev_build(s1.be, 4, ta);
	count_slots(ta, counts);
	tr_report(!err && counts[0] == M, "all_drained_table_zero",
	       "err %d, %zu of %d slots are 0", err, counts[0], M);

	memset(ta, 0xff, sizeof(ta));
	err = maglev_build(NULL, 0, ta);
	count_slots(ta, counts);
	tr_report(!err && counts[0] == M, "no_backend_table_zero",
	       "err %d, %zu of %d slots are 0", err, counts[0], M);
}

/* Removing each one of n backends in turn: slots that change backend. */
static void test_remove(size_t n)
{
	size_t k, diff, worst = 0, total = 0;
	double bound = 1.0 / n + 0.01;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "disruption_remove_1_of_%zu", n);
	set_init(&s1, n, "be", 1);
	err = maglev_build(s1.be, n, ta);
	for (k = 0; k < n && !err; k++) {
		set_without(&s2, &s1, k);
		err = maglev_build(s2.be, s2.n, tb);
		diff = moved(&s1, ta, &s2, tb);
		total += diff;
		if (diff > worst)
			worst = diff;
	}
	tr_report(!err && worst <= bound * M, name,
	       "err %d, worst %zu slots moved (%.3f%%), mean %.3f%%, minimum 1/N %.3f%%, bound %.3f%%",
	       err, worst, 100.0 * worst / M, 100.0 * total / n / M, 100.0 / n, bound * 100);
}

/* Adding one backend to n, for ten different new names. */
static void test_add(size_t n)
{
	size_t k, diff, worst = 0, total = 0, tries = 10;
	double bound = 1.0 / n + 0.01;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "disruption_add_1_to_%zu", n);
	set_init(&s1, n, "be", 1);
	err = maglev_build(s1.be, n, ta);
	for (k = 0; k < tries && !err; k++) {
		set_without(&s2, &s1, n);
		snprintf(s2.names[n], NAME_LEN, "new-%zu", k);
		s2.be[n] = (struct maglev_backend){ .name = s2.names[n], .id = n + 1, .weight = 1 };
		s2.n = n + 1;
		err = maglev_build(s2.be, s2.n, tb);
		diff = moved(&s1, ta, &s2, tb);
		total += diff;
		if (diff > worst)
			worst = diff;
	}
	tr_report(!err && worst <= bound * M, name,
	       "err %d, worst %zu slots moved (%.3f%%), mean %.3f%%, minimum 1/(N+1) %.3f%%, bound %.3f%%",
	       err, worst, 100.0 * worst / M, 100.0 * total / tries / M, 100.0 / (n + 1),
	       bound * 100);
}

static void test_deterministic(void)
{
	static const char *na[M], *nb[M];
	size_t i, n = 10, diff = 0;
	int err, err2;

	set_init(&s1, n, "node", 1);
	for (i = 0; i < n; i++)
		s1.be[i].weight = 1 + i % 3;
	s1.be[4].drained = true;
	err = maglev_build(s1.be, n, ta);
	err2 = maglev_build(s1.be, n, tb);
	tr_report(!err && !err2 && !memcmp(ta, tb, sizeof(ta)), "deterministic_same_input",
	       "err %d %d, tables %s", err, err2, memcmp(ta, tb, sizeof(ta)) ? "differ" : "identical");

	/* The same backends in reverse order, with other ids. */
	memset(&s2, 0, sizeof(s2));
	for (i = 0; i < n; i++) {
		memcpy(s2.names[i], s1.names[n - 1 - i], NAME_LEN);
		s2.be[i] = s1.be[n - 1 - i];
		s2.be[i].name = s2.names[i];
		s2.be[i].id = 2000 + 7 * i;
	}
	s2.n = n;
	err2 = maglev_build(s2.be, n, tb);
	slot_names(&s1, ta, na);
	slot_names(&s2, tb, nb);
	for (i = 0; i < M; i++)
		if (!na[i] || !nb[i] || strcmp(na[i], nb[i]))
			diff++;
	tr_report(!err && !err2 && diff == 0, "deterministic_order_and_ids",
	       "err %d %d, %zu slots map to another name", err, err2, diff);
}

/*
 * The table of a fixed configuration, pinned: every instance, of every
 * version, must build this same table or they send associations to
 * different backends.  A change here breaks mixed-version deployments.
 * The figures were checked against an independent model (Python: SipHash-2-4
 * checked on its reference vector, and Pseudocode 1 of the Maglev paper with
 * Katran's weights).
 */
static void test_pinned(void)
{
	static const struct maglev_backend bes[] = {
		{ .name = "alpha", .id = 1, .weight = 1 },
		{ .name = "bravo", .id = 2, .weight = 2 },
		{ .name = "charlie", .id = 3, .weight = 1 },
	};
	static const __u32 head[8] = { 1, 1, 2, 3, 3, 1, 2, 1 };
	__u64 h = 0xcbf29ce484222325ULL;   /* FNV-1a over the ids */
	size_t i;
	int err;

	err = maglev_build(bes, 3, ta);
	for (i = 0; i < M; i++)
		h = (h ^ ta[i]) * 0x100000001b3ULL;
	tr_report(!err && !memcmp(ta, head, sizeof(head)) && h == 0x9e67949ac071370dULL, "pinned_table",
	       "err %d, slots 0-7 %u %u %u %u %u %u %u %u, FNV-1a %#llx", err, ta[0], ta[1],
	       ta[2], ta[3], ta[4], ta[5], ta[6], ta[7], (unsigned long long)h);
}

static void test_bad_input(void)
{
	static const struct {
		const char *what;
		struct maglev_backend be[2];
		size_t n;
	} cases[] = {
		{ "duplicate name", { { "a", 1, 1, false }, { "a", 2, 1, false } }, 2 },
		{ "duplicate name, one drained", { { "a", 1, 1, false }, { "a", 2, 0, true } }, 2 },
		{ "duplicate id", { { "a", 1, 1, false }, { "b", 1, 1, false } }, 2 },
		{ "id 0", { { "a", 0, 1, false }, { "b", 2, 1, false } }, 2 },
		{ "id SCTPLB_MAX_BACKENDS", { { "a", SCTPLB_MAX_BACKENDS, 1, false } }, 1 },
		{ "NULL name", { { NULL, 1, 1, false } }, 1 },
	};
	static const struct maglev_backend one = { "a", 1, 1, false };
	size_t i;
	int err, ok = 1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(ta, 0xab, sizeof(ta));
		memcpy(tb, ta, sizeof(ta));
		err = maglev_build(cases[i].be, cases[i].n, ta);
		if (err != -EINVAL || memcmp(ta, tb, sizeof(ta))) {
			printf("  %s: returned %d, table %s\n", cases[i].what, err,
			       memcmp(ta, tb, sizeof(ta)) ? "written" : "untouched");
			ok = 0;
		}
	}
	if (maglev_build(NULL, 1, ta) != -EINVAL || maglev_build(&one, 1, NULL) != -EINVAL ||
	    maglev_build(&one, SCTPLB_MAX_BACKENDS, ta) != -EINVAL) {
		printf("  NULL backends, NULL table or n too large accepted\n");
		ok = 0;
	}
	tr_report(ok, "bad_input_rejected", "%zu backend lists and NULL/size checks",
	       sizeof(cases) / sizeof(cases[0]));
}

static void test_build_time(void)
{
	static const size_t sizes[] = { 10, 100, 1000 };
	double best[3], t;
	size_t i, r;
	int err = 0;

	for (i = 0; i < 3; i++) {
		set_init(&s1, sizes[i], "backend", 1);
		best[i] = 1e9;
		for (r = 0; r < 3; r++) {
			t = cpu_s();
			err |= maglev_build(s1.be, sizes[i], ta);
			t = cpu_s() - t;
			if (t < best[i])
				best[i] = t;
		}
	}
	tr_report(!err && best[2] < 1.0, "build_time",
	       "CPU time, best of 3: 10 backends %.2f ms, 100 %.2f ms, 1000 %.2f ms (limit 1000 ms)",
	       best[0] * 1e3, best[1] * 1e3, best[2] * 1e3);
}

/*
 * Reads the inner map in outer slot key by plain lookups, not through
 * maglev_read: its id, generation, and the live table (the half of every
 * slot the generation's low bit names, include/sctplb.h) into t.
 */
static int read_slot(int outer_fd, __u32 key, __u32 *inner_id, __u32 *gen, __u32 *t)
{
	struct sctplb_maglev_slot v;
	__u32 i, k = SCTPLB_MAGLEV_GEN;
	int fd, err;

	err = bpf_map_lookup_elem(outer_fd, &key, inner_id);
	if (err)
		return err;
	fd = bpf_map_get_fd_by_id(*inner_id);
	if (fd < 0)
		return fd;
	err = bpf_map_lookup_elem(fd, &k, &v);
	*gen = v.id[0];
	for (i = 0; i < M && !err; i++) {
		err = bpf_map_lookup_elem(fd, &i, &v);
		t[i] = v.id[*gen & 1];
	}
	close(fd);
	return err;
}

static __u32 readback[M], readback2[M], tc[M];

/* An array of maps of 4 slots whose inner maps look like the template. */
static int outer_create(__u32 flags, __u32 value_size, __u32 entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, to, .map_flags = flags);
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int tmpl_fd, outer_fd;

	tmpl_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_maglev_tmpl", 4, value_size, entries, &to);
	if (tmpl_fd < 0)
		return -1;
	opts.inner_map_fd = tmpl_fd;
	outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "t_maglev", 4, 4, 4, &opts);
	close(tmpl_fd);
	return outer_fd;
}

static int fds_open(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void test_install(void)
{
	__u32 id1 = 0, id2 = 0, id3 = 0, g1 = 9, g2 = 9, g3 = 9, gr = 9;
	int outer_fd, err, err2, fd_before, bad;

	/* The datapath's shape (bpf/lib/maps.h). */
	outer_fd = outer_create(BPF_F_MMAPABLE, sizeof(struct sctplb_maglev_slot),
				 SCTPLB_MAGLEV_ENTRIES);
	if (outer_fd < 0) {
		tr_report(0, "install", "map creation: %s", strerror(errno));
		return;
	}

	/* First table: a new inner map, generation 0. */
	set_init(&s1, 7, "be", 1);
	maglev_build(s1.be, 7, ta);
	fd_before = fds_open();
	err = maglev_install(outer_fd, 1, ta);
	if (!err)
		err = read_slot(outer_fd, 1, &id1, &g1, readback);
	tr_report(!err && g1 == 0 && !memcmp(readback, ta, sizeof(ta)) && fds_open() == fd_before,
		  "install", "err %d, inner map id %u, generation %u, %s, inner fd %s", err, id1, g1,
		  memcmp(readback, ta, sizeof(ta)) ? "content differs" : "all slots equal",
		  fds_open() == fd_before ? "closed" : "leaked");

	/* A switch: the same inner map, the other half, the next generation. */
	set_init(&s1, 5, "other", 100);
	maglev_build(s1.be, 5, tb);
	err = maglev_install(outer_fd, 1, tb);
	if (!err)
		err = read_slot(outer_fd, 1, &id2, &g2, readback);
	tr_report(!err && id2 == id1 && g2 == 1 && !memcmp(readback, tb, sizeof(tb)) &&
		  fds_open() == fd_before, "install_switch",
		  "err %d, inner map id %u -> %u, generation %u, %s, fds %s", err, id1, id2, g2,
		  memcmp(readback, tb, sizeof(tb)) ? "content differs" : "all slots equal",
		  fds_open() == fd_before ? "closed" : "leaked");

	/* Another: back to half 0, written over the first table. */
	set_init(&s1, 1000, "many", 1);
	maglev_build(s1.be, 1000, tc);
	err = maglev_install(outer_fd, 1, tc);
	if (!err)
		err = read_slot(outer_fd, 1, &id3, &g3, readback);
	err2 = maglev_read(outer_fd, 1, readback2, &gr);
	tr_report(!err && !err2 && id3 == id1 && g3 == 2 && gr == 2 &&
		  !memcmp(readback, tc, sizeof(tc)) && !memcmp(readback2, tc, sizeof(tc)),
		  "install_switch_again_and_read",
		  "err %d/%d, inner map id %u, generation %u (maglev_read: %u), lookups %s, maglev_read %s",
		  err, err2, id3, g3, gr, memcmp(readback, tc, sizeof(tc)) ? "differ" : "equal",
		  memcmp(readback2, tc, sizeof(tc)) ? "differs" : "equal");

	err = maglev_read(outer_fd, 2, readback2, NULL);
	tr_report(err == -ENOENT, "read_no_table", "maglev_read of an empty slot returned %d", err);

	/* maglev_wait: the slot keeps its map, table and generation. */
	err = maglev_wait(outer_fd, 1);
	err2 = maglev_wait(outer_fd, 2);
	if (!err)
		err = read_slot(outer_fd, 1, &id2, &g2, readback);
	tr_report(!err && !err2 && id2 == id3 && g2 == g3 && !memcmp(readback, tc, sizeof(tc)) &&
		  fds_open() == fd_before, "wait_keeps_table",
		  "err %d (empty slot: %d), map %u -> %u, generation %u -> %u, %s, fds %s", err, err2,
		  id3, id2, g3, g2, memcmp(readback, tc, sizeof(tc)) ? "content differs" : "content unchanged",
		  fds_open() == fd_before ? "closed" : "leaked");

	/* Slot 4 does not exist: refused, and slot 1 keeps its table. */
	bad = maglev_install(outer_fd, 4, ta);
	err = read_slot(outer_fd, 1, &id2, &g2, readback);
	tr_report(bad < 0 && !err && id2 == id3 && g2 == g3 && !memcmp(readback, tc, sizeof(tc)),
		  "install_failure_leaves_slot",
		  "install at slot 4 returned %d, slot 1 holds map %u generation %u (was %u, %u), %s",
		  bad, id2, g2, id3, g3, memcmp(readback, tc, sizeof(tc)) ? "content differs" : "content unchanged");
	close(outer_fd);

	/*
	 * The outer update refused: maps of another layout (the previous ABI's
	 * plain array of SCTPLB_MAGLEV_SIZE).  A new table for an empty slot
	 * fails at the outer update and leaves the slot empty; one for a slot
	 * holding an old table fails and leaves that table as it was.
	 */
	outer_fd = outer_create(0, 4, M);
	if (outer_fd < 0) {
		tr_report(0, "install_outer_refused", "map creation: %s", strerror(errno));
		return;
	}
	{
		int old = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_old", 4, 4, M, NULL);
		__u32 k = 1, i, id, v;

		for (i = 0; i < M && old >= 0; i++)
			bpf_map_update_elem(old, &i, &ta[i], BPF_ANY);
		err = old < 0 || bpf_map_update_elem(outer_fd, &k, &old, BPF_ANY) ? -1 : 0;
		if (old >= 0)
			close(old);
		fd_before = fds_open();
		bad = maglev_install(outer_fd, 2, tb);
		err2 = maglev_install(outer_fd, 1, tb);
		k = 2;
		tr_report(!err && bad < 0 && bpf_map_lookup_elem(outer_fd, &k, &id) && errno == ENOENT &&
			  fds_open() == fd_before, "install_outer_refused",
			  "install into an old-layout map returned %d, slot 2 %s, fds %s", bad,
			  bpf_map_lookup_elem(outer_fd, &k, &id) ? "empty" : "filled",
			  fds_open() == fd_before ? "closed" : "leaked");
		k = 1;
		old = bpf_map_lookup_elem(outer_fd, &k, &id) ? -1 : bpf_map_get_fd_by_id(id);
		for (i = 0, err = old < 0; i < M && !err; i++)
			err = bpf_map_lookup_elem(old, &i, &v) || v != ta[i];
		if (old >= 0)
			close(old);
		tr_report(err2 == -EINVAL && !err, "install_old_layout_kept",
			  "install over an old-layout table returned %d, old table %s", err2,
			  err ? "changed" : "unchanged");
	}
	close(outer_fd);
}

int main(void)
{
	static const size_t ns[] = { 3, 10, 100 };
	size_t i;

	for (i = 0; i < 3; i++)
		test_spread(ns[i]);
	test_weights(3);
	test_weights(10);
	test_excluded();
	for (i = 0; i < 3; i++) {
		test_remove(ns[i]);
		test_add(ns[i]);
	}
	test_deterministic();
	test_pinned();
	test_bad_input();
	test_build_time();
	test_install();
	return tr_failures ? 1 : 0;
}
