/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * table.h: the checks shared by the table-driven datapath tests
 * (test_datapath, test_return).  Each test keeps its own case tables and
 * runner (how a case is built and run on its hook); what a case expects of
 * the counters, the trace, the maps and the per-path counters is checked here,
 * and every mismatch is added to a struct tb_failure, reported once per case.
 */
#ifndef SCTPLB_TEST_TABLE_H
#define SCTPLB_TEST_TABLE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sctplb.h"
#include "fixture.h"
#include "pkt.h"

/*
 * The configuration both tables start from (tb_setup): service SVC on VIP4
 * (path 0) and VIP6 (path 1), port PORT, UDP encapsulation on ENCAP, and
 * backends 1.. of TB_BACKENDS, every Maglev slot backend 1.  Clients C4A..C6B
 * on CPORT; the tags the tables use.
 */
#define SVC      1
#define VIP4     "203.0.113.1"   /* service 1, path 0 */
#define VIP6     "2001:db8:f::1" /* service 1, path 1 */
#define NOT_VIP4 "203.0.113.9"
#define PORT     5000
#define ENCAP    9899
#define CPORT    40000

#define C4A "203.0.113.100"
#define C4B "203.0.113.101"
#define C6A "2001:db8:c::100"
#define C6B "2001:db8:c::101"

#define TC1 0x7c000001u
#define TS1 0x5e000001u
#define TC2 0x7c000002u
#define TS2 0x5e000002u
#define TC3 0x7c000003u
#define TS3 0x5e000003u
#define TC4 0x7c000004u
#define TC5 0x7c000005u
#define TS5 0x5e000005u
#define TC6 0x7c000006u
#define TUNKNOWN 0x0badbad0u

/* Backends of service 1: addr[path]; the fixture's next hops make path 0 of
 * backend 1 XDP_TX, path 1 XDP_REDIRECT, and so on. */
#define TB_NBACKENDS 8
extern const char *const TB_BACKENDS[TB_NBACKENDS][SCTPLB_MAX_PATHS];

/* fx_load, then the configuration above with backends 1..nbackends-1. */
int tb_setup(struct fx *fx, uint32_t nbackends);

/* A scenario: a fresh load (tb_setup and the test's own setup, then the
 * scenario's), its cases in order, sharing state. */
struct tb_scenario {
	const char *name;
	const void *cases;              /* the test's case table */
	int (*setup)(struct fx *fx);    /* may be NULL */
	int (*teardown)(struct fx *fx); /* may be NULL */
};
/* Enters the fixture's namespace, runs every scenario: setup(fx), then each
 * case of its table (case_size bytes each, a struct that begins with its
 * const char *name; a NULL name ends the table) with run_case, which prints
 * PASS or FAIL.  Prints "N cases, M failed"; returns the exit status. */
int tb_run(const char *test, struct fx *fx, int (*setup)(struct fx *fx),
	   const struct tb_scenario *sc, size_t n, size_t case_size,
	   bool (*run_case)(struct fx *fx, const char *scenario, const void *c));

/* A case's frames: the input (len bytes, what pkt_build says of it in info),
 * the output of the run, the output expected (the input unless changed). */
struct tb_frames {
	uint8_t in[PKT_MAX], out[PKT_MAX], want[PKT_MAX];
	struct pkt_info info;
	size_t out_len;
	int len;
};

/* Before a case's packet: its configuration change (before, if any), then
 * the frame from spec (to dst_mac) into io->in and io->want.  The frame's
 * length, or -1 after a FAIL line. */
int tb_prepare(struct fx *fx, const char *scenario, const char *name,
	       int (*before)(struct fx *fx), const struct pkt_spec *spec, const uint8_t dst_mac[6],
	       struct tb_frames *io);

/* Counters, entry counts, a path's counters and an association, before or
 * after a run. */
enum { TB_STATE_GROWN = 4, TB_STATE_N = 5 };
struct tb_snap {
	uint64_t stats[SCTPLB_STAT_MAX];
	long n[TB_STATE_N];     /* assocs (both tables), handshakes, client_index, ctags
				 * (both tables), path_stats slots that counted */
	bool have_path, have_assoc;
	struct sctplb_path_counters path; /* path_stats[pk], zero if absent */
	struct sctplb_assoc assoc;        /* assocs[ak], zero if absent */
};
/* pk, ak: NULL for none. */
void tb_snap(struct fx *fx, const uint32_t *pk, const struct sctplb_assoc_key *ak,
	     struct tb_snap *s);

/* want: the frame toward backend's next hop on path, as a forwarded packet
 * leaves (MACs rewritten; with neigh, the frame unchanged, left for
 * bpf_redirect_neigh: the fixture must give that address no neighbour);
 * nh: the next hop.  False after a FAIL line if the table names no such
 * next hop (backend nbackends or above: none). */
bool tb_next_hop(struct fx *fx, const char *scenario, const char *name, uint32_t backend,
		 uint8_t path, uint32_t nbackends, bool neigh, struct fx_nexthop *nh,
		 uint8_t *want);

#define TB_DC  0xffffffffu      /* decision field not checked */
#define TB_ANY INT_MIN          /* map growth not checked */

/* The failure message of one case: "; "-separated. */
struct tb_failure {
	char msg[2048];
	size_t len;
};

void tb_fail(struct tb_failure *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A counter expected to move by n. */
struct tb_stat_delta {
	int stat;
	int n;
};

/* want[stat] += n for the first nd deltas (up to the first with n == 0). */
void tb_add_deltas(uint64_t want[SCTPLB_STAT_MAX], const struct tb_stat_delta *d, int nd);
/* Every counter not in ignore moved by want (s1 - s0). */
void tb_check_stats(const uint64_t s0[SCTPLB_STAT_MAX], const uint64_t s1[SCTPLB_STAT_MAX],
		    const uint64_t want[SCTPLB_STAT_MAX], uint64_t ignore, struct tb_failure *f);

/* io->out (out_len bytes) is io->want (len bytes) to the byte. */
void tb_check_output(const struct tb_frames *io, struct tb_failure *f);

/* The trace decision: service (unless svc is TB_DC), backend and path
 * (unless svc or backend is TB_DC), reason (if non-zero). */
void tb_check_decision(const struct sctplb_decision *d, uint32_t svc, uint32_t backend,
		       uint8_t path, int reason, struct tb_failure *f);

/* The first TB_STATE_GROWN maps grew by want_new[i] (unless TB_ANY). */
void tb_check_growth(const long n0[TB_STATE_N], const long n1[TB_STATE_N],
		     const int want_new[TB_STATE_GROWN], struct tb_failure *f);

/* A path's counters moved by one packet of ip_len bytes with data DATA and
 * hb HEARTBEAT chunks, last seen within [t0, t1]. */
void tb_check_counters(const struct sctplb_path_counters *b,
		       const struct sctplb_path_counters *a, const char *what, int data, int hb,
		       uint32_t ip_len, uint64_t t0, uint64_t t1, struct tb_failure *f);
/* The association's path[p]: its client src, seen (and with DATA, data)
 * stamped within [t0, t1], data kept without DATA (b: before). */
void tb_check_assoc_path(const struct sctplb_assoc *b, const struct sctplb_assoc *a, uint8_t p,
			 const struct sctplb_addr *src, int data, int hb, uint32_t ip_len,
			 uint64_t t0, uint64_t t1, struct tb_failure *f);

/* Map entries a case expects after its packet. */
enum tb_check_kind { K_NONE, K_ASSOC, K_HANDSHAKE, K_CLIENT, K_CTAG, K_NEIGH };

struct tb_map_check {
	enum tb_check_kind kind;
	bool absent;
	const char *addr;       /* handshake, client, neighbour */
	uint16_t cport;         /* host order; 0: the case's client port */
	uint32_t tag;           /* assoc: Ts; ctag: Tc */
	uint32_t backend;
	uint32_t ctag;          /* assoc, handshake: Tc */
	uint32_t stag;          /* client, ctag: Ts */
	uint32_t state;         /* assoc */
	uint32_t flags;         /* assoc, with tb_maps.assoc_flags */
	bool now;               /* assoc CLOSING: closing stamped by this packet */
	bool any_created;       /* assoc put there by the test: created not checked */
	uint8_t path;           /* handshake */
	uint8_t table;          /* assoc, ctag: TB_EITHER, TB_CONFIRMED or TB_PENDING */
};
enum { TB_EITHER = 0, TB_CONFIRMED = 1, TB_PENDING = 2 };
#define TB_MAPS 6

/* Where the entries are looked up, and what is compared. */
struct tb_maps {
	struct fx *fx;
	uint32_t svc;
	uint16_t cport_n, sport_n;     /* network order */
	uint64_t t0, t1;               /* the run */
	bool assoc_flags;              /* compare assocs' flags */
	bool handshake_created;        /* handshakes' created_ns non-zero */
};
void tb_check_maps(const struct tb_maps *w, const struct tb_map_check m[TB_MAPS],
		   struct tb_failure *f);

/* `ip neigh show to addr` lists an entry. */
bool tb_neigh_exists(const char *addr);

/* What a runner keeps of one case while it runs and checks it. */
struct tb_case {
	struct tb_frames io;
	struct pkt_spec spec;                 /* the packet, ports filled in */
	struct tb_failure f;
	struct tb_snap b, a;                  /* before and after the run */
	uint64_t want_stats[SCTPLB_STAT_MAX]; /* counter deltas expected */
	uint32_t pk;                          /* the path_stats slot counted, if any */
	struct sctplb_assoc_key ak;           /* the association counted, if any */
	struct sctplb_decision d;             /* the trace after the run */
	struct fx_nexthop nh;
	struct tb_maps where;
	uint64_t t0, t1;                      /* the run, CLOCK_MONOTONIC_COARSE */
};
/* Zeroes r; r->spec = *spec. */
void tb_case_init(struct tb_case *r, const struct pkt_spec *spec);

#endif
