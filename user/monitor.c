// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * monitor.c: sctplb monitor, one line per association event as it happens,
 * read from the datapath's ring buffer `events` (bpf/lib/event.h, the kinds
 * in include/sctplb.h): established, confirmed, promoted, closing, expired
 * (written by `sctplb gc`), collision, restart, table_full, path_new,
 * failover and policy_drop.  A ring buffer has one reader at a time in
 * practice: two monitors share the events between them.
 *
 * path_health (active, standby, silent) is not an event of the datapath: a
 * path goes silent when nothing happens.  The monitor derives it from the
 * association tables every --interval seconds (user/lib/health.h), as
 * `assoc list` shows it.  The events the rate limit or a full ring buffer
 * kept out are counted (event_ratelimited, event_lost): the monitor prints
 * what was lost since the last look with each look, and at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "cmd.h"
#include "health.h"
#include "grow.h"
#include "model.h"
#include "settable.h"

struct snap {
	struct sctplb_assoc_key k;
	struct sctplb_assoc a;
	bool confirmed;
	struct sctplb_addr client;      /* an event's client when it names no path */
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
	struct snap *ns;

	if (c->sid && k->service_id != c->sid)
		return 0;
	ns = lb_grow(c->v, &c->cap, c->n, sizeof(*ns), 256);
	if (!ns)
		return -ENOMEM;
	c->v = ns;
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
	} else if (s && s->client.family) {
		lb_addr_fmt(&s->client, cl, sizeof(cl));
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
			if (s->a.ctag)
				json_object_object_add(o, "ctag", json_object_new_uint64(s->a.ctag));
		}
		if (path >= 0)
			json_object_object_add(o, "path", json_object_new_int(path));
		if (path >= 0 || (s && s->client.family))
			json_object_object_add(o, "client", json_object_new_string(cl));
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
		else if (s && s->client.family)
			printf(" client %s", cl);
		if (k1)
			printf(" %s %s", k1, v1);
		if (k2)
			printf(" %s %s", k2, v2);
		printf("\n");
	}
}

/* Path health, which no packet announces: judged at each look. */
static void compare(const struct ev_ctx *c, const struct snap *old, const struct snap *s)
{
	int p;

	if (!old || s->a.state != SCTPLB_ASSOC_ESTABLISHED)
		return;
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		enum lb_path_health hn = lb_assoc_path_health(&s->a, p, c->now, c->silent_ns);
		enum lb_path_health ho = lb_assoc_path_health(&old->a, p, c->prev_now, c->silent_ns);

		if (ho != hn && ho != LB_PATH_UNUSED)
			event(c, "path_health", s, p, "from", lb_path_health_names[ho], "to",
			      lb_path_health_names[hn]);
	}
}

/* Health moves with time: the previous look is judged at its own time. */
static void diff(const struct ev_ctx *c, struct snap *prev, size_t np, struct snap *cur, size_t nc)
{
	size_t i;

	for (i = 0; i < nc; i++)
		compare(c, prev ? bsearch(&cur[i], prev, np, sizeof(*prev), cmp_snap) : NULL, &cur[i]);
}

static const char *const kind_names[SCTPLB_EV_MAX] = {
	[SCTPLB_EV_NONE] = "none",
#define KIND_NAME(name, str, what) [SCTPLB_EV_##name] = str,
	SCTPLB_EVENT_KINDS(KIND_NAME)
#undef KIND_NAME
};

static const char *const expiry_names[] = { "", "closed", "idle", "owned" };

struct rb_ctx {
	struct ev_ctx *c;
	const struct lb_maps *m;
	__u32 sid;
};

/*
 * One event of the ring buffer, in the shape of the association lines: a
 * snap of the association as far as the event says it.  A packet that
 * carried only Tc (T-bit, the backend's) has its Ts found by Tc.
 */
static int on_ring_event(void *arg, void *data, size_t len)
{
	const struct rb_ctx *r = arg;
	const struct sctplb_event *e = data;
	struct snap s = {};
	char a[16], b[16];
	int path;

	if (len < sizeof(*e) || e->kind >= SCTPLB_EV_MAX)
		return 0;
	if (r->sid && e->service_id != r->sid)
		return 0;
	s.k.service_id = e->service_id;
	s.k.vtag = e->vtag;
	s.k.cport = e->cport;
	s.k.sport = e->sport;
	s.a.backend_id = e->backend_id;
	s.a.ctag = e->ctag;
	if (!s.k.vtag && e->ctag) {
		struct sctplb_assoc_key ck = s.k;
		struct sctplb_ctag_value cv;
		__u32 stag;

		ck.vtag = e->ctag;
		if (!bpf_map_lookup_elem(r->m->fd[LB_ASSOC_CTAGS], &ck, &cv))
			s.k.vtag = cv.stag;
		else if (!lb_pending_ctag_lookup(r->m, &ck, e->client.family, e->client.addr, &stag))
			s.k.vtag = stag;
	}
	path = e->path < SCTPLB_MAX_PATHS ? e->path : -1;
	if (path >= 0) {
		memcpy(s.a.path[path].caddr, e->client.addr, sizeof(s.a.path[path].caddr));
		s.a.path[path].family = e->client.family;
	} else
		s.client = e->client;
	snprintf(b, sizeof(b), "%d", path);
	switch (e->kind) {
	case SCTPLB_EV_FAILOVER:
		snprintf(a, sizeof(a), "%u", e->from_path);
		event(r->c, "failover", &s, path, "from_path", a, "to_path", b);
		break;
	case SCTPLB_EV_EXPIRED:
		event(r->c, "expired", &s, path, "why",
		      expiry_names[e->detail < 4 ? e->detail : 0], NULL, NULL);
		break;
	case SCTPLB_EV_POLICY_DROP:
		event(r->c, "policy_drop", &s, path, NULL, NULL, NULL, NULL);
		break;
	default:
		event(r->c, kind_names[e->kind], &s, e->path < SCTPLB_MAX_PATHS ? path : -1,
		      NULL, NULL, NULL, NULL);
	}
	return 0;
}

/* Events the rate limit or a full ring buffer kept out since the last report. */
static void lost_report(const __u64 *prev, const __u64 *cur, bool always)
{
	__u64 rl = cur[SCTPLB_STAT_EVENT_RATELIMITED] - prev[SCTPLB_STAT_EVENT_RATELIMITED];
	__u64 lost = cur[SCTPLB_STAT_EVENT_LOST] - prev[SCTPLB_STAT_EVENT_LOST];

	if (!rl && !lost && !always)
		return;
	if (g.json)
		printf("{\"event\":\"lost\",\"ratelimited\":%llu,\"ring_full\":%llu}\n",
		       (unsigned long long)rl, (unsigned long long)lost);
	else
		printf("lost: %llu events over the rate limit, %llu with the ring buffer full "
		       "(all services)\n", (unsigned long long)rl, (unsigned long long)lost);
}

int do_monitor(const struct cmd_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	__u64 st_prev[SCTPLB_STAT_MAX], st_cur[SCTPLB_STAT_MAX], st_start[SCTPLB_STAT_MAX];
	const char *v, *only = arg_opt(a, "service");
	struct snap *prev = NULL, *cur = NULL;
	__u64 prev_now = now_monotonic_ns(), next_look;
	struct ring_buffer *rb = NULL;
	size_t np = 0, nc = 0;
	struct sctplb_config cfg = {};
	struct ev_ctx c = { 0 };
	struct rb_ctx rc;
	double interval = 1;
	struct lb_model md;
	struct lb_maps m;
	__u32 sid = 0;
	char *end;
	int err;

	if ((v = arg_opt(a, "interval"))) {
		interval = strtod(v, &end);
		if (!*v || *end || interval < 0.05 || interval > 3600) {
			fprintf(stderr, "Error: --interval %s: give the time between looks at path "
				"health in seconds, 0.05 to 3600\n", v);
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
	c.md = &md;
	rc = (struct rb_ctx){ .c = &c, .m = &m, .sid = sid };
	rb = ring_buffer__new(m.fd[LB_EVENTS], on_ring_event, &rc, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "Error: cannot read the event stream %s/events: %s; attach sctplb "
			"again (this version creates it)\n", m.dir, strerror(-err));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lb_settings_read(&m, &cfg);
	err = read_stats(m.fd[LB_STATS], st_prev);
	memcpy(st_start, st_prev, sizeof(st_start));
	if (!err)
		err = take(&m, sid, &prev, &np);
	if (!g.json)
		printf("monitor: events as they happen, path health every %g s, until SIGTERM or "
		       "SIGINT\n", interval);
	else
		printf("{\"event\":\"start\",\"interval_s\":%g,\"associations\":%zu}\n", interval, np);
	fflush(stdout);
	next_look = now_monotonic_ns() + (__u64)(interval * 1e9);
	while (!err && !stop) {
		__u64 t = now_monotonic_ns();
		int ms = t >= next_look ? 0 : (int)((next_look - t) / 1000000) + 1;

		/* New services and backends get their names. */
		err = ring_buffer__poll(rb, ms);
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
		fflush(stdout);
		if (now_monotonic_ns() < next_look || stop)
			continue;
		next_look = now_monotonic_ns() + (__u64)(interval * 1e9);
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
		lost_report(st_prev, st_cur, false);
		memcpy(st_prev, st_cur, sizeof(st_cur));
		free(prev);
		prev = cur;
		np = nc;
		cur = NULL;
		fflush(stdout);
	}
	if (rb) {
		ring_buffer__consume(rb);
		if (!read_stats(m.fd[LB_STATS], st_cur))
			lost_report(st_start, st_cur, true);
	}
	fflush(stdout);
	free(prev);
	free(cur);
out:
	ring_buffer__free(rb);
	lb_model_free(&md);
	lb_maps_close(&m);
	return err;
}
