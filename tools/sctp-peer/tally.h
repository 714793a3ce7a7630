/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tally.h: what a traffic client counts of its echoes, one body for both SCTP
 * peers: tools/sctp-peer (usrsctp) and tests/vm/ksctp-peer.c (the Linux kernel's
 * SCTP, built `gcc -static` for the guests).  Header only, libc only.
 *
 * A client sends message s=SEQ of its association and the server echoes it
 * prefixed "n=NAME " (its --name): the echo says which backend answered.
 *
 *   tally_reply(t, data, len, n_msgs, now)   an echo received at now (ns):
 *        0 counted (received, or dup), -1 not an echo of ours (bad)
 *   tally_sum(s, t)                          t added to the run's totals s
 *   tally_unanswered(t, n_msgs, now, seq, age_ns, max)
 *        the messages sent (or tried) and not echoed, oldest first: up to max
 *        of their numbers and ages at now into seq and age_ns; returns how
 *        many there are in all.  A failure's evidence: a message sent just
 *        before the end was slow, one sent seconds before it was lost.
 */
#ifndef SCTP_PEER_TALLY_H
#define SCTP_PEER_TALLY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One association's messages and echoes. */
struct tally {
	uint64_t sent, received, dup, bad, send_errors, backend_changes;
	uint64_t *tx_ns;        /* send time per sequence number */
	uint8_t *seen;          /* echo received per sequence number */
	uint64_t rtt_max_ns, rtt_sum_ns, last_rx_ns, max_gap_ns;
	char backend[64];       /* NAME of the last echo */
};

/* A run's totals over its associations. */
struct tally_sum {
	uint64_t sent, received, dup, bad, send_errors, backend_changes;
	uint64_t rtt_max_ns, rtt_sum_ns, max_gap_ns;
	uint64_t min_received;  /* UINT64_MAX until an association is added */
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int tally_reply(struct tally *t, const char *data, size_t len, long n_msgs,
			      uint64_t now)
{
	char msg[256], name[64] = "";
	const char *p;
	unsigned long seq;
	uint64_t rtt;

	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	memcpy(msg, data, len);
	msg[len] = 0;
	if (sscanf(msg, "n=%63s ", name) != 1 || !(p = strstr(msg, " s=")) ||
	    (seq = strtoul(p + 3, NULL, 10)) >= (unsigned long)n_msgs) {
		t->bad++;
		return -1;
	}
	if (t->seen[seq]) {
		t->dup++;
		return 0;
	}
	t->seen[seq] = 1;
	t->received++;
	rtt = now - t->tx_ns[seq];
	if (rtt > t->rtt_max_ns)
		t->rtt_max_ns = rtt;
	t->rtt_sum_ns += rtt;
	if (t->last_rx_ns && now - t->last_rx_ns > t->max_gap_ns)
		t->max_gap_ns = now - t->last_rx_ns;
	t->last_rx_ns = now;
	if (strcmp(t->backend, name)) {
		if (t->backend[0])
			t->backend_changes++;
		snprintf(t->backend, sizeof(t->backend), "%s", name);
	}
	return 0;
}

static inline long tally_unanswered(const struct tally *t, long n_msgs, uint64_t now, long *seq,
				    uint64_t *age_ns, int max)
{
	long s, n = 0;

	for (s = 0; s < n_msgs; s++) {
		if (!t->tx_ns[s] || t->seen[s])
			continue;
		if (n < max) {
			seq[n] = s;
			age_ns[n] = now - t->tx_ns[s];
		}
		n++;
	}
	return n;
}

static inline void tally_sum(struct tally_sum *s, const struct tally *t)
{
	s->sent += t->sent;
	s->received += t->received;
	s->dup += t->dup;
	s->bad += t->bad;
	s->send_errors += t->send_errors;
	s->backend_changes += t->backend_changes;
	s->rtt_sum_ns += t->rtt_sum_ns;
	if (t->rtt_max_ns > s->rtt_max_ns)
		s->rtt_max_ns = t->rtt_max_ns;
	if (t->max_gap_ns > s->max_gap_ns)
		s->max_gap_ns = t->max_gap_ns;
	if (t->received < s->min_received)
		s->min_received = t->received;
}

#define TALLY_SUM_INIT { .min_received = UINT64_MAX }

#endif
