// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_walk: lb_assocs_walk (user/lib/pinned.c), the walk that assoc list,
 * metrics and monitor share: every association of assocs then
 * assocs_pending, each once, with its own value, across the batches it reads
 * them in (assocs_pending is a set-associative table: whole sets per batch);
 * a callback's non-zero return stops it.  The skeleton's maps, created
 * unpinned with no program loaded (needs root and BPF); values compared as
 * raw bytes, so that the test holds whatever struct sctplb_assoc holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned.h"
#include "settable.h"
#include "report.h"
#include "sctplb.skel.h"

/* Spans three of the walk's batches (8192) in assocs; assocs_pending's
 * 65536 sets are 64 batches of 1024. */
#define N_CONF 20000
#define N_PEND 9000
#define CAP    65536
#define CAP_P  262144

static struct sctplb_assoc_key key_of(__u32 i)
{
	return (struct sctplb_assoc_key){ .service_id = 1 + i % 7, .vtag = 0x10000000u + i,
					  .cport = (__u16)(1024 + i % 5000), .sport = 5000 };
}

/* Entry i's value: every byte from i, so that a value handed with another
 * key's is seen. */
static void value_of(__u32 i, struct sctplb_assoc *v)
{
	unsigned char *b = (unsigned char *)v;
	size_t j;

	for (j = 0; j < sizeof(*v); j++)
		b[j] = (unsigned char)(i * 131 + j * 7 + (i >> 8));
}

struct seen {
	unsigned char *count;   /* per entry i: times seen */
	unsigned long calls, wrong_value, wrong_map, unknown, order_bad;
	bool in_pending;        /* a pending entry was seen: no confirmed one may follow */
	unsigned long stop_after;
};

static int see(const struct sctplb_assoc_key *k, const struct sctplb_assoc *a, bool confirmed,
	       void *arg)
{
	struct seen *s = arg;
	struct sctplb_assoc want;
	__u32 i = k->vtag - 0x10000000u;
	struct sctplb_assoc_key wk;

	s->calls++;
	if (i >= N_CONF + N_PEND) {
		s->unknown++;
	} else {
		wk = key_of(i);
		if (memcmp(&wk, k, sizeof(wk))) {
			s->unknown++;
		} else {
			s->count[i]++;
			value_of(i, &want);
			if (memcmp(&want, a, sizeof(want)))
				s->wrong_value++;
			if (confirmed != (i < N_CONF))
				s->wrong_map++;
		}
	}
	if (!confirmed)
		s->in_pending = true;
	else if (s->in_pending)
		s->order_bad++;
	return s->stop_after && s->calls == s->stop_after ? 42 : 0;
}

/* Into assocs (t NULL) or the table t. */
static int fill(int fd, const struct lb_settable *t, __u32 from, __u32 to)
{
	struct sctplb_assoc v;
	__u32 i;
	int err;

	for (i = from; i < to; i++) {
		struct sctplb_assoc_key k = key_of(i);

		value_of(i, &v);
		if (t) {
			err = lb_settable_put(t, &k, &v, 1);
			if (err)
				return err;
		} else if (bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)) {
			return -errno;
		}
	}
	return 0;
}

int main(void)
{
	/* A fixed key: which set each entry lands in is the same every run
	 * (none of these 9000 overflows its set of 4). */
	struct sctplb_config cfg = { .settable_key = { 0x5c7b1b01, 0x2, 0x3, 0x4 } };
	struct bpf_program *p;
	struct sctplb *skel;
	struct lb_settable t;
	struct lb_maps m;
	struct seen s = {};
	unsigned long missing = 0, twice = 0;
	int conf, pend, err, i;
	__u32 zero = 0;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < LB_MAP_N; i++)
		m.fd[i] = -1;
	skel = sctplb__open();
	if (!skel) {
		tr_report(0, "walk_setup", "cannot open the skeleton");
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	bpf_map__set_max_entries(skel->maps.assocs, CAP);
	bpf_map__set_max_entries(skel->maps.assocs_pending, lb_assoc_map_entries(LB_PENDING, CAP_P));
	s.count = calloc(N_CONF + N_PEND, 1);
	if (sctplb__load(skel) || !s.count) {
		tr_report(0, "walk_setup", "maps: %s", strerror(errno));
		return 1;
	}
	conf = bpf_map__fd(skel->maps.assocs);
	pend = bpf_map__fd(skel->maps.assocs_pending);
	m.fd[LB_ASSOCS] = conf;
	m.fd[LB_PENDING] = pend;
	m.fd[LB_SETTINGS] = bpf_map__fd(skel->maps.settings);
	if (bpf_map_update_elem(m.fd[LB_SETTINGS], &zero, &cfg, BPF_ANY) ||
	    lb_settable_open(&t, &m, LB_PENDING)) {
		tr_report(0, "walk_setup", "settings: %s", strerror(errno));
		return 1;
	}

	err = lb_assocs_walk(&m, see, &s);
	tr_report(!err && s.calls == 0, "walk_empty", "returned %d, %lu calls", err, s.calls);

	err = fill(conf, NULL, 0, N_CONF);
	if (!err)
		err = fill(pend, &t, N_CONF, N_CONF + N_PEND);
	if (err) {
		tr_report(0, "walk_setup", "insert: %s", strerror(-err));
		return 1;
	}
	/* The table must still hold every pending entry (none evicted by a
	 * full set), or the walk could not be checked against what was put in. */
	for (i = N_CONF; i < N_CONF + N_PEND; i++) {
		struct sctplb_assoc_key k = key_of(i);
		struct sctplb_assoc v;

		if (lb_settable_lookup(&t, &k, &v, NULL))
			missing++;
	}
	if (missing) {
		tr_report(0, "walk_setup", "%lu pending entries evicted at insertion", missing);
		return 1;
	}

	free(s.count);
	memset(&s, 0, sizeof(s));
	s.count = calloc(N_CONF + N_PEND, 1);
	err = lb_assocs_walk(&m, see, &s);
	for (i = 0; i < N_CONF + N_PEND; i++) {
		missing += s.count[i] == 0;
		twice += s.count[i] > 1;
	}
	tr_report(!err && s.calls == N_CONF + N_PEND && !missing && !twice && !s.unknown &&
		  !s.wrong_value, "walk_all_once",
		  "returned %d, %lu calls for %d + %d entries, %lu missing, %lu twice, %lu unknown, "
		  "%lu with another value", err, s.calls, N_CONF, N_PEND, missing, twice, s.unknown,
		  s.wrong_value);
	tr_report(!err && !s.wrong_map && !s.order_bad, "walk_confirmed_then_pending",
		  "%lu entries with the wrong confirmed flag, %lu confirmed after a pending one",
		  s.wrong_map, s.order_bad);
	free(s.count);

	/* Stopped in the second batch of assocs, then in assocs_pending. */
	memset(&s, 0, sizeof(s));
	s.count = calloc(N_CONF + N_PEND, 1);
	s.stop_after = 10000;
	err = lb_assocs_walk(&m, see, &s);
	tr_report(err == 42 && s.calls == 10000, "walk_stops", "returned %d after %lu calls (stop at 10000)",
		  err, s.calls);
	memset(s.count, 0, N_CONF + N_PEND);
	s.calls = 0;
	s.stop_after = N_CONF + 5;
	err = lb_assocs_walk(&m, see, &s);
	tr_report(err == 42 && s.calls == N_CONF + 5, "walk_stops_in_pending",
		  "returned %d after %lu calls (stop at %d)", err, s.calls, N_CONF + 5);
	free(s.count);
	sctplb__destroy(skel);
	return tr_failures ? 1 : 0;
}
