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

struct fx;

/* Raw programs (progs.c), loaded with bpf_prog_load; fds or -1. */
int prog_floor(void);               /* swap the MACs, XDP_TX */
int prog_fib(bool v6, uint32_t flags); /* the floor plus one bpf_fib_lookup */
int prog_tx(const uint8_t *hdr, size_t n); /* restores n header bytes, XDP_TX: the generator */
int prog_count(int *map_fd);        /* counts IPv4 SCTP frames in a per-CPU array, XDP_DROP */
uint64_t count_read(int map_fd);    /* the counter summed over CPUs */

/* sctplb loaded for the benchmark: trace off (production), assocs,
 * assoc_ctags and client_index sized max_assocs (0: the default). */
int bench_load(struct fx *fx, uint32_t max_assocs);

/* One BPF_PROG_TEST_RUN of repeat runs on one buffer, ingress ifindex;
 * returns opts.duration (ns per run) or -1; *retval the last verdict. */
double run_prog(int prog, const uint8_t *pkt, size_t len, int ifindex, uint32_t repeat,
		uint32_t *retval);

double median(double *v, int n);
uint64_t now_ns(void);
const char *verdict_str(uint32_t v);

/* Sections of the micro benchmark (micro.c); each appends its JSON to j. */
struct json {
	FILE *f;
	bool first;                     /* no member written yet at this level */
};

int micro_main(int argc, char **argv);
int e2e_main(int argc, char **argv);

#endif
