// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * health.c: path health and failovers (health.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "line.h"
#include "grow.h"

const char *const lb_path_health_names[LB_PATH_HEALTH_N] = {
	[LB_PATH_UNUSED] = "unused",
	[LB_PATH_ACTIVE] = "active",
	[LB_PATH_STANDBY] = "standby",
	[LB_PATH_SILENT] = "silent",
};

__u64 lb_path_silent_ns(const struct sctplb_config *cfg)
{
	return (__u64)(cfg && cfg->path_silent_s ? cfg->path_silent_s : SCTPLB_PATH_SILENT_S) *
	       1000000000ull;
}

/* Time since then, 0 when then is later (CPUs' clocks stamp a little apart). */
static __u64 age(__u64 now, __u64 then)
{
	return now > then ? now - then : 0;
}

enum lb_path_health lb_path_health(const struct sctplb_path_counters *c, __u64 now_ns,
				   __u64 silent_ns)
{
	if (!c->packets || !c->last_seen_ns)
		return LB_PATH_UNUSED;
	if (age(now_ns, c->last_seen_ns) >= silent_ns)
		return LB_PATH_SILENT;
	if (c->last_data_ns && age(now_ns, c->last_data_ns) < silent_ns)
		return LB_PATH_ACTIVE;
	return LB_PATH_STANDBY;
}

int lb_assoc_data_path(const struct sctplb_assoc *a)
{
	__u32 best = 0;
	int p, path = -1;

	for (p = 0; p < SCTPLB_MAX_PATHS; p++)
		if (a->path[p].data > best) {
			best = a->path[p].data;
			path = p;
		}
	return path;
}

const char *lb_fmt_age(__u64 then_ns, __u64 now_ns, char *buf, size_t len)
{
	__u64 d = now_ns > then_ns ? now_ns - then_ns : 0, q;
	double s = d / 1e9;
	struct lb_line l;

	lb_line_init(&l);
	if (!then_ns) {
		lb_line_str(&l, "-", 0);
	} else if (s < 60) {
		/* Tenths, to nearest: s lies on the same side of a tie as d
		 * (whole ns, ulps of s far smaller), so this is "%.1f" of s.
		 * A tie itself (d ends in exactly 50 ms) goes to printf, which
		 * rounds the double's exact value. */
		if (d % 100000000 == 50000000) {
			snprintf(buf, len, "%.1fs", s);
			return buf;
		}
		q = (d + 50000000) / 100000000;
		lb_line_u(&l, q / 10, 0, 0);
		lb_line_str(&l, ".", 0);
		lb_line_u(&l, q % 10, 0, 0);
		lb_line_str(&l, "s", 0);
	} else if (s < 3600) {
		q = (__u64)s;
		lb_line_u(&l, q / 60, 0, 0);
		lb_line_str(&l, "m", 0);
		lb_line_u(&l, q % 60, 2, 1);
		lb_line_str(&l, "s", 0);
	} else {
		q = (__u64)s;
		lb_line_u(&l, q / 3600, 0, 0);
		lb_line_str(&l, "h", 0);
		lb_line_u(&l, q % 3600 / 60, 2, 1);
		lb_line_str(&l, "m", 0);
	}
	return lb_line_copy(&l, buf, len);
}

struct sctplb_addr lb_assoc_client(const struct sctplb_assoc *a, int p)
{
	struct sctplb_addr c = { .family = a->path[p].family };

	memcpy(c.addr, a->path[p].caddr, sizeof(c.addr));
	return c;
}

enum lb_path_health lb_assoc_path_health(const struct sctplb_assoc *a, int p, __u64 now_ns,
					 __u64 silent_ns)
{
	const struct sctplb_assoc_path *ap = &a->path[p];
	struct sctplb_path_counters c = {
		.packets = ap->seen != 0,
		.last_seen_ns = lb_stamp_ns(ap->seen),
		.last_data_ns = lb_stamp_ns(ap->data),
	};

	return lb_path_health(&c, now_ns, silent_ns);
}

/* The slot of k in the last look's table: its own, or the empty one where it would go. */
static struct lb_fo_assoc *fo_slot(const struct lb_failover *t, const struct sctplb_assoc_key *k)
{
	__u64 h = ((__u64)k->service_id << 32 | k->vtag) ^ ((__u64)k->cport << 16 | k->sport) << 7;
	size_t i;

	h *= 0x9e3779b97f4a7c15ull; /* times 2^64 / phi: the upper half well mixed */
	for (i = h >> 32 & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		struct lb_fo_assoc *s = &t->prev[i];

		if (s->path < 0 || (s->k.vtag == k->vtag && s->k.service_id == k->service_id &&
				    s->k.cport == k->cport && s->k.sport == k->sport))
			return s;
	}
}

void lb_failover_begin(struct lb_failover *t)
{
	t->ncur = 0;
}

static void count_failover(struct lb_failover *t, __u32 sid, __u32 bid)
{
	struct lb_fo_count *n;
	size_t i;

	for (i = 0; i < t->ncount; i++)
		if (t->count[i].service_id == sid && t->count[i].backend_id == bid) {
			t->count[i].failovers++;
			return;
		}
	n = lb_grow(t->count, &t->capcount, t->ncount, sizeof(*n), 16);
	if (!n)
		return;
	t->count = n;
	t->count[t->ncount++] = (struct lb_fo_count){ sid, bid, 1 };
}

int lb_failover_see(struct lb_failover *t, const struct sctplb_assoc_key *k,
		    const struct sctplb_assoc *a)
{
	struct lb_fo_assoc me = { .k = *k, .path = lb_assoc_data_path(a) }, *old, *n;
	int moved = 0;

	if (me.path < 0)
		return 0;
	old = t->nprev ? fo_slot(t, k) : NULL;
	if (old && old->path >= 0 && old->path != me.path) {
		count_failover(t, k->service_id, a->backend_id);
		moved = 1;
	}
	n = lb_grow(t->cur, &t->capcur, t->ncur, sizeof(*n), 256);
	if (!n)
		return moved;
	t->cur = n;
	t->cur[t->ncur++] = me;
	return moved;
}

/* This look's associations become the last look's: a table that a lookup
 * finds its key in with one probe mostly (a sorted array's binary search took
 * ~20, most of them cache misses, for a million associations). */
void lb_failover_end(struct lb_failover *t)
{
	size_t need = 16, i;

	while (need < 2 * t->ncur)
		need *= 2;
	if (need != t->nslots) {
		struct lb_fo_assoc *n = malloc(need * sizeof(*n));

		if (!n) {
			t->nprev = t->ncur = 0; /* nothing remembered: no failover seen next */
			return;
		}
		free(t->prev);
		t->prev = n;
		t->nslots = need;
	}
	memset(t->prev, 0xff, t->nslots * sizeof(*t->prev)); /* path -1: empty */
	t->nprev = 0;
	for (i = 0; i < t->ncur; i++) {
		struct lb_fo_assoc *s = fo_slot(t, &t->cur[i].k);

		t->nprev += s->path < 0;
		*s = t->cur[i];
	}
	t->ncur = 0;
}

void lb_failover_free(struct lb_failover *t)
{
	free(t->prev);
	free(t->cur);
	free(t->count);
	memset(t, 0, sizeof(*t));
}
