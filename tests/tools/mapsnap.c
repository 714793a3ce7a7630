/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mapsnap: the entries of pinned maps as sorted text, for the before/after
 * comparisons of the end-to-end scripts (tests/e2e/lib/maps.sh).
 *
 *   mapsnap DIR MAP...
 *
 * Per map a line "== MAP", then one line "KEY_HEX VALUE_HEX" per entry, sorted
 * (a hash map dumps a bucket's entries newest first, so a key deleted and put
 * back by a rollback may come back in another order with nothing changed).  A
 * per-CPU value is every CPU's in turn.  An array's all-zero entries are
 * counted, not printed ("N zero entries"): the same information in far less
 * text.  An entry of a map of maps is the inner map's id and a digest of all
 * of that inner map's entries, so a write into a live inner map shows too.
 * A map that cannot be read gives one "error: ..." line, and the others go on.
 * The walk is lb_map_scan (user/lib/pinned.c), the one gc, assoc list and paths use.
 * Exit status 0; 2 on a bad command line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pinned.h"

struct entries {
	char **line;
	size_t n, cap;
};

static int add(struct entries *e, char *s)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 256;
		char **l = realloc(e->line, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		e->line = l;
		e->cap = cap;
	}
	e->line[e->n++] = s;
	return 0;
}

static char *hex(const unsigned char *a, size_t na, const unsigned char *b, size_t nb,
		 const char *tail)
{
	char *s = malloc(2 * (na + nb) + strlen(tail) + 2), *p = s;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < na; i++, p += 2)
		sprintf(p, "%02x", a[i]);
	*p++ = ' ';
	for (i = 0; i < nb; i++, p += 2)
		sprintf(p, "%02x", b[i]);
	strcpy(p, tail);
	return s;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_zero(const unsigned char *v, size_t n)
{
	while (n--)
		if (*v++)
			return 0;
	return 1;
}

static bool of_maps(__u32 type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int collect(int fd, struct entries *e, unsigned long *zeros, uint64_t *digest);

/* " inner ID digest HEX" of the inner map id, or " inner ID error ..." */
static char *inner(__u32 id)
{
	struct entries e = { 0 };
	unsigned long zeros = 0;
	uint64_t digest = 1469598103934665603ull;
	char *s = malloc(96);
	int fd = bpf_map_get_fd_by_id(id), err;

	if (!s)
		return NULL;
	if (fd < 0) {
		snprintf(s, 96, " inner %u error %s", id, strerror(errno));
		return s;
	}
	err = collect(fd, &e, &zeros, &digest);
	close(fd);
	if (err)
		snprintf(s, 96, " inner %u error %s", id, strerror(-err));
	else
		snprintf(s, 96, " inner %u entries %zu zeros %lu digest %016llx", id, e.n, zeros,
			 (unsigned long long)digest);
	return s;
}

/* A walk of one map: where its entries go. */
struct walk {
	struct bpf_map_info info;
	size_t vsize;
	struct entries *e;
	unsigned long *zeros;
	uint64_t *digest;
};

/* One entry: a line in e, or, with digest, folded into *digest (FNV-1a). */
static int entry(const void *k, const void *v, void *ctx)
{
	const unsigned char *key = k, *val = v;
	struct walk *w = ctx;
	char *line, *tail = NULL;
	size_t i;

	if (w->digest) {
		for (i = 0; i < w->info.key_size; i++)
			*w->digest = (*w->digest ^ key[i]) * 1099511628211ull;
		for (i = 0; i < w->vsize; i++)
			*w->digest = (*w->digest ^ val[i]) * 1099511628211ull;
	}
	if ((w->info.type == BPF_MAP_TYPE_ARRAY || w->info.type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
	    is_zero(val, w->vsize)) {
		(*w->zeros)++;
		return 0;
	}
	if (w->digest) {
		w->e->n++;
		return 0;
	}
	if (of_maps(w->info.type) && !(tail = inner(*(const __u32 *)val)))
		return -ENOMEM;
	line = hex(key, w->info.key_size, val, w->vsize, tail ? tail : "");
	free(tail);
	if (!line || add(w->e, line)) {
		free(line);
		return -ENOMEM;
	}
	return 0;
}

/* Every entry of the map, through entry() (lb_map_scan: batches where it can). */
static int collect(int fd, struct entries *e, unsigned long *zeros, uint64_t *digest)
{
	struct walk w = { .e = e, .zeros = zeros, .digest = digest };
	__u32 len = sizeof(w.info);

	if (bpf_obj_get_info_by_fd(fd, &w.info, &len))
		return -errno;
	w.vsize = lb_map_value_size(&w.info);
	if (!w.vsize)
		return -EINVAL;
	return lb_map_scan(fd, w.info.key_size, w.vsize, entry, &w);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: mapsnap DIR MAP...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		struct entries e = { 0 };
		unsigned long zeros = 0;
		char path[4096];
		size_t j;
		int fd, err;

		printf("== %s\n", argv[i]);
		snprintf(path, sizeof(path), "%s/%s", argv[1], argv[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			printf("error: %s: %s\n", path, strerror(errno));
			continue;
		}
		err = collect(fd, &e, &zeros, NULL);
		close(fd);
		qsort(e.line, e.n, sizeof(*e.line), cmp);
		for (j = 0; j < e.n; j++) {
			printf("%s\n", e.line[j]);
			free(e.line[j]);
		}
		free(e.line);
		if (zeros)
			printf("%lu zero entries\n", zeros);
		if (err)
			printf("error: %s: %s\n", path, strerror(-err));
	}
	return 0;
}
