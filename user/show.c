// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * show.c: assoc list, paths and stats: reading the datapath's state.
 * Per-CPU maps are summed over the possible CPUs; times are CLOCK_MONOTONIC
 * ns, shown as ages.  --watch S prints a sample every S seconds with rates
 * computed between two samples.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "cmd.h"
#include "health.h"
#include "line.h"
#include "model.h"

const char *const stat_names[] = {
#define X(name, str, help) str,
	SCTPLB_STATS(X)
#undef X
};
static const char *const stat_help[] = {
#define X(name, str, help) help,
	SCTPLB_STATS(X)
#undef X
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * stats and paths: checks --watch S --count N (the interval in seconds, 0: one
 * shot, and the samples), then opens the maps and, when md is given, reads the
 * model (the names) from them.
 */
static int open_watch(const struct cmd_args *a, double *interval, long *count,
		      struct lb_maps *m, struct lb_model *md)
{
	const char *v;
	char *end;

	*interval = 0;
	*count = 0;
	if ((v = arg_opt(a, "watch"))) {
		*interval = strtod(v, &end);
		if (*end || *interval < 0.1 || *interval > 3600) {
			fprintf(stderr, "Error: --watch %s: give an interval in seconds, 0.1 to 3600\n", v);
			return -EINVAL;
		}
	}
	if ((v = arg_opt(a, "count"))) {
		*count = strtol(v, &end, 10);
		if (*end || *count < 1) {
			fprintf(stderr, "Error: --count %s: give a number of samples, 1 or more\n", v);
			return -EINVAL;
		}
	}
	return md ? open_model(m, false, md) : open_maps(m, false);
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* ---- names ---- */

static const char *svc_name(const struct lb_model *md, __u32 id, char *buf, size_t len)
{
	const struct lb_service_cfg *s = lb_model_service_by_id(md, id);

	if (s)
		return s->name;
	snprintf(buf, len, "#%u", id);
	return buf;
}

static const char *be_name(const struct lb_model *md, __u32 sid, __u32 id, char *buf, size_t len)
{
	const struct lb_backend_cfg *b = lb_model_backend_by_id(md, sid, id);

	if (b)
		return b->name;
	snprintf(buf, len, id ? "#%u" : "-", id);
	return buf;
}

static const struct sctplb_addr *svc_vip(const struct lb_model *md, __u32 sid, __u32 path)
{
	const struct lb_service_cfg *s = lb_model_service_by_id(md, sid);

	return s && path < s->nvips ? &s->vip[path] : NULL;
}

/* ---- stats ---- */

/* A per-CPU array of __u64 with keys 0..n-1, each summed over the CPUs into out[key]. */
static int read_percpu_sums(int fd, __u32 n, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 *v;
	__u32 k;

	memset(out, 0, n * sizeof(*out));
	if (ncpu < 1)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (c = 0; c < ncpu; c++)
			out[k] += v[c];
	}
	free(v);
	return 0;
}

int read_stats(int fd, __u64 *out)
{
	return read_percpu_sums(fd, SCTPLB_STAT_MAX, out);
}

const char *const ppid_names[SCTPLB_PPID_N] = {
#define X(name, label, help) label,
	SCTPLB_PPID_CLASSES(X)
#undef X
};
const char *const ppid_help[SCTPLB_PPID_N] = {
#define X(name, label, help) help,
	SCTPLB_PPID_CLASSES(X)
#undef X
};

int read_ppid(int fd, __u64 *out)
{
	return read_percpu_sums(fd, SCTPLB_MAX_SERVICES * SCTPLB_PPID_N, out);
}

/* DATA chunks per service and payload protocol class, after the counters. */
static void print_ppid(struct json_object *arr, const struct lb_model *md, const __u64 *cur,
		       const __u64 *prev, double dt)
{
	size_t i;
	int c;

	for (i = 0; md && i < md->nsvc; i++) {
		const struct lb_service_cfg *s = &md->svc[i];

		for (c = 0; c < SCTPLB_PPID_N; c++) {
			__u32 k = s->id * SCTPLB_PPID_N + c;
			double rate = prev && dt > 0 ? (cur[k] - prev[k]) / dt : 0;
			char name[64], help[128];

			if (s->id >= SCTPLB_MAX_SERVICES)
				continue;
			snprintf(help, sizeof(help), "DATA chunks of service %s: %s", s->name, ppid_help[c]);
			if (!arr) {
				snprintf(name, sizeof(name), "ppid:%s:%s", s->name, ppid_names[c]);
				if (prev)
					printf("%-20s %14llu %12.1f  %s\n", name, (unsigned long long)cur[k], rate, help);
				else
					printf("%-20s %14llu %12s  %s\n", name, (unsigned long long)cur[k], "", help);
			} else {
				struct json_object *o = json_object_new_object();

				json_object_object_add(o, "name", json_object_new_string("data_chunks_by_ppid"));
				json_object_object_add(o, "service", json_object_new_string(s->name));
				json_object_object_add(o, "ppid", json_object_new_string(ppid_names[c]));
				json_object_object_add(o, "value", json_object_new_uint64(cur[k]));
				if (prev)
					json_object_object_add(o, "rate", json_object_new_double(rate));
				json_object_object_add(o, "help", json_object_new_string(help));
				json_object_array_add(arr, o);
			}
		}
	}
}

static void print_stats(const __u64 *cur, const __u64 *prev, double dt, const struct lb_model *md,
			const __u64 *pcur, const __u64 *pprev)
{
	struct json_object *arr = g.json ? json_object_new_array() : NULL;
	int k;

	if (!g.json)
		printf("%-20s %14s %12s  %s\n", "COUNTER", "VALUE", prev ? "RATE/s" : "", "MEANING");
	for (k = 0; k < SCTPLB_STAT_MAX; k++) {
		double rate = prev && dt > 0 ? (cur[k] - prev[k]) / dt : 0;

		if (!g.json) {
			if (prev)
				printf("%-20s %14llu %12.1f  %s\n", stat_names[k], (unsigned long long)cur[k],
				       rate, stat_help[k]);
			else
				printf("%-20s %14llu %12s  %s\n", stat_names[k], (unsigned long long)cur[k],
				       "", stat_help[k]);
		} else {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "name", json_object_new_string(stat_names[k]));
			json_object_object_add(o, "value", json_object_new_uint64(cur[k]));
			if (prev)
				json_object_object_add(o, "rate", json_object_new_double(rate));
			json_object_object_add(o, "help", json_object_new_string(stat_help[k]));
			json_object_array_add(arr, o);
		}
	}
	print_ppid(arr, md, pcur, pprev, dt);
	if (g.json) {
		print_json(arr);
		json_object_put(arr);
	}
}

int do_stats(const struct cmd_args *a)
{
	static __u64 pcur[SCTPLB_MAX_SERVICES * SCTPLB_PPID_N], pprev[SCTPLB_MAX_SERVICES * SCTPLB_PPID_N];
	__u64 cur[SCTPLB_STAT_MAX], prev[SCTPLB_STAT_MAX];
	struct lb_model md;
	double interval;
	struct lb_maps m;
	long count, n;
	int err;

	err = open_watch(a, &interval, &count, &m, &md);
	if (err)
		return err;
	err = read_stats(m.fd[LB_STATS], cur);
	if (!err)
		err = read_ppid(m.fd[LB_PPID_STATS], pcur);
	if (err || interval == 0) {
		if (!err)
			print_stats(cur, NULL, 0, &md, pcur, NULL);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (n = 0; !stop && (!count || n < count); n++) {
		__u64 t0 = now_monotonic_ns(), t1;

		memcpy(prev, cur, sizeof(cur));
		memcpy(pprev, pcur, sizeof(pcur));
		sleep_s(interval);
		if (stop)
			break;
		err = read_stats(m.fd[LB_STATS], cur);
		if (!err)
			err = read_ppid(m.fd[LB_PPID_STATS], pcur);
		if (err)
			break;
		t1 = now_monotonic_ns();
		if (!g.json)
			printf("\n");
		print_stats(cur, prev, (t1 - t0) / 1e9, &md, pcur, pprev);
	}
out:
	lb_model_free(&md);
	lb_maps_close(&m);
	return err;
}

/* ---- paths ---- */

/* The client addresses the associations hold on each path (read_paths). */
struct path_clients {
	struct path_row *rows;
	const int *slot;                /* sctplb_path_index -> row, or -1 */
	lb_assoc_fn also;               /* read_paths' caller's, or NULL */
	void *arg;
};

static void path_client(struct path_row *r, const struct sctplb_addr *ca)
{
	if (!r->clients++)
		r->client = *ca;
	else if (r->client.family && memcmp(&r->client, ca, sizeof(*ca)))
		r->client.family = 0; /* several */
}

static int see_path_clients(const struct sctplb_assoc_key *k, const struct sctplb_assoc *a,
			    bool confirmed, void *arg)
{
	struct path_clients *w = arg;
	int p, d;

	if (w->also && w->also(k, a, confirmed, w->arg))
		return 1;
	if (a->backend_id >= SCTPLB_MAX_BACKENDS)
		return 0;
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		struct sctplb_addr ca = lb_assoc_client(a, p);

		if (!ca.family)
			continue;
		for (d = 0; d < 2; d++) {
			int i = w->slot[sctplb_path_index(a->backend_id, p, d)];

			if (i >= 0)
				path_client(&w->rows[i], &ca);
		}
	}
	return 0;
}

/* One path_stats entry: its CPUs' counters summed into a row when it has packets. */
struct path_sum {
	const struct lb_maps *m;
	int ncpu;
	__u32 stride;                   /* bytes between two CPUs' copies */
	struct path_row *rows;
	size_t n;
	int *slot;
};

static int sum_path(const void *key, const void *val, void *arg)
{
	struct path_sum *w = arg;
	__u32 k = *(const __u32 *)key, bid = k / (SCTPLB_MAX_PATHS * 2);
	struct sctplb_path_counters sum = { 0 };
	struct sctplb_backend be;
	int c;

	for (c = 0; c < w->ncpu; c++) {
		const struct sctplb_path_counters *pc =
			(const void *)((const char *)val + (size_t)c * w->stride);

		sum.packets += pc->packets;
		sum.bytes += pc->bytes;
		sum.data_chunks += pc->data_chunks;
		sum.heartbeats += pc->heartbeats;
		if (pc->last_seen_ns > sum.last_seen_ns)
			sum.last_seen_ns = pc->last_seen_ns;
		if (pc->last_data_ns > sum.last_data_ns)
			sum.last_data_ns = pc->last_data_ns;
	}
	if (!sum.packets || k >= SCTPLB_PATH_STATS_N ||
	    bpf_map_lookup_elem(w->m->fd[LB_BACKENDS], &bid, &be))
		return 0;
	w->slot[k] = w->n;
	w->rows[w->n++] = (struct path_row){
		.service_id = be.service_id,
		.backend_id = bid,
		.path = k / 2 % SCTPLB_MAX_PATHS,
		.dir = k % 2,
		.c = sum,
	};
	return 0;
}

int read_paths(const struct lb_maps *m, struct path_row **rows, size_t *n, lb_assoc_fn also,
	       void *arg)
{
	struct path_sum w = { .m = m, .ncpu = libbpf_num_possible_cpus() };
	struct path_clients pc = { .also = also, .arg = arg };
	__u32 i;
	int err;

	*rows = NULL;
	*n = 0;
	if (w.ncpu < 1)
		return -EINVAL;
	w.stride = (sizeof(struct sctplb_path_counters) + 7) & ~7u;
	w.slot = malloc(SCTPLB_PATH_STATS_N * sizeof(*w.slot));
	w.rows = calloc(SCTPLB_PATH_STATS_N, sizeof(*w.rows));
	if (!w.slot || !w.rows) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < SCTPLB_PATH_STATS_N; i++)
		w.slot[i] = -1;
	err = lb_map_scan(m->fd[LB_PATH_STATS], sizeof(__u32), w.stride * w.ncpu, sum_path, &w);
	pc.rows = w.rows;
	pc.slot = w.slot;
	if (!err && (w.n || also))
		err = lb_assocs_walk(m, see_path_clients, &pc);
out:
	free(w.slot);
	if (err) {
		free(w.rows);
		w.rows = NULL;
		w.n = 0;
	}
	*rows = w.rows;
	*n = w.n;
	return err;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct path_row *x = a, *y = b;

	if (x->service_id != y->service_id)
		return x->service_id < y->service_id ? -1 : 1;
	if (x->backend_id != y->backend_id)
		return x->backend_id < y->backend_id ? -1 : 1;
	if (x->path != y->path)
		return x->path - y->path;
	return x->dir - y->dir;
}

static const struct path_row *find_row(const struct path_row *rows, size_t n,
				       const struct path_row *k)
{
	size_t i;

	for (i = 0; rows && i < n; i++)
		if (rows[i].backend_id == k->backend_id && rows[i].path == k->path &&
		    rows[i].dir == k->dir)
			return &rows[i];
	return NULL;
}

static void print_paths(const struct lb_model *nm, struct path_row *rows, size_t n,
			const struct path_row *prev, size_t nprev, double dt, bool rated,
			__u64 silent_ns)
{
	struct json_object *arr = g.json ? json_object_new_array() : NULL;
	char b1[40], b2[40], vip[LB_ADDRSTRLEN], cl[LB_ADDRSTRLEN], age[32];
	__u64 now = now_monotonic_ns();
	size_t i;

	qsort(rows, n, sizeof(*rows), cmp_rows);
	if (!g.json)
		printf("%-12s %-12s %-4s %-20s %-24s %-10s %10s %12s %8s %6s %9s %-7s %10s\n", "SERVICE",
		       "BACKEND", "PATH", "VIP", "CLIENT", "DIR", "PACKETS", "BYTES", "DATA", "HB",
		       "LAST", "HEALTH", "PKTS/s");
	for (i = 0; i < n; i++) {
		const struct path_row *r = &rows[i], *p = rated ? find_row(prev, nprev, r) : NULL;
		const struct sctplb_addr *va = svc_vip(nm, r->service_id, r->path);
		const char *dir = r->dir == SCTPLB_DIR_TO_CLIENT ? "to_client" : "to_backend";
		double rate = rated && dt > 0 ? (r->c.packets - (p ? p->c.packets : 0)) / dt : 0;
		double brate = rated && dt > 0 ? (r->c.bytes - (p ? p->c.bytes : 0)) / dt : 0;
		const char *health = lb_path_health_names[lb_path_health(&r->c, now, silent_ns)];

		/* the clients' address on the path, or how many hold it */
		if (r->client.family)
			lb_addr_fmt(&r->client, cl, sizeof(cl));
		else if (r->clients)
			snprintf(cl, sizeof(cl), "%llu clients", (unsigned long long)r->clients);
		else
			snprintf(cl, sizeof(cl), "-");
		if (va)
			lb_addr_fmt(va, vip, sizeof(vip));
		else
			snprintf(vip, sizeof(vip), "-");
		if (!g.json) {
			char rs[24] = "-";

			if (rated)
				snprintf(rs, sizeof(rs), "%.1f", rate);
			printf("%-12s %-12s %-4u %-20s %-24s %-10s %10llu %12llu %8llu %6llu %9s %-7s %10s\n",
			       svc_name(nm, r->service_id, b1, sizeof(b1)),
			       be_name(nm, r->service_id, r->backend_id, b2, sizeof(b2)), r->path,
			       vip, cl, dir, (unsigned long long)r->c.packets,
			       (unsigned long long)r->c.bytes, (unsigned long long)r->c.data_chunks,
			       (unsigned long long)r->c.heartbeats,
			       lb_fmt_age(r->c.last_seen_ns, now, age, sizeof(age)), health, rs);
		} else {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "service", json_object_new_string(
				svc_name(nm, r->service_id, b1, sizeof(b1))));
			json_object_object_add(o, "service_id", json_object_new_int64(r->service_id));
			json_object_object_add(o, "backend", json_object_new_string(
				be_name(nm, r->service_id, r->backend_id, b2, sizeof(b2))));
			json_object_object_add(o, "backend_id", json_object_new_int64(r->backend_id));
			json_object_object_add(o, "path", json_object_new_int(r->path));
			json_object_object_add(o, "vip", json_object_new_string(vip));
			/* null when the associations there have several addresses (or none) */
			json_object_object_add(o, "client", r->client.family ?
					       json_object_new_string(cl) : NULL);
			json_object_object_add(o, "clients", json_object_new_uint64(r->clients));
			json_object_object_add(o, "dir", json_object_new_string(dir));
			json_object_object_add(o, "packets", json_object_new_uint64(r->c.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(r->c.bytes));
			json_object_object_add(o, "data_chunks", json_object_new_uint64(r->c.data_chunks));
			json_object_object_add(o, "heartbeats", json_object_new_uint64(r->c.heartbeats));
			json_object_object_add(o, "last_seen_ns", json_object_new_uint64(r->c.last_seen_ns));
			json_object_object_add(o, "idle_s", r->c.last_seen_ns ?
				json_object_new_double((now - r->c.last_seen_ns) / 1e9) : NULL);
			json_object_object_add(o, "last_data_ns", json_object_new_uint64(r->c.last_data_ns));
			json_object_object_add(o, "health", json_object_new_string(health));
			if (rated) {
				json_object_object_add(o, "pps", json_object_new_double(rate));
				json_object_object_add(o, "bps", json_object_new_double(brate * 8));
			}
			json_object_array_add(arr, o);
		}
	}
	if (g.json) {
		print_json(arr);
		json_object_put(arr);
	}
}

int do_paths(const struct cmd_args *a)
{
	struct path_row *rows = NULL, *prev = NULL;
	struct sctplb_config cfg = {};
	size_t n = 0, nprev = 0;
	struct lb_model nm;
	double interval;
	struct lb_maps m;
	long count, k;
	int err;

	err = open_watch(a, &interval, &count, &m, &nm);
	if (err)
		return err;
	lb_settings_read(&m, &cfg);
	err = read_paths(&m, &rows, &n, NULL, NULL);
	if (err || interval == 0) {
		if (!err)
			print_paths(&nm, rows, n, NULL, 0, 0, false, lb_path_silent_ns(&cfg));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (k = 0; !stop && (!count || k < count); k++) {
		__u64 t0 = now_monotonic_ns();

		free(prev);
		prev = rows;
		nprev = n;
		rows = NULL;
		sleep_s(interval);
		if (stop)
			break;
		err = read_paths(&m, &rows, &n, NULL, NULL);
		if (err)
			break;
		if (!g.json)
			printf("\n");
		/* Sorting rows keeps prev in order too: find_row is linear. */
		print_paths(&nm, rows, n, prev, nprev, (now_monotonic_ns() - t0) / 1e9, true,
			    lb_path_silent_ns(&cfg));
	}
out:
	free(rows);
	free(prev);
	lb_model_free(&nm);
	lb_maps_close(&m);
	return err;
}

/* ---- assoc list ---- */

/* Seconds since then_ns, or null when it never happened. */
static struct json_object *json_age(__u64 then_ns, __u64 now_ns)
{
	if (!then_ns)
		return NULL;
	return json_object_new_double((now_ns > then_ns ? now_ns - then_ns : 0) / 1e9);
}

static const char *state_name(__u32 s)
{
	return s == SCTPLB_ASSOC_ESTABLISHED ? "established" :
	       s == SCTPLB_ASSOC_CLOSING ? "closing" : "unknown";
}

/*
 * The names of assoc list's rows by id, built once from the model: looking
 * them up in the model's lists row by row costs services x backends per
 * association (a million rows).  Same answers as svc_name and be_name.
 */
struct name_index {
	const char *svc[SCTPLB_MAX_SERVICES];
	const char *be[SCTPLB_MAX_BACKENDS];
	__u32 be_svc[SCTPLB_MAX_BACKENDS];
};

static void name_index_build(struct name_index *x, const struct lb_model *md)
{
	size_t i, j;

	memset(x, 0, sizeof(*x));
	/* Backwards: where an id appears twice, the first one wins, as in the
	 * model's lookups. */
	for (i = md->nsvc; i-- > 0;) {
		const struct lb_service_cfg *s = &md->svc[i];

		if (s->id && s->id < SCTPLB_MAX_SERVICES)
			x->svc[s->id] = s->name;
		for (j = s->nbe; j-- > 0;)
			if (s->be[j].id < SCTPLB_MAX_BACKENDS) {
				x->be[s->be[j].id] = s->be[j].name;
				x->be_svc[s->be[j].id] = s->id;
			}
	}
}

static const char *svc_name_x(const struct name_index *x, __u32 id, char *buf, size_t len)
{
	if (id < SCTPLB_MAX_SERVICES && x->svc[id])
		return x->svc[id];
	snprintf(buf, len, "#%u", id);
	return buf;
}

static const char *be_name_x(const struct name_index *x, __u32 sid, __u32 id, char *buf,
			     size_t len)
{
	if (id < SCTPLB_MAX_BACKENDS && x->be[id] && (!sid || x->be_svc[id] == sid))
		return x->be[id];
	snprintf(buf, len, id ? "#%u" : "-", id);
	return buf;
}

struct assoc_list {
	const struct name_index *nx;
	struct json_object *arr;
	__u64 now, silent_ns;
};

/* One association of assoc list: a line and its paths, or a JSON object. */
static int list_assoc(const struct sctplb_assoc_key *k, const struct sctplb_assoc *v,
		      bool confirmed, void *arg)
{
	char b1[40], b2[40], a[LB_ADDRSTRLEN], age[32], idle[32], closing[32];
	struct assoc_list *w = arg;
	struct json_object *o, *paths;
	int p;

	if (!g.json) {
		/* The header's columns (do_assoc_list), by hand (line.h): as
		 * "0x%08x %-6u %-6u %-12s %-12s %-11s %9s %9s %9s %-11s %s\n"
		 * CLOSING: time since ABORT/SHUTDOWN-COMPLETE; LEARNT: from the
		 * backend's INIT-ACK (return path) or the client's COOKIE-ECHO */
		struct lb_line l;
		int dp = lb_assoc_data_path(v);

		lb_line_init(&l);
		lb_line_str(&l, "0x", 0);
		lb_line_hex(&l, k->vtag, 8);
		lb_line_str(&l, " ", 0);
		lb_line_u(&l, ntohs(k->cport), -6, 0);
		lb_line_str(&l, " ", 0);
		lb_line_u(&l, ntohs(k->sport), -6, 0);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, svc_name_x(w->nx, k->service_id, b1, sizeof(b1)), -12);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, be_name_x(w->nx, k->service_id, v->backend_id, b2, sizeof(b2)), -12);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, state_name(v->state), -11);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, lb_fmt_age(lb_stamp_ns(v->created), w->now, age, sizeof(age)), 9);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, lb_fmt_age(lb_stamp_ns(v->seen), w->now, idle, sizeof(idle)), 9);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, v->state == SCTPLB_ASSOC_CLOSING ?
			    lb_fmt_age(lb_stamp_ns(v->closing), w->now, closing, sizeof(closing)) :
			    "-", 9);
		lb_line_str(&l, " ", 0);
		lb_line_str(&l, v->flags & SCTPLB_ASSOC_F_FROM_INIT_ACK ? "init-ack" : "cookie-echo",
			    -11);
		lb_line_str(&l, confirmed ? " yes\n" : " no\n", 0);
		lb_line_write(&l, stdout);
		/* as "    path %d %-7s client %-24s last %s data %s%s\n" */
		for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
			struct sctplb_addr ca = lb_assoc_client(v, p);

			if (!ca.family && !v->path[p].seen)
				continue;
			lb_line_init(&l);
			lb_line_str(&l, "    path ", 0);
			lb_line_u(&l, p, 0, 0);
			lb_line_str(&l, " ", 0);
			lb_line_str(&l, lb_path_health_names[lb_assoc_path_health(v, p, w->now,
										   w->silent_ns)], -7);
			lb_line_str(&l, " client ", 0);
			lb_line_str(&l, lb_addr_fmt(&ca, a, sizeof(a)), -24);
			lb_line_str(&l, " last ", 0);
			lb_line_str(&l, lb_fmt_age(lb_stamp_ns(v->path[p].seen), w->now, idle,
						   sizeof(idle)), 0);
			lb_line_str(&l, " data ", 0);
			lb_line_str(&l, lb_fmt_age(lb_stamp_ns(v->path[p].data), w->now, closing,
						   sizeof(closing)), 0);
			lb_line_str(&l, p == dp ? " (DATA path)\n" : "\n", 0);
			lb_line_write(&l, stdout);
		}
		return 0;
	}
	o = json_object_new_object();
	paths = json_object_new_array();
	json_object_object_add(o, "vtag", json_object_new_uint64(k->vtag));
	json_object_object_add(o, "ctag", json_object_new_uint64(v->ctag));
	json_object_object_add(o, "cport", json_object_new_int(ntohs(k->cport)));
	json_object_object_add(o, "sport", json_object_new_int(ntohs(k->sport)));
	json_object_object_add(o, "service", json_object_new_string(
		svc_name_x(w->nx, k->service_id, b1, sizeof(b1))));
	json_object_object_add(o, "service_id", json_object_new_int64(k->service_id));
	json_object_object_add(o, "backend", json_object_new_string(
		be_name_x(w->nx, k->service_id, v->backend_id, b2, sizeof(b2))));
	json_object_object_add(o, "backend_id", json_object_new_int64(v->backend_id));
	json_object_object_add(o, "state", json_object_new_string(state_name(v->state)));
	json_object_object_add(o, "from_init_ack",
			       json_object_new_boolean(v->flags & SCTPLB_ASSOC_F_FROM_INIT_ACK));
	json_object_object_add(o, "confirmed", json_object_new_boolean(confirmed));
	json_object_object_add(o, "age_s", json_age(lb_stamp_ns(v->created), w->now));
	json_object_object_add(o, "idle_s", json_age(lb_stamp_ns(v->seen), w->now));
	json_object_object_add(o, "closing_s", v->state == SCTPLB_ASSOC_CLOSING ?
			       json_age(lb_stamp_ns(v->closing), w->now) : NULL);
	/* the path with the latest DATA: where the client's traffic goes now */
	json_object_object_add(o, "data_path", lb_assoc_data_path(v) < 0 ? NULL :
			       json_object_new_int(lb_assoc_data_path(v)));
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		struct sctplb_addr ca = lb_assoc_client(v, p);
		struct json_object *po;

		if (!ca.family && !v->path[p].seen)
			continue;
		po = json_object_new_object();
		json_object_object_add(po, "path", json_object_new_int(p));
		json_object_object_add(po, "client", json_object_new_string(
			lb_addr_fmt(&ca, a, sizeof(a))));
		/* stamps: to the second (include/sctplb.h); the counters are per
		 * backend and path (sctplb paths) */
		json_object_object_add(po, "last_seen_ns",
				       json_object_new_uint64(lb_stamp_ns(v->path[p].seen)));
		json_object_object_add(po, "last_data_ns",
				       json_object_new_uint64(lb_stamp_ns(v->path[p].data)));
		json_object_object_add(po, "health", json_object_new_string(
			lb_path_health_names[lb_assoc_path_health(v, p, w->now, w->silent_ns)]));
		json_object_array_add(paths, po);
	}
	json_object_object_add(o, "paths", paths);
	json_object_array_add(w->arr, o);
	return 0;
}

int do_assoc_list(const struct cmd_args *args)
{
	struct json_object *arr = json_object_new_array();
	struct sctplb_config cfg = {};
	struct name_index *nx = NULL;
	struct lb_model nm;
	struct lb_maps m;
	int err;

	(void)args;
	err = open_model(&m, false, &nm);
	if (err)
		goto out;
	nx = malloc(sizeof(*nx));
	if (!nx) {
		err = -ENOMEM;
		lb_model_free(&nm);
		lb_maps_close(&m);
		goto out;
	}
	name_index_build(nx, &nm);
	lb_settings_read(&m, &cfg);
	if (!g.json)
		printf("%-10s %-6s %-6s %-12s %-12s %-11s %9s %9s %9s %-11s %s\n", "VTAG", "CPORT",
		       "SPORT", "SERVICE", "BACKEND", "STATE", "AGE", "IDLE", "CLOSING", "LEARNT",
		       "CONFIRMED");
	/* The confirmed associations, then the unconfirmed ones (include/sctplb.h). */
	err = lb_assocs_walk(&m, list_assoc, &(struct assoc_list){ nx, arr, now_monotonic_ns(),
								   lb_path_silent_ns(&cfg) });
	if (g.json && !err)
		print_json(arr);
	lb_model_free(&nm);
	lb_maps_close(&m);
out:
	free(nx);
	json_object_put(arr);
	return err;
}
