// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * monitor.c: sctplb monitor, one line per change of the associations, as it
 * is seen: the association tables are read every --interval seconds and
 * compared with the previous look (user/lib/health.h gives paths' health and
 * the DATA path).  Events: established (a new association), confirmed (it
 * moved to the confirmed table), closing, gone (expired or removed), path_new
 * (a path's first packet), failover (its DATA moved to another path, and
 * back), path_health (active, standby, silent), and, from the counters,
 * policy_drop, table_full and collision with the number since the last look.
 *
 * This is a poller, not the BPF ring buffer the datapath could feed: it
 * costs the datapath nothing and never makes forwarding wait, but a change
 * that is undone between two looks is not seen, and the counter events carry
 * no address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "cmd.h"
#include "health.h"
#include "model.h"

struct snap {
	struct sctplb_assoc_key k;
	struct sctplb_assoc a;
	bool confirmed;
};

static int cmp_snap(const void *x, const void *y)
{
	return memcmp(&((const struct snap *)x)->k, &((const struct snap *)y)->k,
		      sizeof(struct sctplb_assoc_key));
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct take_ctx {
	__u32 sid;
	struct snap *v;
	size_t n, cap;
};

static int take_one(const struct sctplb_assoc_key *k, const struct sctplb_assoc *a,
		    bool confirmed, void *arg)
{
	struct take_ctx *c = arg;

	if (c->sid && k->service_id != c->sid)
		return 0;
	if (c->n == c->cap) {
		struct snap *ns;

		c->cap = c->cap ? c->cap * 2 : 256;
		ns = realloc(c->v, c->cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		c->v = ns;
	}
	c->v[c->n++] = (struct snap){ .k = *k, .a = *a, .confirmed = confirmed };
	return 0;
}

/* Every association of service sid (0: all), sorted by key. */
static int take(const struct lb_maps *m, __u32 sid, struct snap **out, size_t *n)
{
	struct take_ctx c = { .sid = sid };
	int err = lb_assocs_walk(m, take_one, &c);

	*out = c.v;
	*n = c.n;
	if (!err)
		qsort(*out, *n, sizeof(**out), cmp_snap);
	return err;
}

struct ev_ctx {
	const struct lb_model *md;
	__u64 now, prev_now, silent_ns; /* this look's time, the previous one's */
};

/* One event line: text, or a JSON object. extra: "key", value pairs (strings or -1 ints). */
static void event(const struct ev_ctx *c, const char *what, const struct snap *s, int path,
		  const char *k1, const char *v1, const char *k2, const char *v2)
{
	const struct lb_service_cfg *svc = s ? lb_model_service_by_id(c->md, s->k.service_id) : NULL;
	const struct lb_backend_cfg *be = s ? lb_model_backend_by_id(c->md, s->k.service_id,
								      s->a.backend_id) : NULL;
	char cl[LB_ADDRSTRLEN] = "-", ts[32];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(ts, sizeof(ts), "%lld.%03ld", (long long)now.tv_sec, now.tv_nsec / 1000000);
	if (s && path >= 0) {
		struct sctplb_addr ca = lb_assoc_client(&s->a, path);

		lb_addr_fmt(&ca, cl, sizeof(cl));
	}
	if (g.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_string(ts));
		json_object_object_add(o, "event", json_object_new_string(what));
		if (s) {
			json_object_object_add(o, "service", json_object_new_string(svc ? svc->name : "?"));
			json_object_object_add(o, "backend", json_object_new_string(be ? be->name : "?"));
			json_object_object_add(o, "vtag", json_object_new_uint64(s->k.vtag));
			json_object_object_add(o, "cport", json_object_new_int(ntohs(s->k.cport)));
			json_object_object_add(o, "sport", json_object_new_int(ntohs(s->k.sport)));
		}
		if (path >= 0) {
			json_object_object_add(o, "path", json_object_new_int(path));
			json_object_object_add(o, "client", json_object_new_string(cl));
		}
		if (k1)
			json_object_object_add(o, k1, json_object_new_string(v1));
		if (k2)
			json_object_object_add(o, k2, json_object_new_string(v2));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		printf("%s %-12s", ts, what);
		if (s)
			printf(" service %s backend %s vtag 0x%08x ports %u->%u", svc ? svc->name : "?",
			       be ? be->name : "?", s->k.vtag, ntohs(s->k.cport), ntohs(s->k.sport));
		if (path >= 0)
			printf(" path %d client %s", path, cl);
		if (k1)
			printf(" %s %s", k1, v1);
		if (k2)
			printf(" %s %s", k2, v2);
		printf("\n");
	}
}

static void compare(const struct ev_ctx *c, const struct snap *old, const struct snap *s)
{
	char a[16], b[16];
	int p, dp_old, dp_new;

	if (!old) {
		event(c, "established", s, -1, "confirmed", s->confirmed ? "yes" : "no", NULL, NULL);
	} else {
		if (s->confirmed && !old->confirmed)
			event(c, "confirmed", s, -1, NULL, NULL, NULL, NULL);
		if (s->a.state == SCTPLB_ASSOC_CLOSING && old->a.state != SCTPLB_ASSOC_CLOSING)
			event(c, "closing", s, -1, NULL, NULL, NULL, NULL);
	}
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		enum lb_path_health hn = lb_assoc_path_health(&s->a, p, c->now, c->silent_ns), ho;

		if (s->a.path[p].seen && (!old || !old->a.path[p].seen))
			event(c, "path_new", s, p, NULL, NULL, NULL, NULL);
		if (!old || s->a.state != SCTPLB_ASSOC_ESTABLISHED)
			continue;
		ho = lb_assoc_path_health(&old->a, p, c->prev_now, c->silent_ns);
		if (ho != hn && ho != LB_PATH_UNUSED)
			event(c, "path_health", s, p, "from", lb_path_health_names[ho], "to",
			      lb_path_health_names[hn]);
	}
	if (!old)
		return;
	dp_old = lb_assoc_data_path(&old->a);
	dp_new = lb_assoc_data_path(&s->a);
	if (dp_old >= 0 && dp_new >= 0 && dp_old != dp_new) {
		snprintf(a, sizeof(a), "%d", dp_old);
		snprintf(b, sizeof(b), "%d", dp_new);
		event(c, "failover", s, dp_new, "from_path", a, "to_path", b);
	}
}

/* Health moves with time: the previous look is judged at its own time. */
static void diff(const struct ev_ctx *c, struct snap *prev, size_t np, struct snap *cur, size_t nc)
{
	size_t i;

	for (i = 0; i < nc; i++)
		compare(c, prev ? bsearch(&cur[i], prev, np, sizeof(*prev), cmp_snap) : NULL, &cur[i]);
	for (i = 0; i < np; i++)
		if (!bsearch(&prev[i], cur, nc, sizeof(*cur), cmp_snap))
			event(c, "gone", &prev[i], -1, NULL, NULL, NULL, NULL);
}

static void counter_events(const __u64 *prev, const __u64 *cur)
{
	static const struct { int stat; const char *what; } evs[] = {
		{ SCTPLB_STAT_POLICY_DROP, "policy_drop" },
		{ SCTPLB_STAT_ASSOC_TABLE_FULL, "table_full" },
		{ SCTPLB_STAT_ASSOC_COLLISION, "collision" },
	};
	struct ev_ctx none = { 0 };
	char n[24];
	size_t i;

	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (cur[evs[i].stat] > prev[evs[i].stat]) {
			snprintf(n, sizeof(n), "%llu",
				 (unsigned long long)(cur[evs[i].stat] - prev[evs[i].stat]));
			event(&none, evs[i].what, NULL, -1, "count", n, NULL, NULL);
		}
}

int do_monitor(const struct cmd_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 st_prev[SCTPLB_STAT_MAX], st_cur[SCTPLB_STAT_MAX];
	const char *v, *only = arg_opt(a, "service");
	struct snap *prev = NULL, *cur = NULL;
	__u64 prev_now = now_monotonic_ns();
	size_t np = 0, nc = 0;
	struct sctplb_config cfg = {};
	double interval = 0.2;
	struct lb_model md;
	struct lb_maps m;
	__u32 sid = 0;
	char *end;
	int err;

	if ((v = arg_opt(a, "interval"))) {
		interval = strtod(v, &end);
		if (!*v || *end || interval < 0.05 || interval > 3600) {
			fprintf(stderr, "Error: --interval %s: give the time between looks in seconds, "
				"0.05 to 3600\n", v);
			return -EINVAL;
		}
	}
	err = open_model(&m, false, &md);
	if (err)
		return err;
	if (only) {
		const struct lb_service_cfg *s = lb_model_service(&md, only);

		if (!s) {
			fprintf(stderr, "Error: no service named '%s'; see 'sctplb service list'\n", only);
			err = -ENOENT;
			goto out;
		}
		sid = s->id;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lb_settings_read(&m, &cfg);
	err = read_stats(m.fd[LB_STATS], st_prev);
	if (!err)
		err = take(&m, sid, &prev, &np);
	/* The first look is taken: what changes from now on is shown. */
	if (!g.json)
		printf("monitor: every %g s until SIGTERM or SIGINT\n", interval);
	else
		printf("{\"event\":\"start\",\"interval_s\":%g,\"associations\":%zu}\n", interval, np);
	fflush(stdout);
	while (!err && !stop) {
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - (time_t)interval) * 1e9) };
		struct ev_ctx c = { .md = &md };

		while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
			;
		if (stop)
			break;
		/* New services and backends get their names. */
		lb_model_free(&md);
		err = lb_model_read(&m, &md);
		if (!err)
			err = read_stats(m.fd[LB_STATS], st_cur);
		if (!err)
			err = take(&m, sid, &cur, &nc);
		if (err)
			break;
		lb_settings_read(&m, &cfg);
		c.now = now_monotonic_ns();
		c.prev_now = prev_now;
		prev_now = c.now;
		c.silent_ns = lb_path_silent_ns(&cfg);
		diff(&c, prev, np, cur, nc);
		counter_events(st_prev, st_cur);
		memcpy(st_prev, st_cur, sizeof(st_cur));
		free(prev);
		prev = cur;
		np = nc;
		cur = NULL;
		fflush(stdout);
	}
	free(prev);
	free(cur);
out:
	lb_model_free(&md);
	lb_maps_close(&m);
	return err;
}
