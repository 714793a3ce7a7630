// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * settable_test.bpf.c: the lock-free find of bpf/lib/settable.h against
 * writers on another CPU, for tests/bpf/test_settable_race
 * (BPF_PROG_TEST_RUN, repeat=N): st_write puts key {0, 0} every other
 * time and keys {1..ST_KEYS-1, 0} in turn between, into a table of one set
 * of ST_WAYS ways, each value ST_WORDS copies
 * of one number; st_read finds {io.key, 0} and counts a copy whose words
 * disagree as torn; st_read_unchecked is the control (no seqcount).
 */
#include "lib/common.h"
#include "lib/settable.h"
#include "progs/settable_test.h"

struct st_io io;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_set);
} st_table SEC(".maps");

SETTABLE_DEFINE(st, st_table, struct st_set)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ST2_SETS);
	__type(key, __u32);
	__type(value, struct st2_set);
} st2_table SEC(".maps");

SETTABLE_DEFINE(st2, st2_table, struct st2_set)

SEC("xdp")
int st_write(struct xdp_md *ctx)
{
	__u32 x = __sync_fetch_and_add(&io.next, 1);
	/* Every other put the reader's key, the rest the others in turn:
	 * its way is rewritten in place and moved. */
	struct st_key k = { .a = x & 1 ? 0 : 1 + (x >> 1) % (ST_KEYS - 1) };
	struct st_val v;
	int i;

	for (i = 0; i < ST_WORDS; i++)
		v.w[i] = x;
	st_put(&k, &v, 1 + (x & 0xffff));
	__sync_fetch_and_add(&io.writes, 1);
	return XDP_PASS;
}

/* A writer that takes its time: the reader's key rewritten half, then a
 * pause, then the other half, under the set's lock and its seqcount, as
 * every writer of settable.h marks its writes: most of its time the value
 * is half written, and a copy made without the count is torn whenever the
 * two CPUs run at once (this VM's CPUs may not always). */
#define ST_SLOW_SPIN 4000
SEC("xdp")
int st_write_slow(struct xdp_md *ctx)
{
	__u32 x = __sync_fetch_and_add(&io.next, 1);
	struct st_key k = { .a = io.key };
	struct st_set *s = st_set(&k);
	volatile __u32 *w;
	int i, way;

	if (!s)
		return XDP_ABORTED;
	bpf_spin_lock(&s->lock);
	way = st_way(s, &k);
	if (way >= 0 && way < ST_WAYS) {
		settable_write_begin(&s->seq);
		w = s->e[way].val.w;
		for (i = 0; i < ST_WORDS / 2; i++)
			w[i] = x;
		/* half written for a while (microseconds) */
		for (i = 0; i < ST_SLOW_SPIN; i++)
			asm volatile("" ::: "memory");
		for (i = ST_WORDS / 2; i < ST_WORDS; i++)
			w[i] = x;
		settable_write_end(&s->seq);
	}
	bpf_spin_unlock(&s->lock);
	__sync_fetch_and_add(&io.writes, 1);
	return XDP_PASS;
}

/* {io.key, 0} -> io.next in every word: a put stamped io.next (st_put_key),
 * a put into a spare way (st_put_spare_key: settable.h). */
static __always_inline void key_val(struct st_key *k, struct st_val *v)
{
	int i;

	k->a = io.key;
	k->b = 0;
	for (i = 0; i < ST_WORDS; i++)
		v->w[i] = io.next;
}

SEC("xdp")
int st_put_key(struct xdp_md *ctx)
{
	struct st_key k;
	struct st_val v;

	key_val(&k, &v);
	st_put(&k, &v, io.next);
	return XDP_PASS;
}

SEC("xdp")
int st_put_spare_key(struct xdp_md *ctx)
{
	struct st_key k;
	struct st_val v;

	key_val(&k, &v);
	st_put_spare(&k, &v);
	return XDP_PASS;
}

/* The table of two candidate sets a key: {io.key, 0} -> io.next, stamped
 * io.next (a spare: stamped 1); found (io.result: the value, or -1);
 * deleted (io.result: 1 gone, 0 not there). */
SEC("xdp")
int st2_put_key(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	__u32 v = io.next;

	st2_put2(&k, &v, io.next);
	return XDP_PASS;
}

SEC("xdp")
int st2_put_spare_key(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	__u32 v = io.next;

	st2_put_spare2(&k, &v);
	return XDP_PASS;
}

SEC("xdp")
int st2_find_key(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	__u32 v;

	io.result = st2_find2(&k, &v) ? (__s32)v : -1;
	return XDP_PASS;
}

SEC("xdp")
int st2_delete_key(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };

	io.result = st2_delete_judged2(&k, NULL);
	return XDP_PASS;
}

/* The look alone (the global function): 1, 0, or -1 (count odd or moved). */
int look_ret;

SEC("xdp")
int st_look_once(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	struct st_set *s = st_set(&k);
	struct st_val v;

	look_ret = s ? st_look((void *)s->fp, &k, &v) : -2;
	return XDP_PASS;
}

SEC("xdp")
int st_read(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	struct st_val v;
	__u32 diff = 0;
	int i;

	if (!st_find(&k, &v)) {
		__sync_fetch_and_add(&io.missing, 1);
		return XDP_PASS;
	}
	for (i = 1; i < ST_WORDS; i++)
		diff |= v.w[i] ^ v.w[0];
	if (diff)
		__sync_fetch_and_add(&io.torn, 1);
	else
		__sync_fetch_and_add(&io.found, 1);
	return XDP_PASS;
}

/* The control: the same copy made in place without the seqcount (st_ref,
 * as an LRU element is read), to show that the writer does tear what it
 * races. */
__u32 ctl_torn, ctl_found;

SEC("xdp")
int st_read_unchecked(struct xdp_md *ctx)
{
	struct st_key k = { .a = io.key };
	struct st_val *p = st_ref(&k), v;
	__u32 diff = 0;
	int i;

	if (!p)
		return XDP_PASS;
	v = *p;
	for (i = 1; i < ST_WORDS; i++)
		diff |= v.w[i] ^ v.w[0];
	if (diff)
		__sync_fetch_and_add(&ctl_torn, 1);
	else
		__sync_fetch_and_add(&ctl_found, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
