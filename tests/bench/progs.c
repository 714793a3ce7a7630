/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The benchmark's own tiny XDP programs, as raw BPF instructions (no BPF
 * compile step, and no BPF source for the Makefile's wildcard over the C
 * files of tests/bench to mistake for user-space C): the floor every figure is divided by, the
 * live-frames generator and the receiver's counter.  Plus the timing and
 * loading helpers every section shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sctplb.skel.h"
#include "fixture.h"
#include "bench.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
				.src_reg = (s), .off = (o), .imm = (i) })
#define LDX(sz, d, s, o)  INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o)  INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i)   INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define MOV_R(d, s)       INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_I(d, i)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD_I(d, i)       INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define JGT_R(d, s, o)    INSN(BPF_JMP | BPF_JGT | BPF_X, d, s, o, 0)
#define JNE_I(d, i, o)    INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ_I(d, i, o)    INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JSGE_I(d, i, o)   INSN(BPF_JMP | BPF_JSGE | BPF_K, d, 0, o, i)
#define SUB_R(d, s)       INSN(BPF_ALU64 | BPF_SUB | BPF_X, d, s, 0, 0)
#define ATOMIC_ADD(sz, d, s, o) INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, o, BPF_ADD)
#define CALL(f)           INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()            INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd)     INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
			  INSN(0, 0, 0, 0, 0)

static int load(const char *name, const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insns, n, &o);

	if (fd < 0)
		fprintf(stderr, "bench: cannot load %s: %s\n", name, strerror(errno));
	return fd;
}

/* r2 = data, r3 = data_end; 14 bytes or XDP_DROP; swap the 6-byte MACs; XDP_TX. */
int prog_floor(void)
{
	const struct bpf_insn p[] = {
		LDX(BPF_W, 2, 1, 0),            /* r2 = ctx->data */
		LDX(BPF_W, 3, 1, 4),            /* r3 = ctx->data_end */
		MOV_R(4, 2),
		ADD_I(4, 14),
		JGT_R(4, 3, 10),                /* short frame: drop */
		LDX(BPF_W, 4, 2, 0),
		LDX(BPF_H, 5, 2, 4),
		LDX(BPF_W, 6, 2, 6),
		LDX(BPF_H, 7, 2, 10),
		STX(BPF_W, 2, 6, 0),
		STX(BPF_H, 2, 7, 4),
		STX(BPF_W, 2, 4, 6),
		STX(BPF_H, 2, 5, 10),
		MOV_I(0, 3),                    /* XDP_TX */
		EXIT(),
		MOV_I(0, 1),                    /* XDP_DROP */
		EXIT(),
	};

	return load("bench_floor", p, sizeof(p) / sizeof(p[0]));
}

/*
 * The end-to-end floor forwarder: the least an XDP forwarder does, with no
 * parsing and no lookup: the next hop's MACs written and XDP_REDIRECT to
 * ifindex (bpf_redirect), as sctplb forwards to a backend on another
 * interface.  r2 = data, r3 = data_end; 14 bytes or XDP_DROP.
 */
int prog_redirect(int ifindex, const uint8_t dmac[6], const uint8_t smac[6])
{
	uint32_t d0, s0;
	uint16_t d4, s4;

	memcpy(&d0, dmac, 4);
	memcpy(&d4, dmac + 4, 2);
	memcpy(&s0, smac, 4);
	memcpy(&s4, smac + 4, 2);

	const struct bpf_insn p[] = {
		LDX(BPF_W, 2, 1, 0),            /* r2 = ctx->data */
		LDX(BPF_W, 3, 1, 4),            /* r3 = ctx->data_end */
		MOV_R(4, 2),
		ADD_I(4, 14),
		JGT_R(4, 3, 8),                 /* short frame: drop */
		ST(BPF_W, 2, 0, (int32_t)d0),
		ST(BPF_H, 2, 4, d4),
		ST(BPF_W, 2, 6, (int32_t)s0),
		ST(BPF_H, 2, 10, s4),
		MOV_I(1, ifindex),
		MOV_I(2, 0),
		CALL(BPF_FUNC_redirect),
		EXIT(),
		MOV_I(0, 1),                    /* XDP_DROP */
		EXIT(),
	};

	return load("bench_redirect", p, sizeof(p) / sizeof(p[0]));
}

/*
 * The floor as a tc program, for the agent's tc programs: struct __sk_buff
 * has data at offset 76 and data_end at 80; TC_ACT_OK (0).  Direct packet
 * access needs the program type to allow it: SCHED_CLS does.
 */
int prog_floor_tc(void)
{
	const struct bpf_insn p[] = {
		LDX(BPF_W, 2, 1, 76),           /* r2 = skb->data */
		LDX(BPF_W, 3, 1, 80),           /* r3 = skb->data_end */
		MOV_R(4, 2),
		ADD_I(4, 14),
		JGT_R(4, 3, 10),                /* short frame: TC_ACT_SHOT */
		LDX(BPF_W, 4, 2, 0),
		LDX(BPF_H, 5, 2, 4),
		LDX(BPF_W, 6, 2, 6),
		LDX(BPF_H, 7, 2, 10),
		STX(BPF_W, 2, 6, 0),
		STX(BPF_H, 2, 7, 4),
		STX(BPF_W, 2, 4, 6),
		STX(BPF_H, 2, 5, 10),
		MOV_I(0, 0),                    /* TC_ACT_OK */
		EXIT(),
		MOV_I(0, 2),                    /* TC_ACT_SHOT */
		EXIT(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "bench_floor_tc", "GPL", p,
			       sizeof(p) / sizeof(p[0]), &o);

	if (fd < 0)
		fprintf(stderr, "bench: cannot load bench_floor_tc: %s\n", strerror(errno));
	return fd;
}

/*
 * The floor plus one bpf_fib_lookup toward 192.0.2.11 or 2001:db8::11 from
 * the ingress interface (what sctplb does for a backend on path p): how much
 * of sctplb's cost the FIB lookup alone takes, and what a flag would save.
 */
int prog_fib(bool v6, uint32_t flags)
{
	struct bpf_insn p[64];
	int n = 0, i;

	p[n++] = MOV_R(6, 1);
	for (i = 0; i < 8; i++)
		p[n++] = ST(BPF_DW, 10, -64 + 8 * i, 0);
	p[n++] = ST(BPF_B, 10, -64, v6 ? 10 : 2);       /* family */
	p[n++] = ST(BPF_B, 10, -63, 132);               /* l4_protocol */
	p[n++] = ST(BPF_H, 10, -58, 100);               /* tot_len */
	p[n++] = LDX(BPF_W, 2, 6, 12);                  /* ctx->ingress_ifindex */
	p[n++] = STX(BPF_W, 10, 2, -56);                /* ifindex */
	if (v6) {                                       /* 2001:db8::11 at offset 32 */
		p[n++] = ST(BPF_W, 10, -32, (int)0xb80d0120);
		p[n++] = ST(BPF_W, 10, -20, 0x11000000);
	} else {                                        /* 192.0.2.11 */
		p[n++] = ST(BPF_W, 10, -32, 0x0b0200c0);
	}
	p[n++] = MOV_R(1, 6);
	p[n++] = MOV_R(2, 10);
	p[n++] = ADD_I(2, -64);
	p[n++] = MOV_I(3, 64);
	p[n++] = MOV_I(4, flags);
	p[n++] = CALL(BPF_FUNC_fib_lookup);
	p[n++] = LDX(BPF_W, 2, 6, 0);
	p[n++] = LDX(BPF_W, 3, 6, 4);
	p[n++] = MOV_R(4, 2);
	p[n++] = ADD_I(4, 14);
	p[n++] = JGT_R(4, 3, 10);
	p[n++] = LDX(BPF_W, 4, 2, 0);
	p[n++] = LDX(BPF_H, 5, 2, 4);
	p[n++] = LDX(BPF_W, 7, 2, 6);
	p[n++] = LDX(BPF_H, 8, 2, 10);
	p[n++] = STX(BPF_W, 2, 7, 0);
	p[n++] = STX(BPF_H, 2, 8, 4);
	p[n++] = STX(BPF_W, 2, 4, 6);
	p[n++] = STX(BPF_H, 2, 5, 10);
	p[n++] = MOV_I(0, 3);
	p[n++] = EXIT();
	p[n++] = MOV_I(0, 1);
	p[n++] = EXIT();
	return load("bench_fib", p, n);
}

/* LD_MAP (two instructions) at p[k]; the next index. */
static int ld_map(struct bpf_insn *p, int k, int reg, int fd)
{
	const struct bpf_insn two[] = { LD_MAP(reg, fd) };

	p[k] = two[0];
	p[k + 1] = two[1];
	return k + 2;
}

/*
 * XDP_TX after writing the first n bytes (even, at most 64) of the frame from
 * hdr.  In live-frames mode a page comes back from the page pool as the
 * receivers left it, and a frame that a forwarder turned into an skb shares
 * that page: kernel routing decrements the TTL and writes the next hop's MACs
 * into it.  Restoring the headers makes every frame sent the same.
 *
 * Flow control: a frame goes out only while fewer than `window` frames sent
 * have not reached the receiver (prog_count's map, recv_map, counted on
 * whichever CPU); otherwise it is not sent (XDP_DROP: back to the page pool).
 * Frames sent are counted in *sent_map (an array of one __u64, written only
 * by this program, which runs on the one CPU the benchmark is pinned to),
 * which is what the benchmark calls sent.  The receiving veths' rings hold
 * 256 frames: with fewer in flight no ring on the path can overflow, wherever
 * and whenever the kernel runs the NAPI that drains them.
 */
int prog_tx(const uint8_t *hdr, size_t n, int recv_map, uint32_t window, int *sent_map)
{
	struct bpf_insn p[96];
	int k = 0, drop[8], nd = 0, m, fd;
	size_t i;

	if (n > 64 || n % 2)
		return -1;
	m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_sent", 4, 8, 1, NULL);
	if (m < 0) {
		fprintf(stderr, "bench: cannot create the sent counter: %s\n", strerror(errno));
		return -1;
	}
#define TO_DROP(insn) (drop[nd++] = k, p[k++] = (insn))
	p[k++] = MOV_R(6, 1);                   /* r6 = ctx */
	p[k++] = ST(BPF_W, 10, -4, 0);          /* key 0 */
	p[k++] = MOV_R(2, 10);
	p[k++] = ADD_I(2, -4);
	k = ld_map(p, k, 1, recv_map);
	p[k++] = CALL(BPF_FUNC_map_lookup_elem);
	TO_DROP(JEQ_I(0, 0, 0));
	p[k++] = LDX(BPF_DW, 7, 0, 0);          /* r7 = received */
	p[k++] = MOV_R(2, 10);
	p[k++] = ADD_I(2, -4);
	k = ld_map(p, k, 1, m);
	p[k++] = CALL(BPF_FUNC_map_lookup_elem);
	TO_DROP(JEQ_I(0, 0, 0));
	p[k++] = MOV_R(8, 0);                   /* r8 = &sent */
	p[k++] = LDX(BPF_DW, 3, 8, 0);
	p[k++] = SUB_R(3, 7);                   /* in flight */
	TO_DROP(JSGE_I(3, (int)window, 0));
	p[k++] = LDX(BPF_W, 2, 6, 0);
	p[k++] = LDX(BPF_W, 3, 6, 4);
	p[k++] = MOV_R(4, 2);
	p[k++] = ADD_I(4, n);
	TO_DROP(JGT_R(4, 3, 0));
	for (i = 0; i + 4 <= n; i += 4) {
		uint32_t w;

		memcpy(&w, hdr + i, 4);
		p[k++] = ST(BPF_W, 2, (int)i, (int)w);
	}
	if (n % 4) {
		uint16_t h;

		memcpy(&h, hdr + i, 2);
		p[k++] = ST(BPF_H, 2, (int)i, h);
	}
	p[k++] = LDX(BPF_DW, 1, 8, 0);
	p[k++] = ADD_I(1, 1);
	p[k++] = STX(BPF_DW, 8, 1, 0);
	p[k++] = MOV_I(0, 3);                   /* XDP_TX */
	p[k++] = EXIT();
	for (i = 0; i < (size_t)nd; i++)
		p[drop[i]].off = k - drop[i] - 1;
	p[k++] = MOV_I(0, 1);                   /* XDP_DROP */
	p[k++] = EXIT();
#undef TO_DROP
	fd = load("bench_gen", p, k);
	if (fd < 0) {
		close(m);
		return -1;
	}
	*sent_map = m;
	return fd;
}

/*
 * Counts frames with ethertype IPv4 and protocol 132 (SCTP); drops everything.
 * One counter for every CPU (an atomic add): the generator's flow control
 * compares it with what it sent, whichever CPU the receiving NAPI ran on.
 * The same count per CPU in *cpu_map (a per-CPU array): where it ran.
 */
int prog_count(int *map_fd, int *cpu_map)
{
	int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_count", 4, 8, 1, NULL);
	int c = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "bench_count_cpu", 4, 8, 1, NULL);

	if (m < 0 || c < 0) {
		fprintf(stderr, "bench: cannot create the counter maps: %s\n", strerror(errno));
		if (m >= 0)
			close(m);
		if (c >= 0)
			close(c);
		return -1;
	}
	const struct bpf_insn p[] = {
		LDX(BPF_W, 2, 1, 0),
		LDX(BPF_W, 3, 1, 4),
		MOV_R(4, 2),
		ADD_I(4, 34),
		JGT_R(4, 3, 22),                /* -> drop */
		LDX(BPF_H, 4, 2, 12),
		JNE_I(4, 0x0008, 20),           /* ethertype 0x0800, read little-endian */
		LDX(BPF_B, 4, 2, 23),
		JNE_I(4, 132, 18),
		ST(BPF_W, 10, -4, 0),
		MOV_R(2, 10),
		ADD_I(2, -4),
		LD_MAP(1, m),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_I(0, 0, 2),
		MOV_I(1, 1),
		ATOMIC_ADD(BPF_DW, 0, 1, 0),
		MOV_R(2, 10),
		ADD_I(2, -4),
		LD_MAP(1, c),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_I(0, 0, 3),
		LDX(BPF_DW, 1, 0, 0),
		ADD_I(1, 1),
		STX(BPF_DW, 0, 1, 0),
		MOV_I(0, 1),                    /* XDP_DROP */
		EXIT(),
	};
	int fd = load("bench_count", p, sizeof(p) / sizeof(p[0]));

	if (fd < 0) {
		close(m);
		close(c);
		return -1;
	}
	*map_fd = m;
	*cpu_map = c;
	return fd;
}

uint64_t count_read(int map_fd)
{
	uint64_t v = 0;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(map_fd, &zero, &v))
		return 0;
	return v;
}

/* The trace off, as in production; max_assocs: the association maps' size. */
int bench_load(struct fx *fx, uint32_t max_assocs)
{
	struct fx_load_opts o = { .assocs_max = max_assocs, .client_index_max = max_assocs,
				  .no_trace = true };

	return fx_load_opts(fx, &o);
}

double run_prog(int prog, const uint8_t *pkt, size_t len, int ifindex, uint32_t repeat,
		uint32_t *retval)
{
	struct xdp_md md = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt, .data_size_in = len,
		.ctx_in = &md, .ctx_size_in = sizeof(md),
		.repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "bench: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	if (retval)
		*retval = o.retval;
	return o.duration;
}

double run_tc(int prog, const uint8_t *pkt, size_t len, int ifindex, uint32_t repeat,
	      uint32_t *retval)
{
	struct __sk_buff skb = { .ifindex = ifindex, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt, .data_size_in = len,
		.ctx_in = &skb, .ctx_size_in = sizeof(skb),
		.repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o)) {
		fprintf(stderr, "bench: BPF_PROG_TEST_RUN (tc): %s\n", strerror(errno));
		return -1;
	}
	if (retval)
		*retval = o.retval;
	return o.duration;
}

double minimum(const double *v, int n)
{
	double m = n > 0 ? v[0] : 0;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	double t[n > 0 ? n : 1];

	if (n <= 0)
		return 0;
	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *verdict_str(uint32_t v)
{
	static const char *const names[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };

	return v < 5 ? names[v] : "?";
}
