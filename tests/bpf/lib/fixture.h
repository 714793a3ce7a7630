/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fixture.h: a private network and a loaded sctplb for the datapath tests.
 *
 * fx_netns_setup() moves the test process into a network namespace of its
 * own (unshare(CLONE_NEWNET): it vanishes with the process, pass or fail, and
 * nothing is pinned), with two veth pairs, addresses in documentation ranges,
 * routes and PERMANENT neighbour entries with fixed MACs, so that
 * bpf_fib_lookup gives the same MACs and interfaces on every run:
 *
 *   FX_IF_IN  (ingress, ifindex fx->if_in)   192.0.2.1/25     2001:db8::1/64
 *       neighbours 192.0.2.11-19, 2001:db8::11-19 (MAC 02:00:00:00:0b|6b:NN,
 *       NN = the last byte of the address)
 *       on-link without neighbour: 192.0.2.99, 2001:db8::99
 *   FX_IF_OUT (egress)                        198.51.100.1/24  2001:db8:1::1/64
 *       neighbours 198.51.100.11-19, 2001:db8:1::11-19 (02:00:00:00:0c|6c:NN)
 *       gateway 198.51.100.254 (02:00:00:00:0c:fe) for 192.0.2.128/25,
 *       gateway 2001:db8:1::fe (02:00:00:00:6c:fe) for 2001:db8:2::/64
 *   no route: 203.0.113.0/24 (VIPs and clients live there), 2001:db8:f::/48;
 *   an unreachable route: 2001:db8:e::/48.
 *
 * fx_load() loads the skeleton with sctplb_trace = 1, fresh maps each time;
 * fx_load_opts() with other map sizes or the trace off.
 */
#ifndef SCTPLB_TEST_FIXTURE_H
#define SCTPLB_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "sctplb.h"
#include "pkt.h"
#include "settable.h"

#define FX_IF_IN  "slb-in"
#define FX_IF_OUT "slb-out"

struct sctplb;

struct fx {
	struct sctplb *skel;
	int prog;                  /* sctplb_xdp */
	int if_in, if_out;
	uint8_t mac_in[6], mac_out[6];
	int ncpus;
	uint32_t meta_len;         /* XDP metadata left by the last fx_run */
	int services, backends, maglev, handshakes, client_index, assocs,
	    assoc_ctags, path_stats, settings, stats, trace;
	int pending, pending_ctags; /* the unconfirmed associations and their Tc index */
	int svc_rtag, server_ids;   /* routable tags */
	int prog_tc_ingress;       /* sctplb_tc_ingress, if fx_tc_ingress; else -1 */
	int prog_tc_return;        /* sctplb_tc_return */
};

/* The next hop the fixture gives an address: what a forwarded packet gets. */
struct fx_nexthop {
	const char *addr;
	uint8_t mac[6];
	bool out;                  /* egress FX_IF_OUT (else FX_IF_IN: XDP_TX) */
};

/* Once per process.  Returns 0, or -1 with a message (nothing left behind). */
int fx_netns_setup(struct fx *fx);
/* Keeps the process on the CPU it is on: 0, or -1 with a message.  For a test
 * of per-CPU state (the next-hop and service caches, the event rate limit),
 * since BPF_PROG_TEST_RUN runs the program on the caller's CPU and the
 * scheduler may move the caller between two runs. */
int fx_one_cpu(void);
/* The next hop of a backend address (MAC last byte = the address's last
 * byte); false if the fixture gives it no neighbour. */
bool fx_nexthop(const char *addr, struct fx_nexthop *nh);

/* Loads sctplb (trace on) into fx: 0 or -1.  fx_unload frees it all. */
int fx_load(struct fx *fx);
/* fx_load with options; a zero field keeps the default. */
struct fx_load_opts {
	uint32_t assocs_max;       /* max_entries of assocs and assoc_ctags */
	uint32_t client_index_max; /* client_index sized for this many associations */
	bool no_trace;             /* sctplb_trace = 0 (the benchmark) */
	bool test_clock;           /* the datapath's clock is fx_set_clock's */
};
int fx_load_opts(struct fx *fx, const struct fx_load_opts *o);
/* Load sctplb_tc_ingress and sctplb_tc_finish as well (default false: a test binary
 * that runs neither sets it before loading; each costs the verifier about a second
 * per load, and a table test loads the object once per scenario). */
extern bool fx_tc_ingress;
void fx_unload(struct fx *fx);
/* An association by key, confirmed (assocs) or not (assocs_pending): 0, or
 * -1 if neither holds it; *pending says which (may be NULL). */
int fx_assoc_lookup(struct fx *fx, const struct sctplb_assoc_key *k, struct sctplb_assoc *a,
		    bool *pending);
/* A key's bit in a key filter (user/lib/gc.h enum lb_filter: 0 client_filter,
 * 1 assoc_filter), as a confirmation or attach's fill sets it: 0 or -1.  An
 * association put in assocs from user space (bpf_map_update_elem's flags)
 * with its assoc_filter bit (include/sctplb.h): 0 or -1. */
int fx_filter_add(struct fx *fx, int which, const void *key);
int fx_assoc_put(struct fx *fx, const struct sctplb_assoc_key *k, const struct sctplb_assoc *a,
		 __u64 flags);
/* The handshakes table (user/lib/settable.h) with the loaded key: 0 or -1;
 * a handshake by client key: 0, or -1 if absent; the number of handshakes. */
int fx_handshakes(struct fx *fx, struct lb_settable *t);
int fx_handshake_lookup(struct fx *fx, const struct sctplb_client_key *k,
			struct sctplb_handshake *h);
long fx_handshake_count(struct fx *fx);
/* client_index (user/lib/settable.h) with the loaded key: 0 or -1; an entry by
 * client key: 0, or -1 if absent; one put from user space (stamped now): 0 or
 * -1; the number of entries. */
int fx_clients(struct fx *fx, struct lb_settable *t);
int fx_client_lookup(struct fx *fx, const struct sctplb_client_key *k, struct sctplb_client *v);
int fx_client_put(struct fx *fx, const struct sctplb_client_key *k, const struct sctplb_client *v);
long fx_client_count(struct fx *fx);
/* The Ts of a client tag Tc, confirmed or not: 0 or -1. */
int fx_ctag_lookup(struct fx *fx, const struct sctplb_assoc_key *k, struct sctplb_ctag_value *v,
		   bool *pending);
/* Entries of the Tc index: assoc_ctags, pending_ctags and the unconfirmed
 * associations found by Tc through a handshake only. */
long fx_ctag_count(struct fx *fx);
/* The unconfirmed tables (user/lib/settable.h) with the loaded key: 0 or -1;
 * the number of entries of each. */
int fx_pending(struct fx *fx, struct lb_settable *t);
int fx_pending_ctags(struct fx *fx, struct lb_settable *t);
long fx_pending_count(struct fx *fx);
long fx_pending_ctag_count(struct fx *fx);
/* The loaded maps as the library's struct lb_maps (not pinned: dir ""), for
 * gc_sweep and lb_assocs_walk: 0 or -1. */
struct lb_maps;
int fx_lb_maps(struct fx *fx, struct lb_maps *m);
/* With fx_load_opts(.test_clock): the time the datapath sees from now on
 * (CLOCK_MONOTONIC ns in its meaning), so that tests of expiry never wait. */
void fx_set_clock(struct fx *fx, uint64_t ns);

/* Configuration.  Ports in host order.  vips[i] is path i.  encap_port 0:
 * no UDP encapsulation.  addrs[p] NULL: no address on path p. */
int fx_service(struct fx *fx, uint32_t id, uint16_t port, const char *const *vips,
	       int nvips, uint16_t encap_port);
int fx_backend(struct fx *fx, uint32_t id, uint32_t svc, uint32_t flags,
	       const char *const addrs[SCTPLB_MAX_PATHS]);
int fx_backend_flags(struct fx *fx, uint32_t id, uint32_t flags);
/* Installs a Maglev table with maglev_install (every slot = backend, or the
 * given table); fx_table_remove empties the service's slot. */
int fx_table_all(struct fx *fx, uint32_t svc, uint32_t backend);
int fx_table(struct fx *fx, uint32_t svc, const uint32_t *table);
int fx_table_remove(struct fx *fx, uint32_t svc);
int fx_policy(struct fx *fx, uint32_t policy);
/* A Maglev table alternating two backends: even slots even, odd slots odd. */
int fx_table_alternating(struct fx *fx, uint32_t svc, uint32_t even, uint32_t odd);

/* One run of sctplb_xdp, repeat=1, ingress FX_IF_IN.  out gets the frame
 * (PKT_MAX bytes at most) without the XDP metadata the program may have
 * put before it (its length in fx->meta_len); returns 0 or a negative errno. */
int fx_run(struct fx *fx, const uint8_t *in, size_t len, uint8_t *out,
	   size_t *out_len, uint32_t *verdict);

/*
 * One run of a tc program (sctplb_tc_ingress or sctplb_tc_return), repeat=1,
 * with struct __sk_buff {.ifindex = .ingress_ifindex = ifindex} as the
 * context: skb->dev is that interface (the FIB is looked up from it).  out
 * gets the frame from its Ethernet header (PKT_MAX bytes at most); verdict
 * the TC_ACT_* returned.  No redirect is carried out by a test run.  Returns
 * 0 or a negative errno.
 */
int fx_run_tc(struct fx *fx, int prog, int ifindex, const uint8_t *in, size_t len,
	      uint8_t *out, size_t *out_len, uint32_t *verdict);
/*
 * sctplb_xdp in live-frame mode (BPF_F_TEST_XDP_LIVE_FRAMES), once, on
 * FX_IF_IN: an XDP_PASS frame is handed to the stack as an skb, with the
 * XDP metadata, and so goes through the tc ingress hook of FX_IF_IN; XDP_TX
 * and XDP_REDIRECT are carried out.  The verdict is not reported.
 */
int fx_run_live(struct fx *fx, const uint8_t *in, size_t len);
/* The fd of the loaded program of that name, or -1 (programs the skeleton
 * of this build may not have). */
int fx_prog_fd(struct fx *fx, const char *name);
/* Attaches prog at clsact ingress of ifindex (direct action); detach
 * removes the clsact qdisc.  0 or a negative errno. */
int fx_tc_attach(int prog, int ifindex);
int fx_tc_detach(int ifindex);

/* Reads: counters summed over CPUs; a path_stats slot summed over CPUs
 * (false if it never counted a packet); how many path_stats slots have
 * counted a packet (the entries the map would have as a hash); the trace
 * (fx_decision_clear writes a sentinel before a run). */
void fx_stats(struct fx *fx, uint64_t out[SCTPLB_STAT_MAX]);
bool fx_path_stats(struct fx *fx, uint32_t slot, struct sctplb_path_counters *sum);
long fx_path_slots(struct fx *fx);
#define FX_NO_DECISION 0xdeadbeefu
void fx_decision_clear(struct fx *fx);
void fx_decision(struct fx *fx, struct sctplb_decision *d);
/* Number of entries of a hash map. */
long fx_count(int map_fd);
/* Deletes every entry of a hash map; zeroes every slot of an array. */
void fx_clear(int map_fd);

/* Keys.  Ports in network order as in the packet. */
struct sctplb_client_key fx_client_key(uint32_t svc, uint16_t cport, const char *addr);
/* n IPv6 client addresses (2001:db8:c:X::Y, from seed on) whose keys
 * (svc, cport) share one set of the handshakes table t: that set, or -1. */
int fx_same_set(const struct lb_settable *t, uint32_t svc, uint16_t cport, unsigned int seed,
		char (*addrs)[32], int n);
struct sctplb_assoc_key fx_assoc_key(uint32_t svc, uint32_t vtag, uint16_t cport,
				     uint16_t sport);
/* The path_stats slot of (backend, path, direction). */
uint32_t fx_path_key(uint32_t backend, uint8_t path, uint8_t dir);

const char *fx_stat_name(int stat);
const char *fx_verdict_name(uint32_t verdict);
const char *fx_tc_verdict_name(uint32_t verdict); /* TC_ACT_OK, _SHOT, _REDIRECT */
uint64_t fx_now(void);         /* CLOCK_MONOTONIC_COARSE ns, the datapath's clock */

#endif
