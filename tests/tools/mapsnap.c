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

static bool percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
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

/* One entry: a line in e, or, with digest, folded into *digest (FNV-1a). */
static int entry(const struct bpf_map_info *info, const unsigned char *key,
		 const unsigned char *val, size_t vsize, struct entries *e, unsigned long *zeros,
		 uint64_t *digest)
{
	char *line, *tail = NULL;
	size_t i;

	if (digest) {
		for (i = 0; i < info->key_size; i++)
			*digest = (*digest ^ key[i]) * 1099511628211ull;
		for (i = 0; i < vsize; i++)
			*digest = (*digest ^ val[i]) * 1099511628211ull;
	}
	if ((info->type == BPF_MAP_TYPE_ARRAY || info->type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
	    is_zero(val, vsize)) {
		(*zeros)++;
		return 0;
	}
	if (digest) {
		e->n++;
		return 0;
	}
	if (of_maps(info->type) && !(tail = inner(*(const __u32 *)val)))
		return -ENOMEM;
	line = hex(key, info->key_size, val, vsize, tail ? tail : "");
	free(tail);
	if (!line || add(e, line)) {
		free(line);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Every entry of the map, through entry(): in batches of the whole map where
 * the kernel can, else key by key.
 */
static int collect(int fd, struct entries *e, unsigned long *zeros, uint64_t *digest)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), count, i;
	unsigned char *key = NULL, *next = NULL, *val = NULL, batch[64];
	size_t vsize;
	int ncpus = libbpf_num_possible_cpus(), err;
	bool first = true;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (ncpus < 1)
		return -EINVAL;
	vsize = percpu(info.type) ? (size_t)ncpus * ((info.value_size + 7) & ~7u) : info.value_size;
	count = info.max_entries;
	key = calloc(count, info.key_size);
	val = calloc(count, vsize);
	if (!key || !val) {
		err = -ENOMEM;
		goto out;
	}
	err = bpf_map_lookup_batch(fd, NULL, batch, key, val, &count, NULL) ? -errno : 0;
	if (!err || err == -ENOENT) { /* ENOENT: the last batch */
		for (i = 0, err = 0; i < count && !err; i++)
			err = entry(&info, key + (size_t)i * info.key_size, val + (size_t)i * vsize,
				    vsize, e, zeros, digest);
		goto out;
	}
	next = calloc(1, info.key_size);
	if (!next) {
		err = -ENOMEM;
		goto out;
	}
	for (err = 0; !err;) {
		if (bpf_map_get_next_key(fd, first ? NULL : key, next)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		first = false;
		memcpy(key, next, info.key_size);
		if (bpf_map_lookup_elem(fd, key, val))
			err = errno == ENOENT ? 0 : -errno; /* ENOENT: deleted meanwhile, or an empty slot */
		else
			err = entry(&info, key, val, vsize, e, zeros, digest);
	}
out:
	free(key);
	free(next);
	free(val);
	return err;
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
