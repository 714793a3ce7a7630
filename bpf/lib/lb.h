/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Choosing the backend: INIT by the restart rule, then pending handshakes,
 * then Maglev over (Initiate Tag, ports); COOKIE-ECHO turns a handshake into
 * an association; everything else is found by (service, vtag, ports).
 * docs/datapath.md is the contract.
 */
#ifndef SCTPLB_BPF_LB_H
#define SCTPLB_BPF_LB_H

#include "common.h"
#include "parse.h"
#include "policy.h"
#include "event.h"
#include "settable.h"

#define SCTP_PARAM_IPV4 5
#define SCTP_PARAM_IPV6 6
/* draft-ietf-tsvwg-natsupp: the sender may share its address and port with
 * other endpoints behind a NAT, and asks that its associations never be
 * restarted (FreeBSD and usrsctp call it "NAT friendly"). */
#define SCTP_PARAM_DISABLE_RESTART 0xc007

/*
 * hs is pending: younger than the handshake timeout (an older one is stale:
 * its client has given up or finished).
 */
static __always_inline bool handshake_young(const struct sctplb_handshake *hs, __u64 now)
{
	__u64 timeout = SCTPLB_HANDSHAKE_TIMEOUT_S;
	struct sctplb_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (cfg && cfg->handshake_timeout_s)
		timeout = cfg->handshake_timeout_s;
	/* A handshake stamped by a finer clock than ours (user space) may be
	 * a tick in our future: young. */
	return !(now > hs->created_ns && now - hs->created_ns >= timeout * 1000000000ull);
}

/*
 * Ts of the association made from the source of the INIT that listed k's
 * address, by its Tc: the handshake of set src_set (the listed entry's) of
 * the same service and client port, flagged SCTPLB_HS_F_SRC, with Tc ctag
 * and a Ts; 0 if none.  Read in place without the lock: a caller that takes
 * the association checks that it carries ctag.
 */
static __always_inline __u32 hs_src_stag_in(__u32 src_set, const struct sctplb_client_key *k,
					    __u32 ctag)
{
	const struct sctplb_handshake_set *s = bpf_map_lookup_elem(&handshakes, &src_set);
	__u32 i, stag;

	if (!s)
		return 0;
	for (i = 0; i < SCTPLB_HANDSHAKE_WAYS; i++) {
		const struct sctplb_handshake_entry *e = &s->e[i];

		if (s->stamp[i] && sctplb_hs_listed_src(&e->key, &e->val, k, ctag) &&
		    (stag = e->val.stag))
			return stag;
	}
	return 0;
}

/*
 * An address an INIT lists does not take the handshake of its address from
 * another client (init_one_param): not one that names an unconfirmed
 * association (its restart rule, and its Tc index if it is the source of
 * its INIT: sctplb_handshake_keep), nor one pending with another Tc (young:
 * its COOKIE-ECHO goes by that handshake's backend).  An INIT from the
 * address itself is held off by choose_init's rules (pinned, restart);
 * without this, any INIT listing the address could re-point it, a spoofed
 * one included.  An entry listed by an INIT from the same source set is
 * the same client's (a restart, a new INIT): taken, as by the source's own
 * INIT (a listed entry with Ts had its Tc indexed in pending_ctags by its
 * COOKIE-ECHO).  Nor, past the timeout, an entry another client's INIT
 * listed while that INIT's source handshake names an unconfirmed
 * association of its Tc: the listed entry is that association's Tc index
 * for k's address (docs/datapath.md, "The Tc index"), and gc keeps it so
 * until the association is confirmed.  v is the listed entry, created now.
 */
static __always_inline bool hs_listed_holds(const struct sctplb_client_key *k,
					    const struct sctplb_handshake *old,
					    const struct sctplb_handshake *v)
{
	if ((old->flags & SCTPLB_HS_F_LISTED) && old->src_set == v->src_set)
		return false;
	return sctplb_handshake_keep(old) ||
	       (old->ctag != v->ctag && handshake_young(old, v->created_ns)) ||
	       ((old->flags & SCTPLB_HS_F_LISTED) && hs_src_stag_in(old->src_set, k, old->ctag));
}

/* handshakes: hs_find(_in), hs_put(_in), hs_held_in, hs_replace_in
 * (settable.h).  A handshake that names an unconfirmed association (stag)
 * is that association's restart rule until it is confirmed: a flood of
 * fresh INITs evicts the other handshakes of its set first
 * (sctplb_handshake_keep). */
SETTABLE_DEFINE_KEEP_HOLD(hs, handshakes, struct sctplb_handshake_set, sctplb_handshake_keep,
			  hs_listed_holds)

/* client_index: two candidate sets a key, cli_find2, cli_put2 (settable.h); a
 * new entry goes to the emptier, the oldest of two full sets goes
 * (include/sctplb.h). */
SETTABLE_DEFINE(cli, client_index, struct sctplb_client_set)

/* Its find and put (client_index_add) as global functions: verified once,
 * not once for every state that reaches their calls (sctplb_xdp 15k
 * instructions processed fewer, tc ingress 18k). */
__noinline int client_find(const struct sctplb_client_key *k, struct sctplb_client *out)
{
	return k && out && cli_find2(k, out);
}

/* The decision so far, carried to forwarding and counting. */
struct lb {
	struct sctplb_backend *be;
	struct sctplb_assoc *assoc;     /* NULL until the association exists */
	bool confirmed;                 /* assoc is in the confirmed table */
	__u32 backend_id;
	__u32 service_id;
	__u64 now;
};

/* Scratch space for a new association (key and value, as the unconfirmed
 * table's entry): too big for the BPF stack; then for its Tc index's entry,
 * and choose_cookie's answered handshake and decision, which the tc
 * program's stack (at the verifier's 512 bytes) has no room for either. */
struct assoc_scratch {
	union {
		struct sctplb_pending_entry pend;
		struct sctplb_pending_ctag_entry ctag;
	};
	__u32 created;                  /* assoc_create stored pend: pending_index_new */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct assoc_scratch);
} assoc_scratch SEC(".maps");

/*
 * A backend that may take this packet: active, of this service, and, for a
 * new association, not drained.
 */
static __always_inline int use_backend(struct lb *lb, __u32 id, bool new_assoc)
{
	struct sctplb_backend *be;

	if (id == SCTPLB_BACKEND_NONE)
		return 0;
	be = bpf_map_lookup_elem(&backends, &id);
	if (!be || !(be->flags & SCTPLB_BE_F_ACTIVE) || be->service_id != lb->service_id)
		return 0;
	if (new_assoc && (be->flags & SCTPLB_BE_F_DRAINED))
		return 0;
	lb->be = be;
	lb->backend_id = id;
	return 1;
}

/*
 * The live table is the half of the slot that the generation names
 * (include/sctplb.h).  Which word of the slot is read depends on the
 * generation read, so it is read after it on every CPU, as user space
 * stores the table before the generation.
 */
static __always_inline __u32 maglev_lookup(__u32 service_id, __u32 hash)
{
	__u32 key = SCTPLB_MAGLEV_GEN, slot = hash % SCTPLB_MAGLEV_SIZE;
	struct sctplb_maglev_slot *gen, *s;
	void *table;

	table = bpf_map_lookup_elem(&maglev, &service_id);
	if (!table)
		return SCTPLB_BACKEND_NONE;
	gen = bpf_map_lookup_elem(table, &key);
	s = bpf_map_lookup_elem(table, &slot);
	if (!gen || !s)
		return SCTPLB_BACKEND_NONE;
	return s->id[*(volatile __u32 *)&gen->id[0] & 1];
}

static __always_inline void client_key(struct sctplb_client_key *k, const struct pkt *p,
				       __u32 service_id)
{
	k->service_id = service_id;
	k->cport = p->sport;
	k->family = p->family;
	k->pad = 0;
	__builtin_memcpy(k->caddr, p->saddr, 16);
}

/* k's address is (family, caddr). */
static __always_inline bool client_key_is(const struct sctplb_client_key *k, __u8 family,
					  const __u32 *caddr)
{
	return k->family == family && k->caddr[0] == caddr[0] && k->caddr[1] == caddr[1] &&
	       k->caddr[2] == caddr[2] && k->caddr[3] == caddr[3];
}

static __always_inline void assoc_key(struct sctplb_assoc_key *k, const struct pkt *p,
				      __u32 service_id, __u32 vtag)
{
	k->service_id = service_id;
	k->vtag = vtag;
	k->cport = p->sport;
	k->sport = p->dport;
}

struct init_walk {
	const struct buf *b;
	const struct pkt *p;
	struct sctplb_client_key *k;
	const struct sctplb_handshake *hs;
	__u32 off;
	__u32 end;
	__u32 stamp;    /* of the handshake's entries */
	__u16 naddrs;
	bool refresh;   /* a retransmission: entries that hold hs are refreshed in place */
	bool partial;   /* some address has no entry of this INIT's: the walk
			 * stopped at SCTPLB_MAX_INIT_ADDRS, or the address's
			 * handshake is another client's (hs_listed_holds) */
};

/* a and b are one handshake but for their time (created_ns). */
static __always_inline bool handshake_same(const struct sctplb_handshake *a,
					   const struct sctplb_handshake *b)
{
	return a->backend_id == b->backend_id && a->ctag == b->ctag && a->stag == b->stag &&
	       a->path == b->path && a->flags == b->flags && a->src_set == b->src_set;
}

/* k's handshake (set s) refreshed in place, stamp and created_ns, without
 * the lock, if it is *hs but for its time (handshake_store). */
static __always_inline bool handshake_refresh_in(struct sctplb_handshake_set *s,
						 const struct sctplb_client_key *k,
						 const struct sctplb_handshake *hs, __u32 stamp)
{
	struct sctplb_handshake *cur = hs_refresh_in(s, k, stamp);

	if (!cur || !handshake_same(cur, hs))
		return false;
	cur->created_ns = hs->created_ns;
	return true;
}

/* The same, for a listed address: in a frame of its own, its set found here. */
static __noinline bool handshake_refresh(const struct sctplb_client_key *k,
					 const struct sctplb_handshake *hs, __u32 stamp)
{
	return handshake_refresh_in(hs_set(k), k, hs, stamp);
}

/*
 * k's handshake becomes *hs, stamped stamp, in set s (hs_set(k)).  With
 * refresh (an INIT retransmitted), an entry that is *hs but for its time is
 * refreshed in place without the lock (its stamp, its created_ns: one
 * aligned store each), as the LRU's entries were; else, or if another CPU
 * changes it meanwhile, it is put under the set's lock.
 */
static __always_inline void handshake_store(struct sctplb_handshake_set *s,
					    const struct sctplb_client_key *k,
					    const struct sctplb_handshake *hs, __u32 stamp, bool refresh)
{
	if (!refresh || !handshake_refresh_in(s, k, hs, stamp))
		hs_put_in(s, k, hs, stamp);
}

/*
 * The parameter at *off of an INIT or INIT-ACK, within [*off, end) (RFC 9260
 * 3.2.1): its header, *off moved to the next one; NULL at the end or on a
 * malformed length.  The one walk of parameters for the forwarder, the
 * return path and NAT.
 */
static __always_inline struct sctp_paramhdr *param_next(const struct buf *b, __u32 *off, __u32 end)
{
	struct sctp_paramhdr *ph;
	__u32 o = *off;
	__u16 len;

	if (o + sizeof(*ph) > end)
		return NULL;
	ph = pkt_ptr(b, o, sizeof(*ph));
	if (!ph)
		return NULL;
	len = bpf_ntohs(ph->length);
	if (len < sizeof(*ph) || o + len > end)
		return NULL;
	*off = o + ((len + 3) & ~3u);
	return ph;
}

/*
 * The address parameter at *off (RFC 9260 3.3.2.1: IPv4 (5), IPv6 (6)): 1
 * with *ph, *a and *family set, 0 for another parameter, -1 at the end or on
 * a malformed length.  *off moves to the next parameter.
 */
static __always_inline int init_addr_param(const struct buf *b, __u32 *off, __u32 end,
					   struct sctp_paramhdr **ph, __u32 **a, __u8 *family)
{
	__u32 o = *off;
	__u16 type, len;

	*ph = param_next(b, off, end);
	if (!*ph)
		return -1;
	type = bpf_ntohs((*ph)->type);
	len = bpf_ntohs((*ph)->length);
	if (type == SCTP_PARAM_IPV4 && len == 8)
		*family = SCTPLB_AF_INET;
	else if (type == SCTP_PARAM_IPV6 && len == 20)
		*family = SCTPLB_AF_INET6;
	else
		return 0;
	*a = pkt_ptr(b, o + 4, 16);
	if (!*a && *family == SCTPLB_AF_INET)
		*a = pkt_ptr(b, o + 4, 4);
	return *a ? 1 : -1;
}

/* One INIT parameter: an IPv4 (5) or IPv6 (6) address gets a handshake entry. */
static long init_one_param(__u64 i, void *arg)
{
	struct init_walk *w = arg;
	struct sctplb_client_key *k = w->k;
	struct sctplb_handshake_set *s;
	struct sctp_paramhdr *ph;
	__u32 *a;
	__u8 family;
	int r;

	r = init_addr_param(w->b, &w->off, w->end, &ph, &a, &family);
	if (r <= 0)
		return r < 0;
	k->family = family;
	if (family == SCTPLB_AF_INET) {
		k->caddr[0] = a[0];
		k->caddr[1] = k->caddr[2] = k->caddr[3] = 0;
	} else {
		__builtin_memcpy(k->caddr, a, 16);
	}
	/* The source address has its entry already. */
	if (k->family == w->p->family && k->caddr[0] == w->p->saddr[0] &&
	    k->caddr[1] == w->p->saddr[1] && k->caddr[2] == w->p->saddr[2] &&
	    k->caddr[3] == w->p->saddr[3])
		return 0;
	/* Each in a call of its own from here: the tc program's chain of
	 * frames is at the verifier's 512 bytes. */
	if (!w->refresh || !handshake_refresh(k, w->hs, w->stamp)) {
		/* An address whose handshake is another client's
		 * (hs_listed_holds) is left as it is, the walk goes on: the
		 * INIT's Tc index is then pending_ctags. */
		s = hs_set_of(k);
		if (hs_held_in(s, k, w->hs))
			w->partial = true;
		else
			hs_put_in(s, k, w->hs, w->stamp);
	}
	if (++w->naddrs < SCTPLB_MAX_INIT_ADDRS)
		return 0;
	w->partial = true; /* the cap: later addresses have no entry */
	return 1;
}

struct param_find {
	const struct buf *b;
	__u32 off, end;
	__u16 type;
	bool found;
};

static long find_one_param(__u64 i, void *arg)
{
	struct param_find *w = arg;
	struct sctp_paramhdr *ph = param_next(w->b, &w->off, w->end);

	if (!ph)
		return 1;
	w->found = bpf_ntohs(ph->type) == w->type;
	return w->found;
}

/* The INIT carries a parameter of this type (among the first it walks). */
static __always_inline bool init_has_param(const struct buf *b, const struct pkt *p, __u16 type)
{
	struct param_find w = {
		.b = b,
		.off = p->init_off + SCTP_INIT_FIXED_LEN,
		.end = p->init_off + p->init_len,
		.type = type,
	};

	if (w.end > p->sctp_end)
		w.end = p->sctp_end;
	bpf_loop(SCTPLB_MAX_INIT_PARAMS, find_one_param, &w, 0);
	return w.found;
}

/*
 * Handshake entries for the addresses an INIT lists (RFC 9260 3.3.2.1,
 * parameters 5 and 6): a COOKIE-ECHO may leave from any of them.  Returns
 * how many it wrote (the source's own is not one of them), or -1 if some
 * address may have no entry of this INIT's: the walk did not cover every
 * parameter of the INIT (a first fragment, more than SCTPLB_MAX_INIT_PARAMS
 * parameters or SCTPLB_MAX_INIT_ADDRS addresses, a malformed one), or an
 * address's handshake is another client's (hs_listed_holds).  k is left
 * holding the last address walked.
 */
static __always_inline int init_listed_addrs(const struct buf *b, const struct pkt *p,
					     struct sctplb_client_key *k,
					     const struct sctplb_handshake *hs, __u32 stamp,
					     bool refresh)
{
	struct init_walk w = {
		.b = b,
		.p = p,
		.k = k,
		.hs = hs,
		.stamp = stamp,
		.refresh = refresh,
		.off = p->init_off + SCTP_INIT_FIXED_LEN,
		.end = p->init_off + p->init_len,
	};

	if (w.end > p->sctp_end) /* a first fragment: what it has */
		w.end = p->sctp_end;

	bpf_loop(SCTPLB_MAX_INIT_PARAMS, init_one_param, &w, 0);
	if (w.partial || w.end < p->init_off + p->init_len || w.off < w.end)
		return -1;
	return w.naddrs;
}

/* The service's routable-tag key, when its backends run the agent. */
static __always_inline const struct sctplb_svc_rtag *svc_rtag_of(__u32 service_id)
{
	const struct sctplb_svc_rtag *r = bpf_map_lookup_elem(&svc_rtag, &service_id);

	return r && (r->flags & SCTPLB_RTAG_F_ON) ? r : NULL;
}

/*
 * A routable vtag (include/sctplb_rtag.h): the backend of the server id it
 * decodes to, with no association lookup.  False when it decodes to no
 * backend of the service that runs the agent: learnt state decides then.
 */
static __always_inline bool choose_routable(const struct pkt *p, struct lb *lb,
					    const struct sctplb_svc_rtag *r)
{
	struct sctplb_server_key sk = {
		.service_id = p->service_id,
		.server_id = sctplb_rtag_server(&r->key, p->vtag),
	};
	/* cached: bpf/lib/parse.h; server id 0 is no server's */
	const __u32 *id = sk.server_id ? server_ids_lookup(&sk) : NULL;

	if (!id || !use_backend(lb, *id, false) || !(lb->be->flags & SCTPLB_BE_F_RTAG)) {
		stat_inc(SCTPLB_STAT_RTAG_UNKNOWN);
		return false;
	}
	stat_inc(SCTPLB_STAT_RTAG_FWD);
	return true;
}

/*
 * What carries the client's tag Tc in a routable service (its T-bit packets,
 * an ICMP error quoting the backend's packet) goes where the INIT went: Maglev
 * over (Tc, ports).
 */
static __always_inline bool choose_by_ctag(const struct pkt *p, struct lb *lb)
{
	if (!use_backend(lb, maglev_lookup(p->service_id,
					   sctplb_init_hash(p->vtag, p->sport, p->dport)), false))
		return false;
	stat_inc(SCTPLB_STAT_RTAG_CTAG_HASH);
	return true;
}

/*
 * Key filters (include/sctplb.h, client_filter and assoc_filter): the words
 * of a bit in both generations of the filter map, and its mask; false if the
 * map has none (it always has).
 */
static __always_inline bool filter_words(void *filter, __u32 bit, __u64 **a, __u64 **b,
					 __u64 *mask)
{
	__u32 i = SCTPLB_FILTER_WORD(bit, 0), j = SCTPLB_FILTER_WORD(bit, 1);

	*mask = 1ull << (bit & 63);
	*a = bpf_map_lookup_elem(filter, &i);
	*b = bpf_map_lookup_elem(filter, &j);
	return *a && *b;
}

/* Whether the filter's table may hold the key of this bit: a clear bit in
 * both generations says it does not, and saves the packet its lookup. */
static __always_inline bool filter_has(void *filter, __u32 bit)
{
	__u64 *a, *b, mask;

	return !filter_words(filter, bit, &a, &b, &mask) || ((*a | *b) & mask);
}

/* The key of this bit has just been written to the filter's table: its bit,
 * after it (gc's rebuild relies on that order: include/sctplb.h).  Always
 * the atomic OR, a full barrier on x86: a plain read of the word first could
 * be satisfied before the entry's write is visible, and skip a bit a rebuild
 * clears. */
static __always_inline void filter_add(void *filter, __u32 bit)
{
	__u64 *a, *b, mask;

	if (!filter_words(filter, bit, &a, &b, &mask))
		return;
	__sync_fetch_and_or(a, mask);
	__sync_fetch_and_or(b, mask);
}

#define client_filter_bit(k) sctplb_filter_bit((k), sizeof(struct sctplb_client_key))
#define assoc_filter_bit(ak) sctplb_filter_bit((ak), sizeof(struct sctplb_assoc_key))

/*
 * k's client_index entry, then its client_filter bit (filter_add).  An
 * association's first entry (the address that confirmed it) is put as the
 * table puts, stamped; the entries of its other addresses (spare) only into
 * room the sets have, stamped oldest (cli_put_spare2): a multihomed client's
 * second address never costs another association its entry, and goes
 * first when a set fills.
 */
__noinline int client_index_add(const struct sctplb_client_key *k, const struct sctplb_client *v,
				__u32 stamp, bool spare)
{
	if (!k || !v)
		return 0;
	cli__put2(k, v, stamp, spare); /* inline: one frame, not two on the deepest chain */
	filter_add(&client_filter, client_filter_bit(k));
	return 0;
}

/*
 * The client_index entries of the association a (Ts stag), just confirmed:
 * k, the confirming packet's client address, and every other address it has
 * used so far, since a restart may come from any of them (those it uses
 * later: client_path_new).  A global function, verified once.
 */
__noinline int client_index_paths(const struct sctplb_assoc *a, const struct sctplb_client_key *k,
				  __u32 stag)
{
	struct sctplb_client ce = { .stag = stag };
	struct sctplb_client_key pk;
	int i;

	if (!a || !k)
		return 0;
	ce.backend_id = a->backend_id;
	client_index_add(k, &ce, a->seen, false);
	for (i = 0; i < SCTPLB_MAX_PATHS; i++) {
		const struct sctplb_assoc_path *ap = &a->path[i];

		if (!ap->family || client_key_is(k, ap->family, ap->caddr))
			continue;
		pk = *k;
		pk.family = ap->family;
		__builtin_memcpy(pk.caddr, ap->caddr, 16);
		client_index_add(&pk, &ce, a->seen, true);
	}
	return 0;
}

/* The pending handshake of a client transport address (set s: hs_set(k)),
 * copied to *hs. */
static __always_inline bool pending_handshake(struct sctplb_handshake_set *s,
					      const struct sctplb_client_key *k, __u64 now,
					      struct sctplb_handshake *hs)
{
	return hs_find_in(s, k, hs) && handshake_young(hs, now);
}

__noinline int pending_keep_ctag(const struct pkt *p, __u32 stag, __u32 stamp);

/*
 * A handshake (Ts stag, Tc ctag, flags) is about to become one with Ts
 * nstag, Tc nctag and flags nflags.  If it was the Tc index of the
 * unconfirmed association of its Ts (pending_by_ctag: for its address, and
 * with SCTPLB_HS_F_SRC by its Tc for the addresses its INIT listed) and the
 * new one is not (another Ts; for a source, another Tc or no listed
 * address), the index moves to pending_ctags.
 */
static __always_inline void hs_hand_over(const struct pkt *p, __u32 stag, __u32 ctag, __u8 flags,
					 __u32 nstag, __u32 nctag, __u8 nflags, __u32 stamp)
{
	if (!stag || !(flags & (SCTPLB_HS_F_ONE_ADDR | SCTPLB_HS_F_SRC)))
		return;
	if (nstag == stag &&
	    (!(flags & SCTPLB_HS_F_SRC) || ((nflags & SCTPLB_HS_F_SRC) && nctag == ctag)))
		return;
	pending_keep_ctag(p, stag, stamp);
}

/* hs is about to stop naming the association of its Ts (another backend's
 * INIT-ACK or COOKIE-ECHO, a newer association of its address). */
static __always_inline void hs_forget_stag(const struct pkt *p,
					   const struct sctplb_handshake *hs, __u64 now)
{
	hs_hand_over(p, hs->stag, hs->ctag, hs->flags, 0, 0, 0, sctplb_stamp(now));
}

/*
 * INIT: the restart rule, then the pending handshake of its client transport
 * address, then Maglev over (Tc, ports).  An INIT with another tag from an
 * address whose handshake is pending keeps that handshake's backend and
 * leaves the handshake as it is: the COOKIE-ECHO that completes it is matched
 * by address, and a spoofed INIT must not re-point it (a client restarting in
 * the middle of its handshake reaches the same backend, which is right too).
 * Once the backend's INIT-ACK has been seen (its Ts finds the COOKIE-ECHO) or
 * the COOKIE-ECHO has completed the handshake, the address is free again:
 * another INIT goes by its own tag, so two clients behind one NAT'd address
 * and port reach their own backends (with Disable Restart, see above).
 * The restart rule's association is the confirmed one of client_index, else
 * the unconfirmed one its handshake names (stag), whatever the handshake's age.
 */
static __always_inline int choose_init(const struct buf *b, const struct pkt *p, struct lb *lb)
{
	struct sctplb_handshake hs = {}; /* the address's, then the new one */
	struct sctplb_handshake_set *set;
	struct sctplb_client_key k;
	__u32 *tagp, ctag, rbe = SCTPLB_BACKEND_NONE, rstag = 0, stamp;
	struct sctplb_client ci;
	bool restart = false, have, have_ci, old, same;
	__u32 stag, sidx, ostag, octag;
	__u8 oflags;
	int n;

	tagp = pkt_ptr(b, p->init_off + 4, 4);
	if (!tagp)
		return act_drop(SCTPLB_STAT_DROP_INIT_SHORT);
	ctag = bpf_ntohl(*tagp);
	stat_inc(SCTPLB_STAT_INIT);
	client_key(&k, p, p->service_id);

	/* A restart reaches the backend that holds the old association, unless
	 * the client says it may be another endpoint behind the same NAT'd
	 * address and port, whose restart the backend must not see. */
	set = hs_set_of_idx(&k, &sidx); /* one hash for the lookup and the put */
	if (set)
		SETTABLE_TOUCH(set); /* its misses beside client_filter's */
	have_ci = filter_has(&client_filter, client_filter_bit(&k)) && client_find(&k, &ci);
	have = hs_find_in(set, &k, &hs); /* lock-free (settable.h) */
	if (have_ci) {
		restart = true;
		rbe = ci.backend_id;
		rstag = ci.stag;
	} else if (have && hs.stag) {
		restart = true;
		rbe = hs.backend_id;
		rstag = hs.stag;
	}
	if (restart && !init_has_param(b, p, SCTP_PARAM_DISABLE_RESTART) &&
	    use_backend(lb, rbe, true)) {
		stat_inc(SCTPLB_STAT_INIT_RESTART);
		lb_event(SCTPLB_EV_RESTART, p, lb->backend_id, rstag, ctag);
		goto found;
	}
	old = have && handshake_young(&hs, lb->now);
	if (old && hs.ctag == ctag && use_backend(lb, hs.backend_id, true)) {
		stat_inc(SCTPLB_STAT_INIT_RETRANSMIT);
		goto found;
	}
	if (old && !(hs.flags & SCTPLB_HS_F_ANSWERED) && use_backend(lb, hs.backend_id, true)) {
		stat_inc(SCTPLB_STAT_INIT_PINNED);
		return ACT_CONTINUE;
	}
	if (!use_backend(lb, maglev_lookup(p->service_id, sctplb_init_hash(ctag, p->sport, p->dport)),
			 true))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	/* A backend that runs the agent: its tag will route every later packet,
	 * so a handshake costs no state (a spoofed INIT flood costs nothing). */
	if ((lb->be->flags & SCTPLB_BE_F_RTAG) && svc_rtag_of(p->service_id))
		return ACT_CONTINUE;
found:
	/* The new handshake keeps naming the unconfirmed association of its
	 * backend (its restart rule until it is confirmed); one of another
	 * backend is forgotten (its Tc index handed over below). */
	ostag = have ? hs.stag : 0;
	octag = hs.ctag;
	oflags = hs.flags;
	if (!have || hs.backend_id != lb->backend_id)
		hs.stag = 0;
	/* A retransmission (same Tc, backend and path, not answered) changes
	 * nothing but the time: its entries are refreshed in place, with no
	 * lock (handshake_store); anything else is put (a put to a key the
	 * table holds takes its way). */
	same = have && hs.backend_id == lb->backend_id && hs.ctag == ctag && hs.path == p->path &&
	       !(hs.flags & SCTPLB_HS_F_ANSWERED);
	hs.flags = SCTPLB_HS_F_LISTED;
	hs.src_set = sidx;
	hs.backend_id = lb->backend_id;
	hs.ctag = ctag;
	hs.created_ns = lb->now;
	hs.path = p->path;
	/* The listed addresses first, each naming the source's set: the
	 * source's entry says whether there were any. */
	stamp = sctplb_stamp(lb->now);
	stag = hs.stag;
	hs.stag = 0; /* the source's association, not the listed addresses' */
	/* Neither flag when some address may have no entry (the walk did not
	 * cover the INIT, or an address is another client's): the COOKIE-ECHO
	 * then indexes Tc in pending_ctags. */
	n = init_listed_addrs(b, p, &k, &hs, stamp, same);
	hs.flags = n < 0 ? 0 : n ? SCTPLB_HS_F_SRC : SCTPLB_HS_F_ONE_ADDR;
	hs.src_set = 0;
	client_key(&k, p, p->service_id); /* the walk wrote the listed addresses in k */
	hs.stag = stag;
	/* Another backend's, another Tc (a restart) or no listed address: the
	 * old handshake's Tc index moves to pending_ctags. */
	hs_hand_over(p, ostag, octag, oflags, hs.stag, ctag, hs.flags, stamp);
	handshake_store(set, &k, &hs, stamp, same);
	return ACT_CONTINUE;
}

/*
 * The unconfirmed associations (include/sctplb.h), in set-associative
 * tables (settable.h): assocs_pending (pend_*), whose victim in a full set
 * is the association seen least recently by its own `seen` stamp, of two
 * seen in the same stamp the one whose client sent fewer packets (a spoofed
 * pair sends one); and its Tc index pending_ctags (pctag_*), oldest first.
 * pend_ref() gives the association in place: the datapath writes its stamps
 * and paths without the set's lock, as it does in an assocs element, and a
 * way rewritten meanwhile by another CPU's insert is what an LRU element
 * recycled under a reader was (docs/datapath.md).
 */
/* The rank of way i (the least goes first): its last packet, then its
 * client packets; never 0 (settable.h). */
#define pending_rank(s, i) (((__u64)(s)->e[i].val.seen << 16 | (s)->e[i].val.packets) + 1)
SETTABLE_DEFINE_RANK(pend, assocs_pending, struct sctplb_pending_set, pending_rank)
SETTABLE_DEFINE(pctag, pending_ctags, struct sctplb_pending_ctag_set)

/* hs_src_stag_in as a subprogram of its own, as pending_by_ctag calls it. */
static __noinline __u32 hs_src_stag(__u32 src_set, const struct sctplb_client_key *k,
					  __u32 ctag)
{
	return hs_src_stag_in(src_set, k, ctag);
}

/*
 * The confirmed association of a key that is almost always new (the Ts of a
 * COOKIE-ECHO, of an INIT-ACK): looked up only where assoc_filter has the
 * key's bit (include/sctplb.h).
 */
static __always_inline struct sctplb_assoc *assocs_lookup_new(const struct sctplb_assoc_key *ak)
{
	return filter_has(&assoc_filter, assoc_filter_bit(ak)) ? bpf_map_lookup_elem(&assocs, ak) :
								  NULL;
}

/*
 * The association of (service, vtag, ports): confirmed, else unconfirmed
 * (include/sctplb.h); new_key: ak is almost always new (assocs_lookup_new).
 * *set: on entry the key's set of assocs_pending if the caller has it, else
 * NULL; on return that set when it looked there (not found among the
 * confirmed), else NULL.
 */
static __always_inline struct sctplb_assoc *assoc_find_set(const struct sctplb_assoc_key *ak,
							    struct sctplb_pending_set **set,
							    bool new_key)
{
	struct sctplb_assoc *a = new_key ? assocs_lookup_new(ak) : bpf_map_lookup_elem(&assocs, ak);

	if (a) {
		*set = NULL;
		return a;
	}
	if (!*set)
		*set = pend_set_of(ak);
	return pend_ref_in(*set, ak);
}

/* The same; *pending says which table holds it. */
static __always_inline struct sctplb_assoc *assoc_find(const struct sctplb_assoc_key *ak,
							bool *pending)
{
	struct sctplb_pending_set *set = NULL;
	struct sctplb_assoc *a = assoc_find_set(ak, &set, false);

	*pending = set != NULL;
	return a;
}

/*
 * The unconfirmed association of a client's tag Tc (ak: Tc on entry, its Ts
 * when found), p's client address the client's side of the packet (parse_l4
 * puts it in saddr either way), in a frame of its own: the tc path's frames
 * are near the 512 bytes a chain of calls may take.
 *
 * First the handshake of that client transport address: the COOKIE-ECHO (or
 * the INIT-ACK) that made the association gave it Ts, beside its Tc, so it is
 * the Tc index of the address the association was made from, and costs the
 * COOKIE-ECHO no insert of its own.  The association must carry the Tc
 * asked for; the handshake's own Tc need not be it (a restarting client's new
 * INIT gives it another, and it keeps naming the old association for the
 * restart rule: choose_init).  From an address the INIT listed, its entry
 * names the source's set, where the source's handshake holds Tc and Ts
 * (hs_src_stag).  Else pending_ctags, written where the handshakes are no
 * such index (choose_cookie: a COOKIE-ECHO from a listed address, onto a
 * handshake with neither SCTPLB_HS_F_ONE_ADDR nor _SRC or replaced
 * meanwhile, a NAT service's), by the INIT-ACK, and when a handshake stops
 * being the index (hs_hand_over); its value is one 32-bit
 * word, read whole without the lock.
 */
static __noinline struct sctplb_assoc *pending_by_ctag(struct sctplb_assoc_key *ak,
							const struct pkt *p)
{
	struct sctplb_handshake *hs;
	struct sctplb_client_key k;
	struct sctplb_ctag_value *cv;
	struct sctplb_assoc *a;
	__u32 ctag = ak->vtag, stag = 0;

	/* Read in place without the lock (the stack is short here): a way
	 * rewritten meanwhile gives a Ts whose association does not carry this
	 * Tc, a miss, or one that does, which is the association asked for. */
	client_key(&k, p, ak->service_id);
	hs = hs_ref(&k);
	if (hs) {
		stag = hs->stag;
		if (!stag && (hs->flags & SCTPLB_HS_F_LISTED))
			stag = hs_src_stag(hs->src_set, &k, ctag);
	}
	if (stag) {
		ak->vtag = stag;
		a = pend_ref(ak);
		if (a && a->ctag == ctag)
			return a;
		ak->vtag = ctag;
	}
	cv = pctag_ref(ak);
	if (!cv)
		return NULL;
	ak->vtag = cv->stag;
	return pend_ref(ak);
}

/*
 * The association of a client's tag Tc: ak has Tc as its vtag on entry and
 * the association's Ts when one is found; p's client address (saddr) is the
 * client's side of the packet.
 */
static __always_inline struct sctplb_assoc *assoc_by_ctag(struct sctplb_assoc_key *ak,
							   const struct pkt *p, bool *pending)
{
	struct sctplb_ctag_value *cv = bpf_map_lookup_elem(&assoc_ctags, ak);
	struct sctplb_assoc *a;

	if (cv) {
		ak->vtag = cv->stag;
		a = bpf_map_lookup_elem(&assocs, ak);
		if (a) {
			*pending = false;
			return a;
		}
		return NULL;
	}
	*pending = true;
	return pending_by_ctag(ak, p);
}

/*
 * The association was seen now: its stamp written only when it moves (once a
 * second at most), since every CPU's packets of it read that cache line.
 */
static __always_inline void assoc_seen(struct sctplb_assoc *a, __u64 now)
{
	__u32 st = sctplb_stamp(now);

	if (a->seen != st)
		a->seen = st;
}

/* ABORT or SHUTDOWN-COMPLETE: true when this marked it ending. */
static __always_inline bool assoc_close(struct sctplb_assoc *a, __u64 now)
{
	if (a->state == SCTPLB_ASSOC_CLOSING)
		return false;
	a->state = SCTPLB_ASSOC_CLOSING;
	a->closing = sctplb_stamp(now);
	return true;
}

/* A packet of a known association: its backend, and teardown. */
static __always_inline int established(const struct pkt *p, struct lb *lb, struct sctplb_assoc *a,
				       bool confirmed)
{
	stat_inc(SCTPLB_STAT_ESTABLISHED);
	lb->assoc = a;
	lb->confirmed = confirmed;
	if (!use_backend(lb, a->backend_id, false))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	if (p->ends && assoc_close(a, lb->now)) {
		stat_inc(SCTPLB_STAT_ASSOC_CLOSING);
		lb_event_closing(p, a, lb->backend_id, p->tbit);
	}
	return ACT_CONTINUE;
}

/* The deterministic answer to a vtag no association holds (docs/datapath.md). */
static __always_inline int unknown_vtag(const struct pkt *p, struct lb *lb)
{
	__u32 zero = 0, policy = SCTPLB_UNKNOWN_DROP;
	struct sctplb_config *cfg;

	stat_inc(SCTPLB_STAT_UNKNOWN_VTAG);
	cfg = bpf_map_lookup_elem(&settings, &zero);
	if (cfg)
		policy = cfg->unknown_policy;
	if (policy == SCTPLB_UNKNOWN_PASS)
		return act_pass(SCTPLB_STAT_UNKNOWN_VTAG_PASS);
	if (policy != SCTPLB_UNKNOWN_HASH)
		return act_drop(SCTPLB_STAT_UNKNOWN_VTAG_DROP);
	if (!use_backend(lb, maglev_lookup(p->service_id, sctplb_init_hash(p->vtag, p->sport, p->dport)),
			 true))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	stat_inc(SCTPLB_STAT_UNKNOWN_VTAG_HASH);
	return ACT_CONTINUE;
}


/*
 * The Tc index entry, in pending_ctags, of the association (ak: its key, Ts)
 * that the last assoc_create stored, if it did: built in the scratch, over
 * the entry the create copied into its set.  Never re-points Tc: the first
 * association of a Tc keeps it.
 */
static __always_inline void pending_index_new(const struct sctplb_assoc_key *ak, __u32 ctag)
{
	struct assoc_scratch *sc = bpf_map_lookup_elem(&assoc_scratch, &(__u32){ 0 });
	__u32 stamp;

	if (!sc || !sc->created)
		return;
	stamp = sc->pend.val.created;
	sc->ctag.key = *ak;
	sc->ctag.key.vtag = ctag;
	sc->ctag.val.stag = ak->vtag;
	pctag_add(&sc->ctag, stamp);
}

/*
 * pending_ctags[(service, Tc, ports of p)] = Ts for the unconfirmed
 * association (service, Ts = stag, ports of p), if there is one, built in
 * the scratch (the tc program's stack has no room): hs_forget_stag.  A
 * global function, verified once: a static one is walked again for every
 * state that reaches its call, and sctplb_xdp then went past the verifier's
 * million instructions.
 */
__noinline int pending_keep_ctag(const struct pkt *p, __u32 stag, __u32 stamp)
{
	struct assoc_scratch *sc;
	struct sctplb_assoc *a;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&assoc_scratch, &zero);
	if (!sc || !p)
		return 0;
	assoc_key(&sc->ctag.key, p, p->service_id, stag);
	a = pend_ref(&sc->ctag.key);
	if (!a || !a->ctag)
		return 0;
	sc->ctag.key.vtag = a->ctag;
	sc->ctag.val.stag = stag;
	pctag_add(&sc->ctag, stamp);
	return 0;
}

/*
 * A new, unconfirmed association (service, Ts, ports) -> backend (the
 * caller's handshake names it for the restart rule and is its Tc index for
 * the handshake's address, else the caller indexes it in pending_ctags:
 * pending_index_new; client_index is written when it is confirmed).  Never replaces one: if another backend's
 * association (confirmed or not) holds the key, ASSOC_COLLISION.  Stored in
 * the unconfirmed tables (set-associative: assocs_pending, pending_ctags), so
 * that it is always stored and evicts only other unconfirmed entries, the
 * least recently seen of its set.  set: the key's set of assocs_pending, from
 * a caller that has just looked for the key in both tables (the lookup of a
 * cold bucket cost ~30 ns, the set's SipHash ~30); NULL: both done here.
 * Returns the association, or NULL.
 */
static __always_inline struct sctplb_assoc *assoc_create(const struct sctplb_assoc_key *ak,
							 const struct sctplb_client_key *k,
							 __u32 backend_id, __u32 ctag,
							 __u32 flags, __u64 now,
							 struct sctplb_pending_set *set)
{
	struct assoc_scratch *sc;
	struct sctplb_pending_entry *e;
	struct sctplb_assoc *a;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&assoc_scratch, &zero);
	if (!sc)
		return NULL;
	sc->created = 0; /* first: every way out says what this call did */
	/* A confirmed association of the key, unless the caller has just
	 * looked; an unconfirmed one is found by the insert itself
	 * (BPF_NOEXIST), under its set's lock. */
	if (!set) {
		a = assocs_lookup_new(ak);
		if (a)
			goto exists;
		set = pend_set_of(ak);
	}
	e = &sc->pend;
	__builtin_memset(e, 0, sizeof(*e));
	e->key = *ak;
	e->val.backend_id = backend_id;
	e->val.ctag = ctag;
	e->val.state = SCTPLB_ASSOC_ESTABLISHED;
	e->val.flags = flags;
	e->val.created = sctplb_stamp(now);
	e->val.seen = e->val.created;
	a = pend_add_in(set, e, e->val.created);
	if (!a) {
		a = pend_ref_in(set, ak);
		if (a)
			goto exists;
		return NULL;
	}
	stat_inc(SCTPLB_STAT_ASSOC_CREATED);
	lb_event_new(SCTPLB_EV_ESTABLISHED, ak, k, backend_id, ctag);
	sc->created = 1;
	return a;
exists:
	/* Another CPU was first, or another backend's association holds the key. */
	if (a->backend_id != backend_id) {
		stat_inc(SCTPLB_STAT_ASSOC_COLLISION);
		lb_event_new(SCTPLB_EV_COLLISION, ak, k, backend_id, ctag);
		return NULL;
	}
	return a;
}

/*
 * The backend has answered with Tc (include/sctplb.h): the unconfirmed
 * association a (key ak, Ts) moves to the confirmed maps.  With the confirmed
 * table full it stays where it is (ASSOC_TABLE_FULL).  The client address of
 * p (the confirming packet's: client side) indexes it for the restart rule.
 * Returns the association in its new place, or a.
 */
static __always_inline struct sctplb_assoc *assoc_confirm(const struct sctplb_assoc_key *ak,
							  struct sctplb_assoc *a, __u32 why,
							  const struct pkt *p)
{
	struct sctplb_ctag_value cv = { .stag = ak->vtag };
	struct sctplb_client_key k;
	struct sctplb_assoc_key ck = *ak;
	struct sctplb_assoc *c;

	if (bpf_map_update_elem(&assocs, ak, a, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(&assocs, ak);
		if (c)
			return c; /* another CPU was first */
		stat_inc(SCTPLB_STAT_ASSOC_TABLE_FULL);
		lb_event_assoc(SCTPLB_EV_TABLE_FULL, ak, a);
		return a;
	}
	/* Its bit before it leaves the unconfirmed table: a COOKIE-ECHO of
	 * the key on another CPU that reads the bit clear finds it there
	 * (unless the rest of this runs between its two reads, as before the
	 * filter: docs/datapath.md). */
	filter_add(&assoc_filter, assoc_filter_bit(ak));
	lb_event_assoc(why == SCTPLB_STAT_ASSOC_CONFIRMED ? SCTPLB_EV_CONFIRMED : SCTPLB_EV_PROMOTED,
		       ak, a);
	ck.vtag = a->ctag;
	bpf_map_update_elem(&assoc_ctags, &ck, &cv, BPF_NOEXIST);
	pctag_delete(&ck);
	pend_delete(ak);
	c = bpf_map_lookup_elem(&assocs, ak);
	if (c)
		a = c;
	client_key(&k, p, ak->service_id);
	client_index_paths(a, &k, ak->vtag);
	stat_inc(why);
	return a;
}

/*
 * The client of the association a on an address this path had not used:
 * if a is confirmed, that address's client_index entry, as at the
 * confirmation, so that a restart from there finds the backend too
 * (choose_init).  Not for a T-bit packet: it carries Tc, not Ts, and ends
 * the association.  A global function, verified once (and the test of
 * confirmed in it: a branch of every caller's would be walked for every
 * state that reaches it, 135k instructions processed more in tc ingress).
 */
__noinline int client_path_new(const struct pkt *p, const struct sctplb_assoc *a, __u32 stamp,
			       bool confirmed)
{
	struct sctplb_client ce = {};
	struct sctplb_client_key k;

	if (!p || !a || !confirmed || p->tbit)
		return 0;
	ce.backend_id = a->backend_id;
	ce.stag = p->vtag;
	client_key(&k, p, p->service_id);
	client_index_add(&k, &ce, stamp, true);
	return 0;
}

/*
 * COOKIE-ECHO: the first packet with Ts.  An association learnt from the
 * backend's INIT-ACK for this Ts is what the backend said, and decides.
 * Otherwise the pending handshake of its source transport address names the
 * backend (its cookie was made there): an association with the same key on
 * another backend is another client's, a collision, and is not taken over.
 * Without a handshake (expired, evicted, or a COOKIE-ECHO from an address the
 * INIT did not list), an existing association, learnt by an earlier
 * COOKIE-ECHO, decides.
 */
static __always_inline int choose_cookie(const struct pkt *p, struct lb *lb,
					 struct sctplb_assoc_key *ak)
{
	struct sctplb_pending_set *pset;
	struct sctplb_client_key k;
	struct sctplb_handshake hs = {};
	struct sctplb_handshake_set *set;
	struct sctplb_assoc *a;
	bool have;

	stat_inc(SCTPLB_STAT_COOKIE_ECHO);
	client_key(&k, p, p->service_id);
	/* The two sets a new association reads and writes, cold in a large
	 * table: their misses together, and beside assoc_filter's. */
	set = hs_set(&k);
	if (set)
		SETTABLE_TOUCH(set);
	pset = pend_set_of(ak);
	if (pset)
		SETTABLE_TOUCH(pset);
	a = assoc_find_set(ak, &pset, true); /* pset kept, for the create */
	if (a && (a->flags & SCTPLB_ASSOC_F_FROM_INIT_ACK))
		return established(p, lb, a, !pset);
	have = pending_handshake(set, &k, lb->now, &hs);
	if (a && (!have || hs.backend_id == a->backend_id))
		return established(p, lb, a, !pset); /* a retransmission */
	if (!have) {
		stat_inc(SCTPLB_STAT_COOKIE_NO_HANDSHAKE);
		return unknown_vtag(p, lb);
	}
	if (!use_backend(lb, hs.backend_id, false))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	if (a) {
		stat_inc(SCTPLB_STAT_ASSOC_COLLISION);
		lb_event_new(SCTPLB_EV_COLLISION, ak, &k, lb->backend_id, hs.ctag);
		return ACT_CONTINUE;
	}
	/* The handshake's older association loses it below: its Tc index
	 * moves first (before the create: both use the scratch). */
	if (hs.stag != ak->vtag)
		hs_forget_stag(p, &hs, lb->now);
	lb->assoc = assoc_create(ak, &k, lb->backend_id, hs.ctag, 0, lb->now, pset);
	if (lb->assoc) {
		/* The handshake found (unless an INIT replaced it meanwhile) is
		 * completed: it pins nothing now; Ts is its restart rule until
		 * the association is confirmed, and with the association's Tc
		 * its Tc index for this address and, from the INIT's source
		 * (SCTPLB_HS_F_SRC), for the addresses it listed
		 * (pending_by_ctag).  A COOKIE-ECHO from a listed address, a
		 * NAT'd service (full NAT's backends answer to the
		 * forwarder's address; gc finds their flows by Tc) and a
		 * handshake an INIT replaced meanwhile need pending_ctags. */
		struct sctplb_handshake done = hs;

		done.flags |= SCTPLB_HS_F_ANSWERED;
		done.stag = ak->vtag;
		if (!hs_replace_in(set, &k, &hs, &done) ||
		    !(hs.flags & (SCTPLB_HS_F_ONE_ADDR | SCTPLB_HS_F_SRC)) ||
		    (p->svc_flags & SCTPLB_SVC_F_NAT))
			pending_index_new(ak, hs.ctag);
	}
	return ACT_CONTINUE;
}

/*
 * A later fragment has no SCTP header: it follows its first fragment
 * (remember_fragment()).  One that arrives first goes to the kernel.
 */
static __always_inline int choose_fragment(struct pkt *p, struct lb *lb)
{
	struct sctplb_frag_key fk = { .id = p->frag_id, .family = p->family };
	struct sctplb_frag *f;

	__builtin_memcpy(fk.saddr, p->saddr, 16);
	__builtin_memcpy(fk.daddr, p->daddr, 16);
	f = bpf_map_lookup_elem(&frags, &fk);
	if (!f)
		return act_pass(SCTPLB_STAT_PASS_FRAGMENT);
	p->service_id = f->service_id;
	p->path = f->path & (SCTPLB_MAX_PATHS - 1);
	lb->service_id = f->service_id;
	if (!use_backend(lb, f->backend_id, false))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	stat_inc(SCTPLB_STAT_FRAG_LATER);
	return ACT_CONTINUE;
}

static __always_inline void remember_fragment(const struct pkt *p, const struct lb *lb)
{
	struct sctplb_frag_key fk = { .id = p->frag_id, .family = p->family };
	struct sctplb_frag f = {
		.service_id = p->service_id,
		.backend_id = lb->backend_id,
		.path = p->path,
	};

	__builtin_memcpy(fk.saddr, p->saddr, 16);
	__builtin_memcpy(fk.daddr, p->daddr, 16);
	bpf_map_update_elem(&frags, &fk, &f, BPF_ANY);
	stat_inc(SCTPLB_STAT_FRAG_FIRST);
}

/*
 * An ICMP error quoting a backend's packet to a client: that packet carries
 * Tc (Ts if it was a T-bit ABORT/SHUTDOWN-COMPLETE); before the association
 * exists, a quoted INIT-ACK is matched to its handshake.
 */
static __always_inline int choose_icmp(const struct pkt *p, struct lb *lb)
{
	struct sctplb_handshake hs = {};
	struct sctplb_client_key k;
	struct sctplb_assoc_key ak;
	struct sctplb_assoc *a;
	__u32 id = SCTPLB_BACKEND_NONE;

	bool pending;

	assoc_key(&ak, p, p->service_id, p->vtag);
	a = assoc_by_ctag(&ak, p, &pending);
	if (!a) {
		assoc_key(&ak, p, p->service_id, p->vtag);
		a = assoc_find(&ak, &pending);
	}
	if (a) {
		id = a->backend_id;
	} else {
		client_key(&k, p, p->service_id);
		if (hs_find_in(hs_set_of(&k), &k, &hs) && hs.ctag == p->vtag)
			id = hs.backend_id;
	}
	if (id == SCTPLB_BACKEND_NONE) {
		if (!svc_rtag_of(p->service_id) || !choose_by_ctag(p, lb))
			return act_pass(SCTPLB_STAT_PASS_ICMP_UNKNOWN);
		stat_inc(SCTPLB_STAT_ICMP_ERROR);
		return ACT_CONTINUE;
	}
	if (!use_backend(lb, id, false))
		return act_drop(SCTPLB_STAT_NO_BACKEND);
	stat_inc(SCTPLB_STAT_ICMP_ERROR);
	return ACT_CONTINUE;
}

/* Every packet of a configured service that passed the chunk walk. */
static __always_inline int choose_backend(const struct buf *b, struct pkt *p, struct lb *lb)
{
	const struct sctplb_svc_rtag *r;
	struct sctplb_assoc_key ak;
	struct sctplb_assoc *a;
	bool pending;
	int act;

	if (p->frag == FRAG_LATER)
		return choose_fragment(p, lb);
	if (p->icmp)
		return choose_icmp(p, lb);
	if (p->first_type == SCTP_CID_INIT) {
		act = policy_check(p);
		if (act == ACT_CONTINUE)
			act = choose_init(b, p, lb);
		if (act == ACT_CONTINUE && p->frag == FRAG_FIRST)
			remember_fragment(p, lb);
		return act;
	} else {
		r = svc_rtag_of(p->service_id);
		if (r && !p->tbit && choose_routable(p, lb, r)) {
			act = ACT_CONTINUE; /* COOKIE-ECHO included: no state */
			goto out;
		}
		assoc_key(&ak, p, p->service_id, p->vtag);
		if (p->first_type == SCTP_CID_COOKIE_ECHO) {
			act = choose_cookie(p, lb, &ak);
		} else {
			/* RFC 9260 8.5.1: a T-bit ABORT/SHUTDOWN-COMPLETE carries Tc */
			a = p->tbit ? assoc_by_ctag(&ak, p, &pending) : assoc_find(&ak, &pending);
			if (!a && p->tbit && r && choose_by_ctag(p, lb)) {
				stat_inc(SCTPLB_STAT_TBIT);
				act = ACT_CONTINUE;
				goto out;
			}
			if (!a)
				return unknown_vtag(p, lb);
			if (p->tbit)
				stat_inc(SCTPLB_STAT_TBIT);
			act = established(p, lb, a, !pending);
			if (act == ACT_CONTINUE && pending && !p->tbit && !p->ends &&
			    a->packets + 1 >= SCTPLB_CONFIRM_PACKETS) {
				lb->assoc = assoc_confirm(&ak, a, SCTPLB_STAT_ASSOC_PROMOTED, p);
				lb->confirmed = lb->assoc != a; /* a: the table was full */
			}
		}
	}
out:
	if (act == ACT_CONTINUE && p->frag == FRAG_FIRST)
		remember_fragment(p, lb);
	return act;
}

#endif
