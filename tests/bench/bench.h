/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench.h: shared pieces of sctplb-bench (docs/bench.md): the floor and
 * helper programs as raw BPF instructions, BPF_PROG_TEST_RUN timing, and the
 * JSON/table output.
 */
#ifndef SCTPLB_BENCH_H
#define SCTPLB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fx;

/* Raw programs (progs.c), loaded with bpf_prog_load; fds or -1. */
int prog_floor(void);               /* swap the MACs, XDP_TX */
int prog_floor_tc(void);            /* the same as a tc program: swap the MACs, TC_ACT_OK */
int prog_fib(bool v6, uint32_t flags); /* the floor plus one bpf_fib_lookup */
/* the end-to-end floor forwarder: the MACs written, XDP_REDIRECT to ifindex */
int prog_redirect(int ifindex, const uint8_t dmac[6], const uint8_t smac[6]);
/* The generator: restores n header bytes, XDP_TX while fewer than window
 * frames are in flight to recv_map's receiver; *sent_map counts what it sent. */
int prog_tx(const uint8_t *hdr, size_t n, int recv_map, uint32_t window, int *sent_map);
/* Counts IPv4 SCTP frames (one atomic counter; *cpu_map the same per CPU), XDP_DROP. */
int prog_count(int *map_fd, int *cpu_map);
uint64_t count_read(int map_fd);    /* prog_count's or prog_tx's counter */

/* sctplb loaded for the benchmark: trace off (production), assocs,
 * assoc_ctags and client_index sized max_assocs (0: the default). */
int bench_load(struct fx *fx, uint32_t max_assocs);

/* One BPF_PROG_TEST_RUN of repeat runs on one buffer, ingress ifindex;
 * returns opts.duration (ns per run) or -1; *retval the last verdict. */
double run_prog(int prog, const uint8_t *pkt, size_t len, int ifindex, uint32_t repeat,
		uint32_t *retval);

/* The same for a tc program (struct __sk_buff context, ifindex as ingress). */
double run_tc(int prog, const uint8_t *pkt, size_t len, int ifindex, uint32_t repeat,
	      uint32_t *retval);

double median(double *v, int n);
double minimum(const double *v, int n);
uint64_t now_ns(void);
const char *verdict_str(uint32_t v);

/* Sections of the micro benchmark (micro.c); each appends its JSON to j. */
struct json {
	FILE *f;
	bool first;                     /* no member written yet at this level */
};

/* What micro.c shares with the other sections (spoof.c, agent.c). */
struct pkt_spec;
extern struct fx FX;                /* the private namespace and sctplb of section 1 */
extern int FLOOR;                   /* prog_floor() */
extern bool QUICK;
extern FILE *J;
extern uint32_t REPEAT, K1;
extern int ROUNDS;
extern uint8_t *POOL;               /* K1 packets of PKT_MAX bytes */
extern size_t *LENS;
size_t build(const struct pkt_spec *s, uint8_t *out);
void configure(struct fx *fx);      /* service 1, its backends and Maglev table */
uint64_t stat_get(struct fx *fx, int idx);
double run_pool(int prog, uint8_t *pool, size_t *lens, uint32_t n, bool same,
		uint32_t want, uint32_t *bad);
uint32_t routable_tag(uint32_t sid, uint32_t nonce);
void section_spoof(void);           /* 6. spoofed handshakes against unconfirmed state */
void section_agent(void);           /* 7. the backend agent's cost */

#define DIE(...) do { fprintf(stderr, "bench: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

int micro_main(int argc, char **argv);
int e2e_main(int argc, char **argv);

#endif
