/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The checks of the table-driven datapath tests: see table.h. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "table.h"

void tb_fail(struct tb_failure *f, const char *fmt, ...)
{
	va_list ap;

	if (f->len && f->len < sizeof(f->msg) - 2)
		f->len += snprintf(f->msg + f->len, sizeof(f->msg) - f->len, "; ");
	va_start(ap, fmt);
	if (f->len < sizeof(f->msg))
		f->len += vsnprintf(f->msg + f->len, sizeof(f->msg) - f->len, fmt, ap);
	va_end(ap);
}

void tb_add_deltas(uint64_t want[SCTPLB_STAT_MAX], const struct tb_stat_delta *d, int nd)
{
	int i;

	for (i = 0; i < nd && d[i].n; i++)
		want[d[i].stat] += d[i].n;
}

void tb_check_stats(const uint64_t s0[SCTPLB_STAT_MAX], const uint64_t s1[SCTPLB_STAT_MAX],
		    const uint64_t want[SCTPLB_STAT_MAX], uint64_t ignore, struct tb_failure *f)
{
	int i;

	for (i = 0; i < SCTPLB_STAT_MAX; i++) {
		if (i < 64 && (ignore & (1ull << i)))
			continue;
		/* The event stream's own counters: tests/bpf/test_events checks them. */
		if (i == SCTPLB_STAT_EVENTS || i == SCTPLB_STAT_EVENT_RATELIMITED ||
		    i == SCTPLB_STAT_EVENT_LOST)
			continue;
		if (s1[i] - s0[i] != want[i])
			tb_fail(f, "counter %s: expected +%llu, got +%llu", fx_stat_name(i),
				(unsigned long long)want[i], (unsigned long long)(s1[i] - s0[i]));
	}
}

void tb_check_output(const struct tb_frames *io, struct tb_failure *f)
{
	const uint8_t *out = io->out, *want = io->want;
	size_t out_len = io->out_len;
	int i, len = io->len;

	if (out_len != (size_t)len) {
		tb_fail(f, "output length: expected %d, got %zu", len, out_len);
	} else if (memcmp(out, want, len)) {
		for (i = 0; i < len && out[i] == want[i]; i++)
			;
		tb_fail(f, "output bytes differ from offset %d: expected %02x, got %02x%s", i,
			want[i], out[i], i < 12 ? " (MACs)" : "");
	}
}

void tb_check_decision(const struct sctplb_decision *d, uint32_t svc, uint32_t backend,
		       uint8_t path, int reason, struct tb_failure *f)
{
	if (svc != TB_DC && d->service_id != svc)
		tb_fail(f, "trace service: expected %u, got %u", svc, d->service_id);
	if (svc != TB_DC && backend != TB_DC && (d->backend_id != backend || d->path != path))
		tb_fail(f, "trace backend/path: expected %u/%u, got %u/%u", backend, path,
			d->backend_id, d->path);
	if (reason && d->reason != (uint32_t)reason)
		tb_fail(f, "trace reason: expected %s, got %s", fx_stat_name(reason),
			fx_stat_name(d->reason));
}

const char *const TB_BACKENDS[TB_NBACKENDS][SCTPLB_MAX_PATHS] = {
	[1] = { "192.0.2.11", "2001:db8:1::11" },     /* TX / REDIRECT */
	[2] = { "198.51.100.12", "2001:db8::12" },    /* REDIRECT / TX */
	[3] = { "192.0.2.130", "2001:db8:2::13" },    /* through the gateways */
	[4] = { "192.0.2.99", "2001:db8::99" },       /* on-link, no neighbour */
	[5] = { "203.0.113.250", "2001:db8:e::5" },   /* no route / unreachable */
	[6] = { NULL, "2001:db8:1::16" },             /* no address on path 0 */
	[7] = { "192.0.2.17", NULL },                 /* no address on path 1 */
};

int tb_setup(struct fx *fx, uint32_t nbackends)
{
	static const char *const vips[] = { VIP4, VIP6 };
	uint32_t id;

	if (fx_load(fx) || fx_service(fx, SVC, PORT, vips, 2, ENCAP))
		return -1;
	for (id = 1; id < nbackends && id < TB_NBACKENDS; id++)
		if (fx_backend(fx, id, SVC, SCTPLB_BE_F_ACTIVE, TB_BACKENDS[id]))
			return -1;
	return fx_table_all(fx, SVC, 1);
}

int tb_run(const char *test, struct fx *fx, int (*setup)(struct fx *fx),
	   const struct tb_scenario *sc, size_t n, size_t case_size,
	   bool (*run_case)(struct fx *fx, const char *scenario, const void *c))
{
	int failed = 0, ran = 0;
	const char *c;
	size_t s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_netns_setup(fx)) {
		printf("FAIL %s: fixture: no private network namespace\n", test);
		return 1;
	}
	for (s = 0; s < n; s++) {
		if (setup(fx) || (sc[s].setup && sc[s].setup(fx))) {
			printf("FAIL %s: cannot load and configure sctplb\n", sc[s].name);
			failed++;
			if (sc[s].teardown)
				sc[s].teardown(fx);
			fx_unload(fx);
			continue;
		}
		for (c = sc[s].cases; *(const char *const *)c; c += case_size, ran++)
			failed += !run_case(fx, sc[s].name, c);
		if (sc[s].teardown && sc[s].teardown(fx)) {
			printf("FAIL %s: cannot detach the tc program\n", sc[s].name);
			failed++;
		}
		fx_unload(fx);
	}
	fprintf(stderr, "%d cases, %d failed\n", ran, failed);
	return failed ? 1 : 0;
}

int tb_prepare(struct fx *fx, const char *scenario, const char *name,
	       int (*before)(struct fx *fx), const struct pkt_spec *spec, const uint8_t dst_mac[6],
	       struct tb_frames *io)
{
	io->len = io->out_len = 0;
	if (before && before(fx)) {
		printf("FAIL %s: %s: configuration change failed\n", scenario, name);
		return -1;
	}
	io->len = pkt_build(spec, dst_mac, io->in, &io->info);
	if (io->len < 0) {
		printf("FAIL %s: %s: cannot build the packet\n", scenario, name);
		return -1;
	}
	memcpy(io->want, io->in, io->len);
	return io->len;
}

bool tb_next_hop(struct fx *fx, const char *scenario, const char *name, uint32_t backend,
		 uint8_t path, uint32_t nbackends, bool neigh, struct fx_nexthop *nh,
		 uint8_t *want)
{
	const char *addr = backend < nbackends && backend < TB_NBACKENDS ?
			   TB_BACKENDS[backend][path] : NULL;

	if (!addr || fx_nexthop(addr, nh) == neigh) {
		printf("FAIL %s: %s: table error: backend %u has no%s next hop on path %u\n",
		       scenario, name, backend, neigh ? " neighbour-less" : "", path);
		return false;
	}
	if (!neigh) {
		memcpy(want, nh->mac, 6);
		memcpy(want + 6, nh->out ? fx->mac_out : fx->mac_in, 6);
	}
	return true;
}

void tb_case_init(struct tb_case *r, const struct pkt_spec *spec)
{
	memset(r, 0, sizeof(*r));
	r->spec = *spec;
}

void tb_snap(struct fx *fx, const uint32_t *pk, const struct sctplb_assoc_key *ak,
	     struct tb_snap *s)
{
	long *n = s->n;

	memset(&s->path, 0, sizeof(s->path));
	memset(&s->assoc, 0, sizeof(s->assoc));
	s->have_path = pk && fx_path_stats(fx, *pk, &s->path);
	s->have_assoc = ak && !fx_assoc_lookup(fx, ak, &s->assoc, NULL);
	fx_stats(fx, s->stats);
	n[0] = fx_count(fx->assocs) + fx_pending_count(fx);
	n[1] = fx_handshake_count(fx);
	n[2] = fx_client_count(fx);
	n[3] = fx_ctag_count(fx);
	n[4] = fx_path_slots(fx);
}

void tb_check_growth(const long n0[TB_STATE_N], const long n1[TB_STATE_N],
		     const int want_new[TB_STATE_GROWN], struct tb_failure *f)
{
	static const char *const names[TB_STATE_GROWN] = { "assocs", "handshakes",
							   "client_index", "assoc_ctags" };
	int i;

	for (i = 0; i < TB_STATE_GROWN; i++)
		if (want_new[i] != TB_ANY && n1[i] - n0[i] != want_new[i])
			tb_fail(f, "%s: expected %+d entries, got %+ld", names[i], want_new[i],
				n1[i] - n0[i]);
}

void tb_check_counters(const struct sctplb_path_counters *b,
		       const struct sctplb_path_counters *a, const char *what, int data, int hb,
		       uint32_t ip_len, uint64_t t0, uint64_t t1, struct tb_failure *f)
{
	if (a->packets - b->packets != 1 || a->bytes - b->bytes != ip_len ||
	    a->data_chunks - b->data_chunks != (uint64_t)data ||
	    a->heartbeats - b->heartbeats != (uint64_t)hb)
		tb_fail(f, "%s: expected +{packets 1, bytes %u, data %d, hb %d}, got +{%llu, %llu, %llu, %llu}",
			what, ip_len, data, hb,
			(unsigned long long)(a->packets - b->packets),
			(unsigned long long)(a->bytes - b->bytes),
			(unsigned long long)(a->data_chunks - b->data_chunks),
			(unsigned long long)(a->heartbeats - b->heartbeats));
	if (a->last_seen_ns < t0 || a->last_seen_ns > t1)
		tb_fail(f, "%s: last_seen_ns %llu outside [%llu, %llu]", what,
			(unsigned long long)a->last_seen_ns, (unsigned long long)t0,
			(unsigned long long)t1);
	/* Path health: last_data_ns moves with DATA only (a HEARTBEAT keeps it). */
	if (data && (a->last_data_ns < t0 || a->last_data_ns > t1))
		tb_fail(f, "%s: last_data_ns %llu outside [%llu, %llu] after DATA", what,
			(unsigned long long)a->last_data_ns, (unsigned long long)t0,
			(unsigned long long)t1);
	if (!data && a->last_data_ns != b->last_data_ns)
		tb_fail(f, "%s: last_data_ns moved (%llu -> %llu) without DATA", what,
			(unsigned long long)b->last_data_ns, (unsigned long long)a->last_data_ns);
}

void tb_check_assoc_path(const struct sctplb_assoc *b, const struct sctplb_assoc *a, uint8_t p,
			 const struct sctplb_addr *src, int data, int hb, uint32_t ip_len,
			 uint64_t t0, uint64_t t1, struct tb_failure *f)
{
	const struct sctplb_assoc_path *ap = &a->path[p];
	__u32 s0 = sctplb_stamp(t0), s1 = sctplb_stamp(t1);

	(void)hb;
	(void)ip_len; /* counted per backend and path: path_stats */
	if (ap->family != src->family || memcmp(ap->caddr, src->addr, sizeof(ap->caddr)))
		tb_fail(f, "assoc path[%u] client: not the packet's source", p);
	if (ap->seen < s0 || ap->seen > s1)
		tb_fail(f, "assoc path[%u] seen %u outside [%u, %u]", p, ap->seen, s0, s1);
	/* Path health: the data stamp moves with DATA only (a HEARTBEAT keeps it). */
	if (data && (ap->data < s0 || ap->data > s1))
		tb_fail(f, "assoc path[%u] data %u outside [%u, %u] after DATA", p, ap->data, s0, s1);
	if (!data && ap->data != b->path[p].data)
		tb_fail(f, "assoc path[%u] data moved (%u -> %u) without DATA", p, b->path[p].data,
			ap->data);
}

bool tb_neigh_exists(const char *addr)
{
	char cmd[128], line[256];
	FILE *p;
	bool found = false;

	snprintf(cmd, sizeof(cmd), "ip neigh show to %s", addr);
	p = popen(cmd, "r");
	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		found |= strncmp(line, addr, strlen(addr)) == 0;
	pclose(p);
	return found;
}

static void check_assoc(const struct tb_maps *w, const struct tb_map_check *m, uint16_t cp,
			struct tb_failure *f)
{
	struct sctplb_assoc_key k = fx_assoc_key(w->svc, m->tag, cp, w->sport_n);
	struct sctplb_assoc a;
	bool pending = false;
	bool found = !fx_assoc_lookup(w->fx, &k, &a, &pending);
	uint32_t flags = w->assoc_flags ? m->flags : a.flags;

	if (m->absent) {
		if (found)
			tb_fail(f, "assocs[%#x]: expected absent, got backend %u flags %#x",
				m->tag, a.backend_id, a.flags);
		return;
	}
	if (!found) {
		tb_fail(f, "assocs[%#x]: expected present, got absent", m->tag);
		return;
	}
	if (m->table && pending != (m->table == TB_PENDING))
		tb_fail(f, "assocs[%#x]: expected %s, got %s", m->tag,
			m->table == TB_PENDING ? "unconfirmed" : "confirmed",
			pending ? "unconfirmed" : "confirmed");
	if (a.backend_id != m->backend || a.ctag != m->ctag || a.state != m->state ||
	    a.flags != flags)
		tb_fail(f, "assocs[%#x]: expected {backend %u, ctag %#x, state %u, flags %#x}, got {%u, %#x, %u, %#x}",
			m->tag, m->backend, m->ctag, m->state, flags, a.backend_id, a.ctag, a.state,
			a.flags);
	if (!m->any_created && !a.created)
		tb_fail(f, "assocs[%#x]: created 0", m->tag);
	/* Stamps (include/sctplb.h): a second's resolution. */
	if (m->state == SCTPLB_ASSOC_CLOSING && m->now &&
	    (a.closing < sctplb_stamp(w->t0) || a.closing > sctplb_stamp(w->t1)))
		tb_fail(f, "assocs[%#x]: closing %u not stamped by this packet [%u, %u]",
			m->tag, a.closing, sctplb_stamp(w->t0), sctplb_stamp(w->t1));
	if (m->state == SCTPLB_ASSOC_CLOSING && !m->now &&
	    (!a.closing || a.closing > sctplb_stamp(w->t0)))
		tb_fail(f, "assocs[%#x]: closing %u changed by this packet (CLOSING once)",
			m->tag, a.closing);
}

static void check_handshake(const struct tb_maps *w, const struct tb_map_check *m, uint16_t cp,
			    struct tb_failure *f)
{
	struct sctplb_client_key k = fx_client_key(w->svc, cp, m->addr);
	struct sctplb_handshake h;
	bool found = !fx_handshake_lookup(w->fx, &k, &h);

	if (m->absent && found)
		tb_fail(f, "handshakes[%s]: expected absent, got backend %u", m->addr, h.backend_id);
	else if (!m->absent && !found)
		tb_fail(f, "handshakes[%s]: expected present, got absent", m->addr);
	else if (!m->absent && (h.backend_id != m->backend || h.ctag != m->ctag ||
				h.path != m->path))
		tb_fail(f, "handshakes[%s]: expected {backend %u, Tc %#x, path %u}, got {%u, %#x, %u}",
			m->addr, m->backend, m->ctag, m->path, h.backend_id, h.ctag, h.path);
	else if (!m->absent && w->handshake_created && !h.created_ns)
		tb_fail(f, "handshakes[%s]: created_ns 0", m->addr);
}

void tb_check_maps(const struct tb_maps *w, const struct tb_map_check ms[TB_MAPS],
		   struct tb_failure *f)
{
	int i;

	for (i = 0; i < TB_MAPS && ms[i].kind != K_NONE; i++) {
		const struct tb_map_check *m = &ms[i];
		uint16_t cp = m->cport ? htons(m->cport) : w->cport_n;

		switch (m->kind) {
		case K_ASSOC:
			check_assoc(w, m, cp, f);
			break;
		case K_HANDSHAKE:
			check_handshake(w, m, cp, f);
			break;
		case K_CLIENT: {
			/* The restart rule's association of the address: confirmed
			 * (client_index), else unconfirmed (its handshake's Ts). */
			struct sctplb_client_key k = fx_client_key(w->svc, cp, m->addr);
			struct sctplb_handshake h;
			struct sctplb_client v;

			if (fx_client_lookup(w->fx, &k, &v) &&
			    !fx_handshake_lookup(w->fx, &k, &h) && h.stag) {
				v.backend_id = h.backend_id;
				v.stag = h.stag;
			} else if (fx_client_lookup(w->fx, &k, &v)) {
				tb_fail(f, "client_index[%s] (or its handshake's Ts): expected {backend %u, Ts %#x}, got absent",
					m->addr, m->backend, m->stag);
				break;
			}
			if (v.backend_id != m->backend || v.stag != m->stag)
				tb_fail(f, "client_index[%s] (or its handshake's Ts): expected {backend %u, Ts %#x}, got {%u, %#x}",
					m->addr, m->backend, m->stag, v.backend_id, v.stag);
			break;
		}
		case K_CTAG: {
			struct sctplb_assoc_key k = fx_assoc_key(w->svc, m->tag, cp, w->sport_n);
			struct sctplb_ctag_value v;
			bool pending = false;

			if (fx_ctag_lookup(w->fx, &k, &v, &pending))
				tb_fail(f, "assoc_ctags[%#x]: expected Ts %#x, got absent", m->tag, m->stag);
			else if (m->table && pending != (m->table == TB_PENDING))
				tb_fail(f, "assoc_ctags[%#x]: expected %s, got %s", m->tag,
					m->table == TB_PENDING ? "unconfirmed" : "confirmed",
					pending ? "unconfirmed" : "confirmed");
			else if (v.stag != m->stag)
				tb_fail(f, "assoc_ctags[%#x]: expected Ts %#x, got %#x", m->tag, m->stag,
					v.stag);
			break;
		}
		case K_NEIGH:
			if (!tb_neigh_exists(m->addr))
				tb_fail(f, "neighbour %s: expected an entry (bpf_redirect_neigh resolving it), got none",
					m->addr);
			break;
		default:
			break;
		}
	}
}
