/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Association events (include/sctplb.h: struct sctplb_event, the kinds) into
 * the ring buffer `events`, which `sctplb monitor` reads.  The datapath calls
 * these where a state changes, one line each; nothing here waits or fails a
 * packet: bpf_ringbuf_output() either finds room or returns at once
 * (EVENT_LOST), with the default adaptive wake-up (the reader is woken only
 * when it has caught up).  A per-CPU token bucket (event_tokens; event_rate
 * a second, bursts of event_burst, from settings) bounds what a flood can
 * make a CPU write: the rest is counted (EVENT_RATELIMITED).
 *
 * Also here, for the same stream and the same counters: sctplb_event_emit,
 * the program `sctplb gc` runs (BPF_PROG_RUN) to say that it expired an
 * association, and the tracepoint programs that count XDP redirects refused
 * after the decision (redirect_errs).
 */
#ifndef SCTPLB_BPF_EVENT_H
#define SCTPLB_BPF_EVENT_H

#include "common.h"
#include "parse.h"

#define EV_NS 1000000000ull

/*
 * The token bucket, as time: one event costs 1e9 / event_rate ns of credit,
 * the bucket holds event_burst events' worth, and credit grows with the
 * datapath's clock.  An empty bucket (first use) starts full.
 */
static __always_inline bool event_allowed(__u64 now)
{
	__u32 zero = 0, rate = SCTPLB_EVENT_RATE, burst = SCTPLB_EVENT_BURST;
	struct sctplb_event_bucket *b = bpf_map_lookup_elem(&event_tokens, &zero);
	struct sctplb_config *cfg = bpf_map_lookup_elem(&settings, &zero);
	__u64 cost, cap, credit;

	if (!b)
		return false;
	if (cfg && cfg->event_rate)
		rate = cfg->event_rate;
	if (cfg && cfg->event_burst)
		burst = cfg->event_burst;
	cost = EV_NS / rate;
	cap = cost * burst;
	credit = b->credit_ns;
	if (!b->last_ns)
		credit = cap;
	else if (now > b->last_ns)
		credit += now - b->last_ns;
	if (credit > cap)
		credit = cap;
	b->last_ns = now ? now : 1;
	if (credit < cost) {
		b->credit_ns = credit;
		stat_inc(SCTPLB_STAT_EVENT_RATELIMITED);
		return false;
	}
	b->credit_ns = credit - cost;
	return true;
}

/*
 * Events are noted where the state changes, into a per-CPU record of the
 * packet's events (event_pending: kind, tags, the path DATA left), and
 * written into the ring buffer once the packet is decided, by
 * lb_events_flush(p) from the program's outer frame, which takes the rest
 * from the packet (service, ports, path, client address, backend).  The
 * datapath's inner frames are at the verifier's 512 bytes of stack: a note
 * is one lookup and four stores, where a call or the ring buffer and the
 * bucket would add to them.  A packet makes at most three events (path_new,
 * failover and one change of state).
 */
#define SCTPLB_EV_PENDING 4

struct sctplb_event_note {
	__u32 kind;
	__u32 vtag;
	__u32 ctag;
	__u32 from_path;
};

struct sctplb_event_pending {
	__u32 n;
	__u32 pad;
	struct sctplb_event_note ev[SCTPLB_EV_PENDING];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sctplb_event_pending);
} event_pending SEC(".maps");

/* One event of the packet: vtag Ts (0 if the packet carries only Tc), ctag Tc (0: unknown). */
static __always_inline void event_note(__u32 kind, __u32 vtag, __u32 ctag, __u32 from_path)
{
	struct sctplb_event_pending *pd;
	struct sctplb_event_note *e;
	__u32 zero = 0, n;

	pd = bpf_map_lookup_elem(&event_pending, &zero);
	if (!pd)
		return;
	n = pd->n;
	if (n >= SCTPLB_EV_PENDING) {
		stat_inc(SCTPLB_STAT_EVENT_LOST);
		return;
	}
	pd->n = n + 1;
	e = &pd->ev[n];
	e->kind = kind;
	e->vtag = vtag;
	e->ctag = ctag;
	e->from_path = from_path;
}

/* One event into the ring buffer, within the CPU's rate; never waits. */
static __always_inline void event_write(struct sctplb_event *e)
{
	if (!event_allowed(e->time_ns))
		return;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0)) {
		stat_inc(SCTPLB_STAT_EVENT_LOST);
		return;
	}
	stat_inc(SCTPLB_STAT_EVENTS);
}

/*
 * The events the packet p made, into the ring buffer, each within the CPU's
 * rate, and the record emptied.  Global: verified once, its frame apart.
 */
__noinline int lb_events_flush(const struct pkt *p)
{
	struct sctplb_event_pending *pd;
	struct sctplb_event e = {};
	__u32 zero = 0, i, n;

	pd = bpf_map_lookup_elem(&event_pending, &zero);
	if (!pd || !pd->n)
		return 0;
	n = pd->n;
	pd->n = 0;
	if (!p)
		return 0;
	e.time_ns = lb_now();
	e.service_id = p->service_id;
	e.backend_id = p->backend_id;
	e.cport = p->sport;
	e.sport = p->dport;
	e.path = p->path;
	e.client.family = p->family;
	__builtin_memcpy(e.client.addr, p->saddr, 16);
	for (i = 0; i < SCTPLB_EV_PENDING && i < n; i++) {
		e.kind = pd->ev[i].kind;
		e.vtag = pd->ev[i].vtag;
		e.ctag = pd->ev[i].ctag;
		e.from_path = pd->ev[i].from_path;
		event_write(&e);
	}
	return 0;
}

/*
 * lb_events_flush(p) only when the packet noted something: the record is a
 * per-CPU array element, whose lookup the JIT inlines (no call), where the
 * global function is a call and a frame on every packet, for nothing in
 * the common case.
 */
static __always_inline void lb_events_flush_pending(const struct pkt *p)
{
	struct sctplb_event_pending *pd;
	__u32 zero = 0;

	pd = bpf_map_lookup_elem(&event_pending, &zero);
	if (pd && pd->n)
		lb_events_flush(p);
}

/*
 * The noting calls of the datapath, one line each where a state changes.
 * The packet's own fields are the flush's: these say only what the packet
 * does not.
 */
static __always_inline void lb_event(__u32 kind, const struct pkt *p, __u32 backend_id, __u32 vtag,
				     __u32 ctag)
{
	event_note(kind, vtag, ctag, SCTPLB_EV_NO_PATH);
}

/*
 * An association ended by the packet p: a T-bit packet, or the backend's
 * packet on the return path (not T-bit), carries Tc; the others Ts.
 */
static __always_inline void lb_event_closing(const struct pkt *p, const struct sctplb_assoc *a,
					     __u32 backend_id, bool carries_ctag)
{
	event_note(SCTPLB_EV_CLOSING, carries_ctag ? 0 : p->vtag, carries_ctag ? p->vtag : a->ctag,
		   SCTPLB_EV_NO_PATH);
}

/* A new association (ak: service, Ts, ports) of Tc ctag; k: its client. */
static __always_inline void lb_event_new(__u32 kind, const struct sctplb_assoc_key *ak,
					 const struct sctplb_client_key *k, __u32 backend_id,
					 __u32 ctag)
{
	event_note(kind, ak->vtag, ctag, SCTPLB_EV_NO_PATH);
}

/* The association a (key ak). */
static __always_inline void lb_event_assoc(__u32 kind, const struct sctplb_assoc_key *ak,
					   const struct sctplb_assoc *a)
{
	event_note(kind, ak->vtag, a->ctag, SCTPLB_EV_NO_PATH);
}

/*
 * Before the association a stamps the packet p on path: the path's first
 * packet (PATH_NEW: never seen), and DATA on another path than the
 * association's last DATA, the path with the latest data stamp (FAILOVER,
 * from that path; stamps are 134 ms, include/sctplb.h).
 */
static __always_inline void lb_event_path(const struct pkt *p, const struct sctplb_assoc *a,
					  __u32 backend_id, __u32 path)
{
	const struct sctplb_assoc_path *ap = &a->path[path & (SCTPLB_MAX_PATHS - 1)];
	__u32 vtag = p->tbit ? 0 : p->vtag, from = SCTPLB_EV_NO_PATH, i;
	__u32 last = ap->data;

	if (!ap->seen)
		event_note(SCTPLB_EV_PATH_NEW, vtag, a->ctag, SCTPLB_EV_NO_PATH);
	/* The common case in one compare: this path's last DATA is the
	 * association's last packet, so no path has later DATA (the clock is
	 * monotonic: no stamp is above a->seen). */
	if (!p->data_chunks || last == a->seen)
		return;
	for (i = 0; i < SCTPLB_MAX_PATHS; i++) {
		if (a->path[i].data > last) {
			last = a->path[i].data;
			from = i;
		}
	}
	if (from != SCTPLB_EV_NO_PATH)
		event_note(SCTPLB_EV_FAILOVER, vtag, a->ctag, from);
}

#if defined(__bpf__)
#include <bpf/bpf_tracing.h>

/*
 * `sctplb gc` (user/lib/gc.c) says here what it removed, with BPF_PROG_RUN
 * and the event as the context: the same ring buffer, bucket and counters
 * as the datapath's.  Only EXPIRED: the other kinds are the datapath's word.
 */
SEC("syscall")
int sctplb_event_emit(struct sctplb_event *in)
{
	struct sctplb_event e = *in;

	if (e.kind != SCTPLB_EV_EXPIRED)
		return -1;
	/* A syscall program may not read the coarse clock (lb_now): the fine
	 * one is at most a tick ahead of it, which the bucket copes with. */
	e.time_ns = sctplb_test_clock ? sctplb_clock_ns : bpf_ktime_get_ns();
	event_write(&e);
	return 0;
}

static __always_inline void redirect_err_add(__u32 netns, __u32 ifindex, int err, __u64 n)
{
	struct sctplb_redirect_err_key k = { .netns = netns, .ifindex = ifindex, .err = err };
	__u64 *v = bpf_map_lookup_elem(&redirect_errs, &k);

	if (v)
		*v += n; /* per-CPU value */
	else
		bpf_map_update_elem(&redirect_errs, &k, &n, BPF_NOEXIST);
}

/*
 * A redirect refused when it was queued (target down, frame over its MTU, a
 * driver without XDP transmit).  Every XDP program's, as the tracepoint has
 * them; a redirect through a map has no interface index here (0).
 */
SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(sctplb_redirect_err, const struct net_device *dev, const struct bpf_prog *xdp,
	     const void *tgt, int err, enum bpf_map_type map_type, __u32 map_id, __u32 index)
{
	redirect_err_add(dev->nd_net.net->ns.inum, map_type == BPF_MAP_TYPE_UNSPEC ? index : 0,
			 err, 1);
	return 0;
}

/*
 * Frames the target's driver refused when the queue was flushed (a veth
 * whose peer is down or runs neither XDP nor GRO: -ENXIO): drops of
 * xdp:xdp_devmap_xmit, which every flush reports.
 */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(sctplb_devmap_xmit, const struct net_device *from_dev,
	     const struct net_device *to_dev, int sent, int drops, int err)
{
	if (drops > 0)
		redirect_err_add(to_dev->nd_net.net->ns.inum, to_dev->ifindex, err, drops);
	return 0;
}
#endif

#endif
