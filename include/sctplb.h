/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sctplb.h: the ABI between the BPF programs and user space.
 *
 * Everything a map holds is defined here: keys, values, counter indexes and
 * the constants both sides size things with.  Addresses are stored as four
 * 32-bit words in network byte order; an IPv4 address uses word 0 and leaves
 * words 1-3 zero.  Ports are in network byte order.  Times are
 * CLOCK_MONOTONIC_COARSE nanoseconds (bpf_ktime_get_coarse_ns(): one timer
 * tick behind CLOCK_MONOTONIC at most, and a fraction of the cost of the fine
 * clock on the per-packet path), or stamps (below).
 *
 * Changing a struct here changes the pinned maps' layout: bump
 * SCTPLB_ABI_VERSION so that the loader refuses to reuse incompatible pins.
 */
#ifndef SCTPLB_H
#define SCTPLB_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "sctplb_rtag.h"
#include "sctplb_settable.h"

#define SCTPLB_ABI_VERSION 6

/* Sizes. */
#define SCTPLB_MAX_PATHS     4      /* VIPs per service: path index = VIP index */
#define SCTPLB_MAX_SERVICES  256
#define SCTPLB_MAX_BACKENDS  4096   /* over all services; id 0 is never used */
#define SCTPLB_MAX_VIP_KEYS  (SCTPLB_MAX_SERVICES * SCTPLB_MAX_PATHS * 2)
#define SCTPLB_MAGLEV_SIZE   65537  /* prime, as in Katran; > 100 x backends */
#define SCTPLB_MAX_ASSOCS    262144 /* default; the loader may resize */
#define SCTPLB_MAX_HANDSHAKES 131072 /* entries: SCTPLB_HANDSHAKE_SETS x SCTPLB_HANDSHAKE_WAYS;
				     * the LRU had 65536 in as much memory, and a set
				     * overflows before the table is full (docs/datapath.md) */
#define SCTPLB_HANDSHAKE_WAYS 8
#define SCTPLB_HANDSHAKE_SETS (SCTPLB_MAX_HANDSHAKES / SCTPLB_HANDSHAKE_WAYS)
#define SCTPLB_MAX_FRAGS     8192   /* LRU: IP datagrams being fragmented */
#define SCTPLB_MAX_CHUNKS    64     /* chunks walked per packet */
#define SCTPLB_MAX_INIT_PARAMS 16   /* INIT parameters walked for addresses */
#define SCTPLB_MAX_INIT_ADDRS 4     /* listed addresses that get a handshake entry */
#define SCTPLB_UDP_ENCAP_PORT 9899  /* RFC 6951 default */
#ifndef SCTPLB_MAX_IPV6_EXT
#define SCTPLB_MAX_IPV6_EXT  6      /* IPv6 extension headers skipped */
#endif

#define SCTPLB_BACKEND_NONE 0       /* backend id 0: "no backend" */

#define SCTPLB_AF_INET  4
#define SCTPLB_AF_INET6 6

struct sctplb_addr {
	__u32 addr[4];          /* network byte order; IPv4 in addr[0] */
	__u8 family;            /* SCTPLB_AF_INET, SCTPLB_AF_INET6, 0 = none */
	__u8 pad[3];
};

/*
 * services: (VIP, port, protocol) -> service.  A service with n VIPs has n
 * keys with protocol 132 (SCTP, port = the service port), and n more with
 * protocol 17 (UDP, port = the encapsulation port) when it accepts SCTP over
 * UDP (RFC 6951).
 */
struct sctplb_vip_key {
	__u32 addr[4];
	__u16 port;             /* network byte order */
	__u8 proto;             /* 132 (SCTP) or 17 (UDP encapsulation) */
	__u8 family;
};

#define SCTPLB_SVC_F_UDP_ENCAP (1u << 0) /* this key is the UDP encapsulation */
#define SCTPLB_SVC_F_NAT       (1u << 1) /* NAT service: svc_nat[id] says how */

struct sctplb_service {
	__u32 id;               /* 1..SCTPLB_MAX_SERVICES-1: maglev slot */
	__u16 sctp_port;        /* the service's SCTP port, network byte order */
	__u8 path;              /* index of this VIP in the service's VIP list */
	__u8 flags;             /* SCTPLB_SVC_F_* */
};

/*
 * svc_gen: array of one __u32, the generation of services and server_ids.
 * The datapath keeps small per-CPU caches of (VIP key -> service) and
 * ((service, server id) -> backend) (bpf/lib/parse.h: svc_cache, sid_cache)
 * whose entries carry the generation they were read under; user space adds
 * one after every write to either map (user/lib/commit.c: the commit and its
 * rollback alike), so that no packet after a change uses an entry read
 * before it.  Anything else that writes them must do the same
 * (lb_svc_gen_bump, user/lib/model.h).  A key added needs no bump: a miss is
 * never cached.
 */

/*
 * backends: array indexed by backend id.  addr[p] is the backend's address on
 * path p (the path of the service's VIP number p); the forwarder sends a
 * packet that arrived for VIP p toward addr[p].
 */
#define SCTPLB_BE_F_ACTIVE  (1u << 0)
#define SCTPLB_BE_F_DRAINED (1u << 1) /* no new associations; existing stay */
#define SCTPLB_BE_F_RTAG    (1u << 2) /* runs the agent: has a server id (server_ids) */

struct sctplb_backend {
	__u32 service_id;
	__u32 flags;            /* SCTPLB_BE_F_* */
	struct sctplb_addr addr[SCTPLB_MAX_PATHS];
};

/*
 * maglev: array of maps indexed by service id; each inner map (mmapable, its
 * template in bpf/lib/maps.h) holds two Maglev tables of backend ids,
 * interleaved, and a generation whose low bit names the live table:
 *
 *   key 0 .. SCTPLB_MAGLEV_SIZE - 1     slot: id[0] in table 0, id[1] in table 1
 *   key SCTPLB_MAGLEV_GEN               id[0]: the generation
 *
 * (An array map's elements are 8 bytes apart whatever their size: the two
 * tables take no more memory than one.)  User space writes the new table
 * into the half that is not live, through mmap, then stores the next
 * generation: one 32-bit store switches every later lookup to the new table,
 * whole.  No update of the outer map, whose every update waits for an RCU
 * grace period (milliseconds): only a service's first table, or a service
 * deleted, touches the outer slot.
 */
struct sctplb_maglev_slot {
	__u32 id[2];            /* id[generation & 1] is live */
};
#define SCTPLB_MAGLEV_GEN     SCTPLB_MAGLEV_SIZE
#define SCTPLB_MAGLEV_ENTRIES (SCTPLB_MAGLEV_SIZE + 1)

/*
 * handshakes (a set-associative table, include/sctplb_settable.h: a flood
 * of handshakes evicts only handshakes, the oldest of a set first, and the
 * set of an address is keyed, so that no one can aim at a client's): a
 * client transport address that sent an INIT -> the backend chosen for it.  Keyed by the INIT's source address and by each
 * address the INIT lists (up to SCTPLB_MAX_INIT_ADDRS), so that a COOKIE-ECHO
 * from any of the client's addresses finds it.  client_index (a keyed
 * set-associative table too, below): the same key for confirmed
 * associations, written when one is confirmed (for every client address it
 * has used; one it uses later, with its first packet on a path: spare
 * entries, which never evict: docs/datapath.md), used by the restart rule; an
 * unconfirmed association's restart rule is its handshake's stag (a
 * COOKIE-ECHO writes one insert less, and a flood of spoofed pairs never
 * evicts a confirmed association's entry).
 */
struct sctplb_client_key {
	__u32 service_id;
	__u16 cport;            /* client's SCTP port, network byte order */
	__u8 family;
	__u8 pad;
	__u32 caddr[4];
};

struct sctplb_handshake {
	__u32 backend_id;
	__u32 ctag;             /* Tc: the Initiate Tag of the client's INIT */
	__u64 created_ns;
	__u8 path;              /* path of the INIT */
	__u8 flags;             /* SCTPLB_HS_F_* */
	__u16 src_set;          /* SCTPLB_HS_F_LISTED: the set of its INIT's source
				 * handshake (its Tc index for this address) */
	__u32 stag;             /* Ts of the unconfirmed association of this address on
				 * backend_id, 0 if none: its restart rule */
};
_Static_assert(SCTPLB_HANDSHAKE_SETS <= 65536, "sctplb_handshake.src_set: 16 bits");

/*
 * The backend's INIT-ACK to this handshake was seen on the return path (its
 * COOKIE-ECHO will be found by the Ts learnt there), or its COOKIE-ECHO has
 * completed it: the handshake no longer holds its client address, and an
 * INIT with another tag from there goes by its own tag.
 */
#define SCTPLB_HS_F_ANSWERED (1u << 0)

/*
 * The INIT listed no address but its source: no other address has a
 * handshake, so the unconfirmed association its COOKIE-ECHO makes is found
 * by Tc through this handshake alone (its ctag and, once answered, its stag:
 * bpf/lib/lb.h pending_by_ctag), with no pending_ctags entry.  Without the
 * flag (an INIT that listed addresses, a handshake written before the flag
 * existed) the COOKIE-ECHO also writes pending_ctags, for the client's other
 * addresses.
 */
#define SCTPLB_HS_F_ONE_ADDR (1u << 1)

/*
 * A multihomed client's INIT: its source's handshake is SCTPLB_HS_F_SRC, and
 * the entry of each address it listed is SCTPLB_HS_F_LISTED and names the
 * source's set (src_set).  Once a COOKIE-ECHO from the source has made the
 * association, the source's handshake holds Tc and Ts, and a packet with Tc
 * from or to a listed address finds Ts there (bpf/lib/lb.h pending_by_ctag:
 * the listed entry, then the source's set, for its client port and Tc), so
 * that COOKIE-ECHO writes no pending_ctags entry either.  A handshake that
 * stops being that index hands it to pending_ctags first: a new INIT from
 * the source that keeps its Ts with another Tc or lists no address, one for
 * another backend, a newer association of the address (bpf/lib/lb.h
 * hs_hand_over).  An INIT whose walk did not reach every
 * parameter (a first fragment, more addresses than SCTPLB_MAX_INIT_ADDRS)
 * or met an address whose handshake is another client's (bpf/lib/lb.h
 * hs_listed_holds) flags its source with neither SCTPLB_HS_F_SRC nor
 * SCTPLB_HS_F_ONE_ADDR: some address may have no entry of its.  A COOKIE-ECHO from a listed address, or
 * onto a handshake with neither flag (or written before they existed),
 * writes pending_ctags as before.
 */
#define SCTPLB_HS_F_SRC    (1u << 2)
#define SCTPLB_HS_F_LISTED (1u << 3)

/* Whether the handshake (sk, sh) is the source's of the INIT that listed an
 * address of client key k, with Ts for Tc ctag: the datapath's hs_src_stag
 * and user space's lb_listed_src_stag. */
static inline __attribute__((always_inline)) int
sctplb_hs_listed_src(const struct sctplb_client_key *sk, const struct sctplb_handshake *sh,
		     const struct sctplb_client_key *k, __u32 ctag)
{
	return sh->ctag == ctag && sk->cport == k->cport && sk->service_id == k->service_id &&
	       (sh->flags & SCTPLB_HS_F_SRC) && sh->stag;
}

SCTPLB_SETTABLE_TYPES(sctplb_handshake, struct sctplb_client_key, struct sctplb_handshake,
		      SCTPLB_HANDSHAKE_WAYS);

/* The victim rule's exception (include/sctplb_settable.h): a handshake that
 * names an unconfirmed association is its restart rule, and goes only when
 * every way of its set does. */
static inline __u32 sctplb_handshake_keep(const struct sctplb_handshake *h)
{
	return h->stag; /* not 0: keep */
}

struct sctplb_client {
	__u32 backend_id;
	__u32 stag;             /* Ts of the association it holds */
};

/*
 * client_index is a set-associative table (include/sctplb_settable.h),
 * SCTPLB_CLIENT_WAYS ways a set, of --max-assocs / 0.85 ways: 38.5 bytes a
 * way, 45.3 an association of --max-assocs, against 110.5 for the LRU hash it
 * was (the hash element's 48-byte header and its bucket:
 * docs/compact-table.md).  A key has two candidate sets
 * (sctplb_settable_index2): a new entry goes to the emptier, and only when
 * both are full does it take the older of their oldest entries, as the LRU
 * gave its least recently used: an entry lost costs a restart of its client
 * the old backend (the INIT goes by Maglev), nothing else.  Only a confirmed
 * association writes here, so no flood fills it, and its sets are keyed.
 * With one entry for each of --max-assocs associations none is lost (uniform
 * hashing, simulated: 16-way sets with two candidates fill to ~85% before an
 * insert finds both full); with one candidate set, as until 2026-12-02,
 * ~4.4% were.  An association's other client addresses are spare entries
 * (stamped 1, put only where a set has room: bpf/lib/settable.h
 * NAME_put_spare2), which those first entries evict before any other: with
 * every association of two addresses, 99.35% of the first entries are kept
 * at full --max-assocs, and ~18% of the second (docs/datapath.md).
 */
#define SCTPLB_CLIENT_WAYS 16
#define SCTPLB_CLIENT_SETS(max_assocs)                                                       \
	((__u32)(((__u64)(max_assocs) * 20 / 17 + SCTPLB_CLIENT_WAYS - 1) / SCTPLB_CLIENT_WAYS))
SCTPLB_SETTABLE_TYPES(sctplb_client, struct sctplb_client_key, struct sctplb_client,
		      SCTPLB_CLIENT_WAYS);

/*
 * Key filters: which keys a table may hold, so that a packet whose key is
 * almost always new skips that table's lookup, a cold bucket (docs/bench.md):
 *   client_filter  the client transport addresses client_index may hold: an
 *                  INIT reads client_index (the restart rule) only where its
 *                  source's bit is set (nearly no new client, no spoofed
 *                  INIT), ~70 ns of an INIT;
 *   assoc_filter   the keys assocs may hold: a COOKIE-ECHO, and an INIT-ACK
 *                  on the return path, look assocs up for an association
 *                  that already has their Ts (the collision rule) only
 *                  where the key's bit is set, ~60 ns of a COOKIE-ECHO.
 * Each is an array of 64-bit words, two generations of SCTPLB_FILTER_BITS
 * bits (words [0, W) and [W, 2W), W = SCTPLB_FILTER_WORDS: a bit's word in
 * each, SCTPLB_FILTER_WORD; side by side in one line measured the same); the
 * word after them counts gc's rebuilds.  The datapath sets a key's bit
 * (sctplb_filter_bit) in both generations, atomically, once the table's
 * entry is written, and reads the OR of the two: a clear bit means no entry
 * (but for the entries that programs of an older sctplb, still attached
 * during an upgrade, write without a bit: until `attach` has replaced them
 * all, or the next sweep's rebuild).  Nothing clears a bit but gc, one
 * generation per sweep (the count's low bit says which): cleared, then set
 * again from the table, while the other, untouched, still covers every
 * entry; so the bits of keys gone from the table go within two sweeps.
 * `attach` sets the bits of every entry before and after its programs go in
 * (a map made by an upgrade starts from the table).  Mmapable: user space
 * sets bits with atomic ORs.  Unkeyed: an attacker who picks keys whose bits
 * are set pays what every packet paid before, the lookup.
 */
#define SCTPLB_FILTER_LOG2  20 /* 128 KiB a generation */
#define SCTPLB_FILTER_BITS  (1u << SCTPLB_FILTER_LOG2)
#define SCTPLB_FILTER_WORDS (SCTPLB_FILTER_BITS / 64)
#define SCTPLB_FILTER_GEN   (2 * SCTPLB_FILTER_WORDS) /* the rebuild count */
/* The word of a bit in generation g (0 or 1). */
#define SCTPLB_FILTER_WORD(bit, g) ((g) * SCTPLB_FILTER_WORDS + ((bit) >> 6))

/* The filter bit of a key of `size` bytes (a multiple of 4, padding zeroed). */
static inline __attribute__((always_inline)) __u32
sctplb_filter_bit(const void *key, __u32 size)
{
	const __u32 *w = (const __u32 *)key;
	__u64 h = 0x9e3779b97f4a7c15ull;
	__u32 i;

	for (i = 0; i < size / sizeof(__u32); i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
	return (__u32)(h >> (64 - SCTPLB_FILTER_LOG2));
}

/*
 * Associations: (service, vtag, ports) -> state.  The vtag is the one the
 * client's packets carry: Ts.  The ctags maps give the client's own tag Tc
 * (carried by T-bit ABORT and SHUTDOWN-COMPLETE and by everything the backend
 * sends) -> Ts.
 *
 * Nothing an off-path attacker can send confirms an association: an INIT and
 * a COOKIE-ECHO from a spoofed source, or the backend's INIT-ACK to a spoofed
 * INIT, make only *unconfirmed* entries (assocs_pending, pending_ctags:
 * tables of their own, below, so that they evict only each other).  A packet the backend sends with
 * Tc that is neither an INIT-ACK nor an ending T-bit packet (its COOKIE-ACK,
 * at the latest) proves that the client echoed a cookie the backend made, and
 * moves the association to assocs and assoc_ctags (hash maps, never evicted
 * by traffic).  Without the return path, an association is confirmed once its
 * client has sent SCTPLB_CONFIRM_PACKETS packets with its tag: a blind flood of
 * INIT + COOKIE-ECHO pairs never gets there, a live association soon does.
 * A spoofer who keeps sending on each fake association can (README: limits).
 */
#define SCTPLB_CONFIRM_PACKETS 4
struct sctplb_assoc_key {
	__u32 service_id;
	__u32 vtag;             /* host byte order, as on the wire read with ntohl */
	__u16 cport;            /* network byte order */
	__u16 sport;            /* network byte order */
};

enum sctplb_assoc_state {
	SCTPLB_ASSOC_ESTABLISHED = 1,
	SCTPLB_ASSOC_CLOSING = 2,   /* SHUTDOWN-COMPLETE or ABORT seen: removed after a grace */
};

/*
 * Counters of one backend's path in one direction (path_stats), or their
 * sum.  Per CPU: each CPU writes only its own copy, so nothing is shared.
 */
struct sctplb_path_counters {
	__u64 packets;
	__u64 bytes;
	__u64 data_chunks;      /* DATA and I-DATA */
	__u64 heartbeats;       /* HEARTBEAT and HEARTBEAT-ACK */
	__u64 last_seen_ns;
	__u64 last_data_ns;     /* the last packet with DATA or I-DATA: path health */
};

/*
 * Stamps: the association's times, in units of 2^SCTPLB_STAMP_SHIFT ns
 * (134 ms) of CLOCK_MONOTONIC_COARSE, 0 = never; 32 bits last 18 years of
 * uptime.  An association is shared by every CPU, and every packet of it
 * would write its cache line: a stamp is written only when it changes (7
 * times a second at most per field, against thousands of packets), and the
 * client address of a path only when it differs.  134 ms is fine enough for
 * what reads them: the idle timeout (minutes), the closing grace (5 s), path
 * health (silent after 60 s) and the DATA path.
 */
#define SCTPLB_STAMP_SHIFT 27

static inline __u32 sctplb_stamp(__u64 ns)
{
	return (__u32)(ns >> SCTPLB_STAMP_SHIFT);
}

static inline __u64 sctplb_stamp_ns(__u32 stamp)
{
	return (__u64)stamp << SCTPLB_STAMP_SHIFT;
}

/*
 * One path (VIP index) of an association, as its client uses it: the
 * client's address there (needed by assoc list, path health, failovers and
 * gc's client_index clean-up) and when it last sent there.  The counters of
 * the path are per backend (path_stats), not per association.
 */
struct sctplb_assoc_path {
	__u32 caddr[4];         /* last client address seen on this path, network order */
	__u8 family;            /* SCTPLB_AF_*, 0: the client never sent here */
	__u8 pad[3];
	__u32 seen;             /* stamp of its last packet on this path */
	__u32 data;             /* stamp of its last packet with DATA or I-DATA: path health */
};

/*
 * The value of assocs and assocs_pending: small, so that a table of a
 * million is a few hundred MiB and a lookup touches few cache lines.
 */
struct sctplb_assoc {
	__u32 backend_id;
	__u32 ctag;             /* Tc, 0 if not known */
	__u8 state;             /* enum sctplb_assoc_state */
	__u8 flags;
	__u16 packets;          /* client packets, counted up to SCTPLB_CONFIRM_PACKETS */
	__u32 created;          /* stamp */
	__u32 seen;             /* stamp of the last packet either way */
	__u32 closing;          /* stamp of the SHUTDOWN-COMPLETE or ABORT */
	struct sctplb_assoc_path path[SCTPLB_MAX_PATHS];
};

#define SCTPLB_ASSOC_F_FROM_INIT_ACK (1u << 0) /* learnt on the return path */

struct sctplb_ctag_value {
	__u32 stag;             /* Ts: the assocs key's vtag */
};

/*
 * assocs_pending and pending_ctags are set-associative tables
 * (include/sctplb_settable.h) of --max-assocs entries: max_assocs / WAYS
 * sets, a set's index keyed by settings.settable_key.  An insert is an array
 * lookup, a SipHash and an uncontended lock, against ~450 ns for a BPF LRU
 * insert.  The victim of a full set of assocs_pending is the association
 * seen least recently (its `seen`, then its client packets: bpf/lib/lb.h);
 * pending_ctags has twice the ways (an entry is 16 bytes), oldest first.
 * An association made from a client whose INIT listed no other address has
 * no pending_ctags entry: the handshake of its address (Tc, and Ts since the
 * COOKIE-ECHO) is its Tc index (SCTPLB_HS_F_ONE_ADDR, bpf/lib/lb.h
 * pending_by_ctag).
 * The datapath reads and writes an unconfirmed association in place without
 * the lock, as in assocs (docs/datapath.md).
 */
#define SCTPLB_PENDING_WAYS      4
#define SCTPLB_PENDING_CTAG_WAYS 8
SCTPLB_SETTABLE_TYPES(sctplb_pending, struct sctplb_assoc_key, struct sctplb_assoc,
		      SCTPLB_PENDING_WAYS);
SCTPLB_SETTABLE_TYPES(sctplb_pending_ctag, struct sctplb_assoc_key, struct sctplb_ctag_value,
		      SCTPLB_PENDING_CTAG_WAYS);

/*
 * path_stats (per-CPU array): per backend, per path (VIP index), per
 * direction, at index sctplb_path_index(); a backend id names its service.
 * An array, not a hash keyed by client: no lookup cost beyond an index, no
 * insert for a new client, nothing evicted.  The client addresses of a path
 * are in its associations (struct sctplb_assoc_path).
 */
enum sctplb_dir {
	SCTPLB_DIR_TO_BACKEND = 0,
	SCTPLB_DIR_TO_CLIENT = 1,
};

#define SCTPLB_PATH_STATS_N (SCTPLB_MAX_BACKENDS * SCTPLB_MAX_PATHS * 2)

static inline __u32 sctplb_path_index(__u32 backend_id, __u32 path, __u32 dir)
{
	return (backend_id * SCTPLB_MAX_PATHS + (path & (SCTPLB_MAX_PATHS - 1))) * 2 + (dir & 1);
}

/*
 * frags (LRU): a fragmented IP datagram whose first fragment was classified
 * -> where its later fragments go.  IPv4 identification is 16 bits, IPv6's
 * (fragment header) 32.  Addresses as in the packet (client -> VIP).
 */
struct sctplb_frag_key {
	__u32 id;
	__u8 family;
	__u8 pad[3];
	__u32 saddr[4];
	__u32 daddr[4];
};

struct sctplb_frag {
	__u32 service_id;
	__u32 backend_id;
	__u32 path;
	__u32 pad;
};

/*
 * NAT (docs/nat.md).  A service with SCTPLB_SVC_F_NAT sends a packet for VIP
 * i to its backend's address i (destination NAT per path), its port mapped
 * to target_port when set; svc_nat[service id] says how, and is also what
 * the control plane reads back.
 *
 * nat_backends is the return path's way back: (backend address, the
 * backend's port, protocol) -> the service as `services` would give it for
 * the VIP (sctp_port: the backend's SCTP port, target_port or the service
 * port), the backend, and the VIP and port its packets leave with.  The key
 * is a struct sctplb_vip_key: proto 132 with the backend's SCTP port, and,
 * with UDP encapsulation, proto 17 with the encapsulation port.  One hash
 * lookup per return packet, as for a VIP; the backends array is never
 * scanned.
 */
#define SCTPLB_NAT_F_ON (1u << 0)

struct sctplb_svc_nat {
	__u32 flags;            /* SCTPLB_NAT_F_ON */
	__u16 sctp_port;        /* the service port, network byte order */
	__u16 target_port;      /* the backends' port, network byte order; 0 = the same */
	__u32 nsnat;            /* full NAT: forwarder addresses, one per path (0: none) */
	__u32 pad;
	struct sctplb_addr snat[SCTPLB_MAX_PATHS];
};

struct sctplb_nat_backend {
	struct sctplb_service svc; /* svc.path: the path of this backend address */
	__u32 backend_id;
	__u16 vip_port;         /* the service port, network byte order */
	__u16 pad;
	struct sctplb_addr vip; /* the VIP of that path */
};

/*
 * Full NAT (svc_nat.nsnat > 0, `service add --snat S1,S2`): for backends that
 * do not route back through the forwarder, the client is hidden too.  Toward
 * the backend, the source of a packet on path i becomes snat[i], and the
 * addresses an INIT lists become the forwarder's of the paths they stand for
 * (the INIT's source: its own path; the others: the next path of their
 * family).  snat_flows remembers, per (service, Tc, client port), the client's
 * address behind each snat[i]: a backend's packet to snat[i] (vtag Tc, or Ts
 * for a T-bit packet, whose association gives Tc) goes back to it.  Two
 * clients with the same port are told apart by their tags; an INIT whose (Tc,
 * port) another client holds is a collision, answered with the ABORT of
 * draft-ietf-tsvwg-natsupp (bpf/lib/nat.h).  A client's wildcard ASCONF
 * moves its path's address here.
 */
struct sctplb_snat_key {
	__u32 service_id;
	__u32 ctag;             /* Tc, host byte order */
	__u16 cport;            /* network byte order */
	__u16 pad;
};

struct sctplb_snat_flow {
	struct sctplb_addr client[SCTPLB_MAX_PATHS]; /* behind snat[i]; family 0: none */
	__u64 created_ns;
};

/*
 * An address that the backend lists in its INIT-ACK and that is none of its
 * addresses of the service (no VIP stands for it) becomes a Padding
 * parameter (RFC 4820, type 0x8005) of the same length, its bytes zeroed:
 * the client skips it (RFC 9260 3.2.1, high bits 10) and never learns the
 * address; the chunk keeps its length, so the CRC32c is patched, not
 * recomputed.
 */
#define SCTPLB_PARAM_PAD 0x8005

/* settings: array of one element, written by user space. */
enum sctplb_unknown_policy {
	SCTPLB_UNKNOWN_DROP = 0,    /* default: drop and count */
	SCTPLB_UNKNOWN_PASS = 1,    /* hand to the local stack */
	SCTPLB_UNKNOWN_HASH = 2,    /* Maglev over (vtag, ports): same answer on every instance */
};

/*
 * Expiry (done by `sctplb gc`, see the README): 0 in a field means its
 * default below.
 */
#define SCTPLB_IDLE_TIMEOUT_S      300 /* established, idle: telco heartbeats are 30 s */
#define SCTPLB_CLOSING_GRACE_S     5   /* ended: SHUTDOWN-COMPLETE/ABORT may be retransmitted */
#define SCTPLB_HANDSHAKE_TIMEOUT_S 10  /* INIT with no COOKIE-ECHO */
/*
 * Path health (user space: assoc list, paths, metrics): a path is silent when
 * nothing came on it for this long.  A standby path carries one HEARTBEAT per
 * HB.interval + RTO (RFC 9260 section 8.3; HB.interval 30 s by default,
 * section 16): twice 30 s lets one heartbeat be late or lost before the path
 * is called silent.  Networks that tune heartbeats down set it lower.
 */
#define SCTPLB_PATH_SILENT_S       60

struct sctplb_config {
	__u32 abi_version;
	__u32 unknown_policy;       /* enum sctplb_unknown_policy */
	__u32 idle_timeout_s;
	__u32 closing_grace_s;
	__u32 handshake_timeout_s;
	__u32 path_silent_s;        /* user space only: path health */
	__u32 event_rate;           /* events per second per CPU (bpf/lib/event.h); 0: default */
	__u32 event_burst;          /* events a CPU may emit at once; 0: default */
	__u32 settable_key[4];      /* SipHash key of the set-associative tables' index:
				     * random, made once with the maps (never changed:
				     * entries would be lost) */
};

/*
 * Control-plane metadata, read and written only by user space, pinned with
 * the other maps so that the configuration survives the loader: svc_meta is
 * indexed by service id, be_meta by backend id (an entry with name[0] == 0 is
 * free).
 */
#define SCTPLB_NAME_LEN 32

#define SCTPLB_PATH_LEN 128

struct sctplb_service_meta {
	char name[SCTPLB_NAME_LEN];
	__u16 sctp_port;        /* host byte order */
	__u16 udp_encap_port;   /* host byte order; 0 = no encapsulation */
	__u32 nvips;
	struct sctplb_addr vip[SCTPLB_MAX_PATHS];
	char tag_key_file[SCTPLB_PATH_LEN]; /* routable tags: where the key came from */
};

struct sctplb_backend_meta {
	char name[SCTPLB_NAME_LEN];
	__u32 service_id;
	__u32 weight;
	__u32 server_id;        /* routable tags: 0 = the backend runs no agent */
	__u32 pad;
};

/*
 * Routable tags (include/sctplb_rtag.h, docs/routable-tags.md).  A service
 * whose backends run the agent has a tag key: svc_rtag[service id], the
 * expanded key (never the secret itself).  server_ids maps (service, server
 * id) to the backend that holds it: a vtag that decodes to one is forwarded
 * there with no association lookup.
 */
#define SCTPLB_RTAG_F_ON (1u << 0)

struct sctplb_svc_rtag {
	struct sctplb_rtag_key key;
	__u32 flags;            /* SCTPLB_RTAG_F_ON */
};

struct sctplb_server_key {
	__u32 service_id;
	__u32 server_id;
};

/*
 * The backend agent (bpf/agent.bpf.c), on a backend host: agent_config[0]
 * says which server it is; agent_out maps the backend's own tag Ts to the
 * routable tag T' that the clients see, agent_in T' back to Ts.  Keys carry
 * the ports (client, service: network order) so that two associations with
 * the same tag on different ports never meet.
 */
struct sctplb_agent_config {
	struct sctplb_rtag_key key;
	__u32 server_id;
	__u32 flags;            /* SCTPLB_RTAG_F_ON: attached and configured */
	__u64 build_id;         /* user space: the object whose programs are pinned beside */
};

struct sctplb_agent_key {
	__u32 tag;              /* host byte order */
	__u16 cport;            /* network byte order */
	__u16 sport;            /* network byte order */
};

#define SCTPLB_AGENT_F_SEEN    (1u << 0) /* a client packet came back with T' */
#define SCTPLB_AGENT_F_CLOSING (1u << 1) /* ABORT or SHUTDOWN-COMPLETE seen */

struct sctplb_agent_tag {
	__u32 tag;              /* the other tag: T' in agent_out, Ts in agent_in */
	__u32 flags;            /* SCTPLB_AGENT_F_* (kept in agent_in) */
	__u64 created_ns;
	__u64 last_seen_ns;     /* agent_in: the last client packet translated */
	__u64 closing_ns;
};
/*
 * Hash maps, not LRU: a flood of spoofed INITs makes the backend answer with
 * INIT-ACKs, and their tags must never evict a live association's.  With the
 * maps full a new association keeps its own tag (AGENT_NO_TAG: not routable,
 * still forwarded by learnt state); `sctplb agent gc` expires what never got
 * an answer (handshake timeout), what ended (grace) and what went idle.
 */
#define SCTPLB_AGENT_MAX_TAGS 262144

/*
 * trace: array of one element, the decision on the last packet.  Written only
 * when the program was loaded with the read-only variable sctplb_trace set
 * (replay and tests); in production the verifier removes the code.
 */
struct sctplb_decision {
	__u32 service_id;       /* 0 if the packet is for no service */
	__u32 backend_id;       /* chosen backend, even if it cannot be reached */
	__u32 verdict;          /* XDP_* or TC_ACT_* returned */
	__u32 reason;           /* enum sctplb_stat that decided the verdict */
	__u32 vtag;             /* host byte order */
	__u8 path;
	__u8 pad[3];
};

/*
 * Left in the XDP metadata, in front of the packet, when the FIB has no
 * neighbour entry for the next hop: sctplb_tc_finish sends the packet on with
 * bpf_redirect_neigh() from this alone, without parsing it again.  XDP has
 * counted it as forwarded (and FIB_NO_NEIGH).
 */
#define SCTPLB_META_MAGIC 0x5c7b1b01u
struct sctplb_meta {
	__u32 magic;
	__u32 backend_id;
	__u32 service_id;
	__u8 path;
	__u8 pad;
	__u16 l3_len;           /* IP length, for the FIB's MTU check */
};

/*
 * Per-service source policy (bpf/lib/policy.h): LPM tries by family, keyed by
 * (service id, client address), both in network byte order (an LPM trie
 * matches bits from the first byte: prefixlen = 32 + the address prefix, so
 * that the service id always matches whole).  The longest match decides an
 * INIT: DENY drops it (POLICY_DROP); ALLOW or no match lets it through.  A
 * service with an allow rule also has a /0 entry of each family with
 * DEFAULT_DENY, written by user space: then only what is allowed comes in.
 * Only INITs are filtered: established associations are not cut when a
 * policy changes (docs/loader.md).
 */
#define SCTPLB_MAX_POLICY 16384         /* entries per family */
#define SCTPLB_MAX_SVC_RULES 128        /* rules per service (user space) */

enum sctplb_policy_action {
	SCTPLB_POLICY_ALLOW = 1,
	SCTPLB_POLICY_DENY = 2,
	SCTPLB_POLICY_DEFAULT_DENY = 3, /* the implicit /0 of a service with allow rules */
};

struct sctplb_policy4_key {
	__u32 prefixlen;        /* 32 + address prefix length */
	__u32 service_id;       /* network byte order */
	__u32 addr;
};

struct sctplb_policy6_key {
	__u32 prefixlen;        /* 32 + address prefix length */
	__u32 service_id;       /* network byte order */
	__u32 addr[4];
};

struct sctplb_policy {
	__u32 action;           /* enum sctplb_policy_action */
};

/*
 * ppid_stats: per-CPU array of __u64, DATA chunks toward the backends per
 * service and class of payload protocol identifier (bpf/lib/ppid.h): index
 * service id * SCTPLB_PPID_N + class.  X(NAME, label, help).
 */
#define SCTPLB_PPID_CLASSES(X)                                               \
	X(OTHER, "other", "any other payload protocol identifier")          \
	X(S1AP, "s1ap", "S1AP (PPID 18)")                                   \
	X(NGAP, "ngap", "NGAP (PPID 60)")                                   \
	X(DIAMETER, "diameter", "Diameter (PPID 46, and 47 over DTLS)")     \
	X(M3UA, "m3ua", "M3UA (PPID 3)")

#define SCTPLB_PPID_ENUM(name, label, help) SCTPLB_PPID_##name,
enum sctplb_ppid_class {
	SCTPLB_PPID_CLASSES(SCTPLB_PPID_ENUM)
	SCTPLB_PPID_N
};
#undef SCTPLB_PPID_ENUM

/*
 * Association events (bpf/lib/event.h, `sctplb monitor`): the datapath writes
 * one struct sctplb_event into the ring buffer `events` (pinned beside the
 * maps, declared by hand in bpf/lib/maps.h: a ring buffer has no key or
 * value) where a state changes, and `sctplb gc` writes "expired" through the
 * program sctplb_event_emit (BPF_PROG_RUN), so that every consumer reads one
 * stream.  Emitting never waits: a CPU emits at most event_rate events a
 * second with bursts of event_burst (a token bucket per CPU, event_tokens);
 * what the bucket refuses is counted in EVENT_RATELIMITED, what the ring
 * buffer has no room for (no reader, or a slow one) in EVENT_LOST.
 * X(NAME, name, what).
 */
#define SCTPLB_EVENT_KINDS(X)                                                                 \
	X(ESTABLISHED, "established", "a new association stored, unconfirmed (COOKIE-ECHO, or the backend's INIT-ACK)") \
	X(CONFIRMED, "confirmed", "confirmed by the backend's packet on the return path")      \
	X(PROMOTED, "promoted", "confirmed by its client's sustained traffic (direct return)") \
	X(CLOSING, "closing", "ended: ABORT or SHUTDOWN-COMPLETE from either side")            \
	X(EXPIRED, "expired", "removed by the sweep (sctplb gc): ended, idle, or its backend gone") \
	X(COLLISION, "collision", "vtag and ports held by another backend's association: not stored") \
	X(RESTART, "restart", "INIT from a client transport address that holds an association") \
	X(TABLE_FULL, "table_full", "confirmed table full: the association stays unconfirmed") \
	X(PATH_NEW, "path_new", "the first packet of an association on a path")              \
	X(FAILOVER, "failover", "DATA on another path than the association's last DATA")      \
	X(POLICY_DROP, "policy_drop", "INIT from a source the service's policy denies: dropped")

#define SCTPLB_EV_ENUM(name, str, what) SCTPLB_EV_##name,
enum sctplb_event_kind {
	SCTPLB_EV_NONE = 0,
	SCTPLB_EVENT_KINDS(SCTPLB_EV_ENUM)
	SCTPLB_EV_MAX
};
#undef SCTPLB_EV_ENUM

#define SCTPLB_EVENTS_SIZE  (1u << 20) /* ring buffer bytes: ~16000 events */
#define SCTPLB_EVENT_RATE   1000       /* default event_rate: per second per CPU */
#define SCTPLB_EVENT_BURST  2000       /* default event_burst */
#define SCTPLB_EV_NO_PATH   0xff       /* path, from_path: not known or none */

/* EXPIRED: detail says why. */
enum sctplb_event_expiry {
	SCTPLB_EXPIRY_CLOSED = 1,   /* ended, past the closing grace */
	SCTPLB_EXPIRY_IDLE = 2,     /* idle past the idle timeout */
	SCTPLB_EXPIRY_OWNED = 3,    /* its backend or service was deleted */
};

struct sctplb_event {
	__u64 time_ns;          /* the datapath's clock (lb_now) */
	__u32 kind;             /* enum sctplb_event_kind */
	__u32 service_id;
	__u32 backend_id;       /* 0: none (policy_drop) */
	__u32 vtag;             /* Ts, host byte order; 0 when the packet carried only Tc */
	__u32 ctag;             /* Tc, host byte order; 0 when not known */
	__u16 cport;            /* network byte order */
	__u16 sport;            /* network byte order */
	__u8 path;              /* the packet's path, or SCTPLB_EV_NO_PATH */
	__u8 from_path;         /* failover: the path DATA left */
	__u8 detail;            /* expired: enum sctplb_event_expiry */
	__u8 pad;
	struct sctplb_addr client; /* the client's address on that path; family 0: not known */
};

/* event_tokens (per CPU): the token bucket of bpf/lib/event.h. */
struct sctplb_event_bucket {
	__u64 last_ns;          /* when it was last filled */
	__u64 credit_ns;        /* tokens, as time: one event costs 1e9 / event_rate ns */
};

/*
 * redirect_errs (per CPU): XDP redirects that failed after a program had
 * decided (the xdp:xdp_redirect_err and xdp:xdp_devmap_xmit tracepoints,
 * sctplb_redirect_err and sctplb_devmap_xmit), by network namespace, target
 * interface and errno: frames counted as forwarded that never left.
 */
struct sctplb_redirect_err_key {
	__u32 netns;            /* the namespace's inode number (/proc/self/ns/net) */
	__u32 ifindex;          /* the redirect's target interface; 0: not known (a map redirect) */
	__s32 err;              /* negative errno */
	__u32 pad;
};
#define SCTPLB_MAX_REDIRECT_ERRS 1024

/*
 * The pinned maps, in one list: X(ID, name, TYPE, max_entries, key, value,
 * flags, what).  bpf/lib/maps.h declares every map from it (BPF_MAP_TYPE_TYPE,
 * named `name` in the object and under the pin directory); user space takes
 * from it its map ids (LB_ID), names, key and value sizes, and which maps
 * --max-assocs sizes.  maglev, a map of maps, and events, a ring buffer
 * (neither has a plain key and value), are declared by hand in maps.h and
 * listed apart.  Adding a map is one line here.
 */
#define SCTPLB_MAP_F_ASSOCS (1u << 0) /* sized by --max-assocs when created */
#define SCTPLB_MAP_F_MMAP   (1u << 1) /* BPF_F_MMAPABLE: user space maps it */

#define SCTPLB_MAPS(X)                                                                        \
	X(SERVICES, services, HASH, SCTPLB_MAX_VIP_KEYS, struct sctplb_vip_key,               \
	  struct sctplb_service, 0, "(VIP, port, protocol) -> service and path index")         \
	X(BACKENDS, backends, ARRAY, SCTPLB_MAX_BACKENDS, __u32, struct sctplb_backend, 0,     \
	  "backend id -> service, flags and one address per path")                             \
	X(HANDSHAKES, handshakes, ARRAY, SCTPLB_HANDSHAKE_SETS, __u32,                          \
	  struct sctplb_handshake_set, 0,                                                      \
	  "pending handshakes by client transport address (sets of a keyed table)")            \
	X(CLIENT_INDEX, client_index, ARRAY, SCTPLB_CLIENT_SETS(SCTPLB_MAX_ASSOCS), __u32,     \
	  struct sctplb_client_set, SCTPLB_MAP_F_ASSOCS,                                       \
	  "client transport address -> backend of its last association (restart rule), sets " \
	  "of a keyed table")                                                                  \
	X(CLIENT_FILTER, client_filter, ARRAY, SCTPLB_FILTER_GEN + 1, __u32, __u64,            \
	  SCTPLB_MAP_F_MMAP, "the client transport addresses client_index may hold (bits)")  \
	X(ASSOC_FILTER, assoc_filter, ARRAY, SCTPLB_FILTER_GEN + 1, __u32, __u64,              \
	  SCTPLB_MAP_F_MMAP, "the keys assocs may hold (bits)")                               \
	X(ASSOCS, assocs, HASH, SCTPLB_MAX_ASSOCS, struct sctplb_assoc_key, struct sctplb_assoc, \
	  SCTPLB_MAP_F_ASSOCS, "confirmed associations by (service, Ts, ports); never evicted") \
	X(ASSOC_CTAGS, assoc_ctags, HASH, SCTPLB_MAX_ASSOCS, struct sctplb_assoc_key,          \
	  struct sctplb_ctag_value, SCTPLB_MAP_F_ASSOCS,                                       \
	  "(service, Tc, ports) -> Ts of a confirmed association")                             \
	X(PENDING, assocs_pending, ARRAY, SCTPLB_MAX_ASSOCS / SCTPLB_PENDING_WAYS, __u32,       \
	  struct sctplb_pending_set, SCTPLB_MAP_F_ASSOCS,                                      \
	  "unconfirmed associations (COOKIE-ECHO, INIT-ACK), sets of a keyed table: evict "    \
	  "only each other")                                                                   \
	X(PENDING_CTAGS, pending_ctags, ARRAY, SCTPLB_MAX_ASSOCS / SCTPLB_PENDING_CTAG_WAYS,    \
	  __u32, struct sctplb_pending_ctag_set, SCTPLB_MAP_F_ASSOCS,                          \
	  "(service, Tc, ports) -> Ts of an unconfirmed association, sets of a keyed table")   \
	X(PATH_STATS, path_stats, PERCPU_ARRAY, SCTPLB_PATH_STATS_N, __u32,                   \
	  struct sctplb_path_counters, 0,                                                      \
	  "per backend, path (VIP index) and direction counters (sctplb_path_index)")         \
	X(SETTINGS, settings, ARRAY, 1, __u32, struct sctplb_config, 0,                        \
	  "global settings written by user space")                                             \
	X(SVC_GEN, svc_gen, ARRAY, 1, __u32, __u32, 0,                                         \
	  "generation of services and server_ids: their caches' validity")                     \
	X(STATS, stats, PERCPU_ARRAY, SCTPLB_STAT_MAX, __u32, __u64, 0,                        \
	  "global counters by reason (enum sctplb_stat)")                                      \
	X(SVC_META, svc_meta, ARRAY, SCTPLB_MAX_SERVICES, __u32, struct sctplb_service_meta, 0, \
	  "control-plane names and settings by service id (user space only)")                  \
	X(BE_META, be_meta, ARRAY, SCTPLB_MAX_BACKENDS, __u32, struct sctplb_backend_meta, 0,  \
	  "control-plane names and weights by backend id (user space only)")                   \
	X(TRACE, trace, ARRAY, 1, __u32, struct sctplb_decision, 0,                            \
	  "the decision on the last packet, when sctplb_trace is set")                         \
	X(FRAGS, frags, LRU_HASH, SCTPLB_MAX_FRAGS, struct sctplb_frag_key, struct sctplb_frag, \
	  0, "later fragments follow their first fragment's backend")                          \
	X(SVC_RTAG, svc_rtag, ARRAY, SCTPLB_MAX_SERVICES, __u32, struct sctplb_svc_rtag, 0,    \
	  "service id -> its routable-tag key (expanded), when its backends run the agent")    \
	X(SERVER_IDS, server_ids, HASH, SCTPLB_MAX_BACKENDS, struct sctplb_server_key, __u32, 0, \
	  "(service, server id) -> backend id, for routable tags")                          \
	X(SVC_NAT, svc_nat, ARRAY, SCTPLB_MAX_SERVICES, __u32, struct sctplb_svc_nat, 0,       \
	  "service id -> NAT mode: target port, full-NAT addresses")                           \
	X(NAT_BACKENDS, nat_backends, HASH, SCTPLB_MAX_BACKENDS * SCTPLB_MAX_PATHS * 2,         \
	  struct sctplb_vip_key, struct sctplb_nat_backend, 0,                                  \
	  "NAT return path: (backend address, port, protocol) -> service, backend, VIP")        \
	X(SNAT_FLOWS, snat_flows, LRU_HASH, SCTPLB_MAX_ASSOCS, struct sctplb_snat_key,         \
	  struct sctplb_snat_flow, SCTPLB_MAP_F_ASSOCS,                                       \
	  "full NAT: (service, Tc, client port) -> the client's address behind each snat[i]") \
	X(PPID_STATS, ppid_stats, PERCPU_ARRAY, SCTPLB_MAX_SERVICES * SCTPLB_PPID_N, __u32,     \
	  __u64, 0, "DATA chunks toward the backends per service and payload protocol class")   \
	X(POLICY4, policy4, LPM_TRIE, SCTPLB_MAX_POLICY, struct sctplb_policy4_key,             \
	  struct sctplb_policy, 0, "(service, IPv4 prefix) -> allow or deny an INIT")           \
	X(POLICY6, policy6, LPM_TRIE, SCTPLB_MAX_POLICY, struct sctplb_policy6_key,             \
	  struct sctplb_policy, 0, "(service, IPv6 prefix) -> allow or deny an INIT")           \
	X(EVENT_TOKENS, event_tokens, PERCPU_ARRAY, 1, __u32, struct sctplb_event_bucket, 0,    \
	  "the per-CPU token bucket that rate-limits events")                                  \
	X(REDIRECT_ERRS, redirect_errs, PERCPU_HASH, SCTPLB_MAX_REDIRECT_ERRS,                  \
	  struct sctplb_redirect_err_key, __u64, 0,                                            \
	  "XDP redirects refused after the decision, by namespace, target interface and errno")

/*
 * The agent's maps (bpf/agent.bpf.c), pinned apart (/sys/fs/bpf/sctplb-agent):
 * services (its VIPs and port, service id 1) and stats as the forwarder's,
 * and its own.
 */
#define SCTPLB_AGENT_MAPS(X)                                                                  \
	X(SERVICES, services, HASH, SCTPLB_MAX_VIP_KEYS, struct sctplb_vip_key,               \
	  struct sctplb_service, 0, "(VIP, port, protocol) of this backend host")             \
	X(STATS, stats, PERCPU_ARRAY, SCTPLB_STAT_MAX, __u32, __u64, 0, "counters")            \
	X(AGENT_CONFIG, agent_config, ARRAY, 1, __u32, struct sctplb_agent_config, 0,           \
	  "server id and expanded tag key")                                                    \
	X(AGENT_OUT, agent_out, HASH, SCTPLB_AGENT_MAX_TAGS, struct sctplb_agent_key,           \
	  struct sctplb_agent_tag, 0, "(Ts, ports) -> T'")                                     \
	X(AGENT_IN, agent_in, HASH, SCTPLB_AGENT_MAX_TAGS, struct sctplb_agent_key,            \
	  struct sctplb_agent_tag, 0, "(T', ports) -> Ts")

/*
 * stats: per-CPU array of __u64 indexed by enum sctplb_stat.  The names that
 * user space prints are in SCTPLB_STAT_NAMES, in the same order.
 */
#define SCTPLB_STATS(X)                                                     \
	X(RX, "rx", "packets seen")                                         \
	X(PASS_NOT_IP, "pass_not_ip", "not IPv4/IPv6: passed")              \
	X(PASS_NOT_SCTP, "pass_not_sctp", "not SCTP or SCTP-over-UDP: passed") \
	X(PASS_NOT_SERVICE, "pass_not_service", "not for a service: passed") \
	X(FWD, "fwd", "forwarded to a backend")                             \
	X(FWD_TX, "fwd_tx", "forwarded out of the ingress interface")       \
	X(FWD_REDIRECT, "fwd_redirect", "forwarded to another interface")   \
	X(INIT, "init", "INIT chunks")                                      \
	X(INIT_RESTART, "init_restart", "INIT from a transport address that holds an association") \
	X(INIT_RETRANSMIT, "init_retransmit", "INIT matching a pending handshake") \
	X(INIT_PINNED, "init_pinned", "INIT with another tag from an address with a pending handshake: kept on its backend") \
	X(COOKIE_ECHO, "cookie_echo", "COOKIE-ECHO chunks")                 \
	X(ASSOC_CREATED, "assoc_created", "associations stored, unconfirmed (COOKIE-ECHO, INIT-ACK)") \
	X(ASSOC_CONFIRMED, "assoc_confirmed", "associations confirmed by the backend's packet on the return path") \
	X(ASSOC_PROMOTED, "assoc_promoted", "associations confirmed by sustained client traffic (direct return: SCTPLB_CONFIRM_PACKETS packets)") \
	X(ASSOC_CLOSING, "assoc_closing", "associations marked ended (ABORT, SHUTDOWN-COMPLETE)") \
	X(ESTABLISHED, "established", "packets of established associations") \
	X(TBIT, "tbit", "T-bit ABORT/SHUTDOWN-COMPLETE found by the client's tag") \
	X(DATA_CHUNKS, "data_chunks", "DATA and I-DATA chunks")             \
	X(HEARTBEATS, "heartbeats", "HEARTBEAT and HEARTBEAT-ACK chunks")   \
	X(UDP_ENCAP, "udp_encap", "SCTP over UDP packets")                  \
	X(UNKNOWN_VTAG, "unknown_vtag", "no association for the vtag")      \
	X(UNKNOWN_VTAG_DROP, "unknown_vtag_drop", "unknown vtag: dropped (policy drop)") \
	X(UNKNOWN_VTAG_PASS, "unknown_vtag_pass", "unknown vtag: passed (policy pass)") \
	X(UNKNOWN_VTAG_HASH, "unknown_vtag_hash", "unknown vtag: sent by Maglev (policy hash)") \
	X(COOKIE_NO_HANDSHAKE, "cookie_no_handshake", "COOKIE-ECHO with no handshake for its source") \
	X(ASSOC_TABLE_FULL, "assoc_table_full", "confirmed association table full: the association stays unconfirmed") \
	X(ASSOC_COLLISION, "assoc_collision", "vtag and ports held by another backend's association") \
	X(CHUNKS_OVER_BOUND, "chunks_over_bound", "more chunks than walked; rest not inspected") \
	X(NO_BACKEND, "no_backend", "no usable backend: dropped")           \
	X(NO_BACKEND_PATH, "no_backend_path", "backend has no address on the path: dropped") \
	X(FIB_NO_NEIGH, "fib_no_neigh", "backend next hop has no neighbour entry: passed") \
	X(FIB_UNREACHABLE, "fib_unreachable", "no route to the backend: dropped") \
	X(FIB_FRAG_NEEDED, "fib_frag_needed", "larger than the MTU toward the backend: dropped") \
	X(DROP_TRUNCATED, "drop_truncated", "malformed: headers truncated") \
	X(DROP_BAD_IP, "drop_bad_ip", "malformed: bad IP header length")    \
	X(DROP_IPV6_EXT, "drop_ipv6_ext", "IPv6 extension header chain too long") \
	X(DROP_CHUNK_LEN, "drop_chunk_len", "malformed: chunk length zero, short or past the packet") \
	X(DROP_NO_CHUNK, "drop_no_chunk", "malformed: SCTP packet with no chunk") \
	X(DROP_INIT_BUNDLED, "drop_init_bundled", "malformed: INIT bundled with other chunks") \
	X(DROP_INIT_VTAG, "drop_init_vtag", "malformed: INIT with a non-zero vtag") \
	X(DROP_INIT_SHORT, "drop_init_short", "malformed: INIT shorter than its fixed part") \
	X(DROP_ZERO_VTAG, "drop_zero_vtag", "malformed: vtag 0 without INIT") \
	X(PASS_FRAGMENT, "pass_fragment", "later IP fragment before its first: passed") \
	X(FRAG_FIRST, "frag_first", "first fragments classified")          \
	X(FRAG_LATER, "frag_later", "later fragments sent after their first") \
	X(ICMP_ERROR, "icmp_error", "ICMP errors sent to the quoted association's backend") \
	X(PASS_ICMP_UNKNOWN, "pass_icmp_unknown", "ICMP error quoting no known association: passed") \
	X(CT_ENDED, "ct_ended", "return path: association ended by the backend") \
	X(RET_INIT_ACK, "ret_init_ack", "return path: INIT-ACK learnt")     \
	X(RET_PKTS, "ret_pkts", "return path: packets of known associations") \
	X(RTAG_FWD, "rtag_fwd", "routable vtag: sent to the backend it decodes to, no lookup") \
	X(RTAG_UNKNOWN, "rtag_unknown", "vtag decodes to no backend of the service: learnt state decides") \
	X(RTAG_CTAG_HASH, "rtag_ctag_hash", "client's T-bit packet or ICMP quote of a routable service: Maglev over (Tc, ports)") \
	X(AGENT_INIT_ACK, "agent_init_ack", "agent: INIT-ACK's Initiate Tag made routable") \
	X(AGENT_TBIT_OUT, "agent_tbit_out", "agent: backend's T-bit packet given its routable tag") \
	X(AGENT_IN, "agent_in", "agent: client packet's routable vtag translated back") \
	X(AGENT_IN_UNKNOWN, "agent_in_unknown", "agent: client packet with a vtag it never issued: left alone") \
	X(AGENT_NO_TAG, "agent_no_tag", "agent: no free routable tag after retries: INIT-ACK left as it is") \
	X(AGENT_CSUM_OFFLOAD, "agent_csum_offload", "agent: checksum left to the NIC, not patched") \
	X(NAT_TO_BACKEND, "nat_to_backend", "NAT: destination rewritten to the backend's address of the path") \
	X(NAT_PORT, "nat_port", "NAT: SCTP port mapped (either way), CRC32c patched") \
	X(NAT_TO_CLIENT, "nat_to_client", "NAT return path: source rewritten to the VIP of the path") \
	X(NAT_ADDR_VIP, "nat_addr_vip", "NAT return path: a backend address listed in an INIT-ACK made the VIP of its path") \
	X(NAT_ADDR_HIDDEN, "nat_addr_hidden", "NAT return path: an INIT-ACK address with no VIP made a zeroed Padding parameter") \
	X(NAT_FRAG_PORT, "nat_frag_port", "NAT: first IP fragment whose port (or INIT, INIT-ACK) must change (CRC32c spans fragments): dropped") \
	X(NAT_ASCONF_DROP, "nat_asconf_drop", "NAT return path: ASCONF from a backend (it would list the backend's addresses): dropped") \
	X(NAT_SNAT, "nat_snat", "full NAT: client source made the forwarder's address of the path") \
	X(NAT_SNAT_INIT, "nat_snat_init", "full NAT: INIT's addresses made the forwarder's, its client remembered") \
	X(NAT_SNAT_COLLISION, "nat_snat_collision", "full NAT: INIT whose (Tc, client port) another client holds: answered with an ABORT (M bit, VTag and Port Number Collision)") \
	X(NAT_SNAT_BACK, "nat_snat_back", "full NAT return path: destination made the client's address of the path") \
	X(NAT_SNAT_UNKNOWN, "nat_snat_unknown", "full NAT return path: to a forwarder address with no client for its tag: dropped") \
	X(NAT_ASCONF_REFUSED, "nat_asconf_refused", "full NAT: client's ASCONF naming a concrete address (authenticated: not rewritable): dropped") \
	X(NAT_ASCONF_LEARN, "nat_asconf_learn", "full NAT: client's wildcard ASCONF passed, its source made the client's address of the path") \
	X(NAT_FRAG_BACK, "nat_frag_back", "NAT return path: later IP fragment given the addresses of its first") \
	X(NAT_ICMP_TO_CLIENT, "nat_icmp_to_client", "NAT return path: ICMP error quoting a packet sent to a backend, quote and addresses translated back, sent to the client") \
	X(POLICY_DROP, "policy_drop", "INIT from a source the service's policy denies: dropped") \
	X(EVENTS, "events", "association events written into the ring buffer (sctplb monitor)") \
	X(EVENT_RATELIMITED, "event_ratelimited", "events not written: over the per-CPU rate (config event-rate, event-burst)") \
	X(EVENT_LOST, "event_lost", "events not written: the ring buffer was full (no reader, or a slow one)")

/*
 * The final reasons: every packet the XDP program (or sctplb_tc_ingress, with
 * TC_ACT_* for the verdicts) sees increments RX and exactly one of these; the
 * second column is the verdict that goes with it.  The other counters are
 * events along the way.  FIB_NO_NEIGH passes the packet to sctplb_tc_finish,
 * which sends it on: FWD counts it.
 */
#define SCTPLB_FINAL_REASONS(X)                                              \
	X(PASS_NOT_IP, XDP_PASS)                                             \
	X(PASS_NOT_SCTP, XDP_PASS)                                           \
	X(PASS_NOT_SERVICE, XDP_PASS)                                        \
	X(PASS_FRAGMENT, XDP_PASS)                                           \
	X(PASS_ICMP_UNKNOWN, XDP_PASS)                                       \
	X(UNKNOWN_VTAG_PASS, XDP_PASS)                                       \
	X(FIB_NO_NEIGH, XDP_PASS)                                            \
	X(FWD_TX, XDP_TX)                                                    \
	X(FWD_REDIRECT, XDP_REDIRECT)                                        \
	X(NO_BACKEND, XDP_DROP)                                              \
	X(NO_BACKEND_PATH, XDP_DROP)                                         \
	X(FIB_UNREACHABLE, XDP_DROP)                                         \
	X(FIB_FRAG_NEEDED, XDP_DROP)                                         \
	X(UNKNOWN_VTAG_DROP, XDP_DROP)                                       \
	X(DROP_TRUNCATED, XDP_DROP)                                          \
	X(DROP_BAD_IP, XDP_DROP)                                             \
	X(DROP_IPV6_EXT, XDP_DROP)                                           \
	X(DROP_CHUNK_LEN, XDP_DROP)                                          \
	X(DROP_NO_CHUNK, XDP_DROP)                                           \
	X(DROP_INIT_BUNDLED, XDP_DROP)                                       \
	X(DROP_INIT_VTAG, XDP_DROP)                                          \
	X(DROP_INIT_SHORT, XDP_DROP)                                         \
	X(DROP_ZERO_VTAG, XDP_DROP)                                          \
	X(NAT_FRAG_PORT, XDP_DROP)                                           \
	X(NAT_SNAT_COLLISION, XDP_REDIRECT)                                  \
	X(NAT_ASCONF_REFUSED, XDP_DROP)                                      \
	X(POLICY_DROP, XDP_DROP)

/*
 * User space's delete of a set-associative table's entry (the handshakes,
 * the unconfirmed associations, the client index): the argument of the control program
 * sctplb_table_delete (bpf/sctplb.bpf.c, BPF_PROG_TYPE_SYSCALL, run with
 * BPF_PROG_TEST_RUN by user/lib/settable.c).  A set is one array value: a
 * delete written from user space would read the whole set and write it back,
 * undoing an insert the datapath made into the set in between; the program
 * deletes under the set's lock, in one step.  Its return value:
 * SCTPLB_TABLE_OP_*.
 */
enum sctplb_table {
	SCTPLB_TABLE_HANDSHAKES = 0,
	SCTPLB_TABLE_PENDING = 1,
	SCTPLB_TABLE_PENDING_CTAGS = 2,
	SCTPLB_TABLE_CLIENTS = 3,
	SCTPLB_TABLE_N
};

#define SCTPLB_TABLE_OP_F_EXPECT (1u << 0) /* only if the value still equals val */

enum {
	SCTPLB_TABLE_OP_DONE = 0,
	SCTPLB_TABLE_OP_NOENT = 1,  /* no such key */
	SCTPLB_TABLE_OP_STALE = 2,  /* the value is not val any more: kept */
	SCTPLB_TABLE_OP_INVAL = 3,  /* no such table */
};

struct sctplb_table_op {
	__u32 table;            /* enum sctplb_table */
	__u32 flags;            /* SCTPLB_TABLE_OP_F_* */
	union {
		struct sctplb_client_key hs;    /* handshakes, client_index */
		struct sctplb_assoc_key assoc;  /* assocs_pending, pending_ctags */
	} key;
	union {
		struct sctplb_handshake hs;
		struct sctplb_assoc assoc;
		struct sctplb_ctag_value ctag;
		struct sctplb_client client;
	} val;
};

#define SCTPLB_STAT_ENUM(name, str, help) SCTPLB_STAT_##name,
enum sctplb_stat {
	SCTPLB_STATS(SCTPLB_STAT_ENUM)
	SCTPLB_STAT_MAX
};
#undef SCTPLB_STAT_ENUM

/*
 * The INIT hash: Maglev slot = sctplb_init_hash(Tc, sport, dport) %
 * SCTPLB_MAGLEV_SIZE.  Only what every copy of an INIT shares on every path
 * and every forwarder: the Initiate Tag and the ports (never addresses, never
 * ports alone).  Ports as they are in the packet (network byte order).  The
 * mix is murmur3's finaliser: cheap, and every input bit moves the slot.
 */
static inline __u32 sctplb_init_hash(__u32 tag, __u16 sport, __u16 dport)
{
	__u32 h = tag ^ 0x5c7b1b5au;

	h ^= ((__u32)sport << 16 | dport) * 0x9e3779b1u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#endif /* SCTPLB_H */
