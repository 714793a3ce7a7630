/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Payload protocol counters: DATA chunks toward the backends per service and
 * per class of payload protocol identifier (SCTPLB_PPID_CLASSES in
 * include/sctplb.h), so that an operator sees what kind of signalling flows.
 * The chunk walk notes each DATA chunk's class in the packet's summary
 * (ppid_note, from walk_one_chunk); count_forward adds them to ppid_stats
 * (ppid_count) once the packet is forwarded.  Included by parse.h, after
 * struct pkt and pkt_ptr().
 */
#ifndef SCTPLB_BPF_PPID_H
#define SCTPLB_BPF_PPID_H

#define SCTP_DATA_FLAG_B 0x02   /* RFC 9260 3.3.1, RFC 8260 2.1: first fragment */

/* IANA "SCTP Payload Protocol Identifiers". */
static __always_inline __u32 ppid_class(__u32 ppid)
{
	switch (ppid) {
	case 3:
		return SCTPLB_PPID_M3UA;
	case 18:
		return SCTPLB_PPID_S1AP;
	case 46: /* Diameter */
	case 47: /* Diameter over DTLS/SCTP */
		return SCTPLB_PPID_DIAMETER;
	case 60:
		return SCTPLB_PPID_NGAP;
	default:
		return SCTPLB_PPID_OTHER;
	}
}

/*
 * A DATA chunk carries its PPID at offset 12 (RFC 9260 3.3.1).  An I-DATA
 * chunk (RFC 8260 2.1) carries it at offset 16 in its first fragment (B bit)
 * only; the others hold the fragment sequence number there and are not
 * counted here (they are in data_chunks).  A PPID cut off by the end of the
 * packet (a first IP fragment) is not counted either.
 */
static __always_inline void ppid_note(const struct buf *b, struct pkt *p, __u32 off, __u8 type,
				      __u8 flags)
{
	__u32 at = off + (type == SCTP_CID_DATA ? 12 : 16);
	__be32 *v;

	if (type == SCTP_CID_I_DATA && !(flags & SCTP_DATA_FLAG_B))
		return;
	if (at + 4 > p->sctp_end)
		return;
	v = pkt_ptr(b, at, 4);
	if (!v)
		return;
	p->ppid[ppid_class(bpf_ntohl(*v)) % SCTPLB_PPID_N]++;
}

#ifndef SCTPLB_AGENT /* the agent's object has no ppid_stats */
static __always_inline void ppid_count(const struct pkt *p, __u32 service_id)
{
	__u32 c;

	if (service_id >= SCTPLB_MAX_SERVICES)
		return;
	for (c = 0; c < SCTPLB_PPID_N; c++) {
		__u32 idx = service_id * SCTPLB_PPID_N + c;
		__u64 *v;

		if (!p->ppid[c])
			continue;
		v = bpf_map_lookup_elem(&ppid_stats, &idx);
		if (v)
			*v += p->ppid[c]; /* per-CPU value: no atomic needed */
	}
}
#endif

#endif
