// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gc_sweep() and gc_remove_owned() against real maps (the skeleton's,
 * created unpinned, programs not loaded), with injected times: entries of
 * various ages and states, one sweep at an injected "now", then exactly what
 * remains.  Needs root (BPF maps).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "err.h"
#include "gc.h"
#include "pinned.h"
#include "settable.h"
#include "sctplb.skel.h"

#define S(x) ((__u64)(x) * 1000000000ull)
#define NOW S(100000)           /* injected: 27 h after boot */
#define SPORT 3868
#define MAX_ASSOCS 16384

static int failed;
static struct lb_maps m;

#define CHECK(name, cond, ...) do {                                     \
	if (cond) printf("PASS %s\n", name);                             \
	else { printf("FAIL %s: ", name); printf(__VA_ARGS__); printf("\n"); failed = 1; } \
} while (0)

static struct sctplb_assoc_key akey(__u32 svc, __u32 vtag, __u16 cport)
{
	struct sctplb_assoc_key k = { .service_id = svc, .vtag = vtag, .cport = htons(cport),
				      .sport = htons(SPORT) };
	return k;
}

static struct sctplb_client_key ckey(__u32 svc, __u16 cport, const char *addr)
{
	struct sctplb_client_key k = { .service_id = svc, .cport = htons(cport) };

	if (strchr(addr, ':')) {
		k.family = SCTPLB_AF_INET6;
		inet_pton(AF_INET6, addr, k.caddr);
	} else {
		k.family = SCTPLB_AF_INET;
		inet_pton(AF_INET, addr, k.caddr);
	}
	return k;
}

struct spec {
	__u32 svc, vtag, ctag, backend, state, flags;
	__u16 cport;
	__u64 last_seen, closing;       /* absolute ns */
	const char *client[2];          /* path 0, 1 client addresses (NULL: none) */
	bool index;                     /* client_index entries for those addresses */
};

static const struct lb_settable *table_of(int fd);

/* An association as the datapath writes it: assocs, assoc_ctags, client_index;
 * or, pending, the unconfirmed tables. */
static void put_assoc_in(const struct spec *s, bool pending)
{
	struct sctplb_assoc a = {};
	struct sctplb_assoc_key k = akey(s->svc, s->vtag, s->cport), ck = k;
	struct sctplb_ctag_value cv = { .stag = s->vtag };
	struct sctplb_client cl = { .backend_id = s->backend, .stag = s->vtag };
	int p;

	a.backend_id = s->backend;
	a.ctag = s->ctag;
	a.state = s->state;
	a.flags = s->flags;
	a.created = sctplb_stamp(s->last_seen - S(1));
	a.seen = sctplb_stamp(s->last_seen);
	a.closing = sctplb_stamp(s->closing);
	for (p = 0; p < 2; p++) {
		struct sctplb_client_key c;

		if (!s->client[p])
			continue;
		c = ckey(s->svc, s->cport, s->client[p]);
		a.path[p].family = c.family;
		memcpy(a.path[p].caddr, c.caddr, 16);
		a.path[p].seen = sctplb_stamp(s->last_seen);
		if (s->index && lb_settable_put(table_of(m.fd[LB_CLIENT_INDEX]), &c, &cl, a.seen))
			printf("setup: client_index\n");
	}
	ck.vtag = s->ctag;
	if (pending) {
		if (lb_settable_put(table_of(m.fd[LB_PENDING]), &k, &a, a.created) ||
		    (s->ctag && lb_settable_put(table_of(m.fd[LB_PENDING_CTAGS]), &ck, &cv, a.created)))
			printf("setup: assocs_pending, pending_ctags\n");
		return;
	}
	if (bpf_map_update_elem(m.fd[LB_ASSOCS], &k, &a, BPF_ANY))
		printf("setup: assocs: %s\n", strerror(errno));
	if (s->ctag)
		bpf_map_update_elem(m.fd[LB_ASSOC_CTAGS], &ck, &cv, BPF_ANY);
}

static void put_assoc(const struct spec *s)
{
	put_assoc_in(s, false);
}

static void put_pending(const struct spec *s)
{
	put_assoc_in(s, true);
}

static void put_client(__u32 svc, __u16 cport, const char *addr, __u32 backend, __u32 stag)
{
	struct sctplb_client_key k = ckey(svc, cport, addr);
	struct sctplb_client v = { .backend_id = backend, .stag = stag };

	if (lb_settable_put(table_of(m.fd[LB_CLIENT_INDEX]), &k, &v, 1))
		printf("setup: client_index\n");
}

/* path_stats[backend, path, dir]: packets on CPU 0 (put), summed over CPUs (get). */
static void put_path_packets(__u32 be, __u32 path, __u32 dir, __u64 packets)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sctplb_path_counters *v = calloc(ncpu, sizeof(*v));
	__u32 k = sctplb_path_index(be, path, dir);

	if (!v)
		return;
	v[0].packets = packets;
	if (bpf_map_update_elem(m.fd[LB_PATH_STATS], &k, v, BPF_ANY))
		printf("setup: path_stats: %s\n", strerror(errno));
	free(v);
}

static __u64 path_packets(__u32 be, __u32 path, __u32 dir)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	struct sctplb_path_counters *v = calloc(ncpu, sizeof(*v));
	__u32 k = sctplb_path_index(be, path, dir);
	__u64 t = 0;

	if (v && !bpf_map_lookup_elem(m.fd[LB_PATH_STATS], &k, v))
		for (c = 0; c < ncpu; c++)
			t += v[c].packets;
	free(v);
	return t;
}

static void put_hs(__u32 svc, __u16 cport, const char *addr, __u32 backend, __u64 created)
{
	struct sctplb_client_key k = ckey(svc, cport, addr);
	struct sctplb_handshake h = { .backend_id = backend, .ctag = 0x77, .created_ns = created };

	struct lb_settable t;

	if (lb_settable_open(&t, &m, LB_HANDSHAKES) || lb_settable_put(&t, &k, &h, sctplb_stamp(created)))
		fprintf(stderr, "test_gc: cannot put a handshake\n");
}

static void put_backend(__u32 id, __u32 svc, bool active)
{
	struct sctplb_backend b = { .service_id = svc, .flags = active ? SCTPLB_BE_F_ACTIVE : 0 };

	bpf_map_update_elem(m.fd[LB_BACKENDS], &id, &b, BPF_ANY);
}

static bool has_assoc(__u32 svc, __u32 vtag, __u16 cport)
{
	struct sctplb_assoc_key k = akey(svc, vtag, cport);
	struct sctplb_assoc a;

	return bpf_map_lookup_elem(m.fd[LB_ASSOCS], &k, &a) == 0;
}

static bool has_ctag(__u32 svc, __u32 ctag, __u16 cport)
{
	struct sctplb_assoc_key k = akey(svc, ctag, cport);
	struct sctplb_ctag_value v;

	return bpf_map_lookup_elem(m.fd[LB_ASSOC_CTAGS], &k, &v) == 0;
}

static bool has_client(__u32 svc, __u16 cport, const char *addr)
{
	struct sctplb_client_key k = ckey(svc, cport, addr);
	struct sctplb_client v;

	return lb_settable_lookup(table_of(m.fd[LB_CLIENT_INDEX]), &k, &v, NULL) == 0;
}

static bool has_hs(__u32 svc, __u16 cport, const char *addr)
{
	struct sctplb_client_key k = ckey(svc, cport, addr);
	struct sctplb_handshake v;
	struct lb_settable t;

	return !lb_settable_open(&t, &m, LB_HANDSHAKES) && lb_settable_lookup(&t, &k, &v, NULL) == 0;
}

/* The set-associative table whose fd is fd (handshakes, the unconfirmed
 * associations and their Tc index), or NULL for a hash map. */
static const struct lb_settable *table_of(int fd)
{
	static const enum lb_map_id ids[] = { LB_HANDSHAKES, LB_PENDING, LB_PENDING_CTAGS,
					      LB_CLIENT_INDEX };
	static struct lb_settable t[4];
	size_t i;

	for (i = 0; i < 4; i++)
		if (fd == m.fd[ids[i]])
			return lb_settable_open(&t[i], &m, ids[i]) ? NULL : &t[i];
	return NULL;
}

static unsigned int count(int fd, size_t ksz)
{
	unsigned char k[64], n[64];
	unsigned int c = 0;
	void *prev = NULL;
	const struct lb_settable *t = table_of(fd);

	if (t)  /* a set-associative table: its entries */
		return (unsigned int)lb_settable_count(t);
	while (bpf_map_get_next_key(fd, prev, n) == 0) {
		memcpy(k, n, ksz);
		prev = k;
		c++;
	}
	return c;
}

static void clear(int fd, size_t ksz)
{
	unsigned char k[64];
	const struct lb_settable *t = table_of(fd);
	void *empty;
	__u32 i;

	if (t) { /* an array of sets: every set emptied */
		empty = calloc(1, t->l.set_size);
		for (i = 0; empty && i < t->nsets; i++)
			bpf_map_update_elem(fd, &i, empty, BPF_ANY);
		free(empty);
		return;
	}
	while (bpf_map_get_next_key(fd, NULL, k) == 0)
		bpf_map_delete_elem(fd, k);
	(void)ksz;
}

static void clear_all(void)
{
	clear(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key));
	clear(m.fd[LB_ASSOC_CTAGS], sizeof(struct sctplb_assoc_key));
	clear(m.fd[LB_CLIENT_INDEX], sizeof(struct sctplb_client_key));
	clear(m.fd[LB_HANDSHAKES], sizeof(struct sctplb_client_key));
	clear(m.fd[LB_PENDING], sizeof(struct sctplb_assoc_key));
	clear(m.fd[LB_PENDING_CTAGS], sizeof(struct sctplb_assoc_key));
}

/* ---- the sweep: ages and states ---- */

enum {
	V_ENDED_OLD = 0x100, V_ENDED_NEW, V_IDLE, V_ACTIVE, V_INITACK, V_RESTARTED, V_FUTURE,
	V_ORPHAN, V_ENDED_NOTS, V_ENDED_TALKING,
};

/* The grace of an ended association counts from its end (the closing stamp),
 * not from its last packet: one ended 6 s ago (grace 5) that a packet touched
 * 1 s ago (a retransmitted SHUTDOWN-COMPLETE, a stray) goes. */
static void test_grace_from_end(void)
{
	const struct sctplb_config defaults = {};
	struct gc_result r;
	int err;

	clear_all();
	put_assoc(&(struct spec){ 1, V_ENDED_TALKING, 0, 1, SCTPLB_ASSOC_CLOSING, 0, 40009,
				  NOW - S(1), NOW - S(6), { NULL, NULL }, false });
	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("ended_grace_from_its_end_not_later_packets",
	      err == 0 && !has_assoc(1, V_ENDED_TALKING, 40009) && r.assocs_closed == 1,
	      "err %d, still there %d, closed %u (want 0 0 1)", err,
	      has_assoc(1, V_ENDED_TALKING, 40009), r.assocs_closed);
}

static void test_sweep(void)
{
	const struct sctplb_config defaults = {};
	struct gc_result r;
	int err;

	clear_all();
	/* Ended 6 s ago (grace 5): removed, with its ctag and both client_index keys. */
	put_assoc(&(struct spec){ 1, V_ENDED_OLD, 0xc100, 1, SCTPLB_ASSOC_CLOSING, 0, 40001,
				  NOW - S(6), NOW - S(6), { "192.0.2.1", "2001:db8::1" }, true });
	/* Ended 4 s ago: kept, and its indexes. */
	put_assoc(&(struct spec){ 1, V_ENDED_NEW, 0xc101, 1, SCTPLB_ASSOC_CLOSING, 0, 40002,
				  NOW - S(4), NOW - S(4), { "192.0.2.2", NULL }, true });
	/* Idle 301 s (timeout 300): removed. */
	put_assoc(&(struct spec){ 1, V_IDLE, 0xc102, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 40003,
				  NOW - S(301), 0, { "192.0.2.3", "2001:db8::3" }, true });
	/* Idle 299 s: kept. */
	put_assoc(&(struct spec){ 1, V_ACTIVE, 0xc103, 2, SCTPLB_ASSOC_ESTABLISHED, 0, 40004,
				  NOW - S(299), 0, { "192.0.2.4", NULL }, true });
	/* Learnt from the INIT-ACK, never a packet from the client: no path address
	 * recorded; its client_index entry is found by the scan. */
	put_assoc(&(struct spec){ 1, V_INITACK, 0xc104, 2, SCTPLB_ASSOC_ESTABLISHED,
				  SCTPLB_ASSOC_F_FROM_INIT_ACK, 40005, NOW - S(400), 0, { NULL, NULL }, false });
	put_client(1, 40005, "192.0.2.5", 2, V_INITACK);
	/* The idle association's second address now belongs to a restarted
	 * association of the same client (another Ts): that entry stays. */
	put_assoc(&(struct spec){ 1, V_RESTARTED, 0xc105, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 40003,
				  NOW - S(1), 0, { "198.51.100.3", NULL }, true });
	put_client(1, 40003, "2001:db8::3", 1, V_RESTARTED);
	/* A ctag entry whose Tc was reused by another association: stays. */
	{
		struct sctplb_assoc_key ck = akey(1, 0xc102, 40003);
		struct sctplb_ctag_value cv = { .stag = V_RESTARTED };

		bpf_map_update_elem(m.fd[LB_ASSOC_CTAGS], &ck, &cv, BPF_ANY);
	}
	/* last_seen after the injected now (another CPU, a later clock): kept. */
	put_assoc(&(struct spec){ 1, V_FUTURE, 0, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 40006,
				  NOW + S(2), 0, { "192.0.2.6", NULL }, true });
	/* Backend 9 does not exist (its deletion's cleanup failed): removed though active. */
	put_assoc(&(struct spec){ 1, V_ORPHAN, 0xc107, 9, SCTPLB_ASSOC_ESTABLISHED, 0, 40007,
				  NOW - S(1), 0, { "192.0.2.7", NULL }, true });
	/* CLOSING without closing_ns: the grace counts from last_seen. */
	put_assoc(&(struct spec){ 1, V_ENDED_NOTS, 0, 1, SCTPLB_ASSOC_CLOSING, 0, 40008,
				  NOW - S(10), 0, { NULL, NULL }, false });
	/* Handshakes: 11 s (timeout 10) removed, 9 s kept, of a missing backend removed. */
	put_hs(1, 50001, "192.0.2.101", 1, NOW - S(11));
	put_hs(1, 50002, "192.0.2.102", 1, NOW - S(9));
	put_hs(1, 50003, "2001:db8::103", 2, NOW - S(11));
	put_hs(1, 50004, "192.0.2.104", 9, NOW - S(1));

	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("sweep_ok", err == 0, "gc_sweep: %s", strerror(-err));
	CHECK("ended_after_grace_removed", !has_assoc(1, V_ENDED_OLD, 40001), "still there");
	CHECK("ended_after_grace_ctag_removed", !has_ctag(1, 0xc100, 40001), "ctag still there");
	CHECK("ended_after_grace_clients_removed",
	      !has_client(1, 40001, "192.0.2.1") && !has_client(1, 40001, "2001:db8::1"),
	      "client_index entries left");
	CHECK("ended_within_grace_kept", has_assoc(1, V_ENDED_NEW, 40002) && has_ctag(1, 0xc101, 40002) &&
	      has_client(1, 40002, "192.0.2.2"), "association or its indexes removed");
	CHECK("ended_no_closing_ns_removed", !has_assoc(1, V_ENDED_NOTS, 40008), "still there");
	CHECK("idle_removed", !has_assoc(1, V_IDLE, 40003) && !has_client(1, 40003, "192.0.2.3"),
	      "idle association or its client_index left");
	CHECK("active_kept", has_assoc(1, V_ACTIVE, 40004) && has_ctag(1, 0xc103, 40004) &&
	      has_client(1, 40004, "192.0.2.4"), "active association or its indexes removed");
	CHECK("init_ack_learnt_removed_with_client", !has_assoc(1, V_INITACK, 40005) &&
	      !has_ctag(1, 0xc104, 40005) && !has_client(1, 40005, "192.0.2.5"),
	      "association, ctag or client_index (found by scan) left");
	CHECK("client_of_other_assoc_kept", has_client(1, 40003, "2001:db8::3") &&
	      has_assoc(1, V_RESTARTED, 40003) && has_client(1, 40003, "198.51.100.3"),
	      "an entry pointing to the restarted association was removed");
	CHECK("ctag_of_other_assoc_kept", has_ctag(1, 0xc102, 40003), "reused Tc entry removed");
	CHECK("future_last_seen_kept", has_assoc(1, V_FUTURE, 40006), "removed");
	CHECK("orphan_backend_removed", !has_assoc(1, V_ORPHAN, 40007) && !has_ctag(1, 0xc107, 40007) &&
	      !has_client(1, 40007, "192.0.2.7") && !has_hs(1, 50004, "192.0.2.104"),
	      "state of a backend that does not exist left");
	CHECK("stale_handshakes_removed", !has_hs(1, 50001, "192.0.2.101") &&
	      !has_hs(1, 50003, "2001:db8::103"), "a handshake older than 10 s left");
	CHECK("fresh_handshake_kept", has_hs(1, 50002, "192.0.2.102"), "removed");
	CHECK("sweep_counts", r.assocs_closed == 2 && r.assocs_idle == 2 && r.assocs_owned == 1 &&
	      r.ctags == 3 && r.clients == 5 && r.handshakes == 3 && r.assocs_scanned == 9,
	      "closed %u idle %u orphan %u ctags %u clients %u handshakes %u scanned %u",
	      r.assocs_closed, r.assocs_idle, r.assocs_owned, r.ctags, r.clients, r.handshakes,
	      r.assocs_scanned);
	CHECK("remaining_exact", count(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key)) == 4 &&
	      count(m.fd[LB_ASSOC_CTAGS], sizeof(struct sctplb_assoc_key)) == 4 &&
	      count(m.fd[LB_CLIENT_INDEX], sizeof(struct sctplb_client_key)) == 5 &&
	      count(m.fd[LB_HANDSHAKES], sizeof(struct sctplb_client_key)) == 1,
	      "assocs %u ctags %u clients %u handshakes %u",
	      count(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key)),
	      count(m.fd[LB_ASSOC_CTAGS], sizeof(struct sctplb_assoc_key)),
	      count(m.fd[LB_CLIENT_INDEX], sizeof(struct sctplb_client_key)),
	      count(m.fd[LB_HANDSHAKES], sizeof(struct sctplb_client_key)));

	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("sweep_idempotent", err == 0 && gc_total(&r) == 0, "second sweep removed %u", gc_total(&r));

	/* Settings: a shorter idle timeout and grace apply; minutes simulated. */
	{
		struct sctplb_config c = { .idle_timeout_s = 60, .closing_grace_s = 2,
					   .handshake_timeout_s = 30 };

		err = gc_sweep(&m, NOW, &c, &r);
		CHECK("custom_timeouts", err == 0 && !has_assoc(1, V_ACTIVE, 40004) &&
		      !has_assoc(1, V_ENDED_NEW, 40002) && has_assoc(1, V_RESTARTED, 40003) &&
		      has_hs(1, 50002, "192.0.2.102"), "idle 60 s / grace 2 s not applied");
		err = gc_sweep(&m, NOW + S(20), &c, &r);
		CHECK("seconds_later", err == 0 && gc_total(&r) == 0 && has_hs(1, 50002, "192.0.2.102") &&
		      has_assoc(1, V_RESTARTED, 40003), "20 s later: removed %u (handshake 29 s old, "
		      "association idle 21 s: both within their timeouts)", gc_total(&r));
		err = gc_sweep(&m, NOW + S(62), &c, &r);
		CHECK("a_minute_later", err == 0 && !has_hs(1, 50002, "192.0.2.102") &&
		      !has_assoc(1, V_RESTARTED, 40003) && has_assoc(1, V_FUTURE, 40006),
		      "62 s later: handshake (71 s) and association (idle 63 s) should be gone, "
		      "the one seen at +2 s (idle 60 s) kept");
		err = gc_sweep(&m, NOW + S(120), &c, &r);
		CHECK("all_expire_eventually", err == 0 &&
		      count(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key)) == 0 &&
		      count(m.fd[LB_ASSOC_CTAGS], sizeof(struct sctplb_assoc_key)) == 1 &&
		      count(m.fd[LB_CLIENT_INDEX], sizeof(struct sctplb_client_key)) == 0 &&
		      count(m.fd[LB_HANDSHAKES], sizeof(struct sctplb_client_key)) == 0,
		      "left: assocs %u ctags %u (the reused-Tc entry only) clients %u handshakes %u",
		      count(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key)),
		      count(m.fd[LB_ASSOC_CTAGS], sizeof(struct sctplb_assoc_key)),
		      count(m.fd[LB_CLIENT_INDEX], sizeof(struct sctplb_client_key)),
		      count(m.fd[LB_HANDSHAKES], sizeof(struct sctplb_client_key)));
	}
}

/* ---- many entries: several batches, deletes after the scan ---- */

static void test_large(void)
{
	const struct sctplb_config defaults = {};
	unsigned int i, n = 6000, left_idle = 0, idle_clients = 0, left_clients = 0;
	struct gc_result r;
	char a[32];
	int err;

#define LARGE_ADDR(i) snprintf(a, sizeof(a), "10.%u.%u.1", (i) / 250, (i) % 250)
	clear_all();
	for (i = 0; i < n; i++) {
		LARGE_ADDR(i);
		put_assoc(&(struct spec){ 1, 0x10000 + i, 0x20000 + i, 1 + i % 2, SCTPLB_ASSOC_ESTABLISHED,
					  0, (__u16)(1024 + i), i % 3 ? NOW - S(10) : NOW - S(1000),
					  0, { a, NULL }, true });
	}
	/* The client entries the idle ones have: a few of the 6000 may have
	 * given way to later ones in a full set of client_index (its sets are
	 * keyed by a random key: which, differs from run to run). */
	for (i = 0; i < n; i += 3) {
		LARGE_ADDR(i);
		idle_clients += has_client(1, 1024 + i, a);
	}
	err = gc_sweep(&m, NOW, &defaults, &r);
	for (i = 0; i < n; i++) {
		LARGE_ADDR(i);
		if (!(i % 3) && has_assoc(1, 0x10000 + i, 1024 + i))
			left_idle++;
		if (!(i % 3) && has_client(1, 1024 + i, a))
			left_clients++;
	}
#undef LARGE_ADDR
	CHECK("large_table_batches", err == 0 && r.assocs_scanned == n && r.assocs_idle == n / 3 &&
	      left_idle == 0 && r.ctags == n / 3 && idle_clients > n / 3 - n / 30 &&
	      r.clients == idle_clients && left_clients == 0 &&
	      count(m.fd[LB_ASSOCS], sizeof(struct sctplb_assoc_key)) == n - n / 3,
	      "err %d scanned %u idle %u (want %u) left idle %u ctags %u clients %u of %u (want "
	      "all, and nearly %u), %u left", err, r.assocs_scanned, r.assocs_idle, n / 3, left_idle,
	      r.ctags, r.clients, idle_clients, n / 3, left_clients);
}

/* ---- deletion of a backend, of a service ---- */

static void test_owned(void)
{
	struct gc_result r;
	__u32 be = 2, svc = 3;
	int err;

	clear_all();
	put_backend(2, 1, false);       /* as after 'backend del': flags 0 */
	put_assoc(&(struct spec){ 1, 0x201, 0xd201, 2, SCTPLB_ASSOC_ESTABLISHED, 0, 41001, NOW, 0,
				  { "192.0.2.21", "2001:db8::21" }, true });
	put_assoc(&(struct spec){ 1, 0x202, 0xd202, 2, SCTPLB_ASSOC_CLOSING, 0, 41002, NOW, NOW,
				  { "192.0.2.22", NULL }, true });
	put_assoc(&(struct spec){ 1, 0x203, 0xd203, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 41003, NOW, 0,
				  { "192.0.2.23", NULL }, true });
	put_client(1, 41009, "192.0.2.29", 2, 0x999); /* of backend 2, association gone */
	put_hs(1, 51001, "192.0.2.121", 2, NOW);
	put_hs(1, 51002, "192.0.2.122", 1, NOW);
	/* service 3 */
	put_assoc(&(struct spec){ 3, 0x301, 0xd301, 5, SCTPLB_ASSOC_ESTABLISHED, 0, 42001, NOW, 0,
				  { "192.0.2.31", NULL }, true });
	{
		struct sctplb_assoc_key ck = akey(3, 0xd399, 42009);
		struct sctplb_ctag_value cv = { .stag = 0x399 };

		bpf_map_update_elem(m.fd[LB_ASSOC_CTAGS], &ck, &cv, BPF_ANY);
	}
	put_hs(3, 52001, "192.0.2.131", 5, NOW);
	/* path counters of backend 2 (deleted) and 1 (kept) */
	put_path_packets(2, 1, SCTPLB_DIR_TO_CLIENT, 7);
	put_path_packets(1, 0, SCTPLB_DIR_TO_BACKEND, 9);

	err = gc_remove_owned(&m, &be, 1, NULL, 0, &r);
	CHECK("backend_del_path_stats_zeroed", path_packets(2, 1, SCTPLB_DIR_TO_CLIENT) == 0 &&
	      path_packets(1, 0, SCTPLB_DIR_TO_BACKEND) == 9,
	      "backend 2: %llu packets left, backend 1: %llu (want 0, 9)",
	      (unsigned long long)path_packets(2, 1, SCTPLB_DIR_TO_CLIENT),
	      (unsigned long long)path_packets(1, 0, SCTPLB_DIR_TO_BACKEND));
	CHECK("backend_del_state_removed", err == 0 && !has_assoc(1, 0x201, 41001) &&
	      !has_assoc(1, 0x202, 41002) && !has_ctag(1, 0xd201, 41001) && !has_ctag(1, 0xd202, 41002) &&
	      !has_client(1, 41001, "192.0.2.21") && !has_client(1, 41001, "2001:db8::21") &&
	      !has_client(1, 41002, "192.0.2.22") && !has_client(1, 41009, "192.0.2.29") &&
	      !has_hs(1, 51001, "192.0.2.121"), "state of backend 2 left (err %d)", err);
	CHECK("backend_del_counts", r.assocs_owned == 2 && r.ctags == 2 && r.clients == 4 &&
	      r.handshakes == 1, "assocs %u ctags %u clients %u handshakes %u", r.assocs_owned,
	      r.ctags, r.clients, r.handshakes);
	CHECK("backend_del_others_kept", has_assoc(1, 0x203, 41003) && has_ctag(1, 0xd203, 41003) &&
	      has_client(1, 41003, "192.0.2.23") && has_hs(1, 51002, "192.0.2.122") &&
	      has_assoc(3, 0x301, 42001) && has_hs(3, 52001, "192.0.2.131"),
	      "another backend's state removed");
	err = gc_remove_owned(&m, &be, 1, NULL, 0, &r);
	CHECK("backend_del_idempotent", err == 0 && gc_total(&r) == 0, "removed %u more", gc_total(&r));

	err = gc_remove_owned(&m, NULL, 0, &svc, 1, &r);
	CHECK("service_del_state_removed", err == 0 && !has_assoc(3, 0x301, 42001) &&
	      !has_ctag(3, 0xd301, 42001) && !has_ctag(3, 0xd399, 42009) &&
	      !has_client(3, 42001, "192.0.2.31") && !has_hs(3, 52001, "192.0.2.131") &&
	      has_assoc(1, 0x203, 41003), "err %d", err);
}

/* ---- full NAT: snat_flows without an association ---- */

static void put_flow(__u32 svc, __u32 ctag, __u16 cport, const char *addr, __u64 created)
{
	struct sctplb_snat_key k = { .service_id = svc, .ctag = ctag, .cport = htons(cport) };
	struct sctplb_snat_flow f = { .created_ns = created };
	struct sctplb_client_key c = ckey(svc, cport, addr);

	f.client[0].family = c.family;
	memcpy(f.client[0].addr, c.caddr, 16);
	if (bpf_map_update_elem(m.fd[LB_SNAT_FLOWS], &k, &f, BPF_ANY))
		printf("setup: snat_flows: %s\n", strerror(errno));
}

static bool has_flow(__u32 svc, __u32 ctag, __u16 cport)
{
	struct sctplb_snat_key k = { .service_id = svc, .ctag = ctag, .cport = htons(cport) };
	struct sctplb_snat_flow f;

	return bpf_map_lookup_elem(m.fd[LB_SNAT_FLOWS], &k, &f) == 0;
}

static void put_svc_nat(__u32 svc, __u16 port)
{
	struct sctplb_svc_nat n = { .flags = SCTPLB_NAT_F_ON, .sctp_port = htons(port), .nsnat = 1 };

	n.snat[0].family = SCTPLB_AF_INET;
	inet_pton(AF_INET, "198.51.100.50", n.snat[0].addr);
	if (bpf_map_update_elem(m.fd[LB_SVC_NAT], &svc, &n, BPF_ANY))
		printf("setup: svc_nat: %s\n", strerror(errno));
}

static void test_snat(void)
{
	const struct sctplb_config defaults = {};
	struct gc_result r;
	__u32 svc = 1;
	int err;

	clear_all();
	clear(m.fd[LB_PENDING_CTAGS], sizeof(struct sctplb_assoc_key));
	clear(m.fd[LB_SNAT_FLOWS], sizeof(struct sctplb_snat_key));
	put_svc_nat(1, SPORT);
	put_svc_nat(2, SPORT);
	/* A live association (Tc 0xe001): its flow, made long ago, stays. */
	put_assoc(&(struct spec){ 1, 0x501, 0xe001, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 43001,
				  NOW - S(1), 0, { "192.0.2.41", NULL }, true });
	put_flow(1, 0xe001, 43001, "192.0.2.41", NOW - S(400));
	/* Idle 301 s: the sweep removes the association, and its flow with it. */
	put_assoc(&(struct spec){ 1, 0x502, 0xe002, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 43002,
				  NOW - S(301), 0, { "192.0.2.42", NULL }, true });
	put_flow(1, 0xe002, 43002, "192.0.2.42", NOW - S(400));
	/* An INIT 11 s ago (handshake timeout 10) that no association followed: removed. */
	put_flow(1, 0xe003, 43003, "192.0.2.43", NOW - S(11));
	/* An INIT 9 s ago: its INIT-ACK may still come; kept. */
	put_flow(1, 0xe004, 43004, "192.0.2.44", NOW - S(9));
	/* An unconfirmed association (pending_ctags only): kept. */
	{
		struct sctplb_assoc_key ck = akey(1, 0xe005, 43005);
		struct sctplb_ctag_value cv = { .stag = 0x505 };

		if (lb_settable_put(table_of(m.fd[LB_PENDING_CTAGS]), &ck, &cv, sctplb_stamp(NOW)))
			printf("setup: pending_ctags\n");
	}
	put_flow(1, 0xe005, 43005, "192.0.2.45", NOW - S(400));
	/* The live association's Tc, another client port; and another service: removed. */
	put_flow(1, 0xe001, 43006, "192.0.2.46", NOW - S(400));
	put_flow(2, 0xe001, 43001, "192.0.2.47", NOW - S(400));
	/* created after the injected now (another CPU's clock): kept. */
	put_flow(1, 0xe008, 43008, "192.0.2.48", NOW + S(2));

	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("snat_sweep_ok", err == 0, "gc_sweep: %s", strerror(-err));
	CHECK("snat_flow_of_live_assoc_kept", has_flow(1, 0xe001, 43001) && has_assoc(1, 0x501, 43001),
	      "removed");
	CHECK("snat_flow_of_swept_assoc_removed", !has_assoc(1, 0x502, 43002) &&
	      !has_flow(1, 0xe002, 43002), "the association's flow outlived it");
	CHECK("snat_flow_never_stored_removed", !has_flow(1, 0xe003, 43003),
	      "a flow 11 s old with no association left");
	CHECK("snat_flow_in_handshake_kept", has_flow(1, 0xe004, 43004), "a 9 s old flow removed");
	CHECK("snat_flow_of_unconfirmed_kept", has_flow(1, 0xe005, 43005), "removed");
	CHECK("snat_flow_other_port_or_service_removed", !has_flow(1, 0xe001, 43006) &&
	      !has_flow(2, 0xe001, 43001), "kept by another key's association");
	CHECK("snat_flow_future_kept", has_flow(1, 0xe008, 43008), "removed");
	CHECK("snat_sweep_counts", r.snat_flows == 4 && r.assocs_idle == 1 &&
	      count(m.fd[LB_SNAT_FLOWS], sizeof(struct sctplb_snat_key)) == 4,
	      "snat_flows %u removed, %u left (want 4, 4)", r.snat_flows,
	      count(m.fd[LB_SNAT_FLOWS], sizeof(struct sctplb_snat_key)));
	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("snat_sweep_idempotent", err == 0 && gc_total(&r) == 0, "removed %u more", gc_total(&r));
	err = gc_sweep(&m, NOW + S(20), &defaults, &r);
	CHECK("snat_handshake_flow_expires", err == 0 && !has_flow(1, 0xe004, 43004) &&
	      !has_flow(1, 0xe008, 43008) && has_flow(1, 0xe001, 43001) &&
	      has_flow(1, 0xe005, 43005) && r.snat_flows == 2,
	      "20 s later: removed %u (want the flows 29 s and 18 s old, no association)",
	      r.snat_flows);
	err = gc_remove_owned(&m, NULL, 0, &svc, 1, &r);
	CHECK("snat_service_del_flows_removed", err == 0 &&
	      count(m.fd[LB_SNAT_FLOWS], sizeof(struct sctplb_snat_key)) == 0 && r.snat_flows == 2,
	      "err %d, %u removed, %u left", err, r.snat_flows,
	      count(m.fd[LB_SNAT_FLOWS], sizeof(struct sctplb_snat_key)));
	clear(m.fd[LB_PENDING_CTAGS], sizeof(struct sctplb_assoc_key));
}

/*
 * The unconfirmed associations (set-associative tables): the sweep's rules
 * are the confirmed ones', applied to assocs_pending and pending_ctags.
 */
static bool has_pending(__u32 svc, __u32 vtag, __u16 cport)
{
	struct sctplb_assoc_key k = akey(svc, vtag, cport);
	struct sctplb_assoc a;

	return lb_settable_lookup(table_of(m.fd[LB_PENDING]), &k, &a, NULL) == 0;
}

static bool has_pending_ctag(__u32 svc, __u32 ctag, __u16 cport)
{
	struct sctplb_assoc_key k = akey(svc, ctag, cport);
	struct sctplb_ctag_value v;

	return lb_settable_lookup(table_of(m.fd[LB_PENDING_CTAGS]), &k, &v, NULL) == 0;
}

static void test_pending(void)
{
	const struct sctplb_config defaults = {};
	struct gc_result r;
	__u32 be2 = 2;
	int err;

	clear_all();
	put_backend(2, 1, true);
	/* idle 301 s, ended 6 s ago (grace 5), live, and one of backend 2 */
	put_pending(&(struct spec){ 1, 0x701, 0xf701, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 45001,
				  NOW - S(301), 0, { "192.0.2.71", NULL }, false });
	put_pending(&(struct spec){ 1, 0x702, 0xf702, 1, SCTPLB_ASSOC_CLOSING, 0, 45002,
				  NOW - S(6), NOW - S(6), { NULL, NULL }, false });
	put_pending(&(struct spec){ 1, 0x703, 0xf703, 1, SCTPLB_ASSOC_ESTABLISHED, 0, 45003,
				  NOW - S(1), 0, { "192.0.2.73", NULL }, false });
	put_pending(&(struct spec){ 1, 0x704, 0xf704, 2, SCTPLB_ASSOC_ESTABLISHED, 0, 45004,
				  NOW - S(1), 0, { "192.0.2.74", NULL }, false });
	CHECK("pending_setup", count(m.fd[LB_PENDING], 0) == 4 &&
	      count(m.fd[LB_PENDING_CTAGS], 0) == 4, "%u and %u entries",
	      count(m.fd[LB_PENDING], 0), count(m.fd[LB_PENDING_CTAGS], 0));
	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("pending_idle_and_ended_removed", err == 0 && !has_pending(1, 0x701, 45001) &&
	      !has_pending(1, 0x702, 45002) && !has_pending_ctag(1, 0xf701, 45001) &&
	      !has_pending_ctag(1, 0xf702, 45002) && r.assocs_idle == 1 && r.assocs_closed == 1 &&
	      r.ctags == 2, "err %d, idle %u, closed %u, ctags %u (want 1 1 2), left %u", err,
	      r.assocs_idle, r.assocs_closed, r.ctags, count(m.fd[LB_PENDING], 0));
	CHECK("pending_live_kept", has_pending(1, 0x703, 45003) && has_pending_ctag(1, 0xf703, 45003) &&
	      has_pending(1, 0x704, 45004), "a live unconfirmed association removed");
	err = gc_remove_owned(&m, &be2, 1, NULL, 0, &r);
	CHECK("pending_of_deleted_backend_removed", err == 0 && !has_pending(1, 0x704, 45004) &&
	      !has_pending_ctag(1, 0xf704, 45004) && has_pending(1, 0x703, 45003) &&
	      r.assocs_owned == 1, "err %d, owned %u", err, r.assocs_owned);
	clear_all();
}

/*
 * Each sweep rebuilds a generation of each key filter (include/sctplb.h):
 * the bit of an entry gone since goes within two sweeps, a live one's stays;
 * client_filter of client_index's entries, assoc_filter of assocs'.
 */
static void test_filters(void)
{
	const struct sctplb_config defaults = {};
	struct sctplb_client_key live = ckey(1, 44011, "192.0.2.71");
	struct sctplb_client_key gone = ckey(1, 44012, "192.0.2.72");
	struct sctplb_client c = { .backend_id = 1, .stag = 0x701 };
	struct sctplb_assoc_key alive = akey(1, 0x711, 44011);
	struct sctplb_assoc_key agone = alive;
	struct sctplb_assoc a = { .backend_id = 1, .state = SCTPLB_ASSOC_ESTABLISHED,
				  .created = sctplb_stamp(NOW), .seen = sctplb_stamp(NOW) };
	const struct {
		const char *name;
		enum lb_filter which;
		const void *live, *gone;
	} f[] = {
		{ "client_filter_rebuilt", LB_FILTER_CLIENT, &live, &gone },
		{ "assoc_filter_rebuilt", LB_FILTER_ASSOC, &alive, &agone },
	};
	struct gc_result r;
	int err, setup, after1[2], i;

	clear_all();
	put_backend(1, 1, true); /* the association's backend exists: kept */
	agone.vtag = 0x712;
	setup = lb_settable_put(table_of(m.fd[LB_CLIENT_INDEX]), &live, &c, 1) ||
		lb_settable_put(table_of(m.fd[LB_CLIENT_INDEX]), &gone, &c, 1) ||
		bpf_map_update_elem(m.fd[LB_ASSOCS], &alive, &a, BPF_ANY) ||
		bpf_map_update_elem(m.fd[LB_ASSOCS], &agone, &a, BPF_ANY) || lb_filters_fill(&m) ||
		lb_filter_test(&m, LB_FILTER_CLIENT, &gone) != 1 ||
		lb_filter_test(&m, LB_FILTER_ASSOC, &agone) != 1 ||
		lb_settable_delete(table_of(m.fd[LB_CLIENT_INDEX]), &gone, NULL) ||
		bpf_map_delete_elem(m.fd[LB_ASSOCS], &agone);
	/* After one sweep the gone entry's bit is still in the generation not
	 * rebuilt: both answer for the live one. */
	err = gc_sweep(&m, NOW, &defaults, &r);
	for (i = 0; i < 2; i++)
		after1[i] = lb_filter_test(&m, f[i].which, f[i].gone);
	if (!err)
		err = gc_sweep(&m, NOW, &defaults, &r);
	for (i = 0; i < 2; i++)
		CHECK(f[i].name, !setup && err == 0 && after1[i] == 1 &&
					 lb_filter_test(&m, f[i].which, f[i].gone) == 0 &&
					 lb_filter_test(&m, f[i].which, f[i].live) == 1,
		      "setup failed %d, err %d: the gone entry's bit after one sweep %d (want 1), "
		      "after two %d (want 0), the live one's %d (want 1)", setup, err, after1[i],
		      lb_filter_test(&m, f[i].which, f[i].gone),
		      lb_filter_test(&m, f[i].which, f[i].live));
	lb_settable_delete(table_of(m.fd[LB_CLIENT_INDEX]), &live, NULL);
	bpf_map_delete_elem(m.fd[LB_ASSOCS], &alive);
}

/* A rebuild that fails after a good sweep says what the sweep removed and
 * why the filter was not rebuilt (assoc_filter's fd swapped for a map that
 * cannot be mmapped). */
static void test_filter_rebuild_fails(void)
{
	const struct sctplb_config defaults = {};
	int saved = m.fd[LB_ASSOC_FILTER], err;
	struct gc_result r;
	const char *msg;

	clear_all();
	put_hs(1, 44013, "192.0.2.73", 1, NOW - S(3600)); /* expired: the sweep removes it */
	m.fd[LB_ASSOC_FILTER] = m.fd[LB_SETTINGS];
	err = gc_sweep(&m, NOW, &defaults, &r);
	m.fd[LB_ASSOC_FILTER] = saved;
	msg = lb_err_msg();
	CHECK("filter_rebuild_failure_named", err < 0 && r.handshakes == 1 && msg &&
						      strstr(msg, "the sweep removed 1 entry,") &&
						      strstr(msg, "assoc_filter") &&
						      strstr(msg, "run gc again"),
	      "err %d, handshakes removed %u, message: %s", err, r.handshakes, msg ? msg : "(none)");
	lb_err_clear();
}

/*
 * A handshake whose Ts names an unconfirmed association is that association's
 * restart rule: an expired one stays while the association does.
 */
static void test_hs_restart(void)
{
	const struct sctplb_config defaults = {};
	struct sctplb_service_meta sm = { .name = "s", .sctp_port = SPORT };
	struct sctplb_assoc_key ak = akey(1, 0x601, 44001);
	struct sctplb_assoc a = { .backend_id = 1, .ctag = 0xf001,
				  .state = SCTPLB_ASSOC_ESTABLISHED };
	struct sctplb_client_key k;
	struct sctplb_handshake h;
	struct lb_settable t;
	struct gc_result r;
	__u32 svc = 1;
	int err;

	clear_all();
	clear(m.fd[LB_PENDING], sizeof(struct sctplb_assoc_key));
	if (lb_settable_open(&t, &m, LB_HANDSHAKES))
		fprintf(stderr, "test_gc: no handshakes table\n");
	bpf_map_update_elem(m.fd[LB_SVC_META], &svc, &sm, BPF_ANY);
	a.created = a.seen = sctplb_stamp(NOW - S(30));
	if (lb_settable_put(table_of(m.fd[LB_PENDING]), &ak, &a, a.created))
		printf("setup: assocs_pending\n");
	/* 30 s old (timeout 10), naming the unconfirmed association: kept. */
	put_hs(1, 44001, "192.0.2.61", 1, NOW - S(30));
	k = ckey(1, 44001, "192.0.2.61");
	lb_settable_lookup(&t, &k, &h, NULL);
	h.stag = 0x601;
	lb_settable_put(&t, &k, &h, sctplb_stamp(NOW - S(30)));
	/* 30 s old, naming a Ts no association has: removed. */
	put_hs(1, 44002, "192.0.2.62", 1, NOW - S(30));
	k = ckey(1, 44002, "192.0.2.62");
	lb_settable_lookup(&t, &k, &h, NULL);
	h.stag = 0x602;
	lb_settable_put(&t, &k, &h, sctplb_stamp(NOW - S(30)));

	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("hs_of_unconfirmed_assoc_kept", err == 0 && has_hs(1, 44001, "192.0.2.61"),
	      "err %d: the restart rule of an unconfirmed association removed", err);
	CHECK("hs_of_no_assoc_removed", !has_hs(1, 44002, "192.0.2.62") && r.handshakes == 1,
	      "kept (%u removed)", r.handshakes);
	lb_settable_delete(table_of(m.fd[LB_PENDING]), &ak, NULL);
	err = gc_sweep(&m, NOW, &defaults, &r);
	CHECK("hs_after_its_assoc_removed", err == 0 && !has_hs(1, 44001, "192.0.2.61"),
	      "the association is gone, its expired handshake left");
	memset(&sm, 0, sizeof(sm));
	bpf_map_update_elem(m.fd[LB_SVC_META], &svc, &sm, BPF_ANY);
}

int main(void)
{
	struct bpf_program *p;
	struct sctplb *skel;
	int i;

	if (geteuid()) {
		printf("FAIL setup: needs root (BPF maps)\n");
		return 1;
	}
	skel = sctplb__open();
	if (!skel) {
		printf("FAIL setup: cannot open the skeleton\n");
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	bpf_map__set_max_entries(skel->maps.assocs, MAX_ASSOCS);
	bpf_map__set_max_entries(skel->maps.assoc_ctags, MAX_ASSOCS);
	bpf_map__set_max_entries(skel->maps.client_index,
				 lb_assoc_map_entries(LB_CLIENT_INDEX, MAX_ASSOCS));
	if (sctplb__load(skel)) {
		printf("FAIL setup: cannot create the maps: %s\n", strerror(errno));
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	snprintf(m.dir, sizeof(m.dir), "(unpinned)");
	for (i = 0; i < LB_MAP_N; i++)
		m.fd[i] = bpf_map__fd(bpf_object__find_map_by_name(skel->obj, lb_map_names[i]));
	put_backend(1, 1, true);
	put_backend(2, 1, true);
	put_backend(5, 3, true);

	test_sweep();
	test_grace_from_end();
	test_large();
	test_owned();
	test_snat();
	test_pending();
	test_hs_restart();
	test_filters();
	test_filter_rebuild_fails();
	sctplb__destroy(skel);
	return failed;
}
