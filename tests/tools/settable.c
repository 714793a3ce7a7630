/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * settable: a keyed set-associative table (include/sctplb_settable.h) of a
 * pin directory, the handshakes unless TABLE names another (client_index),
 * for the end-to-end scripts, through user/lib/settable.c: the one body of
 * the index and the victim rule (tests/bpf/test_settable checks it against
 * the datapath).
 *
 *   settable count PIN_DIR [TABLE]                      entries (ways with a stamp)
 *   settable put PIN_DIR KEY_HEX VAL_HEX STAMP [TABLE]  KEY -> VAL, stamped STAMP
 *   settable filter PIN_DIR                             "SET TOTAL ASET ATOTAL":
 *       client_index's entries whose client_filter bit is set
 *       (include/sctplb.h), of all; assocs' whose assoc_filter bit is set
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "err.h"
#include "gc.h"
#include "pinned.h"
#include "settable.h"

static int unhex(const char *s, void *out, size_t n)
{
	unsigned char *o = out;
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++)
		if (sscanf(s + 2 * i, "%2hhx", &o[i]) != 1)
			return -1;
	return 0;
}

struct filter_count {
	const struct lb_maps *m;
	enum lb_filter which;
	unsigned long *set, *total;
};

static int count_one(const void *key, const void *val, void *arg)
{
	const struct filter_count *c = arg;
	int r = lb_filter_test(c->m, c->which, key);

	(void)val;
	if (r < 0)
		return r;
	*c->set += r;
	(*c->total)++;
	return 0;
}

/* The entries of table whose bit is set in the filter: *set of *total. */
static int filter_count(const struct lb_maps *m, enum lb_filter which, enum lb_map_id table,
			size_t ksize, size_t vsize, unsigned long *set, unsigned long *total)
{
	struct filter_count c = { m, which, set, total };

	return lb_table_scan(m, table, ksize, vsize, count_one, &c);
}

int main(int argc, char **argv)
{
	unsigned char k[64], v[sizeof(struct sctplb_assoc)];
	enum lb_map_id id = LB_HANDSHAKES;
	const char *table = NULL;
	struct lb_settable t;
	struct lb_maps m;
	int err, i;

	if (argc < 3 ||
	    (strcmp(argv[1], "count") && strcmp(argv[1], "put") && strcmp(argv[1], "filter")) ||
	    (!strcmp(argv[1], "put") && argc != 6 && argc != 7) ||
	    (!strcmp(argv[1], "count") && argc != 3 && argc != 4)) {
		fprintf(stderr, "usage: settable count PIN_DIR [TABLE] | "
			"put PIN_DIR KEY_HEX VAL_HEX STAMP [TABLE] | filter PIN_DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "count") && argc == 4)
		table = argv[3];
	if (!strcmp(argv[1], "put") && argc == 7)
		table = argv[6];
	for (i = 0; table && i < LB_MAP_N; i++)
		if (!strcmp(lb_map_names[i], table))
			id = (enum lb_map_id)i;
	if (table && strcmp(lb_map_names[id], table)) {
		fprintf(stderr, "settable: no map %s\n", table);
		return 2;
	}
	err = lb_maps_open(&m, argv[2], 0, NULL);
	if (!err && !strcmp(argv[1], "filter")) {
		unsigned long set[LB_FILTER_N] = {}, total[LB_FILTER_N] = {};
		int r = filter_count(&m, LB_FILTER_CLIENT, LB_CLIENT_INDEX,
				     sizeof(struct sctplb_client_key), sizeof(struct sctplb_client),
				     &set[0], &total[0]);

		if (!r)
			r = filter_count(&m, LB_FILTER_ASSOC, LB_ASSOCS,
					 sizeof(struct sctplb_assoc_key), sizeof(struct sctplb_assoc),
					 &set[1], &total[1]);
		lb_maps_close(&m);
		if (r < 0) {
			fprintf(stderr, "settable: filter: %s\n", strerror(-r));
			return 1;
		}
		printf("%lu %lu %lu %lu\n", set[0], total[0], set[1], total[1]);
		return 0;
	}
	if (!err)
		err = lb_settable_open(&t, &m, id);
	if (err) {
		fprintf(stderr, "settable: %s\n", lb_err_msg());
		return 1;
	}
	if (!strcmp(argv[1], "count")) {
		long n = lb_settable_count(&t);

		if (n < 0) {
			fprintf(stderr, "settable: count: %s\n", strerror((int)-n));
			return 1;
		}
		printf("%ld\n", n);
	} else {
		if (t.l.key_size > sizeof(k) || t.l.val_size > sizeof(v) ||
		    unhex(argv[3], k, t.l.key_size) || unhex(argv[4], v, t.l.val_size)) {
			fprintf(stderr, "settable: a key is %u bytes and a value %u, in hex\n",
				t.l.key_size, t.l.val_size);
			return 2;
		}
		err = lb_settable_put(&t, k, v, (uint32_t)strtoul(argv[5], NULL, 0));
		if (err) {
			fprintf(stderr, "settable: put: %s\n", strerror(-err));
			return 1;
		}
	}
	lb_maps_close(&m);
	return 0;
}
