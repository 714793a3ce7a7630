// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics.c: sctplb metrics --listen ADDR:PORT, the pinned maps as
 * Prometheus metrics (text exposition format 0.0.4) on /metrics, served by
 * libmicrohttpd.
 *
 * Every scrape opens the pins again and reads them: nothing is cached, so a
 * scrape shows the maps as they are (re-created, resized) and the process
 * holds no state that could go stale.  Labels are bounded by configuration:
 * service, backend, path index, direction, table, interface.  Never a client
 * address, never one series per association: path_stats counts per
 * (backend, path, direction) already, associations are counted per
 * (service, backend, state).
 *
 * Path health and failovers (user/lib/health.h) come from the associations'
 * per-path stamps: sctplb_assoc_paths{..., health} counts paths, and the
 * exporter remembers each association's DATA path from one scrape to the
 * next to count sctplb_failovers_total (since it started).
 *
 * path_stats is an array: nothing is evicted; a deleted backend's slots are
 * zeroed (gc_remove_owned), so a backend that gets its id later starts from 0.
 *
 * Drops after the program decided: XDP_REDIRECT and XDP_TX are counted as
 * forwarded when the program returns; a driver or a veth that then refuses
 * the frame counts it in its own XDP statistics.  Those are read with the
 * ETHTOOL_GSTATS ioctl for every interface of the network namespace that has
 * any (the ones whose name holds "xdp" or "drop", summed over queues):
 * sctplb_netdev_xdp_total{interface, counter}.  On a veth, a redirect that the
 * target refuses (its peer has neither XDP nor GRO) is counted in rx_drops of
 * the interface the frame came in by.  The xdp:xdp_redirect_err tracepoint
 * would see every driver's refusals in one place; it is not read (yet).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <microhttpd.h>

#include "cmd.h"
#include "err.h"
#include "health.h"
#include "grow.h"
#include "model.h"
#include "settable.h"

static const char *const stat_help_m[] = {
#define X(name, str, help) help,
	SCTPLB_STATS(X)
#undef X
};

/* ---- the text being built ---- */

struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void mb_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + n < b->cap) {
			b->len += n;
			return;
		}
		{
			size_t cap = (b->cap ? b->cap * 2 : 65536) + n;
			char *np = realloc(b->p, cap);

			if (!np) {
				b->oom = true;
				return;
			}
			b->p = np;
			b->cap = cap;
		}
	}
}

/* # HELP and # TYPE; the help text escaped as the format wants (\\ and \n). */
static void mb_family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	const char *s;

	mb_printf(b, "# HELP %s ", name);
	for (s = help; *s; s++) {
		if (*s == '\\')
			mb_printf(b, "\\\\");
		else if (*s == '\n')
			mb_printf(b, "\\n");
		else
			mb_printf(b, "%c", *s);
	}
	mb_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* A label value, escaped (\\, \", \n) into buf. */
static const char *lv(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = 0;
	return buf;
}

/* ---- names ---- */

static const char *m_svc(const struct lb_model *md, __u32 id, char *buf, size_t len)
{
	const struct lb_service_cfg *s = lb_model_service_by_id(md, id);
	char tmp[16];

	if (s)
		return lv(s->name, buf, len);
	snprintf(tmp, sizeof(tmp), "#%u", id);
	return lv(tmp, buf, len);
}

static const char *m_be(const struct lb_model *md, __u32 sid, __u32 id, char *buf, size_t len)
{
	const struct lb_backend_cfg *b = lb_model_backend_by_id(md, sid, id);
	char tmp[16];

	if (b)
		return lv(b->name, buf, len);
	snprintf(tmp, sizeof(tmp), id ? "#%u" : "-", id);
	return lv(tmp, buf, len);
}

/* ---- the global counters ---- */

static void emit_stats(struct mbuf *b, const __u64 *fwd, const __u64 *agent)
{
	char name[96];
	int k;

	for (k = 0; k < SCTPLB_STAT_MAX; k++) {
		snprintf(name, sizeof(name), "sctplb_%s_total", stat_names[k]);
		mb_family(b, name, "counter", stat_help_m[k]);
		mb_printf(b, "%s{program=\"forwarder\"} %llu\n", name, (unsigned long long)fwd[k]);
		if (agent)
			mb_printf(b, "%s{program=\"agent\"} %llu\n", name, (unsigned long long)agent[k]);
	}
}

/* ---- DATA chunks per service and payload protocol ---- */

static void emit_ppid(struct mbuf *b, const struct lb_model *md, int fd)
{
	static __u64 v[SCTPLB_MAX_SERVICES * SCTPLB_PPID_N];
	char s1[80];
	size_t i;
	int c;

	if (read_ppid(fd, v))
		return;
	mb_family(b, "sctplb_data_chunks_by_ppid_total", "counter", "DATA chunks toward the "
		  "backends per service and payload protocol: s1ap (PPID 18), ngap (60), diameter "
		  "(46, 47), m3ua (3), other; I-DATA counts its first fragments only");
	for (i = 0; i < md->nsvc; i++) {
		if (md->svc[i].id >= SCTPLB_MAX_SERVICES)
			continue;
		for (c = 0; c < SCTPLB_PPID_N; c++)
			mb_printf(b, "sctplb_data_chunks_by_ppid_total{service=\"%s\",ppid=\"%s\"} %llu\n",
				  lv(md->svc[i].name, s1, sizeof(s1)), ppid_names[c],
				  (unsigned long long)v[md->svc[i].id * SCTPLB_PPID_N + c]);
	}
}

/* ---- per path, summed over client addresses ---- */

struct path_sum {
	__u32 sid, bid;
	__u8 path, dir;
	struct sctplb_path_counters c;
	__u64 clients;
};

static int cmp_sum(const void *a, const void *b)
{
	const struct path_sum *x = a, *y = b;

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	if (x->bid != y->bid)
		return x->bid < y->bid ? -1 : 1;
	if (x->path != y->path)
		return x->path - y->path;
	return x->dir - y->dir;
}

static void emit_paths(struct mbuf *b, const struct lb_model *md, const struct path_row *rows,
		       size_t n)
{
	static const struct { const char *name, *type, *help; } fam[] = {
		{ "sctplb_path_packets_total", "counter", "packets per service, backend, path (VIP index) and direction, over every client address" },
		{ "sctplb_path_bytes_total", "counter", "bytes (IP length) per service, backend, path and direction" },
		{ "sctplb_path_data_chunks_total", "counter", "DATA and I-DATA chunks per service, backend, path and direction" },
		{ "sctplb_path_heartbeats_total", "counter", "HEARTBEAT and HEARTBEAT-ACK chunks per service, backend, path and direction" },
		{ "sctplb_path_clients", "gauge", "associations with a client address on the path, per service, backend, path and direction" },
	};
	struct path_sum *sums;
	size_t ns = 0, i, j;
	char s1[80], s2[80];
	unsigned f;

	sums = calloc(n ? n : 1, sizeof(*sums));
	if (!sums)
		return;
	/* one row per (service, backend, path, direction) already */
	for (i = 0; i < n; i++) {
		const struct path_row *r = &rows[i];

		sums[ns++] = (struct path_sum){ .sid = r->service_id, .bid = r->backend_id,
						.path = r->path, .dir = r->dir, .c = r->c,
						.clients = r->clients };
	}
	qsort(sums, ns, sizeof(*sums), cmp_sum);
	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mb_family(b, fam[f].name, fam[f].type, fam[f].help);
		for (j = 0; j < ns; j++) {
			const struct path_sum *s = &sums[j];
			__u64 v = f == 0 ? s->c.packets : f == 1 ? s->c.bytes : f == 2 ? s->c.data_chunks :
				  f == 3 ? s->c.heartbeats : s->clients;

			mb_printf(b, "%s{service=\"%s\",backend=\"%s\",path=\"%u\",dir=\"%s\"} %llu\n",
				  fam[f].name, m_svc(md, s->sid, s1, sizeof(s1)),
				  m_be(md, s->sid, s->bid, s2, sizeof(s2)), s->path,
				  s->dir == SCTPLB_DIR_TO_CLIENT ? "to_client" : "to_backend",
				  (unsigned long long)v);
		}
	}
	free(sums);
}

/* ---- associations and handshakes, counted ---- */

/*
 * A tally of rows (service, backend, a, b): associations by (not confirmed,
 * state), paths of associations by (path, health), handshakes by (0, 0).
 * Few distinct rows, so a linear search; sorted by all four for output.
 */
struct tally_row {
	__u32 sid, bid, a, b;
	__u64 n;
};

struct tally {
	struct tally_row *v;
	size_t n, cap;
};

static int cmp_tally(const void *x_, const void *y_)
{
	const struct tally_row *x = x_, *y = y_;

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	if (x->bid != y->bid)
		return x->bid < y->bid ? -1 : 1;
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b == y->b ? 0 : x->b < y->b ? -1 : 1;
}

static void tally_add(struct tally *t, __u32 sid, __u32 bid, __u32 a, __u32 b)
{
	struct tally_row *nv;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].sid == sid && t->v[i].bid == bid && t->v[i].a == a && t->v[i].b == b) {
			t->v[i].n++;
			return;
		}
	nv = lb_grow(t->v, &t->cap, t->n, sizeof(*nv), 64);
	if (!nv)
		return;
	t->v = nv;
	t->v[t->n++] = (struct tally_row){ sid, bid, a, b, 1 };
}

/* One handshake of the set-associative table: (service, backend chosen). */
static int tally_handshake(const void *key, const void *val, uint32_t stamp, void *arg)
{
	const struct sctplb_client_key *k = key;
	const struct sctplb_handshake *h = val;

	(void)stamp;
	tally_add(arg, k->service_id, h->backend_id, 0, 0);
	return 0;
}

static const char *state_label(__u32 s)
{
	return s == SCTPLB_ASSOC_ESTABLISHED ? "established" :
	       s == SCTPLB_ASSOC_CLOSING ? "closing" : "unknown";
}

/* What one walk of the associations a scrape makes gathers (read_paths' walk,
 * which also counts the client addresses of each path). */
struct assoc_walk {
	struct tally c;         /* (service, backend, !confirmed, state) */
	struct tally hh;        /* (service, backend, path, health) */
	struct lb_failover *fo;
	__u64 now, silent_ns;
	__u64 n[2];             /* entries of assocs_pending, of assocs */
};

static int see_assoc(const struct sctplb_assoc_key *k, const struct sctplb_assoc *v,
		     bool confirmed, void *arg)
{
	struct assoc_walk *w = arg;
	int p;

	w->n[confirmed]++;
	tally_add(&w->c, k->service_id, v->backend_id, !confirmed, v->state);
	for (p = 0; p < SCTPLB_MAX_PATHS; p++) {
		enum lb_path_health h = lb_assoc_path_health(v, p, w->now, w->silent_ns);

		if (h != LB_PATH_UNUSED)
			tally_add(&w->hh, k->service_id, v->backend_id, p, h);
	}
	lb_failover_see(w->fo, k, v);
	return 0;
}

/* The gauges of w's walk, then the handshakes'. */
static void emit_assocs(struct mbuf *b, const struct lb_model *md, const struct lb_maps *m,
			struct assoc_walk *w)
{
	struct tally c = w->c, hh = w->hh, hc = { 0 };
	const struct lb_failover *fo = w->fo;
	char s1[80], s2[80];
	size_t i;

	qsort(c.v, c.n, sizeof(*c.v), cmp_tally);
	mb_family(b, "sctplb_associations", "gauge", "associations per service, backend, state "
		  "(established, closing) and confirmed (assocs) or not (assocs_pending)");
	for (i = 0; i < c.n; i++)
		mb_printf(b, "sctplb_associations{service=\"%s\",backend=\"%s\",state=\"%s\","
			  "confirmed=\"%s\"} %llu\n", m_svc(md, c.v[i].sid, s1, sizeof(s1)),
			  m_be(md, c.v[i].sid, c.v[i].bid, s2, sizeof(s2)), state_label(c.v[i].b),
			  c.v[i].a ? "false" : "true", (unsigned long long)c.v[i].n);

	qsort(hh.v, hh.n, sizeof(*hh.v), cmp_tally);
	mb_family(b, "sctplb_assoc_paths", "gauge", "paths of associations per service, backend, "
		  "path and health, as the client's packets show: active (DATA within the silent "
		  "time), standby (only HEARTBEATs), silent (nothing for config path-silent seconds)");
	for (i = 0; i < hh.n; i++)
		mb_printf(b, "sctplb_assoc_paths{service=\"%s\",backend=\"%s\",path=\"%u\","
			  "health=\"%s\"} %llu\n", m_svc(md, hh.v[i].sid, s1, sizeof(s1)),
			  m_be(md, hh.v[i].sid, hh.v[i].bid, s2, sizeof(s2)), hh.v[i].a,
			  lb_path_health_names[hh.v[i].b], (unsigned long long)hh.v[i].n);
	mb_family(b, "sctplb_path_silent_seconds", "gauge", "the silent time of path health "
		  "(config path-silent)");
	mb_printf(b, "sctplb_path_silent_seconds %llu\n",
		  (unsigned long long)(w->silent_ns / 1000000000ull));
	mb_family(b, "sctplb_failovers_total", "counter", "associations whose DATA moved to another "
		  "path (and back: one more), per service and backend, seen between two scrapes since "
		  "this exporter started");
	for (i = 0; i < fo->ncount; i++)
		mb_printf(b, "sctplb_failovers_total{service=\"%s\",backend=\"%s\"} %llu\n",
			  m_svc(md, fo->count[i].service_id, s1, sizeof(s1)),
			  m_be(md, fo->count[i].service_id, fo->count[i].backend_id, s2, sizeof(s2)),
			  (unsigned long long)fo->count[i].failovers);
	/* Handshakes: per service and backend chosen. */
	{
		struct lb_settable t;

		if (!lb_settable_open(&t, m, LB_HANDSHAKES))
			lb_settable_walk(&t, tally_handshake, &hc);
	}
	qsort(hc.v, hc.n, sizeof(*hc.v), cmp_tally);
	mb_family(b, "sctplb_handshakes", "gauge", "pending handshakes (INIT seen, by client "
		  "transport address, INIT-listed addresses included) per service and backend chosen");
	for (i = 0; i < hc.n; i++)
		mb_printf(b, "sctplb_handshakes{service=\"%s\",backend=\"%s\"} %llu\n",
			  m_svc(md, hc.v[i].sid, s1, sizeof(s1)),
			  m_be(md, hc.v[i].sid, hc.v[i].bid, s2, sizeof(s2)), (unsigned long long)hc.v[i].n);
	free(hc.v);
}

/* ---- table fill ---- */

static int count_one(const void *key, const void *val, void *ctx)
{
	(void)key;
	(void)val;
	++*(__u64 *)ctx;
	return 0;
}

/* Entries of a map, in batch lookups (a key walk took a system call each). */
static __u64 map_count(int fd, const struct bpf_map_info *info)
{
	__u32 vsz = lb_map_value_size(info);
	__u64 n = 0;

	return vsz && !lb_map_scan(fd, info->key_size, vsz, count_one, &n) ? n : 0;
}

/* The tables' fill; the association tables' as w's walk counted them. */
static void emit_tables(struct mbuf *b, const struct lb_maps *m, const struct assoc_walk *w)
{
	static const enum lb_map_id tables[] = { LB_ASSOCS, LB_ASSOC_CTAGS, LB_PENDING,
						 LB_PENDING_CTAGS, LB_HANDSHAKES, LB_CLIENT_INDEX,
						 LB_PATH_STATS, LB_FRAGS };
	__u64 n[sizeof(tables) / sizeof(tables[0])];
	__u32 max[sizeof(tables) / sizeof(tables[0])];
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct lb_settable t;
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(m->fd[tables[i]], &info, &len)) {
			n[i] = max[i] = 0;
			continue;
		}
		/* A set-associative table: its entries, not its sets. */
		if (!lb_settable_open(&t, m, tables[i])) {
			long e = tables[i] == LB_PENDING ? (long)w->n[0] : lb_settable_count(&t);

			n[i] = e < 0 ? 0 : (__u64)e;
			max[i] = t.nsets * t.l.ways;
		} else {
			n[i] = tables[i] == LB_ASSOCS ? w->n[1] : map_count(m->fd[tables[i]], &info);
			max[i] = info.max_entries;
		}
	}
	mb_family(b, "sctplb_table_entries", "gauge", "entries in each table of state (map)");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		mb_printf(b, "sctplb_table_entries{table=\"%s\"} %llu\n", lb_map_names[tables[i]],
			  (unsigned long long)n[i]);
	mb_family(b, "sctplb_table_max_entries", "gauge", "capacity of each table of state "
		  "(max_entries; assocs and its companions are sized by --max-assocs, client_index by --max-clients)");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		mb_printf(b, "sctplb_table_max_entries{table=\"%s\"} %u\n", lb_map_names[tables[i]],
			  max[i]);
}

/* ---- the interfaces' own XDP counters (ETHTOOL_GSTATS) ---- */

/*
 * "rx_queue_3_xdp_drops" -> "rx_xdp_drops": the queue number dropped so that
 * queues sum into one series (and the labels stay bounded).
 */
static void strip_queue(const char *in, char *out, size_t len)
{
	const char *p = in;
	size_t o = 0;

	if (!strncmp(in, "rx_queue_", 9) || !strncmp(in, "tx_queue_", 9)) {
		p = in + 9;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '_') {
			snprintf(out, len, "%.2s_%s", in, p + 1);
			return;
		}
		p = in;
	}
	for (; *p && o + 1 < len; p++)
		out[o++] = *p;
	out[o] = 0;
}

struct nd_stat {
	char name[ETH_GSTRING_LEN + 1];
	__u64 v;
};

/* The XDP counters of one interface, summed over queues; 0 of them if it has none. */
static size_t netdev_xdp_stats(int sock, const char *ifname, struct nd_stat **out)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_gstrings *gs = NULL;
	struct ethtool_stats *st = NULL;
	struct nd_stat *res = NULL;
	struct ifreq ifr = {};
	size_t nres = 0;
	__u32 i, j, n;

	*out = NULL;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (ioctl(sock, SIOCETHTOOL, &ifr) || !di.n_stats)
		return 0;
	n = di.n_stats;
	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + (size_t)n * sizeof(__u64));
	res = calloc(n, sizeof(*res));
	if (!gs || !st || !res)
		goto fail;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = n;
	ifr.ifr_data = (void *)gs;
	if (ioctl(sock, SIOCETHTOOL, &ifr))
		goto fail;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	ifr.ifr_data = (void *)st;
	if (ioctl(sock, SIOCETHTOOL, &ifr))
		goto fail;
	for (i = 0; i < n && i < gs->len && i < st->n_stats; i++) {
		char raw[ETH_GSTRING_LEN + 1], name[ETH_GSTRING_LEN + 1];

		memcpy(raw, gs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		raw[ETH_GSTRING_LEN] = 0;
		if (!strstr(raw, "xdp") && !strstr(raw, "drop"))
			continue;
		strip_queue(raw, name, sizeof(name));
		for (j = 0; j < nres; j++)
			if (!strcmp(res[j].name, name))
				break;
		if (j == nres) {
			snprintf(res[j].name, sizeof(res[j].name), "%s", name);
			nres++;
		}
		res[j].v += st->data[i];
	}
	free(gs);
	free(st);
	if (!nres)
		free(res);
	else
		*out = res;
	return nres;
fail:
	free(gs);
	free(st);
	free(res);
	return 0;
}

static void emit_netdev(struct mbuf *b)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char l1[64], l2[64];
	bool head = false;

	for (i = ifs; sock >= 0 && i && i->if_index; i++) {
		struct nd_stat *s;
		size_t n = netdev_xdp_stats(sock, i->if_name, &s), k;

		if (n && !head) {
			mb_family(b, "sctplb_netdev_xdp_total", "counter", "the interface's own XDP "
				  "and drop counters (ethtool -S, summed over queues): what became of "
				  "frames after an XDP program's verdict. On a veth, rx_drops of the "
				  "interface sctplb is attached to counts redirects that the target "
				  "refused, which sctplb counted as forwarded");
			head = true;
		}
		for (k = 0; k < n; k++)
			mb_printf(b, "sctplb_netdev_xdp_total{interface=\"%s\",counter=\"%s\"} %llu\n",
				  lv(i->if_name, l1, sizeof(l1)), lv(s[k].name, l2, sizeof(l2)),
				  (unsigned long long)s[k].v);
		free(s);
	}
	if (sock >= 0)
		close(sock);
	if (ifs)
		if_freenameindex(ifs);
}

/*
 * XDP redirects refused after the decision (redirect_errs: the tracepoint
 * programs of bpf/lib/event.h that `sctplb attach` attaches): the frames
 * sctplb counted as forwarded that the target interface never sent.  Only
 * this network namespace's interfaces can be named here; the others'
 * entries are left out.
 */
static void emit_redirect_errs(struct mbuf *b, int fd)
{
	struct sctplb_redirect_err_key k, *prev = NULL;
	int ncpu = libbpf_num_possible_cpus(), i;
	struct stat st;
	bool head = false;
	__u64 *v;

	if (fd < 0 || ncpu <= 0 || stat("/proc/self/ns/net", &st))
		return;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return;
	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		char name[IF_NAMESIZE] = "unknown", l1[64];
		const char *en;
		__u64 sum = 0;

		prev = &k;
		if (k.netns != (__u32)st.st_ino || bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (i = 0; i < ncpu; i++)
			sum += v[i];
		if (k.ifindex && !if_indextoname(k.ifindex, name))
			snprintf(name, sizeof(name), "ifindex%u", k.ifindex);
		en = strerrorname_np(-k.err);
		if (!head) {
			mb_family(b, "sctplb_xdp_redirect_errors_total", "counter", "XDP redirects "
				  "refused after the program decided (tracepoints xdp:xdp_redirect_err "
				  "and xdp:xdp_devmap_xmit), by target interface and errno: frames "
				  "counted as forwarded that never left");
			head = true;
		}
		mb_printf(b, "sctplb_xdp_redirect_errors_total{interface=\"%s\",errno=\"%s\"} %llu\n",
			  lv(name, l1, sizeof(l1)), en ? en : "unknown", (unsigned long long)sum);
	}
	free(v);
}

/* ---- one scrape ---- */

struct metrics_ctx {
	const char *agent_dir;  /* --agent-pin-path, or NULL */
	struct lb_failover fo;  /* the data path of every association at the last scrape */
};

/* The agent's stats, from its pin dir; false if it has none. */
static bool read_agent_stats(const char *dir, __u64 *out)
{
	char path[LB_PIN_PATH_MAX + 16];
	int fd, err;

	snprintf(path, sizeof(path), "%s/stats", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	err = read_stats(fd, out);
	close(fd);
	return !err;
}

/* The whole text, or NULL with *status set and the error in *err. */
static char *scrape(struct metrics_ctx *ctx, size_t *len, char *err, size_t errlen)
{
	__u64 fwd[SCTPLB_STAT_MAX], agent[SCTPLB_STAT_MAX];
	struct assoc_walk w = { .fo = &ctx->fo, .now = now_monotonic_ns() };
	struct sctplb_config cfg = {};
	struct path_row *rows = NULL;
	struct mbuf b = { 0 };
	size_t n = 0;
	struct lb_model md;
	struct lb_maps m;
	bool have_agent;
	int e;

	e = lb_maps_open(&m, g.pin_path, 0, NULL);
	if (e) {
		snprintf(err, errlen, "cannot open the maps under %s: %s\n", g.pin_path,
			 lb_err_msg() ? lb_err_msg() : strerror(-e));
		lb_err_clear();
		return NULL;
	}
	e = lb_model_read(&m, &md);
	if (e) {
		snprintf(err, errlen, "cannot read the configuration under %s: %s\n", g.pin_path,
			 lb_err_msg() ? lb_err_msg() : strerror(-e));
		lb_err_clear();
		lb_maps_close(&m);
		return NULL;
	}
	if (read_stats(m.fd[LB_STATS], fwd))
		memset(fwd, 0, sizeof(fwd));
	have_agent = ctx->agent_dir && read_agent_stats(ctx->agent_dir, agent);
	mb_family(&b, "sctplb_build_info", "gauge", "the version of sctplb and of its BPF ABI");
	mb_printf(&b, "sctplb_build_info{version=\"%s\",abi=\"%d\"} 1\n", SCTPLB_VERSION,
		  SCTPLB_ABI_VERSION);
	emit_stats(&b, fwd, have_agent ? agent : NULL);
	emit_ppid(&b, &md, m.fd[LB_PPID_STATS]);
	/* One walk of the associations: the paths' clients, the gauges, the failovers,
	 * the two tables' fill. */
	lb_settings_read(&m, &cfg);
	w.silent_ns = lb_path_silent_ns(&cfg);
	lb_failover_begin(&ctx->fo);
	if (read_paths(&m, &rows, &n, see_assoc, &w))
		n = 0;
	lb_failover_end(&ctx->fo);
	emit_paths(&b, &md, rows, n);
	emit_assocs(&b, &md, &m, &w);
	emit_tables(&b, &m, &w);
	free(rows);
	free(w.c.v);
	free(w.hh.v);
	emit_netdev(&b);
	emit_redirect_errs(&b, m.fd[LB_REDIRECT_ERRS]);
	lb_model_free(&md);
	lb_maps_close(&m);
	if (b.oom) {
		free(b.p);
		snprintf(err, errlen, "out of memory\n");
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct metrics_ctx *ctx = cls;
	struct MHD_Response *r;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char err[512];
	size_t len = 0;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "only GET /metrics\n";

		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") && strcmp(url, "/")) {
		static const char msg[] = "not found: the metrics are at /metrics\n";

		r = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else if ((body = scrape(ctx, &len, err, sizeof(err)))) {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						"text/plain; version=0.0.4; charset=utf-8");
	} else {
		r = MHD_create_response_from_buffer(strlen(err), err, MHD_RESPMEM_MUST_COPY);
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* ADDR:PORT or [ADDR6]:PORT into ss; false with the error printed. */
static bool parse_listen(const char *v, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(v, ':');
	unsigned long port;
	char *end;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		goto bad;
	hl = colon - v;
	if (hl >= 2 && v[0] == '[' && v[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (hl - 2 >= sizeof(host))
			goto bad;
		memcpy(host, v + 1, hl - 2);
		host[hl - 2] = 0;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		return true;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, v, hl);
		host[hl] = 0;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		return true;
	}
bad:
	fprintf(stderr, "Error: --listen %s: give ADDR:PORT, e.g. 127.0.0.1:9464 or "
		"[::1]:9464 (port 1 to 65535)\n", v);
	return false;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int do_metrics(const struct cmd_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct metrics_ctx ctx = { .agent_dir = arg_opt(a, "agent-pin-path") };
	const char *listen = arg_opt(a, "listen");
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	struct lb_maps m;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	int err;

	if (!parse_listen(listen, &ss))
		return -EINVAL;
	if (ctx.agent_dir && access(ctx.agent_dir, F_OK)) {
		fprintf(stderr, "Error: --agent-pin-path %s: %s; give the agent's pin directory "
			"(agent attach --pin-path, default /sys/fs/bpf/sctplb-agent)\n", ctx.agent_dir,
			strerror(errno));
		return -ENOENT;
	}
	/* The maps must be there now: a typo in --pin-path fails at once, not per scrape. */
	err = open_maps(&m, false);
	if (err)
		return err;
	lb_maps_close(&m);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	d = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&ss)->sin_port), NULL, NULL,
			     answer, &ctx, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "Error: cannot listen on %s (%s): is the address local and the port "
			"free? Try another --listen\n", listen, strerror(errno));
		return -EADDRINUSE;
	}
	printf("metrics: serving http://%s/metrics from %s until SIGTERM or SIGINT\n", listen,
	       g.pin_path);
	fflush(stdout);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	lb_failover_free(&ctx.fo);
	printf("metrics: stopped\n");
	return 0;
}
