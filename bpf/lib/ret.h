/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The return path: what the backends send toward the clients, seen where the
 * forwarder is their gateway.  parse_l4(reply) has put the client in
 * saddr/sport, so the keys are the same as toward the backends.  The INIT-ACK
 * gives Ts before the client's COOKIE-ECHO arrives; the backends' ABORT and
 * SHUTDOWN-COMPLETE end associations.  Nothing here drops a packet.
 */
#ifndef SCTPLB_BPF_RET_H
#define SCTPLB_BPF_RET_H

#include "common.h"
#include "parse.h"
#include "lb.h"
#include "fwd.h"

/*
 * INIT-ACK: header vtag Tc, Initiate Tag Ts (RFC 9260 3.3.3).  Learnt when it
 * answers the pending handshake of its client transport address, as an
 * unconfirmed association (a spoofed INIT gets its INIT-ACK too), and the
 * handshake is marked answered.  When Tc already has an association, it
 * answers a retransmission of the INIT (a late one may even carry another Ts,
 * whose cookie an established client will never echo): it belongs to that
 * association, and nothing is created.
 */
static __always_inline struct sctplb_assoc *learn_init_ack(const struct buf *b, struct pkt *p,
							   __u64 now)
{
	struct sctplb_client_key k;
	struct sctplb_assoc_key ak;
	struct sctplb_handshake hs = {};
	struct sctplb_handshake_set *set;
	struct sctplb_assoc *a;
	bool pending;
	__u32 *tagp;

	if (p->init_len < SCTP_INIT_FIXED_LEN || p->init_off + SCTP_INIT_FIXED_LEN > p->sctp_end)
		return NULL;
	tagp = pkt_ptr(b, p->init_off + 4, 4);
	if (!tagp)
		return NULL;
	client_key(&k, p, p->service_id);
	set = hs_set(&k);
	if (!hs_find_in(set, &k, &hs) || hs.ctag != p->vtag)
		return NULL;
	assoc_key(&ak, p, p->service_id, p->vtag);
	a = assoc_by_ctag(&ak, p, &pending);
	if (!a) {
		ak.vtag = bpf_ntohl(*tagp);
		a = assoc_create(&ak, &k, hs.backend_id, p->vtag, SCTPLB_ASSOC_F_FROM_INIT_ACK,
				 now, NULL);
		/* Indexed by Tc in pending_ctags whatever the handshake: a NAT'd
		 * backend's packets name the client by the forwarder's address. */
		pending_index_new(&ak, p->vtag);
	}
	if (a) {
		struct sctplb_handshake done = hs;

		done.flags |= SCTPLB_HS_F_ANSWERED;
		if (a->backend_id == hs.backend_id && hs.stag != ak.vtag) {
			hs_forget_stag(p, &hs, now);
			done.stag = ak.vtag; /* the restart rule's, until confirmed */
		}
		hs_replace_in(set, &k, &hs, &done);
		stat_inc(SCTPLB_STAT_RET_INIT_ACK);
	}
	return a;
}

/*
 * Any other packet from a backend carries Tc, unless it is a T-bit ABORT or
 * SHUTDOWN-COMPLETE, which carries the backend's own tag Ts.  A packet with
 * Tc that does not end the association (a COOKIE-ACK at the latest) confirms
 * an unconfirmed one: the backend accepted a cookie it made, which an
 * off-path attacker cannot echo.  A T-bit packet confirms nothing: a backend
 * answers an out-of-the-blue packet with one (RFC 9260 8.4), whatever its tag.
 */
static __always_inline struct sctplb_assoc *find_return(const struct pkt *p)
{
	struct sctplb_assoc_key ak;
	struct sctplb_assoc *a;
	bool pending;

	assoc_key(&ak, p, p->service_id, p->vtag);
	if (p->tbit)
		return assoc_find(&ak, &pending);
	a = assoc_by_ctag(&ak, p, &pending);
	if (a && pending && !p->ends)
		a = assoc_confirm(&ak, a, SCTPLB_STAT_ASSOC_CONFIRMED, p);
	return a;
}

/* Learns, ends and counts; sets p->reason and p->backend_id for the trace. */
static __always_inline void watch_return(const struct buf *b, struct pkt *p)
{
	__u64 now = lb_now();
	struct sctplb_assoc *a;

	if (p->first_type == SCTP_CID_INIT_ACK) {
		a = learn_init_ack(b, p, now);
		p->reason = SCTPLB_STAT_RET_INIT_ACK;
	} else {
		a = find_return(p);
		p->reason = SCTPLB_STAT_RET_PKTS;
	}
	if (!a) {
		if (!p->backend_id)
			p->reason = SCTPLB_STAT_UNKNOWN_VTAG;
		return;
	}
	p->backend_id = a->backend_id;
	stat_inc(SCTPLB_STAT_RET_PKTS);
	assoc_seen(a, now);
	if (p->ends && assoc_close(a, now)) {
		stat_inc(SCTPLB_STAT_CT_ENDED);
		lb_event_closing(p, a, a->backend_id, !p->tbit);
		p->reason = SCTPLB_STAT_CT_ENDED;
	}
	count_path(p, a->backend_id, p->path, SCTPLB_DIR_TO_CLIENT, now);
}

#endif
