/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * settable: the handshakes table (a keyed set-associative table,
 * include/sctplb_settable.h) of a pin directory, for the end-to-end scripts,
 * through user/lib/settable.c: the one body of the index and the victim rule
 * (tests/bpf/test_settable checks it against the datapath).
 *
 *   settable count PIN_DIR                          entries (ways with a stamp)
 *   settable put PIN_DIR KEY_HEX VAL_HEX STAMP      KEY -> VAL, stamped STAMP
 *   settable filter PIN_DIR                         "SET TOTAL ASET ATOTAL":
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

/* The entries of table whose bit is set in the filter: *set of *total. */
static int filter_count(const struct lb_maps *m, enum lb_filter which, enum lb_map_id table,
			size_t ksize, unsigned long *set, unsigned long *total)
{
	unsigned char k[64], next[64];
	void *prev = NULL;
	int r;

	while (!bpf_map_get_next_key(m->fd[table], prev, next)) {
		memcpy(k, next, ksize);
		prev = k;
		r = lb_filter_test(m, which, k);
		if (r < 0)
			return r;
		*set += r;
		(*total)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sctplb_client_key k;
	struct sctplb_handshake v;
	struct lb_settable t;
	struct lb_maps m;
	int err;

	if (argc < 3 ||
	    (strcmp(argv[1], "count") && strcmp(argv[1], "put") && strcmp(argv[1], "filter")) ||
	    (!strcmp(argv[1], "put") && argc != 6)) {
		fprintf(stderr, "usage: settable count PIN_DIR | put PIN_DIR KEY_HEX VAL_HEX STAMP | "
			"filter PIN_DIR\n");
		return 2;
	}
	err = lb_maps_open(&m, argv[2], 0, 0);
	if (!err && !strcmp(argv[1], "filter")) {
		unsigned long set[LB_FILTER_N] = {}, total[LB_FILTER_N] = {};
		int r = filter_count(&m, LB_FILTER_CLIENT, LB_CLIENT_INDEX,
				     sizeof(struct sctplb_client_key), &set[0], &total[0]);

		if (!r)
			r = filter_count(&m, LB_FILTER_ASSOC, LB_ASSOCS,
					 sizeof(struct sctplb_assoc_key), &set[1], &total[1]);
		lb_maps_close(&m);
		if (r < 0) {
			fprintf(stderr, "settable: filter: %s\n", strerror(-r));
			return 1;
		}
		printf("%lu %lu %lu %lu\n", set[0], total[0], set[1], total[1]);
		return 0;
	}
	if (!err)
		err = lb_settable_open(&t, &m, LB_HANDSHAKES);
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
		if (unhex(argv[3], &k, sizeof(k)) || unhex(argv[4], &v, sizeof(v))) {
			fprintf(stderr, "settable: a key is %zu bytes and a value %zu, in hex\n",
				sizeof(k), sizeof(v));
			return 2;
		}
		err = lb_settable_put(&t, &k, &v, (uint32_t)strtoul(argv[5], NULL, 0));
		if (err) {
			fprintf(stderr, "settable: put: %s\n", strerror(-err));
			return 1;
		}
	}
	lb_maps_close(&m);
	return 0;
}
